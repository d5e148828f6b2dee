"""Commands for follow-ups: due (what to do) and feed (the .ics calendar)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..values import zone
from ..vault import atomic_write
from .common import Recorder, format_option, paint, recorded, shared_options, state

if TYPE_CHECKING:
    from ..followups import FollowUp


class _Kinds(click.Choice):  # type: ignore[type-arg]
    """The follow-up kinds, looked up when needed: a run answered from its record never loads the rules."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> Any:
        from ..followups import KINDS

        return KINDS

    @choices.setter
    def choices(self, _: Any) -> None:
        pass


DUE_SCHEMA = "iinotes.due/1"
STUCK_SCHEMA = "iinotes.stuck/1"


def group_of(item: FollowUp, today: dt.date) -> str:
    """overdue, today, this-week (the next 7 days) or later."""
    if item.due < today:
        return "overdue"
    if item.due == today:
        return "today"
    return "this-week" if (item.due - today).days <= 7 else "later"


def _time(item: FollowUp, vault_zone: str) -> tuple[str, str]:
    """The start in the vault's zone (as the day groups are), and a note of the meeting's own
    wall time when it is in another zone."""
    if item.start is None:
        return "", ""
    local = item.start.astimezone(zone(vault_zone))
    own = getattr(item.start.tzinfo, "key", None)
    elsewhere = f" [{item.start.strftime('%H:%M')} {own} time]" if own and own != vault_zone else ""
    return " " + local.strftime("%H:%M"), elsewhere


def followup_dict(item: FollowUp, today: dt.date) -> dict[str, object]:
    """One follow-up as `due --format json` and `show --format json` print it."""
    return {
        "kind": item.kind,
        "uid": item.uid,
        "due": item.due.isoformat(),
        "start": item.start.isoformat() if item.start else None,
        "minutes": item.minutes or None,
        "title": item.title,
        "detail": item.detail,
        "sentence": item.sentence(),
        "path": item.path,
        "person": item.person,
        "contact_path": item.contact_path,
        "location": item.location or None,
        "overdue": item.overdue,
        "group": group_of(item, today),
    }


def due_text(items: list[FollowUp], today: dt.date, last: dt.date, vault_zone: str) -> str:
    """The grouped, plain-words list `iinotes due` prints."""
    titles = {
        "overdue": "Overdue",
        "today": f"Today ({today.isoformat()})",
        "this-week": "This week",
        "later": f"Later (until {last.isoformat()})",
    }
    out: list[str] = []
    for group, title in titles.items():
        chosen = [i for i in items if group_of(i, today) == group]
        if not chosen:
            continue
        out += ["" if out else None, f"{title}:"]  # type: ignore[list-item]
        for item in chosen:
            when, elsewhere = _time(item, vault_zone)
            out.append(f"  {item.due.isoformat() + when:<16}  {item.sentence()}{elsewhere}")
            if item.path:
                out.append(f"  {'':<16}  {item.path}")
    lines = [line for line in out if line is not None]
    if not lines:
        return f"Nothing due until {last.isoformat()}.\n"
    return "\n".join(lines) + "\n"


@click.command()
@click.option(
    "--days", type=click.IntRange(0, 3650), default=14, show_default=True, help="How many days ahead to look."
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=_Kinds(),
    help="Only follow-ups of this kind (repeatable).",
)
@click.option(
    "--stuck",
    is_flag=True,
    help="Instead: list the active contacts with no next move (exit 1 when there are any).",
)
@format_option("json")
@shared_options
def due(days: int, kinds: tuple[str, ...], stuck: bool, fmt: str) -> None:
    """What to do: follow-ups grouped overdue / today / this week / later.

    Each line says the action and the person in plain words and names the
    note it comes from. Overdue items stay listed until a note shows them
    done (log the reply, set thank_you_sent, tick the commitment, ...).

    With --stuck, lists the active contacts that have no next move (neither
    a follow-up of yours nor a reply or meeting to wait for), which should
    never happen: gone-quiet contacts, contacts met with keep_in_touch
    never, and paused, declined or archived ones rightly have none.
    """
    vault = state().vault()
    if stuck:
        _stuck(vault, fmt)
        return
    out = recorded("due", days, sorted(kinds), fmt)
    from .. import output

    index, items = vault.follow_ups()
    today = index.today
    try:
        last = today + dt.timedelta(days=days)
    except OverflowError:
        last = dt.date.max
    chosen = [i for i in items if (i.overdue or i.due <= last) and (not kinds or i.kind in kinds)]
    if fmt == "json":
        out.echo(
            output.dumps(
                {
                    "schema": DUE_SCHEMA,
                    "today": today.isoformat(),
                    "until": last.isoformat(),
                    "followups": [followup_dict(i, today) for i in chosen],
                }
            ),
            nl=False,
        )
    else:
        out.echo(paint(due_text(chosen, today, last, vault.settings.timezone)), nl=False)
    _warn_problems(index, out)
    out.finish()


def _stuck(vault, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from .. import output
    from ..followups import stuck as stuck_contacts

    index, _, moves = vault.next_moves()
    views = stuck_contacts(index, vault.settings, index.today, moves)
    if fmt == "json":
        rows = [{"name": v.contact.name, "path": v.contact.path, "stage": v.stage} for v in views]
        click.echo(
            output.dumps({"schema": STUCK_SCHEMA, "today": index.today.isoformat(), "stuck": rows}), nl=False
        )
    elif views:
        click.echo(f"{len(views)} active contact{'s' * (len(views) != 1)} with no next move:")
        for view in views:
            click.echo(f"  {view.contact.name}  ({view.stage})  {view.contact.path}")
    else:
        click.echo("Every active contact has a next move.")
    _warn_problems(index, Recorder(vault, "due", None))
    if views:
        raise click.exceptions.Exit(1)


def _warn_problems(index, out: Recorder) -> None:  # type: ignore[no-untyped-def]
    errors = [p for p in index.problems if p.severity == "error"]
    if errors:
        notes = len({p.path for p in errors})
        out.echo(
            f"iinotes: {len(errors)} error{'s' * (len(errors) != 1)} in {notes} note{'s' * (notes != 1)}: "
            "values with errors are left out of the follow-ups; run `iinotes validate`",
            err=True,
        )


@click.command()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=(
        "Write the feed to this file (atomically; untouched when nothing changed). Default: standard output."
    ),
)
@shared_options
def feed(out: Path | None) -> None:
    """The follow-ups as an .ics calendar feed (RFC 5545) to subscribe to.

    Holds the follow-ups due within feed.horizon_days plus the overdue ones
    (shown on today's date). With -o, SEQUENCE numbers rise when an item's
    date or time changes (the previous file is the state) and the file is
    only rewritten when its bytes change. See docs/feed.md.
    """
    vault = state().vault()
    previous = None
    if out is not None:
        try:
            previous = out.read_bytes()
        except FileNotFoundError:
            previous = None
    target = str(out.resolve()) if out is not None else None
    before = _digest(previous)
    record = recorded("feed", str(out), target, before)
    from ..ics import previous_sequences

    # what the previous feed says (kept DTSTAMPs, SEQUENCEs) instead of its 10 MB, held no longer;
    # the new feed is written in pieces, never held whole either
    sequences, previous = previous_sequences(previous), None
    index, shown, pieces = vault.feed_pieces(sequences)
    after = _digest(pieces)
    if out is None:
        for chunk in _chunks(pieces):
            record.write_bytes(chunk)
    elif before == after:
        record.echo(f"{out}: unchanged ({len(shown)} events)", err=True)
    else:
        atomic_write(out, _chunks(pieces))
        click.echo(f"{out}: wrote {len(shown)} events", err=True)
        record.note(f"{out}: unchanged ({len(shown)} events)", err=True)  # what the next run says
    _warn_problems(index, record)
    record.finish(also=None if before == after else (str(out), target, after))


def _digest(data: bytes | list[bytes] | None) -> str | None:
    """A digest of the feed file's bytes, whole or in pieces (the previous feed is an input of the feed)."""
    from ..cache import blake2b

    if data is None:
        return None
    digest = blake2b(digest_size=20)
    for piece in [data] if isinstance(data, bytes) else data:
        digest.update(piece)
    return digest.hexdigest()


def _chunks(pieces: list[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """The pieces joined into chunks of about `size` bytes (a few writes, not one per event)."""
    start, length = 0, 0
    for end, piece in enumerate(pieces, 1):
        length += len(piece)
        if length >= size:
            yield b"".join(pieces[start:end])
            start, length = end, 0
    if start < len(pieces):
        yield b"".join(pieces[start:])


COMMANDS = (due, feed)
