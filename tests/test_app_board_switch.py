"""The list <-> board switch (`b`) reuses what did not change (issue 14, point 10), and never
shows something stale: these are the keys a user presses, through Pilot."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events

from reader import browse as browse_module
from reader.library import Library
from reader.models import Status
from reader.resources import SAMPLE_DAY
from reader.tui.app import ReaderApp
from reader.tui.board import Board
from reader.tui.paper_list import MARK, STATUS_MARKS, PaperList

SIZE = (120, 36)


def rows(paper_list: PaperList) -> list[str]:
    """The list's rows as they are on the screen (what was painted, not drawn afresh)."""
    region = paper_list.scrollable_content_region
    lines = paper_list.app.screen._compositor.render_strips()[region.y : region.bottom]
    return [line.crop(region.x, region.right).text for line in lines]


def papers_read_on_the_ui_thread(lib: Library, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the ids of the papers the app reads in full on the UI thread (filled in place)."""
    import threading

    read_here: list[str] = []
    real = lib.full_papers

    def counted(ids: list[str]) -> list[object]:
        if threading.current_thread() is threading.main_thread():
            read_here.extend(ids)
        return real(ids)  # type: ignore[return-value]

    monkeypatch.setattr(lib, "full_papers", counted)
    return read_here


async def test_the_list_shown_again_after_the_board_is_as_it_was(lib: Library) -> None:
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        await pilot.pause()
        papers = app.papers_screen.paper_list
        before, current = rows(papers), papers.current_id
        await pilot.press("b")
        await pilot.pause()
        assert app.papers_screen.board
        await pilot.press("b")
        await pilot.pause()
        assert not app.papers_screen.board and papers.current_id == current and rows(papers) == before
        assert app.papers_screen.detail.paper_id == current


async def test_a_change_made_on_the_board_shows_on_the_list_and_back(lib: Library) -> None:
    ids = lib.ids(status=Status.INBOX, day=SAMPLE_DAY)
    lib.set_status(ids[:2], Status.TO_READ)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")  # all papers: the moved card stays in the list
        await pilot.press("b")
        await pilot.pause()
        board = app.papers_screen.query_one(Board)
        first = board.list_of(Status.TO_READ).current_id
        assert first is not None
        await pilot.press("d")  # done: the card leaves the to-read column
        await pilot.pause()
        assert first in board.list_of(Status.DONE).ids
        await pilot.press("b")
        await pilot.pause()
        papers = app.papers_screen.paper_list
        assert papers.select_id(first)
        await pilot.pause()
        row = next(r for r in rows(papers) if lib.paper(first).title[:20] in r)
        assert STATUS_MARKS[Status.DONE] in row
        await pilot.press("t")  # back to to-read from the list: the board shows it there
        await pilot.press("b")
        await pilot.pause()
        assert first in board.list_of(Status.TO_READ).ids
        assert first not in board.list_of(Status.DONE).ids


async def test_marks_made_between_switches_show_on_the_same_rows(lib: Library) -> None:
    """The marks are one dict changed in place: the list sees each change though its rows stay."""
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        papers = app.papers_screen.paper_list

        first = papers.current_id or ""

        def marked() -> bool:
            title = lib.paper(first).title[:20]
            return next(r for r in rows(papers) if title in r).startswith(MARK)

        await pilot.press("b", "b", "m")  # m marks the paper and moves on
        await pilot.pause()
        assert marked()
        await pilot.press("b", "b")
        await pilot.pause()
        assert marked()
        await pilot.press("k", "m")  # unmark: the same ids, the same dict, one mark fewer
        await pilot.pause()
        assert not marked()


def test_the_lists_ids_are_computed_again_only_when_what_they_come_from_changes(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.foryou import Ranker, WatchEntry

    calls: list[int] = []
    real = browse_module.sorted_ids

    def counted(*args: object, **kwargs: object) -> list[str]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(browse_module, "sorted_ids", counted)
    browse = browse_module.Browse(lib, view=browse_module.DAY_INBOX)
    first = browse.list_ids()
    column = browse.column_ids(Status.TO_READ)
    assert browse.list_ids() == first and browse.column_ids(Status.TO_READ) == column and len(calls) == 2
    browse.set_sort("for-you")
    browse.ranker = Ranker(None, [WatchEntry(text="gamma", boost=1)])
    ranked = browse.list_ids()
    assert len(calls) == 3 and browse.list_ids() == ranked and len(calls) == 3
    browse.ranker = Ranker(None, [])  # a new model (or watchlist): ranked again
    assert browse.list_ids() == first and len(calls) == 4
    lib.set_status(first[0], Status.TO_READ)  # the library changed
    assert browse.list_ids() == first[1:] and first[0] in browse.column_ids(Status.TO_READ)[0]
    browse.set_query("x")
    browse.set_hits("x", [first[1]], {}, False)
    assert browse.list_ids() == [first[1]]
    browse.set_hits("x", [first[2]], {}, False)  # another search's hits for the same text
    assert browse.list_ids() == [first[2]]


async def test_marks_cleared_in_place_leave_no_mark_on_the_cards(lib: Library) -> None:
    """`M` clears the marks in the same dict: a column keeps its cards but loses their marks."""
    lib.set_status(lib.ids(status=Status.INBOX, day=SAMPLE_DAY)[:4], Status.TO_READ)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "b", "b", "M")
        await pilot.pause()
        column = app.papers_screen.query_one(Board).list_of(Status.TO_READ)
        assert sum(row.startswith(MARK) for row in rows(column)) == 4
        await pilot.press("M")
        await pilot.pause()
        assert not any(row.startswith(MARK) for row in rows(column))


async def test_what_the_list_and_the_board_built_is_set_aside_once_in_a_large_library(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's full collections walk every live object: after the list and the board are first
    shown, a large library's app freezes what they built (once each), a small one never does."""
    from types import SimpleNamespace

    from reader.tui import papers_screen

    calls: list[str] = []
    fake = SimpleNamespace(
        collect=lambda generation=2: calls.append(f"collect{generation}"), freeze=lambda: calls.append("freeze")
    )
    monkeypatch.setattr(papers_screen, "gc", fake)
    real_timer = papers_screen.PapersScreen.set_timer

    def at_once(self: papers_screen.PapersScreen, delay: float, callback: Any = None, **kwargs: Any) -> Any:
        if getattr(callback, "__name__", "") == "settle":  # no waiting on the clock in a test
            return callback()
        return real_timer(self, delay, callback, **kwargs)

    monkeypatch.setattr(papers_screen.PapersScreen, "set_timer", at_once)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "b", "b")
        await pilot.pause()
        assert calls == []  # the sample day is small
    monkeypatch.setattr(papers_screen, "SETTLE_MIN_PAPERS", 1)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b", "b", "b", "b")
        await pilot.pause()
        await pilot.pause()
        assert calls == ["collect1", "freeze", "collect1", "freeze"]  # the list, the board: once each


async def test_the_first_board_in_the_learned_order_was_scored_by_the_worker(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the "for you" model lands, its worker scores the board's papers: the switch to the
    board reads no paper in full on the UI thread (at 10,000 papers that took some 2 s), and
    the columns are in the learned order."""

    from reader.browse import learned_scores
    from tests.test_app_foryou import triage_by_taste

    triage_by_taste(lib)  # 50 decisions: the app opens in the learned order; 10-odd kept to-read
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()  # the fit, then the board's scores
        await pilot.pause()
        screen = app.papers_screen
        assert screen.browse.sort.learned and screen.browse.ranker is not None
        read_here = papers_read_on_the_ui_thread(lib, monkeypatch)
        await pilot.press("b")
        await pilot.pause()
        column = screen.query_one(Board).list_of(Status.TO_READ)
        assert len(column.ids) > 5 and read_here == []
        scores = learned_scores(lib, screen.browse.ranker, column.ids)
        assert [scores[pid] for pid in column.ids] == sorted(scores.values(), reverse=True)


async def test_a_long_board_column_scrolls_with_the_cursor_and_the_wheel_without_a_bar(lib: Library) -> None:
    ids = lib.ids(status=Status.INBOX, day=SAMPLE_DAY)
    lib.set_status(ids[:40], Status.TO_READ)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        column = app.papers_screen.query_one(Board).list_of(Status.TO_READ)
        assert column.has_focus and column.max_scroll_y > 0
        assert column.scrollbar_size_vertical == 0 and column.scrollable_content_region.right == column.region.right - 1
        await pilot.press(*["j"] * 30)
        await pilot.pause()
        assert column.scroll_y > 0
        current = column.current_id
        assert current is not None and current == column.ids[30]
        first_word = lib.paper(current).title.split()[0]
        assert any(first_word in line for line in rows(column))  # the cursor's card is in sight
        top = column.scroll_y
        for _ in range(3):
            column.post_message(events.MouseScrollUp(column, 5, 5, 0, -1, 0, False, False, False, 5, 5))
        await pilot.pause()
        assert column.scroll_y < top


def detail_text(app: ReaderApp) -> str:
    """The detail pane as it is on the screen, its lines joined."""
    region = app.papers_screen.detail.region
    lines = app.screen._compositor.render_strips()[region.y : region.bottom]
    return " ".join(line.crop(region.x, region.right).text.strip(" │╭╮╰╯─") for line in lines)


async def test_the_detail_follows_the_switch_to_the_paper_the_board_lands_on(lib: Library) -> None:
    """The board is drawn first and the detail of its paper a frame later: it never stays on the
    list's paper, and switching back shows the list's paper again."""
    ids = lib.ids(status=Status.INBOX, day=SAMPLE_DAY)
    lib.set_status(ids[-1], Status.TO_READ)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.papers_screen
        on_list = screen.paper_list.current_id
        assert on_list is not None and on_list != ids[-1]
        await pilot.press("b")
        await pilot.pause()
        assert screen.board_widget.active_list.current_id == ids[-1]
        assert screen.detail.paper_id == ids[-1]
        assert lib.paper(ids[-1]).title[:30] in detail_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert screen.detail.paper_id == on_list
        assert lib.paper(on_list).title[:30] in detail_text(app)


async def test_a_fit_that_learns_nothing_new_does_not_stop_the_boards_scoring(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change that is no new decision (to-read -> reading: kept either way) starts a fit that
    finds nothing new to learn: the scoring of the board for the model just landed goes on, so
    the switch still reads nothing in full."""
    import asyncio
    import threading

    from reader.tui import papers_screen
    from tests.test_app_foryou import triage_by_taste

    triage_by_taste(lib)
    monkeypatch.setattr(papers_screen, "WARM_BATCH", 1)  # a batch per paper: a cancel is seen at once
    entered, gate = threading.Event(), threading.Event()
    real_scores = papers_screen.learned_scores

    def gated(library: Library, ranker: Any, ids: list[str]) -> dict[str, float]:
        warming = len(ids) == 1 and threading.current_thread() is not threading.main_thread()  # (not the fit's list)
        if warming and not gate.is_set():
            entered.set()
            gate.wait(10)
        return real_scores(library, ranker, ids)

    monkeypatch.setattr(papers_screen, "learned_scores", gated)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.papers_screen
        assert await asyncio.to_thread(entered.wait, 10)  # the model landed; its board is being scored
        ranker = screen.browse.ranker
        kept = lib.ids(status=Status.TO_READ)[0]
        lib.set_status(kept, Status.READING)  # still kept: the same decision for the model
        screen.refill()  # drawn again (as after a sync): a fit starts, and finds the same decisions
        await pilot.pause()
        assert screen._learned_version == lib.version  # a fit was started for the change
        while screen._fitting:
            await pilot.pause()
        assert screen.browse.ranker is ranker
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        read_here = papers_read_on_the_ui_thread(lib, monkeypatch)
        await pilot.press("b")
        await pilot.pause()
        assert len(screen.query_one(Board).list_of(Status.TO_READ).ids) > 5 and read_here == []
