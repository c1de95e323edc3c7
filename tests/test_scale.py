"""The library at scale: the index and shards, commands that read only what they change, and
the one-time conversion of libraries written in the single-file layout."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from reader import store
from reader.library import Library
from reader.models import Paper, Status
from tests.conftest import SEED, Cli, snapshot


def _papers(n: int, day: str = "2025-07-31") -> list[Paper]:
    return [
        Paper(
            id=f"2507.{10000 + i}",
            title=f"Paper number {i} on diffusion",
            abstract=f"Abstract {i} " + "words " * 40,
            authors=[f"Author {i}", "Ann Smith"],
            arxiv_id=f"2507.{10000 + i}",
            days=[day],
            upvotes=i % 50,
        )
        for i in range(n)
    ]


def full(lib: Library) -> tuple[dict[str, object], dict[str, object]]:
    """Everything a library holds, papers in full, as plain data."""
    return {p.id: p.to_dict() for p in lib}, {pid: s.to_dict() for pid, s in lib.states.items()}


def test_papers_go_to_the_index_and_monthly_shards(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_papers([*_papers(3), *_papers(2, day="2025-08-01")[:0]])
        lib.import_papers([Paper(id="2508.00001", title="August paper", abstract="An abstract", days=["2025-08-04"])])
        lib.import_papers([Paper(id="undated-1", title="A paper without a day", abstract="x")])
    shards = sorted(p.name for p in (lib_path / "papers").glob("*.json"))
    assert shards == ["2025-07.json", "2025-08.json", "undated.json"]
    index = orjson.loads((lib_path / "index.json").read_bytes())["index"]
    assert index["2508.00001"] == {"title": "August paper", "days": ["2025-08-04"], "shard": "2025-08", "has": "a"}
    assert b"abstract" not in (lib_path / "index.json").read_bytes()  # no abstracts in the index
    august = orjson.loads((lib_path / "papers" / "2025-08.json").read_bytes())["papers"]
    assert august["2508.00001"]["abstract"] == "An abstract"
    with Library.open(lib_path, readonly=True) as lib:
        assert lib.paper("2508.00001").abstract == "An abstract"
        assert len(lib) == 5 and lib.paper("undated-1").abstract == "x"


def test_an_opened_index_keeps_one_string_per_repeated_value(lib_path: Path) -> None:
    """The index's day, publication date, shard and `has` repeat on thousands of records: an
    opened library holds one string for each value (~22 MB of 175 at 100,000 papers), and the
    heads read back equal to what was written, days, dates and all."""
    papers = _papers(4)
    for n, paper in enumerate(papers):
        paper.published = "2025-07-30"
        paper.days = ["2025-07-31"] if n < 3 else ["2025-07-29", "2025-07-31"]
    with Library.open(lib_path) as lib:
        lib.import_papers(papers)
        written = {pid: lib.head(pid) for pid in lib.papers}
    with Library.open(lib_path) as lib:
        heads = [lib.head(p.id) for p in papers]
        assert {h.id: h for h in heads} == written
        first = heads[0]
        for head in heads[1:]:
            assert head.days[-1] is first.days[-1]
            assert head.published is first.published and head.shard is first.shard and head.has is first.has
        assert heads[3].days == ["2025-07-29", "2025-07-31"]


def test_a_status_note_and_tag_change_from_the_cli_never_read_the_shards(cli: Cli, lib_path: Path) -> None:
    assert cli("import", str(SEED)).exit_code == 0
    with Library.open(lib_path, readonly=True) as lib:
        pid, other = lib.ids()[:2]
    away = lib_path.parent / "shards-away"
    shutil.move(lib_path / "papers", away)  # the full records are not there at all
    assert cli("mark", pid, "done").exit_code == 0
    assert cli("mark", f"reader:{other}", "to-read").exit_code == 0
    assert cli("note", pid, "read with the shards away").exit_code == 0
    assert cli("tag", pid, "+scale").output.strip() == "scale"
    assert cli("note", pid).output == "read with the shards away\n"
    shown = cli("show", pid)  # showing the paper needs its shard: refused, in one line, nothing changed
    assert shown.exit_code == 1 and "papers/2025-07.json: the file is missing" in shown.output
    assert shown.output.count("\n") == 1
    shutil.move(away, lib_path / "papers")
    with Library.open(lib_path, readonly=True) as lib:
        assert lib.status(pid) is Status.DONE and lib.status(other) is Status.TO_READ
        assert lib.state(pid).tags == ["scale"] and lib.state(pid).notes == "read with the shards away"
        assert lib.paper(pid).abstract  # and the shards are whole


def test_a_lazy_library_reads_only_the_records_it_is_asked_for(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        lib.import_papers(_papers(50))
        lib.set_status("2507.10003", Status.READING)
        lib.set_notes("2507.10004", "noted")
    with Library.open(lib_path, lazy=True) as lib:
        lib.set_status(lib.resolve("https://arxiv.org/abs/2507.10005v2"), Status.DONE)
        assert lib.status("2507.10003") is Status.READING and lib.state("2507.10004").notes == "noted"
        assert lib._papers is None and lib._states is None  # neither file was read whole
        assert not lib.store.storage("state").loaded and not lib.store.storage("index").loaded
    with Library.open(lib_path, readonly=True) as lib:
        assert lib.status("2507.10005") is Status.DONE and lib.status("2507.10003") is Status.READING


def write_legacy(root: Path, papers: list[Paper], states: dict[str, dict[str, object]], journal: bool) -> None:
    """A library as versions before the shards wrote it: one papers.json (and a journal)."""
    root.mkdir(parents=True)
    docs = {p.id: {k: v for k, v in p.to_dict().items() if k != "id"} for p in papers}
    meta = {"schema": {"version": 1, "kind": "papers"}}
    tail = dict(list(docs.items())[-3:]) if journal else {}
    snapshot_docs = {k: v for k, v in docs.items() if k not in tail}
    (root / "papers.json").write_bytes(orjson.dumps({"papers": snapshot_docs, "_meta": meta}))
    if tail:
        (root / "papers.journal").write_bytes(orjson.dumps({"put": tail}) + b"\n")
    state_meta = {"schema": {"version": 1, "kind": "state"}}
    (root / "state.json").write_bytes(orjson.dumps({"state": states, "_meta": state_meta}, option=orjson.OPT_INDENT_2))


LEGACY_STATES = {"2507.10001": {"status": "done", "notes": "kept through the move", "tags": ["a"]}}


@pytest.mark.parametrize("journal", [False, True])
def test_a_single_file_library_is_converted_once_with_a_backup(tmp_path: Path, journal: bool) -> None:
    root = tmp_path / "old"
    write_legacy(root, _papers(40) + _papers(5, day="2025-08-02")[:0], LEGACY_STATES, journal)
    with Library.open(root, readonly=True) as lib:  # a reader does not convert: it reads the old file
        expected = full(lib)
        assert len(lib) == 40 and lib.paper("2507.10039").abstract.startswith("Abstract 39")
    assert (root / "papers.json").exists() and not (root / "index.json").exists()
    with Library.open(root) as lib:  # the first writer converts
        assert full(lib) == expected
    assert not (root / "papers.json").exists() and not (root / "papers.journal").exists()
    assert (root / "index.json").exists() and (root / "papers" / "2025-07.json").exists()
    kept = list((root / "backups").glob("papers-*.json"))
    assert len(kept) == 1 and len(orjson.loads(kept[0].read_bytes())["papers"]) == 40 - (3 if journal else 0)
    with Library.open(root, readonly=True) as lib:
        assert full(lib) == expected
        assert lib.state("2507.10001").notes == "kept through the move"
    with Library.open(root, lazy=True) as lib:  # the state file was laid out anew too: read by record
        assert lib.status("2507.10001") is Status.DONE
        assert not lib.store.storage("state").loaded


def test_a_conversion_that_fails_midway_leaves_the_old_library_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "old"
    write_legacy(root, _papers(30), LEGACY_STATES, journal=True)
    with Library.open(root, readonly=True) as lib:
        expected = full(lib)
    before = snapshot(root)
    real_replace = os.replace

    def crash_at_the_switch(src: object, dst: object) -> None:
        if str(src).endswith("papers.json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store.os, "replace", crash_at_the_switch)
    with pytest.raises(store.WriteError, match=r"could not convert .*papers.json.*left as it was"):
        Library.open(root)
    monkeypatch.undo()
    assert (root / "papers.json").read_bytes() == before["papers.json"]
    with Library.open(root, readonly=True) as lib:  # the old layout still decides
        assert full(lib) == expected
    with Library.open(root) as lib:  # and the next writer converts it (the half-made files replaced)
        assert full(lib) == expected
    assert not (root / "papers.json").exists()


KILL_CONVERT = """
import sys
from reader.library import Library
Library.open(sys.argv[1]).close()
print("converted", flush=True)
"""


@pytest.mark.slow
def test_a_conversion_killed_at_any_moment_leaves_a_usable_library(tmp_path: Path) -> None:
    """SIGKILL the converting process after a growing delay: every time, the library opens with
    every paper and note (in the old or the new layout), and a later writer finishes the job."""
    root = tmp_path / "old"
    write_legacy(root, _papers(3000) + _papers(400, day="2025-09-01")[:0], LEGACY_STATES, journal=True)
    with Library.open(root, readonly=True) as lib:
        expected = full(lib)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    outcomes = []
    for delay in (0.05, 0.15, 0.3, 0.45, 0.6, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", KILL_CONVERT, str(root)], env=env, stdout=subprocess.PIPE)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        outcomes.append("old" if (root / "papers.json").exists() else "new")
        with Library.open(root, readonly=True) as lib:
            assert full(lib) == expected, (delay, outcomes)
        if outcomes[-1] == "new":
            break
    with Library.open(root) as lib:
        assert full(lib) == expected
    assert not (root / "papers.json").exists() and not list(root.rglob("*.tmp"))


def test_a_big_state_file_is_not_kept_as_stored_once_read(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The states are the library's copy: the stored records are let go after reading (a big
    file's ~40 MB at 100,000 papers), and changes still land in the file."""
    import reader.library

    with Library.open(lib_path) as lib:
        lib.import_papers(_papers(6))
        lib.set_status(["2507.10000", "2507.10001"], Status.DONE)
        lib.set_notes("2507.10002", "kept note")
    monkeypatch.setattr(reader.library, "RELEASE_STATES_FROM", 0)
    with Library.open(lib_path) as lib:
        assert not lib.store.storage("state").loaded
        assert lib.status("2507.10000") is Status.DONE and lib.state("2507.10002").notes == "kept note"
        lib.set_status("2507.10003", Status.READING)
        lib.set_notes("2507.10000", "new note")
        lib.undo()
        lib.set_tags("2507.10001", ["rl"])
        expected = full(lib)
    with Library.open(lib_path, readonly=True) as again:
        assert full(again) == expected
        assert again.status("2507.10003") is Status.READING and again.state("2507.10000").notes == ""
