"""Reliability: SIGKILL a process at random moments while it writes; nothing acknowledged is lost.

A helper process (`tests/helpers/hammer.py`) changes statuses, saves notes and imports papers
as fast as it can, acknowledging each call on stdout after it returns. The test kills it at
random moments (seeded), then checks that the library still opens for writing (the lock of the
killed process does not block), and that every acknowledged change is on disk: each paper holds
its last acknowledged value, or the value of the one call that was in flight.
"""

from __future__ import annotations

import random
import signal
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson
import pytest

from reader.library import Library
from reader.resources import SAMPLE_DAY, sample_files
from reader.store import LockedError
from tests.helpers.proc import Child, HammerServer

KILLS = 60
SEED = 20250731


@dataclass
class Expected:
    """What the disk must show: per paper the acknowledged status and notes, and imported ids."""

    status: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    imported: set[str] = field(default_factory=set)


def check_disk(lib: Path, expected: Expected, in_flight: list[str] | None, *, writable: bool) -> None:
    """The library opens and holds every acknowledged change; adopt what it shows."""
    with Library.open(lib, readonly=not writable) as library:  # a writer: the dead child's lock must not block
        for pid in library.papers:
            state = library.state(pid)
            allowed_status = {expected.status.get(pid, "inbox")}
            allowed_notes = {expected.notes.get(pid, "")}
            if in_flight and in_flight[2] == pid:
                (allowed_status if in_flight[1] == "status" else allowed_notes).add(in_flight[3])
            assert state.status.value in allowed_status, (pid, state.status, allowed_status)
            assert state.notes in allowed_notes, (pid, state.notes, allowed_notes)
            if state.status.value != "inbox":
                expected.status[pid] = state.status.value
            else:
                expected.status.pop(pid, None)
            expected.notes[pid] = state.notes
        missing = expected.imported - set(library.papers)
        assert not missing, f"acknowledged imports lost: {missing}"
        expected.imported = {pid for pid in library.papers if pid in expected.imported or _hammered(library, pid)}
        if writable:  # a writer removes what a killed writer left behind
            leftovers = sorted(p.name for p in lib.rglob("*.tmp"))
            assert leftovers == [], leftovers


def _hammered(library: Library, pid: str) -> bool:
    return library.papers[pid].title.startswith("Hammered-paper-")


def apply(lines: list[str], expected: Expected) -> list[str] | None:
    """Fold the acknowledged changes into `expected`; return the call in flight, if any."""
    in_flight: list[str] | None = None
    for line in lines:
        parts = line.split(" ", 3)
        if parts[0] == "try":
            in_flight = parts
        elif parts[0] == "ack":
            _, op, pid, value = parts
            if op == "status":
                expected.status[pid] = value
            elif op == "note":
                expected.notes[pid] = value
            else:
                expected.imported.add(pid)
            in_flight = None
    return in_flight


def kill_loop(lib_path: Path, fifos: Path, kills: int, seed: int, max_acks: int) -> tuple[int, int, int]:
    """Start, hammer and SIGKILL `kills` children in turn, checking the disk after each kill.

    Half the children compact their journals every few calls, so kills also land in the middle
    of a compaction (snapshot rewrite, journal reset) and of the backup taken at a session's
    first write. Every third check opens the library for writing (the dead child's lock must
    not block, its temp files are cleaned up), the others read only, leaving the journals for
    the next child to replay and compact.
    """
    rng = random.Random(seed)
    expected = Expected()
    acked = mid_call = 0
    server = HammerServer(fifos)  # forks each hammer: no interpreter start-up per kill
    try:
        for n in range(kills):
            compact_every = rng.choice([3, 7]) if rng.random() < 0.5 else 0
            child = server.start(lib_path, seed + n, compact_every)
            try:
                if rng.random() >= 0.1:  # else: killed while starting up or opening the library
                    child.acks(rng.randrange(1, max_acks))
                delay = rng.choice([0.0, 0.0, rng.uniform(0, 0.004)])
                if delay:
                    time.sleep(delay)  # a real process is running: land the kill mid-write
                child.kill()
                assert child.returncode == -signal.SIGKILL, child.stderr()
            finally:
                child.close()
            in_flight = apply(child.lines, expected)
            acked += sum(1 for line in child.lines if line.startswith("ack "))
            mid_call += in_flight is not None
            check_disk(lib_path, expected, in_flight, writable=n % 3 == 2)
    finally:
        server.close()
    return kills, acked, mid_call


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(lib_path: Path, tmp_path: Path) -> None:
    with Library.open(lib_path) as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    started = time.monotonic()
    kills, acked, mid_call = kill_loop(lib_path, tmp_path, KILLS, SEED, max_acks=40)
    elapsed = time.monotonic() - started
    print(f"\n{kills} SIGKILLs survived, {acked} acknowledged changes checked, {mid_call} mid-call, {elapsed:.1f}s")
    assert kills == KILLS and acked > KILLS and mid_call > KILLS // 6
    assert len(list((lib_path / "backups").glob("state-*.json"))) <= 5


@pytest.mark.slow
def test_sigkill_with_a_big_library_mid_compaction(lib_path: Path, tmp_path: Path) -> None:
    """3,000 papers (a ~5 MB papers file): compactions take long enough for kills to land inside."""
    items = [
        {"paper": {"id": f"2510.{n:05d}", "title": f"Big library paper {n}", "summary": "word " * 300}}
        for n in range(3000)
    ]
    source = tmp_path / "big.json"
    source.write_bytes(orjson.dumps(items))
    with Library.open(lib_path) as library:
        library.import_files([source])
    started = time.monotonic()
    kills, acked, mid_call = kill_loop(lib_path, tmp_path, 20, SEED + 1000, max_acks=120)
    elapsed = time.monotonic() - started
    print(f"\n{kills} SIGKILLs (big library) survived, {acked} acks checked, {mid_call} mid-call, {elapsed:.1f}s")
    assert kills == 20 and acked > 20
    with Library.open(lib_path) as library:
        assert len(library) >= 3000


def test_lock_left_by_a_killed_holder_does_not_block(lib_path: Path) -> None:
    with Library.open(lib_path) as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    child = Child("hammer", str(lib_path), str(SEED))
    try:
        child.acks(1)
        with pytest.raises(LockedError, match=f"pid {child.proc.pid}"):
            Library.open(lib_path)
        child.kill()
    finally:
        child.close()
    assert (lib_path / ".lock").exists()  # the file stays; the kernel dropped the flock
    with Library.open(lib_path) as library:
        assert len(library) >= 86
