"""A second process that parses part of a large read, so a cold run uses two cores.

Reading a vault for the first time (or after `.iinotes/` was removed, or a mass change) parses
every note; with thousands of them the parent hands the last part to one worker process
(`python -m iinotes.worker`, started fresh: no fork, so it behaves alike on Linux, macOS and
Windows) and parses the rest itself meanwhile. The worker sends each note back in the parse
cache's own format (data only, decoded into the model's dataclasses with every field checked),
so what comes back is exactly what parsing it here would give, and the parent writes the same
lines into the cache without encoding them again.

Anything wrong with the worker (it cannot start, dies, sends something unexpected, a note the
format cannot carry) only means the parent parses those notes itself: the result never depends
on it. `IINOTES_WORKERS=0` turns it off.

Protocol: the parent writes one JSON document to the worker's stdin, `{"header": the cache's
header line, "refs": [[path, abspath, [mtime, ctime, size, inode]], ...]}`; the worker answers on
stdout with the cache's line for each note it could encode (a note left out is parsed by the
parent), then `{"header": ..., "count": number of refs}`."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .notes import ParsedNote
    from .vault import FileRef

MIN_NOTES = 3000  # fewer notes to parse than this: one process is as fast (a worker costs ~0.1 s)
SHARE = 0.45  # the part of the notes the worker takes (it starts later, and encodes what it parsed)


def wanted(count: int) -> bool:
    """Whether parsing `count` notes is worth a worker: thousands of them, and a core that is likely
    free (on a machine whose every core is busy, two processes only take turns on one)."""
    if os.environ.get("IINOTES_WORKERS", "").strip() == "0" or not sys.executable:
        return False
    cores = os.cpu_count() or 1
    return count >= MIN_NOTES and cores > 1 and _load() < cores - 0.25


def _load() -> float:
    """The machine's load average over the last minute (0 where the system does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return 0.0


class Worker:
    """One worker process parsing `refs`; `results` waits for it."""

    def __init__(self, refs: Sequence[FileRef]) -> None:
        from .cache import header

        self.refs = list(refs)
        self.signatures = {ref.path: ref.signature for ref in self.refs}  # the notes handed over
        self.process: subprocess.Popen[bytes] | None = None
        request = json.dumps(  # ASCII: a vault folder whose name is not UTF-8 travels as \udcxx escapes
            {"header": header(), "refs": [[ref.path, ref.abspath, list(ref.signature)] for ref in self.refs]}
        ).encode()
        try:
            self.process = subprocess.Popen(
                _command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_environment(),
            )
        except (OSError, ValueError):
            self.process = None
            return
        # written from a thread: the request is larger than a pipe holds, and the parent has its
        # own notes to parse while the worker starts up
        threading.Thread(target=self._send, args=(self.process, request), daemon=True).start()

    @staticmethod
    def _send(process: subprocess.Popen[bytes], request: bytes) -> None:
        try:
            assert process.stdin is not None
            process.stdin.write(request)
            process.stdin.close()
        except OSError:
            pass  # it died: results() parses its notes here

    def results(self) -> Iterator[tuple[FileRef, ParsedNote | None, str | None]]:
        """Each ref handed over with its parsed note and its cache line, or (ref, None, None) for
        a note the parent must parse itself (the worker failed, or could not encode it)."""
        from .cache import decode_row, header

        got: dict[str, tuple[ParsedNote, str]] = {}
        process = self.process
        if process is not None and process.stdout is not None:
            try:
                for raw in process.stdout:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("{"):
                        if json.loads(line) != {"header": header(), "count": len(self.refs)}:
                            got.clear()  # not what we asked for: trust none of it
                        break
                    row = decode_row(line)
                    if row is not None and self.signatures.get(row[0]) == row[1] and row[2].path == row[0]:
                        got[row[0]] = (row[2], line)
                else:
                    got.clear()  # no trailer: it stopped half way
            except (OSError, ValueError, TypeError, RecursionError):
                got.clear()
            finally:
                self.close()
        for ref in self.refs:
            found = got.get(ref.path)
            yield (ref, found[0], found[1]) if found is not None else (ref, None, None)

    def close(self) -> None:
        """Stop the worker (if still running) and reap it."""
        process = self.process
        if process is None:
            return
        self.process = None
        if process.stdout is not None:
            process.stdout.close()
        if process.poll() is None:
            process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that did not land
            pass


def _command() -> list[str]:
    """How the worker is started: this Python, this module."""
    return [sys.executable, "-m", "iinotes.worker"]


def _environment() -> dict[str, str]:
    """The worker's environment: this very copy of iinotes first on its path (a checkout, an
    unpacked sdist), so it runs the same code; a worker running other code is refused anyway."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": here + (os.pathsep + paths if paths else "")}


def _serve(stdin: Any, stdout: Any) -> int:
    """The worker's side: parse every ref asked for, answer with the cache's lines."""
    from .cache import encode_row, header
    from .pipeline import _parse
    from .vault import FileRef

    gc.disable()  # every object made lives until the answer is written
    request = json.loads(stdin.read())
    if not isinstance(request, dict) or request.get("header") != header():
        return 2
    out: list[str] = []
    refs = request["refs"]
    for path, abspath, signature in refs:
        signature = tuple(signature)
        line = encode_row(path, signature, _parse(FileRef(path, abspath, signature)))
        if line is not None:
            out.append(line)
    out.append(json.dumps({"header": header(), "count": len(refs)}, ensure_ascii=False))
    stdout.write(("\n".join(out) + "\n").encode())
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.stdin.buffer, sys.stdout.buffer))
