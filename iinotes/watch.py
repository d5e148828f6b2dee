"""Watch mode: keep the .ics feed current while notes change, safe to leave running for weeks.

A `Watcher` owns one `Vault` (so every rebuild re-reads only the changed notes) and a watchdog
observer. The observer's handler never does work and never raises: it only records that something
relevant changed and wakes the rebuild thread, which waits until the burst is over (`debounce`
seconds without a relevant event), rebuilds once and writes the feed atomically when its bytes
changed. The same thread checks, about once a second, that the observer is still alive (and
restarts it if not), that the vault folder still exists and whether the day has changed."""

from __future__ import annotations

import datetime as dt
import errno
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
from .pipeline import Vault
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


class _Handler(FileSystemEventHandler):
    """Hands watchdog events to `Watcher._event` (which only records them); never raises."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__()
        self.watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self.watcher._event(event)
        except Exception:  # noqa: BLE001 - an exception here would kill the observer thread
            self.watcher.handler_errors += 1


class Watcher:
    """Keeps the feed of `vault` current in `output` (None: memory only) while notes change.

    `report` receives one line per thing worth telling (a rebuild, a problem, a restart).
    `on_feed(data, built)` is called with the feed bytes and the wall-clock time of the build
    whenever they change (and after the first build): `serve` publishes them from there.
    Counters for tests and curious callers: `rebuilds`, `writes`, `failures`, `restarts`, `events`.
    The Watcher owns `vault` while it runs: rebuilds after the first one turn `vault.use_cache` off
    (and back on) so the on-disk caches are rewritten at most every CACHE_SAVE_INTERVAL seconds."""

    def __init__(
        self,
        vault: Vault,
        output: Path | None,
        *,
        poll: bool = False,
        debounce: float = DEBOUNCE,
        report: Report = print,
        on_feed: Callable[[bytes, float], None] | None = None,
        health_interval: float = HEALTH_INTERVAL,
        poll_interval: float = POLL_INTERVAL,
        max_delay: float = MAX_DELAY,
        observer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.vault = vault
        self.root = str(vault.root.resolve())
        self.output = output.resolve() if output is not None else None
        self.poll = poll
        self.debounce = debounce
        self.report = report
        self.on_feed = on_feed
        self.health_interval = health_interval
        self.poll_interval = poll_interval
        self.max_delay = max(max_delay, debounce)
        self.observer_factory = observer_factory
        self.observer: Any = None
        self.polling = poll
        self.error: IinotesError | None = None
        # counters
        self.rebuilds = 0
        self.writes = 0
        self.failures = 0
        self.restarts = 0
        self.events = 0
        self.handler_errors = 0
        self.health_checks: list[Callable[[], None]] = []  # more things to keep alive (serve's HTTP thread)
        # state shared with the handler (guarded by _lock)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._first_event = 0.0
        self._last_event = 0.0
        self._settings_changed = False
        self._hint: set[str] = set()  # notes named by events since the last rebuild
        self._hint_complete = False  # True while every change since the last rebuild is in _hint
        # state of the rebuild thread (guarded by _build_lock)
        self._build_lock = threading.Lock()
        self._previous: bytes | None = None
        self._built_today: dt.date | None = None
        self._problems: set[Problem] = set()
        self._accepted_read_errors: set[Problem] = set()
        self._retry_at: float | None = None
        self._retry_step = 0
        self._published = False
        self._use_cache = vault.use_cache
        self._cache_saved_at: float | None = None
        self._scanned_at: float | None = None
        self._pending_hint: set[str] | None = None  # the notes the rebuild about to run must look at
        self._root_identity: tuple[int, int] | None = None
        self._missing_since: float | None = None
        self._thread: threading.Thread | None = None
        if self.output is not None:
            if not self.output.parent.is_dir():
                raise OutputError(
                    f"cannot write the feed to {str(output)!r}: folder {str(self.output.parent)!r} does not "
                    "exist",
                    "create the folder or choose another -o FILE",
                )
            try:
                self._previous = self.output.read_bytes()
            except FileNotFoundError:
                self._previous = None
            except OSError as error:
                raise OutputError(
                    f"cannot read the feed file {str(output)!r}: {error.strerror}",
                    "check its permissions or choose another -o FILE",
                ) from None

    # ------------------------------------------------------------------ events (observer thread)

    def _event(self, event: FileSystemEvent) -> None:
        kinds = set()
        notes = set()
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if not path:
                continue
            path = os.fsdecode(path)
            if self.output is not None and os.path.abspath(path) == str(self.output):
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
            if not self._wake.is_set():
                self._first_event = now
                self._hint_complete = True
            self._last_event = now
            if "settings" in kinds:
                self._settings_changed = True
            if kinds - {"note"}:  # a folder moved, or settings: only a full scan can tell what changed
                self._hint_complete = False
            self._hint |= notes
            self._wake.set()

    def changed(self) -> None:
        """Tell the watcher something changed (as an event would): a rebuild follows after the debounce."""
        now = time.monotonic()
        with self._lock:
            if not self._wake.is_set():
                self._first_event = now
            self._last_event = now
            self._hint_complete = False  # unknown what: scan everything
            self._wake.set()

    # ------------------------------------------------------------------ the observer

    def _new_observer(self, polling: bool) -> Any:
        if polling:
            return PollingObserverVFS(os.stat, _filtered_scandir, polling_interval=self.poll_interval)
        if self.observer_factory is not None:
            return self.observer_factory()
        return Observer()

    def _start_observer(self) -> None:
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
                    "the vault every "
                    f"{self.poll_interval:g} s instead. To watch without polling, raise the limit: "
                    f"{INOTIFY_FIX}"
                )
                self.polling = True
        observer = self._new_observer(True)
        observer.schedule(handler, self.root, recursive=True)
        observer.start()
        self.observer = observer

    def observer_alive(self) -> bool:
        """True when the observer thread and every one of its emitters are running."""
        observer = self.observer
        if observer is None or not observer.is_alive():
            return False
        emitters = getattr(observer, "emitters", None)
        return emitters is None or (len(emitters) > 0 and all(e.is_alive() for e in emitters))

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the observer and the rebuild thread; the first build happens at once, in that thread."""
        if self._thread is not None:
            return
        if not os.path.isdir(self.root):
            raise VaultGone(f"vault folder {self.root!r} does not exist", "check the path given to --vault")
        self._start_observer()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="iinotes-rebuild", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the rebuild thread and the observer (waits for a rebuild in progress to finish)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=60)
        _quietly_stop(self.observer)

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

    # ------------------------------------------------------------------ the rebuild thread

    def _loop(self) -> None:
        self._guarded_rebuild()
        while not self._stopping.is_set():
            self._wake.wait(self.health_interval)
            if self._stopping.is_set():
                break
            try:
                healthy = self._healthy()
                if healthy is None:
                    self._stopping.wait(min(0.1, self.health_interval))
                    continue
                if not healthy:
                    break
                if self._wake.is_set():
                    if not self._settle():
                        break
                    self._guarded_rebuild()
                elif self._retry_at is not None and time.monotonic() >= self._retry_at:
                    self._guarded_rebuild()
                elif (
                    self._built_today is not None
                    and self.vault.pinned_today is None
                    and self.vault.today != self._built_today
                ):
                    self._guarded_rebuild(f"a new day ({self.vault.today.isoformat()})")
                elif (
                    self._scanned_at is not None and time.monotonic() - self._scanned_at >= FULL_SCAN_INTERVAL
                ):
                    # a full scan now and then: changes no event told of (links, lost events)
                    self._guarded_rebuild()
            except Exception as error:  # noqa: BLE001 - the loop must survive anything
                self.failures += 1
                self.report(f"unexpected error while watching: {error!r}; still watching")
                self._stopping.wait(self.health_interval)

    def _settle(self) -> bool:
        """Wait until `debounce` seconds passed since the last event (or `max_delay` since the first);
        False when stopping."""
        while True:
            now = time.monotonic()
            with self._lock:
                quiet = now - self._last_event
                burst = now - self._first_event
                if quiet >= self.debounce or burst >= self.max_delay:
                    self._wake.clear()
                    # taken together with the wake-up, so events after this point start a new hint
                    self._pending_hint = set(self._hint) if self._hint_complete else None
                    self._hint.clear()
                    self._hint_complete = False
                    return True
            if self._stopping.wait(min(self.debounce - quiet, self.max_delay - burst)):
                return False

    def _healthy(self) -> bool | None:
        """Vault still there (else, after VAULT_GRACE seconds, record VaultGone and return False; None
        while it is missing for less); observer restarted if it died or the folder was replaced."""
        if not os.path.isdir(self.root):
            now = time.monotonic()
            if self._missing_since is None:
                self._missing_since = now
            if now - self._missing_since < VAULT_GRACE:
                return None  # maybe a folder being swapped for another: look again soon
            self.error = VaultGone(
                f"the vault folder {self.root!r} is gone (deleted, moved or unmounted); stopped watching",
                "nothing was deleted by iinotes; start watch again once the folder is back",
            )
            self._stopping.set()  # run_forever raises it: the CLI prints it once, as every error
            return False
        self._missing_since = None
        replaced = _identity(self.root) != self._root_identity
        if (replaced or not self.observer_alive()) and not self._stopping.is_set():
            _quietly_stop(self.observer)
            self.restarts += 1
            self.report(
                "the vault folder was replaced; watching the new one"
                if replaced
                else "the file watcher stopped unexpectedly; restarting it"
            )
            self._start_observer()
            self.changed()  # changes made while it was down were missed: rebuild to be sure
        for check in self.health_checks:
            check()
        return True

    def _guarded_rebuild(self, reason: str = "") -> None:
        try:
            self.rebuild(reason)
        except Exception as error:  # noqa: BLE001 - report, keep the old feed, keep watching
            self.failures += 1
            delay = RETRY_DELAYS[min(self._retry_step, len(RETRY_DELAYS) - 1)]
            self._retry_step += 1
            self._retry_at = time.monotonic() + delay
            self.report(
                f"rebuild failed: {_describe_error(error)}; the feed was left as it was; retrying in "
                f"{delay:g} s"
            )

    def rebuild(self, reason: str = "") -> bool:
        """Read the changed notes, build the feed, write it if its bytes changed; True when written.

        Raises whatever reading raises (the old feed stays in place); the watch loop reports it."""
        with self._build_lock:
            try:
                return self._rebuild(reason)
            finally:
                self.rebuilds += 1  # counted once done (or failed), so waiting for it means "done"

    def _rebuild(self, reason: str) -> bool:
        """The body of `rebuild`, run under the build lock."""
        started = time.perf_counter()
        first = self._built_today is None
        with self._lock:
            settings_changed, self._settings_changed = self._settings_changed, False
        if settings_changed:
            self._reload_settings()
        index, shown, data = self._feed()
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
        self._built_today = index.today

        read_errors = {p for p in problems if p.code in READ_ERRORS}
        new_read_errors = read_errors - self._accepted_read_errors
        old_events = (
            self._previous.count(b"BEGIN:VEVENT") if new_read_errors and self._previous is not None else 0
        )
        if new_read_errors and self._previous is not None and data.count(b"BEGIN:VEVENT") < old_events:
            self._retry_at = time.monotonic() + RETRY_DELAYS[0]
            names = ", ".join(sorted({p.path for p in new_read_errors}))
            for problem in shown_problems:
                self.report(problem.format())
            self.report(
                f"{_what_changed(stats, first, reason)}: kept the previous feed ({old_events} follow-ups) "
                "because some notes "
                f"could not be read ({names}); it is updated once they can "
                f"({time.perf_counter() - started:.2f} s)"
            )
            if not self._published:
                self._publish(self._previous, built)
            return False

        written = False
        if data != self._previous or (self.output is not None and not self.output.exists()):
            if self.output is not None:
                try:
                    atomic_write(self.output, data)
                except OSError as error:
                    raise OutputError(
                        f"cannot write the feed to {str(self.output)!r}: {error.strerror}",
                        "check the folder's permissions and free space",
                    ) from None
                self.writes += 1
            written = True
        self._accepted_read_errors = read_errors
        self._previous = data
        self._retry_at = None
        self._retry_step = 0
        if written or not self._published:
            self._publish(data, built)
        for problem in shown_problems:  # reported once the feed is written
            self.report(problem.format())
        seconds = time.perf_counter() - started
        outcome = "feed updated" if written else "feed unchanged"
        if first and self.output is not None:
            outcome = ("feed written to " if written else "feed unchanged in ") + str(self.output)
        self.report(
            f"{_what_changed(stats, first, reason)}: {len(shown)} follow-up{'s' * (len(shown) != 1)}, "
            f"{outcome} ({seconds:.2f} s)"
        )
        if first:
            errors = sum(p.severity == "error" for p in problems)
            warnings = len(problems) - errors
            if errors or warnings:
                self.report(
                    f"{_plural(errors, 'error')} and {_plural(warnings, 'warning')} in the vault (values "
                    "with errors are left out); run `iinotes validate` to see them"
                )
        for path in fixed:
            if path not in {p.path for p in problems}:
                self.report(f"{path}: ok now")
        return written

    def _feed(self) -> tuple[Any, Any, bytes]:
        """`vault.feed()`, with the on-disk caches used by the first build (a fast start) and refreshed
        at most every CACHE_SAVE_INTERVAL: a vault of 20,000 notes has tens of MB of cache, which
        need not be rewritten on every save of a note (the notes stay parsed in memory anyway)."""
        now = time.monotonic()
        persist = self._use_cache and (
            self._cache_saved_at is None or now - self._cache_saved_at >= CACHE_SAVE_INTERVAL
        )
        hint, self._pending_hint = self._pending_hint, None  # a retry or a new day scans everything
        if self._scanned_at is None or now - self._scanned_at >= FULL_SCAN_INTERVAL:
            hint = None  # now and then a full scan, in case an event was ever lost
        self.vault.use_cache = persist
        try:
            result = self.vault.feed(self._previous, hint=hint)
        finally:
            self.vault.use_cache = self._use_cache
        if hint is None:
            self._scanned_at = now
        if persist:
            self._cache_saved_at = now
        return result

    def _publish(self, data: bytes, built: float) -> None:
        self._published = True
        if self.on_feed is not None:
            self.on_feed(data, built)

    def _reload_settings(self) -> None:
        try:
            self.vault.settings = load_settings(self.vault.root)
            self.report(f"{SETTINGS_FILE} changed: settings reloaded")
        except SettingsError as error:
            self.report(
                f"{SETTINGS_FILE} changed but cannot be used ({error.message}); keeping the previous settings"
            )

    # ------------------------------------------------------------------ helpers for tests and serve

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
        """Poll `condition` until it is true or `timeout` seconds passed; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)


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


def timestamp() -> str:
    """The local wall-clock time prefix of watch's lines."""
    return time.strftime("%H:%M:%S")
