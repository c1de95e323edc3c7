"""Command-palette entries (ctrl+p) for every action, and a jump to any paper in the list.

Every prompt is built as `Content`: the palette would parse a plain string as markup, and
paper titles are untrusted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import parse as parse_action
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from reader import text
from reader.tui import safe

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


PALETTE_TITLES: dict[str, str] = {
    "papers.status-to-read": "Move to to-read",
    "papers.status-reading": "Move to reading",
    "papers.status-done": "Move to done",
    "papers.status-skipped": "Skip paper",
    "papers.status-inbox": "Back to inbox",
    "papers.move-previous": "Move to the column on the left",
    "papers.move-next": "Move to the column on the right",
    "papers.toggle-auto": "Toggle auto-advance",
    "papers.notes": "Edit notes",
    "papers.tags": "Edit tags",
    "papers.mark": "Mark paper",
    "papers.mark-all": "Mark all papers, or clear the marks",
    "papers.cycle-sort": "Sort: next order",
    "papers.open": "Open in browser",
    "papers.pdf": "Open PDF",
    "papers.toggle-board": "Toggle board",
    "papers.cycle-view": "Next view",
    "papers.export": "Export",
    "papers.fetch": "Fetch latest papers",
    "papers.snooze": "Snooze paper",
    "papers.review": "Review stale papers",
    "papers.stats": "Reading stats",
    "papers.sync": "Sync now",
}
"""Palette names where a binding's footer label is too short to say what it does."""

NOT_IN_PALETTE = {"papers.scroll-detail-next", "papers.scroll-detail-previous"}
"""Bindings that only make sense as keys. Views get their own entries (with their labels)."""


def binding_commands(screen: PapersScreen) -> list[Command]:
    """A palette entry for every binding of the screen (and the app's help) that can run now:
    the title, the help with the key, the action, all taken from the binding itself."""
    from reader.tui.help_screen import key_label

    commands = []
    for binding in [*_bindings(type(screen).BINDINGS), *_bindings(type(screen.app).BINDINGS)]:
        ident = binding.id or ""
        if ident in NOT_IN_PALETTE or ident.startswith("papers.view-") or ident == "quit":
            continue
        _namespace, name, params = parse_action(binding.action)
        if ident.startswith("papers.") and screen.can_run(name, params) is False:
            continue
        title = PALETTE_TITLES.get(ident, binding.description)
        help_text = f"{binding.tooltip or binding.description} ({key_label(screen.app, binding)})"  # type: ignore[arg-type]
        run: Callable[[], object] = (
            partial(screen.run_from_palette, binding.action)
            if ident.startswith("papers.")
            else partial(screen.app.run_action, binding.action)
        )
        commands.append(Command(title, help_text, run))
    return commands


def screen_commands(screen: PapersScreen) -> list[Command]:
    """The palette entries for the papers screen: its bindings, then views and days."""
    commands = binding_commands(screen)
    from reader.tui.papers_screen import VIEWS

    for number, view in enumerate(VIEWS, 1):
        commands.append(Command(f"View: {view.label}", f"Show {view.label} ({number})", partial(screen.set_view, view)))
    for day in reversed(screen.library.days()):
        commands.append(
            Command(
                f"Day: {text.day_label(day) or safe.plain(day)}",
                f"Show the papers featured on {day}",
                partial(screen.set_day, day),
            )
        )
    return commands


def _bindings(entries: Iterable[BindingType]) -> list[Binding]:
    return [entry if isinstance(entry, Binding) else Binding(*entry) for entry in entries]


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
