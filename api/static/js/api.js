// Talking to the civicgraph API, and reading its answers defensively: field names that the
// documented shapes leave open are looked up under their likely spellings.

export class ApiError extends Error {
  constructor(status, body, url) {
    const err = (body && body.error) || {};
    const message =
      err.message ||
      (typeof body?.detail === "string" ? body.detail : "") ||
      (status ? `the server answered ${status}` : "the server could not be reached");
    super(message);
    this.status = status; // 0 when the server could not be reached
    this.code = err.code || (status ? "error" : "network");
    this.body = body;
    this.error = err;
    this.url = url;
  }

  /** Entities the error points to: the candidates of a 409, the nearest names of a 404. */
  get suggestions() {
    const e = this.error;
    const list =
      e.candidates || e.nearest || e.suggestions || e.did_you_mean || e.matches || e.similar || [];
    return (Array.isArray(list) ? list : []).map(entityOf).filter((x) => x.label || x.id);
  }
}

const cache = new Map(); // url -> {at, promise}
const CACHE_MS = 60_000;

/** GET a JSON answer from the API; throws ApiError on an error status or a network failure. */
export async function getJSON(path, params, { cached = true, signal } = {}) {
  const url = withParams(path, params);
  const hit = cache.get(url);
  if (cached && hit && Date.now() - hit.at < CACHE_MS) return hit.promise;
  const promise = (async () => {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" }, signal });
    } catch (exc) {
      if (exc.name === "AbortError") throw exc;
      throw new ApiError(0, null, url);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, body, url);
    return body;
  })();
  cache.set(url, { at: Date.now(), promise });
  promise.catch(() => cache.delete(url));
  if (cache.size > 200) cache.delete(cache.keys().next().value);
  return promise;
}

export function withParams(path, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The API path of an entity: /entities/council/ken (each segment encoded). */
export function entityPath(id) {
  return `/entities/${String(id).split("/").map(encodeURIComponent).join("/")}`;
}

// -- routes of the explorer ------------------------------------------------------------

export const href = {
  search: (params) => "#" + withParams("/search", params),
  ask: (params) => "#" + withParams("/ask", params),
  entity: (id) => `#/entity/${String(id).split("/").map(encodeURIComponent).join("/")}`,
  leads: (params) => "#" + withParams("/leads", params),
  path: (params) => "#" + withParams("/path", params),
  documents: () => "#/documents",
  document: (key, passage, extra) => {
    const base = `#/document/${encodeURIComponent(key)}`;
    if (!passage) return base;
    return `${base}#${new URLSearchParams({ passage, ...cleanParams(extra) }).toString()}`;
  },
};

function cleanParams(params) {
  const out = {};
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") out[k] = String(v);
  }
  return out;
}

// -- reading answers --------------------------------------------------------------------

const ID_BASE = "https://w3id.org/civicgraph/id/";
export const STATGEO = "http://statistics.data.gov.uk/id/statistical-geography/";
export const KINDS = ["council", "body", "person", "programme", "theme"];

export const KIND_LABELS = {
  council: "Council",
  body: "Body",
  person: "Person",
  programme: "Programme",
  theme: "Theme",
};

/** An entity as {id, label, type, gss, iri}, from an object, an IRI or a "{kind}/{key}" string. */
export function entityOf(x) {
  if (x === null || x === undefined) return { id: "", label: "", type: "" };
  if (typeof x === "string") {
    const id = refOf(x) || x;
    return { id, label: x.includes("/") ? id.split("/").pop() : x, type: kindOf(id), iri: null };
  }
  const idents = x.identifiers && !Array.isArray(x.identifiers) ? x.identifiers : {};
  const id =
    x.id ||
    x.ref ||
    refOf(x.iri) ||
    refOf(x.uri) ||
    (typeof x.key === "string" && x.key.includes("/") ? x.key : "") ||
    (x.kind && x.key ? `${x.kind}/${x.key}` : "") ||
    (x.type && x.key ? `${x.type}/${x.key}` : "");
  const label = x.label || x.name || x.prefLabel || x.pref_label || x.title || id;
  const type = normaliseKind(x.type || x.kind || kindOf(id));
  return {
    id: String(id || ""),
    label: String(label || ""),
    type,
    gss: x.gss || x.gss_code || x.gssCode || idents.gss || null,
    iri: x.iri || x.uri || (id ? ID_BASE + id : null),
    score: x.score,
    aliases: listOf(x.aliases || x.altLabels || x.alt_labels),
  };
}

function refOf(value) {
  if (typeof value !== "string") return "";
  if (value.startsWith(ID_BASE)) return value.slice(ID_BASE.length);
  if (/^[a-z]+\/[^/\s]+$/.test(value) && KINDS.includes(value.split("/")[0])) return value;
  return "";
}

function kindOf(id) {
  const kind = String(id || "").split("/")[0];
  return KINDS.includes(kind) ? kind : "";
}

function normaliseKind(kind) {
  if (!kind) return "";
  const k = String(kind);
  const local = k.includes("#") || k.includes("/") ? k.split(/[#/]/).pop() : k;
  const lower = local.toLowerCase();
  if (KINDS.includes(lower)) return lower;
  if (lower === "concept") return "theme";
  if (lower === "formalorganization" || lower === "organization") return "body";
  return lower;
}

function listOf(value) {
  if (!value) return [];
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((v) => (typeof v === "string" ? v : v && (v.value || v.label || v.name)))
    .filter(Boolean);
}

/** The document key of a passage key "{document}-p{8 hex of its text}" ("-2" on for a repeat). */
export function documentOfPassage(passage) {
  const m = /^(.*)-p[0-9a-f]{4,}(?:-\d+)?$/.exec(passage || "");
  return m ? m[1] : "";
}

/** A list of evidence items {passage, document, quote, start, end, title}. */
export function evidenceOf(x) {
  if (!x) return [];
  const items = Array.isArray(x) ? x : [x];
  return items
    .map((ev) => {
      if (!ev) return null;
      if (typeof ev === "string") return { quote: ev, passage: "", document: "" };
      const passage = ev.passage || ev.passage_key || ev.passageKey || ev.passage_id || "";
      const doc = ev.document;
      const docKey =
        (doc && typeof doc === "object" ? doc.key || doc.id : doc) ||
        ev.document_key ||
        ev.documentKey ||
        documentOfPassage(passage);
      return {
        passage: String(passage || ""),
        document: String(docKey || ""),
        quote: ev.quote || ev.text || "",
        start: numberOr(ev.start),
        end: numberOr(ev.end),
        title: ev.title || ev.document_title || (doc && typeof doc === "object" ? doc.title : "") || "",
        date: ev.date || (doc && typeof doc === "object" ? doc.date : "") || "",
      };
    })
    .filter(Boolean);
}

function numberOr(value) {
  const n = Number(value);
  return value === null || value === undefined || value === "" || Number.isNaN(n) ? null : n;
}

/** The local name of a predicate: "leads" from "https://w3id.org/civicgraph/ns#leads". */
export function predicateOf(value) {
  if (!value) return "";
  const p = typeof value === "object" ? value.id || value.name || value.label || "" : String(value);
  return p.includes("#") || p.startsWith("http") ? p.split(/[#/]/).pop() : p;
}

const PREDICATES = {
  leads: ["leads", "led by"],
  participatesIn: ["participates in", "participants"],
  rated: ["rated in", "ratings given"],
  headOf: ["head of", "headed by"],
  memberOf: ["member of", "members"],
  holdsPost: ["holds a post at", "post holders"],
  subOrganizationOf: ["part of", "has parts"],
  hasSubOrganization: ["has part", "part of"],
  createdBy: ["set up by", "set up"],
  hasTheme: ["works on", "worked on by"],
  coMentioned: ["mentioned with", "mentioned with"],
  comention: ["mentioned with", "mentioned with"],
  mentions: ["mentions", "mentioned by"],
};

/** A readable label for a predicate read forwards (out) or backwards (in). */
export function predicateLabel(predicate, direction = "out") {
  const p = predicateOf(predicate);
  const key = Object.keys(PREDICATES).find((k) => k.toLowerCase() === p.toLowerCase());
  if (key) return PREDICATES[key][direction === "in" ? 1 : 0];
  if (isWeakPredicate(p)) return "mentioned with";
  const words = p
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return direction === "in" ? `${words} (inverse)` : words;
}

export function isWeakPredicate(p) {
  return /co-?mention|mentioned[_ ]?with|comention/i.test(predicateOf(p) || "");
}

/** "in" or "out" from the many ways a direction can be spelt. */
export function directionOf(value) {
  const d = String(value || "").toLowerCase();
  if (["in", "incoming", "inbound", "backward", "backwards", "reverse", "inverse", "<-"].includes(d))
    return "in";
  return "out";
}

/** Identifiers as [name, value] pairs, from an object or a list. */
export function identifiersOf(card) {
  const raw = card.identifiers;
  const pairs = [];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (!item) continue;
      if (typeof item === "string") pairs.push(["identifier", item]);
      else pairs.push([item.scheme || item.name || item.type || "identifier", item.value || item.uri || item.id]);
    }
  } else if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw)) {
      if (v === null || v === undefined || v === "") continue;
      if (Array.isArray(v)) v.forEach((x) => pairs.push([k, x]));
      else pairs.push([k, v]);
    }
  }
  return pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [k, String(v)]);
}
