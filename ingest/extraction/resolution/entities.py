"""What resolution keeps for one document: the entities being built, the mentions placed so
far, and the names, abbreviations and lists that later references resolve against."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.model import Document, Entity, EntityKind, Passage
from ingest.extraction.candidates import Flags
from ingest.extraction.labels import KIND_OF_LABEL
from ingest.extraction.mention_rules import MentionRules
from ingest.gazetteer import Gazetteer, GazetteerEntry, normalise_name
from ingest.rules import Concept

_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_TARGET = re.compile(r"\b(?:by|until|till|before|to)\s+(?:(?:the\s+)?end\s+of\s+)?$", re.I)
_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "of", "for", "and", "to", "in", "on", "at", "with", "by", "&", "or"}
)


@dataclass(slots=True)
class Found:
    """A mention placed in the document (character offsets into Document.text), resolved."""

    line: int
    start: int
    end: int
    tok_start: int
    tok_end: int
    label: str
    source: str
    text: str
    flags: Flags
    passage: Passage | None
    ref: str | None = None
    merge_end: int | None = None  # token end when an "(ABBR)" is merged with the name


@dataclass(slots=True)
class _Building:
    kind: EntityKind
    key: str
    label: str
    aliases: dict[str, None] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)
    parent: str | None = None

    def entity(self) -> Entity:
        aliases = tuple(a for a in self.aliases if a != self.label)
        return Entity(self.key, self.kind, self.label, aliases, dict(self.identifiers), self.parent)


def estimate_date(document: Document) -> str | None:
    """The document's date, or, when it states none, the latest year it mentions (for
    picking the council in office; a text about 2001 names the councils of 2001)."""
    if document.date:
        return document.date
    # a year after "by" or "until" is a target, not a time the text has seen
    years = [
        int(m.group(1))
        for m in _YEAR.finditer(document.text)
        if not _TARGET.search(document.text, max(0, m.start() - 20), m.start())
    ]
    return str(max(years)) if years else None


def content_words(text: str) -> set[str]:
    """The normalised words of a phrase without function words."""
    return {w for w in normalise_name(text).split() if w not in _FUNCTION_WORDS}


def clean_label(text: str) -> str:
    """A name as a label: one line, single spaces, no leading "the", no possessive."""
    text = " ".join(text.split())
    text = re.sub(r"^(?:the|The|THE)\s+", "", text)
    text = re.sub(r"(?:'s|’s|'|’)$", "", text)
    text = text.strip(" ,;:.\"“”‘’'()")
    if text.count("(") > text.count(")"):
        text += ")"  # a bracket closed in the text: "Scrutiny Board (2)"
    return text


def theme_label(text: str) -> str:
    """A theme as a label: lower case except acronyms ("establishing dynamic LEPs")."""
    words = []
    for word in clean_label(text).split():
        upper = sum(c.isupper() for c in word)
        words.append(word if upper >= 2 else word.lower())
    return " ".join(words)


class ResolverState:
    """The state of one document's resolution, and the entities it builds."""

    def __init__(
        self,
        document: Document,
        gazetteer: Gazetteer,
        rules: MentionRules,
        concepts: dict[str, Concept],
    ) -> None:
        """Start resolving ``document``'s mentions."""
        self.document = document
        self.date = estimate_date(document)
        self.gazetteer = gazetteer
        self.rules = rules
        self.concepts = concepts  # normalised label -> concept
        self.entities: dict[str, _Building] = {}
        self.found: list[Found] = []
        self.abbreviations: dict[str, str] = {}
        self.people: dict[str, str] = {}  # normalised full name -> ref
        self.surnames: dict[str, list[str]] = {}  # normalised surname -> refs
        self.names: dict[str, str] = {}  # normalised name of a body/programme -> ref
        self.declared_themes: list[str] = []
        self.theme_lists: list[list[str]] = []
        self._list_number: int | None = None
        self.pilots: set[str] = set()
        self.schemes: set[str] = set()
        self.phases: dict[str, str] = {}  # a later phase of a programme -> the programme

    def _add(
        self,
        kind: EntityKind,
        key: str,
        label: str,
        alias: str | None = None,
        identifiers: dict[str, str] | None = None,
        parent: str | None = None,
    ) -> str:
        ref = f"{kind.value}/{key}"
        building = self.entities.get(ref)
        if building is None:
            building = _Building(
                kind, key, label, identifiers=dict(identifiers or {}), parent=parent
            )
            self.entities[ref] = building
        if alias:
            alias = " ".join(alias.split())
            if alias and alias != building.label:
                building.aliases.setdefault(alias, None)
        return ref

    def _from_entry(self, entry: GazetteerEntry, alias: str | None) -> str:
        identifiers: dict[str, str] = {}
        if entry.identifiers.get("gss"):
            identifiers["gss"] = entry.identifiers["gss"]
        for name in ("govuk", "abbreviation"):
            if entry.identifiers.get(name):
                identifiers[name] = entry.identifiers[name]
        parent = entry.parent if entry.kind is EntityKind.BODY else None
        ref = self._add(entry.kind, entry.key, entry.label, alias, identifiers, parent)
        if entry.kind is EntityKind.COUNCIL and len(entry.names) > 1:
            self.entities[ref].aliases.setdefault(entry.names[1], None)  # the short name
        if parent and parent not in self.entities:
            parent_entry = self.gazetteer.get(parent)
            if parent_entry is not None:
                self._from_entry(parent_entry, None)
        return ref

    def entity_list(self, used: set[str]) -> list[Entity]:
        """The entities that mentions or claims use, plus the parents they point to."""
        keep = set(used)
        for ref in list(used):
            parent = self.entities[ref].parent if ref in self.entities else None
            while parent and parent in self.entities and parent not in keep:
                keep.add(parent)
                parent = self.entities[parent].parent
        return [b.entity() for ref, b in self.entities.items() if ref in keep]

    def label_of(self, ref: str) -> str:
        """The label of an entity this document has resolved."""
        return self.entities[ref].label

    def names_of(self, ref: str) -> list[str]:
        """The label and aliases of an entity this document has resolved."""
        building = self.entities[ref]
        return [building.label, *building.aliases]

    def add_alias(self, ref: str, alias: str) -> None:
        """Record another name an entity this document has resolved goes by."""
        self._add_alias(ref, alias)

    def _add_alias(self, ref: str, alias: str) -> None:
        building = self.entities.get(ref)
        if building is not None and alias and alias != building.label:
            building.aliases.setdefault(" ".join(alias.split()), None)

    def kind_of(self, ref: str) -> str:
        """The mention label (COUNCIL, BODY, ...) of an entity ref."""
        kind = ref.split("/", 1)[0]
        return {v.value: k for k, v in KIND_OF_LABEL.items()}[kind]

    def before(self, offset: int) -> Iterable[Found]:
        """Resolved mentions that start before ``offset``, nearest first."""
        for found in reversed(self.found):
            if found.start < offset and found.ref:
                yield found


def concept_index(concepts: Iterable[Concept]) -> dict[str, Concept]:
    """Concepts by every normalised label they go by."""
    index: dict[str, Concept] = {}
    for concept in concepts:
        for label in (concept.pref, *concept.alt):
            index.setdefault(normalise_name(label), concept)
    return index
