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


TEX_TAIL = "It needs $\\mathcal{O}(\\epsilon^{-3})$ samples and a \\textbf{bold} claim."


@pytest.mark.slow
def test_tex_in_a_streamed_answer_prints_as_text(real_store):
    """An abstract's TeX (#1120: `$\\mathcal{O}(\\epsilon^{-4})$`) prints as the app shows
    it, in the streamed answer as in the sources; a title's (#1404: `MTP$_2$`) in a summary."""
    shown = run("ask", "What's at #1120?", "--store", str(real_store)).output
    assert "O(ε⁻⁴)" in shown and "θ∈(0,1)" in shown
    assert "$" not in shown and "\\" not in shown and "mathcal" not in shown
    summary = run("summarize", "Gaussian graphical models", "--store", str(real_store)).output
    assert "**Learning Large-Scale MTP₂ Gaussian Graphical Models" in summary  # MTP$_2$


@pytest.mark.slow
def test_tex_split_between_the_pieces_of_an_llm_stream_prints_as_text(real_store):
    """A model streams in 16-character pieces: TeX cut between two pieces still reads whole."""
    from tests.scripted_llm import ScriptedLLM

    server = ScriptedLLM(tail=TEX_TAIL)
    try:
        result = CliRunner().invoke(
            cli, ["ask", "diffusion models that design drug molecules", "--store",
                  str(real_store), "--backend", "openai"],
            env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-local-test"},
            catch_exceptions=False)
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "It needs O(ε⁻³) samples and a bold claim." in result.output
    assert "mathcal" not in result.output and "$" not in result.output


def test_a_stream_reads_tex_as_the_whole_text_would_read():
    """However the text is cut into pieces, what is printed is `readable_tex` of each line;
    the words before any TeX are printed at once."""
    from assistant.safe_text import TexStream, readable_tex

    text = ("A bound of $\\mathcal{O}(\\epsilon^{-3})$ [#1120] with {\\em care}.\n"
            "costs $5 and $10, 30\\% faster, $x_i^2$\na 2--10x gain -- ``twice'' the KL~(x)---"
            "so\n| a | --- | and run --fast\nplain words at the end")
    whole = "".join(readable_tex(line) for line in text.splitlines(keepends=True))
    for size in (1, 2, 3, 5, 7, 16, 40, len(text)):
        tex = TexStream()
        printed = [tex.feed(text[i:i + size]) for i in range(0, len(text), size)]
        assert "".join(printed) + tex.flush() == whole, size
    tex = TexStream()
    assert tex.feed("plain words, then $\\mathcal{O}(") == "plain words, then "
    assert tex.feed("n)$ done\n") == "O(n) done\n"
