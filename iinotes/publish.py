"""Publish: keep a CalDAV calendar collection equal to the feed, one way (the notes are the truth).

Each follow-up of the feed becomes one calendar object (its VEVENT with the VTIMEZONEs it uses) at
`<collection>/<uid>.ics`. A state file in `.iinotes/` remembers, per calendar URL, what was sent
(resource name, the server's ETag, a digest of the body), so a run with nothing changed writes
nothing. New objects are created with `If-None-Match: *`, changed ones replaced with `If-Match`,
gone ones deleted with `If-Match`; only resources iinotes created (named `*-iinotes.ics`, holding
an `@iinotes` UID) are ever written or deleted. Every run lists the collection's ETags (one
PROPFIND), so an object edited or deleted on the server is put back and reported. A lost state
file is rebuilt from the server: our objects carry their digest (`X-IINOTES-DIGEST`), so an
unchanged one is adopted, not sent again, and nothing is ever duplicated.

The HTTP and DAV work is done by the `caldav` library (imported only when publishing). The password
comes from `$IINOTES_CALDAV_PASSWORD` or `~/.netrc` and is never written anywhere by iinotes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import netrc
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import cache
from .errors import IinotesError, UsageError
from .vault import atomic_write

PASSWORD_VARIABLE = "IINOTES_CALDAV_PASSWORD"
STATE_FILE = "publish-state.json"
LAST_FEED_FILE = "published.ics"  # the last feed published: its SEQUENCE numbers are carried forward
STATE_VERSION = 1
DIGEST_PROPERTY = "X-IINOTES-DIGEST"
OUR_SUFFIX = "-iinotes.ics"
TIMEOUT = 30.0  # seconds for one request
SAVE_EVERY = 25  # writes between saves of the state file (and once at the end, whatever happens)
RETRY_DELAYS = (5.0, 15.0, 60.0, 300.0)  # watch/serve --publish: after a failed publish, try again this later
_CALENDAR_KEEP = ("VERSION:", "PRODID:", "CALSCALE:")
_TZID = re.compile(r";TZID=([^;:]+)[;:]")

Report = Callable[[str], None]


# ---------------------------------------------------------------------------- errors


class PublishError(IinotesError):
    """Publishing failed: the server cannot be reached or refused something (exit 5)."""

    exit_code = 5


class CredentialsRefused(PublishError):
    """The server answered 401 or 403: wrong user or password, or no right to the calendar (exit 3)."""

    exit_code = 3


class CalendarMissing(PublishError):
    """No calendar collection at the URL (exit 4)."""

    exit_code = 4


class ServerRefused(PublishError):
    """The server answered a write or a listing with an unexpected status (exit 6)."""

    exit_code = 6


# ---------------------------------------------------------------------------- the feed as objects


@dataclass(frozen=True)
class CalendarObject:
    """One follow-up as a CalDAV resource: its UID, resource name, body (bytes) and content digest."""

    uid: str
    name: str
    body: bytes
    digest: str


def resource_name(uid: str) -> str:
    """`3b60...@iinotes` -> `3b60...-iinotes.ics`: the resource of a follow-up in the collection."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", uid.removesuffix("@iinotes")) + OUR_SUFFIX


def split_feed(data: bytes) -> dict[str, CalendarObject]:
    """The feed's VEVENTs as calendar objects keyed by UID, each with the VTIMEZONEs it names.

    Works on the feed's lines, so every property is sent exactly as `iinotes feed` writes it;
    calendar-level properties other than VERSION, PRODID and CALSCALE stay out (RFC 4791 allows
    no METHOD and a resource has no name). The digest leaves out DTSTAMP (it follows the day)."""
    lines = data.decode("utf-8").split("\r\n")
    head: list[str] = []
    zones: dict[str, list[str]] = {}
    events: list[list[str]] = []
    block: list[str] | None = None
    depth = 0
    for line in lines:
        if line.startswith("BEGIN:"):
            depth += 1
            if depth == 2:
                block = []
                if line == "BEGIN:VEVENT":
                    events.append(block)
                elif line == "BEGIN:VTIMEZONE":
                    zones[""] = block  # named once its TZID is read
        if block is not None:
            block.append(line)
        elif depth == 1 and line.startswith(_CALENDAR_KEEP):
            head.append(line)
        if line.startswith("END:"):
            if depth == 2 and block is not None and line == "END:VTIMEZONE":
                tzid = next((item[5:] for item in block if item.startswith("TZID:")), "")
                zones[tzid] = zones.pop("")
            if depth == 2:
                block = None
            depth -= 1
    objects: dict[str, CalendarObject] = {}
    for event in events:
        unfolded = "\r\n".join(event).replace("\r\n ", "").replace("\r\n\t", "")
        uid = next((line[4:] for line in unfolded.split("\r\n") if line.startswith("UID:")), "")
        if not uid:
            continue
        used = sorted({tzid for tzid in _TZID.findall(unfolded) if tzid in zones})
        content = [*head, *(line for tzid in used for line in zones[tzid]), *event]
        digest = hashlib.sha256(
            "\r\n".join(line for line in content if not line.startswith("DTSTAMP:")).encode("utf-8")
        ).hexdigest()[:32]
        body = ["BEGIN:VCALENDAR", *content[:-1], f"{DIGEST_PROPERTY}:{digest}", content[-1], "END:VCALENDAR"]
        objects[uid] = CalendarObject(uid, resource_name(uid), ("\r\n".join(body) + "\r\n").encode(), digest)
    return objects


def _object_digest(text: str) -> tuple[str, str]:
    """(UID, our digest) of a calendar object's text as the server returns it ("" when missing)."""
    unfolded = text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
    uid = digest = ""
    for line in unfolded.split("\n"):
        if line.startswith("UID:") and not uid:
            uid = line[4:].strip()
        elif line.startswith(f"{DIGEST_PROPERTY}:"):
            digest = line.split(":", 1)[1].strip()
    return uid, digest


# ---------------------------------------------------------------------------- where and who


@dataclass(frozen=True)
class Target:
    """A calendar collection and the credentials for it (the password is never shown or stored)."""

    url: str
    user: str | None
    password: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT


def collection_url(url: str) -> str:
    """The calendar URL checked (http or https, a host) and ending in `/`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"not a calendar URL: {url!r}",
            "give the http(s) URL of the calendar collection, e.g. https://cal.example.com/dav/me/iinotes/",
        )
    if parts.username or parts.password:
        raise UsageError(
            "the calendar URL must not hold a user name or password",
            f"give the user with --user (or [publish] user) and the password in ${PASSWORD_VARIABLE} or "
            "~/.netrc",
        )
    return url.strip() if url.strip().endswith("/") else url.strip() + "/"


def find_credentials(url: str, user: str | None, netrc_file: str | None = None) -> Target:
    """The target with its password: `$IINOTES_CALDAV_PASSWORD`, else the `machine` of the URL's
    host in `~/.netrc` (which may also give the user). No password at all is allowed (a server
    without authentication); a user without a password is a usage error."""
    url = collection_url(url)
    password = os.environ.get(PASSWORD_VARIABLE) or None
    if password is None:
        host = urlsplit(url).hostname or ""
        try:
            entry = netrc.netrc(netrc_file).authenticators(host)
        except FileNotFoundError:
            entry = None
        except (netrc.NetrcParseError, OSError) as error:
            raise UsageError(
                f"cannot read ~/.netrc: {getattr(error, 'msg', None) or error}",
                "fix the file (and chmod 600 ~/.netrc), or give the password in $IINOTES_CALDAV_PASSWORD",
            ) from None
        if entry is not None and (user is None or entry[0] == user):
            user, password = entry[0] or user, entry[2]
    if user is not None and password is None:
        raise UsageError(
            f"no password for {user} at {urlsplit(url).hostname}",
            f"set ${PASSWORD_VARIABLE}, or add `machine {urlsplit(url).hostname} login {user} password ...` "
            "to ~/.netrc (chmod 600)",
        )
    return Target(url, user, password)


# ---------------------------------------------------------------------------- the state file


@dataclass
class Sent:
    """What iinotes knows of one of its objects on the server: resource name, ETag, digest sent."""

    name: str
    etag: str | None
    digest: str


class State:
    """The publish state of one vault: per calendar, UID -> `Sent`. Kept in `.iinotes/`, mode 0600;
    an unreadable or foreign file counts as lost (rebuilt from the server)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / cache.STATE_DIR / STATE_FILE

    def load(self, key: str) -> dict[str, Sent] | None:
        try:
            table = json.loads(self.path.read_text(encoding="utf-8"))
            entries = table["calendars"][key] if table.get("version") == STATE_VERSION else None
            if entries is None:
                return None
            return {uid: Sent(str(name), etag, str(digest)) for uid, (name, etag, digest) in entries.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, key: str, entries: dict[str, Sent]) -> None:
        try:
            table = json.loads(self.path.read_text(encoding="utf-8"))
            if table.get("version") != STATE_VERSION or not isinstance(table.get("calendars"), dict):
                raise ValueError
        except (OSError, ValueError, AttributeError):
            table = {"version": STATE_VERSION, "calendars": {}}
        table["calendars"][key] = {
            uid: [sent.name, sent.etag, sent.digest] for uid, sent in sorted(entries.items())
        }
        write_private(self.path, json.dumps(table, indent=1).encode("utf-8") + b"\n")


def write_private(path: Path, data: bytes) -> None:
    """Write a state file of `.iinotes/` atomically, readable by the user only."""
    cache.state_dir(path.parent.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    atomic_write(path, data)


# ---------------------------------------------------------------------------- the server


class Collection:
    """The calendar collection on the server, through the `caldav` library: list ETags, read,
    create, replace and delete objects, make the calendar. Errors become PublishErrors."""

    def __init__(self, target: Target) -> None:
        from caldav.collection import Calendar
        from caldav.davclient import DAVClient

        self.target = target
        self.client: Any = DAVClient(
            target.url,
            username=target.user,
            password=target.password,
            timeout=target.timeout,  # type: ignore[arg-type]  # a float works (niquests)
            enable_rfc6764=False,
        )
        self.calendar: Any = Calendar(client=self.client, url=target.url)
        self.collection = target.url  # the calendar's URL, once `resolve` found it
        self.requests = 0  # HTTP requests answered, counted by a hook of the HTTP session
        self.writes = 0
        with contextlib.suppress(AttributeError, KeyError, TypeError):
            self.client.session.hooks["response"].append(self._count)

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return response

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    def url(self, name: str) -> str:
        return self.collection + name

    def resolve(self, calendar_name: str, create: bool = False) -> bool:
        """Find the calendar: the URL itself when it is a calendar collection; a server or account
        URL (iCloud's https://caldav.icloud.com/, Fastmail's https://caldav.fastmail.com/) leads to
        the user's calendar named `calendar_name`. With `create`, a missing one is made (MKCALENDAR);
        True then. CalendarMissing otherwise, naming the calendars found."""
        from caldav.elements import dav
        from lxml import etree

        body = etree.tostring((dav.Propfind() + [dav.Prop() + [dav.ResourceType()]]).xmlelement())
        with self._errors("looking up the calendar"):
            response = self.client.propfind(self.target.url, body, depth=0)
        if response.status == 404:
            if not create:
                raise self._missing()
            self.make(calendar_name)
            return True
        _check(response.status, "looking up the calendar", self.target)
        raw = response.raw.encode("utf-8") if isinstance(response.raw, str) else bytes(response.raw or b"")
        with contextlib.suppress(etree.XMLSyntaxError):
            if any(True for _ in etree.fromstring(raw).iter("{urn:ietf:params:xml:ns:caldav}calendar")):
                return False
        with self._errors("finding the user's calendars"):
            calendars = self.client.principal().calendars()
            names = {str(item.url): item.get_display_name() for item in calendars}
        for url, name in names.items():
            if name == calendar_name:
                self._use(url)
                return False
        if not create:
            found = ", ".join(repr(name) for name in names.values() if name) or "none"
            raise CalendarMissing(
                f"no calendar named {calendar_name!r} at {self.target.url} (calendars found: {found})",
                "run `iinotes publish --create` to make it, or give the calendar's own URL",
            )
        with self._errors("making the calendar"):
            made = self.client.principal().make_calendar(name=calendar_name)
        self._use(str(made.url))
        return True

    def _use(self, url: str) -> None:
        from caldav.collection import Calendar

        self.collection = url if url.endswith("/") else url + "/"
        self.calendar = Calendar(client=self.client, url=self.collection)

    def _missing(self) -> CalendarMissing:
        return CalendarMissing(
            f"no calendar at {self.target.url}",
            "check the URL, or run `iinotes publish --create` to make the calendar",
        )

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except PublishError:
            raise
        except Exception as error:  # noqa: BLE001 - turned into one clear line below
            raise describe_error(error, self.target, doing) from None

    def listing(self) -> dict[str, str | None]:
        """Resource name -> ETag of every object in the collection (one PROPFIND, depth 1)."""
        from caldav.elements import dav
        from lxml import etree

        body = etree.tostring((dav.Propfind() + [dav.Prop() + [dav.GetEtag()]]).xmlelement())
        with self._errors("listing the calendar"):
            response = self.client.propfind(self.collection, body, depth=1)
        if response.status == 404:
            raise self._missing()
        _check(response.status, "listing the calendar", self.target)
        base = urlsplit(self.collection).path
        found: dict[str, str | None] = {}
        for href, props in response.expand_simple_props([dav.GetEtag()]).items():
            path = urlsplit(str(href)).path
            if path.rstrip("/") == base.rstrip("/") or not path.startswith(base):
                continue
            found[path[len(base) :]] = props.get(dav.GetEtag.tag)
        return found

    def read(self, names: list[str]) -> dict[str, tuple[str, str | None]]:
        """Name -> (calendar data, ETag) of the named objects (one calendar-multiget REPORT)."""
        if not names:
            return {}
        with self._errors("reading the calendar"):
            objects = self.calendar.multiget([self.calendar.url.join(name) for name in names])
        base = urlsplit(self.collection).path
        found = {}
        for item in objects:
            path = urlsplit(str(item.url)).path
            found[path[len(base) :]] = (str(item.data), (item.props or {}).get("{DAV:}getetag"))
        return found

    def put(self, name: str, body: bytes, etag: str | None) -> tuple[int, str | None]:
        """Create (etag None: If-None-Match: *) or replace (If-Match: etag); (status, new ETag)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
        with self._errors("sending an event"):
            response = self.client.put(self.url(name), body.decode("utf-8"), headers)
        self.writes += 1
        if response.status != 412:
            _check(response.status, f"sending {name}", self.target)
        return response.status, response.headers.get("ETag")

    def delete(self, name: str, etag: str | None) -> int:
        """Delete (If-Match: etag when known); the status (404: it was gone already)."""
        with self._errors("deleting an event"):
            response = self.client.delete(self.url(name), {"If-Match": etag} if etag else {})
        self.writes += 1
        if response.status not in (404, 412):
            _check(response.status, f"deleting {name}", self.target)
        return int(response.status)

    def make(self, display_name: str) -> None:
        """MKCALENDAR at the URL, named `display_name`."""
        from caldav.elements import cdav, dav
        from lxml import etree

        body = etree.tostring(
            (cdav.Mkcalendar() + [dav.Set() + [dav.Prop() + [dav.DisplayName(display_name)]]]).xmlelement()
        )
        with self._errors("making the calendar"):
            response = self.client.mkcalendar(self.collection, body)
        if response.status == 405:
            raise ServerRefused(
                f"cannot make a calendar at {self.target.url}: something already exists there",
                "publish to it without --create, or choose another URL",
            )
        _check(response.status, "making the calendar", self.target)


def _check(status: int, doing: str, target: Target) -> None:
    if status in (401, 403):
        raise _refused(status, target)
    if status == 404:
        raise CalendarMissing(
            f"no calendar at {target.url} ({doing}: 404)",
            "check the URL, or run `iinotes publish --create` to make the calendar",
        )
    if status >= 400:
        raise ServerRefused(
            f"the server answered {status} while {doing} at {target.url}",
            "check that the URL is a calendar collection; run again later if the server is busy",
        )


def _refused(status: int | None, target: Target) -> CredentialsRefused:
    if status == 403:
        return CredentialsRefused(
            f"the server refused access to {target.url} (403 Forbidden)",
            f"check that {target.user or 'this user'} may write to that calendar",
        )
    return CredentialsRefused(
        f"the server did not accept the credentials for {target.url} (401 Unauthorized)",
        f"check the user and the password in ${PASSWORD_VARIABLE} or ~/.netrc (iCloud, Fastmail: an "
        "app-specific password)",
    )


def describe_error(error: BaseException, target: Target, doing: str) -> PublishError:
    """One clear PublishError for whatever the client library raised."""
    names = {cls.__name__ for cls in type(error).__mro__}
    host = urlsplit(target.url).netloc
    if "AuthorizationError" in names:
        return _refused(getattr(error, "status", None) or (403 if "Forbidden" in str(error) else 401), target)
    if "NotFoundError" in names:
        return CalendarMissing(
            f"no calendar at {target.url}", "check the URL, or run `iinotes publish --create`"
        )
    if "SSLError" in names or "CertificateError" in names:
        return PublishError(
            f"TLS error talking to {host}: the server's certificate could not be verified",
            "check the URL's host name; a self-signed certificate must be trusted by the system first",
        )
    if names & {"Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
        return PublishError(
            f"{host} did not answer in time while {doing} ({target.timeout:g} s)",
            "run again later; nothing was duplicated, the next run completes the sync",
        )
    if "ConnectionError" in names or isinstance(error, OSError):
        return PublishError(
            f"cannot reach {host} while {doing} (the connection failed or was dropped)",
            "check the URL and the network; the next run completes the sync, nothing is duplicated",
        )
    return ServerRefused(f"unexpected answer from {host} while {doing}: {error}", None)


# ---------------------------------------------------------------------------- the sync


@dataclass
class Outcome:
    """What one publish did (or, with dry_run, would do): UIDs per kind of change, and requests."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # changed or deleted on the server: put back
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    adopted: int | None = None  # state rebuilt from the server: objects found
    requests: int = 0
    writes: int = 0
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.restored) + len(self.deleted)

    def summary(self, titles: dict[str, str] | None = None) -> str:
        """`3 created, 1 updated, 1 deleted, 295 unchanged` (with `would be` for a dry run)."""
        parts = [
            f"{len(uids)} {word}"
            for uids, word in (
                (self.created, "created"),
                (self.updated, "updated"),
                (self.restored, "restored (changed on the server)"),
                (self.deleted, "deleted"),
            )
            if uids
        ]
        parts.append(f"{self.unchanged} unchanged")
        text = ", ".join(parts)
        return ("would be: " if self.dry_run else "") + text


class Publisher:
    """Keeps the calendar at `target` equal to the feeds given to `publish` (for the vault `root`)."""

    def __init__(
        self,
        root: Path,
        target: Target,
        *,
        calendar_name: str = "Informational interviews",
        report: Report = print,
    ) -> None:
        self.root = root
        self.target = target
        self.calendar_name = calendar_name
        self.report = report
        self.state = State(root)
        self._collection: Collection | None = None
        self._counted = (0, 0)  # the requests and writes of the collection already reported

    def _server(self) -> Collection:
        if self._collection is None:
            collection = Collection(self.target)
            try:
                collection.resolve(self.calendar_name)
            except BaseException:
                collection.close()
                raise
            self._collection = collection
        return self._collection

    @property
    def url(self) -> str:
        """The calendar's URL (found from a server URL once connected)."""
        return self._collection.collection if self._collection is not None else self.target.url

    def close(self) -> None:
        if self._collection is not None:
            self._collection.close()
            self._collection = None
        self._counted = (0, 0)

    def create_calendar(self) -> bool:
        """Find the calendar, making it (named `calendar_name`) if it does not exist; True when made."""
        self.close()  # its requests count with the next publish
        collection = Collection(self.target)
        try:
            made = collection.resolve(self.calendar_name, create=True)
        except BaseException:
            collection.close()
            raise
        self._collection = collection
        return made

    def publish(self, data: bytes, *, dry_run: bool = False) -> Outcome:
        """Make the calendar hold exactly the feed `data`'s follow-ups; returns what changed."""
        server = self._server()
        requests_before, writes_before = self._counted
        self._counted = (server.requests, server.writes)
        outcome = Outcome(dry_run=dry_run)
        wanted = split_feed(data)
        on_server = server.listing()
        key = f"{self.target.user or ''} {server.collection}"
        known = self.state.load(key)
        if known is None:
            known = self._adopt(server, on_server)
            outcome.adopted = len(known)
        sent = dict(known)
        try:
            self._sync(server, key, wanted, on_server, known, sent, outcome, dry_run)
        finally:
            if not dry_run:
                self.state.save(key, sent)
            outcome.requests = server.requests - requests_before
            outcome.writes = server.writes - writes_before
            self._counted = (server.requests, server.writes)
        return outcome

    def _adopt(self, server: Collection, on_server: dict[str, str | None]) -> dict[str, Sent]:
        """The state rebuilt from the server: our resources, read once, with the digest they carry."""
        ours = sorted(name for name in on_server if name.endswith(OUR_SUFFIX))
        found: dict[str, Sent] = {}
        for name, (text, etag) in server.read(ours).items():
            uid, digest = _object_digest(text)
            if uid.endswith("@iinotes") and resource_name(uid) == name:
                found[uid] = Sent(name, etag or on_server.get(name), digest)
        return found

    def _sync(
        self,
        server: Collection,
        key: str,
        wanted: dict[str, CalendarObject],
        on_server: dict[str, str | None],
        known: dict[str, Sent],
        sent: dict[str, Sent],
        outcome: Outcome,
        dry_run: bool,
    ) -> None:
        unsaved = 0
        for uid, item in sorted(wanted.items()):
            entry = known.get(uid)
            name = entry.name if entry is not None else item.name
            server_etag = on_server.get(name)
            present = name in on_server
            if entry is None:
                if present:  # ours by name, but not in the state (a run cut off after sending it)
                    text, etag = server.read([name]).get(name, ("", server_etag))
                    if _object_digest(text) == (uid, item.digest):
                        sent[uid] = Sent(name, etag or server_etag, item.digest)
                        outcome.unchanged += 1
                        continue
                    kind, etag_to_match = outcome.updated, etag or server_etag
                else:
                    kind, etag_to_match = outcome.created, None
            elif not present:
                kind, etag_to_match = outcome.restored, None
            elif server_etag != entry.etag:
                kind, etag_to_match = outcome.restored, server_etag
            elif entry.digest != item.digest:
                kind, etag_to_match = outcome.updated, entry.etag
            else:
                outcome.unchanged += 1
                continue
            kind.append(uid)
            if dry_run:
                continue
            status, etag = server.put(name, item.body, etag_to_match)
            if status == 412:  # changed between our listing and the write: replace what is there now
                current = server.listing().get(name)
                status, etag = server.put(name, item.body, current)
                if status == 412:
                    raise ServerRefused(
                        f"{name} keeps changing on the server while it is being replaced",
                        "run publish again in a moment",
                    )
            sent[uid] = Sent(name, etag, item.digest)
            unsaved += 1
            if unsaved >= SAVE_EVERY:
                self.state.save(key, sent)
                unsaved = 0
        for uid in sorted(set(known) - set(wanted)):
            entry = known[uid]
            outcome.deleted.append(uid)
            if dry_run:
                continue
            if entry.name in on_server:
                status = server.delete(entry.name, on_server[entry.name])
                if status == 412:
                    server.delete(entry.name, server.listing().get(entry.name))
            del sent[uid]
        if not dry_run and any(entry.etag is None for entry in sent.values()):
            listed = server.listing()  # servers that send no ETag on PUT: read them once now
            for entry in sent.values():
                if entry.etag is None:
                    entry.etag = listed.get(entry.name)


def titles(data: bytes) -> dict[str, str]:
    """UID -> SUMMARY of the feed's events (for what a dry run lists)."""
    found = {}
    uid = ""
    text = data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    for line in text.split("\r\n"):
        if line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("SUMMARY:") and uid:
            found[uid] = line[8:].replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    return found


def last_published(root: Path) -> bytes | None:
    """The last feed published from this vault (SEQUENCE numbers rise from it), or None."""
    try:
        return (root / cache.STATE_DIR / LAST_FEED_FILE).read_bytes()
    except OSError:
        return None


def remember_published(root: Path, data: bytes) -> None:
    with contextlib.suppress(OSError):
        write_private(root / cache.STATE_DIR / LAST_FEED_FILE, data)


# ---------------------------------------------------------------------------- as an output of watch


class CalendarOutput:
    """An output of watch and serve: publishes each new feed in its own thread, so a slow or
    unreachable server never holds up the feed file or the HTTP server. Only the latest feed is
    sent; after a failure it tries again later (RETRY_DELAYS, growing) and never stops watching."""

    name = "calendar"

    def __init__(
        self, publisher: Publisher, *, report: Report = print, retry_delays: tuple[float, ...] = RETRY_DELAYS
    ) -> None:
        self.publisher = publisher
        self.report = report
        self.retry_delays = retry_delays
        self.published = 0
        self.failures = 0
        self._latest: bytes | None = None
        self._done: bytes | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iinotes-publish", daemon=True)
        self._thread.start()

    def receive(self, data: bytes, built: float) -> bool:
        """Queue `data` for publishing (replacing a feed not sent yet); False when it was sent already."""
        with self._lock:
            if data == self._latest:
                return False
            self._latest = data
        self._wake.set()
        return True

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=TIMEOUT + 5)
        self.publisher.close()

    @property
    def idle(self) -> bool:
        """True when the latest feed received has been published."""
        with self._lock:
            return self._latest is None or self._latest == self._done

    def _run(self) -> None:
        step = 0
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stopping.is_set():
                return
            with self._lock:
                data = self._latest
            if data is None or data == self._done:
                continue
            try:
                outcome = self.publisher.publish(data)
            except Exception as error:  # noqa: BLE001 - report, retry later, keep watching
                self.failures += 1
                delay = self.retry_delays[min(step, len(self.retry_delays) - 1)]
                step += 1
                message = error.message if isinstance(error, IinotesError) else repr(error)
                self.report(f"publish failed: {message}; trying again in {delay:g} s")
                self.publisher.close()  # a fresh connection next time
                if self._stopping.wait(delay):
                    return
                self._wake.set()
                continue
            step = 0
            with self._lock:
                self._done = data
            self.published += 1
            remember_published(self.publisher.root, data)
            if outcome.changes or outcome.adopted is not None or self.published == 1:
                self.report(f"published to {self.publisher.url}: {outcome.summary()}")
