"""What every command shares: the --vault/--today options, the lazily opened Vault, --format."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

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
        """The vault named by the options (raising VaultNotFound / SettingsError as they apply)."""
        if self._vault is None:
            from ..pipeline import Vault

            self._vault = Vault.find(self.vault_dir, today=self.today)
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
        self.vault, self.command, self.key = vault, command, key
        self.chunks: list[tuple[str, bytes]] = []

    def echo(self, text: str, nl: bool = True, err: bool = False) -> None:
        """click.echo, recorded."""
        click.echo(text, nl=nl, err=err)
        if self.key is not None:
            whole = text + "\n" if nl else text
            self.chunks.append(("err" if err else "out", whole.encode("utf-8", "surrogateescape")))

    def note(self, text: str, err: bool = False) -> None:
        """Record a line without writing it: what the run after this one will say (see `finish`)."""
        if self.key is not None:
            self.chunks.append(("err" if err else "out", (text + "\n").encode("utf-8", "surrogateescape")))

    def write_bytes(self, data: bytes) -> None:
        """Bytes to standard output as they are (the feed), recorded."""
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        if self.key is not None:
            self.chunks.append(("bin", data))

    def finish(self, code: int = 0, *, also: tuple[object, ...] | None = None) -> None:
        """Keep the record and exit with `code`. `also`: the flags of the run that follows this one
        (a feed file just written is the next run's previous feed), kept under their key instead."""
        key = self.key if also is None or self.key is None else self.vault.answer_key(self.command, *also)
        if key is not None:
            from .. import cache

            cache.save_answer(self.vault.root, self.command, key, self.chunks, code)
        if code:
            raise click.exceptions.Exit(code)


def recorded(command: str, *flags: object) -> Recorder:
    """A Recorder for `command` run with `flags`; when the vault is unchanged since a run with the
    same flags, its recorded output is written again and the command exits here."""
    from .. import cache

    vault = state().vault()
    key = vault.answer_key(command, *flags)
    if key is not None:
        found = cache.load_answer(vault.root, command, key)
        if found is not None:
            chunks, code = found
            for stream, data in chunks:
                if stream == "bin":
                    sys.stdout.flush()
                    sys.stdout.buffer.write(data)
                    sys.stdout.buffer.flush()
                else:
                    click.echo(data.decode("utf-8", "surrogateescape"), nl=False, err=stream == "err")
            raise click.exceptions.Exit(code)
    return Recorder(vault, command, key)
