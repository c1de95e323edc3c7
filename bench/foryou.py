"""How well and how fast the "for you" order works, on simulated readers with hidden tastes.

    .venv/bin/python -m bench.foryou            # 5 readers, 10 days of triage, + timing at 10k decisions
    .venv/bin/python -m bench.foryou --quick    # 2 readers, smaller days, no 10k timing

A synthetic corpus has topics (each with its own vocabulary and authors) over a shared
general vocabulary. Each simulated reader likes a few topics and a few authors, and keeps a
paper with a probability that rises with both (plus noise, so tastes are not separable by
one word). Upvotes follow the crowd's favourite topics, not the reader's. The reader triages
days 1..k (every decision goes into the library through `Library.set_status`); then day k+1
(120 papers) is ranked by the learned order, by page order and by upvotes, and each order is
scored against what the reader would keep: ROC AUC and precision@10.

Timing rows: fitting on 100 and 10,000 decisions, ranking a 1,000-paper day with a fitted
model (the pure-Python scorer, as the app and `reader list --sort for-you` use it).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reader import foryou
from reader.library import Library
from reader.models import Paper, Status

GENERAL = [f"w{n}" for n in range(600)]
"""Filler vocabulary shared by every topic (Zipf-weighted below)."""


class Corpus:
    """Topics with their own words and authors; papers drawn from one or two topics."""

    def __init__(self, rng: random.Random, topics: int = 30) -> None:
        self.rng = rng
        self.topic_words = [[f"t{t}x{n}" for n in range(40)] for t in range(topics)]
        self.topic_authors = [[f"Author{t}_{n} Surname{t}_{n}" for n in range(25)] for t in range(topics)]
        self.crowd = rng.sample(range(topics), 5)
        """The topics the crowd upvotes."""
        self.general_weights = [1 / (n + 1) for n in range(len(GENERAL))]
        self.count = 0

    def paper(self, day: str) -> tuple[Paper, list[int]]:
        rng = self.rng
        topics = rng.sample(range(len(self.topic_words)), rng.choice((1, 1, 2)))
        words = [w for t in topics for w in self.topic_words[t]]
        title = [
            rng.choice(words) if rng.random() < 0.6 else rng.choices(GENERAL, self.general_weights)[0] for _ in range(9)
        ]
        body = [
            rng.choice(words) if rng.random() < 0.3 else rng.choices(GENERAL, self.general_weights)[0]
            for _ in range(140)
        ]
        authors = [rng.choice(self.topic_authors[rng.choice(topics)]) for _ in range(rng.randint(1, 6))]
        crowd = any(t in self.crowd for t in topics)
        upvotes = int(rng.lognormvariate(2.5 if crowd else 1.5, 1.0))
        self.count += 1
        paper = Paper(
            id=f"2601.{self.count:05d}",
            title=" ".join(title).capitalize(),
            abstract=" ".join(body),
            authors=authors,
            arxiv_id=f"2601.{self.count:05d}",
            days=[day],
            upvotes=upvotes,
        )
        return paper, topics


class Reader:
    """A hidden taste: liked topics and authors; keeps papers with a noisy probability."""

    def __init__(self, rng: random.Random, corpus: Corpus) -> None:
        self.rng = rng
        self.topics = set(rng.sample(range(len(corpus.topic_words)), 3))
        self.authors = set(rng.sample([a for group in corpus.topic_authors for a in group], 15))

    def affinity(self, paper: Paper, topics: list[int]) -> float:
        score = 2.2 * sum(t in self.topics for t in topics) + 1.5 * sum(a in self.authors for a in paper.authors)
        return score - 2.0

    def keeps(self, paper: Paper, topics: list[int]) -> bool:
        return self.rng.random() < 1 / (1 + math.exp(-(self.affinity(paper, topics) + self.rng.gauss(0, 0.8))))


def auc(scores: list[float], truth: list[bool]) -> float:
    """ROC AUC by ranks (ties count half)."""
    pos = [s for s, t in zip(scores, truth, strict=True) if t]
    neg = [s for s, t in zip(scores, truth, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def precision_at(order: list[str], kept: set[str], k: int = 10) -> float:
    return sum(pid in kept for pid in order[:k]) / k


def simulate(seed: int, days: int, per_day: int, root: Path) -> dict[str, float]:
    rng = random.Random(seed)
    corpus = Corpus(rng)
    reader = Reader(rng, corpus)
    library = Library.open(root)
    try:
        for n in range(days):
            day = f"2026-01-{n + 1:02d}"
            drawn = [corpus.paper(day) for _ in range(per_day)]
            library.import_papers([p for p, _ in drawn])
            keep = [p.id for p, topics in drawn if reader.keeps(p, topics)]
            skip = [p.id for p, topics in drawn if p.id not in set(keep)]
            library.set_status(keep, Status.TO_READ)
            library.set_status(skip, Status.SKIPPED)
        day = f"2026-01-{days + 1:02d}"
        test = [corpus.paper(day) for _ in range(120)]
        library.import_papers([p for p, _ in test])
        truth = {p.id: reader.affinity(p, topics) > 0 for p, topics in test}
        ids = [p.id for p, _ in test]
        ranked = foryou.rank_ids(library, foryou.ranker(library), ids)
    finally:
        library.close()
    kept = {pid for pid, t in truth.items() if t}
    learned = {r.id: r.score for r in ranked}
    page = {pid: -n for n, pid in enumerate(ids)}
    votes = {p.id: float(p.upvotes or 0) for p, _ in test}
    out = {}
    for name, scores in (("for you", learned), ("page order", page), ("upvotes", votes)):
        order = sorted(ids, key=lambda pid, s=scores: -s[pid])
        out[f"{name} auc"] = auc([scores[pid] for pid in ids], [truth[pid] for pid in ids])
        out[f"{name} p@10"] = precision_at(order, kept)
    return out


def timing(decisions: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    corpus = Corpus(rng)
    reader = Reader(rng, corpus)
    drawn = [corpus.paper("2026-01-01") for _ in range(decisions)]
    papers = [p for p, _ in drawn]
    kept = [reader.keeps(p, t) for p, t in drawn]
    started = time.perf_counter()
    model = foryou.fit(papers, kept, [[] for _ in papers], "bench")
    fit_s = time.perf_counter() - started
    day = [corpus.paper("2026-02-01")[0] for _ in range(1000)]
    ranker = foryou.Ranker(model)
    started = time.perf_counter()
    ranker.rank(day)
    cold_s = time.perf_counter() - started
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        ranker.rank(day)
        samples.append(time.perf_counter() - started)
    blob = model.to_json()
    started = time.perf_counter()
    foryou.Model.from_json(blob)
    load_s = time.perf_counter() - started
    return {
        "fit_s": fit_s,
        "cold_ms": cold_s * 1000,
        "rank_ms": statistics.median(samples) * 1000,
        "cache_mb": len(blob) / 1e6,
        "load_ms": load_s * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.foryou", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 readers, 6 days, no 10k-decision timing")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    readers, days, per_day = (2, 6, 60) if args.quick else (5, 10, 100)
    import numpy  # noqa: F401  (imported before the clock starts: the app imports it in a worker)

    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="reader-foryou-") as folder:
        for n in range(readers):
            results.append(simulate(args.seed + n, days, per_day, Path(folder) / f"lib{n}"))
    print(f'"For you" on {readers} simulated readers, {days} days x {per_day} papers triaged, day {days + 1} ranked')
    print(f"{'order':<12} {'ROC AUC':>8} {'precision@10':>13}")
    for name in ("for you", "page order", "upvotes"):
        a = statistics.mean(r[f"{name} auc"] for r in results)
        p = statistics.mean(r[f"{name} p@10"] for r in results)
        print(f"{name:<12} {a:>8.3f} {p:>13.2f}")
    print()
    head = f"{'decisions':>9} {'fit (s)':>8} {'target':>7} {'rank 1000, first (ms)':>22} {'again (ms)':>11}"
    print(f"{head} {'target':>7} {'cache MB':>9} {'load ms':>8}")
    for size in (100,) if args.quick else (100, 10_000):
        t = timing(size, args.seed)
        fit_ok = "met" if t["fit_s"] <= 2 else f"MISSED {t['fit_s'] / 2:.1f}x"
        rank_ok = "met" if t["rank_ms"] <= 100 else f"MISSED {t['rank_ms'] / 100:.1f}x"
        print(
            f"{size:>9,} {t['fit_s']:>8.2f} {fit_ok:>7} {t['cold_ms']:>22.1f} {t['rank_ms']:>11.1f} {rank_ok:>7} "
            f"{t['cache_mb']:>9.1f} {t['load_ms']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
