"""Search quality on gold questions: MRR@10 and recall@5 of the dense, keyword and fused
rankings, on two sets of questions:

* dev: 90 questions about the 30 documents of ../shared/devcorpus, written by others: the
  development set, on which passages and fusion were tuned;
* seeds: 36 questions about seeds/ (tests/gold/search_queries.json): checked, not tuned on.

Run as a script to print one table per set (a set's store is ingested into a temporary
folder unless given), and with --misses the questions whose answer is not first, classed by
what ranks above it:

    python -m tests.search_quality [--dev STORE] [--seeds STORE] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("dense", "keyword", "hybrid")
NAMES = {
    "dense": "dense (sentences, soft maximum)",
    "keyword": "keyword (FTS5 bm25)",
    "hybrid": "fused (RRF: dense, keyword, entities)",
}


@dataclass(frozen=True)
class QuestionSet:
    """Gold questions and the folder of the documents they ask about."""

    name: str
    questions: Path
    documents: Path

    def available(self) -> bool:
        """Whether the questions and documents are there (the dev corpus is shared, not
        shipped)."""
        return self.questions.is_file() and self.documents.is_dir()


DEV = QuestionSet(
    "dev",
    ROOT.parent / "shared" / "devcorpus" / "search_queries.json",
    ROOT.parent / "shared" / "devcorpus" / "docs",
)
SEEDS = QuestionSet("seeds", ROOT / "tests" / "gold" / "search_queries.json", ROOT / "seeds")
SETS = (DEV, SEEDS)
GOLD = SEEDS.questions


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_queries(path: Path = GOLD) -> list[dict]:
    """Gold questions, each with the document and quote of the passage that answers it."""
    return json.loads(Path(path).read_text())


def answer_passages(service, queries: list[dict]) -> list[set[str]]:
    """For each query, the keys of the passages that hold its quote."""
    by_source: dict[str, list] = {}
    for doc in service.documents():
        _, passages = service.document(doc.key)
        by_source[Path(doc.source).name] = passages
    answers = []
    for query in queries:
        quote = _squash(query["quote"])
        keys = {p.key for p in by_source[query["document"]] if quote in _squash(p.text)}
        if not keys:  # a quote that crosses a passage boundary: take the passages that share it
            words = quote.split()
            head, tail = " ".join(words[:4]), " ".join(words[-4:])
            keys = {
                p.key
                for p in by_source[query["document"]]
                if head in _squash(p.text) or tail in _squash(p.text)
            }
        assert keys, f"no passage holds the quote of {query['query']!r}"
        answers.append(keys)
    return answers


def evaluate(service, queries: list[dict] | None = None) -> dict[str, dict[str, float]]:
    """MRR@10 and recall@5 of each ranking mode over gold questions (the seeds' by default)."""
    queries = load_queries() if queries is None else queries
    answers = answer_passages(service, queries)
    figures = {}
    for mode in MODES:
        rr, found = 0.0, 0
        for query, keys in zip(queries, answers, strict=True):
            ranked = [hit.passage for hit in service.search(query["query"], k=10, mode=mode)]
            rank = next((i for i, key in enumerate(ranked, 1) if key in keys), None)
            rr += 1 / rank if rank else 0.0
            found += bool(rank and rank <= 5)
        figures[mode] = {"mrr@10": rr / len(queries), "recall@5": found / len(queries)}
    return figures


@dataclass(frozen=True)
class Miss:
    """A question whose answering passage the fused ranking does not put first: its rank in
    each ranking (None past the tenth), and how many of the passages fused above it come
    from the answer's own document."""

    question: int
    ranks: dict[str, int | None]
    above: int
    above_same_document: int

    @property
    def kind(self) -> str:
        """Where the passages above it come from: "other documents", "same document" or
        "mixed"; "not in the first ten" when the fused ranking misses it."""
        if self.ranks["hybrid"] is None:
            return "not in the first ten"
        if self.above_same_document == 0:
            return "other documents"
        return "same document" if self.above_same_document == self.above else "mixed"


def misses(service, queries: list[dict]) -> list[Miss]:
    """The questions whose answer the fused ranking does not put first."""
    answers = answer_passages(service, queries)
    found = []
    for n, (query, keys) in enumerate(zip(queries, answers, strict=True)):
        ranked = {}
        ranks: dict[str, int | None] = {}
        for mode in MODES:
            ranked[mode] = service.search(query["query"], k=10, mode=mode)
            hits = [hit.passage for hit in ranked[mode]]
            ranks[mode] = next((i for i, key in enumerate(hits, 1) if key in keys), None)
        if ranks["hybrid"] == 1:
            continue
        fused = ranked["hybrid"]
        above = fused[: ranks["hybrid"] - 1] if ranks["hybrid"] else fused
        owner = {hit.document for hit in ranked["hybrid"] if hit.passage in keys}
        if not owner:  # the answer is past the fused tenth: its document from the others
            owner = {hit.document for mode in MODES for hit in ranked[mode] if hit.passage in keys}
        same = sum(hit.document in owner for hit in above)
        found.append(Miss(n, ranks, len(above), same))
    return found


def miss_report(found: list[Miss], total: int) -> str:
    """The misses as a Markdown table, then a count of each kind."""
    lines = [
        "| question | dense | keyword | fused | above: same document / all |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for miss in found:
        ranks = [str(miss.ranks[mode] or "-") for mode in MODES]
        lines.append(
            f"| {miss.question} | {' | '.join(ranks)} | {miss.above_same_document} / {miss.above} |"
        )
    kinds: dict[str, int] = {}
    for miss in found:
        kinds[miss.kind] = kinds.get(miss.kind, 0) + 1
    counted = ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items()))
    lines.append(f"\n{total - len(found)} of {total} first; misses by what ranks above: {counted}")
    return "\n".join(lines)


def table(figures: dict[str, dict[str, float]]) -> str:
    """The figures as a Markdown table."""
    lines = ["| ranking | MRR@10 | recall@5 |", "| --- | ---: | ---: |"]
    for mode, values in figures.items():
        lines.append(f"| {NAMES[mode]} | {values['mrr@10']:.3f} | {values['recall@5']:.3f} |")
    return "\n".join(lines)


def _open_store(questions: QuestionSet, store: Path | None, work: Path):
    from api.service import CivicGraph
    from api.settings import Settings

    if store is not None:
        return CivicGraph.open(Settings(store=store))
    service = CivicGraph.open(Settings(store=work / questions.name), write=True)
    report = service.ingest([questions.documents])
    assert not report.failed, report.failed
    return service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for questions in SETS:
        parser.add_argument(
            f"--{questions.name}",
            type=Path,
            metavar="STORE",
            help=f"a store holding {questions.documents} (else ingested into a temporary one)",
        )
    parser.add_argument(
        "--misses",
        action="store_true",
        help="also list the questions whose answer is not first, classed by what ranks above",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civicgraph-quality-") as work:
        for questions in SETS:
            if not questions.available():
                print(f"## {questions.name}: {questions.questions} not found, skipped\n")
                continue
            service = _open_store(questions, getattr(args, questions.name), Path(work))
            queries = load_queries(questions.questions)
            print(f"## {questions.name}: {len(queries)} questions\n")
            print(table(evaluate(service, queries)) + "\n")
            if args.misses:
                print(miss_report(misses(service, queries), len(queries)) + "\n")
            service.close()


if __name__ == "__main__":
    main()
