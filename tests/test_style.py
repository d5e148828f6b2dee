"""The code's shape is checked like its behaviour: `ruff format` at 110 columns and `ruff check`, with
the ruff version pinned in the test extra so that CI and a developer's machine agree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PATHS = ["iinotes", "tests", "benchmarks"]


def _ruff() -> list[str]:
    found = Path(sys.executable).parent / "ruff"
    if found.exists():
        return [str(found)]
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.skip("ruff is not installed (pip install -e '.[test]')")


def test_code_is_formatted():
    result = subprocess.run([*_ruff(), "format", "--check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_is_clean():
    result = subprocess.run([*_ruff(), "check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
