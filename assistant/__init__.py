"""Chat with the posters of NeurIPS 2023 Poster Session 2, citing boards like [#812].

The Python API is these few names (everything else in the package is private):

    from assistant import open_assistant
    posters = open_assistant()          # or open_assistant("path/to/store", backend="openai")
    first = posters.ask("Is anyone using diffusion models to design drug molecules?")
    follow = posters.ask("which of those are spotlights?", history=[first])
    posters.summarize("federated learning")
    posters.poster(813), posters.similar(813), posters.search("graph neural networks")

Every answer is the JSON of `posters ask --json`; its citations are always among its sources.
llama-index users: `assistant.llama` holds a retriever and a chat engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["CANNOT_ANSWER", "Posters", "RequestError", "open_assistant"]

if TYPE_CHECKING:
    from assistant.answer import CANNOT_ANSWER
    from assistant.api import Posters, RequestError, open_assistant


def __getattr__(name: str) -> Any:
    # Imported on first use: `import assistant` (and `posters --help`) stays instant.
    if name == "CANNOT_ANSWER":
        from assistant.answer import CANNOT_ANSWER

        return CANNOT_ANSWER
    if name in ("Posters", "RequestError", "open_assistant"):
        from assistant import api

        return getattr(api, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
