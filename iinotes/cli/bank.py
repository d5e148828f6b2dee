"""The question bank command: `iinotes questions` (it reads no note, so it imports no parser)."""

from __future__ import annotations

import click

from .. import questions as question_bank
from .common import shared_options


@click.command()
@click.option(
    "--category",
    type=click.Choice(question_bank.CATEGORIES, case_sensitive=False),
    help="Only this category.",
)
@shared_options
def questions(category: str | None) -> None:
    """Questions to ask in an informational interview, by category."""
    click.echo(question_bank.bank_text(category), nl=False)


COMMANDS = (questions,)
