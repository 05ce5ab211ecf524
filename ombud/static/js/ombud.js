/* Ombud: behaviour shared by every page. No inline scripts anywhere (CSP script-src 'self'). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Focus: the first field with an error, else an element marked data-autofocus (autofocus
    // on links is not honoured by every browser).
    var invalid = document.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
    var target = invalid || document.querySelector("[data-autofocus]");
    if (target && document.activeElement !== target) target.focus();

    // Navigation menus (<details class="navmenu">): one open at a time; an outside click or
    // Escape closes them.
    function closeMenus(except) {
      document.querySelectorAll("details.navmenu[open]").forEach(function (menu) {
        if (menu !== except) menu.removeAttribute("open");
      });
    }
    document.addEventListener("click", function (event) {
      closeMenus(event.target.closest ? event.target.closest("details.navmenu") : null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeMenus(null);
    });

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-print]");
      if (button) {
        event.preventDefault();
        window.print();
      }
    });
  });
})();
