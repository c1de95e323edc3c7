"""The detail pane's text: built from literal parts, readable, and safe for any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.models import Paper, Status, UserState
from reader.tui.detail import abstract_content, day_label, paper_content
from reader.tui.tags_dialog import split_tags

HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from([*"[]/@=\"'$*~`\\%{}", "\x1b", "\x07", "\x9b", "\u202e", "\n", "\t"]),
        st.characters(),
    ),
    max_size=80,
)


def test_abstract_is_made_readable() -> None:
    content = abstract_content("We get 90\\% with ``weak'' labels~and **bold** claims at https://x.org/a.")
    assert content.plain == "We get 90% with \u201cweak\u201d labels and bold claims at https://x.org/a."
    styles = {(span.start, span.end): str(span.style) for span in content.spans}
    start = content.plain.index("bold")
    assert styles[(start, start + 4)] == "bold"
    url = content.plain.index("https://x.org/a")
    assert (url, url + len("https://x.org/a")) in styles


def test_paper_content_shows_every_fact() -> None:
    paper = Paper(
        id="2507.00001",
        title="A title",
        abstract="An abstract.",
        authors=[f"Author {i}" for i in range(15)],
        arxiv_id="2507.00001",
        days=["2025-07-30", "2025-07-31"],
        upvotes=12,
        ai_summary="In short.",
        ai_keywords=["rl", "llm"],
        github_url="github.com/x/y",
        project_url="x.org",
    )
    text = paper_content(paper, UserState(status=Status.READING, tags=["rl"])).plain
    for expected in (
        "A title",
        "Author 0, Author 1",
        "+ 3 more",
        "reading",
        "featured Jul 30, 2025, Jul 31, 2025",
        "▲12",
        "#rl",
        "arxiv.org/abs/2507.00001",
        "arxiv.org/pdf/2507.00001",
        "huggingface.co/papers/2507.00001",
        "github.com/x/y",
        "x.org",
        "AI summary  In short.",
        "keywords  rl, llm",
        "An abstract.",
    ):
        assert expected in text


def test_day_label() -> None:
    assert day_label("2025-07-31") == "Jul 31, 2025"
    assert day_label("2025-07-01", year=False) == "Jul 1"
    assert day_label("not a day") == "not a day"


@settings(max_examples=150, deadline=None)
@given(title=HOSTILE, abstract=HOSTILE, tag=HOSTILE)
def test_any_text_renders_literally_without_control_bytes(title: str, abstract: str, tag: str) -> None:
    paper = Paper(id="x", title=title, abstract=abstract, authors=[title], ai_summary=title, days=["2025-07-31"])
    content = paper_content(paper, UserState(tags=[tag] if tag else []))
    plain = content.plain
    assert "\x1b" not in plain and "\x07" not in plain and "\x9b" not in plain and "\u202e" not in plain
    for span in content.spans:
        assert 0 <= span.start <= span.end <= len(plain)


def test_split_tags_accepts_spaces_and_commas() -> None:
    assert split_tags("rl, later  #nlp") == ["rl", "later", "#nlp"]
