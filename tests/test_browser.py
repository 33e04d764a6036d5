"""The app in headless Chromium (Debian's package, driven by Playwright): a person's view at
desktop size (1400x1000). The phone's view is tests/test_browser_phone.py."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import running_app

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
# The n-th bot message is there and complete: its text has not changed for 600 ms.
WAIT_DONE = """(n) => {
  const c = document.querySelector('#chatbot');
  const bots = c ? c.querySelectorAll('[data-testid=bot]') : [];
  if (bots.length < n) return false;
  const busy = c.querySelector('.wrap:not(.hide)');
  const txt = bots[bots.length - 1].innerText, now = Date.now();
  if (busy || txt.includes('Answering…') || window.__lastTxt !== txt) {
    window.__lastTxt = txt; window.__lastChange = now; return false; }
  return now - window.__lastChange > 600;
}"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@contextmanager
def opened(browser, url: str, viewport: dict = DESKTOP, path: str = "", context=None):
    """A page on the app in a fresh browser context (its own storage) unless one is given;
    every request that leaves the app is blocked and recorded in `page.outside`."""
    own = context is None
    context = context or browser.new_context(
        viewport=viewport, has_touch=viewport is PHONE, is_mobile=viewport is PHONE)
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.outside = outside
    page.on("dialog", lambda d: (outside.append(f"dialog:{d.message}"), d.dismiss()))
    page.goto(url + path)
    page.wait_for_selector("#msg textarea", timeout=30_000)
    try:
        yield page
    finally:
        page.close()
        if own:
            context.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    with opened(browser, app_url) as page:
        yield page


def bots(page) -> int:
    return page.locator("#chatbot [data-testid='bot']").count()


def ask(page, question: str) -> str:
    expected = bots(page) + 1
    box = page.locator("#msg textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(WAIT_DONE, arg=expected, timeout=60_000, polling=200)
    return page.locator("#chatbot [data-testid='bot']").last.inner_text()


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)


def downloaded(page, button: str) -> str:
    """The text of the file one click (a tap on a phone) on a button downloads."""
    with page.expect_download(timeout=10_000) as download:
        page.locator(button).tap() if page.viewport_size == PHONE else (
            page.locator(button).click())
    return Path(download.value.path()).read_text(encoding="utf-8")


def chip(page, question: str) -> str:
    """Click (tap) the example chip of a question; the text of the answer that comes."""
    expected = bots(page) + 1
    button = page.locator("#examples button", has_text=question)
    button.tap() if page.viewport_size == PHONE else button.click()
    page.wait_for_function(WAIT_DONE, arg=expected, timeout=30_000, polling=200)
    return page.locator("#chatbot [data-testid='bot']").last.inner_text()


def reading_list(page) -> str:
    tab(page, "Reading list")
    return page.locator("#reading-list").inner_text()


def test_question_citation_and_poster_card(page, tmp_path):
    assert "391 posters" in page.locator("#chatbot").inner_text()
    text = ask(page, "Is anyone generating synthetic MILP instances for solvers?")
    assert "[#100]" in text
    citation = page.locator("#chatbot [data-testid='bot'] abbr.cite", has_text="[#100]").last
    citation.hover()
    card = page.locator("#cite-pop")
    card.wait_for(state="visible", timeout=5_000)
    assert "MILP" in card.inner_text() and "Zijie Geng" in card.inner_text()
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_starring_from_a_citations_card_keeps_the_card_open(browser, app_url):
    """Star in a clicked citation's card: the card stays open and says "★ Starred" (the
    script's own click on the hidden star button counted as a click outside and closed it),
    and the poster joins the reading list."""
    with opened(browser, app_url) as page:
        ask(page, "What's at #813?")
        page.locator("#chatbot [data-testid='bot'] abbr.cite", has_text="[#813]").last.click()
        card = page.locator("#cite-pop")
        card.wait_for(state="visible", timeout=5_000)
        card.locator("button[data-act=star]").click()
        page.wait_for_timeout(1_500)  # the star reaches the server; the card is still there
        assert card.is_visible() and "★ Starred" in card.inner_text()
        assert "#813" in reading_list(page)


def test_the_greeting_carries_no_message_buttons_and_an_answer_does(browser, app_url):
    """Retry, Undo and thumbs on the greeting meant nothing; an answer keeps them. The chat,
    its box and the example chips stay in the left column, the tabs on the right."""
    with opened(browser, app_url) as page:
        chat = page.locator("#chatbot")
        assert "391 posters" in chat.inner_text()
        acts = "button[aria-label=Retry], button[aria-label=Undo], button[aria-label=Like]"
        assert chat.locator(acts).count() == 0
        ask(page, "What's at #813?")
        assert chat.locator("button[aria-label=Like]").count() == 1
        assert chat.locator("button[aria-label=Retry]").count() == 1
        where = {s: page.locator(s).bounding_box() for s in ("#chatbot", "#msg", "#examples",
                                                             "#export-chat", "#side")}
        assert where["#chatbot"]["y"] < where["#msg"]["y"] < where["#examples"]["y"] < (
            where["#export-chat"]["y"])
        assert where["#side"]["x"] >= where["#chatbot"]["x"] + where["#chatbot"]["width"]


def test_the_reading_list_offers_the_posters_cited_so_far(browser, app_url):
    """The "Star posters cited so far" box looked empty after answers had cited posters: it
    lists them, and the ticked ones join the reading list. The cards of an author's posters
    show no relevance (none was ranked)."""
    with opened(browser, app_url) as page:
        ask(page, "What is Bernhard Schölkopf presenting?")
        heads = page.locator("#sources-box .pc-head").all_inner_texts()
        assert len(heads) == 2 and not any("relevance" in head for head in heads)
        tab(page, "Reading list")
        offered = page.locator("#to-star").inner_text()
        assert "#823 · A Measure-Theoretic Axiomatisation of Causality" in offered
        assert "#927 · Spuriosity" in offered
        page.locator("#to-star label", has_text="#927").click()
        page.locator("#star").click()
        page.wait_for_function("() => document.querySelector('#reading-list').innerText"
                               ".includes('#927')", timeout=10_000)
        assert "#823" not in page.locator("#reading-list").inner_text()
        page.wait_for_timeout(500)
        assert page.locator("#to-star input:checked").count() == 0  # ready for the next


def test_a_chip_asks_its_question_and_one_click_downloads_the_conversation(browser, app_url):
    """A chip only filled the box (you still had to press Ask): a click asks it. "Download
    conversation" made a file widget to click next: one click downloads the conversation,
    kept up to date after each answer; with no answer yet there is nothing to download."""
    with opened(browser, app_url) as page:
        assert page.locator("#export-chat").is_disabled()
        text = chip(page, "What is Bernhard Schölkopf presenting?")
        asked = page.locator("#chatbot [data-testid='user']").last.inner_text().strip()
        assert asked == "What is Bernhard Schölkopf presenting?"
        assert "[#823]" in text and page.locator(
            "#chatbot [data-testid='bot'] abbr.cite", has_text="[#823]").count() == 1
        assert page.locator("#msg textarea").input_value() == ""
        assert page.locator("#sources-box #poster-823").count() == 1
        saved = downloaded(page, "#export-chat")
        assert "**You:** What is Bernhard Schölkopf presenting?" in saved
        assert "[#823] A Measure-Theoretic Axiomatisation of Causality" in saved
        chip(page, "What's at #813?")
        saved = downloaded(page, "#export-chat")
        assert saved.index("Schölkopf presenting?") < saved.index("**You:** What's at #813?")
        assert "- [#813] Scaling Data-Constrained Language Models" in saved


def test_the_reading_list_downloads_in_one_click_and_shows_no_empty_file_box(browser,
                                                                              app_url):
    """An empty file box with just an icon looked broken: with no list there is nothing to
    download and no file control; with one, .md and .csv each download in one click."""
    with opened(browser, app_url) as page:
        tab(page, "Reading list")
        shown = page.evaluate("""() => [...document.querySelectorAll('#reading-tab *')]
            .filter(e => e.offsetParent && (e.matches('[data-testid=file], .file-preview, '
              + 'input[type=file]:not(#import input)') || /^Download/.test(e.innerText)))
            .map(e => e.tagName + ':' + e.innerText.trim())""")
        assert shown == []
        ask(page, "What's at #813?")
        tab(page, "Reading list")
        page.locator("#to-star label", has_text="#813").click()
        page.locator("#star").click()
        page.locator("#export-md").wait_for(state="visible", timeout=10_000)
        assert "- **#813** (oral) Scaling Data-Constrained Language Models" in downloaded(
            page, "#export-md")
        assert downloaded(page, "#export-csv").splitlines()[1].startswith(
            "813,oral,Outstanding Paper Runner-up,Scaling Data-Constrained")
        page.locator("#reading-list button[data-board='813']").click()  # remove: none left
        page.locator("#export-md").wait_for(state="hidden", timeout=10_000)
        assert not page.locator("#export-csv").is_visible()


def test_the_footer_names_the_session_not_a_path(page, real_assistant):
    """The footer says in words who writes the answers ("extractive" meant nothing), and
    the answers themselves carry no "answered by: extractive"."""
    footer = page.locator("#footer sub").inner_text()
    assert footer == "Answers from the posters' own text (no AI model) · Poster Session 2 · " \
                     "391 posters"
    text = ask(page, "What's at #813?")
    assert "[#813]" in text and "extractive" not in text and "answered by" not in text
    assert str(real_assistant.settings.store) not in page.locator("body").inner_text()


def test_injected_markup_does_not_run(page):
    ask(page, "<img src=x onerror=alert(1)> which posters use transformers?")
    assert not [u for u in page.outside if u.startswith("dialog:")]


def test_html_and_markdown_typed_as_a_question_are_shown_as_typed(page):
    question = "<b>bold</b> and *stars* about diffusion"
    ask(page, question)
    bubble = page.locator("#chatbot [data-testid='user']").last
    assert bubble.inner_text().strip() == question
    assert bubble.locator("b, em, img").count() == 0


def test_enter_on_an_empty_box_adds_nothing(page):
    before = (page.locator("#chatbot [data-testid='user']").count(), bots(page))
    page.locator("#msg textarea").fill("   ")
    page.locator("#msg textarea").press("Enter")
    page.wait_for_timeout(1500)
    assert (page.locator("#chatbot [data-testid='user']").count(), bots(page)) == before
    assert "Error" not in page.locator("#chatbot [data-testid='bot']").last.inner_text()


def rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def centre_pixel(locator) -> tuple[int, int, int]:
    """The colour the browser painted at the centre of an element (read from a screenshot)."""
    from PIL import Image

    image = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


# The map as drawn, in page pixels: each text's box, each leader line's ends (by the label it
# ties) and each marked dot's centre and radius.
MAP_DRAWN = """() => { const svg = document.querySelector('#map svg'), m = svg.getScreenCTM();
  const at = (x, y) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; };
  const texts = [...svg.querySelectorAll('text')].map(t => { const r = t.getBoundingClientRect();
    return [t.textContent, r.left, r.top, r.right, r.bottom]; });
  const lines = [...svg.querySelectorAll('line.leader')].map(l => [l.dataset.label,
    ...at(l.x1.baseVal.value, l.y1.baseVal.value), ...at(l.x2.baseVal.value, l.y2.baseVal.value)]);
  const dots = Object.fromEntries([...svg.querySelectorAll('circle.hit')].map(c => {
    const r = c.getBoundingClientRect();
    return [c.dataset.board, [(r.left + r.right) / 2, (r.top + r.bottom) / 2, r.width / 2]]; }));
  return {texts, lines, dots, svg: svg.getBoundingClientRect().toJSON()}; }"""


def assert_map_labels(page) -> int:
    """Every marked dot (a poster of the answer) is named by a legible label on the map, over
    no other label or theme number; each label is beside its dot or tied to it by a leader
    line. Returns how many there are."""
    drawn = page.evaluate(MAP_DRAWN)
    texts = drawn["texts"]
    crossing = [(a[0], b[0]) for i, a in enumerate(texts) for b in texts[i + 1:]
                if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]
    assert crossing == []  # theme numbers and board labels alike
    labels = {t[0]: t[1:] for t in texts if t[0].startswith("#")}
    assert sorted(labels) == sorted(f"#{b}" for b in drawn["dots"])
    lines, svg = {line[0]: line[1:] for line in drawn["lines"]}, drawn["svg"]
    for text, (left, top, right, bottom) in labels.items():
        assert bottom - top >= 9 and svg["left"] <= left and right <= svg["right"]
        x, y, radius = drawn["dots"][text[1:]]
        if text in lines:  # from under its dot (drawn over the line's start) out to its label
            x0, y0, x1, y1 = lines[text]
            assert math.hypot(x0 - x, y0 - y) <= radius + 1 < math.hypot(x1 - x, y1 - y)
            assert left - 6 <= x1 <= right + 6 and top - 6 <= y1 <= bottom + 6
        else:  # beside its dot
            assert max(left - x, x - right, 0) ** 2 + max(top - y, y - bottom, 0) ** 2 < 30 ** 2
    return len(labels)


def test_the_map_marks_the_answers_posters_with_a_visible_fill(page):
    text = ask(page, "Which posters are about federated learning?")
    tab(page, "Map")
    hits = page.locator("#map circle.hit")
    hits.first.wait_for(timeout=10_000)
    cited = {int(b) for b in re.findall(r"\[#(\d+)\]", text)}
    assert {int(h.get_attribute("data-board")) for h in hits.all()} == cited
    assert assert_map_labels(page) == len(cited)  # each one named, amid theme numbers too
    for hit in hits.all()[:4]:  # painted in its theme's colour, opaque, not a hollow ring
        painted, fill = centre_pixel(hit), rgb(hit.get_attribute("fill"))
        assert max(abs(a - b) for a, b in zip(painted, fill, strict=True)) < 40, (painted, fill)
    muted = page.locator("#map circle.pt:not(.hit)").first
    painted, fill = centre_pixel(muted), rgb(muted.get_attribute("fill"))
    assert sum(painted) > sum(fill) + 150  # the rest faded towards the background
    radius = page.evaluate("""() => [document.querySelector('#map circle.hit'),
        document.querySelector('#map circle.pt:not(.hit)')].map(c => c.getBBox().width)""")
    assert radius[0] > 2 * radius[1]
    legend = page.locator("#map .theme-ask")
    assert legend.count() >= 10 and all(len(t) > 8 for t in legend.all_inner_texts())
    page.locator(f"#map circle[data-board='{min(cited)}']").click()
    assert f"#{min(cited)}" in page.locator("#cite-pop").inner_text()
    page.keyboard.press("Escape")
    tab(page, "Sources")


def test_bold_text_uses_one_font_face(page):
    """Gradio's SemiBold face holds only A and B: bold titles mixed two fonts."""
    faces = page.evaluate("""() => [...document.fonts].filter(f => f.family.includes('Source'))
        .map(f => f.weight)""")
    assert faces and "600" not in faces


def test_the_reading_list_lasts_removes_and_is_shared_by_link(browser, app_url, tmp_path):
    with opened(browser, app_url) as page:
        ask(page, "What's at #813?")
        page.locator("#sources-box button[data-act=star][data-board='813']").click()
        ask(page, "Is anyone generating synthetic MILP instances for solvers?")
        page.locator("#sources-box button[data-act=star][data-board='100']").click()
        page.wait_for_timeout(1500)
        listed = reading_list(page)
        assert "#100" in listed and "#813" in listed and listed.index("#100-#199") < (
            listed.index("#800-#899"))
        page.locator("#reading-list button[data-board='100']").click()  # remove
        page.wait_for_timeout(1500)
        assert "#100 " not in reading_list(page)
        share = page.evaluate("document.getElementById('share-link').href")
        page.reload()
        page.wait_for_selector("#msg textarea")
        page.wait_for_timeout(1500)
        after = reading_list(page)
        assert "#813" in after and "#100 " not in after  # kept, and removed stays removed
    with opened(browser, app_url, path="/?" + share.split("?", 1)[1] + ",105") as other:
        other.wait_for_timeout(1500)
        shared = other.locator("#reading-list").inner_text()  # the tab opens by itself
        assert "shared list of 2" in shared and "#813" in shared and "#105" in shared
        exported = tmp_path / "reading_list.md"  # a list exported elsewhere, imported here
        exported.write_text("# Reading list\n\n## #100-#199\n\n- **#100** (poster) A Deep "
                            "Instance Generative Framework\n", encoding="utf-8")
        with other.expect_file_chooser() as chooser:
            other.locator("#import").click()
        chooser.value.set_files(str(exported))
        other.wait_for_function("() => document.querySelector('#reading-list').innerText"
                                ".includes('Imported 1')", timeout=10_000)
        assert "#100 " in other.locator("#reading-list").inner_text()


def test_a_thumbs_down_is_kept_beside_the_store(page, real_assistant):
    store = real_assistant.settings.store / "feedback.jsonl"
    before = store.read_text(encoding="utf-8").splitlines() if store.exists() else []
    ask(page, "What is Bernhard Schölkopf presenting?")
    page.locator("#chatbot button[aria-label='Dislike']").last.click()
    page.wait_for_timeout(1500)
    rows = store.read_text(encoding="utf-8").splitlines()[len(before):]
    assert len(rows) == 1
    row = json.loads(rows[0])
    assert row["liked"] is False and row["question"] == "What is Bernhard Schölkopf presenting?"
    assert row["citations"] and row["plan"]["intent"] and "[#" in row["answer"]


def test_retry_undo_and_the_conversation_download(page):
    ask(page, "What's at #813?")
    ask(page, "Which posters are orals?")
    count = bots(page)
    page.locator("#chatbot button[aria-label='Retry']").last.click()
    page.wait_for_function(WAIT_DONE, arg=count, timeout=60_000, polling=200)
    assert bots(page) == count and "[#" in page.locator("#chatbot [data-testid='bot']").last \
        .inner_text()
    page.locator("#chatbot button[aria-label='Undo']").last.click()
    page.wait_for_timeout(1500)
    assert bots(page) == count - 1
    assert page.locator("#msg textarea").input_value() == "Which posters are orals?"
    page.locator("#msg textarea").fill("")
    text = downloaded(page, "#export-chat")  # the undone question is gone from it too
    assert "**You:** What's at #813?" in text and "orals" not in text.split("#813?")[-1]
    assert "- [#813] Scaling Data-Constrained Language Models — Niklas Muennighoff" in text
    assert "<abbr" not in text


def test_copy_gives_the_text_as_read_not_its_markup(page, app_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    ask(page, "What's at #813?")
    page.locator("#chatbot button[aria-label='Copy message']").last.click()
    page.wait_for_timeout(800)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Scaling Data-Constrained Language Models [#813]")
    assert "<abbr" not in copied and "**" not in copied


def test_a_filter_that_hides_a_named_board_says_so(browser, app_url):
    with opened(browser, app_url) as page:
        tab(page, "Filters")
        page.locator("#board-min input").fill("100")
        page.locator("#board-max input").fill("300")
        page.locator("#board-max input").press("Tab")
        text = ask(page, "what is at #813?")
        assert text.startswith("Filters: boards #100–#300")
        assert "#813" in text and "outside" in text and "no board #813" not in text.lower()


# The last question is moved through the chat's visible area a few pixels at a time: every
# word inside that area must be what shows at its left, middle and right, nothing painted over
# it (not even what lets taps through, like the chat's floating name); and no button or label
# of the chat may sit over the area the messages scroll in.
COVERED = r"""() => {
  const m = [...document.querySelectorAll('#chatbot [data-testid=user]')].pop();
  let box = m.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight + 4 &&
                  /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
  document.querySelector('#chatbot').scrollIntoView({block: 'nearest'});
  const hidden = new Set(); let seen = 0;
  const words = [];
  const walk = document.createTreeWalker(m, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode())
    for (const w of n.textContent.matchAll(/\S+/g)) {
      const r = document.createRange(); r.setStart(n, w.index); r.setEnd(n, w.index + w[0].length);
      words.push([w[0], r]); }
  // What is painted but lets taps through (a floating label) covers words all the same.
  const seeThrough = [...document.querySelectorAll('#chatbot *')].filter(e => {
    const c = getComputedStyle(e);
    return c.pointerEvents === 'none' && c.visibility === 'visible' && c.opacity !== '0' &&
      e.getClientRects().length; });
  seeThrough.forEach(e => { e.style.pointerEvents = 'auto'; });
  const view = box.getBoundingClientRect();
  const start = box.scrollTop + m.getBoundingClientRect().top - view.top - view.height;
  const end = start + view.height + m.getBoundingClientRect().height;
  for (let s = Math.max(0, start); s <= end; s += 5) {
    box.scrollTop = s;
    for (const [word, r] of words) {
      const b = r.getBoundingClientRect();
      if (b.top < view.top || b.bottom > view.bottom) continue;
      seen++;
      for (const x of [b.left + 2, b.left + b.width / 2, b.right - 2]) {
        const top = document.elementFromPoint(x, b.top + b.height / 2);
        if (!top || !m.contains(top)) hidden.add(word + ' under ' + (top ? top.tagName + '.' +
          String(top.className).split(' ')[0] + ' ' + (top.getAttribute('aria-label') || '')
          : 'nothing'));
      }
    }
  }
  seeThrough.forEach(e => { e.style.pointerEvents = ''; });
  // No button or label of the chat (Clear, Copy all, its name) over the messages' area.
  const over = [...document.querySelectorAll('#chatbot button, #chatbot label')].filter(e => {
    const r = e.getBoundingClientRect();
    return !box.contains(e) && r.width && r.left < view.right && view.left < r.right &&
      r.top < view.bottom && view.top < r.bottom; }).map(e => e.getAttribute('aria-label') ||
      e.innerText);
  return {seen, hidden: [...hidden], over};
}"""
LONG_QUESTION = ("Can you find posters about reinforcement learning from human feedback for "
                 "aligning large language models, especially ones that compare reward "
                 "modelling with direct preference optimisation, and tell me which of them "
                 "are spotlights or orals?")


def test_no_icon_covers_the_words_of_a_long_question(page):
    ask(page, LONG_QUESTION)
    shown = page.evaluate(COVERED)
    assert shown["seen"] > 100  # the question's words were read in the chat's view
    assert shown["hidden"] == [] and shown["over"] == []


def test_tex_in_an_abstract_reads_as_text(page):
    """Abstracts quote TeX (#1120: `$\\mathcal{O}(\\epsilon^{-2\\max...})$`, #512:
    `\\textbf{...}`): the answer, the card and its pop-over show the text it stands for."""
    text = ask(page, "What's at #1120?")
    card = page.locator("#sources-box #poster-1120").inner_text()
    for shown in (text, card):
        assert "O(ε" in shown and "θ" in shown
        assert "$" not in shown and "\\" not in shown and "mathcal" not in shown
    ask(page, "What's at #512?")
    page.locator("#chatbot [data-testid='bot'] abbr.cite", has_text="[#512]").last.click()
    pop = page.locator("#cite-pop")
    pop.wait_for(state="visible", timeout=5_000)
    assert "framework for federated class incremental learning that" in pop.inner_text()
    assert "\\" not in pop.inner_text() and "textbf" not in pop.inner_text()
    page.keyboard.press("Escape")


def test_the_conversation_download_reads_as_the_page_does(browser, app_url):
    """The .md download: TeX as text (#1120's `$\\mathcal{O}(\\epsilon^{-4})$` is O(ε⁻⁴)), and
    an abstention's related posters listed apart from any citation, as on the page."""
    with opened(browser, app_url) as page:
        ask(page, "What's at #1120?")
        shown = ask(page, "Are there posters on neural radiance fields for underwater scenes?")
        assert "Related posters (not an answer to this):" in shown and "[#" not in shown
        text = downloaded(page, "#export-chat")
    assert "O(ε⁻⁴)" in text and "θ∈(0,1)" in text
    assert "$" not in text and "\\" not in text and "mathcal" not in text
    answer, related = text.split("underwater scenes?")[-1].split("Related posters")
    assert "Posters cited:" not in answer and "[#" not in answer + related
    listed = [RELATED_ITEM.match(line).groups() for line in shown.splitlines()
              if RELATED_ITEM.match(line)]
    assert listed and all(f"- {title} — " in related and f"({board}" in related
                          for title, board in listed)  # each, by title and board words


UNDERWATER = "Are there posters on neural radiance fields for underwater scenes?"
# A related poster as the page reads: its title, then its chip's board words.
RELATED_ITEM = re.compile(r"^-?\s*(.+?)\s+((?:\S+ )?board \d+)$")
# Whether anything is cut from a related poster's chip by the end of a line: for each chip
# and each width its item may have (a phone's to a narrow column's), the character just
# before the chip and the one just after it (brackets, the title's last word) sit on the
# chip's line. Returns the ones that do not.
CHIP_ALONE = """() => { const out = [];
  const chips = [...document.querySelectorAll('#chatbot [data-testid=bot] abbr.rel-board')];
  const side = (item, chip, after) => { const w = document.createTreeWalker(item,
      NodeFilter.SHOW_TEXT); let found = null, past = false;
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (chip.contains(n)) { past = true; continue; }
      if (past !== after) continue;
      const i = after ? n.textContent.search(/\\S/) : n.textContent.search(/\\S\\s*$/);
      if (i < 0) continue;
      if (after) { if (!found) found = [n, i]; } else found = [n, i]; }
    return found; };
  for (const chip of chips) {
    const item = chip.closest('li') || chip.parentElement;
    for (let width = 140; width <= 370; width += 6) {
      item.style.width = width + 'px';
      const c = chip.getBoundingClientRect();
      for (const after of [false, true]) {
        const at = side(item, chip, after); if (!at) continue;
        const r = document.createRange(); r.setStart(at[0], at[1]); r.setEnd(at[0], at[1] + 1);
        const b = r.getBoundingClientRect();
        if (!(b.top < c.bottom && c.top < b.bottom))
          out.push(chip.textContent + (after ? ' then ' : ' after ') +
                   at[0].textContent[at[1]] + ' at ' + width + 'px'); }
    }
    item.style.width = ''; }
  return out; }"""
SHOTS = Path("/tmp/app11")


def tap_a_related_poster(page, shot: str) -> None:
    """Ask a question the session does not cover; tap (click) a related poster: its card
    opens with its title, yet the answer cites nothing and the Sources show no card."""
    shown = ask(page, UNDERWATER)
    assert "Related posters (not an answer to this):" in shown and "[#" not in shown
    answer = page.locator("#chatbot [data-testid='bot']").last
    assert answer.locator("abbr.cite").count() == 0  # no citation mark
    chips = answer.locator("abbr.rel-board")
    assert chips.count() >= 3
    chip = answer.locator("abbr.rel-board", has_text=re.compile(r"^board 114$"))
    assert chip.inner_text().strip() == "board 114"
    # the item reads "<title> board 114" as text; the chip is the board words
    item = chip.evaluate("e => e.parentElement.innerText").strip()
    title, board = RELATED_ITEM.match(item).groups()
    assert len(title) > 10 and board == "board 114"
    # no bracket or word left behind on another line by the chip ("(" and ")" broke apart
    # from it on a phone), at any width the item may have
    assert page.evaluate(CHIP_ALONE) == []
    # a chip, not an orange citation mark
    colour = chip.evaluate("e => getComputedStyle(e).color")
    assert colour != "rgb(194, 65, 12)" and chip.evaluate(
        "e => getComputedStyle(e).borderTopStyle") == "solid"
    chip.scroll_into_view_if_needed()
    chip.tap() if page.viewport_size == PHONE else chip.click()
    card = page.locator("#cite-pop")
    card.wait_for(state="visible", timeout=5_000)
    assert title in card.inner_text() and "#114" in card.inner_text()
    assert "Similar posters" in card.inner_text() and "Ask about this" in card.inner_text()
    where = card.bounding_box()
    size = page.viewport_size
    assert where["x"] >= 0 and where["x"] + where["width"] <= size["width"]
    assert where["y"] >= 0 and where["y"] + where["height"] <= size["height"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / shot))
    close = page.locator("#cite-pop .pop-close")
    close.tap() if page.viewport_size == PHONE else close.click()
    assert not card.is_visible()
    assert answer.locator("abbr.cite").count() == 0
    tab(page, "Sources")
    assert page.locator("#sources-box .poster-card").count() == 0
    assert "No poster cited." in page.locator("#sources-box").inner_text()


def test_a_related_poster_opens_its_card_but_is_no_citation(browser, app_url):
    with opened(browser, app_url) as page:
        tap_a_related_poster(page, "related_desktop.png")


def test_no_request_leaves_the_machine(page):
    assert page.outside == []


@pytest.fixture(scope="module")
def slow_llm_url(tmp_path_factory, bundled):
    """A 12-poster store answered by a local scripted LLM that takes 4 s to reply."""
    from assistant.ask import Assistant
    from assistant.embedding import HashEmbedding
    from assistant.settings import Settings
    from ingest.build import ingest
    from ingest.parse import Session
    from tests.conftest import FAKE_MODEL, write_session
    from tests.scripted_llm import ScriptedLLM

    folder = tmp_path_factory.mktemp("slow")
    page = write_session(folder / "small.txt",
                         Session(bundled.name, bundled.location, "small", bundled.posters[:12]))
    # Bars lowered so the hash embedder never abstains: a topic question reaches the LLM.
    settings = Settings(store=folder / "store", embed_model=FAKE_MODEL, backend="openai",
                        min_relevance=0.0, cite_floor=0.0, lexical_cite_floor=0.0)
    embedder = HashEmbedding(FAKE_MODEL, 64)
    ingest([page], settings, embedder, progress=False)
    server = ScriptedLLM(delay=4.0)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_BASE_URL", server.base_url)
        env.setenv("OPENAI_API_KEY", "sk-local-test")
        assistant = Assistant(settings, embedder=embedder)
    with running_app(assistant) as url:
        yield url
    server.shutdown()


def test_waiting_for_an_llm_shows_the_question_and_can_be_stopped(browser, slow_llm_url):
    with opened(browser, slow_llm_url) as page:
        question = "Is anyone working on binding affinity prediction for antibodies?"
        page.locator("#msg textarea").fill(question)
        page.locator("#msg textarea").press("Enter")
        page.wait_for_timeout(1000)  # the model takes 4 s: nothing of the answer yet
        assert page.locator("#chatbot [data-testid='user']").last.inner_text() == question
        assert "Answering" in page.locator("#chatbot [data-testid='bot']").last.inner_text()
        labels = page.evaluate("""() => [...document.querySelectorAll(
            '.progress-text, .meta-text, .meta-text-center, .timer')]
            .filter(e => e.offsetParent && !e.closest('#chatbot')).map(e => e.innerText)""")
        assert labels == []  # no timer over other panels
        page.locator("#stop").click()
        page.wait_for_timeout(5000)  # past the model's reply: it must not arrive
        assert page.locator("#chatbot [data-testid='bot']").last.inner_text() == "(stopped)"
        assert page.locator("#send").is_visible() and not page.locator("#stop").is_visible()
        ask(page, question)  # the app still answers after a stop
        answer = page.locator("#chatbot [data-testid='bot']").last.inner_text()
        # the model that wrote it, by name; the footer names it too
        assert "[#" in answer and "answered by: gpt-4o-mini (AI model)" in answer
        assert "openai-compatible" not in answer
        assert page.locator("#footer sub").inner_text().startswith(
            "Answers by gpt-4o-mini (AI model) · ")
