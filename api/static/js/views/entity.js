// The entity page: its card, relations grouped by predicate with their quotes, and documents.

import { h, replace, formatDate } from "../dom.js";
import {
  KIND_LABELS,
  STATGEO,
  directionOf,
  entityOf,
  entityPath,
  evidenceOf,
  getJSON,
  href,
  identifiersOf,
  predicateLabel,
  predicateOf,
} from "../api.js";
import { documentIndex, entityChip, errorState, evidenceQuote, isMissingEndpoint, loading, problem, settle, typeBadge } from "./common.js";

export async function renderEntity(ctx) {
  const { main, route } = ctx;
  const id = route.segments.slice(1).join("/");
  main.dataset.view = "entity";
  if (!id) {
    replace(main, h("h1", { tabindex: "-1" }, "Entities"), problem("Search for an entity, or open one from a search result.", [h("a", { href: href.search() }, "Go to search")]));
    settle(ctx, "Entities");
    return;
  }
  replace(main, h("h1", { tabindex: "-1", class: "visually-hidden" }, "Entity"), loading("Loading the entity"));
  let body;
  let docs;
  try {
    [body, docs] = await Promise.all([getJSON(entityPath(id)), documentIndex()]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    renderEntityError(ctx, id, err);
    return;
  }
  if (!ctx.isCurrent()) return;
  const card = body && body.entity && typeof body.entity === "object" ? { ...body, ...body.entity } : body;
  const entity = entityOf(card);
  if (!entity.id) entity.id = id;
  // a name or IRI in the address becomes the entity's id, so the link shared is stable
  if (entity.id !== id && /^[a-z]+\/\S+$/.test(entity.id)) history.replaceState(null, "", href.entity(entity.id));
  main.replaceChildren(...cardView(card, entity, docs));
  settle(ctx, entity.label);
}

function renderEntityError(ctx, id, err) {
  const { main } = ctx;
  const name = id.includes("/") ? id : `“${id}”`;
  if (err.status === 404 && !isMissingEndpoint(err)) {
    const near = err.suggestions;
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Unknown entity"),
      h(
        "div",
        { class: "state state-empty", "data-state": "unknown-entity" },
        h("p", { class: "state-message" }, `There is no entity ${name} in the graph.`),
        near.length
          ? [
              h("p", null, "The nearest names are:"),
              h("ul", { class: "suggestions" }, near.map((e) => h("li", null, entityChip(e)))),
            ]
          : h("p", null, "No similar names were found either."),
        h("p", { class: "state-actions" }, h("a", { href: href.search({ q: id.split("/").pop().replace(/-/g, " ") }) }, "Search the documents for it instead")),
      ),
    );
    settle(ctx, "Unknown entity");
  } else if (err.status === 409) {
    const candidates = err.suggestions;
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Which one?"),
      h(
        "div",
        { class: "state state-empty", "data-state": "ambiguous" },
        h("p", { class: "state-message" }, `${name} matches more than one entity:`),
        h("ul", { class: "suggestions" }, candidates.map((e) => h("li", null, entityChip(e)))),
      ),
    );
    settle(ctx, "Which one?");
  } else {
    replace(main, h("h1", { tabindex: "-1" }, "Entity"), errorState(err, { retry: () => renderEntity(ctx) }));
    settle(ctx, "Error");
  }
}

/** Relations in any of the likely shapes, as {predicate, direction, other, role, rating, evidence}. */
export function relationsOf(card, selfId) {
  const raw = card.relations || card.relationships || card.facts || [];
  const items = [];
  if (Array.isArray(raw)) {
    items.push(...raw.map((r) => [r, null]));
  } else if (raw && typeof raw === "object") {
    for (const [key, list] of Object.entries(raw)) {
      if (!Array.isArray(list)) continue;
      const dir = /^(in|incoming|inbound)$/i.test(key) ? "in" : /^(out|outgoing|outbound)$/i.test(key) ? "out" : null;
      items.push(...list.map((r) => [dir || !r || r.predicate ? r : { ...r, predicate: key }, dir]));
    }
  }
  for (const key of ["incoming", "outgoing", "in", "out"]) {
    if (Array.isArray(card[key]) && card[key] !== raw) items.push(...card[key].map((r) => [r, key.startsWith("in") ? "in" : "out"]));
  }
  return items
    .filter(([r]) => r && typeof r === "object")
    .map(([r, dir]) => {
      const subject = r.subject ?? r.source ?? r.from;
      const object = r.object ?? r.target ?? r.to;
      let direction = dir || (r.direction ? directionOf(r.direction) : null);
      if (!direction && subject) direction = entityOf(subject).id === selfId ? "out" : "in";
      direction = direction || "out";
      let other = r.other ?? r.entity ?? r.node ?? r.neighbour ?? r.neighbor;
      if (!other) other = direction === "out" ? object : subject;
      if (other && entityOf(other).id === selfId && subject && object) {
        other = entityOf(subject).id === selfId ? object : subject;
      }
      return {
        predicate: predicateOf(r.predicate || r.relation || r.property || ""),
        direction,
        other: entityOf(other),
        role: r.role || r.post || null,
        rating: r.rating || r.value || null,
        weak: Boolean(r.weak || /co-?mention/i.test(r.kind || "")),
        evidence: evidenceOf(r.evidence ?? r.evidences ?? r.quotes ?? r.provenance ?? (r.quote ? r : null)),
      };
    })
    .filter((r) => r.other && (r.other.id || r.other.label));
}

function aliasesOf(card, label) {
  const names = [];
  const add = (v) => {
    if (!v) return;
    if (Array.isArray(v)) v.forEach(add);
    else if (typeof v === "string") names.push(v);
    else if (typeof v === "object") {
      if (v.value || v.label || v.name) names.push(v.value || v.label || v.name);
      else Object.values(v).forEach(add);
    }
  };
  add(card.aliases);
  add(card.altLabels);
  add(card.alt_labels);
  add(card.labels);
  const seen = new Set([String(label).toLowerCase()]);
  return names.filter((n) => {
    const k = String(n).toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function documentsOf(card) {
  const raw = card.documents || card.mentioned_in || card.mentionedIn || card.mentions || [];
  return (Array.isArray(raw) ? raw : [])
    .map((d) => {
      if (typeof d === "string") return { key: d, passages: [] };
      if (!d || typeof d !== "object") return null;
      let passages = d.passages ?? d.passage ?? [];
      let count = null;
      if (typeof passages === "number") {
        count = passages;
        passages = [];
      }
      passages = (Array.isArray(passages) ? passages : [passages])
        .map((p) => (typeof p === "string" ? p : p && (p.key || p.passage || p.id)))
        .filter(Boolean);
      return {
        key: d.key || d.document || d.id || "",
        title: d.title || "",
        date: d.date || "",
        passages,
        count: count ?? d.count ?? d.mentions ?? (passages.length || null),
      };
    })
    .filter((d) => d && d.key);
}

function cardView(card, entity, docs) {
  const type = entity.type;
  const aliases = aliasesOf(card, entity.label);
  const idents = identifiersOf(card).filter(([k]) => !["aliases", "labels"].includes(k));
  const gss = entity.gss || (idents.find(([k]) => /^gss/i.test(k)) || [])[1];
  if (gss && !idents.some(([k]) => /^gss/i.test(k))) idents.unshift(["gss", gss]);
  const hasStat = idents.some(([, v]) => v.startsWith(STATGEO) || v.startsWith("https://statistics.data.gov.uk/"));
  if (gss && !hasStat) idents.push(["statistics.data.gov.uk", STATGEO + gss]);
  if (entity.iri && !idents.some(([, v]) => v === entity.iri)) idents.push(["iri", entity.iri]);
  const order = ([k, v]) => (/^gss/i.test(k) ? 0 : v.includes("statistics.data.gov.uk") ? 1 : /^(key|iri)$/i.test(k) ? 3 : 2);
  idents.sort((a, b) => order(a) - order(b));

  const relations = relationsOf(card, entity.id);
  const documents = documentsOf(card);

  const header = h(
    "header",
    { class: "entity-head" },
    typeBadge(type),
    h("h1", { tabindex: "-1" }, entity.label || entity.id),
    aliases.length ? h("p", { class: "aliases" }, h("span", { class: "muted" }, "Also called "), aliases.map((a, i) => [i ? ", " : "", h("span", { class: "alias" }, a)])) : null,
    h(
      "p",
      { class: "entity-actions" },
      h("a", { class: "button", href: href.path({ source: entity.id }) }, "Find paths from here"),
      h("a", { class: "button", href: href.search({ q: entity.label }) }, "Search passages"),
      type === "council" || type === "body" ? h("a", { class: "button", href: href.leads({ council: entity.label }) }, "Leads") : null,
    ),
  );

  const identifiers = h(
    "section",
    { class: "panel", "aria-labelledby": "identifiers-heading" },
    h("h2", { id: "identifiers-heading" }, "Identifiers"),
    h(
      "dl",
      { class: "identifiers" },
      h("dt", null, "Type"),
      h("dd", null, KIND_LABELS[type] || type || "entity", rdfTypes(card)),
      idents.map(([k, v]) => [h("dt", null, identifierName(k)), h("dd", null, identifierValue(k, v))]),
    ),
  );

  return [header, h("div", { class: "entity-grid" }, h("div", { class: "entity-main" }, relationsSection(relations, docs)), h("div", { class: "entity-side" }, identifiers, documentsSection(documents, docs)))];
}

function rdfTypes(card) {
  const types = Array.isArray(card.types) ? card.types.filter((t) => typeof t === "string") : [];
  if (!types.length) return null;
  return h("span", { class: "rdf-types" }, types.map((t) => h("code", null, t)));
}

function identifierName(key) {
  const names = {
    gss: "GSS code",
    gssCode: "GSS code",
    gss_code: "GSS code",
    iri: "IRI",
    key: "Key",
    statistics: "Statistical geography",
    statistical_geography: "Statistical geography",
    uri: "URI",
  };
  return names[key] || key;
}

function identifierValue(key, value) {
  if (/^https?:\/\//.test(value)) {
    const stat = value.includes("statistics.data.gov.uk");
    return h("a", { href: value, class: stat ? "ext statgeo" : "ext", rel: "noopener", target: "_blank" }, stat ? `statistics.data.gov.uk · ${value.split("/").pop()}` : value);
  }
  return h("code", null, value);
}

function relationsSection(relations, docs) {
  const section = h("section", { class: "panel", "aria-labelledby": "relations-heading" }, h("h2", { id: "relations-heading" }, `Relations${relations.length ? ` (${relations.length})` : ""}`));
  if (!relations.length) {
    section.append(problem("No relations to other entities have been found for this one yet."));
    return section;
  }
  const groups = new Map();
  for (const r of relations) {
    const key = `${r.weak ? "~" : ""}${r.predicate}|${r.direction}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [key, items] of ordered) {
    const [predicate, direction] = key.replace(/^~/, "").split("|");
    const label = predicateLabel(predicate, direction);
    section.append(
      h(
        "div",
        { class: "relation-group", "data-predicate": predicate, "data-direction": direction },
        h("h3", null, capitalise(label), h("span", { class: "count" }, ` ${items.length}`)),
        h(
          "ul",
          { class: "relations" },
          items.map((r) =>
            h(
              "li",
              { class: "relation" },
              h(
                "p",
                { class: "relation-line" },
                entityChip(r.other),
                r.role ? h("span", { class: "tag" }, r.role) : null,
                r.rating ? h("span", { class: "tag tag-rating" }, r.rating) : null,
              ),
              r.evidence.length ? r.evidence.map((ev) => evidenceQuote(ev, docs)) : h("p", { class: "muted" }, "No quote recorded."),
            ),
          ),
        ),
      ),
    );
  }
  return section;
}

function documentsSection(documents, docs) {
  const section = h("section", { class: "panel", "aria-labelledby": "documents-heading" }, h("h2", { id: "documents-heading" }, "Mentioned in"));
  if (!documents.length) {
    section.append(h("p", { class: "muted" }, "No documents mention it."));
    return section;
  }
  section.append(
    h(
      "ul",
      { class: "doc-list" },
      documents.map((d) => {
        const known = docs.get(d.key) || {};
        const title = d.title || known.title || d.key;
        const date = d.date || known.date;
        return h(
          "li",
          null,
          h("a", { href: href.document(d.key, d.passages[0]) }, title),
          h("span", { class: "muted" }, [date ? ` · ${formatDate(date)}` : "", d.count ? ` · ${d.count} passage${d.count === 1 ? "" : "s"}` : ""].join("")),
        );
      }),
    ),
  );
  return section;
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
