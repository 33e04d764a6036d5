"""Synthetic session pages for scale tests: real poster material, recombined.

    python benchmarks/synth.py --posters 100000 --out DIR [--per-page 5000] [--seed 0]
                               [--first-board 100000] [--source PAGE]

Writes DIR/session-001.txt, DIR/session-002.txt, ...: each a separate session ("Poster
Session S1", "Poster Session S2", ...) in exactly the bundled page's format, with boards
consecutive from --first-board and unique across all pages, so the whole directory can be
ingested into one store. Titles, author names and abstract sentences all come from the real
page; each abstract draws most of its sentences from one or two real posters so retrieval over
the synthetic sessions still means something. The same arguments always write the same bytes.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, islice
from pathlib import Path
from typing import NamedTuple

from ingest.parse import (
    AUTHOR_SEPARATOR,
    KIND_LINES,
    MAX_PAGE_BYTES,
    Poster,
    Session,
    format_session,
    load_session,
)

MAX_BOARD = 9_999_999  # ingest.parse reads boards of at most 7 digits
MIN_SENTENCES, MAX_SENTENCES = 4, 9
MIN_AUTHORS, MAX_AUTHORS = 1, 8
# Dropping the rare very long sentences (about 1% of the bundled page's) bounds a poster's
# size, which is what lets the page-size check below admit the default 5000 posters a page.
MAX_SENTENCE_BYTES = 450
ABSTRACT_BUDGET_BYTES = 2200  # the bundled page's longest abstract is about this long
KINDS = ("poster", "spotlight", "oral")
DEFAULT_PER_PAGE = 5000
DEFAULT_FIRST_BOARD = 100_000  # above every real board, so real and synthetic never collide

_BOUNDARY = re.compile(r"[.!?]\s+(?=[A-Z0-9(\[$\\\"'])")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "al", "vs", "etc", "cf", "fig", "figs", "eq", "eqs",
                            "sec", "resp", "approx", "w.r.t", "i.i.d", "ref", "refs"})
_CONNECTOR = re.compile(
    r"\s(?:via|for|with|using|through|from|across|under|in|on|by)\s", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract: split after . ! ? before a capital, digit or bracket,
    except after common abbreviations (e.g., i.e., et al.)."""
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        word_start = text.rfind(" ", start, match.start()) + 1
        if text[word_start:match.start()].lstrip("([").lower() in _ABBREVIATIONS:
            continue
        sentences.append(text[start:match.start() + 1].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _splits_cleanly(sentence: str) -> bool:
    """Whether the sentence, joined to any other by a space, splits back out unchanged: only
    such sentences are used, so a synthetic abstract re-splits into exactly its sources."""
    return (len(sentence.encode()) <= MAX_SENTENCE_BYTES
            and split_sentences(sentence) == [sentence]
            and split_sentences(f"{sentence} A.") == [sentence, "A."]
            and split_sentences(f"A. {sentence}") == ["A.", sentence])


def _split_title(title: str) -> tuple[str, str] | None:
    """("Accelerating Molecular GNNs", " via Knowledge Distillation"): the head keeps at least
    two words so a recombined title still says what the work is."""
    for match in _CONNECTOR.finditer(title):
        head = title[:match.start()]
        if len(head.split()) >= 2:
            return head, title[match.start():]
    return None


@dataclass(frozen=True)
class Corpus:
    """The real material synthetic posters are recombined from."""

    titles: tuple[str, ...]
    heads: tuple[str | None, ...]  # per real poster: its title before the first connector
    tails: tuple[str | None, ...]  # ... and from the connector on
    tailed: tuple[int, ...]  # indices of posters whose title has a tail
    names: tuple[str, ...]  # short "Name:" prefixes of real titles
    sentences: tuple[tuple[str, ...], ...]  # per real poster: its usable abstract sentences
    all_sentences: tuple[str, ...]  # every distinct usable sentence
    authors: tuple[str, ...]
    author_counts: tuple[int, ...]
    author_weights: tuple[int, ...]  # cumulative
    kind_weights: tuple[int, ...]  # cumulative, in KINDS order
    awards: tuple[str, ...]
    award_rate: float

    @classmethod
    def from_posters(cls, real: Sequence[Poster]) -> Corpus:
        if not real:
            raise ValueError("no real posters to draw material from")
        splits = [_split_title(p.title) for p in real]
        sentences = tuple(tuple(s for s in split_sentences(p.abstract) if _splits_cleanly(s))
                          for p in real)
        all_sentences = tuple(dict.fromkeys(s for group in sentences for s in group))
        if len(all_sentences) < MAX_SENTENCES:
            raise ValueError(f"the real posters have fewer than {MAX_SENTENCES} usable "
                             "abstract sentences")
        counts = Counter(len(p.authors) for p in real
                         if MIN_AUTHORS <= len(p.authors) <= MAX_AUTHORS)
        author_counts = tuple(sorted(counts)) or (MIN_AUTHORS,)
        kinds = Counter(p.kind for p in real)
        awarded = [p.award for p in real if p.award]
        return cls(
            titles=tuple(p.title for p in real),
            heads=tuple(s[0] if s else None for s in splits),
            tails=tuple(s[1] if s else None for s in splits),
            tailed=tuple(i for i, s in enumerate(splits) if s),
            names=tuple(dict.fromkeys(name for p in real if ": " in p.title
                                      for name in [p.title.split(": ", 1)[0]]
                                      if len(name.split()) <= 3)),
            sentences=sentences,
            all_sentences=all_sentences,
            authors=tuple(dict.fromkeys(a for p in real for a in p.authors)),
            author_counts=author_counts,
            author_weights=tuple(accumulate(counts[k] or 1 for k in author_counts)),
            kind_weights=tuple(accumulate(kinds[k] for k in KINDS)),
            awards=tuple(dict.fromkeys(awarded)),
            award_rate=len(awarded) / len(real),
        )

    def max_poster_bytes(self) -> int:
        """An upper bound on one formatted poster block, in UTF-8 bytes."""
        longest = max(len(t.encode()) for t in self.titles)
        title = 2 * longest + 2  # a head and a tail, or a name, ": " and a title
        award = max((len(a.encode()) for a in self.awards), default=0)
        name = max(len(a.encode()) for a in self.authors)
        authors = MAX_AUTHORS * name + (MAX_AUTHORS - 1) * len(AUTHOR_SEPARATOR.encode())
        kind = max(len(line.encode()) for line in KIND_LINES)
        board = len(f"#{MAX_BOARD}")
        return kind + board + award + title + authors + ABSTRACT_BUDGET_BYTES + 10  # newlines


def max_per_page(real: Sequence[Poster] | Corpus) -> int:
    """The most posters a page may hold and stay under the parser's MAX_PAGE_BYTES."""
    corpus = real if isinstance(real, Corpus) else Corpus.from_posters(real)
    return (MAX_PAGE_BYTES - 1000) // corpus.max_poster_bytes()  # 1000: the preamble


def check_plan(real: Sequence[Poster] | Corpus, n: int, per_page: int = DEFAULT_PER_PAGE,
               first_board: int = DEFAULT_FIRST_BOARD) -> None:
    """Raise ValueError, saying what to change, if the pages could not be ingested."""
    if n < 1:
        raise ValueError(f"--posters must be at least 1, not {n}")
    if per_page < 1:
        raise ValueError(f"--per-page must be at least 1, not {per_page}")
    if first_board < 0:
        raise ValueError(f"--first-board must be 0 or more, not {first_board}")
    if first_board + n - 1 > MAX_BOARD:
        raise ValueError(
            f"boards #{first_board}..#{first_board + n - 1} would exceed #{MAX_BOARD}, the "
            f"largest board the parser reads (7 digits): use --first-board "
            f"{max(0, MAX_BOARD - n + 1)} or lower, or fewer --posters")
    limit = max_per_page(real)
    if per_page > limit:
        raise ValueError(
            f"--per-page {per_page} could make a page larger than the parser's "
            f"{MAX_PAGE_BYTES / 1e6:.0f} MB limit: use --per-page {limit} or fewer")


def synth_posters(real: Sequence[Poster] | Corpus, n: int, seed: int = 0,
                  first_board: int = DEFAULT_FIRST_BOARD, session: str = "") -> Iterator[Poster]:
    """N synthetic posters recombined from the real ones, on boards first_board, first_board+1,
    ...; the same arguments always yield the same posters."""
    corpus = real if isinstance(real, Corpus) else Corpus.from_posters(real)
    rng = random.Random(seed)
    for board in range(first_board, first_board + n):
        yield _synth_poster(corpus, rng, board, session)


def _synth_poster(corpus: Corpus, rng: random.Random, board: int, session: str) -> Poster:
    kind = rng.choices(KINDS, cum_weights=corpus.kind_weights)[0]
    award = rng.choice(corpus.awards) if corpus.awards and rng.random() < corpus.award_rate \
        else ""
    # A is the poster this one is mostly "about"; B lends it a second theme.
    a = rng.randrange(len(corpus.titles))
    b = (a + 1 + rng.randrange(len(corpus.titles) - 1)) % len(corpus.titles) \
        if len(corpus.titles) > 1 else a
    count = rng.choices(corpus.author_counts, cum_weights=corpus.author_weights)[0]
    return Poster(board=board, kind=kind, title=_title(corpus, rng, a, b),
                  authors=tuple(rng.sample(corpus.authors, min(count, len(corpus.authors)))),
                  abstract=_abstract(corpus, rng, a, b), session=session, award=award)


def _title(corpus: Corpus, rng: random.Random, a: int, b: int) -> str:
    head = corpus.heads[a]
    if head is not None:
        tail = corpus.tails[b] or corpus.tails[rng.choice(corpus.tailed)]
        title = head + tail
    elif corpus.names:
        title = f"{rng.choice(corpus.names)}: {corpus.titles[a].split(': ', 1)[-1]}"
    else:
        title = corpus.titles[a]
    return corpus.titles[a] if title in KIND_LINES else title


def _abstract(corpus: Corpus, rng: random.Random, a: int, b: int) -> str:
    want = rng.randint(MIN_SENTENCES, MAX_SENTENCES)
    from_b = rng.randint(1, max(1, want // 3))
    picked = _ordered_sample(rng, corpus.sentences[a], want - from_b)
    picked += _ordered_sample(rng, corpus.sentences[b], want - len(picked))
    while len(picked) < want:
        filler = rng.choice(corpus.all_sentences)
        if filler not in picked:
            picked.append(filler)
    kept, size = [], -1
    for sentence in picked:
        # Every usable sentence is at most MAX_SENTENCE_BYTES, so the first MIN_SENTENCES fit.
        if size + 1 + len(sentence.encode()) <= ABSTRACT_BUDGET_BYTES:
            kept.append(sentence)
            size += 1 + len(sentence.encode())
    return " ".join(kept)


def _ordered_sample(rng: random.Random, items: Sequence[str], k: int) -> list[str]:
    """k items in their original order, so borrowed sentences still read as an argument."""
    if k >= len(items):
        return list(items)
    return [items[i] for i in sorted(rng.sample(range(len(items)), k))]


def page_name(index: int) -> str:
    """The session name of the index-th page (from 1): "Poster Session S1", ..."""
    return f"Poster Session S{index}"


def synth_sessions(real: Sequence[Poster] | Corpus, n: int, per_page: int = DEFAULT_PER_PAGE,
                   seed: int = 0, first_board: int = DEFAULT_FIRST_BOARD) -> Iterator[Session]:
    """ceil(n / per_page) sessions of synthetic posters, one page's worth at a time. The
    posters are those of synth_posters(real, n, seed, first_board), whatever per_page is."""
    check_plan(real, n, per_page, first_board)
    posters = synth_posters(real, n, seed, first_board)
    for index in range(1, math.ceil(n / per_page) + 1):
        name = page_name(index)
        batch = [replace(p, session=name) for p in islice(posters, per_page)]
        yield Session(name=name, location=f"Synthetic Hall {index}",
                      source=f"session-{index:03d}.txt", posters=batch)


class WrittenPage(NamedTuple):
    path: Path
    session: str
    posters: int
    first_board: int
    last_board: int
    bytes: int


def write_pages(real: Sequence[Poster] | Corpus, out_dir: Path, n: int,
                per_page: int = DEFAULT_PER_PAGE, seed: int = 0,
                first_board: int = DEFAULT_FIRST_BOARD) -> list[WrittenPage]:
    """Write the pages of synth_sessions to out_dir/session-001.txt, ... (created if needed),
    one page in memory at a time."""
    corpus = real if isinstance(real, Corpus) else Corpus.from_posters(real)
    check_plan(corpus, n, per_page, first_board)
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(math.ceil(n / per_page))))
    written = []
    for index, session in enumerate(synth_sessions(corpus, n, per_page, seed, first_board), 1):
        path = out_dir / f"session-{index:0{width}d}.txt"
        data = format_session(session).encode("utf-8")
        path.write_bytes(data)
        written.append(WrittenPage(path, session.name, len(session.posters),
                                   session.posters[0].board, session.posters[-1].board,
                                   len(data)))
    return written


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from assistant.settings import BUNDLED_SESSION

    parser = argparse.ArgumentParser(
        prog="synth.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: python benchmarks/synth.py --posters 100000 --out /tmp/synth100k\n"
               "then ingest every page into one store:\n"
               "  posters ingest --store /tmp/store100k $(printf ' --source %s' "
               "/tmp/synth100k/session-*.txt)")
    parser.add_argument("--posters", type=int, required=True, metavar="N",
                        help="how many synthetic posters to write in all")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="directory for the pages (created if missing; pages of the same "
                             "name are overwritten)")
    parser.add_argument("--per-page", type=int, default=DEFAULT_PER_PAGE, metavar="M",
                        help=f"posters per page (default {DEFAULT_PER_PAGE}; a page must stay "
                             f"under {MAX_PAGE_BYTES / 1e6:.0f} MB)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed; the same seed writes the same pages (default 0)")
    parser.add_argument("--first-board", type=int, default=DEFAULT_FIRST_BOARD, metavar="B",
                        help=f"board of the first poster; the rest follow consecutively "
                             f"across pages (default {DEFAULT_FIRST_BOARD}, above every real "
                             f"board; at most {MAX_BOARD})")
    parser.add_argument("--source", type=Path, default=BUNDLED_SESSION, metavar="PAGE",
                        help="the real session page to draw material from (default: the "
                             "bundled NeurIPS 2023 Poster Session 2)")
    args = parser.parse_args(argv)
    try:
        args.corpus = Corpus.from_posters(load_session(args.source).posters)
        check_plan(args.corpus, args.posters, args.per_page, args.first_board)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    started = time.perf_counter()
    pages = write_pages(args.corpus, args.out, args.posters, args.per_page, args.seed,
                        args.first_board)
    seconds = time.perf_counter() - started
    for page in pages:
        print(f"{page.path}  {page.session}  {page.posters} posters  "
              f"#{page.first_board}-#{page.last_board}  {page.bytes / 1e6:.1f} MB")
    total = sum(page.bytes for page in pages)
    print(f"wrote {len(pages)} pages, {args.posters} posters (boards #{args.first_board}-"
          f"#{args.first_board + args.posters - 1}), {total / 1e6:.1f} MB to {args.out} "
          f"in {seconds:.1f} s")
    _warn_of_stale_pages(args.out, {page.path for page in pages})
    return 0


def _warn_of_stale_pages(out_dir: Path, written: set[Path]) -> None:
    # Ingesting DIR/*.txt would pick up pages left by an earlier, larger run.
    stale = sorted(p for p in out_dir.glob("session-*.txt") if p not in written)
    if stale:
        print(f"note: {out_dir} also holds {len(stale)} older page(s) ({stale[0].name}, ...) "
              "not written now; remove them before ingesting the directory", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
