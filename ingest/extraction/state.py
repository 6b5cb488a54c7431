"""The plain containers extraction's passes share: a line of the document, with the candidates,
mentions and theme items found in it, and the names found anywhere in the document."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from graph.model import Mention, Passage
from ingest.extraction.candidates import Candidate
from ingest.extraction.resolution import Found


@dataclass(frozen=True, slots=True)
class Names:
    """Names found anywhere in a document, to recognise where else they occur."""

    matcher: PhraseMatcher
    bodies: set[str]  # normalised names the text treats as organisations


@dataclass(slots=True)
class Line:
    """One line of a document (a paragraph once the readers have unwrapped it), parsed, with
    what each pass finds in it."""

    index: int
    start: int
    text: str
    doc: Doc
    passage: Passage | None
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    extra_mentions: list[Mention] = field(default_factory=list)
    heading: str | None = None  # the heading of the section the line stands in
    theme: str | None = None  # theme named by a "Theme 1: ..." heading on this line
    theme_start: int | None = None  # where that theme's words start in the text
    # items of theme lists: token bounds, their core words and the list they belong to
    theme_items: list[tuple[int, int, str, int]] = field(default_factory=list)
