"""Child process of the benchmark: run the real app headless on a library and time it.

    python bench/app_probe.py --db LIBRARY --out RESULT.json [--keys [--board N]]

It does what `reader` does when it opens the app (`open_for_app`: the library read whole, or a
big one opened lazily for the first look; then `ReaderApp(library)` run by Textual), only with
Textual's headless driver at 120x40, and records:

- `first_frame`: `time.monotonic()` when the first full frame is ready for the terminal, i.e.
  when Textual hands its first compositor update to `App._display` *and* that update has been
  turned into terminal bytes (the headless driver skips that step, so the probe does it). The
  parent subtracts the `monotonic()` it read just before starting this process, so the figure
  covers interpreter start-up, imports, opening the library, composing, mounting and the first
  paint.
- `ready`: when the papers screen is first drawn. For a big library the first frame is the first
  look (its newest day, drawn before the library is read) and the papers screen comes once the
  library is read; otherwise the two are the same frame. Without `--keys` the probe ends there;
  with `--keys` the keys start there. `first_frame_rss_kb`: `VmHWM` at the first frame.
- phase stamps: script start (interpreter up), imports done, library open, app built.
- with `--keys`: keystroke-to-repaint. Each key is sent the way the terminal driver sends it
  (`driver.send_message(events.Key(...))`), then the probe waits for the next frame. It
  records the wall time from sending the key to that frame, the CPU time the UI thread spent in
  between (the app's own work: key handling and rendering, without Textual's 60 fps frame
  pacing, which alone adds 0-16.7 ms of waiting), and the time until frames stop (settled:
  no frame for 60 ms, and no worker running, so a filter's results from a worker count).
  Keys: 30 x `j` (cursor down; `--repeats`), 15 x `t` (to-read, the cursor moves on), then `/` and a
  6-letter filter typed key by key; escape; then the board on and off (`b`), the views all,
  to-read and inbox (`6`, `3`, `1`) and a day back and forth (`[`, `]`). With `--board N`, only
  the board on and off, N times (to study that one row).
- `peak_rss_kb`: the peak resident set size of this process at the end: `VmHWM` from
  `/proc/self/status`, the high-water mark of this program's own memory. `ru_maxrss` is
  recorded too (`maxrss_kb`), but on Linux it is carried over from the parent through fork
  and exec, so a child of a big benchmark process reports the parent's size.
"""

from __future__ import annotations

import time

SCRIPT_START = time.monotonic()

import argparse  # noqa: E402 - the stamp above must come first
import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

FILTER_QUERY = "diffus"
VIEW_KEYS = (
    ("board", "b", "b"),
    ("board", "b", "b"),
    ("view", "6", "6"),
    ("view", "3", "3"),
    ("view", "1", "1"),
    ("day", "left_square_bracket", "["),
    ("day", "right_square_bracket", "]"),
)
"""After the filter: the board on and off, the all / to-read / inbox views, a day back and forth."""
QUIET = 0.06
"""A frame sequence has settled when no frame came for this long (seconds)."""
PATIENCE = 5.0
"""Give up waiting for a frame after this long (seconds)."""


def _high_water_kb() -> int | None:
    """Peak RSS of this program (`VmHWM`, kB), or None where /proc is missing."""
    return _status_kb("VmHWM")


def _status_kb(field: str) -> int | None:
    """A memory figure of this program from /proc/self/status (kB), or None where it is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--keys", action="store_true", help="also time keystrokes")
    parser.add_argument("--repeats", type=int, default=30, help="how many j presses (half as many t)")
    parser.add_argument(
        "--board", type=int, default=0, metavar="N", help="with --keys: only switch the board on and off N times"
    )
    parser.add_argument("--size", default="120x40", metavar="WxH", help="the terminal's size (default 120x40)")
    parser.add_argument(
        "--sort", default=None, metavar="NAME", help="with --board: the list's order (page, for-you...), set first"
    )
    parser.add_argument("--profile", type=Path, default=None, metavar="HTML", help="with --board: pyinstrument it")
    args = parser.parse_args()

    stamps: dict[str, float] = {"script": SCRIPT_START}
    from textual import events
    from textual._compositor import CompositorUpdate
    from textual.worker import WorkerCancelled

    from reader.tui.app import ReaderApp, open_for_app

    stamps["imports"] = time.monotonic()
    library = open_for_app(args.db)  # as `reader` opens it: whole, or (big) lazily for the first look
    stamps["open"] = time.monotonic()
    ready: list[float] = []
    """When the papers screen is first drawn (a big library: after the first look)."""
    first_frame_rss: list[int] = []
    frames: list[tuple[float, float]] = []
    """(monotonic, UI-thread CPU time) of every frame."""
    new_frame: list[asyncio.Event] = []
    """Set on every frame (created in the app's loop), so waiting costs no polling."""

    class ProbeApp(ReaderApp):
        """The real app; `_display` also stamps each frame (and renders it, as a terminal needs)."""

        def _display(self, screen: Any, renderable: Any) -> None:
            if renderable is not None and not self._batch_count and self._running and not self._closed:
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(self.console)
                frames.append((time.monotonic(), time.thread_time()))
                if len(frames) == 1:
                    first_frame_rss.append(_high_water_kb() or 0)
                if not ready and type(self.screen).__name__ == "PapersScreen":  # not imported before the app does
                    ready.append(frames[-1][0])
                if new_frame:
                    new_frame[0].set()
                if not args.keys and ready:
                    self.exit()
            super()._display(screen, renderable)

    app = ProbeApp(library)
    stamps["app"] = time.monotonic()
    keys: dict[str, list[dict[str, float]]] = {}

    async def wait_frames(seen_before: int) -> tuple[int, float]:
        """Wait for frame number `seen_before`, then until frames stop; (its index, settled time)."""
        if not new_frame:
            new_frame.append(asyncio.Event())
        event = new_frame[0]
        deadline = time.monotonic() + PATIENCE
        while len(frames) <= seen_before:
            event.clear()
            remaining = deadline - time.monotonic()
            if len(frames) > seen_before or remaining <= 0:
                break
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                break
        if len(frames) <= seen_before:
            return -1, time.monotonic()
        while time.monotonic() < deadline:  # until no frame comes for QUIET seconds
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), QUIET)
            except TimeoutError:
                break
        return seen_before, frames[-1][0]

    async def press(name: str, key: str, char: str | None) -> None:
        driver = app._driver
        assert driver is not None
        before = len(frames)
        start, cpu = time.monotonic(), time.thread_time()
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
        first, settled = await wait_frames(before)
        if first >= 0 and any(worker.is_running for worker in app.workers):
            # A search (or other work) went to a worker: its result is part of the answer.
            deadline = time.monotonic() + PATIENCE
            while any(worker.is_running for worker in app.workers) and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            _, settled = await wait_frames(len(frames) - 1)
        if first < 0:
            keys.setdefault(name, []).append({"wall_ms": float("nan"), "cpu_ms": float("nan"), "settled_ms": 0.0})
            return
        at, cpu_at = frames[first]
        keys.setdefault(name, []).append(
            {
                "wall_ms": (at - start) * 1000,
                "cpu_ms": (cpu_at - cpu) * 1000,
                "settled_ms": (settled - start) * 1000,
                "frames_cpu_ms": [(c - cpu) * 1000 for _, c in frames[first:]],
            }
        )

    async def workers_done() -> None:
        """Wait for the app's workers. One cancelled meanwhile is done too (a search overtaken by
        the next letter, a fit by the next fit): `wait_for_complete` raises for it, so wait again
        for the others, which no longer include it once it has stopped."""
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                await app.workers.wait_for_complete()
                return
            except WorkerCancelled:
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.002)

    rss_after: list[int] = []

    async def script(pilot: Any) -> None:
        await wait_frames(0)
        while not ready:  # a big library shows the first look until it is read: keys wait for that
            await wait_frames(len(frames))
        await pilot.pause()
        if args.keys and args.board:
            if args.sort:
                app.screen.browse.set_sort(args.sort)  # type: ignore[attr-defined]
            await workers_done()  # the learned order's model lands first
            await pilot.pause()
            await wait_frames(len(frames))
            profiler = None
            for n in range(2 * args.board):
                if n == 2 and args.profile:  # the first round trip (which ranks the columns) is left out
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.001)
                    profiler.start()
                await press("board", "b", "b")
            if profiler is not None:
                profiler.stop()
                args.profile.write_text(profiler.output_html())
                args.profile.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
                if profiler.last_session is not None:
                    profiler.last_session.save(str(args.profile.with_suffix(".pyisession")))
        elif args.keys:
            for _ in range(args.repeats):
                await press("j", "j", "j")
            for _ in range(max(1, args.repeats // 2)):
                await press("t", "t", "t")
            await press("slash", "slash", "/")
            for letter in FILTER_QUERY:
                await press("filter", letter, letter)
            await workers_done()
            await press("escape", "escape", None)  # clear the filter, back to the list
            for name, key, char in VIEW_KEYS:
                await press(name, key, char)
            await workers_done()
            await pilot.pause()
            gc.collect()
            rss_after.append(_status_kb("VmRSS") or 0)  # what the app holds once the morning's keys are done
        app.exit()

    width, height = (int(n) for n in args.size.lower().split("x"))
    app.run(headless=True, size=(width, height), auto_pilot=script if args.keys else None)
    library.close()
    result = {
        "stamps": stamps,
        "first_frame": frames[0][0] if frames else None,
        "ready": ready[0] if ready else None,
        "first_frame_rss_kb": first_frame_rss[0] if first_frame_rss else None,
        "frames": len(frames),
        "keys": keys,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "peak_rss_kb": _high_water_kb(),
        "rss_kb": rss_after[-1] if rss_after else None,
        "papers": len(library),
    }
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
