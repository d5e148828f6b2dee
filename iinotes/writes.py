"""Writing to the vault, as library calls: init, new, log, done, confirm, thank, commit-done, hook.

Every note edit goes through `edit_note`: one write at a time per vault (a lock), never during a git
merge or rebase, never into a broken note, never over a file that changed since it was read, and only
through `edit.plan` (surgical, verified) and `vault.atomic_write`. `dry_run` computes the diff only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import cache, invite, questions, values
from .drafts import KINDS as MESSAGE_KINDS
from .drafts import TEMPLATE_FOLDER, built_in_template
from .edit import AddToSection, Append, Change, EditRefused, SetInItem, SetValue, TickTask, plan, unified_diff
from .errors import LookupFailed, OutreachRefused, UsageError
from .index import ContactView, Index, InterviewView, find_contact, match_names, meeting_day, upcoming
from .model import Interview
from .notes import MAX_NOTE_BYTES, ParsedNote, parse_note
from .settings import SETTINGS_FILE, example_toml, machine_timezone
from .templates import template_folders
from .vault import atomic_write, read_original

LOCK_FILE = "write.lock"
LOCK_WAIT_SECONDS = 2.0
GIT_BUSY = {
    "MERGE_HEAD": "merge",
    "rebase-merge": "rebase",
    "rebase-apply": "rebase",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "REVERT_HEAD": "revert",
}
LOG_KINDS = ("outreach", "reply", "touch")
LOG_HEADING = "Log"  # the body section `log --via/--note` writes its dated lines into
HOOK_MARK = "# installed by `iinotes hook install`"
CHAINED_HOOK = "pre-commit.before-iinotes"

# Templates for `iinotes new` and for Obsidian's Templates core plugin alike: the type is the note's
# own (files in templates/ are never read as notes), the only placeholders are Obsidian's ({{title}},
# {{date}}, {{time}}), and `iinotes new` fills the empty Questions section from the question bank.
CONTACT_TEMPLATE = """\
---
type: contact
id:
company:
role:
email:
linkedin:
tags:
source:
referred_by:
outreach:
responded:
touches:
added:
---
# {{title}}

Added {{date}}.

## Who they are
- Current role and how they got there:
- Why I want to talk to them:

## Notes
"""

INTERVIEW_TEMPLATE = """\
---
type: interview
contact:
id:
scheduled:
duration: 20
medium: video
location:
status: scheduled
confirmed:
prepared:
thank_you_sent:
referrals:
commitments:
---
# {{title}}

## Research notes
- Their background, company, recent work:
- What I want to get out of this conversation:

## Questions

## What I learned

## Follow-ups
"""


@dataclass(frozen=True)
class WriteResult:
    """What one write did: the vault-relative path, whether the bytes changed, the diff, a message."""

    path: str
    changed: bool
    diff: str
    message: str


# --- the guards ---------------------------------------------------------------------------------


@contextmanager
def write_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """Hold `.iinotes/write.lock` so two iinotes commands never interleave their writes; waits up to
    `wait` seconds (default LOCK_WAIT_SECONDS) for another command to finish.

    The lock is `filelock`'s: flock on Linux and macOS, msvcrt.locking on Windows, and an
    exclusive-create lock file where neither OS API is available."""
    with warnings.catch_warnings():  # "only soft file lock is available": the fallback is intended
        warnings.simplefilter("ignore")
        from filelock import FileLock, Timeout

    wait = LOCK_WAIT_SECONDS if wait is None else wait
    lock = FileLock(cache.state_dir(root) / LOCK_FILE, timeout=wait, mode=0o600)
    try:
        lock.acquire(poll_interval=0.05)
    except Timeout:
        raise EditRefused(
            "another iinotes command is writing to this vault",
            "wait for it to finish and run this again",
        ) from None
    try:
        yield
    finally:
        lock.release()


def _git_dir(folder: Path) -> Path | None:
    dotgit = folder / ".git"
    if dotgit.is_dir():
        return dotgit
    if dotgit.is_file():
        text = dotgit.read_text("utf-8", "replace").strip()
        if text.startswith("gitdir:"):
            return (folder / text[len("gitdir:") :].strip()).resolve()
    return None


def check_git_state(root: Path) -> None:
    """Refuse to write while the vault's git repository is in the middle of a merge or rebase."""
    for folder in (root.resolve(), *root.resolve().parents):
        git_dir = _git_dir(folder)
        if git_dir is None:
            continue
        for name, what in GIT_BUSY.items():
            if (git_dir / name).exists():
                raise EditRefused(
                    f"a git {what} is in progress in {folder}",
                    f"finish it (git {what} --continue) or abort it (git {what} --abort) first",
                )
        return


def edit_note(
    root: Path,
    rel: str,
    changes: Sequence[Change] | Callable[[ParsedNote], Sequence[Change]],
    *,
    dry_run: bool = False,
    done: str = "",
    unchanged: str = "",
) -> WriteResult:
    """Make `changes` (or those computed from the freshly parsed note) in the note at `rel`."""
    if dry_run:
        return _edit(root, rel, changes, True, done, unchanged)
    check_git_state(root)
    with write_lock(root):
        return _edit(root, rel, changes, False, done, unchanged)


def _edit(
    root: Path,
    rel: str,
    changes: Sequence[Change] | Callable[[ParsedNote], Sequence[Change]],
    dry_run: bool,
    done: str,
    unchanged: str,
) -> WriteResult:
    path = root / rel
    try:
        original = read_original(path, MAX_NOTE_BYTES + 1)
    except OSError as error:
        raise EditRefused(f"cannot read {rel}: {error.strerror}") from None
    old = original.data
    if callable(changes):
        changes = changes(parse_note(rel, old))
    new = plan(old, changes, rel)
    if new == old:
        return WriteResult(
            rel, False, "", f"{rel}: nothing to change" + (f" ({unchanged})" if unchanged else "")
        )
    diff = unified_diff(old, new, rel)
    if not dry_run:
        atomic_write(path, new, original=original)  # refused if the note changed since it was read
    return WriteResult(rel, True, diff, f"{rel}: {done or 'updated'}")


# --- finding the interview a command means ------------------------------------------------------


def find_interview(
    index: Index,
    query: str,
    *,
    prefer: str = "recent",
    fits: Callable[[Interview], bool] | None = None,
    what: str = "",
) -> InterviewView:
    """The interview a command-line name means: its path or file name (any case) or a unique
    prefix of one, else a contact's interview: the single upcoming one (prefer="upcoming") or the
    most recent one that has started (prefer="recent"). Several candidates: LookupFailed lists them.
    `fits` keeps only the interviews the command can act on (`what` describes them: "upcoming"):
    a name that matches several contacts means the one contact with such an interview."""
    key = query.strip().lower().removesuffix(".md")
    if not key:
        raise LookupFailed("give an interview's file name or a contact's name")
    found = match_names(key, dict.fromkeys(index.interviews, ()))
    if len(found) == 1:
        return index.interviews[found[0]]
    if found:
        raise LookupFailed(_many(query, found), "give more of the file name")

    def contact_fits(view: ContactView) -> bool:
        return fits is not None and any(fits(index.interviews[p].interview) for p in view.interviews)

    try:
        view = find_contact(index, query, contact_fits if fits else None, f" with {what} interviews")
    except LookupFailed as error:
        if error.message.startswith("no contact"):
            raise LookupFailed(
                f"no interview or contact matches {query!r}", "run `iinotes list` or look in interviews/"
            ) from None
        raise
    mine = [index.interviews[p] for p in view.interviews if p in index.interviews]
    if not mine:
        raise LookupFailed(
            f"{view.contact.name} has no interview notes",
            f'create one: iinotes new interview "{view.contact.name}" --at "YYYY-MM-DD HH:MM"',
        )
    if fits is not None:
        mine = [i for i in mine if fits(i.interview)]
        if not mine:
            raise LookupFailed(
                f"{view.contact.name} has no {what} interview",
                "give the interview's file name (`iinotes show` lists them)",
            )
    ahead = [i for i in mine if upcoming(i.interview, index.today, index.timezone)]
    started = [
        i
        for i in mine
        if (day := meeting_day(i.interview, index.timezone)) is not None
        and day <= index.today
        and i.interview.status != "cancelled"
    ]
    if prefer == "upcoming" and ahead:
        chosen = ahead
    elif started:
        chosen = [started[-1]]
    else:
        chosen = ahead or mine
    if len(chosen) > 1:
        raise LookupFailed(_many(query, [i.interview.path for i in chosen]), "give the interview's file name")
    return chosen[0]


def _day(when: dt.date) -> dt.date:
    return when.date() if isinstance(when, dt.datetime) else when


def _many(query: str, paths: list[str]) -> str:
    return f"{query!r} matches {len(paths)} interviews:\n" + "\n".join(f"  {p}" for p in paths)


# --- log, done, confirm, thank, commit-done -----------------------------------------------------


def log_line(day: dt.date, kind: str, via: str | None = None, note: str | None = None) -> str:
    """The `## Log` body line for an outreach or touch with details: `- 2026-11-15 outreach via
    linkedin: short follow-up` (one line: line breaks in the note become spaces)."""
    via, note = " ".join((via or "").split()), " ".join((note or "").split())
    return f"- {day.isoformat()} {kind}" + (f" via {via}" if via else "") + (f": {note}" if note else "")


def log_changes(kind: str, day: dt.date, via: str | None = None, note: str | None = None) -> list[Change]:
    """What `log outreach|touch` changes: the plain date appended to the list (an Obsidian list of
    text), and with --via/--note one dated line in the body's `## Log` section."""
    key = "outreach" if kind == "outreach" else "touches"
    changes: list[Change] = [Append(key, day.isoformat(), unique_date=True)]
    line = log_line(day, kind, via, note)
    if line != log_line(day, kind):  # there are details to keep
        changes.append(AddToSection(LOG_HEADING, line))
    return changes


def log(
    root: Path,
    index: Index,
    kind: str,
    query: str,
    day: dt.date,
    *,
    via: str | None = None,
    note: str | None = None,
    force: bool = False,
    max_nudges: int = 3,
    dry_run: bool = False,
) -> WriteResult:
    """`log outreach|touch` appends the plain date (not twice for one day) and puts `via`/`note`
    into the body's `## Log` section as one dated line (a new note on a logged day adds its line);
    `log reply` sets responded. `log outreach` refuses (OutreachRefused) a
    contact who declined, asked not to be contacted, is archived, or had `max_nudges` nudges with no
    reply: don't stalk. `force` writes it anyway."""
    if kind not in LOG_KINDS:
        raise UsageError(f"cannot log {kind!r}; choose one of {', '.join(LOG_KINDS)}")
    view = find_contact(index, query)
    rel = view.contact.path
    if kind == "outreach" and not force:
        reason = stalking(view, max_nudges)
        if reason:
            raise OutreachRefused(reason, "if you really mean to, run it again with --force")
    if kind == "reply":
        change: Change = SetValue("responded", day, keep_existing=True)
        return edit_note(
            root,
            rel,
            [change],
            dry_run=dry_run,
            done=f"responded {day.isoformat()}",
            unchanged="responded is already set",
        )
    key = "outreach" if kind == "outreach" else "touches"
    changes = log_changes(kind, day, via, note)
    done = f"{kind} on {day.isoformat()} logged"
    if any(e.date == day for e in getattr(view.contact, key)) and len(changes) > 1:
        done = f"note added to the {kind} on {day.isoformat()}"  # the day was logged already
    return edit_note(
        root,
        rel,
        changes,
        dry_run=dry_run,
        done=done,
        unchanged=f"{kind} on {day.isoformat()} is already logged",
    )


def stalking(view: ContactView, max_nudges: int) -> str:
    """Why one more outreach would be stalking ("" when it would not): the contact declined, asked
    not to be contacted or is archived, or had `max_nudges` nudges and never replied."""
    contact = view.contact
    if contact.status == "declined":
        return f"{contact.name} declined; respect that and don't contact them again"
    if contact.status == "do-not-contact":
        return f"{contact.name} is marked do-not-contact"
    if contact.status == "archived":
        return f"{contact.name} is archived; set their status back first (`iinotes resume`)"
    nudges = len(contact.outreach) - 1
    if contact.responded is None and contact.outreach and nudges >= max_nudges:
        return (
            f"you already sent {contact.name} {nudges} nudge{'s' if nudges != 1 else ''} after the first "
            f"message and had no reply (max_nudges = {max_nudges}): the ladder is done; never stalk"
        )
    return ""


def mark_done(root: Path, index: Index, query: str, *, dry_run: bool = False) -> WriteResult:
    """status: done."""
    rel = find_interview(index, query, prefer="recent").interview.path
    return edit_note(
        root,
        rel,
        [SetValue("status", "done")],
        dry_run=dry_run,
        done="status: done",
        unchanged="already done",
    )


def confirm(root: Path, index: Index, query: str, day: dt.date, *, dry_run: bool = False) -> WriteResult:
    """status: confirmed and confirmed: the day (an earlier confirmed day is kept)."""
    rel = find_interview(
        index, query, prefer="upcoming", fits=_upcoming(index), what="upcoming"
    ).interview.path
    changes = [SetValue("status", "confirmed"), SetValue("confirmed", day, keep_existing=True)]
    return edit_note(root, rel, changes, dry_run=dry_run, done="confirmed", unchanged="already confirmed")


def thank(root: Path, index: Index, query: str, day: dt.date, *, dry_run: bool = False) -> WriteResult:
    """thank_you_sent: the day (an earlier day is kept)."""
    view = find_interview(index, query, prefer="recent")
    return _stamp(root, view, "thank_you_sent", day, dry_run)


def _stamp(root: Path, view: InterviewView, key: str, day: dt.date, dry_run: bool) -> WriteResult:
    """`key: day` in an interview note, unless a day is there already."""
    return edit_note(
        root,
        view.interview.path,
        [SetValue(key, day, keep_existing=True)],
        dry_run=dry_run,
        done=f"{key} {day.isoformat()}",
        unchanged=f"{key} is already set",
    )


def _upcoming(index: Index) -> Callable[[Interview], bool]:
    return lambda interview: upcoming(interview, index.today, index.timezone)


def _started(index: Index) -> Callable[[Interview], bool]:
    def fits(interview: Interview) -> bool:
        day = meeting_day(interview, index.timezone)
        return (
            interview.status in ("requested", "scheduled", "confirmed")
            and day is not None
            and (day <= index.today)
        )

    return fits


def _reschedulable(index: Index) -> Callable[[Interview], bool]:
    """Upcoming, or the contact's latest meeting when it was cancelled or a no-show."""
    latest: dict[str | None, str] = {}
    for path, iview in index.interviews.items():
        if iview.interview.scheduled is not None or iview.interview.status not in ("cancelled", "no-show"):
            latest[iview.contact] = path
    closed = {
        path
        for path in latest.values()
        if index.interviews[path].interview.status in ("cancelled", "no-show")
    }
    return lambda interview: upcoming(interview, index.today, index.timezone) or interview.path in closed


def prepared(root: Path, index: Index, query: str, day: dt.date, *, dry_run: bool = False) -> WriteResult:
    """prepared: the day, on the upcoming interview (closes its prepare follow-up; an earlier day is kept)."""
    view = find_interview(index, query, prefer="upcoming", fits=_upcoming(index), what="upcoming")
    return _stamp(root, view, "prepared", day, dry_run)


def cancel(
    root: Path, index: Index, query: str, *, no_show: bool = False, dry_run: bool = False
) -> WriteResult:
    """status: cancelled on the contact's upcoming interview, or (`no_show`) status: no-show on the
    meeting that has started; a `reschedule` follow-up comes up reschedule_days_after it."""
    if no_show:
        view = find_interview(index, query, prefer="recent", fits=_started(index), what="past")
    else:
        view = find_interview(index, query, prefer="upcoming", fits=_upcoming(index), what="upcoming")
    status = "no-show" if no_show else "cancelled"
    return edit_note(
        root,
        view.interview.path,
        [SetValue("status", status)],
        dry_run=dry_run,
        done=f"status: {status}",
        unchanged=f"already {status}",
    )


def reschedule(
    root: Path,
    index: Index,
    query: str,
    at: str | None,
    *,
    from_invite: Path | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """Move the contact's upcoming interview (or their cancelled / no-show one) to `at`, in the same
    note with the same id, so the feed's events keep their UIDs and their SEQUENCE rises. The
    meeting is no longer confirmed (`confirmed` is cleared; status scheduled, or requested).
    `from_invite`: the new invitation (.ics) gives the time and its zone (`timezone` is set, or
    cleared when the time is the vault's), and its length, location and medium when it has them;
    `at` replaces its time."""
    view = find_interview(
        index, query, prefer="upcoming", fits=_reschedulable(index), what="upcoming, cancelled or no-show"
    )
    extra: list[Change] = []
    if from_invite is not None:
        invitation = invite.read_invitation_file(from_invite, index.timezone)
        if at is None:
            at = invitation.scheduled
            if invitation.timezone or view.interview.timezone:
                extra.append(SetValue("timezone", invitation.timezone))
        if invitation.minutes:
            extra.append(SetValue("duration", invitation.minutes))
        extra += [
            SetValue(k, v) for k, v in (("medium", invitation.medium), ("location", invitation.location)) if v
        ]
    if at is None:
        raise UsageError("to when? give --at", 'e.g. --at "2026-12-02 15:00", or --from-invite invite.ics')
    scheduled, _ = _scheduled_text(at)
    status = "requested" if view.interview.status == "requested" else "scheduled"
    changes: list[Change] = [
        SetValue("scheduled", scheduled),
        SetValue("status", status),
        SetValue("confirmed", None),
        *extra,
    ]
    return edit_note(
        root,
        view.interview.path,
        changes,
        dry_run=dry_run,
        done=f"rescheduled to {scheduled.replace('T', ' ')} (status: {status})",
        unchanged=f"already scheduled at {scheduled.replace('T', ' ')}",
    )


STATUS_WORDS = {
    "paused": "paused",
    "active": "active again",
    "declined": "declined",
    "archived": "archived",
    "do-not-contact": "do-not-contact",
}


def set_status(
    root: Path,
    index: Index,
    query: str,
    status: str,
    *,
    resume: dt.date | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """status: STATUS in the contact's note (`pause`, `resume`, `decline`, `archive`). Pausing sets
    `resume` to the given day (or clears it: paused until you resume); any other status clears it."""
    view = find_contact(index, query)
    changes: list[Change] = [
        SetValue("status", status),
        SetValue("resume", resume if status == "paused" else None),
    ]
    words = STATUS_WORDS[status] + (f" until {resume.isoformat()}" if resume and status == "paused" else "")
    return edit_note(
        root,
        view.contact.path,
        changes,
        dry_run=dry_run,
        done=f"{view.contact.name}: {words}",
        unchanged=f"already {words}",
    )


def _scheduled_text(at: str) -> tuple[str, dt.date]:
    """`--at` as the note's `scheduled` value (wall time kept as written) and its day."""
    try:
        when = values.parse_when(at)
    except ValueError as error:
        raise UsageError(f"--at: {error}") from None
    text = (
        when.strftime("%Y-%m-%dT%H:%M")
        if isinstance(when, dt.datetime) and when.tzinfo is None
        else when.isoformat()
    )
    return text, _day(when)


def commit_done(
    root: Path,
    index: Index,
    query: str,
    number: int,
    day: dt.date | None = None,
    *,
    contact: bool = False,
    dry_run: bool = False,
) -> WriteResult:
    """Mark commitment `number` (1-based, as `iinotes show` lists them) done: `done: true` in the
    front matter, or `- [x] ... ✅ day` for a body task (day: default the index's today).
    `contact`: in the contact's own note (also meant when `query` is a contact note's path) rather
    than in an interview."""
    day = day or index.today
    wanted = query.strip().replace("\\", "/")
    if contact or wanted in index.contacts or f"{wanted}.md" in index.contacts:
        rel = find_contact(index, query).contact.path
    else:
        rel = find_interview(index, query, prefer="recent").interview.path

    def changes(parsed: ParsedNote) -> list[Change]:
        items = parsed.note.commitments if parsed.note is not None else ()
        if not 1 <= number <= len(items):
            listed = (
                "\n".join(f"  {i}. [{'x' if c.done else ' '}] {c.task}" for i, c in enumerate(items, 1))
                or "  (none)"
            )
            raise UsageError(f"{rel} has no commitment {number}; its commitments are:\n{listed}")
        item = items[number - 1]
        if item.done:
            return []
        if item.source == "body":
            return [TickTask(item.line, done_on=day)]  # `- [x] ... ✅ day`, as the Tasks plugin does
        position = sum(1 for c in items[: number - 1] if c.source == "front matter")
        return [SetInItem("commitments", position, "done", True)]

    return edit_note(
        root,
        rel,
        changes,
        dry_run=dry_run,
        done=f"commitment {number} done",
        unchanged=f"commitment {number} is already done",
    )


# --- init ---------------------------------------------------------------------------------------


def init_files(timezone: str | None = None) -> dict[str, bytes | None]:
    """What `init` creates: path -> bytes (None for a folder). `timezone` (default: the machine's,
    as detected) is written as the vault's setting, so the vault keeps it on every machine."""
    zone_line = f'timezone = "{timezone or machine_timezone()}"  # detected on the machine that ran init'
    toml = (
        "# iinotes settings: every key is optional; uncomment a line to change it (docs/settings.md)\n\n"
        + re.sub(r"(?m)^# timezone = .*$", lambda _: zone_line, example_toml(commented=True), count=1)
        + "\n"
    )
    return {
        SETTINGS_FILE: toml.encode(),
        "contacts": None,
        "interviews": None,
        "templates/contact.md": CONTACT_TEMPLATE.encode(),
        "templates/interview.md": INTERVIEW_TEMPLATE.encode(),
        **{f"{TEMPLATE_FOLDER}/{kind}.md": built_in_template(kind).encode() for kind in MESSAGE_KINDS},
        ".gitignore": b".iinotes/\n",
        ".gitattributes": b"*.ics -text\n",
    }


def _made_by_init(path: Path, data: bytes | None) -> bool:
    if path.is_symlink():
        return False
    if data is None:  # a folder: init's own only while empty (a folder of notes is the user's)
        return path.is_dir() and not any(path.iterdir())
    try:
        return path.is_file() and path.read_bytes() == data
    except OSError:
        return False


def init(folder: Path, *, git: bool = False, dry_run: bool = False) -> list[str]:
    """Create a vault in `folder`; refuses (writing nothing) when any of its files already exists
    with other content. What an earlier, interrupted `init` made (the same bytes, the same folders)
    is kept and the rest is added. Returns what was (with `dry_run`: would be) created."""
    files = init_files()
    existing = [name for name in files if (folder / name).exists() or (folder / name).is_symlink()]
    others = [name for name in existing if not _made_by_init(folder / name, files[name])]
    if others:
        raise UsageError(
            f"{folder} already has {', '.join(others)}; iinotes init writes nothing over existing files",
            "remove them or choose an empty folder",
        )
    files = {name: data for name, data in files.items() if name not in existing}
    if git and shutil.which("git") is None:
        raise UsageError("--git needs git, which is not on PATH")
    if dry_run:
        return list(files) + ([".git"] if git and _git_dir(folder) is None else [])
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = folder / name
        if data is None:
            target.mkdir(exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data, create=True)
    created = list(files)
    if git and _git_dir(folder) is None:
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
        created.append(".git")
    return created


def next_step(folder: Path, cwd: Path | None = None) -> str:
    """What to type after `init` made a vault in `folder`: cd into it (unless already there), then
    add a first contact."""
    here = (cwd or Path.cwd()).resolve()
    target = folder.resolve()
    first = 'iinotes new contact "Jane Doe" --company Acme'
    if target == here:
        return first
    try:
        shown = str(target.relative_to(here))
    except ValueError:
        shown = str(folder)
    quoted = (f'"{shown}"' if " " in shown else shown) if os.name == "nt" else shlex.quote(shown)
    return f"cd {quoted} && {first}"


def check_vault_named(root: Path, named: bool) -> None:
    """Refuse to write into a folder that is not a vault: nothing named one (no --vault, no
    $IINOTES_VAULT) and no iinotes.toml found from the current folder up."""
    if named or (root / SETTINGS_FILE).is_file():
        return
    raise UsageError(
        f"{root} is not a vault: no {SETTINGS_FILE} here or in any folder above, and no --vault or "
        "$IINOTES_VAULT; nothing was written",
        "cd into your vault (the folder `iinotes init` made), pass --vault DIR, or run `iinotes init` "
        "here to make this folder a vault",
    )


# --- new ----------------------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?\Z", re.IGNORECASE)
_BAD_CHARS = set('/\\<>:"|?*[]#^')
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """`name` checked for use as a file name and an Obsidian link; UsageError says what is wrong."""
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise UsageError("the name is empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise UsageError(f"the name {name!r} contains control characters", "type the name without them")
    bad = sorted({ch for ch in text if ch in _BAD_CHARS})
    if bad:
        raise UsageError(
            f"the name {text!r} contains {' '.join(bad)}, which cannot be used in a file name or a [[link]]",
            "leave those characters out (add the full form as an alias afterwards)",
        )
    if text.startswith(".") or text.endswith("."):
        raise UsageError(f"the name {text!r} starts or ends with a dot", "leave the dot out")
    if _WINDOWS_RESERVED.match(text):
        raise UsageError(
            f"{text!r} is a reserved file name on Windows", "use the full name, e.g. add a surname"
        )
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        raise UsageError(
            f"the name is too long for a file name ({len(text.encode('utf-8'))} bytes, at most "
            f"{MAX_NAME_BYTES})",
            "use a shorter name",
        )
    return text


def new_id(prefix: str) -> str:
    """A fresh note id: `c-` or `i-` and 8 hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


_TEMPLATE_TYPE = re.compile(r"^type:[ \t]*[\"']?template[\"']?[ \t]*(?:#.*)?$")


def from_template(text: str, kind: str, fills: dict[str, str]) -> str:
    """A template's text with {{placeholders}} filled and `type: template` made `type: <kind>` (the
    template's own comments right below that line go too); a type line is added when missing."""
    for name, value in fills.items():
        text = text.replace("{{" + name + "}}", value)
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r").strip() != "---":
        return f"---\ntype: {kind}\n---\n" + text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r").strip() == "---"), None)
    if end is None:
        raise UsageError(f"the {kind} template's front matter is never closed with ---")
    eol = "\r" if lines[0].endswith("\r") else ""
    for i in range(1, end):
        line = lines[i].rstrip("\r")
        if _TEMPLATE_TYPE.match(line):
            j = i + 1
            while j < end and lines[j].lstrip().startswith("#"):
                j += 1
            lines[i:j] = [f"type: {kind}{eol}"]
            return "\n".join(lines)
        if re.match(r"type:", line):
            lines[i] = f"type: {kind}{eol}"
            return "\n".join(lines)
    lines.insert(1, f"type: {kind}{eol}")
    return "\n".join(lines)


def _template(root: Path, kind: str, builtin: str) -> str:
    """`<kind>.md` from the vault's template folders (templates/, then Obsidian's), else `builtin`."""
    for folder in template_folders(root):
        path = root / folder / f"{kind}.md"
        try:
            return path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {path}: {error}") from None
    return builtin


_QUESTIONS = re.compile(r"^##[ \t]+Questions[ \t]*\r?\n((?:[ \t]*\r?\n)*)(?=#|\Z)", re.MULTILINE)


def with_questions(text: str) -> str:
    """The question bank under the note's `## Questions` heading when that section is empty (a
    section with questions of the template's own stays as it is); a section at the end when the
    note has no such heading."""
    if "## Questions" not in text:
        return text.rstrip("\n") + "\n\n## Questions\n" + questions.section()
    found = _QUESTIONS.search(text)
    if found is None:
        return text
    eol = "\r\n" if found[0].endswith("\r\n") else "\n"
    bank = questions.section().replace("\n", eol)
    return text[: found.start(1)] + bank + (eol if found.end() < len(text) else "") + text[found.end() :]


def _create(root: Path, rel: str, text: str, changes: Sequence[Change], dry_run: bool = False) -> WriteResult:
    """Write a new note (never over an existing file), its values set through the edit engine;
    the result's message is the new note's path."""
    if not dry_run:
        check_git_state(root)
    with write_lock(root) if not dry_run else _no_lock():
        _refuse_existing(root, rel)
        data = new_note_bytes(rel, text, changes)
        if not dry_run:
            write_new_note(root, rel, data)
    return WriteResult(rel, True, unified_diff(b"", data, rel), str(root / rel))


def new_note_bytes(rel: str, text: str, changes: Sequence[Change]) -> bytes:
    """A new note's bytes: a template's text with `changes` made through the edit engine, checked to
    be a note without errors (UsageError blames the template)."""
    try:
        data = plan(text.encode("utf-8"), changes, rel, fresh=True)
    except EditRefused as error:
        raise UsageError(
            f"cannot make {rel} from the template: {error.message}",
            "check templates/ (or delete the template to use the built-in one)",
        ) from None
    parsed = parse_note(rel, data)
    errors = [p for p in parsed.problems if p.severity == "error"]
    if errors or parsed.note is None:
        raise UsageError(
            f"the template would make a broken note: {errors[0].format() if errors else 'not a note'}",
            "fix templates/ (or delete the template to use the built-in one)",
        )
    return data


def write_new_note(root: Path, rel: str, data: bytes, *, clean: bool = True) -> None:
    """Write a new note's bytes atomically, never over an existing file; the caller holds the
    write lock (`_create`, or an import writing many notes under one lock). `clean`: as for
    `atomic_write`."""
    _refuse_existing(root, rel)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(path, data, create=True, clean=clean)
    except FileExistsError:
        raise UsageError(f"{rel} was created meanwhile; iinotes never overwrites a note", "open it") from None


def _refuse_existing(root: Path, rel: str) -> None:
    path = root / rel
    if path.exists() or path.is_symlink():
        raise UsageError(
            f"{rel} already exists; iinotes never overwrites a note", "open it, or choose another name"
        )


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def new_contact(
    root: Path,
    index: Index,
    name: str,
    today: dt.date,
    *,
    company: str | None = None,
    role: str | None = None,
    email: str | None = None,
    linkedin: str | None = None,
    source: str | None = None,
    referred_by: str | None = None,
    tags: Sequence[str] = (),
    dry_run: bool = False,
) -> WriteResult:
    """Create contacts/<Name>.md from templates/contact.md (else the built-in template)."""
    name = safe_name(name)
    rel = f"contacts/{name}.md"
    same = [
        path
        for path in index.contacts
        if path.rsplit("/", 1)[-1].removesuffix(".md").casefold() == name.casefold()
    ]
    if same:
        raise UsageError(
            f"a contact note named {name} already exists: {', '.join(same)}",
            "[[links]] to the name would become ambiguous; open that note, or choose another name",
        )
    text = from_template(
        _template(root, "contact", CONTACT_TEMPLATE),
        "contact",
        {"title": name, "date": today.isoformat(), "time": dt.datetime.now().strftime("%H:%M")},
    )
    changes: list[Change] = [SetValue("id", new_id("c")), SetValue("added", today, keep_existing=True)]
    for key, value in (
        ("company", company),
        ("role", role),
        ("email", email),
        ("linkedin", linkedin),
        ("source", source),
    ):
        if value:
            changes.append(SetValue(key, value))
    if referred_by:
        try:
            target = find_contact(index, referred_by).contact.path.removesuffix(".md").rsplit("/", 1)[-1]
        except LookupFailed:
            target = referred_by.strip()
        changes.append(SetValue("referred_by", f"[[{target}]]"))
    for tag in tags:
        tag = tag.strip().lstrip("#")
        why = values.tag_problem(tag)
        if why:
            raise UsageError(
                f"--tag {tag!r} {why}, so Obsidian would not take it as a tag",
                f"use --tag {shlex.quote(values.tag_fix(tag))}",
            )
        changes.append(Append("tags", tag))
    return _create(root, rel, text, changes, dry_run)


def new_interview(
    root: Path,
    index: Index,
    contact: str,
    at: str | None,
    *,
    requested: bool = False,
    today: dt.date | None = None,
    duration: str | None = None,
    medium: str | None = None,
    location: str | None = None,
    timezone: str | None = None,
    from_invite: Path | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """Create interviews/<YYYY-MM-DD> <Name>.md for a contact, with a Questions section.
    `requested`: status requested, and `at` may be None (no date yet: the file is named for `today`).
    `from_invite`: a meeting invitation (.ics) giving the time, zone, length, location and medium
    (each value given explicitly wins; `at` replaces the invitation's time and zone)."""
    view = find_contact(index, contact)
    stem = view.contact.path.removesuffix(".md").rsplit("/", 1)[-1]
    if from_invite is not None:
        invitation = invite.read_invitation_file(from_invite, index.timezone)
        if at is None:
            at, timezone = invitation.scheduled, timezone or invitation.timezone
        if duration is None and invitation.minutes:
            duration = str(invitation.minutes)
        medium = medium or invitation.medium
        location = location or invitation.location
    if at is None and not requested:
        raise UsageError(
            "when is the interview? give --at",
            'e.g. --at "2026-11-25 14:30", or --from-invite invite.ics, or --requested when there is no '
            "date yet",
        )
    if at is not None:
        scheduled, day = _scheduled_text(at)
    else:
        scheduled, day = "", today or index.today
    rel = f"interviews/{day.isoformat()} {stem}.md"
    fills = {
        "title": f"{day.isoformat()} {stem}",
        "date": day.isoformat(),
        "time": scheduled[11:16] if "T" in scheduled else "",
        "questions": questions.section(),
    }
    text = with_questions(from_template(_template(root, "interview", INTERVIEW_TEMPLATE), "interview", fills))
    changes: list[Change] = [
        SetValue("contact", f"[[{stem}]]"),
        SetValue("id", new_id("i")),
    ]
    changes.append(SetValue("scheduled", scheduled or None))  # None: a template's value is cleared
    if requested:
        changes.append(SetValue("status", "requested"))
    if duration:
        try:
            minutes = values.parse_duration(duration)
        except ValueError as error:
            raise UsageError(f"--duration: {error}") from None
        changes.append(SetValue("duration", minutes))
    if timezone:
        try:
            values.zone(timezone)
        except ValueError as error:
            raise UsageError(f"--timezone: {error}") from None
        changes.append(SetValue("timezone", timezone))
    for key, value in (("medium", medium), ("location", location)):
        if value:
            changes.append(SetValue(key, value))
    return _create(root, rel, text, changes, dry_run)


# --- hook ---------------------------------------------------------------------------------------


def hook_script(vault: Path, chained: bool) -> str:
    """The pre-commit hook: `iinotes validate --staged` (the notes as they will be committed)."""
    run_first = f'"$(dirname "$0")/{CHAINED_HOOK}" "$@" || exit $?\n' if chained else ""
    return f"""#!/bin/sh
{HOOK_MARK}: validate the staged notes before each commit.
{run_first}exec {shlex.quote(sys.executable)} -m iinotes --vault {shlex.quote(str(vault))} validate --staged
"""


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True)
    if done.returncode != 0:
        raise UsageError(
            f"git {args[0]} failed: {done.stderr.decode('utf-8', 'replace').strip()}",
            "run it in the vault's git repository",
        )
    return done.stdout


def staged_notes(root: Path) -> tuple[list[str], dict[str, bytes | None]]:
    """What the next commit holds, as changes to the vault folder: the vault-relative paths of the
    Markdown files it adds or changes, and the notes whose staged bytes differ from the folder's
    (their staged bytes; None for a note not in the commit: untracked, ignored or deleted). File
    names are read NUL-separated, so any name works."""
    if shutil.which("git") is None:
        raise UsageError("--staged needs git, which is not on PATH")
    top = Path(os.fsdecode(_git(["rev-parse", "--show-toplevel"], root).rstrip(b"\n")))
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"

    def notes(*args: str) -> list[str]:
        names = [os.fsdecode(n) for n in _git([*args, "-z", "--", prefix or "."], top).split(b"\0") if n]
        return [n for n in names if n.startswith(prefix) and n[-3:].lower() == ".md"]

    changed = notes("diff", "--cached", "--name-only", "--diff-filter=ACMR")
    differ = notes("diff", "--name-only")  # the folder's copy is not what is staged
    outside = notes("ls-files", "--others")  # untracked or ignored: not in the commit
    tracked = set(notes("ls-files", "--cached"))
    replaced: dict[str, bytes | None] = {n[len(prefix) :]: None for n in outside}
    wanted = sorted({*changed, *differ} & tracked)
    with tempfile.TemporaryDirectory(prefix="iinotes-staged-") as temp:
        if wanted:
            names = b"".join(os.fsencode(n) + b"\0" for n in wanted)
            _git(["checkout-index", "-z", "--stdin", f"--prefix={temp}/"], top, names)
        for name in wanted:
            staged = Path(temp) / name
            replaced[name[len(prefix) :]] = staged.read_bytes() if staged.is_file() else None
    for name in differ:
        if name not in tracked:
            replaced[name[len(prefix) :]] = None
    return [n[len(prefix) :] for n in changed], replaced


def install_hook(root: Path, *, chain: bool = False, dry_run: bool = False) -> str:
    """Install the pre-commit hook in the vault's git repository; an existing hook is never
    overwritten: refused, or with `chain` kept as pre-commit.before-iinotes and run first."""
    if shutil.which("git") is None:
        raise UsageError("installing the hook needs git, which is not on PATH")
    found = subprocess.run(
        ["git", "rev-parse", "--git-path", "hooks"], cwd=root, capture_output=True, text=True
    )
    if found.returncode != 0:
        raise UsageError(
            f"{root} is not in a git repository", "run `git init` (or `iinotes init --git`) first"
        )
    hooks = (root / found.stdout.strip()).resolve()
    hook = hooks / "pre-commit"
    chained = False
    if hook.is_symlink() and not hook.exists():
        raise EditRefused(
            f"{hook} is a symlink to {os.readlink(hook)}, which does not exist; iinotes will not write "
            "through it",
            f"remove the broken link (rm {shlex.quote(str(hook))}) and run this again",
        )
    if hook.exists():
        text = hook.read_text("utf-8", "replace")
        if text == hook_script(root.resolve(), CHAINED_HOOK in text):
            return f"{hook}: already installed"
        if HOOK_MARK in text:  # ours, from an older iinotes: brought up to date
            if dry_run:
                return f"would update {hook}:\n" + hook_script(root.resolve(), CHAINED_HOOK in text)
            atomic_write(hook, hook_script(root.resolve(), CHAINED_HOOK in text).encode())
            os.chmod(hook, 0o755)
            return f"{hook}: updated"
        if not chain:
            raise UsageError(
                f"{hook} already exists; iinotes will not overwrite it",
                "pass --chain to keep it and run it before the iinotes check",
            )
        saved = hooks / CHAINED_HOOK
        if saved.exists():
            raise UsageError(f"{saved} already exists", "remove it first")
        chained = True
        if dry_run:
            return f"would move {hook} to {saved} and write {hook}:\n" + hook_script(root.resolve(), chained)
        os.rename(hook, saved)
    if dry_run:
        return f"would write {hook}:\n" + hook_script(root.resolve(), chained)
    hooks.mkdir(parents=True, exist_ok=True)
    atomic_write(hook, hook_script(root.resolve(), chained).encode())
    os.chmod(hook, 0o755)
    return f"{hook}: installed" + (
        f" (your previous hook runs first, from {CHAINED_HOOK})" if chained else ""
    )
