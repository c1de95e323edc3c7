"""The query language: what the user types, read into terms. Never raises on any text.

A query is free words, `"quoted phrases"` and field terms, all ANDed, each negatable with `-`:

    graph neural "message passing" status:reading tag:rl author:smith day:2025-07-31
    has:notes -tag:skip -survey

Words, phrases and author names are folded (see `reader.search.fold`); other field values are
made canonical (`status:toread` -> `to-read`), or `NOTHING` when not understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reader.models import Status, normalise_tag
from reader.search.fold import fold
from reader.text import clean_line

__all__ = [
    "ANY",
    "AUTHOR",
    "DAY",
    "HAS",
    "MAX_TERMS",
    "NOTHING",
    "PHRASE",
    "STATUS",
    "TAG",
    "WORD",
    "Query",
    "Term",
    "parse_query",
]

_WS = re.compile(r"\s+")

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
    "stale": "stale",
}
_QUOTES = '"“”'
MAX_TERMS = 64
"""Terms beyond this many are ignored (repeats count once): a query is typed, not pasted."""
ANY = "*"
"""The value of a field term that matches every paper (`status:all`)."""
NOTHING = ""
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
    """The canonical value of a field term, `ANY`, or `NOTHING` when not understood."""
    if kind == STATUS:
        names = []
        for part in value.split(","):
            if part.strip().lower() in ("all", "any"):
                return ANY
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
        return NOTHING
    return _HAS.get(value.lower(), NOTHING)
