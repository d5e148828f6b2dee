"""The parse cache: a second run re-reads only changed files; a bad cache is rebuilt silently."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import pickle
import stat
import subprocess
import sys
import time

from iinotes import Vault
from iinotes.cache import CACHE_FILE, STATE_DIR

TODAY = dt.date(2026, 11, 23)


def fresh(root, settle: bool = True):  # type: ignore[no-untyped-def]
    if settle:
        time.sleep(0.06)  # let the files' change times fall out of the racy window (iinotes.cache.racy)
    vault = Vault(root, today=TODAY)
    vault.index()
    return vault.stats


def test_second_run_reads_only_changed_files(vault):
    for n in range(5):
        vault.contact(f"Person {n}", company="Acme")
    assert fresh(vault.root).parsed == 5
    assert (vault.root / STATE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert fresh(vault.root).parsed == 0
    path = vault.contact("Person 2", company="Beta")  # same size? different content and mtime
    stats = fresh(vault.root)
    assert stats.parsed == 1 and stats.changed == ["contacts/Person 2.md"]
    assert Vault(vault.root, today=TODAY).index().contacts["contacts/Person 2.md"].contact.company == "Beta"
    os.unlink(path)
    stats = fresh(vault.root)
    assert stats.parsed == 0 and stats.removed == ["contacts/Person 2.md"]


def test_same_size_same_mtime_change_is_seen_through_ctime_or_inode(vault):
    path = vault.contact("Jane", company="Acme")
    fresh(vault.root)
    before = os.stat(path)
    replacement = path.with_name("tmp.swp")
    replacement.write_bytes(path.read_bytes().replace(b"Acme", b"Acmf"))
    os.replace(replacement, path)  # editors save by rename: new inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    index = Vault(vault.root, today=TODAY).index()
    assert index.contacts["contacts/Jane.md"].contact.company == "Acmf"


def test_recently_modified_files_are_not_trusted_to_the_cache(vault):
    from iinotes.cache import racy

    vault.add("contacts/Now.md", "---\ntype: contact\nid: c-now\n---\n", age=False)
    fresh(vault.root, settle=False)
    assert fresh(vault.root, settle=False).parsed == 1  # changed a moment ago: re-read, never served stale
    now = time.time_ns()
    assert racy((now - 10_000_000, now - 10_000_000, 1, 1), now)
    assert not racy((now - 100_000_000, now - 100_000_000, 1, 1), now)
    whole_seconds = (now // 10**9 - 1) * 10**9
    assert racy((whole_seconds, whole_seconds, 1, 1), now)  # coarse file system: a wider window


def test_corrupt_missing_or_foreign_cache_is_rebuilt(vault):
    vault.contact("Jane")
    fresh(vault.root)
    cache_file = vault.root / STATE_DIR / CACHE_FILE
    cache_file.write_bytes(b"garbage")
    assert fresh(vault.root).parsed == 1
    cache_file.write_bytes(json.dumps({"tag": "another version", "entries": []}).encode())
    assert fresh(vault.root).parsed == 1
    cache_file.unlink()
    assert fresh(vault.root).parsed == 1
    assert fresh(vault.root).parsed == 0


def test_read_only_state_dir_runs_without_cache(vault):
    vault.contact("Jane")
    (vault.root / STATE_DIR).write_text("not a folder")
    assert fresh(vault.root).parsed == 1
    assert fresh(vault.root).parsed == 1


def _index_many_times(root: str, rounds: int) -> int:
    total = 0
    for _ in range(rounds):
        from iinotes.cache import clear

        clear(__import__("pathlib").Path(root))
        total += len(Vault(root, today=TODAY).index().contacts)
    return total


def test_two_processes_at_once_never_corrupt_it(vault):
    for n in range(40):
        vault.contact(f"Person {n}")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_index_many_times, [(str(vault.root), 8), (str(vault.root), 8)])
    assert results == [320, 320]
    leftovers = [
        p.name for p in (vault.root / STATE_DIR).iterdir() if p.name not in (".gitignore", CACHE_FILE)
    ]
    assert leftovers == []
    assert fresh(vault.root).parsed == 0  # whatever process wrote last left a whole, valid cache


def test_cache_is_ignored_by_git(vault, tmp_path):
    import subprocess

    vault.contact("Jane")
    subprocess.run(["git", "init", "-q", str(vault.root)], check=True)
    fresh(vault.root)
    status = subprocess.run(
        ["git", "-C", str(vault.root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.splitlines() == ["?? contacts/Jane.md"]


def test_index_snapshot_is_reused_only_when_nothing_changed(vault):
    from iinotes.output import index_json

    vault.contact("Ann", outreach="[2026-11-01]")
    vault.contact("Ben", referred_by='"[[Ann]]"')
    time.sleep(0.06)
    built = Vault(vault.root, today=TODAY).index()
    reused = Vault(vault.root, today=TODAY).index()
    assert index_json(reused) == index_json(built)
    uncached = Vault(vault.root, today=TODAY, use_cache=False).index()
    assert index_json(reused) == index_json(uncached)
    later = Vault(vault.root, today=dt.date(2026, 12, 1)).index()  # another day: stages are derived again
    assert later.today == dt.date(2026, 12, 1) and later.contacts["contacts/Ann.md"].stage == "awaiting-reply"
    os.symlink("..", vault.root / "contacts" / "loop")  # a new scan problem: not served from the snapshot
    assert [p.code for p in Vault(vault.root, today=TODAY).index().problems] == ["symlink-loop"]


class _Boom:
    """Unpickling this runs code: it would create the file named `marker`."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))


def test_a_planted_cache_runs_no_code(vault, tmp_path):
    """A shared or synced vault (or a repo that force-adds .iinotes/) can carry any cache file:
    reading it must never run code, and whatever is in it only makes a cache miss."""
    vault.contact("Jane", email="jane@example.com")
    time.sleep(0.06)
    assert vault.run("validate").exit_code == 0
    state = vault.root / STATE_DIR
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Boom(str(marker)))
    names = [p.name for p in state.iterdir() if p.is_file() and p.name != ".gitignore"]
    assert CACHE_FILE in names and "answer-validate" in names
    for name in [*names, "parse-cache.pickle", "feed-cache.pickle"]:  # also the old pickle names
        (state / name).write_bytes(payload)
    assert not any(p.endswith(".pickle") for p in names)  # nothing we write is a pickle
    for command in (["validate"], ["due"], ["feed"], ["index", "--format", "json"], ["list"]):
        result = vault.run(*command)
        assert result.exit_code == 0, result.output
    assert fresh(vault.root).parsed == 0  # the planted file was a miss, then replaced by a good cache
    # the same through a new process, as the pre-commit hook runs it
    for name in names:
        (state / name).write_bytes(payload)
    subprocess.run([sys.executable, "-m", "iinotes", "--vault", str(vault.root), "validate"], check=True)
    assert not marker.exists()


def test_a_cache_with_unexpected_values_is_a_miss(vault):
    from iinotes.cache import load

    vault.contact("Jane", outreach="[2026-11-01]")
    fresh(vault.root)
    cache_file = vault.root / STATE_DIR / CACHE_FILE
    good = cache_file.read_text()
    assert load(vault.root)  # the cache as written is read back
    tampered = [
        good.replace('{"d":"2026-11-01"}', '"2026-11-01"'),  # a text where a date belongs
        good.replace('{"d":"2026-11-01"}', '{"d":"not a date"}'),
        good.replace('"Contact"', '"Popen"'),  # a class the cache does not hold
        good.replace('{"c":["Entry",', '{"c":["Link",'),  # a class where another belongs
        good.replace('{"c":["Entry",', '{"x":["Entry",'),
        good.replace('"Jane"', '["nested", "list"]', 1),
        good.splitlines()[0] + "\n" + "[1, 2, 3]\n",  # a row of another shape
        good.splitlines()[0] + "\n",  # no trailer: cut short
        # a note less than the trailer counts
        "\n".join(good.splitlines()[:1] + good.splitlines()[2:]) + "\n",
        good.replace('"classes":[["ParsedNote",["path",', '"classes":[["ParsedNote",["note",'),
        "[" * 100_000,
        "",
    ]
    for text in tampered:
        assert text != good
        cache_file.write_text(text)
        assert load(vault.root) == {}, text[:80]
        assert fresh(vault.root).parsed == 1  # a miss: read again, and a good cache written
        assert load(vault.root)


def test_cache_and_state_are_private_to_the_user(vault, tmp_path):
    vault.contact("Jane", email="jane@example.com", phone="555-0100")
    time.sleep(0.06)
    out = tmp_path / "feed.ics"
    assert vault.run("validate").exit_code == 0 and vault.run("feed", "-o", str(out)).exit_code == 0
    from iinotes.vault import atomic_write
    from iinotes.watch import default_output

    atomic_write(default_output(vault.root), b"feed")  # what watch and serve keep in .iinotes/
    state = vault.root / STATE_DIR
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()}
    assert CACHE_FILE in files and "followups.ics" in files
    assert files == dict.fromkeys(files, 0o600)
    assert b"jane@example.com" in (state / CACHE_FILE).read_bytes()  # which is why it is private
    # an older version left it readable by everyone: the next run makes it private
    os.chmod(state, 0o755)
    for name in files:
        os.chmod(state / name, 0o644)
    assert vault.run("validate").exit_code == 0
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in state.iterdir())
    assert stat.S_IMODE((vault.root / "contacts" / "Jane.md").stat().st_mode) != 0o600  # notes untouched


def test_the_run_after_feed_wrote_its_file_is_answered_from_the_record(vault, tmp_path, monkeypatch):
    """`feed -o FILE` that writes the file keeps what the next run will say under that next run's
    key (the new file is its previous feed): the next run reads no note, and says "unchanged"."""
    from iinotes import pipeline

    vault.contact("Ann", outreach="[2026-11-01]")
    time.sleep(0.06)
    out = tmp_path / "feed.ics"
    first = vault.run("feed", "-o", str(out))
    assert first.exit_code == 0 and "wrote" in first.stderr

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the vault was read: not answered from the record")

    monkeypatch.setattr(pipeline.Vault, "index", no_reading)
    monkeypatch.setattr(pipeline.Vault, "feed_pieces", no_reading)
    again = vault.run("feed", "-o", str(out))
    events = first.stderr.removeprefix(f"{out}: wrote ").removesuffix(" events\n")
    assert again.exit_code == 0 and again.stderr == f"{out}: unchanged ({events} events)\n"


def test_warm_runs_are_answered_from_the_record_only_while_nothing_changed(vault):
    from iinotes.cache import ANSWER_PREFIX

    vault.contact("Ann", outreach="[2026-11-01]")
    vault.contact("Ben", referred_by='"[[Ann]]"')
    time.sleep(0.06)
    runs = [("validate",), ("validate", "--format", "json"), ("index", "--format", "json"), ("list",)]
    runs += [("due",), ("show", "Ann"), ("due", "--days", "30", "--format", "json")]
    first = {args: vault.run(*args) for args in runs}
    for args, result in first.items():
        again = vault.run(*args)
        assert (again.stdout, again.stderr, again.exit_code) == (
            result.stdout,
            result.stderr,
            result.exit_code,
        )
    record = vault.root / STATE_DIR / (ANSWER_PREFIX + "validate")
    assert record.exists()
    assert vault.run("show", "Nobody").exit_code == 1  # a failed command keeps no record, leaves no temp file
    assert not [p.name for p in (vault.root / STATE_DIR).iterdir() if p.name.endswith(".tmp")]
    assert vault.run("show", "Ann").stdout == first[("show", "Ann")].stdout
    os.unlink(vault.root / STATE_DIR / CACHE_FILE)  # answered from the record: the parse cache is not read
    assert vault.run("due", "--days", "30", "--format", "json").stdout == first[runs[-1]].stdout
    vault.add("contacts/Cid.md", "---\ntype: contact\nid: c-cid\nstatus: bogus\n---\n")  # a new note
    time.sleep(0.06)
    broken = vault.run("validate")
    assert broken.exit_code == 1 and "contacts/Cid.md" in broken.stdout
    assert vault.run("validate").stdout == broken.stdout and vault.run("validate").exit_code == 1
    vault.add("iinotes.toml", "[followups]\nnudge_after_days = 3\n")  # settings: another key
    assert vault.run("due").stdout != first[("due",)].stdout
    later = vault.run("due", "--format", "json", today="2026-12-01").stdout  # another day
    assert '"today": "2026-12-01"' in later and later != vault.run("due", "--format", "json").stdout
