"""The main screen: the paper list (or the board) beside the detail pane, with the filter on top.

Keys here are single letters on purpose: they only fire while the list or board has focus, so
typing in the filter or the notes never triggers them. Global actions use ctrl keys (app.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Generic, TypedDict, TypeVar

from textual import events, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static, TextArea
from textual.worker import get_current_worker

from reader import foryou
from reader.browse import (
    BOARD_STATUSES,
    LEARNED_MAX,
    VIEWS,
    After,
    Browse,
    Landing,
    Spans,
    View,
    learned_scores,
    sort_by_name,
)
from reader.library import Change, Library
from reader.models import Status, UserState, normalise_tag
from reader.store import StoreError
from reader.tui import safe
from reader.tui.backlog_ui import BACKLOG_BINDINGS, BacklogActions
from reader.tui.board import Board
from reader.tui.detail import DetailPane, day_label
from reader.tui.footer import KeyBar
from reader.tui.keys import after_escape
from reader.tui.notes import NotesEditor
from reader.tui.paper_list import STATUS_MARKS, PaperList
from reader.tui.sync_ui import SYNC_BINDINGS, SyncActions
from reader.tui.tags_dialog import TagsDialog
from reader.tui.titles import set_border_title
from reader.tui.triage_list import TriageList

if TYPE_CHECKING:
    from reader.fetch import Fetched
    from reader.foryou import Model
    from reader.tui.app import ReaderApp

__all__ = ["VIEWS", "FilterInput", "PapersScreen", "View"]

T = TypeVar("T")

NARROW_WIDTH = 110
"""Below this many columns the detail pane goes under the list instead of beside it."""

WIDE_WIDTH = 150
"""From this many columns the top bar has room for the app's full title."""

TOP_LINE_LEVELS = range(8)
"""How compact the top line gets, from everything said (0) to the bare counts (7)."""
NARROW_LEVEL = 6
"""Below `NARROW_WIDTH` the top line starts this compact (counts as marks, short names)."""

FULL_TEXT_IN_THREAD = 5000
"""Libraries larger than this filter in a thread (titles, then full text) so typing never waits."""

WARM_BATCH = 200
"""Papers the "for you" worker scores for the board between looks at whether it was cancelled."""

SETTLE_DELAY = 0.5
"""Seconds after a view is first shown before what it built is set aside from the garbage collector."""
SETTLE_MIN_PAPERS = 500
"""Smaller libraries (the tests' sample days) are never set aside: what they leave alive is little.
At 1,000 papers a full collection still cost some 60 ms of a switch, once a round trip."""


PAPER_ACTIONS = {
    "status",
    "tags",
    "open",
    "pdf",
    "notes",
    "move",
    "mark",
    "copy_link",
    "copy_bibtex",
    "edit_notes",
    "snooze",
}
"""Actions that need a highlighted paper."""


class FilterInput(Input):
    """The filter line: escape clears it and returns to the list; enter returns keeping it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", tooltip="Clear the filter and go back to the list"),
        Binding("down", "leave", "To the list", show=False, tooltip="Back to the list, keeping the filter"),
    ]

    class Left(Message):
        """The user is done with the filter (keeping or clearing it); `then`: a key typed right after."""

        def __init__(self, then: str | None = None) -> None:
            super().__init__()
            self.then = then

    async def _on_key(self, event: events.Key) -> None:
        # escape typed quickly before a key arrives as alt+key: clear, and the key goes to the list
        if (key := after_escape(event)) is not None:
            event.stop()
            event.prevent_default()
            self.value = ""
            self.post_message(self.Left(then=key))
            return
        await super()._on_key(event)

    def action_clear(self) -> None:
        """Clear the filter and return to the list."""
        self.value = ""
        self.post_message(self.Left())

    def action_leave(self) -> None:
        """Back to the list, keeping the filter."""
        self.post_message(self.Left())


def with_ids(prefix: str, bindings: Iterable[BindingType]) -> list[BindingType]:
    """The bindings, each with an id named after its action where it has none: `status('to-read')`
    becomes `prefix.status-to-read`, `day(-1)` `prefix.day-previous`, `day(1)` `prefix.day-next`.

    Ids let users remap keys (Textual's keymaps) and the palette name its commands stably.
    """
    named: list[BindingType] = []
    for entry in bindings:
        binding = entry if isinstance(entry, Binding) else Binding(*entry)
        if binding.id is None:
            _namespace, name, params = parse_action(binding.action)
            words = [name, *(("next" if p > 0 else "previous") if isinstance(p, int) else str(p) for p in params)]
            binding = dataclasses.replace(binding, id=f"{prefix}." + "-".join(words).replace("_", "-"))
        named.append(binding)
    return named


class FilterHits(Message):
    """A search (run in a worker) found these hits for `query`."""

    def __init__(self, query: str, ids: list[str], spans: Spans, scoped: bool, *, partial: bool = False) -> None:
        super().__init__()
        self.query, self.ids, self.spans, self.scoped = query, ids, spans, scoped
        self.partial = partial
        """Full text looked for in titles and notes only: the full-text cache is being built."""


class FetchLanded(Message):
    """A fetch worker is done: what it downloaded and parsed (not merged yet), or its error
    (neither: the fetch was cancelled)."""

    def __init__(self, fetched: Fetched | None, error: str | None) -> None:
        super().__init__()
        self.fetched, self.error = fetched, error


class WatchSpans(Mapping[str, Sequence[tuple[int, int]]]):
    """Where watched words stand in each title, worked out only for the rows that are drawn."""

    def __init__(self, library: Library, watch: Sequence[foryou.WatchEntry]) -> None:
        self.library, self.watch = library, list(watch)

    def __getitem__(self, paper_id: str) -> Sequence[tuple[int, int]]:
        paper = self.library.papers.get(paper_id)
        spans = foryou.watch_spans(self.watch, paper.title) if paper is not None else ()
        if not spans:
            raise KeyError(paper_id)
        return spans

    def __iter__(self) -> Iterator[str]:
        return iter(())  # rows ask by id; nothing lists them all

    def __len__(self) -> int:
        return 0


class ModelFitted(Message):
    """The "for you" model was fitted in a worker (on its own copy of the decisions); None: no new
    model (`cold`: too few decisions to learn from; else the model already knew them)."""

    def __init__(
        self,
        model: Model | None,
        *,
        cold: bool = False,
        ranker: foryou.Ranker | None = None,
        board: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.cold = cold
        self.ranker = ranker
        """A ranker with the new model; None: the screen makes its own."""
        self.board = board or []
        """The board's papers that the learned order ranks, found by the worker: the screen has
        them scored in the background (`warm_worker`)."""


class FitJob(TypedDict):
    """What a fit of the "for you" model starts from (`PapersScreen._fit`)."""

    states: dict[str, UserState]
    known: str | None
    first: bool
    root: Path
    previous: foryou.Ranker
    shown: Sequence[str]
    """The list's papers when the fit started: scored in the worker, so the new order is shown
    without reading them on the UI thread."""


class Handoff(Generic[T]):
    """A worker's input that the worker takes, so that it is freed when the worker is done.

    Textual's worker keeps the arguments it was started with for as long as the worker object
    lives, and that object dies in a reference cycle: at the garbage collector's next full
    collection, seconds or minutes later. A fit's input (a copy of every state, the previous
    ranker with its thousands of scores) kept so piled up, fit after fit, and made the full
    collections that walk it both more frequent and slower (some 100 ms each at 10,000 papers,
    on whichever key they fall)."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value: T | None = value

    def take(self) -> T:
        value, self._value = self._value, None
        if value is None:
            raise RuntimeError("a worker's input was taken twice")
        return value


class WorkerSays(Message):
    """A line of progress (or an error) from a worker, for a notification."""

    def __init__(self, text: str, severity: str = "information") -> None:
        super().__init__()
        self.text, self.severity = text, severity


def _board_papers(states: Mapping[str, UserState], papers: Mapping[str, object]) -> list[str]:
    """The papers of the board's columns that the learned order ranks (a column past
    `LEARNED_MAX` keeps the page order: nothing to score), from a copy of the states."""
    columns: dict[Status, list[str]] = {status: [] for status in BOARD_STATUSES}
    for pid, state in states.items():
        column = columns.get(state.status)
        if column is not None and pid in papers:
            column.append(pid)
    return [pid for ids in columns.values() if len(ids) <= LEARNED_MAX for pid in ids]


class PapersScreen(SyncActions, BacklogActions, Screen[None]):
    """Triage and reading: list or board, detail pane, notes, filter.

    What the list shows lives in a `Browse` model (reader/browse.py): actions change the model
    or the library, the model tells `render_browse`, which draws. Workers (filter, fetch) only
    read and compute, then post a message; their handlers change the model or the library.
    """

    app: ReaderApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "status('to-read')", "To-read", tooltip="Move the paper to to-read (and go to the next)"),
        Binding("r", "status('reading')", "Reading", tooltip="Move the paper to reading"),
        Binding("d", "status('done')", "Done", tooltip="Move the paper to done"),
        Binding("x", "status('skipped')", "Skip", tooltip="Skip the paper"),
        Binding("i", "status('inbox')", "Inbox", show=False, tooltip="Put the paper back in the inbox"),
        Binding("H,shift+left", "move(-1)", "Move ←", tooltip="Board: move the paper (and the cursor) one column left"),
        Binding("L,shift+right", "move(1)", "Move →", tooltip="Board: move the paper (and the cursor) right"),
        Binding("u", "undo", "Undo", tooltip="Undo the last status, tag or note change"),
        Binding("U", "redo", "Redo", show=False, tooltip="Redo what was undone"),
        Binding("a", "toggle_auto", "Auto-advance", show=False, tooltip="Turn moving on after a decision on/off"),
        Binding("n", "notes", "Notes", tooltip="Write notes on the paper (escape leaves the editor)"),
        Binding("ctrl+e", "edit_notes", "Notes in $EDITOR", show=False, tooltip="Write the notes in $VISUAL/$EDITOR"),
        Binding("number_sign", "tags", "Tags", key_display="#", show=False, tooltip="Edit the paper's tags"),
        Binding("w", "watch", "Watchlist", show=False, tooltip="Edit the for-you watchlist (+word -word +author:name)"),
        Binding("m", "mark", "Mark", show=False, tooltip="Mark or unmark the paper (t r d x i # act on marked)"),
        Binding("M", "mark_all", "Mark all", show=False, tooltip="Mark every paper in the list, or clear the marks"),
        Binding("s", "cycle_sort", "Sort", show=False, tooltip="Next order: page, upvotes, newest published, title"),
        Binding("o", "open", "Open", show=False, tooltip="Open the paper's page in the browser (or say why not)"),
        Binding("p", "pdf", "PDF", show=False, tooltip="Open the paper's PDF in the browser (or say why not)"),
        Binding("y", "copy_link", "Copy link", show=False, tooltip="Copy the paper's link to the clipboard"),
        Binding("Y", "copy_bibtex", "Copy BibTeX", show=False, tooltip="Copy the paper's BibTeX entry"),
        Binding("f", "toggle_reading", "Read", tooltip="Reading mode: the paper fills the screen; f or escape returns"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter as you type; escape clears"),
        Binding("b", "toggle_board", "Board", tooltip="Switch between the list and the board"),
        Binding(
            "v",
            "cycle_view",
            "View",
            show=False,
            tooltip="Cycle the views (catch-up, day, statuses, all, day inbox, snoozed)",
        ),
        Binding("1", "view('catch-up')", "Catch-up", show=False, tooltip="Every untriaged paper, newest day first"),
        Binding("2", "view('day')", "Day view", show=False, tooltip="All papers of the day"),
        Binding("3", "view('to-read')", "To-read view", show=False, tooltip="Every paper to read"),
        Binding("4", "view('reading')", "Reading view", show=False, tooltip="Every paper being read"),
        Binding("5", "view('done')", "Done view", show=False, tooltip="Every paper done"),
        Binding("6", "view('all')", "All view", show=False, tooltip="The whole library"),
        Binding("7", "view('inbox')", "Inbox view", show=False, tooltip="The inbox of the day"),
        Binding("8", "view('snoozed')", "Snoozed view", show=False, tooltip="Every snoozed paper"),
        *BACKLOG_BINDINGS,
        *SYNC_BINDINGS,
        Binding("left_square_bracket", "day(-1)", "Previous day", key_display="[", show=False),
        Binding("right_square_bracket", "day(1)", "Next day", key_display="]", show=False),
        Binding("e", "export", "Export", show=False, tooltip="Export papers (Markdown, BibTeX, CSV, JSON)"),
        Binding("F", "fetch", "Fetch", show=False, tooltip="Fetch the latest daily papers (in the background)"),
        Binding("space", "scroll_detail(1)", "Scroll detail", show=False, tooltip="Page down in the detail pane"),
        Binding("shift+space", "scroll_detail(-1)", "Scroll detail up", show=False),
        Binding("escape", "leave_reading", "Back", tooltip="Leave reading mode: back to the list or board"),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter: back to the view"),
        Binding("q", "quit", "Quit", show=False, tooltip="Save the notes and quit (ctrl+q works everywhere)"),
    ]
    BINDINGS = with_ids("papers", BINDINGS)
    """Each gets an id from its action (`papers.status-to-read`, `papers.day-previous`): see `with_ids`."""

    reading: reactive[bool] = reactive(False, bindings=True)
    """Reading mode: the detail pane fills the screen."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """`Screen.focused` without its repaint of the whole screen at every focus move: the widgets
    that gain and lose focus restyle and repaint themselves (their `:focus` rules, the cursor
    row), and nothing else here is styled by focus. At 120x40 a switch to the board and back
    each repainted all 4,800 cells once more for it."""

    def __init__(self, library: Library) -> None:
        super().__init__(id="papers-screen")
        self.library = library
        self.browse = Browse(library)
        """What the list shows; `render_browse` draws it whenever it changes."""
        self._fetching = False
        self._fetch_cancel: threading.Event | None = None
        self._search_lock = threading.Lock()
        self.full_text_partial = False
        """The filter's hits in the list were found before the full-text cache was built (in
        titles and notes only); the search worker runs again once it is."""
        self._bindings_seen: tuple[object, ...] = ()
        self._shown_board = False
        self._learned_version = -1
        """The library version the learned order's model was last brought in step with."""
        self._fitting = False
        self._training_bags = foryou.TrainingBags()
        """The decided papers' bags, kept by the fit worker from one fit to the next."""
        self._scorer: tuple[foryou.Ranker | None, Callable[[str], float | None]] | None = None
        self._settled: set[str] = set()
        """What has been set aside from the garbage collector once shown (`_settle_after`)."""
        self._top_line_shown: tuple[Content, Content] | None = None
        """The top line's halves as last put on screen (`_show_top_line`)."""
        self._last_reason: tuple[tuple[str, int, foryou.Ranker], tuple[float, str]] | None = None
        """The last paper's "for you" reason, with what it was worked out from (`reason_of`)."""
        self._watch_spans: WatchSpans | None = None
        """The watched words' highlights, one object while the watchlist stays the same."""
        self.init_backlog()

    # -- the browse model, read by tests and the palette ----------------------------------------

    @property
    def view(self) -> View:
        return self.browse.view

    @property
    def day(self) -> str | None:
        return self.browse.day

    @property
    def query_text(self) -> str:
        return self.browse.query

    @property
    def board(self) -> bool:
        return self.browse.board

    @property
    def auto_advance(self) -> bool:
        return self.browse.auto_advance

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top-bar"):
            yield Static(Content(""), id="progress", markup=False)
            yield Static(Content(""), id="mode", markup=False)
        yield FilterInput(
            placeholder="/ filter: words, status:, tag:, author:, day:, has:notes — escape clears", id="filter"
        )
        with Horizontal(id="body"):
            with ContentSwitcher(initial="papers", id="views"):
                yield TriageList(self.library, id="papers")
                yield Board(self.library, id="board")
            yield DetailPane(self.library, self.save_notes, id="detail")
        yield KeyBar(id="footer")

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
        self.detail.status_style = self.paper_list.status_style
        self.detail.reason_of = self.reason_of
        self.browse.subscribe(self.render_browse)
        if foryou.decision_count(self.library) >= foryou.DEFAULT_AFTER:
            self.browse.sort = sort_by_name("for-you")  # learned from enough decisions: the default order
        self.render_browse()
        self.set_focus(self.paper_list)
        self.detail.show(self.paper_list.current_id)
        self.start_sync(quiet=True)  # in a worker; only when the library has a sync folder

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        self.set_class(event.size.height < 30, "-short")
        footer = self.query_one(KeyBar)
        footer.compact = narrow
        footer.show_command_palette = not narrow
        self.update_status_line()

    # -- searching ---------------------------------------------------------------------------

    def run_search(self, query: str, *, full_text: bool) -> tuple[list[str], Spans, bool]:
        """Search the whole library (the query may name its own status:/day: scope)."""
        from reader.search import parse_query

        found = self.library.search_index().find(parse_query(query), full_text=full_text)  # spans: as rows are drawn
        return found.ids, found.highlights, found.scoped

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

    def _search_if_due(self) -> None:
        """Run the filter when its query or the library changed: at once in a small library
        (the hits are in the model before it is drawn), in a worker in a large one."""
        due = self.browse.search_due()
        if due is None:
            return
        query = due[0]
        if len(self.library) > FULL_TEXT_IN_THREAD:
            with self._search_lock:
                self.library.search_index()  # take the library's changes in here, not in the worker
            self.background_search(query)
            return
        try:
            ids, spans, scoped = self._search_locked(query, full_text=True)
        except Exception as exc:  # the search module's bug must not end the session
            ids, spans, scoped = [], {}, False
            self.app.notify(safe.plain(f"Filter failed: {exc}"), severity="error", markup=False, timeout=4)
        self.full_text_partial = False
        self.browse.set_hits(query, ids, spans, scoped, quiet=True)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False, description="full-text search")
    def background_search(self, query: str) -> None:
        """Titles first, then abstracts and notes, off the UI thread: typing never waits.

        Each result is posted as a message; it lands only if the user has not typed on meanwhile.
        While the full-text cache is being built, the full-text part looks in titles and notes
        only (`partial`); then this worker waits for the build and searches once more.
        """
        worker = get_current_worker()
        partial = False
        for full_text in (False, True, True):
            if worker.is_cancelled:
                return
            if full_text and partial:
                # the full-text cache is being built (in its own process): once it is, the same
                # query again, through it; a key typed meanwhile cancels this worker
                cache = self.library.search_index().fulltext_cache()
                while cache is not None and cache.building and not worker.is_cancelled:
                    cache.wait(0.25)
            try:
                with self._search_lock:
                    ids, spans, scoped = self.run_search(query, full_text=full_text)
                    partial = full_text and self.library.search_index().pending
            except Exception as exc:
                self.post_message(WorkerSays(safe.plain(f"Filter failed: {exc}"), "error"))
                return
            if worker.is_cancelled:
                return
            self.post_message(FilterHits(query, ids, spans, scoped, partial=partial))
            if full_text and not partial:
                return

    def on_filter_hits(self, message: FilterHits) -> None:
        message.stop()
        self.full_text_partial = message.partial
        self.browse.set_hits(message.query, message.ids, message.spans, message.scoped)

    def on_worker_says(self, message: WorkerSays) -> None:
        message.stop()
        self.app.notify(message.text, severity=message.severity, markup=False, timeout=4)  # type: ignore[arg-type]

    def apply_filter(self, query: str) -> None:
        """Filter as the user types."""
        self.browse.set_query(query)

    # -- drawing what the model says -----------------------------------------------------------

    def render_browse(self) -> None:
        """Draw the list or board, the progress line, the detail and the footer from the model."""
        self._search_if_due()
        self._learn_if_due()
        browse = self.browse
        switching = browse.board != self._shown_board
        if switching:
            self._switch_board(browse.board)
        self.detail.empty_text = self.detail_hint()
        spans = browse.shown_spans()
        if spans is None and browse.sort.learned and browse.ranker is not None and browse.ranker.watch:
            if self._watch_spans is None or self._watch_spans.watch != browse.ranker.watch:
                self._watch_spans = WatchSpans(self.library, browse.ranker.watch)
            spans = self._watch_spans  # the same object while the watchlist is: the lists compare it so
        if browse.board:
            self._render_board(spans)
        else:
            ids = browse.shown_ids()
            # no bars while the ranker knows nothing (no model yet, no watchlist): a half bar on
            # every paper would look like a judgement
            learned = browse.sort.learned and browse.ranker and not browse.ranker.flat and not browse.too_many_to_rank
            self.paper_list.score_of = self._scores_of(browse.ranker) if learned else None
            self.paper_list.empty_message = self.empty_message()
            self.paper_list.set_ids(
                ids,
                keep=browse.landing(ids, self.paper_list.current_id),
                spans=spans,
                marks=browse.marks,
                headers=browse.list_headers(),
            )
            set_border_title(self.paper_list, self.list_title(len(ids)))
        if switching:
            self._focus_after_switch()
        self.update_status_line()
        if switching:  # the list or board first, the paper's detail in the next frame
            self.call_after_refresh(self._show_current)
        else:
            self._show_current()
        self.sync_bindings()
        self._settle_after("board" if browse.board else "list")
        if browse.ranker is not None and browse.ranker.model is not None:
            self._settle_after("model")

    def _show_current(self) -> None:
        """The detail pane shows the paper under the cursor.

        On a list<->board switch this comes a frame after the switch: the board (or list) is
        drawn first, some 30 ms sooner at 120 columns, and the detail of the paper it lands on
        follows; drawing both at once made the switch wait for the abstract to be wrapped and
        the pane laid out again."""
        self.detail.show(self.current_id)

    def _settle_after(self, reason: str) -> None:
        """Once per session for each `reason` (the list, the board, the learned model first
        shown), half a second later (off the key that showed it): set aside from the garbage
        collector what showing it built to last (the papers and scores read for it, the rows drawn).

        Python's full collection walks every object that is alive; the first board of a
        10,000-paper library leaves some 130,000 of them (papers read in full, their scores, cached
        rows), and a full collection came every second or third key, adding 100-150 ms to it.
        `gc.freeze()` moves what is alive out of the collector's sight (it is still freed as usual
        when no longer used); a young collection first leaves little garbage to freeze with it.
        Three times a session at most, so whatever cycles become garbage among the frozen
        objects later stay bounded."""
        if reason in self._settled or len(self.library) < SETTLE_MIN_PAPERS:
            return
        self._settled.add(reason)

        def settle() -> None:
            gc.collect(1)
            gc.freeze()

        self.set_timer(SETTLE_DELAY, settle)

    def refill(self, keep: str | None = None) -> None:
        """Draw again, the cursor on `keep` (for callers outside the screen)."""
        self.browse.changed(Landing(keep=keep))

    def _switch_board(self, board: bool) -> None:
        self._shown_board = board
        self.query_one("#views", ContentSwitcher).current = "board" if board else "papers"

    def _focus_after_switch(self) -> None:
        """The board opens on a column with papers (the last one used, if it has some)."""
        if self.board and not self.board_widget.active_list.row_count:
            filled = [lst for lst in self.board_widget.lists() if lst.row_count]
            if filled:
                self.board_widget.remember(filled[0])
        self.focus_list()

    def _render_board(self, spans: Spans | None) -> None:
        board, browse = self.board_widget, self.browse
        columns = {status: browse.column(status) for status in BOARD_STATUSES}
        active = board.status_of(board.active_list)
        keep = {active: browse.landing(columns[active][0], board.active_list.current_id)}
        board.fill(columns, filtered=bool(browse.query), spans=spans, keep=keep, marks=browse.marks)
        for status in BOARD_STATUSES:
            board.list_of(status).empty_message = f"Nothing in {status.value}" + (
                " matches the filter" if browse.query else ""
            )

    # -- the "for you" order ------------------------------------------------------------------

    def _learn_if_due(self) -> None:
        """With the learned order shown, keep its model in step with the decisions: the cached
        model at first (when it fits them), else a fit in a worker; the list keeps its order
        meanwhile. One fit runs at a time: decisions made during it are learned by the next
        fit, started when this one lands (fast triage never piles up fits)."""
        browse = self.browse
        if not browse.sort.learned or self._fitting or self._learned_version == self.library.version:
            return
        self._learned_version = self.library.version
        previous = browse.ranker
        if previous is None:
            try:
                watch = foryou.watchlist(self.library)
            except StoreError:
                watch = []
        else:
            watch = previous.watch
        if previous is None:
            browse.ranker = foryou.Ranker(None, watch)  # page order (moved by the watchlist) until the worker says
        known = previous.model.fingerprint if previous is not None and previous.model is not None else None
        self._fitting = True
        # the decisions are gathered, compared and fitted in the worker, on a copy of the states:
        # at 100,000 papers gathering alone costs a keystroke's budget many times over (and so
        # does finding the board's papers, which the worker scores once the model is there)
        assert browse.ranker is not None
        job = FitJob(
            states=dict(self.library.states),
            known=known,
            first=previous is None,
            root=self.library.root,
            previous=browse.ranker,
            shown=browse.shown_ids() if not browse.board else (),  # (remembered for the render that follows)
        )
        self.fit_worker(Handoff(job))

    @work(thread=True, exclusive=True, group="foryou", exit_on_error=False, description="fit the for-you model")
    def fit_worker(self, handoff: Handoff[FitJob]) -> None:
        """`_fit` in a worker, which takes the job out of `handoff` (see `Handoff`)."""
        self._fit(**handoff.take())

    def _fit(
        self,
        states: dict[str, UserState],
        known: str | None,
        first: bool,
        root: Path,
        previous: foryou.Ranker,
        shown: Sequence[str],
    ) -> None:
        """Gather the decisions from a copy of the states, and unless the model already knows
        them (`known`: its fingerprint), fit the "for you" model (NumPy is imported here):
        the cached one when it fits them at the start, else a new one written to the cache
        beside the library (derived data, not the library).

        The model comes with the board's papers that it ranks (found here: at 100,000 papers,
        a keystroke's budget many times over), which `warm_worker` then scores. The ranker keeps
        scores only with what they were made from, so a paper that changes meanwhile is scored
        again where it is shown."""
        data = foryou.training_set(self.library, states)
        if data is None or data.fingerprint == known:
            self.post_message(ModelFitted(None, cold=data is None))
            return
        model = foryou.cached_model_at(root, data.fingerprint) if first else None
        if model is None:
            model = data.fit(self._training_bags)  # only new or changed decisions are read and cut
            foryou.save_model_at(root, model)  # a cache: a failed write is ignored
        model.postings()  # the reasons' lookup table, built here rather than on the UI thread
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        ranker = foryou.Ranker(model, previous.watch, previous.bags)
        if len(shown) <= LEARNED_MAX:
            # the list in its new order is drawn from these scores (~350 ms for 1,180 papers); a
            # paper gone meanwhile or an unreadable shard: the list says so itself
            with contextlib.suppress(Exception):
                learned_scores(self.library, ranker, shown)
            if worker.is_cancelled:
                return
        board = _board_papers(states, self.library.papers)
        self.post_message(ModelFitted(model, ranker=ranker, board=board))

    @work(thread=True, exclusive=True, group="foryou-warm", exit_on_error=False, description="score the board")
    def warm_worker(self, handoff: Handoff[tuple[foryou.Ranker, list[str]]]) -> None:
        """Score the board's papers with a new ranker (reading them in full), so the first switch
        to the board in the learned order does not (some 2 s on the UI thread at 10,000 papers).

        A worker of its own, not the fit's: a fit started meanwhile that finds nothing new to
        learn (the same decisions) would cancel the fit's worker, and with it this scoring. A new
        ranker's scoring replaces this one; a ranker no longer shown is not scored further."""
        ranker, board = handoff.take()
        worker = get_current_worker()
        for start in range(0, len(board), WARM_BATCH):
            if worker.is_cancelled or self.browse.ranker is not ranker:
                return
            try:
                learned_scores(self.library, ranker, board[start : start + WARM_BATCH])
            except Exception:  # a paper gone meanwhile, an unreadable shard: the board says so itself
                return

    def on_model_fitted(self, message: ModelFitted) -> None:
        message.stop()
        self._fitting = False
        previous = self.browse.ranker
        watch = previous.watch if previous else []
        if message.model is None:
            if message.cold and previous is not None and previous.model is not None:
                self.browse.ranker = foryou.Ranker(None, watch, previous.bags)  # too few decisions now
            # shown again: the top line stops saying "learning…", and the render starts the next
            # look if decisions were made while the worker looked
            self.browse.changed(Landing(keep=self.current_id))
            return
        if message.ranker is not None and message.ranker.watch == watch:
            self.browse.ranker = message.ranker
        else:  # the watchlist changed during the fit
            self.browse.ranker = foryou.Ranker(message.model, watch, previous.bags if previous else None)
        if message.board:
            self.warm_worker(Handoff((self.browse.ranker, message.board)))
        if self.browse.sort.learned:  # a cursor still at the top stays at the top of the new order
            at_top = self.active_list.cursor == 0
            self.browse.changed(Landing(top=True) if at_top else Landing(keep=self.current_id))
            # the render starts the next fit if decisions were made while this one ran

    def _scores_of(self, ranker: foryou.Ranker | None) -> Callable[[str], float | None]:
        """The list's score of a paper under `ranker`: one callable per ranker, so the list
        knows its scores changed exactly when the ranker did."""
        if self._scorer is not None and self._scorer[0] is ranker:
            return self._scorer[1]

        def score_of(paper_id: str) -> float | None:
            if ranker is None or paper_id not in self.library:
                return None
            return round(learned_scores(self.library, ranker, [paper_id])[paper_id], 3)

        self._scorer = (ranker, score_of)
        return score_of

    def action_watch(self) -> None:
        """Edit the "for you" watchlist; it moves papers at once (and shows the learned order)."""
        from reader.tui.watch_dialog import WatchDialog

        try:
            current = foryou.watchlist(self.library)
        except StoreError as exc:
            self.app.notify(safe.plain(str(exc)), severity="error", markup=False, timeout=6)
            return

        def done(entries: list[str] | None) -> None:
            if entries is None:
                return
            try:
                watch: list[foryou.WatchEntry] = []
                for text in entries:
                    op, entry = foryou.parse_watch(text)
                    watch = foryou.apply_watch(watch, op, entry)
            except ValueError as exc:
                self.app.notify(safe.plain(str(exc)), title="Watchlist unchanged", severity="error", markup=False)
                return

            def save() -> bool:
                foryou.save_watchlist(self.library, watch)
                return True

            if not self._guard(save, False):
                return
            browse = self.browse
            ranker = browse.ranker
            browse.ranker = foryou.Ranker(ranker.model if ranker else None, watch, ranker.bags if ranker else None)
            with browse.batch():
                if not browse.sort.learned:
                    browse.set_sort("for-you")
                browse.changed(Landing(keep=self.current_id))
            shown = " ".join(e.label for e in watch) or "empty"
            self.app.notify(f"Watchlist: {shown}", markup=False, timeout=4)

        self.app.push_screen(WatchDialog([e.label for e in current]), done)

    def reason_of(self, paper_id: str) -> tuple[float, str] | None:
        """The learned order's score and short reason for a paper (None: that order is not shown)."""
        ranker = self.browse.ranker
        if not self.browse.sort.learned or ranker is None or paper_id not in self.library:
            return None
        # the detail pane asks twice for one paper on a switch (the render, then the highlight)
        # and more as the model stays: the last answer holds while the paper, its state and the
        # ranker are the same (a new model or watchlist is a new ranker)
        key = (paper_id, self.library.version, ranker)
        if self._last_reason is not None and self._last_reason[0] == key:
            return self._last_reason[1]
        paper, tags = self.library.paper(paper_id), self.library.state(paper_id).tags
        reason = ranker.score(paper, tags), ranker.reason(paper, tags)
        self._last_reason = (key, reason)
        return reason

    def list_title(self, count: int) -> Content:
        """The list's border title: what it shows, its order, how many, how many are marked."""
        marked = len(self.browse.marks)
        return Content.assemble(
            (self.browse.title(), "bold"), f" · {count}", (f" · {marked} marked" if marked else "", "bold $accent")
        )

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
        """The top line: the day's progress on the left, the view and its modes on the right.

        When both do not fit the width, the least important words go first (`top_line_parts`
        at rising levels): the auto-advance note, the long wording of the "for you" state and of
        the new papers, the demo's title and the view's long name, then the status counts
        take their marks (`◐ 3`); the counts themselves stay to the last.
        """
        counts = self.library.counts(self.day)
        room = self.size.width - 2  # the top bar's padding
        level = TOP_LINE_LEVELS[0] if not self.has_class("-narrow") else NARROW_LEVEL
        for level in (lv for lv in TOP_LINE_LEVELS if lv >= level):
            progress, mode = self.top_line_parts(counts, level)
            if progress.cell_length + 2 + mode.cell_length <= room:
                break
        self._show_top_line(progress, mode)

    def _show_top_line(self, progress: Content, mode: Content) -> None:
        """Put the top line's halves on screen, touching only what changed.

        Each `Static.update` repaints its widget and, by default, lays the screen out again
        (Textual then repaints what moved, and lays out once more for the widths it found). The
        left half takes the width the right half leaves, so only a change of the right half's
        width needs a layout; text that did not change is not set again."""
        shown = self._top_line_shown
        resized = shown is None or shown[1].cell_length != mode.cell_length
        if shown is None or not _same_content(shown[1], mode):
            self.query_one("#mode", Static).update(mode, layout=resized)
        if shown is None or not _same_content(shown[0], progress):
            self.query_one("#progress", Static).update(progress, layout=resized)
        self._top_line_shown = (progress, mode)

    def top_line_parts(self, counts: dict[Status, int], level: int) -> tuple[Content, Content]:
        """The top line's two halves, the more compact the higher the `level` (0 to 7)."""
        total = sum(counts.values())
        day = day_label(self.day, year=self.library.day_needs_year(self.day)) if self.day else "no papers yet"
        parts: list[str | tuple[str, str | Style]] = []
        if self.app.demo:
            wide = self.size.width >= WIDE_WIDTH and level < 1
            parts += [(self.app.title if wide else "demo", "reverse $warning"), " · "]
        triaged = f" · {total - counts[Status.INBOX]}/{total}" + (" triaged" if level < 7 else "")
        parts += [(day, "bold"), triaged]
        for status in (*BOARD_STATUSES, Status.SKIPPED):
            label = f"{STATUS_MARKS[status]} {counts[status]}" if level >= 6 else f"{counts[status]} {status.value}"
            parts += [" · ", (label, Style(bold=True) + self.paper_list.status_style(status))]
        if level < 7:
            new_since = self.new_since_part()
            if level >= 3 and new_since:
                new_since = [" · ", (f"{self.new_since_last} new", "bold $accent")]
            parts += new_since
        mode: list[Content | str | tuple[str, str]] = []
        if self.browse.marks:
            mode += [(f"{len(self.browse.marks)} marked", "bold $accent"), " · "]
        if self.query_text:
            count = len(self.browse.hits or [])
            scope = "" if self.browse.scoped else " in all papers"
            if level >= 5:
                mode += [(f"{count} match" + ("" if count == 1 else "es"), "bold")]
            else:
                mode += [("filter ", "$text-muted"), safe.literal(self.query_text, "bold"), f" {count}{scope}"]
            if self.full_text_partial:
                mode += [" · indexing abstracts…" if level < 5 else " (indexing abstracts…)"]
        else:
            label = self.view.name if level >= 5 else self.view.label
            mode += [("board" if self.board else label, "bold")]
        if self.browse.sort.learned and level < 6:
            ranker = self.browse.ranker
            if level >= 4:
                learned = ""
            elif self._fitting:
                learned = ": learning…"
            elif ranker is not None and ranker.model is not None:
                learned = f": {ranker.decisions} decisions"
            else:
                learned = ": page order" if level >= 2 else ": no decisions yet: page order"
            mode += [" · ", ("for you" + learned, "$text-muted")]
        elif self.browse.sort.key is not None and not self.board and self.has_class("-narrow"):
            sort = self.browse.sort  # a narrow list has no border title to name its order
            mode += [" · ", (sort.label if level < 7 else sort.name, "$text-muted")]
        if level < 1:
            mode += [" · ", ("auto-advance " + ("on" if self.auto_advance else "off"), "$text-muted")]
        elif not self.auto_advance:  # short lines say only the unusual
            mode += [" · ", ("auto off", "$text-muted")]
        return Content.assemble(*parts), safe.assemble(*mode)

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
        if event.then is not None:
            self.press_later(event.then)

    def on_notes_editor_left(self, event: NotesEditor.Left) -> None:
        event.stop()
        self.focus_list()
        if event.then is not None:
            self.press_later(event.then)

    def press_later(self, key: str) -> None:
        """Press `key` once the keys already queued are handled (the app sends it: it must bubble
        up to the app's bindings, which a key sent from this screen would not)."""
        self.app.call_later(self.app.simulate_key, key)

    async def on_key(self, event: events.Key) -> None:
        """escape typed quickly before a key arrives as alt+key: escape's action, then the key's."""
        if (key := after_escape(event)) is None or isinstance(self.focused, Input | TextArea):
            return
        event.stop()
        event.prevent_default()
        if self.reading:
            self.action_leave_reading()
        elif self.query_text:
            self.action_clear_filter()
        self.press_later(key)

    def focus_list(self) -> None:
        """Give the list the keys now (not after a refresh: typed-ahead keys go where meant)."""
        self.set_focus(self.detail.scroller if self.reading else self.active_list)

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
        if self._guard(lambda: self.library.set_notes(paper_id, text), None) is None:
            return False
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
        head = self.library.head(pid) if pid is not None and pid in self.library else None  # no shard read
        return (
            pid is None,
            head is None or not head.has_url,
            head is None or head.abs_url is None,
            self.library.history.can_undo,
            self.library.history.can_redo,
            self.board,
            len(self.library.days()) > 1,
            self._fetching,
            bool(self.query_text),
            bool(self.browse.marks),
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
        return self.can_run(action, parameters)

    def can_run(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether an action works here (False), not now (None) or now (True), wherever the
        focus is (the palette runs actions from the editor too)."""
        if action == "move":
            return bool(self.board)
        if action == "undo":
            return True if self.library.history.can_undo else None
        if action == "redo":
            return True if self.library.history.can_redo else None
        if action in PAPER_ACTIONS:
            pid = self.current_id
            if pid is None:
                return True if action in {"status", "tags"} and self.browse.marks else None
        if action == "clear_filter":
            return bool(self.query_text) or self._fetching  # escape also cancels a fetch
        if action == "leave_reading":
            return bool(self.reading)
        if action == "export":
            return has_module("reader.tui.export_dialog")
        if action == "fetch":
            return None if self._fetching else has_module("reader.fetch")
        return True

    def action_status(self, name: str) -> None:
        """Move the highlighted paper (or every marked one) to a status; the cursor moves on
        when auto-advance is on."""
        status = Status(name)
        paper_list = self.active_list
        pid = paper_list.current_id
        marked = self.browse.marked()
        if pid is None and not marked:
            return
        if status is Status.READING and self.reading_full(list(marked) or ([pid] if pid is not None else [])):
            return
        self.detail.editor.flush()
        if marked:
            if self._guard(lambda: self.library.set_status(marked, status), None) is None:
                return
            with self.browse.batch():
                self.browse.clear_marks()
                self.browse.changed(Landing(keep=pid))
            self.app.notify(f"{_papers(len(marked))} → {status.value}", markup=False, timeout=2)
            return
        assert pid is not None
        ids = paper_list.ids
        index = ids.index(pid) if pid in ids else paper_list.cursor
        following = ids[index + 1] if index + 1 < len(ids) else None
        if self._guard(lambda: self.library.set_status(pid, status), None) is None:
            return
        self.browse.changed(Landing(after=After(pid, index, following)))

    def action_move(self, step: int) -> None:
        """Board: move the paper one column left or right; the cursor goes with the card, so
        `L L` moves the same paper twice."""
        if not self.board:
            return
        board = self.board_widget
        status = board.status_of(board.active_list)
        index = BOARD_STATUSES.index(status) + step
        pid = board.active_list.current_id
        if pid is None:
            return
        if not 0 <= index < len(BOARD_STATUSES):
            self.app.bell()
            return
        self.detail.editor.flush()
        moved_to = BOARD_STATUSES[index]
        if self._guard(lambda: self.library.set_status(pid, moved_to), None) is None:
            return
        target = board.list_of(moved_to)
        board.remember(target)
        self.set_focus(target)  # the target column is the active one: the landing keeps the card
        self.browse.changed(Landing(keep=pid))
        if target.current_id == pid:
            self.detail.show(pid)
        self.sync_bindings()

    def action_mark(self) -> None:
        """Mark the highlighted paper, or unmark it; the cursor moves on."""
        pid = self.current_id
        if pid is None:
            return
        self.browse.toggle_mark(pid)
        self.active_list.action_cursor_down()

    def action_mark_all(self) -> None:
        """Mark every paper in the list (as filtered), or clear the marks."""
        count = self.browse.mark_all(self.active_list.ids)
        self.app.notify(f"{_papers(count)} marked" if count else "Marks cleared", markup=False, timeout=2)

    def action_cycle_sort(self) -> None:
        """The next order of the list (and of the board's columns)."""
        sort = self.browse.cycle_sort()
        self.app.notify(f"Sorted: {sort.label}", markup=False, timeout=2)

    def _after_history(self, changes: list[Change], verb: str) -> None:
        if not changes:
            self.app.notify(f"Nothing to {verb}", markup=False, timeout=2)
            return
        first = changes[0].paper_id
        self.browse.changed(Landing(keep=first))
        editor = self.detail.editor
        if editor.paper_id in {c.paper_id for c in changes}:
            editor.reload(self.library.state(editor.paper_id).notes if editor.paper_id else "")
        self.detail.show(self.current_id)
        what = ", ".join(sorted({_describe(c, undone=verb == "undo") for c in changes}))
        many = f" ({_papers(len({c.paper_id for c in changes}))})" if len(changes) > 1 else ""
        self.app.notify(f"{verb.capitalize()}: {what}{many}", markup=False, timeout=2)

    def action_undo(self) -> None:
        """Undo the last status, tag or note change (all papers of a change on many)."""
        self.detail.editor.flush()
        changes = self._guard(self.library.undo, None)
        if changes is not None:
            self._after_history(changes, "undo")

    def action_redo(self) -> None:
        """Redo the last undone change."""
        self.detail.editor.flush()
        changes = self._guard(self.library.redo, None)
        if changes is not None:
            self._after_history(changes, "redo")

    def action_toggle_auto(self) -> None:
        """Turn auto-advance on or off."""
        self.browse.auto_advance = not self.browse.auto_advance
        self.update_status_line()
        self.app.notify(f"Auto-advance {'on' if self.auto_advance else 'off'}", markup=False, timeout=2)

    def action_notes(self) -> None:
        """Edit the highlighted paper's notes."""
        if self.current_id is None:
            return
        self.detail.show(self.current_id)
        self.set_focus(self.detail.editor)

    def action_edit_notes(self) -> None:
        """Write the highlighted paper's notes in $VISUAL/$EDITOR."""
        if self.current_id is None:
            return
        self.detail.show(self.current_id)
        self.detail.editor.action_external_editor()

    def action_tags(self) -> None:
        """Edit the tags of the highlighted paper, or those all marked papers share, in a dialog."""
        pid = self.current_id
        marked = self.browse.marked()
        if marked:
            common = [
                t for t in self.library.state(marked[0]).tags if all(t in self.library.state(p).tags for p in marked)
            ]
            title = f"{_papers(len(marked))} marked: the tags they all have (added and removed on each)"
        elif pid is not None:
            common = list(self.library.state(pid).tags)
            title = self.library.paper(pid).title
        else:
            return

        def done(tags: list[str] | None) -> None:
            if tags is None:
                return
            if marked:
                wanted = [normalise_tag(t) for t in tags]
                add = [t for t in wanted if t not in common]
                remove = [t for t in common if t not in wanted]
                if self._guard(lambda: self.library.edit_tags(marked, add=add, remove=remove), None) is None:
                    return
                with self.browse.batch():
                    self.browse.clear_marks()
                    self.browse.changed(Landing(keep=pid))
                return
            assert pid is not None
            self._guard(lambda: self.library.set_tags(pid, tags), None)
            self.browse.changed(Landing(keep=pid))

        self.app.push_screen(TagsDialog(title, common), done)

    def _open(self, url: str | None, what: str) -> None:
        """Open a link in the browser, or say why not and show it (y copies it)."""
        if not url:
            self.app.notify(f"This paper has no {what}", markup=False, severity="warning", timeout=3)
            return
        if not is_web_address(url):
            # Links come from the internet: only plain web addresses go to the browser.
            self.app.notify(safe.plain(f"Not opening {url}: not a web address"), markup=False, severity="warning")
            return
        try:
            opened = self.app.browser_open(url)
        except Exception as exc:  # a missing browser must not end the session
            reason = safe.plain(str(exc)) or type(exc).__name__
            self.app.notify(
                f"Could not open a browser ({reason}): {url} — press y to copy the link",
                title="No browser",
                markup=False,
                severity="warning",
                timeout=10,
            )
            return
        if opened is False:  # webbrowser.open found no browser (SSH, headless)
            self.app.notify(
                f"No browser to open it here: {url} — press y to copy the link",
                title="No browser",
                markup=False,
                severity="warning",
                timeout=10,
            )
            return
        self.app.notify(f"Opening {url}", markup=False, timeout=3)

    def action_open(self) -> None:
        """Open the paper's page in the browser (or say why not)."""
        pid = self.current_id
        if pid is not None:
            self._open(self.library.paper(pid).url, "page to open (no arXiv id, project or GitHub link)")

    def action_pdf(self) -> None:
        """Open the paper's PDF in the browser (or say why not)."""
        pid = self.current_id
        if pid is not None:
            self._open(self.library.paper(pid).pdf_url, "PDF (no arXiv id)")

    def action_copy_link(self) -> None:
        """Copy the paper's link (its page, else its PDF) to the clipboard."""
        pid = self.current_id
        if pid is None:
            return
        paper = self.library.paper(pid)
        url = paper.url or paper.pdf_url
        if not url or not is_web_address(url):
            self.app.notify("This paper has no link to copy — Y copies its BibTeX", markup=False, severity="warning")
            return
        self.app.copy_to_clipboard(url)
        self.app.notify(f"Copied the link: {url}", markup=False, timeout=4)

    def action_copy_bibtex(self) -> None:
        """Copy the paper's BibTeX entry to the clipboard."""
        pid = self.current_id
        if pid is None:
            return
        from reader.exporters import entries
        from reader.exporters.bibtex import render_bibtex
        from reader.text import terminal_safe

        self.detail.editor.flush()
        text = terminal_safe(render_bibtex(entries(self.library, [pid])))
        self.app.copy_to_clipboard(text)
        key = text.split("{", 1)[1].split(",", 1)[0] if "{" in text else pid
        self.app.notify(f"Copied the BibTeX entry {key}", markup=False, timeout=4)

    def action_toggle_reading(self) -> None:
        """Reading mode on/off: the detail pane (abstract, summary, links, notes) fills the screen."""
        self.reading = not self.reading

    def action_leave_reading(self) -> None:
        """Leave reading mode."""
        self.reading = False

    def watch_reading(self, reading: bool) -> None:
        if not self.is_mounted:
            return
        self.set_class(reading, "-reading")
        if reading:
            self.detail.show(self.current_id)
            self.set_focus(self.detail.scroller)
        else:
            self.focus_list()
        self.update_status_line()

    async def action_quit(self) -> None:
        """Save the notes and quit (as ctrl+q)."""
        await self.app.action_quit()

    def action_filter(self) -> None:
        """Focus the filter line."""
        self.reading = False
        self.set_focus(self.filter_input)

    def action_clear_filter(self) -> None:
        """Clear the filter from the list (escape): back to the view. During a fetch, cancel it."""
        if self._fetching and self._fetch_cancel is not None and not self._fetch_cancel.is_set():
            self._fetch_cancel.set()  # the worker ends its request at once; nothing is imported
            return
        self.filter_input.value = ""
        self.focus_list()

    def action_toggle_board(self) -> None:
        """Switch between the list and the board."""
        self.detail.editor.flush()
        self.reading = False
        self.browse.set_board(not self.board)

    def action_view(self, name: str) -> None:
        """Show one of the views (clears the filter)."""
        self.set_view(next(view for view in VIEWS if view.name == name))

    def _clear_filter_line(self) -> None:
        if self.filter_input.value:
            with self.filter_input.prevent(Input.Changed):
                self.filter_input.value = ""

    def set_view(self, view: View) -> None:
        self._clear_filter_line()
        self.browse.set_view(view.name)
        self.focus_list()

    def action_cycle_view(self) -> None:
        """The next view."""
        self._clear_filter_line()
        self.browse.cycle_view()
        self.focus_list()

    def action_day(self, step: int) -> None:
        """Go to the previous or next featured day."""
        days = self.library.days()
        if len(days) <= 1:
            only = f" ({day_label(days[0])})" if days else ""
            self.app.notify(f"The library has only one featured day{only}", markup=False, timeout=3)
            return
        if not self.browse.step_day(step):
            self.app.notify("No " + ("earlier" if step < 0 else "later") + " day", markup=False, timeout=2)

    def set_day(self, day: str) -> None:
        """Go to a featured day (palette)."""
        self.browse.set_day(day)

    def action_export(self) -> None:
        """Open the export dialog on what is shown (the filter's hits, else the library)."""
        if not has_module("reader.tui.export_dialog"):
            return
        from reader.tui.export_dialog import ExportDialog

        self.detail.editor.flush()
        filter_ids = list(self.browse.hits or []) if self.query_text else None
        self.app.push_screen(ExportDialog(self.library, filter_ids, query=self.query_text or None))

    def action_fetch(self) -> None:
        """Fetch the latest daily papers in a thread; the list follows when they arrive."""
        if self._fetching or not has_module("reader.fetch"):
            return
        self.detail.editor.flush()
        self._fetching = True
        self._fetch_cancel = threading.Event()
        self.sync_bindings()
        self.app.notify("Fetching the latest daily papers… (escape cancels)", markup=False, timeout=3)
        try:
            followed = self.library.followed()
        except StoreError:
            followed = []  # a damaged settings file: `reader follow` says so; fetch Hugging Face
        self.fetch_worker(followed, self._fetch_cancel)

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False, description="fetch")
    def fetch_worker(self, categories: list[str], cancel: threading.Event) -> None:
        """Download and parse the latest day and the followed arXiv categories off the UI thread
        (no library access), then post what came back; `on_fetch_landed` merges it on the UI
        thread. Escape sets `cancel`: the request ends at once and nothing is merged."""
        from reader.fetch import FetchCancelled, Fetcher

        def progress(message: str) -> None:
            self.post_message(WorkerSays(safe.plain(str(message))))

        try:
            fetched = Fetcher(progress=progress, cancel=cancel).daily(categories)
        except FetchCancelled:
            self.post_message(FetchLanded(None, None))
            return
        except Exception as exc:  # FetchError, anything: the session goes on
            self.post_message(FetchLanded(None, safe.plain(str(exc)) or type(exc).__name__))
            return
        self.post_message(FetchLanded(fetched, None))

    def on_fetch_landed(self, message: FetchLanded) -> None:
        """Merge what a fetch brought into the library (here, on the UI thread) and show it."""
        message.stop()
        self._fetching = False
        error = message.error
        if (message.fetched is None and error is None) or (self._fetch_cancel and self._fetch_cancel.is_set()):
            self.app.notify("Fetch cancelled: nothing changed", markup=False, timeout=4)
            self.sync_bindings()
            return
        summary = ""
        if message.fetched is not None:
            fetched = message.fetched
            try:
                result = self.library.import_groups(fetched.groups) if fetched.papers else None
                summary = fetched.report(result).summary()
            except Exception as exc:  # StoreError, anything: the session goes on
                error = safe.plain(str(exc)) or type(exc).__name__
        if error is not None:
            self.app.notify(error, title="Fetch failed", severity="error", markup=False, timeout=8)
            self.sync_bindings()
            return
        self.browse.latest_day()
        self.app.notify(safe.plain(summary or "fetched"), title="Fetched", markup=False, timeout=5)

    async def run_from_palette(self, action: str) -> None:
        """Run a palette command as its key would: from the list (leaving the editor or filter)."""
        if isinstance(self.focused, Input | TextArea):
            self.focus_list()
        await self.run_action(action)

    def go_to_paper(self, paper_id: str) -> None:
        """Put the cursor on a paper, switching to all papers if the list does not hold it."""
        if paper_id not in self.active_list.ids:
            self.set_view(next(view for view in VIEWS if view.name == "all"))
        self.active_list.select_id(paper_id)
        self.focus_list()

    def action_scroll_detail(self, pages: int) -> None:
        """Page the detail pane without leaving the list."""
        scroller = self.detail.scroller
        step = pages * max(scroller.size.height - 1, 1)
        scroller.scroll_to(y=scroller.scroll_target_y + step, animate=False, immediate=True)


def is_web_address(url: str) -> bool:
    """True for a plain http(s) address: nothing else goes to the browser or the clipboard."""
    return url.lower().startswith(("https://", "http://")) and safe.plain(url) == url and " " not in url


def has_module(name: str) -> bool:
    """True when a module another part of the project provides is installed."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _same_content(shown: Content, new: Content) -> bool:
    """The same text with the same styles (`Content.__eq__` compares the text only)."""
    return shown.plain == new.plain and shown.spans == new.spans


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


def _papers(count: int) -> str:
    return f"{count} paper" + ("" if count == 1 else "s")
