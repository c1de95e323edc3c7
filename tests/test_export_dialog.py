"""The export dialog on its own, in a tiny app, driven by key presses through Pilot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
from markdown_it import MarkdownIt
from textual.app import App
from textual.widgets import Input, RadioButton, Select, Static

from reader import exporters
from reader.library import Library
from reader.models import Paper, Status
from reader.tui.export_dialog import ConfirmOverwrite, ExportDialog

SIZE = (100, 40)
HOSTILE = "a [/] b [@click=app.quit]x[/] [link=https://evil]y[/link]"


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library.open(tmp_path / "lib")  # writable, as the app holds it
    lib.import_papers(
        [
            Paper(id="2507.00001", title=HOSTILE, arxiv_id="2507.00001", authors=["Ada [b]Lovelace[/b]"]),
            Paper(id="2507.00002", title="Second done paper", arxiv_id="2507.00002"),
            Paper(id="2507.00003", title="Not done", arxiv_id="2507.00003"),
        ]
    )
    lib.set_status(["2507.00001", "2507.00002"], Status.DONE)
    lib.set_notes("2507.00001", "[/] notes with [b]markup[/b]")
    try:
        yield lib
    finally:
        lib.close()


class DialogApp(App[None]):
    """Pushes the dialog on start and remembers what it was dismissed with."""

    def __init__(self, library: Library, filter_ids: list[str] | None = None, day: str | None = "2025-07-31") -> None:
        super().__init__()
        self.library = library
        self.filter_ids = filter_ids
        self.day = day
        self.filter_query: str | None = None
        self.results: list[Path | None] = []
        self.notes: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def on_mount(self) -> None:
        self.push_screen(ExportDialog(self.library, self.filter_ids, self.day, self.filter_query), self.results.append)

    def notify(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.notes.append((args, kwargs))


async def settle(app: DialogApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def path_input(app: DialogApp) -> Input:
    return app.screen.query_one("#export-path", Input)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the test's folder: typed file names are short and relative to it."""
    monkeypatch.chdir(tmp_path)


async def type_path(app: DialogApp, pilot: Any, name: str) -> None:
    field = path_input(app)
    field.focus()
    await pilot.press("ctrl+a", "ctrl+k")  # clear the line (select_on_focus is off)
    await pilot.press(*name)
    assert field.value == name


async def test_enter_writes_the_done_list_as_markdown(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    target = tmp_path / "out [bold] log.md"
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ExportDialog)
        assert path_input(app).value == "done-as-of-2025-07-31.md"
        await type_path(app, pilot, target.name)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportDialog)
    assert app.results == [target]
    tokens = MarkdownIt("commonmark").parse(target.read_text("utf-8"))
    links = [t for t in tokens if t.type == "inline" and t.children and t.children[0].type == "link_open"]
    assert len(links) == 2
    assert "".join(c.content for c in links[0].children[1:-1]) in (HOSTILE, "Second done paper")
    [(args, kwargs)] = app.notes
    assert kwargs.get("markup") is False
    assert args[0] == f"Wrote 2 papers to {target} (Markdown)"


async def test_format_select_changes_format_and_extension(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#export-format", Select).focus()
        await pilot.press("enter", "down", "enter")  # open the menu, Markdown -> BibTeX
        await pilot.pause()
        assert app.screen.query_one("#export-format", Select).value == "bibtex"
        assert path_input(app).value == "done-as-of-2025-07-31.bib"
        app.screen.query_one("#export-ok").focus()
        await pilot.press("enter")
        await settle(app, pilot)
    written = tmp_path / "done-as-of-2025-07-31.bib"
    assert app.results == [written]
    parsed = bibtexparser.parse_string(written.read_text("utf-8"))
    assert not parsed.failed_blocks and len(parsed.entries) == 2


async def test_the_file_name_follows_the_choice_of_papers_until_edited(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library, filter_ids=["2507.00003"])
    app.filter_query = "graph [b] learning"
    async with app.run_test(size=SIZE) as pilot:
        assert path_input(app).value == "done-as-of-2025-07-31.md"
        app.screen.query_one("#export-selection").focus()
        await pilot.press("down", "enter")  # the current filter
        await pilot.pause()
        assert path_input(app).value == "filter-graph-b-learning-as-of-2025-07-31.md"
        await pilot.press("down", "enter")  # all papers
        await pilot.pause()
        assert path_input(app).value == "all-papers-as-of-2025-07-31.md"
        await choose_format(app, pilot, "bibtex")
        assert path_input(app).value == "all-papers-as-of-2025-07-31.bib"
        await type_path(app, pilot, "mine.bib")  # a name the user typed is theirs
        app.screen.query_one("#export-selection").focus()
        await pilot.press("up", "up", "enter")  # back to the done list
        await pilot.pause()
        assert app.screen.selection == "done"  # type: ignore[attr-defined]
        assert path_input(app).value == "mine.bib"


async def test_current_filter_and_all_papers_selections(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library, filter_ids=["2507.00003", "2507.00001"])
    target = tmp_path / "filtered.json"
    async with app.run_test(size=SIZE) as pilot:
        labels = [b.label.plain for b in app.screen.query(RadioButton)]
        assert labels == ["Done list (2 papers)", "Current filter (2 papers)", "All papers (3 papers)"]
        app.screen.query_one("#export-selection").focus()
        await pilot.press("down", "enter")  # done -> current filter
        await pilot.pause()
        assert app.screen.selection == "filter"  # type: ignore[attr-defined]
        await type_path(app, pilot, target.name)  # the extension selects JSON
        assert app.screen.query_one("#export-format", Select).value == "json"
        await pilot.press("enter")
        await settle(app, pilot)
    assert [r["id"] for r in json.loads(target.read_text("utf-8"))] == ["2507.00003", "2507.00001"]

    app = DialogApp(library, filter_ids=None)
    target = tmp_path / "all.csv"
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query_one("#export-filter", RadioButton).disabled
        app.screen.query_one("#export-selection").focus()
        await pilot.press("down", "enter")  # the disabled filter choice is skipped: all papers
        await pilot.pause()
        assert app.screen.selection == "all"  # type: ignore[attr-defined]
        await type_path(app, pilot, target.name)
        await pilot.press("enter")
        await settle(app, pilot)
    assert target.read_bytes().count(b"\r\n") == 4  # header + 3 papers


async def test_existing_file_needs_a_yes(library: Library, tmp_path: Path) -> None:
    target = tmp_path / "log.md"
    target.write_bytes(b"keep me")
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await type_path(app, pilot, target.name)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmOverwrite)
        question = app.screen.query_one("#confirm-question", Static)
        assert str(target) in question.visual.plain  # type: ignore[union-attr]
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportDialog)
        assert target.read_bytes() == b"keep me"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmOverwrite)
        await pilot.press("y")
        await settle(app, pilot)
    assert app.results == [target]
    assert target.read_text("utf-8").startswith("# Reading log")


async def test_escape_cancels_without_writing(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    assert list(tmp_path.iterdir()) == [tmp_path / "lib"]


async def test_missing_folder_is_reported_in_the_dialog(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await type_path(app, pilot, "no [/] such/x.md")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportDialog)
        error = app.screen.query_one("#export-error", Static)
        assert "does not exist" in error.visual.plain  # type: ignore[union-attr]
        assert "[/]" in error.visual.plain  # type: ignore[union-attr]
    assert app.results == []


async def test_empty_selection_writes_and_warns(tmp_path: Path) -> None:
    with Library.open(tmp_path / "empty") as lib:
        lib.import_papers([Paper(id="2507.00009", title="Only in the inbox", arxiv_id="2507.00009")])
        app = DialogApp(lib)
        target = tmp_path / "empty.md"
        async with app.run_test(size=SIZE) as pilot:
            await type_path(app, pilot, target.name)
            await pilot.press("enter")
            await settle(app, pilot)
    assert app.results == [target]
    assert "No papers match." in target.read_text("utf-8")
    [(args, kwargs)] = app.notes
    assert kwargs.get("severity") == "warning" and kwargs.get("markup") is False
    assert args[0].startswith("No papers match: wrote an empty Markdown log")


async def choose_format(app: DialogApp, pilot: Any, fmt: str) -> None:
    """Pick a format from the menu with the keyboard (down from the current one)."""
    select = app.screen.query_one("#export-format", Select)
    names = list(exporters.FORMATS)
    select.focus()
    await pilot.press("enter", *["down"] * (names.index(fmt) - names.index(str(select.value))), "enter")
    await pilot.pause()
    assert select.value == fmt


async def test_every_format_is_offered_and_keeps_the_name_in_step(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        select = app.screen.query_one("#export-format", Select)
        assert [value for _, value in select._options] == list(exporters.FORMATS)
        await choose_format(app, pilot, "ris")
        assert path_input(app).value == "done-as-of-2025-07-31.ris"
        await choose_format(app, pilot, "csl-json")
        assert path_input(app).value == "done-as-of-2025-07-31.csl.json"
        await choose_format(app, pilot, "notes")
        assert path_input(app).value == "paper-notes"
        await type_path(app, pilot, "refs.ris")  # typing an extension picks the format back
        assert select.value == "ris"
        await type_path(app, pilot, "refs.csl.json")
        assert select.value == "csl-json"
        await pilot.press("enter")
        await settle(app, pilot)
    items = json.loads((tmp_path / "refs.csl.json").read_text("utf-8"))
    assert [i["type"] for i in items] == ["article", "article"]


async def test_notes_format_writes_a_folder_and_asks_before_updating(library: Library, tmp_path: Path) -> None:
    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await choose_format(app, pilot, "notes")
        app.screen.query_one("#export-ok").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportDialog)
    folder = tmp_path / "paper-notes"
    assert app.results == [folder]
    notes = sorted(folder.glob("*.md"))
    assert len(notes) == 2
    [(args, kwargs)] = app.notes
    assert args[0] == f"Wrote 2 notes to {folder} (2 new)" and kwargs.get("markup") is False
    mine = "\nmy own [b]text[/b]\n"
    notes[0].write_text(notes[0].read_text("utf-8") + mine, "utf-8")
    library.set_notes("2507.00002", "new notes")

    app = DialogApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await choose_format(app, pilot, "notes")
        await type_path(app, pilot, "paper-notes")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmOverwrite)
        question = app.screen.query_one("#confirm-question", Static)
        assert "2 notes exist in" in str(question.render()) and "Update them?" in str(question.render())
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportDialog)
    assert app.results == [folder]
    assert app.notes[-1][0][0] == f"Wrote 2 notes to {folder} (1 updated, 1 unchanged)"
    assert notes[0].read_text("utf-8").endswith(mine)
    assert sorted(folder.glob("*.md")) == notes
    assert any("new notes" in p.read_text("utf-8") for p in notes)
