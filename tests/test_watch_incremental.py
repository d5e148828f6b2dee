"""Watch rebuilds update the follow-ups and the feed for what a change reaches (pipeline.Build):
after every kind of edit, one long-lived Vault gives exactly what a fresh full build gives."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_feed import every_kind

TODAY = dt.date(2026, 11, 23)
SETTINGS = 'timezone = "America/New_York"\n[feed]\nname = "Test feed"\nprivate_details = true\n'
STAMP = [1_700_000_000]
EXAMPLES = itertools.count()


def write(path: Path, text: str | None) -> None:
    """Write (None: delete) a note with a modification time no other write used, in the past (no
    racy window to wait out)."""
    if text is None:
        path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    STAMP[0] += 1
    os.utime(path, (STAMP[0], STAMP[0]))


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    write(path, text.replace(old, new, 1))


def rename(root: Path, old: str, new: str) -> None:
    os.replace(root / old, root / new)


class Spy:
    """Counts how often the incremental updates ran and gave a result (else the full build ran)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from iinotes import followups, ics

        self.follow_ups: list[bool] = []
        self.render: list[bool] = []
        for module, name, record in (
            (followups, "update_follow_ups", self.follow_ups),
            (ics, "update_render", self.render),
        ):
            real = getattr(module, name)

            def spy(*args, _real=real, _record=record, **kwargs):  # type: ignore[no-untyped-def]
                result = _real(*args, **kwargs)
                _record.append(result is not None)
                return result

            monkeypatch.setattr(module, name, spy)


def same_as_fresh(live, previous: bytes | None, hint, label: object) -> bytes:  # type: ignore[no-untyped-def]
    """The live Vault's feed for `hint`, checked against a fresh Vault's: bytes, follow-ups (their
    repr: date-times with their zones), events shown, index and problems."""
    from iinotes import Vault
    from iinotes.output import index_json

    index, shown, data = live.feed(previous, hint=hint)
    fresh = Vault(live.root, settings=live.settings, today=live.pinned_today, use_cache=False)
    fresh_index, fresh_shown, fresh_data = fresh.feed(previous)
    assert data == fresh_data, label
    assert [repr(item) for item in live.follow_ups(index)[1]] == [
        repr(item) for item in fresh.follow_ups(fresh_index)[1]
    ], label
    assert [repr(item) for item in shown] == [repr(item) for item in fresh_shown], label
    assert index_json(index) == index_json(fresh_index), label
    assert index.problems == fresh_index.problems, label
    return data


def referral_vault(vault) -> None:  # type: ignore[no-untyped-def]
    every_kind(vault)
    vault.add("iinotes.toml", SETTINGS)
    vault.contact("Olga Open", outreach="[2026-11-20]")
    vault.interview(
        "2026-11-10", "Olga Open", scheduled="2026-11-10T10:00", status="done", referrals='["[[Nor]]"]'
    )


def test_a_long_lived_vault_updated_edit_by_edit_equals_a_full_build(vault, monkeypatch):
    """Every kind of edit, one after another, on one Vault (as watch keeps it): after each, the
    feed bytes, the follow-ups, the index and the problems equal a fresh full build's; and most
    rebuilds were updates of the follow-ups and of the feed, not full builds."""
    from iinotes import Vault
    from iinotes.settings import load_settings

    referral_vault(vault)
    root = vault.root
    spy = Spy(monkeypatch)
    live = Vault(root, today=TODAY, use_cache=False)
    _, _, previous = live.feed()
    contacts, interviews = "contacts/", "interviews/"
    dan = f"{interviews}2026-11-20 Dan Done.md"
    ivy = f"{interviews}2026-11-26 Ivy Upcoming.md"
    rita = f"{contacts}Rita Referral.md"
    nora = f"{contacts}Nora Nudge.md"
    edits: list[tuple[str, list[str] | None, Callable[[], None]]] = [
        (
            "referred person gets a note",
            [rita],
            lambda: write(root / rita, "---\ntype: contact\nid: c-rita\n---\n"),
        ),
        (
            "referred person reached",
            [rita],
            lambda: change(root / rita, "id: c-rita\n", "id: c-rita\noutreach: [2026-11-22]\n"),
        ),
        (
            "referred person's outreach undone",
            [rita],
            lambda: change(root / rita, "outreach: [2026-11-22]\n", ""),
        ),
        (
            "referred person's email (private details)",
            [rita],
            lambda: change(root / rita, "id: c-rita\n", "id: c-rita\nemail: rita@example.com\n"),
        ),
        (
            "referred person's name",
            [rita],
            lambda: change(root / rita, "id: c-rita\n", "id: c-rita\nname: Rita R.\n"),
        ),
        (
            "referred person refers back",
            [rita],
            lambda: change(root / rita, "id: c-rita\n", 'id: c-rita\nreferred_by: "[[Dan Done]]"\n'),
        ),
        ("referral removed at the source", [dan], lambda: change(root / dan, ', "[[Ivy Upcoming]]"', "")),
        (
            "referral added at the source",
            [dan],
            lambda: change(root / dan, '"[[Rita Referral]]"', '"[[Rita Referral]]", "[[Sam Schedule]]"'),
        ),
        (
            "alias makes a link resolve",
            [nora],
            lambda: change(root / nora, "type: contact\n", "type: contact\naliases: [Nor]\n"),
        ),
        ("alias removed", [nora], lambda: change(root / nora, "aliases: [Nor]\n", "")),
        ("meeting moved", [ivy], lambda: change(root / ivy, "T14:30", "T16:00")),
        (
            "meeting moved to another day",
            [ivy],
            lambda: change(root / ivy, "2026-11-26T16:00", "2026-11-28T09:00"),
        ),
        (
            "meeting cancelled",
            [ivy],
            lambda: change(root / ivy, "type: interview\n", "type: interview\nstatus: cancelled\n"),
        ),
        (
            "meeting added",
            [f"{interviews}2026-11-30 Sam Schedule.md"],
            lambda: write(
                root / interviews / "2026-11-30 Sam Schedule.md",
                '---\ntype: interview\nid: i-sam\ncontact: "[[Sam Schedule]]"\nscheduled: 2026-11-30T11:00\nstatus: scheduled\n---\n',
            ),
        ),
        (
            "meeting reassigned",
            [f"{interviews}2026-11-30 Sam Schedule.md"],
            lambda: change(
                root / interviews / "2026-11-30 Sam Schedule.md", "[[Sam Schedule]]", "[[Leo Lead]]"
            ),
        ),
        (
            "paused",
            [nora],
            lambda: change(
                root / nora, "type: contact\n", "type: contact\nstatus: paused\nresume: 2026-12-01\n"
            ),
        ),
        ("resumed", [nora], lambda: change(root / nora, "status: paused\nresume: 2026-12-01\n", "")),
        (
            "declined",
            [f"{contacts}Sam Schedule.md"],
            lambda: change(
                root / contacts / "Sam Schedule.md", "type: contact\n", "type: contact\nstatus: declined\n"
            ),
        ),
        (
            "broken",
            [f"{contacts}Kim Kept.md"],
            lambda: change(root / contacts / "Kim Kept.md", "keep_in_touch:", "keep_in_touch: [\n"),
        ),
        (
            "fixed",
            [f"{contacts}Kim Kept.md"],
            lambda: change(root / contacts / "Kim Kept.md", "keep_in_touch: [\n", "keep_in_touch:"),
        ),
        (
            "renamed",
            [f"{contacts}Mia Manual.md", f"{contacts}Mia Manuel.md"],
            lambda: rename(root, f"{contacts}Mia Manual.md", f"{contacts}Mia Manuel.md"),
        ),
        (
            "contact of a meeting deleted",
            [f"{contacts}Lena London.md"],
            lambda: write(root / contacts / "Lena London.md", None),
        ),
        (
            "meeting without contact changed",
            [f"{interviews}2026-11-24 Lena London.md"],
            lambda: change(root / interviews / "2026-11-24 Lena London.md", "T09:00", "T10:00"),
        ),
        (
            "contact back",
            [f"{contacts}Lena London.md"],
            lambda: write(root / contacts / "Lena London.md", "---\ntype: contact\nid: c-lena\n---\n"),
        ),
        (
            "case-only rename",
            [f"{contacts}Leo Lead.md", f"{contacts}leo lead.md"],
            lambda: rename(root, f"{contacts}Leo Lead.md", f"{contacts}leo lead.md"),
        ),
        (
            "new lead",
            [f"{contacts}Zed New.md"],
            lambda: write(
                root / contacts / "Zed New.md", "---\ntype: contact\nid: c-zed\nadded: 2026-10-01\n---\n"
            ),
        ),
        (
            "lead reached this week",
            [f"{contacts}Zed New.md"],
            lambda: change(root / contacts / "Zed New.md", "added:", "outreach: [2026-11-23]\nadded:"),
        ),
        (
            "no longer a note",
            [f"{contacts}Quinn Quiet.md"],
            lambda: change(root / contacts / "Quinn Quiet.md", "type: contact", "type: nothing"),
        ),
        (
            "a note again",
            [f"{contacts}Quinn Quiet.md"],
            lambda: change(root / contacts / "Quinn Quiet.md", "type: nothing", "type: contact"),
        ),
        (
            "unrelated edit",
            [f"{contacts}Dan Done.md"],
            lambda: change(root / contacts / "Dan Done.md", "---\n\n", "---\nmore\n"),
        ),
        ("nothing changed", [f"{contacts}Dan Done.md"], lambda: None),
        (
            "a review written",
            ["reviews/2026-W48.md"],
            lambda: write(root / "reviews" / "2026-W48.md", "# review\n"),
        ),
        ("referral to a deleted person", [rita], lambda: write(root / rita, None)),
        (
            "many at once",
            None,
            lambda: [
                change(root / p, "type: contact\n", "type: contact\ntags: [x]\n")
                for p in (f"{contacts}Dan Done.md", nora, f"{contacts}Olga Open.md")
            ],
        ),
        ("after a full scan", [nora], lambda: change(root / nora, "tags: [x]\n", "")),
    ]
    for number, (label, hint, edit) in enumerate(edits):
        edit()
        previous = same_as_fresh(live, previous, hint, (number, label))
    write(root / "iinotes.toml", SETTINGS.replace("[feed]", "[feed]\nhorizon_days = 30"))
    live.settings = load_settings(root)  # as watch reloads them: everything is made again
    previous = same_as_fresh(live, previous, None, "settings")
    change(root / nora, "type: contact\n", "type: contact\nphone: 555-0199\n")
    previous = same_as_fresh(live, previous, [nora], "after settings")
    live.pinned_today = TODAY + dt.timedelta(days=1)  # midnight
    previous = same_as_fresh(live, previous, [], "a new day")
    change(root / nora, "phone: 555-0199\n", "")
    previous = same_as_fresh(live, previous, [nora], "after a new day")
    assert spy.follow_ups.count(True) >= 25 and spy.render.count(True) >= 25, (spy.follow_ups, spy.render)


EDITS = [
    ("contacts/Rita Referral.md", "---\ntype: contact\nid: c-rita\n---\n"),
    ("contacts/Rita Referral.md", "---\ntype: contact\nid: c-rita\noutreach: [2026-11-22]\n---\n"),
    ("contacts/Rita Referral.md", "---\ntype: contact\nid: c-rita\nemail: r@example.com\n---\n"),
    ("contacts/Rita Referral.md", None),
    (
        "contacts/Nora Nudge.md",
        "---\ntype: contact\nid: c-nora\naliases: [Nor]\noutreach: [2026-11-02]\n---\n",
    ),
    ("contacts/Nora Nudge.md", "---\ntype: contact\nid: c-nora\noutreach: [2026-11-02, 2026-11-16]\n---\n"),
    ("contacts/Nora Nudge.md", "---\ntype: contact\nid: c-nora\nstatus: paused\nresume: 2026-11-24\n---\n"),
    ("contacts/Nora Nudge.md", None),
    ("contacts/Leo Lead.md", "---\ntype: contact\nid: c-leo\nadded: 2026-11-01\n---\n"),
    ("contacts/Leo Lead.md", "---\ntype: contact\nid: c-leo\noutreach: [2026-11-23]\n---\n"),
    ("contacts/Leo Lead.md", "---\ntype: contact\nid: c-leo\nfollow_up: [\n---\n"),
    ("contacts/Leo Lead.md", None),
    (
        "interviews/2026-11-20 Dan Done.md",
        '---\ntype: interview\nid: i-dan\ncontact: "[[Dan Done]]"\nscheduled: 2026-11-20T10:00\nstatus: done\nreferrals: ["[[Rita Referral]]", "[[Nor]]"]\n---\n',
    ),
    (
        "interviews/2026-11-20 Dan Done.md",
        '---\ntype: interview\nid: i-dan\ncontact: "[[Dan Done]]"\nscheduled: 2026-11-20T10:00\nstatus: done\nreferrals: ["[[Leo Lead]]"]\n---\n',
    ),
    (
        "interviews/2026-11-20 Dan Done.md",
        '---\ntype: interview\nid: i-dan\ncontact: "[[Leo Lead]]"\nscheduled: 2026-11-27T10:00\n---\n',
    ),
    ("interviews/2026-11-20 Dan Done.md", None),
    (
        "interviews/2026-11-26 Ivy Upcoming.md",
        '---\ntype: interview\nid: i-ivy\ncontact: "[[Ivy Upcoming]]"\nscheduled: 2026-11-26T16:00\n---\n',
    ),
    (
        "interviews/2026-11-26 Ivy Upcoming.md",
        '---\ntype: interview\nid: i-ivy\ncontact: "[[Nora Nudge]]"\nscheduled: 2026-11-25\nstatus: cancelled\n---\n',
    ),
    (
        "interviews/2026-11-26 Ivy Upcoming.md",
        '---\ntype: interview\nid: i-ivy\ncontact: "[[Nobody]]"\nscheduled: 2026-11-29T09:00\nstatus: scheduled\n---\n',
    ),
    ("contacts/Dan Done.md", "---\ntype: contact\nid: c-dan\naliases: [Rita Referral]\n---\n"),
    ("contacts/Dan Done.md", '---\ntype: contact\nid: c-dan\nreferred_by: "[[Nora Nudge]]"\n---\n'),
    ("contacts/Dan Done.md", "---\ntype: contact\nid: c-nora\n---\n"),  # a duplicate id
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(range(len(EDITS))), min_size=1, max_size=12))
def test_random_edit_sequences_equal_a_full_build(make_vault, steps):
    """Random sequences of edits (contacts and meetings created, changed, linked, broken, deleted):
    after each, the long-lived Vault's feed equals a fresh full build's."""
    from iinotes import Vault

    vault = make_vault(f"v{next(EXAMPLES)}")  # a new vault for each example
    referral_vault(vault)
    live = Vault(vault.root, today=TODAY, use_cache=False)
    _, _, previous = live.feed()
    for number, step in enumerate(steps):
        rel, text = EDITS[step]
        if text is not None or (vault.root / rel).exists():
            write(vault.root / rel, text)
        previous = same_as_fresh(live, previous, [rel], (number, rel, text))


def test_events_with_one_uid_keep_the_order_of_their_items(tmp_path):
    """Two follow-ups with one UID (copied notes sharing an `id`) on one day: the feed keeps them in
    the order of the items (a stable sort), whichever comes first."""
    from iinotes.followups import FollowUp
    from iinotes.ics import Pieces, render
    from iinotes.settings import load_settings

    settings = load_settings(tmp_path)
    day = dt.date(2026, 11, 25)
    first, second = (FollowUp("manual", "same@iinotes", day, title, "", "a.md", "A", None) for title in "XY")
    for items in ([first, second], [second, first]):
        data = render(items, settings, TODAY, memo=Pieces())
        titles = [line for line in data.split(b"\r\n") if line.startswith(b"SUMMARY:")]
        assert titles == [b"SUMMARY:" + item.title.encode() for item in items]
