// Pieces shared by the views: states (loading, empty, error), entity chips, evidence quotes.

import { h, formatDate } from "../dom.js";
import { ApiError, KIND_LABELS, entityOf, getJSON, href } from "../api.js";

/** Set the page title and, unless this is the first page load, move focus to the heading. */
export function settle(ctx, title, { keepFocus = false } = {}) {
  document.title = title ? `${title} · civicgraph` : "civicgraph explorer";
  if (!ctx.firstRender && !keepFocus) {
    const heading = ctx.main.querySelector("h1");
    if (heading) heading.focus({ preventScroll: false });
  }
}

export function loading(what = "Loading") {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), `${what}…`);
}

/** A boxed message with optional actions. */
export function problem(message, actions = [], kind = "empty") {
  return h(
    "div",
    { class: `state state-${kind}`, role: kind === "error" ? "alert" : null },
    h("p", { class: "state-message" }, message),
    actions.length ? h("p", { class: "state-actions" }, actions) : null,
  );
}

/** The state shown for a failed request: unreachable server, server error, bad input. */
export function errorState(err, { retry } = {}) {
  const actions = [];
  if (retry) actions.push(h("button", { type: "button", class: "button", onclick: retry }, "Try again"));
  if (!(err instanceof ApiError)) {
    return problem(`Something went wrong: ${err && err.message ? err.message : err}`, actions, "error");
  }
  let message;
  if (err.status === 0) {
    message = "The server could not be reached. Check that civicgraph is still running, then try again.";
  } else if (err.status >= 500) {
    message = `The server had a problem (${err.status}): ${err.message}`;
  } else if (isMissingEndpoint(err)) {
    message = "This server does not answer that question yet: the endpoint is missing. Is civicgraph up to date?";
  } else {
    message = `${err.message} (${err.status})`;
  }
  const box = problem(message, actions, "error");
  box.dataset.status = String(err.status);
  return box;
}

/** True for the bare 404 of a route the server does not have, rather than an unknown thing. */
export function isMissingEndpoint(err) {
  return err instanceof ApiError && (err.status === 405 || (err.status === 404 && /^not found$/i.test(err.message)));
}

/** A link to an entity, coloured by its type. */
export function entityChip(entity, { compact = false } = {}) {
  const e = entityOf(entity);
  const type = e.type || "entity";
  return h(
    "a",
    {
      class: `chip chip-${type}`,
      href: e.id ? href.entity(e.id) : href.entity(e.label),
      title: `${KIND_LABELS[type] || type}${e.gss ? ` · ${e.gss}` : ""}`,
      "data-entity": e.id || e.label,
    },
    compact ? null : h("span", { class: "chip-type" }, KIND_LABELS[type] || type),
    h("span", { class: "chip-label" }, e.label || e.id),
  );
}

/** Type badge. */
export function typeBadge(type) {
  return h("span", { class: `badge badge-${type || "entity"}` }, KIND_LABELS[type] || type || "entity");
}

let documentsPromise = null;

/** Document key -> {title, date}, fetched once and shared by every view. */
export async function documentIndex() {
  if (!documentsPromise) {
    documentsPromise = getJSON("/documents")
      .then((body) => {
        const map = new Map();
        for (const d of body.documents || []) map.set(d.key, d);
        return map;
      })
      .catch(() => {
        documentsPromise = null;
        return new Map();
      });
  }
  return documentsPromise;
}

/** A quote with a link to the passage it comes from. */
export function evidenceQuote(ev, docs, { pattern } = {}) {
  const doc = (docs && docs.get(ev.document)) || {};
  const title = ev.title || doc.title || ev.document || "the document";
  const date = ev.date || doc.date;
  const extra = ev.start !== null && ev.end !== null ? { start: ev.start, end: ev.end } : ev.quote ? { quote: ev.quote } : {};
  const link = ev.document
    ? h(
        "a",
        {
          class: "evidence-link",
          href: ev.passage ? docHref(ev, extra) : href.document(ev.document),
          "aria-label": `Read the passage in ${title}`,
        },
        title,
      )
    : null;
  return h(
    "figure",
    { class: "evidence" },
    ev.quote ? h("blockquote", null, `“${ev.quote}”`) : h("p", { class: "muted" }, "(named together in one passage)"),
    link || date
      ? h("figcaption", null, link ? [link] : null, date ? h("span", { class: "muted" }, ` · ${formatDate(date)}`) : null)
      : null,
  );
}

function docHref(ev, extra) {
  return href.document(ev.document, ev.passage, extra);
}
