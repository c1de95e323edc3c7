"""Catch-up, seen, snooze, stale review, the reading cap and stats: the rules and the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reader import backlog
from reader.catchup import catch_up, flatten
from reader.library import Library
from reader.models import Paper, Status, UserState
from reader.stats import compute
from tests.conftest import Cli, snapshot

TODAY = "2025-08-01"


def paper(pid: str, day: str | None, upvotes: int = 0) -> Paper:
    return Paper(id=pid, title=f"Paper {pid}", days=[day] if day else [], upvotes=upvotes)


def build(path: Path) -> None:
    """Three featured days: Jul 29 all triaged, Jul 30 one of four triaged, Jul 31 none; one undated."""
    with Library.open(path) as library:
        library.import_papers(
            [
                paper("a1", "2025-07-29"),
                paper("a2", "2025-07-29"),
                paper("b1", "2025-07-30", 5),
                paper("b2", "2025-07-30", 9),
                paper("b3", "2025-07-30", 1),
                paper("b4", "2025-07-30", 0),
                paper("c1", "2025-07-31", 2),
                paper("c2", "2025-07-31", 7),
                paper("u1", None),
            ]
        )
        library.restore(
            {
                "a1": UserState(Status.DONE, triaged_at="2025-07-29T09:00:00Z", finished_at="2025-07-31T10:00:00Z"),
                "a2": UserState(Status.SKIPPED, triaged_at="2025-07-29T09:01:00Z"),
                "b1": UserState(Status.TO_READ, triaged_at="2025-06-01T09:00:00Z"),
            }
        )


@pytest.fixture
def days_lib(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("READER_TODAY", TODAY)
    build(lib_path)
    return lib_path


@pytest.fixture
def opened(days_lib: Path) -> Iterator[Library]:
    with Library.open(days_lib) as library:
        yield library


# -- catch-up ------------------------------------------------------------------------------------


def test_catch_up_groups_untriaged_papers_by_day_newest_first(opened: Library) -> None:
    groups = catch_up(opened)
    assert [(g.day, g.ids) for g in groups] == [
        ("2025-07-31", ["c2", "c1"]),
        ("2025-07-30", ["b2", "b3", "b4"]),
        ("", ["u1"]),
    ]
    ids, headers = flatten(groups)
    assert ids == ["c2", "c1", "b2", "b3", "b4", "u1"]
    assert headers == {0: "Jul 31 · 2 left", 2: "Jul 30 · 3 left", 5: "undated · 1 left"}
    opened.set_status(["c1", "c2"], Status.SKIPPED)
    assert [g.day for g in catch_up(opened)] == ["2025-07-30", ""]


def test_catch_up_is_the_inbox_cut_by_latest_day_whatever_the_library(tmp_path: Path) -> None:
    """The groups found by binary search in the kept inbox are exactly those of one plain pass
    over it, through imports (new days, papers featured again, undated ones) and status changes."""
    import random

    rng = random.Random(11)
    days = [f"2025-07-{n:02d}" for n in range(20, 32)]

    def one_pass(library: Library) -> list[tuple[str, list[str]]]:
        groups: dict[str, list[str]] = {}
        for pid in library.ids(status=Status.INBOX):
            paper_days = library.head(pid).days
            groups.setdefault(paper_days[-1] if paper_days else "", []).append(pid)
        undated = groups.pop("", None)
        return list(groups.items()) + ([("", undated)] if undated else [])

    with Library.open(tmp_path / "lib") as library:
        for step in range(12):
            batch = []
            for n in range(rng.randint(1, 25)):
                featured = sorted(rng.sample(days, rng.choice([0, 1, 1, 1, 2])))
                votes = rng.randrange(9)
                batch.append(Paper(id=f"s{step}-{n}", title=f"Paper {step} {n}", days=featured, upvotes=votes))
            library.import_papers(batch)
            ids = library.ids()
            library.set_status(rng.sample(ids, min(len(ids), rng.randint(0, 6))), rng.choice(list(Status)))
            assert [(g.day, g.ids) for g in catch_up(library)] == one_pass(library), step


def test_cli_list_catch_up_prints_day_separators(days_lib: Path, cli: Cli) -> None:
    result = cli("list", "--catch-up")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "── Jul 31 · 2 left"
    assert [line.split()[0] for line in lines[1:3]] == ["c2", "c1"]
    assert lines[3] == "── Jul 30 · 3 left"
    assert "── undated · 1 left" in lines
    as_json = json.loads(cli("list", "--catch-up", "--json").stdout)
    assert [r["id"] for r in as_json] == ["c2", "c1", "b2", "b3", "b4", "u1"]
    filtered = cli("list", "--catch-up", "-q", "c1")  # the title `Paper c1`
    assert filtered.stdout.splitlines()[0] == "── Jul 31 · 1 left"
    bad = cli("list", "--catch-up", "--status", "done")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "--catch-up" in bad.stderr


def test_unseen_lists_papers_never_highlighted(days_lib: Path, cli: Cli) -> None:
    with Library.open(days_lib) as library:
        assert library.mark_seen(["c2", "c1"])
        assert library.mark_seen(["c2"]) == []  # first time only
        seen_at = library.state("c2").seen_at
    assert seen_at is not None
    ids = [r["id"] for r in json.loads(cli("list", "--catch-up", "--unseen", "--json").stdout)]
    assert ids == ["b2", "b3", "b4", "u1"]
    assert json.loads(cli("show", "c2", "--json").stdout)["seen_at"] == seen_at
    with Library.open(days_lib) as library:  # a seen inbox paper keeps its state across a reopen
        assert library.state("c1").seen_at is not None and library.status("c1") is Status.INBOX


# -- snooze --------------------------------------------------------------------------------------


def test_parse_until() -> None:
    now = date(2025, 8, 1)
    assert backlog.parse_until("tomorrow", now) == date(2025, 8, 2)
    assert backlog.parse_until("next-week", now) == date(2025, 8, 8)
    assert backlog.parse_until("+3d", now) == date(2025, 8, 4)
    assert backlog.parse_until("+2w", now) == date(2025, 8, 15)
    assert backlog.parse_until("2025-09-01", now) == date(2025, 9, 1)
    for bad in ("2025-08-01", "2024-01-01", "soon", "+0d", "2025-13-01"):
        with pytest.raises(backlog.SettingError):
            backlog.parse_until(bad, now)


def test_snooze_round_trip_through_the_cli(days_lib: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("snooze", "c2", "b2", "tomorrow")
    assert result.exit_code == 0 and result.stdout.strip() == "2 snoozed until 2025-08-02"
    snoozed = [r["id"] for r in json.loads(cli("list", "--status", "snoozed", "--json").stdout)]
    assert sorted(snoozed) == ["b2", "c2"]
    catch = [r["id"] for r in json.loads(cli("list", "--catch-up", "--json").stdout)]
    assert "c2" not in catch and "b2" not in catch
    assert "until 2025-08-02 (snoozed" in cli("show", "c2").stdout
    # the same day: still away
    assert cli("list", "--status", "snoozed").stdout.count("snoozed") == 2
    # the return day: back in the inbox, with a note of the snooze
    monkeypatch.setenv("READER_TODAY", "2025-08-02")
    assert cli("list", "--status", "snoozed").stderr.strip() == "no papers match"  # read-only: woken in memory
    catch = [r["id"] for r in json.loads(cli("list", "--catch-up", "--json").stdout)]
    assert catch[:2] == ["c2", "c1"] and "b2" in catch
    shown = cli("show", "c2").stdout
    assert "status:    inbox" in shown and "back since 2025-08-02 (snoozed" in shown
    with Library.open(days_lib) as library:  # a writer saved the wake-up
        assert library.status("c2") is Status.INBOX
    with Library.open(days_lib, readonly=True) as library:
        assert library.status("b2") is Status.INBOX and library.state("b2").snoozed_until == "2025-08-02"


def test_snooze_mistakes_change_nothing(days_lib: Path, cli: Cli) -> None:
    before = snapshot(days_lib)
    for args, words in (
        (("snooze", "c2", "yesterday"), "not a day"),
        (("snooze", "c2", TODAY), "not after today"),
        (("snooze", "nope", "tomorrow"), "no paper"),
        (("snooze", "tomorrow"), "give one or more"),
        (("mark", "c2", "snoozed"), "reader snooze"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("reader: error:") and result.stderr.count("\n") == 1
        assert words in result.stderr
    assert snapshot(days_lib) == before


def test_a_bad_clock_setting_is_one_line(days_lib: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_TODAY", "someday")
    result = cli("list")
    assert result.exit_code == 2 and "READER_TODAY" in result.stderr and result.stderr.count("\n") == 1


# -- age, stale, review --------------------------------------------------------------------------


def test_age_and_stale_rules() -> None:
    now = date(2025, 8, 1)
    old = UserState(Status.TO_READ, triaged_at="2025-06-01T09:00:00Z")
    fresh = UserState(Status.TO_READ, triaged_at="2025-07-20T09:00:00Z")
    kept = UserState(Status.TO_READ, triaged_at="2025-06-01T09:00:00Z", kept_at="2025-07-30T00:00:00Z")
    reading = UserState(Status.READING, triaged_at="2025-06-01T09:00:00Z", started_at="2025-07-29T00:00:00Z")
    assert backlog.age_days(old, now) == 61 and backlog.age_days(reading, now) == 3
    assert backlog.age_days(UserState(Status.DONE), now) is None
    assert [backlog.age_label(n) for n in (0, 12, 99, 100, 999, 1000)] == ["0d", "12d", "99d", "14w", "142w", "2y"]
    assert backlog.is_stale(old, now, 30) and not backlog.is_stale(fresh, now, 30)
    assert not backlog.is_stale(kept, now, 30) and not backlog.is_stale(reading, now, 30)
    assert not backlog.is_stale(None, now, 30) and not backlog.is_stale(old, now, 61)


def test_stale_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    old = UserState(Status.TO_READ, triaged_at="2025-06-01T09:00:00Z")
    monkeypatch.setenv("READER_TODAY", TODAY)
    assert backlog.stale_predicate()(old)
    monkeypatch.setenv("READER_STALE_DAYS", "90")
    assert not backlog.stale_predicate()(old)
    monkeypatch.setenv("READER_STALE_DAYS", "0")
    with pytest.raises(backlog.SettingError):
        backlog.stale_days()


def test_review_walks_stale_papers_one_key_each(days_lib: Path, cli: Cli) -> None:
    with Library.open(days_lib) as library:
        library.restore(
            {
                "b3": UserState(Status.TO_READ, triaged_at="2025-05-01T09:00:00Z"),
                "b4": UserState(Status.TO_READ, triaged_at="2025-05-02T09:00:00Z"),
                "c1": UserState(Status.TO_READ, triaged_at="2025-07-25T09:00:00Z"),  # not stale
            }
        )
    assert [r["id"] for r in json.loads(cli("list", "--stale", "--json").stdout)] == ["b1", "b3", "b4"]
    # oldest first: b3 (May 1), b4 (May 2), b1 (Jun 1); a wrong key is asked again
    result = cli("review", input="k\nwhat\nr\nz\n")
    assert result.exit_code == 0, result.output
    assert "3 stale papers" in result.stdout
    assert result.stdout.rstrip().endswith("1 keep, 1 read now, 0 skip, 1 snooze a week")
    with Library.open(days_lib) as library:
        assert library.status("b3") is Status.TO_READ and library.state("b3").kept_at is not None
        assert library.status("b4") is Status.READING
        assert library.status("b1") is Status.SNOOZED and library.state("b1").snoozed_until == "2025-08-08"
    assert cli("review").stdout.startswith("nothing stale")
    # stopping early keeps what was answered
    with Library.open(days_lib) as library:
        library.restore({"c2": UserState(Status.TO_READ, triaged_at="2025-05-01T09:00:00Z")})
    stopped = cli("review", input="s\n")
    assert stopped.exit_code == 0 and "1 skip" in stopped.stdout


# -- the reading cap -----------------------------------------------------------------------------


def test_reading_cap_refuses_a_third_and_parks_on_request(
    days_lib: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_READING_CAP", "2")
    assert cli("mark", "b2", "b3", "reading").exit_code == 0
    before = snapshot(days_lib)
    refused = cli("mark", "b4", "reading")
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "capped at 2" in refused.stderr and "b2" in refused.stderr and "b3" in refused.stderr
    assert snapshot(days_lib) == before
    done = cli("mark", "b4", "reading", "--park", "b2")
    assert done.exit_code == 0 and "parked b2" in done.stdout
    with Library.open(days_lib) as library:
        assert library.status("b2") is Status.TO_READ and library.status("b4") is Status.READING
    assert cli("mark", "c1", "reading", "--park", "c2").exit_code == 2  # c2 is not reading
    monkeypatch.delenv("READER_READING_CAP")
    assert cli("mark", "c1", "reading").exit_code == 0


# -- stats ---------------------------------------------------------------------------------------


def stats_lib(path: Path) -> None:
    """Two featured days and a hand-checked history (see the expected numbers below)."""
    with Library.open(path) as library:
        library.import_papers(
            [
                Paper(id="p1", title="One", days=["2025-07-28"]),
                Paper(id="p2", title="Two", days=["2025-07-28"]),
                Paper(id="p3", title="Three", days=["2025-07-28", "2025-07-30"]),
                Paper(id="p4", title="Four", days=["2025-07-30"]),
                Paper(id="p5", title="Five", days=["2025-07-30"]),
                Paper(id="p6", title="Six", days=["2025-07-30"]),
            ]
        )
        library.restore(
            {
                # triaged Jul 28, done Jul 30 (2 days)
                "p1": UserState(
                    Status.DONE,
                    notes="good",
                    triaged_at="2025-07-28T08:00:00Z",
                    finished_at="2025-07-30T08:00:00Z",
                    noted_at="2025-07-30T08:00:00Z",
                ),
                # triaged Jul 28, done Aug 5 (8 days), next ISO week
                "p2": UserState(Status.DONE, triaged_at="2025-07-28T09:00:00Z", finished_at="2025-08-05T09:00:00Z"),
                "p3": UserState(Status.TO_READ, triaged_at="2025-07-30T10:00:00Z"),
                "p4": UserState(Status.READING, triaged_at="2025-07-31T10:00:00Z", started_at="2025-08-01T00:00:00Z"),
                "p5": UserState(Status.SKIPPED, triaged_at="2025-07-31T11:00:00Z"),
                "p6": UserState(
                    Status.SNOOZED,
                    triaged_at="2025-08-01T11:00:00Z",
                    snoozed_until="2025-08-20",
                    snoozed_at="2025-08-01T11:00:00Z",
                ),
            }
        )


def test_stats_numbers_against_a_library_built_by_hand(
    lib_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_TODAY", "2025-08-06")
    stats_lib(lib_path)
    data = json.loads(cli("stats", "--json").stdout)
    assert data["days"] == [
        {
            "day": "2025-07-28",
            "papers": 3,
            "triaged": 3,
            "to_read": 1,
            "reading": 0,
            "done": 2,
            "skipped": 0,
            "snoozed": 0,
        },
        {
            "day": "2025-07-30",
            "papers": 4,
            "triaged": 4,
            "to_read": 1,
            "reading": 1,
            "done": 0,
            "skipped": 1,
            "snoozed": 1,
        },
    ]
    assert data["totals"] == {
        "papers": 6, "triaged": 6, "to_read": 1, "reading": 1, "done": 2, "skipped": 1, "snoozed": 1,
    }  # fmt: skip
    assert data["weeks"] == [{"week": "2025-W31", "done": 1, "notes": 1}, {"week": "2025-W32", "done": 1, "notes": 0}]
    assert data["median_days_to_done"] == 5.0  # (2 + 8) / 2
    # activity: Jul 28, 30, 31, Aug 1 (triaged) and Aug 5 (done): runs 1, 3, 1; today Aug 6 -> 1
    assert data["streak"] == {"current": 1, "longest": 3}
    backlog_sizes = {row["day"]: row["size"] for row in data["backlog"]}
    # to-read/reading/done papers triaged and not finished by the end of each day
    assert backlog_sizes == {
        "2025-07-28": 2, "2025-07-29": 2, "2025-07-30": 2, "2025-07-31": 3,
        "2025-08-01": 3, "2025-08-02": 3, "2025-08-03": 3, "2025-08-04": 3,
        "2025-08-05": 2, "2025-08-06": 2,
    }  # fmt: skip
    since = json.loads(cli("stats", "--json", "--since", "2025-07-30").stdout)
    assert [d["day"] for d in since["days"]] == ["2025-07-30"]
    assert since["totals"]["papers"] == 4 and since["weeks"][0] == {"week": "2025-W31", "done": 1, "notes": 1}
    text = cli("stats").stdout
    assert (
        "2025-07-28" in text and "median triage to done: 5 days" in text and "streak: 1 day now, 3 days at most" in text
    )
    bad = cli("stats", "--since", "July")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_stats_per_day_counts_untouched_papers_and_follow_changes(lib_path: Path) -> None:
    """The inbox of a day is what the other statuses leave of the papers featured on it: papers
    with no state, papers put back in the inbox, and states of papers no longer in the library
    (orphans, not counted). The day sizes are cached: new papers and new states must show."""

    def per_day(library: Library) -> dict[str, list[int]]:
        found = compute(library, today=date(2025, 8, 6))
        return {day: [c.papers, c.inbox, c.to_read, c.done, c.skipped] for day, c in found.days}

    with Library.open(lib_path) as library:
        library.import_papers(
            [
                Paper(id="u1", title="Untouched", days=["2025-07-28"]),
                Paper(id="u2", title="Put back", days=["2025-07-28", "2025-07-30"]),
                Paper(id="d1", title="Done", days=["2025-07-30"]),
            ]
        )
        library.restore(
            {
                "u2": UserState(Status.INBOX, triaged_at="2025-07-29T08:00:00Z"),
                "d1": UserState(Status.DONE, triaged_at="2025-07-30T08:00:00Z", finished_at="2025-07-31T08:00:00Z"),
                "gone": UserState(Status.SKIPPED, triaged_at="2025-07-30T08:00:00Z"),
            }
        )
        assert per_day(library) == {"2025-07-28": [2, 2, 0, 0, 0], "2025-07-30": [2, 1, 0, 1, 0]}
        library.set_status("u1", Status.TO_READ)
        library.import_papers([Paper(id="n1", title="New", days=["2025-07-30"])])
        assert per_day(library) == {"2025-07-28": [2, 1, 1, 0, 0], "2025-07-30": [3, 2, 0, 1, 0]}
        totals = compute(library, today=date(2025, 8, 6)).totals
        assert (totals.papers, totals.inbox, totals.to_read, totals.done) == (4, 2, 1, 1)


def test_stats_of_an_empty_library(lib_path: Path) -> None:
    with Library.open(lib_path) as library:
        stats = compute(library, today=date(2025, 8, 1))
    assert stats.days == [] and stats.totals.papers == 0 and stats.median_days_to_done is None
    assert (stats.current_streak, stats.longest_streak, stats.backlog) == (0, 0, [])


# -- has:stale, the "for you" order and exports with snoozed papers -------------------------------


def test_has_stale_in_the_search_language(days_lib: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(days_lib) as library:  # to-read since Jul 30: 2 days, not stale
        library.restore({"c1": UserState(Status.TO_READ, triaged_at="2025-07-30T09:00:00Z")})
    stale = [r["id"] for r in json.loads(cli("list", "-q", "has:stale", "--json").stdout)]
    assert stale == ["b1"]  # to-read since Jun 1: 61 days
    assert cli("list", "-q", "-has:stale", "--status", "to-read").stdout.split()[0] == "c1"
    monkeypatch.setenv("READER_STALE_DAYS", "90")
    assert cli("list", "-q", "has:stale").stderr.strip() == "no papers match"
    monkeypatch.setenv("READER_STALE_DAYS", "1")
    assert sorted(r["id"] for r in json.loads(cli("list", "-q", "has:stale", "--json").stdout)) == ["b1", "c1"]


def test_snoozed_papers_are_no_decision_for_the_for_you_order(days_lib: Path, cli: Cli) -> None:
    from reader import foryou

    with Library.open(days_lib) as library:
        before = foryou.decision_count(library)  # a1 done, a2 skipped, b1 to-read
        library.snooze(["c1", "c2"], date(2025, 8, 9))
        assert before == 3 and foryou.decision_count(library) == before
    ranked = json.loads(cli("list", "--sort", "for-you", "--json").stdout)
    assert {"c1", "c2"} <= {r["id"] for r in ranked}
    assert {r["status"] for r in ranked if r["id"] in ("c1", "c2")} == {"snoozed"}


def test_every_export_format_takes_snoozed_papers(days_lib: Path, cli: Cli, tmp_path: Path) -> None:
    from reader.exporters import FORMATS

    assert cli("snooze", "c2", "2025-08-09").exit_code == 0
    for name in FORMATS:
        out = tmp_path / f"out-{name}"
        result = cli("export", "--status", "snoozed", "-f", name, "-o", str(out))
        assert result.exit_code == 0, (name, result.stderr)
        text = "".join(p.read_text() for p in out.iterdir()) if out.is_dir() else out.read_text()
        assert "Paper c2" in text, name
