"""What every command shares: the --vault/--today options, the lazily opened Vault, --format."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import progress
from ..errors import UsageError
from ..pipeline import Vault
from ..values import parse_date


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
