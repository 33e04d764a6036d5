"""The typed API beside the UI (/ask, /similar, /summarize, /poster), called over HTTP with
gradio_client on the real app, and the Python API (`assistant.open_assistant`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
DRUGS = "Is anyone using diffusion models to design drug molecules?"
ANSWER_KEYS = {"question", "answer", "citations", "sources", "related", "results", "abstained",
               "plan", "backend", "notice", "dropped_citations", "decided_by"}
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def cited(text: str) -> set[int]:
    return {int(b) for b in re.findall(r"\[#(\d+)\]", text)}


def assert_cites_only_sources(answer: dict) -> None:
    boards = {s["board"] for s in answer["sources"]}
    assert set(answer["citations"]) <= boards and cited(answer["answer"]) <= boards


def test_view_api_shows_typed_parameters_and_docstrings(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]

    assert {"/ask", "/similar", "/summarize", "/poster", "/chat"} <= set(api)
    ask = api["/ask"]
    params = {p["parameter_name"]: p["python_type"]["type"] for p in ask["parameters"]}
    assert params["question"] == "str" and "list[dict" in params["history"]
    assert "list[str]" in params["kinds"] and "int" in params["board_min"]
    assert "citations: list[int]" in ask["returns"][0]["python_type"]["type"]
    assert "citing boards" in ask["description"]
    poster = api["/poster"]
    assert [p["python_type"]["type"] for p in poster["parameters"]] == ["int"]
    assert "abstract: str" in poster["returns"][0]["python_type"]["type"]
    assert "themes: list[dict(label: str" in api["/summarize"]["returns"][0]["python_type"][
        "type"]


def test_ask_with_a_two_turn_history_and_filters_cites_only_its_sources(client, real_assistant):
    from assistant.api import ask_json

    first = client.predict(DRUGS, api_name="/ask")
    second = client.predict("which of those are spotlights?", [first], api_name="/ask")
    third = client.predict("which of those use reinforcement learning?", [first, second],
                           ["poster", "spotlight"], 100, 400, api_name="/ask")

    assert set(first) == ANSWER_KEYS
    assert first == ask_json(real_assistant, DRUGS)  # what `posters ask --json` prints
    assert 105 in first["citations"] and second["citations"] == [105]
    for answer in (first, second, third):
        assert_cites_only_sources(answer)
    assert third["plan"]["within"] is not None  # read as a follow-up to the turns before
    filtered = client.predict("posters about diffusion", None, ["oral"], api_name="/ask")
    assert filtered["citations"] and all(s["kind"] == "oral" for s in filtered["sources"])
    ranged = client.predict("language models", None, None, 300, 350, api_name="/ask")
    assert ranged["citations"] and all(300 <= b <= 350 for b in ranged["citations"])


def test_poster_similar_summarize_and_errors_that_name_the_fix(client):
    from gradio_client.exceptions import AppError

    card = client.predict(813, api_name="/poster")
    assert card["title"] == "Scaling Data-Constrained Language Models"
    assert card["kind"] == "oral" and card["award"] == "Outstanding Paper Runner-up"
    near = client.predict(813, 3, api_name="/similar")
    assert 1 <= len(near) <= 3 and 813 not in [p["board"] for p in near]
    summary = client.predict("federated learning", 10, api_name="/summarize")
    assert 2 <= len(summary["boards"]) <= 10
    for theme in summary["themes"]:
        assert cited(theme["summary"]) <= set(theme["boards"]) <= set(summary["boards"])

    with pytest.raises(AppError, match="board 99999: no such poster; boards run from 100"):
        client.predict(99999, api_name="/poster")
    with pytest.raises(AppError, match="unknown poster kind; pass any of poster, spotlight"):
        client.predict("diffusion", None, ["talk"], api_name="/ask")
    with pytest.raises(AppError, match="history\\[0\\]: a turn lacks"):
        client.predict("which of those?", [{"question": "x"}], api_name="/ask")


def test_the_readme_client_example_runs_against_the_app(app_url, capsys):
    block = README.split("<!-- api-example -->", 1)[1].split("```python", 1)[1].split("```")[0]
    exec(compile(block.replace("http://127.0.0.1:7860", app_url), "README", "exec"), {})
    printed = capsys.readouterr().out
    assert "[#105]" in printed and "all cited boards are among the sources" in printed


def test_the_examples_script_runs_against_the_app(app_url):
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "examples" / "ask_api.py"
    done = subprocess.run([sys.executable, str(script), app_url], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[#105]" in done.stdout and "all cited boards are among the sources" in done.stdout


def test_python_api_opens_asks_with_history_and_summarizes(real_store):
    import assistant

    posters = assistant.open_assistant(real_store, backend="extractive")
    first = posters.ask(DRUGS)
    follow = posters.ask("which of those are spotlights?", history=[first])
    assert follow["citations"] == [105]
    assert posters.summarize("federated learning", max_posters=6)["boards"]
    assert posters.poster(813)["board"] == 813
    off = posters.ask("What is the Wi-Fi password?")
    assert off["abstained"] and off["answer"].startswith(assistant.CANNOT_ANSWER)
    with pytest.raises(assistant.RequestError, match="board_min 500 is above board_max 100"):
        posters.ask("diffusion", board_min=500, board_max=100)
