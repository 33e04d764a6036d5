"""Server mode against a real `chroma run` on loopback: ingest, ask, update, and a server
that is down. The real default embedder, as a user would run it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from click.testing import CliRunner

from assistant.cli import cli
from ingest.parse import Session
from tests.conftest import free_port, write_session

pytestmark = pytest.mark.slow

QUESTIONS = ["what is at #101?", "generative framework for MILP instances",
             "protein-ligand binding energy", "Who won the 2022 World Cup?"]


def chroma_server_client(port: int):
    return chromadb.HttpClient(host="127.0.0.1", port=port,
                               settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture
def chroma_server(tmp_path) -> Iterator[int]:
    """`chroma run` (the server that ships with chromadb) on a free loopback port."""
    port = free_port()
    binary = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen([str(binary), "run", "--path", str(tmp_path / "chroma-data"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                chroma_server_client(port).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(*args: str):
    try:
        return CliRunner().invoke(cli, list(args))
    finally:  # --chroma-url sets these for the rest of the process, as a CLI run should
        os.environ.pop("POSTERS_CHROMA_HOST", None)
        os.environ.pop("POSTERS_CHROMA_PORT", None)


def asked(store: Path, question: str, *extra: str) -> dict:
    result = run(*extra, "ask", question, "--json", "--store", str(store))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def generation_collections(port: int) -> list[str]:
    return sorted(c.name for c in chroma_server_client(port).list_collections())


def test_ingest_and_ask_through_a_chroma_server(tmp_path, bundled, chroma_server):
    port = chroma_server
    url = f"http://127.0.0.1:{port}"
    page = write_session(tmp_path / "small.txt",
                         Session(bundled.name, bundled.location, "small", bundled.posters[:12]))
    store = tmp_path / "served"
    first = run("--chroma-url", url, "ingest", "--source", str(page), "--store", str(store))
    assert first.exit_code == 0, first.output
    assert "12 added" in first.output
    live = (store / "CURRENT").read_text()
    assert not (store / live / "chroma").exists()  # the vectors are on the server
    assert generation_collections(port) == [f"posters-{live}"]

    embedded = tmp_path / "embedded"
    assert run("ingest", "--source", str(page), "--store", str(embedded)).exit_code == 0
    for question in QUESTIONS:  # the same behaviour as the embedded store
        served = asked(store, question, "--chroma-url", url)
        assert served == asked(embedded, question)
    assert asked(store, "what is at #101?", "--chroma-url", url)["citations"] == [101]

    changed = [dataclasses.replace(bundled.posters[1], abstract="Quantum knitting of wool.")]
    write_session(page, Session(bundled.name, bundled.location, "small",
                                bundled.posters[:1] + changed + bundled.posters[2:12]))
    update = run("--chroma-url", url, "ingest", "--source", str(page), "--store", str(store))
    assert update.exit_code == 0 and "1 updated" in update.output, update.output
    new_live = (store / "CURRENT").read_text()
    assert new_live != live and generation_collections(port) == [f"posters-{new_live}"]
    knitting = asked(store, "quantum knitting of wool", "--chroma-url", url)
    assert knitting["citations"][:1] == [101]


def test_a_chroma_server_that_is_down_is_a_clear_error(tmp_path, small_page):
    port = free_port()  # nothing listens there
    result = run("--chroma-url", f"http://127.0.0.1:{port}", "ingest", "--source",
                 str(small_page), "--store", str(tmp_path / "store"))
    assert result.exit_code == 1
    assert f"cannot reach the Chroma server at http://127.0.0.1:{port}" in result.output
    assert "chroma run --path DIR" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "store" / "CURRENT").exists()


def test_a_chroma_url_that_is_not_a_url_is_refused():
    result = run("--chroma-url", "ftp://somewhere", "ask", "hello")
    assert result.exit_code == 2 and "expected http://HOST:PORT" in result.output
