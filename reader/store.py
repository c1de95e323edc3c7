"""The only module that touches the library's files: TinyDB on atomic, durable storage.

A library is a folder:

    papers.json   TinyDB file, table "papers": paper metadata (large; written on import)
    state.json    TinyDB file, table "state": user state per paper (small; written per change)
    .lock         held (flock) by the one process allowed to write
    backups/      the previous versions of both files, a few of each, newest last

Both JSON files carry a `_meta` table with the schema version. Writes go to a temporary
file in the same folder, are flushed and fsynced, renamed over the old file and the folder
is fsynced, so a crash leaves either the old or the new file, never a torn one. The old
file is kept as a hard link in `backups/` before it is replaced (no copy is made).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

SCHEMA_VERSION = 1
PAPERS_FILE = "papers.json"
STATE_FILE = "state.json"
LOCK_FILE = ".lock"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 5


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably; on error the old file is intact."""
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def _describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


class AtomicJSONStorage(Storage):
    """A TinyDB storage that keeps the data in memory and writes it atomically and durably.

    TinyDB mutates the dict returned by `read()` before it calls `write()`. If the write
    fails, the cached dict no longer matches the disk, so it is dropped and the next read
    loads the file again: memory never disagrees with disk.
    """

    def __init__(self, path: Path, *, kind: str, indent: bool = False, backup: Callable[[], None]) -> None:
        self.path = path
        self.kind = kind
        self.indent = indent
        self._backup = backup
        self._data: dict[str, dict[str, Any]] | None = None
        self.writes = 0

    def load(self) -> None:
        """Read the file (missing means empty); raise `LoadError` if it cannot be used."""
        self._data = read_tinydb_file(self.path, self.kind)

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self.load()
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        data["_meta"] = {"schema": {"version": SCHEMA_VERSION, "kind": self.kind}}
        try:
            option = orjson.OPT_INDENT_2 if self.indent else 0
            payload = orjson.dumps(data, option=option)
            self._backup()
            atomic_write_bytes(self.path, payload)
        except OSError as exc:
            self._data = None
            raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
        except BaseException:
            self._data = None
            raise
        self._data = data
        self.writes += 1

    def close(self) -> None:
        self._data = None


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
    """A TinyDB table whose document ids are the paper ids (strings), with bulk writes."""

    document_id_class = str  # type: ignore[assignment]

    def put_many(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Insert or replace (or, for `None`, remove) many documents in one write."""

        def updater(table: dict[str, Any]) -> None:
            for doc_id, doc in docs.items():
                if doc is None:
                    table.pop(doc_id, None)
                else:
                    table[doc_id] = dict(doc)

        self._update_table(updater)

    def raw(self) -> dict[str, Any]:
        """The documents as stored (not copied): read-only use."""
        return dict(self._read_table())


class KeyedTinyDB(TinyDB):
    table_class = KeyedTable


class Store:
    """The library folder: two TinyDB files, the writer lock and the backups."""

    def __init__(self, root: Path, *, writable: bool = True) -> None:
        self.root = root
        self.writable = writable
        self._lock_fd: int | None = None
        self._backed_up: set[str] = set()
        self._dbs: dict[str, KeyedTinyDB] = {}
        self._storages: dict[str, AtomicJSONStorage] = {}

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> None:
        if self.writable:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create library folder {self.root}: {_describe_os_error(exc)}") from exc
            self._acquire_lock()
        try:
            for kind, name, indent in (("papers", PAPERS_FILE, False), ("state", STATE_FILE, True)):
                path = self.root / name
                storage = AtomicJSONStorage(path, kind=kind, indent=indent, backup=self._backup_once(path))
                try:
                    storage.load()
                except LoadError as exc:
                    raise LoadError(f"{exc}. The file was left untouched.{self.restore_hint(name)}") from None
                db = KeyedTinyDB(storage=_given(storage))
                self._storages[kind] = storage
                self._dbs[kind] = db
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None

    def _acquire_lock(self) -> None:
        path = self.root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = ""
            with contextlib.suppress(OSError, ValueError):
                pid = int(os.pread(fd, 32, 0).decode().strip() or "0")
                holder = f" (pid {pid})" if pid else ""
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise LockedError(
                    f"library {self.root} is open in another reader{holder}; close it first "
                    "(read-only commands such as `reader list` and `reader export` still work)"
                ) from None
            raise StoreError(f"cannot lock {path}: {_describe_os_error(exc)}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    # -- backups ---------------------------------------------------------------------------

    def _backup_once(self, path: Path) -> Callable[[], None]:
        """Before the first write of a session, keep the current file as a backup."""

        def backup() -> None:
            if path.name in self._backed_up or not path.exists():
                return
            folder = self.root / BACKUP_DIR
            folder.mkdir(exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            target = folder / f"{path.stem}-{stamp}.json"
            try:
                os.link(path, target)
            except OSError:
                target.write_bytes(path.read_bytes())
            self._backed_up.add(path.name)
            self._rotate(path.stem)

        return backup

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
        for backup in reversed(self.backups(stem)):
            try:
                read_tinydb_file(backup, stem)
            except LoadError:
                continue
            return f" Newest good backup: {backup} (to restore: cp '{backup}' '{self.root / name}')"
        return " No backup of it exists."

    # -- data ------------------------------------------------------------------------------

    def table(self, kind: str) -> KeyedTable:
        return self._dbs[kind].table(kind_table(kind), cache_size=0)  # type: ignore[return-value]

    def papers_raw(self) -> dict[str, Any]:
        return self.table("papers").raw()

    def state_raw(self) -> dict[str, Any]:
        return self.table("state").raw()

    def put_papers(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        self._check_writable()
        self.table("papers").put_many(docs)

    def put_states(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        self._check_writable()
        self.table("state").put_many(docs)

    def _check_writable(self) -> None:
        if not self.writable:
            raise ReadOnlyError(f"library {self.root} is open read-only")

    def storage(self, kind: str) -> AtomicJSONStorage:
        return self._storages[kind]


def _given(storage: AtomicJSONStorage) -> Any:
    """TinyDB instantiates the storage class it is given; hand it the one already built."""
    return lambda: storage
