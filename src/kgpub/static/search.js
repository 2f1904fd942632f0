// kgpub site search: suggestions under the header search box as you type (an ARIA 1.2
// combobox with a listbox popup). Without JavaScript the box is a plain GET form to /search;
// this only adds the list. Suggestions come from /search.json on the same server.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  // once per page, even if both the page and the site template include this script
  if (!input || !input.form || !window.fetch || document.getElementById("site-search-list")) return;
  var form = input.form;
  var langField = form.querySelector("input[name=lang]");
  var lang = (langField && langField.value) || document.documentElement.lang || "sv";
  // the words come from the page (gettext catalogs), in its language
  var TEXT = {
    all: form.dataset.textAll || "Show all results",
    none: form.dataset.textNone || "No suggestions",
    suggestions: form.dataset.textSuggestions || "Suggestions"
  };


  var list = document.createElement("ul");
  list.id = "site-search-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", TEXT.suggestions);
  list.hidden = true;
  form.appendChild(list);
  var status = document.createElement("div");
  status.className = "vh";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var options = [];
  var active = -1;
  var timer = null;
  var latest = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function select(i) {
    options.forEach(function (o, j) { o.li.setAttribute("aria-selected", String(i === j)); });
    active = i;
    if (i < 0) input.removeAttribute("aria-activedescendant");
    else {
      input.setAttribute("aria-activedescendant", options[i].li.id);
      options[i].li.scrollIntoView({ block: "nearest" });
    }
  }

  function option(text, kind, href, className) {
    var li = document.createElement("li");
    li.id = "site-search-opt-" + options.length;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    if (className) li.className = className;
    li.appendChild(document.createTextNode(text));
    if (kind) {
      var span = document.createElement("span");
      span.className = "kind";
      span.textContent = kind;
      li.appendChild(span);
    }
    li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(href); });
    options.push({ li: li, href: href });
    list.appendChild(li);
  }

  function show(data) {
    list.textContent = "";
    options = [];
    active = -1;
    data.groups.forEach(function (g) {
      g.hits.forEach(function (h) {
        option(h.label, g.title + " · " + h.type + (h.owner ? " · " + h.owner : ""), h.href);
      });
    });
    var all = "/search?" + new URLSearchParams({ q: data.query, lang: lang }).toString();
    option(TEXT.all + " (" + data.total + ")", null, all, "all");
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = data.total ? data.status : TEXT.none;
  }

  function go(href) { window.location.assign(href); }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q.length < 2) { close(); status.textContent = ""; return; }
    var ticket = ++latest;
    var url = "/search.json?" + new URLSearchParams({ q: q, lang: lang, limit: "3" }).toString();
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && ticket === latest) show(data); })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 200);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (list.hidden) { if (options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
      ev.preventDefault();
      var n = options.length;
      if (!n) return;
      select(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Escape") {
      if (!list.hidden) { ev.preventDefault(); close(); }
    } else if (ev.key === "Enter" && !list.hidden && active >= 0) {
      ev.preventDefault();
      go(options[active].href);
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 150); });
})();
