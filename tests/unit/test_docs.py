"""The README documents every setting and every command that exists."""

from __future__ import annotations

from pathlib import Path

from api.cli import cli
from api.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"`CIVICGRAPH_{name.upper()}`" in README, name


def test_every_command_is_in_the_readme() -> None:
    for name in cli.commands:
        assert f"civicgraph {name}" in README, name
