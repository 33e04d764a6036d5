"""Thumbs up/down on answers, kept beside the store, and thumbs-down turned into draft test rows.

`record` appends one JSON line per verdict to `<store>/feedback.jsonl` (append-only: a verdict
changed later is a new line, the last one for the same question and answer wins). `drafts`
turns the answers still marked bad into rows of the test set's format with the gold left
empty, so a person fills in the boards that should have been cited and the row joins the
`dev` split; `posters eval` rejects a draft until then, naming its line.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

FEEDBACK_FILE = "feedback.jsonl"
# The fields of an answer (Answer.to_json()) worth keeping with a verdict.
KEPT = ("question", "answer", "citations", "sources", "related", "abstained", "plan",
        "backend", "notice", "history")


def record(store_dir: Path, *, liked: bool, answer: dict) -> Path:
    """Append one verdict on `answer` (an `Answer.to_json()` dict; `history`, the earlier
    questions of the conversation, is kept when present) to `store_dir/feedback.jsonl`;
    returns the file's path."""
    path = Path(store_dir) / FEEDBACK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    row: dict[str, Any] = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "liked": bool(liked)}
    row.update({k: answer[k] for k in KEPT if k in answer})
    line = json.dumps(row, ensure_ascii=False) + "\n"
    # One write of one line in append mode: two app workers recording at once cannot
    # interleave within a line (O_APPEND), and a crash loses at most the line being written.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return path


def read(store_dir: Path) -> list[dict]:
    """Every verdict recorded, oldest first; a torn or foreign line is skipped."""
    path = Path(store_dir) / FEEDBACK_FILE
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("question"), str):
            rows.append(row)
    return rows


def _key(row: dict) -> tuple[str, str]:
    return row.get("question", "").strip(), str(row.get("answer", "")).strip()


def _draft_id(question: str, answer: str) -> str:
    # Stable across exports, so re-exporting never renames a row a person already edited.
    return "draft-" + hashlib.sha1(f"{question}\n{answer}".encode()).hexdigest()[:10]


def drafts(store_dir: Path) -> list[dict]:
    """The answers whose last verdict is thumbs-down, as draft test rows (one per distinct
    question and answer, in the order first marked): `gold_boards` is empty for a person to
    fill in; `answer_given` and `notes` say what the assistant did."""
    last: dict[tuple[str, str], dict] = {}
    for row in read(store_dir):
        key = _key(row)
        last.pop(key, None)  # re-insert: the order is that of the latest verdict
        last[key] = row
    out = []
    for (question, answer), row in last.items():
        if row.get("liked") or not question:
            continue
        cited = ", ".join(f"#{b}" for b in row.get("citations") or [])
        plan = row.get("plan") or {}
        intent = plan.get("intent") if isinstance(plan, dict) else None
        parts = ["thumbs-down in the app " + row.get("time", ""),
                 f"cited {cited}" if cited else ("abstained" if row.get("abstained")
                                                 else "cited nothing")]
        if intent:
            parts.append(f"plan intent {intent}")
        if row.get("history"):
            parts.append("follow-up to: " + " / ".join(map(str, row["history"])))
        parts.append("fill in gold_boards (or kind unanswerable) before use")
        out.append({"id": _draft_id(question, answer), "kind": "draft", "question": question,
                    "gold_boards": [], "accept_any": True, "notes": "; ".join(parts),
                    "answer_given": answer, "split": "dev"})
    return out
