"""The backend contracts (graph/store.py `Store`, graph/vectors.py `VectorIndex`,
graph/keywords.py `KeywordIndex`), one suite run on every backend: the embedded ones here, the
engines beyond one machine (Oxigraph server, Virtuoso, PostgreSQL with pgvector) on servers
the tests start on loopback, marked integration."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rdflib import Literal, URIRef

from graph.build import graph_iri
from graph.embed import HashEmbedder
from graph.errors import IndexMismatch, Unsupported
from graph.keywords import KeywordPassage, SqliteKeywordIndex
from graph.store import OxigraphStore, StoreBusy
from graph.vectors import SOFTNESS, NumpyIndex, check_manifest, soft_best, soft_best_of

EMBED = HashEmbedder()
REMOTE = pytest.mark.integration

# -- vector indexes ---------------------------------------------------------------------------


class VectorBackend:
    """Opens indexes of one backend over the same place, as a writer or a reader."""

    def __init__(self, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.name = name
        self.folder = tmp_path / "vectors"
        self.opened: list = []
        if name == "pgvector":
            server = request.getfixturevalue("postgres_server")
            self.url = server.database(f"v{uuid.uuid4().hex}")

    def open(self, *, read_only: bool = False):
        if self.name == "numpy":
            index = NumpyIndex(self.folder, EMBED.dimension, read_only=read_only)
        elif self.name == "usearch":
            from graph.ann import UsearchIndex

            # a delta of two rows: every few writes are merged into a new snapshot, so the
            # approximate index answers, not only the exact scan of the delta
            index = UsearchIndex(self.folder, EMBED.dimension, read_only=read_only, delta_rows=2)
        else:
            from graph.postgres import PgVectorIndex

            index = PgVectorIndex(self.url, EMBED.dimension, read_only=read_only)
        self.opened.append(index)
        return index

    def close(self) -> None:
        for index in self.opened:
            index.close()


@pytest.fixture(
    params=["numpy", "usearch", pytest.param("pgvector", marks=REMOTE)],
)
def vectors(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorBackend]:
    backend = VectorBackend(request.param, request, tmp_path)
    yield backend
    backend.close()


def _keys(hits: list[tuple[str, float]]) -> list[str]:
    return [key for key, _ in hits]


def test_vectors_upsert_search_count_and_reopen(vectors: VectorBackend) -> None:
    index = vectors.open()
    index.sync(set())
    index.upsert("d1", ["d1-p0", "d1-p1"], EMBED.encode(["older people hospital", "school"]))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["community safety"]))
    index.flush()
    hits = index.search(EMBED.encode_query("hospital older people"), 2)
    assert hits[0][0] == "d1-p0" and hits[0][1] == pytest.approx(1.0, abs=0.02)
    assert index.count() == 3 and index.documents() == {"d1", "d2"}
    index.close()
    reopened = vectors.open()
    reopened.sync({"d1", "d2"})
    assert reopened.count() == 3
    assert _keys(reopened.search(EMBED.encode_query("community safety"), 1)) == ["d2-p0"]


def test_vectors_replace_filter_and_delete(vectors: VectorBackend) -> None:
    index = vectors.open()
    index.sync(set())
    index.upsert("d1", ["d1-p0"], EMBED.encode(["school improvement"]))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["school improvement"]))
    index.upsert("d3", ["d3-p0"], EMBED.encode(["bus routes"]))
    index.flush()
    only = index.search(EMBED.encode_query("school"), 5, documents={"d2"})
    assert _keys(only) == ["d2-p0"]
    # a replaced document answers with its new passages only
    index.upsert("d1", ["d1-p9"], EMBED.encode(["parks and gardens"]))
    index.flush()
    assert "d1-p0" not in _keys(index.search(EMBED.encode_query("school improvement"), 5))
    assert _keys(index.search(EMBED.encode_query("parks and gardens"), 1)) == ["d1-p9"]
    index.delete("d2")
    index.flush()
    assert "d2-p0" not in _keys(index.search(EMBED.encode_query("school improvement"), 5))
    assert index.documents() == {"d1", "d3"} and index.count() == 2
    assert index.search(EMBED.encode_query("school"), 0) == []


def test_vectors_sync_forgets_documents_the_store_no_longer_holds(vectors: VectorBackend) -> None:
    writer = vectors.open()
    writer.sync(set())
    writer.upsert("kept", ["k"], EMBED.encode(["allotments"]))
    writer.upsert("orphan", ["o"], EMBED.encode(["allotment waiting lists"]))
    writer.flush()
    writer.close()
    reopened = vectors.open()
    reopened.sync({"kept"})
    assert reopened.documents() == {"kept"} and reopened.count() == 1
    assert _keys(reopened.search(EMBED.encode_query("allotment waiting lists"), 5)) == ["k"]


def test_vectors_a_passage_of_several_rows_scores_by_its_nearest(vectors: VectorBackend) -> None:
    index = vectors.open()
    index.sync(set())
    sentences = ["school budgets", "bus routes", "older people in hospital"]
    index.upsert("d1", ["d1-p0", "d1-p0", "d1-p1"], EMBED.encode(sentences))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["bus routes and school budgets"]))
    index.flush()
    hits = index.search(EMBED.encode_query("bus routes"), 5)
    assert hits[0][0] == "d1-p0" and hits[0][1] == pytest.approx(1.0, abs=0.02)
    assert _keys(hits).count("d1-p0") == 1
    assert index.count() == 3
    with pytest.raises(ValueError, match="contiguous"):
        index.upsert("d3", ["a", "b", "a"], EMBED.encode(["x", "y", "z"]))
    with pytest.raises(ValueError, match=f"expected 2 x {EMBED.dimension}"):
        index.upsert("d4", ["a", "b"], np.zeros((1, EMBED.dimension), dtype=np.float32))
    # of two passages with the same best sentence, the one whose other sentence also comes
    # near the question ranks first (the soft maximum of graph/vectors.py)
    index.upsert("d5", ["d5-p0", "d5-p0"], EMBED.encode(["night bus", "school budgets"]))
    index.upsert("d6", ["d6-p0", "d6-p0"], EMBED.encode(["night bus", "night bus routes"]))
    index.flush()
    assert _keys(index.search(EMBED.encode_query("night bus"), 2)) == ["d6-p0", "d5-p0"]


def test_a_passage_scores_by_the_soft_maximum_of_its_rows() -> None:
    scores = np.array([0.5, 0.8, 0.3, 0.6, 0.6], dtype=np.float32)
    starts = np.array([0, 3, 4])
    soft = soft_best(scores, starts)
    # each at least its best row, and at most log(n) / SOFTNESS above it
    assert list(soft) == pytest.approx([soft_best_of([0.5, 0.8, 0.3]), 0.6, 0.6], abs=1e-6)
    assert 0.8 < soft[0] < 0.8 + np.log(3) / SOFTNESS
    # two equal rows lift a passage by log(2) / SOFTNESS; a row far below adds next to nothing
    assert soft_best_of([0.6, 0.6]) == pytest.approx(0.6 + np.log(2) / SOFTNESS)
    assert soft_best_of([0.6, 0.0]) == pytest.approx(0.6, abs=1e-5)
    assert len(soft_best(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))) == 0


def test_vectors_a_reader_sees_what_the_writer_wrote_and_refuses_to_write(
    vectors: VectorBackend,
) -> None:
    writer = vectors.open()
    writer.sync(set())
    writer.upsert("d1", ["d1-p0"], EMBED.encode(["library opening hours"]))
    writer.flush()
    reader = vectors.open(read_only=True)
    reader.sync({"d1"})
    assert _keys(reader.search(EMBED.encode_query("library opening hours"), 1)) == ["d1-p0"]
    with pytest.raises(Unsupported):
        reader.upsert("d2", ["d2-p0"], EMBED.encode(["x"]))
    with pytest.raises(Unsupported):
        reader.delete("d1")


def test_vectors_sync_reads_again_what_another_writer_wrote(vectors: VectorBackend) -> None:
    # a server's index, then an upload's process writing the same place while the server
    # writes nothing, then the server catching up
    server = vectors.open()
    server.sync(set())
    server.upsert("d1", ["d1-p0"], EMBED.encode(["tree planting in parks"]))
    server.upsert("d2", ["d2-p0"], EMBED.encode(["gritting icy roads"]))
    server.flush()
    upload = vectors.open()
    upload.sync({"d1", "d2"})
    upload.upsert("d1", ["d1-p9"], EMBED.encode(["swimming pool repairs"]))
    upload.upsert("d3", ["d3-p0"], EMBED.encode(["street lighting"]))
    upload.close()
    server.sync({"d1", "d2", "d3"})
    assert server.documents() == {"d1", "d2", "d3"} and server.count() == 3
    assert _keys(server.search(EMBED.encode_query("swimming pool repairs"), 1)) == ["d1-p9"]
    assert "d1-p0" not in _keys(server.search(EMBED.encode_query("tree planting in parks"), 3))
    assert _keys(server.search(EMBED.encode_query("street lighting"), 1)) == ["d3-p0"]
    assert _keys(server.search(EMBED.encode_query("gritting icy roads"), 1)) == ["d2-p0"]


def test_vectors_answer_searches_while_another_thread_writes(vectors: VectorBackend) -> None:
    index = vectors.open()
    index.sync(set())
    index.upsert("kept", ["kept-p0"], EMBED.encode(["recycling collections"]))
    failures: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for n in range(30):
                index.upsert(f"d{n % 3}", [f"d{n}-p0"], EMBED.encode([f"topic {n}"]))
                if n % 4 == 3:
                    index.delete(f"d{n % 3}")
                index.flush()
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    query = EMBED.encode_query("recycling collections")
    searches = 0
    while not done.is_set() or searches < 5:
        try:
            assert _keys(index.search(query, 1)) == ["kept-p0"]
            index.search(query, 4, documents={"kept", "d1"})
        except BaseException as exc:
            failures.append(exc)
            break
        searches += 1
    writer.join()
    assert not failures, failures
    assert "kept" in index.documents()


def test_a_store_made_with_another_model_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    check_manifest(manifest, "all-MiniLM-L6-v2", 384, read_only=True)
    assert not manifest.exists()  # a reader writes nothing
    check_manifest(manifest, "all-MiniLM-L6-v2", 384, read_only=False)
    check_manifest(manifest, "all-MiniLM-L6-v2", 384, read_only=False)
    with pytest.raises(IndexMismatch, match="built with all-MiniLM-L6-v2"):
        check_manifest(manifest, "other-model", 768, read_only=True)


# -- keyword indexes --------------------------------------------------------------------------

WIGAN = [
    KeywordPassage("w-p0", "Wigan Council proposes to cut hospital admissions of older people."),
    KeywordPassage("w-p1", "Libraries will open longer hours.", "Culture", "Wigan plan"),
]
HACKNEY = [KeywordPassage("h-p0", "Hackney leads on community safety.", "Crime", "Hackney")]


class KeywordBackend:
    def __init__(self, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.name = name
        self.path = tmp_path / "keywords.sqlite"
        self.opened: list = []
        if name == "postgres":
            server = request.getfixturevalue("postgres_server")
            self.url = server.database(f"k{uuid.uuid4().hex}")

    def open(self, *, read_only: bool = False):
        if self.name == "sqlite":
            index = SqliteKeywordIndex(self.path, read_only=read_only)
        else:
            from graph.postgres import PgKeywordIndex

            index = PgKeywordIndex(self.url, read_only=read_only)
        self.opened.append(index)
        return index

    def close(self) -> None:
        for index in self.opened:
            index.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=REMOTE)])
def keywords(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeywordBackend]:
    backend = KeywordBackend(request.param, request, tmp_path)
    yield backend
    backend.close()


def test_keywords_rank_stem_filter_replace_and_delete(keywords: KeywordBackend) -> None:
    index = keywords.open()
    index.upsert("w", WIGAN)
    index.upsert("h", HACKNEY)
    index.flush()
    assert _keys(index.search("hospital admission", 5)) == ["w-p0"]  # "admissions" stems
    assert index.search("council", 5, documents={"h"}) == []
    assert index.count() == 3 and index.documents() == {"w", "h"}
    index.upsert("w", [KeywordPassage("w-p2", "Parks close at dusk.")])
    assert index.search("hospital", 5) == []
    assert _keys(index.search("parks", 5)) == ["w-p2"]
    index.delete("h")
    index.flush()
    index.close()
    reopened = keywords.open()
    assert reopened.documents() == {"w"} and reopened.count() == 1
    assert reopened.search("safety", 5) == []


def test_keywords_a_reader_sees_the_writer_and_refuses_to_write(keywords: KeywordBackend) -> None:
    writer = keywords.open()
    writer.upsert("w", WIGAN)
    writer.flush()
    reader = keywords.open(read_only=True)
    assert reader.read_only
    assert _keys(reader.search("libraries", 5)) == ["w-p1"]
    writer.upsert("h", HACKNEY)
    writer.flush()
    assert reader.documents() == {"w", "h"}
    with pytest.raises(Unsupported):
        reader.upsert("x", HACKNEY)
    with pytest.raises(Unsupported):
        reader.delete("w")


# -- graph stores -----------------------------------------------------------------------------

G1 = str(graph_iri("contract-one"))  # civicgraph's own graphs: a remote store may hold others
G2 = str(graph_iri("contract-two"))
EX = "https://example.org/thing/"


def _quads(graph: str, name: str, label: str) -> list:
    subject = URIRef(EX + name)
    return [
        (subject, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(label), graph),
        (subject, URIRef(EX + "size"), Literal(len(label)), graph),
    ]


# The SPARQL 1.1 servers the remote store is tested on: Oxigraph server, and Virtuoso.
SPARQL_SERVERS = {"sparql": "oxigraph_server", "virtuoso": "virtuoso_server"}


class StoreBackend:
    def __init__(self, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.name = name
        self.path = tmp_path / "graph"
        self.opened: list = []
        if name != "oxigraph":
            self.server = request.getfixturevalue(SPARQL_SERVERS[name])
            self.server.clear()

    def open(self, *, read_only: bool = False):
        if self.name == "oxigraph":
            store = OxigraphStore(self.path, read_only=read_only)
        else:
            from graph.sparql_store import SparqlStore

            update = None if read_only else self.server.update_endpoint
            store = SparqlStore(self.server.query_endpoint, update)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(
    params=[
        "oxigraph",
        pytest.param("sparql", marks=REMOTE),
        pytest.param("virtuoso", marks=REMOTE),
    ]
)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreBackend]:
    backend = StoreBackend(request.param, request, tmp_path)
    yield backend
    backend.close()


def _labels(store) -> set[str]:
    rows = store.select("SELECT ?label WHERE { ?s rdfs:label ?label }")
    return {label for (label,) in rows.rows}


def test_store_replace_query_drop_and_export(stores: StoreBackend) -> None:
    store = stores.open()
    store.replace_graph(G1, _quads(URIRef(G1), "a", "Alderley"))
    store.replace_graph(G2, _quads(URIRef(G2), "b", "Bramhall"))
    store.flush()
    assert store.graphs() == [G1, G2]
    assert _labels(store) == {"Alderley", "Bramhall"}
    rows = store.select(f"SELECT ?n WHERE {{ <{EX}a> <{EX}size> ?n }}")
    assert rows.variables == ["n"] and rows.rows == [(8,)]  # plain Python values
    assert store.ask(f"ASK {{ <{EX}b> rdfs:label ?l }}")
    # replacing a graph drops its old triples, and `drop` removes another graph with it
    store.replace_graph(G1, _quads(URIRef(G1), "c", "Cheadle"), drop=[G2])
    store.flush()
    assert _labels(store) == {"Cheadle"} and store.graphs() == [G1]
    exported = b"".join(store.export("nquads")).decode()
    assert f"<{G1}>" in exported and "Cheadle" in exported and "Alderley" not in exported
    store.drop_graph(G1)
    store.flush()
    assert store.graphs() == [] and not store.ask(f"ASK {{ <{EX}c> ?p ?o }}")
    assert store.capabilities.engine == ("oxigraph" if stores.name == "oxigraph" else "sparql")


def test_store_rows_are_the_same_plain_values_on_every_engine(stores: StoreBackend) -> None:
    store = stores.open()
    store.replace_graph(G1, _quads(URIRef(G1), "a", "Alderley"))
    store.flush()
    rows = store.select(
        f"""SELECT ?iri ?text ?tagged ?count ?share ?ratio ?day ?unbound WHERE {{
             <{EX}a> rdfs:label ?text .
             BIND(<{EX}a> AS ?iri)
             BIND("Alderley"@en AS ?tagged)
             BIND("7"^^xsd:nonNegativeInteger AS ?count)
             BIND(2.5 AS ?share)
             BIND("0.25"^^xsd:double AS ?ratio)
             BIND("2024-05-01"^^xsd:date AS ?day)
             OPTIONAL {{ <{EX}a> <{EX}missing> ?unbound }} }}"""
    )
    assert rows.variables == [
        "iri", "text", "tagged", "count", "share", "ratio", "day", "unbound"
    ]  # fmt: skip
    assert rows.rows == [(EX + "a", "Alderley", "Alderley", 7, 2.5, 0.25, "2024-05-01", None)]
    assert [type(v) for v in rows.rows[0][3:6]] == [int, float, float]


def test_store_read_only_reads_and_refuses_writes(stores: StoreBackend) -> None:
    writer = stores.open()
    writer.replace_graph(G1, _quads(URIRef(G1), "a", "Alderley"))
    writer.flush()
    writer.close()
    reader = stores.open(read_only=True)
    assert reader.read_only
    assert _labels(reader) == {"Alderley"}
    with pytest.raises((Unsupported, StoreBusy)):
        reader.replace_graph(G2, _quads(URIRef(G2), "b", "Bramhall"))
        reader.flush()


@REMOTE
@pytest.mark.parametrize("engine", SPARQL_SERVERS.values())
def test_a_remote_graph_larger_than_a_batch_is_written_whole(
    engine: str, request: pytest.FixtureRequest
) -> None:
    from graph.sparql_store import SparqlStore

    server = request.getfixturevalue(engine)
    server.clear()
    store = SparqlStore(server.query_endpoint, server.update_endpoint, batch_quads=3)
    try:
        quads = [
            q for n in range(4) for q in _quads(URIRef(G1), f"t{n}", f"Town number {n}")
        ]  # 8 quads: sent in three requests to a staging graph, then moved
        store.replace_graph(G1, _quads(URIRef(G1), "old", "Old town"))
        store.replace_graph(G1, quads, drop=[G2])
        store.flush()
        assert _labels(store) == {f"Town number {n}" for n in range(4)}
        assert store.graphs() == [G1]
        # small graphs wait for the batch, and a read sends them first
        store.replace_graph(G2, _quads(URIRef(G2), "b", "Bramhall"))
        assert "Bramhall" in _labels(store)
    finally:
        store.close()
