"""Build the compact gazetteer files in ``ingest/data/`` from the shared reference data.

Run by hand when the reference data changes, never at install or run time::

    python -m ingest.build_gazetteers ../shared/data

It reads mySociety's UK local-authority table, the ONS code history (for the councils
abolished in 2009, before mySociety's list begins) and the GOV.UK organisations list, and
writes ``councils.jsonl``, ``bodies.jsonl`` and ``ATTRIBUTION.md`` next to this module, plus
the top-level ``NOTICE``. The output is sorted and deterministic, so a rebuild from the
same data is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "data"
NOTICE_PATH = Path(__file__).resolve().parent.parent / "NOTICE"

LA_DIR = "uk_local_authorities"
ONS_DIR = "uk_local_authorities/ons_code_history"
BODIES_DIR = "uk_public_bodies"

# GSS prefixes of the ONS entities that are councils, with the mySociety type they map to.
# Only E07 and E10 carry councils abolished before mySociety's list begins; the rest are
# read so that the join on GSS codes can see every code.
ONS_COUNCIL_TYPES = {
    "E07": ("NMD", "Non-metropolitan district"),
    "E10": ("CTY", "County"),
}

# ONS names are geography names ("Shropshire"), not council names, and the code history
# has no authority names at all; these are the councils' own names before 2009.
HISTORIC_COUNCIL_NAMES = {
    "E07000001": "Mid Bedfordshire District Council",
    "E07000002": "Bedford Borough Council",
    "E07000003": "South Bedfordshire District Council",
    "E07000013": "Chester City Council",
    "E07000014": "Congleton Borough Council",
    "E07000015": "Crewe and Nantwich Borough Council",
    "E07000016": "Ellesmere Port and Neston Borough Council",
    "E07000017": "Macclesfield Borough Council",
    "E07000018": "Vale Royal Borough Council",
    "E07000019": "Caradon District Council",
    "E07000020": "Carrick District Council",
    "E07000021": "Kerrier District Council",
    "E07000022": "North Cornwall District Council",
    "E07000023": "Penwith District Council",
    "E07000024": "Restormel Borough Council",
    "E07000054": "Chester-le-Street District Council",
    "E07000055": "Derwentside District Council",
    "E07000056": "City of Durham Council",
    "E07000057": "District of Easington Council",
    "E07000058": "Sedgefield Borough Council",
    "E07000059": "Teesdale District Council",
    "E07000060": "Wear Valley District Council",
    "E07000157": "Alnwick District Council",
    "E07000158": "Berwick-upon-Tweed Borough Council",
    "E07000159": "Blyth Valley Borough Council",
    "E07000160": "Castle Morpeth Borough Council",
    "E07000161": "Tynedale District Council",
    "E07000162": "Wansbeck District Council",
    "E07000182": "Bridgnorth District Council",
    "E07000183": "North Shropshire District Council",
    "E07000184": "Oswestry Borough Council",
    "E07000185": "Shrewsbury and Atcham Borough Council",
    "E07000186": "South Shropshire District Council",
    "E07000230": "Kennet District Council",
    "E07000231": "North Wiltshire District Council",
    "E07000232": "Salisbury District Council",
    "E07000233": "West Wiltshire District Council",
    "E10000001": "Bedfordshire County Council",
    "E10000004": "Cheshire County Council",
    "E10000005": "Cornwall County Council",
    "E10000010": "Durham County Council",
    "E10000022": "Northumberland County Council",
    "E10000026": "Shropshire County Council",
    "E10000033": "Wiltshire County Council",
}

# Successors of the 2009 reorganisation (the code history records none). Counties map to
# the unitaries that replaced them; districts inherit their county's successors unless the
# county was split, in which case they are listed here.
SUCCESSORS_2009 = {
    "E10000001": ("bdf", "cbf"),
    "E10000004": ("che", "chw"),
    "E10000005": ("con",),
    "E10000010": ("dur",),
    "E10000022": ("nbl",),
    "E10000026": ("shr",),
    "E10000033": ("wil",),
    "E07000001": ("cbf",),
    "E07000002": ("bdf",),
    "E07000003": ("cbf",),
    "E07000013": ("chw",),
    "E07000016": ("chw",),
    "E07000018": ("chw",),
    "E07000014": ("che",),
    "E07000015": ("che",),
    "E07000017": ("che",),
}

# mySociety start dates in 2005 are when the authority entered the old GOV.UK register
# (e.g. Kent-era counties carry 2005-06-19), not when the council was created; no UK
# council was created in 2005, so those dates would wrongly hide councils before mid-2005.
REGISTER_ARTEFACT_YEAR = "2005"


class DataError(Exception):
    """A reference-data file is missing or not in the expected shape."""


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected in the shared reference data)")
    return path


def _read_csv(path: Path, delimiter: str = ",", required: Iterable[str] = ()) -> list[dict]:
    with _need(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
        return list(reader)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_need(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [part.strip() for part in (value or "").split(sep) if part.strip()]


def _unique(values: Iterable[str]) -> list[str]:
    """Keep the first of each value, comparing case-insensitively and ignoring spacing."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        value = " ".join(value.split())
        folded = value.casefold()
        if value and folded not in seen:
            seen.add(folded)
            out.append(value)
    return out


def _comma_key(name: str) -> str:
    return re.sub(r"\s*,\s*", ",", " ".join(name.split()).casefold())


def _split_alt_names(field: str, known: Iterable[str]) -> list[str]:
    """Split mySociety's comma-separated ``alt-names`` without breaking names with commas.

    The field is not quoted per name ("Bristol, City of" and "Bournemouth, Christchurch
    and Poole" contain commas), so runs of pieces are joined back, longest first, when
    they make a name that the properly quoted lookup file or the name columns know.
    """
    known_keys = {_comma_key(n) for n in known}
    pieces = [p.strip() for p in field.split(",")]
    names: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            candidate = ", ".join(p for p in pieces[i:j])
            if j == i + 1 or _comma_key(candidate) in known_keys:
                if candidate:
                    names.append(candidate)
                i = j
                break
    return names


def _garbled(name: str) -> bool:
    # A few lookup names were decoded with the wrong encoding upstream ("Sir Ynys Mï¿½n").
    return "\ufffd" in name or "ï¿½" in name


def _date(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value[:10]):
        raise DataError(f"unexpected date {value!r}")
    return value[:10]


# --------------------------------------------------------------------------- councils


def _mysociety_councils(root: Path) -> list[dict]:
    table = root / LA_DIR / "uk_local_authorities_current.csv"
    rows = _read_csv(
        table,
        required=(
            "local-authority-code",
            "official-name",
            "nice-name",
            "gss-code",
            "start-date",
            "end-date",
            "replaced-by",
            "nation",
            "region",
            "local-authority-type",
            "local-authority-type-name",
            "county-la",
            "combined-authority",
            "alt-names",
            "former-gss-codes",
            "current-authority",
        ),
    )
    lookup_path = root / LA_DIR / "lookup_name_to_registry.csv"
    names_by_code: dict[str, list[str]] = {}
    for row in _read_csv(lookup_path, required=("la-name", "local-authority-code")):
        names_by_code.setdefault(row["local-authority-code"], []).append(row["la-name"])
    gss_path = root / LA_DIR / "lookup_gss_to_registry.csv"
    gss_by_code: dict[str, list[str]] = {}
    for row in _read_csv(gss_path, required=("gss-code", "local-authority-code")):
        gss_by_code.setdefault(row["local-authority-code"], []).append(row["gss-code"])

    councils = []
    for row in rows:
        code = row["local-authority-code"].strip()
        if not code or not row["official-name"].strip():
            raise DataError(f"{table}: a row has no local-authority-code or official-name")
        gss = row["gss-code"].strip()
        former = _unique(
            _split(row["former-gss-codes"]) + [c for c in gss_by_code.get(code, []) if c != gss]
        )
        start = _date(row["start-date"])
        if start and start.startswith(REGISTER_ARTEFACT_YEAR):
            start = None
        nice = row["nice-name"].strip()
        official = row["official-name"].strip()
        listed = names_by_code.get(code, [])
        alt_field = _split_alt_names(row["alt-names"], [nice, official, *listed])
        alt = _unique(
            n
            for n in alt_field + listed
            if n.casefold() not in {nice.casefold(), official.casefold()} and not _garbled(n)
        )
        councils.append(
            {
                "key": code.lower(),
                "official_name": " ".join(official.split()),
                "nice_name": nice,
                "alt_names": alt,
                "gss": gss or None,
                "former_gss": former,
                "type": row["local-authority-type"].strip(),
                "type_name": row["local-authority-type-name"].strip(),
                "nation": row["nation"].strip() or None,
                "region": row["region"].strip() or None,
                "start": start,
                "end": _date(row["end-date"]),
                "replaced_by": [c.lower() for c in _split(row["replaced-by"])],
                "county_la": row["county-la"].strip().lower() or None,
                "combined_authority": row["combined-authority"].strip().lower() or None,
                "current": row["current-authority"].strip() == "True",
                "source": "mysociety",
            }
        )
    return councils


def _ons_areas(root: Path) -> dict[str, dict[str, list[dict]]]:
    """Read every ``<PREFIX>.json`` of the code history: prefix -> GSS code -> records."""
    folder = root / ONS_DIR
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found (expected in the shared reference data)")
    areas: dict[str, dict[str, list[dict]]] = {}
    for path in sorted(folder.glob("[EWSN][0-9][0-9].json")):
        data = _read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("areas"), dict):
            raise DataError(f"{path}: expected an object with an 'areas' object")
        areas[path.stem] = data["areas"]
    for prefix in (*ONS_COUNCIL_TYPES, "E12"):
        if prefix not in areas:
            raise DataError(f"{folder / (prefix + '.json')}: file not found")
    return areas


def _ons_abolished_councils(root: Path, known: list[dict]) -> list[dict]:
    """Councils whose GSS code ended on 2009-03-31 and which mySociety does not list."""
    areas = _ons_areas(root)
    known_gss = {c["gss"] for c in known if c["gss"]}
    known_gss |= {code for c in known for code in c["former_gss"]}
    regions = {code: records[0].get("nm") for code, records in areas["E12"].items() if records}
    # A code can end while its council carries on under a new code (the Isles of Scilly in
    # 2009): when a mySociety council of the same name already existed and never ended,
    # the old code is folded into it as a former code rather than minted as a new council.
    by_name = {
        c["nice_name"].casefold(): c
        for c in known
        if c["end"] is None and (c["start"] is None or c["start"] < "2009-04-01")
    }
    councils = []
    for prefix, (type_code, type_name) in ONS_COUNCIL_TYPES.items():
        for gss, records in sorted(areas[prefix].items()):
            if gss in known_gss or not records:
                continue
            record = records[0]  # newest first
            dates = record.get("date") or {}
            if dates.get("e") != "2009-03-31":
                continue
            name = (record.get("nm") or "").strip()
            if not name:
                raise DataError(f"{root / ONS_DIR / (prefix + '.json')}: {gss} has no name")
            continuing = by_name.get(name.casefold())
            if continuing is not None:
                continuing["former_gss"].append(gss)
                continue
            parent = record.get("parent") or ""
            county = parent if parent.startswith("E10") else None
            region_code = parent
            if county:
                county_records = areas["E10"].get(county) or [{}]
                region_code = county_records[0].get("parent") or ""
            official = HISTORIC_COUNCIL_NAMES.get(gss) or (
                f"{name} County Council" if prefix == "E10" else f"{name} District Council"
            )
            successors = SUCCESSORS_2009.get(gss) or SUCCESSORS_2009.get(county or "", ())
            nm_alt = [str(n) for n in record.get("nm_alt") or []]
            councils.append(
                {
                    "key": gss.lower(),
                    "official_name": official,
                    "nice_name": name,
                    "alt_names": _unique(n for n in nm_alt if n.casefold() != name.casefold()),
                    "gss": gss,
                    "former_gss": [],
                    "type": type_code,
                    "type_name": type_name,
                    "nation": "England",
                    "region": regions.get(region_code),
                    # The code's own start (2009-01-01) is when GSS codes were introduced,
                    # not when the council was created, so the start is left open.
                    "start": None,
                    "end": _date(dates.get("e")),
                    "replaced_by": list(successors),
                    "county_la": county.lower() if county else None,
                    "combined_authority": None,
                    "current": False,
                    "source": "ons",
                }
            )
    return councils


def build_councils(root: Path) -> list[dict]:
    """Every council, current and former: mySociety's table plus the 2009 abolitions."""
    councils = _mysociety_councils(root)
    councils += _ons_abolished_councils(root, councils)
    for council in councils:
        council["former_gss"] = sorted(set(council["former_gss"]))
    return sorted(councils, key=lambda c: c["key"])


# --------------------------------------------------------------------------- bodies


def _is_short_form(abbreviation: str) -> bool:
    """Whether a GOV.UK "abbreviation" is a real short form and not a shortened name.

    The column mixes acronyms ("DCLG", "NHS TDA", "DfE", "Ofsted") with shortened names
    ("Home Office", "The Planning Inspectorate"); only the former are matched by case.
    """
    words = abbreviation.split()
    if len(words) == 1:
        return True
    return all(word.isupper() for word in words)


def build_bodies(root: Path) -> list[dict]:
    """National bodies from the GOV.UK organisations list, keyed by their GOV.UK slug."""
    folder = root / BODIES_DIR
    listing = _read_csv(
        folder / "govuk-organisations.tsv",
        delimiter="\t",
        required=(
            "government-organisation",
            "abbreviation",
            "government-organisation-type",
            "govuk",
            "name",
            "parent-govuks",
        ),
    )
    register = {
        row["government-organisation"]: row
        for row in _read_csv(
            folder / "government-organisation.tsv",
            delimiter="\t",
            required=("government-organisation", "name", "start-date", "end-date"),
        )
    }
    extra_abbreviations: dict[str, list[str]] = {}
    for row in _read_csv(
        folder / "abbreviation.tsv",
        delimiter="\t",
        required=("abbreviation", "government-organisation"),
    ):
        extra_abbreviations.setdefault(row["government-organisation"], []).append(
            row["abbreviation"]
        )
    api: dict[str, dict] = {}
    api_path = _need(folder / "govuk-organisations.jsonl")
    with api_path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{api_path}: line {number} is not valid JSON ({exc})") from exc
            api[record.get("analytics_identifier", "")] = record

    bodies = []
    for row in listing:
        org_id = row["government-organisation"].strip()
        slug = row["govuk"].strip()
        if not slug or not row["name"].strip():
            raise DataError(f"{folder / 'govuk-organisations.tsv'}: {org_id} has no slug or name")
        record = api.get(org_id, {})
        details = record.get("details") or {}
        names = _unique(
            [row["name"], record.get("title") or "", register.get(org_id, {}).get("name", "")]
        )
        abbreviations: list[str] = []
        raw = [row["abbreviation"], details.get("abbreviation") or ""]
        # abbreviation.tsv is lower-cased; it only adds forms the listing lacks, upper-cased.
        listed = {a.casefold() for a in raw if a}
        raw += [a.upper() for a in extra_abbreviations.get(org_id, []) if a not in listed]
        for value in _unique(a for a in raw if a.strip()):
            if value.casefold() in {n.casefold() for n in names}:
                continue
            if _is_short_form(value):
                abbreviations.append(value)
            else:
                names.append(value)
        parents = _split(row["parent-govuks"], ";") or [
            str(p.get("id", "")).rsplit("/", 1)[-1]
            for p in record.get("parent_organisations") or []
        ]
        closed = _date(details.get("closed_at"))
        register_row = register.get(org_id, {})
        bodies.append(
            {
                "key": slug,
                "name": names[0],
                "alt_names": names[1:],
                "abbreviations": abbreviations,
                "govuk_id": org_id,
                "type": row["government-organisation-type"].strip() or None,
                "status": details.get("govuk_status") or None,
                "start": _date(register_row.get("start-date")),
                "end": _date(register_row.get("end-date")) or closed,
                "closed": closed,
                "parents": [p for p in parents if p],
            }
        )
    return sorted(bodies, key=lambda b: b["key"])


# --------------------------------------------------------------------------- attribution

ATTRIBUTIONS = [
    (
        "UK local authority names and codes (councils.jsonl)",
        "mySociety, *UK Local Authorities (past and current)* data package v1.6.1, "
        "https://github.com/mysociety/uk_local_authority_names_and_codes "
        "(commit 67ef8b118938678401a452f4f19f669a7221cc73)",
        "Creative Commons Attribution 4.0 (CC BY 4.0), "
        "https://creativecommons.org/licenses/by/4.0/",
        "UK Local Authority Names and Codes, © mySociety "
        "(https://github.com/mysociety/uk_local_authority_names_and_codes), "
        "licensed under CC BY 4.0.",
        "Restructured into JSON lines; names from alt-names and lookup_name_to_registry.csv "
        "merged per authority; start dates in 2005 (register-entry dates) dropped.",
    ),
    (
        "Councils abolished in 2009 (councils.jsonl, keys such as e10000026)",
        "Office for National Statistics, *Code History Database (July 2024) for the UK*, "
        "https://geoportal.statistics.gov.uk/datasets/d7be63c8bd144ae0a26c6593eb5e00b7/about, "
        "as restructured into JSON by Open Innovations "
        "(https://github.com/open-innovations/geography-code-adder, "
        "commit 5c33e2d9f4c969d9c9b69d2fe6c8a07ba0e58b7b)",
        "Open Government Licence v3.0, "
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "Source: Office for National Statistics licensed under the Open Government Licence "
        "v.3.0. Contains OS data © Crown copyright and database right 2024. "
        "JSON restructuring by Open Innovations.",
        "Only codes terminated on 2009-03-31 that mySociety does not list; council names "
        "and successors added by civicgraph.",
    ),
    (
        "UK central-government organisations (bodies.jsonl)",
        "GOV.UK organisations (Government Digital Service) via the government-organisation "
        "register, https://github.com/openregister/government-organisation-data "
        "(commit 3e8ff47cce1291dae30b11aa0c332739d4c31a35; records to 2017-04-18)",
        "Open Government Licence v3.0, "
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "Contains public sector information licensed under the Open Government Licence v3.0 "
        "(GOV.UK government-organisation register data).",
        "Restructured into JSON lines keyed by GOV.UK slug; shortened names in the "
        "abbreviation column moved to alternative names.",
    ),
]


def attribution_markdown() -> str:
    """The text of ``ingest/data/ATTRIBUTION.md``."""
    lines = [
        "# Reference data: sources, licences and attribution",
        "",
        "The files in this folder are built by `python -m ingest.build_gazetteers "
        "../shared/data` from third-party open data. civicgraph's own curated rules "
        "(`ingest/rules/*.yaml`) are part of the project and under its licence.",
        "",
    ]
    for title, source, licence, attribution, changes in ATTRIBUTIONS:
        lines += [
            f"## {title}",
            "",
            f"- **Source:** {source}",
            f"- **Licence:** {licence}",
            f"- **Attribution:** {attribution}",
            f"- **Changes:** {changes}",
            "",
        ]
    return "\n".join(lines)


def notice_text() -> str:
    """The text of the top-level ``NOTICE`` file."""
    lines = [
        "civicgraph",
        "",
        "This software ships reference data derived from the following third-party datasets.",
        "Details of what was changed are in ingest/data/ATTRIBUTION.md.",
        "",
    ]
    for title, source, licence, attribution, _changes in ATTRIBUTIONS:
        lines += [
            f"* {title}",
            f"  Source: {source}",
            f"  Licence: {licence}",
            f"  {attribution}",
            "",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _jsonl(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def build(root: Path, out_dir: Path = OUT_DIR, notice: Path | None = NOTICE_PATH) -> dict:
    """Build every gazetteer file from the data under ``root``; returns their sizes in bytes."""
    if not root.is_dir():
        raise DataError(f"{root}: reference-data folder not found")
    councils = build_councils(root)
    bodies = build_bodies(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {
        out_dir / "councils.jsonl": "".join(_jsonl(councils)),
        out_dir / "bodies.jsonl": "".join(_jsonl(bodies)),
        out_dir / "ATTRIBUTION.md": attribution_markdown(),
    }
    if notice is not None:
        written[notice] = notice_text()
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    return {str(path): path.stat().st_size for path in written}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data", type=Path, help="the shared reference-data folder")
    args = parser.parse_args(argv)
    try:
        sizes = build(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path, size in sizes.items():
        print(f"{size:>9,}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
