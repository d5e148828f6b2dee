"""Frozen values that flow through the pipeline: problems, links, contacts, interviews."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
When = dt.date | dt.datetime  # a date-only value or a (naive or aware) date-time

CONTACT_STATUSES = ("active", "paused", "declined", "do-not-contact", "archived")
INTERVIEW_STATUSES = ("requested", "scheduled", "confirmed", "done", "cancelled", "no-show")
STAGES = ("lead", "awaiting-reply", "replied", "scheduled", "met", "in-touch", "gone-quiet")
INACTIVE_STATUSES = ("paused", "declined", "do-not-contact", "archived")


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with one note (or the vault), with where it is and how to fix it."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def format(self) -> str:
        """The one-line form shared by `validate`, `watch` and the pre-commit hook."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.severity}[{self.code}] {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class Link:
    """A wikilink as written (`[[target#heading|display]]`), before resolution."""

    target: str
    heading: str = ""
    display: str = ""

    def __str__(self) -> str:
        text = self.target + (f"#{self.heading}" if self.heading else "")
        return f"[[{text}{'|' + self.display if self.display else ''}]]"


@dataclass(frozen=True, slots=True)
class Entry:
    """One dated event in a contact's history: an outreach or a touch."""

    date: dt.date
    via: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Commitment:
    """Something promised: from the `commitments` list or a `- [ ]` body task with a 📅 date."""

    task: str
    due: dt.date | None
    done: bool
    line: int
    source: Literal["front matter", "body"] = "front matter"


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often to keep in touch: `count` of `unit` (d, w, m, y); `never` is represented by None."""

    count: int
    unit: Literal["d", "w", "m", "y"]

    def after(self, day: dt.date) -> dt.date:
        """The day one cadence after `day` (months clamp to the month's last day)."""
        if self.unit in ("d", "w"):
            days = self.count * (7 if self.unit == "w" else 1)
            return (
                day + dt.timedelta(days=days) if dt.date.max - day > dt.timedelta(days=days) else dt.date.max
            )
        months = self.count if self.unit == "m" else 12 * self.count
        month_index = day.month - 1 + months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        if year > dt.MAXYEAR:
            return dt.date.max
        return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person (`type: contact`), with every front matter value parsed and checked."""

    path: str
    name: str
    id: str = ""
    aliases: tuple[str, ...] = ()
    company: str = ""
    role: str = ""
    location: str = ""
    email: str = ""
    phone: str = ""
    linkedin: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    referred_by: Link | None = None
    outreach: tuple[Entry, ...] = ()
    responded: dt.date | None = None
    touches: tuple[Entry, ...] = ()
    last_contact: dt.date | None = None
    keep_in_touch: Cadence | None = None
    keep_in_touch_set: bool = False
    follow_up: When | None = None
    added: dt.date | None = None
    status: str = "active"
    resume: dt.date | None = None
    commitments: tuple[Commitment, ...] = ()
    lines: str = field(default="", compare=False)  # "key=line" per line (see `line_of`)

    kind = "contact"

    def line_of(self, key: str) -> int:
        """The line a front matter key is on (0 when absent)."""
        return _line_of(self.lines, key)


@dataclass(frozen=True, slots=True)
class Interview:
    """A meeting with a contact (`type: interview`), with every value parsed and checked."""

    path: str
    contact: Link | None
    id: str = ""
    scheduled: When | None = None
    timezone: str = ""
    duration: int = 20
    medium: str = ""
    location: str = ""
    status: str = "scheduled"
    status_set: bool = False
    confirmed: dt.date | None = None
    prepared: dt.date | None = None
    thank_you_sent: dt.date | None = None
    referrals: tuple[Link, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    lines: str = field(default="", compare=False)  # "key=line" per line (see `line_of`)

    kind = "interview"

    def line_of(self, key: str) -> int:
        """The line a front matter key is on (0 when absent)."""
        return _line_of(self.lines, key)

    @property
    def title(self) -> str:
        """The file name without `.md`, used when a note has nothing better."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")


Note = Contact | Interview


def _line_of(lines: str, key: str) -> int:
    """Look up `key` in the compact "key=line" text notes keep (one string per note keeps the
    parse cache small: a tuple per key was a third of its objects)."""
    for entry in lines.split("\n"):
        name, _, line = entry.rpartition("=")
        if name == key:
            return int(line)
    return 0
