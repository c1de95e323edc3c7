"""The library keeps its own undo history; a batch (many papers, one key) is one undo step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.library import Library
from reader.models import Paper, Status


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib")
    library.import_papers([Paper(id=f"p{n}", title=f"Paper {n}", days=["2025-07-31"]) for n in range(4)])
    try:
        yield library
    finally:
        library.close()


def test_every_change_is_recorded_without_the_caller(lib: Library) -> None:
    lib.set_status("p0", Status.DONE)
    lib.set_notes("p1", "hello")
    lib.set_tags("p2", ["rl"])
    assert lib.undo()[0].paper_id == "p2" and lib.state("p2").tags == []
    assert lib.undo()[0].paper_id == "p1" and lib.state("p1").notes == ""
    assert lib.undo()[0].paper_id == "p0" and lib.status("p0") is Status.INBOX
    assert lib.undo() == []
    lib.redo()
    assert lib.status("p0") is Status.DONE


def test_status_for_many_is_one_step(lib: Library) -> None:
    lib.set_status(["p0", "p1", "p2"], Status.TO_READ)
    assert len(lib.undo()) == 3
    assert all(lib.status(f"p{n}") is Status.INBOX for n in range(3))
    assert not lib.history.can_undo


def test_tags_for_many_are_one_step(lib: Library) -> None:
    lib.set_tags("p0", ["keep", "old"])
    lib.edit_tags(["p0", "p1"], add=["new"], remove=["old"])
    assert lib.state("p0").tags == ["keep", "new"] and lib.state("p1").tags == ["new"]
    assert len(lib.undo()) == 2
    assert lib.state("p0").tags == ["keep", "old"] and lib.state("p1").tags == []


def test_a_batch_groups_any_changes_into_one_step(lib: Library) -> None:
    with lib.batch():
        lib.set_status("p0", Status.DONE)
        lib.set_tags("p1", ["x"])
        with lib.batch():  # nested: still the one outer step
            lib.set_notes("p2", "n")
    assert len(lib.undo()) == 3
    assert lib.status("p0") is Status.INBOX and lib.state("p1").tags == [] and lib.state("p2").notes == ""


def test_derived_orders_follow_new_papers(lib: Library) -> None:
    assert lib.ids(day="2025-07-31")[-1] == "p3"
    before = lib.days()
    lib.import_papers([Paper(id="top", title="Top", days=["2025-08-01"], upvotes=99)])
    assert lib.days() == [*before, "2025-08-01"]
    assert lib.ids()[0] == "top" and lib.sort_key("top") == 0
    lib.set_status("top", Status.READING)
    assert lib.ids(status=Status.READING) == ["top"]
