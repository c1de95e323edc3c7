"""Command-palette entries (ctrl+p) for every action, and a jump to any paper in the list.

Every prompt is built as `Content`: the palette would parse a plain string as markup, and
paper titles are untrusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from reader.tui import safe
from reader.tui.detail import day_label

if TYPE_CHECKING:
    from reader.tui.papers_screen import PapersScreen

MAX_PAPER_HITS = 500
"""Papers of the current list offered for jumping (fuzzy matching is per candidate)."""
MAX_LIBRARY_HITS = 50
"""Title matches from the whole library offered besides the current list."""


@dataclass(frozen=True, slots=True)
class Command:
    """One palette entry: what it is called, what it does, and how."""

    title: str
    help: str
    run: Callable[[], object]


def screen_commands(screen: PapersScreen) -> list[Command]:
    """The palette entries for the papers screen, in a sensible discovery order."""
    run = screen.run_from_palette
    commands = [
        Command(
            "Move to to-read", "Triage: the highlighted paper goes to to-read (t)", partial(run, "status('to-read')")
        ),
        Command("Move to reading", "The highlighted paper is being read (r)", partial(run, "status('reading')")),
        Command("Move to done", "The highlighted paper is done (d)", partial(run, "status('done')")),
        Command("Skip paper", "Skip the highlighted paper (x)", partial(run, "status('skipped')")),
        Command("Back to inbox", "Put the highlighted paper back in the inbox (i)", partial(run, "status('inbox')")),
        Command("Undo", "Undo the last status, tag or note change (u)", partial(run, "undo")),
        Command("Redo", "Redo what was undone (U)", partial(run, "redo")),
        Command("Toggle board", "Switch between the list and the board (b)", partial(run, "toggle_board")),
        Command("Toggle auto-advance", "Move on after each decision, or stay (a)", partial(run, "toggle_auto")),
        Command("Edit notes", "Write notes on the highlighted paper (n)", partial(run, "notes")),
        Command("Edit tags", "Edit the highlighted paper's tags (#)", partial(run, "tags")),
        Command("Open in browser", "Open the paper's page (o)", partial(run, "open")),
        Command("Open PDF", "Open the paper's PDF (p)", partial(run, "pdf")),
        Command("Filter", "Filter the papers as you type (/)", partial(run, "filter")),
        Command("Previous day", "The previous featured day ([)", partial(run, "day(-1)")),
        Command("Next day", "The next featured day (])", partial(run, "day(1)")),
        Command("Help", "Every key (?)", partial(screen.app.run_action, "help")),
    ]
    from reader.tui.papers_screen import VIEWS

    for number, view in enumerate(VIEWS, 1):
        commands.append(Command(f"View: {view.label}", f"Show {view.label} ({number})", partial(screen.set_view, view)))
    for day in reversed(screen.library.days()):
        commands.append(
            Command(f"Day: {day_label(day)}", f"Show the papers featured on {day}", partial(screen.set_day, day))
        )
    if screen.check_action("export", ()):
        commands.append(Command("Export", "Export papers to Markdown, BibTeX, CSV or JSON (e)", partial(run, "export")))
    if screen.check_action("fetch", ()):
        commands.append(Command("Fetch latest papers", "Fetch the newest daily papers (F)", partial(run, "fetch")))
    return commands


class ReaderCommands(Provider):
    """Reader actions, views, days and papers for the command palette."""

    def _screen(self) -> PapersScreen | None:
        from reader.tui.papers_screen import PapersScreen

        screen = self.screen
        return screen if isinstance(screen, PapersScreen) else None

    async def discover(self) -> Hits:
        screen = self._screen()
        if screen is None:
            return
        for command in screen_commands(screen):
            yield DiscoveryHit(Content(command.title), command.run, text=command.title, help=Content(command.help))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        screen = self._screen()
        if screen is None:
            return
        matcher = self.matcher(query)
        for command in screen_commands(screen):
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    _highlight(command.title, query, matcher),
                    command.run,
                    command.title,
                    Content(command.help),  # type: ignore[arg-type]
                )
        for pid in paper_candidates(screen, query):
            title = safe.plain(screen.library.paper(pid).title)
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score * 0.9,
                    _highlight(title, query, matcher),
                    partial(screen.go_to_paper, pid),
                    title,
                    Content(f"Go to this paper · {pid}"),  # type: ignore[arg-type]
                )


def paper_candidates(screen: PapersScreen, query: str) -> list[str]:
    """Papers worth offering: the list on screen first, then title matches in the library."""
    seen = dict.fromkeys(screen.active_list.ids[:MAX_PAPER_HITS])
    if len(query.strip()) >= 2:
        seen.update(dict.fromkeys(screen.title_matches(query, MAX_LIBRARY_HITS)))
    return [pid for pid in seen if pid in screen.library]


def _highlight(text: str, query: str, matcher: object) -> Content:
    """`text` literally, with the fuzzy-matched letters styled (never parsed as markup)."""
    content = Content(text)
    fuzzy = getattr(matcher, "fuzzy_search", None)
    if fuzzy is None:
        return content
    score, offsets = fuzzy.match(query, text)
    if score:
        for offset in offsets:
            if offset < len(text) and not text[offset].isspace():
                content = content.stylize("reverse", offset, offset + 1)
    return content
