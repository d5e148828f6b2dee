"""`iinotes draft`: golden drafts of every kind on sample-vault/, the kind chosen from the next move,
templates the user owns, [me] settings, the linter's rules, mailto: and .eml read back by
urllib.parse and Python's email package, --open through a real launched process, feed.drafts."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import stat
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, TODAY
from feedcheck import both_readers, check_lines
from hypothesis import given, settings
from hypothesis import strategies as st
from test_golden import check_golden

from iinotes import drafts, linter
from iinotes.cli import cli
from iinotes.drafts import Draft
from iinotes.linter import lint

DATA = Path(__file__).parent / "data" / "drafts"

# case -> the arguments after `draft`; a case without a kind checks the kind the next move picks
CASES = {
    "outreach-kenji": ("Kenji",),
    "referral-aisha": ("Aisha",),
    "referral-dana-no-note": ("Dana Whitfield",),
    "nudge-rachel-1st": ("Rachel",),
    "nudge-david-2nd": ("David",),
    "nudge-sofia-last": ("Sofia",),
    "confirm-lena": ("Lena",),
    "confirm-jamal-requested": ("Jamal",),
    "confirm-oliver-london": ("confirm", "Oliver"),
    "thank-you-maria": ("Maria",),
    "thank-you-hannah-referrals": ("thank-you", "Hannah"),
    "keep-in-touch-tom": ("Tom",),
    "schedule-nadia": ("Nadia",),
    "reschedule-lena": ("reschedule", "Lena"),
}


@pytest.fixture
def sample(tmp_path):
    target = tmp_path / "sample-vault"
    shutil.copytree(REPO / "sample-vault", target, ignore=shutil.ignore_patterns(".iinotes"))

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, ["--vault", str(target), "--today", TODAY, *args], input=input)

    run.root = target  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_drafts(sample, case):
    args = CASES[case]
    result = sample("draft", *args)
    assert result.exit_code == 0, result.output
    check_golden(DATA / f"{case}.txt", result.stdout)
    data = json.loads(sample("draft", *args, "--format", "json").stdout)
    assert data["kind"] == max((k for k in drafts.KINDS if case.startswith(k + "-")), key=len)
    if data["kind"] == "keep-in-touch":  # the update is yours to write: the linter says so
        assert {w["rule"] for w in data["warnings"]} == {"unfilled"}
    else:
        assert data["warnings"] == [], data["warnings"]
    assert data["subject"] in result.stdout and data["body"] in result.stdout


def test_next_move_picks_no_message_when_none_is_due(sample):
    quiet = sample("draft", "Greg")
    assert quiet.exit_code == 2 and "the nudges are done" in quiet.stderr
    assert 'iinotes draft nudge "Greg Halvorsen"' in quiet.stderr
    declined = sample("draft", "Marcus")
    assert declined.exit_code == 2 and "Marcus Reid is declined" in declined.stderr
    confirmed = sample("draft", "Oliver")
    assert confirmed.exit_code == 2 and "is confirmed: nothing to send before it" in confirmed.stderr
    assert sample("draft", "nudge", "Greg").exit_code == 0  # asked for by name: drafted


def test_usage_errors(sample):
    assert sample("draft").exit_code == 2
    unknown = sample("draft", "apology", "Tom")
    assert unknown.exit_code == 2 and "unknown kind 'apology'" in unknown.stderr
    assert sample("draft", "Nobody At All").exit_code == 1
    never_wrote = sample("draft", "nudge", "Kenji")
    assert never_wrote.exit_code == 2 and "no outreach to Kenji Watanabe is logged" in never_wrote.stderr
    nobody = sample("draft", "referral", "Kenji")
    assert nobody.exit_code == 2 and "nobody referred you to Kenji Watanabe" in nobody.stderr
    no_meeting = sample("draft", "confirm", "Kenji")
    assert no_meeting.exit_code == 2 and "no meeting ahead" in no_meeting.stderr
    assert "no meeting that took place" in sample("draft", "thank-you", "Kenji").stderr
    assert "no cancelled or missed meeting" in sample("draft", "reschedule", "Tom").stderr


def test_do_not_contact_gets_no_message(vault):
    vault.add("iinotes.toml", '[me]\nname = "Jo"\nbackground = "a teacher"\ngoal = "UX"\n')
    vault.contact("Ann Lee", status="do-not-contact")
    result = vault.run("draft", "Ann")
    assert result.exit_code == 2 and "Ann Lee is do-not-contact" in result.stderr
    assert "hint" not in result.stderr  # no "draft one anyway"
    forced = vault.run("draft", "outreach", "Ann")
    assert forced.exit_code == 2 and "iinotes drafts no message to them" in forced.stderr


# --- their time zone, commitments ----------------------------------------------------------------


def test_meeting_time_in_their_zone(vault):
    vault.add("iinotes.toml", 'timezone = "America/New_York"\n[me]\nname = "Jo"\n')
    vault.contact("Kai Berg", email="kai@example.com")
    vault.interview("2026-11-30", "Kai Berg", scheduled="2026-11-30T09:00", timezone="Asia/Tokyo")
    vault.contact("Ola Nowak")
    vault.interview("2026-11-30", "Ola Nowak", scheduled='"2026-11-30T14:00:00+01:00"', medium="phone")
    vault.contact("Sam Reed")
    vault.interview("2026-11-30", "Sam Reed", scheduled='"2026-11-30T08:00:00-05:00"', medium="video")
    kai = vault.run("draft", "Kai").stdout
    assert "our conversation on Monday, November 30 at 9:00 AM Tokyo time." in kai
    ola = vault.run("draft", "Ola").stdout
    assert "our phone call on Monday, November 30 at 2:00 PM (UTC+01:00)." in ola
    sam = vault.run("draft", "Sam").stdout  # the vault's own offset: no label
    assert "our video call on Monday, November 30 at 8:00 AM.\n" in sam


def test_thank_you_says_commitments_to_them(vault):
    vault.add("iinotes.toml", '[me]\nname = "Jo"\n')
    vault.contact("Jane Doe")
    vault.interview(
        "2026-11-20",
        "Jane Doe",
        "- [ ] Send Jane's team my survey 📅 2026-11-27\n- [x] Read the report 📅 2026-11-21\n",
        scheduled="2026-11-20T10:00",
        status="done",
        commitments='[{task: "Email Jane the SQL notes", due: 2026-11-24}, {task: "Call Bo", done: true}]',
        referrals='["[[Bo Chen]]", "[[Al Diaz|Al]]"]',
    )
    text = vault.run("draft", "Jane").stdout
    assert (
        "As we discussed, I will:\n- email you the SQL notes by November 24\n"
        "- send your team my survey by November 27\n" in text
    )
    assert "Thank you also for suggesting I get in touch with Bo Chen and Al.\n" in text
    assert "Read the report" not in text and "Call Bo" not in text


# --- templates the user owns ---------------------------------------------------------------------


def test_init_writes_the_shipped_templates_and_they_are_used(sample, tmp_path):
    fresh = tmp_path / "fresh"
    created = CliRunner().invoke(cli, ["init", str(fresh)])
    assert created.exit_code == 0 and ", templates/messages/ (8 message templates), " in created.stdout
    for kind in drafts.KINDS:
        written = (fresh / "templates" / "messages" / f"{kind}.md").read_text(encoding="utf-8")
        assert written == drafts.built_in_template(kind)
    shipped = sample("draft", "Kenji").stdout
    folder = sample.root / "templates" / "messages"
    folder.mkdir(parents=True)
    shutil.copy(fresh / "templates" / "messages" / "outreach.md", folder / "outreach.md")
    assert sample("draft", "Kenji").stdout == shipped
    (folder / "outreach.md").write_text(
        "<!-- mine -->\nSubject: Hello from {{my_name}}\n\nHi {{first_name}},\n"
        "I was told about you by {{referrer}}.\nI work at {{company}} <!-- inline note --> too.\n"
        "<!-- a comment\nover lines -->\n\n\n{{my_signature}}\n",
        encoding="utf-8",
    )
    mine = sample("draft", "Kenji")
    assert mine.stdout == (
        "Subject: Hello from Jordan Ellis\n\nHi Kenji,\nI work at Corvid Analytics  too.\n\nJordan Ellis\n"
    )  # the referrer line went: nobody referred you to Kenji


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "Subject: Hi\n\nDear {{first_name}},\nAbout {{compnay}}.\n",
            "templates/messages/outreach.md:4: unknown placeholder {{compnay}} (did you mean {{company}}?)",
        ),
        (
            "<!-- c -->\n\nDear {{first_name}},\n",
            "templates/messages/outreach.md:3: a message template starts",
        ),
        (
            "Subject: Hi\n<!-- never closed\n",
            "templates/messages/outreach.md: a <!-- comment is never closed",
        ),
        ("", "templates/messages/outreach.md:1: a message template starts with a 'Subject: ...' line"),
    ],
)
def test_bad_template_is_a_clear_error(sample, text, message):
    folder = sample.root / "templates" / "messages"
    folder.mkdir(parents=True)
    (folder / "outreach.md").write_text(text, encoding="utf-8")
    result = sample("draft", "Kenji")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"iinotes: error: {message}")


def test_missing_me_key_is_named(vault):
    vault.contact("Kai Berg", source="alumni")
    result = vault.run("draft", "Kai")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "iinotes: error: the outreach draft needs me.background, me.goal and me.name in iinotes.toml\n"
        '  hint: add them under [me], e.g.\n  [me]\n  background = "..."\n'
    )
    vault.add("iinotes.toml", '[me]\nname = "Jo"\nbackground = "a nurse"\ngoal = "health data"\n')
    assert vault.run("draft", "Kai").exit_code == 0
    bad = vault.add("iinotes.toml", '[me]\nname = ""\nnmae = "x"\n')
    result = vault.run("draft", "Kai")
    assert result.exit_code == 2 and "me.name: expected non-empty text" in result.stderr
    assert "unknown setting me.nmae (did you mean me.name?)" in result.stderr
    bad.unlink()
    vault.add("templates/messages/outreach.md", "Subject: Hi\n\nHi {{first_name}}, {{how_found}}\n")
    assert vault.run("draft", "Kai").stdout == (  # a template without [me] placeholders needs none
        "Subject: Hi\n\nHi Kai, I found your name through our alumni network.\n"
    )


def test_signature_defaults_to_the_name_and_may_have_lines(vault):
    vault.contact("Kai Berg", source="LinkedIn", company="Acme")
    vault.add("iinotes.toml", '[me]\nname = "Jo"\nbackground = "a nurse"\ngoal = "health data"\n')
    assert vault.run("draft", "Kai").stdout.endswith("Best regards,\nJo\n")
    vault.add(
        "iinotes.toml",
        '[me]\nname = "Jo"\nbackground = "a nurse"\ngoal = "health data"\nsignature = "Jo Park\\n555-0100"\n',
    )
    text = vault.run("draft", "Kai").stdout
    assert text.endswith("Best regards,\nJo Park\n555-0100\n")
    assert "I came across your profile on LinkedIn. My name is Jo, and I am a nurse" in text
    assert "your work at Acme" in text


# --- the linter ----------------------------------------------------------------------------------

GOOD = """Subject: Request for advice: a move into UX research

Dear Kai,

I was referred to you by Bo Chen. I am a teacher exploring UX research.
Could you spare 20 minutes for a call? I am happy to work around your schedule.

Best regards,
Jo
"""


def rules(text: str, kind: str = "outreach", **kwargs: str) -> list[tuple[str, int]]:
    return [(w.rule, w.line) for w in lint(text, kind, **kwargs)]


def test_a_message_that_follows_the_guides_passes():
    assert rules(GOOD) == []
    assert rules(GOOD, "referral", referrer="Bo Chen") == []


def test_rule_too_long():
    long = GOOD.replace("Best regards", "I admire your work. " * 30 + "\n\nBest regards")
    assert ("too-long", 0) in rules(long)
    assert rules(long, "thank-you") == []  # a thank-you may say more, up to two screens
    assert ("too-long", 0) in rules(long * 3, "thank-you")


@pytest.mark.parametrize(
    "words", ["a job", "any openings", "if you are hiring", "an internship", "a position", "open roles"]
)
def test_rule_asks_for_job(words):
    text = GOOD.replace("exploring UX research.", f"exploring UX research, and I would love {words}.")
    assert rules(text) == [("asks-for-job", 5)]
    assert rules(text, "keep-in-touch") == []  # telling them about your new job is news, not an ask


def test_rule_informational_interview():
    text = GOOD.replace("a call?", "an informational interview?")
    assert rules(text) == [("informational-interview", 6)]
    assert rules(text.replace("informational interview", "Informational-Interview")) == [
        ("informational-interview", 6)
    ]


def test_rule_no_how_found():
    text = GOOD.replace("I was referred to you by Bo Chen. ", "")
    assert rules(text) == [("no-how-found", 0)]
    assert rules(text.replace("I am a teacher", "I read your post on research ops. I am a teacher")) == []
    assert (
        rules(text.replace("I am a teacher", "Your talk at the meetup stayed with me. I am a teacher")) == []
    )
    assert rules(GOOD, "referral", referrer="Ada Fox") == [("no-how-found", 0)]  # must name the referrer


def test_rule_no_time_ask():
    text = GOOD.replace("20 minutes", "some time")
    assert rules(text) == [("no-time-ask", 0)]
    assert rules(text, "nudge") == [("no-time-ask", 0)]
    assert rules(text, "thank-you") == [] and rules(text, "schedule") == []
    assert rules(GOOD.replace("20 minutes", "twenty minutes")) == []
    assert rules(GOOD.replace("20 minutes", "a 15-minute call")) == []


@pytest.mark.parametrize("ask", ["an hour", "45 minutes", "2 hours", "forty-five minutes"])
def test_rule_too_much_time(ask):
    assert rules(GOOD.replace("20 minutes", ask)) == [("too-much-time", 6)]
    assert rules(GOOD.replace("20 minutes", "half an hour")) == []


def test_rule_unfilled():
    text = GOOD.replace("Jo\n", "Jo\n[your phone]\n{{my_name}}\nSee [my portfolio](https://x.example).\n")
    assert rules(text) == [("unfilled", 10), ("unfilled", 11)]


def test_check_command_on_stdin_and_a_file(sample, tmp_path):
    ok = sample("draft", "--check", input=GOOD)
    assert ok.exit_code == 0 and ok.stdout == "outreach message checked: it follows the guides\n"
    bad = tmp_path / "message.txt"
    bad.write_text(GOOD.replace("a call?", "an informational interview about a job?"), encoding="utf-8")
    result = sample("draft", "--check", "nudge", str(bad))
    assert result.exit_code == 1
    assert result.stdout == (
        f'{bad}:6: warning[asks-for-job] "job": ask for advice and information, never for a job\n'
        f'{bad}:6: warning[informational-interview] "informational interview": ask for "a few minutes '
        'of your time" (say how many) instead\n'
    )
    assert result.stderr == "nudge message checked: 2 warnings\n"
    data = json.loads(sample("draft", "--check", "-", "--format", "json", input="Hi").stdout)
    assert data == {
        "kind": "outreach",
        "path": "<stdin>",
        "warnings": [
            {"line": 0, "message": data["warnings"][0]["message"], "rule": "no-how-found"},
            {"line": 0, "message": data["warnings"][1]["message"], "rule": "no-time-ask"},
        ],
    }
    missing = sample("draft", "--check", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


# --- mailto: and .eml, read back by independent parsers ------------------------------------------


def read_mailto(url: str) -> tuple[str, str, str]:
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "mailto"
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert set(query) == {"subject", "body"} and all(len(v) == 1 for v in query.values())
    return urllib.parse.unquote(parts.path), query["subject"][0], query["body"][0]


def test_mailto_round_trips(sample):
    result = sample("draft", "Maria", "--format", "mailto")
    url = result.stdout.strip()
    assert url.startswith("mailto:m.gonzalez@example.com?subject=Thank%20you%20for%20your%20advice&body=")
    assert " " not in url and "\n" not in url and "%0D%0A" in url
    to, subject, body = read_mailto(url)
    data = json.loads(sample("draft", "Maria", "--format", "json").stdout)
    assert (to, subject, body.replace("\r\n", "\n")) == (data["to"]["email"], data["subject"], data["body"])
    assert data["mailto"] == url


text_st = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=200)


@settings(max_examples=200, deadline=None)
@given(subject=text_st.map(lambda s: " ".join(s.split())), body=text_st)
def test_mailto_round_trips_any_text(subject, body):
    message = Draft("outreach", "Kai Berg", "kai+notes@example.com", subject, body)
    to, got_subject, got_body = read_mailto(drafts.mailto(message))
    assert (to, got_subject, got_body.replace("\r\n", "\n")) == ("kai+notes@example.com", subject, body)


def test_eml_is_read_back_by_the_email_package(sample):
    result = CliRunner().invoke(
        cli, ["--vault", str(sample.root), "--today", TODAY, "draft", "Hannah", "--format", "eml"]
    )
    raw = result.stdout_bytes
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "hannah.liu@example.com"
    assert message["To"].addresses[0].display_name == "Hannah Liu"
    assert message["X-Unsent"] == "1"
    data = json.loads(sample("draft", "Hannah", "--format", "json").stdout)
    assert message["Subject"] == data["subject"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n") == data["body"] + "\n"


line_st = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Cn", "Co", "Zl", "Zp")), max_size=120
)


@settings(max_examples=300, deadline=None)
@given(name=line_st, subject=line_st, body=text_st)
def test_eml_round_trips_any_name_subject_and_body(name, subject, body):
    name, subject = " ".join(name.split()), " ".join(subject.split())
    raw = drafts.eml(Draft("outreach", name, "zoe@example.com", subject, body))
    assert b"\n" not in raw.replace(b"\r\n", b"") and max(map(len, raw.split(b"\r\n"))) <= 998
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "zoe@example.com"
    assert message["To"].addresses[0].display_name == name
    assert str(message["Subject"]) == subject
    assert message.get_content().replace("\r\n", "\n") == body.replace("\r\n", "\n") + "\n"


def test_eml_without_address_has_no_to(sample):
    raw = drafts.eml(Draft("referral", "Dana Whitfield", "", "Hi", "Dear Dana,"))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] is None and message["Subject"] == "Hi"


# --- --open launches the mail client -------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="click.launch runs xdg-open on Linux")
def test_open_hands_the_mailto_url_to_the_mail_client(sample, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.txt"
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{seen}"\n')
    opener.chmod(opener.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = sample("draft", "nudge", "David", "--open")
    assert result.exit_code == 0, result.output
    assert result.stdout == "opened a nudge draft to David Levin in your mail client\n"
    for _ in range(200):  # the client is started, not waited for
        if seen.exists() and seen.read_text():
            break
        import time

        time.sleep(0.02)
    url = seen.read_text()
    assert url == sample("draft", "nudge", "David", "--format", "mailto").stdout.strip()
    assert read_mailto(url)[0] == "david.levin@example.com"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = sample("draft", "nudge", "David", "--open")
    assert missing.exit_code == 2 and "could not open your mail client" in missing.stderr


# --- feed.drafts ---------------------------------------------------------------------------------


def test_feed_carries_drafts_only_when_asked(sample):
    toml = sample.root / "iinotes.toml"
    plain = sample("feed").stdout_bytes
    assert b"Draft message" not in plain
    toml.write_text(toml.read_text().replace("alarms = true", "alarms = true\ndrafts = true"))
    feed = sample("feed").stdout_bytes
    check_lines(feed)
    events = {e["summary"]: e["description"] for e in both_readers(feed)}
    thank = events["Overdue: Thank Maria Gonzalez"]
    body = json.loads(sample("draft", "Maria", "--format", "json").stdout)["body"]
    assert f"Draft message:\nSubject: Thank you for your advice\n\n{body}\nNote: " in thank
    assert "@example.com" not in feed.decode()  # no addresses without private_details
    assert "Draft message:" in events["Nudge Sofia Marchetti (3rd of 3)"]
    assert "Dear Dana," in events["Overdue: Reach out to Dana Whitfield (referred by Priya Raman)"]
    assert "Draft" not in events["Informational interview with Oliver Hughes"]
    toml.write_text(toml.read_text().replace("drafts = true", "drafts = true\nprivate_details = true"))
    private = {e["summary"]: e["description"] for e in both_readers(sample("feed").stdout_bytes)}
    assert (
        "Draft message:\nTo: Maria Gonzalez <m.gonzalez@example.com>\nSubject:"
        in (private["Overdue: Thank Maria Gonzalez"])
    )


def test_feed_is_still_written_when_a_draft_cannot_be(sample):
    toml = sample.root / "iinotes.toml"
    text = toml.read_text().replace("alarms = true", "alarms = true\ndrafts = true")
    toml.write_text(text.split("[me]")[0])
    (sample.root / "templates" / "messages").mkdir(parents=True)
    (sample.root / "templates" / "messages" / "nudge.md").write_text("Subject: x\n{{oops}}\n")
    result = sample("feed")
    assert result.exit_code == 0
    events = {e["summary"]: e["description"] for e in both_readers(result.stdout_bytes)}
    assert (
        "No draft: the thank-you draft needs me.name in iinotes.toml"
        in (events["Overdue: Thank Maria Gonzalez"])
    )
    assert (
        "No draft: templates/messages/nudge.md:2: unknown placeholder {{oops}}"
        in (events["Nudge Sofia Marchetti (3rd of 3)"])
    )


def test_docs_list_every_placeholder_kind_and_rule():
    page = (REPO / "docs" / "drafts.md").read_text(encoding="utf-8")
    for name in drafts.PLACEHOLDERS:
        assert f"| `{{{{{name}}}}}` |" in page, name
    for kind in drafts.KINDS:
        assert f"| `{kind}` |" in page, kind
    for rule in linter.RULES:
        assert f"| `{rule}` |" in page, rule


def test_a_long_lived_vault_sees_template_edits(sample):
    """Watch mode keeps one Vault and reads only the changed paths: a template edit reaches the feed."""
    import datetime as dt

    from iinotes import Vault

    toml = sample.root / "iinotes.toml"
    toml.write_text(toml.read_text().replace("alarms = true", "alarms = true\ndrafts = true"))
    vault = Vault(sample.root, today=dt.date.fromisoformat(TODAY))
    _, _, first = vault.feed()
    template = sample.root / "templates" / "messages" / "nudge.md"
    template.parent.mkdir(parents=True)
    template.write_text("Subject: Hi\n\nHello {{first_name}}, a shorter nudge.\n")
    _, _, second = vault.feed(previous=first, hint=["templates/messages/nudge.md"])
    assert b"a shorter nudge" not in first and b"a shorter nudge" in second
    assert second.count(b"BEGIN:VEVENT") == first.count(b"BEGIN:VEVENT")


@pytest.mark.parametrize(
    "name,move,kind",
    [
        ("Kenji Watanabe", "reach-out", "outreach"),
        ("Aisha Bello", "reach-out", "referral"),
        ("Aisha Bello", "referral", "referral"),
        ("David Levin", "nudge", "nudge"),
        ("Lena Fischer", "confirm", "confirm"),
        ("Nadia Haddad", "schedule", "schedule"),
        ("Lena Fischer", "reschedule", "reschedule"),
        ("Tom Okafor", "keep-in-touch", "keep-in-touch"),
        ("Maria Gonzalez", "thank-you", "thank-you"),
        ("Lena Fischer", "prepare", "confirm"),  # no message: the earliest message follow-up decides
        ("Hannah Liu", "commitment", "keep-in-touch"),
        ("Jamal Wright", "interview", "confirm"),
        ("Kenji Watanabe", None, "outreach"),
    ],
)
def test_next_kind_follows_the_next_move(sample, name, move, kind):
    """The kind of a contact's next move (from the follow-up rules) picks the message."""
    import datetime as dt

    from iinotes import Vault

    index, items = Vault(sample.root, today=dt.date.fromisoformat(TODAY)).follow_ups()
    target = drafts.find_target(index, name)
    assert drafts.next_kind(target, items, move) == kind


def test_next_kind_waiting_after_the_last_nudge_is_no_message(sample):
    import datetime as dt

    from iinotes import Vault
    from iinotes.errors import DraftError

    index, items = Vault(sample.root, today=dt.date.fromisoformat(TODAY)).follow_ups()
    with pytest.raises(DraftError, match="the nudges are done"):
        drafts.next_kind(drafts.find_target(index, "Sofia"), items, "reply")
