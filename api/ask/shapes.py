"""Question shapes as data: `shapes.yaml`, validated once against the schema below.

A bad entry fails with the file, the line and the reason, as the extraction rules do::

    api/ask/shapes.yaml:120: shapes.3.patterns.0: unknown slot {orgg}; declare it in slots

Patterns are parsed into `Pattern`s here, so that a malformed one fails when the file loads,
not when a question first meets it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph.model import Predicate
from ingest.rules import validate_yaml_file

SHAPES_FILE = Path(__file__).resolve().parent / "shapes.yaml"

# Slots filled from the vocabulary rather than by naming an entity.
KIND, ROLE, RATING = "kind", "role", "rating"
SPECIAL_SLOTS = frozenset({KIND, ROLE, RATING})
ANY_HEAD = "any head"
Kind = Literal["council", "body", "person", "programme", "theme"]


# -- patterns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Words:
    """One of several word sequences, or (when optional) none of them."""

    choices: tuple[tuple[str, ...], ...]
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot: words naming an entity, or a kind, post or rating."""

    name: str


Element = Words | Slot


@dataclass(frozen=True)
class Pattern:
    """A question form, parsed."""

    text: str
    elements: tuple[Element, ...]

    @property
    def slots(self) -> frozenset[str]:
        """The names of the slots the pattern fills."""
        return frozenset(e.name for e in self.elements if isinstance(e, Slot))

    @functools.cached_property
    def first_words(self) -> frozenset[str] | None:
        """The words a question must begin with to match, or None when it may begin with any."""
        head = self.elements[0]
        if isinstance(head, Slot) or head.optional:
            return None
        return frozenset(choice[0] for choice in head.choices)


_PATTERN_TOKEN = re.compile(r"\(([^()\[\]{}]*)\)|\[([^()\[\]{}]*)\]|\{([a-z_][a-z0-9_]*)\}|(\S+)")


def parse_pattern(text: str) -> Pattern:
    """Parse a pattern; raise ValueError naming what is wrong with it."""
    elements: list[Element] = []
    for match in _PATTERN_TOKEN.finditer(text):
        group, optional, slot, word = match.groups()
        if slot is not None:
            elements.append(Slot(slot))
        elif group is not None or optional is not None:
            choices = tuple(tuple(c.split()) for c in (group or optional or "").split("|"))
            if any(not c for c in choices):
                raise ValueError(f"empty choice in {match.group(0)!r}")
            elements.append(Words(choices, optional=optional is not None))
        else:
            if any(c in word for c in "()[]{}|"):
                raise ValueError(f"unbalanced or misplaced bracket in {word!r}")
            elements.append(Words(((word,),)))
    if not elements:
        raise ValueError("empty pattern")
    slots = [e.name for e in elements if isinstance(e, Slot)]
    if len(slots) != len(set(slots)):
        raise ValueError("a slot appears twice")
    for before, after in pairwise(elements):
        if (
            isinstance(before, Slot)
            and isinstance(after, Slot)
            and KIND
            not in (
                before.name,
                after.name,
            )
        ):
            raise ValueError(f"slots {{{before.name}}} and {{{after.name}}} need words between")
    return Pattern(text, tuple(elements))


# -- the schema ----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _phrases(values: list[str]) -> list[str]:
    cleaned = [" ".join(str(v).lower().split()) for v in values]
    if any(not v for v in cleaned):
        raise ValueError("empty phrase in list")
    return cleaned


class KindWords(_Strict):
    """Words that name a kind of entity in a question ("councils", "bodies")."""

    words: list[str]
    kinds: list[Kind]

    _clean = field_validator("words")(_phrases)


class Ratings(_Strict):
    """Words asking for the top or the bottom of a scheme, and the scales ratings sit on."""

    best: list[str]
    worst: list[str]
    scales: list[list[list[str]]]

    _clean = field_validator("best", "worst")(_phrases)

    @field_validator("scales")
    @classmethod
    def _scales(cls, scales: list[list[list[str]]]) -> list[list[list[str]]]:
        out = []
        for scale in scales:
            if len(scale) < 2:
                raise ValueError("a scale needs at least two ratings")
            out.append([_phrases(names) for names in scale])
            if any(not names for names in scale):
                raise ValueError("a rating on a scale needs a name")
        return out


class Roles(_Strict):
    """Words about posts that extraction's rules do not hold."""

    qualifiers: list[str]
    any_head: list[str]

    _clean = field_validator("qualifiers", "any_head")(_phrases)


class TimeWords(_Strict):
    """The phrases before a year that limit answers to a time."""

    in_: list[str] = Field(alias="in")
    before: list[str]
    after: list[str]
    since: list[str]
    as_of: list[str]

    _clean = field_validator("in_", "before", "after", "since", "as_of")(_phrases)


class FactsAnswer(_Strict):
    """Answer from the facts of some relations, one end known from a slot."""

    facts: list[Predicate]
    given: str
    find: Literal["subject", "object"]
    kinds: list[Kind] = Field(default_factory=list)
    role: str | None = None
    rating: str | None = None

    @field_validator("facts")
    @classmethod
    def _some(cls, facts: list[Predicate]) -> list[Predicate]:
        if not facts:
            raise ValueError("name at least one relation")
        return facts


class PathAnswer(_Strict):
    """Answer with the relationship paths between two entities."""

    path: tuple[str, str]


class DescribeAnswer(_Strict):
    """Answer with what the graph holds about one entity."""

    describe: str


class Shape(_Strict):
    """One shape of question: its forms, its slots and how it is answered."""

    name: str
    says: str
    patterns: list[str]
    slots: dict[str, list[Kind]]
    answer: FactsAnswer | PathAnswer | DescribeAnswer

    @field_validator("patterns")
    @classmethod
    def _parse(cls, patterns: list[str]) -> list[str]:
        if not patterns:
            raise ValueError("a shape needs at least one pattern")
        for n, text in enumerate(patterns):
            try:
                parse_pattern(text.lower())
            except ValueError as exc:
                raise ValueError(f"pattern {n} ({text!r}): {exc}") from None
        return [text.lower() for text in patterns]

    @model_validator(mode="after")
    def _slots_agree(self) -> Shape:
        for name, kinds in self.slots.items():
            if name in SPECIAL_SLOTS:
                raise ValueError(f"{{{name}}} is filled from the vocabulary; do not declare it")
            if not kinds:
                raise ValueError(f"slot {{{name}}} needs at least one kind")
        needed = set(self._answer_slots())
        for text in self.patterns:
            used = parse_pattern(text).slots
            unknown = used - set(self.slots) - SPECIAL_SLOTS
            if unknown:
                raise ValueError(
                    f"pattern {text!r}: unknown slot {{{sorted(unknown)[0]}}}; declare it in slots"
                )
            missing = needed - used
            if missing:
                raise ValueError(
                    f"pattern {text!r} lacks {{{sorted(missing)[0]}}}, which the answer needs"
                )
        for name in re.findall(r"\{([a-z_]+)\}", self.says):
            if name not in self.slots and name not in SPECIAL_SLOTS:
                raise ValueError(f"'says' names {{{name}}}, which is not a slot")
        return self

    def _answer_slots(self) -> list[str]:
        answer = self.answer
        if isinstance(answer, PathAnswer):
            return list(answer.path)
        if isinstance(answer, DescribeAnswer):
            return [answer.describe]
        slots = [] if answer.given == "none" else [answer.given]
        if answer.role == "{role}":
            slots.append(ROLE)
        if answer.rating is not None:
            if answer.rating != "{rating}":
                raise ValueError("answer.rating can only be '{rating}', the question's rating")
            slots.append(RATING)
        return slots


class ShapesFile(_Strict):
    """shapes.yaml: the vocabulary of questions and their shapes."""

    kinds: list[KindWords]
    ratings: Ratings
    roles: Roles
    time: TimeWords
    shapes: list[Shape]

    @model_validator(mode="after")
    def _unique_names(self) -> ShapesFile:
        seen: set[str] = set()
        for shape in self.shapes:
            if shape.name in seen:
                raise ValueError(f"two shapes are named {shape.name!r}")
            seen.add(shape.name)
        return self


# -- loaded --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledShape:
    """A shape with its patterns parsed."""

    order: int
    spec: Shape
    patterns: tuple[Pattern, ...]

    @property
    def name(self) -> str:
        """The shape's name."""
        return self.spec.name


@dataclass(frozen=True, slots=True)
class Shapes:
    """Every question shape and the vocabulary they share."""

    vocabulary: ShapesFile
    shapes: tuple[CompiledShape, ...]
    kind_words: dict[tuple[str, ...], tuple[str, ...]]  # words -> kinds they name


def read_shapes(path: Path = SHAPES_FILE) -> Shapes:
    """Read and validate a shapes file."""
    spec: ShapesFile = validate_yaml_file(path, ShapesFile)
    compiled = tuple(
        CompiledShape(n, shape, tuple(parse_pattern(p) for p in shape.patterns))
        for n, shape in enumerate(spec.shapes)
    )
    kind_words: dict[tuple[str, ...], tuple[str, ...]] = {}
    for entry in spec.kinds:
        for phrase in entry.words:
            kind_words[tuple(phrase.split())] = tuple(entry.kinds)
    return Shapes(spec, compiled, kind_words)


@functools.cache
def load_shapes() -> Shapes:
    """The shipped question shapes, read once per process."""
    return read_shapes()
