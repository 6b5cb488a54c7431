"""The service's search over a store on disk: the keyword index caught up with the store,
kept in step with deletes, and entity evidence for questions that name an entity; on every
backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.service import CivicGraph
from api.settings import Settings
from graph import backends
from graph.errors import BadParameter, NotFound
from tests import fictional


@pytest.fixture
def service(tmp_path: Path, backend_settings: dict[str, str]):
    settings = Settings(store=tmp_path / "store", model="hash", **backend_settings)
    store = backends.open_store(settings, read_only=False)
    fictional.write(store)  # a store with passages but no keyword index yet
    store.close()
    opened = CivicGraph(settings)
    yield opened
    opened.close()


def test_the_keyword_index_catches_up_with_a_store_that_lacks_it(service) -> None:
    hits = service.search("youth employment", mode="keyword")
    assert hits[0].document == "forum"
    assert "youth employment" in hits[0].text
    assert service.keywords.count() == sum(d.passages for d in service.documents())
    assert service.keywords.documents() == {"forum", "association", "ratings"}


def test_deleting_a_document_removes_its_passages_from_keyword_search(service) -> None:
    assert service.search("bus scheme", mode="keyword")
    service.delete_document("association")
    assert service.search("bus scheme", mode="keyword") == []


def test_a_question_naming_an_entity_prefers_passages_that_mention_it(service) -> None:
    # "NCA" is only an alias: no passage holds the word, three mention the body
    nca = "body/northern-councils-association"
    assert service.search("NCA", mode="keyword") == []
    hits = service.search("NCA", k=5)
    assert [nca in {e.ref for e in hit.entities} for hit in hits] == [True, True, True]


def test_search_filters_by_document_and_refuses_an_unknown_mode(service) -> None:
    hits = service.search("Riverton Council", mode="keyword", document="ratings")
    assert hits and {h.document for h in hits} == {"ratings"}
    with pytest.raises(BadParameter, match="choose hybrid, dense, keyword"):
        service.search("Riverton", mode="bm25")


def test_keys_and_types_that_name_nothing_are_refused_before_any_query(service) -> None:
    for key in ("forum>", 'a"b', "a b", "a/b", "x} ?s ?p ?o {", "4\x8bn"):
        with pytest.raises(NotFound):
            service.search("council", document=key)
        with pytest.raises(NotFound):
            service.document(key)
    with pytest.raises(BadParameter, match="no letter or digit"):
        service.search("\x0b ?")
    with pytest.raises(BadParameter, match="no letter or digit"):
        service.search("\x86\r")  # a control character is no letter, in any script
    assert isinstance(service.search("Ωμέγα"), list)  # another script's letters name a search
    with pytest.raises(BadParameter, match="unknown entity type"):
        service.search("council", kind='council/") } #')


def test_an_upload_ingested_in_its_own_process_is_searched_and_replaced(
    tmp_path: Path, backend_settings: dict[str, str]
) -> None:
    # the child process writes vectors through the index the settings name and sends the
    # graph and keyword writes back to this one, on every backend
    settings = Settings(store=tmp_path / "store", model="hash", extract=False, **backend_settings)
    service = CivicGraph(settings)
    try:
        upload = tmp_path / "upload.txt"
        upload.write_text("Beekeeping on rooftops\n\nHives were placed on the depot roof.\n")
        report = service.ingest_uploads([("beekeeping.txt", upload)])
        assert len(report.added) == 1 and not report.failed
        for mode in ("dense", "keyword"):
            hits = service.search("hives depot roof", mode=mode)
            assert hits and "depot roof" in hits[0].text, mode
        upload.write_text("Beekeeping on rooftops\n\nThe hives moved to the library.\n")
        report = service.ingest_uploads([("beekeeping.txt", upload)])
        assert len(report.replaced) == 1
        for mode in ("dense", "keyword"):
            texts = [hit.text for hit in service.search("hives library", mode=mode)]
            assert any("library" in text for text in texts), mode
            assert not any("depot roof" in text for text in texts), mode
        assert service.index.count() == sum(d.passages for d in service.documents())
    finally:
        service.close()
