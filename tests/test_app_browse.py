"""Sorting (`s`) and acting on many papers (`m`, `M`) in the app, through the keys."""

from __future__ import annotations

from reader.library import Library
from reader.models import Status
from reader.tui.app import ReaderApp
from reader.tui.paper_list import MARK
from reader.tui.tags_dialog import TagsDialog

SIZE = (120, 40)


def screen_text(app: ReaderApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_s_cycles_the_order_and_the_border_title_names_it(lib: Library) -> None:
    app = ReaderApp(lib, browser_open=lambda url: None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.papers_screen
        page = screen.paper_list.ids
        await pilot.press("s")
        await pilot.pause()
        by_votes = screen.paper_list.ids
        votes = [lib.paper(pid).upvotes if lib.paper(pid).upvotes is not None else -1 for pid in by_votes]
        assert votes == sorted(votes, reverse=True) and sorted(by_votes) == sorted(page)
        assert "by upvotes" in str(screen.paper_list.border_title)
        assert "by upvotes" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        published = [lib.paper(pid).published or "" for pid in screen.paper_list.ids]
        assert published == sorted(published, reverse=True)
        assert "newest published" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        titles = [lib.paper(pid).title.casefold() for pid in screen.paper_list.ids]
        assert titles == sorted(titles)
        assert "by title" in screen_text(app)
        # the board follows the same order
        lib.set_status(page[:5], Status.TO_READ)
        await pilot.press("b")
        await pilot.pause()
        column = screen.board_widget.list_of(Status.TO_READ).ids
        assert column == sorted(page[:5], key=lambda pid: lib.paper(pid).title.casefold())
        await pilot.press("b", "s")
        await pilot.pause()
        assert screen.paper_list.ids == [pid for pid in page if pid not in page[:5]]  # back to page order
        assert "by " not in str(screen.paper_list.border_title)


async def test_mark_some_then_triage_them_all_as_one_undo_step(lib: Library) -> None:
    app = ReaderApp(lib, browser_open=lambda url: None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.papers_screen
        first = screen.paper_list.ids[:4]
        await pilot.press("m", "j", "m", "m")  # marks papers 0, 2 and 3 (m moves on)
        await pilot.pause()
        marked = [first[0], first[2], first[3]]
        assert list(screen.browse.marks) == marked
        text = screen_text(app)
        assert "3 marked" in text
        assert text.count(MARK) == 3  # the mark column
        await pilot.press("t")
        await pilot.pause()
        assert [lib.status(pid) for pid in first] == [Status.TO_READ, Status.INBOX, Status.TO_READ, Status.TO_READ]
        assert not screen.browse.marks and "marked" not in screen_text(app)  # marks clear after acting
        await pilot.press("u")  # one undo step puts all three back
        await pilot.pause()
        assert all(lib.status(pid) is Status.INBOX for pid in first)
        assert not lib.history.can_undo


async def test_mark_all_in_the_filter_then_tag_them_and_undo(lib: Library) -> None:
    app = ReaderApp(lib, browser_open=lambda url: None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"reasoning", "enter")
        await pilot.pause()
        screen = app.papers_screen
        hits = screen.paper_list.ids
        assert 1 < len(hits) < 86
        await pilot.press("M")
        await pilot.pause()
        assert list(screen.browse.marks) == hits
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsDialog)
        await pilot.press(*"rl", "enter")
        await pilot.pause()
        assert all(lib.state(pid).tags == ["rl"] for pid in hits)
        assert not screen.browse.marks
        await pilot.press("u")
        await pilot.pause()
        assert all(lib.state(pid).tags == [] for pid in hits)
        # M twice: marks everything, then clears
        await pilot.press("M", "M")
        await pilot.pause()
        assert not screen.browse.marks


def test_every_binding_of_the_papers_screen_has_an_id() -> None:
    from textual.binding import Binding

    from reader.tui.papers_screen import PapersScreen

    ids = [b.id for b in PapersScreen.BINDINGS if isinstance(b, Binding)]
    assert len(ids) == len(PapersScreen.BINDINGS) and all(ids) and len(set(ids)) == len(ids)


async def test_the_palette_is_generated_from_the_bindings(lib: Library) -> None:
    from reader.tui.commands import NOT_IN_PALETTE, screen_commands
    from reader.tui.papers_screen import PapersScreen

    app = ReaderApp(lib, browser_open=lambda url: None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.papers_screen
        helps = {command.help for command in screen_commands(screen)}
        titles = {command.title for command in screen_commands(screen)}
        assert {"Move to to-read", "Sort: next order", "Mark paper", "Undo", "Help"} <= titles
        for binding in PapersScreen.BINDINGS:
            assert binding.id is not None  # type: ignore[union-attr]
            if binding.id in NOT_IN_PALETTE or binding.id.startswith("papers.view-"):  # type: ignore[union-attr]
                continue
            if screen.can_run(*_name_and_params(binding.action)) is False:  # type: ignore[union-attr]
                continue  # e.g. moving between board columns while the list is shown
            assert any(h.startswith(binding.tooltip or binding.description) for h in helps), binding  # type: ignore[union-attr]
        assert "Every key, grouped (?)" in helps


def _name_and_params(action: str) -> tuple[str, tuple[object, ...]]:
    from textual.actions import parse

    _namespace, name, params = parse(action)
    return name, params
