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


def test_status_change_and_note_rewrite_only_the_state_file(sample_library: Library, lib_path: Path) -> None:
    papers = lib_path / "papers.json"
    before = (papers.stat().st_ino, papers.stat().st_mtime_ns, papers.read_bytes())
    writes = sample_library.store.storage("papers").writes
    pid = sample_library.ids()[0]
    sample_library.set_status(pid, Status.READING)
    sample_library.set_notes(pid, "a note")
    sample_library.set_tags(pid, ["x"])
    assert (papers.stat().st_ino, papers.stat().st_mtime_ns, papers.read_bytes()) == before
    state = json.loads((lib_path / "state.json").read_text(encoding="utf-8"))
    assert state["state"][pid]["status"] == "reading" and state["state"][pid]["notes"] == "a note"
    assert "abstract" not in (lib_path / "state.json").read_text(encoding="utf-8")
    assert sample_library.store.storage("papers").writes == writes


def test_files_record_the_schema_version(sample_library: Library, lib_path: Path) -> None:
    sample_library.set_status(sample_library.ids()[0], Status.DONE)
    for name, kind in (("papers.json", "papers"), ("state.json", "state")):
        meta = json.loads((lib_path / name).read_text(encoding="utf-8"))["_meta"]["schema"]
        assert meta == {"version": store.SCHEMA_VERSION, "kind": kind}


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


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("write", OSError(errno.ENOSPC, "No space left on device")),
        ("fsync", OSError(errno.EIO, "Input/output error")),
        ("replace", OSError(errno.ENOSPC, "No space left on device")),
        ("short", None),
    ],
)
def test_failed_write_leaves_disk_and_memory_as_before(
    where: str, error: OSError | None, sample_library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = sample_library.ids()[0]
    sample_library.set_notes(pid, "old note")
    before_disk = snapshot(lib_path)
    before_state = sample_library.state(pid).to_dict()

    real_fdopen = os.fdopen

    class FailingFile:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def __enter__(self) -> FailingFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            if where == "short":
                self.handle.write(data[: len(data) // 2])  # type: ignore[attr-defined]
                raise OSError(errno.ENOSPC, "No space left on device")
            raise error  # type: ignore[misc]

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

    if where in ("write", "short"):
        monkeypatch.setattr(store.os, "fdopen", lambda fd, mode: FailingFile(real_fdopen(fd, mode)))
    elif where == "fsync":

        def failing_fsync(fd: int) -> None:
            raise error  # type: ignore[misc]

        monkeypatch.setattr(store.os, "fsync", failing_fsync)
    else:

        def failing_replace(src: object, dst: object) -> None:
            raise error  # type: ignore[misc]

        monkeypatch.setattr(store.os, "replace", failing_replace)

    with pytest.raises(WriteError, match=r"could not save .*state\.json"):
        sample_library.set_notes(pid, "new note that cannot be saved")
    with pytest.raises(WriteError):
        sample_library.set_status(pid, Status.DONE)
    assert sample_library.state(pid).to_dict() == before_state
    after_disk = {k: v for k, v in snapshot(lib_path).items() if not k.startswith("backups/")}
    assert after_disk == {k: v for k, v in before_disk.items() if not k.startswith("backups/")}
    assert sorted(p.name for p in lib_path.iterdir()) == [".lock", "backups", "papers.json", "state.json"]

    monkeypatch.undo()
    sample_library.set_status(pid, Status.DONE)
    assert sample_library.store.state_raw()[pid]["notes"] == "old note"
    with Library.open(lib_path, readonly=True) as again:
        assert again.status(pid) is Status.DONE and again.state(pid).notes == "old note"


def test_failed_import_write_leaves_library_unchanged(
    library: Library, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", no_space)
    with pytest.raises(WriteError, match="the disk is full"):
        library.import_files([SEED])
    assert len(library) == 0 and library.ids() == []
    assert not (lib_path / "papers.json").exists()


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
    with pytest.raises(LoadError, match=r"cannot read .*papers.json: permission denied"):
        Library.open(lib_path, readonly=True)


def test_second_writer_in_another_process_is_refused(lib_path: Path) -> None:
    code = "from reader.library import Library; import sys; Library.open(sys.argv[1])"
    with Library.open(lib_path):
        run = subprocess.run([sys.executable, "-c", code, str(lib_path)], capture_output=True, text=True)
        assert run.returncode != 0 and "LockedError" in run.stderr
    subprocess.run([sys.executable, "-c", code, str(lib_path)], check=True)


def test_lock_is_released_on_close(lib_path: Path) -> None:
    first = Library.open(lib_path)
    with pytest.raises(LockedError):
        Library.open(lib_path)
    first.close()
    Library.open(lib_path).close()


def test_readonly_library_cannot_write(sample_library: Library, lib_path: Path) -> None:
    with Library.open(lib_path, readonly=True) as reader_only, pytest.raises(store.ReadOnlyError):
        reader_only.set_status(reader_only.ids()[0], Status.DONE)
