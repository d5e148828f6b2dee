"""The one place the stages are wired together: vault -> notes -> index (-> follow-ups -> feed).

`cli`, `watch` and `serve` all go through `Vault`; none of them calls a stage directly."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import pickle
import stat
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .errors import DraftError, VaultNotFound
from .followups import FollowUp, Memo, NextMove, follow_ups, next_moves
from .ics import Previous, in_feed, previous_sequences, render
from .index import Index, IndexMemo, build_index
from .model import Contact, Interview, Problem, Severity
from .notes import MAX_NOTE_BYTES, OUR_FOLDERS, ParsedNote, parse_note, too_large
from .settings import Settings, load_settings
from .templates import is_template, template_folders
from .values import zone
from .vault import SKIPPED_FOLDERS, FileRef, find_vault, is_utf8, read_bytes, scan

if TYPE_CHECKING:  # review and stats are imported when used: most commands never need them
    from .review import Event, Period, Review, Stats


@dataclass
class LoadStats:
    """What the last load did: files seen, files (re)read, and which paths changed."""

    files: int = 0
    parsed: int = 0
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Vault:
    """A vault on disk, with its settings and (optionally pinned) today; `index()` reads it."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        settings: Settings | None = None,
        today: dt.date | None = None,
        use_cache: bool = True,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise VaultNotFound(
                f"vault folder {str(self.root)!r} does not exist",
                "check the path given to --vault or $IINOTES_VAULT",
            )
        self.settings = settings if settings is not None else load_settings(self.root)
        self.pinned_today = today
        self.use_cache = use_cache
        self.stats = LoadStats()
        self._entries: cache.Entries | None = None
        self._snapshot: cache.Snapshot | None = None
        self._changed = False  # whether reads found changes the snapshot does not have
        self._started_ns = 0
        self._refs: dict[str, FileRef] | None = None  # the last listing, for hinted reads
        self._linked = False  # the last full scan met a symlink
        self._scan_problems: list[Problem] = []
        self._racy: set[str] = set()
        self._followup_memo: Memo = {}
        self._index_memo = IndexMemo()
        self._render_memo: dict[int, Any] = {}
        self._draft_memo: dict[str, Any] = {}
        self._sequences: tuple[bytes, dict[str, Previous]] | None = None  # last feed and its SEQUENCE map
        self.progress: Callable[[int, int], None] | None = None  # (notes looked at, of total) while reading
        self._templates = template_folders(self.root)  # never read as notes

    @classmethod
    def find(cls, explicit: str | os.PathLike[str] | None = None, **kwargs: object) -> Vault:
        """The vault named by `--vault`, $IINOTES_VAULT, the nearest iinotes.toml, or the cwd."""
        return cls(find_vault(explicit), **kwargs)  # type: ignore[arg-type]

    @property
    def today(self) -> dt.date:
        """The pinned day, else today's date in the vault's time zone."""
        if self.pinned_today is not None:
            return self.pinned_today
        return dt.datetime.now(zone(self.settings.timezone)).date()

    def read(self, hint: Collection[str] | None = None) -> tuple[list[ParsedNote], list[Problem]]:
        """Every Markdown file parsed (unchanged files come from the cache), plus scanning problems.
        The cache file itself is written by `index()`.

        `hint`: the vault-relative paths of the only notes that may have changed since the last
        read of this Vault (watch mode knows them from file events); only they are looked at
        again instead of scanning the whole vault. None: scan everything."""
        with _no_gc():
            return self._read(hint)

    def _read(self, hint: Collection[str] | None = None) -> tuple[list[ParsedNote], list[Problem]]:
        started = time.perf_counter()
        started_ns = time.time_ns()
        if not self.root.is_dir():
            raise VaultNotFound(
                f"vault folder {str(self.root)!r} no longer exists",
                "check the path; nothing was deleted by iinotes",
            )
        if hint is not None and not self._hint_usable(hint):
            hint = None
        if hint is not None and self._refs is not None:
            refs = dict(self._refs)
            for rel in {*hint, *self._racy}:
                ref = None if is_template(rel, self._templates) else _stat_note(self.root, rel)
                if ref is None:
                    refs.pop(rel, None)
                else:
                    refs[rel] = ref
            problems = list(self._scan_problems)
        else:
            listing, problems, self._linked = scan(self.root)
            refs = {ref.path: ref for ref in listing if not is_template(ref.path, self._templates)}
            self._scan_problems = list(problems)
        self._refs = refs
        previous = self._entries
        if previous is None:
            previous, self._snapshot = cache.load(self.root) if self.use_cache else ({}, None)
        entries: cache.Entries = {}
        stats = LoadStats(files=len(refs))
        progress = self.progress
        for count, ref in enumerate(refs.values()):
            if progress is not None and count % 256 == 0:
                progress(count, len(refs))
            known = previous.get(ref.path)
            if known is not None and known[0] == ref.signature and ref.path not in self._racy:
                entries[ref.path] = known
                continue
            parsed = _parse(ref)
            stats.parsed += 1
            if (
                known is not None
                and known[0] == ref.signature
                and known[1] == parsed
                and _lines(known[1]) == _lines(parsed)
            ):  # re-read only because racy: unchanged
                entries[ref.path] = (ref.signature, known[1])
                continue
            entries[ref.path] = (ref.signature, parsed)
            stats.changed.append(ref.path)
        if progress is not None:
            progress(len(refs), len(refs))
        stats.removed = sorted(set(previous) - set(entries))
        # read in the same clock tick as their last change: a second change could keep the same
        # signature, so they are read again next time (and never trusted to the disk cache)
        self._racy = {
            path
            for path in (*self._racy, *stats.changed)
            if path in entries and cache.racy(entries[path][0], started_ns)
        }
        self._changed = self._changed or bool(
            stats.changed or stats.removed
        )  # until an index is built from them
        self._started_ns = started_ns
        self._entries = entries
        stats.seconds = time.perf_counter() - started
        self.stats = stats
        return [entries[path][1] for path in sorted(entries)], problems

    def _hint_usable(self, hint: Collection[str]) -> bool:
        """Whether reading only the hinted paths is sure to see every change: not when the vault has
        symlinks (events name link targets, or nothing), when two hinted names differ only in case
        (a rename on a case-insensitive file system), or when a hinted path had a scanning problem
        or is a symlink itself (its problem list needs a full scan)."""
        if self._linked or len({rel.casefold() for rel in hint}) != len(set(hint)):
            return False
        if not all(is_utf8(rel) for rel in hint):  # a name that is not UTF-8 is reported by a full scan
            return False
        with_problems = {problem.path for problem in self._scan_problems}
        return not any(rel in with_problems or os.path.islink(self.root / rel) for rel in hint)

    def index(self, hint: Collection[str] | None = None) -> Index:
        """Read the vault (incrementally; `hint` as for `read`) and build the index for `today`."""
        with _no_gc():
            return self._index(hint)

    def _index(self, hint: Collection[str] | None = None) -> Index:
        parsed, problems = self.read(hint)
        today = self.today  # once: a run across midnight must not key one day's index with another
        key = (self.settings, today, tuple(problems))
        if not self._changed and self._snapshot is not None and self._snapshot[0] == key:
            return self._snapshot[1]  # type: ignore[no-any-return]
        contacts: list[Contact] = []
        interviews: list[Interview] = []
        for item in parsed:
            problems.extend(item.problems)
            if isinstance(item.note, Contact):
                contacts.append(item.note)
            elif isinstance(item.note, Interview):
                interviews.append(item.note)
        index = build_index(contacts, interviews, self.settings, today, problems, self._index_memo)
        self._snapshot = (key, index)
        self._changed = False
        if self.use_cache and self._entries is not None:
            cache.save(self.root, self._entries, self._started_ns, self._snapshot)
        return index

    def index_with(self, replaced: Mapping[str, bytes | None]) -> Index:
        """The index of the vault with some notes' bytes replaced (None: the note is left out), e.g.
        as git's index holds them; the cache keeps describing the folder as it is."""
        self.index()  # the folder's notes, cached for the next run
        parsed, problems = self.read()
        notes = {item.path: item for item in parsed}
        for rel, data in replaced.items():
            if data is None:
                notes.pop(rel, None)
            else:
                notes[rel] = parse_note(rel, data)
        contacts: list[Contact] = []
        interviews: list[Interview] = []
        for rel in sorted(notes):
            problems.extend(notes[rel].problems)
            note = notes[rel].note
            if isinstance(note, Contact):
                contacts.append(note)
            elif isinstance(note, Interview):
                interviews.append(note)
        return build_index(contacts, interviews, self.settings, self.today, problems)

    def follow_ups(self, index: Index | None = None) -> tuple[Index, list[FollowUp]]:
        """The index and every open follow-up on `today`."""
        index = index if index is not None else self.index()
        reviews = [path for path in self._entries or () if path.startswith("reviews/")]
        return index, follow_ups(index, self.settings, index.today, self._followup_memo, reviews)

    def review(self, period: Period | None = None) -> tuple[Index, Review, list[Event]]:
        """The index, the review of `period` (default: this ISO week) as of `today`, and every dated
        event of the vault (what the weekly chart of the review note counts)."""
        from .review import build_review, events, week_period

        with _no_gc():
            index, items = self.follow_ups()
            history = events(index)
            chosen = period if period is not None else week_period(index.today)
            return index, build_review(index, items, chosen, history), history

    def statistics(self, index: Index | None = None) -> Stats:
        """The statistics of the whole history as of `today`."""
        from .review import build_stats

        with _no_gc():
            return build_stats(index if index is not None else self.index())

    def review_note(self, period: Period | None = None) -> str:
        """The review note's Markdown for `period` (default: this ISO week; what `review --write` saves)."""
        from .review_note import render_note

        index, review, history = self.review(period)
        return render_note(review, self.statistics(index), history)

    def next_moves(
        self, index: Index | None = None
    ) -> tuple[Index, list[FollowUp], dict[str, NextMove | None]]:
        """The index, every open follow-up, and each contact's next move (by contact path)."""
        index, items = self.follow_ups(index)
        return index, items, next_moves(index, self.settings, index.today, items)

    def feed(
        self, previous: bytes | None = None, index: Index | None = None, hint: Collection[str] | None = None
    ) -> tuple[Index, Sequence[FollowUp], bytes]:
        """The .ics feed: follow-ups due within the horizon plus overdue ones, rendered to bytes.
        `previous` is the last feed written (its SEQUENCE numbers are carried forward); `hint`
        as for `read`. Repeated calls on one Vault (watch mode) redo only what changed."""
        index = index if index is not None else self.index(hint)
        key = None
        if self.use_cache and self._entries is not None and not self._changed:
            # racy files are never cached, so a key over their signatures could miss a change
            racy_now = any(cache.racy(signature, self._started_ns) for signature, _ in self._entries.values())
            key = (
                None
                if racy_now
                else cache.feed_key(
                    self._entries, self.settings, index.today, hashlib.sha256(previous or b"").hexdigest()
                )
            )
            stored = cache.load_feed(self.root, key) if key else None
            if isinstance(stored, tuple) and len(stored) == 3:
                count, items_blob, data = stored
                return index, _StoredItems(count, items_blob), bytes(data)
        index, items = self.follow_ups(index)
        shown = in_feed(items, index.today, self.settings.horizon_days)
        private = (
            {path: _private_text(view.contact) for path, view in index.contacts.items()}
            if self.settings.private_details
            else None
        )
        if self._sequences is not None and previous is not None and previous == self._sequences[0]:
            sequences = self._sequences[1]  # our own last feed: no need to parse it again
        else:
            sequences = previous_sequences(previous)
        data = render(
            shown,
            self.settings,
            index.today,
            private=private,
            sequences=sequences,
            memo=self._render_memo,
            drafts=self._feed_drafts(index, shown) if self.settings.drafts else None,
        )
        self._sequences = (data, sequences)
        if key:
            cache.save_feed(
                self.root, key, (len(shown), pickle.dumps(shown, protocol=pickle.HIGHEST_PROTOCOL), data)
            )
        return index, shown, data

    def _feed_drafts(self, index: Index, items: Sequence[FollowUp]) -> dict[str, str]:
        """UID -> the drafted message for the feed (`feed.drafts`), from the vault's templates."""
        from . import drafts

        templates: dict[str, Any] = {}
        for kind in drafts.KINDS:
            try:
                templates[kind] = drafts.read_template(self.root, kind)
            except DraftError as error:  # the feed is still written; the event says what is wrong
                templates[kind] = error
        return drafts.feed_drafts(index, items, self.settings, templates, index.today, self._draft_memo)


class _StoredItems(Sequence[FollowUp]):
    """The follow-ups of a cached feed, unpickled only if someone looks past their number."""

    def __init__(self, count: int, blob: bytes) -> None:
        self._count, self._blob = count, blob
        self._items: list[FollowUp] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position):  # type: ignore[no-untyped-def,override]
        if self._items is None:
            self._items = pickle.loads(self._blob)
        return self._items[position]


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: loading makes tens of thousands of small objects that
    all live on, so its passes only cost time (about a third of a warm run)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()  # what was loaded stays: keep later collections from walking it again
            gc.enable()


def _lines(parsed: ParsedNote) -> str | None:
    """The key line numbers of a parsed note (equality of notes leaves them out)."""
    return getattr(parsed.note, "lines", None)


def _stat_note(root: Path, rel: str) -> FileRef | None:
    """A FileRef for one vault-relative path if it is a Markdown file iinotes reads, else None."""
    parts = rel.split("/")
    if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts) or rel[-3:].lower() != ".md":
        return None
    path = root / rel
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return FileRef(rel, str(path), (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino))


def _private_text(contact: Contact) -> str:
    parts = [
        f"{label}: {value}"
        for label, value in (
            ("Email", contact.email),
            ("Phone", contact.phone),
            ("LinkedIn", contact.linkedin),
        )
        if value
    ]
    return "\n".join(parts)


def _parse(ref: FileRef) -> ParsedNote:
    try:
        if ref.signature[2] > MAX_NOTE_BYTES:  # too large: say so without reading it all into memory
            with open(ref.abspath, "rb") as handle:
                return too_large(ref.path, handle.read(70_000), ref.signature[2])
        data = read_bytes(ref, MAX_NOTE_BYTES + 1)
    except OSError as error:
        severity: Severity = "error" if ref.path.startswith(OUR_FOLDERS) else "warning"
        problem = Problem(
            ref.path,
            0,
            0,
            severity,
            "unreadable",
            f"cannot read this note: {error.strerror}",
            "check the file's permissions (chmod u+r) and that it is not locked",
        )
        return ParsedNote(ref.path, None, (problem,), False)
    return parse_note(ref.path, data)
