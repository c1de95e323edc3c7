"""`reader fetch --arxiv-new`, `reader follow`/`unfollow`, and plain `reader fetch` bringing
Hugging Face's day and the followed arXiv categories together, against a server on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from reader.fetch import Fetcher, Settings
from reader.library import Library, followed_categories
from tests import test_fetch as shared
from tests.conftest import Cli, snapshot
from tests.test_fetch import API, Clock, Reply, Server, day_items, fetch_into, hf_day, one_error_line

server = shared.server
no_real_waiting = shared.no_real_waiting

ARXIV = Path(__file__).resolve().parent / "fixtures" / "arxiv"
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
FEED = "/rss/cs.CL+cs.LG"


@pytest.fixture(autouse=True)
def no_feed_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READER_ARXIV_RSS_URL", raising=False)


def rss(name: str = "rss_cs.CL+cs.LG.xml") -> Reply:
    return Reply(body=(ARXIV / name).read_bytes(), headers=RSS_TYPE)


def ids(path: Path) -> set[str]:
    with Library.open(path, readonly=True) as library:
        return set(library.papers)


def everything(cli: Cli, server: Server, *args: str) -> Any:
    return cli("fetch", "--hf-url", server.url, "--arxiv-rss-url", server.url, *args)


FEED_IDS = {"2509.21001", "2509.21002", "2509.20877", "2405.01234", "2402.05555"}


# -- fetch --arxiv-new -----------------------------------------------------------------------------


def test_arxiv_new_fetches_every_category_in_one_request(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(FEED, lambda seen: rss())
    result = cli("fetch", "--arxiv-rss-url", server.url, "--arxiv-new", "cs.CL, cs.LG")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "arXiv cs.CL+cs.LG: 5 papers, 5 new, 0 updated"
    assert [s.path for s in server.seen] == [FEED]
    assert server.seen[0].headers["user-agent"].startswith("reader/")
    assert ids(lib_path) == FEED_IDS
    with Library.open(lib_path, readonly=True) as library:
        assert library.paper("2509.21002").sources == ["arxiv:cs.LG"]
        assert library.paper("2509.20877").sources == ["arxiv:cs.CL"]
        assert library.days() == ["2025-09-29"]
    assert followed_categories(lib_path) == [], "--arxiv-new does not follow"


def test_arxiv_new_on_a_weekend_is_not_an_error(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route("/rss/cs.CL", lambda seen: rss("rss_weekend.xml"))
    result = cli("fetch", "--arxiv-rss-url", server.url, "--arxiv-new", "cs.CL")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "arXiv cs.CL: no announcements today (arXiv announces nothing on weekends and holidays)"
    )
    assert snapshot(lib_path) == {}


def test_the_feed_url_comes_from_the_environment(
    cli: Cli, server: Server, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_ARXIV_RSS_URL", server.url + "/")
    server.route(FEED, lambda seen: rss())
    assert cli("fetch", "--arxiv-new", "cs.CL,cs.LG").exit_code == 0
    assert ids(lib_path) == FEED_IDS


@pytest.mark.parametrize(
    ("reply", "code", "expected"),
    [
        (Reply(404, b"Not Found", {"Content-Type": "text/plain"}), 2, "arXiv has no announcement feed for cs.CL+cs.LG"),
        (Reply(200, b"<html><body>Hi</body></html>", {"Content-Type": "text/html"}), 3, "is --arxiv-rss-url right?"),
        (Reply(503, b""), 3, "arXiv answered HTTP 503 Service Unavailable after 4 tries"),
        (Reply(200, b"<rss><channel><item>", RSS_TYPE), 3, "not valid XML"),
    ],
)
def test_feed_failures_are_one_line_and_change_nothing(
    cli: Cli, server: Server, lib_path: Path, reply: Reply, code: int, expected: str
) -> None:
    server.route(FEED, lambda seen: reply)
    result = cli("fetch", "--arxiv-rss-url", server.url, "--arxiv-new", "cs.CL,cs.LG")
    assert result.exit_code == code
    assert expected in one_error_line(result)
    assert snapshot(lib_path) == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--arxiv-new", "cs.CL", "--date", "2025-09-29"], "does not go with --date"),
        (["--arxiv-new", "cs.CL", "--arxiv", "cs.LG"], "not both"),
        (["--arxiv-new", "cs CL"], "is not an arXiv category"),
        (["--arxiv-new", ","], "give at least one arXiv category"),
        (["--arxiv-new", "cs.CL", "--arxiv-rss-url", "ftp://x"], "--arxiv-rss-url"),
    ],
)
def test_bad_arxiv_new_arguments_exit_2_without_a_request(
    cli: Cli, server: Server, args: list[str], expected: str
) -> None:
    result = cli("fetch", *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)
    assert server.seen == []


def test_feed_requests_share_arxivs_rate_limit(server: Server, no_real_waiting: Clock) -> None:
    server.route("/rss/cs.CL", lambda seen: rss("rss_weekend.xml"))
    settings = Settings(arxiv_rss_url=server.url)
    for _ in range(2):
        fetched = Fetcher(settings).arxiv_new(["cs.CL"])
        assert fetched.papers == [] and "no announcements" in fetched.parts[0].note
    assert no_real_waiting.sleeps == [3.0], "the second request waits for arXiv's three seconds"


# -- follow, unfollow ---------------------------------------------------------------------------


def test_follow_lists_adds_and_unfollows(cli: Cli, lib_path: Path) -> None:
    empty = cli("follow")
    assert empty.exit_code == 0 and empty.stdout == "" and "not following any" in empty.stderr
    assert not lib_path.exists(), "listing creates nothing"
    result = cli("follow", "cs.CL,cs.LG", "cs.CL")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "following cs.CL, cs.LG"
    again = cli("follow", "cs.LG", "math.PR")
    assert again.stdout.strip() == "following cs.CL, cs.LG, math.PR (cs.LG already followed)"
    assert cli("follow").stdout.split() == ["cs.CL", "cs.LG", "math.PR"]
    settings = orjson.loads((lib_path / "settings.json").read_bytes())
    assert settings == {"arxiv_categories": ["cs.CL", "cs.LG", "math.PR"]}
    assert cli("unfollow", "cs.LG").stdout.strip() == "following cs.CL, math.PR"
    assert followed_categories(lib_path) == ["cs.CL", "math.PR"]


def test_unfollow_of_a_category_not_followed_changes_nothing(cli: Cli, lib_path: Path) -> None:
    assert cli("follow", "cs.CL").exit_code == 0
    before = snapshot(lib_path)
    result = cli("unfollow", "cs.CL", "cs.AI")
    assert result.exit_code == 2
    assert "not following cs.AI (following cs.CL); nothing changed" in one_error_line(result)
    assert snapshot(lib_path) == before


def test_follow_refuses_a_bad_name(cli: Cli, lib_path: Path) -> None:
    result = cli("follow", "computation and language")
    assert result.exit_code == 2
    assert "is not an arXiv category" in one_error_line(result)
    assert not lib_path.exists()


def test_a_damaged_settings_file_is_one_line(cli: Cli, lib_path: Path) -> None:
    assert cli("follow", "cs.CL").exit_code == 0
    (lib_path / "settings.json").write_text('{"arxiv_categories": "cs.CL"}')
    result = cli("follow")
    assert result.exit_code == 1
    assert "settings.json" in one_error_line(result)


# -- plain `reader fetch`: Hugging Face and the followed categories -----------------------------------


def test_plain_fetch_brings_hugging_face_and_followed_categories(cli: Cli, server: Server, lib_path: Path) -> None:
    today = date.today().isoformat()
    server.route(API, hf_day({today: day_items(3)}))
    server.route(FEED, lambda seen: rss())
    assert cli("follow", "cs.CL", "cs.LG").exit_code == 0
    result = everything(cli, server)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[1] == "arXiv cs.CL+cs.LG: 5 papers, 5 new, 0 updated"
    assert lines[-1] == "in all: 8 papers, 8 new, 0 updated, 0 unchanged"
    assert ids(lib_path) == FEED_IDS | {"2507.10000", "2507.10001", "2507.10002"}


def test_without_followed_categories_plain_fetch_asks_only_hugging_face(cli: Cli, server: Server) -> None:
    server.route(API, hf_day({date.today().isoformat(): day_items(1)}))
    assert everything(cli, server).exit_code == 0
    assert {s.path for s in server.seen} == {API}


def test_a_failing_arxiv_keeps_hugging_faces_papers_and_exits_3(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, hf_day({date.today().isoformat(): day_items(2)}))
    server.route("/rss/cs.CL", lambda seen: Reply(503, b""))
    assert cli("follow", "cs.CL").exit_code == 0
    result = everything(cli, server)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "arXiv cs.CL failed: arXiv answered HTTP 503" in line and "was imported" in line
    assert ": 2 papers, 2 new" in result.stdout
    assert ids(lib_path) == {"2507.10000", "2507.10001"}


def test_a_failing_hugging_face_keeps_arxivs_papers_and_exits_3(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, lambda seen: Reply(404, {"error": "Not Found"}))
    server.route(FEED, lambda seen: rss())
    assert cli("follow", "cs.CL,cs.LG").exit_code == 0
    result = everything(cli, server)
    assert result.exit_code == 3
    assert "Hugging Face failed: Hugging Face answered HTTP 404" in one_error_line(result)
    assert ids(lib_path) == FEED_IDS


def test_when_every_source_fails_nothing_changes(cli: Cli, server: Server, lib_path: Path) -> None:
    server.route(API, lambda seen: Reply(404, {"error": "Not Found"}))
    server.route("/rss/cs.CL", lambda seen: Reply(404, b""))
    assert cli("follow", "cs.CL").exit_code == 0
    before = snapshot(lib_path)
    result = everything(cli, server)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "Hugging Face: Hugging Face answered HTTP 404" in line and "arXiv cs.CL: arXiv has no" in line
    assert snapshot(lib_path) == before


def test_the_apps_daily_fetch_follows_the_librarys_categories(server: Server, library: Library) -> None:
    server.route(API, hf_day({date.today().isoformat(): day_items(1)}))
    server.route(FEED, lambda seen: rss())
    library.follow(["cs.CL", "cs.LG"])
    settings = Settings(hf_url=server.url, arxiv_rss_url=server.url)
    report = fetch_into(library, settings=settings)
    assert set(library.papers) == FEED_IDS | {"2507.10000"}
    assert report.failures == [] and "6 papers, 6 new" in report.summary()
    server.route(FEED, lambda seen: Reply(503, b""))
    report = fetch_into(library, settings=settings)
    assert "arXiv cs.CL+cs.LG failed" in report.summary()
