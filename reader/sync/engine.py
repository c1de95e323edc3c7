"""Sync through a shared folder: each machine appends its changes to its own log files there and
reads everyone else's.

Files in the sync folder, all named `<library-id>.<host>.<kind>...` so that no two machines ever
write the same file (git merges never conflict, Syncthing and Dropbox never make conflict copies):

    <id>.<host>.log.000003.jsonl       the log, in parts; only the newest part is appended to
    <id>.<host>.snapshot.000003.jsonl  the latest entry of every record in the parts before 3
                                        (written whole, atomically, when a part is closed)
    <id>.<host>.ack.json               how far this machine has read every other machine's log

A line is `{"c": "<crc32>", "e": <entry>}`; an entry is a paper's sync record (`"k": "s"`) or a
paper's metadata (`"k": "p"`). A damaged line is refused in one warning naming the file; the
rest still applies. A log part is deleted only when every machine that has files in the folder
acknowledged having read it (the snapshot still has its entries for machines yet to come).

A sync runs in steps so the app can do the I/O in a worker and the merge on its UI thread:
`prepare` (reads the library), `send` (writes our log), `receive` (reads the others'),
`apply` (merges into the library), `finish` (saves how far we read, acknowledges, compacts).
"""

from __future__ import annotations

import contextlib
import os
import signal
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reader.atomic import atomic_write_bytes, fsync_dir
from reader.sync import crdt
from reader.sync.local import (
    OUTBOX,
    PAPER_STAMPS,
    SYNC_DIR,
    make_identity,
    read_json,
    read_progress,
    write_json,
    write_progress,
)

if TYPE_CHECKING:
    from reader.library import Library
    from reader.models import Paper, UserState

SEGMENT_BYTES = 4 << 20
"""A log part is closed (and compacted into a snapshot) once it is bigger than this."""

FOLDER_KEY = "sync_folder"
"""The settings key that holds the sync folder."""


class SyncError(Exception):
    """A sync problem worded for the user (one line). Nothing acknowledged is lost."""


def kill_point(name: str) -> None:
    """Tests stop a sync dead at a named point (`READER_SYNC_KILL_AT`), to prove a resume."""
    if os.environ.get("READER_SYNC_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


# -- lines and file names ---------------------------------------------------------------------


def encode(entry: dict[str, Any]) -> bytes:
    body = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    return b'{"c":"%08x","e":%s}\n' % (zlib.crc32(body), body)


def decode(line: bytes) -> dict[str, Any] | None:
    """The entry of a line, or None when the line is damaged."""
    try:
        data = orjson.loads(line)
        entry = data["e"]
        body = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
        if data["c"] != f"{zlib.crc32(body):08x}" or not _valid_entry(entry):
            return None
    except (orjson.JSONDecodeError, KeyError, TypeError, orjson.JSONEncodeError):
        return None
    return entry  # type: ignore[no-any-return]


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("p"), str) or not entry["p"]:
        return False
    if entry.get("k") == "p":
        from reader.models import stored_paper_problem

        return isinstance(entry.get("d"), dict) and stored_paper_problem(entry["d"]) is None
    return entry.get("k") == "s" and _valid_meta(entry.get("c"))


def _valid_meta(meta: Any) -> bool:
    """Whether a record from another machine has the shape the merge expects."""
    try:
        if not isinstance(meta, dict):
            return False
        if "s" in meta:
            stamp, fields = meta["s"]
            crdt.parse_stamp(stamp)
            from reader.models import Status

            Status(fields["status"])
            if not all(isinstance(v, str) for v in fields.values()):
                return False
        for version in meta.get("n", []):
            text, host = version["x"], version.get("h") or ""
            if not isinstance(text, str) or not version["v"] or not _clean(text, block=True):
                return False  # reader cleans every note it stores: control bytes mean a forged line
            if not isinstance(host, str) or not _clean(host):
                return False
            for stamp in version["v"].values():
                crdt.parse_stamp(stamp)
        for tag, (adds, removes) in meta.get("t", {}).items():
            if not isinstance(tag, str) or not _clean(tag) or not all(isinstance(d, str) for d in [*adds, *removes]):
                return False
        other = meta.get("o", {})
        return isinstance(other, dict) and all(isinstance(v, str) for v in other.values())
    except (TypeError, ValueError, KeyError, AttributeError):
        return False


def _clean(text: str, *, block: bool = False) -> bool:
    from reader.text import clean_block, clean_line

    return (clean_block(text) if block else clean_line(text)) == text


@dataclass(frozen=True, slots=True)
class FileName:
    source: str
    """`<id>.<host>`: one machine."""
    kind: str
    seq: int

    @classmethod
    def parse(cls, name: str) -> FileName | None:
        parts = name.split(".")
        if len(parts) == 4 and parts[2] == "ack" and parts[3] == "json":
            return cls(f"{parts[0]}.{parts[1]}", "ack", 0)
        if len(parts) != 5 or parts[2] not in ("log", "snapshot") or parts[4] != "jsonl" or not parts[3].isdigit():
            return None
        if len(parts[0]) != 12:
            return None
        return cls(f"{parts[0]}.{parts[1]}", parts[2], int(parts[3]))


def log_name(source: str, seq: int) -> str:
    return f"{source}.log.{seq:06d}.jsonl"


def snapshot_name(source: str, seq: int) -> str:
    return f"{source}.snapshot.{seq:06d}.jsonl"


def ack_name(source: str) -> str:
    return f"{source}.ack.json"


def check_folder(folder: Path, root: Path) -> Path:
    """The sync folder, resolved; refused inside the library folder or around it."""
    sync = folder.expanduser().resolve()
    lib = root.expanduser().resolve()
    if sync == lib or sync.is_relative_to(lib):
        raise SyncError(f"sync folder {folder} is inside the library folder {root}; choose a folder outside it")
    if lib.is_relative_to(sync):
        raise SyncError(f"sync folder {folder} contains the library folder {root}; choose a folder beside it")
    if sync.exists() and not sync.is_dir():
        raise SyncError(f"sync folder {folder} is not a folder")
    return sync


# -- the steps ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Outgoing:
    """What `prepare` collected to send."""

    lines: list[bytes] = field(default_factory=list)
    watermark: str = ""
    outbox_taken: bool = False
    restart: bool = False
    paper_stamps: dict[str, str] = field(default_factory=dict)
    """The stamp each paper sent carries (newer versions of a paper win over older ones)."""


@dataclass(slots=True)
class Incoming:
    """What `receive` read from the other machines."""

    papers: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    """Paper id -> its versions from other machines, each with its stamp."""
    paper_stamps: dict[str, str] = field(default_factory=dict)
    """The stamp of the newest version of each paper this library holds (read, then updated by apply)."""
    states: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    positions: dict[str, list[int]] = field(default_factory=dict)
    machines: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Result:
    sent: int = 0
    applied: int = 0
    machines: int = 0
    conflicts: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sent {self.sent}, applied {self.applied} from {self.machines} "
            f"machine{'s' if self.machines != 1 else ''}, conflicts {self.conflicts}"
        )


class Syncer:
    """One sync of one library with one folder (see the module doc for the steps)."""

    def __init__(self, library: Library, folder: Path) -> None:
        self.library = library
        self.root = library.root
        self.folder = check_folder(folder, self.root)
        if library.readonly:
            raise SyncError(f"library {self.root} is open read-only; sync needs to write it")
        machine, host = make_identity(self.root)
        if library.sync_hooks is None:
            from reader.sync.local import SyncHooks

            library.sync_hooks = SyncHooks(self.root, machine, host)
        self.hooks = library.sync_hooks
        self.source = f"{machine}.{host}"
        self.progress = read_progress(self.root)

    # -- prepare (the library, on the thread that owns it) -----------------------------------

    def prepare(self) -> Outgoing:
        """Collect what this library has to send: changes since the last sync, papers announced in
        the outbox (all of them the first time). Records made before sync was set up get one."""
        library = self.library
        self._adopt_unstamped()
        out = Outgoing()
        seg = self._own_segment()
        if seg is None:  # our log is gone or was cut by the sync engine: send everything again
            out.restart = True
        first = out.restart or not self.progress.get("bootstrapped")
        since = "" if first else str(self.progress.get("sent", ""))
        host = self.hooks.host
        top = since
        for pid, state in library.states.items():
            meta = state.sync
            if meta is None:
                continue
            stamp = meta.get("m") or ""
            if stamp > since:
                out.lines.append(encode({"k": "s", "p": pid, "h": host, "c": crdt.shared(meta)}))
                top = max(top, stamp)
        out.watermark = top
        outbox = self.root / SYNC_DIR / OUTBOX
        taking = outbox.with_suffix(".taking")
        if outbox.exists() and not taking.exists():
            os.replace(outbox, taking)
        ids: list[str] = []
        if first:
            ids = library.ids()  # the public API (papers may load lazily behind it)
        elif taking.exists():
            ids = list(dict.fromkeys(taking.read_text(encoding="utf-8", errors="replace").split()))
        out.outbox_taken = taking.exists()
        stamp = self.hooks.clock.tick() if ids else ""
        papers = []
        for pid in ids:
            if pid in library:
                papers.append(encode({"k": "p", "p": pid, "t": stamp, "d": library.paper(pid).to_dict()}))
                out.paper_stamps[pid] = stamp
        out.lines = papers + out.lines  # papers first: their states then find them
        return out

    def _adopt_unstamped(self) -> None:
        library = self.library
        missing = {pid: s for pid, s in library.states.items() if s.sync is None}
        if not missing:
            return
        hooks = self.hooks
        hooks.ready_clock(library.states.values())
        adopted = {}
        for pid, state in missing.items():
            meta = crdt.adopt(state, hooks.clock, hooks.host)
            adopted[pid] = crdt.render(meta, state)
        library.restore(adopted, local=False)

    def _own_segment(self) -> int | None:
        """The number of our log part to append to, or None when it is not as we left it."""
        seq = int(self.progress.get("seq", 0))
        size = int(self.progress.get("size", 0))
        path = self.folder / log_name(self.source, seq)
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            return seq if size == 0 else None
        return seq if actual >= size else None

    # -- send (file I/O: a worker may do it) ---------------------------------------------------

    def send(self, out: Outgoing) -> int:
        """Append our new lines to our log (fsynced); return how many were sent."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SyncError(f"cannot create sync folder {self.folder}: {exc.strerror or exc}") from None
        if out.restart:
            # Everything again, as a snapshot starting a new part: whoever did not read the damaged
            # part to its end reads this snapshot instead.
            seq = int(self.progress.get("seq", 0)) + 1
            snapshot = self.folder / snapshot_name(self.source, seq)
            try:
                atomic_write_bytes(snapshot, b"".join(out.lines))
            except OSError as exc:
                raise SyncError(f"cannot write {snapshot}: {exc.strerror or exc}; nothing was lost") from None
            self.progress["seq"], self.progress["size"] = seq, 0
            out = Outgoing([], out.watermark, out.outbox_taken)
        seq = int(self.progress.get("seq", 0))
        path = self.folder / log_name(self.source, seq)
        if out.lines:
            try:
                self._append(path, out.lines)
            except OSError as exc:
                raise SyncError(f"cannot write {path}: {exc.strerror or exc}; nothing was lost") from None
        before = dict(self.progress)
        self.progress["sent"] = out.watermark
        self.progress["bootstrapped"] = True
        with contextlib.suppress(OSError):
            self.progress["size"] = path.stat().st_size
        if self.progress != before or out.restart:
            write_progress(self.root, self.progress)
        if out.paper_stamps:
            stamps = read_json(self.root, PAPER_STAMPS)
            stamps.update(out.paper_stamps)
            write_json(self.root, PAPER_STAMPS, stamps)
        if out.outbox_taken:
            with contextlib.suppress(FileNotFoundError):
                (self.root / SYNC_DIR / OUTBOX).with_suffix(".taking").unlink()
        return len(out.lines)

    def _append(self, path: Path, lines: list[bytes]) -> None:
        existed = path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            good = int(self.progress.get("size", 0)) if existed else 0
            if size > good:  # a line we never finished (killed while writing): cut it off
                tail = os.pread(fd, size - good, good)
                good += tail.rfind(b"\n") + 1
                os.ftruncate(fd, good)
            data = b"".join(lines)
            half = len(data) // 2
            os.lseek(fd, good, os.SEEK_SET)
            _write_all(fd, data[:half])
            kill_point("mid-send")
            _write_all(fd, data[half:])
            os.fsync(fd)
        finally:
            os.close(fd)
        if not existed:
            fsync_dir(path.parent)

    # -- receive (file I/O: a worker may do it) -------------------------------------------------

    def receive(self) -> Incoming:
        """Read what the other machines wrote since we last read them."""
        incoming = Incoming()
        files: dict[str, dict[str, dict[int, Path]]] = {}
        try:
            names = sorted(os.listdir(self.folder))
        except FileNotFoundError:
            names = []
        except OSError as exc:
            raise SyncError(f"cannot read sync folder {self.folder}: {exc.strerror or exc}") from None
        for name in names:
            parsed = FileName.parse(name)
            if parsed is None or parsed.source == self.source or parsed.kind == "ack":
                continue
            files.setdefault(parsed.source, {}).setdefault(parsed.kind, {})[parsed.seq] = self.folder / name
        incoming.paper_stamps = read_json(self.root, PAPER_STAMPS)
        positions = self.progress.get("read", {})
        for source, kinds in sorted(files.items()):
            seq, offset = positions.get(source, [0, 0])
            logs = kinds.get("log", {})
            snapshots = kinds.get("snapshot", {})
            newest = max(snapshots, default=-1)
            if newest > seq:  # it covers every part before it (even one cut short): read it instead
                self._read_lines(snapshots[newest], 0, source, incoming)
                seq, offset = newest, 0
            while True:
                path = logs.get(seq)
                if path is None:  # not written yet, or deleted and its snapshot not arrived yet: wait
                    break
                offset = self._read_lines(path, offset, source, incoming, final=not any(k > seq for k in logs))
                if any(k > seq for k in logs):
                    seq, offset = seq + 1, 0
                    continue
                break
            incoming.positions[source] = [seq, offset]
        return incoming

    def _read_lines(self, path: Path, offset: int, source: str, incoming: Incoming, *, final: bool = False) -> int:
        """Apply the complete lines of `path` after `offset`; return the offset reached."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return offset
        except OSError as exc:
            incoming.warnings.append(f"cannot read {path}: {exc.strerror or exc}; skipped")
            return offset
        if len(raw) < offset:  # replaced or cut by the sync engine: read it again (merging is idempotent)
            offset = 0
        end = raw.rfind(b"\n") + 1 if final else len(raw)
        if end < offset:
            return offset
        line_no = raw.count(b"\n", 0, offset)
        for line in raw[offset:end].split(b"\n"):
            line_no += 1
            if not line.strip():
                continue
            entry = decode(line)
            if entry is None:
                incoming.warnings.append(f"{path}: line {line_no} is damaged; skipped (the rest was applied)")
                continue
            incoming.machines.add(source)
            if entry["k"] == "p":
                incoming.papers.setdefault(entry["p"], []).append((str(entry.get("t") or ""), entry["d"]))
            else:
                incoming.states.setdefault(entry["p"], []).append(entry["c"])
        return max(end, offset)

    # -- apply (the library, on the thread that owns it) ----------------------------------------

    def apply(self, incoming: Incoming) -> int:
        """Merge what was received into the library (one undo step); return how many papers changed."""
        from reader.importers import BadInput

        library = self.library
        applied = 0
        if incoming.papers:
            papers = []
            for pid, versions in sorted(incoming.papers.items()):
                paper = self._paper_in_order(pid, versions, incoming.paper_stamps)
                if paper is not None:
                    papers.append(paper)
            self.hooks.quiet = True  # not sent back: the machine that sent them has them
            try:
                result = library.import_papers(papers)
                applied += result.new + result.updated
            except BadInput:
                pass
            finally:
                self.hooks.quiet = False
        shown: dict[str, UserState] = {}
        hidden: dict[str, UserState] = {}
        for pid, metas in incoming.states.items():
            current = library.state(pid)
            meta = current.sync if current.sync is not None else {}
            for other in metas:
                meta = crdt.merge(meta, other)
            state = crdt.render(meta, current)
            if state.to_dict() == current.to_dict():
                continue
            current_bare, state_bare = current.copy(), state.copy()
            current_bare.sync = state_bare.sync = None
            (shown if state_bare.to_dict() != current_bare.to_dict() else hidden)[pid] = state
        kill_point("mid-apply")
        if hidden:  # only the record changed (a tag removed twice, say): nothing to undo
            library.restore(hidden, local=False)
        if shown:
            library.apply_merged(shown)
            applied += len(shown)
        return applied

    def _paper_in_order(
        self, pid: str, versions: list[tuple[str, dict[str, Any]]], stamps: dict[str, str]
    ) -> Paper | None:
        """The paper as if every version had been imported in the order of their stamps: a newer
        version's values win, an older one only fills what is missing. So every machine ends
        with the same paper, whatever order the versions arrived in."""
        from reader.models import Paper

        held = stamps.get(pid, "")
        current = self.library.paper(pid) if pid in self.library else None
        result = Paper.from_dict(current.to_dict()) if current is not None else None
        for stamp, doc in sorted(versions, key=lambda v: v[0], reverse=True):
            if stamp <= held and result is not None:  # older than what we hold: under it
                older = Paper.from_dict(doc, pid)
                older.merge(result)
                result = older
        for stamp, doc in sorted(versions, key=lambda v: v[0]):
            if stamp > held or result is None:  # newer: on top, as a later re-import
                if result is None:
                    result = Paper.from_dict(doc, pid)
                else:
                    result.merge(Paper.from_dict(doc, pid))
            self.hooks.clock.observe(stamp or None)
        newest = max((stamp for stamp, _doc in versions), default="")
        if newest > held:
            stamps[pid] = newest
        return result

    # -- finish (file I/O: a worker may do it) -------------------------------------------------

    def finish(self, incoming: Incoming) -> None:
        """Remember how far we read (only now that the merge is saved), acknowledge it in our
        own file, and compact our log when its newest part is big."""
        if incoming.papers:
            write_json(self.root, PAPER_STAMPS, incoming.paper_stamps)
        read = {**self.progress.get("read", {}), **incoming.positions}
        if read != self.progress.get("read"):
            self.progress["read"] = read
            write_progress(self.root, self.progress)
        acks = {source: pos[0] for source, pos in read.items()}
        ack_path = self.folder / ack_name(self.source)
        body = orjson.dumps(acks, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
        try:
            if not ack_path.exists() or ack_path.read_bytes() != body:
                atomic_write_bytes(ack_path, body)
            self.compact()
        except OSError as exc:
            raise SyncError(f"cannot write in sync folder {self.folder}: {exc.strerror or exc}") from None

    def compact(self, limit: int | None = None) -> None:
        seq = int(self.progress.get("seq", 0))
        current = self.folder / log_name(self.source, seq)
        size = current.stat().st_size if current.exists() else 0
        if size > (SEGMENT_BYTES if limit is None else limit):
            self._close_part(seq)
            seq += 1
        self._drop_acknowledged(seq)

    def _close_part(self, seq: int) -> None:
        """Write the snapshot of every part up to `seq`, then start part `seq + 1`."""
        latest: dict[tuple[str, str], bytes] = {}
        sources = sorted(self._own_files("snapshot"))[-1:] + sorted(self._own_files("log"))
        for number, kind in sources:
            if kind == "log" and number > seq:
                continue
            path = self.folder / (snapshot_name if kind == "snapshot" else log_name)(self.source, number)
            for line in path.read_bytes().splitlines():
                entry = decode(line)
                if entry is not None:
                    latest[(entry["k"], entry["p"])] = line + b"\n"
        target = self.folder / snapshot_name(self.source, seq + 1)
        atomic_write_bytes(target, b"".join(latest[key] for key in sorted(latest)))
        self.progress["seq"], self.progress["size"] = seq + 1, 0
        write_progress(self.root, self.progress)
        for number, _kind in self._own_files("snapshot"):
            if number <= seq:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / snapshot_name(self.source, number)).unlink()

    def _own_files(self, kind: str) -> Iterator[tuple[int, str]]:
        for name in os.listdir(self.folder):
            parsed = FileName.parse(name)
            if parsed is not None and parsed.source == self.source and parsed.kind == kind:
                yield parsed.seq, kind

    def _drop_acknowledged(self, seq: int) -> None:
        """Delete our log parts before `seq` that every other machine in the folder has read."""
        old = [number for number, _kind in self._own_files("log") if number < seq]
        if not old:
            return
        peers: dict[str, int] = {}
        for name in os.listdir(self.folder):
            parsed = FileName.parse(name)
            if parsed is None or parsed.source == self.source:
                continue
            peers.setdefault(parsed.source, 0)
            if parsed.kind == "ack":
                try:
                    acks = orjson.loads((self.folder / name).read_bytes())
                    peers[parsed.source] = max(peers[parsed.source], int(acks.get(self.source, 0)))
                except (OSError, orjson.JSONDecodeError, TypeError, ValueError, AttributeError):
                    pass
        upto = min(peers.values(), default=seq)
        for number in old:
            if number < upto:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / log_name(self.source, number)).unlink()

    # -- all steps at once ---------------------------------------------------------------------

    def run(self, git: Any = None) -> Result:
        """A whole sync (the CLI's): send, then with git commit and pull, receive, apply, finish,
        then with git commit and push."""
        result = Result()
        out = self.prepare()
        result.sent = self.send(out)
        kill_point("after-send")
        if git is not None:
            git.commit(self.source, "reader sync: send")
            git.pull()
        incoming = self.receive()
        result.applied = self.apply(incoming)
        kill_point("after-apply")
        self.finish(incoming)
        if git is not None:
            git.commit(self.source, "reader sync: acknowledge")
            git.push()
        result.machines = len(incoming.machines)
        result.warnings = incoming.warnings
        result.conflicts = conflicts(self.library)
        return result


def conflicts(library: Library) -> int:
    return sum(1 for state in library.states.values() if state.note_conflict)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
