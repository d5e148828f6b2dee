"""What every command shares: the --vault/--today options, the lazily opened Vault, --format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

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
        """The vault named by the options (raising VaultNotFound / SettingsError as they apply)."""
        if self._vault is None:
            self._vault = Vault.find(self.vault_dir, today=self.today)
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
