// The corpus list, and a document's text with passage anchors; a quote link lands on its
// passage, highlighted, with the quoted words marked.

import { h, replace, formatDate } from "../dom.js";
import { getJSON, href } from "../api.js";
import { errorState, isMissingEndpoint, loading, problem, settle } from "./common.js";

export async function renderDocuments(ctx) {
  const { main } = ctx;
  main.dataset.view = "documents";
  replace(main, h("h1", { tabindex: "-1" }, "Documents"), loading("Loading the documents"));
  let body;
  try {
    body = await getJSON("/documents", null, { cached: false });
  } catch (err) {
    if (!ctx.isCurrent()) return;
    main.lastChild.replaceWith(errorState(err, { retry: () => renderDocuments(ctx) }));
    settle(ctx, "Documents");
    return;
  }
  if (!ctx.isCurrent()) return;
  const documents = body.documents || [];
  if (!documents.length) {
    main.lastChild.replaceWith(problem("The store holds no documents yet. Add some with `civicgraph ingest PATH`."));
  } else {
    main.lastChild.replaceWith(
      h("p", { class: "lede" }, `${documents.length} document${documents.length === 1 ? "" : "s"}, newest first.`),
      h(
        "ul",
        { class: "documents" },
        documents.map((d) =>
          h(
            "li",
            null,
            h("a", { href: href.document(d.key) }, d.title || d.key),
            h(
              "span",
              { class: "meta" },
              d.date ? h("time", { datetime: d.date }, formatDate(d.date)) : "undated",
              ` · ${d.passages} passage${d.passages === 1 ? "" : "s"}`,
              d.source ? h("span", { class: "source" }, d.source.split("/").pop()) : null,
            ),
          ),
        ),
      ),
    );
  }
  settle(ctx, "Documents");
}

export async function renderDocument(ctx) {
  const { main, route } = ctx;
  const key = route.segments.slice(1).join("/");
  const target = route.fragment.get("passage") || route.params.get("passage") || "";
  const mark = {
    start: numberOr(route.fragment.get("start")),
    end: numberOr(route.fragment.get("end")),
    quote: route.fragment.get("quote") || "",
  };

  // the same document, another passage: move the highlight without reloading
  if (main.dataset.view === "document" && main.dataset.document === key && main.querySelector(".doc-text")) {
    focusPassage(main, target, mark);
    return;
  }
  main.dataset.view = "document";
  main.dataset.document = key;
  replace(main, h("h1", { tabindex: "-1", class: "visually-hidden" }, "Document"), loading("Loading the document"));
  let doc;
  try {
    doc = await getJSON(`/documents/${encodeURIComponent(key)}`);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    main.dataset.document = "";
    if (err.status === 404 && !isMissingEndpoint(err)) {
      replace(main, h("h1", { tabindex: "-1" }, "Unknown document"), problem(`There is no document “${key}” in the store.`, [h("a", { href: href.documents() }, "See every document")]));
    } else {
      replace(main, h("h1", { tabindex: "-1" }, "Document"), errorState(err, { retry: () => renderDocument(ctx) }));
    }
    settle(ctx, "Document");
    return;
  }
  if (!ctx.isCurrent()) return;

  const passages = Array.isArray(doc.passages) ? doc.passages : [];
  const text = h("div", { class: "doc-text" });
  let lastHeading = null;
  passages.forEach((p, i) => {
    let body = String(p.text || "");
    let offset = Number(p.start) || 0;
    const nodes = [];
    if (p.heading && p.heading !== lastHeading && body.startsWith(p.heading)) {
      const rest = body.slice(p.heading.length);
      const trimmed = rest.replace(/^\s+/, "");
      // the document title is already the page heading
      if (i > 0 || p.heading !== doc.title) nodes.push(h("h2", { class: "doc-heading" }, p.heading));
      offset += body.length - trimmed.length;
      body = trimmed;
    }
    lastHeading = p.heading || lastHeading;
    const section = h(
      "section",
      {
        class: "passage",
        id: `passage-${p.key}`,
        "data-passage": p.key,
        "data-start": String(offset),
        tabindex: "-1",
        "aria-label": `Passage ${i + 1}`,
      },
      h("a", { class: "passage-anchor", href: href.document(key, p.key), "aria-label": `Link to passage ${i + 1}`, title: "Link to this passage" }, "¶"),
      h("div", { class: "passage-body" }),
    );
    section.querySelector(".passage-body").append(...paragraphs(body, offset, null));
    section._text = { body, offset };
    text.append(...nodes, section);
  });

  replace(
    main,
    h(
      "header",
      { class: "doc-head" },
      h("p", { class: "crumbs" }, h("a", { href: href.documents() }, "Documents")),
      h("h1", { tabindex: "-1" }, doc.title || key),
      h(
        "p",
        { class: "meta" },
        doc.date ? h("time", { datetime: doc.date }, formatDate(doc.date)) : "undated",
        ` · ${passages.length} passage${passages.length === 1 ? "" : "s"}`,
        doc.source ? h("span", { class: "source" }, doc.source.split("/").pop()) : null,
        h("a", { class: "search-in", href: href.search({ document: key }) }, "Search in this document"),
      ),
    ),
    passages.length ? text : problem("This document has no passages."),
  );
  settle(ctx, doc.title || key, { keepFocus: Boolean(target) });
  focusPassage(main, target, mark);
}

function focusPassage(main, target, mark) {
  for (const old of main.querySelectorAll(".passage.is-target")) {
    old.classList.remove("is-target");
    old.removeAttribute("aria-current");
    const body = old.querySelector(".passage-body");
    replace(body, paragraphs(old._text.body, old._text.offset, null));
  }
  main.querySelector(".target-note")?.remove();
  if (!target) return;
  const section = main.querySelector(`[data-passage="${CSS.escape(target)}"]`);
  if (!section) {
    main.querySelector(".doc-head").append(h("p", { class: "target-note state state-error", role: "alert" }, `Passage “${target}” is not in this document; it may have been re-ingested.`));
    return;
  }
  section.classList.add("is-target");
  section.setAttribute("aria-current", "location");
  const range = markRange(section._text, mark);
  replace(section.querySelector(".passage-body"), paragraphs(section._text.body, section._text.offset, range));
  requestAnimationFrame(() => {
    // a short passage sits in the middle of the screen, a long one starts at the top
    const fits = section.getBoundingClientRect().height < window.innerHeight * 0.7;
    section.scrollIntoView({ block: fits ? "center" : "start" });
    section.focus({ preventScroll: true });
  });
}

/** The absolute [start, end) of the quote to mark inside a passage, or null. */
function markRange({ body, offset }, mark) {
  if (mark.start !== null && mark.end !== null && mark.end > mark.start) {
    if (mark.end > offset && mark.start < offset + body.length) return [mark.start, mark.end];
  }
  if (mark.quote) {
    // whitespace-insensitive: the quote may have collapsed line breaks
    const words = mark.quote.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    if (words.length) {
      const m = new RegExp(words.join("\\s+")).exec(body);
      if (m) return [offset + m.index, offset + m.index + m[0].length];
    }
  }
  return null;
}

/** A passage's text as paragraphs, with the absolute range [a, b) marked. */
function paragraphs(body, offset, range) {
  const out = [];
  const re = /\n\s*\n/g;
  let last = 0;
  const pieces = [];
  for (const m of body.matchAll(re)) {
    pieces.push([last, m.index]);
    last = m.index + m[0].length;
  }
  pieces.push([last, body.length]);
  for (const [a, b] of pieces) {
    const text = body.slice(a, b);
    if (!text.trim()) continue;
    const p = h("p");
    if (range) {
      const ms = Math.max(range[0] - offset, a);
      const me = Math.min(range[1] - offset, b);
      if (me > ms) {
        p.append(body.slice(a, ms), h("mark", { class: "quote-mark" }, body.slice(ms, me)), body.slice(me, b));
        out.push(p);
        continue;
      }
    }
    p.textContent = text;
    out.push(p);
  }
  return out;
}

function numberOr(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}
