"""VTIMEZONE generation, checked by evaluating the emitted text independently of the code
that made it and comparing every sample local time with zoneinfo.

Three readers evaluate the VTIMEZONE text: a small evaluator in this file (icalendar parses
the text, dateutil expands RRULE/RDATE), icalendar's own `Timezone.to_tz(lookup_tzid=False)`
(dateutil's tzical, built from the component rather than looked up by TZID), and Mozilla's
ical.js via tests/icaljs_dump.mjs (skipped when node or ical.js is absent).

Ambiguous local times: the evaluator here follows zoneinfo's fold=0, i.e. the offset in
force *before* the transition, both in a gap (02:30 on a spring-forward night is read with
the old, standard offset) and in an overlap (01:30 on a fall-back night is the first, DST
one). It is compared exactly, gaps and overlaps included. ical.js reads both with the
offset *after* the transition (fold=1) and dateutil's tzical reads gaps that way; for those
readers the test accepts either interpretation in a gap or overlap, and asserts which one
ical.js chose for the two named instants.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import icalendar
import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iinotes import vtimezone as vtz
from iinotes.vtimezone import vtimezone_text, vtimezones_text

REPO = Path(__file__).resolve().parent.parent
UTC = dt.UTC
HOUR = dt.timedelta(hours=1)

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Honolulu",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Africa/Casablanca",
    "Asia/Tehran",
    "America/Santiago",
]
RANGES = [(2024, 2026), (2024, 2031)]
GAP_BERLIN = ("Europe/Berlin", dt.datetime(2024, 3, 31, 2, 30))
OVERLAP_NEW_YORK = ("America/New_York", dt.datetime(2024, 11, 3, 1, 30))


# --- reference: zoneinfo ---------------------------------------------------------------------


def utc_of(tzid: str, wall: dt.datetime, fold: int = 0) -> dt.datetime:
    """The UTC instant (naive) zoneinfo gives a local wall time with `fold`."""
    offset = wall.replace(tzinfo=zoneinfo.ZoneInfo(tzid), fold=fold).utcoffset()
    assert offset is not None
    return (wall - offset).replace(fold=0)


def in_gap(tzid: str, wall: dt.datetime) -> bool:
    """Whether the wall time is skipped by a forward transition."""
    zone = zoneinfo.ZoneInfo(tzid)
    back = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back != wall


def is_ambiguous(tzid: str, wall: dt.datetime) -> bool:
    """Whether the wall time is in a gap or an overlap (fold=0 and fold=1 disagree)."""
    return utc_of(tzid, wall, 0) != utc_of(tzid, wall, 1)


def zoneinfo_transitions(
    tzid: str, start: dt.datetime, end: dt.datetime, step: dt.timedelta
) -> list[tuple[dt.datetime, int, int]]:
    """(UTC instant, offset before, offset after) of each change zoneinfo shows, found by bisection."""
    zone = zoneinfo.ZoneInfo(tzid)

    def offset(ts: int) -> int:
        value = dt.datetime.fromtimestamp(ts, zone).utcoffset()
        assert value is not None
        return value // dt.timedelta(seconds=1)

    epoch = dt.datetime(1970, 1, 1)
    first, last, stride = (
        int((start - epoch).total_seconds()),
        int((end - epoch).total_seconds()),
        int(step.total_seconds()),
    )
    found = []
    current = offset(first)
    for moment in range(first, last, stride):
        if offset(moment + stride) != current:
            low, high = moment, moment + stride
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            found.append((epoch + dt.timedelta(seconds=high), current, offset(high)))
            current = offset(high)
    return found


def near_change(tzid: str, wall: dt.datetime) -> bool:
    """Whether the offset changes within two hours of a wall time."""
    return utc_of(tzid, wall - 2 * HOUR) - (wall - 2 * HOUR) != utc_of(tzid, wall + 2 * HOUR) - (
        wall + 2 * HOUR
    )


def sample_walls(
    tzid: str,
    first_year: int,
    last_year: int,
    step: dt.timedelta = dt.timedelta(hours=17),
    scan: dt.timedelta = dt.timedelta(hours=6),
) -> list[dt.datetime]:
    """Local wall times: every `step` across the years, and around every transition (found every `scan`)."""
    start, end = dt.datetime(first_year, 1, 1), dt.datetime(last_year + 1, 1, 1)
    walls = set()
    moment = start
    while moment < end:
        walls.add(moment)
        moment += step
    for at, before, after in zoneinfo_transitions(tzid, start - dt.timedelta(days=1), end, scan):
        for wall in (at + dt.timedelta(seconds=before), at + dt.timedelta(seconds=after)):
            for seconds in (-3600, -1, 0, 1, 1800, 3599, 3600):
                walls.add(wall + dt.timedelta(seconds=seconds))
    for zone, wall in (GAP_BERLIN, OVERLAP_NEW_YORK):
        if zone == tzid and start <= wall < end:
            walls.add(wall)
    return sorted(wall for wall in walls if start <= wall < end)


# --- an independent evaluator of VTIMEZONE text ----------------------------------------------


@dataclass(frozen=True)
class Onset:
    """One expanded observance onset: its UTC instant, offsets and TZNAME."""

    utc: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str


class Evaluator:
    """Local time -> UTC offset, from a parsed VTIMEZONE, with zoneinfo's fold=0 semantics.

    Each onset (DTSTART, RRULE and RDATE instances, a wall time in TZOFFSETFROM) applies to
    wall times from onset + max(0, TO - FROM) on: in a gap the old offset still holds until
    the end of the gap, in an overlap the old offset holds until its own wall clock reaches
    the onset.
    """

    def __init__(self, component: icalendar.cal.Component, until: dt.datetime) -> None:
        onsets: list[Onset] = []
        sub: Any
        for sub in component.subcomponents:
            assert sub.name in ("STANDARD", "DAYLIGHT")
            start = sub["DTSTART"].dt
            assert isinstance(start, dt.datetime) and start.tzinfo is None
            offset_from, offset_to = sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td
            times = {start}
            rules = sub.get("RRULE")
            for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
                times.update(rrulestr(rule.to_ical().decode(), dtstart=start).between(start, until, inc=True))
            rdates = sub.get("RDATE")
            for rdate in rdates if isinstance(rdates, list) else [rdates] if rdates is not None else []:
                times.update(entry.dt for entry in rdate.dts)
            onsets.extend(
                Onset(time - offset_from, offset_from, offset_to, str(sub["TZNAME"])) for time in times
            )
        self.onsets = sorted(onsets, key=lambda onset: onset.utc)
        self.thresholds = [onset.utc + max(onset.offset_from, onset.offset_to) for onset in self.onsets]
        assert self.thresholds == sorted(self.thresholds), "observances overlap"

    def lookup(self, wall: dt.datetime) -> Onset:
        """The onset in force at a local wall time (fold=0)."""
        index = bisect.bisect_right(self.thresholds, wall) - 1
        assert index >= 0, f"{wall} is before the first observance"
        return self.onsets[index]


def parse_vtimezone(text: str) -> icalendar.cal.Component:
    """The one VTIMEZONE in `text`, parsed by icalendar."""
    calendar = icalendar.Calendar.from_ical(wrap(text, []))
    (component,) = calendar.walk("VTIMEZONE")
    return component


def wrap(vtimezones: str, events: list[str]) -> str:
    """A minimal VCALENDAR around VTIMEZONE text and VEVENT blocks."""
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//iinotes//tests//EN\r\n"
    return head + vtimezones + "".join(events) + "END:VCALENDAR\r\n"


def vevent(uid: str, tzid: str, start: dt.datetime, end: dt.datetime) -> str:
    """A VEVENT with DTSTART/DTEND in local time of `tzid`."""
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:sample\r\n"
        f"DTSTART;TZID={tzid}:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID={tzid}:{end:%Y%m%dT%H%M%S}\r\nEND:VEVENT\r\n"
    )


def check_against_zoneinfo(
    tzid: str, first_year: int, last_year: int, walls: list[dt.datetime], text: str | None = None
) -> None:
    """The evaluated text gives zoneinfo's fold=0 offset and abbreviation at every wall time."""
    text = text or vtimezone_text(tzid, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    evaluator = Evaluator(parse_vtimezone(text), dt.datetime(last_year + 2, 1, 1))
    check_evaluator(tzid, evaluator, walls, text)


def check_evaluator(tzid: str, evaluator: Evaluator, walls: list[dt.datetime], text: str) -> None:
    """The evaluator gives zoneinfo's fold=0 offset and abbreviation at every wall time."""
    zone = zoneinfo.ZoneInfo(tzid)
    wrong = []
    for wall in walls:
        onset = evaluator.lookup(wall)
        aware = wall.replace(tzinfo=zone)
        if onset.offset_to != aware.utcoffset() or onset.name != aware.tzname():
            wrong.append((wall, onset.offset_to, onset.name, aware.utcoffset(), aware.tzname()))
    assert not wrong, f"{tzid}: {len(wrong)} wrong, first {wrong[:3]}\n{text}"


@cache
def samples(tzid: str, first_year: int, last_year: int) -> tuple[dt.datetime, ...]:
    """The sample wall times for a zone and range (cached across tests)."""
    return tuple(sample_walls(tzid, first_year, last_year))


# --- the evaluated offsets -------------------------------------------------------------------


@pytest.mark.parametrize(("first_year", "last_year"), RANGES)
@pytest.mark.parametrize("tzid", ZONES)
def test_evaluated_offsets_match_zoneinfo(tzid: str, first_year: int, last_year: int) -> None:
    check_against_zoneinfo(tzid, first_year, last_year, list(samples(tzid, first_year, last_year)))


def test_every_zone_evaluates_like_zoneinfo() -> None:
    """All zones zoneinfo knows, 2024-2031, sampled every 4 days and around each transition."""
    zones = sorted(zoneinfo.available_timezones())
    text = vtimezones_text(zones, dt.date(2024, 1, 1), dt.date(2031, 12, 31))
    parsed = icalendar.Calendar.from_ical(wrap(text, [])).walk("VTIMEZONE")
    assert [str(component["TZID"]) for component in parsed] == zones
    for tzid, component in zip(zones, parsed, strict=True):
        walls = sample_walls(tzid, 2024, 2031, dt.timedelta(days=4), dt.timedelta(days=4))
        check_evaluator(
            tzid, Evaluator(component, dt.datetime(2033, 1, 1)), walls, component.to_ical().decode()
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tzid=st.sampled_from(sorted(zoneinfo.available_timezones())),
    first_year=st.integers(1900, 2037),
    span=st.integers(0, 6),
    data=st.data(),
)
def test_any_zone_and_range_evaluates_like_zoneinfo(
    tzid: str, first_year: int, span: int, data: st.DataObject
) -> None:
    last_year = first_year + span
    walls = data.draw(
        st.lists(
            st.datetimes(dt.datetime(first_year, 1, 1), dt.datetime(last_year, 12, 31, 23, 59, 59)),
            min_size=1,
            max_size=40,
        )
    )
    # fold=0: the evaluator answers for the first occurrence (hypothesis also draws fold=1 datetimes)
    check_against_zoneinfo(
        tzid, first_year, last_year, [wall.replace(microsecond=0, fold=0) for wall in walls]
    )


def test_first_change_just_before_the_range_is_kept():
    """Found by hypothesis: Madrid left LMT at 1901-01-01 00:00 UTC, 23:45:16 local on the eve of
    the range; the zone's first type must start before that change, not on the range's first day."""
    check_against_zoneinfo("Europe/Madrid", 1901, 1901, [dt.datetime(1901, 1, 1, 0, 0)])


# --- icalendar: the calendar parses, and its tzinfo built from our VTIMEZONE agrees ------------


@pytest.mark.parametrize(("first_year", "last_year"), RANGES)
def test_icalendar_tz_from_component_matches_zoneinfo(first_year: int, last_year: int) -> None:
    first, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    events = [
        vevent(f"{tzid}#{index}", tzid, wall, wall + HOUR)
        for tzid in ZONES
        for index, wall in enumerate(samples(tzid, first_year, last_year))
        if index % 10 == 0 or near_change(tzid, wall)
    ]
    calendar = icalendar.Calendar.from_ical(wrap(vtimezones_text(ZONES, first, last), events))
    tzinfos = {
        str(c["TZID"]): c.to_tz(lookup_tzid=False)
        for c in calendar.walk("VTIMEZONE")
        if isinstance(c, icalendar.Timezone)
    }
    assert sorted(tzinfos) == sorted(ZONES)
    assert all(type(tz).__module__.startswith("dateutil") for tz in tzinfos.values())
    checked = 0
    for event in calendar.walk("VEVENT"):
        prop: Any = event["DTSTART"]
        assert isinstance(prop.dt, dt.datetime)
        tzid, wall = prop.params["TZID"], prop.dt.replace(tzinfo=None)
        got = (wall.replace(tzinfo=tzinfos[tzid]).astimezone(UTC)).replace(tzinfo=None)
        if in_gap(tzid, wall):
            assert got in (utc_of(tzid, wall, 0), utc_of(tzid, wall, 1)), (tzid, wall, got)
        else:
            assert got == utc_of(tzid, wall), (tzid, wall, got)
        checked += 1
    assert checked == len(events)


# --- ical.js ---------------------------------------------------------------------------------


def icaljs_dir() -> str | None:
    """A folder whose node_modules holds ical.js (ICALJS_DIR, else .ci/node), if node is there."""
    if not shutil.which("node"):
        return None
    for candidate in (os.environ.get("ICALJS_DIR"), str(REPO / ".ci" / "node")):
        if candidate and (Path(candidate) / "node_modules" / "ical.js").is_dir():
            return candidate
    return None


def run_icaljs(streams: list[str]) -> list[list[dict[str, str]]]:
    """Each VEVENT of each stream as ical.js reads it with the stream's own VTIMEZONEs (in parallel)."""
    folder = icaljs_dir()
    if folder is None:
        pytest.skip("node or ical.js not available (set ICALJS_DIR)")
    env = {**os.environ, "ICALJS_DIR": folder, "TZ": "Asia/Kathmandu"}
    command = ["node", str(REPO / "tests" / "icaljs_dump.mjs")]
    processes = [
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in streams
    ]
    results = []
    for process, stream in zip(processes, streams, strict=True):
        out, err = process.communicate(stream.encode(), timeout=120)
        assert process.returncode == 0, err.decode()
        results.append(json.loads(out))
    return results


def parse_utc(text: str) -> dt.datetime:
    """A `...Z` ISO string as a naive UTC datetime."""
    assert text.endswith("Z")
    return dt.datetime.fromisoformat(text[:-1])


def test_icaljs_matches_zoneinfo() -> None:
    streams, walls = [], {}
    for first_year, last_year in RANGES:
        events = []
        for tzid in ZONES:
            for index, wall in enumerate(samples(tzid, first_year, last_year)):
                uid = f"{first_year}-{last_year}/{tzid}#{index}"
                walls[uid] = (tzid, wall)
                events.append(vevent(uid, tzid, wall, wall + HOUR))
        streams.append(
            wrap(vtimezones_text(ZONES, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)), events)
        )
    read = [event for result in run_icaljs(streams) for event in result]
    assert len(read) == len(walls)
    ambiguous: dict[tuple[str, dt.datetime], str] = {}
    for event in read:
        tzid, wall = walls[event["uid"]]
        assert event["tzid"] == tzid
        for value, local in ((event["dtstart"], wall), (event["dtend"], wall + HOUR)):
            got = parse_utc(value)
            before, after = utc_of(tzid, local, 0), utc_of(tzid, local, 1)
            if before != after:
                assert got in (before, after), (tzid, local, got)
                ambiguous[(tzid, local)] = (
                    "pre-transition offset" if got == before else "post-transition offset"
                )
            else:
                assert got == before, (tzid, local, got, event)
    # What ical.js 2 does (recorded): in the Berlin gap and the New York overlap it uses the
    # offset after the transition: 02:30 is read as 02:30 CEST, 01:30 as 01:30 EST.
    assert ambiguous[GAP_BERLIN] == "post-transition offset"
    assert ambiguous[OVERLAP_NEW_YORK] == "post-transition offset"


# --- the shape of the output -----------------------------------------------------------------


def components(text: str) -> list[dict[str, str]]:
    """The STANDARD/DAYLIGHT components of one VTIMEZONE as {property: value}, with KIND."""
    found: list[dict[str, str]] = []
    for line in text.split("\r\n"):
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            found.append({"KIND": line[6:]})
        elif found and ":" in line and not line.startswith("END:"):
            name, _, value = line.partition(":")
            found[-1].setdefault(name, value)
    return found


YEARLY_RULES = {
    # zone: {kind: (DTSTART, TZOFFSETFROM, TZOFFSETTO, TZNAME, RRULE)}
    "America/New_York": {
        "DAYLIGHT": ("20070311T020000", "-0500", "-0400", "EDT", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
        "STANDARD": ("20071104T020000", "-0400", "-0500", "EST", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
    },
    "Europe/Berlin": {
        "DAYLIGHT": ("19960331T020000", "+0100", "+0200", "CEST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
        "STANDARD": ("19961027T030000", "+0200", "+0100", "CET", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
    },
    "Europe/London": {
        "DAYLIGHT": ("19960331T010000", "+0000", "+0100", "BST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
        "STANDARD": ("19961027T020000", "+0100", "+0000", "GMT", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
    },
    "Australia/Sydney": {
        "DAYLIGHT": ("20081005T020000", "+1000", "+1100", "AEDT", "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
        "STANDARD": ("20080406T030000", "+1100", "+1000", "AEST", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
    },
    "Pacific/Auckland": {
        "DAYLIGHT": ("20070930T020000", "+1200", "+1300", "NZDT", "FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU"),
        "STANDARD": ("20080406T030000", "+1300", "+1200", "NZST", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
    },
}


@pytest.mark.parametrize(("first_year", "last_year"), RANGES)
@pytest.mark.parametrize("tzid", sorted(YEARLY_RULES))
def test_regular_dst_is_one_rrule_pair(tzid: str, first_year: int, last_year: int) -> None:
    text = vtimezone_text(tzid, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    found = {
        c["KIND"]: (c["DTSTART"], c["TZOFFSETFROM"], c["TZOFFSETTO"], c["TZNAME"], c["RRULE"])
        for c in components(text)
    }
    assert len(components(text)) == 2
    assert found == YEARLY_RULES[tzid]
    assert "RDATE" not in text


@pytest.mark.parametrize(
    ("tzid", "offset", "name"),
    [
        ("Pacific/Kiritimati", "+1400", "+14"),
        ("Pacific/Honolulu", "-1000", "HST"),
        ("Asia/Kolkata", "+0530", "IST"),
        ("America/Sao_Paulo", "-0300", "-03"),
        ("Asia/Tehran", "+0330", "+0330"),
        ("Asia/Tokyo", "+0900", "JST"),
        ("America/Phoenix", "-0700", "MST"),
        ("UTC", "+0000", "UTC"),
    ],
)
def test_zone_without_dst_is_one_standard(tzid: str, offset: str, name: str) -> None:
    text = vtimezone_text(tzid, dt.date(2024, 5, 1), dt.date(2031, 2, 1))
    assert text == (
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n"
        f"TZNAME:{name}\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )


@pytest.mark.parametrize(("first_year", "last_year"), RANGES)
@pytest.mark.parametrize("tzid", ["Africa/Casablanca", "America/Santiago"])
def test_irregular_zone_gets_one_component_per_observance(tzid: str, first_year: int, last_year: int) -> None:
    text = vtimezone_text(tzid, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    found = components(text)
    assert "RRULE" not in text and "RDATE" not in text
    start, end = dt.datetime(first_year, 1, 1), dt.datetime(last_year + 1, 1, 1)
    changes = zoneinfo_transitions(tzid, start - dt.timedelta(days=1), end, dt.timedelta(hours=6))
    # one component for the period the range starts in, one per transition inside it
    assert len(found) == 1 + len(changes)
    starts = [dt.datetime.strptime(c["DTSTART"], "%Y%m%dT%H%M%S") for c in found]
    assert (
        starts == sorted(starts)
        and starts[0] <= start
        and starts[1:] == [at + dt.timedelta(seconds=before) for at, before, _ in changes]
    )


@pytest.mark.parametrize(
    ("tzid", "first_year", "last_year", "rrule"),
    [
        ("America/New_York", 2005, 2008, False),  # the 2007 rule change is inside the range
        ("America/New_York", 2008, 2010, True),
        ("Europe/Berlin", 1994, 1997, False),  # DST ended in September until 1995
        ("Europe/Berlin", 1997, 2000, True),
        ("America/Sao_Paulo", 2017, 2021, False),  # DST moved to November in 2018, ended in February 2019
        ("America/Sao_Paulo", 2019, 2021, False),  # ... and never started again: the 2018 rule is no good
        ("Asia/Tehran", 2020, 2024, False),  # DST abolished after 2022
        ("Asia/Tehran", 2010, 2012, False),  # Iran's DST follows the Persian calendar
        ("Europe/Moscow", 2010, 2015, False),  # permanent +04 from 2011, +03 from 2014
        ("Australia/Sydney", 2006, 2009, False),
        ("Africa/Casablanca", 2012, 2014, False),  # DST with a Ramadan pause
    ],
)
def test_historical_ranges(tzid: str, first_year: int, last_year: int, rrule: bool) -> None:
    text = vtimezone_text(tzid, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    assert ("RRULE" in text) == rrule, text
    check_against_zoneinfo(tzid, first_year, last_year, sample_walls(tzid, first_year, last_year))


def test_historical_offsets_with_seconds() -> None:
    text = vtimezone_text("Africa/Monrovia", dt.date(1970, 1, 1), dt.date(1973, 12, 31))
    assert "TZOFFSETFROM:-004430\r\n" in text and "TZOFFSETTO:+0000\r\n" in text
    check_against_zoneinfo("Africa/Monrovia", 1970, 1973, sample_walls("Africa/Monrovia", 1970, 1973))
    assert vtz._format_offset(-(4 * 3600 + 56 * 60 + 2)) == "-045602"
    assert vtz._format_offset(5 * 3600 + 30 * 60 + 28) == "+053028"
    assert vtz._format_offset(0) == "+0000"
    assert vtz._format_offset(14 * 3600) == "+1400"


def test_lines_are_crlf_and_folded() -> None:
    text = vtimezones_text(sorted(zoneinfo.available_timezones()), dt.date(2024, 1, 1), dt.date(2031, 12, 31))
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75
    long = "X-LONG:" + "é" * 60 + "a" * 50
    folded = vtz._fold(long)
    assert all(len(line.encode()) <= 75 for line in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long
    assert vtz._fold("SHORT:x") == "SHORT:x"


def test_vtimezones_text_sorts_and_deduplicates() -> None:
    first, last = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    text = vtimezones_text(["Europe/Berlin", "America/New_York", "Europe/Berlin"], first, last)
    assert text == vtimezone_text("America/New_York", first, last) + vtimezone_text(
        "Europe/Berlin", first, last
    )
    assert vtimezones_text([], first, last) == ""


@pytest.mark.parametrize(
    "tzid", ["Nowhere/Special", "", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe"]
)
def test_unknown_zone_is_value_error(tzid: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        vtimezone_text(tzid, dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_reversed_range_is_value_error() -> None:
    with pytest.raises(ValueError):
        vtimezone_text("Europe/Berlin", dt.date(2025, 1, 1), dt.date(2024, 1, 1))


def test_range_inside_one_year_covers_the_year() -> None:
    assert vtimezone_text("Europe/Berlin", dt.date(2024, 3, 1), dt.date(2024, 3, 2)) == vtimezone_text(
        "Europe/Berlin", dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    )


def test_footer_rules_parse() -> None:
    footer = vtz._parse_footer("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")
    assert footer.std == vtz._State(-7200, False, "-02") and footer.dst == vtz._State(-3600, True, "-01")
    assert footer.start == vtz._RuleDate("M", (3, 5, 0), -3600)
    jerusalem = vtz._parse_footer("IST-2IDT,M3.4.4/26,M10.5.0")
    assert jerusalem.start is not None and jerusalem.start.time == 26 * 3600
    assert vtz._parse_footer("<+0545>-5:45").std.offset == 5 * 3600 + 45 * 60
    julian = vtz._RuleDate("J", (60,), 0)  # 1 March, also in leap years
    assert dt.datetime(1970, 1, 1) + dt.timedelta(seconds=julian.local_seconds(2024)) == dt.datetime(
        2024, 3, 1
    )
    zero_based = vtz._RuleDate("N", (59,), 3600)  # 29 February in a leap year
    assert dt.datetime(1970, 1, 1) + dt.timedelta(seconds=zero_based.local_seconds(2024)) == dt.datetime(
        2024, 2, 29, 1
    )


# --- determinism -----------------------------------------------------------------------------


def test_output_is_byte_identical_across_processes() -> None:
    script = (
        "import datetime as d, sys, zoneinfo\n"
        "from iinotes.vtimezone import vtimezones_text\n"
        "zones = list(zoneinfo.available_timezones())\n"
        "sys.stdout.buffer.write(vtimezones_text(zones, d.date(2024, 1, 1), d.date(2031, 12, 31)).encode())\n"
    )
    outputs = []
    for seed, tz, lang in (
        ("0", "UTC", "C"),
        ("4242", "Pacific/Chatham", "de_DE.UTF-8"),
        ("random", "America/St_Johns", "tr_TR.UTF-8"),
    ):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "TZ": tz,
            "LC_ALL": lang,
            "LANG": lang,
            "PYTHONPATH": str(REPO),
        }
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, check=True, timeout=60
        )
        outputs.append(result.stdout)
    here = vtimezones_text(
        zoneinfo.available_timezones(), dt.date(2024, 1, 1), dt.date(2031, 12, 31)
    ).encode()
    assert outputs[0] == outputs[1] == outputs[2] == here
    assert re.search(rb"TZID:Europe/Berlin\r\n", here)
