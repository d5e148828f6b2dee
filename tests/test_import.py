"""`iinotes import linkedin|vcard` on exports shaped the way LinkedIn, Apple, Google and Android write
them (tests/data/import: BOM, CRLF, the "Notes:" preamble, folded and quoted-printable vCard lines)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, VaultFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iinotes import importer
from iinotes.errors import UsageError
from iinotes.import_writes import vobject_line
from iinotes.model import Contact
from iinotes.notes import parse_note

DATA = REPO / "tests" / "data" / "import"
CSV = DATA / "Connections.csv"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
PREAMBLE = 'Notes:\r\n"When exporting your connection data, you may notice that some of the email addresses are missing."\r\n\r\n'


def connections(rows: list[str], *, bom: bool = True, eol: str = "\r\n") -> bytes:
    """A Connections.csv as LinkedIn writes it, with these data rows."""
    text = PREAMBLE.replace("\r\n", eol) + eol.join([HEADER, *rows]) + eol
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below root (but .iinotes/) with its bytes and mtime."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".iinotes" not in p.parts
    }


def contacts(root: Path) -> dict[str, Contact]:
    found = {}
    for path in sorted((root / "contacts").glob("*.md")):
        parsed = parse_note(f"contacts/{path.name}", path.read_bytes())
        if not parsed.ours:
            continue
        assert not [p for p in parsed.problems if p.severity == "error"], parsed.problems
        assert isinstance(parsed.note, Contact)
        found[path.stem] = parsed.note
    return found


# --- reading ------------------------------------------------------------------------------------


def test_linkedin_export_is_read_with_its_preamble_bom_crlf_and_quoted_commas():
    export = importer.read_linkedin(CSV.read_bytes())
    names = [p.name for p in export.people]
    assert names == [
        "Jane Doe",
        "John Smith",
        "John Smith",
        "Zoë Ångström",
        "María José García-López",
        "Ahmed Khan",
        "Sam Lee",
        "Chris O'Neil",
        "Con",
        "Priya Patel",
        "Robert Brown Jr",
    ]
    jane = export.people[0]
    assert (jane.line, jane.raw_name, jane.company, jane.role, jane.email) == (
        5,
        "Jane Doe, PhD 🎓",
        "Acme, Inc.",
        "Director, Research",
        "jane.doe@acme.example",
    )
    assert str(jane.connected) == "2024-11-05"
    sam = export.people[6]
    assert (sam.line, sam.role) == (12, "Founder / Advisor")  # a quoted line break, one line in the note
    assert export.people[1].email == "" and export.people[1].emails == ()
    assert [(b.line, b.message) for b in export.bad] == [
        (9, "no name (LinkedIn leaves it empty for members who hide it)"),
        (14, "the date '31 Foo 2024' is not like 05 Nov 2024"),
        (16, "8 fields where the header has 7 (a comma outside quotes?)"),
    ]


@pytest.mark.parametrize(
    "variant",
    ["no BOM, LF", "semicolons (a spreadsheet in a European locale)", "Windows-1252", "ISO dates"],
)
def test_linkedin_export_as_spreadsheets_save_it(variant):
    rows = ['Zoë,"Ångström, PhD",https://www.linkedin.com/in/zoe,,"Initech, Ltd",Analyst,05 Nov 2024']
    if variant == "no BOM, LF":
        data = connections(rows, bom=False, eol="\n")
    elif variant.startswith("semicolons"):
        data = connections([r.replace(",", ";").replace('"Ångström; PhD"', '"Ångström, PhD"') for r in rows])
        data = data.replace(HEADER.encode(), HEADER.replace(",", ";").encode())
        data = data.replace(b'"Initech; Ltd"', b'"Initech, Ltd"')
    elif variant == "Windows-1252":
        data = connections(rows, bom=False).decode("utf-8").encode("cp1252")
    else:
        data = connections([rows[0].replace("05 Nov 2024", "2024-11-05")])
    (person,) = importer.read_linkedin(data).people
    assert (person.name, person.company, str(person.connected), person.line) == (
        "Zoë Ångström",
        "Initech, Ltd",
        "2024-11-05",
        5,
    )


def test_a_file_that_is_not_a_linkedin_export_is_refused(vault: VaultFactory, tmp_path: Path):
    other = tmp_path / "other.csv"
    other.write_text("Name,Phone\nJane,555\n")
    result = vault.run("import", "linkedin", str(other))
    assert result.exit_code == 2
    assert "not LinkedIn's Connections.csv" in result.output
    assert not (vault.root / "contacts").exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Jane Doe, PhD 🎓", "Jane Doe"),
        ("Priya Patel, MBA, PMP", "Priya Patel"),
        ("Robert Brown, Jr.", "Robert Brown Jr"),
        ("Henry Ford, III", "Henry Ford III"),
        ("Ahmed Khan ✨ | Open to work", "Ahmed Khan"),
        ("Lena 👩🏽‍💻 Park", "Lena Park"),
        ("AC/DC Fan: Joe?", "AC DC Fan Joe"),
        ('John "Johnny" Smith', "John Johnny Smith"),
        ("[Hiring] #Kim ^Lee", "Hiring Kim Lee"),
        ("  Zoë\u00a0 Ångström. ", "Zoë Ångström"),
        ("🎓", ""),
    ],
)
def test_clean_name(raw, clean):
    assert importer.clean_name(raw) == clean


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe",
        "http://linkedin.com/in/Jane-Doe/",
        "www.linkedin.com/in/jane-doe?trk=profile",
        "https://uk.linkedin.com/in/jane-doe",
        "linkedin.com/in/JANE-DOE",
    ],
)
def test_linkedin_urls_match_in_every_form(url):
    assert importer.linkedin_key(url) == "in/jane-doe"


def test_names_fold_accents_case_and_hyphens():
    assert importer.fold("Zoë  ÅNGSTRÖM") == importer.fold("zoe angstrom")
    assert importer.fold("María José García-López") == "maria jose garcia lopez"
    assert importer.fold("Søren Kierkegård") == "soren kierkegard"


def _vcard(name: str):
    return importer.read_vcard((DATA / name).read_bytes(), vobject_line)


def test_apple_vcard_folded_lines_escapes_pref_and_photos():
    export = _vcard("apple.vcf")
    jane, zoe = export.people
    assert (jane.name, jane.raw_name, jane.company, jane.role) == (
        "Jane Q. Doe",
        "Dr. Jane Q. Doe PhD",
        "Acme, Inc.",
        "Director, Research",
    )
    assert jane.email == "jane.doe@acme.example"  # type=pref first
    assert jane.emails == ("jane.doe@acme.example", "jane@home.example")
    assert jane.phone == "(555) 123-4567"
    assert jane.linkedin == "https://www.linkedin.com/in/jane-doe-phd"  # from X-SOCIALPROFILE's x-user
    assert jane.location == "Cupertino, CA"
    assert jane.extra == (
        "Email: jane@home.example",
        "Phone: (555) 765-4321",
        "Web: https://janedoe.example",
        "Note: Met at the alumni mixer.\n  Asked about research roles, said to email her.",
    )
    assert zoe.role == (
        "Data Scientist at Initech working on forecasting models for the supply chain and pricing teams"
    )
    assert [(b.line, b.message) for b in export.bad] == [(21, "a company card (Initech), not a person")]


def test_google_vcard_escaped_colons_and_a_card_without_a_name():
    export = _vcard("google.vcf")
    john, bob = export.people
    assert john.linkedin == "https://www.linkedin.com/in/johnsmith"
    assert (john.company, john.role, john.phone) == ("Acme Corp", "Software Engineer", "+1 415-555-0100")
    assert (bob.name, bob.email, bob.company) == ("Bob Roe", "bob@roe.example", "")
    assert [(b.line, b.message) for b in export.bad] == [(20, "no name (neither FN nor N gives one)")]


def test_android_vcard_2_1_quoted_printable_soft_breaks_and_bad_cards():
    export = _vcard("android.vcf")
    juergen, ngozi = export.people
    assert (juergen.name, juergen.company) == ("Jürgen Müller", "Große Maschinenbau GmbH")
    assert juergen.role == "Leiter Entwicklung, Antriebstechnik und Steuerungen für Windkraftanlagen"
    assert (juergen.phone, juergen.email) == ("+49 170 1234567", "juergen@example.de")
    assert ngozi.role == "Head of Talent, EMEA"  # 2.1 has no comma escapes: all of it is kept
    assert ngozi.email == "ngozi@globex.example"
    assert [(b.line, b.message[:30]) for b in export.bad] == [
        (23, "line 27 cannot be read (Failed"),
        (29, "this card is never closed with"),
    ]


def test_vcard_4_pref_numbers_tel_uris_and_data_uri_photos():
    (priya,) = _vcard("v4.vcf").people
    assert (priya.name, priya.email, priya.phone) == (
        "Priya Patel",
        "priya.patel@umbrella.example",
        "+1-555-555-0199",
    )
    assert priya.linkedin == "https://www.linkedin.com/in/priyapatel/"
    assert priya.extra == ("Email: priya@home.example",)


def test_a_file_that_is_not_a_vcard_is_refused(vault: VaultFactory):
    result = vault.run("import", "vcard", str(CSV))
    assert result.exit_code == 2 and "not a vCard file" in result.output


# --- importing ----------------------------------------------------------------------------------

PLAN = """\
New contacts (11):
  contacts/Jane Doe.md  (Acme, Inc. · Director, Research)
  contacts/John Smith.md  (Acme Corp · Software Engineer)
  contacts/John Smith (Globex).md  (Globex · Product Manager)
  contacts/Zoë Ångström.md  (Initech · Data Scientist)
  contacts/María José García-López.md  (Universidad de Salamanca · Profesora, Departamento de Física)
  contacts/Ahmed Khan.md
  contacts/Sam Lee.md  (Hooli · Founder / Advisor)
  contacts/Chris O'Neil.md  (AT&T / Mobility · VP: Sales & Marketing)
  contacts/Priya Patel.md  (Umbrella Corp · Program Manager)
  contacts/Robert Brown Jr.md
Bad rows, skipped (4):
  Connections.csv:9: no name (LinkedIn leaves it empty for members who hide it)
  Connections.csv:14: the date '31 Foo 2024' is not like 05 Nov 2024
  Connections.csv:16: 8 fields where the header has 7 (a comma outside quotes?)
  Connections.csv:17: 'Con' is a reserved file name on Windows
Plan for Connections.csv (dry run: nothing written): 10 new, 0 already there, 0 possible duplicates, 4 bad rows skipped.
"""


def test_dry_run_prints_the_plan_and_writes_nothing(vault: VaultFactory):
    vault.add("iinotes.toml", "")
    before = files(vault.root)
    result = vault.run("import", "linkedin", str(CSV), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output == PLAN.replace("New contacts (11)", "New contacts (10)")
    assert files(vault.root) == before


JANE = """\
---
type: contact
id: ID
company: Acme, Inc.
role: Director, Research
email: jane.doe@acme.example
linkedin: https://www.linkedin.com/in/jane-doe-phd
tags:
  - linkedin
source: LinkedIn
referred_by:
outreach:
responded:
touches:
added: 2026-11-23
connected: 2024-11-05
---
# Jane Doe

Added 2026-11-23.

## Who they are
- Current role and how they got there:
- Why I want to talk to them:

## Notes
"""


def test_import_writes_lead_contacts_and_a_second_run_changes_nothing(vault: VaultFactory):
    assert vault.run("init").exit_code == 0
    result = vault.run("import", "linkedin", str(CSV), "--tag", "linkedin")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Imported Connections.csv: 10 new, 0 already there, 0 possible duplicates, 4 bad rows skipped.\n"
    )
    found = contacts(vault.root)
    assert sorted(found) == sorted(
        [
            "Jane Doe",
            "John Smith",
            "John Smith (Globex)",
            "Zoë Ångström",
            "María José García-López",
            "Ahmed Khan",
            "Sam Lee",
            "Chris O'Neil",
            "Priya Patel",
            "Robert Brown Jr",
        ]
    )
    text = (vault.root / "contacts" / "Jane Doe.md").read_text("utf-8")
    assert re.sub(r"id: c-[0-9a-f]{8}", "id: ID", text) == JANE
    assert found["John Smith (Globex)"].linkedin == "https://www.linkedin.com/in/john-smith-7b3a2"
    assert found["Sam Lee"].role == "Founder / Advisor"
    assert len({c.id for c in found.values()}) == 10
    index = vault.index()
    assert {view.stage for view in index.contacts.values()} == {"lead"}
    validate = vault.run("validate")
    assert validate.exit_code == 0 and "0 errors, 0 warnings" in validate.output, validate.output

    before = files(vault.root)
    again = vault.run("import", "linkedin", str(CSV), "--tag", "linkedin")
    assert again.exit_code == 0
    assert again.output.endswith(": 0 new, 10 already there, 0 possible duplicates, 4 bad rows skipped.\n")
    assert files(vault.root) == before
    update = vault.run("import", "linkedin", str(CSV), "--tag", "linkedin", "--update")
    assert update.output.endswith(
        "0 new, 10 already there (0 updated), 0 possible duplicates, 4 bad rows skipped.\n"
    )
    assert files(vault.root) == before


def test_matching_by_url_email_name_and_alias_and_possible_duplicates(vault: VaultFactory):
    vault.contact("Jane", linkedin="http://linkedin.com/in/Jane-Doe-PhD/", company="Acme")  # URL
    vault.contact("Johnny S", email="JOHN@acme.example")  # email (a vCard of his would match)
    vault.contact("Zoe Angstrom")  # name without accents, no company: the same person
    vault.contact("Christopher O'Neil", aliases='["Chris O\'Neil"]', company="AT&T / Mobility")  # alias
    vault.contact("Priya Patel", company="Initech")  # same name, another company
    vault.add("contacts/Ahmed Khan.md", "Just a page about Ahmed, no front matter.\n")
    before = files(vault.root)
    result = vault.run("import", "linkedin", str(CSV), "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        "  Jane Doe (Acme, Inc. · Director, Research), line 5: contacts/Jane.md (same LinkedIn URL)\n" in out
    )
    assert "  Zoë Ångström (Initech · Data Scientist), line 8: contacts/Zoe Angstrom.md (same name)\n" in out
    assert (
        "  Chris O'Neil (AT&T / Mobility · VP: Sales & Marketing), line 15: contacts/Christopher O'Neil.md"
        " (same name and company)\n" in out
    )
    assert "Possible duplicates, not imported (2):\n" in out
    assert "  (different people? run the same command with --keep-both to import them too)\n" in out
    assert (
        "  Ahmed Khan, line 11: a note named Ahmed Khan.md exists that is not a readable contact note\n"
        in out
    )
    assert (
        "  Priya Patel (Umbrella Corp · Program Manager), line 18: same name as contacts/Priya Patel.md (Initech)\n"
        in out
    )
    assert out.endswith("5 new, 3 already there, 2 possible duplicates, 4 bad rows skipped.\n")
    assert files(vault.root) == before

    assert vault.run("import", "linkedin", str(CSV), "--keep-both").exit_code == 0
    made = contacts(vault.root)
    assert "Priya Patel (Umbrella Corp)" in made and "Ahmed Khan (2)" in made
    assert "Ahmed Khan" not in made  # the page is not a contact and was left as it was
    assert (
        vault.root / "contacts" / "Ahmed Khan.md"
    ).read_text() == "Just a page about Ahmed, no front matter.\n"
    assert made["Priya Patel"].company == "Initech"
    after = files(vault.root)
    assert vault.run("import", "linkedin", str(CSV), "--keep-both").exit_code == 0
    assert files(vault.root) == after  # a kept duplicate is matched the next time, not made again


def test_update_fills_only_empty_keys_with_minimal_edits(vault: VaultFactory):
    original = (
        "---\r\n"
        "type: contact\r\n"
        "id: c-00000001\r\n"
        "# how I know her\r\n"
        "source: alumni\r\n"
        "role: Head of Research   # she told me\r\n"
        "company:\r\n"
        "my_key: kept\r\n"
        "linkedin: https://www.linkedin.com/in/jane-doe-phd\r\n"
        "---\r\n"
        "Body I wrote.\r\n"
    )
    vault.add("contacts/Jane Doe.md", original, dedent=False)
    dry = vault.run("import", "linkedin", str(CSV), "--update", "--dry-run", "--limit", "1")
    assert "contacts/Jane Doe.md (same LinkedIn URL); would fill company, email, connected\n" in dry.output
    assert (vault.root / "contacts" / "Jane Doe.md").read_bytes().decode() == original
    result = vault.run("import", "linkedin", str(CSV), "--update", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Updated (1):\n  contacts/Jane Doe.md: filled company, email, connected\n" in result.output
    assert result.output.endswith(
        "0 new, 1 already there (1 updated), 0 possible duplicates, 3 bad rows skipped, 10 left out by the filters.\n"
    )
    assert (vault.root / "contacts" / "Jane Doe.md").read_bytes().decode() == (
        original.replace("company:\r\n", "company: Acme, Inc.\r\n").replace(
            "---\r\nBody", "email: jane.doe@acme.example\r\nconnected: 2024-11-05\r\n---\r\nBody"
        )
    )
    again = files(vault.root)
    assert vault.run("import", "linkedin", str(CSV), "--update", "--limit", "1").exit_code == 0
    assert files(vault.root) == again


def test_filters_and_tags(vault: VaultFactory):
    result = vault.run(
        "import",
        "linkedin",
        str(CSV),
        "--company",
        "^acme",
        "--connected-since",
        "2024-10-01",
        "--tag",
        "#alumni",
    )
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "2 new, 0 already there, 0 possible duplicates, 3 bad rows skipped, 9 left out by the filters.\n"
    )
    made = contacts(vault.root)
    assert sorted(made) == ["Jane Doe", "John Smith"]
    assert made["Jane Doe"].tags == ("alumni",)
    position = vault.run("import", "linkedin", str(CSV), "--position", "manager", "--limit", "1", "--dry-run")
    assert "  contacts/John Smith (Globex).md  (Globex · Product Manager)\n" in position.output
    assert "Priya" not in position.output
    bad = vault.run("import", "linkedin", str(CSV), "--company", "(")
    assert bad.exit_code == 2 and "not a regular expression" in bad.output


def test_file_names_are_safe_everywhere_and_two_namesakes_get_stable_distinct_names(make_vault):
    rows = [
        "AC/DC,Fan: Joe?,https://www.linkedin.com/in/acdc,,Rock*Co,Roadie,01 Jan 2024",
        "Aux,,https://www.linkedin.com/in/aux,,Contoso,Intern,01 Jan 2024",
        "Ann,Lee,https://www.linkedin.com/in/ann-lee-1,,,,01 Jan 2024",
        "Ann,Lee,https://www.linkedin.com/in/ann-lee-2,,,,01 Jan 2024",
        "ANN,LEE,https://www.linkedin.com/in/ann-lee-3,,Umbrella,,01 Jan 2024",
        "Ann,Lee,https://www.linkedin.com/in/ann-lee-1,,,,01 Jan 2024",
        "Émile," + "Z" * 250 + ",https://www.linkedin.com/in/long,,,,01 Jan 2024",
        "Dot.,Com.,https://www.linkedin.com/in/dot,,,,01 Jan 2024",
    ]
    names = []
    for name in ("one", "two"):
        vault = make_vault(name)
        export = vault.root / "Connections.csv"
        vault.add("Connections.csv", connections(rows))
        result = vault.run("import", "linkedin", str(export))
        assert result.exit_code == 0, result.output
        assert "Connections.csv:6: 'Aux' is a reserved file name on Windows" in result.output
        assert "Ann Lee, line 10: contacts/Ann Lee.md (repeats line 7)" not in result.output  # not a dry run
        names.append(sorted(contacts(vault.root)))
    assert names[0] == names[1]
    made = names[0]
    assert made[:4] == ["AC DC Fan Joe", "Ann Lee", "Ann Lee (2)", "ANN LEE (Umbrella)"] or set(made[:4]) == {
        "AC DC Fan Joe",
        "Ann Lee",
        "Ann Lee (2)",
        "ANN LEE (Umbrella)",
    }
    assert "Dot Com" in made
    long = next(n for n in made if n.startswith("Émile"))
    assert len(long.encode()) <= 200
    for stem in made:
        assert not re.search(r'[/\\<>:"|?*\[\]#^]', stem) and not stem.endswith((".", " "))
    dry = vault.run("import", "linkedin", str(vault.root / "Connections.csv"), "--dry-run")
    assert "Ann Lee, line 10: contacts/Ann Lee.md (same LinkedIn URL)" in dry.output


def test_repeated_rows_in_one_file_make_one_note(vault: VaultFactory):
    row = "Ann,Lee,https://www.linkedin.com/in/ann-lee,,Acme,,01 Jan 2024"
    vault.add("Connections.csv", connections([row, row]))
    dry = vault.run("import", "linkedin", str(vault.root / "Connections.csv"), "--dry-run")
    assert "  Ann Lee (Acme), line 6: contacts/Ann Lee.md (repeats line 5)\n" in dry.output
    assert vault.run("import", "linkedin", str(vault.root / "Connections.csv")).exit_code == 0
    assert list(contacts(vault.root)) == ["Ann Lee"]


def test_vcards_import_with_extra_details_in_the_body_and_no_photo(vault: VaultFactory):
    vault.run("init")
    for name in ("apple", "google", "android", "v4"):
        result = vault.run("import", "vcard", str(DATA / f"{name}.vcf"))
        assert result.exit_code == 0, result.output
    made = contacts(vault.root)
    assert sorted(made) == [
        "Bob Roe",
        "Jane Q. Doe",
        "John Smith",
        "Jürgen Müller",
        "Ngozi Okafor",
        "Priya Patel",
        "Zoë Ångström",
    ]
    jane = (vault.root / "contacts" / "Jane Q. Doe.md").read_text("utf-8")
    assert "source: address book\n" in jane and "phone: (555) 123-4567\n" in jane
    assert jane.endswith(
        "## Notes\n\nFrom apple.vcf:\n- Email: jane@home.example\n- Phone: (555) 765-4321\n"
        "- Web: https://janedoe.example\n- Note: Met at the alumni mixer.\n"
        "  Asked about research roles, said to email her.\n"
    )
    assert "9j/4AAQ" not in "".join(p.read_text("utf-8") for p in (vault.root / "contacts").glob("*.md"))
    assert made["Priya Patel"].email == "priya.patel@umbrella.example"
    assert vault.run("validate").exit_code == 0
    before = files(vault.root)
    for name in ("apple", "google", "android", "v4"):
        again = vault.run("import", "vcard", str(DATA / f"{name}.vcf"))
        assert ": 0 new, " in again.output
    assert files(vault.root) == before


def test_a_vcard_matches_what_the_linkedin_import_made(vault: VaultFactory):
    assert vault.run("import", "linkedin", str(CSV)).exit_code == 0
    result = vault.run("import", "vcard", str(DATA / "apple.vcf"), "--update")
    assert "  contacts/Jane Doe.md: filled phone, location\n" in result.output
    assert "  contacts/Zoë Ångström.md: filled email\n" in result.output
    assert result.output.endswith(
        "0 new, 2 already there (2 updated), 0 possible duplicates, 1 bad row skipped.\n"
    )


def test_json_report(vault: VaultFactory):
    result = vault.run("import", "linkedin", str(CSV), "--format", "json", "--limit", "2")
    report = json.loads(result.output)
    assert report["kind"] == "LinkedIn" and report["dry_run"] is False and report["left_out"] == 9
    assert [(n["line"], n["path"], n["changed"]) for n in report["new"]] == [
        (5, "contacts/Jane Doe.md", True),
        (6, "contacts/John Smith.md", True),
    ]
    assert [b["line"] for b in report["bad_rows"]] == [9, 14, 16]


def test_a_user_template_is_used(vault: VaultFactory):
    vault.add(
        "templates/contact.md",
        """\
        ---
        type: template
        id:
        added:
        company:
        status: active
        ---
        # {{title}}
        Imported on {{date}}.
        """,
    )
    vault.add("Connections.csv", connections(["Ann,Lee,https://www.linkedin.com/in/ann,,Acme,,01 Jan 2024"]))
    assert vault.run("import", "linkedin", str(vault.root / "Connections.csv")).exit_code == 0
    text = (vault.root / "contacts" / "Ann Lee.md").read_text()
    assert re.sub(r"c-[0-9a-f]{8}", "ID", text) == (
        "---\ntype: contact\nid: ID\nadded: 2026-11-23\ncompany: Acme\nstatus: active\n"
        "linkedin: https://www.linkedin.com/in/ann\nsource: LinkedIn\nconnected: 2024-01-01\n---\n"
        "# Ann Lee\nImported on 2026-11-23.\n"
    )


# --- interruption -------------------------------------------------------------------------------


def _start(root: Path, export: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "iinotes", "--vault", str(root), "import", "linkedin", str(export)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_notes(root: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        folder = root / "contacts"
        if folder.is_dir() and sum(1 for _ in folder.iterdir()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the import did not get to {count} notes: {process.poll()}")


ROWS = 2000  # enough that a fast disk cannot finish before the signal lands


@pytest.fixture
def big(vault: VaultFactory) -> Path:
    rows = [
        f"Person,Number {i:04d},https://www.linkedin.com/in/person-{i},p{i}@example.com,Company {i % 7},Role,01 Jan 2024"
        for i in range(ROWS)
    ]
    rows.insert(50, rows[10])  # a repeated row
    vault.add("Connections.csv", connections(rows))
    vault.add("iinotes.toml", "")
    return vault.root / "Connections.csv"


def _check_whole(root: Path) -> dict[str, Contact]:
    made = contacts(root)  # every note there parses as a contact without errors
    urls = [c.linkedin for c in made.values()]
    assert len(urls) == len(set(urls))
    return made


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("how", [getattr(signal, "SIGKILL", 9), signal.SIGTERM])
def test_an_import_killed_half_way_finishes_when_run_again(vault: VaultFactory, big: Path, how: int):
    process = _start(vault.root, big)
    _wait_for_notes(vault.root, 60, process)
    process.send_signal(how)
    out, err = process.communicate(timeout=60)
    partial = _check_whole(vault.root)
    assert 50 <= len(partial) < ROWS
    if how == signal.SIGTERM:
        assert process.returncode == 130
        assert b"Interrupted after " in out and b"run the same command again to finish" in err
        assert not [p for p in (vault.root / "contacts").iterdir() if p.name.startswith(".")]
    else:
        assert process.returncode == -how
    again = _start(vault.root, big)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert f"{ROWS - len(partial)} new, {len(partial) + 1} already there".encode() in out
    made = _check_whole(vault.root)
    assert len(made) == ROWS
    assert {c.email for c in made.values()} == {f"p{i}@example.com" for i in range(ROWS)}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_only(vault: VaultFactory, big: Path):
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "iinotes",
            "--vault",
            str(vault.root),
            "import",
            "linkedin",
            str(big),
            "--limit",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    out, _ = process.communicate(timeout=60)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.returncode == 0
    assert b"Importing" in shown and b"100%" in shown
    assert b"Importing" not in out  # the report itself carries no bar
    quiet = vault.run("import", "linkedin", str(big), "--limit", "40")
    assert "Importing" not in quiet.output


def test_a_broken_template_stops_the_import_before_anything_is_written(vault: VaultFactory):
    vault.add("templates/contact.md", "---\ntype: template\nid: [unclosed\n---\n# {{title}}\n")
    result = vault.run("import", "linkedin", str(CSV), "--source", "alumni")
    assert result.exit_code == 2
    assert "template" in result.output
    assert not (vault.root / "contacts").exists()


def test_source_can_be_given(vault: VaultFactory):
    assert vault.run("import", "vcard", str(DATA / "v4.vcf"), "--source", "Umbrella alumni").exit_code == 0
    assert contacts(vault.root)["Priya Patel"].source == "Umbrella alumni"


def test_companies_match_without_legal_forms_and_punctuation():
    assert importer.company_key("Acme, Inc.") == importer.company_key("ACME Corp") == "acme"
    assert importer.company_key("Société Générale SA") == "societe generale"
    table = importer._Table([importer.Known("contacts/Jane Doe.md", "Jane Doe", company="ACME Corp")])
    jane = importer.Person(line=5, name="Jane Doe", raw_name="Jane Doe", company="Acme, Inc.")
    step = importer.match(jane, table)
    assert step is not None and (step.action, step.why) == ("there", "same name and company")


def test_vcard_file_as_names_and_a_u2028_inside_a_csv_value():
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Doe, Jane\r\nN:Doe;Jane;;;\r\nEND:VCARD\r\n"
    (person,) = importer.read_vcard(card, vobject_line).people
    assert person.name == "Jane Doe"
    rows = [
        "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,Chief\u2028Cook,01 Jan 2024",
        "Bo,Ek,,,,,02 Jan 2024",
    ]
    people = importer.read_linkedin(connections(rows)).people
    assert [(p.line, p.role) for p in people] == [(5, "Chief / Cook"), (6, "")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "FN:A;B", "N:;;", ",,,", '"', "=", " x"]
            ),
        ),
        max_size=12,
    ),
    st.sampled_from(["\r\n", "\n", "\r"]),
)
def test_any_export_is_read_or_refused_never_a_traceback(lines, eol):
    for head in (HEADER, "BEGIN:VCARD"):
        data = (eol.join([head, *lines]) + eol).encode("utf-8", "surrogatepass")
        for read in (importer.read_linkedin, lambda d: importer.read_vcard(d, vobject_line)):
            try:
                export = read(data)
            except UsageError:
                continue
            for person in export.people:
                assert person.name == importer.clean_name(person.name) and person.line >= 1
            assert all(row.line >= 1 for row in export.bad)
