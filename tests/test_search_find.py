"""One search per keystroke (`SearchIndex.find`): ids and highlights together, narrowing
that survives the app's call pattern, and results equal to a search from scratch."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reader.library import Library
from reader.models import Paper, Status
from reader.search import Highlights, SearchIndex, SearchResult, highlight_spans

WORDS = ["diffusion", "difusion", "diffuse", "reward", "rewards", "model", "modal", "models", "graph", "grasp"]
WORDS += ["learning", "leaning", "Müller", "naïve", "agent", "agents", "smith", "policy"]
WORDS += ["nondiffusive", "unrewarded", "remodel", "paragraph", "submodels"]  # inside words, not at starts


def corpus(count: int, seed: int) -> list[Paper]:
    """Papers whose titles share prefixes and near spellings, so typing crosses every path."""
    rng = random.Random(seed)
    papers = []
    for n in range(count):
        title = " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).capitalize()
        papers.append(
            Paper(
                id=f"s{n:03d}",
                title=title,
                abstract=" ".join(rng.choices(WORDS, k=20)),
                authors=[rng.choice(["Ada Smith", "Zoë Müller", "Alan Smithson", "Carol King"])],
                days=[f"2025-01-{n % 28 + 1:02d}"],
            )
        )
    return papers


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    with Library.open(tmp_path_factory.mktemp("find") / "lib") as opened:
        opened.import_papers(corpus(80, 3))
        opened.set_status([f"s{n:03d}" for n in range(0, 80, 4)], Status.DONE)
        opened.set_tags("s001", ["rl"])
        yield opened


def expected_spans(library: Library, index: SearchIndex, query: str, full_text: bool) -> dict[str, tuple]:
    return {hit.id: hit.title_spans for hit in index.search(query, full_text=full_text)}


@pytest.mark.parametrize("query", ["diffusion", "difusion mod", "naive", "muller", '"reward m', "status:done"])
@pytest.mark.parametrize("full_text", [False, True])
def test_find_returns_ids_and_highlights_in_one_result(library: Library, query: str, full_text: bool) -> None:
    fresh = SearchIndex(library)
    found = SearchIndex(library).find(query, full_text=full_text)
    assert isinstance(found, SearchResult) and isinstance(found.highlights, Highlights)
    assert found.ids == [hit.id for hit in fresh.search(query, full_text=full_text)]
    assert found.ids, query  # every query here finds something
    assert list(found.highlights) == found.ids and len(found.highlights) == len(found.ids)
    assert dict(found.highlights) == expected_spans(library, fresh, query, full_text)
    assert found.scoped == (query == "status:done")
    lit = [pid for pid in found.ids if found.highlights[pid]]
    if query == "status:done":
        assert lit == []  # a filter-only query lights up nothing
    else:
        assert lit
        pid = lit[0]
        assert found.highlights[pid] == highlight_spans(library.paper(pid).title, query) or "difusion" in query
    with pytest.raises(KeyError):
        found.highlights["not-a-hit"]


def test_one_search_per_call_from_the_app(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen's filter call searches the index once (it used to search twice)."""
    from reader.tui.papers_screen import PapersScreen

    runs: list[str] = []
    original = SearchIndex._run

    def counting(self: SearchIndex, query: object, ids: object, full_text: bool) -> tuple[list[int], list[float]]:
        runs.append(self.path)
        return original(self, query, ids, full_text)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "_run", counting)
    screen = SimpleNamespace(library=library)
    ids, spans, scoped = PapersScreen.run_search(screen, "diffusion", full_text=True)  # type: ignore[arg-type]
    assert len(runs) == 1
    assert ids and not scoped
    assert {pid: spans[pid] for pid in ids} == expected_spans(library, SearchIndex(library), "diffusion", True)


def test_narrowing_survives_the_apps_titles_then_full_text_calls(library: Library) -> None:
    index = SearchIndex(library)
    paths = []
    for text in ["d", "di", "dif", "diff", "diffu", "diffus"]:
        for full_text in (False, True):  # what the app's worker does after every keystroke
            index.find(text, full_text=full_text)
            paths.append(index.path)
    # `dif` is the first word matched anywhere, not only at word starts: it starts over.
    assert paths == ["scope"] * 2 + ["narrowed"] * 2 + ["scope"] * 2 + ["narrowed"] * 6
    index.find("diffus m", full_text=False)
    assert index.path == "narrowed"  # a new word searches within the previous result
    for text in ["diffus ", "diffus", "diffu"]:  # deleting goes back to results searched on the way
        index.find(text, full_text=True)
        assert index.path == "reused", text
    index.find("diffuz", full_text=True)
    assert index.path == "narrowed"  # from `diffu`, kept on the way back
    index.find("graph", full_text=True)
    assert index.path == "scope"


def test_narrowing_starts_over_when_the_scope_or_the_library_changes(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        library.import_papers(corpus(20, 5))
        index = library.search_index()
        index.find("mod", full_text=True)
        index.find("mode", ids=library.ids()[:10], full_text=True)
        assert index.path == "scope"
        index.find("model", ids=library.ids()[:10], full_text=True)
        assert index.path == "narrowed"
        library.set_status("s001", Status.DONE)
        index.find("models", ids=library.ids()[:10], full_text=True)
        assert index.path == "scope"


TYPED = ["diffusion", "difusion", "dif", "reward", "rewrd", "model", "mod", "unrew", "graph", "gra", "smith"]
TYPED += ["reward ", "mod ", "di ", " ", '"', "-", "tag:rl ", "status:done ", "author:smi", "di", "m"]
ACTIONS = st.one_of(
    st.tuples(st.just("type"), st.sampled_from(TYPED)),  # letter by letter, a search after each
    st.tuples(st.just("delete"), st.integers(1, 6)),  # backspace, a search after each
    st.tuples(st.just("cut"), st.just(0)),  # the first word deleted (the cursor moved there)
    st.tuples(st.just("status"), st.integers(0, 79)),  # the library changes: a paper's status flips
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, max_size=8), seed=st.integers(0, 3))
@example(actions=[("type", "reward "), ("type", "model"), ("cut", 0)], seed=0)  # `model` was searched on the way
@example(actions=[("type", "di"), ("type", "f")], seed=1)  # `di` matches word starts only, `dif` anywhere
def test_narrowed_searches_equal_fresh_searches(library: Library, actions: list[tuple[str, object]], seed: int) -> None:
    """Typing and deleting in any order, alternating titles and full text: every result (ids
    and highlights) equals that of an index that never narrows."""
    rng = random.Random(seed)
    typed = SearchIndex(library)
    fresh = SearchIndex(library)
    fresh.narrowing = False
    text = ""

    def check() -> None:
        for full_text in rng.sample([False, True], rng.randint(1, 2)):
            got = typed.find(text, full_text=full_text)
            want = fresh.find(text, full_text=full_text)
            assert got.ids == want.ids, (text, full_text)
            assert dict(got.highlights) == dict(want.highlights), (text, full_text)

    for action, value in actions:
        if action == "type":
            for char in str(value):
                text += char
                check()
        elif action == "delete":
            for _ in range(int(str(value))):
                text = text[:-1]
                check()
        elif action == "cut":
            text = text.partition(" ")[2]
            check()
        else:
            pid = f"s{int(str(value)):03d}"
            library.set_status(pid, Status.INBOX if library.status(pid) is Status.DONE else Status.DONE)
            check()


def test_the_steps_kept_for_narrowing_are_bounded(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import reader.search.index as index_module

    monkeypatch.setattr(index_module, "TRAIL_POSITIONS", 40)
    index, fresh = SearchIndex(library), SearchIndex(library)
    fresh.narrowing = False
    query = "reward model"
    for text in [query[:end] for end in range(1, len(query) + 1)] + [query[:end] for end in range(len(query), 0, -1)]:
        assert index.find(text).ids == fresh.find(text).ids, text
        steps = index._trails[True]
        assert len(steps) == 1 or sum(len(s.matched) + len(s.result) for s in steps) <= 40


def test_notes_after_wide_characters_are_found_in_the_right_paper(tmp_path: Path) -> None:
    """The notes (and titles) are searched joined in one UTF-8 blob: a note with emoji or Greek
    letters before the one that holds the word must not shift which paper the hit lands on."""
    notes = {"s000": "🙂🙂🙂🙂🙂🙂 σ-algebra", "s001": "zeta function", "s002": "three", "s003": "four"}
    with Library.open(tmp_path / "lib") as library:
        library.import_papers(corpus(4, 9))
        for pid, text in notes.items():
            library.set_notes(pid, text)
        index = library.search_index()
        for word, holder in [("zeta", "s001"), ("three", "s002"), ("σ-alg", "s000"), ("four", "s003")]:
            assert [pid for pid in index.find(word, full_text=True).ids if word in notes[pid]] == [holder], word


def test_notes_already_folded_are_kept_once(tmp_path: Path) -> None:
    """A note that folding leaves as it is (lower case, single spaces) is searched as the note
    itself, not a copy; one that folding changes is searched folded."""
    with Library.open(tmp_path / "lib") as library:
        library.import_papers(corpus(3, 4))
        library.set_notes("s000", "plain lower case note")
        library.set_notes("s001", "Mixed  Case Note")
        index = library.search_index()
        assert index.find("lower case", full_text=True).ids == ["s000"]
        assert index.find("mixed case", full_text=True).ids == ["s001"]
        positions = {pid: n for n, pid in enumerate(library.papers)}
        assert index._notes[positions["s000"]] is library.state("s000").notes
        assert index._notes[positions["s001"]] == "mixed case note"
