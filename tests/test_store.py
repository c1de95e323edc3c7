"""Storage: small writes for small changes, atomic durable writes, locking, load failures, backups."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader import store
from reader.library import Library
from reader.models import Status
from reader.store import LoadError, LockedError, WriteError
from tests.conftest import SEED, Cli, snapshot


def test_status_change_and_note_touch_only_the_state_journal(sample_library: Library, lib_path: Path) -> None:
    def paper_files() -> dict[str, object]:
        found = [*lib_path.glob("index.*"), *lib_path.glob("papers/*")]
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in found}

    before = paper_files()
    writes = sample_library.store.storage("index").writes
    pid = sample_library.ids()[0]
    sample_library.set_status(pid, Status.READING)
    sample_library.set_notes(pid, "a note")
    sample_library.set_tags(pid, ["x"])
    after = paper_files()
    assert after == before and len(after) >= 2, "index and shard files untouched"
    assert sample_library.store.storage("index").writes == writes
    journal = (lib_path / "state.journal").read_bytes()
    assert journal.count(b"\n") == 3 and len(journal) < 1000, "three small appended lines"
    assert b"abstract" not in journal
    with Library.open(lib_path, readonly=True) as other:
        state = other.state(pid)
        assert (state.status, state.notes, state.tags) == (Status.READING, "a note", ["x"])


def test_closing_compacts_the_state_journal_into_the_tinydb_file(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
        pid = lib.ids()[0]
        lib.set_status(pid, Status.DONE)
    assert (lib_path / "state.journal").read_bytes() == b""
    data = json.loads((lib_path / "state.json").read_text(encoding="utf-8"))
    assert data["state"][pid]["status"] == "done"
    for name, kind in (("index.json", "index"), ("papers/2025-07.json", "papers"), ("state.json", "state")):
        meta = json.loads((lib_path / name).read_text(encoding="utf-8"))["_meta"]["schema"]
        assert meta == {"version": store.SCHEMA_VERSION, "kind": kind}


def test_a_long_session_compacts_the_journal_as_it_grows(
    sample_library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "COMPACT_MIN_BYTES", 2000)
    storage = sample_library.store.storage("state")
    ids = sample_library.ids()
    for n, pid in enumerate(ids * 2):
        sample_library.set_notes(pid, f"note {n}")
        assert storage.journal_size <= max(2000, storage.snapshot_size // 4)
    assert storage.snapshot_size > 0
    with Library.open(lib_path, readonly=True) as other:
        assert [other.state(pid).notes for pid in ids] == [f"note {n + len(ids)}" for n in range(len(ids))]


def test_changes_are_durable_across_reopen(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
        pid = lib.ids()[5]
        lib.set_status(pid, Status.DONE)
        lib.set_notes(pid, "über ✓ 中文")
    with Library.open(lib_path) as lib:
        assert lib.status(pid) is Status.DONE and lib.state(pid).notes == "über ✓ 中文"
        lib.set_status(pid, Status.INBOX)
        lib.set_notes(pid, "")
    assert json.loads((lib_path / "state.json").read_text(encoding="utf-8"))["state"] == {}


def _fail_with(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the storage's file operations fail: a write (whole or short), fsync, or rename."""
    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        if where == "short":
            real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if where in ("write", "short"):
        monkeypatch.setattr(store.os, "write", failing_write)
    elif where == "fsync":
        monkeypatch.setattr(store.os, "fsync", failing_fsync)
    else:
        monkeypatch.setattr(store.os, "replace", failing_replace)


@pytest.mark.parametrize("where", ["write", "short", "fsync"])
def test_failed_write_leaves_disk_and_memory_as_before(
    where: str, sample_library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = sample_library.ids()[0]
    sample_library.set_notes(pid, "old note")
    journal = lib_path / "state.journal"
    before_journal = journal.read_bytes()
    before_state = sample_library.state(pid).to_dict()

    _fail_with(where, monkeypatch)
    with pytest.raises(WriteError, match=r"could not save .*state\.json"):
        sample_library.set_notes(pid, "new note that cannot be saved")
    with pytest.raises(WriteError):
        sample_library.set_status(pid, Status.DONE)
    assert sample_library.state(pid).to_dict() == before_state
    assert journal.read_bytes() == before_journal, "a partial line is cut off again"
    assert not list(lib_path.glob(".*.tmp"))
    with Library.open(lib_path, readonly=True) as other:
        assert other.state(pid).to_dict() == before_state

    monkeypatch.undo()
    sample_library.set_status(pid, Status.DONE)
    with Library.open(lib_path, readonly=True) as again:
        assert again.status(pid) is Status.DONE and again.state(pid).notes == "old note"


@pytest.mark.parametrize("where", ["write", "replace", "fsync"])
def test_failed_compaction_loses_nothing(
    where: str, sample_library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = sample_library.ids()
    sample_library.set_notes(ids[0], "in the journal")
    storage = sample_library.store.storage("state")

    def failing_fdopen(fd: int, mode: str) -> object:
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "write":
        monkeypatch.setattr(store.os, "fdopen", failing_fdopen)
    else:
        _fail_with(where, monkeypatch)
    with pytest.raises(WriteError):
        storage.compact()
    monkeypatch.undo()
    assert not list(lib_path.glob(".*.tmp"))
    assert sample_library.state(ids[0]).notes == "in the journal"
    sample_library.set_status(ids[1], Status.DONE)
    with Library.open(lib_path, readonly=True) as other:
        assert other.state(ids[0]).notes == "in the journal" and other.status(ids[1]) is Status.DONE


def test_torn_journal_tail_is_ignored_and_cut(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
        pid = lib.ids()[0]
        lib.set_notes(pid, "acknowledged")
        journal = lib_path / "state.journal"
        good = journal.read_bytes()
        lib.store._lock_fd, fd = None, lib.store._lock_fd  # simulate a crash: no compaction on close
        lib.close()
        os.close(fd)  # type: ignore[arg-type]
    journal.write_bytes(good + b'{"put": {"' + pid.encode() + b'": {"status": "do')
    with Library.open(lib_path, readonly=True) as reader_only:
        assert reader_only.state(pid).notes == "acknowledged"
    assert journal.read_bytes().startswith(good)
    with Library.open(lib_path) as writer:
        assert writer.state(pid).notes == "acknowledged"
        assert journal.read_bytes() == good
        writer.set_status(pid, Status.DONE)
    with Library.open(lib_path, readonly=True) as after:
        assert after.status(pid) is Status.DONE and after.state(pid).notes == "acknowledged"


def test_damaged_journal_line_is_a_load_error(cli: Cli, lib_path: Path) -> None:
    cli("import", str(SEED))
    journal = lib_path / "state.journal"
    journal.write_bytes(b'{"put": {}}\nnot json at all\n{"put": {}}\n')
    before = snapshot(lib_path)
    result = cli("list")
    assert result.exit_code == 1
    assert f"cannot read {journal}: line 2 is damaged" in result.stderr
    assert snapshot(lib_path) == before


def test_failed_import_write_leaves_library_unchanged(
    library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", no_space)
    with pytest.raises(WriteError, match="the disk is full"):
        library.import_files([SEED])
    assert len(library) == 0 and library.ids() == []
    assert not (lib_path / "index.json").exists()


def test_disk_full_through_the_cli_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", no_space)
    result = cli("import", str(SEED))
    assert result.exit_code == 1
    assert result.stderr.startswith("reader: error: could not save ") and "disk is full" in result.stderr


CORRUPT = {
    "truncated": b'{"state": {"abc": {"status": "do',
    "not-json": b"hello, I am not JSON",
    "wrong-shape": b'["a", "list"]',
    "wrong-entry": b'{"state": {"abc": 5}}',
    "newer-schema": b'{"_meta": {"schema": {"version": 99, "kind": "state"}}, "state": {}}',
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_state_file_is_never_overwritten(case: str, cli: Cli, lib_path: Path) -> None:
    cli("import", str(SEED))
    pid = Library.open(lib_path, readonly=True).ids()[0]
    cli("note", pid, "good note")  # first write of a session keeps a backup of the previous file
    cli("note", pid, "newer note")
    (lib_path / "state.json").write_bytes(CORRUPT[case])
    before = snapshot(lib_path)
    for args in (("mark", pid, "done"), ("list",), ("note", pid, "x")):
        result = cli(*args)
        assert result.exit_code == 1, args
        message = result.stderr.strip()
        assert message.count("\n") == 0
        assert f"cannot read {lib_path / 'state.json'}" in message
        assert "left untouched" in message and "Newest good backup:" in message
    assert snapshot(lib_path) == before
    with pytest.raises(LoadError):
        Library.open(lib_path)


def test_backup_restores_previous_state(cli: Cli, lib_path: Path) -> None:
    cli("import", str(SEED))
    pid = Library.open(lib_path, readonly=True).ids()[0]
    cli("note", pid, "first")
    cli("note", pid, "second")
    (lib_path / "state.json").write_bytes(b"garbage")
    message = cli("list").stderr
    backup = Path(message.split("Newest good backup: ")[1].split(" (to restore")[0])
    os.replace(backup, lib_path / "state.json")
    assert cli("note", pid).stdout == "first\n"


def test_backups_are_rotated(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
    for n in range(store.BACKUPS_KEPT + 3):
        with Library.open(lib_path) as lib:
            lib.set_notes(lib.ids()[0], f"note {n}")
    assert len(list((lib_path / "backups").glob("state-*.json"))) == store.BACKUPS_KEPT


def test_permission_error_message(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])

    def denied(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(LoadError, match=r"cannot read .*index.json: permission denied"):
        Library.open(lib_path, readonly=True)


def test_second_writer_in_another_process_is_refused(lib_path: Path) -> None:
    code = "from reader.library import Library; import sys; Library.open(sys.argv[1])"
    with Library.open(lib_path):
        run = subprocess.run([sys.executable, "-c", code, str(lib_path)], capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and "LockedError" in run.stderr
    subprocess.run([sys.executable, "-c", code, str(lib_path)], check=True, timeout=60)


def test_lock_is_released_on_close(lib_path: Path) -> None:
    first = Library.open(lib_path)
    with pytest.raises(LockedError):
        Library.open(lib_path)
    first.close()
    Library.open(lib_path).close()


def test_readonly_library_cannot_write(sample_library: Library, lib_path: Path) -> None:
    with Library.open(lib_path, readonly=True) as reader_only, pytest.raises(store.ReadOnlyError):
        reader_only.set_status(reader_only.ids()[0], Status.DONE)


def test_rewritten_files_keep_their_permissions(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
    papers = lib_path / "index.json"
    assert papers.stat().st_mode & 0o777 == 0o666 & ~_umask()
    papers.chmod(0o640)
    with Library.open(lib_path) as lib:
        lib.store.storage("index").compact()
    assert papers.stat().st_mode & 0o777 == 0o640


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
