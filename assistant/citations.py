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

A whole conference in one store: sessions may reuse board numbers. A poster is then cited by
its *ref*: its board (an int, cited `[#812]`) when no other session of the store has that
board, else a session-qualified string `"S3 #812"` (cited `[S3 #812]`, where "S3" is the
session's short label, see `session_labels`). A store of one session only ever has int refs,
and the guard then works exactly as it always did. Given any str ref, the guard also reads
session-qualified references (`[S3 #812]`, `S3 #812`, `Poster Session 3, board 812`, ...): a
qualified one stands for that session's poster; a plain `#812` stands for the one poster on
board 812 among those given, and is removed as ambiguous when several were given.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.safe_text import CONTROLS, Scanner, terminal_safe

# The guard reads a folded copy of the text (see `_reading`), where every digit is ASCII.
# A number: all its digits (boards have at most 7; longer numbers are removed, not shown), then
# up to 3 letters or superscripts a reader skips over (#812a, #9999¹ are boards 812 and 9999).
_DIGITS = r"[0-9]+(?![0-9])[^\W\d_]{0,3}"
_MAX_DIGITS = 30  # a longer number is removed without being reported: it is no board at all
_NUMBER = rf"(?:\#\s*)?{_DIGITS}"  # not `\#?\s*`: after `\s*`, that backtracks quadratically
_LABEL = r"\b(?i:(?:board|poster)s?)"
_CITATION_ALTERNATIVES = (
    # "board [#9999]" is one reference: removing "[#9999]" alone leaves "board" to take the
    # number that follows
    rf"(?:(?P<lead>{_LABEL})\s*)?(?:"
    rf"\[\s*(?P<bracket>{_NUMBER}(?:\s*(?:[,;]|and)\s*{_NUMBER})*)\s*\]"
    rf"|\(\s*(?P<paren>\#\s*{_DIGITS}(?:\s*[,;]\s*{_NUMBER})*)\s*\)"
    # `issue#12` and `&#39;` are not references; after a digit, `#` or `[` a `#` starts one
    rf"|(?<![^\W\d]|&)\#(?P<hash>{_DIGITS}))"
    rf"|(?P<label>{_LABEL})\s*(?:\#\s*)?(?P<word>{_DIGITS})")
_CITATION = re.compile(rf"(?P<space>[ \t]?)(?:{_CITATION_ALTERNATIVES})")
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
_ANY_DIGIT = re.compile(r"[0-9]")
_PLAIN_ASCII = re.compile(r"[\t\n\x20-\x7e]*")  # ASCII with no control but tab and newline


Ref = int | str  # a board, or "S3 #812" when another session of the store has board 812 too
# A citation as the guard writes it: `[#812]`, or `[S3 #812]` (label: any short text).
CANONICAL = re.compile(r"\[(?:(?P<label>[^\[\]#\n]{1,60}?) )?#(?P<board>[0-9]{1,7})\]")
_STR_REF = re.compile(r"(?P<label>.+?) #(?P<board>[0-9]{1,7})")
# What a reader takes for a session before a board: "S3", "Session 3", "Poster Session 3".
# A session as pages name it (ingest.parse: "Poster Session 3", "Oral Session 2", "Session 4").
_QUALIFIER = (r"(?i:S\s?[0-9]{1,4}|(?:(?:posters?|oral|spotlight)\s+)?session\s*[0-9]{1,4})"
              r"(?![0-9])")
# A stream is not cut where a session may still take a board ("Oral Session 3 | #812").
_HOLD_QUALIFIED = re.compile(r"(?i)(?:\b(?:boards?|posters?|and|oral|spotlight|s\s?[0-9]*|"
                             r"session\s*[0-9]*)|\#|,)$")


def session_labels(names: Iterable[str]) -> dict[str, str]:
    """Each session's short label for qualified citations, unique in the store: "S" and the
    session's number ("Poster Session 3" -> "S3"); when two sessions share a number, their
    initials and it ("Oral Session 3" -> "OS3"); else the name itself."""
    names = sorted(set(names))
    labels: dict[str, str] = {}
    for tier in (_short_label, _initials_label, lambda name: " ".join(name.split())):
        pending = [n for n in names if n not in labels]
        counts = Counter(tier(n) for n in pending)
        taken = {label.casefold() for label in labels.values()}
        for name in pending:
            label = tier(name)
            if label and counts[label] == 1 and label.casefold() not in taken:
                labels[name] = label
    for name in names:  # names equal but for spacing or case: the name, as it is
        labels.setdefault(name, name)
    return labels


def _short_label(name: str) -> str:
    number = re.findall(r"[0-9]+", name)
    return f"S{number[-1]}" if number else ""


def _initials_label(name: str) -> str:
    number = re.findall(r"[0-9]+", name)
    initials = "".join(word[0].upper() for word in re.findall(r"[^\W\d_]+", name))
    return f"{initials}{number[-1]}" if number and initials else ""


def make_ref(board: int, label: str = "") -> Ref:
    """A poster's ref: its board, or with a label (its board is reused) "S3 #812"."""
    return f"{label} #{board}" if label else int(board)


def ref_board(ref: Ref) -> int:
    return ref if isinstance(ref, int) else int(ref.rsplit("#", 1)[1])


def ref_label(ref: Ref) -> str:
    return "" if isinstance(ref, int) else ref.rsplit(" #", 1)[0]


def ref_text(ref: Ref) -> str:
    """A ref as a reader names it in a sentence: "#812", "S3 #812"."""
    return f"#{ref}" if isinstance(ref, int) else ref


def cite(ref: Ref) -> str:
    """The citation of a ref: `[#812]`, `[S3 #812]`."""
    return f"[{ref_text(ref)}]"


def cited_refs(text: str) -> list[Ref]:
    """The refs a guarded text cites (its canonical citations), in order of first use."""
    return list(dict.fromkeys(make_ref(int(m.group("board")), m.group("label") or "")
                              for m in CANONICAL.finditer(text)))


@dataclass
class GuardResult:
    text: str
    citations: list[Ref] = field(default_factory=list)  # valid refs, in order of first use
    dropped: list[Ref] = field(default_factory=list)  # references that were not given


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
    if not CONTROLS.search(text):  # nothing hidden: each character folds on its own
        folds = {char: _fold(char) for char in set(text) if not char.isascii()}
        if all(len(folded) == 1 for folded in folds.values()):  # one for one: same places
            changed = {ord(char): folded for char, folded in folds.items() if folded != char}
            return text.translate(changed) if changed else text, range(len(text))
    chars: list[str] = []
    where: list[int] = []
    for at, char in Scanner().visible(text):
        folded = _fold(char)
        chars.append(folded)
        where.extend([at] * len(folded))
    return "".join(chars), where


def _rewrite(text: str, replace: Callable[[re.Match], str],
             pattern: re.Pattern = _CITATION) -> str:
    """`text` with each board reference replaced by `replace(match)`; the rest untouched.

    Until nothing changes: removing `#9a` from `#9a#7` leaves `#7`, a reference of its own
    (after the `a`, the `#` was not one). Each pass shortens the text or leaves only
    canonical `[#812]`s, which a pass keeps as they are."""
    for _ in range(_MAX_PASSES):
        reading, where = _reading(text)
        if not _ANY_DIGIT.search(reading):  # every reference has a number: none here
            break
        out, at, changed = [], 0, False
        for match in pattern.finditer(reading):
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


def guard_citations(text: str, allowed: Iterable[Ref]) -> GuardResult:
    allowed = set(allowed)
    if any(isinstance(ref, str) for ref in allowed):
        return _guard_qualified(text, allowed)
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


def _keep(result: GuardResult, keep: list[Ref], ref: Ref | None, shown: Ref) -> None:
    target = result.dropped if ref is None else keep
    ref = shown if ref is None else ref
    if ref not in target:
        target.append(ref)


@lru_cache(maxsize=64)
def _qualified_patterns(labels: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """The guard's pattern when sessions share boards: qualified references first (a group
    may mix them with plain ones), then every plain form; and the pattern of one item."""
    # The store's own labels ("PS3", or a session named without a number), then the forms of
    # any session; a label ends where a word would (no "S3x").
    literal = "|".join(re.escape(label) for label in labels)
    qualifier = (rf"(?<!\w)(?:(?i:{literal})(?!\w)|{_QUALIFIER})" if literal
                 else rf"(?<!\w){_QUALIFIER}")
    # A "#" or a "board" between session and number: "Session 3, 12 posters" is no reference.
    qualified = rf"{qualifier}\s*[,:]?\s*(?:{_LABEL}\s*(?:\#\s*)?|\#\s*){_DIGITS}"
    item = rf"(?:{qualified}|{_NUMBER})"
    group = rf"{item}(?:\s*(?:[,;]|and)\s*{item})*"
    pattern = re.compile(
        rf"(?P<space>[ \t]?)(?:(?:(?P<qlead>{_LABEL})\s*)?\[\s*(?P<qbracket>{group})\s*\]"
        rf"|\(\s*(?P<qparen>{qualified}(?:\s*[,;]\s*{item})*)\s*\)"
        rf"|(?P<qfree>{qualified})|{_CITATION_ALTERNATIVES})")
    one = re.compile(rf"(?:(?P<qualifier>{qualifier})\s*[,:]?\s*(?:{_LABEL}\s*(?:\#\s*)?|"
                     rf"\#\s*)|\#\s*)?(?P<number>{_DIGITS})")
    return pattern, one


def _label_candidates(qualifier: str) -> set[str]:
    """What a written session may stand for: "Poster Session 3" -> the text, "S3", "PS3"."""
    text = " ".join(qualifier.split())
    return {c.casefold() for c in (text, text.replace(" ", ""), _short_label(text),
                                   _initials_label(text)) if c}


def _guard_qualified(text: str, allowed: set[Ref]) -> GuardResult:
    """The guard for a store whose sessions reuse boards (see the module's docstring)."""
    result = GuardResult(text="")
    on_board: dict[int, list[str]] = {}
    for ref in allowed:
        if isinstance(ref, str) and _STR_REF.fullmatch(ref):
            on_board.setdefault(ref_board(ref), []).append(ref)
    labels = tuple(sorted({ref_label(r) for refs in on_board.values() for r in refs},
                          key=lambda label: (-len(label), label)))
    pattern, one = _qualified_patterns(labels)

    def resolve(qualifier: str | None, board: int) -> Ref | None:
        given = on_board.get(board, [])
        if qualifier:
            wanted = _label_candidates(qualifier)
            named = [r for r in given if ref_label(r).casefold() in wanted]
            if named:
                return named[0]
        # A plain number, or a session with a board no other session has: the one given.
        if board in allowed:
            return board
        return given[0] if not qualifier and len(given) == 1 else None

    def replace(match: re.Match) -> str:
        written = next((match.group(g) for g in ("qbracket", "qparen", "qfree")
                        if match.group(g)), None)
        if written is None:  # a plain form: every number in it is unqualified
            items = [(None, n) for n in re.findall(r"[0-9]+", match.group(_form(match)))]
        else:
            items = [(m.group("qualifier"), re.match(r"[0-9]+", m.group("number")).group())
                     for m in one.finditer(written)]
        keep: list[Ref] = []
        for qualifier, number in items:
            if len(number) > _MAX_DIGITS:
                continue
            board = int(number)
            shown = make_ref(board, " ".join(qualifier.split()) if qualifier else "")
            _keep(result, keep, resolve(qualifier, board), shown)
        for ref in keep:
            if ref not in result.citations:
                result.citations.append(ref)
        if not keep:
            return ""
        return match.group("space") + "".join(cite(r) for r in keep)

    result.text = _rewrite(terminal_safe(text), replace, pattern)
    return result


def named_refs(text: str, known: Iterable[Ref]) -> list[Ref]:
    """The posters of `known` a text names with their session ("what is at S3 #812?",
    "Poster Session 3, board 812"), in order; [] when `known` has no qualified ref (a store of
    one session, or no reused board)."""
    qualified: dict[int, list[str]] = {}
    for ref in known:
        if isinstance(ref, str) and _STR_REF.fullmatch(ref):
            qualified.setdefault(ref_board(ref), []).append(ref)
    if not qualified:
        return []
    labels = tuple(sorted({ref_label(r) for refs in qualified.values() for r in refs},
                          key=lambda label: (-len(label), label)))
    found: list[Ref] = []
    for match in _qualified_patterns(labels)[1].finditer(_reading(text)[0]):
        if match.group("qualifier"):
            wanted = _label_candidates(match.group("qualifier"))
            board = int(re.match(r"[0-9]+", match.group("number")).group())
            found += [r for r in qualified.get(board, [])
                      if ref_label(r).casefold() in wanted and r not in found]
    return found


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

    def __init__(self, hold: re.Pattern = _HOLD_TAIL) -> None:
        self.hold = hold
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
            held = self.hold.search("".join(self.reading[start:end]))
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

    def __init__(self, allowed: Iterable[Ref]) -> None:
        self.allowed = set(allowed)
        self.shown = ""
        self.tail = ""
        self._pieces: list[str] = []
        self._pending = ""  # raw text after the last cut, not shown yet
        # A session before a board ("S3 #812") is held too when sessions share boards.
        self._hold = (_HOLD_QUALIFIED if any(isinstance(r, str) for r in self.allowed)
                      else _HOLD_TAIL)
        self._cuts = _Cuts(self._hold)  # over `_pending`

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
        self._cuts = _Cuts(self._hold)  # the rest is short: from the last cut on
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
