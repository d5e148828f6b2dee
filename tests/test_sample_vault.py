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
    assert result.output == "29 notes checked: 0 errors, 0 warnings\n"


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
