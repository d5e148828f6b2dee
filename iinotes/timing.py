"""Time rules (pure), in one place: when a meeting starts, which day it is on, whether it happened
or is still ahead, when a paused contact counts again, and the week a weekly item belongs to.

The index (stages) and the follow-up rules both use these; nothing here reads the clock."""

from __future__ import annotations

import datetime as dt
import functools

from .model import Contact, Interview
from .values import wall_time, zone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def meeting_start(interview: Interview, vault_zone: str) -> dt.datetime | None:
    """The meeting's start as an aware instant (wall time in the note's `timezone`, else the
    vault's), or None when it has no time (a date only, or no date)."""
    when = interview.scheduled
    if not isinstance(when, dt.datetime):
        return None
    if when.tzinfo is not None:
        return when
    return wall_time(when, interview.timezone or vault_zone)


def skipped_time(interview: Interview, vault_zone: str) -> str:
    """A message when the meeting's wall time does not exist (the hour skipped by a DST change)."""
    when = interview.scheduled
    start = meeting_start(interview, vault_zone)
    if start is None or not isinstance(when, dt.datetime) or when.tzinfo is not None:
        return ""
    if start.replace(tzinfo=None) == when:
        return ""
    name = interview.timezone or vault_zone
    return (
        f"scheduled: {when.strftime('%Y-%m-%dT%H:%M')} does not exist in {name} (the clocks go forward); "
        f"{start.strftime('%H:%M')} is used"
    )


def meeting_day(interview: Interview, vault_zone: str) -> dt.date | None:
    """The meeting's calendar day in the vault's zone (a date-only value is that local day)."""
    return _local_day(interview.scheduled, interview.timezone, vault_zone)


@functools.lru_cache(maxsize=1 << 16)
def _local_day(when: dt.date | dt.datetime | None, timezone: str, vault_zone: str) -> dt.date | None:
    if not isinstance(when, dt.datetime):
        return when
    start = when if when.tzinfo is not None else when.replace(tzinfo=zone(timezone or vault_zone))
    try:
        return start.astimezone(zone(vault_zone)).date()
    except OverflowError:
        return start.date()


def happened(interview: Interview, today: dt.date, vault_zone: str) -> bool:
    """The meeting took place: marked done, or its day is past and it was never cancelled (a
    `requested` meeting whose day has passed counts too: nobody updated its status)."""
    if interview.status == "done":
        return True
    day = meeting_day(interview, vault_zone)
    return interview.status in ("requested", "scheduled", "confirmed") and day is not None and day < today


def upcoming(interview: Interview, today: dt.date, vault_zone: str) -> bool:
    """Still ahead: requested (maybe without a date) or scheduled for today or later."""
    if interview.status not in ("requested", "scheduled", "confirmed"):
        return False
    day = meeting_day(interview, vault_zone)
    return day is None or day >= today


def day_after(day: dt.date, days: int) -> dt.date:
    """`day` plus `days` (negative: before), clamped to the calendar's ends."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def status_on(contact: Contact, today: dt.date) -> str:
    """The contact's status on `today`: `paused` with a `resume` day that has come counts as active."""
    if contact.status == "paused" and contact.resume is not None and contact.resume <= today:
        return "active"
    return contact.status


def resumed(due: dt.date, contact: Contact) -> dt.date:
    """A follow-up that fell due while the contact was paused is due on the resume day instead."""
    if contact.status == "paused" and contact.resume is not None and due < contact.resume:
        return contact.resume
    return due


def week_of(day: dt.date) -> str:
    """The ISO week `day` is in: `2026-W48` (weekly items are keyed by it)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def weekday_of_week(day: dt.date, weekday: str, weeks_ahead: int = 0) -> dt.date:
    """The given weekday (`monday` ... `sunday`) of the ISO week `weeks_ahead` after the one of `day`."""
    monday = day_after(day, -day.weekday())
    return day_after(monday, WEEKDAYS.index(weekday) + 7 * weeks_ahead)


def same_week(a: dt.date, b: dt.date) -> bool:
    """Whether two days fall in the same ISO week (Monday to Sunday)."""
    return a.isocalendar()[:2] == b.isocalendar()[:2]
