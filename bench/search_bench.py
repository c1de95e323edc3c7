"""Per-keystroke cost of `SearchIndex.search` while queries are typed (run on demand).

    .venv/bin/python -m bench.search_bench [SIZES...]      (default: 10000 100000)

Builds the synthetic libraries of `bench.synth` in a temporary folder, then types each query
letter by letter as the app does (`search(prefix, ids=None, full_text=...)`, narrowing from
the previous keystroke) and prints the milliseconds of every keystroke, titles only and full
text, plus the cost of a fresh (not narrowed) search. A table to read, never a test: these
machines are noisy, so compare ratios.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import synth
from reader.library import Library
from reader.search import SearchIndex

SEED = 7
QUERIES = ("diffus", "reinfo", "difusion", "agent status:done", "-tag:rl zzzzzz")
"""A common word, a rarer one, a typo (fuzzy path), a word with a filter, no match at all."""
RUNS = 3


def typing(index: SearchIndex, text: str, *, full_text: bool) -> tuple[list[float], int]:
    """Median milliseconds per keystroke while `text` is typed from scratch, and the hits."""
    samples: list[list[float]] = [[] for _ in text]
    hits = 0
    for _ in range(RUNS):
        index.refresh()  # forget the previous query: narrowing starts from nothing
        for end in range(1, len(text) + 1):
            start = time.perf_counter()
            hits = len(index.search(text[:end], ids=None, full_text=full_text))
            samples[end - 1].append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in samples], hits


def fresh(index: SearchIndex, text: str, *, full_text: bool) -> float:
    """Median milliseconds of one search with nothing to narrow from."""
    times = []
    for _ in range(RUNS):
        index.refresh()
        start = time.perf_counter()
        index.search(text, ids=None, full_text=full_text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(count: int, folder: Path) -> None:
    path = folder / f"lib-{count}"
    synth.build(path, count, SEED)
    with Library.open(path, readonly=True) as library:
        start = time.perf_counter()
        index = library.search_index()
        built = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index.search("x", full_text=True)
        bodies = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index.alternatives("zzzzz", full_text=False)
        index.alternatives("zzzzz", full_text=True)
        vocab = (time.perf_counter() - start) * 1000
        print(
            f"\n{count:,} papers: index {built:.0f} ms, full-text bodies {bodies:.0f} ms, vocabularies {vocab:.0f} ms"
        )
        print(f"{'query':<22} {'scope':<10} {f'ms per keystroke (median of {RUNS})':<64} {'fresh':>7} {'hits':>7}")
        for query in QUERIES:
            for full_text in (False, True):
                times, hits = typing(index, query, full_text=full_text)
                cells = " ".join(f"{t:6.2f}" for t in times)
                scope = "full text" if full_text else "titles"
                once = fresh(index, query, full_text=full_text)
                print(f"{query!r:<22} {scope:<10} {cells:<64} {once:7.2f} {hits:7d}")


def main(argv: list[str]) -> None:
    sizes = [int(arg) for arg in argv] or [10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="reader-search-bench-") as folder:
        for count in sizes:
            run(count, Path(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
