"""Start-up: a command imports only what it uses, and `iinotes --help` lists every command from the
registry in iinotes/cli/__init__.py without importing any of them."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click
import pytest

import iinotes.cli
from iinotes.cli import COMMANDS, cli

HEAVY = ("watchdog", "http.server", "iinotes.ics", "icalendar", "yaml", "iinotes.notes", "iinotes.serve")

PROBE = """
import json, sys
from iinotes.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str, cwd=None) -> set[str]:  # type: ignore[no-untyped-def]
    """The modules a new process has imported once `iinotes ARGS` is done."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, cwd=cwd
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("questions",), ("questions", "--help")])
def test_help_version_and_questions_import_nothing_heavy(args, tmp_path):
    loaded = modules_after(*args, cwd=tmp_path)
    assert not {name for name in loaded if name.startswith(HEAVY)}, sorted(loaded)
    assert "iinotes.cli.write" not in loaded and "iinotes.pipeline" not in loaded


def test_a_read_command_imports_no_watcher_server_or_calendar_writer(vault):
    vault.contact("Jane", outreach="[2026-11-01]")
    loaded = modules_after("--vault", str(vault.root), "due")
    assert "yaml" in loaded  # it parsed the notes
    assert not {name for name in loaded if name.startswith(("watchdog", "http.server", "iinotes.ics"))}


def test_every_command_of_every_cli_module_is_registered():
    listed = {}
    for info in pkgutil.iter_modules(iinotes.cli.__path__):
        module = importlib.import_module(f"iinotes.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            attribute = next(name for name, value in vars(module).items() if value is command)
            listed[command.name] = f"{info.name}:{attribute}"
    assert listed == {name: where for name, (where, _) in COMMANDS.items()}, (
        "add the command to COMMANDS in iinotes/cli/__init__.py"
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_registry_short_help_is_the_commands_own(name):
    command = cli.commands[name]
    stand_in = click.Command(name, help=COMMANDS[name][1])
    for limit in range(20, 140):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), (
            f"COMMANDS[{name!r}] should hold the first paragraph of its help"
        )
