"""Follow-ups and the feed: every kind with exact dates (golden), both readers, determinism,
stable UIDs, SEQUENCE, escaping, time zones and DST, bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from feedcheck import both_readers, check_lines, read_icalendar
from test_golden import check_golden

DATA = Path(__file__).parent / "data" / "followups"
NO_WEEKLY = "[followups]\nweekly_outreach = 0\n"  # no weekly reach-out item (tests about other kinds)


def every_kind(vault) -> None:  # type: ignore[no-untyped-def]
    """A hand-made vault with one or more follow-ups of every kind (today 2026-11-23, New York)."""
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n[feed]\nname = "Test feed"\n')
    vault.contact("Nora Nudge", outreach="[2026-11-02]", email="nora@example.com", phone="555-0100")
    vault.contact("Quinn Quiet", outreach="[2026-08-01, 2026-08-15, 2026-08-29, 2026-09-12]")
    vault.contact("Ivy Upcoming", outreach="[2026-11-01]", responded="2026-11-03")
    vault.interview(
        "2026-11-26",
        "Ivy Upcoming",
        scheduled="2026-11-26T14:30",
        duration='"45m"',
        medium="video",
        location="https://meet.example.com/ivy",
    )
    vault.contact("Dan Done")
    vault.interview("2026-11-20", "Dan Done", "- [ ] Email the article 📅 2026-12-05\n- [x] Done already 📅 2026-11-21\n",
                    scheduled="2026-11-20T10:00", status="done", referrals='["[[Rita Referral]]", "[[Ivy Upcoming]]"]',
                    commitments="[{task: Send portfolio, due: 2026-11-30}, {task: Old promise, due: 2026-11-01, done: true}]")  # fmt: skip
    vault.contact("Kim Kept", touches="[2026-10-01]", keep_in_touch='"3m"')
    vault.interview(
        "2026-09-15", "Kim Kept", scheduled="2026-09-15", status="done", thank_you_sent="2026-09-16"
    )
    vault.contact("Mia Manual", follow_up="2026-12-01")
    vault.contact("Pete Paused", outreach="[2026-11-01]", status="paused")
    vault.contact("Cara Cancelled")
    vault.interview(
        "2026-11-27",
        "Cara Cancelled",
        scheduled="2026-11-27T09:00",
        status="cancelled",
        commitments="[{task: Never, due: 2026-11-28}]",
    )
    vault.contact("Lena London")
    vault.interview(
        "2026-11-24",
        "Lena London",
        scheduled="2026-11-24T09:00",
        timezone="Europe/London",
        status="confirmed",
    )
    vault.contact("Sam Schedule", outreach="[2026-11-10]", responded="2026-11-18")
    vault.contact("Leo Lead", added="2026-11-01", company="Acme")


def test_every_kind_golden(vault):
    every_kind(vault)
    result = vault.run("due", "--format", "json", "--days", "120")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    kinds = {item["kind"] for item in data["followups"]}
    assert kinds == {
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
    check_golden(DATA / "every-kind.due.json", result.stdout)
    text = vault.run("due", "--days", "120").output
    check_golden(DATA / "every-kind.due.txt", text)


def test_every_kind_feed_read_back_by_both_readers(vault):
    every_kind(vault)
    feed = vault.run("feed").stdout_bytes
    check_lines(feed)
    events = both_readers(feed)
    due = json.loads(vault.run("due", "--format", "json", "--days", "90").stdout)["followups"]
    assert sorted(e["uid"] for e in events) == sorted(item["uid"] for item in due)
    by_summary = {e["summary"]: e for e in events}
    meeting = by_summary["Informational interview with Ivy Upcoming"]
    assert (meeting["start"], meeting["end"], meeting["tzid"]) == (
        "2026-11-26T19:30:00Z",
        "2026-11-26T20:15:00Z",
        "America/New_York",
    )
    assert meeting["location"] == "https://meet.example.com/ivy"
    confirm = by_summary["Confirm the meeting with Ivy Upcoming"]
    assert (confirm["start"], confirm["end"]) == ("2026-11-25T19:30:00Z", "2026-11-25T19:45:00Z")
    london = by_summary["Informational interview with Lena London"]
    assert (london["start"], london["tzid"]) == ("2026-11-24T09:00:00Z", "Europe/London")
    overdue = by_summary["Overdue: Nudge Nora Nudge (1st of 3)"]
    assert (overdue["allDay"], overdue["start"], overdue["end"]) == (True, "2026-11-23", "2026-11-24")
    assert "Overdue since 2026-11-16." in overdue["description"]
    assert by_summary["Send portfolio (for Dan Done)"]["start"] == "2026-11-30"
    assert "nora@example.com" not in feed.decode() and "555-0100" not in feed.decode()
    calendar = feed.decode()
    assert "NAME:Test feed\r\nX-WR-CALNAME:Test feed\r\n" in calendar
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in calendar and "X-PUBLISHED-TTL:PT1H\r\n" in calendar
    assert "METHOD:" not in calendar and "X-WR-TIMEZONE" not in calendar
    assert calendar.count("BEGIN:VTIMEZONE") == 2  # New York and London, once each, sorted
    assert calendar.index("TZID:America/New_York") < calendar.index("TZID:Europe/London")
    assert "RRULE:FREQ=YEARLY" in calendar and "RDATE" not in calendar
    assert all(e["alarms"] == 1 for e in events)


def test_private_details_and_alarms_settings(vault):
    every_kind(vault)
    vault.add(
        "iinotes.toml", 'timezone = "America/New_York"\n[feed]\nprivate_details = true\nalarms = false\n'
    )
    feed = vault.run("feed").stdout_bytes
    events = both_readers(feed)
    nora = [e for e in events if "Nora" in e["summary"]][0]
    assert "Email: nora@example.com\nPhone: 555-0100" in nora["description"]
    assert b"BEGIN:VALARM" not in feed and all(e["alarms"] == 0 for e in events)


def _run_feed(vault_root: Path, cwd: Path, env: dict[str, str]) -> bytes:
    return subprocess.run([sys.executable, "-m", "iinotes", "--vault", str(vault_root), "--today", "2026-11-23", "feed"],
                          cwd=cwd, env={**os.environ, **env}, capture_output=True, check=True).stdout  # fmt: skip


def test_byte_identical_whatever_hash_seed_tz_locale_or_cwd(vault, tmp_path):
    every_kind(vault)
    outputs = {
        _run_feed(vault.root, tmp_path, {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C"}),
        _run_feed(
            vault.root,
            vault.root / "contacts",
            {"PYTHONHASHSEED": "999", "TZ": "Asia/Tokyo", "LC_ALL": "C.UTF-8"},
        ),
        _run_feed(
            vault.root,
            Path("/"),
            {"PYTHONHASHSEED": "12345", "TZ": "America/Los_Angeles", "LANG": "de_DE.UTF-8"},
        ),
    }
    assert len(outputs) == 1


def test_uids_survive_rename_move_reorder_and_unrelated_edits(vault):
    vault.add("iinotes.toml", NO_WEEKLY)
    vault.contact("Dan Done")
    note = vault.interview("2026-11-20", "Dan Done", scheduled="2026-11-20T10:00", status="done",
                           commitments="[{task: Send portfolio, due: 2026-11-30}, {task: Read book, due: 2026-12-02}]",
                           referrals='["[[Rita]]", "[[Sam]]"]')  # fmt: skip
    before = {e["summary"]: e["uid"] for e in read_icalendar(vault.run("feed").stdout_bytes)}
    text = note.read_text()
    text = text.replace(
        "{task: Send portfolio, due: 2026-11-30}, {task: Read book, due: 2026-12-02}",
        "{task: Read book, due: 2026-12-02}, {task: Send portfolio, due: 2026-11-30}",
    )
    text = text.replace('["[[Rita]]", "[[Sam]]"]', '["[[Sam]]", "[[Rita]]"]').replace(
        "status: done", "status: done\nmedium: phone"
    )
    (vault.root / "archive").mkdir()
    note.unlink()
    vault.add("archive/Renamed meeting.md", text)
    after = {e["summary"]: e["uid"] for e in read_icalendar(vault.run("feed").stdout_bytes)}
    assert after == before and len(before) == 7  # with the weekly review item


def test_sequence_rises_when_time_changes_and_unchanged_file_is_not_rewritten(vault):
    vault.contact("Ivy")
    note = vault.interview("2026-11-26", "Ivy", scheduled="2026-11-26T14:30")
    out = vault.root / "feed.ics"
    assert vault.run("feed", "-o", str(out)).exit_code == 0
    first = out.read_bytes()
    os.utime(out, (1, 1))
    vault.run("feed", "-o", str(out))
    assert out.stat().st_mtime == 1  # same bytes: not rewritten
    note.write_text(note.read_text().replace("14:30", "15:00"))
    vault.run("feed", "-o", str(out))
    events = {e["summary"]: e for e in read_icalendar(out.read_bytes())}
    assert events["Informational interview with Ivy"]["sequence"] == 1
    assert events["Confirm the meeting with Ivy"]["sequence"] == 1
    assert events["Prepare for Ivy"]["sequence"] == 0  # its day did not change
    assert out.read_bytes() != first
    copy = vault.root / "clone.ics"  # a fresh clone with the same committed feed: same bytes
    copy.write_bytes(out.read_bytes())
    vault.run("feed", "-o", str(copy))
    assert copy.read_bytes() == out.read_bytes()


def _stamps(data: bytes) -> dict[str, tuple[str, str]]:
    """UID -> (DTSTAMP, the event's other lines) of a feed."""
    text = data.decode().replace("\r\n ", "")
    events = {}
    for block in text.split("BEGIN:VEVENT\r\n")[1:]:
        lines = block.split("END:VEVENT")[0].split("\r\n")
        uid = next(line[4:] for line in lines if line.startswith("UID:"))
        stamp = next(line[8:] for line in lines if line.startswith("DTSTAMP:"))
        events[uid] = (stamp, "\n".join(line for line in lines if not line.startswith("DTSTAMP:")))
    return events


def test_a_feed_regenerated_on_later_days_without_edits_is_byte_identical(vault):
    """A feed kept in git or a synced folder changes only when something happened."""
    # the weekly review and reach-out items are new events each week by design: off here, on in the
    # next test
    vault.add(
        "iinotes.toml",
        'timezone = "America/New_York"\n[followups]\nreview_weekday = ""\nweekly_outreach = 0\n',
    )
    vault.contact("Ivy", outreach="[2026-11-01]", responded="2026-11-03")
    vault.interview("2026-12-10", "Ivy", "- [ ] Send portfolio 📅 2026-12-15\n", scheduled="2026-12-10T14:30",
                    timezone="Europe/London", location="https://meet.example.com/ivy")  # fmt: skip
    vault.contact("Nora", outreach="[2026-11-20]")  # nudge on 2026-12-04
    vault.contact("Mia", follow_up="2026-12-20T09:00")
    vault.contact("Kim", touches="[2026-10-30]", keep_in_touch='"6w"')
    vault.interview("2026-10-01", "Kim", scheduled="2026-10-01", status="done", thank_you_sent="2026-10-02")
    out = vault.root / "followups.ics"
    assert vault.run("feed", "-o", str(out), today="2026-11-23").exit_code == 0
    first = out.read_bytes()
    assert first.count(b"BEGIN:VEVENT") == 7 and b"DTSTAMP:20261123T000000Z" in first
    for day in ("2026-11-24", "2026-11-25", "2026-11-30", "2026-12-01"):
        result = vault.run("feed", "-o", str(out), today=day)
        assert result.exit_code == 0 and "unchanged" in result.output, (day, result.output)
        assert out.read_bytes() == first, day
    copy = vault.root / "clone.ics"  # a fresh clone of the synced feed: the same bytes too
    copy.write_bytes(first)
    vault.run("feed", "-o", str(copy), today="2026-11-27")
    assert copy.read_bytes() == first


def test_dtstamp_changes_only_for_the_events_that_changed(vault):
    every_kind(vault)
    out = vault.root / "followups.ics"
    vault.run("feed", "-o", str(out), today="2026-11-23")
    before = _stamps(out.read_bytes())
    assert {stamp for stamp, _ in before.values()} == {"20261123T000000Z"}
    vault.contact("Mia Manual", follow_up="2026-12-02")  # one edit
    vault.run("feed", "-o", str(out), today="2026-11-24")
    data = out.read_bytes()
    after = _stamps(data)
    both_readers(data)
    changed = {uid for uid in after if uid not in before or after[uid][1] != before[uid][1]}
    assert changed  # Mia's follow-up, and the overdue items that moved to the new today
    for uid, (stamp, rest) in after.items():
        assert stamp == ("20261124T000000Z" if uid in changed else before[uid][0]), rest
    mia = [rest for uid, (_, rest) in after.items() if "Mia Manual" in rest]
    assert len(mia) == 1 and "DTSTART;VALUE=DATE:20261202" in mia[0]
    overdue = [uid for uid, (_, rest) in after.items() if "SUMMARY:Overdue:" in rest]
    assert overdue and all(uid in changed for uid in overdue)


def test_text_escaping_and_folding(vault):
    name = "Zoë 山田 محمد, Jr.; PhD"
    vault.add(f"contacts/{name}.md", "---\ntype: contact\nid: c-esc\n---\n")
    vault.add("interviews/x.md", f'---\ntype: interview\nid: i-esc\ncontact: "[[{name}]]"\nscheduled: 2026-11-25T10:00\n'
              'location: "C:\\\\Notes\\\\N, room 4; floor 2 \\\\N 🚀"\nmedium: "video\\u0007call"\n---\n')  # fmt: skip
    feed = vault.run("feed").stdout_bytes
    check_lines(feed)
    events = both_readers(feed)
    meeting = [e for e in events if e["summary"].startswith("Informational")][0]
    assert meeting["summary"] == f"Informational interview with {name}"
    assert meeting["location"] == "C:\\Notes\\N, room 4; floor 2 \\N 🚀"
    assert "\x07" not in feed.decode()


def test_zero_follow_ups_is_a_valid_calendar(vault):
    vault.add("iinotes.toml", NO_WEEKLY)
    feed = vault.run("feed").stdout_bytes
    check_lines(feed)
    assert both_readers(feed) == []
    assert b"BEGIN:VTIMEZONE" not in feed


@pytest.mark.parametrize(
    "zone,local,today,utc_start",
    [
        (
            "Europe/Berlin",
            "2024-03-31T02:30",
            "2024-03-20",
            "2024-03-31T01:30:00Z",
        ),  # DST gap: the instant after the gap
        (
            "America/New_York",
            "2024-11-03T01:30",
            "2024-10-25",
            "2024-11-03T05:30:00Z",
        ),  # overlap: the first 01:30 (EDT), in UTC
        ("Pacific/Kiritimati", "2026-11-24T00:30", "2026-11-20", "2026-11-23T10:30:00Z"),  # UTC+14
        ("Pacific/Honolulu", "2026-11-24T23:30", "2026-11-20", "2026-11-25T09:30:00Z"),  # UTC-10
        ("Europe/Berlin", "2028-02-29T12:00", "2028-02-20", "2028-02-29T11:00:00Z"),  # Feb 29
    ],
)
def test_time_zone_edges(vault, zone, local, today, utc_start):
    vault.add("iinotes.toml", f'timezone = "{zone}"\n')
    vault.contact("Ed Edge")
    vault.interview(local[:10], "Ed Edge", scheduled=local, duration="60")
    feed = vault.run("feed", today=today).stdout_bytes
    events = both_readers(feed)
    meeting = [e for e in events if e["summary"].startswith("Informational")][0]
    ambiguous = local == "2024-11-03T01:30"  # readers disagree on repeated wall times: written in UTC
    assert (meeting["start"], meeting["tzid"]) == (utc_start, None if ambiguous else zone)
    start = dt.datetime.fromisoformat(utc_start.replace("Z", "+00:00"))
    assert meeting["end"] == (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    due = json.loads(vault.run("due", "--format", "json", today=today).stdout)["followups"]
    day = [i for i in due if i["kind"] == "interview"][0]["due"]
    assert day == local[:10]  # the local day, never the UTC day


def test_meeting_in_another_zone_than_the_vault(vault):
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.contact("Tokyo Person")
    vault.interview("2026-11-25", "Tokyo Person", scheduled="2026-11-25T09:00", timezone="Asia/Tokyo")
    events = both_readers(vault.run("feed").stdout_bytes)
    meeting = [e for e in events if e["summary"].startswith("Informational")][0]
    assert (meeting["start"], meeting["tzid"]) == ("2026-11-25T00:00:00Z", "Asia/Tokyo")
    due = vault.run("due").output
    assert (
        "2026-11-24 19:00  Informational interview with Tokyo Person: 20 min [09:00 Asia/Tokyo time]" in due
    )


def test_events_years_ahead(vault):
    vault.add("iinotes.toml", 'timezone = "Europe/Berlin"\n[feed]\nhorizon_days = 3650\n')
    vault.contact("Far Future")
    vault.interview("2031-07-01", "Far Future", scheduled="2031-07-01T10:00")
    vault.interview("2031-12-01", "Far Future", scheduled="2031-12-01T10:00")
    events = both_readers(vault.run("feed").stdout_bytes)
    starts = sorted(e["start"] for e in events if e["summary"].startswith("Informational"))
    assert starts == ["2031-07-01T08:00:00Z", "2031-12-01T09:00:00Z"]


def test_bad_dates_are_left_out_and_reported_and_9999_does_not_crash(vault):
    vault.add("iinotes.toml", NO_WEEKLY)
    vault.contact("Good One", outreach="[2026-11-20]")
    vault.contact("Bad One", outreach="[2026-02-30]", follow_up="9999-12-31")
    vault.interview("2026-11-20", "Good One", scheduled="2026-11-20", status="done", thank_you_sent="2026-11-21",
                    commitments="[{task: Far away, due: 9999-12-31}, {task: No date}]")  # fmt: skip
    result = vault.run("feed")
    assert result.exit_code == 0
    assert "values with errors are left out of the follow-ups; run `iinotes validate`" in result.stderr
    events = read_icalendar(result.stdout_bytes)
    assert [e["summary"] for e in events if not str(e["summary"]).startswith("Weekly review")] == [
        "Keep in touch with Good One"
    ]  # nothing from Bad One
    assert "Bad One" not in vault.run("due", "--days", "3650").output
    far = vault.run("due", "--days", "30", today="9999-12-20")  # days run from 1900 to 2999 (issue 8)
    assert far.exit_code == 2 and "9999-12-20 is out of range" in far.output
    problems = json.loads(vault.run("validate", "--format", "json").stdout)["problems"]
    assert {p["code"] for p in problems} >= {"bad-date", "no-due-date"}
    assert "follow_up: 9999-12-31 is out of range" in vault.run("validate").output


def test_unknown_time_zone_in_note_and_settings(vault):
    vault.contact("Zed")
    vault.interview("2026-11-25", "Zed", scheduled="2026-11-25T10:00", timezone="Europe/Atlantis")
    assert "bad-timezone" in vault.run("validate").output
    vault.add("iinotes.toml", 'timezone = "Moon/Base"\n')
    result = vault.run("feed")
    assert result.exit_code == 2 and "timezone: 'Moon/Base' is not an IANA time zone" in result.output


def test_feed_is_answered_from_its_record_only_while_nothing_changed(vault, tmp_path):
    import time

    from iinotes.cache import ANSWER_PREFIX, STATE_DIR

    every_kind(vault)
    time.sleep(0.06)  # out of the racy window, so records may be kept
    first = vault.run("feed").stdout_bytes
    assert (vault.root / STATE_DIR / (ANSWER_PREFIX + "feed")).exists()
    assert vault.run("feed").stdout_bytes == first  # answered from the record: the same bytes
    vault.add("contacts/Nora Nudge.md", (vault.root / "contacts" / "Nora Nudge.md").read_text())
    assert vault.run("feed").stdout_bytes == first  # a save with the same text: still the same feed
    assert vault.run("feed", today="2026-11-24").stdout_bytes != first  # another day
    vault.contact("Nora Nudge", outreach="[2026-11-02, 2026-11-20]")  # a nudge sent: the feed changes
    time.sleep(0.06)
    changed = vault.run("feed").stdout_bytes
    assert changed != first and b"Nudge Nora Nudge (2nd of 3)" in changed
    assert vault.run("feed").stdout_bytes == changed
    out = tmp_path / "feed.ics"
    assert (
        vault.run("feed", "-o", str(out)).stderr == f"{out}: wrote {changed.count(b'BEGIN:VEVENT')} events\n"
    )
    again = vault.run("feed", "-o", str(out))  # answered from the record the first run left for it
    assert again.stderr == f"{out}: unchanged ({changed.count(b'BEGIN:VEVENT')} events)\n"
    out.write_bytes(changed.replace(b"SEQUENCE:0", b"SEQUENCE:4"))  # another previous feed: another key
    assert "unchanged" in vault.run("feed", "-o", str(out)).stderr and b"SEQUENCE:4" in out.read_bytes()
    out.write_bytes(b"edited by hand")
    assert "wrote" in vault.run("feed", "-o", str(out)).stderr and out.read_bytes() == changed


def save(path, change) -> None:  # type: ignore[no-untyped-def]
    """Apply `change` (old text -> new text; None deletes) to a note, then wait out the racy window."""
    import time

    if change is None:
        path.unlink()
    else:
        path.write_text(change(path.read_text() if path.exists() else ""))
    time.sleep(0.06)


def test_repeated_feeds_on_one_vault_equal_fresh_ones(vault):
    """Watch mode reuses one Vault: hinted reads, the follow-up and render memos and the
    in-memory SEQUENCE map must give exactly the bytes a fresh Vault gives."""

    from iinotes import Vault

    every_kind(vault)
    today = dt.date(2026, 11, 23)
    live = Vault(vault.root, today=today, use_cache=False)
    _, _, previous = live.feed()
    edits = [
        (
            "interviews/2026-11-26 Ivy Upcoming.md",
            lambda t: t.replace("T14:30", "T16:00"),
        ),  # time moves: SEQUENCE 1
        ("contacts/Nora Nudge.md", lambda t: t.replace("[2026-11-02]", "[2026-11-02, 2026-11-20]")),
        ("contacts/Dan Done.md", lambda t: t + "\nmore notes\n"),  # unrelated edit
        (
            "contacts/Rita Referral.md",
            lambda t: "---\ntype: contact\nid: c-rita\noutreach: [2026-11-22]\n---\n",
        ),  # new note: referral done
        ("contacts/Mia Manual.md", None),  # deleted
    ]
    for rel, change in edits:
        save(vault.root / rel, change)
        _, shown, data = live.feed(previous, hint=[rel])
        fresh = Vault(vault.root, today=today, use_cache=False).feed(previous)[2]
        assert data == fresh, rel
        previous = data
    events = {e["summary"]: e for e in read_icalendar(previous)}
    assert events["Informational interview with Ivy Upcoming"]["sequence"] == 1
    assert "Nudge Nora Nudge (2nd of 3)" in events and "Nudge Rita Referral (1st of 3)" in events
    assert not any("Reach out to Rita" in s or "Mia" in s for s in events)


def test_long_lived_vault_sees_what_equality_would_miss(vault):
    """Regressions from review: memos compare notes by identity (a date-time rewritten with another
    offset for the same instant is equal but described differently), read() twice then index(),
    a case-only rename in a hint, and line numbers of a re-read note."""
    import time

    from iinotes import Vault
    from iinotes.output import index_json

    today = dt.date(2026, 11, 23)
    vault.contact("Jane Doe")
    note = vault.interview("2026-11-25", "Jane Doe", scheduled="2026-11-25T14:30+01:00")
    time.sleep(0.06)
    live = Vault(vault.root, today=today, use_cache=False)
    _, _, previous = live.feed()
    note.write_text(note.read_text().replace("14:30+01:00", "13:30Z"))
    time.sleep(0.06)
    rel = note.relative_to(vault.root).as_posix()
    index, _, data = live.feed(previous, hint=[rel])
    fresh = Vault(vault.root, today=today, use_cache=False)
    assert data == fresh.feed(previous)[2] and b"13:30 (UTC+0000)" in data.replace(b"\r\n ", b"")
    assert index_json(index) == index_json(fresh.index())

    other = Vault(vault.root, today=today)
    other.index()
    contact = vault.root / "contacts" / "Jane Doe.md"
    contact.write_text(contact.read_text().replace("---\n\n", "company: Acme\n---\n\n"))
    time.sleep(0.06)
    other.read()
    other.read()  # nothing new in the second read: the first read's change must still reach the index
    assert other.index().contacts["contacts/Jane Doe.md"].contact.company == "Acme"

    assert not live._hint_usable(
        ["contacts/Jane Doe.md", "contacts/jane doe.md"]
    )  # case-only rename: full scan


def test_an_index_updated_for_the_changed_notes_equals_one_built_from_scratch(vault, monkeypatch):
    """Dirty tracking: a long-lived Vault updates its index for the notes that changed (or builds it
    again when the change reaches further); either way index, problems and feed equal a fresh Vault's."""

    from iinotes import Vault
    from iinotes import index as index_module
    from iinotes.output import index_json

    every_kind(vault)
    vault.add("contacts/Broken.md", "---\ntype: contact\nid: c-broken\noutreach: [2026-13-01]\n---\n")
    vault.add("notes/Daily.md", "# not ours\n")
    vault.interview("2026-11-21", "Ghost", scheduled="2026-11-21T10:00")  # links to no contact note
    vault.contact("Twin", id="c-twin")
    vault.add("contacts/Twin 2.md", "---\ntype: contact\nid: c-twin\nname: Twin Two\n---\n")
    updated: list[bool] = []
    real = index_module.update_index

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        updated.append(result is not None)
        return result

    monkeypatch.setattr(index_module, "update_index", spy)
    today = dt.date(2026, 11, 23)
    live = Vault(vault.root, today=today, use_cache=False)
    _, _, previous = live.feed()

    def lines_down(text: str) -> str:  # every key one line lower: problems must follow
        return text.replace("---\n", "---\naliases_note: moved\n", 1)

    edits = [
        ("interviews/2026-11-26 Ivy Upcoming.md", lambda t: t.replace("T14:30", "T16:00")),
        (
            "interviews/2026-11-26 Ivy Upcoming.md",
            lambda t: t.replace("2026-11-26T16:00", "2026-12-30T09:00"),
        ),
        ("contacts/Nora Nudge.md", lambda t: t.replace("[2026-11-02]", "[2026-11-02, 2026-11-20]")),
        ("contacts/Broken.md", lines_down),
        ("contacts/Broken.md", lambda t: t.replace("2026-13-01", "2026-11-01")),
        ("contacts/Nora Nudge.md", lambda t: t.replace("type: contact", "type: contact\nstatus: paused")),
        ("notes/Daily.md", lambda t: t + "more\n"),
        ("interviews/2026-11-21 Ghost.md", lines_down),
        ("interviews/2026-11-20 Dan Done.md", lambda t: t.replace("- [ ] Email", "- [x] Email")),
        ("interviews/2026-11-20 Dan Done.md", lambda t: t.replace("status: done", "status: scheduled")),
        ("contacts/Twin 2.md", lines_down),  # a duplicate id: built again
        ("contacts/Nora Nudge.md", lambda t: t.replace("type: contact", "type: contact\naliases: [Nor]")),
        ("contacts/Quinn Quiet.md", lambda t: t.replace("type: contact", "type: nothing")),
        ("contacts/Dan Done.md", None),
        ("contacts/New Person.md", lambda _: "---\ntype: contact\nid: c-new\n---\n"),
        ("contacts/New Person.md", lambda t: t.replace("id: c-new", "id: c-new\nresponded: 2026-11-20")),
    ]
    for number, (rel, change) in enumerate(edits):
        save(vault.root / rel, change)
        index, _, data = live.feed(previous, hint=[rel])
        fresh = Vault(vault.root, today=today, use_cache=False)
        fresh_index, _, fresh_data = fresh.feed(previous)
        assert index_json(index) == index_json(fresh_index), (number, rel)
        assert index.problems == fresh_index.problems, (number, rel)
        assert data == fresh_data, (number, rel)
        previous = data
    assert updated.count(True) >= 7 and False in updated  # most were updates; some were full builds
