"""The disposable cache under `.iinotes/`: parsed notes keyed by path and stat signature, plus
the last index built from them (reused while no file, setting or day has changed).

Missing, corrupt, or written by another version: treated as empty and rebuilt. Written
atomically, so two processes at once can only ever leave one whole cache file behind."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from .notes import ParsedNote
from .vault import Signature, atomic_write

STATE_DIR = ".iinotes"
CACHE_FILE = "parse-cache.pickle"
CACHE_FORMAT = 6  # 6: added, resume, prepared
# A file changed in the same clock tick as our read could change again unseen, so files changed
# this recently are not cached: 50 ms covers Linux's coarse file clock; file systems with whole-
# second timestamps (FAT, HFS+, some network mounts) get 2 s.
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000
_TAG = (CACHE_FORMAT, __version__, sys.version_info[:2])

Entries = dict[str, tuple[Signature, ParsedNote]]
Snapshot = tuple[Any, Any]  # (key: settings, today and scan problems; the Index built for it)


def state_dir(vault: Path) -> Path:
    """`.iinotes/` of the vault, created with a `.gitignore` that ignores everything in it."""
    folder = vault / STATE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, b"# generated state of iinotes: never commit it\n*\n")
    return folder


def load(vault: Path) -> tuple[Entries, Snapshot | None]:
    """The cached entries and index snapshot, or ({}, None) when there is no usable cache."""
    try:
        with open(vault / STATE_DIR / CACHE_FILE, "rb") as handle:
            tag, entries, snapshot = pickle.load(handle)
    except Exception:  # noqa: BLE001 - any failure means "no cache"; it is rebuilt
        return {}, None
    if tag != _TAG or not isinstance(entries, dict):
        return {}, None
    return entries, snapshot


def save(
    vault: Path, entries: Entries, started_ns: int | None = None, snapshot: Snapshot | None = None
) -> None:
    """Write the cache, leaving out files modified too recently to trust their signature (and
    then the snapshot too: the next run re-reads those files, so it could not be used)."""
    started = started_ns if started_ns is not None else time.time_ns()
    kept = {path: entry for path, entry in entries.items() if not racy(entry[0], started)}
    if len(kept) != len(entries):
        snapshot = None
    try:
        folder = state_dir(vault)
        atomic_write(
            folder / CACHE_FILE, pickle.dumps((_TAG, kept, snapshot), protocol=pickle.HIGHEST_PROTOCOL)
        )
    except OSError:
        pass  # a read-only vault simply runs without a cache


FEED_FILE = "feed-cache.pickle"


def feed_key(entries: Entries, *parts: object) -> str:
    """A digest of every note's path and signature plus `parts` (settings, today, previous feed):
    the feed is a pure function of these, so equal keys mean equal bytes."""
    digest = hashlib.blake2b(repr((_TAG, parts)).encode(), digest_size=20)
    for path, (signature, _) in sorted(entries.items()):
        digest.update(f"{path}\0{signature}\n".encode())
    return digest.hexdigest()


def load_feed(vault: Path, key: str) -> Any:
    """The feed stored under `key`, or None."""
    try:
        with open(vault / STATE_DIR / FEED_FILE, "rb") as handle:
            tag, stored_key, value = pickle.load(handle)
    except Exception:  # noqa: BLE001 - no usable feed cache
        return None
    return value if tag == _TAG and stored_key == key else None


def save_feed(vault: Path, key: str, value: Any) -> None:
    """Keep the last feed made (one entry: the next run with the same key reuses it)."""
    try:
        atomic_write(
            state_dir(vault) / FEED_FILE, pickle.dumps((_TAG, key, value), protocol=pickle.HIGHEST_PROTOCOL)
        )
    except OSError:
        pass


def racy(signature: Signature, started_ns: int) -> bool:
    """True when the file changed too close to `started_ns` for its signature to prove it unchanged."""
    mtime, ctime = signature[0], signature[1]
    coarse = mtime % 1_000_000_000 == 0 and ctime % 1_000_000_000 == 0
    return max(mtime, ctime) >= started_ns - (RACY_COARSE_NS if coarse else RACY_NS)


def clear(vault: Path) -> None:
    """Remove the cache file (the next run re-reads every note)."""
    try:
        os.unlink(vault / STATE_DIR / CACHE_FILE)
    except FileNotFoundError:
        pass
