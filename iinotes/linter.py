"""The message linter (pure): what the guides on informational interviews would say about a message.

One screen at most, advice and information rather than a job, "a few minutes of your time" rather than
"an informational interview", how you found them, a specific and small amount of time, nothing left to
fill in. Works on any text: a draft (drafts.py), or a message you wrote (`iinotes draft --check`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 150  # one screen
SUBJECT = re.compile(r"subject:[ \t]*(.*)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Lint:
    """One way a message strays from the guides: the rule, the line (0: the whole message), why."""

    rule: str
    line: int
    message: str


RULES = {
    "too-long": f"more than {MAX_WORDS} words (one screen); a thank-you may take two",
    "asks-for-job": "mentions a job, an opening, hiring, an internship (messages that ask)",
    "informational-interview": 'says "informational interview" (messages that ask)',
    "no-how-found": "an outreach or referral that does not say how you found them (or name the referrer)",
    "no-time-ask": 'a message that asks but never says how much time ("20 minutes")',
    "too-much-time": "asks for more than 30 minutes (messages that ask)",
    "unfilled": "[bracketed text] or a {{placeholder}} left to replace",
}
_ASKING = ("outreach", "referral", "nudge", "schedule", "reschedule")
_JOB = re.compile(
    r"\b(jobs?|job openings?|openings?|vacanc(?:y|ies)|hiring|hire me|employment|internships?"
    r"|(?:an?|any|open|available) (?:role|position)s?)\b",
    re.IGNORECASE,
)
_INFORMATIONAL = re.compile(r"\binformational[\s-]+interview", re.IGNORECASE)
_FOUND = re.compile(
    r"\b(referred|suggested|recommended|introduced|mentioned|found your|came across|saw your|read your"
    r"|heard you|met you|we met|alumn\w*|linkedin|your (?:talk|post|article|panel|presentation))\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45}
_TIME_ASK = re.compile(
    r"\b(\d{1,3}|five|ten|fifteen|twenty|thirty|forty-five)[\s-]*(?:minutes?|mins?)\b"
    r"|\b(half an hour|an hour|(?:\d+|one|two) hours?)\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\[[^\[\]\n]+\](?!\()|\{\{[^{}\n]*\}\}")


def _minutes(ask: re.Match[str]) -> int:
    """How many minutes a matched time ask is ("20 minutes", "twenty-minute", "an hour", ...)."""
    if ask[2]:
        hours = ask[2].lower()
        return 30 if hours.startswith("half") else 60 * (2 if hours[0] in "2t" else 1)
    number = ask[1].lower()
    return int(number) if number.isdigit() else _NUMBER_WORDS[number]


def lint(text: str, kind: str = "outreach", *, referrer: str = "") -> list[Lint]:
    """What the guides would say about a `kind` message (a `Subject:` first line is optional):
    too long, asks for a job, says "informational interview", leaves out how you found them or how
    much time you ask for, asks for too much time, or still has [bracketed] text to replace."""
    lines = text.replace("\r\n", "\n").split("\n")
    found: list[Lint] = []
    words = 0
    for number, line in enumerate(lines, 1):
        is_subject = SUBJECT.match(line) is not None and not "".join(lines[: number - 1]).strip()
        if not is_subject:
            words += len(re.findall(r"[\w'’-]+", line))
        if kind in _ASKING and (match := _JOB.search(line)):
            found.append(
                Lint(
                    "asks-for-job",
                    number,
                    f'"{match[0]}": ask for advice and information, never for a job',
                )
            )
        if kind in _ASKING and (match := _INFORMATIONAL.search(line)):
            found.append(
                Lint(
                    "informational-interview",
                    number,
                    f'"{match[0]}": ask for "a few minutes of your time" (say how many) instead',
                )
            )
        for match in _TIME_ASK.finditer(line):
            if kind in _ASKING and _minutes(match) > 30:
                found.append(
                    Lint("too-much-time", number, f'"{match[0]}" is a lot to ask: 20 to 30 minutes is usual')
                )
        for match in _BRACKETS.finditer(line):
            found.append(Lint("unfilled", number, f"replace {match[0]} with your own words"))
    limit = 2 * MAX_WORDS if kind == "thank-you" else MAX_WORDS
    if words > limit:
        found.append(Lint("too-long", 0, f"{words} words: keep it short ({limit} words at most)"))
    whole = "\n".join(lines)
    if kind in ("outreach", "referral"):
        if referrer and referrer.casefold() not in whole.casefold():
            found.append(
                Lint("no-how-found", 0, f"say how you found them: name {referrer}, who referred you")
            )
        elif not referrer and not _FOUND.search(whole):
            found.append(
                Lint(
                    "no-how-found",
                    0,
                    'say how you found them ("I was referred to you by ...", "through our alumni network")',
                )
            )
    if kind in _ASKING and kind != "schedule" and not _TIME_ASK.search(whole):
        found.append(Lint("no-time-ask", 0, 'say how much of their time you ask for ("20 minutes")'))
    return sorted(found, key=lambda item: (item.line or len(lines) + 1, item.rule))
