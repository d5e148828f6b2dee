"""The surgical edit engine: golden before/after bytes, refusals, and a property over generated notes."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iinotes.edit import Append, EditRefused, SetInItem, SetValue, TickTask, _raw, plan, render, unified_diff

CONTACT = """\
---
type: contact
id: c-00000001   # keep this id
name: 'Jane O''Doe'
company: "Acme, Inc."

# history
outreach:
  - 2026-11-01   # first message
  -   {date: 2026-11-08, via: email}

  # nudges go above
touches: [ 2026-10-01 ,{date: 2026-10-05, via: phone} ]
responded:
tags: []
---
# Jane

- [ ] Send portfolio 📅 2026-11-30
"""


def edit(text: str | bytes, *changes, path: str = "contacts/Jane.md") -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return plan(data, list(changes), path)


def changed_lines(before: bytes, after: bytes) -> list[str]:
    a = before.decode("utf-8-sig").splitlines(keepends=True)
    b = after.decode("utf-8-sig").splitlines(keepends=True)
    return [
        line
        for line in difflib.unified_diff(a, b, n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def test_append_to_a_block_list_keeps_its_dash_style_and_the_comments():
    after = edit(CONTACT, Append("outreach", "2026-11-23", unique_date=True))
    assert after == CONTACT.replace("via: email}\n", "via: email}\n  -   2026-11-23\n").encode()


def test_append_inside_a_flow_list_keeps_its_spacing():
    after = edit(
        CONTACT, Append("touches", {"date": "2026-11-23", "via": "email", "note": "Re: the article, thanks"})
    )
    assert changed_lines(CONTACT.encode(), after) == [
        "-touches: [ 2026-10-01 ,{date: 2026-10-05, via: phone} ]\n",
        '+touches: [ 2026-10-01 ,{date: 2026-10-05, via: phone}, {date: 2026-11-23, via: email, note: "Re: the article, thanks"} ]\n',
    ]


def test_empty_flow_list_and_empty_value():
    after = edit(CONTACT, Append("tags", "ux"), SetValue("responded", "2026-11-23"))
    assert changed_lines(CONTACT.encode(), after) == [
        "-responded:\n",
        "-tags: []\n",
        "+responded: 2026-11-23\n",
        "+tags: [ux]\n",
    ]


def test_missing_keys_go_before_the_closing_fence():
    after = edit(CONTACT, SetValue("status", "paused"), Append("aliases", "JOD"))
    assert (
        after == CONTACT.replace("tags: []\n---", "tags: []\nstatus: paused\naliases:\n  - JOD\n---").encode()
    )


def test_quoted_values_keep_their_quotes():
    after = edit(CONTACT, SetValue("name", "Jane O'Doe-Smith"), SetValue("company", 'Acme "Labs"'))
    assert changed_lines(CONTACT.encode(), after) == [
        "-name: 'Jane O''Doe'\n",
        '-company: "Acme, Inc."\n',
        "+name: 'Jane O''Doe-Smith'\n",
        '+company: "Acme \\"Labs\\""\n',
    ]


def test_crlf_bom_and_no_final_newline_are_kept():
    before = b"\xef\xbb\xbf---\r\ntype: contact\r\nid: c-1\r\noutreach:\r\n- 2026-11-01\r\n---\r\nbody line\r\nlast line"
    after = edit(
        before, Append("outreach", "2026-11-15", unique_date=True), SetValue("responded", "2026-11-20")
    )
    assert (
        after
        == b"\xef\xbb\xbf---\r\ntype: contact\r\nid: c-1\r\noutreach:\r\n- 2026-11-01\r\n- 2026-11-15\r\nresponded: 2026-11-20\r\n---\r\nbody line\r\nlast line"
    )


def test_mixed_line_endings_keep_each_lines_own_ending():
    before = b"---\r\ntype: contact\nid: c-1\r\nstatus: active\n---\nbody\r\n"
    assert (
        edit(before, SetValue("status", "paused"))
        == b"---\r\ntype: contact\nid: c-1\r\nstatus: paused\n---\nbody\r\n"
    )


def test_a_single_value_becomes_a_list():
    before = "---\ntype: contact\noutreach: 2026-11-01  # one\n---\n"
    assert (
        edit(before, Append("outreach", "2026-11-15"))
        == b"---\ntype: contact\noutreach: [2026-11-01, 2026-11-15]  # one\n---\n"
    )


def test_a_null_list_gets_its_first_item_on_the_next_line():
    before = "---\ntype: contact\noutreach:   # none yet\nstatus: active\n---\n"
    assert (
        edit(before, Append("outreach", "2026-11-15"))
        == b"---\ntype: contact\noutreach:   # none yet\n  - 2026-11-15\nstatus: active\n---\n"
    )


INTERVIEW = """\
---
type: interview
contact: "[[Jane]]"
scheduled: 2026-11-20T14:30
status: "scheduled"   # until confirmed
commitments:
  - {task: "Send the write-up", due: 2026-11-30}
  - task: Read her paper
    due: 2026-12-01
    # a comment inside the item
  - {task: Ask Ben, due: 2026-12-02, done: false}
  - Call Tom
---
## Follow-ups
- [ ] Send portfolio 📅 2026-11-30
"""


@pytest.mark.parametrize(
    ("change", "diff"),
    [
        (
            SetValue("status", "done"),
            ['-status: "scheduled"   # until confirmed\n', '+status: "done"   # until confirmed\n'],
        ),
        (
            SetInItem("commitments", 0, "done", True),
            [
                '-  - {task: "Send the write-up", due: 2026-11-30}\n',
                '+  - {task: "Send the write-up", due: 2026-11-30, done: true}\n',
            ],
        ),
        (SetInItem("commitments", 1, "done", True), ["+    done: true\n"]),
        (
            SetInItem("commitments", 2, "done", True),
            [
                "-  - {task: Ask Ben, due: 2026-12-02, done: false}\n",
                "+  - {task: Ask Ben, due: 2026-12-02, done: true}\n",
            ],
        ),
        (
            SetInItem("commitments", 3, "done", True),
            ["-  - Call Tom\n", "+  - {task: Call Tom, done: true}\n"],
        ),
        (TickTask(15), ["-- [ ] Send portfolio 📅 2026-11-30\n", "+- [x] Send portfolio 📅 2026-11-30\n"]),
    ],
)
def test_interview_edits(change, diff):
    after = edit(INTERVIEW, change, path="interviews/x.md")
    assert changed_lines(INTERVIEW.encode(), after) == diff
    assert edit(after, change, path="interviews/x.md") == after  # the second time changes nothing


def test_the_same_change_twice_changes_nothing():
    once = edit(CONTACT, Append("outreach", "2026-11-23", unique_date=True))
    assert edit(once, Append("outreach", "2026-11-23", unique_date=True)) == once
    assert edit(once, Append("outreach", {"date": "2026-11-23", "via": "phone"}, unique_date=True)) == once
    set_once = edit(CONTACT, SetValue("responded", "2026-11-23", keep_existing=True))
    assert edit(set_once, SetValue("responded", "2026-11-24", keep_existing=True)) == set_once


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntype: contact\nresponded: 2026-02-30\n---\n", "has errors"),
        ("---\ntype: contact\n<<<<<<< HEAD\nid: a\n=======\nid: b\n>>>>>>> other\n---\n", "conflict markers"),
        ("no front matter\n", "not a contact or interview"),
        ("---\ntype: contact\nnote: |\n  text\n---\n", None),
    ],
)
def test_broken_notes_are_refused(text, message):
    if message is None:  # a block scalar can be left alone while other keys change
        assert edit(text, SetValue("status", "paused")).endswith(b"status: paused\n---\n")
        with pytest.raises(EditRefused, match="block of text"):
            edit(text, SetValue("note", "x"))
        return
    with pytest.raises(EditRefused, match=message):
        edit(text, SetValue("status", "paused"))


def test_a_list_cannot_be_set_as_a_value():
    with pytest.raises(EditRefused, match="list or mapping"):
        edit(CONTACT, SetValue("outreach", "2026-11-01"))


def test_render_quotes_what_would_read_back_differently():
    assert render("2026-11-23") == "2026-11-23"
    assert render("true") == '"true"'
    assert render("012") == '"012"'
    assert render("Re: coffee") == '"Re: coffee"'
    assert render("[[Jane]]") == '"[[Jane]]"'
    assert render("a, b", flow=True) == '"a, b"'
    assert render({"date": "2026-11-01", "via": "email"}) == "{date: 2026-11-01, via: email}"


def test_unified_diff_names_the_note():
    after = edit(CONTACT, SetValue("responded", "2026-11-23"))
    diff = unified_diff(CONTACT.encode(), after, "contacts/Jane.md")
    assert diff.startswith("--- a/contacts/Jane.md\n+++ b/contacts/Jane.md\n")
    assert "-responded:\n+responded: 2026-11-23\n" in diff


# --- property: generated notes -------------------------------------------------------------------

_dates = st.dates(
    min_value=__import__("datetime").date(2020, 1, 1), max_value=__import__("datetime").date(2030, 12, 31)
).map(lambda d: d.isoformat())
_words = st.text(alphabet="abcdefghij XYZ:,#'\"-", min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@st.composite
def notes(draw):
    """A valid contact note in one of many styles, and the keys it has."""
    entries = [[f"id: c-{draw(st.integers(0, 99999)):08x}"]]
    if draw(st.booleans()):
        entries.append(
            [f"company: {render(draw(_words), style=draw(st.sampled_from([None, chr(34), chr(39)])))}"]
        )
    outreach = draw(st.lists(_dates, max_size=3, unique=True))
    style = draw(st.sampled_from(["block", "flow", "absent", "empty"]))
    if style == "block":
        indent = draw(st.sampled_from(["", "  ", "    "]))
        entries.append(
            ["outreach:"]
            + (
                [f"{indent}- {d}" + draw(st.sampled_from(["", "  # c"])) for d in outreach]
                or ["  - 2026-01-01"]
            )
        )
    elif style == "flow":
        entries.append(["outreach: [" + ", ".join(outreach) + "]"])
    elif style == "empty":
        entries.append(["outreach:"])
    if draw(st.booleans()):
        entries.append(["# a comment line"])
    if draw(st.booleans()):
        entries.append([""])
    if draw(st.booleans()):
        entries.append(["responded:" + draw(st.sampled_from(["", " 2026-02-03", " '2026-02-03'"]))])
    if draw(st.booleans()):
        entries.append([f"touches: [{draw(_dates)}]"])
    order = [line for group in draw(st.permutations(entries)) for line in group]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    body = draw(st.sampled_from(["", "# Body\n\ntext", "text\n- [ ] task"]))
    final = draw(st.sampled_from(["", eol]))
    text = eol.join(["---", "type: contact", *order, "---", body]) + final
    bom = draw(st.booleans())
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


_changes = st.one_of(
    st.builds(Append, st.just("outreach"), _dates, st.just(True)),
    st.builds(
        Append, st.just("touches"), st.fixed_dictionaries({"date": _dates, "note": _words}), st.just(True)
    ),
    st.builds(SetValue, st.just("responded"), _dates, st.booleans()),
    st.builds(SetValue, st.just("status"), st.sampled_from(["paused", "active", "archived"])),
    st.builds(SetValue, st.just("company"), _words),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes(), _changes)
def test_only_the_intended_key_changes(before, change):
    after = plan(before, [change], "contacts/Gen.md")
    old, new = _raw(before), _raw(after)
    assert {k: v for k, v in old.items() if k != change.key} == {
        k: v for k, v in new.items() if k != change.key
    }
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    a = before.decode("utf-8-sig").split("\n")
    b = after.decode("utf-8-sig").split("\n")
    removed = [x for x in difflib.ndiff(a, b) if x.startswith("- ")]
    added = [x for x in difflib.ndiff(a, b) if x.startswith("+ ")]
    assert len(removed) <= 1 and len(added) <= 2
    for line in removed:  # the only line that may go is the key's own line (or a list item line)
        assert line[2:].startswith(change.key + ":"), line
    body_before = before.split(b"\n---", 2)[-1]
    assert after.endswith(body_before)
    assert plan(after, [change], "contacts/Gen.md") == after  # idempotent


@st.composite
def interviews(draw):
    """A valid interview note with commitments written in several styles, and a body task."""
    tasks = draw(
        st.lists(st.sampled_from(["Send CV", "Read paper", "Call Tom", "Ask Ben"]), min_size=1, max_size=4)
    )
    items = []
    for task in tasks:
        style = draw(st.sampled_from(["flow", "block", "plain", "flow-done"]))
        if style == "flow":
            items.append([f"  - {{task: {task}, due: 2026-12-01}}"])
        elif style == "flow-done":
            items.append([f"  - {{task: {task}, due: 2026-12-01, done: false}}"])
        elif style == "block":
            items.append(
                [f"  - task: {task}", "    due: 2026-12-01"]
                + draw(st.sampled_from([[], ["    # note"], ["    done: no"]]))
            )
        else:
            items.append([f"  - {task}"])
    head = [
        "type: interview",
        'contact: "[[Jane]]"',
        "scheduled: 2026-11-20T10:00",
        "status: " + draw(st.sampled_from(["scheduled", '"scheduled"', "'done'"])),
    ]
    lines = [
        "---",
        *head,
        "commitments:",
        *[line for group in items for line in group],
        "---",
        "- [ ] Send portfolio 📅 2026-11-30",
        "",
    ]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(lines).encode(), len(tasks)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interviews(), st.data())
def test_interview_changes_touch_only_their_item(note, data):
    before, count = note
    change = data.draw(
        st.one_of(
            st.builds(
                SetInItem, st.just("commitments"), st.integers(0, count - 1), st.just("done"), st.just(True)
            ),
            st.builds(SetValue, st.just("status"), st.sampled_from(["done", "confirmed", "cancelled"])),
            st.just(TickTask(len(before.decode().splitlines()))),
        )
    )
    after = plan(before, [change], "interviews/x.md")
    old, new = _raw(before), _raw(after)
    if isinstance(change, SetInItem):
        assert new["commitments"][change.index]["done"] is True
        others = [i for i in range(count) if i != change.index]
        assert [old["commitments"][i] for i in others] == [new["commitments"][i] for i in others]
        assert {k: v for k, v in old.items() if k != "commitments"} == {
            k: v for k, v in new.items() if k != "commitments"
        }
    elif isinstance(change, SetValue):
        assert new == {**old, "status": change.value}
    else:
        assert new == old and after.replace(b"- [x] Send", b"- [ ] Send") == before
    removed = [
        x
        for x in difflib.ndiff(before.decode().split("\n"), after.decode().split("\n"))
        if x.startswith("- ")
    ]
    assert len(removed) <= 1
    assert plan(after, [change], "interviews/x.md") == after


@pytest.mark.parametrize(
    "text",
    [
        "del\x7fete",
        "line\u2028break",
        "tab\there",
        "two\nlines",
        "emoji 🙂 ok",
        "bom\ufeffinside",
        "nel\x85",
        'quote " and \\ slash',
    ],
)
def test_any_text_is_written_so_that_it_reads_back_the_same(text):
    after = edit(CONTACT, SetValue("company", text), Append("touches", {"date": "2026-11-23", "note": text}))
    data = _raw(after)
    assert data["company"] == text and data["touches"][-1] == {"date": "2026-11-23", "note": text}
