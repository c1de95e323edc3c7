"""Run a helper program as a real subprocess and read its protocol lines with deadlines."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LINE_TIMEOUT = 10.0


class Child:
    """A helper module (`tests.helpers.NAME`) in its own process, speaking one line per event."""

    def __init__(self, module: str, *args: str, env: dict[str, str] | None = None, stdin: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"tests.helpers.{module}", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.lines: list[str] = []

    def wait_for(self, done: object, timeout: float = LINE_TIMEOUT) -> None:
        """Read lines until `done(lines)` is true; fail if the child stalls or exits first."""
        deadline = time.monotonic() + timeout
        while not done(self.lines):  # type: ignore[operator]
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{self.proc.args} stalled; lines: {self.lines[-3:]}; stderr: {self.stderr()}"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready and not self.read_chunk():
                raise AssertionError(f"{self.proc.args} exited early; stderr: {self.stderr()}")

    def acks(self, count: int) -> None:
        """Read until `count` acknowledgements (`ack ...` lines) have arrived."""
        self.wait_for(lambda lines: sum(1 for line in lines if line.startswith("ack ")) >= count)

    def drain(self) -> None:
        """Read whatever lines are available now, without waiting."""
        while select.select([self.fd], [], [], 0)[0] and self.read_chunk():
            pass

    def read_chunk(self) -> bool:
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return False
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        self.lines.extend(line.decode("utf-8") for line in complete)
        return True

    def send(self, line: str) -> str:
        """Send one command line and return the child's one-line answer."""
        assert self.proc.stdin is not None
        seen = len(self.lines)
        self.proc.stdin.write((line + "\n").encode("utf-8"))
        self.proc.stdin.flush()
        self.wait_for(lambda lines: len(lines) > seen)
        return self.lines[seen]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send a signal, reap the child, and collect every line it wrote before it died."""
        self.proc.send_signal(sig)
        self.proc.wait(timeout=LINE_TIMEOUT)
        while self.read_chunk():
            pass

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read().decode("utf-8", "replace")

    def close(self) -> None:
        """Make sure the child is gone and its pipes are closed."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


class HammerServer:
    """`tests.helpers.hammer --serve`: starts hammers by forking (see that module)."""

    def __init__(self, folder: Path) -> None:
        self.child = Child("hammer", "--serve", stdin=True)
        self.folder = folder
        self.count = 0

    def start(self, lib: Path, seed: int, compact_every: int = 0) -> Forked:
        self.count += 1
        fifo = self.folder / f"hammer-{self.count}.fifo"
        os.mkfifo(fifo)
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # never blocks; the reads below wait in select
        answer = self.child.send(f"{lib} {seed} {compact_every} {fifo}")
        assert answer.startswith("pid "), answer
        return Forked(self, int(answer.split()[1]), fd)

    def reap(self, pid: int) -> int:
        answer = self.child.send(f"reap {pid}")
        assert answer.startswith("status "), answer
        return int(answer.split()[1])

    def close(self) -> None:
        self.child.close()


class Forked:
    """A hammer forked by a `HammerServer`: read, kill and reap like a `Child`."""

    def __init__(self, server: HammerServer, pid: int, fd: int) -> None:
        self.server, self.pid, self.fd = server, pid, fd
        self.buffer = b""
        self.lines: list[str] = []
        self.returncode: int | None = None

    def wait_for(self, done: object, timeout: float = LINE_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.lines):  # type: ignore[operator]
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"hammer {self.pid} stalled; lines: {self.lines[-3:]}"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                self.read_chunk()

    def acks(self, count: int) -> None:
        self.wait_for(lambda lines: sum(1 for line in lines if line.startswith("ack ")) >= count)

    def read_chunk(self) -> bool:
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        self.lines.extend(line.decode("utf-8") for line in complete)
        return True

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send a signal, have the server reap the hammer, and collect every line it wrote."""
        os.kill(self.pid, sig)
        self.returncode = self.server.reap(self.pid)
        while self.read_chunk():
            pass

    def stderr(self) -> str:
        return "(the fork server's)"

    def close(self) -> None:
        """Make sure the hammer is gone (killed and reaped) and the pipe closed."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.returncode = self.server.reap(self.pid)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
