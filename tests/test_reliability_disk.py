"""Reliability: a full disk or failing file operations never lose or half-write anything.

Extends `test_store.py`. Failures are injected into every file operation the store makes: the
journal append (open, write, short write, fsync, and a failing cut-back of a torn line), the
compaction (temp file, write, fsync, rename, the folder fsync after the rename), the backup
step (no hard links, no room for a copy, no backups folder) and the lock file; then long runs
of random failures mixed with successes. After every operation the data in memory equals the
data on disk and equals a model of the operations that reported success.
"""

from __future__ import annotations

import errno
import os
import random
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from reader import atomic, store
from reader.library import Library
from reader.models import Status
from reader.store import StoreError, WriteError
from tests.conftest import Cli

ENOSPC = OSError(errno.ENOSPC, "No space left on device")
EIO = OSError(errno.EIO, "Input/output error")

JOURNAL_POINTS = ["journal-open", "journal-write", "journal-short-write", "journal-fsync", "journal-write-and-cut"]
"""Failures while appending a change: the change is refused, nothing is changed."""
COMPACT_POINTS = ["mkstemp", "write", "short-write", "file-fsync", "replace", "dir-fsync", "empty-journal"]
"""Failures while rewriting a file from its journal: the data is unchanged either way."""
BACKUP_POINTS = ["backup-link", "backup-link-and-copy", "backup-mkdir"]
"""Failures while keeping a backup: best effort, the change itself is saved."""


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _is_journal(fd: int) -> bool:
    return _fd_path(fd).endswith(store.JOURNAL_SUFFIX)


def _is_dir(fd: int) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)


class _FailingFile:
    """A temp-file object whose writes fail (optionally after writing half the data)."""

    def __init__(self, handle: Any, short: bool) -> None:
        self.handle = handle
        self.short = short

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        if self.short:
            self.handle.write(data[: len(data) // 2])
        raise ENOSPC

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def inject(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    """Make one of the store's file operations fail from now on (until `monkeypatch.undo()`)."""
    real_open, real_write, real_fsync, real_ftruncate = os.open, os.write, os.fsync, os.ftruncate
    real_fdopen, real_mkdir, real_temp = os.fdopen, Path.mkdir, atomic.temp_file_in

    def temp_failing(refuse: Callable[[Path, str], bool]) -> None:
        """New temporary files fail where `refuse(folder, prefix)` (atomic writes and sidecars)."""

        def temp_file_in(folder: Path, prefix: str, suffix: str = ".tmp") -> tuple[int, str]:
            if refuse(Path(folder), prefix):
                raise ENOSPC
            return real_temp(folder, prefix, suffix)

        monkeypatch.setattr(atomic, "temp_file_in", temp_file_in)
        monkeypatch.setattr(store, "temp_file_in", temp_file_in)

    def fail(*args: object, **kwargs: object) -> Any:
        raise ENOSPC

    if point == "journal-open":

        def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if str(path).endswith(store.JOURNAL_SUFFIX):
                raise ENOSPC
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(store.os, "open", open_)
    elif point in ("journal-write", "journal-short-write", "journal-write-and-cut"):
        calls = {"n": 0}

        def write(fd: int, data: Any) -> int:
            if not _is_journal(fd):
                return real_write(fd, data)
            calls["n"] += 1
            if point == "journal-short-write" and calls["n"] % 2 == 1:
                return real_write(fd, bytes(data)[: len(data) // 2])  # half, then the next call fails
            raise ENOSPC

        monkeypatch.setattr(store.os, "write", write)
        if point == "journal-write-and-cut":

            def ftruncate(fd: int, length: int) -> None:
                if _is_journal(fd):
                    raise EIO
                real_ftruncate(fd, length)

            monkeypatch.setattr(store.os, "ftruncate", ftruncate)
    elif point == "journal-fsync":

        def fsync(fd: int) -> None:
            if _is_journal(fd):
                raise EIO
            real_fsync(fd)

        monkeypatch.setattr(store.os, "fsync", fsync)
    elif point == "mkstemp":
        temp_failing(
            lambda folder, prefix: bool(re.match(r"\.(papers|state|index|\d{4}-\d{2}|undated)\.json\.", prefix))
        )
    elif point in ("write", "short-write"):
        monkeypatch.setattr(store.os, "fdopen", lambda fd, mode: _FailingFile(real_fdopen(fd, mode), point != "write"))
    elif point == "file-fsync":

        def file_fsync(fd: int) -> None:
            if not _is_dir(fd) and not _is_journal(fd):
                raise EIO
            real_fsync(fd)

        monkeypatch.setattr(store.os, "fsync", file_fsync)
    elif point == "dir-fsync":

        def dir_fsync(fd: int) -> None:
            if _is_dir(fd):
                raise EIO
            real_fsync(fd)

        monkeypatch.setattr(store.os, "fsync", dir_fsync)
    elif point == "replace":
        monkeypatch.setattr(store.os, "replace", fail)
    elif point == "empty-journal":  # the snapshot is written, emptying the journal fails
        temp_failing(lambda folder, prefix: prefix.endswith(store.JOURNAL_SUFFIX + "."))
    elif point == "backup-link":
        monkeypatch.setattr(store.os, "link", lambda *a: (_ for _ in ()).throw(OSError(errno.EPERM, "no links")))
    elif point == "backup-link-and-copy":
        inject(monkeypatch, "backup-link")

        temp_failing(lambda folder, prefix: folder.name == store.BACKUP_DIR)
    elif point == "backup-mkdir":

        def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
            if self.name == store.BACKUP_DIR:
                raise ENOSPC
            real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    else:
        raise AssertionError(point)


Data = tuple[dict[str, Any], dict[str, Any]]


def memory(lib: Library) -> Data:
    """Everything a library holds in memory, as plain data."""
    return {p.id: p.to_dict() for p in lib}, {p: s.to_dict() for p, s in lib.states.items()}


def disk(root: Path) -> Data:
    """Everything on disk, as a fresh reader sees it."""
    with Library.open(root, readonly=True) as fresh:
        return memory(fresh)


def assert_no_debris(root: Path) -> None:
    """No temp file anywhere; every backup is a complete, loadable file."""
    assert [p.name for p in root.rglob("*.tmp")] == []
    for backup in (root / store.BACKUP_DIR).glob("*.json"):
        store.read_tinydb_file(backup, backup.name.split("-")[0].split(".")[0])


def api_json(folder: Path, existing_id: str | None = None, n: int = 3, start: int = 0) -> Path:
    """An API JSON file with `n` new papers (and an update of `existing_id`, if given)."""
    items = [
        {"paper": {"id": f"2508.{10000 + i}", "title": f"Injected paper {i}", "summary": "s" * 250, "upvotes": i}}
        for i in range(start, start + n)
    ]
    if existing_id:
        items.append({"paper": {"id": existing_id, "title": "Fresh title for the known paper", "upvotes": 999}})
    path = folder / f"api-{start}-{n}-{existing_id}.json"
    path.write_bytes(orjson.dumps(items))
    return path


def operation(lib: Library, kind: str, pid: str, folder: Path, n: int = 0) -> Callable[[], object]:
    """One change of the given kind, ready to run."""
    if kind == "import":
        return lambda: lib.import_files([api_json(folder, existing_id=pid, n=3, start=20 + n)])
    if kind == "status":
        return lambda: lib.set_status(pid, Status.DONE if lib.status(pid) is not Status.DONE else Status.READING)
    if kind == "tags":
        return lambda: lib.set_tags(pid, [f"t{n}"])
    return lambda: lib.set_notes(pid, f"note {n} ✓")


def seeded_library(root: Path, folder: Path, *, leave_journal: bool) -> str:
    """A library with papers and a note; with `leave_journal`, its changes still in the journals."""
    lib = Library.open(root)
    lib.import_files([api_json(folder, n=5)])  # new files: written whole
    lib.import_files([api_json(folder, n=2, start=30)])  # and then journaled
    pid = lib.ids()[0]
    lib.set_notes(pid, "older note")
    lib.store.close(compact=not leave_journal)
    if leave_journal:
        assert (root / "state.journal").stat().st_size > 0
    return pid


@pytest.mark.parametrize("point", JOURNAL_POINTS)
@pytest.mark.parametrize("kind", ["import", "status", "note"])
def test_failed_append_changes_nothing_then_the_library_goes_on(
    point: str, kind: str, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = seeded_library(lib_path, tmp_path, leave_journal=False)
    with Library.open(lib_path) as lib:
        before = memory(lib)
        assert disk(lib_path) == before
        act = operation(lib, kind, pid, tmp_path)
        inject(monkeypatch, point)
        for _ in range(2):  # and again: still refused, still nothing changed
            with pytest.raises(WriteError, match=r"could not save .*nothing was changed"):
                act()
            assert memory(lib) == before
            assert disk(lib_path) == before
        monkeypatch.undo()
        act()
        assert memory(lib) != before and memory(lib) == disk(lib_path)
        operation(lib, "tags", pid, tmp_path, 1)()  # a torn line left behind must not spoil the next one
        after = memory(lib)
        assert disk(lib_path) == after
    assert disk(lib_path) == after
    with Library.open(lib_path) as again:  # and a writer opens it too (cutting any torn tail)
        assert memory(again) == after
    assert_no_debris(lib_path)


@pytest.mark.parametrize("point", COMPACT_POINTS)
@pytest.mark.parametrize("kind", ["import", "status", "note"])
def test_failed_compaction_before_a_change_changes_nothing(
    point: str, kind: str, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first change of a session compacts the journal (for a clean backup) first."""
    pid = seeded_library(lib_path, tmp_path, leave_journal=True)
    with Library.open(lib_path) as lib:
        before = memory(lib)
        act = operation(lib, kind, pid, tmp_path)
        inject(monkeypatch, point)
        with pytest.raises(WriteError, match=r"could not save .*nothing was changed"):
            act()
        assert memory(lib) == before
        assert disk(lib_path) == before
        assert_no_debris(lib_path)
        monkeypatch.undo()
        act()
        after = memory(lib)
        assert after != before and disk(lib_path) == after
    assert disk(lib_path) == after
    assert_no_debris(lib_path)


@pytest.mark.parametrize("point", COMPACT_POINTS)
def test_failed_compaction_on_close_loses_nothing(
    point: str, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = seeded_library(lib_path, tmp_path, leave_journal=False)
    lib = Library.open(lib_path)
    lib.set_status(pid, Status.READING)
    lib.import_files([api_json(tmp_path, n=2, start=50)])
    expected = memory(lib)
    inject(monkeypatch, point)
    lib.close()  # compaction fails quietly: the journal still holds every change
    monkeypatch.undo()
    assert disk(lib_path) == expected
    with Library.open(lib_path) as again:
        assert memory(again) == expected
    assert disk(lib_path) == expected
    assert_no_debris(lib_path)


@pytest.mark.parametrize("point", BACKUP_POINTS)
def test_a_backup_that_cannot_be_made_does_not_block_the_change(
    point: str, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = seeded_library(lib_path, tmp_path, leave_journal=False)
    backups = sorted((lib_path / store.BACKUP_DIR).glob("*"))
    papers_before = (lib_path / "index.json").read_bytes()
    with Library.open(lib_path) as lib:
        inject(monkeypatch, point)
        lib.set_status(pid, Status.DONE)
        lib.import_files([api_json(tmp_path, n=2, start=60)])
        monkeypatch.undo()
        assert memory(lib) == disk(lib_path)
    now = sorted((lib_path / store.BACKUP_DIR).glob("*"))
    if point == "backup-link":  # no hard links on this file system: complete copies instead
        newest = sorted((lib_path / store.BACKUP_DIR).glob("index-*.json"))[-1]
        assert newest.read_bytes() == papers_before
        assert newest.stat().st_ino != (lib_path / "index.json").stat().st_ino
    else:
        assert now == backups
    assert_no_debris(lib_path)


def test_random_failures_mixed_with_successes(lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """400 changes in 40 sessions, a third with a failure injected: memory == disk == model throughout."""
    rng = random.Random(7)
    points = [*JOURNAL_POINTS, *COMPACT_POINTS, *BACKUP_POINTS]
    refused = injected = 0
    pid = seeded_library(lib_path, tmp_path, leave_journal=True)
    model = disk(lib_path)
    ids = sorted(model[0])
    for session in range(40):
        lib = Library.open(lib_path)
        assert memory(lib) == model, session
        for n in range(10):
            point = rng.choice(points) if rng.random() < 0.33 else None
            pid = rng.choice(ids)
            act = operation(lib, rng.choice(["status", "note", "tags", "import"]), pid, tmp_path, session * 10 + n)
            if point:
                inject(monkeypatch, point)
                injected += 1
            try:
                act()
            except WriteError:
                refused += 1  # nothing was changed: the model stays
            else:
                model = memory(lib)
            finally:
                monkeypatch.undo()
            assert memory(lib) == model, (session, n, point)
            assert disk(lib_path) == model, (session, n, point)
        if rng.random() < 0.3:
            inject(monkeypatch, rng.choice(COMPACT_POINTS))
        if rng.random() < 0.2:
            lib.store.close(compact=False)  # as if killed: the journals stay as they are
        else:
            lib.close()
        monkeypatch.undo()
        assert disk(lib_path) == model, session
    assert_no_debris(lib_path)
    print(f"\n400 changes in 40 sessions: {injected} failures injected, {refused} changes refused")
    assert refused > 40


# -- the command line: one clear line, no traceback -----------------------------------------


@pytest.mark.parametrize("point", ["journal-write", "journal-fsync", "mkstemp", "replace", "dir-fsync"])
def test_cli_reports_a_failed_import_in_one_line(
    point: str, cli: Cli, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded_library(lib_path, tmp_path, leave_journal=True)  # so the import compacts first
    before = disk(lib_path)
    inject(monkeypatch, point)
    result = cli("import", str(api_json(tmp_path, n=4, start=70)))
    monkeypatch.undo()
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("reader: error: could not save ") and "nothing was changed" in result.stderr
    assert disk(lib_path) == before


def test_cli_lock_file_that_cannot_be_created_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(store.LOCK_FILE):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(store.os, "open", open_)
    result = cli("mark", "x", "done")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("reader: error: cannot lock ") and "read-only" in result.stderr


def test_a_full_disk_does_not_stop_the_lock_from_working(
    lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing the pid into the lock file is a courtesy: if it fails, the lock is still held."""
    monkeypatch.setattr(store.os, "pwrite", lambda *a: (_ for _ in ()).throw(ENOSPC))
    with Library.open(lib_path) as lib:
        with pytest.raises(store.LockedError):
            Library.open(lib_path)
        lib.import_files([api_json(tmp_path)])
    assert len(disk(lib_path)[0]) == 3


def test_text_that_cannot_be_encoded_is_saved_with_replacement_characters(cli: Cli, tmp_path: Path) -> None:
    """Arguments with undecodable bytes arrive as lone surrogates; they used to crash the save."""
    cli("import", str(api_json(tmp_path)))
    assert cli("note", "2508.10000", "bad \udcff byte \ud800 and 😀").stdout == "notes saved\n"
    result = cli("tag", "2508.10000", "+x\udcffy")
    assert result.exit_code == 0, result.stderr
    with Library.open(cli.db, readonly=True) as lib:
        state = lib.state("2508.10000")
        assert state.notes == "bad \ufffd byte \ufffd and 😀" and state.tags == ["x\ufffdy"]


def test_store_refuses_unencodable_data_as_a_write_error(lib_path: Path, tmp_path: Path) -> None:
    seeded_library(lib_path, tmp_path, leave_journal=False)
    with Library.open(lib_path) as lib:
        before = memory(lib)
        with pytest.raises(WriteError, match="cannot be stored"):
            lib.store.put_states({"x": {"notes": "\ud800"}})
        assert memory(lib) == before == disk(lib_path)


def test_library_folder_that_is_a_file_is_refused_cleanly(cli: Cli, lib_path: Path) -> None:
    lib_path.write_text("I am a file")
    for args in (("mark", "x", "done"), ("list",)):
        result = cli(*args)  # click checks --db itself: a usage error, no traceback
        assert result.exit_code == 2 and "is a file" in result.stderr and "Traceback" not in result.output
    with pytest.raises(StoreError, match="cannot create library folder"):
        Library.open(lib_path)
    with pytest.raises(StoreError, match="cannot read"):
        Library.open(lib_path, readonly=True)
    assert lib_path.read_text() == "I am a file"


def test_export_when_the_folder_cannot_be_synced_is_one_line(
    cli: Cli, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded_library(lib_path, tmp_path, leave_journal=False)
    inject(monkeypatch, "dir-fsync")
    result = cli("export", "--status", "all", "-o", str(tmp_path / "out.md"))
    monkeypatch.undo()
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and "Input/output error" in result.stderr, result.stderr


def test_a_writer_removes_only_its_own_stale_temp_files(lib_path: Path, tmp_path: Path) -> None:
    seeded_library(lib_path, tmp_path, leave_journal=False)
    ours = [".papers.json.abc123.tmp", ".state.json.x.tmp", ".state.journal.y.tmp", ".papers.journal.z.tmp"]
    theirs = [".week.md.q1w2e3.tmp", "notes.tmp"]
    for name in [*ours, *theirs]:
        (lib_path / name).write_text("left by a killed process")
    with Library.open(lib_path, readonly=True):
        pass  # a reader never deletes anything
    assert all((lib_path / name).exists() for name in [*ours, *theirs])
    with Library.open(lib_path):
        pass
    assert [name for name in [*ours, *theirs] if (lib_path / name).exists()] == theirs
