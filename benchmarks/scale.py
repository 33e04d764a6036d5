"""Scale benchmark: synthetic sessions of 1k, 10k, 100k posters; ingest and retrieval cost.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--real-up-to 1000]
                               [--json benchmarks/scale.json] [--plot docs/scale.png]

For each size: writes synthetic pages (benchmarks/synth.py: real sentences recombined, new
boards), ingests them into a fresh store with `posters ingest` in a child process (wall time,
posters/s, peak RSS), measures the store on disk, then opens it in another child and times warm
retrieval (dense, BM25 and the hybrid the assistant uses) and extractive answers over topic
questions, and the memory BM25 takes. Every size is measured with `hash-384`
(no model; the same chunks and vector size), and sizes up to --real-up-to also with the real
model: it embeds about 13 chunks/s on 2 cores, so 100k posters would take about 2 hours.
hash-384 retrieval includes no model time; the real rows show the model's share.
Rows already in --json are kept (--fresh measures everything again, --redo MODEL only that
model's rows among --sizes). When the real model was measured at both 1k and 10k, the real
ingest at 100k is extrapolated from those two rows alone (a fixed cost plus a cost per
poster, through both points); never from hash-384 rows.
Prints a table, writes JSON and a PNG of latency against corpus size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
       "HF_HUB_DISABLE_TELEMETRY": "1", "ORT_DISABLE_TELEMETRY": "1",
       "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
REAL_MODEL, FAST_MODEL = "minilm-int8", "hash-384"

sys.path.insert(0, str(ROOT))
from benchmarks.speed import child, percentiles  # noqa: E402  (run as a script)


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(store: Path, model: str, queries: int) -> dict:
    """In a child: open the store, build BM25, time warm retrieval and answers."""
    from assistant.ask import Assistant
    from assistant.retrieve import ANY_POSTER
    from assistant.settings import BUNDLED_SESSION, Settings
    from assistant.understand import strip_frame
    from ingest.parse import load_session

    questions = [p.title for p in load_session(BUNDLED_SESSION).posters[:queries]]
    started = time.perf_counter()
    assistant = Assistant(Settings(store=store, embed_model=model, backend="extractive"))
    opened = time.perf_counter() - started
    from assistant import store as st
    from assistant.index import BM25_DIR, SAVED_INDEX

    # BM25 is saved at ingest and memory-mapped: its size on disk, and what its first
    # query grows the process by (the pages it touches).
    bm25_mb = disk_mb(st.current_generation(store) / SAVED_INDEX / BM25_DIR)
    before = rss_mb()
    started = time.perf_counter()
    assistant.index.bm25(questions[0], 30)
    bm25_build = time.perf_counter() - started
    bm25_rss_mb = rss_mb() - before
    assistant.ask(questions[0])  # warm: model loaded, vector index opened
    dense, lexical, hybrid, embed, answers = [], [], [], [], []
    timings: dict[str, list[float]] = {"embed": [], "dense": [], "bm25": [], "hybrid": [],
                                       "ask": []}
    for question in questions:
        text = strip_frame(question)
        calls = {"embed": (assistant.embedder.get_query_embedding, text),
                 "dense": (assistant.index.dense, text, 30),
                 "bm25": (assistant.index.bm25, text, 30),
                 "hybrid": (assistant.candidates, text, ANY_POSTER, "hybrid"),
                 "ask": (assistant.ask, question)}
        for name, (call, *call_args) in calls.items():
            started = time.perf_counter()
            call(*call_args)
            timings[name].append((time.perf_counter() - started) * 1000)
    dense, lexical, hybrid, embed, answers = (timings[k] for k in (
        "dense", "bm25", "hybrid", "embed", "ask"))
    return {"open_s": opened, "bm25_build_s": bm25_build, "bm25_mb": bm25_mb,
            "bm25_rss_mb": bm25_rss_mb,
            "query_embed_ms": percentiles(embed), "dense_ms": percentiles(dense),
            "bm25_ms": percentiles(lexical), "retrieval_ms": percentiles(hybrid),
            "ask_ms": percentiles(answers), "posters": len(assistant.cards)}


def bench_size(size: int, model: str, work: Path, queries: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from assistant.settings import BUNDLED_SESSION
    from benchmarks.synth import write_pages
    from ingest.parse import load_session

    pages = write_pages(load_session(BUNDLED_SESSION).posters, work / f"pages-{size}", size)
    store = work / f"store-{size}-{model}"
    env = {**ENV, "POSTERS_EMBED_MODEL": model}
    sources = [arg for page in pages for arg in ("--source", str(page.path))]
    print(f"[{size}] ingesting {len(pages)} pages with {model} ...", file=sys.stderr)
    seconds, peak, out, cpu = child([sys.executable, "-m", "assistant.cli", "ingest",
                                    "--no-progress", "--store", str(store), *sources], env)
    chunks = int(out.split(" chunks embedded")[0].rsplit(" ", 1)[1])
    print(f"[{size}] {seconds:.0f} s, {chunks} chunks; measuring retrieval ...", file=sys.stderr)
    _seconds, probe_peak, probe_out, _cpu = child(
        [sys.executable, str(Path(__file__).resolve()), "--probe", str(store), "--model", model,
         "--queries", str(queries)], env)
    figures = json.loads(probe_out.strip().splitlines()[-1])
    return {"posters": size, "model": model, "chunks": chunks, "ingest_s": seconds,
            "posters_per_s": size / seconds, "chunks_per_s": chunks / seconds,
            "ingest_cpu_s": cpu, "load_avg": os.getloadavg()[1],
            "ingest_peak_mb": peak, "disk_mb": disk_mb(store), "app_peak_mb": probe_peak,
            **figures}


def cpu(row: dict) -> str:
    """CPU seconds of the ingest (rows measured before it was recorded have none)."""
    return f"{row['ingest_cpu_s']:.0f} s" if "ingest_cpu_s" in row else "–"


def table(rows: list[dict]) -> str:
    head = ("| posters | model | chunks | ingest | ingest CPU | posters/s | ingest peak RSS | "
            "on disk | "
            "open | BM25 on disk (first query growth) | retrieval p50 / p95 | "
            "(dense / BM25 p95) | "
            "query embed p95 | extractive ask p95 | query process peak |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        lines.append(
            f"| {r['posters']:,} | {r['model']} | {r['chunks']:,} | {r['ingest_s']:.0f} s | "
            f"{cpu(r)} | {r['posters_per_s']:.1f} | {r['ingest_peak_mb']:.0f} MB | "
            f"{r['disk_mb']:.0f} MB | "
            f"{r['open_s']:.1f} s | {r['bm25_mb']:.0f} MB ({r['bm25_rss_mb']:.0f} MB) | "
            f"{r['retrieval_ms'][0]:.0f} / {r['retrieval_ms'][1]:.0f} ms | "
            f"{r['dense_ms'][1]:.0f} / {r['bm25_ms'][1]:.0f} ms | "
            f"{r['query_embed_ms'][1]:.1f} ms | {r['ask_ms'][1]:.0f} ms | "
            f"{r['app_peak_mb']:.0f} MB |")
    return "\n".join(lines)


def extrapolate(rows: list[dict], to: int = 100_000, small: int = 1000,
                big: int = 10_000) -> dict | None:
    """The real model's ingest at `to` posters, from its measured `small` and `big` rows only
    (a line through both: fixed cost plus cost per poster). None unless both were measured."""
    real = {r["posters"]: r for r in rows if r["model"] == REAL_MODEL}
    if small not in real or big not in real:
        return None
    a, b = real[small], real[big]

    def line(key: str) -> float:
        return b[key] + (b[key] - a[key]) * (to - big) / (big - small)

    guess = {"posters": to, "from": [small, big], "ingest_s": line("ingest_s"),
             "ingest_peak_mb": line("ingest_peak_mb"), "disk_mb": line("disk_mb"),
             "chunks": line("chunks")}
    if "ingest_cpu_s" in a and "ingest_cpu_s" in b:  # less at the mercy of other load
        guess["ingest_cpu_s"] = line("ingest_cpu_s")
    return guess


def extrapolation_line(guess: dict) -> str:
    cpu_hours = (f"; {guess['ingest_cpu_s'] / 3600:.1f} CPU-hours" if "ingest_cpu_s" in guess
                 else "")
    return (f"Extrapolated real-model ingest at {guess['posters']:,} posters (a line through "
            f"the measured {guess['from'][0]:,} and {guess['from'][1]:,} real rows): "
            f"{guess['ingest_s'] / 3600:.1f} h ({guess['posters'] / guess['ingest_s']:.1f} "
            f"posters/s, ~{guess['chunks']:,.0f} chunks{cpu_hours}), ingest peak RSS "
            f"{guess['ingest_peak_mb']:,.0f} MB, {guess['disk_mb']:,.0f} MB on disk.")


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    curve = [r for r in rows if r["model"] == FAST_MODEL]
    real = [r for r in rows if r["model"] != FAST_MODEL]
    sizes = [r["posters"] for r in curve]
    for key, label in (("retrieval_ms", "hybrid retrieval"), ("dense_ms", "dense (Chroma)"),
                       ("bm25_ms", "BM25")):
        left.plot(sizes, [r[key][1] for r in curve], marker="o", label=f"{label} p95")
    left.plot(sizes, [r["retrieval_ms"][0] for r in curve], marker="o", linestyle="--",
              label="hybrid retrieval p50")
    left.scatter([r["posters"] for r in real], [r["retrieval_ms"][1] for r in real],
                 marker="*", s=120, color="black", zorder=3,
                 label="hybrid p95, real model (incl. query embedding)")
    left.axhline(150, color="grey", linestyle=":", label="target p95 at 100k")
    left.set(xscale="log", yscale="log", xlabel="posters", ylabel="ms",
             title="Warm retrieval latency (hash-384 vectors)")
    left.legend(fontsize=7)
    right.plot(sizes, [r["ingest_peak_mb"] for r in curve], marker="o", label="ingest peak RSS")
    right.plot(sizes, [r["app_peak_mb"] for r in curve], marker="o", label="query process peak")
    right.plot(sizes, [r["disk_mb"] for r in curve], marker="o", label="store on disk")
    right.scatter([r["posters"] for r in real], [r["ingest_peak_mb"] for r in real], marker="*",
                  s=120, color="black", zorder=3, label="ingest peak, real model")
    right.axhline(2048, color="grey", linestyle=":", label="2 GB")
    right.set(xscale="log", yscale="log", xlabel="posters", ylabel="MB", title="Memory and disk")
    right.legend(fontsize=7)
    fig.suptitle("posters at scale (synthetic sessions, 2-core machine)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--real-up-to", type=int, default=1000,
                        help="use the real embedding model up to this many posters "
                        "(default 1000; hash-384 above)")
    parser.add_argument("--queries", type=int, default=60, help="topic questions per size")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "scale.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "scale.png")
    parser.add_argument("--fresh", action="store_true",
                        help="measure every size again instead of adding to --json's rows")
    parser.add_argument("--redo", nargs="+", default=[], metavar="MODEL",
                        help="measure this model's rows among --sizes again (e.g. "
                        f"{REAL_MODEL}), keeping the others")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep pages and stores here (default: a temporary directory)")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model", default=REAL_MODEL, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:  # the child that measures one store
        os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})
        sys.path.insert(0, str(ROOT))
        print(json.dumps(measure(args.probe, args.model, args.queries)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="posters-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = [] if args.fresh or not args.json.exists() else json.loads(args.json.read_text())
    redo = {(size, model) for size in args.sizes for model in args.redo}
    rows = [r for r in rows if (r["posters"], r["model"]) not in redo]
    done = {(r["posters"], r["model"]) for r in rows}
    # Every size with hash-384 (the curve); the small ones with the real model as well.
    runs = [(size, FAST_MODEL) for size in args.sizes] + [
        (size, REAL_MODEL) for size in args.sizes if size <= args.real_up_to]
    # The longest first (the largest real-model size), so an interrupted run has it.
    for size, model in sorted(runs, key=lambda run: (run[1] == FAST_MODEL, -run[0])):
        if (size, model) in done:
            continue
        rows.append(bench_size(size, model, work, args.queries))
        rows.sort(key=lambda r: (r["model"] != FAST_MODEL, r["posters"]))
        args.json.write_text(json.dumps(rows, indent=1))
        print(table(rows), file=sys.stderr)
    print(table(rows))
    guess = extrapolate(rows)
    if guess is not None:
        print("\n" + extrapolation_line(guess))
    plot(rows, args.plot)
    print(f"\nwrote {args.json} and {args.plot}; pages and stores in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
