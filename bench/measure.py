"""The measurements, each through the code the app and the command line really run.

Every function returns plain numbers (milliseconds unless the name says otherwise) and the
raw samples, so the report can show medians and worst cases and the JSON keeps everything.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import synth

PROBE = Path(__file__).with_name("app_probe.py")
FILTER_QUERY = "diffus"
"""Typed letter by letter: a common research word, so early letters match many papers."""


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _child_env() -> dict[str, str]:
    """The environment of measured children: no animation, no stray library."""
    env = dict(os.environ)
    env.pop("READER_DB", None)
    env["TEXTUAL_ANIMATION"] = "none"
    return env


def wall(command: Sequence[str], runs: int) -> list[float]:
    """Wall times (ms) of running `command` to completion, `runs` times."""
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_child_env())
        times.append(_ms(time.monotonic() - start))
    return times


# -- floors ------------------------------------------------------------------------------------


def compile_bytecode() -> bool:
    """Write the bytecode of `reader` and of the benchmark, as an installed package has it.

    Without it, every measured process of a tree that was never imported with bytecode writing on
    (e.g. under `PYTHONDONTWRITEBYTECODE=1`, which some shells set) compiles our ~40 modules
    again: that added ~100 ms to each command and to the app's start, and no user pays it (pip
    compiles on install; an editable install compiles on the first run)."""
    import compileall

    import reader

    folders = [Path(reader.__file__).parent, Path(__file__).parent]
    return all(compileall.compile_dir(folder, quiet=1) for folder in folders)


def floors(runs: int, folder: Path) -> dict[str, Any]:
    """What no code of ours can beat on this machine: bare interpreter, Textual import, one fsync."""
    python = sys.executable
    result: dict[str, Any] = {
        "bytecode": compile_bytecode(),
        "python_pass_ms": wall([python, "-c", "pass"], runs),
        "loop_10m_ms": wall([python, "-c", "for _ in range(10_000_000): pass"], runs),
        "import_textual_ms": wall([python, "-c", "import textual"], runs),
        "import_textual_app_ms": wall([python, "-c", "import textual.app"], runs),
    }
    path = folder / "fsync-probe"
    syncs = []
    with open(path, "wb") as handle:
        for n in range(max(20, runs * 4)):
            handle.write(b"x" * 100 + str(n).encode())
            handle.flush()
            start = time.perf_counter()
            os.fsync(handle.fileno())
            syncs.append(_ms(time.perf_counter() - start))
    path.unlink()
    result["fsync_small_ms"] = syncs
    return result


# -- start-up ----------------------------------------------------------------------------------


def app_probe(db: Path, out: Path, *, keys: bool, repeats: int = 30) -> dict[str, Any]:
    """Run the app probe on `db` once; its result, with `first_frame_ms` from process start."""
    command = [sys.executable, str(PROBE), "--db", str(db), "--out", str(out)]
    if keys:
        command += ["--keys", "--repeats", str(repeats)]
    start = time.monotonic()
    done = subprocess.run(command, env=_child_env(), capture_output=True, text=True)
    finished = time.monotonic()
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"app probe failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    stamps = result["stamps"]
    result["first_frame_ms"] = _ms(result["first_frame"] - start) if result["first_frame"] else float("nan")
    result["ready_ms"] = _ms(result["ready"] - start) if result.get("ready") else float("nan")
    result["exit_ms"] = _ms(finished - start)
    result["phases_ms"] = {
        "interpreter": _ms(stamps["script"] - start),
        "imports": _ms(stamps["imports"] - stamps["script"]),
        "open_library": _ms(stamps["open"] - stamps["imports"]),
        "build_app": _ms(stamps["app"] - stamps["open"]),
        "compose_to_first_frame": _ms(result["first_frame"] - stamps["app"]) if result["first_frame"] else 0.0,
    }
    return result


def app_start(db: Path, runs: int, scratch: Path) -> dict[str, Any]:
    """Cold start to the first frame, `runs` times (each a new process, page cache warm)."""
    samples = [app_probe(db, scratch / "probe.json", keys=False) for _ in range(runs)]
    phases = {name: median([s["phases_ms"][name] for s in samples]) for name in samples[0]["phases_ms"]}
    return {
        "first_frame_ms": [s["first_frame_ms"] for s in samples],
        "ready_ms": [s["ready_ms"] for s in samples],
        "phases_ms": phases,
        "maxrss_mb": [_first_frame_mb(s) for s in samples],
    }


def cli_start(db: Path, runs: int, scratch: Path) -> dict[str, Any]:
    """`reader list --status reading` and `reader export -o FILE` (the done list), wall time."""
    python = sys.executable
    out = scratch / "done.md"
    return {
        "list_ms": wall([python, "-m", "reader", "--db", str(db), "list", "--status", "reading"], runs),
        "export_ms": wall([python, "-m", "reader", "--db", str(db), "export", "-o", str(out), "--force"], runs),
    }


def cli_changes(source: Path, scratch: Path, runs: int) -> dict[str, Any]:
    """The commands that change or show a few papers, whole process, on a private copy:
    `reader mark ID done`, `reader note ID TEXT` and `reader list --day latest`."""
    from reader.library import Library

    db = synth.copy_library(source, scratch / "changes")
    with Library.open(db, readonly=True) as library:
        ids = library.ids()
    picks = [ids[(n * 7919) % len(ids)] for n in range(max(runs, 1) * 2)]
    python = sys.executable
    base = [python, "-m", "reader", "--db", str(db)]
    mark, note = [], []
    for n in range(max(runs, 1)):
        status = "done" if n % 2 == 0 else "to-read"
        mark += wall([*base, "mark", picks[n], status], 1)
        note += wall([*base, "note", picks[-1 - n], f"note {n}: the ablation in section 4"], 1)
    return {
        "mark_ms": mark,
        "note_ms": note,
        "list_latest_ms": wall([*base, "list", "--day", "latest"], runs),
    }


def bulk_import(file: Path, scratch: Path, runs: int) -> dict[str, Any]:
    """`Library.import_files` of one big API file (as many papers as the library size) into an
    empty library, in process: papers per second."""
    from reader.library import Library

    times = []
    count = 0
    for n in range(max(runs, 1)):
        db = scratch / f"bulk-{n}"
        with Library.open(db) as library:
            start = time.perf_counter()
            result = library.import_files([file])
            times.append(_ms(time.perf_counter() - start))
            count = result.new + result.updated + result.unchanged
        shutil.rmtree(db, ignore_errors=True)
    return {"ms": times, "papers": count, "papers_per_s": [count / (t / 1000.0) for t in times]}


# -- in-process: search, durable writes, import, export ------------------------------------------


def _app_search(library: Any) -> Callable[[str, bool], int]:
    """The app's own filter call (`PapersScreen.run_search`) over `library`; returns the hit count.

    It is called unbound with a stand-in for the screen that has only the library: that is
    all the method reads. It searches the whole library once (`SearchIndex.find`), exactly as
    the app does on every change of the filter line; highlights are worked out as rows are drawn.
    """
    from types import SimpleNamespace

    from reader.tui.papers_screen import PapersScreen

    screen = SimpleNamespace(library=library)

    def search(text: str, full_text: bool) -> int:
        ids, _spans, _scoped = PapersScreen.run_search(screen, text, full_text=full_text)  # type: ignore[arg-type]
        return len(ids)

    return search


def filtering(db: Path, runs: int) -> dict[str, Any]:
    """Per-keystroke cost of the app's filter call while FILTER_QUERY is typed.

    For every prefix of the query, the call the app makes on a change of the filter line
    (`PapersScreen.run_search`: one `SearchIndex.find` over the whole library) is timed.
    Before each typing run the index forgets the previous query, so narrowing starts from
    nothing. Where the app runs it (UI thread or a worker) is reported separately.
    """
    from reader.library import Library

    with Library.open(db, readonly=True) as library:
        search = _app_search(library)
        start = time.perf_counter()
        search(FILTER_QUERY, False)
        build_titles = _ms(time.perf_counter() - start)
        start = time.perf_counter()
        search(FILTER_QUERY, True)
        build_full = _ms(time.perf_counter() - start)
        result: dict[str, Any] = {"first_search_titles_ms": build_titles, "first_search_full_ms": build_full}
        index = library.search_index()
        for name, full_text in (("titles", False), ("full", True)):
            result[name] = _typing(index, search, runs, full_text)
    return result


def _typing(index: Any, search: Callable[[str, bool], int], runs: int, full_text: bool) -> dict[str, Any]:
    """Each prefix of `FILTER_QUERY` searched as it is typed, `runs` times (the index forgets the
    previous query before each run): the median per key, the worst key, the hits."""
    per_key: list[list[float]] = [[] for _ in FILTER_QUERY]
    hits: list[int] = []
    for _ in range(runs):
        index.refresh()
        hits = []
        for end in range(1, len(FILTER_QUERY) + 1):
            start = time.perf_counter()
            found = search(FILTER_QUERY[:end], full_text)
            per_key[end - 1].append(_ms(time.perf_counter() - start))
            hits.append(found)
    medians = [median(times) for times in per_key]
    worst = max(range(len(medians)), key=medians.__getitem__)
    return {
        "per_key_ms": medians,
        "hits": hits,
        "worst_ms": medians[worst],
        "worst_key": FILTER_QUERY[: worst + 1],
        "samples_ms": per_key,
    }


def fulltext_cache(db: Path, runs: int) -> dict[str, Any]:
    """The full-text cache (`reader.search.fulltext`) at this size, whatever the app's threshold.

    Builds it into `db/cache/` (timed: the build a library gets once, then per changed shard),
    reports its size on disk, then times the app's filter call with full text through it for
    each prefix of FILTER_QUERY, as `filtering` does. The cache stays for the later rows.
    """
    from reader.library import Library

    result: dict[str, Any] = {}
    with Library.open(db, readonly=True) as library:
        index = library.search_index()
        index.fulltext_from = 0
        index.background = False
        cache = index.fulltext_cache()
        if cache is None:
            return {"unavailable": True}
        took: list[float] = []

        def build() -> None:
            start = time.perf_counter()
            cache.start_update()  # as the app builds it: in a child process
            cache.wait()
            took.append(_ms(time.perf_counter() - start))

        # this thread plays the UI thread while another waits for the build
        result["build_ui_stall_ms"] = _longest_stall(build)
        result["build_ms"] = took[0]
        result["build_failed"] = cache.failed
        result["size_mb"] = cache.size() / 1e6
        result["papers"] = len(library)
    with Library.open(db, readonly=True) as library:  # a new session: the cache is read, not built
        index = library.search_index()
        index.fulltext_from = 0
        index.background = False
        search = _app_search(library)
        start = time.perf_counter()
        search(FILTER_QUERY, True)
        result["first_search_ms"] = _ms(time.perf_counter() - start)
        result["full"] = {**_typing(index, search, runs, True), "mode": index._mode}
    return result


def durable_writes(source: Path, scratch: Path, count: int) -> dict[str, Any]:
    """`Library.set_status` and `Library.set_notes` on a private copy: each returns after fsync."""
    from reader.library import Library
    from reader.models import Status

    db = synth.copy_library(source, scratch / "writes")
    with Library.open(db) as library:
        pids = library.ids()[:: max(1, len(library) // count)][:count]
        status_times = []
        for n, pid in enumerate(pids):
            wanted = Status.TO_READ if library.status(pid) is not Status.TO_READ else Status.DONE
            start = time.perf_counter()
            library.set_status(pid, wanted)
            status_times.append(_ms(time.perf_counter() - start))
            if n == 0:
                status_times.pop()  # the first write of a session also makes the backup
        note_times = []
        for n, pid in enumerate(pids):
            text = f"Note {n}: " + "the method scales; check the ablation in section 4. " * 10
            start = time.perf_counter()
            library.set_notes(pid, text)
            note_times.append(_ms(time.perf_counter() - start))
    return {"status_ms": status_times, "note_ms": note_times}


def importing(source: Path, scratch: Path, file: Path, runs: int) -> dict[str, Any]:
    """`Library.import_files` of a 1k-paper API file into a private copy, and a UI-stall proxy.

    The stall proxy runs the import in a thread (as a fetch in the app does) while this
    thread wakes every millisecond; the longest gap between wake-ups, less the millisecond,
    is how long the UI thread could not run (the GIL was held by the import).
    """
    from reader.library import Library

    times = []
    count = 0
    for _ in range(runs):
        db = synth.copy_library(source, scratch / "import")
        with Library.open(db) as library:
            start = time.perf_counter()
            result = library.import_files([file])
            times.append(_ms(time.perf_counter() - start))
            count = result.new + result.updated + result.unchanged
    db = synth.copy_library(source, scratch / "import")
    with Library.open(db) as library:
        stall = _longest_stall(lambda: library.import_files([file]))
    return {
        "ms": times,
        "papers": count,
        "papers_per_s": [count / (t / 1000.0) for t in times],
        "ui_stall_ms": stall,
    }


def _longest_stall(work: Callable[[], object]) -> float:
    """The longest time (ms) this thread could not run while `work` ran in another thread."""
    worker = threading.Thread(target=work)
    longest = 0.0
    worker.start()
    last = time.perf_counter()
    while worker.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        longest = max(longest, now - last - 0.001)
        last = now
    worker.join()
    return _ms(longest)


def exporting(db: Path, runs: int) -> dict[str, Any]:
    """Selecting and rendering the done list as Markdown (what `reader export` does in-process)."""
    from reader import exporters
    from reader.library import Library
    from reader.models import Status

    times = []
    count = 0
    with Library.open(db, readonly=True) as library:
        for _ in range(runs):
            start = time.perf_counter()
            ids = exporters.select(library, Status.DONE, None, None, [], None)
            period = exporters.period_text(exporters.entries(library, ids), None, None)
            exporters.render(library, ids, "markdown", title_period=period, title=exporters.document_title(Status.DONE))
            times.append(_ms(time.perf_counter() - start))
            count = len(ids)
    return {"ms": times, "papers": count}


def stats(db: Path, runs: int) -> dict[str, Any]:
    """`reader.stats.compute` over the whole library (what `reader stats` and the `S` screen do)."""
    from datetime import date

    from reader.library import Library
    from reader.stats import compute

    times = []
    with Library.open(db, readonly=True) as library:
        for _ in range(runs):
            start = time.perf_counter()
            compute(library, today=date.today())
            times.append(_ms(time.perf_counter() - start))
    return {"ms": times}


def catch_up(db: Path, runs: int) -> dict[str, Any]:
    """`reader.catchup.catch_up` + `flatten`: the app's default view, grouped by day."""
    from reader.catchup import catch_up as groups
    from reader.catchup import flatten
    from reader.library import Library

    times = []
    count = 0
    with Library.open(db, readonly=True) as library:
        for _ in range(runs):
            start = time.perf_counter()
            ids, _headers = flatten(groups(library))
            times.append(_ms(time.perf_counter() - start))
            count = len(ids)
    return {"ms": times, "papers": count}


def open_library(db: Path, runs: int) -> list[float]:
    """`Library.open` (read and decode both files, build the papers), in this process."""
    from reader.library import Library

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        library = Library.open(db, readonly=True)
        times.append(_ms(time.perf_counter() - start))
        library.close()
    return times


def app_keys(source: Path, scratch: Path, repeats: int, cache_from: Path | None = None) -> dict[str, Any]:
    """Keystroke-to-repaint and peak memory: the app probe with `--keys` on a private copy
    (with the derived caches of `cache_from`, e.g. the full-text cache, as a library in use has)."""
    import shutil

    db = synth.copy_library(source, scratch / "keys")
    if cache_from is not None and (cache_from / "cache").is_dir():
        shutil.copytree(cache_from / "cache", db / "cache", dirs_exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        result = app_probe(db, Path(folder) / "probe.json", keys=True, repeats=repeats)
    return {
        "keys": result["keys"],
        "maxrss_mb": _peak_mb(result),
        "settled_rss_mb": float(result.get("rss_kb") or 0) / 1024,
        "ru_maxrss_mb": result["maxrss_kb"] / 1024,
        "first_frame_ms": result["first_frame_ms"],
    }


def _first_frame_mb(result: dict[str, Any]) -> float:
    """The probe's peak RSS when its first frame was drawn, in MB (its peak at the end if unknown)."""
    kb = result.get("first_frame_rss_kb")
    return float(kb) / 1024 if kb else _peak_mb(result)


def _peak_mb(result: dict[str, Any]) -> float:
    """The probe's peak RSS in MB: VmHWM where known (ru_maxrss includes the parent's, see the probe)."""
    kb = result.get("peak_rss_kb") or result["maxrss_kb"]
    return float(kb) / 1024
