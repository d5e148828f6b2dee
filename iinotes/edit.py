"""Surgical front matter edits (pure): change only the lines that must change, keep every other byte.

A change is a value (`SetValue`, `Append`, `SetInItem`, `TickTask`); `plan(data, changes)` returns the
note's new bytes. The note is edited as text at the positions YAML reports for its nodes, never
re-dumped: key order, comments, quoting, blank lines, the body, a BOM, CRLF line endings and the final
newline (or its absence) stay as they were. The result is parsed again and compared with what the
change should have done; anything else is refused (`EditRefused`) and nothing is returned.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import IinotesError
from .frontmatter12 import _resolve_plain, compose, load_front_matter, split
from .notes import parse_note

_FENCE = re.compile(r"-{3,}[ \t]*")
_BLANK_OR_COMMENT = re.compile(r"[ \t]*(?:#.*)?")
_DASH_PREFIX = re.compile(r"[ ]*-[ ]+")
_TASK_BOX = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+\[)(.)(\])")
_CONFLICT = re.compile(r"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)
_PLAIN_START_BAD = set("-?:,[]{}#&*!|>'\"%@`= \t")
_OTHER_READERS = re.compile(r"[-+]?[0-9][0-9_:.,e+-]*|[-+]?\.[0-9].*|yes|no|on|off|y|n")
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")
_YAML_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
# what a plain item of a list becomes when it turns into a mapping: `- 2026-11-02` -> {date: ...}
_ITEM_KEY = {"commitments": "task", "outreach": "date", "touches": "date"}


class EditRefused(IinotesError):
    """A write was refused (broken note, changed on disk, locked vault, unsafe edit); nothing was written."""

    exit_code = 1


@dataclass(frozen=True)
class SetValue:
    """Set top-level `key` to a scalar (a new line before the closing --- when the key is missing);
    the value None clears it (`key:` with nothing after it, as Obsidian writes an empty property)."""

    key: str
    value: Any
    keep_existing: bool = False  # leave a value that is already set (not empty) alone


@dataclass(frozen=True)
class Append:
    """Append `item` to the top-level list `key` (block or flow list); an equal item is not added twice,
    nor, with `unique_date`, an item with the same date."""

    key: str
    item: Any
    unique_date: bool = False


@dataclass(frozen=True)
class SetInItem:
    """Set `field` of item `index` (0-based) of the top-level list of mappings `key`."""

    key: str
    index: int
    field: str
    value: Any


@dataclass(frozen=True)
class TickTask:
    """Tick the body task `- [ ]` on `line` (1-based line of the file): `- [x]`, and with `done_on`
    add the Tasks plugin's done date (` ✅ YYYY-MM-DD`) at the end of the line."""

    line: int
    done_on: dt.date | None = None


@dataclass(frozen=True)
class AddToSection:
    """Add `line` to the body section `## heading` (after its last line; the section is created at
    the end of the body when missing); nothing when the section already has that line."""

    heading: str
    line: str


Change = SetValue | Append | SetInItem | TickTask | AddToSection


# --- values -------------------------------------------------------------------------------------


def normal(value: Any) -> Any:
    """`value` as the front matter loader gives it back (dates are text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal(v) for v in value]
    return value


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _PLAIN_START_BAD or not text.isprintable():
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(ch in text for ch in ",[]{}:?#"):  # flow indicators, or what other readers take as one
        return False
    if _OTHER_READERS.fullmatch(text.lower()) and not _DATE_LIKE.fullmatch(text):
        return False  # YAML 1.1 readers (Obsidian, PyYAML) would read a number, time or boolean
    return isinstance(_resolve_plain(text), str)


def render(value: Any, *, flow: bool = False, style: str | None = None) -> str:
    """YAML text for a value: plain when that reads back the same, else double-quoted; mappings and
    lists in flow style. `style` (' or ") keeps the quoting of the value being replaced."""
    value = normal(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{render(k, flow=True)}: {render(v, flow=True)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(render(v, flow=True) for v in value) + "]"
    text = str(value)
    if style == "'" and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    if style != '"' and _plain_ok(text, flow):
        return text
    return _double_quoted(text)


_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _double_quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes, plus \\u escapes for what YAML may not hold raw)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_PRINTABLE.sub(
        lambda m: f"\\u{ord(m[0]):04x}" if ord(m[0]) <= 0xFFFF else f"\\U{ord(m[0]):08x}", quoted
    )


# --- the note as lines --------------------------------------------------------------------------


@dataclass
class _Doc:
    """A note split into lines (without endings), their endings, the BOM, and the closing fence."""

    bom: bool
    lines: list[str]
    eols: list[str]
    close: int  # index of the closing --- line

    def front(self) -> str:
        return "".join(line + "\n" for line in self.lines[1 : self.close])

    def encode(self) -> bytes:
        text = "".join(line + eol for line, eol in zip(self.lines, self.eols, strict=True))
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode("utf-8")


def _doc(data: bytes) -> _Doc:
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        raise EditRefused("the note is not UTF-8", "re-save it as UTF-8 first") from None
    lines, eols = [], []
    parts = text.split("\n")
    for i, part in enumerate(parts):
        if i == len(parts) - 1:
            lines.append(part)
            eols.append("")
        elif part.endswith("\r"):
            lines.append(part[:-1])
            eols.append("\r\n")
        else:
            lines.append(part)
            eols.append("\n")
    if not lines or not _FENCE.fullmatch(lines[0]):
        raise EditRefused("the note has no front matter (it must start with a --- line)")
    close = next((i for i in range(1, len(lines)) if _FENCE.fullmatch(lines[i])), None)
    if close is None:
        raise EditRefused("the note's front matter is never closed with ---")
    doc = _Doc(bom, lines, eols, close)
    front = doc.front()
    if any(mark in front for mark in _YAML_BREAKS):
        raise EditRefused(
            "the front matter holds unusual line breaks (a lone CR, NEL or U+2028), so it cannot be edited "
            "safely",
            "edit this note by hand",
        )
    return doc


def _raw(data: bytes) -> dict[str, Any]:
    """The front matter mapping exactly as `parse_note` loads it."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    parts = split(text)
    loaded = load_front_matter(parts.front_matter or "", 1)
    if loaded.data is None or loaded.issues:
        raise EditRefused("the edited front matter would not load cleanly; nothing was written")
    return loaded.data


# --- positions ----------------------------------------------------------------------------------


class _Text:
    """The front matter text (LF endings) with (line, column) -> offset."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def at(self, mark: yaml.Mark) -> int:
        return self.starts[mark.line] + mark.column

    def line(self, n: int) -> str:
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[n] : end]

    def line_start(self, n: int) -> int:
        return self.starts[n] if n < len(self.starts) else len(self.text)

    def last_line_of(self, node: yaml.Node) -> int:
        """The last line holding `node`'s own text (a block collection's end mark points at the next
        token, past comments and blanks, so its last child decides)."""
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and not node.flow_style and node.value:
            last = node.value[-1]
            return self.last_line_of(last[1] if isinstance(last, tuple) else last)
        end = node.end_mark
        n = end.line if end.column > 0 else end.line - 1
        while n > node.start_mark.line and _BLANK_OR_COMMENT.fullmatch(self.line(n)):
            n -= 1
        return max(n, node.start_mark.line)


Splice = tuple[int, int, str]


def _compose(text: str) -> yaml.MappingNode:
    try:
        root = compose(text)  # the reader's own parser: what it accepts, edits can work on
    except (yaml.YAMLError, RecursionError) as error:
        raise EditRefused(
            f"the front matter is not valid YAML ({str(error).splitlines()[0]})", "run `iinotes validate`"
        ) from None
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise EditRefused("the front matter is not a block of `key: value` lines", "edit this note by hand")
    return root


def _top(root: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _is_empty(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode) and not node.style and node.start_mark.index == node.end_mark.index
    )


def _is_null(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and not node.style
        and node.value in ("", "~", "null", "Null", "NULL")
    )


def _replace_scalar(t: _Text, node: yaml.Node, value: Any, flow: bool) -> Splice:
    """Replace a scalar's text with `value` (keeping its quote style), or fill an empty value."""
    if not isinstance(node, yaml.ScalarNode):
        raise EditRefused(
            "the value to change is a list or mapping, not a single value", "edit this note by hand"
        )
    if node.style in ("|", ">"):
        raise EditRefused(
            "the value to change is written as a block of text (| or >)", "edit this note by hand"
        )
    start = t.at(node.start_mark)
    if _is_empty(node):
        return (start, start, " " + render(value, flow=flow))
    style = node.style if node.style in ("'", '"') else None
    return (start, t.at(node.end_mark), render(value, flow=flow, style=style))


def _new_key(t: _Text, key: str, text: str) -> Splice:
    end = len(t.text)
    return (end, end, f"{render(key)}:{text}\n")


def _splice_set(t: _Text, root: yaml.MappingNode, change: SetValue) -> Splice:
    found = _top(root, change.key)
    if change.value is None and found is not None and isinstance(found[1], yaml.ScalarNode):
        if found[1].style in ("|", ">"):
            raise EditRefused(f"{change.key} is written as a block of text", "edit this note by hand")
        start, end = t.at(found[1].start_mark), t.at(found[1].end_mark)
        while start > 0 and t.text[start - 1] in " \t":
            start -= 1
        return (start, end, "")
    if found is None:
        return _new_key(t, change.key, " " + render(change.value))
    return _replace_scalar(t, found[1], change.value, flow=False)


def _splice_append(t: _Text, root: yaml.MappingNode, change: Append, current: Any) -> Splice:
    item = render(change.item)
    found = _top(root, change.key)
    if found is None:
        return _new_key(t, change.key, f"\n  - {item}")
    key_node, node = found
    if isinstance(node, yaml.ScalarNode):
        if _is_empty(node):
            at = t.line_start(key_node.start_mark.line + 1)
            return (at, at, f"  - {item}\n")
        if node.style in ("|", ">"):
            raise EditRefused(
                f"{change.key} is written as a block of text, not a list", "edit this note by hand"
            )
        both = [] if _is_null(node) else [current]
        return (t.at(node.start_mark), t.at(node.end_mark), render(both + [normal(change.item)]))
    if not isinstance(node, yaml.SequenceNode):
        raise EditRefused(f"{change.key} is a mapping, not a list", f"write {change.key} as a list")
    if node.flow_style:
        close = t.at(node.end_mark) - 1
        if t.text[close] != "]":
            raise EditRefused(f"cannot find the closing ] of {change.key}", "edit this note by hand")
        flow_item = render(change.item, flow=True)
        if not node.value:
            return (t.at(node.start_mark) + 1, close, flow_item)
        at = t.at(node.value[-1].end_mark)
        return (at, at, ", " + flow_item)
    last = node.value[-1]
    prefix = t.line(last.start_mark.line)[: last.start_mark.column]
    if not _DASH_PREFIX.fullmatch(prefix):
        prefix = " " * node.start_mark.column + "- "
    at = t.line_start(t.last_line_of(last) + 1)
    return (at, at, prefix + item + "\n")


def _splice_in_item(t: _Text, root: yaml.MappingNode, change: SetInItem, current: Any) -> Splice:
    found = _top(root, change.key)
    node = found[1] if found else None
    if not isinstance(node, yaml.SequenceNode) or not 0 <= change.index < len(node.value):
        raise EditRefused(f"{change.key} has no item {change.index + 1}")
    item = node.value[change.index]
    if isinstance(item, yaml.ScalarNode):
        if item.style in ("|", ">"):
            raise EditRefused(
                f"{change.key} item {change.index + 1} is a block of text", "edit this note by hand"
            )
        kept = {_ITEM_KEY[change.key]: current} if change.key in _ITEM_KEY else {}
        new = {**kept, change.field: normal(change.value)}
        return (t.at(item.start_mark), t.at(item.end_mark), render(new))
    if not isinstance(item, yaml.MappingNode):
        raise EditRefused(f"{change.key} item {change.index + 1} is not a mapping")
    for key_node, value_node in item.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == change.field:
            return _replace_scalar(t, value_node, change.value, flow=bool(item.flow_style))
    if item.flow_style:
        close = t.at(item.end_mark) - 1
        if t.text[close] != "}":
            raise EditRefused(f"cannot find the closing }} of {change.key} item {change.index + 1}")
        pair = f"{render(change.field, flow=True)}: {render(change.value, flow=True)}"
        if not item.value:
            return (t.at(item.start_mark) + 1, close, pair)
        at = t.at(item.value[-1][1].end_mark)
        return (at, at, ", " + pair)
    indent = " " * item.value[0][0].start_mark.column
    at = t.line_start(t.last_line_of(item) + 1)
    return (at, at, f"{indent}{render(change.field)}: {render(change.value)}\n")


# --- the expected result ------------------------------------------------------------------------


def _date_of(item: Any) -> Any:
    return item.get("date") if isinstance(item, dict) else item


def _needed(change: Change, data: dict[str, Any]) -> bool:
    """Whether `change` still has something to do on front matter `data` (running twice is a no-op)."""
    if isinstance(change, SetValue):
        current = data.get(change.key)
        if change.value is None:  # clearing: only a value that is there
            return current is not None
        if change.keep_existing and current not in (None, ""):
            return False
        return change.key not in data or current != normal(change.value)
    if isinstance(change, Append):
        current = data.get(change.key)
        items = current if isinstance(current, list) else ([] if current is None else [current])
        item = normal(change.item)
        if item in items:
            return False
        return not (change.unique_date and any(_date_of(x) == _date_of(item) for x in items))
    if isinstance(change, SetInItem):
        listed = data.get(change.key)
        if not isinstance(listed, list) or not 0 <= change.index < len(listed):
            raise EditRefused(f"{change.key} has no item {change.index + 1}")
        item = listed[change.index]
        return not (isinstance(item, dict) and item.get(change.field) == normal(change.value))
    return True


def _expect(change: Change, data: dict[str, Any]) -> None:
    """Make `change` on the loaded front matter `data` (what the edited file must load as)."""
    if isinstance(change, SetValue):
        data[change.key] = normal(change.value)
    elif isinstance(change, Append):
        current = data.get(change.key)
        items = current if isinstance(current, list) else ([] if current is None else [current])
        data[change.key] = items + [normal(change.item)]
    elif isinstance(change, SetInItem):
        item = data[change.key][change.index]
        if not isinstance(item, dict):
            item = {_ITEM_KEY[change.key]: item} if change.key in _ITEM_KEY else {}
            data[change.key][change.index] = item
        item[change.field] = normal(change.value)


# --- plan ---------------------------------------------------------------------------------------


def _tick(doc: _Doc, line: int, done_on: dt.date | None = None) -> bool:
    index = line - 1
    if not doc.close < index < len(doc.lines):
        raise EditRefused(f"line {line} is not in the note's body")
    match = _TASK_BOX.match(doc.lines[index])
    if not match:
        raise EditRefused(f"line {line} is not a task (- [ ] ...)")
    if match[2] in "xX":
        return False
    doc.lines[index] = doc.lines[index][: match.end(1)] + "x" + doc.lines[index][match.end(2) :]
    if done_on is not None and "✅" not in doc.lines[index]:
        doc.lines[index] = f"{doc.lines[index].rstrip()} ✅ {done_on.isoformat()}"
    return True


_HEADING = re.compile(r"#{1,6}[ \t]")


def _add_to_section(doc: _Doc, change: AddToSection) -> tuple[int, int] | None:
    """Insert the line; returns (body-relative index, number of lines inserted), None if present."""
    title = re.compile(rf"##[ \t]+{re.escape(change.heading)}[ \t]*#*[ \t]*")
    eol = doc.eols[0] or "\n"
    start = next((i for i in range(doc.close + 1, len(doc.lines)) if title.fullmatch(doc.lines[i])), None)
    if start is not None:
        end = next(
            (i for i in range(start + 1, len(doc.lines)) if _HEADING.match(doc.lines[i])), len(doc.lines)
        )
        if change.line.rstrip() in (line.rstrip() for line in doc.lines[start + 1 : end]):
            return None
        new, low = [change.line], start
    else:
        new, low, end = [f"## {change.heading}", change.line], doc.close, len(doc.lines)
    at = end
    while at - 1 > low and not doc.lines[at - 1].strip():
        at -= 1
    if start is None and at - 1 > doc.close:
        new.insert(0, "")  # a blank line between the body's last text and the new heading
    elif start is None and at < len(doc.lines) and not doc.lines[at].strip() and doc.eols[at]:
        at += 1  # an empty body: the new section goes after its blank line, not before it
    if at == len(doc.lines):  # the note ends without a newline: so does it after the insertion
        doc.eols[at - 1] = eol
        eols = [eol] * (len(new) - 1) + [""]
    else:
        eols = [eol] * len(new)
    doc.lines[at:at] = new
    doc.eols[at:at] = eols
    return at - doc.close, len(new)


def _set_front(doc: _Doc, new_front: str) -> None:
    """Put edited front matter text back, keeping the line ending of every line that did not change."""
    old = doc.lines[1 : doc.close]
    old_eols = doc.eols[1 : doc.close]
    new = new_front.split("\n")[:-1]
    default = doc.eols[0] or "\n"
    lines: list[str] = []
    eols: list[str] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and a2 - a1 == b2 - b1):
            lines += new[b1:b2]
            eols += old_eols[a1:a2]
        else:
            lines += new[b1:b2]
            eols += [default] * (b2 - b1)
    doc.lines[1 : doc.close] = lines
    doc.eols[1 : doc.close] = eols
    doc.close = 1 + len(lines)


def check_editable(data: bytes, path: str) -> None:
    """Refuse notes with conflict markers or errors: iinotes does not write into a broken note."""
    text = data.decode("utf-8-sig", "replace").replace("\r\n", "\n")
    if _CONFLICT.search(text) and re.search(r"^={7}$", text, re.MULTILINE):
        raise EditRefused(f"{path} has git conflict markers", "resolve the merge conflict first")
    parsed = parse_note(path, data)
    errors = [p for p in parsed.problems if p.severity == "error"]
    if errors:
        raise EditRefused(
            f"{path} has errors, so iinotes will not write to it: {errors[0].format()}",
            "fix them first (`iinotes validate` lists them)",
        )
    if parsed.note is None:
        raise EditRefused(f"{path} is not a contact or interview note")


def plan(data: bytes, changes: Sequence[Change], path: str = "note.md", *, fresh: bool = False) -> bytes:
    """The note's bytes with `changes` made; the same bytes when every change is already made.
    Raises EditRefused (nothing to write) when the note is broken or the edit cannot be proven safe.
    `fresh`: a note being created from a template (it may be incomplete before the changes)."""
    if not fresh:
        check_editable(data, path)
    doc = _doc(data)
    before = _raw(data)
    expected = copy.deepcopy(before)
    ticks: list[int] = []
    front = doc.front()
    for change in changes:
        if isinstance(change, TickTask):
            if _tick(doc, change.line, change.done_on):
                ticks.append(change.line - 1)
            continue
        if isinstance(change, AddToSection):
            continue  # once the front matter is final (the body's lines move with it)
        if not _needed(change, expected):
            continue
        t = _Text(front)
        root = _compose(front)
        current = expected.get(change.key)
        if isinstance(change, SetValue):
            splice = _splice_set(t, root, change)
        elif isinstance(change, Append):
            splice = _splice_append(t, root, change, current)
        else:
            items = current if isinstance(current, list) else []
            splice = _splice_in_item(
                t, root, change, items[change.index] if change.index < len(items) else None
            )
        start, end, text = splice
        front = front[:start] + text + front[end:]
        _expect(change, expected)
    if front != doc.front():
        _set_front(doc, front)
    added = [at for c in changes if isinstance(c, AddToSection) and (at := _add_to_section(doc, c))]
    result = doc.encode()
    if result == data:
        return data
    _verify(data, result, expected, ticks, path, added)
    return result


def _verify(
    old: bytes,
    new: bytes,
    expected: dict[str, Any],
    ticks: list[int],
    path: str,
    added: Sequence[tuple[int, int]] = (),
) -> None:
    after = _raw(new)
    if after != expected:
        wrong = sorted(k for k in set(after) | set(expected) if after.get(k) != expected.get(k))
        raise EditRefused(
            f"the edit would have changed more than intended ({', '.join(wrong)}); nothing was written",
            "edit this note by hand, and please report it",
        )
    old_doc, new_doc = _doc(old), _doc(new)
    old_body = old_doc.lines[old_doc.close :]
    new_body = new_doc.lines[new_doc.close :]
    for at, count in sorted(added, reverse=True):  # lines added on purpose: the rest must be as it was
        del new_body[at : at + count]
    if len(old_body) != len(new_body) or any(
        a != b
        for i, (a, b) in enumerate(zip(old_body, new_body, strict=True))
        if i + old_doc.close not in ticks
    ):
        raise EditRefused("the edit would have changed the note's body; nothing was written")
    parsed = parse_note(path, new)
    errors = [p for p in parsed.problems if p.severity == "error"]
    if errors or parsed.note is None:
        raise EditRefused(
            f"the edited note would not be valid ({errors[0].format() if errors else 'not a note'}); nothing "
            "was written"
        )


def unified_diff(old: bytes, new: bytes, path: str) -> str:
    """A unified diff of two versions of a note (line endings shown as plain newlines)."""
    a = [line + "\n" for line in old.decode("utf-8-sig", "replace").replace("\r\n", "\n").split("\n")]
    b = [line + "\n" for line in new.decode("utf-8-sig", "replace").replace("\r\n", "\n").split("\n")]
    if a[-1] == "\n" and b[-1] == "\n":
        a, b = a[:-1], b[:-1]
    return "".join(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}"))
