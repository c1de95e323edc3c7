"""The Hugging Face Daily Papers page, copied from the browser as text (or clipped as Markdown).

The page is read by its structure, not by line length. Lines are grouped into *blocks*
(consecutive non-blank lines); a block is one thing: a title (possibly wrapped over two lines),
an abstract (possibly hard-wrapped over many), or one of the short lines the site puts around
a paper. Those short lines are recognised by their shape:

- site chrome (`new`, `Subscribe`, `Daily Papers`, `by AK and the research community`, `Daily`,
  `Weekly`, `Monthly`, `Trending Papers`, `Submitted by` + a user name, `GitHub 11.3k`, ...);
- a day (`Jul 31`, `Feb 27, 2025`, `2025-07-31`);
- an upvote count before the title (`101`, or `-` for none), and after the abstract the
  paper's organisation or author count (`3 authors`, `- 8 authors`, `* 671 authors`,
  `· 8 authors`), a `·` line, the paper's own arXiv date and its comment count;
- `AI-generated summary` (Trending page, paper pages): the next block is the summary.

Position decides what a line is. A day line right after a paper's `·` (or its organisation or
author count) is that paper's own date (`published`); any other day line starts a featured day.
A count just before a title is that paper's upvotes; a count after a paper's date is its
comments. On the current page every paper starts with its upvote line, so a paper is exactly
the text between its upvote line and its `·` trailer: the first block is the title, the rest
the abstract. On older copies (the bundled sample) papers have no such lines: there, blocks
alternate title/abstract, and the choice between "title without abstract" and "short abstract"
is made over the whole run of blocks (a small dynamic programme), weighing how each block reads
(a sentence ending in a full stop, Title Case, several lines) against the alternation.

Text in a day of the current page that sits outside every paper (an unknown site line) is
skipped and reported (`ImportContext.warnings`), never turned into a paper.

A Markdown clip (YAML front matter, `### [Title](https://huggingface.co/papers/ID)`, links
around the abstract and counts, `May 29[6](...#community)`) is detected and read the same way;
each heading is a paper, and its arXiv id comes from the link.

The year: `--date` gives it; else a date in the file name (`hf_daily_papers_2025-07-31.txt`) or
in the clip's front matter (`url: ...?date=2025-07-31`, `retrieved: 2025-07-31`): a day line
takes the year that puts it nearest that date; else the most recent such day not after today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from reader import importers
from reader.importers import TITLE_MAX_CHARS, BadInput, ImportContext, clean_field, too_many
from reader.models import Paper, normalise_title, parse_arxiv_id, title_id

_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_DAY_TEXT = (
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,?\s+(\d{4}))?"
)
_DAY_LINE = re.compile(rf"^(?:published on\s+)?{_DAY_TEXT}$", re.IGNORECASE)
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_ANYWHERE = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})[-_](\d{2})(?!\d)")
_CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
    "by ak and the research community",
    "trending papers",
    "trending",
    "papers",
    "previous",
    "next",
    "daily",
    "weekly",
    "monthly",
    "search",
    "submit",
    "submitted by",
    "view all",
    "upvote",
    "abstract",
    "view arxiv page",
    "view pdf",
    "project page",
    "add to collection",
    "community",
    "comments",
    "github",
    # the site's navigation and footer, when the whole page is selected
    "hugging face",
    "models",
    "datasets",
    "spaces",
    "posts",
    "docs",
    "enterprise",
    "pricing",
    "log in",
    "sign up",
    "system theme",
    "company",
    "tos",
    "privacy",
    "about",
    "jobs",
    "website",
    "learn",
    "forum",
    "status",
    "collections",
}
_CHROME_PATTERNS = re.compile(
    r"^(?:submitted by\s.*|\d+\s+comments?|upvote\s+\d+|page\s+\d+(?:\s+of\s+\d+)?)$", re.IGNORECASE
)
_COUNT = re.compile(r"^(\d{1,7}|\d{1,4}(?:[.,]\d)?k)$", re.IGNORECASE)
_DASH = re.compile(r"^[-–—]$")
_DOT = re.compile(r"^[·•⋅]$")
_AUTHORS = re.compile(r"^(?:[-*·•⋅]\s*)?(\d[\d,]*)\s+authors?$", re.IGNORECASE)
_GITHUB = re.compile(r"^github\s*[:·]?\s*(\d{1,4}(?:[.,]\d{1,2})?)\s*([km]?)$", re.IGNORECASE)
_SUMMARY_LABEL = re.compile(r"^ai[-\s]generated\s+summary\s*:?\s*(.*)$", re.IGNORECASE)
_INLINE_TRAILER = re.compile(rf"^(?:(?P<who>.{{1,80}}?)\s*)?[·•⋅]\s*(?P<day>{_DAY_TEXT})$", re.IGNORECASE)
_SHORT = 100
"""Lines longer than this are never site lines (a fast path: abstracts are long)."""

# Markdown clips
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\]\(\s*<?([^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE = re.compile(r"!\[(?:[^\[\]\\]|\\.)*\]\([^()]*\)")
_COMMUNITY = re.compile(r"\[(\d{1,7})\]\([^()\s]*#community\)")
_HF_PAPER = re.compile(r"huggingface\.co/papers/([^/?#)\s]+)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_MD_SIGNS = re.compile(r"^#{1,6}\s+\[.+\]\(https?://[^)]*huggingface\.co/papers/", re.MULTILINE)

# What one significant line is
TEXT, CHROME, DAY, COUNT, DASH, DOT, AUTHORS, GITHUB, LABEL, TITLE, COMMENTS, SUBMITTER = range(12)
_MARKERS = frozenset({DAY, COUNT, DASH, DOT, AUTHORS, GITHUB, CHROME})
"""Kinds that a line between two text lines of one block gives up (it is wrapped text)."""


@dataclass(slots=True)
class _Line:
    no: int
    text: str
    kind: int = TEXT
    block: int = 0
    value: object = None
    link_id: str | None = None
    """The arXiv id a Markdown link on this line points to."""


@dataclass(slots=True)
class _Seg:
    """Consecutive text lines of one block."""

    lines: list[_Line]
    summary: bool = False
    """It follows an `AI-generated summary` label."""
    joined: str | None = None
    """`text`, once asked for (reset when a line is added or taken away)."""

    @property
    def text(self) -> str:
        if self.joined is None:
            self.joined = " ".join(line.text for line in self.lines)
        return self.joined


@dataclass(slots=True)
class _Group:
    """The text between two paper boundaries, with the per-paper lines around it."""

    day: date
    upvoted: bool = False
    upvotes: int | None = None
    title: str | None = None
    """A title given by a Markdown heading."""
    arxiv_id: str | None = None
    segs: list[_Seg] = field(default_factory=list)
    org: str | None = None
    authors: int | None = None
    published: date | None = None
    comments: int | None = None
    stars: int | None = None
    trailer: bool = False
    """The trailer (`·`, author count, own date, comments) has begun: later text is not this paper's."""
    label: bool = False
    """An `AI-generated summary` label was seen and its summary not yet."""
    section: int = 0


@dataclass(slots=True)
class _Clock:
    """Which year a day line without one belongs to."""

    given: date | None
    """`--date`: its year is the year."""
    reference: date | None
    """A date from the file name or front matter: the nearest year to it."""
    today: date

    def day(self, month: int, day_num: int, year: int | None) -> date | None:
        if year is not None:
            return _real(year, month, day_num)
        if self.given is not None:
            return _real(self.given.year, month, day_num)
        if self.reference is not None:
            ref = self.reference
            options = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _real(y, month, day_num))]
            return min(options, key=lambda d: (abs((d - ref).days), d > ref)) if options else None
        for y in (self.today.year, self.today.year - 1):
            found = _real(y, month, day_num)
            if found is not None and found <= self.today:
                return found
        return None

    @property
    def default_day(self) -> date:
        return self.given or self.reference or self.today


def _real(year: int, month: int, day_num: int) -> date | None:
    try:
        return date(year, month, day_num)
    except ValueError:
        return None


def _day_parts(text: str) -> tuple[int, int, int | None] | None:
    iso = _ISO_DAY.match(text)
    if iso:
        return int(iso.group(2)), int(iso.group(3)), int(iso.group(1))
    match = _DAY_LINE.match(text)
    if not match:
        return None
    return _MONTHS[match.group(1).lower()[:3]], int(match.group(2)), int(match.group(3)) if match.group(3) else None


def _count(text: str) -> int:
    text = text.lower().replace(",", ".")
    if text.endswith("k"):
        return round(float(text[:-1]) * 1000)
    return int(text)


def parse_day(line: str, ctx: ImportContext) -> date | None:
    """The featured day a `Mon DD` (or `YYYY-MM-DD`) line names, or None if it is not a day line."""
    parts = _day_parts(line.strip())
    if parts is None:
        return None
    found = _Clock(ctx.day, file_date(ctx.name), ctx.today).day(*parts)
    if found is None:
        raise BadInput(f"{ctx.name}: {line.strip()!r} is not a real day")
    return found


def file_date(name: str) -> date | None:
    """A `YYYY-MM-DD` (or `YYYY_MM_DD`) date in a file's name, the last one if several."""
    found = None
    for match in _ISO_ANYWHERE.finditer(PurePath(name).name):
        day = _real(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if day is not None:
            found = day
    return found


# -- reading lines -------------------------------------------------------------------------------


def _classify(line: _Line) -> None:
    text = line.text
    if len(text) > _SHORT:
        return
    lower = text.lower()
    if lower in _CHROME or _CHROME_PATTERNS.match(text):
        line.kind = SUBMITTER if lower == "submitted by" else CHROME
    elif _COUNT.match(text):
        line.kind, line.value = COUNT, _count(text)
    elif _DASH.match(text):
        line.kind = DASH
    elif _DOT.match(text):
        line.kind = DOT
    elif match := _AUTHORS.match(text):
        line.kind, line.value = AUTHORS, int(match.group(1).replace(",", ""))
    elif match := _GITHUB.match(text):
        scale = {"k": 1000, "m": 1_000_000}.get(match.group(2).lower(), 1)
        line.kind, line.value = GITHUB, round(float(match.group(1).replace(",", ".")) * scale)
    elif (parts := _day_parts(text)) is not None:
        line.kind, line.value = DAY, parts


def _split_inline(line: _Line) -> list[_Line]:
    """`OCC · May 29`, `3 authors · Sep 9`, `AI-generated summary: ...` as separate lines."""
    text = line.text
    if len(text) > 160:
        return [line]
    label = _SUMMARY_LABEL.match(text)
    if label:
        out = [_Line(line.no, "AI-generated summary", LABEL, line.block)]
        if label.group(1):
            out.append(_Line(line.no, label.group(1), TEXT, line.block))
        return out
    match = _INLINE_TRAILER.match(text)
    if match and not _DAY_LINE.match(text):
        out = []
        if match.group("who"):
            who = _Line(line.no, match.group("who"), TEXT, line.block, link_id=line.link_id)
            _classify(who)  # `3 authors · May 29`: the author count, else the organisation
            out.append(who)
        out.append(_Line(line.no, "·", DOT, line.block))
        out.append(_Line(line.no, match.group("day"), TEXT, line.block))
        return out
    return [line]


def _plain_lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    block = 0
    blank = True
    for no, raw in enumerate(text.splitlines(), 1):
        cleaned = clean_field(raw)
        if not cleaned:
            blank = True
            continue
        if blank:
            block += 1
            blank = False
        out.append(_Line(no, cleaned, TEXT, block))
    return out


def _is_markdown(text: str) -> bool:
    head = text.lstrip()[:4]
    return (head.startswith("---") and "\n---" in text[3:4000]) or bool(_MD_SIGNS.search(text[:2_000_000]))


def _front_matter(text: str) -> tuple[dict[str, str], int]:
    """The YAML front matter's `key: value` pairs and the number of lines it takes."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return {}, 0
    values: dict[str, str] = {}
    for n in range(start + 1, min(len(lines), start + 200)):
        if lines[n].strip() in ("---", "..."):
            return values, n + 1
        match = _FRONT_KEY.match(lines[n].strip())
        if match:
            values[match.group(1).lower()] = match.group(2).strip().strip("'\"")
    return {}, 0


def _unlink(text: str) -> tuple[str, str | None]:
    """Markdown links replaced by their text; the arXiv id of the first Hugging Face paper link."""
    found: str | None = None

    def repl(match: re.Match[str]) -> str:
        nonlocal found
        paper = _HF_PAPER.search(match.group(2))
        if paper and found is None:
            found = parse_arxiv_id(paper.group(1))
        return match.group(1)

    text = _IMAGE.sub("", text)
    text = _LINK.sub(repl, text)
    return _MD_ESCAPE.sub(r"\1", text), found


def _markdown_lines(text: str, skip: int) -> list[_Line]:
    out: list[_Line] = []
    block = 0
    blank = True
    for no, raw in enumerate(text.splitlines(), 1):
        if no <= skip:
            continue
        stripped = raw.strip()
        if stripped.startswith(">"):
            stripped = stripped.lstrip("> ")
        comments = _COMMUNITY.search(stripped)
        if comments:
            stripped = _COMMUNITY.sub("", stripped).strip()
        heading = _HEADING.match(stripped)
        body, link_id = _unlink(heading.group(2) if heading else stripped)
        cleaned = clean_field(body)
        if not cleaned and comments is None:
            if not stripped:
                blank = True
            continue
        if blank:
            block += 1
            blank = False
        if cleaned:
            line = _Line(no, cleaned, TEXT, block, link_id=link_id)
            if heading:
                _classify(line)
                if line.kind == TEXT:
                    # a paper's heading links to it; a top-level heading without a link is the site's
                    line.kind = TITLE if link_id or len(heading.group(1)) >= 3 else CHROME
            out.append(line)
        if comments is not None:
            out.append(_Line(no, comments.group(1), COMMENTS, block, value=int(comments.group(1))))
    return out


# -- parsing -----------------------------------------------------------------------------------


def parse(text: str, ctx: ImportContext) -> list[Paper]:
    reference = file_date(ctx.name)
    default: date | None = None
    if _is_markdown(text):
        front, skip = _front_matter(text)
        for key in ("retrieved", "date", "created", "clipped", "saved"):
            found = _ISO_ANYWHERE.search(front.get(key, ""))
            if found and (day := _real(int(found.group(1)), int(found.group(2)), int(found.group(3)))):
                reference = day
                break
        url_day = re.search(r"(?:date=|/date/)(\d{4})-(\d{2})-(\d{2})", front.get("url", "") or front.get("source", ""))
        if url_day and (day := _real(int(url_day.group(1)), int(url_day.group(2)), int(url_day.group(3)))):
            default = reference = day
        lines = _markdown_lines(text, skip)
    else:
        lines = _plain_lines(text)
    clock = _Clock(ctx.day, reference, ctx.today)
    return _Parser(lines, ctx, clock, default).run()


class _Parser:
    def __init__(self, raw: list[_Line], ctx: ImportContext, clock: _Clock, default: date | None) -> None:
        self.ctx = ctx
        self.clock = clock
        self.day = ctx.day or default or clock.default_day
        self.lines = self._prepare(raw)
        self.groups: list[_Group] = []
        self.group: _Group | None = None
        self.section = 0
        self.saw_day = False
        self.skipped: list[_Line] = []

    # lines -> significant lines with kinds

    def _prepare(self, raw: list[_Line]) -> list[_Line]:
        lines: list[_Line] = []
        for line in raw:
            if line.kind == TEXT:
                _classify(line)
            if line.kind == TEXT:
                lines.extend(_split_inline(line))
            else:
                lines.append(line)
        for line in lines:
            if line.kind == TEXT and len(line.text) <= _SHORT and (parts := _day_parts(line.text)):
                line.kind, line.value = DAY, parts
        # A short line between two text lines of the same block is wrapped text, not a marker.
        n = len(lines)
        demote = [
            i
            for i in range(1, n - 1)
            if lines[i].kind in _MARKERS
            and lines[i - 1].kind == TEXT
            and lines[i + 1].kind == TEXT
            and lines[i - 1].block == lines[i].block == lines[i + 1].block
        ]
        for i in demote:
            lines[i].kind = TEXT
        # a site word right under a text line of the same block ends a wrapped title (`...Daily\nPapers`)
        for i in range(1, n):
            here, above = lines[i], lines[i - 1]
            if here.kind == CHROME and above.kind == TEXT and above.block == here.block and " " not in here.text:
                here.kind = TEXT
        # `Submitted by` on its own line: the next line is the user's name.
        for i in range(n - 1):
            if lines[i].kind == SUBMITTER and lines[i + 1].kind == TEXT and len(lines[i + 1].text) <= 60:
                lines[i + 1].kind = CHROME
        return lines

    def _next_kind(self, i: int) -> tuple[int | None, int]:
        """The kind of the next line that is not chrome, and its index."""
        j = i + 1
        while j < len(self.lines) and self.lines[j].kind in (CHROME, SUBMITTER, GITHUB):
            j += 1
        return (self.lines[j].kind, j) if j < len(self.lines) else (None, j)

    def _prev_kind(self, i: int) -> int | None:
        j = i - 1
        while j >= 0 and self.lines[j].kind in (CHROME, SUBMITTER, GITHUB):
            j -= 1
        return self.lines[j].kind if j >= 0 else None

    # the walk

    def _open(self, **values: object) -> _Group:
        group = _Group(day=self.day, section=self.section)
        for name, value in values.items():
            setattr(group, name, value)
        self.groups.append(group)
        self.group = group
        return group

    def run(self) -> list[Paper]:
        lines = self.lines
        i = 0
        while i < len(lines):
            line = lines[i]
            kind = line.kind
            group = self.group
            if kind == TEXT:
                if group is None or group.trailer:
                    group = self._open()
                seg = group.segs[-1] if group.segs and not group.label else None
                if seg is not None and seg.lines[-1].block == line.block and lines[i - 1] is seg.lines[-1]:
                    seg.lines.append(line)
                    seg.joined = None
                else:
                    group.segs.append(_Seg([line], summary=group.label))
                    group.label = False
            elif kind == TITLE:
                if group is not None and group.upvoted and not group.segs and group.title is None:
                    group.title, group.arxiv_id = line.text, line.link_id
                else:
                    self._open(title=line.text, arxiv_id=line.link_id)
            elif kind == DASH:
                self._open(upvoted=True)
            elif kind == COUNT:
                self._count(i, line)
            elif kind == COMMENTS:
                if group is not None:
                    group.comments, group.trailer = int(line.value), True  # type: ignore[call-overload]
            elif kind == DAY:
                self._day(i, line)
            elif kind == DOT:
                if group is not None and group.org is None and group.authors is None and lines[i - 1].kind == TEXT:
                    self._take_org(group)
                if group is not None:
                    group.trailer = True
            elif kind == AUTHORS:
                if group is not None and (group.segs or group.title):
                    group.authors, group.trailer = int(line.value), True  # type: ignore[call-overload]
            elif kind == GITHUB:
                if group is not None:
                    group.stars = int(line.value)  # type: ignore[call-overload]
            elif kind == LABEL:
                if group is not None and (group.segs or group.title) and not group.trailer:
                    group.label = True
                else:
                    self.skipped.append(line)
            i += 1
        return self._papers()

    def _count(self, i: int, line: _Line) -> None:
        group = self.group
        value = int(line.value)  # type: ignore[call-overload]
        if line.link_id and group is not None and group.arxiv_id == line.link_id and group.upvotes is None:
            group.upvotes, group.upvoted = value, True
            return
        following, j = self._next_kind(i)
        if following == TEXT and group is not None and group.trailer and group.comments is None:
            # `May 29`, `6`, then a stray line and the next paper's upvotes: `6` was the comments
            while j < len(self.lines) and self.lines[j].kind in (TEXT, CHROME, SUBMITTER, GITHUB):
                j += 1
            if j < len(self.lines) and self.lines[j].kind in (COUNT, DASH, TITLE):
                following = None
        if following in (TEXT, TITLE):
            if (
                following == TEXT
                and group is not None
                and group.title is not None
                and not group.segs
                and group.upvotes is None
            ):
                group.upvotes, group.upvoted = value, True  # a clip with the count after the heading
                return
            self._open(upvoted=True, upvotes=value)
        elif group is not None and (group.segs or group.title) and group.comments is None:
            group.comments, group.trailer = value, True

    def _day(self, i: int, line: _Line) -> None:
        parts: tuple[int, int, int | None] = line.value  # type: ignore[assignment]
        month, day_num, year = parts
        group = self.group
        before = self._prev_kind(i)
        following, j = self._next_kind(i)
        own = False
        if group is not None and group.published is None and (group.segs or group.title):
            if before in (DOT, AUTHORS) or following == COMMENTS:
                own = True
            elif before == TEXT and following == COUNT:
                after, _ = self._next_kind(j)
                own = after in (COUNT, DASH) and (group.upvoted or group.title is not None)
                if own and group.org is None:
                    self._take_org(group, strict=True)
        if own:
            assert group is not None
            anchor = group.day
            found = _real(year, month, day_num) if year else None
            if found is None and year is None:
                for y in (anchor.year, anchor.year - 1):
                    found = _real(y, month, day_num)
                    if found is not None and found <= anchor:
                        break
            group.published, group.trailer = found, True
            return
        day = self.clock.day(month, day_num, year)
        if day is None:
            raise BadInput(f"{self.ctx.name}: line {line.no}: {line.text!r} is not a real day")
        self.day = day
        self.saw_day = True
        self.section += 1
        self.group = None

    def _take_org(self, group: _Group, *, strict: bool = False) -> None:
        """The line just before a `·` is the organisation (when something is left for a title)."""
        if not group.segs:
            return
        last = group.segs[-1]
        if strict and (len(last.lines) > 1 or len(group.segs) < 2 or len(last.text) > 80):
            return
        if len(group.segs) == 1 and len(last.lines) == 1 and group.title is None:
            return
        org = last.lines.pop()
        last.joined = None
        if not last.lines:
            group.segs.pop()
        group.org = org.text

    # groups -> papers

    def _papers(self) -> list[Paper]:
        papers: list[Paper] = []
        marked_sections = {g.section for g in self.groups if g.upvoted or g.title is not None}
        for n, group in enumerate(self.groups):
            marked = group.upvoted or group.title is not None
            if not marked and group.section in marked_sections:
                # a day of the current page: text outside every paper is not a paper
                self.skipped.extend(line for seg in group.segs for line in seg.lines if _has_letters(line.text))
                continue
            following = self.groups[n + 1] if n + 1 < len(self.groups) else None
            single = group.title is not None or (
                group.upvoted
                and (
                    group.trailer
                    or len(group.segs) <= 2
                    or (following is not None and (following.upvoted or following.title is not None))
                )
            )
            made = self._single(group) if single else self._several(group)
            if not marked and group.section == 0 and self.saw_day and not any(p.abstract for p in made):
                # short lines above the first day line: the site's header, not papers
                self.skipped.extend(line for seg in group.segs for line in seg.lines if _has_letters(line.text))
                continue
            if made:
                first, last = made[0], made[-1]
                first.upvotes = group.upvotes
                last.organization = group.org
                last.author_count = group.authors
                last.published = group.published.isoformat() if group.published else None
                last.comments = group.comments
                last.github_stars = group.stars
            papers.extend(made)
            if len(papers) > importers.MAX_PAPERS_PER_INPUT:
                raise too_many(self.ctx.name)
        if papers and not self.saw_day and not any(p.abstract for p in papers) and not marked_sections:
            raise BadInput(f"{self.ctx.name}: does not look like a Daily Papers page (no day line and no abstracts)")
        if self.skipped:
            shown = ", ".join(f'line {line.no} "{_short(line.text)}"' for line in self.skipped[:3])
            more = f" and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
            count = len(self.skipped)
            self.ctx.warnings.append(
                f"{self.ctx.name}: skipped {count} line{'s' if count != 1 else ''} it could not place: {shown}{more}"
            )
        return papers

    def _paper(self, group: _Group, title: str, abstract: list[_Seg], summary: list[_Seg], no: int) -> Paper | None:
        if len(title) > TITLE_MAX_CHARS:
            raise BadInput(f"{self.ctx.name}: line {no}: an abstract without a title before it")
        if not normalise_title(title):
            if abstract:
                raise BadInput(f"{self.ctx.name}: line {no}: a title without a letter or digit")
            return None
        arxiv_id = group.arxiv_id if group.title is not None else None
        return Paper(
            id=arxiv_id or title_id(title),
            title=title,
            abstract=" ".join(seg.text for seg in abstract),
            arxiv_id=arxiv_id,
            days=[group.day.isoformat()],
            ai_summary=" ".join(seg.text for seg in summary) or None,
            sources=["hf"],
        )

    def _single(self, group: _Group) -> list[Paper]:
        segs = [s for s in group.segs if s.summary or _has_letters(s.text)]
        if group.title is not None:
            title, no, rest = group.title, 0, segs
        else:
            if not segs:
                return []
            first = segs[0]
            if first.summary:
                self.skipped.extend(first.lines)
                return []
            title, no, rest = first.text, first.lines[0].no, segs[1:]
        summary = [s for s in rest if s.summary]
        abstract = [s for s in rest if not s.summary]
        paper = self._paper(group, title, abstract, summary, no)
        return [paper] if paper is not None else []

    def _several(self, group: _Group) -> list[Paper]:
        """Old copies without per-paper lines: which blocks are titles, which abstracts."""
        segs: list[_Seg] = []
        for n, seg in enumerate(group.segs):
            if _has_letters(seg.text):
                segs.append(seg)
                continue
            # decoration, unless it stands where a title does, before an abstract
            nxt = group.segs[n + 1] if n + 1 < len(group.segs) else None
            if nxt is not None and _abstract_like(nxt.text):
                raise BadInput(f"{self.ctx.name}: line {seg.lines[0].no}: a title without a letter or digit")
        if not segs:
            return []
        labels = _label(segs)
        papers: list[Paper] = []
        current: tuple[_Seg, list[_Seg], list[_Seg]] | None = None

        def flush() -> None:
            if current is not None:
                seg, abstract, summary = current
                paper = self._paper(group, seg.text, abstract, summary, seg.lines[0].no)
                if paper is not None:
                    papers.append(paper)

        for seg, label in zip(segs, labels, strict=True):
            if label == "T":
                flush()
                current = (seg, [], [])
            elif current is None and label == "S":
                self.skipped.extend(seg.lines)
            elif current is None:
                raise BadInput(f"{self.ctx.name}: line {seg.lines[0].no}: an abstract without a title before it")
            elif label == "S":
                current[2].append(seg)
            else:
                current[1].append(seg)
        flush()
        return papers


_WORD_CHAR = re.compile(r"[^\W_]")


def _has_letters(text: str) -> bool:
    """Whether the text has a letter or digit (what `normalise_title` keeps)."""
    return _WORD_CHAR.search(text) is not None and bool(normalise_title(text[:200]) or normalise_title(text))


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _abstract_like(text: str) -> bool:
    return len(text) >= 200 or (text.endswith(".") and len(text.split()) >= 25)


_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+[A-Z]")
_URL = re.compile(r"https?://|www\.|github\.com/|\.(?:com|org|io|ai)/", re.IGNORECASE)
_OPENERS = re.compile(r"^(?:we|this (?:paper|work|study|report)|in this|our|here,? we)\b", re.IGNORECASE)


def _lean(seg: _Seg) -> int:
    """How much a block reads like an abstract (positive) rather than a title (negative)."""
    text = seg.text
    if len(text) > TITLE_MAX_CHARS:
        return 20
    score = 0
    if len(text) >= 200:
        score += 3
    has_url = bool(_URL.search(text))
    if has_url:
        score += 2
    if text.rstrip("\"')]").endswith("."):
        score += 3
    elif len(text) < 200 and not has_url:
        score -= 5  # abstracts end with a full stop; a short line without one is a title
    if _SENTENCE_BREAK.search(text):
        score += 2
    if _OPENERS.match(text):
        score += 2
    if len(seg.lines) >= 3 and len(text) >= 50 * len(seg.lines):
        score += 2  # hard-wrapped prose (arXiv wraps near 80 columns, text browsers at 120)
    words = text.split()
    if len(words) >= 40:
        score += 2
    long_words = [w for w in words if len(w) >= 4 and w[0].isalpha()]
    if len(long_words) >= 3:
        capitalised = sum(1 for w in long_words if w[0].isupper()) / len(long_words)
        if capitalised >= 0.7:
            score -= 3
        elif capitalised <= 0.3:
            score += 1
    return score


_AFTER = {("T", "T"): -1, ("T", "A"): 1, ("A", "A"): -2, ("S", "A"): 1, ("S", "S"): -2}


def _label(segs: list[_Seg]) -> list[str]:
    """Each block's part: `T` title, `A` abstract, `S` AI summary; the best-scoring sequence.

    A block can be a title only if it is short enough; the first block is a title; a summary
    block stays a summary. Between neighbours, an abstract after a title scores, two titles or
    two abstracts in a row cost (a title without abstract, an abstract in two paragraphs).
    """
    neg = -(10**9)
    best: dict[str, int] = {}
    back: list[dict[str, str]] = []
    for n, seg in enumerate(segs):
        lean = _lean(seg)
        options: dict[str, int] = {}
        if seg.summary:
            options["S"] = 0
        else:
            if len(seg.text) <= TITLE_MAX_CHARS:
                options["T"] = 0
            if n > 0:
                options["A"] = lean
            if not options:
                options["A"] = lean  # nothing before it: reported as an abstract without a title
        scores: dict[str, int] = {}
        choice: dict[str, str] = {}
        for label, own in options.items():
            if n == 0:
                scores[label] = own
                continue
            top, pick = neg, ""
            for prev in ("T", "A", "S"):  # ties go to the earlier label
                if prev in best and best[prev] > neg:
                    value = best[prev] + own + _AFTER.get((prev, label), 0)
                    if value > top:
                        top, pick = value, prev
            scores[label], choice[label] = top, pick
        best = scores
        back.append(choice)
    if not best:
        return []
    end = max(best, key=lambda k: (best[k], k == "T"))
    labels = [end]
    for n in range(len(segs) - 1, 0, -1):
        labels.append(back[n][labels[-1]])
    labels.reverse()
    return labels
