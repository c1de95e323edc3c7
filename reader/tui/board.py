"""The reading board: to-read, reading and done side by side, each a compact paper list."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content

from reader.library import Library
from reader.models import Status
from reader.tui.paper_list import PaperList
from reader.tui.triage_list import TriageList

BOARD_STATUSES: tuple[Status, ...] = (Status.TO_READ, Status.READING, Status.DONE)
"""The board's columns, left to right."""


def status_ids(library: Library, status: Status) -> list[str]:
    """The papers in a (non-inbox) status, in display order.

    Only touched papers have a user state, so this looks at those instead of the whole
    library: the board stays instant at 100k papers.
    """
    papers, states = library.papers, library.states
    found = [pid for pid, state in states.items() if state.status is status and pid in papers]
    return sorted(found, key=library.sort_key)


class BoardColumn(Vertical):
    """One column: a status and its papers, the count in the border title."""

    def __init__(self, library: Library, status: Status) -> None:
        super().__init__(id=f"column-{status.value}", classes="board-column")
        self.library = library
        self.status = status

    def compose(self) -> ComposeResult:
        yield TriageList(self.library, compact=True, id=f"list-{self.status.value}", classes="board-list")

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    def set_count(self, count: int, total: int | None = None) -> None:
        shown = f"{count}" if total is None or total == count else f"{count} of {total}"
        self.border_title = Content.assemble((self.status.value, "bold"), f" {shown}")


class Board(Horizontal):
    """Three columns; `h`/`l` (or left/right) move between them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h,left", "column(-1)", "Column ←", tooltip="Focus the column to the left"),
        Binding("l,right", "column(1)", "Column →", tooltip="Focus the column to the right"),
    ]

    def __init__(self, library: Library, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.library = library

    def compose(self) -> ComposeResult:
        for status in BOARD_STATUSES:
            yield BoardColumn(self.library, status)

    def column(self, status: Status) -> BoardColumn:
        return self.query_one(f"#column-{status.value}", BoardColumn)

    def lists(self) -> list[PaperList]:
        return [self.column(status).paper_list for status in BOARD_STATUSES]

    @property
    def active_list(self) -> PaperList:
        """The column list with focus, else the last one that had it, else the first."""
        focused = self.screen.focused
        for paper_list in self.lists():
            if paper_list is focused:
                return paper_list
        return self._last if self._last is not None else self.lists()[0]

    _last: PaperList | None = None

    def remember(self, paper_list: PaperList) -> None:
        """Note the column the user is in, so the board returns there."""
        self._last = paper_list

    def status_of(self, paper_list: PaperList) -> Status:
        for status in BOARD_STATUSES:
            if self.column(status).paper_list is paper_list:
                return status
        raise ValueError("not a board list")

    def fill(
        self,
        only: Collection[str] | None = None,
        spans: dict[str, list[tuple[int, int]]] | None = None,
        keep: dict[Status, str | None] | None = None,
    ) -> None:
        """Refill every column from the library, restricted to `only` when a filter is active."""
        for status in BOARD_STATUSES:
            column = self.column(status)
            ids = status_ids(self.library, status)
            total = len(ids)
            if only is not None:
                ids = [pid for pid in ids if pid in only]
            current = column.paper_list.current_id
            target = keep.get(status, current) if keep else current
            column.paper_list.set_ids(ids, keep=target, spans=spans)
            column.set_count(len(ids), total if only is not None else None)

    def action_column(self, step: int) -> None:
        """Focus the neighbouring column."""
        lists = self.lists()
        index = lists.index(self.active_list)
        target = lists[max(0, min(len(lists) - 1, index + step))]
        self.screen.set_focus(target)
        self.remember(target)
