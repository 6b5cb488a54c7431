"""Extraction rules as data: the YAML files in ``ingest/rules/``, validated once by Pydantic.

Each file is read with line numbers kept, each entry of its main list is validated on its own,
and a bad entry fails with the file, the line and the reason::

    ingest/rules/relations.yaml:41: relation 'led-by': unknown slot 'ORGG' in pattern

Rules are loaded once per process (:func:`load_rule_set`); tests load a folder of their own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from graph.errors import ConfigError
from graph.model import Predicate

RULES_DIR = Path(__file__).resolve().parent / "rules"


class RuleError(ConfigError):
    """A rules file that is missing, not valid YAML, or has an entry that fails validation."""

    code = "bad_rules"

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _words(values: list[str]) -> list[str]:
    cleaned = [" ".join(str(v).split()) for v in values]
    if any(not v for v in cleaned):
        raise ValueError("empty word in list")
    return cleaned


# --------------------------------------------------------------------------- roles.yaml


class RoleRule(_Strict):
    """One post people hold: "leader", "director of ...", "health secretary"."""

    label: str
    kind: Literal["head", "member"]
    aliases: list[str] = Field(default_factory=list)
    portfolio: Literal["none", "optional", "required"] = "none"
    prepositions: list[str] = Field(default_factory=list)
    before: bool = False
    portfolios: list[str] = Field(default_factory=list)
    # a member post that, written bare ("its director", "whose director is"), heads a body,
    # though not a council, whose director runs one department
    heads_bodies: bool = False
    # a head post whose portfolio names a government department heads it ("Secretary of
    # State for Health"), where another head post with a portfolio leads a part of its body
    heads_department: bool = False

    _clean = field_validator("aliases", "prepositions", "portfolios")(_words)

    @model_validator(mode="after")
    def _portfolio_needs_a_way_in(self) -> RoleRule:
        if self.portfolio == "required" and not (self.prepositions or self.before):
            raise ValueError("a required portfolio needs 'prepositions' or 'before: true'")
        return self


class DepartmentRule(_Strict):
    """Portfolio words that name a government department ("health" -> Department of Health)."""

    portfolio: list[str]
    bodies: list[str]

    _clean = field_validator("portfolio", "bodies")(_words)


class Titles(_Strict):
    """Titles around people's names, stripped from the name and kept as data."""

    prefixes: list[str]
    suffixes: list[str] = Field(default_factory=list)

    _clean = field_validator("prefixes", "suffixes")(_words)


class RolesFile(_Strict):
    """roles.yaml: posts, the words around them, and titles."""

    roles: list[RoleRule]
    modifiers: list[str] = Field(default_factory=list)
    suffixes: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)
    council_roles: list[str] = Field(default_factory=list)
    department_roles: list[str] = Field(default_factory=list)
    departments: list[DepartmentRule] = Field(default_factory=list)
    titles: Titles

    _clean = field_validator(
        "modifiers", "suffixes", "not_before", "council_roles", "department_roles"
    )(_words)


# --------------------------------------------------------------------------- programmes.yaml


class CueRule(_Strict):
    """A word that marks a programme name ("X Fund", "X Pilot")."""

    word: str
    plural: str | None = None
    head: bool = True
    inside: bool = False
    lowercase: bool = False  # also names a programme in lower case ("the furlough scheme")
    focus: str | None = None  # which anaphors ("the fund") refer back to names with this cue

    @property
    def forms(self) -> tuple[str, str]:
        """The singular and plural of the cue word."""
        return self.word, self.plural or f"{self.word}s"


class KnownProgramme(_Strict):
    """A programme named without a cue word, or usually shortened ("Total Place")."""

    label: str
    aliases: list[str] = Field(default_factory=list)
    # written in lower case as often as not ("individual budgets"), so matched in either case
    lowercase: bool = False

    _clean = field_validator("aliases")(_words)


class ProgrammesFile(_Strict):
    """programmes.yaml: cue words, rating-scheme cues and well-known programme names."""

    cues: list[CueRule]
    scheme_cues: list[str] = Field(default_factory=list)
    drop_words: list[str] = Field(default_factory=list)
    undistinguished: list[str] = Field(default_factory=list)
    not_programmes: list[str] = Field(default_factory=list)
    apposition_kinds: list[str] = Field(default_factory=list)
    naming_phrases: list[str] = Field(default_factory=list)
    phase_words: list[str] = Field(default_factory=list)
    first_phase_phrases: list[str] = Field(default_factory=list)
    known: list[KnownProgramme] = Field(default_factory=list)

    _clean = field_validator(
        "scheme_cues",
        "drop_words",
        "undistinguished",
        "not_programmes",
        "apposition_kinds",
        "naming_phrases",
        "phase_words",
        "first_phase_phrases",
    )(_words)


# --------------------------------------------------------------------------- themes.yaml


class Concept(_Strict):
    """One skos:Concept of the policy-theme scheme."""

    key: str
    pref: str
    alt: list[str] = Field(default_factory=list)
    broader: str | None = None

    @field_validator("key")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
            raise ValueError(f"key {value!r} is not a lower-case slug")
        return value


class Scheme(_Strict):
    """The concept scheme itself."""

    key: str
    label: str


class ThemeCues(_Strict):
    """Words around a list of themes a text sets out."""

    list_nouns: list[str]  # "themes", "priorities", "strands"
    counted_nouns: list[str] = Field(default_factory=list)  # "four areas:", "six problems"
    list_verbs: list[str] = Field(default_factory=list)  # "concentrated on", "will look at"
    # "rates every authority from one to five on": a verb, its object, then "on" and the list
    scoring_verbs: list[str] = Field(default_factory=list)
    heading_nouns: list[str]  # "Theme 1: ...", "Priority 2 - ..."
    trailing_nouns: list[str]  # "the X strand", "the X work"
    strip_prefixes: list[str]  # "a network of", "the"
    stop_words: list[str]  # words that end a theme phrase ("who", "that", "which")
    anaphors: list[str]  # "this proposal", "the theme": the theme of the section
    generic_nouns: list[str] = Field(default_factory=list)  # "work", "approach": no theme
    section_leads: list[str] = Field(default_factory=list)  # "one lead council for each theme"

    _clean = field_validator("*")(_words)


class ThemesFile(_Strict):
    """themes.yaml: the concept scheme of policy themes and the cues that introduce themes."""

    scheme: Scheme
    concepts: list[Concept]
    cues: ThemeCues


# --------------------------------------------------------------------------- organisations.yaml


class AnaphorRule(_Strict):
    """A phrase that refers back to an organisation or programme in focus ("the council")."""

    phrases: list[str]
    kind: Literal["council", "body", "programme"]
    head: str | None = None  # the body or programme it refers to must have this word
    before: list[str] = Field(default_factory=list)  # counts only before one of these words

    _clean = field_validator("phrases", "before")(_words)


class OrganisationsFile(_Strict):
    """organisations.yaml: cue words for bodies outside the gazetteer, and anaphors."""

    cues: list[str]
    not_bodies: list[str] = Field(default_factory=list)
    appositive_nouns: list[str] = Field(default_factory=list)
    context_before: list[str] = Field(default_factory=list)
    venue_nouns: list[str] = Field(default_factory=list)
    not_person_words: list[str] = Field(default_factory=list)
    surname_words: list[str] = Field(default_factory=list)
    # abbreviations that end an organisation's name, and what they stand for
    head_abbreviations: dict[str, str] = Field(default_factory=dict)
    anaphors: list[AnaphorRule]

    _clean = field_validator(
        "cues",
        "not_bodies",
        "appositive_nouns",
        "context_before",
        "venue_nouns",
        "not_person_words",
        "surname_words",
    )(_words)


# --------------------------------------------------------------------------- relations.yaml

SLOT_KINDS: dict[str, tuple[str, ...]] = {
    "PERSON": ("PERSON",),
    "ORG": ("COUNCIL", "BODY"),
    "COUNCIL": ("COUNCIL",),
    "BODY": ("BODY",),
    "PROGRAMME": ("PROGRAMME",),
    "THEME": ("THEME",),
    "TARGET": ("PROGRAMME", "THEME"),  # or, when nothing is marked there, a noun phrase
    "ROLE": ("ROLE",),
}
POS_ELEMENTS = {"ADV": "ADV", "NUM": "NUM", "ADJ": "ADJ", "DET": "DET"}
_ELEMENT = re.compile(
    r"^(?:(?P<capture>[a-z]+)=)?(?P<body>[A-Z]+[0-9]?|_|[^\s?*+{}]+?)"
    r"(?P<op>\?|\*|\+|\{\d*,\d*\})?$"
)


@dataclass(frozen=True, slots=True)
class Element:
    """One element of a relation pattern: a slot, a literal word (or choice), or any token."""

    text: str
    slot: str | None  # "ORG", "ORG2", ...
    kinds: tuple[str, ...]  # entity labels a slot accepts
    words: tuple[str, ...]  # literal choices, lower case
    pos: str | None
    op: str | None
    capture: str | None

    def token_pattern(self) -> dict[str, Any]:
        """The element as a spaCy Matcher token pattern."""
        pattern: dict[str, Any]
        if self.slot:
            pattern = {"ENT_TYPE": {"IN": list(self.kinds)}}
            if self.slot.rstrip("0123456789") == "TARGET":
                # a marked programme or theme, or the first word of an unmarked noun phrase
                pattern = {"_": {"target": True}}
        elif self.pos:
            pattern = {"POS": self.pos, "ENT_TYPE": ""}
        elif self.words == ("_",):
            pattern = {}
        else:
            pattern = {"LOWER": {"IN": list(self.words)}}
        if self.op:
            pattern["OP"] = self.op
        return pattern


_POSSESSIVE = ("'s", "’s", "'", "’")


def parse_pattern(text: str) -> list[Element]:
    """Parse a pattern such as ``"PERSON , the? ROLE of|at the? ORG"`` into elements."""
    elements = []
    for raw in text.split():
        match = _ELEMENT.match(raw)
        if not match:
            raise ValueError(f"cannot read pattern element {raw!r}")
        body, op, capture = match["body"], match["op"], match["capture"]
        slot = None
        kinds: tuple[str, ...] = ()
        words: tuple[str, ...] = ()
        pos = None
        if re.fullmatch(r"[A-Z]+[0-9]?", body):
            base = body.rstrip("0123456789")
            if base in POS_ELEMENTS:
                pos = POS_ELEMENTS[base]
            elif base in SLOT_KINDS:
                slot, kinds = body, SLOT_KINDS[base]
            else:
                choices = ", ".join([*SLOT_KINDS, *POS_ELEMENTS])
                raise ValueError(f"unknown slot {body!r} in pattern; choose {choices}")
        elif body == "_":
            words = ("_",)
        elif body == "'s":
            words = _POSSESSIVE
        else:
            words = tuple(w.lower() for w in body.split("|"))
            if any(not w or w != w.strip() for w in words):
                raise ValueError(f"empty choice in {raw!r}")
        if capture and slot:
            raise ValueError(f"{raw!r}: a slot cannot be captured; it already has a name")
        elements.append(Element(raw, slot, kinds, words, pos, op, capture))
    if not elements:
        raise ValueError("empty pattern")
    if all(e.op in ("?", "*") for e in elements):
        raise ValueError("every element is optional; the pattern would match nothing useful")
    return elements


RelationKind = Literal[
    "leads",
    "participatesIn",
    "rated",
    "memberOf",
    "partOf",
    "created",
    "hasTheme",
    "themeOf",
]
# Kinds read from the other end: "ORG set up PROGRAMME" states PROGRAMME createdBy ORG, and
# "themes: A, B" states PROGRAMME hasTheme A, B.
INVERSE_KINDS = ("created", "themeOf")
FOCUS_KINDS = ("programme", "owner", "pilot", "fund", "scheme", "theme", "target")


class RelationRule(_Strict):
    """A relation trigger: a token pattern over marked mentions, and what it asserts."""

    name: str
    predicate: RelationKind
    pattern: str
    subject: str
    object: str | None = None  # a slot, or None to take the focus named by `focus`
    focus: Literal[FOCUS_KINDS] | None = None  # type: ignore[valid-type]
    rating: str | None = None  # a literal or a template with {captures}
    subject_head: list[str] = Field(default_factory=list)  # the subject's last word is one
    confidence: float = Field(0.8, gt=0, le=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
            raise ValueError(f"name {value!r} is not a lower-case slug")
        return value

    @model_validator(mode="after")
    def _slots_exist(self) -> RelationRule:
        try:
            elements = parse_pattern(self.pattern)
        except ValueError as exc:
            raise ValueError(f"relation {self.name!r}: {exc}") from None
        slots = {e.slot for e in elements if e.slot}
        captures = {e.capture for e in elements if e.capture}
        for field in ("subject", "object"):
            value = getattr(self, field)
            if value is not None and value not in slots:
                raise ValueError(
                    f"relation {self.name!r}: {field} {value!r} is not a slot of its pattern"
                )
        if self.object is None and self.focus is None:
            raise ValueError(f"relation {self.name!r}: give an 'object' slot or a 'focus'")
        if self.predicate == "rated" and not self.rating:
            raise ValueError(f"relation {self.name!r}: a rating needs 'rating'")
        for name in re.findall(r"{(\w+)}", self.rating or ""):
            if name not in captures:
                raise ValueError(f"relation {self.name!r}: rating uses unknown capture {name!r}")
        return self

    @property
    def elements(self) -> list[Element]:
        """The parsed pattern."""
        return parse_pattern(self.pattern)

    @property
    def predicates(self) -> tuple[Predicate, ...]:
        """The graph predicates the rule asserts."""
        return {
            "leads": (Predicate.LEADS,),
            "participatesIn": (Predicate.PARTICIPATES_IN,),
            "rated": (Predicate.RATED,),
            "memberOf": (Predicate.MEMBER_OF,),
            "partOf": (Predicate.SUB_ORGANIZATION_OF,),
            "created": (Predicate.CREATED_BY,),
            "hasTheme": (Predicate.HAS_THEME,),
            "themeOf": (Predicate.HAS_THEME,),
        }[self.predicate]

    @property
    def inverse(self) -> bool:
        """Whether the claim's subject is the rule's object (see INVERSE_KINDS)."""
        return self.predicate in INVERSE_KINDS


class RelationsFile(_Strict):
    """relations.yaml: every relation trigger."""

    relations: list[RelationRule]
    studies: list[str] = Field(default_factory=list)

    _clean = field_validator("studies")(_words)

    @model_validator(mode="after")
    def _unique_names(self) -> RelationsFile:
        seen: set[str] = set()
        for rule in self.relations:
            if rule.name in seen:
                raise ValueError(f"relation {rule.name!r} is defined twice")
            seen.add(rule.name)
        return self


# --------------------------------------------------------------------------- frames.yaml


class RatingValue(_Strict):
    """A rating and the phrases that give it ("zero stars": "zero-star", "no stars")."""

    rating: str
    phrases: list[str] = Field(min_length=1)

    _check = field_validator("phrases")(_words)


class RatingFrame(_Strict):
    """The words that make a list of councils a rating, and the ratings they give."""

    values: list[RatingValue] = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    verbs: list[str] = Field(default_factory=list)

    _check = field_validator("cues", "verbs")(_words)


class CueFrame(_Strict):
    """The words that make a list say one thing (membership, participation)."""

    cues: list[str] = Field(min_length=1)
    whole_first: list[str] = Field(default_factory=list)  # membership: "X includes A and B"
    # membership: words that make councils members, but a body a part ("Leeds is part of the
    # combined authority"; "the unit, part of the department" is a sub-organisation)
    councils_only: list[str] = Field(default_factory=list)
    # phrases that open with a cue but do not say it ("the areas of the former councils")
    not_cues: list[str] = Field(default_factory=list)

    _check = field_validator("cues", "whole_first", "councils_only", "not_cues")(_words)


class VerbPost(_Strict):
    """Verbs that state a head post without a post word ("has led the council")."""

    role: str
    words: list[str] = Field(min_length=1)

    _check = field_validator("words")(_words)


class PostFrame(_Strict):
    """The words that may join a person, a post and an organisation in a sentence."""

    links: list[str] = Field(min_length=1)
    as_verbs: list[str]
    verbs: list[VerbPost]
    succession: list[str]
    cabinet_cues: list[str] = Field(default_factory=list)

    _check = field_validator("links", "as_verbs", "succession", "cabinet_cues")(_words)


def _forms(values: list[list[str]]) -> list[list[str]]:
    return [_words(v) for v in values]


class AgentFrame(_Strict):
    """Verbs that make an organisation the leader or the creator of a programme."""

    leads: list[list[str]] = Field(min_length=1)
    created: list[list[str]] = Field(min_length=1)
    lead_nouns: list[str]
    focus_phrases: list[str]

    _check_forms = field_validator("leads", "created")(_forms)
    _check = field_validator("lead_nouns", "focus_phrases")(_words)


class PartFrame(_Strict):
    """The words that put a body inside another."""

    of_nouns: list[str]
    within_verbs: list[str]
    unit_heads: list[str]

    _check = field_validator("*")(_words)


class TableFrame(_Strict):
    """The header words that say what a table's columns hold."""

    lead_headers: list[str]
    org_headers: list[str]
    programme_headers: list[str]
    participant_headers: list[str]

    _check = field_validator("*")(_words)


class FramesFile(_Strict):
    """frames.yaml: what a list of councils or bodies says, by the words around it, and the
    words that join a person to a post."""

    negative: list[str]
    rating: RatingFrame
    membership: CueFrame
    participation: CueFrame
    posts: PostFrame
    agents: AgentFrame
    parts: PartFrame
    tables: TableFrame

    _check = field_validator("negative")(_words)


# --------------------------------------------------------------------------- loading

SCHEMAS: dict[str, type[_Strict]] = {
    "roles": RolesFile,
    "programmes": ProgrammesFile,
    "themes": ThemesFile,
    "organisations": OrganisationsFile,
    "relations": RelationsFile,
    "frames": FramesFile,
}


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(value: Any, location: tuple[Any, ...]) -> int | None:
    """The line of the deepest mapping along a Pydantic error location."""
    line = value.get("__line__") if isinstance(value, dict) else None
    for step in location:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(value, dict) and "__line__" in value:
            line = value["__line__"]
    return line


def _reason(error: dict[str, Any]) -> str:
    location = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    message = error["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def load_rule_file(name: str, rules_dir: Path = RULES_DIR) -> Any:
    """Read and validate ``{rules_dir}/{name}.yaml`` against its schema."""
    if name not in SCHEMAS:
        raise RuleError(rules_dir / f"{name}.yaml", None, f"no schema for rules {name!r}")
    return validate_yaml_file(rules_dir / f"{name}.yaml", SCHEMAS[name])


def validate_yaml_file(path: Path, schema: type[BaseModel]) -> Any:
    """Read a YAML file and validate it against `schema`; a problem raises RuleError naming
    the file, the line of the entry at fault, and the reason."""
    if not path.is_file():
        raise RuleError(path, None, "rules file not found")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RuleError(path, line, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise RuleError(path, 1, "expected a mapping at the top")
    try:
        return schema.model_validate(_strip_lines(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleError(path, _line_of(raw, tuple(first["loc"])), _reason(first)) from None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every extraction rules file, validated."""

    roles: RolesFile
    programmes: ProgrammesFile
    themes: ThemesFile
    organisations: OrganisationsFile
    relations: RelationsFile
    frames: FramesFile
    rules_dir: Path

    def __iter__(self) -> Iterator[Any]:
        """The parsed files, in a fixed order."""
        yield from (
            self.roles,
            self.programmes,
            self.themes,
            self.organisations,
            self.relations,
            self.frames,
        )


def read_rule_set(rules_dir: Path = RULES_DIR) -> RuleSet:
    """Read and validate every rules file in a folder."""
    files = {name: load_rule_file(name, rules_dir) for name in SCHEMAS}
    return RuleSet(**files, rules_dir=rules_dir)


@functools.cache
def load_rule_set(rules_dir: Path = RULES_DIR) -> RuleSet:
    """The shipped rules, read and validated once per process."""
    return read_rule_set(rules_dir)
