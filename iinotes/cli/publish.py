"""`iinotes publish`: keep a CalDAV calendar equal to the feed (the work is in iinotes.publish)."""

from __future__ import annotations

import click

from ..errors import UsageError
from .common import shared_options, state

EXIT_CODES = """\b
Exit codes: 0 done, 2 usage (no URL, no password for the user),
3 credentials refused (401/403), 4 no calendar at the URL (try --create),
5 server unreachable, TLS error, timeout or connection dropped,
6 the server refused a request."""


@click.command(epilog=EXIT_CODES)
@click.argument("url", required=False)
@click.option("--user", help="User name on the server. Default: [publish] user, else the login in ~/.netrc.")
@click.option("--create", is_flag=True, help="Make the calendar (MKCALENDAR) if it does not exist yet.")
@click.option(
    "--dry-run", is_flag=True, help="List what would be created, updated and deleted; send nothing."
)
@shared_options
def publish(url: str | None, user: str | None, create: bool, dry_run: bool) -> None:
    """Publish the follow-ups to a CalDAV calendar (iCloud, Fastmail, Nextcloud...).

    One calendar event per follow-up, with its reminder, kept equal to `iinotes
    feed`: new follow-ups are created, changed ones updated, done ones deleted.
    Only events iinotes created are touched; others in the calendar stay as
    they are. A second run with nothing changed writes nothing (the state is
    in .iinotes/publish-state.json; if lost, it is rebuilt from the server).
    An event edited on the server is put back (the notes are the truth).

    URL is the calendar's own URL, or the server's address (e.g.
    https://caldav.icloud.com/), where the calendar named like feed.name in
    iinotes.toml is used (--create makes it). Default: [publish] url in
    iinotes.toml. The password comes from $IINOTES_CALDAV_PASSWORD or
    ~/.netrc and is never written anywhere. See docs/publish.md.
    """
    from ..publish import (
        CalendarMissing,
        Outcome,
        Publisher,
        find_credentials,
        last_published,
        remember_published,
        split_feed,
        titles,
    )

    vault = state().vault()
    settings = vault.settings
    url = url or settings.publish_url
    if not url:
        raise UsageError(
            "no calendar URL",
            "give it: `iinotes publish https://...`, or set url under [publish] in iinotes.toml",
        )
    target = find_credentials(url, user or settings.publish_user)
    previous = last_published(vault.root)
    _, shown, data = vault.feed(previous)
    publisher = Publisher(vault.root, target, calendar_name=settings.feed_name, report=click.echo)
    try:
        if create:
            if dry_run:
                click.echo("would make the calendar if it does not exist (--dry-run: nothing sent)")
            elif publisher.create_calendar():
                click.echo(f"made the calendar {settings.feed_name!r} at {publisher.url}")
        try:
            outcome = publisher.publish(data, dry_run=dry_run)
        except CalendarMissing:
            if not (create and dry_run):
                raise
            outcome = Outcome(created=sorted(split_feed(data)), dry_run=True)
        where = publisher.url
    finally:
        publisher.close()
    if outcome.adopted:
        click.echo(
            f"no publish state for this calendar: read it from the server ({outcome.adopted} events of "
            "iinotes found)"
        )
    if dry_run:
        names = titles(data)
        for word, uids in (
            ("create", outcome.created),
            ("update", outcome.updated),
            ("restore", outcome.restored),
            ("delete", outcome.deleted),
        ):
            for uid in uids:
                click.echo(f"  {word}: {names.get(uid, uid)}")
        click.echo(f"{len(shown)} follow-ups; {outcome.summary()} (--dry-run: nothing sent)")
        return
    remember_published(vault.root, data)
    if outcome.restored:
        click.echo(
            f"{len(outcome.restored)} event(s) had been changed or deleted in the calendar and were put back "
            "(the notes are the source of truth)"
        )
    click.echo(
        f"published {len(shown)} follow-ups to {where}: {outcome.summary()} "
        f"({outcome.requests} HTTP request{'s' * (outcome.requests != 1)}, {outcome.writes} "
        f"write{'s' * (outcome.writes != 1)})"
    )


COMMANDS: tuple[click.Command, ...] = (publish,)
