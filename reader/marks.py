"""Small marks that say where a paper came from and whether arXiv replaced it.

`Paper.sources` holds `hf` (Hugging Face), `arxiv` (the arXiv API), `arxiv:cs.CL` (an arXiv
category's announcements); `Paper.announce_type` holds the latest arXiv announcement's type.
The list rows (app and `reader list`) and the detail views (app and `reader show`) draw the
same words from here. Plain text only: callers pass it through their own safe rendering.
"""

from __future__ import annotations

from reader.models import Paper, PaperHead, Status

REPLACED = frozenset({"replace", "replace-cross"})

STATUS_MARKS: dict[Status, str] = {
    Status.INBOX: "·",
    Status.TO_READ: "○",
    Status.READING: "◐",
    Status.DONE: "●",
    Status.SKIPPED: "×",
    Status.SNOOZED: "z",
}
"""The one-cell mark drawn at the start of a row for each status."""


def source_label(source: str) -> str:
    """`hf` -> `HF`, `arxiv:cs.CL` -> `arXiv cs.CL`, `arxiv` -> `arXiv`; others as they are."""
    if source == "hf":
        return "HF"
    if source == "arxiv":
        return "arXiv"
    if source.startswith("arxiv:"):
        return f"arXiv {source.removeprefix('arxiv:')}"
    return source


def update_mark(paper: Paper | PaperHead) -> str:
    """`updated v2` for a paper whose latest arXiv announcement was a replacement, else ``."""
    if paper.announce_type not in REPLACED:
        return ""
    return f"updated v{paper.version}" if paper.version else "updated"


def row_mark(paper: Paper | PaperHead) -> str:
    """The short mark of a list row: the first source (`+N` more) and the update, if any."""
    parts = []
    if paper.sources:
        more = len(paper.sources) - 1
        parts.append(source_label(paper.sources[0]) + (f" +{more}" if more else ""))
    if update := update_mark(paper):
        parts.append(update)
    return " · ".join(parts)


def source_line(paper: Paper) -> str:
    """Every source, then the announcement: `HF, arXiv cs.CL · cross-list · updated v2`."""
    parts = [", ".join(source_label(s) for s in paper.sources)] if paper.sources else []
    if paper.announce_type in ("cross", "replace-cross"):
        parts.append("cross-list")
    if update := update_mark(paper):
        parts.append(update)
    return " · ".join(parts)
