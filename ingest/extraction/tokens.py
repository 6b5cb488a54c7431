"""Token-level helpers shared by the mention scanners: capitals, possessives, bullets, names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

from ingest.extraction.labels import PROGRAMME, THEME
from ingest.gazetteer import normalise_name

# Words joining the capitalised words of one name ("Institute of Fundraising").
# ("on" and "to" are left out: "report on Better Care", "Secretary to HM Treasury")
CONNECTORS = frozenset({"of", "for", "and", "&", "the", "in", "at", "de", "upon"})
# Capitalised words that open a sentence without starting a name.
# A list item cut off in the middle of a council's name ends in one of these words.
DANGLING_WORDS = frozenset({"and", "&", "upon", "on", "of", "in"})
DANGLING_PUNCT = frozenset({"-", "–", "—"})
OPENERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "for", "by", "with"}
)
# The tokens of a possessive ending ("Kent's", "Councils'").
POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
# A possessive ends a name ("the Baring Foundation's programme", "David Cameron's Big
# Society") except after these words, which names carry inside ("Children's Services").
POSSESSIVE_INSIDE = frozenset(
    {
        "children",
        "people",
        "women",
        "men",
        "king",
        "queen",
        "citizens",
        "workers",
        "lords",
        "teachers",
        "directors",
        "nurses",
        "doctors",
        "councils",
        "peoples",
        "parents",
        "st",
    }
)
# Capitalised heads of bodies named for their subject with "on"
_ON_HEADS = frozenset(
    {"commission", "panel", "committee", "inquiry", "forum", "taskforce", "group", "council"}
)
# words of POSSESSIVE_INSIDE that are also surnames or parts of a person's name
_SINGULAR_INSIDE = frozenset({"king", "queen", "st"})
NAME_PARTICLES = frozenset({"de", "van", "von", "der", "den", "la", "le", "du", "di", "da", "al"})
URLISH = re.compile(r"(?:https?://|www\.|@|\.(?:gov|org|com|net|uk)\b)", re.I)
QUOTES_OPEN = frozenset({'"', "“", "‘", "'"})
QUOTES_CLOSE = frozenset({'"', "”", "’", "'"})
_BULLET = re.compile(r"^\s*(?:[-*•–·]|\(?[a-z0-9]{1,3}[.)])\s+")

# Token extensions the relation matcher reads.
if not Token.has_extension("mention"):
    Token.set_extension("mention", default=None)


def _is_target(token: Token) -> bool:
    """A token a TARGET slot may start at: a programme or theme, or a word of a noun phrase."""
    if token.ent_type_ in (PROGRAMME, THEME):
        return True
    if token.ent_type_:
        return False
    return token.pos_ in ("NOUN", "PROPN", "ADJ", "DET", "NUM", "VERB") and token.is_alpha


if not Token.has_extension("target"):
    Token.set_extension("target", getter=_is_target)


def is_capitalised(token: Token) -> bool:
    """Whether a word starts with a capital letter (names, acronyms)."""
    text = token.text
    return bool(text) and text[0].isupper() and any(c.isalpha() for c in text)


def is_possessive(token: Token) -> bool:
    """Whether a token is a possessive ending ("'s", "’s", or a lone apostrophe)."""
    return token.text in ("'s", "’s") or (token.text in ("'", "’") and token.tag_ == "POS")


def bullet_text(text: str) -> str:
    """A line without its list marker ("- ", "(a) ", "3. ")."""
    return _BULLET.sub("", text, count=1)


def is_bullet(text: str) -> bool:
    """Whether a line is an item of a list."""
    return bool(_BULLET.match(text))


def clean_name_span(span: Span) -> tuple[int, int]:
    """Token bounds of a name without a leading "the", a trailing possessive or punctuation."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and (doc[start].lower_ in ("the", "a", "an") or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct or is_possessive(doc[end - 1])):
        end -= 1
    return start, end


def capitalised_runs(doc: Doc) -> Iterator[tuple[int, int]]:
    """Maximal runs of capitalised words, with "of", "and", "&" ... allowed inside."""
    i, n = 0, len(doc)
    while i < n:
        token = doc[i]
        if not is_capitalised(token) or (token.is_sent_start and token.lower_ in OPENERS):
            i += 1
            continue
        j = i + 1
        end = j
        while j < n:
            t = doc[j]
            if is_capitalised(t) or (t.like_num and any(c.isalpha() for c in t.text)):
                j += 1
                end = j
            elif (
                (
                    t.lower_ in CONNECTORS
                    # a hyphen inside a name, not a dash between two ("Warm Lofts -
                    # Delivery Programme")
                    or (t.text == "-" and not doc[j - 1].whitespace_)
                    or t.text in ("'s", "’s")
                    # "the Commission on Coastal Towns", "the Panel on Bus Services"
                    or (t.lower_ == "on" and doc[j - 1].lower_ in _ON_HEADS)
                    # a campaign named as a call to act: "the Be a Trustee programme"
                    or (t.lower_ in ("a", "an", "your") and j - 1 == i and doc[i].tag_ == "VB")
                )
                and j + 1 < n
                and (is_capitalised(doc[j + 1]) or doc[j + 1].lower_ == "the")
                and doc[j + 1].ent_type_ not in ("DATE", "TIME")  # "the X Fund in March"
            ):
                if t.text in ("'s", "’s") and (
                    doc[j - 1].lower_ not in POSSESSIVE_INSIDE
                    # "Mr King's report" is a person's; the model's PERSON on "The Kent
                    # Children's Trust" does not make "Children" one
                    or (doc[j - 1].ent_type_ == "PERSON" and doc[j - 1].lower_ in _SINGULAR_INSIDE)
                ):
                    break  # "The Baring Foundation's Strengthening ...": two names
                j += 1
            else:
                break
        start = i
        # a sentence may open with a capitalised word that is not part of the name:
        # "Under the Ageing Well at Home programme", "Speaking at the LGA's conference"
        while (
            start < end
            and (doc[start].is_sent_start or start == i)
            and (
                doc[start].pos_ in ("ADP", "DET", "ADV", "SCONJ", "CCONJ", "PRON", "AUX", "PART")
                or doc[start].tag_ in ("VBG", "VBD", "VBZ", "VBP", "VB", "VBN")
                or doc[start].lower_ in OPENERS
            )
            and (doc[i].is_sent_start or i == 0)
        ):
            start += 1
        if start < end:
            yield start, end
        i = max(end, i + 1)


def possessed(doc: Doc, start: int) -> bool:
    """Whether the noun phrase ending at ``start`` opens with a possessive ("the city's
    integrated health and care ...", "its own ...")."""
    k = start - 1
    while k >= 0 and start - k <= 8:
        t = doc[k]
        if t.tag_ == "POS" or t.lower_ in ("its", "their", "his", "her", "our", "own"):
            return True
        if t.pos_ not in ("ADJ", "NOUN", "CCONJ", "PROPN") and t.text not in (",", "-"):
            return False
        k -= 1
    return False


def abbreviation_fits(abbreviation: str, name: str) -> bool:
    """Whether an abbreviation's letters are the name's capitals in order ("BDUK" for
    "Broadband Delivery UK", "C4EO" for "Centre for Excellence and Outcomes ...")."""
    letters = [c for c in abbreviation.upper() if c.isalpha()]
    if len(letters) < 2 or sum(c.isupper() for c in abbreviation) < 2 or len(abbreviation) > 10:
        return False
    capitals = [c for c in name if c.isupper()]
    if not capitals or capitals[0] != letters[0]:
        return False
    at = 0
    for letter in letters:
        while at < len(capitals) and capitals[at] != letter:
            at += 1
        if at == len(capitals):
            return False
        at += 1
    return True


def split_list(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Token bounds of the items of "A, B and C" inside one span."""
    parts = []
    begin = start
    for i in range(start, end):
        if doc[i].text in (",", ";") or doc[i].lower_ in ("and", "&"):
            if i > begin:
                parts.append((begin, i))
            begin = i + 1
    if begin < end:
        parts.append((begin, end))
    return parts


def is_place_form(text: str) -> bool:
    """A council's place name, perhaps with "City" or "County", but not "X Council"."""
    return not set(normalise_name(text).split()) & {
        "council",
        "authority",
        "corporation",
        "borough",
    }


COUNCIL_WORDS = frozenset({"council", "councils", "county", "borough", "district", "authority"})


def is_bare_place(text: str) -> bool:
    words = set(normalise_name(text).split())
    return not words & {
        "council",
        "borough",
        "district",
        "county",
        "corporation",
        "authority",
        "city",
        "metropolitan",
        "combined",
        "mbc",
    }


def name_token(token: Token) -> bool:
    """Whether a token can be part of a person's name."""
    text = token.text
    if token.lower_ in NAME_PARTICLES:
        return True
    if text in ("-",):
        return True
    if not text[:1].isupper():
        return False
    stripped = text.replace("-", "").replace("'", "").replace("’", "").replace(".", "")
    return stripped.isalpha()


def role_text(span: Span) -> str:
    """A post as a label: lower case except acronyms ("LGA director" keeps "LGA")."""
    words = []
    for t in span:
        words.append(t.text if (t.is_upper and len(t.text) > 1) else t.text.lower())
        words.append(t.whitespace_)
    return "".join(words).strip()


def model_person(span: Span) -> bool:
    """Whether the model reads the whole of a short name as one person ("Paula Grant")."""
    return 2 <= len(span) <= 3 and all(
        t.ent_type_ == "PERSON" and (t.ent_iob_ == "B") == (t.i == span.start) for t in span
    )
