"""Named lists: a list of councils or bodies, and what the words around it say of each.

Writers name the councils in a pilot, a rating or a partnership as lists in every shape: "Pilot
areas are: A, B and C", "A, B and C will also take part", "the zero-star councils are A, B
and C", "Its members are A, B and C", or one a line under "The new sites are:". Whatever the
shape, the list's sentence carries words that say what the list is (``rules/frames.yaml``):
a rating word, a membership word with the organisation they belong to, or a participation word
with the programme. This component finds the lists and reads those words; it does not care in
which order they come, which is what makes it hold on sentences nobody wrote a rule for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from graph.model import Claim, Predicate
from ingest.extraction.labels import ORG_LABELS, PROGRAMME
from ingest.extraction.lexicon import Phrases, phrase_words
from ingest.extraction.patterns import LineContext
from ingest.extraction.sentence import is_mention, ref_at, subject_before
from ingest.extraction.tokens import POSSESSIVE
from ingest.gazetteer import normalise_name
from ingest.rules import FramesFile

EXTRACTOR = "list:"
# Words that join the items of a list; "the" may open an item.
_JOINERS = frozenset({",", ";", "and", "&", "or", "plus", "the", "as", "well", "also", "both"})
_MAX_JOIN = 4
_MAX_ASIDE = 8  # tokens of a bracketed aside after an item: "Little Horton (Bradford)"
# Words that start a new clause: a list's frame words stand in its own clause.
_CLAUSE_BREAKS = frozenset(
    {";", "while", "whereas", "but", "although", "though", "however", "meanwhile"}
)
# Councils that others belong to: combined authorities and strategic authorities.
_UMBRELLA_TYPES = frozenset({"COMB", "SRA"})


@dataclass(frozen=True, slots=True)
class OrgList:
    """Councils or bodies listed together, where the list stands and the words around it."""

    line: LineContext
    sentence: Span
    items: tuple[int, ...]  # merged-doc tokens of the items on the line; empty for a list below
    refs: tuple[str, ...]
    context: tuple[int, ...]  # merged-doc tokens of the list's clause outside the list
    end: int  # document offset where the list ends
    single: bool = False  # one organisation standing alone


NextItems = Callable[[int, tuple[str, ...]], tuple[list[str], int]]


def _aside_end(doc: Doc, i: int, end: int) -> int:
    """The token after a bracketed aside that starts at ``i``, or ``i``."""
    if i < end and doc[i].text == "(":
        for k in range(i + 1, min(end, i + _MAX_ASIDE)):
            if doc[k].text == ")":
                return k + 1
    return i


def lists_in_sentence(line: LineContext, sentence: Span) -> Iterator[list[int]]:
    """Runs of two or more councils or bodies joined by commas, "and" and the like."""
    doc = line.doc
    i, end = sentence.start, sentence.end
    while i < end:
        if not is_mention(line, i, ORG_LABELS):
            i += 1
            continue
        run = [i]
        j = _aside_end(doc, i + 1, end)
        while True:
            k, joined = j, 0
            while k < end and doc[k].lower_ in _JOINERS and joined < _MAX_JOIN:
                k += 1
                joined += 1
            if joined and k < end and is_mention(line, k, ORG_LABELS):
                run.append(k)
                j = _aside_end(doc, k + 1, end)
                continue
            break
        if len(run) >= 2:
            yield run
        i = j


class ListReader:
    """Finds lists of councils and bodies and turns each into claims by its frame."""

    def __init__(self, frames: FramesFile) -> None:
        """Compile the frame words."""
        self.negative = Phrases(frames.negative)
        self.rating_cues = Phrases(frames.rating.cues)
        self.ratings: dict[tuple[str, ...], str] = {}
        for value in frames.rating.values:
            for phrase in value.phrases:
                self.ratings[phrase_words(phrase)] = value.rating
        self.rating_values = Phrases(" ".join(p) for p in self.ratings)
        self.rating_verbs = Phrases(frames.rating.verbs)
        self.members_first = Phrases([*frames.membership.cues, *frames.membership.councils_only])
        self.councils_only = Phrases(frames.membership.councils_only)
        self.any_members = Phrases([*frames.membership.cues, *frames.membership.whole_first])
        self.whole_first = Phrases(frames.membership.whole_first)
        self.membership = Phrases(
            [
                *frames.membership.cues,
                *frames.membership.whole_first,
                *frames.membership.councils_only,
            ]
        )
        self.participation = Phrases(frames.participation.cues)
        self.not_participation = Phrases(frames.participation.not_cues)

    # -- finding lists ----------------------------------------------------------------------

    def lists(self, lines: list[LineContext], next_items: NextItems) -> Iterator[OrgList]:
        """Every list in the document: within sentences, one a line under a lead-in, and a
        council or body standing alone in its sentence (a list of one)."""
        for line in lines:
            doc = line.doc
            sentences = list(doc.sents)
            for sentence in sentences:
                listed: set[int] = set()
                for run in lists_in_sentence(line, sentence):
                    listed.update(run)
                    yield self._in_sentence(line, sentence, run, single=False)
                for k in range(sentence.start, sentence.end):
                    if k not in listed and is_mention(line, k, ORG_LABELS):
                        yield self._in_sentence(line, sentence, [k], single=True)
            if sentences and _leads_in(sentences[-1]):
                refs, end = next_items(line.index, ORG_LABELS)
                if len(refs) >= 1:
                    sentence = sentences[-1]
                    context = tuple(range(sentence.start, sentence.end))
                    yield OrgList(line, sentence, (), tuple(refs), context, end)

    def _in_sentence(
        self, line: LineContext, sentence: Span, run: list[int], single: bool
    ) -> OrgList:
        doc = line.doc
        first, last_token = _clause(doc, sentence, run[0], run[-1])
        if single:
            # "A, B and C, which long cooperated through X": X is named in a clause of
            # its own, and what the sentence says before it is not said of X
            first = max(first, _relative_clause_start(doc, first, run[0]))
        context = tuple(k for k in range(first, last_token) if not run[0] <= k <= run[-1])
        last = doc[run[-1]]
        return OrgList(
            line,
            sentence,
            tuple(run),
            tuple(r for r in (ref_at(line, k) for k in run) if r),
            context,
            line.start + last.idx + len(last.text),
            single,
        )

    # -- reading them -----------------------------------------------------------------------

    def claims(
        self, lines: list[LineContext], resolver, next_items: NextItems, focus: str | None
    ) -> list[Claim]:
        """The claims every list in the document states."""
        out: list[Claim] = []
        for found in self.lists(lines, next_items):
            out.extend(self._read(found, resolver, focus))
        return out

    def _read(self, found: OrgList, resolver, focus: str | None) -> list[Claim]:
        line, doc = found.line, found.line.doc
        words = [t.lower_ for t in doc]
        context = found.context
        start = line.start + found.sentence.start_char
        quote_end = max(found.end, line.start + found.sentence.end_char)
        quote = resolver.document.text[start:quote_end].rstrip()
        councils = tuple(r for r in found.refs if r.startswith("council/"))
        rating = self._rating(found, words, resolver, start, quote_end)
        if rating is not None:
            scheme, value = rating
            return _claims(found, councils, Predicate.RATED, scheme, start, quote, rating=value)
        if self.negative.any(words, context):
            return []
        part_of = [c for c, _ in self.councils_only.find(words, context) if self._says(found, c)]
        if (
            self.councils_only.any(words, context)
            and not self.any_members.any(words, context)
            and (not part_of or len(councils) < len(found.refs))
        ):
            return []  # "the unit, part of the department": a sub-organisation (parts.py)
        if self.membership.any(words, context):
            owner = self._owner(found, resolver, start)
            if owner is not None:
                members = self._members(found, words)
                return _claims(found, members, Predicate.MEMBER_OF, owner, start, quote)
            # "the X Deal, which includes A, B and C": members of a programme take part in it
            programme = self._programme_before(found, words)
            if programme is not None:
                return _claims(
                    found, found.refs, Predicate.PARTICIPATES_IN, programme, start, quote
                )
        if any(self._participation_at(words, k) for k in context) or self._among_them(found, words):
            programme, named = self._programme(found, resolver, focus)
            if found.single and not (named and self._takes_part(found, words)):
                return []  # one council and a passing "pilot": too little to go on
            # bodies listed with a programme in focus are more often its partners or
            # funders than its participants; named in the sentence, they take part
            members = found.refs if named else councils
            if programme is not None:
                return _claims(found, members, Predicate.PARTICIPATES_IN, programme, start, quote)
        return []

    def _members(self, found: OrgList, words: list[str]) -> tuple[str, ...]:
        """The listed organisations a membership word is said of: not one that only
        qualifies a noun ("the county's charity", "X, covering the county's boroughs"), and
        when the word follows them after a verb in the singular only the last one named ("A
        alongside B, the county's charity, which is a member of X": B)."""
        if not found.items:
            return found.refs
        heads = [k for k in found.items if k + 1 >= len(words) or words[k + 1] not in POSSESSIVE]
        for cue, _ in self.members_first.find(words, found.context):
            if cue <= found.items[-1]:
                continue
            last = found.items[-1]
            between = words[last + 1 : cue]
            relative = [k for k in range(last + 1, cue) if words[k] in ("which", "who")]
            if relative and any(
                is_mention(found.line, k, ORG_LABELS) for k in range(last + 1, relative[-1])
            ):
                return ()  # "A alongside B, which is a member of X": said of B
            if any(w in ("is", "was", "has", "remains") for w in between):
                heads = heads[-1:]
            break
        refs = (ref_at(found.line, k) for k in heads)
        return tuple(r for r in refs if r)

    def _says(self, found: OrgList, cue: int) -> bool:
        """Whether a word at ``cue`` is what the listed organisations are said to be: it
        follows the last of them with no more than link words between ("Leeds and Bradford
        are now part of"), not an aside about something else."""
        doc = found.line.doc
        if not found.items or cue <= found.items[-1]:
            return False
        last = found.items[-1]
        while last + 1 < cue and doc[last + 1].ent_type_ == doc[found.items[-1]].ent_type_:
            last += 1  # the rest of the last name
        between = doc[last + 1 : cue]
        return len(between) <= 4 and all(
            t.pos_ in ("AUX", "ADV", "VERB", "DET") or t.lower_ in ("all", "both") for t in between
        )

    def _takes_part(self, found: OrgList, words: list[str]) -> bool:
        """Whether a council standing alone is the one a participation word speaks of: the
        word follows it closely ("Wigan has joined", "Leeds was chosen")."""
        org = found.items[0]
        if org > 0 and words[org - 1] == "by":
            return False
        end = min(len(words), org + 6)
        return any(self._participation_at(words, k) for k in range(org + 1, end))

    def _among_them(self, found: OrgList, words: list[str]) -> bool:
        """ "Eight more towns were picked to join. Among them are A, B and C": a list that
        opens by pointing back to a sentence that speaks of taking part."""
        start = found.sentence.start
        if tuple(words[start : start + 2]) not in (("among", "them"), ("among", "these")):
            return False
        if start == 0:
            return False
        before = found.line.doc[start - 1].sent
        return any(self._participation_at(words, k) for k in range(before.start, before.end))

    def _participation_at(self, words: list[str], k: int) -> bool:
        """Whether a participation word starts at ``k`` ("pilot areas", not "the areas of")."""
        return bool(self.participation.at(words, k)) and not self.not_participation.at(words, k)

    def _programme_before(self, found: OrgList, words: list[str]) -> str | None:
        """A programme named before the membership word of a list's clause."""
        line, doc = found.line, found.line.doc
        cues = self.whole_first.find(words, found.context)
        if not cues or not found.items:
            return None
        cue = cues[0][0]
        if cue > found.items[0]:
            return None
        k = cue - 1
        while k >= 0 and doc[k].lower_ in (",", "which", "that", "also", "now", "will"):
            k -= 1
        return ref_at(line, k) if k >= 0 and doc[k].ent_type_ == PROGRAMME else None

    def _rating(
        self, found: OrgList, words: list[str], resolver, start: int, end: int
    ) -> tuple[str, str] | None:
        """The rating scheme and the rating a list's clause gives: a rating word with a rating
        cue, or in a document about a rating scheme. One council alone is rated only where a
        rating verb or a label's colon or dash puts the rating on it ("Plymouth was placed in
        the poor category", "Cheshire County Council: poor, no stars")."""
        line, doc = found.line, found.line.doc
        context = found.context
        values = self.rating_values.find(words, context)
        if found.single:
            values = [v for v in values if self._put_on(doc, words, found.items[0], v[0])]
        if not values:
            return None
        if not self.rating_cues.any(words, context) and not resolver.schemes:
            return None
        # the scheme named before the rating in the line, or right after it ("judged
        # inadequate in this year's assessment"), else the one the document is about
        value = doc[values[0][1] - 1]
        value_end = line.start + value.idx + len(value.text)
        scheme = resolver.scheme_in_focus(start, line.index, value_end)
        if scheme is None:
            return None
        first, last = _new_value(values, words)
        return scheme, self.ratings[tuple(words[first:last])]

    def _put_on(self, doc: Doc, words: list[str], org: int, value: int) -> bool:
        """Whether a rating word at ``value`` is given to the organisation at ``org``."""
        if 0 < value - org <= 3 and words[org + 1] in (":", "–", "-", "—"):
            return True
        verbs = [k for k in range(max(org + 1, value - 6), value) if self.rating_verbs.at(words, k)]
        return bool(verbs) and org < verbs[0]

    def _owner(self, found: OrgList, resolver, start: int) -> str | None:
        """The organisation the listed ones belong to: after "A and B are members of" and
        before "X includes A and B", or for "its members are A and B" the subject of the
        sentence before."""
        line, doc = found.line, found.line.doc
        words = [t.lower_ for t in doc]
        listed = set(found.refs)
        anchor = found.items[0] if found.items else found.sentence.end
        for cue_start, cue_end in self.members_first.find(words, found.context):
            if cue_start > anchor:
                # what they belong to follows the word: "members of the X", "joined a new X"
                after = [k for k in found.context if cue_end <= k < cue_end + 3]
                owners = [k for k in after if self._owns(line, k, listed, resolver)]
                if owners:
                    return ref_at(line, owners[0])
        for cue_start, _ in self.whole_first.find(words, found.context):
            if cue_start > anchor:
                continue
            before = [k for k in found.context if k < cue_start]
            if any(words[k] in ("its", "their") for k in before[-3:]):
                return _subject_before(resolver, start, listed)
            owners = [k for k in before if self._owns(line, k, listed, resolver)]
            if owners:
                return ref_at(line, owners[-1])
        return None

    def _owns(self, line: LineContext, k: int, listed: set[str], resolver) -> bool:
        if not is_mention(line, k, ORG_LABELS):
            return False
        ref = ref_at(line, k)
        return ref not in listed and _can_own(ref, resolver)

    def _programme(self, found: OrgList, resolver, focus: str | None) -> tuple[str | None, bool]:
        """The programme named in the sentence (and True), else the one the document is
        about."""
        line, doc = found.line, found.line.doc
        named = [
            k
            for k in found.context
            if doc[k].ent_type_ == PROGRAMME and ref_at(line, k) not in resolver.schemes
        ]
        if named:
            anchor = found.items[0] if found.items else found.sentence.end
            return ref_at(line, min(named, key=lambda k: abs(k - anchor))), True
        # the programme the paragraph has just named ("...the new assessments. Pilot areas
        # are: ..."), else the one the document is about
        start = line.start + found.sentence.start_char
        earlier = [
            f.ref
            for f in resolver.found
            if f.ref and f.ref.startswith("programme/") and line.start <= f.start < start
        ]
        if not earlier:
            # "... money for the expanded programme. / A, B and C will all take part":
            # a paragraph that names no programme goes on from the one before it
            # (a fund there is where the money came from, not what the list takes part in)
            earlier = [
                f.ref
                for f in resolver.found
                if f.ref
                and f.ref.startswith("programme/")
                and f.line == line.index - 1
                and f.ref not in resolver.schemes
                and not f.flags.local
                and normalise_name(resolver.label_of(f.ref)).split()[-1] not in ("fund", "funds")
            ]
        if earlier:
            return earlier[-1], False
        if focus is None or min(f.start for f in resolver.found if f.ref == focus) > start:
            # the document has no programme of its own, or first names it after the list:
            # the list speaks of the rating scheme named so far, if any ("... its home care
            # checks. Trial areas: A, B and C")
            return resolver.scheme_in_focus(start, line.index) or focus, False
        return focus, False


def _claims(
    found: OrgList,
    subjects: tuple[str, ...],
    predicate: Predicate,
    obj: str,
    start: int,
    quote: str,
    rating: str | None = None,
) -> list[Claim]:
    """One claim for each of ``subjects``, the listed organisations the frame speaks of."""
    return [
        Claim(
            subject=ref,
            predicate=predicate,
            object=obj,
            passage_key=found.line.passage_key,
            start=start,
            end=start + len(quote),
            quote=quote,
            extractor=EXTRACTOR + predicate.value,
            confidence=0.7,
            rating=rating,
            scheme=obj if predicate == Predicate.RATED else None,
        )
        for ref in subjects
        if ref != obj
    ]


def _subject_before(resolver, start: int, listed: set[str]) -> str | None:
    """What "its" points to: the organisation that can have members which the sentence
    before is about."""
    return subject_before(
        resolver, start, lambda ref: ref not in listed and _can_own(ref, resolver)
    )


def _can_own(ref: str, resolver) -> bool:
    """Whether an organisation can have members: a body, or a combined authority."""
    if ref.startswith("body/"):
        return True
    entry = resolver.gazetteer.get(ref)
    return entry is not None and entry.identifiers.get("type") in _UMBRELLA_TYPES


def _clause(doc: Doc, sentence: Span, first: int, last: int) -> tuple[int, int]:
    """Token bounds of the clause around a list that runs from ``first`` to ``last``."""
    start = first
    while start > sentence.start and doc[start - 1].lower_ not in _CLAUSE_BREAKS:
        start -= 1
    end = last + 1
    while end < sentence.end and doc[end].lower_ not in _CLAUSE_BREAKS:
        end += 1
    return start, end


def _relative_clause_start(doc: Doc, start: int, k: int) -> int:
    """The first token of the relative clause (", which ...", ", who ...") that token ``k``
    stands in, searching back to ``start``; ``start`` when there is none."""
    for j in range(k - 1, start, -1):
        if doc[j].lower_ in ("which", "who", "whose", "where") and doc[j - 1].text == ",":
            return j
    return start


def _leads_in(sentence: Span) -> bool:
    """Whether a line's last sentence introduces what follows: it ends with a colon and names
    no organisation after it."""
    tokens = [t for t in sentence if not t.is_space]
    return bool(tokens) and tokens[-1].text == ":"


def _new_value(values: list[tuple[int, int]], words: list[str]) -> tuple[int, int]:
    """The rating a clause gives: the first one, or in "moved from weak to fair" the one
    after "to"."""
    first = values[0]
    if first[0] > 0 and words[first[0] - 1] == "from":
        after = [v for v in values[1:] if words[v[0] - 1] == "to"]
        if after:
            return after[0]
    return first
