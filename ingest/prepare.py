"""Preparing one file: read, split and extract it, within its budget, or say why not.

Each file is its own unit of failure: whatever goes wrong with one (it cannot be read, a
stage fails on it, it runs past its budget) becomes a `Skipped` with the reason, and the
files after it are prepared as if it had not been there.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from graph.model import Document, Entity, Extraction, Passage
from ingest.budget import FileBudget, FileClock, OverBudget
from ingest.passages import split_passages
from ingest.readers import UnreadableFile, read_document

log = logging.getLogger(__name__)

Extractor = Callable[[Document, list[Passage]], Extraction]
Item = tuple[Path, str | None, bytes | None]  # (path, source name, bytes or None to read)
TIMED = ("read", "split", "extract")

# The most text the extractor reads at once (about 16,000 words): a longer document is
# extracted in pieces of whole passages, the budget checked between them, so that its
# memory and time grow with the document's length rather than faster (the extractor holds
# every line of what it is given, up to 3 KB a character on some texts).
EXTRACT_PIECE_CHARS = 100_000


def content_hash(text: str) -> str:
    """The sha256 of a document's text: what tells an unchanged file and a duplicate."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Prepared:
    """A file read, split and extracted, ready to embed and write."""

    path: str
    document: Document
    passages: list[Passage]
    extraction: Extraction | None
    digest: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that needs no writing: refused (``reason``), already stored unchanged
    (``key``), or holding the same text as another document (``key`` and ``original``)."""

    path: str
    reason: str | None = None
    key: str | None = None
    original: str | None = None


Outcome = Prepared | Skipped


Stored = dict[str, tuple[str, str]]  # document key -> (content hash, source)


class Hashes:
    """The content hash and source of each document stored or prepared so far in this run."""

    def __init__(self, known: Stored) -> None:
        self.known = dict(known)
        self.by_hash = {digest: key for key, (digest, _) in self.known.items()}

    def unchanged(self, key: str, digest: str) -> bool:
        """Whether the document `key` already holds this text."""
        return key in self.known and self.known[key][0] == digest

    def original(self, key: str, digest: str, source: str) -> str | None:
        """The key of a document from another source with this text, if there is one (one
        from the same source under another key was written before keys followed sources,
        and is replaced rather than kept)."""
        other = self.by_hash.get(digest)
        if other is None or other == key or self.known[other][1] == source:
            return None
        return other

    def claim(self, key: str, digest: str, source: str) -> None:
        """Record that the document `key` now holds this text."""
        old = self.known.get(key)
        if old is not None and self.by_hash.get(old[0]) == key:
            del self.by_hash[old[0]]
        self.known[key] = (digest, source)
        self.by_hash[digest] = key


class LazyExtractor:
    """Builds the extraction stage on first use, so a run over stored files never loads the
    language model; the loading does not count against the file that needed it first."""

    def __init__(self, factory: Callable[[], Extractor] | None) -> None:
        self.factory = factory
        self.stage: Extractor | None = None

    def __bool__(self) -> bool:
        return self.factory is not None

    def get(self, clock: FileClock) -> Extractor:
        """The extraction stage."""
        if self.stage is None:
            assert self.factory is not None
            self.stage = self.factory()
            clock.restart()
        return self.stage


def prepare(
    item: Item,
    *,
    extractor: LazyExtractor,
    hashes: Hashes,
    max_bytes: int,
    clock: FileClock,
    timings: dict[str, float],
) -> Outcome:
    """Read, split and extract one file, unless it is unreadable, unchanged or a duplicate;
    any failure, or the file's budget running out, refuses this file alone."""
    steps = _Steps(timings)
    try:
        return _prepare(item, extractor, hashes, max_bytes, clock, steps)
    except UnreadableFile as exc:
        return Skipped(exc.path, reason=exc.reason)
    except OverBudget as exc:
        return Skipped(str(item[0]), reason=str(exc))
    except Exception as exc:  # a stage's bug or limit must not stop the batch
        log.warning("%s: %s failed", item[0], steps.current, exc_info=True)
        return Skipped(str(item[0]), reason=f"{steps.current} failed ({type(exc).__name__}: {exc})")


def _prepare(
    item: Item,
    extractor: LazyExtractor,
    hashes: Hashes,
    max_bytes: int,
    clock: FileClock,
    steps: _Steps,
) -> Outcome:
    path, source, data = item
    with steps.step("reading", "read"):
        document = read_document(path, max_bytes=max_bytes, data=data, source=source)
    clock.check("reading")
    digest = content_hash(document.text)
    if hashes.unchanged(document.key, digest):
        return Skipped(str(path), key=document.key)
    original = hashes.original(document.key, digest, document.source)
    if original is not None:
        return Skipped(str(path), key=document.key, original=original)
    with steps.step("splitting", "split"):
        passages = split_passages(document)
    clock.check("splitting")
    extraction = None
    if extractor:
        stage = extractor.get(clock)
        with steps.step("extracting", "extract"):
            extraction = extract_in_pieces(stage, document, passages, clock)
        clock.check("extracting")
    hashes.claim(document.key, digest, document.source)
    return Prepared(str(path), document, passages, extraction, digest)


class _Steps:
    """The step a file is in, for the reason it fails, and the time each step took."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.current = "reading"

    @contextmanager
    def step(self, name: str, timing: str) -> Iterator[None]:
        """Run a step: `name` for reasons, `timing` the entry of `timings` it adds to."""
        self.current = name
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[timing] += time.perf_counter() - started


def extract_in_pieces(
    stage: Extractor, document: Document, passages: list[Passage], clock: FileClock
) -> Extraction:
    """The document's extraction, made a piece of at most EXTRACT_PIECE_CHARS at a time.

    Each piece is handed to the extractor as the document with everything outside the piece
    blanked by newlines, so every offset it reports is an offset of the whole text; the
    pieces' findings are then joined, one entity per reference.
    """
    pieces = list(_pieces(document.text, passages))
    if len(pieces) == 1:
        return stage(document, passages)
    found = []
    for piece in pieces:
        start, end = piece[0].start, piece[-1].end
        text = "\n" * start + document.text[start:end]
        found.append(stage(replace(document, text=text), piece))
        clock.check("extracting")
    return merge_extractions(found)


def _pieces(text: str, passages: list[Passage]) -> Iterator[list[Passage]]:
    """Runs of whole passages of about EXTRACT_PIECE_CHARS, cut where a passage starts a
    line when one comes soon enough, else between sentences (passages end on one)."""
    piece: list[Passage] = []
    for passage in passages:
        if piece:
            size = passage.end - piece[0].start
            at_line = text[passage.start - 1] == "\n"
            if (at_line and size > EXTRACT_PIECE_CHARS) or size > 1.25 * EXTRACT_PIECE_CHARS:
                yield piece
                piece = []
        piece.append(passage)
    if piece or not passages:
        yield piece


def merge_extractions(parts: list[Extraction]) -> Extraction:
    """One extraction from several of the same document: entities joined by reference
    (aliases and identifiers together), mentions and claims in order."""
    entities: dict[str, Entity] = {}
    for part in parts:
        for entity in part.entities:
            seen = entities.get(entity.ref)
            entities[entity.ref] = (
                entity
                if seen is None
                else replace(
                    seen,
                    aliases=tuple(dict.fromkeys(seen.aliases + entity.aliases)),
                    identifiers={**entity.identifiers, **seen.identifiers},
                    parent=seen.parent or entity.parent,
                )
            )
    return Extraction(
        entities=tuple(entities.values()),
        mentions=tuple(m for part in parts for m in part.mentions),
        claims=tuple(c for part in parts for c in part.claims),
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """The files of one ingest and what preparing them needs: the extraction stage's
    factory (None: no extraction), the documents stored (key -> content hash and source),
    the size limit and each file's budget."""

    items: list[Item]
    extractor: Callable[[], Extractor] | None
    known: Stored
    max_bytes: int
    budget: FileBudget


def prepare_all(
    batch: Batch,
    emit: Callable[[int, Outcome, dict[str, float]], bool],
    *,
    start: int = 0,
    skip: frozenset[int] = frozenset(),
    marker: object = None,
) -> None:
    """Prepare the batch's items from `start` in order (but those in `skip`), handing each
    outcome with its timings to `emit`; stop early when `emit` returns False."""
    clock = FileClock(batch.budget, marker)
    stage = LazyExtractor(batch.extractor)
    hashes = Hashes(batch.known)
    for index in range(start, len(batch.items)):
        if index in skip:
            continue
        clock.start(index)
        timings = dict.fromkeys(TIMED, 0.0)
        outcome = prepare(
            batch.items[index],
            extractor=stage,
            hashes=hashes,
            max_bytes=batch.max_bytes,
            clock=clock,
            timings=timings,
        )
        clock.finish()
        if not emit(index, outcome, timings):
            return
