"""Mermaid's own parser, run under node, for the charts the review note holds (the tests skip
when node or Mermaid is missing locally; CI installs them with .ci/run and fails without them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def mermaid_dir() -> str | None:
    """Where Mermaid and jsdom are installed (MERMAID_DIR, else .ci/node as .ci/run installs them)."""
    for candidate in (os.environ.get("MERMAID_DIR"), str(REPO / ".ci" / "node")):
        modules = Path(candidate or "") / "node_modules"
        if (
            candidate
            and (modules / "mermaid").is_dir()
            and (modules / "jsdom").is_dir()
            and shutil.which("node")
        ):
            return candidate
    return None


def mermaid_parse(charts: list[str]) -> list[dict[str, object]]:
    """What Mermaid's parser says of each chart: {"ok": True, "type": ...} or {"ok": False, "error": ...}."""
    folder = mermaid_dir()
    if folder is None:
        if os.environ.get("CI") and shutil.which("node"):
            pytest.fail("CI has node but Mermaid is not installed (see .ci/run)")
        pytest.skip("Mermaid is not installed (bash .ci/run installs it into .ci/node)")
    result = subprocess.run(
        ["node", str(REPO / "tests" / "mermaid_parse.mjs")],
        input=json.dumps(charts).encode(),
        capture_output=True,
        env={**os.environ, "MERMAID_DIR": folder},
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)
