"""What do drafts cost? `iinotes draft NAME` against `iinotes show NAME` (the same lookup, no drafting),
and `iinotes feed` with `feed.drafts = true` against the same feed without drafts.

    python benchmarks/bench_drafts.py [--sizes 2000,20000] [--repeat 5] [--keep DIR] [--json]

Every measurement is a whole process (`python -m iinotes ...`), as users run it, and the commands are
interleaved round by round so that drift of the machine hits them alike. Reported: the median with
min-max, and the peak RSS of the process (os.wait4). The parse cache is warm (built once before); each
feed round uses a new `--today`, so the feed itself is made again every time, as on a new day.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

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

ME = '\n[me]\nname = "Jordan Ellis"\nbackground = "a teacher"\ngoal = "UX research"\n'


def run(args: list[str]) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB and exit code of one `python -m iinotes ARGS` process."""
    done = run_process([sys.executable, "-m", "iinotes", *args])
    return done.seconds, done.rss_mib, done.returncode


def pick_contact(root: Path) -> str:
    """A contact whose next move is a message (so `draft NAME` drafts one)."""
    from iinotes import Vault, drafts

    vault = Vault(root, today=BENCH_TODAY)
    index, items = vault.follow_ups()
    for view in index.contacts.values():
        try:
            drafts.next_kind(drafts.target_of(index, view), items)
        except Exception:
            continue
        return view.contact.name
    raise SystemExit("no contact with a message to draft")


def main() -> int:
    parser = standard_parser(__doc__.split("\n")[0], default_repeat=5)
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for prepared in prepared_vaults(args.sizes, args.seed, args.keep):
        plain = prepared.root
        with (plain / "iinotes.toml").open("a", encoding="utf-8") as toml:
            toml.write(ME)
        with_drafts = plain.parent / f"{plain.name}-drafts"
        shutil.rmtree(with_drafts, ignore_errors=True)
        shutil.copytree(plain, with_drafts, symlinks=True)
        settings = with_drafts / "iinotes.toml"
        text = settings.read_text(encoding="utf-8")
        settings.write_text(
            text.replace("[feed]\n", "[feed]\ndrafts = true\n")
            if "[feed]\n" in text
            else text + "\n[feed]\ndrafts = true\n",
            encoding="utf-8",
        )
        name = pick_contact(plain)
        day = BENCH_TODAY.isoformat()
        commands = {
            "show NAME": ["--vault", str(plain), "--today", day, "show", name],
            "draft NAME": ["--vault", str(plain), "--today", day, "draft", name],
            "feed": ["--vault", str(plain), "feed"],
            "feed, drafts on": ["--vault", str(with_drafts), "feed"],
        }
        for command in commands.values():  # warm the parse cache of both copies
            run(command + (["--today", day] if "feed" in command else []))
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for round_ in range(args.repeat):
            today = (BENCH_TODAY + dt.timedelta(days=1 + round_)).isoformat()
            for label, command in commands.items():
                seconds, rss, code = run(command + (["--today", today] if "feed" in command else []))
                if code != 0:
                    raise SystemExit(f"{label} exited {code}")
                runs[label].append((seconds, rss))
        for label, measured in runs.items():
            times = [s for s, _ in measured]
            results.append(
                {
                    "notes": prepared.notes,
                    "command": label,
                    "median": statistics.median(times),
                    "min": min(times),
                    "max": max(times),
                    "peak_rss_mib": max(r for _, r in measured),
                }
            )
        shutil.rmtree(with_drafts, ignore_errors=True)
        log(f"  measured {prepared.notes:,} notes (contact: {name})")
    if args.json:
        emit_json({"environment": environment(), "results": results})
        return 0
    rows = [
        [
            f"{r['notes']:,}",
            r["command"],
            f"{r['median']:.3f} s ({r['min']:.3f}-{r['max']:.3f})",
            f"{r['peak_rss_mib']:.0f} MiB",
        ]
        for r in results
    ]
    print(format_table(["notes", "command", "median (min-max)", "peak RSS"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
