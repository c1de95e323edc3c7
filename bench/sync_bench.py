"""How long sync takes: two libraries on this machine, a shared plain folder.

    .venv/bin/python -m bench.sync_bench                 # 1,000 papers and 10,000 papers
    .venv/bin/python -m bench.sync_bench 1000            # one size

For each size: import the papers into library A, set both libraries up for sync, and time
- the first sync of A (everything sent: every paper and state),
- the first sync of B (everything read and merged),
- 1,000 status/tag/note changes on A, then A's sync (sent) and B's sync (read and merged),
- the cost of one status change with the sync stamp, against the same library without sync.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reader.library import Library
from reader.models import Paper, Status
from reader.sync import set_folder, sync_now


def _papers(count: int) -> list[Paper]:
    return [
        Paper(
            id=f"2507.{n:05d}",
            title=f"Synthetic paper {n} on topic {n % 97}",
            abstract="word " * 250,
            arxiv_id=f"2507.{n:05d}",
            authors=[f"Author {n % 13}", f"Author {n % 29}"],
            days=["2025-07-31"],
        )
        for n in range(count)
    ]


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def _change_cost(lib: Library, ids: list[str]) -> float:
    times = []
    for n, pid in enumerate(ids[:200]):
        status = Status.TO_READ if n % 2 else Status.DONE
        times.append(_timed(lambda pid=pid, status=status: lib.set_status(pid, status)))
    return statistics.median(times) * 1000


def run(size: int, base: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    shared = base / "shared"
    os.environ["READER_SYNC_HOST"] = "bench-a"
    a = Library.open(base / "a")
    a.import_papers(_papers(size))
    ids = list(a.papers)
    plain = Library.open(base / "plain")
    plain.import_papers(_papers(min(size, 500)))
    rows.append(("one status change, no sync (median ms)", f"{_change_cost(plain, list(plain.papers)):.2f}"))
    plain.close()
    set_folder(a, shared)
    os.environ["READER_SYNC_HOST"] = "bench-b"
    b = Library.open(base / "b")
    set_folder(b, shared)
    rows.append(("first sync, A sends everything (s)", f"{_timed(lambda: sync_now(a)):.2f}"))
    rows.append(("first sync, B reads everything (s)", f"{_timed(lambda: sync_now(b)):.2f}"))
    for n in range(1000):
        pid = ids[n % len(ids)]
        if n % 3 == 0:
            a.set_status(pid, Status.TO_READ)
        elif n % 3 == 1:
            a.edit_tags(pid, add=[f"t{n % 7}"])
        else:
            a.set_notes(pid, f"note {n}")
    result = None

    def send() -> None:
        nonlocal result
        result = sync_now(a)

    rows.append(("1,000 changes: A sends (s)", f"{_timed(send):.3f}"))
    rows.append(("1,000 changes: B reads and merges (s)", f"{_timed(lambda: sync_now(b)):.3f}"))
    rows.append(("one status change, with sync stamp (median ms)", f"{_change_cost(a, ids):.2f}"))
    log_bytes = sum(p.stat().st_size for p in shared.iterdir())
    rows.append(("sync folder size (MB)", f"{log_bytes / 1e6:.1f}"))
    a.close()
    b.close()
    return rows


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10000]
    for size in sizes:
        base = Path(tempfile.mkdtemp(prefix="reader-sync-bench-"))
        try:
            rows = run(size, base)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        print(f"\nsync, {size:,} papers")
        width = max(len(r[0]) for r in rows)
        for label, value in rows:
            print(f"  {label:<{width}}  {value:>8}")


if __name__ == "__main__":
    main(sys.argv[1:])
