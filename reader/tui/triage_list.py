"""`TriageList`: the paper list as this app uses it, where enter means "write notes"."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from reader.tui.paper_list import PaperList


class TriageList(PaperList):
    """A `PaperList` whose enter opens the notes editor (the footer already shows `n Notes`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Notes", show=False, tooltip="Write notes on the paper (same as n)"),
    ]


def list_bindings() -> list[BindingType]:
    """Every key of a list, as the help screen shows them (enter as this app means it)."""
    inherited = [b for b in PaperList.BINDINGS if not (isinstance(b, Binding) and b.key == "enter")]
    return [*inherited, *TriageList.BINDINGS]
