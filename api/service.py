"""CivicGraph: the one core object. The HTTP API and the command line are two faces of it."""

from __future__ import annotations

import concurrent.futures
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from api.ask.model import AskResult
from api.schemas import NAMED
from api.settings import Settings
from graph import backends, queries
from graph.build import REFERENCE_GRAPH, graph_iri, reference_triples
from graph.embed import Embedder, open_embedder
from graph.errors import BadParameter, IngestFailed, NotFound, QueryTimeout
from graph.fusion import entity_ranking, rrf
from graph.keywords import KeywordIndex, keyword_passages
from graph.model import (
    DocumentInfo,
    EntityCard,
    EntityMatch,
    EntityRef,
    Evidence,
    PassageInfo,
    PathEdge,
    PathsAnswer,
    Relation,
    RelationPath,
    SearchHit,
)
from graph.paths import CO_MENTIONED, Hop, Projections, write_graphml
from graph.queries import EntityIndex
from graph.sparql import prepare_query
from graph.sparql_pool import SparqlRunner
from graph.sparql_protocol import SparqlResult, negotiate
from graph.store import Store, StoreBusy
from graph.vectors import VectorIndex
from ingest.budget import FileBudget
from ingest.detached import DetachedRun, run_detached
from ingest.evaluate import EvalReport
from ingest.pipeline import IngestReport, Known, Pipeline, Progress, find_files

log = logging.getLogger(__name__)

# How many candidates each ranking contributes before fusion.
CANDIDATES = 50
# Bounds of the path questions.
MAX_HOPS = 8
MAX_PATHS = 20
SEARCH_MODES = ("hybrid", "dense", "keyword")
# With a type filter, how many passages each ranking reads before keeping those that mention
# an entity of the type (every passage, in a store this small or smaller).
FILTER_DEPTH = 1000

__all__ = ["CivicGraph", "DocumentInfo", "PassageInfo"]


class CivicGraph:
    """The store, the vector and keyword indexes and the model, and every question civicgraph
    answers. Which engines hold them is the settings' choice (graph/backends.py)."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        writable: bool = True,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()  # held while a part is first loaded
        # held by whatever writes: one writer at a time, while readers go on (the indexes
        # answer searches while they are written, graph/vectors.py's contract)
        self._writing = threading.Lock()
        self._index: VectorIndex | None = None
        self._keywords: KeywordIndex | None = None
        self._documents: tuple[int, dict[str, DocumentInfo]] | None = None
        self._warmed = threading.Event()
        self._warming = False
        self._sparql: SparqlRunner | None = None
        # keyword matching runs here while the query embeds (SQLite lets go of Python's lock)
        self._keyword_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="keywords"
        )
        self.store: Store = backends.open_store(settings, read_only=not writable)
        self.read_only = self.store.read_only
        # the name index, path projection and leads, kept in step with the store
        self.projections = Projections(
            self.store,
            backends.projection_folder(settings),
            writable=not self.read_only,
            timeout_s=settings.query_timeout_s,
        )
        if not self.read_only:
            self.store.replace_graph(
                str(REFERENCE_GRAPH), [(*t, REFERENCE_GRAPH) for t in reference_triples()]
            )
            self.store.flush()

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        write: bool = False,
        read_only: bool = False,
        embedder: Embedder | None = None,
    ):
        """Open read-only when `read_only` (the commands that only read: nothing is written to
        the store, not even what opening would catch up), for writing when `write`, else
        read-write if free and read-only if another process (a running server) holds it."""
        if read_only:
            return cls(settings, embedder=embedder, writable=False)
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
    def index(self) -> VectorIndex:
        """The passage vectors of every document in the store."""
        with self._lock:
            if self._index is None:
                embedder = self.embedder
                index = backends.open_vectors(
                    self.settings, embedder.name, embedder.dimension, read_only=self.read_only
                )
                index.sync(set(self._known()))
                self._index = index
            return self._index

    @property
    def keywords(self) -> KeywordIndex:
        """The keyword index of the passages, caught up with the store when first opened."""
        with self._lock:
            if self._keywords is None:
                keywords = backends.open_keywords(self.settings, read_only=self.read_only)
                if not keywords.read_only:  # the process that holds the store catches up
                    self._catch_up_keywords(keywords)
                self._keywords = keywords
            return self._keywords

    def _catch_up_keywords(self, keywords: KeywordIndex) -> None:
        """Index the documents the store holds and the keyword index lacks (a store from
        before the index, or a read-only one with no index file yet, indexed in memory), and
        drop those it no longer holds (left by an interrupted ingest)."""
        held = keywords.documents()
        stored = set(self._known())
        for key in held - stored:
            keywords.delete(key)
        missing = stored - held
        if not missing:
            return
        documents = self._document_infos()
        for key in sorted(missing):
            passages = queries.document_passages(self.store, key, timeout_s=300)
            keywords.upsert(key, keyword_passages(passages, documents[key].title))
        keywords.flush()

    def _document_infos(self) -> dict[str, DocumentInfo]:
        """Every document with its size, read from the store once per change."""
        with self._lock:
            generation = self.generation
            if self._documents is None or self._documents[0] != generation:
                found = queries.documents(self.store, timeout_s=300)
                self._documents = (generation, {d.key: d for d in found})
            return self._documents[1]

    def _known(self) -> dict[str, Known]:
        found = queries.known_documents(self.store, timeout_s=300)
        return {key: Known(key, source, digest) for key, (source, digest) in found.items()}

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
        """Ingest uploaded files, named by their file names, in this process."""
        items = [(Path(name), Path(name).name, data) for name, data in files]
        return self._run(items, None, ())

    def ingest_uploads(
        self,
        uploads: list[tuple[str, Path]],
        *,
        progress: Callable[[Progress], None] | None = None,
        stop: threading.Event | None = None,
    ) -> IngestReport:
        """Ingest uploaded files (each name with the file that holds its bytes) beside the
        questions being answered: in a process of its own at a lower CPU priority
        (ingest/detached.py), which writes the vectors through the index the settings name
        and sends its graph and keyword writes here. Readers go on meanwhile and see the new
        documents' vectors once the run ends."""
        with self._writing:
            index = self.index  # opened, and the model checked against the store, first
            run = DetachedRun(
                uploads=uploads,
                known=self._known(),
                settings=self.settings,
                model=self.embedder.name,
                device=self.settings.device,
                extractor=self._extractor(),
                max_bytes=self.settings.max_bytes,
                budget=FileBudget(self.settings.file_timeout_s, self.settings.file_memory_mb),
            )
            try:
                report = run_detached(run, self.store, self.keywords, progress=progress, stop=stop)
            except IngestFailed:
                index.sync(set(self._known()))  # what it wrote before is stored
                self._changed()
                raise
            if report.changed:
                # read what the child wrote, and leave out what the store no longer holds
                index.sync(set(self._known()))
                self._changed()
            return report

    def _run(
        self,
        items: list,
        progress: Callable[[Progress], None] | None,
        skipped: Iterable[tuple[str, str]],
    ) -> IngestReport:
        with self._writing:
            report = self._pipeline().run(items, progress=progress, skipped=skipped)
            if report.changed:
                self._changed()
            return report

    def _changed(self) -> None:
        """After a write, what was read from the store is out of date. A server (warmed up)
        reads it again now, in the writing thread, so that no reader's request waits for it
        and readers see the old parts until the new ones are in place; otherwise each part
        is read again when next needed."""
        self.projections.changed()
        if not self._warming:
            return
        self._document_infos()
        _ = self.entity_index
        with self.projections.graph():
            pass
        self.leads()
        self.projections.save()

    def delete_document(self, key: str) -> None:
        """Remove a document, its passages, facts and vectors."""
        self.delete_documents([key])

    def delete_documents(self, keys: Iterable[str]) -> list[str]:
        """Remove documents with their passages, facts and vectors; all or none: an unknown
        key is refused before anything is removed."""
        keys = list(dict.fromkeys(keys))
        with self._writing:
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
            self.index.flush()
            self.keywords.flush()
            self._changed()
            return keys

    # -- reading ----------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Every document, newest first."""
        docs = list(self._document_infos().values())
        return sorted(docs, key=lambda d: (d.date or "", d.title), reverse=True)

    def document(self, key: str) -> tuple[DocumentInfo, list[PassageInfo]]:
        """One document and its passages, in order."""
        found = queries.documents(self.store, keys=[key], timeout_s=self._timeout)
        if not found:
            raise NotFound(f"no document {key!r}; GET /documents lists them")
        return found[0], queries.document_passages(self.store, key, timeout_s=self._timeout)

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
        reciprocal rank (graph/fusion.py); `mode` "dense" or "keyword" ranks by one alone.
        Texts and entities are read from the store for the passages answered only."""
        if not re.search(NAMED, query):  # as the API's schema says
            raise BadParameter("the query has no letter or digit; say what to search for")
        if mode not in SEARCH_MODES:
            raise BadParameter(f"unknown search mode {mode!r}; choose {', '.join(SEARCH_MODES)}")
        if kind is not None and kind not in queries.ENTITY_KINDS:
            raise BadParameter(
                f"unknown entity type {kind!r}; choose {', '.join(queries.ENTITY_KINDS)}"
            )
        documents = None
        if document:
            if not queries.document_exists(self.store, document, timeout_s=self._timeout):
                raise NotFound(f"no document {document!r}; GET /documents lists them")
            documents = {document}
        # with a type filter, rank deeper and keep the passages that pass it
        depth = CANDIDATES if kind is None else FILTER_DEPTH
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
            rankings["dense"] = [key for key, _ in dense]
        if sparse is not None:
            rankings["keyword"] = [key for key, _ in sparse.result()]
        if kind is not None:
            ranked = {key for ranking in rankings.values() for key in ranking}
            allowed = queries.mentioning_kind(self.store, ranked, kind, timeout_s=self._timeout)
            rankings = {
                name: [key for key in ranking if key in allowed][:CANDIDATES]
                for name, ranking in rankings.items()
            }
        if mode == "hybrid":
            named = self.entity_index.named_in(query)
            if named:
                rankings["entities"] = self._naming(named, rrf(rankings), documents, kind)
        return self._hits(rrf(rankings), k)

    def _naming(
        self,
        refs: set[str],
        order: list[tuple[str, float]],
        documents: set[str] | None,
        kind: str | None,
    ) -> list[str]:
        """Passages that name any of these entities, ranked as graph/fusion.py's
        `entity_ranking` says: the ranked passages' entities, and the best of the others."""
        timeout = self._timeout
        ranked = [key for key, _ in order]
        count = dict(queries.naming(self.store, refs, passages=ranked, timeout_s=timeout))
        # the best of the others by (count, key): enough that none of the first CANDIDATES
        # is missed however many of those ranked already are among them
        others = queries.naming(
            self.store,
            refs,
            documents=documents,
            kind=kind,
            limit=CANDIDATES + len(count),
            timeout_s=timeout,
        )
        count.update(others)
        return entity_ranking(count, order, CANDIDATES)

    def _hits(self, fused: list[tuple[str, float]], k: int) -> list[SearchHit]:
        """The first k fused passages that the store holds, with their texts, documents and
        entities read from it (an index may still hold a passage whose graph is gone)."""
        found: dict[str, tuple[PassageInfo, DocumentInfo]] = {}
        start = 0
        while start < len(fused) and len(found) < k:
            batch = [key for key, _ in fused[start : start + k + 5]]
            found |= queries.passages(self.store, batch, timeout_s=self._timeout)
            start += len(batch)
        chosen = [(key, score) for key, score in fused if key in found][:k]
        mentions = queries.mentions(self.store, [key for key, _ in chosen], timeout_s=self._timeout)
        hits = []
        for key, score in chosen:
            p, doc = found[key]
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
                    entities=self._entity_refs(mentions.get(key, frozenset())),
                )
            )
        return hits

    def _entity_refs(self, refs: frozenset[str]) -> tuple[EntityRef, ...]:
        """Entities by ref, labelled from the in-memory name index, in label order (then by
        id, so that two people of one name come in the same order in every process)."""
        index = self.entity_index
        return tuple(
            sorted((index.entity_ref(r) for r in refs), key=lambda r: (r.label.lower(), r.ref))
        )

    def sparql(self, query: str, accept: str | None = None) -> SparqlResult:
        """A read-only SPARQL 1.1 query, checked, then run where its time limit stops it, and
        serialised in the first format of `accept` that fits its answer."""
        prepared = prepare_query(query, allow_services=self.settings.sparql_service_allow)
        return self.sparql_runner.run(prepared, negotiate(accept, graph=prepared.graph))

    @property
    def sparql_runner(self) -> SparqlRunner:
        """Where SPARQL queries run: the store's own runner (worker processes over the
        embedded store, the remote endpoint itself)."""
        with self._lock:
            if self._sparql is None:
                self._sparql = self.store.sparql_runner(
                    timeout_s=self._timeout, generation=lambda: self.generation
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
        # the passages that name both ends of each hop that is no stated fact, in one query
        evidence = queries.co_mentions(
            self.store,
            index,
            {pair: hop.sources for pair, hop in hops.items() if not hop.fact},
            timeout_s=self._timeout,
        )
        for (u, v), hop in hops.items():
            if hop.fact:
                stated = [quotes[c] for c in hop.sources if c in quotes]
                evidence[(u, v)] = tuple(sorted(stated, key=lambda e: (e.document, e.start or 0)))
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

    def ask(self, question: str, *, as_of: str | None = None, k: int = 5) -> AskResult:
        """A question in plain English, answered from the graph with the quotes that state
        each answer, beside the `k` passages search finds for it."""
        from api.ask import answer_question

        return answer_question(self, question, as_of=as_of, k=k)

    @property
    def _timeout(self) -> float:
        return self.settings.query_timeout_s

    def warm(self) -> None:
        """Load the entity names and the leads now, and then, in the background, the path
        projection, the document list, the indexes and the model, so that the server
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
            self.sparql_runner.warm()
            self._document_infos()
            _ = self.keywords
            _ = self.index
            self.embedder.encode_query("warm up")
            from api.ask import prepare

            prepare()
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
        documents = self._document_infos()
        return {
            "status": "ok",
            "store": {
                "backend": self.settings.store_backend,
                "path": str(self.settings.store),
                "read_only": self.read_only,
                "documents": len(documents),
                "passages": sum(d.passages for d in documents.values()),
            },
            "index": {
                "backend": self.settings.vector_backend,
                "vectors": self._index.count() if self._index is not None else None,
            },
            "keywords": {
                "backend": self.settings.keyword_backend,
                "passages": self._keywords.count() if self._keywords is not None else None,
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
        if self._index is not None:
            self._index.close()
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
