"""The Markdown reading log: papers grouped by the day they were finished, newest first.

Shape of the document (CommonMark; renders the same on GitHub, in markdown-it and pandoc):

    # Reading log — 2025-07-01 to 2025-07-31

    2 papers.

    ## 2025-07-31

    - [Title of the paper](https://arxiv.org/abs/2507.12345)

      Ada Lovelace, Alan Turing · #rl #agents

      > The notes, kept as Markdown,
      > block-quoted inside the list item.

Tags are written as Obsidian/Logseq tags, `#kv_cache`, unescaped (a backslash would end the tag
for Obsidian). A tag that cannot be one, because it has no letter (`2024`), a character other
than letters, digits, `_`, `-` and `/` (`c++`), or an `_` that Markdown could read as emphasis
(`_draft_`), is written as code, `` `#2024` ``: it reads as the tag's text and no tool takes a
part of it for a different tag.

Paper text (titles, authors) comes from the internet and is escaped so it always shows
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
_TAG_CHARS = re.compile(r"[^\W_](?:[\w/-]*[^\W_])?")
"""Letters, digits, `_`, `-`, `/`, starting and ending with a letter or digit."""
_LONE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
"""An `_` not between two letters or digits: Markdown may read it as emphasis."""


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


def is_tag_word(tag: str) -> bool:
    """Whether `#tag` reads as this whole tag in Obsidian and Logseq (and as text in Markdown)."""
    return (
        _TAG_CHARS.fullmatch(tag) is not None
        and not _LONE_UNDERSCORE.search(tag)
        and any(char.isalpha() for char in tag)
    )


def hashtag(tag: str) -> str:
    """A tag as `#tag`, or as a code span `` `#tag` `` when it cannot be one (see above)."""
    if is_tag_word(tag):
        return f"#{tag}"
    text = "#" + " ".join(tag.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.endswith("`") else ""
    return f"{fence}{text}{pad}{fence}"


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
        meta.append(" ".join(hashtag(tag) for tag in state.tags))
    if meta:
        line = " · ".join(meta)
        # A line that starts with one of our tags (`#rl`) is no heading: that needs a space after `#`.
        starts_with_tag = bool(state.tags) and len(meta) == 1 and line.startswith("#")
        lines += ["", "  " + (line if starts_with_tag else _protect_line_start(line))]
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
