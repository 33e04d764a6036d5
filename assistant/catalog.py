"""The session's catalog for understanding questions: poster cards with their boards and
author names looked up once, and accent-free folding of names and words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.citations import Ref, make_ref, session_labels
from assistant.text import folded_words


@dataclass
class CardIndex:
    """The cards, with their boards and author names looked up once rather than per question
    (a whole conference has half a million author names)."""

    cards: list[dict]
    boards: set[Ref]  # every board, and every poster's citation ref (the same in one session)
    by_name: dict[str, list[Ref]]  # folded full name -> the refs of the author's posters
    display: dict[str, str]  # folded full name -> name as printed
    by_surname: dict[str, list[str]]  # folded surname -> folded full names


def index_cards(cards: Iterable[dict]) -> CardIndex:
    cards = list(cards)
    by_name: dict[str, list[Ref]] = {}
    display: dict[str, str] = {}
    for card in cards:
        for name in card["authors"].split(" · "):
            key = " ".join(folded_words(name))
            by_name.setdefault(key, []).append(card_ref(card))
            display[key] = name
    by_surname: dict[str, list[str]] = {}
    for key in by_name:
        by_surname.setdefault(key.split()[-1] if key else "", []).append(key)
    return CardIndex(cards, {c["board"] for c in cards} | {card_ref(c) for c in cards}, by_name,
                     display, by_surname)


def with_refs(cards: list[dict]) -> list[dict]:
    """The cards of a store, each given its citation `ref` (see `assistant.citations`): its
    board, unless another session of the store has that board too, then "S3 #812"; and
    `session_label`, its session's short label when the store holds several sessions, else
    "". A store of one session: every ref is the board, every label "". In place."""
    sessions = {card["session"] for card in cards}
    labels = session_labels(sessions) if len(sessions) > 1 else {}
    shared = Counter(card["board"] for card in cards)
    for card in cards:
        label = labels.get(card["session"], "")
        card["ref"] = make_ref(card["board"], label if shared[card["board"]] > 1 else "")
        card["session_label"] = label
    return cards


def card_ref(card: dict) -> Ref:
    """A card's citation ref; a card made without `with_refs` (a test's) is cited by board."""
    return card.get("ref", card["board"])
