"""What a fetch brought back (`Fetched`: papers in groups, one per featured day or arXiv query),
and the report of what importing it did, worded from the library's own counts.

Fetch never touches the library: the caller imports `fetched.groups` (`Library.import_groups`,
on the UI thread in the app) and hands the result to `fetched.report(...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from reader.fetch.errors import FetchError
from reader.models import Paper
from reader.text import day_label as text_day_label


class ImportCounts(Protocol):
    """What the library says an import did (`reader.library.ImportResult` is one): read here
    without fetch depending on the library."""

    @property
    def new(self) -> int: ...

    @property
    def updated(self) -> int: ...

    @property
    def unchanged(self) -> int: ...

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def groups(self) -> Sequence[ImportCounts]: ...

    def summary(self) -> str: ...


@dataclass(slots=True)
class DayFetch:
    """The papers of one featured day (or one arXiv query)."""

    label: str
    """How the day or query is shown: `Jul 31`, `arXiv cs.CL`."""
    papers: list[Paper]
    day: date | None = None
    note: str = ""
    """Why there are no papers: `no papers on that day`, `not published yet`."""


@dataclass(slots=True)
class Fetched:
    """Everything one fetch brought back, parsed and checked, not yet in the library."""

    parts: list[DayFetch] = field(default_factory=list)
    note: str = ""
    """Said when nothing at all was found (`no papers in the last 7 days`)."""
    failures: list[tuple[str, FetchError]] = field(default_factory=list)
    """Sources that failed while others succeeded: (source, error). Their papers are missing."""

    @property
    def papers(self) -> list[Paper]:
        return [p for part in self.parts for p in part.papers]

    @property
    def groups(self) -> list[list[Paper]]:
        """The papers part by part, as `Library.import_groups` takes them (empty parts too, so
        that the library's counts line up with the parts)."""
        return [part.papers for part in self.parts]

    def failure_lines(self) -> list[str]:
        return [f"{source} failed: {error}" for source, error in self.failures]

    def report(self, result: ImportCounts | None) -> FetchReport:
        """The report of importing this: the library's counts for each part (its `groups`) and
        in all; `result` is None when nothing was imported (no papers)."""
        groups = list(result.groups) if result is not None else [None] * len(self.parts)
        if len(groups) != len(self.parts):
            raise ValueError(f"{len(groups)} import groups for {len(self.parts)} parts: import `fetched.groups`")
        parts = []
        for part, group in zip(self.parts, groups, strict=True):
            count = PartCount(part.label, len(part.papers), note=part.note)
            if group is not None:
                count.new, count.updated, count.unchanged = group.new, group.updated, group.unchanged
            parts.append(count)
        return FetchReport(parts, result, self.note, self.failure_lines())


@dataclass(slots=True)
class PartCount:
    """What merging one day's papers did."""

    label: str
    papers: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    note: str = ""

    def line(self) -> str:
        if not self.papers:
            return f"{self.label}: {self.note or 'no papers'}"
        counts = f"{self.new} new, {self.updated} updated" + (f", {self.unchanged} unchanged" if self.unchanged else "")
        return f"{self.label}: {self.papers} paper{'s' if self.papers != 1 else ''}, {counts}"


@dataclass(slots=True)
class FetchReport:
    """What a fetch did to the library: one line per day, and the import's counts in all."""

    parts: list[PartCount] = field(default_factory=list)
    result: ImportCounts | None = None
    """None when nothing was imported (an empty day)."""
    note: str = ""
    failures: list[str] = field(default_factory=list)
    """One line per source that failed while others were imported."""

    @property
    def new(self) -> int:
        return self.result.new if self.result else 0

    @property
    def updated(self) -> int:
        return self.result.updated if self.result else 0

    @property
    def papers(self) -> int:
        return len(self.result.ids) if self.result else 0

    def lines(self) -> list[str]:
        out = [part.line() for part in self.parts]
        if self.note:
            out.append(self.note)
        if len([p for p in self.parts if p.papers]) > 1 and self.result is not None:
            out.append(f"in all: {self.papers} papers, {self.result.summary()}")
        return out

    def summary(self) -> str:
        """One line, for a notification in the app."""
        failed = "; ".join(self.failures)
        return f"{self._summary()}; {failed}" if failed else self._summary()

    def _summary(self) -> str:
        if self.result is None:
            return self.note or ("; ".join(p.line() for p in self.parts) if self.parts else "nothing fetched")
        if len(self.parts) == 1:
            return self.parts[0].line()
        return f"{self.papers} papers, {self.result.new} new, {self.result.updated} updated"


def day_label(day: date, today: date | None = None) -> str:
    """`Jul 31`, or `Jul 31, 2024` for a day not in this year."""
    return text_day_label(day, today=today or date.today()) or day.isoformat()
