"""Independent readers for feeds: icalendar (Python) and Mozilla's ical.js (node), each giving
the same plain summary of every event so tests can compare them with what we meant."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest

REPO = Path(__file__).resolve().parent.parent


def icaljs_dir() -> str | None:
    """Where ical.js is installed (ICALJS_DIR, else .ci/node as .ci/run installs it), or None."""
    for candidate in (os.environ.get("ICALJS_DIR"), str(REPO / ".ci" / "node")):
        if candidate and (Path(candidate) / "node_modules" / "ical.js").is_dir() and shutil.which("node"):
            return candidate
    return None


def read_icalendar(data: bytes) -> list[dict[str, object]]:
    """Every VEVENT as icalendar reads it: UID, summary, start/end (UTC instants or dates), TZID."""
    calendar = icalendar.Calendar.from_ical(data)
    events = []
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if "DTEND" in event else start + event.decoded("DURATION")
        timed = isinstance(start, dt.datetime)
        assert not timed or start.tzinfo is not None, "floating time"
        events.append(
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "description": str(event.get("DESCRIPTION", "")),
                "location": str(event.get("LOCATION", "")) or None,
                "sequence": int(event.get("SEQUENCE", 0)),
                "allDay": not timed,
                "tzid": (event["DTSTART"].params.get("TZID") or None) if timed else None,
                "start": _utc(start),
                "end": _utc(end),
                "alarms": len(event.walk("VALARM")),
            }
        )
    return events


def _utc(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def read_icaljs(data: bytes) -> list[dict[str, object]]:
    """Every VEVENT as ical.js reads it (pytest skips when node or ical.js is missing)."""
    folder = icaljs_dir()
    if folder is None:
        if os.environ.get("CI") and shutil.which("node"):
            pytest.fail("CI has node but ical.js is not installed (see .ci/run)")
        pytest.skip("ical.js is not installed (bash .ci/run installs it into .ci/node)")
    result = subprocess.run(
        ["node", str(REPO / "tests" / "icaljs_feed.mjs")],
        input=data,
        capture_output=True,
        env={**os.environ, "ICALJS_DIR": folder},
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)["events"]


def both_readers(data: bytes) -> list[dict[str, object]]:
    """Read with both parsers, assert they agree, return icalendar's reading."""
    ours = read_icalendar(data)
    theirs = read_icaljs(data)
    key = (
        "uid",
        "summary",
        "description",
        "location",
        "sequence",
        "allDay",
        "tzid",
        "start",
        "end",
        "alarms",
    )
    assert [{k: e[k] for k in key} for e in theirs] == [{k: e[k] for k in key} for e in ours]
    return ours


def check_lines(data: bytes) -> None:
    """RFC 5545 form: CRLF only, no BOM, content lines at most 75 octets."""
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
