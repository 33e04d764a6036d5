"""Text from data or a model, made safe to print on a terminal.

Abstracts, titles and model answers are untrusted: an escape sequence in them could write the
clipboard (OSC 52), plant a hyperlink (OSC 8), set the window title, clear the screen or move
the cursor. `terminal_safe` keeps what a terminal would show as text (newlines and tabs
included) and drops every control sequence whole, payload and all.

`Scanner` reads text as a terminal does, causally (each character's fate depends only on what
came before), so the citation guard can read a streamed answer exactly as it will be shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

ESC, BEL, CAN, SUB = "\x1b", "\x07", "\x18", "\x1a"
_CSI_C1 = "\x9b"
_STRING_C1 = "\x90\x98\x9d\x9e\x9f"  # DCS, SOS, OSC, PM, APC: each carries a payload
_ST_C1 = "\x9c"  # string terminator
_STRING_ESC = "]PX^_"  # ESC ] (OSC), ESC P (DCS), ESC X (SOS), ESC ^ (PM), ESC _ (APC)
# Bidirectional overrides and isolates reorder what is shown ("Trojan Source"); never needed
# to display a title or an abstract, as the letters of each script carry their direction.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEPT_CONTROLS = "\n\t"
# Any character `visible` drops or that starts a sequence: text without one is shown whole.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in _BIDI_CONTROLS


class Scanner:
    """Reads text as a terminal does, piece by piece: the state carries over between pieces."""

    def __init__(self) -> None:
        self.state = "text"

    def visible(self, text: str, offset: int = 0) -> Iterator[tuple[int, str]]:
        """(position, character) of each character of `text` a terminal shows as text.

        ECMA-48, as terminals parse it: ESC or a C1 introducer starts a sequence that runs to
        its final byte (CSI: `ESC [ params final`) or, for strings (OSC, DCS, ...), to BEL or
        ST. A string also ends at a newline, CAN or SUB, so an unterminated one hides at most
        one line. Other control characters (C0 but newline and tab, DEL, C1, carriage return)
        are dropped. Consume the iterator before feeding the next piece.
        """
        for at, char in enumerate(text, offset):
            if self.state != "text" and self._in_sequence(char):
                continue
            # plain text (also a character that broke off a malformed sequence: shown as text)
            if char == ESC:
                self.state = "esc"
            elif char == _CSI_C1:
                self.state = "csi"
            elif char in _STRING_C1:
                self.state = "string"
            elif char in _KEPT_CONTROLS or not _is_control(char):
                yield at, char

    def _in_sequence(self, char: str) -> bool:
        """Whether `char` belongs to the sequence being read (and is hidden); updates the state.
        False: the sequence ended before `char`, which is read as text."""
        code, state = ord(char), self.state
        if state == "esc":
            if char == "[" or char in _STRING_ESC:
                self.state = "csi" if char == "[" else "string"
                return True
            if 0x20 <= code <= 0x2F:  # intermediate bytes: the sequence goes on
                return True
            self.state = "text"
            return 0x30 <= code <= 0x7E  # a final byte ends the sequence
        if state == "csi":
            if 0x20 <= code <= 0x3F:  # parameters and intermediates
                return True
            self.state = "text"
            return 0x40 <= code <= 0x7E
        # a string (OSC, DCS, ...): its payload is hidden up to the terminator
        if char in (BEL, _ST_C1, CAN, SUB) or (state == "string-esc" and char == "\\"):
            self.state = "text"
            return True
        if char == "\n":
            self.state = "text"
            return False
        self.state = "string-esc" if char == ESC else "string"
        return True


def terminal_safe(text: str, scanner: Scanner | None = None) -> str:
    """`text` as plain characters: every control sequence and control character removed,
    newlines and tabs kept (a carriage return is dropped, so `\\r\\n` prints as `\\n`).

    Pass the same `scanner` for the pieces of a stream: a sequence split between two pieces
    is then removed whole."""
    scanner = scanner or Scanner()
    if scanner.state == "text" and not CONTROLS.search(text):  # the common case, at C speed
        return text
    return "".join(char for _, char in scanner.visible(text))


# --- TeX in titles and abstracts, shown as the text it stands for ---
# About a third of the abstracts carry TeX (`$\mathcal{O}(\epsilon^{-2})$`, `\textbf{...}`,
# `30\%`): shown as typed, dollar signs and backslashes bury the words. `readable_tex` writes
# it as plain Unicode text (O(ε⁻²)), for any display: no renderer and no markup, so what it
# gives is as safe to show as what it was given. Outside `$...$` only TeX's own commands and
# escapes are read; any other backslash or brace is left as typed.

_GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma "
    "Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
    "αβγδεεζηθϑικλμνξπϖρϱσςτυφφχψωΓΔΘΛΞΠΣΥΦΨΩ", strict=True))
_SYMBOLS = {
    **_GREEK, "times": "×", "cdot": "·", "cdots": "⋯", "ldots": "…", "dots": "…", "le": "≤",
    "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "~",
    "simeq": "≃", "equiv": "≡", "propto": "∝", "pm": "±", "mp": "∓", "infty": "∞", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "mapsto": "↦",
    "leftrightarrow": "↔", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "partial": "∂",
    "nabla": "∇", "ell": "ℓ", "sum": "Σ", "prod": "Π", "int": "∫", "circ": "∘", "top": "⊤",
    "perp": "⊥", "Vert": "‖", "vert": "|", "mid": "|", "langle": "⟨", "rangle": "⟩",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "star": "⋆", "ast": "*",
    "emptyset": "∅", "varnothing": "∅", "setminus": "∖", "wedge": "∧", "vee": "∨", "neg": "¬",
    "dagger": "†", "prime": "′", "quad": " ", "qquad": " ", "lvert": "|", "rvert": "|",
    "lVert": "‖", "rVert": "‖", "gg": "≫", "ll": "≪", "cdotp": "·", "colon": ":",
    **{name: name for name in "log ln exp min max arg argmin argmax sup inf lim det tr sin "
       "cos tan Pr dim ker deg gcd".split()},
}
# Commands that only style their argument: the argument is the text.
_STYLES = frozenset(
    "text textrm textit textbf texttt textsf textsc textup textnormal emph mathrm mathbf "
    "mathit mathsf mathtt mathcal mathscr mathfrak boldsymbol bm operatorname underline "
    "mbox hbox ensuremath".split())
# Declarations (`{\em interpretable}`) and sizing (`\left(`): nothing to show.
_SILENT = frozenset(
    "em it bf rm sc sl tt sf normalfont small large Large footnotesize displaystyle "
    "textstyle limits nolimits left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr "
    "middle".split())
_DROPPED = frozenset("cite citep citet ref eqref label footnote".split())  # with their argument
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
            "bar": "\u0304", "overline": "\u0304", "vec": "\u20d7", "dot": "\u0307"}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_ESCAPED = {"%": "%", "&": "&", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", ",": " ",
            ";": " ", ":": " ", "!": "", " ": " ", "|": "‖"}
_SUPER = dict(zip("0123456789+-−=()niTHabcdekmptx*′⊤∘'", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵀᴴᵃᵇᶜᵈᵉᵏᵐᵖᵗˣ*′ᵀ°′",
                  strict=True))
_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ",
                strict=True))
# Math: `$...$` holding a command, a script or a brace (`2048$\times$2048`, `$ \mathbb{R}^d$`);
# else as Pandoc reads it: `$` then a non-space, up to a `$` after a non-space that no digit
# follows (`$n=512$`, but "costs $5 and $10" is no math). `$$...$$`, `\(...\)`, `\[...\]` too.
_MATH = re.compile(r"\$\$(?P<display>[^$]{1,400}?)\$\$"
                   r"|(?<![\\$])\$(?P<tex>(?:[^$\\\n]|\\.){0,300}?(?:\\.|[\^_{])(?:[^$\\\n]|\\.){0,300}?)\$"
                   r"|(?<![\\$])\$(?=[^\s$])(?P<inline>[^$\\\n]{1,300}?)(?<=\S)\$(?!\d)"
                   r"|\\\((?P<paren>.{1,300}?)\\\)|\\\[(?P<bracket>.{1,400}?)\\\]")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s?|\\\\(?P<twice>[%&$#_{}])|\\(.)", re.S)
_DECLARED = re.compile(r"\{\\(?:em|it|bf|sc|sl|tt|rm|sf)\b")  # `{\em interpretable}`
_TEXT_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[%&$#_{}\\ ])")


# TeX's typography in running text: ``quoted'' is “quoted”, `---` an em dash, `--` an en
# dash (2--10x, Backus--Naur, `a -- b`), `~` a tie (Adapters~(LoRA)). Only between words: a
# Markdown rule or table (`---`, `|---|`), a flag (`run --fast`) or `~15%` stays as typed.
_QUOTES = re.compile(r"``(?=\S)([^`\n]{1,300}?)(?:''|”)")
_DASHES = re.compile(r"(?<=[\w)])(?:---|--(?=[\w(])| ?--- ?| -- |-- )(?=[\w(])")
_TIE = re.compile(r"(?<=[\w.,])~(?=[\w(\[])")
# Where `readable_tex` may change text: without one of these, text is returned as it is.
_TEX_HINT = re.compile(r"[$\\]|--|``|\w~")


def _typography(text: str) -> str:
    text = _DASHES.sub(lambda m: "—" if "---" in m.group() else (
        " – " if " " in m.group() else "–"), text)
    return _TIE.sub(" ", text)


def readable_tex(text: str) -> str:
    """`text` with its TeX written as plain text: math as Unicode (`$O(n^2)$` -> O(n²),
    `$\\epsilon$` -> ε), styling commands as their words (`\\textbf{x}` -> x), escapes as the
    character (`\\%` -> %), TeX's quotes and dashes as the marks they stand for. Text without
    any of them is returned as it is."""
    if not _TEX_HINT.search(text):
        return text
    text = _QUOTES.sub(r"“\1”", text)
    parts, start = [], 0
    for match in _MATH.finditer(text):
        parts.append(_typography(_Tex(text[start:match.start()], math=False).read()))
        parts.append(_Tex(next(g for g in match.groups() if g is not None), math=True).read())
        start = match.end()
    parts.append(_typography(_Tex(text[start:], math=False).read()))
    return "".join(parts)


class _Tex:
    """A reader of one run of TeX, math or text: commands, groups and (in math) scripts."""

    def __init__(self, source: str, math: bool) -> None:
        self.source, self.math, self.at = source, math, 0

    def read(self, until: str = "") -> str:
        out = []
        while self.at < len(self.source):
            char = self.source[self.at]
            if char == until:
                self.at += 1
                break
            if char == "\\":
                out.append(self._command())
            elif char == "{" and (self.math or _DECLARED.match(self.source, self.at)):
                self.at += 1
                out.append(self.read("}"))
            elif char in "^_" and self.math:
                self.at += 1
                out.append(_script(self._argument(), _SUPER if char == "^" else _SUB, char))
            elif char == "$" and self.math:  # a stray delimiter inside math (`$\textit{$`)
                self.at += 1
            elif char == "~" and self.math:
                self.at += 1
                out.append(" ")
            else:
                self.at += 1
                out.append(char)
        return "".join(out)

    def _argument(self) -> str:
        """The next argument: a {group}, a command or one character."""
        while self.at < len(self.source) and self.source[self.at] == " ":
            self.at += 1
        if self.at >= len(self.source):
            return ""
        char = self.source[self.at]
        if char == "{":
            self.at += 1
            return self.read("}")
        if char == "\\":
            return self._command()
        self.at += 1
        return char

    def _command(self) -> str:
        match = _COMMAND.match(self.source, self.at)
        if not self.math and not _TEXT_COMMAND.match(self.source, self.at):
            self.at += 1
            return "\\"
        if match is None:  # a lone backslash at the end
            self.at += 1
            return "\\"
        self.at = match.end()
        name, other = match.group(1), match.group(3)
        if name is None:  # `\%`, `\,`; `\\%` (an escape written twice) as `\%`
            if other is None:
                return match.group("twice")
            return _ESCAPED.get(other, " " if other == "\\" else other)
        if not self.math and not (name in _STYLES or name in _SILENT or name in _DROPPED
                                  or name in ("url", "href", "eg", "ie")):
            self.at -= len(match.group(0)) - 1  # not TeX we know: the text as typed
            return "\\"
        return self._named(name, match.group(0).endswith((" ", "\n", "\t")))

    def _named(self, name: str, spaced: bool) -> str:
        # A space after a command ends its name; kept, it parts the words as TeX would show.
        space = " " if spaced else ""
        if name in _STYLES or name == "url":
            return self._argument()
        if name == "href":
            self._argument()
            return self._argument()
        if name == "mathbb":
            word = self._argument()
            return "".join(_BLACKBOARD.get(c, c) for c in word)
        if name == "frac":
            top, bottom = self._argument(), self._argument()
            return f"{_atom(top)}/{_atom(bottom)}"
        if name == "sqrt":
            if self.source.startswith("[", self.at):  # `\sqrt[3]{x}`
                end = self.source.find("]", self.at)
                self.at = end + 1 if end > 0 else len(self.source)
            return "√" + _atom(self._argument())  # √2, √(SKT)
        if name in _ACCENTS:
            return self._argument() + _ACCENTS[name]
        if name in _DROPPED:
            self._argument()
            return ""
        if name in _SILENT:
            return space if name in ("left", "right") else ""
        if name in ("eg", "ie"):
            return ("e.g." if name == "eg" else "i.e.") + space
        return _SYMBOLS.get(name, name) + space


def _atom(text: str) -> str:
    """`text` as one factor: in parentheses unless it is one symbol or one number."""
    return text if re.fullmatch(r"√?[\w.′]+|\S|√\(.*\)", text) else f"({text})"


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """A superscript or subscript in Unicode's small forms when each character has one,
    else written `^(...)`/`_x`."""
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + _atom(text)


class TexStream:
    """`readable_tex` for text that arrives in pieces (a streamed answer): what `feed` and
    `flush` return, joined, is `readable_tex` of each line of the whole text.

    A line is held back from its first `$`, backslash, brace or backtick (the characters TeX
    starts with), from just before a `--` or a tie, and by its last two characters: the words
    before are shown at once, and TeX split between two pieces (`$\\mathcal{O}(` then
    `\\epsilon^{-2})$`) is read whole once its line ends."""

    # TeX's start, or a dash, quote or tie whose reading depends on what comes next; a match
    # begins two characters before a dash or a tie at most (`a -- b`)
    HOLD = re.compile(r"[$\\{`]|.{0,2}(?:--|-$|~)", re.S)
    LIMIT = 2_000  # a line held longer than any TeX span `readable_tex` reads is let go

    def __init__(self) -> None:
        self.held = ""

    def feed(self, piece: str) -> str:
        text = self.held + piece
        end = text.rfind("\n") + 1  # the lines that are complete
        done, tail = text[:end], text[end:]
        if len(tail) > self.LIMIT:
            self.held = ""
            return readable_tex(done) + readable_tex(tail)
        found = self.HOLD.search(tail)
        # the last two characters too: the left side of a dash or a tie that may come next
        start = min(found.start() if found else len(tail), max(0, len(tail) - 2))
        self.held = tail[start:]
        return readable_tex(done) + tail[:start]

    def flush(self) -> str:
        text, self.held = self.held, ""
        return readable_tex(text)
