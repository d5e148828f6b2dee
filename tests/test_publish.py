"""`iinotes publish` against a real CalDAV server (Radicale on 127.0.0.1, started here), read back
by an independent client: the calendar equals `iinotes feed` across edits, renames and deletions;
a second run writes nothing; foreign events stay; a lost state file is rebuilt; errors are one line
with their exit code; the password is never written; and publishing as an output of watch."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import time
import uuid

import pytest
from conftest import REPO, TODAY, VaultFactory, contact_text
from davserver import PASSWORD, USER, DroppingProxy, Radicale, Reader, feed_events

from iinotes import Vault
from iinotes.publish import (
    CalendarOutput,
    Publisher,
    PublishError,
    Target,
    find_credentials,
    resource_name,
    split_feed,
)
from iinotes.watch import Watcher

FOREIGN = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone else//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:dentist-42@example.com\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T090000Z\r\n"
    b"DURATION:PT1H\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):  # type: ignore[no-untyped-def]
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def calendar(radicale) -> str:  # type: ignore[no-untyped-def]
    """The URL of a new, empty calendar on the server."""
    url = radicale.url(f"cal-{uuid.uuid4().hex[:8]}")
    Reader(url).make()
    return url


@pytest.fixture
def sample(tmp_path, monkeypatch) -> VaultFactory:  # type: ignore[no-untyped-def]
    """A copy of sample-vault/, the password in the environment, and a HOME without ~/.netrc."""
    shutil.copytree(REPO / "sample-vault", tmp_path / "vault")
    monkeypatch.setenv("IINOTES_CALDAV_PASSWORD", PASSWORD)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return VaultFactory(tmp_path / "vault")


def publish(vault: VaultFactory, url: str, *args: str, today: str = TODAY):  # type: ignore[no-untyped-def]
    return vault.run("publish", url, "--user", USER, *args, today=today)


def feed(vault: VaultFactory, today: str = TODAY) -> dict[str, tuple[object, str]]:
    result = vault.run("feed", today=today)
    assert result.exit_code == 0
    return feed_events(result.stdout_bytes)


def test_the_calendar_equals_the_feed_across_edits_renames_and_deletions(sample, calendar):
    reader = Reader(calendar)
    result = publish(sample, calendar)
    assert result.exit_code == 0, result.output
    expected = feed(sample)
    assert len(expected) > 10
    assert f"published {len(expected)} follow-ups to {calendar}: {len(expected)} created" in result.output
    assert reader.events() == expected
    etags = reader.listing()
    assert set(etags) == {resource_name(uid) for uid in expected}

    again = publish(sample, calendar)  # nothing changed: a listing, no write
    assert again.exit_code == 0
    assert f": {len(expected)} unchanged (" in again.output and ", 0 writes)" in again.output
    assert reader.listing() == etags

    notes = sorted((sample.root / "contacts").glob("*.md"))
    edited, renamed, deleted = notes[0], notes[1], notes[2]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("---\n", "---\nfollow_up: 2026-12-01T10:30\n", 1), encoding="utf-8")
    renamed.rename(renamed.with_name("Renamed person.md"))
    deleted.unlink()
    result = publish(sample, calendar)
    assert result.exit_code == 0, result.output
    expected_now = feed(sample)
    assert expected_now != expected
    assert reader.events() == expected_now
    changed = {name for name, etag in reader.listing().items() if etags.get(name) != etag}
    assert changed  # only what changed was written: the others keep their ETags
    assert len(changed) < len(expected_now)
    assert ", 0 writes)" in publish(sample, calendar).output


def test_foreign_events_are_never_touched(sample, calendar):
    reader = Reader(calendar)
    assert reader.put("dentist.ics", FOREIGN) == 201
    before, stored = reader.listing()["dentist.ics"], reader.get("dentist.ics")
    assert publish(sample, calendar).exit_code == 0
    for path in (sample.root / "contacts").glob("*.md"):
        path.unlink()  # every follow-up of a contact goes: iinotes deletes its own events only
    assert publish(sample, calendar).exit_code == 0
    assert reader.listing()["dentist.ics"] == before
    assert reader.get("dentist.ics") == stored
    events = reader.events()
    assert events["dentist-42@example.com"][1] == "Dentist"
    assert {uid for uid in events if uid != "dentist-42@example.com"} == set(feed(sample))


def test_a_lost_state_file_is_rebuilt_from_the_server_without_writing(sample, calendar):
    reader = Reader(calendar)
    assert publish(sample, calendar).exit_code == 0
    etags = reader.listing()
    (sample.root / ".iinotes" / "publish-state.json").unlink()
    result = publish(sample, calendar)
    assert result.exit_code == 0
    assert f"read it from the server ({len(etags)} events of iinotes found)" in result.output
    assert "0 created" not in result.output and f"{len(etags)} unchanged" in result.output
    assert reader.listing() == etags  # nothing rewritten, nothing duplicated
    assert reader.events() == feed(sample)


def test_an_event_changed_or_deleted_on_the_server_is_put_back(sample, calendar):
    reader = Reader(calendar)
    assert publish(sample, calendar).exit_code == 0
    names = sorted(reader.listing())
    body = reader.get(names[0]).replace(b"SUMMARY:", b"SUMMARY:Edited in the phone: ")
    assert reader.put(names[0], body) in (201, 204)
    assert reader.request("DELETE", reader.path + names[1])[0] in (200, 204)
    result = publish(sample, calendar)
    assert result.exit_code == 0
    assert "2 restored (changed on the server)" in result.output and "were put back" in result.output
    assert reader.events() == feed(sample)


def test_dry_run_lists_and_sends_nothing(sample, calendar):
    reader = Reader(calendar)
    result = publish(sample, calendar, "--dry-run")
    assert result.exit_code == 0
    assert "  create: " in result.output and "(--dry-run: nothing sent)" in result.output
    assert reader.listing() == {}
    assert not (sample.root / ".iinotes" / "publish-state.json").exists()


def test_create_makes_the_calendar(sample, radicale):
    url = radicale.url(f"made-{uuid.uuid4().hex[:8]}")
    missing = publish(sample, url)
    assert missing.exit_code == 4
    assert f"iinotes: error: no calendar at {url}" in missing.output and "--create" in missing.output
    dry = publish(sample, url, "--create", "--dry-run")
    assert dry.exit_code == 0 and "would make the calendar" in dry.output and "  create: " in dry.output
    made = publish(sample, url, "--create")
    assert (
        made.exit_code == 0 and "made the calendar 'Career change: informational interviews'" in made.output
    )
    assert Reader(url).events() == feed(sample)
    assert publish(sample, url, "--create").exit_code == 0  # exists now: fine


def test_a_server_url_finds_or_makes_the_calendar_by_name(sample, radicale):
    root = f"http://127.0.0.1:{radicale.port}/"
    name = f"Coffee chats {uuid.uuid4().hex[:6]}"
    settings = sample.root / "iinotes.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('name = "Career change: informational interviews"', f'name = "{name}"'))
    missing = publish(sample, root)
    assert missing.exit_code == 4
    assert f"no calendar named {name!r}" in missing.output and "--create" in missing.output
    made = publish(sample, root, "--create")
    assert made.exit_code == 0, made.output
    url = made.output.split(f"made the calendar {name!r} at ")[1].split()[0]
    assert url.startswith(root + "alice/") and url != root
    assert Reader(url).events() == feed(sample)
    again = publish(sample, root)
    assert again.exit_code == 0 and f"published {len(feed(sample))} follow-ups to {url}: " in again.output
    assert "unchanged" in again.output and "created" not in again.output


def test_url_and_user_from_the_settings(sample, calendar):
    (sample.root / "iinotes.toml").write_text(
        (sample.root / "iinotes.toml").read_text(encoding="utf-8")
        + f'\n[publish]\nurl = "{calendar}"\nuser = "{USER}"\n',
        encoding="utf-8",
    )
    result = sample.run("publish")
    assert result.exit_code == 0, result.output
    assert Reader(calendar).events() == feed(sample)


def test_no_url_is_a_usage_error(sample):
    result = sample.run("publish")
    assert result.exit_code == 2 and "iinotes: error: no calendar URL" in result.output


def test_wrong_password_is_exit_3_and_no_password_exit_2(sample, calendar, monkeypatch):
    monkeypatch.setenv("IINOTES_CALDAV_PASSWORD", "wrong")
    result = publish(sample, calendar)
    assert result.exit_code == 3
    assert result.output.startswith("iinotes: error: the server did not accept the credentials")
    monkeypatch.delenv("IINOTES_CALDAV_PASSWORD")
    result = publish(sample, calendar)
    assert result.exit_code == 2 and "no password for alice at 127.0.0.1" in result.output


def test_another_users_calendar_is_exit_3(sample, radicale):
    result = publish(sample, radicale.url("x", user="bob"))
    assert result.exit_code == 3 and "403 Forbidden" in result.output


def test_password_from_netrc_and_never_written(sample, calendar, monkeypatch, tmp_path):
    monkeypatch.delenv("IINOTES_CALDAV_PASSWORD")
    netrc = tmp_path / "home" / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n", encoding="utf-8")
    netrc.chmod(0o600)
    result = sample.run("publish", calendar)  # the user comes from ~/.netrc too
    assert result.exit_code == 0, result.output
    assert Reader(calendar).events() == feed(sample)
    assert PASSWORD not in result.output
    for path in sample.root.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    state = sample.root / ".iinotes" / "publish-state.json"
    assert oct(state.stat().st_mode & 0o777) == "0o600"


def test_unreachable_and_silent_servers_are_exit_5(sample, tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = publish(sample, f"http://127.0.0.1:{port}/alice/cal/")
    assert result.exit_code == 5 and f"cannot reach 127.0.0.1:{port}" in result.output
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/alice/cal/"
        publisher = Publisher(sample.root, Target(url, USER, PASSWORD, timeout=0.5))
        with pytest.raises(PublishError) as caught:
            publisher.publish(Vault(sample.root, today=dt.date(2026, 11, 23)).feed()[2])
        publisher.close()
    assert caught.value.exit_code == 5 and "did not answer in time" in caught.value.message


def test_a_connection_dropped_mid_run_is_completed_by_the_next_run(sample, radicale, calendar):
    proxy = DroppingProxy(radicale.port, puts=5)
    try:
        url = calendar.replace(f":{radicale.port}/", f":{proxy.port}/")
        result = publish(sample, url)
        assert result.exit_code == 5 and "the connection failed or was dropped" in result.output
        assert 0 < len(Reader(calendar).listing()) < len(feed(sample))
        proxy.puts = 10_000
        result = publish(sample, url)
        assert result.exit_code == 0, result.output
    finally:
        proxy.close()
    assert Reader(calendar).events() == feed(sample)  # every follow-up once: nothing duplicated
    state = (sample.root / ".iinotes" / "publish-state.json").read_text(encoding="utf-8")
    assert len(re.findall(r"-iinotes\.ics", state)) == len(feed(sample))


def test_split_feed_keeps_the_used_timezones_and_no_method(sample):
    data = Vault(sample.root, today=dt.date(2026, 11, 23)).feed()[2]
    objects = split_feed(data)
    assert objects and all(uid.endswith("@iinotes") for uid in objects)
    for item in objects.values():
        text = item.body.decode()
        assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
        assert text.count("BEGIN:VEVENT") == 1 and "METHOD:" not in text and "X-WR-CALNAME" not in text
        for tzid in set(re.findall(r";TZID=([^:;]+)", text)):
            assert f"TZID:{tzid}\r\n" in text
        assert f"X-IINOTES-DIGEST:{item.digest}\r\n" in text


def test_find_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("IINOTES_CALDAV_PASSWORD", raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine cal.example.com login me password pw\n", encoding="utf-8")
    netrc.chmod(0o600)
    target = find_credentials("https://cal.example.com/dav/x", None, str(netrc))
    assert (target.url, target.user, target.password) == ("https://cal.example.com/dav/x/", "me", "pw")
    assert "pw" not in repr(target)
    assert find_credentials("https://other.example.com/", None, str(netrc)).password is None
    monkeypatch.setenv("IINOTES_CALDAV_PASSWORD", "env")
    assert find_credentials("https://cal.example.com/", "me", str(netrc)).password == "env"
    from iinotes.errors import UsageError

    with pytest.raises(UsageError):
        find_credentials("ftp://cal.example.com/", None, str(netrc))
    with pytest.raises(UsageError):
        find_credentials("https://me:pw@cal.example.com/", None, str(netrc))


# ---------------------------------------------------------------------------- watch --publish


def test_watch_publishes_each_new_feed_and_backs_off_while_the_server_is_down(two, radicale, tmp_path):
    url = radicale.url(f"watch-{uuid.uuid4().hex[:8]}")
    Reader(url).make()
    reader = Reader(url)
    lines: list[str] = []
    publisher = Publisher(two.root, Target(url, USER, PASSWORD, timeout=2))
    output = CalendarOutput(publisher, report=lines.append, retry_delays=(0.3, 0.6))
    watcher = Watcher(
        Vault(two.root, today=dt.date(2026, 11, 23)),
        tmp_path / "feed.ics",
        report=lines.append,
        debounce=0.05,
        health_interval=0.1,
        outputs=[output],
    )
    watcher.start()
    try:
        assert _eventually(lambda: len(reader.listing()) == 2), lines
        radicale.stop()
        (two.root / "contacts/Jane Doe.md").write_text(
            contact_text("Jane Q. Doe", number=1), encoding="utf-8"
        )
        assert _eventually(lambda: output.failures >= 2), lines
        assert any(line.startswith("publish failed: cannot reach") for line in lines)
        assert watcher.running  # still watching, the feed file is still kept
        assert _eventually(lambda: b"Jane Q. Doe" in (tmp_path / "feed.ics").read_bytes())
        radicale.start()
        assert _eventually(lambda: output.idle and "Follow up with Jane Q. Doe" in str(reader.events()))
        assert reader.events() == feed_events((tmp_path / "feed.ics").read_bytes())
    finally:
        watcher.stop()
        output.stop()
        if radicale.process is None:
            radicale.start()


def _eventually(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (OSError, AssertionError):
            pass
        time.sleep(0.05)
    return bool(condition())


def test_cli_serve_publish_keeps_the_calendar_current(sample, calendar):
    import signal
    import subprocess
    import sys

    settings = sample.root / "iinotes.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + f'\n[publish]\nurl = "{calendar}"\nuser = "{USER}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "iinotes", "--vault", str(sample.root), "--today", TODAY, "serve", "--port", "0", "--publish"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not any("published to" in line for line in lines):
            line = process.stdout.readline()
            assert line, lines
            lines.append(line)
        assert f"published to {calendar}: " in lines[-1]
        reader = Reader(calendar)
        assert _eventually(lambda: reader.events() == feed(sample))
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    finally:
        process.kill()
    assert PASSWORD not in "".join(lines)


def test_an_untrusted_certificate_is_a_tls_error_exit_5(sample, tmp_path):
    import ssl
    import subprocess
    import threading

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(client, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=accept, daemon=True).start()
    try:
        result = publish(sample, f"https://127.0.0.1:{listener.getsockname()[1]}/alice/cal/")
    finally:
        listener.close()
    assert result.exit_code == 5, result.output
    assert "TLS error talking to 127.0.0.1:" in result.output and "certificate" in result.output


def test_calendar_output_alone_publishes_the_latest_feed(sample, calendar):
    data = Vault(sample.root, today=dt.date(2026, 11, 23)).feed()[2]
    lines: list[str] = []
    output = CalendarOutput(Publisher(sample.root, Target(calendar, USER, PASSWORD)), report=lines.append)
    try:
        assert output.receive(data, 0.0)
        assert not output.receive(data, 0.0)  # the same feed again: nothing queued
        assert _eventually(lambda: output.idle and output.published == 1)
        assert Reader(calendar).events() == feed_events(data)
        assert lines and lines[0].startswith(f"published to {calendar}: ")
    finally:
        output.stop()
