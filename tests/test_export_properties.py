"""Property tests: any text the library can hold comes back exactly from every export format."""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_export import bib_decode, bib_names, link_of, md_items

from reader.exporters import Entry
from reader.exporters.bibtex import render_bibtex
from reader.exporters.csv_export import COLUMNS, render_csv, unneutralise
from reader.exporters.json_export import render_json
from reader.exporters.markdown import render_markdown
from reader.models import Paper, Status, UserState
from reader.text import clean_block, clean_line

# Characters that matter to Markdown, BibTeX, LaTeX and CSV, plus other scripts and spacing.
_ALPHABET = st.one_of(
    st.sampled_from(list("{}%&#_$\\~^\"',@[]()<>*`!|=+-.:;/ \n\t\u00a0\u2003")),
    st.sampled_from(list("aAzZ09 中文العربيةΕλληνικά🧪")),
    st.characters(codec="utf-8"),
)
# Fragments that broke (or could break) an exporter: line-initial `@` after Unicode spaces,
# entry starts, ` and ` in names, lone braces and backslashes, formula starts.
_FRAGMENTS = st.sampled_from(
    ["\n@a(", "\n\u00a0@b{", "@misc{", " and ", " AND ", "{", "}", "\\", "\\{", "\n=1+1", "\n# h", "\n> q", "1. ", "- "]
)
_text = st.lists(st.one_of(_ALPHABET, _FRAGMENTS), max_size=25).map("".join)
_line = _text.map(clean_line).filter(bool)
_block = _text.map(clean_block)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _entry(title: str, authors: list[str], notes: str, url: str | None = None) -> Entry:
    paper = Paper(id="x", title=title, authors=authors, published="2025-07-01", project_url=url)
    state = UserState(status=Status.DONE, notes=notes, tags=["t"], finished_at="2025-07-31T10:00:00Z")
    return Entry(paper, state)


@SETTINGS
@given(title=_line, authors=st.lists(_line, min_size=1, max_size=4), notes=_block)
def test_bibtex_round_trips_any_text(title: str, authors: list[str], notes: str) -> None:
    text = render_bibtex([_entry(title, authors, notes, "https://arxiv.org/abs/2507.00001")])
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    [entry] = parsed.entries
    fields = {f.key: f.value for f in entry.fields}
    assert bib_decode(fields["title"][1:-1]) == title
    assert bib_names(fields["author"]) == authors
    assert bib_decode(fields.get("annote", "")) == notes
    depth = 0
    for char in text:  # braces balance as BibTeX itself counts them (escaped or not)
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0


@SETTINGS
@given(title=_line, authors=st.lists(_line, min_size=1, max_size=3), notes=_block, linked=st.booleans())
def test_markdown_shows_any_title_and_authors_literally(
    title: str, authors: list[str], notes: str, linked: bool
) -> None:
    url = "https://example.org/p" if linked else None
    text = render_markdown([_entry(title, authors, notes, url)])
    items = md_items(text)
    assert len(items) == 1
    href, shown = link_of(items[0])
    assert (href, shown) == (url if linked else None, title)
    inlines = [t for t in items[0] if t.type == "inline" and t.level == 3]
    meta = inlines[1]
    assert [c.type for c in meta.children or []] == ["text"]
    assert meta.children[0].content == ", ".join(authors) + " · #t"  # type: ignore[index]
    headings = [t for t in MarkdownIt("commonmark").parse(text) if t.type == "heading_open" and t.level == 0]
    assert len(headings) == 2  # the title and the day: nothing in the notes escapes the quote


@SETTINGS
@given(title=_line, authors=st.lists(_line, max_size=3), notes=_block)
def test_csv_and_json_round_trip_any_text(title: str, authors: list[str], notes: str) -> None:
    entry = _entry(title, authors, notes)
    rows = list(csv.reader(io.StringIO(render_csv([entry]), newline="")))
    assert rows[0] == list(COLUMNS)
    row = dict(zip(COLUMNS, (unneutralise(c) for c in rows[1]), strict=True))
    assert (row["title"], row["notes"]) == (title, notes)
    assert row["authors"] == "; ".join(authors)
    for cell in rows[1]:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    [record] = json.loads(render_json([entry]))
    assert (record["title"], record["authors"], record["notes"]) == (title, authors, notes)
