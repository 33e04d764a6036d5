"""The synthetic session generator: its pages parse with the real parser, are reproducible,
and are made only of real material in the real session's proportions."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.synth import (
    MAX_BOARD,
    Corpus,
    main,
    max_per_page,
    split_sentences,
    synth_posters,
    synth_sessions,
    write_pages,
)
from ingest.parse import MAX_PAGE_BYTES, Session, format_session, load_session

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "synth.py"


def fields(poster) -> tuple:
    return (poster.board, poster.kind, poster.award, poster.title, poster.authors,
            poster.abstract, poster.session)


@pytest.fixture(scope="module")
def sample(bundled) -> list:
    return list(synth_posters(bundled.posters, 2000, seed=3))


def test_pages_parse_back_to_exactly_the_generated_posters(tmp_path, bundled):
    pages = write_pages(bundled.posters, tmp_path, 1234, per_page=500, first_board=200_000)
    parsed = [load_session(page.path) for page in pages]
    expected = [p for s in synth_sessions(bundled.posters, 1234, 500, first_board=200_000)
                for p in s.posters]
    assert [page.path.name for page in pages] == [f"session-00{i}.txt" for i in (1, 2, 3)]
    assert [len(s.posters) for s in parsed] == [500, 500, 234]
    assert len({s.name for s in parsed}) == 3 and all(s.location for s in parsed)
    posters = [p for s in parsed for p in s.posters]
    assert [p.board for p in posters] == list(range(200_000, 201_234))
    assert [fields(p) for p in posters] == [fields(p) for p in expected]


def test_pages_split_the_same_posters_whatever_the_page_size(bundled):
    def content(per_page: int) -> list[tuple]:
        return [fields(p)[:-1] for s in synth_sessions(bundled.posters, 300, per_page)
                for p in s.posters]

    assert content(300) == content(7) == [fields(p)[:-1]
                                          for p in synth_posters(bundled.posters, 300)]


def test_same_seed_same_bytes_different_seed_different(tmp_path, bundled):
    def page_bytes(name: str, seed: int) -> list[bytes]:
        pages = write_pages(bundled.posters, tmp_path / name, 300, per_page=100, seed=seed)
        return [page.path.read_bytes() for page in pages]

    first = page_bytes("a", 1)
    assert page_bytes("b", 1) == first
    other = page_bytes("c", 2)
    assert all(x != y for x, y in zip(other, first, strict=True))


def test_every_abstract_sentence_is_a_real_sentence(bundled, sample):
    real_text = "\n".join(p.abstract for p in bundled.posters)
    for poster in sample:
        sentences = split_sentences(poster.abstract)
        assert 4 <= len(sentences) <= 9, poster.abstract
        missing = [s for s in sentences if s not in real_text]
        assert not missing, (poster.board, missing)


def test_abstracts_have_four_to_nine_sentences_even_from_unsplittable_sources(bundled):
    corpus = Corpus.from_posters(bundled.posters)
    unsplittable = [p for p, s in zip(bundled.posters, corpus.sentences, strict=True) if not s]
    real = unsplittable + bundled.posters[:3]
    assert unsplittable
    for poster in synth_posters(real, 500, seed=5):
        sentences = split_sentences(poster.abstract)
        assert 4 <= len(sentences) <= 9 and len(set(sentences)) == len(sentences)


def test_abstracts_mostly_come_from_one_or_two_real_posters(bundled, sample):
    source = {s: p.board for p in bundled.posters for s in split_sentences(p.abstract)}
    coherent = 0
    for poster in sample:
        boards = Counter(source[s] for s in split_sentences(poster.abstract))
        top_two = sum(n for _, n in boards.most_common(2))
        coherent += top_two >= boards.total() - 1
    assert coherent >= 0.9 * len(sample)


def test_titles_and_authors_are_real_material(bundled, sample):
    authors = {a for p in bundled.posters for a in p.authors}
    titles = " ".join(p.title for p in bundled.posters)
    assert len({p.title for p in sample}) > 0.5 * len(sample)
    for poster in sample:
        assert 1 <= len(poster.authors) <= 8 and len(set(poster.authors)) == len(poster.authors)
        assert set(poster.authors) <= authors
    for title in {p.title for p in sample[:500]}:
        cuts = [i for i, char in enumerate(title) if char == " "]
        assert any(title[:i] in titles and title[i:].strip() in titles for i in cuts), title


def test_kind_and_award_mix_is_like_the_real_session(sample):
    kinds = Counter(p.kind for p in sample)
    assert abs(kinds["poster"] / len(sample) - 0.86) < 0.04
    assert abs(kinds["spotlight"] / len(sample) - 0.11) < 0.03
    assert abs(kinds["oral"] / len(sample) - 0.03) < 0.015
    assert sum(bool(p.award) for p in sample) < 0.02 * len(sample)


def test_no_poster_exceeds_the_size_bound_behind_the_page_limit(bundled, sample):
    corpus = Corpus.from_posters(bundled.posters)
    bound = corpus.max_poster_bytes()
    largest = max(len(format_session(Session("Poster Session S1", "Hall", "x", [p])).encode())
                  for p in sample)
    assert largest <= bound
    assert max_per_page(corpus) * bound < MAX_PAGE_BYTES and max_per_page(corpus) >= 5000


def test_cli_writes_the_pages_and_says_so(tmp_path):
    out = tmp_path / "pages"
    done = subprocess.run([sys.executable, str(SCRIPT), "--posters", "120", "--per-page", "50",
                           "--out", str(out), "--seed", "4"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "session-001.txt", "session-002.txt", "session-003.txt"]
    assert sum(len(load_session(p).posters) for p in out.iterdir()) == 120
    assert "session-003.txt" in done.stdout and "120 posters" in done.stdout
    assert "MB" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--posters", "0"], "--posters must be at least 1"),
    (["--posters", "10", "--per-page", "0"], "--per-page must be at least 1"),
    (["--posters", "100000", "--per-page", "100000"], "20 MB"),
    (["--posters", "100", "--first-board", str(MAX_BOARD - 10)], "7 digits"),
    (["--posters", "10", "--first-board", "-1"], "--first-board must be 0 or more"),
    (["--posters", "many"], "invalid int value"),
    (["--posters", "10", "--source", "/nonexistent/page.txt"], "No such file"),
])
def test_cli_rejects_bad_arguments_clearly(tmp_path, capsys, args, message):
    out = tmp_path / "pages"
    with pytest.raises(SystemExit) as exited:
        main([*args, "--out", str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_without_out_names_the_missing_option(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--posters", "10"])
    assert exited.value.code == 2 and "--out" in capsys.readouterr().err
