"""The reading board: to-read, reading and done side by side, each a compact paper list.

Each column is the list itself, with its border and its title (the status and its count), and
no container around it: fewer widgets to lay out and to cut each line at when the board is
switched on, and a focus move restyles the list only (a container styled `:focus-within` was
restyled with its list).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.style import Style

from reader.browse import BOARD_STATUSES
from reader.library import Library
from reader.models import Status
from reader.tui.paper_list import PaperList
from reader.tui.titles import set_border_title
from reader.tui.triage_list import TriageList

__all__ = ["BOARD_STATUSES", "Board"]


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
            yield TriageList(self.library, compact=True, id=f"list-{status.value}", classes="board-list")

    def list_of(self, status: Status) -> PaperList:
        """The column of `status`."""
        return self.query_one(f"#list-{status.value}", PaperList)

    def lists(self) -> list[PaperList]:
        return [self.list_of(status) for status in BOARD_STATUSES]

    def set_count(self, status: Status, count: int, total: int | None = None) -> None:
        """The column's title: its status and how many papers it holds (of how many, filtered)."""
        paper_list = self.list_of(status)
        shown = f"{count}" if total is None or total == count else f"{count} of {total}"
        style = Style(bold=True) + paper_list.status_style(status)
        set_border_title(paper_list, Content.assemble((status.value, style), f" {shown}"))

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
            if self.list_of(status) is paper_list:
                return status
        raise ValueError("not a board list")

    def fill(
        self,
        columns: Mapping[Status, tuple[Sequence[str], int]],
        *,
        filtered: bool = False,
        spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        keep: dict[Status, str | None] | None = None,
        marks: Collection[str] = (),
    ) -> None:
        """Fill every column with its ids (and how many it holds before a filter: `filtered`)."""
        for status in BOARD_STATUSES:
            paper_list = self.list_of(status)
            ids, total = columns[status]
            current = paper_list.current_id
            target = keep.get(status, current) if keep else current
            paper_list.set_ids(ids, keep=target, spans=spans, marks=marks)
            self.set_count(status, len(ids), total if filtered else None)

    def action_column(self, step: int) -> None:
        """Focus the neighbouring column."""
        lists = self.lists()
        index = lists.index(self.active_list)
        target = lists[max(0, min(len(lists) - 1, index + step))]
        self.screen.set_focus(target)
        self.remember(target)
