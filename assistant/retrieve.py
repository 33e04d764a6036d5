"""Rankings and how to combine them. Pure functions; every ranker returns a Ranking.

A Ranking is a list of (poster key, score), best first, one entry per poster. Scores are
only comparable within one ranker: cosine similarity for dense, BM25 for bm25, fused
reciprocal-rank for hybrid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.poster import Poster, PosterKey

Ranking = list[tuple[PosterKey, float]]
RRF_K = 60  # the constant of Cormack et al.; dampens the weight of the very top ranks


@dataclass
class Candidate:
    """A poster as one question saw it: fused rank score and each ranker's own score."""

    key: PosterKey
    fused: float
    cosine: float
    bm25: float


def best_per_poster(chunk_scores: Iterable[tuple[PosterKey, float]]) -> Ranking:
    """Collapse chunk hits (each chunk's poster and score) to posters, keeping each best."""
    best: dict[PosterKey, float] = {}
    for key, score in chunk_scores:
        if key not in best or score > best[key]:
            best[key] = score
    return sorted(best.items(), key=lambda item: -item[1])


def fuse_rankings(rankings: Sequence[Ranking], k: int = RRF_K) -> Ranking:
    """Reciprocal rank fusion: sum of 1/(k + rank) over the rankings a poster appears in."""
    fused: dict[PosterKey, float] = {}
    for ranking in rankings:
        for rank, (key, _score) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


@dataclass(frozen=True)
class PosterFilter:
    """What the user narrowed the search to; None means no constraint."""

    kinds: frozenset[str] | None = None
    board_min: int | None = None
    board_max: int | None = None
    session: str | None = None
    # Only these posters, by citation ref (a follow-up's previous posters): the board, or
    # "S3 #812" when sessions reuse it (assistant.citations).
    boards: frozenset[int | str] | None = None

    def is_empty(self) -> bool:
        return self == PosterFilter()

    def admits_none(self) -> bool:
        """True when an empty choice rules out every poster (a follow-up on an answer that
        cited nothing). Chroma rejects an empty `$in`, so callers skip the query."""
        return self.kinds == frozenset() or self.boards == frozenset()

    def admits(self, card: Poster) -> bool:
        return ((self.kinds is None or card.kind in self.kinds)
                and (self.board_min is None or card.board >= self.board_min)
                and (self.board_max is None or card.board <= self.board_max)
                and (self.session is None or card.session == self.session)
                and (self.boards is None or card.ref in self.boards))

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.kinds is not None:
            clauses.append({"kind": {"$in": sorted(self.kinds)}})
        if self.board_min is not None:
            clauses.append({"board": {"$gte": self.board_min}})
        if self.board_max is not None:
            clauses.append({"board": {"$lte": self.board_max}})
        if self.session is not None:
            clauses.append({"session": self.session})
        if self.boards is not None:  # a reused board admits each session's poster here
            clauses.append({"board": {"$in": sorted({b if isinstance(b, int) else
                                                      int(b.rsplit("#", 1)[1])
                                                      for b in self.boards})}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


ANY_POSTER = PosterFilter()
