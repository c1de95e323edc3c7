"""Exports read back with real parsers (markdown-it, bibtexparser, csv, json) and compared
field by field with the library, through the `reader export` command and the exporters."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner, Result
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reader import exporters
from reader.cli import cli
from reader.exporters.bibtex import citation_keys, render_bibtex
from reader.exporters.csv_export import COLUMNS, neutralise, unneutralise
from reader.exporters.markdown import render_markdown
from reader.library import Library
from reader.models import Paper, Status, UserState, record
from reader.resources import SAMPLE_DAY, sample_files

FORMULA_NOTE = "=cmd|' /C calc'!A0"

HOSTILE_TITLE = 'Braces {a} and }unbalanced{ 50% & #1 _x_ $y$ \\alpha ~ ^ "q", [link](x) *b* `c` <i>'
HOSTILE_NOTES = (
    "First line with {braces} and } stray { ones\n"
    '% & # _ $ \\ ~ ^ " , all the specials\n'
    "\n"
    "@article{fake,\n"
    "  title = {x}}\n"
    "- a list item in the notes\n"
    "# a heading in the notes\n"
    "中文 العربية Ελληνικά 🧪📄\n"
)


def _paper(pid: str, title: str, **extra: object) -> Paper:
    return Paper(id=pid, title=title, **extra)  # type: ignore[arg-type]


def finish(library: Library, pid: str, stamp: str, status: Status = Status.DONE) -> None:
    """Put a paper in a status as if it had happened at `stamp` (an ISO UTC timestamp)."""
    state = library.state(pid).copy()
    state.status = status
    state.triaged_at = stamp
    if status is Status.DONE:
        state.finished_at = stamp
    if status is Status.READING:
        state.started_at = stamp
    state.updated_at = stamp
    library.restore({pid: state})


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    """A closed library with hostile text: five done papers over three days, two others."""
    path = tmp_path / "lib"
    with Library.open(path) as library:
        library.import_papers(
            [
                _paper(
                    "2507.00001",
                    HOSTILE_TITLE,
                    arxiv_id="2507.00001",
                    authors=[
                        "Ada {Lovelace}",
                        "Research and Development Team",
                        "Smith, Jr., John",
                        "张伟",
                        "محمد علي",
                        "Γιώργος Παπαδόπουλος",
                        "O'Brien ~ 100% & #1_$x^",
                    ],
                    published="2025-07-29",
                    days=["2025-07-31"],
                    primary_category="cs.LG",
                ),
                _paper(
                    "a1b2c3d4e5",
                    "中文标题 🚀 without an arXiv id",
                    authors=["李雷"],
                    days=["2025-07-30"],
                    project_url="https://example.org/project_x/#top?q=1%20",
                ),
                _paper(
                    "2507.00003",
                    "Ελληνικά και العربية: a multilingual study",
                    arxiv_id="2507.00003",
                    authors=["Émilie du Châtelet", "Kurt Gödel"],
                    published="2025-07-28",
                    days=["2025-07-30"],
                ),
                _paper(
                    "2507.00004",
                    "Graph Learning Rocks",
                    arxiv_id="2507.00004",
                    authors=["Ada Lovelace"],
                    published="2025-06-01",
                    days=["2025-07-31"],
                ),
                _paper(
                    "2507.00005",
                    "Graph Learning Rolls",
                    arxiv_id="2507.00005",
                    authors=["Ada Lovelace"],
                    published="2025-06-02",
                    days=["2025-07-31"],
                ),
                _paper("2507.00006", "Still to read", arxiv_id="2507.00006", days=["2025-07-31"]),
                _paper("2507.00007", "Being read", arxiv_id="2507.00007", days=["2025-07-29"]),
            ]
        )
        finish(library, "2507.00001", "2025-07-31T22:09:56Z")
        finish(library, "a1b2c3d4e5", "2025-07-30T08:00:00Z")
        finish(library, "2507.00003", "2025-07-30T09:30:00Z")
        finish(library, "2507.00004", "2025-07-01T12:00:00Z")
        finish(library, "2507.00005", "2025-07-01T12:00:00Z")
        finish(library, "2507.00006", "2025-07-30T10:00:00Z", Status.TO_READ)
        finish(library, "2507.00007", "2025-07-31T10:00:00Z", Status.READING)
        library.set_notes("2507.00001", HOSTILE_NOTES)
        library.set_notes("a1b2c3d4e5", FORMULA_NOTE + '\nsecond line, with "quotes"')
        library.set_notes("2507.00003", "+ starts with a plus\r\nand a CRLF")
        library.set_tags("2507.00001", ["rl", "to_cite"])
        library.set_tags("2507.00003", ["rl"])
        library.set_tags("2507.00006", ["rl"])
    return path


DONE_NEWEST_FIRST = ["2507.00001", "2507.00003", "a1b2c3d4e5", "2507.00004", "2507.00005"]


@pytest.fixture
def library(lib_path: Path) -> Iterator[Library]:
    with Library.open(lib_path, readonly=True) as lib:
        yield lib


def run(lib_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(lib_path), "export", *args])


# -- readers -------------------------------------------------------------------------------

_BIB_ESCAPES = re.compile(
    r"\\textbackslash\{\}|\\textasciitilde\{\}|\\textasciicircum\{\}|\\textbraceleft\{\}"
    r"|\\textbraceright\{\}|\\textless\{\}|\\textgreater\{\}|\\textbar\{\}|\\[{}%&#_$]|\{@\}"
)
_BIB_WORDS = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    r"\textbar{}": "|",
    "{@}": "@",
}


def bib_decode(value: str) -> str:
    """Undo the exporter's LaTeX escaping (written independently of the exporter)."""
    return _BIB_ESCAPES.sub(lambda m: _BIB_WORDS.get(m.group(0), m.group(0)[1:]), value)


def bib_names(value: str) -> list[str]:
    """Split an author field on ` and ` outside braces; unwrap names braced whole."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        if char == "\\" and value[i + 1 : i + 2] in ("{", "}"):
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and value.startswith(" and ", i):
            names.append(value[start:i])
            start = i = i + 5
            continue
        i += 1
    names.append(value[start:])
    return [bib_decode(n[1:-1] if _braced_whole(n) else n) for n in names]


def _braced_whole(name: str) -> bool:
    """True when the name is one brace group: `{A and B}`, not `{@}b{x}`."""
    if not name.startswith("{"):
        return False
    depth, i = 0, 0
    while i < len(name):
        if name[i] == "\\" and name[i + 1 : i + 2] in ("{", "}"):
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(name[i], 0)
        if depth == 0:
            return i == len(name) - 1
        i += 1
    return False


def parse_bib(text: str) -> list[tuple[str, str, dict[str, str]]]:
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks, [b.error for b in parsed.failed_blocks]
    return [(e.key, e.entry_type, {f.key: f.value for f in e.fields}) for e in parsed.entries]


def parse_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, (unneutralise(c) for c in r), strict=True)) for r in rows[1:]]


def md_items(text: str) -> list[list[Token]]:
    """The tokens of each top-level list item."""
    tokens = MarkdownIt("commonmark").parse(text)
    items: list[list[Token]] = []
    for token in tokens:
        if token.type == "list_item_open" and token.level == 1:
            items.append([])
        elif items and token.level > 1:
            items[-1].append(token)
    return items


def link_of(item: list[Token]) -> tuple[str | None, str]:
    """The href and the plain text of the first paragraph of a list item."""
    inline = next(t for t in item if t.type == "inline")
    children = inline.children or []
    href = next((str(c.attrs["href"]) for c in children if c.type == "link_open"), None)
    text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
    return href, text


# -- Markdown ------------------------------------------------------------------------------


def test_markdown_groups_done_papers_by_day_newest_first(lib_path: Path, library: Library) -> None:
    result = run(lib_path)
    assert result.exit_code == 0, result.output
    text = result.stdout
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    assert headings == ["Reading log — 2025-07-01 to 2025-07-31", "2025-07-31", "2025-07-30", "2025-07-01"]
    items = md_items(text)
    assert len(items) == len(DONE_NEWEST_FIRST)
    for pid, item in zip(DONE_NEWEST_FIRST, items, strict=True):
        paper = library.paper(pid)
        href, title = link_of(item)
        assert href == paper.url
        assert title == paper.title


def test_markdown_lists_authors_and_tags_and_quotes_notes_verbatim(library: Library) -> None:
    text = exporters.render(library, ["2507.00001", "a1b2c3d4e5"], "markdown")
    lines = text.split("\n")
    items = md_items(text)
    assert len(items) == 2
    inlines = [t for t in items[0] if t.type == "inline" and t.level == 3]
    paper = library.paper("2507.00001")
    assert "".join(c.content for c in inlines[1].children or []) == ", ".join(paper.authors) + " · #rl #to_cite"
    quote = next(t for t in items[0] if t.type == "blockquote_open")
    assert quote.map is not None
    quoted = [re.sub(r"^  > ?", "", line) for line in lines[quote.map[0] : quote.map[1]]]
    assert "\n".join(quoted) == library.state("2507.00001").notes.strip("\n")
    # Headings and lists inside the notes stay inside the quote: one heading per day only.
    assert [t.tag for t in MarkdownIt().parse(text) if t.type == "heading_open" and t.level == 0] == ["h1", "h2", "h2"]


@pytest.mark.parametrize(
    "title",
    [
        "a [/] b",
        "[x](javascript:alert(1))",
        "<script>alert(1)</script>",
        "&amp; &#123; entity",
        "# not a heading",
        "1. not a list",
        "2) not a list",
        "- not a list",
        "+ not a list",
        "> not a quote",
        "*star* _under_ **bold** `code` ~~strike~~ $math$",
        "a | table | row",
        "ends with a backslash \\",
        "=== not a rule",
        "--- not a rule",
        "`` double ` tick",
        "![not an image](x.png)",
        "中文 العربية Ελληνικά 🧪",
    ],
)
@pytest.mark.parametrize("url", [None, "https://arxiv.org/abs/2507.99999"])
def test_markdown_titles_show_literally(tmp_path: Path, title: str, url: str | None) -> None:
    paper = _paper("x1", title, project_url=url, authors=[title])
    entry = exporters.Entry(paper, UserState(status=Status.DONE, tags=["t"], finished_at="2025-07-31T00:00:00Z"))
    text = render_markdown([entry], period="2025-07-31")
    items = md_items(text)
    assert len(items) == 1
    href, shown = link_of(items[0])
    assert href == url
    assert shown == title
    meta = [t for t in items[0] if t.type == "inline"][1]
    assert "".join(c.content for c in meta.children or []) == f"{title} · #t"
    assert not [c for c in meta.children or [] if c.type not in ("text",)]


def test_markdown_links_only_web_urls(tmp_path: Path) -> None:
    paper = _paper("x1", "Click me", project_url="javascript:alert(1)")
    entry = exporters.Entry(paper, UserState(status=Status.DONE))
    items = md_items(render_markdown([entry]))
    assert link_of(items[0]) == (None, "Click me")


# -- BibTeX --------------------------------------------------------------------------------


def test_bibtex_reads_back_every_field(lib_path: Path, library: Library) -> None:
    result = run(lib_path, "--format", "bibtex")
    assert result.exit_code == 0, result.output
    parsed = parse_bib(result.stdout)
    assert len(parsed) == len(DONE_NEWEST_FIRST)
    for pid, (_key, kind, fields) in zip(DONE_NEWEST_FIRST, parsed, strict=True):
        paper, state = library.paper(pid), library.state(pid)
        assert kind == "misc"
        assert fields["title"].startswith("{") and fields["title"].endswith("}")
        assert bib_decode(fields["title"][1:-1]) == paper.title
        assert bib_names(fields["author"]) == paper.authors
        assert "note" not in fields  # a note is printed by standard styles: notes go in annote
        assert bib_decode(fields.get("annote", "")) == state.notes
        assert bib_decode(fields.get("keywords", "")) == ", ".join(state.tags)
        assert fields["url"] == paper.url.replace(" ", "%20")
        if paper.arxiv_id:
            assert fields["eprint"] == paper.arxiv_id
            assert fields["eprinttype"] == "arxiv"
            assert fields["archivePrefix"] == "arXiv"
            assert fields["doi"] == f"10.48550/arXiv.{paper.arxiv_id}"
            assert fields["year"] == paper.published[:4]
        else:
            assert not {"eprint", "eprinttype", "archivePrefix", "doi"} & set(fields)
            assert fields["year"] == paper.days[0][:4]
    assert parsed[0][2]["primaryClass"] == "cs.LG"
    assert "primaryClass" not in parsed[1][2]


def test_bibtex_braces_balance_as_bibtex_counts_them(library: Library) -> None:
    text = exporters.render(library, DONE_NEWEST_FIRST, "bibtex")
    blocks = re.split(r"\n(?=@)", text)
    assert len(blocks) == len(DONE_NEWEST_FIRST)  # no line inside an entry starts with @
    for block in blocks:
        depth = 0
        for char in block:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0


def test_bibtex_keys_are_stable_unique_and_ascii(library: Library) -> None:
    text = exporters.render(library, DONE_NEWEST_FIRST, "bibtex")
    keys = [key for key, _, _ in parse_bib(text)]
    assert keys == [
        "lovelace2025braces",  # braces stripped from the surname, stop words skipped
        "chatelet2025multilingual",  # folded to ASCII; Greek/Arabic words fold to nothing
        "anon2025arxiv",  # no Latin surname; year from the featured day
        "lovelace2025grapha",  # 2507.00004 sorts before 2507.00005
        "lovelace2025graphb",
    ]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys)
    reversed_text = exporters.render(library, list(reversed(DONE_NEWEST_FIRST)), "bibtex")
    assert [k for k, _, _ in parse_bib(reversed_text)] == list(reversed(keys))


def test_bibtex_collisions_get_letters_and_skip_taken_keys() -> None:
    papers = [_paper(f"p{i}", "Graph", authors=["Ada Lovelace"], published="2025-01-01") for i in range(3)]
    papers.append(_paper("q", "Grapha", authors=["Ada Lovelace"], published="2025-01-01"))
    assert citation_keys(papers) == [
        "lovelace2025graphb",
        "lovelace2025graphc",
        "lovelace2025graphd",
        "lovelace2025grapha",
    ]
    assert citation_keys(list(reversed(papers))) == list(reversed(citation_keys(papers)))


def test_bibtex_paper_without_anything_is_still_valid() -> None:
    entry = exporters.Entry(_paper("z", "??"), UserState(status=Status.DONE))
    [(key, kind, fields)] = parse_bib(render_bibtex([entry]))
    assert (key, kind) == ("anonndpaper", "misc")
    assert fields == {"title": "{??}"}  # no arXiv id, no DOI: no doi field
    assert render_bibtex([]) == ""


# -- CSV -----------------------------------------------------------------------------------


def test_csv_round_trip_is_exact_and_formula_safe(lib_path: Path, library: Library) -> None:
    result = run(lib_path, "--format", "csv")
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") >= len(DONE_NEWEST_FIRST) + 1
    text = raw.decode("utf-8")
    rows = parse_csv(text)
    assert [r["id"].split(":", 1)[1] for r in rows] == DONE_NEWEST_FIRST
    for row in rows:
        paper, state = library.paper(library.resolve(row["id"])), library.state(library.resolve(row["id"]))
        assert row["title"] == paper.title
        assert row["authors"].split("; ") == paper.authors
        assert row["status"] == "done"
        assert row["finished"] == state.finished_at
        assert row["days"].split("; ") == paper.days
        assert row["tags"] == "; ".join(state.tags)
        assert row["url"] == (paper.url or "")
        assert row["arxiv"] == (f"arXiv:{paper.arxiv_id}" if paper.arxiv_id else "")
        assert row["notes"] == state.notes
        assert row["abstract"] == paper.abstract
        assert row["pdf_url"] == (paper.pdf_url or "") and row["hf_url"] == (paper.hf_url or "")
    # No cell begins with a character a spreadsheet would run as a formula.
    for cells in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    raw_rows = {r[0]: r for r in csv.reader(io.StringIO(text, newline=""))}
    assert raw_rows["reader:a1b2c3d4e5"][COLUMNS.index("notes")].startswith("'" + FORMULA_NOTE)
    assert raw_rows["arXiv:2507.00003"][COLUMNS.index("notes")].startswith("'+ starts")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
)
def test_csv_neutralise_is_reversible(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe
    assert unneutralise(neutralise(cell)) == cell


# -- JSON ----------------------------------------------------------------------------------


def test_json_records_match_list_json(lib_path: Path, library: Library) -> None:
    result = run(lib_path, "--format", "json", "--status", "all")
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    listed = json.loads(CliRunner().invoke(cli, ["--db", str(lib_path), "list", "--json"]).stdout)
    assert sorted(exported, key=lambda r: r["id"]) == sorted(listed, key=lambda r: r["id"])
    for rec in exported:
        assert rec == record(library.paper(rec["id"]), library.state(rec["id"]))
    assert list(exported[0]) == list(record(library.paper("2507.00001"), library.state("2507.00001")))


# -- selection -----------------------------------------------------------------------------


def _ids(lib_path: Path, *args: str) -> list[str]:
    result = run(lib_path, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [r["id"] for r in json.loads(result.stdout)]


def test_since_and_until_compare_finished_dates_inclusively(lib_path: Path) -> None:
    assert _ids(lib_path, "--since", "2025-07-30") == ["2507.00001", "2507.00003", "a1b2c3d4e5"]
    assert _ids(lib_path, "--until", "2025-07-30") == ["2507.00003", "a1b2c3d4e5", "2507.00004", "2507.00005"]
    assert _ids(lib_path, "--since", "2025-07-30", "--until", "2025-07-30") == ["2507.00003", "a1b2c3d4e5"]
    assert _ids(lib_path, "--since", "2025-08-01") == []


def test_status_tag_and_day_select(lib_path: Path) -> None:
    assert _ids(lib_path, "--tag", "rl") == ["2507.00001", "2507.00003"]
    assert _ids(lib_path, "--tag", "#RL", "--tag", "to_cite") == ["2507.00001"]
    assert _ids(lib_path, "--status", "all", "--tag", "rl") == ["2507.00001", "2507.00006", "2507.00003"]
    assert _ids(lib_path, "--status", "to-read") == ["2507.00006"]
    assert _ids(lib_path, "--status", "reading", "--since", "2025-07-31") == ["2507.00007"]
    assert _ids(lib_path, "--day", "2025-07-30") == ["2507.00003", "a1b2c3d4e5"]
    assert _ids(lib_path, "--day", "latest") == ["2507.00001", "2507.00004", "2507.00005"]
    assert len(_ids(lib_path, "--status", "all")) == 7


def test_markdown_title_names_status_and_period(lib_path: Path) -> None:
    result = run(lib_path, "--status", "all", "--since", "2025-07-30")
    assert result.stdout.splitlines()[0] == "# Papers — 2025-07-30 to 2025-07-31"
    assert "to-read" in result.stdout
    result = run(lib_path, "--since", "2025-06-01", "--until", "2025-07-15")
    assert result.stdout.splitlines()[0] == "# Reading log — 2025-06-01 to 2025-07-15"


# -- files, errors, empty selections ---------------------------------------------------------


def test_output_file_is_written_and_not_replaced_without_force(lib_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "log.bib"
    result = run(lib_path, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 5 papers to {target} (BibTeX)\n"
    assert len(parse_bib(target.read_text("utf-8"))) == 5  # format taken from the extension

    target.write_bytes(b"precious \x00 bytes")
    result = run(lib_path, "-o", str(target), "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "exists" in result.stderr and "--force" in result.stderr
    assert target.read_bytes() == b"precious \x00 bytes"

    result = run(lib_path, "-o", str(target), "--format", "csv", "--force")
    assert result.exit_code == 0, result.output
    assert [r["id"].split(":", 1)[1] for r in parse_csv(target.read_text("utf-8"))] == DONE_NEWEST_FIRST
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".log.bib")] == []


def test_output_to_a_folder_uses_the_default_name(lib_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = run(lib_path, "-o", str(folder), "--until", "2025-07-31")
    assert result.exit_code == 0, result.output
    assert [p.name for p in folder.iterdir()] == ["done-until-2025-07-31.md"]


@pytest.mark.parametrize(
    ("args", "name", "count"),
    [
        (["--since", "2025-07-30", "--until", "2025-07-30"], "done-2025-07-30.md", 2),
        ([], "done-as-of-2025-08-02.md", 5),
        (["--status", "all", "-f", "bibtex"], "all-papers-as-of-2025-08-02.bib", 7),
        (["--since", "2025-07-30"], "done-since-2025-07-30.md", 3),
        (["--since", "2025-07-01", "--until", "2025-07-30", "-f", "csv"], "done-2025-07-01-to-2025-07-30.csv", 4),
        (["--status", "to-read", "--tag", "RL"], "to-read-tagged-rl-as-of-2025-08-02.md", 1),
        (["--status", "all", "--tag", "rl", "--tag", "to_cite"], "all-papers-tagged-rl+to_cite-as-of-2025-08-02.md", 1),
        (["--day", "2025-07-31", "-f", "json"], "done-featured-2025-07-31.json", 3),
    ],
)
def test_the_default_name_says_what_the_file_holds(
    lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], name: str, count: int
) -> None:
    monkeypatch.setenv("READER_TODAY", "2025-08-02")
    folder = tmp_path / "out"
    folder.mkdir()
    result = run(lib_path, "-o", str(folder), *args)
    assert result.exit_code == 0, result.output
    assert [p.name for p in folder.iterdir()] == [name]
    assert result.output.startswith(f"wrote {count} paper") and result.output.rstrip().endswith(")")


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("markdown", lambda t: len(md_items(t)) == 0 and t.startswith("# Reading log")),
        ("bibtex", lambda t: parse_bib(t) == []),
        ("csv", lambda t: parse_csv(t) == []),
        ("json", lambda t: json.loads(t) == []),
    ],
)
def test_empty_selection_writes_a_valid_empty_document(lib_path: Path, tmp_path: Path, fmt: str, check: object) -> None:
    result = run(lib_path, "--format", fmt, "--tag", "nothing-has-this")
    assert result.exit_code == 0
    assert check(result.stdout)  # type: ignore[operator]
    assert result.stderr.startswith("reader: no papers match: wrote an empty ")
    target = tmp_path / f"empty.{fmt}"
    result = run(lib_path, "--format", fmt, "--since", "2030-01-01", "-o", str(target))
    assert result.exit_code == 0
    assert check(target.read_text("utf-8"))  # type: ignore[operator]
    assert str(target) in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "2025-13-01"], "--since"),
        (["--until", "yesterday"], "--until"),
        (["--day", "31/07/2025"], "--day"),
        (["--since", "2025-08-01", "--until", "2025-07-01"], "after"),
        (["--format", "xml"], "unknown format"),
        (["--status", "finished"], "unknown status"),
        (["-o", "/nonexistent-folder/x.md"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2(lib_path: Path, args: list[str], words: str) -> None:
    result = run(lib_path, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("reader: error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_export_reads_while_the_app_holds_the_lock(lib_path: Path) -> None:
    with Library.open(lib_path):  # a writer holds the lock
        result = run(lib_path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5


def test_export_is_deterministic(lib_path: Path) -> None:
    for fmt in exporters.FORMATS:
        assert run(lib_path, "--format", fmt).stdout_bytes == run(lib_path, "--format", fmt).stdout_bytes


def test_export_never_imports_textual(lib_path: Path) -> None:
    code = (
        "import sys\n"
        "import reader.cli_export\n"  # importable first, before reader.cli
        "from click.testing import CliRunner\n"
        "from reader.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['--db', {str(lib_path)!r}, 'export', '-f', 'bibtex'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- API -----------------------------------------------------------------------------------


def test_api_helpers() -> None:
    assert exporters.default_filename("markdown", "2025-07-31") == "done-as-of-2025-07-31.md"
    assert exporters.default_filename("bib", date(2025, 7, 1), status=None) == "all-papers-as-of-2025-07-01.bib"
    assert exporters.default_filename("notes", "2025-07-31") == "paper-notes"
    hostile = exporters.default_filename("csv", "2025-07-31", query="../a b/\x1b[31mc\u200bd  ", status=None)
    assert hostile == "filter-a-b-c-d-as-of-2025-07-31.csv"
    assert exporters.default_filename("md", "2025-07-31", query="") == "filter-all-as-of-2025-07-31.md"
    assert exporters.format_for_path("x/log.CSV") == "csv"
    assert exporters.format_for_path("log.txt") is None
    assert exporters.parse_format(" BibTeX ") == "bibtex"
    with pytest.raises(ValueError, match="unknown format"):
        exporters.parse_format("docx")


def test_write_refuses_existing_files_and_leaves_them_alone(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    exporters.write(target, "one\n")
    with pytest.raises(exporters.DestinationExists):
        exporters.write(target, "two\n")
    assert target.read_text() == "one\n"
    exporters.write(target, "two ✓\n", force=True)
    assert target.read_bytes() == "two ✓\n".encode()
    with pytest.raises(exporters.BadDestination):
        exporters.write(tmp_path, "x")


def test_sample_day_exports_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "sample"
    with Library.open(path) as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
        ids = library.ids(day=SAMPLE_DAY)
        library.set_status(ids, Status.DONE)
        library.set_notes(ids[0], FORMULA_NOTE)
    with Library.open(path, readonly=True) as library:
        selected = exporters.select(library)
        assert sorted(selected) == sorted(ids)
        titles = {library.paper(pid).title for pid in ids}
        urls = {pid: library.paper(pid).url for pid in ids}
    md = run(path).stdout
    items = md_items(md)
    assert len(items) == len(ids)
    assert {link_of(item)[1] for item in items} == titles
    assert {link_of(item)[0] for item in items} == {u for u in urls.values()}
    bib = parse_bib(run(path, "-f", "bibtex").stdout)
    assert {bib_decode(f["title"][1:-1]) for _, _, f in bib} == titles
    assert len({k for k, _, _ in bib}) == len(ids)
    rows = parse_csv(run(path, "-f", "csv").stdout)
    assert {r["title"] for r in rows} == titles
    assert [r["notes"] for r in rows if r["id"].split(":", 1)[1] == ids[0]] == [FORMULA_NOTE]
    assert len(json.loads(run(path, "-f", "json").stdout)) == len(ids)
    assert {r["title"] for r in rispy.loads(run(path, "-f", "ris").stdout)} == titles
    assert {i["title"] for i in json.loads(run(path, "-f", "csl-json").stdout)} == titles
    result = run(path, "-f", "notes", "-o", str(tmp_path / "notes"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "notes").glob("*.md"))) == len(ids)
