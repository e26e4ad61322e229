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
  var COL_W = 230, ROW_H = 46, NODE_W = 180, NODE_H = 30;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function hue(text) {
    var h = 0;
    for (var i = 0; i < (text || "").length; i++) h = (h * 31 + text.charCodeAt(i)) % 360;
    return h;
  }

  function Explorer(root) {
    this.root = root;
    this.api = root.dataset.api;
    this.status = root.querySelector("[data-role=status]");
    this.svg = el("svg", { "class": "lineage-svg", role: "img", "aria-label": "Lineage graph" },
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
        if (!r.ok) throw new Error("lineage API answered " + r.status);
        return r.json();
      });
  };

  Explorer.prototype.load = function () {
    var self = this, node = this.root.dataset.node;
    var params = node ? { node: node, level: "product", direction: "both", depth: this.root.dataset.depth || 3 }
                      : { level: "product" };
    return this.fetch(params).then(function (graph) {
      graph.nodes.forEach(function (n) { self.products[n.id] = n; });
      self.productEdges = graph.edges.map(function (e) { return [e.source, e.target]; });
      var many = graph.nodes.length > COLLAPSE_ABOVE;
      graph.nodes.forEach(function (n) { if (many && n.id !== node) self.collapsed[n.domain] = true; });
      self.initiallyCollapsed = Object.assign({}, self.collapsed);
      self.truncated = graph.truncated;
      self.render();
    }).catch(function (err) { self.say(err.message); });
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
        var d = nodes[unit] || add(unit, { id: unit, kind: "domain", label: p.domain_name || p.domain,
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
      var mid = (a.x + NODE_W + b.x) / 2;
      el("path", {
        d: "M" + (a.x + NODE_W) + "," + (a.y + NODE_H / 2) + " C" + mid + "," + (a.y + NODE_H / 2) + " " + mid + "," +
           (b.y + NODE_H / 2) + " " + b.x + "," + (b.y + NODE_H / 2),
        "class": "edge" + (onPath[e[0]] && onPath[e[1]] ? " on-path" : ""),
        "data-source": e[0], "data-target": e[1], "marker-end": self.arrow
      }, edgeLayer);
    });
    Object.keys(graph.nodes).forEach(function (id) { self.drawNode(nodeLayer, graph.nodes[id], pos[id], onPath); });
    var count = Object.keys(graph.nodes).length;
    this.svg.setAttribute("data-nodes", count);
    this.say(count + " nodes shown" + (this.truncated ? " (graph truncated at the node cap)" : "") +
             ". Click to open or close; Shift-click two nodes for the path between them.");
    this.fit(pos);  // the drawing's extent follows what is open; the zoom and pan stay as the reader left them
  };

  Explorer.prototype.drawNode = function (layer, node, p, onPath) {
    var self = this;
    var g = el("g", { "class": "node " + node.kind + (node.ref && node.ref.restricted ? " restricted" : "") +
                      (onPath[node.id] ? " on-path" : "") +
                      (this.picked.indexOf(node.id) >= 0 ? " picked" : ""),
                      transform: "translate(" + p.x + "," + p.y + ")", "data-id": node.id,
                      "data-kind": node.kind, tabindex: "0" }, layer);
    var light = node.kind === "column" ? 92 : node.kind === "dataset" ? 86 : 78;
    el("rect", { width: NODE_W, height: NODE_H, rx: node.kind === "domain" ? 14 : 5,
                 fill: "hsl(" + hue(node.domain) + ",55%," + light + "%)" }, g);  // an attribute: CSP refuses style="…"
    var text = el("text", { x: 10, y: 19 }, g);
    var label = node.kind === "domain" ? node.label + " (" + node.count + " products)" : node.label;
    if (node.kind === "product" && node.ref && node.ref.datasets) {
      el("text", { x: NODE_W - 8, y: 19, "text-anchor": "end", "class": "count" }, g).textContent = node.ref.datasets;
    }
    text.textContent = label.length > 24 ? label.slice(0, 23) + "\u2026" : label;
    var more = node.kind === "product" && node.ref ? " \u2014 " + (node.ref.datasets || 0) + " datasets, click to open" : "";
    var named = node.ref && !node.ref.restricted ? node.ref.id : node.label;  // an opaque id says nothing
    el("title", {}, g).textContent = node.kind + ": " + (named || label) + more;
    g.addEventListener("click", function (ev) { ev.stopPropagation(); self.onClick(node, ev.shiftKey); });
    g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") self.onClick(node, ev.shiftKey); });
  };

  Explorer.prototype.onClick = function (node, pick) {
    if (pick) return this.pick(node.id);
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
      self.openDatasets[dataset.id] = g;
      if (!self.guardedRender()) delete self.openDatasets[dataset.id];
    }).catch(function (err) { self.say(err.message); });
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

  Explorer.prototype.fit = function (pos) {
    var xs = [], ys = [];
    Object.keys(pos).forEach(function (id) { xs.push(pos[id].x); ys.push(pos[id].y); });
    var w = Math.max.apply(null, xs.concat([0])) + NODE_W + 40, h = Math.max.apply(null, ys.concat([0])) + NODE_H + 40;
    this.base = { w: Math.max(w, 400), h: Math.max(h, 200) };
    this.apply();
  };

  Explorer.prototype.apply = function () {
    var z = this.zoom, b = this.base || { w: 800, h: 400 };
    this.svg.setAttribute("viewBox", [z.x - 20, z.y - 20, b.w / z.k, b.h / z.k].join(" "));
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
      var scale = (self.base ? self.base.w : 800) / self.zoom.k / self.svg.clientWidth;
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
