"""From the bytes of one Markdown file to a typed note plus the problems found in it (pure)."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import values
from .frontmatter12 import load_front_matter, split
from .model import (
    CONTACT_STATUSES,
    INTERVIEW_STATUSES,
    Commitment,
    Contact,
    Entry,
    Interview,
    Link,
    Note,
    Problem,
)

MAX_NOTE_BYTES = 8 * 1024 * 1024
NOTE_TYPES = ("contact", "interview")
OUR_FOLDERS = ("contacts/", "interviews/")

CONTACT_KEYS = (
    "type",
    "name",
    "id",
    "aliases",
    "company",
    "role",
    "location",
    "email",
    "phone",
    "linkedin",
    "tags",
    "source",
    "referred_by",
    "outreach",
    "responded",
    "touches",
    "last_contact",
    "keep_in_touch",
    "follow_up",
    "added",
    "status",
    "resume",
)
INTERVIEW_KEYS = (
    "type",
    "contact",
    "id",
    "scheduled",
    "timezone",
    "duration",
    "medium",
    "location",
    "status",
    "confirmed",
    "prepared",
    "thank_you_sent",
    "referrals",
    "commitments",
)

_TYPE_LINE = re.compile(r"^type:\s*[\"']?(contact|interview)[\"']?\s*(?:#.*)?$", re.MULTILINE)
_CONFLICT = re.compile(r"^(<{7}|>{7})(?: |$)", re.MULTILINE)
_TASK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[(.)\]\s+(.*)$")
_DUE = re.compile(r"📅\s*(\S+)")
_TASK_SIGNIFIERS = re.compile(
    r"\s*(?:[📅⏳🛫➕✅❌🆔⛔]\uFE0F?\s*\S*|🔁\uFE0F?[^📅⏳🛫➕✅❌🆔⛔⏫🔼🔽🔺⏬]*|[⏫🔼🔽🔺⏬]\uFE0F?)"
)
_FENCE = re.compile(r"^\s*(```|~~~)")


_HINTS: dict[Callable[[Any], Any], str] = {
    values.parse_date: "write a real calendar day as YYYY-MM-DD, e.g. 2026-11-25",
    values.parse_when: "write a real day as YYYY-MM-DD, or a day and time as 2026-11-25T14:30",
    values.parse_duration: 'write minutes as a number (30) or "45m", "1h", "1h30m"',
    values.parse_cadence: 'write "14d", "8w", "3m" (months), "1y" or never',
    values.parse_link: 'write a quoted wikilink: "[[Jane Doe]]"',
}


@dataclass(frozen=True)
class ParsedNote:
    """One file's result: the note if it is ours and readable, and every problem found in it."""

    path: str
    note: Note | None
    problems: tuple[Problem, ...]
    ours: bool  # type: contact/interview (even when the note is too broken to use)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _looks_ours(path: str, head: str) -> bool:
    return path.startswith(OUR_FOLDERS) or _TYPE_LINE.search(head) is not None


def too_large(path: str, head: bytes, size: int) -> ParsedNote:
    """A file over MAX_NOTE_BYTES, judged by its first bytes: reported if it looks like ours."""
    if not _looks_ours(path, head.decode("utf-8", "replace").replace("\r\n", "\n")):
        return ParsedNote(path, None, (), False)
    message = f"the file is {size / 1048576:.1f} MiB; notes over {MAX_NOTE_BYTES // 1048576} MiB are skipped"
    return ParsedNote(
        path,
        None,
        (
            Problem(
                path,
                0,
                0,
                "error",
                "note-too-large",
                message,
                "move attachments and pasted data out of the note",
            ),
        ),
        True,
    )


def parse_note(path: str, data: bytes) -> ParsedNote:
    """Parse a file's bytes; `path` is vault-relative with `/` separators."""
    judged_by: list[str] = []  # what tells whether a broken file is ours: its front matter once split

    def head() -> str:  # the text as far as it decodes (made only for a broken file)
        return data[:MAX_NOTE_BYTES].decode("utf-8", "replace").replace("\r\n", "\n")

    def broken(line: int, column: int, code: str, message: str, hint: str) -> ParsedNote:
        if not _looks_ours(path, judged_by[0] if judged_by else head()[:70000]):
            return ParsedNote(path, None, (), False)
        return ParsedNote(path, None, (Problem(path, line, column, "error", code, message, hint),), True)

    if len(data) > MAX_NOTE_BYTES:
        return too_large(path, data[:70_000], len(data))
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _line_col(head(), len(data[:nul].decode("utf-8", "replace").replace("\r\n", "\n")))
        return broken(
            line,
            column,
            "nul-byte",
            "the file contains a NUL byte; it is binary or damaged",
            "open it in an editor and delete the NUL characters, or restore it from git",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return broken(
            line,
            column,
            "not-utf8",
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x})",
            "re-save the file as UTF-8 in your editor",
        )
    text = text.replace("\r\n", "\n")
    conflict = _CONFLICT.search(text) if "<<<<<<<" in text or ">>>>>>>" in text else None
    if conflict and re.search(r"^={7}$", text, re.MULTILINE):
        line, _ = _line_col(text, conflict.start())
        return broken(
            line,
            1,
            "conflict-markers",
            "the note has git conflict markers (<<<<<<< ======= >>>>>>>)",
            "resolve the merge conflict: keep one side, delete the marker lines",
        )
    parts = split(text)
    if parts.unclosed:
        return broken(
            1,
            1,
            "unclosed-front-matter",
            "front matter opened with --- is never closed",
            "add a line with --- after the last property",
        )
    if parts.front_matter is None:
        return ParsedNote(path, None, (), False)
    judged_by.append(parts.front_matter)
    loaded = load_front_matter(parts.front_matter, 1)
    if loaded.data is None:
        if loaded.issues:
            issue = loaded.issues[0]
            return broken(issue.line, issue.column, issue.code, issue.message, issue.hint)
        if loaded.kind_of_root == "empty":
            return ParsedNote(path, None, (), False)
        return broken(
            2,
            1,
            "front-matter-not-mapping",
            f"front matter is a {loaded.kind_of_root}, not a set of properties",
            "write one `key: value` per line, starting with type: contact or type: interview",
        )
    return _typed(path, loaded.data, loaded.positions, loaded.issues, parts.body, parts.body_line)


def _typed(
    path: str, data: dict[str, Any], positions: dict, issues: list, body: str, body_line: int
) -> ParsedNote:
    fields = _Fields(path, data, positions)
    for issue in issues:
        fields.problems.append(
            Problem(path, issue.line, issue.column, "error", issue.code, issue.message, issue.hint)
        )
    kind = data.get("type")
    if kind not in NOTE_TYPES:
        if kind is None and not path.startswith(OUR_FOLDERS):
            return ParsedNote(path, None, (), False)
        if isinstance(kind, str) and kind.strip().lower() in NOTE_TYPES:
            fields.problem(
                "type",
                "error",
                "bad-type",
                f"type: {kind!r} must be written in lower case",
                f"write type: {kind.strip().lower()}",
            )
            return ParsedNote(path, None, tuple(fields.problems), True)
        if path.startswith(OUR_FOLDERS):
            folder = path.split("/", 1)[0]
            guess = difflib.get_close_matches(str(kind), NOTE_TYPES, 1, 0.6)
            what = "no type" if kind is None else f"type: {kind}"
            hint = (
                f"did you mean type: {guess[0]}?"
                if guess
                else f"add type: {'contact' if folder == 'contacts' else 'interview'}"
                f" (or move the note out of {folder}/)"
            )
            fields.problem(
                "type",
                "warning",
                "unknown-type",
                f"a note in {folder}/ with {what} is not read by iinotes",
                hint,
            )
            return ParsedNote(path, None, tuple(fields.problems), False)
        return ParsedNote(path, None, (), False)
    note: Note = _contact(fields) if kind == "contact" else _interview(fields)
    tasks = _body_tasks(fields, body, body_line)
    if tasks:
        note = dataclasses.replace(note, commitments=note.commitments + tasks)
    known = CONTACT_KEYS if kind == "contact" else INTERVIEW_KEYS
    for key in data:
        close = difflib.get_close_matches(key.lower(), known, 1, 0.8) if key not in known else None
        if close:  # other unknown keys are the user's own properties: kept and ignored
            fields.problem(
                key,
                "warning",
                "unknown-key",
                f"{key} is not {'an' if kind == 'interview' else 'a'} {kind} property, so it is ignored",
                f"did you mean {close[0]}?",
                at_key=True,
            )
    return ParsedNote(path, note, tuple(sorted(fields.problems)), True)


class _Fields:
    """Reads typed values from a front matter mapping, turning every failure into a Problem."""

    def __init__(self, path: str, data: dict[str, Any], positions: dict) -> None:
        self.path, self.data, self.positions = path, data, positions
        self.problems: list[Problem] = []

    def where(self, *key: Any) -> tuple[int, int]:
        return self.positions.get(tuple(key), self.positions.get(tuple(key[:1]), (0, 0)))

    def problem(
        self,
        key: Any,
        severity: str,
        code: str,
        message: str,
        hint: str = "",
        *,
        at: tuple = (),
        at_key: bool = False,
    ) -> None:
        line, column = self.where(*(at or (key,) + (("@key",) if at_key else ())))
        self.problems.append(Problem(self.path, line, column, severity, code, message, hint))  # type: ignore[arg-type]

    def lines(self) -> str:
        return "\n".join(
            f"{key}={self.positions[(key, '@key')][0]}"
            for key in self.data
            if (key, "@key") in self.positions
        )

    def get(
        self,
        key: str,
        parse: Callable[[Any], Any],
        default: Any = None,
        *,
        hint: str = "",
        code: str = "bad-value",
    ) -> Any:
        if key not in self.data or self.data[key] is None:
            return default
        return self.parse_at(key, (key,), self.data[key], parse, default, hint=hint, code=code)

    def parse_at(
        self,
        key: str,
        at: tuple,
        value: Any,
        parse: Callable[[Any], Any],
        default: Any,
        *,
        hint: str = "",
        code: str = "bad-value",
    ) -> Any:
        name = unquoted = values.unquoted_link(value)
        if unquoted is not None and parse is values.parse_link:
            fix = f'- "[[{name}]]"' if isinstance(at[-1], int) else f'{key}: "[[{name}]]"'
            self.problem(
                key,
                "error",
                "unquoted-link",
                f"{_label(at)}: [[{name}]] must be in quotes, or YAML reads it as a list",
                f"write {fix}",
                at=at,
            )
            return parse(f"[[{name}]]")
        try:
            return parse(value)
        except ValueError as error:
            message = str(error)
            if parse in (values.parse_date, values.parse_when):
                code = "bad-date"
            hint = hint or _HINTS.get(parse, "")
            self.problem(key, "error", code, f"{_label(at)}: {message}", hint, at=at)
            return default

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, (list, dict)):
            self.problem(
                key,
                "error",
                "bad-type",
                f"{key}: expected text, found a {'list' if isinstance(value, list) else 'mapping'}",
                f"write {key}: some text",
            )
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def items(self, key: str) -> list[tuple[tuple, Any]]:
        """(position path, item) for each item of a list value; a single value counts as a list of one."""
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return [((key, i), item) for i, item in enumerate(value)]
        return [((key,), value)]

    def text_list(self, key: str, *, strip_hash: bool = False) -> tuple[str, ...]:
        """A list of text; with `strip_hash` (tags) also Obsidian's reading of `tags: a, b` as two
        tags, and a warning for each tag Obsidian would not accept."""
        result = []
        items = self.items(key)
        if strip_hash and len(items) == 1 and isinstance(items[0][1], str) and "," in items[0][1]:
            items = [(items[0][0], part) for part in items[0][1].split(",")]
        for at, item in items:
            if isinstance(item, (list, dict)) or item is None:
                self.problem(
                    key,
                    "error",
                    "bad-type",
                    f"{_label(at)}: expected text",
                    f"write {key} as a list of words",
                    at=at,
                )
                continue
            text = str(item).strip()
            if strip_hash and text.startswith("#"):
                self.problem(
                    key,
                    "warning",
                    "tag-hash",
                    f"{_label(at)}: tags are written without #",
                    f"write {text.lstrip('#')}",
                    at=at,
                )
                text = text.lstrip("#")
            why = values.tag_problem(text) if strip_hash and text else None
            if why:
                self.problem(
                    key,
                    "warning",
                    "bad-tag",
                    f"{_label(at)}: {text!r} {why}, so Obsidian does not take it as a tag",
                    f"write {values.tag_fix(text)}",
                    at=at,
                )
            if text:
                result.append(text)
        return tuple(result)

    def entries(self, key: str) -> tuple[Entry, ...]:
        result = []
        for at, item in self.items(key):
            if isinstance(item, dict):
                if "date" not in item:
                    self.problem(
                        key,
                        "error",
                        "missing-key",
                        f"{_label(at)}: an entry needs a date",
                        "write - {date: 2026-11-02, via: email}",
                        at=at,
                    )
                    continue
                day = self.parse_at(key, at + ("date",), item["date"], values.parse_date, None)
                if day is not None:
                    result.append(Entry(day, _plain(item.get("via")), _plain(item.get("note"))))
            else:
                day = self.parse_at(key, at, item, values.parse_date, None)
                if day is not None:
                    result.append(Entry(day))
        return tuple(sorted(result, key=lambda entry: entry.date))

    def status(self, allowed: tuple[str, ...], default: str) -> str:
        value = self.data.get("status")
        if value is None:
            return default
        text = str(value).strip()
        if text in allowed:
            return text
        if text.lower() in allowed:  # `Cancelled`, as typed in Obsidian: meant, so honoured
            self.problem(
                "status",
                "warning",
                "status-case",
                f"status: {value!r} is read as {text.lower()}",
                f"write status: {text.lower()} (in lower case)",
            )
            return text.lower()
        guess = difflib.get_close_matches(text.lower(), allowed, 1, 0.6)
        fix = f"did you mean {guess[0]}?" if guess else "use one of the values listed (lower case)"
        self.problem(
            "status", "error", "bad-status", f"status: {value!r} is not one of {', '.join(allowed)}", fix
        )
        return default


def _truthy(value: Any) -> bool:
    """`done:` as people write it: true/yes/x/a date mean done; false/no/0/empty mean not."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "no", "n", "0", "off", "not done", "todo")
    return bool(value)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _label(at: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(at))


def _contact(f: _Fields) -> Contact:
    name = f.text("name") or f.path.rsplit("/", 1)[-1].removesuffix(".md")
    contact = _contact_fields(f, name)
    if contact.resume is not None and contact.status != "paused":
        f.problem(
            "resume",
            "warning",
            "resume-unused",
            f"resume: {contact.resume.isoformat()} is only read with status: paused (this contact is "
            f"{contact.status})",
            f'pause them (iinotes pause "{contact.name}" --until {contact.resume.isoformat()}), '
            "or remove resume",
        )
    return contact


def _contact_fields(f: _Fields, name: str) -> Contact:
    return Contact(
        path=f.path,
        name=name.strip(),
        id=f.text("id").strip(),
        aliases=f.text_list("aliases"),
        company=f.text("company"),
        role=f.text("role"),
        location=f.text("location"),
        email=f.text("email"),
        phone=f.text("phone"),
        linkedin=f.text("linkedin"),
        tags=f.text_list("tags", strip_hash=True),
        source=f.text("source"),
        referred_by=f.get("referred_by", values.parse_link),
        outreach=f.entries("outreach"),
        responded=f.get("responded", values.parse_date),
        touches=f.entries("touches"),
        last_contact=f.get("last_contact", values.parse_date),
        keep_in_touch=(cadence := f.get("keep_in_touch", values.parse_cadence, False, code="bad-cadence"))
        or None,
        keep_in_touch_set=cadence is not False,  # absent or invalid: the vault's default applies
        follow_up=f.get("follow_up", values.parse_when),
        added=f.get("added", values.parse_date),
        status=f.status(CONTACT_STATUSES, "active"),
        resume=f.get("resume", values.parse_date),
        lines=f.lines(),
    )


def _interview(f: _Fields) -> Interview:
    contact = f.get("contact", values.parse_link)
    if "contact" not in f.data or f.data["contact"] is None:
        f.problem(
            "type",
            "error",
            "missing-key",
            "an interview needs contact: the person you are meeting",
            'add contact: "[[Their Name]]"',
        )
    timezone = f.text("timezone").strip()
    if timezone:
        try:
            values.zone(timezone)
        except ValueError as error:
            f.problem(
                "timezone",
                "error",
                "bad-timezone",
                f"timezone: {error}",
                "use a name from the IANA list, e.g. Europe/London",
            )
            timezone = ""
    scheduled = f.get("scheduled", values.parse_when)
    status_set = f.data.get("status") is not None
    status = f.status(INTERVIEW_STATUSES, "scheduled" if scheduled is not None else "requested")
    confirmed = f.get("confirmed", values.parse_date)
    return Interview(
        path=f.path,
        contact=contact,
        id=f.text("id").strip(),
        scheduled=scheduled,
        timezone=timezone,
        duration=f.get("duration", values.parse_duration, 20, code="bad-duration"),
        medium=f.text("medium"),
        location=f.text("location"),
        status=status,
        status_set=status_set,
        confirmed=confirmed,
        prepared=f.get("prepared", values.parse_date),
        thank_you_sent=f.get("thank_you_sent", values.parse_date),
        referrals=_links(f, "referrals"),
        commitments=_commitments(f),
        lines=f.lines(),
    )


def _links(f: _Fields, key: str) -> tuple[Link, ...]:
    value = f.data.get(key)
    if value is None:
        return ()
    if values.unquoted_link(value) is not None:  # `referrals: [[Ann]]`: one unquoted link
        return (f.parse_at(key, (key,), value, values.parse_link, None),)
    result = []
    for at, item in f.items(key):
        if isinstance(item, list) and len(item) == 1 and isinstance(item[0], str):  # - [[Ann]] unquoted
            name = item[0]
            f.problem(
                key,
                "error",
                "unquoted-link",
                f"{_label(at)}: [[{name}]] must be in quotes, or YAML reads it as a list",
                f'write - "[[{name}]]"',
                at=at,
            )
            item = f"[[{name}]]"
        link = f.parse_at(key, at, item, values.parse_link, None)
        if link is not None:
            result.append(link)
    return tuple(result)


def _commitments(f: _Fields) -> tuple[Commitment, ...]:
    result = []
    for at, item in f.items("commitments"):
        line = f.where(*at)[0]
        if isinstance(item, str):
            item = {"task": item}
        if not isinstance(item, dict) or not str(item.get("task") or "").strip():
            f.problem(
                "commitments",
                "error",
                "bad-commitment",
                f"{_label(at)}: a commitment needs a task",
                "write - {task: Send my portfolio, due: 2026-11-30}",
                at=at,
            )
            continue
        due = None
        if item.get("due") is not None:
            due = f.parse_at("commitments", at + ("due",), item["due"], values.parse_date, None)
        else:
            f.problem(
                "commitments",
                "warning",
                "no-due-date",
                f"{_label(at)}: commitment {str(item['task']).strip()!r} has no due date, so it never "
                "reminds you",
                "add due: YYYY-MM-DD",
                at=at,
            )
        done = _truthy(item.get("done"))
        result.append(Commitment(str(item["task"]).strip(), due, done, line))
    return tuple(result)


def _body_tasks(f: _Fields, body: str, first_line: int) -> tuple[Commitment, ...]:
    """`- [ ] Send portfolio 📅 2026-11-30` tasks outside code fences (Obsidian Tasks due-date format)."""
    if "📅" not in body:
        return ()
    tasks = []
    fence = ""
    for offset, line in enumerate(body.split("\n")):
        marker = _FENCE.match(line)
        if marker and (not fence or marker[1] == fence):
            fence = "" if fence else marker[1]
            continue
        match = None if fence else _TASK.match(line)
        if not match or "📅" not in line:
            continue
        due_match = _DUE.search(match[2])
        lineno = first_line + offset
        if due_match is None:
            f.problems.append(
                Problem(
                    f.path,
                    lineno,
                    line.index("📅") + 1,
                    "warning",
                    "no-due-date",
                    "task has 📅 but no date, so it never reminds you",
                    "write 📅 YYYY-MM-DD after the task",
                )
            )
            continue
        try:
            due = values.parse_date(due_match[1])
        except ValueError as error:
            f.problems.append(
                Problem(
                    f.path,
                    lineno,
                    line.index("📅") + 1,
                    "error",
                    "bad-date",
                    f"task due date: {error}",
                    "write 📅 YYYY-MM-DD",
                )
            )
            continue
        task = _TASK_SIGNIFIERS.sub("", match[2]).strip()
        tasks.append(Commitment(task, due, match[1] not in " /!?>", lineno, "body"))
    return tuple(tasks)
