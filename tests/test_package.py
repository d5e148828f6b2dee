"""The package as users and packagers get it: the sdist holds everything its own tests need and they
pass from the unpacked sdist; SPDX license metadata and a LICENSE file; the README's links work on the
package index page; the dependencies are what the code imports."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

INNER = "IINOTES_TESTING_SDIST"  # set in the run from the unpacked sdist: no sdist inside the sdist
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
# what zoneinfo imports for its data where the system has no zone database (Windows)
IMPORTED_BY_THE_STDLIB = {"tzdata"}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist built from this tree (as `python -m build --sdist` makes it), unpacked."""
    if os.environ.get(INNER):
        pytest.skip("already running from an unpacked sdist")
    pytest.importorskip("build", reason="pip install -e '.[test]' installs build")
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "License classifiers are deprecated" not in built.stderr
    assert "`project.license` as a TOML table is deprecated" not in built.stderr
    (archive,) = out.glob("iinotes-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    (root,) = (p for p in out.iterdir() if p.is_dir())
    return root


def _tracked(folder: str) -> set[str]:
    """The repository's files under `folder` (git's list when this is a clone, else the tree)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", folder], cwd=REPO, capture_output=True, text=True, check=False
    )
    if listed.returncode == 0 and listed.stdout:
        names = {name for name in listed.stdout.split("\0") if name}
        return {name for name in names if (REPO / name).exists()}
    return {
        p.relative_to(REPO).as_posix()
        for p in (REPO / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".iinotes" not in p.parts
    }


def test_the_sdist_holds_everything_its_tests_need(sdist):
    for folder in ("tests", "sample-vault", "docs", "benchmarks", "iinotes"):
        missing = {name for name in _tracked(folder) if not (sdist / name).is_file()}
        assert not missing, f"{folder}: not in the sdist: {sorted(missing)}"
    for name in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", ".ci/run", "tests/conftest.py"):
        assert (sdist / name).is_file(), name
    assert not list(sdist.rglob("__pycache__")) and not list(sdist.rglob("node_modules"))


def test_the_license_is_spdx_with_its_file(sdist):
    info = (sdist / "PKG-INFO").read_text("utf-8")
    assert "License-Expression: MIT" in info and "License-File: LICENSE" in info
    assert "\nLicense: " not in info and "License :: " not in info
    assert (sdist / "LICENSE").read_text("utf-8").startswith("MIT License")


def test_the_tests_pass_from_the_unpacked_sdist(sdist):
    env = {k: v for k, v in os.environ.items() if k not in ("IINOTES_VAULT", "PYTHONPATH")}
    env.update({INNER: "1", "PYTHONPATH": str(sdist), "PYTHONDONTWRITEBYTECODE": "1"})
    where = subprocess.run(
        [sys.executable, "-c", "import iinotes; print(iinotes.__file__)"],
        cwd=sdist,
        env=env,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(sdist), where.stdout + where.stderr
    run = subprocess.run(
        # a fixed hypothesis seed: the outer run explores, this one checks the packaging
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "--hypothesis-seed=0"],
        cwd=sdist,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", run.stdout)


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "iinotes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "iinotes"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_dependencies_are_what_the_code_imports():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    by_module = importlib.metadata.packages_distributions()
    imported = {by_module[module][0].lower().replace("_", "-") for module in _third_party_imports()}
    assert imported <= declared, f"imported but not declared: {imported - declared}"
    assert declared - imported <= IMPORTED_BY_THE_STDLIB, f"declared, never imported: {declared - imported}"


def test_readme_links_are_absolute_and_lead_somewhere():
    """Relative links are dead on the package index page; every link starts with the project's
    Homepage and names a file that exists in this tree."""
    home = PYPROJECT["project"]["urls"]["Homepage"].rstrip("/") + "/"
    links = re.findall(r"\]\(([^)\s]+)\)", (REPO / "README.md").read_text("utf-8"))
    assert links
    for link in links:
        assert re.match(r"[a-z]+://", link), f"relative link in README.md: {link}"
        if link.startswith(home):
            rel = re.sub(r"^(blob|tree)/[^/]+/", "", link[len(home) :]).split("#")[0]
            assert (REPO / rel).exists(), f"README.md links to {rel}, which does not exist"
