"""Full garbage collections wait for the user to pause (`reader.tui.idle_gc`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reader.library import Library
from reader.tui import idle_gc
from reader.tui.app import ReaderApp
from reader.tui.idle_gc import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """The interpreter's thresholds, put back whatever a test does."""
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


def due(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Pretend `count` generation-1 collections happened since the last full one."""
    monkeypatch.setattr(idle_gc.gc, "get_count", lambda: (0, 0, count))


def test_a_full_collection_waits_for_a_pause_after_input_and_runs_once(
    thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, ran = Clock(), []
    collector = IdleCollector(clock, lambda: ran.append(clock.now))
    collector.start()
    assert gc.get_threshold() == (thresholds[0], thresholds[1], idle_gc.BURST_THRESHOLD2)
    due(monkeypatch, idle_gc.DUE)
    clock.now += 60
    assert not collector.tick()  # no input yet: the app is loading, not waiting for the user
    collector.touched()
    clock.now += idle_gc.IDLE_AFTER / 2
    assert not collector.tick()  # typing
    clock.now += idle_gc.IDLE_AFTER
    assert collector.tick() and ran == [clock.now]
    clock.now += 60
    assert not collector.tick()  # once per pause
    collector.touched()
    due(monkeypatch, idle_gc.DUE - 1)
    clock.now += 60
    assert not collector.tick()  # not due: Python would not have collected either
    due(monkeypatch, idle_gc.DUE)
    assert collector.tick() and collector.collections == 2
    collector.stop()
    assert gc.get_threshold() == thresholds


def test_a_stopped_collector_does_nothing(thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    clock, ran = Clock(), []
    collector = IdleCollector(clock, lambda: ran.append(1))
    due(monkeypatch, 50)
    collector.touched()
    clock.now += 60
    assert not collector.tick() and ran == []
    collector.stop()
    assert gc.get_threshold() == thresholds


async def test_the_app_moves_full_collections_to_pauses_while_it_runs(
    lib: Library, thresholds: tuple[int, int, int]
) -> None:
    app = ReaderApp(lib)
    async with app.run_test(size=(120, 36)) as pilot:
        assert gc.get_threshold()[2] == idle_gc.BURST_THRESHOLD2
        before = app.idle_gc._last_input
        await pilot.press("j")
        assert app.idle_gc._last_input > before and app.idle_gc._input_since  # a key is input
    assert gc.get_threshold() == thresholds  # the app gave the interpreter its thresholds back
