"""The `posters` command as a user runs it: real store, real model, CliRunner and subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assistant.answer import CANNOT_ANSWER
from assistant.cli import cli

# Ten questions that describe a poster's idea in other words than its title.
PARAPHRASES = [
    ("Designing the chemical bridge that joins two fragments of a protein-degrading drug, "
     "together with how the fragments sit in 3D", 105),
    ("Do neural networks that predict where people look actually learn semantic features of "
     "the scene? An analysis of what drives their attention predictions", 212),
    ("How does a transformer pick up facts from its context versus global knowledge during "
     "training, viewed through associative memories?", 322),
    ("Forecasting both the deterministic and the random parts of fluid simulations on "
     "unstructured grids after compressing the mesh", 425),
    ("Can a model that is not a transformer learn in-context by learning templates and "
     "filling their slots?", 519),
    ("Freezing a big language model and learning which visual prompts to feed it, trained "
     "without any images first", 610),
    ("When is minimizing a convex surrogate loss consistent for classification under "
     "worst-case perturbations?", 712),
    ("Are linear weighted sums of task losses enough for multi-task training, or do "
     "specialized optimizers reach points it cannot?", 1004),
    ("Training a model across parties that hold different features of the same users while "
     "keeping messages small and data private", 1112),
    ("Learning the structure of a Bayesian network with hundreds of densely connected "
     "variables quickly by searching over orderings", 1218),
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_paraphrased_questions_cite_the_right_board_in_the_top_3(real_store):
    hits = []
    for question, board in PARAPHRASES:
        result = run("ask", question, "--json", "--store", str(real_store))
        assert result.exit_code == 0, result.output
        cited = json.loads(result.output)["citations"]
        hits.append(board in cited[:3])
    assert sum(hits) >= 9, [q for (q, _), hit in zip(PARAPHRASES, hits, strict=True) if not hit]


@pytest.mark.slow
def test_ask_json_has_the_documented_shape(real_store):
    result = run("ask", "Is there a poster on generating synthetic MILP instances?", "--json",
                 "--store", str(real_store))
    data = json.loads(result.output)
    assert set(data) >= {"answer", "citations", "sources", "abstained", "backend"}
    assert data["citations"][0] == 100 and "[#100]" in data["answer"]
    assert data["backend"] == "extractive" and data["abstained"] is False
    assert set(data["sources"][0]) == {"board", "kind", "title", "score"}
    assert data["sources"][0]["kind"] == "spotlight"


@pytest.mark.slow
def test_ask_prints_sources_and_abstains_off_topic(real_store):
    shown = run("ask", "what is at #813?", "--store", str(real_store))
    assert "[#813]" in shown.output and "Outstanding Paper Runner-up" in shown.output
    assert "Sources (extractive):" in shown.output
    off = run("ask", "What is the Wi-Fi password?", "--json", "--store", str(real_store))
    data = json.loads(off.output)
    assert data["abstained"] and data["citations"] == [] and data["answer"] == CANNOT_ANSWER


@pytest.mark.slow
def test_bad_source_fails_cleanly_and_the_store_still_answers(tmp_path, real_store):
    question = ["ask", "what is at board 1218?", "--json", "--store", str(real_store)]
    before = run(*question).output
    bad = tmp_path / "bad.txt"
    bad.write_text("Poster Session 2\n\nPoster\n#12\nTitle only\n", encoding="utf-8")
    result = run("ingest", "--source", str(bad), "--store", str(real_store))
    assert result.exit_code == 1
    assert f"{bad}:6:" in result.output and "truncated" in result.output
    assert run(*question).output == before


def test_empty_question_is_a_clear_error(tmp_path):
    result = run("ask", "   ", "--store", str(tmp_path / "unused"))
    assert result.exit_code == 1 and "the question has no words" in result.output


def test_help_imports_no_heavy_library():
    code = ("import sys; from click.testing import CliRunner; from assistant.cli import cli; "
            "r = CliRunner().invoke(cli, ['--help']); assert 'Quick start' in r.output; "
            "heavy = {'torch', 'gradio', 'chromadb', 'llama_index', 'onnxruntime'}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["ingest", "ask", "chat", "eval"])
def test_every_command_has_a_useful_help_page(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "--store" in result.output and len(result.output) > 300
