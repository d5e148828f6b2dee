"""Commands that write notes: exact bytes after each command, the safety guarantees, a whole cycle."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from filelock import FileLock

from iinotes import writes
from iinotes.drafts import KINDS
from iinotes.edit import plan as real_plan

JANE = """\
---
type: contact
id: c-11111111   # do not change
name: "Jane Doe"
company: 'Acme'

outreach:
  - 2026-11-01   # first message
tags: [ux,  data]
---
# Jane Doe

Met at the alumni event.
"""

MEETING = """\
---
type: interview
id: i-22222222
contact: "[[Jane Doe]]"
scheduled: 2026-11-25T14:30   # her time
status: scheduled
commitments:
  - {task: Send the write-up, due: 2026-11-30}
---
## Follow-ups
- [ ] Send portfolio 📅 2026-11-28
"""


@pytest.fixture
def jane(vault):
    vault.add("contacts/Jane Doe.md", JANE)
    vault.add("interviews/2026-11-25 Jane Doe.md", MEETING)
    return vault


def read(vault, rel: str) -> str:
    return (vault.root / rel).read_bytes().decode("utf-8")


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*.tmp")]


# --- log -----------------------------------------------------------------------------------------


def test_log_outreach_appends_a_plain_date(jane):
    result = jane.run("log", "outreach", "Jane", "--date", "2026-11-15")
    assert (result.exit_code, result.output) == (0, "contacts/Jane Doe.md: outreach on 2026-11-15 logged\n")
    assert read(jane, "contacts/Jane Doe.md") == JANE.replace(
        "# first message\n", "# first message\n  - 2026-11-15\n"
    )


def test_log_outreach_with_via_and_note_writes_the_details_into_the_log_section(jane):
    """The list keeps plain dates (an Obsidian list property); the details are one dated body line."""
    result = jane.run("log", "outreach", "jane doe", "--via", "linkedin", "--note", "Re: the talk,\nagain")
    assert result.exit_code == 0
    expected = JANE.replace("# first message\n", "# first message\n  - 2026-11-23\n") + (
        "\n## Log\n- 2026-11-23 outreach via linkedin: Re: the talk, again\n"
    )
    assert read(jane, "contacts/Jane Doe.md") == expected
    again = jane.run("log", "outreach", "Jane", "--via", "linkedin", "--note", "Re: the talk, again")
    assert "nothing to change" in again.output and read(jane, "contacts/Jane Doe.md") == expected
    more = jane.run("log", "outreach", "Jane", "--note", "and the slides")  # same day, a new note
    assert more.exit_code == 0
    assert read(jane, "contacts/Jane Doe.md") == expected + "- 2026-11-23 outreach: and the slides\n"
    view = jane.index().contacts["contacts/Jane Doe.md"].contact
    assert [e.date.isoformat() for e in view.outreach] == ["2026-11-01", "2026-11-23"]


def test_the_log_section_grows_where_it_is(vault):
    vault.add(
        "contacts/Ann.md",
        "---\ntype: contact\nid: c-1\n---\n# Ann\n\n## Log\n- 2026-10-01 touch: coffee\n\n## Notes\nLikes jazz.\n",
    )
    assert vault.run("log", "touch", "Ann", "--via", "phone", "--date", "2026-11-02").exit_code == 0
    assert read(vault, "contacts/Ann.md") == (
        "---\ntype: contact\nid: c-1\ntouches:\n  - 2026-11-02\n---\n# Ann\n\n## Log\n- 2026-10-01 touch: coffee\n"
        "- 2026-11-02 touch via phone\n\n## Notes\nLikes jazz.\n"
    )


def test_mapping_entries_users_wrote_are_still_read(vault):
    vault.contact("Ann", outreach="[{date: 2026-11-01, via: email, note: first}, 2026-11-10]")
    assert vault.run("validate").exit_code == 0
    view = vault.index().contacts["contacts/Ann.md"]
    assert [e.date.isoformat() for e in view.contact.outreach] == ["2026-11-01", "2026-11-10"]
    assert vault.run("log", "outreach", "Ann", "--date", "2026-11-20", "--via", "email").exit_code == 0
    assert "[{date: 2026-11-01, via: email, note: first}, 2026-11-10, 2026-11-20]" in read(
        vault, "contacts/Ann.md"
    )


def test_log_twice_changes_nothing_the_second_time(jane):
    assert jane.run("log", "outreach", "Jane", "--via", "email").exit_code == 0
    after_first = read(jane, "contacts/Jane Doe.md")
    result = jane.run("log", "outreach", "Jane", "--via", "email")
    assert (result.exit_code, result.output) == (
        0,
        "contacts/Jane Doe.md: nothing to change (outreach on 2026-11-23 is already logged)\n",
    )
    assert read(jane, "contacts/Jane Doe.md") == after_first


def test_log_reply_sets_responded_once(jane):
    assert jane.run("log", "reply", "Jane", "--date", "2026-11-20").exit_code == 0
    assert read(jane, "contacts/Jane Doe.md") == JANE.replace(
        "tags: [ux,  data]\n", "tags: [ux,  data]\nresponded: 2026-11-20\n"
    )
    again = jane.run("log", "reply", "Jane")
    assert again.output == "contacts/Jane Doe.md: nothing to change (responded is already set)\n"
    assert "responded: 2026-11-20\n" in read(jane, "contacts/Jane Doe.md")


def test_log_touch_keeps_crlf_bom_and_a_missing_final_newline(vault):
    before = b"\xef\xbb\xbf---\r\ntype: contact\r\nid: c-1\r\ntouches: [2026-10-01]\r\n---\r\nNo newline at the end"
    vault.add("contacts/Ann.md", before)
    assert vault.run("log", "touch", "Ann", "--note", "sent an article").exit_code == 0
    assert (vault.root / "contacts/Ann.md").read_bytes() == before.replace(
        b"[2026-10-01]", b"[2026-10-01, 2026-11-23]"
    ) + b"\r\n\r\n## Log\r\n- 2026-11-23 touch: sent an article"


def test_log_adds_a_missing_key_before_the_closing_fence(vault):
    vault.add("contacts/Ann.md", "---\ntype: contact\nid: c-1\n# my own comment\n---\nBody\n")
    assert vault.run("log", "touch", "Ann", "--date", "2026-11-02").exit_code == 0
    assert (
        read(vault, "contacts/Ann.md")
        == "---\ntype: contact\nid: c-1\n# my own comment\ntouches:\n  - 2026-11-02\n---\nBody\n"
    )


def test_ambiguous_contact_lists_candidates_and_changes_nothing(jane):
    jane.add("contacts/Jane Roe.md", "---\ntype: contact\nid: c-3\n---\n")
    result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1
    assert (
        "'Jane' matches 2 contacts" in result.output
        and "contacts/Jane Doe.md" in result.output
        and "contacts/Jane Roe.md" in result.output
    )
    assert read(jane, "contacts/Jane Doe.md") == JANE


def test_bad_date_is_a_usage_error(jane):
    result = jane.run("log", "outreach", "Jane", "--date", "2026-02-30")
    assert result.exit_code == 2 and "2026-02-30" in result.output


# --- interviews ----------------------------------------------------------------------------------

MEETING_PATH = "interviews/2026-11-25 Jane Doe.md"


@pytest.mark.parametrize(
    ("args", "today", "old", "new", "message"),
    [
        (["done", "Jane"], "2026-11-25", "status: scheduled\n", "status: done\n", "status: done"),
        (["confirm", "Jane"], "2026-11-23", "status: scheduled\n", "status: confirmed\n", "confirmed"),
        (
            ["thank", "2026-11-25"],
            "2026-11-26",
            "  - {task: Send the write-up, due: 2026-11-30}\n",
            "  - {task: Send the write-up, due: 2026-11-30}\nthank_you_sent: 2026-11-26\n",
            "thank_you_sent 2026-11-26",
        ),
        (
            ["commit-done", "Jane", "1"],
            "2026-11-26",
            "due: 2026-11-30}",
            "due: 2026-11-30, done: true}",
            "commitment 1 done",
        ),
        (
            ["commit-done", MEETING_PATH, "2"],
            "2026-11-26",
            "- [ ] Send portfolio 📅 2026-11-28",
            "- [x] Send portfolio 📅 2026-11-28 ✅ 2026-11-26",  # the Tasks plugin's done date
            "commitment 2 done",
        ),
    ],
)
def test_interview_commands(jane, args, today, old, new, message):
    result = jane.run(*args, today=today)
    assert (result.exit_code, result.output) == (0, f"{MEETING_PATH}: {message}\n"), result.output
    expected = MEETING.replace(old, new)
    if args[0] == "confirm":
        expected = expected.replace("- 2026-11-28\n---", "- 2026-11-28\n---")
        expected = expected.replace("due: 2026-11-30}\n---", f"due: 2026-11-30}}\nconfirmed: {today}\n---")
    assert read(jane, MEETING_PATH) == expected
    again = jane.run(*args, today=today)
    assert again.exit_code == 0 and "nothing to change" in again.output
    assert read(jane, MEETING_PATH) == expected


def test_commit_done_out_of_range_lists_the_commitments(jane):
    result = jane.run("commit-done", "Jane", "3", today="2026-11-26")
    assert result.exit_code == 2
    assert (
        "has no commitment 3" in result.output
        and "1. [ ] Send the write-up" in result.output
        and "2. [ ] Send portfolio" in result.output
    )


def test_ambiguous_interview_lists_candidates(jane):
    jane.add(
        "interviews/2026-12-02 Jane Doe.md",
        MEETING.replace("2026-11-25", "2026-12-02").replace("i-22222222", "i-3"),
    )
    result = jane.run("confirm", "Jane")
    assert result.exit_code == 1
    assert "matches 2 interviews" in result.output and "2026-12-02 Jane Doe.md" in result.output
    assert read(jane, MEETING_PATH) == MEETING
    prefix = jane.run("confirm", "2026-1")  # a prefix of both file names
    assert prefix.exit_code == 1 and "matches 2 interviews" in prefix.output
    assert jane.run("confirm", "2026-12").exit_code == 0


def test_no_such_interview(jane):
    result = jane.run("done", "Nobody")
    assert result.exit_code == 1 and "no interview or contact matches 'Nobody'" in result.output


# --- safety --------------------------------------------------------------------------------------


def test_dry_run_prints_a_diff_and_writes_nothing(jane):
    result = jane.run("log", "outreach", "Jane", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == (
        "--- a/contacts/Jane Doe.md\n+++ b/contacts/Jane Doe.md\n@@ -6,6 +6,7 @@\n \n outreach:\n"
        "   - 2026-11-01   # first message\n+  - 2026-11-23\n tags: [ux,  data]\n ---\n # Jane Doe\n"
    )
    assert read(jane, "contacts/Jane Doe.md") == JANE
    assert not (jane.root / ".iinotes" / "write.lock").exists()


@pytest.mark.parametrize("step", ["_exchange", "rename", "link"])
def test_a_failed_rename_leaves_the_original_and_no_temp_file(jane, monkeypatch, step):
    import iinotes.vault

    def broken(*args):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    if step != "_exchange":
        monkeypatch.setattr(iinotes.vault, "_exchange", lambda a, b: False)
    monkeypatch.setattr(iinotes.vault if step == "_exchange" else os, step, broken)
    result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1 and result.output.startswith("iinotes: error: No space left on device")
    assert read(jane, "contacts/Jane Doe.md") == JANE
    assert no_temp_files(jane.root)


def test_a_note_changed_on_disk_since_it_was_read_is_not_overwritten(jane, monkeypatch):
    path = jane.root / "contacts/Jane Doe.md"

    def plan_then_someone_edits(data, changes, rel, **kwargs):
        result = real_plan(data, changes, rel, **kwargs)
        path.write_text(JANE.replace("Acme", "Globex"))  # e.g. the editor saved meanwhile
        return result

    monkeypatch.setattr(writes, "plan", plan_then_someone_edits)
    result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1 and "changed on disk" in result.output
    assert path.read_text() == JANE.replace("Acme", "Globex")


def test_a_note_with_errors_is_refused(vault):
    text = "---\ntype: contact\nid: c-1\nresponded: 2026-13-01\n---\n"
    vault.add("contacts/Ann.md", text)
    result = vault.run("log", "outreach", "Ann")
    assert result.exit_code == 1 and "has errors" in result.output and "bad-date" in result.output
    assert read(vault, "contacts/Ann.md") == text


def test_another_writer_holding_the_lock_is_waited_for_then_refused(jane, monkeypatch):
    monkeypatch.setattr(writes, "LOCK_WAIT_SECONDS", 0.2)
    folder = jane.root / ".iinotes"
    folder.mkdir(exist_ok=True)
    other = FileLock(folder / "write.lock")  # another process's lock, as iinotes takes it
    with other:
        result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1 and "another iinotes command is writing" in result.output
    assert read(jane, "contacts/Jane Doe.md") == JANE
    assert jane.run("log", "outreach", "Jane").exit_code == 0


@pytest.mark.parametrize("state", ["MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD"])
def test_no_writes_during_a_merge_or_rebase(jane, state):
    git = jane.root / ".git"
    git.mkdir()
    (git / state).mkdir() if state.startswith("rebase") else (git / state).write_text("0" * 40 + "\n")
    result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1 and "in progress" in result.output
    assert read(jane, "contacts/Jane Doe.md") == JANE


def test_a_symlinked_note_stays_a_symlink(vault, tmp_path):
    real = tmp_path / "elsewhere" / "Ann.md"
    real.parent.mkdir()
    real.write_text("---\ntype: contact\nid: c-1\n---\n")
    (vault.root / "contacts").mkdir(parents=True)
    os.symlink(real, vault.root / "contacts" / "Ann.md")
    assert vault.run("log", "touch", "Ann").exit_code == 0
    assert (vault.root / "contacts" / "Ann.md").is_symlink()
    assert real.read_text() == "---\ntype: contact\nid: c-1\ntouches:\n  - 2026-11-23\n---\n"


# --- init, new, questions ------------------------------------------------------------------------


def test_init_creates_a_vault_and_refuses_to_overwrite(tmp_path, vault):
    target = tmp_path / "fresh"
    dry = vault.run("init", str(target), "--dry-run")
    assert dry.exit_code == 0 and dry.output.startswith(
        f"would create a vault in {target}: iinotes.toml, contacts,"
    )
    assert not target.exists()
    result = vault.run("init", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        ".gitattributes",
        ".gitignore",
        "contacts",
        "iinotes.toml",
        "interviews",
        "templates",
        "templates/contact.md",
        "templates/interview.md",
        "templates/messages",
        *sorted(f"templates/messages/{kind}.md" for kind in KINDS),
    ]
    assert result.output.endswith(f'\nnext: cd {target} && iinotes new contact "Jane Doe" --company Acme\n')
    toml = (target / "iinotes.toml").read_text()
    active = [line for line in toml.splitlines() if line.strip() and not line.startswith(("#", "["))]
    assert active == ['timezone = "UTC"  # detected on the machine that ran init']  # TZ=UTC here
    assert (target / ".gitignore").read_text() == ".iinotes/\n"
    assert (target / ".gitattributes").read_text() == "*.ics -text\n"
    again = vault.run("init", str(target))
    assert again.exit_code == 0 and "nothing to do" in again.output
    (target / ".gitignore").write_text("mine\n")
    again = vault.run("init", str(target))
    assert again.exit_code == 2 and "writes nothing over existing files" in again.output
    partial = tmp_path / "partial"
    (partial / "contacts").mkdir(parents=True)
    (partial / "contacts/Ann.md").write_text("mine")
    assert vault.run("init", str(partial)).exit_code == 2
    assert [p.name for p in partial.iterdir()] == ["contacts"]


def test_init_git(tmp_path, vault):
    if shutil.which("git") is None:
        pytest.skip("no git")
    target = tmp_path / "g"
    assert vault.run("init", str(target), "--git").exit_code == 0
    assert (target / ".git").is_dir()


def test_new_contact_from_the_built_in_template(vault):
    result = vault.run(
        "new",
        "contact",
        "Ann Lee",
        "--company",
        "Acme: Labs",
        "--tag",
        "ux",
        "--tag",
        "#data",
        "--referred-by",
        "Bob",
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{vault.root / 'contacts' / 'Ann Lee.md'}\n"
    text = read(vault, "contacts/Ann Lee.md")
    assert re.search(r"^id: c-[0-9a-f]{8}$", text, re.MULTILINE)
    assert "type: contact\n" in text and "template" not in text.split("---")[1]
    assert (
        'company: "Acme: Labs"\n' in text
        and "tags:\n  - ux\n  - data\n" in text
        and 'referred_by: "[[Bob]]"\n' in text
    )
    assert "# Ann Lee\n\nAdded 2026-11-23.\n" in text
    clobber = vault.run("new", "contact", "Ann Lee")
    assert clobber.exit_code == 2 and "already exists" in clobber.output
    assert read(vault, "contacts/Ann Lee.md") == text


def test_new_contact_refuses_a_name_another_contact_note_has(vault):
    vault.add("people/jane doe.md", "---\ntype: contact\nid: c-1\n---\n")
    result = vault.run("new", "contact", "Jane Doe")
    assert result.exit_code == 2 and "already exists: people/jane doe.md" in result.output
    assert not (vault.root / "contacts").exists()


def test_a_worktree_in_the_middle_of_a_rebase_is_detected(tmp_path, jane):
    gitdir = tmp_path / "main-repo" / ".git" / "worktrees" / "vault"
    (gitdir / "rebase-merge").mkdir(parents=True)
    (jane.root / ".git").write_text(f"gitdir: {gitdir}\n")
    result = jane.run("log", "outreach", "Jane")
    assert result.exit_code == 1 and "a git rebase is in progress" in result.output


def test_new_open_runs_the_editor(vault, monkeypatch, tmp_path):
    seen = tmp_path / "seen"
    monkeypatch.setenv("EDITOR", f"cp -t {seen}")
    seen.mkdir()
    result = vault.run("new", "contact", "Ann Lee", "--open")
    assert result.exit_code == 0, result.output
    assert (seen / "Ann Lee.md").read_text() == read(vault, "contacts/Ann Lee.md")


def test_new_notes_use_the_vaults_templates(vault):
    shutil.copytree(REPO / "sample-vault" / "templates", vault.root / "templates")
    assert vault.run("new", "contact", "Ann Lee").exit_code == 0
    text = read(vault, "contacts/Ann Lee.md")
    assert text.startswith('---\ntype: contact\nname: "Ann Lee"\nid: c-')
    assert "Added 2026-11-23." in text and "{{" not in text
    result = vault.run(
        "new",
        "interview",
        "Ann",
        "--at",
        "2026-11-25 14:30",
        "--timezone",
        "Europe/London",
        "--duration",
        "45m",
    )
    assert result.exit_code == 0, result.output
    text = read(vault, "interviews/2026-11-25 Ann Lee.md")
    assert text.startswith('---\ntype: interview\ncontact: "[[Ann Lee]]"\nid: i-')
    assert 'scheduled: "2026-11-25T14:30"\ntimezone: Europe/London\nduration: 45\n' in text
    assert "## Questions\n" in text and "{{" not in text
    assert vault.run("validate").exit_code == 0


def test_new_interview_from_the_built_in_template(jane):
    result = jane.run("new", "interview", "Jane", "--at", "2026-12-03 09:00", "--medium", "phone")
    assert result.exit_code == 0, result.output
    text = read(jane, "interviews/2026-12-03 Jane Doe.md")
    assert (
        'contact: "[[Jane Doe]]"\n' in text
        and "scheduled: 2026-12-03T09:00\n" in text
        and "medium: phone\n" in text
    )
    assert (
        "## Questions\n- **Requirements and experience**: " in text and "- **Who else to talk to**: " in text
    )
    bad = jane.run("new", "interview", "Jane", "--at", "next tuesday")
    assert bad.exit_code == 2 and "--at" in bad.output
    missing = jane.run("new", "interview", "Nobody", "--at", "2026-12-03")
    assert missing.exit_code == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../x", "contains /, which cannot"),
        ("a/b", "contains /"),
        ("CON", "reserved file name"),
        ("lpt1.txt", "reserved file name"),
        ("Ann\x07Lee", "control characters"),
        (".hidden", "dot"),
        ("x" * 300, "too long"),
        ("   ", "empty"),
        ("[[Ann]]", "contains [ ]"),
    ],
)
def test_new_contact_refuses_unsafe_names(vault, name, message):
    result = vault.run("new", "contact", name)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (vault.root / "contacts").exists() or not list((vault.root / "contacts").iterdir())


def test_questions(vault):
    result = vault.run("questions", "--category", "advice")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "## Advice" and len(lines) == 6
    everything = vault.run("questions").output
    for heading in (
        "Requirements and experience",
        "Environment",
        "Rewards and challenges",
        "Outlook",
        "Advice",
        "Who else to talk to",
    ):
        assert f"## {heading}\n" in everything


# --- hook ----------------------------------------------------------------------------------------


def git(folder: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise AssertionError(done.stdout + done.stderr)
    return done.stdout


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@needs_git
def test_hook_blocks_a_commit_with_a_broken_note(jane):
    git(jane.root, "init", "-q")
    dry = jane.run("hook", "install", "--dry-run")
    assert dry.exit_code == 0 and "would write" in dry.output and "validate" in dry.output
    assert not (jane.root / ".git" / "hooks" / "pre-commit").exists()
    result = jane.run("hook", "install")
    assert result.exit_code == 0 and "installed" in result.output
    assert "already installed" in jane.run("hook", "install").output
    git(jane.root, "add", "-A")
    git(jane.root, "commit", "-qm", "good notes")
    jane.add("contacts/Bad Note.md", "---\ntype: contact\nid: c-9\nresponded: 2026-02-30\n---\n")
    git(jane.root, "add", "-A")
    with pytest.raises(AssertionError, match="bad-date"):
        git(jane.root, "commit", "-qm", "broken")


@needs_git
def test_hook_works_for_a_vault_in_a_subfolder_of_the_repository(tmp_path, make_vault):
    repo = tmp_path / "repo"
    notes = make_vault("repo/my notes")
    git(repo, "init", "-q")
    assert notes.run("hook", "install").exit_code == 0
    notes.add("contacts/Ann.md", "---\ntype: contact\nid: c-1\n---\n")
    (repo / "README.md").write_text("not a note\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fine")
    notes.add("contacts/Ann.md", "---\ntype: contact\nid: c-1\nstatus: gone\n---\n")
    git(repo, "add", "-A")
    with pytest.raises(AssertionError, match="bad-status"):
        git(repo, "commit", "-qm", "broken")


@needs_git
def test_hook_never_clobbers_an_existing_hook(jane):
    git(jane.root, "init", "-q")
    hook = jane.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    result = jane.run("hook", "install")
    assert result.exit_code == 2 and "already exists" in result.output
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    chained = jane.run("hook", "install", "--chain")
    assert chained.exit_code == 0 and "runs first" in chained.output
    assert (hook.parent / "pre-commit.before-iinotes").read_text() == "#!/bin/sh\necho mine\n"
    assert "pre-commit.before-iinotes" in hook.read_text()


# --- the whole cycle ----------------------------------------------------------------------------


@needs_git
def test_the_whole_cycle_with_commands_alone(tmp_path, make_vault):
    v = make_vault("cycle")
    root = v.root

    def step(*args: str, today: str = "2026-11-01") -> str:
        result = v.run(*args, today=today)
        assert result.exit_code == 0, result.output
        return result.output

    def diff() -> list[str]:
        out = git(root, "diff", "--unified=0", "--no-color")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "step", "--allow-empty")
        return [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]

    step("init", str(root), "--git")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    path = step("new", "contact", "Jane Doe", "--company", "Acme", today="2026-10-31")
    assert path.strip().endswith("contacts/Jane Doe.md")
    assert "added: 2026-10-31\n" in (root / "contacts/Jane Doe.md").read_text()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "contact")
    assert step("due", today="2026-10-31").startswith(  # a lead: this week's reach-out item (Monday)
        "Overdue:\n  2026-10-26        Reach out to 1 new contact: Jane Doe: the next lead in your list"
    )
    step("log", "outreach", "Jane")
    assert diff() == ["+  - 2026-11-01"]
    assert "Nudge" not in step("due", "--days", "7", today="2026-11-01")
    assert (  # after the overdue weekly review and reach-out items of that week
        "Today (2026-11-15):\n  2026-11-15        Nudge Jane Doe (1st of 3): no reply since 2026-11-01\n"
        in step("due", today="2026-11-15")
    )
    step("log", "reply", "Jane", today="2026-11-16")
    assert diff() == ["-responded:", "+responded: 2026-11-16"]
    step("new", "interview", "Jane", "--at", "2026-11-25 14:30", today="2026-11-16")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "interview")
    step("confirm", "Jane", today="2026-11-24")
    assert diff() == ["-status: scheduled", "-confirmed:", "+status: confirmed", "+confirmed: 2026-11-24"]
    step("done", "Jane", today="2026-11-25")
    assert diff() == ["-status: confirmed", "+status: done"]
    step("thank", "Jane", today="2026-11-26")
    assert diff() == ["-thank_you_sent:", "+thank_you_sent: 2026-11-26"]
    step("log", "touch", "Jane", "--via", "email", "--note", "sent the article", today="2026-12-10")
    assert diff() == ["+  - 2026-12-10", "+", "+## Log", "+- 2026-12-10 touch via email: sent the article"]
    result = v.run("validate", today="2026-12-10")
    assert result.exit_code == 0 and result.output.endswith("2 notes checked: 0 errors, 0 warnings\n")


def test_new_dry_run_shows_the_note_and_writes_nothing(jane):
    result = jane.run("new", "interview", "Jane", "--at", "2026-12-03", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "--- a/interviews/2026-12-03 Jane Doe.md\n+++ b/interviews/2026-12-03 Jane Doe.md\n@@ -0,0 +1,"
    )
    assert "+scheduled: 2026-12-03\n" in result.stdout
    assert not (jane.root / "interviews/2026-12-03 Jane Doe.md").exists()
