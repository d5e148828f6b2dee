"""Drafts of the messages the follow-ups call for (pure: values in, text out).

A message template is plain text: a `Subject: ...` line, then the body, with `{{placeholders}}`
filled from the notes and the `[me]` settings; `<!-- comments -->` are left out. A line whose
placeholders all come out empty is left out (no referrer: no "I was referred to you by" line).
Every draft is checked by the message linter (linter.py)."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import DraftError, LookupFailed, SettingsError
from .followups import FollowUp
from .index import ContactView, Index, find_contact, happened, match_names, meeting_start, upcoming
from .linter import SUBJECT, Lint, lint
from .model import Interview
from .settings import Settings
from .values import zone

KINDS = ("outreach", "nudge", "confirm", "thank-you", "referral", "keep-in-touch", "schedule", "reschedule")
TEMPLATE_FOLDER = "templates/messages"
ASK_MINUTES = 20  # "a specific, small amount of their time"

# the follow-up kinds that call for a message, and the message they call for (`reach-out`: the weekly
# queue of leads; `schedule`/`reschedule`: proposing a time after a reply or a missed meeting)
MESSAGE_FOR = {
    "nudge": "nudge",
    "confirm": "confirm",
    "thank-you": "thank-you",
    "referral": "referral",
    "keep-in-touch": "keep-in-touch",
    "schedule": "schedule",
    "reschedule": "reschedule",
    "reach-out": "outreach",
}

PLACEHOLDERS = {
    "name": "their full name",
    "first_name": "their first name (the first word of the name)",
    "company": "their company",
    "role": "their role",
    "your_work": '"your role as Data Scientist at Corvid Analytics" (or as much of it as is known)',
    "source": "how you found them, as written in `source`",
    "how_found": 'a sentence from `referred_by` or `source`: "I was referred to you by Tom Okafor."',
    "referrer": "the full name of the person who referred you",
    "referrer_first_name": "their first name",
    "minutes": f"the time you ask for: {ASK_MINUTES}",
    "earlier_messages": 'when you wrote: "on October 30 and again on November 13"',
    "last_outreach": 'the day of your last message: "November 13"',
    "nudge_number": "which nudge this is: 1, 2, 3",
    "nudge_of": 'the same with the limit: "2nd of 3"',
    "nudge_closing": "the last nudge says you will not write again; earlier ones thank them",
    "meeting": '"phone call", "video call", "meeting" or "conversation", from `medium`',
    "meeting_minutes": "the meeting's length in minutes",
    "meeting_day": 'the meeting\'s day in their time zone: "Tuesday, November 24"',
    "meeting_time": 'its time in their time zone: "12:30 PM", or "3:00 PM London time"',
    "meeting_place": 'a sentence from `location`: "I will meet you at ...", the video link, ...',
    "commitments": "what you promised at the meeting (open commitments), as a sentence or a list",
    "referrals_given": "thanks for the people they suggested at that meeting",
    "since": '"since we spoke in October" (the last meeting, else the last touch)',
    "my_name": "me.name",
    "my_background": "me.background",
    "my_goal": "me.goal",
    "my_signature": "me.signature, else me.name",
}
_ME_KEYS = {
    "my_name": "me.name",
    "my_background": "me.background",
    "my_goal": "me.goal",
    "my_signature": "me.name",  # me.signature falls back to me.name
}

_ASK = """\
I would be grateful for your advice, and for anything you can tell me about {{your_work}}.

Could you spare {{minutes}} minutes for a phone or video call in the coming weeks? I am happy to work \
around your schedule.

Thank you for considering my request.

Best regards,
{{my_signature}}
"""  # what an outreach and a referral outreach ask for, the same way

_BUILT_IN = {
    "outreach": """\
Subject: Request for advice: a move into {{my_goal}}

Dear {{first_name}},

{{how_found}} My name is {{my_name}}, and I am {{my_background}}, exploring a move into {{my_goal}}.

"""
    + _ASK,
    "referral": """\
Subject: Referred by {{referrer}}: advice on a move into {{my_goal}}

Dear {{first_name}},

I was referred to you by {{referrer}}, who suggested I get in touch with you. My name is {{my_name}}, \
and I am {{my_background}}, exploring a move into {{my_goal}}.

"""
    + _ASK,
    "nudge": """\
Subject: Following up: advice on a move into {{my_goal}}

Dear {{first_name}},

I wrote to you {{earlier_messages}} to ask for {{minutes}} minutes of your time, and I know how busy \
you must be. I am still keen to hear about {{your_work}}, and I will not take much of your time: a \
short call whenever it suits you would be a great help.

{{nudge_closing}}

Best regards,
{{my_signature}}
""",
    "confirm": """\
Subject: Confirming our {{meeting}} on {{meeting_day}}

Dear {{first_name}},

I am writing to confirm our {{meeting}} on {{meeting_day}} at {{meeting_time}}. {{meeting_place}}

I look forward to speaking with you.

Best regards,
{{my_signature}}
""",
    "thank-you": """\
Subject: Thank you for your advice

Dear {{first_name}},

Thank you for taking the time to speak with me on {{meeting_day}}. Your advice was very helpful, and \
I plan to act on it.

{{commitments}}

{{referrals_given}}

I am very grateful for your time and generosity.

Best regards,
{{my_signature}}
""",
    "keep-in-touch": """\
Subject: A quick update since we spoke

Hello {{first_name}},

I hope you are well. It has been a while {{since}}, and I wanted to share how your advice has helped: \
[a sentence or two on what you have done since].

[Optional: an article they may enjoy, or congratulations on their news.]

Thank you again for your help.

Best regards,
{{my_signature}}
""",
    "schedule": """\
Subject: Finding a time for a short call

Dear {{first_name}},

Thank you for getting back to me; I am glad you are willing to talk. Would {{minutes}} minutes by \
phone or video in the coming weeks suit you? I am happy to work around your schedule, so please let me \
know a day and time that works best for you.

Best regards,
{{my_signature}}
""",
    "reschedule": """\
Subject: Finding a new time to talk

Dear {{first_name}},

I am sorry we were not able to speak on {{meeting_day}}. I would still very much like to hear about \
{{your_work}}. Could we find another time for a {{minutes}}-minute call? I am happy to work around \
your schedule.

Best regards,
{{my_signature}}
""",
}

_HEADER = """\
<!-- iinotes message template ({kind}): edit freely. The first line is the subject, the rest the body.
{{{{placeholders}}}} are filled from the notes and [me] in iinotes.toml (docs/drafts.md lists them);
a line whose placeholders all come out empty is left out. Comments like this one are not sent. -->
"""

_MONTHS = ("January February March April May June July August September October November December").split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class Template:
    """A parsed message template: where it came from, its subject line and body lines (numbered)."""

    kind: str
    source: str  # "templates/messages/outreach.md", or "the built-in outreach template"
    subject: tuple[int, str]
    body: tuple[tuple[int, str], ...]

    @functools.cached_property
    def compiled(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """Per line (the subject first): its placeholder names, and its text split around them
        (literal, name, literal, ..., literal): filling is then a join."""
        out = []
        for _, line in (self.subject, *self.body):
            parts = tuple(_PLACEHOLDER.split(line))  # the group makes names the odd items
            out.append((parts[1::2], parts))
        return tuple(out)

    @functools.cached_property
    def placeholders(self) -> frozenset[str]:
        """Every placeholder name the template uses."""
        return frozenset(m[1] for _, line in (self.subject, *self.body) for m in _PLACEHOLDER.finditer(line))


@dataclass(frozen=True)
class Draft:
    """A drafted message: its kind, who it is to, subject, body, and the linter's warnings."""

    kind: str
    name: str
    email: str
    subject: str
    body: str
    warnings: tuple[Lint, ...] = ()

    def text(self, *, with_address: bool = True) -> str:
        """`To:` (when known), `Subject:` and the body, as the text format prints it."""
        to = f"To: {self.name} <{self.email}>\n" if with_address and self.email else ""
        return f"{to}Subject: {self.subject}\n\n{self.body}\n"


@dataclass(frozen=True)
class Target:
    """Who a draft is for: a contact note, or a person you were referred to who has no note yet."""

    name: str
    view: ContactView | None
    referrer: str  # the full name of who referred you, "" when nobody did
    interviews: tuple[Interview, ...]


# --- templates ----------------------------------------------------------------------------------


def built_in_template(kind: str) -> str:
    """The shipped template of `kind`, as `init` writes it to templates/messages/<kind>.md."""
    return _HEADER.format(kind=kind) + _BUILT_IN[kind]


def parse_template(text: str, kind: str, source: str) -> Template:
    """Read a template; DraftError names the file and line of an unknown placeholder or a missing
    subject line."""
    lines: list[tuple[int, str]] = []
    in_comment = False
    for number, raw in enumerate(text.lstrip("\ufeff").replace("\r\n", "\n").split("\n"), 1):
        kept, rest, had_comment = "", raw, in_comment
        while rest:
            if in_comment:
                end = rest.find("-->")
                if end < 0:
                    rest = ""
                else:
                    rest, in_comment = rest[end + 3 :], False
            else:
                start = rest.find("<!--")
                if start < 0:
                    kept, rest = kept + rest, ""
                else:
                    kept, rest, in_comment, had_comment = kept + rest[:start], rest[start + 4 :], True, True
        if had_comment and not kept.strip():
            continue  # a line that was only a comment
        lines.append((number, kept.rstrip()))
    if in_comment:
        raise DraftError(f"{source}: a <!-- comment is never closed with -->", "close it, or delete it")
    for number, line in lines:
        for match in _PLACEHOLDER.finditer(line):
            if match[1] not in PLACEHOLDERS:
                guess = difflib.get_close_matches(match[1], list(PLACEHOLDERS), 1, 0.6)
                raise DraftError(
                    f"{source}:{number}: unknown placeholder {match[0]}"
                    + (f" (did you mean {{{{{guess[0]}}}}}?)" if guess else ""),
                    "docs/drafts.md lists the placeholders: " + ", ".join(sorted(PLACEHOLDERS)),
                )
    while lines and not lines[0][1].strip():
        lines.pop(0)
    subject = SUBJECT.match(lines[0][1]) if lines else None
    if subject is None:
        raise DraftError(
            f"{source}:{lines[0][0] if lines else 1}: a message template starts with a 'Subject: ...' line",
            "write the subject on the first line, then a blank line, then the body",
        )
    return Template(kind, source, (lines[0][0], subject[1].strip()), tuple(lines[1:]))


def read_template(root: Path, kind: str) -> Template:
    """The vault's templates/messages/<kind>.md, else the built-in template (the one edge here that
    reads a file)."""
    rel = f"{TEMPLATE_FOLDER}/{kind}.md"
    try:
        text = (root / rel).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return parse_template(built_in_template(kind), kind, f"the built-in {kind} template")
    except (OSError, UnicodeDecodeError) as error:
        raise DraftError(f"{rel}: cannot read it: {error}", "check the file, or delete it") from None
    return parse_template(text, kind, rel)


def fill(template: Template, values: dict[str, str]) -> tuple[str, str]:
    """Subject and body with the placeholders filled. A line whose placeholders are all empty is
    left out; blank lines do not pile up. SettingsError names a `[me]` key the template needs."""
    missing = sorted(
        {_ME_KEYS[name] for name in template.placeholders if name in _ME_KEYS and not values.get(name)}
    )
    if missing:
        raise SettingsError(
            f"the {template.kind} draft needs {_joined(missing)} in iinotes.toml",
            "add them under [me], e.g.\n  [me]\n"
            + "\n".join(f'  {key.split(".")[1]} = "..."' for key in missing)
            + "\n  (docs/drafts.md)",
        )

    def line(names: tuple[str, ...], parts: tuple[str, ...]) -> str | None:
        if names and not any(values.get(name) for name in names):
            return None
        return "".join(part if i % 2 == 0 else values.get(part, "") for i, part in enumerate(parts)).rstrip()

    compiled = template.compiled
    subject = " ".join((line(*compiled[0]) or "").split())
    body: list[str] = []
    for names, parts in compiled[1:]:
        filled = line(names, parts)
        if filled is None or (not filled.strip() and (not body or not body[-1].strip())):
            continue
        body.append(filled)
    while body and not body[-1].strip():
        body.pop()
    return subject, "\n".join(body)


# --- who and what -------------------------------------------------------------------------------


def find_target(index: Index, query: str) -> Target:
    """The contact `query` names, else a person a meeting's `referrals` named who has no note yet."""
    try:
        view = find_contact(index, query)
    except LookupFailed as error:
        noteless = {r.name.casefold(): r for r in index.referrals if r.target is None}
        found = match_names(query.strip().casefold(), {name: () for name in noteless})
        if len(found) != 1:
            raise error from None
        referral = noteless[found[0]]
        return Target(referral.name, None, _name_of(index, referral.source), ())
    return target_of(index, view)


def target_of(index: Index, view: ContactView) -> Target:
    """The Target for a contact."""
    referrer = ""
    if view.referred_by in index.contacts:
        referrer = index.contacts[view.referred_by].contact.name  # type: ignore[index]
    elif view.contact.referred_by is not None:
        referrer = view.contact.referred_by.target.rsplit("/", 1)[-1]
    elif view.referrals_received:
        referrer = _name_of(index, view.referrals_received[0].source)
    interviews = tuple(index.interviews[path].interview for path in view.interviews)
    return Target(view.contact.name, view, referrer, interviews)


def target_of_item(index: Index, item: FollowUp) -> Target | None:
    """The Target a follow-up is about (a referral's person may have no note yet)."""
    if item.contact_path in index.contacts:
        return target_of(index, index.contacts[item.contact_path])  # type: ignore[index]
    if item.kind == "referral" and item.path in index.interviews:
        return Target(item.person, None, _name_of(index, index.interviews[item.path].contact), ())
    return None


def _name_of(index: Index, path: str | None) -> str:
    return index.contacts[path].contact.name if path in index.contacts else ""  # type: ignore[index]


def next_kind(target: Target, items: Sequence[FollowUp], move: str | None = None) -> str:
    """The message the contact's next move calls for. `move`: the kind of their next move when the
    follow-up rules give one (a message kind, `reach-out`, `reply`, `interview`, ...); without one,
    or when it is no message (preparing, a commitment), their earliest open follow-up that is a
    message, else what their stage calls for (a lead: outreach, or referral when someone referred
    you). DraftError explains when nothing should be sent (an inactive status, the nudges done, a
    meeting already confirmed)."""
    view = target.view
    if view is None:
        return "referral"
    contact = view.contact
    if contact.status != "active":
        raise DraftError(
            f"{contact.name} is {contact.status}: their next move is no message",
            None
            if contact.status == "do-not-contact"
            else f'to draft one anyway, name the kind: iinotes draft outreach "{contact.name}"',
        )
    if move in ("reach-out", "referral"):
        return "referral" if target.referrer else "outreach"
    if move is not None and move in MESSAGE_FOR:
        return MESSAGE_FOR[move]
    if move == "reply" or view.stage == "gone-quiet":
        raise DraftError(
            f"{contact.name} did not answer {len(contact.outreach)} messages: the nudges are done, "
            "and writing again would be pestering",
            f'to draft one anyway, name the kind: iinotes draft nudge "{contact.name}"',
        )
    if view.stage == "lead":
        return "referral" if target.referrer else "outreach"
    for item in items:
        if item.contact_path == contact.path and item.kind in MESSAGE_FOR and item.kind != "referral":
            return MESSAGE_FOR[item.kind]
    if view.stage == "scheduled":
        statuses = {i.status for i in target.interviews if i.scheduled is not None and i.confirmed is None}
        if statuses & {"requested", "scheduled"}:
            return "confirm"  # a time you proposed, or one not confirmed yet
        raise DraftError(
            f"the meeting with {contact.name} is confirmed: nothing to send before it",
            f'to draft one anyway, name the kind: iinotes draft confirm "{contact.name}"',
        )
    return {"awaiting-reply": "nudge", "replied": "schedule"}.get(view.stage, "keep-in-touch")


def _meeting(kind: str, target: Target, settings: Settings, today: dt.date) -> Interview | None:
    """The meeting a message is about: the next one (confirm), the last one (thank-you, keep in
    touch), the last cancelled or missed one (reschedule); None when the kind needs none."""
    tz = settings.timezone
    past = [i for i in target.interviews if happened(i, today, tz)]
    if kind == "confirm":
        ahead = [i for i in target.interviews if upcoming(i, today, tz) and i.scheduled is not None]
        if ahead:
            return ahead[0]
        raise DraftError(f"{target.name} has no meeting ahead with a date to confirm")
    if kind == "thank-you":
        if past:
            return ([i for i in past if i.thank_you_sent is None] or past)[-1]
        raise DraftError(f"{target.name} has no meeting that took place to thank them for")
    if kind == "reschedule":
        missed = [i for i in target.interviews if i.status in ("cancelled", "no-show")]
        if missed:
            return missed[-1]
        raise DraftError(f"{target.name} has no cancelled or missed meeting to reschedule")
    if kind == "keep-in-touch":
        return past[-1] if past else None
    return None


def values_for(kind: str, target: Target, settings: Settings, today: dt.date) -> dict[str, str]:
    """Every placeholder's value for a `kind` message to `target` (empty when not known)."""
    view = target.view
    contact = view.contact if view is not None else None
    if contact is not None and contact.status == "do-not-contact":
        raise DraftError(f"{contact.name} is do-not-contact: iinotes drafts no message to them")
    first = target.name.split()[0] if target.name.split() else target.name
    company, role = (contact.company, contact.role) if contact else ("", "")
    values = dict.fromkeys(PLACEHOLDERS, "")
    values.update(
        name=target.name,
        first_name=first,
        company=company,
        role=role,
        your_work=_your_work(role, company),
        source=contact.source if contact else "",
        how_found=_how_found(contact.source if contact else "", target.referrer, company),
        referrer=target.referrer,
        referrer_first_name=target.referrer.split()[0] if target.referrer.split() else "",
        minutes=str(ASK_MINUTES),
        my_name=settings.me_name,
        my_background=settings.me_background,
        my_goal=settings.me_goal,
        my_signature=settings.me_signature or settings.me_name,
    )
    if kind == "referral" and not target.referrer:
        raise DraftError(
            f"nobody referred you to {target.name} (no referred_by, and no meeting names them)",
            f'set referred_by in their note, or draft an outreach: iinotes draft outreach "{target.name}"',
        )
    outreach = contact.outreach if contact else ()
    if outreach:
        days = [_day_text(entry.date, today, weekday=False) for entry in outreach]
        values["earlier_messages"] = "on " + (
            f"{days[0]} and again on {days[1]}" if len(days) == 2 else _joined(days)
        )
        values["last_outreach"] = days[-1]
        number = len(outreach)
        values["nudge_number"] = str(number)
        values["nudge_of"] = f"{_ordinal(number)} of {settings.max_nudges}"
        values["nudge_closing"] = (
            "If now is not a good time, I completely understand, and I will not write again."
            if number >= settings.max_nudges
            else "Thank you for considering it."
        )
    elif kind == "nudge":
        raise DraftError(
            f"no outreach to {target.name} is logged, so there is nothing to nudge about",
            f'draft the first message: iinotes draft outreach "{target.name}"',
        )
    meeting = _meeting(kind, target, settings, today)
    if meeting is not None:
        values.update(_meeting_values(meeting, first, settings, today))
    if view is not None:
        values["since"] = _since(meeting, view, settings, today)
    return values


def _your_work(role: str, company: str) -> str:
    if role and company:
        return f"your role as {role} at {company}"
    if role:
        return f"your role as {role}"
    return f"your work at {company}" if company else "your work"


_SOURCES = (
    (
        re.compile(r"alumn|graduate|school|college|university", re.I),
        "I found your name through our alumni network.",
    ),
    (re.compile(r"linked\s*in", re.I), "I came across your profile on LinkedIn."),
    (re.compile(r"event|meetup|conference|talk|panel", re.I), "I came across your work at a recent event."),
)


def _how_found(source: str, referrer: str, company: str) -> str:
    if referrer:
        return f"I was referred to you by {referrer}."
    for pattern, sentence in _SOURCES:
        if pattern.search(source):
            return sentence
    if source.strip() and not re.search(r"cold|referral", source, re.I):
        return f"I came across your name through {source.strip()}."
    return f"I came across your work at {company}." if company else ""


def _meeting_values(meeting: Interview, first: str, settings: Settings, today: dt.date) -> dict[str, str]:
    start = meeting_start(meeting, settings.timezone)
    medium = meeting.medium.casefold()
    kind = (
        "phone call"
        if "phone" in medium
        else "video call"
        if any(word in medium for word in ("video", "zoom", "meet", "teams", "skype"))
        else "meeting"
        if medium in ("in-person", "in person", "coffee", "lunch", "office")
        else "conversation"
    )
    values = {"meeting": kind, "meeting_minutes": str(meeting.duration)}
    if start is not None:
        local, label = _their_time(meeting, start, settings.timezone)
        values["meeting_day"] = _day_text(local.date(), today, weekday=True)
        hour = local.hour % 12 or 12
        values["meeting_time"] = f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}" + (
            f" {label}" if label else ""
        )
    elif isinstance(meeting.scheduled, dt.date):
        values["meeting_day"] = _day_text(meeting.scheduled, today, weekday=True)
    location = meeting.location.strip()
    if re.match(r"https?://", location):
        values["meeting_place"] = f"Here is the link I have: {location}"
    elif kind == "meeting" and location:
        values["meeting_place"] = f"I will meet you at {location}."
    elif kind == "phone call" and re.fullmatch(r"[+()\d][\d ()./-]{6,}", location):
        values["meeting_place"] = f"I will call you at {location}."
    open_tasks = [c for c in meeting.commitments if not c.done]
    if open_tasks:
        promises = [
            _second_person(c.task, first) + (f" by {_day_text(c.due, today, weekday=False)}" if c.due else "")
            for c in open_tasks
        ]
        values["commitments"] = (
            f"As we discussed, I will {promises[0]}."
            if len(promises) == 1
            else "As we discussed, I will:\n" + "\n".join(f"- {p}" for p in promises)
        )
    names = [r.display or r.target.rsplit("/", 1)[-1] for r in meeting.referrals]
    if names:
        values["referrals_given"] = f"Thank you also for suggesting I get in touch with {_joined(names)}."
    return values


def _their_time(meeting: Interview, start: dt.datetime, vault_zone: str) -> tuple[dt.datetime, str]:
    """The meeting's start in their time zone (the note's `timezone`, else the offset written in
    `scheduled`, else the vault's), and a label naming that zone when it is not the vault's."""
    if meeting.timezone:
        local = start.astimezone(zone(meeting.timezone))
        if meeting.timezone == vault_zone:
            return local, ""
        return local, meeting.timezone.rsplit("/", 1)[-1].replace("_", " ") + " time"
    local = start if start.tzinfo is not None else start.replace(tzinfo=zone(vault_zone))
    if local.utcoffset() == local.astimezone(zone(vault_zone)).utcoffset():
        return local, ""
    offset = local.strftime("%z")
    return local, f"(UTC{offset[:3]}:{offset[3:]})"


def _since(meeting: Interview | None, view: ContactView, settings: Settings, today: dt.date) -> str:
    if meeting is not None and isinstance(meeting.scheduled, dt.date):
        day = (
            meeting.scheduled if not isinstance(meeting.scheduled, dt.datetime) else meeting.scheduled.date()
        )
        return f"since we spoke in {_month_text(day, today)}"
    if view.last_touch is not None:
        return f"since we were last in touch in {_month_text(view.last_touch, today)}"
    return "since we were last in touch"


def _second_person(task: str, first: str) -> str:
    """A task as you wrote it for yourself, said to them: "Send Hannah my sample" -> "send you my
    sample"; "the set Maria recommended" -> "the set you recommended"."""
    text = re.sub(rf"\b{re.escape(first)}'s\b", "your", task) if first else task
    text = re.sub(rf"\b{re.escape(first)}\b", "you", text) if first else text
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text.rstrip(".")


def _joined(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"


def _day_text(day: dt.date, today: dt.date, *, weekday: bool) -> str:
    text = f"{_MONTHS[day.month - 1]} {day.day}"
    if weekday:
        text = f"{_WEEKDAYS[day.weekday()]}, {text}"
    return text if day.year == today.year else f"{text}, {day.year}"


def _month_text(day: dt.date, today: dt.date) -> str:
    return _MONTHS[day.month - 1] + ("" if day.year == today.year else f" {day.year}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def draft(
    kind: str, target: Target, template: Template, settings: Settings, today: dt.date, *, check: bool = True
) -> Draft:
    """The `kind` message to `target` from `template`, linted (unless `check` is false)."""
    subject, body = fill(template, values_for(kind, target, settings, today))
    email = target.view.contact.email if target.view is not None else ""
    warnings = lint(f"Subject: {subject}\n\n{body}", kind, referrer=target.referrer) if check else []
    return Draft(kind, target.name, email, subject, body, tuple(warnings))


# --- other forms --------------------------------------------------------------------------------


def mailto(message: Draft) -> str:
    """A `mailto:` URL (RFC 6068): the address, then subject and body percent-encoded as UTF-8,
    line breaks as %0D%0A."""
    from urllib.parse import quote

    body = message.body.replace("\r\n", "\n").replace("\n", "\r\n")
    query = f"subject={quote(message.subject, safe='')}&body={quote(body, safe='')}"
    return f"mailto:{quote(message.email, safe='@')}?{query}"


def eml(message: Draft) -> bytes:
    """The draft as an RFC 5322 message (`.eml`, marked `X-Unsent: 1` so that mail clients open it
    as a draft to send): UTF-8, quoted-printable body, CRLF line ends.

    Written with the email package's compat32 API: the modern header folder splits a long non-ASCII
    name into encoded-words that read back with a space inside a word (hypothesis found it)."""
    from email import charset, policy
    from email.header import Header
    from email.mime.text import MIMEText
    from email.utils import formataddr

    utf8 = charset.Charset("utf-8")
    utf8.body_encoding = charset.QP
    mail = MIMEText(message.body + "\n", "plain", utf8)  # type: ignore[arg-type]
    if message.email:
        mail["To"] = formataddr((_printable(message.name), message.email), charset="utf-8")
    mail["Subject"] = Header(_printable(message.subject), "utf-8")  # type: ignore[assignment]
    mail["X-Unsent"] = "1"
    return mail.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def _printable(text: str) -> str:
    """Header text on one line, without control characters."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())


def as_dict(message: Draft) -> dict[str, object]:
    """JSON-ready form with stable keys."""
    return {
        "kind": message.kind,
        "to": {"name": message.name, "email": message.email or None},
        "subject": message.subject,
        "body": message.body,
        "mailto": mailto(message),
        "warnings": [{"rule": w.rule, "line": w.line, "message": w.message} for w in message.warnings],
    }


def feed_text(message: Draft, *, private: bool) -> str:
    """What a feed event's description carries: the draft, its address only when `private`."""
    return "Draft message:\n" + message.text(with_address=private).rstrip("\n")


def feed_drafts(
    index: Index,
    items: Iterable[FollowUp],
    settings: Settings,
    templates: dict[str, Template | DraftError],
    today: dt.date,
    memo: dict[str, tuple[tuple[object, ...], str]] | None = None,
) -> dict[str, str]:
    """UID -> the draft for each follow-up that calls for a message (`feed.drafts`). A draft that
    cannot be made (a broken template, a missing `[me]` key) says why instead, so the feed is still
    written. `memo` (kept by the caller between calls, as in watch mode): a draft whose inputs are
    all equal is not made again."""
    texts: dict[str, str] = {}
    fresh: dict[str, tuple[tuple[object, ...], str]] = {}
    for item in items:
        kind = MESSAGE_FOR.get(item.kind)
        target = target_of_item(index, item) if kind else None
        if (
            kind is None
            or target is None
            or kind == "outreach"
            or (kind == "referral" and not target.referrer)
        ):
            continue
        template = templates[kind]
        key = (kind, target, template, settings, today)
        known = memo.get(item.uid) if memo is not None else None
        if known is not None and known[0] == key:
            text = known[1]
        else:
            try:
                if isinstance(template, DraftError):
                    raise template
                text = feed_text(
                    draft(kind, target, template, settings, today, check=False),
                    private=settings.private_details,
                )
            except (DraftError, SettingsError) as error:
                text = f"No draft: {error.message}"
        fresh[item.uid] = (key, text)
        texts[item.uid] = text
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return texts
