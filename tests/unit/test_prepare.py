"""Preparing one file: unchanged files and duplicates are told apart by their text's hash, a
long document reaches the extractor in bounded pieces with offsets of the whole text, and a
failing stage or a spent budget refuses that file alone."""

from __future__ import annotations

import re
from pathlib import Path

from graph.model import Document, Entity, EntityKind, Extraction, Mention, Passage
from ingest.budget import FileBudget, FileClock
from ingest.passages import split_passages
from ingest.prepare import (
    EXTRACT_PIECE_CHARS,
    Batch,
    Hashes,
    Prepared,
    Skipped,
    content_hash,
    extract_in_pieces,
    prepare_all,
)
from ingest.readers import MAX_PARAGRAPH_CHARS, document_key

SENTENCE = "The Ashcombe ward panel agreed the plan for new bus shelters on Tuesday."


def test_hashes_tell_an_unchanged_file_a_duplicate_and_an_old_key_of_the_same_source() -> None:
    hashes = Hashes({"a-1": ("h1", "a.txt"), "old-key": ("h2", "b.txt")})
    assert hashes.unchanged("a-1", "h1") and not hashes.unchanged("a-1", "h9")
    assert hashes.original("c-1", "h1", "c.txt") == "a-1"  # the same text, another source
    assert hashes.original("b-2", "h2", "b.txt") is None  # its own text under an older key
    hashes.claim("a-1", "h9", "a.txt")  # a.txt now holds another text
    assert hashes.original("c-1", "h1", "c.txt") is None
    assert hashes.original("d-1", "h9", "d.txt") == "a-1"


class PieceRecorder:
    """An extractor that names every "Ashcombe" it is shown and records what it was given."""

    def __init__(self) -> None:
        self.pieces: list[tuple[int, int]] = []  # (characters of real text, passages)

    def __call__(self, document: Document, passages: list[Passage]) -> Extraction:
        self.pieces.append((len(document.text.lstrip("\n")), len(passages)))
        mentions = []
        for passage in passages:
            for match in re.finditer("Ashcombe", document.text[passage.start : passage.end]):
                start = passage.start + match.start()
                mentions.append(
                    Mention(passage.key, start, start + 8, "Ashcombe", EntityKind.COUNCIL, "c/a")
                )
        entity = Entity("a", EntityKind.COUNCIL, "Ashcombe", aliases=(f"A{len(self.pieces)}",))
        return Extraction(entities=(entity,), mentions=tuple(mentions))


def test_a_long_document_reaches_the_extractor_in_bounded_pieces() -> None:
    paragraphs = [" ".join([SENTENCE] * 60) for _ in range(120)]  # about 520,000 characters
    document = Document("long", "long.txt", "t", "\n\n".join(paragraphs))
    passages = split_passages(document)
    recorder = PieceRecorder()
    extraction = extract_in_pieces(recorder, document, passages, FileClock(FileBudget()))
    assert len(recorder.pieces) >= 4
    assert max(chars for chars, _ in recorder.pieces) <= 1.25 * EXTRACT_PIECE_CHARS
    assert sum(n for _, n in recorder.pieces) == len(passages)
    assert len(extraction.mentions) == document.text.count("Ashcombe")
    for mention in extraction.mentions:
        assert document.text[mention.start : mention.end] == "Ashcombe"
    [entity] = extraction.entities  # one entity, with what every piece knew of it
    assert entity.aliases == tuple(f"A{n}" for n in range(1, len(recorder.pieces) + 1))


def test_a_short_document_is_extracted_whole() -> None:
    document = Document("short", "short.txt", "t", " ".join([SENTENCE] * 50))
    recorder = PieceRecorder()
    extract_in_pieces(recorder, document, split_passages(document), FileClock(FileBudget()))
    assert recorder.pieces == [(len(document.text), len(split_passages(document)))]


def failing_extractor():
    def extract(document: Document, passages: list[Passage]) -> Extraction:
        if "fail" in document.source:
            raise ValueError("[E088] Text of length 2000000 exceeds maximum")
        return Extraction()

    return extract


def slow_extractor():
    def extract(document: Document, passages: list[Passage]) -> Extraction:
        if "slow" in document.source:
            import time

            time.sleep(0.3)
        return Extraction()

    return extract


def run(items, extractor, budget: FileBudget | None = None, known=None) -> list:
    out: list = []
    batch = Batch(items, extractor, known or {}, 10**7, budget or FileBudget())
    prepare_all(batch, lambda index, outcome, timings: out.append(outcome) or True)
    return out


def item(name: str, text: str) -> tuple[Path, str, bytes]:
    return Path(name), name, text.encode()


def test_a_stage_that_fails_on_one_file_refuses_that_file_alone() -> None:
    outcomes = run(
        [item("a.txt", SENTENCE), item("fail.txt", SENTENCE + " Two."), item("b.txt", "Three.")],
        failing_extractor,
    )
    assert [type(o) for o in outcomes] == [Prepared, Skipped, Prepared]
    assert outcomes[1].reason == (
        "extracting failed (ValueError: [E088] Text of length 2000000 exceeds maximum)"
    )


def test_a_file_past_its_time_budget_is_refused_at_the_next_check() -> None:
    outcomes = run(
        [item("slow.txt", SENTENCE), item("quick.txt", SENTENCE + " Again.")],
        slow_extractor,
        budget=FileBudget(seconds=0.1, memory_mb=0),
    )
    assert isinstance(outcomes[0], Skipped) and outcomes[0].reason is not None
    assert outcomes[0].reason == (
        "took longer than its budget of 0.1 s; raise CIVICGRAPH_FILE_TIMEOUT_S to allow more "
        "(while extracting)"
    )
    assert isinstance(outcomes[1], Prepared)


def test_unchanged_files_and_duplicates_are_not_prepared_again() -> None:
    kept_key = document_key("kept.txt")
    known = {kept_key: (content_hash(SENTENCE), "kept.txt")}
    outcomes = run(
        [
            item("kept.txt", SENTENCE),  # unchanged: the same source and text
            item("copy.txt", SENTENCE),  # the text of kept.txt under another name
            item("new.txt", "A new text. " * 3),
            item("new copy.txt", "A new text. " * 3),  # a copy of a file earlier in the batch
        ],
        failing_extractor,
        known=known,
    )
    kept, copy, new, new_copy = outcomes
    assert isinstance(kept, Skipped) and kept.reason is None and kept.original is None
    assert isinstance(copy, Skipped) and copy.original == kept_key
    assert isinstance(new, Prepared)
    assert isinstance(new_copy, Skipped) and new_copy.original == new.document.key


def test_paragraphs_are_bounded_before_any_stage_sees_them() -> None:
    outcomes = run([item("line.txt", SENTENCE * 3000)], failing_extractor)
    [prepared] = outcomes
    assert max(len(p) for p in prepared.document.text.split("\n\n")) <= MAX_PARAGRAPH_CHARS
