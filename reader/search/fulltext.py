"""The full-text cache: an SQLite FTS5 index of abstracts, authors and AI summaries on disk.

A large library's full-text search reads this cache instead of folding and keeping every
abstract in memory. It is derived data in the library's `cache/` folder: TinyDB stays the
source of truth, and the cache is never trusted over it. It is kept per *shard* (a part of
the library's papers, see `Shards`), each with a *stamp* (a string naming the version of the
shard's files); a shard whose stamp differs from the one recorded with its rows is rebuilt,
a shard that no longer exists is dropped, and a missing, unreadable or corrupt file is
deleted and built again. A search never waits on a build in the app: until the cache is
current, `SearchIndex` searches the full-text part in titles and notes only and says so
(`SearchResult.pending`); the command line builds it first.

Schema (`SCHEMA`; a file of another schema is rebuilt):

    meta(key, value)                   schema version
    shards(name, stamp, tab)           one row per shard that is complete: written in the same
                                       transaction as its rows, so a killed build leaves the
                                       shard missing (rebuilt), never half there
    docs(rowid, tab, pid)              the paper id of every row of every shard table
    words(tab, word)                   the words of titles, authors, summaries, keywords
                                       (the typo vocabulary; abstracts are left out, as in memory)
    t<tab>  fts5(body, authors)        one contentless trigram table per shard: rebuilding a shard
                                       drops its table (SQLite before 3.43 cannot delete rows
                                       from a contentless table)

Matching: `body` holds `reader.search.fold.body_text` (title, abstract, authors, AI summary,
keywords, folded) and `authors` the folded names one per line, exactly the texts the
in-memory index scans. The trigram tokenizer (`case_sensitive 1`: the text is folded before)
finds any substring of three characters or more, so a word or phrase matches the same papers
as the in-memory substring test, mid-word pieces included (`ffus` finds `diffusion`). A needle
of one or two characters cannot be looked up in a trigram index: such a term (`c#`, `"ab"`,
`author:li`) is searched in memory, as before.

Why trigrams (measured on 100,000 synthetic papers, 190 MB of folded text, a shared machine at
load 5-8): trigram 574 MB on disk, built in ~250 s + 44 s `optimize`; unicode61 with prefix
queries 86 MB, ~73 s + 5 s. Lookups cost about the same (CPU ms, `dif`/`diff`/`diffus`/`model`:
trigram 15/15/18/65, unicode61 17/13/10/37): returning tens of thousands of rowids dominates
both. But unicode61 finds only word starts (`dif*`: 54,987 papers against 61,998 holding
`dif`; `ffus` finds nothing) and reads punctuation as spaces in phrases, so the search would
answer differently above the threshold than below it; trigrams answer exactly the same (a
test compares both paths on the same queries). The price is disk: ~2.4x `papers.json`.

Where it is built: a command builds it before searching (`update`). The app builds it in a
child process (`python -m reader.search.fulltext LIBRARY`, see `start_update`): reading a
shard (one `orjson.loads` of ~5 MB holds the GIL for ~30 ms) and the collections its objects
start would stall the UI thread if a thread of the app did it (up to 157 ms per stall measured
at 100,000 papers); a child runs beside it, on another core where there is one.

Concurrency: the app and a command may both open the file. It is in WAL mode with a busy
timeout; a shard is rebuilt in one `BEGIN IMMEDIATE` transaction (after which the stamp is
checked again: another process may have built it meanwhile). Any SQLite error while reading
means "no cache" for that search; an error while building gives up until the next change.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reader.models import Paper
from reader.search.fold import author_text, body_text, fold

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "CACHE_FILE",
    "MIN_NEEDLE",
    "FullTextCache",
    "Shards",
    "available",
    "cache_path",
    "threshold",
]

CACHE_FILE = "fulltext.sqlite3"
SCHEMA = "1"
MIN_NEEDLE = 3
"""Trigram lookups need at least this many characters; shorter needles are searched in memory."""
THRESHOLD = 10_000
"""From this many papers on, full-text search uses the cache. Measured (CPU time per key while
typing `diffus`, the worst key): at 10,000 papers 10.7 ms through the cache against 22.5 ms in
memory; at 1,000 the memory scan is under 4 ms and the cache would only cost disk and a build."""
THRESHOLD_ENV = "READER_FULLTEXT_CACHE_FROM"
"""Overrides `THRESHOLD` (a number of papers; 0: always, for tests and small machines)."""
BATCH = 2_000
"""Papers folded and inserted per `executemany` (a background build lets the UI thread run)."""
BUSY_MS = 5_000
BUSY_EXIT = 3
"""The child's exit code when another process holds the cache's write lock (asked again later)."""
RETRY_S = 2.0
"""After a child found the cache busy, the app waits this long before starting another."""
TOKENIZER = "trigram case_sensitive 1"

_TOKEN = re.compile(r"[^\W_]{3,}")  # the words of `reader.search.typo.Vocabulary`


def threshold() -> int:
    """The library size from which the cache is used (`READER_FULLTEXT_CACHE_FROM` or `THRESHOLD`)."""
    value = os.environ.get(THRESHOLD_ENV, "").strip()
    if value.isdigit():
        return int(value)
    return THRESHOLD


_AVAILABLE: bool | None = None


def available() -> bool:
    """Whether this Python's SQLite has FTS5 with the trigram tokenizer (SQLite 3.34+)."""
    global _AVAILABLE
    if _AVAILABLE is None:
        try:
            probe = sqlite3.connect(":memory:")
            try:
                probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram case_sensitive 1', content='')")
                probe.execute("INSERT INTO t(rowid, x) VALUES (1, 'diffusion')")
                _AVAILABLE = probe.execute("SELECT rowid FROM t WHERE t MATCH '\"ffus\"'").fetchall() == [(1,)]
            finally:
                probe.close()
        except sqlite3.Error:
            _AVAILABLE = False
    return _AVAILABLE


class Shards(Protocol):
    """What the cache reads the library through: its papers in shards, each with a stamp.

    `stamps()` must be cheap (it is asked on every full-text search): a stamp is a string that
    changes whenever the shard's papers may have changed (e.g. the identity of its files).
    `papers(shard)` gives the shard's full papers (abstracts included); it is read only to build.
    """

    def stamps(self) -> dict[str, str]: ...

    def papers(self, shard: str) -> Iterable[Paper]: ...


def _identity(path: Path) -> str:
    """A file's version: modification time (ns) and size. Not the inode: a copy that keeps the
    times (a restored backup, `cp -p`, the benchmark's copies) is the same version."""
    try:
        info = path.stat()
    except OSError:
        return "-"
    return f"{info.st_mtime_ns}:{info.st_size}"


def _quoted(needle: str) -> str:
    """`needle` as an FTS5 string (a phrase of its trigrams: a substring test)."""
    return '"' + needle.replace('"', '""') + '"'


def short_texts(paper: Paper) -> Iterator[str]:
    """The folded texts whose words go into the typo vocabulary (titles are added in memory)."""
    yield author_text(paper)
    if paper.ai_summary:
        yield fold(paper.ai_summary)
    if paper.ai_keywords:
        yield fold(" ".join(paper.ai_keywords))


def _words(papers: Iterable[Paper]) -> set[str]:
    pieces = set(" ".join(text for paper in papers for text in short_texts(paper)).split())
    words: set[str] = set()
    for piece in pieces:
        words.update(_TOKEN.findall(piece))
    return words


def _busy(exc: BaseException) -> bool:
    """Whether an SQLite error means another connection holds the file (not a broken file)."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


class CacheError(Exception):
    """The cache cannot be read or written (the caller searches without it)."""


class FullTextCache:
    """The FTS5 cache of one library: whether it is current, building it, and lookups.

    Lookups return SQLite rowids; `rows()` maps them to paper ids. Thread-safe: the search
    runs in a worker while a build may run in another thread (with its own connection).
    """

    def __init__(self, path: Path, source: Shards, *, library: Path | None = None) -> None:
        self.path = path
        self.source = source
        self.library = library
        """The library's folder: `start_update` builds in a child process that opens it (None:
        in a thread of this process, which only tests that need no process choose)."""
        self._child: subprocess.Popen[bytes] | None = None
        self._child_stamps: dict[str, str] | None = None
        self._retry_at = 0.0
        self._conn: sqlite3.Connection | None = None
        self._inode = -1
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._known: dict[str, tuple[str, int]] | None = None
        """The shards table as last read: name -> (stamp, tab)."""
        self._data_version = -1
        self.generation = 0
        """Bumped whenever what this process reads from the cache may have changed."""
        self._thread: threading.Thread | None = None
        self.failed: str | None = None
        """Why the last build failed (None: it did not)."""
        self._failed_stamps: dict[str, str] | None = None
        self.builds = 0
        """Shards built by this object (tests and the benchmark read it)."""

    # -- reading -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, check_same_thread=False, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash keeps the last commit or the one before
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _reader(self) -> sqlite3.Connection:
        """The reading connection, to the file now at `path` (a rebuild may have replaced it)."""
        try:
            inode = self.path.stat().st_ino
        except OSError:
            self.close()
            raise CacheError("no cache") from None
        if self._conn is not None and inode != self._inode:
            self.close()
        if self._conn is None:
            self._conn = self._connect()
            self._inode = inode
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None
                self._known = None

    def _shards(self) -> dict[str, tuple[str, int]]:
        """The complete shards in the file (re-read only when another connection wrote)."""
        conn = self._reader()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._known is None or version != self._data_version:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema") != SCHEMA:
                raise CacheError("another schema")
            rows = conn.execute("SELECT name, stamp, tab FROM shards")
            self._known = {name: (stamp, tab) for name, stamp, tab in rows}
            self._data_version = version
            self.generation += 1
        return self._known

    def current(self) -> bool:
        """Whether every shard of the library is in the cache at its current stamp (never raises)."""
        try:
            wanted = self.source.stamps()
            with self._lock:
                known = self._shards()
        except (sqlite3.Error, CacheError, OSError):
            self.close()
            return False
        return len(known) == len(wanted) and all(known.get(name, ("",))[0] == stamp for name, stamp in wanted.items())

    def rows(self) -> list[tuple[int, str]]:
        """(rowid, paper id) of every paper in the cache."""
        with self._lock:
            try:
                self._shards()
                return self._reader().execute("SELECT rowid, pid FROM docs").fetchall()
            except (sqlite3.Error, CacheError) as exc:
                self.close()
                raise CacheError(str(exc)) from exc

    def match(self, needle: str, column: str | None = None) -> list[int]:
        """The rowids whose `body` (or `column`) holds the folded `needle` (3+ characters)."""
        return self.match_array(needle, column).tolist()

    def match_array(self, needle: str, column: str | None = None) -> NDArray[np.int64]:
        """`match` as an array: shard after shard, each in rowid order.

        A common needle matches most of the library (`dif`: ~62,000 of 100,000 papers); the
        rowids come back as one comma-separated text per shard, parsed by NumPy in C (~1 ms
        for 62,000 against ~11 ms for `int()` on each piece).
        """
        import numpy as np

        if len(needle) < MIN_NEEDLE:
            raise ValueError(f"a trigram lookup needs {MIN_NEEDLE} characters: {needle!r}")
        query = _quoted(needle) if column is None else f"{column} : {_quoted(needle)}"
        parts: list[NDArray[np.int64]] = []
        with self._lock:
            try:
                known = self._shards()
                conn = self._reader()
                for _stamp, tab in known.values():
                    sql = f"SELECT group_concat(rowid) FROM t{tab} WHERE t{tab} MATCH ?"
                    text = conn.execute(sql, (query,)).fetchone()[0]
                    if text:
                        parts.append(np.fromstring(text, dtype=np.int64, sep=","))
            except (sqlite3.Error, CacheError) as exc:
                self.close()
                raise CacheError(str(exc)) from exc
        if not parts:
            return np.empty(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def shard_tables(self) -> list[int]:
        """The tables of the complete shards as last read (no SQLite call)."""
        known = self._known
        return [] if known is None else [tab for _stamp, tab in known.values()]

    def words(self) -> list[str]:
        """The typo vocabulary of the cached shards (words of authors, summaries, keywords)."""
        with self._lock:
            try:
                self._shards()
                return [w for (w,) in self._reader().execute("SELECT DISTINCT word FROM words")]
            except (sqlite3.Error, CacheError) as exc:
                self.close()
                raise CacheError(str(exc)) from exc

    def size(self) -> int:
        """Bytes on disk (the file and its WAL)."""
        return sum(p.stat().st_size for p in self._files() if p.exists())

    def _files(self) -> list[Path]:
        return [self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")]

    # -- building ----------------------------------------------------------------------------

    def update(self, progress: Callable[[str], None] | None = None) -> bool:
        """Bring every stale or missing shard up to date, now; False if that failed.

        A file that is not a cache of this schema (garbage, another version) is deleted and
        built again. Never raises for an SQLite or file error (`failed` says why).
        """
        with self._build_lock:
            wanted = self.source.stamps()
            if self._failed_stamps == wanted:
                return False  # failed at these stamps: wait for a change rather than retry per key
            try:
                self._update(wanted, progress)
            except Exception as exc:  # a cache: whatever went wrong, search without it
                if _busy(exc):  # another process is building it: ask again later
                    return False
                self.failed = f"{self.path}: {exc}"
                self._failed_stamps = wanted
                return False
            self.failed = None
            self._failed_stamps = None
            return True

    def _open_for_build(self) -> sqlite3.Connection:
        """A connection to a cache of this schema: made if missing, remade if unreadable."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            if not tables:
                return self._initialise(conn)
            if "meta" in tables:
                schema = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if schema is not None and schema[0] == SCHEMA:
                    return conn
            raise CacheError("another schema")
        except (sqlite3.DatabaseError, CacheError) as exc:
            if conn is not None:
                conn.close()
            if _busy(exc):
                raise
        # not a database, corrupt, or another schema: a cache is only ever rebuilt
        self.close()
        for path in self._files():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return self._initialise(self._connect())

    def _initialise(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """Make the tables (idempotent: two processes may both find the file empty)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY, stamp TEXT NOT NULL, tab INTEGER NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, tab INTEGER NOT NULL, pid TEXT NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS docs_tab ON docs (tab)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS words (tab INTEGER NOT NULL, word TEXT NOT NULL, PRIMARY KEY (tab, word))"
                " WITHOUT ROWID"
            )
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,))
            conn.execute("COMMIT")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _update(self, wanted: dict[str, str], progress: Callable[[str], None] | None) -> None:
        conn = self._open_for_build()
        try:
            for name, stamp in wanted.items():
                self._build_shard(conn, name, stamp, progress)
            for (name,) in conn.execute("SELECT name FROM shards").fetchall():
                if name not in wanted:
                    conn.execute("BEGIN IMMEDIATE")
                    self._drop_shard(conn, name)
                    conn.execute("COMMIT")
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            conn.close()

    def _drop_shard(self, conn: sqlite3.Connection, name: str) -> None:
        row = conn.execute("SELECT tab FROM shards WHERE name = ?", (name,)).fetchone()
        if row is None:
            return
        tab = int(row[0])
        conn.execute(f"DROP TABLE IF EXISTS t{tab}")
        conn.execute("DELETE FROM docs WHERE tab = ?", (tab,))
        conn.execute("DELETE FROM words WHERE tab = ?", (tab,))
        conn.execute("DELETE FROM shards WHERE name = ?", (name,))

    def _build_shard(
        self, conn: sqlite3.Connection, name: str, stamp: str, progress: Callable[[str], None] | None
    ) -> None:
        row = conn.execute("SELECT stamp FROM shards WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] == stamp:
            return
        papers = list(self.source.papers(name))
        if self.source.stamps().get(name) != stamp:
            return  # changed while being read: the next search sees it stale and asks again
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT stamp FROM shards WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] == stamp:  # another process built it while we waited
            conn.execute("ROLLBACK")
            return
        if progress is not None:
            progress(f"indexing {len(papers):,} papers of {name} for full-text search")
        self._drop_shard(conn, name)
        tabs = [t for (t,) in conn.execute("SELECT tab FROM shards")]
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'")
        leftovers = [int(n[1:]) for (n,) in names if n[1:].isdigit()]
        tab = max([0, *tabs, *leftovers]) + 1
        conn.execute(f"CREATE VIRTUAL TABLE t{tab} USING fts5(body, authors, tokenize='{TOKENIZER}', content='')")
        first = (conn.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0) + 1
        words: set[str] = set()
        for start in range(0, len(papers), BATCH):
            chunk = papers[start : start + BATCH]
            rows = range(first + start, first + start + len(chunk))
            conn.executemany(
                "INSERT INTO docs (rowid, tab, pid) VALUES (?, ?, ?)",
                ((r, tab, p.id) for r, p in zip(rows, chunk, strict=True)),
            )
            conn.executemany(
                f"INSERT INTO t{tab} (rowid, body, authors) VALUES (?, ?, ?)",
                ((r, body_text(p), author_text(p)) for r, p in zip(rows, chunk, strict=True)),
            )
            words |= _words(chunk)  # a batch at a time: a background build never holds the GIL long
        conn.executemany("INSERT INTO words (tab, word) VALUES (?, ?)", ((tab, w) for w in words))
        conn.execute(f"INSERT INTO t{tab} (t{tab}) VALUES ('optimize')")
        conn.execute("INSERT INTO shards (name, stamp, tab) VALUES (?, ?, ?)", (name, stamp, tab))
        conn.execute("COMMIT")
        self.builds += 1

    def start_update(self) -> bool:
        """Update the cache in the background (one build at a time); False if none was started.

        With `library` set, in a child process (see the module's docstring); else in a thread.
        A child that failed is not started again until the shards change (as `update`), and
        one that found the cache busy (another process building it) not before `RETRY_S`.
        """
        with self._lock:
            if self.building:
                return False
            if self.library is None or not sys.executable:  # (no interpreter to start: an embedded Python)
                self._thread = threading.Thread(target=self.update, name="reader-fulltext", daemon=True)
                self._thread.start()
                return True
            stamps = self.source.stamps()
            if stamps == self._failed_stamps or time.monotonic() < self._retry_at:
                return False
            self._child = _spawn_build(self.library)
            self._child_stamps = stamps
            weakref.finalize(self, _stop_child, self._child)
            return True

    def _reap(self) -> None:
        """Take in the result of a child build that has ended."""
        child = self._child
        if child is None or child.poll() is None:
            return
        self._child = None
        said = child.stderr.read().decode("utf-8", "replace").strip() if child.stderr is not None else ""
        if child.stderr is not None:
            child.stderr.close()
        if child.returncode == 0:
            self.failed = None
            self._failed_stamps = None
        elif child.returncode == BUSY_EXIT or child.returncode < 0:  # busy, or stopped by a signal
            self._retry_at = time.monotonic() + RETRY_S
        else:
            last = said.splitlines()[-1] if said else f"the build process ended with code {child.returncode}"
            self.failed = f"{self.path}: {last}"
            self._failed_stamps = self._child_stamps
        self.generation += 1  # the file was written by another process: read it again

    def stop(self) -> None:
        """Stop a child build (its shard's transaction is rolled back: the cache stays whole)."""
        with self._lock:
            if self._child is not None:
                _stop_child(self._child)
                self._reap()
                self._retry_at = 0.0  # stopped, not failed: the next search may start it again

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background update to end (tests, the benchmark)."""
        thread, child = self._thread, self._child
        if thread is not None:
            thread.join(timeout)
        if child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout)
            with self._lock:
                self._reap()

    @property
    def building(self) -> bool:
        with self._lock:
            self._reap()
            if self._child is not None:
                return True
        thread = self._thread
        return thread is not None and thread.is_alive()


def cache_path(library: Path) -> Path:
    """Where the full-text cache of the library in this folder lives."""
    return library / "cache" / CACHE_FILE


def _build_command(library: Path) -> list[str]:
    return [sys.executable, "-m", "reader.search.fulltext", str(library), "--parent", str(os.getpid())]


def _spawn_build(library: Path) -> subprocess.Popen[bytes]:
    """`python -m reader.search.fulltext LIBRARY --parent PID`, detached from the terminal."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return subprocess.Popen(
        _build_command(library),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # the terminal's signals are the app's, not the build's
    )


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(5)
        if child.poll() is None:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    """The child build: bring the cache of the library at `argv[0]` up to date and exit.

    Exit code 0: current; `BUSY_EXIT`: another process holds the write lock; 1: failed (the
    last line on stderr says why). With `--parent PID` it stops before the next shard once
    that process is gone (the app quit while it built).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    parent = int(args[args.index("--parent") + 1]) if "--parent" in args else None
    root = Path(args[0])

    def still_wanted(_message: str) -> None:
        if parent is not None and os.getppid() != parent:
            raise SystemExit(0)  # not caught by `update`: the open transaction is rolled back

    from reader.library import Library  # (here: the library module imports this one)

    if not root.is_dir():
        print(f"cannot build: no library at {root}", file=sys.stderr)
        return 1
    try:
        with Library.open(root, readonly=True) as library:
            cache = FullTextCache(cache_path(root), library.fulltext_shards())
            if cache.update(still_wanted):
                return 0
            if cache.failed is None:
                return BUSY_EXIT
            print(cache.failed, file=sys.stderr)
            return 1
    except Exception as exc:  # reported to the app in one line; the app searches without the cache
        print(f"cannot build: {exc}".replace("\n", " "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
