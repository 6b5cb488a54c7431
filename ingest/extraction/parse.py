"""Parsing: each non-empty line of a document through spaCy, NER only on the sentences that may
hold a name."""

from __future__ import annotations

import bisect
import re

from spacy.tokens import Doc, Span

from graph.model import Document, Passage
from ingest.extraction.state import Line
from ingest.extraction.tokens import is_bullet

_LINE = re.compile(r"[^\n]+")


class ParsePass:
    """The lines of a document, parsed in one batch."""

    nlp: object

    def _parse(self, document: Document, passages: list[Passage]) -> list[Line]:
        """Each non-empty line of the text, parsed; all-capital lines in title case first."""
        spans = [(m.start(), m.group()) for m in _LINE.finditer(document.text) if m.group().strip()]
        texts = [_model_text(text) for _, text in spans]
        starts = [p.start for p in passages]
        lines = []
        docs = self._pipe(texts)
        heading: str | None = None
        for index, ((start, text), doc) in enumerate(zip(spans, docs, strict=True)):
            at = bisect.bisect_right(starts, start) - 1
            passage = passages[at] if passages and at >= 0 else (passages[0] if passages else None)
            line = Line(index, start, text, doc, passage)
            # the section a line stands in: the last heading line above it (passages can
            # hold several short sections, each under its own heading)
            line.heading = heading or (passage.heading if passage else None)
            if _is_heading_line(text):
                heading = text.strip()
            lines.append(line)
        return lines

    def _pipe(self, texts: list[str]) -> list[Doc]:
        """The lines through the pipeline, NER only on the sentences that may hold a name.

        NER is half of extraction's cost, and a third of the words of the genre stand in
        sentences with no proper noun, acronym or capitalised word after the first, where it
        finds nothing; each other sentence goes through it on its own.
        """
        nlp = self.nlp
        with nlp.select_pipes(disable=["ner"]):
            docs = list(nlp.pipe(texts, batch_size=128))
        places: list[tuple[int, int]] = []  # (line, first token of the run of sentences)
        pieces: list[Doc] = []
        for index, doc in enumerate(docs):
            run: list[Span] = []
            for sentence in [*doc.sents, None]:
                if sentence is not None and _may_name(sentence):
                    run.append(sentence)  # neighbours go through NER together
                    continue
                if run:
                    start, end = run[0].start, run[-1].end
                    places.append((index, start))
                    pieces.append(doc if (start, end) == (0, len(doc)) else doc[start:end].as_doc())
                    run = []
        found: dict[int, list[Span]] = {}
        for (index, offset), sentence in zip(
            places, nlp.get_pipe("ner").pipe(pieces, batch_size=128), strict=True
        ):
            doc = docs[index]
            found.setdefault(index, []).extend(
                Span(doc, offset + e.start, offset + e.end, label=e.label_) for e in sentence.ents
            )
        for index, ents in found.items():
            docs[index].ents = ents
        return docs


def _may_name(sentence: Span) -> bool:
    """Whether a sentence may name a person or an organisation: a proper noun, an acronym,
    or a capitalised word after its first."""
    first = sentence.start
    for token in sentence:
        if token.tag_ in ("NNP", "NNPS"):
            return True
        if token.is_alpha and len(token) > 1 and token.is_upper:
            return True
        if token.i != first and token.is_title:
            return True
    return False


def _is_heading_line(text: str) -> bool:
    """A short line that does not end a sentence reads as a heading."""
    stripped = text.strip().lstrip("#").strip().strip("*_")
    words = stripped.split()
    if not words or len(words) > 12 or is_bullet(text):
        return False
    if stripped.endswith((".", ",", ";", ":", "!", "?", "\u201d", '"')):
        return False
    return stripped[:1].isupper() or stripped[:1].isdigit()


def _model_text(text: str) -> str:
    """A line as the model reads it: an all-capital heading in title case (same length)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return text
    if len(text.split()) < 3:
        return text
    small = {"and", "of", "the", "for", "in", "on", "at", "to", "with", "by"}
    words = re.split(r"(\s+)", text)
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        out.append(lower if (i and lower in small) else lower[:1].upper() + lower[1:])
    restored = "".join(out)
    return restored if len(restored) == len(text) else text
