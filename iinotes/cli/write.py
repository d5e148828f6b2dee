"""Commands that write notes: init, new, log, done, confirm, thank, commit-done, hook (issue 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import writes
from ..values import parse_date
from ..writes import WriteResult
from .common import shared_options, state

DRY_RUN_HELP = "Print the change as a unified diff and write nothing."


def _dry_run(command):  # type: ignore[no-untyped-def]
    return click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)(command)


def from_invite_option(help_text: str):  # type: ignore[no-untyped-def]
    """--from-invite FILE.ics: a meeting invitation to read (iinotes/invite.py)."""
    return click.option(
        "--from-invite",
        "from_invite",
        metavar="FILE.ics",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=help_text,
    )


def _report(result: WriteResult, dry_run: bool) -> None:
    if dry_run and result.changed:
        click.echo(result.diff, nl=False)
        click.echo("(dry run: nothing written)", err=True)
    else:
        click.echo(result.message)


def _parse_day(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.argument("kind", type=click.Choice(writes.LOG_KINDS))
@click.argument("contact")
@click.option(
    "--date", "day", metavar="YYYY-MM-DD", callback=_parse_day, help="The day it happened. Default: today."
)
@click.option(
    "--via", metavar="CHANNEL", help="How: email, phone, linkedin, in-person, ... (outreach and touch)."
)
@click.option("--note", metavar="TEXT", help="A few words about it (outreach and touch).")
@click.option(
    "--force", is_flag=True, help="Log an outreach even to a contact the don't-stalk rules protect."
)
@_dry_run
@shared_options
def log(
    kind: str,
    contact: str,
    day: dt.date | None,
    via: str | None,
    note: str | None,
    force: bool,
    dry_run: bool,
) -> None:
    """Log an outreach, a reply or a keep-in-touch touch in a contact's note.

    \b
    iinotes log outreach "Jane Doe" --via email   appends to outreach
    iinotes log reply Jane                         sets responded (if not set)
    iinotes log touch Jane --note "sent article"   appends to touches

    The list gets the plain date; --via and --note go into the note's body,
    as one dated line of its `## Log` section (created when missing), e.g.
    "- 2026-11-15 outreach via linkedin: short follow-up". Logging the same
    day twice changes nothing (a new --note adds its line).

    Don't stalk: `log outreach` refuses (exit 1, nothing written) a contact
    who declined, is do-not-contact or archived, or had max_nudges nudges
    with no reply; --force logs it anyway.

    CONTACT is a name, alias, note path or a unique prefix of one of them.
    """
    vault = state().vault()
    result = writes.log(
        vault.root,
        vault.index(),
        kind,
        contact,
        day or vault.today,
        via=via,
        note=note,
        force=force,
        max_nudges=vault.settings.max_nudges,
        dry_run=dry_run,
    )
    _report(result, dry_run)


def _interview_command(name: str, action: str, help_text: str):  # type: ignore[no-untyped-def]
    @click.command(name, help=help_text)
    @click.argument("interview")
    @_dry_run
    @shared_options
    def command(interview: str, dry_run: bool) -> None:
        vault = state().vault()
        index = vault.index()
        if action == "done":
            result = writes.mark_done(vault.root, index, interview, dry_run=dry_run)
        elif action == "confirm":
            result = writes.confirm(vault.root, index, interview, vault.today, dry_run=dry_run)
        else:
            result = writes.thank(vault.root, index, interview, vault.today, dry_run=dry_run)
        _report(result, dry_run)

    return command


_WHICH = """
INTERVIEW is the interview note's file name or path (or a unique prefix of
it, e.g. "2026-11-25"), or a contact's name: then {which}.
"""

done = _interview_command(
    "done",
    "done",
    "Mark an interview done (status: done).\n"
    + _WHICH.format(which="their most recent interview that has started is meant"),
)
confirm = _interview_command(
    "confirm",
    "confirm",
    "Mark an interview confirmed (status: confirmed, confirmed: today).\n\nAn earlier confirmed day is "
    "kept.\n" + _WHICH.format(which="their single upcoming interview is meant"),
)
thank = _interview_command(
    "thank",
    "thank",
    "Record that you sent a thank-you (thank_you_sent: today).\n\nAn earlier day is kept.\n"
    + _WHICH.format(which="their most recent interview that has started is meant"),
)


@click.command("commit-done")
@click.argument("interview")
@click.argument("number", type=click.IntRange(min=1), metavar="N")
@click.option(
    "--contact",
    "in_contact",
    is_flag=True,
    help="Commitment N of the contact's own note, not an interview's.",
)
@_dry_run
@shared_options
def commit_done(interview: str, number: int, in_contact: bool, dry_run: bool) -> None:
    """Mark commitment N of an interview (or a contact note) done.

    N counts from 1 in the order `iinotes show` lists the interview's
    commitments. A commitments entry gets done: true; a body task
    `- [ ] ...` becomes `- [x] ... ✅ YYYY-MM-DD` (today, as Obsidian Tasks
    writes it). INTERVIEW as for `iinotes done`; with --contact (or a contact
    note's path) the commitments are the contact note's own, numbered as
    `iinotes show` lists them under "Commitments".
    """
    vault = state().vault()
    result = writes.commit_done(
        vault.root, vault.index(), interview, number, contact=in_contact, dry_run=dry_run
    )
    _report(result, dry_run)


@click.command()
@click.argument("folder", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--git", is_flag=True, help="Also run `git init` in it.")
@click.option("--dry-run", is_flag=True, help="List what would be created and write nothing.")
@shared_options
def init(folder: Path | None, git: bool, dry_run: bool) -> None:
    """Create a vault: iinotes.toml, contacts/, interviews/, templates/, .gitignore.

    DIR defaults to --vault, else the current folder. iinotes.toml sets the
    time zone detected on this machine and lists every other setting,
    commented out. Nothing is written if any of these files exists with
    other content; what an interrupted init made is kept and completed.
    Prints the next step (cd into the vault, add a first contact).
    """
    chosen = folder or Path(state().vault_dir or ".")
    created = writes.init(chosen, git=git, dry_run=dry_run)
    if not created:
        click.echo(f"{chosen} is already a vault made by iinotes init: nothing to do")
        return
    messages = [name for name in created if name.startswith("templates/messages/")]
    if messages:  # one entry for the folder of message templates, where the first of them was
        at = created.index(messages[0])
        created = [n for n in created if n not in messages]
        created.insert(at, f"templates/messages/ ({len(messages)} message templates)")
    click.echo(f"{'would create' if dry_run else 'created'} a vault in {chosen}: {', '.join(created)}")
    if not dry_run:
        click.echo(f"next: {writes.next_step(chosen)}")


@click.group()
@shared_options
def new() -> None:
    """Create a contact or an interview note from the vault's templates."""


def _created(result: WriteResult, open_it: bool, dry_run: bool) -> None:
    if dry_run:
        _report(result, dry_run)
        return
    click.echo(result.message)
    if open_it:
        click.edit(filename=result.message)


@new.command("contact")
@click.argument("name")
@click.option("--company", metavar="TEXT", help="Where they work.")
@click.option("--role", metavar="TEXT", help="Their job title.")
@click.option("--email", metavar="ADDRESS", help="Their email address (private: not put in the feed).")
@click.option("--linkedin", metavar="URL", help="Their LinkedIn profile.")
@click.option("--source", metavar="TEXT", help="How you found them: alumni, LinkedIn, event, referral, ...")
@click.option(
    "--referred-by", metavar="CONTACT", help="The contact who introduced you (stored as a [[link]])."
)
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag, without # (repeatable).")
@click.option("--open", "open_it", is_flag=True, help="Open the new note in $EDITOR.")
@_dry_run
@shared_options
def new_contact(
    name: str,
    company: str | None,
    role: str | None,
    email: str | None,
    linkedin: str | None,
    source: str | None,
    referred_by: str | None,
    tags: tuple[str, ...],
    open_it: bool,
    dry_run: bool,
) -> None:
    """Create contacts/NAME.md with a fresh id.

    Uses templates/contact.md when the vault has one (filling {{title}},
    {{date}} and {{time}}; type: template becomes type: contact), else a
    built-in template. Writes added: today (leads are reached out to in the
    order they were added). Never overwrites a file; prints the new note's path.
    """
    vault = state().vault()
    result = writes.new_contact(
        vault.root,
        vault.index(),
        name,
        vault.today,
        company=company,
        role=role,
        email=email,
        linkedin=linkedin,
        source=source,
        referred_by=referred_by,
        tags=tags,
        dry_run=dry_run,
    )
    _created(result, open_it, dry_run)


@new.command("interview")
@click.argument("contact")
@click.option(
    "--at",
    "at",
    metavar='"YYYY-MM-DD HH:MM"',
    help="When it happens (a day alone when the time is not known yet). Required unless --requested "
    "or --from-invite.",
)
@click.option(
    "--requested",
    is_flag=True,
    help="A meeting asked for, with no date yet (status: requested; the file is named for today).",
)
@from_invite_option(
    "Take time, zone, length, location and medium from a meeting invitation (.ics) the contact "
    "sent (Google Meet, Zoom, Teams, Outlook). Options given as well win."
)
@click.option(
    "--duration",
    metavar="LENGTH",
    help='How long: minutes (30) or "45m", "1h". Default: the template\'s (20).',
)
@click.option("--medium", metavar="TEXT", help="phone, video, in-person, ...")
@click.option("--location", metavar="TEXT", help="Address or meeting URL.")
@click.option(
    "--timezone", metavar="ZONE", help="IANA zone of --at when it is not the vault's, e.g. Europe/London."
)
@click.option("--open", "open_it", is_flag=True, help="Open the new note in $EDITOR.")
@_dry_run
@shared_options
def new_interview(
    contact: str,
    at: str | None,
    requested: bool,
    from_invite: Path | None,
    duration: str | None,
    medium: str | None,
    location: str | None,
    timezone: str | None,
    open_it: bool,
    dry_run: bool,
) -> None:
    """Create interviews/<YYYY-MM-DD> <Name>.md for CONTACT.

    Uses templates/interview.md when present (else a built-in one), fills in
    contact, id and scheduled, and adds a Questions section from the question
    bank (`iinotes questions`). Never overwrites a file; prints the path.
    With --requested and no --at, the meeting has no date yet: until it has
    one, a "Propose a time to ..." follow-up keeps it moving.

    \b
    iinotes new interview Jane --at "2026-11-25 14:30" --medium video
    iinotes new interview Jane --from-invite ~/Downloads/invite.ics
    """
    vault = state().vault()
    result = writes.new_interview(
        vault.root,
        vault.index(),
        contact,
        at,
        requested=requested,
        today=vault.today,
        duration=duration,
        medium=medium,
        location=location,
        timezone=timezone,
        from_invite=from_invite,
        dry_run=dry_run,
    )
    _created(result, open_it, dry_run)


@click.group()
@shared_options
def hook() -> None:
    """Manage the git pre-commit hook that validates staged notes."""


@hook.command("install")
@click.option("--chain", is_flag=True, help="Keep an existing pre-commit hook and run it first.")
@click.option("--dry-run", is_flag=True, help="Print the hook and write nothing.")
@shared_options
def hook_install(chain: bool, dry_run: bool) -> None:
    """Install a pre-commit hook running `iinotes validate` on the staged notes.

    A commit with errors in its notes is stopped. An existing hook is never
    overwritten: the command refuses, or with --chain keeps it (as
    pre-commit.before-iinotes) and runs it before the check.
    """
    vault = state().vault()
    click.echo(writes.install_hook(vault.root, chain=chain, dry_run=dry_run), nl=not dry_run)


COMMANDS = (init, new, log, done, confirm, thank, commit_done, hook)
