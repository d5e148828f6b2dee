"""The vault as a whole (pure): links resolved the Obsidian way, stages derived, vault-wide checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import LookupFailed
from .model import Contact, Interview, Link, Problem, Severity
from .settings import Settings
from .timing import happened, meeting_day, meeting_start, skipped_time, status_on, upcoming

__all__ = ["happened", "meeting_day", "meeting_start", "upcoming"]  # the time rules, re-exported


@dataclass(frozen=True, slots=True)
class Referral:
    """An introduction: `source` (a contact path) pointed you to `name` (resolved to `target` if known)."""

    source: str
    name: str
    target: str | None
    via: str  # the interview note (or contact note, for referred_by) it is recorded in


@dataclass(frozen=True, slots=True)
class ContactView:
    """A contact with what the rest of the vault says about them."""

    contact: Contact
    stage: str
    interviews: tuple[str, ...]  # interview paths, by date
    referred_by: str | None  # resolved contact path
    referrals_given: tuple[Referral, ...]
    referrals_received: tuple[Referral, ...]
    last_touch: dt.date | None
    nudges_sent: int


@dataclass(frozen=True, slots=True)
class InterviewView:
    """An interview with its links resolved."""

    interview: Interview
    contact: str | None  # resolved contact path
    referrals: tuple[Referral, ...]


@dataclass(frozen=True, slots=True)
class Index:
    """Everything iinotes knows about a vault on a given day."""

    contacts: dict[str, ContactView]  # by path, sorted by name
    interviews: dict[str, InterviewView]  # by path, sorted by date
    referrals: tuple[Referral, ...]
    problems: tuple[Problem, ...]
    today: dt.date
    timezone: str  # the vault's zone: meeting days and "ahead" are judged in it

    def counts(self) -> dict[str, object]:
        """Totals for summaries and JSON."""
        stages: dict[str, int] = defaultdict(int)
        for view in self.contacts.values():
            stages[view.stage] += 1
        severities: dict[str, int] = defaultdict(int)
        for problem in self.problems:
            severities[problem.severity] += 1
        return {
            "contacts": len(self.contacts),
            "interviews": len(self.interviews),
            "referrals": len(self.referrals),
            "stages": dict(sorted(stages.items())),
            "errors": severities["error"],
            "warnings": severities["warning"],
        }


class Resolver:
    """Resolves link targets to contact paths: exact path, else file name (case-insensitive), else alias."""

    def __init__(self, contacts: list[Contact]) -> None:
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_alias: dict[str, list[str]] = defaultdict(list)
        self._seen: dict[str, list[str]] = {}
        for contact in contacts:
            stem = contact.path.removesuffix(".md")
            self.by_path[stem.lower()] = contact.path
            self.by_name[stem.rsplit("/", 1)[-1].lower()].append(contact.path)
            for alias in contact.aliases:
                self.by_alias[alias.lower()].append(contact.path)

    def candidates(self, target: str) -> list[str]:
        """Every contact path the target could mean, best rule first (several means ambiguous)."""
        found = self._seen.get(target)
        if found is None:
            found = self._seen[target] = self._candidates(target)
        return found

    def _candidates(self, target: str) -> list[str]:
        key = target.strip().lower().removesuffix(".md")
        if key in self.by_path:
            return [self.by_path[key]]
        if "/" in key:
            return sorted(path for stem, path in self.by_path.items() if stem.endswith("/" + key))
        return sorted(self.by_name.get(key, ())) or sorted(set(self.by_alias.get(key, ())))

    def resolve(self, link: Link | str) -> str | None:
        """The one contact path a link means; None when it means nobody (or is ambiguous)."""
        found = self.candidates(link.target if isinstance(link, Link) else link)
        return found[0] if len(found) == 1 else None


def derive_stage(contact: Contact, interviews: list[Interview], settings: Settings, today: dt.date) -> str:
    """lead -> awaiting-reply -> replied -> scheduled -> met -> in-touch, or gone-quiet; a status
    other than active wins (a paused contact whose `resume` day has come counts as active)."""
    status = status_on(contact, today)
    if status != "active":
        return status
    tz = settings.timezone
    if any(upcoming(i, today, tz) for i in interviews):
        return "scheduled"
    met_days = [
        d for i in interviews if happened(i, today, tz) and (d := meeting_day(i, tz) or i.thank_you_sent)
    ]
    if met_days or any(i.status == "done" for i in interviews):
        last_met = max(met_days) if met_days else dt.date.min
        later = [t.date for t in contact.touches if t.date > last_met]
        if contact.last_contact and contact.last_contact > last_met:
            later.append(contact.last_contact)
        return "in-touch" if later else "met"
    if contact.outreach and contact.responded is None:
        nudges = len(contact.outreach) - 1
        waited = today >= contact.outreach[-1].date + dt.timedelta(days=settings.nudge_after_days)
        return "gone-quiet" if nudges >= settings.max_nudges and waited else "awaiting-reply"
    if contact.responded is not None:
        return "replied"
    if contact.touches or contact.last_contact:
        return "in-touch"
    return "lead"


def last_touch(
    contact: Contact, interviews: list[Interview], today: dt.date, vault_zone: str
) -> dt.date | None:
    """The latest day you were in contact: outreach, reply, touch, meeting, thank-you or the
    contact's `last_contact` (one more touch: the latest of them wins)."""
    days = [e.date for e in contact.outreach] + [e.date for e in contact.touches]
    days += [d for d in (contact.responded, contact.last_contact) if d]
    for interview in interviews:
        if happened(interview, today, vault_zone):
            days.append(meeting_day(interview, vault_zone) or today)
        if interview.thank_you_sent:
            days.append(interview.thank_you_sent)
    days = [d for d in days if d <= today]
    return max(days) if days else None


def same_objects(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """The very same note objects (unchanged files keep theirs): how memos recognise unchanged
    notes. Equality would not do: two date-times with different offsets for one instant compare
    equal but are written and described differently, and line numbers are left out of it."""
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


def view_differs(old: ContactView | InterviewView | None, new: ContactView | InterviewView | None) -> bool:
    """Whether a note's view differs between two indexes (None: not in that one): another note
    object (see `same_objects`), or any other value not equal."""
    if old is new:
        return False
    if old is None or new is None or type(old) is not type(new):
        return True
    names = _VIEW_FIELDS[type(old)]
    return getattr(old, names[0]) is not getattr(new, names[0]) or any(
        getattr(old, name) != getattr(new, name) for name in names[1:]
    )


_VIEW_FIELDS = {kind: [f.name for f in dataclasses.fields(kind)] for kind in (ContactView, InterviewView)}


class IndexMemo:
    """What `build_index` keeps between calls on one Vault (watch mode), so that after an edit only
    the notes that changed, and the contacts they touch, are worked out again. Results are reused
    only for the very same note objects (unchanged files keep theirs) and equal inputs."""

    def __init__(self) -> None:
        self.resolver_key: tuple[object, ...] | None = None
        self.resolver: Resolver | None = None
        self.interviews: dict[str, tuple[Any, ...]] = {}
        self.contacts: dict[
            str, tuple[tuple[object, ...], tuple[object, ...], ContactView]
        ] = {}  # compared by identity of the notes


def build_index(
    contacts: list[Contact],
    interviews: list[Interview],
    settings: Settings,
    today: dt.date,
    problems: list[Problem] | None = None,
    memo: IndexMemo | None = None,
) -> Index:
    """Resolve links, derive stages and run the checks that need more than one note; `problems`
    found earlier (reading, parsing) are carried into the index's list. `memo`: see IndexMemo."""
    problems = list(problems or ())
    memo = memo if memo is not None else IndexMemo()
    resolver_key = tuple((c.path, c.aliases) for c in contacts)
    if memo.resolver is None or memo.resolver_key != resolver_key:  # who links resolve to may change
        memo.resolver, memo.resolver_key = Resolver(contacts), resolver_key
        memo.interviews = {}
    resolver = memo.resolver
    problems += _identity_problems(contacts, interviews)

    interview_views: dict[str, InterviewView] = {}
    orders: dict[str, tuple[str, str]] = {}
    by_contact: dict[str, list[Interview]] = defaultdict(list)
    referrals: list[Referral] = []
    known_interviews, memo.interviews = memo.interviews, {}
    for interview in interviews:
        known = known_interviews.get(interview.path)
        if known is not None and known[0] is interview and known[1] == (today, settings.timezone):
            view, own, order = known[2], known[3], known[4]
        else:
            view, own, order = _interview_entry(interview, resolver, settings, today)
        memo.interviews[interview.path] = (interview, (today, settings.timezone), view, own, order)
        problems += own
        orders[interview.path] = order
        if view.contact:
            by_contact[view.contact].append(interview)
        referrals += view.referrals
        interview_views[interview.path] = view

    referred_by: dict[str, str | None] = {}
    edges = {(r.source, r.target) for r in referrals}
    for contact in contacts:
        if contact.referred_by is not None:
            source = _resolve_reported(
                resolver, contact.referred_by, contact, "referred_by", "warning", problems
            )
            referred_by[contact.path] = source
            if source and (source, contact.path) not in edges:
                edges.add((source, contact.path))
                referrals.append(Referral(source, contact.referred_by.target, contact.path, contact.path))
    referrals.sort(key=lambda r: (r.source, r.name.lower(), r.via))

    given_by: dict[str, list[Referral]] = defaultdict(list)
    received_by: dict[str, list[Referral]] = defaultdict(list)
    for referral in referrals:
        given_by[referral.source].append(referral)
        if referral.target:
            received_by[referral.target].append(referral)

    contact_views = {}
    known_contacts, memo.contacts = memo.contacts, {}
    for contact in sorted(contacts, key=lambda c: (c.name.casefold(), c.path)):
        mine = sorted(by_contact.get(contact.path, []), key=lambda i: orders[i.path])
        inputs = (
            referred_by.get(contact.path),
            tuple(given_by.get(contact.path, ())),
            tuple(received_by.get(contact.path, ())),
            settings,
            today,
        )
        notes = (contact, *mine)
        known_view = known_contacts.get(contact.path)
        if known_view is not None and known_view[0] == inputs and same_objects(known_view[1], notes):
            contact_view = known_view[2]
        else:
            contact_view = _contact_view(contact, mine, inputs, settings, today)
        memo.contacts[contact.path] = (inputs, notes, contact_view)
        contact_views[contact.path] = contact_view
    ordered = {path: interview_views[path] for path in sorted(interview_views, key=orders.__getitem__)}
    return Index(
        contact_views, ordered, tuple(referrals), tuple(sorted(set(problems))), today, settings.timezone
    )


def _interview_entry(
    interview: Interview, resolver: Resolver, settings: Settings, today: dt.date
) -> tuple[InterviewView, list[Problem], tuple[str, str]]:
    """An interview's view, its own problems (links, a stale status, a time in a DST gap) and its
    place in the order."""
    own: list[Problem] = []
    view = _interview_view(interview, resolver, own)
    day = meeting_day(interview, settings.timezone)
    if interview.status in ("requested", "scheduled", "confirmed") and day is not None and day < today:
        line = interview.line_of("status") or interview.line_of("scheduled")
        own.append(
            Problem(
                interview.path,
                line,
                0,
                "warning",
                "stale-status",
                f"this interview was on {day.isoformat()} but its status is still {interview.status}",
                "set status: done (or cancelled / no-show)",
            )
        )
    gap = skipped_time(interview, settings.timezone)
    if gap:
        own.append(
            Problem(
                interview.path,
                interview.line_of("scheduled"),
                0,
                "warning",
                "time-in-dst-gap",
                gap,
                "write the time you mean (the clocks skip this hour that night)",
            )
        )
    return view, own, _interview_order(interview)


def _contact_view(
    contact: Contact, mine: list[Interview], inputs: tuple[Any, ...], settings: Settings, today: dt.date
) -> ContactView:
    """A contact's view from its interviews (in order) and `inputs` (referred_by, referrals given and
    received, settings, today)."""
    return ContactView(
        contact=contact,
        stage=derive_stage(contact, mine, settings, today),
        interviews=tuple(i.path for i in mine),
        referred_by=inputs[0],
        referrals_given=inputs[1],
        referrals_received=inputs[2],
        last_touch=last_touch(contact, mine, today, settings.timezone),
        nudges_sent=max(0, len(contact.outreach) - 1),
    )


def update_index(
    previous: Index,
    changed: dict[str, tuple[Contact | Interview | None, tuple[Problem, ...]]],
    settings: Settings,
    memo: IndexMemo,
) -> Index | None:
    """`previous` (built with `memo`, same settings and day) with the notes in `changed` (path: the
    note now, or None when it is not one of ours, and its reading problems) replaced, working out
    only those notes and the contacts they belong to. None when the change reaches further than
    that (a note added, removed or turned into another kind; a name, id, alias or link changed; a
    duplicate id or name involved): then `build_index` must run over the whole vault."""
    today = previous.today
    if memo.resolver is None or previous.timezone != settings.timezone:
        return None
    old_problems = {p for p in previous.problems if p.path in changed}
    if any(p.code in ("duplicate-id", "duplicate-name") for p in old_problems):
        return None
    interviews = dict(previous.interviews)
    contacts = dict(previous.contacts)
    touched: set[str] = set()  # contacts whose views are worked out again
    new_problems: list[Problem] = []
    reorder = False
    for path, (note, reading) in changed.items():
        new_problems += reading
        if isinstance(note, Interview):
            before = previous.interviews.get(path)
            if before is None or (
                before.interview.contact,
                before.interview.referrals,
                before.interview.id,
            ) != (
                note.contact,
                note.referrals,
                note.id,
            ):
                return None
            view, own, order = _interview_entry(note, memo.resolver, settings, today)
            memo.interviews[path] = (note, (today, settings.timezone), view, own, order)
            interviews[path] = view
            new_problems += own
            reorder = reorder or order != _interview_order(before.interview)
            if view.contact:
                touched.add(view.contact)
        elif isinstance(note, Contact):
            known = previous.contacts.get(path)
            if known is None:
                return None
            before_contact = known.contact
            if (
                before_contact.name,
                before_contact.aliases,
                before_contact.id,
                before_contact.referred_by,
            ) != (
                note.name,
                note.aliases,
                note.id,
                note.referred_by,
            ):
                return None
            contacts[path] = dataclasses.replace(known, contact=note)  # its view is worked out below
            touched.add(path)
            if note.referred_by is not None:
                _resolve_reported(
                    memo.resolver, note.referred_by, note, "referred_by", "warning", new_problems
                )
        elif path in previous.contacts or path in previous.interviews:
            return None  # a note of ours is no longer one (or was removed)
        if isinstance(note, (Contact, Interview)) and not note.id:
            new_problems += [p for p in old_problems if p.code == "missing-id" and p.path == path]
    if reorder:
        interviews = dict(sorted(interviews.items(), key=lambda item: _interview_order(item[1].interview)))
    for path in touched:
        old = contacts[path]
        mine = sorted((interviews[p].interview for p in old.interviews), key=_interview_order)
        inputs = (old.referred_by, old.referrals_given, old.referrals_received, settings, today)
        contacts[path] = _contact_view(old.contact, mine, inputs, settings, today)
        memo.contacts[path] = (inputs, (old.contact, *mine), contacts[path])
    problems = [p for p in previous.problems if p.path not in changed] + new_problems
    return Index(
        contacts, interviews, previous.referrals, tuple(sorted(set(problems))), today, settings.timezone
    )


def _interview_view(interview: Interview, resolver: Resolver, problems: list[Problem]) -> InterviewView:
    """An interview with its contact and referral links resolved (resolution problems appended)."""
    contact_path = None
    if interview.contact is not None:
        contact_path = _resolve_reported(resolver, interview.contact, interview, "contact", "error", problems)
    given = (
        tuple(
            Referral(contact_path, link.target, resolver.resolve(link), interview.path)
            for link in interview.referrals
        )
        if contact_path
        else ()
    )
    return InterviewView(interview, contact_path, given)


def _interview_order(interview: Interview) -> tuple[str, str]:
    when = interview.scheduled
    return (when.isoformat() if when is not None else "9999", interview.path)


def _resolve_reported(
    resolver: Resolver,
    link: Link,
    note: Contact | Interview,
    key: str,
    severity: Severity,
    problems: list[Problem],
) -> str | None:
    found = resolver.candidates(link.target)
    if len(found) == 1:
        return found[0]
    line = note.line_of(key)
    if found:
        message = f"{key}: {link} could mean {', '.join(found)}"
        problems.append(
            Problem(
                note.path,
                line,
                0,
                severity,
                "ambiguous-link",
                message,
                f'write the path, e.g. "[[{found[0].removesuffix(".md")}]]"',
            )
        )
        return None
    problems.append(
        Problem(
            note.path,
            line,
            0,
            severity,
            "unresolved-link",
            f"{key}: {link} links to no contact note",
            f'create contacts/{link.target}.md (iinotes new contact "{link.target}") or fix the name',
        )
    )
    return None


def _identity_problems(contacts: list[Contact], interviews: list[Interview]) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, list[Contact | Interview]] = defaultdict(list)
    notes_: list[Contact | Interview] = [*contacts, *interviews]
    for note in notes_:
        if note.id:
            by_id[note.id].append(note)
        else:
            message = "this note has no id, so its calendar events change if you rename it"
            problems.append(
                Problem(
                    note.path,
                    0,
                    0,
                    "warning",
                    "missing-id",
                    message,
                    f"add id: {_suggest_id(note)} (iinotes new writes one for you)",
                )
            )
    for note_id, notes in by_id.items():
        if len(notes) > 1:
            paths = [n.path for n in notes]
            for note in notes:
                others = ", ".join(p for p in paths if p != note.path)
                problems.append(
                    Problem(
                        note.path,
                        note.line_of("id"),
                        0,
                        "error",
                        "duplicate-id",
                        f"id {note_id} is also used by {others}",
                        "give one of them a new id (ids must be unique; copying a note copies its id)",
                    )
                )
    by_name: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_name[contact.name.casefold()].append(contact)
    for same in by_name.values():
        if len(same) > 1:
            for contact in same:
                others = ", ".join(c.path for c in same if c is not contact)
                problems.append(
                    Problem(
                        contact.path,
                        contact.line_of("name"),
                        0,
                        "warning",
                        "duplicate-name",
                        f"another contact is also named {contact.name}: {others}",
                        "if it is the same person, merge the notes; else add a distinguishing name",
                    )
                )
    return problems


def _suggest_id(note: Contact | Interview) -> str:
    return "ii-" + hashlib.sha256(note.path.encode()).hexdigest()[:10]


def fold(text: str) -> str:
    """Text as names are compared: accents dropped (`Zoë Ångström` -> `zoe angstrom`), any case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def match_names(key: str, candidates: dict[str, tuple[str, ...]], *, words: bool = False) -> list[str]:
    """The paths `key` names: its path or file name without `.md`, or one of its other names,
    exactly (any case, accents ignored); else those that one of them starts with; else, with
    `words`, those with a word that starts with it (`angstrom` finds "Zoë Ångström")."""
    key = fold(key)
    exact: list[str] = []
    prefix: list[str] = []
    word: list[str] = []
    for path, others in candidates.items():
        stem = fold(path).removesuffix(".md")
        names = {stem, stem.rsplit("/", 1)[-1], *(fold(name) for name in others)}
        if key in names:
            exact.append(path)
        elif any(name.startswith(key) for name in names):
            prefix.append(path)
        elif words and any(part.startswith(key) for name in names for part in name.split()):
            word.append(path)
    return exact or prefix or word


def suggest_names(key: str, names: dict[str, str]) -> list[str]:
    """Close spellings for a name that matched nothing (`jnae` -> Jane Doe): `names` maps each
    display name to the words it may be typed as; the best few display names come back."""
    key = fold(key)
    scored: dict[str, float] = {}
    for name, words in names.items():
        for word in {fold(name), *(fold(w) for w in words.split()), *fold(name).split()}:
            ratio = max(
                difflib.SequenceMatcher(None, key, candidate).ratio()
                for candidate in (word, word[: len(key)])
            )
            if ratio >= 0.7:
                scored[name] = max(scored.get(name, 0.0), ratio)
    return sorted(scored, key=lambda n: (-scored[n], n))[:3]


def contact_candidates(index: Index, query: str) -> list[str]:
    """Every contact path a command-line name could mean (see `find_contact`)."""
    key = query.strip().removesuffix(".md")
    if not key:
        raise LookupFailed("give a contact's name")
    return match_names(
        key,
        {path: (view.contact.name, *view.contact.aliases) for path, view in index.contacts.items()},
        words=True,
    )


def find_contact(
    index: Index, query: str, fits: Callable[[ContactView], bool] | None = None, what: str = ""
) -> ContactView:
    """The contact a command-line name means: path, file name, name or alias (any case, accents
    ignored), else a unique prefix of one of those. When several match, `fits` (if given) keeps only
    those a command can act on (say, with an upcoming interview; `what` names it). LookupFailed
    lists the candidates when there are still several, and suggests close names when there are none."""
    found = contact_candidates(index, query)
    if len(found) > 1 and fits is not None:
        fitting = [p for p in found if fits(index.contacts[p])]
        if len(fitting) == 1:
            return index.contacts[fitting[0]]
        if fitting:
            found = fitting
    if len(found) == 1:
        return index.contacts[found[0]]
    if not found:
        close = suggest_names(
            query, {v.contact.name: " ".join(v.contact.aliases) for v in index.contacts.values()}
        )
        raise LookupFailed(
            f"no contact matches {query!r}" + (f"; did you mean {' or '.join(close)}?" if close else ""),
            "run `iinotes list` to see every contact",
        )
    listing = "\n".join(f"  {index.contacts[p].contact.name}  ({p})" for p in found)
    raise LookupFailed(
        f"{query!r} matches {len(found)} contacts{what}:\n{listing}",
        "give more of the name, or the note's path",
    )
