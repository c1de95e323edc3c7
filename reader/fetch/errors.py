"""How a fetch fails: one exception family whose text is one line worded for the user."""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["network", "server", "input"]


class FetchError(Exception):
    """A fetch that failed. `str()` is one line for the user; `kind` says whose fault it is.

    `network`: could not reach the server or it timed out; `server`: the server answered with
    an error or with data reader cannot use; `input`: the request itself was wrong (a bad
    setting, an unknown category, an arXiv id that does not exist).
    """

    def __init__(self, message: str, kind: ErrorKind = "server") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class HttpStatusError(FetchError):
    """The server answered with an HTTP error status (after any retries)."""

    def __init__(self, message: str, status: int, kind: ErrorKind = "server", body: bytes = b"") -> None:
        super().__init__(message, kind)
        self.status = status
        self.body = body
        """The start of the error answer (arXiv explains a bad query in an Atom feed)."""


class FetchCancelled(FetchError):
    """The caller set the cancel event; nothing was imported."""

    def __init__(self) -> None:
        super().__init__("fetch cancelled", "network")
