"""Bodies named in a line that the gazetteer does not list."""

from __future__ import annotations

from ingest.extraction.body_context import BodyContext
from ingest.extraction.candidates import Candidate, Flags, drop_contained, token_set
from ingest.extraction.labels import BODY, PROGRAMME, ROLE
from ingest.extraction.local_bodies import LocalBodyScan
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    CONNECTORS,
    POSSESSIVE_INSIDE,
    URLISH,
    abbreviation_fits,
    capitalised_runs,
    clean_name_span,
    is_capitalised,
    is_possessive,
    split_list,
)
from ingest.gazetteer import normalise_name


class BodyScan(LocalBodyScan, BodyContext, ScanBase):
    """Bodies outside the gazetteer: named with a cue word, by the model, or by the text."""

    def bodies(self, blocked: list[Candidate]) -> list[Candidate]:
        """Bodies named with a cue word ("Trust", "Association"), from the model or capitals."""
        doc = self.doc
        out = []
        taken = token_set([c for c in blocked if not (c.source == "gazetteer" and c.flags.bare)])
        spans = [
            (s, e, True)
            for ent in doc.ents
            if ent.label_ == "ORG"
            for s, e in self._split_coordinated(ent.start, ent.end)
        ]
        spans += [
            (s, e, False)
            for run_start, run_end in capitalised_runs(doc)
            for s, e in self._split_coordinated(run_start, run_end)
        ]
        # an abbreviation or a place inside a longer name is part of it ("Solent NHS Trust",
        # "NHS Southampton City Clinical Commissioning Group")
        taken -= {
            i
            for g in blocked
            if g.source == "gazetteer" and g.flags.absorbable
            for i in range(g.start, g.end)
        }
        for start, end, from_model in spans:
            start, end = clean_name_span(doc[start:end])
            for k in range(end - 2, start, -1):
                if is_possessive(doc[k]) and doc[k - 1].lower_ not in POSSESSIVE_INSIDE:
                    start = k + 1  # the model's "LGA's Community Wellbeing Board": two names
                    break
            # "Because the CCG ...", "Yes, Health and ...", "Members of the Board": a word that
            # opens the sentence is not part of the name
            while start < end and (
                doc[start].pos_ in ("INTJ", "SCONJ", "CCONJ", "ADV", "PRON")
                or doc[start].lower_ in ("members", "member", "yes", "no")
            ):
                start += 1
                if start < end and doc[start].lower_ in ("of", "the", ","):
                    start += 1
            while start < end and doc[start].ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
                start += 1
            for k in range(start, end - 2):
                if doc[k].lower_ in self.rules.venue_nouns and doc[k + 1].lower_ in (
                    "for",
                    "of",
                    "at",
                    "in",
                ):
                    start = k + 2 + (doc[k + 2].lower_ == "the")  # "the annual lecture for the X"
            start = self._after_post(start, end, blocked)
            if end - start < 1 or any(i in taken for i in range(start, end)):
                continue
            tokens = list(doc[start:end])
            words = [t.lower_ for t in tokens]
            name = doc[start:end].text
            if (
                "\n" in name
                or URLISH.search(name)
                or normalise_name(name) in self.rules.not_bodies
                or words[-1] in self.rules.venue_nouns  # an event ("... Annual Conference")
            ):
                continue
            if self.rules.gazetteer.lookup(name):
                continue
            inner = [
                g for g in blocked if g.source == "gazetteer" and start <= g.start and g.end <= end
            ]
            # "NHS Bristol CCG": a place and an abbreviation around the head's short form
            abbreviated_head = (
                doc[end - 1].text in self.rules.head_abbreviations
                and all(g.flags.absorbable for g in inner)
                and (end - 1) not in {i for g in inner for i in range(g.start, g.end)}
            )
            # "Ashford HAVEN, a tenants' association": a place and a name the text calls a body
            described = all(g.flags.bare for g in inner) and self._apposition_says_organisation(end)
            if (
                inner
                and not abbreviated_head
                and not described
                and (
                    end - start - sum(g.end - g.start for g in inner) < 2
                    or any(self.rules.gazetteer.lookup(doc[g.end : end].text) for g in inner)
                )
            ):
                continue  # "LGA Improvement Board": two names, not one
            cue_at = [
                i
                for i, t in enumerate(tokens)
                if (t.lower_ in self.rules.org_cues and is_capitalised(t))
                or t.text in self.rules.head_abbreviations
            ]
            head_cue = bool(cue_at) and cue_at[-1] == len(tokens) - 1
            of_cue = any(
                i + 1 < len(tokens) and words[i + 1] in ("of", "for", "on") for i in cue_at
            )
            if (head_cue and len(tokens) >= 2) or of_cue:
                if words[-1] in self.rules.programme_heads and not head_cue:
                    continue
                if head_cue and "and" in words[:-1]:
                    start = self._places_before(start, blocked)
                    name = doc[start:end].text
                if head_cue and self._numbered_after(end):
                    end += 3  # "Scrutiny Board (2)": one of a council's numbered boards
                    name = doc[start:end].text
                out.append(Candidate(start, end, BODY, "body", Flags(name=name, model=from_model)))
            elif (from_model or len(tokens) >= 2) and self._organisation_context(
                start, end, blocked, from_model
            ):
                out.append(
                    Candidate(start, end, BODY, "body", Flags(name=name, model=True, weak=True))
                )
            elif from_model and self._context_before(start):
                # "a joint project of Shelter, Crisis and Homeless Link": each name
                for s, e in split_list(doc, start, end):
                    if e > s and all(is_capitalised(t) or t.lower_ in CONNECTORS for t in doc[s:e]):
                        part = doc[s:e].text
                        out.append(
                            Candidate(s, e, BODY, "body", Flags(name=part, model=True, weak=True))
                        )
        out += self._local_branches(blocked)
        out += self._named_after_description(blocked)
        return drop_contained(out)

    def _after_post(self, start: int, end: int, blocked: list[Candidate]) -> int:
        """Where a name starts in a capitalised run that opens with a post ("Chair of the
        Regional Housing Board"): after the post and its "of"."""
        doc = self.doc
        for c in blocked:
            if (
                c.label == ROLE
                and c.start == start
                and c.end + 1 < end
                and doc[c.end].lower_ in ("of", "for")
            ):
                return c.end + 1 + (doc[c.end + 1].lower_ == "the")
        return start

    def _numbered_after(self, end: int) -> bool:
        """Whether a number in brackets follows a name, as councils number their boards."""
        doc = self.doc
        return (
            end + 2 < len(doc)
            and doc[end].text == "("
            and doc[end + 1].like_num
            and len(doc[end + 1].text) <= 2
            and doc[end + 2].text == ")"
        )

    def _named_after_description(self, blocked: list[Candidate]) -> list[Candidate]:
        """A name right after words that call it an organisation: "the self-advocacy group
        Northshire Voices", "the youth charity Brightside Leeds" (a place inside is part of
        the name)."""
        doc = self.doc
        taken = token_set([c for c in blocked if not (c.source == "gazetteer" and c.flags.bare)])
        out = []
        for i in range(len(doc) - 1):
            if not self._described_before(i + 1):
                continue
            end = i + 1
            while (
                end < len(doc)
                and end - i <= 5
                and (
                    is_capitalised(doc[end])
                    or (
                        doc[end].lower_ in CONNECTORS
                        and end + 1 < len(doc)
                        and is_capitalised(doc[end + 1])
                    )
                )
            ):
                end += 1
            if end == i + 1 or any(k in taken for k in range(i + 1, end)):
                continue
            if doc[i + 1].ent_type_ == "PERSON" and end - i <= 3:
                continue  # "the charity worker Ann Lee"
            name = doc[i + 1 : end].text
            if self.rules.gazetteer.lookup(name):
                continue
            out.append(Candidate(i + 1, end, BODY, "body", Flags(name=name, weak=True)))
        return out

    def _places_before(self, start: int, blocked: list[Candidate]) -> int:
        """Where a name that joins places with "and" starts when its first places stand
        before it with commas ("Avon, Frome and Stour Partnership"); a one-word name found
        on its own there (a place, or a surname the model guessed) gives way."""
        doc = self.doc
        longer = token_set([c for c in blocked if c.end - c.start > 1])
        while (
            start >= 2
            and doc[start - 1].text == ","
            and is_capitalised(doc[start - 2])
            and doc[start - 2].pos_ == "PROPN"
            and (start - 2) not in longer
        ):
            start -= 2
        return start

    def _split_coordinated(self, start: int, end: int) -> list[tuple[int, int]]:
        """ "the Felix Project and the Trussell Trust": two names, where "and" (or ",")
        follows a cue word and a capitalised word (or "the") comes after it."""
        doc = self.doc
        cues = self.rules.org_cues | self.rules.programme_heads

        def has_cue(a: int, b: int) -> bool:
            return any(t.lower_ in cues and is_capitalised(t) for t in doc[a:b])

        def named_whole(a: int, b: int) -> bool:
            """Whether a cue ends the words or opens an "of" phrase in them: "the Felix
            Project", "Institute for Cities", but not "University Hospitals Leeds"."""
            return any(
                doc[k].lower_ in cues
                and is_capitalised(doc[k])
                and (k == b - 1 or doc[k + 1].lower_ in ("of", "for", "on"))
                for k in range(a, b)
            )

        parts = []
        begin = start
        for i in range(start + 1, end - 1):
            if (
                doc[i].lower_ in self.rules.org_cues
                and is_capitalised(doc[i])
                and is_capitalised(doc[i + 1])
                and doc[i + 1].lower_ not in CONNECTORS
                and not has_cue(i + 1, end)
                and i + 1 - begin >= 2
            ):
                parts.append((begin, i + 1))  # "Leeds Partnership | Healthy Streets"
                begin = i + 1
                continue
            right_named = (
                has_cue(i + 1, end) and sum(is_capitalised(t) for t in doc[i + 1 : end]) >= 2
            )
            left = begin
            while left < i and (doc[left].lower_ == "the" or doc[left].ent_type_ == "DATE"):
                left += 1
            # "the LGA and Youth Access Network" splits, "Down and Lisburn Health Trust" not
            left_named = named_whole(begin, i) or any(
                g.start == left and g.end == i and not g.flags.bare for g in self.gazetteer_spans
            )
            if (
                doc[i].lower_ in ("and", "&", ",")
                and (is_capitalised(doc[i + 1]) or doc[i + 1].lower_ == "the")
                and left_named
                and right_named
            ):
                parts.append((begin, i))
                begin = i + 1
        parts.append((begin, end))
        return parts

    def defined_names(self, blocked: list[Candidate]) -> list[Candidate]:
        """ "Broadband Delivery UK (BDUK)": a capitalised name that the text gives an
        abbreviation for names an organisation (or, with a cue, a programme)."""
        doc = self.doc
        out = []
        taken = token_set(blocked)
        for start, end in capitalised_runs(doc):
            if end + 2 >= len(doc) or doc[end].text != "(" or doc[end + 2].text != ")":
                continue
            if end - start < 2 or any(i in taken for i in range(start, end)):
                continue
            if not abbreviation_fits(doc[end + 1].text, doc[start:end].text):
                continue
            words = [t.lower_ for t in doc[start:end]]
            model_org = any(t.ent_type_ == "ORG" for t in doc[start : end + 2])
            has_cue = any(w in self.rules.org_cues | self.rules.programme_heads for w in words)
            if not (model_org or has_cue) or any(w in self.rules.not_person_words for w in words):
                continue
            label = PROGRAMME if words[-1] in self.rules.programme_heads else BODY
            source = "programme" if label == PROGRAMME else "body"
            out.append(Candidate(start, end, label, source, Flags(name=doc[start:end].text)))
        return out
