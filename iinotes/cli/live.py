"""Commands that keep the feed live: watch and serve (issue 4)."""

from __future__ import annotations

COMMANDS: tuple = ()
