"""sample-vault/ is what the README runs: it must stay valid, cover every stage and follow-up kind,
and give a feed both readers accept."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import REPO, TODAY
from feedcheck import both_readers, check_lines

from iinotes.cli import cli


@pytest.fixture
def sample(tmp_path):  # a copy, so the tests never write a cache into the repository
    target = tmp_path / "sample-vault"
    shutil.copytree(REPO / "sample-vault", target, ignore=shutil.ignore_patterns(".iinotes"))
    return lambda *args: CliRunner().invoke(cli, ["--vault", str(target), "--today", TODAY, *args])


def test_valid_under_strict(sample):
    result = sample("validate", "--strict")
    assert result.exit_code == 0, result.output
    assert result.output == "35 notes checked: 0 errors, 0 warnings\n"


def test_every_stage_is_present(sample):
    data = json.loads(sample("index", "--format", "json").stdout)
    stages = {c["stage"] for c in data["contacts"]}
    assert stages == {
        "lead",
        "awaiting-reply",
        "replied",
        "scheduled",
        "met",
        "in-touch",
        "gone-quiet",
        "declined",
        "paused",
    }
    assert {i["timezone"] for i in data["interviews"]} >= {"Europe/London"}
    assert {i["status"] for i in data["interviews"]} == {
        "requested",
        "scheduled",
        "confirmed",
        "done",
        "cancelled",
        "no-show",
    }


def test_due_and_feed(sample):
    due = json.loads(sample("due", "--format", "json", "--days", "90").stdout)["followups"]
    assert {i["kind"] for i in due} == {
        "nudge",
        "prepare",
        "confirm",
        "interview",
        "thank-you",
        "commitment",
        "referral",
        "keep-in-touch",
        "manual",
        "review",
        "schedule",
        "reschedule",
        "reach-out",
    }
    feed = sample("feed").stdout_bytes
    check_lines(feed)
    events = both_readers(feed)
    assert len(events) == len(
        [i for i in due if i["overdue"] or i["due"] <= "2027-01-22"]
    )  # horizon_days = 60
    london = [e for e in events if e["summary"] == "Informational interview with Oliver Hughes"][0]
    assert (london["tzid"], london["start"]) == ("Europe/London", "2026-11-25T15:00:00Z")


def test_show_lists_open_follow_ups(sample):
    shown = sample("show", "Priya")
    assert shown.exit_code == 0
    assert (
        "Open follow-ups:\n  2026-11-15  (overdue)  Reach out to Dana Whitfield (referred by Priya Raman)"
        in shown.output
    )
    data = json.loads(sample("show", "Priya", "--format", "json").stdout)
    assert [f["kind"] for f in data["followups"]] == ["referral", "commitment", "keep-in-touch"]


def test_the_readme_due_shows_every_new_kind(sample):
    """The README's main command (`due`, 14 days) shows schedule, reschedule and reach-out."""
    out = sample("due").stdout
    assert "  2026-11-21        Propose a time to Nadia Haddad: they answered on 2026-11-19" in out
    assert "  2026-11-26        Reschedule with Zoë Ångström? The meeting on 2026-11-19 was a no-show" in out
    assert "  2026-11-23        Reach out to 3 new contacts: Kenji Watanabe, Ines Duarte, Wen Li: " in out
    assert "Prepare for Oliver Hughes" not in out  # prepared: 2026-11-22 closed it
    assert "Samir" not in out  # paused until 2026-12-07


def test_every_active_contact_has_a_next_move(sample):
    result = sample("due", "--stuck")
    assert (result.exit_code, result.stdout) == (0, "Every active contact has a next move.\n")
    data = json.loads(sample("index", "--format", "json").stdout)
    moves = {c["name"]: c["next"] for c in data["contacts"]}
    assert moves["Fatima Noor"] == {"kind": "reach-out", "due": "2026-11-30", "whose": "mine"}  # 4th lead
    assert moves["David Levin"] == {"kind": "nudge", "due": "2026-11-27", "whose": "theirs"}
    assert moves["Greg Halvorsen"] is None and moves["Marcus Reid"] is None and moves["Samir Qureshi"] is None
    assert "Next: theirs: waiting for a reply; nudge 2 of 3 on 2026-11-27" in sample("show", "David").stdout
    assert "Next: none: the no-reply ladder ended on 2026-10-13" in sample("show", "Greg").stdout
    assert sample("show", "zoe").stdout.startswith("Zoë Ångström  (Zoe Angstrom)\n")
    later = sample("due", "--days", "0", "--today", "2026-12-07").stdout  # Samir's pause is over
    assert "  2026-12-07        Propose a time to Samir Qureshi: they answered on 2026-11-12" in later
