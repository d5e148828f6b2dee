"""The issue's bad-input list: each case is a clear Problem (file, line, code, hint); the other notes still work."""

from __future__ import annotations

import os
import sys

import pytest

GOOD = """\
---
type: contact
id: c-good0001
company: Acme
---
Fine.
"""


def codes(index, path):  # type: ignore[no-untyped-def]
    return [(p.line, p.code, p.severity) for p in index.problems if p.path == path]


@pytest.fixture
def v(vault):  # type: ignore[no-untyped-def]
    vault.add("contacts/Good Person.md", GOOD)
    return vault


def still_fine(index) -> None:  # type: ignore[no-untyped-def]
    assert "contacts/Good Person.md" in index.contacts
    assert not [p for p in index.problems if p.path == "contacts/Good Person.md"]


def test_not_utf8(v):
    v.add("contacts/Latin.md", b"---\ntype: contact\nid: c-1\nname: Jos\xe9\n---\n")
    index = v.index()
    assert codes(index, "contacts/Latin.md") == [(4, "not-utf8", "error")]
    problem = index.problems[0]
    assert problem.column == 10 and "0xe9" in problem.message and "UTF-8" in problem.hint
    still_fine(index)


def test_nul_bytes(v):
    v.add("contacts/Binary.md", b"---\ntype: contact\n---\nab\x00cd\n")
    assert codes(v.index(), "contacts/Binary.md") == [(4, "nul-byte", "error")]


def test_unclosed_fence(v):
    v.add("contacts/Open.md", "---\ntype: contact\nid: c-2\n\nNo closing fence.\n")
    index = v.index()
    assert codes(index, "contacts/Open.md") == [(1, "unclosed-front-matter", "error")]
    still_fine(index)


@pytest.mark.parametrize(
    "front,kind", [("- type: contact\n- id: x\n", "sequence"), ("just words\n", "scalar")]
)
def test_front_matter_not_a_mapping(v, front, kind):
    v.add("contacts/Odd.md", f"---\n{front}---\nbody\n")
    index = v.index()
    assert codes(index, "contacts/Odd.md") == [(2, "front-matter-not-mapping", "error")]
    assert kind in index.problems[0].message


def test_empty_front_matter_in_contacts_folder_is_a_warning(v):
    v.add("contacts/Empty.md", "---\n---\nJust text.\n")
    v.add("Elsewhere.md", "---\n---\nJust text.\n")
    index = v.index()
    assert index.problems == ()  # empty front matter: not a note of ours, nothing to say
    still_fine(index)


def test_tabs(v):
    v.add("contacts/Tabs.md", "---\ntype: contact\ntags:\n\t- a\n---\n")
    index = v.index()
    (problem,) = [p for p in index.problems if p.path == "contacts/Tabs.md"]
    assert problem.code == "yaml-syntax" and problem.line == 4 and "tab" in problem.hint


def test_duplicate_keys_keep_first_and_report(v):
    v.add("contacts/Dup.md", "---\ntype: contact\nid: c-dup\nstatus: paused\nstatus: active\n---\n")
    index = v.index()
    assert codes(index, "contacts/Dup.md") == [(5, "duplicate-key", "error")]
    assert index.contacts["contacts/Dup.md"].contact.status == "paused"


def test_yaml11_values_stay_strings(v):
    v.add(
        "interviews/x.md",
        '---\ntype: interview\nid: i-1\ncontact: "[[Good Person]]"\nscheduled: 14:30\nmedium: no\nlocation: 012\n---\n',
    )
    index = v.index()
    problems = [p for p in index.problems if p.path == "interviews/x.md"]
    assert [(p.line, p.column, p.code) for p in problems] == [(5, 12, "bad-date")]
    assert "14:30 is a time without a date" in problems[0].message
    interview = index.interviews["interviews/x.md"].interview
    assert interview.medium == "no" and interview.location == "012"


def test_impossible_date(v):
    v.add(
        "interviews/x.md",
        '---\ntype: interview\nid: i-1\ncontact: "[[Good Person]]"\nscheduled: 2024-02-30\n---\n',
    )
    (problem,) = [p for p in v.index().problems if p.path == "interviews/x.md"]
    assert (
        problem.format()
        == "interviews/x.md:5:12: error[bad-date] scheduled: 2024-02-30 is not a date (February 2024 has 29 days)"
    )


def test_status_no(v):
    v.add("contacts/No.md", "---\ntype: contact\nid: c-no\nstatus: no\n---\n")
    (problem,) = [p for p in v.index().problems if p.path == "contacts/No.md"]
    assert problem.code == "bad-status" and "'no'" in problem.message


def test_unquoted_link_says_how_to_quote(v):
    v.add(
        "interviews/x.md",
        "---\ntype: interview\nid: i-1\ncontact: [[Good Person]]\nscheduled: 2026-12-01\n---\n",
    )
    index = v.index()
    (problem,) = [p for p in index.problems if p.path == "interviews/x.md"]
    assert problem.code == "unquoted-link" and problem.line == 4
    assert problem.hint == 'write contact: "[[Good Person]]"'
    assert index.interviews["interviews/x.md"].contact == "contacts/Good Person.md"  # still understood


def test_link_to_nobody(v):
    v.add(
        "interviews/x.md",
        '---\ntype: interview\nid: i-1\ncontact: "[[Nobody Here]]"\nscheduled: 2026-12-01\n---\n',
    )
    (problem,) = [p for p in v.index().problems if p.path == "interviews/x.md"]
    assert (problem.code, problem.severity, problem.line) == ("unresolved-link", "error", 4)


def test_same_id_in_two_files(v):
    v.add("contacts/A.md", "---\ntype: contact\nid: c-same\n---\n")
    v.add("contacts/B.md", "---\ntype: contact\nid: c-same\n---\n")
    index = v.index()
    assert codes(index, "contacts/A.md") == [(3, "duplicate-id", "error")]
    assert codes(index, "contacts/B.md") == [(3, "duplicate-id", "error")]


def test_conflict_markers(v):
    v.add(
        "contacts/Merge.md",
        "---\ntype: contact\n<<<<<<< HEAD\nid: c-1\n=======\nid: c-2\n>>>>>>> other\n---\n",
    )
    index = v.index()
    assert codes(index, "contacts/Merge.md") == [(3, "conflict-markers", "error")]
    assert "contacts/Merge.md" not in index.contacts
    still_fine(index)


def test_five_megabyte_note_is_read(v):
    body = ("A long transcript line with words.\n" * 150_000)[: 5 * 1024 * 1024]
    v.add("contacts/Long.md", "---\ntype: contact\nid: c-long\n---\n" + body)
    index = v.index()
    assert "contacts/Long.md" in index.contacts
    assert codes(index, "contacts/Long.md") == []


def test_huge_front_matter_is_rejected(v):
    v.add("contacts/Huge.md", "---\ntype: contact\nnotes: " + "x" * 70_000 + "\n---\n")
    assert codes(v.index(), "contacts/Huge.md") == [(1, "front-matter-too-large", "error")]


def test_alias_bomb(v):
    bomb = (
        "---\ntype: contact\na: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(9)
        )
        + "---\n"
    )
    v.add("contacts/Bomb.md", bomb)
    index = v.index()
    assert codes(index, "contacts/Bomb.md") == [(3, "yaml-anchor", "error")]
    still_fine(index)


def test_symlink_loop(v):
    os.symlink("..", v.root / "contacts" / "loop")
    index = v.index()
    assert [(p.path, p.code) for p in index.problems] == [("contacts/loop", "symlink-loop")]
    still_fine(index)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(v):
    path = v.add("contacts/Secret.md", GOOD)
    path.chmod(0)
    try:
        assert codes(v.index(), "contacts/Secret.md") == [(0, "unreadable", "error")]
    finally:
        path.chmod(0o644)


def test_unreadable_file_as_root_too(v, monkeypatch):
    """Root ignores permissions, so the same path is driven by a read that fails like EACCES."""
    import iinotes.pipeline as pipeline

    v.add("contacts/Secret.md", GOOD.replace("c-good0001", "c-secret"))
    real = pipeline.read_bytes

    def read(ref, *limit):  # type: ignore[no-untyped-def]
        if ref.path == "contacts/Secret.md":
            raise PermissionError(13, "Permission denied")
        return real(ref, *limit)

    monkeypatch.setattr(pipeline, "read_bytes", read)
    index = v.index()
    (problem,) = [p for p in index.problems if p.path == "contacts/Secret.md"]
    assert (problem.code, problem.severity) == ("unreadable", "error") and "chmod" in problem.hint
    still_fine(index)


def test_empty_vault(vault):
    vault.root.mkdir(parents=True, exist_ok=True)
    result = vault.run("validate")
    assert result.exit_code == 0
    assert result.output == "0 notes checked: 0 errors, 0 warnings\n"
    assert vault.run("index").output.endswith(
        "0 contacts (none), 0 interviews, 0 referrals; 0 errors, 0 warnings (run `iinotes validate` for details)\n"
    )


def test_vault_path_that_does_not_exist(tmp_path):
    from click.testing import CliRunner

    from iinotes.cli import cli

    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "missing"), "validate"])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "hint:" in result.output


def test_bom_and_crlf_are_accepted(v):
    v.add(
        "contacts/Windows.md",
        "\ufeff---\r\ntype: contact\r\nid: c-win\r\ncompany: Contoso\r\n---\r\nBody\r\n".encode(),
    )
    index = v.index()
    assert index.contacts["contacts/Windows.md"].contact.company == "Contoso"
    assert codes(index, "contacts/Windows.md") == []


def test_other_markdown_is_left_alone(v):
    v.add("Daily/2026-11-20.md", "---\ntags: [daily]\nstatus: no\n---\n- [ ] buy milk 📅 2026-02-30\n")
    v.add("Broken elsewhere.md", "---\nfoo: [unclosed\n---\n")
    index = v.index()
    assert index.problems == ()
    still_fine(index)


def test_unknown_type_in_contacts_folder(v):
    v.add("contacts/Typo.md", "---\ntype: contcat\nid: c-t\n---\n")
    (problem,) = [p for p in v.index().problems if p.path == "contacts/Typo.md"]
    assert (
        problem.code == "unknown-type" and problem.line == 2 and "did you mean type: contact?" in problem.hint
    )


def test_note_over_8_mib_is_reported_not_read(v):
    v.add("contacts/Giant.md", b"---\ntype: contact\nid: c-giant\n---\n" + b"x" * (9 * 1024 * 1024))
    index = v.index()
    assert codes(index, "contacts/Giant.md") == [(0, "note-too-large", "error")]
    still_fine(index)


def test_broken_folder_symlink_is_reported(v):
    os.symlink(v.root / "gone", v.root / "old-notes")
    assert [(p.path, p.code) for p in v.index().problems] == [("old-notes", "broken-link")]
