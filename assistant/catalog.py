"""The session's catalog for understanding questions: poster cards with their boards and
author names looked up once, and accent-free folding of names and words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from assistant.citations import Ref, session_labels
from assistant.poster import Poster
from assistant.text import folded_words


@dataclass
class CardIndex:
    """The cards, with their boards and author names looked up once rather than per question
    (a whole conference has half a million author names)."""

    cards: list[Poster]
    boards: set[Ref]  # every board, and every poster's citation ref (the same in one session)
    by_name: dict[str, list[Ref]]  # folded full name -> the refs of the author's posters
    display: dict[str, str]  # folded full name -> name as printed
    by_surname: dict[str, list[str]]  # folded surname -> folded full names


def index_cards(cards: Iterable[Poster]) -> CardIndex:
    cards = list(cards)
    by_name: dict[str, list[Ref]] = {}
    display: dict[str, str] = {}
    for card in cards:
        for name in card.authors or ("",):  # no authors: one empty name, as before
            key = " ".join(folded_words(name))
            by_name.setdefault(key, []).append(card.ref)
            display[key] = name
    by_surname: dict[str, list[str]] = {}
    for key in by_name:
        by_surname.setdefault(key.split()[-1] if key else "", []).append(key)
    return CardIndex(cards, {c.board for c in cards} | {c.ref for c in cards}, by_name,
                     display, by_surname)


def with_refs(posters: list[Poster]) -> list[Poster]:
    """The posters of a store, each told how the store cites it (`Poster.ref`, see
    `assistant.citations`): by its board, unless another session of the store has that
    board too, then "S3 #812"; and given its `session_label`, its session's short label when
    the store holds several sessions, else "". A store of one session: every ref is the
    board, every label ""."""
    sessions = {poster.session for poster in posters}
    labels = session_labels(sessions) if len(sessions) > 1 else {}
    shared = Counter(poster.board for poster in posters)
    return [_cited(poster, labels.get(poster.session, ""), shared[poster.board] > 1)
            for poster in posters]


def _cited(poster: Poster, label: str, shared: bool) -> Poster:
    if (poster.session_label, poster.board_shared) == (label, shared):
        return poster  # a one-session store: no copy of each poster at open
    return replace(poster, session_label=label, board_shared=shared)
