/* The site intake form: keyboard shortcuts, fields shown only when relevant, Enter submits.
 *
 * - In a radio group marked data-shortcuts, the number keys pick the n-th option.
 * - Fieldsets marked data-show-if="name=value" are shown (and enabled, so that their inputs are
 *   posted) only while the radio group `name` has `value`.
 * - Enter records the visit from any field; Shift+Enter starts a new line in the summary.
 * - A second press while the first is being sent does nothing (the server's idempotency token
 *   makes a resend harmless anyway).
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function checkedValue(form, name) {
    var input = form.querySelector('input[type=radio][name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function refresh(form) {
    var blocks = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < blocks.length; i++) {
      var rule = blocks[i].getAttribute("data-show-if").split("=");
      var on = checkedValue(form, rule[0]) === rule[1];
      blocks[i].hidden = !on;
      blocks[i].disabled = !on;
    }
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  ready(function () {
    var form = document.querySelector("[data-intake-form]");
    if (!form) return;
    refresh(form);

    // Start where the receptionist types first: the site if none is chosen, else the kind.
    // (The autofocus attribute says the same, but browsers apply it lazily.)
    if (!document.querySelector(".has-error")) {
      var site = form.querySelector("select[name=site]");
      var kind = form.querySelector("input[name=kind]:checked") || form.querySelector("input[name=kind]");
      var start = site && !site.value ? site : kind;
      if (start && document.activeElement !== start) start.focus();
    }

    form.addEventListener("change", function (event) {
      if (event.target.type === "radio") refresh(form);
    });

    form.addEventListener("keydown", function (event) {
      var el = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;

      if (el.type === "radio" && /^[1-9]$/.test(event.key)) {
        var group = el.closest("[data-shortcuts]");
        var option = group && group.querySelector('input[type=radio][data-key="' + event.key + '"]');
        if (option) {
          event.preventDefault();
          option.checked = true;
          option.focus();
          option.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }

      if (event.key === "Enter") {
        if (el.tagName === "TEXTAREA" && event.shiftKey) return;
        if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.type === "radio") {
          event.preventDefault();
          submit(form);
        }
      }
    });

    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      sending = true;
      var button = form.querySelector("[data-submit]");
      if (button) button.setAttribute("aria-busy", "true");
    });
    // Coming back with the Back button restores the page from cache: allow sending again.
    window.addEventListener("pageshow", function () {
      sending = false;
    });
  });
})();
