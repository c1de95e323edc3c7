"""`PaperList`: a virtual list of papers on Textual's Line API, one line per paper.

Only the visible lines are ever drawn (`render_line`), and a refill is a list copy, so the
list fills 100k rows in milliseconds where `ListView`, `OptionList` and `DataTable` take
seconds (see the design notes, "The list widget"). The papers screen uses one list; the
board uses one per column (`compact=True`).

Every piece of paper or user text is cleaned with `reader.tui.safe.plain` and drawn as
segment text, never parsed as markup.

Keys:

| Key | Action |
| :- | :- |
| `j` / `down` | cursor down |
| `k` / `up` | cursor up |
| `g` / `home` | first paper |
| `G` / `end` | last paper |
| `pageup` / `pagedown` | cursor up / down one page |
| `enter` | select the paper under the cursor (posts `PaperList.Selected`) |

Mouse: a click moves the cursor to the row (posting `Highlighted`); a double click, or a
click on the row already under the cursor of a focused list, posts `Selected` (a click that
only focuses the list does not); the wheel scrolls.
"""

from __future__ import annotations

import contextlib
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import ClassVar

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from reader import backlog
from reader.foryou import score_bar
from reader.library import Library
from reader.marks import STATUS_MARKS, row_mark, update_mark
from reader.models import PaperHead, Status
from reader.text import day_label
from reader.tui.safe import plain

__all__ = ["MARK", "NOTES_MARK", "STATUS_MARKS", "PaperList"]

NOTES_MARK = "✎"
"""Drawn after the status mark on the rows of papers that have notes."""

_LEAD = 5
"""Cells before the title: the `m` mark (or a margin), the status mark, a space, the notes mark, a space."""

_DAY_WIDTH = 6
"""Cells of the day column (`Jul 31`)."""
_VOTES_WIDTH = 5
"""Cells of the upvotes column (`▲1234`); bigger counts widen it for their row."""
_MIN_TITLE = 16
"""Metadata is dropped (tags first, then upvotes, then the day) before the title gets narrower."""
_MAX_TAGS = 32
"""At most this many cells of tags in a row."""
_ELLIPSIS = "…"

# The roles of the pieces of a row; each maps to a component class (see `_ROLE_CLASSES`).
_TITLE = "title"
_MATCH = "match"
_META = "meta"
_TAGS = "tags"
_NOTES = "notes"
_EMPTY = "empty"
_MARK = "mark"
_HEADER = "header"
_AGE = "age"
_ROLES = ("", _TITLE, _MATCH, _META, _TAGS, _NOTES, _EMPTY, _MARK, _HEADER, _AGE)
"""Every piece of a row that has its own style (`paper-list--<role>`; "" is the row itself)."""
_AGED = frozenset({Status.TO_READ, Status.READING})

MARK = "✓"
"""Drawn in the first cell of a marked paper's row (`m`); unmarked rows have a space there."""


_DAY_LABELS: dict[str, str] = {}
"""`_format_day` results: a library has few distinct days."""


def _format_day(day: str | None) -> str:
    """`2025-07-31` as `Jul 31` (locale independent); anything unparsable is cleaned and cut."""
    if not day:
        return ""
    if (text := _DAY_LABELS.get(day)) is None:
        text = _DAY_LABELS[day] = day_label(day, year=False, pad=True) or _truncate(plain(day), _DAY_WIDTH)
    return text


def _cut(text: str, cells: int) -> tuple[int, int]:
    """How many leading characters of `text` fit in `cells` cells, and the cells they take."""
    used = 0
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if used + size > cells:
            return index, used
        used += size
    return len(text), used


def _fit(text: str, cells: int) -> tuple[int, bool, int]:
    """Fit `text` into `cells` cells: (characters kept, whether `…` follows, padding cells).

    Widths are terminal cells (CJK and most emoji take two), so a row never overflows.
    """
    if cells <= 0:
        return 0, False, 0
    keep, used = _cut(text, cells)
    if keep == len(text):
        return keep, False, cells - used
    keep, used = _cut(text, cells - 1)
    return keep, True, cells - 1 - used


def _truncate(text: str, cells: int) -> str:
    """`text` cut to at most `cells` cells, with `…` when cut."""
    keep, ellipsis, _pad = _fit(text, cells)
    return text[:keep] + (_ELLIPSIS if ellipsis else "")


def _merge(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Spans clamped to `[0, length)`, sorted, overlaps joined, empty ones dropped."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class PaperList(ScrollView, can_focus=True):
    """A keyboard-first virtual list of papers, one line each, drawn from a `Library`.

    The parent gives it ids with `set_ids` (and calls `refresh_ids` when papers changed);
    the list reports the cursor with `Highlighted` and the user's choice with `Selected`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="paper-list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="paper-list.up"),
        Binding("g,home", "first", "First", show=False, tooltip="Go to the first paper", id="paper-list.first"),
        Binding("G,end", "last", "Last", show=False, tooltip="Go to the last paper", id="paper-list.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="paper-list.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="paper-list.page-down"),
        Binding("enter", "select", "Open", tooltip="Open the paper under the cursor", id="paper-list.select"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | j, down | Move the cursor down. |
    | k, up | Move the cursor up. |
    | g, home | Move the cursor to the first paper. |
    | G, end | Move the cursor to the last paper. |
    | pageup | Move the cursor up one page. |
    | pagedown | Move the cursor down one page. |
    | enter | Select the paper under the cursor. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--cursor-meta",
        "paper-list--title",
        "paper-list--match",
        "paper-list--meta",
        "paper-list--tags",
        "paper-list--notes",
        "paper-list--empty",
        "paper-list--mark",
        "paper-list--header",
        "paper-list--age",
        *(f"paper-list--status-{status.value}" for status in Status),
    }
    """
    | Class | Description |
    | :- | :- |
    | `paper-list--cursor` | The row under the cursor (style `PaperList:focus > .paper-list--cursor` for focus). |
    | `paper-list--cursor-meta` | The day, upvotes and tags on the cursor row (over their own style). |
    | `paper-list--title` | The title. |
    | `paper-list--match` | The parts of the title that match the filter. |
    | `paper-list--meta` | The featured day and the upvotes. |
    | `paper-list--tags` | The tags. |
    | `paper-list--notes` | The `✎` of a paper with notes. |
    | `paper-list--empty` | The message shown when the list has no rows. |
    | `paper-list--mark` | The mark of a marked paper. |
    | `paper-list--header` | A separator row before a group of papers (catch-up days). |
    | `paper-list--age` | The age of a to-read or reading paper (`12d`). |
    | `paper-list--status-<status>` | The status mark (`inbox`, `to-read`...), coloured by the app's stylesheet. |
    """

    DEFAULT_CSS = """
    PaperList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        & > .paper-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .paper-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .paper-list--cursor-meta { color: $block-cursor-foreground 85%; }
        & > .paper-list--match { text-style: bold underline; }
        & > .paper-list--meta { color: $text-muted; }
        & > .paper-list--tags { color: $text-secondary; }
        & > .paper-list--notes { color: $text-accent; }
        & > .paper-list--empty { color: $text-muted; text-style: italic; }
        & > .paper-list--mark { color: $text-accent; text-style: bold; }
        & > .paper-list--header { color: $text-secondary; text-style: bold; }
        & > .paper-list--age { color: $text-warning; }
    }
    """

    class _ListMessage(Message):
        """A message about one list; `control` lets `@on(..., "#papers")` select by list id."""

        list: PaperList

        @property
        def control(self) -> PaperList:
            return self.list

        @property
        def paper_list(self) -> PaperList:
            """The list (an alias of `list` that does not shadow the builtin in handlers)."""
            return self.list

    class Highlighted(_ListMessage):
        """The cursor moved to another paper (posted only when the paper id changes)."""

        def __init__(self, paper_list: PaperList, paper_id: str | None) -> None:
            super().__init__()
            self.list = paper_list
            """The list whose cursor moved."""
            self.paper_id = paper_id
            """The paper under the cursor, or None when the list is empty."""

        def can_replace(self, message: Message) -> bool:
            """A newer cursor move of the same list supersedes this one (holding `j` stays cheap)."""
            return isinstance(message, PaperList.Highlighted) and message.list is self.list

    class Selected(_ListMessage):
        """The user chose a paper: enter, a double click, or a click on the cursor row."""

        def __init__(self, paper_list: PaperList, paper_id: str) -> None:
            super().__init__()
            self.list = paper_list
            """The list the paper was chosen in."""
            self.paper_id = paper_id
            """The chosen paper."""

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """The row under the cursor (0 when the list is empty); setting it is clamped."""

    empty_message: reactive[str] = reactive("No papers")
    """Shown (literally, cleaned) when the list has no rows."""

    def __init__(
        self,
        library: Library,
        *,
        compact: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """A list over `library`; `compact` rows (board columns) show marks, two lines of title and tags."""
        super().__init__(name=name, id=id, classes=classes)
        self.library = library
        """Where the rows' papers and states come from."""
        self.compact = compact
        """Show only the marks, the title (on two lines) and tags."""
        self.row_lines = 2 if compact else 1
        """Lines per paper: a board card wraps its title onto a second line."""
        self._ids: tuple[str, ...] = ()
        """The rows' ids (a tuple: handed over as they are, never copied while they stay the same)."""
        self._spans: Mapping[str, Sequence[tuple[int, int]]] = {}
        self._marks: Collection[str] = ()
        self.score_of: Callable[[str], float | None] | None = None
        """The "for you" score of a paper, drawn as a bar before its upvotes (set while that
        order is shown; None otherwise)."""
        self._posted_id: str | None = None
        self._generation = 0
        """Bumped when every row must be drawn again (new ids, all rows changed)."""
        self._versions: dict[str, int] = {}
        """Bumped per paper by `refresh_ids`, so only its cached strips go stale."""
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._palette: dict[tuple[bool, str], RichStyle] = {}
        self._status_styles: dict[Status, Style] = {}
        """`status_style` results (the top line asks for each status at every key), until the styles change."""
        self._signatures: dict[bool, int] = {}
        self._focused_at_press = False
        self._headers: dict[int, str] = {}
        """Paper index -> the label of the separator row drawn before it."""
        self._header_rows: list[int] = []
        """The display rows of the separators, ascending."""
        self._today = backlog.today()
        """The day ages count to (read again at every `set_ids`)."""
        self._filled: tuple[object, ...] | None = None
        """What the rows were last drawn from besides the ids and spans (library version, marks,
        separators, scores, today): `set_ids` with all of it unchanged repaints nothing."""

    # -- the public interface ----------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        """The ids of the rows, in order (a copy: change rows with `set_ids`)."""
        return list(self._ids)

    @property
    def row_count(self) -> int:
        """How many rows the list has."""
        return len(self._ids)

    @property
    def current_id(self) -> str | None:
        """The id of the paper under the cursor, or None when the list is empty."""
        if not self._ids:
            return None
        return self._ids[min(self.cursor, len(self._ids) - 1)]

    def set_ids(
        self,
        ids: Sequence[str],
        *,
        keep: str | None = None,
        spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        marks: Collection[str] | None = None,
        headers: Mapping[int, str] | None = None,
    ) -> None:
        """Replace the rows.

        `headers` maps a paper's index to the label of a separator row drawn before it (catch-up
        days); separators are not papers: the cursor and `ids` never see them.

        The cursor goes to `keep` when it is among the new ids, else stays at the same index
        (clamped). `spans` gives the title ranges to highlight per id (character offsets into
        the title); it is kept, not copied, so hand over a fresh mapping rather than mutating
        it later. `marks` are the ids drawn with a mark (✓) before the status (kept, not
        copied, too). Posts `Highlighted` if the paper under the cursor changed.

        When the ids, the library's version and all of the above are as at the last call (the
        list shown again after the board; `spans` the same object), nothing is repainted: only
        the cursor may move. `score_of` counts too, so set a new callable when the scores change.
        """
        spans = spans if spans is not None else {}
        marks = marks if marks is not None else ()
        today = backlog.today()
        filled = (self.library.version, frozenset(marks), dict(headers or {}), self.score_of, today)
        # spans by identity (a search's highlights are worked out as read: comparing them by
        # value would work them all out), or both empty
        same_spans = spans is self._spans or (not spans and not self._spans)
        ids = ids if isinstance(ids, tuple) else tuple(ids)
        if self._filled == filled and same_spans and (ids is self._ids or ids == self._ids):
            # The same rows as drawn (showing the list again after the board): no repaint; only
            # the cursor may move.
            self._move_to(keep)
            return
        self._filled = filled
        self._ids = ids
        self._spans = spans
        self._marks = marks
        self._headers = {n: label for n, label in sorted((headers or {}).items()) if 0 <= n < len(self._ids)}
        self._header_rows = [n + k for k, n in enumerate(self._headers)]
        self._today = today
        # No new generation: cached rows are keyed by what they show (`_row_inputs`).
        self.virtual_size = Size(0, (len(self._ids) + len(self._headers)) * self.row_lines)
        self._move_to(keep)
        self.refresh()

    def _move_to(self, keep: str | None) -> None:
        """The cursor on `keep` if it is a row, else at the same index (clamped)."""
        index = self.cursor
        if keep is not None:
            with contextlib.suppress(ValueError):
                index = self._ids.index(keep)
        index = self.validate_cursor(index)
        if index != self.cursor:
            self.cursor = index  # the watcher scrolls and posts
        else:
            self._cursor_moved()

    def move_cursor(self, index: int) -> None:
        """Move the cursor to row `index` (clamped) and keep it visible."""
        self.cursor = index

    def select_id(self, paper_id: str) -> bool:
        """Move the cursor to the paper; False (and no move) if it is not in the list."""
        try:
            index = self._ids.index(paper_id)
        except ValueError:
            return False
        self.cursor = index
        return True

    def refresh_ids(self, ids: Iterable[str] | None = None) -> None:
        """The state of these papers changed (status, tags, metadata): draw their rows again.

        With no ids, every row is drawn again. A single id may be given as a string.
        """
        if isinstance(ids, str):
            ids = [ids]
        if ids is None:
            self._generation += 1
            self.refresh()
            return
        changed = set(ids)
        for pid in changed:
            self._versions[pid] = self._versions.get(pid, 0) + 1
        lines = self.row_lines
        top = self.scroll_offset.y // lines
        for slot in range(
            top, min(len(self._ids) + len(self._headers), top + self.scrollable_content_region.height // lines + 2)
        ):
            index = self._paper_at(slot)
            if index is not None and self._ids[index] in changed:
                self._refresh_slot(slot)

    # -- separator rows -----------------------------------------------------------------------

    def _display_row(self, index: int) -> int:
        """The display slot of the paper at `index` (separators push papers down); `row_lines` lines each."""
        if not self._header_rows:
            return index
        return index + bisect_right(list(self._headers), index)

    def _paper_at(self, row: int) -> int | None:
        """The index of the paper drawn in display slot `row`, or None (a separator, or past the end)."""
        if self._header_rows:
            before = bisect_right(self._header_rows, row)
            if before and self._header_rows[before - 1] == row:
                return None
            row -= before
        return row if 0 <= row < len(self._ids) else None

    # -- the cursor ---------------------------------------------------------------------------

    def validate_cursor(self, index: int) -> int:
        """Clamp the cursor to the rows."""
        return max(0, min(index, len(self._ids) - 1))

    def _refresh_row(self, row: int) -> None:
        """Repaint the paper at index `row`."""
        self._refresh_slot(self._display_row(row))

    def _refresh_slot(self, slot: int) -> None:
        for line in range(slot * self.row_lines, (slot + 1) * self.row_lines):
            self.refresh_line(line)

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._cursor_moved()

    def _cursor_moved(self) -> None:
        """Keep the cursor visible and say so if the paper under it changed."""
        self._scroll_to_cursor()
        current = self.current_id
        if current != self._posted_id:
            self._posted_id = current
            self.post_message(self.Highlighted(self, current))

    def _scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows the cursor row."""
        height = self.scrollable_content_region.height
        if not self._ids or height <= 0:
            return
        top = self.scroll_offset.y
        slot = self._display_row(self.cursor)
        first = (slot - 1 if self.cursor in self._headers else slot) * self.row_lines  # the day's separator too
        last = (slot + 1) * self.row_lines - 1
        if first < top:
            target = first
        elif last >= top + height:
            target = last - height + 1
        else:
            return
        self.scroll_to(y=target, animate=False, force=True, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        # The drawn rows stay cached: their key holds the width (a list shown again after the
        # board, at the same size, draws from the cache).
        self.call_after_refresh(self._scroll_to_cursor)

    def on_mount(self) -> None:
        self.call_after_refresh(self._scroll_to_cursor)

    # -- actions ------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        """Move the cursor down one row."""
        self.cursor += 1

    def action_cursor_up(self) -> None:
        """Move the cursor up one row."""
        self.cursor -= 1

    def action_first(self) -> None:
        """Move the cursor to the first row."""
        self.cursor = 0

    def action_last(self) -> None:
        """Move the cursor to the last row."""
        self.cursor = len(self._ids) - 1

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // self.row_lines - 1)

    def action_page_down(self) -> None:
        """Move the cursor down one page."""
        self.cursor += self._page()

    def action_page_up(self) -> None:
        """Move the cursor up one page."""
        self.cursor -= self._page()

    def action_select(self) -> None:
        """Post `Selected` for the paper under the cursor."""
        if (current := self.current_id) is not None:
            self.post_message(self.Selected(self, current))

    # -- mouse --------------------------------------------------------------------------------

    def focus_on_click(self) -> bool:
        # Textual asks this on mouse down, before it moves the focus: remember whether the
        # list had it, so that a click that only focuses the list (a board column) never opens.
        self._focused_at_press = self.has_focus
        return super().focus_on_click()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = self._paper_at((self.scroll_offset.y + offset.y) // self.row_lines)
        if row is None:
            return
        event.stop()
        on_cursor = row == self.cursor
        self.cursor = row
        if event.chain > 1 or (on_cursor and self._focused_at_press):
            self.action_select()

    # -- drawing ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        # Rows are drawn again only where their styles changed: each row's cache key holds the
        # signature of the styles it is drawn with (`_signature`), so a focus change (the cursor
        # row's style) redraws the cursor row, not the whole list; a theme change redraws all.
        # (The component styles are replaced after this call: they are looked up at the next paint.)
        self._palette = {}
        self._signatures = {}
        self._status_styles = {}
        super().notify_style_update()

    def status_style(self, status: Status) -> Style:
        """How a status looks wherever the app names it: its `paper-list--status-*` rule, the
        one definition of the status colours (styles/app.tcss)."""
        if (style := self._status_styles.get(status)) is None:
            style = self.get_visual_style(f"paper-list--status-{status.value}", partial=True)
            self._status_styles[status] = style
        return style

    def _style(self, cursor: bool, role: str) -> RichStyle:
        """The Rich style of a piece of a row (its component class over the row's class)."""
        key = (cursor, role)
        if (style := self._palette.get(key)) is None:
            classes = ["paper-list--cursor"] if cursor else []
            if role:
                classes.append(f"paper-list--{role}")
            if cursor and role in (_META, _TAGS):
                classes.append("paper-list--cursor-meta")  # muted colours are unreadable on the cursor
            style = self._palette[key] = self.get_visual_style(*classes).rich_style
        return style

    def _signature(self, cursor: bool) -> int:
        """One number for every style a row (the cursor row: `cursor`) is drawn with."""
        found = self._signatures.get(cursor)
        if found is None:
            roles = (*_ROLES, *(f"status-{status.value}" for status in Status))
            found = self._signatures[cursor] = hash(tuple(self._style(cursor, role) for role in roles))
        return found

    def render_line(self, y: int) -> Strip:
        row, part = divmod(self.scroll_offset.y + y, self.row_lines)
        width = self.scrollable_content_region.width
        if not self._ids:
            if y == 0 and (message := plain(self.empty_message)):
                text = " " + _truncate(message, width - 2)
                return Strip([Segment(text, self._style(False, _EMPTY))], cell_len(text)).adjust_cell_length(
                    width, self._style(False, "")
                )
            return Strip.blank(width, self._style(False, ""))
        index = self._paper_at(row)
        if index is None:
            if part == 0 and row < len(self._ids) + len(self._headers) and self._header_rows:
                return self._render_header(row, width)
            return Strip.blank(width, self._style(False, ""))
        row = index
        pid = self._ids[row]
        cursor = row == self.cursor
        key = (
            pid,
            part,
            width,
            cursor,
            self._signature(cursor),
            self._generation,
            self._versions.get(pid, 0),
            *self._row_inputs(pid),
        )
        strip = self._strips.get(key)
        if strip is None:
            if self.row_lines == 1:
                strip = self._render_row(pid, width, cursor)
            else:
                strip = self._render_card_line(pid, width, cursor, part)
            self._strips[key] = strip
        return strip

    def _render_header(self, row: int, width: int) -> Strip:
        """A separator row: `── Jul 31 · 40 left ─────`."""
        index = self._header_rows.index(row)
        label = plain(list(self._headers.values())[index])
        text = _truncate(f" ── {label} ", max(0, width))
        text += "─" * max(0, width - cell_len(text) - 1)
        return Strip([Segment(text, self._style(False, _HEADER))]).adjust_cell_length(width, self._style(False, ""))

    def _age(self, pid: str) -> str:
        """`12d` for a to-read or reading paper, else ""."""
        state = self.library.states.get(pid)
        if state is not None and state.note_conflict:
            return "conflict"  # two machines' notes wait for the user (reader.sync)
        if state is None or state.status not in _AGED:
            return ""
        days = backlog.age_days(state, self._today)
        return "" if days is None else backlog.age_label(days)

    def _row_inputs(self, pid: str) -> tuple[object, ...]:
        """Everything of a paper that its row shows, so a cached row is used only while it holds.

        With these in the cache key a refill (`set_ids`) keeps the rows that did not change:
        after a triage key only the rows that moved under the cursor are drawn again.
        """
        paper = self.library.papers.get(pid)
        state = self.library.state(pid)
        spans = self._spans.get(pid)
        return (
            None if paper is None else (paper.title, paper.latest_day, paper.upvotes, self._mark(paper)),
            state.status,
            bool(state.notes),
            self._age(pid),
            tuple(state.tags),
            tuple(map(tuple, spans)) if spans else (),
            pid in self._marks,
            None if self.score_of is None else self.score_of(pid),
        )

    def _render_row(self, pid: str, width: int, cursor: bool) -> Strip:
        """Draw one paper as one line of exactly `width` cells."""
        base = self._style(cursor, "")
        if width <= 0:
            return Strip.blank(0, base)
        paper = self.library.papers.get(pid)
        state = self.library.state(pid)
        title = plain(paper.title) if paper is not None else f"(unknown paper {plain(pid)})"
        segments = self._lead_segments(pid, state.status, bool(state.notes), cursor)
        room = width - _LEAD - 1  # marks and the margin on the right

        # Metadata on the right: tags, the day, the upvotes (columns dropped when the width is short).
        tags = " ".join(f"#{plain(tag)}" for tag in state.tags)
        day = "" if self.compact or paper is None else _format_day(paper.latest_day)
        votes = ""
        if not self.compact and paper is not None and paper.upvotes is not None:
            votes = f"▲{paper.upvotes}"
        score = None if self.compact or self.score_of is None else self.score_of(pid)
        if score is not None:  # the learned order: a bar of the score before the upvotes
            votes = f"{score_bar(score)} {votes:>{_VOTES_WIDTH - 1}}"
        show_day = show_votes = not self.compact
        age = self._age(pid)

        def meta_width(tag_cells: int, votes_cells: int = _VOTES_WIDTH) -> int:
            cells = 0
            if show_day:
                cells += _DAY_WIDTH
            if show_votes:
                cells += (1 if cells else 0) + votes_cells
            if tag_cells:
                cells += (2 if cells else 0) + tag_cells
            if age:
                cells += (2 if cells else 0) + len(age)
            return cells + (2 if cells else 0)  # the gap after the title

        # The day and upvotes columns depend on the width only, so they line up on every row.
        if show_votes and room - meta_width(0) < _MIN_TITLE:
            show_votes = False
        if show_day and room - meta_width(0) < _MIN_TITLE:
            show_day = False
        votes_cells = max(_VOTES_WIDTH, len(votes)) if show_votes else 0
        # Tags share the rest with the title, which keeps two thirds of it (or what it needs).
        tag_cells = 0
        if tags:
            shared = room - meta_width(0, votes_cells) - 2
            title_cells = cell_len(title) if len(title) < 4 * width else 4 * width
            cap = min(_MAX_TAGS, shared - min(title_cells, max(_MIN_TITLE, shared * 2 // 3)))
            tag_cells = cell_len(tags)
            if tag_cells > cap:
                tag_cells = cap if cap >= 4 else 0

        title_room = max(0, room - meta_width(tag_cells, votes_cells))
        # The source and update mark (`arXiv cs.CL · updated v2`) sits after the title, if it fits.
        mark = plain(self._mark(paper)) if paper is not None else ""
        mark_cells = cell_len(mark) + 2 if mark else 0
        if title_room - mark_cells < _MIN_TITLE:
            mark_cells = 0
        segments.extend(self._title_segments(pid, title, title_room - mark_cells, cursor))
        if mark_cells:
            segments.append(Segment("  " + mark, self._style(cursor, _META)))
        if age or tag_cells or show_day or show_votes:
            segments.append(Segment("  ", base))
        if age:
            segments.append(Segment(age, self._style(cursor, _AGE)))
            if tag_cells or show_day or show_votes:
                segments.append(Segment("  ", base))
        if tag_cells:
            shown = _truncate(tags, tag_cells)
            shown = " " * (tag_cells - cell_len(shown)) + shown  # right-aligned in cells, not characters
            segments.append(Segment(shown, self._style(cursor, _TAGS)))
            if show_day or show_votes:
                segments.append(Segment("  ", base))
        if show_day:
            segments.append(Segment(day.rjust(_DAY_WIDTH), self._style(cursor, _META)))
        if show_votes:
            if show_day:
                segments.append(Segment(" ", base))
            segments.append(Segment(votes.rjust(votes_cells), self._style(cursor, _META)))
        segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)

    def _mark(self, paper: PaperHead) -> str:
        """The row's mark: source and update in full rows, only the update on the board."""
        return update_mark(paper) if self.compact else row_mark(paper)

    def _lead_segments(self, pid: str, status: Status, notes: bool, cursor: bool) -> list[Segment]:
        """The cells before the title: `✓` when marked, the status mark and, with notes, `✎`."""
        base = self._style(cursor, "")
        return [
            Segment(MARK, self._style(cursor, _MARK)) if pid in self._marks else Segment(" ", base),
            Segment(STATUS_MARKS.get(status, "?"), self._style(cursor, f"status-{status.value}")),
            Segment(" ", base),
            Segment(NOTES_MARK, self._style(cursor, _NOTES)) if notes else Segment(" ", base),
            Segment(" ", base),
        ]

    def _render_card_line(self, pid: str, width: int, cursor: bool, part: int) -> Strip:
        """One line of a board card: marks and the title's first line, or the rest of it and the tags."""
        base = self._style(cursor, "")
        if width <= 0:
            return Strip.blank(0, base)
        paper = self.library.papers.get(pid)
        state = self.library.state(pid)
        title = plain(paper.title) if paper is not None else f"(unknown paper {plain(pid)})"
        room = max(0, width - _LEAD - 1)
        mark = plain(self._mark(paper)) if paper is not None else ""
        # the update mark (`updated v2`) ends the first line when it leaves the title room
        mark_cells = cell_len(mark) + 1 if mark and cell_len(mark) + 1 <= room // 2 else 0
        keep, _cells = _cut(title, room - mark_cells)
        if keep < len(title):
            space = title.rfind(" ", 0, keep + 1)
            if space > 0:
                keep = space  # wrap after a word (a first word too long for the line is cut)
        if part == 0:
            segments = self._lead_segments(pid, state.status, bool(state.notes), cursor)
            segments.extend(self._title_segments(pid, title[:keep], room - mark_cells, cursor))
            if mark_cells:
                segments.append(Segment(" " + mark, self._style(cursor, _META)))
            return Strip(segments).adjust_cell_length(width, base)
        start = keep + (len(title[keep:]) - len(title[keep:].lstrip()))
        rest = title[start:]
        tags = " ".join(f"#{plain(tag)}" for tag in state.tags)
        # Tags take what the rest of the title leaves, and at least a third of the line.
        tag_cells = min(cell_len(tags), _MAX_TAGS, max(room - cell_len(rest) - 2, room // 3)) if tags else 0
        if tag_cells < min(4, cell_len(tags)):
            tag_cells = 0  # too little room to show anything useful
        segments = [Segment(" " * _LEAD, base)]
        segments.extend(self._title_segments(pid, rest, room - (tag_cells + 2 if tag_cells else 0), cursor, start))
        if tag_cells:
            segments.append(Segment("  ", base))
            segments.append(Segment(_truncate(tags, tag_cells), self._style(cursor, _TAGS)))
        return Strip(segments).adjust_cell_length(width, base)

    def _title_segments(self, pid: str, title: str, cells: int, cursor: bool, offset: int = 0) -> list[Segment]:
        """The title in `cells` cells: cut with `…`, matches highlighted, padded to fill.

        `title` may be the part of the title from character `offset` on (a card's second line).
        """
        keep, ellipsis, pad = _fit(title, cells)
        normal = self._style(cursor, _TITLE)
        match = self._style(cursor, _MATCH)
        segments: list[Segment] = []
        position = 0
        spans = [(start - offset, end - offset) for start, end in self._spans.get(pid, ())]
        for start, end in _merge(spans, keep):
            if start > position:
                segments.append(Segment(title[position:start], normal))
            segments.append(Segment(title[start:end], match))
            position = end
        if position < keep:
            segments.append(Segment(title[position:keep], normal))
        if ellipsis:
            segments.append(Segment(_ELLIPSIS, normal))
        if pad:
            segments.append(Segment(" " * pad, self._style(cursor, "")))
        return segments
