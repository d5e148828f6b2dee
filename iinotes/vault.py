"""The edge that touches the disk: find the vault, list its notes, read them, write atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import VaultNotFound
from .model import Problem
from .settings import SETTINGS_FILE

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


def read_bytes(ref: FileRef) -> bytes:
    """The file's bytes (OSError propagates: the caller turns it into a Problem)."""
    with open(ref.abspath, "rb") as handle:
        return handle.read()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file in the same folder, fsync, rename. A symlink stays a
    symlink (its target is replaced); the original is untouched if anything fails."""
    target = Path(os.path.realpath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(temp, os.stat(target).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
