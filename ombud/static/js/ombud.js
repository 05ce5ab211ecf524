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

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-print]");
      if (button) {
        event.preventDefault();
        window.print();
      }
    });
  });
})();
