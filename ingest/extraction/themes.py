"""Theme lists: the themes, priorities or workstreams a programme is said to work on.

Writers set out what a programme works on as a list after a noun that counts them ("the
programme has five workstreams:", "its seven outcomes are", "four policy domains: ...") or
after a verb of attention ("concentrated on", "focused on", "will look at"), within the
sentence or one item a line below it. The reader finds those lists and their items; the
items become themes (mentions like any other), and each list remembers where it was stated
so that the programme it belongs to can be chosen once every mention is resolved.

Items are kept whole: "better information sharing between agencies" is the theme, not
"information sharing". A list split by semicolons is split only there; otherwise commas
split it, and "and" only before its last item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from graph.model import Claim, Predicate
from ingest.extraction.labels import THEME
from ingest.extraction.lexicon import Phrases
from ingest.extraction.tokens import bullet_text, is_bullet
from ingest.gazetteer import normalise_name

EXTRACTOR = "list:themes"
# The longest item a list holds as a theme, in words.
MAX_ITEM_WORDS = 16
# The longest bullet read as an item: its core words name the theme.
_MAX_BULLET_WORDS = 60
# How many lines below a lead-in its items may run.
_MAX_ITEM_LINES = 12
# Words that may stand between a counting noun and the colon or verb that opens its items
# ("four themes for the year:", "the themes of the programme are").
_REACH = 16
_OPENERS = frozenset(
    {
        "are",
        "were",
        "is",
        "include",
        "includes",
        "included",
        "including",
        "cover",
        "covers",
        "covered",
        "comprise",
        "comprises",
        "will",
        "be",
    }
)
_COUNTS = frozenset(
    {
        "following",
        "key",
        "main",
        "these",
        "its",
        "their",
        "core",
        "new",
        "lead",
        "headline",
        "strategic",
        "policy",
        "national",
        "shared",
    }
)
_NUMBER_WORDS = frozenset(
    {
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "several",
        "number",
    }
)
# Words that open parallel items: a list whose first item opens with one splits where the next
# opens alike.
_OPENER_CLASS = {
    "to": "to",
    "whether": "wh",
    "what": "wh",
    "how": "wh",
    "why": "wh",
    "which": "wh",
    "who": "wh",
    "where": "wh",
}
_ITEM_LABEL = re.compile(r"^\s*[A-Za-z][A-Za-z-]*\s+\d+[a-z]?\s*[:.\-–—]\s*")


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """An item of a theme list: its line, token bounds in that line's Doc, document offset,
    and its core words ("community food hubs" of "a network of community food hubs that
    offer advice"), another name for the same theme."""

    line: int
    start: int
    end: int
    offset: int
    core: str


@dataclass(slots=True)
class ThemeList:
    """A list of themes: where it is introduced and where each item stands."""

    line: int  # index of the line that introduces it
    start: int  # document offsets: where the introducing sentence starts,
    cue: int  # where its cue word starts,
    sentence_end: int  # where it ends,
    end: int = 0  # and where the last item ends
    labelled: bool = False  # whether its items are labelled ("Theme 1: ...")
    items: list[ThemeItem] = field(default_factory=list)


# The most words between a scoring verb and "on" ("every authority from one to five").
_SCORED_OBJECT = 8


class ThemeReader:
    """Finds theme lists in the lines of a document (each line a spaCy Doc)."""

    def __init__(
        self,
        nouns: Sequence[str],
        counted: Sequence[str],
        verbs: Sequence[str],
        programme_words: set[str],
        scoring: Sequence[str],
        core: Callable[[Doc, int, int], tuple[int, int] | None],
    ) -> None:
        """``nouns`` introduce items ("themes"), ``counted`` only when counted ("four
        areas"); ``verbs`` turn attention to them ("concentrated on") after a programme
        (``programme_words`` name one: "the pilots", "the scheme")."""
        self.nouns = Phrases(nouns)
        self.counted = Phrases(counted)
        self.verbs = Phrases(verbs)
        self.programme_words = programme_words
        self.scoring = frozenset(w.lower() for w in scoring)
        self.core = core

    def read(self, lines: Sequence) -> list[ThemeList]:
        """Every theme list, with its items; ``lines`` have ``text``, ``start`` and ``doc``."""
        found: list[ThemeList] = []
        taken: set[int] = set()  # lines that are items of a list above them
        for index, line in enumerate(lines):
            if index in taken:
                continue
            doc: Doc = line.doc
            words = [t.lower_ for t in doc]
            for sentence in doc.sents:
                opened = self._opening(doc, words, sentence)
                if opened is None:
                    continue
                cue, first = opened
                theme_list = ThemeList(
                    index,
                    line.start + sentence.start_char,
                    line.start + doc[cue].idx,
                    line.start + sentence.end_char,
                )
                if first >= _last_word(doc, sentence):
                    if (
                        sentence.end < len(doc)
                        and _last_word(doc, doc[sentence.end :]) > sentence.end
                    ):
                        continue  # the colon does not end the line: not a list below
                    self._items_below(lines, index, theme_list, taken)
                else:
                    for s, e in split_items(doc, first, _last_word(doc, sentence)):
                        self._add(theme_list, index, line, s, e)
                    if theme_list.items:
                        last = doc[theme_list.items[-1].end - 1]
                        theme_list.end = line.start + last.idx + len(last.text)
                if len(theme_list.items) >= 2:
                    found.append(theme_list)
        return found

    def _add(self, theme_list: ThemeList, index: int, line, start: int, end: int) -> bool:
        """Add an item (the whole of it when short, else its core words)."""
        doc = line.doc
        bounds = self.core(doc, start, end)
        if bounds is None:
            return False
        core = doc[bounds[0] : bounds[1]].text
        if end - start > MAX_ITEM_WORDS:
            start, end = bounds
        offset = line.start + doc[start].idx
        theme_list.items.append(ThemeItem(index, start, end, offset, core))
        return True

    def _opening(self, doc: Doc, words: list[str], sentence: Span) -> tuple[int, int] | None:
        """The cue of a theme list in a sentence and the token its items start at."""
        for i in range(sentence.start, sentence.end):
            n = self.verbs.at(words, i) or self._scored_on(doc, words, i, sentence.end)
            if n and self._after_programme(doc, sentence.start, i):
                first = i + n
                k = self._colon(doc, first, sentence.end)
                if k is not None:
                    return i, k + 1
                if first < sentence.end and _opens_item(doc[first]):
                    return i, first
            n = self.nouns.at(words, i)
            counted = False
            if not n:
                n = self.counted.at(words, i)
                counted = True
            if not n or not self._marked(doc, i, n, sentence.start, counted):
                continue
            after = i + n
            k = self._colon(doc, after, sentence.end)
            if k is not None:
                return i, k + 1
            for j in range(after, min(sentence.end, after + 6)):
                if words[j] in _OPENERS:
                    while j + 1 < sentence.end and words[j + 1] in _OPENERS:
                        j += 1
                    if j + 1 < sentence.end and doc[j + 1].text == ":":
                        j += 1
                    if j + 1 < sentence.end and _opens_item(doc[j + 1]):
                        return i, j + 1
                    break
                if doc[j].is_punct or doc[j].pos_ in ("VERB", "AUX", "PART", "SCONJ", "PRON"):
                    break  # "areas to ensure that they are ...": the verb is another's
        return None

    def _scored_on(self, doc: Doc, words: list[str], i: int, end: int) -> int:
        """How many tokens from ``i`` form a scoring verb, its object and "on" ("rates every
        authority from one to five on"), or 0."""
        if words[i] not in self.scoring:
            return 0
        for j in range(i + 1, min(end, i + _SCORED_OBJECT + 2)):
            if words[j] == "on":
                return j + 1 - i if j > i + 1 else 0
            if (doc[j].is_punct and doc[j].text != "-") or doc[j].pos_ in ("VERB", "AUX"):
                return 0
        return 0

    def _after_programme(self, doc: Doc, start: int, i: int) -> bool:
        """Whether a verb of attention has a programme before it in its sentence ("the pilots
        would concentrate on", "the pathfinder is testing changes in"), or "it" opens the
        sentence after one ("It rates every authority on ...")."""
        return (doc[start].lower_ == "it" and i - start <= 2) or any(
            t.lower_.rstrip("s") in self.programme_words or t.ent_type_ == "PROGRAMME"
            for t in doc[start:i]
        )

    def _marked(self, doc: Doc, i: int, n: int, start: int, counted: bool) -> bool:
        """Whether a list noun introduces a set: counted ("four themes", "the following
        areas"), or for the nouns that name themes, owned ("its priorities", "the
        programme's strands"); or followed by a colon."""
        if i + n < len(doc) and doc[i + n].text == ":":
            return True
        for k in range(i - 1, max(start - 1, i - 4), -1):
            t = doc[k]
            if t.like_num or t.lower_ in _NUMBER_WORDS or t.lower_ == "following":
                return True
            if not counted and (t.lower_ in _COUNTS or t.tag_ == "POS"):
                return True
            if t.pos_ not in ("ADJ", "NOUN", "DET", "PROPN") and t.tag_ != "POS":
                return False
        return False

    def _colon(self, doc: Doc, i: int, end: int) -> int | None:
        for k in range(i, min(end, i + _REACH)):
            if doc[k].text == ":":
                return k
            if doc[k].text in (".", ";"):
                return None
        return None

    def _items_below(self, lines: Sequence, index: int, found: ThemeList, taken: set[int]) -> None:
        """One item a line under a lead-in: bullets, numbered lines or short lines."""
        for k in range(index + 1, min(len(lines), index + 1 + _MAX_ITEM_LINES)):
            line = lines[k]
            text = line.text
            stripped = bullet_text(text)
            words = stripped.split()
            if not words:
                break
            labelled = _ITEM_LABEL.match(stripped)
            bullet = is_bullet(text)
            if stripped.rstrip().endswith(":"):
                break  # the next lead-in
            if found.labelled and not labelled:
                break  # "Theme 1: ...", "Theme 2: ..." and then something else
            if not labelled and _title_case(stripped):
                break  # names (places, projects), not themes
            item_like = (
                bullet
                or labelled
                or len(words) <= MAX_ITEM_WORDS // 2
                or stripped[:1].islower()
                or stripped.rstrip().endswith((";", ","))
            )
            if not item_like:
                break
            doc = line.doc
            offset = len(text) - len(stripped) + (labelled.end() if labelled else 0)
            first = next((t.i for t in doc if t.idx >= offset), len(doc))
            item = _trim(doc, first, _last_word(doc, doc[first:]), _MAX_BULLET_WORDS)
            if item is None:
                break
            if not self._add(found, k, line, *item):
                break
            found.labelled = found.labelled or (bool(labelled) and len(found.items) == 1)
            last = doc[found.items[-1].end - 1]
            found.end = line.start + last.idx + len(last.text)
            taken.add(k)
            if not (bullet or labelled) and stripped.rstrip().endswith("."):
                break  # an unmarked list ends with its full stop


# Words of a description that say nothing of which programme it is ("the new local
# programme"), as they read with a final "s" taken off.
_NOT_NAME_WORDS = frozenset(
    {"new", "national", "local", "first", "second", "third", "whole", "main", "overall"}
    | {"programme", "program", "scheme", "project", "initiative", "pilot", "plan"}
    | {"ha", "have", "i", "are", "wa", "were", "will", "of", "and", "for", "in", "on", "to"}
)


def split_items(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Token bounds of the items of "a, b and c" or "a; b; and c"; items that open alike
    ("to promote ..., and to prevent ...", "whether ..., what ... and how ...") split only
    where the next one opens."""
    tokens = range(start, end)
    opener = _OPENER_CLASS.get(doc[start].lower_)
    if opener is not None:
        bounds = [start] + [
            k
            for k in range(start + 1, end)
            if _OPENER_CLASS.get(doc[k].lower_) == opener
            and doc[k - 1].text in (",", ";", "and", "or")
        ]
        if len(bounds) >= 2:
            pieces = list(zip(bounds, [*bounds[1:], end], strict=True))
            return [item for s, e in pieces if (item := _trim(doc, s, e)) is not None]
    separator = ";" if any(doc[k].text == ";" for k in tokens) else ","
    pieces: list[tuple[int, int]] = []
    item_start = start
    for k in tokens:
        if doc[k].text == separator:
            pieces.append((item_start, k))
            item_start = k + 1
    pieces.append((item_start, end))
    # ", and the trust has set up ...": a clause after the list, not its last item
    while len(pieces) > 1 and _is_clause(doc, *pieces[-1]):
        pieces.pop()
    if separator == "," or len(pieces) == 1:
        # "and" (or "or") before the last item splits it off
        last_start, last_end = pieces[-1]
        for k in range(last_end - 1, last_start, -1):
            if doc[k].lower_ in ("and", "or") and k > last_start:
                if len(pieces) > 1 or _parallel(doc, last_start, k, last_end):
                    pieces[-1:] = [(last_start, k), (k + 1, last_end)]
                break
    items = []
    for s, e in pieces:
        item = _trim(doc, s, e)
        if item is not None:
            items.append(item)
    return items


def _is_clause(doc: Doc, start: int, end: int) -> bool:
    """Whether words are a clause with a verb of their own ("the list later grew"), which no
    theme is, unless they are a question or an aim ("whether budgets can be delivered", "to
    prevent falls")."""
    first = start
    while first < end and doc[first].lower_ in ("and", "or", "but"):
        first += 1
    if first < end and (_OPENER_CLASS.get(doc[first].lower_) or doc[first].tag_ == "VBG"):
        return False
    for t in doc[first:end]:
        if t.lower_ in ("who", "that", "which", "where", "whose", "when"):
            return False  # "children who get free school meals": the verb is the noun's
        if t.tag_ in ("VBZ", "VBD", "VBP", "MD"):
            if t.i == first and _opens_item(t):
                continue  # "harbour jobs": a noun the tagger took for a verb
            return True
    return False


def _title_case(text: str) -> bool:
    """Whether every word of a line is capitalised, as names are and themes in prose are not."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words)


def _opens_item(token) -> bool:
    """Whether a list's first item may start with this word: a noun phrase, an "-ing" or
    "to" clause, or a question word ("whether budgets can ..."), not a verb or a preposition."""
    if token.tag_ in ("VBN", "VBD", "VBP", "VBZ") and token.i + 1 < len(token.doc):
        # a participle before its noun is an adjective ("pooled budgets", "improved health"),
        # and a noun the tagger took for a verb is one too ("harbour jobs")
        return token.doc[token.i + 1].pos_ in ("NOUN", "PROPN", "ADJ")
    if token.tag_ in ("VBZ", "VBP", "MD", "RB", "IN") and token.lower_ not in ("whether", "how"):
        return False
    return not token.is_punct or token.text in ("-", "•", "*")


def _parallel(doc: Doc, start: int, k: int, end: int) -> bool:
    """Whether "x and y" joins two items rather than naming one ("housing services and
    services for young carers", not "health and wellbeing")."""
    return k - start >= 2 and end - k - 1 >= 2


def _trim(doc: Doc, start: int, end: int, longest: int = MAX_ITEM_WORDS) -> tuple[int, int] | None:
    """An item without joining words and punctuation at its ends, and without a clause that
    trails off the last one ("..., which the council ...")."""
    while start < end and (doc[start].is_punct or doc[start].lower_ in ("and", "or", "-")):
        start += 1
    for k in range(start + 1, end):
        if doc[k].text in ("(", "—", "–") or (
            doc[k].text == "," and k + 1 < end and doc[k + 1].lower_ in ("which", "who", "where")
        ):
            end = k
            break
    while end > start and (doc[end - 1].is_punct or doc[end - 1].lower_ in ("and", "or")):
        end -= 1
    words = end - start
    if words < 1 or words > longest or not _opens_item(doc[start]):
        return None
    if _is_clause(doc, start, end):
        return None
    if not any(t.is_alpha and not t.is_stop for t in doc[start:end]):
        return None
    return start, end


def _last_word(doc: Doc, span) -> int:
    """The end of a span without trailing spaces and a final full stop."""
    end = span.end if isinstance(span, Span) else len(doc)
    start = span.start if isinstance(span, Span) else 0
    while end > start and (doc[end - 1].is_space or doc[end - 1].text in (".", ":")):
        end -= 1
    return end


def theme_claims(
    theme_lists: list[ThemeList], lines: Sequence, resolver, programme_words: set[str]
) -> list[Claim]:
    """hasTheme claims: each list's items belong to the programme its sentence names (or
    refers to as "its", "the pilot"), else the one named not long before. A list in a
    sentence about a council or body and no programme is theirs, not a programme's."""
    out: list[Claim] = []
    for theme_list in theme_lists:
        owner, named_at = _owner(theme_list, lines, resolver, programme_words)
        if owner is None:
            continue
        line = lines[theme_list.line]
        passage_key = line.passage.key if line.passage else ""
        start = theme_list.start if named_at is None else named_at
        end = theme_list.end or theme_list.sentence_end
        quote = resolver.document.text[start:end].rstrip()
        for item in theme_list.items:
            ref = next(
                (
                    f.ref
                    for f in lines[item.line].found
                    if f.start == item.offset and f.label == THEME and f.ref
                ),
                None,
            )
            if ref is None:
                continue
            out.append(
                Claim(
                    subject=owner,
                    predicate=Predicate.HAS_THEME,
                    object=ref,
                    passage_key=passage_key,
                    start=start,
                    end=start + len(quote),
                    quote=quote,
                    extractor=EXTRACTOR,
                    confidence=0.7,
                )
            )
    return out


def _owner(
    theme_list: ThemeList, lines: Sequence, resolver, programme_words: set[str]
) -> tuple[str | None, int | None]:
    """The programme a list belongs to, and where its sentence names it (if it does)."""
    line = lines[theme_list.line]
    cue_offset = theme_list.cue
    before = [f for f in line.found if f.ref and theme_list.start <= f.start < cue_offset]
    programmes = [f for f in before if f.ref.startswith("programme/")]
    if programmes:
        return programmes[-1].ref, programmes[-1].start
    text = resolver.document.text[theme_list.start : cue_offset].lower()
    said = re.findall(r"[a-z]+", text)
    words = {w.rstrip("s") for w in said}
    if {"its", "their"} & set(said) or said[:1] == ["it"]:
        # "Its seven outcomes are ...": the programme (or rating scheme) named last before
        for earlier in resolver.before(theme_list.start):
            if earlier.ref.startswith("programme/"):
                return earlier.ref, None
    named = _named_by_word(text, theme_list.start, resolver)
    if named is not None:
        # "the assessment framework has four themes": the programme named with its word
        return named, None
    refers = bool(words & programme_words)
    if refers or not any(f.ref.split("/")[0] in ("council", "body") for f in before):
        said = tuple(re.findall(r"[a-z0-9]+", text))
        first_phase = any(
            said[k : k + len(p)] == p
            for p in resolver.rules.first_phase_phrases
            for k in range(len(said))
        )
        return resolver.list_owner(cue_offset, first_phase), None
    return None, None


def _named_by_word(text: str, offset: int, resolver) -> str | None:
    """The programme named before ``offset`` that a definite description in ``text`` names by
    a word of its name ("the review framework" after "the Housing Quality Review")."""
    described = re.match(r"\s*the\s+((?:[a-z][a-z-]*\s+){0,2}[a-z][a-z-]*)", text)
    if described is None:
        return None
    words = {w.rstrip("s") for w in described.group(1).split()} - _NOT_NAME_WORDS
    if not words:
        return None
    for earlier in resolver.before(offset):
        if not earlier.ref.startswith("programme/") or earlier.source == "anaphor":
            continue
        names = resolver.names_of(earlier.ref)
        if any(words & {w.rstrip("s") for w in normalise_name(n).split()} for n in names):
            return earlier.ref
    return None
