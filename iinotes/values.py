"""Parsers for the value types of the note format. Each returns a value or raises ValueError
whose message is user-facing (it becomes a Problem's message)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import zoneinfo

from .model import Cadence, Link

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\Z"
)
_TIME_ONLY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?\Z")
_DURATION = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\Z")
_CADENCE = re.compile(r"(\d+)\s*([dwmy])\Z")
_CADENCE_MAX = {"d": 36500, "w": 5200, "m": 1200, "y": 100}
_LINK = re.compile(r"\[\[([^\[\]]+)\]\]\Z")


FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates outside are typos; inside, no date arithmetic can overflow


def _day(year: int, month: int, day: int, raw: str) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{raw} is out of range: iinotes takes days from {FIRST_YEAR} to {LAST_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError(f"{raw} is not a date (there is no month {month})")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"{raw} is not a date ({calendar.month_name[month]} {year} has {last} days)")
    return dt.date(year, month, day)


def parse_date(value: object) -> dt.date:
    """A calendar day written `YYYY-MM-DD`."""
    return _date_text(value) if type(value) is str else _date(value)


def parse_when(value: object) -> dt.date | dt.datetime:
    """A date, or a date-time `YYYY-MM-DDTHH:MM[:SS][offset]`; naive date-times are wall time."""
    return _when_text(value) if type(value) is str else _when(value)


# A vault writes the same few thousand days and links again and again: each text is parsed once
# per run, and its (immutable) value shared by every note that holds it.
_MEMO = 1 << 16


def _date(value: object) -> dt.date:
    raw = str(value).strip()
    if isinstance(value, str):
        match = _DATE.match(raw)
        if match:
            return _day(int(match[1]), int(match[2]), int(match[3]), raw)
        if _DATETIME.match(raw):
            raise ValueError(f"{raw} has a time; this field takes a date only (YYYY-MM-DD)")
    raise ValueError(f"{raw or 'an empty value'} is not a date; write YYYY-MM-DD, e.g. 2026-11-25")


def _when(value: object) -> dt.date | dt.datetime:
    raw = str(value).strip()
    if isinstance(value, str):
        if _DATE.match(raw):
            return parse_date(raw)
        match = _DATETIME.match(raw)
        if match:
            day = _day(int(match[1]), int(match[2]), int(match[3]), raw)
            hour, minute, second = int(match[4]), int(match[5]), int(match[6] or 0)
            if hour > 23 or minute > 59 or second > 59:
                raise ValueError(f"{raw} is not a time of day (hours 00-23, minutes 00-59)")
            tz = _offset(match[7], raw) if match[7] else None
            return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
        if _TIME_ONLY.match(raw):
            raise ValueError(f"{raw} is a time without a date; write the day too, e.g. 2026-11-25T{raw}")
    raise ValueError(
        f"{raw or 'an empty value'} is not a date or date-time; write 2026-11-25 or 2026-11-25T14:30"
    )


_date_text = functools.lru_cache(maxsize=_MEMO)(_date)
_when_text = functools.lru_cache(maxsize=_MEMO)(_when)


def _offset(text: str, raw: str) -> dt.tzinfo:
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{raw} has an impossible UTC offset {text}")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def parse_duration(value: object) -> int:
    """Minutes, from `20`, `"45m"`, `"1h"` or `"1h30m"`; must be between 1 minute and 24 hours."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a duration; write minutes (20) or 45m, 1h, 1h30m")
    if isinstance(value, int):
        minutes = value
    else:
        raw = str(value).strip().lower()
        match = _DURATION.match(raw) if raw else None
        if not match or not (match[1] or match[2]):
            if raw.isdigit():
                minutes = int(raw)
            else:
                raise ValueError(f"{value!s} is not a duration; write minutes (20) or 45m, 1h, 1h30m")
        else:
            minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    if not 1 <= minutes <= 24 * 60:
        raise ValueError(f"{value} minutes is not a meeting length (1 minute to 24 hours)")
    return minutes


def parse_cadence(value: object) -> Cadence | None:
    """`14d`, `8w`, `3m` (months), `1y`, or `never` (None)."""
    raw = str(value).strip().lower()
    if raw == "never":
        return None
    match = _CADENCE.match(raw)
    if not match or isinstance(value, (bool, int, float)) or int(match[1]) == 0:
        raise ValueError(f"{value!s} is not a cadence; write 14d, 8w, 3m (months), 1y or never")
    if int(match[1]) > _CADENCE_MAX[match[2]]:
        raise ValueError(f"{value!s} is longer than 100 years; write never to stop keep-in-touch reminders")
    return Cadence(int(match[1]), match[2])  # type: ignore[arg-type]


def parse_link(value: object) -> Link:
    """A quoted wikilink: `[[Jane Doe]]`, `[[contacts/Jane Doe|Jane]]`, `[[Jane Doe#Notes]]`."""
    if type(value) is str:
        return _link_text(value)
    return _link(value)


def _link(value: object) -> Link:
    if not isinstance(value, str):
        raise ValueError(f'{value!s} is not a link; write "[[Name]]"')
    raw = value.strip()
    match = _LINK.match(raw)
    if not match:
        raise ValueError(f'{raw or "an empty value"} is not a link; write "[[Name]]"')
    inner = match[1]
    target, _, display = inner.partition("|")
    target, _, heading = target.partition("#")
    target = target.strip()
    if target.endswith(".md"):
        target = target[:-3]
    if not target:
        raise ValueError(f'{raw} links to nothing; write "[[Name]]"')
    return Link(target, heading.strip(), display.strip())


_link_text = functools.lru_cache(maxsize=_MEMO)(_link)


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`; ValueError naming the zone when it is unknown."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        raise ValueError(f"{name!r} is not an IANA time zone; write e.g. Europe/Berlin or America/New_York")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"{name!r} is not an IANA time zone; write e.g. Europe/Berlin or America/New_York"
        ) from None


def wall_time(naive: dt.datetime, name: str) -> dt.datetime:
    """A wall time in zone `name` as the instant it means, written with the offset in force then.
    A time in a DST gap (02:30 on a spring-forward night) is the instant after the gap (03:30),
    and shows as such everywhere, not as a time that does not exist."""
    tz = zone(name)
    return naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz)


def unquoted_link(value: object) -> str | None:
    """The name when `value` is what YAML makes of an unquoted `[[Name]]` (a list in a list)."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list) and len(value[0]) == 1:
        inner = value[0][0]
        if isinstance(inner, str):
            return inner
    return None


# Obsidian's tag rules: letters (any script), digits, `_`, `-` and `/` (nesting), no spaces, at least
# one character that is not a digit (`#2026` is not a tag, `#y2026` is). Emoji are accepted as Obsidian does.
_TAG_BREAKERS = re.compile(r"[\s!\"#$%&'()*+,.:;<=>?@\[\\\]^`{|}~]")
_TAG_WORDS = {"+": "plus", "&": "and", "@": "at", "#": "sharp"}


@functools.lru_cache(maxsize=1 << 12)  # a vault uses a few dozen tags, on thousands of notes
def tag_problem(tag: str) -> str | None:
    """Why Obsidian would not accept `tag` (written without #) as a tag, or None when it would."""
    bad = sorted(set(_TAG_BREAKERS.findall(tag)))
    if bad:
        shown = " ".join("a space" if ch.isspace() else ch for ch in bad)
        return f"contains {shown}; a tag holds only letters, digits, _, - and /"
    if tag.replace("/", "").isdigit():
        return "is only digits; a tag needs at least one letter"
    if tag.startswith("/") or tag.endswith("/") or "//" in tag:
        return "has an empty part around /"
    return None


def tag_fix(tag: str) -> str:
    """A tag Obsidian accepts, as close to `tag` as possible (`career change` -> `career-change`,
    `c++` -> `cplusplus`, `2026` -> `y2026`)."""
    text = "".join(_TAG_WORDS.get(ch, ch) for ch in tag.strip())
    text = re.sub(r"-{2,}", "-", _TAG_BREAKERS.sub("-", text)).strip("-")
    text = re.sub(r"/{2,}", "/", text).strip("/")
    if not text or text.replace("/", "").isdigit():
        text = "y" + (text or "tag")
    return text
