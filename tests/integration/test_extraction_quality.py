"""Extraction quality on the seeds and on the test fixtures, scored against their gold files.

Both corpora are ingested with the hash embedder (extraction does not depend on the embedding
model) and scored with ingest.evaluate. The floors sit a few points below what extraction
reaches, so that a change that lowers quality fails here. Targets from the issue: typed entity
recall >= 0.90 and precision >= 0.85 for councils, bodies and people; relation recall with
evidence >= 0.80 for roles and leads and >= 0.95 for named lists. Where a floor is below its
target, extraction does not reach the target on that corpus yet (see the README's figures).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.evaluate import EvalReport, evaluate_store
from tests.conftest import FIXTURES, GOLD, SEEDS

pytestmark = pytest.mark.integration

# corpus -> kind -> (recall floor, precision floor)
ENTITY_FLOORS = {
    "seeds": {"council": (0.95, 0.90), "body": (0.88, 0.84), "person": (0.92, 0.95)},
    "fixtures": {"council": (0.95, 0.95), "body": (0.95, 0.95), "person": (0.95, 0.95)},
}
# corpus -> predicate group -> floor of recall with evidence
RELATION_FLOORS = {
    "seeds": {"roles": 0.80, "leads": 0.85, "named lists": 0.95, "programme facts": 0.95},
    "fixtures": {"roles": 0.95, "leads": 0.93, "named lists": 0.95, "programme facts": 0.90},
}
CORPORA = {"seeds": (SEEDS, GOLD / "seeds.json"), "fixtures": (FIXTURES, GOLD / "fixtures.json")}


def score(name: str, tmp: Path) -> EvalReport:
    from api.service import CivicGraph
    from api.settings import Settings

    folder, gold_path = CORPORA[name]
    service = CivicGraph.open(Settings(store=tmp / name, model="hash"), write=True)
    try:
        ingest = service.ingest([folder])
        assert ingest.ok, ingest.failed
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        return evaluate_store(service.store, gold, corpus_dir=folder)
    finally:
        service.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EvalReport]:
    tmp = tmp_path_factory.mktemp("quality")
    return {name: score(name, tmp) for name in CORPORA}


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


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_relations_extracted_are_mostly_right(reports, corpus: str) -> None:
    for group, score in reports[corpus].groups.items():
        assert score.precision is None or score.precision >= 0.85, (group, score)
