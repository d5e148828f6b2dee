"""The new follow-up rules (schedule, reschedule, weekly reach-out, prepared, last_contact, pause with
resume) and every contact's next move, with exact dates. Today is Monday 2026-11-23 unless a test says
otherwise; the vault's zone is New York."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest
from feedcheck import read_icalendar
from test_golden import check_golden

DATA = Path(__file__).parent / "data" / "followups"
TOML = 'timezone = "America/New_York"\n[followups]\nreview_weekday = ""\n'  # no weekly review item


def due(vault, today: str = "2026-11-23", days: int = 60) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(kind, due day, title) of every follow-up within `days`, in the order `due` lists them."""
    result = vault.run("due", "--format", "json", "--days", str(days), today=today)
    assert result.exit_code == 0, result.output
    return [(i["kind"], i["due"], i["title"]) for i in json.loads(result.stdout)["followups"]]


def kinds(vault, today: str = "2026-11-23", skip: tuple[str, ...] = ("reach-out",)):  # type: ignore[no-untyped-def]
    return [(k, d) for k, d, _ in due(vault, today) if k not in skip]


def moves(vault, today: str = "2026-11-23") -> dict[str, dict[str, str] | None]:  # type: ignore[no-untyped-def]
    data = json.loads(vault.run("index", "--format", "json", today=today).stdout)
    return {c["name"]: c["next"] for c in data["contacts"]}


@pytest.fixture
def v(vault):  # type: ignore[no-untyped-def]
    vault.add("iinotes.toml", TOML)
    return vault


# --- schedule and reschedule ----------------------------------------------------------------------


def test_schedule_after_a_reply_until_a_meeting_has_a_date(v):
    v.contact("Jane Doe", outreach="[2026-11-02]", responded="2026-11-10")
    assert due(v) == [("schedule", "2026-11-12", "Propose a time to Jane Doe")] + [
        k for k in due(v) if k[0] == "reach-out"
    ]
    assert moves(v)["Jane Doe"] == {"kind": "schedule", "due": "2026-11-12", "whose": "mine"}
    v.interview("2026-11-20", "Jane Doe", status="requested")  # asked for, no date yet: still open
    assert kinds(v) == [("schedule", "2026-11-12")]
    v.interview("2026-11-20", "Jane Doe", status="requested", scheduled="2026-12-01T10:00")
    assert kinds(v) == [
        ("prepare", "2026-11-29"),
        ("interview", "2026-12-01"),
    ]  # a date: schedule closed; requested: no confirm
    assert moves(v)["Jane Doe"] == {"kind": "prepare", "due": "2026-11-29", "whose": "mine"}


def test_a_requested_meeting_without_a_date_does_not_silence_the_nudges(v):
    v.contact("Jane Doe", outreach="[2026-11-02]")
    v.interview("2026-11-03", "Jane Doe", status="requested")
    assert kinds(v) == [("schedule", "2026-11-04"), ("nudge", "2026-11-16")]


def test_reschedule_after_a_cancelled_meeting_instead_of_schedule(v):
    v.contact("Jane Doe", outreach="[2026-11-02]", responded="2026-11-03")
    v.interview("2026-11-20", "Jane Doe", scheduled="2026-11-20T10:00", status="cancelled")
    assert ("reschedule", "2026-11-27", "Reschedule with Jane Doe?") in due(v)
    assert kinds(v) == [("reschedule", "2026-11-27")]  # not schedule too


def test_reschedule_after_a_no_show_and_what_closes_it(v):
    note = v.contact("Jane Doe", outreach="[2026-11-02]", responded="2026-11-03", keep_in_touch='"30d"')
    v.interview("2026-11-10", "Jane Doe", scheduled="2026-11-10", status="no-show")
    assert kinds(v) == [("reschedule", "2026-11-17")]
    text = note.read_text()
    note.write_text(text.replace("responded:", "touches: [2026-11-09]\nresponded:"))  # before: no
    assert kinds(v) == [("reschedule", "2026-11-17")]
    note.write_text(text.replace("responded:", "touches: [2026-11-12]\nresponded:"))  # after: closed
    assert kinds(v) == [("keep-in-touch", "2026-12-12")]  # answered, no other move open
    note.write_text(text.replace("outreach: [2026-11-02]", "outreach: [2026-11-02, 2026-11-18]"))
    assert kinds(v) == [("keep-in-touch", "2026-12-18")]  # an outreach after the meeting closes it too
    note.write_text(text)
    v.interview("2026-12-03", "Jane Doe", scheduled="2026-12-03T09:00")  # a later meeting closes it
    assert kinds(v) == [("prepare", "2026-12-01"), ("confirm", "2026-12-02"), ("interview", "2026-12-03")]
    note.write_text(text.replace("keep_in_touch", "status: archived\nkeep_in_touch"))  # a status
    assert kinds(v) == []


def test_a_cancelled_request_without_a_date_falls_back_to_schedule(v):
    v.contact("Jane Doe", responded="2026-11-03")
    v.interview("2026-11-04", "Jane Doe", status="cancelled")
    assert kinds(v) == [("schedule", "2026-11-05")]


def test_a_past_requested_meeting_counts_as_held(v):
    v.contact("Jane Doe", responded="2026-11-03")
    v.interview("2026-11-10", "Jane Doe", scheduled="2026-11-10", status="requested")
    assert kinds(v) == [("thank-you", "2026-11-11"), ("keep-in-touch", "2027-01-09")]
    problems = json.loads(v.run("validate", "--format", "json").stdout)["problems"]
    assert [p["code"] for p in problems] == ["stale-status"]


# --- the weekly reach-out ---------------------------------------------------------------------------


def test_reach_out_lists_the_leads_added_first(v):
    for name, added in [("Cy", "2026-11-05"), ("Al", "2026-11-05"), ("Bo", "2026-11-01"), ("Di", "")]:
        v.contact(name, **({"added": added} if added else {}))
    assert due(v) == [("reach-out", "2026-11-23", "Reach out to 3 new contacts: Di, Bo, Al")]
    assert moves(v) == {
        "Al": {"kind": "reach-out", "due": "2026-11-23", "whose": "mine"},
        "Bo": {"kind": "reach-out", "due": "2026-11-23", "whose": "mine"},
        "Cy": {"kind": "reach-out", "due": "2026-11-30", "whose": "mine"},  # next week's batch
        "Di": {"kind": "reach-out", "due": "2026-11-23", "whose": "mine"},  # no `added`: first
    }


def test_a_week_with_fewer_leads_than_weekly_outreach(v):
    v.contact("Al", added="2026-11-01")
    v.contact("Bo", added="2026-11-02")
    assert due(v) == [("reach-out", "2026-11-23", "Reach out to 2 new contacts: Al, Bo")]


def test_first_outreach_this_week_counts_and_the_item_never_piles_up(v):
    v.add("iinotes.toml", TOML + 'outreach_weekday = "wednesday"\n')
    for name in ("Al", "Bo", "Cy", "Di"):
        v.contact(name, added=f"2026-11-0{'ABCD'.index(name[0]) + 1}")
    assert due(v, "2026-11-23") == [("reach-out", "2026-11-25", "Reach out to 3 new contacts: Al, Bo, Cy")]
    v.contact("Al", added="2026-11-01", outreach="[2026-11-24]")  # one reached this week: 2 to go
    assert due(v, "2026-11-24") == [
        ("reach-out", "2026-11-25", "Reach out to 2 new contacts: Bo, Cy"),
        ("nudge", "2026-12-08", "Nudge Al (1st of 3)"),
    ]
    late = json.loads(v.run("due", "--format", "json", today="2026-11-29").stdout)["followups"]
    assert [(i["kind"], i["due"], i["overdue"]) for i in late if i["kind"] == "reach-out"] == [
        ("reach-out", "2026-11-25", True)
    ]  # one item for the week, overdue after its day
    monday = [i for i in due(v, "2026-11-30") if i[0] == "reach-out"]
    assert monday == [("reach-out", "2026-12-02", "Reach out to 3 new contacts: Bo, Cy, Di")]
    uids = {
        day: [
            i["uid"]
            for i in json.loads(v.run("due", "--format", "json", today=day).stdout)["followups"]
            if i["kind"] == "reach-out"
        ]
        for day in ("2026-11-23", "2026-11-29", "2026-11-30")
    }
    assert uids["2026-11-23"] == uids["2026-11-29"] != uids["2026-11-30"]  # keyed by ISO week


def test_develop_more_contacts_when_no_leads_are_left_and_zero_turns_it_off(v):
    v.contact("Jane Doe", outreach="[2026-11-10]")
    assert due(v)[0] == (
        "reach-out",
        "2026-11-23",
        "Develop more contacts: ask for referrals, alumni, LinkedIn",
    )
    v.add("iinotes.toml", TOML + "weekly_outreach = 0\n")
    assert [k for k, _, _ in due(v)] == ["nudge"]


def test_a_lead_with_its_own_follow_up_is_not_queued_twice(v):
    v.contact("Ann", follow_up="2026-11-25")
    v.contact("Bo")
    assert due(v) == [
        ("reach-out", "2026-11-23", "Reach out to 1 new contact: Bo"),
        ("manual", "2026-11-25", "Follow up with Ann"),
    ]


# --- prepared, last_contact, pause with resume -------------------------------------------------------


def test_prepared_closes_prepare(v):
    v.contact("Jane Doe", responded="2026-11-03")
    note = v.interview("2026-11-26", "Jane Doe", scheduled="2026-11-26T14:00", status="confirmed")
    assert kinds(v) == [("prepare", "2026-11-24"), ("interview", "2026-11-26")]
    note.write_text(note.read_text().replace("status:", "prepared: 2026-11-23\nstatus:"))
    assert kinds(v) == [("interview", "2026-11-26")]
    assert moves(v)["Jane Doe"] == {"kind": "interview", "due": "2026-11-26", "whose": "theirs"}


@pytest.mark.parametrize(
    "last_contact,anchor",
    [("2026-09-01", "2026-10-01"), ("2026-11-01", "2026-11-01"), ("", "2026-10-01")],
)
def test_last_contact_is_one_more_touch_the_latest_wins(v, last_contact, anchor):
    fields = {"touches": "[2026-10-01]", "keep_in_touch": '"30d"'}
    if last_contact:
        fields["last_contact"] = last_contact
    v.contact("Kim", **fields)
    v.interview("2026-08-01", "Kim", scheduled="2026-08-01", status="done", thank_you_sent="2026-08-02")
    [(kind, day, _)] = [i for i in due(v, days=90) if i[0] != "reach-out"]
    assert kind == "keep-in-touch" and day == {"2026-10-01": "2026-10-31", "2026-11-01": "2026-12-01"}[anchor]
    assert json.loads(v.run("index", "--format", "json").stdout)["contacts"][0]["last_touch"] == anchor


def test_a_later_log_touch_closes_keep_in_touch(v):
    v.contact("Kim", last_contact="2026-09-01", keep_in_touch='"30d"')
    assert kinds(v) == [("keep-in-touch", "2026-10-01")]
    assert v.run("log", "touch", "Kim").exit_code == 0
    assert kinds(v) == [("keep-in-touch", "2026-12-23")]


def test_pause_with_resume_in_the_future_then_past(v):
    v.contact("Jane Doe", outreach="[2026-11-02]", status="paused", resume="2026-12-01")
    assert kinds(v) == [] and moves(v)["Jane Doe"] is None
    assert "Next: none: status paused, resumes 2026-12-01" in v.run("show", "Jane").stdout
    # from the resume day on: the nudge that fell due during the pause (2026-11-16) is due then
    assert kinds(v, "2026-12-01") == [("nudge", "2026-12-01")]
    late = json.loads(v.run("due", "--format", "json", today="2026-12-03").stdout)["followups"]
    assert [(i["kind"], i["due"], i["overdue"]) for i in late if i["kind"] == "nudge"] == [
        ("nudge", "2026-12-01", True)  # overdue from the resume day, not from before the pause
    ]
    assert kinds(v, "2026-12-20", skip=("reach-out", "nudge")) == []


def test_what_falls_due_after_the_resume_day_keeps_its_day(v):
    v.contact("Jane Doe", outreach="[2026-11-20]", status="paused", resume="2026-11-22")
    assert kinds(v) == [("nudge", "2026-12-04")]
    assert moves(v)["Jane Doe"] == {"kind": "nudge", "due": "2026-12-04", "whose": "theirs"}


# --- ordering, the feed ---------------------------------------------------------------------------


def test_within_a_day_by_time_then_kind_then_name(v):
    v.contact("Zed", follow_up="2026-11-25")
    v.contact("Amy", follow_up="2026-11-25")
    v.contact("Bob", outreach="[2026-11-11]")
    v.contact("Cat", follow_up="2026-11-25T09:00")
    assert [(k, t) for k, d, t in due(v) if d == "2026-11-25"] == [
        ("nudge", "Nudge Bob (1st of 3)"),
        ("manual", "Follow up with Amy"),
        ("manual", "Follow up with Zed"),
        ("manual", "Follow up with Cat"),  # timed items after the all-day ones, by time
    ]


def test_a_date_only_meeting_is_a_free_all_day_item(v):
    v.contact("Day Only")
    v.interview("2026-11-26", "Day Only", scheduled="2026-11-26", status="confirmed")
    v.contact("Timed")
    v.interview("2026-11-27", "Timed", scheduled="2026-11-27T10:00", status="confirmed")
    feed = v.run("feed").stdout_bytes
    transp = {str(e["SUMMARY"]): str(e["TRANSP"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")}
    assert transp["Informational interview with Day Only"] == "TRANSPARENT"
    assert transp["Informational interview with Timed"] == "OPAQUE"
    assert {e["summary"]: e["allDay"] for e in read_icalendar(feed)}["Informational interview with Day Only"]


# --- next moves and due --stuck ---------------------------------------------------------------------


def test_who_has_no_next_move_and_why(v):
    v.contact("Quinn Quiet", outreach="[2026-08-01, 2026-08-15, 2026-08-29, 2026-09-12]")
    v.contact("Last Wait", outreach="[2026-10-01, 2026-10-15, 2026-10-29, 2026-11-12]")
    v.contact("Never Again", keep_in_touch="never", responded="2026-10-01")
    v.interview(
        "2026-10-05", "Never Again", scheduled="2026-10-05", status="done", thank_you_sent="2026-10-06"
    )
    v.contact("Dee Declined", status="declined")
    assert moves(v) == {
        "Dee Declined": None,
        "Last Wait": {"kind": "reply", "due": "2026-11-26", "whose": "theirs"},  # every nudge sent
        "Never Again": None,
        "Quinn Quiet": None,
    }
    assert (
        "Next: theirs: waiting for a reply until 2026-11-26; every nudge is sent"
        in v.run("show", "Last").stdout
    )
    shown = v.run("show", "Quinn").stdout
    assert (
        "Next: none: the no-reply ladder ended on 2026-09-26 (3 nudges sent, no reply): don't stalk" in shown
    )
    assert "Next: none: keep_in_touch is never" in v.run("show", "Never").stdout
    result = v.run("due", "--stuck")
    assert (result.exit_code, result.stdout) == (0, "Every active contact has a next move.\n")


def test_due_stuck_lists_a_lead_when_the_weekly_item_is_off(v):
    v.add("iinotes.toml", TOML + "weekly_outreach = 0\n")
    v.contact("Lee Lead")
    result = v.run("due", "--stuck")
    assert result.exit_code == 1
    assert result.stdout == "1 active contact with no next move:\n  Lee Lead  (lead)  contacts/Lee Lead.md\n"
    data = json.loads(v.run("due", "--stuck", "--format", "json").stdout)
    assert data["stuck"] == [{"name": "Lee Lead", "path": "contacts/Lee Lead.md", "stage": "lead"}]


def test_next_move_from_the_library(v):
    from iinotes import Vault
    from iinotes.followups import next_move

    v.contact("Jane Doe", outreach="[2026-11-10]")
    vault = Vault(v.root, today=__import__("datetime").date(2026, 11, 23))
    index = vault.index()
    move = next_move(index, vault.settings, index.today, "contacts/Jane Doe.md")
    assert move is not None and move.as_dict() == {"kind": "nudge", "due": "2026-11-24", "whose": "theirs"}
    assert move.sentence() == "theirs: waiting for a reply; nudge 1 of 3 on 2026-11-24"


def test_edges_golden(v):
    """One vault with every edge above; `due` and the index table (NEXT column) as golden files."""
    v.contact("Sam Schedule", outreach="[2026-11-10]", responded="2026-11-18")
    v.contact("Rey Reschedule", responded="2026-11-01")
    v.interview("2026-11-19", "Rey Reschedule", scheduled="2026-11-19T10:00", status="no-show")
    v.contact("Cal Closed", responded="2026-11-01", touches="[2026-11-20]")
    v.interview("2026-11-12", "Cal Closed", scheduled="2026-11-12", status="cancelled")
    v.contact("Paula Past", outreach="[2026-10-01]", status="paused", resume="2026-11-20")
    v.contact("Fred Future", outreach="[2026-10-01]", status="paused", resume="2026-12-20")
    v.contact("Pru Prepared", responded="2026-11-01")
    v.interview("2026-11-24", "Pru Prepared", scheduled="2026-11-24T09:00", prepared="2026-11-22")
    v.contact("Lou Lead", added="2026-11-20")
    v.contact("Ola Older", touches="[2026-10-01]", last_contact="2026-09-01")
    v.contact("Nia Newer", touches="[2026-10-01]", last_contact="2026-11-01")
    check_golden(DATA / "edges.due.txt", v.run("due", "--days", "60").stdout)
    check_golden(DATA / "edges.index.txt", v.run("index").stdout)


def test_resume_without_pause_is_a_warning(v):
    v.contact("Jane Doe", resume="2026-12-01")
    problems = json.loads(v.run("validate", "--format", "json").stdout)["problems"]
    assert [(p["code"], p["line"], p["severity"]) for p in problems] == [("resume-unused", 4, "warning")]
    assert (
        problems[0]["message"]
        == "resume: 2026-12-01 is only read with status: paused (this contact is active)"
    )
