"""The help screen, generated from the bindings themselves so that it cannot drift from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui.paper_list import NOTES_MARK, STATUS_MARKS

HelpSection = tuple[str, Sequence[BindingType]]
"""A titled group of bindings (a widget's or screen's `BINDINGS`)."""

INTRO = (
    "Triage the day: walk the list with j/k and decide with one key (t to-read, r reading, d done, "
    "x skip); the cursor moves on by itself. Press b for the board of what you are reading, "
    "/ to filter (e.g. status:done tag:rl author:smith day:2025-07-31 has:notes), "
    "ctrl+p for every command."
)


def _bindings(entries: Iterable[BindingType]) -> list[Binding]:
    found: list[Binding] = []
    for entry in entries:
        binding = entry if isinstance(entry, Binding) else Binding(*entry)
        if binding.description:
            found.append(binding)
    return found


def key_label(app: App[object], binding: Binding) -> str:
    """All keys of a binding (`j,down` → `j / ↓`), formatted the way the footer shows them."""
    if binding.key_display:
        return binding.key_display
    keys = [Binding(key.strip(), binding.action, binding.description) for key in binding.key.split(",")]
    return " / ".join(app.get_key_display(key) for key in keys)


def legend() -> Content:
    """What the marks at the start of a row mean: `○ to-read  ◐ reading  …  ✎ has notes`."""
    parts: list[str | tuple[str, str]] = [("Marks  ", "bold $text-primary")]
    for status, mark in STATUS_MARKS.items():
        parts += [(mark, "bold $accent"), f" {status.value}   "]
    parts += [(NOTES_MARK, "bold $accent"), " has notes"]
    return Content.assemble(*parts)


def help_content(sections: Sequence[HelpSection], app: App[object]) -> Content:
    """The help text: the intro, the legend of the marks, then one block per section of keys."""
    lines: list[Content] = [Content(INTRO), Content(""), legend(), Content("")]
    for title, entries in sections:
        bindings = _bindings(entries)
        if not bindings:
            continue
        lines.append(Content.styled(title, "bold $text-primary"))
        for binding in bindings:
            keys = key_label(app, binding)
            parts: list[str | tuple[str, str]] = [(f"  {keys:<15} ", "bold $accent"), binding.description]
            if binding.tooltip and binding.tooltip != binding.description:
                parts.append((f" — {binding.tooltip}", "$text-muted"))
            lines.append(Content.assemble(*parts))
        lines.append(Content(""))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by where it works; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help", tooltip="Back to the papers"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False),
    ]

    def __init__(self, sections: Sequence[HelpSection]) -> None:
        super().__init__(id="help-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_content(self.sections, self.app), id="help-text", markup=False)

    def on_mount(self) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.border_title = Content("reader — keys")
        box.border_subtitle = Content("escape closes")
        box.focus()

    def action_scroll(self, lines: int) -> None:
        """Scroll the help text."""
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_to(y=box.scroll_target_y + lines, animate=False, immediate=True)  # key repeat adds up

    def action_close(self) -> None:
        """Back to where the user was."""
        self.dismiss(None)
