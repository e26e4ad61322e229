/* Search-as-you-type (ARIA combobox with a listbox) for every form with data-suggest-url, and the
   results page's sort and filters submitting on change. Without JavaScript the forms still submit. */
(function () {
  "use strict";

  function words(text) { return (text.toLowerCase().match(/[^\W_]+/g) || []); }

  /* The text with the parts that start one of the matched words wrapped in <mark> (DOM nodes, no HTML strings). */
  function marked(text, matched) {
    var frag = document.createDocumentFragment(), wanted = words(matched), re = /[^\W_]+/g, last = 0, m;
    while ((m = re.exec(text)) !== null) {
      var w = m[0].toLowerCase(), len = 0;
      wanted.forEach(function (q) { if (q.length > len && w.indexOf(q) === 0) { len = q.length; } });
      if (!len) { continue; }
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      var mark = document.createElement("mark"); mark.textContent = text.slice(m.index, m.index + len);
      frag.appendChild(mark); last = m.index + len;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function span(cls, content) {
    var s = document.createElement("span"); s.className = cls;
    if (typeof content === "string") { s.textContent = content; } else { s.appendChild(content); }
    return s;
  }

  function enhance(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".search-suggestions");
    if (!input || !list) { return; }
    var url = form.getAttribute("data-suggest-url");
    var timer = null, controller = null, active = -1, items = [];

    function close() {
      list.hidden = true; list.textContent = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
    }

    /* An option is not a link (no interactive control inside a listbox option): it carries its
       address, and a click or Enter goes there. */
    function option(i, href, parts) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.setAttribute("data-href", href); li.className = "search-suggestions__option";
      parts.forEach(function (p) { li.appendChild(p); });
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the box
      li.addEventListener("click", function () { window.location.assign(href); });
      list.appendChild(li);
      return li;
    }

    function show(query, suggestions) {
      list.textContent = ""; active = -1; input.removeAttribute("aria-activedescendant");
      items = suggestions.map(function (s, i) {
        var href = "/products/" + encodeURIComponent(s.identifier) + "/";
        if (s.column) {  // "email → sales.customers.email", the product's name below
          var col = span("search-suggestions__name", marked(s.column, s.matched || query));
          col.appendChild(document.createTextNode(" → " + s.identifier + "." + s.column));
          return option(i, href + "?tab=schema", [col, span("search-suggestions__id", "Column of " + s.name),
            span("search-suggestions__kind", "column")]);
        }
        return option(i, href, [span("search-suggestions__name", marked(s.name, s.matched || query)),
          span("search-suggestions__id", s.identifier), span("search-suggestions__domain", s.domain)]);
      });
      var all = option(items.length, form.action + "?q=" + encodeURIComponent(query),
        [span("search-suggestions__all", "See all results for “" + query + "”")]);
      all.classList.add("search-suggestions__see-all");
      items.push(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function move(step) {
      if (!items.length) { return; }
      if (active >= 0) { items[active].classList.remove("is-active"); items[active].setAttribute("aria-selected", "false"); }
      active = (active + step + items.length) % items.length;
      items[active].classList.add("is-active"); items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" },
        credentials: "same-origin", signal: controller ? controller.signal : undefined })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) { show(q, data.suggestions || []); } })
        .catch(function () { /* aborted or offline: the plain form still works */ });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) { fetchSuggestions(); } else { move(1); } }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") { if (!list.hidden) { e.preventDefault(); close(); } }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.assign(items[active].getAttribute("data-href")); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { if (!form.contains(document.activeElement)) { close(); } }, 150); });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { close(); } });
  }

  if (window.fetch) {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), enhance);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-autosubmit]"), function (control) {
    control.addEventListener("change", function () { if (control.form) { control.form.submit(); } });
  });
})();
