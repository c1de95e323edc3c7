"""The arXiv API's Atom feed (see formats.md, section 3): one `<entry>` per paper.

The feed is untrusted XML, so it is parsed with defusedxml and any DTD is refused: a feed that
declares entities (a "billion laughs" bomb) or points at external files fails as `BadInput`
before anything is expanded. arXiv reports a bad query as an HTTP 200 feed holding one entry
whose id contains `/api/errors`; that becomes `ArxivQueryError`, carrying arXiv's message (the
current backend sends the same feed with HTTP 400: `error_message` reads it from the body).
"""

from __future__ import annotations

import re
from datetime import date
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from reader.importers import BadInput, ImportContext
from reader.models import Paper, parse_arxiv_id, title_id
from reader.text import clean_line

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"

_A = f"{{{ATOM}}}"
_X = f"{{{ARXIV}}}"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_VERSION = re.compile(r"v(\d{1,4})$")
_GITHUB = re.compile(r"(?:https?://)?(?:www\.)?github\.com/[\w.\-]+/[\w.\-]+", re.IGNORECASE)


class ArxivQueryError(BadInput):
    """arXiv answered with its error feed: the query itself was wrong (bad id, bad syntax)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: arXiv refused the query: {message}")
        self.arxiv_message = message


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    """Papers from an arXiv Atom feed, or `BadInput`; entries without a title are skipped.

    Each paper is filed under `ctx.day` (`--date`), else the day it is imported (`ctx.today`):
    arXiv has no featured day.
    """
    return parse_page(text, ctx)[0]


def parse_page(text: str, ctx: ImportContext) -> tuple[list[Paper], int | None]:
    """The papers of one answer and its `opensearch:totalResults` (None if it has none)."""
    root = parse_feed(text, ctx)
    papers = [paper for entry in root.iter(f"{_A}entry") if (paper := _paper(entry, ctx)) is not None]
    return papers, total_results(root)


def parse_feed(text: str, ctx: ImportContext) -> Element:
    """The feed's root element, checked: safe XML, an Atom `<feed>`, not arXiv's error feed."""
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadInput(
            f"{ctx.name}: the XML declares a DTD or entities, which reader refuses (it could be an XML bomb)"
        ) from None
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise BadInput(f"{ctx.name}: not valid XML (line {line}, column {column + 1})") from None
    if root.tag != f"{_A}feed":
        found = root.tag.rsplit("}", 1)[-1]
        raise BadInput(f"{ctx.name}: not an Atom feed (the document is <{found}>, expected <feed>)")
    for entry in root.iter(f"{_A}entry"):
        if "/api/errors" in _text(entry, f"{_A}id"):
            message = clean_line(_text(entry, f"{_A}summary")) or "unknown error"
            raise ArxivQueryError(ctx.name, message[:300])
    return root


def total_results(root: Element) -> int | None:
    """The feed's `opensearch:totalResults`, if it has a usable one."""
    value = _text(root, f"{{{OPENSEARCH}}}totalResults").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def error_message(body: bytes) -> str | None:
    """arXiv's message when `body` is its error feed (sent with HTTP 400 by the current backend)."""
    try:
        text = body.decode("utf-8")
        parse_feed(text, ImportContext(name="arXiv", day=None, today=date.today()))
    except ArxivQueryError as exc:
        return exc.arxiv_message
    except (BadInput, UnicodeDecodeError):
        return None
    return None


def _text(element: Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _day(value: str) -> str | None:
    match = _DATE.match(value.strip())
    return match.group(0) if match else None


def _paper(entry: Element, ctx: ImportContext) -> Paper | None:
    title = clean_line(_text(entry, f"{_A}title"))
    if not title:
        return None
    raw_id = clean_line(_text(entry, f"{_A}id"))
    arxiv_id = parse_arxiv_id(raw_id) if raw_id else None
    authors = [name for a in entry.findall(f"{_A}author") if (name := clean_line(_text(a, f"{_A}name")))]
    primary = entry.find(f"{_X}primary_category")
    category = primary.get("term") if primary is not None else None
    if not category:
        first = entry.find(f"{_A}category")
        category = first.get("term") if first is not None else None
    alternate = None
    for link in entry.findall(f"{_A}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            alternate = clean_line(link.get("href", ""))
            break
    categories: list[str] = [clean_line(category)] if category else []
    for element in entry.findall(f"{_A}category"):
        term = clean_line(element.get("term", ""))
        if term and term not in categories:
            categories.append(term)
    version = _VERSION.search(raw_id)
    comment = clean_line(_text(entry, f"{_X}comment"))
    github = _GITHUB.search(comment)
    github_url = github.group(0).rstrip(".") if github else None
    if github_url and not github_url.lower().startswith("http"):
        github_url = "https://" + github_url
    day = ctx.day or ctx.today
    return Paper(
        id=arxiv_id or title_id(title),
        title=title,
        abstract=clean_line(_text(entry, f"{_A}summary")),
        authors=authors,
        arxiv_id=arxiv_id,
        published=_day(_text(entry, f"{_A}published")),
        days=[day.isoformat()],
        github_url=github_url,
        project_url=None if arxiv_id else (alternate if alternate and alternate.startswith("http") else None),
        primary_category=clean_line(category) if category else None,
        categories=categories,
        doi=clean_line(_text(entry, f"{_X}doi")) or None,
        journal_ref=clean_line(_text(entry, f"{_X}journal_ref")) or None,
        arxiv_comment=comment or None,
        updated=_day(_text(entry, f"{_A}updated")),
        version=int(version.group(1)) if version else None,
        sources=["arxiv"],
    )
