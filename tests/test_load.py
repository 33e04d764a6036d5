"""A short version of the load test (20 users, 10 s) runs in CI; the 60 s figures are in the
README."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "load.py"


def test_twenty_users_for_ten_seconds_without_errors(real_store, tmp_path):
    out = tmp_path / "load.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--users", "20", "--seconds", "10",
                           "--store", str(real_store), "--json", str(out)],
                          capture_output=True, text=True, timeout=400)
    result = json.loads(out.read_text())
    assert done.returncode == 0, done.stderr[-2000:]
    assert result["errors"] == 0 and result["requests"] >= 20
    assert "| requests served |" in done.stdout
    assert result["rss_peak_mb"] < 1024
