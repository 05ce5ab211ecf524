// The filing page (portal/filing): parts shown only when they apply, a draft kept in this
// browser (localStorage) so that a reload loses nothing, one submission at a time, and the
// receipt's print button. The draft holds the text fields and choices only: never the SMS
// code, the hidden trap field or the files. It is cleared once the receipt is shown.
(function () {
  "use strict";
  var KEY = "ombud.filing.draft";
  var KEPT = ["kind", "filed_as", "name", "principal_name", "representatives", "company", "company_id",
              "city", "product_line", "category", "summary", "request"];

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function value(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var el = form.querySelector('[name="' + name + '"]');
    return el && el.type !== "radio" ? el.value : "";
  }

  function refresh(form) {
    var kind = value(form, "kind");
    form.querySelectorAll("[data-show-if]").forEach(function (part) {
      var cond = part.getAttribute("data-show-if").split("=");
      var show = value(form, cond[0]) === cond[1] && (cond[0] !== "filed_as" || kind === "complaint");
      part.hidden = !show;
      part.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
    });
  }

  function save(form) {
    var store = storage();
    if (!store) return;
    var draft = {};
    KEPT.forEach(function (name) { draft[name] = value(form, name); });
    store.setItem(KEY, JSON.stringify(draft));
    var note = document.querySelector("[data-draft-note]");
    if (note) note.hidden = false;
  }

  function restore(form) {
    var store = storage();
    var raw = store && store.getItem(KEY);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    var errors = form.querySelector(".field-error");  // the server's answer wins over the draft
    KEPT.forEach(function (name) {
      var v = draft[name];
      if (typeof v !== "string" || !v) return;
      var radio = form.querySelector('input[type=radio][name="' + name + '"][value="' + CSS.escape(v) + '"]');
      if (radio) { if (!errors) radio.checked = true; return; }
      var el = form.querySelector('[name="' + name + '"]');
      if (el && !el.value && el.type !== "file") el.value = v;
    });
  }

  function init() {
    var form = document.querySelector("[data-filing-form]");
    if (form) {
      restore(form);
      refresh(form);
      form.addEventListener("change", function (e) {
        if (e.target.type === "radio") refresh(form);
        save(form);
      });
      form.addEventListener("input", function () { save(form); });
      var sending = false;
      form.addEventListener("submit", function (e) {
        if (sending) { e.preventDefault(); return; }
        sending = true;
        var button = form.querySelector("[data-submit]");
        if (button) button.setAttribute("aria-busy", "true");
      });
      window.addEventListener("pageshow", function () { sending = false; });
    }
    if (document.querySelector("[data-filing-done]")) {
      var store = storage();
      if (store) store.removeItem(KEY);
    }
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
