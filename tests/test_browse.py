"""The browse model (reader/browse.py) without Textual: what the list shows and where the cursor lands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.browse import DAY_INBOX, SORTS, After, Browse, Landing, sort_by_name
from reader.library import Library
from reader.models import Paper, Status

DAY1, DAY2 = "2025-07-30", "2025-07-31"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib")
    library.import_papers(
        [
            Paper(id="a", title="Beta paper", days=[DAY2], upvotes=5, published="2025-07-01"),
            Paper(id="b", title="alpha paper", days=[DAY2], upvotes=20, published="2025-06-01"),
            Paper(id="c", title="Gamma paper", days=[DAY2], upvotes=None, published="2025-07-20"),
            Paper(id="d", title="Delta paper", days=[DAY2], upvotes=1),
            Paper(id="old", title="Old paper", days=[DAY1], upvotes=3),
        ]
    )
    try:
        yield library
    finally:
        library.close()


def test_starts_on_catch_up_with_a_separator_per_day(lib: Library) -> None:
    browse = Browse(lib)
    assert browse.day == DAY2 and browse.view.name == "catch-up"
    assert browse.list_ids() == ["b", "a", "d", "c", "old"]  # newest day first, most upvoted first
    assert browse.list_headers() == {0: "Jul 31 · 4 left", 4: "Jul 30 · 1 left"}
    assert browse.title() == "catch-up"
    lib.set_status(["b", "a", "d", "c"], Status.DONE)  # a day fully triaged leaves catch-up
    assert browse.list_ids() == ["old"] and browse.list_headers() == {0: "Jul 30 · 1 left"}
    browse.set_sort("title")  # another order mixes the days: no separators
    assert browse.list_headers() == {}
    browse.set_sort("page")
    browse.set_query("old")
    browse.set_hits("old", ["old"], {}, False)
    assert browse.list_headers() == {}  # nor in a filter


def test_the_inbox_of_the_day_is_a_view_of_its_own(lib: Library) -> None:
    browse = Browse(lib)
    browse.set_view("inbox")
    assert browse.list_ids() == ["b", "a", "d", "c"]  # the page order: most upvoted first
    assert browse.title() == "inbox · Jul 31" and browse.list_headers() == {}


def test_each_sort_orders_the_list_and_names_itself(lib: Library) -> None:
    browse = Browse(lib, view=DAY_INBOX)
    seen = []
    for _ in SORTS:
        seen.append((browse.sort.name, browse.list_ids()))
        browse.cycle_sort()
    assert seen == [
        ("page", ["b", "a", "d", "c"]),
        ("upvotes", ["b", "a", "d", "c"]),
        ("published", ["c", "a", "b", "d"]),  # newest published first, unknown last
        ("title", ["b", "a", "d", "c"]),  # case-insensitive: alpha, Beta, Delta, Gamma
        ("for-you", ["b", "a", "d", "c"]),  # no ranker given yet: the page order
    ]
    assert browse.sort.name == "page"  # the cycle wraps
    browse.set_sort("published")
    assert browse.title() == "inbox · Jul 31 · newest published"
    with pytest.raises(ValueError, match="unknown sort"):
        sort_by_name("colour")


def test_sort_applies_to_filter_hits_and_board_columns(lib: Library) -> None:
    lib.set_status(["a", "b", "c"], Status.TO_READ)
    browse = Browse(lib)
    browse.set_query("paper")
    browse.set_hits("paper", ["c", "a", "b"], {}, False)
    assert browse.list_ids() == ["c", "a", "b"]  # page order of a filter: best match first
    browse.set_sort("title")
    assert browse.list_ids() == ["b", "a", "c"]
    column, total = browse.column_ids(Status.TO_READ)
    assert column == ["b", "a", "c"] and total == 3


def test_a_late_search_result_is_ignored(lib: Library) -> None:
    browse = Browse(lib)
    browse.set_query("alp")
    browse.set_query("alpha")
    assert not browse.set_hits("alp", ["a"], {}, False)
    assert browse.set_hits("alpha", ["b"], {}, False)
    assert browse.list_ids() == ["b"]


def test_a_search_is_due_once_per_query_and_library_change(lib: Library) -> None:
    browse = Browse(lib)
    assert browse.search_due() is None
    browse.set_query("paper")
    assert browse.search_due() == ("paper", lib.version)
    assert browse.search_due() is None
    lib.set_status("a", Status.DONE)  # a status: filter may now exclude it
    assert browse.search_due() == ("paper", lib.version)
    browse.set_query("")
    assert browse.hits is None and browse.search_due() is None


def test_listeners_hear_each_change_once_per_batch(lib: Library) -> None:
    browse = Browse(lib)
    heard: list[list[str]] = []
    browse.subscribe(lambda: heard.append(browse.list_ids()))
    browse.set_view("all")
    assert heard == [["b", "a", "d", "c", "old"]]
    with browse.batch():
        browse.toggle_mark("a")
        browse.toggle_mark("b")
        browse.cycle_sort()
    assert len(heard) == 2


def test_cursor_after_a_status_change(lib: Library) -> None:
    browse = Browse(lib, view=DAY_INBOX)
    ids = browse.list_ids()  # b a d c
    lib.set_status("a", Status.TO_READ)
    browse.changed(Landing(after=After("a", 1, "d")))
    shown = browse.list_ids()
    assert shown == ["b", "d", "c"]
    assert browse.landing(shown, current="a") == "d"  # auto-advance: the next paper
    # the pending landing is used once; then the cursor stays where it is
    assert browse.landing(shown, current="c") == "c"
    browse.auto_advance = False
    browse.set_view("day")  # the paper stays in this view: without auto-advance the cursor stays on it
    ids = browse.list_ids()
    browse.changed(Landing(after=After("a", ids.index("a"), "d")))
    assert browse.landing(ids, current="a") == "a"
    # the last paper left the view: the cursor goes to the new last one
    assert browse.land_after(["b", "a"], After("d", 2, None)) == "a"
    assert browse.land_after([], After("d", 2, None)) is None


def test_days_and_views(lib: Library) -> None:
    browse = Browse(lib)
    browse.set_view("to-read")
    assert not browse.step_day(1)  # no later day
    assert browse.step_day(-1)
    assert browse.day == DAY1 and browse.view.name == "inbox"  # a day shows its inbox
    assert browse.list_ids() == ["old"]
    assert browse.landing(browse.list_ids(), current=None) == "old"  # a new day starts at the top
    browse.set_query("x")
    browse.set_view("all")
    assert browse.query == "" and browse.title() == "all papers"


def test_marks_toggle_mark_all_and_clear(lib: Library) -> None:
    browse = Browse(lib, view=DAY_INBOX)
    assert browse.toggle_mark("a") and browse.marked() == ["a"]
    assert not browse.toggle_mark("a") and browse.marked() == []
    assert browse.mark_all(browse.list_ids()) == 4
    assert browse.mark_all(browse.list_ids()) == 0  # M again clears
    browse.toggle_mark("d")
    browse.toggle_mark("b")
    assert browse.marked() == ["d", "b"]
    browse.clear_marks()
    assert not browse.marks


def test_a_list_too_long_to_rank_keeps_the_page_order_and_says_so(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The learned order ranks a day (or a filter); the catch-up of a huge library keeps the page
    order instead of blocking the app while every paper is read and scored."""
    from reader import browse as browse_module
    from reader.foryou import Ranker, WatchEntry

    # a watchlist alone orders the papers: "Gamma" watched first
    ranker = Ranker(None, [WatchEntry(text="gamma", boost=1)])
    browse = Browse(lib, view=DAY_INBOX)
    browse.set_sort("for-you")
    browse.ranker = ranker
    assert browse.list_ids()[0] == "c" and "page order" not in browse.title()
    monkeypatch.setattr(browse_module, "LEARNED_MAX", 3)
    assert browse.list_ids() == ["b", "a", "d", "c"]
    assert browse.title() == "inbox · Jul 31 · for you: page order (over 3 papers; pick a day or filter)"


def test_the_learned_order_shown_again_reads_no_paper_in_full(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scores are kept while a paper's index record and tags stay the same: the board switch or
    another view does not read shards again; a paper whose tags change is scored again."""
    from reader.foryou import Ranker, WatchEntry

    browse = Browse(lib, view=DAY_INBOX)
    browse.set_sort("for-you")
    browse.ranker = Ranker(None, [WatchEntry(text="gamma", boost=1)])
    read: list[list[str]] = []
    real = lib.full_papers

    def counted(ids: list[str]) -> list[Paper]:
        read.append(list(ids))
        return real(ids)

    monkeypatch.setattr(lib, "full_papers", counted)
    first = browse.list_ids()
    assert sorted(read[0]) == ["a", "b", "c", "d"]
    assert browse.list_ids() == first and len(read) == 1  # shown again: nothing read
    lib.set_tags("a", ["new"])
    browse.list_ids()
    assert read[-1] == ["a"]  # only the paper whose tags changed
