/* Ombud: behaviour shared by every page. No inline scripts anywhere (CSP script-src 'self'). */
(function () {
  "use strict";

  // What every chart script (dashboard.js, publication.js, evaluation.js) shares: the colour of
  // a series and the font come from the stylesheet (--chart-<key> and --font in ombud.css), the
  // words from the server (ombud/charts.py), so none of them defines its own.
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).replace(/\s+/g, " ").trim();
  }
  window.Ombud = window.Ombud || {};
  window.Ombud.charts = {
    color: function (key) { return cssVar("--chart-" + key.replace(/_/g, "-")); },
    font: function () { return cssVar("--font"); },
    // The title an empty chart shows in its middle ("No data yet").
    emptyTitle: function (text) {
      return { text: text, left: "center", top: "middle",
               textStyle: { color: cssVar("--chart-empty"), fontSize: 14, fontWeight: "normal" } };
    }
  };

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
