"""The organisation a post belongs to: named with the post ("of Northshire Council",
"Northshire's", "LGA Chairman"), the one "its" points to, or the council in focus."""

from __future__ import annotations

from spacy.tokens import Span

from ingest.extraction.labels import ORG_LABELS, PERSON, PROGRAMME, ROLE, THEME
from ingest.extraction.patterns import LineContext
from ingest.extraction.post_shapes import (
    PostShapes,
    _apposition_head,
    _possessed,
)
from ingest.extraction.sentence import is_mention, ref_at, subject_before
from ingest.extraction.tokens import POSSESSIVE

# Words that join a post to its organisation ("leader of", "director at").
ATTACH = frozenset({"of", "at", "for", "in", "to", "with", "within", "on"})
# Words that may stand before an organisation's name after a post ("leader of the new council").
_ORG_MODIFIERS = frozenset({"new", "former", "shadow", "old", "merged", "combined", "newly"})


def _possessive_noun(doc, k: int, start: int) -> bool:
    """Whether ``k`` is the "'s" of a common noun in a portfolio: "Northshire's children's
    services manager"."""
    return (
        doc[k].lower_ in POSSESSIVE
        and k - 1 >= start
        and doc[k - 1].is_lower
        and doc[k - 1].pos_ == "NOUN"
    )


class PostOrganisations(PostShapes):
    """Finds the organisation of a post word in its sentence."""

    def _organisation(
        self, line: LineContext, sentence: Span, r: int, people: list[int], resolver
    ) -> tuple[str | None, int, int]:
        """The organisation a post belongs to, and the tokens that name it."""
        doc = line.doc
        # after the post word: "leader of Northshire Council", "director at the LGA"
        k = r + 1
        if k < sentence.end and doc[k].lower_ in ATTACH:
            j = k + 1
            if j < sentence.end and doc[j].lower_ == "the":
                j += 1
            while j < sentence.end and j - k <= 3 and doc[j].lower_ in _ORG_MODIFIERS:
                j += 1  # "mayor of the new combined authority"
            if j < sentence.end and is_mention(line, j, ORG_LABELS):
                j = _possessed(line, j, sentence.end)
                employer = (
                    self._employer_after(line, sentence, j) if doc[k].lower_ != "at" else None
                )
                if employer is not None:
                    return ref_at(line, employer), r, employer  # "for Schools ... at the DfE"
                return ref_at(line, j), r, j
        # (a joint post over two councils, "chief executive of A and B", is read by
        # _joint_organisations)
        # before it: "Northshire's chief executive", "LGA Chairman", "its director"
        k = r - 1
        portfolio = 0
        while k >= sentence.start and (
            doc[k].lower_ in self.links - {"its", "their"} | {"then"}
            or (portfolio < 3 and doc[k].is_lower and doc[k].pos_ in ("NOUN", "ADJ"))
            or (portfolio < 3 and is_mention(line, k, (PROGRAMME, THEME)))
            or (portfolio < 3 and _possessive_noun(doc, k, sentence.start))
        ):
            if (
                doc[k].lower_ in POSSESSIVE
                and k - 1 >= sentence.start
                and doc[k - 1].lower_ in self.rules.appositive_nouns
                and not is_mention(line, k - 1, ORG_LABELS)
            ):
                return None, k, r  # "the charity's director", no charity named: not a council's
            portfolio += doc[k].lower_ not in self.links
            k -= 1  # "the Conservative social services spokesperson"
        if k >= sentence.start and doc[k].lower_ in POSSESSIVE:
            k -= 1
        if k >= sentence.start and is_mention(line, k, ORG_LABELS):
            return ref_at(line, k), k, r
        if k >= sentence.start and doc[k].lower_ in ("its", "their"):
            # "Holt has joined the network as its director": the organisation named before
            # "its" in the sentence, else the one the text was about
            owner = self._owner_before(line, sentence, k, resolver)
            return owner, k, r
        # "Northshire Council, whose leader is ...", "the Unit, part of the department, whose
        # director is ...": the organisation the apposition describes
        if (
            k >= sentence.start + 2
            and doc[k].lower_ == "whose"
            and doc[k - 1].text == ","
            and is_mention(line, k - 2, ORG_LABELS)
        ):
            owner = _apposition_head(line, sentence, k - 2)
            return ref_at(line, owner), owner, r
        # "the Unit, where Holt is director": the organisation the "where" clause describes
        if (
            k in people
            and k >= sentence.start + 3
            and doc[k - 1].lower_ == "where"
            and doc[k - 2].text == ","
            and is_mention(line, k - 3, ORG_LABELS)
        ):
            owner = _apposition_head(line, sentence, k - 3)
            return ref_at(line, owner), owner, r
        # "Holt, chief executive, Northshire Council"
        k = r + 1
        if (
            k + 1 < sentence.end
            and doc[k].text == ","
            and is_mention(line, k + 1, ORG_LABELS)
            and people
            and people[0] < r
        ):
            return ref_at(line, k + 1), r, k + 1
        return self._default_organisation(line, sentence, r, resolver), r, r

    def _employer_after(self, line: LineContext, sentence: Span, j: int) -> int | None:
        """The organisation "at" names a little after a post's portfolio ("Director General
        for Crime, Policing and Fire at the Home Office")."""
        doc = line.doc
        for k in range(j + 1, min(sentence.end - 1, j + 12)):
            t = doc[k]
            if t.ent_type_ in (PERSON, ROLE) or t.pos_ in ("VERB", "AUX"):
                return None  # another post or a clause: the "at" is theirs
            if t.lower_ == "at":
                m = k + 2 if doc[k + 1].lower_ == "the" else k + 1
                return m if is_mention(line, m, ORG_LABELS) else None
        return None

    def _owner_before(self, line: LineContext, sentence: Span, k: int, resolver) -> str | None:
        """What "its" refers to: the organisation named last before ``k`` in the sentence,
        else in the document."""
        doc = line.doc
        for j in range(k - 1, sentence.start - 1, -1):
            if is_mention(line, j, ORG_LABELS):
                return ref_at(line, j)
        offset = line.start + doc[sentence.start].idx
        return subject_before(
            resolver, offset, lambda ref: ref.split("/")[0] in ("council", "body")
        )

    def _default_organisation(
        self, line: LineContext, sentence: Span, r: int, resolver
    ) -> str | None:
        """For a council post with no organisation named: a council named earlier in the
        sentence ("In Barnsley, the assistant director ..."), else the council in focus."""
        info = line.token_found.get(r).flags.role
        label = info.rule.label.lower()
        if label in self.rules.department_roles:
            for words in (info.before, info.portfolio, label):
                department = resolver.department(words) if words else None
                if department is not None:
                    return department  # "the health minister" in a text naming the department
            return None
        if label in ("chair", "vice-chair") and r > 0 and line.doc[r - 1].text == "(":
            return resolver.meeting_body()  # "Councillor Jane Holt (Chair)" in minutes
        doc = line.doc
        if info.head and r > sentence.start and doc[r - 1].text == ",":
            # "Work at the Commission will focus on ..., chairperson Anne Parker told ..."
            for j in range(r - 2, sentence.start - 1, -1):
                if is_mention(line, j, ("BODY",)):
                    return ref_at(line, j)
        officer = any(w in label for w in ("director", "chief executive", "officer", "head of"))
        if label not in self.rules.council_roles and not officer:
            return None
        for j in range(r - 1, sentence.start - 1, -1):
            if doc[j].ent_type_ == "COUNCIL" and ref_at(line, j):
                return ref_at(line, j)
        offset = line.start + doc[r].idx
        passage = getattr(line.token_found.get(r), "passage", None)
        return resolver.council_in_focus(offset, passage, line.index)
