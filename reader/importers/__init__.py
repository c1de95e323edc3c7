"""Importers: one module per input format, each turning a file's bytes into papers.

`parse_bytes` decodes and checks the input, detects its format and hands it to the right
parser. Every problem is raised as `BadInput` with a one-line message naming the file.

Limits: an input larger than `MAX_INPUT_BYTES` (256 MiB) is refused before it is read (a
100 MB file of ~60k papers imports in about six seconds and half a gigabyte of memory); one
input holds at most `MAX_PAPERS_PER_INPUT` (200,000) papers, and a JSON input at most
`MAX_JSON_OBJECTS` objects (checked before it is parsed: millions of tiny objects would take
gigabytes); a title longer than `TITLE_MAX_CHARS` is not a title (the page parser takes such
a line for an abstract, the JSON parser refuses the file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reader.models import Paper, normalise_title
from reader.text import clean_line

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Inputs above this size are refused (a day's page is ~150 KB, a year of API JSON ~100 MB)."""
MAX_PAPERS_PER_INPUT = 200_000
"""More papers than this in one input are refused: twice the design's largest library."""
MAX_JSON_OBJECTS = 4_000_000
"""A JSON input with more `{` than this is refused before parsing (a paper is a few objects)."""
TITLE_MAX_CHARS = 400
"""Paper titles are under 300 characters; a longer 'title' is an abstract or garbage."""


class BadInput(ValueError):
    """An input that cannot be imported; the message is one line naming the file."""


class NoAnnouncements(Exception):
    """A well-formed arXiv feed without items: arXiv announced nothing that day (weekends,
    holidays). Not an error: the message is one line naming the file; nothing is imported."""


@dataclass(slots=True)
class ImportContext:
    """What a parser may need besides the text."""

    name: str
    """The file's name as the user gave it, for messages."""
    day: date | None
    """The day given with `--date`, if any."""
    today: date
    warnings: list[str] = field(default_factory=list)
    """What the parser skipped or doubted, one line each, for the user (stderr)."""


Parser = Callable[[str, ImportContext], list[Paper]]


def valid_unicode(text: str) -> str:
    """The text with lone surrogates (from `\\ud800` escapes or undecodable bytes) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_field(text: str) -> str:
    """`clean_line` on valid Unicode, with a fast path for text that is already clean."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # printable text has no whitespace but " ": clean_line would not change it
    return clean_line(valid_unicode(text))


def too_big(name: str) -> BadInput:
    """The error for an input over `MAX_INPUT_BYTES`."""
    limit = MAX_INPUT_BYTES // 1024 // 1024
    return BadInput(
        f"{name}: the file is larger than {limit} MiB, the most reader imports (split it into smaller files)"
    )


def too_many(name: str, what: str = "papers") -> BadInput:
    """The error for an input over `MAX_PAPERS_PER_INPUT` papers (or `MAX_JSON_OBJECTS`)."""
    return BadInput(
        f"{name}: too many {what} in one file (reader imports up to {MAX_PAPERS_PER_INPUT:,} papers "
        "at a time; split it into smaller files)"
    )


def decode(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), refusing empty and binary input."""
    if not data.strip():
        raise BadInput(f"{name}: the file is empty")
    if b"\x00" in data[:65536]:
        raise BadInput(f"{name}: this is a binary file, not a page copied as text or a JSON file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: not valid UTF-8 text (bad byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def detect(text: str) -> str:
    """The format of a decoded input: `hf-api` (JSON), `arxiv-feed` (an RSS or Atom feed of
    arXiv's daily announcements), `arxiv-atom` (other XML: the arXiv API), `arxiv-listing`
    (an arXiv listing page copied as text) or `hf-page` (other text)."""
    from reader.importers.arxiv_listing import looks_like_listing

    head = text.lstrip()[:1]
    if head in "[{":
        return "arxiv-listing" if head == "[" and looks_like_listing(text[:200]) else "hf-api"
    if head == "<":
        from reader.importers.arxiv_feed import looks_like_feed

        return "arxiv-feed" if looks_like_feed(text) else "arxiv-atom"
    if looks_like_listing(text):
        return "arxiv-listing"
    return "hf-page"


def parse_bytes(data: bytes, ctx: ImportContext) -> list[Paper]:
    """Parse one input completely, or raise `BadInput` (or `NoAnnouncements` for an arXiv
    feed without items); never returns an empty list."""
    if len(data) > MAX_INPUT_BYTES:
        raise too_big(ctx.name)
    text = decode(data, ctx.name)
    kind = detect(text)
    parser = _parser(kind)
    papers = dedupe(parser(text, ctx))
    if not papers:
        raise BadInput(f"{ctx.name}: no papers found in it")
    return papers


def parse_file(path: Path, ctx: ImportContext) -> list[Paper]:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise too_big(ctx.name)
        with path.open("rb") as handle:  # capped: a pipe or /dev/zero has no size
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise BadInput(f"{ctx.name}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{ctx.name}: is a folder, not a file") from None
    except OSError as exc:
        raise BadInput(f"{ctx.name}: cannot read it ({exc.strerror})") from None
    return parse_bytes(data, ctx)


def _parser(kind: str) -> Parser:
    if kind == "hf-api":
        from reader.importers.hf_api import parse
    elif kind == "arxiv-atom":
        from reader.importers.arxiv_atom import parse
    elif kind == "arxiv-feed":
        from reader.importers.arxiv_feed import parse
    elif kind == "arxiv-listing":
        from reader.importers.arxiv_listing import parse
    else:
        from reader.importers.hf_page import parse
    return parse


def dedupe(papers: list[Paper]) -> list[Paper]:
    """Merge papers that appear twice in one input (same id, or same normalised title unless
    their arXiv ids differ)."""
    by_key: dict[str, Paper] = {}
    out: list[Paper] = []
    for paper in papers:
        keys = [paper.id, "t:" + normalise_title(paper.title)]
        if paper.arxiv_id:
            keys.append(paper.arxiv_id)
        existing = next((by_key[k] for k in keys if k in by_key), None)
        if existing is not None and paper.arxiv_id and existing.arxiv_id not in (None, paper.arxiv_id):
            existing = None  # the same title on two arXiv ids: two papers
        if existing is None:
            out.append(paper)
            existing = paper
        else:
            existing.merge(paper)
        for key in keys:
            by_key.setdefault(key, existing)
    return out
