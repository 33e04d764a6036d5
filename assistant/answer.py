"""Answers: their shape, the "cannot answer" sentence, and the extractive (no-LLM) answerer.

Text quoted from the data (titles, abstracts, authors, awards) goes through `quoted`, so a
board-like reference in it (`[#105]`, `#9999`) is shown as plain text and never becomes a
citation; every composed answer then passes the citation guard with its own boards.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple

from assistant.citations import Ref, cite, guard_citations, neutralise_references, ref_text
from assistant.poster import Poster
from assistant.text import content_words, is_question, split_sentences, stem

CANNOT_ANSWER = "The posters in this session do not seem to cover that."

_QUANTITY = re.compile(
    r"\b(how (much|many|fast|big|small|large|long|often|well)|by (what|how)|what (percentage|"
    r"fraction|factor|speed|speedup|score|accuracy|fid|bleu|rate|size|number|gain|improvement)|"
    r"\w+-?(score|speedup|accuracy)\b|what \w+ (does|did) .* (reach|achieve|get)|"
    # "What training speed-up do they get ...", "which accuracy ...": a figure is asked
    r"\b(what|which)\b[^?]{0,40}?\b(speed-?ups?|accuracy|percentage|fraction|factor|gain|"
    r"improvement|reduction|error rate|memory)\b|\bspeed-?ups?\b|"
    # a measure named without "how" ("what dataset size", "context length", "GPU speed",
    # "what range of model sizes")
    r"\b(?:sizes?|lengths?|speeds?|latency|throughput|fps|ranges?)\b)", re.IGNORECASE)
# A figure stands on its own: the "2" of "MixFormerV2" or the "50" of "ResNet-50" is a name.
_FIGURE = re.compile(r"(?<![A-Za-z])(?<![A-Za-z]-)\d+(?:\.\d+)?\s*(%|x|×|k|m|b|fps|times|fold)?",
                     re.IGNORECASE)
_CONTRIBUTION = re.compile(r"\b(we (propose|introduce|present|develop|show|study|design|"
                           r"release)|this (paper|work) (proposes|introduces|presents))\b",
                           re.IGNORECASE)


@dataclass
class Source:
    board: int
    kind: str
    title: str
    score: float
    session: str = ""
    award: str = ""
    authors: str = ""
    ref: Ref | None = None  # how it is cited (`assistant.citations`); None: by its board

    def cited_as(self) -> Ref:
        return self.board if self.ref is None else self.ref


@dataclass
class Answer:
    answer: str
    citations: list[Ref]  # boards; "S3 #812" for a board other sessions of the store reuse
    sources: list[Source]
    abstained: bool
    backend: str = "extractive"
    notice: str = ""
    dropped_citations: list[Ref] = field(default_factory=list)
    retrieved: list[Ref] = field(default_factory=list)  # ranked boards, for evaluation
    related: list[Ref] = field(default_factory=list)  # offered apart when abstaining
    results: list[Ref] = field(default_factory=list)  # the whole result set, cited first
    question: str = ""
    plan: Any = None  # the Plan the answer followed
    decided_by: str = ""  # the evidence that decided to answer or abstain (for the eval report)

    def guarded(self, allowed: Iterable[Ref] | None = None) -> Answer:
        """This answer with its text through the citation guard. Only `allowed` boards may be
        cited (default: the answer's own citations and sources); any other reference is
        removed and reported in `dropped_citations` and the notice. An abstention cites
        nothing: its text is ours (the cannot-answer sentence and why) and is kept as is."""
        if self.abstained:
            return self
        if allowed is None:
            allowed = [*self.citations, *(source.cited_as() for source in self.sources)]
        result = guard_citations(self.answer, allowed)
        guarded = copy.copy(self)  # a copy keeps any attribute a caller set on the answer
        guarded.answer = result.text
        if result.dropped:
            guarded.dropped_citations = [
                *self.dropped_citations,
                *(b for b in result.dropped if b not in self.dropped_citations)]
            removed = ("Removed citations to boards that were not among this answer's sources: "
                       + dropped_list(result.dropped) + ".")
            guarded.notice = f"{self.notice} {removed}".strip()
        return guarded

    def to_json(self) -> dict:
        """What `ask --json` prints; fed back with `--history`, it continues the conversation
        (`plan` and `results` are what follow-ups read)."""
        data = asdict(replace(self, plan=None))
        del data["retrieved"]
        data["sources"] = [{k: s[k] for k in ("board", "kind", "title", "score")}
                           | ({"session": s["session"], "ref": s["ref"]}
                              if isinstance(s["ref"], str) else {})
                           for s in data["sources"]]
        data["plan"] = self.plan.to_json() if self.plan is not None else None
        return {"question": self.question, **{k: v for k, v in data.items()
                                               if k != "question"}}


def dropped_list(dropped: Iterable[Ref]) -> str:
    """The references the guard removed, as a notice names them: "#9999, S2 #812"; a
    reference removed as ambiguous (several sessions' posters on that board were given)
    is shown as written."""
    return ", ".join(ref_text(ref) for ref in dropped)


def quoted(text: str) -> str:
    """Text quoted from the data, with its board-like references as plain text
    (`[#105]` -> `(No. 105)`, `#9999` -> `No. 9999`): a quote never cites a poster."""
    return neutralise_references(text)


def best_sentence(question: str, abstract: str, title: str = "") -> str:
    """The abstract's sentence that shares most of the question's content words.

    Words of the poster's `title` count less: they name the poster, which most of its
    sentences do, while the rest of the question says what is asked of it ("on which dataset
    does the diffusion-based pose estimation poster claim state of the art?"). Ties (and
    questions that share nothing) go to the sentence that states the contribution. A role
    asked of the poster (its main result, its main idea or approach, what it is evaluated
    on) goes to the sentence playing it.
    """
    naming = _stems(title)
    wanted = {stem(w) for w in content_words(question)}
    names = _names_in(frozenset(wanted))
    wants_figure = bool(_QUANTITY.search(question))
    sentences = _weighed_sentences(abstract)
    # A role asked of the poster ("what's the main result?", "the main idea?") is answered by
    # the sentence playing it (`compose.aspects`), not by one that says "result" or "idea";
    # the words that asked for the role are no topic. A result the abstract does not state
    # is best stood in for by what the paper contributes, never by its opening context.
    # The method and the evaluation are asked only by a question that asks nothing more
    # (but the poster's name): "kernel methods", "the WL test on point clouds" or "dataset
    # pruning" are topics.
    beyond = wanted - naming
    role = ""
    if _CLAIM.search(question):
        role = _role_of(abstract, "result") or (
            "" if beyond - _CLAIM_WORDS else _role_of(abstract, "method"))
        wanted -= _CLAIM_WORDS
    elif _METHOD_ASKED.search(question) and not beyond - _METHOD_WORDS:
        role = _role_of(abstract, "method")
        wanted -= _METHOD_WORDS
    # "what approach does it use for editing": of the sentences saying "editing", one that
    # says what the paper does (the method on), not the problem ("they fall short in editing")
    doing: set[str] = set()
    if not role and _METHOD_OF.search(question) and len(beyond - _METHOD_WORDS) <= 2:
        method = _role_of(abstract, "method")
        start = next((i for i, s in enumerate(sentences) if s.text == method), len(sentences))
        doing = {s.text for s in sentences[start:]}
        wanted -= _METHOD_WORDS
    # "what is it evaluated on": a sentence saying where it is evaluated, after the method
    evaluated: dict[str, float] = {}
    if _EVALUATION_ASKED.search(question) and not beyond - _EVALUATION_WORDS:
        method, problem = _role_of(abstract, "method"), _role_of(abstract, "problem")
        after = next((i for i, s in enumerate(sentences) if s.text == method), 1)
        evaluated = {s.text: 1.5 * bool(_EVALUATES.search(s.text))
                     + 1.5 * bool(_EVALUATED_ON.search(s.text))
                     for s in sentences[after:] if s.text != problem
                     and not _POINTS_TO_CODE.search(s.text)}  # "code and experiments at ..."
    # A word most sentences say (the method's own name, "STAR") tells them apart less than
    # one a single sentence says ("ADE20K"): each weighs by how few sentences say it.
    said_in = {w: sum(w in s.words for s in sentences) for w in wanted}
    # names written as names: capitals inside, or letters with digits ("ADE20K", "G2MILP")
    written = {stem(w.lower()) for w in re.findall(r"\b[\w-]+\b", question)
               if sum(ch.isupper() for ch in w) >= 2 or (re.search(r"\d", w)
                                                         and re.search(r"[A-Za-z]", w))
               } & set(said_in)
    # a name the abstract says again and again is the poster's own ("we present STAR"): it
    # names the poster, as its title does
    naming = naming | {w for w in written if said_in[w] >= 2}
    # Some asks are answered by a kind of sentence, whatever its words: a link or a release
    # for the code, a throughput or a "faster" for a speed-up.
    kinds = [kind for ask, kind in _ASKED_KINDS if ask.search(question)]
    best, best_score = sentences[0].text, -1.0
    for sentence in sentences:
        score = sum((0.4 if w in naming else 1.0) / math.sqrt(said_in[w])
                    for w in wanted & sentence.words) + sentence.contribution
        score += sum(2.0 for kind in kinds if kind.search(sentence.text))
        # A name asked of ("ADE20K", no English word) is said where it is said, and inside a
        # longer one ("FPN variant" -> "DoubleFPN", "LoRA" -> "QLoRA").
        score += sum(1.0 / math.sqrt(said_in[w]) for w in written & sentence.words
                     if w not in naming)
        score += sum(0.7 for w in names - sentence.words
                     if any(w in word for word in sentence.words))
        if wants_figure and sentence.figure:
            score += 2.0
        if role and sentence.text == role:
            score += 2.0
        score += min(evaluated.get(sentence.text, 0.0), 2.5)
        if sentence.text in doing:
            score += 1.0
        score -= sentence.penalty
        if score > best_score:
            best, best_score = sentence.text, score
    return quoted(best)


# A sentence that says where the code is.
_POINTS_TO_CODE = re.compile(r"https?://|\bgithub\b|\b(?:code|implementation)s?\b[^.]{0,60}\b"
                             r"(?:available|released?|public)|\b(?:released?|available) at\b|"
                             r"\bopen[- ]?sourced?\b", re.IGNORECASE)
# What a question asks that a kind of sentence answers, and that kind.
_ASKED_KINDS = (
    (re.compile(r"\b(?:code|github|repo(?:sitory)?|implementation|open[- ]?source[d]?|"
                r"released?|available)\b", re.IGNORECASE), _POINTS_TO_CODE),
    (re.compile(r"\b(?:speed-?ups?|faster|throughput|latency|how fast|wall-?clock)\b",
                re.IGNORECASE),
     re.compile(r"\b(?:speed-?ups?|faster|throughput|latency|wall-?clock)\b|\d\s*(?:×|x\b|"
                r"\$\\times\$|times faster)", re.IGNORECASE)),
)


# What it is evaluated or tested on: the sentence that says where it is evaluated ("...
# across 5 medical image tasks and 10 datasets"), not one that only says "datasets" ("the
# combination of datasets from ..."); when the abstract names no dataset, its evaluation
# sentence still says the most ("experiments show ..."). Context before the method ("X has
# achieved strong accuracy on the standard benchmarks") is never it.
_EVALUATION_WORDS = frozenset(stem(w) for w in (
    "dataset datasets benchmark benchmarks benchmarked evaluate evaluated evaluates evaluating "
    "evaluation evaluations test tests tested experiment experiments corpus corpora testbed "
    "testbeds use uses used").split())
_EVALUATION_ASKED = re.compile(r"\b(?:datasets?|benchmark(?:s|ed)?|evaluat\w*|tested|"
                               r"test(?:s|ed)? on|experiments?|corpora|corpus|test[- ]?beds?)\b",
                               re.IGNORECASE)
# A sentence that evaluates ("experiments show", "we evaluate", "tested on") or says on
# what ("on four benchmarks", "across 10 datasets"); one that does both says the most.
_EVALUATES = re.compile(r"\b(?:experiments|experimentally|experimental (?:results?|evaluations?|"
                        r"stud(?:y|ies)|analys[ie]s|comparisons?|validation)|evaluat\w*|"
                        r"benchmark(?:ed|ing)|tested|validat\w*)\b|\bempirical\w*\b[^.;]{0,100}?\b(?:on|across|"
                        r"over|using|with|in)\s", re.IGNORECASE)
_EVALUATED_ON = re.compile(
    r"\b(?:on|across|over|using|in)\s+(?:[\w$\\{}-]+[\s,]+){0,6}?(?:datasets?|benchmarks?|"
    r"tasks|corpora|environments|games|suites?)\b|\b(?:\d+|two|three|four|five|six|seven|eight|"
    r"nine|ten|several|multiple|various|diverse|standard|public|popular|widely[- ]used)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:datasets|benchmarks)\b"
    # a benchmark's name: "on LaSOT", "on ImageNet-1K", "across CIFAR-10 and COCO"
    r"|\b(?:on|across|over)\s+(?:the\s+)?(?-i:[A-Z][\w-]*(?:[A-Z]|\d))", re.IGNORECASE)


# A question asking for what a poster found or claims, not for a detail of it.
_CLAIM = re.compile(r"\b(?:main|key|central|core|principal|major)\s+(?:claims?|findings?|"
                    r"results?|takeaways?|conclusions?|contributions?)\b|\b(?:claims?|findings?|"
                    r"takeaways?)\b|\bwhat did (?:they|the authors|it) (?:find|show|discover|"
                    r"conclude)\b", re.IGNORECASE)


# The words that ask for the claim: they name the role, not a topic of the poster.
_CLAIM_WORDS = frozenset(stem(w) for w in (
    "main key central core principal major claim claims finding findings result results "
    "takeaway takeaways conclusion conclusions contribution contributions find show discover "
    "conclude").split())
# A question asking for the method: "the main idea?", "what's their approach / method /
# technique?", "what do they propose?", "how does it work?", or only "main" / "key" once the
# noun ("idea", "point") is gone from what was asked.
_METHOD_ASKED = re.compile(r"\b(?:ideas?|gist|approach(?:es)?|method(?:s|ology)?|techniques?|"
                           r"propos(?:e|es|ed|al)|how (?:does|do|did) (?:it|they|this) work)\b|"
                           r"^\W*(?:(?:the|its|their|main|key|core|central|basic|big|overall)\s*)+"
                           r"\W*$", re.IGNORECASE)
# The method asked of a poster, with what for ("what approach does it use for editing?",
# "their method for X"), unlike a topic that is a kind of method ("kernel methods").
_METHOD_OF = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:approach|method|technique|idea)s?\b|"
                        r"\b(?:approach|method|technique)s?\s+(?:do|does|did|is|are|was|were)\b|"
                        r"\b(?:their|its)\s+(?:\w+\s+)?(?:approach|method|technique|idea)s?\b",
                        re.IGNORECASE)
_METHOD_WORDS = frozenset(stem(w) for w in (
    "main key core central basic big overall idea ideas gist approach approaches method methods "
    "methodology technique techniques propose proposes proposed proposal work").split())


@lru_cache(maxsize=8192)
def _role_of(abstract: str, role: str) -> str:
    """The sentence playing `role` ("problem", "method", "result") in the abstract
    (`compose.aspects`), "" when none does."""
    from assistant.compose import aspects  # compose builds on this module

    return aspects(abstract)[role]


@lru_cache(maxsize=4096)
def _names_in(words: frozenset[str]) -> frozenset[str]:
    """The words of a question that are no English word, three letters or more ("fpn",
    "lora"): names, which a poster may write inside a longer one."""
    from assistant.embedding import dictionary_words

    english = dictionary_words()
    return frozenset(w for w in words if len(w) >= 3 and w.isalnum() and w not in english)


class _Sentence(NamedTuple):
    text: str
    words: set[str]  # its stemmed content words
    contribution: float  # 0.5 when it states the contribution ("we propose ...")
    figure: bool  # it states a figure
    penalty: float  # a later or overlong sentence loses ties


@lru_cache(maxsize=8192)
def _weighed_sentences(abstract: str) -> tuple[_Sentence, ...]:
    """An abstract's sentences as `best_sentence` weighs them, read once per abstract rather
    than once per question (never modified: shared between questions)."""
    # A question the abstract asks ("How could we introduce more shape bias ...?") states
    # nothing: it is no contribution, and loses to any sentence that answers as well.
    return tuple(_Sentence(sentence, {stem(w) for w in content_words(sentence)},
                           0.5 if _CONTRIBUTION.search(sentence) and not is_question(sentence)
                           else 0.0,
                           bool(_FIGURE.search(sentence)),
                           0.01 * position + (0.3 if len(sentence) > 400 else 0.0)
                           + (1.0 if is_question(sentence) else 0.0))
                 for position, sentence in enumerate(split_sentences(abstract) or [abstract]))


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in content_words(text))


def contribution_sentence(topic: str, abstract: str) -> str:
    """The sentence that states what the poster contributes ("we propose ..."), preferring one
    that mentions the topic; the sentence closest to the topic when none does."""
    wanted = {stem(w) for w in content_words(topic)}
    stated = [s for s in split_sentences(abstract) if _CONTRIBUTION.search(s) and len(s) < 400
              and not is_question(s)]
    if not stated:
        return best_sentence(topic, abstract)
    return quoted(max(stated, key=lambda s: len(wanted & {stem(w) for w in content_words(s)})))


def card_source(card: Poster, score: float) -> Source:
    ref = card.ref
    return Source(board=card.board, kind=card.kind, title=card.title,
                  score=round(float(score), 4), session=card.session, award=card.award,
                  authors=card.author_line, ref=None if ref == card.board else ref)


def poster_line(card: Poster, sentence: str) -> str:
    """One poster in a list: title, board, kind, award and a sentence of its abstract."""
    award = f" ({quoted(card.award)})" if card.award else ""
    kind = "" if card.kind == "poster" else f", {card.kind}"
    return (f"- **{quoted(card.title)}** {cite(card.ref)}{kind}{session_of(card)}"
            f"{award}: {quoted(sentence)}")


def session_of(card: Poster) -> str:
    """", Poster Session 3" after a poster's citation when the store holds several sessions
    ("Which session has posters on X?" is answered by every list), else ""."""
    return f", {quoted(card.session)}" if card.session_label else ""


def card_summary(card: Poster) -> str:
    """One poster in full ("what is at #812?"): title, board, kind, award, authors, abstract;
    the quoted fields with their board-like references as plain text."""
    award = f", {quoted(card.award)}" if card.award else ""
    return (f"**{quoted(card.title)}** {cite(card.ref)} ({card.kind}{award}"
            f"{session_of(card)})\n"
            f"Authors: {quoted(card.author_line)}\n{quoted(card.abstract)}")


def abstain(reason: str = "") -> Answer:
    text = f"{CANNOT_ANSWER} {reason}".strip()
    return Answer(answer=text, citations=[], sources=[], abstained=True)


def extractive_answer(question: str, cards: list[tuple[Poster, float]],
                      intro: str = "") -> Answer:
    """Per relevant poster: its title, board and the abstract sentence closest to the question.

    Guarded like any answer: only these posters' boards are cited."""
    if not cards:
        return abstain()
    lines = [poster_line(card, best_sentence(question, card.abstract, card.title))
             for card, _ in cards]
    intro = intro or ("Relevant posters:" if len(cards) > 1 else "The closest poster:")
    return Answer(answer="\n".join([intro, *lines]),
                  citations=[card.ref for card, _ in cards],
                  sources=[card_source(card, score) for card, score in cards],
                  abstained=False).guarded()
