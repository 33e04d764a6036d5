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


def test_the_chat_takes_most_of_the_screen_with_the_box_under_it(browser, app_url):
    """The chat was a 490 px box (58vh): a list answer showed its first lines. It takes the
    phone's height less the title and the message box, and the box still shows under it."""
    with opened(browser, app_url, viewport=PHONE) as page:
        chat, asked = box(page, "#chatbot"), box(page, "#msg")
        assert chat["height"] >= 0.75 * PHONE["height"], chat
        assert chat["y"] + chat["height"] <= asked["y"]
        assert asked["y"] + asked["height"] <= PHONE["height"]  # on the screen as it opens
        ask(page, "Which posters are about federated learning?")
        answer = page.evaluate(IN_VIEW)
        assert answer["view"][1] - answer["view"][0] >= 0.7 * PHONE["height"], answer


def swipe(page, x: float, y: float, dy: float, steps: int = 10) -> None:
    """A finger's swipe from (x, y) by dy (negative: up, the page goes down), as touch
    events, then its glide."""
    cdp = page.context.new_cdp_session(page)
    touch = [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": touch})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y + dy * i / steps}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    page.wait_for_timeout(800)


def test_a_cards_sheet_goes_when_the_reader_scrolls_away_from_it(browser, app_url):
    """A citation's card (a sheet over the bottom half) stayed open after one scrolled down
    to the Sources, over half of them. It goes when the reader scrolls the chat or the page
    away from it; not on a small scroll, not when scrolling inside the card, not on a star."""
    with opened(browser, app_url, viewport=PHONE) as page:
        ask(page, "Which posters are about federated learning?")
        citation = page.locator("#chatbot [data-testid='bot'] abbr.cite").nth(2)
        citation.scroll_into_view_if_needed()
        citation.tap()
        card = page.locator("#cite-pop")
        card.wait_for(state="visible", timeout=5_000)
        sheet = card.bounding_box()
        swipe(page, 200, sheet["y"] + sheet["height"] - 60, -300)  # reading the abstract
        assert card.is_visible()
        above = sheet["y"] / 2  # the chat, above the sheet
        swipe(page, 200, above, -40, steps=4)
        assert card.is_visible()  # a small scroll
        card.locator("button[data-act=star]").tap()
        page.wait_for_timeout(1_500)
        assert card.is_visible() and "★ Starred" in card.inner_text()
        swipe(page, 200, above + 150, -300)
        assert not card.is_visible()
        # On the Map, under the chat: a dot's card goes as the page scrolls on.
        tab(page, "Map")
        page.locator("#map circle.hit").first.wait_for(timeout=10_000)
        page.evaluate("document.querySelector('#map').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        dot = page.locator("#map circle.hit").first
        dot.tap()
        card.wait_for(state="visible", timeout=5_000)
        top = page.evaluate("scrollY")
        swipe(page, 200, card.bounding_box()["y"] - 10, -300)
        assert page.evaluate("scrollY") > top + 100 and not card.is_visible()


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


def test_tapping_a_related_poster_shows_its_card_and_cites_nothing(browser, app_url):
    with opened(browser, app_url, viewport=PHONE) as page:
        desktop.tap_a_related_poster(page, "related_phone.png")


def test_the_app_is_installable(phone, app_url):
    manifest = phone.evaluate("document.querySelector('link[rel=manifest]')?.href")
    assert manifest and manifest.startswith(app_url)


def test_no_icon_covers_the_words_of_a_long_question(phone):
    ask(phone, desktop.LONG_QUESTION)
    shown = phone.evaluate(desktop.COVERED)
    assert shown["seen"] > 100 and shown["hidden"] == [] and shown["over"] == []


def luminance(rgb: str) -> float:
    """WCAG's relative luminance of a CSS `rgb(r, g, b)` colour."""
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_citations_are_readable_against_the_answer(phone):
    """A citation is the thing to tap in an answer: WCAG AA contrast (4.5:1) for its text."""
    ask(phone, "What's at #813?")
    colours = phone.evaluate("""() => { const c = [...document.querySelectorAll(
        '#chatbot [data-testid=bot] abbr.cite')].pop(); let bg = c;
        while (getComputedStyle(bg).backgroundColor === 'rgba(0, 0, 0, 0)') bg = bg.parentElement;
        return [getComputedStyle(c).color, getComputedStyle(bg).backgroundColor]; }""")
    light, dark = sorted(map(luminance, colours), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, colours


def test_the_maps_labels_stand_apart_next_to_their_dots(phone):
    ask(phone, "Summarize the work on diffusion models")
    tab(phone, "Map")
    phone.locator("#map circle.hit").first.wait_for(timeout=10_000)
    assert desktop.assert_map_labels(phone) >= 8  # a crowd of them, each one named
    tab(phone, "Sources")


# Where the last question and the first line of its answer are, against the chat's view.
IN_VIEW = """() => {
  const q = [...document.querySelectorAll('#chatbot [data-testid=user]')].pop();
  const a = [...document.querySelectorAll('#chatbot [data-testid=bot]')].pop();
  let box = q.parentElement;
  while (!/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  const v = box.getBoundingClientRect(), r = q.getBoundingClientRect();
  const walk = document.createTreeWalker(a, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
  const first = document.createRange(); first.selectNodeContents(walk.nextNode());
  const line = first.getClientRects()[0];
  return {view: [v.top, v.bottom], question: [r.top, r.bottom], first: [line.top, line.bottom],
          answer: a.getBoundingClientRect().height}; }"""


def test_a_long_answer_is_read_from_its_start(phone):
    """A count lists 12 posters, screens long on a phone: the question stays at the top of
    the chat's view and the answer's first line (the number) under it, not its end."""
    ask(phone, "How many posters are about reinforcement learning?")
    where = phone.evaluate(IN_VIEW)
    (top, bottom), (q_top, q_bottom) = where["view"], where["question"]
    assert where["answer"] > 2 * (bottom - top)  # long enough to need scrolling
    assert top <= q_top and q_bottom <= top + 0.4 * (bottom - top), where
    assert top <= where["first"][0] and where["first"][1] <= bottom, where
    first = phone.locator("#chatbot [data-testid='bot']").last.inner_text().splitlines()[0]
    assert "posters are about" in first


def test_tex_dashes_in_a_card_read_as_dashes(phone):
    """#1304's abstract writes TeX's em dash (`divergence---called`): the card shows —."""
    ask(phone, "What's at #1304?")
    phone.locator("#chatbot [data-testid='bot'] abbr.cite", has_text="[#1304]").last.tap()
    card = phone.locator("#cite-pop")
    card.wait_for(state="visible", timeout=5_000)
    assert "KL divergence—called the Tsallis" in card.inner_text()
    assert "---" not in card.inner_text()
    phone.locator("#cite-pop .pop-close").tap()


def test_a_cards_question_brings_the_chat_into_view(phone):
    """"Similar posters" on a card of the Sources tab (under the chat on a phone) asks in
    the chat: the page goes up to it, the question and its answer on the screen."""
    ask(phone, "Which posters are about federated learning?")
    tab(phone, "Sources")
    similar = phone.locator("#sources-box button[data-act=similar]").last
    board = similar.get_attribute("data-board")
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    similar.scroll_into_view_if_needed()
    assert box(phone, "#chatbot")["y"] + box(phone, "#chatbot")["height"] < 0  # scrolled away
    count = desktop.bots(phone)
    similar.tap()
    phone.wait_for_function(desktop.WAIT_DONE, arg=count + 1, timeout=60_000, polling=200)
    question = phone.locator("#chatbot [data-testid='user']").last
    assert question.inner_text().strip() == f"Which posters are similar to #{board}?"
    where = phone.evaluate(IN_VIEW)
    (top, bottom), (q_top, q_bottom) = where["view"], where["question"]
    assert top > -1 and bottom < PHONE["height"]  # the chat's view on the screen
    assert top <= q_top and q_bottom <= bottom, where  # and the question in it


def test_a_chip_tap_asks_and_one_tap_downloads_the_conversation(browser, app_url):
    """A tapped chip only filled the box: it asks, and the page goes up to the chat with the
    answer in it. The conversation downloads in one tap (the file widget it made, beside its
    button, had its name cut to ".md"), the button within the screen."""
    with opened(browser, app_url, viewport=PHONE) as page:
        text = desktop.chip(page, "What's at #813?")
        assert "[#813]" in text and page.locator(
            "#chatbot [data-testid='bot'] abbr.cite", has_text="[#813]").count() == 1
        page.wait_for_timeout(500)
        answer = box(page, "#chatbot [data-testid='bot'] abbr.cite")
        assert answer["y"] >= 0 and answer["y"] + answer["height"] <= PHONE["height"]
        button = box(page, "#export-chat")
        assert button["x"] >= 0 and button["x"] + button["width"] <= PHONE["width"]
        saved = desktop.downloaded(page, "#export-chat")
        assert "**You:** What's at #813?" in saved
        assert "- [#813] Scaling Data-Constrained Language Models" in saved


# Each example chip: whether it shows whole inside the chips' box (not cut off by its edge).
CHIPS_SHOWN = """() => { const box = document.querySelector('#examples');
  const outer = box.getBoundingClientRect();
  return [...box.querySelectorAll('button')].map(b => { const r = b.getBoundingClientRect();
    return r.height > 0 && r.top >= outer.top - 1 && r.bottom <= outer.bottom + 1 &&
      box.scrollHeight <= box.clientHeight + 1; }); }"""


def test_an_answers_sources_come_before_the_chips_and_the_download(browser, app_url):
    """On a phone the tabs sat under the chips and the download button: an answer's cards
    were off the screen. Before any answer the six chips show whole under the box; after
    one, its sources come right after the box, the chips and the download below them."""
    with opened(browser, app_url, viewport=PHONE) as page:
        assert page.evaluate(CHIPS_SHOWN) == [True] * 6
        assert box(page, "#msg")["y"] < box(page, "#examples")["y"] < box(page, "#side")["y"]
        ask(page, "What is Bernhard Schölkopf presenting?")
        card = box(page, "#sources-box .poster-card")
        asked = box(page, "#msg")
        assert box(page, "#chatbot")["y"] < asked["y"] < card["y"]
        assert card["y"] < box(page, "#examples")["y"]
        assert card["y"] < box(page, "#export-chat")["y"]
        assert card["y"] < asked["y"] + asked["height"] + 150  # the tabs right under the box
        assert page.evaluate(CHIPS_SHOWN) == [True] * 6
