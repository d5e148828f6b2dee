"""Commands that write notes: init, new, questions, log, done, confirm, thank, commit-done, hook (issue 5)."""

from __future__ import annotations

COMMANDS: tuple = ()
