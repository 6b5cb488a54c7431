"""The rule files compiled for mention finding: word sets and role tables."""

from __future__ import annotations

from ingest.gazetteer import Gazetteer, load_rules, normalise_name
from ingest.rules import RoleRule, RuleSet


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
        self.surname_words = {n.lower() for n in organisations.surname_words}
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
        self.undistinguished = {w.lower() for w in programmes.undistinguished}
        self.phase_words = {w.lower() for w in programmes.phase_words}
        self.first_phase_phrases = [tuple(p.split()) for p in programmes.first_phase_phrases]
        self.lowercase_known = {k.label for k in programmes.known if k.lowercase}
        self.not_programmes = {normalise_name(n) for n in programmes.not_programmes}
        self.apposition_kinds = {k.lower() for k in programmes.apposition_kinds}
        self.naming_phrases = [tuple(p.lower().split()) for p in programmes.naming_phrases]
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
