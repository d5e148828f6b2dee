"""The one exception family of iinotes; each subclass carries the CLI exit code it maps to."""

from __future__ import annotations


class IinotesError(Exception):
    """Base of every error iinotes raises on purpose; `exit_code` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class VaultNotFound(IinotesError):
    """The vault folder does not exist or is not a folder."""

    exit_code = 2


class SettingsError(IinotesError):
    """`iinotes.toml` cannot be read or holds unknown keys or bad values."""

    exit_code = 2


class UsageError(IinotesError):
    """A command was given arguments it cannot act on (unknown contact, bad date, ...)."""

    exit_code = 2


class LookupFailed(IinotesError):
    """A name given on the command line matches no note, or more than one."""

    exit_code = 1


class DraftError(IinotesError):
    """A message cannot be drafted: a bad message template, or nothing in the notes to draft from."""

    exit_code = 2


class OutreachRefused(IinotesError):
    """One more outreach would be stalking (declined, do-not-contact, archived, ladder done)."""

    exit_code = 1
