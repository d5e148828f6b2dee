"""A large read hands part of the notes to a worker process: the very same result, or its own.

Each test reads one vault (the sample vault, every broken note of the test data, notes the cache
copied into several folders) with the worker and without it, and compares the
notes, the problems, the order of what changed and the parse cache's bytes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from iinotes import worker
from iinotes.cache import CACHE_FILE
from iinotes.pipeline import Vault
from iinotes.vault import STATE_DIR

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)
PAST = 1_700_000_000


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """A vault of the sample vault's notes and the test data's broken notes, three times over."""
    root = tmp_path / "vault"
    shutil.copytree(ROOT / "sample-vault", root, ignore=shutil.ignore_patterns(".iinotes"))
    broken = sorted((ROOT / "tests" / "data" / "validate").glob("*.md"))
    for copy in range(3):
        for folder in ("contacts", "interviews"):
            target = root / folder / f"copy {copy}"
            target.mkdir(parents=True)
            for note in sorted((root / folder).glob("*.md")):
                shutil.copy(note, target / note.name)
        for note in broken:
            shutil.copy(note, root / "contacts" / f"copy {copy}" / note.name)
    for path in root.rglob("*.md"):
        os.utime(path, (PAST, PAST))
    time.sleep(0.1)  # the files' ctime is now: older than 50 ms, the cache trusts them
    return root


def force_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand notes to a worker however few there are and however busy the machine is."""
    monkeypatch.setattr(worker, "MIN_NOTES", 1)
    monkeypatch.setattr(worker, "_load", lambda: 0.0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def read(root: Path) -> tuple[list[object], list[object], list[str], bytes]:
    """Read the vault from scratch: notes, problems, what changed, the parse cache written."""
    shutil.rmtree(root / STATE_DIR, ignore_errors=True)
    vault = Vault(root, today=TODAY)
    notes, problems = vault.read()
    changed = list(vault.stats.changed)
    vault.index()  # writes the parse cache
    return notes, problems, changed, (root / STATE_DIR / CACHE_FILE).read_bytes()


def test_a_worker_reads_exactly_what_one_process_reads(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IINOTES_WORKERS", "0")
    alone = read(big)
    monkeypatch.delenv("IINOTES_WORKERS")
    force_worker(monkeypatch)
    handed: list[int] = []
    results = worker.Worker.results

    def counted(self: worker.Worker):  # type: ignore[no-untyped-def]
        for item in results(self):
            handed.append(item[1] is not None)
            yield item

    monkeypatch.setattr(worker.Worker, "results", counted)
    shared = read(big)
    assert len(handed) > 50 and all(handed)  # the worker parsed its part
    assert shared[0] == alone[0] and shared[1] == alone[1] and shared[2] == alone[2]
    assert shared[3] == alone[3]  # the parse cache: the same bytes


@pytest.mark.parametrize(
    "program",
    [
        "import sys; sys.exit(3)",  # dies at once
        "import sys; sys.stdin.read(); print('[\"contacts/x.md\", [1, 2, 3, 4], null]')",  # garbage
        'import sys; sys.stdin.read(); print(\'{"header": 1, "count": 0}\')',  # another version
        "import sys, time; sys.stdin.read(); sys.stdout.write('[\"a\"'); sys.stdout.flush()",  # cut short
    ],
)
def test_a_failing_worker_changes_nothing(
    big: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, program: str
) -> None:
    monkeypatch.setenv("IINOTES_WORKERS", "0")
    alone = read(big)
    monkeypatch.delenv("IINOTES_WORKERS")
    force_worker(monkeypatch)
    fake = tmp_path / "fake.py"
    fake.write_text(program)
    real = sys.executable
    monkeypatch.setattr(worker, "_command", lambda: [real, str(fake)])
    assert read(big) == alone


def test_a_worker_that_cannot_start_changes_nothing(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IINOTES_WORKERS", "0")
    alone = read(big)
    monkeypatch.delenv("IINOTES_WORKERS")
    force_worker(monkeypatch)
    monkeypatch.setattr(worker, "_command", lambda: [str(big / "no such program")])
    assert read(big) == alone


def test_the_worker_is_used_only_for_large_reads_with_a_free_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "_load", lambda: 0.0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert not worker.wanted(worker.MIN_NOTES - 1)
    assert worker.wanted(worker.MIN_NOTES)
    monkeypatch.setattr(worker, "_load", lambda: 1.9)  # both cores busy
    assert not worker.wanted(worker.MIN_NOTES)
    monkeypatch.setattr(worker, "_load", lambda: 0.0)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not worker.wanted(worker.MIN_NOTES)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv("IINOTES_WORKERS", "0")
    assert not worker.wanted(10 * worker.MIN_NOTES)


def test_a_vault_folder_whose_name_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = os.path.join(os.fsencode(tmp_path), b"caf\xe9 vault")
    try:
        os.makedirs(os.path.join(root, b"contacts"))
    except (OSError, UnicodeError):
        pytest.skip("this file system takes UTF-8 names only")
    for number in range(30):
        with open(os.path.join(root, b"contacts", b"c%d.md" % number), "wb") as handle:
            handle.write(b"---\ntype: contact\nname: C %d\n---\n" % number)
    force_worker(monkeypatch)
    vault = Vault(os.fsdecode(root), today=TODAY)
    notes, problems = vault.read()
    assert len(notes) == 30 and problems == []
    assert len(vault._rows) == 30  # the worker's part came back (the rest was encoded here)
