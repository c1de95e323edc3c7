"""arXiv as it answers today (issue 10): the error feed with HTTP 400 or 200, empty pages while
`opensearch:totalResults` says more, and every field of an entry kept. Against 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from reader.importers import ImportContext
from reader.importers.arxiv_atom import parse
from reader.library import Library
from tests import test_fetch as shared
from tests.conftest import Cli, snapshot
from tests.test_fetch import FIXTURES, Clock, Reply, Seen, Server, one_error_line

server = shared.server
no_real_waiting = shared.no_real_waiting

QUERY = "/api/query"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
NS = (
    'xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom"'
)
ERROR_FEED = (
    f"<feed {NS}><opensearch:totalResults>1</opensearch:totalResults><entry>"
    "<id>https://arxiv.org/api/errors#max_results_must_be_less_than_30000</id><title>Error</title>"
    "<summary>max_results must be less than 30000</summary></entry></feed>"
)


def entries(numbers: range) -> str:
    return "".join(
        f"<entry><id>http://arxiv.org/abs/2501.{n:05d}v1</id><title>Paper {n}</title>"
        "<published>2025-01-01T00:00:00Z</published></entry>"
        for n in numbers
    )


def page(numbers: range, total: int) -> Reply:
    body = f"<feed {NS}><opensearch:totalResults>{total}</opensearch:totalResults>{entries(numbers)}</feed>"
    return Reply(body=body, headers=ATOM)


def seed_library(cli: Cli, tmp_path: Path) -> dict[str, bytes]:
    path = tmp_path / "one.json"
    path.write_text('[{"paper": {"id": "2401.00001", "title": "Already Here"}}]', encoding="utf-8")
    assert cli("import", str(path), "--date", "2024-01-02").exit_code == 0
    return snapshot(cli.db)


def test_http_400_with_the_error_feed_shows_arxivs_message_and_exits_2(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    before = seed_library(cli, tmp_path)
    server.route(QUERY, lambda seen: Reply(400, ERROR_FEED, ATOM))
    for args in (["add", "2501.00001"], ["fetch", "--arxiv", "cs.CL"]):
        result = cli(args[0], "--arxiv-url", server.url, *args[1:])
        assert result.exit_code == 2, result.output
        assert one_error_line(result) == "reader: error: arXiv refused the query: max_results must be less than 30000"
        assert snapshot(cli.db) == before
    assert len(server.seen) == 2, "a bad query is not retried"


def test_http_200_with_the_error_feed_is_the_same(cli: Cli, server: Server, tmp_path: Path) -> None:
    before = seed_library(cli, tmp_path)
    server.route(QUERY, lambda seen: Reply(200, ERROR_FEED, ATOM))
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.CL")
    assert result.exit_code == 2
    assert one_error_line(result) == "reader: error: arXiv refused the query: max_results must be less than 30000"
    assert snapshot(cli.db) == before


def test_http_400_without_a_feed_stays_a_server_error(cli: Cli, server: Server) -> None:
    server.route(QUERY, lambda seen: Reply(400, "nope", {"Content-Type": "text/plain"}))
    result = cli("add", "--arxiv-url", server.url, "2501.00001")
    assert result.exit_code == 3 and "arXiv answered HTTP 400 Bad Request" in one_error_line(result)


def test_an_empty_page_while_more_exist_is_asked_again_after_the_rate_limit_wait(
    cli: Cli, server: Server, no_real_waiting: Clock
) -> None:
    server.sequence(QUERY, page(range(0), 5), page(range(5), 5))
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.CL", "--max", "10")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "arXiv cs.CL: 5 papers, 5 new, 0 updated"
    assert [q["start"] for q in server.queries(QUERY)] == ["0", "0"]
    assert no_real_waiting.sleeps == [3.0], "the second ask waits for arXiv's 3 seconds"


def test_a_category_fetch_never_ends_early_on_one_empty_page(server: Server) -> None:
    from reader.fetch import Fetcher, Settings

    def route(seen: Seen) -> Reply:
        start = int(seen.query["start"])
        calls[start] = calls.get(start, 0) + 1
        if start == 2000 and calls[start] == 1:
            return page(range(0), 2600)  # the flaky empty answer
        size = int(seen.query["max_results"])
        return page(range(start, min(start + size, 2600)), 2600)

    calls: dict[int, int] = {}
    server.route(QUERY, route)
    fetched = Fetcher(Settings(arxiv_url=server.url)).arxiv_category("cs.LG", 5000)
    assert len(fetched.papers) == 2600
    assert [q["start"] for q in server.queries(QUERY)] == ["0", "2000", "2000"]


def test_a_short_page_with_a_total_goes_on_from_where_it_ended(server: Server) -> None:
    from reader.fetch import Fetcher, Settings

    def route(seen: Seen) -> Reply:
        start = int(seen.query["start"])
        end = start + (1500 if start == 0 else int(seen.query["max_results"]))
        return page(range(start, min(end, 2100)), 2100)

    server.route(QUERY, route)
    fetched = Fetcher(Settings(arxiv_url=server.url)).arxiv_category("cs.LG", 3000)
    assert len(fetched.papers) == 2100
    assert [q["start"] for q in server.queries(QUERY)] == ["0", "1500"]


def test_empty_pages_that_stay_empty_fail_and_import_nothing(cli: Cli, server: Server, tmp_path: Path) -> None:
    before = seed_library(cli, tmp_path)
    server.route(QUERY, lambda seen: page(range(0), 40))
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.CL")
    assert result.exit_code == 3
    assert "arXiv answered 3 empty pages from paper 1 on although it reports 40 papers" in one_error_line(result)
    assert len(server.seen) == 3 and snapshot(cli.db) == before


def test_an_empty_answer_with_a_zero_total_is_an_unknown_category(cli: Cli, server: Server) -> None:
    server.route(QUERY, lambda seen: page(range(0), 0))
    result = cli("fetch", "--arxiv-url", server.url, "--arxiv", "cs.XX")
    assert result.exit_code == 2 and "no papers in the category 'cs.XX'" in one_error_line(result)
    assert len(server.seen) == 1


def test_every_field_of_an_entry_is_kept(cli: Cli, server: Server) -> None:
    entry = (
        f"<feed {NS}><entry><id>http://arxiv.org/abs/2501.00042v3</id>"
        "<updated>2025-02-10T08:00:00Z</updated><published>2025-01-05T08:00:00Z</published>"
        "<title>Kept Fields</title><summary>An abstract.</summary>"
        "<arxiv:doi>10.1000/xyz.42</arxiv:doi><arxiv:journal_ref>NeurIPS 2025</arxiv:journal_ref>"
        "<arxiv:comment>12 pages, 3 figures</arxiv:comment>"
        '<arxiv:primary_category term="cs.CL"/><category term="cs.CL"/><category term="cs.AI"/>'
        '<category term="stat.ML"/></entry></feed>'
    )
    server.route(QUERY, lambda seen: Reply(body=entry, headers=ATOM))
    assert cli("add", "--arxiv-url", server.url, "2501.00042").exit_code == 0
    with Library.open(cli.db, readonly=True) as lib:
        paper = lib.paper("2501.00042")
    assert paper.doi == "10.1000/xyz.42" and paper.journal_ref == "NeurIPS 2025"
    assert paper.arxiv_comment == "12 pages, 3 figures"
    assert paper.categories == ["cs.CL", "cs.AI", "stat.ML"] and paper.primary_category == "cs.CL"
    assert (paper.published, paper.updated, paper.version) == ("2025-01-05", "2025-02-10", 3)
    assert paper.sources == ["arxiv"]


def test_the_fixture_feed_keeps_categories_and_versions() -> None:
    from datetime import date

    first, second = parse((FIXTURES / "arxiv_two.xml").read_text(), ImportContext("f.xml", None, date(2025, 1, 6)))
    assert first.categories == ["cs.CL", "cs.LG"] and first.version == 3 and first.updated == "2025-01-03"
    assert second.version == 1


def test_help_says_which_day_arxiv_papers_are_filed_under(cli: Cli) -> None:
    add_help = " ".join(cli("add", "--help").stdout.split())
    fetch_help = " ".join(cli("fetch", "--help").stdout.split())
    assert "filed under the day you add them (today)" in add_help
    assert (
        "--arxiv CATEGORY Fetch the newest papers of an arXiv category (search API) instead; "
        "they are filed under today's date." in fetch_help
    )
    assert "the papers are filed under the day you fetch them (today)" in fetch_help
