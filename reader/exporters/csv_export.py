"""CSV: one row per paper under a header row, RFC 4180, UTF-8, safe to open in a spreadsheet.

- Quoting and line ends follow RFC 4180 (`csv` module, `\\r\\n` between records); notes keep
  their newlines inside quoted cells, so `csv.reader` gives back the exact text.
- UTF-8 without a byte-order mark: Python's `csv`, pandas, LibreOffice, Google Sheets and
  command-line tools read it as is, and a BOM would end up glued to the first column name
  (`\\ufeffid`) in every tool that does not expect one. In Excel, open it with
  Data › From Text/CSV, which asks for the encoding.
- Formula injection: a cell that begins with `= + - @`, a tab or a carriage return would be
  run as a formula by Excel, LibreOffice or Sheets. Such a cell gets a `'` in front, which
  spreadsheets show as text. A cell that already begins with `'` gets one more, so the rule
  is reversible: drop one leading `'` from a cell that starts with one (see `unneutralise`).
- Lists (authors, featured days, tags) are joined with `; `.
- Ids stay text: a spreadsheet or `pandas.read_csv` reads `1812.11470` as the number 1812.1147
  (another paper) and a 10-hex id such as `4e10589061` as 4e+10589061. So the `id` column holds
  `arXiv:1812.11470` for a paper known by its arXiv id and `reader:4e10589c61` for one known by
  its title hash, and the `arxiv` column holds `arXiv:<id>`: every id cell starts with letters.
  `reader show`, `mark`, `note` and `tag` accept both forms as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reader.models import parse_arxiv_id

if TYPE_CHECKING:
    from reader.exporters import Entry

COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "authors",
    "status",
    "finished",
    "days",
    "tags",
    "url",
    "arxiv",
    "published",
    "notes",
    "abstract",
    "upvotes",
    "ai_summary",
    "pdf_url",
    "hf_url",
)
"""The header row, in order."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (see the module docstring)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def unneutralise(cell: str) -> str:
    """The original text of a cell written by `neutralise`."""
    return cell[1:] if cell.startswith("'") else cell


def id_cell(paper_id: str) -> str:
    """The `id` column's text for a paper id: `arXiv:<id>` or `reader:<id>` (never a number)."""
    return f"arXiv:{paper_id}" if parse_arxiv_id(paper_id) == paper_id else f"reader:{paper_id}"


def row(entry: Entry) -> list[str]:
    """The cells of one paper, neutralised, in `COLUMNS` order."""
    paper, state = entry.paper, entry.state
    values = {
        "id": id_cell(paper.id),
        "title": paper.title,
        "authors": "; ".join(paper.authors),
        "status": state.status.value,
        "finished": state.finished_at or "",
        "days": "; ".join(paper.days),
        "tags": "; ".join(state.tags),
        "url": paper.url or "",
        "arxiv": f"arXiv:{paper.arxiv_id}" if paper.arxiv_id else "",
        "published": paper.published or "",
        "notes": state.notes,
        "abstract": paper.abstract,
        "upvotes": "" if paper.upvotes is None else str(paper.upvotes),
        "ai_summary": paper.ai_summary or "",
        "pdf_url": paper.pdf_url or "",
        "hf_url": paper.hf_url or "",
    }
    return [neutralise(values[name]) for name in COLUMNS]


def render_csv(items: Sequence[Entry]) -> str:
    """The CSV text for these entries: the header row, then one row per paper."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for entry in items:
        writer.writerow(row(entry))
    return buffer.getvalue()
