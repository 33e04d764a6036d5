"""The bundled test set is sound: every gold board exists, author gold sets are exact recounts,
every detail answer is in its abstract, and every kind is represented in the promised amounts."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from assistant.text import fold
from eval.testset import DEFAULT_TESTSET, TestsetError, load_testset


@pytest.fixture(scope="module")
def rows():
    return load_testset(DEFAULT_TESTSET)


def test_size_and_kinds(rows):
    kinds = Counter(r.kind for r in rows)
    assert len(rows) >= 400
    assert kinds["lookup"] >= 40 and kinds["topic"] >= 15 and kinds["unanswerable"] >= 15
    for kind in ("combo", "count", "compare", "similar", "poster_question", "title_lookup",
                 "typo"):
        assert kinds[kind] >= 15, kind
    assert kinds["conversation"] >= 25 and kinds["near_miss"] >= 25


def test_every_kind_is_split_in_halves_for_dev_and_test(rows):
    for kind in {r.kind for r in rows}:
        splits = Counter(r.split for r in rows if r.kind == kind)
        assert set(splits) == {"dev", "test"} and abs(splits["dev"] - splits["test"]) <= 1, kind


def test_conversation_turns_and_answers_are_grounded(rows, bundled):
    abstracts = {p.board: f"{p.title} {p.abstract} {' · '.join(p.authors)}"
                 for p in bundled.posters}
    conversations = [r for r in rows if r.turns]
    assert all(len(r.turns) >= 2 for r in conversations)
    for turn in (t for r in conversations for t in r.turns):
        assert set(turn.gold_boards) <= set(abstracts), turn.id


def test_poster_question_answers_occur_in_their_poster(rows, bundled):
    texts = {p.board: f"{p.title} {p.abstract}" for p in bundled.posters}
    for row in (r for r in rows if r.kind == "poster_question"):
        assert row.answer and row.answer in texts[row.gold_boards[0]], row.id


def test_gold_boards_exist(rows, bundled):
    boards = {p.board for p in bundled.posters}
    assert all(set(r.gold_boards) <= boards for r in rows)
    assert all(set(t.gold_boards) <= boards for r in rows for t in r.turns)


def test_author_gold_is_an_exact_recount(rows, bundled):
    authors = {fold(a) for p in bundled.posters for a in p.authors}
    for row in (r for r in rows if r.kind == "author"):
        named = [a for a in authors if a in fold(row.question)]
        named = [a for a in named if not any(a != b and a in b for b in named)]
        assert len(named) == 1, (row.id, named)
        recount = sorted(p.board for p in bundled.posters
                         if named[0] in {fold(a) for a in p.authors})
        assert sorted(row.gold_boards) == recount, row.id


def test_detail_answers_occur_in_their_abstract(rows, bundled):
    abstracts = {p.board: p.abstract for p in bundled.posters}
    details = [r for r in rows if r.kind == "detail"]
    assert details
    for row in details:
        assert row.answer and row.answer in abstracts[row.gold_boards[0]], row.id


def test_topic_rows_say_which_keywords_built_them(rows):
    assert all("keyword" in (r.notes or "") for r in rows if r.kind == "topic")


@pytest.mark.parametrize("line, message", [
    ("not json", "not valid JSON"),
    (json.dumps({"id": "x", "kind": "lookup", "question": "q"}), "missing field(s) gold_boards"),
    (json.dumps({"id": "x", "kind": "", "question": "q", "gold_boards": [1],
                 "accept_any": True}), "field 'kind'"),
    (json.dumps({"id": "x", "kind": "unanswerable", "question": "q", "gold_boards": [1],
                 "accept_any": False}), "must be empty for unanswerable rows"),
    (json.dumps({"id": "x", "kind": "lookup", "question": "q", "gold_boards": [],
                 "accept_any": False}), "'gold_boards' is empty"),
    (json.dumps({"id": "x", "kind": "conversation", "turns": [{"question": "q"}]}),
     "turn 1: missing field(s) gold_boards"),
])
def test_bad_rows_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "t.jsonl"
    good = json.dumps({"id": "a", "kind": "lookup", "question": "q", "gold_boards": [100],
                       "accept_any": True})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(TestsetError, match=rf"{re.escape(str(path))}:2: .*{re.escape(message)}"):
        load_testset(path)


GOOD_ROW = {"id": "b", "kind": "lookup", "question": "q", "gold_boards": [100],
            "accept_any": True}


@pytest.mark.parametrize("field, value, message", [
    ("answer", 5, "field 'answer' is 5; it must be a string, or left out"),
    ("id", ["a", "b"], 'field \'id\' is ["a", "b"]; it must be a non-empty string'),
    ("id", "", "field 'id' is \"\"; it must be a non-empty string"),
    ("accept_any", "no", "field 'accept_any' is \"no\"; it must be true or false"),
    ("accept_any", 0, "field 'accept_any' is 0; it must be true or false"),
    ("gold_boards", [True], "field 'gold_boards' is [true]; it must be a list of board numbers"),
    ("gold_boards", ["812"], "field 'gold_boards' is [\"812\"]; it must be a list of board"),
    ("gold_boards", 812, "field 'gold_boards' is 812; it must be a list of board numbers"),
    ("question", 7, "field 'question' is 7; it must be a non-empty string"),
    ("kind", ["lookup"], "field 'kind' is [\"lookup\"]; it must be a string, e.g. one of lookup"),
    ("notes", {"a": 1}, "field 'notes' is {\"a\": 1}; it must be a string, or left out"),
    ("split", "train", "field 'split' is \"train\"; it must be \"dev\" (for fitting) or \"test\""),
])
def test_a_field_of_the_wrong_type_is_named_with_its_value_and_the_fix(tmp_path, field, value,
                                                                       message):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(GOOD_ROW) + "\n" + json.dumps({**GOOD_ROW, "id": "c", field: value})
                    + "\n", encoding="utf-8")
    with pytest.raises(TestsetError, match=rf"^{re.escape(str(path))}:2: {re.escape(message)}"):
        load_testset(path)


def test_rows_of_the_right_types_load(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [GOOD_ROW, {**GOOD_ROW, "id": "u", "kind": "unanswerable", "gold_boards": [],
                       "accept_any": False, "answer": None, "notes": "n", "split": "dev"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = load_testset(path)
    assert [(r.id, r.gold_boards, r.accept_any) for r in loaded] == [
        ("b", [100], True), ("u", [], False)]


def test_summary_rows_cover_broad_and_narrow_areas_in_both_splits(rows):
    summaries = [r for r in rows if r.kind == "summary"]
    assert len(summaries) >= 20 and all(r.notes and "keyword" in r.notes for r in summaries)
    assert len({r.question for r in summaries}) == len(summaries)
    broad = [r for r in summaries if len(r.gold_boards) >= 20]
    narrow = [r for r in summaries if len(r.gold_boards) < 10]
    for group in (broad, narrow):
        assert {r.split for r in group} == {"dev", "test"}
