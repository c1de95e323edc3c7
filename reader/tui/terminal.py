"""The terminal driver: the app ends, saving what was typed, when its terminal goes away.

When the terminal window is closed (or an SSH connection drops) the kernel hangs the terminal
up: it sends SIGHUP, and every read and write on it fails with EIO from then on. Textual's
driver writes through a thread whose loop dies on the first failed write; the app's shutdown
then queues more writes than the queue holds and waits forever, deaf to SIGTERM (its handlers
run on the blocked event loop), while nothing ever reaches the gone terminal. And its input
thread turns the failed read into a crash report.

`HangUpSafeDriver` is Textual's Linux driver with both ends made safe: output to a terminal
that is gone is dropped, and a failed read (EIO) or end of input on the terminal asks the app
to save the notes and exit, the same as SIGHUP does.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver

__all__ = ["HangUpSafeDriver", "SafeTerminalFile"]

GONE = (errno.EIO, errno.ENXIO, errno.EBADF, errno.EPIPE)
"""The errors of a terminal that has been hung up or closed."""


class SafeTerminalFile:
    """The terminal as the driver's writer thread sees it: writes that fail because the terminal
    is gone are dropped (once, `on_gone` is called), instead of ending the writer thread."""

    def __init__(self, file: IO[str], on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def _failed(self, exc: OSError) -> None:
        if exc.errno not in GONE:
            raise exc
        if not self.gone:
            self.gone = True
            self._on_gone()

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self._file.write(text)
        except OSError as exc:
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._file.flush()
        except OSError as exc:
            self._failed(exc)

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class HangUpSafeDriver(LinuxDriver):
    """Textual's Linux driver that survives, and reports, a terminal that goes away."""

    _hung_up = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._file is not None:  # what the writer thread writes to
            self._file = SafeTerminalFile(self._file, self.terminal_gone)  # type: ignore[assignment]

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError as exc:
            if exc.errno not in GONE:
                raise
            self.terminal_gone()

    def terminal_gone(self) -> None:
        """The terminal was hung up (called from the driver's threads): save and leave, once."""
        if self._hung_up:
            return
        self._hung_up = True
        self.exit_event.set()  # the input thread stops reading
        on_hang_up = getattr(self._app, "on_terminal_gone", None)
        if on_hang_up is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(on_hang_up)
