"""Every prompt file loads, declares exactly the variables it uses, and renders."""

from __future__ import annotations

import pytest

from assistant.answer import CANNOT_ANSWER
from assistant.llm import answer_messages
from prompts import PromptError, load_prompt, parse_prompt, prompt_names


@pytest.mark.parametrize("name", prompt_names())
def test_every_prompt_renders(name):
    prompt = load_prompt(name)
    text = prompt.render(**{v: f"<{v}>" for v in prompt.variables})
    assert all(f"<{v}>" in text for v in prompt.variables)


def test_answer_prompt_shows_boards_valid_citations_and_the_cannot_answer_sentence(bundled):
    cards = bundled.posters[:2]
    system, user = answer_messages("What is G2MILP?", cards)
    assert CANNOT_ANSWER in system["content"] and "[#812]" in system["content"]
    assert "Wrong:" in system["content"] and "Right:" in system["content"]
    assert "[#100] A Deep Instance Generative Framework" in user["content"]
    assert "— spotlight" in user["content"]
    assert "Valid citations: [#100] [#101]" in user["content"]


def test_mismatched_variables_are_refused():
    with pytest.raises(PromptError, match="declares"):
        parse_prompt("x", "# variables: a\nuses {b}")
    with pytest.raises(PromptError, match="first line"):
        parse_prompt("x", "no header {a}")
    with pytest.raises(PromptError, match="missing"):
        load_prompt("condense").render(question="q")
