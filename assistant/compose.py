"""Composing extractive answers for each intent of a plan: pure functions over poster cards.

Every answer quotes the posters' own sentences (board-like text in them shown as plain text)
and cites only the posters it was given; `Answer.guarded` checks that once more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answer import (
    CANNOT_ANSWER,
    Answer,
    abstain,
    best_sentence,
    card_source,
    card_summary,
    contribution_sentence,
    extractive_answer,
    poster_line,
    quoted,
    session_of,
)
from assistant.citations import Ref, cite, ref_text
from assistant.poster import Poster
from assistant.text import content_words, counted, split_sentences, stem

if TYPE_CHECKING:
    from assistant.retrieve import PosterFilter
    from assistant.understand import Plan

_RESULT = re.compile(r"\b(outperform\w*|achiev\w*|improv\w*|show(?:s|ed|n)? that|results? "
                     r"(?:show|demonstrate)|experiments?|empirical\w*|state-of-the-art|sota|"
                     r"demonstrat\w*|\d+(?:\.\d+)?\s*%|\d+(?:\.\d+)?x\b)", re.IGNORECASE)
_METHOD = re.compile(r"\b(we (?:propose|introduce|present|develop|design|show|study)|this "
                     r"(?:paper|work) (?:proposes|introduces|presents)|our (?:method|approach|"
                     r"framework|model))\b", re.IGNORECASE)


def _answer(text: str, cards: list[Poster], scores: list[float] | None = None,
            abstained: bool = False, related: list[Poster] | None = None) -> Answer:
    scores = scores or [1.0] * len(cards)
    answer = Answer(answer=text, citations=[] if abstained else [c.ref for c in cards],
                    sources=[card_source(c, s) for c, s in zip(cards, scores, strict=True)],
                    abstained=abstained)
    answer.related = [c.ref for c in related or []]
    answer.results = [c.ref for c in cards]
    return answer if abstained else answer.guarded()


def poster_cards(cards: list[Poster]) -> Answer:
    """ "What is at #812?": each poster in full."""
    return _answer("\n\n".join(card_summary(c) for c in cards), cards)


def authors_answer(cards: list[Poster]) -> Answer:
    lines = [f"**{quoted(c.title)}** {cite(c.ref)} is by {quoted(c.author_line)}."
             for c in cards]
    return _answer("\n".join(lines), cards)


# "how many videos ...", "how many distinct signs", "how many people use ...": the thing
# counted is among the first words after "how many", before a verb; the sentence that puts a
# number right before one of them answers.
_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w-]+\s+){0,2}?[\w-]+?)(?=\s+(?:do|does|did|are|is|"
                       r"were|was|have|has|had|can|could|will|would|in|on|of|for|they|it|the|"
                       r"use|used)\b|\s*[?.!]*$)", re.IGNORECASE)
_NUMBER = (r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"a dozen|dozens of|hundreds of|thousands of|millions of)")


def counted_sentence(asks: str, abstract: str) -> str | None:
    """For "how many X": the abstract's first sentence that puts a number before X ("83,399
    videos", "four standard benchmarks"), quoted; None when none does."""
    match = _HOW_MANY.search(asks)
    if not match:
        return None
    sentences = split_sentences(abstract)
    for word in match.group(1).split():
        noun = stem(word.lower())
        if len(noun) < 3:
            continue
        near = re.compile(rf"\b{_NUMBER}\s+(?:[\w/-]+\s+){{0,3}}?{re.escape(noun)}",
                          re.IGNORECASE)
        found = next((s for s in sentences if near.search(s)), None)
        if found:
            return quoted(found)
    return None


def answer_from_poster(asks: str, cards: list[Poster]) -> Answer:
    """A question asked of named posters, answered from each one's own sentences: the one
    that answers it best, and the next when it shares the question's words too."""
    wanted = {stem(w) for w in content_words(asks)}
    lines = []
    for card in cards:
        first = (counted_sentence(asks, card.abstract)
                 or best_sentence(asks, card.abstract, card.title))
        if _MANNER_ASKED.match(asks):  # "how ...": the sentence that states the method first
            method = quoted(aspects(card.abstract)["method"])
            first = first if method == first else f"{method} {first}"
        rest = [s for s in split_sentences(card.abstract) if quoted(s) != first]
        second = max(rest, key=lambda s: len(wanted & {stem(w) for w in content_words(s)}),
                     default="")
        extra = ""
        if second and len(wanted & {stem(w) for w in content_words(second)}) >= 2:
            extra = f" {quoted(second)}"
        # "is it an oral?", "did it win anything?": the card says, before any sentence does
        kind = f" is {_kind_phrase(card)}" if _ASKS_KIND.search(asks) else ""
        lines.append(f"**{quoted(card.title)}** {cite(card.ref)}{session_of(card)}"
                     f"{kind}: {first}{extra}")
    return _answer("\n\n".join(lines), cards)


_MANNER_ASKED = re.compile(r"how (?!many|much|large|big|fast|long)\w", re.IGNORECASE)
_ASKS_KIND = re.compile(r"\b(orals?|spotlights?|kind|type|format|awards?|awarded|prizes?|won|"
                        r"win|winner)\b", re.IGNORECASE)


def _kind_phrase(card: Poster) -> str:
    """ "an oral (Outstanding Paper Runner-up)", "a spotlight", "a poster"."""
    kind = {"oral": "an oral", "spotlight": "a spotlight"}.get(card.kind, "a poster")
    return kind + (f" ({quoted(card.award)})" if card.award else "")


def named_answer(cards: list[Poster]) -> Answer:
    """ "Is LinkerNet in this session?" when it is: yes, and where."""
    lines = []
    for card in cards:
        kind = {"oral": "an oral", "spotlight": "a spotlight"}.get(card.kind, "a poster")
        award = f" ({quoted(card.award)})" if card.award else ""
        where = f"in {quoted(card.session)}" if card.session_label else "in this session"
        lines.append(f"Yes: **{quoted(card.title)}** {cite(card.ref)} is {kind}{award} "
                     f"{where}.")
    return _answer("\n".join(lines), cards)


def not_in_session(name: str, related: list[Poster]) -> Answer:
    """A named paper the session does not have: a plain no, and related posters apart."""
    text = f"{CANNOT_ANSWER} No poster in this session is called “{quoted(name)}”."
    return _answer(text, [], abstained=True, related=related)


def aspects(abstract: str) -> dict[str, str]:
    """The problem, method and result sentences of an abstract (extractive)."""
    sentences = split_sentences(abstract) or [abstract]
    method = next((s for s in sentences if _METHOD.search(s)), sentences[min(1, len(
        sentences) - 1)])
    results = [s for s in sentences if _RESULT.search(s) and s != method]
    result = results[-1] if results else sentences[-1]
    problem = sentences[0] if sentences[0] not in (method, result) else ""
    return {"problem": problem, "method": method, "result": result if result != method else ""}


def chat_answer(posters: int) -> Answer:
    """A message that is not about the posters (thanks, "who are you?", "when is lunch?"):
    what the assistant can do, citing nothing (no board number either: an example board
    would read as a citation)."""
    return Answer(answer=f"I answer questions about the {posters} posters of this session and "
                  "cite the boards to walk to: ask about a topic (*which posters are about "
                  "federated learning?*), a board number, an author, or *what's in this "
                  "session?*. Anything else, the venue or the programme, is not in the "
                  "posters.", citations=[], sources=[], abstained=True)


def compare_answer(cards: list[Poster]) -> Answer:
    """Posters side by side: each one's problem, method and result, cited."""
    blocks = []
    for card in cards:
        parts = aspects(card.abstract)
        lines = [f"**{quoted(card.title)}** {cite(card.ref)} ({card.kind})"]
        lines += [f"- {label.capitalize()}: {quoted(text)}" for label, text in parts.items()
                  if text]
        blocks.append("\n".join(lines))
    if len(cards) == 1:  # "compare the first two" after an answer that showed one poster
        return _answer(f"There is only one poster to compare, {cite(cards[0].ref)}; name "
                       "a second one (a board number or a title) to compare it with.\n\n"
                       + blocks[0], cards)
    return _answer("Side by side:\n\n" + "\n\n".join(blocks), cards)


def similar_answer(source: Poster, cards: list[tuple[Poster, float]]) -> Answer:
    if not cards:
        return _answer(f"{CANNOT_ANSWER} No other poster is close to {cite(source.ref)}.",
                       [], abstained=True)
    lines = [poster_line(c, contribution_sentence(source.title, c.abstract))
             for c, _ in cards]
    intro = f"Posters closest to **{quoted(source.title)}** {cite(source.ref)}:"
    answer = _answer("\n".join([intro, *lines]), [source, *(c for c, _ in cards)],
                     [1.0, *(s for _, s in cards)])
    # The poster asked about is named, but the answer is its neighbours.
    answer.citations = answer.results = [c.ref for c, _ in cards]
    return answer


def count_answer(topic: str, subject: str, cards: list[tuple[Poster, float]],
                 shown: int) -> Answer:
    """The number first, then the posters (the first `shown` of them). `subject` follows the
    number: "oral posters" (a count of a filter), or for a topic, "" for "N posters are
    about “topic”" with `topic` given."""
    n = len(cards)
    if topic:
        noun, verb = ("poster", "is") if n == 1 else ("posters", "are")
        head = f"**{n}** {noun} {verb} about “{quoted(topic)}”{subject}"
    else:
        head = f"**{n}** {subject}"
        kinds = Counter(c.kind for c, _ in cards)
        if len(kinds) > 1:  # "391 posters (11 orals, 45 spotlights, 335 posters)"
            head += " (" + ", ".join(counted(kinds[k], k) for k in sorted(
                kinds, key=lambda k: (kinds[k], k))) + ")"
    head += ":" if n else "."
    lines = [poster_line(c, best_sentence(topic, c.abstract, c.title) if topic else
                         contribution_sentence(c.title, c.abstract))
             for c, _ in cards[:shown]]
    cited = cards
    if n - shown > REST_LISTED:  # not a wall of board numbers: the way to see them
        lines.append(f"… and {n - shown} more: ask “show me more”, or narrow by kind, board "
                     "range or topic.")
        cited = cards[:shown]
    elif n > shown:
        lines.append(f"… and {n - shown} more: "
                     + ", ".join(cite(c.ref) for c, _ in cards[shown:]))
    answer = _answer("\n".join([head, *lines]), [c for c, _ in cited], [s for _, s in cited])
    answer.results = [c.ref for c, _ in cards]
    return answer


REST_LISTED = 48  # a count's posters beyond those shown are listed by board up to this many


def listing(intro: str, topic: str, cards: list[tuple[Poster, float]],
            shown: int | None = None) -> Answer:
    """Posters a filter selects (an author's, the orals, a board range), each with a line:
    the first `shown` of them (all by default), and how to see the rest."""
    some = cards if shown is None else cards[:shown]
    lines = [poster_line(c, best_sentence(topic, c.abstract, c.title) if topic else
                         contribution_sentence(c.title, c.abstract)) for c, _ in some]
    if len(cards) > len(some):
        lines.append("\n" + _showing(len(some), str(len(cards))))
    answer = _answer("\n".join([intro, *lines]), [c for c, _ in some], [s for _, s in some])
    answer.results = [c.ref for c, _ in cards]
    return answer


def topic_answer(asks: str, scored: list[tuple[Poster, float]], shown: int,
                 intro: str = "") -> Answer:
    """Posters about a topic: the first `shown`, each with the sentence that answers `asks`
    (the question as asked: "how much ..." wants the sentence with the figure); `results`
    holds them all."""
    answer = extractive_answer(asks, scored[:shown], intro=intro)
    answer.results = [card.ref for card, _ in scored]
    if len(scored) > shown and not answer.abstained:  # say that the list goes on
        answer.answer += "\n\n" + _showing(shown, f"{len(scored)} posters found")
    return answer


def _showing(shown: int, found: str) -> str:
    """The line under a list cut short: how many of how many, and how to see the rest."""
    return f"_Showing {shown} of the {found}; ask “show me more” for the rest._"


def uncovered(topic: str, related: list[Ref], *, within: str = "",
              absent: Sequence[str] = (), subject: str = "",
              unheard: Sequence[str] = ()) -> Answer:
    """The session does not cover `topic`: say why, by the first evidence given, and offer
    the `related` posters apart from the answer (never citations). The evidence: the posters
    the filters admit (`within`, in words), the topic's qualifiers none of the posters about
    the rest mentions (`absent`), the subject part the related posters are about (`subject`),
    the question's words no poster uses (`unheard`)."""
    reason = ""
    if within:
        reason = f"None of the {within} seems to be about “{topic}”."
    elif absent:
        # Before the aspects: the subject part may hold the missing word ("1-bit").
        reason = (f"No poster here is about “{topic}”: none of those about the rest "
                  f"mentions {' or '.join(f'“{w}”' for w in absent)}; these are related.")
    elif subject:  # the subject is here, a qualifier is not
        reason = (f"No poster here is about “{topic}”; the related posters are about "
                  f"“{subject}”.")
    elif unheard:
        reason = (f"No poster here mentions {' or '.join(f'“{w}”' for w in unheard)}; "
                  "the related posters share the rest of the question.")
    answer = abstain(reason)
    answer.related = related
    return answer


def none_admitted(scope: str) -> Answer:
    """No poster passes the filters ("which are spotlights?" of an answer that has none):
    said plainly, not a heading over an empty list."""
    return replace(abstain(), answer=f"There are no {scope}.")


def nothing_more() -> Answer:
    """ "show me more" after an answer that showed all it found: nothing is left, and that
    is no gap in the session."""
    return replace(abstain(), answer="The previous answer already showed every poster it "
                   "found; ask about another topic, or widen the filters.")


def no_board(missing: Sequence[str], boards: Sequence[int]) -> Answer:
    """Boards a question names that the session does not have (`boards`: those it has)."""
    boards = sorted(boards)
    return abstain(f"There is no board {', '.join(missing)} in this session "
                   f"(boards run from #{boards[0]} to #{boards[-1]}).")


def shown_anyway(answer: Answer, hidden: list[Ref], where: PosterFilter) -> Answer:
    """An answer about posters the question names though the user's filters hide them:
    it says that they are outside the filters."""
    if not hidden:
        return answer
    names = " and ".join(ref_text(r) for r in hidden)
    verb = "is" if len(hidden) == 1 else "are"
    return replace(answer, answer=f"{names} {verb} outside your filters "
                   f"({describe_filter(where)}); shown anyway.\n\n{answer.answer}")


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
    if plan.excluding:
        parts.append(f"not about “{plan.excluding}”")
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

