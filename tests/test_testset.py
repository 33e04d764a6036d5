"""The bundled test set is sound: every gold board exists, author gold sets are exact recounts,
every detail answer is in its abstract, and every kind is represented in the promised amounts."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from assistant.route import fold
from eval.testset import DEFAULT_TESTSET, TestsetError, load_testset


@pytest.fixture(scope="module")
def rows():
    return load_testset(DEFAULT_TESTSET)


def test_size_and_kinds(rows):
    kinds = Counter(r.kind for r in rows)
    assert len(rows) >= 150
    assert kinds["lookup"] >= 40 and kinds["topic"] >= 15 and kinds["unanswerable"] >= 15
    assert set(kinds) == {"lookup", "author", "topic", "detail", "meta", "unanswerable"}


def test_gold_boards_exist(rows, bundled):
    boards = {p.board for p in bundled.posters}
    assert all(set(r.gold_boards) <= boards for r in rows)


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
    (json.dumps({"id": "x", "kind": "guess", "question": "q", "gold_boards": [1],
                 "accept_any": True}), "field 'kind'"),
    (json.dumps({"id": "x", "kind": "unanswerable", "question": "q", "gold_boards": [1],
                 "accept_any": False}), "empty exactly for unanswerable"),
])
def test_bad_rows_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "t.jsonl"
    good = json.dumps({"id": "a", "kind": "lookup", "question": "q", "gold_boards": [100],
                       "accept_any": True})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(TestsetError, match=rf"{re.escape(str(path))}:2: .*{re.escape(message)}"):
        load_testset(path)
