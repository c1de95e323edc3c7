"""Hammer a library with status changes, note saves and small imports until killed.

Run as `python -m tests.helpers.hammer LIBRARY SEED`. The library must already hold papers.
Before each call it prints `try <op> <id> <value>` and after the call returns it prints
`ack <op> <id> <value>`, both flushed, so a parent that kills this process at any moment
knows which changes were acknowledged and which one (at most) was in flight.
Ops: `status` (value: a status), `note` (value: the notes), `import` (id: the new paper's id,
value: its title). Values never contain spaces or newlines, so one line splits on spaces.
`HAMMER_COMPACT_EVERY=N` in the environment compacts the state journal after every N-th call
and the papers journal after every 10N-th (to race readers against compaction).

`python -m tests.helpers.hammer --serve` is a fork server, for tests that start many hammers:
it imports everything once, then for each line `LIBRARY SEED COMPACT_EVERY FIFO` on its
standard input forks a hammer that writes its protocol lines to the named pipe FIFO, and
answers `pid N`; for `reap N` it waits for that hammer and answers `status CODE` (minus the
signal number for a killed one, as `subprocess` says). A forked hammer starts in a millisecond
instead of the ~0.2 s of a new interpreter, and runs the same code on the same files.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from reader.library import Library
from reader.models import Paper, Status, title_id

STATUSES = list(Status)


def say(*parts: str) -> None:
    """One protocol line on stdout, flushed at once."""
    sys.stdout.write(" ".join(parts) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Open the library and change it forever (until killed or `limit` ops are done)."""
    root, seed = Path(argv[0]), int(argv[1])
    limit = int(argv[2]) if len(argv) > 2 else 1_000_000
    rng = random.Random(seed)
    compact_every = int(os.environ.get("HAMMER_COMPACT_EVERY", "0"))
    library = Library.open(root)
    ids = sorted(library.papers)
    say("ready", str(len(ids)))
    for seq in range(limit):
        if compact_every and seq % compact_every == compact_every - 1:
            library.store.storage("state").compact()
            if seq % (10 * compact_every) == 10 * compact_every - 1:
                library.store.storage("index").compact()
        roll = rng.random()
        if roll < 0.05:
            title = f"Hammered-paper-{seed}-{seq}-ünïcode-✓"
            pid = title_id(title)
            say("try", "import", pid, title)
            library.import_papers([Paper(id=pid, title=title, abstract="x" * 300, days=["2025-08-01"])])
            say("ack", "import", pid, title)
            continue
        pid = rng.choice(ids)
        if roll < 0.55:
            status = rng.choice(STATUSES).value
            say("try", "status", pid, status)
            library.set_status(pid, Status(status))
            say("ack", "status", pid, status)
        else:
            notes = f"note-{seed}-{seq}-{'é' * rng.randrange(0, 50)}"
            say("try", "note", pid, notes)
            library.set_notes(pid, notes)
            say("ack", "note", pid, notes)
    library.close()
    say("done")
    return 0


def serve() -> int:
    """The fork server (see the module's notes)."""
    for line in sys.stdin:
        words = line.split()
        if words[0] == "reap":
            _, status = os.waitpid(int(words[1]), 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            say("status", str(code))
            continue
        root, seed, compact_every, fifo = words
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # the hammer: its own protocol stream, its own settings
            code = 1
            try:
                sys.stdin.close()
                sys.stdout = open(fifo, "w", encoding="utf-8")  # noqa: SIM115 - this process's stdout
                if compact_every != "0":
                    os.environ["HAMMER_COMPACT_EVERY"] = compact_every
                else:
                    os.environ.pop("HAMMER_COMPACT_EVERY", None)
                code = main([root, seed])
            finally:
                os._exit(code)
        say("pid", str(pid))
    return 0


if __name__ == "__main__":
    raise SystemExit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv[1:]))
