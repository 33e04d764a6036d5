"""The parser: the bundled page's facts, and a clear file:line error for each malformed page."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ingest.parse import SessionFormatError, load_session, parse_session

HEADER = "Poster Session\n\nPoster Session 9\n\nHall X\n\n"
GOOD_BLOCK = "Poster\n#{board}\nA Title\n\nAda Lovelace · Alan Turing\n\nAn abstract.\n\n"


def test_bundled_session_has_every_poster(bundled):
    assert bundled.name == "Poster Session 2"
    assert bundled.location.startswith("Great Hall")
    assert len(bundled.posters) == 391
    assert Counter(p.kind for p in bundled.posters) == {"poster": 335, "spotlight": 45, "oral": 11}
    assert len({p.board for p in bundled.posters}) == 391
    awarded = [(p.board, p.award) for p in bundled.posters if p.award]
    assert awarded == [(813, "Outstanding Paper Runner-up")]


def test_titles_keep_latex_and_names_keep_diacritics(bundled):
    titles = " ".join(p.title for p in bundled.posters)
    authors = {a for p in bundled.posters for a in p.authors}
    assert "$" in titles
    assert "Bernhard Schölkopf" in authors and "Bartłomiej Twardowski" in authors
    first = bundled.posters[0]
    assert first.board == 100 and first.kind == "spotlight" and first.authors[0] == "Zijie Geng"


def parse_error(tmp_path, content: bytes) -> SessionFormatError:
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(SessionFormatError) as caught:
        load_session(path)
    message = str(caught.value)
    assert re.match(rf"{re.escape(str(path))}:\d+: ", message), message
    assert "\n" not in message
    return caught.value


def test_missing_board_names_its_line(tmp_path):
    page = HEADER + GOOD_BLOCK.format(board=1) + "Poster\nA Title Without Board\n\nX\n\nY\n"
    err = parse_error(tmp_path, page.encode())
    assert err.line == 16 and "expected a board line" in err.problem


def test_non_numeric_board(tmp_path):
    err = parse_error(tmp_path, (HEADER + GOOD_BLOCK.format(board="12a")).encode())
    assert err.line == 8 and "board line" in err.problem


def test_duplicate_board_names_both_lines(tmp_path):
    page = HEADER + GOOD_BLOCK.format(board=5) + GOOD_BLOCK.format(board=5)
    err = parse_error(tmp_path, page.encode())
    assert err.line == 16 and "duplicate board #5" in err.problem and "line 8" in err.problem


def test_block_without_abstract(tmp_path):
    page = HEADER + "Poster\n#3\nA Title\n\nSomeone\n\n" + GOOD_BLOCK.format(board=4)
    err = parse_error(tmp_path, page.encode())
    assert "#3" in err.problem and "expected an abstract" in err.problem and err.line == 13


def test_truncated_file(tmp_path, bundled):
    from ingest.parse import format_session

    full = format_session(bundled)
    cut = full[: full.index("\n#324\n")] + "\n#324\nA Title That Stops Here\n"
    err = parse_error(tmp_path, cut.encode())
    assert "#324" in err.problem and "truncated" in err.problem


def test_wrong_encoding_names_the_line(tmp_path):
    page = (HEADER + GOOD_BLOCK.format(board=1)).encode() + "Poster\n#2\nCaf\xe9".encode("latin-1")
    err = parse_error(tmp_path, page)
    assert "not UTF-8" in err.problem and err.line == 17


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 4, "UTF-8"),
    (b"\x00\x01\x02 binary", "binary"),
    (b"just some text\nwith no posters\n", "no poster blocks"),
])
def test_garbage_pages(tmp_path, content, expected):
    assert expected in str(parse_error(tmp_path, content))


def test_an_abstract_over_the_bound_names_its_first_line(tmp_path):
    long = "Word " * 4_001  # 20,005 characters: over the 20,000 an abstract may have
    page = HEADER + GOOD_BLOCK.format(board=1) + GOOD_BLOCK.format(board=2).replace(
        "An abstract.", "First line.\n" + long)
    err = parse_error(tmp_path, page.encode())
    assert err.line == 21 and "board #2: the abstract is 20,016 characters" in err.problem
    assert "at most 20,000" in err.problem and "shorten it" in err.fix


def test_a_page_over_the_byte_limit_is_refused_after_reading_only_that(tmp_path):
    from ingest.parse import read_page_bytes

    path = tmp_path / "page.txt"
    path.write_bytes(b"x" * 5_000)
    assert read_page_bytes(path, limit=5_000) == b"x" * 5_000
    with pytest.raises(SessionFormatError, match=r"page\.txt:1: the file is larger than "
                                                 r"0\.001 MB.*\(check it is a session page"):
        read_page_bytes(path, limit=1_000)


def test_a_directory_is_refused_with_the_fix(tmp_path):
    with pytest.raises(SessionFormatError) as caught:
        load_session(tmp_path)
    assert str(caught.value) == (f"{tmp_path}:1: this is a directory, not a file to read "
                                 "(pass a saved session page: a plain text file)")


def test_other_pages_of_the_same_format_parse():
    page = HEADER + GOOD_BLOCK.format(board=7) + "Oral Poster\n#8\nBest Paper\nT2\n\nB\n\nC.\n"
    session = parse_session(page, "other.txt")
    assert session.name == "Poster Session 9"
    assert [(p.board, p.kind, p.award, p.title) for p in session.posters] == [
        (7, "poster", "", "A Title"), (8, "oral", "Best Paper", "T2")]
    assert session.posters[0].authors == ("Ada Lovelace", "Alan Turing")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ingest.parse import Poster, Session, format_session  # noqa: E402

LINES = st.sampled_from(["Poster", "Spotlight Poster", "Oral Poster", "#12", "#12a", "#",
                         "", "A title", "Ada · Bob", "An abstract.", "Outstanding Paper",
                         "\x00", "Poster Session 2", "  ", "#99999999"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40) | st.text(max_size=400))
def test_fuzz_any_text_parses_or_fails_with_a_located_error(content):
    text = "\n".join(content) if isinstance(content, list) else content
    try:
        session = parse_session(text, "fuzz.txt")
    except SessionFormatError as err:
        assert err.path == "fuzz.txt" and err.line >= 1 and "\n" not in str(err)
    else:
        assert len({p.board for p in session.posters}) == len(session.posters)
        assert all(p.title and p.abstract and p.authors for p in session.posters)


WORDS = st.text(st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x17F,
                              exclude_characters="·#"), min_size=1, max_size=12)
PHRASE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["poster", "spotlight", "oral"]), PHRASE,
                          st.lists(PHRASE, min_size=1, max_size=4), PHRASE),
                min_size=1, max_size=8))
def test_fuzz_formatted_sessions_round_trip(blocks):
    posters = [Poster(board=100 + i, kind=kind, title=title, authors=tuple(authors),
                      abstract=abstract, session="Poster Session 7")
               for i, (kind, title, authors, abstract) in enumerate(blocks)
               if title.strip() not in {"Poster", "Spotlight Poster", "Oral Poster"}]
    if not posters:
        return
    text = format_session(Session("Poster Session 7", "Hall", "x", posters))
    parsed = parse_session(text, "x.txt").posters
    assert [(p.board, p.kind, p.title, p.authors, p.abstract) for p in parsed] == [
        (p.board, p.kind, p.title, p.authors, p.abstract) for p in posters]
