"""Rendering for people and programs: tables, the `show` page, JSON and CSV (pure: values in, text out)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .followups import NextMove
from .index import ContactView, Index, InterviewView, Referral, meeting_start, upcoming
from .model import Commitment, Entry, Interview, Link, Problem
from .values import zone

Moves = dict[str, NextMove | None]  # each contact's next move, by path (followups.next_moves)

INDEX_SCHEMA = "iinotes.index/1"
PROBLEMS_SCHEMA = "iinotes.problems/1"
CSV_COLUMNS = (
    "name",
    "stage",
    "status",
    "company",
    "role",
    "location",
    "email",
    "phone",
    "linkedin",
    "tags",
    "source",
    "referred_by",
    "first_outreach",
    "last_outreach",
    "nudges_sent",
    "responded",
    "interviews",
    "next_interview",
    "last_touch",
    "keep_in_touch",
    "follow_up",
    "added",
    "next_kind",
    "next_due",
    "next_whose",
    "id",
    "path",
)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def when_text(value: dt.date | dt.datetime | None) -> str:
    """A date or date-time for people: `2026-11-30`, `2026-11-30 14:30`, `2026-11-30 14:30 +01:00`."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    text = value.strftime("%Y-%m-%d %H:%M") + (f":{value.second:02d}" if value.second else "")
    offset = value.strftime("%z")
    return text + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def _meeting_time(interview: Interview, vault_zone: str) -> str:
    """When a meeting is, labelled with its zone when the note names one (never silently converted);
    a wall time in a DST gap shows as the instant used (02:30 -> 03:30), as everywhere else."""
    when = interview.scheduled
    if not isinstance(when, dt.datetime) or when.tzinfo is not None:
        return when_text(when)
    start = meeting_start(interview, vault_zone)
    text = when_text(start.replace(tzinfo=None) if start is not None else when)
    return text + (f" {interview.timezone}" if interview.timezone else "")


def _entry(entry: Entry) -> dict[str, Any]:
    return {"date": entry.date.isoformat(), "via": entry.via, "note": entry.note}


def _link(link: Link | None, path: str | None) -> dict[str, Any] | None:
    return None if link is None else {"link": str(link), "target": link.target, "path": path}


def _referral(referral: Referral) -> dict[str, Any]:
    return {"source": referral.source, "name": referral.name, "target": referral.target, "via": referral.via}


def _commitment(item: Commitment) -> dict[str, Any]:
    return {
        "task": item.task,
        "due": _iso(item.due),
        "done": item.done,
        "line": item.line,
        "source": item.source,
    }


def contact_dict(view: ContactView, index: Index, moves: Moves | None = None) -> dict[str, Any]:
    """One contact as the JSON schema describes it (docs/commands.md); `next` comes from `moves`."""
    c = view.contact
    move = moves.get(c.path) if moves else None
    return {
        "path": c.path,
        "id": c.id,
        "name": c.name,
        "aliases": list(c.aliases),
        "stage": view.stage,
        "status": c.status,
        "company": c.company,
        "role": c.role,
        "location": c.location,
        "email": c.email,
        "phone": c.phone,
        "linkedin": c.linkedin,
        "tags": list(c.tags),
        "source": c.source,
        "referred_by": _link(c.referred_by, view.referred_by),
        "outreach": [_entry(e) for e in c.outreach],
        "nudges_sent": view.nudges_sent,
        "responded": _iso(c.responded),
        "touches": [_entry(e) for e in c.touches],
        "last_contact": _iso(c.last_contact),
        "last_touch": _iso(view.last_touch),
        "keep_in_touch": (str(c.keep_in_touch) if c.keep_in_touch else "never")
        if c.keep_in_touch_set
        else None,
        "follow_up": _iso(c.follow_up),
        "added": _iso(c.added),
        "resume": _iso(c.resume),
        "next": move.as_dict() if move else None,
        "interviews": list(view.interviews),
        "referrals_given": [_referral(r) for r in view.referrals_given],
        "referrals_received": [_referral(r) for r in view.referrals_received],
        "commitments": [_commitment(x) for x in c.commitments],
    }


def interview_dict(view: InterviewView) -> dict[str, Any]:
    """One interview as the JSON schema describes it (docs/commands.md)."""
    i = view.interview
    return {
        "path": i.path,
        "id": i.id,
        "contact": _link(i.contact, view.contact),
        "scheduled": _iso(i.scheduled),
        "timezone": i.timezone or None,
        "duration": i.duration,
        "medium": i.medium,
        "location": i.location,
        "status": i.status,
        "confirmed": _iso(i.confirmed),
        "prepared": _iso(i.prepared),
        "thank_you_sent": _iso(i.thank_you_sent),
        "referrals": [_referral(r) for r in view.referrals]
        if view.contact
        else [_link(r, None) for r in i.referrals],
        "commitments": [_commitment(x) for x in i.commitments],
    }


def dumps(data: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def index_json(
    index: Index, contacts: Iterable[ContactView] | None = None, moves: Moves | None = None
) -> str:
    """The whole index (or the given contacts only) as JSON; `moves` gives each contact's `next`."""
    return "".join(iter_index_json(index, contacts, moves))


def iter_index_json(
    index: Index, contacts: Iterable[ContactView] | None = None, moves: Moves | None = None
) -> Iterator[str]:
    """`index_json` in pieces, made as they are written: memory stays bounded by one contact or
    interview, not by the vault (the text is the same as `dumps` of the whole)."""
    chosen = index.contacts.values() if contacts is None else contacts
    whole = contacts is None
    return _iter_dumps(
        {
            "schema": INDEX_SCHEMA,
            "today": index.today.isoformat(),
            "counts": index.counts(),
            "contacts": (contact_dict(v, index, moves) for v in chosen),
            "interviews": (interview_dict(v) for v in index.interviews.values()) if whole else [],
            "referrals": (_referral(r) for r in index.referrals) if whole else [],
            "problems": (p.as_dict() for p in index.problems) if whole else [],
        }
    )


def _iter_dumps(data: dict[str, Any], batch: int = 200) -> Iterator[str]:
    """What `dumps(data)` writes, in pieces: each generator value of `data` is a JSON list made one
    item at a time (never as a whole)."""

    def nested(value: Any, pad: str) -> str:  # strings in JSON hold no raw newline: safe to indent
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n" + pad)

    yield "{"
    for number, key in enumerate(sorted(data)):
        value = data[key]
        yield ("," if number else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": "
        if not isinstance(value, Iterator):
            yield nested(value, "  ")
            continue
        started, pieces = False, []
        for item in value:
            pieces.append(nested(item, "    "))
            if len(pieces) >= batch:
                yield (",\n    " if started else "[\n    ") + ",\n    ".join(pieces)
                started, pieces = True, []
        if pieces:
            yield (",\n    " if started else "[\n    ") + ",\n    ".join(pieces)
            started = True
        yield "\n  ]" if started else "[]"
    yield "\n}\n"


def problems_json(problems: Sequence[Problem]) -> str:
    """`validate --format json`: the sorted list of problems with a summary."""
    errors = sum(p.severity == "error" for p in problems)
    return dumps(
        {
            "schema": PROBLEMS_SCHEMA,
            "errors": errors,
            "warnings": len(problems) - errors,
            "problems": [p.as_dict() for p in sorted(problems)],
        }
    )


def _next_interview(view: ContactView, index: Index) -> str:
    """The next meeting in the vault's time, as `due` shows it (its own zone is in `show`)."""
    for path in view.interviews:
        interview = index.interviews[path].interview
        if interview.scheduled is not None and upcoming(interview, index.today, index.timezone):
            start = meeting_start(interview, index.timezone)
            if start is None:
                return when_text(interview.scheduled)
            return start.astimezone(zone(index.timezone)).strftime("%Y-%m-%d %H:%M")
    return ""


def contacts_csv(index: Index, contacts: Iterable[ContactView], moves: Moves | None = None) -> str:
    """One row per contact, for spreadsheets (RFC 4180, CRLF rows, header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for view in contacts:
        c = view.contact
        move = moves.get(c.path) if moves else None
        row = {
            "name": c.name,
            "stage": view.stage,
            "status": c.status,
            "company": c.company,
            "role": c.role,
            "location": c.location,
            "email": c.email,
            "phone": c.phone,
            "linkedin": c.linkedin,
            "tags": "; ".join(c.tags),
            "source": c.source,
            "referred_by": c.referred_by.target if c.referred_by else "",
            "first_outreach": _iso(c.outreach[0].date) if c.outreach else "",
            "last_outreach": _iso(c.outreach[-1].date) if c.outreach else "",
            "nudges_sent": view.nudges_sent,
            "responded": _iso(c.responded) or "",
            "interviews": len(view.interviews),
            "next_interview": _next_interview(view, index),
            "last_touch": _iso(view.last_touch) or "",
            "keep_in_touch": (str(c.keep_in_touch) if c.keep_in_touch else "never")
            if c.keep_in_touch_set
            else "",
            "follow_up": _iso(c.follow_up) or "",
            "added": _iso(c.added) or "",
            "next_kind": move.kind if move else "",
            "next_due": move.due.isoformat() if move else "",
            "next_whose": move.whose if move else "",
            "id": c.id,
            "path": c.path,
        }
        writer.writerow([_csv_safe(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _csv_safe(value: object) -> object:
    """Neutralise spreadsheet formula injection (=, +, -, @ at the start of text)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit():
        return "'" + value
    return value


def width(text: str) -> int:
    """Terminal columns a string takes, as a terminal draws it (wcwidth: CJK and emoji are two
    wide, a family emoji joined by ZWJ is one emoji of two columns, combining marks take none)."""
    import wcwidth

    measured = wcwidth.wcswidth(text)
    if measured >= 0:
        return int(measured)
    return sum(max(wcwidth.wcswidth(g), 0) for g in wcwidth.iter_graphemes(text))  # control characters: 0


def fit(text: str, columns: int) -> str:
    """Cut `text` to `columns` terminal columns (with …, never inside an emoji or a letter with
    its accents) and pad it to exactly that width."""
    import wcwidth

    if width(text) > columns:
        out = ""
        for grapheme in wcwidth.iter_graphemes(text):
            if width(out + grapheme) > columns - 1:
                break
            out += grapheme
        text = out + "…"
    return text + " " * (columns - width(text))


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], max_widths: Sequence[int] | None = None
) -> str:
    """A plain aligned table with a header rule; the last column is never padded."""
    limits = list(max_widths or [40] * len(headers))
    widths = [min(limits[i], max([width(h)] + [width(r[i]) for r in rows])) for i, h in enumerate(headers)]
    lines = []
    for cells in [list(headers), ["-" * w for w in widths], *[list(r) for r in rows]]:
        parts = [fit(cell, widths[i]) for i, cell in enumerate(cells[:-1])] + [cells[-1]]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def move_text(move: NextMove | None) -> str:
    """A next move in a table cell: `2026-11-30 prepare`, `2026-12-09 nudge (theirs)`, or `-`."""
    if move is None:
        return "-"
    return f"{move.due.isoformat()} {move.kind}" + (" (theirs)" if move.whose == "theirs" else "")


def contacts_table(index: Index, contacts: Sequence[ContactView], moves: Moves | None = None) -> str:
    """The human table of `index` and `list`."""
    rows = []
    for view in contacts:
        c = view.contact
        rows.append(
            [
                c.name,
                view.stage,
                c.company,
                c.role,
                _iso(view.last_touch) or "-",
                _next_interview(view, index) or "-",
                move_text(moves.get(c.path) if moves else None),
                c.path,
            ]
        )
    return table(
        ["NAME", "STAGE", "COMPANY", "ROLE", "LAST TOUCH", "NEXT MEETING", "NEXT", "NOTE"],
        rows,
        [28, 14, 24, 24, 10, 16, 32, 60],
    )


def summary(index: Index) -> str:
    """One paragraph of totals under the `index` table."""
    counts = index.counts()
    by_stage: dict[str, int] = counts["stages"]  # type: ignore[assignment]
    stages = ", ".join(f"{n} {stage}" for stage, n in by_stage.items()) or "none"
    return (
        f"{counts['contacts']} contacts ({stages}), {counts['interviews']} interviews, {counts['referrals']} "
        "referrals; "
        f"{counts['errors']} errors, {counts['warnings']} warnings (run `iinotes validate` for details)\n"
    )


def problems_text(problems: Sequence[Problem], *, hints: bool = True) -> str:
    """`validate`'s human output: one line per problem, its hint indented below, then totals."""
    lines = []
    for problem in sorted(problems):
        lines.append(problem.format())
        if hints and problem.hint:
            lines.append(f"    hint: {problem.hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def show_text(
    view: ContactView,
    index: Index,
    extra_sections: Sequence[tuple[str, list[str]]] = (),
    next_line: str = "",
) -> str:
    """The page `iinotes show NAME` prints for one contact; `next_line` says its next move in words."""
    c = view.contact
    out = [c.name + (f"  ({', '.join(c.aliases)})" if c.aliases else ""), "=" * max(4, width(c.name))]

    def field(label: str, value: object) -> None:
        if value not in (None, "", (), []):
            out.append(f"{label + ':':<15}{value}")

    field("stage", view.stage + (f" (status: {c.status})" if c.status != "active" else ""))
    field("role", ", ".join(x for x in (c.role, c.company) if x))
    field("location", c.location)
    field("email", c.email)
    field("phone", c.phone)
    field("linkedin", c.linkedin)
    field("tags", ", ".join(c.tags))
    field("source", c.source)
    if c.referred_by:
        field(
            "referred by",
            index.contacts[view.referred_by].contact.name
            if view.referred_by
            else f"{c.referred_by.target} (no note)",
        )
    if c.outreach:
        field(
            "outreach",
            "; ".join(_entry_text(e) for e in c.outreach)
            + f"  ({view.nudges_sent} nudge{'s' if view.nudges_sent != 1 else ''})",
        )
    field("responded", _iso(c.responded))
    field("last touch", _iso(view.last_touch))
    if c.keep_in_touch_set:
        field("keep in touch", str(c.keep_in_touch) if c.keep_in_touch else "never")
    field("follow up", when_text(c.follow_up))
    field("added", _iso(c.added))
    field("resume", _iso(c.resume))
    field("note", c.path)
    if next_line:
        out += ["", f"Next: {next_line}"]

    def section(title: str, lines: list[str]) -> None:
        out.extend(["", title + ":"] + ([f"  {line}" for line in lines] if lines else ["  (none)"]))

    interviews = []
    for path in view.interviews:
        i = index.interviews[path].interview
        when = _meeting_time(i, index.timezone) or "no date yet"
        bits = [when, i.status] + [x for x in (i.medium, f"{i.duration} min") if x]
        if i.prepared:
            bits.append(f"prepared {i.prepared.isoformat()}")
        if i.thank_you_sent:
            bits.append(f"thanked {i.thank_you_sent.isoformat()}")
        interviews.append(f"{'  '.join(bits)}  {path}")
        for number, item in enumerate(
            i.commitments, 1
        ):  # numbered as `iinotes commit-done INTERVIEW N` counts
            interviews.append(
                f"  {number}. [{'x' if item.done else ' '}] {item.task}"
                + (f" (due {item.due.isoformat()})" if item.due else "")
            )
    section("Interviews", interviews)
    if c.commitments:  # numbered as `iinotes commit-done --contact NAME N` counts
        section(
            "Commitments (in the contact note)",
            [
                f"{number}. [{'x' if item.done else ' '}] {item.task}"
                + (f" (due {item.due.isoformat()})" if item.due else "")
                for number, item in enumerate(c.commitments, 1)
            ],
        )
    section("Touches", [_entry_text(e) for e in c.touches])
    section(
        "Referrals given (people they suggested)",
        [_referral_text(r, index, r.target, r.name) for r in view.referrals_given],
    )
    section(
        "Referrals received (who introduced them)",
        [_referral_text(r, index, r.source, "") for r in view.referrals_received],
    )
    for title, lines in extra_sections:
        section(title, lines)
    problems = [p for p in index.problems if p.path == c.path or p.path in view.interviews]
    if problems:
        section("Problems", [p.format() for p in problems])
    return "\n".join(out) + "\n"


def _entry_text(entry: Entry) -> str:
    return entry.date.isoformat() + "".join(
        f" {x}" for x in (f"via {entry.via}" if entry.via else "", entry.note) if x
    )


def _referral_text(referral: Referral, index: Index, path: str | None, fallback: str) -> str:
    name = (
        index.contacts[path].contact.name
        if path and path in index.contacts
        else f"{fallback} (no contact note yet)"
    )
    return f"{name}  (in {referral.via})"
