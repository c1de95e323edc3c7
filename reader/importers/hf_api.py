"""The Hugging Face daily papers API: a JSON array of featured papers (see formats.md).

Every field but `paper.id` may be missing; a missing count is unknown, not zero. A field of
the wrong type makes the whole file wrong: it is refused, naming the item and the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import orjson

from reader import importers
from reader.importers import TITLE_MAX_CHARS, BadInput, ImportContext, clean_field, count_problem, too_many
from reader.models import Paper, normalise_title, parse_arxiv_id, title_id

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    if text.count("{") > importers.MAX_JSON_OBJECTS:
        raise too_many(ctx.name, "JSON objects")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadInput(f"{ctx.name}: not valid JSON ({exc})") from None
    return parse_items(data, ctx)


def parse_items(data: Any, ctx: ImportContext) -> list[Paper]:
    """Papers from decoded API data (a list of items), or `BadInput`."""
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    if not isinstance(data, list):
        raise BadInput(f"{ctx.name}: expected a JSON array of papers, found {_kind(data)}")
    if len(data) > importers.MAX_PAPERS_PER_INPUT:
        raise too_many(ctx.name)
    return [_paper(item, index, ctx) for index, item in enumerate(data)]


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


class _Item:
    """Typed access to one item, with errors that name the item and field."""

    def __init__(self, outer: dict[str, Any], inner: dict[str, Any], index: int, ctx: ImportContext) -> None:
        self.outer = outer
        self.inner = inner
        self.index = index
        self.ctx = ctx

    def fail(self, field: str, problem: str) -> BadInput:
        return BadInput(f"{self.ctx.name}: paper {self.index + 1}: {field} {problem}")

    def get(self, field: str, kind: type | tuple[type, ...], *, outer_too: bool = False) -> Any:
        value = self.inner.get(field)
        if value is None and outer_too:
            value = self.outer.get(field)
        if value is None:
            return None
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise self.fail(field, f"should be {_name(kind)}, found {_kind(value)}")
        return value

    def text(self, field: str, *, outer_too: bool = False) -> str | None:
        value = self.get(field, str, outer_too=outer_too)
        return clean_field(value) if value is not None else None

    def day(self, field: str) -> str | None:
        value = self.get(field, str)
        if value is None:
            return None
        match = _DATE.match(value)
        if not match:
            raise self.fail(field, f"is not a date: {value[:40]!r}")
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
        except ValueError:
            raise self.fail(field, f"is not a real date: {value[:40]!r}") from None


def _name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a number", list: "an array", dict: "an object", float: "a number"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _paper(item: Any, index: int, ctx: ImportContext) -> Paper:
    if not isinstance(item, dict):
        raise BadInput(f"{ctx.name}: paper {index + 1}: expected an object, found {_kind(item)}")
    inner = item.get("paper", item)
    if not isinstance(inner, dict):
        raise BadInput(f"{ctx.name}: paper {index + 1}: 'paper' should be an object, found {_kind(inner)}")
    it = _Item(item, inner, index, ctx)
    raw_id = it.get("id", str)
    if not raw_id or not raw_id.strip():
        raise it.fail("paper.id", "is missing")
    title = it.text("title", outer_too=True) or ""
    if not title:
        raise it.fail("title", "is missing")
    if len(title) > TITLE_MAX_CHARS:
        raise it.fail("title", f"is {len(title)} characters long; a title has at most {TITLE_MAX_CHARS}")
    if not normalise_title(title):
        raise it.fail("title", f"has no letter or digit in it: {title[:40]!r}")
    arxiv_id = parse_arxiv_id(raw_id)
    authors: list[str] = []
    for n, author in enumerate(it.get("authors", list) or []):
        if isinstance(author, str):
            name = author
        elif isinstance(author, dict) and isinstance(author.get("name"), str):
            name = author["name"]
        else:
            raise it.fail(f"authors[{n}]", "should be an object with a name")
        name = clean_field(name)
        if name:
            authors.append(name)
    keywords: list[str] = []
    for n, keyword in enumerate(it.get("ai_keywords", list) or []):
        if not isinstance(keyword, str):
            raise it.fail(f"ai_keywords[{n}]", f"should be a string, found {_kind(keyword)}")
        if clean_field(keyword):
            keywords.append(clean_field(keyword))
    for field, count in (("upvotes", inner.get("upvotes")), ("numComments", item.get("numComments"))):
        if (problem := count_problem(count)) is not None:
            raise it.fail(field, problem)
    upvotes = it.get("upvotes", int)
    comments = item.get("numComments")
    if comments is not None and (isinstance(comments, bool) or not isinstance(comments, int)):
        raise it.fail("numComments", f"should be a number, found {_kind(comments)}")
    featured = it.day("submittedOnDailyAt") or (ctx.day.isoformat() if ctx.day else None)
    return Paper(
        id=arxiv_id or title_id(title),
        title=title,
        abstract=it.text("summary", outer_too=True) or "",
        authors=authors,
        arxiv_id=arxiv_id,
        published=it.day("publishedAt"),
        days=[featured or ctx.today.isoformat()],
        upvotes=upvotes,
        ai_summary=it.text("ai_summary"),
        ai_keywords=keywords,
        github_url=_url(it.text("githubRepo")),
        project_url=_url(it.text("projectPage")),
        comments=comments,
    )


def _url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        value = "https://" + value.lstrip("/")
    return value
