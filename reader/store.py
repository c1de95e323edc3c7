"""The only module that touches the library's files: TinyDB on journaled, atomic storage.

A library is a folder:

    state.json       TinyDB file, table "state": user state per paper (small)
    state.journal    changes to it since the file was last written, one JSON line each
    index.json       TinyDB file, table "index": the compact record of each paper (id, title,
                     featured days, arXiv id, upvotes, published, sources, its shard): what
                     lists, ids and the board need
    papers/MONTH.json TinyDB files, table "papers": the full metadata with abstracts, one file
                     per month of the paper's first featured day, read only when a paper is
                     shown, searched or exported
    (each with its own `.journal`)
    settings.json    small preferences kept with the library (the arXiv categories followed),
                     rewritten whole and atomically on each change
    .lock            held (flock) by the one process allowed to write
    backups/         the previous versions of the files, a few of each, newest last
    cache/           derived files (rebuildable; never trusted over the files above), among
                     them the sidecars of a big index or state: where each record starts
                     (`*.offsets`) and the index's papers by day (`index.days`)

Libraries written before the shards kept every paper in one `papers.json`; the library
converts such a folder once (`Store.migrate`), atomically and with a backup.

A change is appended to the journal and fsynced before the call returns: one small write
whatever the size of the library. The JSON files carry a `_meta` table with the schema
version and are rewritten only when a journal is compacted: to a temporary file in the same
folder, flushed, fsynced, renamed over the old file, and the folder fsynced, so a crash
leaves the old or the new file, never a torn one. They are written one document per line,
so that one record can be found without parsing the file (`JournaledStorage.get`): a command
that changes one paper's status reads what it changes, not the whole library.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import fcntl
import itertools
import mmap
import os
import re
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from reader.atomic import FolderSyncFailed as _FolderSyncFailed
from reader.atomic import atomic_write_bytes, atomic_write_parts, fsync_dir, temp_file_in

__all__ = ["atomic_write_bytes"]  # also importable from here, where it lived

SCHEMA_VERSION = 1
PAPERS_FILE = "papers.json"
"""Where libraries kept all papers before the shards (read to migrate them)."""
STATE_FILE = "state.json"
INDEX_FILE = "index.json"
SHARD_DIR = "papers"
UNDATED = "undated"
"""The shard of papers without a featured day."""
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

    Nothing is read until it is asked for: `get` finds a few records without parsing the
    whole file (the snapshot is written one record per line), and `append` writes without
    loading. TinyDB's own API writes through `write()`, which compacts. If any write fails,
    the data in memory is dropped and read again from disk, so memory never disagrees with disk.
    """

    def __init__(
        self, snapshot: Path, journal: Path, *, kind: str, writable: bool, sidecars: Path | None = None
    ) -> None:
        self.path = snapshot
        self.journal = journal
        self.kind = kind
        self.table = kind_table(kind)
        self.writable = writable
        self.sidecars = sidecars
        """The folder of this file's sidecars (`cache/`; None: it has none): where each record
        starts, and for the index its papers by day, written with each big snapshot."""
        self._offsets: _Offsets | None = None
        self._data: dict[str, dict[str, Any]] | None = None
        self._journal_fd: int | None = None
        self._journal_size: int | None = None
        """The size of the journal's intact part, once known (a load, or checked before an append)."""
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

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self.load()
        return self._data

    def docs(self) -> dict[str, Any]:
        data = self.read()
        assert data is not None
        return data.setdefault(self.table, {})

    def get(self, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The stored records of these ids (None: no record), without loading the whole file
        when it is written one record per line (it is once written by this version)."""
        wanted = list(dict.fromkeys(ids))
        if self._data is not None:
            table = self.docs()
            return {pid: table.get(pid) for pid in wanted}
        for _attempt in range(100):
            before = _identity(self.path)
            mapped: list[tuple[int, int, int]] = []
            with _mapped(self.path, mapped) as raw:  # a few records: found in the page cache, not copied
                if raw is not None and not (_is_lines(bytes(raw[:HEAD_BYTES]), self.table) and raw[-2:] == b"}\n"):
                    self.load()  # written otherwise (an older version, or by hand): read it whole
                    table = self.docs()
                    return {pid: table.get(pid) for pid in wanted}
                offsets = self._offsets_for(mapped[0]) if raw is not None else None
                if raw is not None and offsets is not None:
                    found = {}
                    for pid in wanted:
                        start = offsets.find(raw, pid)
                        found[pid] = None if start is None else _record_at(raw, start, pid, self.path)
                elif len(wanted) <= FEW_RECORDS:
                    found = {pid: _line_record(raw or b"", pid, self.path) for pid in wanted}
                else:
                    whole = bytes(raw or b"")
                    found = _line_records(whole, wanted, self.path)
                    if raw is not None:
                        self._build_offsets(whole, mapped[0])  # the next command finds them at once
            _replay_for(self.journal, found)
            if self.writable or _identity(self.path) == before:
                break
        return found

    # -- sidecars ----------------------------------------------------------------------------

    def _offsets_for(self, identity: tuple[int, int, int]) -> _Offsets | None:
        """The record offsets of the snapshot with this identity, from its sidecar (None: a small
        snapshot, no sidecar, or one for another version of the file)."""
        if self.sidecars is None or identity[2] < SIDECAR_MIN_BYTES:
            return None
        if self._offsets is None or self._offsets.identity != identity:
            data = _read_sidecar(self.sidecars, f"{self.kind}.offsets")
            self._offsets = _Offsets.decode(data, identity) if data else None
        return self._offsets

    def _build_offsets(self, whole: bytes, identity: tuple[int, int, int]) -> _Offsets | None:
        if self.sidecars is None or len(whole) < SIDECAR_MIN_BYTES:
            return None
        scanned = _scan_lines(whole, self.table)
        if scanned is None:
            return None
        data = _Offsets.encode(identity, *scanned)
        _write_sidecar(self.sidecars, f"{self.kind}.offsets", data)
        self._offsets = _Offsets.decode(data, identity)
        return self._offsets

    def _write_sidecars(self, data: dict[str, dict[str, Any]], where: tuple[list[int], list[int]]) -> None:
        """After a snapshot was written: its sidecars (best effort; a failure costs speed only)."""
        identity = _identity(self.path)
        if self.sidecars is None or identity is None or identity[2] < SIDECAR_MIN_BYTES:
            return
        offsets = _Offsets.encode(identity, *where)
        _write_sidecar(self.sidecars, f"{self.kind}.offsets", offsets)
        self._offsets = _Offsets.decode(offsets, identity)
        if self.kind == "index":
            days = DayIndex.encode(identity, data.get(self.table, {}))
            if days is not None:
                _write_sidecar(self.sidecars, DAYS_SIDECAR, days)

    def day_index(self) -> DayIndex | None:
        """The index snapshot's papers by day (its sidecar, made now from the snapshot if it is
        missing or stale), with the record offsets ready. None: not worth it or not possible (no
        snapshot or a small one, one not written one record per line, a damaged record)."""
        if self.sidecars is None or self.kind != "index":
            return None
        mapped: list[tuple[int, int, int]] = []
        with _mapped(self.path, mapped) as raw:
            if raw is None or len(raw) < SIDECAR_MIN_BYTES:
                return None
            identity = mapped[0]
            data = _read_sidecar(self.sidecars, DAYS_SIDECAR)
            found = DayIndex.decode(data, identity) if data else None
            if found is not None and self._offsets_for(identity) is not None:
                return found
            whole = bytes(raw)
        try:
            docs = orjson.loads(whole).get(self.table)
        except (orjson.JSONDecodeError, AttributeError):
            return None
        scanned = _scan_lines(whole, self.table)
        if not isinstance(docs, dict) or scanned is None or len(scanned[0]) != len(docs):
            return None
        encoded = DayIndex.encode(identity, docs)
        if encoded is None:
            return None
        offsets = _Offsets.encode(identity, *scanned)
        _write_sidecar(self.sidecars, f"{self.kind}.offsets", offsets)
        _write_sidecar(self.sidecars, DAYS_SIDECAR, encoded)
        self._offsets = _Offsets.decode(offsets, identity)
        return DayIndex.decode(encoded, identity)

    def records_at(
        self, ids: Iterable[str], identity: tuple[int, int, int]
    ) -> dict[str, tuple[int, dict[str, Any]] | None] | None:
        """Where each of these records is in the snapshot with this identity, and the record as
        the snapshot has it (the journal not applied). None: the snapshot is another one now."""
        mapped: list[tuple[int, int, int]] = []
        with _mapped(self.path, mapped) as raw:
            if raw is None or mapped[0] != identity:
                return None
            offsets = self._offsets_for(identity)
            if offsets is None:
                return None
            found: dict[str, tuple[int, dict[str, Any]] | None] = {}
            for pid in ids:
                start = offsets.find(raw, pid)
                found[pid] = None if start is None else (start, _record_at(raw, start, pid, self.path))
            return found

    def journal_puts(self) -> list[tuple[str, dict[str, Any] | None]]:
        """Every change in the journal, in order: (id, record), None for a deletion."""
        try:
            raw = self.journal.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LoadError(f"cannot read {self.journal}: {_describe_os_error(exc)}") from exc
        changes: list[tuple[str, dict[str, Any] | None]] = []
        chunks = raw.split(b"\n")
        last = len(chunks) - 1
        while last >= 0 and not chunks[last].strip():
            last -= 1
        for index, chunk in enumerate(chunks[: last + 1]):
            if not chunk.strip():
                continue
            puts = _journal_entry(chunk) if (index < last or raw.endswith(b"\n")) else None
            if puts is None:
                if index == last:
                    break  # torn tail
                raise LoadError(f"cannot read {self.journal}: line {index + 1} is damaged")
            changes += puts.items()
        return changes

    # -- writing ---------------------------------------------------------------------------

    def append(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Record changes durably in the journal, then apply them in memory (if loaded)."""
        if self._poisoned:
            self.compact()
        if self._data is None and self._intact_journal_size() == 0 and _identity(self.path) is None:
            # a new file (a new shard, a first import): written whole at once, not journaled
            # and then read back to be compacted
            if None in docs.values():
                self.write({self.table: {key: doc for key, doc in docs.items() if doc is not None}})
            else:  # (a copy in C, ten times faster: an import's 100,000 records)
                self.write({self.table: dict(docs)})
            self._data = None  # (so the records written, not copied, are not kept either)
            return
        try:
            line = orjson.dumps({"put": docs}) + b"\n"
        except orjson.JSONEncodeError as exc:
            problem = f"the data cannot be stored ({exc})"
            raise WriteError(f"could not save {self.path}: {problem}; nothing was changed") from exc
        start = self._intact_journal_size()
        try:
            fd = self._open_journal()
            _write_all(fd, line)
            os.fsync(fd)
        except OSError as exc:
            self._undo_append(start)
            raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
        self._journal_size = start + len(line)
        if self._data is not None:
            table = self.docs()
            for doc_id, doc in docs.items():
                if doc is None:
                    table.pop(doc_id, None)
                else:
                    table[doc_id] = dict(doc)
        self.writes += 1
        if self._journal_size > max(COMPACT_MIN_BYTES, self._snapshot_size // 4):
            was_read = self._data is not None
            with contextlib.suppress(WriteError, LoadError):
                self.compact()  # the change is already durable in the journal
            if not was_read:
                self._data = None  # what was not in memory stays out of it

    def snapshot_bytes(self) -> int:
        """The snapshot's size on disk (0: none)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def drop(self) -> None:
        """Forget the data read (the journal stays open): memory for what is not needed."""
        self._data = None

    def intact_journal_size(self) -> int:
        return self._intact_journal_size()

    def _intact_journal_size(self) -> int:
        """The size of the journal's intact part; a torn last line (a write killed midway, never
        acknowledged) is cut off first, so the next line starts clean."""
        if self._journal_size is None:
            try:
                self._snapshot_size = self.path.stat().st_size
            except FileNotFoundError:
                self._snapshot_size = 0
            except OSError as exc:
                raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
            try:
                self._journal_size = replay_journal(self.journal, {}, truncate=True, tail_only=True)
            except LoadError as exc:
                raise WriteError(f"{exc}; nothing was changed") from None
        return self._journal_size

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
        where: tuple[list[int], list[int]] | None = ([], []) if self.sidecars is not None else None
        try:
            self.path.parent.mkdir(exist_ok=True)
            size = atomic_write_parts(self.path, _lines_parts(data, self.table, where))
            if self._journal_size or self._poisoned or self.journal.exists():
                self._close_journal()
                atomic_write_bytes(self.journal, b"")
        except _FolderSyncFailed as exc:
            # A rename happened but may not survive a crash. The journal is emptied only after the
            # new snapshot is durable, and replaying it over either snapshot gives the same data,
            # so nothing is lost; memory is read again from what the disk shows now.
            self._forget()
            raise WriteError(
                f"could not save {self.path}: {_describe_os_error(exc.error)} (while syncing the folder); "
                "nothing was changed"
            ) from exc.error
        except OSError as exc:
            self._forget()
            raise WriteError(f"could not save {self.path}: {_describe_os_error(exc)}; nothing was changed") from exc
        except BaseException:
            self._forget()
            raise
        self._data = data
        self._snapshot_size = size
        self._journal_size = 0
        self._poisoned = False
        self.writes += 1
        if where is not None and size >= SIDECAR_MIN_BYTES:
            self._write_sidecars(data, where)

    def _forget(self) -> None:
        self._data = None
        self._journal_size = None
        self._close_journal()

    def compact(self) -> None:
        data = self.read()
        self.write(data if data is not None else {})

    @property
    def journal_size(self) -> int:
        """The journal's size as last known (0 when it was never looked at)."""
        return self._journal_size or 0

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
        self._journal_size = None


LINES_HEAD = b'{"_meta":'
"""How a file written one record per line starts (older files start otherwise: read whole)."""


def _is_lines(raw: bytes, table: str) -> bool:
    """Whether a file is laid out one record per line (`_lines_payload`), as found."""
    if not raw.startswith(LINES_HEAD):
        return False
    first = raw.find(b"\n")
    return first > 0 and raw.startswith(orjson.dumps(table) + b":{", first + 1)


def _lines_payload(
    data: dict[str, dict[str, Any]], table: str, where: tuple[list[int], list[int]] | None = None
) -> bytes:
    """A TinyDB file as JSON with the `_meta` table first and then one record per line:

    {"_meta":{...},
    "state":{
    "2507.12345":{...},
    ...
    }}

    `where`, if given, receives the CRC-32 of each record's key (JSON-encoded) and the offset
    of its line (`_Offsets`). The bytes of `_lines_parts`, joined.
    """
    return b"".join(_lines_parts(data, table, where))


PART_BYTES = 1 << 20
"""About how much `_lines_parts` gives at a time."""


def _lines_parts(
    data: dict[str, dict[str, Any]], table: str, where: tuple[list[int], list[int]] | None = None
) -> Iterator[bytes]:
    """`_lines_payload` in parts of about `PART_BYTES`, each made when it is asked for: a big
    file is written while it is encoded, never whole in memory. Each record is encoded once
    (its key once too: for the line and for its CRC). `where` is complete when the parts are."""
    dumps = orjson.dumps
    head = b"".join([LINES_HEAD, dumps(data.get("_meta", {})), b",\n", dumps(table), b":{"])
    docs = data.get(table, {})
    group: list[bytes] = [head]
    size = offset = len(head)
    if docs:
        group.append(b"\n")
        size += 1
        offset += 1
        hashes = starts = None
        if where is not None:
            hashes, starts = where
        crc32 = zlib.crc32
        sep = b""
        for key, doc in docs.items():
            encoded = dumps(key)
            record = dumps(doc)
            offset += len(sep)  # where the record's line starts
            if hashes is not None and starts is not None:
                hashes.append(crc32(encoded))
                starts.append(offset)
            length = len(encoded) + 1 + len(record)
            group += (sep, encoded, b":", record)
            offset += length
            size += length + 2
            sep = b",\n"
            if size >= PART_BYTES:
                yield b"".join(group)
                group = []
                size = 0
    group.append(b"\n}")
    for name, other in data.items():
        if name not in ("_meta", table):
            group.append(b",\n" + dumps(name) + b":" + dumps(other))
    group.append(b"}\n")
    yield b"".join(group)


def _line_record(raw: bytes | mmap.mmap, pid: str, path: Path) -> dict[str, Any] | None:
    """The record of `pid` in a file written one record per line (None: not in it)."""
    key = b"\n" + orjson.dumps(pid) + b":"
    start = raw.find(key)
    if start < 0:
        return None
    start += len(key)
    end = raw.find(b"\n", start)
    chunk = raw[start : end if end >= 0 else len(raw)].rstrip(b",")
    try:
        doc = orjson.loads(chunk)
    except orjson.JSONDecodeError:
        raise LoadError(f"cannot read {path}: the record of {pid!r} is damaged") from None
    if not isinstance(doc, dict):
        raise LoadError(f"cannot read {path}: entry {pid!r} is not an object")
    return doc


HEAD_BYTES = 4096
"""Enough of a file's start to hold its first line (the `_meta` table)."""


@contextlib.contextmanager
def _mapped(path: Path, identity: list[tuple[int, int, int]] | None = None) -> Iterator[mmap.mmap | bytes | None]:
    """The file's bytes, memory-mapped (None: no file; `b""`: empty); `identity`, if given,
    receives the identity of the file mapped."""
    try:
        handle = path.open("rb")  # closed below, after the map
    except FileNotFoundError:
        yield None
        return
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
    try:
        try:
            info = os.fstat(handle.fileno())
            size = info.st_size
            if identity is not None:
                identity.append((info.st_ino, info.st_mtime_ns, info.st_size))
            mapped: mmap.mmap | bytes = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except OSError as exc:
            raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
        try:
            yield mapped
        finally:
            if isinstance(mapped, mmap.mmap):
                mapped.close()
    finally:
        handle.close()


# -- sidecars: derived lookups beside the index and the state (cache/, never trusted over them) --

SIDECAR_MIN_BYTES = 1 << 20
"""A snapshot of the index or the state at least this big gets sidecars in `cache/` when it is
written (smaller ones are read whole in a few milliseconds: no sidecar is worth its writes)."""
SIDECAR_VERSION = 1
DAYS_SIDECAR = "index.days"
SIDECARS = ("index.offsets", "state.offsets", DAYS_SIDECAR)


def _sidecar_parts(data: bytes, identity: tuple[int, int, int]) -> tuple[dict[str, Any], bytes] | None:
    """A sidecar's JSON head line and its body, when the head is of this version and names the
    snapshot with this identity (None: anything else, then the sidecar is rebuilt)."""
    cut = data.find(b"\n")
    try:
        head = orjson.loads(data[:cut]) if cut > 0 else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(head, dict) or head.get("v") != SIDECAR_VERSION or head.get("of") != list(identity):
        return None
    return head, data[cut + 1 :]


class _Offsets:
    """Where each record of one snapshot starts: `cache/<name>.offsets`.

    A header line (JSON: the snapshot's identity, the count, a CRC of the body), then for each
    record the top 24 bits of the CRC-32 of its key and its offset packed in one 64-bit number
    (`crc >> 8 << 40 | offset`), sorted: a record is found by a binary search and one read at its
    offset, which is checked to hold that key (keys may share those bits). A file whose identity or CRC does not
    match is not used.
    """

    __slots__ = ("identity", "packed")

    def __init__(self, identity: tuple[int, int, int], packed: array) -> None:
        self.identity = identity
        self.packed = packed

    @staticmethod
    def encode(identity: tuple[int, int, int], hashes: Sequence[int], starts: Sequence[int]) -> bytes:
        """The sidecar of a snapshot whose records have keys with these CRCs at these offsets."""
        packed = sorted([crc >> 8 << _SHIFT | start for crc, start in zip(hashes, starts, strict=True)])
        body = array("Q", packed).tobytes()
        head = {"v": SIDECAR_VERSION, "of": list(identity), "n": len(hashes), "crc": zlib.crc32(body)}
        return orjson.dumps(head) + b"\n" + body

    @classmethod
    def decode(cls, data: bytes, identity: tuple[int, int, int]) -> _Offsets | None:
        parsed = _sidecar_parts(data, identity)
        if parsed is None:
            return None
        head, body = parsed
        count = head.get("n")
        packed = array("Q")
        if (
            not isinstance(count, int)
            or packed.itemsize != 8
            or len(body) != 8 * count
            or head.get("crc") != zlib.crc32(body)
        ):
            return None
        packed.frombytes(body)
        return cls(identity, packed)

    def find(self, raw: bytes | mmap.mmap, pid: str) -> int | None:
        """The offset of the line of `pid`'s record (None: no record)."""
        key = orjson.dumps(pid)
        packed, target = self.packed, zlib.crc32(key) >> 8
        key += b":"
        index = bisect.bisect_left(packed, target << _SHIFT)
        while index < len(packed) and packed[index] >> _SHIFT == target:
            start = packed[index] & _OFFSET_MASK
            if raw[start : start + len(key)] == key:
                return start
            index += 1
        return None


_SHIFT = 40
"""Offsets below 2**40 (a terabyte) fit under 24 bits of the CRC in one 64-bit number."""
_OFFSET_MASK = (1 << _SHIFT) - 1


def _record_at(raw: bytes | mmap.mmap, start: int, pid: str, path: Path) -> dict[str, Any]:
    """The record whose line starts at `start` (its key checked by the caller)."""
    end = raw.find(b"\n", start)
    chunk = raw[start + len(orjson.dumps(pid)) + 1 : end if end >= 0 else len(raw)].rstrip(b",")
    try:
        doc = orjson.loads(chunk)
    except orjson.JSONDecodeError:
        raise LoadError(f"cannot read {path}: the record of {pid!r} is damaged") from None
    if not isinstance(doc, dict):
        raise LoadError(f"cannot read {path}: entry {pid!r} is not an object")
    return doc


def _scan_lines(raw: bytes, table: str) -> tuple[list[int], list[int]] | None:
    """The CRC-32 of the key (JSON-encoded) and the offset of every record line of a snapshot
    written one record per line (None: it is not, or a key needs more than this simple reading)."""
    if not _is_lines(raw[:HEAD_BYTES], table):
        return None
    first = raw.find(b"\n") + 1
    position = raw.find(b"\n", first) + 1  # past `"table":{`
    keys: list[int] = []
    starts: list[int] = []
    for line in raw[position:].split(b"\n"):
        if not line.startswith(b'"'):
            break  # the closing `}`
        colon = line.find(b'":')
        if colon < 0 or b"\\" in line[:colon]:
            return None
        keys.append(zlib.crc32(line[: colon + 1]))
        starts.append(position)
        position += len(line) + 1
    return keys, starts


class DayIndex:
    """The index snapshot's papers by featured day: `cache/index.days` (see `Store.day_index`).

    A header line (JSON: the snapshot's identity, a CRC of the body, and each day, oldest first,
    with where its line starts in the body), then one line per day: the JSON list of the ids
    featured on it in the snapshot, in the snapshot's order. Describes the snapshot only: the
    journal's changes are applied by the reader (`reader.library`).
    """

    def __init__(self, identity: tuple[int, int, int], days: list[str], spans: list[int], body: bytes) -> None:
        self.identity = identity
        self.days = days
        """Every featured day of the snapshot's papers, oldest first."""
        self._spans = spans
        self._body = body
        self._where = {day: n for n, day in enumerate(days)}

    def ids(self, day: str) -> list[str]:
        """The ids featured on `day` in the snapshot, in its order."""
        n = self._where.get(day)
        if n is None:
            return []
        found = orjson.loads(self._body[self._spans[n] : self._spans[n + 1]])
        if not isinstance(found, list) or not all(isinstance(pid, str) for pid in found):
            raise ValueError("not a list of ids")
        return found

    @staticmethod
    def encode(identity: tuple[int, int, int], docs: Mapping[str, Any]) -> bytes | None:
        groups: dict[str, list[str]] = {}
        try:
            for pid, doc in docs.items():
                days = doc.get("days")
                if days:
                    for day in days if len(days) < 2 else dict.fromkeys(days):
                        groups.setdefault(day, []).append(pid)
            days = sorted(groups)
        except (AttributeError, TypeError):
            return None  # a damaged record: the whole index is read, and refused, as before
        if not all(type(day) is str for day in days):
            return None
        lines = [orjson.dumps(groups[day]) + b"\n" for day in days]
        spans = [0, *itertools.accumulate(map(len, lines))]
        body = b"".join(lines)
        head = {"v": SIDECAR_VERSION, "of": list(identity), "crc": zlib.crc32(body), "days": days, "spans": spans}
        return orjson.dumps(head) + b"\n" + body

    @classmethod
    def decode(cls, data: bytes, identity: tuple[int, int, int]) -> DayIndex | None:
        parsed = _sidecar_parts(data, identity)
        if parsed is None:
            return None
        head, body = parsed
        days, spans = head.get("days"), head.get("spans")
        if (
            head.get("crc") != zlib.crc32(body)
            or not isinstance(days, list)
            or not isinstance(spans, list)
            or len(spans) != len(days) + 1
            or not all(isinstance(day, str) for day in days)
            or not all(isinstance(n, int) for n in spans)
            or days != sorted(days)
        ):
            return None
        return cls(identity, days, spans, body)


_SIDECAR_MODE = 0o644


def _write_sidecar(folder: Path, name: str, data: bytes) -> None:
    """Replace a sidecar (best effort, not fsynced: a torn or lost one fails its checks and is
    rebuilt; renamed into place, so a reader sees a whole file)."""
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        fd, tmp = temp_file_in(folder, f".{name}.")
        try:
            os.fchmod(fd, _SIDECAR_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _read_sidecar(folder: Path, name: str) -> bytes | None:
    try:
        return (folder / name).read_bytes()
    except OSError:
        return None


FEW_RECORDS = 8
"""Up to this many records are found by searching the file for each; more, in one pass over it."""


def _line_records(raw: bytes, wanted: list[str], path: Path) -> dict[str, dict[str, Any] | None]:
    """The records of many ids in a file written one record per line, in one pass."""
    keys = {orjson.dumps(pid) + b":": pid for pid in wanted}
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    for line in raw.split(b"\n"):
        colon = line.find(b'":')
        pid = keys.get(line[: colon + 2]) if colon > 0 else None
        if pid is None:
            continue
        try:
            doc = orjson.loads(line[colon + 2 :].rstrip(b","))
        except orjson.JSONDecodeError:
            raise LoadError(f"cannot read {path}: the record of {pid!r} is damaged") from None
        if not isinstance(doc, dict):
            raise LoadError(f"cannot read {path}: entry {pid!r} is not an object")
        found[pid] = doc
    return found


def _replay_for(journal: Path, found: dict[str, dict[str, Any] | None]) -> None:
    """Apply a journal's changes to the records in `found` only (lines that do not name one
    of them are not even parsed). A torn last line is ignored; a damaged one before it is an error."""
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LoadError(f"cannot read {journal}: {_describe_os_error(exc)}") from exc
    if not raw:
        return
    keys = [orjson.dumps(pid) for pid in found]
    many = len(keys) > FEW_RECORDS  # then each line is parsed: cheaper than a search per key
    lines = raw.split(b"\n")
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    for index, chunk in enumerate(lines[: last + 1]):
        if many and not chunk.strip():
            continue
        if not many and not any(key in chunk for key in keys):
            if index < last and chunk.strip() and not (chunk.startswith(b'{"put":') and chunk.rstrip().endswith(b"}")):
                raise LoadError(f"cannot read {journal}: line {index + 1} is damaged")  # checked by its shape only
            continue
        puts = _journal_entry(chunk) if (index < last or raw.endswith(b"\n")) else None
        if puts is None:
            if index == last:
                break  # torn tail
            raise LoadError(f"cannot read {journal}: line {index + 1} is damaged")
        for pid in found.keys() & puts.keys() if many else found:
            if pid in puts:
                found[pid] = puts[pid]


COMPACT_MIN_BYTES = 1 << 20
"""A journal smaller than this is never compacted during a session."""
COMPACT_ON_CLOSE_MAX_BYTES = 32 << 20
"""On close, compact if the snapshot is at most this big (cheap); bigger ones wait."""
COMPACT_UNREAD_MAX_BYTES = 2 << 20
"""On close, compact a file that was not read (only appended to) if it is at most this big:
reading it then costs a few milliseconds (at 100,000 papers the state is ~27 MB: it waits)."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def replay_journal(path: Path, table: dict[str, Any], *, truncate: bool, tail_only: bool = False) -> int:
    """Apply a journal's changes to `table`; return the size of its intact part.

    The last line may be torn (a write that never completed, so never acknowledged): it is
    ignored, and cut off when `truncate`. A damaged line before the last is a `LoadError`.
    `tail_only` checks only the last line (before an append to a journal not loaded) and
    applies nothing.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {_describe_os_error(exc)}") from exc
    if tail_only:
        body = raw.rstrip()
        start = raw.rfind(b"\n", 0, len(body)) + 1
        intact = len(body) < len(raw) and raw[len(body)] == ord("\n") and _journal_entry(body[start:]) is not None
        good = len(body) + 1 if intact else start
        if not body:
            good = 0
    else:
        good = _replay_all(raw, path, table)
    if truncate and good < len(raw):
        try:
            with open(path, "r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise LoadError(f"cannot repair {path}: {_describe_os_error(exc)}") from exc
    return good


def _replay_all(raw: bytes, path: Path, table: dict[str, Any]) -> int:
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
    return {"papers": "papers", "state": "state", "index": "index"}[kind]


class KeyedTable(Table):
    """A TinyDB table whose document ids are the paper ids (strings)."""

    document_id_class = str  # type: ignore[assignment]

    def raw(self) -> dict[str, Any]:
        """The documents as stored (not copied): read-only use."""
        return dict(self._read_table())


class KeyedTinyDB(TinyDB):
    table_class = KeyedTable


_SHARD_NAME = re.compile(r"^(\d{4}-\d{2}|undated)$")


def shard_of(days: Iterable[str]) -> str:
    """The shard a new paper's metadata goes to: the month of its first featured day."""
    first = min(days, default=None)
    if first and len(first) >= 7 and _SHARD_NAME.match(first[:7]):
        return first[:7]
    return UNDATED


class Store:
    """The library folder: TinyDB files with their journals, the writer lock and the backups.

    Files are named by key: `state`, `index`, `papers/2025-07` (a shard), and `legacy` (the
    single `papers.json` of libraries written before the shards). Nothing is read until asked
    for: `load` reads a whole file, `get` a few records of it.
    """

    def __init__(self, root: Path, *, writable: bool = True, holder: str = "cli") -> None:
        self.root = root
        self.writable = writable
        self.holder = holder
        """Who takes the writer lock: `cli` (a command, briefly) or `app` (a whole session)."""
        self._lock_fd: int | None = None
        self._backed_up: set[str] = set()
        self._dbs: dict[str, KeyedTinyDB] = {}
        self._storages: dict[str, JournaledStorage] = {}
        self._open = False

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> None:
        if self.writable:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create library folder {self.root}: {_describe_os_error(exc)}") from exc
            self._acquire_lock()
            self._remove_stale_temp_files()
        self._open = True

    @property
    def legacy(self) -> bool:
        """Whether the folder still has the layout before the shards (one `papers.json`)."""
        return _identity(self.root / PAPERS_FILE) is not None

    def close(self, *, compact: bool = True) -> None:
        """Compact what is cheap to compact (unless told not to), release the lock.

        A file in memory is cheap up to `COMPACT_ON_CLOSE_MAX_BYTES`; one that was only
        appended to (a command that changed a few records) up to `COMPACT_UNREAD_MAX_BYTES`:
        a bigger one waits until its journal outgrows a quarter of it.
        """
        if compact and self.writable and self._lock_fd is not None:
            for storage in self._storages.values():
                if not storage.journal_size:
                    continue
                size = storage.snapshot_size
                if (size <= COMPACT_ON_CLOSE_MAX_BYTES) if storage.loaded else (size <= COMPACT_UNREAD_MAX_BYTES):
                    with contextlib.suppress(StoreError, OSError):
                        storage.compact()
        self.forget()
        self._open = False
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
        for folder in (self.root, self.root / SHARD_DIR):
            # only ours: an export may be writing temp files of its own in the library folder
            for stale in folder.glob(".*.tmp"):
                name = stale.name[1:].split(".json.")[0].split(".journal.")[0]
                if folder != self.root or name in ("papers", "state", "settings", "index"):
                    with contextlib.suppress(OSError):
                        stale.unlink()
        for stale in (self.root / BACKUP_DIR).glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        for name in SIDECARS:  # a reader making one may lose its rename: it costs speed only
            for stale in (self.root / CACHE_DIR).glob(f".{name}.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
        legacy_journal = (self.root / PAPERS_FILE).with_suffix(JOURNAL_SUFFIX)
        if not self.legacy and legacy_journal.exists():  # a migration killed after its last step
            with contextlib.suppress(OSError):
                legacy_journal.unlink()

    # -- files by key ------------------------------------------------------------------------

    def path_of(self, key: str) -> Path:
        if key == "state":
            return self.root / STATE_FILE
        if key == "index":
            return self.root / INDEX_FILE
        if key == "legacy":
            return self.root / PAPERS_FILE
        kind, _, shard = key.partition("/")
        assert kind == SHARD_DIR and _SHARD_NAME.match(shard), key
        return self.root / SHARD_DIR / f"{shard}.json"

    @staticmethod
    def _kind(key: str) -> str:
        return {"state": "state", "index": "index"}.get(key, "papers")

    @staticmethod
    def _stem(key: str) -> str:
        """The name of a file's backups: `state`, `index`, `papers` (legacy), `papers.2025-07`."""
        return {"legacy": "papers"}.get(key, key.replace("/", "."))

    def storage(self, key: str) -> JournaledStorage:
        """The storage of one file (made on first use; nothing read yet)."""
        found = self._storages.get(key)
        if found is None:
            snapshot = self.path_of(key)
            found = JournaledStorage(
                snapshot,
                snapshot.with_suffix(JOURNAL_SUFFIX),
                kind=self._kind(key),
                writable=self.writable,
                sidecars=self.root / CACHE_DIR if key in ("index", "state") else None,
            )
            self._storages[key] = found
        return found

    def _checked(self, key: str) -> JournaledStorage:
        storage = self.storage(key)
        if not storage.loaded and _identity(storage.path) is None and self.backups(self._stem(key)):
            # it existed (it was backed up) and is gone: never start again without it
            raise LoadError(
                f"cannot read {storage.path}: the file is missing, but the library has backups of it "
                f"(was it moved or deleted?). Nothing was changed.{self.restore_hint(key)}"
            )
        return storage

    def load(self, key: str) -> dict[str, Any]:
        """Every record of one file (read now if it was not), as stored: read-only use."""
        storage = self._checked(key)
        if not storage.loaded:
            try:
                storage.load()
            except LoadError as exc:
                raise LoadError(f"{exc}. The file was left untouched.{self.restore_hint(key)}") from None
        db = self._dbs.get(key)
        if db is None:
            db = self._dbs[key] = KeyedTinyDB(storage=_given(storage))
        table: KeyedTable = db.table(kind_table(storage.kind), cache_size=0)  # type: ignore[assignment]
        return table.raw()

    def get(self, key: str, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The records of a few ids in one file, without reading the whole file when it can."""
        storage = self._checked(key)
        try:
            return storage.get(ids)
        except LoadError as exc:
            raise LoadError(f"{exc}. The file was left untouched.{self.restore_hint(key)}") from None

    def day_index(self) -> DayIndex | None:
        """The index snapshot's papers by day (`JournaledStorage.day_index`; None: read it whole)."""
        storage = self._checked("index")
        try:
            return storage.day_index()
        except LoadError as exc:
            raise LoadError(f"{exc}. The file was left untouched.{self.restore_hint('index')}") from None

    def release(self, key: str) -> None:
        """Forget what was read of a file (its data is kept elsewhere, or not needed)."""
        storage = self._storages.get(key)
        if storage is not None and storage.loaded:
            db = self._dbs.pop(key, None)
            if db is not None:
                db.close()
            storage.close()

    def relayout(self, key: str) -> None:
        """Rewrite a file written by an earlier version in the layout of one record per line
        (read whole, checked, written atomically); a file already in it is left alone."""
        storage = self._checked(key)
        with _mapped(storage.path) as raw:
            if raw is None or _is_lines(bytes(raw[:HEAD_BYTES]), storage.table):
                return
        self.load(key)  # a file that cannot be read raises here, untouched
        storage.compact()
        storage.drop()

    def forget(self) -> None:
        """Drop everything read (the files are read again when next asked for)."""
        for db in self._dbs.values():
            db.close()
        for storage in self._storages.values():
            storage.close()
        self._dbs.clear()
        self._storages.clear()

    def shards(self) -> list[str]:
        """The names of the paper shards on disk, oldest first."""
        folder = self.root / SHARD_DIR
        try:
            names = {p.name.split(".")[0] for p in folder.iterdir() if p.suffix in (".json", JOURNAL_SUFFIX)}
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise LoadError(f"cannot read {folder}: {_describe_os_error(exc)}") from exc
        return sorted(name for name in names if _SHARD_NAME.match(name))

    # -- compatibility with the single-file calls -------------------------------------------------

    def state_raw(self) -> dict[str, Any]:
        return self.load("state")

    def papers_raw(self) -> dict[str, Any]:
        """Every paper of a library in the layout before the shards."""
        return self.load("legacy")

    def put_states(self, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        self.put("state", docs)

    # -- backups ---------------------------------------------------------------------------

    def _backup_once(self, key: str) -> Path | None:
        """Before the first write of a session to a file, keep its current data as a backup.

        A loaded file is compacted first, so that the backup is one self-contained file; a file
        not loaded keeps its journal beside the backup (`<backup>.journal`), so a command that
        changes one record never reads or rewrites the whole file. Returns the new backup (None:
        none made). Old backups are deleted (`_rotate`) only once the change itself is saved: a
        run of failing writes never erodes the history.
        """
        if key in self._backed_up:
            return None
        storage = self.storage(key)
        if storage.loaded:
            if storage.journal_size:
                storage.compact()
        elif (
            storage.journal.exists()
            and storage.snapshot_bytes() <= COMPACT_UNREAD_MAX_BYTES
            and storage.intact_journal_size()
        ):
            storage.compact()  # small: read it and make the backup one clean file
            storage.drop()
        path = storage.path
        if not path.exists():
            return None
        folder = self.root / BACKUP_DIR
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{self._stem(key)}-{stamp}.json"
        try:
            folder.mkdir(exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                atomic_write_bytes(target, path.read_bytes())  # no hard links here: a copy
            if not storage.loaded:
                journal = storage.journal.read_bytes() if storage.journal.exists() else b""
                if journal.strip():
                    atomic_write_bytes(target.with_suffix(JOURNAL_SUFFIX), journal)
        except (OSError, _FolderSyncFailed):
            with contextlib.suppress(OSError):
                target.unlink()
            return None  # best effort: the change itself is still saved
        return target

    def _rotate(self, stem: str) -> None:
        old = self.backups(stem)[:-BACKUPS_KEPT]
        for path in old:
            with contextlib.suppress(OSError):
                path.unlink()
            with contextlib.suppress(OSError):
                path.with_suffix(JOURNAL_SUFFIX).unlink(missing_ok=True)

    def backups(self, stem: str) -> list[Path]:
        """The backups of one file (`papers`, `state`, `index`, `papers.2025-07`), oldest first."""
        folder = self.root / BACKUP_DIR
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob(f"{stem}-*.json") if p.name[len(stem) + 1 : len(stem) + 2].isdigit())

    def restore_hint(self, key_or_name: str) -> str:
        key = {STATE_FILE: "state", PAPERS_FILE: "legacy", INDEX_FILE: "index"}.get(key_or_name, key_or_name)
        stem = self._stem(key)
        target = self.path_of(key)
        journal = target.with_suffix(JOURNAL_SUFFIX)
        for backup in reversed(self.backups(stem)):
            try:
                read_tinydb_file(backup, self._kind(key))
            except LoadError:
                continue
            saved = backup.with_suffix(JOURNAL_SUFFIX)
            tail = f"cp '{saved}' '{journal}'" if saved.exists() else f"rm -f '{journal}'"
            return f" Newest good backup: {backup} (to restore: cp '{backup}' '{target}' && {tail})"
        return " No backup of it exists."

    # -- writing ------------------------------------------------------------------------------

    def put(self, key: str, docs: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Write changed records of one file durably (None deletes a record)."""
        self.put_many([(key, docs)])

    def put_many(self, changes: Sequence[tuple[str, Mapping[str, Mapping[str, Any] | None]]]) -> None:
        """Write changed records of several files durably, in the order given.

        Each file's backup (and the compaction it may need) is made before the first record is
        written, so those steps cannot fail halfway through the writes. A failed write leaves
        the files written before it changed (write what makes the others visible last).
        """
        if not self.writable:
            raise ReadOnlyError(f"library {self.root} is open read-only")
        made: dict[str, Path] = {}
        first = [key for key, _ in changes if key not in self._backed_up]
        written: set[str] = set()
        try:
            for key, _ in changes:
                storage = self._checked(key)
                if key != "state":
                    try:
                        storage.path.parent.mkdir(exist_ok=True)
                    except OSError as exc:
                        problem = _describe_os_error(exc)
                        raise WriteError(f"could not save {storage.path}: {problem}; nothing was changed") from exc
                backup = self._backup_once(key)
                if backup is not None:
                    made[key] = backup
            for key, docs in changes:
                self.storage(key).append(docs)
                written.add(key)
        except BaseException:
            for key, backup in made.items():
                if key not in written:  # the file it copies is still the current one: no new version
                    with contextlib.suppress(OSError):
                        backup.unlink()
                    with contextlib.suppress(OSError):
                        backup.with_suffix(JOURNAL_SUFFIX).unlink(missing_ok=True)
            raise
        for key in dict.fromkeys(first):
            self._backed_up.add(key)
            self._rotate(self._stem(key))

    def migrate(
        self, index: Mapping[str, Mapping[str, Any]], shards: Mapping[str, Mapping[str, Mapping[str, Any]]]
    ) -> Path:
        """Convert a library in the single-file layout to the index and shards, atomically.

        Every new file is written whole (atomically) first, while `papers.json` still decides
        the layout: a kill at any point before the last step leaves the old library as it was
        (the next open converts it again). The last step moves `papers.json` into `backups/`
        (one rename: the switch), then drops its journal, whose changes the new files hold.
        Returns where the old file was kept.
        """
        if not self.writable:
            raise ReadOnlyError(f"library {self.root} is open read-only")
        legacy = self.storage("legacy")
        folder = self.root / SHARD_DIR
        meta = {"schema": {"version": SCHEMA_VERSION, "kind": "papers"}}
        try:
            for old in [*folder.glob("*.json"), *folder.glob(f"*{JOURNAL_SUFFIX}")] if folder.is_dir() else []:
                old.unlink()  # what a killed migration left: written again below
            folder.mkdir(exist_ok=True)
            for name, docs in shards.items():
                atomic_write_bytes(
                    folder / f"{name}.json", _lines_payload({"_meta": meta, "papers": dict(docs)}, "papers")
                )
            index_meta = {"schema": {"version": SCHEMA_VERSION, "kind": "index"}}
            (self.root / INDEX_FILE).with_suffix(JOURNAL_SUFFIX).unlink(missing_ok=True)
            atomic_write_bytes(
                self.root / INDEX_FILE, _lines_payload({"_meta": index_meta, "index": dict(index)}, "index")
            )
            backups = self.root / BACKUP_DIR
            backups.mkdir(exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            kept = backups / f"papers-{stamp}.json"
            legacy.close()
            os.replace(self.root / PAPERS_FILE, kept)  # the switch
            fsync_dir(self.root)
            fsync_dir(backups)
            legacy.journal.unlink(missing_ok=True)
        except (OSError, _FolderSyncFailed) as exc:
            error = exc.error if isinstance(exc, _FolderSyncFailed) else exc
            raise WriteError(
                f"could not convert {self.root / PAPERS_FILE} to the new layout: {_describe_os_error(error)}; "
                "the library was left as it was"
            ) from exc
        self._storages.pop("legacy", None)
        self._dbs.pop("legacy", None)
        return kept

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
