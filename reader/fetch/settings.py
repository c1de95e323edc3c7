"""Where reader fetches from and how patiently: `Settings` (from the environment and the
command line's options) and the arXiv `RateLimiter`."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reader.fetch.errors import FetchError

DEFAULT_HF_URL = "https://huggingface.co"
DEFAULT_ARXIV_URL = "https://export.arxiv.org"
DEFAULT_ARXIV_RSS_URL = "https://rss.arxiv.org"
"""arXiv's daily announcement feeds: `/rss/cs.CL+cs.LG`."""
ARXIV_INTERVAL = 3.0
"""arXiv's terms of use: no more than one request every three seconds."""


def default_sleep(seconds: float) -> None:
    """How retries wait by default (tests replace `reader.fetch.settings.default_sleep`)."""
    time.sleep(seconds)


class RateLimiter:
    """At most one call every `interval` seconds, across threads.

    `wait()` blocks (through the injected `sleep`) until the next call may go out.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Wait until a call is allowed, mark it as made, and return how long it waited."""
        with self._lock:
            now = self.clock()
            waited = 0.0
            if self._last is not None:
                gap = self.interval - (now - self._last)
                if gap > 0:
                    (self.sleep or default_sleep)(gap)
                    waited = gap
                    now = max(self.clock(), self._last + self.interval)
            self._last = now
            return waited

    def reset(self) -> None:
        with self._lock:
            self._last = None


ARXIV_LIMITER = RateLimiter(ARXIV_INTERVAL)
"""Shared by every arXiv request in this process."""


@dataclass(slots=True)
class Settings:
    """Where to fetch from and how patiently."""

    hf_url: str = DEFAULT_HF_URL
    arxiv_url: str = DEFAULT_ARXIV_URL
    arxiv_rss_url: str = DEFAULT_ARXIV_RSS_URL
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 3
    """Extra attempts after a 429/5xx answer or a dropped connection."""
    backoff: float = 1.0
    """The first wait between attempts; it doubles each time."""
    max_retry_after: float = 30.0
    """A longer `Retry-After` than this is not waited for: the fetch fails with the advice."""
    max_total_wait: float = 60.0
    """The most time spent waiting between retries of one request."""
    max_bytes: int = 64 * 1024 * 1024
    """The most an answer may hold once decompressed (counted while it streams in)."""
    deadline: float = 60.0
    """The most time one request may take in all (retries included), however slowly the
    server trickles its answer (`READER_FETCH_DEADLINE`)."""
    sleep: Callable[[float], None] | None = None
    """How to wait between retries (default: `default_sleep`)."""
    arxiv_limiter: RateLimiter | None = None
    """The arXiv rate limiter (default: the process-wide `ARXIV_LIMITER`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `READER_HF_URL`, `READER_ARXIV_URL`, `READER_ARXIV_RSS_URL`,
        `READER_CONNECT_TIMEOUT`, `READER_READ_TIMEOUT`, `READER_FETCH_DEADLINE`, then `overrides`
        (a `None` override is ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if env.get("READER_HF_URL"):
            values["hf_url"] = env["READER_HF_URL"]
        if env.get("READER_ARXIV_URL"):
            values["arxiv_url"] = env["READER_ARXIV_URL"]
        if env.get("READER_ARXIV_RSS_URL"):
            values["arxiv_rss_url"] = env["READER_ARXIV_RSS_URL"]
        for name, key in (
            ("connect_timeout", "READER_CONNECT_TIMEOUT"),
            ("read_timeout", "READER_READ_TIMEOUT"),
            ("deadline", "READER_FETCH_DEADLINE"),
        ):
            if env.get(key):
                values[name] = _seconds(env[key], key)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.hf_url = check_base_url(settings.hf_url, "--hf-url")
        settings.arxiv_url = check_base_url(settings.arxiv_url, "--arxiv-url")
        settings.arxiv_rss_url = check_base_url(settings.arxiv_rss_url, "--arxiv-rss-url")
        return settings

    def pause(self, seconds: float) -> None:
        (self.sleep or default_sleep)(seconds)

    @property
    def limiter(self) -> RateLimiter:
        return self.arxiv_limiter or ARXIV_LIMITER


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise FetchError(f"{name}: {value!r} is not a number of seconds", "input")
    return seconds


def check_base_url(value: str, option: str) -> str:
    """A base URL as given by the user, checked: http(s) with a host; no trailing slash."""
    text = value.strip()
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(f"{option}: {value!r} is not a URL", "input") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError(f"{option}: {value!r} is not an http:// or https:// URL", "input")
    return text.rstrip("/")
