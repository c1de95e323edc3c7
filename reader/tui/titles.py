"""Border titles set only when they change: setting one repaints the whole widget."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

__all__ = ["set_border_title"]


def set_border_title(widget: Widget, title: Content) -> None:
    """Set a border title unless it is already that (text and styles): Textual repaints the
    widget whenever its title is set, even to the same one."""
    shown = widget._border_title
    if shown is None or shown.plain != title.plain or shown.spans != title.spans:
        widget.border_title = title
