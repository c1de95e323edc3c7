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


@pytest.mark.parametrize("patch_max", [200, 2])
def test_the_kept_status_lists_follow_every_kind_of_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, patch_max: int
) -> None:
    """The list of each status (the inbox, the board's columns) is kept between changes and
    patched by each (or rebuilt after a big batch): after any sequence of status changes, undo,
    redo, imports, redating, snoozes and a reload it is exactly what a scan of every paper gives."""
    import random
    from datetime import date

    import reader.library as library_module

    monkeypatch.setattr(library_module, "INBOX_PATCH_MAX", patch_max)
    rng = random.Random(7)
    days = ["2025-07-29", "2025-07-30", "2025-07-31"]
    with Library.open(tmp_path / "lib") as library:

        def scanned(status: Status = Status.INBOX) -> list[str]:
            return [pid for pid in library.ids() if library.status(pid) is status]

        def all_kept() -> None:
            for status in Status:
                assert library.ids(status=status) == scanned(status), status

        library.import_papers(
            [
                Paper(id=f"p{n}", title=f"Paper {n}", days=[rng.choice(days)], upvotes=rng.randrange(50))
                for n in range(40)
            ]
        )
        assert library.ids(status=Status.INBOX) == scanned()
        statuses = [Status.INBOX, Status.TO_READ, Status.READING, Status.DONE, Status.SKIPPED]
        for step in range(120):
            move = rng.randrange(8)
            ids = library.ids()
            if move <= 2:
                library.set_status(rng.sample(ids, rng.randint(1, 5)), rng.choice(statuses))
            elif move == 3:
                library.undo()
            elif move == 4:
                library.redo()
            elif move == 5:
                library.import_papers([Paper(id=f"n{step}", title=f"New {step}", days=[rng.choice(days)])])
            elif move == 6:
                library.snooze(rng.sample(ids, 2), date(2025, 8, 5))
                library.wake_snoozed(date(2025, 8, 6))
                old, new = rng.sample(days, 2)
                if any(old in library.head(pid).days for pid in ids):
                    library.redate(old, new)
            else:
                library.set_status(ids[: rng.randint(0, 10)], Status.DONE)
            if step == 3:
                library.warm_lists()  # kept from here on
            if step >= 3:
                all_kept()
        library.reload()
        all_kept()
