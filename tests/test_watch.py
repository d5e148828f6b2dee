"""Watch mode over real files and real threads: editor save patterns, bursts, broken saves, a dead
observer, inotify limits, a vault that disappears, and the CLI in a subprocess (Ctrl-C exits 0)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import icalendar
import pytest
from conftest import contact_text

from iinotes import Vault
from iinotes.errors import IinotesError
from iinotes.watch import VaultGone, Watcher, classify, default_output

TODAY = dt.date(2026, 11, 23)
DEBOUNCE = 0.1
REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")  # watchdog, a harmless race
WAIT = 15.0  # seconds: upper bound for anything a test waits for (normally well under 1 s)


class Lines(list):  # type: ignore[type-arg]
    """The watcher's report lines, collected from its threads."""

    def __call__(self, line: str) -> None:
        self.append(line)

    def text(self) -> str:
        return "\n".join(self)


def summaries(path: Path) -> set[str]:
    """The SUMMARY of every event in the feed file, as icalendar reads it."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


def eventually(condition, timeout: float = WAIT) -> bool:  # type: ignore[no-untyped-def]
    """Poll `condition` (a callable) until true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (OSError, ValueError):
            pass  # the feed file between writes, or not there yet
        time.sleep(0.02)
    return bool(condition())


@pytest.fixture
def watching(two, tmp_path):  # type: ignore[no-untyped-def]
    """A started Watcher on `two`, writing tmp_path/feed.ics; stopped after the test."""
    started: list[Watcher] = []

    def start(**options) -> Watcher:  # type: ignore[no-untyped-def]
        options.setdefault("debounce", DEBOUNCE)
        options.setdefault("health_interval", 0.1)
        options.setdefault("poll_interval", 0.1)
        output = options.pop("output", tmp_path / "feed.ics")
        watcher = Watcher(Vault(two.root, today=TODAY), output, report=Lines(), **options)
        started.append(watcher)
        watcher.start()
        assert eventually(
            lambda: watcher.rebuilds >= 1 and (watcher.output is None or watcher.output.exists())
        ), "no first build"
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


def settled(watcher: Watcher, quiet: float = 0.5) -> int:
    """Wait until no rebuild happened for `quiet` seconds (bounded); the rebuild count then."""
    deadline = time.monotonic() + WAIT
    count = watcher.rebuilds
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if watcher.rebuilds != count:
            count, last_change = watcher.rebuilds, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            break
    return count


# ---------------------------------------------------------------------------- what counts as a change


@pytest.mark.parametrize(
    ("rel", "is_directory", "expected"),
    [
        ("contacts/Jane Doe.md", False, "note"),
        ("Notes.MD", False, "note"),
        ("contacts/Jane Doe.md~", False, None),
        ("contacts/4913", False, None),
        ("contacts/Jane Doe.md___jb_tmp___", False, None),
        ("contacts/.Jane Doe.md.swp", False, None),
        (".git/index", False, None),
        (".git/x.md", False, None),
        (".obsidian/workspace.json", False, None),
        (".trash/old.md", False, None),
        (".iinotes/followups.ics", False, None),
        ("node_modules/pkg/README.md", False, None),
        ("sub/.hidden/a.md", False, None),
        ("iinotes.toml", False, "settings"),
        ("new folder", True, "folder"),
        (".git/refs", True, None),
        (".", True, "folder"),
        ("../elsewhere.md", False, None),
    ],
)
def test_classify(rel, is_directory, expected):
    assert classify(rel, is_directory) == expected


# ---------------------------------------------------------------------------- the first build


def test_first_build_writes_the_feed(watching, tmp_path):
    watcher = watching()
    assert summaries(tmp_path / "feed.ics") == {"Follow up with Jane Doe", "Follow up with Bob Roe"}
    assert watcher.writes == 1
    line = watcher.report[0]
    assert line.startswith("read 2 notes: 2 follow-ups, feed written to ") and line.endswith(" s)")


def test_default_output_is_in_the_state_folder(two):
    path = default_output(two.root)
    assert path == two.root / ".iinotes" / "followups.ics"
    assert (two.root / ".iinotes" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_existing_feed_with_same_bytes_is_not_rewritten(two, tmp_path):
    output = tmp_path / "feed.ics"
    output.write_bytes(Vault(two.root, today=TODAY).feed()[2])
    before = output.stat().st_mtime_ns, output.stat().st_ino
    watcher = Watcher(Vault(two.root, today=TODAY), output, report=Lines())
    assert watcher.rebuild() is False
    assert (output.stat().st_mtime_ns, output.stat().st_ino) == before
    assert watcher.writes == 0 and "feed unchanged" in watcher.report[0]


def test_a_restarted_watch_carries_the_old_feed_forward_without_holding_it(two, tmp_path):
    """Started over the feed a former run wrote, watch -o keeps only what that feed says (its
    digest, event count, SEQUENCE and DTSTAMP state), never its bytes: an event that moved gets
    SEQUENCE 1, the other keeps its bytes (DTSTAMP included)."""
    output = tmp_path / "feed.ics"
    output.write_bytes(Vault(two.root, today=TODAY).feed()[2])
    old = {
        str(event["UID"]): event for event in icalendar.Calendar.from_ical(output.read_bytes()).walk("VEVENT")
    }
    two.add("contacts/Jane Doe.md", contact_text("Jane Doe", "2026-11-27", number=1), dedent=False)
    watcher = Watcher(Vault(two.root, today=TODAY), output, report=Lines())
    assert watcher.file is not None and watcher.file.last is None  # only a digest of the file is kept
    assert not isinstance(watcher.step.previous, bytes)
    assert watcher.rebuild() is True
    new = {
        str(event["UID"]): event for event in icalendar.Calendar.from_ical(output.read_bytes()).walk("VEVENT")
    }
    assert new.keys() == old.keys()
    moved = [uid for uid in new if new[uid]["DTSTART"].dt != old[uid]["DTSTART"].dt]
    assert len(moved) == 1 and new[moved[0]]["SEQUENCE"] == 1
    (same,) = set(new) - set(moved)
    assert new[same].to_ical() == old[same].to_ical()
    assert watcher.rebuild() is False  # and the file it wrote is known by its digest: not rewritten


def test_missing_output_folder_is_a_clear_error(two, tmp_path):
    with pytest.raises(IinotesError) as caught:
        Watcher(Vault(two.root, today=TODAY), tmp_path / "nope" / "feed.ics")
    assert "does not exist" in caught.value.message and "-o" in (caught.value.hint or "")


# ---------------------------------------------------------------------------- editors


def test_obsidian_writes_in_place(watching, two, tmp_path):
    watcher = watching()
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Q. Doe"), encoding="utf-8")
    assert eventually(lambda: "Follow up with Jane Q. Doe" in summaries(tmp_path / "feed.ics"))
    assert eventually(
        lambda: any(
            line.startswith("1 note changed (contacts/Jane Doe.md): 2 follow-ups, feed updated (")
            for line in watcher.report
        )
    )


@pytest.mark.parametrize("style", ["backup-rename", "4913-then-rename-over"])
def test_vim_saves(watching, two, tmp_path, style):
    watcher = watching()
    before = watcher.rebuilds
    note = two.root / "contacts/Jane Doe.md"
    new = contact_text("Jane Vim", number=1)
    (two.root / "contacts/4913").write_bytes(b"")  # vim checks that the folder is writable
    os.unlink(two.root / "contacts/4913")
    if style == "backup-rename":  # backupcopy=no: old file renamed to the backup, new file written
        os.rename(note, two.root / "contacts/Jane Doe.md~")
        note.write_text(new, encoding="utf-8")
        os.unlink(two.root / "contacts/Jane Doe.md~")
    else:  # backup copy written, new text written elsewhere and renamed over the note
        shutil.copy(note, two.root / "contacts/Jane Doe.md~")
        temp = two.root / "contacts/.Jane Doe.md.new"
        temp.write_text(new, encoding="utf-8")
        os.replace(temp, note)
        os.unlink(two.root / "contacts/Jane Doe.md~")
    assert eventually(lambda: "Follow up with Jane Vim" in summaries(tmp_path / "feed.ics"))
    assert settled(watcher) - before <= 2
    assert not any("4913" in line or ".md~" in line for line in watcher.report[1:])


def test_jetbrains_saves_through_a_temp_file(watching, two, tmp_path):
    watcher = watching()
    before = watcher.rebuilds
    temp = two.root / "contacts/Jane Doe.md___jb_tmp___"
    temp.write_text(contact_text("Jane JetBrains"), encoding="utf-8")
    os.replace(two.root / "contacts/Jane Doe.md", two.root / "contacts/Jane Doe.md___jb_old___")
    os.replace(temp, two.root / "contacts/Jane Doe.md")
    os.unlink(two.root / "contacts/Jane Doe.md___jb_old___")
    assert eventually(lambda: "Follow up with Jane JetBrains" in summaries(tmp_path / "feed.ics"))
    assert settled(watcher) - before <= 2
    assert not any("jb_" in line for line in watcher.report[1:])


# ---------------------------------------------------------------------------- bursts, deletes, renames, folders


def test_a_burst_of_500_changes_is_one_or_few_rebuilds(watching, two, tmp_path):
    watcher = watching()
    before = watcher.rebuilds
    for n in range(500):  # like `git checkout` of a branch that touches hundreds of notes
        two.add(
            f"contacts/batch/Person {n:03}.md",
            contact_text(f"Person {n:03}", number=1000 + n),
            dedent=False,
            age=False,
        )
    assert eventually(lambda: len(summaries(tmp_path / "feed.ics")) == 502)
    assert settled(watcher) - before <= 5
    assert any(
        line.startswith(
            "500 notes changed (contacts/batch/Person 000.md, contacts/batch/Person 001.md, contacts/batch/Person 002.md, ... 497 more)"
        )
        for line in watcher.report
    )


def test_deleted_renamed_and_new_folder_notes(watching, two, tmp_path):
    watcher = watching()
    feed = tmp_path / "feed.ics"
    os.unlink(two.root / "contacts/Bob Roe.md")
    assert eventually(lambda: summaries(feed) == {"Follow up with Jane Doe"})
    assert eventually(
        lambda: any(line.startswith("1 note removed (contacts/Bob Roe.md)") for line in watcher.report)
    )
    (two.root / "archive").mkdir()
    os.rename(two.root / "contacts/Jane Doe.md", two.root / "archive/Jane Doe.md")
    assert eventually(
        lambda: any(
            "changed (archive/Jane Doe.md), 1 note removed (contacts/Jane Doe.md)" in line
            for line in watcher.report
        )
    )
    assert summaries(feed) == {"Follow up with Jane Doe"}
    (two.root / "new/deeper").mkdir(parents=True)
    (two.root / "new/deeper/Zoe Poe.md").write_text(contact_text("Zoe Poe", number=3), encoding="utf-8")
    assert eventually(lambda: summaries(feed) == {"Follow up with Jane Doe", "Follow up with Zoe Poe"})


def test_a_folder_moved_in_is_picked_up(watching, two, tmp_path):
    watching()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Moved In.md").write_text(contact_text("Moved In", number=4), encoding="utf-8")
    os.rename(outside, two.root / "moved")
    assert eventually(lambda: "Follow up with Moved In" in summaries(tmp_path / "feed.ics"))


def test_ignored_places_do_not_rebuild(watching, two):
    watcher = watching(output=None)
    before = settled(watcher)
    for rel in (
        ".git/objects/ab/cd",
        ".git/x.md",
        ".obsidian/workspace.json",
        ".trash/Jane.md",
        "node_modules/p/README.md",
        "contacts/notes.txt",
        "contacts/Jane Doe.md~",
    ):
        path = two.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    time.sleep(DEBOUNCE * 5)
    assert settled(watcher) == before


def test_its_own_output_in_the_vault_causes_no_loop(watching, two):
    watcher = watching(output=two.root / "followups.md")  # even a .md output is not a note change
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Loop"), encoding="utf-8")
    assert eventually(lambda: watcher.writes >= 2)
    count = settled(watcher, quiet=DEBOUNCE * 6)
    time.sleep(DEBOUNCE * 4)
    assert watcher.rebuilds == count
    default = watching(output=default_output(two.root))  # and the default, in .iinotes/
    (two.root / "contacts/Bob Roe.md").write_text(contact_text("Bob Loop", number=2), encoding="utf-8")
    assert eventually(lambda: default.writes >= 2)
    count = settled(default, quiet=DEBOUNCE * 6)
    time.sleep(DEBOUNCE * 4)
    assert default.rebuilds == count


def test_settings_change_is_picked_up(watching, two, tmp_path):
    watcher = watching()
    two.add("iinotes.toml", '[feed]\nname = "Renamed feed"\n', age=False)
    assert eventually(lambda: b"NAME:Renamed feed" in (tmp_path / "feed.ics").read_bytes())
    assert "iinotes.toml changed: settings reloaded" in watcher.report
    two.add("iinotes.toml", "[feed\n", age=False)
    assert eventually(
        lambda: any("iinotes.toml changed but cannot be used" in line for line in watcher.report)
    )
    assert b"NAME:Renamed feed" in (tmp_path / "feed.ics").read_bytes()


# ---------------------------------------------------------------------------- broken saves and failures


def test_a_broken_save_prints_the_problem_and_keeps_the_other_follow_ups(watching, two, tmp_path):
    watcher = watching()
    (two.root / "contacts/Bob Roe.md").write_text(
        "---\ntype: contact\nid: c-00000002\nname: Bob Roe\nfollow_up: [oops\n---\n", encoding="utf-8"
    )
    expected = "contacts/Bob Roe.md:6:1: error[yaml-syntax] front matter is not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"
    assert eventually(lambda: expected in watcher.report)
    assert summaries(tmp_path / "feed.ics") == {"Follow up with Jane Doe"}
    validate = two.run("validate").output
    assert expected in validate  # the same text as `iinotes validate`
    (two.root / "contacts/Bob Roe.md").write_text(
        contact_text("Bob Roe", "2026-11-26", number=2), encoding="utf-8"
    )
    assert eventually(lambda: "contacts/Bob Roe.md: ok now" in watcher.report)
    assert summaries(tmp_path / "feed.ics") == {"Follow up with Jane Doe", "Follow up with Bob Roe"}


def test_a_failing_rebuild_keeps_the_old_feed_and_watching_continues(watching, two, tmp_path, monkeypatch):
    watcher = watching()
    feed = tmp_path / "feed.ics"
    good = feed.read_bytes()
    real = watcher.vault.feed
    calls = {"n": 0}

    def flaky(previous=None, index=None, hint=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return real(previous, index, hint)

    monkeypatch.setattr(watcher.vault, "feed", flaky)
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane After"), encoding="utf-8")
    assert eventually(lambda: watcher.failures == 1)
    assert feed.read_bytes() == good
    assert any(
        line.startswith(
            "rebuild failed: RuntimeError('disk on fire'); the feed was left as it was; retrying in"
        )
        for line in watcher.report
    )
    assert eventually(
        lambda: "Follow up with Jane After" in summaries(feed)
    )  # the retry (or the next change) succeeds
    assert watcher.running


def test_an_unreadable_note_does_not_shrink_the_feed(watching, two, tmp_path, monkeypatch):
    import iinotes.pipeline as pipeline

    watcher = watching()
    feed = tmp_path / "feed.ics"
    good = feed.read_bytes()
    real = pipeline.read_bytes

    def locked(ref, *limit):  # type: ignore[no-untyped-def]
        if ref.path == "contacts/Bob Roe.md":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(ref, *limit)

    monkeypatch.setattr(pipeline, "read_bytes", locked)
    os.utime(two.root / "contacts/Bob Roe.md")  # a changed signature: it is read again, and fails
    assert eventually(
        lambda: any(
            "kept the previous feed (2 follow-ups) because some notes could not be read (contacts/Bob Roe.md)"
            in line
            for line in watcher.report
        )
    ), watcher.report
    assert feed.read_bytes() == good
    monkeypatch.setattr(pipeline, "read_bytes", real)
    os.utime(two.root / "contacts/Bob Roe.md")
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Readable"), encoding="utf-8")
    assert eventually(lambda: summaries(feed) == {"Follow up with Jane Readable", "Follow up with Bob Roe"})


def test_a_raising_handler_never_kills_the_observer(watching, two, tmp_path, monkeypatch):
    watcher = watching()
    monkeypatch.setattr("iinotes.watch.classify", lambda *a: 1 / 0)
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Raise"), encoding="utf-8")
    assert eventually(lambda: watcher.handler_errors >= 1)
    monkeypatch.undo()
    assert watcher.observer_alive()
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Fine"), encoding="utf-8")
    assert eventually(lambda: "Follow up with Jane Fine" in summaries(tmp_path / "feed.ics"))


# ---------------------------------------------------------------------------- staying alive


def test_a_dead_observer_is_restarted(watching, two, tmp_path):
    watcher = watching()
    dead = watcher.observer
    dead.stop()
    assert eventually(
        lambda: watcher.restarts == 1 and watcher.observer is not dead and watcher.observer_alive()
    )
    assert "the file watcher stopped unexpectedly; restarting it" in watcher.report
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Revived"), encoding="utf-8")
    assert eventually(lambda: "Follow up with Jane Revived" in summaries(tmp_path / "feed.ics"))


class _NoWatches:
    """An observer whose start fails like inotify does when fs.inotify.max_user_watches is reached."""

    def schedule(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        pass

    def start(self) -> None:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def stop(self) -> None:
        pass

    def is_alive(self) -> bool:
        return False


def test_a_vault_folder_swapped_for_another_is_watched_anew(watching, two, tmp_path):
    watcher = watching()
    fresh = tmp_path / "fresh"
    shutil.copytree(two.root, fresh)
    (fresh / "contacts/Bob Roe.md").unlink()
    old = tmp_path / "old"
    os.rename(two.root, old)
    time.sleep(0.3)  # missing for a moment (less than VAULT_GRACE): not the end
    os.rename(fresh, two.root)
    assert eventually(lambda: "the vault folder was replaced; watching the new one" in watcher.report)
    assert eventually(lambda: summaries(tmp_path / "feed.ics") == {"Follow up with Jane Doe"})
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Fresh"), encoding="utf-8")
    assert eventually(lambda: summaries(tmp_path / "feed.ics") == {"Follow up with Jane Fresh"})
    assert watcher.error is None and watcher.running


def test_inotify_limit_falls_back_to_polling(watching, two, tmp_path):
    watcher = watching(observer_factory=_NoWatches)
    assert watcher.polling
    assert any(
        "sudo sysctl fs.inotify.max_user_watches=524288" in line and "polling" in line
        for line in watcher.report
    )
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Polled"), encoding="utf-8")
    assert eventually(lambda: "Follow up with Jane Polled" in summaries(tmp_path / "feed.ics"))


def test_poll_mode(watching, two, tmp_path):
    watcher = watching(poll=True)
    assert watcher.polling and watcher.observer_alive()
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Polled Again"), encoding="utf-8")
    assert eventually(lambda: "Follow up with Jane Polled Again" in summaries(tmp_path / "feed.ics"))
    (two.root / ".git").mkdir()
    (two.root / ".git" / "x.md").write_text("ignored")
    count = settled(watcher)
    time.sleep(0.3)
    assert watcher.rebuilds == count


def test_a_new_day_rebuilds_without_any_change(two, tmp_path, monkeypatch):
    day = [TODAY]
    monkeypatch.setattr(Vault, "today", property(lambda self: day[0]))
    output = tmp_path / "feed.ics"
    watcher = Watcher(Vault(two.root), output, report=Lines(), debounce=DEBOUNCE, health_interval=0.1)
    watcher.start()
    try:
        assert eventually(lambda: watcher.rebuilds == 1)
        before = output.read_bytes()
        day[0] = TODAY + dt.timedelta(days=1)
        assert eventually(lambda: watcher.rebuilds == 2)
        assert any(
            line.startswith("a new day (2026-11-24): 2 follow-ups, feed unchanged (")
            for line in watcher.report
        ), watcher.report
        assert output.read_bytes() == before  # nothing happened: not a byte changes (DTSTAMP included)
        time.sleep(0.3)
        assert watcher.rebuilds == 2  # once per day, not once per check
        day[0] = TODAY + dt.timedelta(days=3)  # Jane's follow-up (2026-11-25) is now overdue
        assert eventually(lambda: watcher.rebuilds == 3)
        assert any(
            line.startswith("a new day (2026-11-26): 2 follow-ups, feed updated (") for line in watcher.report
        ), watcher.report
        assert output.read_bytes() != before
    finally:
        watcher.stop()


def run_in_thread(watcher: Watcher) -> tuple[threading.Thread, list[BaseException | None]]:
    """`watcher.run_forever()` in a thread; the list gets what it raised (or None)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            watcher.run_forever()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_the_vault_removed_stops_with_a_clear_message(two, tmp_path):
    output = tmp_path / "feed.ics"
    watcher = Watcher(
        Vault(two.root, today=TODAY), output, report=Lines(), debounce=DEBOUNCE, health_interval=0.1
    )
    thread, outcome = run_in_thread(watcher)
    assert eventually(lambda: output.exists())
    shutil.rmtree(two.root)
    thread.join(WAIT)
    assert not thread.is_alive()
    assert isinstance(outcome[0], VaultGone) and outcome[0].exit_code == 1
    assert "is gone (deleted, moved or unmounted); stopped watching" in outcome[0].message
    assert output.exists() and summaries(output)  # nothing deleted


# ---------------------------------------------------------------------------- the command


def _start_cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "iinotes", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _read_until(process: subprocess.Popen[str], needle: str, lines: list[str]) -> bool:
    deadline = time.monotonic() + WAIT
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            return False
        lines.append(line)
        if needle in line:
            return True
    return False


def test_cli_watch_ctrl_c_exits_cleanly(two):
    process = _start_cli("--vault", str(two.root), "--today", "2026-11-23", "watch", "--debounce", "0.1")
    lines: list[str] = []
    try:
        assert _read_until(process, "feed written to", lines), "".join(lines)
        assert f"watching {two.root}" in "".join(lines)
        (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Cli"), encoding="utf-8")
        assert _read_until(process, "1 note changed (contacts/Jane Doe.md)", lines), "".join(lines)
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()
    assert "Follow up with Jane Cli" in summaries(default_output(two.root))


def test_cli_watch_vault_removed_exits_1(two, tmp_path):
    out = tmp_path / "feed.ics"
    process = _start_cli("--vault", str(two.root), "watch", "-o", str(out), "--debounce", "0.1")
    lines: list[str] = []
    try:
        assert _read_until(process, "feed written to", lines), "".join(lines)
        shutil.rmtree(two.root)
        assert process.wait(WAIT) == 1
    finally:
        process.kill()
    rest = process.stdout.read() if process.stdout else ""
    assert "iinotes: error: the vault folder" in "".join(lines) + rest
    assert out.exists()


# ---------------------------------------------------------------------------- never an empty feed (issue 8, item 2)


def _events(path: Path) -> int:
    return path.read_bytes().count(b"BEGIN:VEVENT")


def test_a_vault_replaced_by_an_empty_folder_keeps_the_feed(watching, two, tmp_path):
    """An unmounted file system leaves its empty mount point: that is not a vault without notes."""
    watcher = watching()
    feed = tmp_path / "feed.ics"
    os.rename(two.root, tmp_path / "unmounted")
    two.root.mkdir()
    assert eventually(lambda: any("the vault has no notes any more" in line for line in watcher.report))
    time.sleep(0.5)
    assert _events(feed) == 2 and watcher.running
    assert any(
        "kept the previous feed (2 follow-ups); waiting for the notes" in line for line in watcher.report
    )
    two.root.rmdir()
    os.rename(tmp_path / "unmounted", two.root)  # mounted again
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Back"), encoding="utf-8")
    assert eventually(lambda: summaries(feed) == {"Follow up with Jane Back", "Follow up with Bob Roe"})


def test_a_vault_emptied_keeps_the_feed(watching, two, tmp_path):
    watcher = watching()
    for note in (two.root / "contacts").glob("*.md"):
        note.unlink()
    assert eventually(lambda: any("the vault has no notes any more" in line for line in watcher.report))
    time.sleep(0.3)
    assert _events(tmp_path / "feed.ics") == 2


def test_a_server_started_over_an_emptied_vault_serves_the_kept_feed(two, tmp_path):
    """The first build is held back (the vault has no notes any more): the server gets the feed the
    file holds, read back from the file (its bytes are not kept in memory meanwhile), and a file
    that changed since it was read is never served as the kept feed."""
    output = tmp_path / "feed.ics"
    output.write_bytes(Vault(two.root, today=TODAY).feed()[2])
    for note in (two.root / "contacts").glob("*.md"):
        note.unlink()
    served: list[bytes] = []
    watcher = Watcher(
        Vault(two.root, today=TODAY), output, report=Lines(), on_feed=lambda d, b: served.append(d)
    )
    assert watcher.rebuild() is False
    assert served == [output.read_bytes()] and _events(output) == 2
    assert watcher._kept_bytes(watcher.step.previous) == served[0]
    output.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")  # replaced by someone else meanwhile
    assert watcher._kept_bytes(watcher.step.previous) is None


@pytest.mark.parametrize(("notes", "gap"), [(40, 0.03), (16, 0.2)])  # faster and slower than the debounce
def test_a_vault_being_deleted_never_shrinks_the_feed(make_vault, tmp_path, notes, gap):
    vault = make_vault("big")
    vault.add("iinotes.toml", '[followups]\nreview_weekday = ""\nweekly_outreach = 0\n')  # one event per note
    for n in range(notes):
        vault.add(f"contacts/Person {n}.md", contact_text(f"Person {n}", number=n + 1), dedent=False)
    output = tmp_path / "feed.ics"
    watcher = Watcher(
        Vault(vault.root, today=TODAY), output, report=Lines(), debounce=0.05, health_interval=0.1
    )
    thread, outcome = run_in_thread(watcher)
    assert eventually(lambda: output.exists() and _events(output) == notes)
    seen = []
    for note in sorted((vault.root / "contacts").glob("*.md")):  # a slow `rm -r`, note by note
        note.unlink()
        seen.append(_events(output))
        time.sleep(gap)
    time.sleep(0.3)
    seen.append(_events(output))
    shutil.rmtree(vault.root)
    thread.join(WAIT)
    assert not thread.is_alive() and isinstance(outcome[0], VaultGone)
    assert min(seen) == notes and _events(output) == notes, seen


def test_a_note_deleted_by_hand_leaves_the_feed_a_moment_later(watching, two, tmp_path):
    watcher = watching()
    (two.root / "contacts/Bob Roe.md").unlink()
    assert eventually(lambda: summaries(tmp_path / "feed.ics") == {"Follow up with Jane Doe"})
    expected = "1 note removed (contacts/Bob Roe.md): 1 follow-up, feed updated"
    assert eventually(lambda: any(line.startswith(expected) for line in watcher.report)), watcher.report


# ---------------------------------------------------------------------------- the parts, each alone


def test_change_source_alone_yields_debounced_batches_of_paths(two):
    from iinotes.watch import ChangeSource

    lines = Lines()
    source = ChangeSource(str(two.root.resolve()), debounce=0.1, report=lines)
    source.start()
    stopping = threading.Event()
    try:
        assert source.health() == "ok" and source.observer_alive()
        for n in range(5):  # a burst: one batch
            (two.root / "contacts/Jane Doe.md").write_text(contact_text(f"Jane {n}"), encoding="utf-8")
        (two.root / ".git").mkdir()
        (two.root / ".git" / "index").write_text("x")
        assert source.wake.wait(WAIT)
        batch = source.settle(stopping)
        assert batch is not None and batch.paths == frozenset({"contacts/Jane Doe.md"}) and not batch.settings
        (two.root / "iinotes.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
        assert source.wake.wait(WAIT)
        batch = source.settle(stopping)
        assert batch is not None and batch.settings and batch.paths is None  # settings: scan everything
        source.changed()
        assert source.settle(stopping) == type(batch)(None, False)
    finally:
        source.stop()


def test_change_source_alone_reports_a_missing_then_gone_vault(two, tmp_path, monkeypatch):
    import iinotes.watch as watch_module
    from iinotes.watch import ChangeSource

    monkeypatch.setattr(watch_module, "VAULT_GRACE", 0.2)
    source = ChangeSource(str(two.root.resolve()), report=Lines())
    source.start()
    try:
        os.rename(two.root, tmp_path / "elsewhere")
        assert source.health() == "missing"
        time.sleep(0.3)
        assert source.health() == "gone"
    finally:
        source.stop()


def test_rebuild_alone_keeps_the_feed_of_an_emptied_vault(two):
    from iinotes.watch import Batch, Rebuild

    lines = Lines()
    step = Rebuild(Vault(two.root, today=TODAY), None, lines)
    built = step.run(Batch())
    assert built is not None and built.count == 2 and built.what == "read 2 notes"
    assert step.run(Batch()).what == "no note changed"  # type: ignore[union-attr]
    for note in (two.root / "contacts").glob("*.md"):
        note.unlink()
    assert step.run(Batch()) is None and step.previous == built.data
    assert "the vault has no notes any more" in lines.text()
    assert step.retry_at is not None


def test_file_output_alone_writes_only_changed_bytes(tmp_path):
    from iinotes.watch import FileOutput, OutputError

    path = tmp_path / "feed.ics"
    output = FileOutput(path)
    assert output.receive(b"one", 0.0) and path.read_bytes() == b"one"
    assert not output.receive(b"one", 0.0) and output.writes == 1
    path.unlink()
    assert output.receive(b"one", 0.0) and path.exists()  # a deleted file is written again
    with pytest.raises(OutputError):
        FileOutput(tmp_path / "missing" / "feed.ics")


def test_callback_output_alone_calls_on_change_only():
    from iinotes.watch import CallbackOutput

    got: list[bytes] = []
    output = CallbackOutput(lambda data, built: got.append(data))
    assert output.receive(b"a", 0.0) and not output.receive(b"a", 1.0) and output.receive(b"b", 2.0)
    assert got == [b"a", b"b"]
