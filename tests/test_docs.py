"""Docs are part of the feature: every command has help and a section in docs/commands.md, the
settings page is generated from the settings table, and CI runs the README's test command."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import REPO

from iinotes.cli import cli
from iinotes.settings import SETTINGS, settings_markdown

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_docs(name):
    command = cli.commands[name]
    assert command.help and len(command.help) > 40
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "--vault" in result.output and "--today" in result.output
    for param in command.params:
        assert (
            param.name in ("vault", "today", "help")
            or getattr(param, "help", None)
            or param.param_type_name == "argument"
        ), param.name
    docs = (REPO / "docs" / "commands.md").read_text() + "".join(
        p.read_text() for p in (REPO / "docs").glob("*.md")
    )
    assert re.search(rf"^## `iinotes {re.escape(name)}\b", docs, re.MULTILINE), f"no section for {name}"


def test_main_help_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_settings_page_is_generated_from_the_table():
    page = (REPO / "docs" / "settings.md").read_text()
    assert page == settings_markdown(), "run: python -m iinotes.settings > docs/settings.md"
    for setting in SETTINGS:
        assert f"`{setting.key}`" in page


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"^## Quickstart\n(.*?)^## ", readme, re.MULTILINE | re.DOTALL)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", blocks)
    assert len(commands) == 2
    assert commands[1] in (REPO / ".ci" / "run").read_text()


def test_docs_pages_exist():
    for page in ("note-format.md", "commands.md", "settings.md", "feed.md", "performance.md"):
        assert (REPO / "docs" / page).stat().st_size > 500, page
