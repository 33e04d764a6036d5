"""The previous turn of a conversation, as follow-up questions read it.

What a follow-up means ("the second one", "which of those ...", "what about X?") is decided in
`assistant.understand`; this module only says what a turn was. A turn the app or
`ask --json --history` kept has its plan and whole result set; one read back from a transcript
has its question and the boards its answer cited, read with `cited_boards` from the text a
reader sees: quoted data shows board-like text as plain text (see `assistant.answer.quoted`),
and HTML attributes such as a tooltip quoting a poster's title are not text, so nothing quoted
ever adds a board to a follow-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.citations import cited_refs

_TAG = re.compile(r"<[^>]*>")  # the app's answers are HTML; text in `<` `>` is escaped
def cited_boards(answer: str) -> list[int | str]:
    """The refs an answer cites, in order of first use: its `[#812]` (and `[S3 #812]`, see
    `assistant.citations`) citations outside HTML tags (a tooltip's
    `title="... [#105] ..."` quotes data and cites nothing)."""
    return cited_refs(_TAG.sub(" ", answer))


@dataclass
class Turn:
    """What a previous turn asked and which boards its answer cited, in order."""

    question: str
    boards: list[int]
    answer: str = ""
    plan: Any = None  # its Plan (or the plan's JSON), when the turn kept it
    results: list[int] = field(default_factory=list)  # its whole result set, shown first

    @classmethod
    def from_answer(cls, question: str, answer: str) -> Turn:
        """The turn as a conversation shows it: the question and the answer's text (HTML
        or not), its boards being the answer's citations (see `cited_boards`)."""
        text = _TAG.sub("", answer)
        return cls(question, cited_boards(answer), text)

    @classmethod
    def from_json(cls, data: dict) -> Turn:
        """A turn as `posters ask --json` printed it (question, answer, citations, plan,
        results); raises ValueError naming what is missing or of the wrong type."""
        if not isinstance(data, dict):
            raise ValueError("each turn must be a JSON object as `posters ask --json` prints")
        missing = [k for k in ("question", "answer", "citations") if k not in data]
        if missing:
            raise ValueError(f"a turn lacks {', '.join(missing)}")
        boards = data["citations"]
        results = data.get("results") or []
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in [*boards, *results]):
            raise ValueError("'citations' and 'results' must be lists of board numbers")
        if not isinstance(data["question"], str) or not isinstance(data["answer"], str):
            raise ValueError("'question' and 'answer' must be strings")
        plan = data.get("plan")
        return cls(data["question"], list(boards), data["answer"],
                   plan if isinstance(plan, dict) else None, list(results))
