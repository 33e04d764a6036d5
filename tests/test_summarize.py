"""Area summaries and the session map, on the real store."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.retrieve import ANY_POSTER
from assistant.summarize import board_ranges, overview_line, summarize
from assistant.understand import strip_frame
from eval.testset import DEFAULT_TESTSET, load_testset

pytestmark = pytest.mark.slow


def topic_rows():
    return [r for r in load_testset(DEFAULT_TESTSET) if r.kind == "topic"]


def test_summaries_cover_their_areas(real_assistant):
    recalls = {}
    for row in topic_rows():
        summary = summarize(real_assistant, row.question)
        query = strip_frame(row.question)
        retrieved = {real_assistant.index.cards[c.key]["board"] for c in
                     real_assistant.candidates(query, ANY_POSTER, "hybrid")}
        assert set(summary.boards) <= retrieved, row.id
        for theme in summary.themes:
            cited = {int(b) for b in re.findall(r"\[#(\d+)\]", theme.summary)}
            assert cited == set(theme.boards), row.id
        recalls[row.id] = len(set(row.gold_boards) & set(summary.boards)) / len(row.gold_boards)
    covered = [area for area, recall in recalls.items() if recall >= 0.8]
    # 30 of the 36 areas measured at >= 0.8 when this was written; keep that bar.
    assert len(covered) >= 30, sorted(set(recalls) - set(covered))


def test_summary_has_two_to_six_named_sub_themes(real_assistant):
    summary = summarize(real_assistant, "diffusion models")
    assert 2 <= len(summary.themes) <= 6
    assert all(theme.label and theme.terms for theme in summary.themes)
    assert sorted(b for t in summary.themes for b in t.boards) == sorted(summary.boards)
    assert summary.overview.startswith(f"{len(summary.boards)} posters (")


def test_summary_cli_json(real_store):
    result = CliRunner().invoke(cli, ["summarize", "federated learning", "--json", "--max", "10",
                                      "--store", str(real_store)])
    data = json.loads(result.output)
    assert set(data) >= {"area", "themes", "boards"} and len(data["boards"]) <= 10
    assert {"label", "terms", "boards", "summary"} <= set(data["themes"][0])
    assert 1112 in data["boards"]


def test_uncovered_area_says_so(real_assistant):
    summary = summarize(real_assistant, "speech recognition for call centres")
    assert summary.boards == [] and "do not seem to cover" in summary.markdown()


def test_chat_intents(real_assistant):
    answer = real_assistant.ask("Summarize the work on knowledge distillation")
    assert "across the session" in answer.answer and len(answer.citations) >= 3
    overview = real_assistant.ask("What's in this session?")
    assert re.search(r"391 posters in \d+ themes", overview.answer)
    assert len(re.findall(r"^- \*\*", overview.answer, re.MULTILINE)) >= 15


def test_map_png(real_store, tmp_path):
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["map", "--out", str(out), "--highlight", "federated "
                                      "learning", "--store", str(real_store)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000


def test_board_ranges_and_overview():
    assert board_ranges([512, 101, 103, 108, 105, 903]) == "#101–#108, #512, #903"
    cards = [{"board": 1, "kind": "oral"}, {"board": 2, "kind": "poster"}]
    assert overview_line(cards) == "2 posters (1 oral, 0 spotlight); boards #1–#2."
