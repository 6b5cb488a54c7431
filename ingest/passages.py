"""Split a document into paragraph-aware passages that never cut a sentence.

Passages run from about 40 to 180 words: the embedding model reads at most 256
word-pieces, so longer passages would be cut short when they are embedded.
Each passage keeps its offsets into `Document.text` and the nearest heading above it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from graph.model import Document, Passage
from ingest.dates import is_dateline

MIN_WORDS = 40
TARGET_WORDS = 120
MAX_WORDS = 180

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "cllr",
    "prof",
    "sir",
    "rt",
    "hon",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "co",
    "ltd",
    "inc",
    "dept",
    "gov",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "approx",
    "para",
    "fig",
    "cf",
}
_SENTENCE_END = re.compile(r"""[.!?]+["”’')\]]*\s+(?=["“‘'(\[]?[A-Z0-9£])""")
_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,3}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s+")
# "By Jane Smith", "By Jane Smith · 4 May 2010": who wrote it, not what follows is about
_BYLINE = re.compile(r"^\W*By\s+[A-Z]")


@dataclass(frozen=True, slots=True)
class _Block:
    start: int
    end: int
    words: int
    is_heading: bool


def sentence_spans(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """Character spans of the sentences in `text`, shifted by `offset`."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start() + 1]
        last_word = re.split(r"\s", before.rstrip(".!?\"”’')]"))[-1].lower()
        if last_word.rstrip(".") in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        end = match.end()
        yield offset + start, offset + len(text[:end].rstrip())
        start = end
    if text[start:].strip():
        yield offset + start, offset + len(text.rstrip())


def _is_heading(line: str) -> bool:
    """A short line standing alone, not ending a sentence, reads as a heading; a byline, a
    date alone or a lead-in ending in a colon ("The new sites are:") does not."""
    words = line.split()
    if not words or len(words) > 14 or _BULLET.match(line):
        return False
    stripped = line.strip().strip("*_")
    if stripped.endswith((".", ",", ";", ":", "”", '"', "’")):
        return False
    if _BYLINE.match(stripped) or is_dateline(stripped):
        return False
    return stripped[:1].isupper() or stripped[:1].isdigit()


def _leads_in(text: str, block: _Block) -> bool:
    """Whether a block ends in a colon, introducing what follows (a list, a table)."""
    return text[block.start : block.end].rstrip().rstrip("*_").endswith(":")


def _blocks(text: str) -> Iterator[_Block]:
    """Paragraphs, and within a paragraph each line that stands alone as a heading."""
    for para in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        lines = list(re.finditer(r"[^\n]+", para.group()))
        run_start: int | None = None
        run_end = 0
        for line in lines:
            lstart, lend = para.start() + line.start(), para.start() + line.end()
            if _is_heading(line.group()) and (len(lines) == 1 or not _BULLET.match(line.group())):
                if run_start is not None:
                    yield _Block(run_start, run_end, len(text[run_start:run_end].split()), False)
                    run_start = None
                # a lone short line inside a multi-line paragraph is a heading only when the
                # next line is not its continuation (a list or a new paragraph follows)
                yield _Block(lstart, lend, len(line.group().split()), True)
            else:
                run_start = lstart if run_start is None else run_start
                run_end = lend
        if run_start is not None:
            yield _Block(run_start, run_end, len(text[run_start:run_end].split()), False)


def _pieces(text: str, block: _Block) -> Iterator[_Block]:
    """A block, or its sentences grouped under MAX_WORDS when the block is too long."""
    if block.words <= MAX_WORDS:
        yield block
        return
    start = block.start
    end = block.start
    words = 0
    for s_start, s_end in sentence_spans(text[block.start : block.end], block.start):
        n = len(text[s_start:s_end].split())
        if words and words + n > TARGET_WORDS:
            yield _Block(start, end, words, False)
            start, words = s_start, 0
        if n > MAX_WORDS:  # a run-on "sentence" (a list with no stops): cut at line or word
            for piece_start, piece_end in _hard_cut(text, s_start, s_end):
                yield _Block(
                    piece_start, piece_end, len(text[piece_start:piece_end].split()), False
                )
            start, end, words = s_end, s_end, 0
            continue
        end = s_end
        words += n
    if words:
        yield _Block(start, end, words, False)


def _hard_cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    tokens = list(re.finditer(r"\S+", text[start:end]))
    for i in range(0, len(tokens), TARGET_WORDS):
        chunk = tokens[i : i + TARGET_WORDS]
        yield start + chunk[0].start(), start + chunk[-1].end()


def split_passages(document: Document) -> list[Passage]:
    """Group a document's paragraphs into passages of about 40 to 180 words."""
    text = document.text
    passages: list[Passage] = []
    heading: str | None = None
    current: list[_Block] = []
    current_heading: str | None = None

    def flush() -> None:
        if not current:
            return
        start, end = current[0].start, current[-1].end
        passages.append(
            Passage(
                key=f"{document.key}-p{len(passages):04d}",
                document_key=document.key,
                start=start,
                end=end,
                text=text[start:end],
                heading=current_heading,
            )
        )
        current.clear()

    for block in _blocks(text):
        if block.is_heading:
            # a heading closes the passage before it, once that passage is long enough
            if sum(b.words for b in current) >= MIN_WORDS:
                flush()
            heading = text[block.start : block.end].strip().strip("*_# ")
            if not current:
                current_heading = heading
            current.append(block)
            continue
        lead_in = _leads_in(text, block)
        if lead_in and sum(b.words for b in current) >= MIN_WORDS:
            # a lead-in starts a passage, so that the list it introduces stays with it
            flush()
            current_heading = heading
        for piece in _pieces(text, block):
            size = sum(b.words for b in current)
            glued = bool(current) and _leads_in(text, current[-1])
            if current and not glued and size >= MIN_WORDS and size + piece.words > MAX_WORDS:
                flush()
                current_heading = heading
            if not current:
                current_heading = heading
            current.append(piece)
            if sum(b.words for b in current) >= TARGET_WORDS and not lead_in:
                flush()
                current_heading = heading
    flush()
    return _merge_short(document, passages)


def _merge_short(document: Document, passages: list[Passage]) -> list[Passage]:
    """Fold a passage under MIN_WORDS into a neighbour when the two fit in MAX_WORDS."""
    spans = [[p.start, p.end, p.heading] for p in passages]
    i = 0
    while i < len(spans) and len(spans) > 1:
        words = len(document.text[spans[i][0] : spans[i][1]].split())
        if words < MIN_WORDS:
            for j in (i - 1, i + 1):
                if 0 <= j < len(spans):
                    a, b = sorted((i, j))
                    merged = len(document.text[spans[a][0] : spans[b][1]].split())
                    if merged <= MAX_WORDS:
                        spans[a] = [spans[a][0], spans[b][1], spans[a][2]]
                        del spans[b]
                        break
            else:
                i += 1
            continue
        i += 1
    texts = [document.text[start:end] for start, end, _ in spans]
    return [
        Passage(
            key=key,
            document_key=document.key,
            start=start,
            end=end,
            text=text,
            heading=heading,
        )
        for key, text, (start, end, heading) in zip(
            passage_keys(document.key, texts), texts, spans, strict=True
        )
    ]


def passage_keys(document_key: str, texts: list[str]) -> list[str]:
    """A key for each passage from its own words, "{document}-p{8 hex}", with "-2", "-3", ...
    for a repeat, so that a link to a passage survives edits elsewhere in its document."""
    seen: dict[str, int] = {}
    keys = []
    for text in texts:
        digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        repeat = f"-{seen[digest]}" if seen[digest] > 1 else ""
        keys.append(f"{document_key}-p{digest}{repeat}")
    return keys


# The longest piece of a passage embedded as one vector: well inside the model's window of
# 256 word-pieces, so that a table row or a list with no full stops is not cut short.
UNIT_WORDS = 100
# The most vectors a passage gets: beyond it, the shortest neighbouring sentences are
# embedded together. Search scans every vector, and a passage of many short sentences
# (ten of ten words) would cost as much as ten passages; capped at six, the development
# questions ranked as before (fused MRR@10 0.666 against 0.665).
MAX_UNITS = 6


def embedding_units(passage: Passage) -> list[str]:
    """The pieces of a passage the model embeds one by one: its sentences, with a run-on
    "sentence" (a list or table with no full stops) cut at line breaks, else at words.

    A passage is found by its best sentence: one vector for 120 words blurs the one
    sentence that answers a question with the others around it.
    """
    units = []
    for start, end in sentence_spans(passage.text):
        sentence = passage.text[start:end]
        if len(sentence.split()) <= UNIT_WORDS:
            units.append(sentence)
            continue
        piece: list[str] = []
        for line in sentence.splitlines():
            for chunk in _word_chunks(line):
                if piece and len(" ".join(piece).split()) + len(chunk.split()) > UNIT_WORDS:
                    units.append("\n".join(piece))
                    piece = []
                piece.append(chunk)
        if piece:
            units.append("\n".join(piece))
    units = [u for u in units if u.strip()]
    while len(units) > MAX_UNITS:
        pairs = [len(a.split()) + len(b.split()) for a, b in itertools.pairwise(units)]
        shortest = min(range(len(pairs)), key=pairs.__getitem__)
        if pairs[shortest] > UNIT_WORDS:
            break
        units[shortest : shortest + 2] = [f"{units[shortest]} {units[shortest + 1]}"]
    return units or [passage.text]


def _word_chunks(line: str) -> Iterator[str]:
    words = line.split()
    for i in range(0, len(words), UNIT_WORDS):
        yield " ".join(words[i : i + UNIT_WORDS])
