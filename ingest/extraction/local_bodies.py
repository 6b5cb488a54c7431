"""Bodies a place names with a lower-case kind ("Kent police"), local branches of national
bodies and the units an organisation's possessive names."""

from __future__ import annotations

from ingest.extraction.candidates import Candidate, Flags
from ingest.extraction.labels import BODY, COUNCIL
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    COUNCIL_WORDS,
    is_capitalised,
)

# Words that end the lower-case name of a part of an organisation ("community wellbeing board").
_UNIT_HEADS = frozenset({"board", "committee", "panel", "team", "unit", "subcommittee"})


class LocalBodyScan(ScanBase):
    """Bodies named by a place or an organisation with lower-case words."""

    def _local_branches(self, blocked: list[Candidate]) -> list[Candidate]:
        """A national body's local branch, named by the body and the place it serves ("Age UK
        Hull", "Citizens Advice Leeds"): a body of its own, not the national one."""
        doc = self.doc
        places = {
            c.start: c
            for c in blocked
            if c.source == "gazetteer" and c.label == COUNCIL and c.flags.bare
        }
        out = []
        for c in blocked:
            if c.source != "gazetteer" or c.label != BODY or c.flags.abbreviation:
                continue
            place = places.get(c.end)
            if place is None or (place.end < len(doc) and is_capitalised(doc[place.end])):
                continue
            name = doc[c.start : place.end].text
            out.append(Candidate(c.start, place.end, BODY, "body", Flags(name=name, branch=True)))
        return out

    def local_bodies(self) -> list[Candidate]:
        """ "Herefordshire health authority", "Kent police": a place with a lower-case kind of
        body after it names that body, not the council."""
        doc = self.doc
        out = []
        bare_by_end = {g.end: g for g in self.gazetteer_spans if g.flags.bare}
        for g in self.gazetteer_spans:
            if not g.flags.bare:
                continue
            end = g.end
            while (
                end < len(doc)
                and end - g.end < 4
                and doc[end].is_lower
                and doc[end].pos_ in ("NOUN", "ADJ", "CCONJ")
            ):
                end += 1
                if doc[end - 1].lower_ in self.rules.org_cues and (
                    doc[end - 1].lower_ not in COUNCIL_WORDS or end - g.end >= 2
                ):
                    start = self._joined_places(g.start, bare_by_end)
                    name = doc[start:end].text
                    out.append(Candidate(start, end, BODY, "body", Flags(name=name)))
                    break
        out += self._possessed_units()
        return out

    def _joined_places(self, start: int, bare_by_end: dict[int, Candidate]) -> int:
        """Where a local body's name starts when places joined by "and" or commas name it
        together ("the Avon and Wessex partnership" is one partnership of both places)."""
        doc = self.doc
        while start >= 2 and doc[start - 1].lower_ in ("and", "&", ","):
            before = bare_by_end.get(start - 1)
            if before is None:
                break
            start = before.start
        return start

    def _possessed_units(self) -> list[Candidate]:
        """ "the LGA's community wellbeing board": a board, committee or team of an
        organisation, named in lower case after its possessive."""
        doc = self.doc
        out = []
        for g in self.gazetteer_spans:
            k = g.end
            if k + 1 >= len(doc) or doc[k].tag_ != "POS":
                continue
            end = k + 1
            while end < len(doc) and end - k <= 5 and doc[end].is_lower and doc[end].is_alpha:
                end += 1
                if doc[end - 1].lower_ in _UNIT_HEADS and end - k >= 3:
                    name = doc[k + 1 : end].text
                    out.append(Candidate(k + 1, end, BODY, "body", Flags(name=name, weak=True)))
                    break
        return out
