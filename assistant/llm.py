"""Answers from an OpenAI-compatible model (OpenAI, Ollama, vLLM, llama.cpp's server, ...).

Talks to the server through the `openai` client, which retries 429, 5xx and connection errors
with exponential backoff. Every failure becomes an LLMError whose message says what to fix and
never contains the API key (server messages are not passed on: some echo the key back).
Everything is bounded: the prompt (each poster's fields, all posters together), the time of a
whole call (POSTERS_LLM_TIMEOUT) and the length of the reply (from POSTERS_LLM_MAX_TOKENS).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.answer import CANNOT_ANSWER
from assistant.citations import cite
from assistant.poster import Poster
from assistant.settings import Settings
from assistant.text import clip
from prompts import load_prompt

# Bounds on what one prompt carries. A poster's gist is in its first paragraphs, and a prompt
# of ~15k tokens fits every hosted model and leaves room for the answer; without them one 1 MB
# abstract went into a prompt whole.
MAX_TITLE_CHARS = 400
MAX_AUTHORS_CHARS = 800
MAX_ABSTRACT_CHARS = 4_000
MAX_POSTERS_CHARS = 60_000  # all poster blocks of one prompt together
MAX_QUESTION_CHARS = 2_000
# A token is ~4 characters of English; twice that leaves room for any honest reply, so a reply
# longer than this comes from a server that ignores max_tokens.
CHARS_PER_TOKEN = 8


class LLMError(RuntimeError):
    """The model could not answer; the message is safe to show."""


def poster_block(card: Poster) -> str:
    """One poster as the model sees it; each field clipped so no poster can fill a prompt."""
    award = f", {card.award}" if card.award else ""
    # Several sessions in the store: each poster names its session (and, when another
    # session reuses its board, is cited "[S3 #812]").
    session = f", {card.session}" if card.session_label else ""
    return (f"{cite(card.ref)} {clip(card.title, MAX_TITLE_CHARS)} — "
            f"{card.kind}{award}{session}\n"
            f"Authors: {clip(card.author_line, MAX_AUTHORS_CHARS)}\n"
            f"{clip(card.abstract, MAX_ABSTRACT_CHARS)}")


def fit_posters(cards: list[Poster], budget: int = MAX_POSTERS_CHARS) -> list[tuple[Poster, str]]:
    """The leading cards (best first) whose blocks fit in `budget` characters, with the blocks.
    The first always fits: a block is at most ~5,300 characters."""
    fitted: list[tuple[Poster, str]] = []
    used = 0
    for card in cards:
        block = poster_block(card)
        used += len(block) + 2  # the blank line between blocks
        if fitted and used > budget:
            break
        fitted.append((card, block))
    return fitted


def answer_messages(question: str, cards: list[Poster]) -> list[dict]:
    """The chat messages for one answer; their size is bounded whatever the data holds."""
    fitted = fit_posters(cards)
    system = load_prompt("answer_system").render(cannot_answer=CANNOT_ANSWER)
    user = load_prompt("answer_user").render(
        posters="\n\n".join(block for _, block in fitted),
        valid_citations=" ".join(cite(card.ref) for card, _ in fitted),
        question=clip(question, MAX_QUESTION_CHARS))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


_reader = threading.local()  # in a reader thread: `call`, the (deadline, stop) it serves


def _refuse_abandoned(request) -> None:
    """httpx request hook: a retry that nobody waits for any more is not sent (the client
    retries a timed-out request, which would hit a struggling server after the caller left).
    The client passes an OpenAIError on at once, without retrying."""
    deadline, stop = getattr(_reader, "call", (float("inf"), None))
    if (stop is not None and stop.is_set()) or time.monotonic() >= deadline:
        import openai

        raise openai.APITimeoutError(request=request)


@dataclass(frozen=True)
class _End:
    """The reader's last word: the reply is complete (`error` empty) or why it is not."""

    error: str = ""


class OpenAIBackend:
    """Streams chat completions; one client per process (it pools connections)."""

    def __init__(self, settings: Settings) -> None:
        from openai import DefaultHttpxClient, OpenAI

        self.settings = settings
        self.model = settings.llm_model
        self.base_url = os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY") or "no-key-needed",
                             base_url=self.base_url, timeout=settings.llm_timeout,
                             max_retries=settings.llm_max_retries,
                             http_client=DefaultHttpxClient(
                                 event_hooks={"request": [_refuse_abandoned]}))

    @property
    def label(self) -> str:
        return f"{self.model} (openai-compatible)"

    @property
    def max_reply_chars(self) -> int:
        return self.settings.llm_max_tokens * CHARS_PER_TOKEN

    def stream(self, messages: list[dict], response_format: dict | None = None
               ) -> Iterator[str]:
        """Text pieces of the model's reply; raises LLMError on any failure, even mid-stream.

        The whole call (waiting, retries, streaming) ends within `llm_timeout` seconds: the
        client's own timeout applies between bytes only, so a server dripping tokens could hold
        a turn for minutes. A reader thread streams the reply into a queue while this generator
        waits on the queue against the deadline. Pieces that arrived while the caller was busy
        come out joined, so a slow consumer (the citation guard) sees fewer, larger pieces.
        """
        budget = self.settings.llm_timeout
        deadline = time.monotonic() + budget
        inbox: queue.SimpleQueue[str | _End] = queue.SimpleQueue()
        stop = threading.Event()
        threading.Thread(target=self._read,
                         args=(messages, deadline, inbox, stop, response_format),
                         name="llm-reader", daemon=True).start()
        answered = False
        try:
            while True:
                items = _take_ready(inbox, deadline)
                if not items:
                    raise LLMError(self.late(budget, answered))
                text = "".join(item for item in items if isinstance(item, str))
                end = items[-1] if isinstance(items[-1], _End) else None
                if end is not None and end.error:
                    raise LLMError(end.error)
                if text:
                    answered = True
                    yield text
                if end is not None:
                    return
        finally:
            stop.set()  # the reader stops at its next piece and closes the connection

    def _read(self, messages: list[dict], deadline: float, inbox: queue.SimpleQueue,
              stop: threading.Event, response_format: dict | None = None) -> None:
        """Stream the reply into `inbox`, ending with an `_End`; never raises (a thread)."""
        cap, received, finished = self.max_reply_chars, 0, False
        _reader.call = (deadline, stop)
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, stream=True,
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
                timeout=max(deadline - time.monotonic(), 0.01),
                **({"response_format": response_format} if response_format else {}))
            with response:
                for chunk in response:
                    if stop.is_set():
                        return
                    piece = chunk.choices[0].delta.content if chunk.choices else None
                    if piece:
                        received += len(piece)
                        if received > cap:  # counted as it arrives: linear in the reply
                            inbox.put(_End(self.too_long(cap)))
                            return
                        inbox.put(piece)
                    finished = finished or bool(chunk.choices and chunk.choices[0].finish_reason)
        except Exception as err:  # every failure becomes one safe message
            inbox.put(_End(self.describe(err)))
            return
        # Servers end a whole reply with a finish_reason.
        inbox.put(_End("" if finished else
                       f"the reply from the LLM server at {self.base_url} stopped midway"))

    def late(self, budget: float, answered: bool) -> str:
        what = "did not finish its answer" if answered else "did not answer"
        return (f"the LLM server at {self.base_url} {what} within {budget:g} s, the time allowed "
                "for a whole call (POSTERS_LLM_TIMEOUT): raise it for a slow server or model")

    def too_long(self, cap: int) -> str:
        return (f"the reply from the LLM server at {self.base_url} ran past {cap:,} characters "
                f"though it was asked for at most {self.settings.llm_max_tokens} tokens: the "
                "server ignores max_tokens (the cap is POSTERS_LLM_MAX_TOKENS x "
                f"{CHARS_PER_TOKEN} characters; raise POSTERS_LLM_MAX_TOKENS for longer answers)")

    def complete(self, messages: list[dict], response_format: dict | None = None) -> str:
        return "".join(self.stream(messages, response_format)).strip()

    def structured(self, messages: list[dict], name: str, schema: dict) -> str:
        """The reply under a JSON schema (OpenAI's structured output; llama.cpp's server
        enforces it too). The caller validates it: a server may ignore the schema."""
        return self.complete(messages, {"type": "json_schema", "json_schema": {
            "name": name, "schema": schema, "strict": True}})

    def describe(self, err: Exception) -> str:
        import openai

        where = f"the LLM server at {self.base_url}"
        if isinstance(err, openai.AuthenticationError):
            return f"{where} refused the API key (401): check OPENAI_API_KEY"
        if isinstance(err, openai.PermissionDeniedError):
            return f"{where} denied access (403): check the key's permissions"
        if isinstance(err, openai.NotFoundError):
            return (f"{where} has no model {self.model!r} (404): set POSTERS_LLM_MODEL to a "
                    "model it serves")
        if isinstance(err, openai.RateLimitError):
            retries = self.settings.llm_max_retries
            return f"{where} is rate-limiting us (429), still after {retries} retries"
        if isinstance(err, openai.APITimeoutError):
            return self.late(self.settings.llm_timeout, answered=False)
        if isinstance(err, openai.APIConnectionError):
            return f"cannot reach {where}: is it running? (OPENAI_BASE_URL)"
        if isinstance(err, openai.APIStatusError):
            return f"{where} failed with HTTP {err.status_code}"
        return f"{where} sent a reply that could not be read ({type(err).__name__})"


def _take_ready(inbox: queue.SimpleQueue, deadline: float) -> list:
    """Everything in `inbox` now, waiting for the first item until `deadline`; [] if none came.
    Past the deadline nothing more is taken, even if it is ready."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return []
    try:
        items = [inbox.get(timeout=remaining)]
    except queue.Empty:
        return []
    while not isinstance(items[-1], _End):
        try:
            items.append(inbox.get_nowait())
        except queue.Empty:
            break
    return items
