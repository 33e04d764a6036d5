"""A running app and CLI readers keep answering while ingests publish new generations
(issue 14, item 2): zero failed answers, and the app moves to the newest generation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.ask import Assistant
from assistant.embedding import load_embedder
from assistant.settings import OFFLINE_ENV, Settings
from ingest.build import ingest
from ingest.parse import Session
from tests.conftest import running_app, write_session

pytestmark = pytest.mark.slow
HASH_MODEL = "hash-64"
BOARD = 100
ENV = {**os.environ, **OFFLINE_ENV, "POSTERS_EMBED_MODEL": HASH_MODEL,
       "POSTERS_BACKEND": "extractive"}


def page_with_title(tmp: Path, bundled: Session, title: str) -> Path:
    posters = [replace(p, title=title) if p.board == BOARD else p for p in bundled.posters[:80]]
    return write_session(tmp / f"{title.replace(' ', '_')}.txt",
                         Session(bundled.name, bundled.location, "page", posters))


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=ENV,
                          capture_output=True, text=True, timeout=timeout)


class Loop(threading.Thread):
    """Calls `ask` until stopped (or a deadline), counting answers and failures."""

    def __init__(self, ask, deadline: float) -> None:
        super().__init__(daemon=True)
        self.ask, self.deadline = ask, deadline
        self.stop = threading.Event()
        self.answered: list[str] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            try:
                text = self.ask()
            except Exception as err:  # any failure a user would see counts
                self.failures.append(f"{type(err).__name__}: {err}")
                continue
            (self.answered if f"[#{BOARD}]" in text else self.failures).append(text[:200])


def test_app_and_cli_answer_through_several_publishes(tmp_path, bundled):
    from gradio_client import Client

    store = tmp_path / "store"
    settings = Settings(store=store, embed_model=HASH_MODEL)
    embedder = load_embedder(HASH_MODEL)
    ingest([page_with_title(tmp_path, bundled, "Title 0")], settings, embedder, progress=False)
    assistant = Assistant(settings, embedder=embedder)
    question = f"what is at #{BOARD}?"
    deadline = time.monotonic() + 300
    with running_app(assistant) as url:
        client = Client(url, analytics_enabled=False, verbose=False)

        def app_ask() -> str:
            history, *_ = client.predict(question, [], ["poster", "spotlight", "oral"], 0,
                                         100_000, api_name="/chat")
            return "".join(p["text"] for p in history[-1]["content"])

        def cli_ask() -> str:
            done = cli("ask", question, "--json", "--store", str(store))
            if done.returncode != 0:
                raise RuntimeError(done.stderr.strip()[-300:])
            return json.loads(done.stdout)["answer"]

        loops = [Loop(app_ask, deadline), Loop(cli_ask, deadline)]
        for loop in loops:
            loop.start()
        for n in range(1, 4):
            published = cli("ingest", "--no-progress", "--store", str(store), "--source",
                            str(page_with_title(tmp_path, bundled, f"Title {n}")))
            assert published.returncode == 0, published.stderr
            time.sleep(1.0)
        time.sleep(3.0)
        for loop in loops:
            loop.stop.set()
        for loop in loops:
            loop.join(timeout=150)
        final = app_ask()
        client.close()
    app_loop, cli_loop = loops
    assert app_loop.failures == [] and cli_loop.failures == []
    assert len(app_loop.answered) >= 5 and len(cli_loop.answered) >= 2
    assert "Title 3" in final
    assert len(list(store.glob("gen-2*"))) <= 2  # old generations go once nobody reads them
