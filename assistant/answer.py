"""Answers: their shape, the "cannot answer" sentence, and the extractive (no-LLM) answerer."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

CANNOT_ANSWER = "The posters in this session do not seem to cover that."

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|(?<=[a-z][.!?])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")
_QUANTITY = re.compile(
    r"\b(how (much|many|fast|big|small|large|long|often|well)|by (what|how)|what (percentage|"
    r"fraction|factor|speed|speedup|score|accuracy|fid|bleu|rate|size|number|gain|improvement)|"
    r"\w+-?(score|speedup|accuracy)\b|what \w+ (does|did) .* (reach|achieve|get))", re.IGNORECASE)
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(%|x|×|k|m|b|fps|times|fold)?", re.IGNORECASE)
_CONTRIBUTION = re.compile(r"\b(we (propose|introduce|present|develop|show|study|design)|this "
                           r"(paper|work) (proposes|introduces|presents))\b", re.IGNORECASE)
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being between
both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of
off on once only or other our out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours anyone anybody someone poster
posters paper papers work session presenting presented show tell find looking something using
use used
""".split())


@dataclass
class Source:
    board: int
    kind: str
    title: str
    score: float
    session: str = ""
    award: str = ""
    authors: str = ""


@dataclass
class Answer:
    answer: str
    citations: list[int]
    sources: list[Source]
    abstained: bool
    backend: str = "extractive"
    notice: str = ""
    dropped_citations: list[int] = field(default_factory=list)
    retrieved: list[int] = field(default_factory=list)  # ranked boards, for evaluation

    def to_json(self) -> dict:
        data = asdict(self)
        del data["retrieved"]
        data["sources"] = [{k: s[k] for k in ("board", "kind", "title", "score")}
                           for s in data["sources"]]
        return data


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def best_sentence(question: str, abstract: str) -> str:
    """The abstract's sentence that shares most of the question's content words.

    Ties (and questions that share nothing) go to the sentence that states the contribution.
    """
    wanted = {stem(w) for w in content_words(question)}
    wants_figure = bool(_QUANTITY.search(question))
    sentences = split_sentences(abstract) or [abstract]
    best, best_score = sentences[0], -1.0
    for position, sentence in enumerate(sentences):
        words = {stem(w) for w in content_words(sentence)}
        score = len(wanted & words) + (0.5 if _CONTRIBUTION.search(sentence) else 0.0)
        if wants_figure and _FIGURE.search(sentence):
            score += 2.0
        score -= 0.01 * position + (0.3 if len(sentence) > 400 else 0.0)
        if score > best_score:
            best, best_score = sentence, score
    return best


def contribution_sentence(topic: str, abstract: str) -> str:
    """The sentence that states what the poster contributes ("we propose ..."), preferring one
    that mentions the topic; the sentence closest to the topic when none does."""
    wanted = {stem(w) for w in content_words(topic)}
    stated = [s for s in split_sentences(abstract) if _CONTRIBUTION.search(s) and len(s) < 400]
    if not stated:
        return best_sentence(topic, abstract)
    return max(stated, key=lambda s: len(wanted & {stem(w) for w in content_words(s)}))


def card_source(card: dict, score: float) -> Source:
    return Source(board=card["board"], kind=card["kind"], title=card["title"],
                  score=round(float(score), 4), session=card["session"], award=card["award"],
                  authors=card["authors"])


def poster_line(card: dict, sentence: str) -> str:
    award = f" ({card['award']})" if card["award"] else ""
    kind = "" if card["kind"] == "poster" else f", {card['kind']}"
    return f"- **{card['title']}** [#{card['board']}]{kind}{award}: {sentence}"


def abstain(reason: str = "") -> Answer:
    text = f"{CANNOT_ANSWER} {reason}".strip()
    return Answer(answer=text, citations=[], sources=[], abstained=True)


def extractive_answer(question: str, cards: list[tuple[dict, float]],
                      intro: str = "") -> Answer:
    """Per relevant poster: its title, board and the abstract sentence closest to the question."""
    if not cards:
        return abstain()
    lines = [poster_line(card, best_sentence(question, card["abstract"])) for card, _ in cards]
    intro = intro or ("Relevant posters:" if len(cards) > 1 else "The closest poster:")
    return Answer(answer="\n".join([intro, *lines]),
                  citations=[card["board"] for card, _ in cards],
                  sources=[card_source(card, score) for card, score in cards], abstained=False)
