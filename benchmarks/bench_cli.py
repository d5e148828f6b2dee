"""iinotes as users run it: whole processes, a new one per run, interleaved with a naive baseline.

    python benchmarks/bench_cli.py [--sizes 2k,20k,100k] [--repeat 5] [--keep DIR] [--watch-edits 20]
                                   [--json] [--only validate,feed,...]

Every figure is a new process (`python -m iinotes ...`, as a shell or the git hook starts it), timed
from start to exit, with its peak resident memory (the child's ru_maxrss). Each round runs the naive
baseline and then every iinotes command once, so a slow moment of the machine weighs on both; the
table gives the median of --repeat rounds with min-max, and each ratio of medians against its target.
Targets are judged on wall time, as users feel it; the CPU time (user + system) of each process is
printed beside it, because on a shared machine it moves much less than the wall clock.

  naive        for p in sorted(Path(root).rglob("*.md")): frontmatter.load(p).metadata
  pass         python -c pass (the floor of any process)
  version      iinotes --version                 help   iinotes --help
  questions    iinotes questions                 due sample   iinotes due on sample-vault/ (warm)
  validate cold      .iinotes/ removed first: parse everything, write the cache
  validate warm      nothing changed since the last run: answered from its record
  validate changed   one note saved since the last run: the parse cache is loaded, that note parsed
  feed -o warm       the feed file is current and nothing changed
  feed -o cold       .iinotes/ removed first
  index json         index --format json with the parse cache but no record (the output is streamed)
  due          due with the parse cache but no record
  watch        `iinotes watch -o FILE` (peak memory after the first build and --watch-edits saves), and
               save-to-file latency: a contact saved (temp file + rename, as editors do) until the
               feed file is replaced; p50 / p95 / max

Targets (issue 12), judged at 20,000 notes; memory at every size up to 20,000 and reported at 100,000.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `iinotes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_live import edit, percentile  # noqa: E402
from benchmarks.common import (  # noqa: E402
    BENCH_TODAY,
    MAXRSS_PER_MIB,
    REPO,
    emit_json,
    environment,
    format_table,
    load_average,
    log,
    prepared_vaults,
    run_process,
    standard_parser,
)

NAIVE = """
import sys
from pathlib import Path
import frontmatter
for p in sorted(Path(sys.argv[1]).rglob("*.md")):
    frontmatter.load(p).metadata
"""
MEMORY_LIMIT_MB = 150.0


@dataclass(frozen=True)
class Target:
    """`figure` at most `limit` times `base` (a ratio of medians), judged at `at` notes (0: any size)."""

    figure: str
    base: str
    limit: float
    at: int = 20_000


TARGETS = (
    Target("version", "pass", 2.5, 0),
    Target("help", "pass", 2.5, 0),
    Target("questions", "pass", 2.5, 0),
    Target("due sample", "pass", 4.0, 0),
    Target("validate warm", "naive", 0.15),
    Target("feed -o warm", "naive", 0.15),
    Target("validate cold", "naive", 1.2),
)


@dataclass
class Runs:
    """Every run of one figure: seconds and peak memory (MB)."""

    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the process
    memory: list[float] = field(default_factory=list)

    def add(self, seconds: float, cpu: float, memory: float) -> None:
        self.seconds.append(seconds)
        self.cpu.append(cpu)
        self.memory.append(memory)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def spread(self) -> str:
        return f"{self.median:.3f} [{min(self.seconds):.3f}-{max(self.seconds):.3f}]"


def run(command: Sequence[str], cwd: Path | None = None) -> tuple[float, float, float, int]:
    """Run `command` as a new process: (wall seconds, CPU seconds, peak RSS in MB, exit code)."""
    done = run_process(command, cwd=cwd)
    return done.seconds, done.cpu, done.rss_mib, done.returncode


def iinotes(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "iinotes", "--vault", str(root), "--today", BENCH_TODAY.isoformat(), *args]


def clear_state(root: Path) -> None:
    shutil.rmtree(root / ".iinotes", ignore_errors=True)


def clear_records(root: Path) -> None:
    for path in (root / ".iinotes").glob("answer-*"):
        path.unlink()


def touch_one(root: Path, round_: int) -> None:
    """Save one note as an editor would (new content, temp file and rename), then wait out the
    cache's racy window so the rest of the vault is trusted."""
    path = sorted((root / "contacts").glob("*.md"))[round_ % 7]
    edit(path, round_)
    time.sleep(0.1)


@dataclass(frozen=True)
class Step:
    figure: str
    command: Callable[[Path], list[str]]
    setup: Callable[[Path, int], object] | None = None
    ok: tuple[int, ...] = (0,)


def steps(feed_file: Path) -> list[Step]:
    validate = lambda root: iinotes(root, "validate")  # noqa: E731
    feed = lambda root: iinotes(root, "feed", "-o", str(feed_file))  # noqa: E731
    return [
        Step("validate cold", validate, lambda root, _: clear_state(root), (0, 1)),
        Step("validate warm", validate, None, (0, 1)),
        Step("validate changed", validate, lambda root, n: touch_one(root, n), (0, 1)),
        Step("feed -o cold", feed, lambda root, _: clear_state(root)),
        Step("feed -o warm", feed),
        Step(
            "index json",
            lambda root: iinotes(root, "index", "--format", "json"),
            lambda r, _: clear_records(r),
        ),
        Step("due", lambda root: iinotes(root, "due"), lambda root, _: clear_records(root)),
    ]


def measure_startup(repeat: int) -> dict[str, Runs]:
    """python -c pass, --version, --help, questions and due on the sample vault, interleaved."""
    sample = REPO / "sample-vault"
    commands = {
        "pass": [sys.executable, "-c", "pass"],
        "version": [sys.executable, "-m", "iinotes", "--version"],
        "help": [sys.executable, "-m", "iinotes", "--help"],
        "questions": [sys.executable, "-m", "iinotes", "questions"],
        "due sample": [sys.executable, "-m", "iinotes", "--vault", str(sample), "due"],
    }
    runs = {name: Runs() for name in commands}
    subprocess.run(commands["due sample"], capture_output=True, check=False)  # its record
    for _ in range(repeat):
        for name, command in commands.items():
            seconds, cpu, memory, _ = run(command, cwd=REPO)
            runs[name].add(seconds, cpu, memory)
    return runs


def measure_size(root: Path, repeat: int, only: set[str] | None) -> dict[str, Runs]:
    feed_file = root.parent / f"{root.name}.ics"
    chosen = [step for step in steps(feed_file) if not only or step.figure in only]
    runs = {"naive": Runs(), **{step.figure: Runs() for step in chosen}}
    subprocess.run(iinotes(root, "validate"), capture_output=True, check=False)
    for round_ in range(repeat):
        seconds, cpu, memory, _ = run([sys.executable, "-c", NAIVE, str(root)])
        runs["naive"].add(seconds, cpu, memory)
        for step in chosen:
            if step.setup is not None:
                step.setup(root, round_)
            seconds, cpu, memory, code = run(step.command(root))
            if code not in step.ok:
                raise SystemExit(f"{step.figure}: exit {code}")
            runs[step.figure].add(seconds, cpu, memory)
        log(
            f"  round {round_ + 1}: "
            + ", ".join(f"{name} {value.seconds[-1]:.2f} s" for name, value in runs.items())
        )
    return runs


def measure_watch(root: Path, edits: int) -> dict[str, Any]:
    """Start `iinotes watch -o FILE`, save `edits` contacts one by one, time each until the feed file
    is replaced; then stop it and read its peak memory."""
    feed_file = root.parent / f"{root.name}-watch.ics"
    feed_file.unlink(missing_ok=True)
    contacts = [root / "contacts" / f"Bench Watch {n:03}.md" for n in range(edits)]
    for n, path in enumerate(contacts):  # active contacts: each save changes the feed
        path.write_text(f"---\ntype: contact\nid: bench-watch-{n}\n---\n", encoding="utf-8")
    command = iinotes(root, "watch", "-o", str(feed_file))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "feed written" in line or "feed unchanged" in line:
            break
    first_build = time.perf_counter() - started
    latencies: list[float] = []
    missed = 0
    for n, path in enumerate(contacts):
        before = os.stat(feed_file)
        began = time.perf_counter()
        edit(path, n + 100)
        while time.perf_counter() - began < 10:
            now = os.stat(feed_file)
            if (now.st_ino, now.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
                latencies.append(time.perf_counter() - began)
                break
            time.sleep(0.002)
        else:
            missed += 1
        time.sleep(0.3)  # each save its own burst
    process.send_signal(2)
    _, _, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    for path in contacts:
        path.unlink()
    return {
        "first_build_s": first_build,
        "latencies": latencies,
        "p50": percentile(latencies, 0.5) if latencies else None,
        "p95": percentile(latencies, 0.95) if latencies else None,
        "max": max(latencies) if latencies else None,
        "missed": missed,
        "memory_mb": usage.ru_maxrss / MAXRSS_PER_MIB,
    }


def verdicts(base: dict[str, Runs], runs: dict[str, Runs], notes: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for target in TARGETS:
        if target.figure not in runs or target.base not in base:
            continue
        if target.at and abs(notes - target.at) > 0.1 * target.at:
            continue
        ratio = runs[target.figure].median / base[target.base].median
        cpu_ratio = runs[target.figure].cpu_median / base[target.base].cpu_median
        verdict = "PASS" if ratio <= target.limit else "MISS"
        rows.append(
            [
                target.figure,
                f"{ratio:.3f}x {target.base}",
                f"{cpu_ratio:.3f}x",
                f"<= {target.limit:g}x",
                verdict,
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = standard_parser(__doc__ or "", default_sizes="2000,20000", default_repeat=5)
    parser.add_argument("--watch-edits", type=int, default=20, help="saves timed in watch (0: skip watch)")
    parser.add_argument("--only", default="", help="comma-separated figures to measure (default: all)")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up figures")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    document: dict[str, Any] = {"environment": environment(), "sizes": []}
    lines: list[str] = []
    if not args.no_startup:
        log("start-up ...")
        startup = measure_startup(args.repeat)
        document["startup"] = {name: vars(value) for name, value in startup.items()}
        lines.append(
            format_table(
                ["figure", "median s [min-max]", "cpu s", "peak MB"],
                [
                    [name, value.spread(), f"{value.cpu_median:.3f}", f"{max(value.memory):.0f}"]
                    for name, value in startup.items()
                ],
            )
        )
        lines.append(
            format_table(
                ["target", "wall ratio", "cpu ratio", "limit", "verdict"], verdicts(startup, startup, 0)
            )
        )
    for vault in prepared_vaults(args.sizes, args.seed, args.keep):
        log(f"{vault.notes:,} notes: {args.repeat} interleaved rounds (load average {load_average()}) ...")
        mark = len(lines)
        runs = measure_size(vault.root, args.repeat, only)
        watch = measure_watch(vault.root, args.watch_edits) if args.watch_edits else None
        raw = {name: vars(value) for name, value in runs.items()}
        log(json.dumps({"notes": vault.notes, "runs": raw, "watch": watch}))  # kept even if a table fails
        naive, naive_cpu = runs["naive"].median, runs["naive"].cpu_median
        rows = [
            [
                name,
                value.spread(),
                f"{value.median / naive:.3f}x",
                f"{value.cpu_median:.2f}",
                f"{value.cpu_median / naive_cpu:.3f}x",
                f"{max(value.memory):.0f}",
                "ok" if max(value.memory) <= MEMORY_LIMIT_MB or name == "naive" else "OVER",
            ]
            for name, value in runs.items()
        ]
        if watch is not None:
            rows.append(
                [
                    "watch",
                    f"first build {watch['first_build_s']:.2f}",
                    "",
                    "",
                    "",
                    f"{watch['memory_mb']:.0f}",
                    "ok" if watch["memory_mb"] <= MEMORY_LIMIT_MB else "OVER",
                ]
            )
        lines.append(
            f"\n{vault.notes:,} notes ({vault.contacts:,} contacts, {vault.interviews:,} interviews)"
        )
        headers = ["figure", "wall s median [min-max]", "/ naive", "cpu s", "/ naive", "peak MB", "<=150 MB"]
        lines.append(format_table(headers, rows))
        checks = verdicts(runs, runs, vault.notes)
        if watch is not None and watch["p95"] is not None:
            lines.append(
                f"watch save -> feed file: p50 {watch['p50']:.3f} s, p95 {watch['p95']:.3f} s, max "
                f"{watch['max']:.3f} s over {len(watch['latencies'])} saves ({watch['missed']} missed)"
            )
            if abs(vault.notes - 20_000) <= 2_000:
                checks.append(
                    [
                        "watch p95",
                        f"{watch['p95']:.3f} s",
                        "",
                        "<= 0.3 s",
                        "PASS" if watch["p95"] <= 0.3 else "MISS",
                    ]
                )
        if checks:
            lines.append(format_table(["target", "wall ratio", "cpu ratio", "limit", "verdict"], checks))
        lines.append(f"load average after: {load_average()}")
        log("\n".join(lines[mark:]))  # as soon as a size is done: a later failure keeps it
        document["sizes"].append(
            {
                "notes": vault.notes,
                "contacts": vault.contacts,
                "interviews": vault.interviews,
                "runs": {name: vars(value) for name, value in runs.items()},
                "watch": watch,
            }
        )
    if args.json:
        emit_json(document)
    else:
        env = document["environment"]
        print(f"{env['when']}  Python {env['python']}  {env['system']} {env['machine']}  {env['cpus']} CPUs")
        print("\n\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
