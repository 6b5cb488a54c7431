"""Posts: who holds which post in which council or body, from the shape of the sentence.

A post is stated by a person, a post word (ROLE, from ``rules/roles.yaml``) and an
organisation standing close together, in whatever order writers put them:

* the person first: "Jane Holt, the county's director of adult services", "Holt, who became
  the commission's chief executive", "Holt had been deputy leader", "Holt stood down as
  leader", "Holt (chief executive, Northshire Council)";
* the post first: "Northshire's chief executive, Jane Holt", "LGA Chairman Cllr Jane Holt",
  "the chief executive of Northshire Council is Jane Holt", "Northshire Council, whose
  leader is Jane Holt";
* a verb instead of a post word: "Holt has led the council since 2010", "Holt, who chairs
  the board", "the board, chaired by Jane Holt", "the board has Jane Holt as its chair".

The organisation is the one named with the post ("of Northshire Council", "Northshire's",
"LGA Chairman"), the one "its" or "the council's" points to, or for a council post with none
named, the council in focus. Words between the parts must be words that can stand there
(``rules/frames.yaml``): a sentence where anything else intervenes states something else.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from graph.model import Claim, Predicate
from ingest.dates import MONTHS
from ingest.extraction.labels import ORG_LABELS, PERSON, PROGRAMME, ROLE, THEME
from ingest.extraction.lexicon import Phrases
from ingest.extraction.mention_rules import MentionRules
from ingest.extraction.patterns import LineContext
from ingest.extraction.post_organisations import ATTACH, PostOrganisations
from ingest.extraction.post_shapes import (
    Post,
    PostShapes,
    _table_row,
)
from ingest.extraction.sentence import is_mention, org_run, ref_at
from ingest.extraction.tokens import POSSESSIVE
from ingest.rules import PostFrame

EXTRACTOR = "post:"
_PRONOUNS = frozenset({"he", "she"})
_OBJECT_PRONOUNS = frozenset({"him", "her"})
# Parts of speech that may stand between a person and the post word that follows them
# ("stood down after six years as President"): no verb, no other person or post.
_PASSABLE = frozenset({"ADV", "ADP", "NUM", "NOUN", "ADJ", "DET", "PART"})
_WINDOW = 10


class PostReader(PostOrganisations, PostShapes):
    """Reads posts from sentences whose mentions are merged into tokens."""

    def __init__(self, rules: MentionRules, frames: PostFrame) -> None:
        """Take the council roles from the role rules and the joining words from frames."""
        self.rules = rules
        self.links = frozenset(w.lower() for w in frames.links)
        self.as_verbs = frozenset(w.lower() for w in frames.as_verbs)
        self.verbs = {w.lower(): verb.role for verb in frames.verbs for w in verb.words}
        self.succession = frozenset(w.lower() for w in frames.succession)
        self.cabinet_cues = Phrases(frames.cabinet_cues)

    def claims(self, lines: list[LineContext], resolver) -> list[Claim]:
        """Every post the document's sentences state, as holdsPost (and headOf) claims."""
        out: list[Claim] = []
        for post, line in self._cabinet_lines(lines, resolver):
            out.extend(self._claims(line, post, resolver))
        for line in lines:
            if _table_row(line):
                for post in self._row_posts(line, resolver):
                    out.extend(self._claims(line, post, resolver))
                continue
            for sentence in line.doc.sents:
                for post in self._posts(line, sentence, resolver):
                    out.extend(self._claims(line, post, resolver))
        return out

    # -- reading a sentence -----------------------------------------------------------------

    def _posts(self, line: LineContext, sentence: Span, resolver) -> list[Post]:
        doc = line.doc
        posts: list[Post] = []
        for i in range(sentence.start, sentence.end):
            if doc[i].ent_type_ == ROLE and line.token_found.get(i) is not None:
                posts.extend(self._role_posts(line, sentence, i, resolver))
            elif doc[i].lower_ in self.verbs:
                posts.extend(self._verb_posts(line, sentence, i, resolver))
        return posts

    def _role_posts(self, line: LineContext, sentence: Span, r: int, resolver) -> list[Post]:
        info = line.token_found.get(r).flags.role
        if info is None:
            return []
        if r + 1 < sentence.end and is_mention(line, r + 1, (PERSON,)):
            # "opened by X rather than by health secretary Tom Hale": the name the post
            # word stands right before is the one it belongs to
            people = [r + 1]
        else:
            people = self._people_left(line, sentence, r) or self._people_right(line, sentence, r)
        if not people:
            return []
        organisation, org_start, org_end = self._organisation(line, sentence, r, people, resolver)
        if organisation is None:
            return []
        organisations = [organisation]
        if org_end > r and ref_at(line, org_end) == organisation:
            # a joint post: "chief executive of Northshire and Southshire" holds it in
            # both
            run = org_run(line, org_end, sentence.end)
            organisations += [ref_at(line, k) for k in run[1:]]
            org_end = run[-1]
        start = min([*people, r, org_start])
        end = max([*people, r, org_end]) + 1
        posts = []
        for p in people:
            person = self._person_ref(line, p, resolver)
            for org in organisations if person else ():
                posts.append(Post(person, org, info.text, info.heads(org), start, end))
        return posts

    def _person_ref(self, line: LineContext, k: int, resolver) -> str | None:
        """The person a token names, or for "he" and "she" the last person named before."""
        if line.doc[k].lower_ not in _PRONOUNS | _OBJECT_PRONOUNS:
            return ref_at(line, k)
        offset = line.start + line.doc[k].idx
        for earlier in resolver.before(offset):
            if earlier.ref.startswith("person/"):
                return earlier.ref
        return None

    def _people_left(self, line: LineContext, sentence: Span, r: int) -> list[int]:
        """The person before a post word: "Holt, the council's leader", "Holt had been
        leader", "Holt stood down as leader", "Lewis succeeded Hudspeth as chair"."""
        doc = line.doc
        k = r - 1
        commas = 0
        seen_as = False
        while k >= sentence.start and r - k <= _WINDOW:
            t = doc[k]
            if is_mention(line, k, (PERSON,)):
                people = [k]
                before = k - 1
                if seen_as and before >= sentence.start and doc[before].lower_ in self.succession:
                    earlier = self._person_before(line, sentence, before)
                    if earlier is not None:
                        people.insert(0, earlier)
                return people
            lower = t.lower_
            if lower == ")":
                opened = _person_before_brackets(line, sentence, k)
                if opened is not None:
                    k = opened  # "Holt (Labour), leader of X": the party is an aside
                    continue
            if lower == "and" and commas == 0:
                first = self._first_conjunct_subject(line, sentence, k)
                if first is not None:
                    return [first]  # "Holt took 52 per cent and becomes mayor of X"
            earlier_post = self._coordinated_post(line, sentence, k)
            if earlier_post is not None:
                k = earlier_post - 1  # "Holt, chair of the network and leader of X"
                continue
            if lower in _PRONOUNS and commas == 0:
                return [k]  # "he had been chief executive of Camden"
            if lower in _OBJECT_PRONOUNS and seen_as and commas == 0 and doc[k + 1].lower_ == "as":
                return [k]  # "the board named her as its chair"
            if lower in (",", "(", "|"):
                commas += 1
                if commas > 1:
                    return []
            elif lower == "as":
                seen_as = True
            elif lower in POSSESSIVE or is_mention(line, k, ORG_LABELS):
                pass  # "the council's", "LGA" before the post word
            elif r - k <= 2 and is_mention(line, k, (PROGRAMME, THEME)):
                pass  # "the council's Supporting People manager": what the post looks after
            elif seen_as and lower in self.as_verbs:
                pass
            elif t.ent_type_ == ROLE and commas == 1:
                # "Holt, leader of X, was confirmed as chair of Y": the aside's person
                subject = self._aside_subject(line, sentence, k)
                return [subject] if subject is not None else []
            elif t.ent_type_ in (ROLE, PERSON) or (
                lower not in self.links and t.pos_ not in _PASSABLE and not t.like_num
            ):
                return []
            k -= 1
        return []

    def _aside_subject(self, line: LineContext, sentence: Span, r: int) -> int | None:
        """The person an aside that opens with the post word at ``r`` describes: the name
        before the comma in "Holt, the LGA's chair,"."""
        doc = line.doc
        k = r - 1
        while k >= sentence.start and r - k <= 4 and doc[k].text != ",":
            if not (
                doc[k].lower_ in ("the", "a", "an", "formerly", "previously", "latterly", "once")
                or doc[k].lower_ in POSSESSIVE
                or is_mention(line, k, ORG_LABELS)
            ):
                return None
            k -= 1
        if k - 1 >= sentence.start and doc[k].text == "," and is_mention(line, k - 1, (PERSON,)):
            return k - 1
        return None

    def _first_conjunct_subject(self, line: LineContext, sentence: Span, k: int) -> int | None:
        """The person who is the subject of the first of two verb phrases joined at ``k``
        ("and"), when the second opens with a link verb: "Holt, a former councillor, won the
        seat and is now leader of X"."""
        doc = line.doc
        verb = k + 1
        while verb < sentence.end and doc[verb].tag_ == "RB":
            verb += 1  # "and now chairs"
        if verb >= sentence.end or doc[verb].tag_ not in ("VBZ", "VBD", "VBP", "MD"):
            return None
        for v in range(k - 1, max(sentence.start, k - 12) - 1, -1):
            if doc[v].text in (",", ";", "(") or is_mention(line, v, (ROLE,)):
                return None
            if doc[v].tag_ in ("VBD", "VBZ", "VBP"):
                return self._person_before(line, sentence, v)
        return None

    def _coordinated_post(self, line: LineContext, sentence: Span, k: int) -> int | None:
        """The earlier post word of "ROLE of ORG and" that ends at ``k`` ("and"), if any."""
        doc = line.doc
        if doc[k].lower_ != "and" or not is_mention(line, k - 1, ORG_LABELS):
            return None
        j = k - 2
        if j >= sentence.start and doc[j].lower_ == "the":
            j -= 1
        if j - 1 >= sentence.start and doc[j].lower_ in ATTACH and doc[j - 1].ent_type_ == ROLE:
            return j - 1
        return None

    def _person_before(self, line: LineContext, sentence: Span, k: int) -> int | None:
        """The person who is the subject of a verb at ``k``: "Holt, leader of
        Northshire Council, succeeded ..." (a parenthesis between them is skipped)."""
        doc = line.doc
        j = k - 1
        depth = 0
        while j >= sentence.start and k - j <= 16:
            if doc[j].text == ",":
                depth += 1
            elif is_mention(line, j, (PERSON,)) and depth in (0, 2):
                return j
            j -= 1
        return None

    def _people_right(self, line: LineContext, sentence: Span, r: int) -> list[int]:
        """The person after a post word: "Northshire's chief executive, Jane Holt",
        "Chairman Cllr Jane Holt", "the leader of the council is Jane Holt"."""
        doc = line.doc
        k = _date_after(doc, r + 1, sentence.end)
        # the organisation may follow the post word: "chief executive of X, Jane Holt"
        if k < sentence.end and doc[k].lower_ in ATTACH:
            k += 1
            if k < sentence.end and doc[k].lower_ == "the":
                k += 1
            if k < sentence.end and is_mention(line, k, ORG_LABELS):
                k += 1
            else:
                return []
        steps = 0
        while k < sentence.end and steps < 4:
            t = doc[k]
            if is_mention(line, k, (PERSON,)):
                return [k]
            dated = _date_after(doc, k, sentence.end)
            if dated > k:  # "whose chair until last year was ...": when, not who
                k = dated
                continue
            if t.lower_ not in (",", "is", "was", "will", "be", "has", "been", "until", "now"):
                return []
            k += 1
            steps += 1
        return []

    # -- claims -----------------------------------------------------------------------------

    def _claims(self, line: LineContext, post: Post, resolver) -> list[Claim]:
        if not post.person or not post.organisation:
            return []
        if not post.person.startswith("person/") or post.organisation.split("/")[0] not in (
            "council",
            "body",
        ):
            return []
        doc = line.doc
        start = line.start + doc[post.start].idx
        last = doc[post.end - 1]
        end = line.start + last.idx + len(last.text)
        quote = resolver.document.text[start:end]
        predicates = [Predicate.HOLDS_POST] + ([Predicate.HEAD_OF] if post.head else [])
        return [
            Claim(
                subject=post.person,
                predicate=predicate,
                object=post.organisation,
                passage_key=line.passage_key,
                start=start,
                end=end,
                quote=quote,
                extractor=EXTRACTOR + ("verb" if post.by_verb else "role"),
                confidence=0.75,
                role=post.role,
            )
            for predicate in predicates
        ]


def _person_before_brackets(line: LineContext, sentence: Span, close: int) -> int | None:
    """The person a short aside in brackets that closes at ``close`` follows ("Holt
    (Labour)", "Holt (Con, Northtown ward)"), if any."""
    doc = line.doc
    for k in range(close - 1, max(sentence.start, close - 6), -1):
        if doc[k].text == "(":
            before = k - 1
            if before >= sentence.start and is_mention(line, before, (PERSON,)):
                return before
            return None
    return None


# prepositions that open a time between a post word and its holder, and the words of a time
TIME_PREPOSITIONS = frozenset(("until", "till", "since", "from", "for", "during", "in"))
_TIME = """this last next that the past previous early late mid year years month months week
weeks decade spring summer autumn winter now then recently"""
TIME_WORDS = frozenset(_TIME.split()) | frozenset(MONTHS)


def _date_after(doc: Doc, k: int, end: int) -> int:
    """Past a time that opens at ``k`` ("until last year", "since 2019") the token after
    it, else ``k``: a preposition of time and at most four words of a date."""
    if k >= end or doc[k].lower_ not in TIME_PREPOSITIONS:
        return k
    j = k + 1
    while j < end and j - k <= 4 and (doc[j].lower_ in TIME_WORDS or doc[j].like_num):
        j += 1
    return j if j > k + 1 else k
