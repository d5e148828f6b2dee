"""Shared helpers for the benchmark scripts: vault preparation, timing, profiling, tables, JSON.

A benchmark script builds its parser with `standard_parser`, gets vaults from `prepared_vaults`, times
callables with `best_of`, checks `Target`s and prints with `print_table` / `emit_json`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python benchmarks/x.py` puts benchmarks/ on the path, not the repo
    sys.path.insert(0, str(REPO))

from benchmarks.generate_vault import generate  # noqa: E402

BENCH_TODAY = dt.date(2026, 11, 23)  # the day the generated vaults are spread around
FROZEN_MTIME = dt.datetime(2026, 11, 1, 12, 0).timestamp()  # every generated file gets this mtime
NOTES_PER_CONTACT = 2.87  # a generated vault has about 1.87 interviews per contact
RACY_WAIT = 2.2  # seconds: the iinotes cache ignores files whose mtime/ctime is newer than 2 s
MARKER = ".bench-vault.json"
T = TypeVar("T")


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays a clean table or JSON document."""
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- arguments


def parse_sizes(text: str) -> list[int]:
    """`2000,20000` or `2k,20k` -> [2000, 20000]."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        factor = 1000 if part.endswith("k") else 1
        try:
            value = int(float(part.removesuffix("k")) * factor)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a note count") from None
        if value < 3:
            raise argparse.ArgumentTypeError(f"{part!r}: a vault needs at least 3 notes")
        sizes.append(value)
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one size, e.g. 2000,20000")
    return sizes


def standard_parser(
    description: str, default_sizes: str = "2000,20000", default_repeat: int = 3
) -> argparse.ArgumentParser:
    """The options every benchmark takes: --sizes --repeat --keep --seed --json --profile."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(default_sizes),
        help=f"vault sizes in notes (default {default_sizes})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=default_repeat,
        help=f"runs per measurement; the best is reported (default {default_repeat})",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="generate the vaults into DIR/vault-<size> and keep them (default: a temp dir)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile one run of each iinotes measurement at the largest size",
    )
    parser.add_argument("--top", type=int, default=15, help="functions shown per profile (default 15)")
    return parser


# ----------------------------------------------------------------------------- vaults


def contacts_for(notes: int) -> int:
    """How many contacts to generate for a vault of about `notes` notes."""
    return max(1, round(notes / NOTES_PER_CONTACT))


def freeze_mtimes(root: Path, when: float | None = None) -> int:
    """Set atime and mtime of every file below `root` to `when` (default FROZEN_MTIME, or a day ago
    if the clock is earlier than that); returns the number of files.

    ctime cannot be set: it becomes "now", so wait RACY_WAIT seconds before relying on the cache."""
    if when is None:
        when = min(FROZEN_MTIME, time.time() - 86400)
    count = 0
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (when, when))
            count += 1
    return count


@dataclass(frozen=True)
class PreparedVault:
    """A generated vault ready to be timed."""

    size: int  # the size asked for
    root: Path
    contacts: int
    interviews: int
    notes: int
    generate_seconds: float


def prepare_vault(root: Path, size: int, seed: int = 0) -> PreparedVault:
    """Generate a vault of about `size` notes into `root` (which must not hold anything else), freeze
    its mtimes in the past and wait until the cache will trust every file."""
    if root.exists():
        if not (root / MARKER).exists():
            raise SystemExit(f"{root} exists and is not a benchmark vault; refusing to overwrite it")
        shutil.rmtree(root)
    started = time.perf_counter()
    counts = generate(root, contacts=contacts_for(size), seed=seed)
    (root / MARKER).write_text(json.dumps({"size": size, "seed": seed, **counts}) + "\n", encoding="utf-8")
    freeze_mtimes(root)
    seconds = time.perf_counter() - started
    time.sleep(RACY_WAIT)  # ctimes were just touched by utime
    return PreparedVault(size, root, counts["contacts"], counts["interviews"], counts["notes"], seconds)


@contextlib.contextmanager
def workdir(keep: str | None) -> Iterator[Path]:
    """`keep` (created if needed, left in place) or a temporary folder removed afterwards."""
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="iinotes-bench-") as temp:
        yield Path(temp)


def prepared_vaults(sizes: Sequence[int], seed: int, keep: str | None) -> Iterator[PreparedVault]:
    """One prepared vault per size, in order; each is removed after use unless `keep` is given."""
    with workdir(keep) as base:
        for size in sizes:
            log(f"generating a vault of about {size:,} notes ...")
            vault = prepare_vault(base / f"vault-{size}", size, seed)
            log(
                f"  {vault.notes:,} notes ({vault.contacts:,} contacts, {vault.interviews:,} interviews) in "
                f"{vault.generate_seconds:.1f} s"
            )
            yield vault
            if not keep:
                shutil.rmtree(vault.root, ignore_errors=True)


# ----------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """All runs of one measurement, in seconds."""

    runs: list[float]

    @property
    def best(self) -> float:
        return min(self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {"best": self.best, "runs": self.runs}


def time_once(fn: Callable[[], T], setup: Callable[[], object] | None = None) -> tuple[float, T]:
    """Run `setup` (untimed), collect garbage, then time one call of `fn` with perf_counter."""
    if setup is not None:
        setup()
    gc.collect()
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def best_of(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> Timing:
    """Time `fn` `repeat` times (setup before each, untimed)."""
    return Timing([time_once(fn, setup)[0] for _ in range(max(1, repeat))])


def profile_top(
    fn: Callable[[], object],
    setup: Callable[[], object] | None = None,
    top: int = 15,
    sort: str = "cumulative",
) -> str:
    """cProfile one call of `fn` and return the `top` functions by `sort` as text."""
    if setup is not None:
        setup()
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    text = out.getvalue()
    # keep the summary line and the table; drop pstats' blank preamble
    return "\n".join(
        line for line in text.splitlines() if line.strip() and not line.startswith("   Ordered by")
    )


# ----------------------------------------------------------------------------- targets and output


@dataclass(frozen=True)
class Target:
    """A goal on a ratio: `metric` <= `limit`, judged at vaults of about `at_notes` notes."""

    name: str
    metric: str
    limit: float
    at_notes: int

    @property
    def label(self) -> str:
        return f"{self.name}<={self.limit:g}x"

    def applies(self, notes: int) -> bool:
        return abs(notes - self.at_notes) <= 0.1 * self.at_notes

    def verdict(self, value: float) -> str:
        return "PASS" if value <= self.limit else "MISS"


MAXRSS_PER_MIB = 2**20 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


@dataclass(frozen=True)
class ProcessRun:
    """One whole process as users run it: wall and CPU seconds, peak RSS in MiB, exit code, output."""

    seconds: float
    cpu: float
    rss_mib: float
    returncode: int
    output: str = ""


def run_process(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    keep: str = "",
) -> ProcessRun:
    """Run `command` as a new process and measure it (os.wait4: the child's own CPU time and peak RSS).
    `keep`: "" discards all output, "stderr" keeps standard error (for error messages), "all" keeps
    standard output and error together. Kept output is read while the process runs (no pipe stalls)."""
    stdout = subprocess.PIPE if keep == "all" else subprocess.DEVNULL
    stderr = {"": subprocess.DEVNULL, "stderr": subprocess.PIPE, "all": subprocess.STDOUT}[keep]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=cwd, env=env)
    stream = process.stdout if keep == "all" else process.stderr
    output = stream.read().decode("utf-8", "replace") if stream is not None else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if stream is not None:
        stream.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return ProcessRun(seconds, cpu, usage.ru_maxrss / MAXRSS_PER_MIB, process.returncode, output)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: text left-aligned, numbers right-aligned."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def environment() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load": load_average(),
    }


def load_average() -> list[float] | None:
    """The machine's load average (1, 5, 15 minutes) where the system tells it: how quiet it was."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def emit_json(document: dict[str, Any]) -> None:
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
