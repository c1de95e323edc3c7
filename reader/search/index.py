"""The index: every paper's searchable text, folded once, and searches over it.

`SearchIndex` keeps every paper's searchable text lower-cased and accent-folded, built once
and refreshed when the library changes, never per keystroke. A search first finds plain
substrings; only a word with few substring hits is matched fuzzily (see `reader.search.typo`)
by finding its near spellings as substrings.

Narrowing: while the user extends the last word of a query (or adds a word), the search looks
only within the previous result instead of the whole scope; deleting back to a query searched
on the way returns that result again. The steps of the current query are kept per scope kind
(titles only, full text), so the app's titles-then-full-text calls per keystroke do not undo
each other. `narrowing = False` turns it off (the benchmark compares).

A large library's titles also get arrays (`TITLE_ARRAYS_FROM`): one- and two-letter words are
looked up by their word starts, longer needles tested only in titles whose byte pairs allow them.

Full text of a large library (`fulltext_from` papers, 10,000 unless `READER_FULLTEXT_CACHE_FROM`
says otherwise) is not folded into memory: words and phrases of three characters or more are
looked up in the on-disk FTS5 cache (`reader.search.fulltext`), which matches exactly the same
papers; titles, notes and shorter needles stay in memory. While the cache is being built in the
background (the app), full-text words search titles and notes only and the result says
`pending`; a command builds it first. Any trouble with the cache means searching without it.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from reader import backlog
from reader.models import Paper, PaperHead, Status
from reader.search import fulltext
from reader.search.fold import author_text, body_text, fold, fold_mapped, spaced_title
from reader.search.highlight import Spans, spans_in, word_start_only
from reader.search.query import ANY, AUTHOR, DAY, NOTHING, PHRASE, STATUS, TAG, WORD, Query, Term, parse_query
from reader.search.result import Highlights, Hit, SearchResult, SpanSpec, lazy_hit
from reader.search.typo import MIN_FUZZY, Vocabulary, near_spellings

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from reader.library import Library

    Positions = list[int] | NDArray[np.int64]
    Scores = list[float] | NDArray[np.float64]

__all__ = ["SearchIndex"]

T = TypeVar("T")

MEMORY = "memory"
"""Full text searched in memory: every body folded and kept (small libraries)."""
CACHE = "cache"
"""Full text searched in the on-disk FTS5 cache (`reader.search.fulltext`)."""
PENDING = "pending"
"""The cache is being built in the background: full-text words search titles and notes only."""

FEW_HITS = 10
"""A word with fewer substring hits than this is also matched fuzzily."""


# Relevance of one word or phrase in one paper; the hit's score is the mean over its text terms.
TITLE_WORD_START = 100.0
TITLE_INSIDE = 90.0
BODY = 30.0


def _title_fuzzy(ratio: float) -> float:
    return 40.0 + 0.4 * ratio  # below TITLE_INSIDE, above BODY


def _body_fuzzy(ratio: float) -> float:
    return 10.0 + 0.15 * ratio  # below BODY


def _title_tier(title: str, needle: str) -> float | None:
    start = title.find(needle)
    if start < 0:
        return None
    while start >= 0:
        if start == 0 or not title[start - 1].isalnum():
            return TITLE_WORD_START
        start = title.find(needle, start + 1)
    return TITLE_INSIDE


MANY_HITS = 2_000
"""With more full-text hits than this, the title hits among them are found in one pass over
the titles rather than by testing each hit's title (~60,000 hits at 100k: ~45 -> ~8 ms)."""

ARRAY_HITS = 10_000
"""With more hits than this in a scan of the whole library (a first letter at 100k papers:
~31,000), they are put in scope order with NumPy (~9 -> ~1 ms). Below it, NumPy is not even
imported: a small library's command does not pay for loading it."""

TITLE_ARRAYS_FROM = 10_000
"""From this many papers on, a search through many of the titles (an eighth of them or more)
uses arrays built once instead of testing every title in Python: a one- or two-letter word is
looked up in `_WordStarts` (at 100k papers, finding the ~31,000 titles for `d`: ~40 -> ~1 ms),
a longer needle is tested only in the titles `_TitlePairs` leaves (`dif`: ~8,000 of 100,000).
Together ~7.5 MB at 100k, where the spaced titles they replace took ~13 MB. Below it, titles
are tested one by one and NumPy is not imported."""

STALE_TITLES = 1_000
"""At most this many titles changed or added since those arrays were built are tested one by
one (~1 ms); beyond, they are built again (~0.1 s at 100k)."""

TRAIL = 64
"""Steps of the current query kept for narrowing, per scope kind (a query is typed, not pasted)."""
TRAIL_POSITIONS = 1_000_000
"""At most this many hits (matched and result) are kept over a trail's steps, oldest dropped
first: ~80 MB at most, so a long query of common letters in a 100k library stays bounded."""


def _extends(tail: Term, previous: Term) -> bool:
    """Whether every substring hit of `tail` is a substring hit of `previous`."""
    return (
        tail.kind == previous.kind
        and tail.value.startswith(previous.value)
        and (tail.kind == PHRASE or word_start_only(tail.value) == word_start_only(previous.value))
    )


def _pick(items: Sequence[T], places: Sequence[int]) -> list[T]:
    """`[items[k] for k in places]` in one C call: for tens of thousands of hits, a third
    less time than the comprehension (which runs bytecode per hit)."""
    if len(places) < 2:
        return [items[k] for k in places]
    return list(operator.itemgetter(*places)(items))


_UTF8 = ("utf-8", "surrogatepass")
"""How a blob and its needles are encoded (a lone surrogate in pasted text must not raise)."""


class _Blob:
    """Texts joined by newlines, so finding which hold a needle is one C-speed `find` per
    hit instead of a Python test per text (20,000 notes at 100k papers: ~67 ms -> a few ms).

    Kept as UTF-8 bytes, with its offsets in arrays: one Greek letter among 100,000 titles would
    make a joined `str` two bytes a character (4 for an emoji), and a list holds an int object
    per text (at 100k papers: ~35 -> ~20 MB for the titles' and the notes' blobs). A UTF-8
    needle is found only at the start of a character, so a text holds the needle exactly when
    its bytes hold the needle's bytes.
    """

    __slots__ = ("positions", "starts", "text")

    def __init__(self, items: Iterable[tuple[int, str]]) -> None:
        self.positions = array("q")
        """The index position of each text, in order."""
        self.starts = array("q")
        """Where each text starts in `text` (a byte offset)."""
        parts: list[str] = []
        offset = 0
        for position, text in items:
            self.positions.append(position)
            self.starts.append(offset)
            parts.append(text)
            offset += (len(text) if text.isascii() else len(text.encode(*_UTF8))) + 1
        self.text = "\n".join(parts).encode(*_UTF8)

    def holding(self, needle: str) -> list[int]:
        """The positions of the texts that hold `needle` (a needle never holds a newline)."""
        text, starts, positions = self.text, self.starts, self.positions
        found: list[int] = []
        count = len(starts)
        pattern = needle.encode(*_UTF8)
        at = text.find(pattern) if pattern else -1
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            found.append(positions[k])
            at = text.find(pattern, starts[k + 1]) if k + 1 < count else -1
        return found


_SPACED_BYTES = bytes(c if c >= 0x80 or chr(c).isalnum() else 32 for c in range(256))
"""Byte map: ASCII letters and digits and the bytes of multi-byte characters stay, the rest
becomes a space (as `spaced_title` does to an ASCII title)."""

CHUNK = 2_048
"""Titles turned into arrays at a time: the short-lived arrays stay small (the allocator keeps
freed memory for later, so a peak while building would stay in the app's memory)."""


def _firsts(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Which values of a sorted array differ from the one before (each value's first)."""
    import numpy as np

    firsts = np.ones(len(values), dtype=np.bool_)
    np.not_equal(values[1:], values[:-1], out=firsts[1:])
    return firsts


class _TitleArrays:
    """Arrays built once from the titles: what changed since is tested title by title."""

    __slots__ = ("changed", "size")

    def __init__(self, titles: Sequence[str]) -> None:
        self.size = len(titles)
        """How many titles are in the arrays (those added later are not)."""
        self.changed: set[int] = set()
        """Positions (below `size`) whose title changed since the arrays were built."""

    def stale(self, count: int) -> bool:
        """Whether so many titles changed or came since that the arrays are built again."""
        return len(self.changed) + count - self.size > STALE_TITLES


class _WordStarts(_TitleArrays):
    """For each pair of bytes, the titles with a word starting with it, as arrays (large libraries).

    A word is a maximal run of letters and digits (the words of `spaced_title`) in UTF-8. A
    one- or two-letter needle of one or two bytes starts a word of exactly the titles listed
    under the pairs starting with it, so its hits are an array slice (`d` at 100k papers:
    ~31,000 titles) instead of a test per title; a longer needle (a letter beyond ASCII) is
    tested in the titles listed under its first two bytes.
    """

    __slots__ = ("holders", "offsets")

    def __init__(self, titles: Sequence[str]) -> None:
        import numpy as np

        super().__init__(titles)
        # Each chunk's (pair, title) entries, sorted and without repeats, then placed pair by
        # pair: no array of all entries but the result (a sort of them all left ~30 MB of
        # freed memory the allocator kept at 100k papers).
        pieces: list[tuple[NDArray[np.uint16], NDArray[np.int32]]] = []
        counts = np.zeros(65_536, dtype=np.int64)
        for first in range(0, len(titles), CHUNK):
            # a title beyond ASCII is spaced on its own (its punctuation may be beyond ASCII too)
            encoded = [(t if t.isascii() else spaced_title(t)).encode() for t in titles[first : first + CHUNK]]
            ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1)
            text = np.frombuffer(b" ".join(encoded).translate(_SPACED_BYTES) + b"  ", dtype=np.uint8)
            letter = text != 32
            at = np.flatnonzero(letter[1:] & ~letter[:-1]) + 1
            if letter[0]:
                at = np.concatenate(([0], at))
            entries = (text[at].astype(np.int64) << 8 | text[at + 1]) << 32 | np.searchsorted(ends, at, side="right")
            entries.sort()
            entries = entries[_firsts(entries)]  # a pair twice in a title
            pairs = (entries >> 32).astype(np.uint16)
            pieces.append((pairs, (entries & 0xFFFFFFFF).astype(np.int32) + first))
            counts += np.bincount(pairs, minlength=65_536)
        self.offsets: NDArray[np.int64] = np.zeros(65_537, dtype=np.int64)
        """Pair k (first byte * 256 + second; a space after a one-byte word) holds
        `holders[offsets[k] : offsets[k + 1]]`."""
        np.cumsum(counts, out=self.offsets[1:])
        self.holders: NDArray[np.int32] = np.zeros(int(self.offsets[-1]), dtype=np.int32)
        """Title positions, by pair, ascending within a pair."""
        free = self.offsets[:-1].copy()  # where each pair's next entries go (chunks in order)
        for pairs, owners in pieces:
            rank = np.arange(len(pairs)) - np.searchsorted(pairs, pairs)  # place within its pair
            self.holders[free[pairs] + rank] = owners
            free += np.bincount(pairs, minlength=65_536)

    def marks(self, needle: str, titles: Sequence[str]) -> NDArray[np.int8]:
        """For each title: 2 if `needle` (one or two letters or digits) starts one of its words,
        else 0 (the titles after the first `size` are left at 0)."""
        import numpy as np

        key = needle.encode()
        low = key[0] << 8 | (key[1] if len(key) > 1 else 0)  # one byte: all pairs starting with it
        high = low + 1 if len(key) > 1 else low + 256
        marks = np.zeros(len(titles), dtype=np.int8)
        held = self.holders[self.offsets[low] : self.offsets[high]]
        marks[held] = 2
        if len(key) > 2:  # listed under its first two bytes: test each of those titles
            for i in held.tolist():
                if _title_tier(titles[i], needle) != TITLE_WORD_START:
                    marks[i] = 0
        return marks


SIGNATURE_BITS = 256
"""Bits of a title's `_TitlePairs` signature (32 bytes a title: 3.2 MB at 100k; 512 bits skip only a
fifth more of the titles for `dif`, as pairs like `di` and `if` tend to come together)."""


def _pair_bits(first: NDArray[np.uint8], second: NDArray[np.uint8]) -> NDArray[np.uint32]:
    """The bit (below `SIGNATURE_BITS`) of each pair of adjacent bytes (a multiplicative hash)."""
    import numpy as np

    mixed = first.astype(np.uint32) * np.uint32(0x9E3779B1) ^ second.astype(np.uint32) * np.uint32(0x85EBCA77)
    return mixed >> np.uint32(32 - SIGNATURE_BITS.bit_length() + 1)


class _TitlePairs(_TitleArrays):
    """A signature per title (`SIGNATURE_BITS`): which (hashed) pairs of adjacent bytes its UTF-8 holds.

    A title that holds a needle holds each of its byte pairs, so only the titles whose
    signature has all of the needle's bits can hold it: at 100k papers, `dif` leaves ~8,000
    titles to test in Python instead of 100,000. The test decides; the signature only skips.
    """

    __slots__ = ("bits",)

    def __init__(self, titles: Sequence[str]) -> None:
        import numpy as np

        super().__init__(titles)
        self.bits: NDArray[np.uint64] = np.zeros((len(titles), SIGNATURE_BITS // 64), dtype=np.uint64)
        for first in range(0, len(titles), CHUNK):
            encoded = [t.encode("utf-8", "surrogatepass") for t in titles[first : first + CHUNK]]
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
            text = np.frombuffer(b"\n".join(encoded), dtype=np.uint8)
            # each pair counts for the title of its first byte (a pair across titles: a spare bit)
            owner = np.repeat(np.arange(len(encoded)), lengths + 1)[: max(len(text) - 1, 0)]
            flags = np.zeros((len(encoded), SIGNATURE_BITS), dtype=np.bool_)
            flags[owner, _pair_bits(text[:-1], text[1:])] = True
            self.bits[first : first + len(encoded)] = np.packbits(flags, axis=1, bitorder="little").view(np.uint64)

    def candidates(self, needle: str, count: int) -> NDArray[np.bool_] | None:
        """For each of `count` titles, whether it may hold `needle` (those after the first
        `size`: yes); None for a needle of one byte (no pairs)."""
        import numpy as np

        key = np.frombuffer(needle.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        if len(key) < 2:
            return None
        flags = np.zeros(SIGNATURE_BITS, dtype=np.bool_)
        flags[_pair_bits(key[:-1], key[1:])] = True
        wanted = np.packbits(flags, bitorder="little").view(np.uint64)
        maybe = np.ones(count, dtype=np.bool_)
        known = maybe[: self.size]
        for word, bits in enumerate(wanted.tolist()):
            if bits:
                known &= (self.bits[:, word] & np.uint64(bits)) == np.uint64(bits)
        return maybe


@dataclass(slots=True)
class _Step:
    """One search of the current query, for narrowing while it grows (or shrinks back)."""

    key: tuple[object, ...]
    head: tuple[Term, ...]
    tail: Term
    base: Positions
    """Papers passing the filters and every text term but the last, in scope order."""
    base_scores: Scores
    matched: Positions = field(default_factory=list)
    """Positions in `base` where the last term occurs as a substring (ascending)."""
    matched_tiers: Scores = field(default_factory=list)
    result: list[int] = field(default_factory=list)
    result_scores: list[float] = field(default_factory=list)


class SearchIndex:
    """Searchable text of every paper in a library, folded once; searches over it."""

    narrowing: bool = True
    """Whether a search that extends the previous one looks only within its result."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._papers: list[PaperHead] = []
        self._titles: list[str] = []
        self._authors: list[str] | None = None
        """Folded author names, one per line (built on the first `author:` term)."""
        self._title_maps: dict[int, tuple[str, list[int] | None]] = {}
        self._spaced: list[str] | None = None
        """Folded titles with a space before every word and none of the punctuation, so a word
        start is a plain substring test (built on the first one- or two-letter word)."""
        self._bodies: list[str] | None = None
        """Folded title, abstract, authors, AI summary and keywords (built on the first full-text
        search). The title comes first so that one substring test covers a whole paper."""
        self._notes: dict[int, str] = {}
        """Folded notes by index position (kept in step once the first full-text search needs them)."""
        self._notes_source: dict[int, str] = {}
        self._notes_blob: _Blob | None = None
        """The notes joined, for finding a needle in all of them at once (rebuilt when one changes)."""
        self._titles_blob: _Blob | None = None
        """The folded titles joined, for finding the title hits among many hits at once."""
        self._word_starts: _WordStarts | None = None
        """Word starts of the titles, in a large library (built on the first short word)."""
        self._title_pairs: _TitlePairs | None = None
        """Byte pairs of the titles, in a large library (built on the second longer needle)."""
        self._pairs_wanted = False
        self._notes_wanted = False
        self._latest_day = ""
        self._title_vocab: Vocabulary | None = None
        self._full_vocab: Vocabulary | None = None
        self._cache_vocab: Vocabulary | None = None
        """The full-text vocabulary while the cache is used: titles, the cache's words, notes."""
        self._all_order: list[int] | None = None
        self._scope_cache: tuple[int, list[str] | None, list[int]] | None = None
        """(serial, the ids given or None for the whole library, their index positions)."""
        self._serials = itertools.count()
        self._lock = threading.RLock()
        """Held while the index changes: the app searches full text in a thread."""
        self.path = ""
        """How the last search went: `scope` (from the whole scope, through the filters),
        `narrowed` (within a previous result) or `reused` (a result searched on the way)."""
        self._trails: dict[bool, list[_Step]] = {}
        """By `full_text`: the searches of the current query, each narrowed from one before it."""
        self._filter_cache: dict[bool, tuple[tuple[object, ...], list[int]]] = {}
        """By `full_text`, the last filtered scope: (the key of `_run`, index positions). Never mutated."""
        self._rank_cache: dict[bool, tuple[Positions, int, list[int] | None]] = {}
        """By `full_text`, (a base, its length, `_ranks` of it): kept while the same base is searched."""
        self._zero_scores: list[float] = []
        self._held: dict[str, tuple[_Blob, str, list[int]]] = {}
        """By kind (`titles`, `notes`): (the blob, the needle last looked for in it, the positions holding it)."""
        self._rank_arrays: dict[bool, tuple[Positions, int, NDArray[np.int64] | None]] = {}
        """As `_rank_cache`, for `_rank_array`."""
        self._plain_hits: list[Hit] = []
        """One reusable hit per paper for filter-only queries (hits are immutable)."""
        self._alternatives: dict[tuple[str, bool], list[tuple[str, float]]] = {}
        """Near spellings looked up since the last refresh, by (word, full_text)."""
        self._occurrence_cache: dict[tuple[str, bool], tuple[list[int], list[int]]] = {}
        """Where each near spelling occurs, by (spelling, full_text), until the next refresh."""
        self._fts: fulltext.FullTextCache | None = None
        self._fts_rowpos: NDArray[np.int64] | None = None
        """Index position of each cache rowid (-1: not in this index)."""
        self._arrays: dict[int, tuple[Sequence[Any], NDArray[Any]]] = {}
        """`_array` of a base or its scores, by the list's id (the list is kept with it)."""
        self._fts_sorted = False
        """Whether rowid order is index order (the cache was built from this library's order)."""
        self._fts_token: tuple[int, int] = (-1, -1)
        """(cache generation, index size) `_fts_rowpos` was built for."""
        self._mode = MEMORY
        """How the current search reads full text: `MEMORY`, `CACHE` or `PENDING`."""
        self._mode_seen: tuple[str, int] = (MEMORY, -1)
        self.background: bool | None = None
        """Build the full-text cache in a background thread and search without it meanwhile
        (the app), or build it before searching (commands). None: the app if the library was
        opened by it (`holder == "app"`)."""
        self.progress: Callable[[str], None] | None = None
        """Told when a command builds the full-text cache before searching (it can take minutes)."""
        self.fulltext_from = fulltext.threshold()
        """From this many papers on, full text is searched in the on-disk cache (see `fulltext`)."""
        self.pending = False
        """The last full-text search ran while the cache was being built: titles and notes only."""
        self._version = library.version
        # Built in bulk: only titles are folded now, the rest on first use.
        items = list(library.papers.items())
        self._ids = [pid for pid, _ in items]
        self._pos = {pid: n for n, pid in enumerate(self._ids)}
        self._papers = [paper for _, paper in items]
        self._titles = [fold(paper.title) for paper in self._papers]
        self._latest_day = max((paper.days[-1] for paper in self._papers if paper.days), default="")

    # -- building ----------------------------------------------------------------------------

    def _add(self, pid: str, paper: PaperHead) -> None:
        self._pos[pid] = len(self._ids)
        self._ids.append(pid)
        self._papers.append(paper)
        self._titles.append(fold(paper.title))
        self._titles_blob = None
        if self._authors is not None:
            self._authors.append(author_text(self.library.paper(pid)))
        if self._spaced is not None:
            self._spaced.append(spaced_title(self._titles[-1]))
        if self._bodies is not None:
            self._bodies.append(body_text(self.library.paper(pid)))
        self._note_paper(len(self._ids) - 1, paper)

    def _replace(self, index: int, paper: PaperHead) -> None:
        self._papers[index] = paper
        self._title_maps.pop(index, None)
        title = fold(paper.title)
        if title != self._titles[index]:
            for arrays in (self._word_starts, self._title_pairs):
                if arrays is not None and index < arrays.size:
                    arrays.changed.add(index)
        self._titles[index] = title
        self._titles_blob = None
        if self._authors is not None:
            self._authors[index] = author_text(self.library.paper(paper.id))
        if self._spaced is not None:
            self._spaced[index] = spaced_title(self._titles[index])
        if self._bodies is not None:
            self._bodies[index] = body_text(self.library.paper(paper.id))
        self._note_paper(index, paper)

    def _note_paper(self, index: int, paper: PaperHead) -> None:
        if paper.days and paper.days[-1] > self._latest_day:
            self._latest_day = paper.days[-1]
        if self._title_vocab is not None:
            self._title_vocab.add([self._titles[index]])
        if self._full_vocab is not None:
            self._full_vocab.add(self._short_texts(index, self.library.paper(self._ids[index])))

    def _sync_notes(self) -> None:
        """Fold the notes that changed since the last look (user state is small)."""
        states = self.library.states
        seen: set[int] = set()
        for pid, state in list(states.items()):
            index = self._pos.get(pid)
            if index is None or not state.notes:
                continue
            seen.add(index)
            if self._notes_source.get(index) is not state.notes:
                self._notes_blob = None
                self._notes_source[index] = state.notes
                folded = " ".join(fold(state.notes).split())
                # notes already folded (lower case, single spaces) are kept once, not twice
                self._notes[index] = state.notes if folded == state.notes else folded
                for vocabulary in (self._full_vocab, self._cache_vocab):
                    if vocabulary is not None:
                        vocabulary.add([self._notes[index]])
        for index in [i for i in self._notes if i not in seen]:
            self._notes_blob = None
            del self._notes[index]
            del self._notes_source[index]

    def _ensure_spaced(self) -> list[str]:
        spaced = self._spaced
        if spaced is None:
            with self._lock:
                if self._spaced is None:
                    self._spaced = [spaced_title(title) for title in self._titles]
                spaced = self._spaced
        return spaced

    def _arrays_for(self, candidates: int) -> bool:
        """Whether a search through `candidates` titles uses the title arrays: in a large
        library, for many candidates (a look-up costs about as much as testing a few thousand
        titles one by one)."""
        count = len(self._titles)
        return count >= TITLE_ARRAYS_FROM and 8 * candidates >= count

    def _word_marks(self, needle: str) -> NDArray[np.int8]:
        """`_WordStarts.marks` for every title, including those changed since it was built."""
        titles = self._titles
        starts = self._word_starts
        if starts is None or starts.stale(len(titles)):
            with self._lock:
                starts = self._word_starts
                if starts is None or starts.stale(len(titles)):
                    starts = self._word_starts = _WordStarts(titles)
        marks = starts.marks(needle, titles)
        for i in [*starts.changed, *range(starts.size, len(titles))]:
            marks[i] = 2 if _title_tier(titles[i], needle) == TITLE_WORD_START else 0
        return marks

    def _title_candidates(self, needle: str) -> NDArray[np.bool_] | None:
        """`_TitlePairs.candidates` for every title (those changed since it was built: yes).

        None the first time: a command that searches once would spend more on building the
        signatures and importing NumPy (~0.3 s at 100k) than on one plain scan (~30 ms).
        """
        titles = self._titles
        pairs = self._title_pairs
        if pairs is None and not self._pairs_wanted:
            self._pairs_wanted = True
            return None
        if pairs is None or pairs.stale(len(titles)):
            with self._lock:
                pairs = self._title_pairs
                if pairs is None or pairs.stale(len(titles)):
                    pairs = self._title_pairs = _TitlePairs(titles)
        maybe = pairs.candidates(needle, len(titles))
        if maybe is not None and pairs.changed:
            maybe[list(pairs.changed)] = True
        return maybe

    def _ensure_authors(self) -> list[str]:
        authors = self._authors
        if authors is None:
            with self._lock:
                if self._authors is None:
                    self._authors = [author_text(paper) for paper in self.library.full_papers(self._ids)]
                authors = self._authors
        return authors

    def _ensure_bodies(self) -> list[str]:
        """The bodies (and the notes), built on first need."""
        bodies = self._bodies
        if bodies is None:
            with self._lock:
                self._ensure_notes()
                if self._bodies is None:
                    self._bodies = [body_text(paper) for paper in self.library.full_papers(self._ids)]
                bodies = self._bodies
        return bodies

    def _ensure_notes(self) -> dict[int, str]:
        """The folded notes by index position, kept in step from the first call on."""
        if not self._notes_wanted:
            with self._lock:
                if not self._notes_wanted:
                    self._sync_notes()
                    self._notes_wanted = True
        return self._notes

    def _notes_holding(self, needle: str) -> list[int]:
        """Index positions whose notes hold `needle` (the notes must be wanted: `_ensure_notes`)."""
        blob = self._notes_blob
        if blob is None:
            blob = self._notes_blob = _Blob(sorted(list(self._notes.items())))
        notes = self._notes
        return self._holding("notes", blob, needle, lambda i: notes.get(i, ""))

    def _titles_holding(self, needle: str) -> list[int]:
        """Index positions whose folded title holds `needle`, ascending."""
        blob = self._titles_blob
        if blob is None:
            blob = self._titles_blob = _Blob(enumerate(self._titles))
        return self._holding("titles", blob, needle, self._titles.__getitem__)

    def _holding(self, kind: str, blob: _Blob, needle: str, text: Callable[[int], str]) -> list[int]:
        """`blob.holding(needle)`, narrowed from the blob's last answer while the needle grows
        (a word typed letter by letter: every text holding `diff` holds `dif`)."""
        last = self._held.get(kind)
        if last is not None and last[0] is blob and needle.startswith(last[1]):
            found = [i for i in last[2] if needle in text(i)]
        else:
            found = blob.holding(needle)
        self._held[kind] = (blob, needle, found)
        return found

    # -- the full-text cache -----------------------------------------------------------------

    def fulltext_cache(self) -> fulltext.FullTextCache | None:
        """The library's full-text cache, if this library is large enough to use one."""
        if self._fts is None:
            if len(self._ids) < self.fulltext_from or not fulltext.available():
                return None
            with self._lock:
                if self._fts is None:
                    root = self.library.root
                    # a library stored in shards says so (`fulltext.Shards`); today's is one shard
                    source = self.library.fulltext_shards()
                    self._fts = fulltext.FullTextCache(fulltext.cache_path(root), source, library=root)
        return self._fts

    def _in_background(self) -> bool:
        if self.background is not None:
            return self.background
        return getattr(self.library.store, "holder", "cli") == "app"

    def _cache_mode(self) -> str:
        """How full text is read now: from the cache (built now, or in the background), or in memory."""
        cache = self.fulltext_cache()
        if cache is None:
            return MEMORY
        if not cache.current():
            if self._in_background():
                if cache.failed is None or cache.building:
                    cache.start_update()
                    return PENDING
                cache.start_update()  # retried only once the library changed (see `update`)
                return MEMORY
            if not cache.update(self.progress) or not cache.current():
                return MEMORY
        token = (cache.generation, len(self._ids))
        if token != self._fts_token:
            try:
                rows = cache.rows()
            except fulltext.CacheError:
                return PENDING if self._in_background() else MEMORY
            import numpy as np

            pos = self._pos
            rowpos = [-1] * (max((r for r, _ in rows), default=0) + 1)
            for rowid, pid in rows:
                rowpos[rowid] = pos.get(pid, -1)
            placed = [p for p in rowpos if p >= 0]
            self._fts_sorted = all(map(operator.lt, placed, placed[1:]))
            self._fts_rowpos = np.array(rowpos, dtype=np.int64)
            self._fts_token = token
        return CACHE

    def _cached_hits(self, needle: str, column: str | None = None) -> NDArray[np.int64]:
        """Index positions (ascending) whose full text (or `column`) holds `needle`, from the cache.

        An array: a common needle has tens of thousands of hits, and every step from the
        cache's rowids to positions in the scope is one NumPy operation (see `_narrow`).
        """
        assert self._fts is not None and self._fts_rowpos is not None
        rowpos = self._fts_rowpos
        rowids = self._fts.match_array(needle, column)
        if len(rowids) and int(rowids.max()) >= len(rowpos):
            raise fulltext.CacheError("the cache changed during the search")
        found = rowpos[rowids]
        found = found[found >= 0]
        if not self._fts_sorted or len(self._fts.shard_tables()) > 1:
            found.sort()  # shards are matched one after another: in rowid order within each
        return found

    def _array(self, values: Sequence[Any] | NDArray[Any], dtype: type) -> NDArray[Any]:
        """`values` (a base or its scores: lists that are never changed) as an array, kept while
        the list is alive, so a base searched key after key is converted once."""
        import numpy as np

        if isinstance(values, np.ndarray):
            return values
        known = self._arrays.get(id(values))
        if known is not None and known[0] is values:
            return known[1]
        array: NDArray[Any] = np.array(values, dtype=dtype)
        if len(self._arrays) >= 8:
            self._arrays.clear()
        self._arrays[id(values)] = (values, array)
        return array

    def _uses_cache(self, needle: str) -> bool:
        return self._mode == CACHE and len(needle) >= fulltext.MIN_NEEDLE

    def refresh(self) -> None:
        """Take in new and changed papers and notes; statuses and tags are always read live."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        version = self.library.version
        current = list(self.library.papers.values())  # a snapshot: the library may change meanwhile
        if len(current) != len(self._papers) or not all(map(operator.is_, current, self._papers)):
            for pid, paper in list(self.library.papers.items()):
                index = self._pos.get(pid)
                if index is None:
                    self._add(pid, paper)
                elif self._papers[index] is not paper:
                    self._replace(index, paper)
            self._all_order = None
            self._scope_cache = None
        if self._notes_wanted:
            self._sync_notes()
        self._alternatives.clear()
        self._occurrence_cache.clear()
        self._trails.clear()
        self._version = version

    def _vocabulary(self, full_text: bool) -> Vocabulary:
        with self._lock:
            return self._build_vocabulary(full_text)

    def _build_vocabulary(self, full_text: bool) -> Vocabulary:
        if not full_text:
            if self._title_vocab is None:
                self._title_vocab = Vocabulary()
                self._title_vocab.add(self._titles)
            return self._title_vocab
        if self._mode != MEMORY:
            if self._cache_vocab is None:
                vocabulary = Vocabulary()
                vocabulary.words.update(self._build_vocabulary(False).words)
                if self._mode == CACHE and self._fts is not None:
                    vocabulary.words.update(self._fts.words())
                vocabulary.add(list(self._ensure_notes().values()))
                self._cache_vocab = vocabulary
            return self._cache_vocab
        if self._full_vocab is None:
            self._ensure_bodies()  # and so the notes
            vocabulary = Vocabulary()
            vocabulary.words.update(self._build_vocabulary(False).words)
            papers = self.library.full_papers(self._ids)
            vocabulary.add(text for n, paper in enumerate(papers) for text in self._short_texts(n, paper)[1:])
            vocabulary.add(list(self._notes.values()))
            self._full_vocab = vocabulary
        return self._full_vocab

    def _short_texts(self, index: int, paper: Paper) -> list[str]:
        """The short searchable fields of a paper, whose words make the full-text vocabulary.

        Abstracts stay out: tokenising them all would stall the first typo for a second at
        100k papers, and the words people search for are almost always in some title,
        summary or keyword list too. A near spelling found here is then searched everywhere.
        """
        texts = [self._titles[index], author_text(paper)]
        if paper.ai_summary:
            texts.append(fold(paper.ai_summary))
        if paper.ai_keywords:
            texts.append(fold(" ".join(paper.ai_keywords)))
        return texts

    # -- searching ---------------------------------------------------------------------------

    def find(self, query: str | Query, *, ids: Sequence[str] | None = None, full_text: bool = True) -> SearchResult:
        """The papers in `ids` (default: the whole library, in display order) that match, and
        their title highlights: the one call per keystroke.

        Order as `search`. The highlights are worked out per id when first read. Calls that
        extend the previous query (same scope and `full_text`) narrow within its result.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        found, scores = self._run(parsed, ids, full_text)
        pids = self._ids
        if not parsed.ranked:
            hit_ids = _pick(pids, found)
            highlights = Highlights(hit_ids, found, None, None, 0.0, self, None)
            return SearchResult(parsed, hit_ids, highlights, self.pending and parsed.ranked)
        order: list[int] | None = None
        if found and scores.count(scores[0]) == len(scores):  # one tier for all (a first letter): scope order
            hit_ids = _pick(pids, found)
        else:
            order = sorted(range(len(found)), key=scores.__getitem__, reverse=True)
            hit_ids = _pick(pids, _pick(found, order))
        spec, untitled = self._span_spec(parsed, full_text)
        highlights = Highlights(hit_ids, found, order, scores, untitled, self, spec)
        return SearchResult(parsed, hit_ids, highlights, self.pending)

    def search(self, query: str | Query, *, ids: Sequence[str] | None = None, full_text: bool = True) -> list[Hit]:
        """The papers in `ids` (default: the whole library, in display order) that match.

        Filter-only queries keep the scope's order; with free words or phrases the best
        matches come first (title above the rest, exact above typo-tolerant), ties in scope
        order. `full_text` extends words and phrases from titles to abstracts, authors,
        summaries, keywords and notes.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        found, scores = self._run(parsed, ids, full_text)
        if not parsed.ranked:
            plain = self._plain_hits
            if len(plain) < len(self._ids):
                plain.extend(Hit(pid, 0.0, ()) for pid in self._ids[len(plain) :])
            return [plain[i] for i in found]
        order = sorted(range(len(found)), key=scores.__getitem__, reverse=True)
        count = len(parsed.words) + len(parsed.phrases)
        spec, untitled = self._span_spec(parsed, full_text)
        pids = self._ids
        hits = []
        for k in order:
            index = found[k]
            if scores[k] <= untitled:
                hits.append(Hit(pids[index], scores[k] / count, ()))
            else:
                hits.append(lazy_hit(pids[index], scores[k] / count, (self, index, spec)))
        return hits

    def search_ids(self, query: str | Query, *, ids: Sequence[str] | None = None, full_text: bool = True) -> list[str]:
        """The ids `search` would return, in the same order, without building hits."""
        return self.find(query, ids=ids, full_text=full_text).ids

    def _span_spec(self, query: Query, full_text: bool) -> tuple[SpanSpec, float]:
        """What highlighting a ranked query's hits needs, and the summed score at or below
        which a hit has no title match (so nothing to highlight)."""
        words, phrases = query.words, query.phrases
        count = len(words) + len(phrases)
        word_specs = [(w, word_start_only(w)) for w in words]
        alternatives = {
            w: [alt for alt, _ in self._alternatives[w, full_text]]
            for w in words
            if (w, full_text) in self._alternatives
        }
        # Every title tier is above `_title_fuzzy(74.5)` ~ 70 and every other one at most BODY
        # and at least `_body_fuzzy(74.5)` ~ 21, so up to five terms a sum of at most
        # BODY * count means that no term matched in the title: there is nothing to highlight.
        return (word_specs, phrases, alternatives), (BODY * count if count <= 5 else -1.0)

    def _title_spans(self, index: int, spec: SpanSpec) -> Spans:
        title = self._papers[index].title
        folded, where = (self._titles[index], None) if title.isascii() else self._mapped_title(index)
        return spans_in(title, folded, where, *spec)

    def _mapped_title(self, index: int) -> tuple[str, list[int] | None]:
        """A non-ASCII title folded with its offset map (kept: the same rows come back)."""
        mapped = self._title_maps.get(index)
        if mapped is None:
            mapped = self._title_maps[index] = fold_mapped(self._papers[index].title)
        return mapped

    def _run(self, query: Query, ids: Sequence[str] | None, full_text: bool) -> tuple[list[int], list[float]]:
        """Matching papers (index positions, scope order) and their summed relevance."""
        if self.library.version != self._version:
            self.refresh()
        self._mode = MEMORY
        if full_text or any(t.kind == AUTHOR for t in query.terms):
            self._mode = self._cache_mode()
        self.pending = full_text and self._mode == PENDING
        seen = (self._mode, self._fts_token[0])
        if seen != self._mode_seen:  # what was found another way is not narrowed from
            self._forget()
            self._mode_seen = seen
        try:
            return self._run_mode(query, ids, full_text)
        except fulltext.CacheError:  # the cache went bad under us: search without it this time
            self._mode = PENDING if self._in_background() else MEMORY
            self.pending = full_text and self._mode == PENDING
            self._mode_seen = (self._mode, -1)
            self._forget()
            return self._run_mode(query, ids, full_text)

    def _forget(self) -> None:
        """Drop what searches kept (results to narrow from, near spellings and where they occur)."""
        self._trails.clear()
        self._filter_cache.clear()
        self._rank_cache.clear()
        self._rank_arrays.clear()
        self._arrays.clear()
        self._alternatives.clear()
        self._occurrence_cache.clear()
        self._cache_vocab = None

    def _run_mode(self, query: Query, ids: Sequence[str] | None, full_text: bool) -> tuple[list[int], list[float]]:
        serial, scope = self._scope(ids)
        filters = tuple(t for t in query.terms if not t.is_text or t.negated)
        texts = tuple(t for t in query.terms if t.is_text and not t.negated)
        key = (serial, full_text, self._version, filters)
        if not texts:
            found = self._base(key, scope, filters, full_text)
            self.path = "scope"
            return found, [0.0] * len(found)
        head, tail = texts[:-1], texts[-1]
        trail = self._trails.get(full_text, [])
        if not self.narrowing or (trail and trail[0].key != key):
            trail = []
        depth = len(trail) - 1
        self.path = "narrowed"
        while depth >= 0:  # the latest step this query can start from
            step = trail[depth]
            if step.head == head and step.tail == tail:
                # Searched on the way here (the user deleted back to it): the same result.
                self._trails[full_text] = trail[: depth + 1]
                self.path = "reused"
                return step.result, step.result_scores
            if step.head == head and _extends(tail, step.tail):
                # The last word grew: its substring hits are among the step's.
                base, base_scores = step.base, step.base_scores
                matched, tiers = self._narrow(base, step.matched, tail, full_text)
                break
            if (*step.head, step.tail) == head:
                base, base_scores = step.result, step.result_scores  # a new word after the step's
                matched, tiers = self._narrow(base, range(len(base)), tail, full_text)
                break
            depth -= 1
        else:
            self.path = "scope"
            base = self._base(key, scope, filters, full_text)
            base_scores = self._zeros(len(base))
            for term in head:
                base, base_scores = self._apply(term, base, base_scores, full_text)
            matched, tiers = self._narrow(base, range(len(base)), tail, full_text)
        result, result_scores = self._complete(base, base_scores, matched, tiers, tail, full_text)
        if self.narrowing:
            step = _Step(key, head, tail, base, base_scores, matched, tiers, result, result_scores)
            kept = [*trail[max(0, depth + 2 - TRAIL) : depth + 1], step]
            size = sum(len(s.matched) + len(s.result) for s in kept)
            while size > TRAIL_POSITIONS and len(kept) > 1:
                size -= len(kept[0].matched) + len(kept[0].result)
                del kept[0]
            self._trails[full_text] = kept
        return result, result_scores

    def _scope(self, ids: Sequence[str] | None) -> tuple[int, list[int]]:
        """A serial number and the index positions of the scope (same ids, same serial)."""
        cached = self._scope_cache  # read once: a search in another thread may replace it
        if ids is None:
            order = self._all_order
            if order is None:
                pos = self._pos
                order = self._all_order = [pos[pid] for pid in self.library.ids() if pid in pos]
            if cached is not None and cached[1] is None and cached[2] is order:
                return cached[0], order
            cached = (next(self._serials), None, order)
        else:
            given = ids if isinstance(ids, list) else list(ids)
            if cached is not None and cached[1] is not None and len(given) == len(cached[1]) and given == cached[1]:
                return cached[0], cached[2]
            pos = self._pos
            copy = list(given)
            cached = (next(self._serials), copy, [pos[pid] for pid in copy if pid in pos])
        self._scope_cache = cached
        return cached[0], cached[2]

    def _base(self, key: tuple[object, ...], scope: list[int], filters: Sequence[Term], full_text: bool) -> list[int]:
        """The scope through the filters, kept while the filters stand (words come and go)."""
        cached = self._filter_cache.get(full_text)
        if cached is not None and cached[0] == key:
            return cached[1]
        found = self._filtered(scope, filters, full_text)
        self._filter_cache[full_text] = (key, found)
        return found

    def _filtered(self, scope: list[int], filters: Sequence[Term], full_text: bool) -> list[int]:
        found = scope
        for term in filters:
            test = self._predicate(term, full_text)
            found = [i for i in found if not test(i)] if term.negated else [i for i in found if test(i)]
        return found if found is not scope else list(scope)

    def _predicate(self, term: Term, full_text: bool) -> Callable[[int], bool]:
        """Whether the paper at an index position satisfies `term` (ignoring negation)."""
        ids, papers, states = self._ids, self._papers, self.library.states
        value = term.value
        short = term.kind == WORD and word_start_only(value)
        if short and self._arrays_for(len(self._titles)):
            import numpy as np

            held = set(np.flatnonzero(self._word_marks(value)).tolist())
            return held.__contains__
        if short:
            spaced, key = self._ensure_spaced(), " " + value
            return lambda i: key in spaced[i]
        if term.kind == WORD or term.kind == PHRASE:
            titles = self._titles
            if not full_text:
                return lambda i: value in titles[i]
            if self._mode == PENDING or self._uses_cache(value):
                notes = self._ensure_notes()
                if self._mode == PENDING:
                    return lambda i: value in titles[i] or value in notes.get(i, "")
                hits = set(self._cached_hits(value).tolist())
                return lambda i: i in hits or value in notes.get(i, "")
            bodies, notes = self._ensure_bodies(), self._notes
            return lambda i: value in bodies[i] or value in notes.get(i, "")
        if value == ANY:
            return lambda i: True
        if value == NOTHING:
            return lambda i: False
        if term.kind == STATUS:
            wanted = set(value.split(","))

            def status(i: int) -> bool:
                state = states.get(ids[i])
                return (state.status.value if state else Status.INBOX.value) in wanted

            return status
        if term.kind == TAG:
            tags = set(value.split(","))

            def tagged(i: int) -> bool:
                state = states.get(ids[i])
                return state is not None and not tags.isdisjoint(state.tags)

            return tagged
        if term.kind == AUTHOR:
            if self._uses_cache(value):
                by = set(self._cached_hits(value, "authors").tolist())
                return lambda i: i in by
            authors = self._ensure_authors()
            return lambda i: value in authors[i]
        if term.kind == DAY:
            day = self._latest_day if value == "latest" else value
            if not day:
                return lambda i: False
            if len(day) == 10:
                return lambda i: day in papers[i].days
            if len(day) == 5:  # MM-DD, any year
                suffix = "-" + day
                return lambda i: any(d.endswith(suffix) for d in papers[i].days)
            return lambda i: any(d.startswith(day) for d in papers[i].days)
        return self._has(value)

    def _has(self, value: str) -> Callable[[int], bool]:
        ids, papers, states = self._ids, self._papers, self.library.states
        if value == "notes":
            return lambda i: bool((s := states.get(ids[i])) and s.notes.strip())
        if value == "tags":
            return lambda i: bool((s := states.get(ids[i])) and s.tags)
        if value == "stale":  # to-read for more than READER_STALE_DAYS (see reader.backlog)
            try:
                stale = backlog.stale_predicate()
            except backlog.SettingError:  # a bad setting is reported by the commands that use it
                stale = backlog.stale_predicate(limit=backlog.DEFAULT_STALE_DAYS)
            return lambda i: stale(states.get(ids[i]))
        attribute = {
            "code": "github_url",
            "summary": "ai_summary",
            "abstract": "abstract",
            "project": "project_url",
            "arxiv": "arxiv_id",
            "keywords": "ai_keywords",
        }[value]
        return lambda i: papers[i].has_field(attribute)

    def _apply(
        self, term: Term, base: list[int], base_scores: list[float], full_text: bool
    ) -> tuple[list[int], list[float]]:
        matched, tiers = self._narrow(base, range(len(base)), term, full_text)
        return self._complete(base, base_scores, matched, tiers, term, full_text)

    def _ranks(self, base: Positions, full_text: bool) -> list[int] | None:
        """For each index position, its place in `base` (-1 if not in it), or None when `base`
        holds a position twice; kept while the same base is searched.

        Maps a scan in memory order back to scope order without a set lookup per paper of
        the scope (at 100k papers, a fresh word's first letter: ~20 ms -> ~15 ms).
        """
        cached = self._rank_cache.get(full_text)
        if cached is not None and cached[0] is base and cached[1] == len(base):
            return cached[2]
        rank: list[int] | None = [-1] * len(self._ids)
        for j, i in enumerate(base):
            if rank[i] >= 0:  # type: ignore[index]
                rank = None
                break
            rank[i] = j  # type: ignore[index]
        self._rank_cache[full_text] = (base, len(base), rank)
        return rank

    def _narrow_cached(
        self, base: Positions, positions: Iterable[int], needle: str, full_text: bool
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """`_narrow` of a needle looked up in the full-text cache: the same answer, in arrays.

        A common needle holds tens of thousands of papers (`dif`: ~62,000 of 100,000), so each
        step (rowids to positions, positions to places in `base`, the title tiers) is one
        NumPy operation instead of a Python loop over the hits.
        """
        import numpy as np

        hits = self._cached_hits(needle)
        noted = self._notes_holding(needle) if full_text else []
        if noted:  # both ascending; a mask merges them without a sort
            merged = np.zeros(len(self._ids), dtype=bool)
            merged[hits] = True
            merged[noted] = True
            hits = np.flatnonzero(merged)
        base_array = self._array(base, np.int64)
        whole = isinstance(positions, range) and 2 * len(base) > len(self._titles)
        rank = self._rank_array(base, full_text) if whole else None
        if rank is not None:
            places = rank[hits]
            matched = np.sort(places[places >= 0])
        else:
            present = np.zeros(len(self._ids), dtype=bool)
            present[hits] = True
            if isinstance(positions, range):
                candidates = np.arange(positions.start, positions.stop, positions.step, dtype=np.int64)
            else:
                candidates = self._array(positions if isinstance(positions, list) else list(positions), np.int64)
            matched = candidates[present[base_array[candidates]]]
        tiers = np.full(len(matched), BODY)
        titles = self._titles
        if len(matched) > MANY_HITS and rank is None:
            rank = self._rank_array(base, full_text)
        if len(matched) > MANY_HITS and rank is not None:
            # most hits are not in the title: find the few that are, in one pass over the titles
            in_title = np.array(self._titles_holding(needle), dtype=np.int64)
            places = rank[in_title] if len(in_title) else in_title
            keep = places >= 0
            in_title, places = in_title[keep], places[keep]
            at = np.searchsorted(matched, places)
            inside = at < len(matched)
            inside[inside] = matched[at[inside]] == places[inside]
            for i, k in zip(in_title[inside].tolist(), at[inside].tolist(), strict=True):
                tiers[k] = _title_tier(titles[i], needle) or TITLE_INSIDE
        else:
            for k, i in enumerate(base_array[matched].tolist()):
                title = titles[i]
                if needle in title:
                    tiers[k] = _title_tier(title, needle) or TITLE_INSIDE
        return matched, tiers

    def _zeros(self, count: int) -> list[float]:
        """`count` zero scores: the same list for the same count (never changed: see `_array`)."""
        zeros = self._zero_scores
        if len(zeros) != count:
            zeros = self._zero_scores = [0.0] * count
        return zeros

    def _rank_array(self, base: Positions, full_text: bool) -> NDArray[np.int64] | None:
        """`_ranks` as an array (None when `base` holds a position twice)."""
        import numpy as np

        cached = self._rank_arrays.get(full_text)
        if cached is not None and cached[0] is base and cached[1] == len(base):
            return cached[2]
        base_array = self._array(base, np.int64)
        array: NDArray[np.int64] | None = np.full(len(self._ids), -1, dtype=np.int64)
        assert array is not None
        array[base_array] = np.arange(len(base_array), dtype=np.int64)
        if int(np.count_nonzero(array >= 0)) != len(base_array):
            array = None  # a position twice
        self._rank_arrays[full_text] = (base, len(base), array)
        return array

    def _marked_places(
        self, base: Positions, positions: Positions | range, marks: NDArray[Any]
    ) -> tuple[NDArray[np.int64], NDArray[Any]]:
        """The places among `positions` (ascending) whose paper in `base` is marked (not 0 in
        `marks`, by index position), and their marks: NumPy operations, no Python per place."""
        import numpy as np

        base_array = self._array(base, np.int64)
        if isinstance(positions, range) and positions == range(len(base)):
            picked = marks[base_array]
            matched = np.flatnonzero(picked)
            picked = picked[matched]
        else:
            if isinstance(positions, range):
                candidates = np.arange(positions.start, positions.stop, positions.step, dtype=np.int64)
            else:
                candidates = self._array(positions, np.int64)
            picked = marks[base_array[candidates]]
            keep = np.flatnonzero(picked)
            matched, picked = candidates[keep], picked[keep]
        return matched, picked

    def _narrow_titles(
        self, base: Positions, positions: Positions | range, needle: str, maybe: NDArray[np.bool_]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """`_narrow` of a needle in the titles that `_TitlePairs` says may hold it: those are
        tested in index order (memory order: scope order jumps around memory and costs about
        twice as much), and the hits put in scope order with NumPy."""
        import numpy as np

        titles = self._titles
        held = [i for i in np.flatnonzero(maybe).tolist() if needle in titles[i]]
        marks = np.zeros(len(titles), dtype=np.int8)
        marks[held] = 1
        marks[[i for i in held if _title_tier(titles[i], needle) == TITLE_WORD_START]] = 2
        matched, picked = self._marked_places(base, positions, marks)
        return matched, np.where(picked == 2, TITLE_WORD_START, TITLE_INSIDE)

    def _narrow(
        self, base: Positions, positions: Positions | range, term: Term, full_text: bool
    ) -> tuple[Positions, Scores]:
        """The positions of `base` (among `positions`) whose text holds `term`, with tiers."""
        # Comprehensions over the candidates (the hot loop), tiers for the few hits after.
        needle = term.value
        titles = self._titles
        short = term.kind == WORD and word_start_only(needle)
        if short and self._arrays_for(len(positions)):
            import numpy as np

            starting = self._marked_places(base, positions, self._word_marks(needle))[0]
            return starting, np.full(len(starting), TITLE_WORD_START)
        if not full_text and not short and self._arrays_for(len(positions)):
            maybe = self._title_candidates(needle)
            if maybe is not None:
                return self._narrow_titles(base, positions, needle, maybe)
        if short and len(titles) >= TITLE_ARRAYS_FROM:
            # A few candidates in a large library, which keeps no spaced titles: test each one.
            candidates = positions if isinstance(positions, list | range) else positions.tolist()
            matched = [j for j in candidates if _title_tier(titles[base[j]], needle) == TITLE_WORD_START]
            return matched, [TITLE_WORD_START] * len(matched)
        if short:
            texts, needle = self._ensure_spaced(), " " + needle
        elif full_text and self._uses_cache(needle):
            self._ensure_notes()
            return self._narrow_cached(base, positions, needle, full_text)
        elif full_text and self._mode != PENDING:
            texts = self._ensure_bodies()  # a body starts with its title
        else:
            texts = titles
        notes = self._ensure_notes() if full_text and not short else {}
        as_list = getattr(positions, "tolist", None)
        if as_list is not None:  # an array from an earlier step: Python ints index lists faster
            positions = list(as_list())
        if isinstance(positions, range) and 2 * len(base) > len(texts):
            # Most of the library: scan in index order, which is memory order (the scope's
            # order jumps around memory and costs three times as much), then keep scope order.
            hits = [i for i, text in enumerate(texts) if needle in text]
            noted = self._notes_holding(needle) if notes else []
            if noted:
                hits = list({*hits, *noted})
            if len(hits) > ARRAY_HITS and (ranks := self._rank_array(base, full_text)) is not None:
                import numpy as np

                places = ranks[np.array(hits, dtype=np.int64)]
                in_order = np.sort(places[places >= 0])
                if short:
                    return in_order, [TITLE_WORD_START] * len(in_order)
                matched = in_order.tolist()
            elif (rank := self._ranks(base, full_text)) is not None:
                matched = sorted([j for j in map(rank.__getitem__, hits) if j >= 0])
            else:
                found = set(hits)
                matched = [j for j, i in enumerate(base) if i in found]
        else:
            # Indexing `base` in the comprehension (no (j, i) pairs from a generator): 2x faster.
            if notes:
                matched = [
                    j
                    for j in positions
                    if needle in texts[base[j]] or (base[j] in notes and needle in notes.get(base[j], ""))
                ]
            else:
                matched = [j for j in positions if needle in texts[base[j]]]
        if short:
            return matched, [TITLE_WORD_START] * len(matched)
        if len(matched) > MANY_HITS and full_text:
            rank = self._ranks(base, full_text)
            if rank is not None:  # most hits are not in the title: find the few that are
                tiers = [BODY] * len(matched)
                count = len(matched)
                for i in self._titles_holding(needle):
                    j = rank[i]
                    k = bisect.bisect_left(matched, j) if j >= 0 else count
                    if k < count and matched[k] == j:
                        tiers[k] = _title_tier(titles[i], needle) or TITLE_INSIDE
                return matched, tiers
        tiers = []
        for j in matched:
            title = titles[base[j]]
            tiers.append((_title_tier(title, needle) or TITLE_INSIDE) if needle in title else BODY)
        return matched, tiers

    def _complete(
        self,
        base: Positions,
        base_scores: Scores,
        matched: Positions,
        tiers: Scores,
        term: Term,
        full_text: bool,
    ) -> tuple[list[int], list[float]]:
        """The papers of `base` that match `term`: substring hits, plus typo matches if few."""
        if not isinstance(matched, list):
            import numpy as np

            if len(matched) >= FEW_HITS or term.kind != WORD:
                result = self._array(base, np.int64)[matched]
                scores = self._array(base_scores, np.float64)[matched] + tiers
                return result.tolist(), scores.tolist()
            matched, tiers = matched.tolist(), (tiers if isinstance(tiers, list) else tiers.tolist())
        if term.kind == WORD and len(matched) < FEW_HITS and len(term.value) >= MIN_FUZZY and len(base):
            extra = self._fuzzy(base, set(matched), term.value, full_text)
            if extra:
                merged = dict(zip(matched, tiers, strict=True))
                merged.update(extra)
                matched = sorted(merged)
                tiers = [merged[j] for j in matched]
        return [base[j] for j in matched], [base_scores[j] + t for j, t in zip(matched, tiers, strict=True)]

    def alternatives(self, word: str, *, full_text: bool = True) -> list[tuple[str, float]]:
        """Near spellings of `word` in the library's vocabulary, best first, with their ratio.

        See `reader.search.typo.near_spellings`; the full-text vocabulary also holds the words
        of authors, summaries, keywords and notes. Kept until the next refresh.
        """
        word = fold(word)
        if len(word) < MIN_FUZZY:
            return []
        known = self._alternatives.get((word, full_text))
        if known is None:
            known = self._alternatives[word, full_text] = near_spellings(word, self._vocabulary(full_text))
        return known

    def _fuzzy(self, base: Positions, matched: set[int], word: str, full_text: bool) -> dict[int, float]:
        """Typo matches of `word` among the positions of `base` not already matched."""
        alternatives = self.alternatives(word, full_text=full_text)
        if not alternatives:
            return {}
        in_title: dict[int, float] = {}
        elsewhere: dict[int, float] = {}
        for alt, score in alternatives:
            title_hits, other_hits = self._occurrences_of(alt, full_text)
            for i in title_hits:
                if in_title.get(i, 0.0) < score:
                    in_title[i] = score
            for i in other_hits:
                if elsewhere.get(i, 0.0) < score:
                    elsewhere[i] = score
        extra: dict[int, float] = {}
        for j, i in enumerate(base):
            if j in matched:
                continue
            if i in in_title:
                extra[j] = _title_fuzzy(in_title[i])
            elif i in elsewhere:
                extra[j] = _body_fuzzy(elsewhere[i])
        return extra

    def _occurrences_of(self, alt: str, full_text: bool) -> tuple[list[int], list[int]]:
        """The papers whose title holds `alt`, and (full text) those holding it elsewhere only.

        Kept until the next refresh: while a misspelt word is typed on, its near spellings
        stay mostly the same, so each is looked for once.
        """
        key = (alt, full_text)
        known = self._occurrence_cache.get(key)
        if known is None:
            titles = self._titles
            in_title = [i for i, title in enumerate(titles) if alt in title]
            elsewhere: list[int] = []
            if full_text and self._mode != MEMORY:
                self._ensure_notes()
                found = set(self._cached_hits(alt).tolist()) if self._uses_cache(alt) else set()
                found.update(self._notes_holding(alt))
                elsewhere = sorted(i for i in found if alt not in titles[i])
            elif full_text:
                bodies, notes = self._ensure_bodies(), self._notes
                elsewhere = [
                    i
                    for i, body in enumerate(bodies)
                    if (alt in body or alt in notes.get(i, "")) and alt not in titles[i]
                ]
            if len(self._occurrence_cache) >= 256:
                self._occurrence_cache.clear()
            known = self._occurrence_cache[key] = (in_title, elsewhere)
        return known
