/* The site roster: filter rows by name as one types (the server filters too, without JS), and
   "/" jumps to the search box. No inline scripts anywhere (CSP script-src 'self'). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var input = document.querySelector("[data-roster-filter]");
    if (!input) return;
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));

    function apply() {
      var text = input.value.trim();
      groups.forEach(function (group) {
        var visible = 0;
        group.querySelectorAll("tr[data-name]").forEach(function (row) {
          var show = !text || row.getAttribute("data-name").indexOf(text) !== -1;
          row.hidden = !show;
          if (show) visible += 1;
        });
        group.hidden = visible === 0;
      });
    }

    input.addEventListener("input", apply);
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (event.key === "/" && tag !== "input" && tag !== "textarea" && tag !== "select") {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
  });
})();
