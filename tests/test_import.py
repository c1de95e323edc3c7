"""Importing the day's papers: the page copied as text and the API JSON, through the CLI and the core."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from reader.importers import BadInput, ImportContext, parse_bytes
from reader.library import Library
from reader.models import Status, title_id
from tests.conftest import SEED, Cli, snapshot

TODAY = date(2026, 11, 25)


def seed_pairs() -> list[tuple[str, str]]:
    """The seed's (title, abstract) pairs, read independently of the importer: the header is
    six known lines, then title, blank, abstract, blank."""
    lines = [line for line in SEED.read_text(encoding="utf-8").split("\n") if line]
    assert lines[:6] == [
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
        "Jul 31",
    ]
    body = lines[6:]
    return list(zip(body[0::2], body[1::2], strict=True))


def ctx(name: str = "page.txt", day: date | None = None) -> ImportContext:
    return ImportContext(name=name, day=day, today=TODAY)


def test_seed_imports_all_86_papers_exactly(cli: Cli, lib_path: Path) -> None:
    result = cli("import", str(SEED), "--date", "2025-07-31")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "86 new, 0 updated, 0 unchanged (featured 2025-07-31)"
    with Library.open(lib_path, readonly=True) as lib:
        pairs = seed_pairs()
        assert len(pairs) == 86 == len(lib)
        by_title = {p.title: p for p in lib}
        for title, abstract in pairs:
            paper = by_title[title]
            assert paper.abstract == abstract
            assert paper.days == ["2025-07-31"]
            assert paper.id == title_id(title)
            assert paper.arxiv_id is None
            assert lib.status(paper.id) is Status.INBOX
        assert "Jul 31" not in by_title and "Subscribe" not in by_title


def test_seed_keeps_page_order_for_the_day(sample_library: Library) -> None:
    titles = [sample_library.paper(pid).title for pid in sample_library.ids(day="2025-07-31")]
    upvoted = {"Guiding Through Complexity", "IRanker", "The Best Instruction-Tuning", "Learning How To Ask"}
    page_order = [t for t, _ in seed_pairs() if not any(t.startswith(u) for u in upvoted)]
    assert [t for t in titles if not any(t.startswith(u) for u in upvoted)] == page_order


def test_day_line_without_date_takes_the_current_year() -> None:
    papers = parse_bytes(SEED.read_bytes(), ctx())
    assert {p.days[0] for p in papers} == {"2026-07-31"}


def test_day_in_the_future_this_year_means_last_year() -> None:
    page = b"Dec 30\n\nA Title\n\n" + b"word " * 60 + b"\n"
    assert parse_bytes(page, ctx()).pop().days == ["2025-12-30"]


def test_date_option_sets_the_year() -> None:
    papers = parse_bytes(SEED.read_bytes(), ctx(day=date(2024, 1, 1)))
    assert {p.days[0] for p in papers} == {"2024-07-31"}


def test_crlf_and_trailing_spaces_give_the_same_papers() -> None:
    clean = parse_bytes(SEED.read_bytes(), ctx())
    messy_text = "\r\n".join(line + "  \t" for line in SEED.read_text(encoding="utf-8").split("\n"))
    messy = parse_bytes(messy_text.encode(), ctx())
    assert [(p.title, p.abstract, p.days) for p in messy] == [(p.title, p.abstract, p.days) for p in clean]


def test_missing_header_uses_the_date_option() -> None:
    body = "\n\n".join(f"{t}\n\n{a}" for t, a in seed_pairs()[:5])
    papers = parse_bytes(body.encode(), ctx(day=date(2025, 7, 31)))
    assert [p.title for p in papers] == [t for t, _ in seed_pairs()[:5]]
    assert {p.days[0] for p in papers} == {"2025-07-31"}


def test_several_days_pasted_one_after_another() -> None:
    pairs = seed_pairs()
    text = "Jul 30\n\n" + "\n\n".join(f"{t}\n\n{a}" for t, a in pairs[:3])
    text += "\n\nDaily Papers\n\nJul 31\n\n" + "\n\n".join(f"{t}\n\n{a}" for t, a in pairs[3:7])
    papers = parse_bytes(text.encode(), ctx(day=date(2025, 1, 1)))
    assert [p.days[0] for p in papers] == ["2025-07-30"] * 3 + ["2025-07-31"] * 4


def test_title_without_abstract_is_kept() -> None:
    pairs = seed_pairs()
    text = f"Jul 31\n\n{pairs[0][0]}\n\nA Paper With No Abstract\n\n{pairs[1][0]}\n\n{pairs[1][1]}\n"
    papers = parse_bytes(text.encode(), ctx())
    assert [(p.title, bool(p.abstract)) for p in papers] == [
        (pairs[0][0], False),
        ("A Paper With No Abstract", False),
        (pairs[1][0], True),
    ]


def test_control_characters_and_escapes_are_stripped_on_import() -> None:
    title = "Evil \x1b[2J\x1b]52;c;aGVsbG8=\x07Title\x08\x9b31m here\u202e"
    text = f"Jul 31\n\n{title}\n\n" + "Abstract \x1b[31mred\x1b[0m text. " * 20
    paper = parse_bytes(text.encode(), ctx()).pop()
    assert paper.title == "Evil Title here"
    assert "\x1b" not in paper.abstract and "red text." in paper.abstract


API_ITEM = {
    "paper": {
        "id": "2602.23229",
        "authors": [{"_id": "x", "name": "Ada Lovelace", "hidden": False}, {"name": "Alan Turing"}],
        "publishedAt": "2026-02-26T17:08:18.000Z",
        "submittedOnDailyAt": "2026-03-06T03:55:12.777Z",
        "title": "A Title That Can Contain\nA Newline",
        "summary": "The abstract\nwith a line break.",
        "upvotes": 10,
        "projectPage": "https://example.org/p",
        "githubRepo": "https://github.com/o/r",
        "ai_summary": "One sentence summary.",
        "ai_keywords": ["in-context learning", "agents"],
    },
    "title": "ignored top-level title",
    "numComments": 3,
}


def test_api_json_reads_every_field(tmp_path: Path, cli: Cli, lib_path: Path) -> None:
    sparse = {"paper": {"id": "2601.00001v2", "title": "Only A Title"}}
    path = tmp_path / "day.json"
    path.write_text(json.dumps([API_ITEM, sparse]), encoding="utf-8")
    assert cli("import", str(path)).stdout.startswith("2 new, 0 updated, 0 unchanged")
    with Library.open(lib_path, readonly=True) as lib:
        paper = lib.paper("2602.23229")
        assert paper.title == "A Title That Can Contain A Newline"
        assert paper.abstract == "The abstract with a line break."
        assert paper.authors == ["Ada Lovelace", "Alan Turing"]
        assert paper.published == "2026-02-26"
        assert paper.days == ["2026-03-06"]
        assert paper.upvotes == 10 and paper.comments == 3
        assert paper.ai_summary == "One sentence summary."
        assert paper.ai_keywords == ["in-context learning", "agents"]
        assert paper.github_url == "https://github.com/o/r"
        assert paper.project_url == "https://example.org/p"
        assert paper.abs_url == "https://arxiv.org/abs/2602.23229"
        assert paper.pdf_url == "https://arxiv.org/pdf/2602.23229"
        assert paper.hf_url == "https://huggingface.co/papers/2602.23229"
        bare = lib.paper("2601.00001")
        assert bare.upvotes is None, "a missing count is unknown, not zero"
        assert bare.authors == [] and bare.abstract == ""


def test_page_paper_gains_arxiv_id_from_api_and_keeps_user_state(cli: Cli, lib_path: Path, tmp_path: Path) -> None:
    pairs = seed_pairs()
    cli("import", str(SEED), "--date", "2025-07-31")
    pid = title_id(pairs[0][0])
    assert cli("mark", pid, "reading").exit_code == 0
    assert cli("note", pid, "my careful notes").exit_code == 0
    assert cli("tag", pid, "+weak-supervision").exit_code == 0
    item = {"paper": {"id": "2507.11111", "title": pairs[0][0].upper(), "upvotes": 7, "authors": [{"name": "A B"}]}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    result = cli("import", str(path), "--date", "2025-08-01")
    assert result.stdout.startswith("0 new, 1 updated, 0 unchanged")
    with Library.open(lib_path, readonly=True) as lib:
        paper = lib.paper(pid)
        assert paper.arxiv_id == "2507.11111" and paper.upvotes == 7 and paper.authors == ["A B"]
        assert paper.abstract == pairs[0][1], "a source without an abstract does not erase it"
        assert paper.days == ["2025-07-31", "2025-08-01"]
        state = lib.state(pid)
        assert (state.status, state.notes, state.tags) == (Status.READING, "my careful notes", ["weak-supervision"])
        assert lib.resolve("2507.11111") == pid
        assert lib.resolve("https://arxiv.org/abs/2507.11111v3") == pid


def test_reimport_keeps_notes_and_reports_unchanged(cli: Cli, lib_path: Path) -> None:
    cli("import", str(SEED), "--date", "2025-07-31")
    pid = title_id(seed_pairs()[3][0])
    cli("note", pid, "keep me")
    cli("mark", pid, "done")
    result = cli("import", str(SEED), "--date", "2025-07-31")
    assert result.stdout.strip() == "0 new, 0 updated, 86 unchanged (featured 2025-07-31)"
    with Library.open(lib_path, readonly=True) as lib:
        assert lib.state(pid).notes == "keep me" and lib.status(pid) is Status.DONE


def test_same_paper_twice_in_one_input_is_one_paper() -> None:
    pairs = seed_pairs()
    text = f"Jul 30\n\n{pairs[0][0]}\n\n{pairs[0][1]}\n\nJul 31\n\n{pairs[0][0]}\n\n{pairs[0][1]}\n"
    papers = parse_bytes(text.encode(), ctx())
    assert len(papers) == 1 and papers[0].days == ["2026-07-30", "2026-07-31"]


BAD_INPUTS: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "the file is empty"),
    "blank": (b"  \n\n \r\n", "the file is empty"),
    "binary": (bytes(range(256)) * 4, "binary file"),
    "invalid-utf8": (b"Jul 31\n\nTitle \xff\xfe here\n\n" + b"x" * 300, "not valid UTF-8"),
    "truncated-json": (b'[{"paper": {"id": "2501.00001", "title": "T"', "not valid JSON"),
    "json-object": (b'{"id": 1}', "expected a JSON array"),
    "json-wrong-item": (b'[{"paper": {"id": "2501.00001", "title": "T"}}, 5]', "paper 2: expected an object"),
    "json-no-id": (b'[{"paper": {"title": "T"}}]', "paper.id is missing"),
    "json-bad-upvotes": (b'[{"paper": {"id": "2501.00001", "title": "T", "upvotes": "many"}}]', "upvotes should be"),
    "json-empty-array": (b"[]", "no papers found"),
    "page-no-papers": (b"new\n\nSubscribe\n\nDaily Papers\n\nJul 31\n", "no papers found"),
    "not-a-page": (b"just\nsome\nshort\nlines\n", "does not look like a Daily Papers page"),
    "deep-json": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_changes_nothing(case: str, cli: Cli, lib_path: Path, tmp_path: Path) -> None:
    cli("import", str(SEED), "--date", "2025-07-31")
    pid = title_id(seed_pairs()[0][0])
    cli("note", pid, "precious")
    before = snapshot(lib_path)
    data, message = BAD_INPUTS[case]
    bad = tmp_path / f"{case}.input"
    bad.write_bytes(data)
    result = cli("import", str(SEED), str(bad))  # a good file first: all or nothing
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and message in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(lib_path) == before


def test_missing_file_is_one_line_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"reader: error: {tmp_path / 'nope.txt'}: no such file"


def test_import_rejects_bad_date_option(cli: Cli) -> None:
    result = cli("import", str(SEED), "--date", "31/07/2025")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_parse_errors_are_bad_input_not_crashes() -> None:
    with pytest.raises(BadInput, match=r"x\.json"):
        parse_bytes(b'[{"paper": {"id": "2501.00001", "title": "T", "authors": [7]}}]', ctx("x.json"))
