"""The follow-up rules (pure): index + settings + today -> every open follow-up, with a stable id.

Nothing here reads files or the clock; `today` is passed in. Times are computed as real
instants (zoneinfo, fold=0: a wall time in a DST gap means the instant after the gap, an
ambiguous one the first occurrence, as RFC 5545 says)."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .index import ContactView, Index, InterviewView, same_objects
from .model import INACTIVE_STATUSES, Commitment, Contact, Interview
from .settings import Settings
from .timing import (
    day_after,
    happened,
    meeting_day,
    meeting_start,
    resumed,
    same_week,
    status_on,
    week_of,
    weekday_of_week,
)
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
    "schedule",
    "reschedule",
    "reach-out",
)
TIMED_KINDS = ("interview", "confirm")
CLOSED = ("cancelled", "no-show")  # meetings that will not happen
OPEN = ("requested", "scheduled", "confirmed")  # meetings still to happen (or to be given a date)
CONFIRM_MINUTES = 15
MANUAL_MINUTES = 15


@dataclass(frozen=True, slots=True)
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
        if not self.detail:
            return self.title
        if self.title.endswith("?"):  # "Reschedule with Jane Doe? The meeting on ..."
            return f"{self.title} {self.detail[:1].upper()}{self.detail[1:]}"
        return f"{self.title}: {self.detail}"


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


Key = tuple[object, ...]  # a follow-up's place in the order (`_order`)
Keyed = list[tuple[Key, FollowUp]]


class Ordered:
    """Follow-ups in their order (`_order`) with their keys, changed a few at a time: `apply`
    removes and inserts by key (a binary search each) instead of sorting everything again."""

    __slots__ = ("keys", "items")

    def __init__(self, keyed: Keyed | None = None) -> None:
        self.keys: list[Key] = [key for key, _ in keyed or ()]
        self.items: list[FollowUp] = [item for _, item in keyed or ()]

    def distinct(self) -> bool:
        """No two keys are equal (else a full sort's order of the two cannot be told by the key)."""
        keys = self.keys
        return all(keys[n] != keys[n + 1] for n in range(len(keys) - 1))

    def apply(self, removed: Keyed, added: Keyed) -> bool:
        """Take out `removed` and put in `added`; False (and left half done: make it again) when an
        item is missing or a key would be equal to another's."""
        keys, items = self.keys, self.items
        for key, item in removed:
            at = bisect.bisect_left(keys, key)
            if at == len(keys) or items[at] is not item:
                return False
            del keys[at], items[at]
        for key, item in added:
            at = bisect.bisect_left(keys, key)
            if at < len(keys) and keys[at] == key:
                return False
            keys.insert(at, key)
            items.insert(at, item)
        return True


class Kept:
    """What `follow_ups` keeps between calls on one Vault (watch mode), so that `update_follow_ups`
    works out again only the contacts a change reaches: each active contact's follow-ups with what
    they were computed from (`contacts`: reused for equal inputs and the very same notes), those of
    interviews whose contact note is missing (`orphans`), the weekly items, the whole list in order
    (`ordered`), and what the weekly reach-out reads: how many follow-ups name each contact (`busy`),
    the leads free this week in their order (`leads`, `lead_of`) and who got a first outreach this
    week (`started`). `made_for` is the settings and day they hold for (None: nothing kept)."""

    def __init__(self) -> None:
        self.made_for: tuple[Settings, dt.date] | None = None
        self.contacts: dict[str, tuple[Key, tuple[object, ...], Keyed]] = {}
        self.orphans: dict[str, Keyed] = {}
        self.weekly: Keyed = []
        self.ordered = Ordered()
        self.busy: dict[str, int] = {}
        self.leads: list[Key] = []
        self.lead_of: dict[str, Key] = {}
        self.started: set[str] = set()


def follow_ups(
    index: Index,
    settings: Settings,
    today: dt.date,
    memo: Kept | None = None,
    reviews: Collection[str] = (),
) -> list[FollowUp]:
    """Every open follow-up of the vault on `today`, sorted by day, time, kind, then name. `reviews`:
    the vault-relative paths of the review notes written (`reviews/2026-W48.md`; any container of
    paths will do).

    `memo` (kept by the caller between calls) holds each contact's follow-ups with everything they
    were computed from; a contact whose inputs are all equal (usually the very same note objects)
    is not worked out again. It is then ready for `update_follow_ups`. Watch mode rebuilds use it."""
    kept = memo if memo is not None else Kept()
    known_contacts, kept.contacts, kept.orphans = kept.contacts, {}, {}
    keyed: Keyed = []
    for view in index.contacts.values():
        if status_on(view.contact, today) != "active":
            continue
        produced = _contact_follow_ups(view, index, settings, today, known_contacts.get(view.contact.path))
        kept.contacts[view.contact.path] = produced
        keyed += produced[2]
    for path, iview in index.interviews.items():  # interviews whose contact note is missing
        orphan = _orphan_follow_ups(iview, index, settings, today)
        if orphan:
            kept.orphans[path] = orphan
            keyed += orphan
    kept.busy = {}
    for _, item in keyed:
        if item.contact_path:
            kept.busy[item.contact_path] = kept.busy.get(item.contact_path, 0) + 1
    weekly = reach_out(index, settings, today, kept.busy)
    kept.lead_of = {
        path: lead for path in weekly.leads if (lead := _lead_key(index.contacts[path], today)) is not None
    }
    kept.leads = sorted(kept.lead_of.values())
    kept.started = {path for path, view in index.contacts.items() if _started(view, today)}
    kept.weekly = _weekly(weekly.item, index, settings, today, reviews)
    keyed += kept.weekly
    keyed.sort(key=lambda pair: pair[0])
    kept.ordered = Ordered(keyed)
    kept.made_for = (settings, today) if kept.ordered.distinct() else None
    return list(kept.ordered.items)


def update_follow_ups(
    kept: Kept,
    index: Index,
    settings: Settings,
    today: dt.date,
    contacts: Collection[str],
    interviews: Collection[str],
    reviews: Collection[str] = (),
) -> tuple[list[FollowUp], Keyed, Keyed] | None:
    """What `follow_ups` would give for `index`, from `kept` (made by the last `follow_ups` or
    update, for an index that differs from this one only in the notes of `contacts` (contact
    paths) and `interviews` (interview paths): those are worked out again (the caller says which;
    see `pipeline.Build.reach`), with the weekly items. Also the follow-ups taken out and put in
    (with their keys): every follow-up of those contacts, even one that is the very same object
    (its event reads more of the contact: `feed.private_details`). None when it cannot be done
    this way (nothing kept for these settings and day, or two items would tie in the order): then
    `follow_ups` must run, and `kept` is to be made again by it."""
    if kept.made_for != (settings, today):
        return None
    removed: Keyed = []
    added: Keyed = []
    named: set[str] = set()  # contacts whose number of follow-ups naming them changed
    for path in contacts:
        old = kept.contacts.pop(path, None)
        view = index.contacts.get(path)
        new = None
        if view is not None and status_on(view.contact, today) == "active":
            new = _contact_follow_ups(view, index, settings, today, old)
            kept.contacts[path] = new
        removed += old[2] if old is not None else ()
        added += new[2] if new is not None else ()
    for path in interviews:
        old_items = kept.orphans.pop(path, None)
        iview = index.interviews.get(path)
        new_items = _orphan_follow_ups(iview, index, settings, today) if iview is not None else []
        if new_items:
            kept.orphans[path] = new_items
        removed += old_items or ()
        added += new_items
    for sign, changes in ((-1, removed), (1, added)):
        for _, item in changes:
            if item.contact_path:
                count = kept.busy.get(item.contact_path, 0) + sign
                if count:
                    kept.busy[item.contact_path] = count
                else:
                    del kept.busy[item.contact_path]
                named.add(item.contact_path)
    for path in {*contacts, *named}:
        lead = kept.lead_of.pop(path, None)
        if lead is not None:
            del kept.leads[bisect.bisect_left(kept.leads, lead)]
        view = index.contacts.get(path)
        lead = _lead_key(view, today) if view is not None and path not in kept.busy else None
        if lead is not None:
            kept.lead_of[path] = lead
            bisect.insort(kept.leads, lead)
        kept.started.discard(path)
        if view is not None and _started(view, today):
            kept.started.add(path)
    removed += kept.weekly
    quota = _quota(settings, len(kept.started))
    chosen = [index.contacts[str(lead[-1])] for lead in kept.leads[:quota]]
    kept.weekly = _weekly(
        _outreach_item(chosen, settings, today) if quota else None, index, settings, today, reviews
    )
    added += kept.weekly
    if not kept.ordered.apply(removed, added):
        kept.made_for = None
        return None
    return list(kept.ordered.items), removed, added


def _contact_follow_ups(
    view: ContactView,
    index: Index,
    settings: Settings,
    today: dt.date,
    known: tuple[Key, tuple[object, ...], Keyed] | None,
) -> tuple[Key, tuple[object, ...], Keyed]:
    """An active contact's follow-ups with what they were computed from (`known`, the last ones:
    reused when every input is equal and the notes are the very same objects)."""
    interviews = [index.interviews[p].interview for p in view.interviews]
    notes = (view.contact, *interviews)
    inputs = (settings, today, view.stage, view.last_touch, _referral_inputs(view, index))
    if known is not None and known[0] == inputs and same_objects(known[1], notes):
        return known
    items = _contact_items(view, interviews, index, settings, today)
    for interview in interviews:
        items += _interview_items(view, interview, index, settings, today)
    items = [_after_pause(i, view.contact) for i in items]
    return inputs, notes, [(_order(item), item) for item in (_mark_overdue(i, today) for i in items)]


def _orphan_follow_ups(iview: InterviewView, index: Index, settings: Settings, today: dt.date) -> Keyed:
    """The follow-ups of an interview whose contact note is missing (none for the others)."""
    if iview.contact is not None or iview.interview.contact is None:
        return []
    path = iview.interview.path
    orphan = Contact(path=path, name=iview.interview.contact.target)
    fake = ContactView(orphan, "lead", (path,), None, (), (), None, 0)
    return [
        (_order(item), item)
        for item in (
            _mark_overdue(i, today) for i in _interview_items(fake, iview.interview, index, settings, today)
        )
    ]


def _weekly(
    outreach: FollowUp | None, index: Index, settings: Settings, today: dt.date, reviews: Collection[str]
) -> Keyed:
    """The reach-out and review items of this week, with their keys."""
    items = [_mark_overdue(outreach, today)] if outreach is not None else []
    review = weekly_review(settings, today, reviews) if index.contacts else None  # nothing to review yet
    if review is not None:
        items.append(review)
    return [(_order(item), item) for item in items]


def _order(item: FollowUp) -> tuple[object, ...]:
    """Within a day: all-day items first, then by time; then by kind (in the order of KINDS), by
    the person's name, and the UID last only to break ties."""
    start = item.start.astimezone(dt.UTC).isoformat() if item.start else ""
    return (item.due, start, KINDS.index(item.kind), item.person.casefold(), item.uid)


def _after_pause(item: FollowUp, contact: Contact) -> FollowUp:
    """What fell due while the contact was paused is due on the resume day (as an all-day item)."""
    due = resumed(item.due, contact)
    if due == item.due:
        return item
    return dataclasses.replace(item, due=due, start=None, minutes=0)


@dataclass(frozen=True, slots=True)
class WeeklyOutreach:
    """This week's reach-out item (None when the week's batch is done or the setting is 0), the
    leads in the order they come up, and how many of them this week's item holds."""

    item: FollowUp | None
    leads: tuple[str, ...]  # contact paths: added first (no `added`: first of all), then name
    this_week: int


def reach_out(
    index: Index, settings: Settings, today: dt.date, busy: Collection[str | None] = ()
) -> WeeklyOutreach:
    """The weekly `reach-out` item: the first `weekly_outreach` active leads (fewer when contacts
    got their first outreach this week already), or "Develop more contacts" when none are left.
    Leads in `busy` (contact paths with a follow-up of their own: a referral, a manual follow-up)
    have their move already and are left out of the queue."""
    leads = sorted(
        (
            (key, view)
            for view in index.contacts.values()
            if (key := _lead_key(view, today)) is not None and view.contact.path not in busy
        ),
        key=lambda pair: pair[0],
    )
    paths = tuple(view.contact.path for _, view in leads)
    started = sum(1 for view in index.contacts.values() if _started(view, today))
    quota = _quota(settings, started)
    if quota == 0:
        return WeeklyOutreach(None, paths, 0)
    chosen = [view for _, view in leads[:quota]]
    return WeeklyOutreach(_outreach_item(chosen, settings, today), paths, len(chosen))


def _lead_key(view: ContactView, today: dt.date) -> Key | None:
    """A lead's place in the reach-out queue (added first, then name); None when not a lead."""
    contact = view.contact
    if view.stage != "lead" or contact.outreach or status_on(contact, today) != "active":
        return None
    return (contact.added or dt.date.min, contact.name.casefold(), contact.path)


def _started(view: ContactView, today: dt.date) -> bool:
    """Whether the contact got their first outreach this week."""
    return bool(view.contact.outreach) and same_week(view.contact.outreach[0].date, today)


def _quota(settings: Settings, started: int) -> int:
    """How many leads this week's reach-out item holds, with `started` contacts begun this week."""
    return max(0, settings.weekly_outreach - started)


def _outreach_item(chosen: list[ContactView], settings: Settings, today: dt.date) -> FollowUp:
    """This week's reach-out item for the `chosen` leads (none left: develop more contacts)."""
    per_week = settings.weekly_outreach
    due = weekday_of_week(today, settings.outreach_weekday)
    uid = stable_uid("vault", "reach-out", week_of(today))
    if chosen:
        names = ", ".join(v.contact.name for v in chosen)
        count = f"{len(chosen)} new contact{'s' if len(chosen) != 1 else ''}"
        return FollowUp(
            "reach-out",
            uid,
            due,
            f"Reach out to {count}: {names}",
            f"the next {'lead' if len(chosen) == 1 else 'leads'} in your list (added first); "
            f"{per_week} a week",
            chosen[0].contact.path if len(chosen) == 1 else "",
            names,
            chosen[0].contact.path if len(chosen) == 1 else None,
        )
    return FollowUp(
        "reach-out",
        uid,
        due,
        "Develop more contacts: ask for referrals, alumni, LinkedIn",
        "no leads are left in your list; add people with `iinotes new contact`",
        "",
        "",
        None,
    )


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
        return dataclasses.replace(item, overdue=True)
    return item


def _contact_items(
    view: ContactView, interviews: list[Interview], index: Index, settings: Settings, today: dt.date
) -> list[FollowUp]:
    contact = view.contact
    key = note_key(contact)
    items: list[FollowUp] = []
    name = contact.name
    tz = settings.timezone
    dated = [i for i in interviews if i.status not in CLOSED and meeting_day(i, tz) is not None]

    if contact.outreach and contact.responded is None and not dated:
        nudges_sent = len(contact.outreach) - 1
        if nudges_sent < settings.max_nudges:
            last = contact.outreach[-1].date
            number = nudges_sent + 1
            items.append(
                FollowUp(
                    "nudge",
                    stable_uid(key, "nudge", str(number)),
                    day_after(last, settings.nudge_after_days),
                    f"Nudge {name} ({_ordinal(number)} of {settings.max_nudges})",
                    f"no reply since {last.isoformat()}",
                    contact.path,
                    name,
                    contact.path,
                )
            )

    items += _meeting_moves(view, interviews, settings, today)
    cadence = contact.keep_in_touch if contact.keep_in_touch_set else settings.keep_in_touch
    answered_only = view.stage == "replied" and not any(
        i.kind in ("schedule", "reschedule", "nudge") for i in items
    )
    if view.stage in ("met", "in-touch") or answered_only:
        anchor = (
            _answered_touch(contact) if answered_only else _latest_touch(contact, interviews, settings, today)
        )
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


def _answered_touch(contact: Contact) -> dt.date | None:
    """What keep-in-touch counts from for a contact who answered but has not met you: the latest
    outreach, reply, touch or `last_contact` (even one dated ahead: a date you wrote is kept)."""
    days = [e.date for e in (*contact.outreach, *contact.touches)]
    days += [d for d in (contact.responded, contact.last_contact) if d]
    return max(days) if days else None


def _meeting_moves(
    view: ContactView, interviews: list[Interview], settings: Settings, today: dt.date
) -> list[FollowUp]:
    """`schedule` (they answered; no meeting has a date) or `reschedule` (the latest meeting was
    cancelled or a no-show, and nothing since shows a new contact)."""
    contact, tz = view.contact, settings.timezone
    key = note_key(contact)
    counted = [i for i in interviews if not (i.status in CLOSED and meeting_day(i, tz) is None)]
    latest = counted[-1] if counted else None
    if latest is not None and latest.status in CLOSED:
        day = meeting_day(latest, tz)
        assert day is not None
        since = [e.date for e in (*contact.outreach, *contact.touches)] + [
            d for d in (contact.last_contact,) if d
        ]
        if any(d > day for d in since):
            return []
        what = "was cancelled" if latest.status == "cancelled" else "was a no-show"
        return [
            FollowUp(
                "reschedule",
                stable_uid(note_key(latest), "reschedule", "1"),
                day_after(day, settings.reschedule_days_after),
                f"Reschedule with {contact.name}?",
                f"the meeting on {day.isoformat()} {what}; ask whether a new date suits them",
                latest.path,
                contact.name,
                contact.path,
            )
        ]
    held_or_dated = any(
        i.status == "done" or (i.status not in CLOSED and meeting_day(i, tz) is not None) for i in interviews
    )
    requested = [i for i in interviews if i.status in OPEN and meeting_day(i, tz) is None]
    ahead = any(i.status in OPEN and (meeting_day(i, tz) or dt.date.min) >= today for i in interviews)
    if not held_or_dated and contact.responded is not None:
        anchor = contact.responded
        why = f"they answered on {anchor.isoformat()} and no meeting has a date yet"
    elif requested and not ahead:  # a meeting asked for (maybe a second one) without a date
        anchor = view.last_touch or contact.added or today
        why = f"the meeting requested in {requested[0].path} has no date yet"
    else:
        return []
    return [
        FollowUp(
            "schedule",
            stable_uid(key, "schedule", "1"),
            day_after(anchor, settings.schedule_days_after),
            f"Propose a time to {contact.name}",
            why,
            contact.path,
            contact.name,
            contact.path,
        )
    ]


def _latest_touch(
    contact: Contact, interviews: list[Interview], settings: Settings, today: dt.date
) -> dt.date | None:
    """What keep-in-touch counts from: the latest meeting, thank-you, reply, touch or the
    contact's `last_contact` (one more touch: the latest of them wins)."""
    days = [e.date for e in contact.touches] + [d for d in (contact.responded, contact.last_contact) if d]
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
            item = dataclasses.replace(item, uid=stable_uid(item.uid, "again", str(count)))
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
        if interview.prepared is None:
            items.append(
                FollowUp(
                    "prepare",
                    stable_uid(key, "prepare", "1"),
                    day_after(day, -settings.prepare_days_before),
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
                        day_after(day, -days),
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
            due = day_after(day or today, math.ceil(settings.thank_you_hours_after / 24))
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
                    day_after(day, settings.referral_days_after),
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
    label = week_of(today)
    path = f"reviews/{label}.md"
    if path in reviews:
        return None
    due = weekday_of_week(today, settings.review_weekday)
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


@dataclass(frozen=True, slots=True)
class NextMove:
    """A contact's next move: the kind of follow-up, its day, whose move it is, and in words."""

    kind: str
    due: dt.date
    whose: str  # "mine" (a follow-up of yours) or "theirs" (waiting for a reply, a meeting ahead)
    words: str  # "waiting for a reply; nudge 2 of 3 on 2026-12-09"

    def as_dict(self) -> dict[str, str]:
        """`{"kind", "due", "whose"}` as `index --format json` gives it."""
        return {"kind": self.kind, "due": self.due.isoformat(), "whose": self.whose}

    def sentence(self) -> str:
        """`theirs: waiting for a reply; nudge 2 of 3 on 2026-12-09` (what `show` prints)."""
        return f"{self.whose}: {self.words}"


def next_moves(
    index: Index, settings: Settings, today: dt.date, items: list[FollowUp] | None = None
) -> dict[str, NextMove | None]:
    """Every contact's next move (by contact path), from the vault's follow-ups (`items`, as
    `follow_ups` gives them; worked out when not given). None: the contact has none (inactive,
    gone quiet, met with cadence `never`, or, wrongly, stuck: see `stuck`)."""
    if items is None:
        items = follow_ups(index, settings, today)
    earliest: dict[str, FollowUp] = {}
    for item in items:  # sorted: the first one of a contact is its earliest
        if item.contact_path is not None and item.kind != "reach-out":
            earliest.setdefault(item.contact_path, item)
    weekly = reach_out(index, settings, today, earliest)
    queue = {path: position for position, path in enumerate(weekly.leads)}
    moves: dict[str, NextMove | None] = {}
    for path, view in index.contacts.items():
        if status_on(view.contact, today) != "active":
            moves[path] = None
            continue
        candidates = []
        first = earliest.get(path)
        if first is not None:
            candidates.append(_move_of(first, view, settings, today))
        if path in queue and settings.weekly_outreach > 0:
            candidates.append(_queued(queue[path], weekly.this_week, settings, today))
        waiting = _last_wait(view, settings)
        if waiting is not None:
            candidates.append(waiting)
        moves[path] = min(candidates, key=lambda m: (m.due, m.whose == "theirs")) if candidates else None
    return moves


def next_move(
    index: Index, settings: Settings, today: dt.date, contact_path: str, items: list[FollowUp] | None = None
) -> NextMove | None:
    """One contact's next move (see `next_moves`): what a message drafted for them is about."""
    return next_moves(index, settings, today, items).get(contact_path)


def _move_of(item: FollowUp, view: ContactView, settings: Settings, today: dt.date) -> NextMove:
    if item.kind == "nudge" and item.due > today:
        number = len(view.contact.outreach)
        words = f"waiting for a reply; nudge {number} of {settings.max_nudges} on {item.due}"
        return NextMove("nudge", item.due, "theirs", words)
    if item.kind == "interview":
        return NextMove("interview", item.due, "theirs", f"the meeting on {item.due.isoformat()}")
    when = f"overdue since {item.due.isoformat()}" if item.due < today else f"on {item.due.isoformat()}"
    return NextMove(item.kind, item.due, "mine", f"{item.title} ({when})")


def _queued(position: int, this_week: int, settings: Settings, today: dt.date) -> NextMove:
    """A lead's turn in the weekly reach-out queue."""
    weeks = 0 if position < this_week else 1 + (position - this_week) // settings.weekly_outreach
    due = weekday_of_week(today, settings.outreach_weekday, weeks)
    batch = "this week's" if weeks == 0 else f"the {week_of(due)}"
    return NextMove("reach-out", due, "mine", f"reach out to them ({batch} batch of new contacts, on {due})")


def _last_wait(view: ContactView, settings: Settings) -> NextMove | None:
    """Every nudge was sent: wait for a reply until the ladder ends (then the contact is gone quiet)."""
    contact = view.contact
    if view.stage != "awaiting-reply" or len(contact.outreach) - 1 < settings.max_nudges:
        return None
    end = day_after(contact.outreach[-1].date, settings.nudge_after_days)
    return NextMove("reply", end, "theirs", f"waiting for a reply until {end}; every nudge is sent")


def no_move_by_design(view: ContactView, settings: Settings, today: dt.date) -> str:
    """Why a contact rightly has no next move ("" when it should have one): an inactive status, the
    no-reply ladder done (don't stalk), or met with keep_in_touch `never`."""
    contact = view.contact
    status = status_on(contact, today)
    if status != "active":
        resume = f", resumes {contact.resume}" if status == "paused" and contact.resume else ""
        return f"status {status}{resume}"
    if view.stage == "gone-quiet":
        end = day_after(contact.outreach[-1].date, settings.nudge_after_days)
        sent = len(contact.outreach) - 1
        return (
            f"the no-reply ladder ended on {end} ({sent} nudge{'s' if sent != 1 else ''} sent, no reply): "
            "don't stalk"
        )
    cadence = contact.keep_in_touch if contact.keep_in_touch_set else settings.keep_in_touch
    if cadence is None and view.stage in ("met", "in-touch", "replied"):
        return "keep_in_touch is never"
    return ""


def stuck(
    index: Index, settings: Settings, today: dt.date, moves: dict[str, NextMove | None]
) -> list[ContactView]:
    """Active contacts with no next move that the rules do not explain: always empty when the rules
    cover the vault (`due --stuck`)."""
    return [
        view
        for path, view in index.contacts.items()
        if moves.get(path) is None and not no_move_by_design(view, settings, today)
    ]
