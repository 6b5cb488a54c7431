// A small SVG graph view: a force layout seeded from hop distances, labelled directed edges,
// keyboard-reachable nodes and edges, and zoom/pan. No library.

import { h, s } from "./dom.js";
import { KIND_LABELS } from "./api.js";

const RADIUS = 17;
const END_RADIUS = 22;
const SPRING = 190;

export class GraphView {
  /**
   * @param {{onNode: (node) => void, onEdge: (edge) => void}} handlers
   */
  constructor({ onNode, onEdge, label = "Relationship graph", vertical = false }) {
    this.vertical = vertical; // lay hops out top to bottom (narrow screens)
    this.nodes = new Map(); // id -> {id, label, type, role, x, y}
    this.edges = new Map(); // key -> {key, from, to, predicate, label, weak, evidence}
    this.onNode = onNode;
    this.onEdge = onEdge;
    this.selected = null;
    this.view = null; // [x, y, w, h]
    this.svg = s("svg", { class: "graph", role: "group", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
    this.defs = s(
      "defs",
      null,
      marker("arrow", "arrow-head"),
      marker("arrow-weak", "arrow-head weak"),
      marker("arrow-selected", "arrow-head selected"),
    );
    this.edgeLayer = s("g", { class: "edges" });
    this.nodeLayer = s("g", { class: "nodes" });
    this.content = s("g", { class: "content" }, this.edgeLayer, this.nodeLayer);
    this.svg.append(this.defs, this.content);
    this.controls = h(
      "div",
      { class: "graph-controls" },
      h("button", { type: "button", class: "icon-button", "aria-label": "Zoom in", title: "Zoom in", onclick: () => this.zoom(0.8) }, "+"),
      h("button", { type: "button", class: "icon-button", "aria-label": "Zoom out", title: "Zoom out", onclick: () => this.zoom(1.25) }, "−"),
      h("button", { type: "button", class: "icon-button", "aria-label": "Fit the graph to the view", title: "Fit", onclick: () => this.fit() }, "Fit"),
    );
    this.element = h("div", { class: "graph-box" }, this.svg, this.controls);
    this.enablePan();
    // the drawing's height follows its shape and the width it is given
    this.resizer = new ResizeObserver(() => this.resized());
    this.resizer.observe(this.element);
  }

  addNode(node, near) {
    const existing = this.nodes.get(node.id);
    if (existing && node.path !== undefined) existing.paths.push(node.path);
    if (existing) {
      if (node.role && rank(node.role) > rank(existing.role)) existing.role = node.role;
      if (!existing.label && node.label) existing.label = node.label;
      if (!existing.type && node.type) existing.type = node.type;
      return existing;
    }
    const fresh = { ...node, x: null, y: null, anchor: null, parent: near || null, paths: node.path !== undefined ? [node.path] : [] };
    this.nodes.set(node.id, fresh);
    return fresh;
  }

  addEdge(edge) {
    const key = `${edge.from}|${edge.predicate}|${edge.to}`;
    const existing = this.edges.get(key);
    if (existing) {
      const quotes = new Set(existing.evidence.map((e) => `${e.passage}|${e.quote}`));
      for (const ev of edge.evidence || []) if (!quotes.has(`${ev.passage}|${ev.quote}`)) existing.evidence.push(ev);
      existing.onPath = existing.onPath || edge.onPath;
      return existing;
    }
    const fresh = { ...edge, key, evidence: [...(edge.evidence || [])] };
    this.edges.set(key, fresh);
    return fresh;
  }

  /** Lay out the nodes: first along the way from source to target, then relax with forces. */
  layout(sourceId, targetId) {
    const unplaced = [...this.nodes.values()].filter((n) => n.x === null);
    const first = unplaced.length === this.nodes.size;
    if (first) {
      // each node sits at its share of the way: hops from the source / (that + hops to the target)
      const fromSource = bfs(this, sourceId);
      const toTarget = targetId ? bfs(this, targetId) : new Map();
      const longest = Math.max(1, ...[...this.nodes.keys()].map((id) => (fromSource.get(id) ?? 0) + (toTarget.get(id) ?? 0)));
      // and each path keeps to its own lane, so that parallel paths do not overlap
      const lanes = new Set([...this.nodes.values()].flatMap((n) => n.paths));
      const middle = (lanes.size - 1) / 2;
      const taken = new Set();
      for (const n of this.nodes.values()) {
        const a = fromSource.get(n.id) ?? 0;
        const b = toTarget.get(n.id) ?? 0;
        const share = a + b ? (a / (a + b)) * longest : 0;
        const ends = n.id === sourceId || n.id === targetId;
        let lane = ends || !n.paths.length ? 0 : n.paths.reduce((x, y) => x + y, 0) / n.paths.length - middle;
        while (taken.has(`${share.toFixed(2)}|${lane}`)) lane += 0.5;
        taken.add(`${share.toFixed(2)}|${lane}`);
        const along = share * SPRING * (this.vertical ? 1.5 : 1.15);
        const across = lane * (this.vertical ? 165 : 105);
        n.x = this.vertical ? across : along;
        n.y = this.vertical ? along : across;
      }
    } else {
      for (const n of unplaced) this.place(n);
    }
    for (const n of this.nodes.values()) if (!n.anchor || first) n.anchor = { x: n.x, y: n.y, strength: first ? 0.02 : 0.06 };
    for (const n of unplaced) n.anchor = { x: n.x, y: n.y, strength: first ? 0.02 : 0.01 };
    relax([...this.nodes.values()], [...this.edges.values()], this.nodes, first ? 240 : 160, this.vertical);
    for (const n of this.nodes.values()) n.anchor = { x: n.x, y: n.y, strength: 0.06 };
    this.view = null;
  }

  /** Put a new node beside its parent, where it is furthest from what is already drawn. */
  place(n) {
    const placed = [...this.nodes.values()].filter((m) => m.x !== null);
    const parent = this.nodes.get(n.parent) || placed[0] || { x: 0, y: 0 };
    const points = placed.map((m) => [m.x, m.y]);
    for (const e of this.edges.values()) {
      const a = this.nodes.get(e.from);
      const b = this.nodes.get(e.to);
      if (a && b && a.x !== null && b.x !== null) {
        for (const t of [0.25, 0.5, 0.75]) points.push([a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t]);
      }
    }
    let best = null;
    for (const radius of [SPRING, SPRING * 1.45]) {
      for (let i = 0; i < 24; i++) {
        const angle = (i / 24) * Math.PI * 2;
        const x = parent.x + Math.cos(angle) * radius;
        const y = parent.y + Math.sin(angle) * radius * 0.8;
        const clearance = Math.min(...points.map(([px, py]) => Math.hypot(px - x, py - y)), Infinity);
        const score = clearance - (radius > SPRING ? 40 : 0);
        if (!best || score > best.score) best = { x, y, score };
      }
    }
    n.x = best.x;
    n.y = best.y;
  }

  render() {
    this.edgeLayer.replaceChildren();
    this.nodeLayer.replaceChildren();
    const pairs = new Map();
    for (const e of this.edges.values()) {
      const pair = [e.from, e.to].sort().join("|");
      if (!pairs.has(pair)) pairs.set(pair, []);
      pairs.get(pair).push(e);
    }
    for (const list of pairs.values()) {
      list.forEach((e, i) => {
        const bend = list.length === 1 ? 0 : (i - (list.length - 1) / 2) * 46;
        this.edgeLayer.append(this.edgeView(e, bend));
      });
    }
    // nodes are drawn in a stable order so that Tab follows the path from source to target
    const order = [...this.nodes.values()].sort((a, b) => rank(b.role) - rank(a.role) || a.x - b.x);
    for (const n of order) this.nodeLayer.append(this.nodeView(n));
    if (!this.view || this.autoFit !== false) this.fit();
    else this.applyView();
  }

  nodeView(n) {
    const r = n.role === "source" || n.role === "target" ? END_RADIUS : RADIUS;
    const name = n.label || n.id;
    const lines = this.vertical ? wrap(name, 14, 3) : wrap(name, 20, 2);
    const kind = KIND_LABELS[n.type] || n.type || "entity";
    const g = s(
      "g",
      {
        class: `node node-${n.type || "entity"} role-${n.role || "other"}${n.expanded ? " expanded" : ""}${this.selected === `n:${n.id}` ? " selected" : ""}`,
        transform: `translate(${n.x.toFixed(1)} ${n.y.toFixed(1)})`,
        tabindex: "0",
        role: "button",
        "data-id": n.id,
        "aria-label": `${name}, ${kind.toLowerCase()}${n.role === "source" ? ", start" : n.role === "target" ? ", end" : ""}. ${n.expanded ? "Neighbours shown" : "Show its neighbours"}`,
      },
      s("title", null, `${name} (${kind})`),
      s("circle", { r }),
      s("text", { class: "node-kind", dy: "0.35em" }, kindInitial(n.type)),
      s("text", { class: "node-label", y: r + 15 }, lines.map((line, i) => s("tspan", { x: 0, dy: i ? "1.15em" : 0 }, line))),
    );
    activate(g, () => this.onNode(n));
    return g;
  }

  edgeView(e, bend) {
    const a = this.nodes.get(e.from);
    const b = this.nodes.get(e.to);
    if (!a || !b) return s("g");
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len;
    const ny = dx / len;
    const mx = (a.x + b.x) / 2 + nx * bend;
    const my = (a.y + b.y) / 2 + ny * bend;
    const rb = (b.role === "source" || b.role === "target" ? END_RADIUS : RADIUS) + 5;
    const ra = a.role === "source" || a.role === "target" ? END_RADIUS : RADIUS;
    // pull the ends back to the circles, along the curve's tangents
    const t0 = unit(mx - a.x, my - a.y);
    const t1 = unit(b.x - mx, b.y - my);
    const x0 = a.x + t0[0] * ra;
    const y0 = a.y + t0[1] * ra;
    const x1 = b.x - t1[0] * rb;
    const y1 = b.y - t1[1] * rb;
    const d = bend ? `M${x0},${y0} Q${mx},${my} ${x1},${y1}` : `M${x0},${y0} L${x1},${y1}`;
    const selected = this.selected === `e:${e.key}`;
    const markerId = selected ? "arrow-selected" : e.weak ? "arrow-weak" : "arrow";
    const lx = bend ? (x0 + 2 * mx + x1) / 4 : (x0 + x1) / 2;
    const ly = bend ? (y0 + 2 * my + y1) / 4 : (y0 + y1) / 2;
    const label = e.label || e.predicate;
    const caption = e.caption ?? label; // "" draws no label (dashed co-mention lines)
    const g = s(
      "g",
      {
        class: `edge${e.weak ? " weak" : ""}${e.onPath ? " on-path" : ""}${selected ? " selected" : ""}`,
        tabindex: "0",
        role: "button",
        "data-key": e.key,
        "data-predicate": e.predicate,
        "aria-label": `${a.label} ${label} ${b.label}${e.weak ? " (weaker: named in the same passage)" : ""}. Show the evidence`,
      },
      s("title", null, `${a.label} → ${label} → ${b.label}`),
      s("path", { class: bend ? "edge-hit" : "edge-hit band", d: bend ? d : band(x0, y0, x1, y1, 7) }),
      s("path", { class: "edge-line", d, "marker-end": e.undirected ? null : `url(#${markerId})` }),
      caption ? s("text", { class: "edge-label", x: lx, y: ly - 6 }, caption.length > 26 ? `${caption.slice(0, 24)}…` : caption) : null,
      e.role ? s("text", { class: "edge-role", x: lx, y: ly + 13 }, e.role.length > 26 ? `${e.role.slice(0, 24)}…` : e.role) : null,
    );
    activate(g, () => this.onEdge(e));
    return g;
  }

  select(kind, id) {
    this.selected = kind ? `${kind}:${id}` : null;
    for (const el of this.svg.querySelectorAll(".selected")) el.classList.remove("selected");
    for (const el of this.svg.querySelectorAll(".edge path.edge-line[marker-end]")) {
      const g = el.parentNode;
      el.setAttribute("marker-end", `url(#${g.classList.contains("weak") ? "arrow-weak" : "arrow"})`);
    }
    if (!kind) return;
    const el = this.svg.querySelector(kind === "n" ? `.node[data-id="${CSS.escape(id)}"]` : `.edge[data-key="${CSS.escape(id)}"]`);
    if (el) {
      el.classList.add("selected");
      const line = kind === "e" ? el.querySelector(".edge-line[marker-end]") : null;
      if (line) line.setAttribute("marker-end", "url(#arrow-selected)");
    }
  }

  focusNode(id) {
    this.svg.querySelector(`.node[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  /** Show the whole drawing, and keep showing it as the box is resized. */
  fit() {
    this.autoFit = true;
    this.refit();
  }

  refit() {
    const box = this.measure();
    if (!box) return;
    this.view = box;
    this.fitted = [...box];
    this.size();
    this.applyView();
    // text is scaled to stay readable, which changes the drawing's extent: measure once more
    const again = this.measure();
    if (again && (Math.abs(again[2] - box[2]) > box[2] * 0.03 || Math.abs(again[3] - box[3]) > box[3] * 0.03)) {
      this.view = again;
      this.fitted = [...again];
      this.size();
      this.applyView();
    }
  }

  /** The extent of the drawing, labels included, with a margin: [x, y, w, h]. */
  measure() {
    const nodes = [...this.nodes.values()];
    if (!nodes.length) return null;
    let minX;
    let minY;
    let maxX;
    let maxY;
    if (this.svg.isConnected && this.svg.clientWidth) {
      const b = this.content.getBBox();
      [minX, minY, maxX, maxY] = [b.x, b.y, b.x + b.width, b.y + b.height];
    } else {
      const xs = nodes.map((n) => n.x);
      const ys = nodes.map((n) => n.y);
      [minX, minY] = [Math.min(...xs) - 110, Math.min(...ys) - 30];
      [maxX, maxY] = [Math.max(...xs) + 110, Math.max(...ys) + 70];
    }
    const pad = 24;
    const top = 44; // room for the zoom buttons
    minX -= pad;
    maxX += pad;
    minY -= top;
    maxY += pad;
    const w = Math.max(maxX - minX, this.vertical ? 280 : 420);
    const hgt = Math.max(maxY - minY, 220);
    return [minX - (w - (maxX - minX)) / 2, minY - (hgt - (maxY - minY)) / 2, w, hgt];
  }

  size() {
    if (!this.fitted) return;
    const width = this.element.clientWidth;
    if (!width) return;
    const [, , w, hgt] = this.fitted;
    const height = Math.round(Math.min(Math.max((width * hgt) / w, 280), 620));
    if (Math.abs(this.svg.clientHeight - height) > 2) this.svg.style.height = `${height}px`;
  }

  resized() {
    const width = this.element.clientWidth;
    if (!width || width === this.lastWidth) return;
    this.lastWidth = width;
    if (this.autoFit) this.refit();
    else if (this.view) this.applyView();
  }

  zoom(factor) {
    if (!this.view) this.fit();
    this.autoFit = false;
    const [x, y, w, hgt] = this.view;
    const cx = x + w / 2;
    const cy = y + hgt / 2;
    this.view = [cx - (w * factor) / 2, cy - (hgt * factor) / 2, w * factor, hgt * factor];
    this.applyView();
  }

  applyView() {
    this.svg.setAttribute("viewBox", this.view.map((v) => v.toFixed(1)).join(" "));
    // keep text readable when the drawing is scaled down to fit
    const width = this.svg.clientWidth;
    if (width) {
      const scale = Math.min(width / this.view[2], (this.svg.clientHeight || width) / this.view[3]);
      this.svg.style.setProperty("--fs", Math.min(Math.max(1 / scale, 1), 1.6).toFixed(2));
    }
  }

  enablePan() {
    let start = null;
    this.svg.addEventListener("pointerdown", (event) => {
      if (event.target.closest(".node, .edge") || !this.view) return;
      const rect = this.svg.getBoundingClientRect();
      start = { x: event.clientX, y: event.clientY, view: [...this.view], scale: this.view[2] / rect.width };
      this.autoFit = false;
      this.svg.setPointerCapture(event.pointerId);
      this.svg.classList.add("panning");
    });
    this.svg.addEventListener("pointermove", (event) => {
      if (!start) return;
      const scale = Math.max(start.scale, start.view[3] / this.svg.getBoundingClientRect().height);
      this.view = [start.view[0] - (event.clientX - start.x) * scale, start.view[1] - (event.clientY - start.y) * scale, start.view[2], start.view[3]];
      this.applyView();
    });
    const end = () => {
      start = null;
      this.svg.classList.remove("panning");
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
  }
}

function marker(id, cls) {
  return s(
    "marker",
    { id, class: cls, viewBox: "0 0 10 10", refX: "8", refY: "5", markerWidth: "11", markerHeight: "11", orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" },
    s("path", { d: "M0,0 L10,5 L0,10 z" }),
  );
}

function activate(el, fn) {
  el.addEventListener("click", fn);
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      fn();
    }
  });
}

function rank(role) {
  return { source: 3, target: 2, path: 1 }[role] || 0;
}

function kindInitial(type) {
  return { council: "C", body: "B", person: "P", programme: "Pr", theme: "T" }[type] || "•";
}

/** Split a label into at most `max` lines of about `width` characters. */
function wrap(text, width, max) {
  const words = String(text).split(/\s+/);
  const lines = [];
  let line = "";
  for (const word of words) {
    if (line && (line + " " + word).length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  if (lines.length > max) {
    const kept = lines.slice(0, max);
    kept[max - 1] = `${kept[max - 1].slice(0, width - 1)}…`;
    return kept;
  }
  return lines;
}

/** A thin rectangle around a straight line: an easy target for the pointer, with an area. */
function band(x0, y0, x1, y1, half) {
  const [ux, uy] = unit(x1 - x0, y1 - y0);
  const px = -uy * half;
  const py = ux * half;
  const f = (v) => v.toFixed(1);
  return `M${f(x0 + px)},${f(y0 + py)} L${f(x1 + px)},${f(y1 + py)} L${f(x1 - px)},${f(y1 - py)} L${f(x0 - px)},${f(y0 - py)} Z`;
}

function unit(x, y) {
  const l = Math.hypot(x, y) || 1;
  return [x / l, y / l];
}

function bfs(graph, sourceId) {
  const adj = new Map();
  for (const e of graph.edges.values()) {
    if (!adj.has(e.from)) adj.set(e.from, []);
    if (!adj.has(e.to)) adj.set(e.to, []);
    adj.get(e.from).push(e.to);
    adj.get(e.to).push(e.from);
  }
  const dist = new Map([[sourceId, 0]]);
  const queue = [sourceId];
  while (queue.length) {
    const id = queue.shift();
    for (const next of adj.get(id) || []) {
      if (!dist.has(next)) {
        dist.set(next, dist.get(id) + 1);
        queue.push(next);
      }
    }
  }
  return dist;
}

/** A few hundred steps of a plain force simulation: repulsion, springs, anchors. */
function relax(nodes, edges, byId, steps, vertical) {
  let temperature = 40;
  for (let step = 0; step < steps; step++) {
    const force = new Map(nodes.map((n) => [n.id, [0, 0]]));
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i];
        const b = nodes[j];
        let dx = a.x - b.x;
        let dy = a.y - b.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 1) {
          dx = Math.random() - 0.5;
          dy = Math.random() - 0.5;
          d2 = 1;
        }
        const d = Math.sqrt(d2);
        const f = Math.min(28000 / d2, 60);
        force.get(a.id)[0] += (dx / d) * f;
        force.get(a.id)[1] += (dy / d) * f;
        force.get(b.id)[0] -= (dx / d) * f;
        force.get(b.id)[1] -= (dy / d) * f;
        // labels sit under the nodes: keep their boxes apart
        const ox = (vertical ? 175 : 125) - Math.abs(dx);
        const oy = 55 - Math.abs(dy);
        if (ox > 0 && oy > 0) {
          const push = Math.min(ox, 40) * 0.8;
          const side = dx === 0 ? (a.id < b.id ? 1 : -1) : Math.sign(dx);
          force.get(a.id)[0] += side * push;
          force.get(b.id)[0] -= side * push;
        }
      }
    }
    for (const e of edges) {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      if (!a || !b || a === b) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const d = Math.hypot(dx, dy) || 1;
      const f = (d - SPRING) * 0.06;
      force.get(a.id)[0] += (dx / d) * f;
      force.get(a.id)[1] += (dy / d) * f;
      force.get(b.id)[0] -= (dx / d) * f;
      force.get(b.id)[1] -= (dy / d) * f;
    }
    // keep nodes off the edges they are not part of
    for (const e of edges) {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      if (!a || !b || a === b) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len2 = dx * dx + dy * dy || 1;
      for (const n of nodes) {
        if (n === a || n === b) continue;
        // the node, and its label under it (or beside it, drawn top to bottom)
        const label = [n.x, n.y + (vertical ? 32 : 26)];
        for (const [px, py, reach] of [[n.x, n.y, 55], [...label, 34]]) {
          const t = ((px - a.x) * dx + (py - a.y) * dy) / len2;
          if (t <= 0.05 || t >= 0.95) continue;
          let ox = px - (a.x + t * dx);
          let oy = py - (a.y + t * dy);
          let d = Math.hypot(ox, oy);
          if (d > reach) continue;
          if (d < 0.5) {
            // exactly on the line: step to one side, the same side each time
            ox = -dy;
            oy = dx;
            d = Math.hypot(ox, oy) || 1;
          }
          const f = (reach - d) * 0.9;
          force.get(n.id)[0] += (ox / d) * f;
          force.get(n.id)[1] += (oy / d) * f;
        }
      }
    }
    for (const n of nodes) {
      const f = force.get(n.id);
      if (n.anchor) {
        f[0] += (n.anchor.x - n.x) * n.anchor.strength * 10;
        f[1] += (n.anchor.y - n.y) * n.anchor.strength * 10;
      }
      const m = Math.hypot(f[0], f[1]);
      if (m > 0) {
        const step = Math.min(m, temperature);
        n.x += (f[0] / m) * step;
        n.y += (f[1] / m) * step;
      }
    }
    temperature = Math.max(1, temperature * 0.985);
  }
}
