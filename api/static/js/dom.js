// Small DOM helpers. Text always goes in through textContent, never innerHTML.

/** Create an element: h("a", {href: "#/", class: "x"}, "text", child, [more]). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "text") {
      el.textContent = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const STOPWORDS = new Set(
  ("a an and are as at be by for from has have how in is it its of on or that the their " +
    "there these this to was were what when where which who why will with about into over " +
    "than then they them do does did not no but if our we you your")
    .split(" "),
);

/** The words of a query worth highlighting, lower-cased, longest first. */
export function queryTerms(query) {
  const words = (query || "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regular expression matching the query terms at word starts (with light stemming). */
export function termPattern(terms) {
  if (!terms.length) return null;
  const stems = terms.map((t) => {
    // "admissions" should match "admission", "older" matches "older"; keep short words whole
    const stem = t.length > 4 ? t.replace(/(ies|es|s|ing|ed|ly)$/u, "") : t;
    return escapeRegExp(stem.length >= 3 ? stem : t);
  });
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${stems.join("|")})[\\p{L}\\p{N}]*`, "giu");
}

/** Text split into text nodes and <mark> elements for each match of `pattern`. */
export function highlight(text, pattern, className = "hit") {
  const out = [];
  if (!pattern || !text) return [text || ""];
  let last = 0;
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(h("mark", { class: className }, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Format an ISO date as "12 November 2010"; keep anything else as it is. */
export function formatDate(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!m) return String(value);
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return date.toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** Announce a short message to screen readers. */
export function announce(message) {
  const region = document.getElementById("announce");
  if (!region) return;
  region.textContent = "";
  // a tick later, so that the same message twice is still read out
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Call `fn` once calls stop for `ms`. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
