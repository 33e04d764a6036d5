"""App replicas behind one Chroma server: each replica is its own process with the store folder
(manifest, poster table, saved index) and the server's collection; they answer alike, and all
of them move to a generation an ingest publishes. The real default embedder."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ask import Assistant
from assistant.embedding import load_embedder
from assistant.settings import Settings
from ingest.build import ingest
from ingest.parse import Session
from tests.conftest import write_session
from tests.test_chroma_server import chroma_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["what is at #101?", "generative framework for MILP instances",
             "protein-ligand binding energy", "Who won the 2022 World Cup?",
             "which posters are orals?"]


def replica_answers(store: Path, port: int, questions: list[str]) -> list[dict]:
    """Another replica: a separate process asking through the same server and store."""
    env = {**os.environ, "POSTERS_CHROMA_HOST": "127.0.0.1", "POSTERS_CHROMA_PORT": str(port),
           "POSTERS_BACKEND": "extractive"}
    script = ("import json, sys\n"
              "from assistant.ask import Assistant\n"
              "from assistant.settings import Settings\n"
              f"assistant = Assistant(Settings(store={str(store)!r}))\n"
              "for q in json.load(sys.stdin):\n"
              "    print(json.dumps(assistant.ask(q).to_json()))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(questions),
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def comparable(answer: dict) -> dict:
    return {k: answer[k] for k in ("answer", "citations", "related", "abstained")}


def test_two_replicas_on_one_chroma_server_answer_alike(tmp_path, bundled,
                                                       chroma_server):  # noqa: F811
    port = chroma_server
    page = write_session(tmp_path / "small.txt", Session(
        bundled.name, bundled.location, "small", bundled.posters[:24]))
    settings = Settings(store=tmp_path / "store", chroma_host="127.0.0.1", chroma_port=port,
                        backend="extractive")
    embedder = load_embedder()
    ingest([page], settings, embedder, progress=False)
    here = Assistant(settings, embedder=embedder)
    mine = [here.ask(q).to_json() for q in QUESTIONS]
    theirs = replica_answers(settings.store, port, QUESTIONS)
    assert [comparable(a) for a in mine] == [comparable(a) for a in theirs]
    assert mine[0]["citations"] == [101] and mine[1]["citations"][0] == 100
    assert mine[3]["abstained"]
    # An ingest publishes a new generation: both replicas answer from it.
    retitled = dataclasses.replace(bundled.posters[0], title="Zebra Crossings for MILP Solvers")
    write_session(page, Session(bundled.name, bundled.location, "small",
                                [retitled, *bundled.posters[1:24]]))
    ingest([page], settings, embedder, progress=False)
    question = [f"what is at #{retitled.board}?"]
    assert "Zebra Crossings" in here.ask(question[0]).answer
    assert "Zebra Crossings" in replica_answers(settings.store, port, question)[0]["answer"]
