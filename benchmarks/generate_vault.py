"""Write a realistic, deterministic vault of contact and interview notes for benchmarks.

    python benchmarks/generate_vault.py DIR --contacts N [--seed S] [--mtime 2026-11-01]

N contacts go to DIR/contacts/<Name>.md and about 2N interviews to DIR/interviews/<YYYY-MM-DD> <Name>.md
(N=700 gives about 2,000 notes, N=7000 about 20,000), plus DIR/iinotes.toml. The same seed always gives
the same bytes. Every note is valid for iinotes on 2026-11-23 (the day the dates are spread around):
past interviews are done, cancelled or no-show, so not even a stale-status warning is expected.

Also importable: ``from benchmarks.generate_vault import generate; generate(path, contacts=N, seed=0)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

TODAY = dt.date(2026, 11, 23)
FIRST_DAY = dt.date(2025, 1, 6)  # earliest outreach
LAST_DAY = dt.date(2027, 6, 30)  # latest interview
SETTINGS_TEXT = 'timezone = "America/New_York"\n'

FIRST_NAMES = (
    "Aaliyah",
    "Aaron",
    "Abigail",
    "Adam",
    "Adrian",
    "Aisha",
    "Alan",
    "Alejandro",
    "Alex",
    "Alice",
    "Amara",
    "Amir",
    "Ana",
    "Andrea",
    "Andrew",
    "Angela",
    "Anika",
    "Ann",
    "Anthony",
    "Arjun",
    "Ava",
    "Beatriz",
    "Ben",
    "Bianca",
    "Brandon",
    "Brian",
    "Caleb",
    "Camila",
    "Carlos",
    "Carmen",
    "Catherine",
    "Chen",
    "Chloe",
    "Chris",
    "Claire",
    "Daniel",
    "David",
    "Deepa",
    "Derek",
    "Diana",
    "Diego",
    "Dmitri",
    "Elena",
    "Eli",
    "Elif",
    "Emily",
    "Emma",
    "Eric",
    "Esther",
    "Ethan",
    "Fatima",
    "Felix",
    "Fiona",
    "Francesca",
    "Gabriel",
    "Grace",
    "Hana",
    "Hannah",
    "Hassan",
    "Helen",
    "Hiroshi",
    "Ian",
    "Imani",
    "Isaac",
    "Isabel",
    "Jack",
    "Jamal",
    "James",
    "Jane",
    "Jasmine",
    "Javier",
    "Jennifer",
    "Jessica",
    "Jin",
    "Joanna",
    "John",
    "Jordan",
    "José",
    "Julia",
    "Julian",
    "Kai",
    "Karen",
    "Kate",
    "Kenji",
    "Kevin",
    "Kofi",
    "Laura",
    "Leah",
    "Leo",
    "Liam",
    "Lily",
    "Lucas",
    "Luis",
    "Maya",
    "Mei",
    "Michael",
    "Miguel",
    "Mina",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Nathan",
    "Nina",
    "Noah",
    "Olivia",
    "Omar",
    "Pablo",
    "Patrick",
    "Priya",
    "Rachel",
    "Rahul",
    "Ravi",
    "Rebecca",
    "Ricardo",
    "Rosa",
    "Ruth",
    "Ryan",
    "Samuel",
    "Sara",
    "Sean",
    "Sofia",
    "Sophie",
    "Stefan",
    "Tariq",
    "Thomas",
    "Tomás",
    "Valentina",
    "Victor",
    "Wei",
    "William",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoë",
)
LAST_NAMES = (
    "Abbott",
    "Adeyemi",
    "Ahmed",
    "Alvarez",
    "Anderson",
    "Bailey",
    "Baker",
    "Banerjee",
    "Becker",
    "Bennett",
    "Bergström",
    "Brooks",
    "Brown",
    "Campbell",
    "Castillo",
    "Chang",
    "Chen",
    "Clarke",
    "Cohen",
    "Collins",
    "Cooper",
    "Cruz",
    "Da Silva",
    "Davies",
    "Díaz",
    "Dubois",
    "Edwards",
    "Evans",
    "Fernández",
    "Fischer",
    "Fitzgerald",
    "Flores",
    "Foster",
    "García-López",
    "Gomez",
    "Gonzalez",
    "Gordon",
    "Gray",
    "Green",
    "Gupta",
    "Hall",
    "Hansen",
    "Harris",
    "Hashemi",
    "Hayes",
    "Hernandez",
    "Hill",
    "Hoffmann",
    "Hughes",
    "Ibrahim",
    "Ito",
    "Jackson",
    "Jensen",
    "Johnson",
    "Jones",
    "Kaur",
    "Kelly",
    "Khan",
    "Kim",
    "King",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Lee",
    "Lewis",
    "Li",
    "Lin",
    "Liu",
    "Lopez",
    "Martin",
    "Martinez",
    "McCarthy",
    "Mehta",
    "Mendes",
    "Miller",
    "Mitchell",
    "Moore",
    "Morales",
    "Morgan",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "O'Brien",
    "O'Connor",
    "Okafor",
    "Olsen",
    "Ortiz",
    "Park",
    "Patel",
    "Perez",
    "Peterson",
    "Phillips",
    "Ramirez",
    "Reddy",
    "Reyes",
    "Richardson",
    "Rivera",
    "Roberts",
    "Robinson",
    "Rodriguez",
    "Rossi",
    "Russo",
    "Sánchez",
    "Sato",
    "Schmidt",
    "Schneider",
    "Scott",
    "Shah",
    "Sharma",
    "Silva",
    "Singh",
    "Smith",
    "Sokolov",
    "Stewart",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Thompson",
    "Torres",
    "Tran",
    "Turner",
    "van der Berg",
    "Vargas",
    "Wagner",
    "Walker",
    "Wang",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wong",
    "Wright",
    "Wu",
    "Yamamoto",
    "Yang",
    "Young",
    "Zhang",
    "Zhou",
    "Zimmermann",
)
COMPANIES = (
    "Acme Analytics",
    "Brightline Health",
    "Northwind Traders",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Procter & Gamble",
    "Johnson & Johnson",
    "Stripe",
    "Figma",
    "Datadog",
    "Shopify",
    "Spotify",
    "Airbnb",
    "Mozilla",
    "Wikimedia Foundation",
    "Red Cross",
    "City of Boston",
    "Bain & Company",
    "McKinsey",
    "Deloitte",
    "Goldman Sachs",
    "JPMorgan Chase",
    "Pfizer",
    "Moderna",
    "Patagonia",
    "IDEO",
    "Pentagram",
    "The New York Times",
    "NPR",
    "Khan Academy",
    "Coursera",
    "Duolingo",
    "Canva",
    "Atlassian",
    "GitLab",
    "Zapier",
    "Etsy",
    "Warby Parker",
    "Sweetgreen",
    "Tesla",
    "Rivian",
    "SpaceX",
    "Planet Labs",
    "Climeworks",
    "Watershed",
    "Blue Apron",
    "Peloton",
    "Oscar Health",
    "Flatiron Health",
    "Verily",
    "Harvard University",
    "MIT Media Lab",
    "World Bank",
    "UNICEF",
    "Gates Foundation",
    "Ford Foundation",
    "Lyft",
    "DoorDash",
    "Instacart",
    "Notion",
    "Linear",
    "Vercel",
    "Cloudflare",
    "Snowflake",
    "Databricks",
)
ROLES = (
    "Product Manager",
    "Senior Product Manager",
    "Director of Product",
    "UX Designer",
    "Senior UX Researcher",
    "Design Lead",
    "Software Engineer",
    "Staff Engineer",
    "Engineering Manager",
    "VP of Engineering",
    "Data Scientist",
    "Analytics Manager",
    "Machine Learning Engineer",
    "Program Manager",
    "Chief of Staff",
    "Strategy Consultant",
    "Associate Partner",
    "Investment Analyst",
    "Policy Advisor",
    "Grant Officer",
    "Communications Director",
    "Content Strategist",
    "Recruiter",
    "Talent Partner",
    "Founder",
    "Co-founder",
    "Head of Operations",
    "Operations Analyst",
    "Marketing Manager",
    "Growth Lead",
    "Sustainability Lead",
    "Research Scientist",
    "Clinical Data Manager",
    "Teacher",
    "Professor",
    "Editor",
    "Producer",
)
CITIES = (
    "New York, NY",
    "Brooklyn, NY",
    "Boston, MA",
    "Cambridge, MA",
    "Philadelphia, PA",
    "Washington, DC",
    "Chicago, IL",
    "Austin, TX",
    "Denver, CO",
    "Seattle, WA",
    "San Francisco, CA",
    "Oakland, CA",
    "Los Angeles, CA",
    "Atlanta, GA",
    "Miami, FL",
    "Toronto, ON",
    "Montréal, QC",
    "London, UK",
    "Berlin",
    "Amsterdam",
    "Remote",
)
INDUSTRIES = (
    "fintech",
    "health tech",
    "climate",
    "education",
    "media",
    "consulting",
    "nonprofit",
    "government",
    "design",
    "developer tools",
    "e-commerce",
    "biotech",
    "transportation",
    "philanthropy",
    "research",
)
TAGS = (
    "product",
    "design",
    "engineering",
    "data",
    "ux",
    "strategy",
    "climate",
    "fintech",
    "healthcare",
    "edtech",
    "nonprofit",
    "policy",
    "alumni",
    "mentor",
    "hiring-manager",
    "recruiter",
    "warm-intro",
    "priority",
    "career-switch",
    "remote",
    "nyc",
    "boston",
    "bay-area",
    "europe",
)
SOURCES = (
    "alumni",
    "LinkedIn",
    "event",
    "referral",
    "cold email",
    "conference",
    "meetup",
    "former colleague",
    "friend",
    "Slack community",
)
CADENCES = ("14d", "30d", "60d", "8w", "12w", "3m", "6m", "1y", "never")
MEDIA = ("video", "video", "video", "phone", "phone", "in-person", "in-person", "email")
ENTRY_NOTES = (
    "short intro",
    "asked for 20 minutes",
    "mentioned our alumni network",
    "sent my resume",
    "follow-up on last message",
)
VIA = ("email", "LinkedIn", "email", "text", "Slack")
ZONES = ("Europe/London", "America/Los_Angeles", "America/Chicago", "Europe/Berlin", "Asia/Tokyo")
STREETS = ("Main St", "Broadway", "Market St", "Elm St", "Congress Ave", "Pike St", "King St W", "High St")
CAFES = (
    "Blue Bottle",
    "Joe Coffee",
    "Café Grumpy",
    "Tatte",
    "La Colombe",
    "Stumptown",
    "Pret",
    "the office lobby",
)

ABOUT = (
    "{first} leads the {industry} work at {company} and came up through {background}.",
    "Spent {years} years at {other} before joining {company} as {role_a}.",
    "Moved from {background} into {industry} and talks openly about the switch.",
    "Known for writing about {topic}; their newsletter is worth reading before we talk.",
    "Manages a team of {team} and hires for junior roles about twice a year.",
    "Went to the same program as me, a few years earlier.",
    "Very active on LinkedIn; posts about {topic} every week or so.",
    "Gave a talk on {topic} at a meetup last spring that I found on YouTube.",
    "Helped build the first version of the {industry} product at {other}.",
    "Mentors people breaking into {industry} through a volunteer program.",
    "Works mostly with distributed teams across {city} and Europe.",
    "Prefers short calls and clear agendas; send questions ahead of time.",
    "Their team is small but growing, maybe {team} people by next year.",
    "Switched from an individual contributor track to management recently.",
)
BACKGROUNDS = (
    "consulting",
    "academia",
    "journalism",
    "teaching",
    "finance",
    "the military",
    "startups",
    "government",
    "nonprofits",
    "design school",
)
TOPICS = (
    "career changes",
    "research operations",
    "hiring for potential",
    "product discovery",
    "data ethics",
    "remote management",
    "building design systems",
    "climate finance",
    "public interest technology",
    "pricing strategy",
    "user research on a budget",
    "writing for the web",
    "open source sustainability",
    "grant writing",
    "platform teams",
    "the first 90 days in a new role",
)
QUESTIONS = (
    "What does a typical week look like for you?",
    "How did you get from {background} into {industry}?",
    "What skills do you wish you had developed earlier?",
    "What does the team at {company} look for in new hires?",
    "Which parts of the job surprised you most?",
    "How do you measure success in your role?",
    "What would you do differently if you were starting out today?",
    "Who else should I talk to about {topic}?",
    "How much of your work is {topic}?",
    "What are the biggest challenges facing {industry} right now?",
    "How does {company} support professional development?",
    "Is a portfolio or a take-home exercise more common for {role_a} roles?",
    "What do you read to stay current?",
    "How do people usually move between teams at {company}?",
    "What does career growth look like after a few years?",
    "Which certifications or courses are actually worth it?",
    "How do you split time between meetings and focused work?",
    "What is one mistake you see career switchers make?",
)
NOTES = (
    "Said the hardest part of {industry} is {challenge}.",
    "Recommended the book *{book}*.",
    "Hiring is slow this quarter but should pick up after the new budget.",
    "Their team uses a lot of {tool}; worth learning the basics.",
    "Most people on the team came from {background}.",
    "Suggested I look at the {industry} meetups in {city}.",
    "The interview process has {rounds} rounds, including a case study.",
    "Emphasized writing skills more than I expected.",
    "Thinks my background in {background} is an advantage, not a gap.",
    "Mentioned an opening for a {role_a} that is not posted yet.",
    "Offered to review my resume once I tailor it.",
    "Talked about burnout and how they set boundaries.",
    "Was candid that salaries in {industry} lag behind tech.",
    "Said to mention their name when I apply.",
    "Recommended following {first2} {last2} for posts on {topic}.",
    "Compared {company} with {other}: more process, more stability.",
    "Described the {topic} project as the thing they are proudest of.",
    "Asked what I want my next role to look like; I need a crisper answer.",
)
CHALLENGES = (
    "getting good data",
    "stakeholder alignment",
    "long sales cycles",
    "regulation",
    "funding",
    "hiring",
    "measuring impact",
)
BOOKS = (
    "Inspired",
    "Designing Your Life",
    "The Manager's Path",
    "Thinking in Systems",
    "So Good They Can't Ignore You",
    "Range",
    "Working Backwards",
)
TOOLS = ("SQL", "Figma", "Python", "dbt", "Looker", "Airtable", "Jira", "Excel")
TAKEAWAYS = (
    "Focus the resume on outcomes, not tasks.",
    "Build one small project in {industry} to show interest.",
    "Reach out to the people they mentioned this week.",
    "Informational interviews work better with a specific ask.",
    "My story about leaving {background} needs to be shorter.",
    "Apply through a referral rather than the job board.",
    "Keep in touch every couple of months with a useful link.",
)
TASKS = (
    "Send portfolio",
    "Send thank-you note",
    "Share the article on {topic}",
    "Update resume with their feedback",
    "Apply for the {role_a} opening",
    "Introduce them to {first2}",
    "Send writing sample",
    "Read *{book}*",
    "Follow up about the {industry} meetup",
    "Email {first2} {last2}",
    "Prepare case study notes",
    "Send the link to my talk",
    "Connect on LinkedIn",
)
LOG = (
    "Sent an intro message via {via}.",
    "Nudged via {via}.",
    "They replied and suggested times.",
    "Sent an article on {topic}.",
    "Congratulated them on the new role.",
    "Shared an update on my search.",
    "Met at a {industry} meetup.",
    "Exchanged a few messages about {topic}.",
)

_SAFE_PLAIN = re.compile(r"[A-Za-z][^:#\[\]{}&*!|>'\"%@`\n]*\Z")
_RESERVED = frozenset(("true", "false", "yes", "no", "on", "off", "null", "y", "n"))


def q(text: str) -> str:
    """`text` as a YAML scalar: plain when that is safe in both YAML 1.1 and 1.2, else double-quoted."""
    if (
        _SAFE_PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith(" ")
        and " -" not in text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def link(name: str) -> str:
    return json.dumps(f"[[{name}]]", ensure_ascii=False)


@dataclass
class Person:
    name: str
    first: str
    last: str
    id: str
    company: str
    role: str
    city: str
    interviews: list[Meeting] = field(default_factory=list)
    referred_by: str | None = None
    source: str = ""


@dataclass
class Meeting:
    person: Person
    when: dt.datetime
    id: str
    past: bool
    status: str = ""
    referrals: list[str] = field(default_factory=list)


class _Gen:
    def __init__(self, contacts: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = contacts
        self.ids: set[str] = set()

    def new_id(self, prefix: str) -> str:
        while True:
            value = f"{prefix}{self.rng.getrandbits(32):08x}"
            if value not in self.ids:
                self.ids.add(value)
                return value

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def names(self) -> list[tuple[str, str, str]]:
        combos = [(f, la) for f in FIRST_NAMES for la in LAST_NAMES]
        self.rng.shuffle(combos)
        result = []
        for i in range(self.count):
            first, last = combos[i % len(combos)]
            round_ = i // len(combos)
            name = f"{first} {last}" + (f" {round_ + 1}" if round_ else "")
            result.append((name, first, last))
        return result

    def fill(self, template: str, person: Person) -> str:
        rng = self.rng
        if "{" not in template:
            return template
        return template.format(
            first=person.first,
            company=person.company,
            role_a=person.role.lower(),
            city=person.city,
            industry=rng.choice(INDUSTRIES),
            background=rng.choice(BACKGROUNDS),
            topic=rng.choice(TOPICS),
            years=rng.randint(2, 15),
            other=rng.choice(COMPANIES),
            team=rng.randint(3, 40),
            challenge=rng.choice(CHALLENGES),
            book=rng.choice(BOOKS),
            tool=rng.choice(TOOLS),
            rounds=rng.randint(2, 5),
            first2=rng.choice(FIRST_NAMES),
            last2=rng.choice(LAST_NAMES),
            via=rng.choice(VIA),
        )


def generate(
    path: str | os.PathLike[str], contacts: int, seed: int = 0, *, mtime: float | None = None
) -> dict[str, int]:
    """Write the vault into `path` (created if needed); returns counts of what was written.

    `mtime` (seconds since the epoch), when given, is set as every written file's atime and mtime."""
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    root = Path(path)
    (root / "contacts").mkdir(parents=True, exist_ok=True)
    (root / "interviews").mkdir(parents=True, exist_ok=True)
    gen = _Gen(contacts, seed)
    people = _people(gen)
    _referrals(gen, people)
    by_name = {p.name: p for p in people}
    written: list[Path] = []

    def write(target: Path, text: str) -> None:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(target)

    write(root / "iinotes.toml", SETTINGS_TEXT)
    interviews = 0
    for person in people:
        write(root / "contacts" / f"{person.name}.md", _contact_note(gen, person))
        for meeting in person.interviews:
            fname = f"{meeting.when.date().isoformat()} {person.name}.md"
            write(root / "interviews" / fname, _interview_note(gen, meeting, by_name))
            interviews += 1
    if mtime is not None:
        for target in written:
            os.utime(target, (mtime, mtime))
    return {"contacts": len(people), "interviews": interviews, "notes": len(people) + interviews}


def _people(gen: _Gen) -> list[Person]:
    rng = gen.rng
    people = []
    for name, first, last in gen.names():
        person = Person(
            name, first, last, gen.new_id("c-"), rng.choice(COMPANIES), rng.choice(ROLES), rng.choice(CITIES)
        )
        count = rng.choices((0, 1, 2, 3, 4, 5, 6), (20, 25, 20, 15, 10, 6, 4))[0]
        if count:
            day = gen.day_between(dt.date(2025, 2, 10), dt.date(2027, 3, 31))
            for _ in range(count):
                if day > LAST_DAY:
                    break
                hour, minute = rng.randint(8, 18), rng.choice((0, 0, 0, 15, 30, 30, 45))
                when = dt.datetime(day.year, day.month, day.day, hour, minute)
                meeting = Meeting(person, when, gen.new_id("i-"), day < TODAY)
                meeting.status = _interview_status(rng, meeting)
                person.interviews.append(meeting)
                day += dt.timedelta(days=rng.randint(30, 160))
        people.append(person)
    return people


def _referrals(gen: _Gen, people: list[Person]) -> None:
    """Past interviews name other people; some of those then carry referred_by back."""
    rng = gen.rng
    for person in people:
        for meeting in person.interviews:
            if meeting.status != "done" or rng.random() < 0.5:
                continue
            for _ in range(rng.choices((1, 2, 3), (50, 30, 20))[0]):
                if rng.random() < 0.15:  # anyone, often someone without a contact note (yet)
                    name, other = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", None
                else:
                    other = rng.choice(people)
                    name = other.name
                if name == person.name or name in meeting.referrals:
                    continue
                meeting.referrals.append(name)
                if other is not None and other.referred_by is None and rng.random() < 0.5:
                    other.referred_by = person.name


def _dates_block(key: str, days: list[dt.date], gen: _Gen, as_entries: float) -> list[str]:
    lines = [f"{key}:"]
    for day in days:
        if gen.rng.random() < as_entries:
            lines.append(f"  - date: {day.isoformat()}")
            lines.append(f"    via: {gen.rng.choice(VIA)}")
            if gen.rng.random() < 0.4:
                lines.append(f"    note: {q(gen.rng.choice(ENTRY_NOTES))}")
        else:
            lines.append(f"  - {day.isoformat()}")
    return lines


def _list_block(key: str, items: list[str], rng: random.Random) -> list[str]:
    if rng.random() < 0.2:
        return [
            f"{key}: ["
            + ", ".join(item if "," not in item else json.dumps(item, ensure_ascii=False) for item in items)
            + "]"
        ]
    return [f"{key}:"] + [f"  - {item}" for item in items]


def _contact_note(gen: _Gen, p: Person) -> str:
    rng = gen.rng
    fm = ["type: contact", f"id: {p.id}"]
    if rng.random() < 0.7:
        fm.append(f"name: {q(p.name)}")
    if rng.random() < 0.08:
        fm += _list_block("aliases", [q(p.first), q(f"{p.first} {p.last[0]}.")], rng)
    fm.append(f"company: {q(p.company)}")
    fm.append(f"role: {q(p.role)}")
    fm.append(f"location: {q(p.city)}")
    slug = re.sub(r"[^a-z0-9]+", ".", f"{p.first} {p.last}".lower().encode("ascii", "ignore").decode()).strip(
        "."
    )
    fm.append(f"email: {slug}@example.com")
    if rng.random() < 0.25:
        fm.append(f'phone: "+1 555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"')
    if rng.random() < 0.4:
        fm.append(f"linkedin: https://www.linkedin.com/in/{slug.replace('.', '-')}")
    fm += _list_block("tags", rng.sample(TAGS, rng.randint(1, 4)), rng)
    fm.append(f"source: {q('referral' if p.referred_by else rng.choice(SOURCES))}")
    if p.referred_by:
        fm.append(f"referred_by: {link(p.referred_by)}")

    # the outreach timeline: before the first interview when there is one, else anywhere up to today
    first_meeting = p.interviews[0].when.date() if p.interviews else None
    outreach: list[dt.date] = []
    responded = None
    count = rng.choices((0, 1, 2, 3, 4), (10, 45, 25, 12, 8) if first_meeting else (30, 30, 20, 12, 8))[0]
    if count:
        gaps = [rng.randint(10, 21) for _ in range(count - 1)]
        if first_meeting:
            start = first_meeting - dt.timedelta(days=sum(gaps) + rng.randint(8, 40))
        else:
            start = gen.day_between(FIRST_DAY, TODAY - dt.timedelta(days=1))
        day = start
        for gap in [0, *gaps]:
            day += dt.timedelta(days=gap)
            if day <= TODAY:
                outreach.append(day)
        if outreach and (first_meeting or rng.random() < 0.2):
            limit = min(first_meeting - dt.timedelta(days=1) if first_meeting else TODAY, TODAY)
            responded = min(outreach[-1] + dt.timedelta(days=rng.randint(1, 7)), limit)
            responded = max(responded, outreach[-1])
    if outreach:
        fm += _dates_block("outreach", outreach, gen, 0.25)
    if responded:
        fm.append(f"responded: {responded.isoformat()}")
    met = [m.when.date() for m in p.interviews if m.past]
    if met and rng.random() < 0.5:
        touches = sorted(
            {
                gen.day_between(met[-1] + dt.timedelta(days=7), TODAY)
                for _ in range(rng.randint(1, 3))
                if met[-1] + dt.timedelta(days=7) <= TODAY
            }
        )
        if touches:
            fm += _dates_block("touches", touches, gen, 0.3)
    if met and rng.random() < 0.03:
        fm.append(f"last_contact: {gen.day_between(met[-1], TODAY).isoformat()}")
    if rng.random() < 0.5:
        fm.append(f"keep_in_touch: {rng.choice(CADENCES)}")
    if rng.random() < 0.05:
        day = gen.day_between(TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=40))
        fm.append(
            f"follow_up: {day.isoformat()}" + (f"T{rng.randint(9, 17):02d}:00" if rng.random() < 0.3 else "")
        )
    status = rng.choices(
        ("", "paused", "declined", "archived", "do-not-contact", "active"), (86, 5, 4, 2, 1, 2)
    )[0]
    if status:
        fm.append(f"status: {status}")

    body = [f"# {p.name}", ""]
    target = rng.randint(15, 60)
    body += ["## About", ""]
    body += [gen.fill(rng.choice(ABOUT), p) for _ in range(rng.randint(1, 4))]
    sections = ["questions", "log", "notes", "tasks"]
    rng.shuffle(sections)
    for section in sections:
        if len(body) >= target - 3:
            break
        body.append("")
        if section == "questions":
            body += ["## Questions to ask", ""]
            body += [f"- {gen.fill(rng.choice(QUESTIONS), p)}" for _ in range(rng.randint(2, 7))]
        elif section == "log":
            body += ["## Log", ""]
            days = outreach or [gen.day_between(FIRST_DAY, TODAY) for _ in range(rng.randint(1, 3))]
            body += [f"- {d.isoformat()}: {gen.fill(rng.choice(LOG), p)}" for d in days]
        elif section == "notes":
            body += ["## Notes", ""]
            for _ in range(rng.randint(2, 8)):
                body.append(
                    f"- {gen.fill(rng.choice(NOTES), p)}"
                    if rng.random() < 0.7
                    else gen.fill(rng.choice(ABOUT), p)
                )
        elif rng.random() < 0.3:
            body += ["## To do", ""]
            body += _tasks(gen, p, TODAY, rng.randint(1, 3))
    while len(body) < target:
        body.append(f"- {gen.fill(rng.choice(NOTES), p)}")
    return _note(fm, body[:60])


def _interview_status(rng: random.Random, m: Meeting) -> str:
    if m.past:
        return rng.choices(("done", "cancelled", "no-show"), (88, 8, 4))[0]
    return rng.choices(("scheduled", "confirmed", "requested", "cancelled", ""), (45, 35, 8, 7, 5))[0]


def _tasks(gen: _Gen, p: Person, around: dt.date, count: int) -> list[str]:
    rng = gen.rng
    lines = []
    for _ in range(count):
        due = around + dt.timedelta(days=rng.randint(-10, 21))
        done = due < TODAY and rng.random() < 0.8
        task = gen.fill(rng.choice(TASKS), p)
        lines.append(
            f"- [{'x' if done else ' '}] {task} 📅 {due.isoformat()}"
            + (f" ✅ {min(due, TODAY).isoformat()}" if done and rng.random() < 0.5 else "")
        )
    return lines


def _interview_note(gen: _Gen, m: Meeting, people: dict[str, Person]) -> str:
    rng = gen.rng
    p = m.person
    day = m.when.date()
    fm = ["type: interview"]
    form = rng.random()
    if form < 0.85:
        fm.append(f"contact: {link(p.name)}")
    elif form < 0.93:
        fm.append(f"contact: {link(f'contacts/{p.name}')}")
    else:
        fm.append(f"contact: {link(f'{p.name}|{p.first}')}")
    fm.append(f"id: {m.id}")
    style = rng.random()
    if not m.past and style < 0.04:
        fm.append(f"scheduled: {day.isoformat()}")  # time not agreed yet
    elif style < 0.1:
        fm.append(f"scheduled: {m.when.isoformat(timespec='seconds')}")
    elif style < 0.13:
        fm.append(f"scheduled: {m.when.isoformat(timespec='minutes')}-05:00")
    else:
        fm.append(f"scheduled: {m.when.isoformat(timespec='minutes')}")
        if style > 0.95:
            fm.append(f"timezone: {rng.choice(ZONES)}")
    duration = rng.choice((20, 30, 30, '"45m"', '"45m"', '"1h"', '"30m"', '"1h30m"'))
    if rng.random() < 0.8:
        fm.append(f"duration: {duration}")
    medium = rng.choice(MEDIA)
    fm.append(f"medium: {medium}")
    if medium == "video":
        fm.append(f"location: https://zoom.us/j/{rng.randint(10**9, 10**10 - 1)}")
    elif medium == "in-person":
        fm.append(f"location: {q(f'{rng.choice(CAFES)}, {rng.randint(1, 999)} {rng.choice(STREETS)}')}")
    elif medium == "phone":
        fm.append(f'location: "+1 555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"')
    if m.status:
        fm.append(f"status: {m.status}")
    if m.status == "confirmed" and rng.random() < 0.6:
        fm.append(
            "confirmed: "
            f"{max(day - dt.timedelta(days=rng.randint(1, 30)), TODAY - dt.timedelta(days=30)).isoformat()}"
        )
    if m.status == "done" and rng.random() < 0.7:
        fm.append(
            f"thank_you_sent: {min(day + dt.timedelta(days=rng.choice((0, 0, 1, 1, 2))), TODAY).isoformat()}"
        )
    if m.referrals:
        fm.append("referrals:")
        for name in m.referrals:
            form = rng.random()
            shown = (
                name
                if form < 0.9 or name not in people
                else (f"{name}|{people[name].first}" if form < 0.95 else f"contacts/{name}")
            )
            fm.append(f"  - {link(shown)}")
    if m.status in ("done", "scheduled", "confirmed", "") and rng.random() < 0.45:
        fm.append("commitments:")
        for _ in range(rng.randint(1, 3)):
            due = day + dt.timedelta(days=rng.randint(1, 14))
            fm.append(f"  - task: {q(gen.fill(rng.choice(TASKS), p))}")
            fm.append(f"    due: {due.isoformat()}")
            fm.append(f"    done: {'true' if due < TODAY and rng.random() < 0.85 else 'false'}")

    when_text = m.when.strftime("%A %B %d, %Y at %H:%M").replace(" 0", " ")
    body = [f"# {p.name} ({p.company})", "", f"Informational interview, {when_text}, {medium}.", ""]
    target = rng.randint(15, 60)
    body += ["## Agenda", ""]
    body += [f"{i}. {gen.fill(rng.choice(QUESTIONS), p)}" for i in range(1, rng.randint(3, 8))]
    if m.past and m.status == "done":
        body += ["", "## Notes", ""]
        for _ in range(rng.randint(3, 12)):
            body.append(
                f"- {gen.fill(rng.choice(NOTES), p)}"
                if rng.random() < 0.75
                else gen.fill(rng.choice(ABOUT), p)
            )
        body += ["", "## Takeaways", ""]
        body += [f"- {gen.fill(rng.choice(TAKEAWAYS), p)}" for _ in range(rng.randint(1, 4))]
        if m.referrals:
            body += ["", "## People they suggested", ""]
            body += [f"- [[{name}]]: {gen.fill(rng.choice(ABOUT), p)}" for name in m.referrals]
    elif m.past:
        body += ["", f"The meeting did not happen ({m.status}); try again in a few weeks."]
    else:
        body += ["", "## Prep", ""]
        body += [f"- {gen.fill(rng.choice(ABOUT), p)}" for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.35:
        body += ["", "## Follow-up", ""]
        body += _tasks(gen, p, day, rng.randint(1, 3))
    while len(body) < target:
        body.append(f"- {gen.fill(rng.choice(NOTES), p)}")
    return _note(fm, body[:60])


def _note(front_matter: list[str], body: list[str]) -> str:
    return "---\n" + "\n".join(front_matter) + "\n---\n" + "\n".join(body) + "\n"


def _parse_mtime(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a realistic iinotes vault for benchmarks.")
    parser.add_argument("dir", help="folder to write into (created if missing)")
    parser.add_argument(
        "--contacts", type=int, required=True, help="number of contacts (about 2x as many interviews)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mtime", type=_parse_mtime, default=None, help="set every file's mtime, e.g. 2026-11-01"
    )
    args = parser.parse_args(argv)
    counts = generate(args.dir, contacts=args.contacts, seed=args.seed, mtime=args.mtime)
    print(
        f"wrote {counts['notes']} notes ({counts['contacts']} contacts, {counts['interviews']} interviews) "
        f"to {args.dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
