"""The embedded store: one graph per document, replaced atomically, queried and exported."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from pathlib import Path

import pytest
import rdflib

from graph.build import build_quads, graph_iri
from graph.errors import BadQuery
from graph.model import Document, Passage
from graph.store import OxigraphStore

DOC = Document(
    key="doc-1",
    source="doc.txt",
    title="Warm homes",
    text="Leeds leads warm homes.",
    date="2010-11-12",
)
PASSAGES = [Passage("doc-1-p0000", "doc-1", 0, 23, "Leeds leads warm homes.", None)]


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore(tmp_path / "graph")
    store.replace_graph(str(graph_iri(DOC.key)), build_quads(DOC, PASSAGES))
    return store


def test_document_and_passage_are_modelled(store: OxigraphStore) -> None:
    rows = store.select(
        """SELECT ?title ?date ?source ?text ?start ?end WHERE {
             ?d a foaf:Document ; dcterms:title ?title ; dcterms:date ?date ;
                dcterms:source ?source .
             ?p a cg:Passage ; dcterms:isPartOf ?d ; cg:text ?text ; cg:start ?start ;
                cg:end ?end }"""
    )
    assert rows.rows == [("Warm homes", "2010-11-12", "doc.txt", "Leeds leads warm homes.", 0, 23)]


def test_replacing_a_graph_leaves_only_the_new_one(store: OxigraphStore) -> None:
    changed = Document("doc-2", "doc.txt", "Warm homes, revised", "New text here.")
    store.replace_graph(
        str(graph_iri("doc-2")),
        build_quads(changed, [Passage("doc-2-p0000", "doc-2", 0, 14, "New text here.")]),
        drop=[str(graph_iri("doc-1"))],
    )
    titles = store.select("SELECT ?t WHERE { ?d dcterms:title ?t }").rows
    assert titles == [("Warm homes, revised",)]
    assert store.graphs() == [str(graph_iri("doc-2"))]


def test_syntax_error_names_the_problem(store: OxigraphStore) -> None:
    with pytest.raises(BadQuery, match="SPARQL syntax error"):
        store.select("SELECT ?x WHERE { ?x ?y }")


def test_store_reopens_with_its_data(tmp_path: Path, store: OxigraphStore) -> None:
    store.close()
    del store
    reopened = OxigraphStore(tmp_path / "graph")
    assert reopened.ask("ASK { ?p a cg:Passage }")


@pytest.mark.parametrize(
    ("fmt", "parser"),
    [("turtle", "turtle"), ("nquads", "nquads"), ("ntriples", "nt"), ("trig", "trig")],
)
def test_exports_parse_back(store: OxigraphStore, fmt: str, parser: str) -> None:
    data = b"".join(store.export(fmt))
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=parser)
    assert len(dataset) >= 1 or sum(len(g) for g in dataset.graphs()) >= 10


def test_jsonld_export_keeps_named_graphs(store: OxigraphStore) -> None:
    data = json.loads(b"".join(store.export("jsonld")))
    assert str(graph_iri(DOC.key)) in {item.get("@id") for item in data}


def test_an_export_may_be_streamed_one_chunk_a_thread(
    store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a streamed response asks for each chunk from whichever worker thread is free; an
    # Oxigraph iterator dropped in another thread than its own is an error that Python can
    # only report as "unraisable"
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.exc_value)))
    assert store.graphs()  # a named graph besides the default one: chunks past the first
    chunks = store.export("nquads")
    whole: list[bytes] = []

    def take() -> None:
        whole.extend(itertools.islice(chunks, 1))

    while True:
        before = len(whole)
        thread = threading.Thread(target=take)
        thread.start()
        thread.join()
        if len(whole) == before:
            break
    assert not unraisable, unraisable
    assert b"".join(whole) == b"".join(store.export("nquads"))


def test_rdflib_reads_the_same_store_through_oxrdflib(store: OxigraphStore) -> None:
    dataset = store.rdflib_dataset()
    titles = {str(o) for o in dataset.objects(None, rdflib.namespace.DCTERMS.title)}
    assert titles == {"Warm homes"}
