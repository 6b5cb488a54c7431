"""The web explorer in headless Chromium against a real server on loopback.

The entity, leads and path tests need the graph answers (issue 4) and extraction; the search,
document and state tests need only the backbone.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)

KENT = "E10000016"
STATGEO = "http://statistics.data.gov.uk/id/statistical-geography/"


def settled(page: Page) -> None:
    """Wait until the view for the current address has rendered."""
    page.wait_for_function(
        """() => { const main = document.querySelector('main');
                   return main.dataset.rendered === location.hash
                       && main.getAttribute('aria-busy') === 'false'; }"""
    )


def open_view(page: Page, base_url: str, fragment: str) -> None:
    """Load the explorer at a route and wait until the view has rendered."""
    page.goto(f"{base_url}/{fragment}")
    settled(page)


def search(page: Page, base_url: str, query: str) -> None:
    """Type a query into the search box and press Enter, as a user would."""
    open_view(page, base_url, "#/search")
    box = page.get_by_role("searchbox", name="Search passages")
    box.fill(query)
    box.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text(query)


# -- search --------------------------------------------------------------------------------


def test_search_shows_passages_with_the_query_words_highlighted(page: Page, base_url: str) -> None:
    search(page, base_url, "older people in hospital")
    assert "#/search?q=older+people+in+hospital" in page.url
    results = page.locator("ol.results > li")
    expect(results.first).to_be_visible()
    assert results.count() >= 3
    first = results.first
    expect(first.locator("h3 a")).to_have_text(re.compile(r"\S"))  # the document title
    expect(first.locator(".meta")).to_have_text(re.compile(r"\d{4}|undated"))  # and its date
    marks = page.locator("ol.results mark.hit")
    assert marks.count() >= 3
    words = {m.lower() for m in marks.all_inner_texts()}
    assert any(w.startswith(("hospital", "older", "people")) for w in words), words
    expect(page).to_have_title(re.compile("older people in hospital"))
    screenshot(page, "search")


def test_a_search_has_its_own_url_and_the_back_button_returns_to_it(
    page: Page, base_url: str
) -> None:
    search(page, base_url, "community safety")
    search_url = page.url
    box = page.get_by_role("searchbox", name="Search passages")
    box.fill("school improvement")
    box.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("school improvement")
    page.go_back()
    expect(page.locator("#results-heading")).to_contain_text("community safety")
    expect(box).to_have_value("community safety")
    # the same address opened afresh shows the same search
    fresh = page.context.new_page()
    fresh.goto(search_url)
    expect(fresh.locator("#results-heading")).to_contain_text("community safety")
    fresh.close()


def test_search_filters_by_document_and_by_entity_type(page: Page, base_url: str) -> None:
    search(page, base_url, "council")
    select = page.get_by_label("Document")
    options = select.locator("option")
    assert options.count() >= 3  # "All documents" and the seeds
    title = options.nth(1).inner_text().rsplit(" (", 1)[0]
    select.select_option(index=1)
    expect(page).to_have_url(re.compile(r"document="))
    settled(page)
    expect(page.locator("#results-heading")).to_contain_text("council")
    titles = page.locator("ol.results .result-head h3").all_inner_texts()
    assert titles and all(t == title for t in titles), (title, titles)
    page.get_by_label("Mentions a").select_option("council")
    expect(page).to_have_url(re.compile(r"type=council"))
    settled(page)
    expect(page.locator("#results-heading")).to_be_visible()


def test_a_result_opens_its_passage_in_the_document(page: Page, base_url: str) -> None:
    search(page, base_url, "reducing hospital admissions for older people")
    first = page.locator("ol.results > li").first
    passage = first.get_attribute("data-passage")
    first.locator("h3 a").click()
    expect(page).to_have_url(re.compile(r"#/document/[^#]+#passage="))
    target = page.locator(".passage.is-target")
    expect(target).to_have_count(1)
    expect(target).to_have_attribute("data-passage", passage)
    expect(target).to_be_in_viewport()


# -- entities, leads and paths (need extraction and the graph answers) ----------------------


def test_a_result_entity_opens_its_card(page: Page, base_url: str) -> None:
    search(page, base_url, "Kent Council reduce hospital admissions of older people")
    chip = page.locator("ol.results .chip", has_text="Kent").first
    expect(chip).to_be_visible()
    chip.click()
    expect(page).to_have_url(re.compile(r"#/entity/council/ken$"))
    expect(page.locator("h1")).to_contain_text("Kent")
    expect(page.locator(".entity-head .badge")).to_have_text("Council")
    identifiers = page.locator(".identifiers")
    expect(identifiers).to_contain_text(KENT)
    expect(identifiers.locator(f'a[href="{STATGEO}{KENT}"]')).to_be_visible()
    groups = page.locator(".relation-group")
    expect(groups.first).to_be_visible()
    expect(page.locator(".relation .evidence blockquote").first).to_be_visible()
    expect(page.locator("#documents-heading + ul li a").first).to_be_visible()
    screenshot(page, "entity")


def test_a_quote_link_lands_on_its_passage_highlighted(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/entity/council/ken")
    quote = page.locator(".relation .evidence").first
    words = quote.locator("blockquote").inner_text().strip('“”" ')
    quote.locator("a.evidence-link").click()
    expect(page).to_have_url(re.compile(r"#/document/[^#]+#passage="))
    target = page.locator(".passage.is-target")
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()
    mark = target.locator("mark.quote-mark")
    expect(mark.first).to_be_visible()
    marked = " ".join(mark.all_inner_texts())
    assert " ".join(marked.split())[:20] == " ".join(words.split())[:20]
    screenshot(page, "document", full_page=False)
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/entity/council/ken$"))


def test_leads_table_sorts_and_filters(page: Page, base_url: str) -> None:
    answer = page.request.get(f"{base_url}/leads").json()["leads"]
    assert answer, "no leads on the seeds: is extraction in place?"
    open_view(page, base_url, "#/leads")
    rows = page.locator(".leads-table tbody tr")
    expect(rows).to_have_count(len(answer))
    first = answer[0]
    row = rows.filter(has_text=first["leader"]["label"]).filter(has_text=first["led"]["label"])
    expect(row.first.locator(".evidence blockquote").first).to_be_visible()
    expect(row.first.locator("a.evidence-link").first).to_have_attribute(
        "href", re.compile(r"^#/document/.+#passage=")
    )
    if first["leader"].get("gss"):
        expect(row.first).to_contain_text(first["leader"]["gss"])
    screenshot(page, "leads")

    table = page.locator(".leads-table")
    header = table.get_by_role("columnheader", name=re.compile("Leads"))
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    led = [r["led"]["label"] for r in answer]
    shown = rows.locator("td:nth-child(2) .chip-label").all_inner_texts()
    assert shown == sorted(led, key=str.casefold) or len(set(led)) == 1, shown
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"sort=led&dir=desc"))

    leader = first["leader"]["label"]
    expected = sum(leader.lower() in r["leader"]["label"].lower() for r in answer)
    page.get_by_label("Council or body").fill(leader)
    expect(rows).to_have_count(expected)
    expect(page).to_have_url(re.compile(r"council="))
    page.get_by_label("Council or body").fill("no such council at all")
    expect(page.locator(".empty-cell")).to_contain_text("No leads match")


def test_leads_on_the_seeds_include_the_forum_themes(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/leads")
    table = page.locator(".leads-table")
    for council, theme in [
        ("Kent", "care of older people"),
        ("Camden", "community safety"),
        ("Blackburn with Darwen", "school improvement"),
        ("Sunderland", "public service integration"),
    ]:
        row = table.locator("tbody tr", has_text=council).filter(has_text=theme)
        expect(row.first).to_be_visible()


def choose_entity(page: Page, label: str, typed: str, pick: str) -> None:
    """Type into an autocomplete box and pick the suggestion that contains `pick`."""
    box = page.get_by_role("combobox", name=label)
    box.fill(typed)
    option = page.get_by_role("listbox", name=f"{label} suggestions").get_by_role(
        "option", name=re.compile(pick)
    )
    expect(option.first).to_be_visible()
    option.first.click()
    expect(box).to_have_value(re.compile(pick))


def test_path_explorer_draws_a_path_between_two_entities(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/path")
    choose_entity(page, "From", "Phil Swan", "Phil Swann")
    choose_entity(page, "To", "Sunderland", "Sunderland")
    page.get_by_role("button", name="Find paths").click()
    expect(page).to_have_url(re.compile(r"#/path\?source=.+&target=.+"))

    graph = page.locator("svg.graph")
    nodes = graph.locator(".node")
    edges = graph.locator(".edge")
    expect(edges.first).to_be_visible()
    names = nodes.evaluate_all("els => els.map(el => el.getAttribute('aria-label'))")
    assert any(n.startswith("Phil Swann") for n in names), names
    assert any("Sunderland" in n for n in names), names
    facts_labels = graph.locator(".edge:not(.weak) .edge-label").all_text_contents()
    assert all(t.strip() for t in facts_labels), facts_labels
    # stated facts are arrows; co-mentions (a weaker link) are dashed lines without one
    facts = graph.locator(".edge:not(.weak) .edge-line")
    for i in range(facts.count()):
        expect(facts.nth(i)).to_have_attribute("marker-end", re.compile(r"url\(#arrow"))
    if facts.count() == 0:
        expect(page.locator(".note")).to_contain_text("weaker links")
    expect(page.locator(".path-list li").first).to_contain_text("Phil Swann")

    # an edge shows its evidence
    edges.first.click()
    details = page.locator(".graph-details")
    expect(details.locator(".edge-summary")).to_be_visible()
    expect(details.locator(".evidence").first).to_be_visible()
    screenshot(page, "path")

    # a node on the path adds its neighbours
    before = nodes.count()
    middle = graph.locator(".node.role-path").first
    middle.click()
    expect(details).to_contain_text(re.compile(r"Added \d+ neighbour|No new neighbours"))
    assert nodes.count() >= before
    screenshot(page, "path-expanded")


def test_co_mention_paths_are_drawn_as_weaker_links(page: Page, base_url: str) -> None:
    def entity(key: str, label: str, kind: str) -> dict:
        iri = f"https://w3id.org/civicgraph/id/{key}"
        return {"id": key, "iri": iri, "label": label, "type": kind, "gss": None}

    a = entity("person/ann-example", "Ann Example", "person")
    b = entity("council/xyz", "Example Borough Council", "council")
    evidence = {"passage": "doc-p0001", "document": "doc", "quote": "Ann Example met the council"}
    body = {
        "source": a,
        "target": b,
        "max_hops": 4,
        "co_mention": True,
        "paths": [
            {
                "hops": 1,
                "co_mention": True,
                "nodes": [a, b],
                "edges": [
                    {
                        "source": a["id"],
                        "target": b["id"],
                        "predicate": "coMentioned",
                        "direction": "none",
                        "kind": "co-mention",
                        "role": None,
                        "rating": None,
                        "evidence": [evidence],
                    }
                ],
            }
        ],
    }
    page.route(
        re.compile(r".*/paths\?.*"),
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(body)
        ),
    )
    open_view(page, base_url, "#/path?source=person/ann-example&target=council/xyz")
    edge = page.locator("svg.graph .edge")
    expect(edge).to_have_count(1)
    expect(edge).to_have_class(re.compile(r"\bweak\b"))
    expect(edge.locator(".edge-line")).not_to_have_attribute("marker-end", re.compile("."))
    expect(page.locator(".note")).to_contain_text("weaker links")
    edge.click()
    expect(page.locator(".graph-details blockquote")).to_contain_text("Ann Example met")


def test_unknown_entity_shows_the_nearest_names(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/entity/council/kentt")
    expect(page.locator("h1")).to_have_text("Unknown entity")
    state = page.locator('[data-state="unknown-entity"]')
    expect(state).to_contain_text("council/kentt")
    expect(state.locator(".suggestions .chip").first).to_be_visible()
    screenshot(page, "unknown-entity")


def test_an_ambiguous_name_lists_the_candidates(page: Page, base_url: str) -> None:
    candidates = [
        {"id": "person/ann-smith", "label": "Ann Smith", "type": "person"},
        {"id": "person/bob-smith", "label": "Bob Smith", "type": "person"},
    ]
    body = {
        "error": {
            "status": 409,
            "code": "ambiguous",
            "message": "'Smith' matches 2 entities",
            "candidates": candidates,
        }
    }
    page.route(
        re.compile(r".*/entities/Smith$"),
        lambda route: route.fulfill(
            status=409, content_type="application/json", body=json.dumps(body)
        ),
    )
    open_view(page, base_url, "#/entity/Smith")
    expect(page.locator("h1")).to_have_text("Which one?")
    chips = page.locator('[data-state="ambiguous"] .suggestions .chip')
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_attribute("href", "#/entity/person/ann-smith")


# -- empty and error states ---------------------------------------------------------------


def test_a_search_with_no_results_says_so(page: Page, base_url: str) -> None:
    page.route(
        re.compile(r".*/search\?.*"),
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"query": "zzyzx quux", "results": []}),
        ),
    )
    open_view(page, base_url, "#/search?q=zzyzx%20quux&type=theme")
    expect(page.locator("#results-heading")).to_have_text("No passages for “zzyzx quux”")
    expect(page.locator(".state")).to_contain_text("Try removing a filter")
    expect(page.get_by_role("link", name="Search without filters")).to_be_visible()
    screenshot(page, "no-results")


def test_a_server_error_is_shown_with_a_way_to_try_again(page: Page, base_url: str) -> None:
    body = {"error": {"status": 503, "code": "timeout", "message": "query ran past its limit"}}
    page.route(
        re.compile(r".*/search\?.*"),
        lambda route: route.fulfill(
            status=503, content_type="application/json", body=json.dumps(body)
        ),
    )
    open_view(page, base_url, "#/search?q=older%20people")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("query ran past its limit")
    expect(alert).to_contain_text("503")
    screenshot(page, "server-error")
    page.unroute(re.compile(r".*/search\?.*"))
    alert.get_by_role("button", name="Try again").click()
    expect(page.locator("ol.results > li").first).to_be_visible()


def test_an_unknown_document_and_an_unknown_page_say_so(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/document/no-such-document")
    expect(page.locator("h1")).to_have_text("Unknown document")
    open_view(page, base_url, "#/nowhere")
    expect(page.locator("h1")).to_have_text("Page not found")


# -- SPARQL and the API docs ----------------------------------------------------------------


def test_the_footers_sparql_link_opens_a_query_form_that_answers(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/")
    page.get_by_role("link", name="SPARQL", exact=True).click()
    settled(page)
    box = page.get_by_role("textbox", name="Query")
    box.fill("SELECT ?document ?title WHERE { ?document a foaf:Document ; dcterms:title ?title }")
    page.get_by_role("button", name="Run query").click()
    settled(page)
    assert "query=" in page.url  # the query is in the address, to be shared
    table = page.locator("table.sparql-results")
    expect(table.locator("th")).to_have_text(["document", "title"])
    documents = httpx.get(f"{base_url}/documents").json()["documents"]
    expect(table.locator("tbody tr")).to_have_count(len(documents))
    # a mistake is shown with its place in the user's own text
    box.fill("SELECT ?s WHERE {\n  ?s a ex:Thing }")
    page.get_by_role("button", name="Run query").click()
    settled(page)
    expect(page.locator(".sparql-answer [role=alert]")).to_contain_text(
        "unknown prefix ex: (at line 2, column 8)"
    )


def test_the_api_docs_render_with_nothing_fetched_from_elsewhere(page: Page, base_url: str) -> None:
    elsewhere: list[str] = []
    origin = base_url.split("://", 1)[1]

    def only_here(route) -> None:
        if route.request.url.split("://", 1)[-1].startswith(origin):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{base_url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("civicgraph")
    expect(page.locator(".opblock-summary-path", has_text="/search").first).to_be_visible()
    assert not elsewhere, f"/docs fetched from elsewhere: {elsewhere}"


# -- usable ---------------------------------------------------------------------------------


def test_search_works_from_the_keyboard_alone(page: Page, base_url: str) -> None:
    open_view(page, base_url, "#/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    box = page.get_by_role("searchbox", name="Search passages")
    for _ in range(12):
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.type("school improvement")
    page.keyboard.press("Enter")
    expect(page.locator("ol.results > li").first).to_be_visible()
    # every control on the page has a name a screen reader can read out
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')].filter(el => {
            const id = el.id && document.querySelector(`label[for="${el.id}"]`);
            return !(id || el.getAttribute('aria-label') || el.textContent.trim());
        }).map(el => el.outerHTML)"""
    )
    assert not unnamed, unnamed


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


def test_phone_width_layout_renders(phone_page: Page, base_url: str) -> None:
    page = phone_page
    search(page, base_url, "older people in hospital")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    expect(page.locator("ol.results > li").first).to_be_visible()
    _no_sideways_scroll(page)
    box = page.locator("ol.results > li").first.bounding_box()
    assert box and box["width"] <= 390
    screenshot(page, "phone-search")

    page.locator("ol.results > li h3 a").first.click()
    expect(page.locator(".passage.is-target")).to_be_in_viewport()
    _no_sideways_scroll(page)
    screenshot(page, "phone-document", full_page=False)

    open_view(page, base_url, "#/leads")
    _no_sideways_scroll(page)
    screenshot(page, "phone-leads")

    open_view(page, base_url, "#/path?source=Phil%20Swann&target=Sunderland%20City%20Council")
    _no_sideways_scroll(page)
    screenshot(page, "phone-path")
