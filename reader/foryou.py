"""The "for you" order: papers ranked by what the user keeps, each with the reason.

The user's own triage is the training data: to-read, reading and done are papers they kept,
skipped ones are papers they did not. A paper becomes a bag of terms (title words count
twice, abstract words, word pairs, authors as `@name`, AI keywords, the user's tags as
`#tag`); TF-IDF weights and a logistic regression over them are fitted with NumPy
(`reader.logistic`).

Only fitting needs NumPy, and it is imported then, never at start-up. The fitted model
is exported as plain numbers (each term's IDF and weight) into a rebuildable cache beside the
library (`cache/foryou.json`, keyed by a fingerprint of the decisions it learned from), so
ranking a day is a few dictionary look-ups per term in pure Python, and a reason is read off
the same numbers: the terms of this paper that weigh most for it (or against it) and the
kept papers nearest to it. A missing, stale or damaged cache is refitted; the user's
decisions in the library are the truth.

Cold start: until there is at least one kept and one skipped paper (and `MIN_DECISIONS` in
all), there is no model: the order is the page order, moved only by the watchlist. The
watchlist (`reader watch +"reward model" +author:hopper -diffusion`) adds or takes away a
fixed amount per match, with or without a model. Nothing leaves the machine.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reader.models import Paper, Status, UserState
from reader.search import fold
from reader.store import CACHE_DIR, read_settings, write_cache_file, write_settings

if TYPE_CHECKING:
    from reader.library import Library
    from reader.models import PaperHead

MODEL_VERSION = 1
CACHE_NAME = "foryou.json"
WATCH_KEY = "watch"
"""The watchlist's key in the library's settings (`settings.json`)."""
MIN_DECISIONS = 4
"""Fewer decisions than this (or no kept or no skipped paper) and the order is the page order."""
DEFAULT_AFTER = 20
"""The app switches to this order by itself once the user has made this many decisions."""
WATCH_WEIGHT = 2.0
"""What one watchlist match adds to (or takes from) a paper's log-odds."""
NEIGHBOUR_TERMS = 40
"""Terms kept per kept paper for "nearest kept papers" (the heaviest ones)."""
STRENGTH = 4.0
"""The logistic regression's C: how much the decisions count against keeping the weights small."""

KEPT = frozenset({Status.TO_READ, Status.READING, Status.DONE})
NOT_KEPT = frozenset({Status.SKIPPED})

_WORD = re.compile(r"\d*[^\W\d_][\w\-]*")
"""A word: letters, digits and inner hyphens, with at least one letter (`3d` yes, `2024` no)."""
_STOP_WORDS = """a about above across after again against all almost also although always am among an and another any
    are as at be because been before being below between both but by can could did do does doing done down
    during each either else even ever every few for from further had has have having he her here hers him his
    how however i if in into is it its itself just least less like made make makes many may me might more
    most much must my neither no nor not now of off often on once one only or other our ours out over own
    per rather same several she should since so some such than that the their theirs them then there these
    they this those through thus to too two under until up upon us use used uses using very via was we well
    were what when where whether which while who whom whose why will with within without would yet you your
    paper papers propose proposed proposes show shows shown present presents approach approaches method
    methods results result based new novel work study existing across achieve achieves demonstrate
    demonstrates extensive experiments experimental furthermore moreover"""
_STOP = frozenset(_STOP_WORDS.split())


# -- what a paper is made of -------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if w not in _STOP]


def _word_counts(text: str) -> Counter[str]:
    """The words of a text and how often each occurs, stop words left out (no order kept)."""
    counts = Counter(_WORD.findall(fold(text)))
    for word in _STOP & counts.keys():
        del counts[word]
    return counts


def _pairs(words: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(words)]


def term_counts(paper: Paper, tags: Iterable[str] = ()) -> Counter[str]:
    """The terms the model sees in a paper and how often: title words (twice) and word pairs,
    abstract and AI-summary words, authors as `@name`, AI keywords, tags as `#tag`.

    Word pairs come from the title only: from the abstract too they would double the cost of
    fitting for little gain (AI keywords already carry most phrases).
    """
    counts = _word_counts(f"{paper.abstract}\n{paper.ai_summary or ''}")
    title = _words(paper.title)
    counts.update(title + title + _pairs(title))
    counts.update("@" + fold(a).strip() for a in paper.authors if a.strip())
    counts.update(fold(k).strip() for k in paper.ai_keywords if k.strip())
    counts.update("#" + t for t in tags)
    return counts


def describe(term: str) -> str:
    """A term as the user reads it in a reason."""
    if term.startswith("#"):
        return "tag:" + term[1:]
    return term.removeprefix("@")


# -- the watchlist ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """One watched word, phrase or author; `boost` is +1 (up) or -1 (down)."""

    text: str
    boost: int
    author: bool = False

    @property
    def label(self) -> str:
        sign = "+" if self.boost > 0 else "-"
        body = f'"{self.text}"' if " " in self.text else self.text
        return f"{sign}author:{body}" if self.author else f"{sign}{body}"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "boost": self.boost, "author": self.author}

    @classmethod
    def from_dict(cls, data: Any) -> WatchEntry | None:
        if not isinstance(data, dict):
            return None
        text, boost = data.get("text"), data.get("boost")
        if not isinstance(text, str) or not text.strip() or boost not in (1, -1):
            return None
        return cls(fold(text).strip(), boost, bool(data.get("author")))


def parse_watch(spec: str) -> tuple[str, WatchEntry]:
    """Read one watch argument: `+word`, `-"a phrase"`, `+author:name`, `~word` (remove).

    Returns the operation (`add` or `remove`) and the entry. Raises ValueError when unreadable.
    """
    text = spec.strip()
    if len(text) < 2 or text[0] not in "+-~":
        raise ValueError(f"{spec!r}: start it with + (boost), - (sink) or ~ (remove)")
    op, body = text[0], text[1:].strip()
    author = False
    if body.lower().startswith(("author:", "by:")):
        author, body = True, body.split(":", 1)[1].strip()
    body = body.strip().strip('"').strip()
    folded = " ".join(fold(body).split())
    if not folded or not any(c.isalnum() for c in folded):
        raise ValueError(f"{spec!r}: nothing to watch")
    if len(folded) > 100:
        raise ValueError(f"{spec!r}: longer than 100 characters")
    entry = WatchEntry(folded, -1 if op == "-" else 1, author)
    return ("remove" if op == "~" else "add"), entry


def apply_watch(entries: Sequence[WatchEntry], op: str, entry: WatchEntry) -> list[WatchEntry]:
    """The watchlist after adding (or re-signing) or removing `entry`."""
    kept = [e for e in entries if (e.text, e.author) != (entry.text, entry.author)]
    return [*kept, entry] if op == "add" else kept


@functools.lru_cache(maxsize=256)
def _watch_pattern(text: str) -> re.Pattern[str]:
    """A watched word or phrase as a whole-word pattern (`incremental` finds `class-incremental`)."""
    return re.compile(r"(?<![^\W_])" + re.escape(text) + r"(?![^\W_])")


def _watch_hits(entries: Sequence[WatchEntry], paper: Paper) -> list[WatchEntry]:
    if not entries:
        return []
    text = fold(f"{paper.title}\n{paper.abstract}\n{' · '.join(paper.ai_keywords)}")
    authors = fold(" · ".join(paper.authors))
    return [e for e in entries if (e.text in authors if e.author else _watch_pattern(e.text).search(text) is not None)]


def watch_spans(entries: Sequence[WatchEntry], title: str) -> tuple[tuple[int, int], ...]:
    """Where watched words (not authors) occur in a title, for highlighting in the list."""
    folded = fold(title)
    if len(folded) != len(title):
        return ()
    spans = []
    for entry in entries:
        if entry.author:
            continue
        for match in _watch_pattern(entry.text).finditer(folded):
            spans.append((match.start(), match.end()))
    return tuple(sorted(spans))


# -- the fitted model -------------------------------------------------------------------------


Bag = dict[str, float]
"""A paper's distinct terms, each with its sublinear term frequency (1 + ln count)."""

_SUBLINEAR = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]


def bag(paper: Paper, tags: Iterable[str] = ()) -> Bag:
    """The paper's terms with their sublinear weights. The terms are interned: a library's
    bags share a vocabulary of some 30,000 words among millions of uses, and a copy of each
    word in each bag was most of a bag's memory (~6.6 of ~11 KB a paper)."""
    counts = term_counts(paper, tags)
    table, intern = _SUBLINEAR, sys.intern
    return {intern(t): table[c] if c < 64 else 1.0 + math.log(c) for t, c in counts.items()}


class Bags:
    """Bags of terms by paper id, kept while the paper's text and tags stay the same objects.

    Cutting a paper into terms is most of what ranking costs; the bags do not depend on the
    model, so re-ranking after each decision reuses them.
    """

    def __init__(self) -> None:
        self._bags: dict[str, tuple[int, Bag]] = {}

    def get(self, paper: Paper, tags: Sequence[str]) -> Bag:
        # the hash of what the bag is made from, not those texts: kept, they held every scored
        # paper's abstract in memory (a collision of 64-bit hashes is not a practical concern;
        # it would cost one paper a stale bag until its text changes again)
        key = hash(
            (
                paper.title,
                paper.abstract,
                paper.ai_summary,
                tuple(tags),
                tuple(paper.authors),
                tuple(paper.ai_keywords),
            )
        )
        found = self._bags.get(paper.id)
        if found is not None and found[0] == key:
            return found[1]
        made = bag(paper, tags)
        self._bags[paper.id] = (key, made)
        return made


@dataclass(slots=True)
class Model:
    """A fitted model as plain numbers: enough to score and explain without NumPy."""

    fingerprint: str
    decisions: int
    table: dict[str, tuple[float, float]]
    """Term -> (IDF, IDF x weight): everything scoring needs, one look-up per term."""
    intercept: float
    kept_titles: dict[str, str] = field(default_factory=dict)
    """Kept papers' titles by id (for "like …" in reasons)."""
    kept_vectors: dict[str, dict[str, float]] = field(default_factory=dict)
    """Each kept paper's heaviest normalised TF-IDF terms."""
    _postings: dict[str, tuple[tuple[str, float], ...]] | None = None

    def logit_of(self, terms_: Bag) -> float:
        """The log-odds of keeping a paper (L2-normalised sublinear TF-IDF, as fitted)."""
        table = self.table
        num = den = 0.0
        for term, tf in terms_.items():
            entry = table.get(term)
            if entry is not None:
                x = tf * entry[0]
                den += x * x
                num += tf * entry[1]
        return self.intercept + (num / math.sqrt(den) if den else 0.0)

    def vector(self, terms_: Bag) -> dict[str, float]:
        """The normalised TF-IDF vector of a bag (for reasons)."""
        table = self.table
        vec = {t: tf * table[t][0] for t, tf in terms_.items() if t in table}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {t: v / norm for t, v in vec.items()} if norm else {}

    def weight(self, term: str) -> float:
        entry = self.table.get(term)
        return entry[1] / entry[0] if entry else 0.0

    def postings(self) -> dict[str, tuple[tuple[str, float], ...]]:
        """Term -> the kept papers that have it, with its weight (built once: ~0.3 s at 5,000 kept
        papers, so the app builds it in the worker that fits the model, not on the UI thread).

        Tuples, not lists: tuples of strings and numbers leave the garbage collector's sight
        after its first look, where some 20,000 lists would be walked by every full collection
        for as long as the model is used."""
        if self._postings is None:
            postings: dict[str, list[tuple[str, float]]] = {}
            for pid, terms_ in self.kept_vectors.items():
                for t, w in terms_.items():
                    postings.setdefault(t, []).append((pid, w))
            self._postings = {t: tuple(found) for t, found in postings.items()}
        return self._postings

    def neighbours(self, vec: dict[str, float], exclude: str | None = None, k: int = 3) -> list[tuple[str, float]]:
        """The kept papers most like this vector (cosine over their heaviest terms)."""
        postings = self.postings()
        sims: dict[str, float] = {}
        for t, v in vec.items():
            for pid, w in postings.get(t, ()):
                sims[pid] = sims.get(pid, 0.0) + v * w
        sims.pop(exclude or "", None)
        best = sorted(sims.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(pid, s) for pid, s in best if s >= 0.08]

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "version": MODEL_VERSION,
                "fingerprint": self.fingerprint,
                "decisions": self.decisions,
                "table": self.table,
                "intercept": self.intercept,
                "kept_titles": self.kept_titles,
                "kept_vectors": self.kept_vectors,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Model | None:
        """The cached model, or None when the cache is unreadable or of another version."""
        try:
            raw = orjson.loads(data)
            if not isinstance(raw, dict) or raw.get("version") != MODEL_VERSION:
                return None
            table = {str(k): (float(v[0]), float(v[1])) for k, v in raw["table"].items()}
            model = cls(
                fingerprint=str(raw["fingerprint"]),
                decisions=int(raw["decisions"]),
                table=table,
                intercept=float(raw["intercept"]),
                kept_titles={str(k): str(v) for k, v in raw["kept_titles"].items()},
                kept_vectors={str(k): {str(t): float(w) for t, w in v.items()} for k, v in raw["kept_vectors"].items()},
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None
        finite = math.isfinite(model.intercept) and all(
            math.isfinite(a) and math.isfinite(b) for a, b in table.values()
        )
        return model if finite else None


def labels(states: Iterable[tuple[str, UserState]]) -> dict[str, bool]:
    """The user's decisions: paper id -> kept (True) or not (False); untriaged papers are absent."""
    out = {}
    for pid, state in states:
        if state.status in KEPT:
            out[pid] = True
        elif state.status in NOT_KEPT:
            out[pid] = False
    return out


def fingerprint(decided: Mapping[str, bool], tags: Mapping[str, Sequence[str]]) -> str:
    """What a fitted model depends on: the decisions and the tags of decided papers."""
    digest = hashlib.sha1(f"v{MODEL_VERSION}".encode())
    for pid in sorted(decided):
        digest.update(f"{pid}\x1f{int(decided[pid])}\x1f{','.join(tags.get(pid, ()))}\x1e".encode())
    return digest.hexdigest()


def can_learn(decided: dict[str, bool]) -> bool:
    kept = sum(decided.values())
    return len(decided) >= MIN_DECISIONS and 0 < kept < len(decided)


Packed = tuple[tuple[str, ...], tuple[float, ...]]
"""A bag as two tuples, its terms and their weights: half a dictionary's memory, for bags kept
between fits (`TrainingBags`)."""


def pack(terms_: Bag) -> Packed:
    return tuple(terms_), tuple(terms_.values())


def fit(papers: Sequence[Paper], kept: Sequence[bool], tags: Sequence[Sequence[str]], fp: str) -> Model:
    """`fit_packed` of the papers' bags (made here)."""
    packed = [pack(bag(p, t)) for p, t in zip(papers, tags, strict=True)]
    return fit_packed([p.id for p in papers], [p.title for p in papers], packed, kept, fp)


def fit_packed(
    ids: Sequence[str], titles: Sequence[str], bags: Sequence[Packed], kept: Sequence[bool], fp: str
) -> Model:
    """Fit TF-IDF and a logistic regression on the decided papers' bags (imports NumPy).

    The TF-IDF matrix is built here (sublinear TF, smooth IDF, rows L2-normalised: what
    scikit-learn's `TfidfVectorizer` computes) so that `Model.logit_of` reproduces it exactly;
    with many decisions, terms seen in one paper only are left out. The regression is
    `reader.logistic`'s: LIBLINEAR's problem (class-balanced, the intercept regularised too),
    solved to its unique minimum.
    """
    import numpy as np

    from reader import logistic

    df: Counter[str] = Counter()
    for terms_, _weights in bags:
        df.update(terms_)
    n = len(bags)
    min_df = 2 if n >= 200 else 1
    every = sorted(df)
    column = dict(zip(every, range(len(every)), strict=True))
    counts = np.fromiter(map(df.__getitem__, every), dtype=float, count=len(every))
    wanted = counts >= min_df
    renumber = np.cumsum(wanted) - 1
    vocabulary = [t for t, w in zip(every, wanted.tolist(), strict=True) if w]
    idf = np.log((1 + n) / (1 + counts[wanted])) + 1.0
    # every (paper, term) pair in one flat array, in paper order; terms seen too rarely are dropped
    cols = np.fromiter(map(column.__getitem__, itertools.chain.from_iterable(b[0] for b in bags)), dtype=np.int64)
    tfs = np.fromiter(itertools.chain.from_iterable(b[1] for b in bags), dtype=float, count=len(cols))
    rows = np.repeat(np.arange(n, dtype=np.int64), [len(b[0]) for b in bags])
    keep = wanted[cols]
    rows, cols = rows[keep], renumber[cols[keep]]
    data = tfs[keep] * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    norms[norms == 0] = 1.0
    data /= norms[rows]
    matrix = logistic.Rows(data, rows, cols, n, len(vocabulary))
    solved = logistic.fit(matrix, np.array([1.0 if k else -1.0 for k in kept]), STRENGTH)
    coef = solved.weights
    table = {t: (float(idf[i]), float(idf[i] * coef[i])) for i, t in enumerate(vocabulary)}
    kept_titles: dict[str, str] = {}
    kept_vectors: dict[str, dict[str, float]] = {}
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))))
    for row, (pid, title, is_kept) in enumerate(zip(ids, titles, kept, strict=True)):
        if not is_kept:
            continue
        start, end = indptr[row], indptr[row + 1]
        values = data[start:end]
        heaviest = np.argsort(-values, kind="stable")[:NEIGHBOUR_TERMS]
        terms = cols[start:end]
        kept_vectors[pid] = {vocabulary[terms[j]]: round(float(values[j]), 5) for j in heaviest}
        kept_titles[pid] = title
    return Model(fp, n, table, solved.intercept, kept_titles, kept_vectors)


# -- ranking and reasons ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    """A paper's place in the order: its score (0-1) and, when asked for, the reason."""

    id: str
    score: float
    reason: str = ""


def score_bar(score: float, cells: int = 4) -> str:
    """A score from 0 to 1 as a short bar of eighth blocks (`██▌ `)."""
    eighths = round(max(0.0, min(1.0, score)) * cells * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if full < cells else "")).ljust(cells)


def _sigmoid(x: float) -> float:
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def _short(title: str, width: int = 28) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def _contributions(model: Model, vec: dict[str, float]) -> list[tuple[str, float]]:
    return [(t, v * model.weight(t)) for t, v in vec.items()]


def _top_terms(parts: list[tuple[str, float]], sign: int, k: int = 3) -> list[str]:
    chosen = sorted((p for p in parts if p[1] * sign > 0), key=lambda p: (-abs(p[1]), p[0]))
    out: list[str] = []
    for term, _ in chosen:
        shown = describe(term)
        # a pair already says what its words say: skip a word that is inside a chosen pair (and vice versa)
        if any(shown in o.split() or o in shown.split() for o in out):
            continue
        out.append(shown)
        if len(out) == k:
            break
    return out


class Ranker:
    """Ranks papers for one library state: a fitted model (or none yet) plus the watchlist."""

    def __init__(self, model: Model | None, watch: Sequence[WatchEntry] = (), bags: Bags | None = None) -> None:
        self.model = model
        self.watch = list(watch)
        self.bags = bags if bags is not None else Bags()
        self._stamped: dict[str, tuple[object, float]] = {}
        """Scores by paper id with the stamp they were made for (`known_score`)."""
        self._scores: dict[str, tuple[Paper, Bag, float]] = {}
        """Scores by paper id, kept while the paper and its bag stay the same objects: the model
        and the watchlist are fixed for a ranker, so showing the list again (the board switch,
        another view) does not score every paper again."""

    @property
    def decisions(self) -> int:
        return self.model.decisions if self.model else 0

    @property
    def flat(self) -> bool:
        """Whether every paper scores the same (no model yet, no watchlist): the order is the
        page order, and no paper needs reading in full to be scored."""
        return self.model is None and not self.watch

    FLAT_SCORE = 0.5
    """The score of every paper under a `flat` ranker (`_sigmoid(0)`)."""

    def known_score(self, pid: str, stamp: object) -> float | None:
        """A score remembered for `pid` while its `stamp` (what the score depends on, as the
        caller can tell without reading the paper in full) is unchanged; None: score it."""
        found = self._stamped.get(pid)
        return found[1] if found is not None and found[0] == stamp else None

    def remember(self, pid: str, stamp: object, score: float) -> None:
        self._stamped[pid] = (stamp, score)

    def score(self, paper: Paper, tags: Sequence[str] = (), *, keep: bool = True) -> float:
        """The chance (0-1) that the user keeps this paper, watchlist included.

        `keep=False`: do not keep the paper for the next call (a caller that remembers scores by
        its own stamp, and reads fresh copies of papers that would never be found again: kept,
        thousands of papers read in full would stay alive only to be walked by the garbage
        collector)."""
        terms_ = self.bags.get(paper, tags)
        found = self._scores.get(paper.id)
        if found is not None and found[0] is paper and found[1] is terms_:
            return found[2]
        bonus = WATCH_WEIGHT * sum(h.boost for h in _watch_hits(self.watch, paper)) if self.watch else 0.0
        logit = self.model.logit_of(terms_) if self.model is not None else 0.0
        score = _sigmoid(logit + bonus)
        if keep:
            self._scores[paper.id] = (paper, terms_, score)
        return score

    def rank(
        self, papers: Sequence[Paper], tags: Mapping[str, Sequence[str]] | None = None, *, reasons: bool = False
    ) -> list[Ranked]:
        """The papers best first; ties keep the given (page) order. Short reasons if asked."""
        tags = tags or {}
        scored = [(self.score(p, tags.get(p.id, ())), n, p) for n, p in enumerate(papers)]
        scored.sort(key=lambda item: (-round(item[0], 9), item[1]))
        return [Ranked(p.id, s, self.reason(p, tags.get(p.id, ())) if reasons else "") for s, _, p in scored]

    def reason(self, paper: Paper, tags: Sequence[str] = ()) -> str:
        """The short reason shown beside a paper."""
        return self._reason(paper, tags, short=True)[1]

    def explain(self, paper: Paper, tags: Sequence[str] = ()) -> Ranked:
        """One paper's score and its full reason."""
        score, text = self._reason(paper, tags, short=False)
        return Ranked(paper.id, score, text)

    def _reason(self, paper: Paper, tags: Sequence[str], *, short: bool) -> tuple[float, str]:
        score = self.score(paper, tags)
        hits = _watch_hits(self.watch, paper)
        vec = self.model.vector(self.bags.get(paper, tags)) if self.model else {}
        parts: list[str] = []
        if hits:
            parts.append("watching " + ", ".join(h.label for h in hits))
        model = self.model
        if model is None:
            if not parts:
                parts.append("no decisions to learn from yet: page order")
            return score, " · ".join(parts)
        contributions = _contributions(model, vec)
        if score >= 0.5:
            near = model.neighbours(vec, exclude=paper.id)
            if near:
                first = model.kept_titles.get(near[0][0], near[0][0])
                more = f" and {len(near) - 1} more" if len(near) > 1 else ""
                parts.append(f'like "{_short(first)}"{more} you kept')
            pros = _top_terms(contributions, +1, 3 if short else 6)
            if pros:
                parts.append(", ".join(pros))
            if not short:
                cons = _top_terms(contributions, -1, 4)
                if cons:
                    parts.append("against: " + ", ".join(cons))
        else:
            cons = _top_terms(contributions, -1, 3 if short else 6)
            parts.append("weighs against: " + ", ".join(cons) if cons else "little in common with what you kept")
            if not short:
                pros = _top_terms(contributions, +1, 4)
                if pros:
                    parts.append("for: " + ", ".join(pros))
        if not short and model is not None:
            near = model.neighbours(vec, exclude=paper.id, k=5)
            if near:
                titles = "; ".join(f'"{model.kept_titles.get(pid, pid)}" ({sim:.2f})' for pid, sim in near)
                parts.append("nearest kept: " + titles)
            parts.append(f"learned from {model.decisions} decisions")
        return score, " · ".join(parts)


# -- over a library ---------------------------------------------------------------------------


@dataclass(slots=True)
class TrainingSet:
    """What fitting needs: the decisions and tags copied out of the library; the papers' full
    text is read when fitting (in the app's worker: reading shards is I/O), as fresh copies."""

    ids: list[str]
    kept: list[bool]
    tags: list[list[str]]
    fingerprint: str
    read: Callable[[list[str]], list[Paper]]
    """Reads the papers in full (`Library.full_papers`; safe from a worker thread)."""
    head: Callable[[str], PaperHead]
    """A paper's index record (`Library.head`): the same object until the paper changes."""

    @property
    def papers(self) -> list[Paper]:
        return self.read(self.ids)

    def fit(self, kept_bags: TrainingBags | None = None) -> Model:
        """The model of these decisions; with `kept_bags`, only the papers that are new to
        it (or changed, or retagged) are read in full and cut into terms."""
        if kept_bags is None:
            return fit(self.papers, self.kept, self.tags, self.fingerprint)
        titles, bags = kept_bags.bags(self)
        return fit_packed(self.ids, titles, bags, self.kept, self.fingerprint)


class TrainingBags:
    """The bags of the papers decided on, kept from one fit to the next (the app refits after
    every decision). Cutting 5,000 papers into terms took 1.8 s of the 2.5 s a fit cost at
    100,000 papers, and reading them 0.3 s more; one decision changes one of them. A bag is
    kept with the paper's index record and tags it was made from: a new record (the paper
    changed) or other tags make it again. Only the current decisions' bags are kept (at most
    `MAX_DECISIONS`, ~2 KB each)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[PaperHead, tuple[str, ...], Packed]] = {}
        self.read_last = 0
        """How many papers the last `bags` read in full."""

    def bags(self, data: TrainingSet) -> tuple[list[str], list[Packed]]:
        """The titles and bags of `data`'s papers, in its order."""
        old = self._kept
        kept: dict[str, tuple[PaperHead, tuple[str, ...], Packed]] = {}
        missing: dict[str, tuple[PaperHead, tuple[str, ...]]] = {}
        for pid, tags in zip(data.ids, data.tags, strict=True):
            head, wanted = data.head(pid), tuple(tags)
            found = old.get(pid)
            if found is not None and found[0] is head and found[1] == wanted:
                kept[pid] = found
            else:
                missing[pid] = (head, wanted)  # (the record before the read: a change meanwhile reads it again)
        for paper in data.read(list(missing)) if missing else ():
            head, wanted = missing[paper.id]
            kept[paper.id] = (head, wanted, pack(bag(paper, wanted)))
        self._kept = kept  # (one assignment: a fit cancelled meanwhile may still be reading the old one)
        self.read_last = len(missing)
        return [kept[pid][0].title for pid in data.ids], [kept[pid][2] for pid in data.ids]


MAX_DECISIONS = 5_000
"""The most recent decisions a model learns from: a taste of the last months, and a fit whose
time and memory stay bounded (a library of 100,000 triaged papers would otherwise fit on all of
them: minutes and gigabytes)."""


def training_set(library: Library, states: Mapping[str, UserState] | None = None) -> TrainingSet | None:
    """The decisions to learn from (None when there are too few: cold start); the most recent
    `MAX_DECISIONS` of them. `states`: a copy of the library's states (a worker reads that, not
    the live ones)."""
    states = library.states if states is None else states
    papers = library.papers
    decided = {pid: k for pid, k in labels(states.items()).items() if pid in papers}
    if len(decided) > MAX_DECISIONS:

        def when(pid: str) -> str:
            state = states[pid]
            return state.triaged_at or state.updated_at or ""

        recent = sorted(decided, key=when, reverse=True)[:MAX_DECISIONS]
        decided = {pid: decided[pid] for pid in recent}
    if not can_learn(decided):
        return None
    tags = {pid: list(states[pid].tags) for pid in decided}
    ids = list(decided)
    return TrainingSet(
        ids=ids,
        kept=[decided[pid] for pid in ids],
        tags=[tags[pid] for pid in ids],
        fingerprint=fingerprint(decided, tags),
        read=library.full_papers,
        head=library.head,
    )


def decision_count(library: Library) -> int:
    """How many papers the user has decided on (kept or skipped)."""
    return sum(1 for state in library.states.values() if state.status in KEPT or state.status in NOT_KEPT)


def cached_model(library: Library, fp: str) -> Model | None:
    """The cached model if it was fitted on exactly these decisions (else None: refit)."""
    return cached_model_at(library.root, fp)


def cached_model_at(root: Path, fp: str) -> Model | None:
    """`cached_model` for a worker, which holds only the library's folder."""
    try:
        data: bytes | None = (root / CACHE_DIR / CACHE_NAME).read_bytes()
    except OSError:
        data = None
    model = Model.from_json(data) if data else None
    return model if model is not None and model.fingerprint == fp else None


def save_model(library: Library, model: Model) -> None:
    library.store.write_cache(CACHE_NAME, model.to_json())


def save_model_at(root: Path, model: Model) -> None:
    """`save_model` for a worker, which holds only the library's folder (best effort)."""
    write_cache_file(root, CACHE_NAME, model.to_json())


def watchlist(library: Library) -> list[WatchEntry]:
    raw = read_settings(library.root).get(WATCH_KEY)
    entries = [WatchEntry.from_dict(item) for item in raw] if isinstance(raw, list) else []
    return [e for e in entries if e is not None]


def save_watchlist(library: Library, entries: Sequence[WatchEntry]) -> None:
    settings = read_settings(library.root)
    settings[WATCH_KEY] = [e.to_dict() for e in entries]
    write_settings(library.store, settings)


def ranker(library: Library, *, fit_now: bool = True) -> Ranker:
    """The ranker for the library as it is: the cached model, else a freshly fitted one.

    With `fit_now=False` a stale or missing model is not refitted (the app fits in a worker):
    the ranker then has no model and keeps the page order until the fit lands.
    """
    data = training_set(library)
    model = None
    if data is not None:
        model = cached_model(library, data.fingerprint)
        if model is None and fit_now:
            model = data.fit()
            save_model(library, model)
    return Ranker(model, watchlist(library))


def rank_ids(library: Library, ranker_: Ranker, ids: Sequence[str], *, reasons: bool = False) -> list[Ranked]:
    """Rank these papers (in the given, page, order for ties)."""
    papers = [library.paper(pid) for pid in ids]
    return ranker_.rank(papers, {pid: library.state(pid).tags for pid in ids}, reasons=reasons)
