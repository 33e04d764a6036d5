"""Benchmarks on this machine: prints a table (and writes JSON) of the figures that matter.

    python benchmarks/run.py [--repeat 3] [--json benchmarks/results.json] [--skip-ingest]

Each figure is the median of --repeat runs, next to its target and the command that
reproduces it by hand. Uses a fresh store in a temporary directory; nothing else is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
       "HF_HUB_DISABLE_TELEMETRY": "1", "ORT_DISABLE_TELEMETRY": "1",
       "GRADIO_ANALYTICS_ENABLED": "False"}
POSTERS = [sys.executable, "-m", "assistant.cli"]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    started = time.perf_counter()
    subprocess.run(command, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def app_start(store: Path) -> float:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    app = subprocess.Popen([*POSTERS, "chat", "--port", str(port), "--store", str(store)],
                           env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return time.perf_counter() - started
            except OSError:
                if time.perf_counter() - started > 120:
                    raise SystemExit("the app did not start within 120 s") from None
                time.sleep(0.05)
    finally:
        app.terminate()
        app.wait()


def embedding_floor(store: Path) -> float:
    """Seconds to embed the bundled session's chunk texts alone, the way ingest batches them."""
    from llama_index.core.schema import MetadataMode

    from assistant.embedding import load_embedder
    from assistant.settings import BUNDLED_SESSION, Settings
    from ingest.chunk import chunk_posters, make_splitter
    from ingest.parse import load_session

    settings = Settings(store=store)
    embedder = load_embedder(settings.embed_model, settings.embed_batch_size)
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap,
                             embedder.count_tokens)
    texts = sorted((n.get_content(MetadataMode.EMBED) for n in
                    chunk_posters(load_session(BUNDLED_SESSION).posters, splitter)), key=len)
    started = time.perf_counter()
    for at in range(0, len(texts), settings.embed_batch_size):
        embedder.get_text_embedding_batch(texts[at:at + settings.embed_batch_size])
    return time.perf_counter() - started


def warm_figures(store: Path) -> dict:
    from assistant.ask import Assistant
    from assistant.retrieve import ANY_POSTER
    from assistant.settings import Settings
    from assistant.summarize import summarize
    from assistant.understand import strip_frame
    from eval.testset import DEFAULT_TESTSET, load_testset

    assistant = Assistant(Settings(store=store, backend="extractive"))
    rows = load_testset(DEFAULT_TESTSET)
    assistant.ask(rows[0].question)  # warm: BM25 built, model loaded
    retrieval, asking = [], []
    for row in rows:
        started = time.perf_counter()
        assistant.candidates(strip_frame(row.question), ANY_POSTER, "hybrid")
        retrieval.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assistant.ask(row.question)
        asking.append((time.perf_counter() - started) * 1000)
    summaries = []
    for area in ["diffusion models", "reinforcement learning", "graph neural networks",
                 "language models", "optimization"]:
        started = time.perf_counter()
        summary = summarize(assistant, area, max_posters=30)
        summaries.append(((time.perf_counter() - started) * 1000, len(summary.boards)))
    return {"retrieval_ms": percentiles(retrieval), "ask_ms": percentiles(asking),
            "summary_ms": summaries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-ingest", action="store_true",
                        help="reuse POSTERS_STORE instead of timing a fresh ingest")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})
    work = Path(tempfile.mkdtemp(prefix="posters-bench-"))
    store = Path(os.environ["POSTERS_STORE"]) if args.skip_ingest else work / "store"
    rows: list[tuple[str, str, str, str]] = []  # figure, value, target, command
    if not args.skip_ingest:
        ingests = []
        for i in range(args.repeat):
            seconds, peak = timed([*POSTERS, "ingest", "--rebuild", "--no-progress",
                                   "--store", str(store)])
            ingests.append(seconds)
            print(f"ingest run {i + 1}: {seconds:.1f} s", file=sys.stderr)
        floors = [embedding_floor(store) for _ in range(args.repeat)]
        ingest_s, floor_s = statistics.median(ingests), statistics.median(floors)
        rows += [("ingest, bundled session (s)", f"{ingest_s:.1f}", "",
                  "posters ingest --rebuild --store S"),
                 ("embedding alone, same chunks (s)", f"{floor_s:.1f}", "", "(in this script)"),
                 ("ingest / embedding floor", f"{ingest_s / floor_s:.2f}x", "<= 1.3x", ""),
                 ("peak RSS of an ingest (MB)", f"{peak:.0f}", "<= 1500", "")]
    colds = [timed([*POSTERS, "ask", "what is at #813?", "--store", str(store)])[0]
             for _ in range(args.repeat)]
    helps = [timed([*POSTERS, "--help"])[0] for _ in range(args.repeat)]
    starts = [app_start(store) for _ in range(args.repeat)]
    warm = warm_figures(store)
    rows += [
        ("cold `posters ask` (s)", f"{statistics.median(colds):.2f}", "<= 4",
         "time posters ask 'what is at #813?'"),
        ("`posters --help` (s)", f"{statistics.median(helps):.2f}", "", "time posters --help"),
        ("app start, until it listens (s)", f"{statistics.median(starts):.2f}", "<= 8",
         "posters chat"),
        ("warm hybrid retrieval p50 / p95 (ms)",
         "{:.1f} / {:.1f}".format(*warm["retrieval_ms"]), "p95 <= 30", "(in this script)"),
        ("warm extractive ask p50 / p95 (ms)", "{:.1f} / {:.1f}".format(*warm["ask_ms"]),
         "p95 <= 100", "posters eval"),
        ("area summary, up to 30 posters (ms, max)",
         f"{max(ms for ms, _ in warm['summary_ms']):.0f} ({max(n for _, n in warm['summary_ms'])}"
         " posters)", "< 2000", "posters summarize 'diffusion models'"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | value | target | command |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, value, target, command in rows:
        print(f"| {figure:<{width}} | {value} | {target} | {command} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "warm": warm}, indent=1))


if __name__ == "__main__":
    main()
