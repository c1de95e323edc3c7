"""The backlog in the app, through key presses: catch-up, seen, snooze, the cap, review, ages, stats."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from reader.library import Library
from reader.models import Status, UserState
from reader.tui import backlog_ui
from reader.tui.app import ReaderApp
from reader.tui.backlog_ui import ParkDialog, ReviewScreen, SnoozeDialog
from reader.tui.papers_screen import PapersScreen
from reader.tui.stats_screen import StatsScreen
from tests.test_backlog import TODAY, build

SIZE = (120, 40)


@pytest.fixture
def lib(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("READER_TODAY", TODAY)
    build(lib_path)
    return lib_path


def text_of(app: ReaderApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def top_line(screen: PapersScreen) -> str:
    return screen.query_one("#progress", Static).visual.plain  # type: ignore[union-attr]


async def test_the_app_opens_on_catch_up_with_day_separators(lib: Path) -> None:
    with Library.open(lib) as library:
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.papers_screen
            assert screen.view.name == "catch-up"
            assert screen.paper_list.ids == ["c2", "c1", "b2", "b3", "b4", "u1"]
            text = text_of(app)
            assert "catch-up · 6" in text
            assert "── Jul 31 · 2 left" in text and "── Jul 30 · 3 left" in text
            assert text.index("Jul 31 · 2 left") < text.index("Paper c2") < text.index("Jul 30 · 3 left")
            assert "6 new since last session" in top_line(screen)
            # the cursor walks papers only: separators are skipped
            await pilot.press("j", "j")
            assert screen.paper_list.current_id == "b2"
            await pilot.press("x")  # triage from catch-up: the paper leaves, the day's count drops
            await pilot.pause()
            assert library.status("b2") is Status.SKIPPED
            assert "── Jul 30 · 2 left" in text_of(app) and screen.paper_list.current_id == "b3"
            await pilot.press("7")  # the inbox of the day has its own key
            await pilot.pause()
            assert screen.view.name == "inbox" and screen.paper_list.ids == ["c2", "c1"]
            assert "Jul 31 · 2 left" not in text_of(app)
            await pilot.press("1")
            await pilot.pause()
            assert screen.view.name == "catch-up" and len(screen.paper_list.ids) == 5


async def test_a_paper_is_seen_after_the_cursor_rests_and_saved_in_one_batch(
    lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backlog_ui, "SEEN_DELAY", 0.0)
    writes: list[object] = []
    with Library.open(lib) as library:
        real = library.store.put_states

        def counted(docs: dict[str, object]) -> None:
            writes.append(sorted(docs))
            real(docs)  # type: ignore[arg-type]

        monkeypatch.setattr(library.store, "put_states", counted)
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("j")
            await pilot.pause()
            assert writes == []  # nothing written per key: seen papers wait for the batch
            await app.action_quit()
        assert writes == [["c1", "c2"]]
        assert library.state("c2").seen_at and library.state("c1").seen_at and library.state("b2").seen_at is None
    with Library.open(lib) as library:
        app = ReaderApp(library)
        async with app.run_test(size=SIZE):
            assert "4 new since last session" in top_line(app.papers_screen)


async def test_snooze_from_the_app_undo_and_the_return_day(lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(lib) as library:
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.papers_screen
            await pilot.press("z")
            await pilot.pause()
            assert isinstance(app.screen, SnoozeDialog)
            assert "Sat Aug 2" in text_of(app)  # tomorrow, by the injected clock
            await pilot.press("escape")
            await pilot.pause()
            assert library.status("c2") is Status.INBOX
            await pilot.press("z", "down", "down", "enter")  # "A day…": type one
            await pilot.press(*"2025-07-01", "enter")
            await pilot.pause()
            assert isinstance(app.screen, SnoozeDialog) and "not after today" in text_of(app)
            app.screen.query_one("#snooze-day", Input).value = ""
            await pilot.press(*"+3d", "enter")
            await pilot.pause()
            assert isinstance(app.screen, PapersScreen)
            state = library.state("c2")
            assert state.status is Status.SNOOZED and state.snoozed_until == "2025-08-04"
            assert "c2" not in screen.paper_list.ids and screen.paper_list.current_id == "c1"
            await pilot.press("u")
            await pilot.pause()
            assert library.status("c2") is Status.INBOX and screen.paper_list.ids[0] == "c2"
            await pilot.press("U", "8")  # redo; 8 is the snoozed view
            await pilot.pause()
            assert screen.view.name == "snoozed" and screen.paper_list.ids == ["c2"]
            assert "until 2025-08-04 (snoozed" in text_of(app)
    monkeypatch.setenv("READER_TODAY", "2025-08-04")
    with Library.open(lib) as library:  # the app's library opens on the return day
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.papers_screen.paper_list.ids[0] == "c2" and library.status("c2") is Status.INBOX
            assert "back since 2025-08-04" in text_of(app)


async def test_reading_cap_asks_which_paper_to_park(lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_READING_CAP", "1")
    with Library.open(lib) as library:
        library.set_status("b3", Status.READING)
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")  # c2 to reading: reading is full
            await pilot.pause()
            assert isinstance(app.screen, ParkDialog) and "Paper b3" in text_of(app)
            await pilot.press("escape")
            await pilot.pause()
            assert library.status("c2") is Status.INBOX and library.status("b3") is Status.READING
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert library.status("b3") is Status.TO_READ and library.status("c2") is Status.READING
            await pilot.press("u", "u")
            await pilot.pause()
            assert library.status("b3") is Status.READING and library.status("c2") is Status.INBOX


async def test_weekly_review_and_ages_in_the_list(lib: Path) -> None:
    with Library.open(lib) as library:
        library.restore(
            {
                "b3": UserState(Status.TO_READ, triaged_at="2025-05-01T09:00:00Z"),
                "c1": UserState(Status.TO_READ, triaged_at="2025-07-20T09:00:00Z"),  # 12 days: not stale
            }
        )
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.papers_screen
            await pilot.press("3")  # to-read: each row shows its age
            await pilot.pause()
            text = text_of(app)
            assert "12d" in text and "92d" in text and "61d" in text
            await pilot.press("W")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert "1 of 2" in text_of(app) and "Paper b3" in text_of(app)  # oldest first
            await pilot.press("k")
            await pilot.pause()
            assert "2 of 2" in text_of(app) and "Paper b1" in text_of(app)
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, PapersScreen)
            assert library.state("b3").kept_at is not None and library.status("b1") is Status.SKIPPED
            assert "b1" not in screen.paper_list.ids
            await pilot.press("u")
            await pilot.pause()
            assert library.status("b1") is Status.TO_READ


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_stats_screen_draws_its_charts(lib: Path, size: tuple[int, int]) -> None:
    with Library.open(lib) as library:
        app = ReaderApp(library)
        async with app.run_test(size=size) as pilot:
            await pilot.press("S")
            await pilot.pause()
            assert isinstance(app.screen, StatsScreen)
            text = text_of(app)
            for words in ("9 papers", "triaged per day", "done per day", "backlog", "reading days", "Mon", "Sun"):
                assert words in text, words
            assert "stats · 2025-08-01" in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PapersScreen)
