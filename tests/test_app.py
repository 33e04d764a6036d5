"""The real Gradio app on a free local port, driven over HTTP with gradio_client."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.conftest import running_app

pytestmark = pytest.mark.slow
ALL_KINDS = ["poster", "spotlight", "oral"]


@pytest.fixture(scope="module")
def app_url(real_assistant):
    with running_app(real_assistant) as url:
        yield url


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    c = Client(app_url, analytics_enabled=False, verbose=False)
    yield c
    c.close()


def ask(client, question, history=(), kinds=ALL_KINDS, lo=100, hi=2026):
    history, sources, _choices = client.predict(question, list(history), kinds, lo, hi,
                                                api_name="/chat")
    return history, "".join(p["text"] for p in history[-1]["content"]), sources


def cited(text: str) -> list[int]:
    return [int(b) for b in re.findall(r"\[#(\d+)\]", text)]


def test_lookup_returns_a_valid_citation_and_its_card(client):
    _, text, sources = ask(client, "Is anyone generating synthetic MILP instances for solvers?")
    assert cited(text)[0] == 100
    assert 'class="cite"' in text and "answered by: extractive" in text
    assert 'id="poster-100"' in sources and "relevance" in sources


def test_follow_up_uses_the_history(client):
    history, first, _ = ask(client, "Which posters are about federated learning?")
    boards = cited(first)
    assert len(boards) >= 2
    _, second, _ = ask(client, "tell me more about the second one", history)
    assert cited(second) == [boards[1]]
    _, authors, _ = ask(client, "who wrote the first one?", history)
    assert cited(authors) == [boards[0]] and " is by " in authors


def test_filters_change_the_result(client):
    _, unfiltered, _ = ask(client, "Which posters are about diffusion models?")
    _, orals, _ = ask(client, "Which posters are about diffusion models?", kinds=["oral"])
    _, low, _ = ask(client, "Which posters are about diffusion models?", lo=100, hi=399)
    assert set(cited(unfiltered)) != set(cited(orals))
    assert cited(low) and all(b <= 399 for b in cited(low))
    assert any(b > 399 for b in cited(unfiltered))


def test_reading_list_export_holds_the_starred_boards(client):
    ask(client, "What's at #813?")
    listing = client.predict(["#813 · Scaling", "#100 · A Deep Instance"], api_name="/star")
    assert listing.index("#100") < listing.index("#813")
    md_path, csv_path = client.predict(api_name="/export")
    assert "#100" in Path(md_path).read_text(encoding="utf-8")
    with open(csv_path, encoding="utf-8") as handle:
        assert [row["board"] for row in csv.DictReader(handle)] == ["100", "813"]


def test_off_topic_question_abstains_without_citations(client):
    _, text, _ = ask(client, "Who won the 2022 World Cup?")
    assert "do not seem to cover" in text and not cited(text)


def test_markup_in_a_question_is_not_rendered_as_html(client):
    _, text, _ = ask(client, "<img src=x onerror=alert(1)> diffusion")
    assert "<img" not in text


def test_the_map_highlights_the_posters_of_the_answer(client):
    history, _sources, _choices = client.predict(
        "Which posters are about federated learning?", [], ALL_KINDS, 100, 2026,
        api_name="/chat")
    plot = client.predict(api_name="/map")
    text = "".join(p["text"] for p in history[-1]["content"])
    columns = plot["value"]["columns"] if "value" in plot else plot["columns"]
    rows = plot["value"]["data"] if "value" in plot else plot["data"]
    theme, board = columns.index("theme"), columns.index("board")
    marked = {int(r[board]) for r in rows if r[theme].startswith("★")}
    assert len(rows) == 391 and marked == set(cited(text))


def test_a_session_keeps_no_copy_of_each_answer(real_assistant):
    """Memory stays flat: Gradio once filed a new copy of the sources panel in the session
    for every answer (a gr.skip() while streaming); a long chat must not grow the session."""
    from gradio_client import Client

    from assistant.app import launch
    from tests.conftest import free_port

    port = free_port()
    demo = launch(real_assistant, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}", analytics_enabled=False, verbose=False)
        ask(client, "Which posters are about federated learning?")
        session = demo.state_holder[client.session_hash]
        before = len(session.blocks_config.blocks)
        for question in ["What is at #813?", "diffusion for video editing",
                         "Which posters are orals?", "scaling laws", "protein design"] * 2:
            ask(client, question)
        assert len(session.blocks_config.blocks) == before
        client.close()
    finally:
        demo.close()


def test_a_follow_up_in_the_app_reads_the_whole_previous_result_set(client):
    """The session keeps the last turn's plan and results: "only the orals" narrows the
    previous question, and "which of those" looks among all its posters."""
    history, _, _ = ask(client, "Which posters are about diffusion models?")
    history, orals, _ = ask(client, "only the orals", history)
    assert cited(orals) == [615]
    _, spotlights, _ = ask(client, "which of those are spotlights?", history[:2])
    assert cited(spotlights) and not set(cited(spotlights)) & {615}
