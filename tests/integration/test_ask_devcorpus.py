"""Questions in plain English over a real store of the development corpus (../shared/devcorpus,
thirty documents written by people who did not write civicgraph's rules), scored against forty
questions of our own written from its gold file (tests/gold/ask_questions.json).

The corpus is ingested with the hash embedder: what is scored is the reading of questions and
the graph's answers, not passage search. Extraction finds about 0.58 of the corpus's relations,
so some expected answers are not in the graph at all; tests/ask_quality.py puts every wrong
answer down to a misreading, a fact not extracted, or an undated document, and the floors below
hold each figure a little under what it reaches (see the README's figures).
"""

from __future__ import annotations

import time

import pytest

from api.ask.lifetimes import gazetteer_lifetimes
from tests import ask_quality
from tests.conftest import DEVCORPUS

pytestmark = pytest.mark.integration

# share of the forty questions whose expected answers are in the first answer (34/40 measured;
# the target, 0.80, is the floor)
RIGHT_FLOOR = 0.80
# questions misread although the graph holds what they ask for (1 measured)
MISREAD_CEILING = 1


@pytest.fixture(scope="module")
def dev_service(tmp_path_factory: pytest.TempPathFactory):
    from api.service import CivicGraph
    from api.settings import Settings

    folder = DEVCORPUS / "docs"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here: the development corpus sits beside the checkout")
    store = tmp_path_factory.mktemp("ask-dev") / "store"
    service = CivicGraph.open(Settings(store=store, model="hash"), write=True)
    report = service.ingest([folder])
    assert report.ok, report.failed
    yield service
    service.close()


@pytest.fixture(scope="module")
def scored(dev_service) -> list[ask_quality.Scored]:
    return ask_quality.evaluate(dev_service, gold_path=DEVCORPUS / "gold.json")


def test_forty_questions_of_our_own_are_scored(scored: list[ask_quality.Scored]) -> None:
    assert len(scored) == 40
    print("\n" + ask_quality.table(scored))
    right = sum(s.right for s in scored) / len(scored)
    assert right >= RIGHT_FLOOR, ask_quality.table(scored)
    assert sum(s.verdict == "misread" for s in scored) <= MISREAD_CEILING, ask_quality.table(scored)


def test_every_answer_carries_quotes_dated_by_their_documents(
    scored: list[ask_quality.Scored],
) -> None:
    assert all(s.evidence for s in scored)
    assert all(s.dated for s in scored)


def test_every_question_is_read_as_a_shape(scored: list[ask_quality.Scored]) -> None:
    assert all(s.shape is not None for s in scored)


def test_councils_abolished_before_the_time_asked_are_not_offered(dev_service) -> None:
    question = "Which councils joined Sure Start?"
    everyone = dev_service.ask(question)
    as_of = dev_service.ask(question, as_of="2012")
    ended = {a.entity.ref for a in everyone.answers} - {a.entity.ref for a in as_of.answers}
    assert ended, "the corpus names councils abolished in 2009 among the programme's areas"
    [note] = [n for n in as_of.interpretation.notes if n.startswith("left out, not in existence")]
    lifetimes = gazetteer_lifetimes()
    for ref in ended:
        assert lifetimes[ref].end < "2012"
        assert dev_service.entity_index.get(ref).label in note
    # as of a year they still existed, they are offered
    assert {a.entity.ref for a in dev_service.ask(question, as_of="2008").answers} >= ended


def test_a_question_no_shape_fits_is_answered_by_the_passages(dev_service) -> None:
    result = dev_service.ask("Why do councils find it hard to keep older people out of hospital?")
    assert result.interpretation.shape is None
    assert result.answers == ()
    assert len(result.passages) == 5
    assert result.interpretation.message == "no shape of question fits; see the passages"


def test_an_unknown_entity_is_named_with_the_nearest_ones(dev_service) -> None:
    result = dev_service.ask("Who is the chief executive of Gotham Borough Council?")
    assert result.answers == ()
    [unknown] = result.interpretation.unknown
    assert unknown.text == "Gotham Borough Council"
    assert result.interpretation.message.startswith(
        "no such entity 'Gotham Borough Council'; nearest: "
    )
    assert unknown.nearest
    assert result.passages


def test_questions_answer_quickly_on_a_real_store(dev_service, scored) -> None:
    started = time.perf_counter()
    for _ in range(3):
        dev_service.ask("Who is the chief executive of the Audit Commission?")
    # a generous bound for a shared machine; tests/bench/bench_ask.py measures the latency
    assert (time.perf_counter() - started) / 3 < 0.5
