"""Every fault of an LLM server ends in an answer or a clear message, never a traceback, and
the API key is never printed. Real `openai` client, real store, a misbehaving local server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from tests.fault_server import SECRET_KEY, FaultServer

pytestmark = pytest.mark.slow
QUESTION = "Is there a poster on generating synthetic MILP instances?"


@pytest.fixture(scope="module")
def server():
    srv = FaultServer()
    yield srv
    srv.shutdown()


def ask(server, real_store, mode: str) -> tuple[dict, str]:
    server.mode, server.requests = mode, 0
    env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": SECRET_KEY,
           "POSTERS_LLM_TIMEOUT": "1", "POSTERS_LLM_MAX_RETRIES": "1"}
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--json", "--store", str(real_store)],
                                env=env)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 0, output
    assert result.exception is None and "Traceback" not in output
    assert SECRET_KEY not in output
    return json.loads(result.stdout), output


def test_invented_board_is_removed_and_reported(server, real_store):
    answer, _ = ask(server, real_store, "ok")
    assert answer["backend"].startswith("gpt-4o-mini")
    assert "[#100]" in answer["answer"] and "9999" not in answer["answer"]
    assert answer["citations"] == [100] and answer["dropped_citations"] == [9999]
    assert "#9999" in answer["notice"]


def test_rate_limit_is_retried_with_backoff(server, real_store):
    answer, _ = ask(server, real_store, "429-then-ok")
    assert server.requests == 2 and answer["citations"] == [100]
    assert answer["backend"].startswith("gpt-4o-mini")


@pytest.mark.parametrize("mode, says", [
    ("500", "HTTP 500"),
    ("hang", "did not answer within 1 s"),
    ("cut", "stopped midway"),
    ("badjson", "could not be read"),
    ("401", "refused the API key"),
    ("404", "has no model"),
    ("leak", "repeated its instructions"),
])
def test_failures_fall_back_to_the_extractive_answer(server, real_store, mode, says):
    answer, _ = ask(server, real_store, mode)
    assert answer["backend"] == "extractive" and answer["citations"][0] == 100
    assert says in answer["notice"] and "posters' own text" in answer["notice"]


def test_the_terminal_shows_the_failure_without_the_key(server, real_store):
    server.mode = "401"
    result = CliRunner().invoke(
        cli, ["ask", QUESTION, "--store", str(real_store)],
        env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": SECRET_KEY})
    assert result.exit_code == 0 and "[#100]" in result.output
    assert "refused the API key (401): check OPENAI_API_KEY" in result.output
    assert SECRET_KEY not in result.output
