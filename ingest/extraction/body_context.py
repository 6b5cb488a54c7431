"""What the words around a name say of it: that it is an organisation ("Nacro, the charity",
"director of policy at Nacro", "the Coastal Forum, chaired by ...")."""

from __future__ import annotations

from ingest.extraction.candidates import Candidate
from ingest.extraction.labels import ORG_LABELS, ROLE
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    CONNECTORS,
    is_capitalised,
    is_possessive,
)
from ingest.gazetteer import normalise_name


class BodyContext(ScanBase):
    """Whether the context calls a name an organisation."""

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
            # ("Head of Digital Services", "Secretary for Health"): only a name the model
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
                # "Head of Digital Services, Northshire County Council": the employer follows
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
