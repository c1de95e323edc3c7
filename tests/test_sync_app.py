"""Sync in the app: on start and on quit in a worker, `R` (and the palette), `conflict` shown,
and undo taking a merged change back."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.library import Library
from reader.models import Paper, Status
from reader.sync import set_folder, sync_now
from reader.tui.app import ReaderApp
from reader.tui.commands import screen_commands

SIZE = (120, 40)
DAY = "2025-07-31"


def paper(n: int) -> Paper:
    return Paper(id=f"2507.{n:05d}", title=f"Paper number {n}", arxiv_id=f"2507.{n:05d}", days=[DAY])


def machine(base: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setenv("READER_SYNC_HOST", name)
    lib = Library.open(base / name)
    lib.import_papers([paper(n) for n in range(3)])
    set_folder(lib, base / "shared")
    return lib


def screen_text(app: ReaderApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def row_of(app: ReaderApp, needle: str) -> str:
    """The screen lines that hold `needle` (a list row, the detail's title or facts line)."""
    return "\n".join(line for line in screen_text(app).splitlines() if needle in line)


async def settle(app: ReaderApp, pilot: object) -> None:
    """Wait until the sync workers are done and their messages handled (no sleeps)."""
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


async def test_the_app_syncs_on_start_undoes_a_merge_and_syncs_with_r(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = machine(tmp_path, "desktop", monkeypatch)
    lib = machine(tmp_path, "laptop", monkeypatch)
    sync_now(lib)
    pid = paper(0).id
    other.set_status(pid, Status.DONE)
    other.set_notes(pid, "desktop note")
    lib.set_notes(pid, "laptop note")  # both changed the note: a conflict after the sync
    sync_now(other)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.papers_screen
        await settle(app, pilot)
        assert "applied 1 from 1 machine" in screen.last_sync and "conflicts 1" in screen.last_sync
        assert lib.status(pid) is Status.DONE
        assert lib.state(pid).note_conflict
        screen.go_to_paper(pid)
        await pilot.pause()
        assert "conflict" in row_of(app, "Paper number 0")  # in the list row...
        assert "done · conflict · featured" in row_of(app, "featured")  # ...and the detail's facts line
        await pilot.press("u")  # the merge is one undo step
        await pilot.pause()
        assert lib.status(pid) is Status.INBOX and lib.state(pid).notes == "laptop note"
        assert "Sync now" in [c.title for c in screen_commands(screen)]
        await pilot.press("R")
        await settle(app, pilot)
        assert screen.last_sync.startswith("sent 1,")
    sync_now(other)
    assert other.status(pid) is Status.INBOX and other.state(pid).notes == "laptop note"
    other.close()
    lib.close()


async def test_editing_the_note_ends_the_conflict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = machine(tmp_path, "desktop", monkeypatch)
    lib = machine(tmp_path, "laptop", monkeypatch)
    pid = paper(2).id
    other.set_notes(pid, "desktop note")
    lib.set_notes(pid, "laptop note")
    sync_now(other)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.papers_screen.go_to_paper(pid)
        await pilot.pause()
        assert "conflict" in row_of(app, "Paper number 2")
        await pilot.press("n", "end", "!", "escape")
        await pilot.pause()
        assert not lib.state(pid).note_conflict
        assert "conflict" not in row_of(app, "Paper number 2")
        assert "desktop note" in lib.state(pid).notes and "laptop note" in lib.state(pid).notes
    other.close()
    lib.close()


async def test_the_app_sends_on_quit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = machine(tmp_path, "desktop", monkeypatch)
    lib = machine(tmp_path, "laptop", monkeypatch)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.papers_screen.go_to_paper(paper(1).id)
        await pilot.press("t")
        await pilot.press("ctrl+q")
        await settle(app, pilot)
    assert app.return_code == 0
    sync_now(other)
    assert other.status(paper(1).id) is Status.TO_READ
    other.close()
    lib.close()


async def test_without_a_sync_folder_r_says_how_to_set_one_up(lib: Library) -> None:
    app = ReaderApp(lib)
    said: list[str] = []
    app.notify = lambda text, **kw: said.append(text)  # type: ignore[assignment,method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
    assert any("reader sync --folder" in s for s in said)
    assert not (lib.root / "sync").exists()
