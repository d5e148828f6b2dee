"""How long does `iinotes publish` take? 300 follow-ups to a fresh calendar, a run with nothing changed, and
one changed note, against a naive baseline that sends every event each time, all as whole processes.

    python benchmarks/bench_publish.py [--repeat 5] [--follow-ups 300] [--json]

A Radicale server is started on 127.0.0.1 (as the tests do: tests/davserver.py) and a vault of
--follow-ups contacts, each with one follow-up in the feed, is generated. Each round, on a new calendar:

  first      `iinotes publish URL --user alice` (every event created)
  unchanged  the same again (nothing changed: a listing, no write)
  one note   one contact's follow-up date edited, then the same command
  naive first / naive one note   a script without state: `caldav` save_event() of every event of
             `iinotes feed` (what publishing without iinotes' state would be), first and after the edit

Rounds are interleaved (ours, then naive) and each step is a separate process (start-up included);
medians with min-max over --repeat rounds, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from davserver import PASSWORD, USER, Radicale, Reader  # noqa: E402

from benchmarks.common import run_process  # noqa: E402

NAIVE = """
import sys, caldav, icalendar
url, user, password, feed = sys.argv[1:5]
calendar = caldav.DAVClient(url, username=user, password=password).calendar(url=url)
for event in icalendar.Calendar.from_ical(open(feed, "rb").read()).walk("VEVENT"):
    one = icalendar.Calendar()
    one.add("prodid", "-//naive//EN")
    one.add("version", "2.0")
    one.add_component(event)
    calendar.save_event(one.to_ical().decode())
"""


def contact(n: int, day: int) -> str:
    return (
        f"---\ntype: contact\nid: c-{n:06d}\nname: Person {n}\nfollow_up: 2026-12-{day:02d}\n---\n"
        f"Notes about person {n}.\n"
    )


def make_vault(root: Path, count: int) -> None:
    (root / "contacts").mkdir(parents=True)
    settings = 'timezone = "Europe/Berlin"\n[followups]\nreview_weekday = ""\n'  # one event per contact
    (root / "iinotes.toml").write_text(settings, encoding="utf-8")
    for n in range(count):
        (root / "contacts" / f"Person {n}.md").write_text(contact(n, 1 + n % 28), encoding="utf-8")


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in MiB, output) of one process."""
    done = run_process(args, env=env, cwd=REPO, keep="all")
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.output}")
    return done.seconds, int(done.rss_mib), done.output


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--follow-ups", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        server = Radicale(folder / "radicale")
        env = {**os.environ, "IINOTES_CALDAV_PASSWORD": PASSWORD, "PYTHONPATH": str(REPO)}
        iinotes = [sys.executable, "-m", "iinotes"]
        results: dict[str, list[float]] = {}
        memory: dict[str, int] = {}
        notes: dict[str, str] = {}
        try:
            for round_ in range(options.repeat):
                for who in ("iinotes", "naive"):
                    vault = folder / f"vault-{who}-{round_}"
                    make_vault(vault, options.follow_ups)
                    url = server.url(f"bench-{uuid.uuid4().hex[:8]}")
                    Reader(url).make()
                    base = [*iinotes, "--vault", str(vault), "--today", "2026-11-23"]
                    note = vault / "contacts" / "Person 7.md"
                    if who == "iinotes":
                        steps = [
                            ("first", [*base, "publish", url, "--user", USER], None),
                            ("unchanged", [*base, "publish", url, "--user", USER], None),
                            ("one note", [*base, "publish", url, "--user", USER], note),
                        ]
                    else:
                        feed = folder / f"feed-{round_}.ics"
                        naive = [sys.executable, "-c", NAIVE, url, USER, PASSWORD, str(feed)]
                        steps = [("naive first", naive, None), ("naive one note", naive, note)]
                    for name, command, edit in steps:
                        if edit is not None:
                            edit.write_text(contact(7, 27).replace("Notes", "Edited notes"), encoding="utf-8")
                        if who == "naive":  # the naive script needs the feed: made outside the timing
                            subprocess.run([*base, "feed", "-o", str(feed)], env=env, check=True, cwd=REPO)
                        seconds, rss, output = run(command, env)
                        results.setdefault(name, []).append(seconds)
                        memory[name] = max(memory.get(name, 0), rss)
                        notes[name] = output.strip().splitlines()[-1] if output.strip() else ""
                    events = len(Reader(url).listing())
                    assert events == options.follow_ups, (who, events)
        finally:
            server.stop()
    if options.json:
        print(json.dumps({"results": results, "peak_rss_mib": memory, "last_lines": notes}, indent=1))
        return
    print(f"{options.follow_ups} follow-ups, {options.repeat} rounds, Radicale on 127.0.0.1")
    print("| step | wall time, median (min-max) | peak RSS | what it printed |")
    print("|---|---|---|---|")
    for name, values in results.items():
        print(f"| {name} | {summary(values)} | {memory[name]} MiB | {notes[name][:110]} |")


if __name__ == "__main__":
    main()
