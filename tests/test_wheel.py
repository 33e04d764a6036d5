"""A built wheel installs into a new venv and answers offline from what it carries: the
session page, the tokenizer and the prompts (not from the checkout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from assistant.settings import OFFLINE_ENV

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
CARRIED = ("ingest/data/neurips2023_poster_session2.txt",
           "assistant/tokenizer/all-MiniLM-L6-v2.tokenizer.json",
           "prompts/answer_system.txt", "prompts/answer_user.txt", "prompts/condense.txt",
           "prompts/plan.txt", "prompts/summary_theme.txt", "eval/testset.jsonl")


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_the_wheel_installs_in_a_new_venv_and_answers_offline(tmp_path):
    # Built from a copy (setuptools leaves build/ behind, and a stale build/ would ship old
    # files) with the setuptools already installed: no index is needed.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*cache", "eval/out"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", str(tmp_path / "dist"), str(source))
    wheel = next((tmp_path / "dist").glob("posters-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [path for path in CARRIED if path not in names] == []
    assert not any(name.startswith("tests/") for name in names)

    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
        "--no-index", str(wheel))
    # The dependencies come from the project's venv, after the new venv's own packages (a
    # .pth path is not a site dir: the checkout's editable install there is not activated).
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
                    ).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("POSTERS_")},
           **OFFLINE_ENV, "PYTHONPATH": ""}
    where = run(str(python), "-c", "import assistant, ingest, prompts; print(assistant.__file__)",
                cwd=tmp_path, env=env).stdout
    assert where.startswith(str(site)), where
    answer = run(str(target / "bin" / "posters"), "ask", "What is at #813?", "--json",
                 "--backend", "extractive", "--store", str(tmp_path / "store"),
                 cwd=tmp_path, env=env)
    result = json.loads(answer.stdout)
    assert result["citations"] == [813]
    assert "Scaling Data-Constrained Language Models" in result["answer"]
    assert "ingesting the bundled session" in answer.stderr
