"""Importing people from the lists users already have (pure): LinkedIn's Connections.csv and vCard
address books become `Person`s, which `plan` matches against the vault's contacts.

Nothing here touches a file: readers take bytes, `plan` takes what the vault holds and returns one
`Step` per person (new, already there, possible duplicate). `import_writes` carries a plan out.
A person matches a contact by LinkedIn URL, then email, then accent- and case-folded name or alias;
a match is never written over, and the same name at another company is a possible duplicate.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from .errors import UsageError


@dataclass(frozen=True)
class Person:
    """One person read from an export, before matching: the line it starts on and what it says."""

    line: int
    name: str  # cleaned: credentials, emoji and characters no file name may hold are left out
    raw_name: str  # as the export wrote it
    company: str = ""
    role: str = ""
    email: str = ""  # the preferred address
    emails: tuple[str, ...] = ()  # every address (all are matched)
    phone: str = ""
    linkedin: str = ""
    location: str = ""
    connected: dt.date | None = None
    extra: tuple[str, ...] = ()  # lines for the note's body: other addresses, web pages, the card's note


@dataclass(frozen=True)
class BadRow:
    """A row (or vCard) that cannot be imported: its first line and why."""

    line: int
    message: str


@dataclass(frozen=True)
class Export:
    """What a reader found in a file: the people, the rows it had to skip, the kind of export."""

    people: tuple[Person, ...]
    bad: tuple[BadRow, ...]
    kind: str  # "LinkedIn" or "vCard"


@dataclass(frozen=True)
class Known:
    """A contact already in the vault, as far as matching needs it."""

    path: str
    name: str
    aliases: tuple[str, ...] = ()
    company: str = ""
    email: str = ""
    linkedin: str = ""


Action = Literal["new", "there", "duplicate"]


@dataclass(frozen=True)
class Step:
    """What the import does with one person: `new` creates `path`; `there` found the contact at
    `path` (`why` says how); `duplicate` leaves the person out, same name as `others` elsewhere."""

    person: Person
    action: Action
    path: str = ""
    why: str = ""
    others: tuple[str, ...] = ()
    repeats: int = 0  # `there` because an earlier row of the same file made that note: its line

    @property
    def stem(self) -> str:
        """The note's file name without folder and `.md`."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")


@dataclass(frozen=True)
class Filters:
    """Which rows to import: regexes on company and position (role), connected on or after a day,
    the first `limit` rows left after the others."""

    company: re.Pattern[str] | None = None
    position: re.Pattern[str] | None = None
    connected_since: dt.date | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Plan:
    """The whole import: a step per selected person, the bad rows, how many rows the filters left out."""

    steps: tuple[Step, ...]
    bad: tuple[BadRow, ...]
    left_out: int
    kind: str

    def of(self, action: Action) -> list[Step]:
        """The steps with that action, in file order."""
        return [step for step in self.steps if step.action == action]


# --- text ---------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """An export's text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252 (what
    spreadsheet programs on Windows save); line endings as they were."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_NAME_DROP = {"So", "Sk", "Cs", "Co", "Cn", "Cc", "Cf", "Me", "Zl", "Zp"}
_VARIATION = re.compile("[\ufe00-\ufe0f\U000e0000-\U000e007f]")
_FILE_BAD = re.compile(r'[/\\<>:"|?*\[\]#^]')
_GENERATIONAL = re.compile(r"(?:jr|sr|ii|iii|iv|v)\.?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def clean_name(raw: str) -> str:
    """A person's name fit for a file name and a [[link]]: emoji and symbols out, credentials after a
    comma out ("Jane Doe, PhD" -> "Jane Doe"; "Jr." and "III" stay), a tagline after ` | ` out,
    characters no file system or link can hold replaced by spaces, spaces collapsed. May be empty."""
    text = unicodedata.normalize("NFC", raw)
    text = _VARIATION.sub("", text)
    text = "".join(" " if unicodedata.category(ch) in _NAME_DROP else ch for ch in text)
    text = re.split(r"\s\|\s|\s[-–—]\s", text, maxsplit=1)[0]
    head, *tail = text.split(",")
    kept = [part.strip() for part in tail if _GENERATIONAL.fullmatch(part.strip())]
    text = " ".join([head, *kept])
    text = _FILE_BAD.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().strip(".").strip()
    return text


_FOLD = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "æ": "ae", "Æ": "ae"})
_FOLD.update(str.maketrans({"œ": "oe", "Œ": "oe", "ı": "i", "ð": "d", "þ": "th"}))


@functools.lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """A name as matching compares it: cleaned, without accents, case-folded, single spaces."""
    text = unicodedata.normalize("NFKD", clean_name(name).translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.casefold().replace("-", " ")).strip()


@functools.lru_cache(maxsize=1 << 16)
def linkedin_key(url: str) -> str:
    """A LinkedIn profile URL as matching compares it: `in/<slug>` (any scheme, host, country
    subdomain, trailing slash, query or case), else the cleaned text itself."""
    text = url.strip()
    if not text:
        return ""
    parts = urlsplit(text if "//" in text else "https://" + text)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path).strip("/").casefold()
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        pieces = path.split("/")
        if len(pieces) >= 2 and pieces[0] in ("in", "pub"):
            return f"in/{pieces[1]}"
        return path
    return text.casefold().rstrip("/")


def is_linkedin(url: str) -> bool:
    """Whether a URL is a LinkedIn profile (linkedin.com/in/...)."""
    return linkedin_key(url).startswith("in/") and "linkedin.com" in url.lower()


def one_line(text: str) -> str:
    """A text property's value on one line: line breaks become " / ", runs of spaces one space."""
    return " / ".join(_SPACES.sub(" ", line).strip() for line in text.splitlines() if line.strip())


_COMPANY_FORMS = re.compile(
    r"\b(?:inc|incorporated|llc|llp|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|sas|plc|bv|nv|pty)\b"
)


@functools.lru_cache(maxsize=1 << 16)
def company_key(company: str) -> str:
    """A company as matching compares it: no accents, case, punctuation or legal form
    ("Acme, Inc." is "ACME Corp" is "acme")."""
    text = unicodedata.normalize("NFKD", company.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return _SPACES.sub(" ", _COMPANY_FORMS.sub(" ", text)).strip() or text.strip()


def email_key(email: str) -> str:
    """An email address as matching compares it."""
    return email.strip().removeprefix("mailto:").strip().casefold()


# --- LinkedIn's Connections.csv -----------------------------------------------------------------

LINKEDIN_COLUMNS = {
    "first name": "first",
    "last name": "last",
    "url": "url",
    "profile url": "url",
    "email address": "email",
    "email": "email",
    "company": "company",
    "position": "position",
    "connected on": "connected",
}
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_LINKEDIN_DATE = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -](\d{4})")


def linkedin_date(text: str) -> dt.date:
    """`05 Nov 2024` (LinkedIn's form, English month names whatever the machine's locale), or
    `2024-11-05` (what a spreadsheet may have made of it). ValueError otherwise."""
    text = text.strip()
    found = _LINKEDIN_DATE.fullmatch(text)
    if found and found[2].lower() in _MONTHS:
        return dt.date(int(found[3]), _MONTHS[found[2].lower()], int(found[1]))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    raise ValueError(f"the date {text!r} is not like 05 Nov 2024")


def read_linkedin(data: bytes) -> Export:
    """Read LinkedIn's Connections.csv: the "Notes:" lines before the header are skipped, a BOM
    and CRLF are fine, rows without a name or with a bad date or field count are `BadRow`s."""
    text = decode(data)
    lines = list(io.StringIO(text, newline=""))  # split at \r\n, \n, \r only (not at U+2028 & co)
    delimiter = ","
    header_at = None
    for number, line in enumerate(lines):
        cells = [c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter), [])]
        if "first name" not in cells and ";" in line:
            semi = [c.strip().lower() for c in next(csv.reader([line], delimiter=";"), [])]
            if "first name" in semi and "last name" in semi:
                delimiter, cells = ";", semi
        if "first name" in cells and "last name" in cells:
            header_at = number
            break
    if header_at is None:
        raise UsageError(
            "this is not LinkedIn's Connections.csv: no header line with First Name and Last Name",
            "export it from LinkedIn (Settings, Data privacy, Get a copy of your data, Connections)",
        )
    reader = csv.reader(lines[header_at:], delimiter=delimiter)
    header = [LINKEDIN_COLUMNS.get(c.strip().lower(), "") for c in next(reader)]
    people: list[Person] = []
    bad: list[BadRow] = []
    done_lines = header_at + 1
    while True:
        start = done_lines + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            bad.append(BadRow(start, f"cannot read this row ({error})"))
            done_lines = header_at + reader.line_num
            continue
        done_lines = header_at + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            bad.append(
                BadRow(
                    start,
                    f"{len(row)} fields where the header has {len(header)} (a comma outside quotes?)",
                )
            )
            continue
        values = {key: value.strip() for key, value in zip(header, row, strict=True) if key}
        person, problem = _linkedin_person(start, values)
        if problem:
            bad.append(BadRow(start, problem))
        elif person is not None:
            people.append(person)
    return Export(tuple(people), tuple(bad), "LinkedIn")


def _linkedin_person(line: int, cells: dict[str, str]) -> tuple[Person | None, str]:
    raw = " ".join(p for p in (cells.get("first", ""), cells.get("last", "")) if p)
    last = clean_name(cells.get("last", ""))
    name = clean_name(f"{clean_name(cells.get('first', ''))} {last}")
    if not name:
        return None, "no name (LinkedIn leaves it empty for members who hide it)"
    connected = None
    if cells.get("connected"):
        try:
            connected = linkedin_date(cells["connected"])
        except ValueError as error:
            return None, str(error)
    email = cells.get("email", "")
    return (
        Person(
            line=line,
            name=name,
            raw_name=raw,
            company=one_line(cells.get("company", "")),
            role=one_line(cells.get("position", "")),
            email=email,
            emails=(email,) if email else (),
            linkedin=cells.get("url", ""),
            connected=connected,
        ),
        "",
    )


# --- vCard --------------------------------------------------------------------------------------

ParseLine = Callable[[str, int], tuple[str, dict[str, list[str]], str, str]]
_IGNORED = ("PHOTO", "LOGO", "SOUND", "KEY")
_QP = re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE)


def logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """A vCard's logical lines with the line each starts on: folded lines (a line starting with a
    space or tab continues the one before) joined, and vCard 2.1 quoted-printable values whose line
    ends with `=` (a soft line break) joined with the next line; blank lines skipped."""
    current: list[str] = []
    start = 0
    qp_open = False
    for number, line in enumerate(text.splitlines(), 1):
        if current and (qp_open or (line[:1] in (" ", "\t"))):
            if qp_open:
                current.append("\n" + line)
            else:
                current.append(line[1:])
        else:
            if current:
                yield start, "".join(current)
            current, start = ([line], number) if line.strip() else ([], number)
        joined = "".join(current)
        head = joined.split(":", 1)[0]
        qp_open = bool(current) and joined.endswith("=") and bool(_QP.search(head))
    if current:
        yield start, "".join(current)


def unescape(text: str) -> str:
    """A vCard text value with its backslash escapes (\\, \\; \\, \\n) undone."""
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], text)


def split_structured(text: str) -> list[str]:
    """A structured value (N, ORG, ADR) split at the semicolons that are not escaped, each unescaped."""
    return [unescape(part) for part in re.split(r"(?<!\\);", text)]


def read_vcard(data: bytes, parse_line: ParseLine) -> Export:
    """Read a vCard file (2.1, 3.0 or 4.0; any number of cards). `parse_line(text, line)` splits one
    logical line into name, parameters (upper-case names; bare 2.1 parameters under "TYPE"), the
    raw value (quoted-printable already decoded) and group. Photos are never decoded."""
    text = decode(data)
    people: list[Person] = []
    bad: list[BadRow] = []
    card: list[tuple[int, str]] | None = None
    depth = 0
    cards = 0
    for number, line in logical_lines(text):
        word = line.split(":", 1)[0].split(";", 1)[0].split(".")[-1].strip().upper()
        value = line.split(":", 1)[1].strip().upper() if ":" in line else ""
        if word == "BEGIN" and value == "VCARD":
            if card is None:
                card, depth = [(number, line)], 1
                cards += 1
            else:
                depth += 1  # a 2.1 AGENT's card inside this one: not a person of its own
            continue
        if card is None:
            continue
        if word == "END" and value == "VCARD":
            depth -= 1
            if depth == 0:
                person, problem = _vcard_person(card, parse_line)
                if problem:
                    bad.append(BadRow(card[0][0], problem))
                elif person is not None:
                    people.append(person)
                card = None
            continue
        if depth == 1:
            card.append((number, line))
    if card is not None:
        bad.append(BadRow(card[0][0], "this card is never closed with END:VCARD"))
    if not cards:
        raise UsageError("this is not a vCard file: no BEGIN:VCARD line", "export contacts as vCard (.vcf)")
    return Export(tuple(people), tuple(bad), "vCard")


@dataclass
class _Card:
    version: str = "3.0"
    props: dict[str, list[tuple[dict[str, list[str]], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _vcard_person(lines: list[tuple[int, str]], parse_line: ParseLine) -> tuple[Person | None, str]:
    card = _Card()
    for number, line in lines[1:]:
        word = line.split(":", 1)[0].split(";", 1)[0].split(".")[-1].strip().upper()
        if word in _IGNORED:
            continue
        try:
            name, params, value, _ = parse_line(line, number)
        except Exception as error:  # the parser's own error type; any failure means this card is unreadable
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            detail = re.sub(r"^At line \d+: ", "", detail)
            return None, f"line {number} cannot be read ({detail[:80]})"
        if name == "VERSION":
            card.version = value.strip()
        card.props[name].append((params, value))
    return _card_person(lines[0][0], card)


def _types(params: dict[str, list[str]]) -> set[str]:
    return {t.strip().lower() for value in params.get("TYPE", ()) for t in value.split(",")}


def _preferred(entries: list[tuple[dict[str, list[str]], str]]) -> list[tuple[dict[str, list[str]], str]]:
    """Entries with the preferred one first: PREF=1 (4.0) or TYPE=pref (2.1, 3.0), else file order."""

    def rank(entry: tuple[dict[str, list[str]], str]) -> int:
        params = entry[0]
        if "PREF" in params:
            try:
                return int(params["PREF"][0])
            except (ValueError, IndexError):
                return 1
        return 1 if "pref" in _types(params) else 101

    return sorted(entries, key=rank)


def _card_person(line: int, card: _Card) -> tuple[Person | None, str]:
    props = card.props

    def first(key: str) -> str:
        return unescape(props[key][0][1]).strip() if props.get(key) else ""

    n_parts = split_structured(props["N"][0][1]) + [""] * 5 if props.get("N") else [""] * 5
    family, given, additional, prefix, suffix = (p.strip() for p in n_parts[:5])
    full = first("FN")
    org = split_structured(props["ORG"][0][1])[0].strip() if props.get("ORG") else ""
    if first("X-ABSHOWAS").upper() == "COMPANY" or (full and full == org and not (given or family)):
        return None, f"a company card ({org or full}), not a person"
    raw = full
    if "," in full and (given or family):  # "Doe, Jane" (file-as order), or credentials: N says it
        full = " ".join(p for p in (given, additional, family) if p)
    if full:
        for word in prefix.split():
            if full.startswith(word + " "):
                full = full[len(word) :].strip()
        for word in reversed(suffix.replace(",", " ").split()):
            if full.endswith(" " + word) and not _GENERATIONAL.fullmatch(word):
                full = full[: -len(word)].strip().rstrip(",").strip()
    else:
        full = raw = " ".join(p for p in (given, additional, family) if p)
    name = clean_name(full)
    if not name:
        return None, "no name (neither FN nor N gives one)"
    emails = [
        unescape(v).strip().removeprefix("mailto:").strip() for _, v in _preferred(props.get("EMAIL", []))
    ]
    emails = [e for e in emails if e]
    phones = [unescape(v).strip().removeprefix("tel:") for _, v in _preferred(props.get("TEL", []))]
    phones = [p for p in phones if p]
    linkedin = ""
    web: list[str] = []
    for params, value in _preferred(props.get("URL", [])) + props.get("X-SOCIALPROFILE", []):
        url = unescape(value).strip()
        if "linkedin" in _types(params) and not is_linkedin(url):
            user = (params.get("X-USER") or [""])[0]
            url = f"https://www.linkedin.com/in/{user}" if user else url
        if is_linkedin(url):
            linkedin = linkedin or url
        elif url and url not in web and "linkedin" not in _types(params):
            web.append(url)
    location = ""
    if props.get("ADR"):
        adr = split_structured(_preferred(props["ADR"])[0][1]) + [""] * 7
        location = ", ".join(p.strip() for p in (adr[3], adr[4]) if p.strip())
    extra = [f"Email: {e}" for e in emails[1:]] + [f"Phone: {p}" for p in phones[1:]]
    extra += [f"Web: {url}" for url in web]
    note = first("NOTE")
    if note:
        extra.append("Note: " + note.replace("\n", "\n  "))
    return (
        Person(
            line=line,
            name=name,
            raw_name=raw,
            company=one_line(org),
            role=one_line(first("TITLE") or first("ROLE")),
            email=emails[0] if emails else "",
            emails=tuple(emails),
            phone=phones[0] if phones else "",
            linkedin=linkedin,
            location=location,
            extra=tuple(extra),
        ),
        "",
    )


# --- choosing and matching ----------------------------------------------------------------------


def select(people: Sequence[Person], filters: Filters) -> tuple[list[Person], int]:
    """The people the filters keep (file order) and how many they left out."""
    kept: list[Person] = []
    for person in people:
        if filters.company and not filters.company.search(person.company):
            continue
        if filters.position and not filters.position.search(person.role):
            continue
        if filters.connected_since and (
            person.connected is None or person.connected < filters.connected_since
        ):
            continue
        kept.append(person)
    if filters.limit is not None:
        kept = kept[: filters.limit]
    return kept, len(people) - len(kept)


_QUALIFIED = re.compile(r"(.+?) \([^()]+\)")


class _Table:
    """The contacts matching looks in, by LinkedIn key, email and folded name; planned notes join it."""

    def __init__(self, known: Iterable[Known]) -> None:
        self.by_linkedin: dict[str, list[Known]] = defaultdict(list)
        self.by_email: dict[str, list[Known]] = defaultdict(list)
        self.by_name: dict[str, list[Known]] = defaultdict(list)
        for contact in known:
            self.add(contact)

    def add(self, contact: Known) -> None:
        if contact.linkedin:
            self.by_linkedin[linkedin_key(contact.linkedin)].append(contact)
        if contact.email:
            self.by_email[email_key(contact.email)].append(contact)
        stem = contact.path.rsplit("/", 1)[-1].removesuffix(".md")
        base = _QUALIFIED.fullmatch(stem)  # "John Smith (Globex)", as `note_stem` names a second one
        names = (contact.name, stem, *contact.aliases, *([base[1]] if base else []))
        for name in dict.fromkeys(fold(n) for n in names):
            if name:
                self.by_name[name].append(contact)


def _same(a: str, b: str) -> bool:
    return company_key(a) == company_key(b)


def match(person: Person, table: _Table) -> Step | None:
    """The step for a person the vault already has (or may have), else None (a new contact)."""
    key = linkedin_key(person.linkedin)
    if key and table.by_linkedin.get(key):
        return Step(person, "there", table.by_linkedin[key][0].path, "same LinkedIn URL")
    for email in person.emails:
        found = table.by_email.get(email_key(email))
        if found:
            return Step(person, "there", found[0].path, "same email")
    named = table.by_name.get(fold(person.name), [])
    # a different LinkedIn profile is a different person, whatever the name
    named = [c for c in named if not (key and c.linkedin and linkedin_key(c.linkedin) != key)]
    if not named:
        return None
    same_company = [c for c in named if person.company and c.company and _same(c.company, person.company)]
    if same_company:
        return Step(person, "there", same_company[0].path, "same name and company")
    unknown = [c for c in named if not c.company or not person.company]
    if len(unknown) == 1 and len(named) == 1:
        return Step(person, "there", unknown[0].path, "same name")
    listing = ", ".join(f"{c.path} ({c.company})" if c.company else c.path for c in named)
    return Step(person, "duplicate", why=f"same name as {listing}", others=tuple(c.path for c in named))


MAX_STEM_BYTES = 200


def _fits(stem: str) -> bool:
    return len(stem.encode("utf-8")) <= MAX_STEM_BYTES


def note_stem(person: Person, taken: set[str]) -> str:
    """A file name (without .md) for a new contact that no note in the vault has (any case): the
    name, else "Name (Company)", else "Name (Company, Role)", else "Name (2)", "Name (3)", ...
    Deterministic: the same export into the same vault gives the same names."""
    base = person.name
    while not _fits(base):
        base = base[:-1].rstrip()
    company = clean_name(person.company)
    role = clean_name(person.role)
    candidates = [base]
    if company:
        candidates.append(f"{base} ({company})")
        if role:
            candidates.append(f"{base} ({company}, {role})")
    elif role:
        candidates.append(f"{base} ({role})")
    for stem in candidates:
        if _fits(stem) and _free(stem, taken):
            return stem
    number = 2
    while not _free(f"{base} ({number})", taken):
        number += 1
    return f"{base} ({number})"


def _free(stem: str, taken: set[str]) -> bool:
    return unicodedata.normalize("NFC", stem).casefold() not in taken


def taken_key(stem: str) -> str:
    """How a file name is compared with the names taken (case-insensitive file systems, NFC)."""
    return unicodedata.normalize("NFC", stem).casefold()


def plan(
    people: Sequence[Person],
    known: Sequence[Known],
    stems: Iterable[str],
    *,
    folder: str = "contacts",
    keep_both: bool = False,
    check_name: Callable[[str], Any] | None = None,
    bad: Sequence[BadRow] = (),
    left_out: int = 0,
    kind: str = "",
) -> Plan:
    """One step per person, in file order. `known`: the vault's contacts; `stems`: the file names
    (without .md) of every Markdown note in the vault, contacts or not, so no new note takes a
    name a [[link]] already resolves to. People are matched against the notes planned before them
    too, so a row repeated in the file is "already there". With `keep_both`, a possible duplicate
    becomes a new note with a distinct name. `check_name(stem)` raises UsageError for a name no
    file system may hold: that person becomes a bad row."""
    table = _Table(known)
    taken = {taken_key(stem) for stem in stems}
    not_contacts = {taken_key(stem) for stem in stems} - {
        taken_key(k.path.rsplit("/", 1)[-1].removesuffix(".md")) for k in known
    }
    steps: list[Step] = []
    planned: dict[str, int] = {}  # new note -> the line it comes from
    bad_rows = list(bad)
    for person in people:
        step = match(person, table)
        if step is not None and step.action == "there" and step.path in planned:
            step = replace(step, why=f"repeats line {planned[step.path]}", repeats=planned[step.path])
        if step is None and taken_key(person.name) in not_contacts:
            step = Step(
                person,
                "duplicate",
                why=f"a note named {person.name}.md exists that is not a readable contact note",
            )
        if step is not None and not (keep_both and step.action == "duplicate"):
            steps.append(step)
            continue
        stem = note_stem(person, taken)
        if check_name is not None:
            try:
                check_name(stem)
            except UsageError as error:
                bad_rows.append(BadRow(person.line, error.message))
                continue
        path = f"{folder}/{stem}.md"
        why = "same name, kept both (--keep-both)" if step is not None else ""
        steps.append(Step(person, "new", path, why, step.others if step is not None else ()))
        taken.add(taken_key(stem))
        planned[path] = person.line
        table.add(Known(path, person.name, (), person.company, person.email, person.linkedin))
    bad_rows.sort(key=lambda row: row.line)
    return Plan(tuple(steps), tuple(bad_rows), left_out, kind)
