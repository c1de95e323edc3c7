"""The Hugging Face Daily Papers page, copied from the browser as text.

Shape: some site chrome, a day line (`Jul 31`), then per paper a title line, a blank line and
the abstract as one long line. Users also paste several days at once, with Windows line
endings, trailing spaces, without the header, or with a title that has no abstract. The
parser reads lines, not positions: a short line is a title, a long line that follows it is
its abstract.
"""

from __future__ import annotations

import re
from datetime import date

from reader import importers
from reader.importers import TITLE_MAX_CHARS, BadInput, ImportContext, clean_field, too_many
from reader.models import Paper, normalise_title, title_id
from reader.text import clean_line

_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_DAY_LINE = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,?\s+(\d{4}))?$",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
    "trending papers",
    "papers",
    "previous",
    "next",
    "daily",
    "weekly",
    "monthly",
    "search",
    "submit",
    "view all",
}
_CHROME_PATTERNS = re.compile(r"^(?:\d+|·|submitted by .*|upvote|\d+ comments?)$", re.IGNORECASE)

ABSTRACT_MIN_CHARS = 200
"""A line this long is prose, not a title."""


def _is_abstract(line: str) -> bool:
    if len(line) >= ABSTRACT_MIN_CHARS:
        return True
    return line.endswith(".") and len(line.split()) >= 25


def parse_day(line: str, ctx: ImportContext) -> date | None:
    """The day a `Mon DD` (or `YYYY-MM-DD`) line names, or None if it is not a day line."""
    text = line.strip()
    iso = _ISO_DAY.match(text)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    match = _DAY_LINE.match(text)
    if not match:
        return None
    month = _MONTHS[match.group(1).lower()]
    day_num = int(match.group(2))
    if match.group(3):
        years = [int(match.group(3))]
    elif ctx.day is not None:
        years = [ctx.day.year]
    else:
        # No year on the page: the most recent such day that is not in the future.
        years = [ctx.today.year, ctx.today.year - 1]
    for year in years:
        try:
            found = date(year, month, day_num)
        except ValueError:
            continue
        if match.group(3) or ctx.day is not None or found <= ctx.today:
            return found
    raise BadInput(f"{ctx.name}: {text!r} is not a real day")


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    lines = [clean_field(raw) for raw in text.splitlines()]
    lines = [line for line in lines if line]
    current = ctx.day or None
    saw_day = False
    papers: list[Paper] = []
    abstracts: list[list[str]] = []
    """The abstract lines of each paper, joined at the end (joining as we go is quadratic)."""
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.lower() in _CHROME or _CHROME_PATTERNS.match(line):
            continue
        if len(line) < ABSTRACT_MIN_CHARS and not normalise_title(line):
            # no letter or digit in it (`***`, `—`, zero-width characters): decoration, unless
            # it stands where a title does (every such title would give the same id)
            if i < len(lines) and _is_abstract(lines[i]):
                raise BadInput(f"{ctx.name}: line {_line_no(text, line)}: a title without a letter or digit")
            continue
        day = parse_day(line, ctx)
        if day is not None:
            current = day
            saw_day = True
            continue
        if _is_abstract(line):
            if abstracts and abstracts[-1]:
                # a hard-wrapped or split abstract: the lines belong together
                abstracts[-1].append(line)
                continue
            raise BadInput(f"{ctx.name}: line {_line_no(text, line)}: an abstract without a title before it")
        if len(line) > TITLE_MAX_CHARS:
            raise BadInput(f"{ctx.name}: line {_line_no(text, line)}: a title of {len(line)} characters")
        abstract = ""
        if i < len(lines) and _is_abstract(lines[i]):
            abstract = lines[i]
            i += 1
        featured = current or ctx.today
        if len(papers) >= importers.MAX_PAPERS_PER_INPUT:
            raise too_many(ctx.name)
        papers.append(Paper(id=title_id(line), title=line, days=[featured.isoformat()]))
        abstracts.append([abstract] if abstract else [])
    for paper, lines_of_abstract in zip(papers, abstracts, strict=True):
        paper.abstract = " ".join(lines_of_abstract)
    if papers and not saw_day and not any(p.abstract for p in papers):
        raise BadInput(f"{ctx.name}: does not look like a Daily Papers page (no day line and no abstracts)")
    return papers


def _line_no(text: str, line: str) -> int:
    for number, raw in enumerate(text.splitlines(), 1):
        if clean_line(raw) == line:
            return number
    return 0
