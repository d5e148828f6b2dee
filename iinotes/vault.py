"""The edge that touches the disk: find the vault, list its notes, read them, write atomically."""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
import struct
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import IinotesError, VaultNotFound
from .model import Problem
from .settings import SETTINGS_FILE

STATE_DIR = ".iinotes"  # the vault's cache and generated state (private to the user)
SKIPPED_FOLDERS = frozenset(("node_modules",))  # and every dot-folder
Signature = tuple[int, int, int, int]  # mtime_ns, ctime_ns, size, inode


@dataclass(frozen=True)
class FileRef:
    """A Markdown file in the vault: vault-relative path (with /), absolute path, stat signature."""

    path: str
    abspath: str
    signature: Signature


def find_vault(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """`--vault`, else $IINOTES_VAULT, else the nearest parent holding iinotes.toml, else the cwd."""
    chosen = explicit if explicit else os.environ.get("IINOTES_VAULT") or None
    if chosen:
        path = Path(chosen).expanduser()
        if not path.exists():
            raise VaultNotFound(
                f"vault folder {str(path)!r} does not exist",
                "check the path given to --vault or $IINOTES_VAULT",
            )
        if not path.is_dir():
            raise VaultNotFound(
                f"vault {str(path)!r} is a file, not a folder", "give the folder that holds your notes"
            )
        return path.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return here


def scan(root: Path) -> tuple[list[FileRef], list[Problem], bool]:
    """Every `.md` file below `root`, sorted by path, skipping dot-folders and node_modules; the
    problems found; and whether any symlink was met (file events cannot be trusted to name
    changes behind links, so watch mode scans such vaults in full).

    Folder symlinks are followed once; a link back to a folder already scanned is reported."""
    linked = False
    files: list[FileRef] = []
    problems: list[Problem] = []
    top = os.stat(root)
    seen = {(top.st_dev, top.st_ino)}
    stack: list[tuple[str, str]] = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            problems.append(
                Problem(
                    prefix.rstrip("/") or ".",
                    0,
                    0,
                    "warning",
                    "unreadable-folder",
                    f"cannot read this folder: {error.strerror}",
                    "check its permissions (chmod u+rx)",
                )
            )
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in SKIPPED_FOLDERS:
                continue
            rel = prefix + name
            if not is_utf8(name):
                if name[-3:].lower() == ".md" or entry.is_dir():
                    problems.append(_bad_name(rel, entry.is_dir()))
                continue
            try:
                linked = linked or entry.is_symlink()
                if entry.is_dir():
                    info = entry.stat()
                    key = (info.st_dev, info.st_ino)
                    if key in seen:
                        problems.append(
                            Problem(
                                rel,
                                0,
                                0,
                                "warning",
                                "symlink-loop",
                                "this folder link leads to a folder already scanned (a loop or a second way "
                                "in); skipped",
                                "remove the symlink or point it outside the vault",
                            )
                        )
                        continue
                    seen.add(key)
                    stack.append((rel + "/", entry.path))
                elif entry.is_symlink() and not os.path.exists(entry.path):
                    problems.append(
                        Problem(
                            rel,
                            0,
                            0,
                            "warning",
                            "broken-link",
                            "this symlink points to nothing; skipped",
                            "remove the symlink or fix its target",
                        )
                    )
                elif name[-3:].lower() == ".md":
                    info = entry.stat()
                    if not stat.S_ISREG(info.st_mode):
                        problems.append(_not_a_file(rel, info.st_mode))
                        continue
                    files.append(
                        FileRef(
                            rel, entry.path, (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
                        )
                    )
            except OSError as error:
                problems.append(
                    Problem(
                        rel,
                        0,
                        0,
                        "warning",
                        "broken-link",
                        f"cannot follow this link: {error.strerror}",
                        "remove the symlink or fix its target",
                    )
                )
    files.sort(key=lambda ref: ref.path)
    return files, problems, linked


def is_utf8(name: str) -> bool:
    """Whether a file name (as Python decodes it from the file system) is valid UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, kept by Python as lone surrogates
        return False
    return True


def _bad_name(rel: str, folder: bool) -> Problem:
    shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return Problem(
        shown,
        0,
        0,
        "error",
        "bad-file-name",
        f"this {'folder' if folder else 'file'} name is not valid UTF-8 (shown with \ufffd), so iinotes "
        f"skips {'everything in it' if folder else 'it'}",
        "rename it (e.g. in your file manager) to a name without the odd characters",
    )


def _not_a_file(rel: str, mode: int) -> Problem:
    what = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return Problem(
        rel,
        0,
        0,
        "warning",
        "not-a-file",
        f"this is {what} (or a link to one), not a file; skipped",
        "rename it so it does not end in .md, or remove it",
    )


def read_bytes(ref: FileRef, limit: int | None = None) -> bytes:
    """The file's bytes, at most `limit` of them (OSError propagates: the caller turns it into a
    Problem). Only a regular file is read: a FIFO, device or socket put in place of a note after
    the scan is an OSError, never a hang or an endless read."""
    return _read_regular(ref.abspath, limit)[0]


def _read_regular(path: str | os.PathLike[str], limit: int | None) -> tuple[bytes, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if limit is None:
            return handle.read(), info
        # read(n) sets n bytes aside first: ask for what the file holds (plus one, to see it grow),
        # not for the cap (8 MB for every note made reading a vault 40% slower)
        want = min(limit, info.st_size + 1)
        data = handle.read(want)
        if len(data) == want < limit:  # it grew since fstat: read on, up to the cap
            data += handle.read(limit - want)
        return data, info


@dataclass(frozen=True)
class Original:
    """A file as read before an edit: its bytes, its identity (device, inode, size, mtime) and how
    many names (hard links) it has. `atomic_write(..., original=...)` replaces only this file."""

    data: bytes
    identity: tuple[int, int, int, int]
    links: int


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def read_original(path: Path, limit: int | None = None) -> Original:
    """Read a regular file (following symlinks) to edit it; OSError propagates."""
    data, info = _read_regular(os.path.realpath(path), limit)
    return Original(data, _identity(info), info.st_nlink)


class ChangedOnDisk(IinotesError):
    """A write refused to keep the user's data: the file changed (an editor saved it) while iinotes
    was writing it, or it has hard links that replacing it would cut; the user's version stands."""

    exit_code = 1


STALE_SECONDS = 3600  # a temp file of a write older than this was left by a killed process
_LEFTOVER = re.compile(r"\.(?P<name>.+\.[mM][dD])\.[a-z0-9_]{8}\.(?P<kind>tmp|keep)\Z")  # notes' only


def clean_leftovers(folder: Path, now: float | None = None) -> list[str]:
    """Remove the stale temp files (`.<name>.XXXXXXXX.tmp`) a killed write left in `folder`; a stale
    `.keep` (the user's file, moved aside while a write was checked) goes back to its name when that
    name is free, else it is older than what is there and goes. Returns the names cleaned."""
    now = time.time() if now is None else now
    cleaned: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return cleaned
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if not match:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            # ctime too: a file just moved aside keeps its old mtime, but the move sets its ctime
            if not stat.S_ISREG(info.st_mode) or now - max(info.st_mtime, info.st_ctime) < STALE_SECONDS:
                continue
            if match["kind"] == "keep":
                _put_back(entry.path, os.path.join(folder, match["name"]))
            else:
                os.unlink(entry.path)
            cleaned.append(entry.name)
        except OSError:
            continue
    return cleaned


def _put_back(aside: str, target: str) -> None:
    """Give `aside` the name `target` unless something took that name meanwhile (then that is newer)."""
    try:
        _link_new(aside, target)
    except FileExistsError:
        os.unlink(aside)
    except OSError:  # linking failed (disk full?): a rename needs no new space
        if os.path.lexists(target):
            os.unlink(aside)
        else:
            os.rename(aside, target)


_NO_LINKS = {
    errno.EPERM,
    errno.ENOTSUP,
    errno.EOPNOTSUPP,
    errno.ENOSYS,
    errno.EXDEV,
    errno.EMLINK,
    errno.EACCES,
}


def _link_new(source: str, target: str) -> None:
    """Rename `source` to `target` only if `target` does not exist (FileExistsError if it does)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        # no hard links on this file system: the check and the rename are separate steps
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "file exists", target) from None
        os.rename(source, target)
        return
    os.unlink(source)


def atomic_write(
    path: Path,
    data: bytes | Iterable[bytes],
    *,
    original: Original | None = None,
    create: bool = False,
    mode: int | None = None,
    clean: bool = True,
) -> None:
    """Replace `path` with `data`: temp file in the same folder, fsync, rename. A symlink stays a
    symlink (its target is replaced); the original is untouched if anything fails.

    `create`: the file must not exist yet (FileExistsError if it does, even if it appears meanwhile).
    `original`: the file as read before an edit. The write goes ahead only if that file is still
    what is on disk, and no save by anyone else is lost: on Linux the new file and the note swap
    names in one step (the name never goes missing) and the file taken out is compared with the one
    read; elsewhere the note is moved aside, the new one is put in only if the name is still free,
    and the moved file is compared. If it is not the one read, the user's version is put back: then
    ChangedOnDisk. The same if an editor's save that was already under way when the note was
    replaced lands in the replaced file after all (see `_retire`). A file with hard links is
    refused (replacing it would cut the link). Stale temp files of killed writes in the same folder
    are cleaned up (`clean=False`: the caller does that itself, e.g. once for a batch of new notes
    in one folder, which would otherwise be scanned once per note).

    `data` may come in pieces (written as they come). The file keeps the mode of the one it
    replaces; a new one gets 0644, or 0600 in the vault's private `.iinotes/` folder; `mode` forces
    one."""
    target = Path(os.path.realpath(path))
    if clean:
        clean_leftovers(target.parent)
    if original is not None and original.links > 1:
        raise ChangedOnDisk(
            f"{Path(path).name} has {original.links} names (hard links); iinotes writes a note by "
            "replacing it, which would cut the link, so nothing was written",
            "make the other names symlinks (ln -s), which iinotes keeps, or edit this note by hand",
        )
    try:
        import tempfile  # here, not at the top: commands answered from their record never write

        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:  # read-only or missing folder: name the file the user asked for
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    handle.writelines(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:  # disk full
            raise OSError(error.errno, error.strerror, str(path)) from None
        if mode is not None:
            os.chmod(temp, mode)
        else:
            try:
                os.chmod(temp, os.stat(target).st_mode & 0o7777)
            except FileNotFoundError:
                os.chmod(temp, 0o600 if target.parent.name == STATE_DIR else 0o644)
        if create:
            _link_new(temp, str(target))
        elif original is None:
            os.replace(temp, target)
        else:
            _replace_checked(temp, target, original)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(target.parent)


def _same(path: str | os.PathLike[str], original: Original) -> bool:
    try:
        data, info = _read_regular(path, len(original.data) + 1)
    except OSError:
        return False
    return data == original.data and _identity(info) == original.identity


def _changed(target: Path) -> ChangedOnDisk:
    return ChangedOnDisk(
        f"{target.name} changed on disk while iinotes was writing it (saved in an editor?); your version "
        "is kept and nothing was written",
        "run the command again",
    )


def _exchange(a: str, b: str) -> bool:
    """Swap two names atomically (Linux renameat2 RENAME_EXCHANGE); False where not supported."""
    function = getattr(_libc(), "renameat2", None)
    if function is None:
        return False
    if function(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):  # not on this file system
        return False
    raise OSError(code, os.strerror(code), b)


@functools.cache
def _libc() -> object:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _replace_checked(temp: str, target: Path, original: Original) -> None:
    if not _same(target, original):
        raise _changed(target)
    ours = read_original(Path(temp))
    mine = ours.identity
    if _exchange(temp, str(target)):  # the name never goes missing; `temp` now holds what was there
        if _same(temp, original):
            _drop_replaced(temp, target, original, ours)
            return
        back = read_original(Path(temp))
        _exchange(temp, str(target))  # a save landed: the user's version goes back
        if _identity(os.stat(temp)) != mine:  # and yet another one meanwhile: the newest stays
            _exchange(temp, str(target))
            os.unlink(temp)
        else:  # unless a save landed in this command's file while it held the name: the newest
            _drop_replaced(temp, target, ours, back)
        raise _changed(target)
    import tempfile

    aside = tempfile.mktemp(prefix=f".{target.name}.", suffix=".keep", dir=target.parent)
    os.rename(target, aside)  # exactly what was at the name now: checked below, before it goes
    try:
        if not _same(aside, original):  # a save landed after the check above
            _put_back(aside, str(target))
            raise _changed(target)
        try:
            _link_new(temp, str(target))
        except FileExistsError:  # an editor saved a new file under the name meanwhile: it stands
            os.unlink(aside)
            raise _changed(target) from None
        if not _same(aside, original):  # written into in place while it was being replaced
            back = read_original(Path(aside))
            taken = tempfile.mktemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.rename(target, taken)
            if _identity(os.stat(taken)) == mine:
                _put_back(aside, str(target))
                _drop_replaced(taken, target, ours, back)
            else:  # and saved anew under the name meanwhile: that newest save stands
                _put_back(taken, str(target))
                os.unlink(aside)
            raise _changed(target)
    except BaseException:
        if os.path.lexists(aside):
            _put_back(aside, str(target))
        raise
    _drop_replaced(aside, target, original, ours)


RETIRE_WAIT = 2.0  # seconds a replaced note is watched for a save already on its way into it
_IN_DELETE_SELF, _IN_IGNORED = 0x400, 0x8000
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)


def _drop_replaced(aside: str, target: Path, expected: Original, current: Original) -> None:
    """Delete `aside`, taken from under the name (it held `expected`; the name now holds
    `current`). If a save landed in it after all (see `_retire`), that save, the newest, takes the
    name again unless a still newer one holds it: ChangedOnDisk."""
    data, info = _retire(aside, target.name)
    if data == expected.data and _identity(info) == expected.identity:
        return
    try:  # the user's save goes back under the name, in place of what is there
        atomic_write(target, data, original=current, mode=stat.S_IMODE(info.st_mode), clean=False)
    except ChangedOnDisk:  # the name was saved anew meanwhile: that newest save stands
        pass
    raise _changed(target)


def _retire(path: str, note: str) -> tuple[bytes, os.stat_result]:
    """Delete `path` (a file just taken from under a note's name) and return what it holds at the
    end. An editor's save can be on its way into it: `open(name, "w")` looks the name up, then
    truncates and writes in later steps, so a save begun just before the replace lands in the
    replaced file, possibly after it was checked. On Linux the file is watched (inotify) until no
    one holds it any more (at most RETIRE_WAIT seconds) and read through a second name opened
    before the last name goes, so such a save is still seen; elsewhere it is only read once more
    just before it is deleted."""
    init = getattr(_libc(), "inotify_init1", None)
    add = getattr(_libc(), "inotify_add_watch", None)
    watch = -1 if init is None or add is None else init(os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        fd = None
        if watch >= 0 and add is not None and add(watch, os.fsencode(path), _IN_DELETE_SELF) >= 0:
            fd = _open_twin(path, note)
        if fd is None:  # not watched: read once more, then delete (an open file may not go on Windows)
            data, info = _read_regular(path, None)
            os.unlink(path)
            return data, info
        try:
            os.unlink(path)
            _wait_released(watch, time.monotonic() + RETIRE_WAIT)
            info = os.fstat(fd)
            os.lseek(fd, 0, os.SEEK_SET)
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks), info
        finally:
            os.close(fd)
    finally:
        if watch >= 0:
            os.close(watch)


def _open_twin(path: str, note: str) -> int | None:
    """The file at `path` opened through a second, private name (removed at once; named as a temp
    file of `note`, so a killed process's leftover is cleaned), so that holding it open does not
    hold `path` itself; None where hard links cannot be made."""
    import tempfile

    twin = tempfile.mktemp(prefix=f".{note}.", suffix=".tmp", dir=os.path.dirname(path))
    try:
        os.link(path, twin)
    except OSError:
        return None
    try:
        return os.open(twin, os.O_RDONLY)
    finally:
        os.unlink(twin)


def _wait_released(watch: int, deadline: float) -> None:
    """Wait until the watched file, deleted, is held by no one (open or being opened) any more."""
    import select

    poll = select.poll()
    poll.register(watch, select.POLLIN)
    while (left := deadline - time.monotonic()) > 0:
        if not poll.poll(left * 1000):
            return
        events, at = os.read(watch, 4096), 0
        while at + _EVENT.size <= len(events):
            _, mask, _, name_size = _EVENT.unpack_from(events, at)
            if mask & (_IN_DELETE_SELF | _IN_IGNORED):
                return
            at += _EVENT.size + name_size


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (not possible on every platform: then skipped)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
