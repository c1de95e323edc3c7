"""A one-line dialog to edit the "for you" watchlist: `+word -word +"a phrase" +author:name`."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.tui import safe


def split_watch(text: str) -> list[str]:
    """The entries typed: separated by spaces, a quoted phrase kept whole (`+"reward model"`)."""
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote: the rest of the line is the phrase
        return shlex.split(text + '"')


class WatchDialog(ModalScreen[list[str] | None]):
    """Edit the whole watchlist on one line; enter saves the entries typed, escape cancels.

    It looks like the tags dialog (it shares its stylesheet ids)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the watchlist")
    ]

    def __init__(self, entries: list[str]) -> None:
        super().__init__(id="tags-dialog")
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-box"):
            yield Static(Content("Boost (+) or sink (-) papers in the for-you order"), id="tags-paper")
            yield Input(
                safe.plain(" ".join(self.entries)),
                placeholder='+"reward model" +author:hopper -diffusion',
                id="tags-input",
                select_on_focus=False,
            )
            yield Static(Content("enter saves · escape cancels · an empty line empties the watchlist"), id="tags-help")

    def on_mount(self) -> None:
        self.query_one("#tags-box").border_title = Content("watchlist")
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(split_watch(event.value))

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)
