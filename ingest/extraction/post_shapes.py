"""Posts stated in other shapes than a post word beside a name: a head verb ("has led the
council", "the board, chaired by Jane Holt"), a cabinet listed one member a line, and a table
row naming one person. Mixed into :class:`ingest.extraction.posts.PostReader`, whose post-word
reading (``_organisation``) and word lists these use."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span

from ingest.extraction.labels import ORG_LABELS, PERSON, ROLE
from ingest.extraction.patterns import LineContext
from ingest.extraction.sentence import is_mention, ref_at
from ingest.extraction.tokens import POSSESSIVE


@dataclass(frozen=True, slots=True)
class Post:
    """One post read from a sentence: who, where, which post, and the words that say so."""

    person: str
    organisation: str
    role: str
    head: bool
    start: int  # merged-doc token bounds of the words that state it
    end: int
    by_verb: bool = False  # stated by a verb ("has led the council") rather than a post word


def _table_row(line: LineContext) -> bool:
    text = line.doc.text.strip()
    return text.startswith("|") and text.endswith("|")


def _possessed(line: LineContext, k: int, end: int) -> int:
    """The organisation a possessive chain ends in: "the LGA's Community Wellbeing Board"
    from the LGA at ``k`` to the board."""
    doc = line.doc
    while k + 2 < end and doc[k + 1].lower_ in POSSESSIVE and is_mention(line, k + 2, ORG_LABELS):
        k += 2
    return k


def _before_aside(line: LineContext, sentence: Span, j: int) -> int:
    """The token before an aside set off by commas that ends at ``j`` ("Badman, formerly
    Kent's director, now chairs"), or -1 when there is none."""
    doc = line.doc
    for k in range(j, max(sentence.start, j - 16) - 1, -1):
        if doc[k].text == ",":
            return k - 1 if k - 1 >= sentence.start else -1
    return -1


def _apposition_head(line: LineContext, sentence: Span, j: int) -> int:
    """The organisation an apposition describes, when ``j`` ends one: for "the Northshire
    Panel, a standing committee of the county council chaired by ...", the panel."""
    doc = line.doc
    of = j - 2 if j - 1 >= sentence.start and doc[j - 1].lower_ == "the" else j - 1
    if of < sentence.start or doc[of].lower_ != "of":
        return j
    for k in range(of - 1, max(sentence.start, of - 10) - 1, -1):
        if doc[k].text == ",":
            if (
                k + 1 < j
                and doc[k + 1].lower_ in ("a", "an", "the", "part")
                and is_mention(line, k - 1, ORG_LABELS)
            ):
                return k - 1
            return j
        if doc[k].ent_type_:
            return j
    return j


# The longest relative clause between an organisation and its passive verb, in tokens.
_CLAUSE_WORDS = 12


class PostShapes:
    """Head verbs, cabinets one member a line, and table rows."""

    def _verb_posts(self, line: LineContext, sentence: Span, v: int, resolver) -> list[Post]:
        """ "Holt has led the council since 2010", "Holt, who chairs the board", "the board,
        chaired by Jane Holt", "Northshire, led by Cllr Holt"."""
        doc = line.doc
        role = self.verbs[doc[v].lower_]
        # passive: ORG ,? (which is)? chaired by PERSON
        if v + 1 < sentence.end and doc[v + 1].lower_ == "by":
            k = v + 2
            while k < sentence.end and (doc[k].lower_ in self.links or doc[k].lower_ in POSSESSIVE):
                k += 1
            person = None
            if k < sentence.end and is_mention(line, k, (PERSON,)):
                person = k
            elif k + 2 < sentence.end and is_mention(line, k, ORG_LABELS):
                # "led by Northtown's elected mayor, Ada Fenn"
                for j in range(k + 1, min(sentence.end, k + 6)):
                    if is_mention(line, j, (PERSON,)):
                        person = j
                        break
            if person is None:
                return []
            j = v - 1
            while j >= sentence.start and (doc[j].lower_ in self.links or doc[j].text == ","):
                j -= 1
            j = _apposition_head(line, sentence, j)  # "the Committee, a committee of X, chaired"
            if not (j >= sentence.start and is_mention(line, j, ORG_LABELS)):
                j = _before_relative_clause(line, sentence, j)
            if j >= sentence.start and is_mention(line, j, ORG_LABELS):
                return [
                    Post(ref_at(line, person), ref_at(line, j), role, True, j, person + 1, True)
                ]
            return []
        # active: PERSON (who)? (has)? led ORG
        k = v + 1
        if k < sentence.end and doc[k].lower_ == "the":
            k += 1
        if not (k < sentence.end and is_mention(line, k, ORG_LABELS)):
            return []
        k = _possessed(line, k, sentence.end)
        j = v - 1
        while j >= sentence.start and (
            doc[j].lower_ in self.links or doc[j].pos_ == "ADV" or doc[j].text == ","
        ):
            j -= 1
        if j >= sentence.start and not is_mention(line, j, (PERSON,)) and doc[j + 1].text == ",":
            j = _before_aside(line, sentence, j)  # "Holt, who led the interim board, leads"
        if j >= sentence.start and doc[j].lower_ == "and":
            # "Holt won the ward by 300 votes and will lead X": the first verb's subject
            first = self._first_conjunct_subject(line, sentence, j)
            if first is not None:
                j = first
        if j >= sentence.start and is_mention(line, j, (PERSON,)):
            return [Post(ref_at(line, j), ref_at(line, k), role, True, j, k + 1, True)]
        if j == sentence.start and doc[j].lower_ in ("he", "she"):
            # "She also chairs the board": the person the sentences before named last
            person = self._person_ref(line, j, resolver)
            if person:
                return [Post(person, ref_at(line, k), role, True, j, k + 1, True)]
        return []

    def _cabinet_lines(self, lines: list[LineContext], resolver) -> list[tuple[Post, LineContext]]:
        """ "The rest of the cabinet is:" and then one member a line, "Cllr Jane Holt -
        adult social care": each holds that portfolio in the council in focus."""
        out = []
        for index, line in enumerate(lines):
            doc = line.doc
            last = next((t for t in reversed(doc) if not t.is_space), None)
            if last is None or last.text != ":":
                continue  # only a line that ends in a colon introduces a cabinet
            words = [t.lower_ for t in doc]
            if not self.cabinet_cues.any(words, range(len(words))):
                continue
            end = line.start + last.idx + 1
            council = next(
                (f.ref for f in resolver.before(end) if f.ref.startswith("council/")), None
            )
            if council is None:
                continue
            for item in lines[index + 1 : index + 16]:
                post = self._cabinet_member(item, council)
                if post is None:
                    break
                out.append((post, item))
        return out

    def _cabinet_member(self, line: LineContext, council: str) -> Post | None:
        doc = line.doc
        people = [k for k in range(len(doc)) if is_mention(line, k, (PERSON,))]
        if len(people) != 1 or any(t.ent_type_ == ROLE for t in doc):
            return None
        p = people[0]
        if p + 2 >= len(doc) or doc[p + 1].text not in ("-", "–", "—", ":", ","):
            return None
        portfolio = doc[p + 2 :].text.strip().rstrip(".;,")
        if not portfolio or len(portfolio.split()) > 12:
            return None
        role = f"cabinet member for {portfolio}"
        return Post(ref_at(line, p), council, role, False, p, len(doc))

    def _row_posts(self, line: LineContext, resolver) -> list[Post]:
        """A table row naming one person: every post in the row is theirs ("| Jane Holt |
        Chair of the Board; leader of Northshire Council |")."""
        doc = line.doc
        people = [k for k in range(len(doc)) if is_mention(line, k, (PERSON,))]
        if len(people) != 1:
            return []
        whole = doc[0 : len(doc)]
        posts = []
        for r in range(len(doc)):
            if doc[r].ent_type_ != ROLE or line.token_found.get(r) is None:
                continue
            info = line.token_found.get(r).flags.role
            organisation, org_start, org_end = self._organisation(line, whole, r, people, resolver)
            if info is None or organisation is None:
                continue
            start, end = min(people[0], r, org_start), max(people[0], r, org_end) + 1
            person = ref_at(line, people[0])
            posts.append(
                Post(person, organisation, info.text, info.heads(organisation), start, end)
            )
        return posts


def _before_relative_clause(line: LineContext, sentence: Span, j: int) -> int:
    """The organisation a relative clause that ends at ``j`` follows: "the board that
    runs the fund [is chaired by]" (the model runs without a parser, so by the words)."""
    doc = line.doc
    for k in range(j, max(sentence.start, j - _CLAUSE_WORDS) - 1, -1):
        if doc[k].lower_ in ("that", "which") and k - 1 >= sentence.start:
            before = k - 2 if doc[k - 1].text == "," and k - 2 >= sentence.start else k - 1
            return before if is_mention(line, before, ORG_LABELS) else -1
    return -1
