"""Fetching papers over HTTP: the Hugging Face daily papers API, the arXiv API and arXiv's
daily announcement feeds (rss.arxiv.org).

No Textual and no click here: the command line (`reader.cli_fetch`) and the app both call
these functions. Everything is fetched and parsed before the library is touched, so a failure
on page three of a day imports nothing. Every failure is a `FetchError` whose text is one line
worded for the user (`cannot reach huggingface.co: connection refused`).

Politeness: a User-Agent naming reader, connect/read timeouts, retries with backoff on 429 and
5xx (a short `Retry-After` is honoured, the total wait is capped), and at most one arXiv
request every 3 seconds (`RateLimiter`; tests inject a fake clock and sleep).

For the app: run `collect_daily(library.followed())` in a thread worker (network only, no
library access: Hugging Face's latest day and the followed arXiv categories, as plain `reader
fetch`), then `apply_fetched(library, fetched)` on the UI thread; or `fetch_latest(library)`
does both.
"""

from __future__ import annotations

import email.utils
import os
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import httpx
import orjson

from reader import __version__
from reader.importers import BadInput, ImportContext, NoAnnouncements, arxiv_atom, arxiv_feed, dedupe
from reader.importers.hf_api import parse_items
from reader.library import ImportResult, Library
from reader.models import Paper
from reader.text import clean_line
from reader.text import day_label as text_day_label

DEFAULT_HF_URL = "https://huggingface.co"
DEFAULT_ARXIV_URL = "https://export.arxiv.org"
DEFAULT_ARXIV_RSS_URL = "https://rss.arxiv.org"
"""arXiv's daily announcement feeds: `/rss/cs.CL+cs.LG`."""
USER_AGENT = f"reader/{__version__} (research paper triage from the terminal)"
"""Names reader and its version to server operators."""

HF_PAGE_SIZE = 50
HF_MAX_PAGES = 60
"""A safety stop: 3000 papers in one day is far beyond any real day."""
LATEST_LOOKBACK = 7
"""How many days `collect_latest` steps back looking for a day with papers."""
ARXIV_INTERVAL = 3.0
"""arXiv's terms of use: no more than one request every three seconds."""
ARXIV_PER_CALL = 2000
ARXIV_MAX_RESULTS = 30000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Progress = Callable[[str], None]
ErrorKind = Literal["network", "server", "input"]

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")


class FetchError(Exception):
    """A fetch that failed. `str()` is one line for the user; `kind` says whose fault it is.

    `network`: could not reach the server or it timed out; `server`: the server answered with
    an error or with data reader cannot use; `input`: the request itself was wrong (a bad
    setting, an unknown category, an arXiv id that does not exist).
    """

    def __init__(self, message: str, kind: ErrorKind = "server") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class HttpStatusError(FetchError):
    """The server answered with an HTTP error status (after any retries)."""

    def __init__(self, message: str, status: int, kind: ErrorKind = "server", body: bytes = b"") -> None:
        super().__init__(message, kind)
        self.status = status
        self.body = body
        """The start of the error answer (arXiv explains a bad query in an Atom feed)."""


class FetchCancelled(FetchError):
    """The caller set the cancel event; nothing was imported."""

    def __init__(self) -> None:
        super().__init__("fetch cancelled", "network")


# -- settings, rate limiting -----------------------------------------------------------------


def default_sleep(seconds: float) -> None:
    """How retries wait by default (tests replace `reader.fetch.default_sleep`)."""
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


def make_client(settings: Settings) -> httpx.Client:
    """An HTTP client with reader's User-Agent and timeouts.

    Redirects are followed by `_send` (checked against `redirect_allowed`), and compressed
    answers are decompressed there too, counting the bytes as they come (`_read_body`).
    """
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=False,
    )


@contextmanager
def _using(client: httpx.Client | None, settings: Settings) -> Iterator[httpx.Client]:
    if client is not None:
        yield client
        return
    with make_client(settings) as own:
        yield own


# -- one request, with retries -----------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    """A successful response, read completely."""

    body: bytes
    content_type: str
    url: str


def _where(url: httpx.URL) -> str:
    return url.host + (f":{url.port}" if url.port else "")


def _reason(status: int) -> str:
    phrase = httpx.codes.get_reason_phrase(status)
    return f"{status} {phrase}".strip()


def _server_says(body: bytes) -> str:
    """A short message from an error body (`{"error": "..."}` or short plain text), or ''."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:300].decode("utf-8", "replace")
        return clean_line(text)[:160] if text.strip() and "<" not in text[:50] else ""
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            if isinstance(data.get(key), str):
                return clean_line(data[key])[:160]
    return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _transport_error(exc: httpx.TransportError, url: httpx.URL, service: str, settings: Settings) -> FetchError:
    where = _where(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchError(f"cannot reach {where}: no answer within {settings.connect_timeout:g} s", "network")
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(
            f"{service} ({where}) did not answer within {settings.read_timeout:g} s; try again later", "network"
        )
    if isinstance(exc, httpx.ConnectError):
        cause = _root_cause(exc)
        if isinstance(cause, socket.gaierror) or ("name" in str(exc).lower() and "resol" in str(exc).lower()):
            return FetchError(
                f"cannot reach {url.host}: the name does not resolve (no internet connection, or a DNS problem)",
                "network",
            )
        if isinstance(cause, ConnectionRefusedError):
            return FetchError(f"cannot reach {where}: connection refused", "network")
        if isinstance(cause, ssl.SSLError):
            return FetchError(f"cannot reach {where}: the secure connection failed ({cause.reason})", "network")
        detail = clean_line(str(cause or exc)) or type(exc).__name__
        return FetchError(f"cannot reach {where}: {detail}", "network")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(f"cannot fetch {url}: only http:// and https:// URLs work", "input")
    detail = clean_line(str(exc)) or type(exc).__name__
    return FetchError(f"{service} ({where}) dropped the connection: {detail}", "network")


def _root_cause(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    last: BaseException | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        last = current
        current = current.__cause__ or current.__context__
    return last if last is not exc else None


def get(
    client: httpx.Client,
    url: str,
    params: Mapping[str, str | int],
    *,
    service: str,
    settings: Settings,
    limiter: RateLimiter | None = None,
    cancel: threading.Event | None = None,
) -> Answer:
    """GET a URL and read the body, retrying 429/5xx and dropped connections with backoff.

    The whole of it, retries included, ends by `settings.deadline` (or when `cancel` is set).
    """
    attempts = settings.retries + 1
    waited = 0.0
    deadline = time.monotonic() + settings.deadline
    for attempt in range(attempts):
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        if limiter is not None:
            limiter.wait()
        request = client.build_request("GET", url, params=params)
        if time.monotonic() >= deadline:
            raise _too_slow(request.url, service, settings)
        last_try = attempt + 1 >= attempts
        try:
            status, headers, body = _send(client, request, service, settings, deadline=deadline, cancel=cancel)
        except httpx.TooManyRedirects:
            raise FetchError(f"{service} ({_where(request.url)}) redirected too many times", "server") from None
        except httpx.DecodingError:
            raise FetchError(f"{service} ({_where(request.url)}) sent a corrupt compressed answer", "server") from None
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError) as exc:
            delay = settings.backoff * 2**attempt
            if last_try or waited + delay > settings.max_total_wait:
                raise _transport_error(exc, request.url, service, settings) from None
            settings.pause(delay)
            waited += delay
            continue
        except httpx.TransportError as exc:
            raise _transport_error(exc, request.url, service, settings) from None
        if 200 <= status < 300:
            return Answer(body, headers.get("content-type", ""), str(request.url))
        reason = _reason(status)
        says = _server_says(body)
        detail = f" ({says})" if says else ""
        if status in RETRY_STATUSES or status >= 500:
            asked = _retry_after(headers.get("retry-after"))
            if asked is not None and asked > settings.max_retry_after:
                raise HttpStatusError(
                    f"{service} is busy (HTTP {reason}) and asks to wait {asked:.0f} s; try again later", status
                )
            delay = asked if asked is not None else settings.backoff * 2**attempt
            if not last_try and waited + delay <= settings.max_total_wait:
                settings.pause(delay)
                waited += delay
                continue
            tries = f" after {attempt + 1} tries" if attempt else ""
            raise HttpStatusError(f"{service} answered HTTP {reason}{tries}{detail}; try again later", status)
        path = request.url.raw_path.decode("ascii", "replace")
        raise HttpStatusError(f"{service} answered HTTP {reason} for {path}{detail}", status, body=body)
    raise AssertionError("unreachable")  # pragma: no cover


ACCEPT_ENCODING = "gzip, deflate"
"""What `_read_body` can decompress itself (and so cap while decompressing)."""
MAX_REDIRECTS = 5
DOCUMENTED_HOSTS = ("huggingface.co", "arxiv.org")
"""Sites a redirect may lead to besides the requested one (and their subdomains)."""
_UNUSABLE_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
)
_WATCH_INTERVAL = 0.05


def _site(host: str) -> str:
    """The site a host belongs to: an IP address or `localhost` as it is, else its last two labels."""
    host = host.lower().rstrip(".")
    if host.replace(".", "").isdigit() or ":" in host or "." not in host:
        return host
    return ".".join(host.split(".")[-2:])


def redirect_allowed(source: httpx.URL, target: httpx.URL) -> bool:
    """A redirect is followed only to http(s) within the site asked, or to a documented host."""
    if target.scheme not in ("http", "https") or not target.host:
        return False
    if _site(target.host) == _site(source.host):
        return True
    host = target.host.lower().rstrip(".")
    return any(host == known or host.endswith("." + known) for known in DOCUMENTED_HOSTS)


def _too_slow(url: httpx.URL, service: str, settings: Settings) -> FetchError:
    return FetchError(
        f"{service} ({_where(url)}) did not finish answering within {settings.deadline:g} s "
        "(READER_FETCH_DEADLINE); try again later",
        "network",
    )


class _Watchdog:
    """Ends a request that runs past its deadline or is cancelled: it shuts its socket down,
    which wakes a read blocked on a server that trickles bytes (a read timeout never fires)."""

    def __init__(self, deadline: float, cancel: threading.Event | None) -> None:
        self.deadline = deadline
        self.cancel = cancel
        self.fired: str | None = None
        """`deadline` or `cancel` once it ended the request."""
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="reader-fetch-watchdog", daemon=True)
        self._thread.start()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: learn the socket of each new connection."""
        if event == "connection.connect_tcp.complete":
            self.watch(info.get("return_value"))

    def watch(self, stream: Any) -> None:
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def check(self) -> None:
        """Raise if the request is over its deadline or cancelled."""
        if self.fired is None:
            if self.cancel is not None and self.cancel.is_set():
                self.fired = "cancel"
            elif time.monotonic() >= self.deadline:
                self.fired = "deadline"
        if self.fired == "cancel":
            raise FetchCancelled()
        if self.fired == "deadline":
            raise _DeadlinePassed()

    def _watch(self) -> None:
        while not self._done.wait(_WATCH_INTERVAL):
            try:
                self.check()
            except (FetchCancelled, _DeadlinePassed):
                with self._lock:
                    for sock in self._sockets:
                        _shut(sock)
                return

    def stop(self) -> None:
        self._done.set()


class _DeadlinePassed(Exception):
    pass


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _send(
    client: httpx.Client,
    request: httpx.Request,
    service: str,
    settings: Settings,
    *,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> tuple[int, httpx.Headers, bytes]:
    """Send a request (following allowed redirects) and read at most `settings.max_bytes` of
    decompressed body, all by `deadline`."""
    watchdog = _Watchdog(time.monotonic() + settings.deadline if deadline is None else deadline, cancel)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            request.headers["Accept-Encoding"] = ACCEPT_ENCODING
            request.extensions["trace"] = watchdog.trace
            response = client.send(request, stream=True, follow_redirects=False)
            try:
                watchdog.watch(response.extensions.get("network_stream"))
                watchdog.check()
                if response.is_redirect and "location" in response.headers:
                    target = request.url.join(response.headers["location"])
                    if not redirect_allowed(request.url, target):
                        raise FetchError(
                            f"{service} ({_where(request.url)}) redirected to {clean_line(str(target))[:120]}, "
                            "outside the site asked; refusing it",
                            "server",
                        )
                    request = client.build_request("GET", target)
                    continue
                content_type = response.headers.get("content-type", "").lower()
                if response.is_success and content_type.startswith(_UNUSABLE_TYPES):
                    raise FetchError(
                        f"{service} ({_where(request.url)}) sent {clean_line(content_type)[:60]} instead of data; "
                        "refusing it",
                        "server",
                    )
                limit = settings.max_bytes if response.is_success else 64 * 1024
                body = _read_body(response, limit, service, settings, watchdog)
                return response.status_code, response.headers, body
            finally:
                response.close()
        raise httpx.TooManyRedirects("too many redirects", request=request)
    except _DeadlinePassed:
        raise _too_slow(request.url, service, settings) from None
    except (httpx.TransportError, httpx.DecodingError):
        if watchdog.fired == "cancel":
            raise FetchCancelled() from None
        if watchdog.fired == "deadline":
            raise _too_slow(request.url, service, settings) from None
        raise
    finally:
        watchdog.stop()


def _read_body(response: httpx.Response, limit: int, service: str, settings: Settings, watchdog: _Watchdog) -> bytes:
    """The body, decompressed here piece by piece so a small compressed answer that inflates
    to gigabytes (a gzip bomb) is stopped at `limit` bytes, never held whole in memory."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder: Any = None
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj(zlib.MAX_WBITS)
    elif encoding not in ("identity", ""):
        raise FetchError(f"{service} ({_where(response.url)}) sent an answer compressed as {encoding!r}", "server")
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw(64 * 1024):
        watchdog.check()
        data = raw
        while data:
            if decoder is None:
                piece, data = data, b""
            else:
                try:
                    piece = decoder.decompress(data, 256 * 1024)
                except zlib.error:
                    raise FetchError(
                        f"{service} ({_where(response.url)}) sent a corrupt compressed answer", "server"
                    ) from None
                data = decoder.unconsumed_tail
                if decoder.eof and decoder.unused_data:  # another gzip member follows
                    data = decoder.unused_data + data
                    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            size += len(piece)
            if size > limit:
                if not response.is_success:
                    return b"".join(chunks)  # an error page: its start is enough
                raise FetchError(
                    f"{service} sent more than {settings.max_bytes // (1024 * 1024)} MB; refusing it", "server"
                )
            chunks.append(piece)
    return b"".join(chunks)


# -- Hugging Face daily papers -------------------------------------------------------------------


HF = "Hugging Face"


class DayNotPublished(HttpStatusError):
    """Hugging Face answered 400 for a day: for it, the day is in the future."""


def hf_api_url(settings: Settings) -> str:
    return f"{settings.hf_url.rstrip('/')}/api/daily_papers"


def fetch_hf_day(
    client: httpx.Client,
    day: date,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> list[Paper]:
    """Every paper featured on `day` (all pages); `[]` for a day without papers.

    Raises `DayNotPublished` when the server refuses the date (HTTP 400: in its future),
    `FetchError` for anything else. Each paper's featured day is the day asked for.
    """
    settings = settings or Settings.from_env()
    today = today or date.today()
    url = hf_api_url(settings)
    papers: list[Paper] = []
    seen: set[str] = set()
    for page in range(HF_MAX_PAGES):
        if progress is not None:
            progress(f"{HF}: {day.isoformat()}" + (f", page {page + 1}" if page else ""))
        params: dict[str, str | int] = {"date": day.isoformat(), "limit": HF_PAGE_SIZE, "p": page}
        try:
            answer = get(client, url, params, service=HF, settings=settings, cancel=cancel)
        except HttpStatusError as exc:
            if exc.status == 400 and page == 0:
                raise DayNotPublished(
                    f"{HF} has no list for {day.isoformat()} yet (HTTP 400: the date is in its future)", 400, "input"
                ) from None
            raise
        name = f"{HF} {day.isoformat()}" + (f" page {page + 1}" if page else "")
        batch = _hf_page(answer, name, day, today)
        fresh = [p for p in batch if p.id not in seen]
        seen.update(p.id for p in fresh)
        papers.extend(fresh)
        if len(batch) < HF_PAGE_SIZE or not fresh:
            break
    for paper in papers:
        paper.days = [day.isoformat()]
    return dedupe(papers)


def _hf_page(answer: Answer, name: str, day: date, today: date) -> list[Paper]:
    if not answer.body.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of JSON", "server")
    try:
        data = orjson.loads(answer.body)
    except orjson.JSONDecodeError as exc:
        if "html" in answer.content_type.lower():
            raise FetchError(
                f"{name}: the server sent a web page instead of JSON (is --hf-url right?)", "server"
            ) from None
        raise FetchError(f"{name}: the server sent invalid JSON ({exc})", "server") from None
    try:
        return parse_items(data, ImportContext(name=name, day=day, today=today))
    except BadInput as exc:
        raise FetchError(f"{exc} (unexpected answer from the server)", "server") from None


# -- arXiv -------------------------------------------------------------------------------------


ARXIV = "arXiv"


def arxiv_api_url(settings: Settings) -> str:
    return f"{settings.arxiv_url.rstrip('/')}/api/query"


def check_category(category: str) -> str:
    """An arXiv category as typed (`cs.CL`, `hep-th`, `astro-ph.CO`), checked."""
    value = category.strip()
    if not _CATEGORY.match(value):
        raise FetchError(f"{category!r} is not an arXiv category (e.g. cs.CL, math.PR, hep-th)", "input")
    return value


ARXIV_EMPTY_TRIES = 3
"""How many times an empty page is asked for when `opensearch:totalResults` says there is more."""


def _arxiv_query(
    client: httpx.Client,
    params: Mapping[str, str | int],
    name: str,
    *,
    settings: Settings,
    today: date,
    cancel: threading.Event | None,
) -> tuple[list[Paper], int | None]:
    """One answer of the arXiv API: its papers and `opensearch:totalResults`.

    arXiv's error feed (HTTP 200 from the old backend, HTTP 400 from the current one) is a
    `FetchError` of kind `input` carrying arXiv's own message.
    """
    try:
        answer = get(
            client,
            arxiv_api_url(settings),
            params,
            service=ARXIV,
            settings=settings,
            limiter=settings.limiter,
            cancel=cancel,
        )
    except HttpStatusError as exc:
        message = arxiv_atom.error_message(exc.body) if exc.status == 400 else None
        if message is not None:
            raise FetchError(f"arXiv refused the query: {message}", "input") from None
        raise
    try:
        text = answer.body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"{name}: the server's answer is not UTF-8 text", "server") from None
    if not text.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of a feed", "server")
    ctx = ImportContext(name=name, day=None, today=today)
    try:
        return arxiv_atom.parse_page(text.removeprefix("\ufeff"), ctx)
    except arxiv_atom.ArxivQueryError as exc:
        raise FetchError(f"arXiv refused the query: {exc.arxiv_message}", "input") from None
    except BadInput as exc:
        raise FetchError(f"{exc} (unexpected answer from the server)", "server") from None


def _arxiv_page(
    client: httpx.Client,
    params: Mapping[str, str | int],
    name: str,
    *,
    settings: Settings,
    today: date,
    cancel: threading.Event | None,
    start: int = 0,
) -> tuple[list[Paper], int | None]:
    """`_arxiv_query`, asking again (after the rate-limit wait) when arXiv answers an empty
    page although its `opensearch:totalResults` says more papers exist from `start` on."""
    papers: list[Paper] = []
    total: int | None = None
    for _ in range(ARXIV_EMPTY_TRIES):
        papers, total = _arxiv_query(client, params, name, settings=settings, today=today, cancel=cancel)
        if papers or total is None or total <= start:
            return papers, total
    raise FetchError(
        f"{name}: arXiv answered {ARXIV_EMPTY_TRIES} empty pages from paper {start + 1} on although it "
        f"reports {total:,} papers; nothing imported, try again later",
        "server",
    )


def fetch_arxiv_ids(
    client: httpx.Client,
    ids: Sequence[str],
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> list[Paper]:
    """The papers with these arXiv ids (no versions), in one request per 2000 ids.

    An id arXiv does not know is a `FetchError` (kind `input`): nothing is returned.
    """
    settings = settings or Settings.from_env()
    today = today or date.today()
    wanted = list(dict.fromkeys(ids))
    papers: list[Paper] = []
    for start in range(0, len(wanted), ARXIV_PER_CALL):
        chunk = wanted[start : start + ARXIV_PER_CALL]
        if progress is not None:
            progress(f"{ARXIV}: {len(chunk)} paper{'s' if len(chunk) != 1 else ''}")
        params: dict[str, str | int] = {"id_list": ",".join(chunk), "max_results": len(chunk)}
        batch, _ = _arxiv_page(client, params, "arXiv", settings=settings, today=today, cancel=cancel)
        papers.extend(batch)
    found = {p.arxiv_id for p in papers}
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise FetchError(f"arXiv has no paper {missing[0]}{more}; nothing imported", "input")
    return dedupe(papers)


def fetch_arxiv_category(
    client: httpx.Client,
    category: str,
    max_results: int = 100,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> list[Paper]:
    """The newest `max_results` papers of an arXiv category, newest first (paged by 2000).

    Paging goes on until `max_results` papers, or all that `opensearch:totalResults` reports;
    an empty page before that is asked for again (`_arxiv_page`), never taken for the end. A
    feed without a total ends on its first short page.
    """
    settings = settings or Settings.from_env()
    today = today or date.today()
    category = check_category(category)
    max_results = max(1, min(max_results, ARXIV_MAX_RESULTS))
    papers: list[Paper] = []
    start = 0
    while start < max_results:
        size = min(ARXIV_PER_CALL, max_results - start)
        if progress is not None:
            progress(f"{ARXIV}: {category}, papers {start + 1}-{start + size}")
        params: dict[str, str | int] = {
            "search_query": f"cat:{category}",
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": start,
            "max_results": size,
        }
        batch, total = _arxiv_page(
            client, params, f"arXiv {category}", settings=settings, today=today, cancel=cancel, start=start
        )
        papers.extend(batch)
        if not batch:
            break
        if total is None:
            if len(batch) < size:
                break
            start += size
        else:
            start += len(batch)
            if start >= total:
                break
    if not papers:
        raise FetchError(f"arXiv has no papers in the category {category!r} (check the name, e.g. cs.CL)", "input")
    return dedupe(papers)


# -- arXiv's daily announcements (RSS) ---------------------------------------------------------


def check_categories(text: str | Sequence[str]) -> list[str]:
    """Categories as typed (`cs.CL,cs.LG`, or several arguments), each checked, duplicates dropped."""
    parts = [text] if isinstance(text, str) else list(text)
    found = [c.strip() for part in parts for c in part.replace("+", ",").split(",") if c.strip()]
    if not found:
        raise FetchError("give at least one arXiv category (e.g. cs.CL)", "input")
    return list(dict.fromkeys(check_category(c) for c in found))


def arxiv_feed_url(settings: Settings, categories: Sequence[str]) -> str:
    return f"{settings.arxiv_rss_url.rstrip('/')}/rss/{'+'.join(categories)}"


def fetch_arxiv_announcements(
    client: httpx.Client,
    categories: Sequence[str],
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> tuple[list[Paper], str]:
    """The day's announcements of these categories (one request for all of them), and a note
    when there are none (weekends, holidays: not an error). Rate limited like every arXiv call."""
    settings = settings or Settings.from_env()
    today = today or date.today()
    cats = check_categories(categories)
    name = f"{ARXIV} {'+'.join(cats)}"
    if progress is not None:
        progress(f"{name}: today's announcements")
    try:
        answer = get(
            client,
            arxiv_feed_url(settings, cats),
            {},
            service=ARXIV,
            settings=settings,
            limiter=settings.limiter,
            cancel=cancel,
        )
    except HttpStatusError as exc:
        if exc.status in (400, 404):
            raise FetchError(
                f"arXiv has no announcement feed for {'+'.join(cats)} (check the names)", "input"
            ) from None
        raise
    try:
        text = answer.body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise FetchError(f"{name}: the server's answer is not UTF-8 text", "server") from None
    if not text.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of a feed", "server")
    try:
        papers = arxiv_feed.parse(text, ImportContext(name=name, day=None, today=today))
    except NoAnnouncements:
        return [], "no announcements today (arXiv announces nothing on weekends and holidays)"
    except BadInput as exc:
        hint = " (is --arxiv-rss-url right?)" if "html" in answer.content_type.lower() else ""
        raise FetchError(f"{exc} (unexpected answer from the server){hint}", "server") from None
    for paper in papers:  # the categories asked for, whatever the feed says it is for
        paper.sources = arxiv_feed.source_for(paper.primary_category, cats)
    return dedupe(papers), ""


# -- what was fetched, and merging it into the library ---------------------------------------------


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

    def failure_lines(self) -> list[str]:
        return [f"{source} failed: {error}" for source, error in self.failures]


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
    """What a fetch did to the library: one line per day, and the import result."""

    parts: list[PartCount] = field(default_factory=list)
    result: ImportResult | None = None
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


def apply_fetched(library: Library, fetched: Fetched) -> FetchReport:
    """Merge what was fetched into the library in one write (all or nothing); count per day."""
    report = FetchReport(note=fetched.note, failures=fetched.failure_lines())
    papers = fetched.papers
    counts = _simulate(library, fetched.parts)
    if papers:
        report.result = library.import_papers(papers)
        if len(fetched.parts) == 1:
            result = report.result
            only = counts[0]
            only.new, only.updated, only.unchanged = result.new, result.updated, result.unchanged
    report.parts = counts
    return report


def _simulate(library: Library, parts: Sequence[DayFetch]) -> list[PartCount]:
    """Per-day new/updated/unchanged counts, computed before the one import that does it all."""
    merged: dict[str, Paper] = {}
    counts = []
    for part in parts:
        count = PartCount(part.label, len(part.papers), note=part.note)
        for paper in part.papers:
            pid = library.find(paper)
            key = pid if pid is not None else "new:" + paper.id
            base = merged.get(key)
            if base is None and pid is not None:
                base = Paper.from_dict(library.paper(pid).to_dict())
            if base is None:
                count.new += 1
                merged[key] = Paper.from_dict(paper.to_dict())
            elif base.merge(paper):
                count.updated += 1
                merged[key] = base
            else:
                count.unchanged += 1
        counts.append(count)
    return counts


# -- the fetches the command line and the app run ------------------------------------------------------


def collect_days(
    days: Sequence[date],
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
    strict: bool = True,
) -> Fetched:
    """Fetch these featured days from Hugging Face (all pages of each) before importing any.

    With `strict`, a day the server refuses (HTTP 400, in its future) is an error; otherwise
    it counts as `not published yet`.
    """
    settings = settings or Settings.from_env()
    today = today or date.today()
    fetched = Fetched()
    with _using(client, settings) as http:
        for day in days:
            label = day_label(day, today)
            try:
                papers = fetch_hf_day(http, day, settings=settings, progress=progress, cancel=cancel, today=today)
            except DayNotPublished:
                if strict:
                    raise
                fetched.parts.append(DayFetch(label, [], day, "not published yet"))
                continue
            fetched.parts.append(DayFetch(label, papers, day, "" if papers else "no papers on that day"))
    return fetched


def collect_latest(
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
    lookback: int = LATEST_LOOKBACK,
) -> Fetched:
    """The latest day with papers: today, else yesterday, ... up to `lookback` days back."""
    settings = settings or Settings.from_env()
    today = today or date.today()
    with _using(client, settings) as http:
        for offset in range(lookback):
            day = today - timedelta(days=offset)
            try:
                papers = fetch_hf_day(http, day, settings=settings, progress=progress, cancel=cancel, today=today)
            except DayNotPublished:
                continue
            if papers:
                return Fetched([DayFetch(day_label(day, today), papers, day)])
    since = day_label(today - timedelta(days=lookback - 1), today)
    return Fetched(note=f"no papers in the last {lookback} days (since {since})")


def collect_arxiv_ids(
    ids: Sequence[str],
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> Fetched:
    settings = settings or Settings.from_env()
    with _using(client, settings) as http:
        papers = fetch_arxiv_ids(http, ids, settings=settings, progress=progress, cancel=cancel, today=today)
    return Fetched([DayFetch(ARXIV, papers)])


def collect_arxiv_category(
    category: str,
    max_results: int = 100,
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> Fetched:
    settings = settings or Settings.from_env()
    with _using(client, settings) as http:
        papers = fetch_arxiv_category(
            http, category, max_results, settings=settings, progress=progress, cancel=cancel, today=today
        )
    return Fetched([DayFetch(f"{ARXIV} {check_category(category)}", papers)])


def collect_arxiv_new(
    categories: Sequence[str],
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> Fetched:
    """The day's announcements of these arXiv categories (`reader fetch --arxiv-new`)."""
    settings = settings or Settings.from_env()
    cats = check_categories(categories)
    with _using(client, settings) as http:
        papers, note = fetch_arxiv_announcements(
            http, cats, settings=settings, progress=progress, cancel=cancel, today=today
        )
    day = date.fromisoformat(papers[0].days[0]) if papers and papers[0].days else None
    return Fetched([DayFetch(f"{ARXIV} {'+'.join(cats)}", papers, day, note)])


def collect_daily(
    categories: Sequence[str] = (),
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> Fetched:
    """The morning fetch: Hugging Face's latest day, and today's announcements of the arXiv
    categories followed (`reader fetch` without options, and `F` in the app).

    Each source is fetched on its own: when one fails and another succeeds, the result holds
    what succeeded and names the failure in `failures`; when every source fails, the first
    error is raised (the others are added to its message).
    """
    settings = settings or Settings.from_env()
    today = today or date.today()
    fetched = Fetched()
    errors: list[tuple[str, FetchError]] = []
    with _using(client, settings) as http:
        try:
            hf = collect_latest(settings=settings, client=http, progress=progress, cancel=cancel, today=today)
            fetched.parts += hf.parts
            fetched.note = hf.note
        except FetchCancelled:
            raise
        except FetchError as exc:
            errors.append((HF, exc))
        if categories:
            try:
                arxiv = collect_arxiv_new(
                    categories, settings=settings, client=http, progress=progress, cancel=cancel, today=today
                )
                fetched.parts += arxiv.parts
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


def fetch_latest(
    library: Library,
    *,
    progress: Progress | None = None,
    settings: Settings | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> FetchReport:
    """Fetch the latest day with papers from Hugging Face and today's announcements of the
    arXiv categories the library follows (`collect_daily`), and merge them into `library`.

    Safe to run in a worker thread as long as nothing else writes to the library meanwhile;
    `progress` is called from that thread. Raises `FetchError` (one-line message) when every
    source failed; then the library is unchanged. When one source failed, what the others
    brought is merged and the report's `failures` name the one that failed.
    """
    fetched = collect_daily(library.followed(), settings=settings, progress=progress, cancel=cancel, today=today)
    if cancel is not None and cancel.is_set():
        raise FetchCancelled()
    return apply_fetched(library, fetched)
