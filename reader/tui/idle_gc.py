"""Python's full garbage collections while the user is idle, not on whichever key triggers one.

A full (generation 2) collection walks every container object that is alive and not frozen:
with a 10,000-paper library open, some 60-300 ms on the UI thread, and by default one comes
after every tenth generation-1 collection, i.e. every few keys of a busy morning (measured: the
board switch's median key cost 74 ms with them, 62 ms without). So while the app runs:

- Python's own full collections come ten times less often (`BURST_THRESHOLD2` generation-1
  collections instead of 10): a long burst of keys still gets one, so garbage stays bounded;
- once no input came for `IDLE_AFTER` seconds after some input, and a full collection is due
  by Python's usual count (at least `DUE` generation-1 collections since the last one), the app
  runs one, then waits for input again. Only after input: Python also skips a full collection
  while few objects have survived since the last one (a quarter of the heap), a measure it does
  not show; collecting whenever the count is due ran one every second or two while the app
  loaded in its workers, 200 ms each at 10,000 papers.

Generations 0 and 1 (cheap: they only walk young objects) are left as Python has them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_AFTER = 1.5
"""Seconds without input after which a due full collection runs."""
CHECK_EVERY = 0.5
"""How often (seconds) the app looks whether it is idle."""
BURST_THRESHOLD2 = 100
"""Generation-1 collections before Python runs a full collection by itself (its default: 10)."""
DUE = 10
"""Generation-1 collections since the last full collection that make an idle one worth running
(Python's default threshold)."""


class IdleCollector:
    """Moves full collections to idle time: `start`, `touched` on input, `tick` on a timer, `stop`."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self._clock = clock
        self._collect = collect
        self._last_input = clock()
        self._input_since = False
        """Input came since the last idle collection."""
        self._saved: tuple[int, int, int] | None = None
        self.collections = 0
        """How many idle collections ran (for tests and the curious)."""

    def start(self) -> None:
        """Raise Python's own threshold for full collections (once; `stop` restores it)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            gen0, gen1, _ = self._saved
            gc.set_threshold(gen0, gen1, BURST_THRESHOLD2)

    def stop(self) -> None:
        """Restore the thresholds `start` found."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def touched(self) -> None:
        """Input came: the user is not idle."""
        self._last_input = self._clock()
        self._input_since = True

    def tick(self) -> bool:
        """Run a full collection if the user is idle after input and one is due; True if it ran."""
        if self._saved is None or not self._input_since or self._clock() - self._last_input < IDLE_AFTER:
            return False
        if gc.get_count()[2] < DUE:
            return False
        self._collect()
        self._input_since = False
        self.collections += 1
        return True
