"""One question in, one cited answer out: the path shared by `posters ask`, the app and eval.

`Assistant` is the facade: it understands the question (`assistant.understand`), finds the
posters (`assistant.search.Search`), judges what they are about (`assistant.grounding`) and
composes the answer (`assistant.compose`, or the LLM through the citation guard).
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from assistant import compose
from assistant import store as st
from assistant.answer import (
    CANNOT_ANSWER,
    Answer,
    abstain,
    card_source,
    dropped_list,
    extractive_answer,
)
from assistant.compose import scope
from assistant.followup import Turn
from assistant.grounding import (
    SHORT_TOPIC,
    Evidence,
    Grounding,
    abstention,
    content_stems,
    is_name,
    should_abstain,
)
from assistant.opened import OpenedStore, term_set
from assistant.poster import Poster
from assistant.relevance import LLMJudgement, judged, qualified
from assistant.retrieve import ANY_POSTER, Candidate, PosterFilter
from assistant.search import Relevance, Search
from assistant.settings import BUNDLED_SESSION, Settings
from assistant.text import clip, content_words, fold
from assistant.understand import (
    LLMReading,
    Plan,
    asks_for_count,
    asks_for_many,
    correct_typos,
    expand_acronyms,
    fresh_plan,
    llm_plan,
    named_paper,
    names_examples,
    previous_of,
    strip_frame,
    topic_of,
    understand,
)
from prompts import load_prompt

if TYPE_CHECKING:
    from assistant.index import PosterIndex

# Moved to their own modules; importable from here as before (`assistant.index` reads
# `ask.term_set`; eval and summarize import `should_abstain`).
__all__ = ["Assistant", "Candidate", "Evidence", "OpenedStore", "QuestionError", "Relevance",
           "abstention", "clean_question", "content_stems", "is_name", "should_abstain",
           "term_set"]

MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """A question that cannot be asked as it is."""


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


def _lines(answer: Answer) -> Iterator[str]:
    """An answer that is ready at once, streamed line by line."""
    yield from answer.answer.splitlines(keepends=True)


def clean_question(question: str) -> str:
    """Strip control characters and excess length; refuse a question with no words."""
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = clip(" ".join(text.split()), MAX_QUESTION_CHARS, mark="")
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


class Assistant:
    """Answers questions about the posters in a store."""

    def __init__(self, settings: Settings, embedder=None,
                 echo: Callable[[str], None] = lambda _m: None) -> None:
        from assistant.embedding import load_embedder
        from assistant.index import PosterIndex

        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embed_model, settings.embed_batch_size,
                                                    settings=settings)
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
    def cards(self) -> list[Poster]:
        return self._opened.cards

    @property
    def sessions(self) -> list[str]:
        return self._opened.sessions

    @property
    def location(self) -> str:
        """Where the session is, as its page says ("" when it does not)."""
        sources = self.index.manifest.sources
        return sources[0].get("location", "") if sources else ""

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
        plan = self.plan(question, previous, where)
        searched = f"_Searched for: {plan.topic}_\n\n" if plan.typed else ""
        if plan.intent == "search" and plan.topic and self.llm is not None:
            if searched:
                yield searched
            answer = yield from self.llm_search_answer(
                plan, self.plan_filter(plan, where), retriever, k)
        else:
            # Every answer passes the citation guard, whoever composed it (summaries too).
            answer = self.execute(plan, question, where, retriever, k).guarded()
            yield from _lines(replace(answer, answer=searched + answer.answer))
        answer.answer = searched + answer.answer
        answer.plan = plan
        answer.question = question
        if not answer.retrieved:  # an exact answer (a board, a filter): its posters, in order
            answer.retrieved = list(dict.fromkeys([*answer.citations, *answer.results]))
        yield answer  # complete before it is yielded: the app stops reading here

    def plan(self, question: str, previous: Turn | None,
             where: PosterFilter = ANY_POSTER) -> Plan:
        """What the question asks (see `assistant.understand`), a follow-up read against the
        previous turn's plan and results; with an LLM, a follow-up the rules cannot place is
        first rewritten as a standalone question."""
        catalog = self.search.card_index(PosterFilter(session=where.session))
        titles = self._opened.titles()
        before = previous_of(previous, catalog, titles) if previous is not None else None
        plan = understand(question, catalog, titles, before)
        fresh = before is None or plan == fresh_plan(question, catalog, titles)
        if before is not None and self.llm is not None and fresh and plan.intent == "search":
            # the conversation's context travels on, so a later turn can reach back past it
            plan = replace(fresh_plan(self.condense(question, previous), catalog, titles),
                           earlier=plan.earlier, thread=plan.thread)
        if fresh and self.llm is not None and self.settings.llm_planner:
            plan = self.llm_plan(question, plan)
        n = len(self.cards)
        spelt = correct_typos(plan.topic, self._opened.vocabulary())
        if spelt != plan.topic:  # a corrected framing word is framing ("anythng on ...")
            spelt = topic_of(spelt) or spelt
        corrected = expand_acronyms(
            spelt, self._opened.acronyms(),
            lambda short: self._opened.df.get(fold(short), 0) <= max(2, n // 100),
            self._opened.written_names())
        if corrected != plan.topic:
            plan = replace(plan, topic=corrected, typed=plan.topic)
        return plan

    def execute(self, plan: Plan, question: str, where: PosterFilter, retriever: str,
                k: int) -> Answer:
        """The extractive answer to a plan. A poster the question names is shown even when
        the user's filters hide it, and the answer says that it is outside them."""
        answer = self._execute(plan, question, where, retriever, k)
        if plan.intent not in ("poster", "named", "compare", "similar"):
            return answer
        return compose.shown_anyway(answer, [
            c.ref for c in self.search.named_cards(plan, where)
            if not where.admits(c) and c.ref in answer.citations], where)

    def _execute(self, plan: Plan, question: str, where: PosterFilter, retriever: str,
                 k: int) -> Answer:
        from assistant.summarize import session_overview, summarize, summary_answer

        cards = self.search.named_cards(plan, where)
        where = self.plan_filter(plan, where)
        if plan.intent == "chat" and plan.asks == "affiliation":
            return compose.unknown_affiliation(plan.topic)
        if plan.intent == "chat":
            return compose.chat_answer(len(self.cards),
                                       self.location if plan.asks == "place" else "", plan.asks)
        if plan.intent == "nearby" and cards:
            return compose.nearby_answer(cards[0], self.nearby(cards[0], where))
        if plan.intent == "overview":
            return session_overview(self)
        if plan.intent == "summarize":
            return summary_answer(summarize(self, plan.topic, where=where), self)
        if plan.intent == "named":
            if cards:
                return compose.named_answer(cards)
            name = named_paper(question)
            if self._opened.titles_saying(frozenset(term_set(name))) >= 2:
                # "where is the nerf poster?": a subject several titles name, not one paper's
                # name: the posters about it
                return self.search_answer(replace(plan, intent="search", topic=name), where,
                                          retriever, k)
            related = self.candidates(strip_frame(name), where, retriever)[:3]
            return compose.not_in_session(name, [self.index.cards[c.key] for c in related])
        if plan.intent in ("similar", "poster", "compare") and plan.topic and (
                len(cards) < (2 if plan.intent == "compare" else 1)):
            # A poster described, not named ("posters like the EGG one on ...", "who wrote
            # Rotating Features?", "QLoRA vs PEQA"): the best match to its words. A fact
            # claimed of one poster needs it relevant enough to cite; a comparison or a list of
            # neighbours shows which poster it took.
            if plan.intent == "poster":
                _candidates, kept, abstains, _why = self.relevant(plan.topic, where, retriever)
            else:
                kept, abstains = self.candidates(plan.topic, where, retriever), False
            # the one poster meant: one saying every term of its description before one
            # only close in meaning ("the paper on foveated images": #301 says "foveated")
            terms = term_set(plan.topic)
            kept = sorted(kept, key=lambda c: not terms <= self._opened.terms(c.key))
            found = [] if abstains else [self.index.cards[c.key] for c in kept]
            cards += [c for c in found if c not in cards][:1]
        if plan.intent in ("poster", "compare", "similar") and not cards:
            if not plan.missing:  # described in words that no poster answers
                return abstain()
            return compose.no_board(plan.missing, [c.board for c in self.cards])
        if plan.intent == "compare":
            return compose.compare_answer(cards)
        if plan.intent == "similar":
            return compose.similar_answer(cards[0], self.similar(cards[0], where, k))
        if plan.intent == "poster":
            if plan.asks.startswith("authors"):
                return compose.authors_answer(cards, counted=asks_for_count(question),
                                              place=plan.asks.partition(":")[2])
            if plan.asks == "where":
                return compose.where_answer(cards, self.location)
            if content_words(plan.asks):
                return compose.answer_from_poster(plan.asks, cards)
            return compose.poster_cards(cards)
        if plan.intent == "count" and plan.versus:  # two topics counted side by side
            second = replace(plan, topic=plan.versus, versus="")
            return compose.versus_answer(
                (plan.topic, self.count_answer(replace(plan, versus=""), where, retriever,
                                               k // 2 or 1)),
                (plan.versus, self.count_answer(second, where, retriever, k // 2 or 1)))
        if plan.intent == "count":
            return compose.ranked_anyway(self.count_answer(plan, where, retriever, k),
                                         plan.asks)
        if plan.author_boards is not None and not plan.author_boards:  # nobody's posters
            return compose.none_admitted(f"posters by {' and '.join(plan.authors)}")
        if not plan.topic and (plan.has_filters() or plan.within is not None):
            admitted = self.search.admitted(where)
            if not admitted and plan.within == frozenset():
                return compose.nothing_more()  # "more" when no list goes on
            if not admitted:
                return compose.none_admitted(scope(plan))
            # every one asked for ("all the spotlights": 45), unless a wall of them
            shown = None if len(admitted) <= compose.REST_LISTED else k
            return compose.listing(f"The {scope(plan, len(admitted))}:", "", admitted, shown)
        # Posters are found by the topic; each one's sentence is chosen by the question as
        # asked ("what accuracy ...", "by what factor ..." want the sentence with the figure).
        return compose.ranked_anyway(self.search_answer(
            plan, where, retriever, k, query=plan.topic or strip_frame(question),
            asks=strip_frame(question), one=not asks_for_many(question)), plan.asks)

    def llm_plan(self, question: str, rules: Plan) -> Plan:
        """The model's reading of the intent and topic on top of the rules' plan; the rules'
        plan when the model fails or its reply is not a valid reading."""
        from assistant.llm import LLMError

        messages = [{"role": "user", "content": load_prompt("plan").render(question=question)}]
        try:
            reply = self.llm.structured(messages, "plan", LLMReading.model_json_schema())
        except LLMError:
            return rules
        return llm_plan(reply, rules) or rules

    @property
    def search(self) -> Search:
        """Finding posters, over the generation this assistant (or turn) has open."""
        return Search(self._opened, self.settings, self.embedder)

    @property
    def grounding(self) -> Grounding:
        """Whether posters are about a topic, over the same generation."""
        return Grounding(self._opened, self.embedder)

    def candidates(self, question: str, where: PosterFilter, retriever: str) -> list[Candidate]:
        """Ranked candidates with each ranker's score (`Search.candidates`)."""
        return self.search.candidates(question, where, retriever)

    def relevant(self, query: str, where: PosterFilter, retriever: str,
                 excluding: str = "") -> Relevance:
        """The candidates, those relevant enough to cite, whether to abstain, and why
        (`Search.relevant`), without the posters saying what the question leaves out."""
        return self.search.leaving_out(excluding, self.search.relevant(query, where, retriever))

    def evidence(self, question: str, candidates: list[Candidate]) -> Evidence:
        """What the abstention decision looks at (`Grounding.evidence`)."""
        return self.grounding.evidence(question, candidates)

    def plan_filter(self, plan: Plan, where: PosterFilter) -> PosterFilter:
        """The user's filter narrowed by the plan's (`Search.plan_filter`)."""
        return self.search.plan_filter(plan, where)

    def similar(self, card: Poster, where: PosterFilter, k: int) -> list[tuple[Poster, float]]:
        """The posters nearest to one poster (`Search.similar`)."""
        return self.search.similar(card, where, k)

    def search_answer(self, plan: Plan, where: PosterFilter, retriever: str, k: int,
                      query: str | None = None, asks: str = "", one: bool = False) -> Answer:
        """Posters about the plan's topic within its filters; relevance is judged among the
        posters the filters admit, so a small set (the 11 orals) keeps its best hits. `one`:
        the question does not ask for posters in the plural (see `Grounding.described`)."""
        query = query or plan.topic
        candidates, kept, abstains, why = self.relevant(query, where, retriever, plan.excluding)
        # A topic with examples is no description of one poster, however many its words.
        if one and not abstains and not names_examples(query):
            kept, why = self.grounding.described(query, candidates, kept, why)
        if abstains:
            answer = self.abstain_with_related(candidates, plan, query)
        else:
            # Each poster's sentence is chosen for the question, the posters for its topic.
            answer = compose.topic_answer(
                asks or query, [(self.index.cards[c.key], c.cosine) for c in kept], k,
                intro=f"Among the {scope(plan)}:" if plan.has_filters() or plan.excluding
                else "")
        answer.retrieved = [self.index.cards[c.key].ref for c in candidates]
        answer.decided_by = why
        return answer

    def llm_search_answer(self, plan: Plan, where: PosterFilter, retriever: str,
                          k: int) -> Generator[str, None, Answer]:
        """The same, written by the LLM (streamed through the citation guard)."""
        candidates, kept, abstains, why = self.relevant(plan.topic, where, retriever,
                                                        plan.excluding)
        if not abstains and self.settings.llm_judge:
            judged_kept = self.llm_judge(plan.topic, kept)
            if len(judged_kept) < len(kept):
                why += f"; the LLM judge kept {len(judged_kept)} of {len(kept)}"
            kept, abstains = judged_kept, not judged_kept
        if abstains:
            answer = self.abstain_with_related(candidates, plan, plan.topic)
            yield from _lines(answer)
        else:
            scored = [(self.index.cards[c.key], c.cosine) for c in kept]
            answer = yield from self.llm_answer(plan.topic, scored[:k])
            answer.results = [card.ref for card, _ in scored]
        answer.retrieved = [self.index.cards[c.key].ref for c in candidates]
        answer.decided_by = why
        return answer

    def llm_judge(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters the model judges to answer the topic (one call, JSON schema
        output, validated: `assistant.relevance.judged`); all of them, as the offline evidence
        decided, when the call fails or the verdict is invalid. Posters past the prompt's
        budget are not shown to the model and stay as the evidence decided."""
        from assistant.llm import LLMError, fit_posters

        fitted = fit_posters([self.index.cards[c.key] for c in kept])
        refs = [card.ref for card, _ in fitted]
        prompt = load_prompt("judge").render(
            question=topic, posters="\n\n".join(block for _, block in fitted))
        try:
            reply = self.llm.structured([{"role": "user", "content": prompt}], "judgement",
                                        LLMJudgement.model_json_schema())
        except LLMError:
            return kept
        verdict = judged(reply, refs)
        if verdict is None:
            return kept
        return [c for c in kept if self.index.cards[c.key].ref in verdict
                or self.index.cards[c.key].ref not in refs]

    def abstain_with_related(self, candidates: list[Candidate], plan: Plan | None = None,
                             topic: str = "") -> Answer:
        """The session does not cover it: say so, and offer the closest posters as related
        (apart from the answer: `related`, never citations), when any is even loosely close.
        The reason given is the first that holds (`compose.uncovered`)."""
        shown = [c for c in candidates[:3] if c.cosine >= self.settings.min_relevance]
        related = [self.index.cards[c.key].ref for c in shown]
        if plan is not None and plan.within == frozenset():
            return compose.nothing_more()
        if plan is not None and (plan.has_filters() or plan.within is not None
                                 or plan.excluding) and topic:
            return compose.uncovered(topic, related, within=scope(plan))
        if not related:
            return compose.uncovered(topic, related)
        grounding, gated = self.grounding, self.search.gate(candidates)
        if len(term_set(topic)) <= SHORT_TOPIC and (absent := grounding.unsupported(
                topic, grounding.supported(topic, gated), len(gated) > 1)):
            return compose.uncovered(topic, related, absent=absent)
        parts = grounding.aspects(topic) if topic else []
        # The part the related posters say, not always the first ("Google DeepMind on RL":
        # they are about RL, and no poster names DeepMind).
        said = [part for part in parts if qualified(parts) and any(
            set(content_stems(part)) <= self._opened.stem_set(c.key) for c in shown)]
        if said:
            return compose.uncovered(topic, related, subject=said[0])
        return compose.uncovered(topic, related, unheard=grounding.unheard(topic))

    def nearby(self, source: Poster, where: PosterFilter, each_side: int = 2) -> list[Poster]:
        """The posters on the boards around one, in its session: up to `each_side` lower
        and higher board numbers, nearest first, in board order."""
        mates = sorted((c for c in self.cards if c.session == source.session
                        and c.ref != source.ref and where.admits(c)), key=lambda c: c.board)
        lower = [c for c in mates if c.board < source.board][-each_side:]
        higher = [c for c in mates if c.board > source.board][:each_side]
        return [*lower, *higher]

    def count_answer(self, plan: Plan, where: PosterFilter, retriever: str, k: int) -> Answer:
        """How many: exact from metadata without a topic; with one, every poster that clears
        the relevance bar a list of posters clears, among those the filters admit (the
        area-wide bar of a summary counts loosely related posters too)."""
        if not plan.topic:
            admitted = self.search.admitted(where)
            return compose.count_answer("", scope(plan, len(admitted)), admitted, k)
        candidates, kept, abstains, why = self.relevant(plan.topic, where, retriever,
                                                        plan.excluding)
        if not abstains:
            kept, why = self.grounding.only_about(plan.topic, kept, why)
        scored = [] if abstains else [(self.index.cards[c.key], c.cosine) for c in kept]
        within = f" among the {scope(plan)}" if plan.has_filters() or plan.excluding else ""
        answer = compose.count_answer(plan.topic, within, scored, k)
        answer.retrieved = [self.index.cards[c.key].ref for c in candidates]
        answer.decided_by = why
        return answer

    def llm_answer(self, question: str, scored: list[tuple[dict, float]]
                   ) -> Generator[str, None, Answer]:
        """Stream the model's answer through the citation guard; fall back to extractive."""
        from assistant.citations import CitationStream
        from assistant.llm import LLMError, answer_messages

        cards = [card for card, _ in scored]
        guard = CitationStream(card.ref for card in cards)
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
                      + dropped_list(result.dropped) + ".")
        return Answer(answer=text, citations=result.citations,
                      sources=[card_source(card, score) for card, score in scored],
                      abstained=False, backend=self.backend_label, notice=notice,
                      dropped_citations=result.dropped)

    def fallback(self, question: str, scored: list[tuple[dict, float]], why: str) -> Answer:
        answer = extractive_answer(question, scored)
        answer.notice = f"{why} Showing the answer from the posters' own text instead."
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
