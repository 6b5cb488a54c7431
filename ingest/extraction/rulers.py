"""spaCy span rulers for gazetteer names, abbreviations, post words, known programmes and
anaphors, added after the model's components."""

from __future__ import annotations

from typing import Any

from spacy.language import Language

from graph.model import EntityKind
from ingest.extraction.labels import BODY, COUNCIL, PROGRAMME, ROLE
from ingest.extraction.mention_rules import MentionRules

# Modifiers that make "the X programme" another programme than the one in focus.
_OTHER_ONE = frozenset(
    {"other", "previous", "former", "earlier", "next", "last", "old", "original", "similar"}
    | {"separate", "rival", "different", "same", "successor", "existing", "national", "local"}
)

# The doc.spans key the abbreviation ruler writes to (the names ruler writes to "gazetteer").
ABBREVIATION_SPANS = "abbreviations"


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
    # "the expanded programme", "the new scheme": a programme's anaphor with a modifier
    anaphor_patterns += [
        {
            "label": "ANAPHOR",
            "id": str(number),
            "pattern": [
                {"LOWER": "the"},
                {"TAG": {"IN": ["JJ", "VBN"]}, "LOWER": {"NOT_IN": list(_OTHER_ONE)}},
                {"LOWER": phrase.split()[1]},
            ],
        }
        for number, rule in enumerate(mention_rules.anaphors)
        if rule.kind == "programme"
        for phrase in rule.phrases
        if len(phrase.split()) == 2 and phrase.split()[0] == "the"
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
