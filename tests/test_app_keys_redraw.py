"""What the view, day and board keys redraw, and what they leave as it was, stays true: the top
line, the detail's "for you" reason and the status colours are not redrawn when nothing they
show changed, and are when something did."""

from __future__ import annotations

from textual.widgets import Static

from reader.library import Library
from reader.models import Paper, Status
from reader.tui.paper_list import STATUS_MARKS
from tests.test_app import SIZE, make_app, progress, screen_of, screen_text
from tests.test_app_foryou import detail_text, mode_line


def top_line(app: object) -> str:
    return screen_text(app).splitlines()[0]  # type: ignore[arg-type]


async def test_the_top_line_follows_each_view_day_and_board_switch(lib: Library) -> None:
    lib.import_papers([Paper(id="old-1", title="An older paper", days=["2025-07-30"])])
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        mode = screen.query_one("#mode", Static)
        for key, shown in [("3", "to-read"), ("4", "reading"), ("b", "board"), ("6", "all papers"), ("5", "done")]:
            await pilot.press(key)
            await pilot.pause()
            assert shown in mode_line(app) and shown in top_line(app), (key, top_line(app))
            # the right half is laid out as wide as its text, whether or not its width changed
            assert mode.size.width == len(mode_line(app)), (key, mode.size, mode_line(app))
        await pilot.press("[")  # the day before, in the inbox of the day: only the left half changes
        await pilot.pause()
        assert "Jul 30" in progress(app) and "Jul 30" in top_line(app), top_line(app)
        await pilot.press("]")
        await pilot.pause()
        assert "Jul 31" in progress(app) and "Jul 31" in top_line(app), top_line(app)
        before = progress(app)
        await pilot.press("t")  # the counts change with the width of the right half unchanged
        await pilot.pause()
        assert progress(app) != before and progress(app) in top_line(app), (before, top_line(app))


async def test_the_detail_gives_the_new_reason_when_the_watchlist_changes_on_the_same_paper(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        for _ in range(4):
            await pilot.press("s")  # the "for you" order: the detail says why
        await app.workers.wait_for_complete()
        await pilot.pause()
        pid = screen.current_id
        assert pid is not None and "page order" in detail_text(app)
        word = max(lib.paper(pid).title.split(), key=len).strip(".,:;!?()").lower()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*f"+{word}", "enter")
        await pilot.pause()
        assert screen.current_id == pid  # the same paper, asked for its reason again: a new one
        assert "watching" in detail_text(app) and word in detail_text(app), detail_text(app)


async def test_the_status_colours_follow_a_theme_change(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        paper_list = screen_of(app).paper_list
        dark = paper_list.status_style(Status.TO_READ)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        light = paper_list.status_style(Status.TO_READ)
        assert light == paper_list.get_visual_style("paper-list--status-to-read", partial=True)
        assert light != dark


async def test_all_papers_shows_the_librarys_order_again_after_papers_are_added(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await pilot.press("6")
        await pilot.pause()
        assert screen.paper_list.ids == lib.ids()
        first = screen.paper_list.ids[0]
        await pilot.press("t")  # a status change keeps the order: the same rows, the new status drawn
        await pilot.pause()
        assert screen.paper_list.ids == lib.ids() and lib.status(first) is Status.TO_READ
        assert screen.paper_list.render_line(0).text[1] == STATUS_MARKS[Status.TO_READ]  # the first row, redrawn
        lib.import_papers([Paper(id="new-1", title="A paper added meanwhile", days=["2025-08-01"], upvotes=5)])
        await pilot.press("3", "6")  # away and back: the added paper is in the library's new order
        await pilot.pause()
        assert screen.paper_list.ids == lib.ids() and "new-1" in screen.paper_list.ids


async def test_a_focus_move_repaints_the_lists_it_concerns(lib: Library) -> None:
    """The screen leaves out Textual's whole-screen repaint on a focus move: the list that gets
    the focus and the one that loses it (their borders, their cursor rows) must repaint."""
    from textual._compositor import ChopsUpdate, LayoutUpdate
    from textual.geometry import Region

    app, _, _ = make_app(lib)
    painted: list[Region] = []
    display = app._display

    def recording(screen: object, update: object) -> None:
        if isinstance(update, ChopsUpdate):
            painted.extend(Region(x1, y, x2 - x1, 1) for y, x1, x2 in update.spans)
        elif isinstance(update, LayoutUpdate):
            painted.append(update.region)
        display(screen, update)  # type: ignore[arg-type]

    app._display = recording  # type: ignore[method-assign]

    def repainted(widget: object) -> bool:
        region = widget.region  # type: ignore[attr-defined]
        rows = {region.y, min(region.y + 1, region.bottom - 1), region.bottom - 1}  # borders, first row
        return all(any(p.contains(region.x, y) and p.contains(region.right - 1, y) for p in painted) for y in rows)

    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        lib.set_status(lib.ids()[:2], Status.TO_READ)
        lib.set_status(lib.ids()[2:4], Status.READING)
        screen.refill()
        await pilot.pause()
        painted.clear()
        await pilot.press("b")
        await pilot.pause()
        board = screen.board_widget
        assert screen.focused is board.list_of(Status.TO_READ) and repainted(screen.focused)
        painted.clear()
        await pilot.press("l")  # to the next column: both columns restyle
        await pilot.pause()
        assert screen.focused is board.list_of(Status.READING)
        assert repainted(board.list_of(Status.READING)) and repainted(board.list_of(Status.TO_READ))
        painted.clear()
        await pilot.press("b")
        await pilot.pause()
        assert screen.focused is screen.paper_list and repainted(screen.paper_list)
        painted.clear()
        await pilot.press("slash")  # to the filter and back to the list
        await pilot.pause()
        assert repainted(screen.filter_input) and repainted(screen.paper_list)
        painted.clear()
        await pilot.press("escape")
        await pilot.pause()
        assert screen.focused is screen.paper_list and repainted(screen.paper_list)
        assert repainted(screen.filter_input)
