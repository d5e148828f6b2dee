"""Split a note into front matter and body, and load the front matter with YAML 1.2 meaning.

PyYAML resolves plain scalars by YAML 1.1 rules (`14:30` -> 870, `no` -> False, `012` -> 10,
`2026-11-25` -> date). Here libyaml only builds the node tree; scalars are resolved by the
YAML 1.2 core schema, except that dates stay strings (the note parser checks them with line
numbers) and integers with leading zeros stay strings (phone numbers, zip codes). Duplicate
keys, anchors and aliases, tags we do not know and front matter over 64 KiB are Problems.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

try:  # libyaml when present (as python-frontmatter does), else the pure-Python parser
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_FRONT_MATTER = 64 * 1024
MAX_DEPTH = 50  # lists and mappings nested deeper than this are a Problem
FM_BOUNDARY = YAMLHandler.FM_BOUNDARY  # `^-{3,}\s*$`, the fence python-frontmatter splits on
_HANDLER = YAMLHandler()

_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,30})\Z")
_OCT = re.compile(r"0o[0-7]{1,30}\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]{1,30}\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_STR_TAGS = frozenset(("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"))
_SCALAR_TAGS = _STR_TAGS | {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_COLLECTION_TAGS = frozenset(("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"))

Path_ = tuple[Any, ...]
_TAG_TYPES: dict[str, type | tuple[type, ...]] = {
    "int": int,
    "float": (int, float),
    "bool": bool,
    "null": type(None),
}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml's parser and composer with no implicit resolvers: every plain scalar comes out as str."""

    yaml_implicit_resolvers: dict[str, Any] = {}
    _DEFAULT_TAGS = {
        yaml.ScalarNode: "tag:yaml.org,2002:str",
        yaml.SequenceNode: "tag:yaml.org,2002:seq",
        yaml.MappingNode: "tag:yaml.org,2002:map",
    }

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """Every untagged node gets its kind's default tag (no regex matching per scalar)."""
        return self._DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers: nothing to track."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track."""


@dataclass(frozen=True)
class RawIssue:
    """A problem found while loading, positioned inside the file (1-based line and column)."""

    line: int
    column: int
    code: str
    message: str
    hint: str


@dataclass
class Loaded:
    """What `load_front_matter` found: the mapping (or None), positions of every value, issues."""

    data: dict[str, Any] | None
    positions: dict[Path_, tuple[int, int]]
    issues: list[RawIssue]
    kind_of_root: str = "mapping"  # mapping, sequence, scalar, empty


@dataclass
class Split:
    """A note split at its fences: front matter text, the line it starts on, and the body."""

    front_matter: str | None  # None: the note has no front matter
    body: str
    body_line: int  # 1-based line where the body starts
    unclosed: bool = False


def split(text: str) -> Split:
    """Split at the `---` fences the way python-frontmatter (and Obsidian) do; text has \\n endings."""
    if not text.startswith("---") or not FM_BOUNDARY.match(text):
        return Split(None, text, 1)
    try:
        front, body = _HANDLER.split(text)
    except ValueError:
        return Split(None, text, 1, unclosed=True)
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    return Split(front, body, body_line)


def _resolve(text: str) -> Any:
    """A plain scalar's value by the YAML 1.2 core schema (dates stay text)."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
        if text in _SPECIAL_FLOAT:
            return _SPECIAL_FLOAT[text]
        if _OCT.match(text):
            return int(text[2:], 8)
        if _HEX.match(text):
            return int(text[2:], 16)
    elif text in (".inf", ".nan"):
        return _SPECIAL_FLOAT[text]
    return text


# the same few thousand words and days come back in note after note: resolve each once per run
_resolve_plain = functools.lru_cache(maxsize=1 << 16)(_resolve)


class _Builder:
    """Turns a composed node tree into plain Python values, recording positions and issues."""

    def __init__(self, first_line: int) -> None:
        self.offset = first_line - 1
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.issues: list[RawIssue] = []

    def where(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def issue(self, node: yaml.Node, code: str, message: str, hint: str) -> None:
        line, column = self.where(node)
        self.issues.append(RawIssue(line, column, code, message, hint))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        mark = node.start_mark  # (inlined `where`: this runs for every value of every note)
        self.positions[path] = (mark.line + 1 + self.offset, mark.column + 1)
        if type(node) is yaml.ScalarNode:
            if not node.style and node.tag == "tag:yaml.org,2002:str":  # the common case: a plain scalar
                return _resolve_plain(node.value)
            return self.scalar(node, path)
        if len(path) > MAX_DEPTH:  # no note needs this; deeper would exhaust Python's stack
            self.issue(
                node,
                "yaml-nesting",
                f"{_label(path[:1])}: lists or mappings are nested more than {MAX_DEPTH} levels deep",
                "flatten the nested lists",
            )
            return None
        if node.tag not in _COLLECTION_TAGS:
            self.issue(
                node, "yaml-tag", f"{_label(path)}: the tag {node.tag} is not supported", "remove the tag"
            )
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.mapping(node, path)

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        if not node.style:  # plain scalar: YAML 1.2 core schema (tag is str: no implicit resolvers)
            return _resolve_plain(value) if tag == "tag:yaml.org,2002:str" else self.tagged(node, path)
        return value if tag in _STR_TAGS else self.tagged(node, path)

    def tagged(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        if tag in _STR_TAGS:
            return value
        if tag in _SCALAR_TAGS:
            resolved = _resolve_plain(value)
            expected = _TAG_TYPES[tag.rsplit(":", 1)[1]]
            if isinstance(resolved, expected) and not (tag.endswith("int") and isinstance(resolved, bool)):
                return resolved
            self.issue(
                node,
                "yaml-tag",
                f"{_label(path)}: {value!r} is not a valid {tag.rsplit(':', 1)[1]}",
                "remove the tag or fix the value",
            )
            return value
        self.issue(
            node,
            "yaml-tag",
            f"{_label(path)}: the tag {tag} is not supported",
            "remove the tag; quote the value if it is text",
        )
        return value

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.issue(
                    key_node,
                    "yaml-key",
                    "a key must be plain text, not a list or mapping",
                    "write `key: value`",
                )
                continue
            key = key_node.value
            where = self.where(key_node)
            line = where[0]
            if key in first_seen:
                self.issue(
                    key_node,
                    "duplicate-key",
                    f"{_label(path + (key,))} appears twice (first on line {first_seen[key]}); the first "
                    "value is kept",
                    "delete one of the two lines",
                )
                continue
            first_seen[key] = line
            self.positions[path + (key, "@key")] = where
            result[key] = self.build(value_node, path + (key,))
        return result


def _label(path: Path_) -> str:
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in path if p != "@key"]
    return ".".join(parts).replace(".[", "[") or "front matter"


def _yaml_error_issue(error: yaml.YAMLError, first_line: int, text: str) -> RawIssue:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = (mark.line + first_line) if mark is not None else first_line
    column = (mark.column + 1) if mark is not None else 0
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    message = f"front matter is not valid YAML: {problem}" + (f" ({context})" if context else "")
    hint = "check indentation and quote values that contain ': ' or start with [ { * & ! | > ' \" % @ `"
    bad_line = (
        text.split("\n")[line - first_line]
        if mark is not None and 0 <= line - first_line < text.count("\n") + 1
        else ""
    )
    if "\t" in problem or "\\t" in problem or "\t" in bad_line[: column or len(bad_line)]:
        hint = "YAML does not allow tabs for indentation: replace the tab with spaces"
    elif "mapping values are not allowed" in problem:
        hint = "a value contains ': ' - put it in quotes, e.g. note: \"Re: coffee\""
    return RawIssue(line, column, "yaml-syntax", message, hint)


def compose(text: str) -> yaml.Node | None:
    """The node tree of front matter text: the one parser for reading notes and for checking edits
    (two parsers that disagree make notes that validate but cannot be edited). YAMLError and
    RecursionError propagate."""
    return yaml.compose(text, Loader=_Loader)


def load_front_matter(text: str, first_line: int = 1) -> Loaded:
    """Load front matter text as split off by python-frontmatter: it starts right after the
    opening `---`, so its first line is the rest of the fence line, `first_line` of the file."""
    if len(text.encode("utf-8")) > MAX_FRONT_MATTER:
        issue = RawIssue(
            max(first_line, 1),
            1,
            "front-matter-too-large",
            f"front matter is over {MAX_FRONT_MATTER // 1024} KiB",
            "move long text into the note's body",
        )
        return Loaded(None, {}, [issue], "too-large")
    fast = _simple(text, first_line)
    if fast is not None:
        return fast
    return _composed(text, first_line)


def _composed(text: str, first_line: int) -> Loaded:
    """`load_front_matter` by libyaml's composer and the builder: any front matter at all."""
    if "&" in text or "*" in text:  # rare: confirm with the event stream before composing
        anchor = _find_anchor(text, first_line)
        if anchor is not None:
            return Loaded(None, {}, [anchor], "anchor")
    try:
        root = compose(text)
    except yaml.YAMLError as error:
        return Loaded(None, {}, [_yaml_error_issue(error, first_line, text)], "invalid")
    except RecursionError:
        issue = RawIssue(
            first_line, 1, "yaml-syntax", "front matter is nested too deeply", "flatten the nested lists"
        )
        return Loaded(None, {}, [issue], "invalid")
    if root is None:
        return Loaded(None, {}, [], "empty")
    builder = _Builder(first_line)
    if not isinstance(root, yaml.MappingNode):
        kind = "sequence" if isinstance(root, yaml.SequenceNode) else "scalar"
        return Loaded(None, {}, [], kind)
    data = builder.mapping(root, ())
    return Loaded(data, builder.positions, builder.issues)


# ------------------------------------------------------------------ the fast path for plain notes
#
# Most notes are a column of `key: value` lines, lists of words and lists of small mappings.
# `_simple` reads exactly those with a few regular expressions, in a fraction of the composer's
# time, and gives up (None) on anything else: then the composer reads the note. It is not a second
# parser with its own meaning: whatever it accepts it must read exactly as `_composed` does
# (values, types and positions), which tests/test_frontmatter_fast.py checks on generated notes.
# It gives up on tabs, any character YAML treats specially (non-printable, other line breaks, BOM),
# quotes with escapes, comments after values, multi-line values, block scalars, anchors, tags,
# flow mappings, keys that are not simple words, duplicate keys, and values starting with any
# indicator character.

_UNSAFE_TEXT = re.compile(
    r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,200}):(?: +(.*))?\Z")
_ITEM_LINE = re.compile(r"( *)- +(.*?) *\Z")
_ITEM_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,200}):(?: +(.*))?\Z")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_ITEM = re.compile(r" *([^ ,\[\]{}#:'\"][^,\[\]{}#:'\"]*?|\"[^\"\\]*\"|'[^']*') *(?:,|\Z)")


def _inline(value: str) -> Any:
    """A one-line value the fast path is sure of (the text after `key: `, trailing spaces cut), or
    _GIVE_UP. Plain text may hold `[`, `,`, `'` and `:` not followed by a space, as in YAML's block
    context."""
    first = value[0]
    if first == '"':
        if value.count('"') == 2 and value[-1] == '"' and "\\" not in value:
            return value[1:-1]
        return _GIVE_UP
    if first == "'":
        if value.count("'") == 2 and value[-1] == "'":
            return value[1:-1]
        return _GIVE_UP
    if first == "[":
        return _flow(value)
    if first in _PLAIN_START or ": " in value or " #" in value or value[-1] == ":":
        return _GIVE_UP
    return _resolve_plain(value)


def _flow(value: str) -> Any:
    """`[a, b, "c"]` on one line: a list of (plain or simply quoted) scalars, or _GIVE_UP."""
    if value[-1] != "]":
        return _GIVE_UP
    inner = value[1:-1]
    if not inner.strip():
        return []
    items: list[Any] = []
    pos = 0
    while pos < len(inner):
        match = _FLOW_ITEM.match(inner, pos)
        if match is None:
            return _GIVE_UP
        item = match.group(1)
        if item[0] in "\"'":
            items.append(item[1:-1])
        elif item[0] in _PLAIN_START:
            return _GIVE_UP
        else:
            items.append(_resolve_plain(item))
        pos = match.end()
        if pos == len(inner) and inner[-1] == ",":
            return _GIVE_UP  # a trailing comma: leave it to the composer
    return items


def _flow_positions(value: str, line: int, column: int, path: Path_, positions: dict) -> None:
    """Record where each item of a one-line flow list `value` (starting at `column`) starts."""
    inner = value[1:-1]
    pos = 0 if inner.strip() else len(inner)
    index = 0
    while pos < len(inner):
        match = _FLOW_ITEM.match(inner, pos)
        assert match is not None  # _flow accepted it
        positions[path + (index,)] = (line, column + 1 + match.start(1))
        index += 1
        pos = match.end()


_GIVE_UP: Any = object()  # what the value readers return when the fast path is not sure


def _simple(text: str, first_line: int) -> Loaded | None:
    """Front matter made only of the common shapes, loaded without the composer; None otherwise."""
    if "\t" in text or _UNSAFE_TEXT.search(text) is not None:
        return None
    lines = text.split("\n")
    data: dict[str, Any] = {}
    positions: dict[Path_, tuple[int, int]] = {}
    base = first_line  # the file line of lines[0]
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        index += 1
        if not line or line[0] == "#":
            continue
        if line[0] == " ":
            stripped = line.lstrip(" ")
            if stripped and stripped[0] != "#":
                return None  # indented, and not under a `key:` that opens a list
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        key, value = match.groups()
        if key in data:
            return None
        if value and value[-1] == " ":
            value = value.rstrip(" ")
        number = base + index - 1
        positions[(key, "@key")] = (number, 1)
        if value:
            parsed = _inline(value)
            if parsed is _GIVE_UP:
                return None
            column = match.start(2) + 1
            positions[(key,)] = (number, column)
            if type(parsed) is list:
                _flow_positions(value, number, column, (key,), positions)
            data[key] = parsed
            continue
        if len(line) != len(key) + 1:
            return None  # `key:` and spaces
        ahead = index
        while ahead < count and _skipped(lines[ahead]):
            ahead += 1
        if ahead == count or lines[ahead][0] not in " -":
            positions[(key,)] = (number, len(key) + 2)  # null, just after the colon
            data[key] = None
            continue
        listed = _block_list(lines, ahead, base, (key,), positions)
        if listed is None:
            return None
        data[key], index = listed
    if not data:
        return None
    return Loaded(data, positions, [])


def _skipped(line: str) -> bool:
    """A blank line or a comment line."""
    stripped = line.lstrip(" ")
    return not stripped or stripped[0] == "#"


def _block_list(
    lines: list[str], start: int, base: int, path: Path_, positions: dict
) -> tuple[list[Any], int] | None:
    """The block list whose first item is `lines[start]` (`base`: the file line of lines[0]): its
    items and the index of the first line after it; None to give up."""
    first = _ITEM_LINE.match(lines[start])
    if first is None:
        return None
    indent = len(first.group(1))
    positions[path] = (base + start, indent + 1)
    items: list[Any] = []
    index = start
    count = len(lines)
    while index < count:
        line = lines[index]
        if not line or line[0] == "#" or line[0] == " " and _skipped(line):
            index += 1
            continue
        match = _ITEM_LINE.match(line)
        if match is None:
            break  # the next key, or something the caller gives up on
        if match.end(1) != indent:
            return None
        number = base + index
        index += 1
        content = match.group(2)
        if not content:
            return None
        column = match.start(2) + 1
        at = path + (len(items),)
        positions[at] = (number, column)
        entry = _ITEM_KEY.match(content)
        if entry is None:
            value = _inline(content)
            if value is _GIVE_UP or type(value) is list:
                return None
            items.append(value)
            continue
        # `- key: value`, then more `key: value` lines exactly under the first key
        mapping: dict[str, Any] = {}
        while True:
            key, value = entry.groups()
            if key in mapping:
                return None
            positions[at + (key, "@key")] = (number, column)
            if value:
                value = value.rstrip(" ")
                parsed = _inline(value)
                if parsed is _GIVE_UP or type(parsed) is list:
                    return None
                positions[at + (key,)] = (number, line.index(value, column + len(key)) + 1)
                mapping[key] = parsed
            elif len(line) == column + len(key):
                positions[at + (key,)] = (number, column + len(key) + 1)
                mapping[key] = None
            else:
                return None  # `key:` and spaces
            if index == count:
                break
            line = lines[index]
            stripped = line.lstrip(" ")
            if not stripped or stripped[0] == "#" or len(line) - len(stripped) < column - 1:
                break  # a blank line, or the next item or key
            if len(line) - len(stripped) > column - 1:
                return None  # a nested or continued value
            entry = _ITEM_KEY.match(stripped)
            if entry is None:
                return None
            number = base + index
            index += 1
        items.append(mapping)
    if index < count and lines[index][:1] == " ":
        return None  # an indented line that is not an item
    return items, index


def _find_anchor(text: str, first_line: int) -> RawIssue | None:
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + first_line
                return RawIssue(
                    line,
                    event.start_mark.column + 1,
                    "yaml-anchor",
                    "YAML anchors and aliases (&name, *name) are not allowed in notes",
                    "write the value out in full; if it is text starting with & or *, put it in quotes",
                )
    except yaml.YAMLError:
        return None  # the composer reports the syntax error with its position
    return None
