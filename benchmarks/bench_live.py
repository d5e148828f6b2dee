"""How live is the live feed? Save-to-served latency and feed requests per second with `iinotes serve`'s
Watcher and FeedServer, in process, over real sockets.

    python benchmarks/bench_live.py [--notes 20000] [--edits 50] [--clients 50] [--seconds 5]
                                    [--poll] [--keep DIR]

A vault of about --notes notes is generated (benchmarks/generate_vault.py, mtimes frozen in the past), a
FeedServer on 127.0.0.1 (ephemeral port) is fed by a Watcher with the default debounce, and then:

  first build   time from start until the first feed is served (reads every note, or the parse cache)
  latency       --edits times: one contact note (of --edits added to the vault) is saved (written to a
                temp file and renamed over, as most editors do) with a new follow-up; the endpoint is
                polled every 5 ms with the last ETag until a new feed is served; p50 / p95 / max of
                save-to-served, and the Watcher's own rebuild time (read changed notes, index, render,
                write) from its report line
  throughput    --clients threads in a separate process, each GETting the feed (whole body, one
                connection per request) for --seconds; requests/s and bytes/s

  throughput 304  the same with If-None-Match: the ETag, answered 304 Not Modified (how calendar apps poll)

The latency includes the debounce (--debounce, default as in `iinotes watch`). Figures are printed;
nothing is asserted (see docs/watch-and-serve.md for measured figures).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import re
import statistics
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `iinotes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import BENCH_TODAY, environment, log, prepare_vault, workdir  # noqa: E402
from benchmarks.generate_vault import generate  # noqa: E402, F401 - prepare_vault uses it
from iinotes import Vault  # noqa: E402
from iinotes.serve import FeedServer  # noqa: E402
from iinotes.watch import DEBOUNCE, Watcher, default_output  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
PATH = f"/{TOKEN}/followups.ics"


def fetch(port: int, etag: str | None = None) -> tuple[int, str, int]:
    """(status, ETag, body length) of one GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", PATH, headers={"If-None-Match": etag} if etag else {})
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("ETag") or "", len(body)
    finally:
        connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def edit(path: Path, n: int) -> None:
    """Give the contact a manual follow-up at a time no other edit used, saved through a temp file."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^follow_up:.*\n", "", text)
    day = BENCH_TODAY.toordinal() + 2 + n % 5
    when = f"{type(BENCH_TODAY).fromordinal(day).isoformat()}T{8 + n // 60 % 10:02d}:{n % 60:02d}"
    text = text.replace("type: contact\n", f"type: contact\nfollow_up: {when}\n", 1)
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)


def measure_latency(
    root: Path, port: int, watcher: Watcher, lines: list[str], edits: int
) -> tuple[list[float], list[float], int]:
    contacts = [root / "contacts" / f"Bench Edit {n:03}.md" for n in range(edits)]
    latencies: list[float] = []
    rebuilds: list[float] = []
    missed = 0
    for n, path in enumerate(contacts):
        _, etag, _ = fetch(port)
        seen = len(lines)
        started = time.perf_counter()
        edit(path, n)
        deadline = started + 10
        while time.perf_counter() < deadline:
            status, new, _ = fetch(port, etag)
            if status == 200 and new != etag:
                latencies.append(time.perf_counter() - started)
                break
            time.sleep(0.005)
        else:
            missed += 1

        def reported(count: int = seen) -> bool:
            return len(lines) > count

        watcher.wait_for(reported, timeout=5)
        for line in lines[seen:]:
            found = re.search(r"\(([0-9.]+) s\)$", line)
            if found and "changed" in line:
                rebuilds.append(float(found.group(1)))
        time.sleep(0.2)  # separate the edits: each is its own burst
    return latencies, rebuilds, missed


def _client_process(
    port: int, clients: int, seconds: float, results: multiprocessing.Queue, etag: str | None = None
) -> None:  # type: ignore[type-arg]
    counts = [0] * clients
    sizes = [0] * clients
    errors = [0] * clients
    start = threading.Event()
    end_at = [0.0]

    def client(i: int) -> None:
        start.wait()
        while time.perf_counter() < end_at[0]:
            try:
                status, _, size = fetch(port, etag)
                if status == (304 if etag else 200):
                    counts[i] += 1
                    sizes[i] += size
                else:
                    errors[i] += 1
            except OSError:
                errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    end_at[0] = began + seconds
    start.set()
    for thread in threads:
        thread.join()
    results.put((sum(counts), sum(sizes), sum(errors), time.perf_counter() - began))


def measure_throughput(
    port: int, clients: int, seconds: float, etag: str | None = None
) -> tuple[int, int, int, float]:
    """Requests/s of whole-body GETs, or with `etag` of conditional GETs answered 304 (what calendar
    apps polling an unchanged feed send)."""
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(target=_client_process, args=(port, clients, seconds, results, etag))
    process.start()
    outcome = results.get(timeout=seconds + 120)
    process.join(30)
    return outcome  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=20_000, help="vault size in notes (default 20000)")
    parser.add_argument("--edits", type=int, default=50, help="edits timed for latency (default 50)")
    parser.add_argument(
        "--clients", type=int, default=50, help="concurrent clients for throughput (default 50)"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="how long the throughput run lasts (default 5)"
    )
    parser.add_argument(
        "--debounce", type=float, default=DEBOUNCE, help=f"the Watcher's debounce (default {DEBOUNCE})"
    )
    parser.add_argument("--poll", action="store_true", help="poll instead of file events")
    parser.add_argument("--keep", metavar="DIR", help="generate the vault into DIR/vault-<size> and keep it")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with workdir(args.keep) as base:
        log(f"generating a vault of about {args.notes:,} notes ...")
        prepared = prepare_vault(base / f"vault-{args.notes}", args.notes, args.seed)
        log(f"  {prepared.notes:,} notes in {prepared.generate_seconds:.1f} s")
        for n in range(
            args.edits
        ):  # contacts with no history: a follow-up added to one always shows in the feed
            (prepared.root / "contacts" / f"Bench Edit {n:03}.md").write_text(
                f"---\ntype: contact\nid: c-be{n:06x}\nname: Bench Edit {n:03}\n---\nA contact the benchmark "
                "edits.\n",
                encoding="utf-8",
            )
        lines: list[str] = []
        server = FeedServer("127.0.0.1", 0, TOKEN, report=lines.append, log_requests=False)
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        started = time.perf_counter()
        watcher = Watcher(
            Vault(prepared.root, today=BENCH_TODAY),
            default_output(prepared.root),
            poll=args.poll,
            debounce=args.debounce,
            report=lines.append,
            on_feed=server.publish,
        )
        watcher.start()
        try:
            watcher.wait_for(lambda: server.current is not None, timeout=600)
            first = time.perf_counter() - started
            feed_bytes = len(server.current.data) if server.current else 0
            log(f"first build {first:.2f} s; feed {feed_bytes:,} bytes; timing {args.edits} edits ...")
            latencies, rebuilds, missed = measure_latency(
                prepared.root, server.port, watcher, lines, args.edits
            )
            log(f"throughput: {args.clients} clients for {args.seconds:g} s ...")
            requests, sent, errors, elapsed = measure_throughput(server.port, args.clients, args.seconds)
            etag = fetch(server.port)[1]
            log(f"throughput of conditional GETs (304): {args.clients} clients for {args.seconds:g} s ...")
            requests304, _, errors304, elapsed304 = measure_throughput(
                server.port, args.clients, args.seconds, etag
            )
        finally:
            watcher.stop()
            server.shutdown()
            server.server_close()

    env = environment()
    print(
        f"iinotes live feed, {prepared.notes:,} notes ({env['python']} on {env['system']} {env['machine']}, "
        f"{env['cpus']} CPUs, {env['when']})"
    )
    print(
        f"  watching with   {'polling' if watcher.polling else 'file events'}, debounce {args.debounce:g} s"
    )
    print(f"  first build     {first:.2f} s   (feed {feed_bytes:,} bytes)")
    if latencies:
        print(
            f"  save-to-served  p50 {statistics.median(latencies) * 1000:.0f} ms   p95 "
            f"{percentile(latencies, 0.95) * 1000:.0f} ms   "
            f"max {max(latencies) * 1000:.0f} ms   over {len(latencies)} edits"
            + (f" ({missed} never showed up)" if missed else "")
        )
    if rebuilds:
        print(
            f"  rebuild         p50 {statistics.median(rebuilds) * 1000:.0f} ms   p95 "
            f"{percentile(rebuilds, 0.95) * 1000:.0f} ms   (of which none is debounce)"
        )
    print(
        f"  throughput      {requests / elapsed:,.0f} requests/s   {sent / elapsed / 1e6:,.1f} MB/s   "
        f"{args.clients} clients, "
        f"{elapsed:.1f} s, {errors} errors"
    )
    print(
        f"  throughput 304  {requests304 / elapsed304:,.0f} requests/s   conditional GETs (If-None-Match), "
        f"{args.clients} clients, "
        f"{elapsed304:.1f} s, {errors304} errors"
    )


if __name__ == "__main__":
    main()
