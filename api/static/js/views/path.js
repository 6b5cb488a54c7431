// The path explorer: two entities with autocomplete, the paths between them drawn as a graph.
// Clicking a node adds its neighbours (from its entity card); clicking an edge shows its evidence.

import { h, replace, announce } from "../dom.js";
import {
  KIND_LABELS,
  directionOf,
  entityOf,
  entityPath,
  evidenceOf,
  getJSON,
  href,
  isWeakPredicate,
  predicateLabel,
  predicateOf,
} from "../api.js";
import { entityInput } from "../autocomplete.js";
import { GraphView } from "../graph.js";
import { relationsOf } from "./entity.js";
import { documentIndex, entityChip, errorState, evidenceQuote, loading, problem, settle } from "./common.js";

const MAX_NEIGHBOURS = 24;

export async function renderPath(ctx) {
  const { main, route } = ctx;
  const source = route.params.get("source") || "";
  const target = route.params.get("target") || "";
  const hops = clampHops(route.params.get("max_hops"));
  main.dataset.view = "path";

  const from = entityInput({ name: "source", label: "From", placeholder: "a person, council or body", value: source });
  const to = entityInput({ name: "target", label: "To", placeholder: "a person, council or body", value: target });
  const hopSelect = h(
    "select",
    { id: "max-hops", name: "max_hops" },
    [1, 2, 3, 4, 5, 6].map((n) => h("option", { value: String(n), selected: n === hops }, `${n} hop${n === 1 ? "" : "s"}`)),
  );
  const form = h(
    "form",
    { class: "path-form", "aria-label": "Find paths between two entities" },
    from.field,
    h(
      "button",
      {
        type: "button",
        class: "icon-button swap",
        "aria-label": "Swap from and to",
        title: "Swap",
        onclick: () => {
          const a = { id: from.input.dataset.id, text: from.input.value };
          from.set(to.input.dataset.id, to.input.value);
          to.set(a.id, a.text);
        },
      },
      "⇄",
    ),
    to.field,
    h("div", { class: "field field-small" }, h("label", { for: "max-hops" }, "At most"), hopSelect),
    h("button", { type: "submit", class: "button button-primary" }, "Find paths"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const a = from.value();
    const b = to.value();
    if (!a) return from.input.focus();
    if (!b) return to.input.focus();
    location.hash = href.path({ source: a, target: b, max_hops: hopSelect.value === "4" ? "" : hopSelect.value });
  });

  const results = h("section", { class: "path-results", "aria-labelledby": "paths-heading" });
  replace(
    main,
    h("h1", { tabindex: "-1" }, "How are they connected?"),
    h("p", { class: "lede" }, "Pick two entities to see the shortest chains of facts that join them. Click a node to add its neighbours, and an edge to read its evidence."),
    form,
    results,
  );

  if (!source || !target) {
    replace(results, h("h2", { id: "paths-heading", class: "visually-hidden" }, "Paths"), problem("Choose where to start and where to end, then press Find paths."));
    settle(ctx, "Paths");
    if (!ctx.firstRender) (source ? to.input : from.input).focus();
    return;
  }

  replace(results, loading("Finding paths"));
  let body;
  let docs;
  try {
    [body, docs] = await Promise.all([getJSON("/paths", { source, target, max_hops: hops, limit: 5 }), documentIndex()]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    replace(results, h("h2", { id: "paths-heading" }, "No paths"), pathError(err, { source, target, hops }, ctx));
    settle(ctx, "Paths");
    return;
  }
  if (!ctx.isCurrent()) return;

  const srcEntity = entityOf(body.source || source);
  const tgtEntity = entityOf(body.target || target);
  if (body.source && srcEntity.label) from.set(srcEntity.id, srcEntity.label);
  if (body.target && tgtEntity.label) to.set(tgtEntity.id, tgtEntity.label);

  const paths = pathsOf(body);
  if (!paths.length) {
    replace(
      results,
      h("h2", { id: "paths-heading" }, "No paths"),
      problem(
        `Nothing in the graph joins ${srcEntity.label || source} and ${tgtEntity.label || target} in ${hops} hop${hops === 1 ? "" : "s"} or fewer.`,
        hops < 6 ? [h("a", { href: href.path({ source, target, max_hops: hops + 1 }) }, `Try ${hops + 1} hops`)] : [],
      ),
    );
    announce("No paths found");
    settle(ctx, "Paths");
    return;
  }
  drawPaths(results, paths, srcEntity, tgtEntity, docs);
  announce(`${paths.length} path${paths.length === 1 ? "" : "s"} found`);
  settle(ctx, `Paths: ${srcEntity.label} to ${tgtEntity.label}`, { keepFocus: false });
}

function clampHops(value) {
  const n = parseInt(value, 10);
  return Number.isFinite(n) && n >= 1 && n <= 6 ? n : 4;
}

function pathError(err, { source, target, hops }, ctx) {
  if ((err.status === 404 || err.status === 409) && err.suggestions.length) {
    const text = err.message || "";
    // which end the error is about: the one its message names (target when unclear)
    const which = text.includes(source) && !text.includes(target) ? "source" : text.includes(target) ? "target" : "source";
    const other = which === "source" ? { target } : { source };
    return h(
      "div",
      { class: "state state-empty", "data-state": err.status === 409 ? "ambiguous" : "unknown-entity" },
      h("p", { class: "state-message" }, err.status === 409 ? `${text}. Which one did you mean?` : `${text}. The nearest names are:`),
      h(
        "ul",
        { class: "suggestions" },
        err.suggestions.map((e) =>
          h(
            "li",
            null,
            h("a", { class: `chip chip-${e.type}`, href: href.path({ ...other, [which]: e.id || e.label, max_hops: hops === 4 ? "" : hops }) }, h("span", { class: "chip-type" }, KIND_LABELS[e.type] || e.type), h("span", { class: "chip-label" }, e.label)),
          ),
        ),
      ),
    );
  }
  if (err.status === 404 || err.status === 409) return problem(`${err.message}.`, [], "error");
  return errorState(err, { retry: () => renderPath(ctx) });
}

/** Paths as lists of edges {from, to, predicate, weak, evidence, role}. */
export function pathsOf(body) {
  const raw = Array.isArray(body) ? body : body.paths || [];
  const nodeIndex = new Map();
  const addNodes = (list) => {
    for (const n of Array.isArray(list) ? list : []) {
      const e = entityOf(n);
      if (e.id) nodeIndex.set(e.id, e);
    }
  };
  addNodes(body.nodes);
  addNodes(body.entities);
  for (const end of [body.source, body.target]) if (end && typeof end === "object") addNodes([end]);
  return raw
    .map((p) => {
      addNodes(p.nodes);
      const list = Array.isArray(p) ? p : p.edges || p.steps || p.hops || [];
      const weakPath = Boolean(p.weak || p.co_mention || /co-?mention|weak/i.test(p.kind || p.type || ""));
      const edges = (Array.isArray(list) ? list : []).map((e) => edgeOf(e, nodeIndex, weakPath)).filter(Boolean);
      return { edges, weak: weakPath || (edges.length > 0 && edges.some((e) => e.weak)), nodes: nodeIndex };
    })
    .filter((p) => p.edges.length);
}

function edgeOf(e, nodeIndex, weakPath) {
  if (!e || typeof e !== "object") return null;
  const look = (x) => {
    const ent = entityOf(x);
    const known = nodeIndex.get(ent.id);
    if (!known) {
      if (ent.id) nodeIndex.set(ent.id, ent);
      return ent;
    }
    const label = ent.label && ent.label !== ent.id && ent.label !== ent.id.split("/").pop() ? ent.label : known.label;
    return { ...known, label, type: ent.type || known.type };
  };
  let from;
  let to;
  if (e.subject && e.object) {
    from = look(e.subject);
    to = look(e.object);
  } else {
    from = look(e.source ?? e.from ?? e.start);
    to = look(e.target ?? e.to ?? e.end);
    if (directionOf(e.direction) === "in") [from, to] = [to, from];
  }
  if (!from.id || !to.id) return null;
  const predicate = predicateOf(e.predicate || e.relation || e.label || "");
  const weak = Boolean(e.weak || weakPath && !predicate || isWeakPredicate(predicate) || /co-?mention|weak/i.test(e.kind || e.type || e.strength || ""));
  return {
    from,
    to,
    predicate: predicate || (weak ? "coMentioned" : "related"),
    role: e.role || null,
    weak,
    evidence: evidenceOf(e.evidence ?? e.evidences ?? e.quotes ?? (e.quote ? e : null)),
    undirected: /^(none|both|undirected)$/i.test(String(e.direction || "")),
  };
}

function edgeLabel(predicate, role, weak) {
  if (weak) return "mentioned with";
  const base = predicateLabel(predicate, "out");
  return role ? `${base} (${role})` : base;
}

function drawPaths(results, paths, src, tgt, docs) {
  const details = h("aside", { class: "panel graph-details", "aria-live": "polite", "aria-label": "Selection" });
  const graph = new GraphView({
    label: `Paths from ${src.label} to ${tgt.label}`,
    onNode: (node) => expand(node),
    onEdge: (edge) => showEdge(edge),
    vertical: window.matchMedia("(max-width: 40rem)").matches,
  });

  paths.forEach((p, index) => {
    for (const e of p.edges) {
      const role = (id) => (id === src.id ? "source" : id === tgt.id ? "target" : "path");
      graph.addNode({ id: e.from.id, label: e.from.label, type: e.from.type, role: role(e.from.id), path: index });
      graph.addNode({ id: e.to.id, label: e.to.label, type: e.to.type, role: role(e.to.id), path: index });
      graph.addEdge({ from: e.from.id, to: e.to.id, predicate: e.predicate, label: edgeLabel(e.predicate, e.role, e.weak), caption: e.weak ? "" : edgeLabel(e.predicate, null, false), weak: e.weak, undirected: e.undirected, role: e.role, evidence: e.evidence, onPath: true });
    }
  });
  graph.layout(src.id, tgt.id);
  graph.render();

  const weakOnly = paths.every((p) => p.weak);
  replace(
    results,
    h("h2", { id: "paths-heading" }, `${paths.length} path${paths.length === 1 ? "" : "s"} from ${src.label} to ${tgt.label}`),
    weakOnly
      ? h("p", { class: "note" }, "No chain of stated facts alone joins them, so these paths use weaker links: dashed lines join entities that are only named in the same passage.")
      : null,
    h("div", { class: "graph-layout" }, graph.element, details),
    legend(),
    h("h3", null, "The paths, step by step"),
    h("ol", { class: "path-list" }, paths.map((p, i) => pathItem(p, i))),
  );
  showHelp();

  function showHelp() {
    replace(details, h("h3", null, "Evidence"), h("p", { class: "muted" }, "Select an edge to read the words that state it, or a node to add its neighbours."));
  }

  function showEdge(edge) {
    graph.select("e", edge.key);
    const a = graph.nodes.get(edge.from);
    const b = graph.nodes.get(edge.to);
    replace(
      details,
      h("h3", null, "Evidence"),
      h("p", { class: "edge-summary" }, entityChip(a, { compact: true }), h("span", { class: `predicate${edge.weak ? " weak" : ""}` }, edge.undirected ? ` — ${edge.label} — ` : ` ${edge.label} → `), entityChip(b, { compact: true })),
      edge.weak ? h("p", { class: "note" }, "A weaker link: the two are named in the same passage, with no stated relation.") : null,
      edge.evidence.length ? edge.evidence.map((ev) => evidenceQuote(ev, docs)) : h("p", { class: "muted" }, "No quote recorded for this edge."),
    );
  }

  async function expand(node) {
    graph.select("n", node.id);
    const head = [h("h3", null, node.label), h("p", null, h("a", { href: href.entity(node.id) }, "Open the entity page"))];
    if (node.expanded) {
      replace(details, ...head, h("p", { class: "muted" }, "Its neighbours are shown."));
      return;
    }
    replace(details, ...head, loading("Adding its neighbours"));
    let card;
    try {
      card = await getJSON(entityPath(node.id));
    } catch (err) {
      replace(details, ...head, errorState(err, { retry: () => expand(node) }));
      return;
    }
    const relations = relationsOf(card && card.entity ? { ...card, ...card.entity } : card, node.id);
    let added = 0;
    let skipped = 0;
    for (const r of relations) {
      if (!r.other.id) continue;
      const isNew = !graph.nodes.has(r.other.id);
      if (isNew && added >= MAX_NEIGHBOURS) {
        skipped++;
        continue;
      }
      graph.addNode({ id: r.other.id, label: r.other.label, type: r.other.type, role: "other" }, node.id);
      if (isNew) added++;
      const [from, to] = r.direction === "in" ? [r.other.id, node.id] : [node.id, r.other.id];
      graph.addEdge({ from, to, predicate: r.predicate, label: edgeLabel(r.predicate, r.role, r.weak), caption: r.weak ? "" : edgeLabel(r.predicate, null, false), weak: r.weak, role: r.role, evidence: r.evidence });
    }
    node.expanded = true;
    graph.layout(src.id, tgt.id);
    graph.render();
    graph.select("n", node.id);
    graph.focusNode(node.id);
    const message = added ? `Added ${added} neighbour${added === 1 ? "" : "s"}${skipped ? `; ${skipped} more on the entity page` : ""}.` : "No new neighbours: everything it relates to is already shown.";
    replace(details, ...head, h("p", null, message));
    announce(message);
  }

  function pathItem(p, i) {
    const steps = [];
    let current = p.edges[0] ? (p.edges[0].from.id === src.id || p.edges[0].to.id !== src.id ? p.edges[0].from : p.edges[0].to) : null;
    if (current) steps.push(entityChip(current, { compact: true }));
    for (const e of p.edges) {
      const forward = current && e.from.id === current.id;
      const next = forward ? e.to : e.from;
      const key = `${e.from.id}|${e.predicate}|${e.to.id}`;
      steps.push(
        h(
          "button",
          { type: "button", class: `step${e.weak ? " weak" : ""}`, onclick: () => { const edge = graph.edges.get(key); if (edge) showEdge(edge); } },
          e.undirected
            ? `— ${edgeLabel(e.predicate, e.role, e.weak)} —`
            : forward
              ? `${edgeLabel(e.predicate, e.role, e.weak)} →`
              : `← ${edgeLabel(e.predicate, e.role, e.weak)}`,
        ),
        entityChip(next, { compact: true }),
      );
      current = next;
    }
    return h("li", { class: "path-item" }, h("span", { class: "visually-hidden" }, `Path ${i + 1}: `), steps, p.weak ? h("span", { class: "tag" }, "weaker link") : null);
  }
}

function legend() {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    ["council", "body", "person", "programme", "theme"].map((k) => h("li", null, h("span", { class: `swatch swatch-${k}`, "aria-hidden": "true" }), KIND_LABELS[k])),
    h("li", null, h("span", { class: "swatch-line", "aria-hidden": "true" }), "stated fact"),
    h("li", null, h("span", { class: "swatch-line weak", "aria-hidden": "true" }), "named together"),
  );
}
