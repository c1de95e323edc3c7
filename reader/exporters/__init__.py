"""Exporting papers: choose a selection, render it in a format, write it safely.

The command line (`reader export`) and the app's export dialog both use this small API:

- `FORMATS` and `parse_format()`: the formats by name (`markdown`, `bibtex`, `csv`, `json`,
  `ris`, `csl-json`, `notes`);
- `select()`: the ids of the papers to export, newest status change first;
- `render()`: the text of a document for those ids;
- `default_filename()`, `format_for_path()`: file names and the format a name suggests;
- `write()`: an atomic write that refuses to replace a file unless forced;
- `write_notes()`: the notes format, one Markdown file per paper in a folder (`Format.folder`).

Nothing here imports Textual. Each format lives in its own module and sees the papers as
`Entry` records (paper, user state, and the date the paper entered its status).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reader.atomic import atomic_write_bytes
from reader.models import Paper, Status, UserState, normalise_tag
from reader.text import json_terminal_safe, terminal_safe

if TYPE_CHECKING:
    from reader.library import Library

__all__ = [
    "FORMATS",
    "BadDestination",
    "DestinationExists",
    "Entry",
    "ExportError",
    "Format",
    "NotesExist",
    "NotesReport",
    "WriteFailed",
    "default_filename",
    "document_title",
    "entries",
    "format_for_path",
    "parse_format",
    "period_text",
    "render",
    "select",
    "stamp_day",
    "write",
    "write_notes",
]


class ExportError(Exception):
    """An export that cannot be done, worded for the user (one line)."""


class DestinationExists(ExportError):
    """The destination file exists and overwriting was not asked for."""


class NotesExist(DestinationExists):
    """Notes for some of the papers exist in the folder and updating them was not asked for."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count


class BadDestination(ExportError):
    """The destination cannot be a file: a folder, or inside a folder that does not exist."""


class WriteFailed(ExportError):
    """Writing failed (disk full, permissions); any previous file is left as it was."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as the exporters see it."""

    paper: Paper
    state: UserState

    @property
    def changed_at(self) -> str | None:
        """When the paper entered its status (finished, for done papers), an ISO UTC stamp."""
        return self.state.status_changed_at

    @property
    def day(self) -> str | None:
        """The UTC date (`YYYY-MM-DD`) the paper entered its status, or None if unknown."""
        return stamp_day(self.changed_at)


@dataclass(frozen=True, slots=True)
class Format:
    """An export format: its name, how to show it, its file extension, its renderer."""

    name: str
    label: str
    extension: str
    empty: str
    """How an export without papers is described: `wrote {empty}`."""
    render: Callable[[Sequence[Entry], str, str | None], str]
    """`render(entries, title, period)` -> the document text."""
    folder: bool = False
    """Written as a folder of files (`write_notes`), not as one document."""
    json: bool = False
    """The document is JSON (its terminal-safety filter must keep it valid JSON)."""


_STAMP_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def stamp_day(stamp: str | None) -> str | None:
    """The `YYYY-MM-DD` date of an ISO timestamp such as `2026-11-25T22:09:56Z`."""
    if not stamp:
        return None
    match = _STAMP_DAY.match(stamp)
    return match.group(1) if match else None


def _render_markdown(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.markdown import render_markdown

    return render_markdown(items, title=title, period=period)


def _render_bibtex(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.bibtex import render_bibtex

    return render_bibtex(items)


def _render_csv(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.csv_export import render_csv

    return render_csv(items)


def _render_json(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.json_export import render_json

    return render_json(items)


def _render_ris(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.ris import render_ris

    return render_ris(items)


def _render_csl_json(items: Sequence[Entry], title: str, period: str | None) -> str:
    from reader.exporters.csl_json import render_csl_json

    return render_csl_json(items)


def _render_notes(items: Sequence[Entry], title: str, period: str | None) -> str:
    raise ExportError("the notes format writes a folder of files: give a folder with -o")


FORMATS: dict[str, Format] = {
    "markdown": Format("markdown", "Markdown", ".md", "an empty Markdown log", _render_markdown),
    "bibtex": Format("bibtex", "BibTeX", ".bib", "an empty BibTeX file", _render_bibtex),
    "csv": Format("csv", "CSV", ".csv", "an empty CSV file (header row only)", _render_csv),
    "json": Format("json", "JSON", ".json", "an empty JSON array", _render_json, json=True),
    "ris": Format("ris", "RIS", ".ris", "an empty RIS file", _render_ris),
    "csl-json": Format("csl-json", "CSL JSON", ".csl.json", "an empty CSL JSON array", _render_csl_json, json=True),
    "notes": Format("notes", "Notes folder", "", "no notes", _render_notes, folder=True),
}
"""The export formats by name, in the order they are offered."""

_ALIASES = {
    "md": "markdown",
    "bib": "bibtex",
    "tex": "bibtex",
    "csl": "csl-json",
    "csljson": "csl-json",
    "csl_json": "csl-json",
    "note": "notes",
    "obsidian": "notes",
}
NOTES_FOLDER = "paper-notes"
"""The default folder of the notes format (no date: exporting again updates the same notes)."""


def parse_format(text: str) -> str:
    """The format name for what a user typed (`markdown`, `md`, `BibTeX`, `bib`...)."""
    key = text.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise ValueError(f"unknown format {text!r} (choose from {', '.join(FORMATS)})")
    return key


def format_for_path(path: Path | str) -> str | None:
    """The format a file name suggests by its extension (`log.bib` -> `bibtex`), or None.

    The longest matching extension wins: `refs.csl.json` is CSL JSON, `refs.json` JSON.
    A name without an extension suggests nothing (the notes format is chosen by name only).
    """
    name = Path(path).name.lower()
    by_length = sorted((f for f in FORMATS.values() if f.extension), key=lambda f: -len(f.extension))
    for fmt in by_length:
        if name.endswith(fmt.extension) and len(name) > len(fmt.extension):
            return fmt.name
    return "markdown" if name.endswith(".markdown") else None


def with_format(name: str, old: str, new: str) -> str:
    """A file name moved from one format's extension to another's (`log.bib` -> `log.ris`).

    A name that does not end in the old format's extension is kept; between a file and the
    notes folder the default names are used.
    """
    before, after = FORMATS[parse_format(old)], FORMATS[parse_format(new)]
    if not after.folder and format_for_path(name) == after.name:
        return name  # already named for the new format (typed by the user)
    if after.folder:
        return NOTES_FOLDER
    if before.folder:
        return default_filename(after.name) if name in ("", NOTES_FOLDER) else name + after.extension
    if before.extension and name.lower().endswith(before.extension):
        return name[: -len(before.extension)] + after.extension
    return name


def default_filename(
    fmt: str,
    today: str | date | None = None,
    *,
    status: Status | None = Status.DONE,
    since: str | date | None = None,
    until: str | date | None = None,
    tags: Sequence[str] = (),
    day: str | None = None,
    query: str | None = None,
) -> str:
    """A file name that says what an export holds; `paper-notes` for the notes folder.

    The name is `WHAT[-tagged-TAGS][-featured-DAY][-PERIOD].EXT`: WHAT is the status
    (`done`, `to-read`, ...), `all-papers` for every status, or `filter-QUERY` for the
    app's filtered list (`query` given); PERIOD is `YYYY-MM-DD` for one day
    (`since` = `until`), `A-to-B`, `since-A`, `until-B`, or `as-of-TODAY` when the
    selection is open-ended (no dates and no featured day). So `done-2025-07-31.md` holds only
    the papers finished that day, and `done-as-of-2025-07-31.md` the whole done list as it
    was that day. Tags and query text are reduced to letters, digits, `.`, `_` and `-`.
    """
    spec = FORMATS[parse_format(fmt)]
    if spec.folder:
        return NOTES_FOLDER
    parts = [f"filter-{_slug(query) or 'all'}" if query is not None else (status.value if status else "all-papers")]
    if tags:
        parts.append("tagged-" + "+".join(_slug(t) or "tag" for t in tags))
    if day:
        parts.append(f"featured-{day}")
    low = since.isoformat() if isinstance(since, date) else since
    high = until.isoformat() if isinstance(until, date) else until
    if low and high:
        parts.append(low if low == high else f"{low}-to-{high}")
    elif low:
        parts.append(f"since-{low}")
    elif high:
        parts.append(f"until-{high}")
    elif not day:
        when = today.isoformat() if isinstance(today, date) else (today or date.today().isoformat())
        parts.append(f"as-of-{when}")
    return "-".join(parts) + spec.extension


_SLUG_DROP = re.compile(r"[^\w.-]+")


def _slug(text: str, limit: int = 40) -> str:
    """`text` as a safe piece of a file name: word characters, `.`, `_` and `-`, at most `limit`."""
    folded = _SLUG_DROP.sub("-", terminal_safe(text).lower()).strip("-.")
    return re.sub(r"-{2,}", "-", folded)[:limit].strip("-.")


# -- selection -----------------------------------------------------------------------------


def select(
    library: Library,
    status: Status | None = Status.DONE,
    since: date | str | None = None,
    until: date | str | None = None,
    tag: str | Iterable[str] | None = None,
    day: str | None = None,
) -> list[str]:
    """The ids of the papers to export, newest status change first (ties by id).

    `status` None means every status. `since`/`until` compare the UTC date the paper entered
    its status (finished, for done papers), both inclusive; a paper without that date is left
    out when either is given. `tag` keeps papers carrying the tag (every tag, if several);
    `day` keeps papers featured on that day.
    """
    low = since.isoformat() if isinstance(since, date) else since
    high = until.isoformat() if isinstance(until, date) else until
    tags = [tag] if isinstance(tag, str) else list(tag or [])
    wanted = {normalise_tag(t) for t in tags if normalise_tag(t)}
    found: list[tuple[str, str]] = []
    for pid in library.ids(status=status, day=day):
        state = library.state(pid)
        if wanted and not wanted.issubset(state.tags):
            continue
        stamp = state.status_changed_at or ""
        when = stamp_day(stamp)
        if (low or high) and when is None:
            continue
        if low and when is not None and when < low:
            continue
        if high and when is not None and when > high:
            continue
        found.append((stamp, pid))
    # Newest first; equal stamps by id so the order never depends on the library's order.
    found.sort(key=lambda item: item[1])
    found.sort(key=lambda item: item[0], reverse=True)
    return [pid for _, pid in found]


def entries(library: Library, ids: Iterable[str]) -> list[Entry]:
    """The export records for these ids, in that order."""
    return [Entry(library.paper(pid), library.state(pid)) for pid in ids]


def period_text(items: Sequence[Entry], since: date | str | None = None, until: date | str | None = None) -> str | None:
    """The period a document covers: the dates asked for, else the span of the papers' dates."""
    low = since.isoformat() if isinstance(since, date) else since
    high = until.isoformat() if isinstance(until, date) else until
    if low and high:
        return low if low == high else f"{low} to {high}"
    days = sorted(d for d in (e.day for e in items) if d)
    if low:
        return f"{low} to {days[-1]}" if days and days[-1] > low else f"since {low}"
    if high:
        return f"{days[0]} to {high}" if days and days[0] < high else f"until {high}"
    if not days:
        return None
    return days[0] if days[0] == days[-1] else f"{days[0]} to {days[-1]}"


def document_title(status: Status | None) -> str:
    """The heading of a Markdown export for a status (`Reading log` for the done list)."""
    if status is Status.DONE:
        return "Reading log"
    if status is None:
        return "Papers"
    return f"Papers: {status.value}"


def render(
    library: Library,
    ids: Sequence[str],
    fmt: str,
    *,
    title_period: str | None = None,
    title: str | None = None,
) -> str:
    """The document for these papers in a format; deterministic for the same library and ids.

    `title_period` is shown in the Markdown heading (default: the span of the papers' dates);
    `title` replaces the heading text (default: from the papers' statuses).
    """
    spec = FORMATS[parse_format(fmt)]
    items = entries(library, ids)
    if title is None:
        statuses = {e.state.status for e in items}
        title = document_title(statuses.pop() if len(statuses) == 1 else None) if items else "Reading log"
    period = title_period if title_period is not None else period_text(items)
    document = spec.render(items, title, period)
    # stored text is cleaned on import and load; this guards against anything that slipped by
    return json_terminal_safe(document) if spec.json else terminal_safe(document)


# -- writing -------------------------------------------------------------------------------


def write(path: Path, text: str, force: bool = False, *, library_root: Path | None = None) -> None:
    """Write `text` as UTF-8 to `path` atomically; refuse to replace a file unless `force`.

    A target inside `library_root` (the library's own folder, symlinks resolved) is refused: an
    export must never overwrite the library. A character device (`/dev/stdout`, `/dev/null`) or a
    FIFO with a reader is written in place, never replaced by a file; other special files are
    refused. Raises `DestinationExists`, `BadDestination` or `WriteFailed`; on any error a file
    that was there is left byte for byte as it was.
    """
    path = Path(path)
    if library_root is not None and _inside(path, library_root):
        raise BadDestination(f"{path} is inside the library folder {library_root}; export somewhere else")
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        _write_in_place(path, text.encode("utf-8"), fifo=stat.S_ISFIFO(mode))
        return
    if mode and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise BadDestination(f"{path} is a special file (not a regular file, a terminal or a pipe); refusing it")
    if path.is_dir():
        raise BadDestination(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise BadDestination(f"{path}: the folder {path.parent} does not exist")
    if not force and (path.exists() or path.is_symlink()):
        raise DestinationExists(f"{path} exists; use --force to replace it")
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise WriteFailed(f"could not write {path}: {reason}") from None


# -- the notes folder ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotesReport:
    """What `write_notes` did."""

    folder: Path
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def describe(self) -> str:
        """`3 new, 2 updated, 1 unchanged` (parts that are zero left out)."""
        parts = [f"{n} {word}" for n, word in ((self.created, "new"), (self.updated, "updated")) if n]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        return ", ".join(parts) or "nothing to write"


def write_notes(library: Library, ids: Sequence[str], folder: Path, force: bool = False) -> NotesReport:
    """Write one Markdown note per paper into `folder` (see `reader.exporters.notes_folder`).

    The folder is made when missing (its parent must exist). Every note is checked before
    any is written: an existing note without `force`, or one that cannot be updated safely,
    raises `DestinationExists` or `BadDestination` and nothing is written. Each note is
    written atomically; text below a note's marker line is kept.
    """
    from reader.exporters import notes_folder

    folder = Path(folder)
    if _inside(folder, library.root):
        raise BadDestination(f"{folder} is inside the library folder {library.root}; export somewhere else")
    if folder.exists() and not folder.is_dir():
        raise BadDestination(f"{folder} is not a folder; the notes format writes one file per paper into a folder")
    if not folder.exists() and not folder.parent.is_dir():
        raise BadDestination(f"{folder}: the folder {folder.parent} does not exist")
    items = entries(library, ids)
    try:
        plan = notes_folder.plan_notes(items, folder)
    except notes_folder.NoteProblem as exc:
        raise BadDestination(str(exc)) from None
    existing = plan.existing
    if existing and not force:
        noun = "note exists" if len(existing) == 1 else "notes exist"
        raise NotesExist(
            f"{folder}: {len(existing)} {noun} already (e.g. {existing[0].path.name}); use --force to update them",
            len(existing),
        )
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise WriteFailed(f"could not make the folder {folder}: {exc.strerror or exc}") from None
    for note in plan.writes:
        if not note.unchanged:
            write(note.path, note.text, force=True)
    return NotesReport(
        folder,
        created=sum(1 for w in plan.writes if not w.existed),
        updated=sum(1 for w in plan.writes if w.existed and not w.unchanged),
        unchanged=sum(1 for w in plan.writes if w.unchanged),
    )


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` (followed through symlinks, existing or not) lies in `folder`."""
    try:
        target = os.path.realpath(path)
        root = os.path.realpath(folder)
    except (OSError, ValueError):
        return False
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _write_in_place(path: Path, data: bytes, *, fifo: bool) -> None:
    """Write to a device or FIFO as it is (no temp file, no rename: the node stays what it is)."""
    flags = os.O_WRONLY | os.O_CLOEXEC | (os.O_NONBLOCK if fifo else 0)
    try:
        fd = os.open(path, flags)  # a FIFO without a reader: ENXIO at once instead of a hang
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise BadDestination(f"{path} is a pipe that no one is reading; nothing was written") from None
        raise WriteFailed(f"could not write {path}: {exc.strerror or exc}") from None
    try:
        if fifo:
            os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise WriteFailed(f"could not write {path}: {reason}") from None
    finally:
        os.close(fd)
