"""`reader fetch` against a real HTTP server on 127.0.0.1 serving the Hugging Face API shapes.

The server runs in a thread on port 0 and answers from a routing function per test; retries and
the arXiv rate limiter sleep through a recorder, never for real.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import orjson
import pytest

import reader
import reader.fetch.settings as fetch_settings
from reader.fetch import FetchCancelled, Fetcher, FetchError, FetchReport, Settings
from reader.fetch.hf import fetch_hf_day
from reader.fetch.http import Session, _transport_error
from reader.fetch.results import day_label
from reader.fetch.settings import RateLimiter
from reader.library import Library
from reader.models import Status
from tests.conftest import Cli, snapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fetch"

# -- the test server -------------------------------------------------------------------------------


@dataclass
class Reply:
    """One answer of the test server."""

    status: int = 200
    body: Any = b""
    """bytes, str, or anything else (sent as JSON)."""
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    block: bool = False
    """Hang until the test ends (for timeouts)."""

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return orjson.dumps(self.body)


@dataclass
class Seen:
    """A request the server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


Route = Callable[[Seen], Reply]


class Server:
    """A real HTTP server on 127.0.0.1, answering through per-path routing functions."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen(parts.path, dict(parse_qsl(parts.query)), {k.lower(): v for k, v in self.headers.items()})
                server.seen.append(seen)
                route = server.routes.get(parts.path)
                reply = route(seen) if route else Reply(404, {"error": "Not Found"})
                if reply.block:
                    server.release.wait(10)
                    return
                payload = reply.payload()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                if reply.gzip:
                    payload = gzip.compress(payload)
                    headers["Content-Encoding"] = "gzip"
                headers.setdefault("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def sequence(self, path: str, *replies: Reply) -> None:
        """Answer with these replies in turn; the last one repeats."""
        queue = list(replies)

        def next_reply(seen: Seen) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.routes[path] = next_reply

    def queries(self, path: str) -> list[dict[str, str]]:
        return [s.query for s in self.seen if s.path == path]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class Clock:
    """A fake clock whose sleep only advances time and records the wait."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Retries and the arXiv limiter wait on a fake clock; no proxy or URL from the environment."""
    clock = Clock()
    monkeypatch.setattr(fetch_settings, "default_sleep", clock.sleep)
    monkeypatch.setattr(fetch_settings, "ARXIV_LIMITER", RateLimiter(3.0, clock=clock, sleep=clock.sleep))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("READER_HF_URL", "READER_ARXIV_URL", "READER_CONNECT_TIMEOUT", "READER_READ_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return clock


# -- the Hugging Face API shapes ----------------------------------------------------------------


def hf_item(n: int, day: str, *, upvotes: int = 5) -> dict[str, Any]:
    """One item as the daily papers API sends it (formats.md, section 2)."""
    pid = f"2507.{10000 + n}"
    return {
        "paper": {
            "id": pid,
            "authors": [{"_id": f"a{n}", "name": f"Author {n}", "hidden": False}],
            "publishedAt": "2025-07-30T17:08:18.000Z",
            "submittedOnDailyAt": f"{day}T03:55:12.777Z",
            "title": f"Paper number {n}:\nA Study",
            "summary": f"Abstract of paper {n}.",
            "upvotes": upvotes,
            "discussionId": f"d{n}",
            "githubRepo": f"https://github.com/example/p{n}",
            "ai_summary": f"Summary {n}.",
            "ai_keywords": ["testing", "paging"],
        },
        "publishedAt": "2025-07-30T12:08:18.000Z",
        "title": f"Paper number {n}: A Study",
        "summary": f"Abstract of paper {n}.",
        "thumbnail": f"https://example.org/{pid}.png",
        "numComments": 1,
        "submittedBy": {"name": "ak", "fullname": "AK"},
        "isAuthorParticipating": False,
    }


def hf_day(items_by_day: dict[str, list[dict[str, Any]]]) -> Route:
    """Serve days of items with real paging: `limit` and `p`, a short (or empty) last page."""

    def route(seen: Seen) -> Reply:
        items = items_by_day.get(seen.query.get("date", ""), [])
        limit = int(seen.query.get("limit", "50"))
        page = int(seen.query.get("p", "0"))
        return Reply(body=items[page * limit : (page + 1) * limit])

    return route


DAY = "2025-07-31"
JUL31 = day_label(date.fromisoformat(DAY))
"""`Jul 31, 2025` (or `Jul 31` in 2025)."""
API = "/api/daily_papers"


def day_items(count: int, day: str = DAY, start: int = 0) -> list[dict[str, Any]]:
    return [hf_item(n, day) for n in range(start, start + count)]


def fetch(cli: Cli, server: Server, *args: str) -> Any:
    return cli("fetch", "--hf-url", server.url, *args)


def lib_ids(path: Path) -> list[str]:
    with Library.open(path, readonly=True) as library:
        return sorted(library.papers)


# -- paging, merging, the default day -------------------------------------------------------------


def test_fetch_a_day_reads_every_page_and_imports_all(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, hf_day({DAY: day_items(120)}))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{JUL31}: 120 papers, 120 new, 0 updated"
    assert [(q["date"], q["limit"], q["p"]) for q in server.queries(API)] == [
        (DAY, "50", "0"),
        (DAY, "50", "1"),
        (DAY, "50", "2"),
    ]
    with Library.open(lib_path, readonly=True) as library:
        assert len(library) == 120
        paper = library.paper("2507.10007")
        assert paper.title == "Paper number 7: A Study"
        assert paper.days == [DAY]
        assert paper.authors == ["Author 7"]
        assert paper.upvotes == 5


def test_fetch_sends_user_agent_and_accepts_gzip(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, lambda seen: Reply(body=day_items(3), gzip=True))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    headers = server.seen[0].headers
    assert headers["user-agent"].startswith(f"reader/{reader.__version__} (")
    assert "gzip" in headers["accept-encoding"]
    assert len(lib_ids(lib_path)) == 3


def test_a_day_of_exactly_one_full_page_ends_on_the_empty_next_page(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, hf_day({DAY: day_items(50)}))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert [q["p"] for q in server.queries(API)] == ["0", "1"]
    assert len(lib_ids(lib_path)) == 50


def test_refetching_a_day_updates_metadata_and_keeps_user_state(cli: Cli, server: Server, lib_path: Path) -> None:
    items = day_items(10)
    server.route(API, hf_day({DAY: items}))
    assert fetch(cli, server, "--date", DAY).exit_code == 0
    assert cli("mark", "2507.10001", "done").exit_code == 0
    assert cli("note", "2507.10001", "keep me").exit_code == 0
    for item in items[:3]:
        item["paper"]["upvotes"] = 99
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{JUL31}: 10 papers, 0 new, 3 updated, 7 unchanged"
    with Library.open(lib_path, readonly=True) as library:
        assert library.paper("2507.10001").upvotes == 99
        assert library.state("2507.10001").status is Status.DONE
        assert library.state("2507.10001").notes == "keep me"


def test_an_empty_day_is_not_an_error_and_writes_nothing(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, lambda seen: Reply(body=[]))
    result = fetch(cli, server, "--date", "2025-08-02")
    assert result.exit_code == 0, result.output
    assert "no papers on that day" in result.stdout
    assert snapshot(lib_path) == {}


def test_default_fetches_the_latest_day_that_has_papers(cli: Cli, server: Server, lib_path: Path) -> None:
    """Today is refused (in the server's future), yesterday is empty, the day before has papers."""
    answers = [Reply(400, {"error": "Date is in the future"}), Reply(body=[]), Reply(body=day_items(4))]

    def route(seen: Seen) -> Reply:
        return answers[min(len({s.query["date"] for s in server.seen}), 3) - 1]

    server.route(API, route)
    result = fetch(cli, server)
    assert result.exit_code == 0, result.output
    asked = [date.fromisoformat(q["date"]) for q in server.queries(API)]
    assert len(asked) == 3 and asked[0] - asked[2] == timedelta(days=2)
    label = f"{asked[2]:%b} {asked[2].day}"
    assert result.stdout.strip().startswith(f"{label}: 4 papers, 4 new, 0 updated")
    with Library.open(lib_path, readonly=True) as library:
        assert {d for p in library for d in p.days} == {asked[2].isoformat()}


def test_default_gives_up_after_a_week_without_papers(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, lambda seen: Reply(body=[]))
    result = fetch(cli, server)
    assert result.exit_code == 0, result.output
    assert "no papers in the last 7 days" in result.stdout
    assert len(server.queries(API)) == 7
    assert snapshot(lib_path) == {}


def test_fetch_days_merges_several_days_in_one_import(cli: Cli, server: Server, lib_path: Path) -> None:
    today = date.today()
    d0, d1, d2 = (today - timedelta(days=n) for n in (2, 1, 0))
    items = {
        d0.isoformat(): day_items(3, d0.isoformat()),
        d1.isoformat(): [],
        d2.isoformat(): day_items(2, d2.isoformat(), start=2),  # paper 2 again, plus a new one
    }
    server.route(API, hf_day(items))
    result = fetch(cli, server, "--days", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"{d0:%b} {d0.day}: 3 papers, 3 new, 0 updated"
    assert lines[1] == f"{d1:%b} {d1.day}: no papers on that day"
    assert lines[2] == f"{d2:%b} {d2.day}: 2 papers, 1 new, 1 updated"
    assert lines[3].startswith("in all: ")
    with Library.open(lib_path, readonly=True) as library:
        assert len(library) == 4
        assert library.paper("2507.10002").days == [d0.isoformat(), d2.isoformat()]


def test_hf_url_comes_from_the_environment(
    cli: Cli, server: Server, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route(API, hf_day({DAY: day_items(2)}))
    monkeypatch.setenv("READER_HF_URL", server.url + "/")
    result = cli("fetch", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert len(lib_ids(lib_path)) == 2


# -- failures: one line, the right exit code, the library untouched --------------------------------------


@pytest.fixture
def seeded(cli: Cli, server: Server, lib_path: Path) -> dict[str, bytes]:
    """A library that already holds a day; returns its files' bytes."""
    server.route(API, hf_day({"2025-07-30": day_items(3, "2025-07-30", start=500)}))
    assert fetch(cli, server, "--date", "2025-07-30").exit_code == 0
    server.seen.clear()
    return snapshot(lib_path)


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reader: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_http_404_is_one_line(cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes]) -> None:
    server.route(API, lambda seen: Reply(404, {"error": "Not Found"}))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "Hugging Face answered HTTP 404 Not Found for /api/daily_papers" in line
    assert len(server.seen) == 1, "a 404 is not retried"
    assert snapshot(lib_path) == seeded


def test_a_500_is_retried_with_backoff_then_succeeds(
    cli: Cli, server: Server, lib_path: Path, no_real_waiting: Clock
) -> None:
    server.sequence(API, Reply(500, "oops"), Reply(502, "bad gateway"), Reply(body=day_items(3)))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert no_real_waiting.sleeps == [1.0, 2.0]
    assert len(lib_ids(lib_path)) == 3


def test_429_honours_a_short_retry_after(cli: Cli, server: Server, lib_path: Path, no_real_waiting: Clock) -> None:
    server.sequence(API, Reply(429, {"error": "slow down"}, {"Retry-After": "7"}), Reply(body=day_items(2)))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert no_real_waiting.sleeps == [7.0]


def test_429_with_a_long_retry_after_fails_at_once(
    cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes], no_real_waiting: Clock
) -> None:
    server.route(API, lambda seen: Reply(429, "", {"Retry-After": "3600"}))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 3
    assert "asks to wait 3600 s; try again later" in one_error_line(result)
    assert len(server.seen) == 1 and no_real_waiting.sleeps == []
    assert snapshot(lib_path) == seeded


def test_a_server_that_stays_down_fails_after_capped_retries(
    cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes], no_real_waiting: Clock
) -> None:
    server.route(API, lambda seen: Reply(503, {"error": "maintenance"}))
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "HTTP 503 Service Unavailable after 4 tries (maintenance)" in line
    assert no_real_waiting.sleeps == [1.0, 2.0, 4.0]
    assert snapshot(lib_path) == seeded


def test_a_future_date_refused_with_400(cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes]) -> None:
    server.route(API, lambda seen: Reply(400, {"error": "Date must be in the past"}))
    result = fetch(cli, server, "--date", "2099-01-01")
    assert result.exit_code == 2
    assert "no list for 2099-01-01 yet" in one_error_line(result)
    assert snapshot(lib_path) == seeded


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(body=b'[{"paper": {"id": "2507.1"'), "the server sent invalid JSON"),
        (Reply(body=b""), "empty answer instead of JSON"),
        (Reply(body={"error": "weird"}), "expected a JSON array of papers, found an object"),
        (Reply(body=["just", "strings"]), "paper 1: expected an object, found a string"),
        (Reply(body=[{"paper": {"id": "2507.1", "title": 5}}]), "title should be a string"),
        (
            Reply(body=b"<html><body>Sign in to the wifi</body></html>", headers={"Content-Type": "text/html"}),
            "a web page instead of JSON",
        ),
        (Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}), "a corrupt compressed answer"),
    ],
    ids=["invalid-json", "empty", "object", "strings", "bad-field", "html", "bad-gzip"],
)
def test_unusable_answers_are_one_line(
    cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes], reply: Reply, expected: str
) -> None:
    server.route(API, lambda seen: reply)
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert expected in line
    assert "Hugging Face" in line
    assert snapshot(lib_path) == seeded


def test_a_bad_page_in_the_middle_imports_nothing(
    cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes]
) -> None:
    items = day_items(120)

    def route(seen: Seen) -> Reply:
        page = int(seen.query["p"])
        if page == 1:
            return Reply(body=b"[{ this is not json")
        return Reply(body=items[page * 50 : (page + 1) * 50])

    server.route(API, route)
    result = fetch(cli, server, "--date", DAY)
    assert result.exit_code == 3
    assert "Hugging Face 2025-07-31 page 2: the server sent invalid JSON" in one_error_line(result)
    assert snapshot(lib_path) == seeded


def test_a_slow_server_hits_the_read_timeout(
    cli: Cli, server: Server, lib_path: Path, seeded: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route(API, lambda seen: Reply(block=True))
    monkeypatch.setenv("READER_READ_TIMEOUT", "0.2")
    started = time.monotonic()
    result = fetch(cli, server, "--date", DAY)
    assert time.monotonic() - started < 3
    assert result.exit_code == 3
    assert "did not answer within 0.2 s" in one_error_line(result)
    assert snapshot(lib_path) == seeded


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(cli: Cli, lib_path: Path, seeded: dict[str, bytes]) -> None:
    port = closed_port()
    result = cli("fetch", "--hf-url", f"http://127.0.0.1:{port}", "--date", DAY)
    assert result.exit_code == 3
    assert one_error_line(result) == f"reader: error: cannot reach 127.0.0.1:{port}: connection refused"
    assert snapshot(lib_path) == seeded


@pytest.fixture
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.invalid` never resolves (RFC 6761); make sure no lookup leaves this machine for it."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("offline_dns")
def test_dns_failure_is_fast_and_clear(cli: Cli, lib_path: Path) -> None:
    started = time.monotonic()
    result = cli("fetch", "--hf-url", "https://no-such-host.invalid", "--date", DAY)
    assert time.monotonic() - started < 3
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "cannot reach no-such-host.invalid: the name does not resolve" in line
    assert snapshot(lib_path) == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--date", "2025-07-31", "--days", "2"], "either --date or --days"),
        (["--date", "31/07/2025"], "not a date in the form YYYY-MM-DD"),
        (["--arxiv", "cs.CL", "--date", "2025-07-31"], "does not go with --date"),
        (["--arxiv", "cs CL; drop"], "is not an arXiv category"),
        (["--max", "5"], "--max goes with --arxiv"),
    ],
)
def test_bad_arguments_exit_2_without_a_request(cli: Cli, server: Server, args: list[str], expected: str) -> None:
    result = fetch(cli, server, *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)
    assert server.seen == []


@pytest.mark.parametrize("url", ["ftp://example.org", "not a url", "http://"])
def test_a_bad_base_url_exits_2(cli: Cli, url: str) -> None:
    result = cli("fetch", "--hf-url", url)
    assert result.exit_code == 2
    assert "--hf-url" in one_error_line(result)


def test_a_bad_timeout_setting_exits_2(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_CONNECT_TIMEOUT", "soon")
    result = cli("fetch")
    assert result.exit_code == 2
    assert "READER_CONNECT_TIMEOUT: 'soon' is not a number of seconds" in one_error_line(result)


# -- the core API the app calls -------------------------------------------------------------------


def fetch_into(library: Library, **options: Any) -> FetchReport:
    """What `F` in the app does: the morning fetch of the followed categories (no library
    access while it runs), then the import and its report on this thread."""
    fetched = Fetcher(**options).daily(library.followed())
    result = library.import_groups(fetched.groups) if fetched.papers else None
    return fetched.report(result)


def test_the_daily_fetch_reports_progress_and_counts(server: Server, library: Library, no_real_waiting: Clock) -> None:
    today = date(2025, 8, 1)
    server.route(API, hf_day({DAY: day_items(60)}))
    messages: list[str] = []
    report = fetch_into(
        library,
        progress=messages.append,
        settings=Settings(hf_url=server.url, sleep=no_real_waiting.sleep),
        today=today,
    )
    assert report.summary() == "Jul 31: 60 papers, 60 new, 0 updated"
    assert (report.new, report.updated, report.papers) == (60, 0, 60)
    assert messages == ["Hugging Face: 2025-08-01", "Hugging Face: 2025-07-31", "Hugging Face: 2025-07-31, page 2"]
    assert len(library) == 60


def test_the_daily_fetch_can_be_cancelled(server: Server, library: Library) -> None:
    cancel = threading.Event()
    server.route(API, hf_day({DAY: day_items(60)}))

    def progress(message: str) -> None:
        if "page 2" in message:
            cancel.set()

    with pytest.raises(FetchCancelled):
        fetch_into(
            library, progress=progress, settings=Settings(hf_url=server.url), cancel=cancel, today=date(2025, 7, 31)
        )
    assert len(library) == 0


def test_the_latest_day_is_fetched_without_a_library(server: Server) -> None:
    server.route(API, hf_day({DAY: day_items(2)}))
    fetched = Fetcher(Settings(hf_url=server.url), today=date(2025, 7, 31)).latest()
    assert [p.id for p in fetched.papers] == ["2507.10000", "2507.10001"]


def test_an_oversized_answer_is_refused(server: Server) -> None:
    server.route(API, hf_day({DAY: day_items(50)}))
    settings = Settings(hf_url=server.url, max_bytes=1000)
    with pytest.raises(FetchError, match="sent more than"):
        fetch_hf_day(Session(settings), date.fromisoformat(DAY))


def test_a_dropped_connection_is_retried(server: Server, no_real_waiting: Clock) -> None:
    calls = {"n": 0}

    def route(seen: Seen) -> Reply:
        calls["n"] += 1
        if calls["n"] == 1:
            # a response that promises more bytes than it sends: the client sees the connection end early
            return Reply(body=b"[", headers={"Content-Length": "100"})
        return Reply(body=day_items(1))

    server.route(API, route)
    settings = Settings(hf_url=server.url, sleep=no_real_waiting.sleep)
    papers = fetch_hf_day(Session(settings), date.fromisoformat(DAY))
    assert len(papers) == 1
    assert no_real_waiting.sleeps == [1.0]


def test_rate_limiter_spaces_calls_on_a_fake_clock() -> None:
    clock = Clock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0.0
    clock.now += 1.0
    assert limiter.wait() == pytest.approx(2.0)
    clock.now += 10.0
    assert limiter.wait() == 0.0
    assert clock.sleeps == [2.0]


def test_a_locked_library_is_one_line_and_exit_1(cli: Cli, server: Server, lib_path: Path) -> None:
    """The app holds the library: the fetch succeeds, the import is refused cleanly."""
    server.route(API, hf_day({DAY: day_items(2)}))
    with Library.open(lib_path):
        before = snapshot(lib_path)
        result = fetch(cli, server, "--date", DAY)
        assert result.exit_code == 1
        one_error_line(result)
        assert snapshot(lib_path) == before


def test_fetch_in_a_thread_then_import(server: Server, library: Library) -> None:
    """How the app runs it: network in a worker thread, the import on the UI thread."""
    server.route(API, hf_day({DAY: day_items(3)}))
    box: dict[str, Any] = {}
    fetcher = Fetcher(Settings(hf_url=server.url), today=date(2025, 7, 31))
    worker = threading.Thread(target=lambda: box.update(fetched=fetcher.latest()))
    worker.start()
    worker.join(5)
    fetched = box["fetched"]
    report = fetched.report(library.import_groups(fetched.groups))
    assert report.summary().endswith("3 papers, 3 new, 0 updated")
    assert len(library) == 3


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectTimeout("timed out"), "cannot reach hf.example:8443: no answer within 5 s"),
        (httpx.ReadTimeout("timed out"), "Hugging Face (hf.example:8443) did not answer within 20 s; try again later"),
        (httpx.ConnectError("[Errno 101] Network is unreachable"), "cannot reach hf.example:8443: [Errno 101]"),
        (httpx.RemoteProtocolError("peer closed"), "Hugging Face (hf.example:8443) dropped the connection"),
    ],
)
def test_transport_errors_are_worded_for_people(exc: httpx.TransportError, expected: str) -> None:
    error = _transport_error(exc, httpx.URL("https://hf.example:8443/x"), "Hugging Face", Settings())
    assert str(error).startswith(expected)
    assert error.kind in ("network", "server")
