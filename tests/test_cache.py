"""The parse cache: a second run re-reads only changed files; a bad cache is rebuilt silently."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
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
    cache_file.write_bytes(pickle.dumps(("another version", {})))
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
