"""The README stays true: it names every setting, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from assistant.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_names_every_setting():
    missing = [name for name in Settings.model_fields
               if f"POSTERS_{name.upper()}" not in README]
    assert missing == []


def test_readme_commands_exist():
    commands = set(re.findall(r"`posters (\w+)", README))
    known = set(cli.commands)
    assert commands <= known, commands - known
    for command in commands:
        assert CliRunner().invoke(cli, [command, "--help"]).exit_code == 0
