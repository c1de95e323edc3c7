"""Waiting on a condition in a pilot test, never on a fixed delay."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot


async def until(pilot: Pilot, condition: Callable[[], bool], pauses: int = 200) -> None:
    """Let the app run (one idle pause at a time) until `condition()` holds; fail after `pauses`.

    For what the app does after a refresh of the screen (the footer recomposes then), which one
    idle pause may not cover."""
    for _ in range(pauses):
        if condition():
            return
        await pilot.pause()
    assert condition(), f"the app never reached the condition in {pauses} pauses"
