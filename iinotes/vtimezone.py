"""VTIMEZONE components for the .ics feed, in the form Outlook handles.

Outlook reads a VTIMEZONE as one yearly rule per STANDARD/DAYLIGHT pair, the way vzic
writes them (`RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU`); a long list of RDATEs, as icalendar
generates by default, makes it shift events by an hour. This module derives the definition
from the IANA data that `zoneinfo` itself loads (the TZif file, its transitions and its POSIX
TZ footer), so it is as current as the installed tzdata.

For a zone whose transitions over the requested years follow one yearly rule, the output is
a STANDARD and a DAYLIGHT component whose DTSTART is the first transition of that rule (in
the local wall time before the change, as vzic writes it) and whose RRULE says "nth (or
last) weekday of a month". A zone without transitions in the range gets one STANDARD
component. Anything else (a rule changed inside the range, rules no RRULE pair expresses)
falls back to one component per observance period, each with its own DTSTART.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import importlib.resources
import os
import re
import struct
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["vtimezone_text", "vtimezones_text"]

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAY = 86400
_MIN_AT = int((dt.datetime.min - _EPOCH).total_seconds()) + 2 * _DAY  # instants a datetime can show
_MAX_AT = int((dt.datetime.max - _EPOCH).total_seconds()) - 2 * _DAY
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_LINE_OCTETS = 75
_HORIZON_YEAR = 2040  # timelines reach at least this far, so that ranges share one cached timeline


class _State(NamedTuple):
    """A local time type: UTC offset in seconds, DST flag and abbreviation (a tuple: cheap to compare)."""

    offset: int
    isdst: bool
    name: str


@dataclass(frozen=True)
class _Transition:
    """A change from one local time type to another at a UTC instant (epoch seconds)."""

    at: int
    before: _State
    after: _State

    @property
    def wall(self) -> dt.datetime:
        """The local wall-clock time of the change, in the offset before it."""
        return _EPOCH + dt.timedelta(seconds=self.at + self.before.offset)


@dataclass(frozen=True)
class _RuleDate:
    """A POSIX TZ rule date: `Mm.w.d`, `Jn` or `n`, with its local time in seconds."""

    form: str
    values: tuple[int, ...]
    time: int

    def local_seconds(self, year: int) -> int:
        """The rule's moment in `year`, as seconds since 1970-01-01 local time."""
        if self.form == "M":
            month, week, weekday = self.values
            day = _nth_weekday(year, month, (weekday - 1) % 7, -1 if week == 5 else week)
        elif self.form == "J":
            (number,) = self.values
            day = dt.date(year, 1, 1) + dt.timedelta(days=number - 1)
            if calendar.isleap(year) and number >= 60:
                day += dt.timedelta(days=1)
        else:
            day = dt.date(year, 1, 1) + dt.timedelta(days=self.values[0])
        return (day.toordinal() - _EPOCH_ORDINAL) * _DAY + self.time


@dataclass(frozen=True)
class _Footer:
    """The POSIX TZ string of a TZif file: the rule in force after its last transition."""

    std: _State
    dst: _State | None
    start: _RuleDate | None
    end: _RuleDate | None

    def changes(self, year: int) -> list[tuple[int, _State]]:
        """The rule's changes in `year`, as (UTC instant, state after), in order."""
        if self.dst is None or self.start is None or self.end is None:
            return []
        start = self.start.local_seconds(year) - self.std.offset
        end = self.end.local_seconds(year) - self.dst.offset
        return sorted([(start, self.dst), (end, self.std)], key=lambda change: change[0])


@dataclass(frozen=True)
class _Zone:
    """The contents of a TZif file that decide local time."""

    before: _State
    table: tuple[tuple[int, _State], ...]
    footer: _Footer | None


@dataclass(frozen=True)
class _Timeline:
    """A zone's state before its first transition, its transitions and their instants."""

    initial: _State
    transitions: tuple[_Transition, ...]
    instants: tuple[int, ...]


@dataclass(frozen=True)
class _YearlyRule:
    """Transitions on the nth (or last) weekday of one month at one wall-clock time."""

    first: _Transition
    month: int
    weekday: int
    seconds: int
    ordinals: frozenset[int]

    @classmethod
    def of(cls, transition: _Transition) -> _YearlyRule:
        """The rules one transition fits (a set of candidate BYDAY ordinals)."""
        wall = transition.wall
        return cls(transition, wall.month, wall.weekday(), _seconds_of_day(wall), _ordinals(wall))

    def extended(self, earlier: _Transition) -> _YearlyRule | None:
        """This rule started one year earlier at `earlier`, or None if that does not fit."""
        wall = earlier.wall
        fits = (
            wall.year == self.first.wall.year - 1
            and (wall.month, wall.weekday(), _seconds_of_day(wall))
            == (self.month, self.weekday, self.seconds)
            and earlier.before == self.first.before
            and earlier.after == self.first.after
        )
        ordinals = self.ordinals & _ordinals(wall)
        if not fits or not ordinals:
            return None
        return _YearlyRule(earlier, self.month, self.weekday, self.seconds, ordinals)

    @property
    def ordinal(self) -> int:
        """The BYDAY ordinal: the nth weekday if that fits every year, else -1 (last)."""
        return min(self.ordinals, key=lambda n: (n < 0, n))

    def at(self, year: int) -> int:
        """The UTC instant of this rule's transition in `year`."""
        day = _nth_weekday(year, self.month, self.weekday, self.ordinal)
        return (day.toordinal() - _EPOCH_ORDINAL) * _DAY + self.seconds - self.first.before.offset

    def rrule(self) -> str:
        """The RRULE value."""
        return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={self.ordinal}{_WEEKDAYS[self.weekday]}"


@dataclass(frozen=True)
class _Observance:
    """One STANDARD or DAYLIGHT sub-component."""

    daylight: bool
    start: dt.datetime
    offset_from: int
    offset_to: int
    name: str
    rrule: str | None = None

    def lines(self) -> list[str]:
        """The component's content lines, unfolded."""
        kind = "DAYLIGHT" if self.daylight else "STANDARD"
        lines = [
            f"BEGIN:{kind}",
            f"TZOFFSETFROM:{_format_offset(self.offset_from)}",
            f"TZOFFSETTO:{_format_offset(self.offset_to)}",
            f"TZNAME:{_escape_text(self.name)}",
            f"DTSTART:{_format_local(self.start)}",
        ]
        if self.rrule:
            lines.append(f"RRULE:{self.rrule}")
        lines.append(f"END:{kind}")
        return lines


def vtimezone_text(tzid: str, first: dt.date, last: dt.date) -> str:
    """The VTIMEZONE block for `tzid`, valid for events from `first` to `last` (CRLF lines)."""
    if first > last:
        raise ValueError(f"first ({first}) is after last ({last})")
    return _vtimezone_text(tzid, first.year, last.year)


def vtimezones_text(tzids: Iterable[str], first: dt.date, last: dt.date) -> str:
    """The VTIMEZONE blocks for several zones, once each, sorted by TZID."""
    return "".join(vtimezone_text(tzid, first, last) for tzid in sorted(set(tzids)))


@functools.lru_cache(maxsize=4096)
def _vtimezone_text(tzid: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE block for whole years `first_year` to `last_year`."""
    start_at = _year_start(first_year) - _DAY
    end_at = _year_start(last_year + 1) + _DAY
    timeline = _timeline(tzid, min(first_year, 1900), max(last_year + 1, _HORIZON_YEAR))
    initial = timeline.initial
    transitions = list(timeline.transitions[: bisect.bisect_left(timeline.instants, end_at)])
    observances = (
        _rule_pair(transitions, start_at, end_at)
        or _fixed(initial, transitions, start_at, first_year)
        or _per_transition(initial, transitions, start_at, first_year)
    )
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    for observance in sorted(observances, key=lambda o: (o.start, o.daylight)):
        lines.extend(observance.lines())
    lines.append("END:VTIMEZONE")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _rule_pair(transitions: list[_Transition], start_at: int, end_at: int) -> list[_Observance] | None:
    """A STANDARD and DAYLIGHT pair with yearly RRULEs, if one describes the whole range."""
    if not transitions or transitions[-1].at < start_at:
        return None
    pair = {transitions[-1].before, transitions[-1].after}
    rules: dict[_State, _YearlyRule] = {}
    index = len(transitions)
    while index > 0:
        transition = transitions[index - 1]
        if {transition.before, transition.after} != pair or not _MIN_AT <= transition.at <= _MAX_AT:
            break
        rule = rules.get(transition.after)
        extended = rule.extended(transition) if rule else _YearlyRule.of(transition)
        if extended is None:
            break
        rules[transition.after] = extended
        index -= 1
    chain = transitions[index:]
    if len(rules) != 2 or chain[0].at > start_at:
        return None
    # The chain matches its rules year by year; what is left to check is that the rules
    # predict no transition in the range that did not happen (a rule abolished in it).
    first_year = (_EPOCH + dt.timedelta(seconds=start_at)).year
    last_year = (_EPOCH + dt.timedelta(seconds=end_at)).year
    predicted = sorted(
        (at, state)
        for state, rule in rules.items()
        for year in range(max(first_year, rule.first.wall.year), last_year + 1)
        if start_at <= (at := rule.at(year)) < end_at
    )
    if predicted != [(t.at, t.after) for t in chain if t.at >= start_at]:
        return None
    return [
        _Observance(
            _is_daylight(rule.first.before, state),
            rule.first.wall,
            rule.first.before.offset,
            state.offset,
            state.name,
            rule.rrule(),
        )
        for state, rule in rules.items()
    ]


def _fixed(
    initial: _State, transitions: list[_Transition], start_at: int, first_year: int
) -> list[_Observance] | None:
    """One STANDARD component, if the zone has no transition in the range."""
    if any(t.at >= start_at for t in transitions):
        return None
    state = transitions[-1].after if transitions else initial
    return [_Observance(False, _default_start(first_year), state.offset, state.offset, state.name)]


def _per_transition(
    initial: _State, transitions: list[_Transition], start_at: int, first_year: int
) -> list[_Observance]:
    """One component per observance period in the range, each starting at its transition."""
    earlier = [t for t in transitions if t.at < start_at]
    if earlier:
        onset = earlier[-1]
        observances = [
            _Observance(
                _is_daylight(onset.before, onset.after),
                onset.wall,
                onset.before.offset,
                onset.after.offset,
                onset.after.name,
            )
        ]
    else:  # the zone's first type: it must start before the first change, which may precede the range
        start = _default_start(first_year)
        if transitions:
            start = min(start, transitions[0].wall - dt.timedelta(days=1))
        observances = [_Observance(False, start, initial.offset, initial.offset, initial.name)]
    for t in transitions[len(earlier) :]:
        observances.append(
            _Observance(
                _is_daylight(t.before, t.after), t.wall, t.before.offset, t.after.offset, t.after.name
            )
        )
    return observances


@functools.lru_cache(maxsize=1024)
def _timeline(tzid: str, first_year: int, last_year: int) -> _Timeline:
    """Every transition of `tzid` up to the end of `last_year` (the TZif table, then its footer)."""
    zone = _load_zone(tzid)
    end_at = _year_start(last_year + 1)
    changes = [(at, state) for at, state in zone.table if at < end_at]
    initial = zone.before
    footer = zone.footer
    if footer is not None and footer.dst is not None:
        if zone.table:
            last_table_at = zone.table[-1][0]
            from_year = (_EPOCH + dt.timedelta(seconds=max(min(last_table_at, _MAX_AT), _MIN_AT))).year
        else:
            last_table_at = None
            from_year = first_year - 1
            previous = footer.changes(from_year - 1)
            initial = previous[-1][1] if previous else footer.std
        for year in range(from_year, last_year + 1):
            changes.extend(
                (at, state)
                for at, state in footer.changes(year)
                if (last_table_at is None or at > last_table_at) and at < end_at
            )
    transitions: list[_Transition] = []
    current = initial
    for index, (at, state) in enumerate(changes):
        if index + 1 < len(changes) and changes[index + 1][0] <= at:
            continue
        if state != current:
            transitions.append(_Transition(at, current, state))
            current = state
    return _Timeline(initial, tuple(transitions), tuple(t.at for t in transitions))


@functools.lru_cache(maxsize=1024)
def _load_zone(tzid: str) -> _Zone:
    """The parsed TZif data for `tzid`, found where zoneinfo finds it."""
    return _parse_tzif(_tzif_bytes(tzid))


def _tzif_bytes(tzid: str) -> bytes:
    """The TZif file zoneinfo loads for `tzid`: the first on TZPATH, else the tzdata package."""
    try:
        zoneinfo.ZoneInfo(tzid)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ValueError(f"unknown time zone {tzid!r}") from None
    for directory in zoneinfo.TZPATH:
        path = os.path.join(directory, tzid)
        if os.path.isfile(path):
            with open(path, "rb") as file:
                return file.read()
    *folders, name = tzid.split("/")
    try:
        return importlib.resources.files(".".join(["tzdata.zoneinfo", *folders])).joinpath(name).read_bytes()
    except (ImportError, OSError):
        raise ValueError(f"unknown time zone {tzid!r}") from None


def _parse_tzif(data: bytes) -> _Zone:
    """The transitions, time types and footer of a TZif file (RFC 8536)."""
    version, counts, offset = _tzif_header(data, 0)
    time_size = 4
    if version >= 2:
        isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = counts
        offset += timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt
        version, counts, offset = _tzif_header(data, offset)
        time_size = 8
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = counts
    times = struct.unpack_from(f">{timecnt}{'q' if time_size == 8 else 'l'}", data, offset)
    offset += timecnt * time_size
    indices = struct.unpack_from(f">{timecnt}B", data, offset)
    offset += timecnt
    raw_types = [struct.unpack_from(">lbB", data, offset + 6 * i) for i in range(typecnt)]
    offset += typecnt * 6
    chars = data[offset : offset + charcnt]
    offset += charcnt
    types = [
        _State(utoff, bool(isdst), chars[index : chars.index(b"\x00", index)].decode("ascii", "replace"))
        for utoff, isdst, index in raw_types
    ]
    footer = None
    if version >= 2:
        offset += leapcnt * (time_size + 4) + isstdcnt + isutcnt
        text = data[offset + 1 : data.index(b"\n", offset + 1)].decode("ascii")
        footer = _parse_footer(text) if text else None
    table = tuple((at, types[index]) for at, index in zip(times, indices, strict=True))
    before = next((state for state in types if not state.isdst), table[0][1] if table else None)
    if before is None:
        if footer is None:
            raise ValueError("TZif file without time types")
        before = footer.std
    return _Zone(before, table, footer)


def _tzif_header(data: bytes, offset: int) -> tuple[int, tuple[int, ...], int]:
    """The version and six counts of the TZif header at `offset`, and where its data starts."""
    if data[offset : offset + 4] != b"TZif":
        raise ValueError("not a TZif file")
    version = 1 if data[offset + 4] == 0 else int(chr(data[offset + 4]))
    counts = struct.unpack_from(">6l", data, offset + 20)
    return version, counts, offset + 44


_NAME = r"(?:<[^>]*>|[A-Za-z]+)"
_OFFSET = r"[+-]?\d{1,3}(?::\d{2}(?::\d{2})?)?"
_RULE = rf"(?:M\d{{1,2}}\.\d\.\d|J\d{{1,3}}|\d{{1,3}})(?:/{_OFFSET})?"
_FOOTER = re.compile(
    rf"(?P<std>{_NAME})(?P<stdoff>{_OFFSET})"
    rf"(?:(?P<dst>{_NAME})(?P<dstoff>{_OFFSET})?(?:,(?P<start>{_RULE}),(?P<end>{_RULE}))?)?\Z"
)


def _parse_footer(text: str) -> _Footer:
    """The POSIX TZ string of a TZif footer."""
    match = _FOOTER.match(text)
    if not match:
        raise ValueError(f"unsupported TZ string {text!r}")
    std = _State(-_parse_hms(match["stdoff"]), False, match["std"].strip("<>"))
    if not match["dst"]:
        return _Footer(std, None, None, None)
    dst_offset = -_parse_hms(match["dstoff"]) if match["dstoff"] else std.offset + 3600
    dst = _State(dst_offset, True, match["dst"].strip("<>"))
    if not match["start"]:
        raise ValueError(f"TZ string without transition rules: {text!r}")
    return _Footer(std, dst, _parse_rule_date(match["start"]), _parse_rule_date(match["end"]))


def _parse_rule_date(text: str) -> _RuleDate:
    """A POSIX TZ rule date such as `M3.2.0/2`."""
    date, _, time = text.partition("/")
    seconds = _parse_hms(time) if time else 7200
    if date.startswith("M"):
        return _RuleDate("M", tuple(int(part) for part in date[1:].split(".")), seconds)
    if date.startswith("J"):
        return _RuleDate("J", (int(date[1:]),), seconds)
    return _RuleDate("N", (int(date),), seconds)


def _parse_hms(text: str) -> int:
    """Seconds in a signed `hh[:mm[:ss]]`."""
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")]
    hours, minutes, seconds = (parts + [0, 0])[:3]
    return sign * (hours * 3600 + minutes * 60 + seconds)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The nth `weekday` (Monday = 0) of a month; n = -1 is the last one."""
    if n < 0:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _ordinals(day: dt.date) -> frozenset[int]:
    """The BYDAY ordinals that name `day` within its month: n, and -1 if it is the last."""
    ordinals = {(day.day - 1) // 7 + 1}
    if day.day + 7 > calendar.monthrange(day.year, day.month)[1]:
        ordinals.add(-1)
    return frozenset(n for n in ordinals if n <= 4 or n < 0)


def _seconds_of_day(moment: dt.datetime) -> int:
    """Seconds since midnight."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _is_daylight(before: _State, after: _State) -> bool:
    """Whether a change leads into daylight time: the higher offset when DST flags differ."""
    if before.isdst != after.isdst and before.offset != after.offset:
        return after.offset > before.offset
    return after.isdst


def _year_start(year: int) -> int:
    """Epoch seconds of 1 January of `year`, 00:00 UTC."""
    return (dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY


def _default_start(first_year: int) -> dt.datetime:
    """DTSTART for a zone without a change in range: 1970-01-01, or earlier for older ranges."""
    return dt.datetime(min(first_year, 1970), 1, 1)


def _format_local(moment: dt.datetime) -> str:
    """A floating DATE-TIME value, `YYYYMMDDTHHMMSS`."""
    day = f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
    return f"{day}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def _format_offset(seconds: int) -> str:
    """A UTC offset as `+hhmm`, or `+hhmmss` when it has seconds."""
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _escape_text(value: str) -> str:
    """A TEXT value with RFC 5545 escapes."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 sequence."""
    encoded = line.encode("utf-8")
    if len(encoded) <= _LINE_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = _LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, _LINE_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)
