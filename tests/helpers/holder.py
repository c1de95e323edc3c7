"""Hold a library open for writing and change it on request, one command per stdin line.

Run as `python -m tests.helpers.holder LIBRARY`. Prints `ready <pid>` once the library is open
(and locked), then for each line `status ID VALUE`, `note ID TEXT` or `import FILE` makes the
change and prints `ok`; `quit` (or end of input) closes the library and exits. An error is
printed as `error <message>` and the holder goes on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reader.library import Library
from reader.models import Status
from reader.store import StoreError


def main(argv: list[str]) -> int:
    """Open the library and serve change requests from stdin until `quit`."""
    library = Library.open(Path(argv[0]))
    print("ready", os.getpid(), flush=True)
    try:
        for line in sys.stdin:
            command, _, rest = line.rstrip("\n").partition(" ")
            if command == "quit":
                break
            try:
                if command == "status":
                    pid, value = rest.split(" ", 1)
                    library.set_status(pid, Status(value))
                elif command == "note":
                    pid, text = rest.split(" ", 1)
                    library.set_notes(pid, text)
                elif command == "import":
                    library.import_files([Path(rest)])
                else:
                    raise ValueError(f"unknown command {command!r}")
            except (StoreError, ValueError) as exc:
                print("error", exc, flush=True)
            else:
                print("ok", flush=True)
    finally:
        library.close()
    print("closed", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
