"""The app in headless Chromium (Debian's package, driven by Playwright): a person's view."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import running_app

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_DONE = """() => {
  const c = document.querySelector('#chatbot');
  const bots = c ? c.querySelectorAll('[data-testid=bot]') : [];
  if (bots.length < 2) return false;
  const busy = c.querySelector('.wrap:not(.hide)');
  const txt = bots[bots.length - 1].innerText, now = Date.now();
  if (busy || window.__lastTxt !== txt) { window.__lastTxt = txt; window.__lastChange = now;
    return false; }
  return now - window.__lastChange > 600;
}"""


@pytest.fixture(scope="module")
def app_url(real_assistant):
    with running_app(real_assistant) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})

        def guard(route):
            if route.request.url.startswith(app_url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.outside = outside
        page.on("dialog", lambda d: (outside.append(f"dialog:{d.message}"), d.dismiss()))
        page.goto(app_url)
        page.wait_for_selector("#msg textarea", timeout=30_000)
        yield page
        browser.close()


def ask(page, question: str) -> str:
    box = page.locator("#msg textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(WAIT_DONE, timeout=30_000, polling=200)
    return page.locator("#chatbot [data-testid='bot']").last.inner_text()


def test_question_citation_and_poster_card(page, tmp_path):
    assert "391 posters" in page.locator("#chatbot").inner_text()
    text = ask(page, "Is anyone generating synthetic MILP instances for solvers?")
    assert "[#100]" in text
    citation = page.locator("#chatbot [data-testid='bot'] abbr.cite").last
    citation.hover()
    card = page.locator("#cite-pop")
    card.wait_for(state="visible", timeout=5_000)
    assert "MILP" in card.inner_text() and "Zijie Geng" in card.inner_text()
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_injected_markup_does_not_run(page):
    ask(page, "<img src=x onerror=alert(1)> which posters use transformers?")
    assert not [u for u in page.outside if u.startswith("dialog:")]


def test_no_request_leaves_the_machine(page):
    assert page.outside == []


def test_the_session_map_renders(page):
    points = page.locator("#map path[aria-roledescription='point'], #map .mark-symbol path")
    points.first.wait_for(timeout=10_000)
    assert points.count() >= 300
