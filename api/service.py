"""CivicGraph: the one core object. The HTTP API and the command line are two faces of it."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.settings import Settings
from graph import queries
from graph.build import REFERENCE_GRAPH, reference_triples
from graph.embed import Embedder, open_embedder
from graph.errors import BadParameter, BadQuery, NotFound, QueryTimeout
from graph.fusion import rrf
from graph.keywords import SqliteKeywordIndex, keyword_passages, open_keywords
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
from graph.paths import CO_MENTIONED, Hop, Projections, write_graphml
from graph.queries import EntityIndex
from graph.sparql import prepare_query
from graph.sparql_pool import SparqlRunner, open_runner
from graph.sparql_protocol import SparqlResult, negotiate
from graph.store import OxigraphStore, Store, StoreBusy, open_store
from graph.vectors import NumpyIndex, check_manifest, open_index
from graph.vocab import iri_ref
from ingest.budget import FileBudget
from ingest.evaluate import EvalReport
from ingest.pipeline import IngestReport, Known, Pipeline, Progress, find_files

log = logging.getLogger(__name__)

# How many candidates each ranking contributes before fusion.
CANDIDATES = 50
# Bounds of the path questions.
MAX_HOPS = 8
MAX_PATHS = 20
SEARCH_MODES = ("hybrid", "dense", "keyword")


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
    """A passage as search shows it."""

    key: str
    document: str
    start: int
    end: int
    text: str
    heading: str | None


class Catalog:
    """Documents and passages held in memory for search: metadata, texts and the entities
    each passage mentions."""

    def __init__(
        self,
        documents: dict[str, DocumentInfo],
        passages: list[PassageInfo],
        mentions: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.documents = documents
        self.passages = {p.key: p for p in passages}
        self.mentions = mentions or {}  # passage key -> refs of the entities it names
        self._named_by: dict[str, set[str]] = {}  # entity ref -> passages that name it
        for key, refs in self.mentions.items():
            for ref in refs:
                self._named_by.setdefault(ref, set()).add(key)

    def passages_mentioning(self, kind: str) -> set[str]:
        """Keys of the passages that mention an entity of a kind."""
        prefix = f"{kind}/"
        return {
            key for ref, keys in self._named_by.items() if ref.startswith(prefix) for key in keys
        }

    def naming(
        self,
        refs: set[str],
        order: list[tuple[str, float]],
        *,
        documents: set[str] | None = None,
        allowed: set[str] | None = None,
    ) -> list[str]:
        """Passages that name any of these entities, those naming the most first, then in
        the order of `order` (ranked keys with scores), then by key."""
        count: dict[str, int] = {}
        for ref in refs:
            for key in self._named_by.get(ref, ()):
                count[key] = count.get(key, 0) + 1
        place = {key: n for n, (key, _) in enumerate(order)}
        keys = [
            key
            for key in count
            if key in self.passages
            and (documents is None or self.passages[key].document in documents)
            and (allowed is None or key in allowed)
        ]
        return sorted(keys, key=lambda key: (-count[key], place.get(key, len(place)), key))


class CivicGraph:
    """The store, the vector index and the model, and every question civicgraph answers."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        writable: bool = True,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()
        self._catalog: Catalog | None = None
        self._index: NumpyIndex | None = None
        self._keywords: SqliteKeywordIndex | None = None
        self._warmed = threading.Event()
        self._warming = False
        self._sparql: SparqlRunner | None = None
        # keyword matching runs here while the query embeds (SQLite lets go of Python's lock)
        self._keyword_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="keywords"
        )
        location: Any = settings.store / "graph"
        if settings.store_backend == "sparql":
            location = settings.sparql_endpoint
        self.store: Store = open_store(
            settings.store_backend,
            location,
            read_only=not writable,
            update_endpoint=settings.sparql_update_endpoint,
        )
        self.read_only = bool(getattr(self.store, "read_only", False))
        # the name index, path projection and leads, kept in step with the store
        self.projections = Projections(
            self.store,
            settings.store / "projection",
            writable=not self.read_only,
            timeout_s=settings.query_timeout_s,
        )
        if not self.read_only:
            self.store.replace_graph(
                str(REFERENCE_GRAPH), [(*t, REFERENCE_GRAPH) for t in reference_triples()]
            )

    @classmethod
    def open(cls, settings: Settings, *, write: bool = False, embedder: Embedder | None = None):
        """Open for writing when `write`, else read-write if free and read-only if another
        process (a running server) holds the store."""
        try:
            return cls(settings, embedder=embedder, writable=True)
        except StoreBusy:
            if write:
                raise
            return cls(settings, embedder=embedder, writable=False)

    # -- parts, loaded when first needed ---------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        with self._lock:
            if self._embedder is None:
                self._embedder = open_embedder(self.settings.model, self.settings.device)
            return self._embedder

    @property
    def index(self) -> NumpyIndex:
        """The passage vectors of every document in the store."""
        with self._lock:
            if self._index is None:
                folder = self.settings.store / "vectors"
                dimension = self.embedder.dimension
                if not self.read_only:
                    check_manifest(self.settings.store, self.embedder.name, dimension)
                index = open_index(self.settings.vector_backend, folder, dimension)
                documents = set(self._known())
                index.load(documents)
                if not self.read_only:
                    index.prune(documents)
                self._index = index
            return self._index

    @property
    def keywords(self) -> SqliteKeywordIndex:
        """The keyword index of the passages, caught up with the store when first opened."""
        with self._lock:
            if self._keywords is None:
                keywords = open_keywords(self.settings.store, read_only=self.read_only)
                if not keywords.read_only:  # the process that holds the store catches up
                    self._catch_up_keywords(keywords)
                self._keywords = keywords
            return self._keywords

    def _catch_up_keywords(self, keywords: SqliteKeywordIndex) -> None:
        """Index the documents the store holds and the keyword index lacks (a store from
        before the index, or a read-only one with no index file yet, indexed in memory), and
        drop those it no longer holds (left by an interrupted ingest)."""
        held = keywords.documents()
        catalog = self.catalog
        for key in held - set(catalog.documents):
            keywords.delete(key)
        missing = set(catalog.documents) - held
        if not missing:
            return
        by_document: dict[str, list[PassageInfo]] = {}
        for p in catalog.passages.values():
            if p.document in missing:
                by_document.setdefault(p.document, []).append(p)
        for key in sorted(missing):
            passages = sorted(by_document.get(key, []), key=lambda p: p.start)
            keywords.upsert(key, keyword_passages(passages, catalog.documents[key].title))

    @property
    def catalog(self) -> Catalog:
        """Documents and passages, read from the store once and kept in step with ingest."""
        with self._lock:
            if self._catalog is None:
                self._catalog = self._load_catalog()
            return self._catalog

    def _load_catalog(self) -> Catalog:
        docs = self.store.select(
            """SELECT ?key ?source ?title ?date WHERE {
                 ?d a foaf:Document ; dcterms:identifier ?key ; dcterms:source ?source ;
                    dcterms:title ?title . OPTIONAL { ?d dcterms:date ?date } }""",
            timeout_s=300,
        )
        rows = self.store.select(
            """SELECT ?key ?doc ?start ?end ?text ?heading WHERE {
                 ?p a cg:Passage ; dcterms:identifier ?key ; dcterms:isPartOf ?d ;
                    cg:start ?start ; cg:end ?end ; cg:text ?text .
                 ?d dcterms:identifier ?doc . OPTIONAL { ?p cg:heading ?heading } }""",
            timeout_s=300,
        )
        passages = sorted(
            (PassageInfo(*row) for row in rows.rows), key=lambda p: (p.document, p.start)
        )
        counts: dict[str, int] = {}
        for p in passages:
            counts[p.document] = counts.get(p.document, 0) + 1
        documents = {
            key: DocumentInfo(key, source, title, str(date) if date else None, counts.get(key, 0))
            for key, source, title, date in docs.rows
        }
        named = self.store.select(
            "SELECT ?p ?e WHERE { ?p a cg:Passage ; cg:mentions ?e }", timeout_s=300
        )
        mentions: dict[str, set[str]] = {}
        for passage, entity in named.rows:
            ref = iri_ref(entity)
            if ref:
                mentions.setdefault(passage.rsplit("/", 1)[1], set()).add(ref)
        return Catalog(documents, passages, {k: frozenset(v) for k, v in mentions.items()})

    def _known(self) -> dict[str, Known]:
        rows = self.store.select(
            """SELECT ?key ?source ?digest WHERE { ?d a foaf:Document ; dcterms:identifier ?key ;
                 dcterms:source ?source . OPTIONAL { ?d cg:contentHash ?digest } }"""
        )
        return {key: Known(key, source, digest) for key, source, digest in rows.rows}

    # -- writing ----------------------------------------------------------------------------

    def _pipeline(self) -> Pipeline:
        return Pipeline(
            self.store,
            self.index,
            self.embedder,
            self._known(),
            keywords=self.keywords,
            extractor=self._extractor(),
            max_bytes=self.settings.max_bytes,
            budget=FileBudget(self.settings.file_timeout_s, self.settings.file_memory_mb),
        )

    def _extractor(self) -> Callable | None:
        """What builds the extraction stage (in this process or a worker), unless extraction
        is switched off."""
        if not self.settings.extract:
            return None
        from ingest.extraction import load_extractor

        return load_extractor

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        progress: Callable[[Progress], None] | None = None,
    ) -> IngestReport:
        """Ingest files and folders; a file that fails is reported and the rest go on."""
        found = find_files(paths)
        items = [(f, _source_of(f), None) for f in found.files]
        return self._run(items, progress, found.skipped)

    def ingest_bytes(self, files: list[tuple[str, bytes]]) -> IngestReport:
        """Ingest uploaded files, named by their file names."""
        items = [(Path(name), Path(name).name, data) for name, data in files]
        return self._run(items, None, ())

    def _run(
        self,
        items: list,
        progress: Callable[[Progress], None] | None,
        skipped: Iterable[tuple[str, str]],
    ) -> IngestReport:
        with self._lock:
            report = self._pipeline().run(items, progress=progress, skipped=skipped)
            if report.changed:
                self._changed()
            return report

    def _changed(self) -> None:
        """Mark what was read from the store as out of date after a write."""
        self._catalog = None
        self.projections.changed()

    def delete_document(self, key: str) -> None:
        """Remove a document, its passages, facts and vectors."""
        self.delete_documents([key])

    def delete_documents(self, keys: Iterable[str]) -> list[str]:
        """Remove documents with their passages, facts and vectors; all or none: an unknown
        key is refused before anything is removed."""
        from graph.build import graph_iri

        keys = list(dict.fromkeys(keys))
        with self._lock:
            known = self._known()
            unknown = [key for key in keys if key not in known]
            if unknown:
                raise NotFound(
                    f"no document {', '.join(map(repr, unknown))}; "
                    "`civicgraph documents` or GET /documents lists them"
                )
            for key in keys:
                self.store.drop_graph(str(graph_iri(key)))
                self.index.delete(key)
                self.keywords.delete(key)
            self._changed()
            return keys

    # -- reading ----------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Every document, newest first."""
        docs = list(self.catalog.documents.values())
        return sorted(docs, key=lambda d: (d.date or "", d.title), reverse=True)

    def document(self, key: str) -> tuple[DocumentInfo, list[PassageInfo]]:
        """One document and its passages, in order."""
        catalog = self.catalog
        if key not in catalog.documents:
            raise NotFound(f"no document {key!r}; GET /documents lists them")
        passages = [p for p in catalog.passages.values() if p.document == key]
        return catalog.documents[key], sorted(passages, key=lambda p: p.start)

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        document: str | None = None,
        kind: str | None = None,
        mode: str = "hybrid",
    ) -> list[SearchHit]:
        """Passages ranked by meaning, keywords and the entities the question names, fused by
        reciprocal rank (graph/fusion.py); `mode` "dense" or "keyword" ranks by one alone."""
        if not query.strip():
            raise BadParameter("the query is empty; say what to search for")
        if mode not in SEARCH_MODES:
            raise BadParameter(f"unknown search mode {mode!r}; choose {', '.join(SEARCH_MODES)}")
        catalog = self.catalog
        documents = None
        if document:
            if document not in catalog.documents:
                raise NotFound(f"no document {document!r}; GET /documents lists them")
            documents = {document}
        allowed = catalog.passages_mentioning(kind) if kind else None
        # with a type filter, rank everything and keep the passages that pass it
        depth = CANDIDATES if allowed is None else len(catalog.passages)
        rankings: dict[str, list[str]] = {}
        sparse = None
        if mode in ("hybrid", "keyword"):
            # SQLite and the model both let go of Python's lock: match words while embedding
            sparse = self._keyword_pool.submit(
                self.keywords.search, query, depth, documents=documents
            )
        if mode in ("hybrid", "dense"):
            vector = self.embedder.encode_query(query)
            dense = self.index.search(vector, depth, documents=documents)
            rankings["dense"] = [key for key, _ in dense if key in catalog.passages]
        if sparse is not None:
            found = sparse.result()
            rankings["keyword"] = [key for key, _ in found if key in catalog.passages]
        if allowed is not None:
            rankings = {
                name: [key for key in ranking if key in allowed][:CANDIDATES]
                for name, ranking in rankings.items()
            }
        if mode == "hybrid":
            named = self.entity_index.named_in(query)
            if named:
                rankings["entities"] = catalog.naming(
                    named, rrf(rankings), documents=documents, allowed=allowed
                )[:CANDIDATES]
        fused = rrf(rankings)[:k]
        hits = []
        for key, score in fused:
            p = catalog.passages[key]
            doc = catalog.documents[p.document]
            hits.append(
                SearchHit(
                    passage=key,
                    document=doc.key,
                    source=doc.source,
                    title=doc.title,
                    date=doc.date,
                    text=p.text,
                    start=p.start,
                    end=p.end,
                    score=round(score, 6),
                    entities=self._entity_refs(catalog.mentions.get(key, frozenset())),
                )
            )
        return hits

    def _entity_refs(self, refs: frozenset[str]) -> tuple[EntityRef, ...]:
        """Entities by ref, labelled from the in-memory name index, in label order."""
        index = self.entity_index
        return tuple(sorted((index.entity_ref(r) for r in refs), key=lambda r: r.label.lower()))

    def sparql(self, query: str, accept: str | None = None) -> SparqlResult:
        """A read-only SPARQL 1.1 query, checked, then run where its time limit stops it, and
        serialised in the first format of `accept` that fits its answer."""
        prepared = prepare_query(query, allow_services=self.settings.sparql_service_allow)
        return self.sparql_runner.run(prepared, negotiate(accept, graph=prepared.graph))

    @property
    def sparql_runner(self) -> SparqlRunner:
        """Where SPARQL queries run: worker processes over the store on disk."""
        with self._lock:
            if self._sparql is None:
                store = self.store
                if not isinstance(store, OxigraphStore):
                    raise BadQuery("the SPARQL endpoint serves the embedded store only")
                store.flush()  # a worker's read-only view replays what is not flushed: slow
                self._sparql = open_runner(
                    store.oxigraph,
                    store.path,
                    timeout_s=self._timeout,
                    generation=lambda: self.generation,
                )
            return self._sparql

    def export(self, fmt: str) -> Iterator[bytes]:
        """The whole graph in an RDF format, or the entity graph as GraphML, streamed."""
        if fmt == "graphml":
            index = self.entity_index
            with self.projections.graph() as graph:
                facts = list(graph.all_facts())
            return write_graphml(facts, index)
        return self.store.export(fmt)  # type: ignore[arg-type]

    # -- the graph's questions --------------------------------------------------------------

    @property
    def generation(self) -> int:
        """A number that changes whenever this service writes to the store."""
        return self.projections.generation

    @property
    def entity_index(self) -> EntityIndex:
        """Every entity's names, in memory, in step with the store."""
        return self.projections.names

    def leads(self, *, theme: str | None = None, council: str | None = None) -> list[Relation]:
        """Who leads what: councils and bodies, the themes and programmes they lead, and why."""
        found = self.projections.leads()
        if not theme and not council:
            return found
        index = self.entity_index
        led = index.resolve(theme).ref if theme else None
        leader = index.resolve(council).ref if council else None
        return [
            r
            for r in found
            if (led is None or r.object.ref == led) and (leader is None or r.subject.ref == leader)
        ]

    def entity(self, name: str) -> EntityCard:
        """The entity card: type, labels, identifiers, relations in and out, documents."""
        index = self.entity_index
        ref = index.resolve(name).ref
        return queries.entity_card(self.store, index, ref, timeout_s=self._timeout)

    def find_entities(
        self, q: str | None = None, *, kind: str | None = None, limit: int = 20
    ) -> list[EntityMatch]:
        """Entities by name or alias, fuzzily and best first; without `q`, in label order."""
        if limit < 1:
            raise BadParameter("limit must be at least 1")
        index = self.entity_index
        if q is None or not q.strip():
            return index.browse(kind=kind, limit=limit)
        return index.find(q, kind=kind, limit=limit)

    def relations(
        self,
        *,
        subject: str | None = None,
        predicate: str | None = None,
        object: str | None = None,
        limit: int = 100,
    ) -> list[Relation]:
        """Facts with their evidence; subject and object may be keys, IRIs or labels."""
        index = self.entity_index
        return queries.relations(
            self.store,
            index,
            subject=index.resolve(subject).ref if subject else None,
            predicate=predicate,
            object=index.resolve(object).ref if object else None,
            limit=limit,
            timeout_s=self._timeout,
        )

    def paths(self, source: str, target: str, *, max_hops: int = 4, limit: int = 5) -> PathsAnswer:
        """The shortest relationship paths between two entities, each hop with its evidence."""
        if not 1 <= max_hops <= MAX_HOPS:
            raise BadParameter(f"max_hops must be between 1 and {MAX_HOPS}")
        if not 1 <= limit <= MAX_PATHS:
            raise BadParameter(f"limit must be between 1 and {MAX_PATHS}")
        index = self.entity_index
        start, end = index.resolve(source), index.resolve(target)
        if start.ref == end.ref:
            raise BadParameter(f"source and target are the same entity ({start.ref})")
        deadline = time.monotonic() + self._timeout
        with self.projections.graph() as graph:
            found, weak = graph.shortest_paths(
                start.ref, end.ref, max_hops=max_hops, limit=limit, deadline=deadline
            )
        if not found and time.monotonic() > deadline:
            raise QueryTimeout(f"the path search ran past its limit of {self._timeout:g} s")
        hops = {(hop.source, hop.target): hop for path in found for hop in path}
        claims = [c for hop in hops.values() if hop.fact for c in hop.sources]
        quotes = queries.claim_evidence(self.store, claims, timeout_s=self._timeout)
        evidence: dict[tuple[str, str], tuple[Evidence, ...]] = {}
        for (u, v), hop in hops.items():
            if hop.fact:
                stated = [quotes[c] for c in hop.sources if c in quotes]
                evidence[(u, v)] = tuple(sorted(stated, key=lambda e: (e.document, e.start or 0)))
            else:
                evidence[(u, v)] = queries.co_mention_evidence(
                    self.store, index, u, v, hop.sources, timeout_s=self._timeout
                )
        paths = tuple(
            RelationPath(
                nodes=(
                    index.entity_ref(path[0].source),
                    *(index.entity_ref(hop.target) for hop in path),
                ),
                edges=tuple(_path_edge(hop, evidence[(hop.source, hop.target)]) for hop in path),
            )
            for path in found
        )
        return PathsAnswer(start, end, max_hops, paths, weak)

    @property
    def _timeout(self) -> float:
        return self.settings.query_timeout_s

    def warm(self) -> None:
        """Load the entity names and the leads now, and then, in the background, the path
        projection, the passage catalogue, the vectors and the model, so that the server
        answers at once and no first request pays for loading; /health waits for all of it."""
        self.leads()
        self._warming = True
        threading.Thread(target=self._warm_rest, name="warm", daemon=True).start()

    def _warm_rest(self) -> None:
        try:
            _ = self.entity_index
            with self.projections.graph():
                pass
            self.projections.save()
            if isinstance(self.store, OxigraphStore):
                self.sparql_runner.warm()
            _ = self.catalog
            _ = self.index
            self.embedder.encode_query("warm up")
        except Exception:  # the request that needs the part reports the error
            log.exception("warming up failed")
        finally:
            self._warmed.set()

    def evaluate(self, gold_path: Path, corpus_dir: Path | None = None) -> EvalReport:
        """Score the store against a gold file of entities and relations."""
        import json

        from ingest.evaluate import GoldError, evaluate_store

        try:
            gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BadParameter(f"cannot read the gold file {gold_path}: {exc}") from None
        try:
            return evaluate_store(self.store, gold, corpus_dir=corpus_dir)
        except GoldError as exc:
            raise BadParameter(f"{gold_path}: {exc}") from None

    def health(self) -> dict[str, Any]:
        """Store, index and model status, once warming up has finished."""
        if self._warming:
            self._warmed.wait(timeout=600)
        catalog = self.catalog
        return {
            "status": "ok",
            "store": {
                "backend": self.settings.store_backend,
                "path": str(self.settings.store),
                "read_only": self.read_only,
                "documents": len(catalog.documents),
                "passages": len(catalog.passages),
            },
            "index": {
                "backend": self.settings.vector_backend,
                "vectors": self._index.count() if self._index is not None else None,
            },
            "model": {
                "name": self.settings.model,
                "loaded": self._embedder is not None,
            },
        }

    def close(self) -> None:
        """Save the graph projection, then flush and close the store."""
        if self._warming:
            self._warmed.wait(timeout=600)
        self.projections.save()
        if self._sparql is not None:
            self._sparql.close()
        self._keyword_pool.shutdown(wait=False, cancel_futures=True)
        if self._keywords is not None:
            self._keywords.close()
        self.store.close()


def _path_edge(hop: Hop, evidence: tuple[Evidence, ...]) -> PathEdge:
    """A hop of a path as answers show it."""
    if hop.fact is None:
        return PathEdge(
            source=hop.source,
            target=hop.target,
            predicate=CO_MENTIONED,
            direction="none",
            kind="co-mention",
            evidence=evidence,
            evidence_count=hop.evidence,
        )
    subject, predicate, _, qualifier = hop.fact
    return PathEdge(
        source=hop.source,
        target=hop.target,
        predicate=predicate,
        direction="forward" if subject == hop.source else "backward",
        kind="fact",
        role=qualifier if predicate != "rated" else None,
        rating=qualifier if predicate == "rated" else None,
        evidence=evidence,
        evidence_count=hop.evidence,
    )


def _source_of(path: Path) -> str:
    """A file's source as stored: its path relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return resolved.as_posix()
