/* The workspace: keyboard moves in the queue, reply templates, submit shortcuts, upload size.
 *
 * - Queue: j / k move between cases, Enter opens the one with the focus, / jumps to the search.
 * - A reply-template picker (select[data-reply-template]) fills the reply textarea it names
 *   and picks the template's decision; it asks before replacing text already typed.
 * - Ctrl+Enter (Cmd+Enter) in an action form's text area submits that form.
 * - A file over the limit is flagged before it is sent (the server checks again).
 * - A reply that still holds a template's blanks (［…］) is stopped before it is sent (the
 *   service refuses it too: cases.services._decide); this only saves a round trip.
 * - A form being sent cannot be sent twice.
 * No inline script anywhere (CSP script-src 'self'); everything is wired here.
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  function queueKeys() {
    var table = document.querySelector("[data-queue]");
    if (!table) return;
    var links = Array.prototype.slice.call(table.querySelectorAll("a.case-link"));
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "/") {
        var search = document.querySelector("[data-queue-search]");
        if (search) {
          event.preventDefault();
          search.focus();
          search.select();
        }
        return;
      }
      if (event.key !== "j" && event.key !== "k") return;
      if (!links.length) return;
      var at = links.indexOf(document.activeElement);
      var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      if (at === -1) next = 0;
      event.preventDefault();
      links[next].focus();
      links[next].closest("tr").scrollIntoView({ block: "nearest" });
    });
  }

  function replyTemplates() {
    var pickers = document.querySelectorAll("select[data-reply-template]");
    Array.prototype.forEach.call(pickers, function (picker) {
      picker.addEventListener("change", function () {
        var option = picker.options[picker.selectedIndex];
        if (!option || !option.value) return;
        var reply = document.getElementById(picker.getAttribute("data-target"));
        var body = option.getAttribute("data-body") || "";
        if (reply) {
          var typed = reply.value.trim();
          if (typed && typed !== body.trim() && !window.confirm(picker.getAttribute("data-confirm") || "Replace the reply already typed?")) {
            picker.value = "";
            return;
          }
          reply.value = body;
        }
        var decision = option.getAttribute("data-decision");
        var name = picker.getAttribute("data-decision-name");
        if (decision && name) {
          var radio = picker.form.querySelector('input[type=radio][name="' + name + '"][value="' + decision + '"]');
          if (radio) radio.checked = true;
        }
        if (reply) reply.focus();
      });
    });
  }

  function submitShortcuts() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      var form = event.target.closest && event.target.closest("form.action-form");
      if (!form) return;
      event.preventDefault();
      submit(form);
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.getAttribute("data-sending")) {
        event.preventDefault();
        return;
      }
      // A template's blanks (［金额］) left in the reply: the service would refuse it.
      var blanks = form.getAttribute("data-blanks-alert");
      var reply = blanks && form.querySelector("textarea");
      if (reply && /［[^］]*］/.test(reply.value)) {
        event.preventDefault();
        window.alert(blanks);
        reply.focus();
        return;
      }
      form.setAttribute("data-sending", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-busy", "true");
    });
    // Back/forward cache: a page shown again must be usable again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
        form.removeAttribute("data-sending");
        var button = form.querySelector("button[type=submit]");
        if (button) button.removeAttribute("aria-busy");
      });
    });
  }

  function uploadSize() {
    var form = document.querySelector("form[data-max-bytes]");
    if (!form) return;
    var input = form.querySelector("input[type=file]");
    var warning = form.querySelector("[data-upload-too-large]");
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (!input || !max) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooLarge = !!(file && file.size > max);
      if (warning) warning.hidden = !tooLarge;
      input.setCustomValidity(tooLarge && warning ? warning.textContent.trim() : "");
    });
  }

  ready(function () {
    queueKeys();
    replyTemplates();
    submitShortcuts();
    uploadSize();
  });
})();
