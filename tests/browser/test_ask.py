"""The question box in headless Chromium against a real server on loopback: a question asked
on the home page, how it was read, the answers with quotes that open their passages, the
passages; an unknown name; the answer's own address.

The questions are made from what the server's graph holds (its leads), not written for it."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_explorer import open_view, settled

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)


def a_lead(page: Page, base_url: str) -> dict:
    """A theme or programme the graph says someone leads, and who."""
    leads = page.request.get(f"{base_url}/leads").json()["leads"]
    assert leads, "the store holds no leads to ask about"
    return leads[0]


def ask(page: Page, base_url: str, question: str) -> None:
    """Type a question into the home page's question box and press Enter, as a user would."""
    open_view(page, base_url, "#/")
    box = page.get_by_role("searchbox", name="Ask a question")
    box.fill(question)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"#/ask\?q="))
    settled(page)


def test_a_question_on_the_home_page_is_answered_with_quotes(page: Page, base_url: str) -> None:
    lead = a_lead(page, base_url)
    ask(page, base_url, f"Who leads {lead['led']['label']}?")
    reading = page.locator(".interpretation")
    expect(reading).to_have_attribute("data-shape", "leaders")
    expect(reading.locator(".reading")).to_contain_text(lead["led"]["label"])
    expect(reading.locator(".link .chip").first).to_have_attribute(
        "href", f"#/entity/{lead['led']['id']}"
    )
    answers = page.locator("ol.answers > li")
    expect(answers.first).to_be_visible()
    leaders = answers.locator(".answer-head > a.chip").all_inner_texts()
    assert any(lead["leader"]["label"] in text for text in leaders), leaders
    quote = answers.first.locator(".evidence").first
    expect(quote.locator("blockquote")).to_have_text(re.compile(r"\S"))
    expect(quote.locator("figcaption")).to_have_text(re.compile(r"\d{4}|\S"))
    expect(page.locator("ol.results > li").first).to_be_visible()  # the passages
    screenshot(page, "ask")
    quote.locator("a.evidence-link").click()
    expect(page).to_have_url(re.compile(r"#/document/[^#]+#passage="))
    expect(page.locator(".passage.is-target")).to_be_in_viewport()
    page.go_back()
    expect(page.locator("ol.answers > li").first).to_be_visible()


def test_an_answer_has_its_own_address(page: Page, base_url: str) -> None:
    lead = a_lead(page, base_url)
    open_view(page, base_url, f"#/ask?q=Who+leads+{lead['led']['label'].replace(' ', '+')}")
    box = page.get_by_role("searchbox", name="Ask a question")
    expect(box).to_have_value(f"Who leads {lead['led']['label']}")
    expect(page.locator("ol.answers > li").first).to_be_visible()
    expect(page).to_have_title(re.compile("Ask: Who leads"))


def test_an_unknown_name_shows_the_nearest_and_the_passages(page: Page, base_url: str) -> None:
    ask(page, base_url, "Who is the chief executive of Gotham Borough Council?")
    unknown = page.locator(".interpretation .unknown")
    expect(unknown).to_contain_text("no such entity 'Gotham Borough Council'; nearest:")
    expect(unknown.locator(".chip").first).to_be_visible()
    expect(page.locator("#answers-heading")).to_have_text("No answer from the graph")
    expect(page.locator("ol.results > li").first).to_be_visible()


def test_a_question_no_shape_fits_shows_the_passages(page: Page, base_url: str) -> None:
    ask(page, base_url, "Why is it hard to keep older people out of hospital?")
    expect(page.locator(".interpretation")).to_have_attribute("data-shape", "")
    expect(page.locator(".interpretation .reading")).to_contain_text("no shape of question fits")
    expect(page.locator("ol.results > li").first).to_be_visible()


def test_as_of_is_sent_and_shown(page: Page, base_url: str) -> None:
    lead = a_lead(page, base_url)
    open_view(page, base_url, "#/ask")
    page.get_by_role("searchbox", name="Ask a question").fill(f"Who leads {lead['led']['label']}")
    page.get_by_label("As of (a year)").fill("1990")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=1990"))
    settled(page)
    expect(page.locator(".interpretation .link").last).to_contain_text("as of 1990")
    expect(page.locator("#answers-heading")).to_have_text("No answer from the graph")
