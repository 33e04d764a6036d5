"""Run a test set through the same path as `posters ask` and write metrics, report and plot."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from eval.metrics import (
    RECALL_AT,
    SUMMARY_KIND,
    Scored,
    aggregate,
    faithfulness,
    passes,
    recall_at,
    summary_precision,
    summary_recall,
)
from eval.testset import Row

RETRIEVERS = ("hybrid", "dense", "bm25")
CURVE_KS = (1, 2, 3, 5, 10, 15, 20)


def run_testset(assistant, rows: Sequence[Row], retriever: str = "hybrid", k: int | None = None,
                progress: bool | None = None) -> list[Scored]:
    """Every row through `Assistant.ask`; a conversation row turn by turn, each turn seeing
    the previous answer as the app and `ask --history` would."""
    from tqdm import tqdm

    from assistant.followup import Turn

    texts = {b: f"{c.title} {c.abstract}" for b, c in assistant.index.by_board.items()}
    scored = []
    for row in tqdm(rows, desc=f"eval {retriever}", unit="q", disable=None if progress is None
                    else not progress):
        previous = None
        for number, turn in enumerate(row.turns or [row], start=1):
            started = time.perf_counter()
            answer = assistant.ask(turn.question, k=k, retriever=retriever, previous=previous)
            latency = (time.perf_counter() - started) * 1000
            previous = Turn(turn.question, answer.citations, answer.answer, answer.plan,
                            answer.results)
            scored.append(Scored(
                id=f"{row.id}#{number}" if row.turns else row.id, kind=row.kind,
                gold=turn.gold_boards, accept_any=turn.accept_any, retrieved=answer.retrieved,
                cited=answer.citations, abstained=answer.abstained,
                latency_ms=round(latency, 2), answer_text=answer.answer,
                gold_answer=turn.answer, faithfulness=faithfulness(answer.answer, texts),
                plan=answer.plan.to_json() if answer.plan else None, split=row.split,
                question=turn.question, results=answer.results,
                decided_by=answer.decided_by))
    return scored


def summarize(scored: Sequence[Scored]) -> dict:
    kinds = sorted({s.kind for s in scored})
    splits = sorted({s.split for s in scored if s.split})
    return {"overall": aggregate(scored),
            "by_kind": {kind: aggregate([s for s in scored if s.kind == kind]) for kind in kinds},
            "by_split": {split: aggregate([s for s in scored if s.split == split])
                         for split in splits}}


def per_question(scored: Sequence[Scored]) -> list[dict]:
    """One row per question (per turn of a conversation), with what a reader needs to see
    why an answer went wrong: the plan it followed and the answer's text."""
    return [{"id": s.id, "kind": s.kind, "split": s.split, "passed": passes(s),
             "gold": s.gold, "retrieved": s.retrieved[:20], "cited": s.cited,
             "abstained": s.abstained, "latency_ms": s.latency_ms,
             "plan": _plan_brief(s.plan), "decided_by": s.decided_by,
             "answer": s.answer_text[:600]} for s in scored]


def _plan_brief(plan: dict | None) -> dict | None:
    """The plan without its empty fields."""
    if plan is None:
        return None
    return {k: v for k, v in plan.items() if v not in (None, "", [], False)}


def recall_curve(scored: Sequence[Scored]) -> dict[int, float]:
    answerable = [s for s in scored if s.gold]
    return {k: sum(recall_at(s.gold, s.retrieved, k, s.accept_any) for s in answerable)
            / max(1, len(answerable)) for k in CURVE_KS}


def write_outputs(out: Path, main: str, runs: dict[str, list[Scored]],
                  rows: Sequence[Row], config: dict) -> dict:
    """metrics.json (the main retriever's run, plus the others' overall), report.md, plot.png."""
    out.mkdir(parents=True, exist_ok=True)
    metrics = summarize(runs[main])
    metrics["retriever"] = main
    metrics["config"] = config
    metrics["retrievers"] = {name: summarize(run)["overall"] for name, run in runs.items()}
    metrics["per_question"] = per_question(runs[main])
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    (out / "report.md").write_text(render_report(metrics, runs, main, rows), encoding="utf-8")
    plot_runs(runs, out / "plot.png")
    return metrics


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


METRIC_COLUMNS = ("n", "pass_rate", *(f"recall@{k}" for k in RECALL_AT), "mrr", "ndcg@10",
                  "citation_precision", "citation_recall", "abstention_rate",
                  "false_abstention_rate", "answer_match", "faithfulness", "summary_recall",
                  "summary_precision", "summary_recall_broad")


def metrics_table(groups: dict[str, dict]) -> str:
    head = "| group | " + " | ".join(METRIC_COLUMNS) + " | p50 ms | p95 ms |"
    lines = [head, "|" + "---|" * (len(METRIC_COLUMNS) + 3)]
    for name, m in groups.items():
        cells = [_fmt(m.get(c)) for c in METRIC_COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {m['latency_ms']['p50']} | {m['latency_ms']['p95']} |")
    return "\n".join(lines)


def render_report(metrics: dict, runs: dict[str, list[Scored]], main: str,
                  rows: Sequence[Row]) -> str:
    parts = [f"# Evaluation report\n\nRetriever: **{main}**, backend: "
             f"**{metrics['config'].get('backend', 'extractive')}**, {len(runs[main])} questions"
             f", test set `{metrics['config'].get('testset')}`.\n",
             "## By kind\n", metrics_table({**metrics["by_kind"], "overall": metrics["overall"]}),
             "\n## By split\n", metrics_table(metrics["by_split"]),
             "\n## Retrievers side by side (overall)\n", metrics_table(metrics["retrievers"]),
             "\n## Worst questions\n"]
    worst = sorted(runs[main], key=_badness, reverse=True)[:15]
    for s in worst:
        if _badness(s) <= 0:
            break
        parts.append(f"- `{s.id}` ({s.kind}) {s.question!r}: gold {s.gold}, "
                     f"retrieved {s.retrieved[:8]}, cited {s.cited}"
                     f"{', abstained' if s.abstained else ''}; plan {_plan_brief(s.plan)}")
    parts += ["\n## Why these abstained or answered wrongly\n",
              "Every answerable question that abstained, and every question nothing answers "
              "(unanswerable, near miss, absent title) that was answered, with the evidence "
              "that decided it (`decided_by`).\n"]
    wrong = [s for s in runs[main] if bool(s.gold) == s.abstained]
    parts += [f"- `{s.id}` ({s.kind}) {s.question!r}: "
              f"{'abstained' if s.abstained else f'answered, cited {s.cited[:8]}'}; "
              f"{s.decided_by or 'no relevance decision (a named poster, a filter, a plan)'}"
              for s in wrong] or ["None."]
    return "\n".join(parts) + "\n"


def _badness(s: Scored) -> float:
    if not s.gold:
        return 1.0 if not s.abstained else 0.0
    if s.abstained:
        return 1.0
    if s.kind == SUMMARY_KIND:
        return 1.0 - min(summary_recall(s), summary_precision(s))
    return 1.0 - recall_at(s.gold, s.cited, len(s.cited), s.accept_any)


def plot_runs(runs: dict[str, list[Scored]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, run in runs.items():
        curve = recall_curve(run)
        left.plot(list(curve), list(curve.values()), marker="o", label=name)
    left.set(xlabel="k", ylabel="recall@k (answerable questions)", title="Recall at k",
             ylim=(0, 1.02))
    left.legend()
    for name, run in runs.items():
        right.hist([s.latency_ms for s in run], bins=30, alpha=0.5, label=name)
    right.set(xlabel="latency per question (ms)", ylabel="questions", title="Latency")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
