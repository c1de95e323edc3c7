"""The notes editor: a TextArea that knows when it holds unsaved text and saves it soon after.

Saving is the owner's job (it knows the library and the undo history): the editor calls the
`save` callback it was given with the paper id and the text, and learns from the result whether
the text is on disk. It saves ~1 s after the last keystroke, when it loses focus, when another
paper is loaded and when the app asks it to `flush()` (quit, signals).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Blur
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from reader.tui.external_editor import EditorError, edit_externally
from reader.tui.keys import after_escape
from reader.tui.safe import block
from reader.tui.titles import set_border_title

SaveNotes = Callable[[str, str], bool]
"""`save(paper_id, text) -> saved`: write the notes; False when the write failed."""

AUTOSAVE_DELAY = 1.0
"""Seconds after the last keystroke before the notes are written."""


class NotesEditor(TextArea):
    """Markdown notes for one paper, autosaved, with a saved/unsaved marker in the border."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to list", tooltip="Save the notes and return to the list"),
        Binding("ctrl+s", "save", "Save notes", tooltip="Write the notes now"),
        Binding(
            "ctrl+e", "external_editor", "Edit in $EDITOR", tooltip="Write the notes in $VISUAL or $EDITOR, then save"
        ),
    ]

    dirty: reactive[bool] = reactive(False)
    """True while the text in the editor differs from what is saved."""

    def edit(self, edit: Edit) -> EditResult:
        """Every change to the text (typing, a paste, `insert`) passes here: control bytes out.

        A paste can carry escape sequences (an OSC 52 clipboard write, a screen clear); they
        must never reach the terminal, not even before the note is saved and cleaned.
        """
        if edit.text and not edit.text.isprintable():
            edit.text = block(edit.text)
        result = super().edit(edit)
        if self.paper_id is not None:
            # Unsaved from this moment, not from when `Changed` arrives: a redraw of the paper
            # in between (a resize, a late highlight) must not load the saved text over it.
            self.dirty = True
        return result

    def __init__(self, save: SaveNotes, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            "",
            id=id,
            classes=classes,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder="Notes (Markdown) — enter or n to write, escape to leave",
        )
        self._save = save
        self.paper_id: str | None = None
        """The paper whose notes are shown."""
        self._timer: Timer | None = None
        self.failed = False
        """True when the last save attempt failed (the text is kept, dirty)."""
        self.pending: dict[str, str] = {}
        """Notes of other papers that could not be written yet, by paper id."""

    def on_mount(self) -> None:
        self._show_marker()

    # -- loading and saving ------------------------------------------------------------------

    def show_notes(self, paper_id: str | None, text: str) -> None:
        """Show a paper's notes: the previous paper's unsaved text is saved first.

        Text that could not be written (disk full) is kept in `pending` and comes back, still
        marked unsaved, when its paper is shown again; nothing typed is dropped.
        """
        if paper_id != self.paper_id:
            self.flush()
            if self.dirty and self.paper_id is not None:
                self.pending[self.paper_id] = self.text
        self.paper_id = paper_id
        self.disabled = paper_id is None
        unsaved = self.pending.pop(paper_id, None) if paper_id is not None else None
        shown = unsaved if unsaved is not None else text
        if self.text != shown:
            with self.prevent(TextArea.Changed):
                self.load_text(shown)
        self.failed = unsaved is not None
        self.dirty = unsaved is not None
        self._show_marker()
        self._mark_empty()

    def reload(self, text: str) -> None:
        """Replace the text with what is saved (after undo/redo) without marking it dirty."""
        self._cancel_timer()
        with self.prevent(TextArea.Changed):
            self.load_text(text)
        self.dirty = False
        self._mark_empty()

    def flush(self) -> bool:
        """Save now if there is unsaved text; return True when nothing is left unsaved."""
        self._cancel_timer()
        for paper_id, text in list(self.pending.items()):
            if self._save(paper_id, text):
                del self.pending[paper_id]
        if not self.dirty or self.paper_id is None:
            return not self.pending
        saved = self._save(self.paper_id, self.text)
        self.failed = not saved
        if saved:
            self.dirty = False
        else:
            self._show_marker()
        return saved and not self.pending

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def autosave(self) -> None:
        """The debounce timer's callback (public so tests can fire it deterministically)."""
        self._timer = None
        self.flush()

    # -- events ------------------------------------------------------------------------------

    def _mark_empty(self) -> None:
        """`-empty`: the stylesheet shrinks an empty editor while it does not have focus."""
        self.set_class(not self.text, "-empty")

    async def _on_key(self, event: events.Key) -> None:
        # escape typed quickly before a key arrives as alt+key: leave, and the key goes to the list
        if (key := after_escape(event)) is not None:
            event.stop()
            event.prevent_default()
            self.flush()
            self.post_message(self.Left(self, then=key))
            return
        await super()._on_key(event)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is not self:
            return
        self._mark_empty()
        if self.paper_id is None:
            return
        self.dirty = True
        self._cancel_timer()
        self._timer = self.set_timer(AUTOSAVE_DELAY, self.autosave)

    def on_blur(self, event: Blur) -> None:
        self.flush()

    def on_unmount(self) -> None:
        self.flush()

    def watch_dirty(self, dirty: bool) -> None:
        self.set_class(dirty, "-dirty")
        self._show_marker()

    def _show_marker(self) -> None:
        """The border title says whether the notes are on disk: `notes · saved` / `● unsaved`."""
        if self.paper_id is None:
            marker = ""
        elif self.failed and self.dirty:
            marker = " · ● NOT SAVED (write failed)"
        elif self.dirty:
            marker = " · ● unsaved"
        else:
            marker = " · saved"
        set_border_title(self, Content("notes" + marker))
        self.set_class(self.failed and self.dirty, "-failed")

    # -- actions -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Write the notes now."""
        self.flush()

    def action_leave(self) -> None:
        """Save and hand the focus back to the list the user came from."""
        self.flush()
        self.post_message(self.Left(self))

    def action_external_editor(self) -> None:
        """Write the notes in $VISUAL/$EDITOR; what it saves comes back here and is saved (undo works)."""
        if self.paper_id is None:
            return
        self.flush()
        before = self.text
        try:
            after = edit_externally(self.app, before)
        except EditorError as exc:
            self.notify(str(exc), title="Editor", severity="error", markup=False, timeout=8)
            return
        if not before.endswith("\n") and after.endswith("\n"):
            after = after[:-1]  # editors end the file with a newline; the note did not have one
        if after == before:
            self.notify("The notes are unchanged", markup=False, timeout=3)
            return
        with self.prevent(TextArea.Changed):
            self.replace(after, (0, 0), self.document.end)  # one step of the editor's own undo, too
        self._mark_empty()
        self.dirty = True
        if self.flush():
            self.notify("Notes saved from the editor", markup=False, timeout=3)

    class Left(Message):
        """The user left the editor with escape (`then`: a key typed right after it)."""

        def __init__(self, editor: NotesEditor, then: str | None = None) -> None:
            super().__init__()
            self.editor = editor
            self.then = then
