// Asking in plain English: a question box, how the question was read, the answers with their
// quotes (each linked to its passage), and the passages search finds for the question.

import { h, replace, announce, formatDate, queryTerms, termPattern } from "../dom.js";
import { getJSON, href, predicateLabel } from "../api.js";
import { documentIndex, entityChip, errorState, evidenceQuote, loading, problem, settle } from "./common.js";
import { resultItem } from "./search.js";

export const ASK_EXAMPLES = [
  "Which councils led which themes?",
  "Which councils were rated worst?",
  "Who leads community safety?",
];

/** The question box: a question and, optionally, the year to answer as of. */
export function askForm({ q = "", asOf = "" } = {}) {
  const form = h(
    "form",
    { class: "ask-form", role: "search", "aria-label": "Ask a question" },
    h(
      "div",
      { class: "search-row" },
      h("label", { for: "ask-q", class: "visually-hidden" }, "Ask a question"),
      h("input", {
        id: "ask-q",
        name: "q",
        type: "search",
        placeholder: "e.g. who leads community safety?",
        autocomplete: "off",
        spellcheck: "false",
        required: true,
        value: q,
      }),
      h("label", { for: "ask-as-of", class: "visually-hidden" }, "As of (a year)"),
      h("input", {
        id: "ask-as-of",
        name: "as_of",
        class: "as-of",
        inputmode: "numeric",
        placeholder: "as of (year)",
        pattern: "[12][0-9]{3}(-(0[1-9]|1[0-2]))?",
        title: "a year or a month, such as 2009 or 2009-06 (optional)",
        value: asOf,
      }),
      h("button", { type: "submit", class: "button button-primary" }, "Ask"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = form.elements.q.value.trim();
    if (!question) {
      form.elements.q.focus();
      return;
    }
    location.hash = href.ask({ q: question, as_of: form.elements.as_of.value.trim() });
  });
  return form;
}

export async function renderAsk(ctx) {
  const { main, route } = ctx;
  const q = (route.params.get("q") || "").trim();
  const asOf = (route.params.get("as_of") || "").trim();
  main.dataset.view = "ask";
  const area = h("section", { class: "ask-area", "aria-labelledby": "reading-heading" });
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Ask a question"),
    h(
      "p",
      { class: "lede" },
      "Questions in plain English are answered from the facts the documents state, each with the words that state it. Nothing is made up: no fact, no answer.",
    ),
    askForm({ q, asOf }),
    area,
  );
  if (!q) {
    replace(
      area,
      h("h2", { id: "reading-heading" }, "Try a question"),
      h("ul", { class: "examples" }, ASK_EXAMPLES.map((x) => h("li", null, h("a", { href: href.ask({ q: x }) }, x)))),
    );
    settle(ctx, "Ask");
    return;
  }
  replace(area, loading("Reading the question"));
  let body;
  try {
    [body] = await Promise.all([getJSON("/ask", { q, as_of: asOf }), documentIndex()]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    replace(area, h("h2", { id: "reading-heading" }, "No answer"), errorState(err, { retry: () => renderAsk(ctx) }));
    settle(ctx, `Ask: ${q}`);
    return;
  }
  if (!ctx.isCurrent()) return;
  const docs = await documentIndex();
  const answers = Array.isArray(body.answers) ? body.answers : [];
  const passages = Array.isArray(body.passages) ? body.passages : [];
  const pattern = termPattern(queryTerms(q));
  replace(
    area,
    interpretation(body.interpretation || {}),
    h("h2", { id: "answers-heading" }, answers.length ? `${answers.length} answer${answers.length === 1 ? "" : "s"}` : "No answer from the graph"),
    answers.length
      ? h("ol", { class: "answers", "aria-labelledby": "answers-heading" }, answers.map((a) => answerItem(a, docs)))
      : problem(
          (body.interpretation && body.interpretation.message) || "No fact in the graph answers this question.",
          [h("a", { href: href.search({ q }) }, "Search the passages instead")],
        ),
    h("h2", { id: "passages-heading" }, `Passages for “${q}”`),
    passages.length
      ? h("ol", { class: "results", "aria-labelledby": "passages-heading" }, passages.map((p) => resultItem(p, pattern, docs)))
      : problem("No passage matches the question."),
  );
  announce(`${answers.length} answers, ${passages.length} passages`);
  settle(ctx, `Ask: ${q}`);
}

function interpretation(reading) {
  const entities = Array.isArray(reading.entities) ? reading.entities : [];
  const unknown = Array.isArray(reading.unknown) ? reading.unknown : [];
  const notes = Array.isArray(reading.notes) ? reading.notes : [];
  const alternatives = Array.isArray(reading.alternatives) ? reading.alternatives : [];
  const time = reading.time;
  return h(
    "div",
    { class: "interpretation", "data-shape": reading.shape || "" },
    h("h2", { id: "reading-heading" }, "How the question was read"),
    h("p", { class: "reading" }, reading.reading || ""),
    entities.length || time
      ? h(
          "ul",
          { class: "links" },
          entities.map((link) =>
            h(
              "li",
              { class: "link" },
              h("q", null, link.text),
              " → ",
              entityChip(link.entity),
              h("span", { class: "muted" }, ` matched “${link.matched}”${link.score < 100 ? ` (${Math.round(link.score)}%)` : ""}`),
              link.others && link.others.length
                ? h("span", { class: "muted" }, " · also: ", link.others.map((e) => entityChip(e, { compact: true })))
                : null,
            ),
          ),
          time
            ? h(
                "li",
                { class: "link" },
                h("q", null, time.text),
                " → documents ",
                time.start ? `from ${formatDate(time.start)} ` : "",
                time.end ? `up to ${formatDate(time.end)}` : "",
              )
            : null,
        )
      : null,
    unknown.map((u) =>
      h(
        "div",
        { class: "state state-empty unknown" },
        h("p", { class: "state-message" }, u.message),
        u.nearest && u.nearest.length
          ? h("p", { class: "state-actions" }, "Did you mean ", u.nearest.map((e) => entityChip(e, { compact: true })))
          : null,
      ),
    ),
    notes.length ? h("ul", { class: "notes" }, notes.map((n) => h("li", null, n))) : null,
    alternatives.length
      ? h("p", { class: "alternatives muted" }, "It could also be read as: ", alternatives.join("; "))
      : null,
  );
}

function answerItem(answer, docs) {
  const evidence = Array.isArray(answer.evidence) ? answer.evidence : [];
  return h(
    "li",
    { class: "answer" },
    h(
      "article",
      null,
      h("header", { class: "answer-head" }, answer.path ? pathLine(answer.path) : entityLine(answer)),
      answer.description ? description(answer.description) : null,
      evidence.length
        ? h("div", { class: "answer-evidence" }, evidence.slice(0, 3).map((ev) => evidenceQuote(ev, docs)))
        : h("p", { class: "muted" }, "No quote states this."),
      evidence.length > 3 ? h("p", { class: "muted" }, `and ${evidence.length - 3} more quotes`) : null,
    ),
  );
}

function entityLine(answer) {
  const facts = Array.isArray(answer.facts) ? answer.facts : [];
  const id = answer.entity && answer.entity.id;
  const seen = new Set();
  const lines = [];
  for (const fact of facts) {
    const forward = fact.subject && fact.subject.id === id;
    const other = forward ? fact.object : fact.subject;
    const extra = fact.role || fact.rating;
    const text = `${predicateLabel(fact.predicate, forward ? "out" : "in")}${extra ? ` (${extra})` : ""}`;
    const key = `${text} ${other && other.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(h("span", { class: "fact" }, text, " ", entityChip(other, { compact: true })));
  }
  return [entityChip(answer.entity), answer.description ? null : lines];
}

function pathLine(path) {
  const nodes = Array.isArray(path.nodes) ? path.nodes : [];
  const edges = Array.isArray(path.edges) ? path.edges : [];
  const parts = [];
  nodes.forEach((node, i) => {
    parts.push(entityChip(node, { compact: true }));
    const edge = edges[i];
    if (edge) {
      const label = edge.kind === "co-mention" ? "named with" : predicateLabel(edge.predicate, edge.direction === "backward" ? "in" : "out");
      parts.push(h("span", { class: "hop" }, ` ${label}${edge.role ? ` (${edge.role})` : ""} → `));
    }
  });
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  return [
    h("span", { class: "path-line" }, parts),
    first && last ? h("a", { class: "muted", href: href.path({ source: first.id, target: last.id }) }, " Draw the paths") : null,
  ];
}

function description(d) {
  const lived = [d.start ? `from ${d.start}` : "", d.end ? `until ${d.end}` : ""].filter(Boolean).join(" ");
  return h(
    "p",
    { class: "meta" },
    d.aliases && d.aliases.length ? h("span", null, `also ${d.aliases.slice(0, 4).join(", ")}`) : null,
    lived ? h("span", null, lived) : null,
    h("span", null, `${d.facts} fact${d.facts === 1 ? "" : "s"}, named in ${d.documents} document${d.documents === 1 ? "" : "s"}`),
  );
}
