"""The "for you" order: learned from the user's decisions, explained, moved by the watchlist."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from reader import foryou
from reader.library import Library
from reader.models import Paper
from reader.search import fold
from tests.conftest import Cli
from tests.test_cli import load_seed

TASTE = re.compile(r"reason|math|reward|rl\b|reinforcement", re.IGNORECASE)


def triage_by_taste(cli: Cli, ids: list[str], count: int = 50) -> tuple[list[str], list[str]]:
    """Keep the first `count` papers that match the taste, skip the others (through the CLI)."""
    data = {r["id"]: r for r in json.loads(cli("list", "--json").stdout)}
    kept = [pid for pid in ids[:count] if TASTE.search(data[pid]["title"])]
    skipped = [pid for pid in ids[:count] if pid not in kept]
    assert cli("mark", *kept, "to-read").exit_code == 0
    assert cli("mark", *skipped, "skipped").exit_code == 0
    return kept, skipped


def ranked(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("list", "--status", "inbox", "--sort", "for-you", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cold_start_keeps_the_page_order(cli: Cli) -> None:
    ids = load_seed(cli)
    rows = ranked(cli)
    assert [r["id"] for r in rows] == ids
    assert all(r["score"] == 0.5 for r in rows)
    assert "page order" in str(rows[0]["reason"])


def test_the_order_follows_the_decisions(cli: Cli) -> None:
    ids = load_seed(cli)
    kept, _ = triage_by_taste(cli, ids)
    assert len(kept) >= 5
    rows = ranked(cli)
    inbox = [r["id"] for r in rows]
    assert sorted(inbox) == sorted(ids[50:])
    taste = [bool(TASTE.search(str(r["title"]))) for r in rows]
    # the papers to the user's taste come first: far more of them in the top 10 than in page order
    assert sum(taste[:10]) >= 7
    page = {r["id"]: bool(TASTE.search(str(r["title"]))) for r in rows}
    assert sum(taste[:10]) > sum(page[pid] for pid in ids[50:60])
    scores = [float(r["score"]) for r in rows]  # type: ignore[arg-type]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_a_reason_names_words_found_in_the_paper(cli: Cli) -> None:
    ids = load_seed(cli)
    triage_by_taste(cli, ids)
    rows = ranked(cli)
    top = rows[0]
    reason = str(top["reason"])
    text = fold(f"{top['title']} {top['abstract']} {top['ai_summary'] or ''} {' '.join(top['ai_keywords'])}")  # type: ignore[arg-type]
    words = [w.strip() for part in reason.split(" · ") if '"' not in part for w in part.split(",")]
    assert words, reason
    for word in words:
        assert fold(word) in text, (word, reason)
    assert any(re.search(r'^like ".+" (and \d+ more )?you kept · ', str(r["reason"])) for r in rows[:5])
    bottom = rows[-1]
    assert str(bottom["reason"]).startswith("weighs against") or float(bottom["score"]) >= 0.5  # type: ignore[arg-type]


def test_why_prints_the_full_reason(cli: Cli) -> None:
    ids = load_seed(cli)
    triage_by_taste(cli, ids)
    top = ranked(cli)[0]
    result = cli("why", str(top["id"]))
    assert result.exit_code == 0
    assert str(top["title"]) in result.stdout
    assert f"score {float(top['score']):.2f}" in result.stdout  # type: ignore[arg-type]
    assert "learned from 50 decisions" in result.stdout


def _mentions(record: dict[str, object], word: str) -> bool:
    text = fold(f"{record['title']} {record['abstract']} {' '.join(record['ai_keywords'])}")  # type: ignore[arg-type]
    return re.search(rf"(?<![a-z0-9]){re.escape(fold(word))}(?![a-z0-9])", text) is not None


def test_the_watchlist_moves_papers_at_once(cli: Cli) -> None:
    ids = load_seed(cli)
    data = {r["id"]: r for r in json.loads(cli("list", "--json").stdout)}
    word = "Incremental"  # in the last paper's title and a few others
    assert _mentions(data[ids[-1]], word)
    boosted = {pid for pid in ids if _mentions(data[pid], word)}
    assert 1 < len(boosted) < 20
    assert cli("watch", f"+{word}").exit_code == 0
    rows = ranked(cli)
    assert {r["id"] for r in rows[: len(boosted)]} == boosted  # all of them first, at once (no decisions)
    assert "watching +incremental" in str(rows[0]["reason"])
    # sinking a phrase sends its papers to the bottom; `-author:hopper` holds an h and is no flag
    assert cli("watch", f"~{word}", '-"foundation model"', "-author:hopper").exit_code == 0
    assert cli("watch").stdout.strip() == '-"foundation model" -author:hopper'
    rows = ranked(cli)
    sunk = [r["id"] for r in rows if _mentions(r, "foundation model")]
    assert sunk and [r["id"] for r in rows[-len(sunk) :]] == sunk
    assert cli("watch", "--clear").stdout.strip() == "the watchlist is empty"
    assert [r["id"] for r in ranked(cli)] == ids


@pytest.mark.parametrize("bad", ["reward", "+", '+"  "', "+" + "x" * 101])
def test_a_bad_watch_entry_is_one_line_and_changes_nothing(cli: Cli, bad: str) -> None:
    load_seed(cli)
    result = cli("watch", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("reader: error: watch:") and len(result.stderr.splitlines()) == 1
    assert cli("watch").stdout.strip() == "the watchlist is empty"


def test_undoing_a_decision_restores_the_order(cli: Cli) -> None:
    ids = load_seed(cli)
    triage_by_taste(cli, ids)
    before = [r["id"] for r in ranked(cli)]
    target = before[0]
    assert cli("mark", target, "skipped").exit_code == 0
    after = [r["id"] for r in ranked(cli)]
    assert target not in after
    assert cli("mark", target, "inbox").exit_code == 0
    assert [r["id"] for r in ranked(cli)] == before


def test_a_corrupt_model_cache_is_rebuilt_silently(cli: Cli, lib_path: Path) -> None:
    ids = load_seed(cli)
    triage_by_taste(cli, ids)
    good = ranked(cli)
    cache = lib_path / "cache" / foryou.CACHE_NAME
    assert cache.exists()
    for garbage in (b"{not json", b'{"version": 1, "table": 5}', b"", b'{"version": 99}'):
        cache.write_bytes(garbage)
        result = cli("list", "--status", "inbox", "--sort", "for-you", "--json")
        assert result.exit_code == 0 and result.stderr == ""
        assert json.loads(result.stdout) == good
        assert foryou.Model.from_json(cache.read_bytes()) is not None


def test_a_cached_model_is_used_when_the_decisions_are_the_same(cli: Cli, lib_path: Path) -> None:
    ids = load_seed(cli)
    triage_by_taste(cli, ids)
    ranked(cli)
    cache = lib_path / "cache" / foryou.CACHE_NAME
    stamp = cache.stat().st_mtime_ns
    ranked(cli)
    assert cache.stat().st_mtime_ns == stamp
    cli("tag", ids[0], "+favourite")  # a tag on a decided paper is something the model learns from
    ranked(cli)
    assert cache.stat().st_mtime_ns != stamp


def test_scores_are_exactly_scikit_learns() -> None:
    """The pure-Python scorer reproduces TF-IDF + logistic regression as scikit-learn computes it
    (LIBLINEAR run to a tight tolerance: both find the same unique minimum)."""
    import numpy as np

    papers = [
        Paper(id=f"p{n}", title=f"Paper {n} on {topic}", abstract=f"We study {topic} and {other} in depth.")
        for n, (topic, other) in enumerate(
            [("reward models", "preference"), ("diffusion", "images"), ("reward shaping", "agents")] * 4
            + [("video diffusion", "frames"), ("reward hacking", "rlhf")]
        )
    ]
    kept = ["reward" in p.title for p in papers]
    model = foryou.fit(papers, kept, [[] for _ in papers], "fp")
    # rebuild the same fit with scikit-learn's own vectorizer and compare probabilities
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=lambda p: list(foryou.term_counts(p).elements()), sublinear_tf=True)
    matrix = vectorizer.fit_transform(papers)
    classifier = LogisticRegression(
        C=foryou.STRENGTH, class_weight="balanced", max_iter=5000, solver="liblinear", tol=1e-12
    )
    classifier.fit(matrix, np.array(kept, dtype=int))
    new = [Paper(id="n1", title="Reward models for agents", abstract="Preference data."), papers[1]]
    expected = classifier.predict_proba(vectorizer.transform(new))[:, 1]
    ranker = foryou.Ranker(model)
    assert [ranker.score(p) for p in new] == pytest.approx(expected.tolist(), abs=1e-7)
    assert model.intercept == pytest.approx(float(classifier.intercept_[0]), abs=1e-7)


def test_a_ranker_scores_each_paper_once_until_the_paper_or_its_tags_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Showing the same list again (the board switch) must not score every paper again."""
    papers = [Paper(id=f"p{n}", title=f"Reward models {n}" if n % 2 else f"Diffusion {n}") for n in range(6)]
    model = foryou.fit(papers, [n % 2 == 1 for n in range(6)], [[] for _ in papers], "fp")
    ranker = foryou.Ranker(model)
    first = ranker.rank(papers)
    calls: list[int] = []
    logit_of = foryou.Model.logit_of
    monkeypatch.setattr(foryou.Model, "logit_of", lambda self, bag: calls.append(1) or logit_of(self, bag))
    assert ranker.rank(papers) == first and calls == []
    edited = Paper(id="p0", title="Reward models, edited")  # a new record for a paper: scored again
    again = ranker.rank([edited, *papers[1:]], {"p2": ["reward"]})  # and a paper whose tags changed
    assert len(calls) == 2
    assert [r.score for r in again] == pytest.approx(
        [r.score for r in foryou.Ranker(model).rank([edited, *papers[1:]], {"p2": ["reward"]})]
    )


def test_a_score_asked_not_to_keep_the_paper_does_not_keep_it() -> None:
    """The board's learned sort reads fresh copies of thousands of papers and remembers their
    scores by its own stamp: the ranker must not hold on to those copies as well."""
    papers = [Paper(id=f"p{n}", title=f"Reward models {n}" if n % 2 else f"Diffusion {n}") for n in range(4)]
    ranker = foryou.Ranker(foryou.fit(papers, [n % 2 == 1 for n in range(4)], [[] for _ in papers], "fp"))
    fresh = Paper(id="p9", title="Reward models, a fresh copy")
    before = sys.getrefcount(fresh)
    score = ranker.score(fresh, keep=False)
    assert score == pytest.approx(foryou.Ranker(ranker.model).score(Paper(id="p9", title=fresh.title)))
    assert sys.getrefcount(fresh) == before and "p9" not in ranker._scores
    held = Paper(id="p8", title="Reward models, held")
    ranker.score(held)
    assert ranker.score(held) == ranker.score(held) and "p8" in ranker._scores


def test_a_workers_handoff_gives_its_value_once() -> None:
    from reader.tui.papers_screen import Handoff

    handoff = Handoff([1, 2])
    assert handoff.take() == [1, 2]
    with pytest.raises(RuntimeError):
        handoff.take()


def test_watch_entries_parse_as_typed() -> None:
    assert foryou.parse_watch('+"Reward Model"') == ("add", foryou.WatchEntry("reward model", 1))
    assert foryou.parse_watch("-author:Müller") == ("add", foryou.WatchEntry("muller", -1, author=True))
    assert foryou.parse_watch("~diffusion") == ("remove", foryou.WatchEntry("diffusion", 1))
    with pytest.raises(ValueError):
        foryou.parse_watch("diffusion")


def test_the_model_learns_from_the_most_recent_decisions_only(lib_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big library's fit stays bounded: the newest `MAX_DECISIONS` decisions, by when they were made."""
    from reader.models import Status

    monkeypatch.setattr(foryou, "MAX_DECISIONS", 4)
    with Library.open(lib_path) as lib:
        lib.import_papers([Paper(id=f"p{n}", title=f"Paper {n}", days=["2025-07-31"]) for n in range(8)])
        for n in range(8):
            lib.set_status(f"p{n}", Status.TO_READ if n % 2 else Status.SKIPPED)
            state = lib.state(f"p{n}").copy()
            state.triaged_at = f"2025-08-{n + 1:02d}T09:00:00Z"
            lib.restore({f"p{n}": state})
        data = foryou.training_set(lib)
    assert data is not None and sorted(data.ids) == ["p4", "p5", "p6", "p7"]


def test_kept_bags_follow_the_paper_s_text_and_do_not_hold_it() -> None:
    """A bag is made again when anything it is made from changes (title, abstract, AI summary,
    authors, keywords, tags), and is reused otherwise; what is kept is the bag, not the paper's
    texts, and a term is one string shared by every bag that has it."""
    import gc
    import weakref

    class Text(str):
        """A str that a weak reference can follow (to see whether the bags keep it)."""

    bags = foryou.Bags()
    abstract = Text("Diffusion models for protein design, with diffusion guidance.")
    watched = weakref.ref(abstract)
    paper = Paper(id="p1", title="Protein diffusion", abstract=abstract, authors=["Ada Lovelace"])
    first = bags.get(paper, ())
    assert (
        bags.get(Paper(id="p1", title="Protein diffusion", abstract=str(abstract), authors=["Ada Lovelace"]), ())
        is first
    )
    for changed in (
        Paper(id="p1", title="Protein diffusion!", abstract=str(abstract), authors=["Ada Lovelace"]),
        Paper(id="p1", title="Protein diffusion", abstract=str(abstract) + " More.", authors=["Ada Lovelace"]),
        Paper(id="p1", title="Protein diffusion", abstract=str(abstract), authors=["Ada Byron"]),
        Paper(id="p1", title="Protein diffusion", abstract=str(abstract), authors=["Ada Lovelace"], ai_keywords=["x"]),
        Paper(id="p1", title="Protein diffusion", abstract=str(abstract), authors=["Ada Lovelace"], ai_summary="S."),
    ):
        assert bags.get(changed, ()) is not first
        assert bags.get(paper, ("tagged",)) != first
    other = bags.get(Paper(id="p2", title="Diffusion for text", abstract="Text diffusion."), ())
    shared = next(term for term in other if term == "diffusion")
    assert any(term is shared for term in first)
    del paper, abstract
    gc.collect()
    assert watched() is None
