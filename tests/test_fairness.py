"""Issue 14, item 11: one client cannot lock everyone out of the app.

The real app over loopback HTTP, answering through a scripted local LLM that takes DELAY s per
answer, so a flood really holds the queue. One client floods; another must be answered at once.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import running_app
from tests.scripted_llm import ScriptedLLM

KINDS = ["poster", "spotlight", "oral"]
QUESTION = "Is anyone working on binding affinity prediction for antibodies?"  # asks the LLM
DELAY = 0.5  # seconds per answer: 40 queued turns on 4 workers hold the queue for 5 s
FLOOD = 40
HALF_THE_QUEUE = 32  # what one address may hold of the app's 64-slot queue


def test_a_turn_is_refused_only_over_a_limit():
    from assistant.app import QUEUE_SIZE, TURNS_PER_ADDRESS, TURNS_PER_SESSION, refusal

    assert (TURNS_PER_SESSION, TURNS_PER_ADDRESS) == (2, HALF_THE_QUEUE) == (2, QUEUE_SIZE // 2)
    assert refusal(1, 20, per_session=2, per_address=32) is None
    assert "already have 2 questions" in refusal(2, 2, per_session=2, per_address=32)
    assert "network address" in refusal(0, 32, per_session=2, per_address=32)


@pytest.fixture(scope="module")
def slow_llm():
    server = ScriptedLLM(delay=DELAY)
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def slow_assistant(tmp_path_factory, small_page_module, slow_llm):
    from assistant.ask import Assistant
    from assistant.embedding import HashEmbedding
    from assistant.settings import Settings
    from ingest.build import ingest
    from tests.conftest import FAKE_MODEL

    # Bars lowered so the hash embedder never abstains: a topic question reaches the LLM.
    settings = Settings(store=tmp_path_factory.mktemp("fair") / "store", embed_model=FAKE_MODEL,
                        backend="openai", min_relevance=0.0, cite_floor=0.0,
                        lexical_cite_floor=0.0)
    embedder = HashEmbedding(FAKE_MODEL, 64)
    ingest([small_page_module], settings, embedder, progress=False)
    with pytest.MonkeyPatch.context() as env:  # the client reads them once, when made
        env.setenv("OPENAI_BASE_URL", slow_llm.base_url)
        env.setenv("OPENAI_API_KEY", "sk-local-test")
        assistant = Assistant(settings, embedder=embedder)
    return assistant


@pytest.fixture(scope="module")
def small_page_module(tmp_path_factory, bundled):
    from ingest.parse import Session
    from tests.conftest import write_session

    small = Session(bundled.name, bundled.location, "small", bundled.posters[:12])
    return write_session(tmp_path_factory.mktemp("page") / "small.txt", small)


def timed_answers(client, count: int) -> list[float]:
    """Seconds each of `count` questions took, asked one after another."""
    took = []
    for _ in range(count):
        started = time.monotonic()
        history, _sources, _choices = client.predict(QUESTION, [], KINDS, 100, 2026,
                                                     api_name="/chat")
        assert "[#" in "".join(p["text"] for p in history[-1]["content"])
        took.append(time.monotonic() - started)
    return took


@pytest.mark.slow
def test_a_flooding_session_cannot_starve_another_user(slow_assistant, slow_llm):
    from gradio_client import Client

    asked = slow_llm.requests
    with running_app(slow_assistant) as url:
        flood = Client(url, analytics_enabled=False, verbose=False)
        other = Client(url, analytics_enabled=False, verbose=False)
        timed_answers(other, 1)  # the first answer warms the app up: not a measurement
        jobs = [flood.submit(QUESTION, [], KINDS, 100, 2026, api_name="/chat")
                for _ in range(FLOOD)]
        time.sleep(0.5)  # the flood is in before the other user asks
        took = timed_answers(other, 3)
        outcomes = []
        for job in jobs:
            try:
                job.result(timeout=60)
                outcomes.append("answered")
            except Exception as err:  # the refusal arrives as gradio_client's ValidationError
                outcomes.append(str(err))
        flood.close()
        other.close()
    assert slow_llm.requests - asked >= 4  # the answers were the slow ones, from the LLM
    # Each answer takes DELAY s; behind the whole flood it would take FLOOD * DELAY / 4 = 5 s.
    assert max(took) < 4 * DELAY, took
    refused = [o for o in outcomes if "already have 2 questions being answered" in o]
    assert outcomes.count("answered") >= 2 and len(refused) >= FLOOD - 10, outcomes[:3]
    assert outcomes.count("answered") + len(refused) == FLOOD


@pytest.mark.slow
def test_many_sessions_from_one_address_hold_half_the_queue_and_wait_their_turn(
        slow_assistant):
    """Sessions cost nothing to make: the REST API gives every call a new one. A flood from
    another address (127.0.0.2, still loopback) holds at most half of the queue, and its
    turns wait in round-robin with everyone else's instead of in front of them."""
    import httpx
    from gradio_client import Client

    with running_app(slow_assistant) as url:
        other = Client(url, analytics_enabled=False, verbose=False)
        timed_answers(other, 1)  # the first answer warms the app up: not a measurement
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=30) as flooder:
            def call(_: int) -> httpx.Response:
                return flooder.post(f"{url}/gradio_api/call/chat",
                                    json={"data": [QUESTION, [], KINDS, 100, 2026,
                                                   "All sessions", [], "", None]})

            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(call, range(FLOOD)))
        took = timed_answers(other, 2)
        other.close()
    # Behind the admitted flood in line, an answer would take HALF_THE_QUEUE * DELAY / 4 = 4 s.
    assert max(took) < 4 * DELAY, took
    accepted = [r for r in replies if r.status_code == 200]
    refused = [r for r in replies if r.status_code == 422]
    assert HALF_THE_QUEUE <= len(accepted) <= HALF_THE_QUEUE + 2
    assert len(accepted) + len(refused) == FLOOD
    assert "from your network address" in refused[0].text


def test_waiting_turns_take_turns_by_address():
    from types import SimpleNamespace

    from assistant.app import fair_order

    def turn(address: str, n: int) -> SimpleNamespace:
        return SimpleNamespace(request=SimpleNamespace(client=SimpleNamespace(host=address)),
                               n=n)

    waiting = [turn("flood", 1), turn("flood", 2), turn("flood", 3), turn("user", 4),
               turn("other", 5), turn("user", 6)]
    assert [t.n for t in fair_order(waiting)] == [1, 4, 5, 2, 6, 3]
