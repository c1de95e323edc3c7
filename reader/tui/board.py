"""The reading board: to-read, reading and done side by side, each a compact paper list."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.style import Style

from reader.browse import BOARD_STATUSES
from reader.library import Library
from reader.models import Status
from reader.tui.paper_list import PaperList
from reader.tui.titles import set_border_title
from reader.tui.triage_list import TriageList

__all__ = ["BOARD_STATUSES", "Board", "BoardColumn"]


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
        style = Style(bold=True) + self.paper_list.status_style(self.status)
        set_border_title(self, Content.assemble((self.status.value, style), f" {shown}"))


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
        columns: Mapping[Status, tuple[Sequence[str], int]],
        *,
        filtered: bool = False,
        spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        keep: dict[Status, str | None] | None = None,
        marks: Collection[str] = (),
    ) -> None:
        """Fill every column with its ids (and how many it holds before a filter: `filtered`)."""
        for status in BOARD_STATUSES:
            column = self.column(status)
            ids, total = columns[status]
            current = column.paper_list.current_id
            target = keep.get(status, current) if keep else current
            column.paper_list.set_ids(ids, keep=target, spans=spans, marks=marks)
            column.set_count(len(ids), total if filtered else None)

    def action_column(self, step: int) -> None:
        """Focus the neighbouring column."""
        lists = self.lists()
        index = lists.index(self.active_list)
        target = lists[max(0, min(len(lists) - 1, index + step))]
        self.screen.set_focus(target)
        self.remember(target)
