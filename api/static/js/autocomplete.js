// An entity name box with suggestions from GET /entities?q= (the ARIA 1.2 combobox pattern).

import { h, replace, debounce } from "./dom.js";
import { KIND_LABELS, entityOf, getJSON } from "./api.js";

let counter = 0;

/**
 * A labelled text input that suggests entities as you type.
 * Returns {field, input, value()}; value() is the chosen entity's id, else the typed text.
 */
export function entityInput({ name, label, placeholder = "", value = "", valueLabel = "" }) {
  const uid = `ac-${name}-${++counter}`;
  const input = h("input", {
    id: uid,
    name,
    type: "text",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": `${uid}-list`,
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
  });
  const list = h("ul", { id: `${uid}-list`, role: "listbox", class: "ac-list", hidden: true, "aria-label": `${label} suggestions` });
  const hint = h("span", { id: `${uid}-hint`, class: "visually-hidden" }, "Type two or more letters for suggestions; use the arrow keys to choose.");
  input.setAttribute("aria-describedby", hint.id);
  const field = h("div", { class: "field ac" }, h("label", { for: uid }, label), input, hint, list);

  let options = [];
  let active = -1;
  let request = 0;

  function set(id, text) {
    input.value = text;
    if (id) input.dataset.id = id;
    else delete input.dataset.id;
  }
  set(/^[a-z]+\/\S+$/.test(value) ? value : "", valueLabel || value);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlightActive() {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    if (active >= 0 && list.children[active]) {
      input.setAttribute("aria-activedescendant", list.children[active].id);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function choose(i) {
    const e = options[i];
    if (!e) return;
    set(e.id, e.label);
    close();
    input.dispatchEvent(new CustomEvent("entity-chosen", { bubbles: true, detail: e }));
  }

  const suggest = debounce(async () => {
    const q = input.value.trim();
    const mine = ++request;
    if (q.length < 2) {
      close();
      return;
    }
    let body;
    try {
      body = await getJSON("/entities", { q, limit: 8 });
    } catch (err) {
      if (mine !== request) return;
      options = [];
      replace(list, h("li", { class: "ac-empty", role: "presentation" }, err.status === 0 ? "Suggestions are unavailable: the server could not be reached." : "Suggestions are unavailable."));
      open();
      return;
    }
    if (mine !== request || document.activeElement !== input) return;
    const raw = Array.isArray(body) ? body : body.entities || body.results || body.candidates || body.matches || [];
    options = raw
      .map((x) => ({ ...entityOf(x), matched: x && typeof x === "object" ? x.matched : null }))
      .filter((e) => e.id || e.label);
    active = -1;
    if (!options.length) {
      replace(list, h("li", { class: "ac-empty", role: "presentation" }, `No entity called “${q}”.`));
    } else {
      replace(
        list,
        options.map((e, i) =>
          h(
            "li",
            {
              id: `${uid}-opt-${i}`,
              role: "option",
              class: "ac-option",
              "aria-selected": "false",
              "data-id": e.id,
              onmousedown: (event) => event.preventDefault(),
              onclick: () => choose(i),
            },
            h(
              "span",
              { class: "ac-label" },
              e.label,
              e.matched && e.matched.toLowerCase() !== e.label.toLowerCase() ? h("span", { class: "ac-matched" }, ` (${e.matched})`) : null,
            ),
            h("span", { class: `badge badge-${e.type || "entity"}` }, KIND_LABELS[e.type] || e.type || ""),
          ),
        ),
      );
    }
    open();
  }, 150);

  input.addEventListener("input", () => {
    delete input.dataset.id;
    suggest();
  });
  input.addEventListener("keydown", (event) => {
    const count = options.length;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) {
        suggest();
        return;
      }
      if (count) active = (active + 1) % count;
      highlightActive();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (count) active = active <= 0 ? count - 1 : active - 1;
      highlightActive();
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else close();
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        close();
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 120));

  return {
    field,
    input,
    value: () => input.dataset.id || input.value.trim(),
    set,
  };
}
