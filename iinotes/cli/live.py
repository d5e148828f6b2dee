"""Commands that keep the feed live: watch (a file) and serve (over HTTP), both driven by a Watcher;
with --publish, a CalDAV calendar too. watchdog, asyncio and caldav are imported inside them."""

from __future__ import annotations

import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .common import shared_options, state

# the defaults of iinotes.watch and iinotes.serve (kept here so that `iinotes --help` does not import
# watchdog or asyncio; tests/test_serve.py checks they agree)
DEBOUNCE = 0.1
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _echo(line: str) -> None:
    """One line of watch or serve, time-stamped, its control characters escaped (file names and
    request lines come from outside: they must not move the cursor or forge a line)."""
    from ..serve import printable

    click.echo(f"{time.strftime('%H:%M:%S')} {printable(line)}")


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


def _publish_option(command: Any) -> Any:
    return click.option(
        "--publish",
        "to_calendar",
        is_flag=True,
        help="Also keep the CalDAV calendar of [publish] in iinotes.toml equal to the feed (as `iinotes "
        "publish` does), after each rebuild; when the server is down, try again later (5 s up to 5 min) "
        "and keep watching.",
    )(command)


def _calendar_output(vault: Any) -> Any:
    """The CalendarOutput for --publish, from [publish] url and user and the password (checked now)."""
    from ..publish import CalendarOutput, Publisher, find_credentials

    url = vault.settings.publish_url
    if not url:
        raise UsageError(
            "--publish needs the calendar's URL in iinotes.toml",
            'add [publish] with url = "https://..." (and user = "...") to iinotes.toml; see docs/publish.md',
        )
    target = find_credentials(url, vault.settings.publish_user)
    _echo(f"publishing to {target.url} after each rebuild")
    publisher = Publisher(vault.root, target, calendar_name=vault.settings.feed_name, report=_echo)
    return CalendarOutput(publisher, report=_echo)


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
@_publish_option
@shared_options
def watch(out: Path | None, poll: bool, debounce: float, to_calendar: bool) -> None:
    """Keep the .ics feed file current while you edit notes (Ctrl-C stops).

    Rebuilds the feed once per burst of saves, re-reading only the notes that
    changed, and rewrites the file (atomically) only when its bytes change.
    Prints one line per rebuild (what changed, how many follow-ups, time) and
    the problems of notes saved broken, in the same form as `iinotes
    validate`; their other follow-ups stay in the feed. Ignores dot-folders
    (.git, .obsidian, .trash, .iinotes), node_modules, non-.md files and
    editor temp files. A vault that empties or vanishes (unmounted, being
    deleted) never empties the feed: the last good one is kept; watch waits
    for the notes, or exits 1 once the vault folder is gone. With --publish,
    the CalDAV calendar follows too. See docs/watch-and-serve.md.
    """
    from ..watch import Watcher, default_output

    vault = state().vault()
    output = out if out is not None else default_output(vault.root)
    calendar = _calendar_output(vault) if to_calendar else None
    try:
        watcher = Watcher(
            vault,
            output,
            poll=poll,
            debounce=debounce,
            report=_echo,
            outputs=[calendar] if calendar is not None else None,
        )
        _echo(f"watching {vault.root}; the feed is kept in {output} (Ctrl-C to stop)")
        _terminate_cleanly()
        _quiet_watchdog()
        try:
            watcher.run_forever()
        except KeyboardInterrupt:
            watcher.stop()
    finally:
        if calendar is not None:
            calendar.stop()


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
    "--public-url",
    "public_urls",
    multiple=True,
    metavar="URL",
    help="An address clients use to reach this server through a proxy or tunnel (Tailscale serve or "
    "funnel, Caddy, a tunnel), e.g. https://mybox.tail1234.ts.net: its host is accepted and its feed URL "
    "printed. Repeatable.",
)
@click.option(
    "--qr/--no-qr",
    default=None,
    help="Print the webcal:// URL as a QR code for a phone to scan. Default: when the output is a terminal.",
)
@click.option(
    "--rotate-token",
    is_flag=True,
    help="Make a new secret URL; the old one stops working (re-subscribe with the new one).",
)
@_poll_option
@_debounce_option
@_publish_option
@shared_options
def serve(
    host: str,
    port: int,
    public_urls: tuple[str, ...],
    qr: bool | None,
    rotate_token: bool,
    poll: bool,
    debounce: float,
    to_calendar: bool,
) -> None:
    """Serve the feed over HTTP, kept current while you edit notes (Ctrl-C stops).

    Subscribe to the printed http:// or webcal:// URL from a calendar app (or
    scan the QR code). The URL holds a secret token (kept in
    .iinotes/serve-token; --rotate-token makes a new one); any other path is
    404. Listens on 127.0.0.1 unless --host says otherwise (0.0.0.0: your
    network; a warning and the LAN URL are printed); there is no TLS, so to
    reach it from the internet put it behind a tunnel or a TLS reverse proxy
    and name its address with --public-url. Answers gzip-compressed to clients
    that accept it. Watches like `iinotes watch` (and keeps
    .iinotes/followups.ics too); --publish also keeps a CalDAV calendar
    current. Answers 503 until the first build is done. See
    docs/watch-and-serve.md.
    """
    from ..serve import FeedServer, exposure_warning, is_loopback, load_token
    from ..serve import serve as serve_feed
    from ..watch import Watcher, default_output

    vault = state().vault()
    token = load_token(vault.root, rotate=rotate_token)
    server = FeedServer(host, port, token, report=_echo, public_urls=public_urls)
    calendar = None
    try:
        calendar = _calendar_output(vault) if to_calendar else None
        watcher = Watcher(
            vault,
            default_output(vault.root),
            poll=poll,
            debounce=debounce,
            report=_echo,
            on_feed=server.publish,
            outputs=[calendar] if calendar is not None else None,
        )
        http_url, webcal_url = server.urls()
        _echo(f"serving the feed of {vault.root} (Ctrl-C to stop); subscribe to one of:")
        click.echo(f"  {http_url}")
        click.echo(f"  {webcal_url}")
        public = server.public_feed_urls()
        if public:
            _echo("through the public address(es):")
            for url in public:
                click.echo(f"  {url}")
        if rotate_token:
            _echo("made a new secret URL: the old one no longer works")
        warning = exposure_warning(host)
        if warning:
            _echo(warning)
            _echo(f"on your local network, subscribe to {webcal_url}")
        if qr if qr is not None else sys.stdout.isatty():
            scan = "webcal://" + public[0].split("://", 1)[1] if public else webcal_url
            if public or not is_loopback(host):
                _echo(f"scan with your phone to subscribe ({scan.split('/')[2]}):")
                click.echo(qr_code(scan), nl=False)
            else:
                _echo(
                    "no QR code: a phone cannot reach 127.0.0.1; use --host 0.0.0.0 on a network you trust, "
                    "or --public-url with a tunnel (docs/watch-and-serve.md)"
                )
    except BaseException:
        server.server_close()
        if calendar is not None:
            calendar.stop()
        raise
    _terminate_cleanly()
    _quiet_watchdog()
    try:
        serve_feed(server, watcher)
    except KeyboardInterrupt:
        pass
    finally:
        if calendar is not None:
            calendar.stop()


def qr_code(text: str) -> str:
    """`text` as a QR code drawn with block characters (two rows of modules per line), for a
    terminal: dark modules are spaces on a light border, as phone cameras expect."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="l", micro=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()


COMMANDS: tuple[click.Command, ...] = (watch, serve)
