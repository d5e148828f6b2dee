"""Commands that change where a contact or a meeting stands: prepared, pause, resume, decline,
archive, cancel, reschedule (issue 9). Each is one minimal, atomic edit, and `--dry-run`-able."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import click

from .. import writes
from .common import shared_options, state
from .write import _dry_run, _parse_day, _report, from_invite_option

_CONTACT = "CONTACT is a name, alias, note path or a unique prefix of one of them (accents ignored)."
_INTERVIEW = (
    "INTERVIEW is the interview note's file name or path (or a unique prefix of it), or a contact's "
    "name: then {which}. A name that matches several contacts means the one with such an interview."
)


def _explain(command: click.Command, which: str) -> None:
    """Add what INTERVIEW means for this command to its help."""
    command.help = inspect.cleandoc(command.help or "") + "\n\n" + _INTERVIEW.format(which=which)


@click.command()
@click.argument("interview")
@_dry_run
@shared_options
def prepared(interview: str, dry_run: bool) -> None:
    """Record that you prepared for a meeting (prepared: today).

    Closes the "Prepare for ..." follow-up. An earlier day is kept.
    """
    vault = state().vault()
    _report(writes.prepared(vault.root, vault.index(), interview, vault.today, dry_run=dry_run), dry_run)


_explain(prepared, "their upcoming interview is meant")


@click.command()
@click.argument("contact")
@click.option(
    "--until",
    "until",
    metavar="YYYY-MM-DD",
    callback=_parse_day,
    help="The day they count as active again (resume). Default: until you run `iinotes resume`.",
)
@_dry_run
@shared_options
def pause(contact: str, until: dt.date | None, dry_run: bool) -> None:
    """Pause a contact (status: paused, and resume: DATE with --until).

    A paused contact gets no follow-ups. From the resume day on, whatever
    fell due during the pause is due on that day (not overdue from before
    it), and the no-reply ladder goes on from there.
    """
    _status(contact, "paused", dry_run, until)


def _status_command(name: str, status: str, help_text: str):  # type: ignore[no-untyped-def]
    @click.command(name, help=help_text + "\n\n" + _CONTACT)
    @click.argument("contact")
    @_dry_run
    @shared_options
    def command(contact: str, dry_run: bool) -> None:
        _status(contact, status, dry_run)

    return command


resume = _status_command(
    "resume",
    "active",
    "Make a paused (or declined, archived) contact active again (status: active).\n\n"
    "Clears `resume`. Follow-ups are worked out as for any active contact.",
)
decline = _status_command(
    "decline",
    "declined",
    "Record that a contact declined (status: declined).\n\n"
    "They get no follow-ups, and `iinotes log outreach` refuses them.",
)
archive = _status_command(
    "archive", "archived", "Archive a contact (status: archived): no follow-ups, no outreach."
)
pause.help = inspect.cleandoc(pause.help or "") + "\n\n" + _CONTACT


def _status(contact: str, status: str, dry_run: bool, until: dt.date | None = None) -> None:
    vault = state().vault()
    result = writes.set_status(vault.root, vault.index(), contact, status, resume=until, dry_run=dry_run)
    _report(result, dry_run)


@click.command()
@click.argument("interview")
@click.option("--no-show", is_flag=True, help="They did not turn up: status no-show on the past meeting.")
@_dry_run
@shared_options
def cancel(interview: str, no_show: bool, dry_run: bool) -> None:
    """Cancel a contact's upcoming meeting (status: cancelled), or with
    --no-show record that they did not turn up (status: no-show).

    Either way a "Reschedule with ...?" follow-up comes up
    followups.reschedule_days_after days after the meeting's day, unless a
    later meeting, outreach or touch shows you are in contact again.
    """
    vault = state().vault()
    result = writes.cancel(vault.root, vault.index(), interview, no_show=no_show, dry_run=dry_run)
    _report(result, dry_run)


_explain(cancel, "their upcoming interview (with --no-show: the latest that has started) is meant")


@click.command()
@click.argument("interview")
@click.option(
    "--at",
    "at",
    metavar='"YYYY-MM-DD HH:MM"',
    help="The new day and time (a day alone when the time is not known yet). Needed unless --from-invite.",
)
@from_invite_option(
    "Take the new time, zone, length, location and medium from the updated meeting invitation "
    "(.ics); --at, when given as well, wins for the time."
)
@_dry_run
@shared_options
def reschedule(interview: str, at: str | None, from_invite: Path | None, dry_run: bool) -> None:
    """Move a meeting to a new time, in the same note.

    Sets scheduled, makes the status scheduled (a requested meeting stays
    requested) and clears confirmed, so you confirm it again. The note and
    its id stay, so calendar apps update the events (their UIDs stay, their
    SEQUENCE rises) instead of adding new ones. With --from-invite the updated
    invitation gives the time and its zone, and its length, location and
    medium when it has them (see `iinotes new interview --from-invite`).
    """
    vault = state().vault()
    result = writes.reschedule(
        vault.root, vault.index(), interview, at, from_invite=from_invite, dry_run=dry_run
    )
    _report(result, dry_run)


_explain(reschedule, "their upcoming interview, else their latest cancelled or no-show one, is meant")

COMMANDS = (prepared, pause, resume, decline, archive, cancel, reschedule)
