"""Fetching papers over HTTP: the Hugging Face daily papers API, the arXiv API and arXiv's
daily announcement feeds (rss.arxiv.org).

No Textual, no click and no library here: the command line (`reader.cli_fetch`) and the app
build a `Fetcher` and call one of its methods, which fetches and parses everything and returns
`Fetched` (papers in groups, one per featured day or arXiv query). The caller imports them
(`library.import_groups(fetched.groups)`, on the UI thread in the app) and words the outcome
with `fetched.report(result)`. Every failure is a `FetchError` whose text is one line worded
for the user (`cannot reach huggingface.co: connection refused`).

The modules:
- `errors`: `FetchError` and its kinds; `settings`: `Settings` (URLs, timeouts, retries,
  limits, from the environment) and the arXiv `RateLimiter` (one request every 3 seconds).
- `http`: the HTTP policy of every request (User-Agent, timeouts, the retry loop for 429/5xx,
  the deadline, redirects within the site, the decompression cap, content types) and `Session`
  (one fetch's client, settings and the caller's progress, cancel and today).
- the sources, each on a `Session`: `hf` (one featured day, every page), `arxiv` (the API: ids
  and categories), `announcements` (the daily feeds).
- `results`: `Fetched`, `DayFetch` and `FetchReport`; `fetcher`: `Fetcher`, a `Session` with
  the fetches reader runs (`days`, `latest`, `arxiv_ids`, `arxiv_category`, `arxiv_new`, `daily`).
"""

from __future__ import annotations

from reader.fetch.arxiv import check_categories, check_category
from reader.fetch.errors import FetchCancelled, FetchError
from reader.fetch.fetcher import Fetcher
from reader.fetch.results import DayFetch, Fetched, FetchReport
from reader.fetch.settings import Settings

__all__ = [
    "DayFetch",
    "FetchCancelled",
    "FetchError",
    "FetchReport",
    "Fetched",
    "Fetcher",
    "Settings",
    "check_categories",
    "check_category",
]
