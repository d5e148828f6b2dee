"""The status commands (prepared, pause, resume, decline, archive, cancel, reschedule), `new interview
--requested`, `added`, don't-stalk refusals, a second note on the same day, commit-done in contact
notes and name matching: exact bytes after each command, --dry-run, nothing written on refusal."""

from __future__ import annotations

import json

import pytest
from feedcheck import read_icalendar

JANE = """\
---
type: contact
id: c-11111111
name: Jane Doe
outreach:
  - 2026-11-01   # first message
responded: 2026-11-03
---
# Jane Doe

- [ ] Send her the article 📅 2026-11-28
"""

MEETING = """\
---
type: interview
id: i-22222222
contact: "[[Jane Doe]]"
scheduled: 2026-11-25T14:30
status: confirmed
confirmed: 2026-11-20
---
Notes.
"""


@pytest.fixture
def jane(vault):  # type: ignore[no-untyped-def]
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.add("contacts/Jane Doe.md", JANE)
    vault.add("interviews/2026-11-25 Jane Doe.md", MEETING)
    return vault


def read(vault, rel: str) -> str:  # type: ignore[no-untyped-def]
    return (vault.root / rel).read_text(encoding="utf-8")


def ok(vault, *args: str, today: str = "2026-11-23") -> str:  # type: ignore[no-untyped-def]
    result = vault.run(*args, today=today)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_prepared_closes_prepare_and_keeps_an_earlier_day(jane):
    assert "Prepare for Jane Doe" in ok(jane, "due")
    assert ok(jane, "prepared", "Jane") == "interviews/2026-11-25 Jane Doe.md: prepared 2026-11-23\n"
    assert "prepared: 2026-11-23\n---\n" in read(jane, "interviews/2026-11-25 Jane Doe.md")
    assert "Prepare for Jane Doe" not in ok(jane, "due")
    assert ok(jane, "prepared", "Jane", today="2026-11-24").endswith(
        "nothing to change (prepared is already set)\n"
    )


def test_pause_until_then_resume(jane):
    out = ok(jane, "pause", "Jane", "--until", "2026-12-01")
    assert out == "contacts/Jane Doe.md: Jane Doe: paused until 2026-12-01\n"
    assert read(jane, "contacts/Jane Doe.md") == JANE.replace(
        "responded: 2026-11-03\n", "responded: 2026-11-03\nstatus: paused\nresume: 2026-12-01\n"
    )
    assert "Jane" not in ok(jane, "due")
    ok(jane, "pause", "Jane")  # paused with no end: the resume day is cleared
    assert "status: paused\nresume:\n---" in read(jane, "contacts/Jane Doe.md")
    ok(jane, "resume", "Jane")
    assert "status: active\nresume:\n---" in read(jane, "contacts/Jane Doe.md")
    assert "Jane" in ok(jane, "due")


def test_decline_and_archive_and_dry_run(jane):
    before = read(jane, "contacts/Jane Doe.md")
    result = jane.run("decline", "Jane", "--dry-run")
    assert result.exit_code == 0 and "+status: declined" in result.stdout
    assert read(jane, "contacts/Jane Doe.md") == before
    ok(jane, "decline", "Jane")
    assert "status: declined\n" in read(jane, "contacts/Jane Doe.md")
    ok(jane, "archive", "Jane")
    assert "status: archived\n" in read(jane, "contacts/Jane Doe.md") and "declined" not in read(
        jane, "contacts/Jane Doe.md"
    )
    assert json.loads(ok(jane, "index", "--format", "json"))["contacts"][0]["next"] is None


def test_cancel_then_reschedule_keeps_the_note_and_uids_and_raises_sequence(jane, tmp_path):
    feed = tmp_path / "feed.ics"
    ok(jane, "feed", "-o", str(feed))
    before = {e["summary"]: e for e in read_icalendar(feed.read_bytes())}
    assert ok(jane, "cancel", "Jane") == "interviews/2026-11-25 Jane Doe.md: status: cancelled\n"
    assert ("reschedule", "2026-12-02") in [
        (i["kind"], i["due"])
        for i in json.loads(ok(jane, "due", "--format", "json", "--days", "30"))["followups"]
    ]
    out = ok(jane, "reschedule", "Jane", "--at", "2026-12-03 10:00")
    assert out == "interviews/2026-11-25 Jane Doe.md: rescheduled to 2026-12-03 10:00 (status: scheduled)\n"
    assert read(jane, "interviews/2026-11-25 Jane Doe.md") == MEETING.replace(
        "scheduled: 2026-11-25T14:30\nstatus: confirmed\nconfirmed: 2026-11-20\n",
        "scheduled: 2026-12-03T10:00\nstatus: scheduled\nconfirmed:\n",
    )
    ok(jane, "feed", "-o", str(feed))
    after = {e["summary"]: e for e in read_icalendar(feed.read_bytes())}
    meeting = "Informational interview with Jane Doe"
    assert after[meeting]["uid"] == before[meeting]["uid"]
    assert (before[meeting]["sequence"], after[meeting]["sequence"]) == (0, 1)
    assert after[meeting]["start"] == "2026-12-03T15:00:00Z"
    assert "Confirm the meeting with Jane Doe" in after  # confirmed was cleared


def test_no_show_and_requested_meeting(jane):
    out = ok(jane, "cancel", "Jane", "--no-show", today="2026-11-26")
    assert out == "interviews/2026-11-25 Jane Doe.md: status: no-show\n"
    due = json.loads(ok(jane, "due", "--format", "json", today="2026-11-26"))["followups"]
    assert ("reschedule", "2026-12-02") in [(i["kind"], i["due"]) for i in due]
    path = ok(jane, "new", "interview", "Jane", "--requested", today="2026-11-27").strip()
    assert path.endswith("interviews/2026-11-27 Jane Doe.md")
    text = read(jane, "interviews/2026-11-27 Jane Doe.md")
    assert "status: requested\n" in text and "\nscheduled:\n" in text
    kinds = [
        i["kind"] for i in json.loads(ok(jane, "due", "--format", "json", today="2026-11-27"))["followups"]
    ]
    assert "schedule" in kinds and "reschedule" not in kinds  # a new request closes reschedule
    result = jane.run("new", "interview", "Jane")
    assert result.exit_code == 2 and "give --at" in result.stderr


def test_new_contact_writes_added(vault):
    path = ok(vault, "new", "contact", "Zoë Ångström").strip()
    assert "added: 2026-11-23\n" in (vault.root / "contacts/Zoë Ångström.md").read_text()
    assert path.endswith("contacts/Zoë Ångström.md")
    assert json.loads(ok(vault, "index", "--format", "json"))["contacts"][0]["added"] == "2026-11-23"


@pytest.mark.parametrize(
    "fields,reason",
    [
        ("status: declined\n", "Greg Gone declined; respect that and don't contact them again"),
        ("status: do-not-contact\n", "Greg Gone is marked do-not-contact"),
        ("status: archived\n", "Greg Gone is archived"),
        (
            "outreach: [2026-08-01, 2026-08-15, 2026-08-29, 2026-09-12]\n",
            "you already sent Greg Gone 3 nudges after the first message and had no reply (max_nudges = 3): "
            "the ladder is done; never stalk",
        ),
    ],
)
def test_log_outreach_refuses_to_stalk_unless_forced(vault, fields, reason):
    note = vault.add("contacts/Greg Gone.md", f"---\ntype: contact\nid: c-1\n{fields}---\n")
    before = note.read_bytes()
    result = vault.run("log", "outreach", "Greg")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"iinotes: error: {reason}")
    assert "--force" in result.stderr and note.read_bytes() == before
    assert vault.run("log", "outreach", "Greg", "--force").exit_code == 0
    assert note.read_bytes() != before


def test_the_ladder_end_in_show(vault):
    vault.contact("Greg Gone", outreach="[2026-08-01, 2026-08-15, 2026-08-29, 2026-09-12]")
    assert "Next: none: the no-reply ladder ended on 2026-09-26" in ok(vault, "show", "Greg")


def test_a_second_log_on_the_same_day_adds_the_note(jane):
    """The date is not logged twice; each new note is one more dated line in the body's ## Log."""
    out = ok(jane, "log", "outreach", "Jane", "--note", "asked Priya for an intro", "--date", "2026-11-01")
    assert out == "contacts/Jane Doe.md: note added to the outreach on 2026-11-01\n"
    text = read(jane, "contacts/Jane Doe.md")
    assert "  - 2026-11-01   # first message\nresponded:" in text
    assert text.endswith("\n## Log\n- 2026-11-01 outreach: asked Priya for an intro\n")
    ok(jane, "log", "outreach", "Jane", "--note", "and LinkedIn", "--date", "2026-11-01")
    assert read(jane, "contacts/Jane Doe.md").endswith(
        "## Log\n- 2026-11-01 outreach: asked Priya for an intro\n- 2026-11-01 outreach: and LinkedIn\n"
    )
    again = ok(jane, "log", "outreach", "Jane", "--note", "and LinkedIn", "--date", "2026-11-01")
    assert again.endswith("nothing to change (outreach on 2026-11-01 is already logged)\n")


def test_commit_done_in_a_contact_note(jane):
    assert "Commitments (in the contact note):\n  1. [ ] Send her the article (due 2026-11-28)" in ok(
        jane, "show", "Jane"
    )
    assert ok(jane, "commit-done", "--contact", "Jane", "1") == "contacts/Jane Doe.md: commitment 1 done\n"
    assert "- [x] Send her the article" in read(jane, "contacts/Jane Doe.md")
    assert "Send her the article" not in ok(jane, "due")


def test_names_are_accent_folded_and_typos_get_suggestions(vault):
    vault.contact("Zoë Ångström")
    vault.contact("Jane Doe")
    assert ok(vault, "show", "zoe").startswith("Zoë Ångström\n")
    assert ok(vault, "show", "ANGSTROM").startswith("Zoë Ångström\n")
    result = vault.run("show", "jnae")
    assert result.exit_code == 1
    assert result.stderr.startswith("iinotes: error: no contact matches 'jnae'; did you mean Jane Doe?")


def test_a_name_matching_several_contacts_means_the_one_with_a_fitting_interview(vault):
    vault.contact("Jane Doe")
    vault.contact("Jane Roe")
    vault.interview("2026-11-25", "Jane Doe", scheduled="2026-11-25T10:00")
    vault.interview("2026-11-01", "Jane Roe", scheduled="2026-11-01T10:00", status="done")
    assert ok(vault, "confirm", "Jane") == "interviews/2026-11-25 Jane Doe.md: confirmed\n"
    assert ok(vault, "reschedule", "Jane", "--at", "2026-11-26 10:00").startswith(
        "interviews/2026-11-25 Jane Doe.md: rescheduled"
    )
    assert ok(vault, "cancel", "Jane") == "interviews/2026-11-25 Jane Doe.md: status: cancelled\n"
    result = vault.run("cancel", "Jane")  # nobody has an upcoming meeting now
    assert result.exit_code == 1 and "'Jane' matches 2 contacts" in result.stderr
    assert vault.run("show", "Jane").exit_code == 1  # show has no interview to go by: still ambiguous
