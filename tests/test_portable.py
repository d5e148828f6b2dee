"""Linux, macOS and Windows: the CLI starts and every write command works without `fcntl` (as on
Windows), console encodings that cannot show a name do not stop a command, the machine's zone comes
from tzlocal. Whole processes, real files, real git."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import REPO

from iinotes import settings
from iinotes.cli import cli

BLOCK_FCNTL = '''\
"""Loaded by Python at start-up (PYTHONPATH): makes `import fcntl` fail, as it does on Windows."""
import sys


class _NoFcntl:
    def find_spec(self, name, path=None, target=None):
        if name == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl' (blocked by the test)", name="fcntl")
        return None


sys.modules.pop("fcntl", None)
sys.meta_path.insert(0, _NoFcntl())
'''

TODAY = "2026-11-23"


@pytest.fixture
def no_fcntl(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python processes cannot import fcntl."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(BLOCK_FCNTL)
    env = {k: v for k, v in os.environ.items() if k not in ("IINOTES_VAULT", "PYTHONPATH")}
    env.update(PYTHONPATH=os.pathsep.join([str(folder), str(REPO)]), TZ="UTC", NO_COLOR="1")
    return env


def _iinotes(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iinotes", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
    )


# takes --dry-run but writes to a calendar server, not to the vault (its tests run it against Radicale)
NOT_NOTE_WRITERS = {"publish"}


def write_commands(group: click.Group = cli, prefix: str = "") -> set[str]:
    """Every command that writes notes (they all take --dry-run), as `new contact`, `log`, ..."""
    found: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= write_commands(command, f"{prefix}{name} ")
        elif any(param.name == "dry_run" for param in command.params) and name not in NOT_NOTE_WRITERS:
            found.add(prefix + name)
        elif any(param.name == "write" for param in command.params):  # review --write
            found.add(f"{prefix}{name} --write")
    return found


def test_fcntl_is_really_blocked(no_fcntl, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import fcntl"], env=no_fcntl, capture_output=True, text=True
    )
    assert result.returncode != 0 and "No module named 'fcntl'" in result.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_every_write_command_works_without_fcntl(no_fcntl, tmp_path):
    env, home = no_fcntl, tmp_path
    steps: list[tuple[str, list[str]]] = [
        ("--help", ["--help"]),
        ("init", ["init", "my-vault", "--git"]),
        ("new contact", ["new", "contact", "Zoë Li", "--company", "Acme", "--tag", "ux"]),
        ("log", ["log", "outreach", "zoë", "--via", "email", "--date", "2026-11-02"]),
        ("log", ["log", "reply", "zoë"]),
        ("new interview", ["new", "interview", "zoë", "--at", "2026-11-25 14:30", "--medium", "video"]),
        ("prepared", ["prepared", "zoë"]),
        ("reschedule", ["reschedule", "zoë", "--at", "2026-11-25 15:00"]),
        ("confirm", ["confirm", "zoë"]),
        ("done", ["done", "2026-11-25"]),
        ("thank", ["thank", "2026-11-25"]),
        ("commit-done", ["commit-done", "2026-11-25", "1"]),
        ("log", ["log", "touch", "zoë", "--note", "sent the article"]),
        ("new interview", ["new", "interview", "zoë", "--at", "2026-12-05 10:00"]),
        ("cancel", ["cancel", "2026-12-05"]),
        ("pause", ["pause", "zoë", "--until", "2026-12-15"]),
        ("resume", ["resume", "zoë"]),
        ("decline", ["decline", "zoë"]),
        ("archive", ["archive", "zoë"]),
        ("hook install", ["hook", "install"]),
        ("review --write", ["review", "--write"]),
        (
            "import linkedin",
            ["import", "linkedin", str(REPO / "tests" / "data" / "import" / "Connections.csv")],
        ),
        ("import vcard", ["import", "vcard", str(REPO / "tests" / "data" / "import" / "google.vcf")]),
    ]
    done: set[str] = set()
    for name, args in steps:
        if name == "commit-done":  # a task in the body, as a user types it
            note = home / "my-vault" / "interviews" / "2026-11-25 Zoë Li.md"
            note.write_bytes(note.read_bytes() + "- [ ] Send my portfolio 📅 2026-11-30\n".encode())
        cwd = home / "my-vault" if name not in ("--help", "init") else home
        result = _iinotes(env, cwd, "--today", TODAY, *args)
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "fcntl" not in result.stderr
        done.add(name)
    missing = write_commands() - done
    assert not missing, f"write commands not run without fcntl: {sorted(missing)}"

    vault = home / "my-vault"
    contact = (vault / "contacts" / "Zoë Li.md").read_text("utf-8")
    assert "responded: 2026-11-23" in contact and "2026-11-02" in contact
    interview = (vault / "interviews" / "2026-11-25 Zoë Li.md").read_text("utf-8")
    assert "status: done" in interview and "thank_you_sent: 2026-11-23" in interview
    assert "- [x] Send my portfolio" in interview
    assert (vault / ".git" / "hooks" / "pre-commit").is_file()
    checked = _iinotes(env, vault, "--today", TODAY, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    feed = _iinotes(env, vault, "--today", TODAY, "feed", "-o", "followups.ics")
    assert feed.returncode == 0 and (vault / "followups.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_second_writer_waits_for_the_lock_without_fcntl(no_fcntl, tmp_path, vault):
    """The fallback lock still keeps two writers apart: hold it in one process, write from another."""
    vault.contact("Ann Lee")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from iinotes.writes import write_lock\n"
            "with write_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)",
            str(vault.root),
        ],
        env=no_fcntl,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = _iinotes(no_fcntl, vault.root, "--vault", ".", "--today", TODAY, "log", "outreach", "Ann")
        assert result.returncode == 1 and "another iinotes command is writing" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_console_that_cannot_show_a_name_does_not_stop_the_command(vault):
    """A Windows code page (here: cp1252) prints unknown characters as ? instead of failing."""
    vault.contact("Zoë 李", company="Acme")
    env = {k: v for k, v in os.environ.items() if k != "IINOTES_VAULT"}
    env.update(PYTHONIOENCODING="cp1252", PYTHONPATH=str(REPO), TZ="UTC")
    result = subprocess.run(
        [sys.executable, "-m", "iinotes", "--vault", str(vault.root), "--today", TODAY, "list"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Zoë ?".encode("cp1252") in result.stdout and b"Traceback" not in result.stderr


def test_the_machine_zone_comes_from_tzlocal_when_tz_is_unset(monkeypatch):
    import tzlocal

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Europe/Paris")
    assert settings.machine_timezone() == "Europe/Paris"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert settings.machine_timezone() == "Europe/Paris"
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert settings.machine_timezone() == "Asia/Tokyo"


def test_the_machine_zone_falls_back_to_utc(monkeypatch):
    import tzlocal

    def broken() -> str:
        raise LookupError("conflicting time zone configurations")

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(tzlocal, "get_localzone_name", broken)
    assert settings.machine_timezone() == "UTC"
