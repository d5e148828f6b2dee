"""The command line: a thin click layer that turns arguments into library calls and library
errors (and the system's: OSError) into messages, in exactly one place, `_Group.invoke`.

Commands are loaded lazily: `iinotes due` imports the module of `due` and nothing else, and
`iinotes --help` lists every command from the table below without importing any of them. To add a
command, write it in a module of this package and add its line to COMMANDS (a test checks that
every command a module lists is registered, and that the short help here matches the command's)."""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
from collections.abc import Iterator, MutableMapping

import click

from .. import __version__
from ..errors import IinotesError
from .common import State, echo, shared_options

# name: ("module:attribute" in iinotes.cli, the first paragraph of its help, as `iinotes --help` shows it)
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("core:validate", "Check every note and report problems with file, line and a fix hint."),
    "index": ("core:index_command", "Index the vault: every contact with its derived stage, links resolved."),
    "list": ("core:list_command", "List contacts, optionally filtered by stage, tag or company."),
    "show": (
        "core:show",
        "Show one contact: details, interviews, touches, referrals given and received, and their open "
        "follow-ups.",
    ),
    "due": ("feed:due", "What to do: follow-ups grouped overdue / today / this week / later."),
    "feed": ("feed:feed", "The follow-ups as an .ics calendar feed (RFC 5545) to subscribe to."),
    "watch": ("live:watch", "Keep the .ics feed file current while you edit notes (Ctrl-C stops)."),
    "serve": ("live:serve", "Serve the feed over HTTP, kept current while you edit notes (Ctrl-C stops)."),
    "init": ("write:init", "Create a vault: iinotes.toml, contacts/, interviews/, templates/, .gitignore."),
    "new": ("write:new", "Create a contact or an interview note from the vault's templates."),
    "questions": ("bank:questions", "Questions to ask in an informational interview, by category."),
    "log": ("write:log", "Log an outreach, a reply or a keep-in-touch touch in a contact's note."),
    "done": ("write:done", "Mark an interview done (status: done)."),
    "confirm": ("write:confirm", "Mark an interview confirmed (status: confirmed, confirmed: today)."),
    "thank": ("write:thank", "Record that you sent a thank-you (thank_you_sent: today)."),
    "commit-done": ("write:commit_done", "Mark commitment N of an interview (or a contact note) done."),
    "hook": ("write:hook", "Manage the git pre-commit hook that validates staged notes."),
    "draft": ("draft:draft", "Draft the message a contact's next move calls for: subject and body."),
    "review": ("review:review", "Review a period: what happened, what slipped, what is next."),
    "stats": ("review:stats", "Statistics over the whole history."),
    "import": (
        "importing:import_group",
        "Create contact notes from lists you already have: LinkedIn or an address book.",
    ),
    "prepared": ("status:prepared", "Record that you prepared for a meeting (prepared: today)."),
    "pause": ("status:pause", "Pause a contact (status: paused, and resume: DATE with --until)."),
    "resume": (
        "status:resume",
        "Make a paused (or declined, archived) contact active again (status: active).",
    ),
    "decline": ("status:decline", "Record that a contact declined (status: declined)."),
    "archive": ("status:archive", "Archive a contact (status: archived): no follow-ups, no outreach."),
    "cancel": (
        "status:cancel",
        "Cancel a contact's upcoming meeting (status: cancelled), or with --no-show record that they did "
        "not turn up (status: no-show).",
    ),
    "reschedule": ("status:reschedule", "Move a meeting to a new time, in the same note."),
    "publish": (
        "publish:publish",
        "Publish the follow-ups to a CalDAV calendar (iCloud, Fastmail, Nextcloud...).",
    ),
}


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands: every name in COMMANDS, each imported on first access."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self.table = table
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        command = self.loaded.get(name)
        if command is None:
            if name not in self.table:
                raise KeyError(name)
            module, _, attribute = self.table[name][0].partition(":")
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            self.loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.table = {key: value for key, value in self.table.items() if key != name}

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.table), **dict.fromkeys(self.loaded)})

    def __len__(self) -> int:
        return len(set(self.table) | set(self.loaded))

    def placeholder(self, name: str) -> click.Command:
        """The loaded command, else a stand-in carrying its short help (for `iinotes --help`)."""
        if name in self.loaded or name not in self.table:
            return self[name]
        return click.Command(name, help=self.table[name][1])


EPILOG = """\b
Where the vault is: --vault DIR, else $IINOTES_VAULT, else the nearest parent
folder holding iinotes.toml, else the current folder (commands that write
notes refuse that last fallback: cd into your vault or pass --vault).
Exit codes: 0 ok, 1 problems found (validate), no such contact, a refused
write or a system error (disk full, read-only folder), 2 usage or settings
error. Docs: docs/commands.md, docs/note-format.md, docs/settings.md.
"""


class _Group(click.Group):
    """The group that turns every IinotesError into `iinotes: error: ...` and its exit code, and
    loads its commands lazily (see COMMANDS)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.commands: _Commands = _Commands(COMMANDS)  # type: ignore[assignment]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, but from the table: listing the commands imports none of them."""
        commands = [(name, self.commands.placeholder(name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except IinotesError as error:
            echo(f"iinotes: {click.style('error', fg='red', bold=True)}: {error.message}", err=True)
            if error.hint:
                echo(f"  hint: {error.hint}", err=True)
            ctx.exit(error.exit_code)
        except OSError as error:  # disk full, read-only vault, missing folder...: one line, exit 1
            message, hint = os_error_message(error)
            click.echo(f"iinotes: error: {message}", err=True)
            click.echo(f"  hint: {hint}", err=True)
            ctx.exit(1)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run the command again (nothing was changed)",
    errno.EDQUOT: "your disk quota is used up: free some space and run the command again",
    errno.EROFS: "the folder is on a read-only file system: write somewhere else, or remount it read-write",
    errno.EACCES: "you may not write there: check the folder's permissions (ls -ld)",
    errno.EPERM: "you may not write there: check the folder's permissions (ls -ld)",
    errno.ENOENT: "the folder does not exist: create it first (mkdir -p), or check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
}


def os_error_message(error: OSError) -> tuple[str, str]:
    """An OSError as one line for people (what failed, on which file) and a hint for the fix."""
    what = error.strerror or str(error)
    name = error.filename if error.filename is not None else ""
    shown = os.fsencode(name).decode("utf-8", "replace") if name != "" else ""  # never unprintable
    where = f" ({shown})" if shown else ""
    return what + where, _OS_HINTS.get(
        error.errno or 0, "nothing was changed; fix the cause and run it again"
    )


@click.group(
    cls=_Group,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@shared_options
@click.version_option(__version__, "--version", prog_name="iinotes", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, **_: object) -> None:
    """Follow-ups for informational interviews, from a folder of Markdown notes.

    iinotes reads contact and interview notes (Markdown with YAML front matter),
    checks them, indexes them and works out the follow-ups that are due.
    """
    ctx.ensure_object(State)


def _tolerant_streams() -> None:
    """A name the console cannot encode (a Windows code page, `PYTHONIOENCODING=ascii`) prints as
    `?` instead of stopping the command with UnicodeEncodeError; the encoding itself is kept."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> None:
    """Console entry point (`iinotes`, `python -m iinotes`)."""
    _tolerant_streams()
    cli.main(args=argv, prog_name="iinotes")
