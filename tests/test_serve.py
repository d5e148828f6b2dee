"""Serve mode over real sockets on 127.0.0.1 (ephemeral ports) with real threads: statuses, caching
headers, the secret path, the Host check, slow and numerous clients, feeds swapped during rebuilds,
and the command in a subprocess."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import icalendar
import pytest
from conftest import contact_text

from iinotes import Vault
from iinotes.serve import (
    FeedServer,
    PortInUse,
    Published,
    exposure_warning,
    feed_urls,
    is_loopback,
    load_token,
    serve,
)
from iinotes.watch import Watcher

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)
TOKEN = "test-token-0123456789abcdefABCDEF"
WAIT = 15.0


class Lines(list):  # type: ignore[type-arg]
    def __call__(self, line: str) -> None:
        self.append(line)


def eventually(condition, timeout: float = WAIT) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    """A running FeedServer on an ephemeral port, nothing published yet, 1 s request deadline."""
    made: list[FeedServer] = []

    def start(**options) -> FeedServer:  # type: ignore[no-untyped-def]
        options.setdefault("request_timeout", 1.0)
        running = FeedServer("127.0.0.1", 0, TOKEN, report=Lines(), **options)
        threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        made.append(running)
        return running

    yield start
    for running in made:
        running.shutdown()
        running.server_close()


@pytest.fixture
def live(server, two):  # type: ignore[no-untyped-def]
    """A server fed by a started Watcher on `two` (first build done)."""
    watchers: list[Watcher] = []

    def start(**options) -> tuple[FeedServer, Watcher]:  # type: ignore[no-untyped-def]
        running = server(**options)
        watcher = Watcher(
            Vault(two.root, today=TODAY),
            None,
            report=Lines(),
            debounce=0.05,
            health_interval=0.1,
            on_feed=running.publish,
        )
        watchers.append(watcher)
        watcher.start()
        assert eventually(lambda: running.current is not None)
        return running, watcher

    yield start
    for watcher in watchers:
        watcher.stop()


FEED = f"/{TOKEN}/followups.ics"


def request(
    running: FeedServer,
    path: str = FEED,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    host: str | None = None,
):  # type: ignore[no-untyped-def]
    """(status, headers, body) of one request over a real socket."""
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    try:
        if host is None:
            connection.request(method, path, headers=headers or {})
        else:
            connection.putrequest(method, path, skip_host=True)
            connection.putheader("Host", host)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def events(body: bytes) -> set[str]:
    return {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


# ---------------------------------------------------------------------------- statuses and headers


def test_503_before_the_first_build(server):
    running = server()
    status, headers, body = request(running)
    assert status == 503 and headers["retry-after"] == "5" and b"being built" in body


def test_200_with_caching_headers(live):
    running, _ = live()
    status, headers, body = request(running)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["etag"] == '"' + hashlib.sha256(body).hexdigest() + '"'
    assert headers["cache-control"] == "no-cache"
    assert headers["content-length"] == str(len(body))
    assert dt.datetime.strptime(headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT")
    assert events(body) == {"Follow up with Jane Doe", "Follow up with Bob Roe"}
    assert request(running, FEED + "?x=1")[0] == 200  # calendar apps sometimes add a query


def test_304_on_a_matching_etag(live):
    running, _ = live()
    _, headers, _ = request(running)
    etag = headers["etag"]
    status, again, body = request(running, headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and again["etag"] == etag
    assert request(running, headers={"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert request(running, headers={"If-None-Match": "*"})[0] == 304
    assert request(running, headers={"If-None-Match": '"stale"'})[0] == 200
    assert request(running, headers={"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert request(running, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_the_etag_changes_when_a_note_changes(live, two):
    running, _ = live()
    first = request(running)[1]["etag"]
    (two.root / "contacts/Jane Doe.md").write_text(contact_text("Jane Changed"), encoding="utf-8")
    assert eventually(lambda: request(running)[1]["etag"] != first)
    status, _, body = request(running, headers={"If-None-Match": first})
    assert status == 200 and "Follow up with Jane Changed" in events(body)


def test_head_sends_headers_only(live):
    running, _ = live()
    length = len(request(running)[2])
    status, headers, body = request(running, method="HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(length) and headers["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/followups.ics",
        f"/{TOKEN}",
        f"/{TOKEN}/",
        f"/{TOKEN}/followups.ics/",
        f"/{TOKEN}/other.ics",
        f"/{TOKEN[:-1]}/followups.ics",
        f"/{TOKEN}x/followups.ics",
        "/wrong-token-0123456789abcdef/followups.ics",
        f"/../{TOKEN}/followups.ics",
        f"/{TOKEN}/../{TOKEN}/followups.ics",
        f"/x/../{TOKEN}/followups.ics",
        f"/{TOKEN}/%2e%2e/followups.ics",
        f"/{TOKEN.replace('t', '%74')}/followups.ics",
        "/%00/followups.ics",
        "*",
    ],
)
def test_404_for_any_other_path(live, path):
    running, _ = live()
    status, headers, body = request(running, path)
    assert status == 404 and TOKEN.encode() not in body


def test_404_for_raw_bytes_in_the_path(live):
    running, _ = live()
    for target in (
        b"/\xc3\xa9/followups.ics",
        TOKEN.encode() + b"/followups.ics",
        b"/" + TOKEN.encode() + b"\xff/followups.ics",
    ):
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as client:
            client.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _read_all(client).startswith(b"HTTP/1.1 404 ")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_405_for_other_methods(live, method):
    running, _ = live()
    status, headers, _ = request(running, method=method)
    assert status == 405 and headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example",
        "localhost:1",
        "10.0.0.5:{port}",
        "[::2]:{port}",
        "localhost:{port}x",
    ],
)
def test_400_for_a_foreign_host_header(live, host):
    running, _ = live()
    status, _, body = request(running, host=host.format(port=running.port))
    assert status == 400 and b"Host" in body


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:{port}", "localhost", "LOCALHOST:{port}", "[::1]", "[::1]:{port}"]
)
def test_loopback_host_headers_are_fine(live, host):
    running, _ = live()
    assert request(running, host=host.format(port=running.port))[0] == 200


def test_too_many_or_too_large_headers(live):
    running, _ = live()
    assert request(running, headers={f"X-H{n}": "1" for n in range(101)})[0] == 431
    big = {f"X-H{n}": "x" * 60_000 for n in range(6)}  # each line fine, together over 256 KiB
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as client:
        client.sendall(
            f"GET {FEED} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in big.items())
            + b"\r\n"
        )
        answer = _read_all(client)
    assert answer.startswith(b"HTTP/1.1 431") or answer == b""  # a reset is fine too: nothing was served
    assert request(running)[0] == 200


def _read_all(client: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := client.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


# ---------------------------------------------------------------------------- the token and the logs


def test_token_file_is_private_and_stable(two):
    token = load_token(two.root)
    path = two.root / ".iinotes" / "serve-token"
    assert len(token) >= 32 and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (two.root / ".iinotes" / ".gitignore").exists()
    assert load_token(two.root) == token
    os.chmod(path, 0o644)
    assert load_token(two.root) == token and stat.S_IMODE(path.stat().st_mode) == 0o600
    rotated = load_token(two.root, rotate=True)
    assert rotated != token and load_token(two.root) == rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_logs_never_show_the_token(live):
    running, _ = live()
    request(running)
    request(running, f"/{TOKEN}x/followups.ics")
    request(running, method="POST")
    log = "\n".join(running.report)
    assert TOKEN not in log
    assert '"GET /<token>/followups.ics HTTP/1.1" 200' in log
    assert '"GET /<token>x/followups.ics HTTP/1.1" 404' in log


def test_urls_and_loopback():
    assert feed_urls("127.0.0.1", 8765, TOKEN) == (
        f"http://127.0.0.1:8765/{TOKEN}/followups.ics",
        f"webcal://127.0.0.1:8765/{TOKEN}/followups.ics",
    )
    assert feed_urls("::1", 80, TOKEN)[0] == f"http://[::1]:80/{TOKEN}/followups.ics"
    assert (
        is_loopback("127.0.0.1")
        and is_loopback("localhost")
        and is_loopback("::1")
        and is_loopback("127.0.0.2")
    )
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.com")


def test_a_warning_for_addresses_other_than_loopback():
    assert (
        exposure_warning("127.0.0.1") is None
        and exposure_warning("localhost") is None
        and exposure_warning("::1") is None
    )
    warning = exposure_warning("0.0.0.0")
    assert (
        warning
        and "anyone who can reach this machine" in warning
        and "no TLS" in warning
        and "--rotate-token" in warning
    )


def test_port_in_use_is_a_clear_error(server):
    running = server()
    with pytest.raises(PortInUse) as caught:
        FeedServer("127.0.0.1", running.port, TOKEN)
    assert f"port {running.port} on 127.0.0.1 is already in use" in caught.value.message
    assert "--port" in (caught.value.hint or "") and caught.value.exit_code == 2


# ---------------------------------------------------------------------------- bounds


def test_a_slow_client_is_cut_off_and_blocks_nobody(live):
    running, _ = live()  # 1 s to send a request
    slow = socket.create_connection(("127.0.0.1", running.port), timeout=10)
    stop = threading.Event()
    cut_off: list[float] = []
    started = time.monotonic()

    def trickle() -> None:
        for byte in f"GET {FEED} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {'y' * 100}".encode():
            if stop.is_set():
                return
            try:
                slow.sendall(bytes([byte]))
                time.sleep(0.2)
            except OSError:
                cut_off.append(time.monotonic() - started)
                return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    for _ in range(5):  # others are served at once meanwhile
        began = time.monotonic()
        assert request(running)[0] == 200
        assert time.monotonic() - began < 0.5
    slow.settimeout(WAIT)
    try:
        data = slow.recv(1024)  # the server closes the connection after the deadline, answering nothing
    except ConnectionResetError:
        data = b""
    elapsed = time.monotonic() - started
    stop.set()
    slow.close()
    thread.join(WAIT)
    assert data == b"" and 0.9 <= elapsed < 5
    assert eventually(lambda: running.timeouts == 1)


def test_over_the_connection_cap_the_oldest_idle_connection_makes_room(live):
    running, _ = live(max_connections=2)
    idle = [socket.create_connection(("127.0.0.1", running.port)) for _ in range(2)]
    try:
        time.sleep(0.2)  # both accepted and holding their places, sending nothing
        assert request(running)[0] == 200
        assert running.rejected >= 1
        idle[0].settimeout(WAIT)
        try:
            assert idle[0].recv(1024) == b""  # the oldest was dropped
        except ConnectionResetError:
            pass
    finally:
        for sock in idle:
            sock.close()


def test_50_concurrent_clients_during_rebuilds_get_whole_feeds(live, two):
    running, watcher = live()
    note = two.root / "contacts/Jane Doe.md"
    stop = threading.Event()

    def keep_editing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            extra = "".join(contact_text(f"Extra {n} {k}", number=100 + k) for k in range(1))
            for path, text in (
                (note, contact_text(f"Jane {n}") + "\n" * (n % 3)),
                (two.root / f"contacts/Extra {n % 4}.md", extra),
            ):
                temp = path.with_name(path.name + ".tmp")  # saved whole, as most editors do
                temp.write_text(text, encoding="utf-8")
                os.replace(temp, path)
            time.sleep(0.07)

    editor = threading.Thread(target=keep_editing, daemon=True)
    editor.start()
    failures: list[str] = []
    seen: set[str] = set()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(8):
            try:
                status, headers, body = request(running)
                assert status == 200, status
                assert len(body) == int(headers["content-length"])
                assert headers["etag"] == '"' + hashlib.sha256(body).hexdigest() + '"'
                names = events(body)
                assert (
                    any(name.startswith("Follow up with Jane") for name in names)
                    and "Follow up with Bob Roe" in names
                )
                with lock:
                    seen.add(headers["etag"])
            except Exception as error:  # noqa: BLE001
                with lock:
                    failures.append(repr(error))
            time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(50)]
    before = watcher.rebuilds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    stop.set()
    editor.join(WAIT)
    assert not failures, failures[:5]
    assert watcher.rebuilds > before and len(seen) > 1  # the feed really changed under the clients


def test_published_is_one_immutable_value():
    one = Published.of(b"abc", 0.0)
    assert (
        one.etag == '"' + hashlib.sha256(b"abc").hexdigest() + '"'
        and one.last_modified == "Thu, 01 Jan 1970 00:00:00 GMT"
    )
    with pytest.raises(AttributeError):
        one.data = b"x"  # type: ignore[misc]


# ---------------------------------------------------------------------------- serve() and the command


def test_serve_returns_when_the_vault_is_gone(two, tmp_path):
    import shutil

    from iinotes.watch import VaultGone

    running = FeedServer("127.0.0.1", 0, TOKEN, report=Lines())
    watcher = Watcher(
        Vault(two.root, today=TODAY),
        tmp_path / "feed.ics",
        report=Lines(),
        health_interval=0.1,
        on_feed=running.publish,
    )
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            serve(running, watcher)
        except BaseException as error:  # noqa: BLE001
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert eventually(lambda: running.current is not None)
    assert request(running)[0] == 200
    shutil.rmtree(two.root)
    thread.join(WAIT)
    assert not thread.is_alive() and isinstance(outcome[0], VaultGone)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=1).close()


def test_a_stopped_server_thread_is_restarted(two):
    running = FeedServer("127.0.0.1", 0, TOKEN, report=Lines())
    watcher = Watcher(
        Vault(two.root, today=TODAY), None, report=Lines(), health_interval=0.1, on_feed=running.publish
    )
    thread = threading.Thread(target=serve, args=(running, watcher), daemon=True)
    thread.start()
    try:
        assert eventually(lambda: running.current is not None)
        assert request(running)[0] == 200
        running.shutdown()  # serve_forever returns, as if it had died
        assert eventually(lambda: running.restarts == 1)
        assert "the HTTP server stopped unexpectedly; restarting it" in running.report
        assert request(running)[0] == 200
    finally:
        watcher.stop()
        thread.join(WAIT)
    assert not thread.is_alive()


def test_cli_serve(two):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "iinotes", "--vault", str(two.root), "--today", "2026-11-23", "serve", "--port", "0", "--debounce", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not any("feed written to" in line for line in lines):
            lines.append(process.stdout.readline())
        token = (two.root / ".iinotes" / "serve-token").read_text().strip()
        urls = [line.strip() for line in lines if line.strip().startswith(("http://", "webcal://"))]
        assert (
            len(urls) == 2
            and urls[0].startswith("http://127.0.0.1:")
            and urls[0].endswith(f"/{token}/followups.ics")
        ), lines
        assert urls[1] == "webcal://" + urls[0].removeprefix("http://")
        port = int(urls[0].split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/{token}/followups.ics")
        response = connection.getresponse()
        assert response.status == 200 and events(response.read()) == {
            "Follow up with Jane Doe",
            "Follow up with Bob Roe",
        }
        connection.close()
        lines.append(process.stdout.readline())  # the request's log line
        assert '"GET /<token>/followups.ics HTTP/1.1" 200' in lines[-1]
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()
    rest = process.stdout.read() if process.stdout else ""
    assert "".join(lines + [rest]).count(token) == 2  # only in the two URLs printed at start


def test_cli_serve_port_in_use(two, server):
    running = server()
    result = two.run("serve", "--port", str(running.port))
    assert result.exit_code == 2
    assert f"iinotes: error: port {running.port} on 127.0.0.1 is already in use" in result.output
    assert "hint: choose another port with --port" in result.output


# ---------------------------------------------------------------------------- slow clients (issue 8, item 6)


def _raise_open_files(wanted: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def test_a_normal_client_is_served_within_a_second_while_500_slow_ones_are_open(live):
    _raise_open_files(4096)
    running, _ = live(request_timeout=10.0)
    slow: list[socket.socket] = []
    try:
        for n in range(500):  # each sends part of a request head, then keeps trickling
            sock = socket.create_connection(("127.0.0.1", running.port), timeout=10)
            sock.sendall(b"GET /" + TOKEN.encode() + b"/followups.ics HTTP/1.1\r\nX-Slow-" + str(n).encode())
            slow.append(sock)
        times = []
        for round_ in range(5):
            for sock in slow[round_::5]:
                sock.sendall(b"y")
            began = time.monotonic()
            status, _, body = request(running)
            times.append(time.monotonic() - began)
            assert status == 200 and events(body)
        print(f"normal client with 500 slow connections open: max {max(times) * 1000:.0f} ms")
        assert max(times) < 1.0, times
    finally:
        for sock in slow:
            sock.close()


# ---------------------------------------------------------------------------- what is logged (issue 8, item 7)


def test_control_characters_are_escaped_in_the_log(live):
    running, _ = live()
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as client:
        client.sendall(b"GET /\x07x\x00y\rz\x1b[31m HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_all(client).startswith(b"HTTP/1.1 404 ")
    assert eventually(lambda: any("404" in line for line in running.report))
    line = next(line for line in running.report if "404" in line)
    assert all(char.isprintable() for char in line), repr(line)
    assert '"GET /\\x07x\\x00y\\x0dz\\x1b[31m HTTP/1.1" 404' in line


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET / HTTP/9.9", b"505"),
        (b"GET / HTTP/2.0", b"505"),
        (b"GET /", b"400"),
        (b"GET / FTP/1.0", b"400"),
        (b"GET  / HTTP/1.1", b"400"),
    ],
)
def test_bad_request_lines_get_a_status_line(live, request_line, status):
    running, _ = live()
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as client:
        client.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
        answer = _read_all(client)
    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:80]
    assert b"\r\nContent-Length: " in answer and b"\r\nConnection: close\r\n" in answer


# ---------------------------------------------------------------------------- gzip, proxies


def test_gzip_when_the_client_accepts_it(live):
    import gzip as gzip_module

    running, _ = live()
    plain = request(running)
    status, headers, body = request(running, headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip_module.decompress(body) == plain[2] and headers["etag"] != plain[1]["etag"]
    assert request(running, headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})[0] == 304
    assert "content-encoding" not in request(running, headers={"Accept-Encoding": "gzip;q=0"})[1]


def test_public_urls_answer_the_proxied_host(server, two):
    running = server(public_urls=("https://mybox.tail1234.ts.net", "https://cal.example.org/feeds/"))
    running.publish(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert request(running, host="mybox.tail1234.ts.net")[0] == 200
    assert request(running, host="mybox.tail1234.ts.net:443")[0] == 200
    assert request(running, host="other.tail1234.ts.net")[0] == 400
    assert request(running, f"/feeds/{TOKEN}/followups.ics", host="cal.example.org")[0] == 200
    assert running.public_feed_urls() == [
        f"https://mybox.tail1234.ts.net/{TOKEN}/followups.ics",
        f"https://cal.example.org/feeds/{TOKEN}/followups.ics",
    ]


# ---------------------------------------------------------------------------- the command's options


def test_cli_defaults_agree_with_the_library():
    from iinotes import serve as serve_module
    from iinotes import watch as watch_module
    from iinotes.cli import live

    assert live.DEBOUNCE == watch_module.DEBOUNCE
    assert (live.DEFAULT_HOST, live.DEFAULT_PORT) == (serve_module.DEFAULT_HOST, serve_module.DEFAULT_PORT)


def test_the_cli_imports_no_server_or_watcher_at_start():
    code = "import sys, iinotes.cli; print(sorted(m for m in ('watchdog', 'asyncio', 'caldav', 'segno', 'http.server') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_printed_line_has_its_control_characters_escaped(capsys):
    from iinotes.cli.live import _echo

    _echo("1 note changed (contacts/Evil\x1b[2J\r\x07.md): 1 follow-up")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\x1b" not in out and "\r" not in out
    assert "contacts/Evil\\x1b[2J\\x0d\\x07.md" in out


def _serve_start(two, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "iinotes", "--vault", str(two.root), "--today", "2026-11-23", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and not any("feed written to" in line for line in lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return process, lines


def test_cli_serve_public_url_and_qr_code(two):
    from iinotes.cli.live import qr_code

    process, lines = _serve_start(two, "--public-url", "https://mybox.tail1234.ts.net", "--qr")
    try:
        token = (two.root / ".iinotes" / "serve-token").read_text().strip()
        text = "".join(lines)
        public = f"https://mybox.tail1234.ts.net/{token}/followups.ics"
        assert f"  {public}\n" in text
        assert "scan with your phone to subscribe (mybox.tail1234.ts.net):" in text
        assert qr_code(f"webcal://mybox.tail1234.ts.net/{token}/followups.ics") in text
        port = int(next(line for line in lines if "http://127.0.0.1:" in line).split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("GET", f"/{token}/followups.ics", skip_host=True)
        connection.putheader("Host", "mybox.tail1234.ts.net")  # as tailscale serve forwards it
        connection.endheaders()
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()


def test_cli_serve_on_loopback_explains_why_no_qr_code(two):
    process, lines = _serve_start(two, "--qr")
    try:
        assert any("no QR code: a phone cannot reach 127.0.0.1" in line for line in lines), lines
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()


def test_cli_serve_lan_warning_and_url(two):
    process, lines = _serve_start(two, "--host", "0.0.0.0", "--no-qr")
    try:
        text = "".join(lines)
        assert "warning: listening on 0.0.0.0" in text
        lan = next(line for line in lines if "on your local network, subscribe to webcal://" in line)
        assert "0.0.0.0" not in lan.split("subscribe to ")[1]
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()


def test_cli_publish_option_needs_a_calendar_url(two):
    result = two.run("watch", "--publish")
    assert result.exit_code == 2 and "--publish needs the calendar's URL in iinotes.toml" in result.output
    result = two.run("serve", "--publish", "--port", "0")
    assert result.exit_code == 2 and "--publish needs the calendar's URL" in result.output
