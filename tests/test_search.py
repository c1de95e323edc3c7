"""The filter language and ranking (`reader.search`), proven through a real library on disk."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.library import Library
from reader.models import Paper, Status
from reader.search import Hit, SearchIndex, highlight_spans, parse_query

PAPERS = [
    Paper(
        id="rl",
        title="Deep Reinforcement Learning for Robot Control",
        abstract="We train robots with policy gradients.",
        authors=["Jürgen Schmidhuber", "Ada Smith"],
        days=["2025-07-30"],
        upvotes=10,
        github_url="https://github.com/example/robots",
    ),
    Paper(
        id="gnn",
        title="Graph Neural Networks at Scale",
        abstract="A reinforcement learning approach to message passing on large graphs.",
        authors=["Alan Turing"],
        days=["2025-07-31"],
        upvotes=5,
        ai_summary="Scales graph networks to billions of edges.",
        ai_keywords=["graphs", "scaling"],
    ),
    Paper(
        id="cafe",
        title="Café Models: A Naïve Approach to Espresso",
        abstract="Nothing about learning here, unlike the former approach.",
        authors=["Zoë Müller"],
        days=["2025-07-31"],
        upvotes=1,
    ),
    Paper(
        id="video",
        title="Diffusion Transformers for Video",
        abstract="Video generation with diffusion.",
        authors=["Bob Smithson"],
        days=["2024-07-31"],
        upvotes=0,
    ),
    Paper(
        id="mp",
        title="Message Passing Is All You Need",
        abstract="We revisit neural networks on graphs.",
        authors=["Carol King"],
        days=["2025-07-31"],
        upvotes=3,
    ),
    Paper(
        id="typo",
        title="Transfromer Tricks and Ratio:Accuracy Trade-offs",
        abstract="Typos happen in titles too.",
        authors=["Dana Lee"],
        days=["2025-07-29"],
    ),
]
ALL = {p.id for p in PAPERS}


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib")
    library.import_papers([Paper.from_dict(p.to_dict()) for p in PAPERS])
    try:
        yield library
    finally:
        library.close()


def ids(library: Library, query: str, **options: object) -> list[str]:
    return [hit.id for hit in library.search_index().search(query, **options)]  # type: ignore[arg-type]


# -- field terms -----------------------------------------------------------------------------


def test_status_term_accepts_spellings_and_unknown_status_matches_nothing(lib: Library) -> None:
    lib.set_status("rl", Status.READING)
    lib.set_status("gnn", Status.TO_READ)
    lib.set_status("cafe", Status.SKIPPED)
    assert ids(lib, "status:reading") == ["rl"]
    for spelling in ("to-read", "toread", "TO_READ", "todo"):
        assert ids(lib, f"status:{spelling}") == ["gnn"]
    assert ids(lib, "status:skip") == ["cafe"]
    assert set(ids(lib, "status:inbox")) == {"video", "mp", "typo"}
    assert ids(lib, "status:nonsense") == []
    assert set(ids(lib, "-status:inbox")) == {"rl", "gnn", "cafe"}
    assert set(ids(lib, "status:reading,to-read")) == {"rl", "gnn"}


def test_tag_term_matches_normalised_tags(lib: Library) -> None:
    lib.set_tags("gnn", ["rl", "Graphs"])
    lib.set_tags("mp", ["#Later"])
    assert ids(lib, "tag:rl") == ["gnn"]
    assert ids(lib, "tag:RL") == ["gnn"]
    assert ids(lib, "tag:graphs") == ["gnn"]
    assert ids(lib, "tag:later") == ["mp"]
    assert ids(lib, "tag:r") == []  # a tag is matched whole
    assert set(ids(lib, "-tag:rl")) == ALL - {"gnn"}


def test_author_term_is_a_case_and_accent_insensitive_substring(lib: Library) -> None:
    assert set(ids(lib, "author:smith")) == {"rl", "video"}
    assert ids(lib, "author:muller") == ["cafe"]
    assert ids(lib, "author:MÜLLER") == ["cafe"]
    assert ids(lib, "author:zoe") == ["cafe"]
    assert ids(lib, 'author:"ada smith"') == ["rl"]
    assert set(ids(lib, "-author:smith")) == ALL - {"rl", "video"}


def test_day_term_takes_a_date_latest_or_month_day(lib: Library) -> None:
    assert set(ids(lib, "day:2025-07-31")) == {"gnn", "cafe", "mp"}
    assert set(ids(lib, "day:latest")) == {"gnn", "cafe", "mp"}
    assert set(ids(lib, "day:07-31")) == {"gnn", "cafe", "mp", "video"}
    assert ids(lib, "day:2025-07-30") == ["rl"]
    assert set(ids(lib, "day:2024")) == {"video"}
    assert ids(lib, "day:yesterday-ish") == []
    assert set(ids(lib, "-day:latest")) == {"rl", "video", "typo"}


def test_has_terms(lib: Library) -> None:
    lib.set_notes("cafe", "Bring a grinder.")
    lib.set_tags("video", ["vision"])
    assert ids(lib, "has:notes") == ["cafe"]
    assert ids(lib, "has:tags") == ["video"]
    assert ids(lib, "has:code") == ["rl"]
    assert ids(lib, "has:summary") == ["gnn"]
    assert set(ids(lib, "-has:code")) == ALL - {"rl"}
    assert ids(lib, "has:unicorns") == []
    lib.set_notes("cafe", "   ")
    assert ids(lib, "has:notes") == []  # blank notes are no notes


def test_terms_combine_with_and(lib: Library) -> None:
    lib.set_tags("gnn", ["rl"])
    lib.set_tags("mp", ["rl"])
    assert ids(lib, "tag:rl day:latest networks") == ["gnn", "mp"]
    assert ids(lib, "tag:rl author:turing") == ["gnn"]
    assert ids(lib, "tag:rl -author:turing") == ["mp"]
    assert ids(lib, "tag:rl author:turing -graph") == []


# -- free text -------------------------------------------------------------------------------


def test_phrase_is_a_case_insensitive_substring(lib: Library) -> None:
    assert ids(lib, '"MESSAGE passing"') == ["mp", "gnn"]  # title before abstract
    assert ids(lib, '"message passing"', full_text=False) == ["mp"]
    assert ids(lib, '"passing message"') == []
    assert ids(lib, '"message pass') == ["mp", "gnn"]  # an unclosed quote runs to the end


def test_negated_words_and_phrases_exclude(lib: Library) -> None:
    assert set(ids(lib, "-reinforcement")) == ALL - {"rl", "gnn"}
    assert set(ids(lib, "-reinforcement", full_text=False)) == ALL - {"rl"}
    assert ids(lib, "learning -robot") == ["gnn", "cafe"]
    assert set(ids(lib, '-"message passing"')) == ALL - {"mp", "gnn"}


def test_typo_tolerant_words(lib: Library) -> None:
    hits = lib.search_index().search("reinforcment")
    assert [h.id for h in hits] == ["rl", "gnn"]
    assert hits[0].title_spans == ((5, 18),)  # the whole of "Reinforcement"
    assert ids(lib, "reinforcment", full_text=False) == ["rl"]
    assert ids(lib, "robto") == ["rl"]  # a transposition
    assert ids(lib, "netwrks scale") == ["gnn"]


def test_half_typed_word_matches_and_is_highlighted(lib: Library) -> None:
    hits = lib.search_index().search("reinf")
    assert [h.id for h in hits] == ["rl", "gnn"]
    assert hits[0].title_spans == ((5, 10),)
    assert hits[1].title_spans == ()  # matched in the abstract only
    assert ids(lib, "transf") == ["typo", "video"]  # both at a word start: scope order


def test_one_or_two_letters_match_only_word_starts_in_titles(lib: Library) -> None:
    assert ids(lib, "ra") == ["typo"]  # "Ratio:Accuracy", not "Graph" nor any abstract
    assert ids(lib, "ne") == ["gnn", "mp"]  # "Neural", "Need"
    assert ids(lib, "R") == ["rl", "typo"]  # "Reinforcement" and "Robot", "Ratio"
    hits = lib.search_index().search("ne", ids=["gnn"])
    assert hits[0].title_spans == ((6, 8), (13, 15))  # "Neural Networks"
    assert ids(lib, "ss") == []  # only inside words ("Message Passing")
    assert ids(lib, "rei") == ["rl", "gnn"]  # from three letters on: anywhere, abstracts too


def test_words_are_accent_insensitive(lib: Library) -> None:
    assert ids(lib, "cafe naive") == ["cafe"]
    assert ids(lib, "CAFÉ") == ["cafe"]


def test_title_hits_rank_above_abstract_only_hits_whatever_the_scope_order(lib: Library) -> None:
    index = lib.search_index()
    assert [h.id for h in index.search("reinforcement", ids=["gnn", "rl"])] == ["rl", "gnn"]
    scores = {h.id: h.score for h in index.search("reinforcement")}
    assert scores["rl"] > scores["gnn"] > 0


def test_a_match_inside_a_title_word_still_ranks_above_an_abstract_match(lib: Library) -> None:
    hits = lib.search_index().search("former", ids=["cafe", "video"])
    assert [h.id for h in hits] == ["video", "cafe"]  # "Transformers" in the title, "former" in the abstract
    assert hits[0].title_spans == ((15, 21),)


def test_exact_matches_rank_above_typo_matches(lib: Library) -> None:
    hits = lib.search_index().search("transformer", ids=["typo", "video"])
    assert [h.id for h in hits] == ["video", "typo"]
    assert hits[0].score > hits[1].score
    assert hits[1].title_spans == ((0, 11),)  # "Transfromer", found by its near spelling


def test_equal_scores_keep_scope_order(lib: Library) -> None:
    index = lib.search_index()
    assert [h.id for h in index.search("networks", ids=["mp", "gnn"])] == ["gnn", "mp"]  # title first
    assert [h.id for h in index.search("graphs", ids=["mp", "gnn"])] == ["mp", "gnn"]  # both abstract
    assert [h.id for h in index.search("graphs", ids=["gnn", "mp"])] == ["gnn", "mp"]


def test_full_text_covers_abstract_authors_summary_keywords_and_notes(lib: Library) -> None:
    lib.set_notes("video", "Compare with the zanzibar baseline.")
    for query, expected in [
        ("policy", "rl"),  # abstract
        ("turing", "gnn"),  # authors
        ("billions", "gnn"),  # AI summary
        ("scaling", "gnn"),  # keywords
        ("zanzibar", "video"),  # notes
    ]:
        assert ids(lib, query) == [expected], query
        assert ids(lib, query, full_text=False) == [], query


# -- scope and order -------------------------------------------------------------------------


def test_filter_only_queries_keep_the_scope_order(lib: Library) -> None:
    index = lib.search_index()
    scope = ["typo", "mp", "rl", "video"]
    hits = index.search("status:inbox", ids=scope)
    assert [h.id for h in hits] == scope
    assert all(h.score == 0.0 and h.title_spans == () for h in hits)
    assert [h.id for h in index.search("", ids=scope)] == scope
    assert [h.id for h in index.search("")] == lib.ids()


def test_search_stays_within_the_scope(lib: Library) -> None:
    index = lib.search_index()
    assert ids(lib, "networks", ids=["mp"]) == ["mp"]
    assert index.search("networks", ids=[]) == []
    assert [h.id for h in index.search("networks", ids=["nope", "mp"])] == ["mp"]  # unknown ids skipped
    assert ids(lib, "reinforcement", ids=["cafe", "video"]) == []


def test_hits_from_a_search_behave_like_plain_hits(lib: Library) -> None:
    hit = lib.search_index().search("reinforcment")[0]
    plain = Hit(hit.id, hit.score, ((5, 18),))
    assert hit == plain and hash(hit) == hash(plain)
    assert "(5, 18)" in repr(hit)
    assert dataclasses.replace(hit, score=1.0) == Hit(hit.id, 1.0, ((5, 18),))
    assert Hit("x", 0.0).title_spans == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.title_spans = ()  # type: ignore[misc]


def test_search_ids_agrees_with_search(lib: Library) -> None:
    index = lib.search_index()
    for query in ("reinforcment", "status:inbox", "networks", '"message pass', "-graph learning"):
        assert index.search_ids(query) == [h.id for h in index.search(query)]


def _corpus(count: int) -> list[Paper]:
    """Papers whose titles share prefixes and near spellings, so typing crosses every path."""
    rng = random.Random(4)
    words = ["learning", "leaning", "earning", "yearning", "learned", "learner", "model", "modal", "models"]
    words += ["diffusion", "diffuse", "difusion", "transformer", "transfer", "transform", "graph", "grasp"]
    words += ["grapheme", "agent", "agents"]
    papers = []
    for n in range(count):
        title = " ".join(rng.choices(words, k=rng.randint(3, 7))).capitalize()
        abstract = " ".join(rng.choices(words, k=30))
        papers.append(Paper(id=f"s{n:03d}", title=title, abstract=abstract, days=[f"2025-01-{n % 28 + 1:02d}"]))
    return papers


def test_narrowing_while_typing_gives_the_same_results_as_fresh_searches(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        library.import_papers(_corpus(150))
        library.set_status([f"s{n:03d}" for n in range(0, 150, 3)], Status.DONE)
        index = library.search_index()
        scope = library.ids()[::2]
        queries = [
            "learning",
            "difusion transformer",
            "status:done grapheme",
            '"model diff',
            "agents -modal lea",
            "yearnin",
        ]
        for query in queries:
            for full_text in (False, True):
                for ids_ in (None, scope):
                    for end in range(1, len(query) + 1):
                        typed = index.search(query[:end], ids=ids_, full_text=full_text)
                        fresh = SearchIndex(library).search(query[:end], ids=ids_, full_text=full_text)
                        assert typed == fresh, (query[:end], full_text, ids_ is None)


def test_extending_the_last_word_narrows_instead_of_rescanning(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    index = lib.search_index()
    index.search("status:inbox rei")
    scans: list[int] = []
    original = SearchIndex._filtered

    def counting(self: SearchIndex, *args: object, **kwargs: object) -> list[int]:
        scans.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "_filtered", counting)
    assert [h.id for h in index.search("status:inbox reinf")] == ["rl", "gnn"]
    assert scans == []
    index.search("status:inbox reinf networks")  # a new word narrows within the last result
    assert scans == []
    index.search("status:inbox graph")  # not an extension, but the same filters: kept
    assert scans == []
    index.search("status:done graph")  # other filters: starts over
    assert scans == [1]


# -- keeping up with the library ---------------------------------------------------------------


def test_refresh_takes_in_imported_and_changed_papers(lib: Library) -> None:
    index = lib.search_index()
    assert ids(lib, "quantum") == []
    lib.import_papers([Paper(id="q", title="Quantum Widgets", abstract="Qubits.", days=["2025-08-01"])])
    assert lib.search_index() is index  # refreshed, not rebuilt
    assert ids(lib, "quantum") == ["q"]
    assert ids(lib, "day:latest") == ["q"]
    lib.import_papers([Paper(id="rl", title="Deep Reinforcement Learning for Robot Control, Revisited")])
    assert ids(lib, "revisited") == ["rl"]
    assert ids(lib, "revisted") == ["rl"]  # the vocabulary knows the new word too


def test_refresh_takes_in_note_changes(lib: Library) -> None:
    index = lib.search_index()
    assert index.search("zanzibar") == []
    lib.set_notes("video", "Compare with the zanzibar baseline.")
    assert ids(lib, "zanzibar") == ["video"]
    assert ids(lib, "zanzibr") == ["video"]  # note words are typo-tolerant too
    lib.set_notes("video", "Nothing to see.")
    assert ids(lib, "zanzibar") == []


def test_the_index_notices_state_changes_by_itself(lib: Library) -> None:
    index = lib.search_index()
    assert index.search("status:done") == []
    lib.set_status("mp", Status.DONE)
    assert [h.id for h in index.search("status:done")] == ["mp"]  # without library.search_index()
    lib.set_notes("mp", "a squid")
    assert [h.id for h in index.search("squid")] == ["mp"]


# -- the parser --------------------------------------------------------------------------------


def test_parse_query_reads_terms_negations_and_quoted_values() -> None:
    query = parse_query('graph "Message Passing" -tag:skip author:"van der Berg" -old foo:bar status:')
    kinds = [(t.kind, t.value, t.negated) for t in query.terms]
    assert kinds == [
        ("word", "graph", False),
        ("phrase", "message passing", False),
        ("tag", "skip", True),
        ("author", "van der berg", False),
        ("word", "old", True),
        ("word", "foo:bar", False),  # an unknown field is a plain word
    ]  # `status:` with no value yet is no filter
    assert query.words == ("graph", "foo:bar")
    assert query.phrases == ("message passing",)
    assert query.ranked


def test_unknown_field_is_searched_as_text(lib: Library) -> None:
    assert ids(lib, "ratio:accuracy") == ["typo"]
    assert ids(lib, "nofield:accuracy") == []


def test_scoped_means_the_query_names_a_status_or_day() -> None:
    assert parse_query("status:done").scoped
    assert parse_query("-status:done graph").scoped
    assert parse_query("day:latest").scoped
    assert not parse_query("tag:rl graph").scoped
    assert not parse_query("status:").scoped
    assert not parse_query("").scoped


HOSTILE = [
    "",
    " ",
    "-",
    "--",
    '"',
    '""',
    '"unbalanced',
    'a "b',
    "[",
    "[/]",
    "[@click=app.quit]x[/]",
    "status:",
    "status:???",
    "-status:",
    "tag:",
    "day:",
    "has:",
    "author:",
    ":",
    "::::",
    ".*+?()[]{}|^$\\",
    "(?P<x>",
    "\\",
    "\x1b[2J\x07",
    "\x00",
    "ﬁ İ ß ς Σ",
    "🙂 👍🏽",
    "\u202e reversed",
    "a" * 10_000,
    "word " * 2_000,
    " ".join(f"w{n}" for n in range(2_000)),
    "-" * 10_000,
    '"' * 10_001,
    "x:" * 5_000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(lib: Library, query: str) -> None:
    parsed = parse_query(query)
    index = lib.search_index()
    for full_text in (False, True):
        hits = index.search(query, full_text=full_text)
        assert all(isinstance(h, Hit) and h.id in ALL for h in hits)
        assert index.search(parsed, ids=["rl", "nope"], full_text=full_text) is not None
    for paper in PAPERS:
        for start, end in highlight_spans(paper.title, parsed):
            assert 0 <= start < end <= len(paper.title)


def test_empty_and_dash_only_queries_match_everything(lib: Library) -> None:
    for query in ("", "   ", "-", "status:", '"'):
        assert ids(lib, query) == lib.ids(), query


# -- highlighting ------------------------------------------------------------------------------


def test_highlight_spans_map_folded_matches_back_to_the_original_text() -> None:
    title = "Café Models: A Naïve Approach"
    assert highlight_spans(title, parse_query("naive cafe")) == ((0, 4), (15, 20))
    ligature = "Straße ﬁne-tuning"  # "ﬁ" folds to two letters
    assert highlight_spans(ligature, parse_query("fine")) == ((7, 10),)
    assert ligature[7:10] == "ﬁne"
    assert highlight_spans(ligature, parse_query("tuning")) == ((11, 17),)
    dotted = "İstanbul Models"  # "İ".lower() is two characters
    assert highlight_spans(dotted, parse_query("models")) == ((9, 15),)


def test_highlight_spans_merge_overlaps_and_skip_negated_terms() -> None:
    title = "Reinforcement Learning"
    assert highlight_spans(title, parse_query("rein reinforcement")) == ((0, 13),)
    assert highlight_spans(title, parse_query('"reinforcement learning" learn')) == ((0, 22),)
    assert highlight_spans(title, parse_query("-learning reinforcement")) == ((0, 13),)
    assert highlight_spans(title, parse_query("status:done tag:rl")) == ()
    assert highlight_spans(title, "reinforcment") == ((0, 13),)  # a typo lights up the word


# -- the command line and the layers -----------------------------------------------------------


def test_cli_list_query_json_returns_the_matching_ids(tmp_path: Path) -> None:
    path = tmp_path / "lib"
    with Library.open(path) as library:
        library.import_papers([Paper.from_dict(p.to_dict()) for p in PAPERS])
        library.set_status("gnn", Status.TO_READ)
    runner = CliRunner()

    def listed(query: str, *extra: str) -> list[str]:
        result = runner.invoke(cli, ["--db", str(path), "list", "--query", query, "--json", *extra])
        assert result.exit_code == 0, result.output
        return [record["id"] for record in json.loads(result.output)]

    assert listed("reinforcment") == ["rl", "gnn"]
    assert listed("status:toread") == ["gnn"]
    assert listed("reinforcement -status:to-read") == ["rl"]
    assert listed('"message passing"') == ["mp", "gnn"]
    assert listed("networks", "--status", "inbox") == ["mp"]
    assert listed("[/]") == []


def test_search_module_never_imports_textual() -> None:
    code = "import sys, reader.search; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
