"""Sync in the app: on start, on quit, and with `R` (or the palette's "Sync now").

`SyncActions` is mixed into the papers screen. The library is read (`prepare`) and merged into
(`apply`) only here on the UI thread; a worker does everything else (writing our log, git,
reading the other machines' logs) and posts a message. A key is never blocked by a sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message

from reader.browse import Landing
from reader.tui import safe

if TYPE_CHECKING:
    from reader.sync.engine import Incoming, Syncer
    from reader.tui.papers_screen import PapersScreen

SYNC_BINDINGS: list[BindingType] = [
    Binding(
        "R", "sync", "Sync", show=False, tooltip="Sync with the other machines now (reader sync --folder sets it up)"
    ),
]


class SyncLanded(Message):
    """The worker sent our changes and read the others' (not merged yet), or failed."""

    def __init__(
        self, syncer: Syncer | None, incoming: Incoming | None, sent: int, git: Any, error: str | None
    ) -> None:
        super().__init__()
        self.syncer, self.incoming, self.sent, self.git, self.error = syncer, incoming, sent, git, error


class SyncDone(Message):
    """A sync is over: its one-line summary, or its error."""

    def __init__(self, text: str, error: bool, quitting: bool, result: Any = None) -> None:
        super().__init__()
        self.text, self.error, self.quitting, self.result = text, error, quitting, result


class SyncActions:
    """The papers screen's sync (a mixin: `self` is the `PapersScreen`)."""

    syncing: bool = False
    _sync_quitting: bool = False
    last_sync: str = ""
    """The last sync's summary or error (tests read it)."""

    def _sync_screen(self) -> PapersScreen:
        return cast("PapersScreen", self)

    def start_sync(self, *, quitting: bool = False, quiet: bool = False) -> bool:
        """Start a sync if the library has a sync folder; False when there is none (or one runs)."""
        from reader.sync import Syncer, SyncError, configured_folder

        screen = self._sync_screen()
        if self.syncing or screen.library.readonly:
            return False
        try:
            folder = configured_folder(screen.library.root)
            if folder is None:
                if not quiet:
                    screen.app.notify(
                        "No sync folder yet: run `reader sync --folder PATH` once", markup=False, timeout=5
                    )
                return False
            syncer = Syncer(screen.library, folder)
            outgoing = syncer.prepare()
        except (SyncError, OSError, ValueError) as exc:
            if not quiet:
                screen.app.notify(safe.plain(str(exc)), title="Sync failed", severity="error", markup=False, timeout=8)
            return False
        except Exception as exc:  # a damaged settings file, a write error: the session goes on
            if not quiet:
                screen.app.notify(safe.plain(str(exc)), title="Sync failed", severity="error", markup=False, timeout=8)
            return False
        self.syncing = True
        self._sync_quitting = quitting
        self.sync_send_worker(syncer, outgoing, quitting)
        return True

    def action_sync(self) -> None:
        """Sync with the other machines now."""
        if self.syncing:
            self._sync_screen().app.notify("A sync is already running", markup=False, timeout=3)
            return
        self.start_sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False, description="sync: send")
    def sync_send_worker(self, syncer: Syncer, outgoing: Any, quitting: bool) -> None:
        """Write our log, commit and pull (git), read the others' logs: no library access here."""
        from reader.sync import SyncError
        from reader.sync.git import Git

        screen = self._sync_screen()
        try:
            sent = syncer.send(outgoing)
            git = Git.find(syncer.folder)
            if git is not None:
                git.commit(syncer.source, "reader sync: send")
                if quitting:
                    git.pull()
                    git.push()
                else:
                    git.pull()
            incoming = None if quitting else syncer.receive()
        except (SyncError, OSError) as exc:
            screen.post_message(SyncLanded(None, None, 0, None, str(exc)))
            return
        screen.post_message(SyncLanded(syncer, incoming, sent, git, None))

    def on_sync_landed(self, message: SyncLanded) -> None:
        """Merge what the other machines sent (here, on the UI thread), then let a worker finish."""
        message.stop()
        screen = self._sync_screen()
        if message.error is not None or message.syncer is None:
            screen.post_message(SyncDone(message.error or "sync failed", True, self._sync_quitting))
            return
        if message.incoming is None:  # quitting: sent only
            screen.post_message(SyncDone(f"sent {message.sent}", False, True))
            return
        try:
            applied = message.syncer.apply(message.incoming)
        except Exception as exc:  # a write error: nothing is acknowledged as read, the next sync retries
            screen.post_message(SyncDone(str(exc), True, False))
            return
        if applied:
            editor = screen.detail.editor
            if editor.paper_id is not None and editor.paper_id in message.incoming.states:
                editor.reload(screen.library.state(editor.paper_id).notes)
            screen.browse.changed(Landing(keep=screen.current_id))
            screen.detail.show(screen.current_id)
        self.sync_finish_worker(message.syncer, message.incoming, message.git, message.sent, applied)

    @work(thread=True, exclusive=True, group="sync-finish", exit_on_error=False, description="sync: finish")
    def sync_finish_worker(self, syncer: Syncer, incoming: Incoming, git: Any, sent: int, applied: int) -> None:
        from reader.sync import Result, SyncError

        screen = self._sync_screen()
        result = Result(sent, applied, len(incoming.machines), 0, incoming.warnings)
        try:
            syncer.finish(incoming)
            if git is not None:
                git.commit(syncer.source, "reader sync: acknowledge")
                git.push()
        except (SyncError, OSError) as exc:
            screen.post_message(SyncDone(str(exc), True, False))
            return
        screen.post_message(SyncDone("", False, False, result))

    def on_sync_done(self, message: SyncDone) -> None:
        message.stop()
        screen = self._sync_screen()
        self.syncing = False
        if message.quitting:
            screen.app.exit()
            return
        text = message.text
        if message.result is not None:
            from reader.sync.engine import conflicts

            message.result.conflicts = conflicts(screen.library)
            text = " · ".join([message.result.summary(), *message.result.warnings])
        self.last_sync = text
        screen.app.notify(
            safe.plain(text),
            title="Sync failed" if message.error else "Synced",
            severity="error" if message.error else "information",
            markup=False,
            timeout=8 if message.error else 4,
        )
