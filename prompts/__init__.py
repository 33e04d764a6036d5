"""Every prompt is a file here, loaded by name; its variables are declared and checked.

A prompt file starts with one line `# variables: a, b` naming the `{a}` and `{b}` it uses
(literal braces are doubled). Loading fails if the text uses a variable it does not declare or
declares one it does not use; rendering fails if a variable is missing or unknown.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent


class PromptError(ValueError):
    """A prompt file or a rendering that does not match its declared variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    variables: frozenset[str]

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise PromptError(f"prompt {self.name!r}: missing {sorted(missing)}, "
                              f"unknown {sorted(unknown)}")
        return self.text.format(**values)


def parse_prompt(name: str, content: str) -> Prompt:
    header, _, body = content.partition("\n")
    if not header.startswith("# variables:"):
        raise PromptError(f"{name}.txt:1: expected '# variables: a, b' as the first line")
    declared = frozenset(v.strip() for v in header.split(":", 1)[1].split(",") if v.strip())
    try:
        used = frozenset(field for _, field, _, _ in string.Formatter().parse(body) if field)
    except ValueError as err:
        raise PromptError(f"{name}.txt: {err} (double literal braces: {{{{ }}}})") from None
    if used != declared:
        raise PromptError(f"{name}.txt: declares {sorted(declared)} but uses {sorted(used)}")
    return Prompt(name, body.strip() + "\n", declared)


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPT_DIR / f"{name}.txt"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROMPT_DIR.glob("*.txt")))
        raise PromptError(f"no prompt named {name!r} in {PROMPT_DIR} (known: {known})")
    return parse_prompt(name, path.read_text(encoding="utf-8"))


def prompt_names() -> list[str]:
    return sorted(p.stem for p in PROMPT_DIR.glob("*.txt"))
