"""The use cases: open a library, import papers, change status, notes and tags, undo, query.

The command line, the app and the tests all drive the library through this module. It
never imports Textual. Every change is written durably before memory is updated, so a
failed write leaves both the disk and the in-memory library as they were.
"""

from __future__ import annotations

import bisect
import gc
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from reader import backlog
from reader.importers import (
    BadInput,
    ImportContext,
    NoAnnouncements,
    Parsed,
    clean_field,
    clean_paper,
    dedupe,
    parse_file,
    valid_unicode,
)
from reader.models import (
    Paper,
    PaperHead,
    Status,
    UserState,
    key_letters,
    normalise_tag,
    parse_arxiv_id,
    stored_paper_problem,
    stored_state_problem,
    title_key,
    title_letters,
)
from reader.store import (
    INDEX_FILE,
    PAPERS_FILE,
    SHARD_DIR,
    STATE_FILE,
    DayIndex,
    LoadError,
    Store,
    default_root,
    read_settings,
    shard_of,
    write_settings,
)
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
SHARDS_KEPT = 4
"""How many shards of full paper records a library keeps in memory (the last used)."""
LETTERS_PIECE = 5_000
"""Titles whose letters are worked out per step (`Library._title_letters`)."""
RELEASE_STATES_FROM = 2 << 20
"""A state file bigger than this (~7,000 papers' states) is not kept in memory as stored once
the states are read. A smaller one is: it is compacted on close, as a file in memory is."""
INBOX_PATCH_MAX = 200
"""A state change moving more papers than this between statuses rebuilds the kept lists of each
status (the inbox and the board's columns) on next use instead of patching them."""


class Library:
    """A library of papers and the user's state for each, on disk in one folder.

    What is kept in memory is what was asked for: `papers` (the index: a small `PaperHead` per
    paper) and `states` are read whole on first use; `paper(id)` reads the paper's shard for
    its full metadata (a few shards are kept). A library opened `lazy` reads nothing at first:
    a command that changes one paper's status reads that paper's records only.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._papers: dict[str, PaperHead] | None = None
        self._states: dict[str, UserState] | None = None
        self._some_heads: dict[str, PaperHead] = {}
        """Index records found one by one before the whole index was read (lazy use)."""
        self._some_states: dict[str, UserState] = {}
        """States read one by one before all of them were (lazy use)."""
        self._inbox: tuple[tuple[int, int], list[str]] | None = None
        """The inbox in display order, for (papers_version, paper count); kept in step by `restore`
        (a triage key at 100,000 papers no longer scans every paper to find the inbox: ~75 ms)."""
        self._columns: tuple[tuple[int, int], dict[Status, list[str]]] | None = None
        """The papers of every other status in display order, kept like `_inbox` (at 100,000
        papers, three scans of the states for the board's columns took ~60 ms of a switch)."""
        self._lazy_days: _DayView | None = None
        """The index by day, read without reading it whole (see `_day_view`)."""
        self._lazy_tried = False
        self._shards: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._some_docs: dict[str, dict[str, Any]] = {}
        """Full paper records read one by one from their shards (`read_papers`)."""
        self._shard_lock = threading.Lock()
        """Shard -> its stored paper records, the most recently used last (a few kept)."""
        self._legacy: dict[str, Any] | None = None
        """The records of a library still in the single-file layout, opened read-only."""
        self._by_arxiv: dict[str, str] = {}
        self._by_title: dict[str, str] | None = None
        """Normalised title -> id; built on first use (imports need it, start-up does not)."""
        self._plain_titles: dict[str, str] | None = None
        """`_by_title` for the papers without an arXiv id only: what an import of papers with new
        arXiv ids needs (see `_finder`), ~3% of the titles to key instead of all of them."""
        self._letters: set[bytes] | None = None
        """The letters of every title's key (`key_letters`): a title no paper has is known
        without keying every title (`title_letters` does them all at once, in a fifth of it)."""
        self._known_keys: dict[str, str] = {}
        """Title -> its key, as the parsers computed them, during an import (see `_title_key_of`)."""
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
    def open(
        cls, root: Path | None = None, *, readonly: bool = False, holder: str = "cli", lazy: bool = False
    ) -> Library:
        """Open the library at `root` (default: `READER_DB` or the user data folder).

        For writing (the default) the library is locked: a second writer gets `LockedError`.
        A file that cannot be loaded raises `LoadError` and is never written. `holder` is who
        locks it: `cli` (others wait a moment for it) or `app` (a session: others refuse at once).
        `lazy` reads nothing yet (each record when it is needed; snoozed papers are not woken):
        for a command that changes or shows a few papers. A library in the layout before the
        shards is converted first when opened for writing.
        """
        store = Store(Path(root) if root else default_root(), writable=not readonly, holder=holder)
        with _no_collection():
            store.open()
            library = cls(store)
            try:
                library._migrate_or_read_legacy()
                if not lazy:
                    library._load_heads()
                    library._load_states()
                if store.writable and (store.root / "sync").is_dir():
                    # only a library set up for sync imports the sync package (~25 ms per command)
                    from reader.sync.local import hooks_for

                    library.sync_hooks = hooks_for(store.root)
            except BaseException:
                store.close(compact=False)  # a file that failed to load is never rewritten
                raise
        if lazy:
            return library
        try:
            library.wake_snoozed(backlog.today())
        except BaseException:
            library.close()
            raise
        return library

    def _migrate_or_read_legacy(self) -> None:
        """A library in the single-file layout: convert it (writable) or read it as it is."""
        if not self.store.legacy:
            return
        docs = self.store.papers_raw()
        for pid, doc in docs.items():
            _check_paper(doc, pid, self.root / PAPERS_FILE, self.store)
        if self.readonly:
            self._legacy = docs
            return
        index: dict[str, dict[str, Any]] = {}
        shards: dict[str, dict[str, Any]] = {}
        for pid, doc in docs.items():
            shard = shard_of(doc.get("days") or ())
            shards.setdefault(shard, {})[pid] = doc
            index[pid] = PaperHead.of(Paper.from_dict(doc, pid), shard).to_dict()
        self.store.migrate(index, shards)
        # the state file too, in the layout of one record per line (one rewrite, then a command
        # reads only the records it changes)
        self.store.relayout("state")

    def _load_heads(self) -> None:
        """Read the whole index (every paper's `PaperHead`)."""
        heads: dict[str, PaperHead] = {}
        if self._legacy is not None:
            for pid, doc in self._legacy.items():
                heads[pid] = PaperHead.of(Paper.from_dict(doc, pid), "")
        else:
            path = self.root / INDEX_FILE
            # The index repeats a few values on every record: a day (a few thousand in all), a
            # publication date, a shard, the letters of `has`. The parser makes a new string for
            # each; one string per value saves ~22 MB at 100,000 papers (of ~175 MB) for a few per
            # cent more load time.
            one: dict[str, str] = {}
            share = one.setdefault
            for pid, doc in self.store.load("index").items():
                _check_head(doc, pid, path, self.store)
                get = doc.get
                days = get("days") or []
                if len(days) == 1:
                    days[0] = share(days[0], days[0])
                elif days:
                    days[:] = [share(day, day) for day in days]
                published, shard, has = get("published"), get("shard") or "", get("has") or ""
                heads[pid] = PaperHead(  # `PaperHead.from_dict`, with the shared strings
                    pid,
                    get("title") or "",
                    days,
                    get("arxiv_id"),
                    get("upvotes"),
                    published if published is None else share(published, published),
                    get("sources") or [],
                    get("withdrawn_at"),
                    get("announce_type"),
                    get("version"),
                    share(shard, shard),
                    share(has, has),
                )
            self.store.release("index")  # the heads hold what is needed
        self._papers = heads
        self._by_arxiv = {}
        self._by_title = self._plain_titles = self._letters = None  # (made again from these heads when needed)
        for head in heads.values():
            self._index(head)
        self._some_heads.clear()

    def _load_states(self) -> None:
        states: dict[str, UserState] = {}
        path = self.root / STATE_FILE
        # A state keyed by the id string its head holds: the state file's own copy of each id
        # is freed (~5 MB at 100,000 papers).
        heads = self._papers or {}
        for pid, doc in self.store.state_raw().items():
            head = heads.get(pid)
            states[pid if head is None else head.id] = _state_from(doc, pid, path, self.store)
        if self.store.storage("state").snapshot_bytes() > RELEASE_STATES_FROM:
            # The states hold what is needed; the records as stored are ~40 MB more at 100,000
            # papers. Changes are appended to the journal without them (as for the index).
            self.store.release("state")
        self._states = states
        self._some_states.clear()
        self._inbox = None
        self._columns = None

    @property
    def loaded(self) -> bool:
        """Whether the whole index and every state have been read."""
        return self._papers is not None and self._states is not None

    def load_all(self) -> None:
        """Read the whole index and every state now (what opening without `lazy` does, but for
        waking snoozed papers; the app's first look calls this in a thread)."""
        with _no_collection():
            if self._papers is None:
                self._load_heads()
            if self._states is None:
                self._load_states()

    def index_bytes(self) -> int:
        """The size of the index file (of `papers.json` in a library not yet converted)."""
        name = "legacy" if self._legacy is not None else "index"
        try:
            return self.store.path_of(name).stat().st_size
        except OSError:
            return 0

    def reload(self) -> None:
        """Read the files again, as they are now (another program wrote to them)."""
        with self._shard_lock:
            self._shards.clear()
            self._some_docs.clear()
        self.store.forget()
        with _no_collection():
            self._load_heads()
            self._load_states()
        self.papers_version += 1
        self.version += 1

    @property
    def papers(self) -> dict[str, PaperHead]:
        """Every paper as the index knows it (read on first use): id -> `PaperHead`."""
        if self._papers is None:
            with _no_collection():
                self._load_heads()
        assert self._papers is not None
        return self._papers

    @property
    def heads_loaded(self) -> bool:
        """Whether the whole index is in memory (`papers`); else each record is read as asked."""
        return self._papers is not None

    @property
    def states(self) -> dict[str, UserState]:
        """The user state of every paper that has one (read on first use)."""
        if self._states is None:
            with _no_collection():
                self._load_states()
        assert self._states is not None
        return self._states

    def _index(self, head: PaperHead) -> None:
        self.papers_version += 1  # a new or changed paper may move in the order
        if head.arxiv_id:
            self._by_arxiv[head.arxiv_id] = head.id
        if self._by_title is not None:
            self._by_title.setdefault(self._title_key_of(head.title), head.id)
        if self._plain_titles is not None and head.arxiv_id is None:
            self._plain_titles.setdefault(self._title_key_of(head.title), head.id)
        if self._letters is not None:
            self._letters.add(key_letters(self._title_key_of(head.title)))

    def _title_key_of(self, title: str) -> str:
        """`normalise_title(title)`: the parsers' key when they computed it for this import."""
        key = self._known_keys.get(title)
        return _title_key(title) if key is None else key

    def _titles(self) -> dict[str, str]:
        if self._by_title is None:
            self._by_title = {}
            for head in self.papers.values():
                self._by_title.setdefault(_title_key(head.title), head.id)
        return self._by_title

    def _titles_without_arxiv(self) -> dict[str, str]:
        """`_titles()` of the papers without an arXiv id (kept in step like it)."""
        if self._plain_titles is None:
            self._plain_titles = {}
            for head in self.papers.values():
                if head.arxiv_id is None:
                    self._plain_titles.setdefault(_title_key(head.title), head.id)
        return self._plain_titles

    def _title_letters(self) -> set[bytes]:
        """`key_letters` of every paper's title (kept in step like `_titles()`)."""
        if self._letters is None:
            heads = list(self.papers.values())  # (pointers only: no head is touched yet)
            letters: set[bytes] = set()
            # in pieces: each step is one C call holding the interpreter, and an import runs in a
            # thread beside the UI (all 100k titles at once stalled it ~40 ms)
            for start in range(0, len(heads), LETTERS_PIECE):
                letters.update(title_letters(list(map(_head_title, heads[start : start + LETTERS_PIECE]))))
            self._letters = letters
        return self._letters

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
        return isinstance(pid, str) and self._head(pid) is not None

    def __iter__(self) -> Iterator[Paper]:
        """Every paper in full (reads every shard: for exports and full text)."""
        return iter(self.full_papers(list(self.papers)))

    def head(self, pid: str) -> PaperHead:
        """What the index knows of a paper (no shard read)."""
        found = self._head(pid)
        if found is None:
            raise UnknownPaper(f"no paper with id {pid!r}")
        return found

    def _head(self, pid: str) -> PaperHead | None:
        if self._papers is not None:
            return self._papers.get(pid)
        if pid in self._some_heads:
            return self._some_heads[pid]
        if self._legacy is not None:
            return self.papers.get(pid)
        doc = self.store.get("index", [pid])[pid]
        if self.store.storage("index").loaded:  # the file had to be read whole: take (and check) all
            return self.papers.get(pid)
        if doc is None:
            return None
        _check_head(doc, pid, self.root / INDEX_FILE, self.store)
        head = self._some_heads[pid] = PaperHead.from_dict(doc, pid)
        return head

    def paper(self, pid: str) -> Paper:
        """The whole paper (its shard is read if it was not)."""
        head = self.head(pid)
        if self._legacy is not None:
            doc = self._legacy.get(pid)
        else:
            doc = self._some_docs.get(pid) or self._shard(head.shard).get(pid)
        paper = Paper.from_dict(doc, pid) if doc is not None else Paper(id=pid, title=head.title)
        return head.apply_to(paper)

    def read_papers(self, ids: Iterable[str]) -> None:
        """Read these papers' full records now, only theirs from each shard (a lazy library about
        to show a day's papers in full: `paper` then answers without reading whole shards)."""
        if self._legacy is not None:
            return
        by_shard: dict[str, list[str]] = {}
        for pid in ids:
            shard = self.head(pid).shard
            if shard not in self._shards and pid not in self._some_docs:
                by_shard.setdefault(shard, []).append(pid)
        for shard, pids in by_shard.items():
            key = f"{SHARD_DIR}/{shard}"
            path = self.store.path_of(key)
            if not path.exists() and not path.with_suffix(".journal").exists():
                continue  # `paper` reports it
            docs = self.store.get(key, pids)
            self.store.release(key)
            for pid, doc in docs.items():
                if doc is not None:
                    _check_paper(doc, pid, path, self.store)
                    self._some_docs[pid] = doc

    def full_papers(self, ids: Sequence[str]) -> list[Paper]:
        """These papers in full, in the order given; each shard is read once."""
        heads = [self.head(pid) for pid in ids]
        if self._legacy is not None:
            return [self.paper(pid) for pid in ids]
        by_shard: dict[str, list[PaperHead]] = {}
        for head in heads:
            by_shard.setdefault(head.shard, []).append(head)
        found: dict[str, Paper] = {}
        for shard, members in by_shard.items():
            docs = self._shard(shard)
            for head in members:
                doc = docs.get(head.id)
                paper = Paper.from_dict(doc, head.id) if doc is not None else Paper(id=head.id, title=head.title)
                found[head.id] = head.apply_to(paper)
        return [found[pid] for pid in ids]

    def _shard(self, shard: str) -> dict[str, Any]:
        """The stored records of one shard (read now, and kept among the last few used)."""
        with self._shard_lock:  # workers (search, ranking) read papers too
            found = self._shards.get(shard)
            if found is not None:
                self._shards.move_to_end(shard)
                return found
            key = f"{SHARD_DIR}/{shard}"
            path = self.store.path_of(key)
            if not path.exists() and not path.with_suffix(".journal").exists():
                raise LoadError(
                    f"cannot read {path}: the file is missing, but the index lists papers in it "
                    f"(was it moved or deleted?). Nothing was changed.{self.store.restore_hint(key)}"
                )
            docs = self.store.load(key)
            for pid, doc in docs.items():
                _check_paper(doc, pid, path, self.store)
            self.store.release(key)
            self._shards[shard] = docs
            while len(self._shards) > SHARDS_KEPT:
                self._shards.popitem(last=False)
            return docs

    def fulltext_shards(self) -> ShardSource:
        """The shards as the full-text cache (`reader.search.fulltext`) reads them."""
        return ShardSource(self)

    def state(self, pid: str) -> UserState:
        """The user state of a paper (a shared default for untouched papers: do not mutate)."""
        if self._states is not None:
            return self._states.get(pid, _DEFAULT_STATE)
        found = self._some_states.get(pid)
        if found is None:
            doc = self.store.get("state", [pid])[pid]
            if self.store.storage("state").loaded:  # the file had to be read whole: take (and check) all
                return self.states.get(pid, _DEFAULT_STATE)
            found = _state_from(doc, pid, self.root / STATE_FILE, self.store) if doc is not None else _DEFAULT_STATE
            until = found.snoozed_until
            if found.status is Status.SNOOZED and until and until <= backlog.today().isoformat():
                found = _woken(found)  # as `wake_snoozed` does for a library read whole
            self._some_states[pid] = found
        return found

    def status(self, pid: str) -> Status:
        return self.state(pid).status

    def read_states(self, ids: Iterable[str]) -> None:
        """Read the states of these papers now, in one pass over the state file (a lazy library
        that is about to show many papers: `state` then answers from memory)."""
        if self._states is not None:
            return
        wanted = [pid for pid in ids if pid not in self._some_states]
        if len(wanted) <= 1:
            return
        docs = self.store.get("state", wanted)
        if self.store.storage("state").loaded:  # read whole after all: take (and check) all
            self._load_states()
            return
        path = self.root / STATE_FILE
        today = backlog.today().isoformat()
        for pid, doc in docs.items():
            found = _state_from(doc, pid, path, self.store) if doc is not None else _DEFAULT_STATE
            until = found.snoozed_until
            if found.status is Status.SNOOZED and until and until <= today:
                found = _woken(found)
            self._some_states[pid] = found

    def resolve(self, ref: str) -> str:
        """The id a user means: an id, an arXiv id or URL, or an unambiguous id prefix.

        `reader:<id>` (how CSV exports write ids that are not arXiv ids) means `<id>`.
        """
        text = ref.strip()
        text = text[len("reader:") :] if text.lower().startswith("reader:") else text
        if text and self._head(text) is not None:
            return text
        arxiv = parse_arxiv_id(text)
        if arxiv:
            if self._papers is None and self._head(arxiv) is not None:
                return arxiv  # the usual case, found without reading the whole index
            papers = self.papers
            if arxiv in self._by_arxiv:
                return self._by_arxiv[arxiv]
            if arxiv in papers:
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
        papers = self.papers
        if paper.id in papers:
            return paper.id
        if paper.arxiv_id and paper.arxiv_id in self._by_arxiv:
            return self._by_arxiv[paper.arxiv_id]
        found = self._titles().get(self._title_key_of(paper.title))
        if found is not None and paper.arxiv_id and papers[found].arxiv_id not in (None, paper.arxiv_id):
            return None  # the same title on another arXiv id is another paper
        return found

    def days(self) -> list[str]:
        """Every featured day in the library, oldest first."""
        return list(self._all_days())

    def day_needs_year(self, day: str) -> bool:
        """Whether another featured day shares this day's month and day (`Jul 31` of two years):
        then a day shown without its year would be ambiguous."""
        return bool(self._days_by_date().get(day[4:], frozenset()) - {day})

    def _days_by_date(self) -> dict[str, frozenset[str]]:
        """Month and day (`-07-31`) -> the featured days on it (cached: the top line asks at
        every key, and a scan of a thousand days each time cost ~1 ms at 100,000 papers)."""

        def build() -> dict[str, frozenset[str]]:
            found: dict[str, set[str]] = {}
            for other in self._all_days():
                found.setdefault(other[4:], set()).add(other)
            return {date: frozenset(days) for date, days in found.items()}

        return self._cached("days by date", build)

    def _cached(self, key: object, build: Callable[[], T]) -> T:
        return self._derived.get(key, self.papers_version, len(self.papers), build)

    def sort_key(self, pid: str) -> int:
        """A key that sorts ids in display order: newest featured day first, then most
        upvoted, then the order of the source (the paper's place in the cached order)."""
        return self._rank()[pid]

    def display_ranks(self) -> Mapping[str, int]:
        """Id -> its place in the display order (`sort_key` for many ids at once; cached until
        papers change: do not keep it across changes)."""
        return self._rank()

    def _rank(self) -> dict[str, int]:
        """Id -> its place in the display order (cached)."""
        return self._cached("rank", lambda: {pid: n for n, pid in enumerate(self._display_order())})

    def ids(self, status: Status | None = None, day: str | None = None) -> list[str]:
        """Paper ids, filtered by status and featured day, in display order.

        With a day: most upvoted first, then the order of the source; without: as `sort_key`.
        """
        if day is not None and self._states is None:  # one day's papers: read only their states
            selected = self._day_ids(day)
            if status is None:
                return list(selected)
            self.read_states(selected)
            return [pid for pid in selected if self.state(pid).status is status]
        states = self.states
        if day is None and status is not None:
            return list(self._status_ids()[status])
        selected = self._day_ids(day) if day is not None else self._display_order()
        if status is None:
            return list(selected)
        if status is Status.INBOX:
            return [pid for pid in selected if (state := states.get(pid)) is None or state.status is status]
        return [pid for pid in selected if (state := states.get(pid)) is not None and state.status is status]

    def _status_ids(self) -> dict[Status, list[str]]:
        """The papers of each status in display order: the inbox from every paper, the others
        from the states in one pass (only touched papers have one). Built once per change of the
        papers, then kept in step with each state change by `restore` (`_keep_lists`)."""
        stamp = (self.papers_version, len(self.papers))
        if self._inbox is None or self._inbox[0] != stamp:
            states, inbox = self.states, Status.INBOX
            self._inbox = (
                stamp,
                [pid for pid in self._display_order() if (state := states.get(pid)) is None or state.status is inbox],
            )
        if self._columns is None or self._columns[0] != stamp:
            papers = self.papers
            columns: dict[Status, list[str]] = {status: [] for status in Status if status is not Status.INBOX}
            for pid, state in self.states.items():
                if state.status is not Status.INBOX and pid in papers:
                    columns[state.status].append(pid)
            rank = self._rank()
            for ids in columns.values():
                ids.sort(key=rank.__getitem__)
            self._columns = (stamp, columns)
        return {Status.INBOX: self._inbox[1], **self._columns[1]}

    def warm_lists(self) -> None:
        """Build the kept list of each status now (the app's first look does, in its thread, so
        the first board or inbox shown does not)."""
        self._status_ids()

    def _keep_lists(self, befores: Mapping[str, UserState], states: Mapping[str, UserState]) -> None:
        """Move the papers that changed status in the kept lists of each status (a big batch, such
        as marking a thousand papers, rebuilds them on next use instead)."""
        if self._inbox is None and self._columns is None:
            return
        stamp = (self.papers_version, len(self.papers))
        if self._inbox is not None and self._inbox[0] != stamp:
            self._inbox = None
        if self._columns is not None and self._columns[0] != stamp:
            self._columns = None
        moved = [pid for pid, state in states.items() if befores[pid].status is not state.status and pid in self.papers]
        if len(moved) > INBOX_PATCH_MAX:
            self._inbox = self._columns = None
            return
        lists: dict[Status, list[str]] = dict(self._columns[1]) if self._columns is not None else {}
        if self._inbox is not None:
            lists[Status.INBOX] = self._inbox[1]
        rank = self._rank()
        for pid in moved:
            if (old := lists.get(befores[pid].status)) is not None:
                old.remove(pid)
            if (new := lists.get(states[pid].status)) is not None:
                bisect.insort(new, pid, key=rank.__getitem__)

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

    def display_order(self) -> tuple[str, ...]:
        """Every id in display order (as `ids()` gives them), one tuple shared by every caller
        until papers change: the app's "all papers" view shows it without a copy (at 100,000
        papers each new copy that lives on is walked by the garbage collector, ~15 ms)."""
        return self._cached("order tuple", lambda: tuple(self._display_order()))

    def _display_order(self) -> list[str]:
        """Every id in display order (newest featured day first, then most upvoted, then the
        order of the source); cached until papers change (statuses do not move it)."""
        return self._cached("order", self._build_order)

    def _build_order(self) -> list[str]:
        papers = self.papers
        groups: dict[str, list[str]] = {}
        for pid, paper in papers.items():
            groups.setdefault(paper.days[-1] if paper.days else "", []).append(pid)
        result: list[str] = []
        for latest in sorted(groups, key=_inverted):
            members = groups[latest]
            # in library order, which a stable sort keeps among equal upvotes (no id -> place
            # dict: ~6 MB at 100,000 papers)
            members.sort(key=lambda pid: -(papers[pid].upvotes or 0))
            result += members
        return result

    def latest_day_runs(self) -> list[tuple[int, str]]:
        """Where each latest featured day's papers start in the display order (`sort_key`):
        (place, day), in that order; "" for the papers with no featured day. Cached until
        papers change."""
        return self._cached("runs", self._build_runs)

    def _build_runs(self) -> list[tuple[int, str]]:
        papers, runs, last = self.papers, [], None
        for place, pid in enumerate(self._display_order()):
            days = papers[pid].days
            day = days[-1] if days else ""
            if day != last:
                runs.append((place, day))
                last = day
        return runs

    def _day_groups(self) -> dict[str, list[str]]:
        """Featured day -> its ids in library order; one pass over the papers, cached until
        papers change. Each day is sorted for display only when it is asked for."""
        return self._cached("days", self._build_day_groups)

    def day_sizes(self) -> dict[str, int]:
        """Featured day -> how many papers were featured on it (cached until papers change)."""
        return self._cached("day sizes", lambda: {day: len(ids) for day, ids in self._day_groups().items()})

    def _build_day_groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for pid, paper in self.papers.items():
            days = paper.days
            for day in days if len(days) < 2 else dict.fromkeys(days):
                groups.setdefault(day, []).append(pid)
        return groups

    def _day_ids(self, day: str) -> list[str]:
        """The ids featured on `day`, most upvoted first, then in library order (cached).

        A library whose index was not read whole reads only that day's records (`_DayView`)."""
        if self._papers is None and self._legacy is None:
            view = self._day_view()
            if view is not None:
                found = view.day_ids(day)
                if found is not None:
                    return found
                self._lazy_days = None  # the sidecar disagreed, or the index changed meanwhile
        papers = self.papers
        return self._cached(  # a day's group is in library order, which the stable sort keeps
            ("day", day),
            lambda: sorted(self._day_groups().get(day, ()), key=lambda pid: -(papers[pid].upvotes or 0)),
        )

    def latest_day(self) -> str | None:
        """The newest featured day (None: no papers); a library whose index was not read whole
        finds it without reading it (`_DayView`)."""
        if self._papers is None and self._legacy is None:
            view = self._day_view()
            if view is not None:
                try:
                    return view.latest()
                except _StaleSidecar:
                    self._lazy_days = None
        days = self._all_days()
        return days[-1] if days else None

    def _day_view(self) -> _DayView | None:
        """The index by day without reading it whole (None: not available; read it whole)."""
        if not self._lazy_tried:
            self._lazy_tried = True
            days = self.store.day_index()
            if days is not None:
                storage = self.store.storage("index")
                changes = storage.journal_puts()
                if _identity_of(storage.path) == days.identity:  # else compacted meanwhile
                    for pid, doc in changes:
                        if doc is not None:
                            _check_head(doc, pid, self.root / INDEX_FILE, self.store)
                    self._lazy_days = _DayView(self, days, changes)
        return self._lazy_days

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
        moved: dict[str, PaperHead] = {}
        for pid in ids:
            head = self.papers[pid]
            moved[pid] = replace(head, days=sorted({new if d == old else d for d in head.days}))
        if self.sync_hooks is not None:
            self.sync_hooks.papers_changing(moved)
        self.store.put("index", {pid: h.to_dict() for pid, h in moved.items()})  # the index's days win
        for pid, head in moved.items():
            self.papers[pid] = head
            self._index(head)
        self.version += 1
        return len(ids)

    def import_papers(self, papers: Iterable[Paper]) -> ImportResult:
        """Merge papers into the library: new ones added, known ones enriched; user state untouched.

        Papers are cleaned and deduplicated first, unless they are a `Parsed` list (what the
        parsers return), which is clean already and says whether it needs deduplicating.
        """
        if type(papers) is Parsed:
            self._known_keys = papers.title_keys
        try:
            with _no_collection():  # ten containers a paper and no garbage: see `_no_collection`
                return self._import_papers(papers)
        finally:
            self._known_keys = {}

    def _import_papers(self, papers: Iterable[Paper]) -> ImportResult:
        result = ImportResult()
        if type(papers) is Parsed:  # from our parsers: clean, and deduplicated if `distinct`
            incoming: list[Paper] = papers if papers.distinct else dedupe(papers)
        else:
            incoming = dedupe([clean_paper(p) for p in papers])
        if not incoming:
            raise BadInput("nothing to import: no papers given")
        changed: dict[str, Paper] = {}
        pending_new: dict[str, Paper] = {}
        ids = result.ids
        new_ids = result.new_ids
        find = self._finder()
        if not self.papers and not self._by_arxiv and type(papers) is Parsed and papers.distinct:
            # into an empty library, papers no two of which are the same (`dedupe`: their ids
            # differ): each is new, under its id, as the loop below would find one by one
            pending_new = {paper.id: paper for paper in incoming}
            new_ids += pending_new
            ids += pending_new
            incoming_left: Iterable[Paper] = ()
        else:
            incoming_left = incoming
        for paper in incoming_left:
            pid = find(paper)
            if pid is None:
                pid = paper.id
                if pid in pending_new:
                    pending_new[pid].merge(paper)
                else:
                    pending_new[pid] = paper
                    new_ids.append(pid)
                ids.append(pid)
                continue
            merged = changed[pid] if pid in changed else self.paper(pid)
            if merged.merge(paper):
                changed[pid] = merged
                result.updated += 1
            else:
                result.unchanged += 1
            ids.append(pid)
        result.new = len(new_ids)
        result.days = sorted({d for p in incoming for d in p.days})
        if changed or pending_new:
            if self.sync_hooks is not None:
                self.sync_hooks.papers_changing([*changed, *pending_new])
            self._write_papers(changed, pending_new)
            self.version += 1
        return result

    def _finder(self) -> Callable[[Paper], str | None]:
        """`find`, for many papers in a row while the library does not change (an import).

        The map of every title (100,000 titles keyed: most of an import into a big library)
        is made only for a paper that may be found by its title. One with an arXiv id the
        library does not know is found by its title only when the first paper with that title
        has none (see `find`): while no paper without one has its title, which
        `_titles_without_arxiv` tells, it is new. One without an arXiv id is new while no
        paper's title has the letters of its title (`_title_letters`).
        """
        papers = self.papers
        by_arxiv = self._by_arxiv
        titles = self._by_title
        known = self._known_keys

        def find(paper: Paper) -> str | None:
            nonlocal titles
            if paper.id in papers:
                return paper.id
            arxiv_id = paper.arxiv_id
            if arxiv_id and arxiv_id in by_arxiv:
                return by_arxiv[arxiv_id]
            if not papers:
                return None  # (an empty library)
            key = known.get(paper.title)
            if key is None:
                key = _title_key(paper.title)
            if titles is None:
                if arxiv_id:
                    if key not in self._titles_without_arxiv():
                        return None
                elif key_letters(key) not in self._title_letters():
                    return None
                titles = self._titles()
            found = titles.get(key)
            if found is not None and arxiv_id and papers[found].arxiv_id not in (None, arxiv_id):
                return None  # the same title on another arXiv id is another paper
            return found

        return find

    def _write_papers(self, changed: dict[str, Paper], new: dict[str, Paper]) -> None:
        """Write papers durably: their full records into their shards first (not yet listed, so
        a failure midway shows nothing half-imported), then their index records in one write,
        which makes them part of the library at once."""
        papers = self.papers
        records: dict[str, dict[str, Any]] = {}
        by_shard: dict[str, dict[str, dict[str, object]]] = {}
        shard_of_day: dict[str, str] = {}
        heads: list[PaperHead] = []
        record_of = PaperHead.record_of
        for pid, paper in (*changed.items(), *new.items()):
            if pid in papers:
                shard = papers[pid].shard
            else:
                days = paper.days
                first = days[0] if len(days) == 1 else min(days, default="")
                shard = shard_of_day.get(first) or shard_of_day.setdefault(first, shard_of(days))
            record = records[pid] = record_of(paper, shard)
            # `PaperHead.from_dict(record, pid)`, from the paper (the record's lists shared, as a
            # head read from the file shares them)
            heads.append(
                PaperHead(
                    pid,
                    paper.title,
                    record["days"],
                    paper.arxiv_id,
                    paper.upvotes,
                    paper.published,
                    record.get("sources") or [],
                    paper.withdrawn_at,
                    paper.announce_type,
                    paper.version,
                    shard,
                    record.get("has") or "",
                )
            )
            docs = by_shard.get(shard)
            if docs is None:
                docs = by_shard[shard] = {}
            docs[pid] = paper.stored()  # (without the id: it is the key)
        writes: list[tuple[str, Mapping[str, Mapping[str, Any] | None]]] = [
            (f"{SHARD_DIR}/{shard}", docs) for shard, docs in by_shard.items()
        ]
        writes.append(("index", records))
        self.store.put_many(writes)
        if self._some_docs:
            for pid in records:
                self._some_docs.pop(pid, None)
        with self._shard_lock:
            for shard, docs in by_shard.items():
                self.store.release(f"{SHARD_DIR}/{shard}")
                cached = self._shards.get(shard)
                if cached is not None:
                    cached.update(docs)
        by_arxiv = self._by_arxiv
        titles = self._by_title
        plain = self._plain_titles
        letters = self._letters
        known = self._known_keys
        for head in heads:
            pid = head.id
            papers[pid] = head
            if head.arxiv_id:  # `_index`, for each
                by_arxiv[head.arxiv_id] = pid
            if titles is not None or letters is not None or (plain is not None and head.arxiv_id is None):
                key = known.get(head.title)
                if key is None:
                    key = _title_key(head.title)
                if titles is not None:
                    titles.setdefault(key, pid)
                if plain is not None and head.arxiv_id is None:
                    plain.setdefault(key, pid)
                if letters is not None:
                    letters.add(key_letters(key))
        self.papers_version += len(records)

    # -- user state ------------------------------------------------------------------------

    def set_status(self, pids: str | Sequence[str], status: Status) -> list[Change]:
        """Move papers to a status (one durable write); return the changes for undo."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        status = Status(status)
        stamp = now_iso()
        new: dict[str, UserState] = {}
        for pid in ids:
            self.head(pid)
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
        self.head(pid)
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
        self.head(pid)
        after = self._tagged(pid, tags)
        return self._change({pid: after} if after is not None else {})

    def edit_tags(self, pids: str | Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[Change]:
        """Add and remove tags on one paper or many, in one write and one undo step."""
        ids = [pids] if isinstance(pids, str) else list(pids)
        drop = {normalise_tag(t) for t in remove}
        extra = list(add)
        new: dict[str, UserState] = {}
        for pid in ids:
            self.head(pid)
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
            current = self.states if self._states is not None else {pid: self.state(pid) for pid in states}
            states = self.sync_hooks.stamp(current, states)
        docs = {pid: (None if s.is_default() else s.to_dict()) for pid, s in states.items()}
        befores = {pid: self.state(pid) for pid in states}  # read before the write changes them
        self.store.put_states(docs)
        changes = []
        kept = self._states if self._states is not None else self._some_states
        for pid, state in states.items():
            changes.append(Change(pid, befores[pid], state.copy()))
            if state.is_default() and self._states is not None:
                kept.pop(pid, None)
            else:
                kept[pid] = _DEFAULT_STATE if state.is_default() else state.copy()
        self._keep_lists(befores, states)
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
            self.head(pid)
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
                woken[pid] = _woken(state)
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
            self.head(pid)
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


class _StaleSidecar(Exception):
    """The index's day sidecar cannot be used after all: the index is read whole."""


class _DayView:
    """One day's papers of a library whose index was not read whole, as `Library._day_ids`
    gives them when it has: the index snapshot's papers by day (`DayIndex`, a sidecar of the
    snapshot) with the journal's changes applied, and only that day's records read (by offset).

    The library's order (the tiebreak of equal upvotes) is the index's: the snapshot's records
    in file order, then the records the journal added, in the order it added them (a record
    deleted and put again counts as added then).
    """

    def __init__(self, library: Library, days: DayIndex, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        self.library = library
        self.days = days
        self.changes = changes
        self.final: dict[str, dict[str, Any] | None] = dict(changes)
        """The journal's last word on each paper it names (None: deleted)."""
        self._found: dict[str, list[str]] = {}

    def latest(self) -> str | None:
        """The newest featured day (None: no papers); `_StaleSidecar` if the sidecar cannot be used."""
        final = self.final
        newest = max((max(days) for doc in final.values() if doc and (days := doc.get("days"))), default=None)
        try:
            for day in reversed(self.days.days):
                if newest is not None and day <= newest:
                    break
                if any(pid not in final for pid in self.days.ids(day)):
                    return day
        except (ValueError, orjson.JSONDecodeError):
            raise _StaleSidecar from None
        return newest

    def day_ids(self, day: str) -> list[str] | None:
        """The ids featured on `day`, most upvoted first, then in library order; their index
        records are kept by the library (None: the sidecar cannot be used: read it all)."""
        found = self._found.get(day)
        if found is not None:
            return found
        library, final = self.library, self.final
        try:
            listed = self.days.ids(day)
        except (ValueError, orjson.JSONDecodeError):
            return None
        kept = [pid for pid in listed if pid not in final]
        changed = [pid for pid, doc in final.items() if doc is not None and day in (doc.get("days") or ())]
        storage = library.store.storage("index")
        located = storage.records_at([*kept, *changed], self.days.identity)
        if located is None:
            return None
        path = library.root / INDEX_FILE
        place: dict[str, tuple[int, int]] = {}
        heads: dict[str, PaperHead] = {}
        for pid in kept:
            where = located[pid]
            if where is None or day not in (where[1].get("days") or ()):
                return None  # the sidecar disagrees with the snapshot: never trusted over it
            _check_head(where[1], pid, path, library.store)
            heads[pid] = PaperHead.from_dict(where[1], pid)
            place[pid] = (0, where[0])
        if changed:
            present = {pid: located[pid] is not None for pid in changed}
            added: dict[str, int] = {}
            for step, (pid, doc) in enumerate(self.changes):
                if pid not in present:
                    continue
                if doc is None:
                    present[pid] = False
                    added.pop(pid, None)
                elif not present[pid]:
                    present[pid] = True
                    added[pid] = step  # after every snapshot record, in the journal's order
            for pid in changed:
                doc = final[pid]
                assert doc is not None
                heads[pid] = PaperHead.from_dict(doc, pid)
                where = located[pid]
                place[pid] = (1, added[pid]) if pid in added or where is None else (0, where[0])
        library._some_heads.update(heads)
        found = sorted(heads, key=lambda pid: (-(heads[pid].upvotes or 0), place[pid]))
        self._found[day] = found
        return found


def _identity_of(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


class ShardSource:
    """A library's shards for a derived cache: a stamp per shard (the version of its files,
    cheap to read on every search) and the shard's papers in full (only those in the index)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def stamps(self) -> dict[str, str]:
        if self.library._legacy is not None:
            return {"legacy": _stamp(self.library.root / PAPERS_FILE) + str(self.library.papers_version)}
        folder = self.library.root / SHARD_DIR
        return {name: _stamp(folder / f"{name}.json") for name in self.library.store.shards()}

    def papers(self, shard: str) -> Iterable[Paper]:
        library = self.library
        if library._legacy is not None:
            return library.full_papers(list(library.papers)) if shard == "legacy" else []
        heads = library.papers
        return library.full_papers([pid for pid in library._shard(shard) if pid in heads])


def _stamp(snapshot: Path) -> str:
    """The version of a file and its journal: modification time and size of each."""
    parts = []
    for path in (snapshot, snapshot.with_suffix(".journal")):
        try:
            info = path.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{info.st_mtime_ns}:{info.st_size}")
    return "|".join(parts)


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


def parse_files(paths: Sequence[Path], *, day: date | None = None) -> tuple[Parsed, list[str], list[str]]:
    """Parse every file (raising `BadInput` for the first bad one): the papers of all of them,
    one line for each arXiv feed that had no announcements (not an error), and the parsers'
    warnings (lines of a page that could not be placed)."""
    today = date.today()
    papers = Parsed()
    notes: list[str] = []
    warnings: list[str] = []
    for path in paths:
        ctx = ImportContext(name=str(path), day=day, today=today)
        try:
            with _no_collection():
                papers.add(parse_file(path, ctx))
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


def _woken(state: UserState) -> UserState:
    """A snoozed paper's state once its day has come: back in the inbox."""
    after = state.copy()
    after.status = Status.INBOX
    after.triaged_at = None
    return after


def _refuse(path: Path, pid: str, store: Store, bad: tuple[str, str], doc: dict[str, Any]) -> LoadError:
    record = _BadRecord(*bad, doc.get(bad[0]))
    key = {STATE_FILE: "state", INDEX_FILE: "index", PAPERS_FILE: "legacy"}.get(path.name)
    if key is None:
        key = f"{SHARD_DIR}/{path.stem}"
    return LoadError(
        f"cannot read {path}: paper {clean_line(pid)[:60]!r}: {record.field!r} should be "
        f"{record.expected}, not {record.shown()}. The file was left untouched.{store.restore_hint(key)}"
    )


def _check_paper(doc: Any, pid: str, path: Path, store: Store) -> None:
    """Refuse a stored paper record with a field of the wrong type (one line, naming the file)."""
    if not isinstance(doc, dict):
        raise LoadError(f"cannot read {path}: not a reader library file (entry {pid!r} is not an object)")
    bad = stored_paper_problem(doc)
    if bad is not None:
        raise _refuse(path, pid, store, bad, doc)


def _check_head(doc: Any, pid: str, path: Path, store: Store) -> None:
    _check_paper(doc, pid, path, store)
    shard = doc.get("shard")
    if not isinstance(shard, str):
        raise _refuse(path, pid, store, ("shard", "text"), doc)


def _state_from(doc: Any, pid: str, path: Path, store: Store) -> UserState:
    if not isinstance(doc, dict):
        raise LoadError(f"cannot read {path}: not a reader library file (entry {pid!r} is not an object)")
    bad = stored_state_problem(doc)
    if bad is not None:
        raise _refuse(path, pid, store, bad, doc)
    try:
        return _clean_state(UserState.from_dict(doc))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise LoadError(
            f"cannot read {path}: not a reader library file (entry {pid!r}: {exc}). "
            f"The file was left untouched.{store.restore_hint(path.name)}"
        ) from None


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


_title_key = title_key
_head_title = operator.attrgetter("title")
"""`normalise_title` with a fast path for ASCII titles (see `reader.models.title_key`)."""


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
