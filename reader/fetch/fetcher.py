"""`Fetcher`: the fetches reader runs, each returning `Fetched` (nothing is imported here).

`reader fetch` (and its `--date`, `--days`, `--arxiv`, `--arxiv-new`), `reader add` and the
app's `F` key all build one `Fetcher` with their settings and options and call one method.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from reader.fetch.announcements import fetch_arxiv_announcements
from reader.fetch.arxiv import ARXIV, check_categories, check_category, fetch_arxiv_category, fetch_arxiv_ids
from reader.fetch.errors import FetchCancelled, FetchError
from reader.fetch.hf import HF, DayNotPublished, fetch_hf_day
from reader.fetch.http import Session
from reader.fetch.results import DayFetch, Fetched, day_label

LATEST_LOOKBACK = 7
"""How many days `Fetcher.latest` steps back looking for a day with papers."""


class Fetcher(Session):
    """One fetch: the HTTP client and policy (`Session`: settings, client, progress, cancel,
    today) and the fetches built on the sources. Every method fetches and checks everything
    before it returns, so a failure on page three of a day returns nothing at all; errors are
    `FetchError`s worded for the user. Requests made by one method share one client.
    """

    def days(self, days: Sequence[date], *, strict: bool = True) -> Fetched:
        """These featured days from Hugging Face (all pages of each).

        With `strict`, a day the server refuses (HTTP 400, in its future) is an error; otherwise
        it counts as `not published yet`.
        """
        fetched = Fetched()
        with self.open():
            for day in days:
                label = day_label(day, self.today)
                try:
                    papers = fetch_hf_day(self, day)
                except DayNotPublished:
                    if strict:
                        raise
                    fetched.parts.append(DayFetch(label, [], day, "not published yet"))
                    continue
                fetched.parts.append(DayFetch(label, papers, day, "" if papers else "no papers on that day"))
        return fetched

    def latest(self, lookback: int = LATEST_LOOKBACK) -> Fetched:
        """The latest Hugging Face day with papers: today, else yesterday, ... up to `lookback`
        days back."""
        with self.open():
            for offset in range(lookback):
                day = self.today - timedelta(days=offset)
                try:
                    papers = fetch_hf_day(self, day)
                except DayNotPublished:
                    continue
                if papers:
                    return Fetched([DayFetch(day_label(day, self.today), papers, day)])
        since = day_label(self.today - timedelta(days=lookback - 1), self.today)
        return Fetched(note=f"no papers in the last {lookback} days (since {since})")

    def arxiv_ids(self, ids: Sequence[str]) -> Fetched:
        """These papers from the arXiv API (`reader add`); an unknown id fails them all."""
        return Fetched([DayFetch(ARXIV, fetch_arxiv_ids(self, ids))])

    def arxiv_category(self, category: str, max_results: int = 100) -> Fetched:
        """The newest papers of an arXiv category from the arXiv API (`reader fetch --arxiv`)."""
        papers = fetch_arxiv_category(self, category, max_results)
        return Fetched([DayFetch(f"{ARXIV} {check_category(category)}", papers)])

    def arxiv_new(self, categories: Sequence[str]) -> Fetched:
        """The day's announcements of these arXiv categories (`reader fetch --arxiv-new`)."""
        cats = check_categories(categories)
        papers, note = fetch_arxiv_announcements(self, cats)
        day = date.fromisoformat(papers[0].days[0]) if papers and papers[0].days else None
        return Fetched([DayFetch(f"{ARXIV} {'+'.join(cats)}", papers, day, note)])

    def daily(self, categories: Sequence[str] = ()) -> Fetched:
        """The morning fetch: Hugging Face's latest day, and today's announcements of the arXiv
        categories followed (`reader fetch` without options, and `F` in the app).

        Each source is fetched on its own: when one fails and another succeeds, the result holds
        what succeeded and names the failure in `failures`; when every source fails, the first
        error is raised (the others are added to its message). Cancelling raises at once.
        """
        fetched = Fetched()
        errors: list[tuple[str, FetchError]] = []
        with self.open():
            try:
                hf = self.latest()
                fetched.parts += hf.parts
                fetched.note = hf.note
            except FetchCancelled:
                raise
            except FetchError as exc:
                errors.append((HF, exc))
            if categories:
                try:
                    fetched.parts += self.arxiv_new(categories).parts
                except FetchCancelled:
                    raise
                except FetchError as exc:
                    errors.append((f"{ARXIV} {'+'.join(categories)}", exc))
        sources = 1 + (1 if categories else 0)
        if len(errors) == sources:
            first_source, first = errors[0]
            others = "; ".join(f"{source}: {exc}" for source, exc in errors[1:])
            message = f"{first_source}: {first}" + (f"; {others}" if others else "") if others else str(first)
            raise FetchError(message, first.kind)
        fetched.failures = errors
        return fetched
