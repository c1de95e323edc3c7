"""The main screen: the paper list (or the board) beside the detail pane, with the filter on top.

Keys here are single letters on purpose: they only fire while the list or board has focus, so
typing in the filter or the notes never triggers them. Global actions use ctrl keys (app.py).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Static, TextArea
from textual.worker import get_current_worker

from reader.library import Change, History, Library
from reader.models import Status
from reader.store import StoreError
from reader.tui import safe
from reader.tui.backlog_ui import BACKLOG_BINDINGS, BacklogActions
from reader.tui.board import BOARD_STATUSES, Board, status_ids
from reader.tui.detail import STATUS_STYLE, DetailPane, day_label
from reader.tui.notes import NotesEditor
from reader.tui.paper_list import PaperList
from reader.tui.tags_dialog import TagsDialog
from reader.tui.triage_list import TriageList

if TYPE_CHECKING:
    from reader.tui.app import ReaderApp

T = TypeVar("T")

Spans = dict[str, list[tuple[int, int]]]

NARROW_WIDTH = 110
"""Below this many columns the detail pane goes under the list instead of beside it."""

WIDE_WIDTH = 150
"""From this many columns the top bar has room for the app's full title."""

HIGHLIGHT_LIMIT = 1000
"""Filter hits (best first) whose title matches are highlighted."""

FULL_TEXT_IN_THREAD = 5000
"""Libraries larger than this filter in a thread (titles, then full text) so typing never waits."""


@dataclass(frozen=True, slots=True)
class View:
    """A way to look at the library without a filter."""

    name: str
    label: str
    status: Status | None
    per_day: bool
    """Restricted to the current featured day."""


VIEWS: tuple[View, ...] = (
    View("catch-up", "catch-up", Status.INBOX, False),
    View("day", "all of the day", None, True),
    View("to-read", "to-read", Status.TO_READ, False),
    View("reading", "reading", Status.READING, False),
    View("done", "done", Status.DONE, False),
    View("all", "all papers", None, False),
    View("inbox", "inbox of the day", Status.INBOX, True),
    View("snoozed", "snoozed", Status.SNOOZED, False),
)
"""The views, in the order of their number keys (1-8) and of `v`. The app opens on catch-up."""

DAY_INBOX = VIEWS[6]
ALL_VIEW = VIEWS[5]

STATUS_KEYS: dict[Status, str] = {
    Status.TO_READ: "t",
    Status.READING: "r",
    Status.DONE: "d",
    Status.SKIPPED: "x",
    Status.INBOX: "i",
}

PAPER_ACTIONS = {"status", "tags", "open", "pdf", "notes", "move"}
"""Actions that need a highlighted paper."""


class FilterInput(Input):
    """The filter line: escape clears it and returns to the list; enter returns keeping it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", tooltip="Clear the filter and go back to the list"),
        Binding("down", "leave", "To the list", show=False, tooltip="Back to the list, keeping the filter"),
    ]

    class Left(Message):
        """The user is done with the filter (keeping or clearing it)."""

    def action_clear(self) -> None:
        """Clear the filter and return to the list."""
        self.value = ""
        self.post_message(self.Left())

    def action_leave(self) -> None:
        """Back to the list, keeping the filter."""
        self.post_message(self.Left())


class PapersScreen(BacklogActions, Screen[None]):
    """Triage and reading: list or board, detail pane, notes, filter."""

    app: ReaderApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "status('to-read')", "To-read", tooltip="Move the paper to to-read (and go to the next)"),
        Binding("r", "status('reading')", "Reading", tooltip="Move the paper to reading"),
        Binding("d", "status('done')", "Done", tooltip="Move the paper to done"),
        Binding("x", "status('skipped')", "Skip", tooltip="Skip the paper"),
        Binding("i", "status('inbox')", "Inbox", show=False, tooltip="Put the paper back in the inbox"),
        Binding("H,shift+left", "move(-1)", "Column ←", show=False, tooltip="Board: move the paper one column left"),
        Binding("L,shift+right", "move(1)", "Column →", show=False, tooltip="Board: move the paper one column right"),
        Binding("u", "undo", "Undo", tooltip="Undo the last status, tag or note change"),
        Binding("U", "redo", "Redo", show=False, tooltip="Redo what was undone"),
        Binding("a", "toggle_auto", "Auto-advance", show=False, tooltip="Turn moving on after a decision on/off"),
        Binding("n", "notes", "Notes", tooltip="Write notes on the paper (escape leaves the editor)"),
        Binding("number_sign", "tags", "Tags", key_display="#", show=False, tooltip="Edit the paper's tags"),
        Binding("o", "open", "Open", show=False, tooltip="Open the paper's page in the browser"),
        Binding("p", "pdf", "PDF", show=False, tooltip="Open the paper's PDF in the browser"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter as you type; escape clears"),
        Binding("b", "toggle_board", "Board", tooltip="Switch between the list and the board"),
        Binding("v", "cycle_view", "View", show=False, tooltip="Cycle the views (inbox, day, statuses, all)"),
        Binding("1", "view('catch-up')", "Catch-up", show=False, tooltip="Every untriaged paper, newest day first"),
        Binding("2", "view('day')", "Day view", show=False, tooltip="All papers of the day"),
        Binding("3", "view('to-read')", "To-read view", show=False, tooltip="Every paper to read"),
        Binding("4", "view('reading')", "Reading view", show=False, tooltip="Every paper being read"),
        Binding("5", "view('done')", "Done view", show=False, tooltip="Every paper done"),
        Binding("6", "view('all')", "All view", show=False, tooltip="The whole library"),
        Binding("7", "view('inbox')", "Inbox view", show=False, tooltip="The inbox of the day"),
        Binding("8", "view('snoozed')", "Snoozed view", show=False, tooltip="Every snoozed paper"),
        *BACKLOG_BINDINGS,
        Binding("left_square_bracket", "day(-1)", "Previous day", key_display="[", show=False),
        Binding("right_square_bracket", "day(1)", "Next day", key_display="]", show=False),
        Binding("e", "export", "Export", show=False, tooltip="Export papers (Markdown, BibTeX, CSV, JSON)"),
        Binding("F", "fetch", "Fetch", show=False, tooltip="Fetch the latest daily papers (in the background)"),
        Binding("space", "scroll_detail(1)", "Scroll detail", show=False, tooltip="Page down in the detail pane"),
        Binding("shift+space", "scroll_detail(-1)", "Scroll detail up", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter: back to the view"),
    ]

    auto_advance: reactive[bool] = reactive(True, bindings=True)
    """Move the cursor to the next paper after a decision."""
    board: reactive[bool] = reactive(False, bindings=True)
    """Show the board instead of the list."""

    def __init__(self, library: Library, history: History) -> None:
        super().__init__(id="papers-screen")
        self.library = library
        self.history = history
        self.view = VIEWS[0]
        days = library.days()
        self.day: str | None = days[-1] if days else None
        self.query_text = ""
        self.scoped = False
        self._hits: list[str] | None = None
        self._spans: Spans = {}
        self._fetching = False
        self._search_lock = threading.Lock()
        self._bindings_seen: tuple[object, ...] = ()
        self._headers: dict[int, str] = {}
        self.init_backlog()

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top-bar"):
            yield Static(Content(""), id="progress", markup=False)
            yield Static(Content(""), id="mode", markup=False)
        yield FilterInput(
            placeholder="/ filter: words, status:, tag:, author:, day:, has:notes — escape clears", id="filter"
        )
        with Horizontal(id="body"):
            with ContentSwitcher(initial="list-pane", id="views"):
                with Vertical(id="list-pane"):
                    yield TriageList(self.library, id="papers")
                yield Board(self.library, id="board")
            yield DetailPane(self.library, self.save_notes, id="detail")
        yield Footer(id="footer")

    @property
    def paper_list(self) -> PaperList:
        return self.query_one("#papers", PaperList)

    @property
    def board_widget(self) -> Board:
        return self.query_one("#board", Board)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one("#filter", FilterInput)

    @property
    def active_list(self) -> PaperList:
        """The list the user works in: the paper list, or the current board column."""
        return self.board_widget.active_list if self.board else self.paper_list

    @property
    def current_id(self) -> str | None:
        return self.active_list.current_id

    def on_mount(self) -> None:
        self.refill()
        self.set_focus(self.paper_list)
        self.detail.show(self.paper_list.current_id)

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        self.set_class(event.size.height < 30, "-short")
        footer = self.query_one(Footer)
        footer.compact = narrow
        footer.show_command_palette = not narrow
        self.update_status_line()

    # -- what the lists show -----------------------------------------------------------------

    def view_ids(self) -> list[str]:
        """The papers of the current view, before any filter."""
        if self.view.name == "catch-up":
            ids, self._headers = self.catch_up_ids()
            return ids
        return self.library.ids(status=self.view.status, day=self.day if self.view.per_day else None)

    def list_ids(self) -> list[str]:
        """What the list shows: the filter's hits (whole library), or the view."""
        if self.query_text:
            return list(self._hits or [])
        return self.view_ids()

    def run_search(self, query: str, *, full_text: bool) -> tuple[list[str], Spans, bool]:
        """Search the whole library (the query may name its own status:/day: scope)."""
        try:
            from reader.search import parse_query
        except ModuleNotFoundError:  # the search module is not installed yet: titles only
            needle = query.strip().lower()
            ids = [pid for pid in self.library.ids() if needle in self.library.paper(pid).title.lower()]
            spans = {}
            for pid in ids:
                start = self.library.paper(pid).title.lower().find(needle)
                spans[pid] = [(start, start + len(needle))]
            return ids, spans, False
        index = self.library.search_index()
        parsed = parse_query(query)
        ids = index.search_ids(parsed, full_text=full_text)
        # Highlights only for the first screens of hits: building spans for 100k rows costs a second.
        top = ids[:HIGHLIGHT_LIMIT]
        spans = {hit.id: list(hit.title_spans) for hit in index.search(parsed, ids=top, full_text=full_text)}
        return ids, spans, bool(parsed.scoped)

    def apply_filter(self, query: str) -> None:
        """Filter as the user types: at once in a small library, in a thread in a large one."""
        self.query_text = query.strip()
        if not self.query_text:
            self._hits, self._spans, self.scoped = None, {}, False
            self.refill(keep=self.current_id)
            return
        if len(self.library) > FULL_TEXT_IN_THREAD:
            self.background_search(self.query_text)
            return
        self.search_now(full_text=True)
        self.refill(keep=self.current_id)

    def _search_locked(self, query: str, *, full_text: bool) -> tuple[list[str], Spans, bool]:
        # The index keeps the previous result to narrow from: one search at a time.
        with self._search_lock:
            return self.run_search(query, full_text=full_text)

    def title_matches(self, query: str, limit: int) -> list[str]:
        """The best title matches in the whole library (for the palette); [] if the search fails."""
        try:
            with self._search_lock:
                return self.library.search_index().search_ids(query, full_text=False)[:limit]
        except Exception:  # the palette still fuzzy-matches the list on screen
            return []

    def search_now(self, *, full_text: bool) -> None:
        """Run the filter on the UI thread; a search that fails shows no hits, never a crash."""
        try:
            self._hits, self._spans, self.scoped = self._search_locked(self.query_text, full_text=full_text)
        except Exception as exc:  # the search module's bug must not end the session
            self._hits, self._spans, self.scoped = [], {}, False
            self.app.notify(safe.plain(f"Filter failed: {exc}"), severity="error", markup=False, timeout=4)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def background_search(self, query: str) -> None:
        """Titles first, then abstracts and notes, off the UI thread: typing never waits.

        Each result lands only if the user has not typed on meanwhile.
        """
        worker = get_current_worker()
        for full_text in (False, True):
            if worker.is_cancelled:
                return
            try:
                ids, spans, scoped = self._search_locked(query, full_text=full_text)
            except Exception as exc:
                self.app.call_from_thread(
                    self.app.notify, safe.plain(f"Filter failed: {exc}"), severity="error", markup=False, timeout=4
                )
                return
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._search_done, query, ids, spans, scoped)

    def _search_done(self, query: str, ids: list[str], spans: Spans, scoped: bool) -> None:
        if query != self.query_text:
            return
        self._hits, self._spans, self.scoped = ids, spans, scoped
        self.refill(keep=self.current_id)

    def refill(self, keep: str | None = None, *, after: tuple[str, int, str | None] | None = None) -> None:
        """Refill the list or board and redraw the progress line, detail and footer.

        `after` is (paper, its index, the paper that followed it) when a paper just changed: the
        cursor then lands on the paper itself, or on the next one when auto-advance is on or the
        paper left the view.
        """
        self.detail.empty_text = self.detail_hint()
        if self.board:
            self._refill_board(after)
        else:
            ids = self.list_ids()
            target = keep
            if after is not None:
                target = self._landing(ids, *after)
            self.paper_list.empty_message = self.empty_message()
            headers = self._headers if self.view.name == "catch-up" and not self.query_text else None
            self.paper_list.set_ids(ids, keep=target, spans=self._spans if self.query_text else None, headers=headers)
            self.paper_list.border_title = self.list_title(len(ids))
        self.update_status_line()
        self.detail.show(self.current_id)
        self.sync_bindings()

    def _refill_board(self, after: tuple[str, int, str | None] | None) -> None:
        board = self.board_widget
        keep: dict[Status, str | None] = {}
        if after is not None:
            status = board.status_of(board.active_list)
            ids = status_ids(self.library, status)
            if self._hits is not None and self.query_text:
                hits = set(self._hits)
                ids = [pid for pid in ids if pid in hits]
            keep[status] = self._landing(ids, *after)
        only = set(self._hits or []) if self.query_text else None
        board.fill(only=only, spans=self._spans if self.query_text else None, keep=keep)
        for status in BOARD_STATUSES:
            board.column(status).paper_list.empty_message = f"Nothing in {status.value}" + (
                " matches the filter" if self.query_text else ""
            )

    def _landing(self, ids: list[str], paper: str, index: int, following: str | None) -> str | None:
        if not ids:
            return None
        if self.auto_advance and following is not None and following in ids:
            return following
        if paper in ids and (not self.auto_advance or following is None):
            return paper
        return ids[min(index, len(ids) - 1)]

    def list_title(self, count: int) -> Content:
        """The list's border title: what it shows and how many."""
        if self.query_text:
            label = "filter" + ("" if self.scoped else " · all papers")
        elif self.view.per_day and self.day:
            label = f"{self.view.name} · {day_label(self.day, year=False)}"
        else:
            label = self.view.label
        return Content.assemble((label, "bold"), f" · {count}")

    def empty_message(self) -> str:
        """What an empty list tells the user to do."""
        if not len(self.library):
            return "No papers yet: `reader import FILE` or `reader fetch`"
        if self.query_text:
            return f"Nothing matches the filter “{safe.plain(self.query_text)}”. Escape clears it."
        if self.view.name == "catch-up":
            return "All caught up: every day is triaged. Press 3 for to-read, 7 for the inbox of the day."
        if self.view.name == "inbox":
            return "Inbox zero for this day. Press ] or [ for another day, 2 for the whole day, b for the board."
        return f"No papers in {self.view.label}. Press 1-8 or v for another view."

    def detail_hint(self) -> str:
        """What the detail pane says when no paper is highlighted."""
        if not len(self.library):
            fetch = " — or press F to fetch it now" if has_module("reader.fetch") else ""
            return (
                "No papers yet.\n\n"
                "Import a day of Hugging Face Daily Papers (the page saved as text, or API JSON):\n"
                "    reader import FILE\n"
                f"or fetch the latest day{fetch}:\n"
                "    reader fetch\n\n"
                "Try the app on a sample day with `reader --demo`."
            )
        if self.query_text:
            return "No paper matches the filter. Escape clears it; enter goes back to the list."
        if self.board:
            return "Nothing in this column. h/l (or ←/→) for the other columns, b for the list."
        return "No paper here. Press 1-8 or v for another view, [ ] for another day, b for the board."

    def update_status_line(self) -> None:
        counts = self.library.counts(self.day)
        total = sum(counts.values())
        day = day_label(self.day, year=False) if self.day else "no papers yet"
        parts: list[str | tuple[str, str]] = []
        if self.app.demo:
            wide = self.size.width >= WIDE_WIDTH
            parts += [(self.app.title if wide else "demo", "reverse $warning"), " · "]
        parts += [
            (day, "bold"),
            f" · {total - counts[Status.INBOX]}/{total} triaged",
        ]
        for status in BOARD_STATUSES:
            parts += [" · ", (f"{counts[status]} {status.value}", STATUS_STYLE[status])]
        parts += self.new_since_part()
        self.query_one("#progress", Static).update(Content.assemble(*parts))
        mode: list[Content | str | tuple[str, str]] = []
        if self.query_text:
            count = len(self._hits or [])
            scope = "" if self.scoped else " in all papers"
            if self.has_class("-narrow"):
                mode += [(f"{count} match" + ("" if count == 1 else "es"), "bold")]
            else:
                mode += [("filter ", "$text-muted"), safe.literal(self.query_text, "bold"), f" {count}{scope}"]
        else:
            label = self.view.name if self.has_class("-narrow") else self.view.label
            mode += [("board" if self.board else label, "bold")]
        if not self.has_class("-narrow"):
            mode += [" · ", ("auto-advance " + ("on" if self.auto_advance else "off"), "$text-muted")]
        elif not self.auto_advance:  # small screens say only the unusual
            mode += [" · ", ("auto off", "$text-muted")]
        self.query_one("#mode", Static).update(safe.assemble(*mode))

    # -- events ------------------------------------------------------------------------------

    def on_paper_list_highlighted(self, event: PaperList.Highlighted) -> None:
        event.stop()
        if event.paper_list is self.active_list or (self.board and event.paper_list.has_focus):
            self.detail.show(event.paper_id)
            self.sync_bindings()
            self.seen_later(event.paper_id)

    def on_paper_list_selected(self, event: PaperList.Selected) -> None:
        event.stop()
        if event.paper_id is not None:
            self.action_notes()

    def on_descendant_blur(self, event: object) -> None:
        self.call_after_refresh(self._check_editing)

    def _check_editing(self) -> None:
        self.set_class(isinstance(self.focused, NotesEditor), "-editing")

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        self.set_class(isinstance(focused, NotesEditor), "-editing")
        if self.board and isinstance(focused, PaperList) and focused in self.board_widget.lists():
            self.board_widget.remember(focused)
            self.detail.show(focused.current_id)
            self.sync_bindings()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            event.stop()
            self.apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            self.focus_list()

    def on_filter_input_left(self, event: FilterInput.Left) -> None:
        event.stop()
        self.focus_list()

    def on_notes_editor_left(self, event: NotesEditor.Left) -> None:
        event.stop()
        self.focus_list()

    def focus_list(self) -> None:
        """Give the list the keys now (not after a refresh: typed-ahead keys go where meant)."""
        self.set_focus(self.active_list)

    # -- writing, with errors shown and the app kept alive ---------------------------------

    def _guard(self, write: Callable[[], T], failed: T) -> T:
        """Run a library call; a write error becomes a notification and `failed` is returned."""
        try:
            return write()
        except StoreError as exc:
            self.app.notify(safe.plain(str(exc)), title="Not saved", severity="error", markup=False, timeout=8)
            return failed

    def save_notes(self, paper_id: str, text: str) -> bool:
        """Write notes (the editor's save callback); record the change for undo."""
        if paper_id not in self.library:
            return True
        changes = self._guard(lambda: self.library.set_notes(paper_id, text), None)
        if changes is None:
            return False
        self.history.record(changes)
        self.sync_bindings()
        return True

    def flush_notes(self) -> bool:
        """Save unsaved notes now (quit, signals); True when nothing is left unsaved."""
        self.flush_seen()
        try:
            return self.detail.editor.flush()
        except Exception:  # the widgets may already be gone
            return False

    # -- actions -----------------------------------------------------------------------------

    def _binding_state(self) -> tuple[object, ...]:
        """Everything `check_action` looks at: the footer is rebuilt only when this changes."""
        pid = self.current_id
        paper = self.library.papers.get(pid) if pid is not None else None
        return (
            pid is None,
            paper is None or paper.url is None,
            paper is None or paper.pdf_url is None,
            self.history.can_undo,
            self.history.can_redo,
            self.board,
            len(self.library.days()) > 1,
            self._fetching,
            bool(self.query_text),
        )

    def sync_bindings(self) -> None:
        """Refresh the footer if an action became possible or impossible (rebuilding it is slow)."""
        state = self._binding_state()
        if state != self._bindings_seen:
            self._bindings_seen = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what cannot work here, dim what cannot work now."""
        if isinstance(self.focused, Input | TextArea):
            return False  # letters go to the text; the footer shows the editor's own keys
        if action == "move":
            return bool(self.board)
        if action == "undo":
            return True if self.history.can_undo else None
        if action == "redo":
            return True if self.history.can_redo else None
        if action in PAPER_ACTIONS:
            pid = self.current_id
            if pid is None:
                return None
            paper = self.library.paper(pid)
            if action == "open" and paper.url is None:
                return None
            if action == "pdf" and paper.pdf_url is None:
                return None
        if action == "clear_filter":
            return bool(self.query_text)
        if action == "day":
            return True if len(self.library.days()) > 1 else None
        if action == "export":
            return has_module("reader.tui.export_dialog")
        if action == "fetch":
            return None if self._fetching else has_module("reader.fetch")
        return True

    def action_status(self, name: str) -> None:
        """Move the highlighted paper to a status; the cursor moves on when auto-advance is on."""
        status = Status(name)
        paper_list = self.active_list
        pid = paper_list.current_id
        if pid is None:
            return
        if status is Status.READING and self.reading_full(pid):
            return
        self.detail.editor.flush()
        ids = paper_list.ids
        index = ids.index(pid) if pid in ids else paper_list.cursor
        following = ids[index + 1] if index + 1 < len(ids) else None
        changes = self._guard(lambda: self.library.set_status(pid, status), None)
        if changes is None:
            return
        self.history.record(changes)
        if self.query_text:
            self.apply_filter_keep(after=(pid, index, following))
        else:
            self.refill(after=(pid, index, following))

    def apply_filter_keep(self, after: tuple[str, int, str | None]) -> None:
        """Re-run the filter after a change (a status: filter may now exclude the paper).

        In a large library the list keeps its hits for now and the search runs in a thread.
        """
        if len(self.library) > FULL_TEXT_IN_THREAD:
            self.refill(after=after)
            self.background_search(self.query_text)
            return
        self.search_now(full_text=True)
        self.refill(after=after)

    def action_move(self, step: int) -> None:
        """Board: move the paper one column left or right."""
        if not self.board:
            return
        board = self.board_widget
        status = board.status_of(board.active_list)
        index = BOARD_STATUSES.index(status) + step
        if not 0 <= index < len(BOARD_STATUSES):
            self.app.bell()
            return
        self.action_status(BOARD_STATUSES[index].value)

    def _after_history(self, changes: list[Change], verb: str) -> None:
        if not changes:
            self.app.notify(f"Nothing to {verb}", markup=False, timeout=2)
            return
        if self.query_text:
            if len(self.library) > FULL_TEXT_IN_THREAD:
                self.background_search(self.query_text)
            else:
                self.search_now(full_text=True)
        first = changes[0].paper_id
        self.refill(keep=first)
        if first in self.active_list.ids:
            self.active_list.select_id(first)
        editor = self.detail.editor
        if editor.paper_id in {c.paper_id for c in changes}:
            editor.reload(self.library.state(editor.paper_id).notes if editor.paper_id else "")
        self.detail.show(self.current_id)
        what = ", ".join(sorted({_describe(c, undone=verb == "undo") for c in changes}))
        self.app.notify(f"{verb.capitalize()}: {what}", markup=False, timeout=2)

    def action_undo(self) -> None:
        """Undo the last status, tag or note change."""
        self.detail.editor.flush()
        changes = self._guard(lambda: self.history.undo(self.library), None)
        if changes is not None:
            self._after_history(changes, "undo")

    def action_redo(self) -> None:
        """Redo the last undone change."""
        self.detail.editor.flush()
        changes = self._guard(lambda: self.history.redo(self.library), None)
        if changes is not None:
            self._after_history(changes, "redo")

    def action_toggle_auto(self) -> None:
        """Turn auto-advance on or off."""
        self.auto_advance = not self.auto_advance
        self.update_status_line()
        self.app.notify(f"Auto-advance {'on' if self.auto_advance else 'off'}", markup=False, timeout=2)

    def action_notes(self) -> None:
        """Edit the highlighted paper's notes."""
        if self.current_id is None:
            return
        self.detail.show(self.current_id)
        self.set_focus(self.detail.editor)

    def action_tags(self) -> None:
        """Edit the highlighted paper's tags in a small dialog."""
        pid = self.current_id
        if pid is None:
            return

        def done(tags: list[str] | None) -> None:
            if tags is None:
                return
            changes = self._guard(lambda: self.library.set_tags(pid, tags), None)
            if changes:
                self.history.record(changes)
            if self.query_text:
                self.apply_filter_keep(after=(pid, self.active_list.cursor, pid))
            else:
                self.refill(keep=pid)

        self.app.push_screen(TagsDialog(self.library.paper(pid).title, list(self.library.state(pid).tags)), done)

    def _open(self, url: str | None, what: str) -> None:
        if not url:
            self.app.notify(f"This paper has no {what}", markup=False, severity="warning", timeout=3)
            return
        if not url.lower().startswith(("https://", "http://")) or safe.plain(url) != url or " " in url:
            # Links come from the internet: only plain web addresses go to the browser.
            self.app.notify(safe.plain(f"Not opening {url}: not a web address"), markup=False, severity="warning")
            return
        try:
            self.app.browser_open(url)
        except Exception as exc:  # a missing browser must not end the session
            self.app.notify(safe.plain(f"Could not open {url}: {exc}"), markup=False, severity="error")

    def action_open(self) -> None:
        """Open the paper's page in the browser."""
        pid = self.current_id
        if pid is not None:
            self._open(self.library.paper(pid).url, "page to open")

    def action_pdf(self) -> None:
        """Open the paper's PDF in the browser."""
        pid = self.current_id
        if pid is not None:
            self._open(self.library.paper(pid).pdf_url, "PDF")

    def action_filter(self) -> None:
        """Focus the filter line."""
        self.set_focus(self.filter_input)

    def action_clear_filter(self) -> None:
        """Clear the filter from the list (escape): back to the view."""
        self.filter_input.value = ""
        self.focus_list()

    def action_toggle_board(self) -> None:
        """Switch between the list and the board."""
        self.detail.editor.flush()
        self.board = not self.board

    def watch_board(self, board: bool) -> None:
        if not self.is_mounted:
            return
        self.query_one("#views", ContentSwitcher).current = "board" if board else "list-pane"
        self.set_class(board, "-board")
        self.refill(keep=self.paper_list.current_id)
        if board and not self.board_widget.active_list.ids:
            filled = [lst for lst in self.board_widget.lists() if lst.ids]
            if filled:
                self.board_widget.remember(filled[0])
        self.focus_list()
        self.detail.show(self.current_id)

    def action_view(self, name: str) -> None:
        """Show one of the views (clears the filter)."""
        for view in VIEWS:
            if view.name == name:
                self.set_view(view)

    def set_view(self, view: View) -> None:
        self.view = view
        if self.board:
            self.board = False
        if self.filter_input.value:
            with self.filter_input.prevent(Input.Changed):
                self.filter_input.value = ""
            self.query_text, self._hits, self._spans = "", None, {}
        self.refill(keep=self.current_id)
        self.focus_list()

    def action_cycle_view(self) -> None:
        """The next view."""
        self.set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])

    def action_day(self, step: int) -> None:
        """Go to the previous or next featured day."""
        days = self.library.days()
        if not days:
            return
        index = days.index(self.day) if self.day in days else len(days) - 1
        new = max(0, min(len(days) - 1, index + step))
        if new == index and self.day is not None:
            self.app.notify("No " + ("earlier" if step < 0 else "later") + " day", markup=False, timeout=2)
            return
        self.day = days[new]
        if not self.view.per_day:
            self.view = DAY_INBOX
        if self.board:
            self.board = False
        self.refill()
        self.paper_list.move_cursor(0)

    def set_day(self, day: str) -> None:
        """Go to a featured day (palette)."""
        self.day = day
        if not self.view.per_day:
            self.view = DAY_INBOX
        if self.board:
            self.board = False
        self.refill()
        self.paper_list.move_cursor(0)

    def action_export(self) -> None:
        """Open the export dialog on what is shown (the filter's hits, else the library)."""
        if not has_module("reader.tui.export_dialog"):
            return
        from reader.tui.export_dialog import ExportDialog

        self.detail.editor.flush()
        filter_ids = list(self._hits or []) if self.query_text else None
        self.app.push_screen(ExportDialog(self.library, filter_ids, self.day))

    def action_fetch(self) -> None:
        """Fetch the latest daily papers in a thread; the list follows when they arrive."""
        if self._fetching or not has_module("reader.fetch"):
            return
        self.detail.editor.flush()
        self._fetching = True
        self.sync_bindings()
        self.app.notify("Fetching the latest daily papers…", markup=False, timeout=3)
        self.fetch_worker()

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def fetch_worker(self) -> None:
        """Run `reader.fetch.fetch_latest` off the UI thread; report back on it."""
        from reader.fetch import fetch_latest

        def progress(message: str) -> None:
            self.app.call_from_thread(self.app.notify, safe.plain(str(message)), markup=False, timeout=3)

        try:
            report = fetch_latest(self.library, progress=progress)
        except Exception as exc:  # FetchError, StoreError, anything: the session goes on
            self.app.call_from_thread(self._fetched, None, safe.plain(str(exc)) or type(exc).__name__)
            return
        self.app.call_from_thread(self._fetched, report.summary(), None)

    def _fetched(self, summary: str | None, error: str | None) -> None:
        self._fetching = False
        if error is not None:
            self.app.notify(error, title="Fetch failed", severity="error", markup=False, timeout=8)
            self.sync_bindings()
            return
        days = self.library.days()
        if days:
            self.day = days[-1]
        self.refill(keep=self.current_id)
        self.app.notify(safe.plain(summary or "fetched"), title="Fetched", markup=False, timeout=5)

    async def run_from_palette(self, action: str) -> None:
        """Run a palette command as its key would: from the list (leaving the editor or filter)."""
        if isinstance(self.focused, Input | TextArea):
            self.focus_list()
        await self.run_action(action)

    def go_to_paper(self, paper_id: str) -> None:
        """Put the cursor on a paper, switching to all papers if the list does not hold it."""
        if paper_id not in self.active_list.ids:
            self.set_view(ALL_VIEW)
        self.active_list.select_id(paper_id)
        self.focus_list()

    def action_scroll_detail(self, pages: int) -> None:
        """Page the detail pane without leaving the list."""
        scroller = self.detail.scroller
        scroller.scroll_to(y=scroller.scroll_target_y + pages * max(scroller.size.height - 1, 1), animate=False)


def has_module(name: str) -> bool:
    """True when a module another part of the project provides is installed."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _describe(change: Change, *, undone: bool = False) -> str:
    """What a change did, in a few words (from the state now back to the old one when undone)."""
    before, after = (change.after, change.before) if undone else (change.before, change.after)
    if before.status is not after.status:
        return f"status {before.status.value} → {after.status.value}"
    if before.tags != after.tags:
        return "tags"
    if before.notes != after.notes:
        return "notes"
    return "change"
