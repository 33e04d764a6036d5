"""The citation guard: only boards given for this turn survive, in one format, reported."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.citations import CitationStream, guard_citations, safe_cut
from assistant.poster import Poster
from tests.conftest import poster

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


# -- sessions that reuse boards (a whole conference in one store) ------------------------------
# Sessions 2 and 3 both have boards 812 and 500; this turn was given session 3's 812, session
# 2's 500, and board 13 (no other session has it).
QUALIFIED = {"S3 #812", "S2 #500", 13}


@pytest.mark.parametrize("text, expected, citations, dropped", [
    ("see [S3 #812].", "see [S3 #812].", ["S3 #812"], []),
    # the one poster given on that board: a bare board, or any spelling of its session
    ("see #812 and board 500.", "see [S3 #812] and [S2 #500].", ["S3 #812", "S2 #500"], []),
    ("Poster Session 3, board 812 and (S3 #812)", "[S3 #812] and [S3 #812]", ["S3 #812"], []),
    ("session 3 #812; s2 #500", "[S3 #812]; [S2 #500]", ["S3 #812", "S2 #500"], []),
    # the other session's poster on a given board was not given
    ("not [S2 #812] nor S3 #500", "not nor", [], ["S2 #812", "S3 #500"]),
    ("[S3 #812, S2 #812, #13]", "[S3 #812][#13]", ["S3 #812", 13], ["S2 #812"]),
    # a board only one session has is cited plainly, whatever session is written with it
    ("[S2 #13] and [#13]", "[#13] and [#13]", [13], []),
    # "Session 3, 12 posters" names no board; neither does a session alone
    ("Session 3, 12 posters; in S3 too", "Session 3, 12 posters; in S3 too", [], []),
    ("an invented [#9999]", "an invented", [], [9999]),
])
def test_guard_with_session_qualified_refs(text, expected, citations, dropped):
    result = guard_citations(text, QUALIFIED)
    assert (result.text, result.citations, result.dropped) == (expected, citations, dropped)


def test_a_bare_board_given_in_two_sessions_is_ambiguous_and_removed():
    result = guard_citations("both #812 and [S2 #812]", {"S2 #812", "S3 #812"})
    assert (result.text, result.citations, result.dropped) == (
        "both and [S2 #812]", ["S2 #812"], [812])


def test_session_labels_are_short_unique_and_stable():
    from assistant.citations import session_labels

    assert session_labels(["Poster Session 2", "Poster Session 3"]) == {
        "Poster Session 2": "S2", "Poster Session 3": "S3"}
    # Two sessions with one number: their initials; a name with no number: itself.
    assert session_labels(["Poster Session 3", "Oral Session 3", "Session 5", "Demos"]) == {
        "Poster Session 3": "PS3", "Oral Session 3": "OS3", "Session 5": "S5",
        "Demos": "Demos"}


def test_refs_of_a_store_are_boards_unless_another_session_reuses_them():
    from assistant.catalog import with_refs

    def card(session: str, board: int) -> Poster:
        return poster(board, session=session)

    one = with_refs([card("Poster Session 2", 812), card("Poster Session 2", 13)])
    assert [(c.ref, c.session_label) for c in one] == [(812, ""), (13, "")]
    cards = with_refs([card("Poster Session 2", 812), card("Poster Session 3", 812),
                       card("Poster Session 3", 13)])
    assert [(c.ref, c.session_label) for c in cards] == [
        ("S2 #812", "S2"), ("S3 #812", "S3"), (13, "S3")]
