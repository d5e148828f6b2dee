"""How long does importing a LinkedIn export take? `iinotes import linkedin` as users run it (a whole
process each time), against a naive script that writes one Markdown file per row.

    python benchmarks/bench_import.py [--rows 5000] [--repeat 3] [--keep DIR] [--json]

The export (distinct names but for 1 in 100 namesakes) is generated the way LinkedIn writes
Connections.csv: the Notes: preamble, a BOM, CRLF, quoted commas, empty emails, credentials and
emoji in some names, `05 Nov 2024` dates.
Each round, interleaved, every figure being one whole process (interpreter start-up included):

  naive      a script with csv.DictReader writing contacts/<First Last>.md with an f-string front
             matter (no matching, no safe names, no atomic write, no check): the floor
  import     `iinotes import linkedin FILE` into a fresh vault (init'ed): every row a new note
  reimport   the same command again on that vault: every row matched, nothing written
  dry-run    `--dry-run` on a fresh vault: reading, matching and the plan, no writes

Printed: median (min-max) seconds and the peak RSS of the process, per figure.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `iinotes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import environment, log, run_process  # noqa: E402

FIRST = """James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark
Sandra Paul Ashley Steven Emily Andrew Kimberly Joshua Donna Kevin Michelle Brian Carol George Amanda
Wei Priya Zoë José Ngozi Ahmed Fatima Hiroshi Yuki Olga Sven Chiara Mateo Aisha Kofi Ingrid Rahul Mei
Lucía Dmitri Amara Nikhil Sofia Tariq Elena Jin Ana""".split()
LAST = """Smith Johnson Williams Brown Jones García Miller Davis Rodríguez Martínez Hernández López Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Pérez Thompson White Harris Sánchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Müller Ångström Khan Patel Okafor Tanaka Ivanova Rossi Schmidt Novak Kowalski Haddad
Mensah Sato Chen Wang Singh Dubois Jensen Silva Costa""".split()
COMPANIES = [
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella Corp",
    "Stark Industries",
    "Hooli",
    "AT&T / Mobility",
]
POSITIONS = ["Software Engineer", "Product Manager", "Director, Research", "Data Scientist", "Recruiter"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
PREAMBLE = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    "You will only see email addresses for connections who have allowed their connections to see or "
    'download their email address using this setting https://www.linkedin.com/psettings/privacy/email."\r\n'
    "\r\n"
)

NAIVE = """
import csv, os, sys
src, root = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(root, "contacts"), exist_ok=True)
with open(src, encoding="utf-8-sig", newline="") as handle:
    lines = handle.read().splitlines(keepends=True)
start = next(i for i, line in enumerate(lines) if line.startswith("First Name"))
for row in csv.DictReader(lines[start:]):
    name = (row["First Name"] + " " + row["Last Name"]).strip()
    with open(os.path.join(root, "contacts", name.replace("/", " ") + ".md"), "w", encoding="utf-8") as f:
        f.write(f"---\\ntype: contact\\ncompany: {row['Company']!r}\\nrole: {row['Position']!r}\\n"
                f"linkedin: {row['URL']}\\nsource: LinkedIn\\n---\\n# {name}\\n")
"""


def generate(rows: int, seed: int = 15) -> bytes:
    """A Connections.csv with `rows` connections, newest first, as LinkedIn writes it."""
    rng = random.Random(seed)
    plain = [(f, la) for f in FIRST for la in LAST]
    names = rng.sample(plain, min(rows, len(plain)))
    names += rng.sample(
        [(f"{f} {m}.", la) for f, la in plain for m in "ABCDEFGHJKLMNPRSTW"], rows - len(names)
    )
    for i in range(0, rows, 100):  # about 1 in 100 shares a name with someone else (a namesake)
        names[i] = names[(i * 7 + 3) % rows]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for i in range(rows):
        first, last = names[i]
        shown_last = last + rng.choice(["", "", "", "", ", PhD", ", MBA", " 🎓"])
        email = f"{first}.{last}.{i}@example.com".lower() if rng.random() < 0.3 else ""
        day = 1 + i % 28
        connected = f"{day:02d} {MONTHS[(rows - i) // 200 % 12]} {2024 - i // 2400}"
        slug = re.sub(r"\W+", "-", f"{first} {last}".lower()).strip("-")
        url = f"https://www.linkedin.com/in/{slug}-{i:05x}"
        writer.writerow(
            [first, shown_last, url, email, rng.choice(COMPANIES), rng.choice(POSITIONS), connected]
        )
    return ("\ufeff" + PREAMBLE + out.getvalue()).encode("utf-8")


def run(command: list[str]) -> tuple[float, int]:
    """Run one process; its wall-clock seconds and peak RSS in KiB (from wait4)."""
    done = run_process(command, keep="stderr")
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.output}")
    return done.seconds, round(done.rss_mib * 1024)


def iinotes(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "iinotes", "--vault", str(root), *args]


def fresh_vault(parent: Path, name: str) -> Path:
    root = parent / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    subprocess.run(iinotes(root, "init"), check=True, capture_output=True)
    return root


def measure(rows: int, repeat: int, work: Path) -> dict[str, Any]:
    export = work / "Connections.csv"
    export.write_bytes(generate(rows))
    figures: dict[str, list[tuple[float, int]]] = {"naive": [], "import": [], "reimport": [], "dry-run": []}
    notes = 0
    for round_ in range(repeat):
        naive_root = work / "naive"
        shutil.rmtree(naive_root, ignore_errors=True)
        figures["naive"].append(run([sys.executable, "-c", NAIVE, str(export), str(naive_root)]))
        root = fresh_vault(work, "vault")
        figures["import"].append(run(iinotes(root, "import", "linkedin", str(export))))
        notes = sum(1 for _ in (root / "contacts").glob("*.md"))
        figures["reimport"].append(run(iinotes(root, "import", "linkedin", str(export))))
        dry = fresh_vault(work, "dry")
        figures["dry-run"].append(run(iinotes(dry, "import", "linkedin", str(export), "--dry-run")))
        log(
            f"  round {round_ + 1}: "
            + ", ".join(f"{name} {values[-1][0]:.2f} s" for name, values in figures.items())
        )
    return {
        "rows": rows,
        "notes_written": notes,
        "figures": {
            name: {
                "median_s": statistics.median(s for s, _ in values),
                "min_s": min(s for s, _ in values),
                "max_s": max(s for s, _ in values),
                "peak_rss_mib": max(kib for _, kib in values) / 1024,
                "runs_s": [s for s, _ in values],
            }
            for name, values in figures.items()
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['rows']:,} rows, {result['notes_written']:,} notes written",
        "",
        "| run | median s | min-max s | per row ms | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figure in result["figures"].items():
        lines.append(
            f"| {name} | {figure['median_s']:.2f} | {figure['min_s']:.2f}-{figure['max_s']:.2f} | "
            f"{figure['median_s'] / result['rows'] * 1000:.2f} | {figure['peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="connections in the export (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it (default: a temp folder)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="iinotes-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        log(f"importing {args.rows} rows, {args.repeat} rounds, in {work}")
        result = measure(args.rows, args.repeat, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    result["environment"] = environment()
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
