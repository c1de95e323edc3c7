"""`reader list --sort`: the list's orders on the command line, as `s` cycles them in the app."""

from __future__ import annotations

import json

from reader.library import Library
from reader.models import Paper
from tests.conftest import Cli


def make_library(cli: Cli) -> None:
    with Library.open(cli.db) as library:
        library.import_papers(
            [
                Paper(id="a", title="Beta", days=["2025-07-31"], upvotes=5, published="2025-07-01"),
                Paper(id="b", title="alpha", days=["2025-07-31"], upvotes=20, published="2025-06-01"),
                Paper(id="c", title="Gamma", days=["2025-07-30"], upvotes=50, published="2025-07-20"),
            ]
        )


def listed(cli: Cli, *args: str) -> list[str]:
    result = cli("list", "--json", *args)
    assert result.exit_code == 0, result.output
    return [record["id"] for record in json.loads(result.stdout)]


def test_each_sort_orders_the_list(cli: Cli) -> None:
    make_library(cli)
    assert listed(cli) == ["b", "a", "c"]  # page order: newest day, then most upvoted
    assert listed(cli, "--sort", "page") == ["b", "a", "c"]
    assert listed(cli, "--sort", "upvotes") == ["c", "b", "a"]
    assert listed(cli, "--sort", "published") == ["c", "a", "b"]
    assert listed(cli, "--sort", "title") == ["b", "a", "c"]
    # the plain listing follows the order too, and it combines with the other options
    rows = cli("list", "--sort", "upvotes", "--day", "2025-07-31").stdout.splitlines()
    assert [row.split()[0] for row in rows] == ["b", "a"]


def test_an_unknown_sort_is_one_line_and_exit_2(cli: Cli) -> None:
    make_library(cli)
    result = cli("list", "--sort", "colour")
    assert result.exit_code == 2
    assert "'colour' is not one of" in result.output and "Traceback" not in result.output
