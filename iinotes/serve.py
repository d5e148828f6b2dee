"""Serve mode: the feed over HTTP at one secret URL while a `Watcher` keeps it current.

One route, `/<token>/followups.ics`, GET and HEAD only. The latest feed lives in memory as one
immutable `Published` value, swapped by a single assignment after each rebuild, so a request
always sends one whole feed. Bounded on purpose, to be left running for weeks: at most
`max_connections` requests at once (more are answered 503 and closed), 100 headers of at most
64 KiB each, 256 KiB per request, and `request_timeout` seconds to send the whole request (a
client trickling bytes is cut off). Loopback only unless told otherwise; a Host header naming
another machine is refused (DNS rebinding). No TLS: see docs/watch-and-serve.md."""

from __future__ import annotations

import email.utils
import errno
import hashlib
import hmac
import io
import ipaddress
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import __version__, cache
from .errors import IinotesError
from .vault import atomic_write
from .watch import Watcher

TOKEN_FILE = "serve-token"
FEED_NAME = "followups.ics"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_CONNECTIONS = 64
REQUEST_TIMEOUT = 10.0  # seconds to receive a whole request (request line and headers)
MAX_REQUEST_BYTES = 256 * 1024  # request line plus headers; http.server already caps each line at 64 KiB
RETRY_AFTER = 5  # seconds, told to clients that come before the first build
CONTENT_TYPE = "text/calendar; charset=utf-8"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,}")
_WILDCARDS = ("0.0.0.0", "::", "")

Report = Callable[[str], None]


class ServeError(IinotesError):
    """The server cannot start (address not available, permission denied, ...)."""

    exit_code = 2


class PortInUse(ServeError):
    """Another program already listens on the port asked for."""

    exit_code = 2


@dataclass(frozen=True)
class Published:
    """One built feed as served: its bytes, strong ETag, HTTP date of the build and the build time."""

    data: bytes
    etag: str
    last_modified: str
    built: float

    @classmethod
    def of(cls, data: bytes, built: float) -> Published:
        return cls(
            data,
            '"' + hashlib.sha256(data).hexdigest() + '"',
            email.utils.formatdate(built, usegmt=True),
            built,
        )


# ---------------------------------------------------------------------------- the token


def load_token(root: Path, rotate: bool = False) -> str:
    """The secret path segment, kept in `<vault>/.iinotes/serve-token` (mode 0600); made on first use
    or when `rotate` is true (which makes old URLs stop working)."""
    path = cache.state_dir(root) / TOKEN_FILE
    if not rotate:
        try:
            token = path.read_text(encoding="ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            token = ""
        if _TOKEN_SHAPE.fullmatch(token):
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
            return token
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)  # atomic_write keeps the mode of the file it replaces
    os.close(fd)
    os.chmod(path, 0o600)
    atomic_write(path, (token + "\n").encode("ascii"))
    return token


# ---------------------------------------------------------------------------- addresses


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """`host` as written in a URL: IPv6 addresses in brackets; a wildcard becomes this machine's
    address on the local network (best guess)."""
    if host in _WILDCARDS:
        host = _lan_address(ipv6=host == "::")
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _lan_address(ipv6: bool = False) -> str:
    """The address other machines on the network most likely reach this one at (no packet is sent)."""
    family, probe = (socket.AF_INET6, ("2001:db8::1", 80)) if ipv6 else (socket.AF_INET, ("192.0.2.1", 80))
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe_socket:
            probe_socket.connect(probe)
            return str(probe_socket.getsockname()[0])
    except OSError:
        return socket.gethostname()


def feed_urls(host: str, port: int, token: str) -> tuple[str, str]:
    """The ready-to-paste http:// and webcal:// URLs of the feed."""
    where = f"{url_host(host)}:{port}/{token}/{FEED_NAME}"
    return f"http://{where}", f"webcal://{where}"


def _split_host(value: str) -> tuple[str, str | None]:
    """`host[:port]` or `[v6][:port]` -> (host in lower case, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, None
        rest = value[end + 1 :]
        return value[: end + 1], (rest[1:] if rest.startswith(":") else None if not rest else "?")
    if value.count(":") == 1:
        name, port = value.split(":")
        return name, port
    return value, None


# ---------------------------------------------------------------------------- the server


class _RequestTooLarge(Exception):
    """The request line and headers together exceed MAX_REQUEST_BYTES."""


class _DeadlineReader(io.RawIOBase):
    """Socket reads that fail with TimeoutError once the request's deadline has passed (a per-recv
    timeout alone would let a client sending one byte at a time hold a thread forever)."""

    def __init__(
        self, sock: socket.socket, deadline: float, limit: int, on_timeout: Callable[[], None]
    ) -> None:
        self.sock = sock
        self.deadline = deadline
        self.left = limit
        self.on_timeout = on_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.on_timeout()
            raise TimeoutError("the request was not received in time")
        if self.left <= 0:
            raise _RequestTooLarge
        self.sock.settimeout(remaining)
        try:
            view = memoryview(buffer)[: self.left]
            count = self.sock.recv_into(view)
        except TimeoutError:
            self.on_timeout()
            raise
        self.left -= count
        return count


class FeedHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD of `/<token>/followups.ics`; everything else is an error status."""

    server: FeedServer
    protocol_version = "HTTP/1.1"
    server_version = f"iinotes/{__version__}"

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by a reader that enforces the deadline and the size limit
        deadline = time.monotonic() + self.server.request_timeout
        self.rfile = io.BufferedReader(
            _DeadlineReader(self.connection, deadline, MAX_REQUEST_BYTES, self.server._timed_out)
        )

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _RequestTooLarge:
            self.close_connection = True
            self._reply(431, "request header fields too large\n")
        self.close_connection = True  # one request per connection: nothing idles holding a slot

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        self.connection.settimeout(self.server.request_timeout)  # for writing the answer
        self.close_connection = True
        host = self.headers.get("Host")
        if host is not None and not self.server.host_allowed(host):
            self._reply(400, "unexpected Host header: use the address iinotes printed at start\n")
            return False
        if self.command not in ("GET", "HEAD"):
            self._reply(405, "only GET and HEAD are allowed\n", {"Allow": "GET, HEAD"})
            return False
        return True

    def do_GET(self) -> None:
        self._feed(body=True)

    def do_HEAD(self) -> None:
        self._feed(body=False)

    def _feed(self, body: bool) -> None:
        if not self._token_path():
            self._reply(404, "not found\n", body=body)
            return
        current = self.server.current
        if current is None:
            self._reply(
                503,
                "the feed is being built; try again in a few seconds\n",
                {"Retry-After": str(RETRY_AFTER)},
                body=body,
            )
            return
        headers = {"ETag": current.etag, "Last-Modified": current.last_modified, "Cache-Control": "no-cache"}
        if self._not_modified(current):
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(current.data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            # sendall's timeout covers the whole body: allow a slow phone link 64 KiB/s on top of the deadline
            self.connection.settimeout(self.server.request_timeout + len(current.data) / 65536)
            self.wfile.write(current.data)

    def _token_path(self) -> bool:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        parts = path.split("/")
        if len(parts) != 3 or parts[0] != "" or parts[2] != FEED_NAME:
            return False
        return hmac.compare_digest(parts[1].encode("latin-1"), self.server.token.encode("ascii"))

    def _not_modified(self, current: Published) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
            return "*" in tags or current.etag in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                when = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return int(current.built) <= when
        return False

    def _reply(
        self, status: int, text: str, headers: dict[str, str] | None = None, body: bool = True
    ) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        self.server.log(f"{self.client_address[0]} {format % args}")


class FeedServer(ThreadingHTTPServer):
    """A bounded ThreadingHTTPServer for the feed; `publish()` swaps in a new feed atomically."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        token: str = "",
        *,
        report: Report = print,
        max_connections: int = MAX_CONNECTIONS,
        request_timeout: float = REQUEST_TIMEOUT,
        log_requests: bool = True,
    ) -> None:
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ServeError("the feed token must be at least 16 URL-safe characters")
        self.token = token
        self.report = report
        self.request_timeout = request_timeout
        self.log_requests = log_requests
        self.current: Published | None = None
        self.rejected = 0
        self.timeouts = 0
        self.restarts = 0
        self._slots = threading.BoundedSemaphore(max_connections)
        self._count_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host, port), FeedHandler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} on {host} is already in use (another iinotes serve?)",
                    "choose another port with --port, or stop the program using it",
                ) from None
            if error.errno in (errno.EACCES, errno.EPERM):
                raise ServeError(
                    f"not allowed to listen on port {port} of {host}",
                    "ports below 1024 need privileges: choose one above with --port",
                ) from None
            raise ServeError(
                f"cannot listen on {host} port {port}: {error.strerror or error}",
                "check --host: it must be an address of this machine",
            ) from None
        self.host = host
        self.port = int(self.server_address[1])
        self._allowed = self._allowed_names()

    # -- what is served

    def publish(self, data: bytes, built: float | None = None) -> None:
        """Serve `data` from now on (one reference assignment: requests see the old or new feed, whole)."""
        self.current = Published.of(data, time.time() if built is None else built)

    def urls(self) -> tuple[str, str]:
        """The http:// and webcal:// URLs of the feed (they contain the token)."""
        return feed_urls(self.host, self.port, self.token)

    # -- the Host check

    def _allowed_names(self) -> set[str]:
        names = {"localhost", "127.0.0.1", "[::1]", url_host(self.host).lower()}
        if self.host in _WILDCARDS:
            hostname = socket.gethostname().lower()
            names |= {hostname, hostname.split(".")[0] + ".local", socket.getfqdn().lower()}
        return names

    def host_allowed(self, value: str) -> bool:
        """True when the Host header names this server: the bound host, localhost, 127.0.0.1 or [::1]
        (with or without the port); when bound to all interfaces, also any IP address and this
        machine's host name. Anything else may be a DNS-rebinding attack from a web page."""
        name, port = _split_host(value)
        if port is not None and port != str(self.port):
            return False
        if name in self._allowed:
            return True
        if self.host in _WILDCARDS:
            try:
                ipaddress.ip_address(name.strip("[]"))
                return True
            except ValueError:
                return False
        return False

    # -- bounds

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with self._count_lock:
                self.rejected += 1
            try:
                request.setblocking(False)
                request.send(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
                    b"charset=utf-8\r\nContent-Length: 21\r\n"
                    b"Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n"
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _timed_out(self) -> None:
        with self._count_lock:
            self.timeouts += 1

    # -- logging, with the token never shown

    def log(self, line: str) -> None:
        if self.log_requests:
            self.report(line.replace(self.token, "<token>"))

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away or was too slow: nothing to report
        self.report(f"error answering {client_address[0]}: {error!r}".replace(self.token, "<token>"))


# ---------------------------------------------------------------------------- running both


def exposure_warning(host: str) -> str | None:
    """What to tell someone listening on `host`, or None when it is loopback."""
    if is_loopback(host):
        return None
    return (
        f"warning: listening on {host}, not only on this computer: anyone who can reach this machine and "
        "learns "
        "the URL can read your follow-ups (names, companies, dates). There is no TLS: on networks you do not "
        "trust, use a tunnel or a reverse proxy instead. Keep the URL secret; --rotate-token makes a new one."
    )


class _ServerThread:
    """Runs `server.serve_forever` in a thread, and starts it again if it ever stops on its own."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.thread: threading.Thread | None = None
        self.stopping = False

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.5}, name="iinotes-serve", daemon=True
        )
        self.thread.start()

    def check(self) -> None:
        if not self.stopping and self.thread is not None and not self.thread.is_alive():
            self.server.restarts += 1
            self.server.report("the HTTP server stopped unexpectedly; restarting it")
            self.start()

    def stop(self) -> None:
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def serve(server: FeedServer, watcher: Watcher) -> None:
    """Answer requests in a thread while `watcher` runs in this one; returns on Ctrl-C, raises
    VaultGone when the vault folder disappears. The watcher's health check restarts the server's
    thread if it stops; the server is closed when this returns."""
    running = _ServerThread(server)
    running.start()
    watcher.health_checks.append(running.check)
    try:
        watcher.run_forever()
    finally:
        running.stop()
