"""How long do reading a vault and making its feed take? iinotes' index and feed, cold and warm, against a
naive python-frontmatter loop.

    python benchmarks/bench_index.py [--sizes 2000,20000] [--repeat 3] [--keep DIR] [--json] [--profile]

For each size a vault is generated (benchmarks/generate_vault.py), every file's mtime is set in the past
(the parse cache distrusts files changed in the last 2 seconds) and then, in this one process, best of
--repeat runs of:

  naive  for p in sorted(Path(root).rglob('*.md')): frontmatter.load(p).metadata
  cold   .iinotes/ removed, then Vault(root, today=...).index() (parses everything, writes the cache)
  warm   a new Vault(root, today=...).index() with the cache on disk and no file changed
  feed cold / feed warm   the same for Vault(root, today=...).feed(): index, follow-ups and the .ics bytes
  cli feed warm           `python -m iinotes feed -o FILE` as a separate process
                          (start-up included; not a ratio target)

Targets, judged at 20,000 notes: cold <= 1.3x naive, warm <= 0.15x naive, feed warm <= 0.25x naive.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `iinotes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import frontmatter  # noqa: E402

from benchmarks.common import (  # noqa: E402
    BENCH_TODAY,
    PreparedVault,
    Target,
    Timing,
    emit_json,
    environment,
    format_table,
    log,
    prepared_vaults,
    profile_top,
    standard_parser,
    time_once,
)
from iinotes import Vault  # noqa: E402
from iinotes.cache import CACHE_FILE, STATE_DIR  # noqa: E402
from iinotes.index import Index  # noqa: E402

TARGETS = (
    Target("cold", "cold_ratio", 1.3, 20_000),
    Target("warm", "warm_ratio", 0.15, 20_000),
    Target("feed warm", "feed_warm_ratio", 0.25, 20_000),
)


def naive(root: Path) -> list[dict[str, Any]]:
    """What a script without iinotes would do: python-frontmatter's default loader on every file."""
    metadata = []
    for path in sorted(Path(root).rglob("*.md")):
        post = frontmatter.load(path)
        metadata.append(post.metadata)
    return metadata


def iinotes_index(root: Path) -> tuple[Vault, Index]:
    """A fresh Vault (no in-memory state) and its index; the vault is returned so its stats can be checked."""
    vault = Vault(root, today=BENCH_TODAY)
    return vault, vault.index()


def iinotes_feed(root: Path) -> bytes:
    """A fresh Vault and its feed bytes (what `iinotes feed` does after parsing its arguments)."""
    return Vault(root, today=BENCH_TODAY).feed()[2]


def cli_feed(root: Path) -> None:
    """`iinotes feed -o FILE` end to end, as a user runs it (a new Python process)."""
    command = [
        sys.executable,
        "-m",
        "iinotes",
        "--vault",
        str(root),
        "--today",
        BENCH_TODAY.isoformat(),
        "feed",
        "-o",
        str(root / "followups.ics"),
    ]
    subprocess.run(command, check=True, capture_output=True)


def clear_state(root: Path) -> None:
    shutil.rmtree(root / STATE_DIR, ignore_errors=True)


def measure(vault: PreparedVault, repeat: int) -> dict[str, Any]:
    """Interleaved rounds of naive, cold and warm; the best of each is kept."""
    root = vault.root
    runs: dict[str, list[float]] = {
        "naive": [],
        "cold": [],
        "warm": [],
        "feed_cold": [],
        "feed_warm": [],
        "cli_feed_warm": [],
    }
    checks: dict[str, Any] = {}
    for round_ in range(max(1, repeat)):
        seconds, loaded = time_once(lambda: naive(root))
        runs["naive"].append(seconds)
        checks["naive_notes"] = len(loaded)

        seconds, (cold_vault, _) = time_once(lambda: iinotes_index(root), setup=lambda: clear_state(root))
        runs["cold"].append(seconds)
        checks["cold_parsed"] = cold_vault.stats.parsed

        seconds, (warm_vault, index) = time_once(lambda: iinotes_index(root))
        runs["warm"].append(seconds)
        checks["warm_parsed"] = warm_vault.stats.parsed
        counts = index.counts()

        seconds, _ = time_once(lambda: iinotes_feed(root), setup=lambda: clear_state(root))
        runs["feed_cold"].append(seconds)
        seconds, feed = time_once(lambda: iinotes_feed(root))
        runs["feed_warm"].append(seconds)
        checks["feed_events"] = feed.count(b"BEGIN:VEVENT")
        seconds, _ = time_once(lambda: cli_feed(root))
        runs["cli_feed_warm"].append(seconds)
        log(
            f"  round {round_ + 1}: naive {runs['naive'][-1]:.3f} s, cold {runs['cold'][-1]:.3f} s, warm "
            f"{runs['warm'][-1]:.3f} s, "
            f"feed cold {runs['feed_cold'][-1]:.3f} s, feed warm {runs['feed_warm'][-1]:.3f} s, cli feed "
            f"warm {runs['cli_feed_warm'][-1]:.3f} s"
        )

    if checks["warm_parsed"]:
        log(
            f"  WARNING: the warm run re-parsed {checks['warm_parsed']} files; the cache did not hold them "
            "all"
        )
    if counts["contacts"] != vault.contacts or counts["interviews"] != vault.interviews or counts["errors"]:
        log(
            f"  WARNING: iinotes saw {counts}, expected {vault.contacts} contacts and {vault.interviews} "
            "interviews, no errors"
        )

    timings = {name: Timing(values) for name, values in runs.items()}
    naive_s, cold_s, warm_s, feed_cold_s, feed_warm_s, cli_s = (
        timings[n].best for n in ("naive", "cold", "warm", "feed_cold", "feed_warm", "cli_feed_warm")
    )
    cache_file = root / STATE_DIR / CACHE_FILE
    result: dict[str, Any] = {
        "size": vault.size,
        "notes": vault.notes,
        "contacts": vault.contacts,
        "interviews": vault.interviews,
        "naive_s": naive_s,
        "cold_s": cold_s,
        "warm_s": warm_s,
        "cold_ratio": cold_s / naive_s,
        "warm_ratio": warm_s / naive_s,
        "feed_cold_s": feed_cold_s,
        "feed_warm_s": feed_warm_s,
        "feed_cold_ratio": feed_cold_s / naive_s,
        "feed_warm_ratio": feed_warm_s / naive_s,
        "cli_feed_warm_s": cli_s,
        "feed_events": checks["feed_events"],
        "runs": {name: timing.runs for name, timing in timings.items()},
        "cache_bytes": cache_file.stat().st_size if cache_file.exists() else 0,
        "cold_parsed": checks["cold_parsed"],
        "warm_parsed": checks["warm_parsed"],
        "index_counts": counts,
        "generate_s": vault.generate_seconds,
    }
    result["targets"] = {
        t.name: {
            "limit": t.limit,
            "value": result[t.metric],
            "verdict": t.verdict(result[t.metric]),
            "applies": t.applies(vault.notes),
        }
        for t in TARGETS
    }
    return result


def profiles(vault: PreparedVault, top: int) -> dict[str, str]:
    """cProfile one cold and one warm run (the cache is left warm by the cold run)."""
    root = vault.root
    return {
        "cold": profile_top(lambda: iinotes_index(root), setup=lambda: clear_state(root), top=top),
        "warm": profile_top(lambda: iinotes_index(root), top=top),
    }


def table(results: list[dict[str, Any]]) -> str:
    headers = [
        "notes",
        "naive s",
        "cold s",
        "warm s",
        "feed cold s",
        "feed warm s",
        "cli feed s",
        "cold/naive",
        "warm/naive",
        "feed warm/naive",
        *(t.label for t in TARGETS),
    ]
    rows = []
    for r in results:
        verdicts = []
        for t in TARGETS:
            v = r["targets"][t.name]["verdict"]
            verdicts.append(v if r["targets"][t.name]["applies"] else f"({v})")
        rows.append(
            [
                r["notes"],
                r["naive_s"],
                r["cold_s"],
                r["warm_s"],
                r["feed_cold_s"],
                r["feed_warm_s"],
                r["cli_feed_warm_s"],
                f"{r['cold_ratio']:.2f}x",
                f"{r['warm_ratio']:.3f}x",
                f"{r['feed_warm_ratio']:.3f}x",
                *verdicts,
            ]
        )
    return format_table(headers, rows)


def main(argv: list[str] | None = None) -> int:
    parser = standard_parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    profiled: dict[str, str] = {}
    largest = max(args.sizes)
    for vault in prepared_vaults(args.sizes, args.seed, args.keep):
        log(f"timing {vault.notes:,} notes, best of {args.repeat} ...")
        results.append(measure(vault, args.repeat))
        if args.profile and vault.size == largest and not profiled:
            log("profiling one cold and one warm run ...")
            profiled = profiles(vault, args.top)

    if args.json:
        document: dict[str, Any] = {
            "benchmark": "index",
            "today": BENCH_TODAY.isoformat(),
            "repeat": args.repeat,
            "seed": args.seed,
            "environment": environment(),
            "targets": [
                {"name": t.name, "metric": t.metric, "limit": t.limit, "at_notes": t.at_notes}
                for t in TARGETS
            ],
            "results": results,
        }
        if profiled:
            document["profiles"] = profiled
        emit_json(document)
        return 0

    print(
        f"iinotes index benchmark (best of {args.repeat}, today {BENCH_TODAY}, Python "
        f"{environment()['python']})"
    )
    print()
    print(table(results))
    print()
    judged = [r for r in results if any(r["targets"][t.name]["applies"] for t in TARGETS)]
    targets_text = ", ".join(f"{t.name} <= {t.limit:g}x naive" for t in TARGETS)
    print(
        f"targets: {targets_text}, judged at {TARGETS[0].at_notes:,} notes (verdicts in parentheses are for "
        "other sizes)"
    )
    for r in judged:
        verdicts = ", ".join(
            f"{t.name} {r['targets'][t.name]['verdict']} ({r[t.metric]:.3f}x)" for t in TARGETS
        )
        print(f"  {r['notes']:,} notes: {verdicts}")
    if not judged:
        print("  no size near the target size was run")
    for name, text in profiled.items():
        print()
        print(
            f"--- cProfile: iinotes {name} run at {largest:,} notes (top {args.top} by cumulative time) ---"
        )
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
