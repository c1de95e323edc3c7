"""`reader fetch`, `reader add`, `reader follow` and `reader unfollow`: papers from the Hugging
Face daily list and from arXiv (its API and its daily announcement feeds).

Everything is fetched and checked first; the library is opened (and locked) only afterwards,
for one all-or-nothing import. Network and server failures end in one line and exit code 3;
wrong arguments (a bad date, an unknown arXiv id or category) in exit code 2. The network
stack (`reader.fetch`, httpx) is imported only when one of these commands runs, so other
commands start without it. Fetch returns the papers; the import (and its counts per day or
source, `Library.import_groups`) happens here.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reader.cli_common import EXIT_FETCH, EXIT_INPUT, Context, UserError, parse_date, user_errors
from reader.models import parse_arxiv_id

if TYPE_CHECKING:
    from reader.fetch import Fetched

DEFAULT_MAX = 100
"""How many papers `reader fetch --arxiv` brings by default."""


F = TypeVar("F", bound=Callable[..., Any])


def _usage(message: str) -> Exception:
    return UserError(message)


def fetch_errors(func: F) -> F:
    """Library and fetch errors become one line with their exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from reader.fetch import FetchError

        try:
            return func(*args, **kwargs)
        except FetchError as exc:
            raise UserError(str(exc), EXIT_INPUT if exc.kind == "input" else EXIT_FETCH) from None

    return user_errors(wrapper)  # type: ignore[return-value]


def _progress() -> Callable[[str], None] | None:
    """Progress lines on standard error, only when someone is watching it."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"{message}…", err=True)


def _merge(obj: Context, fetched: Fetched) -> None:
    """Import what was fetched (if anything: the library is not opened otherwise) and print
    one line per day or source, with the library's counts.

    When a source failed while others succeeded, what succeeded is imported first; then the
    failure is the error, naming the source (exit code 3).
    """
    result = None
    if fetched.papers:
        with obj.library() as library:
            result = library.import_groups(fetched.groups)
    for line in fetched.report(result).lines():
        click.echo(line)
    if fetched.failures:
        kept = " (what the other sources brought was imported)" if fetched.papers else ""
        raise UserError("; ".join(fetched.failure_lines()) + kept, EXIT_FETCH)


_hf_url_option = click.option(
    "--hf-url",
    default=None,
    metavar="URL",
    help="Base URL of the Hugging Face API (default: $READER_HF_URL, else https://huggingface.co).",
)
_arxiv_url_option = click.option(
    "--arxiv-url",
    default=None,
    metavar="URL",
    help="Base URL of the arXiv API (default: $READER_ARXIV_URL, else https://export.arxiv.org).",
)


_arxiv_rss_url_option = click.option(
    "--arxiv-rss-url",
    default=None,
    metavar="URL",
    help="Base URL of arXiv's announcement feeds (default: $READER_ARXIV_RSS_URL, else https://rss.arxiv.org).",
)


@click.command("fetch")
@click.option(
    "--date", "day", metavar="YYYY-MM-DD", help="Fetch this day's list (default: the latest day with papers)."
)
@click.option("--days", type=click.IntRange(1, 60), metavar="N", help="Fetch the last N days' lists.")
@click.option(
    "--arxiv",
    "category",
    metavar="CATEGORY",
    help="Fetch the newest papers of an arXiv category (search API) instead; they are filed under today's date.",
)
@click.option(
    "--arxiv-new",
    "announced",
    metavar="CAT[,CAT...]",
    help="Fetch today's arXiv announcements of these categories (new, cross-lists, replacements) instead.",
)
@click.option(
    "--max",
    "max_results",
    type=click.IntRange(1, 30000),
    metavar="N",
    help="With --arxiv: how many papers (default 100).",
)
@_hf_url_option
@_arxiv_url_option
@_arxiv_rss_url_option
@click.pass_obj
@fetch_errors
def fetch_cmd(
    obj: Context,
    day: str | None,
    days: int | None,
    category: str | None,
    announced: str | None,
    max_results: int | None,
    hf_url: str | None,
    arxiv_url: str | None,
    arxiv_rss_url: str | None,
) -> None:
    """Fetch the day's papers from Hugging Face and the arXiv categories you follow.

    With no option: the latest Hugging Face day that has papers (today, else the day before,
    up to a week back) and today's announcements of the arXiv categories you follow (see
    `reader follow`). Everything is fetched and checked before anything is imported; if one
    source fails, the others' papers are imported and the command exits with code 3.
    Re-fetching updates upvotes and metadata; notes, tags and status are never touched.

    With --arxiv, arXiv has no featured day: the papers are filed under the day you fetch
    them (today), which is the day they show under in the app and `reader list --day`.
    Announcements (--arxiv-new) are filed under their announcement day.
    """
    from reader.fetch import Fetcher, Settings, check_categories, check_category
    from reader.library import followed_categories

    if day is not None and days is not None:
        raise _usage("give either --date or --days, not both")
    if category is not None and announced is not None:
        raise _usage("give either --arxiv (search API) or --arxiv-new (today's announcements), not both")
    if category is not None and (day is not None or days is not None):
        raise _usage("--arxiv fetches the newest papers of a category; it does not go with --date or --days")
    if announced is not None and (day is not None or days is not None):
        raise _usage("--arxiv-new fetches today's announcements; it does not go with --date or --days")
    if max_results is not None and category is None:
        raise _usage("--max goes with --arxiv CATEGORY")
    settings = Settings.from_env(hf_url=hf_url, arxiv_url=arxiv_url, arxiv_rss_url=arxiv_rss_url)
    fetcher = Fetcher(settings, progress=_progress(), today=date.today())
    if announced is not None:
        fetched = fetcher.arxiv_new(check_categories(announced))
    elif category is not None:
        fetched = fetcher.arxiv_category(check_category(category), max_results or DEFAULT_MAX)
    elif day is not None:
        featured = parse_date(day)
        assert featured is not None
        fetched = fetcher.days([featured])
    elif days is not None:
        wanted = [fetcher.today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        fetched = fetcher.days(wanted, strict=False)
    else:
        fetched = fetcher.daily(followed_categories(obj.db))
    _merge(obj, fetched)


@click.command("add")
@click.argument("refs", nargs=-1, required=True, metavar="ARXIV_ID_OR_URL...")
@_arxiv_url_option
@click.pass_obj
@fetch_errors
def add_cmd(obj: Context, refs: Sequence[str], arxiv_url: str | None) -> None:
    """Add papers from arXiv by id or abs/pdf URL.

    For example `reader add 2507.12345 https://arxiv.org/abs/2507.12346v2`.
    All ids go to arXiv in one request; if any is unknown, nothing is imported.

    The papers are filed under the day you add them (today): arXiv has no featured day. A
    paper already in the library keeps its days and gains today's.
    """
    from reader.fetch import Fetcher, Settings

    ids: list[str] = []
    for ref in refs:
        arxiv_id = parse_arxiv_id(ref)
        if arxiv_id is None:
            raise _usage(f"not an arXiv id or URL: {ref!r} (e.g. 2507.12345 or https://arxiv.org/abs/2507.12345)")
        ids.append(arxiv_id)
    settings = Settings.from_env(arxiv_url=arxiv_url)
    fetched = Fetcher(settings, progress=_progress(), today=date.today()).arxiv_ids(ids)
    _merge(obj, fetched)


@click.command("follow")
@click.argument("categories", nargs=-1, metavar="[CATEGORY...]")
@click.pass_obj
@fetch_errors
def follow_cmd(obj: Context, categories: Sequence[str]) -> None:
    """Follow arXiv categories: `reader fetch` then brings their daily announcements too.

    For example `reader follow cs.CL cs.LG` (or `cs.CL,cs.LG`). With no category, list the
    categories followed.
    """
    from reader.fetch import check_categories
    from reader.library import followed_categories

    if not categories:
        followed = followed_categories(obj.db)
        if not followed:
            click.echo("not following any arXiv category (e.g. `reader follow cs.CL`)", err=True)
        for name in followed:
            click.echo(name)
        return
    wanted = check_categories(categories)
    with obj.library() as library:
        added = library.follow(wanted)
        followed = library.followed()
    already = [c for c in wanted if c not in added]
    note = f" ({', '.join(already)} already followed)" if already else ""
    click.echo(f"following {', '.join(followed)}" + note)


@click.command("unfollow")
@click.argument("categories", nargs=-1, required=True, metavar="CATEGORY...")
@click.pass_obj
@fetch_errors
def unfollow_cmd(obj: Context, categories: Sequence[str]) -> None:
    """Stop following arXiv categories (their papers stay in the library)."""
    from reader.fetch import check_categories
    from reader.library import followed_categories

    wanted = check_categories(categories)
    followed = followed_categories(obj.db)
    unknown = [c for c in wanted if c not in followed]
    if unknown:
        now = f"following {', '.join(followed)}" if followed else "not following any category"
        raise _usage(f"not following {', '.join(unknown)} ({now}); nothing changed")
    with obj.library() as library:
        library.unfollow(wanted)
        left = library.followed()
    click.echo(f"following {', '.join(left)}" if left else "not following any arXiv category now")


fetch_commands = [fetch_cmd, add_cmd, follow_cmd, unfollow_cmd]
