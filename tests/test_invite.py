"""`iinotes new interview NAME --from-invite invite.ics`: meeting invitations as Google Calendar, Zoom,
Outlook/Exchange (Teams, Windows zone names, display-name zones), Apple Calendar and Thunderbird write
them (tests/data/invites/), read with icalendar into an interview note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from iinotes.errors import UsageError
from iinotes.index import meeting_start
from iinotes.invite import read_invitation

INVITES = Path(__file__).parent / "data" / "invites"
UTC = dt.UTC

# file -> (scheduled, timezone, duration, medium, location, the instant it starts)
EXPECTED = {
    "google-meet.ics": (  # UTC times, the Meet link in X-GOOGLE-CONFERENCE, LOCATION empty
        "2026-12-02T12:00",
        "",
        30,
        "video",
        "https://meet.google.com/abc-defg-hij",
        dt.datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
    ),
    "zoom.ics": (  # an IANA TZID with its VTIMEZONE; the Zoom link (with its pwd) in LOCATION
        "2026-12-03T10:00",
        "America/Los_Angeles",
        45,
        "video",
        "https://us06web.zoom.us/j/81234567890?pwd=aBcDeFgHiJkLmNoPqRsTuVwXyZ.1",
        dt.datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
    ),
    "teams-outlook.ics": (  # Windows zone "Eastern Standard Time" = the vault's zone; LOCATION a label
        "2026-12-04T11:00",
        "",
        30,
        "video",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ2MjE0ZjMtYzQ1Ni00%40thread.v2/0"
        "?context=%7b%22Tid%22%3a%2272f988bf%22%2c%22Oid%22%3a%22a1b2c3%22%7d",
        dt.datetime(2026, 12, 4, 16, 0, tzinfo=UTC),
    ),
    "outlook-in-person.ics": (  # "W. Europe Standard Time" -> Europe/Berlin; an address
        "2026-12-07T15:00",
        "Europe/Berlin",
        45,
        "in-person",
        "Café Einstein, Kurfürstenstraße 58, 10785 Berlin",
        dt.datetime(2026, 12, 7, 14, 0, tzinfo=UTC),
    ),
    "outlook-display-name-zone.ics": (  # a zone known only by its VTIMEZONE; DURATION; a tel: location
        "2026-12-08T03:30",
        "",
        60,
        "phone",
        "+49 30 5555 0199",
        dt.datetime(2026, 12, 8, 8, 30, tzinfo=UTC),
    ),
    # all-day: the day alone (the time is still open); duration and medium stay the template's
    "apple-all-day.ics": ("2026-12-09", "", 20, "video", "", None),
    "thunderbird-recurring.ics": (  # a series with a moved occurrence: its first meeting
        "2026-12-10T12:00",
        "Europe/London",
        20,
        "video",
        "https://whereby.com/oliver-hughes",
        dt.datetime(2026, 12, 10, 12, 0, tzinfo=UTC),
    ),
}


@pytest.fixture
def ny(vault):
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n')
    vault.contact("Jane Doe")
    return vault


def _note(vault, rel: str):  # type: ignore[no-untyped-def]
    return vault.index().interviews[rel].interview


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_new_interview_from_an_invitation(ny, name):
    scheduled, zone, minutes, medium, location, instant = EXPECTED[name]
    result = ny.run("new", "interview", "Jane", "--from-invite", str(INVITES / name))
    assert result.exit_code == 0, result.output
    rel = f"interviews/{scheduled[:10]} Jane Doe.md"
    assert result.output.strip().endswith(rel)
    assert ny.run("validate").exit_code == 0
    interview = _note(ny, rel)
    written = interview.scheduled
    assert (
        written.strftime("%Y-%m-%dT%H:%M") if isinstance(written, dt.datetime) else str(written)
    ) == scheduled
    assert (interview.timezone, interview.duration, interview.medium, interview.location) == (
        zone,
        minutes,
        medium,
        location,
    )
    assert meeting_start(interview, "America/New_York") == instant
    text = (ny.root / rel).read_text("utf-8")
    assert "type: interview" in text and 'contact: "[[Jane Doe]]"' in text


def test_options_given_on_the_command_line_win(ny):
    result = ny.run(
        "new", "interview", "Jane", "--from-invite", str(INVITES / "zoom.ics"),
        "--at", "2026-12-05 09:00", "--location", "Blue Bottle, 5th Ave", "--medium", "in-person",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    interview = _note(ny, "interviews/2026-12-05 Jane Doe.md")
    assert interview.scheduled == dt.datetime(2026, 12, 5, 9, 0)
    assert interview.timezone == ""  # --at replaces the invitation's time and zone
    assert (interview.location, interview.medium, interview.duration) == (
        "Blue Bottle, 5th Ave",
        "in-person",
        45,
    )


def test_dry_run_shows_the_note_and_writes_nothing(ny):
    result = ny.run("new", "interview", "Jane", "--from-invite", str(INVITES / "zoom.ics"), "--dry-run")
    assert result.exit_code == 0
    assert (
        "+timezone: America/Los_Angeles" in result.output and "+scheduled: 2026-12-03T10:00" in result.output
    )
    assert not (ny.root / "interviews").exists()


def test_without_at_or_an_invitation_it_says_what_to_give(ny):
    result = ny.run("new", "interview", "Jane")
    assert result.exit_code == 2
    assert "give --at" in result.output and "--from-invite" in result.output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a calendar", "is not a calendar file"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "holds no meeting"),
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261202T170000Z\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n",
            "cancels a meeting",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:One\r\nDTSTART:20261202T170000Z\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Two\r\nDTSTART:20261203T170000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "holds 2 meetings ('One', 'Two')",
        ),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "no start time"),
    ],
)
def test_a_bad_invitation_is_refused_with_the_reason(ny, tmp_path, data, message):
    path = tmp_path / "invite.ics"
    path.write_bytes(data)
    with pytest.raises(UsageError) as error:
        read_invitation(data, "America/New_York", str(path))
    assert message in error.value.message
    result = ny.run("new", "interview", "Jane", "--from-invite", str(path))
    assert result.exit_code == 2 and message in result.output and str(path) in result.output
    assert not (ny.root / "interviews").exists()


def test_floating_time_is_the_vaults_wall_time():
    data = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20261202T093000\r\nDURATION:PT25M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    invitation = read_invitation(data, "Asia/Tokyo")
    assert (invitation.scheduled, invitation.timezone, invitation.minutes) == ("2026-12-02T09:30", None, 25)


def test_a_zone_the_vault_uses_is_not_repeated_and_utc_becomes_the_vaults_time():
    zoom = (INVITES / "zoom.ics").read_bytes()
    assert read_invitation(zoom, "America/Los_Angeles").timezone is None
    google = read_invitation((INVITES / "google-meet.ics").read_bytes(), "Europe/Berlin")
    assert google.scheduled == "2026-12-02T18:00" and google.timezone is None


def test_reschedule_from_an_updated_invitation(ny):
    assert (
        ny.run(
            "new", "interview", "Jane", "--at", "2026-12-01 09:00", "--timezone", "Europe/London"
        ).exit_code
        == 0
    )
    assert ny.run("confirm", "Jane").exit_code == 0
    rel = "interviews/2026-12-01 Jane Doe.md"
    result = ny.run("reschedule", "Jane", "--from-invite", str(INVITES / "zoom.ics"))
    assert result.exit_code == 0, result.output
    assert result.output == f"{rel}: rescheduled to 2026-12-03 10:00 (status: scheduled)\n"
    interview = _note(ny, rel)  # same note, same id: the feed's events move
    assert (interview.timezone, interview.duration, interview.medium, interview.status) == (
        "America/Los_Angeles",
        45,
        "video",
        "scheduled",
    )
    assert (
        interview.location.startswith("https://us06web.zoom.us/j/81234567890") and interview.confirmed is None
    )
    assert meeting_start(interview, "America/New_York") == dt.datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    # moved again, by an invitation in the vault's own zone: the old timezone must not stay behind
    again = ny.run("reschedule", "Jane", "--from-invite", str(INVITES / "teams-outlook.ics"))
    assert again.exit_code == 0, again.output
    interview = _note(ny, rel)
    assert interview.timezone == "" and interview.location.startswith("https://teams.microsoft.com/")
    assert meeting_start(interview, "America/New_York") == dt.datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert ny.run("validate").exit_code == 0
    missing = ny.run("reschedule", "Jane")
    assert missing.exit_code == 2 and "--from-invite" in missing.output
