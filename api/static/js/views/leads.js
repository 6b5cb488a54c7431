// The leads page: who leads which theme or programme, sortable and filterable, with evidence.

import { h, replace, announce, debounce } from "../dom.js";
import { KIND_LABELS, entityOf, evidenceOf, getJSON, href } from "../api.js";
import { documentIndex, entityChip, errorState, evidenceQuote, loading, problem, settle } from "./common.js";

const COLUMNS = [
  { key: "leader", label: "Council or body" },
  { key: "led", label: "Leads" },
  { key: "evidence", label: "Evidence" },
];

export async function renderLeads(ctx) {
  const { main, route } = ctx;
  main.dataset.view = "leads";
  const state = {
    council: route.params.get("council") || "",
    theme: route.params.get("theme") || "",
    sort: COLUMNS.some((c) => c.key === route.params.get("sort")) ? route.params.get("sort") : "leader",
    dir: route.params.get("dir") === "desc" ? "desc" : "asc",
  };
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Who leads what"),
    h("p", { class: "lede" }, "Councils and bodies that lead a theme or programme, each with the words that say so."),
    loading("Loading the leads"),
  );
  let body;
  let docs;
  try {
    [body, docs] = await Promise.all([getJSON("/leads"), documentIndex()]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    main.lastChild.replaceWith(errorState(err, { retry: () => renderLeads(ctx) }));
    settle(ctx, "Leads");
    return;
  }
  if (!ctx.isCurrent()) return;
  const rows = (Array.isArray(body) ? body : body.leads || []).map((row) => ({
    leader: entityOf(row.leader ?? row.subject ?? row.council ?? row.body),
    led: entityOf(row.led ?? row.object ?? row.theme ?? row.programme),
    evidence: evidenceOf(row.evidence ?? row.evidences ?? row.quotes ?? (row.quote ? row : null)),
  }));
  if (!rows.length) {
    main.lastChild.replaceWith(problem("No leads have been found in these documents yet. Leads appear when a text says that a council or body leads a theme or programme."));
    settle(ctx, "Leads");
    return;
  }

  const tbody = h("tbody");
  const count = h("p", { class: "count-line", "aria-live": "polite" });
  const table = h(
    "table",
    { class: "leads-table" },
    h("caption", { class: "visually-hidden" }, "Leads, with the quote for each. Column headers sort the table."),
    h("thead", null, h("tr", null, COLUMNS.map((col) => header(col, state, () => draw())))),
    tbody,
  );
  const filters = h(
    "form",
    { class: "filters leads-filters", role: "search", "aria-label": "Filter the leads", onsubmit: (e) => e.preventDefault() },
    filterField("council", "Council or body", "e.g. Kent", state, () => draw()),
    filterField("theme", "Theme or programme", "e.g. community safety", state, () => draw()),
    h(
      "button",
      {
        type: "button",
        class: "button",
        onclick: () => {
          state.council = "";
          state.theme = "";
          filters.elements.council.value = "";
          filters.elements.theme.value = "";
          draw();
        },
      },
      "Clear filters",
    ),
  );
  main.lastChild.replaceWith(filters);
  main.append(count, h("div", { class: "table-wrap" }, table));

  function draw() {
    const matches = rows.filter((r) => contains(r.leader, state.council) && contains(r.led, state.theme));
    const sorted = matches.sort((a, b) => compare(a, b, state.sort) * (state.dir === "desc" ? -1 : 1));
    for (const th of table.tHead.rows[0].cells) {
      const key = th.dataset.key;
      th.setAttribute("aria-sort", key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    }
    if (!sorted.length) {
      replace(tbody, h("tr", null, h("td", { colspan: "3", class: "empty-cell" }, "No leads match these filters.")));
    } else {
      replace(tbody, sorted.map((r) => rowView(r, docs)));
    }
    count.textContent = `${sorted.length} of ${rows.length} lead${rows.length === 1 ? "" : "s"}`;
    const params = { council: state.council, theme: state.theme };
    if (state.sort !== "leader" || state.dir !== "asc") Object.assign(params, { sort: state.sort, dir: state.dir });
    history.replaceState(null, "", href.leads(params));
  }
  draw();
  announce(`${rows.length} leads`);
  settle(ctx, "Leads");
}

function contains(entity, text) {
  if (!text) return true;
  const needle = text.toLowerCase().trim();
  return [entity.label, entity.id, entity.gss, ...(entity.aliases || [])].some((v) => v && String(v).toLowerCase().includes(needle));
}

function compare(a, b, key) {
  const text = (r) => {
    if (key === "evidence") return (r.evidence[0] && (r.evidence[0].title || r.evidence[0].document)) || "";
    return r[key].label || "";
  };
  return text(a).localeCompare(text(b), "en-GB", { sensitivity: "base" }) || a.led.label.localeCompare(b.led.label);
}

function header(col, state, redraw) {
  const button = h("button", { type: "button", class: "sort-button" }, col.label, h("span", { class: "sort-icon", "aria-hidden": "true" }));
  button.addEventListener("click", () => {
    if (state.sort === col.key) state.dir = state.dir === "asc" ? "desc" : "asc";
    else {
      state.sort = col.key;
      state.dir = "asc";
    }
    redraw();
  });
  return h("th", { scope: "col", "data-key": col.key }, button);
}

function filterField(name, label, placeholder, state, redraw) {
  const input = h("input", { id: `leads-${name}`, name, type: "search", value: state[name], placeholder, autocomplete: "off" });
  const update = debounce(() => {
    state[name] = input.value;
    redraw();
  }, 120);
  input.addEventListener("input", update);
  return h("div", { class: "field" }, h("label", { for: `leads-${name}` }, label), input);
}

function rowView(r, docs) {
  return h(
    "tr",
    null,
    h(
      "td",
      { "data-label": "Council or body" },
      entityChip(r.leader, { compact: true }),
      h("div", { class: "sub" }, KIND_LABELS[r.leader.type] || r.leader.type, r.leader.gss ? [" · GSS ", h("code", null, r.leader.gss)] : null),
    ),
    h("td", { "data-label": "Leads" }, entityChip(r.led, { compact: true }), h("div", { class: "sub" }, KIND_LABELS[r.led.type] || r.led.type)),
    h("td", { "data-label": "Evidence" }, r.evidence.length ? r.evidence.map((ev) => evidenceQuote(ev, docs)) : h("span", { class: "muted" }, "—")),
  );
}
