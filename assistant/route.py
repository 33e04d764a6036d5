"""Questions that metadata answers exactly: a board, an author, a kind, an award.

`route` is pure: given the question and the poster cards, it returns the exact set of boards
(or a reason there is none), or None when the question is for retrieval.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_BOARD = re.compile(r"(?:#\s*|\b(?:board|poster|number|no\.?)\s*#?\s*)(\d{1,5})\b", re.IGNORECASE)
_KIND_WORDS = {
    "oral": re.compile(r"\borals?\b", re.IGNORECASE),
    "spotlight": re.compile(r"\bspotlights?\b", re.IGNORECASE),
}
_AWARD = re.compile(r"\b(awards?|awarded|prizes?|outstanding|best paper|honou?rable mention|"
                    r"runner[- ]up)\b", re.IGNORECASE)
_AUTHOR_CUE = re.compile(r"\b(by|author(?:s|ed)?|present(?:s|ing|ed)?|wrote|written|work of|"
                         r"papers? of|posters? of|from)\b|'s\b", re.IGNORECASE)
# Words that only frame a listing request; anything else in the question is a topic.
_LIST_WORDS = set("""which what who are is the a an all list show me give of in this session
posters poster papers paper there any were was were kind kinds type types how many please
presented presenting selected here at did do does get got have has with about on for
to and or that can find see i we you presentations presentation boards board number
numbers""".split())
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ı": "i",
                       "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower-case, accent-free text: "Łukasz Kaiser" -> "lukasz kaiser"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass
class Route:
    """An exact answer from metadata."""

    kind: str  # "board" | "author" | "kind" | "award" | "missing-board"
    boards: list[int]
    label: str  # what was matched, for the answer's first line
    topic: str = ""  # for kind filters with a topic: the rest of the question
    notes: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def match_board(question: str, boards: set[int]) -> Route | None:
    numbers = [int(n) for n in _BOARD.findall(question)]
    if not numbers:
        return None
    found = [n for n in numbers if n in boards]
    if found:
        return Route("board", sorted(set(found), key=found.index), "board " + ", ".join(
            f"#{n}" for n in found))
    return Route("missing-board", [], ", ".join(f"#{n}" for n in numbers))


@dataclass
class CardIndex:
    """The cards, with their boards and author names looked up once rather than per question
    (a whole conference has half a million author names)."""

    cards: list[dict]
    boards: set[int]
    by_name: dict[str, list[int]]  # folded full name -> boards
    display: dict[str, str]  # folded full name -> name as printed
    by_surname: dict[str, list[str]]  # folded surname -> folded full names


def index_cards(cards: Iterable[dict]) -> CardIndex:
    cards = list(cards)
    by_name: dict[str, list[int]] = {}
    display: dict[str, str] = {}
    for card in cards:
        for name in card["authors"].split(" · "):
            key = " ".join(_words(name))
            by_name.setdefault(key, []).append(card["board"])
            display[key] = name
    by_surname: dict[str, list[str]] = {}
    for key in by_name:
        by_surname.setdefault(key.split()[-1] if key else "", []).append(key)
    return CardIndex(cards, {c["board"] for c in cards}, by_name, display, by_surname)


_LONGEST_NAME = 6  # words; full names are looked up among the question's runs of words


def match_author(question: str, cards: Iterable[dict] | CardIndex) -> Route | None:
    """Full names anywhere in the question; a lone surname only after an author cue."""
    index = cards if isinstance(cards, CardIndex) else index_cards(cards)
    words = _words(question)
    runs = {" ".join(words[i:j]) for i in range(len(words))
            for j in range(i + 1, min(len(words), i + _LONGEST_NAME) + 1)}
    full = [key for key in runs if key in index.by_name]
    if not full and _AUTHOR_CUE.search(question):
        full = [index.by_surname[w][0] for w in set(words)
                if len(w) > 3 and len(index.by_surname.get(w, [])) == 1]
    if not full:
        return None
    # A longer name inside the question wins over a shorter one it contains.
    full = [k for k in full if not any(k != other and f" {k} " in f" {other} " for other in full)]
    full.sort(key=list(index.by_name).index if len(full) > 1 else None)
    boards = sorted({b for key in full for b in index.by_name[key]})
    return Route("author", boards, " and ".join(index.display[k] for k in full))


def match_kind_or_award(question: str, cards: list[dict]) -> Route | None:
    rest = [w for w in _words(question) if w not in _LIST_WORDS]
    if _AWARD.search(question):
        return Route("award", sorted(c["board"] for c in cards if c["award"]), "award")
    for kind, pattern in _KIND_WORDS.items():
        if pattern.search(question):
            kind_words = {kind, kind + "s"}
            topic = [w for w in rest if w not in kind_words]
            boards = sorted(c["board"] for c in cards if c["kind"] == kind)
            return Route("kind", boards, kind, topic=" ".join(topic))
    return None


def route(question: str, cards: list[dict] | CardIndex) -> Route | None:
    """The exact metadata answer to a question, or None when retrieval should answer it."""
    index = cards if isinstance(cards, CardIndex) else index_cards(cards)
    return (match_board(question, index.boards)
            or match_author(question, index)
            or match_kind_or_award(question, index.cards))
