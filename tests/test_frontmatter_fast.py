"""The fast path for plain front matter reads exactly what libyaml's composer reads, or gives up.

`frontmatter12._simple` is not a second parser with its own meaning: on every input it either
returns None (the composer reads the note) or the very values, types and positions the composer
gives. Checked on generated notes made of the shapes people write and of every character and
indicator that changes YAML's reading, and on every note of the sample vault and the test data."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iinotes.frontmatter12 import _composed, _simple, load_front_matter, split

ROOT = Path(__file__).resolve().parent.parent

KEYS = ["type", "name", "a", "b_c", "x-y", "due", "K1", "é", "two words", "on", "-k", "tags", "a" * 300]
SCALARS = [
    "x",
    "Ann Lee",
    "14:30",
    "no",
    "on",
    "012",
    "0",
    "-5",
    "+1 555 0100",
    "1e3",
    "1.5",
    ".5",
    ".inf",
    "-.inf",
    ".nan",
    "0x1F",
    "0o17",
    "~",
    "null",
    "Null",
    "true",
    "False",
    "2024-02-30",
    "2026-11-25T14:30",
    "https://example.com/a?b=c#d",
    "a, b",
    "C#",
    "a #c",
    "a# c",
    "x:y",
    "a: b",
    "a:",
    "ok?",
    "?x",
    "? x",
    "x  y",
    "Zoë Ångström",
    "日本",
    "😀",
    "'q'",
    "'it''s'",
    "''",
    '"d"',
    '""',
    '"a\\"b"',
    '"a\\nb"',
    '"x" y',
    "'x' y",
    "[a, b]",
    "[a,b]",
    "[ a , b ]",
    "[]",
    "[ ]",
    "[a,]",
    "[a,,b]",
    "[[L]]",
    '["[[L]]"]',
    "['a', \"b\"]",
    "[a: b]",
    "[a, [b]]",
    "[1, true, ~]",
    "{a: 1}",
    "{}",
    "&a x",
    "*a",
    "!tag x",
    "!!str 12",
    "|",
    ">",
    "%x",
    "@x",
    "`x`",
    "-",
    "- x",
    "--",
    "---",
    "...",
    ".",
    "x\u2028y",
    "x\x85y",
    "x\ufeffy",
    "x\x7fy",
    "\u00a0x",
    "x\u00a0",
    "x\u3000y",
    "\u200bx",
    "x\u00a0# c",
    "x\u2029y",
    "x\ty",
    "x\ry",
    "é: x",
    "a]",
    "a[",
    "a}",
    "a{",
    "a,",
    "#x",
    "x #",
    "\\x",
]
LINES = st.one_of(
    st.builds(
        lambda key, sep, value, tail: f"{key}{sep}{value}{tail}",
        st.sampled_from(KEYS),
        st.sampled_from([":", ": ", ":  ", ": \t", " :", ":\t"]),
        st.sampled_from(["", *SCALARS]),
        st.sampled_from(["", "", "", " ", "  # note", "\t"]),
    ),
    st.builds(
        lambda indent, dash, value: f"{indent}{dash}{value}",
        st.sampled_from(["", " ", "  ", "   ", "    ", "      "]),
        st.sampled_from(["- ", "-  ", "-", "-\t"]),
        st.sampled_from(["", *SCALARS, "task: x", "due: 2026-11-30", "done: true", "k:", "k:  ", "a: b: c"]),
    ),
    st.builds(
        lambda indent, key, value: f"{indent}{key}: {value}",
        st.sampled_from(["  ", "    ", "     ", "      "]),
        st.sampled_from(["due", "done", "task", "via", "date"]),
        st.sampled_from(["", *SCALARS[:40]]),
    ),
    st.sampled_from(
        ["", " ", "  ", "# comment", "  # indented comment", "...", "---", "%YAML 1.2", "\t", "?"]
    ),
)


WORDS = ["type", "name", "tags", "due", "done", "task", "via", "b_c", "x-y", "K1", "on", "no", "y", "id"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Front matter shaped the way people write it (unique keys; lists of words and of small
    mappings at one indentation), with now and then a line from anywhere in LINES."""
    lines: list[str] = []
    for key in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6, unique=True)):
        shape = draw(st.sampled_from(["value", "value", "null", "list", "mappings"]))
        if shape == "value":
            lines.append(f"{key}: {draw(st.sampled_from(SCALARS))}")
        elif shape == "null":
            lines.append(f"{key}:")
        else:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  ", "    "]))
            for _ in range(draw(st.integers(1, 3))):
                if shape == "list":
                    lines.append(f"{indent}- {draw(st.sampled_from(SCALARS))}")
                    continue
                fields = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True))
                for number, field in enumerate(fields):
                    value = draw(st.sampled_from(["", *SCALARS]))
                    lead = f"{indent}- " if number == 0 else f"{indent}  "
                    lines.append(f"{lead}{field}:{' ' + value if value else ''}")
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "# c", "  # c", "  "])))
    if draw(st.integers(0, 3)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(LINES))
    return "\n" + "\n".join(lines) + "\n"


def assert_same(text: str, first_line: int = 1) -> bool:
    """The fast path gives up or reads `text` exactly as the composer; True when it read it."""
    fast = _simple(text, first_line)
    if fast is None:
        return False
    full = _composed(text, first_line)
    assert full.issues == [] and full.kind_of_root == "mapping", (text, full.issues)
    assert fast.issues == [] and fast.kind_of_root == "mapping"
    # repr: the same values of the same types (1 == 1.0 == True for ==), in the same order
    assert repr(fast.data) == repr(full.data), text
    assert list(fast.positions.items()) == list(full.positions.items()), text
    return True


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=12), st.integers(min_value=1, max_value=3))
@example(["type: contact", "aliases: [Ann, Ann L.]", "tags:", "  - a", "  - b"], 1)
@example(["commitments:", "  - task: x", "    due: 2026-11-30", "", "  - task: y", "    done:"], 2)
@example(["a:", "- x", "-  'y'", "b: 1"], 1)
@example(["a:", "  - task: x", "    due: 1", "   done: 2"], 1)
@example(["a:", "  - task: x", "      due: 1"], 1)
@example(["a: b", "  c"], 1)
@example(["a:", "  b: 1"], 1)
def test_the_fast_path_reads_what_the_composer_reads(lines: list[str], first_line: int) -> None:
    assert_same("\n" + "\n".join(lines) + "\n", first_line)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(min_value=1, max_value=3))
def test_notes_as_people_write_them_read_alike(text: str, first_line: int) -> None:
    assert_same(text, first_line)


def test_the_common_shapes_take_the_fast_path() -> None:
    text = (
        "\ntype: interview\ncontact: \"[[Alan Scott]]\"\nscheduled: 2025-02-10T16:30\nlocation: '+1 555'\n"
        'tags: [a, b]\nreferrals:\n  - "[[Alice Kumar]]"\ncommitments:\n  - task: Connect\n    due: 2025-02-18\n'
        "    done: true\noutreach:\n- 2025-02-08\nnotes:\n# a comment\n\nphone: 012\n"
    )
    assert assert_same(text)
    loaded = load_front_matter(text)
    assert loaded.data is not None and loaded.data["phone"] == "012" and loaded.data["notes"] is None


def test_what_the_fast_path_gives_up_on_is_still_read(tmp_path: Path) -> None:
    # the composer reads these: the values (and the Problems) come from it
    assert load_front_matter("\nstart: 14:30 # a comment\n").data == {"start": "14:30"}
    assert [issue.code for issue in load_front_matter("\na: 1\na: 2\n").issues] == ["duplicate-key"]
    assert load_front_matter("\na: &x 1\n").issues[0].code == "yaml-anchor"


def test_every_note_of_the_sample_vault_and_the_test_data() -> None:
    taken = 0
    for path in [*sorted((ROOT / "sample-vault").rglob("*.md")), *sorted((ROOT / "tests").rglob("*.md"))]:
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        parts = split(text.removeprefix("\ufeff"))
        if parts.front_matter is not None:
            taken += assert_same(parts.front_matter)
    assert taken >= 20  # the sample vault's plain notes do take it
