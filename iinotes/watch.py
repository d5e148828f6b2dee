"""Watch mode: keep the .ics feed current while notes change, safe to leave running for weeks.

Split along the data's way:
1. `ChangeSource`: a watchdog observer (or polling) whose handler never does work and never
   raises; it records what changed and yields debounced `Batch`es of changed paths, and keeps
   itself alive (`health()`: observer restarted, vault folder missing or replaced).
2. `Rebuild`: one step from a batch to a feed through `Vault.feed(previous, hint=...)`; it keeps
   the last good feed when notes cannot be read or the vault empties or vanishes.
3. Outputs: each new feed goes to every one of them: the file (`FileOutput`), serve's memory
   (`CallbackOutput`), the CalDAV calendar (`publish.CalendarOutput`).
`Watcher` is the small loop wiring them in one thread, with retries, a new day and periodic
full scans as reasons to rebuild without an event."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserverVFS

from . import cache
from .errors import IinotesError, SettingsError
from .model import Problem
from .pipeline import PreviousFeed, Vault, feed_key
from .settings import SETTINGS_FILE, load_settings
from .vault import SKIPPED_FOLDERS, atomic_write

FEED_FILE = "followups.ics"
DEBOUNCE = 0.1  # seconds of quiet after the last relevant event before rebuilding
MAX_DELAY = 5.0  # a never-ending stream of events still gets a rebuild this often
VAULT_GRACE = 1.0  # seconds the vault folder may be missing (swapped for another) before watching stops
HEALTH_INTERVAL = 1.0  # seconds between checks of the observer, the vault folder and the day
POLL_INTERVAL = 1.0  # seconds between scans when polling
FULL_SCAN_INTERVAL = (
    60.0  # seconds: rebuilds in between look only at the notes events named; then a full scan, events or not
)
CACHE_SAVE_INTERVAL = (
    600.0  # seconds: rebuilds in between stay in memory instead of rewriting .iinotes/ caches
)
RETRY_DELAYS = (2.0, 5.0, 15.0, 60.0)  # after a failed rebuild or write, retry this much later
REMOVAL_CONFIRM = (
    1.0  # a feed that lost events because notes were removed goes out once none went for this long
)
MASS_REMOVAL = 10  # this many notes gone since the last feed, half the vault or more: said, and held longer
MASS_CONFIRM = 2.0
READ_ERRORS = ("unreadable", "unreadable-folder")
INOTIFY_FIX = "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512"
WATCHED_EVENTS = [
    FileAttribEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

Report = Callable[[str], None]


class VaultGone(IinotesError):
    """The vault folder disappeared while watching it."""

    exit_code = 1


class OutputError(IinotesError):
    """The feed file cannot be written where it was asked for."""

    exit_code = 2


def default_output(root: Path) -> Path:
    """Where watch and serve keep the feed unless told otherwise: `<vault>/.iinotes/followups.ics`."""
    return cache.state_dir(root) / FEED_FILE


def skipped(name: str) -> bool:
    """True for folder or file names iinotes never reads: dot-names and node_modules."""
    return name.startswith(".") or name in SKIPPED_FOLDERS


def classify(rel: str, is_directory: bool) -> str | None:
    """What a change at vault-relative path `rel` means: "note", "settings", "folder" or None (ignore).

    Ignored: anything under a dot-folder (.git, .obsidian, .trash, .iinotes, ...) or node_modules,
    and files that are not `.md` (editor backups like `x.md~`, vim's `4913`, `x.md___jb_tmp___`)."""
    if rel in ("", "."):
        return "folder"  # the vault folder itself (deleted or moved away)
    parts = rel.replace(os.sep, "/").split("/")
    if parts[0] == ".." or any(skipped(part) for part in parts):
        return None
    if is_directory:
        return "folder"
    if rel == SETTINGS_FILE:
        return "settings"
    return "note" if parts[-1][-3:].lower() == ".md" else None


def _filtered_scandir(path: str | None) -> Iterator[os.DirEntry[str]]:
    """os.scandir without dot-names and node_modules, so polling never walks .git or node_modules."""
    with os.scandir(path) as entries:
        return iter([entry for entry in entries if not skipped(entry.name)])


# ---------------------------------------------------------------------------- 1. the event source


@dataclass(frozen=True)
class Batch:
    """What changed since the last rebuild: vault-relative note paths (None: unknown, scan
    everything), whether iinotes.toml changed, and a reason to tell (a new day, a retry)."""

    paths: frozenset[str] | None = None
    settings: bool = False
    reason: str = ""


class _Handler(FileSystemEventHandler):
    """Hands watchdog events to `ChangeSource._event` (which only records them); never raises."""

    def __init__(self, source: ChangeSource) -> None:
        super().__init__()
        self.source = source

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self.source._event(event)
        except Exception:  # noqa: BLE001 - an exception here would kill the observer thread
            self.source.handler_errors += 1


class ChangeSource:
    """The vault's changes as debounced batches of paths: a watchdog observer (polling when asked
    or when the system's inotify limits are reached), kept alive by `health()`, which also says
    whether the vault folder is still there. `ignore` is a path whose changes are not changes
    (the feed file itself when it lives in the vault)."""

    def __init__(
        self,
        root: str,
        *,
        poll: bool = False,
        debounce: float = DEBOUNCE,
        max_delay: float = MAX_DELAY,
        poll_interval: float = POLL_INTERVAL,
        report: Report = print,
        ignore: str | None = None,
        observer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.root = root
        self.debounce = debounce
        self.max_delay = max(max_delay, debounce)
        self.poll_interval = poll_interval
        self.report = report
        self.ignore = ignore
        self.observer_factory = observer_factory
        self.observer: Any = None
        self.polling = poll
        self.events = 0
        self.handler_errors = 0
        self.restarts = 0
        self._lock = threading.Lock()
        self.wake = threading.Event()
        self._first_event = 0.0
        self._last_event = 0.0
        self._settings_changed = False
        self._hint: set[str] = set()  # notes named by events since the last batch
        self._hint_complete = False  # True while every change since the last batch is in _hint
        self._root_identity: tuple[int, int] | None = None
        self._missing_since: float | None = None

    # -- events (observer thread)

    def _event(self, event: FileSystemEvent) -> None:
        kinds = set()
        notes = set()
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if not path:
                continue
            path = os.fsdecode(path)
            if self.ignore is not None and os.path.abspath(path) == self.ignore:
                continue
            rel = os.path.relpath(path, self.root)
            kind = classify(rel, event.is_directory)
            if kind is not None:
                kinds.add(kind)
            if kind == "note":
                notes.add(rel.replace(os.sep, "/"))
        if not kinds:
            return
        now = time.monotonic()
        with self._lock:
            self.events += 1
            if not self.wake.is_set():
                self._first_event = now
                self._hint_complete = True
            self._last_event = now
            if "settings" in kinds:
                self._settings_changed = True
            if kinds - {"note"}:  # a folder moved, or settings: only a full scan can tell what changed
                self._hint_complete = False
            self._hint |= notes
            self.wake.set()

    def changed(self) -> None:
        """Something changed, unknown what (as an event would, but the next batch scans everything)."""
        now = time.monotonic()
        with self._lock:
            if not self.wake.is_set():
                self._first_event = now
            self._last_event = now
            self._hint_complete = False
            self.wake.set()

    def settle(self, stopping: threading.Event) -> Batch | None:
        """The batch of changes once `debounce` seconds passed since the last event (or `max_delay`
        since the first); None when stopping."""
        while True:
            now = time.monotonic()
            with self._lock:
                quiet = now - self._last_event
                burst = now - self._first_event
                if quiet >= self.debounce or burst >= self.max_delay:
                    self.wake.clear()
                    # taken together with the wake-up, so events after this point start a new batch
                    batch = Batch(
                        frozenset(self._hint) if self._hint_complete else None, self._settings_changed
                    )
                    self._hint.clear()
                    self._hint_complete = False
                    self._settings_changed = False
                    return batch
            if stopping.wait(min(self.debounce - quiet, self.max_delay - burst)):
                return None

    # -- the observer

    def _new_observer(self, polling: bool) -> Any:
        if polling:
            return PollingObserverVFS(os.stat, _filtered_scandir, polling_interval=self.poll_interval)
        if self.observer_factory is not None:
            return self.observer_factory()
        return Observer()

    def start(self) -> None:
        """Start watching; inotify limits fall back to polling with a message saying how to raise them."""
        handler = _Handler(self)
        self._root_identity = _identity(self.root)
        if not self.polling:
            observer = self._new_observer(False)
            try:
                observer.schedule(handler, self.root, recursive=True, event_filter=WATCHED_EVENTS)
                observer.start()
                self.observer = observer
                return
            except OSError as error:
                _quietly_stop(observer)
                if error.errno not in (errno.ENOSPC, errno.EMFILE, errno.ENFILE):
                    raise
                self.report(
                    f"the system limit on watched folders was reached ({error.strerror or error}); polling "
                    f"the vault every {self.poll_interval:g} s instead. To watch without polling, raise the "
                    f"limit: {INOTIFY_FIX}"
                )
                self.polling = True
        observer = self._new_observer(True)
        observer.schedule(handler, self.root, recursive=True)
        observer.start()
        self.observer = observer

    def stop(self) -> None:
        _quietly_stop(self.observer)

    def observer_alive(self) -> bool:
        """True when the observer thread and every one of its emitters are running."""
        observer = self.observer
        if observer is None or not observer.is_alive():
            return False
        emitters = getattr(observer, "emitters", None)
        return emitters is None or (len(emitters) > 0 and all(e.is_alive() for e in emitters))

    def health(self) -> str:
        """ "ok"; "missing" while the vault folder has been gone for less than VAULT_GRACE seconds
        (maybe swapped for another); "gone" after that. Restarts a dead observer, or one watching
        a folder that was replaced, and then asks for a full scan."""
        if not os.path.isdir(self.root):
            now = time.monotonic()
            if self._missing_since is None:
                self._missing_since = now
            return "missing" if now - self._missing_since < VAULT_GRACE else "gone"
        self._missing_since = None
        replaced = _identity(self.root) != self._root_identity
        if replaced or not self.observer_alive():
            _quietly_stop(self.observer)
            self.restarts += 1
            self.report(
                "the vault folder was replaced; watching the new one"
                if replaced
                else "the file watcher stopped unexpectedly; restarting it"
            )
            self.start()
            self.changed()  # changes made while it was down were missed: rebuild to be sure
        return "ok"


# ---------------------------------------------------------------------------- 2. the rebuild step


@dataclass(frozen=True)
class Built:
    """A feed made by the rebuild step: its bytes, the wall-clock time of the build, the number of
    follow-ups, and what to say about it (what changed, problems, notes fixed)."""

    data: bytes
    built: float
    count: int
    what: str
    problems: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


class Rebuild:
    """One step from a batch of changes to a feed, through `vault.feed(previous, hint=...)`.

    Keeps the last good feed when the new one would lose follow-ups for reasons that are not the
    user's edits: notes that cannot be read, a vault that has no notes any more (emptied,
    unmounted, replaced by an empty folder) or that loses most of its notes at once (being
    deleted): `run` then returns None, having said why. The on-disk caches are used by the first
    build (a fast start) and refreshed at most every CACHE_SAVE_INTERVAL seconds."""

    def __init__(self, vault: Vault, previous: bytes | PreviousFeed | None, report: Report = print) -> None:
        self.vault = vault
        self.previous = previous  # what was written last (at start: the feed found, maybe only its record)
        self.report = report
        self.built_today: dt.date | None = None
        self.retry_at: float | None = None  # when to build again although nothing changed
        self._problems: set[Problem] = set()
        self._accepted_read_errors: set[Problem] = set()
        self._counted: tuple[bytes, int] | None = None  # the last feed whose events were counted
        self._use_cache = vault.use_cache
        self._cache_saved_at: float | None = None
        self.scanned_at: float | None = None
        self._removed: list[str] = []  # notes removed since the last feed made (held while removals go on)
        self._holding_until: float | None = None
        self._said_empty = False

    @property
    def first(self) -> bool:
        return self.built_today is None

    def run(self, batch: Batch) -> Built | None:
        """The new feed for `batch`, or None when the previous one is kept (and why was reported).
        Raises whatever reading raises (the previous feed stays)."""
        started = time.perf_counter()
        first = self.first
        if batch.settings:
            self._reload_settings()
        index, shown, data = self._feed(batch.paths)
        built = time.time()
        stats = self.vault.stats
        problems = set(index.problems)
        changed = set(stats.changed) | set(stats.removed)
        shown_problems = (
            [] if first else sorted(p for p in problems if p.path in changed or p not in self._problems)
        )
        fixed = sorted(
            {p.path for p in self._problems if p.severity == "error"}
            - {p.path for p in problems if p.severity == "error"}
        )
        self._problems = problems
        self.built_today = index.today
        what = _what_changed(stats, first, batch.reason)
        lines = tuple(problem.format() for problem in shown_problems)
        if self._keep_previous(data, problems, stats, what, lines, started):
            return None
        self._accepted_read_errors = {p for p in problems if p.code in READ_ERRORS}
        self.previous = data
        if self._removed and not stats.removed:  # a held feed goes out: say what it was held for
            held = SimpleNamespace(changed=[], removed=sorted(self._removed), files=stats.files)
            what = _what_changed(held, False, batch.reason)
        self._removed = []
        self._holding_until = None
        self._said_empty = False
        self.retry_at = None
        after = []
        if first:
            errors = sum(p.severity == "error" for p in problems)
            warnings = len(problems) - errors
            if errors or warnings:
                after.append(
                    f"{_plural(errors, 'error')} and {_plural(warnings, 'warning')} in the vault (values "
                    "with errors are left out); run `iinotes validate` to see them"
                )
        after += [f"{path}: ok now" for path in fixed if path not in {p.path for p in problems}]
        return Built(data, built, len(shown), what, lines, tuple(after))

    def _keep_previous(
        self,
        data: bytes,
        problems: set[Problem],
        stats: Any,
        what: str,
        lines: tuple[str, ...],
        started: float,
    ) -> bool:
        """True (and said why) when `data` must not replace the previous feed."""
        if self.previous is None or data == self.previous:
            return False
        if isinstance(self.previous, PreviousFeed) and feed_key(data) == self.previous.key:
            return False
        old_events = self._events(self.previous)
        if not old_events or self._events(data) >= old_events:
            return False
        self._counted = None  # `data` is not kept
        seconds = f"({time.perf_counter() - started:.2f} s)"
        new_read_errors = {p for p in problems if p.code in READ_ERRORS} - self._accepted_read_errors
        if new_read_errors:
            self.retry_at = time.monotonic() + RETRY_DELAYS[0]
            names = ", ".join(sorted({p.path for p in new_read_errors}))
            for line in lines:
                self.report(line)
            self.report(
                f"{what}: kept the previous feed ({old_events} follow-ups) because some notes could not be "
                f"read ({names}); it is updated once they can {seconds}"
            )
            return True
        if stats.files == 0:
            if not self._said_empty:
                self.report(
                    f"the vault has no notes any more (emptied, unmounted or replaced by an empty folder?): "
                    f"kept the previous feed ({old_events} follow-ups); waiting for the notes to come back"
                )
                self._said_empty = True
            self.retry_at = time.monotonic() + RETRY_DELAYS[0]
            return True
        # Notes removed and events lost: wait until removals stop, so that a vault being deleted (or a
        # drive going away) is seen as such before subscribers lose anything; a user's own deletion
        # goes out REMOVAL_CONFIRM seconds late.
        now = time.monotonic()
        if stats.removed:
            was_mass = self._mass(stats.files)
            self._removed += stats.removed
            mass = self._mass(stats.files)
            self._holding_until = now + (MASS_CONFIRM if mass else REMOVAL_CONFIRM)
            if mass and not was_mass:
                self.report(
                    f"{len(self._removed)} notes disappeared at once: kept the previous feed ({old_events} "
                    "follow-ups) until that stops, in case the vault is being deleted or unmounted"
                )
        if self._holding_until is not None and now < self._holding_until:
            self.retry_at = self._holding_until
            return True
        return False

    def _events(self, feed: bytes | PreviousFeed) -> int:
        """How many events a feed holds; the last feed counted is remembered (it becomes the
        previous one), so a rebuild counts only its new feed."""
        if isinstance(feed, PreviousFeed):
            return feed.events
        if self._counted is None or self._counted[0] is not feed:
            self._counted = (feed, feed.count(b"BEGIN:VEVENT"))
        return self._counted[1]

    def _mass(self, files: int) -> bool:
        """Whether the notes removed since the last feed are many: MASS_REMOVAL, and half the vault."""
        removed = len(self._removed)
        return removed >= MASS_REMOVAL and removed * 2 >= files + removed

    def _feed(self, hint: frozenset[str] | None) -> tuple[Any, Any, bytes]:
        """`vault.feed()`, with the on-disk caches used by the first build and then refreshed at
        most every CACHE_SAVE_INTERVAL: a vault of 20,000 notes has tens of MB of cache, which
        need not be rewritten on every save of a note (the notes stay parsed in memory anyway)."""
        now = time.monotonic()
        persist = self._use_cache and (
            self._cache_saved_at is None or now - self._cache_saved_at >= CACHE_SAVE_INTERVAL
        )
        if self.scanned_at is None or now - self.scanned_at >= FULL_SCAN_INTERVAL:
            hint = None  # now and then a full scan, in case an event was ever lost
        self.vault.use_cache = persist
        try:
            result = self.vault.feed(self.previous, hint=hint)
        finally:
            self.vault.use_cache = self._use_cache
        if hint is None:
            self.scanned_at = now
        if persist:
            self._cache_saved_at = now
        return result

    def _reload_settings(self) -> None:
        try:
            self.vault.settings = load_settings(self.vault.root)
            self.report(f"{SETTINGS_FILE} changed: settings reloaded")
        except SettingsError as error:
            self.report(
                f"{SETTINGS_FILE} changed but cannot be used ({error.message}); keeping the previous settings"
            )


# ---------------------------------------------------------------------------- 3. the outputs


class Output(Protocol):
    """Receives each feed the rebuild step makes (and the previous one at start when it is kept)."""

    def receive(self, data: bytes, built: float) -> bool:
        """Take the feed; True when something changed (a file written, a server's memory swapped)."""
        ...


class FileOutput:
    """The feed file: written atomically when its bytes change or the file went missing."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.writes = 0
        if not self.path.parent.is_dir():
            raise OutputError(
                f"cannot write the feed to {str(path)!r}: folder {str(self.path.parent)!r} does not exist",
                "create the folder or choose another -o FILE",
            )
        try:
            self.last: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            self.last = None
        except OSError as error:
            raise OutputError(
                f"cannot read the feed file {str(path)!r}: {error.strerror}",
                "check its permissions or choose another -o FILE",
            ) from None
        self._last_key: bytes | None = None  # with `forget_bytes`: the digest of what the file holds

    def forget_bytes(self) -> None:
        """Keep only a digest of what the file holds, not its bytes (10 MB at 20,000 notes): for a
        watch whose only output is the file (the feed in memory then serves nobody)."""
        self._last_key = feed_key(self.last) if self.last is not None else None
        self.last = None

    def receive(self, data: bytes, built: float) -> bool:
        if data == self.last and self.path.exists():
            return False
        if self._last_key is not None and feed_key(data) == self._last_key and self.path.exists():
            return False
        try:
            atomic_write(self.path, data)
        except OSError as error:
            raise OutputError(
                f"cannot write the feed to {str(self.path)!r}: {error.strerror}",
                "check the folder's permissions and free space",
            ) from None
        if self._last_key is not None:
            self._last_key = feed_key(data)
        else:
            self.last = data
        self.writes += 1
        return True


class CallbackOutput:
    """Calls `on_feed(data, built)` with each new feed (serve swaps it into the server's memory)."""

    def __init__(self, on_feed: Callable[[bytes, float], None]) -> None:
        self.on_feed = on_feed
        self.last: bytes | None = None

    def receive(self, data: bytes, built: float) -> bool:
        if data is self.last or data == self.last:
            return False
        self.on_feed(data, built)
        self.last = data
        return True


# ---------------------------------------------------------------------------- the watcher


class Watcher:
    """Keeps the feed of `vault` current in its outputs while notes change: a `ChangeSource`
    yields batches, a `Rebuild` turns each into a feed, and every output receives it.

    `output`: the feed file (None: none); `on_feed(data, built)`: called with each new feed
    (serve's memory); `outputs`: more (the CalDAV calendar). `report` receives one line per thing
    worth telling. Counters for tests and curious callers: `rebuilds`, `writes`, `failures`,
    `restarts`, `events`. The Watcher owns `vault` while it runs."""

    def __init__(
        self,
        vault: Vault,
        output: Path | None,
        *,
        poll: bool = False,
        debounce: float = DEBOUNCE,
        report: Report = print,
        on_feed: Callable[[bytes, float], None] | None = None,
        outputs: list[Output] | None = None,
        health_interval: float = HEALTH_INTERVAL,
        poll_interval: float = POLL_INTERVAL,
        max_delay: float = MAX_DELAY,
        observer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.vault = vault
        self.report = report
        self.health_interval = health_interval
        _map_large_blocks()
        self.file = FileOutput(output) if output is not None else None
        self.output = self.file.path if self.file is not None else None
        self.outputs: list[Output] = [
            *([self.file] if self.file is not None else []),
            *([CallbackOutput(on_feed)] if on_feed is not None else []),
            *(outputs or []),
        ]
        self.source = ChangeSource(
            str(vault.root.resolve()),
            poll=poll,
            debounce=debounce,
            max_delay=max_delay,
            poll_interval=poll_interval,
            report=report,
            ignore=str(self.output) if self.output is not None else None,
            observer_factory=observer_factory,
        )
        found = self.file.last if self.file is not None else None
        if found is not None and self.file is not None:
            # only what the old feed says is needed; its bytes stay in the file (read back if the
            # first build is held back and a server or calendar is to get the old feed meanwhile)
            self.file.forget_bytes()
            self.step = Rebuild(vault, PreviousFeed.of(found), report)
        else:
            self.step = Rebuild(vault, found, report)
        del found
        self.error: IinotesError | None = None
        self.rebuilds = 0
        self.failures = 0
        self.health_checks: list[Callable[[], None]] = []  # more things to keep alive (serve's HTTP thread)
        self._retry_step = 0
        self._published = False
        self._build_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what tests and serve look at

    @property
    def writes(self) -> int:
        return self.file.writes if self.file is not None else 0

    @property
    def events(self) -> int:
        return self.source.events

    @property
    def restarts(self) -> int:
        return self.source.restarts

    @property
    def handler_errors(self) -> int:
        return self.source.handler_errors

    @property
    def observer(self) -> Any:
        return self.source.observer

    @property
    def polling(self) -> bool:
        return self.source.polling

    def observer_alive(self) -> bool:
        return self.source.observer_alive()

    def changed(self) -> None:
        """Tell the watcher something changed (as an event would): a full rebuild follows."""
        self.source.changed()

    # -- lifecycle

    def start(self) -> None:
        """Start the observer and the rebuild thread; the first build happens at once, in that thread."""
        if self._thread is not None:
            return
        if not os.path.isdir(self.source.root):
            raise VaultGone(
                f"vault folder {self.source.root!r} does not exist", "check the path given to --vault"
            )
        self.source.start()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="iinotes-rebuild", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the rebuild thread and the observer (waits for a rebuild in progress to finish)."""
        self._stopping.set()
        self.source.wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=60)
        self.source.stop()

    @property
    def running(self) -> bool:
        """True while the rebuild thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def run_forever(self) -> None:
        """Start and block until stopped (Ctrl-C returns normally) or until the vault folder is gone
        (raises VaultGone)."""
        self.start()
        thread = self._thread
        assert thread is not None
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            self.report("stopped")
        finally:
            self.stop()
        if self.error is not None:
            raise self.error

    # -- the rebuild thread

    def _loop(self) -> None:
        self._guarded_rebuild(Batch())
        while not self._stopping.is_set():
            self.source.wake.wait(self.health_interval)
            if self._stopping.is_set():
                break
            try:
                health = self.source.health() if not self._stopping.is_set() else "ok"
                if health == "missing":
                    self._stopping.wait(min(0.1, self.health_interval))
                    continue
                if health == "gone":
                    self.error = VaultGone(
                        f"the vault folder {self.source.root!r} is gone (deleted, moved or unmounted); "
                        "stopped watching",
                        "nothing was deleted by iinotes (the feed was kept); start watch again once the "
                        "folder is back",
                    )
                    self._stopping.set()  # run_forever raises it: the CLI prints it once, as every error
                    break
                for check in self.health_checks:
                    check()
                batch = self._next_batch()
                if batch is not None:
                    self._guarded_rebuild(batch)
            except Exception as error:  # noqa: BLE001 - the loop must survive anything
                self.failures += 1
                self.report(f"unexpected error while watching: {error!r}; still watching")
                self._stopping.wait(self.health_interval)

    def _next_batch(self) -> Batch | None:
        """The changes to rebuild for now, if any: events, a retry, a new day, a periodic full scan."""
        step = self.step
        if self.source.wake.is_set():
            return self.source.settle(self._stopping)
        now = time.monotonic()
        if step.retry_at is not None and now >= step.retry_at:
            return Batch()
        if (
            step.built_today is not None
            and self.vault.pinned_today is None
            and self.vault.today != step.built_today
        ):
            return Batch(reason=f"a new day ({self.vault.today.isoformat()})")
        if step.scanned_at is not None and now - step.scanned_at >= FULL_SCAN_INTERVAL:
            return Batch()  # a full scan now and then: changes no event told of (links, lost events)
        return None

    def _guarded_rebuild(self, batch: Batch) -> None:
        try:
            self._rebuild(batch)
        except Exception as error:  # noqa: BLE001 - report, keep the old feed, keep watching
            self.failures += 1
            delay = RETRY_DELAYS[min(self._retry_step, len(RETRY_DELAYS) - 1)]
            self._retry_step += 1
            self.step.retry_at = time.monotonic() + delay
            self.report(
                f"rebuild failed: {_describe_error(error)}; the feed was left as it was; retrying in "
                f"{delay:g} s"
            )

    def rebuild(self, reason: str = "") -> bool:
        """Scan the vault, build the feed and hand it to the outputs; True when the feed file (or,
        without one, the feed) changed. Raises whatever reading raises (the old feed stays)."""
        return self._rebuild(Batch(reason=reason))

    def _rebuild(self, batch: Batch) -> bool:
        with self._build_lock:
            try:
                return self._rebuild_locked(batch)
            finally:
                self.rebuilds += 1  # counted once done (or failed), so waiting for it means "done"

    def _rebuild_locked(self, batch: Batch) -> bool:
        started = time.perf_counter()
        first = self.step.first
        previous = self.step.previous
        result = self.step.run(batch)
        if result is None:
            kept = self._kept_bytes(previous)
            if not self._published and kept is not None:
                self._deliver(kept, time.time())  # serve what was kept rather than nothing
            return False
        changed = self._deliver(result.data, result.built)
        data_changed = changed if self.file is not None else result.data != previous or first
        self._retry_step = 0
        for line in result.problems:  # reported once the feed is out
            self.report(line)
        outcome = "feed updated" if data_changed else "feed unchanged"
        if first and self.output is not None:
            outcome = ("feed written to " if changed else "feed unchanged in ") + str(self.output)
        self.report(
            f"{result.what}: {result.count} follow-up{'s' * (result.count != 1)}, {outcome} "
            f"({time.perf_counter() - started:.2f} s)"
        )
        for line in result.after:
            self.report(line)
        return data_changed

    def _kept_bytes(self, previous: bytes | PreviousFeed | None) -> bytes | None:
        """The bytes of the feed kept: `previous` itself, or (for what a PreviousFeed describes) the
        feed file read back, if it still holds that very feed."""
        if not isinstance(previous, PreviousFeed):
            return previous
        if self.file is None:
            return None
        try:
            data = self.file.path.read_bytes()
        except OSError:
            return None
        return data if feed_key(data) == previous.key else None

    def _deliver(self, data: bytes, built: float) -> bool:
        """Hand the feed to every output; True when the file (or, without one, any output) changed."""
        self._published = True
        changed = False
        file_changed = False
        for output in self.outputs:
            did = output.receive(data, built)
            changed = changed or did
            if output is self.file:
                file_changed = did
        return file_changed if self.file is not None else changed

    # -- helpers for tests and serve

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
        """Poll `condition` until it is true or `timeout` seconds passed; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)


def _map_large_blocks() -> None:
    """Have glibc give large blocks back to the system as soon as they are freed. A watch makes a
    new feed (10 MB at 20,000 notes) per save and frees the last one, but glibc raises its mmap
    threshold to the largest block freed, so from the second feed on those blocks come from its
    heap and the freed ones stay with the process: 20 saves grew a watch by 18 MB. With the
    threshold fixed at 256 KiB they are mapped and unmapped instead (measured: 155 -> 145 MB peak
    at 20,000 notes; the cost, one mmap per large block, is not measurable). Other C libraries
    and systems are left as they are."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD; fixing it ends the raising
    except (OSError, AttributeError, TypeError):
        pass


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of `path`, or None: tells a folder from another created in its place."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _quietly_stop(observer: Any) -> None:
    if observer is None:
        return
    try:
        observer.stop()
        if observer.is_alive() and observer is not threading.current_thread():
            observer.join(timeout=5)
    except Exception:  # noqa: BLE001 - a broken observer is being thrown away anyway
        pass


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def _names(paths: list[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f", ... {len(paths) - limit} more" if len(paths) > limit else "")


def _what_changed(stats: Any, first: bool, reason: str = "") -> str:
    """`3 notes changed (a.md, b.md, c.md), 1 removed (d.md)`, or `read 2,013 notes` for the first build."""
    if first:
        return f"read {_plural(stats.files, 'note')}"
    parts = []
    if stats.changed:
        parts.append(f"{_plural(len(stats.changed), 'note')} changed ({_names(stats.changed)})")
    if stats.removed:
        parts.append(f"{_plural(len(stats.removed), 'note')} removed ({_names(stats.removed)})")
    if reason:
        parts.insert(0, reason)
    return ", ".join(parts) if parts else "no note changed"


def _describe_error(error: BaseException) -> str:
    if isinstance(error, IinotesError):
        return error.message
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return repr(error)
