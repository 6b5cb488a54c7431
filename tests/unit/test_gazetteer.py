"""Unit tests for the gazetteer of councils and bodies (ingest/gazetteer.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.model import EntityKind
from ingest.gazetteer import (
    DATA_DIR,
    RULES_DIR,
    Gazetteer,
    GazetteerError,
    council_name_variants,
    load_gazetteer,
    load_rules,
    normalise_name,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def refs(gaz: Gazetteer, name: str, on: str | None = None) -> list[str]:
    return [entry.ref for entry in gaz.lookup(name, on)]


# --------------------------------------------------------------------------- normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kent County Council", "kent county council"),
        ("  The   Local Government Association ", "local government association"),
        ("Department of Health's", "department of health"),
        ("District Councils' Network", "district councils network"),
        ("Children\u2019s Services", "childrens services"),
        ("Southend-on-Sea", "southend on sea"),
        ("Crewe & Nantwich", "crewe and nantwich"),
        ("St. Helens", "st helens"),
        ("Armagh City, Banbridge and Craigavon", "armagh city banbridge and craigavon"),
        ("Health \u2013 and Wellbeing", "health and wellbeing"),
        ("Theale", "theale"),  # only the word "the" is dropped
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


# --------------------------------------------------------------------------- councils


@pytest.mark.parametrize("name", ["Kent", "Kent Council", "Kent County Council", "KENT"])
def test_kent_forms_find_kent_county_council(gaz: Gazetteer, name: str) -> None:
    found = gaz.lookup(name)
    assert [e.ref for e in found] == ["council/ken"]
    kent = found[0]
    assert kent.kind is EntityKind.COUNCIL
    assert kent.label == "Kent County Council"
    assert kent.identifiers["gss"] == "E10000016"
    assert kent.identifiers["type"] == "CTY"
    assert kent.identifiers["region"] == "South East"


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("Camden", "council/cmd"),
        ("London Borough of Camden", "council/cmd"),
        ("Camden Council", "council/cmd"),
        ("Blackburn with Darwen", "council/bbd"),
        ("Sunderland Council", "council/snd"),
        ("Sunderland City Council", "council/snd"),
        ("Southend on Sea", "council/sos"),
        ("Westminster City Council", "council/wsm"),
        ("Greater Manchester Combined Authority", "council/gmca"),
    ],
)
def test_council_names(gaz: Gazetteer, name: str, ref: str) -> None:
    assert refs(gaz, name)[0] == ref


def test_council_name_variants(gaz: Gazetteer) -> None:
    camden = gaz.get("council/cmd")
    assert camden is not None
    variants = council_name_variants(camden)
    assert variants[0] == "London Borough of Camden"
    assert {"Camden", "Camden Council", "London Borough of Camden"} <= set(variants)


def test_council_abolished_in_2009_is_keyed_by_gss(gaz: Gazetteer) -> None:
    county = gaz.get("council/e10000026")
    assert county is not None
    assert county.label == "Shropshire County Council"
    assert county.identifiers["gss"] == "E10000026"
    assert county.identifiers["type"] == "CTY"
    assert county.end == "2009-03-31"
    assert refs(gaz, "Shropshire County Council")[0] == "council/e10000026"
    district = gaz.get("council/e07000185")
    assert district is not None
    assert district.label == "Shrewsbury and Atcham Borough Council"
    assert district.parent == "council/e10000026"


def test_dates_choose_between_councils_of_one_name(gaz: Gazetteer) -> None:
    assert refs(gaz, "Shropshire", on="2007-03-07") == ["council/e10000026", "council/shr"]
    assert refs(gaz, "Shropshire", on="2010-01-01")[0] == "council/shr"
    assert refs(gaz, "North Yorkshire", on="2010-06-01")[0] == "council/nyk"
    assert refs(gaz, "North Yorkshire", on="2024-01-01")[0] == "council/nye"
    # On the day of the change the new council comes first.
    assert refs(gaz, "North Yorkshire", on="2023-04-01")[0] == "council/nye"
    assert refs(gaz, "Buckinghamshire", on="2015-01-01")[0] == "council/bkm"
    assert refs(gaz, "Buckinghamshire", on="2021-01-01")[0] == "council/buc"
    assert refs(gaz, "Bedford", on="2005-01-01")[0] == "council/e07000002"


def test_without_a_date_current_councils_come_first(gaz: Gazetteer) -> None:
    assert refs(gaz, "Somerset") == ["council/smt", "council/som"]
    assert refs(gaz, "North Yorkshire") == ["council/nye", "council/nyk"]
    # A listed name outranks a generated one: "Cornwall County Council" was the county.
    assert refs(gaz, "Cornwall County Council")[0] == "council/e10000005"


def test_council_that_carried_on_under_a_new_code_is_not_duplicated(gaz: Gazetteer) -> None:
    scilly = gaz.get("council/ios")
    assert scilly is not None
    assert "E07000025" in scilly.identifiers["former_gss"]
    assert gaz.get("council/e07000025") is None


def test_council_coverage(gaz: Gazetteer) -> None:
    councils = [e for e in gaz.entries() if e.kind is EntityKind.COUNCIL]
    assert len(councils) > 500
    assert not [e for e in councils if e.identifiers.get("gss", "").startswith("E12")]
    assert gaz.get("council/gmca") is not None  # E47 combined authorities from mySociety
    maidstone = gaz.get("council/mai")
    assert maidstone is not None
    assert maidstone.parent == "council/ken"


# --------------------------------------------------------------------------- bodies


def test_lga_by_name_and_abbreviation(gaz: Gazetteer) -> None:
    assert refs(gaz, "LGA") == refs(gaz, "Local Government Association")
    assert refs(gaz, "the Local Government Association") == ["body/local-government-association"]


@pytest.mark.parametrize("name", ["Dept for Education", "DfE", "DFE", "Department for Education"])
def test_department_for_education(gaz: Gazetteer, name: str) -> None:
    assert refs(gaz, name) == ["body/department-for-education"]


def test_abbreviations_need_capitals(gaz: Gazetteer) -> None:
    assert refs(gaz, "DH") == ["body/department-of-health"]
    assert refs(gaz, "dh") == []
    assert refs(gaz, "dfe") == []
    assert refs(gaz, "idea") == []
    assert refs(gaz, "IDeA") == ["body/improvement-and-development-agency"]
    assert refs(gaz, "I&DeA") == ["body/improvement-and-development-agency"]


def test_curated_bodies_merge_with_govuk(gaz: Gazetteer) -> None:
    health = gaz.get("body/department-of-health")
    assert health is not None
    assert health.identifiers["govuk"] == "department-of-health"
    assert "DoH" in health.abbreviations
    assert refs(gaz, "Department of Health") == ["body/department-of-health"]
    idea = gaz.get("body/improvement-and-development-agency")
    assert idea is not None
    assert idea.parent == "body/local-government-association"
    assert refs(gaz, "Ofsted") == refs(gaz, "OFSTED") == ["body/ofsted"]
    assert refs(gaz, "the Treasury") == ["body/hm-treasury"]
    assert refs(gaz, "ODPM") == ["body/office-of-the-deputy-prime-minister"]
    assert gaz.get("body/improvement-board") is not None


def test_entry_to_entity(gaz: Gazetteer) -> None:
    kent = gaz.get("council/ken")
    assert kent is not None
    entity = kent.to_entity()
    assert entity.ref == "council/ken"
    assert entity.label == "Kent County Council"
    assert "Kent" in entity.aliases
    assert entity.identifiers["gss"] == "E10000016"


# --------------------------------------------------------------------------- surface forms


def test_surface_forms(gaz: Gazetteer) -> None:
    forms = {(text, entry.ref) for text, entry in gaz.surface_forms()}
    assert ("Kent County Council", "council/ken") in forms
    assert ("Kent", "council/ken") in forms
    assert ("LGA", "body/local-government-association") in forms
    assert ("Southend on Sea", "council/sos") in forms  # hyphens also as spaces
    records = {(f.text, f.entry.ref): f for f in gaz.surface_form_records()}
    assert records[("Kent", "council/ken")].bare
    assert not records[("Kent County Council", "council/ken")].bare
    assert records[("LGA", "body/local-government-association")].abbreviation


def test_ambiguous_bare_names(gaz: Gazetteer) -> None:
    assert gaz.is_ambiguous_bare("Reading")
    assert gaz.is_ambiguous_bare("Eden")
    assert not gaz.is_ambiguous_bare("Reading Borough Council")
    assert not gaz.is_ambiguous_bare("Kent")
    assert gaz.is_ambiguous_bare("West Midlands")  # usually the region
    assert refs(gaz, "Reading") == ["council/rdg"]  # still found; the cue is the caller's job


# --------------------------------------------------------------------------- ambiguous body names


def test_names_that_are_also_words_are_marked(gaz: Gazetteer) -> None:
    assert gaz.ambiguous_spellings("crisis") == {"Crisis"}
    assert refs(gaz, "Crisis") == ["body/crisis"]  # still found; mention finding decides
    assert gaz.ambiguous_spellings("Crisis UK") == set()  # only the listed name
    assert gaz.ambiguous_spellings("Health Foundation") == {
        "The Health Foundation",
        "Health Foundation",
    }
    assert gaz.ambiguous_spellings("Kent") == set()
    crisis = gaz.get("body/crisis")
    assert crisis is not None and crisis.ambiguous == ("Crisis",)


def test_ambiguous_must_name_the_entry(tmp_path: Path) -> None:
    def load(ambiguous: str, folder: str) -> Gazetteer:
        data, rules = _copy_tree(tmp_path / folder)  # rules are cached by folder
        (rules / "bodies.yaml").write_text(
            "bodies:\n  - key: crisis\n    label: Crisis\n    abbreviations: [CRI]\n"
            f"    ambiguous: {ambiguous}\n"
        )
        return Gazetteer(data, rules)

    with pytest.raises(GazetteerError, match=r"bodies\.yaml: body 'crisis': 'ambiguous' lists"):
        load("[Shelter]", "unknown")
    with pytest.raises(GazetteerError, match=r"'ambiguous' must be true, false or a list"):
        load("Crisis", "not-a-list")
    entry = load("true", "all").get("body/crisis")
    assert entry is not None and entry.ambiguous == ("Crisis", "CRI")


def test_ambiguous_abbreviations_are_not_matched_in_title_case(gaz: Gazetteer) -> None:
    from ingest.extraction.mention_rules import _curated_abbreviations

    curated = _curated_abbreviations(gaz)
    assert "SCIE" in curated  # "Scie" is the body
    assert "APSE" not in curated  # "Apse" is a word


@pytest.fixture(scope="module")
def extract():
    from ingest.extraction import load_extractor

    return load_extractor()


def _bodies(extract, text: str) -> set[str]:
    from graph.model import Document
    from ingest.passages import split_passages

    document = Document(key="doc", source="doc.txt", title="t", text=text, date="2011-06-01")
    extraction = extract(document, split_passages(document))
    return {e.ref for e in extraction.entities if e.kind is EntityKind.BODY}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ministers will work with charities including Crisis to offer a scheme.", {"crisis"}),
        ("Shelter, Crisis and Mind welcomed the report.", {"crisis", "mind"}),
        ("Crisis talks were held at the council on Monday.", set()),
        ("The council faces a Crisis in care, officers said.", set()),
        ("Housing Crisis Deepens Across The North", set()),
        ("The Welfare Reform Act 2012 changed housing benefit.", set()),
        ("A report from the think tank Reform argued for outsourcing.", {"reform"}),
        ("Action for Children published the review.", {"action-for-children"}),
        ("Councils answered the call to action for children in care.", set()),
        ("Staff will contact a family member within a day.", set()),
        ("Victim support services were cut by the county.", set()),
        ("Research by the Health Foundation found rising demand.", {"health-foundation"}),
    ],
)
def test_ambiguous_names_count_only_where_they_read_as_names(
    extract, text: str, expected: set[str]
) -> None:
    watched = {"crisis", "mind", "shelter", "reform", "action-for-children"}
    watched |= {"contact-a-family", "victim-support", "health-foundation"}
    found = {ref.removeprefix("body/") for ref in _bodies(extract, text)}
    assert found & watched == expected


# --------------------------------------------------------------------------- loading


def test_load_gazetteer_is_cached() -> None:
    assert load_gazetteer() is load_gazetteer()


def _copy_tree(tmp_path: Path) -> tuple[Path, Path]:
    data, rules = tmp_path / "data", tmp_path / "rules"
    shutil.copytree(DATA_DIR, data)
    shutil.copytree(RULES_DIR, rules)
    return data, rules


def test_missing_data_file_is_named(tmp_path: Path) -> None:
    data, rules = _copy_tree(tmp_path)
    (data / "councils.jsonl").unlink()
    with pytest.raises(GazetteerError, match=r"councils\.jsonl: file not found"):
        Gazetteer(data, rules)


def test_malformed_data_file_is_named(tmp_path: Path) -> None:
    data, rules = _copy_tree(tmp_path)
    with (data / "bodies.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(GazetteerError, match=r"bodies\.jsonl: line \d+ is not valid JSON"):
        Gazetteer(data, rules)


def test_bad_rules_are_named(tmp_path: Path) -> None:
    data, rules = _copy_tree(tmp_path)
    (rules / "ambiguous_place_names.yaml").write_text("names: [Reading, Atlantis]\n")
    with pytest.raises(GazetteerError, match=r"ambiguous_place_names\.yaml: .*atlantis"):
        Gazetteer(data, rules)
    data, rules = _copy_tree(tmp_path / "again")
    (rules / "bodies.yaml").write_text("bodies:\n  - govuk: no-such-body\n")
    with pytest.raises(GazetteerError, match=r"bodies\.yaml: .*no-such-body"):
        Gazetteer(data, rules)


# --------------------------------------------------------------------------- other rules


def test_themes_are_a_concept_scheme() -> None:
    themes = load_rules("themes")
    concepts = themes["concepts"]
    keys = [c["key"] for c in concepts]
    assert len(keys) == len(set(keys)) >= 40
    assert all(c.get("broader") in (None, *keys) for c in concepts)
    prefs = {c["pref"] for c in concepts}
    assert {"community safety", "care of older people", "adult social care"} <= prefs


def test_roles_and_programme_cues() -> None:
    roles = load_rules("roles")["roles"]
    assert {r["kind"] for r in roles} == {"head", "member"}
    heads = {r["label"] for r in roles if r["kind"] == "head"}
    assert {"leader", "chair", "chief executive", "mayor"} <= heads
    assert "deputy leader" not in heads
    titles = load_rules("roles")["titles"]
    assert "Cllr" in titles["prefixes"] and "OBE" in titles["suffixes"]
    cues = {c["word"]: c for c in load_rules("programmes")["cues"]}
    assert cues["pilot"]["head"] and "board" not in cues
