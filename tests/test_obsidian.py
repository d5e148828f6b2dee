"""Obsidian-native writes: every note the write commands produce is read by js-yaml (a JavaScript YAML
library of the kind Obsidian uses) and each property must be one of Obsidian's property types; tags
follow Obsidian's rules; templates work with `iinotes new` and with Obsidian's Templates core plugin."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, TODAY
from test_portable import write_commands

from iinotes.cli import cli

INVITES = Path(__file__).parent / "data" / "invites"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?\Z")
# Obsidian gives each property name one type vault-wide; what ours must be
EXPECTED = {
    "type": {"text"},
    "id": {"text"},
    "name": {"text"},
    "contact": {"text"},
    "referred_by": {"text"},
    "company": {"text"},
    "role": {"text"},
    "email": {"text"},
    "linkedin": {"text"},
    "phone": {"text"},
    "source": {"text"},
    "medium": {"text"},
    "location": {"text"},
    "status": {"text"},
    "timezone": {"text"},
    "tags": {"list"},
    "aliases": {"list"},
    "outreach": {"list"},
    "touches": {"list"},
    "referrals": {"list"},
    "commitments": {"list"},
    "responded": {"date"},
    "confirmed": {"date"},
    "thank_you_sent": {"date"},
    "prepared": {"date"},
    "added": {"date"},
    "connected": {"date"},
    "resume": {"date"},
    "duration": {"number"},
    "scheduled": {"date", "datetime"},
}


def js_yaml_dir() -> str | None:
    """A folder whose node_modules holds js-yaml (ICALJS_DIR or .ci/node, as .ci/run installs it)."""
    for candidate in (os.environ.get("ICALJS_DIR"), str(REPO / ".ci" / "node")):
        if candidate and (Path(candidate) / "node_modules" / "js-yaml").is_dir() and shutil.which("node"):
            return str(Path(candidate) / "node_modules")
    if os.environ.get("CI") and shutil.which("node"):
        pytest.fail("CI has node but js-yaml is not installed (see .ci/run)")
    pytest.skip("js-yaml is not installed (bash .ci/run installs it into .ci/node)")


def obsidian_type(kind: object, value: object) -> str | None:
    """The Obsidian property type a js-yaml value fits (None: none of them, e.g. a mapping)."""
    if kind == "empty":
        return "empty"
    if kind == "string":
        assert isinstance(value, str)
        return "date" if DATE.match(value) else "datetime" if DATETIME.match(value) else "text"
    if kind in ("date", "datetime", "number"):
        return str(kind)
    if kind == "boolean":
        return "checkbox"
    if isinstance(kind, list) and kind[0] == "list":
        items_ok = all(item in ("string", "date", "number") for item in kind[1])
        return "list" if items_ok else None
    return None


def read_with_js_yaml(paths: list[Path]) -> dict[str, dict[str, list[object]] | None]:
    modules = js_yaml_dir()
    result = subprocess.run(
        ["node", str(REPO / "tests" / "obsidian_props.mjs"), str(modules), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def check_types(root: Path) -> int:
    """Every .md file under root read by js-yaml; every property an Obsidian type. Returns how many
    properties were checked."""
    paths = sorted(p for p in root.rglob("*.md") if ".iinotes" not in p.parts)
    checked = 0
    for path, props in read_with_js_yaml(paths).items():
        if props is None:  # no front matter: fine for other Markdown files, never for our notes
            assert not re.search(r"/(contacts|interviews)/[^/]+$", path), f"{path} has no front matter"
            continue
        assert "error" not in props, (path, props)
        for key, (kind, value) in props.items():
            found = obsidian_type(kind, value)
            assert found is not None, f"{path}: {key}: {value!r} is not an Obsidian property type"
            if found != "empty" and key in EXPECTED:
                assert found in EXPECTED[key], f"{path}: {key}: {value!r} is {found}, not {EXPECTED[key]}"
            checked += 1
    return checked


def _run(root: Path, *args: str, today: str = TODAY) -> str:
    result = CliRunner().invoke(cli, ["--vault", str(root), "--today", today, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def test_every_note_the_write_commands_produce_has_obsidian_property_types(tmp_path):
    root = tmp_path / "vault"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    done = {"init"}
    steps = [
        ("new contact", ["new", "contact", "Jane Doe", "--company", "Acme", "--role", "UX Lead", "--email",
                         "jane@example.com", "--linkedin", "https://linkedin.com/in/jane", "--source", "alumni",
                         "--tag", "ux", "--tag", "data/science"]),
        ("new contact", ["new", "contact", "Bob Roe", "--referred-by", "Jane", "--tag", "fintech"]),
        ("log", ["log", "outreach", "Jane", "--date", "2026-11-01", "--via", "email", "--note", "first message"]),
        ("log", ["log", "outreach", "Jane", "--date", "2026-11-15"]),
        ("log", ["log", "reply", "Jane", "--date", "2026-11-16"]),
        ("new interview", ["new", "interview", "Jane", "--at", "2026-11-25 14:30", "--duration", "45m",
                           "--location", "https://meet.example.com/x", "--timezone", "Europe/London"]),
        ("new interview", ["new", "interview", "Bob", "--from-invite", str(INVITES / "zoom.ics")]),
        ("confirm", ["confirm", "Jane"]),
        ("done", ["done", "2026-11-25"]),
        ("thank", ["thank", "2026-11-25"]),
        ("commit-done", ["commit-done", "2026-11-25", "1"]),
        ("log", ["log", "touch", "Jane", "--via", "email", "--note", "sent the article"]),
        ("new interview", ["new", "interview", "Bob", "--requested"]),
        ("prepared", ["prepared", "2026-12-03"]),
        ("reschedule", ["reschedule", "2026-12-03", "--from-invite", str(INVITES / "teams-outlook.ics")]),
        ("cancel", ["cancel", "2026-12-03"]),
        ("pause", ["pause", "Bob", "--until", "2026-12-20"]),
        ("resume", ["resume", "Bob"]),
        ("decline", ["decline", "Bob"]),
        ("archive", ["archive", "Bob"]),
        ("review --write", ["review", "--write"]),
        ("import linkedin", ["import", "linkedin", str(REPO / "tests" / "data" / "import" / "Connections.csv"),
                             "--tag", "imported"]),
        ("import vcard", ["import", "vcard", str(REPO / "tests" / "data" / "import" / "apple.vcf")]),
    ]  # fmt: skip
    for name, args in steps:
        if name == "commit-done":
            note = root / "interviews" / "2026-11-25 Jane Doe.md"
            note.write_text(note.read_text() + "- [ ] Send portfolio 📅 2026-11-30\n")
        _run(root, *args, today="2026-11-26" if name in ("done", "thank", "commit-done") else TODAY)
        done.add(name)
    assert not (write_commands() - done - {"hook install"}), "a write command is missing here"
    text = (root / "interviews" / "2026-11-25 Jane Doe.md").read_text()
    assert "- [x] Send portfolio 📅 2026-11-30 ✅ 2026-11-26" in text
    contact = (root / "contacts" / "Jane Doe.md").read_text()
    assert "{" not in contact.split("---")[1]  # no mappings in the front matter
    assert (
        "## Log\n- 2026-11-01 outreach via email: first message\n- 2026-11-23 touch via email: sent the article\n"
        in contact
    )
    assert check_types(root) > 40


# --- tags ------------------------------------------------------------------------------------------


def test_validate_warns_about_tags_obsidian_rejects(vault):
    vault.contact("Ann", tags='[ux, 2026, "career change", c++, data/science, été]')
    result = vault.run("validate")
    assert result.exit_code == 0  # warnings
    lines = [line for line in result.output.splitlines() if "bad-tag" in line or "hint" in line]
    assert "tags[1]: '2026' is only digits" in result.output and "hint: write y2026" in result.output
    assert (
        "'career change' contains a space" in result.output and "hint: write career-change" in result.output
    )
    assert "'c++' contains +" in result.output and "hint: write cplusplus" in result.output
    assert "data/science" not in result.output and "été" not in result.output
    assert len([line for line in lines if "bad-tag" in line]) == 3


def test_comma_separated_tags_are_two_tags(vault):
    vault.contact("Ann", tags="ux, fintech")
    assert vault.run("validate").exit_code == 0
    assert vault.index().contacts["contacts/Ann.md"].contact.tags == ("ux", "fintech")
    listed = vault.run("list", "--tag", "fintech")
    assert "Ann" in listed.output


@pytest.mark.parametrize(
    ("tag", "fix"), [("2026", "y2026"), ("career change", "career-change"), ("c++", "cplusplus")]
)
def test_new_refuses_a_tag_obsidian_rejects_with_the_fix(vault, tag, fix):
    result = vault.run("new", "contact", "Ann Lee", "--tag", "ux", "--tag", tag)
    assert result.exit_code == 2
    assert f"--tag {tag!r}" in result.output and f"use --tag {fix}" in result.output
    assert not (vault.root / "contacts").exists()
    assert vault.run("new", "contact", "Ann Lee", "--tag", "ux", "--tag", fix).exit_code == 0


# --- templates -------------------------------------------------------------------------------------


def obsidian_insert(template: Path, title: str, date: str = "2026-11-23", time: str = "14:30") -> str:
    """What Obsidian's Templates core plugin makes of a template in a new note named `title`."""
    text = template.read_text("utf-8")
    return text.replace("{{title}}", title).replace("{{date}}", date).replace("{{time}}", time)


@pytest.mark.parametrize("source", ["init", "sample-vault"])
def test_templates_work_with_obsidians_templates_plugin(tmp_path, source):
    root = tmp_path / "vault"
    if source == "init":
        assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    else:
        root.mkdir()
        shutil.copytree(REPO / "sample-vault" / "templates", root / "templates")
    validated = CliRunner().invoke(cli, ["--vault", str(root), "validate"])
    assert (
        validated.exit_code == 0 and "0 notes checked: 0 errors, 0 warnings" in validated.output
    )  # no template is a note
    contact = obsidian_insert(root / "templates" / "contact.md", "Ann Lee")
    (root / "contacts").mkdir(exist_ok=True)
    (root / "contacts" / "Ann Lee.md").write_text(contact)
    interview = obsidian_insert(root / "templates" / "interview.md", "2026-11-25 Ann Lee")
    interview = re.sub(r"^contact:.*$", 'contact: "[[Ann Lee]]"', interview, flags=re.MULTILINE)
    interview = re.sub(r"^scheduled:.*$", "scheduled: 2026-11-25T14:30", interview, flags=re.MULTILINE)
    (root / "interviews").mkdir(exist_ok=True)
    (root / "interviews" / "2026-11-25 Ann Lee.md").write_text(interview)
    for text in (contact, interview):
        assert "{{" not in text and "type: template" not in text
    index = CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, "index", "--format", "json"])
    data = json.loads(index.output)
    assert [c["name"] for c in data["contacts"]] == ["Ann Lee"]
    assert [i["path"] for i in data["interviews"]] == ["interviews/2026-11-25 Ann Lee.md"]
    errors = [p for p in data["problems"] if p["severity"] == "error"]
    assert not errors, errors


def test_new_fills_the_empty_questions_section_of_the_template(vault):
    vault.add("iinotes.toml", "")
    assert CliRunner().invoke(cli, ["init", str(vault.root / "v")]).exit_code == 0
    root = vault.root / "v"
    _run(root, "new", "contact", "Ann Lee")
    _run(root, "new", "interview", "Ann", "--at", "2026-11-25 14:30")
    text = (root / "interviews" / "2026-11-25 Ann Lee.md").read_text()
    assert re.search(
        r"## Questions\n- \*\*Requirements and experience\*\*: .*\n(- .*\n)+\n## What I learned\n", text
    )
    assert text.startswith("---\ntype: interview\n") and "{{" not in text


def test_an_old_style_template_still_works(vault):
    vault.add(
        "templates/interview.md",
        "---\ntype: template\n# mine\ncontact:\nscheduled:\n---\n# {{title}}\n\n## Questions\n{{questions}}\n## Notes\n",
    )
    vault.contact("Ann Lee")
    assert vault.run("new", "interview", "Ann", "--at", "2026-11-25").exit_code == 0
    text = (vault.root / "interviews" / "2026-11-25 Ann Lee.md").read_text()
    assert text.startswith("---\ntype: interview\ncontact:") and "{{" not in text and "# mine" not in text


def test_obsidians_template_folder_is_used_and_never_read_as_notes(vault):
    vault.add(".obsidian/templates.json", '{"folder": "Meta/Templates"}')
    vault.add(
        "Meta/Templates/contact.md", "---\ntype: contact\nid:\nsource: {{date}}\n---\n# {{title}} (mine)\n"
    )
    vault.add("templates/interview.md", "---\ntype: interview\ncontact:\n---\n")
    result = vault.run("validate")
    assert result.exit_code == 0 and "0 notes checked: 0 errors, 0 warnings" in result.output
    assert vault.run("new", "contact", "Ann Lee").exit_code == 0
    text = (vault.root / "contacts" / "Ann Lee.md").read_text()
    assert "# Ann Lee (mine)" in text and "source: 2026-11-23" in text
    assert list(vault.index().contacts) == ["contacts/Ann Lee.md"]
