"""Questions in plain English on the development corpus, scored against its gold file.

Each question of tests/gold/ask_questions.json names its expected answers by their gold labels.
A question is answered right when (match "all") every expected entity is among the answers,
(match "first") the first answer is an expected one, or (match "path") the first path runs
through exactly the expected entities; and no entity of its "absent" list is answered. A question
answered wrong is put down to one of:

* misread: the question was read as another shape, or linked to another entity, or the facts
  were in the graph and the answer left them out;
* not extracted: the entity or the facts it asks about are not in the graph;
* undated: the facts are in the graph, but their documents have no date (or another one) so a
  time-limited question cannot use them.

Run as a script to print the table (with the median time a question took): python -m
tests.ask_quality STORE
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from graph.errors import CivicGraphError
from graph.queries import normalise

QUESTIONS = Path(__file__).resolve().parent / "gold" / "ask_questions.json"
DEVCORPUS_GOLD = Path(__file__).resolve().parent.parent.parent / "shared/devcorpus/gold.json"


@dataclass(frozen=True, slots=True)
class Scored:
    """One question, how it was answered, and why it failed if it did."""

    question: str
    right: bool
    evidence: bool  # every answer carries at least one quote
    dated: bool  # every quote carries its document's date, or the document has none
    verdict: str  # "right", "misread", "not extracted" or "undated"
    shape: str | None
    answers: list[str]
    missing: list[str]
    seconds: float = 0.0  # how long the question took to answer


class GoldNames:
    """The gold entities' names, to tell whether an answer is the entity a label names."""

    def __init__(self, gold: dict) -> None:
        self.names: dict[str, set[str]] = {}
        self.gss: dict[str, str] = {}
        for entity in gold["entities"]:
            names = {normalise(entity["label"]), *(normalise(a) for a in entity["aliases"])}
            self.names.setdefault(entity["label"], set()).update(names - {""})
            if entity.get("gss"):
                self.gss[entity["label"]] = entity["gss"]

    def matches(self, label: str, entity, index) -> bool:
        """Whether a graph entity is the gold entity with this label."""
        if entity.gss and self.gss.get(label) == entity.gss:
            return True
        info = index.get(entity.ref)
        names = {normalise(entity.label)}
        if info is not None:
            names |= {normalise(a) for a in info.aliases}
        return bool(names & self.names.get(label, {normalise(label)}))

    def refs(self, label: str, index) -> set[str]:
        """The graph entities that are the gold entity with this label."""
        found = set()
        for name in self.names.get(label, {normalise(label)}):
            for match in index.find(name, limit=5):
                if match.score >= 100 and self.matches(label, match.entity, index):
                    found.add(match.entity.ref)
        return found


def score_question(service, item: dict, gold: GoldNames) -> Scored:
    """Ask one question and score its answers."""
    started = time.perf_counter()
    result = service.ask(item["question"], as_of=item.get("as_of"))
    seconds = time.perf_counter() - started
    index = service.entity_index
    answers = list(result.answers)
    entities = [a.entity for a in answers if a.entity is not None]
    expected: list[str] = item["expect"]
    if item["match"] == "path":
        nodes = list(answers[0].path.nodes) if answers and answers[0].path else []
        missing = [x for x in expected if not any(gold.matches(x, n, index) for n in nodes)]
        if len(nodes) != len(expected):  # a longer way round is not the connection asked for
            missing = missing or expected
    elif item["match"] == "first":
        first = entities[:1]
        missing = (
            [] if any(gold.matches(x, e, index) for x in expected for e in first) else expected
        )
    else:
        missing = [x for x in expected if not any(gold.matches(x, e, index) for e in entities)]
    present = [
        x for x in item.get("absent", []) if any(gold.matches(x, e, index) for e in entities)
    ]
    right = not missing and not present
    evidence = all(a.evidence for a in answers)
    documents = {d.key: d.date for d in service.documents()}
    dated = all(e.date == documents.get(e.document) for a in answers for e in a.evidence)
    verdict = "right" if right else _verdict(service, item, result, missing, gold)
    labels = [
        a.entity.label if a.entity else " > ".join(n.label for n in a.path.nodes) for a in answers
    ]
    return Scored(
        item["question"],
        right,
        evidence,
        dated,
        verdict,
        result.interpretation.shape,
        labels,
        missing + present,
        seconds,
    )


def _verdict(service, item: dict, result, missing: list[str], gold: GoldNames) -> str:
    """Why a question was answered wrong: not extracted, undated, or misread."""
    index = service.entity_index
    reading = result.interpretation
    if reading.shape is None:
        return "misread"
    about = gold.refs(item["about"], index) if item.get("about") else set()
    if item.get("about") and not about:
        return "not extracted"
    if item["match"] == "path":
        return _path_verdict(service, item, gold)
    if not item.get("predicate"):
        linked = {link.entity.ref for link in reading.entities}
        return "misread" if not about & linked else "not extracted"
    holders = []
    for ref in about:
        for side in ("subject", "object"):
            try:
                stated = service.relations(**{side: ref}, predicate=item["predicate"], limit=10_000)
            except CivicGraphError:
                continue
            holders += [
                r
                for r in stated
                if any(
                    gold.matches(x, r.subject, index) or gold.matches(x, r.object, index)
                    for x in missing
                )
            ]
    if not holders:
        return "not extracted"
    window = reading.time
    if window is not None:
        dates = {d.key: d.date for d in service.documents()}
        if not any(window.holds(dates.get(e.document)) for r in holders for e in r.evidence):
            return "undated"
    return "misread"


def _path_verdict(service, item: dict, gold: GoldNames) -> str:
    """A connection question: not extracted unless the graph states a fact between each pair
    of entities next to each other on the expected path."""
    index = service.entity_index
    stops = [gold.refs(x, index) for x in item["expect"]]
    if not all(stops):
        return "not extracted"
    for here, there in pairwise(stops):
        stated = [
            r
            for ref in here
            for r in service.relations(subject=ref, limit=10_000)
            + service.relations(object=ref, limit=10_000)
            if r.evidence and {r.subject.ref, r.object.ref} & there
        ]
        if not stated:
            return "not extracted"
    return "misread"


def evaluate(service, questions_path: Path = QUESTIONS, gold_path: Path = DEVCORPUS_GOLD):
    """Every question scored."""
    items = json.loads(questions_path.read_text(encoding="utf-8"))["questions"]
    gold = GoldNames(json.loads(gold_path.read_text(encoding="utf-8")))
    return [score_question(service, item, gold) for item in items]


def table(scored: list[Scored]) -> str:
    """The figures as a Markdown table, then each question that failed."""
    n = len(scored)
    right = sum(s.right for s in scored)
    counts = {
        v: sum(s.verdict == v for s in scored) for v in ("misread", "not extracted", "undated")
    }
    lines = [
        "| measure | value |",
        "| --- | ---: |",
        f"| questions | {n} |",
        f"| expected answers in the first answer | {right}/{n} ({right / n:.0%}) |",
        f"| every answer carries evidence | {sum(s.evidence for s in scored)}/{n} |",
        f"| every quote carries its document's date | {sum(s.dated for s in scored)}/{n} |",
        f"| wrong: misread | {counts['misread']} |",
        f"| wrong: fact or entity not extracted | {counts['not extracted']} |",
        f"| wrong: document undated | {counts['undated']} |",
        f"| p50 latency (ms) | {statistics.median(s.seconds for s in scored) * 1000:.1f} |",
        "",
    ]
    for s in scored:
        if not s.right:
            lines.append(f"- {s.verdict}: {s.question!r} (read as {s.shape}); missing {s.missing}")
    return "\n".join(lines)


if __name__ == "__main__":
    from api.service import CivicGraph
    from api.settings import Settings

    store = Path(sys.argv[1] if len(sys.argv) > 1 else "civicgraph-data")
    service = CivicGraph.open(Settings(store=store, model="hash"))
    print(table(evaluate(service)))
    service.close()
