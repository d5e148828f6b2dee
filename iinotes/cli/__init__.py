"""The command line: a thin click layer that turns arguments into library calls and library
errors (and the system's: OSError) into messages, in exactly one place, `_Group.invoke`."""

from __future__ import annotations

import errno
import io
import os
import sys

import click

from .. import __version__
from ..errors import IinotesError
from .common import State, echo, shared_options

EPILOG = """\b
Where the vault is: --vault DIR, else $IINOTES_VAULT, else the nearest parent
folder holding iinotes.toml, else the current folder (commands that write
notes refuse that last fallback: cd into your vault or pass --vault).
Exit codes: 0 ok, 1 problems found (validate), no such contact, a refused
write or a system error (disk full, read-only folder), 2 usage or settings
error. Docs: docs/commands.md, docs/note-format.md, docs/settings.md.
"""


class _Group(click.Group):
    """The group that turns every IinotesError into `iinotes: error: ...` and its exit code."""

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


def _register() -> None:
    from . import core, draft, feed, importing, live, publish, review, status, write

    for command in (
        *core.COMMANDS,
        *feed.COMMANDS,
        *live.COMMANDS,
        *write.COMMANDS,
        *draft.COMMANDS,
        *review.COMMANDS,
        *importing.COMMANDS,
        *status.COMMANDS,
        *publish.COMMANDS,
    ):
        cli.add_command(command)


_register()


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
