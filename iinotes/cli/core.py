"""Commands that read: validate, index, list, show."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..model import STAGES
from .common import Recorder, format_option, paint, recorded, shared_options, state

if TYPE_CHECKING:
    from ..index import ContactView, Index


def _relative(vault_root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return Path(os.path.normpath(absolute)).relative_to(vault_root.resolve()).as_posix()
    except ValueError:
        return Path(given).as_posix()


@click.command()
@click.argument("paths", nargs=-1, metavar="[NOTE]...")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@click.option("--no-hints", is_flag=True, help="Leave out the fix hint under each problem.")
@click.option(
    "--staged",
    is_flag=True,
    help="Check the notes as git's index holds them (what the next commit adds or changes); "
    "the pre-commit hook runs this.",
)
@format_option("json")
@shared_options
def validate(paths: tuple[str, ...], strict: bool, no_hints: bool, staged: bool, fmt: str) -> None:
    """Check every note and report problems with file, line and a fix hint.

    With NOTE paths, only problems in those notes are reported (the whole
    vault is still read, so links and duplicate ids are checked properly).
    With --staged, the notes the next commit adds or changes are checked as
    they are staged (not as they are in the folder); nothing staged: no output.
    Exit 0 when there are no errors (with --strict: no warnings either),
    1 when there are, 2 for a bad vault path or bad settings.
    """
    if staged:
        from ..writes import staged_notes

        vault = state().vault()
        changed, replaced = staged_notes(vault.root)
        if changed:
            index = vault.index_with(replaced)
            staged_paths = tuple(str(vault.root / rel) for rel in changed)
            unrecorded = Recorder(vault, "validate", None)  # git's index is not part of any key
            _report(unrecorded, index, vault.root, staged_paths, strict, no_hints, fmt)
        return
    vault = state().vault()
    out = recorded("validate", sorted({_relative(vault.root, p) for p in paths}), strict, no_hints, fmt)
    _report(out, vault.index(), vault.root, paths, strict, no_hints, fmt)


def _report(
    out: Recorder, index: Index, root: Path, paths: tuple[str, ...], strict: bool, no_hints: bool, fmt: str
) -> None:
    from .. import output

    problems = list(index.problems)
    checked = {*index.contacts, *index.interviews, *(p.path for p in problems if p.severity == "error")}
    if paths:
        wanted = {_relative(root, p) for p in paths}
        problems = [p for p in problems if p.path in wanted]
        checked &= wanted
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        out.echo(output.problems_json(problems), nl=False)
    else:
        out.echo(paint(output.problems_text(problems, hints=not no_hints)), nl=False)
        notes = len(checked)  # the notes read, and the broken files of ours that could not be
        out.echo(
            f"{notes} note{'s' * (notes != 1)} checked: {errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}",
            err=bool(problems),
        )
    out.finish(1 if errors or (strict and warnings) else 0)


@click.command("index")
@format_option("json", "csv")
@shared_options
def index_command(fmt: str) -> None:
    """Index the vault: every contact with its derived stage, links resolved.

    Text output is a table of contacts and a summary; --format json gives
    the whole index (contacts, interviews, referral edges, counts,
    problems; schema in docs/commands.md); --format csv one row per contact.
    Unchanged notes come from the cache in .iinotes/.
    """
    out = recorded("index", fmt)
    index, _, moves = state().vault().next_moves()
    _emit(out, index, list(index.contacts.values()), fmt, whole=True, moves=moves)
    out.finish()


def _emit(out: Recorder, index, views: list[ContactView], fmt: str, whole: bool, moves) -> None:  # type: ignore[no-untyped-def]
    from .. import output

    if fmt == "json":
        for piece in output.iter_index_json(index, None if whole else views, moves):
            out.echo(piece, nl=False)
    elif fmt == "csv":
        out.echo(output.contacts_csv(index, views, moves), nl=False)
    else:
        out.echo(output.contacts_table(index, views, moves), nl=False)
        if whole:
            out.echo(output.summary(index), nl=False)


@click.command("list")
@click.option(
    "--stage",
    type=click.Choice(STAGES + ("paused", "declined", "do-not-contact", "archived")),
    multiple=True,
    help="Only contacts in this stage (repeatable).",
)
@click.option(
    "--tag",
    multiple=True,
    metavar="TAG",
    help="Only contacts with this tag (repeatable: all must match; case-insensitive).",
)
@click.option(
    "--company", metavar="TEXT", help="Only contacts whose company contains TEXT (case-insensitive)."
)
@format_option("json", "csv")
@shared_options
def list_command(stage: tuple[str, ...], tag: tuple[str, ...], company: str | None, fmt: str) -> None:
    """List contacts, optionally filtered by stage, tag or company.

    The NEXT column is each contact's next move: a follow-up of yours, or
    theirs (waiting for a reply, a meeting ahead); `-` when there is none.
    """
    out = recorded("list", sorted(stage), tag, company, fmt)
    index, _, moves = state().vault().next_moves()
    wanted_tags = {t.lstrip("#").casefold() for t in tag}
    views = [
        v
        for v in index.contacts.values()
        if (not stage or v.stage in stage)
        and wanted_tags <= {t.casefold() for t in v.contact.tags}
        and (company is None or company.casefold() in v.contact.company.casefold())
    ]
    _emit(out, index, views, fmt, whole=False, moves=moves)
    out.finish()


@click.command()
@click.argument("name")
@format_option("json")
@shared_options
def show(name: str, fmt: str) -> None:
    """Show one contact: details, interviews, touches, referrals given and
    received, and their open follow-ups.

    NAME is a name, alias, note path or a unique prefix of one of them.
    """
    vault = state().vault()
    out = recorded("show", name, fmt)
    from .. import output
    from ..followups import no_move_by_design
    from ..index import find_contact
    from .feed import followup_dict

    index, items, moves = vault.next_moves()
    view = find_contact(index, name)
    move = moves.get(view.contact.path)
    mine = [
        i
        for i in items
        if i.contact_path == view.contact.path or i.path == view.contact.path or i.path in view.interviews
    ]
    if fmt == "json":
        data = output.contact_dict(view, index, moves)
        data["followups"] = [followup_dict(i, index.today) for i in mine]
        out.echo(output.dumps(data), nl=False)
    else:
        lines = [f"{i.due.isoformat()}{'  (overdue)' if i.overdue else ''}  {i.sentence()}" for i in mine]
        why = no_move_by_design(view, vault.settings, index.today)
        said = move.sentence() if move else f"none: {why or 'nothing is planned (run `iinotes due --stuck`)'}"
        out.echo(output.show_text(view, index, [("Open follow-ups", lines)], said), nl=False)
    out.finish()


COMMANDS = (validate, index_command, list_command, show)
