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

import pytest

from reader.library import Library
from reader.resources import SAMPLE_DAY, sample_files
from reader.store import LockedError
from tests.helpers.proc import Child

KILLS = 60
SEED = 20250731


@dataclass
class Expected:
    """What the disk must show: per paper the acknowledged status and notes, and imported ids."""

    status: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    imported: set[str] = field(default_factory=set)


def check_disk(lib: Path, expected: Expected, in_flight: list[str] | None) -> None:
    """The library opens for writing and holds every acknowledged change; adopt what it shows."""
    with Library.open(lib) as library:  # writable: the dead child's lock must not block
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
        leftovers = sorted(p.name for p in lib.iterdir() if p.name.endswith(".tmp"))
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


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(lib_path: Path) -> None:
    with Library.open(lib_path) as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    rng = random.Random(SEED)
    expected = Expected()
    kills = acked = mid_call = 0
    started = time.monotonic()
    for n in range(KILLS):
        child = Child("hammer", str(lib_path), str(SEED + n))
        try:
            if rng.random() < 0.1:
                pass  # killed while starting up or opening the library
            else:
                child.acks(rng.randrange(1, 40))
            delay = rng.choice([0.0, 0.0, rng.uniform(0, 0.004)])
            if delay:
                time.sleep(delay)  # a real process is running: land the kill mid-write
            child.kill()
            assert child.proc.returncode == -signal.SIGKILL, child.stderr()
            kills += 1
        finally:
            child.close()
        in_flight = apply(child.lines, expected)
        acked += sum(1 for line in child.lines if line.startswith("ack "))
        mid_call += in_flight is not None
        check_disk(lib_path, expected, in_flight)
    elapsed = time.monotonic() - started
    print(
        f"\n{kills} SIGKILLs survived, {acked} acknowledged changes checked, {mid_call} kills mid-call, {elapsed:.1f}s"
    )
    assert kills == KILLS and acked > KILLS and mid_call > KILLS // 4
    assert len(list((lib_path / "backups").glob("state-*.json"))) <= 5


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
