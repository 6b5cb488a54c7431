"""Headless Chromium (Debian's package) driven by Playwright against a real server on loopback.

Set CIVICGRAPH_BROWSER_URL to run the browser tests against a server that is already running
(e.g. `civicgraph serve --port 8765`) instead of the seeded server the suite starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CIVICGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def base_url(request: pytest.FixtureRequest) -> str:
    """The explorer's address: a running server named by the environment, else the seeded one."""
    url = os.environ.get("CIVICGRAPH_BROWSER_URL")
    if url:
        return url.rstrip("/")
    return request.getfixturevalue("server").url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `bash tests/setup_browser.sh` (as root) first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class Errors(list):
    """Uncaught JavaScript errors seen by a page."""


def _open_page(browser, viewport: dict) -> tuple:
    context = browser.new_context(viewport=viewport, locale="en-GB", service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = Errors()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh laptop-sized page; the test fails if the page throws an uncaught error."""
    context, page, errors = _open_page(browser, LAPTOP)
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def phone_page(browser) -> Iterator:
    """A fresh phone-sized page."""
    context, page, errors = _open_page(browser, PHONE)
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of the page under tests/browser/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
