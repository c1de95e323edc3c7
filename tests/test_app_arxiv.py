"""arXiv announcements in the app: source and update marks in rows and the detail pane, and `F`
bringing Hugging Face's day together with the followed categories (server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Static

from reader.library import Library
from reader.models import Paper, Status
from reader.tui.app import ReaderApp
from reader.tui.paper_list import PaperList
from tests import test_fetch as shared
from tests.test_fetch import API, Reply, Server, day_items, hf_day

server = shared.server
no_real_waiting = shared.no_real_waiting

ARXIV = Path(__file__).resolve().parent / "fixtures" / "arxiv"
SIZE = (200, 40)


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib")
    library.import_files([ARXIV / "atom_cs.CL.xml"])
    try:
        yield library
    finally:
        library.close()


def detail_text(app: ReaderApp) -> str:
    """The detail pane's text as given to its widget (literal `Content`)."""
    return app.papers_screen.detail.query_one("#detail-body", Static).visual.plain  # type: ignore[union-attr]


def row_of(app: ReaderApp, pid: str) -> str:
    """The list row of a paper, as drawn."""
    widget = app.papers_screen.paper_list
    return widget.render_line(widget.ids.index(pid) - widget.scroll_offset.y).text


async def test_rows_and_detail_show_the_source_and_the_update(lib: Library) -> None:
    hostile = "arxiv:[@click=app.quit]x[/]\x1b[2J"
    lib.set_status("2405.01234", Status.DONE)
    lib.import_papers([Paper(id="h1", title="Hostile source", days=["2025-09-29"], sources=[hostile])])
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the first fill puts the cursor on the first paper: let it happen
        screen = app.papers_screen
        screen.go_to_paper("2405.01234")
        await pilot.pause()
        text = detail_text(app)
        assert "arXiv cs.CL · updated v3" in row_of(app, "2405.01234")
        assert "arXiv cs.CL" in row_of(app, "2509.21001")
        assert "source  arXiv cs.CL · updated v3" in text
        screen.go_to_paper("2509.20877")
        await pilot.pause()
        assert "source  arXiv cs.CL · cross-list" in detail_text(app)
        screen.go_to_paper("h1")  # a source is paper data too: drawn literally, never as markup
        await pilot.pause()
        text = detail_text(app)
        assert "arXiv [@click=app.quit]x[/]" in row_of(app, "h1") and "source  arXiv [@click=app.quit]x[/]" in text
        assert "\x1b" not in text and app.is_running
        await pilot.press("b")  # the board's compact rows show only the update
        await pilot.pause()
        done = app.papers_screen.query_one("#list-done", PaperList)
        assert done.ids == ["2405.01234"]
        row = done.render_line(0).text
        assert "Retrieval Heads" in row and "updated v3" in row and "arXiv" not in row


async def test_fetch_key_brings_hugging_face_and_followed_categories(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = date.today().isoformat()
    server.route(API, hf_day({today: day_items(2)}))
    server.route("/rss/cs.CL+cs.LG", lambda seen: Reply(body=(ARXIV / "rss_cs.CL+cs.LG.xml").read_bytes()))
    monkeypatch.setenv("READER_HF_URL", server.url)
    monkeypatch.setenv("READER_ARXIV_RSS_URL", server.url)
    with Library.open(tmp_path / "lib") as library:
        library.follow(["cs.CL", "cs.LG"])
        app = ReaderApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("F")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert {"2507.10000", "2507.10001", "2509.21001", "2405.01234"} <= set(library.papers)
        assert library.paper("2509.21002").sources == ["arxiv:cs.LG"]
