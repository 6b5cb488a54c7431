"""What a reference refers to: the council, body, programme or scheme in focus where it
stands."""

from __future__ import annotations

from collections.abc import Iterable

from graph.model import Passage
from ingest.extraction.resolution.entities import (
    Found,
    ResolverState,
)
from ingest.gazetteer import normalise_name
from ingest.rules import Concept

# How far back (characters) a list of themes looks for the programme it belongs to: about
# two paragraphs.
_OWNER_REACH = 1500
_NEW_BODY_REACH = 1500
# How far back (characters) "the council" takes the one council just named over the
# document's focus: about the sentence before and this one.
_RECENT_REACH = 300


class Focus(ResolverState):
    """Anaphora and focus."""

    def council_in_focus(
        self, offset: int, passage: Passage | None, line: int | None = None
    ) -> str | None:
        """The one council just named, else the one in the passage, else the section, else the
        document so far."""
        councils = [f for f in self.before(offset) if f.ref.startswith("council/")]
        if passage is not None and line is not None:
            recent = [
                f
                for f in councils
                if offset - f.start <= _RECENT_REACH
                and f.passage is not None
                and f.passage.key == passage.key
            ]
            # the paragraph's own council, not one named in the paragraph (or row) above
            same_line = [f for f in recent if f.line == line]
            refs = {f.ref for f in same_line}
            if len(refs) == 1:
                return refs.pop()
            if refs:
                # "Dorset Council. Ann Pryor, formerly chief executive of Poole, is the new
                # council's ...": a paragraph that opens with a council is about it
                # (not "A and B met. The council ...": two councils named together)
                first = min(same_line, key=lambda f: f.start)
                opening = self.document.text[: first.start].rsplit("\n", 1)[-1]
                other = min((f.start for f in same_line if f.ref != first.ref), default=first.end)
                apart = ". " in self.document.text[first.end : other]
                if len(opening.split()) <= 2 and apart:
                    return first.ref
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

    def council_named(self, offset: int, head: str) -> str | None:
        """The last council named with ``head`` in its name ("the city region")."""
        for found in self.before(offset):
            if found.ref.startswith("council/") and any(
                head in normalise_name(n).split() for n in self.names_of(found.ref)
            ):
                return found.ref
        return None

    def body_in_focus(
        self, offset: int, head: str | None, passage: Passage | None, line: int | None = None
    ) -> str | None:
        """The body named in this paragraph whose name has ``head``, else the one named most;
        without a head, the last body named in the same passage."""
        named: list[Found] = []
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
                named.append(found)
        if not named:
            return None
        if named[0].line == line or line is None:
            return named[0].ref
        # "the commission's inspector" far from any commission: the one the document is
        # about, not the one named last in passing
        return _most_named(named)

    def newest_body(self, offset: int) -> str | None:
        """The body that "the new body" is: of the bodies named not long before, the one
        first named last (a body just formed is introduced after those it leaves)."""
        first_named: dict[str, int] = {}
        recent: set[str] = set()
        for found in self.found:
            if found.start >= offset:
                break
            if found.ref and found.ref.startswith("body/"):
                first_named.setdefault(found.ref, found.start)
                if offset - found.start <= _NEW_BODY_REACH:
                    recent.add(found.ref)
        return max(recent, key=first_named.__getitem__) if recent else None

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
                and not found.flags.local
            ):
                return found.ref
        return programmes[0].ref if programmes else None

    def list_owner(self, offset: int, first_phase: bool = False) -> str | None:
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
            if found.flags.local:
                continue
            if first_phase:
                return self.phases.get(found.ref, found.ref)  # "the first phase ...: A, B"
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
