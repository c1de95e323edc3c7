"""The filter language and fuzzy ranking: pure functions over a library, no UI.

A query is free words, `"quoted phrases"` and field terms, all ANDed, each negatable with `-`:

    graph neural "message passing" status:reading tag:rl author:smith day:2025-07-31
    has:notes -tag:skip -survey

Free words match typo-tolerantly in the title (and, for full-text searches, in the abstract,
authors, AI summary, keywords and notes); a word of one or two letters matches only the start
of a title word. Phrases are case-insensitive substrings; field terms filter on user state
and metadata. `parse_query` never raises on any text.

`SearchIndex` keeps every paper's searchable text lower-cased and accent-folded, built once
and refreshed when the library changes, never per keystroke. A search first finds plain
substrings; only a word with few substring hits is matched fuzzily, by looking its near
spellings up in the index's vocabulary of title, author, summary, keyword and note words
(rapidfuzz `partial_ratio` on pre-folded words) and finding those as substrings. While the
user extends the last word of the previous query, the search narrows within the previous
result instead of starting over. Title highlights are worked out when a hit's `title_spans`
is first read, so a search that finds 100k papers does not highlight 100k titles.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from reader.models import Paper, Status, normalise_tag
from reader.text import clean_line

if TYPE_CHECKING:
    from reader.library import Library

__all__ = [
    "Hit",
    "Query",
    "SearchIndex",
    "Term",
    "fold",
    "highlight_spans",
    "parse_query",
]

# -- folding: how text is compared -----------------------------------------------------------

# Combining marks (accents) dropped after NFKD decomposition, so `müller` matches `muller`.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text as the search compares it: compatibility-decomposed, accents dropped, lower case."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed is not text:  # only a decomposition can have produced combining marks
        decomposed = _COMBINING.sub("", decomposed)
    return decomposed.lower().replace("ς", "σ")


def _fold_mapped(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)` and, when it differs in length, each folded character's index in `text`."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            out.append(char.lower())
            where.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if _COMBINING.match(part):
                continue
            for low in part.lower().replace("ς", "σ"):
                out.append(low)
                where.append(index)
    folded = "".join(out)
    return folded, (None if len(folded) == len(text) and where == list(range(len(text))) else where)


# -- the query language ---------------------------------------------------------------------

WORD = "word"
PHRASE = "phrase"
STATUS = "status"
TAG = "tag"
AUTHOR = "author"
DAY = "day"
HAS = "has"

_FIELDS = {
    "status": STATUS,
    "is": STATUS,
    "tag": TAG,
    "tags": TAG,
    "author": AUTHOR,
    "authors": AUTHOR,
    "by": AUTHOR,
    "day": DAY,
    "date": DAY,
    "has": HAS,
}
_HAS = {
    "notes": "notes",
    "note": "notes",
    "tags": "tags",
    "tag": "tags",
    "code": "code",
    "github": "code",
    "summary": "summary",
    "abstract": "abstract",
    "project": "project",
    "arxiv": "arxiv",
    "pdf": "arxiv",
    "keywords": "keywords",
}
_QUOTES = '"“”'
MAX_TERMS = 64
"""Terms beyond this many are ignored (repeats count once): a query is typed, not pasted."""
_ANY = "*"
"""The value of a field term that matches every paper (`status:all`)."""
_NOTHING = ""
"""The value of a field term that matches no paper (`status:nonsense`)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a query."""

    kind: str
    """`word`, `phrase`, `status`, `tag`, `author`, `day` or `has`."""
    value: str
    """Folded text for words, phrases and authors; the canonical value for other fields
    (`""` when the value is not understood: the term matches nothing)."""
    negated: bool = False
    raw: str = ""
    """The term as the user typed it."""

    @property
    def is_text(self) -> bool:
        return self.kind in (WORD, PHRASE)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: terms that all must hold."""

    text: str
    terms: tuple[Term, ...] = ()

    @property
    def scoped(self) -> bool:
        """True when the query names a status or day itself (so it may search beyond a view)."""
        return any(term.kind in (STATUS, DAY) for term in self.terms)

    @property
    def words(self) -> tuple[str, ...]:
        """The free words that must match (folded)."""
        return tuple(t.value for t in self.terms if t.kind == WORD and not t.negated)

    @property
    def phrases(self) -> tuple[str, ...]:
        """The phrases that must match (folded)."""
        return tuple(t.value for t in self.terms if t.kind == PHRASE and not t.negated)

    @property
    def ranked(self) -> bool:
        """True when the query has free words or phrases, so hits are ordered by relevance."""
        return any(t.is_text and not t.negated for t in self.terms)

    @property
    def is_empty(self) -> bool:
        return not self.terms


def _tokens(text: str) -> Iterable[tuple[bool, str | None, str, bool]]:
    """(negated, field or None, value, quoted) for each term of `text`."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-"
        if negated:
            i += 1
            if i >= n or text[i].isspace():
                continue
        if text[i] in _QUOTES:
            end = _next_quote(text, i + 1)
            yield negated, None, text[i + 1 : end], True
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _QUOTES:
            j += 1
        word = text[i:j]
        if j < n and text[j] in _QUOTES and word.endswith(":") and len(word) > 1:
            end = _next_quote(text, j + 1)
            yield negated, word[:-1], text[j + 1 : end], True
            i = end + 1
            continue
        i = j
        name, colon, value = word.partition(":")
        if colon and name:
            yield negated, name, value, False
        else:
            yield negated, None, word, False


def _next_quote(text: str, start: int) -> int:
    """The index of the next quote at or after `start`, or the end of the text."""
    for k in range(start, len(text)):
        if text[k] in _QUOTES:
            return k
    return len(text)


def parse_query(text: str) -> Query:
    """Read a query as typed. Never raises: what is not understood is searched as text."""
    text = clean_line(text if isinstance(text, str) else str(text))
    terms: list[Term] = []
    for negated, name, value, quoted in _tokens(text):
        raw = ("-" if negated else "") + (f"{name}:" if name else "") + (f'"{value}"' if quoted else value)
        kind = _FIELDS.get(name.lower()) if name else None
        if name and kind is None:
            value = f"{name}:{value}"  # an unknown `foo:bar` is plain text
        if kind is None:
            folded = _WS.sub(" ", fold(value)).strip()
            if folded:
                terms.append(Term(PHRASE if quoted or " " in folded else WORD, folded, negated, raw))
            continue
        value = value.strip()
        if not value:
            continue  # `status:` while the value is still being typed: no filter yet
        terms.append(Term(kind, _field_value(kind, value), negated, raw))
    return Query(text, tuple(dict.fromkeys(terms))[:MAX_TERMS])


def _field_value(kind: str, value: str) -> str:
    """The canonical value of a field term, `_ANY`, or `_NOTHING` when not understood."""
    if kind == STATUS:
        names = []
        for part in value.split(","):
            if part.strip().lower() in ("all", "any"):
                return _ANY
            try:
                names.append(Status.parse(part).value)
            except ValueError:
                continue
        return ",".join(names)
    if kind == TAG:
        return ",".join(t for t in (normalise_tag(p) for p in value.split(",")) if t)
    if kind == AUTHOR:
        return _WS.sub(" ", fold(value)).strip()
    if kind == DAY:
        value = value.lower()
        if value in ("latest", "last", "newest"):
            return "latest"
        if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?|\d{2}-\d{2}", value):
            return value
        return _NOTHING
    return _HAS.get(value.lower(), _NOTHING)


# -- highlighting ---------------------------------------------------------------------------

SHORT = 3
"""Words shorter than this (one or two letters or digits) match only at the start of a word
in the title: anywhere else nearly every paper holds them."""
MIN_FUZZY = 5
"""Words shorter than this match only as substrings (one typo in four letters is another word)."""


def _cutoff(length: int) -> float:
    """The least `partial_ratio` for a typo match: 1 edit up to 7 letters, 2 from 8 on."""
    edits = 1 if length < 8 else 2
    # Scores come in steps of at least 100 / (2 * length); half a point below the exact bound
    # keeps rapidfuzz's own rounding of the cutoff from dropping a match that sits on it.
    return 100.0 * (1.0 - edits / length) - 0.5


def _merge(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _word_start_only(word: str) -> bool:
    """Whether a free word matches only at word starts (see `SHORT`)."""
    return len(word) < SHORT and word.isalnum()


def _occurrences(haystack: str, needle: str, word_start: bool = False) -> list[tuple[int, int]]:
    """Where `needle` occurs in `haystack` (only at the start of words if `word_start`)."""
    found = []
    size = len(needle)
    start = haystack.find(needle)
    if word_start:
        while start >= 0:
            if start == 0 or not haystack[start - 1].isalnum():
                found.append((start, start + size))
            start = haystack.find(needle, start + size)
        return found
    while start >= 0:
        found.append((start, start + size))
        start = haystack.find(needle, start + size)
    return found


def _widen(folded: str, start: int, end: int) -> tuple[int, int]:
    """The span grown to whole word characters, so `reinforcment` lights up `reinforcement`."""
    while start > 0 and folded[start - 1].isalnum() and folded[start].isalnum():
        start -= 1
    while end < len(folded) and folded[end].isalnum() and folded[end - 1].isalnum():
        end += 1
    return start, end


def _spans_in(
    text: str,
    folded: str,
    where: list[int] | None,
    words: Sequence[tuple[str, bool]],
    phrases: Sequence[str],
    alternatives: Mapping[str, Sequence[str]] | None = None,
) -> tuple[tuple[int, int], ...]:
    """Spans of `text` where the words and phrases occur (found in its folded form `folded`).

    `words` are (word, matches only at word starts) pairs.
    A word with no exact occurrence lights up its near spellings from `alternatives`, or,
    when no alternatives are given, its best typo-tolerant alignment.
    """
    spans: list[tuple[int, int]] = []
    for needle in phrases:
        spans += _occurrences(folded, needle)
    for word, word_start in words:
        found = _occurrences(folded, word, word_start)
        if not found and alternatives is not None:
            for alt in alternatives.get(word, ()):
                found += [_widen(folded, s, e) for s, e in _occurrences(folded, alt)]
        elif not found and len(word) >= MIN_FUZZY and folded:
            match = fuzz.partial_ratio_alignment(word, folded, processor=None, score_cutoff=_cutoff(len(word)))
            if match is not None and match.dest_end > match.dest_start:
                found = [_widen(folded, match.dest_start, match.dest_end)]
        spans += found
    if not spans:
        return ()
    if where is None:
        if len(folded) != len(text):  # cannot happen for text folded by `_fold_mapped`; stay safe
            limit = len(text)
            spans = [(min(s, limit), min(e, limit)) for s, e in spans if min(s, limit) < min(e, limit)]
        return (spans[0],) if len(spans) == 1 else _merge(spans)
    return _merge((where[s], where[e - 1] + 1) for s, e in spans if 0 <= s < e <= len(where))


def highlight_spans(text: str, query: Query | str) -> tuple[tuple[int, int], ...]:
    """The (start, end) ranges of `text` that the query's words and phrases match, merged.

    Offsets index the original `text` (accents and case folding are mapped back). A word
    with no exact occurrence lights up its closest typo-tolerant match, if any.
    """
    if isinstance(query, str):
        query = parse_query(query)
    words, phrases = query.words, query.phrases
    if not text or not (words or phrases):
        return ()
    folded, where = _fold_mapped(text)
    return _spans_in(text, folded, where, [(w, _word_start_only(w)) for w in words], phrases)


# -- the index ------------------------------------------------------------------------------


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


def _lazy_hit(pid: str, score: float, source: tuple[SearchIndex, int, _SpanSpec]) -> Hit:
    hit = object.__new__(Hit)
    state = hit.__dict__  # frozen: fill the instance directly, as dataclasses itself does
    state["id"] = pid
    state["score"] = score
    state["_source"] = source
    return hit


_SpanSpec = tuple[list[tuple[str, bool]], tuple[str, ...], dict[str, list[str]]]
"""(words with their word-start flag, phrases, near spellings by word) of one search."""


FEW_HITS = 10
"""A word with fewer substring hits than this is also matched fuzzily."""
MAX_ALTERNATIVES = 4
"""How many near spellings of a word are looked up at most."""

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


_TOKEN = re.compile(r"[^\W_]{3,}")


class _Vocabulary:
    """The distinct words of some texts, by first letter and longest first, for typo lookups."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self._by_first: dict[str, tuple[list[str], list[int]]] = {}
        self._size = -1

    def add(self, texts: Iterable[str]) -> None:
        # Split on spaces first (fast, in C), then clean only the distinct pieces.
        pieces = set(" ".join(texts).split())
        words = self.words
        for piece in pieces:
            words.update(_TOKEN.findall(piece))

    def candidates(self, first: str, length: int) -> list[str]:
        """The words that start with `first` and have at least `length` characters.

        A typo is rarely in the first letter, and holding to it makes a lookup twenty times
        cheaper (a near spelling inside a longer word is still found by the substring test).
        """
        if self._size != len(self.words):
            groups: dict[str, list[str]] = {}
            for word in sorted(self.words, key=lambda w: (-len(w), w)):
                groups.setdefault(word[0], []).append(word)
            self._by_first = {c: (group, [-len(w) for w in group]) for c, group in groups.items()}
            self._size = len(self.words)
        group, lengths = self._by_first.get(first, ([], []))
        return group[: bisect.bisect_right(lengths, -length)]


@dataclass(slots=True)
class _Step:
    """What the previous search left behind, for narrowing while the last word grows."""

    key: tuple[object, ...]
    head: tuple[Term, ...]
    tail: Term | None
    base: list[int]
    """Papers passing the filters and every text term but the last, in scope order."""
    base_scores: list[float]
    matched: list[int] = field(default_factory=list)
    """Positions in `base` where the last term occurs as a substring (ascending)."""
    matched_tiers: list[float] = field(default_factory=list)
    result: list[int] = field(default_factory=list)
    result_scores: list[float] = field(default_factory=list)


class SearchIndex:
    """Searchable text of every paper in a library, folded once; searches over it."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._papers: list[Paper] = []
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
        self._notes_wanted = False
        self._latest_day = ""
        self._title_vocab: _Vocabulary | None = None
        self._full_vocab: _Vocabulary | None = None
        self._all_order: list[int] | None = None
        self._scope_cache: tuple[int, list[str] | None, list[int]] | None = None
        """(serial, the ids given or None for the whole library, their index positions)."""
        self._serials = itertools.count()
        self._lock = threading.RLock()
        """Held while the index changes: the app searches full text in a thread."""
        self._last: _Step | None = None
        self._filter_cache: tuple[tuple[object, ...], list[int]] | None = None
        """The last filtered scope: (the key of `_run`, index positions). Never mutated."""
        self._rank_cache: tuple[list[int], int, list[int] | None] | None = None
        """(a base, its length, `_ranks` of it): kept while the same base is searched."""
        self._plain_hits: list[Hit] = []
        """One reusable hit per paper for filter-only queries (hits are immutable)."""
        self._alternatives: dict[tuple[str, bool], list[tuple[str, float]]] = {}
        """Near spellings looked up since the last refresh, by (word, full_text)."""
        self._occurrence_cache: dict[tuple[str, bool], tuple[list[int], list[int]]] = {}
        """Where each near spelling occurs, by (spelling, full_text), until the next refresh."""
        self._version = library.version
        # Built in bulk: only titles are folded now, the rest on first use.
        items = list(library.papers.items())
        self._ids = [pid for pid, _ in items]
        self._pos = {pid: n for n, pid in enumerate(self._ids)}
        self._papers = [paper for _, paper in items]
        self._titles = [fold(paper.title) for paper in self._papers]
        self._latest_day = max((paper.days[-1] for paper in self._papers if paper.days), default="")

    # -- building ----------------------------------------------------------------------------

    def _add(self, pid: str, paper: Paper) -> None:
        self._pos[pid] = len(self._ids)
        self._ids.append(pid)
        self._papers.append(paper)
        self._titles.append(fold(paper.title))
        if self._authors is not None:
            self._authors.append(_authors(paper))
        if self._spaced is not None:
            self._spaced.append(_spaced(self._titles[-1]))
        if self._bodies is not None:
            self._bodies.append(_body(paper))
        self._note_paper(len(self._ids) - 1, paper)

    def _replace(self, index: int, paper: Paper) -> None:
        self._papers[index] = paper
        self._title_maps.pop(index, None)
        self._titles[index] = fold(paper.title)
        if self._authors is not None:
            self._authors[index] = _authors(paper)
        if self._spaced is not None:
            self._spaced[index] = _spaced(self._titles[index])
        if self._bodies is not None:
            self._bodies[index] = _body(paper)
        self._note_paper(index, paper)

    def _note_paper(self, index: int, paper: Paper) -> None:
        if paper.days and paper.days[-1] > self._latest_day:
            self._latest_day = paper.days[-1]
        if self._title_vocab is not None:
            self._title_vocab.add([self._titles[index]])
        if self._full_vocab is not None:
            self._full_vocab.add(self._short_texts(index))

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
                self._notes_source[index] = state.notes
                self._notes[index] = " ".join(fold(state.notes).split())
                if self._full_vocab is not None:
                    self._full_vocab.add([self._notes[index]])
        for index in [i for i in self._notes if i not in seen]:
            del self._notes[index]
            del self._notes_source[index]

    def _ensure_spaced(self) -> list[str]:
        spaced = self._spaced
        if spaced is None:
            with self._lock:
                if self._spaced is None:
                    self._spaced = [_spaced(title) for title in self._titles]
                spaced = self._spaced
        return spaced

    def _ensure_authors(self) -> list[str]:
        authors = self._authors
        if authors is None:
            with self._lock:
                if self._authors is None:
                    self._authors = [_authors(paper) for paper in self._papers]
                authors = self._authors
        return authors

    def _ensure_bodies(self) -> list[str]:
        """The bodies (and the notes), built on first need."""
        bodies = self._bodies
        if bodies is None:
            with self._lock:
                if not self._notes_wanted:
                    self._sync_notes()
                    self._notes_wanted = True
                if self._bodies is None:
                    self._bodies = [_body(paper) for paper in self._papers]
                bodies = self._bodies
        return bodies

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
        self._last = None
        self._version = version

    def _vocabulary(self, full_text: bool) -> _Vocabulary:
        with self._lock:
            return self._build_vocabulary(full_text)

    def _build_vocabulary(self, full_text: bool) -> _Vocabulary:
        if not full_text:
            if self._title_vocab is None:
                self._title_vocab = _Vocabulary()
                self._title_vocab.add(self._titles)
            return self._title_vocab
        if self._full_vocab is None:
            self._ensure_bodies()  # and so the notes
            vocabulary = _Vocabulary()
            vocabulary.words.update(self._build_vocabulary(False).words)
            vocabulary.add(text for index in range(len(self._ids)) for text in self._short_texts(index)[1:])
            vocabulary.add(list(self._notes.values()))
            self._full_vocab = vocabulary
        return self._full_vocab

    def _short_texts(self, index: int) -> list[str]:
        """The short searchable fields of a paper, whose words make the full-text vocabulary.

        Abstracts stay out: tokenising them all would stall the first typo for a second at
        100k papers, and the words people search for are almost always in some title,
        summary or keyword list too. A near spelling found here is then searched everywhere.
        """
        paper = self._papers[index]
        texts = [self._titles[index], _authors(paper)]
        if paper.ai_summary:
            texts.append(fold(paper.ai_summary))
        if paper.ai_keywords:
            texts.append(fold(" ".join(paper.ai_keywords)))
        return texts

    # -- searching ---------------------------------------------------------------------------

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
        words, phrases = parsed.words, parsed.phrases
        count = len(words) + len(phrases)
        word_specs = [(w, _word_start_only(w)) for w in words]
        alternatives = {
            w: [alt for alt, _ in self._alternatives[w, full_text]]
            for w in words
            if (w, full_text) in self._alternatives
        }
        spec: _SpanSpec = (word_specs, phrases, alternatives)
        # Every title tier is above `_title_fuzzy(74.5)` ~ 70 and every other one at most BODY
        # and at least `_body_fuzzy(74.5)` ~ 21, so up to five terms a sum of at most
        # BODY * count means that no term matched in the title: there is nothing to highlight.
        untitled = BODY * count if count <= 5 else -1.0
        pids = self._ids
        hits = []
        for k in order:
            index = found[k]
            if scores[k] <= untitled:
                hits.append(Hit(pids[index], scores[k] / count, ()))
            else:
                hits.append(_lazy_hit(pids[index], scores[k] / count, (self, index, spec)))
        return hits

    def _title_spans(self, index: int, spec: _SpanSpec) -> tuple[tuple[int, int], ...]:
        title = self._papers[index].title
        folded, where = (self._titles[index], None) if title.isascii() else self._mapped_title(index)
        return _spans_in(title, folded, where, *spec)

    def _mapped_title(self, index: int) -> tuple[str, list[int] | None]:
        """A non-ASCII title folded with its offset map (kept: the same rows come back)."""
        mapped = self._title_maps.get(index)
        if mapped is None:
            mapped = self._title_maps[index] = _fold_mapped(self._papers[index].title)
        return mapped

    def search_ids(self, query: str | Query, *, ids: Sequence[str] | None = None, full_text: bool = True) -> list[str]:
        """The ids `search` would return, in the same order, without building hits."""
        parsed = parse_query(query) if isinstance(query, str) else query
        found, scores = self._run(parsed, ids, full_text)
        pids = self._ids
        if parsed.ranked:
            order = sorted(range(len(found)), key=scores.__getitem__, reverse=True)
            return [pids[found[k]] for k in order]
        return [pids[i] for i in found]

    def _run(self, query: Query, ids: Sequence[str] | None, full_text: bool) -> tuple[list[int], list[float]]:
        """Matching papers (index positions, scope order) and their summed relevance."""
        if self.library.version != self._version:
            self.refresh()
        serial, scope = self._scope(ids)
        filters = tuple(t for t in query.terms if not t.is_text or t.negated)
        texts = tuple(t for t in query.terms if t.is_text and not t.negated)
        key = (serial, full_text, self._version, filters)
        if not texts:
            found = self._base(key, scope, filters, full_text)
            self._last = None
            return found, [0.0] * len(found)
        head, tail = texts[:-1], texts[-1]
        last = self._last
        if (
            last is not None
            and last.key == key
            and last.head == head
            and last.tail is not None
            and last.tail.kind == tail.kind
            and tail.value.startswith(last.tail.value)
            and (tail.kind == PHRASE or _word_start_only(tail.value) == _word_start_only(last.tail.value))
        ):
            # The last word grew: its substring hits are among the previous ones.
            base, base_scores = last.base, last.base_scores
            matched, tiers = self._narrow(base, last.matched, tail, full_text)
        else:
            if last is not None and last.key == key and last.tail is not None and (*last.head, last.tail) == head:
                base, base_scores = last.result, last.result_scores  # a new word after the previous ones
            else:
                base = self._base(key, scope, filters, full_text)
                base_scores = [0.0] * len(base)
                for term in head:
                    base, base_scores = self._apply(term, base, base_scores, full_text)
            matched, tiers = self._narrow(base, range(len(base)), tail, full_text)
        result, result_scores = self._complete(base, base_scores, matched, tiers, tail, full_text)
        self._last = _Step(key, head, tail, base, base_scores, matched, tiers, result, result_scores)
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
        cached = self._filter_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        found = self._filtered(scope, filters, full_text)
        self._filter_cache = (key, found)
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
        if term.kind == WORD and _word_start_only(value):
            spaced, key = self._ensure_spaced(), " " + value
            return lambda i: key in spaced[i]
        if term.kind == WORD or term.kind == PHRASE:
            titles = self._titles
            if not full_text:
                return lambda i: value in titles[i]
            bodies, notes = self._ensure_bodies(), self._notes
            return lambda i: value in bodies[i] or value in notes.get(i, "")
        if value == _ANY:
            return lambda i: True
        if value == _NOTHING:
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
        attribute = {
            "code": "github_url",
            "summary": "ai_summary",
            "abstract": "abstract",
            "project": "project_url",
            "arxiv": "arxiv_id",
            "keywords": "ai_keywords",
        }[value]
        return lambda i: bool(getattr(papers[i], attribute))

    def _apply(
        self, term: Term, base: list[int], base_scores: list[float], full_text: bool
    ) -> tuple[list[int], list[float]]:
        matched, tiers = self._narrow(base, range(len(base)), term, full_text)
        return self._complete(base, base_scores, matched, tiers, term, full_text)

    def _ranks(self, base: list[int]) -> list[int] | None:
        """For each index position, its place in `base` (-1 if not in it), or None when `base`
        holds a position twice; kept while the same base is searched.

        Maps a scan in memory order back to scope order without a set lookup per paper of
        the scope (at 100k papers, a fresh word's first letter: ~20 ms -> ~15 ms).
        """
        cached = self._rank_cache
        if cached is not None and cached[0] is base and cached[1] == len(base):
            return cached[2]
        rank: list[int] | None = [-1] * len(self._ids)
        for j, i in enumerate(base):
            if rank[i] >= 0:  # type: ignore[index]
                rank = None
                break
            rank[i] = j  # type: ignore[index]
        self._rank_cache = (base, len(base), rank)
        return rank

    def _narrow(
        self, base: list[int], positions: Iterable[int], term: Term, full_text: bool
    ) -> tuple[list[int], list[float]]:
        """The positions of `base` (among `positions`) whose text holds `term`, with tiers."""
        # Comprehensions over the candidates (the hot loop), tiers for the few hits after.
        needle = term.value
        titles = self._titles
        short = term.kind == WORD and _word_start_only(needle)
        if short:
            texts, needle = self._ensure_spaced(), " " + needle
        else:
            texts = self._ensure_bodies() if full_text else titles  # a body starts with its title
        notes = self._notes if full_text and not short else {}
        if isinstance(positions, range) and 2 * len(base) > len(texts):
            # Most of the library: scan in index order, which is memory order (the scope's
            # order jumps around memory and costs three times as much), then keep scope order.
            hits = [i for i, text in enumerate(texts) if needle in text]
            if notes:
                hits = list({*hits, *[i for i, note in list(notes.items()) if needle in note]})
            rank = self._ranks(base)
            if rank is not None:
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
        tiers = []
        for j in matched:
            title = titles[base[j]]
            tiers.append((_title_tier(title, needle) or TITLE_INSIDE) if needle in title else BODY)
        return matched, tiers

    def _complete(
        self,
        base: list[int],
        base_scores: list[float],
        matched: list[int],
        tiers: list[float],
        term: Term,
        full_text: bool,
    ) -> tuple[list[int], list[float]]:
        """The papers of `base` that match `term`: substring hits, plus typo matches if few."""
        if term.kind == WORD and len(matched) < FEW_HITS and len(term.value) >= MIN_FUZZY and base:
            extra = self._fuzzy(base, set(matched), term.value, full_text)
            if extra:
                merged = dict(zip(matched, tiers, strict=True))
                merged.update(extra)
                matched = sorted(merged)
                tiers = [merged[j] for j in matched]
        return [base[j] for j in matched], [base_scores[j] + t for j, t in zip(matched, tiers, strict=True)]

    def alternatives(self, word: str, *, full_text: bool = True) -> list[tuple[str, float]]:
        """Near spellings of `word` in the library's vocabulary, best first, with their ratio.

        Candidates start with the same letter and score at least `_cutoff` with rapidfuzz's
        `partial_ratio` (so a half-typed word finds the words it begins). Words that contain
        `word` are left out (they are substring matches), and so is any spelling that contains
        a better-placed one (finding the shorter finds the longer).
        """
        word = fold(word)
        if len(word) < MIN_FUZZY:
            return []
        known = self._alternatives.get((word, full_text))
        if known is None:
            known = self._alternatives[word, full_text] = self._find_alternatives(word, full_text)
        return known

    def _find_alternatives(self, word: str, full_text: bool) -> list[tuple[str, float]]:
        edits = 1 if len(word) < 8 else 2
        choices = self._vocabulary(full_text).candidates(word[0], max(len(word) - edits, MIN_FUZZY - 1))
        found = process.extract(
            word, choices, scorer=fuzz.partial_ratio, processor=None, score_cutoff=_cutoff(len(word)), limit=None
        )
        ranked = sorted(((alt, score) for alt, score, _ in found if word not in alt), key=lambda a: (-a[1], a[0]))
        kept: list[tuple[str, float]] = []
        for alt, score in ranked:
            if not any(other in alt for other, _ in kept):
                kept.append((alt, score))
            if len(kept) >= MAX_ALTERNATIVES:
                break
        return kept

    def _fuzzy(self, base: list[int], matched: set[int], word: str, full_text: bool) -> dict[int, float]:
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
            if full_text:
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


def _authors(paper: Paper) -> str:
    return "\n".join(fold(name) for name in paper.authors)


_NON_WORD = re.compile(r"[\W_]")
_ASCII_SPACES = bytes(c if chr(c).isalnum() else 32 for c in range(256))


def _spaced(folded_title: str) -> str:
    """The title with a space in front and every non-word character a space (same offsets + 1)."""
    if folded_title.isascii():
        return " " + folded_title.encode("ascii").translate(_ASCII_SPACES).decode("ascii")
    return " " + _NON_WORD.sub(" ", folded_title)


def _body(paper: Paper) -> str:
    """The folded full text of a paper but its notes: title, abstract, authors, summary, keywords.

    The same text as `fold` of the parts joined by newlines, folded part by part: an ASCII
    abstract (the usual case) is only lower-cased even when an author's name has an accent,
    which made the first full-text search at 100k papers spend ~1.4 s in `unicodedata`.
    A newline is a starter, so decomposition, mark removal and case mapping never reach
    across it: joining the folded parts gives exactly the folded whole.
    """
    parts = [
        p
        for p in (
            paper.title,
            paper.abstract,
            "\n".join(paper.authors),
            paper.ai_summary or "",
            "\n".join(paper.ai_keywords),
        )
        if p
    ]
    text = "\n".join(parts)
    if text.isascii():
        return text.lower()
    decomposed = [p if p.isascii() else unicodedata.normalize("NFKD", p) for p in parts]
    if any(d is not p for d, p in zip(decomposed, parts, strict=True)):  # as `fold` decides for the whole
        decomposed = [d if d.isascii() else _COMBINING.sub("", d) for d in decomposed]
    return "\n".join(decomposed).lower().replace("ς", "σ")
