"""A small dialog to edit a paper's tags: one line, prefilled, space or comma separated."""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.tui import safe

_SEPARATORS = re.compile(r"[\s,]+")


def split_tags(text: str) -> list[str]:
    """The tags in what the user typed: separated by spaces or commas, `#` prefixes allowed."""
    return [part for part in _SEPARATORS.split(text) if part.strip("#+")]


class TagsDialog(ModalScreen[list[str] | None]):
    """Edit tags; enter saves (the new list), escape cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the tags")
    ]

    def __init__(self, title: str, tags: list[str]) -> None:
        super().__init__(id="tags-dialog")
        self.paper_title = title
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-box"):
            yield Static(safe.literal(self.paper_title, "bold"), id="tags-paper", markup=False)
            yield Input(
                " ".join(self.tags),
                placeholder="tags, separated by spaces or commas",
                id="tags-input",
                select_on_focus=False,
            )
            yield Static(Content("enter saves · escape cancels · an empty line removes all tags"), id="tags-help")

    def on_mount(self) -> None:
        self.query_one("#tags-box").border_title = Content("tags")
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(split_tags(event.value))

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)
