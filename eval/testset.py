"""Reading a test set (JSONL rows as in DESIGN.md), with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Kinds the harness knows; any other string is scored generically.
KINDS = ("lookup", "author", "topic", "detail", "meta", "unanswerable", "combo", "count",
         "compare", "similar", "poster_question", "title_lookup", "conversation", "near_miss",
         "typo")
UNCOVERED_KINDS = ("unanswerable", "near_miss")  # the session covers none of these
DEFAULT_TESTSET = Path(__file__).resolve().parent / "testset.jsonl"


class TestsetError(ValueError):
    """A test set row that does not follow the format."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class Row:
    """One question (or, with `turns`, a conversation whose turns are Rows themselves)."""

    id: str
    kind: str
    question: str | None
    gold_boards: list[int]
    accept_any: bool
    answer: str | None = None
    notes: str | None = None
    split: str | None = None  # "dev" (thresholds are fitted on it) or "test" (reported)
    turns: tuple[Row, ...] = ()


def _is_board(value: object) -> bool:
    # JSON true is an int to Python (bool subclasses int): [true] would read as board 1.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _nonempty_string(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


# Each field's check and, for the message, what the field must be.
FIELD_TYPES: dict[str, tuple[Callable[[object], bool], str]] = {
    "id": (_nonempty_string, 'a non-empty string, e.g. "lookup-001"'),
    "kind": (_nonempty_string, f"a string, e.g. one of {', '.join(KINDS)}"),
    "question": (_nonempty_string, "a non-empty string"),
    "gold_boards": (lambda v: isinstance(v, list) and all(_is_board(b) for b in v),
                    "a list of board numbers, e.g. [812, 1305] ([] for unanswerable rows)"),
    "accept_any": (lambda v: isinstance(v, bool), "true or false (a JSON boolean, unquoted)"),
    "answer": (lambda v: v is None or isinstance(v, str), "a string, or left out"),
    "notes": (lambda v: v is None or isinstance(v, str), "a string, or left out"),
    "split": (lambda v: v in ("dev", "test"), '"dev" (for fitting) or "test" (for reporting)'),
}
REQUIRED = ("id", "kind", "question", "gold_boards", "accept_any")
TURN_REQUIRED = ("question", "gold_boards", "accept_any")


def _shown(value: object) -> str:
    """The value as it is written in the file, shortened."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_row(data: object, where: str) -> Row:
    """One row, its fields checked: a wrong type names the field, its value and the fix. A
    conversation row has `turns` instead of a question, each turn checked the same way."""
    if not isinstance(data, dict):
        raise TestsetError(f"{where}: expected a JSON object per line")
    if "turns" in data:
        return _conversation(data, where)
    missing = [f for f in REQUIRED if f not in data]
    if missing:
        raise TestsetError(f"{where}: missing field(s) {', '.join(missing)}")
    _check_types(data, where)
    if data["kind"] in UNCOVERED_KINDS and data["gold_boards"]:
        raise TestsetError(f"{where}: 'gold_boards' must be empty for {data['kind']} rows "
                           "(the session covers none of them)")
    if not data["gold_boards"] and data["kind"] not in (*UNCOVERED_KINDS, "title_lookup"):
        raise TestsetError(f"{where}: 'gold_boards' is empty; give the boards that answer, "
                           f"or use kind 'unanswerable' or 'near_miss'")
    known = {f for f in Row.__dataclass_fields__} - {"turns"}
    return Row(**{k: v for k, v in data.items() if k in known})


def _check_types(data: dict, where: str) -> None:
    for name, (valid, expected) in FIELD_TYPES.items():
        if name in data and not valid(data[name]):
            raise TestsetError(f"{where}: field {name!r} is {_shown(data[name])}; "
                               f"it must be {expected}")


def _conversation(data: dict, where: str) -> Row:
    turns = data["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, dict) for t in turns):
        raise TestsetError(f"{where}: field 'turns' must be a list of objects, each with "
                           f"{', '.join(TURN_REQUIRED)}")
    head = {k: data.get(k) for k in ("id", "kind") if k in data}
    missing = [f for f in ("id", "kind") if f not in data]
    if missing:
        raise TestsetError(f"{where}: missing field(s) {', '.join(missing)}")
    _check_types({**head, **{k: data[k] for k in ("split", "notes") if k in data}}, where)
    parsed = []
    for number, turn in enumerate(turns, start=1):
        at = f"{where}: turn {number}"
        missing = [f for f in TURN_REQUIRED if f not in turn]
        if missing:
            raise TestsetError(f"{at}: missing field(s) {', '.join(missing)}")
        _check_types(turn, at)
        parsed.append(Row(id=f"{data['id']}#{number}", kind=data["kind"],
                          question=turn["question"], gold_boards=turn["gold_boards"],
                          accept_any=turn["accept_any"], answer=turn.get("answer")))
    return Row(id=data["id"], kind=data["kind"], question=None, gold_boards=[],
               accept_any=False, notes=data.get("notes"), split=data.get("split"),
               turns=tuple(parsed))


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
