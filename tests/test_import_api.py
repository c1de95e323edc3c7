"""The Hugging Face API in every shape seen in the wild (issue 10): 2024 answers, counts as
floats, organisations, stars, withdrawn papers, hidden authors, one paper, search answers."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import orjson
import pytest

from reader.importers import BadInput, ImportContext, parse_bytes
from reader.library import Library
from reader.models import Paper, UserState
from reader.tui.detail import paper_content
from tests.conftest import Cli

TODAY = date(2026, 11, 25)


def ctx(day: date | None = None) -> ImportContext:
    return ImportContext(name="api.json", day=day, today=TODAY)


def one(data: object, day: date | None = None) -> Paper:
    (paper,) = parse_bytes(orjson.dumps(data), ctx(day))
    return paper


ANSWER_2024 = [
    {
        "paper": {
            "id": "2403.05530",
            "authors": [{"name": "Ada Lovelace", "hidden": False}, {"name": "Hidden Person", "hidden": True}],
            "publishedAt": "2024-03-08T11:24:33.000Z",
            "title": "Gemini 1.5: Unlocking multimodal understanding across millions of\n  tokens of context",
            "summary": "In this report, we present the latest model of the Gemini family,\nGemini 1.5 Pro.",
            "upvotes": 10.0,
        },
        "publishedAt": "2024-03-11T02:16:42.191Z",
        "title": "Gemini 1.5: Unlocking multimodal understanding across millions of\n  tokens of context",
        "numComments": 2.0,
    }
]


def test_a_2024_answer_takes_its_featured_day_from_the_top_level_published_at() -> None:
    paper = one(ANSWER_2024)
    assert paper.days == ["2024-03-11"], "the top-level publishedAt, not --date nor today"
    assert paper.published == "2024-03-08"
    assert paper.title == "Gemini 1.5: Unlocking multimodal understanding across millions of tokens of context"
    assert paper.abstract == "In this report, we present the latest model of the Gemini family, Gemini 1.5 Pro."
    assert (paper.upvotes, paper.comments) == (10, 2)
    assert paper.authors == ["Ada Lovelace"], "a hidden author is not listed"
    assert paper.sources == ["hf"]


def test_a_newer_answer_keeps_submitted_on_daily_at_and_ignores_the_top_level_time() -> None:
    item = json.loads(json.dumps(ANSWER_2024[0]))
    item["paper"]["submittedOnDailyAt"] = "2024-03-12T00:00:00.000Z"
    assert one([item]).days == ["2024-03-12"]
    item["paper"].pop("submittedOnDailyAt")
    item.pop("publishedAt")
    assert one([item], day=date(2024, 3, 13)).days == ["2024-03-13"]


def test_organisation_stars_and_withdrawn_are_kept() -> None:
    paper = one(
        [
            {
                "paper": {
                    "id": "2602.00001",
                    "title": "Withdrawn Paper",
                    "githubStars": 9,
                    "organization": {"name": "cmu", "fullname": "Carnegie Mellon University"},
                    "withdrawnAt": "2026-02-03T10:00:00.000Z",
                },
                "organization": {"name": "other", "fullname": "Ignored When The Paper Has One"},
            }
        ]
    )
    assert (paper.organization, paper.organization_id) == ("Carnegie Mellon University", "cmu")
    assert paper.github_stars == 9 and paper.withdrawn_at == "2026-02-03T10:00:00.000Z"
    top = one([{"paper": {"id": "2602.00002", "title": "T"}, "organization": {"name": "qwen"}}])
    assert (top.organization, top.organization_id) == ("qwen", "qwen")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("upvotes", 1.5, "upvotes should be a whole number, found 1.5"),
        ("upvotes", -3, "upvotes is negative (-3); a count cannot be"),
        ("githubStars", 1e15, "githubStars is 1e+15, more than any real count"),
        ("upvotes", "many", "upvotes should be a number, found a string"),
        ("githubStars", True, "githubStars should be a number, found a boolean"),
    ],
)
def test_wrong_counts_are_refused_saying_what_is_wrong(field: str, value: object, message: str) -> None:
    with pytest.raises(BadInput, match="^" + re.escape(f"api.json: paper 1: {message}")):
        one([{"paper": {"id": "2501.00001", "title": "T", field: value}}])


def test_negative_comments_at_the_top_level_are_refused() -> None:
    with pytest.raises(BadInput, match="numComments is negative"):
        one([{"paper": {"id": "2501.00001", "title": "T"}, "numComments": -1}])


def test_the_single_paper_answer_and_search_answers_import_like_a_day(cli: Cli, tmp_path: Path) -> None:
    single = {
        "id": "2502.00011",
        "authors": [{"name": "Grace Hopper"}],
        "publishedAt": "2025-01-30T18:00:00.000Z",
        "submittedOnDailyAt": "2025-02-03T04:00:00.000Z",
        "title": "One Paper From Its Page",
        "summary": "The abstract.",
        "upvotes": 5,
        "linkedDatasets": [{"id": "x/y"}],
        "linkedModels": [],
    }
    search = [
        {"paper": {"id": "2502.00012", "title": "Found By Search", "submittedOnDailyAt": "2025-02-04T00:00:00Z"}},
        {"id": "2502.00013", "title": "Found In Paper Shape", "publishedAt": "2025-02-01T00:00:00Z"},
    ]
    (tmp_path / "paper.json").write_bytes(orjson.dumps(single))
    (tmp_path / "search.json").write_bytes(orjson.dumps(search))
    result = cli("import", str(tmp_path / "paper.json"), str(tmp_path / "search.json"), "--date", "2025-02-05")
    assert result.exit_code == 0 and result.stdout.startswith("3 new"), result.output
    with Library.open(cli.db, readonly=True) as lib:
        assert lib.paper("2502.00011").days == ["2025-02-03"] and lib.paper("2502.00011").published == "2025-01-30"
        assert lib.paper("2502.00012").days == ["2025-02-04"]
        shaped = lib.paper("2502.00013")
        assert shaped.days == ["2025-02-05"] and shaped.published == "2025-02-01", "a paper's publishedAt is arXiv's"


def test_withdrawn_shows_in_list_show_and_the_detail_pane(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(
        orjson.dumps([{"paper": {"id": "2602.00003", "title": "Gone Paper", "withdrawnAt": "2026-02-03T10:00:00Z"}}])
    )
    assert cli("import", str(path)).exit_code == 0
    assert "[withdrawn] Gone Paper" in cli("list").stdout
    assert "withdrawn: 2026-02-03T10:00:00Z" in cli("show", "2602.00003").stdout.replace("withdrawn:  ", "withdrawn: ")
    assert json.loads(cli("list", "--json").stdout)[0]["withdrawn_at"] == "2026-02-03T10:00:00Z"
    with Library.open(cli.db, readonly=True) as lib:
        assert "withdrawn" in paper_content(lib.paper("2602.00003"), UserState()).plain
        assert "withdrawn" not in paper_content(Paper(id="x", title="Fine"), UserState()).plain
