"""Extraction quality on the development corpus, the seeds and the test fixtures, scored
against their gold files.

The corpora are ingested with the hash embedder (extraction does not depend on the embedding
model) and scored with ingest.evaluate. The floors sit a few points below what extraction
reaches, so that a change that lowers quality fails here. The development corpus
(../shared/devcorpus: thirty documents written by people who did not write the rules) is the
one the rules are measured and generalised on; the seeds are held out; the fixtures are our
own. Where a floor is below its target, extraction does not reach the target on that corpus
yet (see the README's figures).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.evaluate import EvalReport, evaluate_store
from tests.conftest import DEVCORPUS, FIXTURES, GOLD, SEEDS

pytestmark = pytest.mark.integration

# corpus -> kind -> (recall floor, precision floor)
ENTITY_FLOORS = {
    "dev": {
        "council": (0.94, 0.93),
        "body": (0.89, 0.84),
        "person": (0.96, 0.91),
        "programme": (0.78, 0.82),
        "theme": (0.92, 0.93),
    },
    "seeds": {"council": (0.95, 0.90), "body": (0.88, 0.84), "person": (0.92, 0.95)},
    "fixtures": {"council": (0.95, 0.95), "body": (0.95, 0.95), "person": (0.95, 0.95)},
}
# corpus -> predicate group -> floor of recall with evidence
RELATION_FLOORS = {
    "dev": {"roles": 0.83, "leads": 0.67, "named lists": 0.80, "programme facts": 0.74},
    "seeds": {"roles": 0.80, "leads": 0.85, "named lists": 0.95, "programme facts": 0.95},
    "fixtures": {"roles": 0.95, "leads": 0.93, "named lists": 0.95, "programme facts": 0.90},
}
CORPORA = {
    "dev": (DEVCORPUS / "docs", DEVCORPUS / "gold.json"),
    "seeds": (SEEDS, GOLD / "seeds.json"),
    "fixtures": (FIXTURES, GOLD / "fixtures.json"),
}
# corpus -> floors of recall with evidence and precision over every relation
OVERALL_FLOORS = {"dev": (0.80, 0.92), "seeds": (0.88, 0.92), "fixtures": (0.97, 0.97)}


def score(name: str, tmp: Path) -> EvalReport:
    from api.service import CivicGraph
    from api.settings import Settings

    folder, gold_path = CORPORA[name]
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here: the development corpus sits beside the checkout")
    service = CivicGraph.open(Settings(store=tmp / name, model="hash"), write=True)
    try:
        ingest = service.ingest([folder])
        assert ingest.ok, ingest.failed
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        return evaluate_store(service.store, gold, corpus_dir=folder)
    finally:
        service.close()


class Reports(dict):
    """Each corpus's report, scored when a test first asks for it."""

    def __init__(self, tmp: Path) -> None:
        super().__init__()
        self.tmp = tmp

    def __missing__(self, name: str) -> EvalReport:
        self[name] = score(name, self.tmp)
        return self[name]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    return Reports(tmp_path_factory.mktemp("quality"))


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_every_gold_document_is_scored(reports, corpus: str) -> None:
    assert reports[corpus].missing_documents == []


@pytest.mark.parametrize(
    ("corpus", "kind"), [(c, k) for c, kinds in ENTITY_FLOORS.items() for k in kinds]
)
def test_entity_recall_and_precision_stay_above_floors(reports, corpus: str, kind: str) -> None:
    score = reports[corpus].entities[kind]
    recall_floor, precision_floor = ENTITY_FLOORS[corpus][kind]
    assert score.recall >= recall_floor, reports[corpus].render_text()
    assert score.precision >= precision_floor, reports[corpus].render_text()


@pytest.mark.parametrize(
    ("corpus", "group"), [(c, g) for c, groups in RELATION_FLOORS.items() for g in groups]
)
def test_relation_recall_with_evidence_stays_above_floors(reports, corpus: str, group: str) -> None:
    score = reports[corpus].groups[group]
    assert score.recall_with_evidence >= RELATION_FLOORS[corpus][group], reports[
        corpus
    ].render_text()


# floor of recall with evidence for every predicate on the development set (0.67 the lowest
# measured, createdBy: 12 of 18)
PREDICATE_FLOOR = 0.60


def test_every_predicate_found_with_evidence_on_the_development_set(reports) -> None:
    for predicate, score in reports["dev"].relations.items():
        assert score.recall_with_evidence >= PREDICATE_FLOOR, (predicate, score)


# corpus -> floor of precision for every predicate group
GROUP_PRECISION_FLOORS = {"dev": 0.65, "seeds": 0.85, "fixtures": 0.85}


@pytest.mark.parametrize("corpus", list(GROUP_PRECISION_FLOORS))
def test_relations_extracted_are_mostly_right(reports, corpus: str) -> None:
    for group, score in reports[corpus].groups.items():
        floor = GROUP_PRECISION_FLOORS[corpus]
        assert score.precision is None or score.precision >= floor, (group, score)


@pytest.mark.parametrize("corpus", list(OVERALL_FLOORS))
def test_all_relations_found_with_evidence_and_right(reports, corpus: str) -> None:
    report = reports[corpus]
    scores = report.relations.values()
    gold = sum(s.gold for s in scores)
    found = sum(s.found_with_evidence for s in scores)
    extracted = sum(s.extracted for s in scores)
    correct = sum(s.correct for s in scores)
    recall_floor, precision_floor = OVERALL_FLOORS[corpus]
    assert found / gold >= recall_floor, report.render_text()
    assert correct / extracted >= precision_floor, report.render_text()
