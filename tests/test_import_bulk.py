"""The bulk import paths (issue 15): a big API array read in pieces, files written while they
are encoded, index records made at once. Each must give exactly what the plain path gives,
on hostile input too: the same papers, the same refusals, the same bytes on disk."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import atomic, importers, store
from reader.importers import BadInput, ImportContext, Parsed, array_chunks, parse_bytes
from reader.library import Library
from reader.models import Paper, PaperHead, title_id
from tests.test_import_fast import HOSTILE, TEXT, base_inner, items

TODAY = date(2026, 11, 25)
WHOLE = 1 << 40
"""A `CHUNK_BYTES` no input reaches: the array is decoded whole."""


def outcome(raw: bytes, chunk_bytes: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    """What `parse_bytes` makes of `raw` with arrays cut every `chunk_bytes`: the papers, whether
    they are distinct and the title keys, or the refusal's message."""
    monkeypatch.setattr(importers, "CHUNK_BYTES", chunk_bytes)
    try:
        parsed = parse_bytes(raw, ImportContext(name="api.json", day=None, today=TODAY))
    except BadInput as exc:
        return ("refused", str(exc))
    finally:
        monkeypatch.undo()
    return ("papers", [p.to_dict() for p in parsed], parsed.distinct, parsed.title_keys)


def same_either_way(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    whole = outcome(raw, WHOLE, monkeypatch)
    for size in (1, 16, 200):
        assert outcome(raw, size, monkeypatch) == whole, (size, raw[:300])
    return whole


def wrapped(n: int, **fields: object) -> dict[str, Any]:
    inner = base_inner()
    inner.update({"id": f"2502.{n:05d}", "title": f"Title number {n}", **fields})
    return {"paper": inner, "numComments": n}


def test_a_big_array_is_read_in_pieces_cut_only_between_items(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = orjson.dumps([wrapped(n) for n in range(40)])
    assert array_chunks(raw) is None  # an input this small is decoded whole
    monkeypatch.setattr(importers, "CHUNK_BYTES", 100)
    found = array_chunks(raw)
    assert found is not None
    pieces = list(found)
    assert len(pieces) > 5
    assert [item for piece in pieces for item in orjson.loads(piece)] == orjson.loads(raw)


def test_the_pieces_give_what_the_whole_array_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = orjson.dumps([wrapped(n) for n in range(30)])
    kind, papers, distinct, keys = same_either_way(raw, monkeypatch)
    assert kind == "papers" and len(papers) == 30 and distinct and len(keys) == 30


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(items(), st.just(wrapped(1)), st.just(wrapped(2))), min_size=1, max_size=6))
def test_any_array_of_items_gives_the_same_papers_or_refusal_in_pieces(items_: list[dict[str, Any]]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_either_way(orjson.dumps(items_), monkeypatch)


@pytest.mark.parametrize("text", [*HOSTILE, '},{"paper":{', '"},{"paper":{"', "\\", "]"])
def test_hostile_text_and_the_break_itself_in_a_string_change_nothing(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    items_ = [wrapped(1), wrapped(2, title=f"A {text} title", summary=text), wrapped(3, ai_keywords=[text])]
    raw = orjson.dumps(items_)
    kind, *rest = same_either_way(raw, monkeypatch)
    assert kind == "papers"
    titles = [paper["title"] for paper in rest[0]]
    assert "\x1b" not in "".join(titles) and "\u202e" not in "".join(titles)


def test_the_break_deeper_in_an_item_is_never_a_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    nested = wrapped(2)
    nested["extra"] = [{"a": 1}, {"paper": {"b": 2}}]  # `},{"paper":{` inside the item
    raw = orjson.dumps([wrapped(1), nested, wrapped(3)])
    assert raw.count(importers.ITEM_BREAK) == 3
    kind, papers, *_ = same_either_way(raw, monkeypatch)
    assert kind == "papers" and [p["id"] for p in papers] == ["2502.00001", "2502.00002", "2502.00003"]


@pytest.mark.parametrize(
    "raw",
    [
        b"\x0b" + orjson.dumps([wrapped(1), wrapped(2)]),  # not JSON whitespace before the array
        orjson.dumps([wrapped(1), wrapped(2)]) + b"\x0c",  # nor after it
        orjson.dumps([wrapped(1), wrapped(2)]) + b"]",
        orjson.dumps([wrapped(1), wrapped(2)])[:-1],  # cut short
        orjson.dumps([wrapped(1), wrapped(2)]).replace(b'"numComments":2', b'"numComments":2,,'),
        orjson.dumps([wrapped(1), wrapped(2), wrapped(3)]).replace(b"2502.00003", b"2502.00003\x01"),
        orjson.dumps([wrapped(1), {"paper": {"id": 5}}, wrapped(3)]),  # a refused item
        orjson.dumps([wrapped(1), wrapped(1), wrapped(2)]),  # the same paper twice
        b" \n\t" + orjson.dumps([wrapped(1), wrapped(2)]) + b"\r\n",
    ],
)
def test_refusals_and_edges_are_the_same_in_pieces(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    same_either_way(raw, monkeypatch)


def test_too_many_papers_is_said_before_a_bad_item_in_pieces_too(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = orjson.dumps([wrapped(1), wrapped(2), {"paper": {"id": 5}}, wrapped(4)])
    monkeypatch.setattr(importers, "MAX_PAPERS_PER_INPUT", 3)
    whole = outcome(raw, WHOLE, monkeypatch)
    monkeypatch.setattr(importers, "MAX_PAPERS_PER_INPUT", 3)
    assert outcome(raw, 16, monkeypatch) == whole
    assert whole[0] == "refused" and "too many papers" in whole[1]


# -- writing ----------------------------------------------------------------------------------


def reference_payload(data: dict[str, dict[str, Any]], table: str) -> tuple[bytes, list[int], list[int]]:
    """The one-record-per-line file as it was made before (whole, then joined), and its offsets."""
    head = [store.LINES_HEAD, orjson.dumps(data.get("_meta", {})), b",\n", orjson.dumps(table), b":{"]
    lines = [orjson.dumps(k) + b":" + orjson.dumps(v) for k, v in data.get(table, {}).items()]
    body = (b"\n" + b",\n".join(lines)) if lines else b""
    payload = b"".join(head) + body + b"\n}" + b"}\n"
    starts, position = [], len(b"".join(head)) + 1
    for line in lines:
        starts.append(position)
        position += len(line) + 2
    hashes = [zlib.crc32(orjson.dumps(k)) for k in data.get(table, {})]
    return payload, hashes, starts


KEYS = st.text(st.sampled_from('ab1."\\\u00e9\u202e\x1b:{}'), min_size=1, max_size=6)
DOCS = st.dictionaries(
    st.sampled_from(["title", "days", "n", "x"]), st.one_of(TEXT, st.integers(-(2**63), 2**63 - 1), st.none())
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(KEYS, DOCS, max_size=12), st.sampled_from([1, 40, 1 << 20]))
def test_a_file_written_in_parts_is_the_file_written_whole(docs: dict[str, Any], part: int) -> None:
    data = {"_meta": {"schema": {"version": 1, "kind": "index"}}, "index": docs}
    expected, hashes, starts = reference_payload(data, "index")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(store, "PART_BYTES", part)
        where: tuple[list[int], list[int]] = ([], [])
        parts = list(store._lines_parts(data, "index", where))
    assert b"".join(parts) == expected
    assert where == (hashes, starts)
    if part == 1 and docs:
        assert len(parts) == len(docs) + 1  # each record goes as soon as it is made
    for key, start in zip(docs, starts, strict=True):
        assert expected[start:].startswith(orjson.dumps(key) + b":")
    assert orjson.loads(expected) == data


def test_parts_that_fail_midway_leave_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "file.json"
    target.write_bytes(b"old")

    def parts() -> Iterator[bytes]:
        yield b"new, half"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic.atomic_write_parts(target, parts())
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["file.json"]
    assert atomic.atomic_write_parts(target, iter([b"a", b"", b"bc"])) == 3 and target.read_bytes() == b"abc"


OPTIONAL = st.one_of(st.none(), st.sampled_from(["", "x", "2025-01-02"]))


@settings(max_examples=200, deadline=None)
@given(
    st.builds(
        Paper,
        id=st.just("2502.00011"),
        title=TEXT,
        abstract=st.sampled_from(["", "An abstract."]),
        days=st.lists(st.sampled_from(["2025-01-02", "2024-12-31"]), max_size=2),
        arxiv_id=OPTIONAL,
        upvotes=st.one_of(st.none(), st.integers(0, 5)),
        published=OPTIONAL,
        ai_summary=OPTIONAL,
        ai_keywords=st.lists(st.just("k"), max_size=1),
        github_url=OPTIONAL,
        project_url=OPTIONAL,
        withdrawn_at=OPTIONAL,
        announce_type=OPTIONAL,
        version=st.one_of(st.none(), st.integers(1, 3)),
        sources=st.lists(st.sampled_from(["hf", "arxiv"]), max_size=2),
    ),
    st.sampled_from(["2025-01", "undated"]),
)
def test_the_index_record_made_at_once_is_the_heads_record(paper: Paper, shard: str) -> None:
    record = PaperHead.record_of(paper, shard)
    head = PaperHead.of(paper, shard)
    assert list(record.items()) == list(head.to_dict().items())  # the same keys in the same order
    assert PaperHead.from_dict(record, paper.id) == head
    assert record["days"] is not paper.days
    doc = paper.to_dict()
    del doc["id"]
    assert list(paper.stored().items()) == list(doc.items())  # a shard's record: the same but the id
    assert paper.stored()["authors"] is not paper.authors


def library_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*.json"))
        if path.parent.name != store.BACKUP_DIR
    }


def test_a_big_import_in_pieces_and_parts_writes_the_same_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = ["2025-01-03", "2025-02-04", "2025-03-05"]
    items_ = [
        {**wrapped(n, summary=HOSTILE[n % len(HOSTILE)] or "x"), "submittedOnDailyAt": months[n % 3] + "T00:00:00Z"}
        for n in range(60)
    ]
    items_.append(wrapped(7))  # the same paper again: merged
    (tmp_path / "api.json").write_bytes(orjson.dumps(items_))
    with Library.open(tmp_path / "whole") as lib:
        monkeypatch.setattr(importers, "CHUNK_BYTES", WHOLE)
        first = lib.import_files([tmp_path / "api.json"])
    monkeypatch.setattr(importers, "CHUNK_BYTES", 300)
    monkeypatch.setattr(store, "PART_BYTES", 500)
    with Library.open(tmp_path / "pieces") as lib:
        second = lib.import_files([tmp_path / "api.json"])
        papers = [lib.paper(pid).to_dict() for pid in lib.ids()]
        heads = dict(lib.papers)
    assert (first.new, first.ids) == (second.new, second.ids) == (60, first.ids)
    assert library_files(tmp_path / "whole") == library_files(tmp_path / "pieces")
    with Library.open(tmp_path / "pieces", readonly=True) as lib:
        assert lib.papers == heads  # what the import keeps in memory is what the files say
        assert [lib.paper(pid).to_dict() for pid in lib.ids()] == papers
        assert "\x1b" not in orjson.dumps(papers).decode()


def test_one_item_and_an_object_of_papers_are_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw in (orjson.dumps(wrapped(1)), orjson.dumps({"papers": [wrapped(1), wrapped(2)]})):
        kind, papers, *_ = same_either_way(raw, monkeypatch)
        assert kind == "papers" and papers


def test_parsed_lists_from_pieces_are_clean_and_distinct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importers, "CHUNK_BYTES", 16)
    parsed = parse_bytes(
        orjson.dumps([wrapped(1), wrapped(2, title="Evil \x1b[2J title")]),
        ImportContext(name="api.json", day=None, today=TODAY),
    )
    assert isinstance(parsed, Parsed) and parsed.distinct
    assert [p.title for p in parsed] == ["Title number 1", "Evil title"]


# -- cleaning ---------------------------------------------------------------------------------


def clean_line_before(text: str) -> str:
    """`clean_line` as it was, every step always taken: what the fast one must give."""
    from reader.text import _CONTROLS_LINE, _ESCAPES

    if not text.isprintable():
        text = _ESCAPES.sub("", text)
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        text = _CONTROLS_LINE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


NASTY = (
    "ab \t\n\r\x0b\x0c\x1c\x1f\x1b[]();P^_\\\x07\x85\x90\x98\x9b\x9c\x9d\x9f\xa0"
    "\u2028\u2029\u3000\u200b\u202e\u2066\ufeff\ud800é"
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(st.sampled_from(NASTY), max_size=30), st.text(max_size=30), TEXT))
def test_clean_line_gives_what_it_gave_with_every_step_taken(text: str) -> None:
    from reader.text import clean_line

    assert clean_line(text) == clean_line_before(text)


@pytest.mark.parametrize("text", [*HOSTILE, "A title that can contain\nA newline", " hard\nwrapped\r\n text \u3000"])
def test_clean_line_on_hostile_and_wrapped_text(text: str) -> None:
    from reader.text import clean_line

    assert clean_line(text) == clean_line_before(text)
    assert clean_line(clean_line(text)) == clean_line(text)


def test_text_that_needs_cleaning_takes_the_quick_path_and_gives_the_slow_result() -> None:
    from reader.importers import clean_paper
    from reader.importers.hf_api import _paper, _quick

    context = ImportContext(name="api.json", day=None, today=TODAY)
    for text in [*HOSTILE, "A title that can contain\nA Newline", "Hard-wrapped\nabstract,\r\nas sent"]:
        item = wrapped(
            1,
            title=f"Title {text}",
            summary=text,
            ai_summary=text or None,
            authors=[{"name": f"Ada {text}"}, {"name": text or "x"}],
            ai_keywords=[text or "k", "two"],
            githubRepo=text or None,
            projectPage=text or None,
            withdrawnAt=text or None,
        )
        quick = _quick(item, context, {}, {}, TODAY.isoformat())
        slow = clean_paper(_paper(item, 0, context))
        assert quick is not None, text
        assert quick.to_dict() == slow.to_dict(), text


# -- writing a big import ---------------------------------------------------------------------


def test_papers_new_to_an_empty_library_are_written_as_the_long_way_writes_them(tmp_path: Path) -> None:
    items_ = [wrapped(n, summary=HOSTILE[n % len(HOSTILE)] or "x") for n in range(30)]
    parsed = parse_bytes(orjson.dumps(items_), ImportContext(name="api.json", day=None, today=TODAY))
    assert parsed.distinct
    results = []
    for name, papers in (("fast", parsed), ("long", list(parsed))):  # (a plain list: found one by one)
        with Library.open(tmp_path / name) as lib:
            result = lib.import_papers(papers)
            results.append((result.new, result.updated, result.ids, result.new_ids, result.days, dict(lib.papers)))
    assert results[0] == results[1]
    assert library_files(tmp_path / "fast") == library_files(tmp_path / "long")


PIDS = st.sampled_from(["2502.00001", "2502.00002", "no-arxiv-1", "t:one"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(PIDS, st.sampled_from(["One", "one!", "Two", "t:one"]), st.one_of(st.none(), PIDS))))
def test_papers_found_distinct_at_once_are_the_ones_dedupe_merges_none_of(specs: list[tuple[str, str, Any]]) -> None:
    from reader.models import title_key

    papers = [Paper(id=pid, title=title, arxiv_id=arxiv_id, days=["2025-01-02"]) for pid, title, arxiv_id in specs]
    keys = {paper.title: title_key(paper.title) for paper in papers}
    before = [paper.to_dict() for paper in papers]
    unique, merged = importers._dedupe([Paper.from_dict(doc) for doc in before], dict(keys))
    if importers._distinct(papers, keys):
        assert not merged and [paper.to_dict() for paper in unique] == before
    plain = [Paper(id=f"2502.0000{n}", title=f"Title {n}", arxiv_id=f"2502.0000{n}") for n in range(3)]
    assert importers._distinct(plain, {p.title: title_key(p.title) for p in plain})
    assert not importers._distinct(papers, {}) or not papers


# -- finding the papers a library has ------------------------------------------------------


TITLES = st.sampled_from(["One", "one!", "Two", "Three"])
ARXIV = st.one_of(st.none(), st.sampled_from(["2502.00001", "2502.00002", "2502.00003"]))


def api_item(arxiv_id: str | None, title: str, n: int) -> dict[str, Any]:
    """An API item; without an arXiv id, its id is a Hugging Face one (the paper's id is then
    made from its title)."""
    return wrapped(n, id=arxiv_id or f"hf-{n}", title=title, submittedOnDailyAt="2025-01-02T00:00:00Z")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(ARXIV, TITLES), min_size=1, max_size=5),
    st.lists(st.tuples(ARXIV, TITLES), min_size=1, max_size=3),
)
def test_an_import_finds_by_title_what_find_finds(
    tmp_path_factory: pytest.TempPathFactory, known: list[tuple[Any, str]], incoming: list[tuple[Any, str]]
) -> None:
    """An import finds each paper where `Library.find` (the map of every title) finds it, also
    when it keys only the titles of the papers without an arXiv id (an import of new arXiv ids)."""
    root = tmp_path_factory.mktemp("lib")
    (root / "known.json").write_bytes(orjson.dumps([api_item(a, t, n) for n, (a, t) in enumerate(known)]))
    files = []
    for n, (arxiv_id, title) in enumerate(incoming):
        files.append(root / f"in{n}.json")
        files[-1].write_bytes(orjson.dumps([api_item(arxiv_id, title, 100 + n)]))
    with Library.open(root / "db") as lib:
        lib.import_files([root / "known.json"])
    for path in files:  # one paper at a time, each into a library opened afresh
        with Library.open(root / "db", readonly=True) as lib:
            parsed = importers.parse_file(path, ImportContext(name=path.name, day=None, today=TODAY))
            expected = lib.find(parsed[0]) or parsed[0].id
        with Library.open(root / "db") as lib:
            assert lib.import_files([path]).ids == [expected]


def test_an_import_of_new_arxiv_ids_keys_only_the_titles_without_one(tmp_path: Path) -> None:
    (tmp_path / "known.json").write_bytes(
        orjson.dumps([api_item(None, "Plain title", 1), api_item("2502.00002", "Shared title", 2)])
    )
    (tmp_path / "new.json").write_bytes(orjson.dumps([api_item("2502.00003", "Shared title", 3)]))
    (tmp_path / "same.json").write_bytes(orjson.dumps([api_item("2502.00004", "plain TITLE!", 4)]))
    with Library.open(tmp_path / "db") as lib:
        lib.import_files([tmp_path / "known.json"])
    with Library.open(tmp_path / "db") as lib:
        result = lib.import_files([tmp_path / "new.json"])
        assert result.new_ids == ["2502.00003"]  # the same title on another arXiv id: a new paper
        assert lib._by_title is None  # (found without keying every title)
        (tmp_path / "plain.json").write_bytes(orjson.dumps([api_item(None, "Unseen title", 5)]))
        assert lib.import_files([tmp_path / "plain.json"]).new == 1
        assert lib._by_title is None  # (no title has its letters)
        result = lib.import_files([tmp_path / "same.json"])
        assert result.new == 0 and result.ids == [title_id("Plain title")]  # the paper without one

    # papers imported in the same session are found by their titles too
    def one(name: str, arxiv_id: str | None, title: str, n: int) -> Path:
        (tmp_path / name).write_bytes(orjson.dumps([api_item(arxiv_id, title, n)]))
        return tmp_path / name

    for name in ("one", "two"):
        with Library.open(tmp_path / name) as lib:
            lib.import_files([one("a.json", "2502.00010", "First", 10)])
            lib.import_files([one("b.json", "2502.00011", "Second", 11)])  # (keys the titles without one)
            lib.import_files([one("c.json", None, "Late title", 12)])  # (and the letters of every title)
            if name == "one":  # found among the titles without an arXiv id
                assert lib.import_files([one("d.json", "2502.00013", "late title!", 13)]).ids == [
                    title_id("Late title")
                ]
            else:  # found by its letters
                lib.import_files([one("e.json", "2502.00014", "Newer paper", 14)])
                assert lib.import_files([one("f.json", None, "NEWER paper", 15)]).ids == ["2502.00014"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.text(st.sampled_from("aZ9 _-.:\x00\u00e9\u00c0\u216b\u00ad"), max_size=10))))
def test_the_letters_of_many_titles_at_once_are_those_of_each_key(titles: list[str]) -> None:
    from reader.models import key_letters, title_key, title_letters

    assert title_letters(titles) == [key_letters(title_key(title)) for title in titles]
