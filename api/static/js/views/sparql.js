// The SPARQL page: a query form over POST /sparql, its answer as a table (SELECT), a yes or no
// (ASK) or Turtle (CONSTRUCT, DESCRIBE). The query is in the page's address, so it can be shared.

import { h, replace } from "../dom.js";
import { problem, settle } from "./common.js";

const EXAMPLE = `SELECT ?document ?title WHERE {
  ?document a foaf:Document ; dcterms:title ?title .
} LIMIT 10`;
const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

export async function renderSparql(ctx) {
  const { main, route } = ctx;
  main.dataset.view = "sparql";
  const query = route.params.get("query") || "";
  const box = h("textarea", {
    id: "sparql-query",
    name: "query",
    rows: "10",
    spellcheck: "false",
    class: "sparql-query",
  });
  box.value = query || EXAMPLE;
  const form = h(
    "form",
    {
      class: "search-form sparql-form",
      "aria-label": "SPARQL query",
      onsubmit: (event) => {
        event.preventDefault();
        const next = "#/sparql?" + new URLSearchParams({ query: box.value }).toString();
        if (location.hash === next) renderSparql(ctx);
        else location.hash = next;
      },
    },
    h("label", { for: "sparql-query" }, "Query"),
    box,
    h("p", { class: "hint" }, "civicgraph's prefixes (cg:, org:, skos:, foaf:, prov:, dcterms:, rdf:, rdfs:, xsd:) are added when a query uses them without declaring them. The endpoint is read-only."),
    h("button", { type: "submit", class: "button" }, "Run query"),
  );
  const answer = h("section", { class: "sparql-answer", "aria-live": "polite", "aria-label": "Answer" });
  replace(
    main,
    h("h1", { tabindex: "-1" }, "SPARQL"),
    h("p", { class: "lede" }, "Ask the graph directly. The same endpoint answers other tools at /sparql."),
    form,
    answer,
  );
  if (query) await run(ctx, query, answer);
  settle(ctx, "SPARQL", { keepFocus: Boolean(query) });
}

async function run(ctx, query, answer) {
  replace(answer, h("p", { class: "loading", role: "status" }, "Running the query…"));
  let response;
  try {
    response = await fetch("/sparql", {
      method: "POST",
      headers: { Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query }).toString(),
    });
  } catch {
    if (ctx.isCurrent()) replace(answer, problem("The server could not be reached.", [], "error"));
    return;
  }
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!ctx.isCurrent()) return;
  if (!response.ok) {
    const err = (body && body.error) || {};
    const box = problem(err.message || `the server answered ${response.status}`, [], "error");
    box.dataset.status = String(response.status);
    replace(answer, box);
    return;
  }
  if (typeof body === "string") {
    replace(answer, h("pre", { class: "sparql-graph" }, body));
  } else if (body && typeof body.boolean === "boolean") {
    replace(answer, h("p", { class: "sparql-boolean" }, body.boolean ? "Yes (true)" : "No (false)"));
  } else {
    replace(answer, table(body));
  }
}

function table(body) {
  const vars = (body && body.head && body.head.vars) || [];
  const rows = (body && body.results && body.results.bindings) || [];
  if (!rows.length) return problem("The query matched nothing.");
  return h(
    "div",
    { class: "table-scroll" },
    h("p", { class: "count-line" }, rows.length === 1 ? "1 row" : `${rows.length} rows`),
    h(
      "table",
      { class: "sparql-results" },
      h("thead", null, h("tr", null, vars.map((v) => h("th", { scope: "col" }, v)))),
      h(
        "tbody",
        null,
        rows.map((row) => h("tr", null, vars.map((v) => h("td", null, row[v] ? row[v].value : "")))),
      ),
    ),
  );
}
