"""The app, driven from the keyboard through Pilot: triage, undo, filter, board, notes, tags, days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from reader.library import Library
from reader.models import Paper, Status
from reader.resources import SAMPLE_DAY, sample_files
from reader.store import LockedError, WriteError
from reader.tui.app import DEMO_TITLE, ReaderApp, run_app
from reader.tui.board import Board
from reader.tui.help_screen import HelpScreen
from reader.tui.notes import NotesEditor
from reader.tui.paper_list import PaperList
from reader.tui.papers_screen import PapersScreen
from reader.tui.tags_dialog import TagsDialog, split_tags
from tests.helpers.waiting import until

SIZE = (120, 40)


class Recorder:
    """Stands in for `webbrowser.open` and `notify`: remembers what it was given."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


def make_app(library: Library) -> tuple[ReaderApp, Recorder, Recorder]:
    browser = Recorder()
    app = ReaderApp(library, browser_open=browser)
    notes = Recorder()
    app.notify = notes  # type: ignore[method-assign]
    return app, browser, notes


def screen_of(app: ReaderApp) -> PapersScreen:
    return app.papers_screen


def screen_text(app: ReaderApp) -> str:
    """Everything on the terminal right now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def progress(app: ReaderApp) -> str:
    return screen_of(app).query_one("#progress", Static).visual.plain  # type: ignore[union-attr]


def inbox(library: Library) -> list[str]:
    return library.ids(status=Status.INBOX, day=SAMPLE_DAY)


async def test_triage_five_papers_with_auto_advance(lib: Library) -> None:
    first = inbox(lib)[:6]
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen_of(app).paper_list.current_id == first[0]
        await pilot.press("t", "r", "d", "x", "t")
        await pilot.pause()
        statuses = [lib.status(pid) for pid in first[:5]]
        assert statuses == [Status.TO_READ, Status.READING, Status.DONE, Status.SKIPPED, Status.TO_READ]
        assert screen_of(app).paper_list.current_id == first[5]
        assert first[0] not in screen_of(app).paper_list.ids
        assert "5/86 triaged · 2 to-read · 1 reading · 1 done" in progress(app)
        assert "5/86 triaged" in screen_text(app)


async def test_auto_advance_off_keeps_the_cursor_on_the_paper(lib: Library) -> None:
    ids = lib.ids(day=SAMPLE_DAY)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "a", "j", "t")
        await pilot.pause()
        screen = screen_of(app)
        assert not screen.auto_advance
        assert "auto off" in screen_text(app)  # "auto-advance off" where the top line has room
        assert lib.status(ids[1]) is Status.TO_READ
        assert screen.paper_list.current_id == ids[1]
        await pilot.press("a", "d")
        await pilot.pause()
        assert lib.status(ids[1]) is Status.DONE
        assert screen.paper_list.current_id == ids[2]


async def test_in_the_inbox_a_triaged_paper_leaves_and_the_next_one_is_under_the_cursor(lib: Library) -> None:
    ids = inbox(lib)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "j", "j", "r")
        await pilot.pause()
        screen = screen_of(app)
        assert ids[2] not in screen.paper_list.ids
        assert screen.paper_list.current_id == ids[3]


async def test_last_paper_triaged_lands_on_the_one_before(lib: Library) -> None:
    ids = inbox(lib)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "x")
        await pilot.pause()
        assert lib.status(ids[-1]) is Status.SKIPPED
        assert screen_of(app).paper_list.current_id == ids[-2]


async def test_undo_and_redo_several_steps_of_status_tags_and_notes(lib: Library) -> None:
    ids = inbox(lib)
    app, _, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "r")
        await pilot.pause()
        # tags on the third paper
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsDialog)
        await pilot.press(*"rl, later", "enter")
        await pilot.pause()
        assert lib.state(ids[2]).tags == ["rl", "later"]
        # notes on the third paper
        await pilot.press("n", *"hi", "escape")
        await pilot.pause()
        assert lib.state(ids[2]).notes == "hi"
        await pilot.press("u")
        await pilot.pause()
        assert lib.state(ids[2]).notes == ""
        assert screen_of(app).detail.editor.text == ""
        await pilot.press("u")
        await pilot.pause()
        assert lib.state(ids[2]).tags == []
        await pilot.press("u", "u")
        await pilot.pause()
        assert any("Undo: status to-read → inbox" in args[0] for args, _ in notes.calls)
        assert lib.status(ids[0]) is Status.INBOX
        assert lib.status(ids[1]) is Status.INBOX
        assert screen_of(app).paper_list.current_id == ids[0]
        await pilot.press("U", "U", "U", "U")
        await pilot.pause()
        assert lib.status(ids[0]) is Status.TO_READ
        assert lib.status(ids[1]) is Status.READING
        assert lib.state(ids[2]).tags == ["rl", "later"]
        assert lib.state(ids[2]).notes == "hi"


async def test_filter_as_you_type_and_escape_restores_the_view(lib: Library) -> None:
    target = next(pid for pid in lib.ids() if lib.paper(pid).title.startswith("RetFiner"))
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "slash", *"retfiner")
        await pilot.pause()
        screen = screen_of(app)
        assert screen.paper_list.ids[0] == target
        assert len(screen.paper_list.ids) < 86
        assert "filter retfiner" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.filter_input.value == ""
        assert screen.paper_list.ids == inbox(lib)
        assert app.focused is screen.paper_list


async def test_filter_enter_returns_to_the_list_keeping_the_filter_and_triage_applies(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"reasoning", "enter")
        await pilot.pause()
        screen = screen_of(app)
        hits = screen.paper_list.ids
        assert 1 < len(hits) < 86
        assert app.focused is screen.paper_list
        await pilot.press("t")
        await pilot.pause()
        assert lib.status(hits[0]) is Status.TO_READ
        # not scoped by status: the paper stays in the filtered list, the cursor moved on
        assert screen.paper_list.ids[0] == hits[0]
        assert screen.paper_list.current_id == hits[1]
        await pilot.press("escape")  # from the list, escape clears the filter too
        await pilot.pause()
        assert screen.filter_input.value == "" and screen.paper_list.ids == inbox(lib)


async def test_filter_that_matches_nothing_says_so(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"zzqqxx")
        await pilot.pause()
        assert screen_of(app).paper_list.ids == []
        assert "Nothing matches the filter “zzqqxx”" in screen_text(app)


async def test_board_moves_cards_and_counts_columns(lib: Library) -> None:
    ids = inbox(lib)
    lib.set_status(ids[:3], Status.TO_READ)
    lib.set_status(ids[3], Status.READING)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        board = screen_of(app).query_one(Board)
        text = screen_text(app)
        assert "to-read 3" in text and "reading 1" in text and "done 0" in text
        first = board.list_of(Status.TO_READ).current_id
        await pilot.press("L")
        await pilot.pause()
        assert lib.status(first) is Status.READING
        text = screen_text(app)
        assert "to-read 2" in text and "reading 2" in text
        # the cursor went with the card: shift+right moves the same paper on to done
        await pilot.press("shift+right")
        await pilot.pause()
        moved = board.list_of(Status.DONE).ids
        assert moved == [first]
        assert "done 1" in screen_text(app)
        await pilot.press("H")
        await pilot.pause()
        assert lib.status(first) is Status.READING
        # t/r/d work on the board too
        await pilot.press("h", "d")
        await pilot.pause()
        assert len(board.list_of(Status.DONE).ids) == 1
        assert len(board.list_of(Status.TO_READ).ids) == 1
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.focused, PaperList) and app.focused.id == "papers"


async def test_note_survives_quit_and_reopen(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    library = Library.open(folder)
    library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    pid = inbox(library)[0]
    app, _, _ = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # posts a message; the editor takes the focus when it is handled
        await pilot.pause()
        await pilot.press(*"Read", "enter", *"ok")
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.dirty
        assert "● unsaved" in screen_text(app)
        await pilot.press("ctrl+q")
        await pilot.pause()
    library.close()
    with Library.open(folder) as again:
        assert again.state(pid).notes == "Read\nok"


async def test_notes_autosave_after_a_pause_and_on_leaving_the_paper(lib: Library) -> None:
    ids = inbox(lib)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"abc")
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor._timer is not None  # the debounce is armed
        editor.autosave()  # what the timer calls, fired deterministically
        await pilot.pause()
        assert lib.state(ids[0]).notes == "abc"
        assert not editor.dirty and "saved" in screen_text(app)
        await pilot.press(*"def")
        await pilot.pause()
        await pilot.press("escape", "j")
        await pilot.pause()
        assert lib.state(ids[0]).notes == "abcdef"
        # showing another paper's notes does not mark them unsaved
        assert editor.paper_id == ids[1] and not editor.dirty


async def test_loading_notes_does_not_mark_them_dirty(lib: Library) -> None:
    ids = inbox(lib)
    lib.set_notes(ids[1], "old notes")
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.text == "old notes"
        assert not editor.dirty
        assert lib.state(ids[1]).updated_at is not None
        before = lib.state(ids[1]).updated_at
        await pilot.press("j", "k")
        await pilot.pause()
        assert lib.state(ids[1]).updated_at == before


async def test_tags_dialog_prefills_and_cancels(lib: Library) -> None:
    pid = inbox(lib)[0]
    lib.set_tags(pid, ["keep"])
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("number_sign")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TagsDialog)
        assert dialog.query_one("#tags-input").value == "keep"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)
        assert lib.state(pid).tags == ["keep"]
        await pilot.press("number_sign", "end", *" #new,other", "enter")
        await pilot.pause()
        assert lib.state(pid).tags == ["keep", "new", "other"]
        assert "#keep  #new  #other" in screen_text(app)


def test_split_tags() -> None:
    assert split_tags(" a, b  c,,#d ") == ["a", "b", "c", "#d"]
    assert split_tags("  ") == []


async def test_days_switch_with_brackets(lib: Library) -> None:
    lib.import_papers([Paper(id="older-1", title="An older paper", days=["2025-07-30"])])
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        assert screen.day == SAMPLE_DAY
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.day == "2025-07-30"
        assert screen.paper_list.ids == ["older-1"]
        assert "Jul 30 · 0/1 triaged" in progress(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.day == "2025-07-30"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.day == SAMPLE_DAY
        assert len(screen.paper_list.ids) == 86


async def test_views_by_number_and_cycle(lib: Library) -> None:
    ids = inbox(lib)
    lib.set_status(ids[0], Status.DONE)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await pilot.press("5")
        await pilot.pause()
        assert screen.paper_list.ids == [ids[0]]
        await pilot.press("v")
        await pilot.pause()
        assert screen.view.name == "all" and len(screen.paper_list.ids) == 86
        await pilot.press("v")
        await pilot.pause()
        assert screen.view.name == "inbox" and len(screen.paper_list.ids) == 85


async def test_help_lists_the_bindings(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text", Static).visual.plain  # type: ignore[union-attr]
        for binding in PapersScreen.BINDINGS:
            assert binding.description in text  # type: ignore[union-attr]
        assert "Auto-advance" in text and "Previous day" in text and "Command palette" in text
        help_box = app.screen.query_one("#help-box")
        await until(pilot, lambda: help_box.max_scroll_y >= 3)  # laid out: there is room to scroll
        await pilot.press("j", "j", "j")
        await until(pilot, lambda: help_box.scroll_y == 3)  # a scroll lands on the next refresh
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)


async def test_open_and_pdf_use_the_injected_browser(lib: Library) -> None:
    lib.import_papers([Paper(id="no-links", title="A paper without any link", days=["2025-08-01"])])
    app, browser, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left_square_bracket")  # back to the sample day (the new paper is newer)
        await pilot.pause()
        pid = screen_of(app).paper_list.current_id
        assert pid is not None
        await pilot.press("o", "p")
        await pilot.pause()
        paper = lib.paper(pid)
        assert [args[0] for args, _ in browser.calls] == [paper.url, paper.pdf_url]
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen_of(app).paper_list.current_id == "no-links"
        screen_of(app).action_open()
        await pilot.pause()
        assert len(browser.calls) == 2
        assert any("no page to open" in args[0] for args, _ in notes.calls)
        # only web addresses go to the browser
        lib.import_papers([Paper(id="no-links", title="A paper without any link", project_url="file:///etc/passwd")])
        screen_of(app).action_open()
        await pilot.pause()
        assert len(browser.calls) == 2
        assert any("not a web address" in args[0] for args, _ in notes.calls)


async def test_a_write_error_is_shown_and_the_app_keeps_running(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = inbox(lib)[0]
    app, _, notes = make_app(lib)

    def full_disk(docs: object) -> None:
        raise WriteError("cannot write state.json: No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(lib.store, "put_states", full_disk)
        await pilot.press("t")
        await pilot.pause()
        assert lib.status(pid) is Status.INBOX
        assert screen_of(app).paper_list.current_id == pid
        assert any("No space left" in args[0] for args, _ in notes.calls)
        assert all(kwargs.get("markup") is False for _, kwargs in notes.calls)
        # a note that cannot be written stays in the editor, marked
        await pilot.press("n", *"keep me")
        await pilot.press("escape")
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.dirty and editor.text == "keep me"
        assert "write failed" in screen_text(app)
        monkeypatch.undo()
        await pilot.press("n", "escape")
        await pilot.pause()
        assert lib.state(pid).notes == "keep me"
        assert app.is_running


async def test_empty_library_says_how_to_get_papers(tmp_path: Path) -> None:
    with Library.open(tmp_path / "empty") as library:
        app, _, _ = make_app(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t", "j", "b", "b", "u")
            await pilot.pause()
            text = screen_text(app)
            assert "reader import FILE" in text and "reader fetch" in text
            assert "no papers yet" in text


async def test_palette_offers_actions_and_papers(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"to-re")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Move to to-read" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert lib.counts(SAMPLE_DAY)[Status.TO_READ] == 1
        # from the notes editor too (the command leaves the editor, as the key would)
        await pilot.press("n", "ctrl+p", *"to done")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert lib.counts(SAMPLE_DAY)[Status.DONE] == 1


def test_run_app_refuses_a_locked_library(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib"), pytest.raises(LockedError):
        run_app(tmp_path / "lib")


async def test_demo_title(lib: Library) -> None:
    app = ReaderApp(lib, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.title == DEMO_TITLE
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert DEMO_TITLE in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen_text(app).startswith(" demo · Jul 31")


HOSTILE = {
    "h-click": "[@click=app.quit]Click[/]",
    "h-close": "a [/] b",
    "h-link": '[link="https://x"]y[/link]',
    "h-esc": "Clear \x1b[2J the screen",
    "h-var": "Costs $var and [b]$accent[/b]",
}


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "hostile")
    library.import_papers(
        [
            Paper(
                id=pid,
                title=title,
                abstract=f"Abstract {title} **bold [/]** see https://x.org/[@click=app.quit]",
                authors=[title, "[red]Eve[/red]"],
                arxiv_id=None,
                days=["2025-07-31"],
                ai_summary=title,
                ai_keywords=["[/]", "[@click=app.quit]k[/]"],
                upvotes=3,
            )
            for pid, title in HOSTILE.items()
        ]
    )
    # What an importer would strip, put straight into memory: the renderer must clean it too.
    library.papers["h-esc"].title = "Clear \x1b[2J the screen \x1b]52;c;aGVsbG8=\x07 osc"
    for pid in HOSTILE:
        library.set_tags(pid, ["[/]", "[@click=app.quit]"])
    try:
        yield library
    finally:
        library.close()


def assert_literal(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert "[@click=app.quit]Click[/]" in text or "[@click=app.quit]Cli" in text


async def test_hostile_text_is_shown_literally_everywhere_and_clicks_run_nothing(hostile: Library) -> None:
    app, _, _ = make_app(hostile)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await pilot.pause()
        screen = screen_of(app)
        text = screen_text(app)
        assert_literal(text)
        assert "a [/] b" in text and '[link="https://x"]y[/link]' in text
        assert "Clear  the screen" in text or "Clear the screen" in text
        # detail of the first paper: title, authors, tags, summary, keywords, abstract
        body = screen.query_one("#detail-body", Static).visual.plain  # type: ignore[union-attr]
        assert "[red]Eve[/red]" in body and "[@click=app.quit]k[/]" in body and "#[/]" in body
        assert "bold [/]" in body and "https://x.org/[@click=app.quit]" in body
        # notes typed with markup stay literal and are saved as typed
        await pilot.press("n", *"[/] [b]x")
        await pilot.press("escape")
        await pilot.pause()
        first = screen.paper_list.ids[0]
        assert hostile.state(first).notes == "[/] [b]x"
        # clicks on every hostile row, the detail and the notes run nothing
        for row in range(len(HOSTILE)):
            await pilot.click(PaperList, offset=(8, row))
        await pilot.click("#detail-body", offset=(3, 0))
        await pilot.click("#detail-body", offset=(10, 6))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        # a filter made of markup, in the mode line and the empty message
        await pilot.press("slash", *"[/] [@x]")
        await pilot.pause()
        assert "[/] [@x]" in screen_text(app)
        await pilot.press("escape")
        # board
        hostile.set_status(list(HOSTILE), Status.TO_READ)
        await pilot.press("b")
        await pilot.pause()
        text = screen_text(app)
        assert_literal(text)
        assert "a [/] b" in text
        await pilot.click(PaperList, offset=(5, 0))
        # tags dialog shows the title literally
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsDialog)
        dialog_text = screen_text(app)
        assert "[/]" in dialog_text and "\x1b" not in dialog_text
        await pilot.press("escape", "b")
        await pilot.pause()
        # the palette lists papers by their literal titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"click")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "[@click=app.quit]Click[/]" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        # help opens over a hostile paper
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_hostile_write_error_message_is_a_literal_notification(
    hostile: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ReaderApp(hostile, browser_open=Recorder())

    def broken(docs: object) -> None:
        raise WriteError("cannot write [@click=app.quit]x[/] a [/] b \x1b[2J")

    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        monkeypatch.setattr(hostile.store, "put_states", broken)
        await pilot.press("t")
        await pilot.pause()
        text = screen_text(app)
        assert "cannot write [@click=app.quit]x[/] a [/] b" in text
        assert "\x1b" not in text
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_small_and_large_terminals_render_list_board_and_help(lib: Library, size: tuple[int, int]) -> None:
    lib.set_status(inbox(lib)[:4], Status.READING)
    app, _, _ = make_app(lib)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = screen_of(app)
        assert screen.has_class("-narrow") is (size[0] < 110)
        await until(pilot, lambda: "To-read" in screen_text(app))  # the footer is drawn after a refresh
        assert "triaged" in screen_text(app)
        assert screen.paper_list.size.height >= 5
        assert screen.detail.size.height >= 8
        await pilot.press("b")
        await pilot.pause()
        assert "reading 4" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert screen.query_one(NotesEditor).size.height >= 5
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert "Move the paper to done" in screen_text(app)


async def test_signal_saves_the_notes_and_exits(lib: Library) -> None:
    pid = inbox(lib)[0]
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"sig")
        await pilot.pause()
        app._on_signal()
        await pilot.pause()
    assert lib.state(pid).notes == "sig"


async def test_full_text_runs_in_a_thread_on_large_libraries(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import reader.tui.papers_screen as papers_screen

    monkeypatch.setattr(papers_screen, "FULL_TEXT_IN_THREAD", 10)
    # a word that is in an abstract but in no title
    target = next(pid for pid in lib.ids() if "coherence tomography" in lib.paper(pid).abstract)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"tomography")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target in screen_of(app).paper_list.ids


async def test_notes_that_cannot_be_written_follow_their_paper_until_saved(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = inbox(lib)
    app, _, _ = make_app(lib)
    original = lib.store.put_states

    def full_disk(docs: object) -> None:
        raise WriteError("No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(lib.store, "put_states", full_disk)
        await pilot.press("n", *"keep", "escape", "j")
        await pilot.pause()
        editor = screen_of(app).query_one(NotesEditor)
        assert editor.paper_id == ids[1] and editor.pending == {ids[0]: "keep"}
        await pilot.press("k")
        await pilot.pause()
        assert editor.text == "keep" and editor.dirty
        monkeypatch.setattr(lib.store, "put_states", original)
        await pilot.press("j")
        await pilot.pause()
        assert lib.state(ids[0]).notes == "keep" and not editor.pending


async def test_fetch_runs_in_a_worker_and_shows_the_new_day(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from reader.fetch import DayFetch, Fetched, Fetcher

    merged_on: list[int] = []
    real_import = lib.import_papers

    def fake_latest(fetcher: Fetcher, lookback: int = 7) -> Fetched:
        assert fetcher.progress is not None
        fetcher.say("fetching [b]Aug 1[/b]")
        paper = Paper(id="new-1", title="A fresh paper", days=["2025-08-01"])
        return Fetched([DayFetch("Aug 1", [paper], date(2025, 8, 1))])

    def recording_import(papers: Any) -> Any:
        merged_on.append(threading.get_ident())
        return real_import(papers)

    monkeypatch.setattr(Fetcher, "latest", fake_latest)
    monkeypatch.setattr(lib, "import_papers", recording_import)
    app, _, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = screen_of(app)
        assert screen.day == "2025-08-01"
        # catch-up (the opening view) puts the new day first, under its own separator
        assert screen.paper_list.ids[0] == "new-1" and len(screen.paper_list.ids) == 87
        assert "── Aug 1 · 1 left" in screen_text(app)
        messages = [args[0] for args, _ in notes.calls]
        assert "fetching [b]Aug 1[/b]" in messages and "Aug 1: 1 paper, 1 new, 0 updated" in messages
        # the merge into the library ran on the UI thread, never in the worker
        assert merged_on == [threading.get_ident()]


async def test_export_key_opens_the_export_dialog(lib: Library) -> None:
    pytest.importorskip("reader.tui.export_dialog")
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExportDialog"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)


async def test_the_export_file_name_says_what_it_holds(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_TODAY", "2025-08-02")
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"reasoning", "enter", "e")
        await pilot.pause()
        field = app.screen.query_one("#export-path")
        assert field.value == "done-as-of-2025-08-02.md"  # type: ignore[attr-defined]
        app.screen.query_one("#export-selection").focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert field.value == "filter-reasoning-as-of-2025-08-02.md"  # type: ignore[attr-defined]


async def test_quit_with_notes_that_cannot_be_saved_warns_first(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, notes = make_app(lib)

    def full_disk(docs: object) -> None:
        raise WriteError("No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"abc")
        monkeypatch.setattr(lib.store, "put_states", full_disk)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert any("could not be saved" in args[0] for args, _ in notes.calls)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
