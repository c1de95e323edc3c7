"""Run `reader` (the app) in a real pseudo-terminal, type into it, signal it, read its output."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]")


class PtyApp:
    """`python -m reader --db LIB` on the slave side of a pty (its controlling terminal)."""

    def __init__(self, lib: Path, *, columns: int = 120, rows: int = 40, code: str | None = None) -> None:
        """`code`: run this Python source (which calls `reader.cli.main()`) instead of `-m reader`."""
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(columns),
            "LINES": str(rows),
            "TEXTUAL_ANIMATION": "none",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("READER_DB", None)
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            try:
                os.chdir(ROOT)
                start = ["-c", code] if code is not None else ["-m", "reader"]
                os.execve(sys.executable, [sys.executable, *start, "--db", str(lib)], env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd: int | None = fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self.status: int | None = None

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # in all cases: the app never outlives its test

    def pump(self, seconds: float = 0.0) -> None:
        """Read what the app wrote (so it never blocks on a full pty) for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while self.fd is not None:
            remaining = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal (it exited)
                return
            if not chunk:
                return
            self.output += chunk

    def text(self, since: int = 0) -> str:
        """The output so far (from `since`) with escape sequences removed (for finding words)."""
        return _ANSI.sub(b"", bytes(self.output[since:])).decode("utf-8", "replace")

    def mark(self) -> int:
        """Where the output is now: `wait_for_text(..., since=mark)` looks only at what follows."""
        return len(self.output)

    def wait_for_text(self, needle: str, timeout: float = 15.0, *, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text(since):
            assert time.monotonic() < deadline, f"{needle!r} never appeared; output ends {self.text()[-400:]!r}"
            assert self.alive(), f"the app exited ({self.status}); output ends {self.text()[-400:]!r}"
            self.pump(0.05)

    def type(self, keys: str | bytes, pause: float = 0.02) -> None:
        """Type keys one at a time, as a person would (reading output in between)."""
        assert self.fd is not None
        data = keys.encode("utf-8") if isinstance(keys, str) else keys
        for byte in data:
            os.write(self.fd, bytes([byte]))
            self.pump(pause)

    def alive(self) -> bool:
        if self.status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.status = status
        return False

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def hang_up(self) -> None:
        """Close the terminal, as closing its window does: the kernel sends SIGHUP."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def wait(self, timeout: float = 15.0) -> int:
        """Wait for the app to exit; return its wait status."""
        deadline = time.monotonic() + timeout
        while self.alive():
            assert time.monotonic() < deadline, f"the app did not exit; output ends {self.text()[-400:]!r}"
            self.pump(0.05)
            if self.fd is None:
                time.sleep(0.05)  # a real process is finishing; nothing to read any more
        assert self.status is not None
        return self.status

    def close(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
