"""One question in, one cited answer out: the path shared by `posters ask`, the app and eval."""

from __future__ import annotations

import copy
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from assistant import compose, relevance
from assistant import store as st
from assistant.answer import (
    CANNOT_ANSWER,
    Answer,
    abstain,
    card_source,
    dropped_list,
    extractive_answer,
)
from assistant.catalog import CardIndex, index_cards
from assistant.citations import Ref, ref_text
from assistant.followup import Turn
from assistant.relevance import (
    AspectSupport,
    LLMJudgement,
    aspects,
    judged,
    lacking,
    qualified,
    qualifier_words,
    supports,
    term_share,
    together,
    trimmed,
    uncommon,
    unheard,
    unsupported,
    verb_forms,
)
from assistant.retrieve import ANY_POSTER, PosterFilter, fuse_rankings
from assistant.settings import BUNDLED_SESSION, Settings
from assistant.text import (
    STOPWORDS,
    clip,
    content_words,
    counted,
    fold,
    folded_words,
    stem,
    stems,
)
from assistant.understand import (
    FIELD_ACRONYMS,
    LLMReading,
    Plan,
    TitleIndex,
    Vocabulary,
    acronyms,
    alternatives,
    asks_for_many,
    correct_typos,
    expand_acronyms,
    fresh_plan,
    index_titles,
    llm_plan,
    named_paper,
    previous_of,
    strip_frame,
    understand,
)
from prompts import load_prompt

if TYPE_CHECKING:
    from assistant.index import PosterIndex

MAX_QUESTION_CHARS = 2000
_POOL = 30  # candidates each ranker contributes
# A topic of at most this many terms is a subject and its qualifiers; a longer one is a
# description, whose words a poster may well paraphrase (see `Assistant.unheard`).
_SHORT_TOPIC = 7
# A described lookup cites, beside its best poster, only those nearly as close (cosine).
_NEARLY_AS_GOOD = 0.92


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
    gap: float = 0.0  # the best cosine minus the second best


class Relevance(NamedTuple):
    """Which posters answer a topic, and why: `why` names the evidence that decided (the eval
    report shows it for every false abstention and every near miss answered)."""

    candidates: list[Candidate]  # ranked, before the relevance gate
    kept: list[Candidate]  # relevant enough to cite
    abstains: bool
    why: str


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


def should_abstain(ev: Evidence, s: Settings) -> bool:
    """Abstain unless the best poster is close in meaning, or moderately close and either
    clearly ahead of the rest or backed by matching words (a strong BM25 hit or most of the
    question's rare terms)."""
    return abstention(ev, s)[0]


def abstention(ev: Evidence, s: Settings) -> tuple[bool, str]:
    """`should_abstain`, with the evidence that decided it in words."""
    best = f"best cosine {ev.top_cosine:.2f}"
    if ev.top_cosine >= s.sure_relevance:
        return False, f"{best} >= {s.sure_relevance} (sure)"
    if ev.top_cosine < s.min_relevance:
        return True, f"{best} < {s.min_relevance} (too far)"
    if ev.gap >= s.clear_gap and ev.top_cosine >= s.clear_cosine:
        return False, f"{best}, {ev.gap:.2f} ahead of the second (clearly ahead)"
    if ev.top_bm25 >= s.min_bm25:
        return False, f"{best}, BM25 {ev.top_bm25:.1f} >= {s.min_bm25}"
    if ev.coverage >= s.min_coverage:
        return False, f"{best}, one poster carries {ev.coverage:.0%} of the rare terms"
    return True, (f"{best} between the bars, BM25 {ev.top_bm25:.1f} < {s.min_bm25}, term "
                  f"coverage {ev.coverage:.0%} < {s.min_coverage:.0%}")


def content_stems(text: str) -> list[str]:
    """The text's content words (three letters or more, no stopword) as Snowball stems."""
    return stems(" ".join(w for w in folded_words(text) if len(w) > 2 and w not in STOPWORDS))


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
    _titles: TitleIndex | None = None
    _vocabulary: Vocabulary | None = None
    _acronyms: dict[str, str] | None = None
    _terms: dict[str, frozenset[str]] = field(default_factory=dict)
    _words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _title_terms: dict[Ref, frozenset[str]] = field(default_factory=dict)
    _stem_sets: dict[str, frozenset[str]] = field(default_factory=dict)
    _plain: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    _stem_df: dict[str, int] | None = None
    _joined: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _joined_df: dict[str, int] | None = None

    def joined_words(self, key: str) -> tuple[str, ...]:
        """A poster's title and abstract as stems, hyphenated words joined ("multi-objective"
        -> one stem, as "multiobjective" is), computed once per poster."""
        found = self._joined.get(key)
        if found is None:
            card = self.index.cards[key]
            found = self._joined[key] = tuple(stems(relevance.joined(
                f"{card['title']} . {card['abstract']}")))
        return found

    def joined_df(self) -> dict[str, int]:
        """How many posters carry each stem of `joined_words` (once per generation)."""
        if self._joined_df is None:
            self._joined_df = self._df(lambda key: set(self.joined_words(key)))
        return self._joined_df

    def _df(self, stems_of: Callable[[str], Iterable[str]]) -> dict[str, int]:
        """How many posters' `stems_of` hold each stem."""
        return dict(Counter(t for key in self.index.cards for t in stems_of(key)))

    def stem_set(self, key: str) -> frozenset[str]:
        """A poster's title and abstract as a set of Snowball stems (once per poster)."""
        found = self._stem_sets.get(key)
        if found is None:
            found = self._stem_sets[key] = frozenset(self.words(key))
        return found

    def stem_df(self) -> dict[str, int]:
        """How many posters carry each Snowball stem (once per generation)."""
        if self._stem_df is None:
            self._stem_df = self._df(self.stem_set)
        return self._stem_df

    def plain(self, key: str) -> tuple[str, frozenset[str]]:
        """A poster's title and abstract as written, and its set of lower-case words."""
        found = self._plain.get(key)
        if found is None:
            card = self.index.cards[key]
            text = f"{card['title']} . {card['abstract']}"
            found = self._plain[key] = (text, frozenset(re.findall(r"[a-z]+", fold(text))))
        return found

    def terms(self, key: str) -> frozenset[str]:
        """A poster's title and abstract terms (computed once per generation)."""
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self.index.poster_terms(key)  # saved at ingest
        return found

    def words(self, key: str) -> tuple[str, ...]:
        """A poster's title and abstract as a sequence of Snowball stems (`text.stems`),
        computed once per poster."""
        found = self._words.get(key)
        if found is None:
            card = self.index.cards[key]
            found = self._words[key] = tuple(stems(f"{card['title']} . {card['abstract']}"))
        return found

    def title_terms(self, ref: Ref) -> frozenset[str]:
        """A poster's title terms ("with 'distillation' in the title")."""
        found = self._title_terms.get(ref)
        if found is None:
            title = self.index.by_board[ref]["title"]
            found = self._title_terms[ref] = frozenset(term_set(title))
        return found

    def titles(self) -> TitleIndex:
        """The titles' words and coined names, for questions that name a paper."""
        if self._titles is None:
            self._titles = index_titles(self.cards)
        return self._titles

    def vocabulary(self) -> Vocabulary:
        """The session's words, for correcting typos in a question."""
        if self._vocabulary is None:
            from assistant.embedding import dictionary_words

            self._vocabulary = Vocabulary.of(
                (f"{c['title']} {c['abstract']}" for c in self.cards), dictionary_words())
        return self._vocabulary

    def acronyms(self) -> dict[str, str]:
        """The acronyms the session's abstracts define ("BO" -> "Bayesian optimization")."""
        if self._acronyms is None:
            # The field's acronyms only where the session never writes the short form: one
            # it writes ("EEG") is found as written, and its own definitions come first.
            written = self.vocabulary().counts
            unwritten = {short: long_form for short, long_form in FIELD_ACRONYMS.items()
                         if not written.get(fold(short))}
            self._acronyms = {**unwritten,
                              **acronyms(f"{c['title']} {c['abstract']}" for c in self.cards)}
        return self._acronyms

    @classmethod
    def of(cls, index: PosterIndex) -> OpenedStore:
        cards = list(index.cards.values())
        return cls(index, cards, sorted({card["session"] for card in cards}),
                   index.document_frequencies)


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
        catalog = self.card_index(PosterFilter(session=where.session))
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
        corrected = expand_acronyms(
            correct_typos(plan.topic, self._opened.vocabulary()), self._opened.acronyms(),
            lambda short: self._opened.df.get(fold(short), 0) <= max(2, n // 100))
        if corrected != plan.topic:
            plan = replace(plan, topic=corrected, typed=plan.topic)
        return plan

    def execute(self, plan: Plan, question: str, where: PosterFilter, retriever: str,
                k: int) -> Answer:
        """The extractive answer to a plan. A poster the question names is shown even when
        the user's filters hide it, and the answer says that it is outside them."""
        answer = self._execute(plan, question, where, retriever, k)
        hidden = [c["ref"] for c in self.named_cards(plan, where)
                  if not where.admits(c) and c["ref"] in answer.citations]
        if hidden and plan.intent in ("poster", "named", "compare", "similar"):
            names = " and ".join(ref_text(r) for r in hidden)
            verb = "is" if len(hidden) == 1 else "are"
            answer = replace(answer, answer=f"{names} {verb} outside your filters "
                             f"({describe_filter(where)}); shown anyway.\n\n{answer.answer}")
        return answer

    def _execute(self, plan: Plan, question: str, where: PosterFilter, retriever: str,
                 k: int) -> Answer:
        from assistant.summarize import session_overview, summarize, summary_answer

        cards = self.named_cards(plan, where)
        where = self.plan_filter(plan, where)
        if plan.intent == "chat":
            return compose.chat_answer(len(self.cards))
        if plan.intent == "overview":
            return session_overview(self)
        if plan.intent == "summarize":
            return summary_answer(summarize(self, plan.topic, where=where), self)
        if plan.intent == "named":
            if cards:
                return compose.named_answer(cards)
            name = named_paper(question)
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
            found = [] if abstains else [self.index.cards[c.key] for c in kept]
            cards += [c for c in found if c not in cards][:1]
        if plan.intent in ("poster", "compare", "similar") and not cards:
            if not plan.missing:  # described in words that no poster answers
                return abstain()
            boards = sorted(c["board"] for c in self.cards)
            return abstain(f"There is no board {', '.join(plan.missing)} in this session "
                           f"(boards run from #{boards[0]} to #{boards[-1]}).")
        if plan.intent == "compare":
            return compose.compare_answer(cards)
        if plan.intent == "similar":
            return compose.similar_answer(cards[0], self.similar(cards[0], where, k))
        if plan.intent == "poster":
            if plan.asks == "authors":
                return compose.authors_answer(cards)
            if content_words(plan.asks):
                return compose.answer_from_poster(plan.asks, cards)
            return compose.poster_cards(cards)
        if plan.intent == "count":
            return self.count_answer(plan, where, retriever, k)
        if not plan.topic and plan.has_filters():
            admitted = self.admitted(where)
            return compose.listing(f"The {scope(plan, len(admitted))}:", "", admitted)
        # Posters are found by the topic; each one's sentence is chosen by the question as
        # asked ("what accuracy ...", "by what factor ..." want the sentence with the figure).
        return self.search_answer(plan, where, retriever, k,
                                  query=plan.topic or strip_frame(question),
                                  asks=strip_frame(question), one=not asks_for_many(question))

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

    def plan_filter(self, plan: Plan, where: PosterFilter) -> PosterFilter:
        where = plan.poster_filter(where)
        if plan.award:
            awarded = frozenset(c["ref"] for c in self.cards if c["award"])
            where = replace(where, boards=awarded if where.boards is None
                            else where.boards & awarded)
        if plan.in_title:
            wanted = term_set(plan.topic)
            titled = frozenset(c["ref"] for c in self.cards
                               if wanted <= self._opened.title_terms(c["ref"]))
            where = replace(where, boards=titled if where.boards is None
                            else where.boards & titled)
        return where

    def named_cards(self, plan: Plan, where: PosterFilter) -> list[dict]:
        """The posters the plan names. A board several sessions reuse ("#812") names each
        session's poster, or only the filter's session's when it has one."""
        cards: list[dict] = []
        for board in plan.boards:
            found = self.index.posters_on(board)
            inside = [c for c in found if c["session"] == where.session]
            cards += [c for c in (inside if len(found) > 1 and inside else found)
                      if c not in cards]
        return cards

    def admitted(self, where: PosterFilter) -> list[tuple[dict, float]]:
        return [(c, 1.0) for c in sorted(self.cards, key=lambda c: c["board"])
                if where.admits(c)]

    def relevant(self, query: str, where: PosterFilter, retriever: str) -> Relevance:
        """The candidates, those relevant enough to cite, whether to abstain, and why. A
        disjunction ("speech or audio") is each of its topics in turn: a poster about either
        answers."""
        parts = alternatives(query)
        if len(parts) == 1:
            return self._relevant_one(query, where, retriever)
        found = [self._relevant_one(part, where, retriever) for part in parts]
        best: dict[str, Candidate] = {}
        for one in found:
            for c in one.candidates:
                if c.key not in best or c.fused > best[c.key].fused:
                    best[c.key] = c
        merged = sorted(best.values(), key=lambda c: -c.fused)
        kept = {c.key for one in found if not one.abstains for c in one.kept}
        return Relevance(merged, [c for c in merged if c.key in kept],
                         all(one.abstains for one in found),
                         "; ".join(f"“{part}”: {one.why}" for part, one in zip(parts, found,
                                                                              strict=True)))

    def _relevant_one(self, query: str, where: PosterFilter, retriever: str) -> Relevance:
        candidates = self.candidates(query, where, retriever)
        abstains, why = abstention(self.evidence(query, candidates), self.settings)
        kept = self.gate(candidates)
        # Posters that carry every term of the topic answer it, even when a short topic's
        # cosine is low: within a set the user narrowed (the 11 orals, one author's posters),
        # and for a topic that is one rare name ("MuJoCo", "EEG", "ImageNet"), however far
        # the posters' meaning is from the bare word's. A common English word ("hands") is no
        # name: its idioms ("on the other hand") would count.
        terms = term_set(query)
        narrowed = where != PosterFilter(session=where.session)
        rare_name = self.rare_name(query)
        if narrowed or rare_name:
            carriers = [c for c in candidates if terms and terms <= self._opened.terms(c.key)]
            if carriers:
                return Relevance(candidates, (kept + [c for c in carriers if c not in kept]
                                              if narrowed else carriers), False,
                                 f"{counted(len(carriers), 'poster')} "
                                 f"{'carries' if len(carriers) == 1 else 'carry'} every term"
                                 + (" within the filters" if narrowed else " of the rare name"))
        if abstains or not kept:
            return Relevance(candidates, [], True, why)
        missing = self.unheard(query)
        if missing:
            return Relevance(candidates, [], True, f"no poster uses “{missing[0]}” ({why})")
        # A subject with qualifiers ("NeRF for underwater scenes"): a poster about the subject
        # alone does not answer; when none supports every aspect, they become related.
        parts = self.aspects(query)
        several = len(kept) > 1  # the gate's choice, before the aspects narrow it
        if qualified(parts):
            kept = [c for c, support in zip(kept, self.aspect_support(parts, kept), strict=True)
                    if supports(support)]
            if not kept:
                return Relevance(candidates, [], True, f"no poster supports every aspect of "
                                 f"{' + '.join(f'“{p}”' for p in parts)} ({why})")
            why += f"; {len(kept)} support every aspect"
        # A short topic's specific words must each be carried by some poster it cites
        # ("binary quantized diffusion models": the quantized diffusion poster never says
        # binary); and a poster far less carried than the best-supported one is about a word
        # of the topic, not the topic.
        if len(term_set(query)) <= _SHORT_TOPIC:
            supported = self.supported(query, kept)
            if absent := self.unsupported(query, supported, several):
                return Relevance(candidates, [], True, f"no poster about the rest mentions "
                                 f"“{absent[0]}” ({why})")
            whole = self.carrying(query, supported)
            if len(whole) < len(kept):
                why += (f"; {len(kept) - len(whole)} left out for carrying far less of the "
                        "topic's terms than the best-supported poster or not its rare "
                        "qualifier")
            kept = whole
        return Relevance(candidates, kept, False, why)

    def rare_name(self, query: str) -> bool:
        """A topic that is one rare name ("MuJoCo", "EEG"): its posters are those that write
        it, however they use it."""
        terms = term_set(query)
        return (len(terms) == 1 and is_name(query)
                and self._opened.df.get(next(iter(terms)), 0) <= len(self.cards) / 20)

    def only_about(self, topic: str, kept: list[Candidate], why: str
                   ) -> tuple[list[Candidate], str]:
        """A count's posters: those about a short subject, not those that mention it in
        passing ("state space models": 2 posters, not the 10 that say it). A list keeps them
        all (dev and new questions: lists lose more right posters than wrong ones to this)."""
        if (len(kept) < 2 or len(term_set(topic)) > _SHORT_TOPIC or self.rare_name(topic)
                or qualified(self.aspects(topic))):
            return kept, why
        on_it = self.about(topic, kept)
        if len(on_it) < len(kept):
            why += f"; {len(kept) - len(on_it)} left out for mentioning the subject only in passing"
        return on_it, why

    def about(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters about a short subject, not mentioning it in passing
        (`assistant.relevance.about`): all of them when none is, or when the subject is more
        than a few terms (a description, which a poster words its own way)."""
        if re.search(r"\bor\b|[/,(]", topic) or len(aspects(topic)) > 1:
            return kept  # alternatives (a poster about one answers), or qualifiers
        words = [w for w in qualifier_words(topic) if fold(w) not in STOPWORDS]
        # An acronym beside its long form ("neural radiance fields NeRF") is either one.
        initials = "".join(w[0] for w in words).lower()
        short = [w for w in words if len(caps := [ch for ch in w if ch.isupper()]) > 1
                 and "".join(caps).lower() in initials]
        if short:
            words = [w for w in words if w not in short]

        def terms_of(text: str) -> set[str]:
            return set(stems(relevance.joined(text)))

        every = terms_of(" ".join(words))
        if not every or len(every) > 4:
            return kept
        # A title saying a subject's rare terms need not say the others: "quantizing neural
        # networks" is what "Low-bit Quantization" is about. A subject of common words only
        # is a phrase: "state space models" is not what a title with "state" is about.
        df, n = self._opened.joined_df(), len(self.cards)
        specific = {t for t in every if df.get(t, 0) <= relevance.SUPPORT_BARS.rare * n}
        # Or, among common words, its head (last) word unless most posters say it: "object
        # detection" is what "Unified 3D Detection Transformer" is about; "state space models"
        # not what a title with "models" is.
        head = terms_of(words[-1]) if words else set()
        if not specific and all(df.get(t, 0) <= relevance.SUPPORT_BARS.specific * n
                                for t in head):
            specific = head
        groups = [(every, specific), *((terms_of(w),) * 2 for w in short)]
        found = []
        for c in kept:
            card = self.index.cards[c.key]
            # Hyphenated words both joined and apart: "Gaussian-Stein" says "Stein".
            title = [*stems(relevance.joined(card["title"])), ".", *stems(card["title"])]
            claims = relevance.contribution(card["abstract"])
            claims = [*stems(relevance.joined(claims)), ".", *stems(claims)]
            if any(relevance.about(terms, title, claims, self._opened.joined_words(c.key),
                                   rarer) for terms, rarer in groups):
                found.append(c)
        return found or kept

    def qualifiers(self, topic: str, whole: bool = False) -> list[tuple[str, str]]:
        """The uncommon words of a short topic (`assistant.relevance.uncommon`), as written,
        each with its Snowball stem: what the posters cited for it must say. A superlative
        ("the biggest model") is what a question asks, not a subject; a word no poster of the
        session uses is `unheard`'s; a verb form (`assistant.relevance.verb_forms`) says what
        is done, which a poster words in many ways. `whole`: every content word of an aspect
        but its verb forms, common or not, and one no poster says too."""
        from assistant.embedding import word_ranks
        ranks = word_ranks()
        df = self._opened.stem_df()
        wanted = []
        words = qualifier_words(topic)
        for word, verb in zip(words, verb_forms(words), strict=True):
            plain = fold(word)
            if (plain in STOPWORDS or len(plain) < 3 or plain.endswith("est") or verb
                    or not (whole or uncommon(word, ranks))):
                continue
            if (not whole and re.search(r"[a-z]", plain)
                    and not any(df.get(s, 0) for s in stems(plain))):
                continue  # no poster says it at all: `unheard` speaks of it
            wanted.append((word, "".join(stems(plain.replace("-", "")))))
        return wanted

    def unsupported(self, topic: str, kept: list[Candidate],
                    several: bool | None = None) -> list[str]:
        """The topic's qualifiers that none of the kept posters carries, when several posters
        share the rest of it: the question then picks among a subject's posters by a word none
        says ("binary", "hardware"). A lone poster kept is the one a question describes,
        perhaps in other words ("landmark guidance" for its "landmark control"); only a
        number it lacks ("1-bit" of a 4-bit poster) is never worded otherwise. `several`:
        whether the gate kept more than one poster (by default, whether `kept` has)."""
        several = len(kept) > 1 if several is None else several
        wanted = self.qualifiers(topic)
        if not wanted or not kept:
            return []
        return [w for w in unsupported(wanted, [self._opened.plain(c.key) for c in kept])
                if several or re.search(r"\d", w)]

    def carrying(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters that miss none of the topic's rare qualifiers (one that few posters
        of the session carry, `SupportBars.rare`), or nearly as close in meaning as the
        closest: the others are about the rest of the topic only."""
        bars = relevance.SUPPORT_BARS
        df = self._opened.stem_df()
        wanted = self.qualifiers(topic)
        rare = {w for w, stem_ in wanted if df.get(stem_, 0) <= bars.rare * len(self.cards)}
        if not rare or not kept:
            return kept
        top = max(c.cosine for c in kept)
        lacks = lacking(wanted, [self._opened.plain(c.key) for c in kept])
        return [c for c, lack in zip(kept, lacks, strict=True)
                if not rare & set(lack) or c.cosine >= bars.close * top] or kept

    def supported(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters that carry enough of a short topic's terms, or are nearly as
        close in meaning as the closest (`assistant.relevance.trimmed`)."""
        n = len(self.cards)
        df = self._opened.stem_df()
        terms = set(content_stems(topic))
        weights = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in terms}
        if len(weights) < 2 or len(kept) < 2:
            return kept
        shares = [term_share(weights, self._opened.stem_set(c.key)) for c in kept]
        keep = trimmed(shares, [c.cosine for c in kept])
        return [c for c, ok in zip(kept, keep, strict=True) if ok]

    def described(self, query: str, candidates: list[Candidate], kept: list[Candidate],
                  why: str) -> tuple[list[Candidate], str]:
        """A poster described in many words (more terms than a short topic has), first for
        both rankers, is the one the question describes: cite it, and another only when it is
        nearly as close. Its neighbours share words with the description, not its subject.
        Otherwise, those carrying far less of the description's terms than the best-supported
        poster, and not nearly as close in meaning, are left out (`supported`)."""
        if len(term_set(query)) <= _SHORT_TOPIC or not kept:
            return kept, why
        supported = self.supported(query, kept)
        if len(supported) < len(kept):
            why += (f"; {len(kept) - len(supported)} carrying far less of the description's "
                    "terms than the best-supported poster left out")
            kept = supported
        top = max(candidates, key=lambda c: c.cosine)
        if top is not max(candidates, key=lambda c: c.bm25) or top not in kept:
            return kept, why
        cited = [c for c in kept if c is top or c.cosine >= _NEARLY_AS_GOOD * top.cosine]
        if len(cited) < len(kept):
            why += "; first for both rankers, cited alone or with those nearly as close"
        return cited, why

    def unheard(self, topic: str) -> list[str]:
        """The words of a short topic that no poster of the session uses, as written in the
        question (`assistant.relevance.unheard`): "cooperative multi-agent RL on StarCraft"
        finds multi-agent posters, but none is about StarCraft."""
        if len(term_set(topic)) > _SHORT_TOPIC:
            return []
        df = self._opened.df
        # A superlative ("the biggest model") is what a question asks of posters, not a
        # subject they are about.
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", topic)
                 if len(w) >= 4 and fold(w) not in STOPWORDS and not fold(w).endswith("est")]
        return unheard(words, lambda w: df.get(stem(fold(w)), 0) > 0,
                       self._opened.vocabulary().counts)

    def aspects(self, topic: str) -> list[str]:
        """The topic's aspects that name something specific: a part whose every term is
        common ("working on POMDPs" -> "working") qualifies nothing. A topic longer than a
        short one is a description, however its parts are joined: one aspect."""
        if len(term_set(topic)) > _SHORT_TOPIC:
            return [topic]
        n = len(self.cards)
        df = self._opened.df
        parts = [part for part in aspects(topic)
                 if any(df.get(t, 0) <= n / 5 for t in term_set(part))]
        return parts if len(parts) > 1 else [topic]

    def aspect_support(self, parts: list[str],
                       candidates: list[Candidate]) -> list[AspectSupport]:
        """How well each candidate supports the weakest of the topic's `parts` (see
        `assistant.relevance`): by its words, and by its vector against each part's own."""
        import numpy as np

        weights = [self._idf_weights(part) for part in parts]
        vectors = np.asarray(self.index.vectors([c.key for c in candidates]), dtype=float)
        dense = np.full(len(candidates), np.inf)
        for part in parts:
            q = np.asarray(self.embedder.get_query_embedding(part), dtype=float)
            dense = np.minimum(dense, vectors @ (q / (np.linalg.norm(q) or 1.0)))
        # An aspect of several terms must have them together; its words as Snowball stems, so
        # "generating" meets a poster's "generation".
        wanted = [content_stems(part) for part in parts]

        # Or a part's words but its verb forms are each carried, wherever they stand: "storing
        # exemplars" is carried by "exemplar-free" ("storing" is how the question says it),
        # "calibrating camera intrinsics" by "camera ... intrinsic parameters"; "traffic
        # forecasting" is not carried by a poster forecasting neuron activity.
        specific = [self.qualifiers(part, whole=True) for part in parts]

        def carries(key: str, wanted_words: list[tuple[str, str]]) -> bool:
            if not wanted_words or lacking(wanted_words, [self._opened.plain(key)])[0]:
                return False
            # Two words or more must still stand together: "energy-based models for text
            # generation" is not carried by a poster saying "energy" here and "models" there.
            return len(wanted_words) == 1 or together(
                [s for word, _ in wanted_words for s in stems(fold(word))],
                self._opened.words(key))

        def lexical(key: str) -> float:  # the weakest part's
            return min(1.0 if carries(key, own) else
                       float(together(want, self._opened.words(key))) if len(w) > 1
                       else term_share(w, self._opened.terms(key))
                       for w, want, own in zip(weights, wanted, specific, strict=True))

        return [AspectSupport(lexical(c.key), float(d))
                for c, d in zip(candidates, dense, strict=True)]

    def _idf_weights(self, text: str) -> dict[str, float]:
        """The text's terms, each weighed by its rarity in the session (IDF)."""
        n = len(self.cards)
        df = self._opened.df
        return {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in term_set(text)}

    def search_answer(self, plan: Plan, where: PosterFilter, retriever: str, k: int,
                      query: str | None = None, asks: str = "", one: bool = False) -> Answer:
        """Posters about the plan's topic within its filters; relevance is judged among the
        posters the filters admit, so a small set (the 11 orals) keeps its best hits. `one`:
        the question does not ask for posters in the plural (see `described`)."""
        query = query or plan.topic
        candidates, kept, abstains, why = self.relevant(query, where, retriever)
        if one and not abstains:
            kept, why = self.described(query, candidates, kept, why)
        if abstains:
            answer = self.abstain_with_related(candidates, plan, query)
        else:
            scored = [(self.index.cards[c.key], c.cosine) for c in kept]
            intro = f"Among the {scope(plan)}:" if plan.has_filters() else ""
            # Each poster's sentence is chosen for the question ("how much ..." wants the
            # sentence with the figure), the posters for its topic.
            answer = extractive_answer(asks or query, scored[:k], intro=intro)
            answer.results = [card["ref"] for card, _ in scored]
        answer.retrieved = [self.index.cards[c.key]["ref"] for c in candidates]
        answer.decided_by = why
        return answer

    def llm_search_answer(self, plan: Plan, where: PosterFilter, retriever: str,
                          k: int) -> Generator[str, None, Answer]:
        """The same, written by the LLM (streamed through the citation guard)."""
        candidates, kept, abstains, why = self.relevant(plan.topic, where, retriever)
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
            answer.results = [card["ref"] for card, _ in scored]
        answer.retrieved = [self.index.cards[c.key]["ref"] for c in candidates]
        answer.decided_by = why
        return answer

    def llm_judge(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters the model judges to answer the topic (one call, JSON schema
        output, validated: `assistant.relevance.judged`); all of them, as the offline evidence
        decided, when the call fails or the verdict is invalid. Posters past the prompt's
        budget are not shown to the model and stay as the evidence decided."""
        from assistant.llm import LLMError, fit_posters

        fitted = fit_posters([self.index.cards[c.key] for c in kept])
        refs = [card["ref"] for card, _ in fitted]
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
        return [c for c in kept if self.index.cards[c.key]["ref"] in verdict
                or self.index.cards[c.key]["ref"] not in refs]

    def abstain_with_related(self, candidates: list[Candidate], plan: Plan | None = None,
                             topic: str = "") -> Answer:
        """The session does not cover it: say so, and offer the closest posters as related
        (apart from the answer: `related`, never citations), when any is even loosely close."""
        reason = ""
        related = [self.index.cards[c.key]["ref"] for c in candidates[:3]
                   if c.cosine >= self.settings.min_relevance]
        parts = self.aspects(topic) if topic else []
        if plan is not None and plan.within == frozenset():
            # "show me more" after an answer that showed all it found: nothing is left, and
            # that is no gap in the session
            return replace(abstain(), answer="The previous answer already showed every poster "
                           "it found; ask about another topic, or widen the filters.")
        if plan is not None and (plan.has_filters() or plan.within is not None) and topic:
            reason = f"None of the {scope(plan)} seems to be about “{topic}”."
        elif related and len(term_set(topic)) <= _SHORT_TOPIC and (
                absent := self.unsupported(topic, self.supported(topic,
                                                                 self.gate(candidates)),
                                           len(self.gate(candidates)) > 1)):
            # Before the aspects: the subject part may hold the missing word ("1-bit").
            reason = (f"No poster here is about “{topic}”: none of those about the rest "
                      f"mentions {' or '.join(f'“{w}”' for w in absent)}; these are related.")
        elif related and qualified(parts):  # the subject is here, a qualifier is not
            reason = (f"No poster here is about “{topic}”; the related posters are about "
                      f"“{parts[0]}”.")
        elif related and (missing := self.unheard(topic)):
            reason = (f"No poster here mentions {' or '.join(f'“{w}”' for w in missing)}; "
                      "the related posters share the rest of the question.")
        answer = abstain(reason)
        answer.related = related
        return answer

    def count_answer(self, plan: Plan, where: PosterFilter, retriever: str, k: int) -> Answer:
        """How many: exact from metadata without a topic; with one, every poster that clears
        the relevance bar a list of posters clears, among those the filters admit (the
        area-wide bar of a summary counts loosely related posters too)."""
        if not plan.topic:
            admitted = self.admitted(where)
            return compose.count_answer("", scope(plan, len(admitted)), admitted, k)
        candidates, kept, abstains, why = self.relevant(plan.topic, where, retriever)
        if not abstains:
            kept, why = self.only_about(plan.topic, kept, why)
        scored = [] if abstains else [(self.index.cards[c.key], c.cosine) for c in kept]
        within = f" among the {scope(plan)}" if plan.has_filters() else ""
        answer = compose.count_answer(plan.topic, within, scored, k)
        answer.retrieved = [self.index.cards[c.key]["ref"] for c in candidates]
        answer.decided_by = why
        return answer

    def similar(self, card: dict, where: PosterFilter, k: int) -> list[tuple[dict, float]]:
        """The posters nearest to one poster by its stored vector, itself excluded."""
        key = f"{card['session']}:{card['board']}"
        found = self.index.nearest(key, where, limit=k + 1)
        close = [(self.index.cards[other], score) for other, score in found if other != key]
        if not close:
            return []
        bar = max(self.settings.cite_floor, close[0][1] * self.settings.summary_relative_bar)
        return [(c, s) for c, s in close if s >= bar][:min(k, 6)]

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

    def llm_answer(self, question: str, scored: list[tuple[dict, float]]
                   ) -> Generator[str, None, Answer]:
        """Stream the model's answer through the citation guard; fall back to extractive."""
        from assistant.citations import CitationStream
        from assistant.llm import LLMError, answer_messages

        cards = [card for card, _ in scored]
        guard = CitationStream(card["ref"] for card in cards)
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
        cosines = sorted((c.cosine for c in candidates), reverse=True)
        return Evidence(cosines[0], max(c.bm25 for c in candidates),
                        self.coverage(question, [c.key for c in candidates[:5]]),
                        cosines[0] - cosines[1] if len(cosines) > 1 else 0.0)

    def coverage(self, question: str, keys: list[str]) -> float:
        """IDF-weighted share of the question's terms that the best-covering poster carries."""
        weights = self._idf_weights(question)
        if not weights:
            return 0.0
        return max(term_share(weights, self._opened.terms(key)) for key in keys)

    def gate(self, candidates: list[Candidate]) -> list[Candidate]:
        """Posters to cite: close in meaning to the best one, or strong on its words."""
        if not candidates:
            return []
        s = self.settings
        top_cosine = max(c.cosine for c in candidates)
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        bar = max(s.cite_floor, top_cosine * s.relative_bar)
        return [c for c in candidates if c.cosine >= bar or (
            c.bm25 >= top_bm25 * s.relative_bm25_bar and c.cosine >= s.lexical_cite_floor)]


def scope(plan: Plan, count: int = 2) -> str:
    """The posters a plan's filters admit, in words: "oral posters on boards #300-#350"."""
    kinds = " and ".join(sorted(plan.kinds)) if plan.kinds else ""
    noun = f"{kinds} posters".strip() if count != 1 else f"{kinds} poster".strip()
    parts = [noun]
    # Board numbers in words a reader (and the citation guard) does not take for a citation.
    if plan.board_min is not None and plan.board_max is not None:
        parts.append(f"in the board range {plan.board_min}–{plan.board_max}")
    elif plan.board_min is not None:
        parts.append(f"in the board range from {plan.board_min}")
    elif plan.board_max is not None:
        parts.append(f"in the board range up to {plan.board_max}")
    if plan.authors:
        parts.append("by " + " and ".join(plan.authors))
    if plan.award:
        parts.append("with an award")
    if plan.in_title:
        parts.append(f"with “{plan.topic}” in the title")
    if plan.within is not None:
        parts.append("of the previous answer")
    return " ".join(parts)


def describe_filter(where: PosterFilter) -> str:
    """The user's filters in words: "board range 100–300, oral posters only"."""
    parts = []
    if where.board_min is not None or where.board_max is not None:
        lo = "" if where.board_min is None else str(where.board_min)
        hi = "" if where.board_max is None else str(where.board_max)
        # Worded as scope() words it: the citation guard takes "boards 100" for a reference.
        parts.append(f"board range {lo}–{hi}" if lo and hi else
                     f"board range from {lo}" if lo else f"board range up to {hi}")
    if where.kinds is not None:
        parts.append(" and ".join(sorted(where.kinds)) + " posters only")
    if where.session is not None:
        parts.append(f"session {where.session}")
    if where.boards is not None:
        parts.append("the posters you chose")
    return ", ".join(parts) or "none"


def is_name(word: str) -> bool:
    """Whether a one-word topic is a name rather than an English word: written with two
    capitals or more ("EEG", "MuJoCo", "COCO"), or not in the embedding model's dictionary."""
    from assistant.embedding import dictionary_words

    word = word.strip()
    return sum(ch.isupper() for ch in word) >= 2 or fold(word) not in dictionary_words()


def term_set(text: str) -> set[str]:
    """Stemmed content terms, hyphenated words split ("LLM-based" -> llm, based)."""
    return {stem(w) for w in re.findall(r"[a-z0-9]+", fold(text))
            if len(w) > 2 and w not in STOPWORDS}
