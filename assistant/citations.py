"""The citation guard: only boards given to the answerer for this turn may be cited.

`guard_citations` finds `[#812]` and every other form a reader would take for a board
reference (`#812`, `[812]`, `(#812)`, `board 812`, `[#812, #13]`, any number of digits, a
trailing letter as in `#812a`, full-width `［＃８１２］`, digits of any script, zero-width or
other invisible characters inside, terminal escape sequences inside), writes the valid ones as
`[#812]` and drops the others, reporting them. Its output is plain text: control sequences are
removed first (`assistant.safe_text`), so a terminal and a browser show the same characters
the guard checked; the rest of the text is kept as it is.

`neutralise_references` is its twin for text quoted from the data (a title, an abstract): the
same forms are rewritten as plain text that no guard or reader takes for a citation
(`[#105]` -> `(No. 105)`, `#105` -> `No. 105`, `board 105` -> `board No. 105`).

`CitationStream` applies the guard to a streamed answer, holding back only the tail that could
still grow into a citation, so no invalid board is ever shown, even for a moment.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.safe_text import Scanner, terminal_safe

# The guard reads a folded copy of the text (see `_reading`), where every digit is ASCII.
# A number: all its digits (boards have at most 7; longer numbers are removed, not shown), then
# up to 3 letters or superscripts a reader skips over (#812a, #9999¹ are boards 812 and 9999).
_DIGITS = r"[0-9]+(?![0-9])[^\W\d_]{0,3}"
_MAX_DIGITS = 30  # a longer number is removed without being reported: it is no board at all
_NUMBER = rf"(?:\#\s*)?{_DIGITS}"  # not `\#?\s*`: after `\s*`, that backtracks quadratically
_LABEL = r"\b(?i:(?:board|poster)s?)"
_CITATION = re.compile(
    r"(?P<space>[ \t]?)(?:"
    # "board [#9999]" is one reference: removing "[#9999]" alone leaves "board" to take the
    # number that follows
    rf"(?:(?P<lead>{_LABEL})\s*)?(?:"
    rf"\[\s*(?P<bracket>{_NUMBER}(?:\s*(?:[,;]|and)\s*{_NUMBER})*)\s*\]"
    rf"|\(\s*(?P<paren>\#\s*{_DIGITS}(?:\s*[,;]\s*{_NUMBER})*)\s*\)"
    # `issue#12` and `&#39;` are not references; after a digit, `#` or `[` a `#` starts one
    rf"|(?<![^\W\d]|&)\#(?P<hash>{_DIGITS}))"
    rf"|(?P<label>{_LABEL})\s*(?:\#\s*)?(?P<word>{_DIGITS})"
    r")")
_DANGLING = re.compile(rf"(?:(?:{_LABEL}|\#)\s*)+$")
_FORMS = ("bracket", "paren", "word", "hash")
_NUMBER_IN_GROUP = re.compile(rf"(?P<hash>\#\s*)?(?P<number>{_DIGITS})")
_HOLD_TAIL = re.compile(r"(?i)(?:\b(?:boards?|posters?|and)|\#|,)$")
_HOLD_WINDOW = 12  # characters enough to see a held word ("posters") and what precedes it
_CUT_SPACES = " \t\n"
_MAX_PASSES = 8  # removing a reference can join its neighbours into a new one: guard again
# Characters a reader does not see: format characters (zero-width space and joiners, word
# joiner, soft hyphen, bidi marks) and combining marks drawn over the previous character.
_UNSEEN = frozenset(("Cf", "Mn", "Me"))
_PLAIN_ASCII = re.compile(r"[\t\n\x20-\x7e]*")  # ASCII with no control but tab and newline


@dataclass
class GuardResult:
    text: str
    citations: list[int] = field(default_factory=list)  # valid boards, in order of first use
    dropped: list[int] = field(default_factory=list)  # boards that were not given


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One shown character as a reader takes it in a board reference: unseen characters are
    nothing, a digit of any script is its ASCII digit, a compatibility form (full-width
    `＃８［`, no-break space) is its ASCII equivalent; anything else stays itself. Superscript
    and circled digits are not folded: a reader does not take `x²` for `x2`."""
    if char.isascii():
        return char
    if unicodedata.category(char) in _UNSEEN:
        return ""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii() and not any(c.isdigit() for c in folded):
        return folded
    return char


def _reading(text: str) -> tuple[str, Sequence[int]]:
    """The text as a reader sees it, folded for matching, and where each character came from.

    Character by character, so the reading of a prefix is a prefix of the reading of the
    whole (a streamed answer is guarded as it grows)."""
    if _PLAIN_ASCII.fullmatch(text):  # the common case: nothing to fold
        return text, range(len(text))
    chars: list[str] = []
    where: list[int] = []
    for at, char in Scanner().visible(text):
        folded = _fold(char)
        chars.append(folded)
        where.extend([at] * len(folded))
    return "".join(chars), where


def _rewrite(text: str, replace: Callable[[re.Match], str]) -> str:
    """`text` with each board reference replaced by `replace(match)`; the rest untouched.

    Until nothing changes: removing `#9a` from `#9a#7` leaves `#7`, a reference of its own
    (after the `a`, the `#` was not one). Each pass shortens the text or leaves only
    canonical `[#812]`s, which a pass keeps as they are."""
    for _ in range(_MAX_PASSES):
        reading, where = _reading(text)
        out, at, changed = [], 0, False
        for match in _CITATION.finditer(reading):
            start, end = where[match.start()], where[match.end() - 1] + 1
            replacement = replace(match)
            changed = changed or replacement != text[start:end]
            before = text[at:start] if replacement else _without_dangling(text[at:start])
            out += [before, replacement]
            at = end
        if not changed:
            break
        out.append(text[at:])
        text = "".join(out)
    return text


def _without_dangling(text: str) -> str:
    """`text` without a "board" or "#" at its end: what precedes a removed reference, which
    would otherwise take the next number (`board board 9999 7` would show `board 7`)."""
    tail = text[-24:]
    reading, where = _reading(tail)
    found = _DANGLING.search(reading)
    return text if found is None else text[:len(text) - len(tail) + where[found.start()]]


def _form(match: re.Match) -> str:
    return next(name for name in _FORMS if match.group(name))


def guard_citations(text: str, allowed: Iterable[int]) -> GuardResult:
    allowed = set(allowed)
    result = GuardResult(text="")

    def replace(match: re.Match) -> str:
        boards = [int(n) for n in re.findall(r"[0-9]+", match.group(_form(match)))
                  if len(n) <= _MAX_DIGITS]
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

    result.text = _rewrite(terminal_safe(text), replace)
    return result


def _plain(match: re.Match) -> str:
    """A board reference as plain text: `#105` -> `No. 105`, `[#8, 13]` -> `(No. 8, 13)`,
    `board 105` -> `board No. 105`. None of these has a `#`, a `[` or a number right after
    "board", so `_CITATION` cannot match them (tests/test_guard_forms.py checks it)."""
    form = _form(match)
    before = match.group("space") + (f"{match.group('lead')} " if match.group("lead") else "")
    if form == "hash":
        return f"{before}No. {match.group('hash')}"
    if form == "word":
        return f"{before}{match.group('label')} No. {match.group('word')}"
    numbers = _NUMBER_IN_GROUP.sub(
        lambda n: f"No. {n.group('number')}" if n.group("hash") else n.group("number"),
        match.group(form))
    return f"{before}({numbers})"


def neutralise_references(text: str) -> str:
    """Quoted text (a title, an abstract) with every board-like reference made plain text, so
    that a quote never cites a poster, is never removed by the guard and never gives a
    follow-up question a board. Control sequences are removed too. Idempotent."""
    return _rewrite(terminal_safe(text), _plain)


class _Cuts:
    """Where a growing text can be cut for guarding: at whitespace outside any bracket (a
    bracket may hold a citation group) and not right after a word ("board", "#") that may
    still take a number. Reads each new character once, so a stream is guarded in linear
    time."""

    def __init__(self) -> None:
        self.scanner = Scanner()
        self.reading: list[str] = []  # folded shown characters
        self.where: list[int] = []  # raw position of each
        self.spaces: list[int] = []  # reading positions of whitespace outside brackets
        self.word_ends: list[int] = []  # for each, where the text before it ends
        self.depth = 0
        self.text_end = 0
        self.length = 0
        self.resolved: dict[int, int] = {}  # space index -> its cut (what precedes never changes)

    def extend(self, piece: str) -> None:
        for at, char in self.scanner.visible(piece, self.length):
            for folded in _fold(char):
                if folded in "[(":
                    self.depth += 1
                elif folded in "])":
                    self.depth = max(0, self.depth - 1)
                elif folded in _CUT_SPACES and self.depth == 0:
                    self.spaces.append(len(self.reading))
                    self.word_ends.append(self.text_end)
                if folded not in _CUT_SPACES:
                    self.text_end = len(self.reading) + 1
                self.reading.append(folded)
                self.where.append(at)
        self.length += len(piece)

    def cut(self) -> int:
        """Raw position up to which the text can be guarded now: the last space, or when a
        held word precedes it, the cut before that word (each space is resolved once)."""
        index, walked = len(self.spaces) - 1, []
        while index >= 0 and index not in self.resolved:
            end = self.word_ends[index]
            start = max(0, end - _HOLD_WINDOW)
            held = _HOLD_TAIL.search("".join(self.reading[start:end]))
            if not held:
                self.resolved[index] = self.where[self.spaces[index]]
                break
            walked.append(index)
            index = bisect_left(self.spaces, max(start + held.start(), 1)) - 1
        cut = self.resolved.get(index, 0)
        self.resolved.update(dict.fromkeys(walked, cut))
        return cut


def _ends_held(text: str) -> bool:
    """Whether `text` ends with a "board" or "#" that the next text could complete."""
    return bool(_DANGLING.search(_reading(text[-24:])[0]))


def safe_cut(text: str) -> int:
    """How much of a growing text can be guarded now (see `_Cuts`)."""
    cuts = _Cuts()
    cuts.extend(text)
    return cuts.cut()


class CitationStream:
    """Feed raw pieces of a streamed answer; get back guarded pieces safe to show.

    Text is guarded in segments that start at a cut, and no reference spans a cut, so what is
    shown is the guarded whole, piece by piece (tests/test_guard_forms.py checks it on
    hostile streams). Every piece is guarded: nothing shown cites a board not given."""

    def __init__(self, allowed: Iterable[int]) -> None:
        self.allowed = set(allowed)
        self.shown = ""
        self.tail = ""
        self._pieces: list[str] = []
        self._pending = ""  # raw text after the last cut, not shown yet
        self._cuts = _Cuts()  # over `_pending`

    @property
    def raw(self) -> str:
        return "".join(self._pieces)

    def feed(self, piece: str) -> str:
        self._pieces.append(piece)
        self._pending += piece
        self._cuts.extend(piece)
        cut = self._cuts.cut()
        if cut == 0:
            return ""
        shown = self._guard(self._pending[:cut])
        if _ends_held(shown):  # a safety net: the next text could complete its end
            return ""
        self._pending = self._pending[cut:]
        self._cuts = _Cuts()  # the rest is short: from the last cut on
        self._cuts.extend(self._pending)
        self.shown += shown
        return shown

    def _guard(self, segment: str) -> str:
        """The segment guarded after what is shown: a removal at its start can bring a `#`
        next to the last character shown, which decides whether it starts a reference."""
        context = next((c for c in reversed(self.shown[-16:]) if _fold(c)), "")
        guarded = guard_citations(context + segment, self.allowed).text
        if guarded.startswith(context):
            return guarded[len(context):]
        return guard_citations(segment, self.allowed).text

    def finish(self) -> GuardResult:
        """Guard the whole answer; `self.shown` then holds everything emitted."""
        result = guard_citations(self.raw, self.allowed)
        self.tail = result.text[len(self.shown):] if result.text.startswith(self.shown) else ""
        self.shown = result.text
        return result
