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
