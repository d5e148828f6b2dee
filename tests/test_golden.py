"""Golden files: tests/data/validate/<case>.md beside the problems `validate --format json` gives for it.

A missing expected file is created (review it, then commit it); an existing one is never overwritten."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "validate"
CASES = sorted(p.stem for p in DATA.glob("*.md"))


def check_golden(expected_file: Path, actual: str) -> None:
    """Compare with the golden file, creating it when missing (never overwriting it)."""
    if not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
        pytest.fail(f"created {expected_file.name}; review it and run again")
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_validate_golden(vault, case):
    folder = "contacts" if case.startswith("contact-") else "interviews"
    vault.contact("Jane Doe")
    vault.add(f"{folder}/{case}.md", (DATA / f"{case}.md").read_bytes())
    result = vault.run("validate", "--format", "json", f"{vault.root}/{folder}/{case}.md")
    data = json.loads(result.stdout)
    assert result.exit_code == (1 if data["errors"] else 0)
    check_golden(DATA / f"{case}.json", result.stdout)


def test_golden_helper_never_overwrites(tmp_path):
    target = tmp_path / "x.json"
    with pytest.raises(pytest.fail.Exception):
        check_golden(target, "first\n")
    with pytest.raises(AssertionError):
        check_golden(target, "second\n")
    assert target.read_text() == "first\n"
    shutil.rmtree(tmp_path)
