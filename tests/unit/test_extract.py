"""Unit tests for extraction (ingest/extract.py, mentions.py, relations.py): each relation shape
on sentences written for these tests, mention offsets, and the extractor's public contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import Document, EntityKind, Extraction, Predicate
from ingest.extraction import load_extractor
from ingest.passages import split_passages
from ingest.readers import read_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def extract():
    return load_extractor()


def run(extract, text: str, date: str | None = "2015-06-01") -> Extraction:
    document = Document(
        key="doc", source="doc.txt", title=text.split("\n")[0], text=text, date=date
    )
    return extract(document, split_passages(document))


def facts(extraction: Extraction) -> set[tuple[str, str, str]]:
    return {(c.subject, c.predicate.value, c.object) for c in extraction.claims}


def refs(extraction: Extraction, kind: EntityKind) -> set[str]:
    return {e.ref for e in extraction.entities if e.kind is kind}


# --------------------------------------------------------------------------- contract


def test_load_extractor_is_built_once(extract) -> None:
    assert load_extractor() is extract


# the components that write claims, each naming itself in the claim's extractor
EXTRACTORS = ("rule", "list", "post", "agent", "part", "table")


def test_every_mention_and_quote_has_exact_offsets() -> None:
    extract = load_extractor()
    for path in sorted(FIXTURES.iterdir()):
        document = read_document(path)
        extraction = extract(document, split_passages(document))
        assert extraction.mentions, path.name
        for mention in extraction.mentions:
            assert document.text[mention.start : mention.end] == mention.text
            assert mention.entity_ref
        passages = {p.key for p in split_passages(document)}
        for claim in extraction.claims:
            assert document.text[claim.start : claim.end] == claim.quote
            assert claim.passage_key in passages
            assert 0 < claim.confidence <= 1
            assert claim.extractor.split(":")[0] in EXTRACTORS
        used = {m.entity_ref for m in extraction.mentions}
        used |= {r for c in extraction.claims for r in (c.subject, c.object)}
        assert used <= {e.ref for e in extraction.entities}


def test_urls_and_emails_stay_out_of_names(extract) -> None:
    text = (
        "Contact officer: Priya Mehta, Policy Officer, Kent County Council, "
        "priya.mehta@kent.gov.uk, www.kent.gov.uk/housing"
    )
    extraction = run(extract, text)
    names = [m.text for m in extraction.mentions]
    assert "Priya Mehta" in names
    assert not any("@" in n or "www" in n for n in names)


# --------------------------------------------------------------------------- posts


def test_name_comma_role_of_org_is_a_post_and_heads_it(extract) -> None:
    extraction = run(extract, "Alison Brennan, leader of Cornwall Council, opened the meeting.")
    assert ("person/alison-brennan", "holdsPost", "council/con") in facts(extraction)
    assert ("person/alison-brennan", "headOf", "council/con") in facts(extraction)
    claim = next(c for c in extraction.claims if c.predicate is Predicate.HEAD_OF)
    assert claim.role == "leader"
    assert claim.quote == "Alison Brennan, leader of Cornwall Council"


def test_name_org_role_holds_a_post_but_does_not_head(extract) -> None:
    extraction = run(extract, "Rupert Akande, LGA director of finance, said money was tight.")
    lga = "body/local-government-association"
    assert ("person/rupert-akande", "holdsPost", lga) in facts(extraction)
    assert ("person/rupert-akande", "headOf", lga) not in facts(extraction)
    assert extraction.claims[0].role == "director of finance"


def test_possessive_role_comma_name(extract) -> None:
    extraction = run(extract, "Suffolk's director of public health, Nisha Patel, said so.")
    assert ("person/nisha-patel", "holdsPost", "council/sfk") in facts(extraction)


def test_role_name_takes_the_department_the_document_names(extract) -> None:
    text = (
        "The Department for Transport will fund the scheme. Transport Secretary Hamish Byrne "
        "announced the money on Monday."
    )
    extraction = run(extract, text)
    assert ("person/hamish-byrne", "headOf", "body/department-for-transport") in facts(extraction)
    # without the department in the text there is no organisation to hold the post in
    alone = run(extract, "Transport Secretary Hamish Byrne announced the money on Monday.")
    assert not alone.claims


def test_org_role_name_with_title_kept_as_data(extract) -> None:
    extraction = run(extract, "LGA chairman Sir Ivor Pendle welcomed the announcement.")
    assert ("person/ivor-pendle", "headOf", "body/local-government-association") in facts(
        extraction
    )
    person = next(e for e in extraction.entities if e.ref == "person/ivor-pendle")
    assert person.label == "Ivor Pendle"
    assert person.identifiers["title"] == "Sir"
    assert not refs(extraction, EntityKind.COUNCIL)  # not Pendle Borough Council


def test_contact_line(extract) -> None:
    extraction = run(extract, "Contact officer: Dana Whitlow, Policy Manager, Wiltshire Council")
    assert ("person/dana-whitlow", "holdsPost", "council/wil") in facts(extraction)
    assert extraction.claims[0].role == "policy manager"


def test_name_in_brackets_with_role_and_org(extract) -> None:
    text = "Gemma Stoll (Head of Housing, Cheshire West and Chester Council) presented it."
    extraction = run(extract, text)
    assert ("person/gemma-stoll", "holdsPost", "council/chw") in facts(extraction)


def test_appointed_and_joined_as(extract) -> None:
    text = (
        "Omar Quist has been appointed chief executive of Rutland County Council. "
        "Lena Ivers has joined the County Councils Network as its director of policy."
    )
    found = facts(run(extract, text))
    assert ("person/omar-quist", "headOf", "council/rut") in found
    assert ("person/lena-ivers", "holdsPost", "body/county-councils-network") in found


def test_council_post_without_organisation_takes_the_council_in_focus(extract) -> None:
    text = (
        "Derby City Council has changed its cabinet.\n\n"
        "Cllr Nadia Farr has been appointed Cabinet Member for Housing."
    )
    extraction = run(extract, text)
    assert ("person/nadia-farr", "holdsPost", "council/der") in facts(extraction)


def test_the_council_is_the_one_just_named_not_the_one_named_most(extract) -> None:
    text = (
        "Derby City Council opened the first hub. Derby City Council will open two more "
        "and Derby City Council has set aside the money.\n\n"
        "Luton Borough Council has paused its plans. Omar Reyes, the council's head of "
        "housing, said the delay was short."
    )
    found = facts(run(extract, text))
    assert ("person/omar-reyes", "holdsPost", "council/lut") in found
    assert ("person/omar-reyes", "holdsPost", "council/der") not in found


def test_the_commission_far_from_any_is_the_one_the_document_is_about(extract) -> None:
    text = (
        "The Electoral Commission has reviewed postal voting. The Electoral Commission "
        "found errors in four areas.\n\n"
        "The review drew on work by the Equality and Human Rights Commission.\n\n"
        "In one area the queues were long, and staff had too little training to deal "
        "with the number of voters who arrived in the last hour before the polls closed, "
        "when the rain had stopped and turnout rose sharply across all of the wards.\n\n"
        "Rhys Talbot, the commission's head of elections, said the rules were clear."
    )
    found = facts(run(extract, text))
    assert ("person/rhys-talbot", "holdsPost", "body/the-electoral-commission") in found


@pytest.mark.parametrize(
    "sentence, post",
    [
        ("Rosa Kell, senior organiser at Unison, said staff were worried.", "body/unison"),
        ("Dr Ivo Sand, consultant in elderly care at Ofsted, spoke first.", "body/ofsted"),
        ("Rosa Kell, His Majesty's Chief Inspector at Ofsted, said so.", "body/ofsted"),
        ("Rosa Kell, the policy adviser at Unison, said so.", "body/unison"),
    ],
)
def test_posts_named_by_common_job_titles(extract, sentence: str, post: str) -> None:
    person = "person/ivo-sand" if "Ivo" in sentence else "person/rosa-kell"
    assert (person, "holdsPost", post) in facts(run(extract, sentence))


def test_a_person_whose_surname_is_a_programme_word_is_a_person(extract) -> None:
    extraction = run(extract, "Nina Grant, the chief executive of Derby City Council, said so.")
    assert ("person/nina-grant", "headOf", "council/der") in facts(extraction)
    assert not refs(extraction, EntityKind.PROGRAMME)
    extraction = run(extract, "The Warm Homes Grant will be paid in April.")
    assert refs(extraction, EntityKind.PROGRAMME) == {"programme/warm-homes-grant"}


def test_a_capitalised_portfolio_before_the_employer_is_no_body(extract) -> None:
    text = "Dana Whitlow, Head of Digital Services, Leeds City Council, presented the paper."
    extraction = run(extract, text)
    assert not refs(extraction, EntityKind.BODY)
    assert facts(extraction) == {("person/dana-whitlow", "holdsPost", "council/lds")}


def test_a_council_part_of_a_partnership_is_a_member_and_a_unit_a_part(extract) -> None:
    text = (
        "Torbay Council remains part of the Heart of the South West Local Enterprise "
        "Partnership. The Rough Sleeping Unit is part of the Department for Communities and "
        "Local Government."
    )
    found = facts(run(extract, text))
    assert (
        "council/tob",
        "memberOf",
        "body/heart-of-the-south-west-local-enterprise-partnership",
    ) in found
    assert (
        "body/rough-sleeping-unit",
        "subOrganizationOf",
        "body/department-for-communities-and-local-government",
    ) in found
    assert not any(p == "memberOf" and s.startswith("body/") for s, p, _ in found)


def test_a_model_name_with_a_possessive_is_two_names(extract) -> None:
    text = "Cllr Ada Lyle, chair of the LGA’s Culture, Tourism and Sport Board, spoke."
    found = facts(run(extract, text))
    assert (
        "body/culture-tourism-and-sport-board",
        "subOrganizationOf",
        "body/local-government-association",
    ) in found


def test_saint_with_or_without_its_full_stop(extract) -> None:
    councils = refs(run(extract, "St Helens and St. Albans agreed the plan."), EntityKind.COUNCIL)
    assert len(councils) == 2


def test_a_hyphenated_surname_is_one_name(extract) -> None:
    text = "The council's first chair is Cllr Tamsin Orde-Pryce."
    people = {e.label for e in run(extract, text).entities if e.kind is EntityKind.PERSON}
    assert people == {"Tamsin Orde-Pryce"}


def test_a_post_in_the_second_of_two_verb_phrases(extract) -> None:
    text = (
        "Mara Quist, a former councillor from Ripon, won 52 per cent of the vote and is now "
        "mayor of the West Yorkshire Combined Authority."
    )
    found = facts(run(extract, text, date="2021-06-01"))
    assert any(s == "person/mara-quist" and p == "headOf" for s, p, _ in found)


def test_two_posts_in_one_apposition(extract) -> None:
    text = (
        "Cllr Petra Lowe, chair of the District Councils' Network and leader of Mendip "
        "District Council, spoke."
    )
    found = facts(run(extract, text, date="2015-01-01"))
    assert ("person/petra-lowe", "headOf", "body/district-councils-network") in found
    assert any(
        s == "person/petra-lowe" and p == "headOf" and o.startswith("council/") for s, p, o in found
    )


def test_a_second_post_after_an_aside_that_names_the_first(extract) -> None:
    text = (
        "Cllr Ivo Brandt, Leader of Wakefield Council, was elected last week as chair of "
        "the Rural Services Network."
    )
    found = facts(run(extract, text))
    assert ("person/ivo-brandt", "headOf", "body/rural-services-network") in found
    assert ("person/ivo-brandt", "headOf", "council/wkf") in found


def test_an_aside_does_not_lend_its_person_to_a_post_after_another_verb(extract) -> None:
    text = (
        "Cllr Ivo Brandt, Leader of Wakefield Council, met the chair of the Rural Services Network."
    )
    found = facts(run(extract, text))
    assert ("person/ivo-brandt", "headOf", "body/rural-services-network") not in found


def test_he_or_she_with_a_head_verb_is_the_person_named_before(extract) -> None:
    text = (
        "Orla Finch was elected chair of the District Councils' Network. "
        "She also chairs the Rural Services Network."
    )
    found = facts(run(extract, text))
    assert ("person/orla-finch", "headOf", "body/rural-services-network") in found


def test_a_post_word_the_model_read_as_part_of_a_name(extract) -> None:
    text = "Tomas Hardy (Senior Governance Officer, Leeds City Council) presented the report."
    extraction = run(extract, text)
    assert ("person/tomas-hardy", "holdsPost", "council/lds") in facts(extraction)
    assert {e.label for e in extraction.entities if e.kind is EntityKind.PERSON} == {"Tomas Hardy"}


def test_a_portfolio_with_a_possessive_noun_after_the_council(extract) -> None:
    text = "Dara Wynn, Leeds's children's services manager, said the money helped."
    assert ("person/dara-wynn", "holdsPost", "council/lds") in facts(run(extract, text))


def test_a_surname_that_is_also_a_place_word(extract) -> None:
    text = (
        "The count ended late. Rhona Street, a former baker, won. Street becomes mayor of "
        "the Tees Valley Combined Authority. The count was held at Mill Street."
    )
    extraction = run(extract, text, date="2019-05-10")
    assert ("person/rhona-street", "headOf", "council/tvca") in facts(extraction)
    assert refs(extraction, EntityKind.PERSON) == {"person/rhona-street"}


def test_a_chief_officer_and_the_head_of_paid_service_head_their_bodies(extract) -> None:
    text = (
        "Board members\n\n"
        "| Jo Pratt | Head of paid service, Bolton Council |\n"
        "| Ian Lamb | Chief officer, NHS Leeds Clinical Commissioning Group |\n\n"
        "Ann Vale, the chief officer for housing at Kent County Council, spoke."
    )
    found = facts(run(extract, text))
    assert ("person/jo-pratt", "headOf", "council/bol") in found
    assert ("person/ian-lamb", "headOf", "body/nhs-leeds-clinical-commissioning-group") in found
    assert ("person/ann-vale", "holdsPost", "council/ken") in found
    assert ("person/ann-vale", "headOf", "council/ken") not in found


def test_him_or_her_as_its_post_is_the_person_named_before(extract) -> None:
    text = (
        "Paul Rook moved south last spring, when Dorset Council appointed him as its "
        "chief executive."
    )
    found = facts(run(extract, text, date="2021-06-01"))
    assert ("person/paul-rook", "headOf", "council/dst") in found


def test_whose_post_after_a_part_of_apposition_is_the_parts(extract) -> None:
    text = (
        "Grants go through the Warm Homes Unit, part of the Home Office, whose director "
        "is Ilse Marrable."
    )
    found = facts(run(extract, text))
    assert ("person/ilse-marrable", "holdsPost", "body/warm-homes-unit") in found
    assert ("person/ilse-marrable", "holdsPost", "body/home-office") not in found


def test_a_bodys_bare_director_heads_it_but_not_a_councils(extract) -> None:
    text = (
        "The Marsh Policy Institute doubted the figures; its director, Odile Brack, called "
        "them thin. Kent County Council's director, Ravi Sorel, agreed. The Greywater "
        "Foundation, whose executive director is Bo Tarrant, and Hal Venn, director of "
        "research at the Marsh Policy Institute, said nothing."
    )
    found = facts(run(extract, text))
    institute = "body/marsh-policy-institute"
    assert ("person/odile-brack", "headOf", institute) in found
    assert ("person/bo-tarrant", "headOf", "body/greywater-foundation") in found
    # a council's director runs a department; a director of research, a part
    assert ("person/ravi-sorel", "holdsPost", "council/ken") in found
    assert ("person/ravi-sorel", "headOf", "council/ken") not in found
    assert ("person/hal-venn", "holdsPost", institute) in found
    assert ("person/hal-venn", "headOf", institute) not in found


def test_a_time_between_a_post_and_its_holder(extract) -> None:
    text = (
        "The Greywater Foundation, whose chair until last spring was Dame Ida Lusk, met "
        "twice. The Marsh Policy Institute, whose director since 2019 has been Abel Torvik, "
        "did not."
    )
    found = facts(run(extract, text))
    assert ("person/ida-lusk", "headOf", "body/greywater-foundation") in found
    assert ("person/abel-torvik", "holdsPost", "body/marsh-policy-institute") in found


def test_a_post_in_a_where_clause_is_held_in_the_organisation_it_describes(extract) -> None:
    text = (
        "Bids go to the Office for Civic Life, part of the Home Office, where Rachel Dunmore is "
        "minister for civic life."
    )
    found = facts(run(extract, text))
    assert ("person/rachel-dunmore", "holdsPost", "body/office-for-civic-life") in found
    assert ("person/rachel-dunmore", "holdsPost", "body/home-office") not in found


def test_a_lower_case_portfolio_of_two_words_before_a_post(extract) -> None:
    text = "Simon Averill, the housing and planning minister at the Home Office, spoke first."
    found = facts(run(extract, text))
    assert ("person/simon-averill", "holdsPost", "body/home-office") in found


def test_a_secretary_of_state_heads_the_department_the_portfolio_names(extract) -> None:
    text = (
        "The Department for Education and Skills wrote to councils. Simon Averill, "
        "Secretary of State for Education and Skills, visited Leeds with Ruth Calloway, "
        "Director of Public Health at Leeds City Council."
    )
    found = facts(run(extract, text, date="2004-03-01"))
    department = "body/department-for-education-and-skills"
    assert ("person/simon-averill", "headOf", department) in found
    assert ("person/ruth-calloway", "holdsPost", "council/lds") in found
    assert ("person/ruth-calloway", "headOf", "council/lds") not in found


def test_a_capitalised_portfolio_before_at_and_the_employer_leads_a_part(extract) -> None:
    text = (
        "The Home Office wrote to councils. Simon Averill, Director General for Crime at "
        "the Home Office, and Ruth Calloway, Director General for Policing, Fire and "
        "Resilience at the Home Office, spoke."
    )
    found = facts(run(extract, text))
    for person in ("person/simon-averill", "person/ruth-calloway"):
        assert (person, "holdsPost", "body/home-office") in found
        assert (person, "headOf", "body/home-office") not in found


def test_a_capitalised_portfolio_after_a_possessive_owner_is_no_body(extract) -> None:
    text = (
        "Ruth Calloway, the Scottish Government's Cabinet Secretary for Rural Affairs and "
        "Islands, spoke."
    )
    extraction = run(extract, text)
    assert ("person/ruth-calloway", "holdsPost", "body/the-scottish-government") in facts(
        extraction
    )
    assert refs(extraction, EntityKind.BODY) == {"body/the-scottish-government"}


def test_a_body_in_a_relative_clause_after_a_membership_list_is_no_member(extract) -> None:
    text = (
        "The Northshire Combined Authority was set up in 2014. Its members are Kent, Essex "
        "and Medway councils, which long cooperated through the Local Government "
        "Association."
    )
    found = facts(run(extract, text))
    authority = "body/northshire-combined-authority"
    assert ("council/mdw", "memberOf", authority) in found
    assert ("body/local-government-association", "memberOf", authority) not in found


def test_a_possessive_after_a_membership_word_qualifies_a_noun(extract) -> None:
    text = (
        "Kent County Council agreed the plan in May. The Northshire Housing Partnership, "
        "covering all of the county's twelve districts, will run it. The Northshire Health "
        "Partnership covers Kent County Council."
    )
    found = facts(run(extract, text))
    assert ("council/ken", "memberOf", "body/northshire-housing-partnership") not in found
    assert ("council/ken", "memberOf", "body/northshire-health-partnership") in found


def test_a_party_in_brackets_between_a_name_and_its_post(extract) -> None:
    text = (
        "Cllr Ruth Calloway (Con, Hillside ward), Leader of Kent County Council, opened the "
        "meeting. Simon Averill (Labour), leader of Essex County Council, replied."
    )
    found = facts(run(extract, text))
    assert ("person/ruth-calloway", "headOf", "council/ken") in found
    assert ("person/simon-averill", "headOf", "council/ess") in found


def test_a_trailing_noun_stays_after_an_adjective_or_a_possessive(extract) -> None:
    text = (
        "The Healthy Towns programme has three strands: physical activity, children's "
        "services and the home adaptations strand."
    )
    themes = refs(run(extract, text), EntityKind.THEME)
    assert {"theme/physical-activity", "theme/childrens-services"} <= themes
    assert "theme/home-adaptations" in themes  # "strand" after a noun still goes


def test_a_verb_post_in_the_second_of_two_verb_phrases(extract) -> None:
    text = (
        "Ruth Calloway took 52 per cent of the vote and will lead Kent County Council. "
        "Simon Averill, a former teacher, won the seat and now chairs the Local Government "
        "Association."
    )
    found = facts(run(extract, text))
    assert ("person/ruth-calloway", "headOf", "council/ken") in found
    assert ("person/simon-averill", "headOf", "body/local-government-association") in found


def test_a_post_after_an_aside_that_names_a_former_post(extract) -> None:
    text = (
        "Essex County Council held its first meeting in April. Ruth Calloway, formerly chief "
        "executive of Kent County Council, is now the new council's chief executive."
    )
    found = facts(run(extract, text))
    assert ("person/ruth-calloway", "headOf", "council/ken") in found
    assert ("person/ruth-calloway", "headOf", "council/ess") in found


def test_an_apposition_with_a_verb_of_place_makes_a_part(extract) -> None:
    text = (
        "The Northshire Advisory Panel, an advisory body sponsored by the Home Office, met in "
        "May. Kent County Council, a large authority in the south, met too."
    )
    found = facts(run(extract, text))
    assert ("body/northshire-advisory-panel", "subOrganizationOf", "body/home-office") in found
    assert not [f for f in found if f[0] == "council/ken"]


# --------------------------------------------------------------------------- leads


def test_partners_named_with_the_agent_lead_too(extract) -> None:
    text = (
        "The Safer Lanes Review was led by Ofsted with the Audit Commission and the Care "
        "Quality Commission. The Warm Rooms Scheme, which the Audit Commission carries out "
        "with the Local Government Association, began in May."
    )
    found = facts(run(extract, text))
    for body in ("ofsted", "audit-commission", "care-quality-commission"):
        assert (f"body/{body}", "leads", "programme/safer-lanes-review") in found
    for body in ("audit-commission", "local-government-association"):
        assert (f"body/{body}", "leads", "programme/warm-rooms-scheme") in found


def test_a_scheme_referred_back_to_by_another_name_goes_by_it(extract) -> None:
    text = (
        "Home care ratings rise again\n\n"
        "Eleven councils moved up a band in the star ratings for home care, which the Care "
        "Quality Commission sets each spring."
    )
    extraction = run(extract, text)
    programmes = [e for e in extraction.entities if e.kind is EntityKind.PROGRAMME]
    assert len(programmes) == 1
    assert "star ratings" in programmes[0].aliases


def test_a_freeze_a_government_imposed_was_created_by_it(extract) -> None:
    text = (
        "The Rates Freeze Scheme, which the Welsh Government has imposed every year since "
        "2011, is unpopular."
    )
    found = facts(run(extract, text))
    assert ("programme/rates-freeze-scheme", "createdBy", "body/welsh-government") in found


def test_the_three_councils_are_the_three_the_text_listed_last(extract) -> None:
    text = (
        "Shared services grow\n\n"
        "Leeds City Council spoke first. Bury, Oldham and Rochdale agreed to share care "
        "services. The Shared Care Programme was created by the three councils that spring.\n\n"
        "Salford and Wigan followed. Both councils launched the Home Energy Fund in June."
    )
    found = facts(run(extract, text))
    for council in ("bur", "old", "rch"):
        assert ("programme/shared-care-programme", "createdBy", f"council/{council}") in found
    for council in ("slf", "wgn"):
        assert ("programme/home-energy-fund", "createdBy", f"council/{council}") in found
    assert ("programme/shared-care-programme", "createdBy", "council/lds") not in found


def test_a_group_of_councils_with_no_list_of_that_many_is_no_one(extract) -> None:
    text = (
        "Bury and Oldham agreed to share care services. The Shared Care Programme was "
        "created by the three councils that spring."
    )
    created = {f for f in facts(run(extract, text)) if f[1] == "createdBy"}
    assert created == set()


def test_councils_found_wanting_are_rated_in_the_scheme(extract) -> None:
    text = (
        "Youth services assessments published\n\n"
        "Ofsted published the annual performance assessment of youth services this week.\n\n"
        "Inspectors named the councils found wanting this year: Leeds, Bolton, Kent, Derby "
        "and Wigan."
    )
    extraction = run(extract, text)
    rated = {c.subject: c.rating for c in extraction.claims if c.predicate is Predicate.RATED}
    assert rated == {f"council/{c}": "found wanting" for c in ("lds", "bol", "ken", "der", "wgn")}


def test_an_agent_described_before_its_name(extract) -> None:
    text = "Families borrow from Safe Hands, a support project led by the housing charity Shelter."
    assert ("body/shelter", "leads", "programme/safe-hands") in facts(run(extract, text))


def test_a_name_opening_with_a_cue_word_is_one_body(extract) -> None:
    text = "The plan was agreed with University Hospitals Leeds and Bradford NHS Trust."
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.BODY) == {
        "body/university-hospitals-leeds-and-bradford-nhs-trust"
    }
    assert refs(extraction, EntityKind.COUNCIL) == set()


def test_a_pilot_list_takes_part_in_the_scheme_not_a_programme_named_later(extract) -> None:
    text = (
        "Home care checks begin\n\n"
        "The Care Quality Commission has begun its home care assessments of councils.\n\n"
        "Three councils were chosen to pilot the checks:\n\n"
        "Leeds City Council\n\nBolton Council\n\nKent County Council\n\n"
        "Separately, Kent is running a digital inclusion programme."
    )
    found = facts(run(extract, text))
    taking_part = {(s, o) for s, p, o in found if p == "participatesIn"}
    assert taking_part == {
        (f"council/{c}", "programme/home-care-assessments") for c in ("lds", "bol", "ken")
    }


@pytest.mark.parametrize("later", ["", "Separately, Kent runs an advice and support programme."])
def test_a_pilot_list_takes_part_in_the_scheme_of_a_document_with_no_programme(
    extract, later: str
) -> None:
    text = (
        "Home care checks begin\n\n"
        "The Care Quality Commission has begun its home care assessments of councils.\n\n"
        "Three councils were chosen to pilot the checks:\n\n"
        "Leeds City Council\n\nBolton Council\n\nKent County Council\n\n" + later
    )
    taking_part = {(s, o) for s, p, o in facts(run(extract, text)) if p == "participatesIn"}
    assert taking_part == {
        (f"council/{c}", "programme/home-care-assessments") for c in ("lds", "bol", "ken")
    }


def test_what_a_scheme_scores_councils_on_are_its_themes(extract) -> None:
    text = (
        "Housing checks explained\n\n"
        "The Housing Quality Assessment was developed by the Audit Commission. It rates every "
        "authority from one to five on repairs, allocations and tenant involvement.\n\n"
        "Leeds City Council scores each school from 1 to 3 on attendance, behaviour and "
        "reading."
    )
    themes = {o for s, p, o in facts(run(extract, text)) if p == "hasTheme"}
    assert themes == {"theme/repairs", "theme/allocations", "theme/tenant-involvement"}


def test_early_implementers_named_in_lower_case_with_their_network(extract) -> None:
    text = (
        "Progress report\n\n"
        "The fire and rescue service early implementer network met in March.\n\n"
        "Leeds City Council and Bolton Council were chosen as early implementers."
    )
    extraction = run(extract, text)
    programmes = {e.label for e in extraction.entities if e.kind is EntityKind.PROGRAMME}
    assert programmes == {"fire and rescue service early implementer network"}
    taking_part = {s for s, p, o in facts(extraction) if p == "participatesIn"}
    assert taking_part == {"council/lds", "council/bol"}


def test_two_kinds_of_pilot_joined_by_and_are_not_one_name(extract) -> None:
    text = "The review covers the housing and transport pilots run by the county."
    labels = {e.label for e in run(extract, text).entities if e.kind is EntityKind.PROGRAMME}
    assert "housing and transport pilots" not in labels


def test_a_pilot_in_a_council_looking_at_a_theme_takes_part(extract) -> None:
    text = (
        "Warm Homes Pilots enter second year\n\n"
        "The Warm Homes Pilots are testing ways to keep older people warm.\n\n"
        "A pilot in Oldham is looking at loft insulation for tenants."
    )
    found = facts(run(extract, text))
    assert ("council/old", "participatesIn", "programme/warm-homes-pilots") in found


def test_a_listed_body_the_text_calls_a_project_is_a_programme_throughout(extract) -> None:
    text = (
        "Towns copy Living Streets, a walking project run by the Local Government Association. "
        "Living Streets has reached forty towns."
    )
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.PROGRAMME) == {"programme/living-streets"}
    assert "body/living-streets" not in refs(extraction, EntityKind.BODY)
    found = facts(extraction)
    assert ("body/local-government-association", "leads", "programme/living-streets") in found


def test_a_fund_the_programme_list_names_is_a_programme_not_the_body(extract) -> None:
    text = "Disabled people lost help when the Independent Living Fund closed in 2015."
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.PROGRAMME) == {"programme/independent-living-fund"}
    assert refs(extraction, EntityKind.BODY) == set()


def test_a_name_after_words_that_call_it_an_organisation_is_a_body(extract) -> None:
    text = (
        "The other winners are Leeds and Bolton, which shared the award with the self-advocacy "
        "organisation Bolton People First. The grant went to the youth charity Brightside. "
        "She praised the charity worker Ann Lee."
    )
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.BODY) == {"body/bolton-people-first", "body/brightside"}
    assert refs(extraction, EntityKind.PERSON) == {"person/ann-lee"}


def test_lead_authority_for_a_theme_from_the_scheme(extract) -> None:
    extraction = run(extract, "Kirklees Council is the lead authority for the road safety theme.")
    assert ("council/kir", "leads", "theme/road-safety") in facts(extraction)
    theme = next(e for e in extraction.entities if e.ref == "theme/road-safety")
    assert theme.label == "road safety"


def test_leading_on_a_new_theme(extract) -> None:
    extraction = run(extract, "Stockport Council is leading on digital inclusion.")
    assert ("council/skp", "leads", "theme/digital-inclusion") in facts(extraction)


def test_led_by_names_the_leader_of_a_programme(extract) -> None:
    text = (
        "Most of it comes from the Northern Skills Fund, led by the Greater Manchester "
        "Combined Authority."
    )
    extraction = run(extract, text)
    assert ("council/gmca", "leads", "programme/northern-skills-fund") in facts(extraction)


def test_a_name_in_apposition_with_an_approach_is_a_programme(extract) -> None:
    text = "Home Together, an approach led by the Wessex Carers Trust, began in 2019."
    extraction = run(extract, text)
    assert "programme/home-together" in refs(extraction, EntityKind.PROGRAMME)


def test_a_person_in_apposition_with_a_project_post_is_a_person(extract) -> None:
    text = "Jane Okafor, a project manager at Leeds City Council, said the work was done."
    extraction = run(extract, text)
    assert "person/jane-okafor" in refs(extraction, EntityKind.PERSON)
    assert not refs(extraction, EntityKind.PROGRAMME)


def test_an_undated_text_is_not_dated_by_the_targets_it_sets(extract) -> None:
    text = (
        "In 2004 the Department for Education and Skills (DfES) set up the Family Link Pilot. "
        "The DfES wants every area to join by 2010."
    )
    mentions = [m for m in run(extract, text, date=None).mentions if m.text == "DfES"]
    assert len(mentions) == 2
    assert {m.entity_ref for m in mentions} == {"body/department-for-education-and-skills"}


def test_a_body_named_for_a_list_of_places(extract) -> None:
    text = "The bid was drawn up by the Avon, Frome and Stour Partnership last year."
    bodies = {e.label for e in run(extract, text).entities if e.kind is EntityKind.BODY}
    assert bodies == {"Avon, Frome and Stour Partnership"}


def test_places_joined_before_a_lower_case_kind_name_one_body(extract) -> None:
    text = (
        "The Dorset and Wiltshire partnership, which also covers Swindon, was approved. "
        "The Devon, Somerset and Dorset partnership met later."
    )
    bodies = {e.label for e in run(extract, text).entities if e.kind is EntityKind.BODY}
    assert bodies == {"Dorset and Wiltshire partnership", "Devon, Somerset and Dorset partnership"}


def test_a_number_in_brackets_after_a_board_is_part_of_its_name(extract) -> None:
    text = "The report went to the Environment and Housing Scrutiny Board (3) on Tuesday."
    bodies = {e.label for e in run(extract, text).entities if e.kind is EntityKind.BODY}
    assert bodies == {"Environment and Housing Scrutiny Board (3)"}


def test_a_place_and_a_name_an_apposition_calls_an_association_is_a_body(extract) -> None:
    text = "Most of the work in Ashford falls to Ashford HAVEN, a tenants' association."
    extraction = run(extract, text)
    assert "body/ashford-haven" in refs(extraction, EntityKind.BODY)
    assert "person/ashford-haven" not in refs(extraction, EntityKind.PERSON)


def test_a_body_word_that_describes_a_post_leaves_the_person_a_person(extract) -> None:
    text = (
        "Kent County Council joined the scheme. Jane Orme, the network's director, spoke. "
        "Bill Tanner, a union member, agreed."
    )
    extraction = run(extract, text)
    assert {"person/jane-orme", "person/bill-tanner"} <= refs(extraction, EntityKind.PERSON)
    # the network is not named: her post is not the council's
    assert not {f for f in facts(extraction) if f[0] == "person/jane-orme"}


def test_a_body_in_a_capitalised_run_that_opens_with_a_post(extract) -> None:
    text = (
        "Board members\n\n"
        "Lord Tom Hale | Chair of the Strategic Housing Board; leader of Kent County Council."
    )
    extraction = run(extract, text)
    assert "body/strategic-housing-board" in refs(extraction, EntityKind.BODY)
    assert ("person/tom-hale", "headOf", "body/strategic-housing-board") in facts(extraction)


def test_a_name_a_post_is_of_is_a_firm_not_a_person(extract) -> None:
    text = (
        "Mary Orme, chief executive of Ben Sherman, spoke. "
        "Jo Bell, leader of Tom Hale's group, agreed."
    )
    extraction = run(extract, text)
    assert "body/ben-sherman" in refs(extraction, EntityKind.BODY)
    assert ("person/mary-orme", "holdsPost", "body/ben-sherman") in facts(extraction)
    # a possessive makes the name a person's
    assert "body/tom-hale" not in refs(extraction, EntityKind.BODY)


def test_a_heading_in_capitals_is_no_programme(extract) -> None:
    text = (
        "Housing support reviewed\n\nREGIONAL INSPECTIONS\n\n"
        "The first inspections went to twelve councils."
    )
    assert not refs(run(extract, text), EntityKind.PROGRAMME)


def test_a_spaced_dash_ends_a_name(extract) -> None:
    text = "Warm Lofts Bradford - Delivery Programme with the Health-Wise Trust"
    programmes = {e.label for e in run(extract, text).entities if e.kind is EntityKind.PROGRAMME}
    assert "Warm Lofts Bradford - Delivery Programme" not in programmes
    bodies = {e.label for e in run(extract, text).entities if e.kind is EntityKind.BODY}
    assert "Health-Wise Trust" in bodies  # a hyphen inside a name keeps it whole


def test_a_programme_word_after_a_coordination_describes_a_kind(extract) -> None:
    text = (
        "Kent County Council has begun a safeguarding and recovery programme. "
        "The fire and rescue service pilot starts in May."
    )
    assert refs(run(extract, text), EntityKind.PROGRAMME) == {
        "programme/fire-and-rescue-service-pilot"
    }


def test_a_programme_named_in_the_singular_before_a_cue_is_the_same_programme(extract) -> None:
    text = (
        "Local Action Budgets: an update\n\n"
        "Four councils have started Local Action Budget pilots this year."
    )
    assert refs(run(extract, text), EntityKind.PROGRAMME) == {"programme/local-action-budgets"}


def test_a_name_organisations_lead_is_a_programme(extract) -> None:
    text = (
        "Safer Lanes Kent is run jointly by Kent County Council and Medway Council. "
        "The Housing Commission is led by Sir Tom Hale."
    )
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.PROGRAMME) == {"programme/safer-lanes-kent"}
    assert {
        ("council/ken", "leads", "programme/safer-lanes-kent"),
        ("council/mdw", "leads", "programme/safer-lanes-kent"),
    } <= facts(extraction)
    # what a person leads stays a body
    assert "body/housing-commission" in refs(extraction, EntityKind.BODY)


def test_a_sum_of_money_for_a_purpose_is_no_programme(extract) -> None:
    text = (
        "The trust holds a £12 million renewal fund. Leeds has a £2m recovery "
        "fund. Kent County Council runs the green homes scheme and spends from the £5 million "
        "innovation fund."
    )
    assert refs(run(extract, text), EntityKind.PROGRAMME) == {
        "programme/green-homes-scheme",
        "programme/innovation-fund",  # "the": the fund of that sum
    }


def test_a_lower_case_name_of_generic_words_is_no_programme(extract) -> None:
    text = (
        "The corporate efficiency programme reports to the cabinet. Kent County Council "
        "runs the green homes scheme and a service transformation programme."
    )
    assert refs(run(extract, text), EntityKind.PROGRAMME) == {"programme/green-homes-scheme"}


def test_who_leads_a_study_of_a_programme_does_not_lead_the_programme(extract) -> None:
    text = (
        "Housing programmes\n\n"
        "The Healthy Homes Programme began in 2012. An independent review of the scheme "
        "is run by the Housing Research Unit. The Warm Streets Programme is led by Kent "
        "County Council."
    )
    leads = {(s, o) for s, p, o in facts(run(extract, text)) if p == "leads"}
    assert leads == {("council/ken", "programme/warm-streets-programme")}


def test_a_name_given_after_a_programme_cue_is_a_programme(extract) -> None:
    text = (
        "Bradford runs a befriending scheme known as Open Doors Bradford. "
        "Kent County Council delivers its local programme under the name Kent Family Link."
    )
    programmes = refs(run(extract, text), EntityKind.PROGRAMME)
    assert {"programme/open-doors-bradford", "programme/kent-family-link"} <= programmes


def test_a_councils_local_name_for_a_programme_is_not_what_the_programme_means(extract) -> None:
    text = (
        "The Thriving Homes Programme will reach 60 more areas. Kent County Council runs its "
        "own scheme under the name Kent Family Link.\n\n"
        "The programme has three priorities: debt advice, school attendance and youth work."
    )
    owners = {s for s, p, _ in facts(run(extract, text)) if p == "hasTheme"}
    assert owners == {"programme/thriving-homes-programme"}


def test_lead_council_line_under_a_theme_heading(extract) -> None:
    text = (
        "Priorities and lead councils\n\n"
        "Priority 1: Safer town centres Lead council: Luton Borough Council\n\n"
        "Priority 2: Healthy high streets Lead council: Bedford Borough Council"
    )
    found = facts(run(extract, text))
    assert ("council/lut", "leads", "theme/safer-town-centres") in found
    assert ("council/bdf", "leads", "theme/healthy-high-streets") in found


def test_lead_targets_resolve_to_the_themes_a_text_set_out(extract) -> None:
    text = (
        "The partnership has three priorities: warm homes for older people, debt advice and "
        "digital skills.\n\n"
        "Leicester City Council will lead on warm homes. Nottingham City Council will share "
        "responsibility for the third priority."
    )
    found = facts(run(extract, text))
    assert ("council/lce", "leads", "theme/warm-homes-for-older-people") in found
    assert ("council/ngm", "leads", "theme/digital-skills") in found


# --------------------------------------------------------------------------- lists


def test_pilot_areas_with_a_cue_for_ambiguous_names(extract) -> None:
    text = (
        "The Healthy Start Pilot was launched in May.\n\n"
        "The pilot areas are Bolton, Bury and Salford."
    )
    found = facts(run(extract, text))
    pilot = "programme/healthy-start-pilot"
    assert {
        ("council/bol", "participatesIn", pilot),
        ("council/bur", "participatesIn", pilot),
    } <= found
    assert ("council/slf", "participatesIn", pilot) in found


def test_signed_up_list(extract) -> None:
    text = "Barnsley, Rotherham and Doncaster have signed up to the Clean Air Scheme."
    found = facts(run(extract, text))
    assert {c for c, _, _ in found} == {"council/bns", "council/rot", "council/dnc"}


def test_list_on_the_following_lines(extract) -> None:
    text = (
        "The Warm Streets Pilot starts in April.\n\nThe pilot areas are:\n\n"
        "- Leeds City Council\n- Wakefield Council\n- Calderdale Council\n\nMore news follows."
    )
    found = facts(run(extract, text))
    assert {s for s, p, _ in found if p == "participatesIn"} == {
        "council/lds",
        "council/wkf",
        "council/cld",
    }


def test_best_worst_rated_and_stars(extract) -> None:
    text = (
        "The new recycling performance ratings were published today.\n\n"
        "The three worst councils were Luton, Thurrock and Medway. Merton, Sutton and Kingston "
        "upon Thames were rated excellent in the recycling performance ratings. Bexley was "
        "awarded four stars."
    )
    extraction = run(extract, text)
    scheme = "programme/recycling-performance-ratings"
    ratings = {(c.subject, c.rating) for c in extraction.claims if c.predicate is Predicate.RATED}
    assert {("council/lut", "worst"), ("council/thr", "worst"), ("council/mdw", "worst")} <= ratings
    assert ("council/stn", "excellent") in ratings  # Sutton: ambiguous alone, cued by the list
    assert ("council/bex", "four stars") in ratings
    assert all(c.object == scheme for c in extraction.claims)


# --------------------------------------------------------------------------- organisations


def test_part_of_and_member_of(extract) -> None:
    found = facts(
        run(
            extract,
            "Jobcentre Plus, part of the Department for Work and Pensions, runs the clinics. "
            "Gloucestershire County Council is a member of the County Councils Network.",
        )
    )
    assert (
        "body/jobcentre-plus",
        "subOrganizationOf",
        "body/department-for-work-pensions",
    ) in found
    assert ("council/gls", "memberOf", "body/county-councils-network") in found


def test_members_are_its_body(extract) -> None:
    text = (
        "The Tees Valley Care Partnership was set up in 2016. Its members are Hartlepool "
        "Borough Council, Stockton-on-Tees Borough Council and Darlington Borough Council."
    )
    extraction = run(extract, text)
    partnership = next(e.ref for e in extraction.entities if e.kind is EntityKind.BODY)
    assert {s for s, p, o in facts(extraction) if p == "memberOf" and o == partnership} == {
        "council/hpl",
        "council/stt",
        "council/dal",
    }


def test_body_outside_the_gazetteer_needs_a_cue(extract) -> None:
    text = (
        "The Rivers Trust welcomed the plan. Orbit said little. Sam Tal, director of policy at "
        "Orbit, the housing charity, spoke later."
    )
    extraction = run(extract, text)
    bodies = {e.label for e in extraction.entities if e.kind is EntityKind.BODY}
    assert "Rivers Trust" in bodies
    assert "Orbit" in bodies  # the post and the apposition call it an organisation


def test_people_are_not_councils_or_headings(extract) -> None:
    text = "WIGAN COUNCIL NEWS\n\nWigan said the plan would work, and Kent agreed."
    extraction = run(extract, text)
    assert not refs(extraction, EntityKind.PERSON)
    assert {"council/wgn", "council/ken"} <= refs(extraction, EntityKind.COUNCIL)


def test_a_theme_heading_followed_by_its_lead_council(extract) -> None:
    text = (
        "Growth deal update\n\n"
        "The partnership has agreed three themes: town centre renewal, adult skills and "
        "digital connectivity. There is one lead council for each theme.\n\n"
        "Town centre renewal\n\n"
        "The most ambitious plans come from Swindon Borough Council, which wants to reopen "
        "empty shops.\n\n"
        "Digital connectivity\n\n"
        "Progress is slower, and Wiltshire Council is still consulting."
    )
    extraction = run(extract, text)
    found = facts(extraction)
    assert ("council/swd", "leads", "theme/town-centre-renewal") in found
    assert ("council/wil", "leads", "theme/digital-connectivity") in found
    claim = next(c for c in extraction.claims if c.subject == "council/swd")
    assert claim.extractor == "rule:section-lead" and "Swindon Borough Council" in claim.quote
    # without a statement that each theme has a lead council, a section proves nothing
    plain = run(extract, text.replace(" There is one lead council for each theme.", ""))
    assert not any(c.predicate is Predicate.LEADS for c in plain.claims)


# --------------------------------------------------------------------------- programmes


def test_who_set_a_programme_up(extract) -> None:
    text = (
        "The County Councils Network has set up the Rural Transport Forum, which meets "
        "quarterly. Northamptonshire County Council launched its own Warm Spaces Scheme in "
        "October. The Clean Air Pathfinder, which was established by the Department for "
        "Transport, reports next year."
    )
    found = facts(run(extract, text))
    assert (
        "programme/rural-transport-forum",
        "createdBy",
        "body/county-councils-network",
    ) in found
    assert ("programme/warm-spaces-scheme", "createdBy", "council/nth") in found
    assert ("programme/clean-air-pathfinder", "createdBy", "body/department-for-transport") in found
    assert not any(p == "leads" for _, p, _ in found)  # setting up is not leading


def test_came_up_with_the_idea_of_a_programme_beside_another_party(extract) -> None:
    text = (
        "Last year the County Councils Network and two ministers came up with the plan for "
        "a rural housing forum, so that members could compare notes on stalled sites."
    )
    found = facts(run(extract, text))
    assert (
        "programme/rural-housing-forum",
        "createdBy",
        "body/county-councils-network",
    ) in found


def test_themes_a_programme_states(extract) -> None:
    text = (
        "Healthy Futures Programme\n\n"
        "The Healthy Futures Programme now has three workstreams: active travel, healthy "
        "eating and mental wellbeing. Barnsley is leading on active travel."
    )
    extraction = run(extract, text)
    programme = "programme/healthy-futures-programme"
    themes = {o for s, p, o in facts(extraction) if p == "hasTheme" and s == programme}
    # "mental wellbeing" is an alias of the concept "mental health" in themes.yaml
    assert themes == {"theme/active-travel", "theme/healthy-eating", "theme/mental-health"}
    claim = next(c for c in extraction.claims if c.predicate is Predicate.HAS_THEME)
    assert claim.quote.startswith("Healthy Futures Programme now has three workstreams")
    assert claim.quote.endswith("mental wellbeing")


def test_themes_listed_after_the_programme_belong_to_it(extract) -> None:
    text = (
        "Leaders of the eleven councils set up the Coastal Recovery Forum in March. "
        "At its first meeting the councils agreed four priorities for the year ahead: "
        "beach tourism, flood defence, harbour jobs and skills for young people."
    )
    found = facts(run(extract, text))
    themes = {o for s, p, o in found if p == "hasTheme" and s == "programme/coastal-recovery-forum"}
    assert {"theme/beach-tourism", "theme/flood-defence", "theme/harbour-jobs"} <= themes


def test_theme_list_far_from_any_programme_has_no_owner(extract) -> None:
    filler = "The weather stayed dry for most of the week and the roads were quiet. " * 30
    text = (
        "The Coastal Recovery Forum met in March.\n\n"
        + filler
        + "\n\nThe cabinet agreed three priorities: beach tourism, flood defence and harbour jobs."
    )
    assert not any(p == "hasTheme" for _, p, _ in facts(run(extract, text)))


def test_priorities_one_per_line_after_the_programme(extract) -> None:
    text = (
        "The Fenland Food Partnership Programme has three priorities, agreed in May:\n\n"
        "school holiday meals for children on free school meals;\n\n"
        "a network of community larders in market towns;\n\n"
        "cooking skills for young parents.\n\n"
        "Each priority has a lead officer."
    )
    found = facts(run(extract, text))
    themes = {o for s, p, o in found if p == "hasTheme"}
    assert len(themes) == 3, themes
    assert "theme/community-larders" in themes


def test_head_of_a_function_is_a_post_but_head_of_a_body_heads_it(extract) -> None:
    found = facts(run(extract, "Tomasz Nowak, the LGA's head of policy, spoke first."))
    lga = "body/local-government-association"
    assert ("person/tomasz-nowak", "holdsPost", lga) in found
    assert ("person/tomasz-nowak", "headOf", lga) not in found
    found = facts(run(extract, "Tomasz Nowak, head of Ofsted, spoke first."))
    assert ("person/tomasz-nowak", "headOf", "body/ofsted") in found


def test_a_name_the_model_runs_into_a_possessive_council(extract) -> None:
    text = "Gareth Pugh, Ceredigion's cabinet member for finance, said the budget was balanced."
    extraction = run(extract, text)
    assert "person/gareth-pugh" in refs(extraction, EntityKind.PERSON)
    assert ("person/gareth-pugh", "holdsPost", "council/cgn") in facts(extraction)


def test_a_list_cut_off_inside_its_last_council_name(extract) -> None:
    text = (
        "Recycling league table\n\n"
        "The recycling performance ratings are out. The five worst councils are\n\n"
        "Hartlepool, Sefton, Wigan, Wirral and Barking and\n\n"
        "More tables follow next month."
    )
    extraction = run(extract, text)
    worst = {c.subject for c in extraction.claims if c.rating == "worst"}
    assert "council/bdg" in worst  # "Barking and" begins one council's name only
    assert len(worst) == 5
    # a name that could be completed two ways stays out
    text = text.replace("Barking and", "Kingston upon")
    worst = {c.subject for c in run(extract, text).claims if c.rating == "worst"}
    assert len(worst) == 4


def test_a_councils_own_priorities_are_not_the_programmes(extract) -> None:
    text = (
        "The Coastal Recovery Forum met in March to compare notes.\n\n"
        "Separately, Leeds City Council agreed four priorities for the year: affordable "
        "housing, bus services, youth clubs and street cleaning."
    )
    assert not any(p == "hasTheme" for _, p, _ in facts(run(extract, text)))


def test_set_up_by_with_a_date_between(extract) -> None:
    text = (
        "The Northern Rail Skills Fund, which was established in 2015 by the Department for "
        "Transport, is closing. The Clean Streets Pilot was set up in April by Leeds City Council."
    )
    found = facts(run(extract, text))
    assert (
        "programme/northern-rail-skills-fund",
        "createdBy",
        "body/department-for-transport",
    ) in found
    assert ("programme/clean-streets-pilot", "createdBy", "council/lds") in found


def test_names_are_found_in_any_sentence_of_a_line(extract) -> None:
    # NER reads only the sentences that may hold a name; the rest of the line is skipped,
    # and the entities it finds land on the right words of the line
    text = (
        "the budget rose again this year and costs kept rising. "
        "Priya Shah, leader of Kent County Council, said so. "
        "nothing else changed in the spring. "
        "Tom Reyes, chief executive of Cornwall Council, agreed."
    )
    extraction = run(extract, text)
    people = {m.text for m in extraction.mentions if m.label is EntityKind.PERSON}
    assert people == {"Priya Shah", "Tom Reyes"}
    assert ("person/priya-shah", "headOf", "council/ken") in facts(extraction)
    assert ("person/tom-reyes", "headOf", "council/con") in facts(extraction)


def test_a_description_names_its_programme_by_a_word_of_its_name(extract) -> None:
    # "the review framework" is the Housing Quality Review's, not the pilot named last
    text = (
        "The Housing Quality Review began in March, alongside the Warm Homes Pilot. "
        "The review framework has three themes: safe homes, fair rents and tenant voice."
    )
    stated = [(s, o) for s, p, o in facts(run(extract, text)) if p == "hasTheme"]
    owners, themes = {s for s, _ in stated}, {o for _, o in stated}
    assert owners == {"programme/housing-quality-review"}
    assert themes == {"theme/safe-homes", "theme/fair-rents", "theme/tenant-voice"}


def test_a_gerund_item_keeps_what_follows_it(extract) -> None:
    text = (
        "The Housing Quality Review has three themes:\n\n"
        "- working with tenants\n- providing support\n- leadership\n"
    )
    themes = {o for s, p, o in facts(run(extract, text)) if p == "hasTheme"}
    assert "theme/working-with-tenants" in themes and "theme/working" not in themes


def test_councils_among_a_programmes_participants(extract) -> None:
    text = (
        "The Active Ageing Vanguard network was set up in 2016. Oldham and Rochdale are "
        "among the vanguards. Wigan is one of five councils that are trialling the "
        "Active Ageing Vanguard approach. Kent is one of the councils that criticised it."
    )
    joined = {s for s, p, _ in facts(run(extract, text)) if p == "participatesIn"}
    assert joined == {"council/old", "council/rch", "council/wgn"}


def test_chaired_by_after_a_relative_clause(extract) -> None:
    for text in (
        "The Harbour Board that runs the fund is chaired by Cllr Tom Hale.",
        "The Harbour Board, which meets monthly, is chaired by Cllr Tom Hale.",
    ):
        assert ("person/tom-hale", "headOf", "body/harbour-board") in facts(run(extract, text))
    said = "Kent County Council said the money that the fund gives is managed by Tom Hale."
    assert not [f for f in facts(run(extract, said)) if f[0] == "person/tom-hale"]


def test_a_rule_steps_over_an_aside_after_its_subject(extract) -> None:
    text = (
        "Medway Council, whose leader is Cllr Tom Hale, is the lead authority for the Warm "
        "Homes Pilot. Dover District Council, which has run services since 1974, will join "
        "the Warm Homes Pilot."
    )
    found = facts(run(extract, text))
    assert ("council/mdw", "leads", "programme/warm-homes-pilot") in found
    assert ("person/tom-hale", "headOf", "council/mdw") in found
    assert ("council/dov", "participatesIn", "programme/warm-homes-pilot") in found


def test_a_council_moved_from_one_rating_to_another(extract) -> None:
    text = (
        "The comprehensive performance assessment was published in May. "
        "Oldham moved from weak to fair."
    )
    [claim] = [c for c in run(extract, text).claims if c.predicate is Predicate.RATED]
    assert (claim.subject, claim.rating) == ("council/old", "fair")


def test_a_unit_placed_within_its_department_after_an_aside(extract) -> None:
    text = "The Warm Homes Team, headed by Jane Holt, is based within the Department of Health."
    found = facts(run(extract, text))
    assert ("body/warm-homes-team", "subOrganizationOf", "body/department-of-health") in found
    other = "The Warm Homes Team, which Kent County Council praised, works with the Department."
    assert not [f for f in facts(run(extract, other)) if f[1] == "subOrganizationOf"]


def test_the_new_partnership_is_made_up_of_councils(extract) -> None:
    text = (
        "Kent County Council launched the Kent Care Partnership in May. "
        "The new partnership will be made up of Medway, Dover and Thanet councils."
    )
    members = {s for s, p, o in facts(run(extract, text)) if p == "memberOf"}
    assert members == {"council/mdw", "council/dov", "council/tha"}


def test_a_member_in_the_singular_is_not_the_whole_list(extract) -> None:
    text = (
        "The work is run by Medway Council alongside the Kent Care Partnership, the county's "
        "care charity, which is a member of the National Care Federation."
    )
    members = {s for s, p, o in facts(run(extract, text)) if p == "memberOf"}
    assert "council/mdw" not in members


def test_the_expanded_programme_refers_back_but_the_previous_one_does_not(extract) -> None:
    text = (
        "The Warm Homes Pilot was launched in 2015. "
        "The expanded programme is now run by the Home Office."
    )
    found = facts(run(extract, text))
    phase = "programme/expanded-warm-homes-pilot"  # a phase of the pilot, named after it
    assert ("body/home-office", "leads", phase) in found
    earlier = text.replace("expanded", "previous")
    found = facts(run(extract, earlier))
    for programme in ("programme/warm-homes-pilot", phase):
        assert ("body/department-of-health", "leads", programme) not in found


def test_the_expanded_programme_is_a_phase_with_its_own_priorities(extract) -> None:
    text = (
        "The Warm Lofts programme has insulated 3,000 homes since 2012.\n\n"
        "The first round, run by the minister's office in 2012, concentrated on three "
        "things: damp, cold and falls. From April the expanded programme adds two new "
        "priorities:\n\n* fuel poverty\n* loneliness"
    )
    extraction = run(extract, text)
    found = facts(extraction)
    phase = "programme/expanded-warm-lofts-programme"
    assert {e.label for e in extraction.entities if e.ref == phase} == {
        "expanded Warm Lofts programme"
    }
    assert (phase, "hasTheme", "theme/fuel-poverty") in found
    assert ("programme/warm-lofts", "hasTheme", "theme/damp") in found
    assert ("programme/warm-lofts", "hasTheme", "theme/fuel-poverty") not in found


def test_a_name_before_a_programme_word_is_a_programme_not_a_person(extract) -> None:
    extraction = run(
        extract, "News\n\nHull City Council launched the Healthy Homes programme in 2011."
    )
    assert "programme/healthy-homes" in refs(extraction, EntityKind.PROGRAMME)
    assert not refs(extraction, EntityKind.PERSON)


def test_a_list_goes_on_from_the_phase_the_paragraph_before_named(extract) -> None:
    text = (
        "Warm homes news\n\n"
        "The Warm Lofts programme began in 2012 with a £3 million fund.\n\n"
        "From April the expanded programme will insulate 200 more homes.\n\n"
        "Bolton, Bury and Oldham will all take part, making the north west the largest group."
    )
    found = facts(run(extract, text))
    phase = "programme/expanded-warm-lofts-programme"
    assert ("council/bol", "participatesIn", phase) in found
    assert ("council/bol", "participatesIn", "programme/warm-lofts") not in found


def test_a_fund_named_the_paragraph_before_is_not_what_a_list_takes_part_in(extract) -> None:
    text = (
        "Warm homes news\n\n"
        "The Warm Lofts pilot scheme starts in May.\n\n"
        "Three councils will try new ways of heating homes, paid for by the £5 million Cosy "
        "Homes Fund.\n\n"
        "The pilot areas are Bolton, Bury and Oldham."
    )
    found = facts(run(extract, text))
    taking_part = {o for _, p, o in found if p == "participatesIn"}
    assert taking_part == {"programme/warm-lofts"}


def test_an_inspectorates_inspections_of_a_service_are_a_rating_scheme(extract) -> None:
    text = (
        "Youth services news\n\n"
        "In 2019 Ofsted's inspections of youth offending services found most of them good. "
        "Bolton, Bury and Oldham were all rated outstanding."
    )
    extraction = run(extract, text)
    [scheme] = [e for e in extraction.entities if e.kind is EntityKind.PROGRAMME]
    assert scheme.label == "Ofsted inspection of youth offending services"
    rated = {(c.subject, c.rating) for c in extraction.claims if c.object == scheme.ref}
    assert ("council/bol", "outstanding") in rated


def test_what_the_first_phase_did_belongs_to_the_programme_not_its_later_phase(extract) -> None:
    text = (
        "Warm homes news\n\n"
        "The Warm Lofts programme began in 2012. From April the expanded programme will "
        "insulate 200 more homes.\n\n"
        "The first phase, run by officials in 2012, dealt with three things: damp, cold homes "
        "and falls."
    )
    found = facts(run(extract, text))
    assert ("programme/warm-lofts", "hasTheme", "theme/damp") in found
    phase = "programme/expanded-warm-lofts-programme"
    assert not any(s == phase and p == "hasTheme" for s, p, _ in found)


def test_its_list_belongs_to_the_programme_named_before(extract) -> None:
    text = (
        "Warm homes news\n\n"
        "The Warm Lofts programme began in 2012.\n\n"
        + "Ministers and officials from three departments met every month. " * 30
        + "Its three aims are warmer homes; lower fuel bills; and fewer winter deaths."
    )
    found = facts(run(extract, text))
    assert ("programme/warm-lofts", "hasTheme", "theme/lower-fuel-bills") in found


def test_a_name_with_childrens_inside_is_one_name_at_the_start_of_a_sentence(extract) -> None:
    extraction = run(extract, "News\n\nThe Kent Children's Trust is run by Kent County Council.")
    labels = {e.label for e in extraction.entities}
    assert "Kent Children's Trust" in labels
    assert "Trust" not in labels


def test_the_deal_refers_back_and_a_finished_sentence_takes_no_list_from_below(extract) -> None:
    text = (
        "Growth news\n\n"
        "The Dorset Growth Deal was signed in May. Dorset Council, whose leader is Cllr "
        "Spencer Flower, is the lead council for the deal.\n\n"
        "Poole was also picked to head the harbour regeneration strand.\n\n"
        "Leeds City Council and Age UK run the Warm Homes Fund."
    )
    found = facts(run(extract, text))
    deal = "programme/dorset-growth-deal"
    assert {s for s, p, o in found if p == "leads" and o == deal} == {"council/dor"}


def test_chosen_to_head_a_strand_leads_it(extract) -> None:
    text = "Growth news\n\nBristol was also picked to head the harbour regeneration strand."
    leads = {(s, o) for s, p, o in facts(run(extract, text)) if p == "leads"}
    assert leads == {("council/bst", "theme/harbour-regeneration")}


def test_a_post_word_right_before_a_name_is_that_persons(extract) -> None:
    text = (
        "Care news\n\n"
        "The Department of Health published the figures on Monday.\n\n"
        "They were announced by health minister Ann Pryor rather than by health secretary "
        "Tom Hale, whose speech last year angered many."
    )
    posts = {
        (s, c.role)
        for c in run(extract, text).claims
        if c.predicate.value == "holdsPost"
        for s in [c.subject]
    }
    assert ("person/tom-hale", "health secretary") in posts
    assert ("person/ann-pryor", "health secretary") not in posts


def test_a_portfolio_of_two_words_before_minister(extract) -> None:
    text = (
        "Care news\n\n"
        "Twelve areas were chosen, Health and Wellbeing Minister Ann Pryor said. The Department "
        "of Health will fund them. It was signed by Chancellor Tom Hale and Health Secretary "
        "Ray Lowe."
    )
    extraction = run(extract, text)
    found = facts(extraction)
    assert ("person/ann-pryor", "holdsPost", "body/department-of-health") in found
    assert ("person/ray-lowe", "holdsPost", "body/department-of-health") in found
    assert "person/tom-hale" in refs(extraction, EntityKind.PERSON)  # not eaten by the post


def test_a_body_named_for_its_subject_with_on(extract) -> None:
    text = (
        "News\n\n"
        "Ann Pryor, who chairs the Independent Panel on Coastal Towns, welcomed the report. "
        "The Council on Monday agreed its budget."
    )
    extraction = run(extract, text)
    bodies = {e.label for e in extraction.entities if e.kind is EntityKind.BODY}
    assert bodies == {"Independent Panel on Coastal Towns"}
    chairs = {(s, o) for s, p, o in facts(extraction) if p == "headOf"}
    assert chairs == {("person/ann-pryor", "body/independent-panel-on-coastal-towns")}


def test_a_forum_with_a_chair_is_a_body(extract) -> None:
    text = "News\n\nThe Coastal Towns Forum, chaired by Lord Pryor, met in May."
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.BODY) == {"body/coastal-towns-forum"}
    assert not refs(extraction, EntityKind.PROGRAMME)
    assert {o for _, p, o in facts(extraction) if p == "headOf"} == {"body/coastal-towns-forum"}


def test_the_new_body_is_the_one_just_formed_not_the_one_left(extract) -> None:
    text = (
        "News\n\n"
        "Bolton Council is quitting the Local Government Association, a week after Bury did "
        "so. Both will form a new group, the Northern Councils Alliance, when their "
        "membership of the LGA ends.\n\n"
        "The new body will comprise Bolton, Bury and Oldham councils."
    )
    members = {(s, o) for s, p, o in facts(run(extract, text)) if p == "memberOf"}
    assert ("council/old", "body/northern-councils-alliance") in members
    assert not any(
        s == "council/old" and o != "body/northern-councils-alliance" for s, o in members
    )


def test_a_post_named_for_a_programme_is_held_in_the_council(extract) -> None:
    text = (
        "News\n\n"
        "Dorset Council was praised by inspectors. Ann Pryor, the council's Supporting People "
        "manager, said the work had paid off."
    )
    posts = {(c.subject, c.object, c.role) for c in run(extract, text).claims}
    assert ("person/ann-pryor", "council/dor", "manager") in posts


def test_a_surname_then_an_adverb_and_a_verb_is_the_person(extract) -> None:
    text = (
        "News\n\n"
        "Its president, Cllr Ann Okafor, leader of Dorset Council, spoke first.\n\n"
        "Okafor also chairs the Commission on Coastal Towns, the independent inquiry she "
        "convened in 2013, which reported last summer."
    )
    chairs = {(s, o) for s, p, o in facts(run(extract, text)) if p == "headOf"}
    assert ("person/ann-okafor", "body/commission-on-coastal-towns") in chairs


def test_audit_firms_are_bodies(extract) -> None:
    text = "News\n\nDorset Council hired KPMG and Grant Thornton to review its accounts."
    assert {"body/kpmg", "body/grant-thornton"} <= refs(run(extract, text), EntityKind.BODY)


def test_a_hyphenated_town_is_named_without_its_qualifier(extract) -> None:
    text = "News\n\nAnn Pryor, formerly chief executive of Stoke City Council, retired."
    assert refs(run(extract, text), EntityKind.COUNCIL) == {"council/ste"}  # Stoke-on-Trent


def test_the_council_is_the_one_its_paragraph_opens_with(extract) -> None:
    text = (
        "New councils\n\n"
        "Dorset Council. Ann Pryor, once chief executive of Poole, is now the new council's "
        "chief executive. Cllr Tom Hale, who chaired the interim board, leads the council."
    )
    found = facts(run(extract, text))
    assert ("person/tom-hale", "headOf", "council/dor") in found


def test_a_national_bodys_local_branch_is_a_body_of_its_own(extract) -> None:
    text = "News\n\nThe scheme, run by Citizens Advice Leeds, helped 300 families."
    bodies = {e.label for e in run(extract, text).entities if e.kind is EntityKind.BODY}
    assert bodies == {"Citizens Advice Leeds"}


def test_a_council_running_its_programme_under_a_name_leads_it(extract) -> None:
    text = (
        "News\n\n"
        "Hull City Council, which runs its own scheme under the name Healthy Hull Homes, "
        "was picked too. Dorset Council runs a pilot known as Safe at Home."
    )
    leads = {(s, o) for s, p, o in facts(run(extract, text)) if p == "leads"}
    assert leads == {
        ("council/khl", "programme/healthy-hull-homes"),
        ("council/dor", "programme/safe-at-home"),
    }


def test_a_campaign_named_as_a_call_to_act(extract) -> None:
    text = "News\n\nThe LGA board set up the Be a Trustee programme this year."
    extraction = run(extract, text)
    assert refs(extraction, EntityKind.PROGRAMME) == {"programme/be-a-trustee"}
    assert not refs(extraction, EntityKind.PERSON)


def test_nhs_place_ccg_is_one_body(extract) -> None:
    text = "News\n\nJo Fenn is chief officer of NHS Bristol CCG. The LGA Improvement Board met."
    extraction = run(extract, text)
    bodies = {e.label for e in extraction.entities if e.kind is EntityKind.BODY}
    assert "NHS Bristol Clinical Commissioning Group" in bodies
    assert "Improvement Board" in bodies  # two names stay two


def test_the_areas_of_councils_are_no_pilot_areas(extract) -> None:
    text = (
        "News\n\n"
        "The Coastal Growth Deal was signed in May. The new council now delivers all services "
        "in the areas of the old Poole, Bournemouth and Christchurch councils."
    )
    assert not any(p == "participatesIn" for _, p, _ in facts(run(extract, text)))


def test_among_them_points_back_to_a_sentence_about_taking_part(extract) -> None:
    text = (
        "News\n\n"
        "The Coastal Towns Fund was launched in May. In October the minister picked eight more "
        "towns to join the fund. Among them are Hastings, Blackpool and Torbay."
    )
    extraction = run(extract, text)
    labels = {e.ref: e.label for e in extraction.entities}
    joined = {labels[s] for s, p, o in facts(extraction) if p == "participatesIn"}
    assert {"Blackpool Borough Council", "Torbay Council"} <= joined
    quiet = "News\n\nThe minister visited many towns. Among them were Plymouth and Ipswich."
    assert not any(p == "participatesIn" for _, p, _ in facts(run(extract, quiet)))
