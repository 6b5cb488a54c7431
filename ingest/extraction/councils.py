"""Councils (and the bodies the gazetteer lists) named in a line."""

from __future__ import annotations

from spacy.util import filter_spans

from graph.model import EntityKind
from ingest.extraction.candidates import Candidate, Flags, token_set
from ingest.extraction.labels import COUNCIL
from ingest.extraction.rulers import ABBREVIATION_SPANS
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    DANGLING_PUNCT,
    DANGLING_WORDS,
    is_bare_place,
    is_capitalised,
    is_place_form,
    is_possessive,
)
from ingest.gazetteer import unify_quotes


class GazetteerScan(ScanBase):
    """Council and body names the gazetteer knows, with case and era checks."""

    def gazetteer(self, date: str | None) -> list[Candidate]:
        """Council and body names from the gazetteer, with case and era checks."""
        out = []
        spans = [*self.doc.spans.get("gazetteer", []), *self.doc.spans.get(ABBREVIATION_SPANS, [])]
        for span in filter_spans(spans):  # the longest wins, as the rulers' own filter does
            start, end = span.start, span.end
            while end > start and is_possessive(self.doc[end - 1]):
                end -= 1
            if end - start > 1 and self.doc[start].lower_ == "the":
                start += 1  # "the NHS", "the Treasury": the name without its article
            if start >= end:
                continue
            text = self.doc[start:end].text
            abbreviation = span.id_ == "abbreviation"
            if not abbreviation and not self._cased_like_a_name(start, end):
                continue
            if not abbreviation and not self._reads_as_the_name(start, end, text):
                continue  # "Crisis talks", "the Welfare Reform Act": the word, not the body
            if (
                abbreviation
                and text.istitle()
                and len(text) >= 4
                and self.doc[start].pos_ != "PROPN"
            ):
                continue  # "Scie" the body, but not "Gone" the word
            lookup_text = text.upper() if abbreviation and not text.isupper() else text
            entries = self.rules.gazetteer.lookup(lookup_text, on=date)
            if not entries:
                continue
            if abbreviation and date and not any(e.in_office(date) for e in entries):
                continue  # "LAA" in 2007 is not the Legal Aid Agency (2013-)
            if (
                not abbreviation
                and end - start == 1
                and entries[0].kind is EntityKind.BODY
                and self.doc[start].pos_ != "PROPN"
                and self.doc[start].ent_type_ != "ORG"
            ):
                continue  # a one-word body name used as a word ("Statistics show ..."),
                # unless the model reads it as an organisation ("policy director at Nacro")
            bare = entries[0].kind is EntityKind.COUNCIL and is_bare_place(text)
            if bare and date and not any(e.in_office(date) for e in entries):
                continue  # a place whose council had gone by then ("Cheshire" in 2012)
            if self._title_before(start):
                continue  # "Lord Hastings", "Baroness Warwick": a person, not a council
            if bare and self._venue_before(start):
                continue  # "the annual conference in Birmingham": where, not who
            flags = Flags(
                text=lookup_text,
                bare=bare,
                # may sit inside a longer name ("Solent NHS Trust", "Leeds Beckett University")
                absorbable=bare
                or abbreviation
                or (lookup_text.isupper() and len(lookup_text) <= 5)
                or (entries[0].kind is EntityKind.COUNCIL and is_place_form(lookup_text)),
                ambiguous=bare and self.rules.gazetteer.is_ambiguous_bare(text),
                abbreviation=abbreviation,
            )
            out.append(Candidate(start, end, span.label_, "gazetteer", flags))
        truncated = self._truncated_list_end(out, date)
        if truncated is not None:
            out.append(truncated)
        self.gazetteer_spans = out
        return out

    def _truncated_list_end(self, found: list[Candidate], date: str | None) -> Candidate | None:
        """A list of councils that breaks off inside its last name ("..., Sefton and Barking
        and" where the text was cut): the last item, when it begins exactly one council's
        name and the line names at least two other councils."""
        doc = self.doc
        last = len(doc)
        while last > 0 and (doc[last - 1].is_space or doc[last - 1].text in DANGLING_PUNCT):
            last -= 1
        if last < 2 or doc[last - 1].lower_ not in DANGLING_WORDS:
            return None
        councils = [c for c in found if c.label == COUNCIL]
        if len(councils) < 2 or any(c.end >= last - 1 for c in found):
            return None
        start = last - 1
        taken = token_set(found)
        while start > 0 and is_capitalised(doc[start - 1]) and (start - 1) not in taken:
            start -= 1
        if start == last - 1 or doc[start - 1].lower_ not in (",", "and", "&"):
            return None
        completions = self.rules.gazetteer.completions(doc[start:last].text, on=date)
        if len(completions) != 1:
            return None
        name, _entry = completions[0]
        return Candidate(start, last, COUNCIL, "gazetteer", Flags(text=name, truncated=True))

    def _reads_as_the_name(self, start: int, end: int, text: str) -> bool:
        """Whether a name that a body marks as also an ordinary word ("Crisis", "Mind",
        "Action for Children") reads as the body's name here.

        It must be written exactly as listed, outside a heading-like line ("Housing Crisis
        Deepens"); a one-word name must also stand alone inside a sentence: not its first
        word, not after "the" or "a", and not next to another capitalised word ("Welfare
        Reform Act", "Mind Games").
        """
        spellings = self.rules.gazetteer.ambiguous_spellings(text)
        if not spellings:
            return True
        if unify_quotes(" ".join(text.split())) not in spellings or self._heading_line():
            return False
        if end - start > 1:
            return True
        doc = self.doc
        if start == 0 or doc[start].is_sent_start:
            return False
        before = doc[start - 1]
        if before.lower_ in ("the", "a", "an") or (before.is_alpha and is_capitalised(before)):
            return False
        return not (end < len(doc) and doc[end].is_alpha and is_capitalised(doc[end]))
