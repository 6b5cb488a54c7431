"""Score what a store holds against a gold file of entities and relations.

The gold format is described in ``tests/gold/README.md``. Everything extracted is read back
from the store with SPARQL, so the score covers extraction, resolution and graph building:

* entities: per document, each gold entity the document names is found when an entity of the
  same kind mentioned in (or stated by a claim of) that document has the gold label or an
  alias among its labels and aliases (after name normalisation), or for councils the same GSS
  code. Precision is the share of (document, entity) pairs extracted that match a gold entity
  listed for that document.
* relations: a gold relation is found *strictly* when a claim of its document has the same
  predicate and a subject and object that match the gold ones; *with evidence* when the
  claim's quote also overlaps the gold quote (both compared with whitespace collapsed).
  Precision is the share of distinct (document, subject, predicate, object) facts extracted
  that strictly match a gold relation.

Only the documents the gold file lists are scored; stored documents are matched to them by
the file name of their ``dcterms:source``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from graph.store import Store
from ingest.gazetteer import normalise_name

PREDICATES = (
    "headOf",
    "holdsPost",
    "leads",
    "participatesIn",
    "rated",
    "memberOf",
    "subOrganizationOf",
    "createdBy",
    "hasTheme",
)
KINDS = ("council", "body", "person", "programme", "theme")
# Groups of predicates the targets are set for.
GROUPS = {
    "roles": ("headOf", "holdsPost"),
    "leads": ("leads",),
    "named lists": ("rated", "participatesIn"),
    "programme facts": ("createdBy", "hasTheme"),
}
_WS = re.compile(r"\s+")
_TYPE_KIND = [
    ("https://w3id.org/civicgraph/ns#Council", "council"),
    ("http://xmlns.com/foaf/0.1/Person", "person"),
    ("https://w3id.org/civicgraph/ns#Programme", "programme"),
    ("http://www.w3.org/2004/02/skos/core#Concept", "theme"),
    ("http://www.w3.org/ns/org#FormalOrganization", "body"),
    ("http://www.w3.org/ns/org#OrganizationalUnit", "body"),
]
_PREDICATE_NAMES = {
    "https://w3id.org/civicgraph/ns#leads": "leads",
    "https://w3id.org/civicgraph/ns#participatesIn": "participatesIn",
    "https://w3id.org/civicgraph/ns#rated": "rated",
    "http://www.w3.org/ns/org#headOf": "headOf",
    "http://www.w3.org/ns/org#memberOf": "memberOf",
    "http://www.w3.org/ns/org#subOrganizationOf": "subOrganizationOf",
    "http://purl.org/dc/terms/creator": "createdBy",
    "http://purl.org/dc/terms/subject": "hasTheme",
}


class GoldError(ValueError):
    """A gold file that does not have the documented shape."""


@dataclass(slots=True)
class Score:
    """Counts and ratios for one entity kind or one predicate."""

    gold: int = 0
    found: int = 0  # gold items matched (strictly, for relations)
    found_with_evidence: int = 0
    extracted: int = 0
    correct: int = 0  # extracted items that match gold

    @property
    def recall(self) -> float | None:
        """Share of gold items found; None when there are none."""
        return self.found / self.gold if self.gold else None

    @property
    def recall_with_evidence(self) -> float | None:
        """Share of gold relations found with an overlapping quote."""
        return self.found_with_evidence / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        """Share of extracted items that match gold; None when nothing was extracted."""
        return self.correct / self.extracted if self.extracted else None

    def add(self, other: Score) -> None:
        """Add another score's counts to this one."""
        self.gold += other.gold
        self.found += other.found
        self.found_with_evidence += other.found_with_evidence
        self.extracted += other.extracted
        self.correct += other.correct


@dataclass(slots=True)
class EvalReport:
    """Entity and relation scores of one store against one gold file."""

    corpus: str
    documents: list[str]
    missing_documents: list[str]
    entities: dict[str, Score]
    relations: dict[str, Score]
    missed_entities: list[dict[str, str]] = field(default_factory=list)
    extra_entities: list[dict[str, str]] = field(default_factory=list)
    missed_relations: list[dict[str, str]] = field(default_factory=list)
    extra_relations: list[dict[str, str]] = field(default_factory=list)

    @property
    def groups(self) -> dict[str, Score]:
        """Relation scores summed over the groups the targets are set for."""
        out = {}
        for name, predicates in GROUPS.items():
            total = Score()
            for predicate in predicates:
                total.add(self.relations.get(predicate, Score()))
            out[name] = total
        return out

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""

        def ratio(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        def entity(score: Score) -> dict[str, Any]:
            return {
                "gold": score.gold,
                "found": score.found,
                "extracted": score.extracted,
                "correct": score.correct,
                "recall": ratio(score.recall),
                "precision": ratio(score.precision),
            }

        def relation(score: Score) -> dict[str, Any]:
            return {
                **entity(score),
                "found_with_evidence": score.found_with_evidence,
                "recall_with_evidence": ratio(score.recall_with_evidence),
            }

        return {
            "corpus": self.corpus,
            "documents": self.documents,
            "missing_documents": self.missing_documents,
            "entities": {k: entity(v) for k, v in self.entities.items()},
            "relations": {k: relation(v) for k, v in self.relations.items()},
            "groups": {k: relation(v) for k, v in self.groups.items()},
            "missed_entities": self.missed_entities,
            "extra_entities": self.extra_entities,
            "missed_relations": self.missed_relations,
            "extra_relations": self.extra_relations,
        }

    def render_text(self) -> str:
        """The report as text tables."""

        def pct(value: float | None) -> str:
            return "   -" if value is None else f"{value:4.2f}"

        lines = [f"corpus {self.corpus}: {len(self.documents)} documents"]
        if self.missing_documents:
            lines.append(f"not in the store: {', '.join(self.missing_documents)}")
        lines.append("")
        lines.append(
            f"{'entities':<20}{'gold':>6}{'found':>7}{'recall':>8}{'extracted':>11}{'precision':>11}"
        )
        for kind, s in self.entities.items():
            lines.append(
                f"{kind:<20}{s.gold:>6}{s.found:>7}{pct(s.recall):>8}{s.extracted:>11}{pct(s.precision):>11}"
            )
        lines.append("")
        lines.append(
            f"{'relations':<20}{'gold':>6}{'strict':>8}{'evidence':>10}{'extracted':>11}{'precision':>11}"
        )
        for name, s in [*self.relations.items(), *((f"[{k}]", v) for k, v in self.groups.items())]:
            lines.append(
                f"{name:<20}{s.gold:>6}{pct(s.recall):>8}{pct(s.recall_with_evidence):>10}"
                f"{s.extracted:>11}{pct(s.precision):>11}"
            )
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading the store


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _names(values: list[str]) -> set[str]:
    return {n for n in (normalise_name(v) for v in values if v) if n}


@dataclass(slots=True)
class _Stored:
    kind: str
    names: set[str]
    gss: str | None


def _read_documents(store: Store) -> dict[str, str]:
    rows = store.select(
        """SELECT ?key ?source WHERE { ?d a foaf:Document ; dcterms:identifier ?key ;
             dcterms:source ?source }""",
        timeout_s=120,
    )
    return {str(key): str(source) for key, source in rows.rows}


def _read_entities(store: Store) -> dict[str, _Stored]:
    types = store.select(
        """SELECT DISTINCT ?e ?t WHERE { ?e a ?t .
             FILTER(?t IN (cg:Council, foaf:Person, cg:Programme, skos:Concept,
                           org:FormalOrganization, org:OrganizationalUnit)) }""",
        timeout_s=120,
    )
    kinds: dict[str, set[str]] = defaultdict(set)
    for e, t in types.rows:
        kinds[e].add(t)
    labels = store.select(
        """SELECT DISTINCT ?e ?l WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel|foaf:name ?l .
             ?e a ?t . FILTER(?t IN (cg:Council, foaf:Person, cg:Programme, skos:Concept,
                                     org:FormalOrganization)) }""",
        timeout_s=120,
    )
    names: dict[str, list[str]] = defaultdict(list)
    for e, label in labels.rows:
        names[e].append(str(label))
    gss = dict(store.select("SELECT ?e ?g WHERE { ?e cg:gssCode ?g }", timeout_s=120).rows)
    out = {}
    for e, type_set in kinds.items():
        kind = next((k for t, k in _TYPE_KIND if t in type_set), None)
        if kind:
            out[e] = _Stored(kind, _names(names.get(e, [])), gss.get(e))
    return out


def _read_mentions(store: Store) -> dict[str, set[str]]:
    rows = store.select(
        """SELECT DISTINCT ?key ?e WHERE { ?p a cg:Passage ; dcterms:isPartOf ?d ; cg:mentions ?e .
             ?d dcterms:identifier ?key }""",
        timeout_s=120,
    )
    out: dict[str, set[str]] = defaultdict(set)
    for key, e in rows.rows:
        out[str(key)].add(e)
    return out


@dataclass(slots=True)
class _Claim:
    document: str
    subject: str
    predicate: str
    object: str
    quote: str
    start: int
    end: int


def _read_claims(store: Store) -> list[_Claim]:
    rows = store.select(
        """SELECT ?key ?s ?pred ?o ?scheme ?role ?quote ?start ?end WHERE {
             ?c a cg:Claim ; rdf:subject ?s ; rdf:predicate ?pred ; rdf:object ?o ;
                prov:wasDerivedFrom ?p ; cg:quote ?quote ; cg:start ?start ; cg:end ?end .
             ?p dcterms:isPartOf ?d . ?d dcterms:identifier ?key .
             OPTIONAL { ?o cg:ratingScheme ?scheme }
             OPTIONAL { ?c cg:role ?role } }""",
        timeout_s=300,
    )
    out = []
    for key, s, pred, o, scheme, role, quote, start, end in rows.rows:
        name = _PREDICATE_NAMES.get(str(pred))
        if name is None:
            continue
        if name == "memberOf" and role:
            name = "holdsPost"
        out.append(_Claim(str(key), s, name, scheme or o, str(quote), int(start), int(end)))
    return out


def _document_texts(store: Store, keys: dict[str, str], corpus_dir: Path | None) -> dict[str, str]:
    """Each scored document's text: read from the corpus folder when given, else rebuilt
    from its passages (gaps filled with spaces, which whitespace collapsing ignores)."""
    texts: dict[str, str] = {}
    if corpus_dir is not None:
        from ingest.readers import read_document

        for key, name in keys.items():
            path = corpus_dir / name
            if path.is_file():
                texts[key] = read_document(path).text
    rows = store.select(
        """SELECT ?key ?start ?text WHERE { ?p a cg:Passage ; dcterms:isPartOf ?d ;
             cg:start ?start ; cg:text ?text . ?d dcterms:identifier ?key }""",
        timeout_s=300,
    )
    pieces: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, start, text in rows.rows:
        if key in keys and key not in texts:
            pieces[key].append((int(start), str(text)))
    for key, parts in pieces.items():
        size = max(start + len(text) for start, text in parts)
        chars = [" "] * size
        for start, text in parts:
            chars[start : start + len(text)] = text
        texts[key] = "".join(chars)
    return texts


class _Collapsed:
    """A text with whitespace collapsed, and the map from original to collapsed offsets."""

    def __init__(self, text: str) -> None:
        out: list[str] = []
        mapping = []
        space = False
        for ch in text:
            mapping.append(len(out))
            if ch.isspace():
                if out and not space:
                    out.append(" ")
                space = True
            else:
                out.append(ch)
                space = False
        mapping.append(len(out))
        self.text = "".join(out)
        self.mapping = mapping

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Collapsed offsets of an original span."""
        start = min(max(start, 0), len(self.mapping) - 1)
        end = min(max(end, start), len(self.mapping) - 1)
        return self.mapping[start], self.mapping[end]

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """Every collapsed span where a (collapsed) quote occurs."""
        quote = _collapse(quote)
        spans = []
        at = self.text.find(quote)
        while quote and at >= 0:
            spans.append((at, at + len(quote)))
            at = self.text.find(quote, at + 1)
        return spans


def _texts_overlap(a: str, b: str) -> bool:
    a, b = _collapse(a), _collapse(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    from difflib import SequenceMatcher

    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= min(20, len(a), len(b))


# --------------------------------------------------------------------------- scoring


def _check_gold(gold: dict) -> None:
    for name in ("documents", "entities", "relations"):
        if not isinstance(gold.get(name), list):
            raise GoldError(f"gold file has no {name!r} list")
    for entity in gold["entities"]:
        if entity.get("kind") not in KINDS or not entity.get("label"):
            raise GoldError(f"gold entity {entity!r} needs a kind ({', '.join(KINDS)}) and a label")


def evaluate_store(store: Store, gold: dict, *, corpus_dir: Path | None = None) -> EvalReport:
    """Score the entities and claims in ``store`` against ``gold`` (see the module docstring)."""
    _check_gold(gold)
    wanted = list(gold["documents"])
    stored = _read_documents(store)
    by_name: dict[str, str] = {}
    for key, source in stored.items():
        by_name.setdefault(PurePath(source).name, key)
    keys = {by_name[name]: name for name in wanted if name in by_name}
    missing = [name for name in wanted if name not in by_name]
    entities = _read_entities(store)
    mentions = _read_mentions(store)
    claims = [c for c in _read_claims(store) if c.document in keys]
    for claim in claims:
        mentions[claim.document].update((claim.subject, claim.object))

    gold_entities = gold["entities"]
    gold_names = [_names([e["label"], *e.get("aliases", [])]) for e in gold_entities]

    def matches(iri: str, index: int) -> bool:
        stored_entity = entities.get(iri)
        target = gold_entities[index]
        if stored_entity is None or stored_entity.kind != target["kind"]:
            return False
        if stored_entity.names & gold_names[index]:
            return True
        return bool(target.get("gss")) and stored_entity.gss == target["gss"]

    entity_scores = {kind: Score() for kind in KINDS}
    report = EvalReport(str(gold.get("corpus", "")), wanted, missing, entity_scores, {})
    for key, name in keys.items():
        in_doc = [i for i, e in enumerate(gold_entities) if name in e.get("documents", ())]
        extracted = [iri for iri in mentions.get(key, ()) if iri in entities]
        for i in in_doc:
            score = entity_scores[gold_entities[i]["kind"]]
            score.gold += 1
            if any(matches(iri, i) for iri in extracted):
                score.found += 1
            else:
                report.missed_entities.append(
                    {
                        "document": name,
                        "kind": gold_entities[i]["kind"],
                        "label": gold_entities[i]["label"],
                    }
                )
        for iri in extracted:
            kind = entities[iri].kind
            score = entity_scores[kind]
            score.extracted += 1
            if any(matches(iri, i) for i in in_doc):
                score.correct += 1
            else:
                label = sorted(entities[iri].names)[0] if entities[iri].names else iri
                report.extra_entities.append(
                    {"document": name, "kind": kind, "label": label, "iri": iri}
                )

    index_by_label = {e["label"]: i for i, e in enumerate(gold_entities)}
    texts = _document_texts(store, keys, corpus_dir)
    collapsed = {key: _Collapsed(text) for key, text in texts.items()}
    relation_scores = {p: Score() for p in PREDICATES}
    claims_by_doc: dict[str, list[_Claim]] = defaultdict(list)
    for claim in claims:
        claims_by_doc[claim.document].append(claim)
    gold_by_doc: dict[str, list[dict]] = defaultdict(list)
    for relation in gold["relations"]:
        gold_by_doc[relation.get("document", "")].append(relation)

    def strict(claim: _Claim, relation: dict) -> bool:
        s = index_by_label.get(relation["subject"])
        o = index_by_label.get(relation["object"])
        return (
            claim.predicate == relation["predicate"]
            and s is not None
            and o is not None
            and matches(claim.subject, s)
            and matches(claim.object, o)
        )

    for key, name in keys.items():
        doc_claims = claims_by_doc.get(key, [])
        text = collapsed.get(key)
        for relation in gold_by_doc.get(name, []):
            predicate = relation["predicate"]
            score = relation_scores.setdefault(predicate, Score())
            score.gold += 1
            hits = [c for c in doc_claims if strict(c, relation)]
            if hits:
                score.found += 1
                if any(_evidence(c, relation["quote"], text) for c in hits):
                    score.found_with_evidence += 1
            else:
                report.missed_relations.append(
                    {
                        "document": name,
                        "subject": relation["subject"],
                        "predicate": predicate,
                        "object": relation["object"],
                        "quote": relation["quote"],
                    }
                )
        facts: dict[tuple[str, str, str], list[_Claim]] = defaultdict(list)
        for claim in doc_claims:
            facts[(claim.subject, claim.predicate, claim.object)].append(claim)
        for (s, p, o), fact_claims in facts.items():
            score = relation_scores.setdefault(p, Score())
            score.extracted += 1
            if any(strict(fact_claims[0], r) for r in gold_by_doc.get(name, [])):
                score.correct += 1
            else:
                report.extra_relations.append(
                    {
                        "document": name,
                        "subject": _label(entities, s),
                        "predicate": p,
                        "object": _label(entities, o),
                        "quote": fact_claims[0].quote,
                    }
                )
    report.relations = relation_scores
    return report


def _evidence(claim: _Claim, quote: str, text: _Collapsed | None) -> bool:
    if text is not None:
        spans = text.find_all(quote)
        if spans:
            start, end = text.span(claim.start, claim.end)
            return any(start < q_end and q_start < end for q_start, q_end in spans)
    return _texts_overlap(claim.quote, quote)


def _label(entities: dict[str, _Stored], iri: str) -> str:
    stored = entities.get(iri)
    return sorted(stored.names)[0] if stored and stored.names else iri
