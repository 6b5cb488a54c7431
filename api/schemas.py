"""The JSON shapes of the API; `--json` on the command line prints the same bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph.model import EntityRef, SearchHit
from graph.vocab import ref_iri


class EntityOut(BaseModel):
    """An entity as answers point to it."""

    id: str = Field(description='the entity\'s key, "{kind}/{key}", as taken by /entities/{id}')
    iri: str
    label: str
    type: str
    gss: str | None = None

    @classmethod
    def of(cls, entity: EntityRef) -> EntityOut:
        """From the service's type."""
        return cls(
            id=entity.ref,
            iri=str(ref_iri(entity.ref)),
            label=entity.label,
            type=entity.kind,
            gss=entity.gss,
        )


class SearchResultOut(BaseModel):
    """One ranked passage."""

    passage: str
    document: str
    source: str
    title: str
    date: str | None
    text: str
    start: int
    end: int
    score: float
    entities: list[EntityOut]

    @classmethod
    def of(cls, hit: SearchHit) -> SearchResultOut:
        """From the service's type."""
        return cls(
            passage=hit.passage,
            document=hit.document,
            source=hit.source,
            title=hit.title,
            date=hit.date,
            text=hit.text,
            start=hit.start,
            end=hit.end,
            score=hit.score,
            entities=[EntityOut.of(e) for e in hit.entities],
        )


class SearchOut(BaseModel):
    """The answer to GET /search."""

    query: str
    results: list[SearchResultOut]

    @classmethod
    def of(cls, query: str, hits: list[SearchHit]) -> SearchOut:
        """From the service's hits."""
        return cls(query=query, results=[SearchResultOut.of(h) for h in hits])


class DocumentOut(BaseModel):
    """A document as listed."""

    key: str
    source: str
    title: str
    date: str | None
    passages: int


class DocumentsOut(BaseModel):
    """The answer to GET /documents."""

    documents: list[DocumentOut]


class PassageOut(BaseModel):
    """A passage of a document."""

    key: str
    start: int
    end: int
    heading: str | None
    text: str


class DocumentDetailOut(BaseModel):
    """The answer to GET /documents/{key}: the document with its passages, in order."""

    key: str
    source: str
    title: str
    date: str | None
    passages: list[PassageOut]


class FailedFileOut(BaseModel):
    """A file ingest could not read, and why."""

    path: str
    reason: str


class IngestOut(BaseModel):
    """What an ingest did."""

    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    failed: list[FailedFileOut]
    passages: int
    triples: int
    seconds: float
    timings: dict[str, float]


class ErrorDetail(BaseModel):
    """The body of every error."""

    status: int
    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error answers in this shape."""

    error: ErrorDetail
