"""Candidate spans: what a line may name, before the candidates are weighed against each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc

from ingest.extraction.labels import PRIORITY
from ingest.rules import RoleRule


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """A post as written: its words, its rule, whether it heads the organisation."""

    text: str  # "director of public health", "Communities Secretary"
    rule: RoleRule
    head: bool
    before: str  # portfolio words before the role word ("communities")
    portfolio: str  # portfolio words after it ("public health")
    heads_body: bool = False  # heads a body, though not a council ("its director")

    def heads(self, organisation: str) -> bool:
        """Whether the post heads ``organisation`` (an entity ref)."""
        return self.head or (self.heads_body and organisation.startswith("body/"))


@dataclass(slots=True)
class Flags:
    """What a candidate is known to be beyond its label; every field is optional."""

    name: str | None = None  # the name to resolve, where it differs from the span's words
    text: str | None = None  # the gazetteer's spelling to look up
    ref: str | None = None  # already resolved: an abbreviation the text defined
    known: str | None = None  # the label of a known programme
    cue: str | None = None  # a lower-case cue after a programme's name ("programme")
    title: str = ""  # a person's title ("Cllr Sir")
    suffixes: str = ""  # letters after a person's name ("CB", "MP")
    role: RoleInfo | None = None  # a post word's post
    anaphor: str | None = None  # what an anaphor refers to: council, body, programme, theme
    head: str | None = None  # the word an anaphor's referent is named with ("fund")
    list_number: int | None = None  # the theme list an item belongs to
    core: str | None = None  # a list item's core words ("community food hubs")
    single: bool = False  # one word of a person's name: a surname
    model: bool = False  # the model read it as an organisation
    weak: bool = False  # an organisation read from its context rather than a cue word
    bare: bool = False  # a bare place name ("Kent") rather than a council's name
    absorbable: bool = False  # may sit inside a longer name ("Solent NHS Trust")
    branch: bool = False  # a national body's local branch, holding both names ("Age UK Leeds")
    ambiguous: bool = False  # also another place or an ordinary word ("Reading")
    abbreviation: bool = False
    truncated: bool = False  # completes a list of councils the source cut off
    scheme: bool = False  # a rating scheme
    pilot: bool = False  # a programme named as a pilot
    lowercase: bool = False  # a programme named in lower case
    heading: bool = False  # a theme named by a "Theme 1: X" heading
    local: bool = False  # a name an organisation gives its own delivery of a programme


@dataclass(slots=True)
class Candidate:
    """A span of a line that may name something; token offsets into the line's Doc."""

    start: int
    end: int
    label: str
    source: str
    flags: Flags = field(default_factory=Flags)

    @property
    def priority(self) -> int:
        """Lower is preferred among overlapping spans of the same length."""
        return PRIORITY[self.source]

    def overlaps(self, other: Candidate) -> bool:
        """Whether the two spans share a token."""
        return self.start < other.end and other.start < self.end


def token_set(candidates: Iterable[Candidate]) -> set[int]:
    return {i for c in candidates for i in range(c.start, c.end)}


def drop_contained(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the longest of candidates of one kind that overlap."""
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(c.overlaps(k) for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def select(candidates: list[Candidate], doc: Doc) -> list[Candidate]:
    """Non-overlapping spans: longer first (by characters), then by source priority.

    A span from the model or a capitalisation rule never cuts through a gazetteer name, but
    a bare place name inside a longer organisation, programme or person ("Leeds Beckett
    University", "John Kent") gives way to it.
    """

    def rank(c: Candidate) -> tuple[int, int, int]:
        span = doc[c.start : c.end]
        return (-(span.end_char - span.start_char), c.priority, c.start)

    gazetteer = [c for c in candidates if c.source == "gazetteer"]
    kept: list[Candidate] = []
    for c in sorted(candidates, key=rank):
        if any(c.overlaps(k) for k in kept):
            continue
        if (
            c.source != "gazetteer"
            and c.flags.list_number is None
            and any(
                g.overlaps(c)
                and not (
                    (g.flags.absorbable or c.flags.branch) and c.start <= g.start and g.end <= c.end
                )
                for g in gazetteer
            )
        ):
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: c.start)
