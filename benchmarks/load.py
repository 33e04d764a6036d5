"""Load test: simulated users chatting with the real app over gradio_client, on loopback.

    python benchmarks/load.py [--users 20] [--seconds 60] [--flood N] [--soak] [--store DIR]
                              [--json out.json]

Starts `posters chat` on a free local port, runs USERS concurrent clients for SECONDS (each
bounded to --max-per-user requests), samples the app's RSS, prints a table, stops the app, and
exits non-zero if any user's request failed. `--flood N` adds one client at another loopback
address (127.0.0.2) that keeps N questions in flight all along, each call a new session, as a
script hammering the app would: the table then says how many of its questions were answered
or refused, and whether the users still got theirs.
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


FLOOD_PAUSE = 1.0  # seconds a flood thread waits after a refusal: keeps the run bounded
FLOOD_ADDRESS = "127.0.0.2"  # loopback still, but not the users' address: another machine


def flood_call(http, url: str, question: str) -> str:
    """One question through the REST API (a new session each time): 'answered', 'refused',
    'queue full', or what went wrong."""
    data = [question, [], ["poster", "spotlight", "oral"], 100, 2026, "All sessions", [], "",
            None]
    reply = http.post(f"{url}/gradio_api/call/chat", json={"data": data})
    if reply.status_code in (422, 503):
        return "refused" if "being answered" in reply.text else "queue full"
    reply.raise_for_status()
    event_id = reply.json()["event_id"]
    with http.stream("GET", f"{url}/gradio_api/call/chat/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: complete"):
                return "answered"
            if line.startswith("event: error"):
                return "failed: the app sent an error event"
    return "failed: the stream ended without an answer"


def flood_thread(http, url: str, stop_at: float, max_requests: int, seed: int,
                 out: dict) -> None:
    """One of the flood's threads: ask, and ask again as soon as it returns."""
    for i in range(max_requests):
        if time.monotonic() >= stop_at:
            break
        try:
            outcome = flood_call(http, url, QUESTIONS[(seed + i) % len(QUESTIONS)])
        except Exception as err:  # counted and reported, never stops the run
            outcome = f"failed: {type(err).__name__}: {err}"[:200]
        out.setdefault(outcome if not outcome.startswith("failed") else "failed", []).append(
            outcome)
        if outcome != "answered":
            time.sleep(FLOOD_PAUSE)


def flood(url: str, width: int, seconds: float, max_requests: int, results) -> None:
    """`width` questions in flight for `seconds` from one other address, each call a new
    session (the REST API makes them for free): the issue's "100 parallel clients".

    Plain HTTP in a process of its own: a gradio_client per call costs the load generator
    ~0.1 s of CPU, and its threads would slow the users' side of the measurement."""
    import httpx

    transport = httpx.HTTPTransport(local_address=FLOOD_ADDRESS)
    out: dict = {}
    stop_at = time.monotonic() + seconds
    with httpx.Client(transport=transport, timeout=120,
                      limits=httpx.Limits(max_connections=width)) as http:
        threads = [threading.Thread(target=flood_thread,
                                    args=(http, url, stop_at, max_requests, i, out))
                   for i in range(width)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    results.put({"answered": len(out.get("answered", [])),
                 "refused": len(out.get("refused", [])),
                 "queue_full": len(out.get("queue full", [])),
                 "errors": out.get("failed", [])})


def start_flood(url: str, width: int, seconds: float, max_requests: int) -> tuple:
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    results = context.Queue()
    process = context.Process(target=flood, args=(url, width, seconds, max_requests, results))
    process.start()
    return process, results


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args],
                          env={**os.environ, **ENV}, capture_output=True, text=True,
                          timeout=timeout)


def store_args(store: str | None) -> list[str]:
    return ["--store", store] if store else []


def cli_asker(store: str | None, stop_at: float, out: dict) -> None:
    """`posters ask` one question after another, each a new process reading the store."""
    while time.monotonic() < stop_at:
        done = cli("ask", "what is at #813?", "--json", *store_args(store))
        ok = done.returncode == 0 and "[#813]" in json.loads(done.stdout or "{}").get(
            "answer", "")
        (out["answered"] if ok else out["errors"]).append(done.stderr.strip()[-200:])


def publisher(store: str | None, stop_at: float, pages: list[Path], out: dict) -> None:
    """`posters ingest` of the two page versions in turn: each run publishes a generation."""
    turn = 0
    while time.monotonic() < stop_at:
        done = cli("ingest", "--no-progress", "--source", str(pages[turn % 2]),
                   *store_args(store))
        (out["published"] if done.returncode == 0 else out["errors"]).append(
            done.stderr.strip()[-200:])
        turn += 1
        time.sleep(2.0)


def page_versions(folder: Path) -> list[Path]:
    """The bundled session page, and the same page with #813's title changed."""
    from assistant.settings import BUNDLED_SESSION

    text = BUNDLED_SESSION.read_text(encoding="utf-8")
    changed = text.replace("Scaling Data-Constrained Language Models",
                           "Scaling Data-Constrained Language Models (revised)", 1)
    pages = [folder / "page-a.txt", folder / "page-b.txt"]
    pages[0].write_text(text, encoding="utf-8")
    pages[1].write_text(changed, encoding="utf-8")
    return pages


def start_soak(store: str | None, seconds: float) -> tuple[list[threading.Thread], dict]:
    import tempfile

    pages = page_versions(Path(tempfile.mkdtemp(prefix="posters-soak-")))
    out: dict = {"answered": [], "errors": [], "published": [], "publish_errors": []}
    stop_at = time.monotonic() + seconds
    published = {"published": out["published"], "errors": out["publish_errors"]}
    threads = [threading.Thread(target=cli_asker, args=(store, stop_at, out)),
               threading.Thread(target=publisher, args=(store, stop_at, pages, published))]
    for thread in threads:
        thread.start()
    return threads, out


def run(users: int, seconds: float, store: str | None, max_per_user: int,
        flood_width: int = 0, soak: bool = False) -> dict:
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
        flooded: dict = {"answered": 0, "refused": 0, "queue_full": 0, "errors": []}
        flooder = start_flood(url, flood_width, seconds + 2, max_per_user) if flood_width else None
        if flooder is not None:
            time.sleep(2.0)  # the flood is in the queue before the users come
        soaking, soaked = start_soak(store, seconds) if soak else ([], {})
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=user, args=(url, stop_at, max_per_user, i, out))
                   for i in range(users)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            samples.append(rss_mb(app.pid))
            time.sleep(0.5)
        samples.append(rss_mb(app.pid))
        for thread in soaking:
            thread.join()
        if flooder is not None:
            process, results = flooder
            flooded = results.get(timeout=120)
            process.join(timeout=30)
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
        "flood": flood_width, "flood_answered": flooded["answered"],
        "flood_refused": flooded["refused"], "flood_queue_full": flooded["queue_full"],
        "flood_errors": len(flooded["errors"]),
        "flood_error_examples": flooded["errors"][:3],
        "soak": soak, "cli_answered": len(soaked.get("answered", [])),
        "cli_errors": len(soaked.get("errors", [])),
        "cli_error_examples": soaked.get("errors", [])[:3],
        "published": len(soaked.get("published", [])),
        "publish_errors": len(soaked.get("publish_errors", [])),
        "publish_error_examples": soaked.get("publish_errors", [])[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-per-user", type=int, default=2000)
    parser.add_argument("--flood", type=int, default=0, metavar="N",
                        help="add one client (from 127.0.0.2) keeping N questions in flight "
                        "(default: none)")
    parser.add_argument("--soak", action="store_true",
                        help="also run `posters ask` in a loop and `posters ingest` publishing "
                        "a changed page every few seconds, on the same store")
    parser.add_argument("--store", default=None, help="store directory (default: POSTERS_STORE)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.store, args.max_per_user, args.flood,
                 args.soak)
    rows = [("users", result["users"]), ("duration (s)", result["seconds"]),
            ("requests served", result["requests"]), ("errors", result["errors"]),
            ("latency p50 (ms)", result["p50_ms"]), ("latency p95 (ms)", result["p95_ms"]),
            ("app RSS start / end / peak (MB)",
             f"{result['rss_start_mb']} / {result['rss_end_mb']} / {result['rss_peak_mb']}")]
    if result["flood"]:
        rows += [(f"flood from {FLOOD_ADDRESS}: questions in flight", result["flood"]),
                 ("flood: answered / refused (per-client limit) / queue full / failed",
                  f"{result['flood_answered']} / {result['flood_refused']} / "
                  f"{result['flood_queue_full']} / {result['flood_errors']}")]
    if result["soak"]:
        rows += [("CLI `posters ask` answered / failed",
                  f"{result['cli_answered']} / {result['cli_errors']}"),
                 ("ingests published / failed",
                  f"{result['published']} / {result['publish_errors']}")]
    for name, value in rows:
        print(f"| {name} | {value} |")
    for example in result["error_examples"]:
        print(f"error: {example}", file=sys.stderr)
    for example in result["flood_error_examples"]:
        print(f"flood error: {example}", file=sys.stderr)
    for example in result["cli_error_examples"] + result["publish_error_examples"]:
        print(f"soak error: {example}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    failed = result["errors"] + result["cli_errors"] + result["publish_errors"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
