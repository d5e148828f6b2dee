"""Shared fixtures: a factory for vaults in tmp_path and a CLI runner that pins today."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from iinotes.cli import cli

TODAY = "2026-11-23"
PAST = 1_700_000_000  # a fixed mtime well in the past, so the cache trusts the files


class VaultFactory:
    """Builds a vault in tmp_path: `add(path, text)` writes a note (dedented); `run(...)` runs the CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def add(self, rel: str, text: str | bytes, *, dedent: bool = True, age: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = (textwrap.dedent(text).lstrip("\n") if dedent else text).encode("utf-8")
        path.write_bytes(text)
        if age:
            os.utime(path, (PAST, PAST))
        return path

    def contact(self, name: str, body: str = "", **fields: str) -> Path:
        lines = (
            ["---", "type: contact", f"id: c-{zlib.crc32(name.encode()):08x}"]
            + [f"{k}: {v}" for k, v in fields.items()]
            + ["---", body]
        )
        return self.add(f"contacts/{name}.md", "\n".join(lines) + "\n", dedent=False)

    def interview(self, day: str, name: str, body: str = "", **fields: str) -> Path:
        fields.setdefault("contact", f'"[[{name}]]"')
        lines = (
            ["---", "type: interview", f"id: i-{zlib.crc32((day + name).encode()):08x}"]
            + [f"{k}: {v}" for k, v in fields.items()]
            + ["---", body]
        )
        return self.add(f"interviews/{day} {name}.md", "\n".join(lines) + "\n", dedent=False)

    def run(self, *args: str, today: str | None = TODAY) -> Result:
        pre = ["--vault", str(self.root)] + (["--today", today] if today else [])
        return CliRunner().invoke(cli, [*pre, *args], catch_exceptions=False)

    def index(self, today: str = TODAY):  # type: ignore[no-untyped-def]
        from iinotes import Vault

        return Vault(self.root, today=dt.date.fromisoformat(today)).index()


@pytest.fixture
def vault(tmp_path: Path) -> VaultFactory:
    return VaultFactory(tmp_path / "vault")


@pytest.fixture
def make_vault(tmp_path: Path) -> Callable[[str], VaultFactory]:
    return lambda name: VaultFactory(tmp_path / name)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IINOTES_VAULT", raising=False)
    monkeypatch.setenv("TZ", "UTC")


REPO = Path(__file__).resolve().parent.parent


def contact_text(name: str, follow_up: str = "2026-11-25", number: int = 1) -> str:
    """A contact note with one manual follow-up (one event in the feed)."""
    return f"---\ntype: contact\nid: c-{number:08x}\nname: {name}\nfollow_up: {follow_up}\n---\nNotes about {name}.\n"


@pytest.fixture
def two(vault: VaultFactory) -> VaultFactory:
    """A vault with two contacts, each with one follow-up in the feed (watch and serve tests; the
    weekly review and reach-out items are off, so the feed holds exactly those two)."""
    vault.add("iinotes.toml", '[followups]\nreview_weekday = ""\nweekly_outreach = 0\n')
    vault.add("contacts/Jane Doe.md", contact_text("Jane Doe", number=1), dedent=False)
    vault.add("contacts/Bob Roe.md", contact_text("Bob Roe", "2026-11-26", number=2), dedent=False)
    return vault
