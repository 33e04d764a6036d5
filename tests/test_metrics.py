"""The eval metrics follow the definitions in eval/README.md."""

from __future__ import annotations

import pytest

from eval.metrics import (
    Scored,
    aggregate,
    answer_matches,
    faithfulness,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)


def test_recall_with_and_without_accept_any():
    assert recall_at([1, 2], [3, 2, 1], 2, accept_any=False) == 0.5
    assert recall_at([1, 2], [3, 2, 1], 2, accept_any=True) == 1.0
    assert recall_at([1], [3, 2], 2, accept_any=True) == 0.0


def test_rank_metrics():
    assert reciprocal_rank([5], [1, 5, 9]) == 0.5
    assert ndcg_at([5], [5, 1]) == 1.0
    assert ndcg_at([5], [1, 5]) == pytest.approx(1 / 1.5849625, rel=1e-6)


def test_answer_match_needs_the_key_figures():
    assert answer_matches("7.3X", "a 7.3x speed-up [#111]")
    assert not answer_matches("10-100x", "10x fewer [#1]")
    assert answer_matches("FC-CLIP", "the fc-clip model")


def test_aggregate_counts_abstention_and_citations():
    rows = [
        Scored("a", "lookup", [1], True, [1, 2], [1, 2], False, 10.0),
        Scored("b", "lookup", [3], True, [2], [], True, 30.0),
        Scored("c", "unanswerable", [], False, [4], [], True, 20.0),
    ]
    m = aggregate(rows)
    assert m["n"] == 3 and m["recall@1"] == 0.5 and m["citation_precision"] == 0.5
    assert m["citation_recall"] == 0.5 and m["false_abstention_rate"] == 0.5
    assert m["abstention_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["latency_ms"] == {"p50": 20.0, "p95": 30.0}


def test_faithfulness_counts_claims_backed_by_their_cited_abstract():
    abstracts = {1: "We generate synthetic mixed integer programs with a masked autoencoder.",
                 2: "Protein folding with diffusion."}
    good = "The poster generates synthetic mixed integer programs [#1]."
    wrong = "The poster generates synthetic mixed integer programs [#2]."
    uncited = "Somebody generates synthetic mixed integer programs somewhere."
    assert faithfulness(good, abstracts) == 1.0
    assert faithfulness(wrong, abstracts) == 0.0
    assert faithfulness(f"{good} {uncited}", abstracts) == 0.5
    assert faithfulness("The posters in this session do not cover that.", abstracts) is None


def test_a_summary_is_scored_on_its_whole_area_not_the_posters_it_shows():
    gold = list(range(1, 21))  # a broad area: 20 posters
    shown = [1, 2, 3]
    whole = [*range(1, 19), 99, 98]  # 18 of 20 found, 2 wrong
    summary = Scored("s", "summary", gold, False, whole, shown, False, 5.0, results=whole)
    m = aggregate([summary])
    assert m["summary_recall"] == 0.9 and m["summary_precision"] == 0.9
    assert m["summary_recall_broad"] == 0.9 and m["pass_rate"] == 1.0
    narrow = Scored("n", "summary", [1, 2, 3], False, [1], [1], False, 5.0, results=[1])
    m = aggregate([summary, narrow])
    assert m["summary_recall"] == pytest.approx((0.9 + 1 / 3) / 2, abs=1e-4)
    assert m["summary_recall_broad"] == 0.9 and m["pass_rate"] == 0.5
    assert aggregate([Scored("l", "lookup", [1], True, [1], [1], False, 1.0)])[
        "summary_recall"] is None


def test_the_harness_reports_summary_metrics_per_split():
    from eval.harness import METRIC_COLUMNS, summarize

    rows = [Scored("a", "summary", [1, 2], False, [1], [1], False, 1.0, split="dev",
                   results=[1, 2]),
            Scored("b", "summary", [1, 2], False, [1], [1], False, 1.0, split="test",
                   results=[1, 3])]
    report = summarize(rows)
    assert report["by_split"]["dev"]["summary_recall"] == 1.0
    assert report["by_split"]["test"]["summary_precision"] == 0.5
    assert {"summary_recall", "summary_precision"} <= set(METRIC_COLUMNS)
