"""The "for you" order in the app: `s` reaches it, it learns in a worker, the detail says why."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Static

from reader import foryou
from reader.library import Library
from reader.models import Status
from tests.test_app import SIZE, inbox, make_app, screen_of

TASTE = re.compile(r"reason|math|reward|rl\b|reinforcement", re.IGNORECASE)


def mode_line(app: object) -> str:
    return screen_of(app).query_one("#mode", Static).visual.plain  # type: ignore[arg-type, union-attr]


def detail_text(app: object) -> str:
    return screen_of(app).query_one("#detail-body", Static).visual.plain  # type: ignore[arg-type, union-attr]


def triage_by_taste(library: Library, count: int = 50) -> None:
    ids = inbox(library)[:count]
    kept = [pid for pid in ids if TASTE.search(library.paper(pid).title)]
    library.set_status(kept, Status.TO_READ)
    library.set_status([pid for pid in ids if pid not in kept], Status.SKIPPED)


async def test_s_reaches_the_for_you_order_which_keeps_the_page_order_without_decisions(lib: Library) -> None:
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        page = list(screen.paper_list.ids)
        for _ in range(4):
            await pilot.press("s")
        await app.workers.wait_for_complete()  # the decisions are gathered in a worker
        await pilot.pause()
        assert screen.browse.sort.name == "for-you"
        assert "for you" in str(screen.paper_list.border_title)
        assert screen.paper_list.ids == page
        assert "for you: page order" in mode_line(app)  # "no decisions yet: page order" where there is room
        assert "for you  0.50" in detail_text(app) and "page order" in detail_text(app)


async def test_with_enough_decisions_the_app_opens_on_the_learned_order_and_says_why(lib: Library) -> None:
    triage_by_taste(lib)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        assert screen.browse.sort.name == "for-you"  # 50 decisions: the default order
        await app.workers.wait_for_complete()  # the fit ran in a worker
        await pilot.pause()
        ids = screen.paper_list.ids
        assert sorted(ids) == sorted(inbox(lib))
        top = [bool(TASTE.search(lib.paper(pid).title)) for pid in ids[:10]]
        assert sum(top) >= 7, [lib.paper(pid).title for pid in ids[:10]]
        assert "for you: 50 decisions" in mode_line(app)
        row = screen.paper_list.render_line(0).text  # each row shows its score as a bar
        assert "█" in row, row
        text = detail_text(app)
        assert ("for you  0." in text and "you kept" in text) or "weighs against" in text
        # the fitted model was cached beside the library for the next start
        assert (lib.root / "cache" / foryou.CACHE_NAME).exists()


async def test_a_decision_in_the_app_retrains_in_the_background_reading_only_what_changed(lib: Library) -> None:
    """Every decision refits the model in a worker. The papers decided before are not read and
    cut into terms again (at 100,000 papers that was 2.1 of a fit's 2.5 s), and the model is the
    one a fit from scratch finds."""
    triage_by_taste(lib)
    app, _, _ = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        kept_bags = screen._training_bags
        assert kept_bags.read_last == 50  # the first fit of the session reads every decided paper
        first = screen.paper_list.ids[0]
        await pilot.press("x")  # the model's favourite, skipped: it learns from that too
        assert lib.status(first) is Status.SKIPPED
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.browse.ranker is not None and screen.browse.ranker.decisions == 51
        assert "for you: 51 decisions" in mode_line(app)
        assert kept_bags.read_last == 1  # only the paper just skipped
        data = foryou.training_set(lib)
        assert data is not None
        fresh = data.fit()
        model = screen.browse.ranker.model
        assert model is not None and model.fingerprint == fresh.fingerprint
        assert model.intercept == pytest.approx(fresh.intercept, abs=1e-9)
        assert model.table.keys() == fresh.table.keys()
        assert [x for t in sorted(model.table) for x in model.table[t]] == pytest.approx(
            [x for t in sorted(fresh.table) for x in fresh.table[t]], abs=1e-9
        )
        await pilot.press("u")  # undo: back to the 50 decisions, every bag already kept
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.browse.ranker.decisions == 50 and kept_bags.read_last == 0
        # a tag on a decided paper changes its bag: that paper is read again, and only it
        decided = next(pid for pid in lib.ids() if lib.status(pid) is Status.SKIPPED)
        lib.edit_tags(decided, add=["later"])
        await pilot.press("t")  # a decision in the app starts the refit
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert kept_bags.read_last == 2  # the retagged paper and the one just kept


async def test_w_edits_the_watchlist_which_moves_and_highlights_papers_at_once(lib: Library) -> None:
    app, _, notes = make_app(lib)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*'+"foundation model" -survey', "enter")
        await pilot.pause()
        assert [e.label for e in foryou.watchlist(lib)] == ['+"foundation model"', "-survey"]
        assert screen.browse.sort.name == "for-you"  # the watchlist shows in the for-you order
        ids = screen.paper_list.ids
        top = lib.paper(ids[0]).title.lower()
        assert "foundation model" in top, top
        assert "survey" in lib.paper(ids[-1]).title.lower() + lib.paper(ids[-1]).abstract.lower()
        # the watched phrase is highlighted in the row's title
        spans = screen.paper_list._spans.get(ids[0])
        assert spans and lib.paper(ids[0]).title.lower()[spans[0][0] : spans[0][1]] == "foundation model"
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("ctrl+u", *"oops", "enter")  # not a valid entry: refused, nothing changed
        await pilot.pause()
        assert [e.label for e in foryou.watchlist(lib)] == ['+"foundation model"', "-survey"]
        assert any("Watchlist unchanged" in str(kwargs.get("title")) for _, kwargs in notes.calls), notes.calls


async def test_the_app_opens_in_the_learned_order_without_reading_papers_on_the_ui_thread(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first frame shows the page order (no model yet: nothing to score, nothing read); the
    fit's worker scores the list's papers, and the list then takes the learned order from those
    scores. At 10,000 papers, scoring the day's 1,180 papers on the UI thread delayed the first
    frame by ~350 ms."""
    from reader.browse import learned_scores
    from reader.tui.app import ReaderApp
    from tests.test_app_board_switch import papers_read_on_the_ui_thread

    triage_by_taste(lib)
    read_here = papers_read_on_the_ui_thread(lib, monkeypatch)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.papers_screen
        ranker = screen.browse.ranker
        assert screen.browse.sort.learned and ranker is not None and ranker.model is not None
        ids = screen.paper_list.ids
        scores = learned_scores(lib, ranker, ids)
        assert len(ids) > 10 and [scores[pid] for pid in ids] == sorted(scores.values(), reverse=True)
        assert len(set(scores.values())) > 1  # a real order, not a flat one
        assert read_here == []


async def test_no_score_bars_while_the_model_is_being_learned(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Until the first model lands, the learned order is the page order and every paper would
    score alike: the list shows no score bars then (half a bar on every paper looked like a
    judgement), and shows them once the model is there."""
    import threading

    from reader.tui.app import ReaderApp
    from tests.test_app_board_switch import rows

    BARS = set("▏▎▍▌▋▊▉█")

    triage_by_taste(lib)
    release = threading.Event()
    real = foryou.training_set

    def held(*args: object, **kwargs: object) -> object:
        assert release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(foryou, "training_set", held)
    app = ReaderApp(lib)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.papers_screen
        assert screen.browse.sort.learned and screen.browse.ranker is not None and screen.browse.ranker.flat
        assert screen.paper_list.score_of is None
        assert not any(set(row) & BARS for row in rows(screen.paper_list))
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.paper_list.score_of is not None
        assert any(set(row) & BARS for row in rows(screen.paper_list))
