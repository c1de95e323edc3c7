"""A large library's title arrays (`_WordStarts`, `_TitlePairs`) give exactly the plain search's
answer: the same ids in the same order, scores and highlights, while typing, deleting, in a
scope, with filters, and while papers, titles, notes and statuses change between keys.

The arrays are used from `TITLE_ARRAYS_FROM` papers on; here it is set to 0 so that a small
library takes that path, and compared with an index that never takes it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.library import Library
from reader.models import Paper, Status
from reader.search import SearchIndex
from reader.search import index as index_module

WORDS = ["diffusion", "difusion", "diffuse", "nondiffusive", "modified", "di", "d", "a", "2d", "3d-gs"]
WORDS += ["x-ray", "(diffusion)", "di-fusion", "self_distillation", "Müller", "naïve", "éclair", "αβ-blend"]
WORDS += ["μ-param", "中文模型", "d’être", "model", "remodel", "Diffusion:", "the", "other", "theta", "ion"]
WORDS += ["étude", "αγ", "中国"]  # first letters beyond ASCII shared with other words

QUERIES = ["diffus", "d", "di", "dif", "a", "2d", "3d", "x", "xr", "x-r", "mu", "μ", "μ-", "é", "éc", "ec"]
QUERIES += ["naive", "muller", "αβ", "β", "中文", "文", "the", "other ion", "self", "_d", "d’", "modle"]
QUERIES += ["di mod", "-d model", "-di", "status:done di", "tag:rl d", '"di', '"the m', "remodel -dif"]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(2, 7))).capitalize()


def _corpus(count: int, seed: int) -> list[Paper]:
    rng = random.Random(seed)
    return [
        Paper(
            id=f"p{n:03d}",
            title=_title(rng),
            abstract=" ".join(rng.choices(WORDS, k=12)),
            days=[f"2025-02-{n % 28 + 1:02d}"],
        )
        for n in range(count)
    ]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as opened:
        opened.import_papers(_corpus(120, 5))
        opened.set_status([f"p{n:03d}" for n in range(0, 120, 3)], Status.DONE)
        opened.set_tags("p004", ["rl"])
        yield opened


class _Pair:
    """An index that uses the title arrays and one that never does, asked the same things."""

    def __init__(self, library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
        self.arrays = SearchIndex(library)
        self.plain = SearchIndex(library)
        self.monkeypatch = monkeypatch

    def check(self, text: str, ids: list[str] | None = None, full_text: bool = False) -> None:
        self.monkeypatch.setattr(index_module, "TITLE_ARRAYS_FROM", 0)
        got = self.arrays.find(text, ids=ids, full_text=full_text)
        got_hits = self.arrays.search(text, ids=ids, full_text=full_text)
        self.monkeypatch.setattr(index_module, "TITLE_ARRAYS_FROM", 10**9)
        want = self.plain.find(text, ids=ids, full_text=full_text)
        want_hits = self.plain.search(text, ids=ids, full_text=full_text)
        assert got.ids == want.ids, (text, full_text)
        assert dict(got.highlights) == dict(want.highlights), (text, full_text)
        assert [(h.id, h.score, h.title_spans) for h in got_hits] == [
            (h.id, h.score, h.title_spans) for h in want_hits
        ], (text, full_text)

    def typed(self, query: str, ids: list[str] | None = None, full_text: bool = False) -> None:
        """`query` typed letter by letter, then deleted letter by letter."""
        ends = [*range(1, len(query) + 1), *range(len(query) - 1, -1, -1)]
        for end in ends:
            self.check(query[:end], ids, full_text)


@pytest.mark.parametrize("full_text", [False, True])
def test_title_arrays_give_the_plain_result_while_typing(
    library: Library, monkeypatch: pytest.MonkeyPatch, full_text: bool
) -> None:
    pair = _Pair(library, monkeypatch)
    scope = library.ids()[::2]
    for query in QUERIES:
        pair.typed(query, full_text=full_text)
        pair.typed(query, ids=scope, full_text=full_text)
    assert pair.arrays._word_starts is not None  # the arrays ran
    assert (pair.arrays._title_pairs is not None) is not full_text  # titles only
    assert pair.arrays._spaced is None and pair.plain._spaced is not None


@pytest.mark.parametrize("stale", [0, 1_000])
def test_title_arrays_follow_papers_titles_notes_and_statuses_changing_between_keys(
    library: Library, monkeypatch: pytest.MonkeyPatch, stale: int
) -> None:
    """With `STALE_TITLES` 0 the arrays are built again on every change; with 1,000 the changed
    and added titles are tested one by one next to them."""
    monkeypatch.setattr(index_module, "STALE_TITLES", stale)
    pair = _Pair(library, monkeypatch)
    rng = random.Random(9)
    changes = [
        lambda: library.import_papers([Paper(id="p007", title="Di di difference engine", days=["2025-03-01"])]),
        lambda: library.import_papers([Paper(id="new1", title="A diffusion model, anew", days=["2025-03-02"])]),
        lambda: library.import_papers([Paper(id="p011", title="Quokka zebra, at all", days=["2025-03-03"])]),
        lambda: library.set_notes("p013", "diffusion notes"),
        lambda: library.set_status("p014", Status.DONE),
        lambda: library.import_papers([Paper(id="p020", title=_title(rng), days=["2025-03-04"])]),
        lambda: library.import_papers([Paper(id=f"new{n}", title=_title(rng)) for n in range(2, 6)]),
    ]
    query = "status:done diffus"
    for change in changes:
        for end in range(len("status:done "), len(query) + 1):
            pair.check(query[:end])
            pair.check(query[:end], full_text=True)
        change()
        for text in ("di", "dif", "-d a", "quokk", "zeb", "q", "ze"):
            pair.check(text)
    if stale:  # the arrays were kept: the changes were tested title by title
        assert pair.arrays._word_starts is not None and pair.arrays._word_starts.changed
        assert pair.arrays._title_pairs is not None and pair.arrays._title_pairs.changed


def test_title_arrays_are_not_built_for_a_small_library(library: Library) -> None:
    index = SearchIndex(library)
    for query in ("d", "dif", "-di a"):
        index.find(query, full_text=False)
    assert index._word_starts is None and index._title_pairs is None


@pytest.mark.parametrize("chunk", [7, 8_192])
def test_word_starts_match_spaced_titles_for_every_one_and_two_letter_needle(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Every needle of one or two letters or digits found in some title: the titles whose
    spaced title holds it after a space, exactly (ASCII, accents, other scripts), however
    many titles are turned into arrays at a time."""
    from reader.search.fold import fold, spaced_title

    monkeypatch.setattr(index_module, "CHUNK", chunk)
    rng = random.Random(2)
    titles = ["kw once", *(fold(_title(rng)) for _ in range(300)), "", "d", "-", "ab", "a\nb", "x\0y", "1 2", "ĳ"]
    starts = index_module._WordStarts(titles)
    spaced = [spaced_title(t) for t in titles]
    needles = {w[:n] for s in spaced for w in s.split() for n in (1, 2)} | {"zz", "q"}
    for needle in sorted(needles):
        want = [i for i, s in enumerate(spaced) if " " + needle in s]
        got = [int(i) for i in (starts.marks(needle, titles) == 2).nonzero()[0]]
        assert got == want, needle


def test_title_pairs_never_leave_out_a_title_that_holds_the_needle() -> None:
    from reader.search.fold import fold

    rng = random.Random(3)
    titles = [fold(_title(rng)) for _ in range(300)]
    pairs = index_module._TitlePairs(titles)
    needles = {t[i : i + n] for t in titles for i in range(0, len(t), 5) for n in (2, 3, 6)}
    skipped = 0
    for needle in sorted(needles):
        maybe = pairs.candidates(needle, len(titles))
        if maybe is None:
            continue
        assert all(maybe[i] for i, t in enumerate(titles) if needle in t), needle
        skipped += int((~maybe).sum())
    assert skipped  # and it does leave some out


def test_title_tier_is_word_start_exactly_when_some_occurrence_follows_no_letter_or_digit() -> None:
    """`_title_tier` against the definition (the tier every path gives a title hit)."""
    tier = index_module._title_tier
    rng = random.Random(4)
    for _ in range(3_000):
        title = "".join(rng.choices("ab -é1", k=rng.randint(0, 9)))
        needle = "".join(rng.choices("ab é", k=rng.randint(0, 3)))
        starts = [k for k in range(len(title) + 1) if title.startswith(needle, k)]
        want = None
        if starts:
            word_start = any(k == 0 or not title[k - 1].isalnum() for k in starts)
            want = index_module.TITLE_WORD_START if word_start else index_module.TITLE_INSIDE
        assert tier(title, needle) == want, (title, needle)


def test_the_byte_pairs_are_built_from_the_second_longer_needle_on(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command searches once: one plain scan costs less than building the signatures."""
    monkeypatch.setattr(index_module, "TITLE_ARRAYS_FROM", 0)
    index = SearchIndex(library)
    index.find("diffusion", full_text=False)
    assert index._title_pairs is None
    index.find("model", full_text=False)
    assert index._title_pairs is not None
