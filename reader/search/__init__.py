"""Search: the filter language, folding, the index, typo matching and highlights. No UI.

A query is free words, `"quoted phrases"` and field terms, all ANDed, each negatable with `-`:

    graph neural "message passing" status:reading tag:rl author:smith day:2025-07-31
    has:notes -tag:skip -survey

Free words match typo-tolerantly in the title (and, for full-text searches, in the abstract,
authors, AI summary, keywords and notes); a word of one or two letters matches only the start
of a title word. Phrases are case-insensitive substrings; field terms filter on user state
and metadata. `parse_query` never raises on any text.

The one call per keystroke:

    result = library.search_index().find(text, full_text=True)   # ids=None: the whole library
    result.ids           # matching ids, best first (filter-only queries: display order)
    result.highlights    # Mapping id -> title (start, end) ranges, worked out when read
    result.scoped        # the query names its own status: or day:

Each call that extends the previous one (same scope, same `full_text`) narrows within its
result; deleting back returns a result searched on the way. `SearchIndex.search` (a list of
`Hit`s) and `search_ids` are the same search in other shapes (the CLI uses `search`).

Modules: `query` (the language), `fold` (case and accent folding), `typo` (near spellings),
`highlight` (title ranges), `index` (the index, ranking and narrowing), `result` (what a
search returns), `fulltext` (the on-disk FTS5 cache a large library's full-text search reads
instead of keeping every abstract in memory).
"""

from __future__ import annotations

from reader.search.fold import fold
from reader.search.highlight import Spans, highlight_spans
from reader.search.index import SearchIndex
from reader.search.query import Query, Term, parse_query
from reader.search.result import Highlights, Hit, SearchResult

__all__ = [
    "Highlights",
    "Hit",
    "Query",
    "SearchIndex",
    "SearchResult",
    "Spans",
    "Term",
    "fold",
    "highlight_spans",
    "parse_query",
]
