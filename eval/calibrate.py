"""Choose the abstention thresholds on the dev split: `python -m eval.calibrate [--store DIR]`.

For every dev question whose plan searches a topic, it records the evidence the assistant
weighs (best cosine, best BM25, term coverage), then searches a grid for the rule that abstains
on the most questions the session does not cover while abstaining on at most 5% of the others.
With `--rules` it chooses instead the bars of the evidence-per-aspect rule
(`assistant.relevance.AspectBars`) and of the clear-gap rule (`clear_gap`, `clear_cosine`):
every dev question is answered under each setting of a small grid and the pass rate per kind
is printed, best first.

With `--support` it chooses the bars of the per-word support rule (`SupportBars`: how common
an English word may be and still be taken for a way of asking, how much less of a short
topic's terms a cited poster may carry than the best-supported one, and when a poster is about
a short subject rather than naming it in passing), the same way.

With `--summary` it fits the area membership of summaries (`assistant.summarize.AreaBars`): a
logistic regression over each naming poster's features, every area weighted equally, and
reports recall and precision over the summary rows for the bars in use, for the refit weights
at a few cuts, and leaving each area out of the fit in turn (the number to trust).

Only the `dev` split is used (`--split` can say otherwise): thresholds fitted on the questions
that are reported would not be a measurement.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from assistant import relevance
from assistant.ask import Assistant, clean_question, should_abstain
from assistant.retrieve import ANY_POSTER
from assistant.settings import Settings
from eval.testset import DEFAULT_TESTSET, load_testset

# The kinds whose answers the aspect rule can change: a topic searched.
ASPECT_KINDS = {"near_miss", "topic", "combo", "count", "unanswerable", "typo", "lookup",
                "detail", "poster_question", "conversation"}
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


ASPECT_GRID = {"max_words": [3, 4], "terms": [0.0, 0.3, 0.5],
               "dense": [0.25, 0.3, 0.35, 0.4, 0.45, 0.5]}
GAP_GRID = {"clear_gap": [0.1, 0.12, 0.15, 0.2], "clear_cosine": [0.35, 0.4, 0.45]}


def _pass_rates(assistant: Assistant, rows) -> tuple[float, dict[str, float]]:
    from eval.harness import run_testset
    from eval.metrics import passes

    scored = run_testset(assistant, rows, progress=False)
    kinds = sorted({s.kind for s in scored})
    per_kind = {kind: sum(passes(s) for s in scored if s.kind == kind)
                / sum(s.kind == kind for s in scored) for kind in kinds}
    return sum(passes(s) for s in scored) / len(scored), per_kind


def rule_grid(assistant: Assistant, rows) -> list[tuple[float, dict, dict[str, float]]]:
    """(pass rate, values, pass rate per kind) for every setting of the aspect bars, then of
    the clear-gap rule, best first: each question answered as `posters ask` would."""
    results = []
    base = assistant.settings
    for values in itertools.product(*ASPECT_GRID.values()):
        bars = dict(zip(ASPECT_GRID, values, strict=True))
        relevance.ASPECT_BARS = relevance.AspectBars(**bars)
        rate, per_kind = _pass_rates(assistant, rows)
        results.append((rate, bars, per_kind))
    relevance.ASPECT_BARS = relevance.AspectBars()
    for values in itertools.product(*GAP_GRID.values()):
        gap = dict(zip(GAP_GRID, values, strict=True))
        assistant.settings = base.model_copy(update=gap)
        rate, per_kind = _pass_rates(assistant, rows)
        results.append((rate, gap, per_kind))
    assistant.settings = base
    return sorted(results, key=lambda r: -r[0])


SUPPORT_GRID = {"common": [3000, 4000, 5000, 6000], "share": [0.5, 0.6, 0.7],
                "close": [0.9, 0.95, 1.01]}
# The bars of `assistant.relevance.about` (is a poster about a short subject, or does it name it
# in passing?), tried apart, the others at their defaults.
ABOUT_GRID = {"times": [2, 3], "specific": [0.05, 0.1, 0.2]}


def support_grid(assistant: Assistant, rows) -> list[tuple[float, dict, dict[str, float]]]:
    """(pass rate, values, pass rate per kind and topic citation precision) for every setting
    of the support bars, best first."""
    from eval.harness import run_testset
    from eval.metrics import aggregate, passes

    results = []
    settings = [dict(zip(SUPPORT_GRID, values, strict=True))
                for values in itertools.product(*SUPPORT_GRID.values())]
    settings += [dict(zip(ABOUT_GRID, values, strict=True))
                 for values in itertools.product(*ABOUT_GRID.values())]
    for bars in settings:
        relevance.SUPPORT_BARS = relevance.SupportBars(**bars)
        scored = run_testset(assistant, rows, progress=False)
        per_kind = {kind: sum(passes(s) for s in scored if s.kind == kind)
                    / sum(s.kind == kind for s in scored) for kind in sorted({
                        s.kind for s in scored})}
        # Precision is what the share bar trades against recall: shown beside the passes.
        for kind in ("topic", "count"):
            per_kind[f"{kind}_precision"] = aggregate(
                [s for s in scored if s.kind == kind])["citation_precision"] or 0.0
        results.append((sum(passes(s) for s in scored) / len(scored), bars, per_kind))
    relevance.SUPPORT_BARS = relevance.SupportBars()
    return sorted(results, key=lambda r: -r[0])


def area_samples(assistant: Assistant, rows) -> list[dict]:
    """Per summary row: every poster's membership features, which of them name the area (the
    only ones a summary can keep), and which are gold."""
    import numpy as np

    from assistant import summarize
    from assistant.understand import strip_frame

    corpus = summarize.corpus_of(assistant.index)
    every = list(range(len(corpus.keys)))
    boards = np.array([assistant.index.cards[key].board for key in corpus.keys])
    samples = []
    for row in rows:
        plan = assistant.plan(clean_question(row.question), None)
        area = strip_frame(plan.topic or row.question)
        query = np.asarray(assistant.embedder.get_query_embedding(area), dtype=np.float64)
        said = summarize.area_evidence(corpus, every, area, query)
        samples.append({"id": row.id, "area": area, "said": said, "query": query,
                        "vectors": corpus.vectors, "gold": np.isin(boards, row.gold_boards),
                        "features": summarize.area_features(corpus.vectors, query, said,
                                                            summarize.BARS.seed_share),
                        "names": said[:, :5].sum(axis=1) > 0})
    return samples


def fit_area_weights(samples: list[dict], l2: float = 0.1):
    """Logistic regression (Newton steps, an L2 penalty on all but the bias) over the posters
    that name each area, its gold and other posters weighing half each."""
    import numpy as np

    x = np.vstack([s["features"][s["names"]] for s in samples])
    y = np.concatenate([s["gold"][s["names"]] for s in samples]).astype(float)
    weight = np.concatenate([np.where(g, 0.5 / max(1, g.sum()), 0.5 / max(1, (~g).sum()))
                             for g in (s["gold"][s["names"]] for s in samples)])
    penalty = l2 * np.diag(np.r_[np.ones(x.shape[1] - 1), 0.0])
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(len(beta))
        beta -= np.linalg.solve(hessian, x.T @ (weight * (p - y)) + penalty @ beta)
    return tuple(round(float(b), 2) for b in beta)


def area_scores(samples: list[dict], bars) -> tuple[float, float, float | None]:
    """Mean recall, precision and broad-area (20+ gold) recall of the areas `bars` gather."""
    import numpy as np

    from assistant.summarize import area_members

    recall, precision, broad = [], [], []
    for s in samples:
        kept = np.zeros(len(s["gold"]), dtype=bool)
        kept[[i for i, _ in area_members(s["vectors"], s["query"], s["said"], bars)]] = True
        hit = (kept & s["gold"]).sum()
        recall.append(hit / s["gold"].sum())
        precision.append(hit / kept.sum() if kept.any() else 0.0)
        if s["gold"].sum() >= 20:
            broad.append(recall[-1])
    return (float(np.mean(recall)), float(np.mean(precision)),
            float(np.mean(broad)) if broad else None)


AREA_CUTS = (0.2, 0.25, 0.3)


def area_fit(assistant: Assistant, rows) -> None:
    """Print the summary bars in use, refit, and leave-one-area-out, per cut."""
    from dataclasses import replace

    from assistant.summarize import BARS

    samples = area_samples(assistant, rows)

    def shown(scores) -> str:
        broad = "-" if scores[2] is None else f"{scores[2]:.3f}"
        return f"recall {scores[0]:.3f} precision {scores[1]:.3f} broad {broad}"

    print(f"bars in use (cut {BARS.cut}): {shown(area_scores(samples, BARS))}")
    weights = fit_area_weights(samples)
    print(f"refit weights: {weights}")
    for cut in AREA_CUTS:
        fitted = area_scores(samples, replace(BARS, weights=weights, cut=cut))
        left_out = [area_scores([s], replace(BARS, cut=cut, weights=fit_area_weights(
            [o for o in samples if o is not s]))) for s in samples]
        loao = tuple(sum(x[j] for x in left_out) / len(left_out) for j in range(2))
        print(f"cut {cut}: fitted on all {shown(fitted)}; leave-one-area-out recall "
              f"{loao[0]:.3f} precision {loao[1]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--testset", type=Path, default=DEFAULT_TESTSET)
    parser.add_argument("--split", default="dev", help="rows of this split only [dev]")
    parser.add_argument("--rules", action="store_true",
                        help="choose the evidence-per-aspect bars and the clear-gap rule instead")
    parser.add_argument("--support", action="store_true",
                        help="choose the per-word support bars (SupportBars) instead")
    parser.add_argument("--summary", action="store_true",
                        help="fit the area membership of summaries (AreaBars) instead")
    args = parser.parse_args()
    settings = Settings(**({"store": args.store} if args.store else {}))
    rows = [r for r in load_testset(args.testset) if r.split == args.split]
    if args.summary:
        areas = [r for r in rows if r.kind == "summary"]
        print(f"Fitting the area membership (AreaBars) on the {args.split!r} split of "
              f"{args.testset} ({len(areas)} summary rows)")
        area_fit(Assistant(settings), areas)
        return
    if args.support:
        searched = [r for r in rows if r.kind in ASPECT_KINDS]
        print(f"Choosing the support bars on the {args.split!r} split ({len(searched)} rows)")
        for rate, bars, per_kind in support_grid(Assistant(settings), searched)[:10]:
            print(f"{rate:.3f} {bars} " + " ".join(f"{k}={v:.2f}" for k, v in per_kind.items()))
        return
    if args.rules:
        searched = [r for r in rows if r.kind in ASPECT_KINDS]
        print(f"Choosing the aspect bars and the clear gap on the {args.split!r} split "
              f"({len(searched)} rows)")
        for rate, bars, per_kind in rule_grid(Assistant(settings), searched)[:10]:
            print(f"{rate:.3f} {bars} " + " ".join(f"{k}={v:.2f}" for k, v in per_kind.items()))
        return
    print(f"Calibrating on the {args.split!r} split of {args.testset} ({len(rows)} rows)")
    samples = collect(Assistant(settings), rows)
    print(f"{len(samples)} questions go to retrieval "
          f"({sum(not g for g, _ in samples)} unanswerable)")
    for hit, false, values in search(samples)[:10]:
        print(f"abstain on {hit:.3f} of unanswerable, {-false:.3f} of answerable: {values}")


if __name__ == "__main__":
    main()
