"""Ingest the seeds and the test fixtures into temporary stores and print the extraction scores.

    python tests/bench/eval_extraction.py [--json] [--details] [seeds|fixtures ...]

Uses the hash embedder, so it measures extraction, not search. Also prints extraction
words per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEVCORPUS = ROOT.parent / "shared" / "devcorpus"
CORPORA = {
    "seeds": (ROOT / "seeds", ROOT / "tests" / "gold" / "seeds.json"),
    "fixtures": (ROOT / "tests" / "fixtures", ROOT / "tests" / "gold" / "fixtures.json"),
    # the development set: documents of the genre written by others (read, never shipped)
    "dev": (DEVCORPUS / "docs", DEVCORPUS / "gold.json"),
}


def score_corpus(name: str, store_dir: Path):
    """Ingest one corpus with the hash embedder and score it against its gold file."""
    from api.service import CivicGraph
    from api.settings import Settings
    from ingest.evaluate import evaluate_store

    folder, gold_path = CORPORA[name]
    service = CivicGraph.open(Settings(store=store_dir, model="hash"), write=True)
    try:
        report = service.ingest([folder])
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        result = evaluate_store(service.store, gold, corpus_dir=folder)
    finally:
        service.close()
    return result, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--out", type=Path, help="also write each report as NAME.json there")
    args = parser.parse_args()
    from ingest.extraction import load_extractor

    started = time.perf_counter()
    load_extractor()
    print(f"extractor loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for name in args.corpora:
        with tempfile.TemporaryDirectory() as tmp:
            result, ingest = score_corpus(name, Path(tmp) / "store")
        for path, reason in ingest.failed:  # its gold is left out of the scores: say so
            print(f"{name}: {path} failed to ingest and is not scored: {reason}", file=sys.stderr)
        words = sum(
            len(p.read_text(encoding="utf-8", errors="replace").split())
            for p in CORPORA[name][0].iterdir()
            if p.is_file()
        )
        extract_s = ingest.timings["extract"]
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.json").write_text(json.dumps(result.as_dict(), indent=2))
        if args.json:
            print(json.dumps(result.as_dict(), indent=2))
            continue
        print(result.render_text())
        print(
            f"extraction: {extract_s:.2f} s for about {words} words "
            f"({words / max(extract_s, 1e-9):,.0f} words/s); timings {ingest.as_dict()['timings']}"
        )
        if args.details:
            data = result.as_dict()
            for section in (
                "missed_entities",
                "extra_entities",
                "missed_relations",
                "extra_relations",
            ):
                print(f"\n{section}:")
                for row in data[section]:
                    print("  ", " | ".join(str(v) for v in row.values()))
        print()


if __name__ == "__main__":
    main()
