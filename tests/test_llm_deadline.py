"""An LLM call is bounded in time, in reply length and in prompt size, whatever the server or
the data does. Real `openai` client against a misbehaving server on loopback.

Each test bounds its own wait (`drain`), so the code before these fixes fails them instead of
hanging: it streamed a dripping reply for as long as the server kept it up, and guarded a
flooding one in quadratic (for "and and ...", cubic) time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from assistant.citations import CitationStream
from assistant.llm import LLMError, OpenAIBackend, answer_messages, poster_block
from assistant.poster import Poster
from assistant.settings import Settings
from tests.conftest import poster
from tests.fault_server import SECRET_KEY, FaultServer

QUESTION = "Is there a poster on generating synthetic MILP instances?"
# A topic search, which the assistant's LLM answers (a question naming one paper is answered
# from its abstract without a model).
TOPIC_QUESTION = "anything on learning to generate mixed-integer programs?"
MB = 1_000_000
# What a prompt may hold: one poster's block (4,000 characters of abstract, a clipped title and
# authors), all posters of one prompt (~15k tokens), with the rest of the prompt around them.
POSTER_BOUND, PROMPT_BOUND = 6_000, 70_000


@pytest.fixture(scope="module")
def server():
    srv = FaultServer()
    yield srv
    srv.shutdown()


@pytest.fixture
def backend(server, monkeypatch):
    """A backend for `server`; `make(**settings)` builds one with other settings."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)

    def make(mode: str, **settings) -> OpenAIBackend:
        server.mode, server.requests = mode, 0
        return OpenAIBackend(Settings(**{"llm_max_retries": 1, **settings}))

    return make


def drain(pieces: Iterator[str], limit: float, guard: CitationStream | None = None) -> str:
    """The whole stream, fed to `guard` if given; fails the test once `limit` s have passed."""
    started, text = time.monotonic(), ""
    for piece in pieces:
        text += piece
        if guard is not None:
            guard.feed(piece)
        if time.monotonic() - started > limit:
            pytest.fail(f"the call was still streaming after {limit:g} s ({len(text):,} chars)")
    return text


def card(board: int, abstract: str, title: str = "A title",
         authors: tuple[str, ...] = ("Ada Lovelace",)) -> Poster:
    return poster(board, abstract, title, authors)


def test_a_dripping_server_is_cut_at_the_deadline(backend):
    llm = backend("drip", llm_timeout=1.5)
    started = time.monotonic()
    # "did not answer" or "did not finish its answer": on a busy machine the first piece may
    # come late
    with pytest.raises(LLMError, match=r"within 1\.5 s.*POSTERS_LLM_TIMEOUT"):
        drain(llm.stream(answer_messages(QUESTION, [])), limit=3 * 1.5)
    assert time.monotonic() - started < 3 * 1.5


def test_a_silent_server_is_not_asked_again_after_the_deadline(backend, server):
    """The client retries a timed-out request; nobody waits for that answer any more."""
    llm = backend("hang", llm_timeout=1, llm_max_retries=2)
    with pytest.raises(LLMError, match=r"did not answer within 1 s"):
        drain(llm.stream(answer_messages(QUESTION, [])), limit=3)
    time.sleep(2.5)  # when a retry would have been sent
    assert server.requests == 1


def test_a_server_ignoring_max_tokens_is_cut_at_the_cap(backend):
    llm = backend("flood", llm_timeout=20, llm_max_tokens=100)
    received = []
    with pytest.raises(LLMError, match=r"ran past 800 characters.*POSTERS_LLM_MAX_TOKENS"):
        for piece in llm.stream(answer_messages(QUESTION, [])):
            received.append(piece)
    assert len("".join(received)) <= 800


def test_a_flood_through_the_citation_guard_ends_in_linear_time(backend):
    """'and and and ...' is the guard's worst case: it holds back every 'and' (a board number
    may follow) and re-scans the whole text per piece. The cap bounds what it ever sees."""
    llm = backend("flood-and", llm_timeout=20)
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"ran past 4,800 characters"):
        drain(llm.stream(answer_messages(QUESTION, [])), limit=15, guard=CitationStream([100]))
    assert time.monotonic() - started < 15


def test_one_huge_abstract_is_clipped_in_the_prompt():
    huge = card(812, "A sentence that repeats. " * (MB // 25), title="T" * MB, authors=("A " * MB,))
    block = poster_block(huge)
    assert len(block) < POSTER_BOUND
    assert block.startswith("[#812] T") and "A sentence that repeats." in block
    assert block.endswith("…")


def test_the_whole_prompt_is_bounded_and_cites_only_what_it_shows():
    cards = [card(board, "word " * MB) for board in range(100, 150)]
    user = answer_messages("why? " * MB, cards)[1]["content"]
    assert len(user) < PROMPT_BOUND
    shown = [c.board for c in cards if f"[#{c.board}] A title" in user]
    assert shown == list(range(100, 100 + len(shown))) and 1 <= len(shown) < 50
    valid = user.split("Valid citations:")[1].split("\n")[0].split()
    assert valid == [f"[#{board}]" for board in shown]


def test_the_request_sent_to_the_server_is_bounded(backend, server):
    llm = backend("ok", llm_timeout=10)
    drain(llm.stream(answer_messages(QUESTION, [card(100, "Repeated. " * (MB // 10))])), limit=10)
    sent = sum(len(m["content"]) for m in server.last_request["messages"])
    assert sent < POSTER_BOUND + 5_000


@pytest.fixture(scope="module")
def assistant_for(server, real_store):
    """An Assistant over the real store answering through `server`, built once per timeout."""
    from assistant.ask import Assistant

    built: dict[float, Assistant] = {}

    def get(timeout: float) -> Assistant:
        if timeout not in built:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("OPENAI_BASE_URL", server.base_url)
                patch.setenv("OPENAI_API_KEY", SECRET_KEY)
                built[timeout] = Assistant(Settings(store=real_store, llm_timeout=timeout,
                                                    llm_max_retries=1))
        return built[timeout]

    return get


def final_answer(assistant, limit: float):
    """The Answer at the end of `ask_stream`, failing the test once `limit` s have passed."""
    started, last = time.monotonic(), None
    for last in assistant.ask_stream(TOPIC_QUESTION):  # noqa: B007 (the last item is the Answer)
        if time.monotonic() - started > limit:
            pytest.fail(f"the answer was still streaming after {limit:g} s")
    return last


@pytest.mark.slow
def test_a_dripping_server_falls_back_to_the_extractive_answer_in_time(server, assistant_for):
    assistant = assistant_for(2)
    server.mode, server.requests = "drip", 0
    started = time.monotonic()
    answer = final_answer(assistant, limit=3 * 2)
    assert time.monotonic() - started < 3 * 2
    assert server.requests == 1, "the LLM was not asked: pick a question it answers"
    assert answer.backend == "extractive" and 100 in answer.citations
    assert "within 2 s" in answer.notice and "POSTERS_LLM_TIMEOUT" in answer.notice
    assert "posters' own text" in answer.notice


@pytest.mark.slow
def test_a_flooding_server_falls_back_at_the_cap(server, assistant_for):
    assistant = assistant_for(10)
    server.mode, server.requests = "flood", 0
    answer = final_answer(assistant, limit=10)
    assert server.requests == 1, "the LLM was not asked: pick a question it answers"
    assert answer.backend == "extractive" and 100 in answer.citations
    assert "ran past 4,800 characters" in answer.notice
    assert "POSTERS_LLM_MAX_TOKENS" in answer.notice
