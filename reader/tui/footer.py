"""The footer of key bindings, drawn as one line by one widget.

Textual's `Footer` is a container of some 25 `FooterKey` widgets. Whenever the screen's bindings
change (the board switched on or off, an action becoming possible), each key is styled, measured,
laid out and rendered on its own, and the compositor cuts the footer line at every key's edge:
some 12 ms of the list-board switch at 10,000 papers. `KeyBar` works out the same keys as
`Footer` (the screen's `active_bindings`, one key per action, disabled keys dimmed, the command
palette key on the right) and draws them as one `Content` line; a change of keys repaints that
line, in the same frame as the change that caused it. The mouse works as on `Footer`: a key
lights up under the pointer, shows its tooltip, and a press on it presses the key.

Keys that do not fit are left out whole (Textual's footer cuts the last one in the middle).
Binding groups are not combined: the screens that use this footer have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget

__all__ = ["KeyBar", "KeySpec"]

PALETTE_RULE = "▏"
"""The thin rule between the keys and the command palette key (Textual's `vkey` border)."""


@dataclass(frozen=True, slots=True)
class KeySpec:
    """What one footer key shows."""

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    palette: bool = False


class KeyBar(Widget, can_focus=False):
    """The screen's key bindings on one line (see the module's notes)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--hover",
        "key-bar--rule",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .key-bar--rule {
            color: $foreground 20%;
        }
    }
    """

    compact = reactive(False, toggle_class="-compact")
    """Less room around each key (small terminals)."""
    show_command_palette = reactive(True)
    """Show the key of the command palette, on the right."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.specs: list[KeySpec] = []
        self._spans: list[tuple[int, int, KeySpec]] = []
        self._hover: KeySpec | None = None
        self._ready = False  # the screen has said its bindings once: it is composed

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self.update_now()

    def update_now(self) -> None:
        """Show the screen's bindings now (a repaint of this line only when they changed)."""
        specs = self.wanted()
        if specs != self.specs:
            self.specs = specs
            if self._hover is not None and self._hover not in specs:
                self._hover = None
            self.refresh()

    def wanted(self) -> list[KeySpec]:
        """The keys `Footer` would show: one per action, in binding order, the palette's last."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        specs: list[KeySpec] = []
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                display = self.app.get_key_display(binding)
                specs.append(KeySpec(binding.key, display, binding.description, binding.action, not enabled, tooltip))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, _ = found
                specs.append(
                    KeySpec(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        not enabled,
                        binding.tooltip or binding.description,
                        palette=True,
                    )
                )
        return specs

    def watch_show_command_palette(self) -> None:
        if self._ready and self.is_attached:
            self.update_now()

    # -- drawing -----------------------------------------------------------------------------

    def _pieces(self, spec: KeySpec) -> list[tuple[str, Style]]:
        """One key as text and style: the key, then its description."""
        key_style = self.get_visual_style("key-bar--key")
        text_style = self.get_visual_style("key-bar--description")
        if spec == self._hover:
            text_style = text_style + self.get_visual_style("key-bar--hover")
        if spec.disabled:
            key_style, text_style = key_style + Style(dim=True), text_style + Style(dim=True)
        if self.compact or spec.palette:  # the palette key is always drawn compact, as on `Footer`
            key = (spec.key_display, key_style)
            return [key, (f" {spec.description}", text_style)] if spec.description else [key]
        key = (f" {spec.key_display} ", key_style)
        return [key, (f"{spec.description} ", text_style)] if spec.description else [key]

    def render(self) -> Content:
        width = self.size.width
        plain = [s for s in self.specs if not s.palette]
        palette = [s for s in self.specs if s.palette]
        right: list[tuple[str, Style]] = []
        for spec in palette:
            right += [(PALETTE_RULE, self.get_visual_style("key-bar--rule")), *self._pieces(spec)]
            if not self.compact:
                right.append((" ", Style()))
        right_width = sum(cell_len(text) for text, _ in right)
        gap = 1 if self.compact else 0
        parts: list[tuple[str, Style]] = []
        spans: list[tuple[int, int, KeySpec]] = []
        x = 0
        for spec in plain:
            pieces = self._pieces(spec)
            size = sum(cell_len(text) for text, _ in pieces)
            if x + size > width - right_width:
                break  # whole keys only: the rest does not fit
            parts += pieces
            spans.append((x, x + size, spec))
            x += size
            if gap and x + gap <= width - right_width:
                parts.append((" " * gap, Style()))
                x += gap
        if right and x + right_width <= width:
            parts.append((" " * (width - right_width - x), Style()))
            start = width - right_width + cell_len(PALETTE_RULE)
            for spec in palette:
                spans.append((start, width, spec))
            parts += right
        self._spans = spans
        return Content.assemble(*parts)

    # -- the mouse ---------------------------------------------------------------------------

    def key_at(self, x: int) -> KeySpec | None:
        """The key drawn at column `x` of the line, if any."""
        for start, end, spec in self._spans:
            if start <= x < end:
                return spec
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        spec = self.key_at(event.x)
        if spec != self._hover:
            self._hover = spec
            self.tooltip = (spec.tooltip or None) if spec is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        spec = self.key_at(event.x)
        if spec is None:
            return
        if spec.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(spec.key)
