"""The assistant without its UI: plain JSON operations shared by the app's typed API, the MCP
server and the Python API, and `register`, which adds them to the app as typed endpoints.

Every operation returns what `posters ask --json` (or `summarize --json`) would print, so a
script, an MCP client and the eval harness all read the same object. Citations in an answer
are always among its `sources` (the citation guard in `assistant.citations` checks each turn).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict  # pydantic (MCP schemas) needs it below Python 3.12

from assistant.citations import ref_text
from assistant.followup import Turn
from assistant.retrieve import ANY_POSTER, PosterFilter

if TYPE_CHECKING:
    from assistant.ask import Assistant
    from assistant.poster import Poster

KINDS = ("poster", "spotlight", "oral")
MAX_SIMILAR = 6  # Assistant.similar shows at most six


class Source(TypedDict):
    board: int
    kind: str
    title: str
    score: float


class AnswerJSON(TypedDict):
    """What `posters ask --json` prints (see `Answer.to_json`)."""

    question: str
    answer: str
    # Boards; in a store whose sessions reuse a board, that board's posters are cited as
    # "S3 #812" strings (assistant.citations), and their sources carry "session" and "ref".
    citations: list[int]
    sources: list[Source]
    abstained: bool
    backend: str
    notice: str
    dropped_citations: list[int]
    related: list[int]
    results: list[int]
    plan: dict[str, Any] | None
    decided_by: str  # the evidence that decided to answer or abstain


class PosterHead(TypedDict):
    """What names a poster: its board, session, kind, award, title and authors."""

    board: int
    session: str
    kind: str
    award: str
    title: str
    authors: str


class PosterCard(PosterHead):
    abstract: str


class NearPoster(PosterHead):
    score: float


class SearchHit(NearPoster):
    bm25: float


class SearchJSON(TypedDict):
    query: str
    abstained: bool
    posters: list[SearchHit]  # relevant enough to cite, best first
    related: list[SearchHit]  # when abstained: the closest, not an answer


class Theme(TypedDict):
    label: str  # a phrase its posters share
    terms: list[str]
    boards: list[int]  # shown (at most `max_posters` over the whole summary)
    summary: str
    count: int  # posters of this sub-theme, all counted
    area_boards: list[int]  # all of them


class SummaryJSON(TypedDict):
    """What `posters summarize --json` prints (see `Summary.to_json`)."""

    area: str
    themes: list[Theme]
    boards: list[int]  # the posters shown
    count: int  # every poster of the area, counted
    area_boards: list[int]  # all of them
    header: str
    overview: str
    backend: str


class RequestError(ValueError):
    """A request that cannot be answered as it is; the message names the input and the fix."""


def poster_filter(kinds: Sequence[str] | None = None, board_min: int | None = None,
                  board_max: int | None = None, session: str | None = None) -> PosterFilter:
    """The filter a caller asked for; empty or missing values mean no constraint."""
    wanted = [k.strip().lower() for k in kinds or [] if k and k.strip()]
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        raise RequestError(f"kinds {unknown}: unknown poster kind; pass any of "
                           + ", ".join(KINDS))
    if board_min is not None and board_max is not None and board_min > board_max:
        raise RequestError(f"board_min {board_min} is above board_max {board_max}; swap them")
    return PosterFilter(
        kinds=frozenset(wanted) if wanted and set(wanted) != set(KINDS) else None,
        board_min=board_min, board_max=board_max, session=session or None)


def previous_turn(history: Sequence[dict] | None) -> Turn | None:
    """The last of the earlier answers (`ask` outputs, oldest first), as follow-ups read it."""
    if not history:
        return None
    if not isinstance(history, list | tuple):
        raise RequestError("history: expected a list of earlier `ask` answers, oldest first")
    try:
        return Turn.from_json(history[-1])
    except ValueError as err:
        raise RequestError(f"history[{len(history) - 1}]: {err}; pass the earlier answers "
                           "as `ask` returned them") from err


def _check_session(assistant: Assistant, where: PosterFilter) -> None:
    if where.session is not None and where.session not in assistant.sessions:
        raise RequestError(f"session {where.session!r} is not in the store; it holds: "
                           + ", ".join(repr(s) for s in assistant.sessions))


def ask_json(assistant: Assistant, question: str, history: Sequence[dict] | None = None,
             where: PosterFilter = ANY_POSTER, k: int | None = None) -> AnswerJSON:
    """The answer as `posters ask --json` prints it; `history` continues a conversation."""
    from assistant.ask import QuestionError

    _check_session(assistant, where)
    previous = previous_turn(history)
    try:
        answer = assistant.ask(question, k=k, where=where, previous=previous)
    except QuestionError as err:
        raise RequestError(f"question: {err}") from err
    return typing.cast(AnswerJSON, answer.to_json())


def card_of(assistant: Assistant, board: int | str, session: str | None = None) -> Poster:
    """The poster on a board: `board` an int, or a ref "S3 #812" (assistant.citations); a
    board several sessions reuse needs `session` (or the ref)."""
    by_board = assistant.index.by_board
    card = by_board.get(board if isinstance(board, str) else int(board))
    if card is not None and (session is None or card.session == session):
        return card
    cards = [c for c in by_board.values() if str(c.board) == str(board).lstrip("#")
             and session in (None, c.session)]
    if len(cards) == 1:
        return cards[0]
    if cards:
        raise RequestError(f"board {board} is in several sessions ("
                           + ", ".join(f"{c.session!r}: {ref_text(c.ref)}"
                                       for c in cards)
                           + "); name the session")
    boards = sorted(c.board for c in by_board.values())
    raise RequestError(f"board {board}: no such poster; boards run from {boards[0]} to "
                       f"{boards[-1]}")


def poster_json(assistant: Assistant, board: int | str,
                session: str | None = None) -> PosterCard:
    """One poster's card: board, session, kind, award, title, authors, abstract."""
    card = card_of(assistant, board, session)
    return typing.cast(PosterCard, card.as_json())


def similar_json(assistant: Assistant, board: int | str, k: int = 6,
                 where: PosterFilter = ANY_POSTER, session: str | None = None
                 ) -> list[NearPoster]:
    """The posters nearest to one poster by its stored vector (itself left out), best first,
    each with its cosine similarity as `score`."""
    card = card_of(assistant, board, session)
    k = max(1, min(int(k), MAX_SIMILAR))
    return [_brief(near, score) for near, score in assistant.similar(card, where, k)]


def _brief(card: Poster, score: float) -> NearPoster:
    head = card.as_json()
    del head["abstract"]
    return typing.cast(NearPoster, {**head, "score": round(float(score), 4)})


def search_json(assistant: Assistant, query: str, k: int = 10,
                where: PosterFilter = ANY_POSTER) -> SearchJSON:
    """The posters relevant to a query (hybrid ranking, the same relevance bar as answers),
    or `abstained` with the closest ones as `related` when none is relevant enough."""
    from assistant.ask import QuestionError, clean_question

    _check_session(assistant, where)
    try:
        query = clean_question(query)
    except QuestionError as err:
        raise RequestError(f"query: {err}") from err
    candidates, kept, abstains, _why = assistant.relevant(query, where, "hybrid")
    shown = candidates[:3] if abstains else kept[:max(1, min(int(k), 50))]
    posters = [SearchHit(**_brief(assistant.index.cards[c.key], c.cosine),
                         bm25=round(c.bm25, 4)) for c in shown]
    return SearchJSON(query=query, abstained=abstains, posters=[] if abstains else posters,
                      related=posters if abstains else [])


def summarize_json(assistant: Assistant, area: str, max_posters: int = 30,
                   where: PosterFilter = ANY_POSTER) -> SummaryJSON:
    """An area across the session in sub-themes, as `posters summarize --json` prints it."""
    from assistant.ask import QuestionError, clean_question
    from assistant.summarize import summarize

    _check_session(assistant, where)
    try:
        area = clean_question(area)
    except QuestionError as err:
        raise RequestError(f"area: {err}") from err
    return summarize(assistant, area, max_posters=max(2, min(int(max_posters), 100)),
                     where=where).to_json()  # type: ignore[return-value]


def session_json(assistant: Assistant) -> dict:
    """The session at a glance: its name(s), poster counts by kind and board range, themes."""
    cards = assistant.cards
    boards = sorted(c.board for c in cards)
    theme_map = assistant.index.theme_map
    themes = [{"label": t["label"], "boards": t["boards"]} for t in theme_map.themes] \
        if theme_map is not None else []
    return {"sessions": assistant.sessions, "posters": len(cards),
            "kinds": {kind: sum(c.kind == kind for c in cards) for kind in KINDS},
            "boards": [boards[0], boards[-1]] if boards else [], "themes": themes}


def register(assistant: Assistant) -> None:
    """Add the typed API (/ask, /similar, /summarize, /poster) to the app being built: call
    it inside its `gr.Blocks` context. Each endpoint's docstring is what `view_api()` shows."""
    import gradio as gr

    def checked(fn, *args, **kwargs) -> Any:
        try:
            return fn(*args, **kwargs)
        except RequestError as err:  # shown to the API client as the error message
            raise gr.Error(str(err)) from err

    def ask(question: str, history: list[dict] | None = None, kinds: list[str] | None = None,
            board_min: int | None = None, board_max: int | None = None,
            session: str | None = None) -> AnswerJSON:
        """Answer a question about the posters, citing boards like [#812].

        Args:
            question: the question, e.g. "Is anyone using diffusion for video editing?"
            history: earlier answers of /ask in this conversation, oldest first, as returned;
                the question is then a follow-up ("which of those use transformers?")
            kinds: only these poster kinds (any of poster, spotlight, oral); empty for all
            board_min: only boards from this number
            board_max: only boards up to this number
            session: only this session (a store can hold several); empty for all
        Returns:
            The answer as `posters ask --json` prints it: question, answer, citations,
            sources, related, results, abstained, plan, backend, notice. Every citation is
            among sources; when nothing answers, abstained is true and related lists the
            closest posters (not citations).
        """
        where = checked(poster_filter, kinds, board_min, board_max, session)
        return checked(ask_json, assistant, question, history, where)

    def similar(board: int, k: int = 6) -> list[NearPoster]:
        """The posters most like one poster (by its stored embedding), itself left out.

        Args:
            board: the poster's board number, e.g. 813
            k: how many at most (1-6)
        Returns:
            Posters best first: board, session, kind, award, title, authors, score (cosine).
        """
        return checked(similar_json, assistant, board, k)

    def summarize(area: str, max_posters: int = 30, kinds: list[str] | None = None,
                  board_min: int | None = None, board_max: int | None = None,
                  session: str | None = None) -> SummaryJSON:
        """Summarize a research area across the session, grouped into sub-themes.

        Args:
            area: the research area, e.g. "federated learning"
            max_posters: posters to include at most (2-100)
            kinds: only these poster kinds (any of poster, spotlight, oral); empty for all
            board_min: only boards from this number
            board_max: only boards up to this number
            session: only this session; empty for all
        Returns:
            As `posters summarize --json` prints it: area, themes (label, terms, boards,
            summary citing [#board]), boards, overview, backend. No boards when the session
            does not cover the area.
        """
        where = checked(poster_filter, kinds, board_min, board_max, session)
        return checked(summarize_json, assistant, area, max_posters, where)

    def poster(board: int) -> PosterCard:
        """One poster's card.

        Args:
            board: the poster's board number, e.g. 813
        Returns:
            board, session, kind (poster, spotlight or oral), award ("" if none), title,
            authors (joined by " · "), abstract.
        """
        return checked(poster_json, assistant, board)

    for fn in (ask, similar, summarize, poster):
        # Resolved types, not this module's postponed strings: view_api() shows their fields.
        fn.__annotations__ = typing.get_type_hints(fn)
        gr.api(fn, api_name=fn.__name__)


class Posters:
    """The assistant for scripts: each method returns the same JSON as the app's typed API.

    >>> from assistant import open_assistant
    >>> posters = open_assistant()                      # the default store (ingests once)
    >>> first = posters.ask("Is anyone using diffusion models to design drug molecules?")
    >>> posters.ask("which of those are spotlights?", history=[first])["citations"]
    [105]
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant  # the engine itself, for what this class does not cover

    def ask(self, question: str, history: Sequence[dict] | None = None, *,
            kinds: Sequence[str] | None = None, board_min: int | None = None,
            board_max: int | None = None, session: str | None = None,
            k: int | None = None) -> AnswerJSON:
        """Answer a question, citing boards; `history` is the earlier answers, oldest first."""
        where = poster_filter(kinds, board_min, board_max, session)
        return ask_json(self.assistant, question, history, where, k)

    def summarize(self, area: str, max_posters: int = 30, *,
                  kinds: Sequence[str] | None = None, board_min: int | None = None,
                  board_max: int | None = None, session: str | None = None) -> SummaryJSON:
        """An area across the session, in sub-themes with cited summaries."""
        where = poster_filter(kinds, board_min, board_max, session)
        return summarize_json(self.assistant, area, max_posters, where)

    def search(self, query: str, k: int = 10, *, kinds: Sequence[str] | None = None,
               board_min: int | None = None, board_max: int | None = None,
               session: str | None = None) -> SearchJSON:
        """The posters relevant to a query, without an answer written around them."""
        where = poster_filter(kinds, board_min, board_max, session)
        return search_json(self.assistant, query, k, where)

    def poster(self, board: int) -> PosterCard:
        """One poster's card."""
        return poster_json(self.assistant, board)

    def similar(self, board: int, k: int = 6) -> list[NearPoster]:
        """The posters most like one poster, itself left out."""
        return similar_json(self.assistant, board, k)

    def session(self) -> dict:
        """The session at a glance: counts by kind, board range, themes."""
        return session_json(self.assistant)


def open_assistant(store: str | Path | None = None, *, backend: str | None = None,
                   echo: Callable[[str], None] | None = None, **settings: Any) -> Posters:
    """The assistant on a store (default: POSTERS_STORE or the per-user data folder); an
    empty store is first filled with the bundled session (about a minute; said on stderr, or
    to `echo`). `backend` is "extractive", "openai" or "auto"; other keyword arguments are
    `Settings` fields."""
    import sys

    from assistant.ask import Assistant
    from assistant.settings import Settings

    values = {key: value for key, value in
              {"store": store, "backend": backend, **settings}.items() if value is not None}
    return Posters(Assistant(Settings(**values),
                             echo=echo or (lambda message: print(message, file=sys.stderr))))
