"""The Hugging Face daily papers API (`/api/daily_papers?date=…&limit=…&p=…`): one featured day,
every page of it."""

from __future__ import annotations

from datetime import date

import orjson

from reader.fetch.errors import FetchError, HttpStatusError
from reader.fetch.http import Answer, Session
from reader.fetch.settings import Settings
from reader.importers import BadInput, ImportContext, dedupe
from reader.importers.hf_api import parse_items
from reader.models import Paper

HF = "Hugging Face"
HF_PAGE_SIZE = 50
HF_MAX_PAGES = 60
"""A safety stop: 3000 papers in one day is far beyond any real day."""


class DayNotPublished(HttpStatusError):
    """Hugging Face answered 400 for a day: for it, the day is in the future."""


def hf_api_url(settings: Settings) -> str:
    return f"{settings.hf_url.rstrip('/')}/api/daily_papers"


def fetch_hf_day(session: Session, day: date) -> list[Paper]:
    """Every paper featured on `day` (all pages); `[]` for a day without papers.

    Raises `DayNotPublished` when the server refuses the date (HTTP 400: in its future),
    `FetchError` for anything else. Each paper's featured day is the day asked for.
    """
    url = hf_api_url(session.settings)
    papers: list[Paper] = []
    seen: set[str] = set()
    with session.open():
        for page in range(HF_MAX_PAGES):
            session.say(f"{HF}: {day.isoformat()}" + (f", page {page + 1}" if page else ""))
            params: dict[str, str | int] = {"date": day.isoformat(), "limit": HF_PAGE_SIZE, "p": page}
            try:
                answer = session.get(url, params, service=HF)
            except HttpStatusError as exc:
                if exc.status == 400 and page == 0:
                    raise DayNotPublished(
                        f"{HF} has no list for {day.isoformat()} yet (HTTP 400: the date is in its future)",
                        400,
                        "input",
                    ) from None
                raise
            name = f"{HF} {day.isoformat()}" + (f" page {page + 1}" if page else "")
            batch = _hf_page(answer, name, day, session.today)
            fresh = [p for p in batch if p.id not in seen]
            seen.update(p.id for p in fresh)
            papers.extend(fresh)
            if len(batch) < HF_PAGE_SIZE or not fresh:
                break
    for paper in papers:
        paper.days = [day.isoformat()]
    return dedupe(papers)


def _hf_page(answer: Answer, name: str, day: date, today: date) -> list[Paper]:
    if not answer.body.strip():
        raise FetchError(f"{name}: the server sent an empty answer instead of JSON", "server")
    try:
        data = orjson.loads(answer.body)
    except orjson.JSONDecodeError as exc:
        if "html" in answer.content_type.lower():
            raise FetchError(
                f"{name}: the server sent a web page instead of JSON (is --hf-url right?)", "server"
            ) from None
        raise FetchError(f"{name}: the server sent invalid JSON ({exc})", "server") from None
    try:
        return parse_items(data, ImportContext(name=name, day=day, today=today))
    except BadInput as exc:
        raise FetchError(f"{exc} (unexpected answer from the server)", "server") from None
