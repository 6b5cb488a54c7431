"""Plain data types of a question asked in plain English: how it was read, and its answers."""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import EntityRef, Relation, RelationPath, SearchHit


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The time a question asks about: documents dated from `start` to `end` (ISO dates,
    inclusive; None is open), and `at`, the day an organisation must have existed on (for
    "as of"), or None when existing at any time in the window will do."""

    text: str  # as the question or the as_of parameter put it
    start: str | None = None
    end: str | None = None
    at: str | None = None

    def holds(self, date: str | None) -> bool:
        """Whether a document of this date falls in the window (an undated one never does)."""
        if not date:
            return False
        return (self.start is None or date >= self.start) and (self.end is None or date <= self.end)

    def narrowed(self, other: TimeWindow) -> TimeWindow:
        """The window both this and `other` allow."""
        starts = [d for d in (self.start, other.start) if d]
        ends = [d for d in (self.end, other.end) if d]
        ats = [d for d in (self.at, other.at) if d]
        return TimeWindow(
            f"{self.text}; {other.text}",
            max(starts) if starts else None,
            min(ends) if ends else None,
            min(ats) if ats else None,
        )


@dataclass(frozen=True, slots=True)
class Link:
    """Words of the question linked to an entity."""

    slot: str
    text: str  # the words as the question wrote them
    entity: EntityRef
    score: float  # how well a name of the entity matched the words, 0-100
    matched: str  # the name that matched
    others: tuple[EntityRef, ...] = ()  # other entities that matched as well


@dataclass(frozen=True, slots=True)
class Unknown:
    """Words of the question that name no entity the graph holds."""

    slot: str
    text: str
    nearest: tuple[EntityRef, ...]

    @property
    def message(self) -> str:
        """No such entity, and the nearest names."""
        names = ", ".join(e.label for e in self.nearest)
        return f"no such entity {self.text!r}" + (f"; nearest: {names}" if names else "")


@dataclass(frozen=True, slots=True)
class Interpretation:
    """How the question was read, so that a user can see it and correct it."""

    shape: str | None  # the shape of question recognised, or None when none fits
    reading: str  # the question as it was understood, in words
    pattern: str | None = None
    entities: tuple[Link, ...] = ()
    unknown: tuple[Unknown, ...] = ()
    predicates: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # the kinds of answer asked for
    role: str | None = None
    rating: str | None = None
    time: TimeWindow | None = None
    message: str | None = None  # what went wrong, when something did
    notes: tuple[str, ...] = ()  # what was left out of the answers, and why
    alternatives: tuple[str, ...] = ()  # other ways the question could be read


@dataclass(frozen=True, slots=True)
class DatedEvidence:
    """A quote that states a fact, with its passage and its document's title and date."""

    passage: str
    document: str
    title: str
    date: str | None
    quote: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Description:
    """What the graph holds about one entity, in brief."""

    types: tuple[str, ...]
    aliases: tuple[str, ...]
    identifiers: dict[str, str]
    start: str | None  # when the organisation began, where the gazetteer says
    end: str | None  # when it ended
    documents: int  # how many documents name it
    facts: int  # how many facts it takes part in


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: an entity (with the facts that make it one), or a path, and the quotes."""

    evidence: tuple[DatedEvidence, ...]
    entity: EntityRef | None = None
    relations: tuple[Relation, ...] = ()
    path: RelationPath | None = None
    description: Description | None = None


@dataclass(frozen=True, slots=True)
class AskResult:
    """A question, how it was read, its answers, and the passages search finds for it."""

    question: str
    interpretation: Interpretation
    answers: tuple[Answer, ...]
    passages: tuple[SearchHit, ...]
