"""arXiv's daily announcements: the RSS/Atom feed importer, listing pages copied as text, and
what announce types do to papers already in the library (through `reader import`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.importers import BadInput, ImportContext, NoAnnouncements, detect, parse_bytes
from reader.importers.arxiv_feed import split_authors
from reader.library import Library
from reader.models import Status
from tests.conftest import Cli, snapshot

ARXIV = Path(__file__).resolve().parent / "fixtures" / "arxiv"
FETCH = Path(__file__).resolve().parent / "fixtures" / "fetch"


def ctx(name: str = "feed.xml", day: date | None = None) -> ImportContext:
    return ImportContext(name=name, day=day, today=date(2025, 10, 1))


def parse(name: str, day: date | None = None) -> dict[str, dict[str, object]]:
    papers = parse_bytes((ARXIV / name).read_bytes(), ctx(name, day))
    return {p.id: p.to_dict() for p in papers}


# -- feeds ------------------------------------------------------------------------------------------


def test_rss_feed_of_two_categories_every_announce_type() -> None:
    papers = parse("rss_cs.CL+cs.LG.xml")
    assert list(papers) == ["2509.21001", "2509.21002", "2509.20877", "2405.01234", "2402.05555"]
    first = papers["2509.21001"]
    assert first["title"] == "Token Budgets for Long-Context Reasoning"
    assert first["authors"] == ["Maria García", "Wei Zhang", "Omar Haddad", "Priya Natarajan"]
    assert str(first["abstract"]).startswith("We study how a fixed token budget")
    assert "Announce Type" not in str(first["abstract"])
    assert first["categories"] == ["cs.CL", "cs.AI"] and first["primary_category"] == "cs.CL"
    assert first["days"] == ["2025-09-29"] and first["version"] == 1
    assert first["sources"] == ["arxiv:cs.CL"]
    assert {pid: p["announce_type"] for pid, p in papers.items()} == {
        "2509.21001": "new",
        "2509.21002": "new",
        "2509.20877": "cross",
        "2405.01234": "replace",
        "2402.05555": "replace-cross",
    }
    # the source is the feed category the paper came through: its primary if the feed has it
    assert papers["2509.21002"]["sources"] == ["arxiv:cs.LG"]
    assert papers["2509.20877"]["sources"] == ["arxiv:cs.CL"], "eess.AS is not one of the feed's categories"
    replaced = papers["2405.01234"]
    assert replaced["version"] == 3 and replaced["updated"] == "2025-09-29"
    assert replaced["journal_ref"] == "TACL 13 (2025) 101-120" and replaced["doi"] == "10.1162/tacl_a_00701"
    assert papers["2402.05555"]["authors"] == ["Sam Okafor, Jr.", "Ines Duarte"]


def test_atom_announcement_feed_is_told_from_the_api_feed() -> None:
    assert detect((ARXIV / "atom_cs.CL.xml").read_text()) == "arxiv-feed"
    assert detect((FETCH / "arxiv_two.xml").read_text()) == "arxiv-atom"
    papers = parse("atom_cs.CL.xml")
    assert [p["announce_type"] for p in papers.values()] == ["new", "cross", "replace"]
    assert papers["2405.01234"]["version"] == 3
    assert papers["2509.20877"]["primary_category"] == "eess.AS"
    assert all(p["days"] == ["2025-09-29"] and p["sources"] == ["arxiv:cs.CL"] for p in papers.values())
    # the API's own answers still import through the API importer (no announce type, no source mark)
    api = parse_bytes((FETCH / "arxiv_two.xml").read_bytes(), ctx())
    assert api[0].announce_type is None and api[0].abstract.startswith("We study sparse attention")


@pytest.mark.parametrize("name", ["rss_weekend.xml", "atom_weekend.xml"])
def test_a_feed_without_items_is_no_announcements(name: str) -> None:
    with pytest.raises(NoAnnouncements, match=r"no announcements in this feed for cs\.CL"):
        parse(name)


def test_channel_day_is_used_when_items_have_none() -> None:
    text = (
        (ARXIV / "rss_cs.CL+cs.LG.xml")
        .read_text()
        .replace("<pubDate>Mon, 29 Sep 2025 00:00:00 -0400</pubDate>\n      <arxiv", "<arxiv")
    )
    (paper, *_rest) = parse_bytes(text.encode(), ctx())
    assert paper.days == ["2025-09-29"], "from the channel's pubDate"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("A,  B", ["A", "B"]),
        ("Ada Lovelace, Alan Turing and Grace Hopper", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("Sandra Anderson, Alexandre Dumas", ["Sandra Anderson", "Alexandre Dumas"]),
        ('<a href="https://arxiv.org/a/x">Ann Lee</a>, Bo Wu', ["Ann Lee", "Bo Wu"]),
        ("  ", []),
    ],
)
def test_creator_lines_split_into_authors(text: str, names: list[str]) -> None:
    assert split_authors(text) == names


def test_feed_items_without_arxiv_ids_are_refused() -> None:
    text = '<rss version="2.0"><channel><title>Blog</title><item><title>Hello</title></item></channel></rss>'
    with pytest.raises(BadInput, match="no arXiv papers in this feed"):
        parse_bytes(text.encode(), ctx())


def test_feed_entities_are_refused() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss version="2.0"><channel></channel></rss>'
    with pytest.raises(BadInput, match="declares a DTD or entities"):
        parse_bytes(text.encode(), ctx())


# -- listing pages --------------------------------------------------------------------------------


def test_listing_page_with_three_sections_and_noise() -> None:
    assert detect((ARXIV / "list_cs.CL_new.txt").read_text()) == "arxiv-listing"
    papers = parse("list_cs.CL_new.txt")
    assert len(papers) == 7, "one paper per entry: chrome and blank lines are not papers"
    kinds = [p["announce_type"] for p in papers.values()]
    assert kinds == ["new", "new", "new", "cross", "cross", "replace", "replace"]
    first = papers["2509.21001"]
    assert first["abstract"] == (
        "We study how a fixed token budget should be spent across the steps of long-context reasoning. "
        "Small models gain the most."
    )
    assert first["arxiv_comment"] == "9 pages, 4 figures" and first["days"] == ["2025-09-29"]
    assert first["categories"] == ["cs.CL", "cs.AI"] and first["sources"] == ["arxiv:cs.CL"]
    assert papers["2509.21010"]["title"] == "A Corpus of Courtroom Transcripts in Twelve Languages"
    assert papers["2509.21020"]["journal_ref"] == "Findings of EMNLP 2025"
    cross = papers["2509.20877"]
    assert cross["primary_category"] == "eess.AS" and cross["sources"] == ["arxiv:cs.CL"]
    last = papers["2402.05555"]
    assert last["abstract"] == "Calibration of classifiers under covariate shift.", "the footer is not abstract"
    assert last["updated"] == "2025-09-29"


def test_pastweek_page_days_come_from_its_headings() -> None:
    papers = parse("list_cs.CL_pastweek.txt", day=date(2020, 1, 1))
    assert {pid: p["days"] for pid, p in papers.items()} == {
        "2509.19999": ["2025-09-26"],
        "2509.19888": ["2025-09-26"],
        "2509.18777": ["2025-09-25"],
    }
    assert papers["2509.19888"]["announce_type"] == "cross"
    assert papers["2509.19888"]["authors"] == ["Rui Chen", "Dana Levi"]
    assert all(p["abstract"] == "" for p in papers.values())


def test_listing_without_labels_or_day_uses_the_date_option() -> None:
    text = (
        "Replacements for Fri, 26 Sep 25\n"
        "[1]  arXiv:2401.00001v2 (replaced) [pdf]\n"
        "An Unlabelled Title\n"
        "Ann Lee, Bo Wu\n"
        "Subjects: Machine Learning (cs.LG)\n"
        "[2] arXiv:2401.00002\n"
        "Another Title\n"
    )
    first, second = parse_bytes(text.encode(), ctx("page.txt"))
    assert (first.title, first.authors, first.version) == ("An Unlabelled Title", ["Ann Lee", "Bo Wu"], 2)
    assert first.days == ["2025-09-26"] and first.announce_type == "replace"
    assert second.title == "Another Title" and second.days == ["2025-09-26"]
    (only,) = parse_bytes(b"[1] arXiv:2401.00003\nTitle: Alone\n", ctx("page.txt", date(2025, 3, 3)))
    assert only.days == ["2025-03-03"] and only.announce_type == "new"


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
_NOISE = st.sampled_from(["", "   ", "\t", "Total of 9 entries", "Continue to full list", "About"])


@st.composite
def listing(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A listing page of N entries (with sections, optional fields, blank-line noise)."""
    count = draw(st.integers(1, 25))
    lines = [draw(_NOISE), "Showing new listings for Monday, 29 September 2025"]
    ids = []
    sections = iter(
        [(0, "New submissions (showing 9 of 9 entries)"), (count // 2, "Cross submissions (showing 1 of 1 entries)")]
    )
    next_section = next(sections, None)
    for n in range(count):
        if next_section is not None and next_section[0] == n:
            lines.append(next_section[1])
            next_section = next(sections, None)
        pid = f"2509.{20000 + n}"
        ids.append(pid)
        suffix = draw(st.sampled_from(["", " [pdf, html]", " (replaced) [pdf]", " (cross-list from cs.LG) [pdf]"]))
        lines.append(f"[{n + 1}]{draw(st.sampled_from([' ', '  ']))}arXiv:{pid}{suffix}")
        lines += draw(st.lists(_NOISE.filter(lambda s: not s.strip()), max_size=2))
        words = draw(st.lists(_WORDS, min_size=1, max_size=6))
        lines.append(f"Title: {' '.join(words)} number {n}")
        if draw(st.booleans()):
            lines.append(f"Authors: {', '.join(draw(st.lists(_WORDS, min_size=1, max_size=3)))}")
        if draw(st.booleans()):
            lines.append("Comments: 8 pages")
        lines.append("Subjects: Computation and Language (cs.CL)")
        for _ in range(draw(st.integers(0, 2))):
            lines.append(" ".join(draw(st.lists(_WORDS, min_size=1, max_size=12))))
            lines.append(draw(_NOISE))
    return "\n".join(lines), ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listing())
def test_n_listing_entries_are_exactly_n_papers(page: tuple[str, list[str]]) -> None:
    text, ids = page
    papers = parse_bytes(text.encode(), ctx("page.txt"))
    assert [p.id for p in papers] == ids
    assert all(p.days == ["2025-09-29"] and p.title.endswith(f"number {n}") for n, p in enumerate(papers))


# -- through `reader import`: empty feeds, replacements, cross-lists --------------------------------


def test_import_of_an_empty_feed_says_so_and_changes_nothing(cli: Cli, lib_path: Path) -> None:
    result = cli("import", str(ARXIV / "rss_weekend.xml"))
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "no announcements" in result.output
    assert not lib_path.exists(), "the library is not even created"


def test_import_of_an_empty_feed_beside_a_real_one(cli: Cli) -> None:
    result = cli("import", str(ARXIV / "atom_weekend.xml"), str(ARXIV / "atom_cs.CL.xml"))
    assert result.exit_code == 0, result.output
    assert "no announcements" in result.output and "3 new" in result.output


def _record(cli: Cli, pid: str) -> dict[str, object]:
    result = cli("show", pid, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = orjson.loads(result.output)
    return data


def test_a_replacement_updates_a_known_paper_without_touching_its_state(
    cli: Cli, lib_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # `reader list` fits its rows to the terminal
    older = (ARXIV / "atom_cs.CL.xml").read_text()
    older = older.replace("2405.01234v3", "2405.01234v1").replace("Announce Type: replace", "Announce Type: new")
    older = older.replace("<arxiv:announce_type>replace<", "<arxiv:announce_type>new<")
    older = older.replace("This version adds a study of sliding-window attention.", "A long first abstract " * 9)
    older = older.replace("2025-09-29", "2024-05-02")
    first = lib_path.parent / "older.xml"
    first.write_text(older)
    assert cli("import", str(first)).exit_code == 0
    assert cli("mark", "2405.01234", "done").exit_code == 0
    assert _record(cli, "2405.01234")["version"] == 1

    result = cli("import", str(ARXIV / "rss_cs.CL+cs.LG.xml"))
    assert result.exit_code == 0, result.output
    record = _record(cli, "2405.01234")
    assert record["version"] == 3 and record["announce_type"] == "replace" and record["status"] == "done"
    assert str(record["abstract"]).endswith("sliding-window attention."), "the new version's abstract wins"
    assert record["journal_ref"] == "TACL 13 (2025) 101-120"
    shown = cli("show", "2405.01234").output
    assert "updated v3" in shown
    listed = cli("list", "--status", "done").output
    assert "2405.01234" in listed and "updated v3" in listed
    with Library.open(lib_path, readonly=True) as library:
        assert library.status("2405.01234") is Status.DONE, "a replacement never re-enters the inbox"
        assert "2405.01234" not in library.ids(Status.INBOX)


def test_a_cross_list_merges_with_the_hugging_face_paper(cli: Cli, lib_path: Path) -> None:
    hf = [
        {
            "paper": {
                "id": "2509.20877",
                "title": "Speech Tokenisers Compared on Low-Resource Languages",
                "summary": "We compare six speech tokenisers.",
                "authors": [{"name": "Aiko Tanaka"}, {"name": "Kofi Mensah"}],
                "publishedAt": "2025-09-26T10:00:00.000Z",
                "upvotes": 12,
            },
            "publishedAt": "2025-09-28T10:00:00.000Z",
        }
    ]
    answer = lib_path.parent / "hf.json"
    answer.write_bytes(orjson.dumps(hf))
    assert cli("import", "--date", "2025-09-28", str(answer)).exit_code == 0
    assert cli("import", str(ARXIV / "list_cs.CL_new.txt")).exit_code == 0
    assert cli("import", str(ARXIV / "atom_cs.CL.xml")).exit_code == 0
    with Library.open(lib_path, readonly=True) as library:
        matches = [p for p in library if p.arxiv_id == "2509.20877"]
        assert len(matches) == 1, "same arXiv id, same paper"
        paper = matches[0]
        assert paper.upvotes == 12 and paper.announce_type == "cross"
        assert paper.sources[-1] == "arxiv:cs.CL" and paper.sources.count("arxiv:cs.CL") == 1
        assert paper.categories == ["eess.AS", "cs.CL"] and paper.days == ["2025-09-28", "2025-09-29"]
    shown = cli("show", "2509.20877").output
    assert "arXiv cs.CL" in shown


def test_a_bad_feed_changes_nothing(cli: Cli, lib_path: Path) -> None:
    assert cli("import", str(ARXIV / "atom_cs.CL.xml")).exit_code == 0
    before = snapshot(lib_path)
    broken = lib_path.parent / "broken.xml"
    broken.write_text((ARXIV / "atom_cs.CL.xml").read_text()[:-40])
    result = cli("import", str(ARXIV / "rss_cs.CL+cs.LG.xml"), str(broken))
    assert result.exit_code == 2 and "broken.xml: not valid XML" in result.output
    assert snapshot(lib_path) == before


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60), max_size=8)
)
def test_any_text_inside_an_entry_stays_in_that_entry(body: list[str]) -> None:
    from hypothesis import assume

    from reader.importers.arxiv_listing import looks_like_listing

    assume(not any(looks_like_listing(line) for line in "\n".join(body).splitlines()))
    text = "\n".join(["[1] arXiv:2509.00001 [pdf]", "Title: A Paper", *body])
    (paper,) = parse_bytes(text.encode(), ctx("page.txt"))
    assert paper.id == "2509.00001" and paper.title.startswith("A Paper")
    controls = [c for text in (paper.abstract, *paper.authors) for c in text if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F]
    assert controls == []


def test_two_arxiv_papers_with_one_title_stay_two(cli: Cli, lib_path: Path) -> None:
    page = "\n".join(
        [
            "New submissions (showing 2 of 2 entries)",
            "[1] arXiv:2509.00011 [pdf]",
            "Title: Erratum",
            "Subjects: Optics (physics.optics)",
            "[2] arXiv:2509.00012 [pdf]",
            "Title: Erratum",
            "Subjects: Optics (physics.optics)",
        ]
    )
    assert [p.id for p in parse_bytes(page.encode(), ctx("page.txt"))] == ["2509.00011", "2509.00012"]
    first, second = (lib_path.parent / "one.txt"), (lib_path.parent / "two.txt")
    first.write_text(page.split("[2]")[0])
    second.write_text("[2]" + page.split("[2]")[1])
    assert cli("import", str(first)).exit_code == 0
    result = cli("import", str(second))
    assert result.output.startswith("1 new"), "not merged into the other arXiv paper of that title"
    with Library.open(lib_path, readonly=True) as library:
        assert sorted(library.papers) == ["2509.00011", "2509.00012"]
        assert library.paper("2509.00011").arxiv_id == "2509.00011"
