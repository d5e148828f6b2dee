"""Serve mode: the feed over HTTP at one secret URL while a `Watcher` keeps it current.

One route, `/<token>/followups.ics`, GET and HEAD only (gzip when the client accepts it). The
latest feed lives in memory as one immutable `Published` value, swapped by a single assignment
after each rebuild, so a request always sends one whole feed. One asyncio event loop serves every
connection, so slow clients hold sockets, not threads. Bounded on purpose, to be left running for
weeks: at most `max_connections` open (beyond, the oldest still sending its request is dropped),
100 headers of at most 64 KiB each, 256 KiB per request, `request_timeout` seconds to send the
request head (a client trickling bytes is cut off). Loopback only unless told otherwise; a Host
header naming another machine is refused (DNS rebinding) unless a --public-url names it. No TLS:
see docs/watch-and-serve.md. Everything logged has its control characters escaped."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import errno
import gzip
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from . import __version__, cache
from .errors import IinotesError
from .vault import atomic_write
from .watch import Watcher

TOKEN_FILE = "serve-token"
FEED_NAME = "followups.ics"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_CONNECTIONS = 1000  # open at once; beyond, the oldest still sending its request is dropped
REQUEST_TIMEOUT = 10.0  # seconds to receive a whole request (request line and headers)
MAX_REQUEST_BYTES = 256 * 1024  # request line plus headers
MAX_LINE_BYTES = 64 * 1024  # one request or header line
MAX_HEADERS = 100
GZIP_LEVEL = 6
SEND_SLICE = 256 * 1024  # bytes of an answer's body handed to the connection at a time
RETRY_AFTER = 5  # seconds, told to clients that come before the first build
CONTENT_TYPE = "text/calendar; charset=utf-8"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,}")
_WILDCARDS = ("0.0.0.0", "::", "")

SERVER_NAME = f"iinotes/{__version__}"

Report = Callable[[str], None]


class ServeError(IinotesError):
    """The server cannot start (address not available, permission denied, ...)."""

    exit_code = 2


class PortInUse(ServeError):
    """Another program already listens on the port asked for."""

    exit_code = 2


@dataclass(frozen=True)
class Published:
    """One built feed as served: its bytes, strong ETag, HTTP date of the build and the build time;
    its gzip form is made once, by the first request that accepts it."""

    data: bytes
    etag: str
    last_modified: str
    built: float
    _gzip: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of(cls, data: bytes, built: float) -> Published:
        return cls(
            data,
            '"' + hashlib.sha256(data).hexdigest() + '"',
            email.utils.formatdate(built, usegmt=True),
            built,
        )

    @property
    def gzip_etag(self) -> str:
        """The strong ETag of the gzip form (another representation: another tag)."""
        return self.etag[:-1] + '-gzip"'

    def gzipped(self) -> bytes:
        if not self._gzip:
            self._gzip.append(gzip.compress(self.data, GZIP_LEVEL, mtime=0))
        return self._gzip[0]


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


# ---------------------------------------------------------------------------- requests and answers


@dataclass(frozen=True)
class Request:
    """A request head as parsed: method, target, version, headers (lower-case names), the line."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    line: str


@dataclass(frozen=True)
class Answer:
    """What to send back: the status, its headers and body, and the size to log."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def head(self) -> bytes:
        reason = HTTPStatus(self.status).phrase
        head = [f"HTTP/1.1 {self.status} {reason}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")

    def encode(self) -> bytes:
        return self.head() + self.body

    async def send(self, writer: asyncio.StreamWriter) -> None:
        """Write the answer, the body a slice at a time: the feed (10 MB at 20,000 notes) is never
        copied into one message with the head, nor whole into the connection's buffer."""
        writer.write(self.head())
        body = memoryview(self.body)
        for start in range(0, len(body), SEND_SLICE):
            writer.write(body[start : start + SEND_SLICE])
            await writer.drain()
        await writer.drain()


class BadRequest(Exception):
    """A request head iinotes will not parse: carries the status (400, 431, 505) and why."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


_VERSION = re.compile(r"HTTP/(\d)\.(\d)")


def parse_head(head: bytes) -> Request:
    """The request line and headers of `head` (up to the empty line); BadRequest when malformed,
    too large (431) or of an HTTP version other than 1.x (505)."""
    lines = head.split(b"\r\n")
    while lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise BadRequest(400, "empty request")
    line = lines[0].decode("latin-1")
    if len(lines[0]) > MAX_LINE_BYTES:
        raise BadRequest(431, "request line too long")
    parts = line.split(" ")
    if len(parts) != 3 or not all(parts):
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    match = _VERSION.fullmatch(version)
    if not match:
        raise BadRequest(400, "bad HTTP version")
    if match.group(1) != "1":
        raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are supported")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(431, "too many header fields")
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        if len(raw) > MAX_LINE_BYTES:
            raise BadRequest(431, "header field too large")
        name, colon, value = raw.decode("latin-1").partition(":")
        if not colon or not name or name != name.strip() or name[0] in " \t":
            raise BadRequest(400, "malformed header field")
        key = name.lower()
        if key == "host" and key in headers:
            raise BadRequest(400, "more than one Host header")
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return Request(method, target, version, headers, line)


def printable(text: str) -> str:
    """`text` with control characters (CR, LF, BEL, NUL, ESC, DEL...) and backslashes escaped, so a
    line logged is one line and shows what was sent."""
    return "".join(
        char
        if char.isprintable() and char != "\\"
        else ("\\\\" if char == "\\" else f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")
        for char in text
    )


def accepts_gzip(value: str | None) -> bool:
    """True when an Accept-Encoding header allows gzip (and does not give it q=0)."""
    for item in (value or "").lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            q = params.replace(" ", "").removeprefix("q=")
            try:
                return not params or float(q) > 0
            except ValueError:
                return False
    return False


# ---------------------------------------------------------------------------- the server


class FeedServer:
    """The feed over HTTP, one event loop for every connection (asyncio, in the thread running
    `serve_forever`): a client that sends its request slowly, or reads the answer slowly, only
    holds a socket, never a thread, so a normal client is answered at once while hundreds of slow
    ones are open. Each connection has `request_timeout` seconds to send its request head; at most
    `max_connections` are open (beyond, the oldest one still sending its head is dropped);
    `publish()` swaps in a new feed atomically."""

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
        public_urls: tuple[str, ...] = (),
    ) -> None:
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ServeError("the feed token must be at least 16 URL-safe characters")
        self.token = token
        self.report = report
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        self.log_requests = log_requests
        self.public_urls = tuple(check_public_url(url) for url in public_urls)
        self.current: Published | None = None
        self.rejected = 0
        self.timeouts = 0
        self.restarts = 0
        self.served = 0
        self._reading: dict[asyncio.StreamWriter, float] = {}  # connections still sending their head
        self._open = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._state_lock = threading.Lock()  # guards _loop, _stop and _stop_early
        self._stop_early = False
        _raise_file_limit(max_connections * 2 + 64)
        try:
            self.socket = socket.create_server(
                (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET, backlog=512
            )
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
        self.port = int(self.socket.getsockname()[1])
        self._allowed = self._allowed_names()
        self._prefixes = {""} | {urlsplit(url).path.rstrip("/") for url in self.public_urls}

    # -- what is served

    def publish(self, data: bytes, built: float | None = None) -> None:
        """Serve `data` from now on (one reference assignment: requests see the old or new feed, whole)."""
        self.current = Published.of(data, time.time() if built is None else built)

    def urls(self) -> tuple[str, str]:
        """The http:// and webcal:// URLs of the feed (they contain the token)."""
        return feed_urls(self.host, self.port, self.token)

    def public_feed_urls(self) -> list[str]:
        """The feed's URL under each --public-url."""
        return [f"{url.rstrip('/')}/{self.token}/{FEED_NAME}" for url in self.public_urls]

    # -- the Host check

    def _allowed_names(self) -> set[tuple[str, str | None]]:
        names = {"localhost", "127.0.0.1", "[::1]", url_host(self.host).lower()}
        if self.host in _WILDCARDS:
            hostname = socket.gethostname().lower()
            names |= {hostname, hostname.split(".")[0] + ".local", socket.getfqdn().lower()}
        allowed: set[tuple[str, str | None]] = {
            (name, port) for name in names for port in (None, str(self.port))
        }
        for url in self.public_urls:  # what a proxy or tunnel forwards: its name, with or without a port
            parts = urlsplit(url)
            name = url_host(parts.hostname or "").lower()
            default = "443" if parts.scheme == "https" else "80"
            allowed |= {(name, None), (name, str(parts.port or default)), (name, str(self.port))}
        return allowed

    def host_allowed(self, value: str) -> bool:
        """True when the Host header names this server: the bound host, localhost, 127.0.0.1 or [::1]
        (with or without the port), the host of a --public-url; when bound to all interfaces, also
        any IP address and this machine's host name. Anything else may be a DNS-rebinding attack."""
        name, port = _split_host(value)
        if (name, port) in self._allowed:
            return True
        if self.host in _WILDCARDS and (port is None or port == str(self.port)):
            try:
                ipaddress.ip_address(name.strip("[]"))
                return True
            except ValueError:
                return False
        return False

    # -- answering

    def answer(self, request: Request) -> Answer:
        """The answer to one parsed request (pure but for reading `current`)."""
        host = request.headers.get("host")
        if host is not None and not self.host_allowed(host):
            return _text(400, "unexpected Host header: use the address iinotes printed at start\n")
        if request.method not in ("GET", "HEAD"):
            return _text(405, "only GET and HEAD are allowed\n", ("Allow", "GET, HEAD"))
        body = request.method == "GET"
        if not self._token_path(request.target):
            return _text(404, "not found\n", body=body)
        current = self.current
        if current is None:
            return _text(
                503,
                "the feed is being built; try again in a few seconds\n",
                ("Retry-After", str(RETRY_AFTER)),
                body=body,
            )
        gzip_it = accepts_gzip(request.headers.get("accept-encoding"))
        etag = current.gzip_etag if gzip_it else current.etag
        common = (
            ("ETag", etag),
            ("Last-Modified", current.last_modified),
            ("Cache-Control", "no-cache"),
            ("Vary", "Accept-Encoding"),
        )
        if _not_modified(request, current):
            return Answer(304, (*self._server_headers(), *common, ("Connection", "close")))
        data = current.gzipped() if gzip_it else current.data
        headers = (
            *self._server_headers(),
            ("Content-Type", CONTENT_TYPE),
            *((("Content-Encoding", "gzip"),) if gzip_it else ()),
            ("Content-Length", str(len(data))),
            *common,
            ("X-Content-Type-Options", "nosniff"),
            ("Connection", "close"),
        )
        return Answer(200, headers, data if body else b"")

    def _server_headers(self) -> tuple[tuple[str, str], ...]:
        return (("Server", SERVER_NAME), ("Date", email.utils.formatdate(usegmt=True)))

    def _token_path(self, target: str) -> bool:
        path = target.split("?", 1)[0].split("#", 1)[0]
        for prefix in self._prefixes:
            if prefix and not path.startswith(prefix + "/"):
                continue
            parts = path[len(prefix) :].split("/")
            if len(parts) == 3 and parts[0] == "" and parts[2] == FEED_NAME:
                if hmac.compare_digest(parts[1].encode("latin-1"), self.token.encode("ascii")):
                    return True
        return False

    # -- the event loop

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until `shutdown()` (blocks; run it in a thread). Returns at once when
        `shutdown()` came first or the socket is closed."""
        loop = asyncio.new_event_loop()
        try:
            with self._state_lock:
                if self._stop_early or self.socket.fileno() < 0:
                    self._stop_early = False
                    return
                self._loop, self._stop = loop, asyncio.Event()
            loop.run_until_complete(self._serve(self._stop))
        finally:
            with self._state_lock:
                self._loop = None
            loop.close()

    async def _serve(self, stop: asyncio.Event) -> None:
        server = await asyncio.start_server(self._connection, sock=self.socket.dup(), limit=MAX_REQUEST_BYTES)
        try:
            await stop.wait()
        finally:
            server.close()
            for writer in list(self._reading):
                writer.transport.abort()

    def shutdown(self) -> None:
        """Stop `serve_forever` (from another thread) and wait until it returned; if it has not
        started yet, it returns as soon as it does."""
        with self._state_lock:
            loop, stop = self._loop, self._stop
            if loop is None or stop is None:
                self._stop_early = True
                return
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        deadline = time.monotonic() + 5
        while self._loop is loop and time.monotonic() < deadline:
            time.sleep(0.01)

    def server_close(self) -> None:
        """Close the listening socket."""
        self.socket.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if peer else "-"
        if self._open >= self.max_connections and not self._drop_oldest_reader():
            self.rejected += 1
            writer.write(_text(503, "too many connections\n", ("Retry-After", "1")).encode())
            _close(writer)
            return
        self._open += 1
        self._reading[writer] = time.monotonic()
        try:
            await self._exchange(reader, writer, address)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or was too slow: nothing to report
        except Exception as error:  # noqa: BLE001 - one bad connection never stops the server
            self.report(printable(f"error answering {address}: {error!r}".replace(self.token, "<token>")))
        finally:
            self._reading.pop(writer, None)
            self._open -= 1
            _close(writer)

    def _drop_oldest_reader(self) -> bool:
        """Close the connection that has been sending its request head the longest; False if none."""
        if not self._reading:
            return False
        oldest = min(self._reading, key=self._reading.__getitem__)
        del self._reading[oldest]
        oldest.transport.abort()
        self.rejected += 1
        return True

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: str
    ) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.request_timeout)
        except TimeoutError:
            self.timeouts += 1
            return
        except asyncio.LimitOverrunError:
            answer, line = _text(431, "request header fields too large\n"), "-"
        else:
            self._reading.pop(writer, None)
            try:
                request = parse_head(head)
                current = self.current
                if (
                    current is not None
                    and not current._gzip
                    and accepts_gzip(request.headers.get("accept-encoding"))
                ):
                    await asyncio.get_running_loop().run_in_executor(None, current.gzipped)  # off the loop
                answer, line = self.answer(request), request.line
            except BadRequest as error:
                answer, line = (
                    _text(error.status, error.text + "\n"),
                    head.split(b"\r\n", 1)[0].decode("latin-1"),
                )
        self._reading.pop(writer, None)
        # the whole answer must be taken in time: allow a slow phone link 64 KiB/s on top of the deadline
        await asyncio.wait_for(answer.send(writer), self.request_timeout + len(answer.body) / 65536)
        self.served += 1
        self.log(f'{address} "{line}" {answer.status} {len(answer.body) or "-"}')

    # -- logging, with the token never shown and control characters escaped

    def log(self, line: str) -> None:
        if self.log_requests:
            self.report(printable(line.replace(self.token, "<token>")))


def _close(writer: asyncio.StreamWriter) -> None:
    """Close a connection: at once (a reset) when what was written cannot all be sent."""
    if writer.transport.get_write_buffer_size():
        writer.transport.abort()
    else:
        writer.close()


def _text(status: int, text: str, *headers: tuple[str, str], body: bool = True) -> Answer:
    data = text.encode("utf-8")
    return Answer(
        status,
        (
            ("Server", SERVER_NAME),
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(data))),
            *headers,
            ("Connection", "close"),
        ),
        data if body else b"",
    )


def _not_modified(request: Request, current: Published) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or current.etag in tags or current.gzip_etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(current.built) <= when
    return False


def _raise_file_limit(wanted: int) -> None:
    """Allow this process `wanted` open files if the hard limit does (each connection is one)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(
                resource.RLIMIT_NOFILE,
                (min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted, hard),
            )
    except (ImportError, ValueError, OSError):
        pass


def check_public_url(url: str) -> str:
    """A --public-url checked: http(s), a host, no query."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ServeError(
            f"not a public URL: {url!r}",
            "give the address clients use, e.g. --public-url https://mybox.tailnet.ts.net",
        )
    return url


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
