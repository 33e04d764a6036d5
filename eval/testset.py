"""Reading a test set (JSONL rows as in DESIGN.md), with errors that name the file and line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("lookup", "author", "topic", "detail", "meta", "unanswerable")
DEFAULT_TESTSET = Path(__file__).resolve().parent / "testset.jsonl"


class TestsetError(ValueError):
    """A test set row that does not follow the format."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    question: str
    gold_boards: list[int]
    accept_any: bool
    answer: str | None = None
    notes: str | None = None


def parse_row(data: object, where: str) -> Row:
    if not isinstance(data, dict):
        raise TestsetError(f"{where}: expected a JSON object per line")
    missing = [f for f in ("id", "kind", "question", "gold_boards", "accept_any") if f not in data]
    if missing:
        raise TestsetError(f"{where}: missing field(s) {', '.join(missing)}")
    if data["kind"] not in KINDS:
        raise TestsetError(f"{where}: field 'kind' is {data['kind']!r}; use one of {KINDS}")
    gold = data["gold_boards"]
    if not isinstance(gold, list) or not all(isinstance(b, int) for b in gold):
        raise TestsetError(f"{where}: field 'gold_boards' must be a list of board numbers")
    if (data["kind"] == "unanswerable") != (not gold):
        raise TestsetError(f"{where}: 'gold_boards' must be empty exactly for unanswerable rows")
    if not isinstance(data["question"], str) or not data["question"].strip():
        raise TestsetError(f"{where}: field 'question' must be a non-empty string")
    known = {f for f in Row.__dataclass_fields__}
    return Row(**{k: v for k, v in data.items() if k in known})


def load_testset(path: Path) -> list[Row]:
    rows: list[Row] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise TestsetError(f"{path}: cannot read the test set ({err})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            raise TestsetError(f"{where}: not valid JSON ({err.msg})") from None
        row = parse_row(data, where)
        if row.id in seen:
            raise TestsetError(f"{where}: duplicate id {row.id!r}")
        seen.add(row.id)
        rows.append(row)
    if not rows:
        raise TestsetError(f"{path}: the test set has no rows")
    return rows
