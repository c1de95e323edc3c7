"""Importers: one module per input format, each turning a file's bytes into papers.

`parse_bytes` decodes and checks the input, detects its format and hands it to the right
parser. Every problem is raised as `BadInput` with a one-line message naming the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reader.models import Paper, normalise_title


class BadInput(ValueError):
    """An input that cannot be imported; the message is one line naming the file."""


@dataclass(slots=True)
class ImportContext:
    """What a parser may need besides the text."""

    name: str
    """The file's name as the user gave it, for messages."""
    day: date | None
    """The day given with `--date`, if any."""
    today: date


Parser = Callable[[str, ImportContext], list[Paper]]


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
    """The format of a decoded input: `hf-api` (JSON), `arxiv-atom` (XML) or `hf-page` (text)."""
    head = text.lstrip()[:1]
    if head in "[{":
        return "hf-api"
    if head == "<":
        return "arxiv-atom"
    return "hf-page"


def parse_bytes(data: bytes, ctx: ImportContext) -> list[Paper]:
    """Parse one input completely, or raise `BadInput`; never returns an empty list."""
    text = decode(data, ctx.name)
    kind = detect(text)
    parser = _parser(kind)
    papers = dedupe(parser(text, ctx))
    if not papers:
        raise BadInput(f"{ctx.name}: no papers found in it")
    return papers


def parse_file(path: Path, ctx: ImportContext) -> list[Paper]:
    try:
        data = path.read_bytes()
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
    else:
        from reader.importers.hf_page import parse
    return parse


def dedupe(papers: list[Paper]) -> list[Paper]:
    """Merge papers that appear twice in one input (same id or same normalised title)."""
    by_key: dict[str, Paper] = {}
    out: list[Paper] = []
    for paper in papers:
        keys = [paper.id, "t:" + normalise_title(paper.title)]
        if paper.arxiv_id:
            keys.append(paper.arxiv_id)
        existing = next((by_key[k] for k in keys if k in by_key), None)
        if existing is None:
            out.append(paper)
            existing = paper
        else:
            existing.merge(paper)
        for key in keys:
            by_key.setdefault(key, existing)
    return out
