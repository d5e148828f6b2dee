"""iinotes.toml: defaults, validation naming the key, unknown keys, and the CLI's exit code 2."""

from __future__ import annotations

import pytest

from iinotes.errors import SettingsError
from iinotes.model import Cadence
from iinotes.settings import SETTINGS, Settings, parse_settings


def test_defaults_match_the_format_doc():
    settings = parse_settings('timezone = "America/New_York"\n')
    assert settings == Settings(timezone="America/New_York")
    assert (settings.nudge_after_days, settings.max_nudges, settings.confirm_hours_before) == (14, 3, 24)
    assert (settings.prepare_days_before, settings.thank_you_hours_after, settings.referral_days_after) == (
        2,
        24,
        3,
    )
    assert settings.keep_in_touch == Cadence(60, "d") and settings.horizon_days == 90
    assert (
        settings.feed_name == "Informational interviews" and settings.alarms and not settings.private_details
    )


def test_every_key_is_read():
    text = """
timezone = "Europe/Berlin"
[followups]
nudge_after_days = 7
max_nudges = 2
confirm_hours_before = 48
prepare_days_before = 1
thank_you_hours_after = 12
referral_days_after = 5
keep_in_touch = "never"
review_weekday = ""
schedule_days_after = 3
reschedule_days_after = 10
weekly_outreach = 5
outreach_weekday = "Friday"
[feed]
name = "Coffee chats"
horizon_days = 30
alarms = false
private_details = true
drafts = true
[me]
name = "Jo"
background = "a teacher"
goal = "UX research"
signature = "Jo\\n555"
[publish]
url = "https://cal.example.com/dav/me/iinotes/"
user = "me"
"""
    s = parse_settings(text)
    assert s == Settings(
        "Europe/Berlin",
        7,
        2,
        48,
        1,
        12,
        5,
        None,
        3,
        10,
        5,
        "friday",
        "Coffee chats",
        30,
        False,
        True,
        drafts=True,
        me_name="Jo",
        me_background="a teacher",
        me_goal="UX research",
        me_signature="Jo\n555",
        review_weekday="",
        publish_url="https://cal.example.com/dav/me/iinotes/",
        publish_user="me",
    )
    assert len(SETTINGS) == 24


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "[followups]\nnudge_afer_days = 3\n",
            "unknown setting followups.nudge_afer_days (did you mean followups.nudge_after_days?)",
        ),
        ("colour = 1\n", "unknown setting colour"),
        ('timezone = "Mars/Olympus"\n', "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ('[followups]\nmax_nudges = "3"\n', "followups.max_nudges: expected a whole number, found '3'"),
        ("[followups]\nnudge_after_days = 0\n", "followups.nudge_after_days: must be at least 1, found 0"),
        ('[followups]\nkeep_in_touch = "sometimes"\n', "followups.keep_in_touch: sometimes is not a cadence"),
        ('[feed]\nalarms = "yes"\n', "feed.alarms: expected true or false, found 'yes'"),
        (
            '[followups]\noutreach_weekday = "mon"\n',
            "followups.outreach_weekday: expected a day of the week (monday ... sunday), found 'mon'",
        ),
        ("[followups]\nweekly_outreach = -1\n", "followups.weekly_outreach: must be at least 0, found -1"),
        ("[feed\n", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_key(text, message):
    with pytest.raises(SettingsError) as caught:
        parse_settings(text)
    assert message in caught.value.message


def test_cli_reports_settings_errors_with_exit_2(vault):
    vault.add("iinotes.toml", "[followups]\nmax_nudge = 2\n")
    result = vault.run("validate")
    assert result.exit_code == 2
    assert result.output == (
        "iinotes: error: iinotes.toml: unknown setting followups.max_nudge (did you mean followups.max_nudges?)\n"
        "  hint: see docs/settings.md for every key and its values\n"
    )


def test_settings_change_the_rules(vault):
    vault.add("iinotes.toml", "[followups]\nmax_nudges = 1\nnudge_after_days = 7\n")
    vault.contact("Quiet", outreach="[2026-11-01, 2026-11-08]")
    assert vault.index().contacts["contacts/Quiet.md"].stage == "gone-quiet"


def test_example_toml_is_valid_and_complete():
    from iinotes.settings import example_toml

    text = example_toml(commented=False)
    examples = {  # keys whose default is none are shown with an example value
        "me_name": "Jordan Ellis",
        "me_background": "a middle-school teacher with eight years in the classroom",
        "me_goal": "UX research",
        "me_signature": "Jordan Ellis\n(215) 555-0100",
        "publish_url": "https://cal.example.com/dav/calendars/me/iinotes/",
        "publish_user": "me@example.com",
    }
    assert parse_settings(text) == Settings(timezone="America/New_York", **examples)
    assert all(setting.key.rsplit(".", 1)[-1] + " = " in text for setting in SETTINGS)
