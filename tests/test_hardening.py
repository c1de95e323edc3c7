"""The defects found by testing reader from the outside (issue 12), each through the user's path."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from reader import store
from reader.library import Library
from reader.models import HEAD_FIELDS, Paper, normalise_title
from reader.store import LockedError, WriteError
from tests.conftest import Cli, edit_record, snapshot

ROOT = Path(__file__).resolve().parent.parent


def seed(cli: Cli, tmp_path: Path, title: str = "A paper on things") -> str:
    src = tmp_path / "in.json"
    src.write_bytes(orjson.dumps([{"paper": {"id": "2501.00001", "title": title, "upvotes": 3}}]))
    assert cli("import", str(src)).exit_code == 0
    return "2501.00001"


# -- 2, 7: export targets ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["state.json", "papers.json", "backups/x.md", "via-link"])
def test_export_refuses_any_target_inside_the_library(cli: Cli, tmp_path: Path, lib_path: Path, target: str) -> None:
    pid = seed(cli, tmp_path)
    cli("mark", pid, "done")
    (lib_path / "backups").mkdir(exist_ok=True)
    path = lib_path / target
    if target == "via-link":
        (tmp_path / "link").symlink_to(lib_path)
        path = tmp_path / "link" / "state.json"
    before = snapshot(lib_path)
    result = cli("export", "-o", str(path), "--force")
    assert result.exit_code == 2
    assert "inside the library folder" in result.output and len(result.output.splitlines()) == 1
    assert snapshot(lib_path) == before


def test_export_writes_a_fifo_in_place_and_refuses_one_nobody_reads(cli: Cli, tmp_path: Path) -> None:
    pid = seed(cli, tmp_path)
    cli("mark", pid, "done")
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    result = cli("export", "-o", str(fifo), "--force")
    assert result.exit_code == 2 and "no one is reading" in result.output
    got: list[bytes] = []
    reader_thread = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader_thread.start()
    deadline = time.monotonic() + 10
    try:
        while True:  # until the reader has the FIFO open (until then: "no one is reading")
            result = cli("export", "-o", str(fifo))
            if result.exit_code == 0 or "no one is reading" not in result.output or time.monotonic() > deadline:
                break
    finally:
        with contextlib.suppress(OSError):  # release a reader still waiting for a writer
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader_thread.join(5)
    assert result.exit_code == 0, result.output
    assert b"A paper on things" in got[0]
    assert fifo.is_fifo()  # still a FIFO: never replaced by a regular file


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_export_writes_a_device_in_place(cli: Cli, tmp_path: Path) -> None:
    """On a node of our own (like /dev/null), never a real one: the code before the fix replaced it."""
    seed(cli, tmp_path)
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = cli("export", "--status", "all", "-o", str(node), "--force")
    assert result.exit_code == 0, result.output
    assert node.is_char_device()


def test_export_to_dash_is_standard_output(cli: Cli, tmp_path: Path) -> None:
    seed(cli, tmp_path)
    assert cli("export", "--status", "all", "-o", "-").output.startswith("# ")


# -- 3: stored records of the wrong type -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("title", 5), ("days", [1]), ("upvotes", "x"), ("authors", "me"), ("upvotes", True)]
)
def test_a_stored_record_of_the_wrong_type_is_one_line(
    cli: Cli, tmp_path: Path, lib_path: Path, field: str, value: Any
) -> None:
    pid = seed(cli, tmp_path)
    cli("note", pid, "kept")
    cli("import", str(tmp_path / "in.json"))
    # the index holds what lists need (title, days, upvotes); the paper's shard holds the rest
    in_index = field in HEAD_FIELDS
    shard = next((lib_path / "papers").glob("*.json"))
    path, table = (lib_path / "index.json", "index") if in_index else (shard, "papers")
    edit_record(path, table, pid, **{field: value})
    before = snapshot(lib_path)
    # a command that reads the record refuses; one that does not need it (the list does not
    # read abstracts and authors) is not stopped by it
    readers = [["show", pid], ["export", "--status", "all"]] + ([["list"], ["note", pid, "x"]] if in_index else [])
    for args in readers:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        line = result.output.strip()
        assert "\n" not in line
        assert f"{path.name}: paper '{pid}': '{field}' should be" in line
        assert "Newest good backup" in line or "No backup" in line
    assert snapshot(lib_path) == before


def test_a_stored_state_with_a_bad_status_is_one_line(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    pid = seed(cli, tmp_path)
    cli("note", pid, "kept")
    data = orjson.loads((lib_path / "state.json").read_bytes())
    data["state"][pid]["tags"] = "notalist"
    (lib_path / "state.json").write_bytes(orjson.dumps(data))
    result = cli("list")
    assert result.exit_code == 1 and "'tags' should be a list of text" in result.output


@pytest.mark.slow
def test_the_app_never_exits_0_after_a_crash(tmp_path: Path, lib_path: Path) -> None:
    from tests.helpers.pty_app import PtyApp

    with Library.open(lib_path) as library:
        library.import_papers([Paper(id="2501.00001", title="A paper", days=["2025-07-31"])])
    boom = (
        "import reader.tui.papers_screen as s\n"
        "def boom(self):\n    raise RuntimeError('a bug')\n"
        "s.PapersScreen.action_toggle_board = boom\n"
        "from reader.cli import main\nmain()\n"
    )
    with PtyApp(lib_path, code=boom) as app:
        app.wait_for_text("A paper")
        app.type("b")
        status = app.wait()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0, status


# -- 4: backups rotate only after a saved write -------------------------------------------------


def test_failed_writes_never_erase_backups(lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(lib_path) as lib:
        lib.import_papers([Paper(id="2501.00001", title="A paper", days=["2025-07-31"])])
    for n in range(store.BACKUPS_KEPT + 1):  # sessions that each change something: a full history
        with Library.open(lib_path) as lib:
            lib.set_notes("2501.00001", f"note {n}")
    history = sorted(p.name for p in (lib_path / store.BACKUP_DIR).iterdir())
    assert len([h for h in history if h.startswith("state-")]) == store.BACKUPS_KEPT
    real_open = os.open

    def full_disk(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(store.JOURNAL_SUFFIX):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(store.os, "open", full_disk)
    for n in range(store.BACKUPS_KEPT + 1):
        with Library.open(lib_path) as lib, pytest.raises(WriteError, match="nothing was changed"):
            lib.set_notes("2501.00001", f"lost {n}")
    assert sorted(p.name for p in (lib_path / store.BACKUP_DIR).iterdir()) == history


# -- 5: the size of notes from standard input -----------------------------------------------------


def test_notes_from_standard_input_are_capped(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    from reader.cli import NOTES_MAX_BYTES

    pid = seed(cli, tmp_path)
    before = snapshot(lib_path)
    result = cli("note", pid, "-", input=b"a" * (NOTES_MAX_BYTES + 1))
    assert result.exit_code == 2 and "larger than 1 MiB" in result.output
    assert snapshot(lib_path) == before
    assert cli("note", pid, "-", input=b"b" * NOTES_MAX_BYTES).exit_code == 0


# -- 6, 9: what `reader import` reads ----------------------------------------------------------------


def test_import_refuses_a_fifo_without_blocking(tmp_path: Path, lib_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(lib_path), "import", str(fifo)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"reader: error: {fifo}: is a named pipe (FIFO), not a file")
    assert not lib_path.exists()


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_import_refuses_devices_and_folders(cli: Cli, tmp_path: Path, lib_path: Path, target: str) -> None:
    if target == "folder":
        target = str(tmp_path)
    result = cli("import", target)
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1
    assert "a device" in result.output or "a folder" in result.output
    assert not lib_path.exists()


def test_import_reads_standard_input_with_dash(cli: Cli) -> None:
    data = orjson.dumps([{"paper": {"id": "2501.00009", "title": "From a pipe"}}])
    result = cli("import", "-", input=data)
    assert result.exit_code == 0 and result.output.startswith("1 new")
    assert cli("import", "-", input=b"").output.strip() == "reader: error: standard input: the file is empty"


def test_an_unreadable_import_is_one_line_and_creates_nothing(
    cli: Cli, tmp_path: Path, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "secret.json"
    src.write_text("[]")
    src.chmod(0)
    real_open, real_access = os.open, os.access

    def no_read(path: Any, *args: Any, **kwargs: Any) -> Any:  # as for a non-root user (tests may run as root)
        if str(path) == str(src):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_read)
    monkeypatch.setattr(os, "access", lambda path, *a, **k: str(path) != str(src) and real_access(path, *a, **k))
    result = cli("import", str(src))
    assert result.exit_code == 2
    assert result.output.strip() == f"reader: error: {src}: cannot read it (permission denied)"
    assert not lib_path.exists()


def test_a_failed_import_creates_no_library_folder(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli("import", str(bad)).exit_code == 2
    assert cli("import", str(tmp_path / "missing.txt")).exit_code == 2
    assert not lib_path.exists()


# -- 8: tags and notes that start with a dash --------------------------------------------------------


def test_tags_and_notes_may_start_with_a_dash(cli: Cli, tmp_path: Path) -> None:
    pid = seed(cli, tmp_path)
    assert cli("tag", pid, "+math", "+rl", "+later").output.strip() == "math rl later"
    result = cli("tag", pid, "-math", "+new", "-later")
    assert result.exit_code == 0 and result.output.strip() == "rl new"
    assert cli("tag", pid, "--", "-rl").output.strip() == "new"
    assert cli("tag", pid, "-h").output.strip() == "new"  # a tag named h, not the help
    assert cli("note", pid, "- bullet").exit_code == 0
    assert cli("note", pid).output == "- bullet\n"
    assert cli("note", pid, "--", "-- two").exit_code == 0
    assert cli("note", pid).output == "-- two\n"
    assert cli("note", "--help").output.startswith("Usage")


# -- 10, 12: the writer lock ---------------------------------------------------------------------------


def test_a_command_waits_for_another_command_then_goes_on(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = Library.open(lib_path)
    waits: list[float] = []

    def pause(seconds: float) -> None:  # the holder finishes while the second writer waits
        waits.append(seconds)
        holder.close()

    monkeypatch.setattr(store, "lock_pause", pause)
    with Library.open(lib_path) as second:
        assert not second.readonly
    assert waits


def test_a_command_gives_up_after_the_bound_naming_the_holder(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "LOCK_WAIT", 2.0)  # the real bound (the suite shortens it: conftest)
    holder = Library.open(lib_path)
    clock = [0.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(store, "lock_pause", lambda s: clock.__setitem__(0, clock[0] + s))
    try:
        with pytest.raises(LockedError, match=rf"open in another reader \(pid {os.getpid()}\)"):
            Library.open(lib_path)
    finally:
        holder.close()
    assert clock[0] >= store.LOCK_WAIT


def test_the_app_is_named_at_once(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = Library.open(lib_path, holder="app")
    monkeypatch.setattr(store, "lock_pause", lambda s: pytest.fail("waited for the app"))
    try:
        with pytest.raises(LockedError, match=rf"open in the reader app \(pid {os.getpid()}\)"):
            Library.open(lib_path)
    finally:
        holder.close()


def test_a_stale_pid_in_the_lock_file_is_not_named(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = Library.open(lib_path, holder="app")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (lib_path / ".lock").write_text(f"{dead.pid} app\n")  # the holder's own record is gone
    monkeypatch.setattr(store, "LOCK_WAIT", 0.0)
    try:
        with pytest.raises(LockedError, match="its process is unknown") as caught:
            Library.open(lib_path)
    finally:
        holder.close()
    assert str(dead.pid) not in str(caught.value)


# -- 11: counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"1000000000000000000000000000000", "upvotes is 1e+30, more than any real count"),
        (b"-5", "upvotes is negative (-5)"),
        (b"2.5", "upvotes should be a whole number"),
    ],
)
def test_absurd_counts_are_refused(cli: Cli, tmp_path: Path, lib_path: Path, raw: bytes, message: str) -> None:
    src = tmp_path / "counts.json"
    src.write_bytes(b'[{"paper": {"id": "2501.00002", "title": "T", "upvotes": ' + raw + b"}}]")
    result = cli("import", str(src))
    assert result.exit_code == 2
    assert message in result.output and len(result.output.splitlines()) == 1
    assert not lib_path.exists()


# -- 15: zero-width characters ----------------------------------------------------------------------


def test_zero_width_characters_leave_tags_and_title_matching(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    pid = seed(cli, tmp_path, title="Attention Is All You Need")
    assert cli("tag", pid, "+ma\u200bth\u00ad", "+\ufeffrl").output.strip() == "math rl"
    assert normalise_title("Atten\u200ction Is All\u2060 You Need") == normalise_title("Attention Is All You Need")
    twin = tmp_path / "twin.txt"
    twin.write_text("July 31, 2025\n\nAtten\u200btion Is All You\u200d Need\n\n" + "An abstract. " * 20 + "\n")
    result = cli("import", str(twin))
    assert result.exit_code == 0 and "0 new, 1 updated" in result.output, result.output
