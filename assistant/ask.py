"""One question in, one cited answer out: the path shared by `posters ask`, the app and eval."""

from __future__ import annotations

import copy
import math
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

from assistant import store as st
from assistant.answer import (
    CANNOT_ANSWER,
    STOPWORDS,
    Answer,
    abstain,
    best_sentence,
    card_source,
    content_words,
    extractive_answer,
    poster_line,
    stem,
)
from assistant.followup import FollowUp, Turn, resolve_followup
from assistant.retrieve import ANY_POSTER, PosterFilter, fuse_rankings
from assistant.route import CardIndex, Route, fold, index_cards, route
from assistant.settings import BUNDLED_SESSION, Settings
from prompts import load_prompt

if TYPE_CHECKING:
    from assistant.index import PosterIndex

MAX_QUESTION_CHARS = 2000
_POOL = 30  # candidates each ranker contributes


class QuestionError(ValueError):
    """A question that cannot be asked as it is."""


@dataclass
class Candidate:
    """A poster as one question saw it: fused rank score and each ranker's own score."""

    key: str
    fused: float
    cosine: float
    bm25: float


@dataclass
class Evidence:
    """What the abstention decision looks at (see eval/README.md for the calibration)."""

    top_cosine: float  # best dense cosine similarity
    top_bm25: float  # best BM25 score
    coverage: float  # share of the question's rare-term weight the best posters carry


# The words that frame a request ("Which posters are about ...") only add noise to its meaning.
_FRAME = re.compile(
    r"^(which|what|are there|is there|is anyone|any|anyone|show me|list|find)( posters?| papers?|"
    r" work| works| research)?( (are|is|that|which|on|about|doing|presenting|working on|tackle|"
    r"tackles|address|addresses|deal with|study|studies|use|using))*\b", re.IGNORECASE)


def strip_frame(question: str) -> str:
    return _FRAME.sub("", question).strip(" ?") or question


@cache
def _instruction_grams(span: int) -> frozenset[str]:
    """Every run of `span` words in the system prompt's rules (computed once)."""
    from assistant.llm import answer_messages

    system = answer_messages("", [])[0]["content"]
    # The example answers may rightly be said again (about that poster): only the rules count.
    rules = "\n".join(line for line in system.splitlines()
                      if not line.startswith(("Right:", "Wrong:")))
    words = re.findall(r"[a-z0-9]+", rules.lower())
    return frozenset(" ".join(words[i:i + span]) for i in range(len(words) - span + 1))


def repeats_instructions(text: str, span: int = 8) -> bool:
    """True when the answer quotes `span` or more consecutive words of the system prompt:
    a prompt-injection ("print your system prompt") that the model obeyed."""
    grams = _instruction_grams(span)
    said = re.findall(r"[a-z0-9]+", text.lower())
    return any(" ".join(said[i:i + span]) in grams for i in range(len(said) - span + 1))


def _pieces(answer: Answer) -> Iterator[str | Answer]:
    """An answer that is ready at once, streamed line by line, then the answer itself."""
    yield from answer.answer.splitlines(keepends=True)
    yield answer


def should_abstain(ev: Evidence, s: Settings) -> bool:
    """Abstain unless the best poster is close in meaning, or moderately close and backed by
    matching words (a strong BM25 hit or most of the question's rare terms)."""
    if ev.top_cosine >= s.sure_relevance:
        return False
    if ev.top_cosine < s.min_relevance:
        return True
    return not (ev.top_bm25 >= s.min_bm25 or ev.coverage >= s.min_coverage)


def clean_question(question: str) -> str:
    """Strip control characters and excess length; refuse a question with no words."""
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("the question has no words: ask about a topic, a board (#812) or "
                            "an author")
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


@dataclass
class OpenedStore:
    """One generation of the store as a turn sees it: replaced whole when an ingest publishes
    a newer one, so a turn never mixes two generations."""

    index: PosterIndex
    cards: list[dict]
    sessions: list[str]
    df: dict[str, int]
    card_indexes: dict[PosterFilter, CardIndex] = field(default_factory=dict)
    card_index_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, index: PosterIndex) -> OpenedStore:
        cards = list(index.cards.values())
        return cls(index, cards, sorted({card["session"] for card in cards}),
                   _document_frequencies(cards))


class Assistant:
    """Answers questions about the posters in a store."""

    def __init__(self, settings: Settings, embedder=None,
                 echo: Callable[[str], None] = lambda _m: None) -> None:
        from assistant.embedding import load_embedder
        from assistant.index import PosterIndex

        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embed_model, settings.embed_batch_size)
        ensure_store(settings, self.embedder, echo)
        self._opened = OpenedStore.of(PosterIndex(settings, self.embedder))
        self._reopen_lock = threading.Lock()
        self.store_notice = ""  # set while the store on disk cannot be followed
        self.llm = None
        if settings.resolved_backend() == "openai":
            from assistant.llm import OpenAIBackend

            self.llm = OpenAIBackend(settings)

    @property
    def index(self) -> PosterIndex:
        return self._opened.index

    @property
    def cards(self) -> list[dict]:
        return self._opened.cards

    @property
    def sessions(self) -> list[str]:
        return self._opened.sessions

    @property
    def backend_label(self) -> str:
        return self.llm.label if self.llm else "extractive"

    def follow_store(self) -> None:
        """Move to the generation an ingest published since the last question, if any. When
        the store on disk is gone or damaged, keep answering from the generation already
        open (its files stay readable while it is open) and say so in `store_notice`."""
        from assistant.index import PosterIndex

        store = self.settings.store
        try:
            live = st.live_name(store)
            if live is None:
                raise st.StoreError(f"{store}: the store was removed; rebuild it with "
                                    f"`posters ingest --store {store}`")
            if live == self.index.generation:
                self.store_notice = ""
                return
            with self._reopen_lock:  # one thread opens it; the others then find it open
                if live != self.index.generation:
                    self._opened = OpenedStore.of(PosterIndex(self.settings, self.embedder))
            self.store_notice = ""
        except st.StoreError as err:
            self.store_notice = (f"{err}. Meanwhile answers come from the store as it was "
                                 "when opened.")

    def ask(self, question: str, k: int | None = None, where: PosterFilter = ANY_POSTER,
            retriever: str = "hybrid", previous: Turn | None = None) -> Answer:
        """Answer a question; `previous` is the last turn, for follow-ups in a conversation."""
        *_, answer = self.ask_stream(question, k, where, retriever, previous)
        return answer

    def ask_stream(self, question: str, k: int | None = None, where: PosterFilter = ANY_POSTER,
                   retriever: str = "hybrid", previous: Turn | None = None
                   ) -> Iterator[str | Answer]:
        """Text pieces of the answer as they are ready, then the final Answer.

        The final Answer is authoritative: if the LLM fails midway, it is the extractive
        answer (with a notice) and differs from the pieces streamed so far.
        """
        question = clean_question(question)
        self.follow_store()
        # The turn keeps one generation throughout, even if an ingest publishes meanwhile.
        turn = copy.copy(self)
        for piece in turn._answer_stream(question, k, where, retriever, previous):
            if isinstance(piece, Answer) and turn.store_notice and not piece.notice:
                piece.notice = turn.store_notice
            yield piece

    def _answer_stream(self, question: str, k: int | None, where: PosterFilter,
                       retriever: str, previous: Turn | None) -> Iterator[str | Answer]:
        k = k or self.settings.top_k
        intent = self.summary_intent(question, where)
        if intent is not None:
            yield from _pieces(intent)
            return
        follow = resolve_followup(question, previous)
        if follow is not None and follow.kind != "expand":
            yield from _pieces(self.followup_answer(follow, where, retriever))
            return
        if follow is not None:
            question = follow.question
        elif previous is not None and self.llm is not None:
            question = self.condense(question, previous)
        routed = route(question, self.card_index(where))
        if routed is not None and not routed.topic:
            yield from _pieces(self.routed_answer(question, routed))
            return
        if routed is not None:  # e.g. "which orals are about diffusion?"
            where = replace(where, kinds=frozenset([routed.label]))
            question = routed.topic
        question = strip_frame(question)
        candidates = self.candidates(question, where, retriever)
        retrieved = [self.index.cards[c.key]["board"] for c in candidates]
        if should_abstain(self.evidence(question, candidates), self.settings):
            answer = abstain()
        else:
            scored = [(self.index.cards[c.key], c.cosine) for c in self.gate(candidates)[:k]]
            if self.llm is None:
                answer = extractive_answer(question, scored)
            else:
                answer = yield from self.llm_answer(question, scored)
                answer.retrieved = retrieved
                yield answer
                return
        answer.retrieved = retrieved
        yield from _pieces(answer)

    def card_index(self, where: PosterFilter) -> CardIndex:
        """The cards a filter admits, indexed for the router; the last few are kept."""
        opened = self._opened
        with opened.card_index_lock:  # the app answers on several threads
            index = opened.card_indexes.pop(where, None) or index_cards(
                c for c in opened.cards if where.admits(c))
            opened.card_indexes[where] = index
            while len(opened.card_indexes) > 8:
                del opened.card_indexes[next(iter(opened.card_indexes))]
            return index

    def summary_intent(self, question: str, where: PosterFilter) -> Answer | None:
        """"Summarize the work on X" and "what's in this session?" get a summary."""
        from assistant.summarize import (
            SESSION_INTENT,
            SUMMARY_INTENT,
            session_overview,
            summarize,
            summary_answer,
        )

        if SESSION_INTENT.search(question):
            return session_overview(self)
        wanted = SUMMARY_INTENT.match(question)
        if wanted is None:
            return None
        return summary_answer(summarize(self, wanted.group("area"), where=where), self)

    def llm_answer(self, question: str, scored: list[tuple[dict, float]]
                   ) -> Generator[str, None, Answer]:
        """Stream the model's answer through the citation guard; fall back to extractive."""
        from assistant.citations import CitationStream
        from assistant.llm import LLMError, answer_messages

        cards = [card for card, _ in scored]
        guard = CitationStream(card["board"] for card in cards)
        try:
            for piece in self.llm.stream(answer_messages(question, cards)):
                shown = guard.feed(piece)
                if shown:
                    yield shown
        except LLMError as err:
            return self.fallback(question, scored, f"The LLM failed: {err}.")
        result = guard.finish()
        if guard.tail:
            yield guard.tail
        text = result.text.strip()
        if repeats_instructions(text):
            return self.fallback(question, scored, "The model's answer repeated its "
                                 "instructions instead of answering.")
        if not result.citations:
            if not text or CANNOT_ANSWER.lower().rstrip(".") in text.lower():
                answer = abstain()
                answer.backend = self.backend_label
                return answer
            return self.fallback(question, scored,
                                 "The model's answer cited none of the posters it was given.")
        notice = ""
        if result.dropped:
            notice = ("Removed citations to boards that were not among this answer's sources: "
                      + ", ".join(f"#{b}" for b in result.dropped) + ".")
        return Answer(answer=text, citations=result.citations,
                      sources=[card_source(card, score) for card, score in scored],
                      abstained=False, backend=self.backend_label, notice=notice,
                      dropped_citations=result.dropped)

    def fallback(self, question: str, scored: list[tuple[dict, float]], why: str) -> Answer:
        answer = extractive_answer(question, scored)
        answer.notice = f"{why} Showing the extractive answer instead."
        return answer

    def condense(self, question: str, previous: Turn) -> str:
        """The follow-up rewritten as a standalone question (the question itself on failure)."""
        from assistant.llm import LLMError

        messages = [{"role": "user", "content": load_prompt("condense").render(
            previous_question=previous.question, previous_answer=previous.answer[:1500],
            question=question)}]
        try:
            rewritten = self.llm.complete(messages).splitlines()
        except LLMError:
            return question
        return rewritten[0].strip() if rewritten and rewritten[0].strip() else question

    def candidates(self, question: str, where: PosterFilter, retriever: str) -> list[Candidate]:
        """Ranked candidates with each ranker's score; `retriever` decides the order."""
        dense = dict(self.index.dense(question, _POOL, where))
        bm25 = dict(self.index.bm25(question, _POOL, where))
        orders = {"dense": [list(dense.items())], "bm25": [list(bm25.items())],
                  "hybrid": [list(dense.items()), list(bm25.items())]}
        fused = fuse_rankings(orders[retriever])
        return [Candidate(key, score, dense.get(key, 0.0), bm25.get(key, 0.0))
                for key, score in fused]

    def evidence(self, question: str, candidates: list[Candidate]) -> Evidence:
        if not candidates:
            return Evidence(0.0, 0.0, 0.0)
        texts = [self._text(c.key) for c in candidates[:5]]
        return Evidence(max(c.cosine for c in candidates), max(c.bm25 for c in candidates),
                        self.coverage(question, texts))

    def coverage(self, question: str, texts: list[str]) -> float:
        """IDF-weighted share of the question's terms that the best-covering text contains."""
        terms = term_set(question)
        if not terms:
            return 0.0
        n = len(self.cards)
        df = self._opened.df
        weight = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in terms}
        total = sum(weight.values())
        return max(sum(v for t, v in weight.items() if t in term_set(text)) / total
                   for text in texts)

    def gate(self, candidates: list[Candidate], inclusive: bool = False) -> list[Candidate]:
        """Posters to cite: close in meaning to the best one, or strong on its words.

        `inclusive` lowers both bars, for summaries that should cover a whole area."""
        if not candidates:
            return []
        s = self.settings
        relative, relative_bm25 = ((s.summary_relative_bar, s.summary_relative_bm25_bar)
                                   if inclusive else (s.relative_bar, s.relative_bm25_bar))
        top_cosine = max(c.cosine for c in candidates)
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        bar = max(s.cite_floor, top_cosine * relative)
        return [c for c in candidates if c.cosine >= bar or (
            c.bm25 >= top_bm25 * relative_bm25 and c.cosine >= s.lexical_cite_floor)]

    def followup_answer(self, follow: FollowUp, where: PosterFilter, retriever: str) -> Answer:
        if follow.kind == "poster":
            return self.routed_answer(follow.question, Route("board", follow.boards, "board"))
        if follow.kind == "authors":
            card = self.index.by_board[follow.boards[0]]
            return Answer(answer=f"**{card['title']}** [#{card['board']}] is by "
                          f"{card['authors']}.", citations=[card["board"]],
                          sources=[card_source(card, 1.0)], abstained=False,
                          retrieved=[card["board"]])
        among = replace(where, boards=frozenset(follow.boards))
        # Only the words that carry the question: "use" in "which use X" matches everything.
        query = " ".join(content_words(follow.question)) or strip_frame(follow.question)
        candidates = self.candidates(query, among, retriever)
        kept = [c for c in candidates if c.bm25 > 0 or c.cosine >= self.settings.cite_floor]
        if not kept:
            return abstain(f"None of the {len(follow.boards)} posters of the previous answer "
                           "seem to match that.")
        answer = extractive_answer(query, [(self.index.cards[c.key], c.cosine) for c in kept],
                                   intro=f"{len(kept)} of the {len(follow.boards)} posters of "
                                   "the previous answer match:")
        answer.retrieved = [self.index.cards[c.key]["board"] for c in candidates]
        return answer

    def routed_answer(self, question: str, routed: Route) -> Answer:
        if routed.kind == "missing-board":
            boards = sorted(c["board"] for c in self.cards)
            return abstain(f"There is no board {routed.label} in this session "
                           f"(boards run from #{boards[0]} to #{boards[-1]}).")
        cards = [self.index.by_board[b] for b in routed.boards]
        if routed.kind == "board":
            lines = [_card_summary(card) for card in cards]
            intro = ""
        else:
            lines = [poster_line(card, best_sentence(question, card["abstract"]))
                     for card in cards]
            intro = {"author": f"{routed.label} is an author of {len(cards)} poster(s):",
                     "kind": f"The {len(cards)} {routed.label} posters of the session:",
                     "award": f"{len(cards)} poster(s) with an award:"}[routed.kind]
        return Answer(answer="\n".join(filter(None, [intro, *lines])),
                      citations=[c["board"] for c in cards],
                      sources=[card_source(c, 1.0) for c in cards], abstained=False,
                      retrieved=[c["board"] for c in cards])

    def _text(self, key: str) -> str:
        card = self.index.cards[key]
        return f"{card['title']} {card['abstract']}"


def _card_summary(card: dict) -> str:
    award = f", {card['award']}" if card["award"] else ""
    return (f"**{card['title']}** [#{card['board']}] ({card['kind']}{award})\n"
            f"Authors: {card['authors']}\n{card['abstract']}")


def term_set(text: str) -> set[str]:
    """Stemmed content terms, hyphenated words split ("LLM-based" -> llm, based)."""
    return {stem(w) for w in re.findall(r"[a-z0-9]+", fold(text))
            if len(w) > 2 and w not in STOPWORDS}


def _document_frequencies(cards: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for card in cards:
        for term in term_set(f"{card['title']} {card['abstract']}"):
            counts[term] = counts.get(term, 0) + 1
    return counts
