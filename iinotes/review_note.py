"""The weekly review note (pure): a Markdown note with tables and Mermaid charts that Obsidian and
GitHub draw, the same bytes for the same data, and a content hash that tells a note the user
edited from one iinotes wrote.

The hash is the SHA-256 of the note's text without its own `content_hash:` line. A note whose
text still hashes to the value it carries is as iinotes wrote it and may be replaced; anything
else (an edit anywhere, a property added in Obsidian, a file iinotes did not write) is kept
unless `--force` is given."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

from .review import FUNNEL_LABELS, Branch, Event, Review, Stats, median, weekly
from .review_text import GROUP_HEADERS, days_text, group_cells, percent, summary_rows
from .timing import week_of

FOLDER = "reviews"
HASH_KEY = "content_hash"
WEEKS = 12  # the weekly activity chart's span
_HASH_LINE = re.compile(rf"^{HASH_KEY}: *([0-9a-f]{{64}}) *\n", re.MULTILINE)
_MERMAID = re.compile(r"^```mermaid\n(.*?)^```$", re.MULTILINE | re.DOTALL)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day_text(day: dt.date) -> str:
    """ "Monday 23 November 2026", in English whatever the machine's locale (the same bytes anywhere)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def note_path(label: str) -> str:
    """The vault-relative path of a week's review note: `reviews/2026-W48.md`."""
    return f"{FOLDER}/{label}.md"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def note_state(text: str) -> str:
    """ "unedited" when the note is exactly as iinotes wrote it, else "edited" (a review note whose
    text no longer matches its hash) or "foreign" (not a review note written by iinotes)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")  # a checkout or an editor may change these
    head = text.split("\n---\n", 1)[0] + "\n"
    match = _HASH_LINE.search(head)
    if not text.startswith("---\n") or match is None or "\ntype: review\n" not in head:
        return "foreign"
    without = text[: match.start()] + text[match.end() :]
    return "unedited" if _hash(without) == match[1] else "edited"


def mermaid_blocks(text: str) -> list[str]:
    """The Mermaid charts of a Markdown text (what the tests hand to Mermaid's parser)."""
    return [block for block in _MERMAID.findall(text)]


def _mm(label: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for what would end or break it)."""
    out = label.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return out.replace("`", "#96;")  # a leading backtick would start a Markdown string


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def link(name: str, path: str | None, *, in_table: bool = False) -> str:
    """An Obsidian wikilink to a note (`[[Jane Doe]]`, `[[Jane Doe|Jane]]`), or the bare name."""
    if not path:
        return name
    stem = _stem(path)
    if stem == name or any(mark in name for mark in ("[", "]", "|", "\n")):  # they would end the link
        return f"[[{stem}]]"
    bar = "\\|" if in_table else "|"
    return f"[[{stem}{bar}{name}]]"


def _table(headers: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_cell(c) if "[[" not in c else c for c in row) + " |" for row in rows]
    return lines


def funnel_chart(stats: Stats) -> str:
    """The funnel as a left-to-right flowchart, each arrow labelled with the share that got on."""
    lines = ["flowchart LR"]
    previous: tuple[str, int] | None = None
    for stage, count in stats.funnel():
        node = f'{stage}["{_mm(FUNNEL_LABELS[stage])}: {count}"]'
        if previous is None:
            lines.append(f"  {node}")
        else:
            share = percent(count / previous[1]) if previous[1] else "-"
            lines.append(f'  {previous[0]} -->|"{share}"| {node}')
        previous = (stage, count)
    return "\n".join(lines) + "\n"


def activity_chart(rows: list[tuple[str, dict[str, int]]]) -> str:
    """Messages sent (bars) and meetings held (line) per ISO week."""
    labels = ", ".join(f'"{label.split("-")[1]}"' for label, _ in rows)
    messages = [r["messages"] for _, r in rows]
    meetings = [r["meetings"] for _, r in rows]
    top = max([1, *messages, *meetings])
    return (
        "xychart-beta\n"
        '  title "Messages sent (bars) and meetings held (line) per week"\n'
        f"  x-axis [{labels}]\n"
        f'  y-axis "Count" 0 --> {top}\n'
        f"  bar [{', '.join(map(str, messages))}]\n"
        f"  line [{', '.join(map(str, meetings))}]\n"
    )


def referral_chart(stats: Stats) -> str:
    """Who referred you to whom, as a top-down flowchart. People with a note are Obsidian
    internal links (the node's text is the note's name); those without one are dashed."""
    keys: dict[str, tuple[str, str | None]] = {}
    for from_name, from_path, to_name, to_path in stats.edges:
        keys.setdefault(from_path or "?" + from_name.casefold(), (from_name, from_path))
        keys.setdefault(to_path or "?" + to_name.casefold(), (to_name, to_path))
    order = sorted(keys, key=lambda k: (keys[k][0].casefold(), k))
    ids = {key: f"p{number}" for number, key in enumerate(order)}
    lines = ["flowchart TD"]
    for key in order:
        name, path = keys[key]
        lines.append(f'  {ids[key]}["{_mm(_stem(path) if path else name + " (no note)")}"]')
    for from_name, from_path, to_name, to_path in stats.edges:
        a = ids[from_path or "?" + from_name.casefold()]
        b = ids[to_path or "?" + to_name.casefold()]
        lines.append(f"  {a} --> {b}")
    linked = [ids[k] for k in order if keys[k][1]]
    missing = [ids[k] for k in order if not keys[k][1]]
    if linked:
        lines.append(f"  class {','.join(linked)} internal-link")
    if missing:
        lines.append("  classDef nonote stroke-dasharray: 4 4")
        lines.append(f"  class {','.join(missing)} nonote")
    return "\n".join(lines) + "\n"


def _tree_list(stats: Stats) -> list[str]:
    out: list[str] = []

    def walk(branch: Branch, depth: int) -> None:
        mark = {"cycle": " (cycle: already above on this branch)", "above": " (see above)"}.get(
            branch.again, ""
        )
        out.append(f"{'  ' * depth}- {link(branch.name, branch.path)}{mark}")
        for child in branch.children:
            walk(child, depth + 1)

    for branch in stats.tree:
        walk(branch, 0)
    return out


def render_note(review: Review, stats: Stats, history: Sequence[Event]) -> str:
    """The review note's text, content hash included; `history` is every event (for the weekly chart)."""
    p = review.period
    weekly_note = p.label == week_of(p.start) and (p.end - p.start).days == 6 and p.start.weekday() == 0
    span = "this week" if weekly_note else "in the period"
    lines = [
        "---",
        "type: review",
        f"{'week' if weekly_note else 'period'}: {p.label}",
        f"period_start: {p.start.isoformat()}",
        f"period_end: {p.end.isoformat()}",
        f"as_of: {review.today.isoformat()}",
        "---",
        f"# {'Weekly review' if weekly_note else 'Review'} {p.label}",
        "",
        f"{_day_text(p.start)} to {_day_text(p.end)}, as of {review.today.isoformat()}. Written by"
        " `iinotes review --write`; once you edit this note it is only rewritten with `--force`.",
        "",
        "## In numbers",
        "",
        *_table(["", span], [[what, value] for what, value in summary_rows(review)]),
        "",
        "## What happened",
        "",
    ]
    lines += [f"- {e.day.isoformat()}: {e.sentence(link)}" for e in review.events] or ["Nothing recorded."]
    if review.promises:
        lines += ["", f"## Commitments due {span}", ""]
        lines += [f"- {m.due.isoformat()}: {m.task} (for {m.person}): **{m.state}**" for m in review.promises]
    lines += ["", "## What slipped (overdue now)", ""]
    lines += [
        f"- {i.due.isoformat()}: {i.sentence()} ({link(_stem(i.path), i.path)})" for i in review.overdue
    ] or ["Nothing: every follow-up is on time."]
    lines += ["", "## What is next (the coming 7 days)", ""]
    lines += [
        f"- {i.due.isoformat()}: {i.sentence()} ({link(_stem(i.path), i.path)})" for i in review.coming
    ] or ["Nothing due."]

    o = stats.overall
    funnel_rows = []
    previous = None
    for stage, count in stats.funnel():
        funnel_rows.append(
            [
                FUNNEL_LABELS[stage],
                str(count),
                percent(count / o.leads) if o.leads else "-",
                "" if previous is None else (percent(count / previous) if previous else "-"),
            ]
        )
        previous = count
    lines += [
        "",
        "## The funnel (all time)",
        "",
        "```mermaid",
        funnel_chart(stats).rstrip("\n"),
        "```",
        "",
        *_table(["stage", "contacts", "of all", "of the stage before"], funnel_rows),
        "",
        f"Reply rate {percent(o.reply_rate)} ({o.replied} of {o.reached} reached); median "
        f"{days_text(median(o.reply_days))} from the first message to the reply. "
        f"Referrals: {stats.referrals} from {stats.meetings} meetings.",
    ]
    rows = weekly(history, p.end, WEEKS)
    lines += [
        "",
        f"## Weekly activity (the last {WEEKS} weeks)",
        "",
        "```mermaid",
        activity_chart(rows).rstrip("\n"),
        "```",
        "",
        *_table(
            ["week", "messages", "replies", "meetings", "thank-yous", "touches"],
            [
                [label, *(str(r[k]) for k in ("messages", "replies", "meetings", "thank_yous", "touches"))]
                for label, r in rows
            ],
        ),
    ]
    for title, groups in (("By source (all time)", stats.by_source), ("By tag (all time)", stats.by_tag)):
        lines += ["", f"## {title}", ""]
        lines += _table(["", *GROUP_HEADERS], [[g.name, *group_cells(g)] for g in groups])
    lines += ["", "## Referral tree", ""]
    if stats.edges:
        lines += ["```mermaid", referral_chart(stats).rstrip("\n"), "```", "", *_tree_list(stats)]
    else:
        lines.append("No referrals yet: ask each person you meet who else you should talk to.")
    text = "\n".join(lines) + "\n"
    cut = text.index("\n---\n# ")
    return text[:cut] + f"\n{HASH_KEY}: {_hash(text)}" + text[cut:]
