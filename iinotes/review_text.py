"""The forms `review` and `stats` print (pure): plain text, JSON (schemas in docs/review.md), CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from .followups import FollowUp
from .review import (
    FUNNEL_LABELS,
    REVIEW_SCHEMA,
    STATS_SCHEMA,
    Branch,
    Group,
    Review,
    Stats,
    median,
)


def percent(value: float | None) -> str:
    """0.4286 -> "43%"; None -> "-"."""
    return "-" if value is None else f"{round(value * 100)}%"


def days_text(value: float | None) -> str:
    """3.0 -> "3 days", 1.0 -> "1 day", 2.5 -> "2.5 days", None -> "-"."""
    if value is None:
        return "-"
    shown = f"{value:g}"
    return f"{shown} day{'' if value == 1 else 's'}"


def review_dict(review: Review, describe: Callable[[FollowUp], dict[str, object]]) -> dict[str, Any]:
    """`review --format json`; `describe` gives a follow-up's entry (the CLI passes `due`'s, so
    both commands describe follow-ups alike)."""
    return {
        "schema": REVIEW_SCHEMA,
        "today": review.today.isoformat(),
        "period": {
            "start": review.period.start.isoformat(),
            "end": review.period.end.isoformat(),
            "label": review.period.label,
        },
        "counts": review.counts(),
        "events": [event.as_dict() for event in review.events],
        "commitments": [promise.as_dict() for promise in review.promises],
        "overdue": [describe(item) for item in review.overdue],
        "coming": [describe(item) for item in review.coming],
    }


def summary_rows(review: Review) -> list[tuple[str, str]]:
    """The review's figures as (what, how many) rows, in plain words (text and Markdown share them)."""
    c = review.counts()
    nudges = c["nudges"]
    thanks = c["thank_yous"]
    median_days = c["median_days_to_reply"]
    assert median_days is None or isinstance(median_days, float)
    return [
        ("Contacts added", str(c["added"])),
        ("First messages sent", f"{c['outreach']} (and {nudges} nudge{'' if nudges == 1 else 's'})"),
        (
            "Replies",
            f"{c['replies']}"
            + (
                f" (median {days_text(median_days)} after the first message)"
                if median_days is not None
                else ""
            ),
        ),
        ("Meetings held", str(c["meetings"])),
        ("Thank-yous sent", f"{thanks} ({c['thank_yous_within_a_day']} within a day)"),
        (
            "Commitments due",
            f"{c['commitments_done']} done, {c['commitments_slipped']} slipped, {c['commitments_open']} open",
        ),
        ("Referrals gained", str(c["referrals"])),
        ("Keep-in-touch touches", str(c["touches"])),
        ("Overdue now", str(c["overdue"])),
        ("Due in the next 7 days", str(c["coming"])),
    ]


def review_text(review: Review) -> str:
    """`review` for people."""
    p = review.period
    out = [
        f"Review {p.label}: {p.start.isoformat()} to {p.end.isoformat()} (as of {review.today.isoformat()})"
    ]
    out += ["", "In numbers:"]
    rows = summary_rows(review)
    width = max(len(what) for what, _ in rows)
    out += [f"  {what:<{width}}  {value}" for what, value in rows]
    out += ["", "What happened:"]
    out += [f"  {e.day.isoformat()}  {e.sentence()}" for e in review.events] or ["  nothing recorded"]
    if review.promises:
        out += ["", "Commitments due in the period:"]
        out += [f"  {p.due.isoformat()}  {p.state:<7}  {p.task} (for {p.person})" for p in review.promises]
    out += ["", "What slipped (overdue now):"]
    out += [f"  {i.due.isoformat()}  {i.sentence()}" for i in review.overdue] or ["  nothing"]
    out += ["", "What is next (the coming 7 days):"]
    out += [f"  {i.due.isoformat()}  {i.sentence()}" for i in review.coming] or ["  nothing"]
    return "\n".join(out) + "\n"


def stats_dict(stats: Stats) -> dict[str, Any]:
    """`stats --format json`."""
    leads = stats.overall.leads
    funnel = []
    previous = None
    for stage, count in stats.funnel():
        funnel.append(
            {
                "stage": stage,
                "count": count,
                "share": round(count / leads, 4) if leads else None,
                "from_previous": (round(count / previous, 4) if previous else None)
                if previous is not None
                else None,
            }
        )
        previous = count
    return {
        "schema": STATS_SCHEMA,
        "today": stats.today.isoformat(),
        "funnel": funnel,
        "overall": stats.overall.as_dict(),
        "by_source": [g.as_dict() for g in stats.by_source],
        "by_tag": [g.as_dict() for g in stats.by_tag],
        "referrals": {
            "total": stats.referrals,
            "meetings": stats.meetings,
            "per_meeting": stats.referrals_per_meeting,
            "edges": [{"from": a, "from_path": ap, "to": b, "to_path": bp} for a, ap, b, bp in stats.edges],
            "tree": [branch.as_dict() for branch in stats.tree],
        },
    }


GROUP_HEADERS = ("leads", "reached", "replied", "reply rate", "median days", "met", "referred")


def group_cells(group: Group) -> list[str]:
    """A group's row as text cells, in GROUP_HEADERS order."""
    return [
        str(group.leads),
        str(group.reached),
        str(group.replied),
        percent(group.reply_rate),
        days_text(median(group.reply_days)),
        str(group.met),
        str(group.referred),
    ]


def branch_label(branch: Branch) -> str:
    """A person in the tree, marked when shown again or without a contact note."""
    if branch.again == "cycle":
        return f"{branch.name} (cycle: already above on this branch)"
    if branch.again == "above":
        return f"{branch.name} (see above)"
    return branch.name + ("" if branch.path else " (no contact note)")


def tree_lines(branches: tuple[Branch, ...], prefix: str | None = None) -> list[str]:
    """The referral tree drawn with ├─ and └─ (a person shown again is marked, not expanded)."""
    lines = []
    for number, branch in enumerate(branches):
        last = number == len(branches) - 1
        if prefix is None:
            lines.append(branch_label(branch))
            lines += tree_lines(branch.children, "")
        else:
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{branch_label(branch)}")
            lines += tree_lines(branch.children, prefix + ("   " if last else "│  "))
    return lines


def stats_text(stats: Stats) -> str:
    """`stats` for people."""
    o = stats.overall
    contacts = f"{o.leads} contact{'' if o.leads == 1 else 's'}"
    out = [f"Statistics as of {stats.today.isoformat()} ({contacts})", "", "Funnel:"]
    previous = None
    for stage, count in stats.funnel():
        share = percent(count / o.leads) if o.leads else "-"
        step = (
            ""
            if previous is None
            else f"  ({percent(count / previous) if previous else '-'} of the stage before)"
        )
        out.append(f"  {FUNNEL_LABELS[stage]:<16} {count:>4}  {share:>4}{step}")
        previous = count
    out += [
        "",
        f"Reply rate: {percent(o.reply_rate)} ({o.replied} of {o.reached} reached); "
        f"median {days_text(median(o.reply_days))} to reply ({len(o.reply_days)} timed)",
        f"Referrals: {stats.referrals} from {stats.meetings} meetings "
        f"({'-' if stats.referrals_per_meeting is None else f'{stats.referrals_per_meeting:g}'} per meeting)",
    ]
    for title, groups in (("By source:", stats.by_source), ("By tag:", stats.by_tag)):
        out += ["", title]
        if not groups:
            out.append("  no contacts yet")
            continue
        rows = [[g.name, *group_cells(g)] for g in groups]
        width = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(("", *GROUP_HEADERS))]
        for cells in [["", *GROUP_HEADERS], *rows]:
            first = cells[0].ljust(width[0])
            rest = "  ".join(c.rjust(width[i + 1]) for i, c in enumerate(cells[1:]))
            out.append(f"  {first}  {rest}".rstrip())
    out += ["", "Referral tree:"]
    out += ["  " + line for line in tree_lines(stats.tree)] or ["  no referrals yet"]
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "group_by",
    "group",
    "leads",
    "reached",
    "replied",
    "reply_rate",
    "median_days_to_reply",
    "met",
    "referred",
)


def stats_csv(stats: Stats) -> str:
    """`stats --format csv`: one row for all contacts, then one per source and one per tag."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = (
        [("all", stats.overall)]
        + [("source", g) for g in stats.by_source]
        + [("tag", g) for g in stats.by_tag]
    )
    for group_by, group in rows:
        data = group.as_dict()
        name = group.name
        if isinstance(name, str) and name[:1] in ("=", "+", "-", "@"):
            name = "'" + name  # no spreadsheet formulas from a tag or source
        writer.writerow(
            [
                group_by,
                name,
                *(data[key] for key in ("leads", "reached", "replied")),
                "" if data["reply_rate"] is None else data["reply_rate"],
                "" if data["median_days_to_reply"] is None else data["median_days_to_reply"],
                data["met"],
                data["referred"],
            ]
        )
    return out.getvalue()
