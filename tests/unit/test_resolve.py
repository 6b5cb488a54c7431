"""Unit tests for resolution (ingest/resolve.py): one entity per real thing, stable keys."""

from __future__ import annotations

import pytest

from graph.model import Document, EntityKind, Extraction
from ingest.extraction import load_extractor
from ingest.extraction.resolution import (
    Resolver,
    clean_label,
    concept_index,
    estimate_date,
    theme_label,
)
from ingest.gazetteer import load_gazetteer
from ingest.passages import split_passages
from ingest.rules import load_rule_set


@pytest.fixture(scope="module")
def extract():
    return load_extractor()


def run(extract, text: str, date: str | None = "2015-06-01", key: str = "doc") -> Extraction:
    document = Document(key=key, source=f"{key}.txt", title="t", text=text, date=date)
    return extract(document, split_passages(document))


def mentioned(extraction: Extraction, text: str) -> set[str]:
    return {m.entity_ref for m in extraction.mentions if m.text == text}


def entity(extraction: Extraction, ref: str):
    return next(e for e in extraction.entities if e.ref == ref)


def test_kent_kent_council_and_kent_county_council_are_one_council(extract) -> None:
    extraction = run(extract, "Kent said yes. Kent Council agreed, and Kent County Council signed.")
    assert {m.entity_ref for m in extraction.mentions} == {"council/ken"}
    kent = entity(extraction, "council/ken")
    assert kent.label == "Kent County Council"
    assert kent.identifiers["gss"] == "E10000016"
    assert {"Kent", "Kent Council"} <= set(kent.aliases)


def test_the_council_in_office_on_the_documents_date_wins(extract) -> None:
    before = run(extract, "Durham County Council met.", date="2005-03-01")
    after = run(extract, "Durham County Council met.", date="2015-03-01")
    assert mentioned(before, "Durham County Council") == {"council/e10000010"}
    assert mentioned(after, "Durham County Council") == {"council/dur"}


def test_a_place_whose_council_had_gone_is_not_a_council(extract) -> None:
    extraction = run(extract, "The summit was held at Carden Park, Cheshire.", date="2012-07-09")
    assert not [e for e in extraction.entities if e.kind is EntityKind.COUNCIL]


def test_abbreviations_from_the_gazetteer_and_from_the_text(extract) -> None:
    text = (
        "The Local Government Association (LGA) responded. The LGA said more. "
        "The Northern Housing Consortium (NHC) published a report. NHC said councils need money."
    )
    extraction = run(extract, text)
    assert mentioned(extraction, "LGA") == {"body/local-government-association"}
    nhc = mentioned(extraction, "NHC")
    assert (
        nhc
        == mentioned(extraction, "Northern Housing Consortium")
        == {"body/northern-housing-consortium"}
    )
    assert "NHC" in entity(extraction, "body/northern-housing-consortium").aliases


def test_surname_and_title_references_resolve_to_the_full_name(extract) -> None:
    text = (
        "Jane Okoro, chief executive of Oldham Council, spoke first. Later Okoro said the "
        "borough would bid, and Ms Okoro took questions."
    )
    extraction = run(extract, text)
    assert mentioned(extraction, "Okoro") == {"person/jane-okoro"}
    assert mentioned(extraction, "Ms Okoro") == {"person/jane-okoro"}


def test_hyphenated_surname_reference(extract) -> None:
    text = 'Tom Ash-Reyes, leader of Barnet Council, spoke. "We will," says Ash-Reyes.'
    extraction = run(extract, text)
    assert mentioned(extraction, "Ash-Reyes") == {"person/tom-ash-reyes"}


def test_titles_are_data_not_part_of_the_key(extract) -> None:
    extraction = run(extract, "Cllr Sir Bob Reeve, leader of Essex County Council, said so.")
    person = entity(extraction, "person/bob-reeve")
    assert person.label == "Bob Reeve"
    assert person.identifiers["title"] == "Cllr Sir"


def test_the_council_resolves_only_when_one_council_is_in_focus(extract) -> None:
    one = run(extract, "Wirral Council has set out its plans. The council will publish them.")
    two = run(extract, "Wirral Council and Sefton Council met. The council will publish plans.")
    assert mentioned(one, "The council") == {"council/wrl"}
    assert not mentioned(two, "The council")


def test_ambiguous_bare_names_need_a_cue(extract) -> None:
    plain = run(extract, "Reading is fun, and Dudley said so.")
    assert not [e for e in plain.entities if e.kind is EntityKind.COUNCIL]
    listed = run(extract, "The councils were Dudley, Sandwell and Walsall.")
    assert "council/dud" in {e.ref for e in listed.entities}


def test_people_merge_across_documents_and_keys_are_stable(extract) -> None:
    first = run(extract, "Maya Lind, leader of Bolton Council, spoke.", key="one")
    second = run(extract, "Cllr Maya Lind opened the meeting in Preston.", key="two")
    again = run(extract, "Maya Lind, leader of Bolton Council, spoke.", key="one")
    assert "person/maya-lind" in {e.ref for e in first.entities}
    assert "person/maya-lind" in {e.ref for e in second.entities}
    assert first == again


def test_programme_and_theme_keys_are_slugs_of_normalised_labels(extract) -> None:
    text = (
        "Leeds City Council will lead the Green Homes Accelerator. Leeds is leading on "
        "fuel poverty, and the accelerator starts in May."
    )
    extraction = run(extract, text)
    assert "programme/green-homes-accelerator" in {e.ref for e in extraction.entities}
    assert "theme/fuel-poverty" in {e.ref for e in extraction.entities}
    assert mentioned(extraction, "the accelerator") == {"programme/green-homes-accelerator"}


def test_theme_concepts_take_the_scheme_key_and_label() -> None:
    rules = load_rule_set()
    document = Document(key="d", source="d.txt", title="t", text="x", date="2015-01-01")
    resolver = Resolver(
        document,
        load_gazetteer(),
        load_extractor().mention_rules,
        concept_index(rules.themes.concepts),
    )
    ref = resolver.theme("Safeguarding", declare=True)
    assert ref == "theme/child-protection"
    assert resolver.declared_theme("safeguarding children") == ref
    assert resolver.theme("pothole repairs") == "theme/pothole-repairs"


def test_estimated_date_and_label_helpers() -> None:
    undated = Document(key="d", source="d.txt", title="t", text="In 1999 and in 2001 we met.")
    assert estimate_date(undated) == "2001"
    assert clean_label("the Trussell Trust's") == "Trussell Trust"
    assert theme_label("Support for LEPs") == "support for LEPs"
