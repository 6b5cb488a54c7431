"""Named, read-only, time-limited queries over the graph: leads, entity cards, relations, names.

Every SPARQL text of the graph's questions lives here; the service calls these functions and the
routes and commands call the service. Entities are named by their refs ("council/ken"); labels
come from an in-memory `EntityIndex` that is kept in step with the store graph by graph.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from graph.errors import Ambiguous, BadParameter, NotFound
from graph.model import (
    DocumentInfo,
    EntityCard,
    EntityMatch,
    EntityRef,
    Evidence,
    MentioningDocument,
    PassageInfo,
    Predicate,
    Relation,
)
from graph.store import DEFAULT_TIMEOUT_S, Store
from graph.vocab import ID, PREFIXES, STATGEO, iri, iri_ref, ref_iri

ENTITY_KINDS = ("council", "body", "person", "programme", "theme")

# The RDF predicate that states each relation. holdsPost and memberOf share org:memberOf;
# a claim with a cg:role is a post held, one without is a plain membership.
PREDICATE_IRIS: dict[str, str] = {
    Predicate.LEADS.value: f"{PREFIXES['cg']}leads",
    Predicate.PARTICIPATES_IN.value: f"{PREFIXES['cg']}participatesIn",
    Predicate.RATED.value: f"{PREFIXES['cg']}rated",
    Predicate.HEAD_OF.value: f"{PREFIXES['org']}headOf",
    Predicate.HOLDS_POST.value: f"{PREFIXES['org']}memberOf",
    Predicate.MEMBER_OF.value: f"{PREFIXES['org']}memberOf",
    Predicate.SUB_ORGANIZATION_OF.value: f"{PREFIXES['org']}subOrganizationOf",
    Predicate.CREATED_BY.value: f"{PREFIXES['dcterms']}creator",
    Predicate.HAS_THEME.value: f"{PREFIXES['dcterms']}subject",
}
_IRI_NAMES = {iri: name for name, iri in PREDICATE_IRIS.items() if name != "holdsPost"}
_MEMBER_OF = PREDICATE_IRIS["memberOf"]
_RATED = PREDICATE_IRIS["rated"]

# A fact as the path projection keeps it: (subject ref, predicate, object ref, role or rating).
FactKey = tuple[str, str, str, str | None]

_SYNC_TIMEOUT_S = 600.0
_STOPWORDS = frozenset({"of", "and", "the", "for", "in", "on", "to", "at", "with", "a", "an"})


# -- names ------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """A name folded for matching: ASCII, lowercase, '&' as 'and', punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"['`]", "", text.replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def acronym(text: str) -> str | None:
    """The initials of a name of two or more significant words ("Local Government Association"
    -> "lga"), or None."""
    words = [w for w in normalise(text).split() if w not in _STOPWORDS]
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words)


@dataclass(slots=True)
class EntityInfo:
    """An entity as the name index holds it."""

    ref: str
    kind: str
    label: str
    aliases: tuple[str, ...] = ()
    gss: str | None = None

    def as_ref(self) -> EntityRef:
        """The plain reference other answers carry."""
        return EntityRef(self.ref, self.label, self.kind, self.gss)


@dataclass(slots=True)
class _Definition:
    label: str
    aliases: set[str] = field(default_factory=set)
    gss: str | None = None


def named_graphs(store: Store) -> set[str]:
    """The names of every named graph in the store."""
    graphs = getattr(store, "graphs", None)
    if callable(graphs):
        return set(graphs())
    rows = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    return {g for (g,) in rows.rows}


def _per_graph(
    store: Store, variables: str, pattern: str, graphs: set[str], *, everything: bool
) -> Iterator[tuple[Any, ...]]:
    """Rows (graph, *variables) of `pattern` matched inside each of `graphs`: one query over
    every named graph when `everything`, else one per graph (a constant GRAPH is a look-up,
    a VALUES list of graphs is not)."""
    if everything:
        query = f"SELECT ?g {variables} WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        yield from store.select(query, timeout_s=_SYNC_TIMEOUT_S).rows
        return
    for graph in sorted(graphs):
        query = f"SELECT {variables} WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}"
        for row in store.select(query, timeout_s=_SYNC_TIMEOUT_S).rows:
            yield (graph, *row)


class EntityIndex:
    """Every entity's label, aliases and GSS code, held in memory for look-ups by name.

    Built from the store once and then updated graph by graph: `sync` reads only the named
    graphs that appeared since the last sync and forgets those that went away.
    """

    def __init__(self) -> None:
        self.graphs: set[str] = set()
        self._definitions: dict[str, dict[str, _Definition]] = {}  # ref -> graph -> definition
        self._graph_refs: dict[str, set[str]] = {}
        self.entities: dict[str, EntityInfo] = {}
        self._exact: dict[str, dict[str, bool]] = {}  # name -> {ref: is its label}
        self._acronyms: dict[str, set[str]] = {}
        self._choices: dict[str | None, tuple[list[str], list[list[tuple[str, str]]]]] = {}
        self._roles: dict[str, str] = {}  # post IRI -> its label, filled as posts are asked for
        self._touched: set[str] = set()  # refs whose definitions changed since the last rebuild

    def __len__(self) -> int:
        return len(self.entities)

    def sync(self, store: Store) -> bool:
        """Read graphs that are new in the store and drop those that are gone; True if any."""
        current = named_graphs(store)
        removed, added = self.graphs - current, current - self.graphs
        if not removed and not added and not self._touched:
            return False
        self._drop(removed)
        everything = not self.graphs
        for graph, ref, definition in _entity_rows(store, added, everything=everything):
            self._definitions.setdefault(ref, {})[graph] = definition
            self._graph_refs.setdefault(graph, set()).add(ref)
            self._touched.add(ref)
        self.graphs |= added
        self._rebuild(self._touched)
        self._touched = set()
        return True

    def forget(self, graphs: set[str]) -> None:
        """Forget what these graphs said, so that the next sync reads them again."""
        self._drop(graphs & self.graphs)

    def _drop(self, graphs: set[str]) -> None:
        for graph in graphs:
            for ref in self._graph_refs.pop(graph, ()):
                self._definitions.get(ref, {}).pop(graph, None)
                self._touched.add(ref)
        self.graphs -= graphs

    def _rebuild(self, touched: set[str]) -> None:
        # readers keep the old tables until the new ones are complete
        entities = dict(self.entities)
        for ref in touched:
            self._merge(ref, entities)
        self.entities = entities
        self._build_names()
        self._roles = {}

    def _merge(self, ref: str, entities: dict[str, EntityInfo]) -> None:
        definitions = self._definitions.get(ref)
        if not definitions:
            self._definitions.pop(ref, None)
            entities.pop(ref, None)
            return
        labels = Counter(d.label for d in definitions.values())
        label = min(labels, key=lambda name: (-labels[name], name))
        aliases = set().union(*(d.aliases for d in definitions.values()))
        aliases |= set(labels) - {label}
        gss = next((d.gss for d in definitions.values() if d.gss), None)
        kind = ref.split("/", 1)[0]
        entities[ref] = EntityInfo(ref, kind, label, tuple(sorted(aliases - {label})), gss)

    def _build_names(self) -> None:
        exact: dict[str, dict[str, bool]] = {}
        acronyms: dict[str, set[str]] = {}
        per_kind: dict[str | None, dict[str, list[tuple[str, str]]]] = {None: {}}
        for info in self.entities.values():
            names = [(info.label, True), *((alias, False) for alias in info.aliases)]
            for name, is_label in names:
                key = normalise(name)
                if not key:
                    continue
                owners = exact.setdefault(key, {})
                owners[info.ref] = owners.get(info.ref, False) or is_label
                for kind in (None, info.kind):
                    per_kind.setdefault(kind, {}).setdefault(key, []).append((info.ref, name))
            if info.kind in ("body", "programme", "council"):
                initials = acronym(info.label)
                if initials and len(initials) >= 2:
                    acronyms.setdefault(initials, set()).add(info.ref)
                    for kind in (None, info.kind):
                        owners_list = per_kind.setdefault(kind, {}).setdefault(initials, [])
                        owners_list.append((info.ref, initials.upper()))
        self._exact, self._acronyms = exact, acronyms
        self._choices = {kind: (list(d), list(d.values())) for kind, d in per_kind.items()}

    def role_labels(self, store: Store, roles: set[str]) -> dict[str, str]:
        """The labels of posts (org:Role IRIs), read once and then kept."""
        known = self._roles
        missing = sorted(r for r in roles if r not in known)
        if missing:
            values = " ".join(f"<{r}>" for r in missing)
            rows = store.select(
                f"""SELECT DISTINCT ?r ?label WHERE {{ VALUES ?r {{ {values} }}
                     ?r skos:prefLabel ?label }}"""
            )
            known.update({r: str(label) for r, label in rows.rows})
        return {r: known[r] for r in roles if r in known}

    # -- look-ups -----------------------------------------------------------------------------

    def get(self, ref: str) -> EntityInfo | None:
        """The entity with this ref, or None."""
        return self.entities.get(ref)

    def entity_ref(self, ref: str) -> EntityRef:
        """An EntityRef for a ref, labelled from the index (the key when it has no label)."""
        info = self.entities.get(ref)
        if info is not None:
            return info.as_ref()
        kind, _, key = ref.partition("/")
        return EntityRef(ref, key, kind, None)

    def resolve(self, name: str) -> EntityRef:
        """The one entity a key ("council/ken"), IRI, label or alias names.

        Raises Ambiguous (409) with the candidates when a label names several entities, and
        NotFound (404) with the nearest names when none.
        """
        text = name.strip()
        if not text:
            raise BadParameter("the entity name is empty; give a key, an IRI or a label")
        if text.startswith(ID):
            ref = text[len(ID) :]
            if ref in self.entities:
                return self.entities[ref].as_ref()
            raise NotFound(f"no entity {text}", nearest=[])
        if text.partition("/")[0] in ENTITY_KINDS and text in self.entities:
            return self.entities[text].as_ref()
        key = normalise(text)
        owners = self._exact.get(key, {})
        if not owners and key in self._acronyms:
            owners = dict.fromkeys(self._acronyms[key], False)
        if len(owners) == 1:
            return self.entities[next(iter(owners))].as_ref()
        if owners:
            by_label = [ref for ref, is_label in owners.items() if is_label]
            if len(by_label) == 1:
                return self.entities[by_label[0]].as_ref()
            candidates = sorted(
                (self.entities[ref] for ref in owners), key=lambda e: (e.label, e.ref)
            )
            raise Ambiguous(
                f"{text!r} names {len(candidates)} entities; use one of their ids",
                candidates=[_candidate(e) for e in candidates],
            )
        nearest = [m.entity for m in self.find(text, limit=5)]
        hint = f"; nearest: {', '.join(e.label for e in nearest)}" if nearest else ""
        raise NotFound(
            f"no entity named {text!r}{hint}",
            nearest=[{"id": e.ref, "label": e.label, "type": e.kind} for e in nearest],
        )

    def named_in(self, text: str, *, longest: int = 8) -> set[str]:
        """Refs of the entities a text names by label or alias: its longest runs of words
        that are a name, left to right, none inside another."""
        words = normalise(text).split()
        found: set[str] = set()
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                name = " ".join(words[i : i + n])
                if len(name) < 3 or (n == 1 and name in _STOPWORDS):
                    continue
                refs = self._exact.get(name)
                if refs:
                    found |= set(refs)
                    i += n
                    break
            else:
                i += 1
        return found

    def find(self, query: str, *, kind: str | None = None, limit: int = 10) -> list[EntityMatch]:
        """Entities whose label or alias matches `query`, fuzzily (typos allowed), best first."""
        if kind is not None and kind not in ENTITY_KINDS:
            raise BadParameter(f"unknown entity type {kind!r}; choose {', '.join(ENTITY_KINDS)}")
        key = normalise(query)
        if not key:
            return []
        names, owners = self._choices.get(kind, ([], []))
        best: dict[str, tuple[float, str]] = {}
        hits = process.extract(
            key, names, scorer=fuzz.WRatio, limit=max(limit * 5, 25), score_cutoff=60
        )
        for name, score, position in hits:
            if name == key:
                score = 100.0
            elif name.startswith(key + " ") or f" {key} " in f" {name} ":
                score = max(score, 92.0)
            for ref, original in owners[position]:
                if score > best.get(ref, (-1.0, ""))[0]:
                    best[ref] = (float(score), original)
        ranked = sorted(
            best.items(),
            key=lambda item: (
                -item[1][0],
                item[1][1] != self.entities[item[0]].label,
                len(self.entities[item[0]].label),
                item[0],
            ),
        )
        out = []
        for ref, (score, matched) in ranked[:limit]:
            info = self.entities[ref]
            out.append(EntityMatch(info.as_ref(), info.aliases, round(score, 1), matched))
        return out

    def browse(self, *, kind: str | None = None, limit: int = 50) -> list[EntityMatch]:
        """Entities in label order, of one kind or all."""
        if kind is not None and kind not in ENTITY_KINDS:
            raise BadParameter(f"unknown entity type {kind!r}; choose {', '.join(ENTITY_KINDS)}")
        chosen = (e for e in self.entities.values() if kind is None or e.kind == kind)
        ordered = sorted(chosen, key=lambda e: (e.label.casefold(), e.ref))
        return [EntityMatch(e.as_ref(), e.aliases, 100.0, e.label) for e in ordered[:limit]]


def _candidate(info: EntityInfo) -> dict[str, str]:
    return {"id": info.ref, "label": info.label, "type": info.kind}


_PREF_LABEL = f"{PREFIXES['skos']}prefLabel"
_ALT_LABEL = f"{PREFIXES['skos']}altLabel"


def _entity_rows(
    store: Store, graphs: set[str], *, everything: bool
) -> Iterator[tuple[str, str, _Definition]]:
    """(graph, ref, definition) for every labelled entity in `graphs`."""
    rows = _per_graph(
        store,
        "?e ?p ?v",
        "VALUES ?p { skos:prefLabel skos:altLabel cg:gssCode } ?e ?p ?v",
        graphs,
        everything=everything,
    )
    found: dict[tuple[str, str], list[Any]] = {}  # (graph, ref) -> [label, aliases, gss]
    for graph, entity, predicate, value in rows:
        ref = _entity_ref(entity)
        if ref is None:
            continue
        entry = found.get((graph, ref))
        if entry is None:
            entry = found[(graph, ref)] = [None, set(), None]
        if predicate == _PREF_LABEL:
            entry[0] = str(value)
        elif predicate == _ALT_LABEL:
            entry[1].add(str(value))
        else:
            entry[2] = str(value)
    for (graph, ref), (label, aliases, gss) in found.items():
        if label is not None:
            yield graph, ref, _Definition(label, aliases, gss)


@lru_cache(maxsize=1 << 18)
def _entity_ref(value: Any) -> str | None:
    """The ref of an entity IRI, or None for anything that is not a council, body, ... IRI."""
    if not isinstance(value, str):
        return None
    ref = iri_ref(value)
    if ref is None or ref.partition("/")[0] not in ENTITY_KINDS:
        return None
    return ref


# -- facts and their evidence -----------------------------------------------------------------

_CLAIMS = """SELECT ?c ?s ?pred ?o ?r ?value ?scheme ?passage ?doc ?quote ?start ?end WHERE {{
  {where}
  ?c rdf:subject ?s ; rdf:predicate ?pred ; rdf:object ?o ; prov:wasDerivedFrom ?p ;
     cg:quote ?quote ; cg:start ?start ; cg:end ?end .
  ?p dcterms:identifier ?passage ; dcterms:isPartOf ?d . ?d dcterms:identifier ?doc .
  OPTIONAL {{ ?c cg:role ?r }}
  OPTIONAL {{ ?o cg:ratingValue ?value }}
  OPTIONAL {{ ?o cg:ratingScheme ?scheme }}
}}"""
# (one-pattern OPTIONALs: Oxigraph answers those by look-up, wider ones by scanning)

# The facts themselves, stated by a claim or not (reference data such as org:subOrganizationOf).
_TRIPLES = """SELECT DISTINCT ?s ?pred ?o WHERE {{
  VALUES ?pred {{ {predicates} }} {where} ?s ?pred ?o }}"""
_UNCITED_PREDICATES = ("leads", "participatesIn", "headOf", "memberOf", "subOrganizationOf")
_HEAD_OF = PREDICATE_IRIS["headOf"]


def _values_of(predicates: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(f"<{PREDICATE_IRIS[p]}>" for p in predicates))


def _fact(pred: str, role: Any, value: Any, scheme: Any, obj: str) -> tuple[str, str, Any] | None:
    """(predicate name, object IRI, role or rating) of a claim row, or None if not a fact."""
    if pred == _MEMBER_OF:
        return ("holdsPost" if role else "memberOf"), obj, role or None
    name = _IRI_NAMES.get(pred)
    if name is None:
        return None
    if pred == _RATED:
        if not scheme:
            return None
        return name, scheme, value
    if name == "headOf":
        return name, obj, role or None
    return name, obj, None


@dataclass(slots=True)
class _Facts:
    """Facts found so far, with their evidence, and the triples that claims state."""

    evidence: dict[FactKey, list[Evidence]] = field(default_factory=dict)
    cited: set[tuple[str, str, str]] = field(default_factory=set)  # (s, predicate IRI, o)

    def is_cited(self, s: str, pred: str, o: str) -> bool:
        """True when a claim states the triple (a post's org:memberOf shortcut included)."""
        return (s, pred, o) in self.cited or (pred == _MEMBER_OF and (s, _HEAD_OF, o) in self.cited)


def _claims(
    store: Store,
    names: EntityIndex,
    where: str,
    facts: _Facts | None = None,
    *,
    limit: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> _Facts:
    """Facts stated by the claims that match `where` (at most `limit` claims), with evidence."""
    facts = facts if facts is not None else _Facts()
    query = _CLAIMS.format(where=where) + (f" LIMIT {int(limit)}" if limit else "")
    rows = store.select(query, timeout_s=timeout_s)
    roles = names.role_labels(store, {row[4] for row in rows.rows if row[4]})
    seen: set[str] = set()
    for c, s, pred, o, r, value, scheme, passage, doc, quote, start, end in rows.rows:
        if c in seen:
            continue
        seen.add(c)
        facts.cited.add((s, pred, o))
        fact = _fact(pred, roles.get(r) if r else None, value, scheme, o)
        if fact is None:
            continue
        name, obj, qualifier = fact
        subject_ref, object_ref = _entity_ref(s), _entity_ref(obj)
        if subject_ref is None or object_ref is None:
            continue
        key = (subject_ref, name, object_ref, qualifier)
        facts.evidence.setdefault(key, []).append(Evidence(passage, doc, quote, start, end))
    return facts


def _uncited(
    store: Store,
    facts: _Facts,
    where: str,
    *,
    predicates: Iterable[str] = _UNCITED_PREDICATES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> _Facts:
    """Add the facts in the graph that no claim states (they carry no evidence)."""
    query = _TRIPLES.format(predicates=_values_of(predicates), where=where)
    for s, pred, o in store.select(query, timeout_s=timeout_s).rows:
        subject_ref, object_ref = _entity_ref(s), _entity_ref(o)
        name = _IRI_NAMES.get(pred)
        if subject_ref and object_ref and name and not facts.is_cited(s, pred, o):
            facts.evidence.setdefault((subject_ref, name, object_ref, None), [])
    return facts


def _relations(names: EntityIndex, facts: _Facts) -> list[Relation]:
    """The facts as relations, ordered by subject, predicate and object."""
    out = []
    for (subject, name, obj, qualifier), evidence in facts.evidence.items():
        evidence.sort(key=lambda e: (e.document, e.start if e.start is not None else -1))
        out.append(
            Relation(
                subject=names.entity_ref(subject),
                predicate=name,
                object=names.entity_ref(obj),
                role=qualifier if name != "rated" else None,
                rating=qualifier if name == "rated" else None,
                evidence=tuple(evidence),
            )
        )
    return sorted(
        out,
        key=lambda r: (
            r.subject.label.casefold(),
            r.predicate,
            r.object.label.casefold(),
            r.role or r.rating or "",
        ),
    )


def _ratings_by(store: Store, scheme: str, *, timeout_s: float) -> list[str]:
    """The IRIs of the ratings a scheme gave."""
    rows = store.select(
        f"SELECT DISTINCT ?r WHERE {{ ?r cg:ratingScheme {_iri(scheme)} }}", timeout_s=timeout_s
    )
    return [r for (r,) in rows.rows]


def _iri(ref: str) -> str:
    return f"<{ref_iri(ref)}>"


def leads(
    store: Store, names: EntityIndex, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[Relation]:
    """Every council or body that leads a theme or programme, with the quotes that say so."""
    facts = _claims(store, names, "VALUES ?pred { cg:leads }", timeout_s=timeout_s)
    _uncited(store, facts, "", predicates=["leads"], timeout_s=timeout_s)
    return _relations(names, facts)


def relations(
    store: Store,
    names: EntityIndex,
    *,
    subject: str | None = None,
    predicate: str | None = None,
    object: str | None = None,
    limit: int = 100,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Relation]:
    """Facts with their evidence; subject and object are refs, predicate a Predicate value."""
    if predicate is not None and predicate not in PREDICATE_IRIS:
        raise BadParameter(
            f"unknown predicate {predicate!r}; choose {', '.join(sorted(PREDICATE_IRIS))}"
        )
    parts = []
    if subject:
        parts.append(f"VALUES ?s {{ {_iri(subject)} }}")
    if predicate:
        parts.append(f"VALUES ?pred {{ <{PREDICATE_IRIS[predicate]}> }}")
    facts = _Facts()
    if object is None:
        _claims(store, names, "\n".join(parts), facts, timeout_s=timeout_s)
    else:
        plain = [*parts, f"VALUES ?o {{ {_iri(object)} }}"]
        _claims(store, names, "\n".join(plain), facts, timeout_s=timeout_s)
        ratings = _ratings_by(store, object, timeout_s=timeout_s)
        if predicate in (None, "rated") and ratings:
            values = " ".join(f"<{r}>" for r in ratings)
            rated = [*parts, f"VALUES ?o {{ {values} }}"]
            _claims(store, names, "\n".join(rated), facts, timeout_s=timeout_s)
    uncited = [p for p in _UNCITED_PREDICATES if predicate in (None, p)]
    if uncited:
        bound = [f"VALUES ?s {{ {_iri(subject)} }}" if subject else ""]
        bound.append(f"VALUES ?o {{ {_iri(object)} }}" if object else "")
        _uncited(store, facts, " ".join(bound), predicates=uncited, timeout_s=timeout_s)
    found = _relations(names, facts)
    if predicate:
        found = [r for r in found if r.predicate == predicate]
    return found[:limit]


def entity_card(
    store: Store, names: EntityIndex, ref: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> EntityCard:
    """An entity's type, labels, aliases, identifiers, relations in and out, and documents."""
    entity = _iri(ref)
    props = store.select(f"SELECT DISTINCT ?p ?v WHERE {{ {entity} ?p ?v }}", timeout_s=timeout_s)
    if not props.rows and names.get(ref) is None:
        raise NotFound(f"no entity {ref!r}")
    values: dict[str, list[Any]] = {}
    for p, v in props.rows:
        values.setdefault(p, []).append(v)
    cg, skos, rdfs = PREFIXES["cg"], PREFIXES["skos"], PREFIXES["rdfs"]
    dcterms, rdf = PREFIXES["dcterms"], PREFIXES["rdf"]
    info = names.entity_ref(ref)
    labels = _unique([*values.get(f"{skos}prefLabel", []), *values.get(f"{rdfs}label", [])])
    labels = labels or [info.label]
    if info.label in labels:
        labels.remove(info.label)
        labels.insert(0, info.label)
    aliases = _unique(values.get(f"{skos}altLabel", []))
    identifiers = {"key": ref.partition("/")[2]}
    gss = next(iter(values.get(f"{cg}gssCode", [])), None)
    if gss:
        identifiers["gss"] = str(gss)
    spatial = [v for v in values.get(f"{dcterms}spatial", []) if str(v).startswith(STATGEO)]
    if spatial:
        identifiers["statistical_geography"] = str(spatial[0])
    elif gss:
        identifiers["statistical_geography"] = STATGEO + str(gss)
    types = sorted({_compact(str(t)) for t in values.get(f"{rdf}type", [])})
    outgoing = _claims(store, names, f"VALUES ?s {{ {entity} }}", timeout_s=timeout_s)
    _uncited(store, outgoing, f"VALUES ?s {{ {entity} }}", timeout_s=timeout_s)
    incoming = _claims(store, names, f"VALUES ?o {{ {entity} }}", timeout_s=timeout_s)
    ratings = _ratings_by(store, ref, timeout_s=timeout_s)
    if ratings:
        where = f"VALUES ?o {{ {' '.join(f'<{r}>' for r in ratings)} }}"
        _claims(store, names, where, incoming, timeout_s=timeout_s)
    _uncited(store, incoming, f"VALUES ?o {{ {entity} }}", timeout_s=timeout_s)
    documents = store.select(
        f"""SELECT ?doc ?title ?date (COUNT(DISTINCT ?p) AS ?n) WHERE {{
             ?p cg:mentions {entity} ; dcterms:isPartOf ?d . ?d dcterms:identifier ?doc ;
                dcterms:title ?title . OPTIONAL {{ ?d dcterms:date ?date }} }}
             GROUP BY ?doc ?title ?date ORDER BY DESC(?n) ?doc""",
        timeout_s=timeout_s,
    )
    return EntityCard(
        entity=info,
        labels=tuple(labels),
        aliases=tuple(a for a in aliases if a not in labels),
        types=tuple(types),
        identifiers=identifiers,
        outgoing=tuple(_relations(names, outgoing)),
        incoming=tuple(_relations(names, incoming)),
        documents=tuple(
            MentioningDocument(doc, title, str(date) if date else None, n)
            for doc, title, date, n in documents.rows
        ),
    )


def claim_evidence(
    store: Store, claims: Iterable[str], *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, Evidence]:
    """The evidence of each claim (by claim IRI): its quote, passage and document."""
    wanted = sorted(set(claims))
    if not wanted:
        return {}
    values = " ".join(f"<{c}>" for c in wanted)
    rows = store.select(
        f"""SELECT ?c ?passage ?doc ?quote ?start ?end WHERE {{ VALUES ?c {{ {values} }}
             ?c prov:wasDerivedFrom ?p ; cg:quote ?quote ; cg:start ?start ; cg:end ?end .
             ?p dcterms:identifier ?passage ; dcterms:isPartOf ?d .
             ?d dcterms:identifier ?doc }}""",
        timeout_s=timeout_s,
    )
    return {
        c: Evidence(passage, doc, quote, start, end)
        for c, passage, doc, quote, start, end in rows.rows
    }


def co_mention_evidence(
    store: Store,
    names: EntityIndex,
    first: str,
    second: str,
    *,
    limit: int = 3,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[Evidence, ...]:
    """Passages that name both entities, each quoted around the two names (`co_mentions`
    when the passages are known)."""
    rows = store.select(
        f"""SELECT DISTINCT ?passage ?doc ?text ?start WHERE {{
             ?p cg:mentions {_iri(first)}, {_iri(second)} ;
                dcterms:identifier ?passage ; dcterms:isPartOf ?d ; cg:text ?text ;
                cg:start ?start . ?d dcterms:identifier ?doc }}
             ORDER BY ?doc ?start LIMIT {int(limit)}""",
        timeout_s=timeout_s,
    )
    return tuple(_quoted(names, first, second, row) for row in rows.rows)


def co_mentions(
    store: Store,
    names: EntityIndex,
    pairs: Mapping[tuple[str, str], Iterable[str]],
    *,
    limit: int = 3,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict[tuple[str, str], tuple[Evidence, ...]]:
    """For each pair of entities, the first `limit` of the passages given for it (by IRI),
    each quoted around the two names: every pair's passages read in one query."""
    chosen = {pair: sorted(set(iris))[:limit] for pair, iris in pairs.items()}
    wanted = sorted({iri for iris in chosen.values() for iri in iris})
    read: dict[str, tuple[str, str, str, int]] = {}
    if wanted:
        rows = store.select(
            f"""SELECT ?p ?passage ?doc ?text ?start WHERE {{
                 VALUES ?p {{ {" ".join(f"<{iri}>" for iri in wanted)} }}
                 ?p dcterms:identifier ?passage ; dcterms:isPartOf ?d ; cg:text ?text ;
                    cg:start ?start . ?d dcterms:identifier ?doc }}""",
            timeout_s=timeout_s,
        )
        read = {iri: (passage, doc, text, start) for iri, passage, doc, text, start in rows.rows}
    out = {}
    for (first, second), iris in chosen.items():
        found = sorted((read[iri] for iri in iris if iri in read), key=lambda r: (r[1], r[3]))
        out[(first, second)] = tuple(_quoted(names, first, second, row) for row in found)
    return out


def _quoted(
    names: EntityIndex, first: str, second: str, row: tuple[str, str, str, int]
) -> Evidence:
    passage, doc, text, start = row
    begin, end = _window(text, _names_of(names, first), _names_of(names, second))
    return Evidence(passage, doc, text[begin:end], start + begin, start + end)


def mention_evidence(
    store: Store,
    names: EntityIndex,
    ref: str,
    *,
    limit: int = 3,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[Evidence, ...]:
    """Passages that name one entity, each quoted around its name."""
    return co_mention_evidence(store, names, ref, ref, limit=limit, timeout_s=timeout_s)


def _names_of(names: EntityIndex, ref: str) -> list[str]:
    info = names.get(ref)
    if info is None:
        return [ref.partition("/")[2].replace("-", " ")]
    return [info.label, *info.aliases]


def _window(
    text: str, first: list[str], second: list[str], width: int = 320, widest: int = 640
) -> tuple[int, int]:
    """The span of `text` that quotes the closest mentions of both names (if within `widest`
    characters of each other), padded to about `width`, on word boundaries."""
    lowered = text.casefold()

    def occurrences(names: list[str]) -> list[tuple[int, int]]:
        found = []
        for name in names:
            if name.strip():
                pattern = re.compile(rf"(?<!\w){re.escape(name.casefold())}(?!\w)")
                found += [(m.start(), m.end()) for m in pattern.finditer(lowered)]
        return sorted(found)

    a, b = occurrences(first), occurrences(second)
    if a and b:
        begin, end = min(
            ((min(x[0], y[0]), max(x[1], y[1])) for x in a for y in b),
            key=lambda span: span[1] - span[0],
        )
        if end - begin > widest:
            begin, end = a[0]
    elif a or b:
        begin, end = (a or b)[0]
    else:
        return 0, min(len(text), width)
    pad = max(0, (width - (end - begin)) // 2)
    begin, end = max(0, begin - pad), min(len(text), end + pad)
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return begin, end


# -- documents and passages ------------------------------------------------------------------


def known_documents(
    store: Store, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, tuple[str, str | None]]:
    """Every document's key with its source and content hash (None for a store made before
    documents carried one)."""
    rows = store.select(
        """SELECT ?key ?source ?digest WHERE { ?d a foaf:Document ; dcterms:identifier ?key ;
             dcterms:source ?source . OPTIONAL { ?d cg:contentHash ?digest } }""",
        timeout_s=timeout_s,
    )
    return {key: (source, digest) for key, source, digest in rows.rows}


def documents(
    store: Store, keys: Iterable[str] | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[DocumentInfo]:
    """Every document (or these, by key) with its source, title, date and number of
    passages, in key order."""
    where = ""
    if keys is not None:
        where = f"VALUES ?d {{ {' '.join(_document(k) for k in sorted(set(keys)))} }}"
    docs = store.select(
        f"""SELECT ?key ?source ?title ?date WHERE {{ {where}
             ?d a foaf:Document ; dcterms:identifier ?key ; dcterms:source ?source ;
                dcterms:title ?title . OPTIONAL {{ ?d dcterms:date ?date }} }}""",
        timeout_s=timeout_s,
    )
    counts = store.select(
        f"""SELECT ?key (COUNT(?p) AS ?n) WHERE {{ {where}
             ?p a cg:Passage ; dcterms:isPartOf ?d . ?d dcterms:identifier ?key }} GROUP BY ?key""",
        timeout_s=timeout_s,
    )
    sizes = dict(counts.rows)
    found = {
        key: DocumentInfo(key, source, title, str(date) if date else None, sizes.get(key, 0))
        for key, source, title, date in docs.rows
    }
    return [found[key] for key in sorted(found)]


def document_exists(store: Store, key: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
    """Whether the store holds a document with this key."""
    try:
        _document(key)
    except NotFound:
        return False
    return store.ask(
        f"ASK {{ {_document(key)} a foaf:Document }}",
        timeout_s=timeout_s,
    )


def document_passages(
    store: Store, key: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[PassageInfo]:
    """A document's passages, in the order of the text."""
    rows = store.select(
        f"""SELECT ?key ?start ?end ?text ?heading WHERE {{
             ?p dcterms:isPartOf {_document(key)} ; a cg:Passage ; dcterms:identifier ?key ;
                cg:start ?start ; cg:end ?end ; cg:text ?text .
             OPTIONAL {{ ?p cg:heading ?heading }} }}""",
        timeout_s=timeout_s,
    )
    found = [
        PassageInfo(p, key, start, end, text, heading) for p, start, end, text, heading in rows.rows
    ]
    return sorted(found, key=lambda p: (p.start, p.key))


def passages(
    store: Store, keys: Iterable[str], *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, tuple[PassageInfo, DocumentInfo]]:
    """These passages (by key), each with its document (whose passage count is not read: 0),
    read from the store when asked for, so that no process holds every text."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    # the OPTIONALs last: one between the passage's patterns and its document's made Oxigraph
    # read every document and join them after (15 ms for 15 passages of 35 documents, and
    # growing with the store), where the document is a look-up from the passage (2 ms)
    rows = store.select(
        f"""SELECT ?key ?doc ?start ?end ?text ?heading ?source ?title ?date WHERE {{
             VALUES ?p {{ {" ".join(_passage(k) for k in wanted)} }}
             ?p dcterms:identifier ?key ; dcterms:isPartOf ?d ; cg:start ?start ; cg:end ?end ;
                cg:text ?text .
             ?d dcterms:identifier ?doc ; dcterms:source ?source ; dcterms:title ?title .
             OPTIONAL {{ ?p cg:heading ?heading }}
             OPTIONAL {{ ?d dcterms:date ?date }} }}""",
        timeout_s=timeout_s,
    )
    return {
        key: (
            PassageInfo(key, doc, start, end, text, heading),
            DocumentInfo(doc, source, title, str(date) if date else None, 0),
        )
        for key, doc, start, end, text, heading, source, title, date in rows.rows
    }


def mentions(
    store: Store, keys: Iterable[str], *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, frozenset[str]]:
    """The refs of the entities each of these passages mentions (passages that mention none
    are left out)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found: dict[str, set[str]] = {}
    for chunk in _chunks(wanted):
        rows = store.select(
            f"""SELECT ?key ?e WHERE {{ VALUES ?p {{ {" ".join(_passage(k) for k in chunk)} }}
                 ?p cg:mentions ?e ; dcterms:identifier ?key }}""",
            timeout_s=timeout_s,
        )
        for key, entity in rows.rows:
            ref = iri_ref(entity)
            if ref:
                found.setdefault(key, set()).add(ref)
    return {key: frozenset(refs) for key, refs in found.items()}


def naming(
    store: Store,
    refs: Iterable[str],
    *,
    documents: set[str] | None = None,
    kind: str | None = None,
    passages: Iterable[str] | None = None,
    limit: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[tuple[str, int]]:
    """Passages that mention any of these entities (among `passages`, in `documents`, and
    mentioning an entity of `kind`, when given), with how many of them each mentions: those
    naming the most first, then by key; the first `limit` of them."""
    wanted = sorted(set(refs))
    if not wanted:
        return []
    where = ""
    if passages is not None:
        among = sorted(set(passages))
        if not among:
            return []
        # the entities' mentions in these passages only, not every mention of the passages
        where += f"VALUES ?p {{ {' '.join(_passage(k) for k in among)} }} "
    if documents is not None:
        if not documents:
            return []
        where += (
            f"VALUES ?d {{ {' '.join(_document(d) for d in sorted(documents))} }} "
            "?p dcterms:isPartOf ?d . "
        )
    if kind is not None:
        where += (
            f'FILTER EXISTS {{ ?p cg:mentions ?any FILTER(STRSTARTS(STR(?any), "{ID}{kind}/")) }}'
        )
    rows = store.select(
        f"""SELECT ?key (COUNT(DISTINCT ?e) AS ?n) WHERE {{
             VALUES ?e {{ {" ".join(_iri(r) for r in wanted)} }}
             ?p cg:mentions ?e ; dcterms:identifier ?key . {where} }}
             GROUP BY ?key ORDER BY DESC(?n) ?key{f" LIMIT {int(limit)}" if limit else ""}""",
        timeout_s=timeout_s,
    )
    return [(key, n) for key, n in rows.rows]


def mentioning_kind(
    store: Store, keys: Iterable[str], kind: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> set[str]:
    """Those of these passages that mention an entity of a kind."""
    prefix = f"{kind}/"
    return {
        key
        for key, refs in mentions(store, keys, timeout_s=timeout_s).items()
        if any(r.startswith(prefix) for r in refs)
    }


# Characters no IRI may hold: a key with one names nothing, and must not end the IRI written
# into a query.
_NOT_IN_IRI = re.compile(r'[\s<>"{}|^`\\]')


def _checked_iri(kind: str, key: str) -> str | None:
    """The IRI of a document or passage written for a query, or None when no IRI can hold
    the key (a control character, a space, '>'...)."""
    if not key or "/" in key or _NOT_IN_IRI.search(key):
        return None
    value = str(iri(kind, key))
    try:
        ox.NamedNode(value)  # pyoxigraph checks the IRI's syntax
    except ValueError:
        return None
    return f"<{value}>"


def _document(key: str) -> str:
    found = _checked_iri("document", key)
    if found is None:
        raise NotFound(f"no document {key!r}; GET /documents lists them")
    return found


def _passage(key: str) -> str:
    found = _checked_iri("passage", key)
    if found is None:
        raise NotFound(f"no passage {key!r}")
    return found


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- rows for the path projection --------------------------------------------------------------


def fact_rows(
    store: Store, graphs: set[str], *, everything: bool
) -> Iterator[tuple[str, FactKey, str | None]]:
    """(graph, fact, claim IRI) for every claim in `graphs` that states a fact, and
    (graph, fact, None) for every fact there that no claim states."""
    rows = _per_graph(
        store,
        "?c ?s ?pred ?o ?role ?value ?scheme",
        """?c rdf:predicate ?pred ; rdf:subject ?s ; rdf:object ?o .
           OPTIONAL { ?c cg:role ?r . ?r skos:prefLabel ?role }
           OPTIONAL { ?o cg:ratingValue ?value ; cg:ratingScheme ?scheme }""",
        graphs,
        everything=everything,
    )
    cited: dict[str, _Facts] = {}
    for graph, c, s, pred, o, role, value, scheme in rows:
        cited.setdefault(graph, _Facts()).cited.add((s, pred, o))
        fact = _fact(pred, role, value, scheme, o)
        if fact is None:
            continue
        subject, obj = _entity_ref(s), _entity_ref(fact[1])
        if subject and obj:
            yield graph, (subject, fact[0], obj, fact[2]), c
    triples = _per_graph(
        store,
        "?s ?pred ?o",
        f"VALUES ?pred {{ {_values_of(_UNCITED_PREDICATES)} }} ?s ?pred ?o",
        graphs,
        everything=everything,
    )
    none = _Facts()
    for graph, s, pred, o in triples:
        if cited.get(graph, none).is_cited(s, pred, o):
            continue
        subject, obj, name = _entity_ref(s), _entity_ref(o), _IRI_NAMES.get(pred)
        if subject and obj and name:
            yield graph, (subject, name, obj, None), None


def mention_rows(
    store: Store, graphs: set[str], *, everything: bool
) -> Iterator[tuple[str, str, list[str]]]:
    """(graph, passage IRI, entity refs it mentions) for every passage in `graphs`."""
    passages: dict[tuple[str, str], list[str]] = {}
    for graph, passage, entity in _per_graph(
        store, "?p ?e", "?p cg:mentions ?e", graphs, everything=everything
    ):
        ref = _entity_ref(entity)
        if ref:
            passages.setdefault((graph, passage), []).append(ref)
    for (graph, passage), refs in passages.items():
        yield graph, passage, refs


def _unique(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return iri
