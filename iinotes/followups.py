"""The follow-up rules (pure): index + settings + today -> every open follow-up, with a stable id.

Nothing here reads files or the clock; `today` is passed in. Times are computed as real
instants (zoneinfo, fold=0: a wall time in a DST gap means the instant after the gap, an
ambiguous one the first occurrence, as RFC 5545 says)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .index import ContactView, Index, happened, meeting_day, meeting_start, same_objects
from .model import INACTIVE_STATUSES, Commitment, Contact, Interview
from .settings import WEEKDAYS, Settings
from .values import wall_time, zone

KINDS = (
    "nudge",
    "prepare",
    "confirm",
    "interview",
    "thank-you",
    "commitment",
    "referral",
    "keep-in-touch",
    "manual",
    "review",
)
TIMED_KINDS = ("interview", "confirm")
CONFIRM_MINUTES = 15
MANUAL_MINUTES = 15


@dataclass(frozen=True)
class FollowUp:
    """One thing to do: its kind, day (and time span when timed), words, note and stable id."""

    kind: str
    uid: str
    due: dt.date  # the local day it is due, in the vault's time zone
    title: str  # the action and the person: "Nudge Jane Doe (2nd of 3)"
    detail: str  # why: "no reply since 2026-11-02"
    path: str  # the note it comes from
    person: str
    contact_path: str | None
    start: dt.datetime | None = None  # aware; set for timed items
    minutes: int = 0
    location: str = ""
    overdue: bool = False

    @property
    def timed(self) -> bool:
        """True when the item has a start time (else it is for a whole day)."""
        return self.start is not None

    def sentence(self) -> str:
        """The plain-words line `due` prints: "Nudge Jane Doe (2nd of 3): no reply since ..."."""
        return f"{self.title}: {self.detail}" if self.detail else self.title


def stable_uid(note_key: str, kind: str, ordinal: str) -> str:
    """An opaque UID from the note's id, the kind and an ordinal that survives list reordering."""
    digest = hashlib.sha256(f"{note_key}\x1f{kind}\x1f{ordinal}".encode()).hexdigest()[:32]
    return f"{digest}@iinotes"


def note_key(note: Contact | Interview) -> str:
    """The note's `id`; without one, its file name (survives moving the note, not renaming it)."""
    return (
        f"id:{note.id}" if note.id else "file:" + note.path.rsplit("/", 1)[-1].removesuffix(".md").casefold()
    )


class _LazyText:
    """Text made the first time it is formatted: most past meetings produce no follow-up, so
    describing them up front was a third of the time `follow_ups` took on a large vault."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._text: str | None = None

    def __format__(self, spec: str) -> str:
        if self._text is None:
            self._text = self._make()
        return format(self._text, spec)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day_after(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _local_day(instant: dt.datetime, settings: Settings) -> dt.date:
    try:
        return instant.astimezone(zone(settings.timezone)).date()
    except OverflowError:
        return instant.date()


def _shift(instant: dt.datetime, hours: int) -> dt.datetime | None:
    try:
        return (instant.astimezone(dt.UTC) + dt.timedelta(hours=hours)).astimezone(instant.tzinfo)
    except OverflowError:
        return None


Memo = dict[str, tuple[tuple[object, ...], tuple[object, ...], list[tuple[tuple[object, ...], FollowUp]]]]


def follow_ups(
    index: Index,
    settings: Settings,
    today: dt.date,
    memo: Memo | None = None,
    reviews: Collection[str] = (),
) -> list[FollowUp]:
    """Every open follow-up of the vault on `today`, sorted by day, time, then id. `reviews`: the
    vault-relative paths of the review notes written (`reviews/2026-W48.md`).

    `memo` (a dict kept by the caller between calls) holds each contact's follow-ups with
    everything they were computed from; a contact whose inputs are all equal (usually the very
    same note objects) is not worked out again. Watch mode rebuilds use it."""
    keyed: list[tuple[tuple[object, ...], FollowUp]] = []
    fresh: Memo = {}
    for view in index.contacts.values():
        if view.contact.status in INACTIVE_STATUSES:
            continue
        interviews = [index.interviews[p].interview for p in view.interviews]
        notes = (view.contact, *interviews)
        inputs = (settings, today, view.stage, _referral_inputs(view, index))
        known = memo.get(view.contact.path) if memo is not None else None
        if known is not None and known[0] == inputs and same_objects(known[1], notes):
            produced = known[2]
        else:
            items = _contact_items(view, interviews, index, settings, today)
            for interview in interviews:
                items += _interview_items(view, interview, index, settings, today)
            produced = [(_order(item), item) for item in (_mark_overdue(i, today) for i in items)]
        fresh[view.contact.path] = (inputs, notes, produced)
        keyed += produced
    for path, iview in index.interviews.items():  # interviews whose contact note is missing
        if iview.contact is None and iview.interview.contact is not None:
            orphan = Contact(path=path, name=iview.interview.contact.target)
            fake = ContactView(orphan, "lead", (path,), None, (), (), None, 0)
            keyed += [
                (_order(item), item)
                for item in (
                    _mark_overdue(i, today)
                    for i in _interview_items(fake, iview.interview, index, settings, today)
                )
            ]
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    review = weekly_review(settings, today, reviews) if index.contacts else None  # nothing to review yet
    if review is not None:
        keyed.append((_order(review), review))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def _order(item: FollowUp) -> tuple[object, ...]:
    return (item.due, item.start.astimezone(dt.UTC).isoformat() if item.start else "", item.kind, item.uid)


def _referral_inputs(view: ContactView, index: Index) -> tuple[object, ...]:
    """What the referral rule reads about the people this contact's interviews name."""
    state: list[tuple[object, ...]] = []
    for path in view.interviews:
        for referral in index.interviews[path].referrals:
            target = index.contacts.get(referral.target) if referral.target else None
            if target is None:
                state.append((referral.name, None))
            else:
                c = target.contact
                state.append(
                    (
                        referral.name,
                        referral.target,
                        c.name,
                        bool(c.outreach),
                        c.responded is not None,
                        bool(target.interviews),
                        c.status,
                    )
                )
    return tuple(state)


def _mark_overdue(item: FollowUp, today: dt.date) -> FollowUp:
    if item.due < today:
        return FollowUp(**{**item.__dict__, "overdue": True})
    return item


def _contact_items(
    view: ContactView, interviews: list[Interview], index: Index, settings: Settings, today: dt.date
) -> list[FollowUp]:
    contact = view.contact
    key = note_key(contact)
    items: list[FollowUp] = []
    name = contact.name
    active_interviews = [i for i in interviews if i.status not in ("cancelled",)]

    if contact.outreach and contact.responded is None and not active_interviews:
        nudges_sent = len(contact.outreach) - 1
        if nudges_sent < settings.max_nudges:
            last = contact.outreach[-1].date
            number = nudges_sent + 1
            items.append(
                FollowUp(
                    "nudge",
                    stable_uid(key, "nudge", str(number)),
                    _day_after(last, settings.nudge_after_days),
                    f"Nudge {name} ({_ordinal(number)} of {settings.max_nudges})",
                    f"no reply since {last.isoformat()}",
                    contact.path,
                    name,
                    contact.path,
                )
            )

    if view.stage in ("met", "in-touch"):
        cadence = contact.keep_in_touch if contact.keep_in_touch_set else settings.keep_in_touch
        anchor = _latest_touch(contact, interviews, settings, today)
        if cadence is not None and anchor is not None:
            items.append(
                FollowUp(
                    "keep-in-touch",
                    stable_uid(key, "keep-in-touch", "1"),
                    cadence.after(anchor),
                    f"Keep in touch with {name}",
                    f"last in touch {anchor.isoformat()}; your cadence is every {cadence}",
                    contact.path,
                    name,
                    contact.path,
                )
            )

    if contact.follow_up is not None:
        items += _manual(contact, key, interviews, settings)

    for commitment in contact.commitments:
        item = _commitment(commitment, key, contact.path, name, contact.path, "")
        if item:
            items.append(item)
    return _dedupe_ordinals(items)


def _latest_touch(
    contact: Contact, interviews: list[Interview], settings: Settings, today: dt.date
) -> dt.date | None:
    """What keep-in-touch counts from: the latest meeting, thank-you, reply or touch (the
    contact's `last_contact`, when set, overrides them)."""
    if contact.last_contact is not None:
        return contact.last_contact
    days = [e.date for e in contact.touches] + [d for d in (contact.responded,) if d]
    for interview in interviews:
        if happened(interview, today, settings.timezone):
            day = meeting_day(interview, settings.timezone)
            if day:
                days.append(day)
        if interview.thank_you_sent:
            days.append(interview.thank_you_sent)
    return max(days) if days else None


def _manual(contact: Contact, key: str, interviews: list[Interview], settings: Settings) -> list[FollowUp]:
    when = contact.follow_up
    start = None
    if isinstance(when, dt.datetime):
        start = when if when.tzinfo else wall_time(when, settings.timezone)
        day = _local_day(start, settings)
    else:
        assert when is not None
        day = when
    later = [e.date for e in (*contact.outreach, *contact.touches)] + [
        d for d in (contact.responded, contact.last_contact) if d
    ]
    later += [i.thank_you_sent for i in interviews if i.thank_you_sent]
    if any(d >= day for d in later):
        return []  # the note already shows a contact on or after the day you set
    return [
        FollowUp(
            "manual",
            stable_uid(key, "manual", "1"),
            day,
            f"Follow up with {contact.name}",
            f"you set this follow-up in {contact.path}",
            contact.path,
            contact.name,
            contact.path,
            start=start,
            minutes=MANUAL_MINUTES if start else 0,
        )
    ]


def _commitment(
    item: Commitment, key: str, path: str, name: str, contact_path: str | None, context: object
) -> FollowUp | None:
    if item.done or item.due is None:
        return None
    words = " ".join(item.task.casefold().split())
    detail = f"you promised {name} this{context}"
    return FollowUp(
        "commitment",
        stable_uid(key, "commitment", words),
        item.due,
        f"{item.task} (for {name})",
        detail,
        path,
        name,
        contact_path,
    )


def _dedupe_ordinals(items: list[FollowUp]) -> list[FollowUp]:
    """Two identical tasks in one note get distinct UIDs (…, then #2, #3 in order of due date)."""
    seen: dict[str, int] = {}
    result = []
    for item in sorted(items, key=lambda f: (f.due, f.title)):
        count = seen.get(item.uid, 0) + 1
        seen[item.uid] = count
        if count > 1:
            item = FollowUp(**{**item.__dict__, "uid": stable_uid(item.uid, "again", str(count))})
        result.append(item)
    return result


def _interview_items(
    view: ContactView, interview: Interview, index: Index, settings: Settings, today: dt.date
) -> list[FollowUp]:
    if interview.status in ("cancelled",):
        return []
    key = note_key(interview)
    name = view.contact.name
    cpath = view.contact.path if view.contact.path in index.contacts else None
    start = meeting_start(interview, settings.timezone)
    day = meeting_day(interview, settings.timezone)
    items: list[FollowUp] = []
    took_place = happened(interview, today, settings.timezone)
    ahead = interview.status in ("requested", "scheduled", "confirmed") and day is not None and day >= today
    where = " ".join(
        x for x in (interview.medium, f"at {interview.location}" if interview.location else "") if x
    )
    on = _LazyText(lambda: _on(interview, start, day, settings))

    if ahead and day is not None:
        items.append(
            FollowUp(
                "prepare",
                stable_uid(key, "prepare", "1"),
                _day_after(day, -settings.prepare_days_before),
                f"Prepare for {name}",
                f"research them and prepare questions for the meeting {on}",
                interview.path,
                name,
                cpath,
            )
        )
        confirmed = interview.status == "confirmed" or interview.confirmed is not None
        if not confirmed and interview.status == "scheduled":
            if start is not None:
                at = _shift(start, -settings.confirm_hours_before)
                if at is not None:
                    items.append(
                        FollowUp(
                            "confirm",
                            stable_uid(key, "confirm", "1"),
                            _local_day(at, settings),
                            f"Confirm the meeting with {name}",
                            f"the meeting {on} is not confirmed yet",
                            interview.path,
                            name,
                            cpath,
                            start=at,
                            minutes=CONFIRM_MINUTES,
                        )
                    )
            else:
                days = math.ceil(settings.confirm_hours_before / 24)
                items.append(
                    FollowUp(
                        "confirm",
                        stable_uid(key, "confirm", "1"),
                        _day_after(day, -days),
                        f"Confirm the meeting with {name}",
                        f"the meeting {on} is not confirmed yet (and has no time yet)",
                        interview.path,
                        name,
                        cpath,
                    )
                )
        items.append(
            FollowUp(
                "interview",
                stable_uid(key, "interview", "1"),
                day,
                f"Informational interview with {name}",
                f"{interview.duration} min {where}".strip(),
                interview.path,
                name,
                cpath,
                start=start,
                minutes=interview.duration if start else 0,
                location=interview.location,
            )
        )

    if took_place and interview.thank_you_sent is None:
        if start is not None:
            after = _shift(start, settings.thank_you_hours_after)
            due = _local_day(after, settings) if after is not None else dt.date.max
        else:
            due = _day_after(day or today, math.ceil(settings.thank_you_hours_after / 24))
        items.append(
            FollowUp(
                "thank-you",
                stable_uid(key, "thank-you", "1"),
                due,
                f"Thank {name}",
                f"send a thank-you for the meeting {on}",
                interview.path,
                name,
                cpath,
            )
        )

    if took_place and day is not None:
        iview = index.interviews[interview.path]
        for referral in iview.referrals:
            target = index.contacts.get(referral.target) if referral.target else None
            if target is not None and (
                target.contact.outreach
                or target.contact.responded
                or target.interviews
                or target.contact.status in INACTIVE_STATUSES
            ):
                continue
            person = target.contact.name if target else referral.name
            items.append(
                FollowUp(
                    "referral",
                    stable_uid(key, "referral", referral.name.casefold()),
                    _day_after(day, settings.referral_days_after),
                    f"Reach out to {person} (referred by {name})",
                    f"{name} suggested you talk to {person}"
                    + ("" if target else "; there is no contact note for them yet"),
                    interview.path,
                    person,
                    referral.target,
                )
            )

    for commitment in interview.commitments:
        item = _commitment(
            commitment, key, interview.path, name, cpath, _LazyText(lambda: f" at the meeting {on}")
        )
        if item:
            items.append(item)
    return _dedupe_ordinals(items)


def _on(interview: Interview, start: dt.datetime | None, day: dt.date | None, settings: Settings) -> str:
    if start is not None:
        local = (
            start.astimezone(zone(interview.timezone or settings.timezone))
            if not isinstance(interview.scheduled, dt.datetime) or interview.scheduled.tzinfo is None
            else start
        )
        naive = not isinstance(interview.scheduled, dt.datetime) or interview.scheduled.tzinfo is None
        label = interview.timezone or (settings.timezone if naive else local.strftime("UTC%z"))
        return f"on {local.strftime('%Y-%m-%d at %H:%M')} ({label})"
    return f"on {day.isoformat()}" if day else "(no date yet)"


def weekly_review(settings: Settings, today: dt.date, reviews: Collection[str]) -> FollowUp | None:
    """This ISO week's review item, on `review_weekday`, until `reviews/<week>.md` is written. Only
    the current week's item exists, so missed reviews never pile up as overdue."""
    if not settings.review_weekday:
        return None
    year, week, weekday = today.isocalendar()
    label = f"{year}-W{week:02d}"
    path = f"reviews/{label}.md"
    if path in reviews:
        return None
    due = _day_after(today, WEEKDAYS.index(settings.review_weekday) - (weekday - 1))
    return FollowUp(
        "review",
        stable_uid("vault", "review", label),
        due,
        f"Weekly review ({label})",
        "see what happened, what slipped and what is next: run `iinotes review --write`",
        path,
        "",
        None,
        overdue=due < today,
    )
