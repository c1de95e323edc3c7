"""The full-text cache (`reader.search.fulltext`): same answers as the in-memory search, rebuilt
when stale, missing or corrupt, never a crash, and used by the app's filter and `reader list`.

The cache is used from `READER_FULLTEXT_CACHE_FROM` papers on; tests set it to 0 (always) or
to a huge number (never) instead of building 10,000 papers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.library import Library
from reader.models import Paper
from reader.resources import SAMPLE_DAY
from reader.search import SearchIndex, SearchResult, fulltext
from tests.helpers.waiting import until
from tests.test_app import screen_text


def top_line(app: object) -> str:
    return screen_text(app).splitlines()[0]  # type: ignore[arg-type]


EXTRA = [
    Paper(
        id="accents",
        title="Naïve Bayes for Café Reviews",
        abstract="We revisit naïve classifiers on reviews written in Zürich; the Ångström-scale appendix is long.",
        authors=["Jürgen Müller", "Zoë Ødegaard"],
        days=[SAMPLE_DAY],
        ai_summary="Classifiers of café reviews.",
        ai_keywords=["bayes", "reviews"],
    ),
    Paper(
        id="cpp",
        title="Fast Kernels",
        abstract="Kernels written in C# and C++ with a quasiperiodic schedule.",
        authors=["Li Wei"],
        days=[SAMPLE_DAY],
    ),
]

QUERIES = [
    "diffusion",
    "ffus",  # mid-word: a substring, as in memory
    "tomography",  # in an abstract, in no title
    "reinforcment",  # a typo
    "transfomer",
    '"language model"',
    '"coherence tomography"',
    "video -model",
    "-diffusion agent",
    "author:muller",  # accents folded
    "author:li",  # two letters: searched in memory
    "author:jurgen",
    "zurich",  # an accented abstract word, folded
    "naive cafe",
    "angstrom",
    "c#",  # two characters: in memory
    '"c++"',
    "quasiperiod",
    "xy",  # short: title word starts only
    "status:inbox benchmark",
    "has:notes",
    "scheduel",  # a typo found through a note's words
    "tag:later",
    "nothingmatchesthis",
]


@pytest.fixture
def rich(lib: Library) -> Library:
    """The sample day, two papers with accents and odd characters, a note and a tag."""
    _enrich(lib)
    return lib


def _enrich(lib: Library) -> None:
    lib.import_papers(EXTRA)
    lib.set_notes(lib.ids()[3], "Check the schedule of the benchmark ablations.")
    lib.edit_tags(lib.ids()[5], add=["later"])


def _index(library: Library, monkeypatch: pytest.MonkeyPatch, *, cache: bool) -> SearchIndex:
    monkeypatch.setenv(fulltext.THRESHOLD_ENV, "0" if cache else "100000000")
    index = SearchIndex(library)
    index.background = False
    return index


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, SearchIndex]]:
    """One rich library (built once for the module) and an index of each kind over it."""
    from datetime import date

    from reader.resources import sample_files

    library = Library.open(tmp_path_factory.mktemp("both") / "lib")
    library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    _enrich(library)
    memory, cached = SearchIndex(library), SearchIndex(library)
    memory.fulltext_from, cached.fulltext_from = 10**9, 0
    cached.background = False
    try:
        yield memory, cached
    finally:
        library.close()


@pytest.mark.parametrize("query", QUERIES)
def test_the_cache_finds_what_the_memory_search_finds(both: tuple[SearchIndex, SearchIndex], query: str) -> None:
    memory, cached = both
    for full_text in (True, False):
        expected = memory.find(query, full_text=full_text)
        got = cached.find(query, full_text=full_text)
        assert got.ids == expected.ids, (query, full_text)
        assert dict(got.highlights) == dict(expected.highlights)
        assert not got.pending
        if full_text:
            assert cached._mode == "cache" and memory._mode == "memory"
    assert cached.fulltext_cache() is not None and memory.fulltext_cache() is None


def test_typing_a_query_letter_by_letter_narrows_the_same_way(both: tuple[SearchIndex, SearchIndex]) -> None:
    memory, cached = both
    for text in ('"coherence tomog', "reinforcment learn", "diffusion -vid", "schedule ablat"):
        for end in [*range(1, len(text) + 1), *range(len(text) - 1, 0, -1)]:
            assert cached.find(text[:end]).ids == memory.find(text[:end]).ids, text[:end]


def test_the_cache_keeps_no_abstracts_in_memory(rich: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    index = _index(rich, monkeypatch, cache=True)
    assert index.find("tomography").ids
    assert index.find("author:jurgen reinforcment").ids is not None
    assert index._mode == "cache"
    assert index._bodies is None and index._authors is None
    path = rich.root / "cache" / fulltext.CACHE_FILE
    assert path.exists()


def test_a_paper_changed_by_an_import_is_found_by_its_new_abstract_word(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _index(rich, monkeypatch, cache=True)
    assert index.find("zyzzogeton").ids == []
    cache = index.fulltext_cache()
    assert cache is not None
    built = cache.builds
    changed = EXTRA[1]
    # a new arXiv version: its abstract replaces the old one
    newer = Paper.from_dict({**changed.to_dict(), "abstract": "Kernels for the zyzzogeton.", "version": 2}, changed.id)
    assert rich.import_papers([newer]).updated == 1
    assert index.find("zyzzogeton").ids == ["cpp"]
    assert cache.builds == built + 1
    assert index.find("quasiperiodic").ids == []  # the old word is gone


def test_a_second_process_reuses_a_current_cache_and_rebuilds_a_stale_one(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _index(rich, monkeypatch, cache=True)
    assert index.find("tomography").ids
    again = _index(rich, monkeypatch, cache=True)
    assert again.find("tomography").ids == index.find("tomography").ids
    cache = again.fulltext_cache()
    assert cache is not None and cache.builds == 0  # read, not built


def test_a_deleted_cache_is_rebuilt(rich: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    index = _index(rich, monkeypatch, cache=True)
    expected = index.find("tomography").ids
    assert expected
    for path in (rich.root / "cache").iterdir():
        path.unlink()
    told: list[str] = []
    index.progress = told.append  # what a command can show while it builds
    assert index.find("tomograph").ids == expected
    assert len(told) == 1 and "indexing" in told[0] and f"{len(rich):,} papers" in told[0]
    assert (rich.root / "cache" / fulltext.CACHE_FILE).exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_corrupt_cache_is_rebuilt_without_a_crash(
    rich: Library, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    index = _index(rich, monkeypatch, cache=True)
    expected = index.find("tomography").ids
    assert expected
    index.fulltext_cache().close()  # type: ignore[union-attr]
    path = rich.root / "cache" / fulltext.CACHE_FILE
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(b"\x00\xffnot a database at all" * 500)
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    else:  # an SQLite file of something else
        path.unlink()
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        other.execute("INSERT INTO meta VALUES ('schema', 'from the future')")
        other.commit()
        other.close()
    fresh = _index(rich, monkeypatch, cache=True)
    assert fresh.find("tomography").ids == expected
    assert fresh._mode == "cache"
    assert index.find("tomography").ids == expected  # the first index, whose file was replaced


def test_a_cache_that_cannot_be_written_falls_back_to_memory(rich: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    (rich.root / "cache").mkdir(exist_ok=True)
    (rich.root / "cache" / fulltext.CACHE_FILE).mkdir()  # a folder where the file should be
    memory = _index(rich, monkeypatch, cache=False)
    index = _index(rich, monkeypatch, cache=True)
    assert index.find("tomography").ids == memory.find("tomography").ids
    assert index._mode == "memory"
    cache = index.fulltext_cache()
    assert cache is not None and cache.failed


def test_a_build_killed_midway_leaves_the_shard_missing_and_it_is_rebuilt(rich: Library, tmp_path: Path) -> None:
    root = rich.root
    rich.close()
    script = f"""
import os
from pathlib import Path
from reader.library import Library
from reader.search import fulltext
calls = 0
real = fulltext.body_text
def dying(paper):
    global calls
    calls += 1
    if calls == 40:
        os._exit(9)  # killed in the middle of the shard's transaction
    return real(paper)
fulltext.body_text = dying
library = Library.open(Path({str(root)!r}), readonly=True)
cache = fulltext.FullTextCache(Path({str(root / "cache" / fulltext.CACHE_FILE)!r}), library.fulltext_shards())
cache.update()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    path = root / "cache" / fulltext.CACHE_FILE
    assert path.exists()
    with Library.open(root, readonly=True) as library:
        cache = fulltext.FullTextCache(path, library.fulltext_shards())
        assert not cache.current()  # the half-built shard was never recorded
        assert cache.update() and cache.current()
        assert cache.builds == 1
        assert cache.match("tomography")


def _first_search_in_the_app(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> tuple[SearchIndex, fulltext.FullTextCache, SearchResult]:
    """The library's index as the app has it (builds in the background), its cache, and the
    first full-text search, which starts the build."""
    monkeypatch.setenv(fulltext.THRESHOLD_ENV, "0")
    index = rich.search_index()
    index.background = True
    first = index.find("tomography")
    cache = index.fulltext_cache()
    assert cache is not None
    return index, cache, first


def test_the_app_searches_in_the_background_until_the_cache_is_built(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, cache, first = _first_search_in_the_app(rich, monkeypatch)
    assert first.pending and first.ids == []  # titles and notes only meanwhile
    cache.wait(60)
    second = index.find("tomography")
    assert not second.pending and second.ids
    assert index._bodies is None
    # built by a child process (the app's UI thread never holds the GIL for a build): this
    # process built nothing itself, and no build is left running
    assert cache.builds == 0 and cache.failed is None and not cache.building
    assert second.ids == _index(rich, monkeypatch, cache=False).find("tomography").ids


def test_a_failed_background_build_is_one_line_and_not_retried_until_the_library_changes(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    (rich.root / "cache").write_text("not a folder")  # the child cannot make the cache file
    index, cache, first = _first_search_in_the_app(rich, monkeypatch)
    assert first.pending
    cache.wait(60)
    assert cache.failed is not None and "\n" not in cache.failed and str(cache.path) in cache.failed
    memory = index.find("tomography")  # searched in memory, as without a cache
    assert not memory.pending and memory.ids == _index(rich, monkeypatch, cache=False).find("tomography").ids
    assert not cache.start_update()  # the same shards: not tried again per key
    (rich.root / "cache").unlink()
    rich.import_papers([Paper(id="new", title="Fresh", abstract="A zyzzogeton study.", days=[SAMPLE_DAY])])
    assert cache.start_update()  # the library changed: tried again, and it works now
    cache.wait(60)
    assert cache.failed is None and cache.current()


def test_the_build_process_says_by_its_exit_code_whether_it_built_was_kept_waiting_or_failed(
    rich: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m reader.search.fulltext LIBRARY`, run here in process: what the app reads."""
    root = rich.root
    monkeypatch.setattr(fulltext, "BUSY_MS", 50)
    assert fulltext.main([str(root)]) == 0
    path = fulltext.cache_path(root)
    with Library.open(root, readonly=True) as library:
        assert fulltext.FullTextCache(path, library.fulltext_shards()).current()
    rich.import_papers([Paper(id="new", title="Fresh", abstract="A zyzzogeton study.", days=[SAMPLE_DAY])])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is building it
    try:
        assert fulltext.main([str(root)]) == fulltext.BUSY_EXIT
    finally:
        other.execute("ROLLBACK")
        other.close()
    capsys.readouterr()
    assert fulltext.main([str(tmp_path / "no-library-here" / "file")]) == 1
    said = capsys.readouterr().err.strip()
    assert said and "\n" not in said and "Traceback" not in said


def test_a_stopped_background_build_leaves_a_cache_that_still_answers_right(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, cache, _first = _first_search_in_the_app(rich, monkeypatch)
    assert cache.building
    cache.stop()  # the app quits while it builds: killed mid-shard or after, the file stays whole
    assert not cache.building
    index.background = False
    assert index.find("tomography").ids == _index(rich, monkeypatch, cache=False).find("tomography").ids
    assert index._mode == "cache"


def test_commands_list_through_the_cache(rich: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _index(rich, monkeypatch, cache=False).find("tomography").ids
    root = rich.root
    rich.close()
    monkeypatch.setenv(fulltext.THRESHOLD_ENV, "0")
    result = CliRunner().invoke(cli, ["--db", str(root), "list", "--query", "tomography", "--json"])
    assert result.exit_code == 0, result.output
    assert (root / "cache" / fulltext.CACHE_FILE).exists()
    assert [item["id"] for item in json.loads(result.output)] == expected


async def test_the_app_filter_finds_abstract_words_through_the_cache(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.tui.papers_screen as papers_screen
    from reader.tui.app import ReaderApp

    target = next(pid for pid in rich.ids() if "coherence tomography" in rich.paper(pid).abstract)
    assert target not in _index(rich, monkeypatch, cache=False).find("tomography", full_text=False).ids
    monkeypatch.setenv(fulltext.THRESHOLD_ENV, "0")
    monkeypatch.setattr(papers_screen, "FULL_TEXT_IN_THREAD", 10)
    app = ReaderApp(rich, browser_open=lambda *a, **k: None)
    app.notify = lambda *a, **k: None  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"tomography")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target in app.papers_screen.paper_list.ids
    index = rich.search_index()
    assert index._mode == "cache" and index._bodies is None
    assert (rich.root / "cache" / fulltext.CACHE_FILE).exists()


async def test_the_app_filter_says_while_abstracts_are_indexed_then_finds_them(
    rich: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first filter of a big library comes before its full-text cache is built (in a child
    process): the list shows the title and note hits, the top line says the abstracts are being
    indexed, and once the build is done the same filter is searched again through the cache."""
    import reader.tui.papers_screen as papers_screen
    from reader.tui.app import ReaderApp

    target = next(pid for pid in rich.ids() if "coherence tomography" in rich.paper(pid).abstract)
    monkeypatch.setenv(fulltext.THRESHOLD_ENV, "0")
    monkeypatch.setattr(papers_screen, "FULL_TEXT_IN_THREAD", 10)
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    build = fulltext._build_command
    # the build process starts only once the test opens the gate (no race with a fast build)
    monkeypatch.setattr(
        fulltext, "_build_command", lambda root: ["sh", "-c", 'read _ < "$0"; exec "$@"', str(gate), *build(root)]
    )
    rich.search_index().background = True  # as in the app's own library (`open_for_app`)
    app = ReaderApp(rich, browser_open=lambda *a, **k: None)
    app.notify = lambda *a, **k: None  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.papers_screen
        await pilot.press("slash", *"tomography")
        await until(pilot, lambda: screen.full_text_partial, pauses=5000)
        assert target not in screen.paper_list.ids
        assert "indexing abstracts" in top_line(app)
        with open(gate, "w") as opened:
            opened.write("go\n")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: not screen.full_text_partial, pauses=5000)
        assert target in screen.paper_list.ids
        assert "indexing" not in top_line(app)
    cache = rich.search_index().fulltext_cache()
    assert cache is not None and cache.builds == 0 and cache.current()


def test_the_cache_needs_fts5_with_trigrams() -> None:
    # CI runs on a clean machine with only Python: its SQLite must have FTS5 and trigrams
    # (3.34+), or the search falls back to memory; this says which.
    assert fulltext.available(), sqlite3.sqlite_version


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    yield
    import threading

    for thread in threading.enumerate():
        if thread.name == "reader-fulltext":
            thread.join(30)


def test_a_cache_another_process_is_writing_is_waited_for_briefly_then_searched_without(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulltext, "BUSY_MS", 50)
    index = _index(rich, monkeypatch, cache=True)
    assert index.find("tomography").ids
    rich.import_papers([Paper(id="new", title="Fresh", abstract="A zyzzogeton study.", days=[SAMPLE_DAY])])
    other = sqlite3.connect(rich.root / "cache" / fulltext.CACHE_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process builds: the write lock is taken
    try:
        assert index.find("zyzzogeton").ids == ["new"]  # searched in memory meanwhile, no error
        assert index._mode == "memory"
        cache = index.fulltext_cache()
        assert cache is not None and cache.failed is None  # busy is not broken: asked again later
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert index.find("zyzzogeton").ids == ["new"]
    assert index._mode == "cache"


def test_without_fts5_the_search_stays_in_memory(rich: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fulltext, "_AVAILABLE", False)  # an SQLite built without FTS5 or trigrams
    index = _index(rich, monkeypatch, cache=True)
    assert index.fulltext_cache() is None
    assert index.find("tomography").ids
    assert index._mode == "memory"
    assert not (rich.root / "cache" / fulltext.CACHE_FILE).exists()


def test_a_note_changed_while_a_word_is_typed_is_searched_as_it_is_now(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The titles and notes holding a growing word are narrowed from the previous letter's; a
    note edited in between is read again, not narrowed from what it said before."""
    memory, cached = _index(rich, monkeypatch, cache=False), _index(rich, monkeypatch, cache=True)
    noted = rich.ids()[3]
    for search in (memory, cached):
        assert noted in search.find("sche").ids
    rich.set_notes(noted, "Nothing about timing here.")
    for end in range(5, len("schedule") + 1):
        expected = memory.find("schedule"[:end]).ids
        assert noted not in expected
        assert cached.find("schedule"[:end]).ids == expected
    rich.set_notes(noted, "The schedule again.")
    assert noted in cached.find("schedule").ids == memory.find("schedule").ids


def test_many_hits_find_their_title_matches_in_one_pass_with_the_same_ranking(
    both: tuple[SearchIndex, SearchIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.search import index as index_module

    memory, cached = both
    expected = {q: memory.find(q).ids for q in QUERIES}
    monkeypatch.setattr(index_module, "MANY_HITS", 0)  # the one-pass way for every search here
    for search in (memory, cached):
        search._trails.clear()
        for query in QUERIES:
            assert search.find(query).ids == expected[query], query


@pytest.mark.parametrize("full_text", [True, False])
def test_many_hits_put_in_order_with_arrays_give_the_same_result(
    both: tuple[SearchIndex, SearchIndex], monkeypatch: pytest.MonkeyPatch, full_text: bool
) -> None:
    """A scan with tens of thousands of hits orders them with NumPy; the answer is the same."""
    from reader.search import index as index_module

    memory, cached = both
    queries = [*QUERIES, "d", "co", "t", "diffusion m", "m", "xy"]
    expected = {q: memory.find(q, full_text=full_text) for q in queries}
    monkeypatch.setattr(index_module, "ARRAY_HITS", 0)  # arrays for every scan here
    for search in (memory, cached):
        search._trails.clear()
        for query in queries:
            got = search.find(query, full_text=full_text)
            assert got.ids == expected[query].ids, query
            assert dict(got.highlights) == dict(expected[query].highlights), query


class _TwoShards:
    """A library stored in two shards (as the storage will be): a stamp per shard."""

    def __init__(self, library: Library) -> None:
        ids = library.ids()
        self.library = library
        self.members = {"old": set(ids[::2]), "new": set(ids[1::2])}
        self.versions = {"old": 1, "new": 1}

    def stamps(self) -> dict[str, str]:
        return {name: f"v{version}" for name, version in self.versions.items()}

    def papers(self, shard: str) -> list[Paper]:
        return self.library.full_papers([pid for pid in self.library.papers if pid in self.members[shard]])


def test_only_the_changed_shard_is_rebuilt_and_a_gone_shard_is_dropped(
    rich: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = _TwoShards(rich)
    rich.fulltext_shards = lambda: shards  # type: ignore[attr-defined]
    memory = _index(rich, monkeypatch, cache=False)
    index = _index(rich, monkeypatch, cache=True)
    for query in ("tomography", "learning", "reinforcment", "model -video"):
        assert index.find(query).ids == memory.find(query).ids  # hits of both shards, in order
    cache = index.fulltext_cache()
    assert cache is not None and cache.builds == 2
    added = Paper(id="fresh", title="Fresh", abstract="The zyzzogeton returns.", days=[SAMPLE_DAY])
    rich.import_papers([added])
    shards.members["new"].add("fresh")
    shards.versions["new"] += 1  # an import touched only the newest shard
    assert index.find("zyzzogeton").ids == ["fresh"]
    assert cache.builds == 3
    del shards.members["old"], shards.versions["old"]
    assert index.find("zyzzogeton").ids == ["fresh"]
    assert cache.builds == 3  # nothing rebuilt, the old shard's rows dropped
    assert set(index.find("learning").ids) <= shards.members["new"]


def test_the_library_s_monthly_shards_are_cached_one_by_one(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real storage: papers of another month go to another shard; an import into one month
    rebuilds only that month's part of the cache."""
    lib.import_papers([Paper(id="aug-1", title="August", abstract="The quokka paper.", days=["2025-08-04"])])
    index = _index(lib, monkeypatch, cache=True)
    assert index.find("quokka").ids == ["aug-1"]
    cache = index.fulltext_cache()
    assert cache is not None and cache.builds == 2  # July (the sample day) and August
    lib.import_papers([Paper(id="aug-2", title="August again", abstract="A second quokka.", days=["2025-08-05"])])
    assert set(index.find("quokka").ids) == {"aug-1", "aug-2"}
    assert cache.builds == 3  # August only
