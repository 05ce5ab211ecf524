// The company search box (ombud/directory/widgets.py): asks GET /api/v1/public/companies?q=
// as the person types and offers the answers as an ARIA combobox listbox. Picking one fills
// the hidden <name>_id input; typing again clears it.
(function () {
  "use strict";

  function setup(box) {
    var input = box.querySelector("[role=combobox]");
    var hidden = box.querySelector("[data-company-id]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-company-status]");
    var url = box.getAttribute("data-url");
    var timer = null, active = -1, items = [], asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    }

    function pick(i) {
      var c = items[i];
      if (!c) return;
      input.value = c.name;
      hidden.value = String(c.id);
      status.textContent = c.name;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = c.name;
        if (c.short_name && c.name.indexOf(c.short_name) === -1) {
          var small = document.createElement("small");
          small.textContent = " · " + c.short_name;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      var open = found.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      status.textContent = open ? box.getAttribute("data-found") + " " + found.length : box.getAttribute("data-none");
      active = -1;
    }

    function ask() {
      var q = input.value.trim();
      if (!q) { show([]); return; }
      if (q === asked) return;
      asked = q;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (input.value.trim() === q) show(found); })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown" && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(0); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { highlight(Math.min(active + 1, items.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); e.stopPropagation(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function init() { document.querySelectorAll("[data-company-search]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
