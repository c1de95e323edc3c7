"""The reader app: triage the day from the keyboard, read on a board, write notes.

`run_app` opens the library (a locked or unreadable library raises before the app starts, so
the command line prints one line and exits non-zero), runs `ReaderApp` and closes the library.
Notes are saved on quit, on SIGTERM/SIGHUP and when the app's widgets go away.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from reader.library import Library
from reader.resources import bundled
from reader.tui.allocator import tune_allocator
from reader.tui.commands import ReaderCommands
from reader.tui.external_editor import EditorError
from reader.tui.first_look import FirstLook, LibraryRead, wake_today, wants_first_look
from reader.tui.idle_gc import CHECK_EVERY, IdleCollector
from reader.tui.keys import install_escape_aware_parser

if TYPE_CHECKING:
    from reader.tui.help_screen import HelpSection
    from reader.tui.papers_screen import PapersScreen

DEMO_TITLE = "reader — demo (throwaway library)"


class ReaderApp(App[None]):
    """Triage, board, detail and notes over one open library."""

    CSS_PATH = str(bundled("styles") / "app.tcss")
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {ReaderCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Save the notes and quit", id="quit"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key, grouped", id="help"),
    ]

    def __init__(
        self,
        library: Library,
        *,
        demo: bool = False,
        browser_open: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.browser_open: Callable[[str], object] = browser_open or webbrowser.open
        """Opens a URL; tests replace it so that no browser starts."""
        self.demo = demo
        self.idle_gc = IdleCollector()
        """Full garbage collections while no key comes (`reader.tui.idle_gc`)."""
        if demo:
            self.title = DEMO_TITLE
        self.sub_title = str(library.root)
        self._quit_armed = False
        self.first_look: FirstLook | None = None
        self.load_error: Exception | None = None
        """Why the library could not be read whole (a big library is read after the first frame)."""

    @contextlib.contextmanager
    def editor_session(self) -> Iterator[None]:
        """Hand the terminal to an external editor (ctrl+e in the notes); tests replace this."""
        try:
            with self.suspend():
                yield
        except SuspendNotSupported:
            raise EditorError("This terminal cannot hand itself to an editor; the notes are unchanged") from None

    def get_default_screen(self) -> Screen[None]:
        if self.library.loaded:
            from reader.tui.papers_screen import PapersScreen

            return PapersScreen(self.library)
        self.first_look = FirstLook(self.library)  # a big library: its newest day first, the rest in a thread
        return self.first_look

    def on_library_read(self, message: LibraryRead) -> None:
        """The first look's thread has read the library: open the papers screen in its place
        (or end, and let `run_app` raise what went wrong, as a full open would have)."""
        if message.error is None:
            try:
                wake_today(self.library)
            except Exception as exc:
                message.error = exc
        if message.error is not None:
            self.load_error = message.error
            self.exit()
            return
        from reader.tui.papers_screen import PapersScreen  # imported by the reading thread already

        self.push_screen(PapersScreen(self.library))  # over the first look, which stays below, inert

    @property
    def papers_screen(self) -> PapersScreen:
        from reader.tui.papers_screen import PapersScreen

        for screen in self.screen_stack:  # the bottom one, or the one over the first look
            if isinstance(screen, PapersScreen):
                return screen
        raise AssertionError("the papers screen is not open yet")

    # -- notes are never lost ------------------------------------------------------------------

    def flush_notes(self) -> bool:
        """Save unsaved notes; True when nothing is left unsaved."""
        try:
            screen = self.papers_screen
        except (AssertionError, IndexError):
            return True
        return screen.flush_notes()

    async def action_quit(self) -> None:
        """Save the notes and quit; if saving fails, warn once (a second ctrl+q quits anyway)."""
        if self.flush_notes() or self._quit_armed:
            if self._sync_before_quit():
                return  # the sync worker quits when it is done (a second ctrl+q quits at once)
            self.exit()
            return
        self._quit_armed = True
        self.notify(
            "The notes could not be saved. Copy them somewhere, or press ctrl+q again to quit without them.",
            title="Notes not saved",
            severity="error",
            markup=False,
            timeout=15,
        )

    def _sync_before_quit(self) -> bool:
        """Send our changes before leaving (in a worker), if the library syncs; False: quit now."""
        try:
            screen = self.papers_screen
        except (AssertionError, IndexError):
            return False
        if screen.syncing:
            return False
        return screen.start_sync(quitting=True, quiet=True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle_gc.touched()
        await super().on_event(event)

    def on_mount(self) -> None:
        self.idle_gc.start()
        self.set_interval(CHECK_EVERY, self.idle_gc.tick, name="idle garbage collection")
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(sig, self._on_signal)

    def on_unmount(self) -> None:
        self.idle_gc.stop()
        self.flush_notes()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def _on_signal(self) -> None:
        """SIGTERM/SIGHUP/SIGINT: save what was typed, then leave (SIGINT comes from `kill -INT`: in
        the app ctrl+c is a key; left to Python, it would raise wherever the app happened to be)."""
        self.flush_notes()
        self.exit()

    def on_terminal_gone(self) -> None:
        """The terminal was hung up (its window closed) without a SIGHUP reaching us: as SIGHUP."""
        self._on_signal()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux and macOS, the one that ends the app
        when the terminal goes away (`reader.tui.terminal`)."""
        driver_class = super().get_driver_class()
        if driver_class.__module__ == "textual.drivers.linux_driver" and driver_class.__name__ == "LinuxDriver":
            from reader.tui.terminal import HangUpSafeDriver

            return HangUpSafeDriver
        return driver_class

    # -- help ----------------------------------------------------------------------------------

    def help_sections(self) -> list[HelpSection]:
        """The bindings the help screen lists, grouped by where they work."""
        from reader.tui.board import Board
        from reader.tui.notes import NotesEditor
        from reader.tui.papers_screen import FilterInput, PapersScreen
        from reader.tui.triage_list import list_bindings

        palette = Binding(self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette", tooltip="Every action")
        return [
            ("Papers and board", PapersScreen.BINDINGS),
            ("Moving in a list", list_bindings()),
            ("Board", Board.BINDINGS),
            (
                "Filter line",
                [*FilterInput.BINDINGS, Binding("enter", "submit", "Back to the list, keeping the filter")],
            ),
            ("Notes editor", NotesEditor.BINDINGS),
            ("Everywhere", [*self.BINDINGS, palette]),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Help lists the papers screen's keys: not offered during the first look."""
        if action == "help" and isinstance(self.screen, FirstLook):
            return False
        return super().check_action(action, parameters)

    def action_help(self) -> None:
        """Show every key."""
        from reader.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections()))


def open_for_app(db: Path | None) -> Library:
    """Open the library as the app does: whole, or (a big one) lazily, to be drawn first and read
    in a thread (`FirstLook`). Errors in what is read now raise before the app starts."""
    tune_allocator()  # before the library is read: its parse is the first big temporary block
    library = Library.open(db, holder="app", lazy=True)
    try:
        if not wants_first_look(library):
            library.load_all()
            wake_today(library)
    except BaseException:
        library.close()
        raise
    return library


def run_app(db: Path | None, *, demo: bool = False) -> None:
    """Open the library (errors raise before the app starts), run the app, close the library."""
    from reader.tui.paste import install

    install()  # pasted text with escape sequences in it keeps its order
    library = open_for_app(db)
    try:
        install_escape_aware_parser()
        app = ReaderApp(library, demo=demo)
        app.run()
        app.flush_notes()
        if app.first_look is not None and app.first_look.loader.is_alive():
            app.first_look.loader.join()  # quit during the first look: the reading ends before the close
        if app.load_error is not None:
            raise app.load_error
    finally:
        library.close()
    if app.return_code:  # the app crashed (Textual printed the error): never exit 0
        raise SystemExit(app.return_code)
