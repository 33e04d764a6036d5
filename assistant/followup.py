"""Follow-up questions without an LLM: resolve references to the previous answer's posters.

"tell me more about the second one", "who wrote it?", "which of those use transformers?",
"and the last one?" refer to the posters the previous answer cited. `resolve_followup` is pure:
it reads the question and the previous turn and says what the question is really about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
            "4th": 3, "fifth": 4, "5th": 4, "sixth": 5, "seventh": 6, "eighth": 7, "ninth": 8,
            "tenth": 9, "last": -1}
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b(?: (?:one|poster|paper|result))?",
                      re.IGNORECASE)
_AMONG = re.compile(r"\b(?:which|what|any|how many) (?:of )?(?:those|these|them|the above)\b|"
                    r"\b(?:of|among) (?:those|these|them)\b", re.IGNORECASE)
_ABOUT_IT = re.compile(r"\b(it|that one|this one|that poster|this poster|that paper|this paper|"
                       r"the poster|the paper)\b", re.IGNORECASE)
_WHO = re.compile(r"\b(who (wrote|authored|made|presents|is presenting|did)|authors?|written by)\b",
                  re.IGNORECASE)
_MORE = re.compile(r"\b(tell me more|more about|more on|details|explain|elaborate|abstract)\b",
                   re.IGNORECASE)
_CONTINUATION = re.compile(r"^(and|what about|how about|also)\b", re.IGNORECASE)


@dataclass
class Turn:
    """What a previous turn asked and which boards its answer cited, in order."""

    question: str
    boards: list[int]
    answer: str = ""


@dataclass
class FollowUp:
    """What a follow-up is about: one poster, a subset of the previous posters, or a topic."""

    kind: str  # "poster" | "authors" | "among" | "expand"
    boards: list[int]
    question: str  # the question to retrieve with


def resolve_followup(question: str, previous: Turn | None) -> FollowUp | None:
    if previous is None:
        return None
    boards = previous.boards
    ordinal = _ORDINAL.search(question)
    if boards and ordinal:
        index = ORDINALS[ordinal.group(1).lower()]
        if index < len(boards):
            target = [boards[index]]
            kind = "authors" if _WHO.search(question) else "poster"
            return FollowUp(kind, target, question)
    if boards and _AMONG.search(question):
        rest = _AMONG.sub(" ", question)
        return FollowUp("among", boards, rest)
    if boards and _WHO.search(question) and _ABOUT_IT.search(question):
        return FollowUp("authors", boards[:1], question)
    if boards and _MORE.search(question) and (_ABOUT_IT.search(question) or len(boards) == 1):
        return FollowUp("poster", boards[:1], question)
    if _CONTINUATION.search(question) and len(question.split()) <= 8:
        # "and for graphs?": the new words, in the frame of the previous question
        return FollowUp("expand", [], f"{previous.question} {question}")
    return None
