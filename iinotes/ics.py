"""Render follow-ups as an RFC 5545 calendar (pure: values in, bytes out).

Our own writer rather than icalendar's `to_ical`, because every byte must be pinned: no
DTSTAMP from the wall clock (an unchanged event keeps the previous feed's), no random UIDs,
VTIMEZONEs sorted by name (RRULE-based, from `vtimezone`), events sorted, TEXT escaped exactly
once, lines folded at 75 octets on UTF-8 character boundaries, CRLF, no BOM. Tests read every
feed back with icalendar and ical.js."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import __version__
from .followups import FollowUp
from .settings import Settings
from .values import zone
from .vtimezone import vtimezones_text

PRODID = f"-//iinotes//iinotes {__version__}//EN"
REFRESH = "PT1H"
_UTC_NAMES = frozenset(("UTC", "ETC/UTC", "UNIVERSAL", "ETC/UNIVERSAL", "ZULU", "ETC/ZULU", "UCT", "ETC/UCT"))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline; controls dropped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character; CRLF-terminated."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # don't cut inside a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts) + "\r\n"


def _date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _local(instant: dt.datetime) -> str:
    return f"{_date(instant)}T{instant.hour:02d}{instant.minute:02d}{instant.second:02d}"


@dataclass(frozen=True)
class _Timing:
    lines: tuple[str, ...]
    tzid: str | None


def _timing(item: FollowUp, today: dt.date, settings: Settings) -> _Timing:
    """DTSTART/DTEND for an item: timed in its zone, all-day, or (overdue) all-day on today."""
    if item.overdue or item.start is None:
        day = today if item.overdue else item.due
        end = f"DTEND;VALUE=DATE:{_date(day + dt.timedelta(days=1))}" if day < dt.date.max else "DURATION:P1D"
        return _Timing((f"DTSTART;VALUE=DATE:{_date(day)}", end), None)
    start_utc = item.start.astimezone(dt.UTC)
    end_utc = start_utc + dt.timedelta(minutes=item.minutes or 15)
    tzid = getattr(item.start.tzinfo, "key", None)
    if (
        tzid is None or tzid.upper() in _UTC_NAMES
    ):  # a fixed offset written in the note, or UTC: never floating
        return _Timing((f"DTSTART:{_local(start_utc)}Z", f"DTEND:{_local(end_utc)}Z"), None)
    return _Timing((_zoned("DTSTART", start_utc, tzid), _zoned("DTEND", end_utc, tzid)), tzid)


def _zoned(name: str, instant: dt.datetime, tzid: str) -> str:
    """`NAME;TZID=zone:local`, unless that wall time occurs twice (a DST overlap): RFC 5545 says
    readers take the first occurrence, but ical.js takes the second, so such a time is written
    in UTC, which every reader understands the same way."""
    local = instant.astimezone(zone(tzid))
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return f"{name}:{_local(instant)}Z"
    return f"{name};TZID={tzid}:{_local(local)}"


class Previous(NamedTuple):
    """What the last feed said about one event: SEQUENCE, the `X-IINOTES-WHEN` it was scheduled
    for, its DTSTAMP, and a digest of all its other lines (equal digest: the event is unchanged)."""

    sequence: int
    when: str
    stamp: str
    digest: str


def _digest(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _unfolded(feed: bytes) -> Iterator[str]:
    """The content lines of `feed`, unfolded, one at a time: what `text.split("\n")` gives for
    the text decoded (invalid UTF-8 replaced), CRLF made LF and folds ("\n " and "\n\t") removed,
    without ever holding the whole text (a feed of 20,000 notes is 10 MB)."""
    current: str | None = None
    for raw in io.BytesIO(feed):  # split at LF only, as `split("\n")`; no line has a LF inside
        line = raw.decode("utf-8", "replace")  # the decoder starts afresh after each LF byte
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        if current is not None and line[:1] in (" ", "\t"):
            current += line[1:]
        else:
            if current is not None:
                yield current
            current = line
    if current is not None:
        yield current
    if feed.endswith(b"\n"):
        yield ""


def previous_sequences(feed: bytes | None) -> dict[str, Previous]:
    """UID -> Previous from a feed written before: the state that makes SEQUENCE rise and keeps
    an unchanged event's DTSTAMP (and so its bytes) as they were."""
    if not feed:
        return {}
    result: dict[str, Previous] = {}
    shared: dict[str, str] = {}  # a few stamps and schedules repeat across thousands of events
    uid, sequence, when, stamp = None, 0, "", ""
    lines: list[str] = []
    for line in _unfolded(feed):
        if line == "BEGIN:VEVENT":
            uid, sequence, when, stamp, lines = None, 0, "", "", []
        if line.startswith("DTSTAMP:"):
            stamp = line[8:]
        else:
            lines.append(line)
        if line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("SEQUENCE:"):
            sequence = int(line[9:]) if line[9:].isdigit() else 0
        elif line.startswith("X-IINOTES-WHEN:"):
            when = line[15:]
        elif line == "END:VEVENT" and uid:
            when, stamp = shared.setdefault(when, when), shared.setdefault(stamp, stamp)
            result[uid] = Previous(sequence, when, stamp, _digest(lines))
    return result


def _when_key(item: FollowUp) -> str:
    """What SEQUENCE tracks: the item's day, time and length (not its overdue display)."""
    if item.start is None:
        return item.due.isoformat()
    return f"{item.start.astimezone(dt.UTC).isoformat()}/{item.minutes}"


def in_feed(items: list[FollowUp], today: dt.date, horizon_days: int) -> list[FollowUp]:
    """The items the feed shows: overdue ones and those due within the horizon."""
    shows = shown_by(today, horizon_days)
    return [item for item in items if shows(item)]


def shown_by(today: dt.date, horizon_days: int) -> Callable[[FollowUp], bool]:
    """Whether the feed shows an item (see `in_feed`)."""
    try:
        last = today + dt.timedelta(days=horizon_days)
    except OverflowError:
        last = dt.date.max
    return lambda item: item.overdue or item.due <= last


class _Kept(NamedTuple):
    """One event of the last feed: the item and what it was rendered from (`when`, `inputs`), its
    place (`sort`: DTSTART, UID), the digest of its lines but DTSTAMP, its zone and day, and its
    bytes (`data`, with the DTSTAMP line `stamp` after the first `head` bytes)."""

    item: FollowUp
    when: str
    inputs: tuple[object, ...]
    sort: tuple[str, str]
    digest: str
    tzid: str | None
    day: dt.date
    head: int
    stamp: str
    data: bytes

    def previous(self) -> Previous:
        """What the feed says about this event (as `previous_sequences` would read it)."""
        sequence = self.inputs[0]
        assert isinstance(sequence, int)
        return Previous(sequence, self.when, self.stamp, self.digest)


class Pieces:
    """The last feed `render` made, in pieces (watch mode keeps it between calls): each event's
    bytes in the feed's order, and what the calendar around them needs (the zones of timed events
    and their days). `update_render` replaces a few events and joins the bytes again, without
    rendering the others. `made_for`: the settings and day they hold for (None: nothing kept)."""

    def __init__(self) -> None:
        self._calendar: tuple[tuple[object, ...], bytes] | None = None
        self.clear()

    def clear(self) -> None:
        """Hold no event."""
        self.made_for: tuple[Settings, dt.date] | None = None
        self.events: dict[str, _Kept] = {}  # by UID
        self.order: list[tuple[str, str]] = []  # (DTSTART, UID) of every event, sorted
        self.data: list[bytes] = []  # their bytes, in the same order
        self.zones: dict[str, int] = {}  # events by VTIMEZONE
        self.days: dict[dt.date, int] = {}  # zoned events by day

    def add(self, kept: _Kept, at: int | None = None) -> None:
        """Put an event in its place (`at`, when known: the end of the events added in order)."""
        at = bisect.bisect_left(self.order, kept.sort) if at is None else at
        self.order.insert(at, kept.sort)
        self.data.insert(at, kept.data)
        self.events[kept.sort[1]] = kept
        if kept.tzid:
            self.zones[kept.tzid] = self.zones.get(kept.tzid, 0) + 1
            self.days[kept.day] = self.days.get(kept.day, 0) + 1

    def remove(self, uid: str) -> None:
        kept = self.events.pop(uid)
        at = bisect.bisect_left(self.order, kept.sort)
        del self.order[at], self.data[at]
        if kept.tzid:
            _less(self.zones, kept.tzid)
            _less(self.days, kept.day)

    def feed(self, settings: Settings) -> bytes:
        """The whole calendar: its head and time zones, then every event."""
        return b"".join(self.parts(settings))

    def parts(self, settings: Settings) -> list[bytes]:
        """The calendar's bytes in pieces, to write one after the other (never joined into one)."""
        zones = tuple(sorted(self.zones))
        key = (settings.feed_name, zones, min(self.days, default=None), max(self.days, default=None))
        if self._calendar is None or self._calendar[0] != key:
            name = escape_text(settings.feed_name)
            out = [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                f"PRODID:{PRODID}",
                "CALSCALE:GREGORIAN",
                f"NAME:{name}",
                f"X-WR-CALNAME:{name}",
                f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
                f"X-PUBLISHED-TTL:{REFRESH}",
            ]
            parts = [fold(line) for line in out]
            if zones:
                parts.append(vtimezones_text(zones, min(self.days), max(self.days)))
            self._calendar = (key, "".join(parts).encode("utf-8"))
        return [self._calendar[1], *self.data, b"END:VCALENDAR\r\n"]


def render(items: Sequence[FollowUp], settings: Settings, today: dt.date, **options: Any) -> bytes:
    """The calendar for `items` (already filtered with `in_feed`) as bytes: `render_pieces` (the
    same options) joined."""
    return render_pieces(items, settings, today, **options).feed(settings)


def render_pieces(
    items: Sequence[FollowUp],
    settings: Settings,
    today: dt.date,
    *,
    previous: bytes | None = None,
    private: dict[str, str] | None = None,
    sequences: dict[str, Previous] | None = None,
    memo: Pieces | None = None,
    drafts: dict[str, str] | None = None,
) -> Pieces:
    """The calendar for `items` (already filtered with `in_feed`) in pieces (`Pieces.parts`).

    `previous`: the last feed written, so SEQUENCE rises when an item's time changes and an
    event whose every other line is unchanged keeps its DTSTAMP (a feed regenerated on a later
    day without edits is byte-identical); a new or changed event is stamped today at 00:00 UTC.
    Or `sequences`, what `previous_sequences(previous)` would give (it is updated in place to this
    feed's). `private`: contact path -> extra description text (emails, phones), used only when
    the vault opts in with `feed.private_details`. `memo`: the pieces of the last feed, kept
    between calls (an event whose item is the very same and whose inputs are equal is not rendered
    again); made anew for `update_render`. `drafts`: UID -> the drafted message the description
    carries (`feed.drafts`)."""
    old = sequences if sequences is not None else previous_sequences(previous)
    new: dict[str, Previous] = {}
    known_events = memo.events if memo is not None else {}
    pieces = memo if memo is not None else Pieces()
    pieces.clear()
    kept: list[_Kept] = []
    for item in items:
        known = known_events.get(item.uid)
        if known is not None and known.item is not item:
            known = None
        when = known.when if known is not None else _when_key(item)
        extra = private.get(item.contact_path or "", "") if private and settings.private_details else ""
        if drafts and item.uid in drafts:
            extra = f"{extra}\n\n{drafts[item.uid]}" if extra else drafts[item.uid]
        event = _event(item, old.get(item.uid), when, extra, known, today, settings)
        new[item.uid] = event.previous()
        kept.append(event)
    kept.sort(key=lambda event: event.sort)  # stable: events with one UID stay in the items' order
    for at, event in enumerate(kept):
        pieces.add(event, at)
    if len(pieces.events) == len(items):  # UIDs are unique: `update_render` can find each event
        pieces.made_for = (settings, today)
    if sequences is not None:
        sequences.clear()
        sequences.update(new)
    return pieces


def update_render(
    pieces: Pieces,
    removed: Sequence[FollowUp],
    added: Sequence[FollowUp],
    settings: Settings,
    today: dt.date,
    sequences: dict[str, Previous],
    private: dict[str, str] | None = None,
) -> bytes | None:
    """The feed `render` would make of the items of the last one (kept in `pieces`, whose SEQUENCE
    map is `sequences`) without `removed` and with `added` (both already filtered with `in_feed`),
    rendering only the added. Both are updated in place. None when it cannot be done this way
    (nothing kept for these settings and day, an item missing, or a UID twice): then `render`."""
    gone = {item.uid for item in removed}
    uids = [item.uid for item in added]
    if (
        pieces.made_for != (settings, today)
        or len(gone) != len(removed)
        or len(set(uids)) != len(uids)
        or any((known := pieces.events.get(item.uid)) is None or known.item is not item for item in removed)
        or any(uid in pieces.events and uid not in gone for uid in uids)
    ):
        pieces.made_for = None
        return None
    old = {uid: sequences.pop(uid) for uid in gone}
    for uid in gone:
        pieces.remove(uid)
    for item in added:
        extra = private.get(item.contact_path or "", "") if private and settings.private_details else ""
        event = _event(item, old.get(item.uid), _when_key(item), extra, None, today, settings)
        sequences[item.uid] = event.previous()
        pieces.add(event)
    return pieces.feed(settings)


def _event(
    item: FollowUp,
    before: Previous | None,
    when: str,
    extra: str,
    known: _Kept | None,
    today: dt.date,
    settings: Settings,
) -> _Kept:
    """An item's event after `before` (the last feed's): `known` when rendered from equal inputs
    (with the DTSTAMP it keeps now), else rendered. SEQUENCE rises when `when` changed; DTSTAMP is
    the last feed's while the event's other lines are unchanged, else today at 00:00 UTC."""
    sequence = 0 if before is None else before.sequence + (before.when != when)
    inputs = (sequence, today, settings.alarms, settings.private_details, extra)
    if known is None or known.inputs != inputs:
        event = _render_event(item, sequence, today, settings, when, extra)
        stamp = _stamp(before, event.digest, today)
        head = event.head.encode("utf-8")
        data = head + fold(f"DTSTAMP:{stamp}").encode("utf-8") + event.body.encode("utf-8")
        sort = (event.sort_key, item.uid)
        return _Kept(item, when, inputs, sort, event.digest, event.tzid, event.day, len(head), stamp, data)
    stamp = _stamp(before, known.digest, today)
    if stamp == known.stamp:
        return known
    line = len(fold(f"DTSTAMP:{known.stamp}").encode("utf-8"))
    data = (
        known.data[: known.head] + fold(f"DTSTAMP:{stamp}").encode("utf-8") + known.data[known.head + line :]
    )
    return known._replace(stamp=stamp, data=data)


def _less(counts: dict[Any, int], key: object) -> None:
    counts[key] -= 1
    if not counts[key]:
        del counts[key]


def _stamp(before: Previous | None, digest: str, today: dt.date) -> str:
    return (
        before.stamp
        if before is not None and before.digest == digest and before.stamp
        else f"{_date(today)}T000000Z"
    )


@dataclass(frozen=True)
class _Event:
    """One rendered VEVENT: its folded text around the DTSTAMP line (which `render` adds: it
    depends on the previous feed), the digest of its other lines, and what the calendar needs."""

    sort_key: str
    uid: str
    head: str
    body: str
    digest: str
    tzid: str | None
    day: dt.date


def _render_event(
    item: FollowUp, sequence: int, today: dt.date, settings: Settings, when: str, extra: str
) -> _Event:
    timing = _timing(item, today, settings)
    summary = ("Overdue: " if item.overdue else "") + item.title
    description = [item.detail[:1].upper() + item.detail[1:] + "."]
    if item.overdue:
        description.append(f"Overdue since {item.due.isoformat()}.")
    if extra:
        description.append(extra)
    if item.path:
        description.append(f"Note: {item.path}")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{item.uid}",
        f"SEQUENCE:{sequence}",
        *timing.lines,
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
    ]
    if item.location:
        lines.append(f"LOCATION:{escape_text(item.location)}")
    lines += [
        f"CATEGORIES:{escape_text(item.kind)}",
        # only a timed meeting makes you busy; a date-only one is a free all-day item
        "TRANSP:OPAQUE"
        if item.kind == "interview" and item.start and not item.overdue
        else "TRANSP:TRANSPARENT",
        f"X-IINOTES-KIND:{item.kind}",
        f"X-IINOTES-WHEN:{when}",
    ]
    if settings.alarms:
        trigger = "TRIGGER:-PT15M" if item.start is not None and not item.overdue else "TRIGGER:PT9H"
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(summary)}",
            trigger,
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    sort_key = (
        timing.lines[0].split(":", 1)[1]
        if item.start is None or item.overdue
        else item.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
    )
    day = item.start.date() if item.start is not None else item.due
    head = fold(lines[0]) + fold(lines[1])
    body = "".join(fold(line) for line in lines[2:])
    return _Event(sort_key, item.uid, head, body, _digest(lines), timing.tzid, day)
