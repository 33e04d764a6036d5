"""The citation guard: only boards given to the answerer for this turn may be cited.

`guard_citations` finds `[#812]` and its near misses (`#812`, `[812]`, `(#812)`, `board 812`,
`[#812, #13]`), writes the valid ones as `[#812]` and drops the others, reporting them.
`CitationStream` applies the same guard to a streamed answer, holding back only the tail that
could still grow into a citation, so no invalid board is ever shown, even for a moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_NUMBER = r"\#?\s*\d{1,5}"
_CITATION = re.compile(
    r"(?P<space>[ \t]?)(?:"
    rf"\[\s*(?P<bracket>{_NUMBER}(?:\s*(?:[,;]|and)\s*{_NUMBER})*)\s*\]"
    rf"|\(\s*(?P<paren>\#\s*\d{{1,5}}(?:\s*[,;]\s*{_NUMBER})*)\s*\)"
    r"|\b(?:[Bb]oard|[Pp]oster)s?\s*\#?\s*(?P<word>\d{1,5})\b"
    r"|(?<![\w\[#&])\#(?P<hash>\d{1,5})\b"
    r")")
_HOLD_TAIL = re.compile(r"(?i)(?:\b(?:boards?|posters?|and)|\#|,)$")


@dataclass
class GuardResult:
    text: str
    citations: list[int] = field(default_factory=list)  # valid boards, in order of first use
    dropped: list[int] = field(default_factory=list)  # boards that were not given


def guard_citations(text: str, allowed: Iterable[int]) -> GuardResult:
    allowed = set(allowed)
    result = GuardResult(text="")

    def replace(match: re.Match) -> str:
        found = next(g for g in ("bracket", "paren", "word", "hash") if match.group(g))
        boards = [int(n) for n in re.findall(r"\d+", match.group(found))]
        keep = []
        for board in boards:
            target = keep if board in allowed else result.dropped
            if board not in target:
                target.append(board)
        for board in keep:
            if board not in result.citations:
                result.citations.append(board)
        if not keep:
            return ""
        return match.group("space") + "".join(f"[#{b}]" for b in keep)

    result.text = _CITATION.sub(replace, text)
    return result


def safe_cut(text: str) -> int:
    """How much of a growing text can be guarded now: up to the last whitespace outside any
    bracket (a bracket may hold a citation group) and not right after a word ("board", "#")
    that may still take a number."""
    depth, cuts = 0, [0]
    for at, char in enumerate(text):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        elif depth == 0 and char in " \n":
            cuts.append(at)
    cut = cuts[-1]
    while cut > 0:
        held = _HOLD_TAIL.search(text[:cut].rstrip())
        if not held:
            break
        cut = max(c for c in cuts if c < max(held.start(), 1))
    return cut


class CitationStream:
    """Feed raw pieces of a streamed answer; get back guarded pieces safe to show."""

    def __init__(self, allowed: Iterable[int]) -> None:
        self.allowed = set(allowed)
        self.raw = ""
        self.shown = ""

    def feed(self, piece: str) -> str:
        self.raw += piece
        return self._emit(self.raw[: safe_cut(self.raw)])

    def finish(self) -> GuardResult:
        """Guard the whole answer; `self.shown` then holds everything emitted."""
        result = guard_citations(self.raw, self.allowed)
        self.tail = result.text[len(self.shown):] if result.text.startswith(self.shown) else ""
        self.shown = result.text
        return result

    def _emit(self, prefix: str) -> str:
        guarded = guard_citations(prefix, self.allowed).text
        if not guarded.startswith(self.shown) or len(guarded) <= len(self.shown):
            return ""
        delta = guarded[len(self.shown):]
        self.shown = guarded
        return delta
