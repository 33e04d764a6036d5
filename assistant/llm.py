"""Answers from an OpenAI-compatible model (OpenAI, Ollama, vLLM, llama.cpp's server, ...).

Talks to the server through the `openai` client, which retries 429, 5xx and connection errors
with exponential backoff. Every failure becomes an LLMError whose message says what to fix and
never contains the API key (server messages are not passed on: some echo the key back).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from assistant.answer import CANNOT_ANSWER
from assistant.settings import Settings
from prompts import load_prompt


class LLMError(RuntimeError):
    """The model could not answer; the message is safe to show."""


def poster_block(card: dict) -> str:
    award = f", {card['award']}" if card["award"] else ""
    return (f"[#{card['board']}] {card['title']} — {card['kind']}{award}\n"
            f"Authors: {card['authors']}\n{card['abstract']}")


def answer_messages(question: str, cards: list[dict]) -> list[dict]:
    system = load_prompt("answer_system").render(cannot_answer=CANNOT_ANSWER)
    user = load_prompt("answer_user").render(
        posters="\n\n".join(poster_block(c) for c in cards),
        valid_citations=" ".join(f"[#{c['board']}]" for c in cards), question=question)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class OpenAIBackend:
    """Streams chat completions; one client per process (it pools connections)."""

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        self.settings = settings
        self.model = settings.llm_model
        self.base_url = os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY") or "no-key-needed",
                             base_url=self.base_url, timeout=settings.llm_timeout,
                             max_retries=settings.llm_max_retries)

    @property
    def label(self) -> str:
        return f"{self.model} (openai-compatible)"

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """Text pieces of the model's reply; raises LLMError on any failure, even mid-stream."""
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, stream=True,
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens)
            finished = False
            for chunk in response:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
                finished = finished or bool(chunk.choices and chunk.choices[0].finish_reason)
        except Exception as err:  # every failure becomes one safe message
            raise LLMError(self.describe(err)) from None
        if not finished:  # servers end a whole reply with a finish_reason
            raise LLMError(f"the reply from the LLM server at {self.base_url} stopped midway")

    def complete(self, messages: list[dict]) -> str:
        return "".join(self.stream(messages)).strip()

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
            return (f"{where} did not answer within {self.settings.llm_timeout:g} s "
                    "(POSTERS_LLM_TIMEOUT)")
        if isinstance(err, openai.APIConnectionError):
            return f"cannot reach {where}: is it running? (OPENAI_BASE_URL)"
        if isinstance(err, openai.APIStatusError):
            return f"{where} failed with HTTP {err.status_code}"
        return f"{where} sent a reply that could not be read ({type(err).__name__})"
