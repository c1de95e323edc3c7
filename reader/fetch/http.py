"""The HTTP policy of every fetch: one GET, read whole, with reader's manners and limits.

A User-Agent naming reader; connect/read timeouts; retries with backoff on 429 and 5xx and on
dropped connections (a short `Retry-After` is honoured, the total wait is capped: a loop of our
own, as httpx's retries cover only failed connections); a deadline for the whole request however
slowly the server trickles (a watchdog shuts the socket); redirects followed only within the
site asked (or to a documented host); answers decompressed here and capped while they stream in
(a gzip bomb stops at `Settings.max_bytes`); images, PDFs and archives refused. `Session` holds
one fetch's client, settings and the caller's options; the sources (`hf`, `arxiv`,
`announcements`) make their requests through it.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson

from reader import __version__
from reader.fetch.errors import FetchCancelled, FetchError, HttpStatusError
from reader.fetch.settings import RateLimiter, Settings
from reader.text import clean_line

USER_AGENT = f"reader/{__version__} (research paper triage from the terminal)"
"""Names reader and its version to server operators."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Progress = Callable[[str], None]


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


# -- one fetch's client and options --------------------------------------------------------------


class Session:
    """One fetch's HTTP side: the settings, the client, and the caller's options.

    `progress` hears a line before each request (called from the fetching thread), `cancel`
    ends a request at once when set, `today` is the day the papers are fetched on (for days
    and dates the answers leave out). A client given is used as it is; otherwise `open()`
    makes one, shared by every request made inside the outermost `open()`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        today: date | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.progress = progress
        self.cancel = cancel
        self.today = today or date.today()
        self._client = client

    @contextmanager
    def open(self) -> Iterator[httpx.Client]:
        """The client for the requests made inside: the one given or already open, else a new
        one, closed when this (outermost) `open` ends."""
        if self._client is not None:
            yield self._client
            return
        with make_client(self.settings) as client:
            self._client = client
            try:
                yield client
            finally:
                self._client = None

    def say(self, message: str) -> None:
        """Tell the caller what is being fetched now."""
        if self.progress is not None:
            self.progress(message)

    def get(
        self, url: str, params: Mapping[str, str | int], *, service: str, limiter: RateLimiter | None = None
    ) -> Answer:
        """`get` with this session's client, settings and cancel event."""
        with self.open() as client:
            return get(
                client, url, params, service=service, settings=self.settings, limiter=limiter, cancel=self.cancel
            )
