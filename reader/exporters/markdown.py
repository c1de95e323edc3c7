"""The Markdown reading log: papers grouped by the day they were finished, newest first.

Shape of the document (CommonMark; renders the same on GitHub, in markdown-it and pandoc):

    # Reading log — 2025-07-01 to 2025-07-31

    2 papers.

    ## 2025-07-31

    - [Title of the paper](https://arxiv.org/abs/2507.12345)

      Ada Lovelace, Alan Turing · #rl #agents

      > The notes, kept as Markdown,
      > block-quoted inside the list item.

Paper text (titles, authors, tags) comes from the internet and is escaped so it always shows
literally: it can neither break the list nor turn into links, emphasis, HTML or headings.
The user's notes are their own Markdown and are kept as such, each line block-quoted so that
nothing in them ends the list item. Only http(s) URLs become links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from reader.models import Status

if TYPE_CHECKING:
    from reader.exporters import Entry

# Characters with an inline meaning somewhere in CommonMark or its common extensions (GFM
# strikethrough and tables, `$` maths): a backslash before each shows it literally.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$!])")
# What would start a block if it began a line: headings, quotes, list markers, rules, fences.
_BLOCK_START = re.compile(r"^([#>+\-=*_`~:|])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")
_URL_UNSAFE = re.compile(r"[\s()<>\\\x00-\x1f\x7f]")


def escape_inline(text: str, *, line_start: bool = False) -> str:
    """Text that a Markdown renderer shows exactly as given (one line, no markup)."""
    text = " ".join(text.split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    if line_start:
        text = _BLOCK_START.sub(r"\\\1", text)
        text = _ORDERED_START.sub(r"\1\\\2", text)
    return text


def link_target(url: str | None) -> str | None:
    """A URL fit for a Markdown link, or None when it is not an http(s) URL."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), url)


def _quote(notes: str, indent: str) -> list[str]:
    """The notes as a block quote inside a list item (every line prefixed, nothing escapes)."""
    lines = notes.strip("\n").split("\n")
    return [f"{indent}> {line}".rstrip() if line.strip() else f"{indent}>" for line in lines]


def _item(entry: Entry, show_status: bool) -> list[str]:
    paper, state = entry.paper, entry.state
    title = paper.title or "(untitled)"
    href = link_target(paper.url)
    head = f"[{escape_inline(title)}]({href})" if href else escape_inline(title, line_start=True)
    lines = [f"- {head}"]
    meta: list[str] = []
    if paper.authors:
        meta.append(escape_inline(", ".join(paper.authors)))
    if show_status:
        meta.append(state.status.value)
    if state.tags:
        meta.append(" ".join(f"#{escape_inline(tag)}" for tag in state.tags))
    if meta:
        lines += ["", "  " + _protect_line_start(" · ".join(meta))]
    if state.notes.strip():
        lines += ["", *_quote(state.notes, "  ")]
    return lines


def _protect_line_start(text: str) -> str:
    """Escape a block marker at the start of an already escaped line."""
    if text.startswith("\\"):
        return text
    text = _BLOCK_START.sub(r"\\\1", text)
    return _ORDERED_START.sub(r"\1\\\2", text)


def render_markdown(items: Sequence[Entry], *, title: str = "Reading log", period: str | None = None) -> str:
    """The reading log for these entries (in the order given within each day)."""
    heading = f"# {escape_inline(title, line_start=True)}" + (f" — {escape_inline(period)}" if period else "")
    out = [heading, ""]
    if not items:
        out.append("No papers match.")
        return "\n".join(out) + "\n"
    statuses = {e.state.status for e in items}
    show_status = statuses != {Status.DONE}
    noun = "paper" if len(items) == 1 else "papers"
    out += [f"{len(items)} {noun}.", ""]
    ordered = sorted(items, key=lambda e: e.day or "", reverse=True)  # stable: keeps order in a day
    for day, group in groupby(ordered, key=lambda e: e.day):
        out += [f"## {day or 'Undated'}", ""]
        for entry in group:
            out += [*_item(entry, show_status), ""]
    return "\n".join(out).rstrip("\n") + "\n"
