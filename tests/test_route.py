"""The metadata router answers boards, authors, kinds and awards exactly (pure, no store)."""

from __future__ import annotations

import pytest

from assistant.route import fold, route
from ingest.chunk import poster_record


@pytest.fixture(scope="module")
def cards(bundled):
    return [poster_record(p) for p in bundled.posters]


@pytest.mark.parametrize("question", ["What is at #813?", "what's on board 813",
                                      "Tell me about poster 813", "poster #813 please"])
def test_board_numbers(cards, question):
    routed = route(question, cards)
    assert routed.kind == "board" and routed.boards == [813]


def test_a_board_that_does_not_exist(cards):
    routed = route("what is at board 345?", cards)
    assert routed.kind == "missing-board" and routed.boards == []


def test_author_without_diacritics_and_in_lower_case(cards, bundled):
    expected = sorted(p.board for p in bundled.posters if "Bernhard Schölkopf" in p.authors)
    assert route("what is bernhard scholkopf presenting?", cards).boards == expected
    assert route("Posters by Bernhard Schölkopf", cards).boards == expected


def test_lukasz_finds_lukasz_with_stroke():
    assert fold("Łukasz Dębowski") == "lukasz debowski"


def test_surname_alone_needs_an_author_cue(cards, bundled):
    expected = sorted(p.board for p in bundled.posters if "Bernhard Schölkopf" in p.authors)
    assert route("which posters are by Schölkopf?", cards).boards == expected
    assert route("diffusion models for video", cards) is None


def test_kinds_and_awards(cards, bundled):
    orals = sorted(p.board for p in bundled.posters if p.kind == "oral")
    assert route("Which posters are orals?", cards).boards == orals
    assert len(route("list the spotlight posters", cards).boards) == 45
    assert route("Did any poster win an award?", cards).boards == [813]
    topical = route("Which oral posters are about causality?", cards)
    assert topical.kind == "kind" and topical.topic == "causality"


def test_topic_questions_go_to_retrieval(cards):
    for question in ["Is anyone doing diffusion for video editing?",
                     "Which posters are about federated learning?"]:
        assert route(question, cards) is None
