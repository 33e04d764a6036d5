"""Thumbs up/down kept beside the store, and thumbs-down turned into draft test rows."""

from __future__ import annotations

import json

import pytest

from assistant import feedback
from eval.testset import TestsetError, parse_row

ANSWER = {"question": "Which posters are about federated learning?",
          "answer": "Relevant posters:\n- **FedX** [#305]: ...", "citations": [305],
          "sources": [{"board": 305, "kind": "poster", "title": "FedX", "score": 0.5}],
          "related": [], "abstained": False, "backend": "extractive", "notice": "",
          "plan": {"intent": "search", "topic": "federated learning"}}


def test_a_verdict_is_one_json_line_in_the_store_folder(tmp_path):
    path = feedback.record(tmp_path, liked=False, answer=ANSWER)
    feedback.record(tmp_path, liked=True, answer={**ANSWER, "question": "other"})
    assert path == tmp_path / "feedback.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["liked"] for r in rows] == [False, True]
    assert rows[0]["question"] == ANSWER["question"] and rows[0]["citations"] == [305]
    assert rows[0]["plan"]["intent"] == "search" and rows[0]["answer"] == ANSWER["answer"]


def test_only_answers_still_marked_bad_become_drafts(tmp_path):
    feedback.record(tmp_path, liked=False, answer=ANSWER)
    feedback.record(tmp_path, liked=True, answer={**ANSWER, "question": "liked one"})
    changed = {**ANSWER, "question": "changed my mind"}
    feedback.record(tmp_path, liked=False, answer=changed)
    feedback.record(tmp_path, liked=True, answer=changed)
    feedback.record(tmp_path, liked=False, answer=ANSWER)  # clicked twice: one draft
    (drafted,) = feedback.drafts(tmp_path)
    assert drafted["question"] == ANSWER["question"] and drafted["kind"] == "draft"
    assert drafted["gold_boards"] == [] and drafted["split"] == "dev"
    assert drafted["answer_given"] == ANSWER["answer"] and "#305" in drafted["notes"]
    assert drafted["id"] == feedback.drafts(tmp_path)[0]["id"]  # stable across exports


def test_a_draft_is_rejected_by_the_test_set_only_for_its_missing_gold(tmp_path):
    feedback.record(tmp_path, liked=False, answer=ANSWER)
    (drafted,) = feedback.drafts(tmp_path)
    with pytest.raises(TestsetError, match=r"drafts.jsonl:3: 'gold_boards' is empty"):
        parse_row(drafted, "drafts.jsonl:3")
    parse_row({**drafted, "gold_boards": [305]}, "drafts.jsonl:3")  # filled in: accepted


def test_a_torn_line_is_skipped_and_no_store_means_no_drafts(tmp_path):
    assert feedback.drafts(tmp_path / "missing") == []
    path = feedback.record(tmp_path, liked=False, answer=ANSWER)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"liked": false, "question": "torn')
    assert [d["question"] for d in feedback.drafts(tmp_path)] == [ANSWER["question"]]
