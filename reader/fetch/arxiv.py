"""The arXiv API (`export.arxiv.org/api/query`): papers by id, and the newest of a category.

Every request waits its turn at the arXiv rate limiter (one every three seconds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from reader.fetch.errors import FetchError, HttpStatusError
from reader.fetch.http import Session
from reader.fetch.settings import Settings
from reader.importers import BadInput, ImportContext, arxiv_atom, dedupe
from reader.models import Paper

ARXIV = "arXiv"
ARXIV_PER_CALL = 2000
ARXIV_MAX_RESULTS = 30000
ARXIV_EMPTY_TRIES = 3
"""How many times an empty page is asked for when `opensearch:totalResults` says there is more."""

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")


def arxiv_api_url(settings: Settings) -> str:
    return f"{settings.arxiv_url.rstrip('/')}/api/query"


def check_category(category: str) -> str:
    """An arXiv category as typed (`cs.CL`, `hep-th`, `astro-ph.CO`), checked."""
    value = category.strip()
    if not _CATEGORY.match(value):
        raise FetchError(f"{category!r} is not an arXiv category (e.g. cs.CL, math.PR, hep-th)", "input")
    return value


def check_categories(text: str | Sequence[str]) -> list[str]:
    """Categories as typed (`cs.CL,cs.LG`, or several arguments), each checked, duplicates dropped."""
    parts = [text] if isinstance(text, str) else list(text)
    found = [c.strip() for part in parts for c in part.replace("+", ",").split(",") if c.strip()]
    if not found:
        raise FetchError("give at least one arXiv category (e.g. cs.CL)", "input")
    return list(dict.fromkeys(check_category(c) for c in found))


def _arxiv_query(session: Session, params: Mapping[str, str | int], name: str) -> tuple[list[Paper], int | None]:
    """One answer of the arXiv API: its papers and `opensearch:totalResults`.

    arXiv's error feed (HTTP 200 from the old backend, HTTP 400 from the current one) is a
    `FetchError` of kind `input` carrying arXiv's own message.
    """
    try:
        answer = session.get(arxiv_api_url(session.settings), params, service=ARXIV, limiter=session.settings.limiter)
    except HttpStatusError as exc:
        message = arxiv_atom.error_message(exc.body) if exc.status == 400 else None
        if message is not None:
            raise FetchError(f"arXiv refused the query: {message}", "input") from None
        raise
    try:
        text = answer.body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"{name}: the server's answer is not UTF-8 text", "server") from None
    if not text.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of a feed", "server")
    ctx = ImportContext(name=name, day=None, today=session.today)
    try:
        return arxiv_atom.parse_page(text.removeprefix("\ufeff"), ctx)
    except arxiv_atom.ArxivQueryError as exc:
        raise FetchError(f"arXiv refused the query: {exc.arxiv_message}", "input") from None
    except BadInput as exc:
        raise FetchError(f"{exc} (unexpected answer from the server)", "server") from None


def _arxiv_page(
    session: Session, params: Mapping[str, str | int], name: str, *, start: int = 0
) -> tuple[list[Paper], int | None]:
    """`_arxiv_query`, asking again (after the rate-limit wait) when arXiv answers an empty
    page although its `opensearch:totalResults` says more papers exist from `start` on."""
    papers: list[Paper] = []
    total: int | None = None
    for _ in range(ARXIV_EMPTY_TRIES):
        papers, total = _arxiv_query(session, params, name)
        if papers or total is None or total <= start:
            return papers, total
    raise FetchError(
        f"{name}: arXiv answered {ARXIV_EMPTY_TRIES} empty pages from paper {start + 1} on although it "
        f"reports {total:,} papers; nothing imported, try again later",
        "server",
    )


def fetch_arxiv_ids(session: Session, ids: Sequence[str]) -> list[Paper]:
    """The papers with these arXiv ids (no versions), in one request per 2000 ids.

    An id arXiv does not know is a `FetchError` (kind `input`): nothing is returned.
    """
    wanted = list(dict.fromkeys(ids))
    papers: list[Paper] = []
    with session.open():
        for start in range(0, len(wanted), ARXIV_PER_CALL):
            chunk = wanted[start : start + ARXIV_PER_CALL]
            session.say(f"{ARXIV}: {len(chunk)} paper{'s' if len(chunk) != 1 else ''}")
            params: dict[str, str | int] = {"id_list": ",".join(chunk), "max_results": len(chunk)}
            batch, _ = _arxiv_page(session, params, "arXiv")
            papers.extend(batch)
    found = {p.arxiv_id for p in papers}
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise FetchError(f"arXiv has no paper {missing[0]}{more}; nothing imported", "input")
    return dedupe(papers)


def fetch_arxiv_category(session: Session, category: str, max_results: int = 100) -> list[Paper]:
    """The newest `max_results` papers of an arXiv category, newest first (paged by 2000).

    Paging goes on until `max_results` papers, or all that `opensearch:totalResults` reports;
    an empty page before that is asked for again (`_arxiv_page`), never taken for the end. A
    feed without a total ends on its first short page.
    """
    category = check_category(category)
    max_results = max(1, min(max_results, ARXIV_MAX_RESULTS))
    papers: list[Paper] = []
    start = 0
    with session.open():
        while start < max_results:
            size = min(ARXIV_PER_CALL, max_results - start)
            session.say(f"{ARXIV}: {category}, papers {start + 1}-{start + size}")
            params: dict[str, str | int] = {
                "search_query": f"cat:{category}",
                "sortBy": "submittedDate",
                "sortOrder": "descending",
                "start": start,
                "max_results": size,
            }
            batch, total = _arxiv_page(session, params, f"arXiv {category}", start=start)
            papers.extend(batch)
            if not batch:
                break
            if total is None:
                if len(batch) < size:
                    break
                start += size
            else:
                start += len(batch)
                if start >= total:
                    break
    if not papers:
        raise FetchError(f"arXiv has no papers in the category {category!r} (check the name, e.g. cs.CL)", "input")
    return dedupe(papers)
