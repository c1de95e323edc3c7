"""arXiv listing pages copied as text: `arxiv.org/list/CAT/new`, `/pastweek`, `/recent`.

A page is navigation chrome around entries. Each entry starts with a line such as
`[12] arXiv:2609.05433 [pdf, html, other]` (`(cross-list from cs.LG)` or `(replaced)` may follow
the id) and goes on with `Title:`, `Authors:`, `Comments:`, `Journal-ref:`, `Subjects:` lines
(the labels may be missing when a browser hides them: then the first line is the title and
the next the authors) and, on `/new` pages, the abstract paragraph(s). Section headings set
the announce type of the entries below them: `New submissions (showing N of N entries)`,
`Cross submissions (...)` / `Cross-lists for ...`, `Replacement submissions (...)` /
`Replacements for ...`. The featured day comes from the page (`Showing new listings for
Monday, 29 September 2025`, or a `Fri, 26 Sep 2025` heading per day on `/pastweek`), else from
`--date`, else today.

Every entry header becomes exactly one paper: what follows it up to the next header, section
or day heading belongs to it, and known chrome lines (`Total of 150 entries`, `About`...) end it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from reader.importers import ImportContext
from reader.importers.arxiv_feed import REPLACED, source_for, split_authors
from reader.models import Paper
from reader.text import clean_line

_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?"
_ENTRY = re.compile(rf"^[ \t]*\[[ \t]*\d+[ \t]*\][ \t]*arXiv:[ \t]*{_ID}(?P<rest>.*)$")
_HEAD = re.compile(rf"[ \t]*\[[ \t]*\d+[ \t]*\][ \t]*arXiv:[ \t]*{_ID}")
"""An entry header from the start of a line (horizontal space only: `\\s*` would rescan runs
of blank lines, which is quadratic)."""
_CROSS_FROM = re.compile(r"\(\s*cross-list(?:ed)?\s+from\s+([A-Za-z][\w.\-]*)\s*\)", re.IGNORECASE)
_SECTION = re.compile(
    r"^\s*(?P<name>New submissions|Cross submissions|Cross-list submissions|Cross-lists|"
    r"Replacement submissions|Replacements)(?P<tail>\s*\(showing[^)]*\)|\s+for\s+.*)?\s*$",
    re.IGNORECASE,
)
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_DAY = re.compile(rf"{_WEEKDAY},?\s+(?P<d>\d{{1,2}})\s+(?P<m>[A-Za-z]{{3,}})\.?\s+(?P<y>\d{{4}}|\d{{2}})\b")
_DAY_HEADING = re.compile(
    rf"^\s*(?:Showing new listings for\s+)?{_WEEKDAY},?\s+\d{{1,2}}\s+[A-Za-z]{{3,}}\.?\s+\d{{2,4}}"
    r"\s*(?:\(showing[^)]*\))?\s*$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?P<label>Title|Authors?|Comments|Journal-ref|Subjects|DOI|Report-no|MSC-class|ACM-class)\s*:\s*(?P<value>.*)$"
)
_CODE = re.compile(r"\(([a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?)\)")
_BREADCRUMB = re.compile(r">\s*([a-z][a-z\-]*\.[A-Za-z][A-Za-z\-]*)\s*$")
_CHROME = re.compile(
    r"^\s*(?:Total of \d+ entries.*|Showing up to \d+ entries per page.*|\[?\s*showing (?:up to )?\d+ .*entries.*\]?|"
    r"fewer \| more \| all|Continue to full list|See recent articles|Skip to main content|"
    r"We gratefully acknowledge support.*|arxiv logo.*|Cornell University|Help \| Advanced Search|"
    r"About|Help|Contact|Subscribe|Copyright|Privacy Policy|Web Accessibility Assistance|"
    r"arXiv Operational Status.*|Get status notifications via.*|Click here to (?:contact|subscribe).*|"
    r"contact arXiv|subscribe to arXiv mailings|Donate|Search|GO|quick links|Login|Help Pages)\s*$",
    re.IGNORECASE,
)
_MONTHS = {
    m: n for n, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_SECTION_TYPES = {"new": "new", "cro": "cross", "rep": "replace"}


def looks_like_listing(text: str) -> bool:
    """True when the text holds at least one listing entry header (`[1] arXiv:2609.05433`).

    Only lines holding `arXiv:` are looked at, each once (a regular expression tried at every
    line start took a second for 30 MB of Daily Papers page; this takes milliseconds).
    """
    start = 0
    while (at := text.find("arXiv:", start)) != -1:
        line = text.rfind("\n", start, at) + 1 or start
        if _HEAD.match(text, line):
            return True
        end = text.find("\n", at)
        if end == -1:
            return False
        start = end + 1
    return False


@dataclass(slots=True)
class _Entry:
    arxiv_id: str
    version: int | None
    section: str | None
    day: date | None
    cross_from: str | None
    replaced: bool
    fields: dict[str, list[str]] = field(default_factory=dict)
    abstract: list[str] = field(default_factory=list)
    current: str | None = None
    """The labelled field that unlabelled lines continue (a wrapped title), if any."""
    in_abstract: bool = False
    closed: bool = False
    """Chrome followed: the lines up to the next entry are not the entry's."""

    def add(self, line: str) -> None:
        if self.closed:
            return
        if not line.strip():
            self.current = None
            if self.in_abstract and self.abstract and self.abstract[-1]:
                self.abstract.append("")
            return
        if _CHROME.match(line):
            self.closed = True
            return
        label = _LABEL.match(line)
        if label:
            key = label.group("label").lower()
            key = "author" if key.startswith("author") else key
            self.fields.setdefault(key, []).append(label.group("value"))
            self.current = key
            if key == "subjects":
                self.in_abstract = True
                self.current = None
            return
        if self.current is not None:
            self.fields[self.current].append(line)
        elif not self.in_abstract and "title" not in self.fields:
            self.fields["title"] = [line]
        elif not self.in_abstract and "author" not in self.fields:
            self.fields["author"] = [line]
        else:
            self.in_abstract = True
            self.abstract.append(line)

    def value(self, key: str) -> str:
        return clean_line(" ".join(self.fields.get(key, ())))


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    """One paper per entry of a listing page (see the module notes)."""
    entries: list[_Entry] = []
    preamble: list[str] = []
    section: str | None = None
    day: date | None = None
    entry: _Entry | None = None
    for line in text.splitlines():
        header = _ENTRY.match(line)
        if header:
            rest = header.group("rest")
            cross = _CROSS_FROM.search(rest)
            entry = _Entry(
                arxiv_id=header.group("id"),
                version=int(header.group("v")) if header.group("v") else None,
                section=section,
                day=day,
                cross_from=cross.group(1) if cross else None,
                replaced="(replaced)" in rest.lower(),
            )
            entries.append(entry)
            continue
        heading = _SECTION.match(line)
        if heading:
            section = _SECTION_TYPES[heading.group("name")[:3].lower()]
            day = _day(heading.group("tail") or "") or day
            entry = None
            continue
        if _DAY_HEADING.match(line):
            day = _day(line) or day
            entry = None
            continue
        if entry is not None:
            entry.add(line)
        elif not entries:
            preamble.append(line)
    names: dict[str, str] = {}
    for item in entries:
        for name, code in _subjects(item.value("subjects")):
            names.setdefault(name.lower(), code)
    listing = _listing_category(preamble, names, entries)
    fallback = ctx.day or ctx.today
    return [_paper(item, listing, fallback) for item in entries]


def _day(text: str) -> date | None:
    match = _DAY.search(text)
    if not match:
        return None
    month = _MONTHS.get(match.group("m")[:3].lower())
    year = int(match.group("y"))
    if month is None:
        return None
    try:
        return date(year + 2000 if year < 100 else year, month, int(match.group("d")))
    except ValueError:
        return None


def _listing_category(preamble: list[str], names: dict[str, str], entries: list[_Entry]) -> str | None:
    """The category the page lists: from the breadcrumb (`arxiv logo > cs > cs.CL`), from its
    heading (`Computation and Language`, named in the entries' subjects), else the primary
    category most new submissions share."""
    for line in preamble:
        crumb = _BREADCRUMB.search(line)
        if crumb:
            return crumb.group(1)
    for line in preamble:
        code = names.get(clean_line(line).lower())
        if code:
            return code
    primaries = Counter(
        cats[0] for item in entries if item.section in (None, "new") and (cats := _categories(item))
    ).most_common(1)
    return primaries[0][0] if primaries else None


def _subjects(value: str) -> list[tuple[str, str]]:
    """`Computation and Language (cs.CL); Sound (cs.SD)` as (name, code) pairs, in order."""
    found = []
    for part in value.split(";"):
        code = _CODE.search(part)
        if code:
            found.append((clean_line(part[: code.start()]), code.group(1)))
    return found


def _categories(item: _Entry) -> list[str]:
    cats = [code for _name, code in _subjects(item.value("subjects"))]
    if item.cross_from and item.cross_from not in cats[:1]:
        cats = [item.cross_from, *(c for c in cats if c != item.cross_from)]
    return list(dict.fromkeys(cats))


def _kind(item: _Entry) -> str:
    if item.section == "replace" or (item.section is None and item.replaced):
        return "replace-cross" if item.cross_from else "replace"
    if item.section == "cross" or item.cross_from:
        return "cross"
    return "new"


def _paper(item: _Entry, listing: str | None, fallback: date) -> Paper:
    cats = _categories(item)
    primary = cats[0] if cats else None
    kind = _kind(item)
    day = (item.day or fallback).isoformat()
    abstract = " ".join(line for line in item.abstract if line)
    return Paper(
        id=item.arxiv_id,
        title=item.value("title") or f"arXiv:{item.arxiv_id}",
        abstract=clean_line(abstract),
        authors=split_authors(item.value("author")),
        arxiv_id=item.arxiv_id,
        days=[day],
        primary_category=primary,
        categories=cats,
        doi=item.value("doi") or None,
        journal_ref=item.value("journal-ref") or None,
        arxiv_comment=item.value("comments") or None,
        updated=day if kind in REPLACED else None,
        version=item.version,
        announce_type=kind,
        sources=source_for(primary, [listing] if listing else []),
    )
