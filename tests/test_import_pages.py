"""The Daily Papers page as users really copy it: every shape of issue 10, with our own fixtures.

Each numbered variant of the issue has a test: per-paper lines (1), header variants (2), short
abstracts beside titles without abstract (3), hard wraps (4), a Markdown clip (5), the Trending
page's AI summary (6) and the year (7); then property tests over generated pages.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.importers import ImportContext, parse_bytes
from reader.library import Library
from reader.models import Status, title_id
from tests.conftest import SEED, Cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"
TODAY = date(2026, 11, 25)


def ctx(name: str = "page.txt", day: date | None = None) -> ImportContext:
    return ImportContext(name=name, day=day, today=TODAY)


def rows(data: bytes, context: ImportContext | None = None) -> list[tuple[object, ...]]:
    papers = parse_bytes(data, context or ctx())
    return [
        (p.title, p.abstract, p.days, p.upvotes, p.organization, p.author_count, p.published, p.comments)
        for p in papers
    ]


# -- 1. per-paper lines ------------------------------------------------------------------------


def test_current_page_every_per_paper_line_is_metadata_not_a_paper() -> None:
    got = rows((FIXTURES / "current_page.txt").read_bytes())
    assert got == [
        (
            "Reward Shaping for Small Language Models: A Study in Sparse Feedback",
            "We study how reward shaping helps small language models learn from sparse feedback. Across "
            "four benchmarks, shaped rewards close most of the gap to dense supervision while costing a "
            "fraction of the labels. We release code and data.",
            ["2026-10-02"],
            101,
            "OCC",
            None,
            "2026-05-29",
            6,
        ),
        ("Tiny Agents", "We show that tiny agents can plan.", ["2026-10-02"], None, None, 3, "2026-09-09", 2),
        (
            "Scaling Laws for Retrieval-Augmented Decoders",
            "Retrieval-augmented decoders follow clean scaling laws in the number of retrieved passages, "
            "and we fit them across three orders of magnitude.",
            ["2026-10-02"],
            12,
            None,
            8,
            "2025-02-27",
            0,
        ),
        ("Everything Surveyed: Multimodal", "", ["2026-10-02"], 7, None, 671, "2026-09-30", 14),
    ]


def test_per_paper_lines_without_blank_lines_between_them() -> None:
    page = (
        "Oct 2\n\n5\n\nDense Paper One\n\nAn abstract of the first paper, short.\n\nMeta AI\n·\nOct 1\n3\n"
        "-\n\nDense Paper Two\n\nAnother abstract here.\n\n· 2 authors\n·\nSep 30\n"
    )
    got = rows(page.encode())
    assert [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in got] == [
        ("Dense Paper One", 5, "Meta AI", None, "2026-10-01", 3),
        ("Dense Paper Two", None, None, 2, "2026-09-30", None),
    ]
    assert {r[2][0] for r in got} == {"2026-10-02"}


def test_several_current_days_pasted_with_crlf_keep_each_papers_day(cli: Cli, tmp_path: Path) -> None:
    one = (FIXTURES / "current_page.txt").read_text(encoding="utf-8")
    two = (
        one.replace("Oct 2", "Oct 1").replace("Reward Shaping", "Value Shaping").replace("Tiny Agents", "Small Agents")
    )
    two = two.replace("Scaling Laws for", "Power Laws for").replace("Everything Surveyed", "Reviewed Everything")
    page = tmp_path / "two-days.txt"
    page.write_bytes((two + "\n" + one).replace("\n", "\r\n").encode())
    result = cli("import", str(page), "--date", "2025-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "8 new, 0 updated, 0 unchanged (featured 2025-10-01, 2025-10-02)"
    assert result.stderr == ""
    with Library.open(cli.db, readonly=True) as lib:
        days = {p.title.split()[0]: p.days for p in lib}
        published = {p.title.split()[0]: p.published for p in lib}
    assert days["Value"] == days["Small"] == days["Power"] == days["Reviewed"] == ["2025-10-01"]
    assert days["Reward"] == days["Tiny"] == days["Scaling"] == days["Everything"] == ["2025-10-02"]
    assert published["Reward"] == "2025-05-29" and published["Scaling"] == "2025-02-27"
    assert "2025-05-29" not in {d for ds in days.values() for d in ds}, "a paper's own date is never a featured day"


# -- 2. header variants, Submitted by, GitHub ---------------------------------------------------


def test_header_variants_and_submitter_lines_are_chrome() -> None:
    headers = [
        "new",
        "Get trending papers in your email inbox once a day!",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "by AK and the research community",
        "byAK and the research community",
        "Daily",
        "Weekly",
        "Monthly",
        "Trending Papers",
    ]
    page = (
        "\n\n".join(headers)
        + "\n\nOct 2\n\nSubmitted by\n\nsomeuser\n\n42\n\nOne Real Paper\n\nIts abstract is short.\n\n"
        + "OCC\n\n·\n\nOct 1\n\n1\n"
    )
    papers = parse_bytes(page.encode(), ctx())
    assert [(p.title, p.upvotes, p.days) for p in papers] == [("One Real Paper", 42, ["2026-10-02"])]


def test_unknown_lines_on_a_current_page_are_skipped_and_reported(cli: Cli, tmp_path: Path) -> None:
    page = (FIXTURES / "current_page.txt").read_text(encoding="utf-8")
    page = page.replace("-\n\nTiny Agents", "Join the community\n\n-\n\nTiny Agents")
    page = page.replace("Oct 2\n", "Oct 2\n\nSponsored by nobody\n")
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0 and result.stdout.startswith("4 new"), result.output
    assert result.stderr.strip() == (
        f'reader: warning: {path}: skipped 2 lines it could not place: line 19 "Sponsored by nobody", '
        'line 37 "Join the community"'
    )


def test_a_page_yielding_nothing_is_refused_in_one_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "chrome.txt"
    path.write_text(
        "new\n\nSubscribe\n\nDaily\n\nWeekly\n\nMonthly\n\nOct 2\n\n12\n\n·\n\n3 authors\n", encoding="utf-8"
    )
    result = cli("import", str(path))
    assert result.exit_code == 2 and result.stderr.strip() == f"reader: error: {path}: no papers found in it"


# -- 3. short abstracts beside titles without abstract -------------------------------------------


def test_short_abstracts_and_titles_without_abstract_side_by_side() -> None:
    page = (
        "Jul 31\n\n"
        "Titles Alone Are Papers Too\n\n"
        "Sparse attention for long documents\n\n"
        "We make attention sparse.\n\n"
        "A Benchmark Without Its Abstract\n\n"
        "Mixture of depths in practice\n\n"
        "Routing tokens past layers saves compute at equal quality.\n\n"
        "Reading Group Notes: What Is a Token?\n"
    )
    papers = parse_bytes(page.encode(), ctx(day=date(2025, 1, 1)))
    assert [(p.title, p.abstract) for p in papers] == [
        ("Titles Alone Are Papers Too", ""),
        ("Sparse attention for long documents", "We make attention sparse."),
        ("A Benchmark Without Its Abstract", ""),
        ("Mixture of depths in practice", "Routing tokens past layers saves compute at equal quality."),
        ("Reading Group Notes: What Is a Token?", ""),
    ]


# -- 4. hard wraps ------------------------------------------------------------------------------


def test_hard_wrapped_abstracts_and_titles_are_joined() -> None:
    words = "We measure how models forget when they are fine-tuned on narrow tasks and find that " * 6
    wrapped = "\n".join(_wrap(words.strip() + ".", 78))
    browser = "\n".join(_wrap("A text browser wraps this abstract at 120 columns. " * 5, 120))
    title = "Forgetting in Fine-Tuning:\nA Careful Look at Narrow Tasks"
    page = f"Jul 31\n\n{title}\n\n{wrapped}\n\nShort Paper Title\n\n{browser}\n"
    papers = parse_bytes(page.encode(), ctx(day=date(2025, 1, 1)))
    assert len(papers) == 2
    assert papers[1].abstract == " ".join(["A text browser wraps this abstract at 120 columns."] * 5)
    assert papers[0].title == "Forgetting in Fine-Tuning: A Careful Look at Narrow Tasks"
    assert papers[0].abstract == words.strip() + "."
    assert wrapped.count("\n") >= 5


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


# -- 5. a Markdown clip ---------------------------------------------------------------------------


def test_markdown_clip_is_detected_and_ids_come_from_links(cli: Cli) -> None:
    result = cli("import", str(FIXTURES / "clip.md"))
    assert result.exit_code == 0 and result.stdout.strip() == "2 new, 0 updated, 0 unchanged (featured 2025-06-02)"
    with Library.open(cli.db, readonly=True) as lib:
        first, second = lib.paper("2506.00683"), lib.paper("2506.00700")
    assert first.title == "Reasoning Traces as Training Signal"
    assert first.abstract == "We train on reasoning traces instead of answers and find it helps small models most."
    assert (first.upvotes, first.organization, first.published, first.comments) == (101, "OCC", "2025-05-29", 6)
    assert first.arxiv_id == "2506.00683" and first.sources == ["hf"]
    assert second.abstract.endswith("where they [help] and where they do not.")
    assert (second.upvotes, second.author_count, second.published, second.comments) == (None, 5, "2025-05-30", 0)


def test_markdown_clip_with_the_count_after_the_heading_and_retrieved_year() -> None:
    clip = (
        "---\nretrieved: 2024-03-05\n---\n\n"
        "### [First Clipped Paper](https://huggingface.co/papers/2403.01001)\n\n"
        "[7](https://huggingface.co/papers/2403.01001)\n\n"
        "The abstract of the first paper.\n\n"
        "### [Second Clipped Paper](https://huggingface.co/papers/2403.01002)\n\n"
        "[3](https://huggingface.co/papers/2403.01002)\n\n"
        "Mar 4[2](https://huggingface.co/papers/2403.01002#community)\n"
    )
    papers = parse_bytes(clip.encode(), ctx("clip.md"))
    assert [(p.id, p.upvotes, p.abstract, p.days, p.published, p.comments) for p in papers] == [
        ("2403.01001", 7, "The abstract of the first paper.", ["2024-03-05"], None, None),
        ("2403.01002", 3, "", ["2024-03-05"], "2024-03-04", 2),
    ]


# -- 6. the Trending page's AI summary -----------------------------------------------------------


def test_trending_page_summary_goes_to_ai_summary() -> None:
    papers = parse_bytes((FIXTURES / "trending_page.txt").read_bytes(), ctx())
    assert [(p.title, p.ai_summary, p.abstract[:30], p.upvotes, p.organization, p.github_stars) for p in papers] == [
        (
            "Open Weights Are Not Enough: Auditing Released Models",
            "Released weights without data leave audits blind; a new protocol fixes part of that.",
            "Open model releases rarely inc",
            230,
            "Carnegie Mellon University",
            11300,
        ),
        (
            "Speculative Decoding Without a Draft Model",
            "Decoding gets faster by predicting several tokens from the model's own hidden states.",
            "",
            None,
            None,
            None,
        ),
    ]
    assert "audit protocol" in papers[0].abstract and "Released weights" not in papers[0].abstract


def test_old_copy_with_ai_summaries() -> None:
    page = (
        "Jul 31\n\nA Paper With A Summary\n\nAI-generated summary\n\nOne line of summary.\n\n"
        "The real abstract, which is longer and ends with a full stop.\n\nNext Paper Title\n\n"
        "AI-generated summary: inline summary here.\n"
    )
    papers = parse_bytes(page.encode(), ctx())
    assert [(p.title, p.ai_summary, p.abstract) for p in papers] == [
        (
            "A Paper With A Summary",
            "One line of summary.",
            "The real abstract, which is longer and ends with a full stop.",
        ),
        ("Next Paper Title", "inline summary here.", ""),
    ]


# -- 7. the year ----------------------------------------------------------------------------------


def test_sample_imports_as_2025_by_its_file_name_everywhere(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", str(SEED))
    assert result.exit_code == 0 and "(featured 2025-07-31)" in result.stdout, result.output
    copy = tmp_path / "copied page.txt"
    copy.write_bytes(SEED.read_bytes())
    assert parse_bytes(copy.read_bytes(), ctx(str(copy)))[0].days == ["2026-07-31"], "no date in the name: today's rule"
    near = parse_bytes(b"Aug 1\n\nA Paper\n\nIts abstract.\n", ctx("hf_daily_papers_2025-07-31.txt"))
    assert near[0].days == ["2025-08-01"], "the nearest year to the file's date, not the one before"
    assert parse_bytes(b"A Paper\n\nIts abstract.\n", ctx("day_2024_02_29.txt"))[0].days == ["2024-02-29"]


def test_redate_moves_a_day_and_keeps_statuses_and_notes(cli: Cli, tmp_path: Path) -> None:
    copy = tmp_path / "pasted.txt"
    copy.write_bytes(SEED.read_bytes())
    cli("import", str(copy))
    wrong = f"{date.today().year}-07-31"
    with Library.open(cli.db, readonly=True) as lib:
        first = lib.ids(day=wrong)[0]
    assert cli("mark", first, "reading").exit_code == 0 and cli("note", first, "kept").exit_code == 0
    result = cli("redate", "--from", wrong, "--to", "2025-07-31")
    assert result.exit_code == 0 and result.stdout.strip() == f"86 papers moved from {wrong} to 2025-07-31", (
        result.output
    )
    with Library.open(cli.db, readonly=True) as lib:
        assert lib.days() == ["2025-07-31"] and len(lib.ids(day="2025-07-31")) == 86
        assert lib.status(first) is Status.READING and lib.state(first).notes == "kept"
    again = cli("redate", "--from", wrong, "--to", "2025-07-31")
    assert again.exit_code == 2 and again.stderr.strip() == f"reader: error: no papers are featured on {wrong}"
    bad = cli("redate", "--from", "July", "--to", "2025-07-31")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_list_shows_the_year_of_each_day(cli: Cli, tmp_path: Path) -> None:
    one = tmp_path / "last-year.json"
    one.write_text(json.dumps([{"paper": {"id": "2407.00001", "title": "Last Year's Paper"}}]), encoding="utf-8")
    cli("import", str(one), "--date", "2024-07-31")
    cli("import", str(SEED))
    listed = cli("list").stdout
    assert "2407.00001   inbox    2024-07-31" in listed and " 2025-07-31 " in listed


async def test_the_app_shows_the_year_when_two_featured_days_share_month_and_day(tmp_path: Path) -> None:
    from textual.widgets import Static

    from reader.models import Paper
    from reader.resources import SAMPLE_DAY, sample_files
    from reader.tui.app import ReaderApp

    def progress(app: ReaderApp) -> str:
        return app.papers_screen.query_one("#progress", Static).visual.plain  # type: ignore[union-attr]

    with Library.open(tmp_path / "lib") as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
        app = ReaderApp(library)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert "Jul 31 · 0/86 triaged" in progress(app)
        library.import_papers([Paper(id="old-1", title="A paper of 2024", days=["2024-07-31"])])
        assert library.day_needs_year("2025-07-31") and not library.day_needs_year("2025-07-30")
        app = ReaderApp(library)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert "Jul 31, 2025 · 0/86 triaged" in progress(app)
            await pilot.press("left_square_bracket")
            await pilot.pause()
            assert "Jul 31, 2024 · 0/1 triaged" in progress(app)


# -- property tests -------------------------------------------------------------------------------

WORDS = [
    "model",
    "learning",
    "sparse",
    "attention",
    "graph",
    "token",
    "reward",
    "policy",
    "agent",
    "vision",
    "language",
    "retrieval",
    "diffusion",
    "benchmark",
    "memory",
    "planning",
    "reasoning",
    "data",
    "training",
    "scaling",
    "decoder",
    "encoder",
    "layer",
    "signal",
    "robust",
    "small",
    "large",
    "fast",
    "method",
    "study",
    "result",
    "noise",
    "prior",
]
ORGS = ["OCC", "Carnegie Mellon University", "Meta AI", "Qwen", "ByteDance Seed", "Tsinghua University"]
HEADERS = [
    "new",
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "by AK and the research community",
    "byAK and the research community",
    "Daily",
    "Weekly",
    "Monthly",
    "Trending Papers",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _title(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 9))]
    style = rng.choice(["title", "title", "sentence", "colon"])
    if style == "sentence":
        words[0] = words[0].capitalize()
    else:
        words = [w.capitalize() for w in words]
    name = f"Nova{n}"
    text = " ".join(words)
    if style == "colon":
        text = f"{name}: {text}"
    elif rng.random() < 0.5:
        text = f"{text} with {name}"
    else:
        text = f"{name} {text}"
    return text + ("?" if rng.random() < 0.1 else "")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 24))]
    opener = rng.choice(["We", "This paper", "Our", "The", "Existing", "A"])
    return f"{opener} {' '.join(words)}."


def _abstract(rng: random.Random) -> str:
    kind = rng.choice(["none", "short", "long", "long"])
    if kind == "none":
        return ""
    if kind == "short":
        return _sentence(rng)
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 9)))


def _page(seed: int, count: int) -> tuple[str, list[tuple[str, str, str]]]:
    """A page of `count` papers over 1-3 days, each day in the old or the current shape."""
    rng = random.Random(seed)
    lines: list[str] = rng.sample(HEADERS, rng.randint(0, len(HEADERS)))
    expected: list[tuple[str, str, str]] = []
    days = sorted(rng.sample(range(1, 28), rng.randint(1, min(3, count))))
    cuts = sorted(rng.sample(range(1, count), len(days) - 1)) if len(days) > 1 else []
    bounds = [0, *cuts, count]
    for d, day_num in enumerate(days):
        month = rng.randint(1, 12)
        if d:
            lines += rng.sample(HEADERS, rng.randint(0, 3))
        lines.append(f"{MONTHS[month - 1]} {day_num}")
        current = rng.random() < 0.5
        for n in range(bounds[d], bounds[d + 1]):
            title, abstract = _title(rng, n), _abstract(rng)
            if not current and not abstract and not title[0].isupper():
                abstract = _sentence(rng)
            if current:
                lines.append(str(rng.randint(1, 500)) if rng.random() < 0.7 else "-")
            lines.append("\n".join(_wrap(title, rng.randint(30, 60))) if rng.random() < 0.2 else title)
            if abstract:
                width = rng.choice([0, 80, 120, 70])
                lines.append("\n".join(_wrap(abstract, width)) if width else abstract)
            if current:
                trailer = [
                    rng.choice([rng.choice(ORGS), f"{rng.randint(1, 900)} authors", f"- {rng.randint(1, 20)} authors"]),
                    "·",
                    rng.choice([f"{rng.choice(MONTHS)} {rng.randint(1, 28)}", f"Feb {rng.randint(1, 28)}, 2024"]),
                ]
                if rng.random() < 0.8:
                    trailer.append(str(rng.randint(0, 40)))
                lines.append(("\n" if rng.random() < 0.5 else "\n\n").join(trailer))
            expected.append((" ".join(title.split()), abstract, f"2025-{month:02d}-{day_num:02d}"))
    ending = rng.choice(["\n", "\r\n"])
    trailing = rng.choice(["", "  ", "\t"])
    text = "\n\n".join(lines)
    return ending.join(line + trailing for line in text.split("\n")) + ending, expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 14))
def test_a_generated_page_imports_exactly_its_papers_with_their_days(seed: int, count: int) -> None:
    text, expected = _page(seed, count)
    context = ctx(day=date(2025, 1, 1))
    papers = parse_bytes(text.encode(), context)
    assert [(p.title, p.abstract, p.days[0]) for p in papers] == expected, text
    assert context.warnings == []
    assert all(p.id == title_id(p.title) and p.sources == ["hf"] for p in papers)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 10))
def test_a_generated_page_as_a_markdown_clip_imports_the_same_papers(seed: int, count: int) -> None:
    rng = random.Random(seed)
    parts = ["---", "url: https://huggingface.co/papers/date/2025-03-14", "retrieved: 2025-03-14", "---", ""]
    expected = []
    for n in range(count):
        arxiv_id = f"2503.{n + 10000:05d}"
        link = f"https://huggingface.co/papers/{arxiv_id}"
        title, abstract = _title(rng, n), _abstract(rng)
        parts.append(f"[{rng.randint(0, 99)}]({link})")
        parts.append(f"### [{title}]({link})")
        if abstract:
            parts.append(f"[{abstract}]({link})")
        if rng.random() < 0.7:
            parts.append(f"{rng.choice(ORGS)} · Mar {rng.randint(1, 13)}[{rng.randint(0, 9)}]({link}#community)")
        expected.append((arxiv_id, title, abstract, "2025-03-14"))
    papers = parse_bytes("\n\n".join(parts).encode(), ctx("clip.md"))
    assert [(p.id, p.title, p.abstract, p.days[0]) for p in papers] == expected


def test_the_sites_navigation_and_footer_are_chrome_on_a_whole_page_copy() -> None:
    nav = "\n\n".join(["Hugging Face", "Models", "Datasets", "Spaces", "Posts", "Docs", "Enterprise", "Pricing"])
    nav += "\n\nLog In\n\nSign Up\n\n"
    footer = "\n\nSystem theme\n\nCompany\n\nTOS\n\nPrivacy\n\nAbout\n\nJobs\n\nWebsite\n\nModels\n\nLearn\n\nForum\n"
    page = nav + (FIXTURES / "current_page.txt").read_text(encoding="utf-8") + footer
    context = ctx()
    assert len(parse_bytes(page.encode(), context)) == 4
    assert context.warnings == []


def test_a_trailer_on_one_line() -> None:
    page = (
        "Oct 2\n\n9\n\nInline Trailer Paper\n\nAn abstract.\n\n3 authors · May 29\n\n4\n\n"
        "-\n\nOrganisation Inline\n\nAnother abstract.\n\nMeta AI · Feb 27, 2025\n"
    )
    got = rows(page.encode())
    assert [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in got] == [
        ("Inline Trailer Paper", 9, None, 3, "2026-05-29", 4),
        ("Organisation Inline", None, "Meta AI", None, "2025-02-27", None),
    ]
