"""One question in, one cited answer out: the path shared by `posters ask`, the app and eval."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant import store as st
from assistant.answer import CANNOT_ANSWER, Answer, extractive_answer
from assistant.retrieve import ANY_POSTER, PosterFilter
from assistant.settings import BUNDLED_SESSION, Settings

MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """A question that cannot be asked as it is."""


@dataclass
class Relevance:
    """How a poster scored for a question, by each ranker."""

    key: str
    fused: float
    cosine: float
    bm25: float


def clean_question(question: str) -> str:
    """Strip control characters and excess length; refuse a question with no words."""
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("the question is empty: ask about a topic, a board (#812) or an author")
    return text


def ensure_store(settings: Settings, embedder, echo: Callable[[str], None]) -> None:
    """Ingest the bundled session when the store has nothing yet."""
    if st.current_generation(settings.store) is not None:
        return
    from ingest.build import ingest

    echo(f"The store at {settings.store} is empty: ingesting the bundled session "
         f"({BUNDLED_SESSION.name}) first.")
    report = ingest([BUNDLED_SESSION], settings, embedder)
    echo(report.summary())


class Assistant:
    """Answers questions about the posters in a store."""

    def __init__(self, settings: Settings, embedder=None,
                 echo: Callable[[str], None] = lambda _m: None) -> None:
        from assistant.embedding import load_embedder
        from assistant.index import PosterIndex

        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embed_model, settings.embed_batch_size)
        ensure_store(settings, self.embedder, echo)
        self.index = PosterIndex(settings, self.embedder)

    def relevant(self, question: str, k: int, where: PosterFilter) -> list[Relevance]:
        """Hybrid candidates with each ranker's score, best first."""
        pool = max(k * 4, 20)
        dense = dict(self.index.dense(question, pool, where))
        bm25 = dict(self.index.bm25(question, pool, where))
        from assistant.retrieve import fuse_rankings

        fused = fuse_rankings([list(dense.items()), list(bm25.items())])
        return [Relevance(key, score, dense.get(key, 0.0), bm25.get(key, 0.0))
                for key, score in fused]

    def ask(self, question: str, k: int | None = None,
            where: PosterFilter = ANY_POSTER) -> Answer:
        question = clean_question(question)
        k = k or self.settings.top_k
        candidates = self.relevant(question, k, where)
        kept = self.gate(candidates)[:k]
        if not kept:
            return Answer(answer=CANNOT_ANSWER, citations=[], sources=[], abstained=True)
        return extractive_answer(question, [(self.index.cards[r.key], r.cosine) for r in kept])

    def gate(self, candidates: list[Relevance]) -> list[Relevance]:
        """Keep posters that are relevant in absolute terms and close to the best one."""
        if not candidates:
            return []
        top = max(r.cosine for r in candidates)
        if top < self.settings.min_relevance:
            return []
        bar = max(self.settings.min_relevance, top - 0.15)
        return [r for r in candidates if r.cosine >= bar]
