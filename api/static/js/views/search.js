// The search page: a query box, filters by document and entity type, passages with highlights.

import { h, replace, queryTerms, termPattern, highlight, formatDate, announce } from "../dom.js";
import { KINDS, KIND_LABELS, getJSON, href } from "../api.js";
import { documentIndex, entityChip, errorState, loading, problem, settle } from "./common.js";
import { ASK_EXAMPLES, askForm } from "./ask.js";

const EXCERPT = 520;
const EXAMPLES = [
  "reducing hospital admissions for older people",
  "community safety and youth offending",
  "which councils were rated worst",
];

export async function renderSearch(ctx) {
  const { main, route } = ctx;
  const q = (route.params.get("q") || "").trim();
  const documentKey = route.params.get("document") || "";
  const type = route.params.get("type") || "";

  let form = main.dataset.view === "search" ? main.querySelector("form.search-form") : null;
  const reused = Boolean(form);
  if (!form) {
    form = searchForm();
    main.dataset.view = "search";
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Search the documents"),
      h("p", { class: "lede" }, "Find passages by meaning and by keyword, then follow the councils, bodies, people, programmes and themes they mention."),
      form,
      h("section", { class: "results-area", "aria-labelledby": "results-heading" }),
    );
  }
  const area = main.querySelector(".results-area");
  const input = form.elements.q;
  input.value = q;
  form.elements.type.value = KINDS.includes(type) ? type : "";
  fillDocuments(form, documentKey);

  if (!q) {
    replace(area, home());
    settle(ctx, "Search", { keepFocus: reused });
    return;
  }

  replace(area, loading("Searching"));
  let body;
  try {
    [body] = await Promise.all([
      getJSON("/search", { q, k: 10, document: documentKey, type }),
      documentIndex(),
    ]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    if (err.status === 404 && documentKey) {
      replace(
        area,
        h("h2", { id: "results-heading" }, "Unknown document"),
        problem(`There is no document “${documentKey}” in the store.`, [
          h("a", { href: href.search({ q, type }) }, "Search every document"),
        ]),
      );
    } else {
      replace(area, h("h2", { id: "results-heading", class: "visually-hidden" }, "Results"), errorState(err, { retry: () => renderSearch(ctx) }));
    }
    settle(ctx, `Search: ${q}`, { keepFocus: reused });
    return;
  }
  if (!ctx.isCurrent()) return;

  const results = Array.isArray(body.results) ? body.results : [];
  const pattern = termPattern(queryTerms(q));
  const filtered = documentKey || type;
  if (!results.length) {
    replace(
      area,
      h("h2", { id: "results-heading" }, `No passages for “${q}”`),
      problem(
        filtered
          ? "Nothing matched with these filters. Try removing a filter or using fewer words."
          : "Nothing matched. Try fewer or different words.",
        filtered ? [h("a", { href: href.search({ q }) }, "Search without filters")] : [],
      ),
    );
    announce(`No passages for ${q}`);
  } else {
    const docs = await documentIndex();
    replace(
      area,
      h("h2", { id: "results-heading" }, `${results.length} passage${results.length === 1 ? "" : "s"} for “${q}”`),
      h("ol", { class: "results" }, results.map((r) => resultItem(r, pattern, docs))),
    );
    announce(`${results.length} passages found`);
  }
  settle(ctx, `Search: ${q}`, { keepFocus: reused });
}

function searchForm() {
  const form = h(
    "form",
    { class: "search-form", role: "search", "aria-label": "Search passages" },
    h(
      "div",
      { class: "search-row" },
      h("label", { for: "q", class: "visually-hidden" }, "Search passages"),
      h("input", {
        id: "q",
        name: "q",
        type: "search",
        placeholder: "e.g. reducing hospital admissions for older people",
        autocomplete: "off",
        spellcheck: "false",
        required: true,
      }),
      h("button", { type: "submit", class: "button button-primary" }, "Search"),
    ),
    h(
      "div",
      { class: "filters" },
      h(
        "div",
        { class: "field" },
        h("label", { for: "filter-document" }, "Document"),
        h("select", { id: "filter-document", name: "document" }, h("option", { value: "" }, "All documents")),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "filter-type" }, "Mentions a"),
        h(
          "select",
          { id: "filter-type", name: "type" },
          h("option", { value: "" }, "any kind of entity"),
          KINDS.map((k) => h("option", { value: k }, KIND_LABELS[k].toLowerCase())),
        ),
      ),
    ),
  );
  const go = () => {
    const q = form.elements.q.value.trim();
    if (!q) {
      form.elements.q.focus();
      return;
    }
    location.hash = href.search({ q, document: form.elements.document.value, type: form.elements.type.value });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go();
  });
  // a filter change re-runs the search at once when there is a query
  for (const name of ["document", "type"]) {
    form.elements[name].addEventListener("change", () => {
      if (form.elements.q.value.trim()) go();
    });
  }
  return form;
}

async function fillDocuments(form, selected) {
  const select = form.elements.document;
  if (select.options.length <= 1) {
    const docs = await documentIndex();
    if (select.options.length <= 1) {
      for (const d of docs.values()) {
        const date = d.date ? ` (${d.date.slice(0, 4)})` : "";
        select.append(h("option", { value: d.key }, `${d.title || d.key}${date}`));
      }
    }
  }
  if (selected && ![...select.options].some((o) => o.value === selected)) {
    select.append(h("option", { value: selected }, selected));
  }
  select.value = selected || "";
}

function home() {
  return h(
    "div",
    { class: "home" },
    h(
      "section",
      { class: "ask-home", "aria-labelledby": "ask-heading" },
      h("h2", { id: "ask-heading" }, "Ask in plain English"),
      h("p", { class: "muted" }, "Answered from the facts the documents state, with the quotes that state them."),
      askForm(),
      h("ul", { class: "examples" }, ASK_EXAMPLES.map((q) => h("li", null, h("a", { href: href.ask({ q }) }, q)))),
    ),
    h("h2", { id: "results-heading" }, "Try a search"),
    h(
      "ul",
      { class: "examples" },
      EXAMPLES.map((q) => h("li", null, h("a", { href: href.search({ q }) }, q))),
    ),
    h(
      "div",
      { class: "cards" },
      h(
        "a",
        { class: "card-link", href: href.leads() },
        h("strong", null, "Who leads what"),
        h("span", null, "Councils and bodies leading themes and programmes, with the quotes that say so."),
      ),
      h(
        "a",
        { class: "card-link", href: href.path() },
        h("strong", null, "How are they connected?"),
        h("span", null, "Pick two entities and see the relationship paths between them."),
      ),
      h(
        "a",
        { class: "card-link", href: href.documents() },
        h("strong", null, "Read the documents"),
        h("span", null, "Every document in the store, passage by passage."),
      ),
    ),
  );
}

function excerptOf(full, pattern) {
  const text = full.replace(/\n\s*\n/g, "\n");
  if (text.length <= EXCERPT) return { text, cut: false };
  let at = 0;
  if (pattern) {
    pattern.lastIndex = 0;
    const m = pattern.exec(text);
    if (m) at = m.index;
    pattern.lastIndex = 0;
  }
  let start = Math.max(0, at - 140);
  if (start > 0) {
    const space = text.indexOf(" ", start);
    start = space > 0 && space < at ? space + 1 : start;
  }
  let end = Math.min(text.length, start + EXCERPT);
  if (end < text.length) {
    const space = text.lastIndexOf(" ", end);
    if (space > start + EXCERPT / 2) end = space;
  }
  return {
    text: `${start > 0 ? "… " : ""}${text.slice(start, end)}${end < text.length ? " …" : ""}`,
    cut: true,
  };
}

export function resultItem(r, pattern, docs) {
  const text = String(r.text || "");
  const doc = docs.get(r.document) || {};
  const title = r.title || doc.title || r.document || "Untitled document";
  const date = r.date || doc.date;
  const excerpt = excerptOf(text, pattern);
  const body = h("p", { class: "passage-text" }, highlight(excerpt.text, pattern));
  let toggle = null;
  if (excerpt.cut) {
    let open = false;
    toggle = h("button", { type: "button", class: "link-button", "aria-expanded": "false" }, "Show the whole passage");
    toggle.addEventListener("click", () => {
      open = !open;
      replace(body, highlight(open ? text.replace(/\n\s*\n/g, "\n") : excerpt.text, pattern));
      toggle.textContent = open ? "Show less" : "Show the whole passage";
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  const entities = Array.isArray(r.entities) ? r.entities : [];
  return h(
    "li",
    { class: "result", "data-passage": r.passage },
    h(
      "article",
      null,
      h(
        "header",
        { class: "result-head" },
        h("h3", null, h("a", { href: href.document(r.document, r.passage) }, title)),
        h(
          "p",
          { class: "meta" },
          date ? h("time", { datetime: date }, formatDate(date)) : h("span", null, "undated"),
          r.source ? h("span", { class: "source" }, r.source.split("/").pop()) : null,
        ),
      ),
      body,
      toggle,
      entities.length
        ? h(
            "div",
            { class: "mentions" },
            h("span", { class: "mentions-label" }, "Mentions"),
            h("ul", { class: "chips" }, entities.map((e) => h("li", null, entityChip(e)))),
          )
        : null,
    ),
  );
}
