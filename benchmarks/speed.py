"""Speed against its floor: prints a table of what a question costs beside what it must cost.

    python benchmarks/speed.py [--store S] [--repeat 5] [--big 100000] [--big-store DIR]

- warm extractive `ask` p50 over the dev questions that reach retrieval, beside the p50 of
  embedding the same questions (the model's share, the floor), in the same process and run;
- cold `posters ask "what is at #813?"` (process start to answer), beside
  `python -c "import chromadb"`, measured in turn;
- opening the store (the saved index and the poster table) and the query process's peak RSS,
  for the bundled session and for a synthetic store of --big posters built with `hash-384`
  (benchmarks/synth.py; no model, the real chunks and vector size), with warm hybrid
  retrieval p50 / p95 there.
Without --store, the bundled session is ingested into a temporary store first. Speed is
measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
       "HF_HUB_DISABLE_TELEMETRY": "1", "ORT_DISABLE_TELEMETRY": "1",
       "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
       "POSTERS_BACKEND": "extractive"}
POSTERS = [sys.executable, "-m", "assistant.cli"]


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def child(command: list[str], env: dict[str, str] | None = None
          ) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MB, from the child's own rusage), stdout and CPU seconds (user
    + system: on a shared machine the wall time depends on the other load, this much less)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env or ENV, stdout=out, stderr=err, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(command[:5])} failed:\n{err.read()[-3000:]}")
        return (seconds, usage.ru_maxrss / 1024, out.read(),
                usage.ru_utime + usage.ru_stime)


class CountingEmbedder:
    """The assistant's embedder, counting the questions it embeds (which reach retrieval)."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def get_query_embedding(self, text: str) -> list[float]:
        self.calls += 1
        return self.inner.get_query_embedding(text)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def warm(store: Path, questions: int) -> dict:
    """In this process: ask p50 over dev questions that reach retrieval, and the p50 of
    embedding the same questions, interleaved so both see the same machine."""
    sys.path.insert(0, str(ROOT))
    from assistant.ask import Assistant
    from assistant.embedding import load_embedder
    from assistant.retrieve import ANY_POSTER
    from assistant.settings import Settings
    from assistant.understand import strip_frame
    from eval.testset import DEFAULT_TESTSET, load_testset

    settings = Settings(store=store, backend="extractive")
    embedder = CountingEmbedder(load_embedder(settings.embed_model, settings.embed_batch_size))
    assistant = Assistant(settings, embedder=embedder)
    rows = [r for r in load_testset(DEFAULT_TESTSET) if r.split == "dev" and r.question]
    for row in rows[:5]:  # warm: model loaded, caches filled
        assistant.ask(row.question)
    asks, embeds, retrievals = [], [], []
    for row in rows:
        before = embedder.calls
        started = time.perf_counter()
        assistant.ask(row.question)
        took = time.perf_counter() - started
        if embedder.calls == before:
            continue  # answered from metadata (a board, a filter): no retrieval
        asks.append(took * 1000)
        started = time.perf_counter()
        embedder.inner.get_query_embedding(strip_frame(row.question))
        embeds.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()  # the store's share: both rankers, embedding included
        assistant.candidates(strip_frame(row.question), ANY_POSTER, "hybrid")
        retrievals.append((time.perf_counter() - started) * 1000)
        if len(asks) == questions:
            break
    return {"ask_ms": percentiles(asks), "embed_ms": percentiles(embeds),
            "retrieval_ms": percentiles(retrievals), "n": len(asks)}


def probe(store: Path, model: str, queries: int) -> dict:
    """In a child: open the store, then warm hybrid retrieval over poster titles."""
    sys.path.insert(0, str(ROOT))
    from assistant.embedding import load_embedder
    from assistant.index import PosterIndex
    from assistant.retrieve import fuse_rankings
    from assistant.settings import BUNDLED_SESSION, Settings
    from ingest.parse import load_session

    settings = Settings(store=store, embed_model=model)
    embedder = load_embedder(model)
    started = time.perf_counter()
    index = PosterIndex(settings, embedder)
    opened = time.perf_counter() - started
    titles = [p.title for p in load_session(BUNDLED_SESSION).posters[:queries]]
    timings = []
    for title in [titles[0], *titles]:
        started = time.perf_counter()
        fuse_rankings([index.dense(title, 30), index.bm25(title, 30)])
        timings.append((time.perf_counter() - started) * 1000)
    return {"open_s": opened, "retrieval_ms": percentiles(timings[1:]),
            "posters": len(index.cards)}


def big_store(size: int, work: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from assistant.settings import BUNDLED_SESSION
    from benchmarks.synth import write_pages
    from ingest.parse import load_session

    pages = write_pages(load_session(BUNDLED_SESSION).posters, work / f"pages-{size}", size)
    store = work / f"store-{size}"
    sources = [arg for page in pages for arg in ("--source", str(page.path))]
    print(f"ingesting {size} synthetic posters with hash-384 ...", file=sys.stderr)
    seconds, _peak, _out, _cpu = child([*POSTERS, "ingest", "--no-progress", "--store", str(store),
                                  *sources], {**ENV, "POSTERS_EMBED_MODEL": "hash-384"})
    print(f"... {seconds:.0f} s", file=sys.stderr)
    return store


def opened(store: Path, model: str) -> dict:
    _s, peak, out, _cpu = child([sys.executable, __file__, "--probe", str(store), "--model", model])
    return {**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--store", type=Path, help="the bundled session's store (default: "
                        "ingest it into a temporary one)")
    parser.add_argument("--repeat", type=int, default=5, help="cold runs of each command")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--big", type=int, default=100_000, help="0: skip the large store")
    parser.add_argument("--big-store", type=Path, help="a hash-384 store built before")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model", default="minilm-int8", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})
    if args.probe:
        print(json.dumps(probe(args.probe, args.model, 60)))
        return
    work = Path(tempfile.mkdtemp(prefix="posters-speed-"))
    store = args.store
    if store is None:
        store = work / "store"
        child([*POSTERS, "ingest", "--no-progress", "--store", str(store)])
    rows: list[tuple[str, str, str, str]] = []  # figure, value, floor, ratio
    w = warm(store, args.questions)
    rows.append((f"warm extractive ask p50 ({w['n']} dev questions that reach retrieval)",
                 f"{w['ask_ms'][0]:.1f} ms", f"embedding them: {w['embed_ms'][0]:.1f} ms",
                 f"{w['ask_ms'][0] / w['embed_ms'][0]:.2f}x"))
    rows.append(("... of which hybrid retrieval (dense + BM25, embedding included) p50",
                 f"{w['retrieval_ms'][0]:.1f} ms", "",
                 f"{w['retrieval_ms'][0] / w['embed_ms'][0]:.2f}x"))
    colds, imports = [], []
    for _ in range(args.repeat):  # in turn, so both see the same machine
        colds.append(child([*POSTERS, "ask", "what is at #813?", "--store", str(store)])[0])
        imports.append(child([sys.executable, "-c", "import chromadb"])[0])
    cold, floor = statistics.median(colds), statistics.median(imports)
    rows.append(("cold `posters ask \"what is at #813?\"`", f"{cold:.2f} s",
                 f"`python -c \"import chromadb\"`: {floor:.2f} s", f"{cold / floor:.2f}x"))
    small = opened(store, "minilm-int8")
    rows.append((f"open the store ({small['posters']:,} posters) / query process peak",
                 f"{small['open_s'] * 1000:.0f} ms / {small['peak_mb']:.0f} MB", "", ""))
    if args.big:
        big = args.big_store or big_store(args.big, work)
        large = opened(big, "hash-384")
        rows.append((f"open a {large['posters']:,}-poster store (hash-384) / query process peak",
                     f"{large['open_s']:.2f} s / {large['peak_mb']:.0f} MB",
                     "<= 3 s / <= 800 MB", ""))
        rows.append((f"hybrid retrieval p50 / p95 at {large['posters']:,} (no model time)",
                     "{:.1f} / {:.1f} ms".format(*large["retrieval_ms"]), "", ""))
    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | value | floor | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, value, beside, ratio in rows:
        print(f"| {figure:<{width}} | {value} | {beside} | {ratio} |")


if __name__ == "__main__":
    main()
