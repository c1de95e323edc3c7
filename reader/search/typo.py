"""Typo matching: near spellings of a word in a vocabulary, by rapidfuzz's `partial_ratio`.

A word of `MIN_FUZZY` letters or more that has few substring hits is also looked for by its
near spellings: the words of the library (a `Vocabulary`) that start with the same letter and
score at least `cutoff` against it. The index then finds those spellings as substrings.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

__all__ = ["MAX_ALTERNATIVES", "MIN_FUZZY", "Vocabulary", "cutoff", "near_spellings"]

MIN_FUZZY = 5
"""Words shorter than this match only as substrings (one typo in four letters is another word)."""
MAX_ALTERNATIVES = 4
"""How many near spellings of a word are looked up at most."""


def cutoff(length: int) -> float:
    """The least `partial_ratio` for a typo match: 1 edit up to 7 letters, 2 from 8 on."""
    edits = 1 if length < 8 else 2
    # Scores come in steps of at least 100 / (2 * length); half a point below the exact bound
    # keeps rapidfuzz's own rounding of the cutoff from dropping a match that sits on it.
    return 100.0 * (1.0 - edits / length) - 0.5


_TOKEN = re.compile(r"[^\W_]{3,}")


class Vocabulary:
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


def near_spellings(word: str, vocabulary: Vocabulary) -> list[tuple[str, float]]:
    """Near spellings of the folded `word` in `vocabulary`, best first, with their ratio.

    Candidates start with the same letter and score at least `cutoff` with rapidfuzz's
    `partial_ratio` (so a half-typed word finds the words it begins). Words that contain
    `word` are left out (they are substring matches), and so is any spelling that contains
    a better-placed one (finding the shorter finds the longer). At most `MAX_ALTERNATIVES`.
    """
    if len(word) < MIN_FUZZY:
        return []
    edits = 1 if len(word) < 8 else 2
    choices = vocabulary.candidates(word[0], max(len(word) - edits, MIN_FUZZY - 1))
    found = process.extract(
        word, choices, scorer=fuzz.partial_ratio, processor=None, score_cutoff=cutoff(len(word)), limit=None
    )
    ranked = sorted(((alt, score) for alt, score, _ in found if word not in alt), key=lambda a: (-a[1], a[0]))
    kept: list[tuple[str, float]] = []
    for alt, score in ranked:
        if not any(other in alt for other, _ in kept):
            kept.append((alt, score))
        if len(kept) >= MAX_ALTERNATIVES:
            break
    return kept
