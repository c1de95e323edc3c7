"""arXiv's daily announcement feeds (`rss.arxiv.org/rss/cs.CL+cs.LG`): the day's new papers,
cross-lists and replacements of some categories, in one request."""

from __future__ import annotations

from collections.abc import Sequence

from reader.fetch.arxiv import ARXIV, check_categories
from reader.fetch.errors import FetchError, HttpStatusError
from reader.fetch.http import Session
from reader.fetch.settings import Settings
from reader.importers import BadInput, ImportContext, NoAnnouncements, arxiv_feed, dedupe
from reader.models import Paper

NO_ANNOUNCEMENTS = "no announcements today (arXiv announces nothing on weekends and holidays)"


def arxiv_feed_url(settings: Settings, categories: Sequence[str]) -> str:
    return f"{settings.arxiv_rss_url.rstrip('/')}/rss/{'+'.join(categories)}"


def fetch_arxiv_announcements(session: Session, categories: Sequence[str]) -> tuple[list[Paper], str]:
    """The day's announcements of these categories (one request for all of them), and a note
    when there are none (weekends, holidays: not an error). Rate limited like every arXiv call."""
    cats = check_categories(categories)
    name = f"{ARXIV} {'+'.join(cats)}"
    session.say(f"{name}: today's announcements")
    try:
        answer = session.get(
            arxiv_feed_url(session.settings, cats), {}, service=ARXIV, limiter=session.settings.limiter
        )
    except HttpStatusError as exc:
        if exc.status in (400, 404):
            raise FetchError(
                f"arXiv has no announcement feed for {'+'.join(cats)} (check the names)", "input"
            ) from None
        raise
    try:
        text = answer.body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise FetchError(f"{name}: the server's answer is not UTF-8 text", "server") from None
    if not text.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of a feed", "server")
    try:
        papers = arxiv_feed.parse(text, ImportContext(name=name, day=None, today=session.today))
    except NoAnnouncements:
        return [], NO_ANNOUNCEMENTS
    except BadInput as exc:
        hint = " (is --arxiv-rss-url right?)" if "html" in answer.content_type.lower() else ""
        raise FetchError(f"{exc} (unexpected answer from the server){hint}", "server") from None
    for paper in papers:  # the categories asked for, whatever the feed says it is for
        paper.sources = arxiv_feed.source_for(paper.primary_category, cats)
    return dedupe(papers), ""
