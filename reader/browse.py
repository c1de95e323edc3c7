"""What the paper list shows, as plain state: view, day, filter, sort, marks and the cursor.

`Browse` is the app's browsing state without Textual. Its inputs change through its methods
(a view, a day, the filter's text and hits, a sort, marks, a library change); `list_ids` and
`column_ids` are the one place that computes what the list and the board show from them,
and `landing` says where the cursor goes after a change. The screen subscribes
(`subscribe`) and renders; it never decides what to show itself.

New views and orders plug in as entries of `VIEWS` and `SORTS`: a view picks papers (a
status, per day or not), a sort orders them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reader.catchup import catch_up, flatten
from reader.foryou import Ranker
from reader.library import Library
from reader.models import PaperHead, Status
from reader.text import day_label

Spans = Mapping[str, Sequence[tuple[int, int]]]
"""Title ranges to highlight, per paper id."""


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
"""The views, in the order of their number keys (1-8) and of `v`. The app opens on catch-up:
every untriaged paper of every day, newest day first, with a separator row per day."""

CATCH_UP = VIEWS[0]
DAY_INBOX = VIEWS[6]

BOARD_STATUSES: tuple[Status, ...] = (Status.TO_READ, Status.READING, Status.DONE)
"""The board's columns, left to right."""


@dataclass(frozen=True, slots=True)
class Sort:
    """An order of the list. `key` None keeps the order the papers come in (the page's order
    for a view, best match first for a filter)."""

    name: str
    label: str
    """How the list's border title names it (`by upvotes`)."""
    key: Callable[[PaperHead], Any] | None = None
    reverse: bool = False
    """Greatest key first; papers with equal keys keep their page order either way."""
    learned: bool = False
    """The order learned from the user's decisions (`reader.foryou`): best first, by its ranker."""


SORTS: tuple[Sort, ...] = (
    Sort("page", "page order"),
    Sort("upvotes", "by upvotes", lambda p: p.upvotes if p.upvotes is not None else -1, reverse=True),
    Sort("published", "newest published", lambda p: p.published or "", reverse=True),
    Sort("title", "by title", lambda p: p.title.casefold()),
    Sort("for-you", "for you", learned=True),
)


def sort_by_name(name: str) -> Sort:
    for sort in SORTS:
        if sort.name == name:
            return sort
    raise ValueError(f"unknown sort {name!r} (choose from {', '.join(s.name for s in SORTS)})")


LEARNED_MAX = 3_000
"""The most papers the app puts in the learned order at once. Ranking reads every paper in full
(abstracts, from their shards) and scores it: a few milliseconds a paper the first time, so the
catch-up of a 100,000-paper library (10,000 untriaged papers) would block a key for seconds.
A longer list keeps the page order and says so; a day or a filter is ranked."""


def sorted_ids(
    library: Library, ids: Sequence[str], sort: Sort, ranker: Ranker | None = None, *, limit: int | None = None
) -> Sequence[str]:
    """`ids` in the order `sort` gives (stable: ties keep the order they came in): a new list,
    or `ids` itself where it is a tuple whose order is kept.

    The learned order needs the `ranker`; without one (not built yet), or for more than `limit`
    papers, the order is kept.
    """
    if sort.learned:
        if ranker is None or ranker.flat or (limit is not None and len(ids) > limit):
            return _kept(ids)
        scores = learned_scores(library, ranker, ids)
        order = sorted(range(len(ids)), key=lambda n: (-round(scores[ids[n]], 9), n))
        return [ids[n] for n in order]
    if sort.key is None:
        return _kept(ids)
    key = sort.key
    papers = library.papers if library.heads_loaded else {pid: library.head(pid) for pid in ids}  # (lazy: a day)
    return sorted(ids, key=lambda pid: key(papers[pid]), reverse=sort.reverse)


def _kept(ids: Sequence[str]) -> Sequence[str]:
    """`ids` in their order: a tuple as it is (nobody changes it), anything else copied."""
    return ids if isinstance(ids, tuple) else list(ids)


def learned_scores(library: Library, ranker: Ranker, ids: Sequence[str]) -> dict[str, float]:
    """The ranker's score of each paper. A paper whose index record (the same object until the
    paper changes) and tags are as when it was last scored keeps its score; only the others are
    read in full (their shards) and scored: showing the list again costs no shard reads."""
    if ranker.flat:  # (no model yet, no watchlist: at start-up, 1,180 papers read for nothing took ~350 ms)
        return dict.fromkeys(ids, ranker.FLAT_SCORE)
    state = library.state
    stamps = {pid: (library.head(pid), tuple(state(pid).tags)) for pid in ids}
    scores: dict[str, float] = {}
    missing: list[str] = []
    for pid in ids:
        known = ranker.known_score(pid, stamps[pid])
        if known is None:
            missing.append(pid)
        else:
            scores[pid] = known
    for paper in library.full_papers(missing) if missing else ():
        stamp = stamps[paper.id]
        scores[paper.id] = score = ranker.score(paper, stamp[1], keep=False)
        ranker.remember(paper.id, stamp, score)
    return scores


def _as_tuple(ids: Sequence[str]) -> tuple[str, ...]:
    return ids if isinstance(ids, tuple) else tuple(ids)


@dataclass(frozen=True, slots=True)
class After:
    """A paper just changed: it was at `index`, and `following` came after it."""

    paper: str
    index: int
    following: str | None


@dataclass(slots=True)
class Landing:
    """Where the cursor goes at the next render: on `keep`, at the top, or after a change."""

    keep: str | None = None
    top: bool = False
    after: After | None = None


@dataclass(slots=True)
class Browse:
    """The browsing state of one screen over one library; see the module's docstring."""

    library: Library
    view: View = VIEWS[0]
    day: str | None = None
    query: str = ""
    """The filter's text (stripped); empty: no filter."""
    hits: list[str] | None = None
    """The filter's hits, best first (None until a search for `query` landed)."""
    spans: Spans = field(default_factory=dict)
    scoped: bool = False
    """The query names its own scope (`status:`, `day:`), so `all papers` is not said."""
    sort: Sort = SORTS[0]
    ranker: Ranker | None = None
    """What the learned order ranks with (set by the screen once it has a model, or none yet)."""
    too_many_to_rank: bool = False
    """The list last computed was too long for the learned order (`LEARNED_MAX`): page order."""
    marks: dict[str, None] = field(default_factory=dict)
    """Marked papers, in the order they were marked (a dict as an ordered set)."""
    auto_advance: bool = True
    """After a decision the cursor moves to the next paper."""
    board: bool = False
    _landing: Landing = field(default_factory=Landing)
    _searched: tuple[str, int] | None = None
    """(query, library version) of the last search asked for."""
    _listeners: list[Callable[[], None]] = field(default_factory=list)
    _catch_up: tuple[int, list[str], dict[int, str]] | None = None
    """(library version, ids, separators) of the catch-up groups last computed."""
    _shown: dict[object, tuple[tuple[object, ...], object, tuple[tuple[str, ...], int, bool]]] = field(
        default_factory=dict
    )
    """The list's and each board column's ids as last computed, with what they were computed
    from (`_inputs`): switching between the list and the board computes nothing again."""
    _held: int = 0
    _dirty: bool = False

    def __post_init__(self) -> None:
        if self.day is None:
            days = self.library.days()
            self.day = days[-1] if days else None

    # -- watching ---------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every change (once per `batch`)."""
        self._listeners.append(listener)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make several changes; listeners hear of them once, at the end."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._dirty:
                self._notify()

    def changed(self, landing: Landing | None = None) -> None:
        """Something that decides what is shown changed (the library, say): tell the listeners."""
        if landing is not None:
            self._landing = landing
        self._dirty = True
        if not self._held:
            self._notify()

    def _notify(self) -> None:
        self._dirty = False
        for listener in list(self._listeners):
            listener()

    # -- what is shown ----------------------------------------------------------------------------

    @property
    def filtering(self) -> bool:
        return bool(self.query)

    def view_ids(self) -> list[str]:
        """The papers of the current view, before any filter, in page order."""
        if self.view is CATCH_UP:
            return list(self._catch_up_groups()[0])
        return self.library.ids(status=self.view.status, day=self.day if self.view.per_day else None)

    def _catch_up_groups(self) -> tuple[list[str], dict[int, str]]:
        """The catch-up list and its day separators, computed once per library version."""
        cached = self._catch_up
        if cached is None or cached[0] != self.library.version:
            cached = self._catch_up = (self.library.version, *flatten(catch_up(self.library)))
        return cached[1], cached[2]

    def list_headers(self) -> dict[int, str]:
        """Separator rows of the list: {index of the first paper of a group: its label}.

        Only catch-up in the page order has them (`Jul 31 · 40 left`): a filter or another
        order mixes the days, so no separator would be true.
        """
        if self.view is not CATCH_UP or self.query or self.sort is not SORTS[0]:
            return {}
        return dict(self._catch_up_groups()[1])

    def _inputs(self) -> tuple[object, ...]:
        """Everything the list's and the columns' ids are computed from. The hits and the ranker
        are compared by identity: each search and each model brings new ones."""
        inputs = (self.library.version, self.view, self.day, self.query, self.sort, LEARNED_MAX)
        return (*inputs, id(self.hits), id(self.ranker))

    def _remembered(self, what: object) -> tuple[tuple[str, ...], int, bool] | None:
        found = self._shown.get(what)
        return found[2] if found is not None and found[0] == self._inputs() else None

    def _remember(self, what: object, result: tuple[tuple[str, ...], int, bool]) -> None:
        # the hits and the ranker are kept with the key, so their ids are not reused meanwhile
        self._shown[what] = (self._inputs(), (self.hits, self.ranker), result)

    def list_ids(self) -> list[str]:
        """What the list shows: the filter's hits (whole library), or the view; sorted."""
        return list(self.shown_ids())

    def shown_ids(self) -> tuple[str, ...]:
        """`list_ids` without the copy: the same tuple while nothing it comes from changed.

        The screen hands it to the list as it is. At 100,000 papers every new list of ids that
        lives on is walked by the garbage collector's young collections (some 7 ms each time on
        a slow machine): one tuple, made once per change, instead of a list copied on each step.
        """
        if (found := self._remembered("list")) is not None:
            shown, _total, self.too_many_to_rank = found
            return shown
        ids: Sequence[str]
        if self.query:
            ids = list(self.hits or [])
        elif self.view.status is None and not self.view.per_day:
            ids = self.library.display_order()  # all papers: the library's own tuple, not a copy
        else:
            ids = self.view_ids()
        self.too_many_to_rank = self.sort.learned and len(ids) > LEARNED_MAX
        shown = _as_tuple(sorted_ids(self.library, ids, self.sort, self.ranker, limit=LEARNED_MAX))
        self._remember("list", (shown, len(ids), self.too_many_to_rank))
        return shown

    def column_ids(self, status: Status) -> tuple[list[str], int]:
        """What a board column shows (filtered, sorted) and how many it holds unfiltered."""
        shown, total = self.column(status)
        return list(shown), total

    def column(self, status: Status) -> tuple[tuple[str, ...], int]:
        """`column_ids` without the copy (see `shown_ids`)."""
        if (found := self._remembered(status)) is not None:
            return found[0], found[1]
        ids = self.library.ids(status=status)
        total = len(ids)
        if self.query:
            hits = set(self.hits or ())
            ids = [pid for pid in ids if pid in hits]
        shown = _as_tuple(sorted_ids(self.library, ids, self.sort, self.ranker, limit=LEARNED_MAX))
        self._remember(status, (shown, total, False))
        return shown, total

    def shown_spans(self) -> Spans | None:
        return self.spans if self.query else None

    def landing(self, ids: Sequence[str], current: str | None) -> str | None:
        """Where the cursor goes in `ids` now (the pending landing is used up)."""
        landing, self._landing = self._landing, Landing()
        if landing.top:
            return ids[0] if ids else None
        if landing.after is not None:
            return self.land_after(ids, landing.after)
        return landing.keep if landing.keep is not None else current

    def land_after(self, ids: Sequence[str], after: After) -> str | None:
        """After a change of `after.paper`: the next paper with auto-advance (or when the paper
        left the list), else the paper itself."""
        if not ids:
            return None
        if self.auto_advance and after.following is not None and after.following in ids:
            return after.following
        if after.paper in ids and (not self.auto_advance or after.following is None):
            return after.paper
        return ids[min(after.index, len(ids) - 1)]

    def title(self) -> str:
        """What the list shows, in words (`inbox · Jul 31`, `filter · all papers`)."""
        if self.query:
            label = "filter" + ("" if self.scoped else " · all papers")
        elif self.view.per_day and self.day:
            label = f"{self.view.name} · {day_label(self.day, year=self.library.day_needs_year(self.day)) or self.day}"
        else:
            label = self.view.label
        if self.sort is not SORTS[0]:
            label += f" · {self.sort.label}"
            if self.too_many_to_rank:
                label += f": page order (over {LEARNED_MAX:,} papers; pick a day or filter)"
        return label

    # -- changing what is shown ------------------------------------------------------------------

    def set_view(self, name: str) -> None:
        """Show a view (clears the filter and leaves the board)."""
        self.view = next(view for view in VIEWS if view.name == name)
        self.board = False
        self._clear_query()
        self.changed()

    def cycle_view(self) -> None:
        self.set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)].name)

    def set_day(self, day: str) -> None:
        """Go to a featured day: its inbox (unless a per-day view is on), cursor at the top."""
        self.day = day
        if not self.view.per_day:
            self.view = DAY_INBOX
        self.board = False
        self.changed(Landing(top=True))

    def step_day(self, step: int) -> bool:
        """The previous (-1) or next (1) featured day; False when there is none."""
        days = self.library.days()
        if not days:
            return False
        index = days.index(self.day) if self.day in days else len(days) - 1
        new = max(0, min(len(days) - 1, index + step))
        if new == index and self.day is not None:
            return False
        self.set_day(days[new])
        return True

    def latest_day(self) -> None:
        """Go to the newest featured day (after a fetch), keeping the view and the cursor."""
        days = self.library.days()
        if days:
            self.day = days[-1]
        self.changed()

    def set_board(self, board: bool) -> None:
        self.board = board
        self.changed()

    def cycle_sort(self) -> Sort:
        """The next order; the cursor stays on its paper."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.changed()
        return self.sort

    def set_sort(self, name: str) -> None:
        self.sort = sort_by_name(name)
        self.changed()

    def set_query(self, text: str) -> None:
        """The filter's text changed. Its hits stay until the search for it lands."""
        query = text.strip()
        if query == self.query:
            return
        self.query = query
        if not query:
            self._clear_query()
        self.changed()

    def _clear_query(self) -> None:
        self.query, self.hits, self.spans, self.scoped = "", None, {}, False
        self._searched = None

    def search_due(self) -> tuple[str, int] | None:
        """The (query, library version) to search for now, or None when that search was asked
        for already; asking marks it as asked for."""
        if not self.query:
            return None
        key = (self.query, self.library.version)
        if key == self._searched:
            return None
        self._searched = key
        return key

    def set_hits(self, query: str, ids: list[str], spans: Spans, scoped: bool, *, quiet: bool = False) -> bool:
        """A search for `query` landed; False (and nothing changes) if the user typed on since."""
        if query != self.query:
            return False
        self.hits, self.spans, self.scoped = ids, spans, scoped
        if not quiet:
            self.changed()
        return True

    # -- marks -----------------------------------------------------------------------------------

    def toggle_mark(self, pid: str) -> bool:
        """Mark or unmark a paper; True when it is marked now."""
        if pid in self.marks:
            del self.marks[pid]
        else:
            self.marks[pid] = None
        self.changed()
        return pid in self.marks

    def mark_all(self, ids: Iterable[str]) -> int:
        """Mark every paper given, or clear the marks if there are some; the number marked."""
        if self.marks:
            self.marks.clear()
        else:
            self.marks = dict.fromkeys(ids)
        self.changed()
        return len(self.marks)

    def marked(self) -> list[str]:
        """The marked papers still in the library, in the order they were marked."""
        return [pid for pid in self.marks if pid in self.library]

    def clear_marks(self) -> None:
        if self.marks:
            self.marks.clear()
            self.changed()
