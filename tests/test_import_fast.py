"""The fast import path (issue 15): the API parser's common case, the one check of a paper's
text, and the library trusting what the parsers give it must change no result.

Each fast path is compared with the slow path it stands for, on hostile input too."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.importers import (
    BadInput,
    ImportContext,
    Parsed,
    all_clean,
    clean_field,
    clean_paper,
    dedupe,
    parse_bytes,
    printable_json,
)
from reader.importers.hf_api import _paper, _quick
from reader.library import Library
from reader.models import Paper
from tests.conftest import Cli

TODAY = date(2026, 11, 25)
HOSTILE = [
    "Clear \x1b[2J screen",
    "Clip \x1b]52;c;SGVsbG8=\x07 board",
    "C1 \x9b31m csi",
    "bell\x07 and\x00nul",
    "tab\there\nnewline",
    "  edges  ",
    "double  space",
    "zero\u200bwidth\u200d join\u2060",
    "bidi \u202eevil\u202c",
    "soft\u00adhyphen",
    "non\u00a0breaking",
    "line\u2028separator",
    "del\x7f",
    "pipe | bar ¦ broken",
    "",
    " ",
]
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.sampled_from("ab \t\n\x1b[]\x07\x9b\u200b\u202e\u00a0é|¦1.-"), max_size=12),
    st.just("Plain Title"),
)
ODD = st.sampled_from([None, "", " ", 0, 5, -1, 1.5, True, [], {}, "a" * 401])
"""Values of the wrong type or on an edge, for any field."""
STRING = st.one_of(TEXT, ODD)
COUNT = st.sampled_from([None, 0, 5, -1, 1.0, 1.5, True, "3", 10**9, 10**9 + 1, float("inf")])
DATE = st.sampled_from(
    [None, "2025-02-03T04:00:00Z", "2025-02-30", "2025-13-01", "Feb 3", "２０２５-02-03", "2025-02-0", 20250203, ""]
)
AUTHOR = st.one_of(
    st.fixed_dictionaries({"name": STRING}, optional={"hidden": st.sampled_from([True, False, None, 1])}),
    STRING,
)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.one_of(st.sampled_from(["2502.00011v2", " 2502.00011 ", "hep-th/9901001", "arXiv:2502.00012"]), ODD),
    "title": STRING,
    "summary": STRING,
    "ai_summary": STRING,
    "authors": st.one_of(st.lists(AUTHOR, max_size=3), ODD),
    "ai_keywords": st.one_of(st.lists(STRING, max_size=3), ODD),
    "upvotes": COUNT,
    "numComments": COUNT,
    "githubStars": COUNT,
    "githubRepo": st.one_of(STRING, st.just("https://github.com/a/b")),
    "projectPage": STRING,
    "withdrawnAt": STRING,
    "publishedAt": DATE,
    "submittedOnDailyAt": DATE,
    "organization": st.one_of(st.fixed_dictionaries({}, optional={"name": STRING, "fullname": STRING}), ODD),
}
DELETE = object()
FIELDS = list(FIELD_VALUES)


def base_inner() -> dict[str, Any]:
    return {
        "id": "2502.00011",
        "title": "Plain Title: with (punctuation)",
        "summary": "An abstract, of sorts.",
        "ai_summary": "A summary.",
        "authors": [{"name": "Ada Lovelace", "hidden": False}, {"name": "Grace Hopper"}],
        "ai_keywords": ["one", "two words"],
        "upvotes": 3,
        "githubStars": 7,
        "githubRepo": "github.com/a/b",
        "projectPage": "https://p.example",
        "publishedAt": "2025-02-01T10:00:00.000Z",
        "submittedOnDailyAt": "2025-02-03T04:00:00.000Z",
        "organization": {"name": "org", "fullname": "The Org"},
    }


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    """A valid API item with up to three fields changed (to hostile text, a wrong type,
    nothing), flat or wrapped in `paper` with top-level fields of its own."""
    inner = base_inner()
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        value = draw(st.one_of(FIELD_VALUES[name], st.just(DELETE)))
        if value is DELETE:
            inner.pop(name, None)
        else:
            inner[name] = value
    if draw(st.booleans()):
        return inner
    outer: dict[str, Any] = {"paper": inner}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        value = draw(st.one_of(FIELD_VALUES[name], st.just(DELETE)))
        if value is not DELETE:
            outer[name] = value
    return outer


def ctx(day: date | None = None) -> ImportContext:
    return ImportContext(name="api.json", day=day, today=TODAY)


def test_a_plain_item_takes_the_quick_path() -> None:
    for item in (base_inner(), {"paper": base_inner(), "numComments": 2}):
        quick = _quick(item, ctx(), {}, {}, TODAY.isoformat())
        assert quick is not None and quick.to_dict() == clean_paper(_paper(item, 0, ctx())).to_dict()


def check_printable_path(item: dict[str, Any], day: date | None, quick: Paper | None) -> None:
    """`_quick` told that the item's strings are printable (as it is when `printable_json` of the
    JSON it was read from says so) gives what it gives when it checks them itself."""
    if printable_json(orjson.dumps(item)):
        told = _quick(item, ctx(day), {}, {}, (day or TODAY).isoformat(), True)
        assert (told and told.to_dict()) == (quick and quick.to_dict()), item


def check_quick(item: dict[str, Any], day: date | None = None) -> None:
    keys: dict[str, str] = {}
    quick = _quick(item, ctx(day), {}, keys, (day or TODAY).isoformat())
    check_printable_path(item, day, quick)
    try:
        slow = clean_paper(_paper(item, 0, ctx(day)))
    except BadInput:
        assert quick is None, f"{item}: an item the slow path refuses is left to it (it says why)"
        return
    if quick is not None:
        assert quick.to_dict() == slow.to_dict(), item
        assert set(keys) == {quick.title}


EDGES: list[Any] = [
    None,
    "",
    " ",
    0,
    5,
    -1,
    1.0,
    1.5,
    True,
    "3",
    10**9,
    10**9 + 1,
    [],
    {},
    [""],
    [None],
    [5],
    ["a", "b"],
    [{"name": "A"}],
    [{"name": "A", "hidden": True}],
    [{"name": None, "hidden": True}],
    [{"name": ""}],
    [{"name": " "}],
    [{"hidden": False}],
    ["Ada"],
    {"name": 5},
    {"name": "o", "fullname": None},
    {"fullname": "F"},
    "a" * 401,
    "2025-02-30",
    "2025-02-03",
    "２０２５-02-03",
    "Feb 3",
    "2502.00011v2",
    " 2502.00011 ",
    "hep-th/9901001",
    "github.com/a",
    *HOSTILE,
]


def test_the_quick_api_path_agrees_with_the_slow_path_on_every_single_change() -> None:
    for name in FIELDS:
        for value in EDGES:
            for shape in ("flat", "wrapped", "bare"):
                inner = base_inner()
                if shape == "bare":  # the featured day and the comments from elsewhere
                    del inner["submittedOnDailyAt"]
                inner[name] = value
                if shape == "flat":
                    check_quick(inner)
                elif shape == "wrapped":
                    check_quick({"paper": inner, "title": "Outer Title", "numComments": 1})
                else:
                    check_quick({"paper": inner, "publishedAt": "2024-03-11T02:16:42Z"})
                    check_quick({"paper": inner}, date(2025, 2, 5))
            outer = {"paper": base_inner(), name: value}
            outer["paper"].pop(name, None)
            outer["paper"].pop("submittedOnDailyAt", None)
            check_quick(outer, date(2025, 2, 5))


@settings(max_examples=300, deadline=None)
@given(items(), st.sampled_from([None, date(2025, 2, 5)]))
def test_the_quick_api_path_gives_what_the_slow_path_gives_or_leaves_the_item_to_it(
    item: dict[str, Any], day: date | None
) -> None:
    keys: dict[str, str] = {}
    quick = _quick(item, ctx(day), {}, keys, (day or TODAY).isoformat())
    check_printable_path(item, day, quick)
    try:
        slow = clean_paper(_paper(item, 0, ctx(day)))
    except BadInput:
        assert quick is None, "an item the slow path refuses is left to it (it says why)"
        return
    if quick is not None:
        assert quick.to_dict() == slow.to_dict()
        assert set(keys) == {quick.title}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.text(max_size=8)), min_size=1, max_size=5))
def test_all_clean_says_yes_exactly_when_no_text_would_be_cleaned(texts: list[str]) -> None:
    texts = [text for text in texts if text] or ["x"]
    assert all_clean(texts) == all(clean_field(text) == text and text.isprintable() for text in texts)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            TEXT,
            st.text(max_size=8),
            st.text(st.sampled_from('ab "\\\x7f\x80\x9b\xa0\u00e9\u2028\u200b\u202e\U0001f600\ufffe'), max_size=8),
        ),
        max_size=4,
    )
)
def test_printable_json_says_yes_only_when_every_string_is_printable(texts: list[str]) -> None:
    for data in (orjson.dumps(texts), orjson.dumps({text: 1 for text in texts})):
        if printable_json(data):
            assert all(text.isprintable() for text in texts), data
    assert printable_json(orjson.dumps(["Plain", "Jos\u00e9 M\u00fcller", "\u03b1-test"]))


def test_all_clean_refuses_what_is_not_a_string() -> None:
    for texts in (["a", None], ["a", 1]):
        try:
            all_clean(texts)  # type: ignore[arg-type]
        except TypeError:
            continue
        raise AssertionError("a non-string must raise")


def dirty_paper() -> Paper:
    return Paper(
        id="2502.00011",
        title="Evil \x1b[2J title",
        abstract="Abs\x07tract",
        authors=["", " Ada  Lovelace "],
        ai_summary="",
        ai_keywords=["ok", "\x9b"],
        sources=["hf", ""],
    )


def test_clean_paper_cleans_each_field_and_leaves_clean_papers_alone() -> None:
    paper = clean_paper(dirty_paper())
    assert (paper.title, paper.abstract, paper.authors) == ("Evil title", "Abstract", ["Ada Lovelace"])
    assert (paper.ai_summary, paper.ai_keywords, paper.sources) == (None, ["ok"], ["hf"])
    clean = Paper(id="x", title="A title", abstract="An abstract.", authors=["A B"], sources=["hf"])
    before = clean.to_dict()
    assert clean_paper(clean) is clean and clean.to_dict() == before


def test_papers_given_as_a_plain_list_are_still_cleaned_and_deduplicated(tmp_path: Path) -> None:
    twin = Paper(id="2502.00011", title="Evil title", days=["2025-02-04"])
    with Library.open(tmp_path / "lib") as lib:
        result = lib.import_papers([dirty_paper(), twin])
        assert result.new == 1
        paper = lib.paper("2502.00011")
    assert paper.title == "Evil title" and paper.abstract == "Abstract" and paper.authors == ["Ada Lovelace"]
    assert paper.days == ["2025-02-04"]


def api_item(n: int, title: str, **extra: object) -> dict[str, object]:
    return {"paper": {"id": f"2502.{n:05d}", "title": title, **extra}, "submittedOnDailyAt": "2025-02-03T00:00:00Z"}


def test_one_input_that_needed_merging_is_deduplicated_again_like_before() -> None:
    # Papers 1 and 3 share an id; merging 3 into 1 gives 1 the title of 2: only a second pass
    # finds that 1 and 2 are one paper. The library runs it when the parser merged anything.
    items = [
        {"paper": {"id": "no-arxiv-1", "title": "First title"}},
        {"paper": {"id": "no-arxiv-2", "title": "Second title"}},
        {"paper": {"id": "no-arxiv-3", "title": "First title"}},
    ]
    parsed = parse_bytes(orjson.dumps(items), ctx())
    assert isinstance(parsed, Parsed) and not parsed.distinct and len(parsed) == 2
    distinct = parse_bytes(orjson.dumps([api_item(1, "One"), api_item(2, "Two")]), ctx())
    assert distinct.distinct and dedupe(list(distinct)) == list(distinct)


def test_hostile_text_imported_through_the_cli_is_stored_clean(cli: Cli, tmp_path: Path) -> None:
    hostile = "Evil \x1b[2J\x1b]52;c;aGVsbG8=\x07Title\x08\x9b31m here\u202e  \t\n zero\u200bwidth"
    items = [
        api_item(
            1,
            hostile,
            summary="Abstract \x1b[31mred\x1b[0m\x00 text\r\n with\u2066 isolate",
            authors=[{"name": "\x1b[1mAda\x07 Lovelace"}, {"name": "\x1b[0m"}, "Grace\x9dHopper"],
            ai_summary="Sum\x7fmary",
            ai_keywords=["key\x1b[0mword", "\u202e"],
            githubRepo="github.com/a/b\x1b[2J",
            withdrawnAt="\x07",
            organization={"name": "org\x1b[5m", "fullname": "The \x85 Org"},
        ),
        api_item(2, "A plain title", summary="A plain abstract.", authors=[{"name": "Ada Lovelace"}]),
    ]
    raw = orjson.dumps(items)
    # orjson writes control characters as \u escapes; a file may hold raw C1 and bidi bytes too
    assert b"\\u001b" in raw
    (tmp_path / "hostile.json").write_bytes(raw)
    result = cli("import", str(tmp_path / "hostile.json"))
    assert result.exit_code == 0 and result.stdout.startswith("2 new"), result.output
    with Library.open(cli.db, readonly=True) as lib:
        paper = lib.paper("2502.00001")
        plain = lib.paper("2502.00002")
    assert paper.title == "Evil Title here zero\u200bwidth"
    assert paper.abstract == "Abstract red text with isolate"
    assert paper.authors == ["Ada Lovelace", "Grace"]  # \x9d starts an OSC: up to the end
    assert (paper.ai_summary, paper.ai_keywords) == ("Summary", ["keyword"])
    assert paper.github_url == "https://github.com/a/b" and paper.withdrawn_at is None
    assert (paper.organization, paper.organization_id) == ("The Org", "org")
    assert (plain.title, plain.abstract, plain.authors) == ("A plain title", "A plain abstract.", ["Ada Lovelace"])
    stored = b"".join(path.read_bytes() for path in cli.db.rglob("*") if path.is_file())
    for bad in (b"\x1b", b"\\u001b", b"\x07", b"\\u0007", b"\xc2\x9b", b"\\u009b", "\u202e".encode(), b"\\u202e"):
        assert bad not in stored, bad


def test_the_quick_path_makes_its_paper_with_the_fields_in_their_order() -> None:
    # `_quick` passes the paper's fields by position (twice as fast): a field added or moved
    # must be added or moved there too
    from dataclasses import fields

    assert [f.name for f in fields(Paper)][:27] == [
        *("id", "title", "abstract", "authors", "arxiv_id", "published", "days", "upvotes", "ai_summary"),
        *("ai_keywords", "github_url", "project_url", "primary_category", "comments", "categories", "doi"),
        *("journal_ref", "arxiv_comment", "updated", "version", "organization", "organization_id"),
        *("author_count", "github_stars", "withdrawn_at", "announce_type", "sources"),
    ]
    assert len(fields(Paper)) == 27
