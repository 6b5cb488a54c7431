"""Programmes, schemes, funds and rating schemes named in a line."""

from __future__ import annotations

from ingest.extraction.candidates import Candidate, Flags, drop_contained, token_set
from ingest.extraction.labels import BODY, ORG_LABELS, PROGRAMME
from ingest.extraction.lowercase_programmes import LowercaseProgrammeScan
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    OPENERS,
    QUOTES_CLOSE,
    QUOTES_OPEN,
    capitalised_runs,
    is_capitalised,
    model_person,
)
from ingest.gazetteer import normalise_name


class ProgrammeScan(LowercaseProgrammeScan, ScanBase):
    """Programmes: known names, capitalised names with a cue, lower-case compounds."""

    def programmes(self, blocked: list[Candidate]) -> list[Candidate]:
        """Programmes: known names, capitalised names with a cue, lower-case compounds."""
        doc = self.doc
        rules = self.rules
        taken = token_set([c for c in blocked if not (c.source == "gazetteer" and c.flags.bare)])
        out = []
        for span in doc.spans.get("programmes", []):
            if is_capitalised(span[0]) or span.text.isupper() or span.id_ in rules.lowercase_known:
                out.append(
                    Candidate(
                        span.start,
                        span.end,
                        PROGRAMME,
                        "known",
                        Flags(known=span.id_, name=span.text),
                    )
                )
        for start, end in capitalised_runs(doc):
            while start < end and doc[start].lower_ in OPENERS:
                start += 1
            if end - start < 1 or any(i in taken for i in range(start, end)):
                continue
            words = [t.lower_ for t in doc[start:end]]
            name = doc[start:end].text
            after = doc[end] if end < len(doc) else None
            candidate = None
            if self._capitals_heading(start, end):
                continue  # "EARLY FINDINGS": a heading in capitals, not a name
            cue_after = (
                after is not None and after.is_lower and after.lower_ in rules.programme_heads
            )
            if (
                words[-1] in rules.programme_heads
                and not cue_after
                and model_person(doc[start:end])
            ):
                continue  # "Paula Grant": a surname that is also a programme's head word
            if words[-1] in rules.programme_heads and len(words) >= 2:
                if cue_after:
                    candidate = Candidate(
                        start, end + 1, PROGRAMME, "programme", Flags(name=name, cue=after.text)
                    )
                else:
                    candidate = Candidate(start, end, PROGRAMME, "programme", Flags(name=name))
            elif any(
                w in rules.programme_inside and i + 1 < len(words) and words[i + 1] in ("for", "of")
                for i, w in enumerate(words)
            ):
                candidate = Candidate(start, end, PROGRAMME, "programme", Flags(name=name))
            elif (
                after is not None
                and after.is_lower
                and after.lower_ in rules.programme_heads
                and (len(words) >= 2 or doc[start].is_upper)
            ):
                for k in range(end - 2, start, -1):
                    if doc[k].lower_ in ("and", "&") and doc[k + 1].lower_ == "the":
                        start = k + 2  # "Shelter & the Homes First project": the last name
                        name = doc[start:end].text
                        break
                # "the Superfast Countryside programme": named without its lower-case cue
                candidate = Candidate(
                    start, end + 1, PROGRAMME, "programme", Flags(name=name, cue=after.text)
                )
            elif after is not None and self._scheme_after(end):
                length = self._scheme_after(end)
                candidate = Candidate(
                    start,
                    end + length,
                    PROGRAMME,
                    "programme",
                    Flags(name=doc[start : end + length].text, scheme=True),
                )
            elif (
                len(words) >= 2
                and not model_person(doc[start:end])
                and self._led_by_organisation(end, blocked)
            ):
                # "Safer Lanes Kent is run jointly by Kent County Council and ...": what
                # organisations lead is a programme
                candidate = Candidate(start, end, PROGRAMME, "described", Flags(name=name))
            elif len(words) >= 2 and self._programme_apposition(end):
                candidate = Candidate(start, end, PROGRAMME, "described", Flags(name=name))
            elif len(words) >= 2 and (local := self._named_after_cue(start)) is not None:
                candidate = Candidate(
                    start, end, PROGRAMME, "described", Flags(name=name, local=local)
                )
            elif len(words) >= 2 and self._quoted_after_cue(start, end):
                candidate = Candidate(
                    start,
                    end,
                    PROGRAMME,
                    "programme",
                    Flags(name=name, pilot=self._pilot_before(start)),
                )
            if (
                candidate is not None
                and normalise_name(name) not in rules.not_bodies
                and normalise_name(name) not in rules.not_programmes
            ):
                if (
                    any(w in rules.org_cues for w in words[-1:])
                    and words[-1] not in rules.programme_heads
                ):
                    continue
                out.append(candidate)
        out += self._lowercase_programmes(taken)
        out += self._inspections(blocked, taken)
        return drop_contained(out)

    def _inspections(self, blocked: list[Candidate], taken: set[int]) -> list[Candidate]:
        """An inspectorate's inspections of a service, a rating scheme named by both
        ("Ofsted's inspections of youth services" -> "Ofsted inspection of youth services");
        the inspectorate stays a mention of its own."""
        doc = self.doc
        out = []
        for c in blocked:
            if c.label not in ORG_LABELS:
                continue
            i = c.end
            if i < len(doc) and doc[i].tag_ == "POS":
                i += 1
            if i < len(doc) and doc[i].like_num:
                i += 1  # "Ofsted's 2014 inspection"
            if i >= len(doc) or doc[i].lower_ not in ("inspection", "inspections"):
                continue
            if not doc[i].is_lower or i in taken:
                continue
            end = i + 1
            service = []
            if end + 1 < len(doc) and doc[end].lower_ == "of":
                k = end + 1
                while (
                    k < len(doc)
                    and k not in taken
                    and (
                        (doc[k].is_lower and doc[k].pos_ in ("NOUN", "ADJ")) or doc[k].tag_ == "POS"
                    )
                ):
                    k += 1
                if k > end + 1 and doc[k - 1].pos_ == "NOUN":
                    service = list(doc[end + 1 : k])
                    end = k
            owner = doc[c.start : c.end].text
            name = f"{owner} inspection"
            if service:
                name += " of " + "".join(t.text_with_ws for t in service).strip()
            out.append(Candidate(i, end, PROGRAMME, "programme", Flags(name=name, scheme=True)))
        return out

    def _led_by_organisation(self, end: int, blocked: list[Candidate]) -> bool:
        """Whether "is (jointly) led by" and an organisation follow a name."""
        doc = self.doc
        k = end
        if k < len(doc) and doc[k].lower_ in ("is", "are", "was", "will"):
            k += 1 + (k + 1 < len(doc) and doc[k + 1].lower_ == "be")
        else:
            return False
        if k < len(doc) and doc[k].pos_ == "ADV":
            k += 1  # "jointly led"
        if not (k < len(doc) and doc[k].lower_ in ("led", "run")):
            return False
        k += 1
        if k < len(doc) and doc[k].pos_ == "ADV":
            k += 1  # "led jointly"
        if not (k < len(doc) and doc[k].lower_ == "by"):
            return False
        first = k + 1 + (k + 1 < len(doc) and doc[k + 1].lower_ == "the")
        return any(c.start == first and c.label in ORG_LABELS for c in blocked)

    def _capitals_heading(self, start: int, end: int) -> bool:
        """Whether words in capitals make up a whole line of their own."""
        doc = self.doc
        return (
            end - start >= 2
            and all(t.is_upper or not t.is_alpha for t in doc[start:end])
            and any(len(t) > 4 for t in doc[start:end])
            and (start == 0 or "\n" in doc[start - 1].text_with_ws)
            and (end == len(doc) or "\n" in doc[end - 1].whitespace_ + doc[end].text)
        )

    def bodies_named_as_programmes(
        self, gazetteer: list[Candidate]
    ) -> tuple[list[Candidate], list[Candidate]]:
        """Split off the gazetteer's bodies that are programmes here: the curated list of
        programmes names them as one (a fund named like the public body
        that ran it), or the sentence calls them one ("Safe Hands, a tenancy project led by
        ...")."""
        known = {(s.start, s.end): s.id_ for s in self.doc.spans.get("programmes", [])}
        kept, moved = [], []
        for c in gazetteer:
            if c.label != BODY or c.flags.abbreviation:
                kept.append(c)
                continue
            label = known.get((c.start, c.end))
            if label is None and not self._programme_apposition(c.end):
                kept.append(c)
                continue
            name = self.doc[c.start : c.end].text
            flags = Flags(name=name, known=label) if label else Flags(name=name)
            moved.append(
                Candidate(c.start, c.end, PROGRAMME, "known" if label else "described", flags)
            )
        return kept, moved

    def described_programmes(
        self, people: list[Candidate]
    ) -> tuple[list[Candidate], list[Candidate]]:
        """Split off the names read as people that their sentence calls a programme ("Home
        Together, an approach led by ...", "a pilot known as Ruth Brown House")."""
        kept, described = [], []
        for c in people:
            local = self._named_after_cue(c.start)
            if (
                c.end - c.start >= 2
                and not c.flags.title
                and (local is not None or self._programme_apposition(c.end))
            ):
                name = self.doc[c.start : c.end].text
                flags = Flags(name=name, local=bool(local))
                described.append(Candidate(c.start, c.end, PROGRAMME, "described", flags))
            else:
                kept.append(c)
        return kept, described

    def _scheme_after(self, i: int) -> int:
        """How many tokens from ``i`` form a lower-case rating-scheme cue ("star ratings")."""
        doc = self.doc
        if i >= len(doc) or doc[i].lower_ not in self.rules.scheme_starts:
            return 0
        for cue in self.rules.scheme_cues_longest_first:
            words = tuple(t.lower_ for t in doc[i : i + len(cue)])
            if words == cue and all(t.is_lower for t in doc[i : i + len(cue)]):
                return len(cue)
        return 0

    def _programme_apposition(self, end: int) -> bool:
        """A name then ", a ... cue": "the Green Skills Accelerator, a new £6.5m programme"."""
        doc = self.doc
        if (
            end + 1 >= len(doc)
            or doc[end].text != ","
            or doc[end + 1].lower_ not in ("a", "an", "the")
        ):
            return False
        for t in doc[end + 2 : end + 12]:
            kinds = self.rules.programme_heads | self.rules.apposition_kinds
            after = doc[t.i + 1] if t.i + 1 < len(doc) else None
            if t.lower_ in kinds and (after is None or after.pos_ not in ("NOUN", "PROPN")):
                return True  # the head of the phrase: "a project" but not "a project manager"
            if t.tag_ in ("VBZ", "VBD", "VBP", "MD") or t.text in (",", ".", ";"):
                return False
        return False

    def _named_after_cue(self, start: int) -> bool | None:
        """Whether a name follows a naming phrase after a lower-case cue ("runs a pilot
        known as Home Together", the cue within eight words): None when it does not; True
        when the cue is possessed ("runs its own scheme under the name ..."), a local
        delivery of a programme the text is about, which later anaphors do not mean."""
        doc = self.doc
        for phrase in self.rules.naming_phrases:
            at = start - len(phrase)
            if at < 1 or tuple(t.lower_ for t in doc[at:start]) != phrase:
                continue
            sentence = doc[start].sent
            for k in range(at - 1, max(-1, at - 9), -1):
                cue = doc[k]
                if cue.sent != sentence:
                    break
                if cue.is_lower and cue.lower_ in self.rules.programme_heads:
                    before = doc[max(sentence.start, k - 3) : k]
                    return any(t.tag_ in ("PRP$", "POS") for t in before)
            return None
        return None

    def _quoted_after_cue(self, start: int, end: int) -> bool:
        """A quoted name after a cue word: 'to pilot "Ageing Well at Home"'."""
        doc = self.doc
        if start < 2 or end >= len(doc):
            return False
        if doc[start - 1].text not in QUOTES_OPEN or doc[end].text not in QUOTES_CLOSE:
            return False
        before = {t.lower_ for t in doc[max(0, start - 4) : start - 1]}
        return bool(
            before
            & (self.rules.programme_heads | {"called", "named", "dubbed", "known", "branded"})
            or before & {"pilot", "piloting", "pilots", "trial", "test"}
        )

    def _pilot_before(self, start: int) -> bool:
        return any(t.lower_.startswith("pilot") for t in self.doc[max(0, start - 4) : start])
