"""Run the benchmarks, print the tables, write `bench/results/<timestamp>.json`.

Synthetic libraries (see `bench/synth.py`) are built once per size into a cache folder
(`--cache`, default `$READER_BENCH_CACHE` or `<tmp>/reader-bench-cache`) and copied for every
measurement that writes. Each value is the median of `--runs` runs unless the table says
otherwise. Timings are of this machine and noisy: compare ratios, and against the floors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import measure, report, synth

SEED = 7
RESULTS = Path(__file__).with_name("results")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k papers only, fewer runs (a few seconds)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated library sizes")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 5, quick 3)")
    parser.add_argument("--cache", type=Path, default=None, help="where generated libraries are kept")
    parser.add_argument("--out", type=Path, default=None, help="the JSON file (default bench/results/<time>.json)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the synthetic libraries")
    parser.add_argument(
        "--key-repeats",
        type=int,
        default=None,
        metavar="N",
        help="cursor-down presses in the keystroke probe, half as many to-read (default 30, quick 10)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "1000"
    args.sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s.strip()]
    if args.runs is None:
        args.runs = 3 if args.quick else 5
    if args.cache is None:
        env = os.environ.get("READER_BENCH_CACHE")
        args.cache = Path(env) if env else Path(tempfile.gettempdir()) / "reader-bench-cache"
    return args


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True
        )
    except OSError:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "reader"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
    )
    commit = done.stdout.strip() or None
    return f"{commit}+dirty" if commit and dirty.stdout.strip() else commit


def run_size(size: int, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Every measurement at one library size."""
    started = time.monotonic()
    _say(f"[{size}] library (cached in {args.cache}) ...")
    source = synth.library_path(args.cache, size, args.seed)
    file = synth.import_file(args.cache, 1000, args.seed)
    work = synth.copy_library(source, scratch / f"work-{size}")
    runs = args.runs
    m: dict[str, Any] = {}
    _say(f"[{size}] full-text cache (build, size, filter through it) ...")
    m["fulltext"] = measure.fulltext_cache(work, runs)
    _say(f"[{size}] start-up ...")
    m["app_start"] = measure.app_start(work, runs, scratch)
    m["open_ms"] = measure.open_library(work, runs)
    m["cli"] = measure.cli_start(work, runs, scratch)
    m["cli_changes"] = measure.cli_changes(source, scratch, runs)
    _say(f"[{size}] filter ...")
    m["filter"] = measure.filtering(work, runs)
    _say(f"[{size}] durable writes, import, export ...")
    m["writes"] = measure.durable_writes(source, scratch, 20)
    m["import"] = measure.importing(source, scratch, file, min(runs, 3))
    m["bulk_import"] = measure.bulk_import(synth.import_file(args.cache, size, args.seed), scratch, min(runs, 2))
    m["export"] = measure.exporting(work, runs)
    m["stats"] = measure.stats(work, runs)
    m["catch_up"] = measure.catch_up(work, runs)
    _say(f"[{size}] keystrokes in the app ...")
    repeats = args.key_repeats if args.key_repeats is not None else (10 if args.quick else 30)
    m["keys"] = measure.app_keys(source, scratch, max(1, repeats), cache_from=work)
    m["seconds"] = time.monotonic() - started
    return m


def _full_text_threaded(size: int) -> bool:
    """Whether the app searches full text in a worker at this size (its own threshold)."""
    from reader.tui import papers_screen

    return size > papers_screen.FULL_TEXT_IN_THREAD


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, Any] = {
        "when": stamp,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "commit": _git_commit(),
        "runs": args.runs,
        "seed": args.seed,
        "sizes": {},
        "rows": [],
    }
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as folder:
        scratch = Path(folder)
        _say("floors ...")
        floors = measure.floors(args.runs, scratch)
        results["floors"] = floors
        rows = report.floor_rows(floors)
        output = [report.table("Floors (this machine)", rows, notes=False)]
        for size in args.sizes:
            m = run_size(size, args, scratch)
            results["sizes"][str(size)] = m
            size_rows = report.rows_for(size, m, _full_text_threaded(size))
            rows += size_rows
            output.append(report.table(f"{size:,} papers (median of {args.runs} runs)", size_rows))
    results["rows"] = [row.as_dict() for row in rows]
    text = "\n\n".join(output)
    print(text)
    out = args.out or RESULTS / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    missed = sum(1 for row in rows if row.verdict.startswith("MISSED"))
    print(f"\n{missed} target(s) missed; results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
