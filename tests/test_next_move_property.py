"""Property: in every vault the rules cover, every active contact has a next move (`due --stuck` is
empty). Vaults are generated as note texts (every status, stage, interview state and setting that
matters), parsed and indexed exactly as `iinotes` does, then checked with the pure rules."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from iinotes.followups import follow_ups, next_moves, no_move_by_design, stuck
from iinotes.index import build_index
from iinotes.model import Contact, Interview
from iinotes.notes import parse_note
from iinotes.settings import Settings

TODAY = dt.date(2026, 11, 23)
DAYS = st.dates(min_value=dt.date(2026, 6, 1), max_value=dt.date(2027, 3, 1))
NAMES = ["Ann", "Bo", "Cy", "Di", "Ed"]


def maybe(strategy):  # type: ignore[no-untyped-def]
    return st.one_of(st.none(), strategy)


@st.composite
def interview_text(draw, name: str, number: int) -> str:  # type: ignore[no-untyped-def]
    lines = ["---", "type: interview", f"id: i-{name}-{number}", f'contact: "[[{name}]]"']
    when = draw(maybe(st.one_of(DAYS, DAYS.map(lambda d: f"{d.isoformat()}T10:30"))))
    if when is not None:
        lines.append(f"scheduled: {when}")
    status = draw(
        maybe(st.sampled_from(["requested", "scheduled", "confirmed", "done", "cancelled", "no-show"]))
    )
    if status:
        lines.append(f"status: {status}")
    for key in ("confirmed", "prepared", "thank_you_sent"):
        day = draw(maybe(DAYS))
        if day:
            lines.append(f"{key}: {day}")
    if draw(st.booleans()):
        lines.append(f'referrals: ["[[{draw(st.sampled_from(NAMES + ["Nobody"]))}]]"]')
    if draw(st.booleans()):
        lines.append(f"commitments: [{{task: Send it, due: {draw(DAYS)}, done: {draw(st.booleans())}}}]")
    return "\n".join(lines + ["---", ""])


@st.composite
def contact_text(draw, name: str) -> str:  # type: ignore[no-untyped-def]
    lines = ["---", "type: contact", f"id: c-{name}", f"name: {name}"]
    status = draw(st.sampled_from(["active"] * 6 + ["paused", "declined", "archived", "do-not-contact"]))
    lines.append(f"status: {status}")
    if status == "paused" and draw(st.booleans()):
        lines.append(f"resume: {draw(DAYS)}")
    outreach = sorted(draw(st.lists(DAYS, max_size=5, unique=True)))
    if outreach:
        lines.append(f"outreach: [{', '.join(d.isoformat() for d in outreach)}]")
    touches = draw(st.lists(DAYS, max_size=2, unique=True))
    if touches:
        lines.append(f"touches: [{', '.join(d.isoformat() for d in touches)}]")
    for key in ("responded", "last_contact", "follow_up", "added"):
        day = draw(maybe(DAYS))
        if day:
            lines.append(f"{key}: {day}")
    cadence = draw(maybe(st.sampled_from(['"30d"', '"3m"', "never"])))
    if cadence:
        lines.append(f"keep_in_touch: {cadence}")
    if draw(st.booleans()):
        lines.append(f"commitments: [{{task: Call back, due: {draw(DAYS)}}}]")
    return "\n".join(lines + ["---", ""])


@st.composite
def vaults(draw):  # type: ignore[no-untyped-def]
    files: dict[str, str] = {}
    for name in NAMES[: draw(st.integers(1, len(NAMES)))]:
        files[f"contacts/{name}.md"] = draw(contact_text(name))
        for number in range(draw(st.integers(0, 3))):
            files[f"interviews/{number} {name}.md"] = draw(interview_text(name, number))
    rules = Settings(
        timezone="America/New_York",
        nudge_after_days=draw(st.integers(1, 30)),
        max_nudges=draw(st.integers(0, 4)),
        schedule_days_after=draw(st.integers(0, 10)),
        reschedule_days_after=draw(st.integers(0, 14)),
        weekly_outreach=draw(st.integers(1, 5)),  # 0 turns the weekly item off: leads then have none
        outreach_weekday=draw(st.sampled_from(["monday", "wednesday", "sunday"])),
        keep_in_touch=draw(st.sampled_from([Settings.keep_in_touch, None])),
    )
    return files, rules, draw(st.one_of(st.just(TODAY), DAYS))


@settings(max_examples=400, deadline=None)
@given(vaults())
def test_every_active_contact_has_a_next_move(case):
    files, rules, today = case
    contacts: list[Contact] = []
    interviews: list[Interview] = []
    for path, text in files.items():
        parsed = parse_note(path, text.encode())
        assert parsed.note is not None, parsed.problems
        (contacts if isinstance(parsed.note, Contact) else interviews).append(parsed.note)  # type: ignore[arg-type]
    index = build_index(contacts, interviews, rules, today)
    items = follow_ups(index, rules, today)
    moves = next_moves(index, rules, today, items)
    assert [v.contact.name for v in stuck(index, rules, today, moves)] == []
    for path, move in moves.items():
        view = index.contacts[path]
        if move is None:  # only the contacts the rules leave alone on purpose
            assert no_move_by_design(view, rules, today)
        else:
            assert move.whose in ("mine", "theirs") and (move.whose == "mine" or move.due >= today)
    weekly = [i for i in items if i.kind == "reach-out"]
    assert len(weekly) <= 1  # never piling up
