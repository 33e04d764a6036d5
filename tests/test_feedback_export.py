"""`posters feedback export`: thumbs-down answers become draft test rows that `posters eval`
rejects only for their missing gold, naming the line, and accepts once a person fills it in."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.feedback import record
from eval.testset import TestsetError, load_testset

BAD = {"question": "Is anyone doing diffusion for video editing?", "answer":
       "Relevant posters:\n- **Some poster** [#105]: a sentence.", "citations": [105],
       "sources": [{"board": 105, "kind": "spotlight", "title": "Some poster", "score": 0.4}],
       "related": [], "abstained": False, "plan": {"intent": "search", "topic": "video"},
       "backend": "extractive", "notice": ""}
WRONG_ABSTAIN = {**BAD, "question": "who works on spiking networks?", "citations": [],
                 "sources": [], "abstained": True,
                 "answer": "The posters in this session do not seem to cover that."}
GOOD = {**BAD, "question": "what is at #813?", "answer": "**Scaling ...** [#813]",
        "citations": [813]}


def export(store, *extra: str):
    return CliRunner().invoke(cli, ["feedback", "export", "--store", str(store), *extra],
                              catch_exceptions=False)


def test_thumbs_down_answers_export_as_draft_rows_that_eval_rejects_for_missing_gold(tmp_path):
    store = tmp_path / "store"
    record(store, liked=False, answer=BAD)
    record(store, liked=True, answer=GOOD)
    record(store, liked=False, answer=WRONG_ABSTAIN)
    out = tmp_path / "drafts.jsonl"

    result = export(store, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "Wrote 2 draft row(s)" in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in rows] == [BAD["question"], WRONG_ABSTAIN["question"]]
    assert all(r["gold_boards"] == [] and r["split"] == "dev" for r in rows)
    assert "cited #105" in rows[0]["notes"] and "abstained" in rows[1]["notes"]
    # `posters eval` refuses the drafts for their missing gold only, naming the line.
    refused = CliRunner().invoke(cli, ["eval", "--testset", str(out), "--split", "all",
                                       "--store", str(store)])
    assert refused.exit_code == 1
    assert re.search(r"drafts\.jsonl:1: 'gold_boards' is empty; give the boards", refused.stderr)
    with pytest.raises(TestsetError, match=r"drafts\.jsonl:1: 'gold_boards' is empty"):
        load_testset(out)

    # A person fills in the gold: the same rows are then a valid test set.
    rows[0]["gold_boards"], rows[1]["gold_boards"] = [105], [412]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = load_testset(out)
    assert [r.gold_boards for r in loaded] == [[105], [412]]


def test_a_later_thumbs_up_withdraws_the_draft_and_stdout_is_the_default(tmp_path):
    store = tmp_path / "store"
    record(store, liked=False, answer=BAD)
    record(store, liked=False, answer=WRONG_ABSTAIN)
    record(store, liked=True, answer=BAD)  # changed their mind

    result = export(store)

    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == [WRONG_ABSTAIN["question"]]


def test_no_feedback_says_how_to_give_some_and_a_missing_folder_names_the_fix(tmp_path):
    empty = export(tmp_path / "store")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "No thumbs-down answers" in empty.stderr and "posters chat" in empty.stderr

    record(tmp_path / "store", liked=False, answer=BAD)
    missing = export(tmp_path / "store", "--out", str(tmp_path / "nowhere" / "d.jsonl"))
    assert missing.exit_code == 1
    assert "does not exist; create it first" in missing.stderr
