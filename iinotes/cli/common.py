"""What every command shares: the --vault/--today options, the lazily opened Vault, --format."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .. import progress
from ..errors import UsageError

if TYPE_CHECKING:
    from ..pipeline import Vault


class State:
    """Options collected from the group and the subcommand; opens the vault once, on demand."""

    def __init__(self) -> None:
        self.vault_dir: str | None = None
        self.today: dt.date | None = None
        self._vault: Vault | None = None

    def vault(self) -> Vault:
        """The vault named by the options (raising VaultNotFound / SettingsError as they apply).
        A command that writes notes (it takes --dry-run, or was given --write) refuses a folder that
        is only the current one: no --vault, no $IINOTES_VAULT and no iinotes.toml up the tree."""
        if self._vault is None:
            from ..pipeline import Vault

            self._vault = Vault.find(self.vault_dir, today=self.today)
            self._vault.progress = progress.for_stream(sys.stderr)
        context = click.get_current_context()
        writing = any(param.name == "dry_run" for param in context.command.params) or context.params.get(
            "write"
        )
        if context.command.name != "init" and writing:
            from ..writes import check_vault_named

            check_vault_named(self._vault.root, bool(self.vault_dir or os.environ.get("IINOTES_VAULT")))
        return self._vault


def _set_vault(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(State).vault_dir = value
    return value


def _set_today(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from ..values import parse_date

        try:
            ctx.ensure_object(State).today = parse_date(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return value


def shared_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--vault and --today, accepted before or after the command name."""
    command = click.option(
        "--today",
        metavar="YYYY-MM-DD",
        expose_value=False,
        is_eager=True,
        callback=_set_today,
        help="Pretend today is this day (every date rule uses it). Default: today in the vault's time zone.",
    )(command)
    return click.option(
        "--vault",
        metavar="DIR",
        expose_value=False,
        is_eager=True,
        callback=_set_vault,
        help=(
            "The vault folder. Default: $IINOTES_VAULT, else the nearest parent with iinotes.toml, else here."
        ),
    )(command)


def format_option(*choices: str) -> Callable[..., Any]:
    """--format with the given choices, `text` first and default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(("text", *choices)),
        default="text",
        show_default=True,
        help="Output for people (text) or programs (" + ", ".join(choices) + ").",
    )


def state() -> State:
    """The State of the running command."""
    return click.get_current_context().ensure_object(State)


def fail(message: str, hint: str | None = None) -> UsageError:
    """A usage error to raise from a command."""
    return UsageError(message, hint)


class Recorder:
    """Writes a command's output and records it, so that the same command with the same flags on
    an unchanged vault (every file's signature, the settings, today) is answered from the record
    without reading a note (see `recorded`)."""

    def __init__(self, vault: Vault, command: str, key: str | None) -> None:
        from .. import cache

        self.vault, self.command, self.key = vault, command, key
        self.record = cache.AnswerWriter(vault.root) if key is not None else None
        if self.record is not None:
            click.get_current_context().call_on_close(self.record.discard)  # unless kept by finish

    def echo(self, text: str, nl: bool = True, err: bool = False) -> None:
        """`echo` (colour only on a terminal), recorded."""
        echo(text, nl=nl, err=err)
        self.note(text if not nl else text + "\n", err, nl=False)

    def note(self, text: str, err: bool = False, nl: bool = True) -> None:
        """Record text without writing it: what the run after this one will say (see `finish`)."""
        if self.record is not None:
            whole = text + "\n" if nl else text
            self.record.write("err" if err else "out", whole.encode("utf-8", "surrogateescape"))

    def write_bytes(self, data: bytes) -> None:
        """Bytes to standard output as they are (the feed), recorded."""
        _write_bytes(data)
        if self.record is not None:
            self.record.write("bin", data)

    def finish(self, code: int = 0, *, also: tuple[object, ...] | None = None) -> None:
        """Keep the record and exit with `code`. `also`: the flags of the run that follows this one
        (a feed file just written is the next run's previous feed), kept under their key instead."""
        key = self.key if also is None or self.key is None else _answer_key(self.vault, self.command, *also)
        if self.record is not None:
            if key is not None:
                self.record.keep(self.command, key, code)
            self.record.discard()
        if code:
            raise click.exceptions.Exit(code)


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def recorded(command: str, *flags: object) -> Recorder:
    """A Recorder for `command` run with `flags`; when the vault is unchanged since a run with the
    same flags, its recorded output is written again and the command exits here."""
    from .. import cache

    vault = state().vault()
    key = _answer_key(vault, command, *flags)
    if key is not None:
        decoders = {
            stream: codecs.getincrementaldecoder("utf-8")("surrogateescape") for stream in ("out", "err")
        }

        def write(stream: str, data: bytes) -> None:
            if stream == "bin":
                _write_bytes(data)
            else:
                err = stream == "err"
                click.echo(decoders[stream].decode(data), nl=False, err=err, color=colour(err))

        code = cache.replay_answer(vault.root, command, key, write)
        if code is not None:
            raise click.exceptions.Exit(code)
    return Recorder(vault, command, key)


def _answer_key(vault: Vault, command: str, *flags: object) -> str | None:
    """The key of `command`'s output with `flags`: coloured output is another answer."""
    return vault.answer_key(command, *flags, colour(), colour(err=True))


def colour(err: bool = False) -> bool:
    """Whether output to stdout (stderr with `err`) gets colour: only on a terminal, never with
    NO_COLOR set (https://no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stderr if err else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """click.echo with colour decided by `colour` (click drops the styles when it is off)."""
    click.echo(text, err=err, nl=nl, color=colour(err))


_SEVERITY = re.compile(r"(?m)^(\S.*?: )(error|warning)(\[)")
_HEADING = re.compile(r"(?m)^(Overdue|Today \([0-9-]+\)):$")


def paint(text: str) -> str:
    """Styles for people: problem severities (error red, warning yellow) and the due list's
    Overdue (red) and Today headings (bold). Only shown where `colour` allows."""
    text = _SEVERITY.sub(
        lambda m: m[1] + click.style(m[2], fg="red" if m[2] == "error" else "yellow", bold=True) + m[3], text
    )
    return _HEADING.sub(lambda m: click.style(m[0], fg="red" if m[1] == "Overdue" else None, bold=True), text)
