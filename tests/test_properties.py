"""Property tests: any bytes become a note or Problems, never a traceback; values round-trip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iinotes import values
from iinotes.notes import parse_note

KEYS = [
    "type",
    "contact",
    "scheduled",
    "status",
    "outreach",
    "tags",
    "id",
    "duration",
    "referrals",
    "commitments",
    "aliases",
]
SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "contact",
            "interview",
            "14:30",
            "no",
            "012",
            "2024-02-30",
            "[[X]]",
            '"[[X]]"',
            "&a x",
            "*a",
            "!!int 3",
            "{a: 1}",
            "[a, b]",
            "|",
            "'",
            '"',
            "\t",
            "- x",
        ]
    ),
)


@st.composite
def yamlish(draw):  # type: ignore[no-untyped-def]
    lines = ["---"]
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(KEYS))
        lines.append(f"{draw(st.sampled_from(['', ' ', '  ']))}{key}: {draw(SCALARS)}")
    if draw(st.booleans()):
        lines.append("---")
    lines.append(draw(st.text(max_size=30)))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.binary(max_size=200), yamlish()),
    st.sampled_from(["contacts/A.md", "interviews/B.md", "misc/C.md"]),
)
def test_any_bytes_give_a_note_or_problems_never_a_traceback(data, path):
    parsed = parse_note(path, data)
    for problem in parsed.problems:
        assert problem.path == path and problem.line >= 0 and problem.code and problem.message
    if parsed.note is None and parsed.ours:
        assert any(p.severity == "error" for p in parsed.problems) or parsed.problems == ()


@given(st.dates(min_value=dt.date(values.FIRST_YEAR, 1, 1), max_value=dt.date(values.LAST_YEAR, 12, 31)))
def test_dates_round_trip(day):
    assert values.parse_date(day.isoformat()) == day


@given(st.dates().filter(lambda d: not values.FIRST_YEAR <= d.year <= values.LAST_YEAR))
def test_dates_out_of_range_are_refused(day):
    with pytest.raises(ValueError, match="out of range"):
        values.parse_when(day.isoformat() + "T12:00")


@given(
    st.datetimes(
        min_value=dt.datetime(values.FIRST_YEAR, 1, 1), max_value=dt.datetime(values.LAST_YEAR, 12, 31)
    ).map(lambda d: d.replace(microsecond=0))
)
def test_datetimes_round_trip(when):
    assert values.parse_when(when.isoformat()) == when
    assert values.parse_when(when.isoformat(timespec="minutes")) == when.replace(second=0)


@given(st.integers(1, 24 * 60))
def test_durations_round_trip(minutes):
    hours, rest = divmod(minutes, 60)
    text = (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")
    assert values.parse_duration(text) == minutes == values.parse_duration(minutes)
