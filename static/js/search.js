/* Search-as-you-type for the header search box. Without JavaScript the form still submits to /search/. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector(".search-suggestions");
  var url = form.getAttribute("data-suggest-url");
  var timer = null, controller = null, active = -1, items = [];

  function close() {
    list.hidden = true; list.textContent = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }

  function show(suggestions) {
    list.textContent = "";
    items = suggestions.map(function (s, i) {
      var li = document.createElement("li"), a = document.createElement("a");
      li.id = "header-q-option-" + i; li.setAttribute("role", "option");
      a.href = "/products/" + encodeURIComponent(s.identifier) + "/";
      a.textContent = s.name;
      var id = document.createElement("span"); id.className = "search-suggestions__id"; id.textContent = s.identifier;
      a.appendChild(id); li.appendChild(a); list.appendChild(li);
      return li;
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function move(step) {
    if (!items.length) { return; }
    if (active >= 0) { items[active].classList.remove("is-active"); }
    active = (active + step + items.length) % items.length;
    items[active].classList.add("is-active");
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" },
      credentials: "same-origin", signal: controller ? controller.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { show(data.suggestions || []); })
      .catch(function () { /* aborted or offline: the plain form still works */ });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); items[active].querySelector("a").click(); }
  });
  document.addEventListener("click", function (e) { if (!form.contains(e.target)) { close(); } });
})();
