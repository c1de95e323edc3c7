"""The use cases: open a library, import papers, change status, notes and tags, undo, query.

The command line, the app and the tests all drive the library through this module. It
never imports Textual. Every change is written durably before memory is updated, so a
failed write leaves both the disk and the in-memory library as they were.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from reader import backlog
from reader.importers import (
    BadInput,
    ImportContext,
    NoAnnouncements,
    clean_field,
    dedupe,
    parse_file,
    valid_unicode,
)
from reader.models import (
    Paper,
    Status,
    UserState,
    normalise_tag,
    normalise_title,
    parse_arxiv_id,
    stored_paper_problem,
    stored_state_problem,
)
from reader.store import PAPERS_FILE, STATE_FILE, LoadError, Store, default_root, read_settings, write_settings
from reader.text import clean_block, clean_line

if TYPE_CHECKING:
    from reader.search import SearchIndex
    from reader.sync.local import SyncHooks


T = TypeVar("T")


class UnknownPaper(KeyError):
    """No paper matches the id the user gave."""

    def __str__(self) -> str:
        return str(self.args[0])


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(slots=True)
class ImportResult:
    """What an import did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)
    """The ids of all imported papers, in input order."""
    new_ids: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What the importers skipped or doubted (one line each, naming the file)."""
    groups: list[ImportResult] = field(default_factory=list)
    """From `import_groups`: what each group of papers did, in order."""

    def summary(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(slots=True, frozen=True)
class Change:
    """One change of a paper's user state, as undo and redo need it."""

    paper_id: str
    before: UserState
    after: UserState


class History:
    """Undo and redo of user-state changes, several steps deep."""

    def __init__(self, depth: int = 200) -> None:
        self.depth = depth
        self._undo: list[list[Change]] = []
        self._redo: list[list[Change]] = []

    def record(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        self._undo.append(list(changes))
        del self._undo[: -self.depth]
        self._redo.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self, library: Library) -> list[Change]:
        """Put back the states before the last change; return the changes undone."""
        if not self._undo:
            return []
        changes = self._undo[-1]
        library.restore({c.paper_id: c.before for c in changes})
        self._redo.append(self._undo.pop())
        return changes

    def redo(self, library: Library) -> list[Change]:
        """Make the last undone change again; return it."""
        if not self._redo:
            return []
        changes = self._redo[-1]
        library.restore({c.paper_id: c.after for c in changes})
        self._undo.append(self._redo.pop())
        return changes


class _Derived:
    """What the library derives from its papers (orders, days), built on first use.

    The one cache of `Library`: every entry is dropped at once when the papers change
    (`Library._papers_changed`, or a size that no longer matches), never field by field.
    Statuses, notes and tags do not invalidate it: they never move a paper in the order.
    """

    __slots__ = ("_size", "_stamp", "_values")

    def __init__(self) -> None:
        self._values: dict[object, object] = {}
        self._stamp = -1
        self._size = -1

    def get(self, key: object, stamp: int, size: int, build: Callable[[], T]) -> T:
        """The value under `key`, built now if the papers changed since it was built."""
        if stamp != self._stamp or size != self._size:
            self._values = {}
            self._stamp, self._size = stamp, size
        try:
            return self._values[key]  # type: ignore[return-value]
        except KeyError:
            value = self._values[key] = build()
            return value


_DEFAULT_STATE = UserState()


class Library:
    """A library of papers and the user's state for each, on disk in one folder."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.papers: dict[str, Paper] = {}
        self.states: dict[str, UserState] = {}
        self._order: dict[str, int] = {}
        self._by_arxiv: dict[str, str] = {}
        self._by_title: dict[str, str] | None = None
        """Normalised title -> id; built on first use (imports need it, start-up does not)."""
        self.version = 0
        """Bumped on every change, so views and search indexes know to refresh."""
        self.papers_version = 0
        """Bumped when papers are added or changed (not user state): drops `_derived`."""
        self._derived = _Derived()
        self._search: SearchIndex | None = None
        """The search index: kept across changes, it takes them in itself (`refresh`)."""
        self._search_version = -1
        self.history = History()
        """Undo and redo of the user-state changes made through this library."""
        self._batch: list[Change] | None = None
        self.sync_hooks: SyncHooks | None = None
        """Set when the library is set up for sync (reader.sync): stamps changes, notes paper writes."""

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path | None = None, *, readonly: bool = False, holder: str = "cli") -> Library:
        """Open the library at `root` (default: `READER_DB` or the user data folder).

        For writing (the default) the library is locked: a second writer gets `LockedError`.
        A file that cannot be loaded raises `LoadError` and is never written. `holder` is who
        locks it: `cli` (others wait a moment for it) or `app` (a session: others refuse at once).
        """
        store = Store(Path(root) if root else default_root(), writable=not readonly, holder=holder)
        with _no_collection():
            store.open()
            library = cls(store)
            try:
                library._load()
                if store.writable:
                    from reader.sync.local import hooks_for

                    library.sync_hooks = hooks_for(store.root)
            except BaseException:
                store.close(compact=False)  # a file that failed to load is never rewritten
                raise
        try:
            library.wake_snoozed(backlog.today())
        except BaseException:
            library.close()
            raise
        return library

    def _load(self) -> None:
        name, pid = PAPERS_FILE, ""
        try:
            for n, (pid, doc) in enumerate(self.store.papers_raw().items()):
                bad = stored_paper_problem(doc)
                if bad is not None:
                    raise _BadRecord(*bad, doc.get(bad[0]))
                paper = Paper.from_dict(doc, pid)
                self.papers[pid] = paper
                self._order[pid] = n
                self._index(paper)
            name = STATE_FILE
            for pid, doc in self.store.state_raw().items():
                bad = stored_state_problem(doc)
                if bad is not None:
                    raise _BadRecord(*bad, doc.get(bad[0]))
                self.states[pid] = _clean_state(UserState.from_dict(doc))
        except _BadRecord as exc:
            raise LoadError(
                f"cannot read {self.root / name}: paper {clean_line(pid)[:60]!r}: {exc.field!r} should be "
                f"{exc.expected}, not {exc.shown()}. The file was left untouched.{self.store.restore_hint(name)}"
            ) from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # valid JSON of the right overall shape, but an entry that is not a paper or a state
            raise LoadError(
                f"cannot read {self.root / name}: not a reader library file (entry {pid!r}: {exc}). "
                f"The file was left untouched.{self.store.restore_hint(name)}"
            ) from None

    def _index(self, paper: Paper) -> None:
        self.papers_version += 1  # a new or changed paper may move in the order
        if paper.arxiv_id:
            self._by_arxiv[paper.arxiv_id] = paper.id
        if self._by_title is not None:
            self._by_title.setdefault(_title_key(paper.title), paper.id)

    def _titles(self) -> dict[str, str]:
        if self._by_title is None:
            self._by_title = {}
            for paper in self.papers.values():
                self._by_title.setdefault(_title_key(paper.title), paper.id)
        return self._by_title

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def root(self) -> Path:
        return self.store.root

    @property
    def readonly(self) -> bool:
        return not self.store.writable

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.papers)

    def __contains__(self, pid: object) -> bool:
        return pid in self.papers

    def __iter__(self) -> Iterator[Paper]:
        return iter(self.papers.values())

    def paper(self, pid: str) -> Paper:
        try:
            return self.papers[pid]
        except KeyError:
            raise UnknownPaper(f"no paper with id {pid!r}") from None

    def state(self, pid: str) -> UserState:
        """The user state of a paper (a shared default for untouched papers: do not mutate)."""
        return self.states.get(pid, _DEFAULT_STATE)

    def status(self, pid: str) -> Status:
        state = self.states.get(pid)
        return state.status if state else Status.INBOX

    def resolve(self, ref: str) -> str:
        """The id a user means: an id, an arXiv id or URL, or an unambiguous id prefix.

        `reader:<id>` (how CSV exports write ids that are not arXiv ids) means `<id>`.
        """
        text = ref.strip()
        text = text[len("reader:") :] if text.lower().startswith("reader:") else text
        if text in self.papers:
            return text
        arxiv = parse_arxiv_id(text)
        if arxiv and arxiv in self._by_arxiv:
            return self._by_arxiv[arxiv]
        if arxiv and arxiv in self.papers:
            return arxiv
        if len(text) >= 4:
            hits = [pid for pid in self.papers if pid.startswith(text)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise UnknownPaper(f"id {text!r} is ambiguous: {len(hits)} papers start with it")
        raise UnknownPaper(f"no paper with id {text!r}")

    def find(self, paper: Paper) -> str | None:
        """The id of the paper already in the library that `paper` is (by id, arXiv id, or title
        when the arXiv ids do not differ)."""
        if paper.id in self.papers:
            return paper.id
        if paper.arxiv_id and paper.arxiv_id in self._by_arxiv:
            return self._by_arxiv[paper.arxiv_id]
        found = self._titles().get(_title_key(paper.title))
        if found is not None and paper.arxiv_id and self.papers[found].arxiv_id not in (None, paper.arxiv_id):
            return None  # the same title on another arXiv id is another paper
        return found

    def days(self) -> list[str]:
        """Every featured day in the library, oldest first."""
        return list(self._all_days())

    def day_needs_year(self, day: str) -> bool:
        """Whether another featured day shares this day's month and day (`Jul 31` of two years):
        then a day shown without its year would be ambiguous."""
        return any(other != day and other[4:] == day[4:] for other in self._all_days())

    def _cached(self, key: object, build: Callable[[], T]) -> T:
        return self._derived.get(key, self.papers_version, len(self.papers), build)

    def sort_key(self, pid: str) -> int:
        """A key that sorts ids in display order: newest featured day first, then most
        upvoted, then the order of the source (the paper's place in the cached order)."""
        return self._rank()[pid]

    def _rank(self) -> dict[str, int]:
        """Id -> its place in the display order (cached)."""
        return self._cached("rank", lambda: {pid: n for n, pid in enumerate(self._display_order())})

    def ids(self, status: Status | None = None, day: str | None = None) -> list[str]:
        """Paper ids, filtered by status and featured day, in display order.

        With a day: most upvoted first, then the order of the source; without: as `sort_key`.
        """
        states = self.states
        if day is None and status is not None and status is not Status.INBOX:
            # Only touched papers have a state: look at those, not the whole library (the
            # board stays instant at 100k papers).
            papers = self.papers
            found = [pid for pid, state in states.items() if state.status is status and pid in papers]
            return sorted(found, key=self._rank().__getitem__)
        selected = self._day_ids(day) if day is not None else self._display_order()
        if status is None:
            return list(selected)
        if status is Status.INBOX:
            return [pid for pid in selected if (state := states.get(pid)) is None or state.status is status]
        return [pid for pid in selected if (state := states.get(pid)) is not None and state.status is status]

    def counts(self, day: str | None = None) -> dict[Status, int]:
        """How many papers (featured on `day`, if given) have each status."""
        counts = dict.fromkeys(Status, 0)
        states = self.states
        if day is None:
            papers = self.papers
            for pid, state in states.items():
                if state.status is not Status.INBOX and pid in papers:
                    counts[state.status] += 1
            counts[Status.INBOX] = len(papers) - sum(counts.values())
            return counts
        for pid in self._day_ids(day):
            found = states.get(pid)
            counts[found.status if found is not None else Status.INBOX] += 1
        return counts

    def _display_order(self) -> list[str]:
        """Every id in display order (newest featured day first, then most upvoted, then the
        order of the source); cached until papers change (statuses do not move it)."""
        return self._cached("order", self._build_order)

    def _build_order(self) -> list[str]:
        papers, order = self.papers, self._order
        groups: dict[str, list[str]] = {}
        for pid, paper in papers.items():
            groups.setdefault(paper.days[-1] if paper.days else "", []).append(pid)
        result: list[str] = []
        for latest in sorted(groups, key=_inverted):
            members = groups[latest]
            members.sort(key=lambda pid: (-(papers[pid].upvotes or 0), order.get(pid, 0)))
            result += members
        return result

    def _day_groups(self) -> dict[str, list[str]]:
        """Featured day -> its ids in library order; one pass over the papers, cached until
        papers change. Each day is sorted for display only when it is asked for."""
        return self._cached("days", self._build_day_groups)

    def _build_day_groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for pid, paper in self.papers.items():
            days = paper.days
            for day in days if len(days) < 2 else dict.fromkeys(days):
                groups.setdefault(day, []).append(pid)
        return groups

    def _day_ids(self, day: str) -> list[str]:
        """The ids featured on `day`, most upvoted first, then in library order (cached)."""
        papers, order = self.papers, self._order
        return self._cached(
            ("day", day),
            lambda: sorted(self._day_groups().get(day, ()), key=lambda pid: (-(papers[pid].upvotes or 0), order[pid])),
        )

    def _all_days(self) -> list[str]:
        """Every featured day, oldest first (cached)."""
        return self._cached("day list", lambda: sorted(self._day_groups()))

    def search_index(self) -> SearchIndex:
        """The search index over this library, refreshed when the library changed."""
        from reader.search import SearchIndex

        if self._search is None:
            self._search = SearchIndex(self)
        elif self._search_version != self.version:
            self._search.refresh()
        self._search_version = self.version
        return self._search

    # -- importing -------------------------------------------------------------------------

    def import_files(self, paths: Sequence[Path], *, day: date | None = None) -> ImportResult:
        """Parse every file first, then merge all of them in one write (all or nothing).

        Raises `NoAnnouncements` when the files are only arXiv feeds without items. The result
        carries the parsers' warnings (lines of a page that could not be placed).
        """
        papers, notes, warnings = parse_files(paths, day=day)
        if not papers and notes:
            raise NoAnnouncements(notes[0])
        result = self.import_papers(papers)
        result.warnings = warnings
        return result

    def redate(self, old: str, new: str) -> int:
        """Move every paper featured on day `old` to day `new` (one write); user state untouched.

        Returns how many papers moved; `BadInput` when no paper is featured on `old`.
        """
        ids = list(self._day_groups().get(old, ()))
        if not ids:
            raise BadInput(f"no papers are featured on {old}")
        moved: dict[str, Paper] = {}
        for pid in ids:
            paper = Paper.from_dict(self.papers[pid].to_dict())
            paper.days = sorted({new if d == old else d for d in paper.days})
            moved[pid] = paper
        if self.sync_hooks is not None:
            self.sync_hooks.papers_changing(moved)
        self.store.put_papers({pid: _doc(p) for pid, p in moved.items()})
        for pid, paper in moved.items():
            self.papers[pid] = paper
            self._index(paper)
        self.version += 1
        return len(ids)

    def import_papers(self, papers: Iterable[Paper]) -> ImportResult:
        """Merge papers into the library: new ones added, known ones enriched; user state untouched."""
        result = ImportResult()
        incoming = dedupe([_cleaned(p) for p in papers])
        if not incoming:
            raise BadInput("nothing to import: no papers given")
        changed: dict[str, Paper] = {}
        pending_new: dict[str, Paper] = {}
        for paper in incoming:
            pid = self.find(paper)
            if pid is None:
                pid = paper.id
                if pid in pending_new:
                    pending_new[pid].merge(paper)
                else:
                    pending_new[pid] = paper
                    result.new += 1
                    result.new_ids.append(pid)
                result.ids.append(pid)
                continue
            merged = Paper.from_dict(changed.get(pid, self.papers[pid]).to_dict())
            if merged.merge(paper):
                changed[pid] = merged
                result.updated += 1
            else:
                result.unchanged += 1
            result.ids.append(pid)
        result.days = sorted({d for p in incoming for d in p.days})
        docs = {pid: _doc(p) for pid, p in {**changed, **pending_new}.items()}
        if docs and self.sync_hooks is not None:
            self.sync_hooks.papers_changing(docs)
        if docs:
            self.store.put_papers(docs)
        for pid, paper in changed.items():
            self.papers[pid] = paper
            self._index(paper)
        for pid, paper in pending_new.items():
            self.papers[pid] = paper
            self._order[pid] = len(self._order)
            self._index(paper)
        if docs:
            self.version += 1
        return result

    # -- user state ------------------------------------------------------------------------

    def set_status(self, pids: str | Sequence[str], status: Status) -> list[Change]:
        """Move papers to a status (one durable write); return the changes for undo."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        status = Status(status)
        stamp = now_iso()
        new: dict[str, UserState] = {}
        for pid in ids:
            self.paper(pid)
            before = self.state(pid)
            if before.status is status:
                continue
            after = before.copy()
            after.status = status
            after.updated_at = stamp
            if status is Status.INBOX:
                after.triaged_at = None
            elif before.status is Status.INBOX or after.triaged_at is None:
                after.triaged_at = stamp
            if status is Status.READING and after.started_at is None:
                after.started_at = stamp
            if status is Status.DONE:
                after.finished_at = stamp
            new[pid] = after
        return self._change(new)

    def set_notes(self, pid: str, text: str) -> list[Change]:
        """Replace a paper's notes (control bytes removed); no write if nothing changed."""
        self.paper(pid)
        text = clean_block(valid_unicode(text))
        before = self.state(pid)
        if before.notes == text:
            return []
        after = before.copy()
        after.notes = text
        after.updated_at = after.noted_at = now_iso()
        return self._change({pid: after})

    def set_tags(self, pid: str, tags: Iterable[str]) -> list[Change]:
        """Replace a paper's tags (cleaned, normalised, each once); no write if nothing changed."""
        self.paper(pid)
        after = self._tagged(pid, tags)
        return self._change({pid: after} if after is not None else {})

    def edit_tags(self, pids: str | Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[Change]:
        """Add and remove tags on one paper or many, in one write and one undo step."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        drop = {normalise_tag(t) for t in remove}
        extra = list(add)
        new: dict[str, UserState] = {}
        for pid in ids:
            self.paper(pid)
            after = self._tagged(pid, [*(t for t in self.state(pid).tags if t not in drop), *extra])
            if after is not None:
                new[pid] = after
        return self._change(new)

    def _tagged(self, pid: str, tags: Iterable[str]) -> UserState | None:
        """The paper's state with these tags, or None when its tags would not change."""
        clean: list[str] = []
        for tag in tags:
            name = normalise_tag(clean_line(valid_unicode(tag)))
            if name and name not in clean:
                clean.append(name)
        before = self.state(pid)
        if before.tags == clean:
            return None
        after = before.copy()
        after.tags = clean
        after.updated_at = now_iso()
        return after

    # -- undo ----------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group every change made inside into one undo step (a status for many papers, say).

        Each call still writes durably at once; only the undo history groups them.
        """
        if self._batch is not None:  # nested: the outer batch records
            yield
            return
        self._batch = []
        try:
            yield
        finally:
            changes, self._batch = self._batch, None
            self.history.record(changes)

    def _record(self, changes: list[Change]) -> list[Change]:
        if self._batch is not None:
            self._batch.extend(changes)
        else:
            self.history.record(changes)
        return changes

    def undo(self) -> list[Change]:
        """Put back the states before the last change (or batch); return the changes undone."""
        return self.history.undo(self)

    def redo(self) -> list[Change]:
        """Make the last undone change again; return it."""
        return self.history.redo(self)

    # -- writing user state ----------------------------------------------------------------------

    def _change(self, states: dict[str, UserState]) -> list[Change]:
        """Write these states durably, adopt them and record them for undo."""
        return self._record(self.restore(states))

    def apply_merged(self, states: dict[str, UserState]) -> list[Change]:
        """Adopt states merged from other machines (reader.sync): written as given (not stamped
        as local changes), and one undo step, so the user can take a merge back like an edit."""
        return self._record(self.restore(states, local=False))

    def restore(self, states: dict[str, UserState], *, local: bool = True) -> list[Change]:
        """Write these states durably, then adopt them; return the changes made.

        Not recorded for undo (undo itself writes through here): the use cases above do that.
        In a library set up for sync, a `local` change is stamped for merging in the same write.
        """
        if not states:
            return []
        if local and self.sync_hooks is not None:
            states = self.sync_hooks.stamp(self.states, states)
        docs = {pid: (None if s.is_default() else s.to_dict()) for pid, s in states.items()}
        self.store.put_states(docs)
        changes = []
        for pid, state in states.items():
            changes.append(Change(pid, self.state(pid), state.copy()))
            if state.is_default():
                self.states.pop(pid, None)
            else:
                self.states[pid] = state.copy()
        self.version += 1
        return changes

    # -- followed arXiv categories --------------------------------------------------------------

    def followed(self) -> list[str]:
        """The arXiv categories whose daily announcements `reader fetch` brings, in order."""
        return followed_categories(self.root)

    def follow(self, categories: Iterable[str]) -> list[str]:
        """Follow these (checked) categories; return the ones that were not followed yet."""
        current = self.followed()
        added = [c for c in dict.fromkeys(categories) if c not in current]
        if added:
            self._save_followed(current + added)
        return added

    def unfollow(self, categories: Iterable[str]) -> list[str]:
        """Stop following these categories; return those that were followed (others are ignored)."""
        current = self.followed()
        removed = [c for c in dict.fromkeys(categories) if c in current]
        if removed:
            self._save_followed([c for c in current if c not in removed])
        return removed

    def _save_followed(self, categories: list[str]) -> None:
        settings = read_settings(self.root)
        settings[FOLLOWED_KEY] = categories
        write_settings(self.store, settings)

    # -- the backlog (see reader.backlog) ---------------------------------------------------

    def snooze(self, pids: str | Sequence[str], until: date) -> list[Change]:
        """Put papers away until a day (one durable write); they come back to the inbox then."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        stamp = now_iso()
        new: dict[str, UserState] = {}
        for pid in ids:
            self.paper(pid)
            before = self.state(pid)
            after = before.copy()
            if before.status is not Status.SNOOZED:
                after.status = Status.SNOOZED
                after.triaged_at = after.triaged_at or stamp
            after.snoozed_until = until.isoformat()
            after.snoozed_at = stamp
            after.updated_at = stamp
            new[pid] = after
        return self._change(new)

    def wake_snoozed(self, today: date) -> list[Change]:
        """Every paper snoozed until `today` or earlier goes back to the inbox.

        A paper given the status `snoozed` without a day (`set_status`) stays snoozed until moved.

        The snooze dates stay, as a note of when it was put away. A read-only library wakes
        them in memory only (what it shows is true; the next writer saves it).
        """
        due = today.isoformat()
        woken: dict[str, UserState] = {}
        for pid, state in self.states.items():
            until = state.snoozed_until
            if state.status is Status.SNOOZED and until and until <= due and pid in self.papers:
                after = state.copy()
                after.status = Status.INBOX
                after.triaged_at = None
                woken[pid] = after
        if not woken:
            return []
        if self.readonly:
            changes = [Change(pid, self.states[pid], state) for pid, state in woken.items()]
            self.states.update(woken)
            self.version += 1
            return changes
        return self.restore(woken)

    def mark_seen(self, pids: Iterable[str]) -> list[Change]:
        """Record that papers were looked at (first time only), in one durable write; not for undo."""
        stamp = now_iso()
        new: dict[str, UserState] = {}
        for pid in pids:
            if pid in self.papers and self.state(pid).seen_at is None and pid not in new:
                after = self.state(pid).copy()
                after.seen_at = stamp
                new[pid] = after
        return self.restore(new)

    def keep(self, pids: str | Sequence[str]) -> list[Change]:
        """A review keeps papers in to-read: their stale clock starts again today."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        stamp = now_iso()
        new: dict[str, UserState] = {}
        for pid in ids:
            self.paper(pid)
            after = self.state(pid).copy()
            after.kept_at = after.updated_at = stamp
            new[pid] = after
        return self._change(new)

    def all_tags(self) -> list[str]:
        found: set[str] = set()
        for state in self.states.values():
            found.update(state.tags)
        return sorted(found)

    # -- what an import would do and did, group by group -------------------------------------

    def preview_import(self, groups: Sequence[Iterable[Paper]]) -> list[ImportResult]:
        """What importing these groups of papers one after the other would do to each group
        (new, updated, unchanged, and their ids), worked out without writing or changing anything.

        Each group is counted against the library as the groups before it would leave it: a
        paper the first group adds and the second brings again is new in the first, then
        updated or unchanged in the second.
        """
        pending: dict[str, Paper] = {}
        """Merged copies of what the groups so far would change or add, by id."""
        results: list[ImportResult] = []
        for group in groups:
            papers = list(group)
            result = ImportResult(days=sorted({d for p in papers for d in p.days}))
            for paper in papers:
                pid = self.find(paper)
                key = pid if pid is not None else paper.id
                base = pending.get(key)
                if base is None and pid is not None:
                    base = Paper.from_dict(self.paper(pid).to_dict())
                if base is None:
                    pending[key] = Paper.from_dict(paper.to_dict())
                    result.new += 1
                    result.new_ids.append(key)
                elif base.merge(paper):
                    pending[key] = base
                    result.updated += 1
                else:
                    result.unchanged += 1
                result.ids.append(key)
            results.append(result)
        return results

    def import_groups(self, groups: Sequence[Iterable[Paper]]) -> ImportResult:
        """Import several groups of papers (a fetch's days and sources) in one write, all or
        nothing, as `import_papers` of all of them; the result's `groups` say what each group
        did, in order (one group: the import's own counts; more: `preview_import`'s, worked out
        just before the write)."""
        groups = [list(group) for group in groups]
        counts = self.preview_import(groups) if len(groups) > 1 else []
        result = self.import_papers([paper for group in groups for paper in group])
        result.groups = counts or [replace(result, groups=[])]
        return result


FOLLOWED_KEY = "arxiv_categories"


def followed_categories(root: Path | None = None) -> list[str]:
    """The arXiv categories the library at `root` (default: `READER_DB` or the user data folder)
    follows; read without opening or locking the library (none for a library not made yet)."""
    folder = Path(root) if root else default_root()
    value = read_settings(folder).get(FOLLOWED_KEY, [])
    if not isinstance(value, list) or not all(isinstance(c, str) and c.isprintable() and c for c in value):
        raise LoadError(
            f"cannot read {folder / 'settings.json'}: {FOLLOWED_KEY!r} is not a list of category names; "
            "fix or delete the file"
        )
    return list(dict.fromkeys(value))


def parse_files(paths: Sequence[Path], *, day: date | None = None) -> tuple[list[Paper], list[str], list[str]]:
    """Parse every file (raising `BadInput` for the first bad one): the papers of all of them,
    one line for each arXiv feed that had no announcements (not an error), and the parsers'
    warnings (lines of a page that could not be placed)."""
    today = date.today()
    papers: list[Paper] = []
    notes: list[str] = []
    warnings: list[str] = []
    for path in paths:
        ctx = ImportContext(name=str(path), day=day, today=today)
        try:
            papers.extend(parse_file(path, ctx))
        except NoAnnouncements as exc:
            notes.append(str(exc))
        warnings += ctx.warnings
    return papers, notes, warnings


class _BadRecord(Exception):
    """A stored record with a field of the wrong type (see `stored_paper_problem`)."""

    def __init__(self, field: str, expected: str, value: object) -> None:
        super().__init__(field)
        self.field = field
        self.expected = expected
        self.value = value

    def shown(self) -> str:
        """The value found, briefly and safely (`5`, `[1]`, `'x'`)."""
        return clean_line(repr(self.value))[:40]


@contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a library loads, then exempt what was loaded.

    Loading makes about ten containers per paper and no garbage, yet every few hundred of them
    start a collection that walks all the others: at 100k papers that tripled the open time
    (4.6 s -> 1.8 s measured). Afterwards `gc.freeze()` moves the loaded objects out of the
    collector's sight, so a later full collection no longer walks a million of them (~0.6 s
    each at 100k). Frozen objects are still freed by reference counting as usual; only
    reference cycles that exist at that moment stay until the process ends (a process that
    opens many libraries, such as the test suite, keeps their few cycles).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
    gc.freeze()


_ASCII_PUNCT = bytes(
    ord(" ") if chr(c) == "_" or chr(c).isspace() or re.fullmatch(r"[^\w\s]", chr(c)) else ord(chr(c).lower())
    for c in range(256)
)
"""A byte table for ASCII titles: lower case; a space for what `normalise_title` turns into
spaces (its `[^\\w\\s]` and `_`) and for every whitespace character (`bytes.split` knows
fewer than `str.split`). Bytes 128-255 never occur (ASCII only)."""


def _title_key(title: str) -> str:
    """`normalise_title(title)`, with a fast path for ASCII titles (same result, ~3x faster).

    For ASCII, NFKC changes nothing and casefold is lower case; punctuation becomes spaces
    and whitespace collapses exactly as its regular expressions do.
    """
    if title.isascii():
        return b" ".join(title.encode().translate(_ASCII_PUNCT).split()).decode()
    return normalise_title(title)


def _inverted(text: str) -> str:
    """`text` with every character mirrored, so that an ascending sort puts the greatest first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _clean_state(state: UserState) -> UserState:
    """A stored state with control bytes out of its notes and tags.

    `set_notes` and `set_tags` clean what they store, but a file edited by hand or written by
    another program may hold anything, and the app's notes editor draws the text it is given.
    """
    if state.notes and not state.notes.isprintable():
        state.notes = clean_block(valid_unicode(state.notes))
    if state.tags and not all(tag.isprintable() for tag in state.tags):
        state.tags = [tag for tag in (clean_field(t) for t in state.tags) if tag]
    return state


def _cleaned(paper: Paper) -> Paper:
    """The paper with control bytes (and lone surrogates) out of every text field.

    Importers clean too; papers built elsewhere (fetchers, tests) may not have been.
    """
    paper.title = clean_field(paper.title)
    paper.abstract = clean_field(paper.abstract)
    paper.authors = [a for a in (clean_field(x) for x in paper.authors) if a]
    paper.ai_summary = clean_field(paper.ai_summary) if paper.ai_summary else None
    paper.ai_keywords = [k for k in (clean_field(x) for x in paper.ai_keywords) if k]
    paper.sources = [s for s in (clean_field(x) for x in paper.sources) if s]
    return paper


def _doc(paper: Paper) -> dict[str, object]:
    data = paper.to_dict()
    del data["id"]
    return data
