"""`iinotes import linkedin|vcard`: contacts from LinkedIn's Connections.csv or a vCard address book
(issue 15). The work is in `importer` (pure) and `import_writes`; this turns options into calls and
the result into a report."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from .. import import_writes
from ..importer import Filters, Plan, Step
from .common import shared_options, state
from .write import _parse_day

INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C


@click.group("import")
@shared_options
def import_group() -> None:
    """Create contact notes from lists you already have: LinkedIn or an address book.

    \b
    iinotes import linkedin Connections.csv --dry-run
    iinotes import vcard contacts.vcf --tag family

    Each person becomes a lead in contacts/ (from templates/contact.md), unless
    the vault already has them: matched by LinkedIn URL, then email, then name
    or alias (accents and case ignored). Nothing is ever overwritten; running
    the same import again changes nothing. Details: docs/import.md.
    """


def _regex(_: click.Context, param: click.Parameter, value: str | None) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise click.BadParameter(f"not a regular expression: {error}") from None


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options both kinds of import share."""
    for decorator in reversed(
        (
            click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
            click.option(
                "--company",
                metavar="REGEX",
                callback=_regex,
                help="Only people whose company matches (a regular expression, any case).",
            ),
            click.option(
                "--position",
                metavar="REGEX",
                callback=_regex,
                help="Only people whose position (job title) matches (a regular expression, any case).",
            ),
            click.option(
                "--limit",
                type=click.IntRange(min=0),
                metavar="N",
                help="Only the first N people the other filters leave, in the file's order.",
            ),
            click.option(
                "--tag",
                "tags",
                multiple=True,
                metavar="TAG",
                help="Add this tag to new contacts, and with --update to those already there (repeatable).",
            ),
            click.option(
                "--source",
                metavar="TEXT",
                help="What new contacts' source: says. Default: LinkedIn, or address book for vcard.",
            ),
            click.option(
                "--update",
                is_flag=True,
                help="Fill the empty keys of contacts already there (never changes a value that is set).",
            ),
            click.option(
                "--keep-both",
                is_flag=True,
                help="Import possible duplicates (same name, another company) as separate contacts.",
            ),
            click.option(
                "--dry-run", is_flag=True, help="Print the plan (new, already there, ...); write nothing."
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(("text", "json")),
                default="text",
                show_default=True,
                help="A report for people (text) or programs (json).",
            ),
        )
    ):
        command = decorator(command)
    return command


@import_group.command("linkedin")
@_options
@click.option(
    "--connected-since",
    metavar="YYYY-MM-DD",
    callback=_parse_day,
    help="Only connections made on or after this day.",
)
@shared_options
def linkedin(connected_since: dt.date | None, **options: Any) -> None:
    """Import LinkedIn's Connections.csv.

    Get it from LinkedIn: Settings, Data privacy, Get a copy of your data,
    Connections. Each row becomes a contact with source: LinkedIn, linkedin,
    company, role (the position), email (when shared), added (today) and
    connected (the day you connected). Rows LinkedIn leaves without a name, or
    that cannot be read, are listed with their line number and skipped.
    """
    _run("linkedin", connected_since=connected_since, **options)


@import_group.command("vcard")
@_options
@shared_options
def vcard(**options: Any) -> None:
    """Import a vCard file (.vcf) from Google Contacts, Apple Contacts, a phone.

    vCard 2.1, 3.0 and 4.0; any number of cards. FN (or N) gives the name,
    ORG the company, TITLE the role, EMAIL, TEL and URL the email, phone and
    linkedin (a linkedin.com/in/ address); further addresses, web pages and
    the card's note go into the note's body. Photos are ignored. The source:
    is "address book" unless --source says otherwise.
    """
    _run("vcard", **options)


def _run(
    kind: str,
    *,
    file: Path,
    company: re.Pattern[str] | None,
    position: re.Pattern[str] | None,
    limit: int | None,
    tags: tuple[str, ...],
    source: str | None,
    update: bool,
    keep_both: bool,
    dry_run: bool,
    fmt: str,
    connected_since: dt.date | None = None,
) -> None:
    vault = state().vault()
    export = import_writes.read_export(kind, file)
    filters = Filters(company, position, connected_since, limit)
    plan = import_writes.prepare(vault, export, filters, keep_both=keep_both)
    steps = import_writes.carry_out(
        vault.root,
        plan,
        vault.today,
        source=source if source is not None else import_writes.DEFAULT_SOURCE[kind],
        tags=tags,
        update=update,
        origin=file.name,
        dry_run=dry_run,
    )
    outcomes: list[import_writes.Outcome] = []
    interrupted = False
    previous = _on_sigterm()
    try:
        if fmt == "text" and not dry_run and sys.stderr.isatty() and len(plan.steps) > 1:
            with click.progressbar(length=len(plan.steps), label="Importing", file=sys.stderr) as bar:
                for outcome in steps:
                    outcomes.append(outcome)
                    bar.update(1)
        else:
            outcomes.extend(steps)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        steps.close()  # an interrupted batch: cancel its writes not yet started, release the lock
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if fmt == "json":
        click.echo(json.dumps(_report_json(file, plan, outcomes, dry_run, interrupted), indent=2))
    else:
        click.echo(_report_text(file, plan, outcomes, dry_run, interrupted, update), nl=False)
    if interrupted:
        click.echo(
            "iinotes: interrupted; every note written is whole: run the same command again to finish",
            err=True,
        )
        sys.exit(INTERRUPTED)
    if any(outcome.error for outcome in outcomes):
        sys.exit(1)


def _on_sigterm() -> Any:
    """Make SIGTERM end the import like Ctrl-C (the note being written is finished or not begun)."""

    def interrupt(_: int, __: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests running the CLI in a thread)
        return None


def _person(step: Step) -> str:
    return step.person.name + _details(step).replace("  (", " (", 1)


def _report_text(
    file: Path,
    plan: Plan,
    outcomes: list[import_writes.Outcome],
    dry_run: bool,
    interrupted: bool,
    update: bool,
) -> str:
    lines: list[str] = []
    done = {id(o.step): o for o in outcomes}
    new = plan.of("new")
    there = plan.of("there")
    duplicates = plan.of("duplicate")
    if dry_run:
        lines += _section("New contacts", (f"{s.path}{_details(s)}" for s in new))
        lines += _section(
            "Already there",
            (
                f"{_person(s)}, line {s.person.line}: {s.path} ({s.why}){_filled(done.get(id(s)))}"
                for s in there
            ),
        )
    else:
        updated = [done[id(s)] for s in there if id(s) in done and done[id(s)].changed]
        lines += _section("Updated", (f"{o.step.path}: filled {o.message}" for o in updated))
    lines += _section(
        "Possible duplicates, not imported",
        (f"{_person(s)}, line {s.person.line}: {s.why}" for s in duplicates),
    )
    if duplicates:
        lines.append("  (different people? run the same command with --keep-both to import them too)")
    lines += _section("Bad rows, skipped", (f"{file.name}:{row.line}: {row.message}" for row in plan.bad))
    errors = [o for o in outcomes if o.error]
    lines += _section(
        "Not written",
        (f"{o.step.path or o.step.person.name} (line {o.step.person.line}): {o.error}" for o in errors),
    )
    written = sum(1 for o in outcomes if o.step.action == "new" and o.changed)
    filled = sum(1 for o in outcomes if o.step.action == "there" and o.changed)
    counts = [
        f"{len(new) if dry_run else written} new",
        f"{len(there)} already there"
        + (f" ({filled} {'to update' if dry_run else 'updated'})" if update else ""),
        _plural(len(duplicates), "possible duplicate"),
        _plural(len(plan.bad), "bad row") + " skipped",
    ]
    if plan.left_out:
        counts.append(f"{plan.left_out} left out by the filters")
    if errors:
        counts.append(f"{len(errors)} not written")
    if dry_run:
        head = f"Plan for {file.name} (dry run: nothing written)"
    elif interrupted:
        head = f"Interrupted after {len(outcomes)} of {len(plan.steps)}: {file.name}"
    else:
        head = f"Imported {file.name}"
    lines.append(f"{head}: {', '.join(counts)}.")
    return "\n".join(lines) + "\n"


def _filled(outcome: import_writes.Outcome | None) -> str:
    return f"; would fill {outcome.message}" if outcome is not None and outcome.changed else ""


def _details(step: Step) -> str:
    details = " · ".join(p for p in (step.person.company, step.person.role) if p)
    return f"  ({details})" if details else ""


def _section(title: str, items: Iterable[str]) -> list[str]:
    listed = [f"  {item}" for item in items]
    return [f"{title} ({len(listed)}):", *listed] if listed else []


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _report_json(
    file: Path, plan: Plan, outcomes: list[import_writes.Outcome], dry_run: bool, interrupted: bool
) -> dict[str, Any]:
    done = {id(o.step): o for o in outcomes}

    def person(step: Step) -> dict[str, Any]:
        return {"line": step.person.line, "name": step.person.name, "company": step.person.company}

    def state_of(step: Step) -> dict[str, Any]:
        outcome = done.get(id(step))
        if outcome is None:
            return {"done": False}
        return {"done": True, "changed": outcome.changed, "error": outcome.error or None}

    return {
        "file": str(file),
        "kind": plan.kind,
        "dry_run": dry_run,
        "interrupted": interrupted,
        "new": [{**person(s), "path": s.path, **state_of(s)} for s in plan.of("new")],
        "there": [
            {
                **person(s),
                "path": s.path,
                "why": s.why,
                "filled": (done[id(s)].message.split(", ") if id(s) in done and done[id(s)].changed else []),
            }
            for s in plan.of("there")
        ],
        "possible_duplicates": [
            {**person(s), "why": s.why, "others": list(s.others)} for s in plan.of("duplicate")
        ],
        "bad_rows": [{"line": row.line, "message": row.message} for row in plan.bad],
        "left_out": plan.left_out,
    }


COMMANDS = (import_group,)
