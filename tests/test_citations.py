"""The citation guard: only boards given for this turn survive, in one format, reported."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.citations import CitationStream, guard_citations, safe_cut

GIVEN = {100, 813, 1305}


@pytest.mark.parametrize("text, expected, citations, dropped", [
    ("G2MILP does it [#100].", "G2MILP does it [#100].", [100], []),
    ("see board 813 and poster #1305.", "see [#813] and [#1305].", [813, 1305], []),
    ("An invented one [#9999] here.", "An invented one here.", [], [9999]),
    ("both [#100, #813] and [100][#813]", "both [#100][#813] and [#100][#813]", [100, 813], []),
    ("mixed [#100; #42]", "mixed [#100]", [100], [42]),
    ("paren (#100) and (#813; #1305)", "paren [#100] and [#813][#1305]", [100, 813, 1305], []),
    ("a bare #1305 then #7", "a bare [#1305] then", [1305], [7]),
    ("numeric refs [1] [2]", "numeric refs", [], [1, 2]),
    ("Board 100 says so", "[#100] says so", [100], []),
    ("no citation at all", "no citation at all", [], []),
    ("html entity &#39; and issue#12 stay", "html entity &#39; and issue#12 stay", [], []),
])
def test_guard(text, expected, citations, dropped):
    result = guard_citations(text, GIVEN)
    assert (result.text, result.citations, result.dropped) == (expected, citations, dropped)


def test_each_board_is_reported_once_in_order_of_use():
    result = guard_citations("[#813] [#100] [#813] [#5] [#5]", GIVEN)
    assert result.citations == [813, 100] and result.dropped == [5]


@pytest.mark.parametrize("text, cut", [
    ("hello world", 5),
    ("see [#10", 3),
    ("see board", 3),
    ("a poster #", 1),
    ("done [#100] and", 11),
])
def test_safe_cut_holds_back_what_may_still_become_a_citation(text, cut):
    assert safe_cut(text) == cut


ANSWER = ("G2MILP makes MILP instances [#100]. It beats [#9999] baselines on board 813 (see "
          "poster #1305) and (#42; #100).\nAlso [#813, #7] and #100.")


def stream_in_pieces(text: str, seed: int) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    stream, shown, pieces = CitationStream(GIVEN), [], []
    at = 0
    while at < len(text):
        size = rng.randint(1, 6)
        pieces.append(text[at:at + size])
        shown.append(stream.feed(pieces[-1]))
        at += size
    stream.finish()
    shown.append(stream.tail)
    return "".join(shown), shown


@pytest.mark.parametrize("seed", range(20))
def test_streamed_output_equals_the_guarded_whole(seed):
    streamed, pieces = stream_in_pieces(ANSWER, seed)
    assert streamed == guard_citations(ANSWER, GIVEN).text
    assert not any("9999" in p or "#42" in p or "#7]" in p for p in pieces)


@given(st.lists(st.sampled_from(["word ", "[#", "100", "9999", "]", "board ", "#", "813",
                                 ", ", "(", ")", ". ", "\n", "poster "]), max_size=40),
       st.integers(0, 1000))
def test_any_stream_shows_only_given_boards(parts, seed):
    text = "".join(parts)
    streamed, _ = stream_in_pieces(text, seed)
    assert streamed == guard_citations(text, GIVEN).text
    assert set(guard_citations(streamed, GIVEN).dropped) == set()
