"""The backlog in the app: seen, snooze (`z`), the reading cap, review (`W`), stats (`S`).

`BacklogActions` is mixed into the papers screen. Like the screen's own actions, they change
the library (which records every change for undo itself) and tell the browse model where the
cursor goes; the screen renders. The dialogs here only return what the user chose. The rules
live in `reader.backlog`, `reader.catchup` and `reader.stats`, and the catch-up view (`1`) in
`reader.browse` (no Textual there).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader import backlog
from reader.browse import After, Landing
from reader.catchup import day_name, unseen_count
from reader.library import Change, Library
from reader.models import Status
from reader.resources import bundled
from reader.tui import safe

if TYPE_CHECKING:
    from reader.tui.papers_screen import PapersScreen

BACKLOG_CSS = str(bundled("styles") / "backlog.tcss")

SEEN_DELAY = 1.0
"""Seconds the cursor must rest on a paper before it counts as seen."""
SEEN_FLUSH_SECONDS = 20.0
"""Seen papers are written in one batch this often (and when the app closes)."""
SEEN_BATCH = 50
"""...or as soon as this many are waiting."""

BACKLOG_BINDINGS: list[BindingType] = [
    Binding("z", "snooze", "Snooze", show=False, tooltip="Snooze the paper: back in the inbox on a later day"),
    Binding("W", "review", "Review", show=False, tooltip="Weekly review: walk the stale to-read papers"),
    Binding("S", "stats", "Stats", show=False, tooltip="Reading statistics with charts"),
]


def _short_day(day: date) -> str:
    return f"{day:%a} {day_name(day.isoformat())}"


class BacklogActions:
    """The papers screen's backlog actions (a mixin: `self` is the `PapersScreen`)."""

    _seen_pending: set[str]
    _seen_timer: Timer | None
    _seen_interval: Timer | None
    new_since_last: int

    def _screen(self) -> PapersScreen:
        return cast("PapersScreen", self)

    def init_backlog(self) -> None:
        self._seen_pending = set()
        self._seen_timer = None
        self._seen_interval = None
        self.new_since_last = unseen_count(self._screen().library)
        """Untriaged papers never highlighted before this session (fixed at start)."""

    # -- catch-up ------------------------------------------------------------------------------

    def new_since_part(self) -> list[str | tuple[str, str]]:
        """The top line's `N new since last session` (nothing when there are none)."""
        screen = self._screen()
        if not screen.new_since_last:
            return []
        return [" · ", (f"{screen.new_since_last} new since last session", "bold $accent")]

    # -- seen ----------------------------------------------------------------------------------

    def seen_later(self, paper_id: str | None) -> None:
        """The cursor moved: the paper counts as seen if it stays there `SEEN_DELAY` seconds."""
        screen = self._screen()
        if screen._seen_timer is not None:
            screen._seen_timer.stop()
            screen._seen_timer = None
        state = screen.library.states.get(paper_id) if paper_id else None
        if paper_id is None or (state is not None and state.seen_at is not None):
            return
        if screen._seen_interval is None:
            screen._seen_interval = screen.set_interval(SEEN_FLUSH_SECONDS, screen.flush_seen)
        if SEEN_DELAY > 0:
            screen._seen_timer = screen.set_timer(SEEN_DELAY, lambda: screen._rested(paper_id))
        else:  # no delay (tests): seen as soon as the cursor lands
            screen.call_later(screen._rested, paper_id)

    def _rested(self, paper_id: str) -> None:
        screen = self._screen()
        screen._seen_timer = None
        if paper_id == screen.current_id:
            screen._seen_pending.add(paper_id)
            if len(screen._seen_pending) >= SEEN_BATCH:
                screen.flush_seen()

    def flush_seen(self) -> None:
        """Write the papers seen since the last flush (one durable write; not an undo step)."""
        screen = self._screen()
        if not screen._seen_pending or screen.library.readonly:
            return
        pending, screen._seen_pending = screen._seen_pending, set()
        screen._guard(lambda: screen.library.mark_seen(sorted(pending)), None)

    # -- snooze ---------------------------------------------------------------------------------

    def action_snooze(self) -> None:
        """Snooze the highlighted paper (a dialog asks until when)."""
        screen = self._screen()
        paper_list = screen.active_list
        pid = paper_list.current_id
        if pid is None:
            return
        screen.detail.editor.flush()

        def chosen(until: date | None) -> None:
            if until is None:
                return
            screen.apply_change(pid, lambda: screen.library.snooze(pid, until))

        screen.app.push_screen(SnoozeDialog(screen.library.paper(pid).title, backlog.today()), chosen)

    def apply_change(self, pid: str, write: Callable[[], list[Change]]) -> None:
        """Make a change to the highlighted paper (the library records it for undo) and move on,
        as triage does."""
        screen = self._screen()
        paper_list = screen.active_list
        ids = paper_list.ids
        index = ids.index(pid) if pid in ids else paper_list.cursor
        following = ids[index + 1] if index + 1 < len(ids) else None
        if screen._guard(write, None) is None:
            return
        screen.browse.changed(Landing(after=After(pid, index, following)))

    # -- the reading cap -------------------------------------------------------------------------

    def reading_full(self, pids: list[str]) -> bool:
        """True when moving `pids` to reading would pass its cap: for one paper a dialog asks
        which reading paper to park, for several (marked) a notification says so."""
        screen = self._screen()
        try:
            cap = backlog.reading_cap()
        except backlog.SettingError as exc:
            screen.app.notify(safe.plain(str(exc)), severity="warning", markup=False, timeout=5)
            return False
        reading = screen.library.ids(status=Status.READING)
        if not backlog.over_cap(reading, pids, cap):
            return False
        if len(pids) != 1:
            screen.app.notify(
                f"Reading is capped at {cap}: finish or park some before moving {len(pids)} papers",
                markup=False,
                timeout=4,
            )
            return True
        pid = pids[0]

        def parked(choice: str | None) -> None:
            if choice is None:
                return
            # two undo steps, as on the command line: the park, then the move
            if screen._guard(lambda: screen.library.set_status(choice, Status.TO_READ), None) is None:
                return
            if screen.active_list.current_id == pid:
                screen.action_status(Status.READING.value)
            else:
                screen.apply_change(pid, lambda: screen.library.set_status(pid, Status.READING))

        screen.app.push_screen(ParkDialog(screen.library, reading, cap or 0), parked)
        return True

    # -- review and stats -------------------------------------------------------------------------

    def action_review(self) -> None:
        """The weekly review of stale to-read papers."""
        screen = self._screen()
        screen.detail.editor.flush()
        now = backlog.today()
        try:
            limit = backlog.stale_days()
        except backlog.SettingError as exc:
            screen.app.notify(safe.plain(str(exc)), severity="warning", markup=False, timeout=5)
            return
        ids = backlog.stale_ids(screen.library.states, screen.library.sort_key, now, limit)
        if not ids:
            screen.app.notify(f"Nothing stale: no paper has been in to-read for more than {limit} days", markup=False)
            return

        def done(summary: str | None) -> None:
            screen.browse.changed(Landing(keep=screen.current_id))
            if summary:
                screen.app.notify(summary, title="Review", markup=False, timeout=5)

        screen.app.push_screen(ReviewScreen(screen, ids, now, limit), done)

    def action_stats(self) -> None:
        """The stats screen."""
        screen = self._screen()
        from reader.tui.stats_screen import StatsScreen

        screen.detail.editor.flush()
        screen.app.push_screen(StatsScreen(screen.library))


# -- dialogs ------------------------------------------------------------------------------------


class SnoozeDialog(ModalScreen[date | None]):
    """Until when: tomorrow, next week, or a typed day (`YYYY-MM-DD`, `+3d`, `+2w`)."""

    CSS_PATH = BACKLOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", tooltip="Do not snooze")]

    def __init__(self, title: str, today: date) -> None:
        super().__init__(id="snooze-dialog")
        self.paper_title = title
        self.today = today

    def compose(self) -> ComposeResult:
        tomorrow = backlog.parse_until("tomorrow", self.today)
        week = backlog.parse_until("next-week", self.today)
        with Vertical(id="snooze-box", classes="backlog-box"):
            yield Static(safe.literal(self.paper_title, "bold"), markup=False, classes="backlog-paper")
            yield OptionList(
                Option(Content(f"Tomorrow   {_short_day(tomorrow)}"), id="tomorrow"),
                Option(Content(f"Next week  {_short_day(week)}"), id="next-week"),
                Option(Content("A day…"), id="day"),
                id="snooze-options",
                markup=False,
            )
            yield Input(placeholder="YYYY-MM-DD, +3d or +2w, then enter", id="snooze-day")
            yield Static(Content(""), id="snooze-error", markup=False)
            yield Static(Content("enter chooses · escape cancels"), classes="backlog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#snooze-box").border_title = Content("snooze until")
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "day":
            self.query_one(Input).focus()
            return
        self.dismiss(backlog.parse_until(event.option.id or "tomorrow", self.today))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(backlog.parse_until(event.value, self.today))
        except backlog.SettingError as exc:
            self.query_one("#snooze-error", Static).update(safe.literal(str(exc), "$text-error"))

    def action_cancel(self) -> None:
        """Close without snoozing."""
        self.dismiss(None)


class ParkDialog(ModalScreen[str | None]):
    """Reading is at its cap: which reading paper goes back to to-read?"""

    CSS_PATH = BACKLOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", tooltip="Keep reading as it is")]

    def __init__(self, library: Library, reading: list[str], cap: int) -> None:
        super().__init__(id="park-dialog")
        self.library = library
        self.reading = reading
        self.cap = cap

    def compose(self) -> ComposeResult:
        with Vertical(id="park-box", classes="backlog-box"):
            yield Static(Content(f"Reading is capped at {self.cap}. Park one in to-read to make room:"), markup=False)
            yield OptionList(
                *(Option(safe.literal(self.library.paper(pid).title), id=pid) for pid in self.reading),
                id="park-options",
                markup=False,
            )
            yield Static(Content("enter parks it · escape cancels"), classes="backlog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#park-box").border_title = Content("reading is full")
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close; nothing moves."""
        self.dismiss(None)


REVIEW_ANSWERS = {"keep": "kept", "read": "to reading", "skip": "skipped", "snooze": "snoozed a week"}


class ReviewScreen(ModalScreen[str | None]):
    """One stale paper at a time: `k` keep, `r` read now, `s` skip, `z` snooze a week; escape ends.

    Every answer is saved at once and is one undo step in the papers screen.
    """

    CSS_PATH = BACKLOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "answer('keep')", "Keep", tooltip="Keep it in to-read (its stale clock restarts)"),
        Binding("r", "answer('read')", "Read now", tooltip="Move it to reading"),
        Binding("s", "answer('skip')", "Skip", tooltip="Skip it"),
        Binding("z", "answer('snooze')", "Snooze", tooltip="Snooze it for a week"),
        Binding("escape", "finish", "End review", tooltip="End the review (answers are saved)"),
    ]

    def __init__(self, screen: PapersScreen, ids: list[str], today: date, limit: int) -> None:
        super().__init__(id="review-screen")
        self.papers_screen = screen
        self.ids = ids
        self.today = today
        self.limit = limit
        self.position = 0
        self.tally: dict[str, int] = dict.fromkeys(REVIEW_ANSWERS, 0)

    def compose(self) -> ComposeResult:
        with Vertical(id="review-box", classes="backlog-box"):
            yield Static(Content(""), id="review-count", markup=False)
            yield Static(Content(""), id="review-paper", markup=False)
            yield Static(
                Content("k keep · r read now · s skip · z snooze a week · escape ends"),
                classes="backlog-help",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#review-box").border_title = Content(f"review · to-read for more than {self.limit} days")
        self.show_paper()

    @property
    def current(self) -> str:
        return self.ids[self.position]

    def show_paper(self) -> None:
        library = self.papers_screen.library
        pid = self.current
        paper, state = library.paper(pid), library.state(pid)
        age = backlog.age_days(state, self.today)
        self.query_one("#review-count", Static).update(
            Content.assemble((f"{self.position + 1} of {len(self.ids)}", "bold"), f" · {age}d in to-read")
        )
        authors = ", ".join(paper.authors[:6]) + (" …" if len(paper.authors) > 6 else "")
        self.query_one("#review-paper", Static).update(
            safe.assemble(
                safe.literal(paper.title, "bold $text-primary"), "\n", safe.literal(authors, "italic"), "\n", pid
            )
        )

    def action_answer(self, answer: str) -> None:
        """Answer for the paper on screen and go to the next one."""
        screen = self.papers_screen
        library = screen.library
        pid = self.current
        write: Callable[[], list[Change]]
        if answer == "keep":
            write = lambda: library.keep(pid)  # noqa: E731
        elif answer == "read":
            try:
                cap = backlog.reading_cap()
            except backlog.SettingError:
                cap = None
            if backlog.over_cap(library.ids(status=Status.READING), [pid], cap):
                self.app.notify(f"Reading is full ({cap}): finish or park one first", markup=False, timeout=4)
                return
            write = lambda: library.set_status(pid, Status.READING)  # noqa: E731
        elif answer == "skip":
            write = lambda: library.set_status(pid, Status.SKIPPED)  # noqa: E731
        else:
            write = lambda: library.snooze(pid, backlog.parse_until("next-week", self.today))  # noqa: E731
        if screen._guard(write, None) is None:  # the library records each answer as an undo step
            return
        self.tally[answer] += 1
        self.position += 1
        if self.position >= len(self.ids):
            self.action_finish()
        else:
            self.show_paper()

    def action_finish(self) -> None:
        """End the review."""
        said = [f"{count} {REVIEW_ANSWERS[name]}" for name, count in self.tally.items() if count]
        self.dismiss(", ".join(said) if said else None)
