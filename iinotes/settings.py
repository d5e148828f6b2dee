"""Settings as data: one table of keys (type, default, help) drives loading, validation and docs."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import values
from .errors import SettingsError
from .model import Cadence
from .timing import WEEKDAYS

SETTINGS_FILE = "iinotes.toml"
MAX_NUMBER = 36500  # every whole-number setting: 100 years of days


def _int_at_least(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, found {value!r}")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, found {value}")
        if value > MAX_NUMBER:  # larger ones are typos, and would carry dates past the calendar's end
            raise ValueError(f"must be at most {MAX_NUMBER}, found {value}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, found {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected non-empty text, found {value!r}")
    return value


def _zone_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an IANA time zone name, found {value!r}")
    values.zone(value)
    return value


def _calendar_url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"expected the http(s) URL of a calendar collection, found {value!r}")
    return value


def _cadence(value: Any) -> Cadence | None:
    if not isinstance(value, str):
        raise ValueError(f'expected a cadence such as "60d", found {value!r}')
    return values.parse_cadence(value)


def _weekday_or_off(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in (*WEEKDAYS, ""):
        raise ValueError(f'expected a day of the week such as "friday", or "" for off, found {value!r}')
    return value.strip().lower()


def _weekday(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in WEEKDAYS:
        raise ValueError(f"expected a day of the week (monday ... sunday), found {value!r}")
    return value.strip().lower()


@dataclass(frozen=True)
class Setting:
    """One key of `iinotes.toml`: where it lives, how it is checked, its default and its help."""

    key: str  # dotted: "followups.nudge_after_days"
    kind: str  # what the docs call its type
    default: Any  # as written in TOML; None means "computed" (see `default_text`)
    check: Callable[[Any], Any]
    help: str
    default_text: str = ""
    example: str = ""  # as written in TOML, for keys whose default is none


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "timezone",
        "IANA time zone",
        None,
        _zone_name,
        "The vault's time zone: date-times without an offset, `--today` and day boundaries use it.",
        "the machine's zone",
    ),
    Setting(
        "followups.nudge_after_days",
        "whole number >= 1",
        14,
        _int_at_least(1),
        "No reply: nudge this many days after the last outreach.",
    ),
    Setting(
        "followups.max_nudges",
        "whole number >= 0",
        3,
        _int_at_least(0),
        "Nudge at most this many times; after that the contact is gone quiet and nothing more is suggested.",
    ),
    Setting(
        "followups.confirm_hours_before",
        "whole number >= 0",
        24,
        _int_at_least(0),
        "Confirm an unconfirmed meeting this many hours before it starts.",
    ),
    Setting(
        "followups.prepare_days_before",
        "whole number >= 0",
        2,
        _int_at_least(0),
        "Research the person and prepare questions this many days before a meeting.",
    ),
    Setting(
        "followups.thank_you_hours_after",
        "whole number >= 0",
        24,
        _int_at_least(0),
        "Send a thank-you this many hours after a meeting.",
    ),
    Setting(
        "followups.referral_days_after",
        "whole number >= 0",
        3,
        _int_at_least(0),
        "Reach out to a person you were referred to this many days after the interview.",
    ),
    Setting(
        "followups.keep_in_touch",
        "cadence",
        "60d",
        _cadence,
        "Default keep-in-touch cadence once you have met (`14d`, `8w`, `3m`, `1y` or `never`).",
    ),
    Setting(
        "followups.review_weekday",
        'weekday or ""',
        "friday",
        _weekday_or_off,
        'The day of the week for the weekly review item (`iinotes review --write`); `""` turns it off.',
    ),
    Setting(
        "followups.schedule_days_after",
        "whole number >= 0",
        2,
        _int_at_least(0),
        "They answered: propose a time this many days after their reply, while no meeting has a date.",
    ),
    Setting(
        "followups.reschedule_days_after",
        "whole number >= 0",
        7,
        _int_at_least(0),
        "A cancelled or no-show meeting: ask about a new date this many days after its day.",
    ),
    Setting(
        "followups.weekly_outreach",
        "whole number >= 0",
        3,
        _int_at_least(0),
        "Each week, reach out to this many leads (contacts with no outreach yet), added first; 0 turns "
        "the weekly item off.",
    ),
    Setting(
        "followups.outreach_weekday",
        "day of the week",
        "monday",
        _weekday,
        "The day of the week the weekly reach-out item falls on (`monday` ... `sunday`).",
    ),
    Setting(
        "feed.name",
        "text",
        "Informational interviews",
        _text,
        "The calendar's name as calendar apps show it.",
    ),
    Setting(
        "feed.horizon_days",
        "whole number >= 1",
        90,
        _int_at_least(1),
        "How many days ahead the feed reaches.",
    ),
    Setting("feed.alarms", "true/false", True, _boolean, "Give every event one reminder alarm."),
    Setting(
        "feed.private_details",
        "true/false",
        False,
        _boolean,
        "Put emails and phone numbers into event descriptions (off: the feed never contains them).",
    ),
    Setting(
        "feed.drafts",
        "true/false",
        False,
        _boolean,
        "Put the drafted message into the description of nudge, confirm, thank-you, referral and "
        "keep-in-touch events (docs/drafts.md); its To: address only with `private_details`.",
    ),
    Setting(
        "me.name",
        "text",
        None,
        _text,
        "Your name, as drafts introduce you (`iinotes draft`, docs/drafts.md).",
        "none",
        '"Jordan Ellis"',
    ),
    Setting(
        "me.background",
        "text",
        None,
        _text,
        'Who you are, completing "I am ..." in a draft.',
        "none",
        '"a middle-school teacher with eight years in the classroom"',
    ),
    Setting(
        "me.goal",
        "text",
        None,
        _text,
        'The field you are exploring, completing "a move into ..." in a draft.',
        "none",
        '"UX research"',
    ),
    Setting(
        "me.signature",
        "text",
        None,
        _text,
        "How drafts are signed (several lines allowed).",
        "`me.name`",
        '"Jordan Ellis\\n(215) 555-0100"',
    ),
    Setting(
        "publish.url",
        "http(s) URL",
        None,
        _calendar_url,
        "The CalDAV calendar `iinotes publish` keeps equal to the feed (its collection URL).",
        "none: give it to `publish`",
        '"https://cal.example.com/dav/calendars/me/iinotes/"',
    ),
    Setting(
        "publish.user",
        "text",
        None,
        _text,
        "The user name on the CalDAV server (the password comes from `$IINOTES_CALDAV_PASSWORD` or "
        "`~/.netrc`, never from this file).",
        "none (or the `login` of `~/.netrc`)",
        '"me@example.com"',
    ),
)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Validated settings of one vault (every value filled in)."""

    timezone: str
    nudge_after_days: int = 14
    max_nudges: int = 3
    confirm_hours_before: int = 24
    prepare_days_before: int = 2
    thank_you_hours_after: int = 24
    referral_days_after: int = 3
    keep_in_touch: Cadence | None = Cadence(60, "d")
    schedule_days_after: int = 2
    reschedule_days_after: int = 7
    weekly_outreach: int = 3
    outreach_weekday: str = "monday"
    feed_name: str = "Informational interviews"
    horizon_days: int = 90
    alarms: bool = True
    private_details: bool = False
    drafts: bool = False
    me_name: str = ""
    me_background: str = ""
    me_goal: str = ""
    me_signature: str = ""
    review_weekday: str = "friday"  # "" when off
    publish_url: str | None = None
    publish_user: str | None = None


def machine_timezone() -> str:
    """The IANA name of this machine's zone: $TZ, else what `tzlocal` finds (/etc/localtime and the
    distributions' files on Linux, the system setting on macOS, the registry's Windows zone
    mapped to its IANA name on Windows), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        import tzlocal

        candidates.append(tzlocal.get_localzone_name() or "")
    except Exception:  # tzlocal raises on conflicting or unreadable system settings
        pass
    for name in candidates:
        try:
            if name:
                values.zone(name)
                return name
        except ValueError:
            continue
    return "UTC"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted in ("followups", "feed", "me", "publish"):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def parse_settings(text: str, source: str = SETTINGS_FILE) -> Settings:
    """Validate the text of an `iinotes.toml`; SettingsError names the key and the fix."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"{source}: not valid TOML: {error}", "check quotes and [section] headers"
        ) from None
    found: dict[str, Any] = {}
    errors = []
    for key, value in _flatten(table).items():
        setting = _BY_KEY.get(key)
        if setting is None:
            import difflib

            guess = difflib.get_close_matches(key, list(_BY_KEY), 1, 0.6)
            errors.append(
                f"{source}: unknown setting {key}" + (f" (did you mean {guess[0]}?)" if guess else "")
            )
            continue
        try:
            found[key] = setting.check(value)
        except ValueError as error:
            errors.append(f"{source}: {key}: {error}")
    if errors:
        raise SettingsError("\n".join(errors), "see docs/settings.md for every key and its values")
    names = {setting.key: setting.key.rsplit(".", 1)[-1] for setting in SETTINGS}
    names["feed.name"] = "feed_name"
    names.update({s.key: s.key.replace(".", "_") for s in SETTINGS if s.key.startswith("me.")})
    names["publish.url"] = "publish_url"
    names["publish.user"] = "publish_user"
    kwargs = {names[key]: value for key, value in found.items()}
    if "timezone" not in kwargs:  # asked only when needed: finding it imports tzlocal
        kwargs["timezone"] = machine_timezone()
    return Settings(**kwargs)


def load_settings(vault: Path) -> Settings:
    """Settings of the vault at `vault` (defaults when it has no `iinotes.toml`)."""
    path = vault / SETTINGS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Settings(timezone=machine_timezone())
    except OSError as error:
        raise SettingsError(f"{SETTINGS_FILE}: cannot read it: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError(f"{SETTINGS_FILE}: not UTF-8 text", "re-save it as UTF-8") from None
    return parse_settings(text)


def settings_markdown() -> str:
    """The settings reference (docs/settings.md is this text; a test keeps them equal)."""
    lines = [
        "# Settings",
        "",
        "<!-- generated from iinotes/settings.py by `python -m iinotes.settings`; a test checks it -->",
        "",
        "Settings live in `iinotes.toml` at the top of the vault. Every key is optional; a vault with no",
        "`iinotes.toml` uses the defaults below. An unknown key or a bad value is an error that names the "
        "key",
        "(exit code 2), so a typo never silently falls back to a default.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = s.default_text or (
            f'`"{s.default}"`' if isinstance(s.default, str) else f"`{str(s.default).lower()}`"
        )
        lines.append(f"| `{s.key}` | {s.kind} | {default} | {s.help} |")
    lines += [
        "",
        "A complete file with every key at its default (an example value where it has none):",
        "",
        "```toml",
        example_toml(commented=False),
        "```",
        "",
    ]
    return "\n".join(lines)


def example_toml(*, commented: bool) -> str:
    """An `iinotes.toml` listing every key with its default and help (commented out for `init`)."""
    out: list[str] = []
    section = ""
    mark = "# " if commented else ""
    for s in SETTINGS:
        head, _, name = s.key.rpartition(".")
        if head != section:
            out += ["", f"[{head}]"]
            section = head
        value = s.example or (
            '"America/New_York"'
            if s.default is None
            else (f'"{s.default}"' if isinstance(s.default, str) else str(s.default).lower())
        )
        default = f" Default: {s.default_text}." if s.default_text else ""
        out += [f"# {s.help}{default}", f"{mark}{name} = {value}"]
    return "\n".join(out).strip("\n")


if __name__ == "__main__":  # pragma: no cover - regenerates docs/settings.md
    print(settings_markdown(), end="")
