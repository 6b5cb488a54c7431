"""Search quality on the gold queries: MRR@10 and recall@5 for dense, BM25 and fused ranking.

Run as a script to print the table: python -m tests.search_quality [STORE]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "gold" / "search_queries.json"
MODES = ("dense", "bm25", "hybrid")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_queries() -> list[dict]:
    """The gold queries, each with the quote its answer passage holds."""
    return json.loads(GOLD.read_text())


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


def evaluate(service) -> dict[str, dict[str, float]]:
    """MRR@10 and recall@5 of each ranking mode over the gold queries."""
    queries = load_queries()
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


def table(figures: dict[str, dict[str, float]]) -> str:
    """The figures as a Markdown table."""
    names = {"dense": "dense only", "bm25": "BM25 only", "hybrid": "fused (RRF)"}
    lines = ["| ranking | MRR@10 | recall@5 |", "| --- | ---: | ---: |"]
    for mode, values in figures.items():
        lines.append(f"| {names[mode]} | {values['mrr@10']:.3f} | {values['recall@5']:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    from api.service import CivicGraph
    from api.settings import Settings

    store = Path(sys.argv[1] if len(sys.argv) > 1 else "civicgraph-data")
    service = CivicGraph.open(Settings(store=store))
    print(f"{len(load_queries())} queries\n")
    print(table(evaluate(service)))
    service.close()
