"""The stats screen (`S`): the funnel in numbers, triage and done per day, the backlog over time
and a calendar heat-map of reading days. Numbers come from `reader.stats` (no Textual there).

Charts are Textual `Sparkline`s and a heat-map drawn as `Content` with shade characters
(`·░▒▓█`), so it reads in 256 colours and even without colour. Fits 80×24.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Sparkline, Static

from reader import backlog
from reader.library import Library
from reader.resources import bundled
from reader.stats import Stats, compute
from reader.tui.footer import KeyBar

CHART_DAYS = 60
"""The daily charts show this many days, ending today."""
HEAT_WEEKS = 26
"""The heat-map shows this many weeks, ending this week."""
SHADES = "·░▒▓█"
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def series(table: dict[str, int], end: date, days: int) -> list[float]:
    """Counts per day for the `days` days ending `end` (0 where nothing happened)."""
    start = end - timedelta(days=days - 1)
    return [float(table.get((start + timedelta(days=n)).isoformat(), 0)) for n in range(days)]


def shade(count: int, top: int) -> str:
    """The heat-map character for a count, relative to the busiest day."""
    if count <= 0 or top <= 0:
        return SHADES[0]
    return SHADES[min(4, 1 + (count * 4 - 1) // top)]


def heat_map(activity: dict[str, int], today: date, weeks: int = HEAT_WEEKS) -> Content:
    """Seven rows (Monday first), one column of two cells per week; the newest week on the right."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    top = max(activity.values(), default=0)
    lines: list[Content] = []
    for weekday in range(7):
        parts: list[str | tuple[str, str]] = [(f"{_WEEKDAYS[weekday]:<4}", "$text-muted")]
        for week in range(weeks):
            day = first + timedelta(weeks=week, days=weekday)
            if day > today:
                parts.append("  ")
                continue
            count = activity.get(day.isoformat(), 0)
            parts.append((shade(count, top) + " ", "$text-success" if count else "$text-muted"))
        lines.append(Content.assemble(*parts))
    return Content("\n").join(lines)


def headline(stats: Stats) -> Content:
    t = stats.totals
    median = "–" if stats.median_days_to_done is None else f"{stats.median_days_to_done:g}d"
    return Content.assemble(
        (f"{t.papers} papers", "bold"),
        f" · {t.triaged} triaged · ",
        (f"{t.to_read} to-read", "$text-primary"),
        " · ",
        (f"{t.reading} reading", "$text-warning"),
        " · ",
        (f"{t.done} done", "$text-success"),
        f" · {t.skipped} skipped · {t.snoozed} snoozed\n",
        ("streak ", "$text-muted"),
        (f"{stats.current_streak}", "bold"),
        (f" (longest {stats.longest_streak})", "$text-muted"),
        (" · triage to done ", "$text-muted"),
        (median, "bold"),
        (" (median)", "$text-muted"),
    )


class StatsScreen(Screen[None]):
    """Charts of the reading funnel; escape, q or S goes back."""

    CSS_PATH = str(bundled("styles") / "stats.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,S", "close", "Back", tooltip="Back to the papers"),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__(id="stats-screen")
        self.library = library
        self.today = backlog.today()
        self.stats = compute(library, today=self.today)

    def compose(self) -> ComposeResult:
        stats, today = self.stats, self.today
        activity = dict(stats.triaged_per_day)
        for day, count in stats.done_per_day.items():
            activity[day] = activity.get(day, 0) + count
        backlog_sizes = {day: size for day, size in stats.backlog}
        triaged = series(stats.triaged_per_day, today, CHART_DAYS)
        done = series(stats.done_per_day, today, CHART_DAYS)
        sizes = series(backlog_sizes, today, CHART_DAYS)
        with Vertical(id="stats-body"):
            yield Static(headline(stats), id="stats-headline", markup=False)
            yield Static(self._label("triaged per day", triaged), classes="stats-label", markup=False)
            yield Sparkline(triaged, id="chart-triaged", classes="stats-chart")
            yield Static(self._label("done per day", done), classes="stats-label", markup=False)
            yield Sparkline(done, id="chart-done", classes="stats-chart")
            yield Static(
                self._label("backlog (to-read, reading)", sizes, total=False), classes="stats-label", markup=False
            )
            yield Sparkline(sizes, id="chart-backlog", classes="stats-chart")
            yield Static(
                Content.assemble(
                    ("reading days", "bold"), (f" · last {HEAT_WEEKS} weeks · ", "$text-muted"), " ".join(SHADES)
                ),
                classes="stats-label",
                markup=False,
            )
            yield Static(heat_map(activity, today), id="stats-heat", markup=False)
        yield KeyBar()

    @staticmethod
    def _label(name: str, values: list[float], *, total: bool = True) -> Content:
        summary = f"{int(sum(values))} in the last {CHART_DAYS} days" if total else f"now {int(values[-1])}"
        return Content.assemble((name, "bold"), (f" · {summary} · peak {int(max(values, default=0))}", "$text-muted"))

    def on_mount(self) -> None:
        self.query_one("#stats-body").border_title = Content(f"stats · {self.today.isoformat()}")

    def action_close(self) -> None:
        """Back to the papers."""
        self.dismiss()
