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

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from graph.model import Claim, Predicate
from ingest.extraction.lexicon import Phrases
from ingest.extraction.sentence import org_run, subject_before
from ingest.mentions import ORG_LABELS, PERSON, ROLE, MentionRules
from ingest.relations import LineContext
from ingest.rules import PostFrame

EXTRACTOR = "post:"
_ATTACH = frozenset({"of", "at", "for", "in", "to", "with", "within", "on"})
_POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
_PRONOUNS = frozenset({"he", "she"})
# Parts of speech that may stand between a person and the post word that follows them
# ("stood down after six years as President"): no verb, no other person or post.
_PASSABLE = frozenset({"ADV", "ADP", "NUM", "NOUN", "ADJ", "DET", "PART"})
_WINDOW = 10


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


def _found(line: LineContext, i: int):
    return line.token_found.get(i)


def _ref(line: LineContext, i: int) -> str | None:
    return getattr(_found(line, i), "ref", None)


def _is(doc: Doc, line: LineContext, i: int, labels: tuple[str, ...]) -> bool:
    return doc[i].ent_type_ in labels and _ref(line, i) is not None


def _table_row(line: LineContext) -> bool:
    text = line.doc.text.strip()
    return text.startswith("|") and text.endswith("|")


def _possessed(line: LineContext, k: int, end: int) -> int:
    """The organisation a possessive chain ends in: "the LGA's Community Wellbeing Board"
    from the LGA at ``k`` to the board."""
    doc = line.doc
    while k + 2 < end and doc[k + 1].lower_ in _POSSESSIVE and _is(doc, line, k + 2, ORG_LABELS):
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


class PostReader:
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

    def _cabinet_lines(self, lines: list[LineContext], resolver) -> list[tuple[Post, LineContext]]:
        """ "The rest of the cabinet is:" and then one member a line, "Cllr Jane Holt -
        adult social care": each holds that portfolio in the council in focus."""
        out = []
        for index, line in enumerate(lines):
            doc = line.doc
            words = [t.lower_ for t in doc]
            if (
                not words
                or doc.text.rstrip()[-1:] != ":"
                or not self.cabinet_cues.any(words, range(len(words)))
            ):
                continue
            end = line.start + len(doc.text)
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
        people = [k for k in range(len(doc)) if _is(doc, line, k, (PERSON,))]
        if len(people) != 1 or any(t.ent_type_ == ROLE for t in doc):
            return None
        p = people[0]
        if p + 2 >= len(doc) or doc[p + 1].text not in ("-", "–", "—", ":", ","):
            return None
        portfolio = doc[p + 2 :].text.strip().rstrip(".;,")
        if not portfolio or len(portfolio.split()) > 12:
            return None
        role = f"cabinet member for {portfolio}"
        return Post(_ref(line, p), council, role, False, p, len(doc))

    def _row_posts(self, line: LineContext, resolver) -> list[Post]:
        """A table row naming one person: every post in the row is theirs ("| Jane Holt |
        Chair of the Board; leader of Northshire Council |")."""
        doc = line.doc
        people = [k for k in range(len(doc)) if _is(doc, line, k, (PERSON,))]
        if len(people) != 1:
            return []
        whole = doc[0 : len(doc)]
        posts = []
        for r in range(len(doc)):
            if doc[r].ent_type_ != ROLE or _found(line, r) is None:
                continue
            info = _found(line, r).data.get("role")
            organisation, org_start, org_end = self._organisation(line, whole, r, people, resolver)
            if info is None or organisation is None:
                continue
            start, end = min(people[0], r, org_start), max(people[0], r, org_end) + 1
            person = _ref(line, people[0])
            posts.append(Post(person, organisation, info.text, info.head, start, end))
        return posts

    # -- reading a sentence -----------------------------------------------------------------

    def _posts(self, line: LineContext, sentence: Span, resolver) -> list[Post]:
        doc = line.doc
        posts: list[Post] = []
        for i in range(sentence.start, sentence.end):
            if doc[i].ent_type_ == ROLE and _found(line, i) is not None:
                posts.extend(self._role_posts(line, sentence, i, resolver))
            elif doc[i].lower_ in self.verbs:
                posts.extend(self._verb_posts(line, sentence, i))
        return posts

    def _role_posts(self, line: LineContext, sentence: Span, r: int, resolver) -> list[Post]:
        info = _found(line, r).data.get("role")
        if info is None:
            return []
        people = self._people_left(line, sentence, r) or self._people_right(line, sentence, r)
        if not people:
            return []
        organisation, org_start, org_end = self._organisation(line, sentence, r, people, resolver)
        if organisation is None:
            return []
        organisations = [organisation]
        if org_end > r and _ref(line, org_end) == organisation:
            # a joint post: "chief executive of Hammersmith and Fulham and Kensington and
            # Chelsea" holds it in both
            run = org_run(line, org_end, sentence.end)
            organisations += [_ref(line, k) for k in run[1:]]
            org_end = run[-1]
        start = min([*people, r, org_start])
        end = max([*people, r, org_end]) + 1
        posts = []
        for p in people:
            person = self._person_ref(line, p, resolver)
            for org in organisations if person else ():
                posts.append(Post(person, org, info.text, info.head, start, end))
        return posts

    def _person_ref(self, line: LineContext, k: int, resolver) -> str | None:
        """The person a token names, or for "he" and "she" the last person named before."""
        if line.doc[k].lower_ not in _PRONOUNS:
            return _ref(line, k)
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
            if _is(doc, line, k, (PERSON,)):
                people = [k]
                before = k - 1
                if seen_as and before >= sentence.start and doc[before].lower_ in self.succession:
                    earlier = self._person_before(line, sentence, before)
                    if earlier is not None:
                        people.insert(0, earlier)
                return people
            lower = t.lower_
            earlier_post = self._coordinated_post(line, sentence, k)
            if earlier_post is not None:
                k = earlier_post - 1  # "Holt, chair of the network and leader of X"
                continue
            if lower in _PRONOUNS and commas == 0:
                return [k]  # "he had been chief executive of Camden"
            if lower in (",", "(", "|"):
                commas += 1
                if commas > 1:
                    return []
            elif lower == "as":
                seen_as = True
            elif lower in _POSSESSIVE or _is(doc, line, k, ORG_LABELS):
                pass  # "the council's", "LGA" before the post word
            elif seen_as and lower in self.as_verbs:
                pass
            elif t.ent_type_ in (ROLE, PERSON) or (
                lower not in self.links and t.pos_ not in _PASSABLE and not t.like_num
            ):
                return []
            k -= 1
        return []

    def _coordinated_post(self, line: LineContext, sentence: Span, k: int) -> int | None:
        """The earlier post word of "ROLE of ORG and" that ends at ``k`` ("and"), if any."""
        doc = line.doc
        if doc[k].lower_ != "and" or not _is(doc, line, k - 1, ORG_LABELS):
            return None
        j = k - 2
        if j >= sentence.start and doc[j].lower_ == "the":
            j -= 1
        if j - 1 >= sentence.start and doc[j].lower_ in _ATTACH and doc[j - 1].ent_type_ == ROLE:
            return j - 1
        return None

    def _person_before(self, line: LineContext, sentence: Span, k: int) -> int | None:
        """The person who is the subject of a verb at ``k``: "Fothergill, leader of
        Somerset County Council, succeeded ..." (a parenthesis between them is skipped)."""
        doc = line.doc
        j = k - 1
        depth = 0
        while j >= sentence.start and k - j <= 16:
            if doc[j].text == ",":
                depth += 1
            elif _is(doc, line, j, (PERSON,)) and depth in (0, 2):
                return j
            j -= 1
        return None

    def _people_right(self, line: LineContext, sentence: Span, r: int) -> list[int]:
        """The person after a post word: "Northshire's chief executive, Jane Holt",
        "Chairman Cllr Jane Holt", "the leader of the council is Jane Holt"."""
        doc = line.doc
        k = r + 1
        # the organisation may follow the post word: "chief executive of X, Jane Holt"
        if k < sentence.end and doc[k].lower_ in _ATTACH:
            k += 1
            if k < sentence.end and doc[k].lower_ == "the":
                k += 1
            if k < sentence.end and _is(doc, line, k, ORG_LABELS):
                k += 1
            else:
                return []
        steps = 0
        while k < sentence.end and steps < 4:
            t = doc[k]
            if _is(doc, line, k, (PERSON,)):
                return [k]
            if t.lower_ not in (",", "is", "was", "will", "be", "has", "been", "until", "now"):
                return []
            k += 1
            steps += 1
        return []

    def _organisation(
        self, line: LineContext, sentence: Span, r: int, people: list[int], resolver
    ) -> tuple[str | None, int, int]:
        """The organisation a post belongs to, and the tokens that name it."""
        doc = line.doc
        # after the post word: "leader of Northshire Council", "director at the LGA"
        k = r + 1
        if k < sentence.end and doc[k].lower_ in _ATTACH:
            j = k + 1
            if j < sentence.end and doc[j].lower_ == "the":
                j += 1
            if j < sentence.end and _is(doc, line, j, ORG_LABELS):
                j = _possessed(line, j, sentence.end)
                return _ref(line, j), r, j
        # (a joint post over two councils, "chief executive of A and B", is read by
        # _joint_organisations)
        # before it: "Northshire's chief executive", "LGA Chairman", "its director"
        k = r - 1
        portfolio = 0
        while k >= sentence.start and (
            doc[k].lower_ in self.links - {"its", "their"} | {"then"}
            or (portfolio < 3 and doc[k].is_lower and doc[k].pos_ in ("NOUN", "ADJ"))
        ):
            portfolio += doc[k].lower_ not in self.links
            k -= 1  # "the Conservative social services spokesperson"
        if k >= sentence.start and doc[k].lower_ in _POSSESSIVE:
            k -= 1
        if k >= sentence.start and _is(doc, line, k, ORG_LABELS):
            return _ref(line, k), k, r
        if k >= sentence.start and doc[k].lower_ in ("its", "their"):
            # "Holt has joined the network as its director": the organisation named before
            # "its" in the sentence, else the one the text was about
            owner = self._owner_before(line, sentence, k, resolver)
            return owner, k, r
        # "Northshire Council, whose leader is ..."
        if (
            k >= sentence.start + 2
            and doc[k].lower_ == "whose"
            and doc[k - 1].text == ","
            and _is(doc, line, k - 2, ORG_LABELS)
        ):
            return _ref(line, k - 2), k - 2, r
        # "Holt, chief executive, Northshire Council"
        k = r + 1
        if (
            k + 1 < sentence.end
            and doc[k].text == ","
            and _is(doc, line, k + 1, ORG_LABELS)
            and people
            and people[0] < r
        ):
            return _ref(line, k + 1), r, k + 1
        return self._default_organisation(line, sentence, r, resolver), r, r

    def _owner_before(self, line: LineContext, sentence: Span, k: int, resolver) -> str | None:
        """What "its" refers to: the organisation named last before ``k`` in the sentence,
        else in the document."""
        doc = line.doc
        for j in range(k - 1, sentence.start - 1, -1):
            if _is(doc, line, j, ORG_LABELS):
                return _ref(line, j)
        offset = line.start + doc[sentence.start].idx
        return subject_before(
            resolver, offset, lambda ref: ref.split("/")[0] in ("council", "body")
        )

    def _default_organisation(
        self, line: LineContext, sentence: Span, r: int, resolver
    ) -> str | None:
        """For a council post with no organisation named: a council named earlier in the
        sentence ("In Barnsley, the assistant director ..."), else the council in focus."""
        info = _found(line, r).data["role"]
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
                if _is(doc, line, j, ("BODY",)):
                    return _ref(line, j)
        officer = any(w in label for w in ("director", "chief executive", "officer", "head of"))
        if label not in self.rules.council_roles and not officer:
            return None
        for j in range(r - 1, sentence.start - 1, -1):
            if doc[j].ent_type_ == "COUNCIL" and _ref(line, j):
                return _ref(line, j)
        offset = line.start + doc[r].idx
        passage = getattr(_found(line, r), "passage", None)
        return resolver.council_in_focus(offset, passage)

    def _verb_posts(self, line: LineContext, sentence: Span, v: int) -> list[Post]:
        """ "Holt has led the council since 2010", "Holt, who chairs the board", "the board,
        chaired by Jane Holt", "Northshire, led by Cllr Holt"."""
        doc = line.doc
        role = self.verbs[doc[v].lower_]
        # passive: ORG ,? (which is)? chaired by PERSON
        if v + 1 < sentence.end and doc[v + 1].lower_ == "by":
            k = v + 2
            while k < sentence.end and (
                doc[k].lower_ in self.links or doc[k].lower_ in _POSSESSIVE
            ):
                k += 1
            person = None
            if k < sentence.end and _is(doc, line, k, (PERSON,)):
                person = k
            elif k + 2 < sentence.end and _is(doc, line, k, ORG_LABELS):
                # "led by Bristol's elected mayor, Marvin Rees"
                for j in range(k + 1, min(sentence.end, k + 6)):
                    if _is(doc, line, j, (PERSON,)):
                        person = j
                        break
            if person is None:
                return []
            j = v - 1
            while j >= sentence.start and (doc[j].lower_ in self.links or doc[j].text == ","):
                j -= 1
            if j >= sentence.start and _is(doc, line, j, ORG_LABELS):
                return [Post(_ref(line, person), _ref(line, j), role, True, j, person + 1, True)]
            return []
        # active: PERSON (who)? (has)? led ORG
        k = v + 1
        if k < sentence.end and doc[k].lower_ == "the":
            k += 1
        if not (k < sentence.end and _is(doc, line, k, ORG_LABELS)):
            return []
        k = _possessed(line, k, sentence.end)
        j = v - 1
        while j >= sentence.start and (
            doc[j].lower_ in self.links or doc[j].pos_ == "ADV" or doc[j].text == ","
        ):
            j -= 1
        if j >= sentence.start and not _is(doc, line, j, (PERSON,)) and doc[j + 1].text == ",":
            j = _before_aside(line, sentence, j)  # "Brook, who led the shadow authority, leads"
        if j >= sentence.start and _is(doc, line, j, (PERSON,)):
            return [Post(_ref(line, j), _ref(line, k), role, True, j, k + 1, True)]
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
