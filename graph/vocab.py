"""The graph's vocabulary: civicgraph's own terms, the standard ones it reuses, and IRI minting."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/civicgraph/"
ID = BASE + "id/"


class CG(DefinedNamespace):
    """civicgraph's own terms, used only where no standard vocabulary has one."""

    Council: URIRef  # a local authority; subclass of org:FormalOrganization
    Programme: URIRef  # a named programme, initiative, forum, fund or scheme
    Passage: URIRef  # a chunk of a document's text
    Claim: URIRef  # one extracted fact with its evidence
    Rating: URIRef  # a rating given to an organisation

    text: URIRef  # a passage's text
    start: URIRef  # character offset where a passage or quote starts
    end: URIRef  # character offset where a passage or quote ends
    heading: URIRef  # the heading a passage sits under
    mentions: URIRef  # passage -> entity it names
    quote: URIRef  # the exact words of a claim's evidence
    confidence: URIRef  # the extractor's confidence in a claim, 0..1
    extractor: URIRef  # which extractor made a claim
    contentHash: URIRef  # sha256 of a document's text, for idempotent re-ingest
    gssCode: URIRef  # ONS GSS code of a council
    leads: URIRef  # council or body -> theme or programme it leads
    participatesIn: URIRef  # council or body -> programme it takes part in
    rated: URIRef  # organisation -> cg:Rating
    ratingValue: URIRef  # a rating's value, e.g. "worst", "three stars"
    ratingScheme: URIRef  # what a rating belongs to
    role: URIRef  # claim -> the org:Role (post) it states, for posts held
    membership: URIRef  # claim -> the org:Membership it states

    _NS = Namespace(BASE + "ns#")
    _fail = True


PREFIXES: dict[str, Namespace] = {
    "cg": CG._NS,
    "org": Namespace(str(ORG)),
    "skos": Namespace(str(SKOS)),
    "foaf": Namespace(str(FOAF)),
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

KINDS = frozenset(
    {
        "council",
        "body",
        "person",
        "programme",
        "theme",
        "document",
        "passage",
        "post",
        "membership",
        "claim",
        "rating",
        "graph",
        "scheme",
    }
)

STATGEO = "http://statistics.data.gov.uk/id/statistical-geography/"


def iri(kind: str, key: str) -> URIRef:
    """Mint the IRI of an instance: https://w3id.org/civicgraph/id/{kind}/{key}."""
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}; choose one of {sorted(KINDS)}")
    if not key or "/" in key or " " in key:
        raise ValueError(f"IRI key must be a non-empty slug without '/' or spaces, got {key!r}")
    return URIRef(f"{ID}{kind}/{key}")


def ref_iri(ref: str) -> URIRef:
    """The IRI of an entity ref "{kind}/{key}"."""
    kind, _, key = ref.partition("/")
    return iri(kind, key)


def iri_ref(value: str) -> str | None:
    """The "{kind}/{key}" ref of a civicgraph instance IRI, or None for any other IRI."""
    if not value.startswith(ID):
        return None
    return value[len(ID) :]


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII slug for use as an IRI key."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "x"
