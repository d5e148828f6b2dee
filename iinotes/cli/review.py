"""Commands that look back: review (a period, or the weekly review note) and stats (all time)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import fail, format_option, shared_options, state


@click.command()
@click.option("--week", "span", flag_value="week", help="This ISO week, Monday to Sunday (the default).")
@click.option("--month", "span", flag_value="month", help="This calendar month.")
@click.option("--since", metavar="YYYY-MM-DD", help="From this day ...")
@click.option("--until", metavar="YYYY-MM-DD", help="... to this day (default: today; needs --since).")
@click.option(
    "--write",
    is_flag=True,
    help="Save this week's review note as reviews/<ISO week>.md in the vault (tables and charts).",
)
@click.option("--force", is_flag=True, help="With --write: replace the note even if you edited it.")
@format_option("json", "md")
@shared_options
def review(
    span: str | None, since: str | None, until: str | None, write: bool, force: bool, fmt: str
) -> None:
    """Review a period: what happened, what slipped, what is next.

    What happened: contacts added, first messages and nudges, replies and
    how many days they took, meetings, thank-yous (and how many within a
    day), commitments due (done, slipped, open), referrals, keep-in-touch
    touches. What slipped: the follow-ups overdue now. What is next: those
    due in the coming 7 days. --format md gives the review note's Markdown;
    --write saves it as reviews/<ISO week>.md (a note you edited is kept
    unless you add --force). JSON schema: docs/review.md.
    """
    from ..review import month_period, span_period, week_period
    from ..values import parse_date

    if (since or until) and span:
        raise fail("--since/--until and --week/--month do not go together", "give one of them")
    if until and not since:
        raise fail("--until needs --since", "e.g. --since 2026-11-01 --until 2026-11-15")
    vault = state().vault()
    today = vault.today
    if since:
        try:
            period = span_period(parse_date(since), parse_date(until) if until else today)
        except ValueError as error:
            raise fail(str(error)) from None
    else:
        period = month_period(today) if span == "month" else week_period(today)
    if write and period != week_period(today):
        raise fail(
            "--write saves the review of this ISO week only",
            "drop --month/--since; for a past week use --today with a day of that week",
        )
    if fmt == "md" or write:
        text = vault.review_note(period)
    elif fmt == "json":
        from ..output import dumps
        from ..review_text import review_dict
        from .feed import followup_dict

        index, result, _ = vault.review(period)
        text = dumps(review_dict(result, lambda item: followup_dict(item, index.today)))
    else:
        from ..review_text import review_text

        text = review_text(vault.review(period)[1])
    if write:
        _write(vault.root, period.label, text, force)
    else:
        click.echo(text, nl=False)


def _write(root: Path, label: str, text: str, force: bool) -> None:
    """Save the review note: created if missing, replaced only while unedited (or with --force),
    and never over a save that lands meanwhile (the checked write of the other write commands).
    OS errors (read-only folder, disk full) become one line in the CLI group."""
    from ..edit import EditRefused
    from ..notes import MAX_NOTE_BYTES
    from ..review_note import note_path, note_state
    from ..vault import atomic_write, read_original
    from ..writes import check_git_state, write_lock

    rel = note_path(label)
    target = root / rel
    data = text.encode("utf-8")
    with write_lock(root):
        check_git_state(root)
        try:
            original = read_original(target, MAX_NOTE_BYTES + 1)
        except FileNotFoundError:
            original = None
        if original is not None:
            old = original.data
            if old.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n") == data:
                click.echo(f"{rel}: unchanged")
                return
            try:
                kind = note_state(old.decode("utf-8"))
            except UnicodeDecodeError:
                kind = "foreign"
            if kind != "unedited" and not force:
                what = (
                    "was edited since iinotes wrote it"
                    if kind == "edited"
                    else "exists and is not a review note iinotes wrote"
                )
                raise EditRefused(
                    f"{rel} {what}; it was left as it is",
                    "add --force to replace it (your changes to it are lost), or move it away first",
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data, original=original, create=original is None)
    click.echo(f"{rel}: {'wrote' if original is None else 'updated'}")


@click.command()
@format_option("json", "csv")
@shared_options
def stats(fmt: str) -> None:
    """Statistics over the whole history.

    The funnel (leads -> reached -> replied -> met -> referred you on), the
    reply rate and the median days from the first message to the reply,
    overall, by source and by tag; referrals per meeting; the referral tree
    (who led to whom). JSON schema and CSV columns: docs/review.md.
    """
    result = state().vault().statistics()
    if fmt == "json":
        from ..output import dumps
        from ..review_text import stats_dict

        click.echo(dumps(stats_dict(result)), nl=False)
    elif fmt == "csv":
        from ..review_text import stats_csv

        click.echo(stats_csv(result), nl=False)
    else:
        from ..review_text import stats_text

        click.echo(stats_text(result), nl=False)


COMMANDS = (review, stats)
