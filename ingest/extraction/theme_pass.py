"""Themes a line sets out in pass 2: the items of theme lists (``themes.py``), a "Theme 1: X"
heading, and the core words of an item."""

from __future__ import annotations

from spacy.tokens import Doc

from ingest.extraction.candidates import Candidate, Flags
from ingest.extraction.labels import (
    THEME,
)
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.patterns import trim_phrase
from ingest.extraction.resolution import Resolver, content_words
from ingest.extraction.state import Line

_ITEM_MAX_WORDS = 14


class ThemePass:
    """Theme candidates of a line."""

    mention_rules: MentionRules

    def _themes(
        self, line: Line, resolver: Resolver, pending: bool
    ) -> tuple[list[Candidate], bool]:
        """Themes a line sets out: the items of theme lists (``extraction/themes.py``), else a
        "Theme 1: X" heading."""
        doc = line.doc
        if line.theme_items:
            return [
                Candidate(start, end, THEME, "theme", Flags(list_number=number, core=core))
                for start, end, core, number in line.theme_items
            ], False
        heading = self._heading_theme(doc)
        if heading:
            line.theme = resolver.theme(doc[heading.start : heading.end].text, declare=True)
            line.theme_start = line.start + doc[max(0, heading.start - 3)].idx
            return [heading], False
        return [], False

    def _heading_theme(self, doc: Doc) -> Candidate | None:
        """ "Theme 1: Affordable warmth" (up to a following "Lead council:" or the end)."""
        i = 0
        while i < len(doc) and (doc[i].like_num or doc[i].text in (".", ")", "(")):
            i += 1
        if i + 2 >= len(doc) or doc[i].lower_ not in self.mention_rules.heading_nouns:
            return None
        if not doc[i + 1].like_num or doc[i + 2].text not in (":", ".", "-", "–", "—"):
            return None
        start = i + 3
        end = start
        while end < len(doc):
            t = doc[end]
            if t.text in (".", ";", ":") or (
                t.text == "Lead" and end + 2 < len(doc) and doc[end + 2].text == ":"
            ):
                break
            end += 1
        while end > start and doc[end - 1].is_punct:
            end -= 1
        if end - start < 1 or end - start > 12:
            return None
        return Candidate(start, end, THEME, "theme", Flags(heading=True))

    def _item(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        """Token bounds of a list item as a theme, cut at "who", "that" and the like."""
        rules = self.mention_rules
        while start < end and (doc[start].is_punct or doc[start].lower_ in ("and", "or")):
            start += 1
        cut = start
        while cut < end and (
            cut == start
            or doc[cut].lower_ not in rules.theme_stops
            # a lone gerund needs what follows it: "working with people"
            or (cut == start + 1 and doc[start].tag_ == "VBG")
        ):
            if doc[cut].text in (";", ".", ":") or doc[cut].ent_type_ in ("DATE", "MONEY"):
                break
            cut += 1
        words = [t.text for t in doc[start:cut]]
        kept = trim_phrase(words, rules, [t.pos_ for t in doc[start:cut]])
        if not kept:
            return None
        first = start + _find_sub(words, kept)
        last = first + len(kept)
        while last > first and doc[last - 1].is_punct:
            last -= 1
        if last - first < 1 or last - first > _ITEM_MAX_WORDS:
            return None
        if not content_words(doc[first:last].text):
            return None
        return first, last


def _find_sub(words: list[str], part: list[str]) -> int:
    for i in range(len(words) - len(part) + 1):
        if words[i : i + len(part)] == part:
            return i
    return 0
