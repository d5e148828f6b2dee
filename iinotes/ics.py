"""Render follow-ups as an RFC 5545 calendar (pure: values in, bytes out).

Our own writer rather than icalendar's `to_ical`, because every byte must be pinned: no
DTSTAMP from the wall clock (an unchanged event keeps the previous feed's), no random UIDs,
VTIMEZONEs sorted by name (RRULE-based, from `vtimezone`), events sorted, TEXT escaped exactly
once, lines folded at 75 octets on UTF-8 character boundaries, CRLF, no BOM. Tests read every
feed back with icalendar and ical.js."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

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


def previous_sequences(feed: bytes | None) -> dict[str, Previous]:
    """UID -> Previous from a feed written before: the state that makes SEQUENCE rise and keeps
    an unchanged event's DTSTAMP (and so its bytes) as they were."""
    if not feed:
        return {}
    text = feed.decode("utf-8", "replace").replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
    result: dict[str, Previous] = {}
    uid, sequence, when, stamp = None, 0, "", ""
    lines: list[str] = []
    for line in text.split("\n"):
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
            result[uid] = Previous(sequence, when, stamp, _digest(lines))
    return result


def _when_key(item: FollowUp) -> str:
    """What SEQUENCE tracks: the item's day, time and length (not its overdue display)."""
    if item.start is None:
        return item.due.isoformat()
    return f"{item.start.astimezone(dt.UTC).isoformat()}/{item.minutes}"


def in_feed(items: list[FollowUp], today: dt.date, horizon_days: int) -> list[FollowUp]:
    """The items the feed shows: overdue ones and those due within the horizon."""
    try:
        last = today + dt.timedelta(days=horizon_days)
    except OverflowError:
        last = dt.date.max
    return [item for item in items if item.overdue or item.due <= last]


def render(
    items: Sequence[FollowUp],
    settings: Settings,
    today: dt.date,
    *,
    previous: bytes | None = None,
    private: dict[str, str] | None = None,
    sequences: dict[str, Previous] | None = None,
    memo: dict[int, tuple[FollowUp, str, tuple[object, ...], _Event]] | None = None,
    drafts: dict[str, str] | None = None,
) -> bytes:
    """The calendar for `items` (already filtered with `in_feed`) as bytes.

    `previous`: the last feed written, so SEQUENCE rises when an item's time changes and an
    event whose every other line is unchanged keeps its DTSTAMP (a feed regenerated on a later
    day without edits is byte-identical); a new or changed event is stamped today at 00:00 UTC.
    Or `sequences`, what `previous_sequences(previous)` would give (it is updated in place to this
    feed's). `private`: contact path -> extra description text (emails, phones), used only when
    the vault opts in with `feed.private_details`. `memo`: rendered events kept between calls
    (an event whose inputs are equal is not rendered again). `drafts`: UID -> the drafted message
    the description carries (`feed.drafts`)."""
    old = sequences if sequences is not None else previous_sequences(previous)
    new: dict[str, Previous] = {}
    stamp = f"{_date(today)}T000000Z"
    events: list[tuple[_Event, str]] = []
    zones: set[str] = set()
    first, last = dt.date.max, dt.date.min
    fresh: dict[int, tuple[FollowUp, str, tuple[object, ...], _Event]] = {}
    for item in items:
        # keyed by identity: unchanged contacts give the very same FollowUp objects (the memo holds
        # them, so an id is never reused while its entry lives)
        known = memo.get(id(item)) if memo is not None else None
        if known is not None and known[0] is not item:
            known = None
        when = known[1] if known is not None else _when_key(item)
        before = old.get(item.uid)
        sequence = 0 if before is None else before.sequence + (before.when != when)
        extra = private.get(item.contact_path or "", "") if private and settings.private_details else ""
        if drafts and item.uid in drafts:
            extra = f"{extra}\n\n{drafts[item.uid]}" if extra else drafts[item.uid]
        inputs = (sequence, today, settings.alarms, settings.private_details, extra)
        event = (
            known[3]
            if known is not None and known[2] == inputs
            else _render_event(item, sequence, today, settings, when, extra)
        )
        fresh[id(item)] = (item, when, inputs, event)
        kept = before.stamp if before is not None and before.digest == event.digest else ""
        new[item.uid] = Previous(sequence, when, kept or stamp, event.digest)
        events.append((event, new[item.uid].stamp))
        if event.tzid:
            zones.add(event.tzid)
            first, last = min(first, event.day), max(last, event.day)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    if sequences is not None:
        sequences.clear()
        sequences.update(new)
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
        parts.append(vtimezones_text(sorted(zones), first, last))
    for event, event_stamp in sorted(events, key=lambda pair: (pair[0].sort_key, pair[0].uid)):
        parts += [event.head, fold(f"DTSTAMP:{event_stamp}"), event.body]
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode("utf-8")


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
