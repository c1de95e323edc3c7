"""HTTP policy (issue 12): a total deadline per request, cancellation mid-read, content types,
redirects kept to the site asked, and a decompressed-size cap that holds while streaming."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from reader.fetch import FetchCancelled, FetchError, Settings
from reader.fetch.hf import fetch_hf_day
from reader.fetch.http import Session, redirect_allowed
from tests.conftest import Cli, snapshot
from tests.test_fetch import API, DAY, Reply, Seen, Server, day_items, hf_day, no_real_waiting, server  # noqa: F401

TRICKLE_FOR = 4.0


class Trickler:
    """A server on 127.0.0.1 that answers every request one byte at a time, for `TRICKLE_FOR` s
    (then drops the connection: a client without a total deadline fails otherwise, later)."""

    def __init__(self, *, headers_first: bool) -> None:
        self.headers_first = headers_first
        self.stop = threading.Event()
        self.cut_short = threading.Event()
        """Set when the client hung up while bytes were still coming (not the server giving up)."""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        try:
            conn.recv(65536)
            if self.headers_first:
                conn.sendall(head)
                head = b"[" + b" " * 100000
            ends = time.monotonic() + TRICKLE_FOR
            for byte in head:
                if self.stop.wait(0.02) or time.monotonic() > ends:
                    break
                conn.sendall(bytes([byte]))
        except OSError:
            self.cut_short.set()
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture(params=["body", "headers"])
def trickler(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    srv = Trickler(headers_first=request.param == "body")
    try:
        yield srv
    finally:
        srv.close()


def test_a_trickling_server_hits_the_total_deadline(
    cli: Cli, trickler: Trickler, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_FETCH_DEADLINE", "0.4")
    result = cli("fetch", "--hf-url", trickler.url, "--date", DAY)
    assert result.exit_code == 3, result.output
    assert "did not finish answering within 0.4 s" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert trickler.cut_short.wait(TRICKLE_FOR * 2)  # reader hung up mid-answer: the server never gave up
    assert snapshot(lib_path) == {}


def test_a_bad_deadline_setting_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_FETCH_DEADLINE", "soon")
    result = cli("fetch", "--hf-url", "http://127.0.0.1:9", "--date", DAY)
    assert result.exit_code == 2
    assert "READER_FETCH_DEADLINE: 'soon' is not a number of seconds" in result.output


def test_a_fetch_stuck_on_a_trickle_is_cancelled_at_once() -> None:
    srv = Trickler(headers_first=True)
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    try:
        settings = Settings(hf_url=srv.url, deadline=30.0)
        timer.start()
        started = time.monotonic()
        with pytest.raises(FetchCancelled):
            fetch_hf_day(Session(settings, cancel=cancel), date.fromisoformat(DAY))
        assert time.monotonic() - started < TRICKLE_FOR  # cancelled mid-read, before the server gives up
    finally:
        timer.cancel()
        srv.close()


def test_an_image_content_type_is_refused(server: Server) -> None:  # noqa: F811
    server.route(API, lambda seen: Reply(body=day_items(1), headers={"Content-Type": "image/png"}))
    settings = Settings(hf_url=server.url)
    with pytest.raises(FetchError, match="sent image/png instead"):
        fetch_hf_day(Session(settings), date.fromisoformat(DAY))


def test_redirects_stay_on_the_site(server: Server) -> None:  # noqa: F811
    server.route(API, lambda seen: Reply(302, b"", headers={"Location": "http://evil.example.net/api/daily_papers"}))
    settings = Settings(hf_url=server.url)
    with pytest.raises(FetchError, match="outside the site asked"):
        fetch_hf_day(Session(settings), date.fromisoformat(DAY))
    assert [s.path for s in server.seen] == [API]


def test_a_redirect_within_the_site_is_followed(server: Server) -> None:  # noqa: F811
    def moved(seen: Seen) -> Reply:
        query = "&".join(f"{key}={value}" for key, value in seen.query.items())
        return Reply(301, b"", headers={"Location": f"/moved?{query}"})

    server.route(API, moved)
    server.route("/moved", hf_day({DAY: day_items(2)}))
    settings = Settings(hf_url=server.url)
    assert len(fetch_hf_day(Session(settings), date.fromisoformat(DAY))) == 2


def test_redirect_policy() -> None:
    hf = httpx.URL("https://huggingface.co/api/daily_papers")
    assert redirect_allowed(hf, httpx.URL("https://www.huggingface.co/x"))
    assert redirect_allowed(httpx.URL("https://export.arxiv.org/api/query"), httpx.URL("https://arxiv.org/api/query"))
    assert redirect_allowed(httpx.URL("http://127.0.0.1:8000/a"), httpx.URL("http://127.0.0.1:8000/b"))
    assert not redirect_allowed(hf, httpx.URL("https://evil.example/x"))
    assert not redirect_allowed(hf, httpx.URL("file:///etc/passwd"))
    assert not redirect_allowed(httpx.URL("http://127.0.0.1:8000/a"), httpx.URL("http://10.0.0.1/b"))


def test_a_gzip_bomb_is_stopped_while_it_inflates(server: Server) -> None:  # noqa: F811
    bomb = gzip.compress(b"[" + b" " * (24 * 1024 * 1024), compresslevel=6)  # ~24 KB -> 24 MB
    server.route(API, lambda seen: Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    settings = Settings(hf_url=server.url, max_bytes=2 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="sent more than 2 MB"):
            fetch_hf_day(Session(settings), date.fromisoformat(DAY))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * 1024 * 1024, peak  # decompressed a piece at a time, not 24 MB at once


def test_a_gzip_answer_still_imports(server: Server) -> None:  # noqa: F811
    server.route(API, lambda seen: Reply(body=day_items(3) if seen.query.get("p") == "0" else [], gzip=True))
    settings = Settings(hf_url=server.url)
    assert len(fetch_hf_day(Session(settings), date.fromisoformat(DAY))) == 3
