"""`iinotes draft`: the message a contact's next move calls for, and the message linter (issue 13)."""

from __future__ import annotations

import sys

import click

from .. import drafts, linter, output
from .common import fail, shared_options, state

_FORMATS = ("text", "json", "mailto", "eml")


@click.command()
@click.argument("args", nargs=-1, metavar="[KIND] NAME")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default="text",
    show_default=True,
    help="text: To, Subject and body; json; mailto: a mailto: URL; eml: an email file (X-Unsent).",
)
@click.option(
    "--open",
    "open_client",
    is_flag=True,
    help="Open the draft in your mail client (through a mailto: URL), ready to edit and send.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Check a message you wrote instead; the arguments are then [KIND] [FILE] (stdin without FILE).",
)
@shared_options
def draft(args: tuple[str, ...], fmt: str, open_client: bool, check: bool) -> None:
    """Draft the message a contact's next move calls for: subject and body.

    \b
    iinotes draft "Jane Doe"              the message her next move calls for
    iinotes draft thank-you "Jane Doe"    a thank-you, whatever comes next
    iinotes draft nudge Jane --open       open it in your mail client
    iinotes draft --check outreach msg.txt   lint a message you wrote

    KIND is one of outreach, nudge, confirm, thank-you, referral,
    keep-in-touch, schedule, reschedule. NAME is a contact's name, alias,
    note path or a unique prefix of one of them, or the name of a person a
    meeting's `referrals` named who has no note yet. Drafts are filled from
    the notes and from [me] in iinotes.toml, using templates/messages/KIND.md
    when the vault has it (else the built-in template). Warnings from the
    linter go to stderr. Nothing is written or sent. See docs/drafts.md.
    """
    if check:
        _check(args, fmt)
        return
    if not args or len(args) > 2:
        raise fail("give a contact's name, optionally after a kind", 'e.g. iinotes draft nudge "Jane Doe"')
    if len(args) == 2 and args[0] not in drafts.KINDS:
        raise fail(f"unknown kind {args[0]!r}", "kinds: " + ", ".join(drafts.KINDS))
    vault = state().vault()
    index, items, moves = vault.next_moves()
    target = drafts.find_target(index, args[-1])
    move = moves.get(target.view.contact.path) if target.view is not None else None
    kind = args[0] if len(args) == 2 else drafts.next_kind(target, items, move.kind if move else None)
    message = drafts.draft(kind, target, drafts.read_template(vault.root, kind), vault.settings, index.today)
    if open_client:
        url = drafts.mailto(message)
        if click.launch(url) != 0:
            raise fail(
                "could not open your mail client",
                "print the URL with --format mailto, or the message with --format eml",
            )
        click.echo(f"opened a {kind} draft to {message.name} in your mail client")
    elif fmt == "json":
        click.echo(output.dumps(drafts.as_dict(message)), nl=False)
    elif fmt == "mailto":
        click.echo(drafts.mailto(message))
    elif fmt == "eml":
        click.echo(drafts.eml(message), nl=False)
    else:
        click.echo(message.text(), nl=False)
    if fmt != "json":
        for warning in message.warnings:
            click.echo(f"warning[{warning.rule}] {warning.message}", err=True)


def _check(args: tuple[str, ...], fmt: str) -> None:
    kind, rest = (args[0], args[1:]) if args and args[0] in drafts.KINDS else ("outreach", args)
    if len(rest) > 1:
        raise fail("--check takes [KIND] [FILE]", "e.g. iinotes draft --check outreach message.txt")
    name = rest[0] if rest else "-"
    if name == "-":
        text, where = sys.stdin.read(), "<stdin>"
    else:
        try:
            with open(name, encoding="utf-8-sig") as handle:
                text, where = handle.read(), name
        except (OSError, UnicodeDecodeError) as error:
            raise fail(f"cannot read {name}: {error}") from None
    warnings = linter.lint(text, kind)
    if fmt == "json":
        click.echo(
            output.dumps(
                {
                    "kind": kind,
                    "path": where,
                    "warnings": [{"rule": w.rule, "line": w.line, "message": w.message} for w in warnings],
                }
            ),
            nl=False,
        )
    elif fmt != "text":
        raise fail("--check prints text or json")
    else:
        for w in warnings:
            click.echo(f"{where}{f':{w.line}' if w.line else ''}: warning[{w.rule}] {w.message}")
        count = len(warnings)
        click.echo(
            f"{kind} message checked: {count} warning{'s' * (count != 1)}"
            if count
            else f"{kind} message checked: it follows the guides",
            err=bool(count),
        )
    if warnings:
        raise click.exceptions.Exit(1)


COMMANDS = (draft,)
