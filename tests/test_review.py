"""review and stats: figures checked against vaults counted by hand (empty periods, contacts
without a source, a referral cycle), goldens on sample-vault/, the review note (same bytes when
regenerated, never overwriting an edit), its charts read by Mermaid's own parser, and the weekly
review item."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import REPO
from mermaidcheck import mermaid_parse
from test_golden import check_golden

from iinotes.cli import cli
from iinotes.review_note import mermaid_blocks, note_state

DATA = REPO / "tests" / "data" / "review"
WEDNESDAY = "2026-11-25"  # ISO week 2026-W48: Monday 2026-11-23 to Sunday 2026-11-29


def hand_vault(vault):
    """Five contacts counted by hand in the tests below. Ann referred Bob, who referred Ann (a cycle)."""
    vault.contact(
        "Ann Avery",
        source="alumni",
        tags="[data]",
        added="2026-11-01",
        outreach="[2026-11-02, 2026-11-16]",
        responded="2026-11-18",
    )
    vault.interview(
        "2026-11-20",
        "Ann Avery",
        scheduled="2026-11-20T10:00",
        status="done",
        thank_you_sent="2026-11-21",
        referrals='["[[Bob Brown]]"]',
        commitments="[{task: Send the deck, due: 2026-11-24}, {task: Read the paper, due: 2026-11-26, done: true}]",
    )
    vault.contact(
        "Bob Brown",
        source="referral",
        referred_by='"[[Ann Avery]]"',
        tags="[Data, health]",
        outreach="[2026-11-23]",
        responded="2026-11-24",
    )
    vault.interview(
        "2026-11-24",
        "Bob Brown",
        scheduled="2026-11-24T10:00",
        status="done",
        thank_you_sent="2026-11-24",
        referrals='["[[Ann Avery]]"]',
        commitments="[{task: Share notes, due: 2026-11-27}]",
    )
    vault.contact("Cy Cole", added="2026-11-23")  # no source, no tags: a lead
    vault.contact("Dee Dunn", source="LinkedIn", outreach="[2026-11-23]")
    vault.contact(
        "Eve Ent", source="linkedin", outreach="[2026-10-01]", responded="2026-10-05", touches="[2026-11-24]"
    )
    return vault


def run_json(vault, *args, today=WEDNESDAY):
    result = vault.run(*args, "--format", "json", today=today)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_review_week_counted_by_hand(vault):
    data = run_json(hand_vault(vault), "review", "--week")
    assert data["schema"] == "iinotes.review/1"
    assert data["period"] == {"start": "2026-11-23", "end": "2026-11-29", "label": "2026-W48"}
    assert data["counts"] == {
        "added": 1,  # Cy (Ann was added before the week)
        "outreach": 2,  # Bob, Dee
        "nudges": 0,  # Ann's nudge was the week before
        "replies": 1,  # Bob, one day after the first message
        "median_days_to_reply": 1.0,
        "meetings": 1,  # Bob (Ann's was the week before)
        "thank_yous": 1,
        "thank_yous_within_a_day": 1,
        "commitments_done": 1,  # "Read the paper"
        "commitments_slipped": 1,  # "Send the deck", due Tuesday
        "commitments_open": 1,  # "Share notes", due Friday
        "referrals": 1,  # Bob referred Ann back on Tuesday
        "touches": 1,  # Eve
        "overdue": 3,  # the slipped commitment; proposing a time to Eve (she answered on 10-05, no
        # meeting since); Monday's reach-out to the lead Cy (the weekly review item is left out)
        "coming": 1,  # "Share notes"
    }
    assert [(e["day"], e["kind"], e["person"]) for e in data["events"]] == [
        ("2026-11-23", "added", "Cy Cole"),
        ("2026-11-23", "outreach", "Bob Brown"),
        ("2026-11-23", "outreach", "Dee Dunn"),
        ("2026-11-24", "reply", "Bob Brown"),
        ("2026-11-24", "meeting", "Bob Brown"),
        ("2026-11-24", "thank-you", "Bob Brown"),
        ("2026-11-24", "referral", "Ann Avery"),
        ("2026-11-24", "touch", "Eve Ent"),
    ]
    referral = data["events"][6]
    assert (referral["by"], referral["sentence"]) == ("Bob Brown", "Bob Brown referred you to Ann Avery")
    assert [(c["task"], c["state"]) for c in data["commitments"]] == [
        ("Send the deck", "slipped"),
        ("Read the paper", "done"),
        ("Share notes", "open"),
    ]
    assert [i["title"] for i in data["overdue"]] == [
        "Propose a time to Eve Ent",
        "Reach out to 1 new contact: Cy Cole",
        "Send the deck (for Ann Avery)",
    ]


def test_review_last_week_and_a_month(vault):
    hand_vault(vault)
    week = run_json(vault, "review", "--since", "2026-11-16", "--until", "2026-11-22")["counts"]
    assert (week["outreach"], week["nudges"], week["replies"], week["meetings"]) == (0, 1, 1, 1)
    assert (week["median_days_to_reply"], week["thank_yous"], week["thank_yous_within_a_day"]) == (16.0, 1, 1)
    assert week["referrals"] == 1  # Ann referred Bob at the meeting on the 20th
    month = run_json(vault, "review", "--month")
    assert month["period"] == {"start": "2026-11-01", "end": "2026-11-30", "label": "2026-11"}
    counts = month["counts"]
    assert (counts["added"], counts["outreach"], counts["nudges"], counts["replies"]) == (2, 3, 1, 2)
    assert (counts["median_days_to_reply"], counts["meetings"], counts["referrals"]) == (8.5, 2, 2)
    text = vault.run("review", "--month", "--format", "md", today=WEDNESDAY).stdout
    assert text.startswith("---\ntype: review\nperiod: 2026-11\nperiod_start: 2026-11-01\n")
    assert "\n# Review 2026-11\n" in text and "|  | in the period |" in text
    assert note_state(text) == "unedited"


def test_an_empty_period_and_an_empty_vault(vault):
    hand_vault(vault)
    data = run_json(vault, "review", "--since", "2025-01-01", "--until", "2025-01-31")
    assert data["events"] == [] and data["commitments"] == []
    counts = data["counts"]
    assert counts["median_days_to_reply"] is None
    assert all(v == 0 for k, v in counts.items() if k not in ("median_days_to_reply", "overdue", "coming"))
    text = vault.run("review", "--since", "2025-01-01", "--until", "2025-01-31", today=WEDNESDAY).output
    assert "What happened:\n  nothing recorded\n" in text
    assert "  Replies                 0\n" in text

    empty = vault.root.parent / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        cli, ["--vault", str(empty), "--today", WEDNESDAY, "stats", "--format", "json"]
    )
    stats = json.loads(result.stdout)
    assert [f["count"] for f in stats["funnel"]] == [0, 0, 0, 0, 0]
    assert stats["overall"]["reply_rate"] is None and stats["referrals"]["per_meeting"] is None
    assert stats["by_source"] == [] and stats["referrals"]["tree"] == []
    text = CliRunner().invoke(cli, ["--vault", str(empty), "--today", WEDNESDAY, "stats"]).output
    assert text.endswith("Referral tree:\n  no referrals yet\n")


def test_stats_counted_by_hand(vault):
    data = run_json(hand_vault(vault), "stats")
    assert data["schema"] == "iinotes.stats/1"
    assert [(f["stage"], f["count"]) for f in data["funnel"]] == [
        ("leads", 5),
        ("reached", 4),  # all but Cy
        ("replied", 3),  # Ann, Bob, Eve
        ("met", 2),  # Ann, Bob
        ("referred", 2),  # Ann and Bob referred each other
    ]
    assert [f["from_previous"] for f in data["funnel"]] == [None, 0.8, 0.75, 0.6667, 1.0]
    overall = data["overall"]
    assert (overall["reply_rate"], overall["median_days_to_reply"], overall["replies_timed"]) == (
        0.75,
        4.0,
        3,
    )
    # "LinkedIn" and "linkedin" are one source, shown as first spelled (contacts by name); no source last
    assert [
        (g["name"], g["leads"], g["reached"], g["replied"], g["reply_rate"]) for g in data["by_source"]
    ] == [
        ("LinkedIn", 2, 2, 1, 0.5),
        ("alumni", 1, 1, 1, 1.0),
        ("referral", 1, 1, 1, 1.0),
        ("(no source)", 1, 0, 0, None),
    ]
    tags = {g["name"]: g for g in data["by_tag"]}
    assert list(tags) == ["data", "health", "(no tags)"]  # "Data" and "data" are one tag
    assert (tags["data"]["leads"], tags["data"]["median_days_to_reply"], tags["data"]["referred"]) == (
        2,
        8.5,
        2,
    )
    assert (tags["(no tags)"]["leads"], tags["(no tags)"]["replied"]) == (3, 1)
    referrals = data["referrals"]
    assert (referrals["total"], referrals["meetings"], referrals["per_meeting"]) == (2, 2, 1.0)
    assert referrals["tree"] == [
        {
            "name": "Ann Avery",
            "path": "contacts/Ann Avery.md",
            "again": None,
            "referred": [
                {
                    "name": "Bob Brown",
                    "path": "contacts/Bob Brown.md",
                    "again": None,
                    "referred": [
                        {
                            "name": "Ann Avery",
                            "path": "contacts/Ann Avery.md",
                            "again": "cycle",
                            "referred": [],
                        }
                    ],
                }
            ],
        }
    ]
    text = vault.run("stats", today=WEDNESDAY).output
    assert "  Ann Avery\n  └─ Bob Brown\n     └─ Ann Avery (cycle: already above on this branch)\n" in text


def test_stats_csv(vault):
    text = hand_vault(vault).run("stats", "--format", "csv", today=WEDNESDAY).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "group_by": "all",
        "group": "all contacts",
        "leads": "5",
        "reached": "4",
        "replied": "3",
        "reply_rate": "0.75",
        "median_days_to_reply": "4.0",
        "met": "2",
        "referred": "2",
    }
    assert [(r["group_by"], r["group"]) for r in rows[1:]] == [
        ("source", "LinkedIn"),
        ("source", "alumni"),
        ("source", "referral"),
        ("source", "(no source)"),
        ("tag", "data"),
        ("tag", "health"),
        ("tag", "(no tags)"),
    ]
    assert rows[4]["reply_rate"] == "" and rows[4]["median_days_to_reply"] == ""


def test_referral_tree_second_referrer_and_referred_by_dates(vault):
    vault.contact("Amy", outreach="[2026-11-01]", responded="2026-11-02")
    vault.interview("2026-11-03", "Amy", scheduled="2026-11-03", status="done", referrals='["[[Cal]]"]')
    vault.contact("Ben", outreach="[2026-11-01]", responded="2026-11-02")
    vault.interview(
        "2026-11-04", "Ben", scheduled="2026-11-04", status="done", referrals='["[[Cal]]", "[[Zed]]"]'
    )
    vault.contact("Cal", referred_by='"[[Amy]]"', outreach="[2026-11-10]")
    vault.contact("Dot", referred_by='"[[Cal]]"', added="2026-11-12")  # referred_by only: dated by `added`
    text = vault.run("stats", today=WEDNESDAY).output
    assert text.endswith(
        "Referral tree:\n  Amy\n  └─ Cal\n     └─ Dot\n  Ben\n  ├─ Cal (see above)\n  └─ Zed (no contact note)\n"
    )
    events = run_json(vault, "review", "--month")["events"]
    assert [(e["day"], e["by"], e["person"]) for e in events if e["kind"] == "referral"] == [
        ("2026-11-03", "Amy", "Cal"),
        ("2026-11-04", "Ben", "Cal"),
        ("2026-11-04", "Ben", "Zed"),
        ("2026-11-12", "Cal", "Dot"),
    ]


def test_bad_period_options(vault):
    hand_vault(vault)
    for args, message in [
        (("--since", "2026-11-20", "--until", "2026-11-01"), "ends (2026-11-01) before it starts"),
        (("--until", "2026-11-01"), "--until needs --since"),
        (("--month", "--since", "2026-11-01"), "do not go together"),
        (("--since", "yesterday"), "is not a date"),
        (("--month", "--write"), "--write saves the review of this ISO week only"),
    ]:
        result = vault.run("review", *args, today=WEDNESDAY)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)


# --- the review note -----------------------------------------------------------------------------


def test_write_is_stable_and_keeps_edits(vault):
    hand_vault(vault)
    note = vault.root / "reviews" / "2026-W48.md"
    assert vault.run("review", "--write", today=WEDNESDAY).output == "reviews/2026-W48.md: wrote\n"
    first = note.read_bytes()
    assert first.decode() == vault.run("review", "--format", "md", today=WEDNESDAY).stdout
    assert vault.run("review", "--write", today=WEDNESDAY).output == "reviews/2026-W48.md: unchanged\n"
    assert note.read_bytes() == first and note_state(first.decode()) == "unedited"

    vault.contact("Fay Fox", added="2026-11-25")  # new data: an unedited note is brought up to date
    assert vault.run("review", "--write", today=WEDNESDAY).output == "reviews/2026-W48.md: updated\n"
    assert "| Contacts added | 2 |" in note.read_text()

    edited = note.read_text().replace("## What happened\n", "## What happened\n\nMy own words.\n")
    note.write_text(edited)
    assert note_state(edited) == "edited"
    vault.contact("Gus Gray", added="2026-11-25")
    refused = vault.run("review", "--write", today=WEDNESDAY)
    assert refused.exit_code == 1
    assert "reviews/2026-W48.md was edited since iinotes wrote it; it was left as it is" in refused.stderr
    assert "--force" in refused.stderr and note.read_text() == edited
    assert (
        vault.run("review", "--write", "--force", today=WEDNESDAY).output == "reviews/2026-W48.md: updated\n"
    )
    assert "My own words." not in note.read_text() and note_state(note.read_text()) == "unedited"

    property_added = note.read_text().replace("type: review\n", "type: review\ntags: [weekly]\n")
    note.write_text(property_added)  # as Obsidian's property editor would
    assert vault.run("review", "--write", today=WEDNESDAY).exit_code == 1


def test_line_endings_changed_by_a_checkout_are_not_an_edit(vault):
    hand_vault(vault)
    vault.run("review", "--write", today=WEDNESDAY)
    note = vault.root / "reviews" / "2026-W48.md"
    crlf = note.read_bytes().replace(b"\n", b"\r\n")
    note.write_bytes(crlf)  # git's autocrlf on Windows
    assert note_state(crlf.decode()) == "unedited"
    assert vault.run("review", "--write", today=WEDNESDAY).output == "reviews/2026-W48.md: unchanged\n"
    assert note.read_bytes() == crlf
    vault.contact("Fay Fox", added="2026-11-25")
    assert vault.run("review", "--write", today=WEDNESDAY).output == "reviews/2026-W48.md: updated\n"


def test_write_never_replaces_a_note_it_did_not_write(vault):
    hand_vault(vault)
    mine = vault.add("reviews/2026-W48.md", "# My own weekly notes\n")
    result = vault.run("review", "--write", today=WEDNESDAY)
    assert result.exit_code == 1 and "is not a review note iinotes wrote" in result.stderr
    assert mine.read_text() == "# My own weekly notes\n"


def test_review_note_is_ignored_by_validate_and_the_rules(vault):
    hand_vault(vault)
    before = vault.run("validate", "--strict", today=WEDNESDAY)
    due_before = run_json(vault, "due", "--days", "30")["followups"]
    vault.run("review", "--write", today=WEDNESDAY)
    after = vault.run("validate", "--strict", today=WEDNESDAY)
    assert (after.exit_code, after.output) == (before.exit_code, before.output)
    due_after = run_json(vault, "due", "--days", "30")["followups"]
    assert [i for i in due_before if i["kind"] != "review"] == due_after  # only the review item went


def test_note_names_and_links_survive_odd_characters(vault):
    vault.add(
        "contacts/Zoe.md",
        """
        ---
        type: contact
        name: 'Zoë "Z" O''Neil'
        source: a|b
        outreach: [2026-11-01]
        responded: 2026-11-02
        ---
        """,
    )
    vault.add(
        "interviews/2026-11-03 Zoe.md",
        """
        ---
        type: interview
        contact: "[[Zoe]]"
        scheduled: 2026-11-03
        status: done
        referrals: ["[[Q \\"quote\\" <b> & co]]", "[[Self]]"]
        ---
        """,
    )
    vault.add("contacts/Self.md", '---\ntype: contact\nname: Robin Self\nreferred_by: "[[Self]]"\n---\n')
    assert "0 errors" in vault.run("validate", today=WEDNESDAY).output
    text = vault.run("review", "--format", "md", today=WEDNESDAY).stdout
    assert "| a\\|b |" in text  # a table cell
    assert '["Q #quot;quote#quot; #lt;b#gt; & co (no note)"]' in text  # a chart label
    assert '- [[Zoe|Zoë "Z" O\'Neil]]\n  - Q "quote" <b> & co\n' in text
    assert "  - [[Self|Robin Self]]\n    - [[Self|Robin Self]] (cycle: already above on this branch)" in text
    charts = mermaid_blocks(text)
    assert len(charts) == 3
    assert [r["ok"] for r in mermaid_parse(charts)] == [True, True, True]


def charts_of(vault, today=WEDNESDAY):
    return mermaid_blocks(vault.run("review", "--format", "md", today=today).stdout)


def test_mermaid_parses_every_chart(vault, make_vault):
    hand_vault(vault)
    empty = make_vault("empty")
    cases = {"hand": charts_of(vault), "empty": charts_of(empty)}
    assert [len(c) for c in cases.values()] == [3, 2]  # no referrals: no tree chart
    results = mermaid_parse([chart for charts in cases.values() for chart in charts])
    assert [r.get("type") for r in results] == ["flowchart-v2", "xychart", "flowchart-v2"] + [
        "flowchart-v2",
        "xychart",
    ], results
    broken = mermaid_parse(["flowchart LR\n  a -->"])  # the parser really checks
    assert broken[0]["ok"] is False


# --- sample-vault/: goldens and a hand count ------------------------------------------------------


@pytest.fixture
def sample(tmp_path):
    target = tmp_path / "sample-vault"
    shutil.copytree(REPO / "sample-vault", target, ignore=shutil.ignore_patterns(".iinotes"))

    def run(*args, today=WEDNESDAY):
        return CliRunner().invoke(cli, ["--vault", str(target), "--today", today, *args])

    run.root = target  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(
    "name,args",
    [
        ("review.txt", ("review",)),
        ("review.json", ("review", "--format", "json")),
        ("review.md", ("review", "--format", "md")),
        ("stats.txt", ("stats",)),
        ("stats.json", ("stats", "--format", "json")),
        ("stats.csv", ("stats", "--format", "csv")),
    ],
)
def test_sample_vault_golden(sample, name, args):
    result = sample(*args)
    assert result.exit_code == 0, result.output
    check_golden(DATA / f"sample-vault.{name}", result.stdout)


def test_sample_vault_counted_by_hand(sample):
    stats = json.loads(sample("stats", "--format", "json").stdout)
    # 21 contacts; not reached: Aisha, Kenji, Ines, Wen, Fatima; no reply yet: David, Greg, Rachel,
    # Sofia; met: Ben, Hannah, Lena (on the 24th), Maria, Priya, Tom (Zoë's call was a no-show);
    # referred you on: Ben, Hannah, Priya, Tom
    assert [f["count"] for f in stats["funnel"]] == [21, 16, 12, 6, 4]
    # first message -> reply: Ben 2, Hannah 2, Jamal 8, Lena 1, Marcus 6, Maria 3, Nadia 9, Oliver 7,
    # Priya 2, Samir 0, Tom 1, Zoë 2 -> sorted 0 1 1 2 2 2 2 3 6 7 8 9 -> median 2.0
    assert stats["overall"]["median_days_to_reply"] == 2.0
    # referrals: Ben->Maria, Hannah->Nadia, Hannah->Rachel, Priya->Tom, Priya->Dana, Tom->Aisha;
    # meetings held: Ben x2, Priya x2, Tom, Hannah, Maria, Lena (the cancelled and no-show ones do not count)
    referrals = stats["referrals"]
    assert (referrals["total"], referrals["meetings"]) == (6, 8)
    week = json.loads(sample("review", "--format", "json").stdout)["counts"]
    assert (week["meetings"], week["outreach"], week["replies"]) == (1, 0, 0)  # Lena on Tuesday


def test_sample_vault_note_parses_in_mermaid(sample):
    assert sample("review", "--write").output == "reviews/2026-W48.md: wrote\n"
    text = (sample.root / "reviews" / "2026-W48.md").read_text()
    results = mermaid_parse(mermaid_blocks(text))
    assert [r.get("type") for r in results] == ["flowchart-v2", "xychart", "flowchart-v2"], results
    assert "35 notes checked" in sample("validate").output  # the review note is not one of ours


# --- the weekly review item ------------------------------------------------------------------------


def review_items(vault, today):
    return [
        i for i in run_json(vault, "due", "--days", "14", today=today)["followups"] if i["kind"] == "review"
    ]


def test_weekly_item_one_per_week_closed_by_the_note(vault):
    vault.contact("Jane Doe", outreach="[2026-11-01]")
    monday = review_items(vault, "2026-11-23")
    assert [(i["due"], i["title"], i["overdue"]) for i in monday] == [
        ("2026-11-27", "Weekly review (2026-W48)", False)
    ]
    sunday = review_items(vault, "2026-11-29")
    assert [(i["due"], i["overdue"], i["uid"]) for i in sunday] == [("2026-11-27", True, monday[0]["uid"])]
    next_week = review_items(vault, "2026-12-01")  # last week's is gone, not piled up as overdue
    assert [(i["due"], i["overdue"]) for i in next_week] == [("2026-12-04", False)]
    assert next_week[0]["uid"] != monday[0]["uid"]
    vault.run("review", "--write", today="2026-11-24")
    assert review_items(vault, "2026-11-25") == []
    feed = vault.run("feed", today="2026-11-25").stdout
    assert "Weekly review" not in feed
    assert "Weekly review (2026-W49)" in vault.run("feed", today="2026-11-30").stdout


def test_weekly_item_setting(vault):
    vault.contact("Jane Doe", outreach="[2026-11-01]")
    vault.add("iinotes.toml", '[followups]\nreview_weekday = "Monday"\n')
    assert [i["due"] for i in review_items(vault, "2026-11-25")] == ["2026-11-23"]
    vault.add("iinotes.toml", '[followups]\nreview_weekday = ""\n')
    assert review_items(vault, "2026-11-25") == []
    vault.add("iinotes.toml", '[followups]\nreview_weekday = "funday"\n')
    result = vault.run("due", today="2026-11-25")
    assert result.exit_code == 2 and "followups.review_weekday: expected a day of the week" in result.stderr


def test_write_error_is_a_message_not_a_traceback(vault):
    hand_vault(vault)
    vault.add("reviews", "a file where the folder should be")
    result = vault.run("review", "--write", today=WEDNESDAY)
    assert result.exit_code == 1 and result.stderr.startswith("iinotes: error: Not a directory (")
    assert "  hint: a part of the path is a file, not a folder: check the path\n" in result.stderr


def test_mermaid_parses_charts_of_any_names():
    """Names from a nasty alphabet (quotes, brackets, #, ;, |, backticks, entities, emoji, RTL),
    with cycles and self-referrals: every chart still parses."""
    import datetime as dt
    import random

    from iinotes.review import Group, Stats, referral_tree
    from iinotes.review_note import activity_chart, funnel_chart, referral_chart

    rng = random.Random(14)
    alphabet = (
        list("abcXYZ éøß漢字")
        + list("\"'`#;:|[](){}<>&%@!?*_-=+/\\~^$,.")
        + ["🙂", "\u05d0", "#quot;", "end"]
    )

    def name() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))).strip() or "x"

    charts = []
    for _ in range(40):
        people = [
            (name(), f"contacts/{n}.md" if rng.random() < 0.7 else None) for n in range(rng.randint(1, 6))
        ]
        people = [(n, p.replace("contacts/", f"contacts/{n}") if p else None) for n, p in people]
        edges = []
        for _ in range(rng.randint(1, 8)):
            (a, ap), (b, bp) = rng.choice(people), rng.choice(people)
            if ap is not None:
                edges.append((a, ap, b, bp))
        if not edges:
            continue
        group = Group("all", 5, 4, 3, 2, 1, (1, 2))
        stats = Stats(dt.date(2026, 11, 25), group, (), (), 2, len(edges), tuple(edges), referral_tree(edges))
        charts += [referral_chart(stats), funnel_chart(stats)]
    charts.append(activity_chart([(f"2026-W{n:02d}", {"messages": n, "meetings": 0}) for n in range(1, 13)]))
    results = mermaid_parse(charts)
    failed = [(chart, r) for chart, r in zip(charts, results, strict=True) if not r["ok"]]
    assert not failed, failed[:2]


def test_a_referral_named_again_counts_once(vault):
    vault.contact("Amy", outreach="[2026-11-01]", responded="2026-11-02")
    vault.interview("2026-11-03", "Amy", scheduled="2026-11-03", status="done", referrals='["[[Cal]]"]')
    vault.interview("2026-11-24", "Amy", scheduled="2026-11-24", status="done", referrals='["[[Cal]]"]')
    month = run_json(vault, "review", "--month")["counts"]
    week = run_json(vault, "review", "--week")["counts"]
    assert (month["referrals"], month["meetings"], week["referrals"], week["meetings"]) == (1, 2, 0, 1)
    assert run_json(vault, "stats")["referrals"]["total"] == 1


def test_same_bytes_whatever_the_machine_zone_and_locale(vault):
    import os
    import subprocess
    import sys

    hand_vault(vault)
    vault.add("iinotes.toml", 'timezone = "Europe/Paris"\n')  # without it, the machine's zone is the vault's
    outputs = set()
    for zone, lang in (("UTC", "C.UTF-8"), ("Pacific/Kiritimati", "de_DE.UTF-8"), ("America/Adak", "fr_FR")):
        env = {**os.environ, "TZ": zone, "LANG": lang, "LC_ALL": lang}
        args = ["--vault", str(vault.root), "--today", WEDNESDAY, "review", "--format", "md"]
        result = subprocess.run(
            [sys.executable, "-m", "iinotes", *args], capture_output=True, env=env, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
