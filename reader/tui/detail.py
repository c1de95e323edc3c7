"""The detail pane: everything known about one paper, its abstract made readable, and its notes."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from reader import foryou, text
from reader.backlog import snooze_note
from reader.library import Library
from reader.marks import source_line
from reader.models import Paper, Status, UserState
from reader.text import bold_spans, readable_abstract, url_spans
from reader.tui import safe
from reader.tui.notes import NotesEditor, SaveNotes

MAX_AUTHORS = 12
"""Authors shown before the list is cut short with `+ N more`."""

StatusStyle = Callable[[Status], Style | str]
"""How a status looks where the app names it (the list's `status_style`, from the stylesheet)."""


def day_label(day: str, *, year: bool = True) -> str:
    """`2025-07-31` as `Jul 31, 2025` (or `Jul 31`); anything unparsable as it is, cleaned."""
    return text.day_label(day, year=year) or safe.plain(day)


def abstract_content(text: str) -> Content:
    """The abstract as it reads best: LaTeX residue tidied, `**x**` bold, URLs underlined."""
    readable = readable_abstract(safe.plain(text))
    plain, bold = bold_spans(readable)
    content = safe.highlighted(plain, bold, "bold")
    for start, end in url_spans(plain):
        content = content.stylize("underline $text-primary", start, end)
    return content


def _links(paper: Paper) -> list[tuple[str, str]]:
    found = [
        ("arXiv", paper.abs_url),
        ("PDF", paper.pdf_url),
        ("HF", paper.hf_url),
        ("GitHub", paper.github_url),
        ("project", paper.project_url),
    ]
    return [(name, url) for name, url in found if url]


def paper_content(
    paper: Paper,
    state: UserState,
    status_style: StatusStyle = lambda status: "",
    reason: tuple[float, str] | None = None,
) -> Content:
    """The whole detail text of a paper, built from literal parts (never markup); `reason` is
    the "for you" score and reason when that order is shown."""
    label = "$text-muted"
    lines: list[Content] = [safe.literal(paper.title, "bold $text-primary")]
    if paper.authors:
        shown = ", ".join(paper.authors[:MAX_AUTHORS])
        more = len(paper.authors) - MAX_AUTHORS
        lines.append(safe.literal(shown + (f" + {more} more" if more > 0 else ""), "italic"))
    facts: list[Content | str | tuple[str, str | Style]] = [(state.status.value, _bold(status_style(state.status)))]
    if state.note_conflict:  # notes from two machines: both texts are in the note until edited
        facts += [" · ", ("conflict", "bold $text-error")]
    if paper.withdrawn_at:
        facts += [" · ", ("withdrawn", "bold $text-error")]
    if paper.upvotes is not None:
        facts += [" · ", (f"▲{paper.upvotes}", "bold")]
    if paper.days:
        facts += [" · featured ", ", ".join(day_label(d) for d in paper.days)]
    facts += [" · ", (paper.id, label)]
    lines.append(safe.assemble(*facts))
    if reason is not None:
        score, why = reason
        lines.append(safe.assemble(("for you  ", label), (f"{score:.2f} {foryou.score_bar(score)}", "bold"), "  ", why))
    if sources := source_line(paper):
        lines.append(safe.assemble(("source  ", label), sources))
    if note := snooze_note(state):
        lines.append(safe.assemble(("snoozed ", label), note))
    if state.tags:
        lines.append(safe.assemble(("tags  ", label), ("  ".join(f"#{t}" for t in state.tags), "bold $accent")))
    for name, url in _links(paper):
        shown = url.removeprefix("https://").removeprefix("http://")  # o and p open them
        lines.append(safe.assemble((f"{name:<8}", label), (shown, "underline $text-primary")))
    if paper.ai_summary:
        lines += [Content(""), safe.assemble(("AI summary  ", label), (paper.ai_summary, "italic"))]
    if paper.ai_keywords:
        lines.append(safe.assemble(("keywords  ", label), ", ".join(paper.ai_keywords)))
    lines.append(Content(""))
    lines.append(abstract_content(paper.abstract) if paper.abstract else safe.literal("(no abstract)", label))
    return Content("\n").join(lines)


def _bold(style: Style | str) -> Style | str:
    return Style(bold=True) + style if isinstance(style, Style) else f"bold {style}".strip()


class DetailPane(Vertical):
    """One paper in full, scrollable, above its notes editor."""

    def __init__(self, library: Library, save_notes: SaveNotes, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.library = library
        self._save_notes = save_notes
        self.paper_id: str | None = None
        """The paper shown, or None."""
        self._drawn: tuple[object, ...] = ()
        self.status_style: StatusStyle = lambda status: ""
        """How statuses look (set by the screen from the list's stylesheet rules)."""
        self.empty_text = "No paper selected."
        """What to say when there is no paper to show (set by the screen)."""
        self.reason_of: Callable[[str], tuple[float, str] | None] = lambda paper_id: None
        """The "for you" score and reason of a paper, when that order is shown (set by the screen)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(Content(""), id="detail-body", markup=False)
        yield NotesEditor(self._save_notes, id="notes")

    @property
    def editor(self) -> NotesEditor:
        return self.query_one(NotesEditor)

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one("#detail-scroll", VerticalScroll)

    def show(self, paper_id: str | None) -> None:
        """Show a paper (None: nothing to show); unsaved notes of the previous one are saved."""
        changed = paper_id != self.paper_id
        self.paper_id = paper_id
        self.refresh_paper()
        if paper_id is None:
            self.editor.show_notes(None, "")
        elif changed or not self.editor.dirty:
            self.editor.show_notes(paper_id, self.library.state(paper_id).notes)
        if changed:
            self.scroller.scroll_home(animate=False)

    def refresh_paper(self) -> None:
        """Redraw the paper's facts (status, tags) after a change; the notes are left alone."""
        reason = self.reason_of(self.paper_id) if self.paper_id is not None else None
        shown = self.paper_id is not None and self.paper_id in self.library
        drawn = (self.paper_id, self.library.version, None if shown else self.empty_text, reason)
        if drawn == self._drawn:
            return  # nothing changed since the last draw (a refill and a highlight both ask)
        self._drawn = drawn
        body = self.query_one("#detail-body", Static)
        if not shown or self.paper_id is None:
            body.update(safe.literal(self.empty_text, "$text-muted"))
            return
        paper, state = self.library.paper(self.paper_id), self.library.state(self.paper_id)
        body.update(paper_content(paper, state, self.status_style, reason))
