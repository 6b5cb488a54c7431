"""Resolution: one entity per real thing, with stable keys, from the mentions of one document.

* Councils and bodies resolve through the gazetteer; where several councils bear a name, the
  one in office at the document's date wins, and otherwise one the document already names.
  Abbreviations the text defines ("the County Councils Network (CCN)") resolve to their name.
* People are keyed by their full name without title ("sir-roland-heskett" is not a key;
  "roland-heskett" is); surname-only and title-only references ("says Hartley", "Cllr
  Rowntree") resolve to the one full name in the document with that surname.
* "the council" resolves to the council in focus only when exactly one council is named in
  the passage, else in the section, else in the document so far; "the fund" to the last fund
  named; "its members" to the last body named in the passage.
* Programmes and themes are keyed by the slug of their normalised label; a theme that matches
  a concept of ``rules/themes.yaml`` takes that concept's key and label.

Keys depend only on names, so IRIs are the same on every ingest and across documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.model import Document, Entity, EntityKind, Passage
from graph.vocab import slugify
from ingest.gazetteer import Gazetteer, GazetteerEntry, normalise_name
from ingest.mentions import KIND_OF_LABEL, MentionRules, abbreviation_fits
from ingest.rules import Concept

_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
# How far back (characters) a list of themes looks for the programme it belongs to: about
# two paragraphs.
_OWNER_REACH = 1500
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
    data: dict[str, Any]
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
    years = [int(y) for y in _YEAR.findall(document.text)]
    return str(max(years)) if years else None


def content_words(text: str) -> set[str]:
    """The normalised words of a phrase without function words."""
    return {w for w in normalise_name(text).split() if w not in _FUNCTION_WORDS}


def clean_label(text: str) -> str:
    """A name as a label: one line, single spaces, no leading "the", no possessive."""
    text = " ".join(text.split())
    text = re.sub(r"^(?:the|The|THE)\s+", "", text)
    text = re.sub(r"(?:'s|’s|'|’)$", "", text)
    return text.strip(" ,;:.\"“”‘’'()")


def theme_label(text: str) -> str:
    """A theme as a label: lower case except acronyms ("establishing dynamic LEPs")."""
    words = []
    for word in clean_label(text).split():
        upper = sum(c.isupper() for c in word)
        words.append(word if upper >= 2 else word.lower())
    return " ".join(words)


class Resolver:
    """The entities of one document, and the state that resolves its references."""

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

    # -- entities ---------------------------------------------------------------------------

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

    # -- councils and bodies ------------------------------------------------------------------

    def organisation(
        self, text: str, abbreviation: bool = False, alias: str | None = None
    ) -> str | None:
        """The council or body a gazetteer name names, preferring one the document knows."""
        exact = self.abbreviations.get(text)
        if exact:
            self._add_alias(exact, alias or text)
            return exact
        entries = self.gazetteer.lookup(text, on=self.date)
        if not entries:
            return None
        chosen = entries[0]
        if chosen.ref not in self.entities:
            known = [e for e in entries[1:4] if e.ref in self.entities]
            if known and (abbreviation or not (self.date and chosen.in_office(self.date))):
                chosen = known[0]
        return self._from_entry(chosen, clean_label(alias or text))

    def knows_entry(self, text: str) -> bool:
        """Whether the document has already named a council this bare name could be."""
        return any(e.ref in self.entities for e in self.gazetteer.lookup(text, on=self.date)[:3])

    def body(self, text: str) -> str:
        """A body outside the gazetteer, keyed by its normalised name with a final
        abbreviation spelt out ("Coventry and Warwickshire LEP" is "... Local Enterprise
        Partnership")."""
        written = clean_label(text)
        words = written.split()
        expansion = self.rules.head_abbreviations.get(words[-1]) if len(words) > 1 else None
        label = " ".join([*words[:-1], expansion]) if expansion else written
        norm = normalise_name(label)
        ref = self.names.get(norm)
        if ref and ref.startswith("body/"):
            self._add_alias(ref, written)
            return ref
        ref = self._add(EntityKind.BODY, slugify(norm), label, written)
        self.names[norm] = ref
        self.names.setdefault(normalise_name(written), ref)
        return ref

    def acronym(self, abbreviation: str) -> str | None:
        """The one body or programme the document has named whose capitals spell an
        abbreviation it never defined ("the SSI" after "the Social Services Inspectorate")."""
        fits = [
            ref
            for ref, building in self.entities.items()
            if building.kind in (EntityKind.BODY, EntityKind.PROGRAMME)
            and len(building.label.split()) >= 2
            and abbreviation_fits(abbreviation, building.label)
        ]
        if len(fits) != 1:
            return None
        self.define_abbreviation(abbreviation, fits[0])
        self._add_alias(fits[0], abbreviation)
        return fits[0]

    def define_abbreviation(self, abbreviation: str, ref: str) -> None:
        """Record "Full Name (ABBR)" so that later "ABBR" resolves to the same entity."""
        self.abbreviations.setdefault(abbreviation, ref)
        self._add_alias(ref, abbreviation)

    def _add_alias(self, ref: str, alias: str) -> None:
        building = self.entities.get(ref)
        if building is not None and alias and alias != building.label:
            building.aliases.setdefault(" ".join(alias.split()), None)

    # -- people -----------------------------------------------------------------------------

    def register_person(self, name: str, title: str = "") -> str:
        """A person by full name; the title is kept as data, not in the key or label."""
        label = " ".join(name.split())
        norm = normalise_name(label)
        ref = self.people.get(norm)
        if ref is None:
            identifiers = {"title": title} if title else {}
            ref = self._add(EntityKind.PERSON, slugify(label), label, None, identifiers)
            self.people[norm] = ref
            words = norm.split()
            if len(words) >= 2:
                self.surnames.setdefault(words[-1], []).append(ref)
                if "-" in label.split()[-1] or len(words) >= 3:
                    self.surnames.setdefault(" ".join(words[-2:]), []).append(ref)
        elif title and not self.entities[ref].identifiers.get("title"):
            self.entities[ref].identifiers["title"] = title
        return ref

    def person(self, name: str, title: str, surface: str, single: bool) -> str | None:
        """A person mention: a full name, or a surname (with or without title) seen in full."""
        if single:
            ref = self.surname(name)
            if ref is None and title:
                ref = self.register_person(
                    f"{title} {name}" if title in ("Lord", "Lady", "Baroness", "Baron") else name,
                    "",
                )
            if ref is not None:
                self._add_alias(ref, surface)
            return ref
        ref = self.register_person(name, title)
        self._add_alias(ref, surface)
        return ref

    def surname(self, word: str) -> str | None:
        """The person a surname-only reference names: the last one mentioned, if any."""
        refs = self.surnames.get(normalise_name(word))
        if not refs:
            return None
        if len(refs) == 1:
            return refs[0]
        for found in reversed(self.found):
            if found.ref in refs:
                return found.ref
        return refs[-1]

    # -- programmes ---------------------------------------------------------------------------

    def programme(
        self,
        name: str,
        known: str | None = None,
        cue: str | None = None,
        pilot: bool = False,
        scheme: bool = False,
    ) -> str | None:
        """A programme by name (None for a bare cue word such as "programme"); a lower-case
        cue after a capitalised name is an alias. Rating schemes named more or less fully
        ("youth justice ratings", "the national youth justice performance ratings") are one
        scheme within a document."""
        label = clean_label(known or name)
        if not known and label.split()[0].lower() in self.rules.drop_words:
            label = " ".join(
                w
                for i, w in enumerate(label.split())
                if i or w.lower() not in self.rules.drop_words
            )
        words = label.split()
        while len(words) > 1 and words[0].lower() in self.rules.drop_words:
            words = words[1:]
        label = " ".join(words)
        if (
            not known
            and len(words) == 1
            and words[0].lower().rstrip("s") in self.rules.programme_heads
        ):
            return None  # "the programme" names nothing on its own
        norm = normalise_name(label)
        ref = self.names.get(norm)
        if (ref is None or not ref.startswith("programme/")) and scheme:
            words = content_words(label)
            for other in self.schemes:
                other_words = content_words(self.label_of(other))
                if len(words & other_words) >= 2 and (words <= other_words or other_words <= words):
                    ref = other
                    break
        if ref is None or not ref.startswith("programme/"):
            ref = self._add(EntityKind.PROGRAMME, slugify(norm), label, None)
            self.names[norm] = ref
        if scheme or norm.split()[-1] in self.rules.scheme_heads:
            self.schemes.add(ref)  # "Comprehensive Performance Assessment" rates councils
        self._add_alias(ref, clean_label(name))
        if cue:
            full = f"{label} {cue}"
            self._add_alias(ref, full)
            self.names.setdefault(normalise_name(full), ref)
        if pilot or "pilot" in norm.split():
            self.pilots.add(ref)
        return ref

    # -- themes -------------------------------------------------------------------------------

    def theme(self, text: str, declare: bool = False, alias: str | None = None) -> str | None:
        """A theme by its words: a concept of the scheme when one matches, else a new one;
        ``alias`` is another name the text gives it (a list item's core words)."""
        label = theme_label(text)
        if not label or len(label.split()) > 16:
            return None
        if all(w in self.rules.generic_nouns for w in normalise_name(label).split()):
            return None  # "work", "the approach", "new models" name no theme
        norm = normalise_name(label)
        concept = self.concepts.get(norm)
        if concept is not None:
            ref = self._add(EntityKind.THEME, concept.key, concept.pref, label)
        else:
            existing = self.names.get(norm)
            ref = existing if existing and existing.startswith("theme/") else None
            if ref is None:
                ref = self._add(EntityKind.THEME, slugify(norm), label, None)
        self.names.setdefault(norm, ref)
        if alias:
            core = theme_label(alias)
            if core and core != label:
                self._add(EntityKind.THEME, ref.split("/", 1)[1], label, core)
                self.names.setdefault(normalise_name(core), ref)
        if declare and ref not in self.declared_themes:
            self.declared_themes.append(ref)
        return ref

    def declared_theme(self, text: str) -> str | None:
        """A theme the document has set out that these words name or abbreviate."""
        words = content_words(text)
        if not words:
            return None
        for ref in reversed(self.declared_themes):
            for name in self.names_of(ref):
                other = content_words(name)
                if not other:
                    continue
                smaller = min(len(words), len(other))
                if (words <= other or other <= words) and smaller >= min(2, len(other)):
                    return ref
        return None

    def list_item(self, number: int, ref: str) -> None:
        """Record a theme as an item of the document's list ``number`` (in reading order), for
        "the third priority" to find."""
        if self._list_number != number:
            self._list_number = number
            self.theme_lists.append([])
        self.theme_lists[-1].append(ref)

    def ordinal_theme(self, ordinal: int) -> str | None:
        """ "the third priority": the n-th item of the last list of themes."""
        if self.theme_lists and 0 < ordinal <= len(self.theme_lists[-1]):
            return self.theme_lists[-1][ordinal - 1]
        return None

    def heading_theme(self, heading: str | None) -> str | None:
        """The theme a section heading names, when it is one the document set out or a concept."""
        if not heading:
            return None
        norm = normalise_name(heading)
        if norm in self.concepts or self.names.get(norm, "").startswith("theme/"):
            return self.theme(heading)
        declared = self.declared_theme(heading)
        if declared and content_words(heading) == content_words(self.label_of(declared)):
            return declared
        return None

    # -- anaphora and focus --------------------------------------------------------------------

    def before(self, offset: int) -> Iterable[Found]:
        """Resolved mentions that start before ``offset``, nearest first."""
        for found in reversed(self.found):
            if found.start < offset and found.ref:
                yield found

    def council_in_focus(self, offset: int, passage: Passage | None) -> str | None:
        """The one council named in the passage, else the section, else the document so far."""
        councils = [f for f in self.before(offset) if f.ref.startswith("council/")]
        scopes = []
        if passage is not None:
            scopes.append(
                [f for f in councils if f.passage is not None and f.passage.key == passage.key]
            )
            scopes.append(
                [
                    f
                    for f in councils
                    if f.passage is not None and f.passage.heading == passage.heading
                ]
            )
        scopes.append(councils)
        for scope in scopes:
            refs = {f.ref for f in scope}
            if len(refs) == 1:
                return refs.pop()
            if len(refs) > 1:
                return _dominant(councils)
        return None

    def body_in_focus(self, offset: int, head: str | None, passage: Passage | None) -> str | None:
        """The last body named whose name has ``head``; without one, in the same passage."""
        for found in self.before(offset):
            if not found.ref.startswith("body/"):
                continue
            if head is None:
                if (
                    passage is not None
                    and found.passage is not None
                    and found.passage.key != passage.key
                ):
                    return None
                return found.ref
            if any(head in normalise_name(n).split() for n in self.names_of(found.ref)):
                return found.ref
        return None

    def programme_in_focus(
        self, offset: int, head: str | None, noun: str | None = None
    ) -> str | None:
        """The last programme named with ``head`` in its name ("the fund"), or the last one;
        ``noun`` ("programme" in "the programme") prefers a programme named with it."""
        programmes = [f for f in self.before(offset) if f.ref.startswith("programme/")]
        if noun and not head:
            for found in programmes:
                if found.source == "anaphor" or found.ref in self.schemes:
                    continue
                if any(noun in normalise_name(n).split() for n in self.names_of(found.ref)):
                    return found.ref
        if head == "pilot":
            for found in programmes:
                if found.ref in self.pilots:
                    return found.ref
            # "the pilots" of a document that never says whose: the programme it names most
            return _most_named(programmes)
        if head and head != "pilot":
            for found in programmes:
                if any(head in normalise_name(n).split() for n in self.names_of(found.ref)):
                    return found.ref
            return None
        for found in programmes:
            words = normalise_name(self.label_of(found.ref)).split()
            if (
                words[-1] not in ("fund", "funds", "ratings", "indicators")
                and found.source != "anaphor"
            ):
                return found.ref
        return programmes[0].ref if programmes else None

    def list_owner(self, offset: int) -> str | None:
        """The programme whose themes a list sets out ("the board agreed three priorities:
        ..."): the last one named (by name or "the forum") not long before, leaving out rating
        schemes and funds, which a passing remark names more often than a list's owner."""
        for found in self.before(offset):
            if offset - found.start > _OWNER_REACH:
                return None
            if not found.ref.startswith("programme/") or found.ref in self.schemes:
                continue
            if normalise_name(self.label_of(found.ref)).split()[-1] in ("fund", "funds"):
                continue
            return found.ref
        return None

    def scheme_in_focus(self, offset: int, line: int, end: int | None = None) -> str | None:
        """The rating scheme named just before in the line, or right after the rating
        ("rated excellent in the X ratings"), else the one the document has named most often
        so far (a passing "shadow ratings" is not the focus)."""
        schemes = [f for f in self.found if f.ref and f.ref in self.schemes]
        before = [f for f in schemes if f.line == line and f.start < offset]
        if before:
            return before[-1].ref
        if end is not None:
            for found in schemes:
                if found.line == line and found.start >= end:
                    words = self.document.text[end : found.start].split()
                    # "judged inadequate (overall) in this year's assessment"
                    if len(words) <= 7 and (
                        not words or set(words[:2]) & {"in", "by", "under", "of", "on"}
                    ):
                        return found.ref
        counts: dict[str, tuple[int, int]] = {}
        for found in schemes:
            if found.start < offset:
                counts[found.ref] = (counts.get(found.ref, (0, 0))[0] + 1, found.start)
        if not counts:
            return None
        return max(counts, key=lambda ref: counts[ref])  # most mentions, then most recent

    def meeting_body(self) -> str | None:
        """The body whose meeting a document records: the first body it names, when that
        comes before any claim ("HEALTH OVERVIEW AND SCRUTINY PANEL ... Present: ...")."""
        for found in self.found:
            if found.ref and found.ref.startswith("body/") and found.line <= 3:
                return found.ref
        return None

    def department(self, portfolio: str, named_only: bool = True) -> str | None:
        """The department a role's portfolio names: one the document names, else (unless
        ``named_only``) the one in office at the document's date ("Chancellor" in 2013 is
        of HM Treasury whether or not the text names it)."""
        departments = self.rules.department_for(portfolio)
        for ref in departments:
            if ref in self.entities:
                return ref
        if named_only:
            return None
        for ref in departments:
            entry = self.gazetteer.get(ref)
            if entry is not None and (self.date is None or entry.in_office(self.date)):
                return self._from_entry(entry, None)
        return None

    def kind_of(self, ref: str) -> str:
        """The mention label (COUNCIL, BODY, ...) of an entity ref."""
        kind = ref.split("/", 1)[0]
        return {v.value: k for k, v in KIND_OF_LABEL.items()}[kind]


def _most_named(found: list[Found]) -> str | None:
    """The entity named most often among ``found`` (nearest first), a name in the headline
    counting more, the nearest on a tie."""
    counts: dict[str, int] = {}
    for f in found:
        if f.source != "anaphor":
            # a name in the headline counts as much as three in the text
            counts[f.ref] = counts.get(f.ref, 0) + (3 if f.line < 2 else 1)
    if not counts:
        return found[0].ref if found else None
    order = {ref: i for i, ref in reversed(list(enumerate(f.ref for f in found)))}
    return max(counts, key=lambda ref: (counts[ref], -order[ref]))


def _dominant(found: list[Found]) -> str | None:
    """The council a document is about when it names others in passing: named at least
    twice as often as any other so far."""
    counts: dict[str, int] = {}
    for f in found:
        counts[f.ref] = counts.get(f.ref, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] >= 2 * ranked[1] and ranked[0] >= 3:
        return max(counts, key=lambda ref: counts[ref])
    return None


def concept_index(concepts: Iterable[Concept]) -> dict[str, Concept]:
    """Concepts by every normalised label they go by."""
    index: dict[str, Concept] = {}
    for concept in concepts:
        for label in (concept.pref, *concept.alt):
            index.setdefault(normalise_name(label), concept)
    return index
