"""Programmes named in lower case ("the furlough scheme", "a digital services forum") and
rating schemes ("the national youth justice performance ratings")."""

from __future__ import annotations

from spacy.tokens import Span

from ingest.extraction.candidates import Candidate, Flags
from ingest.extraction.labels import PROGRAMME
from ingest.extraction.scan import ScanBase
from ingest.extraction.tokens import (
    POSSESSIVE_INSIDE,
    is_capitalised,
    possessed,
)
from ingest.gazetteer import normalise_name

# Words after a lower-case cue that name what the cue's members make up ("the pathfinder
# network", "the vanguard programme"): part of the programme's name.
_GROUP_HEADS = frozenset({"network", "programme", "scheme", "initiative"})


# Words of a sum of money: "a £40 million recovery fund" is money, not a fund's name.
_AMOUNTS = frozenset({"million", "billion", "m", "bn", "£", "$", "€"})


class LowercaseProgrammeScan(ScanBase):
    """Lower-case programme names and rating schemes."""

    def _sum_of_money_before(self, start: int, cue: int) -> bool:
        """Whether an indefinite sum of money opens a lower-case name ("a £40 million
        recovery fund"); "the £50 million recovery fund" names one."""
        doc = self.doc
        k = start - 1
        while k >= 0 and (doc[k].like_num or doc[k].tag_ == "$" or doc[k].lower_ in _AMOUNTS):
            k -= 1
        money = any(
            t.ent_type_ == "MONEY" or t.tag_ == "$" or t.lower_ in _AMOUNTS
            for t in doc[k + 1 : cue]
        )
        return money and k >= 0 and doc[k].lower_ in ("a", "an")

    def _lowercase_programmes(self, taken: set[int]) -> list[Candidate]:
        """Lower-case compounds ending in a cue that names things in lower case
        ("a digital services forum", "the furlough scheme") and rating schemes
        ("the national youth justice performance ratings")."""
        doc = self.doc
        rules = self.rules
        out = []
        for i, token in enumerate(doc):
            scheme = token.lower_ in rules.scheme_heads and token.is_lower
            named = token.lower_ in rules.programme_lowercase and token.is_lower
            # a name is singular and introduced as one thing ("the furlough scheme");
            # "befriending schemes" is a kind of thing, but a set of pilots is named in the
            # plural ("the children's trust pathfinders")
            if named and token.tag_ not in ("NN", "NNP"):
                named = rules.cue_focus.get(token.lower_) == "pilot" and token.tag_ == "NNS"
            if not (named or scheme) or i in taken:
                continue
            if (
                named
                and not scheme
                and not any(t.pos_ == "DET" or t.tag_ == "POS" for t in doc[max(0, i - 6) : i])
            ):
                continue
            start = i
            while start > 0:
                t = doc[start - 1]
                if (
                    t.tag_ == "POS"
                    and start >= 2
                    and doc[start - 2].lower_ in POSSESSIVE_INSIDE
                    and (start - 2) not in taken
                ):
                    start -= 2  # "children's trust pathfinders"
                    continue
                if (
                    t.text == "-"
                    and start >= 2
                    and not t.whitespace_
                    and not doc[start - 2].whitespace_
                    and doc[start - 2].is_alpha
                    and (start - 2) not in taken
                ):
                    start -= 2  # "whole-place pilots", "tri-borough programme"
                    continue
                if (
                    t.lower_ == "and"
                    and start >= 2
                    and start < i - 1  # "A and B pilots" are two kinds of pilot
                    and doc[start].pos_ == "NOUN"
                    and doc[start - 2].pos_ == "NOUN"
                    and doc[start - 2].is_lower
                    and (start - 2) not in taken
                    and (start < 3 or doc[start - 3].pos_ == "DET" or doc[start - 3].is_punct)
                ):
                    start -= 2  # "the fire and rescue service pilot"
                    continue
                if (start - 1) in taken or not t.is_alpha or t.lower_ in rules.drop_words:
                    break
                if t.pos_ not in ("NOUN", "ADJ", "PROPN") and t.dep_ not in ("compound", "amod"):
                    break
                start -= 1
            if not scheme and self._sum_of_money_before(start, i):
                continue  # "a £40 million recovery fund": a sum of money, no name
            if (
                start >= 2
                and doc[start - 1].lower_ in ("and", "or")
                and doc[start - 2].is_lower
                and doc[start - 2].pos_ in ("NOUN", "ADJ")
            ):
                continue  # "a safeguarding and recovery programme" describes a kind
            end = i + 1
            if (
                named
                and end < len(doc)
                and doc[end].lower_ in _GROUP_HEADS
                and (end + 1 >= len(doc) or doc[end + 1].pos_ not in ("NOUN", "PROPN"))
            ):
                end += 1  # "the pathfinder network": the cue names what it is in
            modifiers = list(doc[start:i])
            if not modifiers or not any(
                t.pos_ in ("NOUN", "PROPN") or t.dep_ == "compound" or t.text == "-"
                for t in modifiers
            ):
                continue  # "the new programme" names none; "the tri-borough programme" does
            if not scheme and all(
                t.lower_ in rules.undistinguished or t.lower_ in rules.drop_words for t in modifiers
            ):
                continue  # "the corporate efficiency programme": a kind of work, no name
            if any(is_capitalised(t) for t in modifiers) and not scheme:
                continue  # capitalised names are found as runs of capitals
            if scheme and not self._is_scheme(doc[start : i + 1]):
                continue
            if not scheme and possessed(doc, start):
                continue  # "the city's care programme" describes a programme; it is no name
            if normalise_name(doc[start : i + 1].text) in rules.not_programmes:
                continue
            if scheme and not self._scheme_has_name(doc[start : i + 1]):
                continue
            name = doc[start:end].text
            out.append(
                Candidate(
                    start,
                    end,
                    PROGRAMME,
                    "programme",
                    Flags(name=name, lowercase=True, scheme=scheme),
                )
            )
        return out

    def _scheme_has_name(self, span: Span) -> bool:
        """Whether a scheme has words beyond its cue ("youth justice ratings", not "ratings")."""
        words = tuple(t.lower_ for t in span)
        longest = max((len(c) for c in self.rules.scheme_cues if words[-len(c) :] == c), default=0)
        return len(words) > longest

    def _is_scheme(self, span: Span) -> bool:
        words = tuple(t.lower_ for t in span)
        return any(words[-len(cue) :] == cue for cue in self.rules.scheme_cues)
