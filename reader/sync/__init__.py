"""Sync across machines through a shared folder (git, Syncthing, Dropbox, a network folder).

`crdt` holds the merge rules, `local` the library-folder side (id, stamping hook, outbox),
`engine` the sync-folder side (logs, snapshots, acknowledgements), `git` the git transport.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reader.store import read_settings, write_settings
from reader.sync.engine import FOLDER_KEY, Result, Syncer, SyncError, check_folder

if TYPE_CHECKING:
    from reader.library import Library

__all__ = ["FOLDER_KEY", "Result", "SyncError", "Syncer", "configured_folder", "set_folder", "sync_now"]


def configured_folder(root: Path) -> Path | None:
    """The sync folder the library was given (`reader sync --folder`), or None."""
    value = read_settings(root).get(FOLDER_KEY)
    return Path(value) if isinstance(value, str) and value else None


def set_folder(library: Library, folder: Path) -> Path:
    """Check and remember the library's sync folder; return it resolved."""
    from reader.sync.local import SyncHooks, make_identity

    resolved = check_folder(folder, library.root)
    machine, host = make_identity(library.root)
    if library.sync_hooks is None:
        library.sync_hooks = SyncHooks(library.root, machine, host)
    settings = read_settings(library.root)
    if settings.get(FOLDER_KEY) != str(resolved):
        settings[FOLDER_KEY] = str(resolved)
        write_settings(library.store, settings)
    return resolved


def sync_now(library: Library, folder: Path | None = None) -> Result:
    """Sync the library with its folder (given, else the configured one), through git when the
    folder is in a git working copy; raises `SyncError` with one line on a problem."""
    from reader.sync.git import Git

    target = folder if folder is not None else configured_folder(library.root)
    if target is None:
        raise SyncError("no sync folder set; choose one with: reader sync --folder PATH")
    syncer = Syncer(library, target)
    git = Git.find(syncer.folder)
    return syncer.run(git)
