"""A real CalDAV server for the tests (Radicale on 127.0.0.1 with a password file) and an
independent reader of it (plain http.client + icalendar, nothing from the `caldav` library)."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest

USER, PASSWORD = "alice", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Radicale:
    """Radicale in a subprocess, storing in `folder`, users from a plain password file."""

    def __init__(self, folder: Path) -> None:
        pytest.importorskip("radicale")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "users").write_text(f"{USER}:{PASSWORD}\nbob:bobpass\n", encoding="utf-8")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--config",
                "",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--auth-type",
                "htpasswd",
                "--auth-htpasswd-filename",
                str(self.folder / "users"),
                "--auth-htpasswd-encryption",
                "plain",
                "--storage-filesystem-folder",
                str(self.folder / "collections"),
                "--rights-type",
                "owner_only",
                "--logging-level",
                "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def url(self, calendar: str = "iinotes", user: str = USER) -> str:
        return f"http://127.0.0.1:{self.port}/{user}/{calendar}/"


class Reader:
    """An independent WebDAV/CalDAV reader: PROPFIND, GET, PUT, MKCALENDAR with http.client."""

    def __init__(self, url: str, user: str = USER, password: str = PASSWORD) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "", parts.port or 80, parts.path
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body, {"Authorization": self.auth, **(headers or {})})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def make(self) -> None:
        assert self.request("MKCALENDAR", self.path)[0] == 201

    def listing(self) -> dict[str, str]:
        """Resource name -> ETag of every object in the collection."""
        body = b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
        status, _, data = self.request("PROPFIND", self.path, body, {"Depth": "1"})
        assert status == 207, status
        text = data.decode()
        found = {}
        for response in re.findall(r"<(?:\w+:)?response>(.*?)</(?:\w+:)?response>", text, re.S):
            href = re.search(r"<(?:\w+:)?href>(.*?)</", response, re.S).group(1)  # type: ignore[union-attr]
            etag = re.search(r"<(?:\w+:)?getetag>(.*?)</", response, re.S)
            if href.rstrip("/") != self.path.rstrip("/"):
                found[href.rsplit("/", 1)[-1]] = etag.group(1).replace("&quot;", '"') if etag else ""
        return found

    def get(self, name: str) -> bytes:
        status, _, data = self.request("GET", self.path + name)
        assert status == 200, status
        return data

    def put(self, name: str, body: bytes) -> int:
        return self.request("PUT", self.path + name, body, {"Content-Type": "text/calendar"})[0]

    def events(self) -> dict[str, tuple[object, str]]:
        """UID -> (start instant or day, SUMMARY) of every event in the collection, via icalendar."""
        found: dict[str, tuple[object, str]] = {}
        for name in self.listing():
            for event in icalendar.Calendar.from_ical(self.get(name)).walk("VEVENT"):
                uid = str(event["UID"])
                assert uid not in found, f"duplicate UID {uid}"
                found[uid] = (_instant(event), str(event["SUMMARY"]))
        return found


def feed_events(data: bytes) -> dict[str, tuple[object, str]]:
    """The same view of a feed file."""
    return {
        str(event["UID"]): (_instant(event), str(event["SUMMARY"]))
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT")
    }


def _instant(event: icalendar.Event) -> object:
    start = event.decoded("DTSTART")
    return start.astimezone(dt.UTC) if isinstance(start, dt.datetime) else start


class DroppingProxy:
    """A TCP proxy to `port` that cuts every connection after `puts` PUT requests went through
    (a server that drops the connection mid-run)."""

    def __init__(self, port: int, puts: int) -> None:
        self.target = port
        self.puts = puts
        self.seen = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counting: bool) -> None:
        try:
            while data := source.recv(65536):
                if counting:
                    self.seen += data.count(b"PUT /")
                    if self.seen > self.puts:
                        raise OSError("drop")
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self.listener.close()
