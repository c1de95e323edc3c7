"""arXiv: the Atom importer, `reader add` and `reader fetch --arxiv` against a local server."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reader.importers import BadInput, ImportContext, parse_bytes
from reader.importers.arxiv_atom import ArxivQueryError, parse
from reader.library import Library
from tests import test_fetch as shared
from tests.conftest import Cli, snapshot
from tests.test_fetch import FIXTURES, Clock, Reply, Seen, Server, one_error_line

server = shared.server
"""The local HTTP server (shared with test_fetch)."""
no_real_waiting = shared.no_real_waiting
"""Autouse here too: retries and the arXiv limiter sleep on a fake clock."""

QUERY = "/api/query"
ATOM_TYPE = {"Content-Type": "application/atom+xml; charset=utf-8"}


def feed(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ctx(day: date | None = None) -> ImportContext:
    return ImportContext(name="feed.xml", day=day, today=date(2025, 1, 6))


# -- the importer --------------------------------------------------------------------------------


def test_atom_entries_become_papers() -> None:
    first, second = parse(feed("arxiv_two.xml").decode(), ctx())
    assert first.id == first.arxiv_id == "2501.00001"
    assert first.title == "Sparse Attention for Very Long Documents"
    assert first.abstract == "We study sparse attention. Our method scales to long inputs and is fast."
    assert first.authors == ["Ada Lovelace", "Alan Turing"]
    assert first.published == "2025-01-01"
    assert first.primary_category == "cs.CL"
    assert first.github_url == "https://github.com/example/sparse-attn"
    assert first.days == ["2025-01-06"]
    assert first.abs_url == "https://arxiv.org/abs/2501.00001"
    assert second.primary_category == "stat.ML", "falls back to the first category"
    assert second.github_url is None


def test_import_date_sets_the_day() -> None:
    papers = parse(feed("arxiv_two.xml").decode(), ctx(date(2025, 1, 3)))
    assert {p.days[0] for p in papers} == {"2025-01-03"}


def test_old_style_ids_and_entries_without_title() -> None:
    text = """<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>http://arxiv.org/abs/hep-th/9901001v2</id><title>Strings</title></entry>
      <entry><id>http://arxiv.org/abs/2501.99999</id></entry>
    </feed>"""
    (paper,) = parse(text, ctx())
    assert paper.arxiv_id == "hep-th/9901001"


def test_the_error_feed_is_an_arxiv_query_error() -> None:
    with pytest.raises(ArxivQueryError, match=r"arXiv refused the query: incorrect id format for 1234\.12345x"):
        parse(feed("arxiv_error.xml").decode(), ctx())


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_tricks_are_refused_before_expansion(name: str) -> None:
    with pytest.raises(BadInput, match="declares a DTD or entities"):
        parse(feed(name).decode(), ctx())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "not valid XML (line 1"),
        ("<html><body>hi</body></html>", "not an Atom feed (the document is <html>"),
    ],
)
def test_broken_or_foreign_xml_is_bad_input(text: str, expected: str) -> None:
    with pytest.raises(BadInput, match=expected.replace("(", r"\(")):
        parse(text, ctx())


def test_reader_import_reads_an_atom_file(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed("arxiv_two.xml"))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    with Library.open(lib_path, readonly=True) as library:
        assert sorted(library.papers) == ["2501.00001", "2501.00002"]


def test_reader_import_refuses_a_bomb_with_one_line(cli: Cli, tmp_path: Path, lib_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_bytes(feed("billion_laughs.xml"))
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert "bomb.xml: the XML declares a DTD or entities" in one_error_line(result)
    assert snapshot(lib_path) == {}


def test_parse_bytes_detects_atom() -> None:
    assert len(parse_bytes(feed("arxiv_two.xml"), ctx())) == 2


# -- reader add ----------------------------------------------------------------------------------


def serve_feed(server: Server, name: str) -> None:
    server.route(QUERY, lambda seen: Reply(body=feed(name), headers=ATOM_TYPE))


def add(cli: Cli, server: Server, *refs: str) -> Any:
    return cli("add", "--arxiv-url", server.url, *refs)


def test_add_fetches_all_ids_in_one_request(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "arxiv_two.xml")
    result = add(cli, server, "2501.00001v3", "https://arxiv.org/pdf/2501.00002")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "arXiv: 2 papers, 2 new, 0 updated"
    (query,) = server.queries(QUERY)
    assert query["id_list"] == "2501.00001,2501.00002"
    assert server.seen[0].headers["user-agent"].startswith("reader/")
    with Library.open(lib_path, readonly=True) as library:
        paper = library.paper("2501.00001")
        assert paper.authors == ["Ada Lovelace", "Alan Turing"]
        assert paper.primary_category == "cs.CL"


def test_add_an_unknown_id_imports_nothing(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "arxiv_two.xml")
    result = add(cli, server, "2501.00001", "2501.00003")
    assert result.exit_code == 2
    assert "arXiv has no paper 2501.00003; nothing imported" in one_error_line(result)
    assert snapshot(lib_path) == {}


def test_add_refuses_what_is_not_an_arxiv_id_before_any_request(cli: Cli, server: Server) -> None:
    result = add(cli, server, "2501.00001", "https://example.org/paper")
    assert result.exit_code == 2
    assert "not an arXiv id or URL: 'https://example.org/paper'" in one_error_line(result)
    assert server.seen == []


def test_add_reports_the_arxiv_error_feed(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "arxiv_error.xml")
    result = add(cli, server, "2501.00001")
    assert result.exit_code == 2
    assert one_error_line(result) == "reader: error: arXiv refused the query: incorrect id format for 1234.12345x"
    assert snapshot(lib_path) == {}


def test_add_refuses_an_entity_expansion_feed(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "billion_laughs.xml")
    result = add(cli, server, "2501.00001")
    assert result.exit_code == 3
    assert "declares a DTD or entities" in one_error_line(result)
    assert snapshot(lib_path) == {}


def test_add_on_a_down_server_is_one_line(cli: Cli, server: Server, no_real_waiting: Clock) -> None:
    server.route(QUERY, lambda seen: Reply(503, "Service Unavailable", {"Content-Type": "text/plain"}))
    result = add(cli, server, "2501.00001")
    assert result.exit_code == 3
    assert "arXiv answered HTTP 503 Service Unavailable after 4 tries" in one_error_line(result)
    # retries wait on the backoff and, every time, on the 3-second arXiv limiter
    assert len(server.seen) == 4


def test_arxiv_url_comes_from_the_environment(
    cli: Cli, server: Server, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_feed(server, "arxiv_two.xml")
    monkeypatch.setenv("READER_ARXIV_URL", server.url)
    assert cli("add", "2501.00001", "2501.00002").exit_code == 0


def test_arxiv_requests_are_spaced_three_seconds_apart(
    cli: Cli, server: Server, lib_path: Path, no_real_waiting: Clock
) -> None:
    serve_feed(server, "arxiv_two.xml")
    assert add(cli, server, "2501.00001", "2501.00002").exit_code == 0
    no_real_waiting.now += 1.0
    assert add(cli, server, "2501.00001", "2501.00002").exit_code == 0
    assert no_real_waiting.sleeps == [2.0]


# -- reader fetch --arxiv ------------------------------------------------------------------------


def test_fetch_a_category(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "arxiv_two.xml")
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.CL", "--max", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "arXiv cs.CL: 2 papers, 2 new, 0 updated"
    (query,) = server.queries(QUERY)
    assert query == {
        "search_query": "cat:cs.CL",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "start": "0",
        "max_results": "5",
    }
    assert len(snapshot(lib_path)) > 0


def test_fetch_a_large_category_pages_by_2000(server: Server, no_real_waiting: Clock) -> None:
    from reader.fetch import Fetcher, Settings

    entry = (
        "<entry><id>http://arxiv.org/abs/2501.{n:05d}v1</id><title>Paper {n}</title>"
        "<published>2025-01-01T00:00:00Z</published></entry>"
    )

    def route(seen: Seen) -> Reply:
        start, size = int(seen.query["start"]), int(seen.query["max_results"])
        entries = "".join(entry.format(n=n) for n in range(start, min(start + size, 2500)))
        return Reply(body=f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>', headers=ATOM_TYPE)

    server.route(QUERY, route)
    fetched = Fetcher(Settings(arxiv_url=server.url)).arxiv_category("cs.LG", 3000)
    assert len(fetched.papers) == 2500
    assert [(q["start"], q["max_results"]) for q in server.queries(QUERY)] == [("0", "2000"), ("2000", "1000")]
    assert no_real_waiting.sleeps == [3.0]


def test_fetch_an_unknown_category_exits_2(cli: Cli, server: Server, lib_path: Path) -> None:
    serve_feed(server, "arxiv_empty.xml")
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.XX")
    assert result.exit_code == 2
    assert "arXiv has no papers in the category 'cs.XX'" in one_error_line(result)
    assert snapshot(lib_path) == {}
