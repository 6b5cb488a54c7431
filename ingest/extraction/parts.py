"""Parts: a body inside another, stated by apposition, a verb of place or a possessive.

* apposition: "the Warm Homes Unit, part of the Home Office", "the Northshire Panel, a
  standing committee of the county council";
* place: "the Unit, which sits within the Home Office", "the Team is based
  within the department", "the Agency, which is owned by the LGA";
* possessive: "the LGA's Community Wellbeing Board" (a board, committee or unit of the body
  before it).

The part is a body; the whole is a council or a body. The words are data
(``rules/frames.yaml``, ``parts``).
"""

from __future__ import annotations

from graph.model import Claim, Predicate
from ingest.extraction.labels import BODY, ORG_LABELS
from ingest.extraction.lexicon import Phrases
from ingest.extraction.patterns import LineContext
from ingest.extraction.sentence import is_mention, quote_claim, ref_at
from ingest.extraction.tokens import POSSESSIVE
from ingest.rules import PartFrame

EXTRACTOR = "part:"
_LINKS = frozenset({"which", "that", "is", "was", "are", "were", "now", "also", "itself", ","})
_APPOSITION_REACH = 6  # words between the comma and "of": "a cross-party select committee of"


class PartReader:
    """Finds the bodies a document says are part of another."""

    def __init__(self, frame: PartFrame) -> None:
        """Compile the apposition nouns, verbs of place and unit heads."""
        self.of_nouns = Phrases(frame.of_nouns)
        self.within = Phrases(frame.within_verbs)
        self.unit_heads = frozenset(w.lower() for w in frame.unit_heads)

    def claims(self, lines: list[LineContext], resolver) -> list[Claim]:
        """Every subOrganizationOf claim the document's sentences state."""
        text = resolver.document.text
        out: list[Claim] = []
        for line in lines:
            doc = line.doc
            words = [t.lower_ for t in doc]
            for sentence in doc.sents:
                for i in range(sentence.start, sentence.end):
                    if not is_mention(line, i, (BODY,)):
                        continue
                    whole = self._whole_after(line, words, i, sentence.end)
                    if whole is not None:
                        out.append(self._claim(line, text, i, whole, i, whole))
                    if (
                        i >= sentence.start + 2
                        and words[i - 1] in POSSESSIVE
                        and is_mention(line, i - 2, ORG_LABELS)
                        and self._is_unit(resolver, ref_at(line, i))
                    ):
                        out.append(self._claim(line, text, i, i - 2, i - 2, i))
        return [c for c in out if c.subject != c.object]

    def _whole_after(self, line: LineContext, words: list[str], i: int, end: int) -> int | None:
        """The organisation a body at ``i`` is said to be part of, later in the sentence."""
        k = i + 1
        if k < end and words[k] == ",":
            # apposition: ", part of the X", ", a select committee of the X"
            j = k + 1
            n = self.of_nouns.at(words, j) if j < end else 0
            if n:
                m = j + n
                while m < end and m - j < _APPOSITION_REACH and words[m] != "of":
                    if line.doc[m].ent_type_ or words[m] in (",", ";", "."):
                        break
                    m += 1
                if m < end and words[m] == "of":
                    return self._org_at(line, words, m + 1, end)
            # apposition with a place verb: ", an advisory body sponsored by the X"
            if j < end and words[j] in ("a", "an"):
                m = j + 1
                while m < end and m - j <= 4 and line.doc[m].is_lower and line.doc[m].is_alpha:
                    n = self.within.at(words, m)
                    if n:
                        return self._org_at(line, words, m + n, end)
                    m += 1
        # place: "(, which) (is) sits within the X"
        while k < end and words[k] in _LINKS:
            k += 1
        n = self.within.at(words, k) if k < end else 0
        if n:
            return self._org_at(line, words, k + n, end)
        if (
            i + 2 < end
            and words[i + 1] == ","
            and (words[i + 2] in ("who", "whose", "which") or line.doc[i + 2].tag_ == "VBN")
        ):
            # an aside first: "the Team, headed by Jane Holt, is based within the X"
            close = next((m for m in range(i + 2, min(end, i + 14)) if words[m] == ","), None)
            if close is not None:
                k = close + 1
                while k < end and words[k] in _LINKS and words[k] != ",":
                    k += 1
                n = self.within.at(words, k) if k < end else 0
                if n:
                    return self._org_at(line, words, k + n, end)
        return None

    def _org_at(self, line: LineContext, words: list[str], k: int, end: int) -> int | None:
        if k < end and words[k] == "the":
            k += 1
        return k if is_mention(line, k, ORG_LABELS) else None

    def _is_unit(self, resolver, ref: str | None) -> bool:
        """Whether a body's name ends in a unit word ("Board", "Committee", "Unit")."""
        if ref is None:
            return False
        words = resolver.label_of(ref).lower().split()
        return bool(words) and words[-1].strip("()0123456789") in self.unit_heads

    def _claim(
        self, line: LineContext, text: str, part: int, whole: int, first: int, last: int
    ) -> Claim:
        return quote_claim(
            line,
            text,
            first,
            last,
            ref_at(line, part),
            Predicate.SUB_ORGANIZATION_OF,
            ref_at(line, whole),
            EXTRACTOR + "subOrganizationOf",
        )
