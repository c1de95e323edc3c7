"""arXiv's daily announcement feeds: RSS 2.0 (`rss.arxiv.org/rss/CATS`) and Atom (`/atom/CATS`).

These are not the arXiv API's Atom answers (`arxiv_atom`): each item is one announcement of
the day, with `arxiv:announce_type` (`new`, `cross`, `replace`, `replace-cross`), the authors
as one `dc:creator` line (`A,  B and C`), the version only in the guid (`oai:arXiv.org:ID v2`)
and the abstract behind a prefix (`arXiv:2509.21234v2 Announce Type: replace Abstract: ...`).
Several categories share one feed when joined with `+` (`/rss/cs.CL+cs.LG`).

A feed without items is what arXiv serves on days without announcements (weekends, holidays:
the channel's `skipDays`); that is `NoAnnouncements`, not an error. Like `arxiv_atom`, the XML
is parsed with defusedxml and any DTD is refused.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Sequence
from datetime import date
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from reader.importers import BadInput, ImportContext, NoAnnouncements
from reader.models import Paper, parse_arxiv_id
from reader.text import clean_line

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
REPLACED = frozenset({"replace", "replace-cross"})

_SNIFF = re.compile(r"<rss[\s>]|rss\.arxiv\.org|announce_type>|oai:arXiv\.org:")
_PREFIX = re.compile(
    r"^\s*arXiv:\s*(?P<id>\S+?)\s+Announce\s+Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)
_VERSION = re.compile(r"v(\d+)\s*$")
_OLD_TITLE_SUFFIX = re.compile(r"\s*\(arXiv:[^()]*\)\s*$")
_TAGS = re.compile(r"<[^<>]*>")
_AND = re.compile(r"\s+and\s+|\s*&\s*", re.IGNORECASE)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_ISO_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def looks_like_feed(text: str) -> bool:
    """True for an arXiv announcement feed (RSS, or Atom with announcement entries), False for
    other XML such as the arXiv API's Atom answers."""
    return _SNIFF.search(text[:4096]) is not None or "announce_type>" in text


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    """The announcements of an arXiv RSS or Atom feed; `NoAnnouncements` for an empty feed."""
    root = _parse_xml(text, ctx)
    read: Callable[[Element, date, Sequence[str]], Paper | None]
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise BadInput(f"{ctx.name}: an RSS document without a <channel>, not an arXiv feed")
        items = channel.findall("item")
        feed_day = _rfc822_day(_text(channel, "pubDate")) or _rfc822_day(_text(channel, "lastBuildDate"))
        feed_cats = _feed_categories(_text(channel, "link"), _text(channel, "title"))
        skip = channel.find("skipDays") is not None
        read = _rss_item
    elif root.tag == f"{ATOM}feed":
        items = root.findall(f"{ATOM}entry")
        feed_day = _iso_day(_text(root, f"{ATOM}updated"))
        link = next((el.get("href", "") for el in root.findall(f"{ATOM}link") if el.get("rel") == "self"), "")
        feed_cats = _feed_categories(link or _text(root, f"{ATOM}id"), _text(root, f"{ATOM}title"))
        skip = False
        read = _atom_entry
    else:
        found = root.tag.rsplit("}", 1)[-1]
        raise BadInput(f"{ctx.name}: not an arXiv feed (the document is <{found}>, expected <rss> or <feed>)")
    if not items:
        where = f" for {'+'.join(feed_cats)}" if feed_cats else ""
        why = " (arXiv announces nothing on weekends and holidays)" if skip or feed_cats else ""
        raise NoAnnouncements(f"{ctx.name}: no announcements in this feed{where}{why}; nothing imported")
    fallback = feed_day or ctx.day or ctx.today
    papers = [p for item in items if (p := read(item, fallback, feed_cats)) is not None]
    if not papers:
        raise BadInput(f"{ctx.name}: no arXiv papers in this feed (no item has an arXiv link or id)")
    return papers


# -- shared with the listing-page importer --------------------------------------------------------


def split_authors(text: str) -> list[str]:
    """`A,  B, C and D` (arXiv's odd spacing, `and`, `&`, HTML links) as a list of names."""
    text = clean_line(_TAGS.sub("", text))
    if not text:
        return []
    names: list[str] = []
    for chunk in text.split(","):
        for part in _AND.split(chunk):
            name = part.strip().removeprefix("and ").strip()
            if not name:
                continue
            if names and name.lower() in _SUFFIXES:
                names[-1] = f"{names[-1]}, {name}"
                continue
            names.append(name)
    return names


def source_for(primary: str | None, feed_categories: Sequence[str]) -> list[str]:
    """The source mark of an announcement: the feed's category the paper came through."""
    if primary and primary in feed_categories:
        return [f"arxiv:{primary}"]
    if feed_categories:
        return [f"arxiv:{feed_categories[0]}"]
    return [f"arxiv:{primary}"] if primary else ["arxiv"]


def announce_type(value: str) -> str | None:
    value = value.strip().lower()
    return value if value in ANNOUNCE_TYPES else None


# -- reading the XML ---------------------------------------------------------------------------------


def _parse_xml(text: str, ctx: ImportContext) -> Element:
    try:
        return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadInput(
            f"{ctx.name}: the XML declares a DTD or entities, which reader refuses (it could be an XML bomb)"
        ) from None
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise BadInput(f"{ctx.name}: not valid XML (line {line}, column {column + 1})") from None


def _text(element: Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _rfc822_day(value: str) -> date | None:
    """`Mon, 29 Sep 2025 00:00:00 -0400` as 2025-09-29 (the day as written, in its own zone)."""
    value = value.strip()
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return _iso_day(value)


def _iso_day(value: str) -> date | None:
    match = _ISO_DAY.match(value)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _feed_categories(link: str, title: str) -> list[str]:
    """The categories a feed is for: from its link (`.../rss/cs.CL+cs.LG`), else its title
    (`cs.CL updates on arXiv.org`)."""
    for candidate in (link.strip().rstrip("/").rsplit("/", 1)[-1], title.strip().split(" ", 1)[0]):
        cats = [c for c in candidate.split("+") if c]
        if cats and all(_CATEGORY.match(c) for c in cats):
            return cats
    return []


def _version(text: str) -> int | None:
    match = _VERSION.search(text.strip())
    return int(match.group(1)) if match else None


def _paper(
    *,
    title: str,
    ids: Sequence[str],
    description: str,
    kind: str,
    creators: str,
    categories: list[str],
    day: date,
    feed_categories: Sequence[str],
    doi: str = "",
    journal_ref: str = "",
    comment: str = "",
) -> Paper | None:
    title = _OLD_TITLE_SUFFIX.sub("", clean_line(title))
    prefix = _PREFIX.match(description)
    abstract = clean_line(description[prefix.end() :] if prefix else description)
    arxiv_id = next((found for raw in ids if raw and (found := parse_arxiv_id(_oai(raw))) is not None), None)
    if prefix and arxiv_id is None:
        arxiv_id = parse_arxiv_id(prefix.group("id"))
    if not title or arxiv_id is None:
        return None
    version = next((v for raw in (*ids, prefix.group("id") if prefix else "") if (v := _version(_oai(raw)))), None)
    kind = announce_type(kind) or (announce_type(prefix.group("type")) if prefix else None) or ""
    categories = list(dict.fromkeys(c for c in (clean_line(c) for c in categories) if c))
    primary = categories[0] if categories else None
    return Paper(
        id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=split_authors(creators),
        arxiv_id=arxiv_id,
        days=[day.isoformat()],
        primary_category=primary,
        categories=categories,
        doi=clean_line(doi) or None,
        journal_ref=clean_line(journal_ref) or None,
        arxiv_comment=clean_line(comment) or None,
        updated=day.isoformat() if kind in REPLACED else None,
        version=version,
        announce_type=kind or None,
        sources=source_for(primary, feed_categories),
    )


def _oai(raw: str) -> str:
    """`oai:arXiv.org:2509.21234v2` as `2509.21234v2` (other forms unchanged)."""
    return re.sub(r"^oai:arxiv\.org:", "", raw.strip(), flags=re.IGNORECASE)


def _rss_item(item: Element, fallback: date, feed_cats: Sequence[str]) -> Paper | None:
    return _paper(
        title=_text(item, "title"),
        ids=[_text(item, "guid"), _text(item, "link")],
        description=_text(item, "description"),
        kind=_text(item, f"{ARXIV}announce_type"),
        creators=_text(item, f"{DC}creator"),
        categories=[el.text or "" for el in item.findall("category")],
        day=_rfc822_day(_text(item, "pubDate")) or fallback,
        feed_categories=feed_cats,
        doi=_text(item, f"{ARXIV}DOI") or _text(item, f"{ARXIV}doi"),
        journal_ref=_text(item, f"{ARXIV}journal_reference") or _text(item, f"{ARXIV}journal_ref"),
        comment=_text(item, f"{ARXIV}comment"),
    )


def _atom_entry(entry: Element, fallback: date, feed_cats: Sequence[str]) -> Paper | None:
    link = next(
        (el.get("href", "") for el in entry.findall(f"{ATOM}link") if el.get("rel", "alternate") == "alternate"), ""
    )
    creators = _text(entry, f"{DC}creator") or ", ".join(
        name for a in entry.findall(f"{ATOM}author") if (name := _text(a, f"{ATOM}name").strip())
    )
    return _paper(
        title=_text(entry, f"{ATOM}title"),
        ids=[_text(entry, f"{ATOM}id"), link],
        description=_text(entry, f"{ATOM}summary"),
        kind=_text(entry, f"{ARXIV}announce_type"),
        creators=creators,
        categories=[el.get("term", "") for el in entry.findall(f"{ATOM}category")],
        day=_iso_day(_text(entry, f"{ATOM}published")) or _iso_day(_text(entry, f"{ATOM}updated")) or fallback,
        feed_categories=feed_cats,
        doi=_text(entry, f"{ARXIV}DOI") or _text(entry, f"{ARXIV}doi"),
        journal_ref=_text(entry, f"{ARXIV}journal_reference") or _text(entry, f"{ARXIV}journal_ref"),
        comment=_text(entry, f"{ARXIV}comment"),
    )
