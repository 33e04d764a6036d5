"""The session's catalog for understanding questions: poster cards with their boards and
author names looked up once, and accent-free folding of names and words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ı": "i",
                       "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower-case, accent-free text: "Łukasz Kaiser" -> "lukasz kaiser"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def folded_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


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
            key = " ".join(folded_words(name))
            by_name.setdefault(key, []).append(card["board"])
            display[key] = name
    by_surname: dict[str, list[str]] = {}
    for key in by_name:
        by_surname.setdefault(key.split()[-1] if key else "", []).append(key)
    return CardIndex(cards, {c["board"] for c in cards}, by_name, display, by_surname)
