"""Reading statistics: the funnel per featured day, throughput, time to done, streaks, backlog.

Textual-free: one pass over the user states, and the library's cached day groups for the papers
per day (see the benchmark row "stats"). Definitions, as `reader stats` and the
app's stats screen show them:

- per featured day: the papers featured that day (a paper featured on two days counts on
  both) by status; `triaged` is every paper no longer in the inbox (snoozed ones included).
- totals: the same over distinct papers (with `--since`, those featured on or after it).
- throughput per ISO week: papers done (by the day they were finished) and papers whose notes
  were written that week (by the last notes save; older notes by their last change).
- median days from triage to done: over papers done, the calendar days between the day they
  were triaged and the day they were finished.
- activity day: a day (UTC, as the stamps are) on which at least one paper was triaged or
  finished. The current streak is the run of activity days ending today, or ending yesterday
  when today has none yet (a day is not lost before it ends); the longest is the longest run.
  Streaks always look at the whole history, whatever `since` is.
- backlog on a day: the papers to read, reading or done now that had been triaged by the end
  of that day and not yet finished (papers skipped or back in the inbox are not counted:
  their history is not kept). One value per day from the first triage to today.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from reader.library import Library
from reader.models import Status

STATUS_COLUMNS: tuple[Status, ...] = (
    Status.INBOX,
    Status.TO_READ,
    Status.READING,
    Status.DONE,
    Status.SKIPPED,
    Status.SNOOZED,
)
_COLUMN = {status: n + 1 for n, status in enumerate(STATUS_COLUMNS)}
"""Status -> its place in a counter row: [papers, inbox, to-read, reading, done, skipped, snoozed]."""
_BACKLOG = frozenset({Status.TO_READ, Status.READING, Status.DONE})


@dataclass(slots=True)
class Counts:
    """How many papers, and how many in each status."""

    papers: int = 0
    inbox: int = 0
    to_read: int = 0
    reading: int = 0
    done: int = 0
    skipped: int = 0
    snoozed: int = 0

    @property
    def triaged(self) -> int:
        return self.papers - self.inbox

    @classmethod
    def from_row(cls, row: list[int]) -> Counts:
        return cls(*row)

    def to_dict(self) -> dict[str, int]:
        return {
            "papers": self.papers,
            "triaged": self.triaged,
            "to_read": self.to_read,
            "reading": self.reading,
            "done": self.done,
            "skipped": self.skipped,
            "snoozed": self.snoozed,
        }


@dataclass(slots=True)
class Week:
    week: str
    """ISO week, `2025-W31`."""
    done: int = 0
    notes: int = 0


@dataclass(slots=True)
class Stats:
    days: list[tuple[str, Counts]]
    """Per featured day, oldest first."""
    totals: Counts
    weeks: list[Week]
    """Oldest first; weeks with nothing done and no notes are left out."""
    median_days_to_done: float | None
    current_streak: int
    longest_streak: int
    triaged_per_day: dict[str, int]
    """Activity day -> papers triaged that day."""
    done_per_day: dict[str, int]
    backlog: list[tuple[str, int]] = field(default_factory=list)
    """(day, backlog size at the end of it), one per day, oldest first."""
    today: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "days": [{"day": day, **counts.to_dict()} for day, counts in self.days],
            "totals": self.totals.to_dict(),
            "weeks": [{"week": w.week, "done": w.done, "notes": w.notes} for w in self.weeks],
            "median_days_to_done": self.median_days_to_done,
            "streak": {"current": self.current_streak, "longest": self.longest_streak},
            "activity": [
                {"day": day, "triaged": self.triaged_per_day.get(day, 0), "done": self.done_per_day.get(day, 0)}
                for day in sorted(set(self.triaged_per_day) | set(self.done_per_day))
            ],
            "backlog": [{"day": day, "size": size} for day, size in self.backlog],
        }


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def compute(library: Library, *, today: date, since: date | None = None) -> Stats:
    """Every number of `reader stats` for this library."""
    start = since.isoformat() if since else ""
    papers, states = library.papers, library.states
    # Group the touched papers by status (the one Python loop over them, over the states only).
    # The papers featured per day come from the library's cached day groups, so the inbox of a
    # day is what the other statuses leave of it: 100k untouched papers are never walked.
    orphans = states.keys() - papers.keys()
    groups: dict[Status, list[str]] = {status: [] for status in Status}
    for pid, state in states.items():
        groups[state.status].append(pid)
    if orphans:
        groups = {status: [pid for pid in ids if pid not in orphans] for status, ids in groups.items()}
    touched = len(states) - len(orphans)
    get_paper, get_state = papers.__getitem__, states.__getitem__

    days_of = attrgetter("days")

    def day_counts(paper_ids: Iterable[str]) -> Counter[str]:
        return Counter(chain.from_iterable(map(days_of, map(get_paper, paper_ids))))

    everything = Counter(library.day_sizes())
    by_status = {status: day_counts(groups[status]) for status in STATUS_COLUMNS[1:]}
    inbox = everything.copy()
    for status in STATUS_COLUMNS[1:]:
        inbox.subtract(by_status[status])
    # (a hand-edited index could list a day twice for one paper: never a negative inbox)
    by_status[Status.INBOX] = Counter({day: count for day, count in inbox.items() if count > 0})
    per_day: dict[str, list[int]] = {}
    for day, count in everything.items():
        if day < start:
            continue
        per_day[day] = [count, *(by_status[status].get(day, 0) for status in STATUS_COLUMNS)]
    if start:
        recent_counts = [
            sum(1 for pid in groups[status] if (d := papers[pid].days) and d[-1] >= start) for status in Status
        ]
        untouched = sum(1 for p in papers.values() if p.days and p.days[-1] >= start) - sum(recent_counts)
        recent_counts[0] += untouched
        totals = [sum(recent_counts), *(recent_counts[list(Status).index(status)] for status in STATUS_COLUMNS)]
    else:
        totals = [len(papers), len(papers) - touched, *(len(groups[status]) for status in STATUS_COLUMNS[1:])]

    day_part = itemgetter(slice(0, 10))

    def stamp_counts(found: Iterable[str | None]) -> Counter[str]:
        return Counter(map(day_part, filter(None, found)))

    triaged_by: dict[Status, Counter[str]] = {
        status: stamp_counts(map(attrgetter("triaged_at"), map(get_state, groups[status]))) for status in Status
    }
    triaged: Counter[str] = Counter()
    delta: Counter[str] = Counter()
    for status, counter in triaged_by.items():
        triaged.update(counter)
        if status in _BACKLOG:
            delta.update(counter)
    done_states = list(map(get_state, groups[Status.DONE]))
    done = stamp_counts(map(attrgetter("finished_at"), done_states))
    delta.subtract(done)
    with_notes = filter(attrgetter("notes"), map(get_state, chain.from_iterable(groups.values())))  # (in C)
    noted = stamp_counts(state.noted_at or state.updated_at for state in with_notes)
    spans = [
        (state.triaged_at[:10], state.finished_at[:10])
        for state in done_states
        if state.triaged_at and state.finished_at and state.finished_at[:10] >= start
    ]

    dates: dict[str, date] = {}

    def as_date(text: str) -> date | None:
        found = dates.get(text)
        if found is None and text not in dates:
            try:
                found = date.fromisoformat(text)
            except ValueError:
                found = None
            dates[text] = found  # type: ignore[assignment]
        return found

    weeks: dict[str, Week] = {}
    for table, attribute in ((done, "done"), (noted, "notes")):
        for text, count in table.items():
            when = as_date(text)
            if when is None or text < start:
                continue
            key = _iso_week(when)
            week = weeks.get(key) or weeks.setdefault(key, Week(key))
            setattr(week, attribute, getattr(week, attribute) + count)

    waits = []
    for t, f in spans:
        a, b = as_date(t), as_date(f)
        if a is not None and b is not None:
            waits.append((b - a).days)
    median = float(statistics.median(waits)) if waits else None

    active = sorted({found for d in (*triaged, *done) if (found := as_date(d)) is not None})
    current, longest = _streaks(active, today)

    backlog: list[tuple[str, int]] = []
    valid = sorted(d for d in delta if as_date(d) is not None)
    if valid:
        first = as_date(valid[0])
        assert first is not None
        size = 0
        cursor = first
        while cursor <= today:
            text = cursor.isoformat()
            size += delta.get(text, 0)
            if text >= start:
                backlog.append((text, size))
            cursor += timedelta(days=1)

    def since_start(table: dict[str, int]) -> dict[str, int]:
        return {d: c for d, c in table.items() if d >= start and as_date(d) is not None}

    return Stats(
        days=[(day, Counts.from_row(per_day[day])) for day in sorted(per_day)],
        totals=Counts.from_row(totals),
        weeks=[weeks[key] for key in sorted(weeks)],
        median_days_to_done=median,
        current_streak=current,
        longest_streak=longest,
        triaged_per_day=since_start(triaged),
        done_per_day=since_start(done),
        backlog=backlog,
        today=today.isoformat(),
    )


def _streaks(active: list[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days in `active` (sorted, distinct)."""
    longest = run = 0
    previous: date | None = None
    for day in active:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if previous is not None and (today - previous).days in (0, 1):
        current = run
    return current, longest


def summary_lines(stats: Stats) -> list[str]:
    """The plain-text report of `reader stats`."""
    lines = [
        f"{'day':<10} {'papers':>6} {'triaged':>7} {'to-read':>7} {'reading':>7} {'done':>5} "
        f"{'skipped':>7} {'snoozed':>7}"
    ]

    def row(label: str, c: Counts) -> str:
        return (
            f"{label:<10} {c.papers:>6} {c.triaged:>7} {c.to_read:>7} {c.reading:>7} "
            f"{c.done:>5} {c.skipped:>7} {c.snoozed:>7}"
        )

    lines += [row(day, counts) for day, counts in stats.days]
    lines.append(row("total", stats.totals))
    lines.append("")
    if stats.weeks:
        lines.append("week       done  notes")
        lines += [f"{w.week:<10} {w.done:>4} {w.notes:>6}" for w in stats.weeks]
    else:
        lines.append("nothing done and no notes written yet")
    median = "n/a" if stats.median_days_to_done is None else f"{stats.median_days_to_done:g} days"
    lines.append("")
    lines.append(f"median triage to done: {median}")
    lines.append(f"streak: {_days(stats.current_streak)} now, {_days(stats.longest_streak)} at most")
    if stats.backlog:
        first, last = stats.backlog[0], stats.backlog[-1]
        peak = max(size for _, size in stats.backlog)
        lines.append(f"backlog: {first[1]} on {first[0]}, {last[1]} on {last[0]} (peak {peak})")
    return lines


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
