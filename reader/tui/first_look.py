"""The first look at a big library: its newest day, drawn before the library is read.

At 100,000 papers reading the whole index and every state takes seconds. The app opens such a
library lazily, draws the newest day's papers from the few records they need (their index
records and states, read by record), reads the rest in a thread, and then opens the papers
screen in its place. Until then the keys wait (only quit and help work); the top line says
that the library is being read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from reader import backlog
from reader.library import Library
from reader.marks import STATUS_MARKS
from reader.models import Status
from reader.text import day_label
from reader.tui import safe
from reader.tui.footer import KeyBar

__all__ = ["FIRST_LOOK_FROM_BYTES", "FirstLook", "LibraryRead", "first_look_rows", "wake_today", "wants_first_look"]

FIRST_LOOK_FROM_BYTES = 4 << 20
"""From this size of the index (about 20,000 papers) the app opens on the first look."""


def wants_first_look(library: Library) -> bool:
    """Whether this (lazily opened) library is big enough to be drawn before it is read."""
    return library.index_bytes() >= FIRST_LOOK_FROM_BYTES


@dataclass(frozen=True, slots=True)
class Row:
    status: Status
    title: str
    upvotes: int | None


def first_look_rows(library: Library) -> tuple[str | None, list[Row]]:
    """The newest featured day and its papers in page order, read by record (nothing whole)."""
    day = library.latest_day()
    if day is None:
        return None, []
    rows = []
    ids = library.ids(day=day)
    library.read_states(ids)  # in one pass (which also leaves the state's sidecar built), not one search per paper
    for pid in ids:
        head = library.head(pid)
        rows.append(Row(library.status(pid), head.title, head.upvotes))
    return day, rows


class LibraryRead(Message):
    """The loader thread is done: the library is read whole (or `error` says why not). It
    bubbles to the app, which opens the papers screen in the first look's place."""

    def __init__(self, error: Exception | None) -> None:
        super().__init__()
        self.error = error


class FirstLook(Screen[None]):
    """The newest day's papers, read-only, while the library is read in a thread."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", show=False, tooltip="Quit (nothing is being changed)"),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.day, self.rows = first_look_rows(library)
        self.loader = threading.Thread(target=self._read, name="reader-first-look", daemon=True)

    def compose(self) -> ComposeResult:
        day = (day_label(self.day, year=False) or safe.plain(self.day)) if self.day else "No papers yet"
        waiting = f"{day} · {len(self.rows)} papers · reading the whole library…"
        yield Static(Content(waiting), id="first-look-top")
        with VerticalScroll(id="first-look-list"):
            yield Static(self._list(), id="first-look-rows")
        yield KeyBar()

    def _list(self) -> Content:
        """One line per paper: status mark, upvotes, title (paper text as one clean literal line)."""
        lines = []
        for row in self.rows:
            votes = f"▲{row.upvotes:<5}" if row.upvotes is not None else "      "
            lines.append(Content(f" {STATUS_MARKS[row.status]} {votes} {safe.plain(row.title)}"))
        return Content("\n").join(lines) if lines else Content(" Nothing to show yet.")

    def on_mount(self) -> None:
        # after the first frame: the thread holds the interpreter for long stretches, and the
        # frame would wait for it (70 ms to 370 ms late at 100,000 papers when started here)
        self.call_after_refresh(self.loader.start)

    def _read(self) -> None:
        """In the thread: read the index and the states whole; the UI thread does the rest."""
        try:
            self.library.load_all()
            self.library.warm_lists()  # the inbox and the board's columns, off the UI thread
            import reader.tui.papers_screen  # noqa: F401  (the screen that opens next, imported here, not on the UI thread)
        except Exception as exc:  # handed to the UI thread, which ends the app with it
            self.post_message(LibraryRead(exc))
            return
        self.post_message(LibraryRead(None))


def wake_today(library: Library) -> None:
    """What a full open does last: snoozed papers whose day has come return to the inbox."""
    library.wake_snoozed(backlog.today())
