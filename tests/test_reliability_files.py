"""Reliability: a second instance, readers racing a writer, corrupt or foreign library files.

- A second writer (CLI `mark`/`note`/`tag`/`import`, `Library.open` in another process) is refused
  with a clear one-line message while a first process holds the library; reading commands
  (`list`, `show`, `export`) still work and see the holder's latest acknowledged writes; updates
  made by the holder, then by the other after the holder let go, are all kept.
- Readers opening the library again and again while a writer hammers it (and compacts its
  journals) never fail and never miss an acknowledged change.
- A library file that is truncated, not JSON, of the wrong shape, from a newer version,
  unreadable or damaged is reported in one line naming it, left byte-for-byte untouched, and
  the newest good backup is offered; the library never silently starts empty over it.
"""

from __future__ import annotations

import errno
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reader.library import Library
from reader.store import LoadError, LockedError
from tests.conftest import SEED, Cli, snapshot, write_foreign_paper
from tests.helpers.proc import Child


def seed_ids(cli: Cli) -> list[str]:
    assert cli("import", str(SEED), "--date", "2025-07-31").exit_code == 0
    with Library.open(cli.db, readonly=True) as lib:
        return lib.ids()


def files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (the lock aside), read without `Path.read_bytes`."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != ".lock":
            with open(path, "rb") as handle:
                out[str(path.relative_to(folder))] = handle.read()
    return out


def one_line(result: object) -> str:
    """The single stderr line of a failed command (asserting it is one line, no traceback)."""
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("reader: error: "), stderr
    return stderr.strip()


def test_second_writer_is_refused_readers_see_the_holders_writes_and_nothing_is_lost(
    cli: Cli, lib_path: Path, tmp_path: Path
) -> None:
    ids = seed_ids(cli)
    holder = Child("holder", str(lib_path), stdin=True)
    try:
        holder.wait_for(lambda lines: lines[:1] and lines[0].startswith("ready"))
        holder_pid = int(holder.lines[0].split()[1])
        assert holder.send(f"status {ids[0]} done") == "ok"
        assert holder.send(f"note {ids[1]} from the holder, first") == "ok"

        before = snapshot(lib_path)
        extra = tmp_path / "extra.json"
        extra.write_text(json.dumps([{"paper": {"id": "2508.00001", "title": "An extra paper"}}]))
        for args in (
            ("mark", ids[2], "done"),
            ("note", ids[2], "from the cli"),
            ("tag", ids[2], "+x"),
            ("import", str(extra)),
        ):
            result = cli(*args)
            assert result.exit_code == 1, args
            message = one_line(result)
            assert f"library {lib_path} is open in another reader (pid {holder_pid})" in message
            assert "read-only commands such as `reader list` and `reader export` still work" in message
        assert snapshot(lib_path) == before  # the refused writers changed nothing
        with pytest.raises(LockedError, match=f"pid {holder_pid}"):
            Library.open(lib_path)
        code = (
            "import sys\nfrom reader.library import Library\nfrom reader.store import LockedError\n"
            "try:\n    Library.open(sys.argv[1])\nexcept LockedError as exc:\n    print(exc)\n    sys.exit(3)\n"
        )
        other = subprocess.run([sys.executable, "-c", code, str(lib_path)], capture_output=True, text=True, timeout=60)
        assert other.returncode == 3 and f"pid {holder_pid}" in other.stdout and other.stderr == ""

        # readers see every write the holder acknowledged (from its journal, before any compaction)
        listed = {r["id"]: r for r in json.loads(cli("list", "--json").stdout)}
        assert listed[ids[0]]["status"] == "done" and listed[ids[1]]["notes"] == "from the holder, first"
        assert "from the holder, first" in cli("show", ids[1]).stdout
        exported = json.loads(cli("export", "--status", "all", "-f", "json").stdout)
        assert {r["id"]: r["status"] for r in exported}[ids[0]] == "done"
        assert holder.send(f"note {ids[1]} from the holder, second") == "ok"
        assert cli("note", ids[1]).stdout == "from the holder, second\n"
        assert holder.send(f"import {extra}") == "ok"
        assert "An extra paper" in cli("show", "2508.00001").stdout
        assert holder.send("quit") == "closed"
        holder.proc.wait(timeout=10)
        assert holder.proc.returncode == 0
    finally:
        holder.close()

    # the holder let go: now the other writes, then a holder writes again
    assert cli("mark", ids[2], "reading").exit_code == 0
    assert cli("note", ids[3], "from the cli").exit_code == 0
    again = Child("holder", str(lib_path), stdin=True)
    try:
        again.wait_for(lambda lines: bool(lines))
        assert again.send(f"status {ids[4]} skipped") == "ok"
        assert cli("mark", ids[5], "done").exit_code == 1
        assert again.send("quit") == "closed"
    finally:
        again.close()
    with Library.open(lib_path, readonly=True) as lib:
        assert [lib.status(i).value for i in ids[:6]] == ["done", "inbox", "reading", "inbox", "skipped", "inbox"]
        assert lib.state(ids[1]).notes == "from the holder, second" and lib.state(ids[3]).notes == "from the cli"
        assert "2508.00001" in lib


@pytest.mark.slow
def test_readers_racing_a_writer_never_fail_and_never_miss_an_acknowledged_change(lib_path: Path) -> None:
    """The writer compacts its journals every few dozen changes while readers keep opening the library."""
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
    child = Child("hammer", str(lib_path), "1", env={"HAMMER_COMPACT_EVERY": "3"})
    reads = 0
    try:
        child.acks(1)
        latest: dict[str, int] = {}
        deadline = time.monotonic() + 15
        while reads < 150 or sum(1 for line in child.lines if line.startswith("ack ")) < 300:
            assert time.monotonic() < deadline, f"only {reads} reads"
            child.drain()
            for line in child.lines:
                kind, _, rest = line.partition(" ")
                op, _, rest = rest.partition(" ")
                if kind == "ack" and op == "note":
                    pid, value = rest.split(" ", 1)
                    latest[pid] = int(value.split("-")[2])
            with Library.open(lib_path, readonly=True) as reader:  # never fails mid-write or mid-compaction
                reads += 1
                for pid, seq in latest.items():
                    seen = reader.state(pid).notes
                    assert seen and int(seen.split("-")[2]) >= seq, (pid, seq, seen)
        acked = sum(1 for line in child.lines if line.startswith("ack "))
    finally:
        child.close()
    print(f"\n{reads} reads raced {acked} acknowledged writes")
    assert acked >= 300


# -- corrupt and foreign files --------------------------------------------------------------

CORRUPT: dict[str, bytes] = {
    "truncated": b'{"index": {"abc": {"title": "Tr',
    "not-json": b"hello, I am not JSON",
    "binary": bytes(range(256)),
    "wrong-shape": b'["a", "list"]',
    "wrong-entry": b'{"index": {"abc": 5}, "state": {"abc": 5}}',
    "malformed-entry": b'{"index": {"abc": {"title": "T", "authors": 7}}, "state": {"abc": {"status": "eaten"}}}',
    "newer-schema": b'{"_meta": {"schema": {"version": 99}}, "index": {}, "state": {}}',
    "foreign-kind": b'{"_meta": {"schema": {"version": 1, "kind": "recipes"}}}',
    "empty": b"",
}
EXPECTED = {
    "truncated": "not valid JSON",
    "not-json": "not valid JSON",
    "binary": "not valid JSON",
    "wrong-shape": "unexpected structure",
    "wrong-entry": "is not an object",
    "malformed-entry": "should be",
    "newer-schema": "written by a newer reader (schema 99",
    "foreign-kind": "holds 'recipes' data",
    "empty": "the file is empty",
    "directory": "Is a directory",
    "unreadable": "permission denied",
    "damaged-journal": "line 2 is damaged",
}


@pytest.fixture
def used_library(cli: Cli, lib_path: Path, tmp_path: Path) -> list[str]:
    """A library used over three sessions, so both files have good backups."""
    ids = seed_ids(cli)
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([{"paper": {"id": "2508.00001", "title": "An extra paper"}}]))
    cli("note", ids[0], "first note")
    cli("import", str(extra))
    cli("note", ids[0], "second note")
    cli("mark", ids[1], "done")
    return ids


@pytest.mark.parametrize("name", ["index.json", "state.json"])
@pytest.mark.parametrize("case", [*sorted(CORRUPT), "directory", "unreadable", "damaged-journal"])
def test_a_bad_library_file_is_named_kept_and_a_backup_offered(
    case: str, name: str, cli: Cli, lib_path: Path, used_library: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = lib_path / name
    bad = target
    if case == "directory":
        target.unlink()
        target.mkdir()
        (target / "inside").write_text("kept")
    elif case == "unreadable":  # tests run as root: EACCES has to be simulated
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self == target:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        real_open = Path.open

        def path_open(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == target:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", path_open)
    elif case == "damaged-journal":
        bad = target.with_suffix(".journal")
        bad.write_bytes(b'{"put": {"x": {}}}\n{"put": tor\n{"put": {"y": {}}}\n')
    else:
        target.write_bytes(CORRUPT[case])
    before = files(lib_path)
    refused = (
        ("list",),
        ("show", used_library[0]),
        ("export",),
        ("mark", used_library[2], "done"),
        ("import", str(SEED)),
    )
    for args in refused:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        message = one_line(result)
        assert f"cannot read {bad}" in message and EXPECTED[case] in message, message
        assert "The file was left untouched." in message and "Newest good backup:" in message, message
    for opener in (lambda: Library.open(lib_path), lambda: Library.open(lib_path, readonly=True)):
        with pytest.raises(LoadError):
            opener()
    assert files(lib_path) == before  # byte for byte, backups included
    if case == "unreadable":
        return

    # the offered command restores the newest good backup, and the library works again
    message = one_line(cli("list"))
    command = message.split("(to restore: ")[1].rstrip(")")
    if case == "directory":
        command = f"rm -r {shlex.quote(str(target))} && " + command
    subprocess.run(["sh", "-c", command], check=True, timeout=60)
    with Library.open(lib_path) as lib:
        assert len(lib) >= 86 and lib.state(used_library[0]).notes in ("first note", "second note")


def test_a_missing_library_file_is_not_an_error_but_a_missing_folder_is_not_created_by_readers(
    cli: Cli, lib_path: Path
) -> None:
    result = cli("list")
    assert result.exit_code == 0 and "no papers yet" in result.stderr
    assert not lib_path.exists()


def test_a_reader_that_opens_during_a_compaction_still_sees_every_change(
    lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a reader's read of the snapshot and of the journal, the writer compacts.

    The reader then holds the old snapshot and the new, empty journal: without a check it would
    miss every change that was in the journal (acknowledged changes, invisible to `list`).
    """
    from reader import store

    writer = Library.open(lib_path)
    writer.import_files([SEED])
    writer.store.close()  # compacted
    writer = Library.open(lib_path)
    pid = writer.ids()[0]
    writer.set_notes(pid, "in the journal only")
    assert (lib_path / "state.journal").stat().st_size > 0
    real_replay = store.replay_journal
    compactions = []

    def replay_after_a_compaction(path: Path, table: dict[str, object], *, truncate: bool) -> int:
        if path.name == "state.journal" and not compactions:
            writer.store.storage("state").compact()  # the writer, at the worst moment
            compactions.append(path)
        return real_replay(path, table, truncate=truncate)

    monkeypatch.setattr(store, "replay_journal", replay_after_a_compaction)
    with Library.open(lib_path, readonly=True) as reader:
        assert compactions and reader.state(pid).notes == "in the journal only"
    writer.close()


@pytest.mark.parametrize("name", ["index.json", "state.json"])
def test_a_library_file_that_vanished_is_not_silently_replaced_by_an_empty_one(
    name: str, cli: Cli, lib_path: Path, used_library: list[str]
) -> None:
    """A file that has backups existed once: if it is gone, reader says so instead of starting empty."""
    (lib_path / name).unlink()
    before = files(lib_path)
    for args in (("list",), ("mark", used_library[2], "done"), ("import", str(SEED))):
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        message = one_line(result)
        assert f"cannot read {lib_path / name}: the file is missing, but the library has backups of it" in message
        assert "Newest good backup:" in message
    assert files(lib_path) == before
    command = one_line(cli("list")).split("(to restore: ")[1].rstrip(")")
    subprocess.run(["sh", "-c", command], check=True, timeout=60)
    with Library.open(lib_path) as lib:
        assert len(lib) >= 86


def test_a_new_library_without_backups_starts_empty(cli: Cli, lib_path: Path) -> None:
    assert cli("import", str(SEED)).exit_code == 0  # papers.json written, never backed up: no state.json yet
    assert not (lib_path / "state.json").exists()
    assert cli("list").exit_code == 0 and cli("mark", seed_ids_readonly(lib_path)[0], "done").exit_code == 0


def seed_ids_readonly(lib_path: Path) -> list[str]:
    with Library.open(lib_path, readonly=True) as lib:
        return lib.ids()


def test_a_child_process_of_the_holder_does_not_keep_the_lock(lib_path: Path) -> None:
    """The app starts browsers; a browser that outlives the app must not keep the library locked."""
    code = "import sys\nfrom reader.library import Library\nLibrary.open(sys.argv[1]).close()\nprint('opened')\n"
    holder = Library.open(lib_path)
    child = subprocess.Popen(["sleep", "30"], close_fds=False)  # the worst case: fds not closed
    try:
        holder.close()
        other = subprocess.run([sys.executable, "-c", code, str(lib_path)], capture_output=True, text=True, timeout=60)
        assert other.returncode == 0 and other.stdout == "opened\n", other.stderr
    finally:
        child.kill()
        child.wait()


def test_control_bytes_in_a_hand_edited_state_file_never_reach_memory(lib_path: Path) -> None:
    """Notes are shown in an editor that draws what it is given: clean them when loading too."""
    with Library.open(lib_path) as lib:
        lib.import_files([SEED])
        pid = lib.ids()[0]
        lib.set_notes(pid, "fine")
    state = json.loads((lib_path / "state.json").read_text(encoding="utf-8"))
    state["state"][pid]["notes"] = "line one\nclip \x1b]52;c;SGk=\x07 board \x84 c1 \u202e rtl\n"
    state["state"][pid]["tags"] = ["ok", "evil\x1b[2J\u202e", "\x07"]
    (lib_path / "state.json").write_text(json.dumps(state), encoding="utf-8")
    for readonly in (True, False):
        with Library.open(lib_path, readonly=readonly) as lib:
            assert lib.state(pid).notes == "line one\nclip  board  c1  rtl\n"
            assert lib.state(pid).tags == ["ok", "evil"]


@pytest.mark.parametrize(
    "args",
    [("list",), ("show", "2509.99999"), ("export", "--status", "all", "-f", "csv"), ("export", "-f", "bibtex")],
)
def test_escape_sequences_in_a_foreign_papers_file_never_reach_the_terminal(
    args: tuple[str, ...], cli: Cli, lib_path: Path
) -> None:
    seed_ids(cli)
    evil = "Evil \x1b]52;c;SGFja2Vk\x07 clip \u202e rtl"
    record = {"title": evil, "abstract": evil, "authors": [evil], "days": ["2025-07-31"], "upvotes": 999}
    write_foreign_paper(lib_path, "2509.99999", record)
    result = cli(*args, "--status", "all") if args == ("export", "-f", "bibtex") else cli(*args)
    assert result.exit_code == 0, result.output
    assert "Evil" in result.stdout
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
