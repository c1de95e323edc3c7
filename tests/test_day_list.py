"""`reader list --day D` without reading the whole index: the index's sidecars (its papers by
day, where each record starts) give the day's papers, and the output is byte for byte what
reading the whole index gives, whatever state the sidecars and the journals are in."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import orjson
import pytest

from reader import store
from reader.library import Library
from reader.models import Paper, Status
from tests.conftest import Cli

DAYS = ["2025-07-28", "2025-07-29", "2025-07-30", "2025-07-31"]
NEW_DAY = "2025-08-01"
STATUSES = ["all", "inbox", "to-read", "done"]
SORTS = ["page", "upvotes", "published", "title"]


def _paper(n: int, days: list[str], upvotes: int | None) -> Paper:
    return Paper(
        id=f"2507.{10000 + n}",
        title=f"Paper {n} on topic {n % 5}",
        arxiv_id=f"2507.{10000 + n}",
        days=days,
        upvotes=upvotes,
        published=f"2025-07-{1 + n % 28:02d}",
    )


def build(root: Path) -> None:
    """Four days of papers (some on two days, equal upvotes, none), statuses, tags, a snooze."""
    papers = []
    for n in range(40):
        day = DAYS[n % 4]
        days = sorted({DAYS[0], day}) if n % 7 == 0 else [day]
        papers.append(_paper(n, days, None if n % 9 == 0 else n % 3))
    with Library.open(root) as library:
        library.import_papers(papers)
        ids = [p.id for p in papers]
        library.set_status(ids[1::5], Status.TO_READ)
        library.set_status(ids[2::5], Status.DONE)
        library.set_status(ids[3::5], Status.SKIPPED)
        library.edit_tags(ids[::6], add=["ml"])
    with Library.open(root, lazy=True) as library:
        library.snooze([ids[4], ids[9]], date(2000, 1, 1))  # long due: listed as woken, in the inbox


_load_heads = Library._load_heads


def _refuse(self: Library) -> None:
    raise AssertionError("the whole index was read")


def listing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, combos: Iterable[tuple[str, ...]], *, sidecars: bool, strict: bool = True
) -> dict:
    """The output of `reader list` for each combination, with the sidecars used (and, if
    `strict`, the whole index never read) or not (the whole index read, as before they existed)."""
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 0 if sidecars else 1 << 60)
    monkeypatch.setattr(Library, "_load_heads", _refuse if sidecars and strict else _load_heads)
    found = {}
    for combo in combos:
        result = cli("list", *combo)
        assert result.exit_code == 0, result.output
        found[combo] = result.output
    monkeypatch.setattr(Library, "_load_heads", _load_heads)
    return found


def combos(days: Iterable[str], statuses: Iterable[str] = STATUSES, sorts: Iterable[str] = SORTS) -> list:
    rows = [
        ("--day", day, "--status", status, "--sort", sort)
        for day, status, sort in itertools.product(days, statuses, sorts)
    ]
    return rows + [("--day", day, "--json") for day in days]


def assert_same(cli: Cli, monkeypatch: pytest.MonkeyPatch, wanted: list) -> None:
    expected = listing(cli, monkeypatch, wanted, sidecars=False)
    assert any(text.strip() for text in expected.values())
    assert listing(cli, monkeypatch, wanted, sidecars=True) == expected


@pytest.fixture
def day_lib(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 0)  # this small library gets sidecars too
    build(cli.db)
    assert (cli.db / "cache" / store.DAYS_SIDECAR).exists()
    return cli


def test_a_days_papers_are_listed_without_reading_the_whole_index(
    day_lib: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(day_lib.db, readonly=True, lazy=True) as library:
        assert library.latest_day() == DAYS[-1]
        ids = library.ids(day=DAYS[1], status=Status.INBOX)
        assert ids and not library.heads_loaded and not library.store.storage("index").loaded
        assert not library.store.storage("state").loaded

    monkeypatch.setattr(Library, "_load_heads", _refuse)
    monkeypatch.setattr(Library, "_shard", _refuse)  # --json reads the day's records, not whole shards
    for args in (["--day", "latest"], ["--day", DAYS[0], "--sort", "title"], ["--day", "latest", "--json"]):
        result = day_lib("list", *args)
        assert result.exit_code == 0 and result.output.strip(), result.output


def test_every_day_status_and_sort_lists_as_the_whole_index_does(day_lib: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(day_lib, monkeypatch, combos([*DAYS, "latest", "2025-06-01"]))


def test_changes_still_in_the_journals_are_listed(day_lib: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = day_lib.db
    monkeypatch.setattr(store, "COMPACT_ON_CLOSE_MAX_BYTES", -1)  # the changes stay in the journals
    monkeypatch.setattr(store, "COMPACT_UNREAD_MAX_BYTES", -1)
    with Library.open(root) as library:
        # the newest day's papers moved to an old day: the latest day is the one before
        library.redate(DAYS[-1], "2025-07-01")
        # new papers with the upvotes of those already on that day: they come after them
        library.import_papers([_paper(100 + n, [DAYS[1]], n % 3) for n in range(4)])
        # a record deleted by another program, another deleted and put back (it moves to the end)
        gone, back = "2507.10005", "2507.10013"
        head = library.head(back).to_dict()
        library.store.put("index", {gone: None})
        library.store.put("index", {back: None})
        library.store.put("index", {back: head})
        library.set_status(["2507.10001", "2507.10101"], Status.DONE)
    assert (root / "index.journal").stat().st_size and (root / "state.journal").stat().st_size
    assert_same(day_lib, monkeypatch, combos([*DAYS, "latest", "2025-07-01"]))
    with Library.open(root, readonly=True, lazy=True) as library:
        assert library.latest_day() == DAYS[-2]
        assert not library.heads_loaded

    with Library.open(root) as library:  # a new day, only in the journal: the latest
        library.import_papers([_paper(200 + n, [NEW_DAY], 1) for n in range(3)])
    assert_same(day_lib, monkeypatch, combos(["latest", NEW_DAY, DAYS[1]], sorts=["page"]))


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a sidecar\n" + bytes(range(256)))


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def _stale_copy(path: Path) -> None:
    """A well-formed sidecar of the index as it was before its last compaction."""
    path.write_bytes(_stale[path.name])


def _lying(path: Path) -> None:
    """A well-formed days sidecar for the current index that lists a paper on a day it is not on
    (checked against the paper's record, which is read anyway; a forged sidecar that leaves a
    paper out with the right identity and checksum is not detected)."""
    identity = store._identity(path.parent.parent / "index.json")
    assert identity is not None
    docs = orjson.loads((path.parent.parent / "index.json").read_bytes())["index"]
    docs["2507.10002"]["days"] = [DAYS[2], DAYS[-1]]
    encoded = store.DayIndex.encode(identity, docs)
    assert encoded is not None
    path.write_bytes(encoded)


_stale: dict[str, bytes] = {}


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        (store.DAYS_SIDECAR, Path.unlink),
        ("index.offsets", Path.unlink),
        ("state.offsets", Path.unlink),
        (store.DAYS_SIDECAR, _garbage),
        ("index.offsets", _garbage),
        ("state.offsets", _truncated),
        (store.DAYS_SIDECAR, _truncated),
        (store.DAYS_SIDECAR, _stale_copy),
        ("index.offsets", _stale_copy),
        (store.DAYS_SIDECAR, _lying),
    ],
)
def test_a_missing_damaged_or_stale_sidecar_changes_nothing(
    day_lib: Cli, monkeypatch: pytest.MonkeyPatch, name: str, damage: object
) -> None:
    root = day_lib.db
    cache = root / "cache"
    _stale.update({p.name: p.read_bytes() for p in cache.iterdir()})
    with Library.open(root) as library:  # a change compacted at once: the sidecars are written again
        library.import_papers([_paper(300, [DAYS[2]], 2)])
        library.store.storage("index").compact()
    assert (cache / name).read_bytes() != _stale[name] or name == "state.offsets"
    wanted = combos(["latest", DAYS[2]], statuses=["all", "done"], sorts=["page"])
    expected = listing(day_lib, monkeypatch, wanted, sidecars=False)
    damage(cache / name)  # type: ignore[operator]
    # rebuilt by the first listing, then used; a sidecar that lies is caught: the index is read
    assert listing(day_lib, monkeypatch, wanted, sidecars=True, strict=damage is not _lying) == expected
    assert listing(day_lib, monkeypatch, wanted, sidecars=True, strict=damage is not _lying) == expected
    assert (cache / name).exists()


def test_sidecars_that_cannot_be_written_cost_speed_only(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 0)
    cli.db.mkdir()
    (cli.db / "cache").write_text("not a folder\n")  # every sidecar write fails
    build(cli.db)
    wanted = combos(["latest", DAYS[1]], statuses=["all", "done"], sorts=["page"])
    expected = listing(cli, monkeypatch, wanted, sidecars=False)
    assert listing(cli, monkeypatch, wanted, sidecars=True, strict=False) == expected
    assert (cli.db / "cache").read_text() == "not a folder\n"
