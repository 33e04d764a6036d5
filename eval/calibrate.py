"""Choose the abstention thresholds on the dev split: `python -m eval.calibrate [--store DIR]`.

For every dev question whose plan searches a topic, it records the evidence the assistant
weighs (best cosine, best BM25, term coverage), then searches a grid for the rule that abstains
on the most questions the session does not cover while abstaining on at most 5% of the others.
Only the `dev` split is used (`--split` can say otherwise): thresholds fitted on the questions
that are reported would not be a measurement.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from assistant.ask import Assistant, clean_question, should_abstain
from assistant.retrieve import ANY_POSTER
from assistant.settings import Settings
from eval.testset import DEFAULT_TESTSET, load_testset

GRID = {
    "min_relevance": [0.20, 0.25, 0.30, 0.35],
    "sure_relevance": [0.45, 0.50, 0.55, 0.60, 0.65],
    "min_bm25": [4.0, 5.0, 5.5, 6.0, 6.4, 7.0, 8.0, 99.0],
    "min_coverage": [0.4, 0.5, 0.6, 0.7, 0.8, 1.0],
}


def collect(assistant: Assistant, rows) -> list[tuple[bool, object]]:
    """(answerable, evidence) for each single question whose plan searches a topic."""
    out = []
    for row in rows:
        if row.question is None:  # conversations are scored turn by turn, not calibrated
            continue
        plan = assistant.plan(clean_question(row.question), None)
        if plan.intent not in ("search", "count") or not plan.topic:
            continue
        where = assistant.plan_filter(plan, ANY_POSTER)
        evidence = assistant.evidence(plan.topic, assistant.candidates(plan.topic, where,
                                                                       "hybrid"))
        out.append((bool(row.gold_boards), evidence))
    return out


def search(samples, max_false: float = 0.05) -> list[tuple]:
    answerable = [e for gold, e in samples if gold]
    unanswerable = [e for gold, e in samples if not gold]
    results = []
    for values in itertools.product(*GRID.values()):
        settings = Settings(**dict(zip(GRID, values, strict=True)))
        hit = sum(should_abstain(e, settings) for e in unanswerable) / max(1, len(unanswerable))
        false = sum(should_abstain(e, settings) for e in answerable) / max(1, len(answerable))
        if false <= max_false:
            results.append((hit, -false, dict(zip(GRID, values, strict=True))))
    return sorted(results, key=lambda r: (r[0], r[1]), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--testset", type=Path, default=DEFAULT_TESTSET)
    parser.add_argument("--split", default="dev", help="rows of this split only [dev]")
    args = parser.parse_args()
    settings = Settings(**({"store": args.store} if args.store else {}))
    rows = [r for r in load_testset(args.testset) if r.split == args.split]
    print(f"Calibrating on the {args.split!r} split of {args.testset} ({len(rows)} rows)")
    samples = collect(Assistant(settings), rows)
    print(f"{len(samples)} questions go to retrieval "
          f"({sum(not g for g, _ in samples)} unanswerable)")
    for hit, false, values in search(samples)[:10]:
        print(f"abstain on {hit:.3f} of unanswerable, {-false:.3f} of answerable: {values}")


if __name__ == "__main__":
    main()
