"""Commands that keep the feed live: watch (a file) and serve (over HTTP), both driven by a Watcher."""

from __future__ import annotations

import signal
import warnings
from pathlib import Path
from typing import Any

import click

from ..serve import DEFAULT_HOST, DEFAULT_PORT, FeedServer, exposure_warning, load_token
from ..serve import serve as serve_feed
from ..watch import DEBOUNCE, Watcher, default_output, timestamp
from .common import shared_options, state


def _echo(line: str) -> None:
    click.echo(f"{timestamp()} {line}")


def _terminate_cleanly() -> None:
    """SIGTERM (systemctl stop, launchctl unload, kill) stops like Ctrl-C does: exit 0. SIGINT is
    set to raise KeyboardInterrupt explicitly: a process started in the background by a
    non-interactive shell inherits SIGINT ignored, and Python then leaves it ignored."""

    def handler(*_: Any) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread (e.g. under a test runner)
        pass


def _quiet_watchdog() -> None:
    """watchdog warns when a folder is created and watched twice in a race (harmless): not for users' eyes."""
    warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)


def _debounce_option(command: Any) -> Any:
    return click.option(
        "--debounce",
        type=click.FloatRange(0, 60),
        default=DEBOUNCE,
        show_default=True,
        metavar="SECONDS",
        help=(
            "Rebuild once the notes have been quiet this long (a burst of saves, or a git checkout, is one "
            "rebuild)."
        ),
    )(command)


def _poll_option(command: Any) -> Any:
    return click.option(
        "--poll",
        is_flag=True,
        help="Poll the vault every second instead of using the system's file events (network drives, "
        "Docker bind mounts, or when the inotify limit is reached).",
    )(command)


@click.command()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the feed in this file. Default: .iinotes/followups.ics in the vault.",
)
@_poll_option
@_debounce_option
@shared_options
def watch(out: Path | None, poll: bool, debounce: float) -> None:
    """Keep the .ics feed file current while you edit notes (Ctrl-C stops).

    Rebuilds the feed once per burst of saves, re-reading only the notes that
    changed, and rewrites the file (atomically) only when its bytes change.
    Prints one line per rebuild (what changed, how many follow-ups, time) and
    the problems of notes saved broken, in the same form as `iinotes
    validate`; their other follow-ups stay in the feed. Ignores dot-folders
    (.git, .obsidian, .trash, .iinotes), node_modules, non-.md files and
    editor temp files. Exits 1 if the vault folder disappears. See
    docs/watch-and-serve.md.
    """
    vault = state().vault()
    output = out if out is not None else default_output(vault.root)
    watcher = Watcher(vault, output, poll=poll, debounce=debounce, report=_echo)
    _echo(f"watching {vault.root}; the feed is kept in {output} (Ctrl-C to stop)")
    _terminate_cleanly()
    _quiet_watchdog()
    try:
        watcher.run_forever()
    except KeyboardInterrupt:
        watcher.stop()


@click.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help=(
        "Address to listen on. Only this computer can connect unless you give another address, e.g. 0.0.0.0 "
        "for your phone on the same network (read the warning)."
    ),
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--rotate-token",
    is_flag=True,
    help="Make a new secret URL; the old one stops working (re-subscribe with the new one).",
)
@_poll_option
@_debounce_option
@shared_options
def serve(host: str, port: int, rotate_token: bool, poll: bool, debounce: float) -> None:
    """Serve the feed over HTTP, kept current while you edit notes (Ctrl-C stops).

    Subscribe to the printed http:// or webcal:// URL from a calendar app. The
    URL holds a secret token (kept in .iinotes/serve-token; --rotate-token
    makes a new one); any other path is 404. Listens on 127.0.0.1 unless
    --host says otherwise; there is no TLS, so to reach it from the internet
    put it behind a tunnel or a TLS reverse proxy. Watches like `iinotes
    watch` (and keeps .iinotes/followups.ics too). Answers 503 until the
    first build is done. See docs/watch-and-serve.md.
    """
    vault = state().vault()
    token = load_token(vault.root, rotate=rotate_token)
    server = FeedServer(host, port, token, report=_echo)
    try:
        watcher = Watcher(
            vault,
            default_output(vault.root),
            poll=poll,
            debounce=debounce,
            report=_echo,
            on_feed=server.publish,
        )
        http_url, webcal_url = server.urls()
        _echo(f"serving the feed of {vault.root} (Ctrl-C to stop); subscribe to one of:")
        click.echo(f"  {http_url}")
        click.echo(f"  {webcal_url}")
        if rotate_token:
            _echo("made a new secret URL: the old one no longer works")
        warning = exposure_warning(host)
        if warning:
            _echo(warning)
    except BaseException:
        server.server_close()
        raise
    _terminate_cleanly()
    _quiet_watchdog()
    try:
        serve_feed(server, watcher)
    except KeyboardInterrupt:
        pass


COMMANDS: tuple[click.Command, ...] = (watch, serve)
