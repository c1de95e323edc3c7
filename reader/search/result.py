"""What a search returns: a `SearchResult` (ids and highlights from one call), or `Hit`s.

Highlights are worked out when first read, so a search that finds 100k papers does not
highlight 100k titles: the list asks only for the rows it draws.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from reader.search.highlight import Spans
from reader.search.query import Query

__all__ = ["Highlights", "Hit", "SearchResult", "SpanSpec"]

SpanSpec = tuple[list[tuple[str, bool]], tuple[str, ...], dict[str, list[str]]]
"""(words with their word-start flag, phrases, near spellings by word) of one search."""


class TitleSource(Protocol):
    """What lazy highlights read: the index that made them."""

    def _title_spans(self, index: int, spec: SpanSpec) -> Spans: ...


@dataclass(frozen=True)
class Hit:
    """One paper the query matched."""

    id: str
    score: float
    """Relevance from 0 to 100 (0 for filter-only queries, which keep the scope's order)."""
    title_spans: tuple[tuple[int, int], ...] = ()
    """Ranges of `paper.title` to highlight."""


class _SpansOnDemand:
    """`Hit.title_spans` of the hits a search makes: worked out when first read, then kept.

    A search can return 100k hits of which a screenful is drawn; highlighting them all
    would cost more than the search. A hit from `SearchIndex.search` carries what it needs
    (`_source`) instead; hits made directly hold their spans like any dataclass instance
    (an instance attribute wins over this non-data descriptor).
    """

    def __get__(self, hit: Hit | None, owner: type | None = None) -> tuple[tuple[int, int], ...]:
        if hit is None:
            return ()  # the field's default, as `Hit.title_spans`
        state = hit.__dict__
        source = state.get("_source")
        spans: tuple[tuple[int, int], ...] = () if source is None else source[0]._title_spans(source[1], source[2])
        state["title_spans"] = spans
        state.pop("_source", None)
        return spans


Hit.title_spans = _SpansOnDemand()  # type: ignore[assignment]  # after the dataclass kept the default


def lazy_hit(pid: str, score: float, source: tuple[TitleSource, int, SpanSpec]) -> Hit:
    """A hit whose `title_spans` are worked out when first read."""
    hit = object.__new__(Hit)
    state = hit.__dict__  # frozen: fill the instance directly, as dataclasses itself does
    state["id"] = pid
    state["score"] = score
    state["_source"] = source
    return hit


class Highlights(Mapping[str, Spans]):
    """The title ranges to highlight for each hit of a search, worked out when first read.

    Keys are the hit ids, in the result's order. A hit whose title none of the query's words
    or phrases matched (and every hit of a filter-only query) maps to `()`.
    """

    __slots__ = ("_ids", "_known", "_order", "_positions", "_rank", "_scores", "_source", "_spec", "_untitled")

    def __init__(
        self,
        ids: Sequence[str],
        positions: Sequence[int],
        order: Sequence[int] | None,
        scores: Sequence[float] | None,
        untitled: float,
        source: TitleSource,
        spec: SpanSpec | None,
    ) -> None:
        self._ids = ids
        self._positions = positions
        """Index positions of the hits in the index's scan order."""
        self._order = order
        """The k-th id is `positions[order[k]]` (None: the same order)."""
        self._scores = scores
        self._untitled = untitled
        """A score at or below this means no title match (nothing to light up)."""
        self._source = source
        self._spec = spec
        self._rank: dict[str, int] | None = None
        self._known: dict[str, Spans] = {}

    def _ranks(self) -> dict[str, int]:
        rank = self._rank
        if rank is None:
            rank = self._rank = {pid: k for k, pid in enumerate(self._ids)}
        return rank

    def __getitem__(self, pid: str) -> Spans:
        known = self._known.get(pid)
        if known is not None:
            return known
        k = self._ranks()[pid]  # KeyError for an id that is not a hit, as any mapping
        j = k if self._order is None else self._order[k]
        spans: Spans = ()
        if self._spec is not None and self._scores is not None and self._scores[j] > self._untitled:
            spans = self._source._title_spans(self._positions[j], self._spec)
        self._known[pid] = spans
        return spans

    def __contains__(self, pid: object) -> bool:
        return pid in self._ranks()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass(frozen=True, eq=False)
class SearchResult:
    """One search: the matching ids, best first (or in scope order for filter-only queries),
    and the title highlights of each, from a single call (`SearchIndex.find`)."""

    query: Query
    ids: list[str]
    highlights: Highlights
    pending: bool = False
    """Full text was asked for while the full-text cache was being built: the words and
    phrases were searched in titles and notes only (search again once it is built)."""

    @property
    def scoped(self) -> bool:
        """True when the query names a status or day itself (so it may search beyond a view)."""
        return self.query.scoped
