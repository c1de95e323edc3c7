"""The only module that touches the library's files: TinyDB on journaled, atomic storage.

A library is a folder:

    papers.json      TinyDB file, table "papers": paper metadata (large; changes on import)
    papers.journal   changes to it since the file was last written, one JSON line each
    state.json       TinyDB file, table "state": user state per paper (small)
    state.journal    changes to it since, one line per status change, note save or tag edit
    settings.json    small preferences kept with the library (the arXiv categories followed),
                     rewritten whole and atomically on each change
    .lock            held (flock) by the one process allowed to write
    backups/         the previous versions of both files, a few of each, newest last

A change is appended to the journal and fsynced before the call returns: one small write
whatever the size of the library. The JSON files carry a `_meta` table with the schema
version and are rewritten only when a journal is compacted: to a temporary file in the same
folder, flushed, fsynced, renamed over the old file, and the folder fsynced, so a crash
leaves the old or the new file, never a torn one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from reader.atomic import FolderSyncFailed as _FolderSyncFailed
from reader.atomic import atomic_write_bytes, fsync_dir

__all__ = ["atomic_write_bytes"]  # also importable from here, where it lived

SCHEMA_VERSION = 1
PAPERS_FILE = "papers.json"
STATE_FILE = "state.json"
SETTINGS_FILE = "settings.json"
JOURNAL_SUFFIX = ".journal"
LOCK_FILE = ".lock"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 5
CACHE_DIR = "cache"


class StoreError(Exception):
    """A problem with the library's files, worded for the user (one line)."""


class LoadError(StoreError):
    """A library file exists but cannot be used; it is left untouched."""


class LockedError(StoreError):
    """Another process holds the library for writing."""


class WriteError(StoreError):
    """A write failed; the file on disk and the data in memory are both the previous version."""


class ReadOnlyError(StoreError):
    """A write was attempted on a library opened for reading only."""


def default_root() -> Path:
    """Where the library lives unless `--db` or `READER_DB` says otherwise."""
    env = os.environ.get("READER_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs  # imported here: only needed when no path is given

    return Path(platformdirs.user_data_dir("reader", appauthor=False))


def _describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of a file from the next (None: no file)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


class JournaledStorage(Storage):
    """A TinyDB storage: a snapshot file plus an append-only journal of changes since.

    A change is one JSON line appended to the journal and fsynced: one small write, whatever
    the size of the library. Loading reads the snapshot and replays the journal. When the
    journal grows past a quarter of the snapshot (or on close, when that is cheap) the data is
    compacted: written whole to a new snapshot (atomically), then the journal is emptied.
    Replaying a journal over a snapshot that already holds it gives the same data, so a crash
    between those two steps loses nothing.

    TinyDB's own API writes through `write()`, which compacts. If any write fails, the data in
    memory is dropped and read again from disk, so memory never disagrees with disk.
    """

    def __init__(self, snapshot: Path, journal: Path, *, kind: str, indent: bool = False, writable: bool) -> None:
        self.path = snapshot
        self.journal = journal
        self.kind = kind
        self.table = kind_table(kind)
        self.indent = indent
        self.writable = writable
        self._data: dict[str, dict[str, Any]] | None = None
        self._journal_fd: int | None = None
        self._journal_size = 0
        self._snapshot_size = 0
        self._poisoned = False
        self.writes = 0
        """Durable writes made (appends and compactions), for tests and benchmarks."""

    # -- reading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Read the snapshot and replay the journal; raise `LoadError` if either is unusable.

        A reader (no lock) may meet a writer compacting: the old snapshot read, then the new,
        empty journal, and the changes that were in the old journal are missed. So a reader
        reads again until the snapshot it read is still in place after the journal.
        """
        for _attempt in range(100):
            before = _identity(self.path)
            data = read_tinydb_file(self.path, self.kind)
            had_file = bool(data)
            table = data.setdefault(self.table, {})
            journal_size = replay_journal(self.journal, table, truncate=self.writable)
            if self.writable or _identity(self.path) == before:
                break
        self._snapshot_size = self.path.stat().st_size if had_file else 0
        self._journal_size = journal_size
        self._data = data

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self.load()
        return self._data

    def docs(self) -> dict[str, Any]:
        data = self.read()
        assert data is not None
        return data.setdefault(self.table, {})

    # -- writing ---------------------------------------------------------------------------

    def append(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Record changes durably in the journal, then apply them in memory."""
        if self._poisoned:
            self.compact()
        try:
            line = orjson.dumps({"put": docs}) + b"\n"
        except orjson.JSONEncodeError as exc:
            problem = f"the data cannot be stored ({exc})"
            raise WriteError(f"could not save {self.path}: {problem}; nothing was changed") from exc
        start = self._journal_size
        try:
            fd = self._open_journal()
            _write_all(fd, line)
            os.fsync(fd)
        except OSError as exc:
            self._undo_append(start)
            raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
        self._journal_size = start + len(line)
        table = self.docs()
        for doc_id, doc in docs.items():
            if doc is None:
                table.pop(doc_id, None)
            else:
                table[doc_id] = dict(doc)
        self.writes += 1
        if self._journal_size > max(COMPACT_MIN_BYTES, self._snapshot_size // 4):
            with contextlib.suppress(WriteError):
                self.compact()  # the change is already durable in the journal

    def _undo_append(self, start: int) -> None:
        """Cut a partly written line off the journal, so the next line starts clean."""
        try:
            if self._journal_fd is not None:
                os.ftruncate(self._journal_fd, start)
                os.fsync(self._journal_fd)
        except OSError:
            self._poisoned = True  # the next change compacts first, which replaces the journal

    def _open_journal(self) -> int:
        if self._journal_fd is None:
            existed = self.journal.exists()
            self._journal_fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if not existed:
                fsync_dir(self.journal.parent)
        return self._journal_fd

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write all data as the new snapshot and empty the journal (TinyDB's write)."""
        data["_meta"] = {"schema": {"version": SCHEMA_VERSION, "kind": self.kind}}
        try:
            option = orjson.OPT_INDENT_2 if self.indent else 0
            payload = orjson.dumps(data, option=option)
            atomic_write_bytes(self.path, payload)
            if self._journal_size or self._poisoned or self.journal.exists():
                self._close_journal()
                atomic_write_bytes(self.journal, b"")
        except _FolderSyncFailed as exc:
            # A rename happened but may not survive a crash. The journal is emptied only after the
            # new snapshot is durable, and replaying it over either snapshot gives the same data,
            # so nothing is lost; memory is read again from what the disk shows now.
            self._data = None
            self._close_journal()
            raise WriteError(
                f"could not save {self.path}: {_describe_os_error(exc.error)} (while syncing the folder); "
                "nothing was changed"
            ) from exc.error
        except OSError as exc:
            self._data = None
            self._close_journal()
            raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
        except BaseException:
            self._data = None
            self._close_journal()
            raise
        self._data = data
        self._snapshot_size = len(payload)
        self._journal_size = 0
        self._poisoned = False
        self.writes += 1

    def compact(self) -> None:
        data = self.read()
        self.write(data if data is not None else {})

    @property
    def journal_size(self) -> int:
        return self._journal_size

    @property
    def snapshot_size(self) -> int:
        return self._snapshot_size

    def _close_journal(self) -> None:
        if self._journal_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._journal_fd)
            self._journal_fd = None

    def close(self) -> None:
        self._close_journal()
        self._data = None


COMPACT_MIN_BYTES = 1 << 20
"""A journal smaller than this is never compacted during a session."""
COMPACT_ON_CLOSE_MAX_BYTES = 32 << 20
"""On close, compact if the snapshot is at most this big (cheap); bigger ones wait."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def replay_journal(path: Path, table: dict[str, Any], *, truncate: bool) -> int:
    """Apply a journal's changes to `table`; return the size of its intact part.

    The last line may be torn (a write that never completed, so never acknowledged): it is
    ignored, and cut off when `truncate`. A damaged line before the last is a `LoadError`.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
    good = 0
    offset = 0
    chunks = raw.split(b"\n")
    last = len(chunks) - 1
    while last >= 0 and not chunks[last].strip():
        last -= 1
    for index, chunk in enumerate(chunks):
        end = offset + len(chunk) + 1
        if chunk.strip():
            complete = end <= len(raw)
            puts = _journal_entry(chunk) if complete else None
            if puts is None:
                if index == last:
                    break  # torn tail
                raise LoadError(f"cannot read {path}: line {index + 1} is damaged")
            for doc_id, doc in puts.items():
                if doc is None:
                    table.pop(doc_id, None)
                else:
                    table[doc_id] = doc
            good = end
        offset = end
    if truncate and good < len(raw):
        try:
            with open(path, "r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise LoadError(f"cannot repair {path}: {_describe_os_error(exc)}") from exc
    return good


def _journal_entry(chunk: bytes) -> dict[str, Any] | None:
    try:
        entry = orjson.loads(chunk)
    except orjson.JSONDecodeError:
        return None
    puts = entry.get("put") if isinstance(entry, dict) else None
    if not isinstance(puts, dict) or not all(isinstance(v, dict | None) for v in puts.values()):
        return None
    return puts


def read_tinydb_file(path: Path, kind: str) -> dict[str, dict[str, Any]]:
    """Load and check one library file; a missing file is an empty library."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
    if not raw.strip():
        raise LoadError(f"cannot read {path}: the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LoadError(f"cannot read {path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise LoadError(f"cannot read {path}: not a reader library file (unexpected structure)")
    meta = data.get("_meta", {}).get("schema")
    if isinstance(meta, dict):
        version = meta.get("version")
        if not isinstance(version, int):
            raise LoadError(f"cannot read {path}: unreadable schema version {version!r}")
        if version > SCHEMA_VERSION:
            raise LoadError(
                f"cannot read {path}: it was written by a newer reader (schema {version}, "
                f"this version reads up to {SCHEMA_VERSION}); upgrade reader"
            )
        if meta.get("kind") not in (None, kind):
            raise LoadError(f"cannot read {path}: it holds {meta.get('kind')!r} data, expected {kind!r}")
    table = data.get(kind_table(kind), {})
    for key, value in table.items():
        if not isinstance(value, dict):
            raise LoadError(f"cannot read {path}: entry {key!r} is not an object")
    return data


def kind_table(kind: str) -> str:
    return {"papers": "papers", "state": "state"}[kind]


class KeyedTable(Table):
    """A TinyDB table whose document ids are the paper ids (strings)."""

    document_id_class = str  # type: ignore[assignment]

    def raw(self) -> dict[str, Any]:
        """The documents as stored (not copied): read-only use."""
        return dict(self._read_table())


class KeyedTinyDB(TinyDB):
    table_class = KeyedTable


class Store:
    """The library folder: two TinyDB files with their journals, the writer lock and the backups."""

    def __init__(self, root: Path, *, writable: bool = True, holder: str = "cli") -> None:
        self.root = root
        self.writable = writable
        self.holder = holder
        """Who takes the writer lock: `cli` (a command, briefly) or `app` (a whole session)."""
        self._lock_fd: int | None = None
        self._backed_up: set[str] = set()
        self._dbs: dict[str, KeyedTinyDB] = {}
        self._storages: dict[str, JournaledStorage] = {}

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> None:
        if self.writable:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create library folder {self.root}: {_describe_os_error(exc)}") from exc
            self._acquire_lock()
            self._remove_stale_temp_files()
        try:
            for kind, name, indent in (("papers", PAPERS_FILE, False), ("state", STATE_FILE, True)):
                snapshot = self.root / name
                journal = snapshot.with_suffix(JOURNAL_SUFFIX)
                storage = JournaledStorage(snapshot, journal, kind=kind, indent=indent, writable=self.writable)
                if _identity(snapshot) is None and self.backups(kind):
                    # it existed (it was backed up) and is gone: never start again without it
                    raise LoadError(
                        f"cannot read {snapshot}: the file is missing, but the library has backups of it "
                        f"(was it moved or deleted?). Nothing was changed.{self.restore_hint(name)}"
                    )
                try:
                    storage.load()
                except LoadError as exc:
                    raise LoadError(f"{exc}. The file was left untouched.{self.restore_hint(name)}") from None
                self._storages[kind] = storage
                self._dbs[kind] = KeyedTinyDB(storage=_given(storage))
        except BaseException:
            self.close(compact=False)  # a file that failed to load is never rewritten
            raise

    def close(self, *, compact: bool = True) -> None:
        """Compact what is cheap to compact (unless told not to), release the lock."""
        if compact and self.writable and self._lock_fd is not None:
            for storage in self._storages.values():
                if storage.journal_size and storage.snapshot_size <= COMPACT_ON_CLOSE_MAX_BYTES:
                    with contextlib.suppress(StoreError, OSError):
                        storage.compact()
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        self._storages.clear()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None

    def _acquire_lock(self) -> None:
        """Take the writer lock. A command holds it for a moment: wait up to `LOCK_WAIT`
        seconds for one; the app holds it for a whole session: refuse at once, naming it."""
        path = self.root / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot lock {path}: {_describe_os_error(exc)}") from None
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise StoreError(f"cannot lock {path}: {_describe_os_error(exc)}") from None
            pid, kind = _lock_holder(fd)
            if kind != "app" and time.monotonic() < deadline:
                lock_pause(LOCK_POLL)
                continue
            os.close(fd)
            who = "the reader app" if kind == "app" else "another reader"
            holder = f"pid {pid}" if pid else "its process is unknown"
            raise LockedError(
                f"library {self.root} is open in {who} ({holder}); close it first "
                "(read-only commands such as `reader list` and `reader export` still work)"
            ) from None
        self._lock_fd = fd
        with contextlib.suppress(OSError):  # who holds it is only a hint for the message above
            record = f"{os.getpid()} {self.holder}\n".encode()
            os.pwrite(fd, record, 0)  # written before the cut: a failure leaves the old pid (checked live)
            os.ftruncate(fd, len(record))

    def _remove_stale_temp_files(self) -> None:
        """Delete temp files a killed writer left behind (safe: we hold the writer lock)."""
        for name in (PAPERS_FILE, STATE_FILE, SETTINGS_FILE):  # only ours: an export may be writing here too
            for stale in [*self.root.glob(f".{name}.*.tmp"), *self.root.glob(f".{Path(name).stem}.journal.*.tmp")]:
                with contextlib.suppress(OSError):
                    stale.unlink()
        for stale in (self.root / BACKUP_DIR).glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    # -- backups ---------------------------------------------------------------------------

    def _backup_once(self, kind: str) -> Path | None:
        """Before the first write of a session, keep the current data as a backup file.

        Returns the new backup (None: none made). Old backups are deleted (`_rotate`) only
        once the change itself is saved: a run of failing writes never erodes the history.
        """
        if kind in self._backed_up:
            return None
        storage = self._storages[kind]
        if storage.journal_size:
            storage.compact()  # the backup is then one self-contained file
        path = storage.path
        if not path.exists():
            return None
        folder = self.root / BACKUP_DIR
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{path.stem}-{stamp}.json"
        try:
            folder.mkdir(exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                atomic_write_bytes(target, path.read_bytes())  # no hard links here: a copy
        except (OSError, _FolderSyncFailed):
            return None  # best effort: the change itself is still saved
        return target

    def _rotate(self, stem: str) -> None:
        old = self.backups(stem)[:-BACKUPS_KEPT]
        for path in old:
            with contextlib.suppress(OSError):
                path.unlink()

    def backups(self, stem: str) -> list[Path]:
        """The backups of one file (`papers` or `state`), oldest first."""
        folder = self.root / BACKUP_DIR
        if not folder.is_dir():
            return []
        return sorted(folder.glob(f"{stem}-*.json"))

    def restore_hint(self, name: str) -> str:
        stem = Path(name).stem
        target = self.root / name
        journal = target.with_suffix(JOURNAL_SUFFIX)
        for backup in reversed(self.backups(stem)):
            try:
                read_tinydb_file(backup, stem)
            except LoadError:
                continue
            return f" Newest good backup: {backup} (to restore: cp '{backup}' '{target}' && rm -f '{journal}')"
        return " No backup of it exists."

    # -- data ------------------------------------------------------------------------------

    def table(self, kind: str) -> KeyedTable:
        return self._dbs[kind].table(kind_table(kind), cache_size=0)  # type: ignore[return-value]

    def papers_raw(self) -> dict[str, Any]:
        return self.table("papers").raw()

    def state_raw(self) -> dict[str, Any]:
        return self.table("state").raw()

    def put_papers(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        self._put("papers", docs)

    def put_states(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        self._put("state", docs)

    def _put(self, kind: str, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        if not self.writable:
            raise ReadOnlyError(f"library {self.root} is open read-only")
        first = kind not in self._backed_up
        backup = self._backup_once(kind)
        try:
            self._storages[kind].append(docs)
        except BaseException:
            if backup is not None:  # the file it copies is still the current one: no new version
                with contextlib.suppress(OSError):
                    backup.unlink()
            raise
        if first:
            self._backed_up.add(kind)
            self._rotate(kind_table(kind))

    def storage(self, kind: str) -> JournaledStorage:
        return self._storages[kind]

    # -- caches ------------------------------------------------------------------------------

    def read_cache(self, name: str) -> bytes | None:
        """A derived file from `cache/` (rebuildable: None when missing or unreadable)."""
        try:
            return (self.root / CACHE_DIR / name).read_bytes()
        except OSError:
            return None

    def write_cache(self, name: str, data: bytes) -> bool:
        """Write a derived file into `cache/` (see `write_cache_file`)."""
        return write_cache_file(self.root, name, data)


def write_cache_file(root: Path, name: str, data: bytes) -> bool:
    """Write a derived file into the library's `cache/` atomically; best effort (a cache can be
    rebuilt). Allowed without the writer lock: two writers of one cache each rename a whole file."""
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        atomic_write_bytes(folder / name, data)
    except OSError:
        return False
    return True


def read_settings(root: Path) -> dict[str, Any]:
    """The library's settings (`{}` when it has none). Needs no lock: the file is only ever
    replaced whole (atomically), so a reader sees the old or the new version."""
    path = root / SETTINGS_FILE
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LoadError(f"cannot read {path}: not valid JSON ({exc}); fix or delete the file") from exc
    if not isinstance(data, dict):
        raise LoadError(f"cannot read {path}: not a reader settings file (expected a JSON object)")
    return data


def write_settings(store: Store, data: Mapping[str, Any]) -> None:
    """Replace the library's settings atomically (the library must be open for writing)."""
    if not store.writable or store._lock_fd is None:
        raise ReadOnlyError(f"library {store.root} is open read-only")
    path = store.root / SETTINGS_FILE
    try:
        atomic_write_bytes(path, orjson.dumps(dict(data), option=orjson.OPT_INDENT_2) + b"\n")
    except _FolderSyncFailed as exc:
        raise WriteError(f"could not save {path}: {_describe_os_error(exc.error)} (while syncing the folder)") from exc
    except OSError as exc:
        raise WriteError(f"could not save {path}: {_describe_os_error(exc)}; nothing was changed") from exc


LOCK_WAIT = 2.0
"""How long a writer waits for another command to finish before refusing (never for the app)."""
LOCK_POLL = 0.05


def lock_pause(seconds: float) -> None:
    """How a writer waits between tries of the lock (tests replace it)."""
    time.sleep(seconds)


def _lock_holder(fd: int) -> tuple[int | None, str | None]:
    """The live pid and kind (`cli`/`app`) the lock file names, or None for what is unknown.

    A pid that no longer runs is unknown: the holder never wrote its own (a full disk), or
    the record is from an earlier holder.
    """
    try:
        fields = os.pread(fd, 64, 0).decode("ascii").split()
        pid = int(fields[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None, None
    if pid <= 0:  # never signal a process group
        return None, None
    kind = fields[1] if len(fields) > 1 and fields[1] in ("cli", "app") else None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None, None
    except PermissionError:
        pass  # it exists (another user's)
    except (OverflowError, OSError):
        return None, None
    return pid, kind


def _given(storage: JournaledStorage) -> Any:
    """TinyDB instantiates the storage class it is given; hand it the one already built."""
    return lambda: storage
