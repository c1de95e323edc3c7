"""The app's side of issue 12: a fetch cancelled with escape, and pastes that keep their order."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from reader.library import Library
from tests.test_app import SIZE, make_app, screen_of


async def test_escape_cancels_a_running_fetch_and_changes_nothing(
    lib: Library,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reader.fetch import FetchCancelled, Fetcher

    started = threading.Event()

    def slow_fetch(fetcher: Fetcher, categories: list[str]) -> None:
        started.set()
        assert fetcher.cancel is not None and fetcher.cancel.wait(10), "never cancelled"
        raise FetchCancelled()

    monkeypatch.setattr(Fetcher, "daily", slow_fetch)
    app, _, notes = make_app(lib)
    before = {pid: p.to_dict() for pid, p in lib.papers.items()}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        assert started.wait(10)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [args[0] for args, _ in notes.calls]
        assert "Fetch cancelled: nothing changed" in messages
        assert not screen_of(app)._fetching  # F works again
    assert {pid: p.to_dict() for pid, p in lib.papers.items()} == before


PASTE = "ab\x1b[200~one \x1b]52;c;SGk=\x07two \x1b[2Jthree\r\nfour \x9b2J five\x1b[201~x"


@pytest.mark.parametrize("size", [1, 4, 7, 1000])
def test_a_paste_with_escape_sequences_arrives_whole_and_in_order(size: int) -> None:
    from reader.tui.paste import PasteSafeParser

    parser = PasteSafeParser()
    tokens: list[Any] = []
    for start in range(0, len(PASTE), size):
        tokens.extend(parser.feed(PASTE[start : start + size]))
    shown = [t.text if isinstance(t, events.Paste) else t.key for t in tokens]
    assert shown == ["a", "b", "one two three\nfour  five", "x"]


def test_textual_alone_scrambles_such_a_paste() -> None:
    """Why `PasteSafeParser` exists: if Textual's parser ever gets this right, it can go."""
    tokens = list(XTermParser().feed(PASTE))
    assert not any(isinstance(t, events.Paste) and "two" in t.text for t in tokens)


def test_the_app_installs_the_paste_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.drivers import linux_driver

    from reader.tui.paste import PasteSafeParser, install

    monkeypatch.setattr(linux_driver, "XTermParser", linux_driver.XTermParser)
    install()
    assert linux_driver.XTermParser is PasteSafeParser
