"""How long do the read commands take as a user runs them, compared with another checkout of iinotes?

    python benchmarks/bench_commands.py --baseline DIR [--sizes 2000,20000] [--repeat 5] [--json]

DIR is another source tree of iinotes (say `git archive main | tar -x -C /tmp/base`). For each size one
vault is generated and copied twice (the two versions' caches must not overwrite each other); after one
untimed warm-up run each, every command runs as a separate process (`python -m iinotes ...`, start-up
included), alternating baseline and this tree, `--repeat` times. Reported per command: the median with
min-max in seconds, and the peak RSS of the largest run (getrusage of the children).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
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

HERE = Path(__file__).resolve().parent.parent
COMMANDS = {
    "index": ["index"],
    "index json": ["index", "--format", "json"],
    "due": ["due"],
    "feed": ["feed"],
}


def run(tree: Path, vault: Path, args: list[str]) -> tuple[float, int]:
    """One `python -m iinotes` process from `tree`: (seconds, peak RSS in KiB of this child: wait4's
    ru_maxrss, which Linux reports in KiB)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "iinotes", "--vault", str(vault), "--today", BENCH_TODAY.isoformat()]
    done = run_process([*command, *args], env=env, keep="stderr")
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed in {tree}: {done.output}")
    return done.seconds, round(done.rss_mib * 1024)


def main(argv: list[str] | None = None) -> int:
    parser = standard_parser(__doc__ or "", default_sizes="2000,20000", default_repeat=5)
    parser.add_argument("--baseline", required=True, help="another iinotes source tree to compare with")
    args = parser.parse_args(argv)
    baseline = Path(args.baseline).resolve()
    results: list[dict[str, Any]] = []
    rows = []
    for vault in prepared_vaults(args.sizes, args.seed, args.keep):
        copies = {}
        for name in ("baseline", "this"):
            copies[name] = vault.root.parent / f"{vault.root.name}-{name}"
            shutil.copytree(vault.root, copies[name], dirs_exist_ok=True)
        trees = {"baseline": baseline, "this": HERE}
        for name, tree in trees.items():
            run(tree, copies[name], ["index"])  # warm-up: the parse cache
        for label, command in COMMANDS.items():
            runs: dict[str, list[float]] = {"baseline": [], "this": []}
            rss: dict[str, int] = {"baseline": 0, "this": 0}
            for _ in range(max(1, args.repeat)):
                for name, tree in trees.items():
                    seconds, peak = run(tree, copies[name], command)
                    runs[name].append(seconds)
                    rss[name] = max(rss[name], peak)
            for name in trees:
                values = runs[name]
                results.append(
                    {
                        "size": vault.notes,
                        "command": label,
                        "tree": name,
                        "runs": values,
                        "peak_rss_kib": rss[name],
                    }
                )
                rows.append(
                    [
                        f"{vault.notes:,}",
                        label,
                        name,
                        f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})",
                        f"{rss[name] / 1024:.0f} MiB",
                    ]
                )
            log(f"  {vault.notes:,} notes: {label} done")
        for copy in copies.values():
            shutil.rmtree(copy, ignore_errors=True)
    if args.json:
        emit_json({"environment": environment(), "results": results})
    else:
        print(format_table(["notes", "command", "tree", "median s (min-max)", "peak RSS"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
