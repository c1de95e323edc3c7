"""PaperList: rows, keys, mouse, messages, hostile titles and 100k rows, driven through Pilot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Input

from reader.library import Library
from reader.models import Paper, Status
from reader.tui.paper_list import STATUS_MARKS, PaperList

SIZE = (100, 30)

HOSTILE_TITLES = {
    "click": "[@click=app.quit]Click[/]",
    "boom": "Press [@click=app.boom]here[/] now",
    "close": "a [/] b",
    "link": '[link="https://x"]y[/link]',
    "clear": "Clear \x1b[2J the screen",
    "osc52": "Clipboard \x1b]52;c;aGVsbG8=\x07 write",
    "var": "Costs $var and $accent",
    "bidi": "Evil \u202etxt.exe\u202c name",
    "c1": "C1 \x9b31m control \x85 next",
}


class ListApp(App[None]):
    """A PaperList over a library, an Input to take focus away, and a log of its messages."""

    def __init__(self, library: Library, ids: Sequence[str] | None = None, *, compact: bool = False) -> None:
        super().__init__()
        self.library = library
        self.initial = list(library.ids() if ids is None else ids)
        self.compact = compact
        self.messages: list[tuple[str, str | None]] = []
        self.booms = 0

    def compose(self) -> ComposeResult:
        yield PaperList(self.library, compact=self.compact, id="papers")
        yield Input(id="other")

    def on_mount(self) -> None:
        self.query_one(PaperList).set_ids(self.initial)
        self.query_one(PaperList).focus()

    def on_paper_list_highlighted(self, message: PaperList.Highlighted) -> None:
        assert message.list is message.paper_list is message.control
        self.messages.append(("highlighted", message.paper_id))

    def on_paper_list_selected(self, message: PaperList.Selected) -> None:
        assert message.list is message.paper_list is message.control
        self.messages.append(("selected", message.paper_id))

    def action_boom(self) -> None:
        self.booms += 1


def paper(pid: str, title: str | None = None, day: str = "2025-07-31", upvotes: int | None = None) -> Paper:
    return Paper(id=pid, title=title or f"Paper {pid}", days=[day], upvotes=upvotes)


@pytest.fixture
def ten(library: Library) -> Library:
    """Ten papers p0..p9, in that display order (upvotes decide within a day)."""
    library.import_papers([paper(f"p{i}", upvotes=100 - i) for i in range(10)])
    return library


def the_list(app: App[None]) -> PaperList:
    return app.query_one(PaperList)


def lines(widget: PaperList) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def screen_strips(app: App[None]) -> list[list[Segment]]:
    """What the compositor would send to the terminal: every segment of the whole screen."""
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[None]) -> str:
    return "\n".join("".join(seg.text for seg in strip) for strip in screen_strips(app))


def control_chars(text: str) -> set[str]:
    return {c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u202a\u202b\u202c\u202d\u202e"}


def messages(app: ListApp, kind: str) -> list[str | None]:
    return [pid for k, pid in app.messages if k == kind]


# -- rows ------------------------------------------------------------------------------------


async def test_row_shows_mark_title_day_upvotes_and_tags(library: Library) -> None:
    library.import_papers([paper("a", "Attention Is All You Need", upvotes=42)])
    library.set_tags("a", ["rl", "cv"])
    library.set_status("a", Status.READING)
    app = ListApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = the_list(app).render_line(0).text
        assert row.startswith(f" {STATUS_MARKS[Status.READING]}   Attention Is All You Need ")  # notes cell blank
        assert row.rstrip().endswith("#rl #cv  Jul 31   ▲42")
        assert cell_len(row) == the_list(app).scrollable_content_region.width


async def test_upvotes_left_out_when_unknown_and_columns_align(library: Library) -> None:
    library.import_papers([paper("a", "First", upvotes=7), paper("b", "Second", day="2025-08-01")])
    app = ListApp(library, ["a", "b"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first, second = lines(the_list(app))[:2]
        assert "▲" not in second
        assert first.index("Jul 31") == second.index("Aug  1")


async def test_day_column_lines_up_at_every_width(library: Library) -> None:
    library.import_papers([paper("a", "A title long enough to be cut when narrow", upvotes=12), paper("b", "Short")])
    library.set_tags("a", ["rl", "transformers"])
    app = ListApp(library, ["a", "b"])
    async with app.run_test(size=SIZE) as pilot:
        for width in (100, 60, 40, 30):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            first, second = lines(the_list(app))[:2]
            assert first.index("Jul 31") == second.index("Jul 31"), width
            assert ("▲12" in first) is (width >= 40), width  # columns go by the width, not the row


async def test_compact_rows_show_mark_title_and_tags_only(library: Library) -> None:
    library.import_papers([paper("a", "Compact title", upvotes=42)])
    library.set_tags("a", ["rl"])
    app = ListApp(library, compact=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = the_list(app).render_line(0).text
        second = the_list(app).render_line(1).text  # a card has two lines: the title, then its rest and the tags
        assert row.startswith(" ·   Compact title")
        assert "#rl" in second
        assert "Jul" not in row + second and "▲" not in row + second


async def test_wide_tags_keep_the_day_column_aligned(library: Library) -> None:
    library.import_papers([paper("a", "First"), paper("b", "Second")])
    library.set_tags("a", ["注意力", "機械学習"])
    library.set_tags("b", ["rl"])
    app = ListApp(library, ["a", "b"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first, second = lines(the_list(app))[:2]
        assert "#注意力 #機械学習" in first
        assert cell_len(first[: first.index("Jul 31")]) == cell_len(second[: second.index("Jul 31")])


async def test_long_and_wide_titles_are_cut_to_the_width_in_cells(library: Library) -> None:
    titles = {
        "long": "x" * 10_000,
        "cjk": "注意力就是你所需要的一切" * 20,
        "emoji": "🚀🧠 models " * 200,
        "mixed": "a注" * 500,
    }
    library.import_papers([paper(pid, title, upvotes=123_456) for pid, title in titles.items()])
    library.set_tags("long", [f"tag{i}" for i in range(20)])
    library.set_tags("cjk", ["注意力", "機械学習"])
    app = ListApp(library, list(titles))
    async with app.run_test(size=SIZE) as pilot:
        for width in (100, 41, 17, 6):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            widget = the_list(app)
            for y, pid in enumerate(titles):
                strip = widget.render_line(y)
                assert strip.cell_length == widget.scrollable_content_region.width
                assert cell_len(strip.text) == widget.scrollable_content_region.width, (pid, width)
                if width >= 17:
                    assert "…" in strip.text, (pid, width)


async def test_empty_list_shows_the_message_literally(library: Library) -> None:
    app = ListApp(library, [])
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        widget.empty_message = "No papers yet — import with `reader import FILE` [b]x[/] \x1b[2J"
        await pilot.pause()
        text = widget.render_line(0).text
        assert "No papers yet — import with `reader import FILE` [b]x[/]" in text
        assert not any(control_chars(seg.text) for strip in screen_strips(app) for seg in strip)
        assert widget.current_id is None
        assert widget.ids == []


@pytest.mark.parametrize(
    ("day", "label"),
    [("2025-07-31", "Jul 31"), ("2025-08-01", "Aug  1"), ("2025-13-01", "2025-…"), ("\x1b[2J", ""), ("", "")],
)
async def test_featured_day_label(library: Library, day: str, label: str) -> None:
    library.import_papers([paper("a", "Title")])
    library.papers["a"].days = [day] if day else []
    app = ListApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = the_list(app).render_line(0).text
        assert row[-13:] == f"{label:>6}{' ' * 7}"  # the day column, then the (empty) upvotes column


# -- keys and messages -------------------------------------------------------------------------


async def test_keys_move_the_cursor(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        assert (widget.cursor, widget.current_id) == (0, "p0")
        await pilot.press("j", "j", "down")
        assert widget.current_id == "p3"
        await pilot.press("k", "up")
        assert widget.current_id == "p1"
        await pilot.press("G")
        assert widget.current_id == "p9"
        await pilot.press("j")
        assert widget.cursor == 9
        await pilot.press("g")
        assert widget.cursor == 0
        await pilot.press("k")
        assert widget.cursor == 0
        await pilot.press("end")
        assert widget.cursor == 9
        await pilot.press("home")
        assert widget.cursor == 0
        await pilot.press("pagedown")
        assert widget.cursor == 9  # a page is longer than ten rows
        await pilot.press("pageup")
        assert widget.cursor == 0


async def test_highlighted_is_posted_when_the_paper_changes(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        assert messages(app, "highlighted") == ["p0"]
        await pilot.press("k", "g", "home")  # already at the top: nothing new
        await pilot.pause()
        assert messages(app, "highlighted") == ["p0"]
        await pilot.press("j")
        await pilot.pause()
        assert messages(app, "highlighted")[-1] == "p1"
        widget.set_ids(widget.ids)  # same rows, same paper: no message
        await pilot.pause()
        assert messages(app, "highlighted")[-1] == "p1"
        assert len(messages(app, "highlighted")) == 2


async def test_enter_selects_the_current_paper(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        assert messages(app, "selected") == ["p1"]


async def test_set_ids_keeps_the_paper_or_the_index(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.press("j", "j", "j")
        assert widget.current_id == "p3"
        widget.set_ids(["p9", "p5", "p3", "p1"], keep="p3")
        assert (widget.cursor, widget.current_id) == (2, "p3")
        widget.set_ids(["p0", "p2", "p4", "p6", "p8"], keep="p3")  # gone: same index
        assert (widget.cursor, widget.current_id) == (2, "p4")
        await pilot.pause()
        assert messages(app, "highlighted")[-2:] == ["p3", "p4"]
        widget.set_ids(["p7"])  # clamped
        assert (widget.cursor, widget.current_id) == (0, "p7")
        await pilot.pause()
        assert messages(app, "highlighted")[-1] == "p7"
        widget.set_ids([])
        assert (widget.cursor, widget.current_id) == (0, None)
        await pilot.pause()
        assert messages(app, "highlighted")[-1] is None


async def test_select_id_and_move_cursor(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        assert widget.select_id("p6")
        assert widget.current_id == "p6"
        assert not widget.select_id("nope")
        assert widget.current_id == "p6"
        widget.move_cursor(100)
        assert widget.cursor == 9
        widget.move_cursor(-5)
        assert widget.cursor == 0
        await pilot.pause()


async def test_holding_j_coalesces_highlighted_messages(ten: Library) -> None:
    first = PaperList.Highlighted(PaperList(ten), "p1")
    assert first.can_replace(PaperList.Highlighted(first.list, "p2"))
    assert not first.can_replace(PaperList.Highlighted(PaperList(ten), "p2"))
    assert not first.can_replace(Message())


# -- mouse ---------------------------------------------------------------------------------------


async def test_click_moves_the_cursor_and_click_on_it_selects(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        await pilot.click(PaperList, offset=(10, 4))
        await pilot.pause()
        assert widget.current_id == "p4"
        assert messages(app, "highlighted")[-1] == "p4"
        assert messages(app, "selected") == []
        await pilot.click(PaperList, offset=(10, 4))
        await pilot.pause()
        assert messages(app, "selected") == ["p4"]
        await pilot.click(PaperList, offset=(10, 20))  # below the last row: nothing
        await pilot.pause()
        assert widget.current_id == "p4"


async def test_a_click_that_focuses_the_list_does_not_select(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        app.query_one(Input).focus()
        await pilot.pause()
        await pilot.click(PaperList, offset=(10, 0))  # the row under the cursor, list unfocused
        await pilot.pause()
        assert widget.has_focus
        assert messages(app, "selected") == []
        await pilot.click(PaperList, offset=(10, 0))
        await pilot.pause()
        assert messages(app, "selected") == ["p0"]


async def test_double_click_selects(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(Input).focus()  # also when the list did not have focus
        await pilot.pause()
        await pilot.double_click(PaperList, offset=(10, 2))
        await pilot.pause()
        assert the_list(app).current_id == "p2"
        assert messages(app, "selected") == ["p2"]


async def test_wheel_scrolls_without_moving_the_cursor(library: Library) -> None:
    library.import_papers([paper(f"w{i:03d}", upvotes=1000 - i) for i in range(200)])
    app = ListApp(library)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        for _ in range(5):
            widget.post_message(events.MouseScrollDown(widget, 10, 5, 0, 1, 0, False, False, False, 10, 5))
        await pilot.pause()
        assert widget.scroll_offset.y > 0
        assert widget.cursor == 0
        top = widget.scroll_offset.y
        assert widget.render_line(0).text.startswith(f" ·   Paper w{top:03d}")


# -- the cursor stays visible -----------------------------------------------------------------


async def test_cursor_stays_visible(library: Library) -> None:
    library.import_papers([paper(f"v{i:03d}", upvotes=1000 - i) for i in range(100)])
    app = ListApp(library)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        height = widget.scrollable_content_region.height
        for keys in (["G"], ["g"], ["pagedown", "pagedown"], ["j"] * 30, ["k"] * 27):
            await pilot.press(*keys)
            await pilot.pause()
            top = widget.scroll_offset.y
            assert top <= widget.cursor < top + height, keys
            assert widget.render_line(widget.cursor - top).text.startswith(f" ·   Paper v{widget.cursor:03d}")
        widget.set_ids(widget.ids, keep="v090")
        await pilot.pause()
        top = widget.scroll_offset.y
        assert top <= widget.cursor == 90 < top + height


async def test_hundred_thousand_rows(tmp_path_factory: pytest.TempPathFactory) -> None:
    library = Library.open(Path(tmp_path_factory.mktemp("big")) / "lib")
    try:
        library.import_papers([paper(f"b{i:06d}", upvotes=200_000 - i) for i in range(100_000)])
        ids = library.ids()
        app = ListApp(library, ids[:10])
        async with app.run_test(size=SIZE) as pilot:
            widget = the_list(app)
            widget.set_ids(ids)
            await pilot.press("G")
            await pilot.pause()
            assert widget.cursor == 99_999
            assert widget.current_id == "b099999"
            top = widget.scroll_offset.y
            assert top > 99_900
            assert "Paper b099999" in widget.render_line(widget.cursor - top).text
            assert "Paper b099999" in screen_text(app)
            widget.set_ids(ids[::2], keep="b050000")
            assert widget.current_id == "b050000"
            await pilot.press("k")
            assert widget.current_id == "b049998"
    finally:
        library.close()


# -- state, styles, focus -----------------------------------------------------------------------


async def test_refresh_ids_redraws_changed_rows(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        assert widget.render_line(3).text.startswith(" · ")
        ten.set_status("p3", Status.DONE)
        ten.set_tags("p3", ["new-tag"])
        widget.refresh_ids(["p3"])
        await pilot.pause()
        assert widget.render_line(3).text.startswith(" ● ")
        assert "#new-tag" in screen_text(app)
        ten.set_status("p2", Status.TO_READ)
        widget.refresh_ids("p2")
        await pilot.pause()
        assert widget.render_line(2).text.startswith(" ○ ")
        ten.set_status(["p4", "p5"], Status.SKIPPED)
        widget.refresh_ids()
        await pilot.pause()
        assert widget.render_line(4).text.startswith(" × ")
        assert widget.render_line(5).text.startswith(" × ")


async def test_status_marks_use_their_component_classes(ten: Library) -> None:
    for status, pid in zip(Status, ("p1", "p2", "p3", "p4", "p5", "p6"), strict=True):
        ten.set_status(pid, status)

    class StyledApp(ListApp):
        CSS = "\n".join(
            f"PaperList > .paper-list--status-{s.value} {{ color: rgb({10 * n},{20 + n},{30 + n}); }}"
            for n, s in enumerate(Status)
        )

    app = StyledApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        for n, (_status, y) in enumerate(zip(Status, (1, 2, 3, 4, 5, 6), strict=True)):
            mark = list(widget.render_line(y))[1]
            assert mark.style is not None and mark.style.color is not None
            assert mark.style.color.triplet is not None
            assert tuple(mark.style.color.triplet) == (10 * n, 20 + n, 30 + n)


async def test_match_spans_are_highlighted(library: Library) -> None:
    library.import_papers([paper("a", "Attention is all you need")])
    app = ListApp(library)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        widget.set_ids(["a"], spans={"a": [(0, 9), (17, 20), (19, 20), (500, 600), (5, 2)]})
        await pilot.pause()
        styled = [seg.text for seg in widget.render_line(0) if seg.style is not None and seg.style.underline]
        assert styled == ["Attention", "you"]


async def test_cursor_looks_different_with_and_without_focus(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()

        def background(y: int) -> object:
            return next(iter(widget.render_line(y))).style.bgcolor  # type: ignore[union-attr]

        focused = background(0)
        assert focused != background(1)
        app.query_one(Input).focus()
        await pilot.pause()
        assert not widget.has_focus
        blurred = background(0)
        assert blurred != focused
        assert blurred != background(1)


async def test_a_focus_change_draws_the_cursor_row_again_not_the_others(
    ten: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving and entering the list (the list-board switch does both) restyles it; only the
    cursor row looks different, so only it is drawn anew: the others come from the row cache."""
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        drawn: list[str] = []
        real = PaperList._render_row

        def counting(self: PaperList, pid: str, width: int, cursor: bool) -> Any:
            drawn.append(pid)
            return real(self, pid, width, cursor)

        monkeypatch.setattr(PaperList, "_render_row", counting)
        app.query_one(Input).focus()
        await pilot.pause()
        widget.refresh()
        await pilot.pause()
        assert drawn == [widget.current_id]  # the cursor row looks different without focus
        drawn.clear()
        widget.focus()
        await pilot.pause()
        widget.refresh()
        await pilot.pause()
        assert drawn == []  # focused again: the cursor row as it was is still in the cache


async def test_theme_change_restyles_rows(ten: Library) -> None:
    app = ListApp(ten)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        before = [seg.style for seg in widget.render_line(0)]
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert [seg.style for seg in widget.render_line(0)] != before


# -- hostile text -------------------------------------------------------------------------------


@pytest.fixture
def hostile(library: Library) -> Iterator[Library]:
    library.import_papers([paper(pid, title) for pid, title in HOSTILE_TITLES.items()])
    # The library cleans at import; the list must clean again, so put the raw titles back.
    for pid, title in HOSTILE_TITLES.items():
        library.papers[pid].title = title
    library.set_tags("click", ["[@click=app.boom]t[/]", "a [/] b"])
    yield library


async def test_hostile_titles_show_literally_and_carry_no_control_bytes(hostile: Library) -> None:
    app = ListApp(hostile, list(HOSTILE_TITLES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for literal in (
            "[@click=app.quit]Click[/]",
            "Press [@click=app.boom]here[/] now",
            "a [/] b",
            '[link="https://x"]y[/link]',
            " Clear the screen ",
            " Clipboard write ",
            " C1 control next ",
            "Costs $var and $accent",
            "Evil txt.exe name",
            "#[@click=app.boom]t[/]",
        ):
            assert literal in text, literal
        for strip in screen_strips(app):
            for segment in strip:
                assert not control_chars(segment.text)
                assert segment.style is None or not segment.style.link
                assert segment.style is None or "@click" not in segment.style.meta


async def test_clicking_hostile_titles_runs_nothing(hostile: Library) -> None:
    app = ListApp(hostile, list(HOSTILE_TITLES))
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        await pilot.pause()
        for y, pid in enumerate(HOSTILE_TITLES):
            for x in (3, 12, 90):
                await pilot.click(PaperList, offset=(x, y))
                await pilot.pause()
            assert widget.current_id == pid
        assert app.is_running
        assert app.booms == 0
        assert messages(app, "selected")  # the clicks did what clicks on rows do


@pytest.mark.parametrize("compact", [False, True])
async def test_separator_rows_take_a_whole_row_in_either_layout(ten: Library, compact: bool) -> None:
    """Catch-up's day separators: one row slot each (a card's two lines when compact)."""
    app = ListApp(ten, compact=compact)
    async with app.run_test(size=SIZE) as pilot:
        widget = the_list(app)
        widget.set_ids(["p0", "p1", "p2", "p3"], headers={0: "Day A · 2 left", 2: "Day B · 2 left"})
        await pilot.pause()
        step = widget.row_lines
        texts = [widget.render_line(y).text for y in range(6 * step)]
        assert texts[0].strip().startswith("── Day A · 2 left ─")
        assert texts[3 * step].strip().startswith("── Day B · 2 left ─")
        for index, slot in ((0, 1), (1, 2), (2, 4), (3, 5)):
            assert f"Paper p{index}" in texts[slot * step], (index, texts)
        if compact:
            assert texts[1].strip() == "" and texts[3 * step + 1].strip() == ""  # a separator's second line
        await pilot.press("j", "j")
        assert widget.cursor == 2 and widget.current_id == "p2"  # the cursor steps over separators
