"""The library says what an import of several groups (a fetch's days and sources) would do and
did, group by group: `Library.preview_import` and `Library.import_groups`.

The user's path (`reader fetch --days 3`, `reader fetch` with followed categories) is tested in
test_fetch.py and test_fetch_arxiv_new.py; these pin the counting itself.
"""

from __future__ import annotations

from pathlib import Path

from reader.library import ImportResult, Library
from reader.models import Paper
from tests.conftest import snapshot


def _paper(pid: str, upvotes: int, day: str = "2025-07-31") -> Paper:
    return Paper(id=pid, title=f"Paper {pid}", arxiv_id=pid, upvotes=upvotes, days=[day])


def _groups() -> list[list[Paper]]:
    """A known paper enriched, then brought again; a new paper, then brought again; an empty day."""
    return [
        [_paper("2507.00001", 5), _paper("2507.00002", 1)],
        [_paper("2507.00002", 1), _paper("2507.00001", 5, "2025-08-01"), _paper("2507.00003", 2, "2025-08-01")],
        [],
    ]


def _counts(result: ImportResult) -> tuple[int, int, int]:
    return (result.new, result.updated, result.unchanged)


def _library(lib_path: Path) -> Library:
    library = Library.open(lib_path)
    library.import_papers([_paper("2507.00001", 1)])
    return library


def test_preview_counts_each_group_after_the_ones_before_and_changes_nothing(lib_path: Path) -> None:
    library = _library(lib_path)
    try:
        groups = _groups()
        given = [[p.to_dict() for p in group] for group in groups]
        before = snapshot(lib_path)
        preview = library.preview_import(groups)
        assert [_counts(r) for r in preview] == [(1, 1, 0), (1, 1, 1), (0, 0, 0)]
        # the second group: paper 2 as the first group left it (unchanged), paper 1 gains a day
        assert preview[0].new_ids == ["2507.00002"] and preview[1].new_ids == ["2507.00003"]
        assert preview[1].ids == ["2507.00002", "2507.00001", "2507.00003"]
        assert preview[1].days == ["2025-07-31", "2025-08-01"]
        assert snapshot(lib_path) == before, "a preview writes nothing"
        assert len(library) == 1 and library.paper("2507.00001").upvotes == 1
        assert [[p.to_dict() for p in group] for group in groups] == given, "nor changes the papers given"
    finally:
        library.close()


def test_import_groups_reports_each_group_and_the_whole(lib_path: Path) -> None:
    library = _library(lib_path)
    try:
        expected = [_counts(r) for r in library.preview_import(_groups())]
        result = library.import_groups(_groups())
        assert [_counts(r) for r in result.groups] == expected
        assert _counts(result) == (2, 1, 0), "in all: one write, papers seen twice counted once"
        assert library.paper("2507.00001").days == ["2025-07-31", "2025-08-01"]
    finally:
        library.close()
    with Library.open(lib_path, readonly=True) as reopened:
        assert sorted(reopened.papers) == ["2507.00001", "2507.00002", "2507.00003"]
        assert reopened.paper("2507.00001").upvotes == 5


def test_one_group_is_counted_by_the_import_itself(lib_path: Path) -> None:
    library = _library(lib_path)
    try:
        result = library.import_groups([[_paper("2507.00001", 7), _paper("2507.00004", 1)]])
        assert _counts(result) == (1, 1, 0)
        assert [_counts(r) for r in result.groups] == [(1, 1, 0)]
        assert result.groups[0].groups == [], "no result holds itself"
        again = library.preview_import([[_paper("2507.00001", 7), _paper("2507.00004", 1)]])
        assert [_counts(r) for r in again] == [(0, 0, 2)], "after the import, the same group changes nothing"
    finally:
        library.close()
