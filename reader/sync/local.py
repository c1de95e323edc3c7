"""The library-folder side of sync: the library's id, the stamping hook and the outbox.

A library set up for sync has a `sync/` folder of its own (never in the sync folder):

    sync/id            the library's stable random id and the host name, made once
    sync/progress.json how far this library sent its changes and read every other machine's
    sync/papers.json   the stamp of the newest version of each paper held (newer versions win)
    sync/outbox        ids of papers imported or changed since the last sync, one a line,
                       appended (fsynced) BEFORE the papers are written, so a paper saved is
                       never missing from the next sync, even after a kill right after it

`Library` calls the hook (`SyncHooks`) at two points only: every local state change is stamped
(`stamp`, inside `Library.restore`, so the stamp is in the same durable write as the change) and
every paper write is announced (`papers_changing`). Nothing here imports the library.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.atomic import atomic_write_bytes, fsync_dir
from reader.sync.crdt import Clock, stamp_change

if TYPE_CHECKING:
    from reader.models import UserState

SYNC_DIR = "sync"
ID_FILE = "id"
OUTBOX = "outbox"
PROGRESS = "progress.json"
PAPER_STAMPS = "papers.json"
"""Paper id -> the stamp of the newest version of it this library holds (sent or merged)."""


def host_name() -> str:
    """This machine's name, as it may appear in a file name (letters, digits, dashes)."""
    name = os.environ.get("READER_SYNC_HOST") or socket.gethostname().split(".")[0]
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")[:40] or "host"


def read_identity(root: Path) -> tuple[str, str] | None:
    """The library's sync id and host name, or None when it was never set up for sync."""
    try:
        fields = (root / SYNC_DIR / ID_FILE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(fields) != 2 or not re.fullmatch(r"[0-9a-f]{12}", fields[0]):
        return None
    return fields[0], fields[1]


def make_identity(root: Path) -> tuple[str, str]:
    """Create the library's id once (kept for good: it names this library's files)."""
    found = read_identity(root)
    if found is not None:
        return found
    identity = (secrets.token_hex(6), host_name())
    folder = root / SYNC_DIR
    folder.mkdir(exist_ok=True)
    atomic_write_bytes(folder / ID_FILE, f"{identity[0]} {identity[1]}\n".encode("ascii"))
    return identity


class SyncHooks:
    """What a library set up for sync does on each change (see module doc)."""

    def __init__(self, root: Path, machine: str, host: str) -> None:
        self.root = root
        self.machine = machine
        self.host = host
        self.clock = Clock(machine)
        self._clock_ready = False
        self.quiet = False
        """Set while papers from other machines are merged in: those are not sent back."""

    def ready_clock(self, states: Iterable[UserState]) -> None:
        """Start the clock past every local change stamp (wall clocks may have gone back)."""
        if self._clock_ready:
            return
        for state in states:
            if state.sync is not None:
                self.clock.observe(state.sync.get("m"))
        self._clock_ready = True

    def stamp(self, current: Mapping[str, UserState], states: dict[str, UserState]) -> dict[str, UserState]:
        """The states as local changes: each with its sync record brought up to date."""
        self.ready_clock(current.values())
        default = _default()
        return {
            pid: stamp_change(current.get(pid, default), state, self.clock, self.host) for pid, state in states.items()
        }

    def papers_changing(self, ids: Iterable[str]) -> None:
        """Note durably that these papers are about to be written (the next sync sends them)."""
        if not self.quiet:
            append_outbox(self.root, ids)


def _default() -> UserState:
    from reader.models import UserState

    return UserState()


def hooks_for(root: Path) -> SyncHooks | None:
    identity = read_identity(root)
    return SyncHooks(root, *identity) if identity else None


def append_outbox(root: Path, ids: Iterable[str]) -> None:
    data = "".join(f"{pid}\n" for pid in ids).encode("utf-8", "surrogatepass")
    if not data:
        return
    path = root / SYNC_DIR / OUTBOX
    existed = path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if not existed:
        fsync_dir(path.parent)


def read_json(root: Path, name: str) -> dict[str, Any]:
    """One of the sync/ files (`{}` when missing or damaged: then everything is read and sent
    again, which merging makes harmless)."""
    import orjson

    try:
        data = orjson.loads((root / SYNC_DIR / name).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(root: Path, name: str, data: Mapping[str, Any]) -> None:
    import orjson

    atomic_write_bytes(root / SYNC_DIR / name, orjson.dumps(dict(data), option=orjson.OPT_INDENT_2))


def read_progress(root: Path) -> dict[str, Any]:
    return read_json(root, PROGRESS)


def write_progress(root: Path, progress: Mapping[str, Any]) -> None:
    write_json(root, PROGRESS, progress)
