"""Writing a file atomically and durably: the one way `reader` replaces a file.

The library's files (`reader.store`) and exported documents (`reader.exporters`) both go
through `atomic_write_bytes`: the bytes go to a temporary file in the same folder, which is
flushed, fsynced and renamed over the target, and the folder is fsynced. A crash leaves the
old file or the new one, never a torn one. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FolderSyncFailed", "atomic_write_bytes", "atomic_write_parts", "fsync_dir", "temp_file_in"]


def fsync_dir(path: Path) -> None:
    """Make a rename (or a new file) in folder `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderSyncFailed(OSError):
    """The rename happened but fsyncing the folder failed (carries the original `OSError`).

    An `OSError` itself, so callers that only catch `OSError` (exports) still report it.
    """

    def __init__(self, error: OSError) -> None:
        super().__init__(error.errno, error.strerror)
        self.error = error


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_read_umask()
"""What a new file gets, as `open()` would give it (read once, at import: umask is per process)."""


def _mode_for(path: Path) -> int:
    """The permissions the file has now, or those of a new file (mkstemp would make it 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def temp_file_in(folder: Path, prefix: str, suffix: str = ".tmp") -> tuple[int, str]:
    """A new file of our own in `folder` (created exclusively, mode 0600), open for writing:
    what `tempfile.mkstemp` does, without importing `tempfile` (with `shutil` and `random`,
    ~8 ms of every command's start)."""
    for _attempt in range(100):
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name in {folder}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably; on error the old file is intact.

    If only the final fsync of the folder fails, the file has already been replaced but the
    rename may not survive a crash: `FolderSyncFailed` says so.
    """
    atomic_write_parts(path, (data,))


def atomic_write_parts(path: Path, parts: Iterable[bytes]) -> int:
    """`atomic_write_bytes` of the parts one after the other, as they come (a generator's
    parts are written while it makes the next: a big file is never whole in memory).
    Returns the size written. Should the parts raise, the old file is intact."""
    folder = path.parent
    fd, tmp_name = temp_file_in(folder, f".{path.name}.")
    tmp = Path(tmp_name)
    size = 0
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part)
                size += len(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        fsync_dir(folder)
    except OSError as exc:
        raise FolderSyncFailed(exc) from exc
    return size
