"""Pass 1: every full name of a person, body or programme in a document, so that a later
surname, abbreviation or repeated name is recognised wherever it recurs."""

from __future__ import annotations

import re

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ingest.extraction.candidates import Candidate, Flags
from ingest.extraction.labels import (
    BODY,
    PERSON,
    PROGRAMME,
)
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.resolution import Resolver
from ingest.extraction.scanner import LineScanner
from ingest.extraction.state import Line, Names
from ingest.extraction.tokens import is_capitalised
from ingest.gazetteer import normalise_name

_SPEECH = frozenset({"said", "says", "told", "added", "warned", "argued", "explained", "believes"})
# An abbreviation a text may use without defining it: "SSI", "DfES", "PSSRU".
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{1,7}$")


class NamePass:
    """Names found anywhere, and references back to them."""

    nlp: object
    mention_rules: MentionRules

    def _collect_names(self, lines: list[Line], resolver: Resolver) -> Names:
        """Find every line's candidates; register full names; match names across lines."""
        matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        seen: set[str] = set()
        body_names: set[str] = set()
        programme_names: set[str] = set()  # the gazetteer's bodies the text calls programmes
        for line in lines:
            scanner = LineScanner(self.mention_rules, line.doc, {})
            gazetteer, named_as = scanner.bodies_named_as_programmes(
                scanner.gazetteer(resolver.date)
            )
            roles = scanner.roles(gazetteer + named_as)
            people, described = scanner.described_programmes(
                scanner.people(gazetteer + roles + named_as)
            )
            described += named_as
            bodies = scanner.bodies(gazetteer + roles + people + named_as)
            bodies += scanner.defined_names(gazetteer + roles + people + bodies)
            bodies += scanner.local_bodies()
            programmes = described + scanner.programmes(
                gazetteer + roles + people + bodies + described
            )
            line.candidates = {
                "gazetteer": gazetteer,
                "roles": roles,
                "people": people,
                "bodies": bodies,
                "programmes": programmes,
                "anaphors": scanner.anaphors(),
            }
            for c in people:
                if not c.flags.single:
                    resolver.register_person(c.flags.name, c.flags.title)
            body_names.update(normalise_name(c.flags.name) for c in bodies)
            programme_names.update(normalise_name(c.flags.name or "") for c in named_as)
            for c in [*people, *bodies, *programmes]:
                if c.flags.single or c.flags.weak or c.flags.lowercase:
                    continue
                name = c.flags.name or ""
                acronym = name.isupper() and len(name) >= 3 and c.label != PERSON
                if (len(name.split()) < 2 and not acronym) or name in seen:
                    continue
                seen.add(name)
                key = f"{c.label}|{c.source}|{name}|{c.flags.known or ''}"
                matcher.add(key, [self.nlp.make_doc(name)])
        # "the Felix Project" is a programme by its cue word, but a body where it employs
        # someone ("director of strategy at the Felix Project"): a body throughout
        for line in lines:
            for c in line.candidates["programmes"]:
                if normalise_name(c.flags.name or "") in body_names and not c.flags.known:
                    c.label, c.source = BODY, "body"
        # a gazetteer body the text calls a programme is one throughout ("Safe Hands, a
        # tenancy project ..." and later "Safe Hands said")
        for line in lines:
            moved = [
                c
                for c in line.candidates["gazetteer"]
                if c.label == BODY
                and normalise_name(line.doc[c.start : c.end].text) in programme_names
            ]
            for c in moved:
                line.candidates["gazetteer"].remove(c)
                name = line.doc[c.start : c.end].text
                line.candidates["programmes"].append(
                    Candidate(c.start, c.end, PROGRAMME, "described", Flags(name=name))
                )
        return Names(matcher, body_names)

    def _name_matches(self, doc: Doc, names: Names) -> list[Candidate]:
        """Names found elsewhere in the document, wherever they recur."""
        out = []
        for match_id, start, end in names.matcher(doc):
            label, source, name, known = self.nlp.vocab.strings[match_id].split("|", 3)
            text = doc[start:end].text
            if text != name and not (is_capitalised(doc[start]) and len(name.split()) >= 3):
                continue  # "Family hubs pilot" in a heading, but not "the work programme"
            if normalise_name(name) in names.bodies and not known:
                label, source = BODY, "body"
            out.append(Candidate(start, end, label, source, Flags(name=name, known=known or None)))
        return out

    def _references(
        self, doc: Doc, resolver: Resolver, candidates: list[Candidate]
    ) -> list[Candidate]:
        """Surname-only references to people named in full, and abbreviations the text
        defined earlier ("CCN")."""
        taken = {i for c in candidates for i in range(c.start, c.end)}
        out = []
        i = 0
        while i < len(doc):
            token = doc[i]
            if i in taken or not is_capitalised(token):
                i += 1
                continue
            ref = resolver.abbreviations.get(token.text)
            if ref is None and _ACRONYM.match(token.text):
                ref = resolver.acronym(token.text)
            if ref is not None:
                out.append(
                    Candidate(i, i + 1, resolver.kind_of(ref), "abbreviation", Flags(ref=ref))
                )
                i += 1
                continue
            width = 3 if i + 2 < len(doc) and doc[i + 1].text == "-" else 1
            text = doc[i : i + width].text
            if resolver.surname(text) and self._reads_as_name(doc, i, i + width):
                out.append(Candidate(i, i + width, PERSON, "person", Flags(name=text, single=True)))
                i += width
                continue
            i += 1
        return out

    def _reads_as_name(self, doc: Doc, start: int, end: int) -> bool:
        token = doc[start]
        if token.ent_type_ == "PERSON" or (
            start > 0 and doc[start - 1].lower_.rstrip(".") in self.mention_rules.title_words
        ):
            return True
        nxt = doc[end] if end < len(doc) else None
        if nxt is not None and (nxt.lower_ in _SPEECH or nxt.text in (",", "'s", "’s")):
            return True  # "Okafor, chair of ...", "Hartley said"
        if start > 0 and doc[start - 1].lower_ in _SPEECH:
            return True
        if nxt is not None and nxt.pos_ == "ADV" and end + 1 < len(doc):
            nxt = doc[end + 1]  # "Okafor also chairs ..."
        if nxt is not None and nxt.pos_ in ("AUX", "VERB") and nxt.tag_ != "VBG":
            return True  # "Gittins has been leader", "Pearce is director" (subject of a verb)
        return token.pos_ == "PROPN" and not token.is_sent_start
