"""Carrying out an import (the edge): read the export and the vault's notes, plan with `importer`,
then create each new contact note through `writes` (the contact template, a fresh id, the edit
engine, an atomic write that never replaces a file) and, with `update`, fill the empty keys of the
contacts that were already there, each a minimal edit through `writes.edit_note`.

Each note is written whole or not at all, and a rerun matches what an interrupted run wrote, so an
import killed half-way finishes when it is run again, with nothing doubled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import importer, writes
from .edit import Append, Change, SetValue
from .errors import IinotesError, UsageError
from .importer import Export, Filters, Known, Person, Plan, Step
from .model import Contact
from .pipeline import Vault
from .vault import clean_leftovers

KINDS = ("linkedin", "vcard")
DEFAULT_SOURCE = {"linkedin": "LinkedIn", "vcard": "address book"}


@dataclass(frozen=True)
class Outcome:
    """What the import did for one step: whether a note was written, and what to say about it."""

    step: Step
    changed: bool
    message: str = ""
    error: str = ""


def vobject_line(text: str, number: int) -> tuple[str, dict[str, list[str]], str, str]:
    """One logical vCard line split by vobject's parser: name, parameters (bare 2.1 parameters such
    as `CELL` under TYPE), value (quoted-printable decoded, in the declared CHARSET) and group. The
    value's backslash escapes are left for `importer` (vobject's own text decoding keeps only the
    part before an unescaped comma, which Android's 2.1 exports write)."""
    from vobject.base import ContentLine, parseLine

    line = ContentLine(*parseLine(text, number), encoded=True, lineNumber=number)
    params = {key.upper(): [str(v) for v in values] for key, values in line.params.items()}
    if line.singletonparams:
        params.setdefault("TYPE", []).extend(str(v) for v in line.singletonparams)
    value = line.value if isinstance(line.value, str) else line.value.decode("utf-8", "replace")
    return line.name.upper(), params, value, line.group or ""


def read_export(kind: str, path: Path) -> Export:
    """The people in a LinkedIn Connections.csv (`linkedin`) or a vCard file (`vcard`)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    if kind == "linkedin":
        return importer.read_linkedin(data)
    if kind == "vcard":
        return importer.read_vcard(data, vobject_line)
    raise UsageError(f"cannot import {kind!r}; choose one of {', '.join(KINDS)}")


def vault_contacts(vault: Vault) -> tuple[list[Known], list[str]]:
    """The vault's contacts as matching needs them, and the file name (without .md) of every note."""
    vault.index()  # reads the vault through the parse cache and saves it: a rerun parses nothing again
    parsed, _ = vault.read()  # every note (not only contacts), from memory after index()
    known = [
        Known(n.path, n.name, n.aliases, n.company, n.email, n.linkedin)
        for n in (p.note for p in parsed)
        if isinstance(n, Contact)
    ]
    stems = [p.path.rsplit("/", 1)[-1][:-3] for p in parsed]
    return known, stems


def prepare(vault: Vault, export: Export, filters: Filters, *, keep_both: bool = False) -> Plan:
    """The plan for importing `export` into the vault (nothing is written)."""
    people, left_out = importer.select(export.people, filters)
    known, stems = vault_contacts(vault)
    return importer.plan(
        people,
        known,
        stems,
        keep_both=keep_both,
        check_name=writes.safe_name,
        bad=export.bad,
        left_out=left_out,
        kind=export.kind,
    )


def contact_note(
    template: str, person: Person, stem: str, today: dt.date, source: str, tags: Sequence[str], origin: str
) -> tuple[str, list[Change]]:
    """The new note's text (the template filled in, anything richer than a property in the body)
    and the values to set in it through the edit engine."""
    text = writes.from_template(
        template,
        "contact",
        {"title": stem, "date": today.isoformat(), "time": dt.datetime.now().strftime("%H:%M")},
    )
    if person.extra:
        text = text.rstrip("\n") + f"\n\nFrom {origin}:\n" + "".join(f"- {line}\n" for line in person.extra)
    changes: list[Change] = [SetValue("id", writes.new_id("c"))]
    for key, value in _fields(person, source):
        changes.append(SetValue(key, value))
    changes.extend(Append("tags", tag) for tag in tags)
    changes.append(SetValue("added", today))
    if person.connected is not None:
        changes.append(SetValue("connected", person.connected))
    return text, changes


def _fields(person: Person, source: str) -> list[tuple[str, Any]]:
    pairs = (
        ("company", person.company),
        ("role", person.role),
        ("email", person.email),
        ("phone", person.phone),
        ("linkedin", person.linkedin),
        ("location", person.location),
        ("source", source),
    )
    return [(key, value) for key, value in pairs if value]


def fill_changes(person: Person, source: str, tags: Sequence[str]) -> list[Change]:
    """`--update`: set each key the export knows only where the note has no value yet."""
    changes: list[Change] = [
        SetValue(key, value, keep_existing=True) for key, value in _fields(person, source)
    ]
    if person.connected is not None:
        changes.append(SetValue("connected", person.connected, keep_existing=True))
    changes.extend(Append("tags", tag) for tag in tags)
    return changes


def check_template(root: Path, today: dt.date) -> str:
    """The contact template's text, once checked to make a valid note (UsageError says why not)."""
    template = writes._template(root, "contact", writes.CONTACT_TEMPLATE)
    probe = Person(line=0, name="Template Check", raw_name="Template Check", company="Acme")
    text, changes = contact_note(template, probe, probe.name, today, "LinkedIn", (), "a check")
    writes.new_note_bytes("contacts/Template Check.md", text, changes)
    return template


def carry_out(
    root: Path,
    plan: Plan,
    today: dt.date,
    *,
    source: str,
    tags: Sequence[str] = (),
    update: bool = False,
    origin: str = "the import",
    dry_run: bool = False,
) -> Generator[Outcome, None, None]:
    """Do the plan, yielding an Outcome per step as it goes (a progress bar follows it; the order
    may differ from the plan's). A note that cannot be written is an Outcome with `error`; the
    others go on. New notes are written in batches of BATCH, each under the vault's write lock,
    by WRITERS threads (the time goes into fsync, which threads overlap); each note is still
    written whole (temp file, fsync, rename) or not at all."""
    template = check_template(root, today)
    tags = [tag.strip().lstrip("#") for tag in tags if tag.strip().lstrip("#")]
    made = _Maker(root, template, today, source, tags, origin)
    batch: list[Step] = []
    for step in plan.steps:
        if step.action == "new":
            if dry_run:
                yield Outcome(step, True, step.path)
                continue
            batch.append(step)
            if len(batch) >= BATCH:
                yield from made.create(batch)
                batch = []
        elif step.action == "there" and update and not step.repeats:
            yield from made.create(batch)  # the lock is free again before edit_note takes it
            batch = []
            yield _fill(root, step, source, tags, dry_run)
        else:
            yield Outcome(step, False)
    yield from made.create(batch)


BATCH = 64
WRITERS = 8


@dataclass(frozen=True)
class _Maker:
    """Makes new contact notes from the template, a batch at a time."""

    root: Path
    template: str
    today: dt.date
    source: str
    tags: Sequence[str]
    origin: str

    def create(self, steps: Sequence[Step]) -> Iterator[Outcome]:
        if not steps:
            return
        writes.check_git_state(self.root)
        with writes.write_lock(self.root), ThreadPoolExecutor(WRITERS) as pool:
            try:
                made: list[tuple[Step, bytes | str]] = []
                for step in steps:  # first the CPU work, then the writes: threads then only wait on I/O
                    text, changes = contact_note(
                        self.template, step.person, step.stem, self.today, self.source, self.tags, self.origin
                    )
                    try:
                        made.append((step, writes.new_note_bytes(step.path, text, changes)))
                    except IinotesError as error:
                        made.append((step, error.message))
                for folder in {(self.root / step.path).parent for step in steps}:
                    clean_leftovers(folder)  # once a batch, not once a note (a scan of the folder each)
                queued: list[tuple[Step, Future[None] | str]] = [
                    (step, data if isinstance(data, str) else pool.submit(self._write, step.path, data))
                    for step, data in made
                ]
                for step, job in queued:
                    yield _written(step, job)
            except BaseException:  # Ctrl-C, SIGTERM, or the consumer gone: start no further write
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def _write(self, rel: str, data: bytes) -> None:
        writes.write_new_note(self.root, rel, data, clean=False)


def _written(step: Step, job: Future[None] | str) -> Outcome:
    if isinstance(job, str):
        return Outcome(step, False, error=job)
    try:
        job.result()
    except IinotesError as error:
        return Outcome(step, False, error=error.message)
    except OSError as error:
        return Outcome(step, False, error=f"cannot write it: {error.strerror}")
    return Outcome(step, True, step.path)


def _fill(root: Path, step: Step, source: str, tags: Sequence[str], dry_run: bool) -> Outcome:
    try:
        result = writes.edit_note(root, step.path, fill_changes(step.person, source, tags), dry_run=dry_run)
    except IinotesError as error:
        return Outcome(step, False, error=error.message)
    filled = [
        line[1:].split(":", 1)[0].strip()
        for line in result.diff.splitlines()
        if line.startswith("+") and not line.startswith("+++") and ":" in line and not line[1:2].isspace()
    ]
    if not result.changed:
        return Outcome(step, False)
    return Outcome(step, True, ", ".join(dict.fromkeys(filled)) or "tags")
