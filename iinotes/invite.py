"""Read a meeting invitation (.ics) the contact sent: when, in which zone, how long, where.

Reading is icalendar's job (it knows the many shapes calendar programs write: VTIMEZONEs with
Windows zone names, UTC, floating and all-day times, DURATION instead of DTEND); this module turns
what it read into the values an interview note holds. Pure apart from `read_invitation_file`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import values
from .errors import UsageError

# Meeting links in descriptions, as Google Meet, Zoom, Microsoft Teams, Webex and others write them.
_MEETING_URL = re.compile(
    r"https://(?:[\w-]+\.)*(?:meet\.google\.com|zoom\.us|zoomgov\.com|teams\.microsoft\.com|teams\.live\.com"
    r"|webex\.com|whereby\.com|meet\.jit\.si|gotomeeting\.com|chime\.aws|bluejeans\.com)"
    r"/[^\s<>\"'\]\)]*",
    re.IGNORECASE,
)
_ANY_URL = re.compile(r"\A(?:https?://)\S+\Z", re.IGNORECASE)
# Meeting-URL properties, most specific first: RFC 7986 CONFERENCE, Google, Microsoft
_URL_PROPERTIES = ("CONFERENCE", "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")
# What calendar programs put in LOCATION for an online meeting: a label, not a place
_LABELS = re.compile(
    r"\A(?:microsoft teams(?: meeting)?|teams|zoom(?: meeting)?|google meet|online|webex|video call)\Z",
    re.IGNORECASE,
)
_PHONE = re.compile(r"\A(?:tel:)?\+?[\d\s().-]{7,}\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Invitation:
    """A meeting as an interview note writes it: `scheduled` text, its zone when not the vault's,
    minutes, location (address or meeting URL), medium, and the invitation's title."""

    scheduled: str
    timezone: str | None
    minutes: int | None
    location: str | None
    medium: str | None
    summary: str


def read_invitation_file(path: Path, vault_zone: str) -> Invitation:
    """The invitation in the .ics file at `path`; UsageError names the file and what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    return read_invitation(data, vault_zone, str(path))


def read_invitation(data: bytes, vault_zone: str, source: str = "the invitation") -> Invitation:
    """The invitation in `data` (one meeting; a recurring one gives its first occurrence)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # icalendar raises ValueError and friends for anything unreadable
        raise UsageError(
            f"{source} is not a calendar file ({error})",
            "save the invitation from your mail or calendar program as an .ics file",
        ) from None
    method = str(calendar.get("METHOD", "")).upper()
    if method == "CANCEL":
        raise UsageError(f"{source} cancels a meeting; it does not schedule one")
    events = [event for event in calendar.walk("VEVENT") if "RECURRENCE-ID" not in event]
    uids = {str(event.get("UID", "")) for event in events}
    if not events:
        raise UsageError(f"{source} holds no meeting (no VEVENT)")
    if len(uids) > 1:
        titles = ", ".join(repr(str(event.get("SUMMARY", ""))) for event in events)
        raise UsageError(
            f"{source} holds {len(events)} meetings ({titles})",
            "save the one invitation you mean as its own .ics file",
        )
    event = events[0]
    if "DTSTART" not in event:
        raise UsageError(f"{source}: the meeting has no start time (DTSTART)")
    try:
        start = event.decoded("DTSTART")
    except Exception as error:
        raise UsageError(f"{source}: cannot read the start time: {error}") from None
    scheduled, timezone = _when(start, str(event["DTSTART"].params.get("TZID", "")), vault_zone)
    location, medium = _where(event)
    return Invitation(
        scheduled=scheduled,
        timezone=timezone,
        minutes=_minutes(event, start),
        location=location,
        medium=medium,
        summary=" ".join(str(event.get("SUMMARY", "")).split()),
    )


def _when(start: dt.date | dt.datetime, tzid: str, vault_zone: str) -> tuple[str, str | None]:
    """`scheduled` and `timezone` for a DTSTART: a day alone for an all-day meeting; the wall time
    in the meeting's own zone when that is a known zone other than the vault's; else the wall time
    in the vault's zone (UTC, zones known only by their VTIMEZONE, floating times)."""
    if not isinstance(start, dt.datetime):
        return start.isoformat(), None
    if start.tzinfo is None:  # floating: the same wall time everywhere; the vault's zone it is
        return _minute(start), None
    name = _zone_name(start, tzid)
    if name is not None and name != vault_zone and name.upper() not in ("UTC", "ETC/UTC", "GMT", "ETC/GMT"):
        return _minute(start.astimezone(values.zone(name))), name
    return _minute(start.astimezone(values.zone(vault_zone))), None


def _minute(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M") if when.second == 0 else when.strftime("%Y-%m-%dT%H:%M:%S")


def _zone_name(start: dt.datetime, tzid: str) -> str | None:
    """The IANA name of the start's zone: zoneinfo's key, the TZID itself (or its last two parts,
    as in `/mozilla.org/20050126_1/America/New_York`), or a Windows name mapped with icalendar's
    table; only when that zone gives the same offset at that instant as the invitation says."""
    candidates = [getattr(start.tzinfo, "key", None) or "", tzid.strip()]
    parts = tzid.strip().strip("/").split("/")
    if len(parts) > 2:
        candidates.append("/".join(parts[-2:]))
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover - older icalendar
        WINDOWS_TO_OLSON = {}
    candidates.append(WINDOWS_TO_OLSON.get(tzid.strip(), ""))
    for name in candidates:
        try:
            zone = values.zone(name) if name else None
        except ValueError:
            continue
        if zone is not None and start.astimezone(zone).utcoffset() == start.utcoffset():
            return name
    return None


def _minutes(event: Any, start: dt.date | dt.datetime) -> int | None:
    """The meeting's length in minutes from DTEND or DURATION; None for all-day meetings."""
    if not isinstance(start, dt.datetime):
        return None
    try:
        if "DURATION" in event:
            length = event.decoded("DURATION")
        elif "DTEND" in event:
            length = event.decoded("DTEND") - start
        else:
            return None
    except Exception:
        return None
    if not isinstance(length, dt.timedelta) or length <= dt.timedelta(0):
        return None
    return int(length.total_seconds() // 60) or None


def _where(event: Any) -> tuple[str | None, str | None]:
    """Location and medium: a meeting URL (video) from the conference properties, LOCATION or the
    description; else LOCATION as an address (in-person) or a phone number (phone)."""
    location = " ".join(str(event.get("LOCATION", "")).split())
    for key in _URL_PROPERTIES:
        value = str(event.get(key, "")).strip()
        if value.lower().startswith("https://"):
            return value, "video"
    if _ANY_URL.match(location):
        return location, "video"
    for key in ("DESCRIPTION", "X-ALT-DESC", "LOCATION"):
        found = _MEETING_URL.search(str(event.get(key, "")))
        if found:
            return found.group(0).rstrip(".,;"), "video"
    if not location or _LABELS.match(location):
        return None, ("video" if location else None)
    if _PHONE.match(location):
        return location.removeprefix("tel:"), "phone"
    return location, "in-person"
