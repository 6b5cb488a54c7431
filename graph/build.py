"""Build RDF quads from a document, its passages and what extraction found in it. Pure: no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD

from graph.model import Document, Entity, EntityKind, Extraction, Passage, Predicate
from graph.store import Quad
from graph.vocab import CG, STATGEO, iri, ref_iri, slugify

REFERENCE_GRAPH = iri("graph", "reference")
THEME_SCHEME = iri("scheme", "policy-themes")

PREDICATE_IRIS: dict[Predicate, URIRef] = {
    Predicate.LEADS: CG.leads,
    Predicate.PARTICIPATES_IN: CG.participatesIn,
    Predicate.RATED: CG.rated,
    Predicate.HEAD_OF: ORG.headOf,
    Predicate.MEMBER_OF: ORG.memberOf,
    Predicate.HOLDS_POST: ORG.memberOf,
    Predicate.SUB_ORGANIZATION_OF: ORG.subOrganizationOf,
    Predicate.CREATED_BY: DCTERMS.creator,
    Predicate.HAS_THEME: DCTERMS.subject,
}

_KIND_TYPES: dict[EntityKind, tuple[URIRef, ...]] = {
    EntityKind.COUNCIL: (CG.Council, ORG.FormalOrganization),
    EntityKind.BODY: (ORG.FormalOrganization,),
    EntityKind.PERSON: (FOAF.Person,),
    EntityKind.PROGRAMME: (CG.Programme,),
    EntityKind.THEME: (SKOS.Concept,),
}


def graph_iri(document_key: str) -> URIRef:
    """The named graph that holds everything one document states."""
    return iri("graph", document_key)


def document_iri(document_key: str) -> URIRef:
    """The IRI of a document."""
    return iri("document", document_key)


def passage_iri(passage_key: str) -> URIRef:
    """The IRI of a passage."""
    return iri("passage", passage_key)


def _hash_key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def content_hash(text: str) -> str:
    """The sha256 of a document's text."""
    return hashlib.sha256(text.encode()).hexdigest()


def _int(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def document_triples(document: Document, passages: Iterable[Passage]) -> Iterator[tuple]:
    """The document and its passages."""
    doc = document_iri(document.key)
    yield doc, RDF.type, FOAF.Document
    yield doc, DCTERMS.identifier, Literal(document.key)
    yield doc, DCTERMS.title, Literal(document.title)
    yield doc, RDFS.label, Literal(document.title)
    yield doc, DCTERMS.source, Literal(document.source)
    yield doc, DCTERMS.format, Literal(document.media_type)
    yield doc, CG.contentHash, Literal(content_hash(document.text))
    if document.date:
        yield doc, DCTERMS.date, Literal(document.date, datatype=XSD.date)
    for passage in passages:
        p = passage_iri(passage.key)
        yield p, RDF.type, CG.Passage
        yield p, DCTERMS.identifier, Literal(passage.key)
        yield p, DCTERMS.isPartOf, doc
        yield p, CG.text, Literal(passage.text)
        yield p, CG.start, _int(passage.start)
        yield p, CG.end, _int(passage.end)
        if passage.heading:
            yield p, CG.heading, Literal(passage.heading)


def entity_triples(entity: Entity) -> Iterator[tuple]:
    """An entity's types, labels, aliases and identifiers."""
    e = ref_iri(entity.ref)
    for rdf_type in _KIND_TYPES[entity.kind]:
        yield e, RDF.type, rdf_type
    yield e, DCTERMS.identifier, Literal(entity.key)
    yield e, RDFS.label, Literal(entity.label)
    yield e, SKOS.prefLabel, Literal(entity.label)
    for alias in entity.aliases:
        if alias != entity.label:
            yield e, SKOS.altLabel, Literal(alias)
    if entity.kind == EntityKind.PERSON:
        yield e, FOAF.name, Literal(entity.label)
        if entity.identifiers.get("title"):
            yield e, FOAF.title, Literal(entity.identifiers["title"])
    if entity.kind == EntityKind.THEME:
        yield e, SKOS.inScheme, THEME_SCHEME
    gss = entity.identifiers.get("gss")
    if gss:
        yield e, CG.gssCode, Literal(gss)
        yield e, DCTERMS.spatial, URIRef(STATGEO + gss)
    if entity.parent:
        yield e, RDF.type, ORG.OrganizationalUnit
        yield e, ORG.subOrganizationOf, ref_iri(entity.parent)


def reference_triples() -> Iterator[tuple]:
    """Our classes in terms of the standard ones, and the concept scheme themes belong to."""
    yield CG.Council, RDFS.subClassOf, ORG.FormalOrganization
    yield CG.Council, RDFS.label, Literal("Council")
    yield CG.Programme, RDFS.label, Literal("Programme")
    yield CG.Passage, RDFS.label, Literal("Passage")
    yield CG.Claim, RDFS.subClassOf, RDF.Statement
    yield CG.Claim, RDFS.label, Literal("Claim")
    yield CG.Rating, RDFS.label, Literal("Rating")
    yield THEME_SCHEME, RDF.type, SKOS.ConceptScheme
    yield THEME_SCHEME, SKOS.prefLabel, Literal("Policy themes")
    yield THEME_SCHEME, RDFS.label, Literal("Policy themes")


def extraction_triples(document: Document, extraction: Extraction) -> Iterator[tuple]:
    """Entities, the passages that mention them, and every claim with its evidence."""
    for entity in extraction.entities:
        yield from entity_triples(entity)
    seen: set[tuple[str, str]] = set()
    for mention in extraction.mentions:
        if mention.entity_ref and (mention.passage_key, mention.entity_ref) not in seen:
            seen.add((mention.passage_key, mention.entity_ref))
            yield passage_iri(mention.passage_key), CG.mentions, ref_iri(mention.entity_ref)
    for claim in extraction.claims:
        subject, obj = ref_iri(claim.subject), ref_iri(claim.object)
        predicate = PREDICATE_IRIS[claim.predicate]
        key = _hash_key(document.key, claim.subject, claim.predicate, claim.object, claim.start)
        node = iri("claim", key)
        stated = obj
        if claim.predicate == Predicate.RATED:
            rating = iri(
                "rating", _hash_key(claim.subject, claim.rating, claim.object, document.key)
            )
            yield rating, RDF.type, CG.Rating
            yield rating, RDFS.label, Literal(f"{claim.rating}")
            yield rating, CG.ratingValue, Literal(claim.rating or "")
            yield rating, CG.ratingScheme, obj
            if document.date:
                yield rating, DCTERMS.date, Literal(document.date, datatype=XSD.date)
            stated = rating
        if claim.predicate in (Predicate.HOLDS_POST, Predicate.HEAD_OF) and claim.role:
            role = iri("post", slugify(claim.role))
            membership = iri("membership", _hash_key(claim.subject, claim.object, claim.role))
            yield role, RDF.type, ORG.Role
            yield role, SKOS.prefLabel, Literal(claim.role)
            yield role, RDFS.label, Literal(claim.role)
            yield membership, RDF.type, ORG.Membership
            yield membership, ORG.member, subject
            yield membership, ORG.organization, obj
            yield membership, ORG.role, role
            yield subject, ORG.memberOf, obj
            yield node, CG.role, role
            yield node, CG.membership, membership
        yield subject, predicate, stated
        yield node, RDF.type, CG.Claim
        yield node, RDF.subject, subject
        yield node, RDF.predicate, predicate
        yield node, RDF.object, stated
        yield node, PROV.wasDerivedFrom, passage_iri(claim.passage_key)
        yield node, CG.quote, Literal(claim.quote)
        yield node, CG.start, _int(claim.start)
        yield node, CG.end, _int(claim.end)
        yield node, CG.confidence, Literal(round(claim.confidence, 3), datatype=XSD.decimal)
        yield node, CG.extractor, Literal(claim.extractor)


def build_quads(
    document: Document, passages: Iterable[Passage], extraction: Extraction | None = None
) -> list[Quad]:
    """Every quad one document contributes, in its own named graph."""
    graph = graph_iri(document.key)
    triples = list(document_triples(document, passages))
    if extraction is not None:
        triples.extend(extraction_triples(document, extraction))
    return [(s, p, o, graph) for s, p, o in dict.fromkeys(triples)]
