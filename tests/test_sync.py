"""Sync across machines (issue 18): libraries on one machine stand for the machines, a plain
folder or a bare git remote for what they share. Every test ends with all machines equal and
checks that no change and no note text was lost."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.cli import cli
from reader.library import Library
from reader.models import Paper, Status
from reader.sync import SyncError, set_folder, sync_now
from reader.sync import engine as sync_engine
from reader.sync.crdt import CONFLICT_END, CONFLICT_START

DAY = "2025-07-31"
HOUR_MS = 3_600_000


def paper(n: int) -> Paper:
    return Paper(id=f"2507.{n:05d}", title=f"Paper number {n}", arxiv_id=f"2507.{n:05d}", days=[DAY])


class Machines:
    """Libraries standing for machines, each with its own host name and (injectable) clock."""

    def __init__(self, base: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base = base
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.libs: dict[str, Library] = {}

    def add(self, name: str, papers: int = 3, *, folder: Path | None = None) -> Library:
        self.monkeypatch.setenv("READER_SYNC_HOST", name)
        lib = Library.open(self.base / name)
        if papers:
            lib.import_papers([paper(n) for n in range(papers)])
        set_folder(lib, folder or self.folder)
        self.libs[name] = lib
        return lib

    def skew(self, name: str, offset_ms: int) -> None:
        hooks = self.libs[name].sync_hooks
        assert hooks is not None
        base = hooks.clock.now
        hooks.clock.now = lambda: base() + offset_ms

    def sync(self, name: str, folder: Path | None = None) -> Any:
        return sync_now(self.libs[name], folder)

    def close(self) -> None:
        for lib in self.libs.values():
            lib.close()


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Machines]:
    group = Machines(tmp_path, tmp_path / "shared", monkeypatch)
    yield group
    group.close()


def view(lib: Library) -> dict[str, Any]:
    """What a user sees of a library: its papers and every visible state field."""
    states = {}
    for pid in sorted(lib.papers):
        data = lib.state(pid).to_dict()
        data.pop("sync", None)
        data["conflict"] = lib.state(pid).note_conflict
        states[pid] = data
    papers = {}
    for pid in sorted(lib.papers):
        record = lib.paper(pid).to_dict()
        # `sources` is in order of arrival on each machine (a re-import keeps the library's own
        # order first): the same set everywhere, not always the same order
        record["sources"] = sorted(record["sources"])
        papers[pid] = record
    return {"papers": papers, "states": states}


def assert_equal(group: Machines) -> None:
    views = [view(lib) for lib in group.libs.values()]
    for other in views[1:]:
        for pid, record in views[0]["papers"].items():  # the differing fields, when any, by name
            assert other["papers"].get(pid) == record, (pid, _differing(other["papers"].get(pid), record))
        assert other == views[0]


def _differing(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    return {k: ((a or {}).get(k), v) for k, v in b.items() if (a or {}).get(k) != v}


def sync_all(group: Machines, order: tuple[str, ...] | None = None, rounds: int = 2) -> None:
    for _ in range(rounds):
        for name in order or tuple(group.libs):
            group.sync(name)


# -- two and three libraries through a plain folder ----------------------------------------------


def test_changes_travel_both_ways_through_a_plain_folder(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop", papers=0)
    a.set_status(paper(0).id, Status.TO_READ)
    a.set_notes(paper(1).id, "read section 3")
    a.edit_tags(paper(2).id, add=["rl", "survey"])
    first = machines.sync("laptop")
    assert first.sent >= 6  # three papers and three states
    got = machines.sync("desktop")
    assert got.applied >= 6 and got.machines == 1 and got.conflicts == 0
    assert b.status(paper(0).id) is Status.TO_READ
    assert b.state(paper(1).id).notes == "read section 3"
    assert b.state(paper(2).id).tags == ["rl", "survey"]
    b.set_status(paper(0).id, Status.DONE)
    machines.sync("desktop")
    assert machines.sync("laptop").applied == 1
    assert a.status(paper(0).id) is Status.DONE
    assert_equal(machines)
    # only its own files in the folder, named by library id and host; no lock, no cache
    names = sorted(p.name for p in machines.folder.iterdir())
    assert all(n.split(".")[1] in ("laptop", "desktop") for n in names), names
    assert not any(n.startswith(".lock") or "cache" in n for n in names)


def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the tests of merge logic over many syncs: durability is proven by the kill tests."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def test_concurrent_offline_edits_in_every_order_with_three_machines(machines: Machines) -> None:
    no_fsync(machines.monkeypatch)
    names = ("a", "b", "c")
    results = []
    for order in itertools.permutations(names):
        folder = machines.base / ("shared-" + "".join(order))
        group = Machines(machines.base / "".join(order), folder, machines.monkeypatch)
        libs = {n: group.add(n) for n in names}
        sync_all(group)  # everyone knows the papers
        p0, p1, p2 = (paper(n).id for n in range(3))
        # offline: each machine edits the same papers
        libs["a"].set_status(p0, Status.TO_READ)
        libs["b"].set_status(p0, Status.SKIPPED)
        libs["c"].set_status(p0, Status.READING)
        libs["a"].edit_tags(p1, add=["keep"])
        group.sync("a")
        group.sync("b")
        assert libs["b"].state(p1).tags == ["keep"] and libs["c"].state(p1).tags == []
        libs["b"].edit_tags(p1, remove=["keep"])  # b saw the tag and removes it...
        libs["c"].edit_tags(p1, add=["keep", "c-tag"])  # ...while c, not having seen it, adds it
        libs["a"].set_notes(p2, "note from a")
        libs["b"].set_notes(p2, "note from b")
        sync_all(group, order)
        assert_equal(group)
        state1 = libs["a"].state(p1)
        assert "keep" in state1.tags and "c-tag" in state1.tags  # concurrent remove + add keeps it
        notes = libs["a"].state(p2).notes
        assert "note from a" in notes and "note from b" in notes and CONFLICT_START in notes
        assert libs["a"].state(p2).note_conflict
        results.append(view(libs["a"]))
        group.close()
    # the same outcome whatever order the machines synced in (the clock decides only the status)
    for result in results:
        assert result["states"][paper(1).id]["tags"] == ["keep", "c-tag"]


def test_a_conflict_shows_both_texts_and_ends_when_the_user_edits_the_note(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop")
    sync_all(machines)
    pid = paper(0).id
    a.set_notes(pid, "laptop text")
    b.set_notes(pid, "desktop text")
    sync_all(machines)
    assert_equal(machines)
    notes = a.state(pid).notes
    assert notes.startswith(CONFLICT_START) and notes.endswith(CONFLICT_END)
    assert "======= version from laptop" in notes and "======= version from desktop" in notes
    assert machines.sync("laptop").conflicts == 1
    a.set_notes(pid, "merged by hand: laptop text + desktop text")
    assert not a.state(pid).note_conflict
    sync_all(machines)
    assert_equal(machines)
    assert b.state(pid).notes == "merged by hand: laptop text + desktop text"
    assert not b.state(pid).note_conflict


def test_an_edit_made_after_seeing_the_other_is_no_conflict(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop")
    pid = paper(0).id
    a.set_notes(pid, "v1")
    sync_all(machines)
    b.set_notes(pid, "v1 and more")
    sync_all(machines)
    a.set_notes(pid, "v1 and more and more")
    sync_all(machines)
    assert_equal(machines)
    assert b.state(pid).notes == "v1 and more and more" and not b.state(pid).note_conflict


def test_clocks_skewed_by_hours_still_let_the_later_change_win(machines: Machines) -> None:
    a = machines.add("fast")
    b = machines.add("slow")
    machines.skew("fast", 5 * HOUR_MS)  # five hours ahead
    machines.skew("slow", -3 * HOUR_MS)  # three hours behind
    pid = paper(0).id
    a.set_status(pid, Status.TO_READ)
    sync_all(machines)
    b.set_status(pid, Status.DONE)  # made after seeing a's change, with a clock 8 hours behind
    sync_all(machines)
    assert_equal(machines)
    assert a.status(pid) is Status.DONE
    a.set_status(pid, Status.READING)
    sync_all(machines)
    assert b.status(pid) is Status.READING


def test_undo_takes_back_a_merged_change_and_the_undo_travels(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop")
    pid = paper(0).id
    a.set_status(pid, Status.DONE)
    a.edit_tags(pid, add=["x"])
    sync_all(machines)
    assert b.status(pid) is Status.DONE
    b.undo()  # takes back the merge (status and tag in one step)
    assert b.status(pid) is Status.INBOX and b.state(pid).tags == []
    sync_all(machines)
    assert_equal(machines)
    assert a.status(pid) is Status.INBOX and a.state(pid).tags == []


def test_papers_merge_like_re_imports(machines: Machines) -> None:
    a = machines.add("laptop", papers=2)
    b = machines.add("desktop", papers=0)
    richer = paper(1)
    richer.abstract = "An abstract only the desktop fetched."
    richer.days = ["2025-08-01"]
    b.import_papers([richer, paper(7)])
    sync_all(machines)
    assert_equal(machines)
    assert a.paper(richer.id).abstract == richer.abstract
    assert a.paper(richer.id).days == [DAY, "2025-08-01"]
    assert paper(7).id in a


@pytest.mark.parametrize("first", ["laptop", "desktop"])
def test_papers_imported_on_both_machines_end_equal_in_any_order(machines: Machines, first: str) -> None:
    a = machines.add("laptop", papers=0)
    b = machines.add("desktop", papers=0)
    older, newer = paper(0), paper(0)
    older.upvotes, older.abstract, older.sources = 10, "The abstract as first seen, longer.", ["hf"]
    newer.upvotes, newer.title, newer.sources = 12, "Paper number 0, retitled", ["arxiv:cs.CL"]
    a.import_papers([older])
    machines.sync("laptop")  # the laptop's version is sent first (the older stamp)
    b.import_papers([newer])
    machines.sync("desktop")
    order = ("laptop", "desktop") if first == "laptop" else ("desktop", "laptop")
    sync_all(machines, order)
    assert_equal(machines)
    got = a.paper(paper(0).id)
    assert (got.upvotes, got.title, got.abstract) == (12, "Paper number 0, retitled", older.abstract)


def test_a_damaged_line_is_refused_in_one_line_and_the_rest_applies(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop", papers=0)
    for n in range(3):
        a.set_notes(paper(n).id, f"note {n}")
    machines.sync("laptop")
    log = next(p for p in machines.folder.iterdir() if ".laptop.log." in p.name)
    lines = log.read_bytes().splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if b"note 1" in line)
    lines[target] = lines[target].replace(b"note 1", b"note X")  # damaged in transit: checksum fails
    log.write_bytes(b"".join(lines))
    result = machines.sync("desktop")
    assert len(result.warnings) == 1
    assert str(log) in result.warnings[0] and f"line {target + 1}" in result.warnings[0]
    assert b.state(paper(0).id).notes == "note 0" and b.state(paper(2).id).notes == "note 2"
    assert b.state(paper(1).id).notes == ""  # refused, never applied half-read
    # the CLI says it in one line on stderr and still syncs
    runner = CliRunner()
    b.close()
    machines.libs["desktop"] = b  # closed; reopened below
    out = runner.invoke(cli, ["--db", str(machines.base / "desktop"), "sync"])
    assert out.exit_code == 0, out.output
    b2 = Library.open(machines.base / "desktop")
    machines.libs["desktop"] = b2
    # the laptop's next change to that paper reaches the desktop whole
    a.set_notes(paper(1).id, "note 1, again")
    sync_all(machines)
    assert_equal(machines)


def test_a_forged_line_with_control_bytes_is_refused(machines: Machines) -> None:
    b = machines.add("desktop")
    machines.sync("desktop")
    forged = {"o": {}, "n": [{"x": "\x1b]52;c;ZXZpbA==\x07boom", "v": {"0123456789ab": "1700000000000-000000-x"}}]}
    entry = {"k": "s", "p": paper(0).id, "h": "evil", "c": forged}
    log = machines.folder / "0123456789ab.evil.log.000000.jsonl"
    log.write_bytes(sync_engine.encode(entry) + sync_engine.encode({**entry, "p": paper(1).id, "c": {"o": {}}}))
    result = machines.sync("desktop")
    assert len(result.warnings) == 1 and "line 1 is damaged" in result.warnings[0]
    assert b.state(paper(0).id).notes == ""


def test_a_truncated_log_is_read_up_to_its_last_whole_line(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop", papers=0)
    for n in range(3):
        a.set_status(paper(n).id, Status.TO_READ)
    machines.sync("laptop")
    log = next(p for p in machines.folder.iterdir() if ".laptop.log." in p.name)
    whole = log.read_bytes()
    log.write_bytes(whole[: len(whole) - 25])  # the sync engine has delivered only part of it
    machines.sync("desktop")
    assert sum(b.status(paper(n).id) is Status.TO_READ for n in range(3)) == 2
    log.write_bytes(whole)  # the rest arrives
    machines.sync("desktop")
    assert_equal(machines)


def test_a_log_cut_short_by_the_sync_engine_is_sent_again(machines: Machines) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop", papers=0)
    machines.sync("desktop")
    a.set_notes(paper(0).id, "precious")
    machines.sync("laptop")
    log = next(p for p in machines.folder.iterdir() if ".laptop.log." in p.name)
    log.write_bytes(b"")  # lost by the sync engine before the desktop read it
    machines.sync("laptop")  # sees its log cut: sends everything again
    a.set_notes(paper(1).id, "after")
    machines.sync("laptop")  # and goes on in a new part
    machines.sync("desktop")
    assert b.state(paper(0).id).notes == "precious" and b.state(paper(1).id).notes == "after"
    c = machines.add("newcomer", papers=0)
    machines.sync("newcomer")
    assert c.state(paper(0).id).notes == "precious"
    sync_all(machines)
    assert_equal(machines)


def test_compaction_drops_parts_only_once_everyone_read_them(
    machines: Machines, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_engine, "SEGMENT_BYTES", 600)
    a = machines.add("laptop", papers=6)
    machines.add("desktop", papers=0)
    sync_all(machines, ("laptop", "desktop"))
    for n in range(6):
        a.set_status(paper(n).id, Status.TO_READ)
        machines.sync("laptop")
    logs = sorted(p.name for p in machines.folder.iterdir() if ".laptop.log." in p.name)
    assert len(logs) > 1  # the desktop has not read the new parts: they stay
    machines.sync("desktop")
    machines.sync("laptop")
    after = sorted(p.name for p in machines.folder.iterdir() if ".laptop.log." in p.name)
    assert not set(after) & set(logs[:-1])  # everything read by every machine is gone
    assert [p.name for p in machines.folder.iterdir() if ".laptop.snapshot." in p.name]
    # a machine joining later reads the snapshot
    c = machines.add("newcomer", papers=0)
    machines.sync("newcomer")
    assert all(c.status(paper(n).id) is Status.TO_READ for n in range(6))
    sync_all(machines)
    assert_equal(machines)


def test_the_sync_folder_may_not_be_inside_the_library_or_around_it(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "lib"
    inside = runner.invoke(cli, ["--db", str(db), "sync", "--folder", str(db / "shared")])
    assert inside.exit_code == 4
    assert "inside the library folder" in inside.output and inside.output.count("\n") == 1
    around = runner.invoke(cli, ["--db", str(db), "sync", "--folder", str(tmp_path)])
    assert around.exit_code == 4 and "contains the library folder" in around.output
    none = runner.invoke(cli, ["--db", str(db), "sync"])
    assert none.exit_code == 4 and "no sync folder set" in none.output


def test_cli_sync_sets_the_folder_once_and_prints_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    a, b, shared = tmp_path / "a", tmp_path / "b", tmp_path / "shared"
    for db in (a, b):
        with Library.open(db) as lib:
            lib.import_papers([paper(0)])
    assert runner.invoke(cli, ["--db", str(a), "mark", paper(0).id, "done"]).exit_code == 0
    first = runner.invoke(cli, ["--db", str(a), "sync", "--folder", str(shared)])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "sent 2, applied 0 from 0 machines, conflicts 0"
    assert orjson.loads((a / "settings.json").read_bytes())["sync_folder"] == str(shared.resolve())
    second = runner.invoke(cli, ["--db", str(b), "sync", "--folder", str(shared)])
    assert second.output.strip() == "sent 1, applied 1 from 1 machine, conflicts 0", second.output
    again = runner.invoke(cli, ["--db", str(b), "sync"])
    assert again.output.strip() == "sent 0, applied 0 from 0 machines, conflicts 0"
    show = runner.invoke(cli, ["--db", str(b), "list", "--status", "done"])
    assert paper(0).id in show.output


def test_a_change_is_stamped_in_the_same_durable_write(machines: Machines) -> None:
    """Nothing acknowledged can be missing from the next sync: the change's sync record is in
    the very journal line that makes the change durable (read here raw, as after a kill)."""
    a = machines.add("laptop")
    machines.sync("laptop")
    a.set_notes(paper(0).id, "written just before a crash")
    journal = (machines.base / "laptop" / "state.journal").read_bytes().splitlines()
    record = orjson.loads(journal[-1])["put"][paper(0).id]
    assert record["notes"] == "written just before a crash"
    assert record["sync"]["n"][0]["x"] == "written just before a crash" and record["sync"]["m"]
    a.close()  # as if killed: the next process sends it
    machines.libs["laptop"] = Library.open(machines.base / "laptop")
    assert machines.sync("laptop").sent == 1


# -- git --------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def clone(remote: Path, target: Path, name: str) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(target))
    git(target, "config", "user.name", name)
    git(target, "config", "user.email", f"{name}@example.invalid")
    git(target, "config", "commit.gpgsign", "false")
    return target


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_two_clones_of_a_bare_git_remote_converge(machines: Machines, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    one = clone(remote, tmp_path / "one", "one")
    two = clone(remote, tmp_path / "two", "two")
    (one / "README").write_text("my notes repo\n")  # the folder may hold other things too
    git(one, "add", "README")
    git(one, "commit", "-q", "-m", "start")
    git(one, "push", "-q", "origin", "HEAD:main")
    a = machines.add("laptop", folder=one / "reader")
    b = machines.add("desktop", folder=two / "reader")
    pid = paper(0).id
    a.set_notes(pid, "laptop words")
    b.set_notes(pid, "desktop words")
    a.set_status(paper(1).id, Status.DONE)
    b.edit_tags(paper(2).id, add=["git"])
    for name in ("laptop", "desktop", "laptop"):
        machines.sync(name)
    assert_equal(machines)
    assert "laptop words" in b.state(pid).notes and "desktop words" in b.state(pid).notes
    assert b.status(paper(1).id) is Status.DONE and a.state(paper(2).id).tags == ["git"]
    assert git(one, "status", "--porcelain") == ""  # our files committed
    log = git(two, "log", "--format=%s", "origin/main")
    assert "reader sync" in log


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_errors_are_one_line_and_nothing_is_lost(machines: Machines, tmp_path: Path) -> None:
    lone = tmp_path / "lone"
    git(tmp_path, "init", "-q", "-b", "main", str(lone))
    git(lone, "config", "user.name", "x")
    git(lone, "config", "user.email", "x@example.invalid")
    git(lone, "config", "commit.gpgsign", "false")
    a = machines.add("laptop", folder=lone)
    a.set_notes(paper(0).id, "kept")
    with pytest.raises(SyncError, match="no remote"):
        machines.sync("laptop")
    assert "kept" in b"".join(p.read_bytes() for p in lone.glob("*.log.*")).decode()
    assert git(lone, "status", "--porcelain") == ""  # committed locally all the same
    git(lone, "remote", "add", "origin", str(tmp_path / "missing.git"))
    with pytest.raises(SyncError) as err:
        machines.sync("laptop")
    assert "\n" not in str(err.value) and "origin" in str(err.value)
    runner = CliRunner()
    a.close()
    out = runner.invoke(cli, ["--db", str(machines.base / "laptop"), "sync"])
    machines.libs["laptop"] = Library.open(machines.base / "laptop")
    assert out.exit_code == 4 and out.output.startswith("reader: error: ") and out.output.count("\n") == 1


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        ("fatal: unable to access 'https://h/r.git/': Could not resolve host: h", "offline"),
        ("fatal: could not read Username for 'https://h': terminal prompts disabled", "needs authentication"),
        ("git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.", "authentication"),
        ("ssh: connect to host h port 22: Connection refused", "offline"),
    ],
)
def test_git_failures_are_explained_in_one_line(stderr: str, expected: str) -> None:
    from reader.sync.git import _explain

    line = _explain(stderr, "origin")
    assert expected in line and "\n" not in line and "saved and committed locally" in line


# -- killed in the middle of a sync -------------------------------------------------------------


@pytest.mark.parametrize("point", ["mid-send", "mid-apply"])
def test_a_sync_killed_midway_resumes_without_loss(machines: Machines, point: str) -> None:
    a = machines.add("laptop")
    b = machines.add("desktop")
    sync_all(machines)
    for n in range(3):
        a.set_notes(paper(n).id, f"laptop {n}")
        b.edit_tags(paper(n).id, add=[f"t{n}"])
    machines.sync("desktop")
    a.close()
    env = {**os.environ, "READER_SYNC_KILL_AT": point}
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(machines.base / "laptop"), "sync"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == -9, done.stderr
    early = machines.sync("desktop")  # reads the killed sync's half-written log: whole lines only
    a = machines.libs["laptop"] = Library.open(machines.base / "laptop")
    a.set_status(paper(0).id, Status.READING)  # what is sent again now differs from the torn write
    resumed = [machines.sync(name) for name in ("laptop", "desktop", "laptop", "desktop")]
    assert not early.warnings and not any(r.warnings for r in resumed)  # the torn line was cut, not read
    assert_equal(machines)
    for n in range(3):
        assert b.state(paper(n).id).notes == f"laptop {n}"
        assert a.state(paper(n).id).tags == [f"t{n}"]
    assert b.status(paper(0).id) is Status.READING


# -- the property: random edits, random sync orders, everyone converges --------------------------

EDIT = st.tuples(
    st.integers(0, 2),  # machine
    st.integers(0, 2),  # paper
    st.sampled_from(["status", "tag+", "tag-", "note", "undo", "sync", "import"]),
    st.integers(0, 3),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, max_size=25), order=st.permutations([0, 1, 2]))
def test_random_edits_and_sync_orders_converge(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, edits: list[Any], order: list[int]
) -> None:
    no_fsync(monkeypatch)
    base = tmp_path_factory.mktemp("prop")
    group = Machines(base, base / "shared", monkeypatch)
    try:
        libs = [group.add(f"m{n}", papers=3) for n in range(3)]
        statuses = list(Status)
        notes_written: dict[str, list[str]] = {}
        last_note: dict[str, tuple[int, str]] = {}  # paper -> (step, text) of the last note written
        last_undo = -1
        for step, (machine, pn, kind, value) in enumerate(edits):
            lib, pid = libs[machine], paper(pn).id
            if kind == "status":
                lib.set_status(pid, statuses[value])
            elif kind == "tag+":
                lib.edit_tags(pid, add=[f"t{value}"])
            elif kind == "tag-":
                lib.edit_tags(pid, remove=[f"t{value}"])
            elif kind == "note":
                text = f"n{machine}-{value}-{len(notes_written.get(pid, []))}"
                notes_written.setdefault(pid, []).append(text)
                lib.set_notes(pid, text)
                last_note[pid] = (step, text)
            elif kind == "undo":
                lib.undo()
                last_undo = step
            elif kind == "import":  # the same paper fetched again: other upvotes, another title
                again = paper(pn)
                again.upvotes, again.title, again.days = value * 7, f"Paper {pn} v{value}", [f"2025-08-0{value + 1}"]
                lib.import_papers([again])
            else:
                group.sync(f"m{machine}")
        for _ in range(2):
            for n in order:
                group.sync(f"m{n}")
        assert_equal(group)
        # no note text is lost: the last one written (when no undo came after) is in every note
        for pid, (step, text) in last_note.items():
            if step > last_undo:
                assert all(text in lib.state(pid).notes for lib in libs)
    finally:
        group.close()
