"""Reviews and statistics (pure): the index and the open follow-ups in, the figures out.

One list of dated events (first messages, nudges, replies, meetings, thank-yous, referrals,
touches, contacts added) is derived from the index; a review counts the events of a period,
the weekly chart buckets them by ISO week, and the statistics follow each contact through the
funnel. Nothing here reads files or the clock."""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .followups import FollowUp
from .index import Index, InterviewView, happened, meeting_day
from .model import Commitment, Contact
from .timing import week_of

REVIEW_SCHEMA = "iinotes.review/1"
STATS_SCHEMA = "iinotes.stats/1"
EVENT_KINDS = ("added", "outreach", "nudge", "reply", "meeting", "thank-you", "referral", "touch")
FUNNEL = ("leads", "reached", "replied", "met", "referred")
FUNNEL_LABELS = {
    "leads": "Leads",
    "reached": "Reached",
    "replied": "Replied",
    "met": "Met",
    "referred": "Referred you on",
}
COMING_DAYS = 7  # "what is next": follow-ups due from today to this many days ahead
NO_SOURCE = "(no source)"
NO_TAGS = "(no tags)"


@dataclass(frozen=True)
class Period:
    """The days a review covers, both ends included, and how it is named (`2026-W48`, `2026-11`)."""

    start: dt.date
    end: dt.date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def week_period(day: dt.date) -> Period:
    """The ISO week (Monday to Sunday) holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period(monday, monday + dt.timedelta(days=6), week_of(day))


def month_period(day: dt.date) -> Period:
    """The calendar month holding `day`."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last), f"{day.year:04d}-{day.month:02d}")


def span_period(since: dt.date, until: dt.date) -> Period:
    """The days from `since` to `until`; ValueError when they are the wrong way round."""
    if until < since:
        raise ValueError(f"the period ends ({until.isoformat()}) before it starts ({since.isoformat()})")
    return Period(since, until, f"{since.isoformat()}..{until.isoformat()}")


@dataclass(frozen=True)
class Event:
    """One dated thing that happened: an outreach, a reply, a meeting, a referral, ..."""

    day: dt.date
    kind: str  # one of EVENT_KINDS
    person: str  # who it was with (for a referral: the person you were referred to)
    path: str  # the note it is recorded in
    contact_path: str | None  # the person's contact note (None when there is none)
    days: int | None = None  # reply: days after the first message; thank-you: days after the meeting
    by: str = ""  # referral: who referred you
    by_path: str | None = None

    def sentence(self, show: Callable[[str, str | None], str] | None = None) -> str:
        """The plain-words line of the review: "Reply from Jane Doe (3 days after the first message)".
        `show(name, contact path)` writes a person (the note makes them links)."""
        person = show(self.person, self.contact_path) if show else self.person
        plural = "" if self.days == 1 else "s"
        if self.kind == "reply":
            after = f" ({self.days} day{plural} after the first message)" if self.days is not None else ""
            return f"Reply from {person}{after}"
        if self.kind == "thank-you":
            after = f" ({self.days} day{plural} after the meeting)" if self.days is not None else ""
            return f"Thank-you sent to {person}{after}"
        if self.kind == "referral":
            by = show(self.by, self.by_path) if show else self.by
            return f"{by} referred you to {person}"
        return {
            "added": "Added {}",
            "outreach": "First message to {}",
            "nudge": "Nudged {}",
            "meeting": "Met {}",
            "touch": "Kept in touch with {}",
        }[self.kind].format(person)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (see docs/review.md)."""
        return {
            "day": self.day.isoformat(),
            "kind": self.kind,
            "person": self.person,
            "path": self.path,
            "contact_path": self.contact_path,
            "days": self.days,
            "by": self.by or None,
            "by_path": self.by_path,
            "sentence": self.sentence(),
        }


@dataclass(frozen=True)
class Promise:
    """A commitment with a due day, and where it stands: done, slipped (past due) or open."""

    due: dt.date
    task: str
    person: str
    path: str
    state: str  # "done", "slipped" or "open"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "due": self.due.isoformat(),
            "task": self.task,
            "person": self.person,
            "path": self.path,
            "state": self.state,
        }


def events(index: Index) -> list[Event]:
    """Everything dated that the vault records up to the index's day, by day then kind and person.
    Every contact counts, whatever its status: a review is history."""
    today, tz = index.today, index.timezone
    found: list[Event] = []
    met_on: dict[str, dt.date] = {}
    for path, iview in index.interviews.items():
        interview = iview.interview
        person = _person(index, iview)
        day = meeting_day(interview, tz)
        if happened(interview, today, tz) and day is not None:
            met_on[path] = day
            found.append(Event(day, "meeting", person, path, iview.contact))
        if interview.thank_you_sent is not None:
            after = (interview.thank_you_sent - day).days if day is not None else None
            found.append(Event(interview.thank_you_sent, "thank-you", person, path, iview.contact, after))
    for path, view in index.contacts.items():
        contact = view.contact
        name = contact.name
        if contact.added is not None:
            found.append(Event(contact.added, "added", name, path, path))
        for number, entry in enumerate(contact.outreach):
            found.append(Event(entry.date, "outreach" if number == 0 else "nudge", name, path, path))
        if contact.responded is not None:
            found.append(Event(contact.responded, "reply", name, path, path, reply_days(contact)))
        touch_days = {entry.date for entry in contact.touches}
        if contact.last_contact is not None:
            touch_days.add(contact.last_contact)
        found += [Event(day, "touch", name, path, path) for day in touch_days]
    first_told: dict[tuple[str, str], Event] = {}  # a person named again at a later meeting counts once
    for referral in index.referrals:
        day = met_on.get(referral.via)
        target = index.contacts.get(referral.target) if referral.target else None
        if day is None and target is not None and referral.via == referral.target:  # from referred_by
            firsts = [target.contact.added] + [e.date for e in target.contact.outreach[:1]]
            day = min((d for d in firsts if d is not None), default=None)
        if day is None:
            continue  # undated: counted in the statistics, in no period
        source = index.contacts[referral.source].contact.name if referral.source in index.contacts else "?"
        person = target.contact.name if target else referral.name
        event = Event(
            day, "referral", person, referral.via, referral.target, by=source, by_path=referral.source
        )
        key = (referral.source, referral.target or "?" + person.casefold())
        if key not in first_told or (day, event.path) < (first_told[key].day, first_told[key].path):
            first_told[key] = event
    found += first_told.values()
    rank = {kind: number for number, kind in enumerate(EVENT_KINDS)}
    found = [event for event in found if event.day <= today]
    found.sort(key=lambda e: (e.day, rank[e.kind], e.person.casefold(), e.path, e.by))
    return found


def _person(index: Index, iview: InterviewView) -> str:
    """Who an interview is with: their contact's name, else the name its link gives."""
    view = index.contacts.get(iview.contact) if iview.contact else None
    if view is not None:
        return view.contact.name
    return iview.interview.contact.target if iview.interview.contact else "?"


def reply_days(contact: Contact) -> int | None:
    """Days from the first message to the reply (None without both, or when the reply came first)."""
    if not contact.outreach or contact.responded is None or contact.responded < contact.outreach[0].date:
        return None
    return (contact.responded - contact.outreach[0].date).days


def promises(index: Index) -> list[Promise]:
    """Every commitment with a due day, contacts' and interviews' alike, by due day."""
    found: list[Promise] = []
    notes: list[tuple[str, str, tuple[Commitment, ...]]] = []
    for path, view in index.contacts.items():
        notes.append((path, view.contact.name, view.contact.commitments))
    for path, iview in index.interviews.items():
        notes.append((path, _person(index, iview), iview.interview.commitments))
    for path, person, items in notes:
        for item in items:
            if item.due is not None:
                state = "done" if item.done else ("slipped" if item.due < index.today else "open")
                found.append(Promise(item.due, item.task, person, path, state))
    found.sort(key=lambda p: (p.due, p.person.casefold(), p.task, p.path))
    return found


@dataclass(frozen=True)
class Review:
    """What happened in a period, what slipped (overdue now) and what is next."""

    period: Period
    today: dt.date
    events: tuple[Event, ...]  # those in the period
    promises: tuple[Promise, ...]  # commitments due in the period
    overdue: tuple[FollowUp, ...]  # open follow-ups past their day, now
    coming: tuple[FollowUp, ...]  # open follow-ups due from today to COMING_DAYS ahead

    def count(self, kind: str) -> int:
        """How many events of one kind the period holds."""
        return sum(event.kind == kind for event in self.events)

    def counts(self) -> dict[str, object]:
        """The review's figures, by name (the keys of the JSON's `counts`)."""
        replies = [e.days for e in self.events if e.kind == "reply" and e.days is not None]
        thanks = [e for e in self.events if e.kind == "thank-you"]
        return {
            "added": self.count("added"),
            "outreach": self.count("outreach"),
            "nudges": self.count("nudge"),
            "replies": self.count("reply"),
            "median_days_to_reply": median(replies),
            "meetings": self.count("meeting"),
            "thank_yous": len(thanks),
            "thank_yous_within_a_day": sum(e.days is not None and e.days <= 1 for e in thanks),
            "commitments_done": sum(p.state == "done" for p in self.promises),
            "commitments_slipped": sum(p.state == "slipped" for p in self.promises),
            "commitments_open": sum(p.state == "open" for p in self.promises),
            "referrals": self.count("referral"),
            "touches": self.count("touch"),
            "overdue": len(self.overdue),
            "coming": len(self.coming),
        }


def median(values: Sequence[int]) -> float | None:
    """The median (None for no values), as a float so that JSON is the same type either way."""
    return float(statistics.median(values)) if values else None


def build_review(
    index: Index, items: Iterable[FollowUp], period: Period, history: Sequence[Event] | None = None
) -> Review:
    """The review of `period`, as of the index's day. `items` are the open follow-ups on that day
    (the weekly review item itself is left out of them); `history` is `events(index)` when the
    caller has it already."""
    today = index.today
    open_items = [item for item in items if item.kind != "review"]
    ahead = today + dt.timedelta(days=COMING_DAYS)
    return Review(
        period=period,
        today=today,
        events=tuple(e for e in (events(index) if history is None else history) if e.day in period),
        promises=tuple(p for p in promises(index) if p.due in period),
        overdue=tuple(i for i in open_items if i.due < today),
        coming=tuple(i for i in open_items if today <= i.due <= ahead),
    )


def weekly(
    all_events: Iterable[Event], last_day: dt.date, weeks: int = 12
) -> list[tuple[str, dict[str, int]]]:
    """Events per ISO week for the `weeks` weeks ending with the week of `last_day`, oldest first:
    [("2026-W37", {"messages": 3, "replies": 1, ...}), ...]. Messages are first messages and nudges."""
    monday = last_day - dt.timedelta(days=last_day.weekday())
    mondays = [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    rows = {m: {"messages": 0, "replies": 0, "meetings": 0, "thank_yous": 0, "touches": 0} for m in mondays}
    column = {
        "outreach": "messages",
        "nudge": "messages",
        "reply": "replies",
        "meeting": "meetings",
        "thank-you": "thank_yous",
        "touch": "touches",
    }
    for event in all_events:
        monday = event.day - dt.timedelta(days=event.day.weekday())
        if monday in rows and event.kind in column:
            rows[monday][column[event.kind]] += 1
    return [(week_of(m), rows[m]) for m in mondays]


# --- statistics over the whole history ---


@dataclass(frozen=True)
class Group:
    """The funnel of a set of contacts (all of them, one source, one tag) and their reply times."""

    name: str
    leads: int
    reached: int
    replied: int
    met: int
    referred: int
    reply_days: tuple[int, ...]

    @property
    def reply_rate(self) -> float | None:
        """Replied / reached (None when nobody was reached)."""
        return round(self.replied / self.reached, 4) if self.reached else None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "leads": self.leads,
            "reached": self.reached,
            "replied": self.replied,
            "met": self.met,
            "referred": self.referred,
            "reply_rate": self.reply_rate,
            "median_days_to_reply": median(self.reply_days),
            "replies_timed": len(self.reply_days),
        }


@dataclass(frozen=True)
class Branch:
    """A person in the referral tree and the people they referred you to. `again` is set when the
    person was already shown: "cycle" (they are above on this very branch) or "above"."""

    name: str
    path: str | None  # the contact note, None for a name without a note
    children: tuple[Branch, ...] = ()
    again: str = ""

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (nested)."""
        return {
            "name": self.name,
            "path": self.path,
            "again": self.again or None,
            "referred": [child.as_dict() for child in self.children],
        }


@dataclass(frozen=True)
class Stats:
    """The whole history: the funnel overall, by source and by tag; referrals; the referral tree."""

    today: dt.date
    overall: Group
    by_source: tuple[Group, ...]
    by_tag: tuple[Group, ...]
    meetings: int
    referrals: int
    edges: tuple[tuple[str, str | None, str, str | None], ...]  # (from name, path, to name, path)
    tree: tuple[Branch, ...]

    @property
    def referrals_per_meeting(self) -> float | None:
        """Referrals gained per meeting held (None before the first meeting)."""
        return round(self.referrals / self.meetings, 4) if self.meetings else None

    def funnel(self) -> list[tuple[str, int]]:
        """(stage, contacts who got at least that far), leads first."""
        o = self.overall
        return list(zip(FUNNEL, (o.leads, o.reached, o.replied, o.met, o.referred), strict=True))


def _levels(index: Index) -> dict[str, int]:
    """How far each contact got: 0 lead, 1 reached, 2 replied, 3 met, 4 referred you on. Each stage
    implies the ones before it (an interview implies a reply, a referral a conversation)."""
    levels = {}
    for path, view in index.contacts.items():
        contact = view.contact
        interviews = [index.interviews[p].interview for p in view.interviews]
        level = 0
        if contact.outreach:
            level = 1
        if contact.responded is not None or interviews:
            level = 2
        if any(happened(i, index.today, index.timezone) for i in interviews):
            level = 3
        if view.referrals_given:
            level = 4
        levels[path] = level
    return levels


def _group(name: str, paths: list[str], index: Index, levels: dict[str, int]) -> Group:
    at_least = [sum(levels[p] >= n for p in paths) for n in range(5)]
    timed = tuple(
        d for p in paths if (d := reply_days(index.contacts[p].contact)) is not None and levels[p] >= 2
    )
    leads, reached, replied, met, referred = at_least
    return Group(name, leads, reached, replied, met, referred, tuple(sorted(timed)))


def _grouped(
    keyed: dict[str, list[str]], spelled: dict[str, str], index: Index, levels: dict[str, int], none: str
) -> tuple[Group, ...]:
    groups = [_group(spelled.get(key, none), paths, index, levels) for key, paths in keyed.items()]
    return tuple(sorted(groups, key=lambda g: (g.name == none, -g.leads, g.name.casefold())))


def build_stats(index: Index) -> Stats:
    """The statistics of the whole vault as of the index's day."""
    levels = _levels(index)
    by_source: dict[str, list[str]] = defaultdict(list)
    by_tag: dict[str, list[str]] = defaultdict(list)
    spelled: dict[str, str] = {}
    tag_spelled: dict[str, str] = {}
    for path, view in index.contacts.items():  # sorted by name: the first spelling seen is shown
        source = " ".join(view.contact.source.split())
        key = source.casefold()
        if key:
            spelled.setdefault(key, source)
        by_source[key].append(path)
        tags = {tag.casefold(): tag for tag in reversed(view.contact.tags)} or {"": ""}
        for key, tag in tags.items():
            if key:
                tag_spelled.setdefault(key, tag)
            by_tag[key].append(path)
    meetings = sum(happened(v.interview, index.today, index.timezone) for v in index.interviews.values())
    edges = _edges(index)
    return Stats(
        today=index.today,
        overall=_group("all contacts", list(index.contacts), index, levels),
        by_source=_grouped(by_source, spelled, index, levels, NO_SOURCE),
        by_tag=_grouped(by_tag, tag_spelled, index, levels, NO_TAGS),
        meetings=meetings,
        referrals=len(edges),
        edges=tuple(edges),
        tree=referral_tree(edges),
    )


def _edges(index: Index) -> list[tuple[str, str | None, str, str | None]]:
    """Who referred you to whom, once per pair (an interview and a referred_by saying the same
    thing are one referral), by name."""
    seen: dict[tuple[str, str], tuple[str, str | None, str, str | None]] = {}
    for referral in index.referrals:
        source = index.contacts.get(referral.source)
        target = index.contacts.get(referral.target) if referral.target else None
        if source is None:
            continue
        to_name = target.contact.name if target else referral.name
        key = (referral.source, referral.target or "?" + to_name.casefold())
        seen.setdefault(key, (source.contact.name, referral.source, to_name, referral.target))
    return sorted(seen.values(), key=lambda e: (e[0].casefold(), e[2].casefold(), e[1], e[3] or ""))


def referral_tree(edges: Sequence[tuple[str, str | None, str, str | None]]) -> tuple[Branch, ...]:
    """The referral edges as a forest: people nobody referred you to at the top, then (for a cycle
    with no way in: A referred B who referred A) its first name. Someone met twice on the way
    (a cycle, or two people who referred you to them) is shown again without their branch."""
    names: dict[str, tuple[str, str | None]] = {}
    children: dict[str, list[str]] = defaultdict(list)
    incoming: set[str] = set()

    def key(name: str, path: str | None) -> str:
        return path or "?" + name.casefold()

    for from_name, from_path, to_name, to_path in edges:
        a, b = key(from_name, from_path), key(to_name, to_path)
        names.setdefault(a, (from_name, from_path))
        names.setdefault(b, (to_name, to_path))
        children[a].append(b)
        if a != b:
            incoming.add(b)
    order = sorted(names, key=lambda k: (names[k][0].casefold(), k))
    shown: set[str] = set()

    def grow(node: str, above: tuple[str, ...]) -> Branch:
        name, path = names[node]
        if node in shown:
            return Branch(name, path, (), "cycle" if node in above else "above")
        shown.add(node)
        kids = sorted(children.get(node, []), key=lambda k: (names[k][0].casefold(), k))
        return Branch(name, path, tuple(grow(kid, (*above, node)) for kid in kids))

    roots = [grow(node, ()) for node in order if node not in incoming]
    for node in order:  # what only cycles lead to
        if node not in shown:
            roots.append(grow(node, ()))
    return tuple(roots)
