"""The disposable state under `.iinotes/`: the parse cache (parsed notes keyed by path and stat
signature) and the answer records (a command's output keyed by everything it depends on).

Both are data only: JSON read by `json`, never pickle, so a planted or corrupted file cannot run
code; anything unexpected in them (another format, a field of the wrong type, an unknown class)
makes them a cache miss. Missing, corrupt, or written by another version: treated as empty and
rebuilt. Written atomically, so two processes at once can only ever leave one whole file behind;
the folder is 0700 and its files 0600, because the cache holds every note's email and phone."""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import functools
import itertools
import json
import operator
import os
import stat
import sys
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .vault import STATE_DIR, Signature, atomic_write

try:  # BLAKE2 without loading OpenSSL (hashlib's import does: 10 ms of every start)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

if TYPE_CHECKING:
    from .notes import ParsedNote

CACHE_FILE = "parse-cache.json"
CACHE_FORMAT = 7  # 7: JSON Lines; the model gained added, resume, prepared
ANSWER_PREFIX = "answer-"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# A file changed in the same clock tick as our read could change again unseen, so files changed
# this recently are not cached: 50 ms covers Linux's coarse file clock; file systems with whole-
# second timestamps (FAT, HFS+, some network mounts) get 2 s.
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000


def _code_signature() -> str:
    """A digest of the size and mtime of iinotes' own modules: a cache or a record made by other
    code (an upgrade that kept the version number, an edited checkout) is a miss."""
    digest = blake2b(digest_size=8)
    for folder in (Path(__file__).parent, Path(__file__).parent / "cli"):
        try:
            names = sorted(name for name in os.listdir(folder) if name.endswith(".py"))
        except OSError:
            continue
        for name in names:
            try:
                info = os.stat(folder / name)
            except OSError:
                continue
            digest.update(f"{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


_TAG = [CACHE_FORMAT, __version__, list(sys.version_info[:2]), _code_signature()]

Entries = dict[str, tuple[Signature, "ParsedNote"]]


class _Miss(Exception):
    """Something in a cache file is not what this version writes: the file counts as missing."""


def state_dir(vault: Path) -> Path:
    """`.iinotes/` of the vault (0700), created with a `.gitignore` that ignores everything in it.
    A folder left readable to others by an older version is made private, with the files in it."""
    folder = vault / STATE_DIR
    try:
        folder.mkdir(mode=PRIVATE_FOLDER)
    except FileExistsError:
        _keep_private(folder)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, b"# generated state of iinotes: never commit it\n*\n", mode=PRIVATE_FILE)
    return folder


def _keep_private(folder: Path) -> None:
    """Make the state folder 0700 and its files 0600 if they are not (an older version, a copy)."""
    try:
        info = os.stat(folder)
    except OSError:
        return
    if not (
        stat.S_ISDIR(info.st_mode) and info.st_mode & 0o077 and info.st_uid == getattr(os, "getuid", int)()
    ):
        return
    try:
        os.chmod(folder, PRIVATE_FOLDER)
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o077:
                os.chmod(entry.path, PRIVATE_FILE)
    except OSError:
        pass  # a read-only vault: nothing is written there either


def _write_state(vault: Path, name: str, data: bytes | Iterable[bytes]) -> None:
    """Write a private state file atomically; a read-only vault simply runs without it."""
    try:
        atomic_write(state_dir(vault) / name, data, mode=PRIVATE_FILE)
    except OSError:
        pass


# ------------------------------------------------------------------------------------ the parse cache


def load(vault: Path) -> Entries:
    """The cached entries, or {} when there is no usable cache. The file is JSON Lines (a header,
    one note a line, a trailer with the number of notes), read a line at a time: memory holds the
    notes, never the whole text."""
    _keep_private(vault / STATE_DIR)
    try:
        fd = os.open(vault / STATE_DIR / CACHE_FILE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return {}
    decode = _decoder()
    entries: Entries = {}
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return {}
            if decode(handle.readline().decode()) != header():
                return {}
            for line in handle:
                row = decode(line.decode())
                if type(row) is dict:  # the trailer: the file is whole if it counts every note
                    return entries if row == {"tag": _TAG, "count": len(entries)} else {}
                path, signature, parsed = _checked(row)
                entries[path] = (signature, parsed)
    except (_Miss, OSError, ValueError, TypeError, KeyError, RecursionError):
        pass
    return {}


def header() -> dict[str, object]:
    """The first line of the cache (and of a parse worker's request): format, version, code and
    the layout of every class, so a line is only ever read by the code that wrote it."""
    return {"tag": _TAG, "classes": _codec().layout}


@functools.cache
def _decoder() -> Callable[[str], Any]:
    return json.JSONDecoder(object_hook=_codec().decode_object).decode


@functools.cache
def _encoder() -> Callable[[object], str]:
    return json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _checked(row: object) -> tuple[str, Signature, ParsedNote]:
    """A decoded cache line as (path, signature, parsed note); _Miss if it is anything else."""
    if type(row) is not list or len(row) != 3:
        raise _Miss
    path, signature, parsed = row
    if not (
        type(path) is str
        and type(parsed) is _codec().parsed_note
        and type(signature) is list
        and len(signature) == 4
        and all(type(part) is int for part in signature)
    ):
        raise _Miss
    return path, tuple(signature), parsed  # type: ignore[return-value]


def encode_row(path: str, signature: Signature, parsed: ParsedNote) -> str | None:
    """The cache's line for one note (no newline), or None when it holds a value the format
    cannot carry (that note is simply parsed again next time)."""
    try:
        return _encoder()([path, list(signature), _codec().encode(parsed)])
    except _Miss:
        return None


def decode_row(line: str) -> tuple[str, Signature, ParsedNote] | None:
    """A cache line read back, or None if it is not one this version writes."""
    try:
        return _checked(_decoder()(line))
    except (_Miss, ValueError, TypeError, KeyError, RecursionError):
        return None


def save(
    vault: Path, entries: Entries, started_ns: int | None = None, rows: Mapping[str, tuple[object, str]] = {}
) -> None:
    """Write the cache, leaving out files modified too recently to trust their signature (and any
    note holding a value the format cannot carry: it is simply parsed again next time). Notes are
    encoded and written a batch at a time: memory never holds the whole text. `rows`: lines
    already encoded (by a parse worker), path -> (the parsed note they encode, line); used while
    the entry still holds that very note."""
    started = started_ns if started_ns is not None else time.time_ns()
    encode = _encoder()

    def pieces() -> Iterator[bytes]:
        yield encode(header()).encode() + b"\n"
        count, batch = 0, []
        for path, (signature, parsed) in entries.items():
            if racy(signature, started):
                continue
            known = rows.get(path)
            line = (
                known[1] if known is not None and known[0] is parsed else encode_row(path, signature, parsed)
            )
            if line is None:
                continue
            batch.append(line)
            count += 1
            if len(batch) == 500:
                yield ("\n".join(batch) + "\n").encode()
                batch = []
        yield ("".join(line + "\n" for line in batch) + encode({"tag": _TAG, "count": count}) + "\n").encode()

    _write_state(vault, CACHE_FILE, pieces())


def racy(signature: Signature, started_ns: int) -> bool:
    """True when the file changed too close to `started_ns` for its signature to prove it unchanged."""
    mtime, ctime = signature[0], signature[1]
    coarse = mtime % 1_000_000_000 == 0 and ctime % 1_000_000_000 == 0
    return max(mtime, ctime) >= started_ns - (RACY_COARSE_NS if coarse else RACY_NS)


def clear(vault: Path) -> None:
    """Remove the cache file and the answer records (the next run re-reads every note)."""
    try:
        names = os.listdir(vault / STATE_DIR)
    except OSError:
        return
    for name in names:
        if name == CACHE_FILE or name.startswith(ANSWER_PREFIX):
            try:
                os.unlink(vault / STATE_DIR / name)
            except FileNotFoundError:
                pass


class _Codec:
    """Parsed notes to JSON-ready values and back. Every value is written with its type, and read
    back only into the types its dataclass field declares: {"t": [...]} a tuple, {"d": "..."} a date,
    {"w": "..."} a date-time (naive or with a fixed offset), {"c": [class, i, value, j, value ...]} a
    dataclass of the model with its fields that differ from their defaults (by position). Plain
    strings, numbers, booleans and null stay as they are."""

    def __init__(self, classes: Iterable[type]) -> None:
        self.classes = {cls.__name__: cls for cls in classes}
        self.fields: dict[str, list[tuple[int, str, object]]] = {}
        self.defaults: dict[str, list[object]] = {}
        self.checks: dict[str, list[Callable[[object], bool]]] = {}
        for name, cls in self.classes.items():
            fields = dataclasses.fields(cls)
            self.fields[name] = [(i, f.name, f.default) for i, f in enumerate(fields)]
            self.defaults[name] = [f.default for f in fields]
            hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
            self.checks[name] = [self._check(hints[f.name]) for f in fields]
        self.layout = [[name, [field for _, field, _ in fields]] for name, fields in self.fields.items()]
        self.specs: dict[type, tuple[str, Callable[[object], tuple[object, ...]], list[object]]] = {
            cls: (name, _getter([field for _, field, _ in self.fields[name]]), self.defaults[name])
            for name, cls in self.classes.items()
        }
        from .notes import ParsedNote

        self.parsed_note = ParsedNote

    def _check(self, hint: Any) -> Callable[[object], bool]:
        """A function telling whether a decoded value fits the field type `hint`."""
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            options = [self._check(option) for option in typing.get_args(hint)]
            return lambda value: any(check(value) for check in options)
        if origin is typing.Literal:
            allowed = typing.get_args(hint)
            return lambda value: type(value) is str and value in allowed
        if origin is tuple:
            args = typing.get_args(hint)
            if len(args) == 2 and args[1] is Ellipsis:
                item = self._check(args[0])
                return lambda value: type(value) is tuple and all(item(part) for part in value)
            parts = [self._check(arg) for arg in args]
            return lambda value: (
                type(value) is tuple
                and len(value) == len(parts)
                and all(check(part) for check, part in zip(parts, value, strict=True))
            )
        if hint is type(None) or hint is None:
            return lambda value: value is None
        if isinstance(hint, type):
            exact = hint  # exactly: a date-time is no date, a boolean no number
            return lambda value: type(value) is exact
        raise TypeError(f"the parse cache cannot carry a field of type {hint!r}")

    def encode(self, value: object) -> object:
        """A JSON-ready form of `value` (raises _Miss for anything the format cannot carry)."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is tuple:
            parts: tuple[object, ...] = value  # type: ignore[assignment]
            if all(type(part) is str for part in parts):  # aliases, tags: the common tuple
                return {"t": list(parts)}
            return {"t": [self.encode(part) for part in parts]}
        if kind is dt.date:
            return {"d": value.isoformat()}  # type: ignore[attr-defined]
        if kind is dt.datetime:
            tzinfo = value.tzinfo  # type: ignore[attr-defined]
            if tzinfo is not None and type(tzinfo) is not dt.timezone:
                raise _Miss  # a named zone: not carried (the note is parsed again next time)
            return {"w": value.isoformat()}  # type: ignore[attr-defined]
        spec = self.specs.get(kind)  # exactly one of the model's classes, not a subclass
        if spec is None:
            raise _Miss
        name, getter, defaults = spec
        out: list[object] = [name]
        for position, part in enumerate(getter(value)):
            default = defaults[position]
            if part is default or (type(part) is type(default) and part == default):
                continue
            kind = type(part)
            out += (
                position,
                part if kind is str or kind is int or kind is bool or part is None else self.encode(part),
            )
        return {"c": out}

    def decode_object(self, obj: dict[str, Any]) -> object:
        """json's object_hook: turn one tagged object back into its value."""
        if len(obj) != 1:
            return obj if "tag" in obj else _fail()
        ((key, value),) = obj.items()
        if key == "t" and type(value) is list:
            return tuple([_shared(part) if type(part) is str else part for part in value])
        if key == "d" and type(value) is str:
            return _day(value)
        if key == "w" and type(value) is str:
            return _moment(value)
        if key == "c" and type(value) is list and len(value) % 2 and type(value[0]) is str:
            name = value[0]
            cls = self.classes.get(name)
            if cls is None:
                raise _Miss
            checks = self.checks[name]
            args = list(self.defaults[name])
            for index in range(1, len(value), 2):
                position, part = value[index], value[index + 1]
                if type(position) is not int or not 0 <= position < len(args) or not checks[position](part):
                    raise _Miss
                args[position] = _shared(part) if type(part) is str else part
            if dataclasses.MISSING in args:
                raise _Miss
            return cls(*args)
        raise _Miss


# Notes read back share their repeated values (a company, a status, a tag, a day) as parsed notes
# do (`values`, `frontmatter12` memoize them): one object each, not one per note.
_shared = functools.lru_cache(maxsize=1 << 16)(lambda text: text)
_day = functools.lru_cache(maxsize=1 << 16)(dt.date.fromisoformat)
_moment = functools.lru_cache(maxsize=1 << 16)(dt.datetime.fromisoformat)


def _getter(names: list[str]) -> Callable[[object], tuple[object, ...]]:
    """Every field of an object in one call, always as a tuple."""
    get = operator.attrgetter(*names)
    return (lambda value: (get(value),)) if len(names) == 1 else get


def _fail() -> object:
    raise _Miss


@functools.cache
def _codec() -> _Codec:
    from .model import Cadence, Commitment, Contact, Entry, Interview, Link, Problem
    from .notes import ParsedNote

    return _Codec((ParsedNote, Contact, Interview, Problem, Link, Entry, Commitment, Cadence))


# ------------------------------------------------------------------------------------ answer records


def listing_digest(paths: list[str], signatures: list[Signature]) -> bytes:
    """A digest of every note's path and stat signature (made in C: 20,000 files in a few ms)."""
    digest = blake2b("\0".join(paths).encode(errors="surrogateescape"), digest_size=20)
    try:
        digest.update(array.array("q", itertools.chain.from_iterable(signatures)).tobytes())
    except OverflowError:  # an inode number beyond 2**63
        digest.update(repr(signatures).encode())
    return digest.digest()


def answer_key(vault: Path, files: bytes, *parts: object) -> str:
    """A digest of the notes' `listing_digest` plus `parts` (settings, today, the command and its
    flags, scanning problems ...): a command's output is a pure function of these."""
    digest = blake2b(repr((_TAG, str(vault), parts)).encode(errors="surrogateescape"), digest_size=20)
    digest.update(files)
    return digest.hexdigest()


TRAILER = 16  # bytes: the header's length, after the header, at the very end of a record


class AnswerWriter:
    """Records a command's output as it is written, into a temp file in `.iinotes/` (memory stays
    flat however large the output); `keep` puts it in place, `discard` throws it away. A record is
    the output's pieces, then a JSON header (format, key, exit code, each piece's stream and
    length), then the header's length in the last TRAILER bytes."""

    def __init__(self, vault: Path) -> None:
        self.vault = vault
        self.sizes: list[tuple[str, int]] = []
        self.handle: Any = None
        self.temp = ""
        try:
            folder = state_dir(vault)
            import tempfile

            fd, self.temp = tempfile.mkstemp(prefix=f".{ANSWER_PREFIX}", suffix=".tmp", dir=folder)
            self.handle = os.fdopen(fd, "wb")
        except OSError:
            self.handle = None  # a read-only vault: nothing is recorded

    def write(self, stream: str, data: bytes) -> None:
        """Append what was written to `stream` ("out", "err": text as UTF-8; "bin": bytes)."""
        if self.handle is None:
            return
        try:
            self.handle.write(data)
        except OSError:
            self.discard()
            return
        self.sizes.append((stream, len(data)))

    def keep(self, command: str, key: str, code: int) -> None:
        """Put the record in place as the answer of `command` under `key`."""
        if self.handle is None:
            return
        header = json.dumps({"tag": _TAG, "key": key, "code": code, "chunks": self.sizes}).encode()
        try:
            self.handle.write(header + b"%0*d\n" % (TRAILER - 1, len(header)))
            self.handle.close()
            self.handle = None
            os.chmod(self.temp, PRIVATE_FILE)
            os.replace(self.temp, self.vault / STATE_DIR / (ANSWER_PREFIX + command))
        except OSError:
            self.discard()

    def discard(self) -> None:
        """Throw the record away (the command failed, or its output is not to be kept)."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.temp:
            try:
                os.unlink(self.temp)
            except OSError:
                pass
            self.temp = ""


def replay_answer(vault: Path, command: str, key: str, write: Callable[[str, bytes], None]) -> int | None:
    """Write the output recorded for `command` under `key` again, piece by piece through `write`,
    and return its exit code; None (having written nothing) when there is no such record."""
    _keep_private(vault / STATE_DIR)
    try:
        fd = os.open(
            vault / STATE_DIR / (ANSWER_PREFIX + command), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TRAILER))
            length = int(handle.read(TRAILER))
            if not 0 < length <= size - TRAILER:
                return None
            handle.seek(size - TRAILER - length)
            header = json.loads(handle.read(length))
            if not isinstance(header, dict) or header.get("tag") != _TAG or header.get("key") != key:
                return None
            code, pieces = header["code"], header["chunks"]
            if type(code) is not int or sum(piece[1] for piece in pieces) != size - TRAILER - length:
                return None
            if not all(piece[0] in ("out", "err", "bin") and type(piece[1]) is int for piece in pieces):
                return None
            handle.seek(0)
            for stream, length in pieces:
                while length:
                    part = handle.read(min(length, 1 << 20))
                    if not part:
                        raise ValueError("the record is shorter than its header says")
                    write(stream, part)
                    length -= len(part)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None
    return code
