"""A morning that flows (issue 14): the keys a user presses, through Pilot.

Opening and copying links, reading mode, notes markers, the board's H/L, the external editor,
q, escape typed quickly before a key, the top line's counts and the cursor row's contrast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from reader.library import Library
from reader.models import Paper, Status
from reader.resources import SAMPLE_DAY
from reader.tui.app import ReaderApp
from reader.tui.board import Board
from reader.tui.footer import KeyBar
from reader.tui.help_screen import HelpScreen
from reader.tui.notes import NotesEditor
from reader.tui.paper_list import NOTES_MARK, STATUS_MARKS, PaperList
from reader.tui.papers_screen import PapersScreen
from reader.tui.tags_dialog import TagsDialog

SIZE = (120, 36)


class Recorder:
    """Stands in for `webbrowser.open` and `notify`; returns what it is told to."""

    def __init__(self, result: Any = True) -> None:
        self.calls: list[Any] = []
        self.result = result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result

    def messages(self) -> list[str]:
        return [str(args[0]) for args, _ in self.calls]


def make_app(library: Library, browser_result: Any = True) -> tuple[ReaderApp, Recorder, Recorder]:
    browser = Recorder(browser_result)
    app = ReaderApp(library, browser_open=browser)
    notes = Recorder(None)
    app.notify = notes  # type: ignore[method-assign]
    return app, browser, notes


def screen_of(app: ReaderApp) -> PapersScreen:
    return app.papers_screen


def screen_text(app: ReaderApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def inbox(library: Library) -> list[str]:
    return library.ids(status=Status.INBOX, day=SAMPLE_DAY)


# -- 1. o and p always answer -------------------------------------------------------------------


async def test_open_without_a_browser_says_so_and_shows_the_url(lib: Library) -> None:
    app, browser, notes = make_app(lib, browser_result=False)  # webbrowser.open's "no browser"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        paper = lib.paper(screen_of(app).current_id or "")
        await pilot.press("o")
        await pilot.pause()
        assert browser.calls == [((paper.url,), {})]
        said = notes.messages()[-1]
        assert "No browser" in said and str(paper.url) in said and "press y" in said
        assert notes.calls[-1][1]["markup"] is False
        await pilot.press("p")
        await pilot.pause()
        assert str(paper.pdf_url) in notes.messages()[-1]


async def test_open_when_the_browser_fails_says_why(lib: Library) -> None:
    app, _browser, notes = make_app(lib, browser_result=OSError("no display"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        said = notes.messages()[-1]
        assert "no display" in said and "https://arxiv.org/abs/" in said


async def test_open_and_pdf_on_a_paper_without_links_answer(lib: Library) -> None:
    lib.import_papers([Paper(id="bare", title="A paper with no links at all", days=["2099-01-01"])])
    app, browser, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = screen_of(app)
        assert screen.current_id == "bare"
        # never silently disabled: the keys run and say why
        assert screen.check_action("open", ()) is True and screen.check_action("pdf", ()) is True
        await pilot.press("o")
        await pilot.pause()
        assert "has no page to open" in notes.messages()[-1]
        await pilot.press("p")
        await pilot.pause()
        assert "has no PDF" in notes.messages()[-1]
        await pilot.press("y")
        await pilot.pause()
        assert "no link to copy" in notes.messages()[-1]
        assert browser.calls == []


# -- 7. y and Y copy -----------------------------------------------------------------------------


async def test_y_copies_the_link_and_capital_y_the_bibtex(lib: Library) -> None:
    app, _browser, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        paper = lib.paper(screen_of(app).current_id or "")
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == paper.url
        assert notes.messages()[-1] == f"Copied the link: {paper.url}"
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard.startswith("@misc{")
        assert f"eprint = {{{paper.arxiv_id}}}" in app.clipboard
        assert app.clipboard.count("@misc{") == 1
        assert notes.messages()[-1].startswith("Copied the BibTeX entry ")


# -- 2. reading mode -----------------------------------------------------------------------------


async def test_f_reading_mode_fills_the_screen_and_f_or_escape_returns(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = screen_of(app)
        detail = screen.detail
        before = detail.scroller.region.height
        assert detail.region.width < SIZE[0] // 2 + 10
        await pilot.press("f")
        await pilot.pause()
        assert screen.reading and not screen.query_one("#views").display
        assert detail.region.width == SIZE[0]
        assert detail.scroller.region.height >= before
        assert app.focused is detail.scroller
        # triage still works while reading: the next paper is shown
        first = screen.current_id
        await pilot.press("t")
        await pilot.pause()
        assert lib.status(first or "") is Status.TO_READ and detail.paper_id != first
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.reading and screen.query_one("#views").display
        assert app.focused is screen.paper_list
        await pilot.press("f", "f")
        await pilot.pause()
        assert not screen.reading and app.focused is screen.paper_list


async def test_reading_mode_at_80_by_24_shows_the_abstract(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        pid = screen_of(app).current_id or ""
        words = lib.paper(pid).abstract.split()[:3]
        assert " ".join(words) in screen_text(app)


async def test_empty_notes_take_little_room_until_focused(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.text == "" and editor.region.height == 3
        await pilot.press("n")
        await pilot.pause()
        assert editor.region.height > 3
        await pilot.press(*"kept")
        await pilot.press("escape")
        await pilot.pause()
        assert editor.region.height > 3  # a note with text keeps its room


# -- 4. notes markers and the legend ---------------------------------------------------------------


async def test_rows_with_notes_show_a_pencil_on_the_list_and_the_board(lib: Library) -> None:
    ids = inbox(lib)
    lib.set_notes(ids[1], "worth a look")
    lib.set_status(ids[2], Status.READING)
    lib.set_notes(ids[2], "halfway")
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = screen_text(app).splitlines()
        pencil_rows = [row for row in rows if NOTES_MARK in row]
        assert len(pencil_rows) == 1 and lib.paper(ids[1]).title[:20] in pencil_rows[0]
        await pilot.press("b")
        await pilot.pause()
        board_rows = [row for row in screen_text(app).splitlines() if NOTES_MARK in row]
        assert any(lib.paper(ids[2]).title[:15] in row for row in board_rows)


async def test_help_has_the_legend_of_the_marks(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text", Static).visual.plain  # type: ignore[union-attr]
        for status, mark in STATUS_MARKS.items():
            assert f"{mark} {status.value}" in text
        assert f"{NOTES_MARK} has notes" in text
        lines = text.splitlines()
        for key, description in [("f", "Read"), ("y", "Copy link"), ("Y", "Copy BibTeX"), ("q", "Quit")]:
            assert any(line.split()[:2] == [key, description.split()[0]] for line in lines if line.strip()), key
        assert any(line.split()[:2] == ["^e", "Edit"] for line in lines if line.strip())


# -- 6. the board --------------------------------------------------------------------------------


async def test_board_l_l_moves_the_same_paper_twice(lib: Library) -> None:
    ids = inbox(lib)
    lib.set_status(ids[:3], Status.TO_READ)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        board = screen_of(app).query_one(Board)
        first = board.list_of(Status.TO_READ).current_id or ""
        await pilot.press("L", "L")
        await pilot.pause()
        assert lib.status(first) is Status.DONE
        assert lib.status(ids[1]) is Status.TO_READ and lib.status(ids[2]) is Status.TO_READ
        done = board.list_of(Status.DONE)
        assert app.focused is done and done.current_id == first
        assert screen_of(app).detail.paper_id == first
        await pilot.press("H")
        await pilot.pause()
        assert lib.status(first) is Status.READING
        assert board.list_of(Status.READING).current_id == first


async def test_board_cards_show_two_lines_of_title(lib: Library) -> None:
    ids = inbox(lib)
    long = max(ids, key=lambda pid: len(lib.paper(pid).title))
    lib.set_status(long, Status.TO_READ)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        column = screen_of(app).query_one(Board).list_of(Status.TO_READ)
        assert column.row_lines == 2 and column.virtual_size.height == 2
        width = column.scrollable_content_region.width
        lines = [column.render_line(0).text.strip(), column.render_line(1).text.strip()]
        title = lib.paper(long).title
        shown = " ".join(lines).replace(STATUS_MARKS[Status.TO_READ], "").split()
        assert len(title) > width  # the title does not fit one line...
        # ...so the card's two lines hold more of it than one line could (not 19 characters)
        assert len(" ".join(shown)) > width
        assert title.startswith(" ".join(shown).rstrip("…")[: width - 8])


async def test_board_footer_shows_the_board_keys(lib: Library) -> None:
    lib.set_status(inbox(lib)[0], Status.TO_READ)
    app, _, _ = make_app(lib)
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Move →" not in footer
        await pilot.press("b")
        await pilot.pause()
        await pilot.pause()  # the footer rebuilds after the refresh
        footer = screen_text(app).splitlines()[-1]
        assert "Move ←" in footer and "Move →" in footer and "Column →" in footer


async def test_the_footer_follows_the_board_in_one_line_widget(lib: Library) -> None:
    """Switching list and board changes the footer's keys in the same frame; the footer is one
    widget (25 key widgets laid out and drawn anew were most of the switch's cost) and shows
    what Textual's footer shows: one key per action, dimmed when it cannot run now."""

    def shown(app: ReaderApp) -> list[tuple[str, str, bool]]:
        return [(k.key, k.description, k.disabled) for k in app.screen.query_one(KeyBar).specs]

    def textual_keys(app: ReaderApp) -> list[tuple[str, str, bool]]:
        seen: dict[str, tuple[str, str, bool]] = {}
        for _, binding, enabled, _ in app.screen.active_bindings.values():
            if binding.show:
                seen.setdefault(binding.action, (binding.key, binding.description, not enabled))
        return [*seen.values(), ("ctrl+p", "palette", False)]

    lib.set_status(inbox(lib)[0], Status.TO_READ)
    app, _, _ = make_app(lib)
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyBar)
        assert not footer.children
        in_list = shown(app)
        assert in_list == textual_keys(app) and "Move →" not in screen_text(app).splitlines()[-1]
        await pilot.press("b")
        assert shown(app) == textual_keys(app) != in_list
        footer_line = screen_text(app).splitlines()[-1]
        assert "Move ←" in footer_line and "Move →" in footer_line and "Column →" in footer_line
        assert footer_line.rstrip().endswith("palette")
        await pilot.press("b")
        assert shown(app) == in_list and "Move →" not in screen_text(app).splitlines()[-1]
        await pilot.press("u")  # the status set above undone: nothing is left to undo
        assert ("u", "Undo", True) in shown(app) and shown(app) == textual_keys(app)  # dimmed, not hidden


async def test_a_click_on_a_footer_key_presses_it(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyBar)
        line = screen_text(app).splitlines()[-1]
        x = line.index("Board")
        assert footer.key_at(x) is not None and footer.key_at(x).action == "toggle_board"
        before = footer.key_at(x - 3)  # " b Board " is one key: its padding, its key, its text
        assert before is not None and before.action == "toggle_board"
        palette = footer.key_at(len(line) - 3)
        assert palette is not None and palette.palette
        await pilot.hover(KeyBar, offset=(x, 0))
        assert footer.tooltip == "Switch between the list and the board"
        await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert app.screen.board


async def test_footer_keys_that_do_not_fit_are_left_out_whole(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(64, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyBar)
        line = screen_text(app).splitlines()[-1].rstrip()
        drawn = [spec for spec in footer.specs if spec.description in line]
        assert 0 < len(drawn) < len(footer.specs)
        last = drawn[-1]
        assert line.endswith(last.description), line  # no key cut in the middle


# -- 8. notes in $EDITOR ----------------------------------------------------------------------------


def editor_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake_editor.py"
    script.write_text(body, encoding="utf-8")
    return f"{sys.executable} {script}"


async def test_ctrl_e_writes_the_note_in_the_editor_and_undo_works(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = editor_script(
        tmp_path,
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\np.write_text(p.read_text() + ' and more\\n')\n",
    )
    monkeypatch.setenv("VISUAL", command)
    monkeypatch.setenv("EDITOR", "false")  # VISUAL wins
    app, _, notes = make_app(lib)
    app.editor_session = contextlib.nullcontext  # type: ignore[assignment,method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pid = screen_of(app).current_id or ""
        await pilot.press("n")
        await pilot.pause()  # the editor has the keys
        await pilot.press(*"first", "ctrl+e")
        await pilot.pause()
        assert lib.state(pid).notes == "first and more"
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.text == "first and more" and not editor.dirty
        assert "Notes saved from the editor" in notes.messages()
        await pilot.press("escape", "u")
        await pilot.pause()
        assert lib.state(pid).notes == "first"
        # from the list too
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert lib.state(pid).notes == "first and more"


async def test_a_failing_editor_changes_nothing_and_says_so(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = editor_script(tmp_path, "import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('x')\nsys.exit(3)\n")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", command)
    app, _, notes = make_app(lib)
    app.editor_session = contextlib.nullcontext  # type: ignore[assignment,method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pid = screen_of(app).current_id or ""
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert lib.state(pid).notes == ""
        assert any("exited with status 3" in message for message in notes.messages())
        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert any("Could not run" in message for message in notes.messages())
        assert lib.state(pid).notes == ""


async def test_the_real_suspend_is_refused_in_a_headless_test_without_harm(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_test's driver cannot suspend: the user gets a message, the app goes on
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "raise SystemExit(0)\n"))
    app, _, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert any("cannot hand itself to an editor" in message for message in notes.messages())
        await pilot.press(*"ok")
        assert screen_of(app).query_one(NotesEditor).text == "ok"


# -- 9. q, [ ], escape then a key --------------------------------------------------------------


async def test_q_quits_from_the_list_but_types_in_the_notes(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pid = screen_of(app).current_id or ""
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and screen_of(app).query_one(NotesEditor).text == "q"
        await pilot.press("escape", "q")
        await pilot.pause()
        assert app._exit
    assert lib.state(pid).notes == "q"


async def test_days_keys_say_when_there_is_one_day(lib: Library) -> None:
    app, _, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert notes.messages()[-1] == "The library has only one featured day (Jul 31, 2025)"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert len([m for m in notes.messages() if "only one featured day" in m]) == 2


async def test_escape_then_a_key_typed_fast_is_escape_then_the_key(lib: Library) -> None:
    """Terminals deliver escape quickly followed by `#` as alt+#: it must not type into the note."""
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pid = screen_of(app).current_id or ""
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"idea", "alt+number_sign")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, TagsDialog)  # left the notes, then # opened the tags
        assert lib.state(pid).notes == "idea"
        await pilot.press("escape")
        await pilot.pause()
        # on the list: alt+t is escape (clear the filter) then t
        await pilot.press("slash", *"zzz", "enter", "alt+t")
        await pilot.pause()
        await pilot.pause()
        assert screen_of(app).query_text == ""
        assert lib.status(pid) is Status.TO_READ
        # in the filter: alt+x clears it and skips the paper under the cursor
        following = screen_of(app).current_id or ""
        await pilot.press("slash", *"qqq", "alt+x")
        await pilot.pause()
        await pilot.pause()
        assert screen_of(app).query_text == "" and lib.status(following) is Status.SKIPPED


def test_the_parser_marks_escape_then_punctuation_as_alt(monkeypatch: pytest.MonkeyPatch) -> None:
    import textual._parser

    from reader.tui.keys import EscapeAwareParser

    def keys(data: str) -> list[str]:
        parser = EscapeAwareParser()
        found = list(parser.feed(data))
        monkeypatch.setattr(textual._parser, "get_time", lambda: float("inf"))  # the escape delay is over
        found += list(parser.tick())
        monkeypatch.undo()
        return [event.key for event in found]  # type: ignore[union-attr]

    assert keys("\x1b#") == ["alt+number_sign"]  # Textual alone says `number_sign`: escape lost
    assert keys("\x1bt") == ["alt+t"]
    assert keys("\x1b[A") == ["up"]
    assert keys("\x1b") == ["escape"]


# -- 10. polish ------------------------------------------------------------------------------------


async def test_the_top_line_counts_skipped_papers(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "x")
        await pilot.pause()
        line = screen_of(app).query_one("#progress", Static).visual.plain  # type: ignore[union-attr]
        assert "2 skipped" in line
    app, _, _ = make_app(lib)
    async with app.run_test(size=(80, 24)) as pilot:  # small screens count with the marks
        await pilot.pause()
        line = screen_of(app).query_one("#progress", Static).visual.plain  # type: ignore[union-attr]
        assert f"{STATUS_MARKS[Status.SKIPPED]} 2" in line and "2/86 triaged" in line


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 36), (200, 50)])
async def test_the_top_line_keeps_the_counts_in_the_for_you_order(lib: Library, width: int, height: int) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(width, height)) as pilot:
        screen = screen_of(app)
        await pilot.press("x", "x", "t")
        for _ in range(6):
            if screen.browse.sort.learned:
                break
            await pilot.press("s")
        assert screen.browse.sort.learned
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert "3/86" in top and "catch-up" in top
        if width < 110:
            assert f"{STATUS_MARKS[Status.SKIPPED]} 2" in top and f"{STATUS_MARKS[Status.TO_READ]} 1" in top
        else:
            assert "1 to-read" in top and "0 reading" in top and "0 done" in top and "2 skipped" in top
            assert "for you" in top
        if width >= 200:  # room for every word
            assert "no decisions yet: page order" in top and "auto-advance on" in top


async def test_a_narrow_list_names_its_order_in_the_top_line(lib: Library) -> None:
    """Below 110 columns the list has no border, so no border title: the top line names the
    order instead (and says nothing for the page order)."""
    app, _, _ = make_app(lib)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        await pilot.pause()
        assert "by " not in screen_text(app).splitlines()[0]
        names = []
        for _ in range(3):
            await pilot.press("s")
            await pilot.pause()
            sort = screen.browse.sort
            names.append(sort.name)
            top = screen_text(app).splitlines()[0]
            assert sort.label in top or top.rstrip().endswith(f"· {sort.name}")  # (the short name when crowded)
        assert names == ["upvotes", "published", "title"]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_the_cursor_row_is_readable_in_the_default_theme(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        paper_list = screen_of(app).paper_list
        assert app.focused is paper_list
        for role in ("title", "meta", "tags"):
            style = paper_list._style(True, role)
            assert style.color is not None and style.bgcolor is not None
            fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
            ratio = contrast((fg.red, fg.green, fg.blue), (bg.red, bg.green, bg.blue))
            assert ratio >= 4.5, (role, ratio)


async def test_the_footer_follows_a_resize_at_once(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=(140, 36)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyBar)
        assert not footer.compact
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert footer.compact
        assert "palette" not in screen_text(app).splitlines()[-1]
        await pilot.resize_terminal(140, 36)
        await pilot.pause()
        assert not footer.compact and "palette" in screen_text(app).splitlines()[-1]
        assert isinstance(app.focused, PaperList)


async def test_the_chosen_export_selection_stands_out_without_colour(lib: Library) -> None:
    from textual.widgets import RadioButton

    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        buttons = list(app.screen.query("#export-selection RadioButton").results(RadioButton))
        assert len(buttons) == 3
        styles = {button.id: button.get_visual_style("toggle--label") for button in buttons}
        chosen = [bid for bid, style in styles.items() if style.bold and style.underline]
        assert chosen == ["export-done"]
        await pilot.click("#export-all")
        await pilot.pause()
        styles = {button.id: button.get_visual_style("toggle--label") for button in buttons}
        assert [bid for bid, style in styles.items() if style.bold and style.underline] == ["export-all"]
