"""The app on a phone (390x844, touch) in headless Chromium: the chat first and full width,
the map and the reading list one tap away, a citation's card shown where it was tapped."""

from __future__ import annotations

import pytest

from tests import test_browser as desktop
from tests.test_browser import PHONE, ask, opened, tab

pytestmark = pytest.mark.slow
browser = desktop.browser  # the same fixture, this module's own (app_url comes from conftest)


@pytest.fixture(scope="module")
def phone(browser, app_url):
    with opened(browser, app_url, viewport=PHONE) as page:
        yield page


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_the_chat_comes_first_and_full_width(phone):
    chat, sources = box(phone, "#chatbot"), box(phone, "#side")
    assert chat["y"] < sources["y"] and chat["width"] > 0.85 * PHONE["width"]
    assert chat["y"] + chat["height"] < PHONE["height"]  # the whole chat fits on the screen
    assert phone.locator("#map svg").count() == 0 or not phone.locator("#map svg").is_visible()


def test_tapping_a_citation_keeps_the_chat_and_shows_the_card_on_screen(phone):
    ask(phone, "Which posters are about federated learning?")
    citation = phone.locator("#chatbot [data-testid='bot'] abbr.cite").nth(2)
    citation.scroll_into_view_if_needed()
    board = citation.inner_text().strip("[]#")
    scroller = """() => [window.scrollY, ...[...document.querySelectorAll('#chatbot *')]
        .filter(e => e.scrollHeight > e.clientHeight + 4).map(e => e.scrollTop)]"""
    before = phone.evaluate(scroller)
    citation.tap()
    card = phone.locator("#cite-pop")
    card.wait_for(state="visible", timeout=5_000)
    phone.wait_for_timeout(600)  # any scrolling would have happened by now
    assert phone.evaluate(scroller) == before
    where = card.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= PHONE["width"]
    assert where["y"] >= 0 and where["y"] + where["height"] <= PHONE["height"]
    assert f"#{board}" in card.inner_text() and "Similar posters" in card.inner_text()
    phone.locator("#cite-pop .pop-close").tap()
    assert not card.is_visible()


def test_the_sources_are_compact_cards_and_the_map_has_its_own_tab(phone):
    cards = phone.locator("#sources-box .poster-card")
    assert cards.count() >= 2
    assert cards.first.bounding_box()["height"] < 220  # title and buttons; abstract on tap
    tab(phone, "Map")
    hits = phone.locator("#map circle.hit")
    hits.first.wait_for(timeout=10_000)
    assert box(phone, "#map svg")["width"] <= PHONE["width"]
    hits.first.tap()
    assert phone.locator("#cite-pop").is_visible()
    phone.locator("#cite-pop .pop-close").tap()
    tab(phone, "Sources")


def test_the_app_is_installable(phone, app_url):
    manifest = phone.evaluate("document.querySelector('link[rel=manifest]')?.href")
    assert manifest and manifest.startswith(app_url)
