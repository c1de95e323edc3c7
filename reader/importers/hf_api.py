"""The Hugging Face daily papers API: a JSON array of featured papers (see formats.md).

Every field but `paper.id` may be missing; a missing count is unknown, not zero. A field of
the wrong type makes the whole file wrong: it is refused, naming the item and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

from reader import importers
from reader.importers import (
    TITLE_MAX_CHARS,
    BadInput,
    ImportContext,
    all_clean,
    clean_field,
    clean_paper,
    printable_json,
    too_many,
)
from reader.models import Paper, normalise_title, parse_arxiv_id, title_id, title_key

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
MAX_COUNT = 1_000_000_000
"""More upvotes, comments or stars than this is not a real count."""


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    if text.count("{") > importers.MAX_JSON_OBJECTS:
        raise too_many(ctx.name, "JSON objects")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadInput(f"{ctx.name}: not valid JSON ({exc})") from None
    return parse_items(data, ctx)


def parse_items(data: Any, ctx: ImportContext, title_keys: dict[str, str] | None = None) -> list[Paper]:
    """Papers from decoded API data (a list of items), or `BadInput`. The title keys computed
    on the way are put in `title_keys` (title -> `normalise_title(title)`) when it is given."""
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    elif isinstance(data, dict) and (isinstance(data.get("paper"), dict) or isinstance(data.get("id"), str)):
        data = [data]  # one paper: `/api/papers/{id}`, or one item of a day's answer
    if not isinstance(data, list):
        raise BadInput(f"{ctx.name}: expected a JSON array of papers, found {_kind(data)}")
    if len(data) > importers.MAX_PAPERS_PER_INPUT:
        raise too_many(ctx.name)
    days: dict[str, str] = {}
    keys = {} if title_keys is None else title_keys
    unknown = (ctx.day or ctx.today).isoformat()  # the featured day of items that do not say
    return [
        _quick(item, ctx, days, keys, unknown) or clean_paper(_paper(item, index, ctx))
        for index, item in enumerate(data)
    ]


def parse_chunks(chunks: Iterable[bytes], ctx: ImportContext, title_keys: dict[str, str]) -> list[Paper] | None:
    """`parse_items` of an array given in pieces (`importers.array_chunks`: each a JSON array of
    some of its items, in order), each decoded and made into papers before the next is read: a
    big input's items are never all in memory at once (and each is read while it is in the
    cache). None when a piece is not valid JSON (the caller decodes the whole input instead).

    What it returns or raises is what `parse_items` of the whole array would: the items that
    need the long way (`_paper`, which may refuse one) are taken once the count is known to be
    within the limit, in their order.
    """
    days: dict[str, str] = {}
    unknown = (ctx.day or ctx.today).isoformat()
    papers: list[Paper | None] = []
    slow: list[tuple[int, Any]] = []
    for chunk in chunks:
        try:
            items = orjson.loads(chunk)
        except orjson.JSONDecodeError:
            return None
        if type(items) is not list:
            return None
        printable = printable_json(chunk)
        for item in items:
            paper = _quick(item, ctx, days, title_keys, unknown, printable)
            if paper is None:
                slow.append((len(papers), item))
            papers.append(paper)
        del items
    if len(papers) > importers.MAX_PAPERS_PER_INPUT:
        raise too_many(ctx.name)
    for index, item in slow:
        papers[index] = clean_paper(_paper(item, index, ctx))
    return papers  # type: ignore[return-value]  # (every None was replaced just above)


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

    def count(self, field: str, *, outer: bool = False) -> int | None:
        """A count: a whole number (`10` or `10.0`), not negative, not absurdly large."""
        value = (self.outer if outer else self.inner).get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"should be a number, found {_kind(value)}")
        if isinstance(value, float):
            if not value.is_integer():
                raise self.fail(field, f"should be a whole number, found {value:g}")
            value = int(value)
        if value < 0:
            raise self.fail(field, f"is negative ({value}); a count cannot be")
        if value > MAX_COUNT:
            raise self.fail(field, f"is {value:.3g}, more than any real count (at most {MAX_COUNT:,})")
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
            if author.get("hidden") is True:
                continue  # the author asked not to be listed on Hugging Face
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
    upvotes = it.count("upvotes")
    comments = it.count("numComments", outer=True)
    if comments is None and inner is not item:
        comments = it.count("numComments")
    featured = it.day("submittedOnDailyAt")
    if featured is None and inner is not item and "publishedAt" in item:
        # answers of 2024 have no submittedOnDailyAt: there the top-level publishedAt is the
        # time the paper was put on the daily list (in newer answers it is arXiv's time)
        featured = _Item(item, item, index, ctx).day("publishedAt")
    featured = featured or (ctx.day.isoformat() if ctx.day else None)
    org_name, org_id = _organization(it, item)
    withdrawn = it.get("withdrawnAt", str)
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
        organization=org_name,
        organization_id=org_id,
        github_stars=it.count("githubStars"),
        withdrawn_at=clean_field(withdrawn) or None if withdrawn else None,
        sources=["hf"],
    )


def _quick(
    item: Any, ctx: ImportContext, days: dict[str, str], keys: dict[str, str], unknown: str, printable: bool = False
) -> Paper | None:
    """`_paper` for the common item (every field of the right type), in about a fifth of its
    time; None for anything unusual, which `_paper` then takes, with its messages. What it
    returns is what `clean_paper(_paper(...))` would.

    The text fields are checked together (`all_clean`); when one needs cleaning, each is
    cleaned once, as `_paper` cleans it (`clean_field`, empty names and keywords dropped, an
    AI summary that cleans to nothing as none). Each date is parsed once per input
    (`days`: the first ten characters, all `_DATE` reads, to the ISO date) and the title key
    is computed once (and kept in `keys` for `dedupe` and the library). `unknown` is the day
    of an item that gives none (`--date`, else today). `printable`: every string of the item
    is known to be printable (`printable_json` of the JSON it was read from), so only its
    spaces are checked.
    """
    if type(item) is not dict:
        return None
    inner = item.get("paper", item)
    if type(inner) is not dict:
        return None
    get = inner.get
    raw_id = get("id")
    title = get("title")
    if title is None:
        title = item.get("title")
    if type(raw_id) is not str or type(title) is not str or not title or not raw_id.strip():
        return None
    abstract = get("summary")
    if abstract is None:
        abstract = item.get("summary")
    ai_summary = get("ai_summary")
    if ai_summary == "":
        return None  # `clean_paper` makes it None
    github = get("githubRepo")
    project = get("projectPage")
    withdrawn = get("withdrawnAt")
    authors = get("authors")
    keywords = get("ai_keywords")
    try:
        names = [] if authors is None else [a["name"] for a in authors if a.get("hidden") is not True]
        if keywords is None:
            keywords = []
        if "" in names or "" in keywords:
            return None
        texts = [title, *names, *keywords]
        # the other texts when given (None and "" are not texts; any other value is checked)
        if abstract is not None and abstract != "":
            texts.append(abstract)
        if ai_summary is not None:
            texts.append(ai_summary)
        if github is not None and github != "":
            texts.append(github)
        if project is not None and project != "":
            texts.append(project)
        if withdrawn is not None and withdrawn != "":
            texts.append(withdrawn)
        if printable:  # `all_clean` without its check of the characters: its spaces only
            joined = " ".join(texts)  # (raises TypeError when one is not a string)
            clean = "  " not in joined and joined[:1] != " " and joined[-1:] != " "
        else:
            clean = all_clean(texts)  # (raises TypeError when one is not a string)
    except (TypeError, KeyError, AttributeError):
        return None  # a field of another type: `_paper` says which
    if (
        type(keywords) is not list
        # a hidden author (a name fewer than authors): `_paper` judges
        or (authors is not None and (type(authors) is not list or len(names) != len(authors)))
    ):
        return None
    if not clean:  # some text needs cleaning (a hard-wrapped abstract...): each as `_paper` cleans it
        title = clean_field(title)
        if not title:
            return None  # `_paper` says it is missing
        if names and not all_clean(names):  # (clean ones, nearly all, would come out the same)
            names = [name for name in map(clean_field, names) if name]
        if keywords and not all_clean(keywords):
            keywords = [keyword for keyword in map(clean_field, keywords) if keyword]
        if abstract:
            abstract = clean_field(abstract)
        if ai_summary is not None:
            ai_summary = clean_field(ai_summary) or None
        if github:
            github = clean_field(github)
        if project:
            project = clean_field(project)
        if withdrawn:
            withdrawn = clean_field(withdrawn)
    if len(title) > TITLE_MAX_CHARS:
        return None
    key = title_key(title)
    if not key:
        return None
    keys[title] = key
    upvotes = get("upvotes")
    if upvotes is not None and (type(upvotes) is not int or not 0 <= upvotes <= MAX_COUNT):
        return None
    comments = item.get("numComments")
    if comments is None and inner is not item:
        comments = get("numComments")
    if comments is not None and (type(comments) is not int or not 0 <= comments <= MAX_COUNT):
        return None
    stars = get("githubStars")
    if stars is not None and (type(stars) is not int or not 0 <= stars <= MAX_COUNT):
        return None
    value = get("submittedOnDailyAt")
    featured = days.get(value[:10]) if type(value) is str else None  # (a day seen before: most of them)
    if featured is None:
        featured = None if value is None else _quick_day(value, days)
        if featured is None and inner is not item and "publishedAt" in item:
            featured = _quick_day(item["publishedAt"], days)
    value = get("publishedAt")
    published = days.get(value[:10]) if type(value) is str else None
    if published is None:
        published = _quick_day(value, days)
    if featured == "" or published == "":
        return None
    org = get("organization")
    if org is None and inner is not item:
        org = item.get("organization")
    org_name = org_id = None
    if org is not None:
        try:
            org_name, org_id = _organization(_Item(item, inner, 0, ctx), item)
        except BadInput:
            return None
    # a bare new-style arXiv id (nearly all): what `parse_arxiv_id` gives, without its call
    if len(raw_id) in (9, 10) and raw_id[4] == "." and raw_id[:4].isdecimal() and raw_id[5:].isdecimal():
        arxiv_id: str | None = raw_id
    else:
        arxiv_id = parse_arxiv_id(raw_id)
    # (positional: keywords take twice the time of the rest of the call)
    return Paper(
        arxiv_id or title_id(title, key),  # id
        title,
        abstract or "",
        names,  # authors
        arxiv_id,
        published,
        [featured or unknown],  # days
        upvotes,
        ai_summary,
        keywords,  # ai_keywords
        _url(github) if github else None,  # github_url
        _url(project) if project else None,  # project_url
        None,  # primary_category
        comments,
        [],  # categories
        None,  # doi
        None,  # journal_ref
        None,  # arxiv_comment
        None,  # updated
        None,  # version
        org_name,  # organization
        org_id,  # organization_id
        None,  # author_count
        stars,  # github_stars
        withdrawn or None,  # withdrawn_at
        None,  # announce_type
        ["hf"],  # sources
    )


def _quick_day(value: Any, days: dict[str, str]) -> str | None:
    """`_Item.day` for `_quick`: the ISO date, None for none, "" for anything else."""
    if value is None:
        return None
    if type(value) is not str:
        return ""
    head = value[:10]
    iso = days.get(head)
    if iso is None:
        match = _DATE.match(head)
        if not match:
            return ""
        try:
            iso = date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
        except ValueError:
            return ""
        days[head] = iso
    return iso


def _organization(it: _Item, item: dict[str, Any]) -> tuple[str | None, str | None]:
    """The organisation's full name and short name (`paper.organization`, else the top level)."""
    org = it.inner.get("organization")
    if org is None and it.inner is not item:
        org = item.get("organization")
    if org is None:
        return None, None
    if not isinstance(org, dict):
        raise it.fail("organization", f"should be an object, found {_kind(org)}")
    values = []
    for key in ("fullname", "name"):
        value = org.get(key)
        if value is not None and not isinstance(value, str):
            raise it.fail(f"organization.{key}", f"should be a string, found {_kind(value)}")
        values.append(clean_field(value) if value else None)
    fullname, name = values
    return fullname or name or None, name or None


def _url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        value = "https://" + value.lstrip("/")
    return value
