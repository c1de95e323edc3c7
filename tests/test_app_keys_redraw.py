"""What the view, day and board keys redraw, and what they leave as it was, stays true: the top
line, the detail's "for you" reason and the status colours are not redrawn when nothing they
show changed, and are when something did."""

from __future__ import annotations

from reader.library import Library
from tests.test_app import SIZE, make_app, screen_of
from tests.test_app_foryou import detail_text


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
