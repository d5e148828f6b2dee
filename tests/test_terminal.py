"""Terminal manners: colour only on a terminal and never with NO_COLOR; a progress bar on stderr for
long runs, only on a terminal; shell completion as docs/shell-completion.md says. Terminals here are
real pseudo-terminals (pty), the commands whole processes."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys

import pytest
from conftest import REPO, TODAY

from iinotes import Vault
from iinotes.progress import Progress, for_stream

pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX-only")
ESC = b"\x1b["


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IINOTES_VAULT", "NO_COLOR", "TERM")}
    env.update({"PYTHONPATH": str(REPO), "TZ": "UTC", "TERM": "xterm-256color", **extra})
    return env


def _in_terminal(args: list[str], **extra: str) -> bytes:
    """Run iinotes with stdout and stderr on a pseudo-terminal; everything the terminal showed."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "iinotes", *args], stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary,
        env=_env(**extra),
    )  # fmt: skip
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    process.wait(timeout=60)
    return shown


def _piped(args: list[str], **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "iinotes", *args], capture_output=True, env=_env(**extra), timeout=60
    )


@pytest.fixture
def overdue(vault):
    vault.contact("Nora Nudge", outreach="[2026-11-02]")  # nudge due 2026-11-16: overdue
    vault.contact("Bad Date", responded="2026-13-01")  # an error for validate
    return vault


def test_colour_on_a_terminal(overdue):
    due = _in_terminal(["--vault", str(overdue.root), "--today", TODAY, "due"])
    assert ESC + b"1m" in due or ESC + b"31m" in due, due
    assert b"Overdue:" in due and b"Nudge Nora Nudge" in due
    validate = _in_terminal(["--vault", str(overdue.root), "--today", TODAY, "validate"])
    assert ESC + b"31m" in validate and b"bad-date" in validate
    error = _in_terminal(["--vault", str(overdue.root), "show", "Nobody"])
    assert ESC + b"31m" in error and b"no contact matches" in error


def test_no_colour_with_no_color_or_when_piped(overdue):
    for args in (["due"], ["validate"], ["show", "Nobody"]):
        full = ["--vault", str(overdue.root), "--today", TODAY, *args]
        assert ESC not in _in_terminal(full, NO_COLOR="1"), args
        piped = _piped(full)
        assert ESC not in piped.stdout + piped.stderr, args
    assert ESC not in _in_terminal(["--vault", str(overdue.root), "--today", TODAY, "due"], TERM="dumb")


def test_a_quick_run_on_a_terminal_shows_no_progress(overdue):
    shown = _in_terminal(["--vault", str(overdue.root), "--today", TODAY, "index"])
    assert b"Reading notes" not in shown and b"Nora Nudge" in shown


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _terminal_stream():  # type: ignore[no-untyped-def]
    main, secondary = pty.openpty()
    return main, os.fdopen(secondary, "w", encoding="utf-8")


def _read_all(fd: int) -> str:
    """Everything written to the terminal so far (a busy machine can hand it over in pieces)."""
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        data = os.read(fd, 4096)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode()


def test_the_bar_waits_a_second_draws_in_place_and_is_erased():
    main, stream = _terminal_stream()
    clock = _Clock()
    bar = for_stream(stream)
    assert isinstance(bar, Progress)
    bar.clock = clock
    try:
        bar(0, 20_000)
        clock.now += 0.6
        bar(5_000, 20_000)
        stream.flush()
        clock.now += 0.5  # over a second: drawn
        bar(10_000, 20_000)
        clock.now += 0.05  # redrawn at most ten times a second
        bar(10_256, 20_000)
        clock.now += 0.2
        bar(15_000, 20_000)
        bar(20_000, 20_000)
        shown = _read_all(main)
    finally:
        stream.close()
        os.close(main)
    frames = shown.split("\r")
    assert frames[1] == "Reading notes [###############...............] 10,000/20,000"
    assert frames[2] == "Reading notes [######################........] 15,000/20,000"
    assert frames[3].strip() == "" and len(frames[3]) == len(frames[2]) and frames[4] == ""
    assert len(frames) == 5 and "10,256" not in shown  # nothing before the second, no redraw too soon


def test_no_bar_where_stderr_is_not_a_terminal(tmp_path):
    assert for_stream(io.StringIO()) is None
    with open(tmp_path / "log.txt", "w") as handle:
        assert for_stream(handle) is None


def test_the_vault_reports_its_reading(make_vault):
    vault = make_vault("many")
    for number in range(600):
        vault.contact(f"Person {number:03d}")
    calls: list[tuple[int, int]] = []
    loaded = Vault(vault.root, use_cache=False)
    loaded.progress = lambda done, total: calls.append((done, total))
    loaded.index()
    assert calls == [(0, 600), (256, 600), (512, 600), (600, 600)]


def test_shell_completion_works_as_documented():
    docs = (REPO / "docs" / "shell-completion.md").read_text()
    for shell in ("bash", "zsh", "fish"):
        assert f"_IINOTES_COMPLETE={shell}_source iinotes" in docs
        script = _piped([], _IINOTES_COMPLETE=f"{shell}_source")
        assert script.returncode == 0 and b"_IINOTES_COMPLETE" in script.stdout, shell
    words = _piped([], _IINOTES_COMPLETE="bash_complete", COMP_WORDS="iinotes lo", COMP_CWORD="1")
    assert words.stdout.split() == [b"plain,log"]
    kinds = _piped([], _IINOTES_COMPLETE="bash_complete", COMP_WORDS="iinotes log ", COMP_CWORD="2")
    assert kinds.stdout.split() == [b"plain,outreach", b"plain,reply", b"plain,touch"]
