"""Index: link resolution (Obsidian rules), derived stages, referral edges, last touch, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest


def stage(vault, name, today="2026-11-23"):  # type: ignore[no-untyped-def]
    return vault.index(today).contacts[f"contacts/{name}.md"].stage


def test_stage_lead_and_awaiting_reply_and_gone_quiet(vault):
    vault.contact("Lead Person")
    vault.contact("Waiting", outreach="[2026-11-10]")
    vault.contact("Quiet", outreach="[2026-09-01, 2026-09-15, 2026-09-29, 2026-10-13]")
    vault.contact("Last Nudge Pending", outreach="[2026-10-01, 2026-10-15, 2026-10-29, 2026-11-20]")
    assert stage(vault, "Lead Person") == "lead"
    assert stage(vault, "Waiting") == "awaiting-reply"
    assert stage(vault, "Quiet") == "gone-quiet"
    assert stage(vault, "Last Nudge Pending") == "awaiting-reply"  # the 3rd nudge still has time to work
    assert stage(vault, "Last Nudge Pending", "2026-12-04") == "gone-quiet"


def test_stage_replied_scheduled_met_in_touch(vault):
    vault.contact("Replied", outreach="[2026-11-01]", responded="2026-11-03")
    vault.contact("Booked", outreach="[2026-11-01]", responded="2026-11-03")
    vault.interview("2026-11-30", "Booked", scheduled="2026-11-30T10:00")
    vault.contact("Met")
    vault.interview("2026-11-02", "Met", scheduled="2026-11-02T10:00", status="done")
    vault.contact("Kept", touches="[2026-11-10]")
    vault.interview("2026-11-02", "Kept", scheduled="2026-11-02", status="done")
    vault.contact("Past Unmarked")
    vault.interview("2026-11-20", "Past Unmarked", scheduled="2026-11-20T09:00")
    index = vault.index()
    stages = {v.contact.name: v.stage for v in index.contacts.values()}
    assert stages == {
        "Booked": "scheduled",
        "Kept": "in-touch",
        "Met": "met",
        "Past Unmarked": "met",
        "Replied": "replied",
    }
    (stale,) = [p for p in index.problems if p.code == "stale-status"]
    assert stale.path == "interviews/2026-11-20 Past Unmarked.md" and stale.severity == "warning"


@pytest.mark.parametrize("status", ["paused", "declined", "do-not-contact", "archived"])
def test_status_wins(vault, status):
    vault.contact("Someone", outreach="[2026-11-01]", status=status)
    assert stage(vault, "Someone") == status


def test_cancelled_and_no_show_do_not_count_as_met(vault):
    vault.contact("Flaky", outreach="[2026-11-01]", responded="2026-11-02")
    vault.interview("2026-11-10", "Flaky", scheduled="2026-11-10T10:00", status="no-show")
    vault.interview("2026-11-12", "Flaky", scheduled="2026-11-12T10:00", status="cancelled")
    assert stage(vault, "Flaky") == "replied"


def test_links_resolve_by_path_name_case_and_alias(vault):
    vault.contact("Jane Doe", aliases="[Janie, J. Doe]")
    vault.add(
        "people/archive/Jane Doe.md", "---\ntype: contact\nid: c-other-jane\nname: Jane Doe (old)\n---\n"
    )
    vault.contact("Bob Stone")
    for n, target in enumerate(
        [
            "contacts/Jane Doe",
            "Bob Stone",
            "bob stone",
            "Janie",
            "contacts/Jane Doe|Jane",
            "Bob Stone#Notes",
            "archive/Jane Doe",
        ]
    ):
        vault.interview(
            f"2026-10-0{n + 1}",
            f"X{n}",
            contact=f'"[[{target}]]"',
            scheduled=f"2026-10-0{n + 1}",
            status="done",
        )
    index = vault.index()
    resolved = [index.interviews[f"interviews/2026-10-0{n + 1} X{n}.md"].contact for n in range(7)]
    assert resolved == [
        "contacts/Jane Doe.md",
        "contacts/Bob Stone.md",
        "contacts/Bob Stone.md",
        "contacts/Jane Doe.md",
        "contacts/Jane Doe.md",
        "contacts/Bob Stone.md",
        "people/archive/Jane Doe.md",
    ]


def test_ambiguous_file_name_is_reported(vault):
    vault.add("contacts/Sam Lee.md", "---\ntype: contact\nid: c-1\n---\n")
    vault.add("old/Sam Lee.md", "---\ntype: contact\nid: c-2\n---\n")
    vault.interview("2026-10-01", "Sam Lee", scheduled="2026-10-01", status="done")
    index = vault.index()
    codes = sorted(p.code for p in index.problems)
    assert codes == ["ambiguous-link", "duplicate-name", "duplicate-name"]
    assert index.interviews["interviews/2026-10-01 Sam Lee.md"].contact is None


def test_referral_edges_and_last_touch(vault):
    vault.contact("Ann", outreach="[2026-10-01]", responded="2026-10-02")
    vault.contact("Ben", referred_by='"[[Ann]]"', outreach="[2026-11-05]")
    vault.interview(
        "2026-10-10",
        "Ann",
        scheduled="2026-10-10T10:00",
        status="done",
        referrals='["[[Ben]]", "[[Cleo New]]"]',
        thank_you_sent="2026-10-11",
    )
    index = vault.index()
    ann = index.contacts["contacts/Ann.md"]
    ben = index.contacts["contacts/Ben.md"]
    assert [(r.name, r.target) for r in ann.referrals_given] == [
        ("Ben", "contacts/Ben.md"),
        ("Cleo New", None),
    ]
    assert [r.source for r in ben.referrals_received] == ["contacts/Ann.md"]
    assert ben.referred_by == "contacts/Ann.md"
    assert ann.last_touch.isoformat() == "2026-10-11"
    assert len(index.referrals) == 2  # referred_by and the interview's referral are one edge


def test_index_json_is_stable_and_sorted(vault):
    vault.contact("Zed", company="Zeta", email="zed@example.com", tags="[ux, research]")
    vault.contact("amy", outreach="[{date: 2026-11-01, via: email, note: first hello}]")
    first = vault.run("index", "--format", "json").output
    second = vault.run("index", "--format", "json").output
    assert first == second
    data = json.loads(first)
    assert data["schema"] == "iinotes.index/1" and data["today"] == "2026-11-23"
    assert [c["name"] for c in data["contacts"]] == ["amy", "Zed"]
    assert data["contacts"][0]["outreach"] == [{"date": "2026-11-01", "note": "first hello", "via": "email"}]
    assert data["counts"] == {
        "contacts": 2,
        "errors": 0,
        "interviews": 0,
        "referrals": 0,
        "stages": {"awaiting-reply": 1, "lead": 1},
        "warnings": 0,
    }
    assert first == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_csv_one_row_per_contact(vault):
    vault.contact("Jane Doe", company="Acme, Inc.", tags="[ux, research]", email="jane@example.com")
    vault.contact("Evil", company='"=HYPERLINK(1)"')
    rows = list(csv.DictReader(io.StringIO(vault.run("index", "--format", "csv").output)))
    assert [r["name"] for r in rows] == ["Evil", "Jane Doe"]
    assert (
        rows[1]["company"] == "Acme, Inc."
        and rows[1]["tags"] == "ux; research"
        and rows[1]["stage"] == "lead"
    )
    assert rows[0]["company"] == "'=HYPERLINK(1)"  # no formula injection in spreadsheets


def test_index_table_output(vault):
    vault.contact("Jane Doe", company="Acme", role="Researcher", outreach="[2026-11-10]")
    result = vault.run("index")
    assert result.exit_code == 0
    assert result.output == (
        "NAME      STAGE           COMPANY  ROLE        LAST TOUCH  NEXT MEETING  NEXT                       NOTE\n"
        "--------  --------------  -------  ----------  ----------  ------------  -------------------------  --------------------\n"
        "Jane Doe  awaiting-reply  Acme     Researcher  2026-11-10  -             2026-11-24 nudge (theirs)  contacts/Jane Doe.md\n"
        "1 contacts (1 awaiting-reply), 0 interviews, 0 referrals; 0 errors, 0 warnings (run `iinotes validate` for details)\n"
    )


def test_list_filters(vault):
    vault.contact("Ann", company="Acme Labs", tags="[ux]")
    vault.contact("Ben", company="Beta", tags="[UX, data]", outreach="[2026-11-20]")
    vault.contact("Cat", company="acme", tags="[data]")
    names = lambda *a: [line.split()[0] for line in vault.run("list", *a).output.splitlines()[2:]]  # noqa: E731
    assert names("--company", "ACME") == ["Ann", "Cat"]
    assert names("--tag", "ux") == ["Ann", "Ben"]
    assert names("--tag", "ux", "--tag", "data") == ["Ben"]
    assert names("--stage", "awaiting-reply") == ["Ben"]
    assert names("--stage", "lead", "--company", "beta") == []


def test_show_by_name_alias_prefix_and_ambiguity(vault):
    vault.contact("Jane Doe", aliases="[JD]", company="Acme")
    vault.contact("Janet King")
    vault.interview("2026-11-30", "Jane Doe", scheduled="2026-11-30T14:30", medium="video")
    shown = vault.run("show", "jd")
    assert shown.exit_code == 0
    assert shown.output.startswith("Jane Doe  (JD)\n========\nstage:         scheduled\n")
    assert "2026-11-30 14:30  scheduled  video  20 min  interviews/2026-11-30 Jane Doe.md" in shown.output
    assert vault.run("show", "Jane Doe").exit_code == 0
    ambiguous = vault.run("show", "jan")
    assert ambiguous.exit_code == 1
    assert "'jan' matches 2 contacts" in ambiguous.output and "Janet King" in ambiguous.output
    assert vault.run("show", "nobody").exit_code == 1


def test_vault_from_env_and_parent_toml(vault, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from iinotes.cli import cli

    vault.contact("Jane Doe")
    (vault.root / "iinotes.toml").write_text('timezone = "Europe/Berlin"\n')
    monkeypatch.setenv("IINOTES_VAULT", str(vault.root))
    assert "Jane Doe" in CliRunner().invoke(cli, ["list"]).output
    monkeypatch.delenv("IINOTES_VAULT")
    monkeypatch.chdir(vault.root / "contacts")
    assert "Jane Doe" in CliRunner().invoke(cli, ["list"]).output


def test_last_contact_is_one_more_touch_and_bad_cadence_falls_back(vault):
    vault.contact("Olga", touches="[2026-10-01]", last_contact="2026-09-01", keep_in_touch="14")
    vault.interview("2026-08-01", "Olga", scheduled="2026-08-01", status="done", thank_you_sent="2026-08-02")
    index = vault.index()
    view = index.contacts["contacts/Olga.md"]
    assert view.last_touch.isoformat() == "2026-10-01"  # the later touch wins over an older last_contact
    assert not view.contact.keep_in_touch_set  # `14` is not a cadence: reported, default (60d) applies
    due = json.loads(vault.run("due", "--format", "json", "--days", "60").stdout)["followups"]
    assert [(i["kind"], i["due"]) for i in due if i["kind"] not in ("review", "reach-out")] == [
        ("keep-in-touch", "2026-11-30")
    ]


def test_meeting_day_is_the_vault_day_not_the_written_day(vault):
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.contact("Utc Person")
    vault.interview(
        "2026-11-23", "Utc Person", scheduled="2026-11-23T02:00Z"
    )  # 21:00 on the 22nd in New York
    index = vault.index()
    assert index.contacts["contacts/Utc Person.md"].stage == "met"
    assert [p.code for p in index.problems] == ["stale-status"]


def test_done_values_as_people_write_them(vault):
    vault.contact("Dee")
    vault.interview("2026-11-20", "Dee", "- [ ] Water plants 🔁 every week 📅 2026-11-30 ⏫\n- [ ] Bare 📅\n~~~\n- [ ] fenced 📅 2026-12-01\n```\n- [ ] still fenced 📅 2026-12-02\n~~~\n",
                    scheduled="2026-11-20", status="done", commitments='[{task: A, due: 2026-12-01, done: "No"}, {task: B, due: 2026-12-01, done: 2026-11-21}, {task: C, due: 2026-12-01, done: 0}]')  # fmt: skip
    index = vault.index()
    commitments = index.interviews["interviews/2026-11-20 Dee.md"].interview.commitments
    assert [(c.task, c.done) for c in commitments] == [
        ("A", False),
        ("B", True),
        ("C", False),
        ("Water plants", False),
    ]
    assert [p.code for p in index.problems if p.path.startswith("interviews")] == ["no-due-date"]


def test_next_meeting_and_interview_lookup_use_the_vault_day(vault):
    """An interview at 02:00Z on the 23rd is the 22nd's evening in New York: past, not ahead,
    for the contacts table and for the commands that pick a contact's upcoming interview."""
    from iinotes.writes import find_interview

    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.contact("Utc Person")
    vault.interview("2026-11-23", "Utc Person", scheduled="2026-11-23T02:00Z", status="confirmed")
    rows = list(csv.DictReader(io.StringIO(vault.run("index", "--format", "csv").output)))
    assert rows[0]["next_interview"] == ""
    index = vault.index()
    assert index.timezone == "America/New_York"
    assert (
        find_interview(index, "Utc Person", prefer="upcoming").interview.path
        == "interviews/2026-11-23 Utc Person.md"
    )
