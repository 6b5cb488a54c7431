// civicgraph explorer: a hash-routed single page over the JSON API. No build step.
//
// Routes (each view has its own URL, so links can be shared and the back button works):
//   #/ask?q=..&as_of=..                   a question in plain English, answered from the graph
//   #/search?q=..&document=..&type=..     passages ranked for a query
//   #/entity/{kind}/{key}                 an entity card (a label works too: #/entity/Kent)
//   #/leads?theme=..&council=..&sort=..   who leads what
//   #/path?source=..&target=..&max_hops=  relationship paths drawn as a graph
//   #/documents                           the corpus
//   #/document/{key}#passage={passage}    a document, scrolled to a highlighted passage
//   #/sparql?query=..                     a SPARQL query form and its answer

import { h, replace } from "./js/dom.js";
import { renderSearch } from "./js/views/search.js";
import { renderAsk } from "./js/views/ask.js";
import { renderEntity } from "./js/views/entity.js";
import { renderLeads } from "./js/views/leads.js";
import { renderPath } from "./js/views/path.js";
import { renderDocument, renderDocuments } from "./js/views/document.js";
import { renderSparql } from "./js/views/sparql.js";
import { problem } from "./js/views/common.js";

const main = document.getElementById("main");
let navigation = 0;
let firstRender = true;

/** The current route: {name, segments, params, fragment}. */
export function currentRoute() {
  let raw = location.hash.replace(/^#/, "");
  let fragment = "";
  const inner = raw.indexOf("#");
  if (inner >= 0) {
    fragment = raw.slice(inner + 1);
    raw = raw.slice(0, inner);
  }
  const [pathPart, query = ""] = raw.split("?");
  const segments = pathPart
    .split("/")
    .filter(Boolean)
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    });
  return {
    name: segments[0] || "",
    segments,
    params: new URLSearchParams(query),
    fragment: new URLSearchParams(fragment),
  };
}

const VIEWS = {
  "": renderSearch,
  search: renderSearch,
  ask: renderAsk,
  entity: renderEntity,
  leads: renderLeads,
  path: renderPath,
  paths: renderPath,
  documents: renderDocuments,
  document: renderDocument,
  sparql: renderSparql,
};

const NAV = { "": "search", search: "search", ask: "ask", entity: null, leads: "leads", path: "path", paths: "path", documents: "documents", document: "documents", sparql: "sparql" };

async function route() {
  const current = ++navigation;
  const r = currentRoute();
  const view = VIEWS[r.name];
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === NAV[r.name]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const ctx = {
    route: r,
    main,
    isCurrent: () => current === navigation,
    firstRender,
  };
  firstRender = false;
  main.setAttribute("aria-busy", "true");
  try {
    if (!view) {
      main.dataset.view = "missing";
      document.title = "Page not found · civicgraph";
      replace(
        main,
        h("h1", { tabindex: "-1" }, "Page not found"),
        problem("There is no page at this address.", [
          h("a", { href: "#/search" }, "Go to search"),
        ]),
      );
      return;
    }
    await view(ctx);
  } catch (exc) {
    if (exc && exc.name === "AbortError") return;
    if (!ctx.isCurrent()) return;
    console.error(exc);
    main.dataset.view = "error";
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      problem(`The explorer hit an error: ${exc && exc.message ? exc.message : exc}`, [
        h("button", { type: "button", class: "button", onclick: () => route() }, "Try again"),
      ]),
    );
  } finally {
    if (ctx.isCurrent()) {
      main.setAttribute("aria-busy", "false");
      main.dataset.rendered = location.hash; // lets tests and tools wait for a view
    }
  }
}

// The skip link must not change the route.
document.addEventListener("click", (event) => {
  const skip = event.target.closest("[data-skip]");
  if (skip) {
    event.preventDefault();
    main.focus();
  }
});

window.addEventListener("hashchange", route);
route();
