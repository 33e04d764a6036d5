"""The assistant as an MCP server over stdio (`posters mcp`), on the `mcp` SDK.

Tools: ask, search_posters, get_poster, similar, summarize; resources: the session at a glance
and each poster's card. Every tool is a thin wrapper of `assistant.api`, so an MCP client gets
the same JSON as `posters ask --json` and the app's typed API.

Why not Gradio's MCP mode: `gradio[mcp]` pins pydantic 2.12.5 and older `mcp`, below what the
rest of the stack resolves to here; a stdio command also needs no server running or port open.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.api import (
    AnswerJSON,
    NearPoster,
    PosterCard,
    Posters,
    RequestError,
    SearchJSON,
    SummaryJSON,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

# Said to the model in every tool that returns text with citations.
CITATION_CONTRACT = (
    "Citations are board numbers in brackets, like [#812] (several: [#812][#1305]); the board "
    "is where the poster hangs. Every citation in the returned text is among `sources` (or a "
    "theme's `boards`): repeat citations exactly as given and never cite a board you were not "
    "given. When `abstained` is true the session does not cover the question: say so, and "
    "offer `related` boards only as related posters, never as an answer.")

INSTRUCTIONS = (
    "Answers questions about the posters of one conference poster session (NeurIPS 2023 Poster "
    "Session 2 by default), offline and extractive unless the server has an LLM configured. "
    "Use `ask` for questions (pass earlier `ask` results as `history` for follow-ups such as "
    "'which of those use transformers?'), `search_posters` for a plain list, `get_poster` for "
    "one board, `similar` for neighbours, `summarize` for a research area. " + CITATION_CONTRACT)


def build_server(open_posters: Callable[[], Posters]) -> MCPServer:
    """The MCP server; `open_posters` opens the store, once, on the first call that needs it
    (so the client's handshake is answered at once, before the model and store load)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError

    lock = threading.Lock()
    opened: list[Posters] = []

    def posters() -> Posters:
        from assistant.store import StoreError

        with lock:  # tools run on worker threads; the store is opened once
            if not opened:
                try:
                    opened.append(open_posters())
                except StoreError as err:  # says how to fix the store: the model relays it
                    raise ToolError(str(err)) from err
            return opened[0]

    def run(fn: Callable, *args, error: type[Exception] = ToolError, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RequestError as err:  # the message names the input and the fix
            raise error(str(err)) from err

    server = MCPServer("posters", instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool(description="Answer a question about the posters, citing boards like [#812]. "
                 "`history`: earlier results of this tool, oldest first, to ask a follow-up. "
                 "Filters (optional): `kinds` (poster, spotlight, oral), `board_min`, "
                 "`board_max`, `session`. " + CITATION_CONTRACT)
    def ask(question: str, history: list[dict] | None = None, kinds: list[str] | None = None,
            board_min: int | None = None, board_max: int | None = None,
            session: str | None = None) -> AnswerJSON:
        return run(posters().ask, question, history, kinds=kinds, board_min=board_min,
                   board_max=board_max, session=session)

    @server.tool(description="List the posters relevant to a query (hybrid dense + BM25 "
                 "ranking, the same relevance bar as `ask`), best first, without an answer. "
                 "`abstained` with `related` when none is relevant enough.")
    def search_posters(query: str, k: int = 10, kinds: list[str] | None = None,
                       board_min: int | None = None, board_max: int | None = None,
                       session: str | None = None) -> SearchJSON:
        return run(posters().search, query, k, kinds=kinds, board_min=board_min,
                   board_max=board_max, session=session)

    @server.tool(description="One poster's card by its board number: session, kind, award, "
                 "title, authors (joined by ' · '), abstract.")
    def get_poster(board: int) -> PosterCard:
        return run(posters().poster, board)

    @server.tool(description="The posters most like one poster (by embedding), itself left "
                 "out, best first with a cosine `score`; at most `k` (1-6).")
    def similar(board: int, k: int = 6) -> list[NearPoster]:
        return run(posters().similar, board, k)

    @server.tool(description="Summarize a research area across the session in sub-themes; "
                 "each theme's summary cites its boards. No boards when the session does not "
                 "cover the area. " + CITATION_CONTRACT)
    def summarize(area: str, max_posters: int = 30, kinds: list[str] | None = None,
                  board_min: int | None = None, board_max: int | None = None,
                  session: str | None = None) -> SummaryJSON:
        return run(posters().summarize, area, max_posters, kinds=kinds, board_min=board_min,
                   board_max=board_max, session=session)

    @server.resource("posters://session", name="session", mime_type="application/json",
                     description="The session at a glance: sessions, poster counts by kind, "
                     "board range and themes (label and boards).")
    def session_resource() -> str:
        return json.dumps(posters().session(), ensure_ascii=False)

    @server.resource("posters://poster/{board}", name="poster", mime_type="application/json",
                     description="One poster's card by board number.")
    def poster_resource(board: str) -> str:
        if not board.isdigit():
            raise ResourceError(f"posters://poster/{board}: a board is a number, e.g. "
                                "posters://poster/813")
        return json.dumps(run(posters().poster, int(board), error=ResourceError),
                          ensure_ascii=False)

    return server


def serve_stdio(open_posters: Callable[[], Posters]) -> None:
    """Serve over stdin/stdout until the client closes them."""
    build_server(open_posters).run("stdio")
