"""Scoring one answer and averaging many: pure functions (definitions in eval/README.md)."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.citations import CANONICAL, Ref, cited_refs

RECALL_AT = (1, 5, 10)


@dataclass
class Scored:
    """One question's outcome, as the harness saw it."""

    id: str
    kind: str
    gold: list[int]
    accept_any: bool
    retrieved: list[int]
    cited: list[int]
    abstained: bool
    latency_ms: float
    answer_text: str = ""
    gold_answer: str | None = None
    faithfulness: float | None = None
    plan: dict | None = None  # the plan the answer followed (intent, topic, filters)
    split: str | None = None
    question: str = ""
    results: list[int] = field(default_factory=list)  # the whole result set (a summary's area)
    decided_by: str = ""  # the evidence that decided to answer or abstain


SUMMARY_KIND = "summary"
SUMMARY_PASS = (0.9, 0.85)  # a summary passes with this recall and precision of its area
BROAD_AREA = 20  # an area of this many gold posters or more is broad


def covered(r: Scored) -> list[int]:
    """The posters a summary covers: every poster of its area, shown or only counted."""
    if r.abstained:
        return []
    return r.results or r.cited


def summary_recall(r: Scored) -> float:
    return len(set(r.gold) & set(covered(r))) / len(set(r.gold))


def summary_precision(r: Scored) -> float:
    found = set(covered(r))
    return len(set(r.gold) & found) / len(found) if found else 0.0


def stated_count(answer: str) -> int | None:
    """The number a count answer states first ("**9** posters ..." -> 9)."""
    found = re.search(r"\d[\d,]*", _CITED.sub(" ", answer))
    return int(found.group(0).replace(",", "")) if found else None


def passes(r: Scored) -> bool:
    """Whether a reader would call the answer right: an abstention when nothing answers;
    otherwise the gold poster(s) cited (any one with `accept_any`), the gold fact stated when
    there is one, and for a count, the right number first."""
    if not r.gold:
        return r.abstained
    if r.kind == SUMMARY_KIND:  # the area, not the few posters a summary has room to show
        recall, precision = SUMMARY_PASS
        return summary_recall(r) >= recall and summary_precision(r) >= precision
    if r.abstained or recall_at(r.gold, r.cited, len(r.cited), r.accept_any) < 1.0:
        return False
    if r.kind == "count" and r.gold_answer is not None:
        return stated_count(r.answer_text) == int(r.gold_answer)
    return r.gold_answer is None or answer_matches(r.gold_answer, r.answer_text)


def recall_at(gold: Sequence[int], ranked: Sequence[int], k: int, accept_any: bool) -> float:
    found = set(gold) & set(ranked[:k])
    if accept_any:
        return 1.0 if found else 0.0
    return len(found) / len(gold)


def reciprocal_rank(gold: Sequence[int], ranked: Sequence[int]) -> float:
    for rank, board in enumerate(ranked, start=1):
        if board in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(gold: Sequence[int], ranked: Sequence[int], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 1)
              for rank, board in enumerate(ranked[:k], start=1) if board in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def key_figures(answer: str) -> list[str]:
    """What must appear for a detail answer to match: its numbers if it has any, else its words."""
    numbers = re.findall(r"\d+(?:[.,]\d+)?", answer)
    return numbers or [w for w in re.findall(r"\w+", answer.lower()) if len(w) > 2]


def answer_matches(gold_answer: str, answer: str) -> bool:
    text = answer.lower()
    return all(figure.lower() in text for figure in key_figures(gold_answer))


_CITED = CANONICAL  # `[#812]`, and `[S3 #812]` where the store's sessions reuse a board
_TERM = re.compile(r"[a-z0-9]{3,}")
_IGNORED = frozenset("the and for with that this from are was were which their they its into "
                     "over under than then also such these those poster posters relevant closest "
                     "about using used".split())


def _terms(text: str) -> set[str]:
    return {t for t in _TERM.findall(text.lower()) if t not in _IGNORED}


def faithfulness(answer: str, abstracts: dict[Ref, str], support: float = 0.5) -> float | None:
    """Share of the answer's claim sentences that cite a board whose abstract supports them.

    A sentence is a claim when it has 4+ content words; it is supported when at least
    `support` of its content words occur in the title and abstract of a board it cites.
    None when the answer makes no claim (e.g. an abstention).
    """
    claims = supported = 0
    for line in answer.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            words = _terms(_CITED.sub(" ", sentence))
            if len(words) < 4:
                continue
            claims += 1
            boards = cited_refs(sentence)
            if any(len(words & _terms(abstracts.get(b, ""))) >= support * len(words)
                   for b in boards):
                supported += 1
    return supported / claims if claims else None


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def aggregate(rows: Sequence[Scored]) -> dict:
    """The metrics of a group of questions. None where a metric has no question to count."""
    answerable = [r for r in rows if r.gold]
    cited = [r for r in answerable if r.cited and not r.abstained]
    out: dict = {"n": len(rows)}
    for k in RECALL_AT:
        out[f"recall@{k}"] = _mean([recall_at(r.gold, r.retrieved, k, r.accept_any)
                                    for r in answerable])
    out["mrr"] = _mean([reciprocal_rank(r.gold, r.retrieved) for r in answerable])
    out["ndcg@10"] = _mean([ndcg_at(r.gold, r.retrieved) for r in answerable])
    out["citation_precision"] = _mean([len(set(r.cited) & set(r.gold)) / len(set(r.cited))
                                       for r in cited])
    out["citation_recall"] = _mean([0.0 if r.abstained else
                                    recall_at(r.gold, r.cited, len(r.cited), r.accept_any)
                                    for r in answerable])
    out["abstention_rate"] = _mean([float(r.abstained) for r in rows])
    out["false_abstention_rate"] = _mean([float(r.abstained) for r in answerable])
    details = [r for r in rows if r.gold_answer]
    out["answer_match"] = _mean([float(answer_matches(r.gold_answer, r.answer_text))
                                 for r in details])
    out["faithfulness"] = _mean([r.faithfulness for r in rows if r.faithfulness is not None])
    summaries = [r for r in answerable if r.kind == SUMMARY_KIND]
    out["summary_recall"] = _mean([summary_recall(r) for r in summaries])
    out["summary_precision"] = _mean([summary_precision(r) for r in summaries])
    out["summary_recall_broad"] = _mean([summary_recall(r) for r in summaries
                                         if len(set(r.gold)) >= BROAD_AREA])
    out["pass_rate"] = _mean([float(passes(r)) for r in rows])
    latencies = [r.latency_ms for r in rows]
    out["latency_ms"] = {"p50": round(percentile(latencies, 50), 1),
                         "p95": round(percentile(latencies, 95), 1)}
    return out
