"""With the network cut off, the app starts and answers: no analytics, version check or
download stands in the way (every non-loopback connection is blocked and recorded)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parent / "offline_app.py"


def test_app_starts_and_answers_with_no_network(real_store):
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY",
                        "TRANSFORMERS_OFFLINE", "ORT_DISABLE_TELEMETRY")}
    env["PYTHONPATH"] = str(SCRIPT.parent.parent)
    done = subprocess.run([sys.executable, str(SCRIPT), str(real_store)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"attempts": [], "answer_has_813": True}
