"""Load test: simulated users chatting with the real app over gradio_client, on loopback.

    python benchmarks/load.py [--users 20] [--seconds 60] [--store DIR] [--json out.json]

Starts `posters chat` on a free local port, runs USERS concurrent clients for SECONDS (each
bounded to --max-per-user requests), samples the app's RSS, prints a table, stops the app, and
exits non-zero if any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

QUESTIONS = [
    "Is anyone generating synthetic MILP instances for solvers?",
    "Which posters are about federated learning?",
    "What is at #813?",
    "What is Bernhard Schölkopf presenting?",
    "Which posters are orals?",
    "Is anyone doing diffusion for video editing?",
    "Which posters study scaling laws?",
    "Who won the 2022 World Cup?",
]
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
       "ORT_DISABLE_TELEMETRY": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_app(store: str | None, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "assistant.cli", "chat", "--port", str(port)]
    if store:
        command += ["--store", store]
    app = subprocess.Popen(command, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return app
        except OSError:
            if app.poll() is not None:
                raise SystemExit("the app exited at start; run `posters chat` to see why") from None
            time.sleep(0.3)
    app.kill()
    raise SystemExit("the app did not start listening within 180 s")


def user(url: str, stop_at: float, max_requests: int, seed: int, out: dict) -> None:
    from gradio_client import Client

    client = Client(url, analytics_enabled=False, verbose=False)
    kinds = ["poster", "spotlight", "oral"]
    for i in range(max_requests):
        if time.monotonic() >= stop_at:
            break
        question = QUESTIONS[(seed + i) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            history, *_ = client.predict(question, [], kinds, 100, 2026, api_name="/chat")
            if not history or history[-1]["role"] != "assistant":
                raise ValueError("no answer in the reply")
            out["latencies"].append((time.perf_counter() - started) * 1000)
        except Exception as err:  # every failure is counted and reported, none stops the run
            out["errors"].append(f"{type(err).__name__}: {err}"[:200])
    client.close()


def run(users: int, seconds: float, store: str | None, max_per_user: int) -> dict:
    from gradio_client import Client

    port = free_port()
    app = start_app(store, port)
    url = f"http://127.0.0.1:{port}"
    try:
        warm = Client(url, analytics_enabled=False, verbose=False)
        warm.predict(QUESTIONS[0], [], ["poster", "spotlight", "oral"], 100, 2026,
                     api_name="/chat")
        warm.close()
        samples = [rss_mb(app.pid)]
        out: dict = {"latencies": [], "errors": []}
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=user, args=(url, stop_at, max_per_user, i, out))
                   for i in range(users)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            samples.append(rss_mb(app.pid))
            time.sleep(0.5)
        samples.append(rss_mb(app.pid))
    finally:
        app.terminate()
        app.wait(timeout=30)
    latencies = sorted(out["latencies"])
    return {
        "users": users, "seconds": seconds, "requests": len(latencies),
        "errors": len(out["errors"]), "error_examples": out["errors"][:3],
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
        "rss_start_mb": round(samples[0], 1), "rss_end_mb": round(samples[-1], 1),
        "rss_peak_mb": round(max(samples), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-per-user", type=int, default=2000)
    parser.add_argument("--store", default=None, help="store directory (default: POSTERS_STORE)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.store, args.max_per_user)
    rows = [("users", result["users"]), ("duration (s)", result["seconds"]),
            ("requests served", result["requests"]), ("errors", result["errors"]),
            ("latency p50 (ms)", result["p50_ms"]), ("latency p95 (ms)", result["p95_ms"]),
            ("app RSS start / end / peak (MB)",
             f"{result['rss_start_mb']} / {result['rss_end_mb']} / {result['rss_peak_mb']}")]
    for name, value in rows:
        print(f"| {name} | {value} |")
    for example in result["error_examples"]:
        print(f"error: {example}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
