"""The JSON shapes of the API; `--json` on the command line prints the same bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from api.ask.model import Answer, AskResult, DatedEvidence, Interpretation
from graph.model import (
    EntityCard,
    EntityMatch,
    EntityRef,
    Evidence,
    PathEdge,
    PathsAnswer,
    Relation,
    RelationPath,
    SearchHit,
)
from graph.vocab import ref_iri

if TYPE_CHECKING:
    from api.jobs import Job


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
    """A file ingest could not read or store, or passed over, and why."""

    path: str
    reason: str


class DuplicateFileOut(BaseModel):
    """A file whose text is already stored under another document: not indexed twice."""

    path: str
    key: str = Field(description="the key the file would have had")
    duplicate_of: str = Field(description="key of the document that holds the same text")


class FileOut(BaseModel):
    """What became of one file."""

    path: str
    status: Literal["added", "replaced", "unchanged", "duplicate", "failed", "skipped"]
    key: str | None = None
    reason: str | None = Field(None, description="why a file failed or was skipped")
    duplicate_of: str | None = None


class IngestOut(BaseModel):
    """What an ingest did: document keys by outcome, and each file's result in `files`."""

    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    removed: list[str] = Field(
        description="older documents of files that now hold a text stored under another name"
    )
    failed: list[FailedFileOut]
    duplicates: list[DuplicateFileOut]
    skipped: list[FailedFileOut] = Field(
        description="files in the folders named that were passed over: other file types, "
        "links that lead nowhere or in a loop"
    )
    files: list[FileOut]
    passages: int
    triples: int
    seconds: float
    timings: dict[str, float]


class DeletedOut(BaseModel):
    """What `civicgraph delete` removed (over HTTP, DELETE /documents/{key} answers 204)."""

    deleted: list[str]


class EvidenceOut(BaseModel):
    """The quote that states a fact, and where it is."""

    passage: str = Field(description="key of the passage the quote is in")
    document: str = Field(description="key of the document, as taken by /documents/{key}")
    quote: str
    start: int | None = Field(None, description="offset of the quote in the document's text")
    end: int | None = None

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceOut:
        """From the service's type."""
        return cls(
            passage=evidence.passage,
            document=evidence.document,
            quote=evidence.quote,
            start=evidence.start,
            end=evidence.end,
        )


class LeadOut(BaseModel):
    """A council or body, the theme or programme it leads, and the quotes that say so."""

    leader: EntityOut
    led: EntityOut
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, relation: Relation) -> LeadOut:
        """From a `leads` relation."""
        return cls(
            leader=EntityOut.of(relation.subject),
            led=EntityOut.of(relation.object),
            evidence=[EvidenceOut.of(e) for e in relation.evidence],
        )


class LeadsOut(BaseModel):
    """The answer to GET /leads."""

    leads: list[LeadOut]

    @classmethod
    def of(cls, relations: list[Relation]) -> LeadsOut:
        """From the service's relations."""
        return cls(leads=[LeadOut.of(r) for r in relations])


class RelationOut(BaseModel):
    """A fact between two entities with its evidence."""

    subject: EntityOut
    predicate: str = Field(
        description="leads, participatesIn, rated, headOf, holdsPost, memberOf, "
        "subOrganizationOf, createdBy or hasTheme"
    )
    object: EntityOut
    role: str | None = Field(None, description="for headOf and holdsPost: the post")
    rating: str | None = Field(None, description="for rated: the rating given")
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, relation: Relation) -> RelationOut:
        """From the service's type."""
        return cls(
            subject=EntityOut.of(relation.subject),
            predicate=relation.predicate,
            object=EntityOut.of(relation.object),
            role=relation.role,
            rating=relation.rating,
            evidence=[EvidenceOut.of(e) for e in relation.evidence],
        )


class RelationsOut(BaseModel):
    """The answer to GET /relations."""

    relations: list[RelationOut]

    @classmethod
    def of(cls, relations: list[Relation]) -> RelationsOut:
        """From the service's relations."""
        return cls(relations=[RelationOut.of(r) for r in relations])


class EntityMatchOut(EntityOut):
    """An entity found by name."""

    aliases: list[str]
    score: float = Field(description="how well the name matched, 0-100 (100: exactly)")
    matched: str = Field(description="the label, alias or abbreviation that matched")

    @classmethod
    def of_match(cls, match: EntityMatch) -> EntityMatchOut:
        """From the service's type."""
        return cls(
            **EntityOut.of(match.entity).model_dump(),
            aliases=list(match.aliases),
            score=match.score,
            matched=match.matched,
        )


class EntitiesOut(BaseModel):
    """The answer to GET /entities: best match first (label order without a query)."""

    query: str | None
    type: str | None
    entities: list[EntityMatchOut]


class MentioningDocumentOut(BaseModel):
    """A document that names the entity, and in how many passages."""

    document: str
    title: str
    date: str | None
    passages: int


class EntityCardOut(EntityOut):
    """The answer to GET /entities/{id}: everything the graph says about one entity."""

    types: list[str] = Field(description='RDF types, prefixed: "cg:Council", "foaf:Person"')
    labels: list[str]
    aliases: list[str]
    identifiers: dict[str, str] = Field(
        description="key; for councils gss and statistical_geography (the ONS URI)"
    )
    outgoing: list[RelationOut] = Field(description="facts with this entity as subject")
    incoming: list[RelationOut] = Field(description="facts with this entity as object")
    documents: list[MentioningDocumentOut]

    @classmethod
    def of_card(cls, card: EntityCard) -> EntityCardOut:
        """From the service's type."""
        return cls(
            **EntityOut.of(card.entity).model_dump(),
            types=list(card.types),
            labels=list(card.labels),
            aliases=list(card.aliases),
            identifiers=dict(card.identifiers),
            outgoing=[RelationOut.of(r) for r in card.outgoing],
            incoming=[RelationOut.of(r) for r in card.incoming],
            documents=[
                MentioningDocumentOut(
                    document=d.document, title=d.title, date=d.date, passages=d.passages
                )
                for d in card.documents
            ],
        )


class PathEdgeOut(BaseModel):
    """One hop of a path."""

    source: str = Field(description="id of the entity this hop leaves")
    target: str = Field(description="id of the entity this hop reaches")
    predicate: str = Field(description='the fact\'s predicate, or "coMentioned"')
    direction: Literal["forward", "backward", "none"] = Field(
        description="forward: source is the fact's subject; backward: its object; "
        "none: a co-mention"
    )
    kind: Literal["fact", "co-mention"] = Field(
        description="co-mention: only named together in a passage, a weaker link"
    )
    role: str | None = None
    rating: str | None = None
    evidence: list[EvidenceOut] = Field(description="up to three of the quotes")
    evidence_count: int = Field(
        description="how many claims (or passages, for a co-mention) support the hop"
    )

    @classmethod
    def of(cls, edge: PathEdge) -> PathEdgeOut:
        """From the service's type."""
        return cls(
            source=edge.source,
            target=edge.target,
            predicate=edge.predicate,
            direction=edge.direction,  # type: ignore[arg-type]
            kind=edge.kind,  # type: ignore[arg-type]
            role=edge.role,
            rating=edge.rating,
            evidence=[EvidenceOut.of(e) for e in edge.evidence],
            evidence_count=edge.evidence_count,
        )


class PathOut(BaseModel):
    """A chain of entities from source to target."""

    hops: int
    co_mention: bool = Field(description="true when any hop is a co-mention")
    nodes: list[EntityOut]
    edges: list[PathEdgeOut]

    @classmethod
    def of(cls, path: RelationPath) -> PathOut:
        """From the service's type."""
        return cls(
            hops=path.hops,
            co_mention=path.co_mention,
            nodes=[EntityOut.of(n) for n in path.nodes],
            edges=[PathEdgeOut.of(e) for e in path.edges],
        )


class PathsOut(BaseModel):
    """The answer to GET /paths: shortest paths first."""

    source: EntityOut
    target: EntityOut
    max_hops: int
    co_mention: bool = Field(
        description="true when no path over stated facts existed and co-mentions were used"
    )
    paths: list[PathOut]

    @classmethod
    def of(cls, answer: PathsAnswer) -> PathsOut:
        """From the service's type."""
        return cls(
            source=EntityOut.of(answer.source),
            target=EntityOut.of(answer.target),
            max_hops=answer.max_hops,
            co_mention=answer.co_mention,
            paths=[PathOut.of(p) for p in answer.paths],
        )


class ErrorDetail(BaseModel):
    """The body of every error."""

    status: int
    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error answers in this shape."""

    error: ErrorDetail


class CandidateOut(BaseModel):
    """An entity an ambiguous or unknown name might mean."""

    id: str
    label: str
    type: str


class EntityErrorDetail(ErrorDetail):
    """A 404 or 409 about an entity name: the candidates (409) or the nearest names (404)."""

    candidates: list[CandidateOut] | None = None
    nearest: list[CandidateOut] | None = None


class EntityErrorOut(BaseModel):
    """How an unknown (404) or ambiguous (409) entity name is answered."""

    error: EntityErrorDetail


# What names an entity or a search: an id, an IRI or a label, with a letter or digit in it
# somewhere: an ASCII one, or any character past Latin-1's signs. Spelt out rather than `\w`,
# which JSON Schema's regular expressions (and so OpenAPI clients) read as ASCII only while
# Python and pydantic read it as any script's letters.
NAMED = r"[0-9A-Za-z\u00C0-\uFFFF]"

ENTITY_ERRORS: dict[int | str, dict] = {
    404: {"model": EntityErrorOut, "description": "unknown entity, with the nearest names"},
    409: {"model": EntityErrorOut, "description": "ambiguous name, with the candidates"},
    422: {"model": ErrorOut, "description": "a parameter has a value it cannot take"},
}


class QueryErrorDetail(ErrorDetail):
    """A refused SPARQL query: where in the query (400), or when to try again (503 busy)."""

    line: int | None = None
    column: int | None = None
    retry_after: int | None = None


class QueryErrorOut(BaseModel):
    """How a refused or failed SPARQL query is answered."""

    error: QueryErrorDetail


def error_responses(
    described: dict[int, str], model: type[BaseModel] = ErrorOut
) -> dict[int | str, dict]:
    """The OpenAPI entries of the error statuses a route answers, all in the one error shape."""
    return {status: {"model": model, "description": text} for status, text in described.items()}


# Every route may answer these.
COMMON_ERRORS = error_responses(
    {414: "the URL is over the length limit", 431: "the request headers are too large"}
)
BAD_PARAMETERS = error_responses({422: "a parameter is missing or has a value it cannot take"})
WRITE_ERRORS = error_responses(
    {401: "no API key was sent", 403: "the API key is wrong, or writes are switched off"}
)


class JobProgressOut(BaseModel):
    """How far a running upload job has got."""

    files: int = Field(description="files done so far")
    total: int = Field(description="files in the upload")
    passages: int = Field(description="passages written so far")


class JobErrorOut(ErrorDetail):
    """Why a job stored nothing: every file failed (422, each file's reason in `files`), or
    the ingest itself failed (500)."""

    files: list[FailedFileOut] | None = None


class JobOut(BaseModel):
    """An upload job: queued, running, done (each file's result in `result`) or failed."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    files: list[str] = Field(description="the names of the files uploaded")
    created: str = Field(description="when the upload was received (ISO 8601, UTC)")
    started: str | None = None
    finished: str | None = None
    progress: JobProgressOut | None = Field(None, description="while it runs, and at the end")
    status: int | None = Field(
        None,
        description="once finished: 200 when every file was stored (added, replaced, "
        "unchanged or a duplicate), 207 when some failed, 422 when none could be stored, "
        "500 when the ingest itself failed",
    )
    result: IngestOut | None = Field(
        None, description="once done: what the ingest did, each file's result in `files`"
    )
    error: JobErrorOut | None = Field(
        None, description="when nothing was stored: every file's reason, or what failed"
    )

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """From the job runner's type."""
        progress = job.progress
        return cls(
            id=job.id,
            state=job.state,  # type: ignore[arg-type]
            files=job.files,
            created=_iso(job.created),
            started=_iso(job.started),
            finished=_iso(job.finished),
            progress=JobProgressOut(
                files=progress.files, total=progress.total, passages=progress.passages
            )
            if progress is not None
            else None,
            status=job.status,
            result=IngestOut(**job.report.as_dict()) if job.report is not None else None,
            error=JobErrorOut(**job.error.body()["error"]) if job.error is not None else None,
        )


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


# What an upload answers beyond the errors every write may.
UPLOAD_ERRORS: dict[int | str, dict] = {
    202: {
        "model": JobOut,
        "description": "the upload is queued as a job; its URL is in `Location`: poll "
        "GET /jobs/{id} for its state and, once done, each file's result",
    },
    503: {
        "model": ErrorOut,
        "description": "too many uploads are waiting already (with Retry-After)",
    },
}
# -- GET /ask ----------------------------------------------------------------------------------


class DatedEvidenceOut(EvidenceOut):
    """A quote with its document's title and date."""

    title: str
    date: str | None = Field(description="the document's date (ISO 8601), if it states one")

    @classmethod
    def of_dated(cls, evidence: DatedEvidence) -> DatedEvidenceOut:
        """From the service's type."""
        quote = EvidenceOut.of(evidence)  # type: ignore[arg-type]  # the same fields, and more
        return cls(**quote.model_dump(), title=evidence.title, date=evidence.date)


class LinkOut(BaseModel):
    """Words of the question and the entity they were read as naming."""

    slot: str = Field(description="the slot of the question shape the words fill")
    text: str = Field(description="the words, as the question wrote them")
    entity: EntityOut
    score: float = Field(description="how well a name of the entity matched, 0-100")
    matched: str = Field(description="the label, alias or abbreviation that matched")
    others: list[EntityOut] = Field(description="other entities the words match as well")


class UnknownOut(BaseModel):
    """Words of the question that name no entity in the graph."""

    slot: str
    text: str
    message: str = Field(description="no such entity 'X'; nearest: ...")
    nearest: list[EntityOut]


class TimeOut(BaseModel):
    """The time the question asks about."""

    text: str = Field(description='as asked: "in 2009", "before 2010", "as of 2012"')
    start: str | None = Field(description="first day of the documents kept (ISO 8601)")
    end: str | None = Field(description="last day of the documents kept (ISO 8601)")
    at: str | None = Field(
        description="the day councils and bodies must have existed on (for 'as of'); "
        "null: at any time in the window"
    )


class InterpretationOut(BaseModel):
    """How the question was read, so that it can be seen and corrected."""

    shape: str | None = Field(description="the shape of question recognised; null: none fits")
    reading: str = Field(description="the question as understood, in words")
    pattern: str | None = Field(description="the form of the shape that matched")
    entities: list[LinkOut]
    unknown: list[UnknownOut] = Field(description="words that name no entity")
    predicates: list[str] = Field(description="the relations read to answer it")
    kinds: list[str] = Field(description="the kinds of entity an answer may be")
    role: str | None = Field(description="the post asked about")
    rating: str | None = Field(description="the rating asked about")
    time: TimeOut | None
    message: str | None = Field(description="why there is no answer, when there is none")
    notes: list[str] = Field(description="what was left out of the answers, and why")
    alternatives: list[str] = Field(description="other ways the question could be read")

    @classmethod
    def of(cls, reading: Interpretation) -> InterpretationOut:
        """From the service's type."""
        window = reading.time
        return cls(
            shape=reading.shape,
            reading=reading.reading,
            pattern=reading.pattern,
            entities=[
                LinkOut(
                    slot=link.slot,
                    text=link.text,
                    entity=EntityOut.of(link.entity),
                    score=link.score,
                    matched=link.matched,
                    others=[EntityOut.of(e) for e in link.others],
                )
                for link in reading.entities
            ],
            unknown=[
                UnknownOut(
                    slot=u.slot,
                    text=u.text,
                    message=u.message,
                    nearest=[EntityOut.of(e) for e in u.nearest],
                )
                for u in reading.unknown
            ],
            predicates=list(reading.predicates),
            kinds=list(reading.kinds),
            role=reading.role,
            rating=reading.rating,
            time=TimeOut(text=window.text, start=window.start, end=window.end, at=window.at)
            if window
            else None,
            message=reading.message,
            notes=list(reading.notes),
            alternatives=list(reading.alternatives),
        )


class FactOut(BaseModel):
    """A fact an answer rests on (its quotes are the answer's evidence)."""

    subject: EntityOut
    predicate: str
    object: EntityOut
    role: str | None = None
    rating: str | None = None


class DescriptionOut(BaseModel):
    """What the graph holds about one entity, in brief."""

    types: list[str]
    aliases: list[str]
    identifiers: dict[str, str]
    start: str | None = Field(description="when the council or body began, where known")
    end: str | None = Field(description="when it ended, where known")
    documents: int = Field(description="how many documents name it")
    facts: int = Field(description="how many stated facts it takes part in")


class AnswerOut(BaseModel):
    """One answer: an entity (with the facts that make it one) or a path, and its quotes."""

    entity: EntityOut | None = None
    facts: list[FactOut] = Field(default_factory=list)
    path: PathOut | None = None
    description: DescriptionOut | None = None
    evidence: list[DatedEvidenceOut] = Field(
        description="the quotes that state it, newest document first"
    )

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        """From the service's type."""
        description = answer.description
        return cls(
            entity=EntityOut.of(answer.entity) if answer.entity else None,
            facts=[
                FactOut(
                    subject=EntityOut.of(r.subject),
                    predicate=r.predicate,
                    object=EntityOut.of(r.object),
                    role=r.role,
                    rating=r.rating,
                )
                for r in answer.relations
            ],
            path=PathOut.of(answer.path) if answer.path else None,
            description=DescriptionOut(
                types=list(description.types),
                aliases=list(description.aliases),
                identifiers=description.identifiers,
                start=description.start,
                end=description.end,
                documents=description.documents,
                facts=description.facts,
            )
            if description
            else None,
            evidence=[DatedEvidenceOut.of_dated(e) for e in answer.evidence],
        )


class AskOut(BaseModel):
    """The answer to GET /ask."""

    question: str
    interpretation: InterpretationOut
    answers: list[AnswerOut] = Field(description="from the graph's facts; best first")
    passages: list[SearchResultOut] = Field(
        description="the search results for the question, always given"
    )

    @classmethod
    def of(cls, result: AskResult) -> AskOut:
        """From the service's type."""
        return cls(
            question=result.question,
            interpretation=InterpretationOut.of(result.interpretation),
            answers=[AnswerOut.of(a) for a in result.answers],
            passages=[SearchResultOut.of(h) for h in result.passages],
        )
