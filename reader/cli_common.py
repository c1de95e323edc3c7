"""What every `reader` command shares: the library context, one-line errors and exit codes.

Kept apart from `reader.cli` so that command modules (`cli_export`, `cli_fetch`) and the main
group import it without import cycles. Never imports Textual or the network stack.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from reader.backlog import SettingError
from reader.importers import BadInput
from reader.library import Library, UnknownPaper
from reader.models import Status
from reader.store import LoadError, LockedError, StoreError, WriteError
from reader.text import clean_line

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_LIBRARY = 1
EXIT_FETCH = 3
"""Could not fetch: no network, a timeout, a server error or an answer reader cannot use."""


class UserError(click.ClickException):
    """A one-line error for the user, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]  # click declares it a ClassVar; ours varies per error

    def show(self, file: Any = None) -> None:
        click.echo(f"reader: error: {clean_line(self.format_message())}", err=True)


def user_errors(func: F) -> F:
    """Turn the library's exceptions into one-line errors with the right exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (BadInput, UnknownPaper, SettingError) as exc:
            raise UserError(str(exc), EXIT_INPUT) from None
        except (LockedError, LoadError, WriteError, StoreError) as exc:
            raise UserError(str(exc), EXIT_LIBRARY) from None

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, option: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: {value!r} is not a date in the form YYYY-MM-DD") from None


def parse_status(value: str, *, allow_all: bool = False) -> Status | None:
    if allow_all and value.strip().lower() == "all":
        return None
    try:
        return Status.parse(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None


class Context:
    """What every command gets: where the library is."""

    def __init__(self, db: Path | None) -> None:
        self.db = db

    @contextmanager
    def library(self, *, readonly: bool = False, lazy: bool = False) -> Iterator[Library]:
        """The library, open for this command; `lazy` reads only the records the command uses
        (a status change, a note or tags of a few papers: fast whatever the library's size)."""
        library = Library.open(self.db, readonly=readonly, lazy=lazy)
        try:
            yield library
        finally:
            library.close()


pass_context = click.make_pass_decorator(Context)


def resolve_day(library: Library, value: str | None) -> str | None:
    """A `--day` value: `YYYY-MM-DD`, or `latest` for the newest featured day."""
    if value is None:
        return None
    if value == "latest":
        return library.latest_day()
    parsed = parse_date(value, "--day")
    return parsed.isoformat() if parsed else None
