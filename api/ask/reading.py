"""Reading a question: its time phrase, the shape it has, and the entities it names.

Every pattern of every shape is matched against the question's words in every way it can be;
each match whose slots all name entities is a reading, scored by how well the worst-matched
name matched. The best reading wins (on a tie, the shape listed first in shapes.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from api.ask.lifetimes import Lifetimes
from api.ask.model import Link, TimeWindow, Unknown
from api.ask.shapes import KIND, RATING, ROLE, CompiledShape, Pattern, Shapes, Slot, Words
from api.ask.words import AskedRating, RatingWords
from graph.model import EntityRef
from graph.queries import EntityIndex, normalise

# A name must match at least this well (0-100, rapidfuzz's WRatio as the name index scores it)
# for the words to be read as naming the entity: 85.5 is what any name scores whose words
# are merely among the question's, so it stays below.
LINK_THRESHOLD = 88.0
# Candidates scoring within this of the best are as good, and time decides between them.
TIE = 0.5
# The most words a post or a rating may take.
SHORT_SLOT = 6
# How many near names an unknown one lists.
NEAREST = 5
# A name that matches only part of the words must be at least this share of them, and
# longer than an abbreviation.
PART = 0.5
SHORTEST_PART = 3

_TOKEN = re.compile(r"\w+(?:[-.]\w+)*|['’]s\b|&")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?P<rest>.*?)[\s,]+(?P<year>(?:19|20)\d{2})$|^(?P<year2>(?:19|20)\d{2})\s+")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the question, lower-cased, with where it stands in the text."""

    word: str
    start: int
    end: int


def tokenise(text: str) -> list[Token]:
    """The words of a question; a possessive "'s" is a word of its own."""
    return [
        Token(m.group(0).lower().replace("’", "'"), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def match_pattern(
    pattern: Pattern, tokens: list[Token], kind_words: Words
) -> Iterator[dict[str, tuple[int, int]]]:
    """Every way the pattern covers all the tokens: slot name -> (first, past-last) token."""
    words = [t.word for t in tokens]
    first = pattern.first_words
    if first is not None and (not words or words[0] not in first):
        return
    seen: set[tuple[tuple[str, tuple[int, int]], ...]] = set()
    for binding in _match(pattern.elements, 0, words, kind_words):
        key = tuple(sorted(binding.items()))
        if key not in seen:
            seen.add(key)
            yield binding


def _match(
    elements: tuple, at: int, words: list[str], kind_words: Words
) -> Iterator[dict[str, tuple[int, int]]]:
    if not elements:
        if at == len(words):
            yield {}
        return
    head, rest = elements[0], elements[1:]
    if isinstance(head, Words) or (isinstance(head, Slot) and head.name == KIND):
        choices = head if isinstance(head, Words) else kind_words
        for choice in choices.choices:
            end = at + len(choice)
            if tuple(words[at:end]) == choice:
                for binding in _match(rest, end, words, kind_words):
                    yield {head.name: (at, end), **binding} if isinstance(head, Slot) else binding
        if choices.optional:
            yield from _match(rest, at, words, kind_words)
        return
    longest = SHORT_SLOT if head.name in (ROLE, RATING) else len(words)
    for end in range(at + 1, min(len(words), at + longest) + 1):
        for binding in _match(rest, end, words, kind_words):
            yield {head.name: (at, end), **binding}


@dataclass(slots=True)
class Linker:
    """Links the words of a slot to an entity of the kinds it allows, through the name index
    (labels, aliases, abbreviations, typos); at a time, organisations of that time first."""

    index: EntityIndex
    lifetimes: Lifetimes
    window: TimeWindow | None = None
    _cache: dict[tuple[str, tuple[str, ...]], tuple[list, str | None]] = field(default_factory=dict)

    def link(self, slot: str, text: str, kinds: tuple[str, ...]) -> tuple[Link | Unknown, str]:
        """The entity the words name, or what they might have meant; and a year the words
        carried ("the 2003 CPA"), or "" when none."""
        ranked, year = self._ranked(text, kinds)
        if ranked and ranked[0][0] >= LINK_THRESHOLD:
            best_score = ranked[0][0]
            tied = [m for m in ranked if m[0] >= best_score - TIE]
            window = self.window
            if window is not None and year:
                window = window.narrowed(_year_window(year))
            elif year:
                window = _year_window(year)
            if window is not None:
                tied.sort(key=lambda m: not self._existed(m[1].ref, window))
            score, entity, matched = tied[0]
            others = tuple(m[1] for m in tied[1:] if m[1].ref != entity.ref)
            return Link(slot, text, entity, score, matched, others), year or ""
        nearest = [m.entity for m in self.index.find(_bare(text), limit=NEAREST)]
        return Unknown(slot, text, tuple(nearest)), ""

    def _existed(self, ref: str, window: TimeWindow) -> bool:
        lifetime = self.lifetimes.get(ref)
        return lifetime is None or lifetime.existed(window)

    def _ranked(self, text: str, kinds: tuple[str, ...]) -> tuple[list, str | None]:
        """The candidates for the words, and a year they carry when the words name an entity
        better without it ("the 2003 CPA" is the CPA, in 2003)."""
        key = (text, kinds)
        if key not in self._cache:
            ranked = self._candidates(text, kinds)
            year = None
            found = _YEAR.match(_bare(text))
            if found and (not ranked or ranked[0][0] < 100):
                rest = found["rest"] if found["year"] else _bare(text)[found.end() :]
                bare = self._candidates(rest, kinds)
                if (
                    bare
                    and bare[0][0] >= LINK_THRESHOLD
                    and (not ranked or bare[0][0] >= ranked[0][0] - TIE)
                ):
                    ranked, year = bare, found["year"] or found["year2"]
            self._cache[key] = (ranked, year)
        return self._cache[key]

    def _candidates(self, text: str, kinds: tuple[str, ...]) -> list:
        """(score, entity, matched name), best first, over a few spellings of the words."""
        bare = _bare(text)
        spellings = {bare: 100.0, _POSSESSIVE.sub("", bare): 100.0}
        _, _, owned = bare.partition("'s ")
        if owned:  # "the LGA's Improvement Board": the board, named without its owner
            spellings.setdefault(owned, 95.0)
        best: dict[str, tuple[float, EntityRef, str]] = {}
        for spelling, cap in spellings.items():
            if not spelling.strip():
                continue
            length = len(normalise(spelling))
            for kind in kinds:
                for m in self.index.find(spelling, kind=kind, limit=5):
                    score = min(m.score, cap)
                    short = len(normalise(m.matched))
                    if score < 100 and (short < length * PART or short <= SHORTEST_PART):
                        continue  # a short name inside longer words ("EI" in "Eisenstadt")
                    if score > best.get(m.entity.ref, (-1.0,))[0]:
                        best[m.entity.ref] = (score, m.entity, m.matched)
        return sorted(best.values(), key=lambda m: (-m[0], m[1].label, m[1].ref))


def _bare(text: str) -> str:
    """The words without a leading article or trailing punctuation."""
    return _ARTICLE.sub("", text.replace("’", "'").strip().strip("?!.,;: ")).strip()


def _year_window(year: str) -> TimeWindow:
    return TimeWindow(f"in {year}", f"{year}-01-01", f"{year}-12-31")


@dataclass(frozen=True, slots=True)
class Reading:
    """One way of reading a question: a shape, its pattern, and what fills its slots."""

    shape: CompiledShape
    pattern: Pattern
    links: dict[str, Link]
    unknown: tuple[Unknown, ...]
    kinds: tuple[str, ...]  # the kinds of answer the question names ({kind}), if any
    kind_text: str | None
    role: str | None
    rating: AskedRating | None
    window: TimeWindow | None

    @property
    def complete(self) -> bool:
        """Whether every entity slot names an entity."""
        return not self.unknown

    @property
    def score(self) -> float:
        """How well the worst-matched name matched (100 with no names)."""
        return min((link.score for link in self.links.values()), default=100.0)

    def says(self) -> str:
        """The reading in words: the shape's `says` with its slots filled."""
        fills = {
            name: f"{link.entity.label} ({link.entity.ref})" for name, link in self.links.items()
        }
        fills.update({u.slot: repr(u.text) for u in self.unknown})
        fills[ROLE] = self.role or "any post"
        fills[RATING] = self.rating.text if self.rating else "any rating"
        text = re.sub(
            r"\{([a-z_]+)\}", lambda m: fills.get(m.group(1), m.group(0)), self.shape.spec.says
        )
        if self.kind_text:
            text += f"; only {self.kind_text}"
        if self.window is not None:
            text += f"; documents dated {self.window.text}"
        return text


def read_question(
    text: str, shapes: Shapes, linker: Linker, ratings: RatingWords, window: TimeWindow | None
) -> list[Reading]:
    """Every reading of a question (its time phrase already taken out), best first."""
    tokens = tokenise(text)
    kind_words = Words(tuple(shapes.kind_words))
    readings: list[tuple[tuple, Reading]] = []
    for shape in shapes.shapes:
        for order, pattern in enumerate(shape.patterns):
            for binding in match_pattern(pattern, tokens, kind_words):
                reading = _reading(shape, pattern, binding, text, tokens, shapes, linker, ratings)
                if reading is None:
                    continue
                reading = _with_window(reading, window)
                rank = (not reading.complete, len(reading.unknown), -reading.score)
                readings.append(((*rank, shape.order, order), reading))
    readings.sort(key=lambda item: item[0])
    return [reading for _, reading in readings]


def _reading(
    shape: CompiledShape,
    pattern: Pattern,
    binding: dict[str, tuple[int, int]],
    text: str,
    tokens: list[Token],
    shapes: Shapes,
    linker: Linker,
    ratings: RatingWords,
) -> Reading | None:
    def words(slot: str) -> str:
        first, last = binding[slot]
        return text[tokens[first].start : tokens[last - 1].end]

    rating = None
    if RATING in binding:
        rating = ratings.asked(words(RATING))
        if rating is None:
            return None
    kinds: tuple[str, ...] = ()
    kind_text = None
    if KIND in binding:
        first, last = binding[KIND]
        kind_text = words(KIND)
        kinds = shapes.kind_words[tuple(t.word for t in tokens[first:last])]
    links: dict[str, Link] = {}
    unknown: list[Unknown] = []
    years: list[str] = []
    for slot, allowed in shape.spec.slots.items():
        if slot not in binding:
            continue
        found, year = linker.link(slot, words(slot), tuple(allowed))
        if isinstance(found, Link):
            links[slot] = found
            if year:
                years.append(year)
        else:
            unknown.append(found)
    window = None
    for year in years:
        made = _year_window(year)
        window = made if window is None else window.narrowed(made)
    return Reading(
        shape=shape,
        pattern=pattern,
        links=links,
        unknown=tuple(unknown),
        kinds=kinds,
        kind_text=kind_text,
        role=_bare(words(ROLE)) if ROLE in binding else None,
        rating=rating,
        window=window,
    )


def _with_window(reading: Reading, window: TimeWindow | None) -> Reading:
    """The reading with the question's time window (and a year its names carried)."""
    if window is None:
        return reading
    combined = window if reading.window is None else window.narrowed(reading.window)
    return replace(reading, window=combined)
