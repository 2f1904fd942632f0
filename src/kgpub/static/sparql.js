// kgpub query page. Without JavaScript the form posts and the server renders the results.
// With it, YASGUI (served by kgpub from its own npm install) replaces the form when its files
// loaded; otherwise queries run in the page (fetch + SPARQL JSON results). The configuration
// (endpoint, prefixes, examples) comes from the data-config attribute of #yasgui: no inline
// script, so a strict Content-Security-Policy can forbid them.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var config = {};
  try {
    config = JSON.parse((holder && holder.getAttribute("data-config")) || "{}");
  } catch (e) {
    config = {};
  }
  var base = config.base || "";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var format = document.getElementById("format");
  var out = document.getElementById("results");
  if (!form || !editor || !out) return;

  if (holder && window.Yasgui) {
    startYasgui();
    return;
  }
  if (!window.fetch) return;

  function startYasgui() {
    holder.hidden = false;
    form.hidden = true;
    var yasgui = new window.Yasgui(holder, {
      requestConfig: { endpoint: config.endpoint || form.action, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      // only completers that need no other server (classes and properties ask LOV)
      yasqe: { value: editor.value, autocompleters: ["prefixes", "variables"] }
    });
    var tab = yasgui.getTab();
    if (config.prefixes) tab.getYasqe().addPrefixes(config.prefixes);
    document.querySelectorAll("#examples a[data-query]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var current = yasgui.getTab();
        current.setQuery(a.getAttribute("data-query"));
        current.query();
      });
    });
    label(holder);
    if (window.MutationObserver) {
      new MutationObserver(function () { label(holder); })
        .observe(holder, { childList: true, subtree: true });
    }
    window.kgpubYasgui = yasgui;
  }

  // YASGUI's editor and fields come without accessible names; give them the page's words
  function label(root) {
    root.querySelectorAll("textarea:not([aria-label])").forEach(function (t) {
      t.setAttribute("aria-label", "SPARQL query");
    });
    root.querySelectorAll("input:not([aria-label])").forEach(function (i) {
      i.setAttribute("aria-label", i.placeholder || "SPARQL endpoint");
    });
    root.querySelectorAll("select:not([aria-label])").forEach(function (s) {
      s.setAttribute("aria-label", s.classList.contains("tableSizer") ? "Rows per page" : "Option");
    });
    // CodeMirror takes its scroller out of the tab order; a scrollable region needs it
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach(function (s) {
      s.setAttribute("tabindex", "0");
    });
  }

  document.querySelectorAll("#examples a[data-query]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      editor.value = a.getAttribute("data-query");
      editor.focus();
    });
  });

  editor.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
  });

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function localHref(iri) {
    return base && iri.indexOf(base) === 0 ? "/" + iri.slice(base.length) : iri;
  }

  function downloads(query, keys) {
    var p = el("p", "Download: ", { "class": "downloads" });
    keys.forEach(function (k) {
      var params = new URLSearchParams({ query: query, format: k });
      p.appendChild(el("a", k.toUpperCase(), { href: form.action + "?" + params.toString() }));
      p.appendChild(document.createTextNode(" "));
    });
    return p;
  }

  function cell(term) {
    var td = el("td");
    if (!term) return td;
    if (term.type === "uri") td.appendChild(el("a", term.value, { href: localHref(term.value) }));
    else td.appendChild(document.createTextNode(term.type === "bnode" ? "_:" + term.value : term.value));
    if (term["xml:lang"]) td.appendChild(el("span", " @" + term["xml:lang"], { "class": "lang" }));
    else if (term.datatype) td.appendChild(el("span", " " + term.datatype.split("#").pop(), { "class": "dt" }));
    return td;
  }

  function run() {
    var query = editor.value;
    out.textContent = "Running…";
    var graph = /^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*)\s*)*(CONSTRUCT|DESCRIBE)\b/i.test(query);
    fetch(form.action, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": graph ? "text/turtle" : "application/sparql-results+json"
      },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (resp) {
      return resp.text().then(function (text) { return { resp: resp, text: text }; });
    }).then(function (r) {
      out.textContent = "";
      if (!r.resp.ok) {
        out.appendChild(el("h2", "Error " + r.resp.status));
        out.appendChild(el("div", r.text, { "class": "error" }));
        return;
      }
      if (graph) {
        out.appendChild(el("h2", "Result (Turtle)"));
        out.appendChild(downloads(query, ["ttl", "jsonld", "rdf", "nt"]));
        out.appendChild(el("pre", r.text, { "class": "graph" }));
        return;
      }
      var data = JSON.parse(r.text);
      if ("boolean" in data) {
        out.appendChild(el("h2", "Result"));
        out.appendChild(el("p", String(data.boolean)));
        return;
      }
      var vars = data.head.vars, rows = data.results.bindings;
      out.appendChild(el("h2", "Results: " + rows.length + " rows"));
      out.appendChild(downloads(query, ["json", "xml", "csv", "tsv"]));
      var table = el("table"), thead = el("thead"), tr = el("tr");
      vars.forEach(function (v) { tr.appendChild(el("th", "?" + v)); });
      thead.appendChild(tr); table.appendChild(thead);
      var tbody = el("tbody");
      rows.forEach(function (b) {
        var row = el("tr");
        vars.forEach(function (v) { row.appendChild(cell(b[v])); });
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      out.appendChild(table);
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("div", "The request failed: " + err, { "class": "error" }));
    });
  }

  form.addEventListener("submit", function (ev) {
    if (format && format.value) return; // a download: let the browser follow the link
    ev.preventDefault();
    run();
  });
})();
