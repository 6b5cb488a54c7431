"""Bodies named in a line that the gazetteer does not list."""

from __future__ import annotations

from ingest.extraction.candidates import Candidate, Flags, drop_contained, token_set
from ingest.extraction.labels import BODY, COUNCIL, ORG_LABELS, PROGRAMME, ROLE
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    CONNECTORS,
    COUNCIL_WORDS,
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

# Words that end the lower-case name of a part of an organisation ("community wellbeing board").
_UNIT_HEADS = frozenset({"board", "committee", "panel", "team", "unit", "subcommittee"})


class BodyScan(ScanBase):
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
            # "Ashford HAVEN, a housing association": a place and a name the text calls a body
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

    def _context_before(self, start: int) -> bool:
        """Whether words that introduce organisations stand right before ``start``."""
        doc = self.doc
        i = start - 1 if start > 0 and doc[start - 1].lower_ == "the" else start
        words = tuple(t.lower_ for t in doc[max(0, i - 3) : i])
        return any(words[-len(c) :] == c for c in self.rules.context_before if len(c) <= len(words))

    def _organisation_context(
        self, start: int, end: int, blocked: list[Candidate], from_model: bool = True
    ) -> bool:
        """Whether the text calls an unmarked name an organisation: it is the body of a post
        ("director of policy at Nacro") or an apposition says so ("Nacro, the charity")."""
        doc = self.doc
        if not all(is_capitalised(t) or t.lower_ in CONNECTORS for t in doc[start:end]):
            return False
        roles_end = {c.end for c in blocked if c.label == ROLE}
        if normalise_name(doc[start:end].text) in self.rules.concept_names:
            return False  # "Director of Public Health": a policy area, not a body
        i = start - 1
        if i >= 0 and doc[i].lower_ == "the":
            i -= 1
        if i >= 0 and i in roles_end:
            if doc[i].lower_ in ("at", "with"):
                return True
            # after "of" or "for" a post's capitalised words are as often its portfolio
            # ("Head of Business Systems", "Secretary for Finance"): only a name the model
            # reads as an organisation
            # (a name the model reads as a person there is a firm named for its founder)
            if doc[i].lower_ in ("of", "for", "to") and (
                from_model
                or (
                    doc[i].lower_ == "of"
                    and doc[start].ent_type_ == "PERSON"
                    and not (end < len(doc) and is_possessive(doc[end]))
                )
            ):
                # "Head of Business Systems, Coventry City Council": the employer follows
                follows = end + 1 < len(doc) and doc[end].text == ","
                return not (
                    follows
                    and any(
                        c.start in (end + 1, end + 2) and c.label in ORG_LABELS and not c.flags.bare
                        for c in blocked
                    )
                )
        if self._chaired_after(end):
            return True  # "the Coastal Forum, chaired by Dr X": what has a chair is a body
        if doc[end - 1].lower_ in self.rules.programme_heads:
            return False  # "the Digital Forum, a network of ...": a forum is a programme
        return self._apposition_says_organisation(end)

    def _chaired_after(self, end: int) -> bool:
        """ "X, chaired by ...", "X, whose chair is ...", "X, which is chaired by ..."."""
        words = [t.lower_ for t in self.doc[end : end + 5]]
        if not words or words[0] != ",":
            return False
        words = words[1:]
        if words[:1] == ["which"]:
            words = words[1:]
            if words[:1] in (["is"], ["was"]):
                words = words[1:]
        return words[:2] == ["chaired", "by"] or words[:2] in (
            ["whose", "chair"],
            ["whose", "chairman"],
        )

    def _described_before(self, start: int) -> bool:
        """Whether words that call what follows an organisation end right before ``start``:
        "the self-advocacy organisation", "the youth charity"."""
        doc = self.doc
        i = start - 1
        if i < 1 or not doc[i].is_lower or doc[i].lower_ not in self.rules.appositive_nouns:
            return False
        j = i - 1
        while j >= 0 and i - j <= 6 and doc[j].lower_ != "the":
            if not ((doc[j].is_lower and doc[j].is_alpha) or doc[j].text == "-"):
                return False
            j -= 1  # lower-case words and hyphens
        return j >= 0 and doc[j].lower_ == "the"

    def _apposition_says_organisation(self, end: int) -> bool:
        """ "Nacro, the crime reduction charity": an apposition that calls a name a body."""
        doc = self.doc
        if (
            end + 1 < len(doc)
            and doc[end].text == ","
            and doc[end + 1].lower_ in ("a", "an", "the")
        ):
            for t in doc[end + 2 : end + 8]:
                after = doc[t.i + 1] if t.i + 1 < len(doc) else None
                # the head of the apposition, not a word that describes another noun
                # ("the network's director", "a union member")
                if t.lower_ in self.rules.appositive_nouns and not (
                    after is not None and (is_possessive(after) or after.pos_ in ("NOUN", "PROPN"))
                ):
                    return True
                if t.pos_ in ("VERB", "AUX") or t.text in (".", ";", ","):
                    break
        return False
