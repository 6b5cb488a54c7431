"""Plain data types passed between the stages of civicgraph.

Frozen, slotted dataclasses with no rdflib, spaCy or numpy types in their
fields. Offsets are characters into ``Document.text``, half-open, so that
``document.text[x.start:x.end] == x.text`` holds for passages and mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntityKind(StrEnum):
    """The kinds of entity in the graph; each is a segment of the entity IRI."""

    COUNCIL = "council"
    BODY = "body"
    PERSON = "person"
    PROGRAMME = "programme"
    THEME = "theme"


class Predicate(StrEnum):
    """Relations that extraction can assert between entities."""

    LEADS = "leads"  # cg:leads (council/body -> theme/programme)
    PARTICIPATES_IN = "participatesIn"  # cg:participatesIn
    RATED = "rated"  # cg:rated via a cg:Rating node
    HEAD_OF = "headOf"  # org:headOf (person -> organisation)
    MEMBER_OF = "memberOf"  # org:memberOf (person or body -> organisation)
    HOLDS_POST = "holdsPost"  # org:Membership with an org:role
    SUB_ORGANIZATION_OF = "subOrganizationOf"  # org:subOrganizationOf
    CREATED_BY = "createdBy"  # dcterms:creator (programme -> council/body that set it up)
    HAS_THEME = "hasTheme"  # dcterms:subject (programme -> theme it works on)


@dataclass(frozen=True, slots=True)
class Document:
    """One source file, read into plain text."""

    key: str  # stable for the same source: its file name and a hash of its path
    source: str  # file name or URL
    title: str
    text: str
    date: str | None = None  # ISO 8601 date, when the text states one
    media_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph-aware chunk of a document, with offsets into its text."""

    key: str  # "{document_key}-p{8 hex of its text}", "-2" on for a repeat
    document_key: str
    start: int
    end: int
    text: str
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of a passage that names an entity."""

    passage_key: str
    start: int  # offsets into Document.text
    end: int
    text: str
    label: EntityKind
    entity_ref: str | None = None  # "{kind}/{key}", filled in by resolution
    source: str = "rule"  # which extractor found it (gazetteer, ner, rule, ...)


@dataclass(frozen=True, slots=True)
class Entity:
    """A resolved, canonical thing: one per real council, body, person, programme or theme."""

    key: str  # stable slug, unique within its kind
    kind: EntityKind
    label: str
    aliases: tuple[str, ...] = ()
    identifiers: dict[str, str] = field(default_factory=dict)  # e.g. {"gss": "E10000016"}
    parent: str | None = None  # ref of the organisation this one is part of

    @property
    def ref(self) -> str:
        """The entity's reference, "{kind}/{key}", unique across kinds."""
        return f"{self.kind.value}/{self.key}"


@dataclass(frozen=True, slots=True)
class Claim:
    """One extracted fact with the evidence that states it."""

    subject: str  # entity refs, "{kind}/{key}"; graph/vocab mints IRIs
    predicate: Predicate
    object: str
    passage_key: str
    start: int  # offsets into Document.text of the quote
    end: int
    quote: str
    extractor: str
    confidence: float
    role: str | None = None  # for HOLDS_POST/HEAD_OF: the post, e.g. "leader"
    rating: str | None = None  # for RATED: the value, e.g. "worst", "three stars"
    scheme: str | None = None  # for RATED: what rated it


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extraction and resolution found in one document."""

    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document as listed: its key, source, title, date and size."""

    key: str
    source: str
    title: str
    date: str | None
    passages: int


@dataclass(frozen=True, slots=True)
class PassageInfo:
    """A passage as search and the document view show it."""

    key: str
    document: str
    start: int
    end: int
    text: str
    heading: str | None


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity as other answers point to it."""

    ref: str  # "{kind}/{key}"
    label: str
    kind: str
    gss: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A passage ranked for a query."""

    passage: str
    document: str
    source: str
    title: str
    date: str | None
    text: str
    start: int
    end: int
    score: float
    entities: tuple[EntityRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """The words that state a fact, with the passage and document they come from."""

    passage: str
    document: str
    quote: str
    start: int | None = None  # offsets into Document.text of the quote
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """One fact between two entities, with every quote that states it."""

    subject: EntityRef
    predicate: str  # a Predicate value: leads, participatesIn, rated, headOf, holdsPost, ...
    object: EntityRef
    role: str | None = None  # for headOf and holdsPost: the post
    rating: str | None = None  # for rated: the value given
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class MentioningDocument:
    """A document that names an entity, and in how many of its passages."""

    document: str
    title: str
    date: str | None
    passages: int


@dataclass(frozen=True, slots=True)
class EntityCard:
    """Everything the graph says about one entity."""

    entity: EntityRef
    labels: tuple[str, ...]
    aliases: tuple[str, ...]
    types: tuple[str, ...]  # rdf:type IRIs in prefixed form, e.g. "cg:Council"
    identifiers: dict[str, str]
    outgoing: tuple[Relation, ...]
    incoming: tuple[Relation, ...]
    documents: tuple[MentioningDocument, ...]


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """An entity found by name, with how well the name matched (0-100)."""

    entity: EntityRef
    aliases: tuple[str, ...]
    score: float
    matched: str  # the label or alias that matched


@dataclass(frozen=True, slots=True)
class PathEdge:
    """One hop of a path: a fact (or a co-mention) between consecutive entities."""

    source: str  # refs, in the order of the path
    target: str
    predicate: str  # a Predicate value, or "coMentioned"
    direction: str  # "forward" (source is the fact's subject), "backward", or "none"
    kind: str  # "fact" or "co-mention"
    role: str | None = None
    rating: str | None = None
    evidence: tuple[Evidence, ...] = ()  # a few of the quotes
    evidence_count: int = 0  # how many claims (or passages, for a co-mention) support the hop


@dataclass(frozen=True, slots=True)
class RelationPath:
    """A chain of entities from a source to a target, each hop with its evidence."""

    nodes: tuple[EntityRef, ...]
    edges: tuple[PathEdge, ...]

    @property
    def hops(self) -> int:
        """The number of edges."""
        return len(self.edges)

    @property
    def co_mention(self) -> bool:
        """True when any hop is a co-mention rather than a stated fact."""
        return any(edge.kind == "co-mention" for edge in self.edges)


@dataclass(frozen=True, slots=True)
class PathsAnswer:
    """The shortest paths between two entities within a hop limit."""

    source: EntityRef
    target: EntityRef
    max_hops: int
    paths: tuple[RelationPath, ...]
    co_mention: bool  # True when no path over facts existed and co-mentions were used
