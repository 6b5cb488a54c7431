"""Councils and national bodies by name: the gazetteer that mention resolution looks up.

The gazetteer is built from the compact reference files in ``ingest/data/`` (made by
``python -m ingest.build_gazetteers``) and the curated rules in ``ingest/rules/``. It is
loaded once per process (:func:`load_gazetteer`) and never reads the shared data folder.

Names are matched after :func:`normalise_name`; abbreviations ("LGA", "DfE", "IDeA") are
kept apart and matched only in their own case or all in capitals, so that a lower-case
"dh" inside ordinary text never becomes the Department of Health. A body whose name is also an
ordinary word ("Crisis", "Mind", "Unite") lists that name as ``ambiguous`` in
rules/bodies.yaml; mention finding then takes it only as written and where it reads as a name.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.model import Entity, EntityKind

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_DIR = Path(__file__).resolve().parent / "rules"

# GOV.UK abbreviations shorter than this ("EA", "SE", "HO", "CO") collide with ordinary
# words and region names; a curated entry in rules/bodies.yaml can still add one ("DH").
MIN_GOVUK_ABBREVIATION = 3

# Council types whose bare place name is usually a region, not the authority
# ("West Midlands", "Greater London"): always ambiguous without a cue.
_REGION_LIKE_TYPES = frozenset({"COMB", "SRA"})

# On a tie, a county or unitary outranks a district of the same name ("Durham" before
# 2009), and any council outranks a combined authority.
_TYPE_RANK = {"NMD": 1, "COMB": 2, "SRA": 2}

# Words that mark a name as naming the authority rather than the place.
_COUNCIL_CUES = frozenset(
    {
        "council",
        "councils",
        "borough",
        "district",
        "county",
        "corporation",
        "authority",
        "combined",
        "metropolitan",
        "ua",
        "ca",
        "mbc",
        "cbc",
        "comhairle",
    }
)

# Affixes removed to find a council's bare place name, longest first.
_COUNCIL_SUFFIXES = (
    " mayoral combined authority",
    ", city of",
    " city of",
    " combined county authority",
    " combined authority",
    " metropolitan borough council",
    " metropolitan district council",
    " city and district council",
    " county borough council",
    " london borough council",
    " borough council",
    " district council",
    " county council",
    " city council",
    " london boro",
    " corporation",
    " authority",
    " council",
    " district",
    " mbc",
    " ua",
    " ca",
)
_COUNCIL_PREFIXES = (
    "metropolitan borough of ",
    "city and county of ",
    "london borough of ",
    "royal borough of ",
    "council of the ",
    "borough of ",
    "district of ",
    "city of ",
)

# Forms generated from a bare place name X, by mySociety authority type.
_TYPE_PATTERNS: dict[str, tuple[str, ...]] = {
    "CTY": ("{} County Council", "{} County"),
    "NMD": (
        "{} District Council",
        "{} Borough Council",
        "{} City Council",
        "Borough of {}",
        "City of {} Council",
    ),
    "MD": (
        "{} Metropolitan Borough Council",
        "{} Metropolitan District Council",
        "{} MBC",
        "{} Borough Council",
        "{} City Council",
        "City of {} Council",
        "Metropolitan Borough of {}",
    ),
    "LBO": ("London Borough of {}", "{} London Borough Council", "{} Borough Council"),
    "UA": (
        "{} Borough Council",
        "{} City Council",
        "{} County Council",
        "Borough of {}",
        "City of {} Council",
    ),
    "WPA": ("{} County Council", "{} County Borough Council", "{} City Council"),
    "SCO": ("{} City Council", "City of {} Council"),
    "NID": ("{} Borough Council", "{} District Council", "{} City Council"),
    "COMB": ("{} Combined Authority",),
    "CC": (),
    "SRA": (),
}

_QUOTES = str.maketrans({c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4`"})
_DASHES = re.compile(r"[\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212_/]+")
_DROP = re.compile(r"[.,\"\u201c\u201d\u201e()\[\]{}:;!?*]+")
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_SMALL_WORDS = frozenset({"and", "of", "the", "upon", "on", "in", "with", "under", "le", "nan"})


class GazetteerError(Exception):
    """A gazetteer data or rules file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One council or body the gazetteer knows, with every name it goes by."""

    ref: str  # "{kind}/{key}", e.g. "council/ken"
    kind: EntityKind
    key: str
    label: str  # the official or canonical name, e.g. "Kent County Council"
    names: tuple[str, ...]  # every surface name, abbreviations included
    abbreviations: tuple[str, ...] = ()
    identifiers: dict[str, str] = field(default_factory=dict)
    start: str | None = None  # ISO date (or YYYY / YYYY-MM) the body began
    end: str | None = None  # ISO date it ended; None while it exists
    parent: str | None = None  # ref of the body this one is part of
    # names and short forms that are also ordinary words ("Crisis", "Reform"), as written
    ambiguous: tuple[str, ...] = ()

    def __hash__(self) -> int:
        """Hash by ref: identifiers is a dict, and the ref is unique anyway."""
        return hash(self.ref)

    @property
    def current(self) -> bool:
        """Whether the body still exists (no end date and not closed)."""
        return self.end is None and self.identifiers.get("status") != "closed"

    def in_office(self, on: str) -> bool:
        """Whether the body existed on the ISO date ``on`` (missing bounds are open).

        Bounds are compared at their own precision, so an end of "2007" covers all of
        2007. The end is inclusive because the sources disagree on whether an end date
        is the last day (2019-03-31) or the successor's first (2023-04-01); lookups rank
        the newer body first on such a shared day.
        """
        if self.start and on[: len(self.start)] < self.start:
            return False
        return not (self.end and on[: len(self.end)] > self.end)

    def to_entity(self) -> Entity:
        """The entry as a graph ``Entity``."""
        aliases = tuple(n for n in self.names if n != self.label)
        return Entity(
            key=self.key,
            kind=self.kind,
            label=self.label,
            aliases=aliases,
            identifiers=dict(self.identifiers),
            parent=self.parent,
        )


@dataclass(frozen=True, slots=True)
class SurfaceForm:
    """One way of writing an entry's name, for building phrase patterns."""

    text: str
    entry: GazetteerEntry
    bare: bool  # a bare place name ("Kent"), with no "Council", "Borough" or the like
    abbreviation: bool  # match case-sensitively (or all in capitals) only
    generated: bool  # made from a pattern rather than listed in the reference data


def unify_quotes(text: str) -> str:
    """A text with every kind of apostrophe and single quote written as "'"."""
    return text.translate(_QUOTES)


def normalise_name(text: str) -> str:
    """Fold a name to its lookup form: "The Dept. of Health's" -> "dept of health".

    Case-folds; unifies quotes; turns hyphens and dashes into spaces and "&" into "and";
    strips a final possessive ("'s", "s'") and other apostrophes; drops a leading "the"
    and punctuation such as "." and ","; collapses whitespace.
    """
    text = text.translate(_QUOTES).casefold()
    text = text.replace("&", " and ")
    text = _DASHES.sub(" ", text)
    text = _DROP.sub(" ", text)
    text = " ".join(text.split())
    if text.endswith("'s"):
        text = text[:-2]
    text = text.replace("'", "")
    if text.startswith("the "):
        text = text[4:]
    return " ".join(text.split())


# The loader normalises tens of thousands of mostly repeated names.
_normalise = functools.lru_cache(maxsize=1 << 16)(normalise_name)


def _is_bare(name: str) -> bool:
    return not (set(_normalise(name).split()) & _COUNCIL_CUES)


def _smart_title(name: str) -> str:
    """Title-case a lower-case-only name from the data ("kent county" -> "Kent County")."""
    if name != name.lower():
        return name
    words = name.split()
    return " ".join(
        w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def _strip_council_affixes(name: str, council_type: str) -> str:
    """The bare place name inside a council name ("London Borough of Camden" -> "Camden")."""
    base = " ".join(name.replace("(", " ").replace(")", " ").split())
    lowered = base.casefold()
    suffixes = list(_COUNCIL_SUFFIXES)
    if council_type not in _REGION_LIKE_TYPES:
        # "Westminster City", "Hull City"; last, and never for a combined authority, so
        # that "Liverpool City CA" does not become bare "Liverpool".
        suffixes.append(" city")
    if council_type == "CTY":
        suffixes.append(" county")  # mySociety's nice name "Buckinghamshire County"
    for suffix in suffixes:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            base = base[: -len(suffix)]
            lowered = lowered[: -len(suffix)]
            break
    if council_type not in ("CC", "SRA"):  # "City of London" must keep its "City of"
        for prefix in _COUNCIL_PREFIXES:
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                base = base[len(prefix) :]
                break
    return " ".join(base.strip(" ,").split())


_HYPHENATED_PLACE = re.compile(r"^([A-Z][a-z]+)-(?:in|on|upon|under|le)-[A-Z]")


def council_name_variants(entry: GazetteerEntry) -> list[str]:
    """Every sensible way of writing a council's name, listed names first.

    From each bare place name in the entry's names ("Kent", "Camden") it makes "X Council"
    and the forms usual for the authority's type ("X County Council", "London Borough of
    X", "X Metropolitan Borough Council", ...), so that "Kent", "Kent Council" and "Kent
    County Council" all name Kent County Council.
    """
    council_type = entry.identifiers.get("type", "")
    listed = [n for n in (entry.label, *entry.names) if n not in entry.abbreviations]
    bases = _unique(_smart_title(_strip_council_affixes(n, council_type)) for n in listed)
    # Combined authorities, the GLA and the City of London are never "X Council".
    generic = ["{}"] if council_type in _REGION_LIKE_TYPES | {"CC"} else ["{}", "{} Council"]
    patterns = [*generic, *_TYPE_PATTERNS.get(council_type, ())]
    label = entry.label.casefold()
    if "royal borough" in label:
        patterns.append("Royal Borough of {}")
    if label.startswith("city of ") and council_type not in ("CC", "SRA"):
        # "City of Westminster" is usually "Westminster City Council".
        patterns += ["{} City Council", "City of {} Council"]
    generated = [pattern.format(base) for base in bases for pattern in patterns]
    # "Stoke City Council" for Stoke-on-Trent, "Southend Borough Council" for Southend-on-Sea:
    # the town without its qualifier, never bare (a bare "Stoke" is any Stoke)
    shortened = [_HYPHENATED_PLACE.match(base) for base in bases]
    generated += [
        pattern.format(short.group(1))
        for short in shortened
        if short
        for pattern in patterns
        if pattern != "{}"
    ]
    return _unique([*(_smart_title(n) for n in listed), *generated])


def _body_name_variants(names: Iterable[str]) -> list[str]:
    """Common rewritings of a body's name: "Dept for X", "X & Y", without "The"."""
    out: list[str] = []
    for name in names:
        out.append(name)
        if name.startswith("Department "):
            out.append("Dept " + name[len("Department ") :])
        if name.startswith("The "):
            out.append(name[4:])
        if name.startswith("HM "):
            out.append("Her Majesty's " + name[3:])
    return _unique(out)


def _unique(values: Iterable[str]) -> list[str]:
    """Keep the first of the values that normalise alike, unless only a later one has capitals."""
    chosen: dict[str, str] = {}
    for value in values:
        value = " ".join(value.split())
        norm = _normalise(value)
        if not norm:
            continue
        kept = chosen.get(norm)
        if kept is None or (kept == kept.lower() and value != value.lower()):
            chosen[norm] = value
    return list(chosen.values())


def _surface_spellings(name: str) -> list[str]:
    """A name as written plus its spelling with spaces for hyphens, "and" for "&", and
    "St" with or without its full stop ("St. Helens", "St Albans")."""
    spellings = [name]
    if re.search(r"\bSt\. ", name):
        spellings.append(re.sub(r"\bSt\. ", "St ", name))
    elif re.search(r"\bSt ", name):
        spellings.append(re.sub(r"\bSt ", "St. ", name))
    if "-" in name:
        spellings.append(name.replace("-", " "))
    if "&" in name:
        spellings.append(" ".join(name.replace("&", " and ").split()))
    elif " and " in name:
        spellings.append(name.replace(" and ", " & "))
    return spellings


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise GazetteerError(
            f"{path}: file not found; build it with `python -m ingest.build_gazetteers "
            "../shared/data`"
        )
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GazetteerError(f"{path}: line {number} is not valid JSON ({exc})") from exc
            if not isinstance(record, dict) or not record.get("key"):
                raise GazetteerError(f"{path}: line {number} is not an object with a key")
            records.append(record)
    return records


@functools.cache
def load_rules(name: str, rules_dir: Path = RULES_DIR) -> Any:
    """The parsed YAML of ``ingest/rules/{name}.yaml`` (loaded once per process)."""
    path = rules_dir / f"{name}.yaml"
    if not path.is_file():
        raise GazetteerError(f"{path}: rules file not found")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{path}: not valid YAML ({exc})") from exc


def _council_entry(record: dict[str, Any], path: Path) -> tuple[GazetteerEntry, set[str]]:
    """A council's entry and the normalised names the reference data lists for it."""
    try:
        key = str(record["key"])
        label = str(record["official_name"])
        nice = str(record["nice_name"])
    except KeyError as exc:
        raise GazetteerError(f"{path}: council {record.get('key')!r} has no {exc}") from exc
    identifiers = {
        "gss": record.get("gss") or "",
        "former_gss": ",".join(record.get("former_gss") or []),
        "type": record.get("type") or "",
        "nation": record.get("nation") or "",
        "region": record.get("region") or "",
    }
    county = record.get("county_la")
    listed = (nice, *record.get("alt_names", ()))
    draft = GazetteerEntry(
        ref=f"{EntityKind.COUNCIL.value}/{key}",
        kind=EntityKind.COUNCIL,
        key=key,
        label=label,
        names=listed,
        identifiers={k: v for k, v in identifiers.items() if v},
        start=record.get("start"),
        end=record.get("end"),
        parent=f"{EntityKind.COUNCIL.value}/{county}" if county else None,
    )
    entry = _replace_names(draft, council_name_variants(draft), ())
    return entry, {_normalise(n) for n in (label, *listed)}


def _replace_names(
    entry: GazetteerEntry, names: Iterable[str], abbreviations: Iterable[str]
) -> GazetteerEntry:
    names = tuple(_unique([entry.label, *names]))
    # A short form that is also a full name ("Ofsted") is matched as a name, in any case.
    name_forms = {_normalise(n) for n in names}
    abbreviations = tuple(
        a for a in _unique_exact(abbreviations) if _normalise(a) not in name_forms
    )
    return GazetteerEntry(
        ref=entry.ref,
        kind=entry.kind,
        key=entry.key,
        label=entry.label,
        names=(*names, *abbreviations),
        abbreviations=abbreviations,
        identifiers=entry.identifiers,
        start=entry.start,
        end=entry.end,
        parent=entry.parent,
        ambiguous=entry.ambiguous,
    )


def _unique_exact(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _body_entries(
    records: list[dict[str, Any]], rules: Any, rules_path: Path
) -> list[tuple[GazetteerEntry, set[str]]]:
    """GOV.UK bodies merged with the curated list in rules/bodies.yaml, with listed names."""
    govuk = {str(r["key"]): r for r in records}
    if not isinstance(rules, dict) or not isinstance(rules.get("bodies"), list):
        raise GazetteerError(f"{rules_path}: expected a mapping with a 'bodies' list")
    curated: dict[str, dict[str, Any]] = {}
    for number, item in enumerate(rules["bodies"], 1):
        if not isinstance(item, dict):
            raise GazetteerError(f"{rules_path}: body #{number} is not a mapping")
        slug = item.get("govuk")
        key = item.get("key") or slug
        if not key:
            raise GazetteerError(f"{rules_path}: body #{number} has neither 'key' nor 'govuk'")
        if slug and slug not in govuk:
            raise GazetteerError(
                f"{rules_path}: body {key!r} names GOV.UK slug {slug!r}, which is not in "
                "ingest/data/bodies.jsonl"
            )
        if slug and key != slug:
            raise GazetteerError(f"{rules_path}: body {key!r}: 'key' must equal 'govuk'")
        if not slug and not item.get("label"):
            raise GazetteerError(f"{rules_path}: body {key!r} has no 'label'")
        if key in curated:
            raise GazetteerError(f"{rules_path}: body {key!r} is listed twice")
        for list_field in ("aliases", "abbreviations"):
            value = item.get(list_field, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise GazetteerError(f"{rules_path}: body {key!r}: {list_field!r} must be a list")
        for date_field in ("start", "end"):
            value = item.get(date_field)
            if value is not None and not _ISO_DATE.fullmatch(str(value)):
                raise GazetteerError(
                    f"{rules_path}: body {key!r}: {date_field!r} is not an ISO date: {value!r}"
                )
        curated[str(key)] = item
        item_names = [
            item.get("label") or govuk.get(str(slug), {}).get("name") or "",
            *item.get("aliases", ()),
            *item.get("abbreviations", ()),
        ]
        _ambiguous_names(item, item_names, f"{rules_path}: body {key!r}")

    keys = set(govuk) | set(curated)
    entries = []
    for key in sorted(keys):
        record = govuk.get(key, {})
        item = curated.get(key, {})
        label = str(item.get("label") or record.get("name"))
        names = [
            label,
            *([record["name"]] if record.get("name") else []),
            *record.get("alt_names", ()),
            *item.get("aliases", ()),
        ]
        abbreviations = [str(a) for a in item.get("abbreviations", ())]
        abbreviations += [
            a for a in record.get("abbreviations", ()) if len(a) >= MIN_GOVUK_ABBREVIATION
        ]
        parent_key = item.get("parent") or next(
            (p for p in record.get("parents", ()) if p in keys), None
        )
        if parent_key and parent_key not in keys:
            raise GazetteerError(f"{rules_path}: body {key!r} has unknown parent {parent_key!r}")
        identifiers = {
            "govuk": key if record else "",
            "type": record.get("type") or "",
            "status": record.get("status") or "",
        }
        draft = GazetteerEntry(
            ref=f"{EntityKind.BODY.value}/{key}",
            kind=EntityKind.BODY,
            key=key,
            label=label,
            names=(),
            identifiers={k: v for k, v in identifiers.items() if v},
            start=_text(item.get("start")) or record.get("start"),
            end=_text(item.get("end")) or record.get("end"),
            parent=f"{EntityKind.BODY.value}/{parent_key}" if parent_key else None,
            ambiguous=_ambiguous_names(item, [*names, *abbreviations], str(rules_path)),
        )
        entry = _replace_names(draft, _body_name_variants(names), abbreviations)
        if entry.abbreviations:  # the short forms that survived merging with the names
            entry.identifiers["abbreviation"] = entry.abbreviations[0]
        entries.append((entry, {_normalise(n) for n in names}))
    return entries


def _ambiguous_names(item: dict[str, Any], names: list[str], where: str) -> tuple[str, ...]:
    """The names a curated body marks ``ambiguous``: ``true`` for all of them, or a list.

    A listed name must be one of the entry's label, aliases or abbreviations, as written.
    """
    value = item.get("ambiguous", False)
    if value is True:
        return tuple(dict.fromkeys(n for n in names if n))
    if value is False:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GazetteerError(f"{where}: 'ambiguous' must be true, false or a list of its names")
    unknown = [v for v in value if v not in names]
    if unknown:
        raise GazetteerError(
            f"{where}: 'ambiguous' lists {', '.join(map(repr, unknown))}, which is not its "
            "label, an alias or an abbreviation"
        )
    return tuple(dict.fromkeys(value))


def _text(value: Any) -> str | None:
    # YAML reads an unquoted 2007-06-28 as a date; keep every date as ISO text.
    return None if value is None else str(value)


class Gazetteer:
    """Councils and bodies by name, abbreviation and reference."""

    def __init__(self, data_dir: Path = DATA_DIR, rules_dir: Path = RULES_DIR) -> None:
        """Load the reference files in ``data_dir`` and the curated rules in ``rules_dir``."""
        councils_path = data_dir / "councils.jsonl"
        bodies_path = data_dir / "bodies.jsonl"
        loaded = [_council_entry(r, councils_path) for r in _read_jsonl(councils_path)]
        loaded += _body_entries(
            _read_jsonl(bodies_path), load_rules("bodies", rules_dir), rules_dir / "bodies.yaml"
        )
        self._entries: dict[str, GazetteerEntry] = {}
        for entry, _listed in loaded:
            if entry.ref in self._entries:
                raise GazetteerError(f"{data_dir}: {entry.ref} is defined twice")
            self._entries[entry.ref] = entry
        self._by_name: dict[str, dict[str, int]] = {}  # normalised name -> ref -> tier
        self._by_abbreviation: dict[str, set[str]] = {}
        self._by_upper_abbreviation: dict[str, set[str]] = {}
        # normalised name -> the spellings (quotes unified) a body marks as ambiguous
        self._ambiguous_names: dict[str, set[str]] = {}
        self._forms: list[SurfaceForm] = []
        region_like_bare: set[str] = set()
        for entry, listed in loaded:
            for name in entry.names:
                if name in entry.abbreviations:
                    continue
                norm = _normalise(name)
                tier = 0 if norm in listed else 1  # a listed name outranks a generated one
                refs = self._by_name.setdefault(norm, {})
                refs[entry.ref] = min(tier, refs.get(entry.ref, tier))
                bare = entry.kind is EntityKind.COUNCIL and _is_bare(name)
                if bare and entry.identifiers.get("type") in _REGION_LIKE_TYPES:
                    region_like_bare.add(norm)
                self._forms.extend(
                    SurfaceForm(spelling, entry, bare, False, tier == 1)
                    for spelling in _surface_spellings(name)
                )
            for abbreviation in entry.abbreviations:
                self._by_abbreviation.setdefault(abbreviation, set()).add(entry.ref)
                self._by_upper_abbreviation.setdefault(abbreviation.upper(), set()).add(entry.ref)
                self._forms.append(SurfaceForm(abbreviation, entry, False, True, False))
            for name in entry.ambiguous:
                spelling = unify_quotes(" ".join(name.split()))
                spellings = self._ambiguous_names.setdefault(_normalise(spelling), set())
                spellings.add(spelling)
                if spelling.startswith("The "):  # "The Health Foundation", "Health Foundation"
                    spellings.add(spelling[4:])
        council_bare = {
            normalise_name(f.text)
            for f in self._forms
            if f.bare and f.entry.kind is EntityKind.COUNCIL
        }
        ambiguous = load_rules("ambiguous_place_names", rules_dir)
        path = rules_dir / "ambiguous_place_names.yaml"
        if not isinstance(ambiguous, dict) or not isinstance(ambiguous.get("names"), list):
            raise GazetteerError(f"{path}: expected a mapping with a 'names' list")
        listed_ambiguous = {normalise_name(str(n)) for n in ambiguous["names"]}
        unknown = sorted(listed_ambiguous - council_bare)
        if unknown:
            raise GazetteerError(f"{path}: not bare council names: {', '.join(unknown)}")
        council_bare_not_region_like = {
            normalise_name(f.text)
            for f in self._forms
            if f.bare
            and f.entry.kind is EntityKind.COUNCIL
            and f.entry.identifiers.get("type") not in _REGION_LIKE_TYPES
        }
        # A region-like bare name that is also an ordinary council's name stays unambiguous.
        region_like_bare -= council_bare_not_region_like
        self._ambiguous_bare = frozenset(listed_ambiguous | region_like_bare)
        # Spelling variants can repeat a listed name ("Southend on Sea"); keep the first.
        unique_forms: dict[tuple[str, str], SurfaceForm] = {}
        for form in self._forms:
            unique_forms.setdefault((form.text, form.entry.ref), form)
        self._forms = list(unique_forms.values())

    def lookup(self, name: str, on: str | None = None) -> list[GazetteerEntry]:
        """Entries named ``name``, best first; ``on`` (ISO date) prefers those then in office.

        Names match after :func:`normalise_name`; abbreviations match only as written or
        all in capitals ("DfE", "DFE", not "dfe"). Listed names rank above generated ones
        ("Cornwall County Council" is first the pre-2009 county); with ``on`` the bodies
        in office that day come first, newest first, else current bodies come first.
        """
        text = " ".join(name.split())
        tiers: dict[str, int] = dict(self._by_name.get(normalise_name(text), {}))
        abbreviation_refs = set(self._by_abbreviation.get(text, ()))
        if text.isupper():
            abbreviation_refs |= self._by_upper_abbreviation.get(text, set())
        for ref in abbreviation_refs:
            tiers[ref] = 0
        entries = [self._entries[ref] for ref in tiers]

        def rank(entry: GazetteerEntry) -> tuple[bool, int, bool, int, str, str]:
            absent = on is not None and not entry.in_office(on)
            level = _TYPE_RANK.get(entry.identifiers.get("type", ""), 0)
            newest_first = _descending(entry.start)
            return (absent, tiers[entry.ref], not entry.current, level, newest_first, entry.ref)

        return sorted(entries, key=rank)

    def completions(self, prefix: str, on: str | None = None) -> list[tuple[str, GazetteerEntry]]:
        """Councils whose name starts with ``prefix`` as whole words ("Barking and" ->
        Barking and Dagenham), with the name that completes it; with ``on``, only those
        in office that day. For text that breaks off in the middle of a name."""
        head = normalise_name(prefix)
        if not head:
            return []
        found: dict[str, tuple[str, GazetteerEntry]] = {}
        for form in self._forms:
            entry = form.entry
            if entry.kind is not EntityKind.COUNCIL or form.abbreviation:
                continue
            if on is not None and not entry.in_office(on):
                continue
            if normalise_name(form.text).startswith(head + " "):
                found.setdefault(entry.ref, (form.text, entry))
        return list(found.values())

    def get(self, ref: str) -> GazetteerEntry | None:
        """The entry with this ref ("council/ken", "body/local-government-association")."""
        return self._entries.get(ref)

    def entries(self) -> Iterable[GazetteerEntry]:
        """Every entry, councils then bodies."""
        return self._entries.values()

    def surface_forms(self) -> Iterator[tuple[str, GazetteerEntry]]:
        """Every way of writing every entry's name, in its own casing, for phrase patterns."""
        for form in self._forms:
            yield form.text, form.entry

    def surface_form_records(self) -> Iterator[SurfaceForm]:
        """Like :meth:`surface_forms`, with the bare, abbreviation and generated flags."""
        yield from self._forms

    def ambiguous_spellings(self, name: str) -> frozenset[str]:
        """How a body writes ``name`` when the curated list marks it as also an ordinary word.

        Empty for names no body marks ``ambiguous``; for "crisis" it is {"Crisis"}. The
        spellings have their quotes unified (:func:`unify_quotes`); mention finding takes
        such a name only when the text writes it exactly so.
        """
        return frozenset(self._ambiguous_names.get(normalise_name(name), ()))

    def is_ambiguous_bare(self, name: str) -> bool:
        """Whether ``name`` is a bare council name that needs a cue such as "council".

        True for place names that are also common words or surnames ("Reading", "Eden",
        listed in rules/ambiguous_place_names.yaml) and for the bare names of combined
        authorities and the GLA, which usually mean the region ("West Midlands").
        """
        return normalise_name(name) in self._ambiguous_bare


def _descending(date: str | None) -> str:
    """A sort key that puts later ISO dates first and missing dates last."""
    if not date:
        return "~"
    return "".join(chr(ord("9") - int(c) + ord("0")) if c.isdigit() else c for c in date)


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer over the shipped reference data and rules, loaded once per process."""
    return Gazetteer()
