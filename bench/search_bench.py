"""Per-keystroke cost of the search while queries are typed and deleted (run on demand).

    .venv/bin/python -m bench.search_bench [--cache DIR] [SIZES...]      (default: 10000 100000)

Builds (or reuses) the synthetic libraries of `bench.synth`, then prints two tables.

Sessions: a user types `diffusion`, `reward model` and `author:smith gra` letter by letter,
then deletes characters one at a time; after every keystroke the search runs the way the app
calls it at these sizes (a worker searches titles, then full text). Three ways are compared:

- `two calls`: the app before the search package: `search_ids` over the whole library, then
  `search` again over the first 1000 ids for their highlights (read them all), per scope.
- `one call`: `SearchIndex.find` per scope, and the highlights of the first 40 rows (a screen).
- `one call, no narrowing`: the same with `SearchIndex.narrowing = False`.

Each row gives the session's total and worst keystroke (titles + full text, median of the
runs), and how the searches went: from the whole scope, narrowed within a previous result,
or reused (a query searched on the way, after a deletion).

Typing: the older table, per keystroke of single queries typed with `find` (narrowing on),
against a fresh search of the whole query. A table to read, never a test: these machines
are noisy, so compare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench import synth
from reader.library import Library
from reader.search import SearchIndex

SEED = 7
RUNS = 3
SESSIONS = (("diffusion", 4), ("reward model", 6), ("author:smith gra", 5))
"""Each query is typed letter by letter, then this many characters are deleted one by one."""
QUERIES = ("diffus", "reinfo", "difusion", "agent status:done", "-tag:rl zzzzzz")
"""A common word, a rarer one, a typo (fuzzy path), a word with a filter, no match at all."""
HIGHLIGHT_LIMIT = 1000
"""What the app highlighted before (the first 1000 hits, all at once)."""
SCREEN = 40
"""Rows the list draws, whose highlights the one-call app reads."""


def keystrokes(query: str, deletions: int) -> list[str]:
    """The filter line after every keystroke: typed letter by letter, then backspaced."""
    typed = [query[:end] for end in range(1, len(query) + 1)]
    return typed + [query[: len(query) - n] for n in range(1, deletions + 1)]


def two_calls(index: SearchIndex, text: str, full_text: bool, paths: Counter[str]) -> int:
    """The app's filter call before the search package (two searches, 1000 highlights)."""
    ids = index.search_ids(text, full_text=full_text)
    paths[index.path] += 1
    for hit in index.search(text, ids=ids[:HIGHLIGHT_LIMIT], full_text=full_text):
        _ = hit.title_spans
    paths[index.path] += 1
    return len(ids)


def one_call(index: SearchIndex, text: str, full_text: bool, paths: Counter[str]) -> int:
    """The app's filter call now: one search, the highlights of the rows drawn."""
    found = index.find(text, full_text=full_text)
    paths[index.path] += 1
    for pid in found.ids[:SCREEN]:
        _ = found.highlights[pid]
    return len(found.ids)


Call = Callable[[SearchIndex, str, bool, Counter[str]], int]
PATTERNS: tuple[tuple[str, Call, bool], ...] = (
    ("two calls", two_calls, True),
    ("one call", one_call, True),
    ("one call, no narrowing", one_call, False),
)


def session(index: SearchIndex, texts: list[str], call: Call, narrowing: bool) -> tuple[list[float], Counter[str]]:
    """Median milliseconds per keystroke (titles + full text), and how the searches went."""
    index.narrowing = narrowing
    samples: list[list[float]] = [[] for _ in texts]
    paths: Counter[str] = Counter()
    for run in range(RUNS):
        index.refresh()  # forget the previous session: narrowing starts from nothing
        for n, text in enumerate(texts):
            total = 0.0
            for full_text in (False, True):
                start = time.perf_counter()
                call(index, text, full_text, paths if run == 0 else Counter())
                total += time.perf_counter() - start
            samples[n].append(total * 1000)
    index.narrowing = True
    return [statistics.median(times) for times in samples], paths


def sessions(index: SearchIndex) -> None:
    print(f"{'session':<26} {'pattern':<24} {'total ms':>9} {'worst ms':>9}  searches: scope/narrowed/reused")
    for query, deletions in SESSIONS:
        texts = keystrokes(query, deletions)
        label = f"{query!r} -{deletions}"
        for name, call, narrowing in PATTERNS:
            times, paths = session(index, texts, call, narrowing)
            ways = f"{paths['scope']}/{paths['narrowed']}/{paths['reused']} of {sum(paths.values())}"
            print(f"{label:<26} {name:<24} {sum(times):9.1f} {max(times):9.1f}  {ways}")


def typing(index: SearchIndex, text: str, *, full_text: bool) -> tuple[list[float], int]:
    """Median milliseconds per keystroke while `text` is typed from scratch, and the hits."""
    samples: list[list[float]] = [[] for _ in text]
    hits = 0
    for _ in range(RUNS):
        index.refresh()
        for end in range(1, len(text) + 1):
            start = time.perf_counter()
            hits = len(index.find(text[:end], full_text=full_text).ids)
            samples[end - 1].append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in samples], hits


def fresh(index: SearchIndex, text: str, *, full_text: bool) -> float:
    """Median milliseconds of one search with nothing to narrow from."""
    times = []
    for _ in range(RUNS):
        index.refresh()
        start = time.perf_counter()
        index.find(text, full_text=full_text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(count: int, cache: Path) -> None:
    path = synth.library_path(cache, count, SEED)
    with Library.open(path, readonly=True) as library:
        start = time.perf_counter()
        index = library.search_index()
        built = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index.find("x", full_text=True)
        bodies = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index.alternatives("zzzzz", full_text=False)
        index.alternatives("zzzzz", full_text=True)
        vocab = (time.perf_counter() - start) * 1000
        print(
            f"\n{count:,} papers: index {built:.0f} ms, full-text bodies {bodies:.0f} ms, vocabularies {vocab:.0f} ms"
        )
        print(f"\nSessions (per keystroke: titles, then full text; median of {RUNS} runs)")
        sessions(index)
        print(f"\nTyping with one call (narrowing on)\n{'query':<22} {'scope':<10} {'ms per keystroke':<64}", end="")
        print(f" {'fresh':>7} {'hits':>7}")
        for query in QUERIES:
            for full_text in (False, True):
                times, hits = typing(index, query, full_text=full_text)
                cells = " ".join(f"{t:6.2f}" for t in times)
                scope = "full text" if full_text else "titles"
                once = fresh(index, query, full_text=full_text)
                print(f"{query!r:<22} {scope:<10} {cells:<64} {once:7.2f} {hits:7d}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reader-bench-cache")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    for count in args.sizes:
        run(count, args.cache)


if __name__ == "__main__":
    main()
