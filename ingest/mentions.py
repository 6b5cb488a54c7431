"""Mentions: where a line of a document names a council, body, person, programme, theme or post.

Each line of a document (a paragraph once the readers have unwrapped it) is parsed by spaCy
with four rulers added after the model's components (:func:`add_rulers`): the gazetteer of
councils and bodies, the post words of ``rules/roles.yaml``, well-known programmes, and
anaphors such as "the council". :func:`find_candidates` then turns the rulers' spans, the
model's PERSON and ORG entities and a few capitalisation rules into candidate spans, and
:func:`select` keeps the ones that do not overlap, so that a gazetteer match wins over an
overlapping model span and a longer name over a shorter one.

Nothing here knows about other lines: resolving a candidate to an entity (and anaphors to
what they refer to) is ``ingest/resolve.py``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from graph.model import EntityKind
from ingest.gazetteer import Gazetteer, load_rules, normalise_name, unify_quotes
from ingest.rules import RoleRule, RuleSet

# Labels of spans inside a line. ROLE spans are posts, used by relations but not entities.
COUNCIL, BODY, PERSON, PROGRAMME, THEME, ROLE = (
    "COUNCIL",
    "BODY",
    "PERSON",
    "PROGRAMME",
    "THEME",
    "ROLE",
)
ORG_LABELS = (COUNCIL, BODY)
KIND_OF_LABEL = {
    COUNCIL: EntityKind.COUNCIL,
    BODY: EntityKind.BODY,
    PERSON: EntityKind.PERSON,
    PROGRAMME: EntityKind.PROGRAMME,
    THEME: EntityKind.THEME,
}

# Candidate priorities when spans of equal length overlap: lower wins.
PRIORITY = {
    "gazetteer": 0,
    "abbreviation": 0,
    "known": 1,
    "role": 2,
    "person": 3,
    "body": 4,
    "programme": 5,
    "theme": 6,
    "anaphor": 7,
}

# Words joining the capitalised words of one name ("Institute of Fundraising").
# ("on" and "to" are left out: "report on Better Care", "Secretary to HM Treasury")
_CONNECTORS = frozenset({"of", "for", "and", "&", "the", "in", "at", "de", "upon"})
# Capitalised words that open a sentence without starting a name.
# A list item cut off in the middle of a council's name ends in one of these words.
_DANGLING_WORDS = frozenset({"and", "&", "upon", "on", "of", "in"})
_DANGLING_PUNCT = frozenset({"-", "–", "—"})
# The doc.spans key the abbreviation ruler writes to (the names ruler writes to "gazetteer").
ABBREVIATION_SPANS = "abbreviations"
_OPENERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "for", "by", "with"}
)
# A possessive ends a name ("the Baring Foundation's programme", "David Cameron's Big
# Society") except after these words, which names carry inside ("Children's Services").
_POSSESSIVE_INSIDE = frozenset(
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
_NAME_PARTICLES = frozenset({"de", "van", "von", "der", "den", "la", "le", "du", "di", "da", "al"})
_URLISH = re.compile(r"(?:https?://|www\.|@|\.(?:gov|org|com|net|uk)\b)", re.I)
_QUOTES_OPEN = frozenset({'"', "“", "‘", "'"})
_QUOTES_CLOSE = frozenset({'"', "”", "’", "'"})
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


@dataclass(slots=True)
class Candidate:
    """A span of a line that may name something; token offsets into the line's Doc."""

    start: int
    end: int
    label: str
    source: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def priority(self) -> int:
        """Lower is preferred among overlapping spans of the same length."""
        return PRIORITY[self.source]

    def overlaps(self, other: Candidate) -> bool:
        """Whether the two spans share a token."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """A post as written: its words, its rule, whether it heads the organisation."""

    text: str  # "director of public health", "Communities Secretary"
    rule: RoleRule
    head: bool
    before: str  # portfolio words before the role word ("communities")
    portfolio: str  # portfolio words after it ("public health")


class MentionRules:
    """Rules compiled for mention finding: word sets and role tables, built once per process."""

    def __init__(self, rules: RuleSet, gazetteer: Gazetteer) -> None:
        """Index the rule files for fast look-ups while scanning tokens."""
        self.rules = rules
        self.gazetteer = gazetteer
        roles = rules.roles
        self.role_terms: dict[str, list[RoleRule]] = {}
        for rule in roles.roles:
            for term in (rule.label, *rule.aliases):
                self.role_terms.setdefault(term.lower(), []).append(rule)
        self.modifiers = {w.lower() for w in roles.modifiers}
        self.role_suffixes = {w.lower() for w in roles.suffixes}
        self.not_before = {w.lower() for w in roles.not_before}
        self.demoting = {"deputy", "assistant", "associate", "vice", "shadow", "former"}
        self.title_prefixes = sorted(
            (tuple(t.lower().split()) for t in roles.titles.prefixes), key=len, reverse=True
        )
        self.title_suffixes = {t.lower() for t in roles.titles.suffixes}
        self.title_words = {t[0] for t in self.title_prefixes if len(t) == 1}
        self.title_starts = {t[0] for t in self.title_prefixes}
        self.council_roles = {r.lower() for r in roles.council_roles}
        self.department_roles = {r.lower() for r in roles.department_roles}
        self.plural_titles = {"councillors", "cllrs"}
        self.departments = [
            ({p.lower() for p in d.portfolio}, [f"body/{b}" for b in d.bodies])
            for d in roles.departments
        ]
        organisations = rules.organisations
        self.org_cues = {c.lower() for c in organisations.cues}
        self.head_abbreviations = dict(organisations.head_abbreviations)
        self.not_bodies = {normalise_name(n) for n in organisations.not_bodies}
        self.appositive_nouns = {n.lower() for n in organisations.appositive_nouns}
        self.venue_nouns = {n.lower() for n in organisations.venue_nouns}
        self.not_person_words = {n.lower() for n in organisations.not_person_words}
        self.context_before = [tuple(c.lower().split()) for c in organisations.context_before]
        programmes = rules.programmes
        self.programme_heads: set[str] = set()
        self.programme_inside: set[str] = set()
        self.programme_lowercase: set[str] = set()
        self.cue_focus: dict[str, str] = {}
        for cue in programmes.cues:
            for form in cue.forms:
                if cue.head:
                    self.programme_heads.add(form)
                if cue.inside:
                    self.programme_inside.add(form)
                if cue.lowercase:
                    self.programme_lowercase.add(form)
                if cue.focus:
                    self.cue_focus[form] = cue.focus
        self.scheme_cues = [tuple(c.lower().split()) for c in programmes.scheme_cues]
        self.scheme_heads = {c[-1] for c in self.scheme_cues}
        self.scheme_starts = {c[0] for c in self.scheme_cues}
        self.scheme_cues_longest_first = sorted(self.scheme_cues, key=len, reverse=True)
        self.drop_words = {w.lower() for w in programmes.drop_words}
        self.lowercase_known = {k.label for k in programmes.known if k.lowercase}
        self.not_programmes = {normalise_name(n) for n in programmes.not_programmes}
        self.concept_names = {
            normalise_name(n)
            for concept in rules.themes.concepts
            for n in (concept.pref, *concept.alt)
        }
        cues = rules.themes.cues
        self.list_nouns = [tuple(n.lower().split()) for n in cues.list_nouns]
        self.list_noun_starts = {n[0] for n in self.list_nouns}
        self.heading_nouns = {n.lower() for n in cues.heading_nouns}
        self.trailing_nouns = sorted(
            (tuple(n.lower().split()) for n in cues.trailing_nouns), key=len, reverse=True
        )
        self.strip_prefixes = sorted(
            (tuple(n.lower().split()) for n in cues.strip_prefixes), key=len, reverse=True
        )
        self.theme_stops = {w.lower() for w in cues.stop_words}
        self.theme_anaphors = {n.lower() for n in cues.anaphors}
        self.generic_nouns = {n.lower() for n in cues.generic_nouns}
        # nouns that name a theme itself: "the third priority", "the home adaptations strand"
        self.theme_nouns = self.heading_nouns | {n[-1] for n in self.list_nouns if len(n) == 1}
        self.anaphors = organisations.anaphors
        self.curated_abbreviations = _curated_abbreviations(gazetteer)

    def role_rule(self, term: str, before: str) -> RoleRule | None:
        """The role a post word names, given the portfolio words written before it."""
        candidates = self.role_terms.get(term.lower(), [])
        for rule in candidates:
            if rule.portfolios and before.lower() in {p.lower() for p in rule.portfolios}:
                return rule
        plain = [r for r in candidates if not r.portfolios]
        return plain[0] if plain else None

    def department_for(self, words: str) -> list[str]:
        """Refs of the government departments a portfolio names ("health" -> DH), if any."""
        words = words.lower().strip()
        if not words:
            return []
        for portfolio, bodies in self.departments:
            if words in portfolio:
                return bodies
        for portfolio, bodies in self.departments:
            if any(p in words.split() for p in portfolio if " " not in p):
                return bodies
        return []


def _curated_abbreviations(gazetteer: Gazetteer) -> set[str]:
    """Abbreviations from the curated list, which also match in title case ("Scie"), except
    those marked ``ambiguous`` because the title case is a word ("APSE", not "Apse")."""
    try:
        curated = load_rules("bodies")["bodies"]
    except Exception:  # the gazetteer has already validated the file; be lenient here
        return set()
    out = set()
    for item in curated:
        for abbreviation in item.get("abbreviations", ()):
            if (
                len(abbreviation) >= 4
                and abbreviation.isalpha()
                and abbreviation.isupper()
                and not gazetteer.ambiguous_spellings(abbreviation)
            ):
                out.add(abbreviation)
    return out


# --------------------------------------------------------------------------- rulers


def add_rulers(nlp: Language, mention_rules: MentionRules) -> None:
    """Add the span rulers for gazetteer names, posts, known programmes and anaphors."""
    gazetteer = mention_rules.gazetteer
    config = {
        "annotate_ents": False,
        "phrase_matcher_attr": "LOWER",
        "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
        "validate": False,
    }
    patterns: list[dict[str, Any]] = []
    abbreviations: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for form in gazetteer.surface_form_records():
        label = COUNCIL if form.entry.kind is EntityKind.COUNCIL else BODY
        if form.abbreviation:
            variants = {form.text}
            if form.text in mention_rules.curated_abbreviations:
                variants.add(form.text.title())
            for variant in variants:
                abbreviations.append({"label": label, "pattern": variant, "id": "abbreviation"})
            continue
        for spelling in _apostrophe_spellings(_without_article(form.text)):
            if (label, spelling.lower()) in seen:
                continue
            seen.add((label, spelling.lower()))
            patterns.append({"label": label, "pattern": spelling, "id": "name"})
    ruler = nlp.add_pipe(
        "span_ruler", name="gazetteer_ruler", config={**config, "spans_key": "gazetteer"}
    )
    ruler.add_patterns(patterns)
    # Abbreviations match as written ("DfE", "LGA"): phrases over the exact text, which a
    # phrase matcher finds hundreds of times faster than token patterns would
    ruler = nlp.add_pipe(
        "span_ruler",
        name="abbreviation_ruler",
        config={**config, "spans_key": ABBREVIATION_SPANS, "phrase_matcher_attr": "ORTH"},
    )
    ruler.add_patterns(abbreviations)

    role_patterns = [
        {"label": ROLE, "pattern": term, "id": term} for term in mention_rules.role_terms
    ]
    ruler = nlp.add_pipe("span_ruler", name="role_ruler", config={**config, "spans_key": "roles"})
    ruler.add_patterns(role_patterns)

    programme_patterns: list[dict[str, Any]] = []
    for known in mention_rules.rules.programmes.known:
        for name in (known.label, *known.aliases):
            if name.isupper() and " " not in name:
                pattern: Any = [{"ORTH": name}]
            else:
                pattern = name
            programme_patterns.append({"label": PROGRAMME, "pattern": pattern, "id": known.label})
    ruler = nlp.add_pipe(
        "span_ruler", name="programme_ruler", config={**config, "spans_key": "programmes"}
    )
    ruler.add_patterns(programme_patterns)

    anaphor_patterns = [
        {"label": "ANAPHOR", "pattern": phrase, "id": str(number)}
        for number, rule in enumerate(mention_rules.anaphors)
        for phrase in rule.phrases
    ]
    anaphor_patterns += [
        {"label": "THEME_ANAPHOR", "pattern": phrase, "id": "theme"}
        for phrase in mention_rules.theme_anaphors
    ]
    ruler = nlp.add_pipe(
        "span_ruler", name="anaphor_ruler", config={**config, "spans_key": "anaphors"}
    )
    ruler.add_patterns(anaphor_patterns)


def _without_article(name: str) -> str:
    """A name without a leading "the" when what is left still names it on its own ("the NHS"
    -> "NHS", "the Local Government Association" -> ...), so that a longer name that starts
    after the article ("the NHS Confederation") is not cut short by it."""
    words = name.split()
    if len(words) >= 2 and words[0].lower() == "the":
        rest = words[1:]
        if len(rest) >= 2 or rest[0].isupper():
            return " ".join(rest)
    return name


def _apostrophe_spellings(name: str) -> list[str]:
    """A name with straight and curly apostrophes, since texts use either, and without a
    leading "the" (which the text may put anywhere, or leave out)."""
    names = [name]
    if name.lower().startswith("the ") and len(name) > 4:
        names.append(name[4:])
    if "," in name:
        names.append(" ".join(name.replace(",", " ").split()))
    out = []
    for n in names:
        out.append(n)
        if "'" in n:
            out.append(n.replace("'", "\u2019"))
        elif "\u2019" in n:
            out.append(n.replace("\u2019", "'"))
    return out


# --------------------------------------------------------------------------- helpers


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
        if not is_capitalised(token) or (token.is_sent_start and token.lower_ in _OPENERS):
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
                (t.lower_ in _CONNECTORS or t.text in ("-", "'s", "’s"))
                and j + 1 < n
                and (is_capitalised(doc[j + 1]) or doc[j + 1].lower_ == "the")
                and doc[j + 1].ent_type_ not in ("DATE", "TIME")  # "the X Fund in March"
            ):
                if t.text in ("'s", "’s") and (
                    doc[j - 1].lower_ not in _POSSESSIVE_INSIDE or doc[j - 1].ent_type_ == "PERSON"
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
                or doc[start].lower_ in _OPENERS
            )
            and (doc[i].is_sent_start or i == 0)
        ):
            start += 1
        if start < end:
            yield start, end
        i = max(end, i + 1)


# --------------------------------------------------------------------------- candidates


class LineScanner:
    """Finds the candidate spans of one line's Doc."""

    def __init__(self, rules: MentionRules, doc: Doc, known_names: dict[str, str]) -> None:
        """Scan ``doc``; ``known_names`` maps normalised names found elsewhere to their label."""
        self.rules = rules
        self.doc = doc
        self.known_names = known_names
        self.gazetteer_spans: list[Candidate] = []
        self._heading_like: bool | None = None

    # -- gazetteer -------------------------------------------------------------------------

    def gazetteer(self, date: str | None) -> list[Candidate]:
        """Council and body names from the gazetteer, with case and era checks."""
        out = []
        spans = [*self.doc.spans.get("gazetteer", []), *self.doc.spans.get(ABBREVIATION_SPANS, [])]
        for span in filter_spans(spans):  # the longest wins, as the rulers' own filter does
            start, end = span.start, span.end
            while end > start and is_possessive(self.doc[end - 1]):
                end -= 1
            if end - start > 1 and self.doc[start].lower_ == "the":
                start += 1  # "the NHS", "the Treasury": the name without its article
            if start >= end:
                continue
            text = self.doc[start:end].text
            abbreviation = span.id_ == "abbreviation"
            if not abbreviation and not self._cased_like_a_name(start, end):
                continue
            if not abbreviation and not self._reads_as_the_name(start, end, text):
                continue  # "Crisis talks", "the Welfare Reform Act": the word, not the body
            if (
                abbreviation
                and text.istitle()
                and len(text) >= 4
                and self.doc[start].pos_ != "PROPN"
            ):
                continue  # "Scie" the body, but not "Gone" the word
            lookup_text = text.upper() if abbreviation and not text.isupper() else text
            entries = self.rules.gazetteer.lookup(lookup_text, on=date)
            if not entries:
                continue
            if abbreviation and date and not any(e.in_office(date) for e in entries):
                continue  # "LAA" in 2007 is not the Legal Aid Agency (2013-)
            if (
                not abbreviation
                and end - start == 1
                and entries[0].kind is EntityKind.BODY
                and self.doc[start].pos_ != "PROPN"
                and self.doc[start].ent_type_ != "ORG"
            ):
                continue  # a one-word body name used as a word ("Statistics show ..."),
                # unless the model reads it as an organisation ("policy director at Nacro")
            bare = entries[0].kind is EntityKind.COUNCIL and _is_bare_place(text)
            if bare and date and not any(e.in_office(date) for e in entries):
                continue  # a place whose council had gone by then ("Cheshire" in 2012)
            if self._title_before(start):
                continue  # "Lord Hastings", "Baroness Warwick": a person, not a council
            if bare and self._venue_before(start):
                continue  # "the annual conference in Birmingham": where, not who
            data = {
                "text": lookup_text,
                "bare": bare,
                # may sit inside a longer name ("Solent NHS Trust", "Leeds Beckett University")
                "absorbable": bare
                or abbreviation
                or (lookup_text.isupper() and len(lookup_text) <= 5)
                or (entries[0].kind is EntityKind.COUNCIL and _is_place_form(lookup_text)),
                "ambiguous": bare and self.rules.gazetteer.is_ambiguous_bare(text),
                "abbreviation": abbreviation,
            }
            out.append(Candidate(start, end, span.label_, "gazetteer", data))
        truncated = self._truncated_list_end(out, date)
        if truncated is not None:
            out.append(truncated)
        self.gazetteer_spans = out
        return out

    def _truncated_list_end(self, found: list[Candidate], date: str | None) -> Candidate | None:
        """A list of councils that breaks off inside its last name ("..., Sefton and Barking
        and" where the text was cut): the last item, when it begins exactly one council's
        name and the line names at least two other councils."""
        doc = self.doc
        last = len(doc)
        while last > 0 and (doc[last - 1].is_space or doc[last - 1].text in _DANGLING_PUNCT):
            last -= 1
        if last < 2 or doc[last - 1].lower_ not in _DANGLING_WORDS:
            return None
        councils = [c for c in found if c.label == COUNCIL]
        if len(councils) < 2 or any(c.end >= last - 1 for c in found):
            return None
        start = last - 1
        taken = _token_set(found)
        while start > 0 and is_capitalised(doc[start - 1]) and (start - 1) not in taken:
            start -= 1
        if start == last - 1 or doc[start - 1].lower_ not in (",", "and", "&"):
            return None
        completions = self.rules.gazetteer.completions(doc[start:last].text, on=date)
        if len(completions) != 1:
            return None
        name, _entry = completions[0]
        data = {
            "text": name,
            "bare": False,
            "absorbable": False,
            "ambiguous": False,
            "abbreviation": False,
            "truncated": True,
        }
        return Candidate(start, last, COUNCIL, "gazetteer", data)

    def _reads_as_the_name(self, start: int, end: int, text: str) -> bool:
        """Whether a name that a body marks as also an ordinary word ("Crisis", "Mind",
        "Action for Children") reads as the body's name here.

        It must be written exactly as listed, outside a heading-like line ("Housing Crisis
        Deepens"); a one-word name must also stand alone inside a sentence: not its first
        word, not after "the" or "a", and not next to another capitalised word ("Welfare
        Reform Act", "Mind Games").
        """
        spellings = self.rules.gazetteer.ambiguous_spellings(text)
        if not spellings:
            return True
        if unify_quotes(" ".join(text.split())) not in spellings or self._heading_line():
            return False
        if end - start > 1:
            return True
        doc = self.doc
        if start == 0 or doc[start].is_sent_start:
            return False
        before = doc[start - 1]
        if before.lower_ in ("the", "a", "an") or (before.is_alpha and is_capitalised(before)):
            return False
        return not (end < len(doc) and doc[end].is_alpha and is_capitalised(doc[end]))

    def _heading_line(self) -> bool:
        """Whether the line reads as a heading: no lower-case word of four letters or more."""
        if self._heading_like is None:
            self._heading_like = not any(
                t.is_alpha and t.is_lower and len(t) >= 4 for t in self.doc
            )
        return self._heading_like

    def _venue_before(self, start: int) -> bool:
        doc = self.doc
        if start == 0 or doc[start - 1].lower_ not in ("in", "at", ",", "–", "-"):
            return False
        return any(t.lower_ in self.rules.venue_nouns for t in doc[max(0, start - 10) : start])

    def _cased_like_a_name(self, start: int, end: int) -> bool:
        tokens = [t for t in self.doc[start:end] if t.is_alpha]
        if len(tokens) > 1 and tokens[0].lower_ == "the":
            tokens = tokens[1:]
        if not tokens:
            return False
        if is_capitalised(tokens[0]):
            return True
        # lower case only for longer names ("the department of health", "the government
        # office for London"), never one or two words
        return len(tokens) >= 3

    def _title_before(self, start: int) -> bool:
        words = tuple(t.lower_.rstrip(".") for t in self.doc[max(0, start - 4) : start])
        return any(
            len(t) <= len(words) and words[-len(t) :] == t for t in self.rules.title_prefixes
        )

    # -- posts -----------------------------------------------------------------------------

    def roles(self, blocked: list[Candidate]) -> list[Candidate]:
        """Posts: a post word with its modifiers, portfolio and suffixes."""
        out = []
        doc = self.doc
        taken = _token_set(blocked)
        for span in doc.spans.get("roles", []):
            start, end = span.start, span.end
            if any(i in taken for i in range(start, end)):
                continue
            core = span.text.lower()
            # "Councillor Jane Smith", "Cllr" as a title rather than a post
            if core in self.rules.title_words and end < len(doc) and is_capitalised(doc[end]):
                continue
            left = start
            while left > 0 and start - left < 4:
                t = doc[left - 1]
                if (
                    t.text == "-"
                    and left >= 2
                    and (left - 2) not in taken
                    and f"{doc[left - 2].lower_}-{doc[left].lower_}" in self.rules.modifiers
                ):
                    left -= 2  # "out-going", written as three tokens
                    continue
                if (
                    (left - 1) in taken
                    or t.lower_ in self.rules.not_before
                    or t.ent_type_ in ("PERSON", "NORP", "GPE", "DATE", "CARDINAL", "MONEY")
                    or not (
                        t.lower_ in self.rules.modifiers
                        or (t.pos_ in ("NOUN", "PROPN", "ADJ") and t.is_alpha)
                    )
                ):
                    break
                left -= 1
            before_words = [
                t.lower_
                for t in doc[left:start]
                if t.lower_ not in self.rules.modifiers
                and t.is_alpha
                and t.lower_ not in ("out", "going")
            ]
            modifiers = {t.lower_ for t in doc[left:start]} & self.rules.modifiers
            right = end
            while right < len(doc) and doc[right].lower_ in self.rules.role_suffixes:
                right += 1
            rule = self.rules.role_rule(core, " ".join(before_words))
            if rule is None:
                continue
            portfolio_end = self._portfolio(right, rule, taken)
            # "director of" + "policy" / "head of" + "policy": "head of" holds its preposition
            first = right if rule.label.endswith(" of") else right + 1
            portfolio = doc[first:portfolio_end].text if portfolio_end > right else ""
            if rule.portfolio == "required" and not portfolio and not before_words:
                if core.endswith(" of"):  # "head of" followed by an organisation: the head
                    end = right = portfolio_end = end - 1
                    rule = self.rules.role_rule("head", "") or rule
                else:
                    continue
            final_end = max(right, portfolio_end)
            while final_end > start and doc[final_end - 1].is_punct:
                final_end -= 1
            head = rule.kind == "head" and not portfolio and not (modifiers & self.rules.demoting)
            if rule.portfolios and not before_words:
                head = False
            info = RoleInfo(
                text=_role_text(doc[left:final_end]),
                rule=rule,
                head=head,
                before=" ".join(before_words),
                portfolio=portfolio,
            )
            out.append(Candidate(left, final_end, ROLE, "role", {"role": info}))
        return out

    def _portfolio(self, i: int, rule: RoleRule, taken: set[int]) -> int:
        """The end of the portfolio that follows a post word at token ``i``, or ``i``."""
        doc, n = self.doc, len(self.doc)
        # any post may take a portfolio ("chair of social affairs at the LGA"); a head post
        # with one heads a part, not the organisation
        prepositions = {p.lower() for p in rule.prepositions} or {"of", "for"}
        if rule.label.endswith(" of"):  # "head of" already holds its preposition
            j = i
        elif i < n and doc[i].lower_ in prepositions:
            j = i + 1
        else:
            return i
        k = j + (1 if j < n and doc[j].lower_ == "the" else 0)
        if k >= n or k in taken:
            return i  # "chief executive of Kent County Council": the organisation follows
        if (
            doc[k].ent_type_ in ("ORG", "GPE")
            and is_capitalised(doc[k])
            and not self._portfolio_words(k)
        ):
            return i
        end = j
        while end < n:
            t = doc[end]
            if end in taken or t.lower_ in ("at", "in", "within", "to", "with", "on", "said"):
                break
            if t.ent_type_ == "PERSON" or (
                end > j
                and is_capitalised(t)
                and doc[end - 1].is_alpha
                and doc[end - 1].is_lower
                and t.pos_ == "PROPN"
            ):
                break  # "head of housing Priya Desai": the name is not the portfolio
            if t.lower_ in ("of", "for") and (
                end + 1 in taken
                or (end + 2 < n and doc[end + 1].lower_ == "the" and end + 2 in taken)
            ):
                break
            if t.text == ",":
                if not self._list_continues(end + 1, taken):
                    break
                end += 1
                continue
            if (
                t.lower_ in ("and", "&")
                and end + 1 < n
                and (
                    doc[end + 1].lower_ in self.rules.role_terms
                    or doc[end + 1].lower_ in ("the", "a", "an", "out", "out-going", "outgoing")
                    or (end + 1) in taken
                )
            ):
                break
            if (
                t.pos_ in ("NOUN", "PROPN", "ADJ", "CCONJ")
                or t.tag_ == "VBG"
                or t.text in ("-", "'s", "’s")
                or (t.lower_ in ("of", "for") and end > j)
            ):
                if t.lower_ in self.rules.role_terms and end > j:
                    break
                end += 1
                continue
            break
        while end > j and (doc[end - 1].pos_ in ("CCONJ", "ADP") or doc[end - 1].is_punct):
            end -= 1
        return end if end > j else i

    def _portfolio_words(self, k: int) -> bool:
        """Whether capitalised words at ``k`` name a policy area ("Director of Public Health")."""
        doc = self.doc
        for length in range(5, 0, -1):
            if normalise_name(doc[k : k + length].text) in self.rules.concept_names:
                return True
        return False

    def _list_continues(self, i: int, taken: set[int]) -> bool:
        """After a comma in a portfolio: does a list go on ("health, housing and care")?"""
        doc = self.doc
        for j in range(i, min(len(doc), i + 8)):
            t = doc[j]
            if j in taken or t.text in (",", ".", ";", ":") or t.pos_ in ("VERB", "AUX", "DET"):
                return False
            if t.lower_ in ("and", "&"):
                return True
        return False

    # -- people ----------------------------------------------------------------------------

    def people(self, blocked: list[Candidate]) -> list[Candidate]:
        """People: the model's PERSON spans and titled names, titles split off."""
        doc = self.doc
        # a bare place name may be a surname ("Sir Ivor Pendle"); the longer name decides
        taken = _token_set([c for c in blocked if not c.data.get("bare")])
        spans: list[tuple[int, int]] = [(e.start, e.end) for e in doc.ents if e.label_ == "PERSON"]
        spans += self._titled_names()
        spans += self._names_around_posts(blocked)
        out: dict[tuple[int, int], Candidate] = {}
        for start, end in spans:
            if self._apposition_says_organisation(end):
                continue  # "Carers Together Southampton, a local charity"
            candidate = self.person(start, end, taken)
            if candidate and (candidate.start, candidate.end) not in out:
                out[(candidate.start, candidate.end)] = candidate
        return _drop_contained(list(out.values()))

    def person(self, start: int, end: int, taken: set[int]) -> Candidate | None:
        """A cleaned, checked person candidate from a span, or None."""
        doc = self.doc
        while start < end and (start in taken or not is_capitalised(doc[start])):
            start += 1
        comma = next((i for i in range(start, end) if doc[i].text == ","), None)
        if comma is not None:
            end = comma  # "Ann Lee, Devon's": the model ran the name into what follows it
        while end > start and ((end - 1) in taken or not _name_token(doc[end - 1])):
            end -= 1
        if end - start < 1 or any(i in taken for i in range(start, end)):
            return None
        title, name_start = self._title_at(start, end)
        name_end = end
        suffixes = []
        while name_end > name_start and doc[name_end - 1].lower_ in self.rules.title_suffixes:
            suffixes.append(doc[name_end - 1].text)
            name_end -= 1
        name_tokens = list(doc[name_start:name_end])
        if not name_tokens or len(name_tokens) > 4:
            return None
        if not all(_name_token(t) for t in name_tokens):
            return None
        words = [t.lower_ for t in name_tokens]
        if any(w in self.rules.org_cues or w in self.rules.programme_heads for w in words):
            return None
        if any(w in self.rules.not_person_words for w in words):
            return None
        if any(w in self.rules.role_terms for w in words):
            return None
        name = doc[name_start:name_end].text
        if _URLISH.search(name) or any(c.isdigit() for c in name):
            return None
        if len(name_tokens) > 1 and all(t.is_upper and len(t) > 1 for t in name_tokens):
            return None  # all capitals: a heading or an acronym
        if self.rules.gazetteer.lookup(name) or normalise_name(name) in self.known_names:
            return None
        words_in_name = doc[name_start:name_end].text.split()  # "Ash-Reyes" is one word
        if len(words_in_name) == 1 and not title:
            if name.isupper():
                return None  # "BOLD", "LGA": an acronym, not a surname
            return Candidate(start, end, PERSON, "person", {"name": name, "single": True})
        return Candidate(
            start,
            end,
            PERSON,
            "person",
            {"name": name, "title": title, "suffixes": suffixes, "single": len(words_in_name) == 1},
        )

    def _title_at(self, start: int, end: int) -> tuple[str, int]:
        """The title at the start of a name ("Cllr Sir") and where the name proper begins."""
        doc = self.doc
        titles = []
        i = start
        while i < end - 1:
            if doc[i].lower_.rstrip(".") not in self.rules.title_starts:
                break  # most words start no title: skip the comparisons
            for title in self.rules.title_prefixes:
                words = [t.lower_.rstrip(".") for t in doc[i : i + len(title)]]
                if tuple(words) == title and i + len(title) < end:
                    titles.append(doc[i : i + len(title)].text)
                    i += len(title)
                    break
            else:
                break
        return " ".join(titles), i

    def _titled_names(self) -> list[tuple[int, int]]:
        """Spans of a title followed by one to three capitalised words; after a plural title
        ("Councillors A (Chair), B and C") every name of the list."""
        doc = self.doc
        out: list[tuple[int, int]] = []
        starts = self.rules.title_starts
        strings = doc.vocab.strings
        resume = 0
        # string ids rather than Token objects: most words start no title
        for i, lower in enumerate(doc.to_array(LOWER).tolist()):
            if i < resume or strings[lower].rstrip(".") not in starts:
                continue
            title, j = self._title_at(i, min(len(doc), i + 6))
            if j > i:
                k = self._name_end(j)
                if k > j:
                    out.append((i, k))
                if title.lower() in self.rules.plural_titles:
                    k = self._listed_names(k, out)
                resume = max(k, i + 1)
        return out

    def _name_end(self, j: int) -> int:
        doc = self.doc
        k = j
        while k < len(doc) and k - j < 3 and _name_token(doc[k]) and is_capitalised(doc[k]):
            k += 1
        return k

    def _listed_names(self, k: int, out: list[tuple[int, int]]) -> int:
        """Names that follow a plural title in a list, each maybe with "(Chair)"."""
        doc = self.doc
        while k < len(doc):
            if doc[k].text == "(":
                close = next(
                    (m for m in range(k, min(len(doc), k + 8)) if doc[m].text == ")"), None
                )
                if close is None:
                    break
                k = close + 1
                continue
            if doc[k].text == "," or doc[k].lower_ in ("and", "&"):
                start = k + 1
                end = self._name_end(start)
                if end - start < 2:
                    break
                out.append((start, end))
                k = end
                continue
            break
        return k

    def _names_around_posts(self, blocked: list[Candidate]) -> list[tuple[int, int]]:
        """Capitalised names right after a post ("Health Secretary Jane Smith") or before
        ", POST" ("Jane Smith, director of ...")."""
        doc = self.doc
        out = []
        for c in blocked:
            if c.label != ROLE:
                continue
            k = c.end
            while (
                k < len(doc) and k - c.end < 3 and is_capitalised(doc[k]) and doc[k].pos_ == "PROPN"
            ):
                k += 1
            if k - c.end >= 2:
                out.append((c.end, k))
            after = c.end
            places = self._gazetteer_tokens()
            while after < len(doc) and (doc[after].lower_ in ("of", "the") or after in places):
                after += 1  # "The Mayor of Bristol, Marvin Rees"
            if after + 2 < len(doc) and doc[after].text == ",":
                k = after + 1
                while (
                    k < len(doc)
                    and k - after - 1 < 3
                    and is_capitalised(doc[k])
                    and doc[k].pos_ == "PROPN"
                ):
                    k += 1
                if k - after - 1 >= 2 and (
                    k >= len(doc) or doc[k].text == "," or doc[k].pos_ in ("VERB", "AUX")
                ):
                    out.append((after + 1, k))
            if c.start >= 3 and doc[c.start - 1].text == ",":
                j = c.start - 1
                while (
                    j > 0
                    and c.start - 1 - j < 3
                    and is_capitalised(doc[j - 1])
                    and doc[j - 1].pos_ == "PROPN"
                ):
                    j -= 1
                if c.start - 1 - j >= 2:
                    out.append((j, c.start - 1))
        return out

    def _gazetteer_tokens(self) -> set[int]:
        return {i for g in self.gazetteer_spans for i in range(g.start, g.end)}

    # -- organisations outside the gazetteer ------------------------------------------------

    def bodies(self, blocked: list[Candidate]) -> list[Candidate]:
        """Bodies named with a cue word ("Trust", "Association"), from the model or capitals."""
        doc = self.doc
        out = []
        taken = _token_set(
            [c for c in blocked if not (c.source == "gazetteer" and c.data.get("bare"))]
        )
        spans = [
            (s, e, True)
            for ent in doc.ents
            if ent.label_ == "ORG"
            for s, e in self._split_coordinated(ent.start, ent.end)
        ]
        spans += [
            (s, e, False)
            for run_start, run_end in capitalised_runs(doc)
            for s, e in self._split_coordinated(run_start, run_end)
        ]
        # an abbreviation or a place inside a longer name is part of it ("Solent NHS Trust",
        # "NHS Southampton City Clinical Commissioning Group")
        taken -= {
            i
            for g in blocked
            if g.source == "gazetteer" and g.data.get("absorbable")
            for i in range(g.start, g.end)
        }
        for start, end, from_model in spans:
            start, end = clean_name_span(doc[start:end])
            # "Because the CCG ...", "Yes, Health and ...", "Members of the Board": a word that
            # opens the sentence is not part of the name
            while start < end and (
                doc[start].pos_ in ("INTJ", "SCONJ", "CCONJ", "ADV", "PRON")
                or doc[start].lower_ in ("members", "member", "yes", "no")
            ):
                start += 1
                if start < end and doc[start].lower_ in ("of", "the", ","):
                    start += 1
            while start < end and doc[start].ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
                start += 1
            for k in range(start, end - 2):
                if doc[k].lower_ in self.rules.venue_nouns and doc[k + 1].lower_ in (
                    "for",
                    "of",
                    "at",
                    "in",
                ):
                    start = k + 2 + (doc[k + 2].lower_ == "the")  # "the annual lecture for the X"
            if end - start < 1 or any(i in taken for i in range(start, end)):
                continue
            tokens = list(doc[start:end])
            words = [t.lower_ for t in tokens]
            name = doc[start:end].text
            if (
                "\n" in name
                or _URLISH.search(name)
                or normalise_name(name) in self.rules.not_bodies
                or words[-1] in self.rules.venue_nouns  # an event ("... Annual Conference")
            ):
                continue
            if self.rules.gazetteer.lookup(name):
                continue
            inner = [
                g for g in blocked if g.source == "gazetteer" and start <= g.start and g.end <= end
            ]
            if inner and (
                end - start - sum(g.end - g.start for g in inner) < 2
                or any(self.rules.gazetteer.lookup(doc[g.end : end].text) for g in inner)
            ):
                continue  # "LGA Improvement Board": two names, not one
            cue_at = [
                i
                for i, t in enumerate(tokens)
                if (t.lower_ in self.rules.org_cues and is_capitalised(t))
                or t.text in self.rules.head_abbreviations
            ]
            head_cue = bool(cue_at) and cue_at[-1] == len(tokens) - 1
            of_cue = any(i + 1 < len(tokens) and words[i + 1] in ("of", "for") for i in cue_at)
            if (head_cue and len(tokens) >= 2) or of_cue:
                if words[-1] in self.rules.programme_heads and not head_cue:
                    continue
                out.append(Candidate(start, end, BODY, "body", {"name": name, "model": from_model}))
            elif (from_model or len(tokens) >= 2) and self._organisation_context(
                start, end, blocked, from_model
            ):
                out.append(
                    Candidate(start, end, BODY, "body", {"name": name, "model": True, "weak": True})
                )
            elif from_model and self._context_before(start):
                # "a joint project of Shelter, Crisis and Homeless Link": each name
                for s, e in _split_list(doc, start, end):
                    if e > s and all(
                        is_capitalised(t) or t.lower_ in _CONNECTORS for t in doc[s:e]
                    ):
                        part = doc[s:e].text
                        out.append(
                            Candidate(
                                s, e, BODY, "body", {"name": part, "model": True, "weak": True}
                            )
                        )
        return _drop_contained(out)

    def local_bodies(self) -> list[Candidate]:
        """ "Herefordshire health authority", "Kent police": a place with a lower-case kind of
        body after it names that body, not the council."""
        doc = self.doc
        out = []
        for g in self.gazetteer_spans:
            if not g.data.get("bare"):
                continue
            end = g.end
            while (
                end < len(doc)
                and end - g.end < 4
                and doc[end].is_lower
                and doc[end].pos_ in ("NOUN", "ADJ", "CCONJ")
            ):
                end += 1
                if doc[end - 1].lower_ in self.rules.org_cues and (
                    doc[end - 1].lower_ not in _COUNCIL_WORDS or end - g.end >= 2
                ):
                    name = doc[g.start : end].text
                    out.append(Candidate(g.start, end, BODY, "body", {"name": name}))
                    break
        return out

    def _split_coordinated(self, start: int, end: int) -> list[tuple[int, int]]:
        """ "the Felix Project and the Trussell Trust": two names, where "and" (or ",")
        follows a cue word and a capitalised word (or "the") comes after it."""
        doc = self.doc
        cues = self.rules.org_cues | self.rules.programme_heads

        def has_cue(a: int, b: int) -> bool:
            return any(t.lower_ in cues and is_capitalised(t) for t in doc[a:b])

        parts = []
        begin = start
        for i in range(start + 1, end - 1):
            if (
                doc[i].lower_ in self.rules.org_cues
                and is_capitalised(doc[i])
                and is_capitalised(doc[i + 1])
                and doc[i + 1].lower_ not in _CONNECTORS
                and not has_cue(i + 1, end)
                and i + 1 - begin >= 2
            ):
                parts.append((begin, i + 1))  # "Leeds Partnership | Healthy Streets"
                begin = i + 1
                continue
            right_named = (
                has_cue(i + 1, end) and sum(is_capitalised(t) for t in doc[i + 1 : end]) >= 2
            )
            left = begin
            while left < i and (doc[left].lower_ == "the" or doc[left].ent_type_ == "DATE"):
                left += 1
            # "the LGA and Youth Access Network" splits, "Down and Lisburn Health Trust" not
            left_named = has_cue(begin, i) or any(
                g.start == left and g.end == i and not g.data.get("bare")
                for g in self.gazetteer_spans
            )
            if (
                doc[i].lower_ in ("and", "&", ",")
                and (is_capitalised(doc[i + 1]) or doc[i + 1].lower_ == "the")
                and left_named
                and right_named
            ):
                parts.append((begin, i))
                begin = i + 1
        parts.append((begin, end))
        return parts

    def defined_names(self, blocked: list[Candidate]) -> list[Candidate]:
        """ "Broadband Delivery UK (BDUK)": a capitalised name that the text gives an
        abbreviation for names an organisation (or, with a cue, a programme)."""
        doc = self.doc
        out = []
        taken = _token_set(blocked)
        for start, end in capitalised_runs(doc):
            if end + 2 >= len(doc) or doc[end].text != "(" or doc[end + 2].text != ")":
                continue
            if end - start < 2 or any(i in taken for i in range(start, end)):
                continue
            if not abbreviation_fits(doc[end + 1].text, doc[start:end].text):
                continue
            words = [t.lower_ for t in doc[start:end]]
            model_org = any(t.ent_type_ == "ORG" for t in doc[start : end + 2])
            has_cue = any(w in self.rules.org_cues | self.rules.programme_heads for w in words)
            if not (model_org or has_cue) or any(w in self.rules.not_person_words for w in words):
                continue
            label = PROGRAMME if words[-1] in self.rules.programme_heads else BODY
            source = "programme" if label == PROGRAMME else "body"
            out.append(Candidate(start, end, label, source, {"name": doc[start:end].text}))
        return out

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
        if not all(is_capitalised(t) or t.lower_ in _CONNECTORS for t in doc[start:end]):
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
            # ("Head of Business Systems", "Secretary for Finance"): only a name the model
            # reads as an organisation
            if doc[i].lower_ in ("of", "for", "to") and from_model:
                return True
        if doc[end - 1].lower_ in self.rules.programme_heads:
            return False  # "the Digital Forum, a network of ...": a forum is a programme
        return self._apposition_says_organisation(end)

    def _apposition_says_organisation(self, end: int) -> bool:
        """ "Nacro, the crime reduction charity": an apposition that calls a name a body."""
        doc = self.doc
        if (
            end + 1 < len(doc)
            and doc[end].text == ","
            and doc[end + 1].lower_ in ("a", "an", "the")
        ):
            for t in doc[end + 2 : end + 8]:
                if t.lower_ in self.rules.appositive_nouns:
                    return True
                if t.pos_ in ("VERB", "AUX") or t.text in (".", ";", ","):
                    break
        return False

    # -- programmes ------------------------------------------------------------------------

    def programmes(self, blocked: list[Candidate]) -> list[Candidate]:
        """Programmes: known names, capitalised names with a cue, lower-case compounds."""
        doc = self.doc
        rules = self.rules
        taken = _token_set(
            [c for c in blocked if not (c.source == "gazetteer" and c.data.get("bare"))]
        )
        out = []
        for span in doc.spans.get("programmes", []):
            if is_capitalised(span[0]) or span.text.isupper() or span.id_ in rules.lowercase_known:
                out.append(
                    Candidate(
                        span.start,
                        span.end,
                        PROGRAMME,
                        "known",
                        {"known": span.id_, "name": span.text},
                    )
                )
        for start, end in capitalised_runs(doc):
            while start < end and doc[start].lower_ in _OPENERS:
                start += 1
            if end - start < 1 or any(i in taken for i in range(start, end)):
                continue
            words = [t.lower_ for t in doc[start:end]]
            name = doc[start:end].text
            after = doc[end] if end < len(doc) else None
            candidate = None
            if words[-1] in rules.programme_heads and len(words) >= 2:
                if after is not None and after.is_lower and after.lower_ in rules.programme_heads:
                    candidate = Candidate(
                        start, end + 1, PROGRAMME, "programme", {"name": name, "cue": after.text}
                    )
                else:
                    candidate = Candidate(start, end, PROGRAMME, "programme", {"name": name})
            elif any(
                w in rules.programme_inside and i + 1 < len(words) and words[i + 1] in ("for", "of")
                for i, w in enumerate(words)
            ):
                candidate = Candidate(start, end, PROGRAMME, "programme", {"name": name})
            elif (
                after is not None
                and after.is_lower
                and after.lower_ in rules.programme_heads
                and (len(words) >= 2 or doc[start].is_upper)
            ):
                for k in range(end - 2, start, -1):
                    if doc[k].lower_ in ("and", "&") and doc[k + 1].lower_ == "the":
                        start = k + 2  # "Shelter & the Homes First project": the last name
                        name = doc[start:end].text
                        break
                # "the Superfast Countryside programme": named without its lower-case cue
                candidate = Candidate(
                    start, end + 1, PROGRAMME, "programme", {"name": name, "cue": after.text}
                )
            elif after is not None and self._scheme_after(end):
                length = self._scheme_after(end)
                candidate = Candidate(
                    start,
                    end + length,
                    PROGRAMME,
                    "programme",
                    {"name": doc[start : end + length].text, "scheme": True},
                )
            elif len(words) >= 2 and self._programme_apposition(end):
                candidate = Candidate(start, end, PROGRAMME, "programme", {"name": name})
            elif len(words) >= 2 and self._quoted_after_cue(start, end):
                candidate = Candidate(
                    start,
                    end,
                    PROGRAMME,
                    "programme",
                    {"name": name, "pilot": self._pilot_before(start)},
                )
            if (
                candidate is not None
                and normalise_name(name) not in rules.not_bodies
                and normalise_name(name) not in rules.not_programmes
            ):
                if (
                    any(w in rules.org_cues for w in words[-1:])
                    and words[-1] not in rules.programme_heads
                ):
                    continue
                out.append(candidate)
        out += self._lowercase_programmes(taken)
        return _drop_contained(out)

    def _scheme_after(self, i: int) -> int:
        """How many tokens from ``i`` form a lower-case rating-scheme cue ("star ratings")."""
        doc = self.doc
        if i >= len(doc) or doc[i].lower_ not in self.rules.scheme_starts:
            return 0
        for cue in self.rules.scheme_cues_longest_first:
            words = tuple(t.lower_ for t in doc[i : i + len(cue)])
            if words == cue and all(t.is_lower for t in doc[i : i + len(cue)]):
                return len(cue)
        return 0

    def _programme_apposition(self, end: int) -> bool:
        """A name then ", a ... cue": "the Green Skills Accelerator, a new £6.5m programme"."""
        doc = self.doc
        if (
            end + 1 >= len(doc)
            or doc[end].text != ","
            or doc[end + 1].lower_ not in ("a", "an", "the")
        ):
            return False
        for t in doc[end + 2 : end + 12]:
            if t.lower_ in self.rules.programme_heads:
                return True
            if t.tag_ in ("VBZ", "VBD", "VBP", "MD") or t.text in (",", ".", ";"):
                return False
        return False

    def _quoted_after_cue(self, start: int, end: int) -> bool:
        """A quoted name after a cue word: 'to pilot "Ageing Well at Home"'."""
        doc = self.doc
        if start < 2 or end >= len(doc):
            return False
        if doc[start - 1].text not in _QUOTES_OPEN or doc[end].text not in _QUOTES_CLOSE:
            return False
        before = {t.lower_ for t in doc[max(0, start - 4) : start - 1]}
        return bool(
            before
            & (self.rules.programme_heads | {"called", "named", "dubbed", "known", "branded"})
            or before & {"pilot", "piloting", "pilots", "trial", "test"}
        )

    def _pilot_before(self, start: int) -> bool:
        return any(t.lower_.startswith("pilot") for t in self.doc[max(0, start - 4) : start])

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
                    and doc[start - 2].lower_ in _POSSESSIVE_INSIDE
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
                if (start - 1) in taken or not t.is_alpha or t.lower_ in rules.drop_words:
                    break
                if t.pos_ not in ("NOUN", "ADJ", "PROPN") and t.dep_ not in ("compound", "amod"):
                    break
                start -= 1
            modifiers = list(doc[start:i])
            if not modifiers or not any(
                t.pos_ in ("NOUN", "PROPN") or t.dep_ == "compound" or t.text == "-"
                for t in modifiers
            ):
                continue  # "the new programme" names none; "the tri-borough programme" does
            if any(is_capitalised(t) for t in modifiers) and not scheme:
                continue  # capitalised names are found as runs of capitals
            if scheme and not self._is_scheme(doc[start : i + 1]):
                continue
            if not scheme and _possessed(doc, start):
                continue  # "the city's care programme" describes a programme; it is no name
            if normalise_name(doc[start : i + 1].text) in rules.not_programmes:
                continue
            if scheme and not self._scheme_has_name(doc[start : i + 1]):
                continue
            name = doc[start : i + 1].text
            out.append(
                Candidate(
                    start,
                    i + 1,
                    PROGRAMME,
                    "programme",
                    {"name": name, "lowercase": True, "scheme": scheme},
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

    # -- anaphors --------------------------------------------------------------------------

    def anaphors(self) -> list[Candidate]:
        """Phrases that refer back: "the council", "the fund", "its members", "this proposal"."""
        doc = self.doc
        out = []
        for span in doc.spans.get("anaphors", []):
            if span.label_ == "THEME_ANAPHOR":
                out.append(Candidate(span.start, span.end, THEME, "anaphor", {"anaphor": "theme"}))
                continue
            rule = self.rules.anaphors[int(span.id_)]
            if rule.before and not (
                span.end < len(doc) and doc[span.end].lower_ in {w.lower() for w in rule.before}
            ):
                continue
            # "the council tax", "the county's": part of something else, or a place
            nxt = doc[span.end] if span.end < len(doc) else None
            if (
                nxt is not None
                and nxt.pos_ in ("NOUN", "PROPN")
                and not nxt.is_punct
                and rule.kind != "body"
            ):
                continue
            if nxt is not None and rule.kind == "body" and rule.head and nxt.pos_ == "NOUN":
                continue
            label = {"council": COUNCIL, "body": BODY, "programme": PROGRAMME}[rule.kind]
            out.append(
                Candidate(
                    span.start,
                    span.end,
                    label,
                    "anaphor",
                    {"anaphor": rule.kind, "head": rule.head, "text": span.text},
                )
            )
        return out


def _possessed(doc: Doc, start: int) -> bool:
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


def _split_list(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
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


def _is_place_form(text: str) -> bool:
    """A council's place name, perhaps with "City" or "County", but not "X Council"."""
    return not set(normalise_name(text).split()) & {
        "council",
        "authority",
        "corporation",
        "borough",
    }


_COUNCIL_WORDS = frozenset({"council", "councils", "county", "borough", "district", "authority"})


def _is_bare_place(text: str) -> bool:
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


def _name_token(token: Token) -> bool:
    """Whether a token can be part of a person's name."""
    text = token.text
    if token.lower_ in _NAME_PARTICLES:
        return True
    if text in ("-",):
        return True
    if not text[:1].isupper():
        return False
    stripped = text.replace("-", "").replace("'", "").replace("’", "").replace(".", "")
    return stripped.isalpha()


def _role_text(span: Span) -> str:
    """A post as a label: lower case except acronyms ("LGA director" keeps "LGA")."""
    words = []
    for t in span:
        words.append(t.text if (t.is_upper and len(t.text) > 1) else t.text.lower())
        words.append(t.whitespace_)
    return "".join(words).strip()


def _token_set(candidates: Iterable[Candidate]) -> set[int]:
    return {i for c in candidates for i in range(c.start, c.end)}


def _drop_contained(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the longest of candidates of one kind that overlap."""
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(c.overlaps(k) for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def select(candidates: list[Candidate], doc: Doc) -> list[Candidate]:
    """Non-overlapping spans: longer first (by characters), then by source priority.

    A span from the model or a capitalisation rule never cuts through a gazetteer name, but
    a bare place name inside a longer organisation, programme or person ("Leeds Beckett
    University", "John Kent") gives way to it.
    """

    def rank(c: Candidate) -> tuple[int, int, int]:
        span = doc[c.start : c.end]
        return (-(span.end_char - span.start_char), c.priority, c.start)

    gazetteer = [c for c in candidates if c.source == "gazetteer"]
    kept: list[Candidate] = []
    for c in sorted(candidates, key=rank):
        if any(c.overlaps(k) for k in kept):
            continue
        if (
            c.source != "gazetteer"
            and "list" not in c.data
            and any(
                g.overlaps(c)
                and not (g.data.get("absorbable") and c.start <= g.start and g.end <= c.end)
                for g in gazetteer
            )
        ):
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: c.start)
