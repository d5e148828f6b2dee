"""Trust (issue 8): no save of the user's is ever lost, and no odd file stops the vault."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iinotes import vault as vault_module
from iinotes import writes
from iinotes.edit import Append, SetInItem, SetValue, plan
from iinotes.errors import IinotesError
from iinotes.notes import parse_note
from iinotes.vault import STALE_SECONDS, ChangedOnDisk, atomic_write, read_original

SAVED = "---\ntype: contact\nid: c-12345678\n---\nsave {n}\n"


@pytest.fixture(params=["exchange", "move-aside"])
def replace_mode(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Both ways a checked replace works: Linux's atomic exchange, and the portable move-aside."""
    if request.param == "exchange":
        if vault_module._libc() is None or not hasattr(vault_module._libc(), "renameat2"):
            pytest.skip("no renameat2 here")
    else:
        monkeypatch.setattr(vault_module, "_exchange", lambda a, b: False)
    return request.param


def _editor_save(path: Path, text: str, n: int) -> None:
    """Save as editors do: half of the time write a new file and rename it over, else in place,
    truncating it as it is opened or (n % 4 == 2) writing over it and then cutting it to length."""
    if n % 2:
        temp = path.with_name(f"{path.name}.swp{n}")
        temp.write_text(text)
        os.replace(temp, path)
    elif n % 4 == 2:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            time.sleep(0)  # the editor's own work between open and write: other threads run
            os.write(fd, text.encode())
            os.ftruncate(fd, len(text.encode()))
        finally:
            os.close(fd)
    else:
        with open(path, "w") as handle:
            handle.write(text)


def _read(path: Path) -> str:
    """The note's text; without atomic exchange (move-aside mode) the name is gone for an instant."""
    for _ in range(1000):
        try:
            return path.read_text()
        except FileNotFoundError:
            time.sleep(0.0001)
    return path.read_text()


def _shows(path: Path, text: str, wait: float = 2.0) -> bool:
    """Whether the note shows `text`, allowing a refused write the moment it takes to put the user's
    version back (without atomic exchange, the command's file stands under the name for an instant
    before it is taken away again); a save really lost never comes back, as only the saver saves."""
    deadline = time.monotonic() + wait
    while text not in _read(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def test_no_save_is_lost_while_write_commands_run(vault, replace_mode):
    """A thread saving the note as an editor does races many write commands: every save the
    editor made is still on disk afterwards (the command's edit on top of it, or refused)."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    stop = threading.Event()
    lost: list[str] = []
    saves = 0

    def saver() -> None:
        nonlocal saves
        n = 0
        while not stop.is_set():
            n += 1
            _editor_save(path, SAVED.format(n=n), n)
            saves = n
            time.sleep(0.0005 * (n % 4))
            if not _shows(path, f"save {n}\n"):
                lost.append(f"save {n}: {_read(path)!r}")

    thread = threading.Thread(target=saver)
    thread.start()
    written = refused = 0
    start = dt.date(2020, 1, 1)
    try:
        for i in range(400):
            change = Append("touches", (start + dt.timedelta(days=i)).isoformat())
            try:
                writes.edit_note(vault.root, "contacts/Jane.md", [change])
                written += 1
            except IinotesError:
                refused += 1
    finally:
        stop.set()
        thread.join()
    assert not lost, lost[:3]
    assert f"save {saves}\n" in path.read_text()
    assert written > 0 and saves > 50
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_a_save_between_check_and_replace_is_kept(vault, monkeypatch, replace_mode):
    """The exact window of the old bug: the editor saves after iinotes read and checked the note,
    just before the new file goes in. The save stays; the command says so and exits 1."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    real_same = vault_module._same
    calls = []

    def save_after_first_check(name, original):  # type: ignore[no-untyped-def]
        result = real_same(name, original)
        calls.append(name)
        if len(calls) == 1:
            _editor_save(path, SAVED.format(n=7), 7 + len(calls) % 2)
        return result

    monkeypatch.setattr(vault_module, "_same", save_after_first_check)
    result = vault.run("log", "touch", "Jane", "--date", "2026-11-20")
    assert result.exit_code == 1, result.output
    assert "changed on disk" in result.output
    assert path.read_text() == SAVED.format(n=7)
    assert [p.name for p in path.parent.iterdir()] == ["Jane.md"]


@pytest.mark.parametrize("rename_save", [True, False])
def test_a_save_during_the_replace_is_put_back(vault, monkeypatch, replace_mode, rename_save):
    """The editor saves (in place into the old file, or a new file renamed over) in the middle of
    the replace: the user's version is what stays under the name, and the command is refused."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    real_same = vault_module._same
    calls = []

    def save_late(name, original):  # type: ignore[no-untyped-def]
        calls.append(name)
        if len(calls) == 2:  # the displaced file is about to be checked
            if rename_save and replace_mode == "move-aside":
                (Path(name)).write_text(SAVED.format(n=9))
            elif rename_save:
                _editor_save(path, SAVED.format(n=9), 1)
            else:
                Path(name).write_text(SAVED.format(n=9))
        return real_same(name, original)

    monkeypatch.setattr(vault_module, "_same", save_late)
    if rename_save and replace_mode == "exchange":  # saved over iinotes' new file: simply newer
        writes.edit_note(vault.root, "contacts/Jane.md", [Append("touches", "2026-11-20")])
    else:
        with pytest.raises(ChangedOnDisk):
            writes.edit_note(vault.root, "contacts/Jane.md", [Append("touches", "2026-11-20")])
    assert path.read_text() == SAVED.format(n=9)
    assert [p.name for p in path.parent.iterdir()] == ["Jane.md"]


def test_a_save_begun_before_the_replace_and_written_after_it_is_kept(vault, monkeypatch, replace_mode):
    """The race the stress test above hit under load: `open(name, "w")` looks the name up first
    and truncates and writes in later steps, so an editor's save begun just before the replace
    wrote into the note iinotes had replaced, checked (unchanged) and deleted: lost. Here the
    editor holds the note open from before the command and writes once the replaced note has no
    name left; its save must be what stays under the name."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    editor = os.open(path, os.O_WRONLY)  # looked up before the command; not yet truncated
    real_unlink = os.unlink
    wrote = []

    def unlink(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        real_unlink(name, *args, **kwargs)
        if not wrote and os.fstat(editor).st_nlink == 0:  # the note as read just lost its last name
            os.ftruncate(editor, 0)
            os.write(editor, SAVED.format(n=9).encode())
            os.close(editor)
            wrote.append(name)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(ChangedOnDisk):
        writes.edit_note(vault.root, "contacts/Jane.md", [Append("touches", "2026-11-20")])
    assert wrote
    assert path.read_text() == SAVED.format(n=9)
    assert [p.name for p in path.parent.iterdir()] == ["Jane.md"]


def test_a_save_begun_while_the_commands_file_held_the_name_is_kept(vault, monkeypatch, replace_mode):
    """Two saves in a row, both in place, while the command replaces the note: the first lands in
    the note taken out (so the command puts it back), the second was begun in the instant the
    command's own file held the name and writes once that file is deleted. The second, newest
    save is what stays."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    real_same, real_unlink = vault_module._same, os.unlink
    editor: dict[str, int] = {}

    def save_into_the_old_one(name, original):  # type: ignore[no-untyped-def]
        if not editor and Path(name) != path and path.exists():  # the new file holds the name
            Path(name).write_text(SAVED.format(n=9))
            editor["fd"] = os.open(path, os.O_WRONLY)  # the next save begins: not yet written
        return real_same(name, original)

    def unlink(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        real_unlink(name, *args, **kwargs)
        if "fd" in editor and os.fstat(editor["fd"]).st_nlink == 0:  # the command's file is gone
            fd = editor.pop("fd")
            os.write(fd, SAVED.format(n=10).encode())
            os.ftruncate(fd, len(SAVED.format(n=10)))
            os.close(fd)
            editor["wrote"] = 1

    monkeypatch.setattr(vault_module, "_same", save_into_the_old_one)
    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(ChangedOnDisk):
        writes.edit_note(vault.root, "contacts/Jane.md", [Append("touches", "2026-11-20")])
    assert editor == {"wrote": 1}
    assert path.read_text() == SAVED.format(n=10)
    assert [p.name for p in path.parent.iterdir()] == ["Jane.md"]


def test_two_saves_during_the_replace_the_newest_stands(vault, monkeypatch):
    """Move-aside mode: the editor writes into the moved-aside file and then saves a new file under
    the name, both while iinotes replaces the note: the newest save is what stays."""
    monkeypatch.setattr(vault_module, "_exchange", lambda a, b: False)
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    real_same = vault_module._same
    calls = []

    def two_saves(name, original):  # type: ignore[no-untyped-def]
        calls.append(name)
        result = real_same(name, original)
        if len(calls) == 3:  # the moved-aside file is checked after the new one went in
            Path(name).write_text(SAVED.format(n=9))
            _editor_save(path, SAVED.format(n=10), 1)
            return False
        return result

    monkeypatch.setattr(vault_module, "_same", two_saves)
    with pytest.raises(ChangedOnDisk):
        writes.edit_note(vault.root, "contacts/Jane.md", [Append("touches", "2026-11-20")])
    assert path.read_text() == SAVED.format(n=10)
    assert [p.name for p in path.parent.iterdir()] == ["Jane.md"]


def test_a_hard_linked_note_is_refused_not_split(vault):
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    other = vault.root / "Jane (other name).md"
    os.link(path, other)
    result = vault.run("log", "touch", "Jane", "--date", "2026-11-20")
    assert result.exit_code == 1
    assert "Jane.md has 2 names (hard links)" in result.output
    assert "nothing was written" in result.output
    assert path.read_text() == other.read_text() == SAVED.format(n=0)
    assert os.stat(path).st_ino == os.stat(other).st_ino


def test_a_symlinked_note_stays_a_symlink(vault, tmp_path):
    real = tmp_path / "elsewhere.md"
    real.write_text(SAVED.format(n=0))
    (vault.root / "contacts").mkdir(parents=True)
    (vault.root / "contacts/Jane.md").symlink_to(real)
    assert vault.run("log", "touch", "Jane", "--date", "2026-11-20").exit_code == 0
    assert (vault.root / "contacts/Jane.md").is_symlink()
    assert "touches:\n  - 2026-11-20\n" in real.read_text()


def test_stale_temp_files_are_cleaned_by_the_next_write(vault, monkeypatch):
    """Leftovers of killed writes go with the next write to that folder once an hour old (by
    mtime and ctime: a note just moved aside keeps its old mtime, so only ctime tells it is fresh)."""
    path = vault.add("contacts/Jane.md", SAVED.format(n=0))
    stale = path.parent / ".Jane.md.abcd1234.tmp"
    lost = path.parent / ".Ann.md.qwer1234.keep"  # killed while Ann.md was moved aside
    other = path.parent / ".report.txt.abcd1234.tmp"  # not a note's: never touched
    for leftover in (stale, lost, other):
        leftover.write_text("partial" if leftover != lost else SAVED.format(n=3))
    old = time.time() - STALE_SECONDS - 10
    for leftover in (stale, lost):
        os.utime(leftover, (old, old))
    assert vault_module.clean_leftovers(path.parent) == []  # just moved (ctime now): a write may be running
    later = time.time() + STALE_SECONDS + 10
    real = vault_module.clean_leftovers
    monkeypatch.setattr(vault_module, "clean_leftovers", lambda folder: real(folder, now=later))
    assert vault.run("log", "touch", "Jane", "--date", "2026-11-20").exit_code == 0
    assert not stale.exists() and other.exists()
    assert (path.parent / "Ann.md").read_text() == SAVED.format(n=3)  # the user's note is back
    assert "touches:" in path.read_text()


def test_create_never_replaces_a_file_that_appears(tmp_path):
    target = tmp_path / "note.md"
    target.write_text("mine")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"theirs", create=True)
    assert target.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["note.md"]


def test_read_original_reads_only_regular_files(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        read_original(fifo)


# --- a file that stops the whole vault: a problem for that file, the rest works ---------------


def _validate_lines(vault) -> list[str]:  # type: ignore[no-untyped-def]
    result = vault.run("validate", "--no-hints")
    assert "Traceback" not in result.output
    return result.output.splitlines()


def test_a_fifo_named_md_is_skipped_not_waited_on(vault):
    vault.contact("Ann")
    os.mkfifo(vault.root / "contacts/pipe.md")
    lines = _validate_lines(vault)  # hung for good before
    assert "contacts/pipe.md: warning[not-a-file] this is a named pipe (FIFO) (or a link to one), not a " in (
        lines[0] + " "
    )
    assert lines[-1] == "1 note checked: 0 errors, 1 warning"
    assert vault.run("due").exit_code == 0
    assert vault.run("feed").output.startswith("BEGIN:VCALENDAR")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_never_read(vault, device):
    vault.contact("Ann")
    (vault.root / "contacts/zero.md").symlink_to(device)
    lines = _validate_lines(vault)  # MemoryError before
    assert lines[0].startswith("contacts/zero.md: warning[not-a-file] this is a device")
    assert vault.run("feed").exit_code == 0


def test_reading_stops_at_the_size_cap(tmp_path):
    from iinotes.vault import FileRef, read_bytes

    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 5000)
    assert len(read_bytes(FileRef("big.md", str(big), (0, 0, 0, 0)), 100)) == 100


def test_a_file_name_that_is_not_utf8_is_a_problem(vault):
    vault.contact("Ann", outreach="[2026-11-01]")
    bad = os.path.join(os.fsencode(vault.root), b"contacts", b"Bad \xff name.md")
    with open(bad, "wb") as handle:
        handle.write(b"---\ntype: contact\n---\n")
    lines = _validate_lines(vault)  # UnicodeEncodeError in every command before
    assert lines[0] == (
        "contacts/Bad \ufffd name.md: error[bad-file-name] this file name is not valid UTF-8 (shown with "
        "\ufffd), so iinotes skips it"
    )
    for command in (["due"], ["feed"], ["index"], ["list"]):
        result = vault.run(*command)
        assert result.exit_code == 0 and "Traceback" not in result.output, command


def test_deep_nesting_is_a_problem_not_a_recursion_error(vault):
    vault.contact("Ann")
    vault.add("contacts/Deep.md", "---\ntype: contact\ntags: " + "[" * 500 + "]" * 500 + "\n---\n")
    vault.add("contacts/Deeper.md", "---\ntype: contact\nx: " + "{a: " * 900 + "}" * 900 + "\n---\n")
    lines = _validate_lines(vault)
    assert any("contacts/Deep.md:3:" in line and "error[yaml-nesting]" in line for line in lines)
    assert any(line.startswith("contacts/Deeper.md:3:") for line in lines)
    assert vault.run("due").exit_code == 0


# --- extreme dates: out-of-range instants are problems; nothing in range crashes -------------


@pytest.mark.parametrize(
    ("rel", "text", "column"),
    [
        ("contacts/X.md", "---\ntype: contact\nid: c-x\noutreach: [9999-12-25]\n---\n", 12),
        ("contacts/X.md", "---\ntype: contact\nid: c-x\nfollow_up: 0001-01-01T00:00+14:00\n---\n", 12),
        (
            "interviews/X.md",
            '---\ntype: interview\nid: i-x\ncontact: "[[Ann]]"\nscheduled: 9999-12-31T23:59\n'
            "timezone: Etc/GMT+12\n---\n",
            12,
        ),
    ],
)
def test_extreme_dates_are_problems_not_crashes(vault, rel, text, column):
    vault.contact("Ann")
    vault.add(rel, text)
    result = vault.run("validate", "--no-hints")
    assert result.exit_code == 1
    assert "error[bad-date]" in result.output and "is out of range: iinotes takes days from 1900 to 2999" in (
        result.output
    )
    for command in ("due", "feed", "index"):
        assert vault.run(command).exit_code == 0, command


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14", "Pacific/Kiritimati"])
@pytest.mark.parametrize(
    ("scheduled", "follow_up", "today"),
    [
        ("2999-12-31T23:59", "2999-12-31T23:59-12:00", "2999-12-31"),
        ("1900-01-01T00:00", "1900-01-01T00:00+14:00", "1900-01-01"),
    ],
)
def test_the_edges_of_the_range_work_everywhere(vault, zone, scheduled, follow_up, today):
    vault.contact("Ann", follow_up=follow_up, keep_in_touch="100y", touches=f"[{today}]")
    vault.interview(today, "Ann", scheduled=scheduled, timezone=zone)
    vault.add("iinotes.toml", "[feed]\nhorizon_days = 36500\n[followups]\nnudge_after_days = 36500\n")
    for command in ("validate", "due", "feed", "index", "list"):
        result = vault.run(command, today=today)
        assert "Traceback" not in result.output and result.exit_code == 0, (command, result.output)


def test_huge_numbers_in_settings_and_cadences_are_refused(vault):
    vault.contact("Ann", keep_in_touch="999999y")
    assert "longer than 100 years" in vault.run("validate").output
    vault.add("iinotes.toml", "[followups]\nnudge_after_days = 99999999\n")
    result = vault.run("due")
    assert result.exit_code == 2 and "must be at most 36500, found 99999999" in result.output


# --- one YAML reader: anything the reader accepts, every write command can edit ---------------

_TEXT = st.text(alphabet=st.sampled_from("ab Z9:?#,-[]{}'\"!&*|>%@=.~\\/é"), min_size=1, max_size=12)


def _contact_note(value: str) -> bytes:
    return (
        "---\ntype: contact\nid: c-abcdef12\n"
        f"extra: {value}\n"
        f"touches: [{{date: 2026-01-01, note: {value}}}]\n"
        f"outreach:\n  - {{date: 2026-01-02, via: {value}}}\n"
        "---\nbody\n"
    ).encode()


def _interview_note(value: str) -> bytes:
    return (
        '---\ntype: interview\nid: i-abcdef12\ncontact: "[[Ann]]"\nscheduled: 2026-11-20T10:00\n'
        f"medium: {value}\n"
        f"commitments:\n  - {{task: {value}, due: 2026-12-01}}\n  - task: {value}\n    due: 2026-12-02\n"
        "---\nbody\n"
    ).encode()


def _write_commands(day: dt.date, text: str) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    """The changes each write command makes (log, done, confirm, thank, commit-done)."""
    return [
        ("log outreach", writes.log_changes("outreach", day, text, text)),
        ("log touch", writes.log_changes("touch", day, None, text)),
        ("log reply", [SetValue("responded", day, keep_existing=True)]),
        ("done", [SetValue("status", "done")]),
        ("confirm", [SetValue("status", "confirmed"), SetValue("confirmed", day, keep_existing=True)]),
        ("thank", [SetValue("thank_you_sent", day, keep_existing=True)]),
        ("commit-done 1", [SetInItem("commitments", 0, "done", True)]),
        ("commit-done 2", [SetInItem("commitments", 1, "done", True)]),
    ]


@settings(max_examples=300, deadline=None)
@given(value=_TEXT, text=_TEXT)
def test_whatever_the_reader_accepts_every_write_command_can_edit(value, text):
    day = dt.date(2026, 11, 23)
    for path, data in (
        ("contacts/Ann.md", _contact_note(value)),
        ("interviews/X.md", _interview_note(value)),
    ):
        parsed = parse_note(path, data)
        if parsed.note is None or any(p.severity == "error" for p in parsed.problems):
            continue  # the reader does not accept it: nothing to edit
        for command, changes in _write_commands(day, text):
            if path.startswith("contacts/") != command.startswith("log"):
                continue
            new = plan(data, changes, path)  # EditRefused here is the bug
            again = parse_note(path, new)
            assert again.note is not None and not [p for p in again.problems if p.severity == "error"]
            assert plan(new, changes, path) == new, command  # done once: the second run changes nothing


def test_a_note_logged_with_a_question_mark_can_be_written_again(vault):
    vault.contact("Ann")
    assert vault.run("log", "touch", "Ann", "--date", "2026-11-20", "--note", "ok?").exit_code == 0
    assert (vault.root / "contacts/Ann.md").read_text().endswith("---\n\n## Log\n- 2026-11-20 touch: ok?\n")
    result = vault.run("log", "touch", "Ann", "--date", "2026-11-21")
    assert result.exit_code == 0, result.output
    vault.add("contacts/Bob.md", "---\ntype: contact\ntouches: [{date: 2026-11-20, note: ok?}]\n---\n")
    assert vault.run("log", "touch", "Bob", "--date", "2026-11-21").exit_code == 0


# --- the git hook validates what is staged ------------------------------------------------------

BROKEN = "---\ntype: contact\nid: c-9\nresponded: 2026-02-30\n---\n"
FIXED = "---\ntype: contact\nid: c-9\nresponded: 2026-02-28\n---\n"


def _committed(vault, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@e"
    return subprocess.run(["git", *args], cwd=vault.root, capture_output=True, text=True, env=env)


@pytest.fixture
def repo(vault):  # type: ignore[no-untyped-def]
    if shutil.which("git") is None:
        pytest.skip("needs git")
    vault.contact("Ann")
    _committed(vault, "init", "-q")
    assert vault.run("hook", "install").exit_code == 0
    _committed(vault, "add", "-A")
    assert _committed(vault, "commit", "-qm", "start").returncode == 0
    return vault


def test_the_hook_checks_the_staged_note_not_the_working_file(repo):
    repo.add("contacts/Bad.md", BROKEN)
    _committed(repo, "add", "-A")
    repo.add("contacts/Bad.md", FIXED)  # fixed in the folder only: the broken one would be committed
    done = _committed(repo, "commit", "-qm", "broken")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "contacts/Bad.md:4:12: error[bad-date] responded: 2026-02-30 is not a date" in done.stderr
    assert done.stderr.splitlines()[-1] == "1 note checked: 1 error, 0 warnings"


def test_the_hook_lets_a_staged_fix_through_while_the_folder_is_broken(repo):
    repo.add("contacts/Bad.md", FIXED)
    _committed(repo, "add", "-A")
    repo.add("contacts/Bad.md", BROKEN)
    done = _committed(repo, "commit", "-qm", "fixed")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "1 note checked: 0 errors, 0 warnings\n"


def test_the_hook_reads_names_with_newlines(repo):
    repo.add("contacts/Bad\nName.md", BROKEN)
    _committed(repo, "add", "-A")
    done = _committed(repo, "commit", "-qm", "odd name")
    assert done.returncode == 1
    assert "error[bad-date]" in done.stderr and "1 note checked: 1 error" in done.stderr


def test_an_old_hook_of_ours_is_updated(repo):
    hook = repo.root / ".git/hooks/pre-commit"
    hook.write_text(hook.read_text().replace("validate --staged", 'validate "$@"'))
    assert "updated" in repo.run("hook", "install").output
    assert "validate --staged" in hook.read_text()


def test_hook_install_over_a_dangling_symlink(repo):
    hook = repo.root / ".git/hooks/pre-commit"
    hook.unlink()
    hook.symlink_to("/nonexistent/hook")
    result = repo.run("hook", "install")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is a symlink to /nonexistent/hook, which does not exist" in result.output
    assert hook.is_symlink()


# --- ordinary OS errors: one clear line, exit 1, nothing lost ---------------------------------


@pytest.fixture
def small_disk(tmp_path):  # type: ignore[no-untyped-def]
    """A real 512 KiB file system (tmpfs), when the tests may mount one (root on Linux)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_full_disk_is_one_line_and_loses_nothing(small_disk, make_vault):
    v = make_vault(str(small_disk / "v"))
    v.contact("Ann")
    assert v.run("validate").exit_code == 0
    before = (v.root / "contacts/Ann.md").read_bytes()
    _fill(small_disk)
    for args, name in (
        (("log", "touch", "Ann", "--date", "2026-11-20"), "contacts/Ann.md"),
        (("feed", "-o", str(v.root / "feed.ics")), "feed.ics"),
    ):
        result = v.run(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert result.output == (
            f"iinotes: error: No space left on device ({v.root / name})\n"
            "  hint: the disk is full: free some space and run the command again (nothing was changed)\n"
        )
    assert (v.root / "contacts/Ann.md").read_bytes() == before
    assert sorted(p.name for p in (v.root / "contacts").iterdir()) == ["Ann.md"]


def test_a_read_only_vault_is_one_line(small_disk, make_vault, tmp_path):
    v = make_vault(str(small_disk / "v"))
    v.contact("Ann")
    assert v.run("validate").exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert v.run("validate").exit_code == 0 and v.run("due").exit_code == 0  # reading still works
    for args in (
        ("log", "touch", "Ann", "--date", "2026-11-20"),
        ("new", "contact", "Bob"),
        ("feed", "-o", str(v.root / "feed.ics")),
        ("init", str(v.root / "sub")),
    ):
        result = v.run(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output, (args, result.output)
        assert result.output.startswith("iinotes: error: Read-only file system (")
        assert "hint: the folder is on a read-only file system" in result.output
    serve = subprocess.run(
        [sys.executable, "-m", "iinotes", "--vault", str(v.root), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert serve.returncode == 1 and serve.stderr.startswith("iinotes: error: Read-only file system (")


def test_feed_into_a_missing_folder_is_one_line(vault, tmp_path):
    vault.contact("Ann")
    result = vault.run("feed", "-o", str(tmp_path / "nowhere/feed.ics"))
    assert result.exit_code == 1
    assert result.output == (
        f"iinotes: error: No such file or directory ({tmp_path / 'nowhere/feed.ics'})\n"
        "  hint: the folder does not exist: create it first (mkdir -p), or check the path\n"
    )


def test_a_write_failing_midway_leaves_the_note_and_no_temp_file(vault, monkeypatch):
    path = vault.contact("Ann")
    before = path.read_bytes()

    def full(fd):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = vault.run("log", "touch", "Ann", "--date", "2026-11-20")
    assert result.exit_code == 1 and result.output.startswith("iinotes: error: No space left on device (")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["Ann.md"]


# --- smaller ----------------------------------------------------------------------------------


def test_a_capitalised_status_is_honoured_with_a_warning(vault):
    vault.contact("Ann", responded="2026-11-01")
    vault.interview("2026-11-26", "Ann", scheduled="2026-11-26T10:00", status="Cancelled")
    vault.contact("Bob", status="Paused")
    result = vault.run("validate")
    assert result.exit_code == 0
    assert "warning[status-case] status: 'Cancelled' is read as cancelled" in result.output
    assert "warning[status-case] status: 'Paused' is read as paused" in result.output
    due = vault.run("due", "--days", "30").output
    assert "Confirm" not in due and "Prepare" not in due and "Bob" not in due


@pytest.mark.parametrize("made", range(1, len(writes.init_files())))
def test_init_finishes_a_vault_it_was_killed_making(tmp_path, made):
    """kill -9 during init leaves some of its files: init run again keeps them and adds the rest."""
    from click.testing import CliRunner

    from iinotes.cli import cli

    folder = tmp_path / "v"
    folder.mkdir()
    for name, data in list(writes.init_files().items())[:made]:
        if data is None:
            (folder / name).mkdir()
        else:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    for name, data in writes.init_files().items():
        assert (folder / name).is_dir() if data is None else (folder / name).read_bytes() == data
    again = CliRunner().invoke(cli, ["init", str(folder)])
    assert again.exit_code == 0 and "already a vault made by iinotes init: nothing to do" in again.output
    (folder / "iinotes.toml").write_text('timezone = "UTC"\n')  # the user's own: never written over
    refused = CliRunner().invoke(cli, ["init", str(folder)])
    assert refused.exit_code == 2 and "already has iinotes.toml" in refused.output


def test_a_time_in_a_dst_gap_shows_the_instant_used_everywhere(vault):
    """2027-03-14 02:30 does not exist in New York (clocks jump from 02:00 to 03:00): the meeting
    is at 03:30 EDT, and due, list, show and the feed all say so."""
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.contact("Ann", responded="2027-03-01")
    vault.interview("2027-03-14", "Ann", scheduled="2027-03-14T02:30")
    due = vault.run("due", today="2027-03-14").output
    assert "2027-03-14 03:30  Informational interview with Ann" in due
    assert "on 2027-03-14 at 03:30" in due and "2027-03-14 02:30" not in due and "at 02:30" not in due
    feed = vault.run("feed", today="2027-03-14").output
    assert "DTSTART;TZID=America/New_York:20270314T033000" in feed
    listed = vault.run("list", today="2027-03-10").output
    assert "2027-03-14 03:30" in listed and "2027-03-14 02:30" not in listed
    shown = vault.run("show", "Ann", today="2027-03-10").output
    assert "  2027-03-14 03:30  scheduled" in shown and "2027-03-14 02:30" not in shown
    checked = vault.run("validate", today="2027-03-10").output
    assert (
        "interviews/2027-03-14 Ann.md:4: warning[time-in-dst-gap] scheduled: 2027-03-14T02:30 does not "
        "exist in America/New_York (the clocks go forward); 03:30 is used"
    ) in checked


def test_next_meeting_is_vault_local_and_columns_are_measured_as_a_terminal_does(vault):
    vault.add("iinotes.toml", 'timezone = "Europe/Berlin"\n')
    vault.contact("Ann 👨‍👩‍👧‍👦", responded="2026-11-01")
    vault.interview("2026-12-10", "Ann 👨‍👩‍👧‍👦", scheduled="2026-12-10T11:00", timezone="America/New_York")
    vault.contact("Bob", responded="2026-11-01")
    lines = vault.run("list").output.splitlines()
    assert "2026-12-10 17:00  2026-12-08 prepare" in lines[2]  # 11:00 New York is 17:00 Berlin, whole
    assert lines[2].endswith("  contacts/Ann 👨‍👩‍👧‍👦.md")
    from iinotes.output import fit, width

    column = lines[0].index("NEXT MEETING")
    assert width(lines[2][: lines[2].index("2026-12-10 17")]) == column  # the emoji is 2 columns
    assert lines[3].index("contacts/Bob.md") == width(lines[2][: lines[2].index("contacts/Ann")])

    assert width("👨‍👩‍👧‍👦") == 2 and width("日本") == 4 and width("e\u0301") == 1
    assert fit("ab👨‍👩‍👧‍👦cd", 4) == "ab… "  # never half an emoji


def test_a_bad_cadence_gets_the_default_cadence_as_the_docs_say(vault):
    vault.add("iinotes.toml", '[followups]\nkeep_in_touch = "30d"\n')
    vault.contact("Ann", responded="2026-09-01", keep_in_touch="sometimes")
    vault.interview(
        "2026-09-10", "Ann", scheduled="2026-09-10T10:00", status="done", thank_you_sent="2026-09-10"
    )
    assert "error[bad-cadence]" in vault.run("validate").output
    due = vault.run("due", "--days", "0").output
    assert "Keep in touch with Ann" in due or "keep in touch" in due.lower()
    docs = (Path(__file__).parent.parent / "docs/note-format.md").read_text()
    assert "never edits your notes" not in docs
    assert "the vault's default cadence (`keep_in_touch` in settings) is used" in docs


def test_watch_writes_its_first_feed_with_a_fifo_in_the_vault(vault):
    vault.contact("Ann", outreach="[2026-11-01]")
    os.mkfifo(vault.root / "contacts/pipe.md")
    out = vault.root / "feed.ics"
    process = subprocess.Popen(
        [sys.executable, "-m", "iinotes", "--vault", str(vault.root), "watch", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not out.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    finally:
        process.terminate()
        process.wait(10)


def test_init_killed_with_sigkill_is_finished_by_the_next_init(tmp_path):
    """The probe: kill -9 in the middle of init, then init again."""
    import signal

    folder = tmp_path / "v"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "import iinotes.writes as w\n"
        "real, count = w.atomic_write, [0]\n"
        "def slow(*a, **k):\n"
        "    count[0] += 1\n"
        "    if count[0] == 3:\n"
        "        print('half', flush=True)\n"
        "        time.sleep(60)\n"
        "    real(*a, **k)\n"
        "w.atomic_write = slow\n"
        "w.init(Path(sys.argv[1]))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "half\n"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert (folder / "iinotes.toml").exists() and not (folder / "templates/interview.md").exists()
    from click.testing import CliRunner

    from iinotes.cli import cli

    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0 and "created a vault" in result.output, result.output
    assert all((folder / name).exists() for name in writes.init_files())


def test_the_hook_sees_the_commit_not_the_folder_for_links_too(repo):
    """An interview staged for a contact whose note is not staged: the commit would hold a link to
    nothing, so it is stopped, although the folder has the contact."""
    repo.contact("Zoe")  # in the folder, not staged
    repo.interview("2026-11-30", "Zoe", scheduled="2026-11-30T10:00")
    _committed(repo, "add", "interviews")
    done = _committed(repo, "commit", "-qm", "meeting")
    assert done.returncode == 1 and "error[unresolved-link]" in done.stderr, done.stderr
    _committed(repo, "add", "contacts")
    assert _committed(repo, "commit", "-qm", "both").returncode == 0
