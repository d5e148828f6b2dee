"""The one place the stages are wired together: vault -> notes -> index (-> follow-ups -> feed).

`cli`, `watch` and `serve` all go through `Vault`; none of them calls a stage directly."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import stat
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .errors import DraftError, VaultNotFound
from .model import Contact, Interview, Problem, Severity
from .settings import Settings, load_settings
from .templates import is_template, template_folders
from .values import zone
from .vault import SKIPPED_FOLDERS, FileRef, find_vault, is_utf8, read_bytes, scan

if TYPE_CHECKING:  # the stages are imported where they are used: a warm run answered from its
    # record never needs them (nor YAML, nor the calendar writer); review and stats neither
    from .followups import FollowUp, NextMove
    from .index import Index
    from .notes import ParsedNote
    from .review import Event, Period, Review, Stats


UPDATE_LIMIT = 200  # notes changed at once: up to this many, the last index is updated for just them


@dataclass
class LoadStats:
    """What the last load did: files seen, files (re)read, and which paths changed."""

    files: int = 0
    parsed: int = 0
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Build:
    """The last build of a Vault and what changed since: the one record every stage consults.

    `dirty` holds the paths read with new content (or gone) since `index` was built. The index is
    current while nothing is dirty and `key` (settings, today, scanning problems) is equal; with a
    few dirty notes and the same key it is updated for just those (`index.update_index`), else
    built again. The follow-ups are reused only for that very index, the feed only for those
    follow-ups and an equal previous feed.

    From one index to the next, the follow-ups and the feed are updated rather than made again:
    `followups` keeps those made from `made_from` (each contact's, in order), `changed` the paths
    changed since (None: an index was built from scratch since, so every view is compared);
    `reach` says which contacts and interviews that reaches. `diff` is what the last update took
    out and put in, starting from the list `made` (the follow-ups of `made_from`), and `pieces`
    the feed made from the follow-ups `fed` (its events' bytes; `shown` its items in order):
    the feed is updated from `diff` only when it starts from the very list the feed was made
    from. Anything else (settings, today, a foreign index, a tie in the order, a UID twice, drafts
    in the feed) makes them all again. What the stages keep between builds (`memos`) is per-note
    work, reused only for the very same note objects, which only unchanged files keep;
    `sequences` is a pure function of the feed bytes `sequences_of` (the last feed made)."""

    dirty: set[str] = field(default_factory=set)
    key: tuple[object, ...] | None = None
    index: Index | None = None  # the last index built (current only while nothing is dirty)
    items: list[FollowUp] | None = None
    feed: tuple[bytes | None, Sequence[FollowUp], bytes] | None = None  # feed_key(previous), shown, data
    sequences_of: bytes | None = None
    sequences: dict[str, Any] = field(default_factory=dict)  # uid: ics.Previous
    memos: dict[str, Any] = field(default_factory=dict)  # "index", "drafts"
    changed: set[str] | None = field(default_factory=set)
    made_from: Index | None = None
    made: list[FollowUp] | None = None
    followups: Any = None  # followups.Kept
    diff: tuple[list[FollowUp], Any, Any] | None = None  # made before, taken out, put in (keyed)
    fed: list[FollowUp] | None = None
    shown: Any = None  # followups.Ordered
    pieces: Any = None  # ics.Pieces

    def invalidate(self, paths: Collection[str]) -> None:
        """Notes changed (or went): what was made from the index must be made again."""
        if paths:
            self.dirty.update(paths)
            if self.changed is not None:
                self.changed.update(paths)
            self.items, self.feed = None, None

    def current(self, key: tuple[object, ...]) -> Index | None:
        """The index built for `key`, if nothing changed since."""
        return self.index if self.index is not None and not self.dirty and self.key == key else None

    def built(self, key: tuple[object, ...], index: Index, updated: bool) -> None:
        """A new index was made for `key` from every change so far (`updated`: by updating the
        last one for the dirty notes, else from scratch)."""
        self.key, self.index, self.items, self.feed = key, index, None, None
        self.dirty.clear()
        if not updated:
            self.changed = None

    def reach(self, index: Index) -> tuple[set[str], set[str]] | None:
        """The contacts and interviews (paths) whose follow-ups must be worked out again to go from
        those of `made_from` to those of `index`; None when all must be (nothing made yet, another
        day or zone, or a change that reaches a quarter of the contacts).

        A contact's follow-ups read its view, the views of its interviews and those of the people
        its interviews refer; an interview without a contact note has its own. So: every contact
        and interview whose view differs (`index.view_differs`: compared where notes changed, and
        at their interviews' contacts, which `update_index` works out again; everywhere after a
        build from scratch), the contacts of the interviews that differ, and everyone who referred
        a contact that differs (`referrals_received`, in either index)."""
        from .index import view_differs

        old = self.made_from
        if old is None or old.today != index.today or old.timezone != index.timezone:
            return None
        if self.changed is None:
            places = {*old.contacts, *index.contacts, *old.interviews, *index.interviews}
        else:
            places = set(self.changed)
        interviews = {p for p in places if view_differs(old.interviews.get(p), index.interviews.get(p))}
        contacts = {
            view.contact
            for p in interviews
            for view in (old.interviews.get(p), index.interviews.get(p))
            if view is not None and view.contact is not None
        }
        contacts |= {p for p in places if view_differs(old.contacts.get(p), index.contacts.get(p))}
        redo = set(contacts)
        for path in contacts:
            for view in (old.contacts.get(path), index.contacts.get(path)):
                if view is not None:
                    redo.update(referral.source for referral in view.referrals_received)
        if len(redo) + len(interviews) > max(UPDATE_LIMIT, len(index.contacts) // 4):
            return None
        return redo, interviews


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
        self.build = Build()
        self._entries: cache.Entries | None = None  # every note, parsed, with its file's signature
        self._started_ns = 0
        self._refs: dict[str, FileRef] | None = None  # the last listing, for hinted reads
        self._listing: tuple[dict[str, FileRef], list[Problem], int] | None = None  # a scan not read yet
        self._answer_base: tuple[Any, ...] | None = None  # what answer keys are made of (() : none)
        self._linked = False  # the last full scan met a symlink
        self._scan_problems: list[Problem] = []
        self._racy: set[str] = set()
        self._unsaved = False  # notes read since the parse cache was last written
        self._rows: dict[str, tuple[object, str]] = {}  # cache lines a parse worker sent (see cache.save)
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

    def answer_key(self, *parts: object) -> str | None:
        """A key for a command's output in this state of the vault: every note's path and signature,
        the settings, today, the scanning problems and `parts` (the command and its flags). None when
        a file changed too recently to trust its signature, or the cache is off. The first call
        scans the vault (a `read` that follows uses that scan); later ones reuse it."""
        if not self.use_cache:
            return None
        if self._answer_base is None:
            started_ns = time.time_ns()
            listing, problems, linked = scan(self.root)
            refs = {ref.path: ref for ref in listing}
            self._listing = (refs, problems, started_ns)
            self._linked = linked
            signatures = [ref.signature for ref in listing]
            if any(cache.racy(signature, started_ns) for signature in signatures):
                self._answer_base = ()
            else:
                self._answer_base = (cache.listing_digest(list(refs), signatures), self.today, problems)
        if not self._answer_base:
            return None
        files, today, problems = self._answer_base
        return cache.answer_key(self.root, files, self.settings, today, problems, parts)

    def read(self, hint: Collection[str] | None = None) -> tuple[list[ParsedNote], list[Problem]]:
        """Every Markdown file parsed (unchanged files come from the cache), plus scanning problems.
        The cache file itself is written by `index()`.

        `hint`: the vault-relative paths of the only notes that may have changed since the last
        read of this Vault (watch mode knows them from file events); only they are looked at
        again instead of scanning the whole vault. None: scan everything."""
        with _no_gc():
            problems = self._load(hint)
            entries = self._entries or {}
            return [entries[path][1] for path in sorted(entries)], problems

    def _load(self, hint: Collection[str] | None = None) -> list[Problem]:
        """Bring `_entries` up to date (see `read`); the scanning problems."""
        started = time.perf_counter()
        started_ns = time.time_ns()
        if not self.root.is_dir():
            raise VaultNotFound(
                f"vault folder {str(self.root)!r} no longer exists",
                "check the path; nothing was deleted by iinotes",
            )
        if hint is not None and not self._hint_usable(hint):
            hint = None
        previous = self._entries
        stats = LoadStats()
        if hint is not None and self._refs is not None and previous is not None and self._listing is None:
            # only the hinted notes (and those read racily last time) are looked at: proportional
            refs, entries = self._refs, dict(previous)
            for rel in sorted({*hint, *self._racy}):
                ref = None if is_template(rel, self._templates) else _stat_note(self.root, rel)
                if ref is None:
                    refs.pop(rel, None)
                    if entries.pop(rel, None) is not None:
                        stats.removed.append(rel)
                else:
                    refs[rel] = ref
                    self._take(ref, previous, entries, stats)
            problems = list(self._scan_problems)
        else:
            if self._listing is not None:  # scanned a moment ago by answer_key
                listed, problems, started_ns = self._listing
            else:
                listing, problems, self._linked = scan(self.root)
                listed = {ref.path: ref for ref in listing}
            refs = {path: ref for path, ref in listed.items() if not is_template(path, self._templates)}
            self._scan_problems = list(problems)
            problems = list(problems)
            if previous is None:
                previous = cache.load(self.root) if self.use_cache else {}
            entries = self._take_all(refs, previous, stats)
            stats.removed = sorted(set(previous) - set(entries))
            if len(entries) >= _MEMO_DROP:
                _drop_value_memos()
        self._listing = None
        self._refs = refs
        stats.files = len(refs)
        # read in the same clock tick as their last change: a second change could keep the same
        # signature, so they are read again next time (and never trusted to the disk cache)
        self._racy = {
            path
            for path in (*self._racy, *stats.changed)
            if path in entries and cache.racy(entries[path][0], started_ns)
        }
        self.build.invalidate([*stats.changed, *stats.removed])
        self._started_ns = started_ns
        self._entries = entries
        stats.seconds = time.perf_counter() - started
        self.stats = stats
        self._unsaved = self._unsaved or bool(stats.parsed or stats.removed)
        return problems

    def _take_all(self, refs: dict[str, FileRef], previous: cache.Entries, stats: LoadStats) -> cache.Entries:
        """Every note at `refs`, each as `_take` puts it; with thousands to parse, a worker process
        parses the last part of them meanwhile (`iinotes.worker`): the same entries in the same
        order, sooner."""
        from . import worker

        entries: cache.Entries = {}
        progress = self.progress
        todo = [ref for ref in refs.values() if not self._unchanged(ref, previous)]
        helper = None
        if worker.wanted(len(todo)):
            helper = worker.Worker(todo[len(todo) - int(len(todo) * worker.SHARE) :])
        handed = helper.signatures if helper is not None else {}
        for count, ref in enumerate(refs.values()):
            if progress is not None and count % 256 == 0:
                progress(count, len(refs))
            if ref.path not in handed:
                self._take(ref, previous, entries, stats)
        if helper is not None:
            rows: dict[str, tuple[object, str]] = {}
            if self.use_cache:  # the parse cache's lines of our own part, while the worker finishes
                for path in stats.changed:
                    signature, mine = entries[path]
                    row = cache.encode_row(path, signature, mine)
                    if row is not None:
                        rows[path] = (mine, row)
            for ref, parsed, row in helper.results():
                self._take(ref, previous, entries, stats, parsed)
                if parsed is not None and row is not None and entries[ref.path][1] is parsed:
                    rows[ref.path] = (parsed, row)
            self._rows = rows
            order = {path: number for number, path in enumerate(refs)}
            entries = {path: entries[path] for path in refs}
            stats.changed.sort(key=order.__getitem__)
        if progress is not None:
            progress(len(refs), len(refs))
        return entries

    def _unchanged(self, ref: FileRef, previous: cache.Entries) -> bool:
        """Whether `previous` holds the note at `ref` as it is (same signature, not read racily)."""
        known = previous.get(ref.path)
        return known is not None and known[0] == ref.signature and ref.path not in self._racy

    def _take(
        self,
        ref: FileRef,
        previous: cache.Entries,
        entries: cache.Entries,
        stats: LoadStats,
        parsed: ParsedNote | None = None,
    ) -> None:
        """Put the note at `ref` into `entries`: the one in `previous` while its signature is the same
        (and it was not read racily), else `parsed` (the note as a worker parsed it) or parsed here."""
        known = previous.get(ref.path)
        if known is not None and self._unchanged(ref, previous):
            entries[ref.path] = known
            return
        if parsed is None:
            parsed = _parse(ref)
        stats.parsed += 1
        if (
            known is not None
            and known[0] == ref.signature
            and known[1] == parsed
            and _lines(known[1]) == _lines(parsed)
        ):
            entries[ref.path] = (ref.signature, known[1])  # re-read only because racy: unchanged
            return
        entries[ref.path] = (ref.signature, parsed)
        stats.changed.append(ref.path)

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
        from .index import IndexMemo, build_index, update_index

        problems = self._load(hint)
        if self.use_cache and self._entries is not None and self._unsaved:
            # before the index is built: the lines a worker sent are let go before it takes memory
            cache.save(self.root, self._entries, self._started_ns, self._rows)
            self._unsaved, self._rows = False, {}
        today = self.today  # once: a run across midnight must not key one day's index with another
        build = self.build
        key = (self.settings, today, tuple(problems))
        current = build.current(key)
        if current is not None:
            return current
        memo = build.memos.setdefault("index", IndexMemo())
        index = None
        updated = False
        if build.index is not None and build.key == key and len(build.dirty) <= UPDATE_LIMIT:
            if not any(problem.path in build.dirty for problem in problems):  # no scanning problem there
                entries = self._entries or {}
                changed = {
                    path: (entries[path][1].note, entries[path][1].problems)
                    if path in entries
                    else (None, ())
                    for path in build.dirty
                }
                index = update_index(build.index, changed, self.settings, memo)
                updated = index is not None
        if index is None:
            contacts: list[Contact] = []
            interviews: list[Interview] = []
            entries = self._entries or {}
            for path in sorted(entries):
                item = entries[path][1]
                problems.extend(item.problems)
                if isinstance(item.note, Contact):
                    contacts.append(item.note)
                elif isinstance(item.note, Interview):
                    interviews.append(item.note)
            index = build_index(contacts, interviews, self.settings, today, problems, memo)
        build.built(key, index, updated)
        return index

    def index_with(self, replaced: Mapping[str, bytes | None]) -> Index:
        """The index of the vault with some notes' bytes replaced (None: the note is left out), e.g.
        as git's index holds them; the cache keeps describing the folder as it is."""
        from .index import build_index
        from .notes import parse_note

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
        from .followups import Kept, follow_ups, update_follow_ups

        index = index if index is not None else self.index()
        build = self.build
        if index is build.index and build.items is not None:
            return index, build.items
        reviews = self._entries.keys() if self._entries is not None else ()
        if index is not build.index:  # not this vault's own: nothing kept is used or changed
            return index, follow_ups(index, self.settings, index.today, None, reviews)
        if build.followups is None:
            build.followups = Kept()
        reach = build.reach(index)
        update = None
        if reach is not None:
            update = update_follow_ups(build.followups, index, self.settings, index.today, *reach, reviews)
        if update is None:
            items = follow_ups(index, self.settings, index.today, build.followups, reviews)
            build.diff = None
        else:
            items = update[0]
            build.diff = (build.made, update[1], update[2]) if build.made is not None else None
        build.made_from, build.made, build.changed, build.items = index, items, set(), items
        return index, items

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
        from .followups import next_moves

        index, items = self.follow_ups(index)
        return index, items, next_moves(index, self.settings, index.today, items)

    def feed(
        self,
        previous: bytes | PreviousFeed | None = None,
        index: Index | None = None,
        hint: Collection[str] | None = None,
    ) -> tuple[Index, Sequence[FollowUp], bytes]:
        """The .ics feed: follow-ups due within the horizon plus overdue ones, rendered to bytes.
        `previous` is the last feed written, or what `PreviousFeed.of` kept of it (its SEQUENCE
        numbers are carried forward); `hint` as for `read`. Repeated calls on one Vault (watch
        mode) redo only what changed."""
        from .followups import Ordered
        from .ics import Pieces, in_feed, previous_sequences, render, shown_by, update_render

        index = index if index is not None else self.index(hint)
        build = self.build
        if index is build.index and build.feed is not None and build.feed[0] == feed_key(previous):
            return index, build.feed[1], build.feed[2]
        index, items = self.follow_ups(index)
        own = index is build.index
        settings, today = self.settings, index.today
        shows = shown_by(today, settings.horizon_days)
        data = None
        diff = build.diff
        if (
            own
            and diff is not None
            and diff[0] is build.fed
            and build.fed is not None
            and previous is not None
            and previous == build.sequences_of
            and not settings.drafts  # drafts read more than the follow-ups: made for every event
        ):  # our own last feed, made from the follow-ups this update started from: update it
            gone = [pair for pair in diff[1] if shows(pair[1])]
            new = [pair for pair in diff[2] if shows(pair[1])]
            private = None
            if settings.private_details:
                paths = {item.contact_path for _, item in new if item.contact_path in index.contacts}
                private = {path: _private_text(index.contacts[path].contact) for path in paths if path}
            if build.shown.apply(gone, new):
                removed, added = [item for _, item in gone], [item for _, item in new]
                data = update_render(build.pieces, removed, added, settings, today, build.sequences, private)
        if data is None:
            if own:
                kept = build.followups.ordered  # in the order of `items`, with their keys
                build.shown = Ordered(
                    [pair for pair in zip(kept.keys, kept.items, strict=True) if shows(pair[1])]
                )
            shown = list(build.shown.items) if own else in_feed(items, today, settings.horizon_days)
            private = _private_texts(index, settings)
            if previous is not None and previous == build.sequences_of:
                sequences = build.sequences  # our own last feed: no need to parse it again
            elif isinstance(previous, PreviousFeed):
                sequences = dict(previous.sequences)  # read once; the render updates its own copy
            else:
                sequences = previous_sequences(previous)
            if build.pieces is None:
                build.pieces = Pieces()
            data = render(
                shown,
                settings,
                today,
                private=private,
                sequences=sequences,
                memo=build.pieces,
                drafts=self._feed_drafts(index, shown) if settings.drafts else None,
            )
            build.sequences = sequences
        else:
            shown = list(build.shown.items)
        build.sequences_of = data
        build.fed = items if own else None
        if own:
            build.feed = (feed_key(previous), shown, data)
        return index, shown, data

    def feed_pieces(
        self, sequences: dict[str, Any], index: Index | None = None
    ) -> tuple[Index, Sequence[FollowUp], list[bytes]]:
        """The feed `feed` makes, given what `ics.previous_sequences` read from the previous one
        (updated in place to the new feed's), in pieces to write one after the other: a caller
        writing a file holds neither the previous feed nor the new one whole (10 MB each at 20,000
        notes). Nothing is kept for a later call."""
        from .ics import in_feed, render_pieces

        index, items = self.follow_ups(index)
        settings, today = self.settings, index.today
        shown = in_feed(items, today, settings.horizon_days)
        private = _private_texts(index, settings)
        pieces = render_pieces(
            shown,
            settings,
            today,
            private=private,
            sequences=sequences,
            drafts=self._feed_drafts(index, shown) if settings.drafts else None,
        )
        return index, shown, pieces.parts(settings)

    def _feed_drafts(self, index: Index, items: Sequence[FollowUp]) -> dict[str, str]:
        """UID -> the drafted message for the feed (`feed.drafts`), from the vault's templates."""
        from . import drafts

        templates: dict[str, Any] = {}
        for kind in drafts.KINDS:
            try:
                templates[kind] = drafts.read_template(self.root, kind)
            except DraftError as error:  # the feed is still written; the event says what is wrong
                templates[kind] = error
        memo = self.build.memos.setdefault("drafts", {})
        return drafts.feed_drafts(index, items, self.settings, templates, index.today, memo)


_MEMO_DROP = 1000  # notes in a whole read, from which the value memos are dropped after it


def _drop_value_memos() -> None:
    """The memos that make equal values one object across the notes of a read (the parser's
    scalars, dates and links; the parse cache's strings, dates and date-times) only hold memory
    once it is over: 10 MB after a cold read of 20,002 notes. The values stay shared in the notes;
    the next read fills the memos again."""
    from . import values

    memos = [
        values._date_text,
        values._when_text,
        values._link_text,
        cache._shared,
        cache._day,
        cache._moment,
    ]
    parser = sys.modules.get(f"{__package__}.frontmatter12")  # not imported when no note was parsed
    if parser is not None:
        memos.append(parser._resolve_plain)
    for memo in memos:
        memo.cache_clear()


def feed_key(feed: bytes | PreviousFeed | None) -> bytes | None:
    """What `Build.feed` keeps of the previous feed a feed was made from: a digest, not its bytes
    (watch would otherwise hold a second 10 MB feed at 20,000 notes between saves)."""
    if isinstance(feed, PreviousFeed):
        return feed.key
    return None if feed is None else cache.blake2b(feed, digest_size=32).digest()


@dataclass(frozen=True)
class PreviousFeed:
    """What a feed made before is needed for, without its bytes (10 MB at 20,000 notes): its
    digest, how many events it holds, and the SEQUENCE and DTSTAMP state of each (`watch -o`
    starts from the file it finds and need not hold it while it builds the new one)."""

    key: bytes
    events: int
    sequences: Mapping[str, Any]

    @classmethod
    def of(cls, data: bytes) -> PreviousFeed:
        from .ics import previous_sequences

        key = feed_key(data)
        assert key is not None
        return cls(key, data.count(b"BEGIN:VEVENT"), previous_sequences(data))


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


def _private_texts(index: Index, settings: Settings) -> dict[str, str] | None:
    """Each contact's email, phone and LinkedIn for its events, when `feed.private_details` is on."""
    if not settings.private_details:
        return None
    return {path: _private_text(view.contact) for path, view in index.contacts.items()}


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
    from .notes import MAX_NOTE_BYTES, OUR_FOLDERS, ParsedNote, parse_note, too_large

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
