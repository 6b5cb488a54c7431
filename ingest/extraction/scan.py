"""The state every mention scanner of a line shares: the line's Doc, the rules, the names found
elsewhere in the document, and a few questions about the line as a whole."""

from __future__ import annotations

from spacy.tokens import Doc

from ingest.extraction.candidates import Candidate
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.tokens import is_capitalised


class ScanBase:
    """One line's Doc and what scanning it needs."""

    def __init__(self, rules: MentionRules, doc: Doc, known_names: dict[str, str]) -> None:
        """Scan ``doc``; ``known_names`` maps normalised names found elsewhere to their label."""
        self.rules = rules
        self.doc = doc
        self.known_names = known_names
        self.gazetteer_spans: list[Candidate] = []
        self._heading_like: bool | None = None

    def _heading_line(self) -> bool:
        """Whether the line reads as a heading: no lower-case word of four letters or more."""
        if self._heading_like is None:
            self._heading_like = not any(
                t.is_alpha and t.is_lower and len(t) >= 4 for t in self.doc
            )
        return self._heading_like

    def _venue_before(self, start: int) -> bool:
        doc = self.doc
        if start == 0 or doc[start - 1].lower_ not in ("in", "at", ",", "–", "-"):
            return False
        return any(t.lower_ in self.rules.venue_nouns for t in doc[max(0, start - 10) : start])

    def _cased_like_a_name(self, start: int, end: int) -> bool:
        tokens = [t for t in self.doc[start:end] if t.is_alpha]
        if len(tokens) > 1 and tokens[0].lower_ == "the":
            tokens = tokens[1:]
        if not tokens:
            return False
        if is_capitalised(tokens[0]):
            return True
        # lower case only for longer names ("the department of health", "the government
        # office for London"), never one or two words
        return len(tokens) >= 3

    def _title_before(self, start: int) -> bool:
        words = tuple(t.lower_.rstrip(".") for t in self.doc[max(0, start - 4) : start])
        return any(
            len(t) <= len(words) and words[-len(t) :] == t for t in self.rules.title_prefixes
        )

    def _gazetteer_tokens(self) -> set[int]:
        return {i for g in self.gazetteer_spans for i in range(g.start, g.end)}
