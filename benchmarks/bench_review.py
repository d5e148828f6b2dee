"""How long do `iinotes review` and `iinotes stats` take, as users run them? Whole processes, warm
cache, interleaved with `iinotes due` (the same reading and follow-up rules, no review) as the
baseline; medians with min-max, and each command's peak RSS.

    python benchmarks/bench_review.py [--sizes 2000,20000] [--repeat 5] [--keep DIR] [--json]

For each size a vault is generated (benchmarks/generate_vault.py), `iinotes index` runs once to
fill the cache, then --repeat rounds each run every command once, in the same order, as separate
`python -m iinotes` processes (start-up and imports included). What review and stats add over
`due` is the difference of the medians. CPU seconds (user + system, from wait4) are shown too:
on a shared machine they move less than wall time.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `iinotes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    BENCH_TODAY,
    emit_json,
    environment,
    format_table,
    log,
    prepared_vaults,
    run_process,
    standard_parser,
)

COMMANDS = {
    "due (baseline)": ["due"],
    "review": ["review"],
    "review --format json": ["review", "--format", "json"],
    "review --format md": ["review", "--format", "md"],
    "stats": ["stats"],
    "stats --format json": ["stats", "--format", "json"],
}


def run(root: Path, args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one `python -m iinotes` process."""
    command = [
        sys.executable,
        "-m",
        "iinotes",
        "--vault",
        str(root),
        "--today",
        BENCH_TODAY.isoformat(),
        *args,
    ]
    done = run_process(command)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}")
    return done.seconds, done.cpu, round(done.rss_mib * 1024)


def main() -> None:
    parser = standard_parser(__doc__.splitlines()[0], default_repeat=5)
    args = parser.parse_args()
    results = []
    for vault in prepared_vaults(args.sizes, args.seed, args.keep):
        run(vault.root, ["index"])  # fill the cache: users run these on a vault they use daily
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in COMMANDS}
        for round_number in range(args.repeat):
            log(f"  round {round_number + 1} of {args.repeat}")
            for name, command in COMMANDS.items():
                runs[name].append(run(vault.root, command))
        for name, measured in runs.items():
            seconds = [s for s, _, _ in measured]
            results.append(
                {
                    "notes": vault.notes,
                    "command": name,
                    "median_s": statistics.median(seconds),
                    "min_s": min(seconds),
                    "max_s": max(seconds),
                    "median_cpu_s": statistics.median(c for _, c, _ in measured),
                    "peak_rss_mib": max(r for _, _, r in measured) / 1024,
                }
            )
    if args.json:
        emit_json({"environment": environment(), "results": results})
        return
    rows = [
        [
            f"{r['notes']:,}",
            r["command"],
            f"{r['median_s']:.3f}",
            f"{r['min_s']:.3f}-{r['max_s']:.3f}",
            f"{r['median_cpu_s']:.3f}",
            f"{r['peak_rss_mib']:.0f}",
        ]
        for r in results
    ]
    print(format_table(["notes", "command", "median s", "min-max s", "median CPU s", "peak RSS MiB"], rows))


if __name__ == "__main__":
    main()
