"""A big library opens on its newest day at once and is read whole in a thread (issue 15).

The size from which this happens is lowered here, so that the bundled sample day (86 papers)
takes the same path a 100,000-paper library takes; the thread is held until the test lets it
go, so that the first look can be looked at."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

import reader.tui.first_look as first_look_module
from reader.library import Library
from reader.models import Status
from reader.resources import SAMPLE_DAY
from reader.store import LoadError
from reader.tui.app import ReaderApp, open_for_app
from reader.tui.first_look import FirstLook
from reader.tui.papers_screen import PapersScreen
from tests.conftest import edit_record
from tests.helpers.waiting import until

SIZE = (120, 36)


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every library counts as big."""
    monkeypatch.setattr(first_look_module, "FIRST_LOOK_FROM_BYTES", 0)


@pytest.fixture
def root(tmp_path: Path, sample_day_template: Path) -> Path:
    shutil.copytree(sample_day_template, tmp_path / "lib")
    return tmp_path / "lib"


@pytest.fixture
def held(root: Path, big: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Library, threading.Event]]:
    """The library as the app opens a big one, its reading held until the event is set."""
    library = open_for_app(root)
    release = threading.Event()
    read_whole = library.load_all

    def slow_read() -> None:
        assert release.wait(30)
        read_whole()

    monkeypatch.setattr(library, "load_all", slow_read)
    try:
        yield library, release
    finally:
        release.set()
        library.close()


def text_of(app: ReaderApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_newest_day_is_drawn_before_the_library_is_read_then_the_keys_work(
    held: tuple[Library, threading.Event],
) -> None:
    library, release = held
    first = library.ids(day=SAMPLE_DAY)[0]
    title = library.head(first).title
    app = ReaderApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstLook)
        top = app.screen.query_one("#first-look-top", Static).visual.plain  # type: ignore[union-attr]
        assert top == "Jul 31 · 86 papers · reading the whole library…"
        assert title[:60] in text_of(app)
        assert not library.loaded  # drawn from the day's records alone
        await pilot.press("t", "d", "question_mark")  # the keys wait: nothing changes, no help
        assert library.status(first) is Status.INBOX
        assert isinstance(app.screen, FirstLook)

        release.set()
        await until(pilot, lambda: isinstance(app.screen, PapersScreen))
        assert library.loaded
        assert app.papers_screen.current_id == first
        await pilot.press("t")
        assert library.status(first) is Status.TO_READ


async def test_paper_text_in_the_first_look_is_one_literal_line(
    root: Path, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title edited by hand (markup, escape sequences, a newline) is drawn as its plain text, on
    its paper's line; the command palette opens and closes over the first look."""
    with Library.open(root) as plain_open:
        first = plain_open.ids(day=SAMPLE_DAY)[0]
    edit_record(root / "index.json", "index", first, title="[b]Bold[/b] \x1b[2J$var\nsecond [@click=app.quit]x[/]")
    library = open_for_app(root)
    release = threading.Event()
    read_whole = library.load_all
    monkeypatch.setattr(library, "load_all", lambda: (release.wait(30), read_whole()))
    try:
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, FirstLook)
            lines = text_of(app).splitlines()
            shown = next(line for line in lines if "Bold" in line)
            assert "[b]Bold[/b] $var second [@click=app.quit]x[/]" in shown
            assert not any("\x1b" in line for line in lines)
            await pilot.press("ctrl+p")
            await pilot.press("escape")
            assert app.is_running and isinstance(app.screen, FirstLook)
            release.set()
            await until(pilot, lambda: isinstance(app.screen, PapersScreen))
    finally:
        release.set()
        library.close()


async def test_q_during_the_first_look_quits(held: tuple[Library, threading.Event]) -> None:
    library, _release = held
    app = ReaderApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert app.load_error is None


async def test_a_library_that_cannot_be_read_ends_the_app_with_the_load_error(
    root: Path, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = open_for_app(root)
    try:

        def broken() -> None:
            raise LoadError(f"cannot read {root / 'state.json'}: entry 'x' is not an object")

        monkeypatch.setattr(library, "load_all", broken)
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: not app.is_running)
        assert isinstance(app.load_error, LoadError)  # run_app raises it: the CLI's one-line error
    finally:
        library.close()


def test_a_small_library_is_read_whole_before_the_app_starts(root: Path) -> None:
    library = open_for_app(root)
    try:
        assert library.loaded
        assert not first_look_module.wants_first_look(library)
    finally:
        library.close()


def test_the_first_look_reads_the_day_s_states_in_one_pass(root: Path, big: None) -> None:
    """One search of the state file per paper took ~700 ms at 100,000 papers when the state's
    sidecar was stale (a copied library): the day's states are read together."""
    with Library.open(root) as library:
        day_ids = library.ids(day=library.latest_day())
        library.set_status(day_ids[:3], Status.DONE)
        library.set_status(day_ids[5], Status.READING)
        expected = [library.status(pid) for pid in day_ids]
    library = open_for_app(root)
    try:
        assert not library.loaded
        reads: list[int] = []
        store_get = library.store.get

        def counted(key: str, ids: Any) -> Any:
            ids = list(ids)
            if key == "state":
                reads.append(len(ids))
            return store_get(key, ids)

        library.store.get = counted  # type: ignore[method-assign]
        _day, rows = first_look_module.first_look_rows(library)
        assert [row.status for row in rows] == expected
        assert reads == [len(day_ids)]
    finally:
        library.close()
