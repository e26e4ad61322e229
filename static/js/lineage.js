/* Lineage explorer: products grouped by domain, expandable to datasets and columns, in plain SVG.
 *
 * The graph is never drawn whole: domains start collapsed (one node with a product count) when
 * there are many products, and datasets and columns are fetched only when their parent is opened.
 * Click a node to open or close it; Shift-click two nodes to highlight the path between them.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var COLLAPSE_ABOVE = 40;      // products: more than this and domains start collapsed
  var MAX_VISIBLE = 400;        // nodes drawn at once; opening more is refused with a message
  var COL_W = 250, ROW_H = 58, NODE_W = 204, NODE_H = 44, SMALL_H = 30;
  var PALETTE = 12;             // colours dom-0 … dom-11 in lineage.css, given to domains in a fixed order

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function clip(text, n) { text = text || ""; return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* Domains in the page's fixed order ([slug, name] pairs, by slug): the i-th gets colour i mod 12. */
  function Palette(root) {
    var source = document.getElementById(root.dataset.palette || "lineage-domains");
    var pairs = [];
    try { pairs = source ? JSON.parse(source.textContent) : []; } catch (e) { pairs = []; }
    this.order = {};
    this.names = {};
    var self = this;
    pairs.forEach(function (pair) { self.add(pair[0], pair[1]); });
  }
  Palette.prototype.add = function (slug, name) {
    if (!slug) return;
    if (!(slug in this.order)) this.order[slug] = Object.keys(this.order).length;
    if (name) this.names[slug] = name;
  };
  Palette.prototype.colour = function (slug) {
    if (!(slug in this.order)) this.add(slug);
    return "dom-" + (this.order[slug] % PALETTE);
  };

  function Explorer(root) {
    this.root = root;
    this.api = root.dataset.api;
    this.status = root.querySelector("[data-role=status]");
    this.svg = el("svg", { "class": "lineage-svg", role: "group", "aria-label": "Lineage graph" },
                  root.querySelector("[data-role=canvas]"));
    var marker = el("marker", { id: "lineage-arrow-" + Math.random().toString(36).slice(2), viewBox: "0 0 10 10",
                                refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto" },
                    el("defs", {}, this.svg));
    el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow" }, marker);
    this.arrow = "url(#" + marker.id + ")";
    this.view = el("g", {}, this.svg);
    this.products = {};        // identifier -> product node
    this.productEdges = [];    // [source, target] identifiers
    this.collapsed = {};       // domain slug -> true
    this.openProducts = {};    // identifier -> {nodes, edges} at dataset level
    this.openDatasets = {};    // dataset id -> {nodes, edges} at column level
    this.picked = [];
    this.palette = new Palette(root);
    this.centre = root.dataset.node || "";
    this.details = root.querySelector("[data-role=details]");
    this.legend = root.querySelector("[data-role=legend]");
    this.zoom = { x: 0, y: 0, k: 1 };
    this.bindPanZoom();
    var reset = root.querySelector("[data-role=reset]"), self = this;
    if (reset) reset.addEventListener("click", function () { self.reset(); });
  }

  Explorer.prototype.reset = function () {
    this.openProducts = {};
    this.openDatasets = {};
    this.picked = [];
    this.pathSet = null;
    this.collapsed = Object.assign({}, this.initiallyCollapsed);
    this.render();
  };

  Explorer.prototype.fetch = function (params) {
    var query = new URLSearchParams(params).toString();
    return fetch(this.api + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) return r.json();
        var words = r.status === 404 ? "No product or dataset called \u201c" + (params.node || "") +
                      "\u201d is known to Meshport, or you may not see it."
                  : r.status === 400 ? "Lineage cannot show \u201c" + (params.node || "") + "\u201d at that level."
                  : "The lineage service did not answer (" + r.status + "); try again in a moment.";
        throw new Error(words);
      });
  };

  Explorer.prototype.load = function () {
    var self = this, node = this.root.dataset.node;
    var params = node ? { node: node, level: "product", direction: "both", depth: this.root.dataset.depth || 3 }
                      : { level: "product" };
    return this.fetch(params).then(function (graph) {
      graph.nodes.forEach(function (n) { self.products[n.id] = n; self.palette.add(n.domain, n.domain_name); });
      self.productEdges = graph.edges.map(function (e) { return [e.source, e.target]; });
      var many = graph.nodes.length > COLLAPSE_ABOVE;
      graph.nodes.forEach(function (n) { if (many && n.id !== node) self.collapsed[n.domain] = true; });
      self.initiallyCollapsed = Object.assign({}, self.collapsed);
      self.truncated = graph.truncated;
      if (!graph.nodes.length) self.say("No lineage known yet: publish products with input ports, or send OpenLineage events.");
      self.render();
      if (self.products[node]) self.showDetails({ id: "product:" + node, kind: "product", ref: self.products[node],
                                                 domain: self.products[node].domain, label: self.products[node].label });
    }).catch(function (err) { self.fail(err.message); });
  };

  /* A failure said in words, where the map would be (never a blank canvas). */
  Explorer.prototype.fail = function (text) {
    this.say(text);
    var canvas = this.root.querySelector("[data-role=canvas]");
    if (canvas && !Object.keys(this.products).length) {
      canvas.classList.add("lineage-canvas--empty");
      var p = document.createElement("p");
      p.className = "lineage-message";
      p.textContent = text;
      canvas.appendChild(p);
    }
  };

  Explorer.prototype.drawLegend = function (graph) {
    if (!this.legend) return;
    var self = this, shown = {};
    Object.keys(graph.nodes).forEach(function (id) { var d = graph.nodes[id].domain; if (d) shown[d] = true; });
    Object.keys(this.products).forEach(function (id) { shown[self.products[id].domain] = true; });
    while (this.legend.firstChild) this.legend.removeChild(this.legend.firstChild);
    Object.keys(shown).sort(function (a, b) { return self.palette.order[a] - self.palette.order[b]; })
      .forEach(function (slug) {
        var li = document.createElement("li"), sw = document.createElement("span");
        sw.className = "legend__swatch " + self.palette.colour(slug);
        sw.setAttribute("aria-hidden", "true");
        li.appendChild(sw);
        li.appendChild(document.createTextNode(" " + (self.palette.names[slug] || slug)));
        li.setAttribute("data-domain", slug);
        self.legend.appendChild(li);
      });
  };

  Explorer.prototype.showDetails = function (node) {
    if (!this.details) return;
    var box = this.details, ref = node.ref || {};
    while (box.firstChild) box.removeChild(box.firstChild);
    function add(tag, text, cls) {
      var e = document.createElement(tag);
      if (text) e.textContent = text;
      if (cls) e.className = cls;
      box.appendChild(e);
      return e;
    }
    function link(parent, href, text, id) {
      var a = document.createElement("a");
      a.href = href; a.textContent = text;
      if (id) a.id = id;
      parent.appendChild(a);
      return a;
    }
    var domain = this.palette.names[node.domain] || node.domain || "";
    if (node.kind === "product") {
      add("h2", ref.label || node.label);
      add("p", ref.id, "lineage-details__id");
      add("p", (domain ? domain + " \u00b7 " : "") + plural(ref.datasets || 0, "dataset", "datasets"), "muted");
      var actions = add("p", "", "lineage-details__actions");
      link(actions, ref.url || "/products/" + encodeURIComponent(ref.id) + "/", "Open product page", "lineage-open-product")
        .className = "button";
      var centre = link(actions, "?node=" + encodeURIComponent(ref.id), "Centre the map here");
      centre.className = "button button--secondary";
    } else if (node.kind === "dataset") {
      add("h2", "Dataset");
      add("p", ref.label || node.label, "lineage-details__id");
      if (ref.product) {
        var p = add("p", "Published by ");
        link(p, "/products/" + encodeURIComponent(ref.product) + "/", ref.product);
      }
      add("p", "Click it again to hide its columns.", "muted");
    } else if (node.kind === "domain") {
      add("h2", domain);
      add("p", plural(node.count || 0, "product", "products") + ", closed: click to open.", "muted");
    } else if (node.kind === "column") {
      add("h2", "Column " + (ref.label || node.label));
      add("p", ref.dataset || "", "lineage-details__id");
      if (ref.product) {
        var q = add("p", "Of ");
        link(q, "/products/" + encodeURIComponent(ref.product) + "/", ref.product);
      }
    }
  };

  Explorer.prototype.say = function (text) { if (this.status) this.status.textContent = text; };

  /* The unit a product is drawn as: its domain (collapsed), its datasets (open) or itself. */
  Explorer.prototype.unitOfProduct = function (identifier) {
    var p = this.products[identifier];
    if (p && this.collapsed[p.domain]) return "domain:" + p.domain;
    return "product:" + identifier;
  };

  Explorer.prototype.unitOfDataset = function (dataset) {
    if (dataset.product && !this.openProducts[dataset.product]) return this.unitOfProduct(dataset.product);
    return "dataset:" + dataset.id;
  };

  Explorer.prototype.visible = function () {
    var self = this, nodes = {}, edges = {};
    function add(id, node) { if (!nodes[id]) nodes[id] = node; }
    function link(a, b) { if (a !== b && nodes[a] && nodes[b]) edges[a + "\u2192" + b] = [a, b]; }
    Object.keys(this.products).forEach(function (id) {
      var p = self.products[id], unit = self.unitOfProduct(id);
      if (unit.indexOf("domain:") === 0) {
        var d = nodes[unit] || add(unit, { id: unit, kind: "domain", label: self.palette.names[p.domain] || p.domain_name || p.domain,
                                           domain: p.domain, count: 0 }) || nodes[unit];
        d.count += 1;
      } else if (!self.openProducts[id]) {
        add(unit, { id: unit, kind: "product", label: p.label, domain: p.domain, ref: p });
      }
    });
    Object.keys(this.openProducts).forEach(function (id) {
      self.openProducts[id].nodes.forEach(function (n) {
        var unit = self.unitOfDataset(n);
        if (unit.indexOf("dataset:") === 0) add(unit, { id: unit, kind: "dataset", label: n.label, domain: n.domain, ref: n });
      });
    });
    Object.keys(this.openDatasets).forEach(function (id) {
      self.openDatasets[id].nodes.forEach(function (n) {
        add("column:" + n.id, { id: "column:" + n.id, kind: "column", label: n.label, domain: n.domain, ref: n });
      });
    });
    this.productEdges.forEach(function (e) { link(self.unitOfProduct(e[0]), self.unitOfProduct(e[1])); });
    Object.keys(this.openProducts).forEach(function (id) {
      var g = self.openProducts[id], byId = {};
      g.nodes.forEach(function (n) { byId[n.id] = n; });
      g.edges.forEach(function (e) {
        if (byId[e.source] && byId[e.target]) link(self.unitOfDataset(byId[e.source]), self.unitOfDataset(byId[e.target]));
      });
    });
    Object.keys(this.openDatasets).forEach(function (id) {
      self.openDatasets[id].edges.forEach(function (e) { link("column:" + e.source, "column:" + e.target); });
    });
    return { nodes: nodes, edges: Object.keys(edges).map(function (k) { return edges[k]; }) };
  };

  /* Longest-path layers over the graph with back edges (cycles) ignored, then one barycentre pass. */
  Explorer.prototype.layout = function (graph) {
    var ids = Object.keys(graph.nodes).sort(), out = {}, layer = {}, state = {};
    ids.forEach(function (id) { out[id] = []; });
    graph.edges.forEach(function (e) { out[e[0]].push(e[1]); });
    function visit(id) {
      if (state[id] === 2) return layer[id];
      state[id] = 1;
      var depth = 0;
      out[id].forEach(function (next) { if (state[next] !== 1) depth = Math.max(depth, visit(next) + 1); });
      state[id] = 2;
      layer[id] = depth;
      return depth;
    }
    ids.forEach(visit);
    var maxLayer = Math.max.apply(null, ids.map(function (id) { return layer[id]; }).concat([0]));
    var columns = [];
    ids.forEach(function (id) {
      var col = maxLayer - layer[id];
      (columns[col] = columns[col] || []).push(id);
    });
    var pos = {};
    columns.forEach(function (col, x) {
      col.sort(function (a, b) {
        var da = graph.nodes[a].domain || "", db = graph.nodes[b].domain || "";
        return da < db ? -1 : da > db ? 1 : (a < b ? -1 : 1);
      });
      col.forEach(function (id, y) { pos[id] = { x: x * COL_W, y: y * ROW_H }; });
    });
    return pos;
  };

  Explorer.prototype.render = function () {
    var graph = this.visible(), pos = this.layout(graph), self = this;
    this.graph = graph;
    while (this.view.firstChild) this.view.removeChild(this.view.firstChild);
    var edgeLayer = el("g", { "class": "edges" }, this.view), nodeLayer = el("g", { "class": "nodes" }, this.view);
    var onPath = this.pathSet || {};
    graph.edges.forEach(function (e) {
      var a = pos[e[0]], b = pos[e[1]];
      var mid = (a.x + NODE_W + b.x) / 2, ay = a.y + height(graph.nodes[e[0]]) / 2, by = b.y + height(graph.nodes[e[1]]) / 2;
      el("path", {
        d: "M" + (a.x + NODE_W) + "," + ay + " C" + mid + "," + ay + " " + mid + "," + by + " " + b.x + "," + by,
        "class": "edge" + (onPath[e[0]] && onPath[e[1]] ? " on-path" : ""),
        "data-source": e[0], "data-target": e[1], "marker-end": self.arrow
      }, edgeLayer);
    });
    Object.keys(graph.nodes).forEach(function (id) { self.drawNode(nodeLayer, graph.nodes[id], pos[id], onPath); });
    this.drawLegend(graph);
    var count = Object.keys(graph.nodes).length;
    this.svg.setAttribute("data-nodes", count);
    this.say(plural(count, "node", "nodes") + " shown" + (this.truncated ? " (graph truncated at the node cap)" : "") +
             ". Click to open or close; Shift-click two nodes for the path between them.");
    var centreId = Object.keys(graph.nodes).filter(function (id) { return self.isCentre(graph.nodes[id]); })[0];
    this.fit(pos, centreId && pos[centreId]);  // the drawing's extent follows what is open; zoom and pan stay as left
  };

  function height(node) { return node && (node.kind === "product" || node.kind === "domain") ? NODE_H : SMALL_H; }

  Explorer.prototype.isCentre = function (node) {
    if (!this.centre) return false;
    return (node.kind === "product" && node.ref && node.ref.id === this.centre) ||
           (node.kind === "dataset" && node.ref && node.ref.id === this.centre);
  };

  /* A card: the name, then what it is (domain, datasets); products carry a link to their page. */
  Explorer.prototype.drawNode = function (layer, node, p, onPath) {
    var self = this, ref = node.ref || {}, h = height(node), centre = this.isCentre(node);
    var g = el("g", { "class": "node " + node.kind + " " + this.palette.colour(node.domain) +
                      (ref.restricted ? " restricted" : "") + (centre ? " centre" : "") +
                      (onPath[node.id] ? " on-path" : "") +
                      (this.picked.indexOf(node.id) >= 0 ? " picked" : ""),
                      transform: "translate(" + p.x + "," + p.y + ")", "data-id": node.id,
                      "data-kind": node.kind, tabindex: "0", role: "button" }, layer);
    el("rect", { width: NODE_W, height: h, rx: node.kind === "domain" ? 14 : 6, "class": "box" }, g);
    el("rect", { width: 6, height: h, rx: 2, "class": "band" }, g);  // the domain's colour, strong
    var domain = this.palette.names[node.domain] || node.domain || "";
    var title, second = "";
    if (node.kind === "domain") {
      title = node.label;
      second = plural(node.count, "product", "products") + " \u00b7 closed";
    } else if (node.kind === "product") {
      title = node.label;
      second = (ref.restricted ? "restricted \u00b7 " : "") + clip(domain, 16) + " \u00b7 " +
               plural(ref.datasets || 0, "dataset", "datasets");
    } else if (node.kind === "column") {
      var ds = (ref.dataset || "").split(/[/:.]/).pop();
      title = (ds ? ds + "." : "") + node.label;
    } else {
      title = (node.label || "").split("/").pop();
    }
    el("text", { x: 14, y: node.kind === "product" || node.kind === "domain" ? 18 : 19, "class": "name" }, g)
      .textContent = clip(title, node.kind === "product" && ref.url ? 24 : 27);
    if (second) el("text", { x: 14, y: 35, "class": "count" }, g).textContent = second;
    if (centre) {
      el("text", { x: NODE_W - 8, y: -5, "text-anchor": "end", "class": "centre-mark" }, g).textContent = "\u25c9 centre";
    }
    if (node.kind === "product" && ref.url && !ref.restricted) {  // a sibling of the card: never a control in a control
      var a = el("a", { href: ref.url, "class": "open", "aria-label": "Open the product page of " + node.label,
                        "data-product": ref.id, transform: "translate(" + p.x + "," + p.y + ")" }, layer);
      el("rect", { x: NODE_W - 26, y: 4, width: 22, height: 18, rx: 4, "class": "open__box" }, a);
      el("text", { x: NODE_W - 15, y: 17, "text-anchor": "middle" }, a).textContent = "\u2197";
      a.addEventListener("click", function (ev) { ev.stopPropagation(); });
    }
    var more = node.kind === "product" ? " \u2014 " + plural(ref.datasets || 0, "dataset", "datasets") + ", click to open" : "";
    var named = ref && ref.id && !ref.restricted ? ref.id : node.label;  // an opaque id says nothing
    el("title", {}, g).textContent = node.kind + ": " + (named || title) + (domain && !ref.restricted ? " (" + domain + ")" : "") + more;
    g.addEventListener("click", function (ev) { ev.stopPropagation(); self.onClick(node, ev.shiftKey); });
    g.addEventListener("keydown", function (ev) {
      if (ev.target === g && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); self.onClick(node, ev.shiftKey); }
    });
  };

  Explorer.prototype.onClick = function (node, pick) {
    if (pick) return this.pick(node.id);
    this.showDetails(node);
    if (node.kind === "domain") { delete this.collapsed[node.domain]; return this.guardedRender(); }
    if (node.kind === "product") return this.openProduct(node.ref.id);
    if (node.kind === "dataset" && node.ref && node.ref.restricted) {
      return this.say("A restricted dataset of " + node.domain + ": only its domain team and those granted " +
                      "access see its name and columns.");
    }
    if (node.kind === "dataset") return this.toggleDataset(node.ref);
  };

  Explorer.prototype.guardedRender = function () {
    if (Object.keys(this.visible().nodes).length > MAX_VISIBLE) {
      this.say("Opening that would draw more than " + MAX_VISIBLE + " nodes; open a smaller part first.");
      return false;
    }
    this.render();
    return true;
  };

  Explorer.prototype.openProduct = function (identifier) {
    var self = this;
    return this.fetch({ node: identifier, level: "dataset", direction: "both", depth: 1 }).then(function (g) {
      self.openProducts[identifier] = g;
      if (!self.guardedRender()) delete self.openProducts[identifier];
    }).catch(function (err) { self.say(err.message); });
  };

  Explorer.prototype.toggleDataset = function (dataset) {
    var self = this;
    if (this.openDatasets[dataset.id]) { delete this.openDatasets[dataset.id]; return this.render(); }
    return this.fetch({ node: dataset.id, level: "column", direction: "both", depth: 1 }).then(function (g) {
      g = self.neighbourColumns(g, dataset.id);
      if (!g.edges.length) { self.say("No column-level lineage is known for " + dataset.label + "."); return; }
      self.openDatasets = {};  // one dataset's columns at a time: more would not be readable
      self.openDatasets[dataset.id] = g;
      if (!self.guardedRender()) delete self.openDatasets[dataset.id];
    }).catch(function (err) { self.say(err.message); });
  };

  /* Only the chosen dataset's columns that have lineage, and the columns they feed or come from. */
  Explorer.prototype.neighbourColumns = function (g, datasetId) {
    var own = function (id) { return id.indexOf(datasetId + "#") === 0; }, keep = {};
    var edges = g.edges.filter(function (e) { return own(e.source) || own(e.target); });
    edges.forEach(function (e) { keep[e.source] = true; keep[e.target] = true; });
    return { nodes: g.nodes.filter(function (n) { return keep[n.id]; }), edges: edges };
  };

  Explorer.prototype.pick = function (id) {
    this.picked = this.picked.concat([id]).slice(-2);
    this.pathSet = this.picked.length === 2 ? this.path(this.picked[0], this.picked[1]) : null;
    if (this.picked.length === 2 && !this.pathSet) this.say("No path between those two nodes.");
    this.render();
  };

  /* Shortest directed path either way between two drawn nodes, as a set of node ids. */
  Explorer.prototype.path = function (a, b) {
    var edges = this.graph.edges;
    function search(from, to) {
      var prev = {}, queue = [from];
      prev[from] = null;
      while (queue.length) {
        var cur = queue.shift();
        if (cur === to) break;
        edges.forEach(function (e) {
          if (e[0] === cur && !(e[1] in prev)) { prev[e[1]] = cur; queue.push(e[1]); }
        });
      }
      if (!(to in prev)) return null;
      var set = {};
      for (var n = to; n !== null; n = prev[n]) set[n] = true;
      return set;
    }
    return search(a, b) || search(b, a);
  };

  /* On a narrow canvas (a phone) the drawing fills the canvas's height and is panned sideways, starting at
     the centred node, rather than shrunk to unreadable cards. */
  Explorer.prototype.fit = function (pos, centre) {
    var narrow = this.svg.clientWidth > 0 && this.svg.clientWidth < 600;
    this.svg.setAttribute("preserveAspectRatio", narrow ? "xMinYMid slice" : "xMidYMid meet");
    if (narrow && centre && !this.placed) { this.zoom.x = Math.max(0, centre.x - 30); this.placed = true; }
    var xs = [], ys = [];
    Object.keys(pos).forEach(function (id) { xs.push(pos[id].x); ys.push(pos[id].y); });
    var w = Math.max.apply(null, xs.concat([0])) + NODE_W + 40, h = Math.max.apply(null, ys.concat([0])) + NODE_H + 60;
    this.base = { w: Math.max(w, 400), h: Math.max(h, 200) };
    this.apply();
  };

  Explorer.prototype.apply = function () {
    var z = this.zoom, b = this.base || { w: 800, h: 400 };
    this.svg.setAttribute("viewBox", [z.x - 20, z.y - 30, b.w / z.k, b.h / z.k].join(" "));
  };

  Explorer.prototype.bindPanZoom = function () {
    var self = this, drag = null;
    this.svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      self.zoom.k = Math.min(8, Math.max(0.1, self.zoom.k * (ev.deltaY < 0 ? 1.15 : 1 / 1.15)));
      self.apply();
    }, { passive: false });
    this.svg.addEventListener("pointerdown", function (ev) { drag = { x: ev.clientX, y: ev.clientY }; });
    window.addEventListener("pointerup", function () { drag = null; });
    this.svg.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var b = self.base || { w: 800, h: 400 };
      var scale = self.svg.getAttribute("preserveAspectRatio") === "xMinYMid slice"
        ? b.h / self.zoom.k / self.svg.clientHeight : b.w / self.zoom.k / self.svg.clientWidth;
      self.zoom.x -= (ev.clientX - drag.x) * scale;
      self.zoom.y -= (ev.clientY - drag.y) * scale;
      drag = { x: ev.clientX, y: ev.clientY };
      self.apply();
    });
  };

  function start() {
    document.querySelectorAll("[data-lineage-explorer]").forEach(function (root) {
      if (root.lineage) return;
      root.lineage = new Explorer(root);
      root.lineage.load();
    });
  }

  window.MeshportLineage = { Explorer: Explorer, start: start };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
