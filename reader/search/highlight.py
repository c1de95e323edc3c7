"""Highlights: the ranges of a title that a query's words and phrases light up.

Matching happens in folded text (see `reader.search.fold`) and the ranges are mapped back to
offsets in the original text. A word with no exact occurrence lights up its near spellings
(the ones the search used), or, on its own, its best typo-tolerant alignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz

from reader.search.fold import fold_mapped
from reader.search.query import Query, parse_query
from reader.search.typo import MIN_FUZZY, cutoff

__all__ = ["SHORT", "Spans", "highlight_spans", "spans_in", "word_start_only"]

Spans = tuple[tuple[int, int], ...]
"""(start, end) ranges of a text, sorted, not overlapping."""

SHORT = 3
"""Words shorter than this (one or two letters or digits) match only at the start of a word
in the title: anywhere else nearly every paper holds them."""


def merge_spans(spans: Iterable[tuple[int, int]]) -> Spans:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def word_start_only(word: str) -> bool:
    """Whether a free word matches only at word starts (see `SHORT`)."""
    return len(word) < SHORT and word.isalnum()


def occurrences(haystack: str, needle: str, word_start: bool = False) -> list[tuple[int, int]]:
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


def spans_in(
    text: str,
    folded: str,
    where: list[int] | None,
    words: Sequence[tuple[str, bool]],
    phrases: Sequence[str],
    alternatives: Mapping[str, Sequence[str]] | None = None,
) -> Spans:
    """Spans of `text` where the words and phrases occur (found in its folded form `folded`).

    `words` are (word, matches only at word starts) pairs.
    A word with no exact occurrence lights up its near spellings from `alternatives`, or,
    when no alternatives are given, its best typo-tolerant alignment.
    """
    spans: list[tuple[int, int]] = []
    for needle in phrases:
        spans += occurrences(folded, needle)
    for word, word_start in words:
        found = occurrences(folded, word, word_start)
        if not found and alternatives is not None:
            for alt in alternatives.get(word, ()):
                found += [_widen(folded, s, e) for s, e in occurrences(folded, alt)]
        elif not found and len(word) >= MIN_FUZZY and folded:
            match = fuzz.partial_ratio_alignment(word, folded, processor=None, score_cutoff=cutoff(len(word)))
            if match is not None and match.dest_end > match.dest_start:
                found = [_widen(folded, match.dest_start, match.dest_end)]
        spans += found
    if not spans:
        return ()
    if where is None:
        if len(folded) != len(text):  # cannot happen for text folded by `_fold_mapped`; stay safe
            limit = len(text)
            spans = [(min(s, limit), min(e, limit)) for s, e in spans if min(s, limit) < min(e, limit)]
        return (spans[0],) if len(spans) == 1 else merge_spans(spans)
    return merge_spans((where[s], where[e - 1] + 1) for s, e in spans if 0 <= s < e <= len(where))


def highlight_spans(text: str, query: Query | str) -> Spans:
    """The (start, end) ranges of `text` that the query's words and phrases match, merged.

    Offsets index the original `text` (accents and case folding are mapped back). A word
    with no exact occurrence lights up its closest typo-tolerant match, if any.
    """
    if isinstance(query, str):
        query = parse_query(query)
    words, phrases = query.words, query.phrases
    if not text or not (words or phrases):
        return ()
    folded, where = fold_mapped(text)
    return spans_in(text, folded, where, [(w, word_start_only(w)) for w in words], phrases)
