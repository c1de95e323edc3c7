"""RIS: one tagged record per paper, the format Zotero, EndNote, Mendeley and JabRef import.

A record (lines end with CRLF, as the RIS specification has them; UTF-8 without a BOM):

    TY  - GEN
    TI  - Graph Notes
    AU  - Lovelace, Ada
    AU  - Research and Development Team
    PY  - 2025
    DA  - 2025/07/29/
    AB  - The abstract, on one line.
    DO  - 10.48550/arXiv.2507.12345
    UR  - https://arxiv.org/abs/2507.12345
    KW  - rl
    KW  - to_cite
    N1  - The user's notes,
    which may run over several lines.
    ER  -

- `TY`: `JOUR` with `T2` and `JO` (the journal reference) when arXiv knows one; else `GEN`,
  which is what Zotero itself writes for a preprint and reads back as an article.
- `AU`: one per author, `Family, Given` (Zotero splits an `AU` at its comma); one-word and
  group names are written whole.
- `DO`: the journal DOI, else arXiv's DOI; `KW`: one per tag; `N1`: the notes.
- Every field is one line except `N1`, whose further lines follow as continuation lines
  (Zotero keeps them as the note's lines). A continuation line that would read as a tag line
  (`ER  - ` ending the record early, `TY  - `, any `XX  - `) gets one space in front; RIS
  readers trim continuation lines, so the note reads back exactly. Leading spaces of note lines
  are lost the same way (RIS has no means to keep them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reader.exporters.fields import date_parts, doi_of, split_name

if TYPE_CHECKING:
    from reader.exporters import Entry

EOL = "\r\n"
_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9] {1,2}-(?: |$)")
"""A line any RIS reader would take for a new tag (Zotero allows one or two spaces)."""
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def one_line(text: str) -> str:
    """A single-line field's value: whitespace (line breaks too) collapsed to single spaces."""
    return " ".join(text.split())


def author(name: str) -> str:
    """An `AU` value: `Family, Given` (with particle and suffix), or the name whole."""
    parts = split_name(name)
    if parts.literal or not parts.given:
        return one_line(parts.literal or parts.full_family)
    family = parts.full_family + (f", {parts.suffix}" if parts.suffix else "")
    return one_line(f"{family}, {parts.given}")


def multi_line(text: str) -> list[str]:
    """The lines of a multi-line value; lines that look like tags are moved off column 0."""
    lines = _LINE_BREAK.split(text.strip("\r\n"))
    return [" " + line if _TAG_LINE.match(line) else line for line in lines]


def record_lines(entry: Entry) -> list[str]:
    """The lines of one record, `TY` to `ER`."""
    paper, state = entry.paper, entry.state
    journal = one_line(paper.journal_ref or "")
    out = [f"TY  - {'JOUR' if journal else 'GEN'}", f"TI  - {one_line(paper.title)}"]
    out += [f"AU  - {author(name)}" for name in paper.authors if one_line(name)]
    when = date_parts(paper)
    if when:
        out.append(f"PY  - {when[0]:04d}")
        out.append("DA  - " + "/".join(f"{part:02d}" for part in when) + "/")
    if journal:
        out += [f"T2  - {journal}", f"JO  - {journal}"]
    if paper.abstract.strip():
        out.append(f"AB  - {one_line(paper.abstract)}")
    doi = doi_of(paper)
    if doi:
        out.append(f"DO  - {one_line(doi)}")
    if paper.url:
        out.append(f"UR  - {one_line(paper.url).replace(' ', '%20')}")
    out += [f"KW  - {one_line(tag)}" for tag in state.tags if one_line(tag)]
    if state.notes.strip():
        first, *rest = multi_line(state.notes)
        out += [f"N1  - {first}".rstrip(), *rest]
    out.append("ER  - ")
    return out


def render_ris(items: Sequence[Entry]) -> str:
    """The RIS file for these entries, in the order given (empty text for none)."""
    return "".join(EOL.join(record_lines(entry)) + EOL + EOL for entry in items)
