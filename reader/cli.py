"""The `reader` command line: parses arguments, calls the library, prints.

Textual is imported only when the app is opened, so scripted commands start fast.
Every user mistake ends in one line on standard error and a non-zero exit code:
2 for bad input or usage, 1 for a library that cannot be used (locked, unreadable).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click
import orjson

from reader import __version__
from reader.backlog import snooze_note
from reader.cli_backlog import backlog_commands
from reader.cli_common import (
    EXIT_FETCH,
    EXIT_INPUT,
    EXIT_LIBRARY,
    Context,
    UserError,
    parse_date,
    parse_status,
    pass_context,
    resolve_day,
    user_errors,
)
from reader.cli_export import export_cmd
from reader.cli_fetch import fetch_commands
from reader.library import Library
from reader.models import Paper, Status, UserState, record
from reader.text import clean_block, json_terminal_safe, terminal_safe


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Library folder (default: $READER_DB, else the user data folder).",
)
@click.option("--demo", is_flag=True, help="Open the app on a throwaway copy of the bundled sample day.")
@click.version_option(__version__, prog_name="reader")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, demo: bool) -> None:
    """Triage the day's papers, keep notes on them and report what you read.

    With no command, opens the app on the library.
    """
    ctx.obj = Context(db)
    if ctx.invoked_subcommand is not None:
        if demo:
            raise UserError("--demo opens the app; it does not go with a command")
        return
    if demo:
        run_demo()
    else:
        open_app(db)


def run_demo() -> None:
    """Import the sample day into a fresh temporary library and open the app on it."""
    from reader.resources import SAMPLE_DAY, sample_files

    folder = Path(tempfile.mkdtemp(prefix="reader-demo-"))
    try:
        with Library.open(folder) as library:
            library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
        open_app(folder, demo=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@user_errors
def open_app(db: Path | None, *, demo: bool = False) -> None:
    """Open the Textual app (imported only now: scripted commands never load Textual)."""
    if not sys.stdout.isatty() and not os.environ.get("READER_FORCE_APP"):
        raise UserError("the app needs a terminal; use a command (see `reader --help`)", EXIT_INPUT)
    from reader.tui.app import run_app

    run_app(db, demo=demo)


# -- import --------------------------------------------------------------------------------


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The featured day (year) for pages that show only `Jul 31`.")
@pass_context
@user_errors
def import_cmd(obj: Context, files: Sequence[Path], day: str | None) -> None:
    """Import papers from files: the Daily Papers page copied as text, or API JSON.

    All files are read and checked before anything is written: one bad file and nothing is
    imported. Re-importing a paper merges its metadata and never touches notes, tags or status.
    """
    featured = parse_date(day)
    with obj.library() as library:
        result = library.import_files(list(files), day=featured)
    days = ", ".join(result.days)
    click.echo(f"{result.summary()}" + (f" (featured {days})" if days else ""))


# -- list and show -------------------------------------------------------------------------


def select_ids(library: Library, status: Status | None, day: str | None, query: str | None) -> list[str]:
    ids = library.ids(status=status, day=day)
    if query:
        hits = library.search_index().search(query, ids=ids)
        return [hit.id for hit in hits]
    return ids


def _json(data: Any) -> str:
    return json_terminal_safe(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@cli.command("list")
@click.option("--status", "status_name", default="all", show_default=True, help="A status, or all.")
@click.option("--day", metavar="YYYY-MM-DD|latest", help="Only papers featured on that day.")
@click.option("--query", "-q", metavar="TEXT", help="A filter in the search language (see README).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of full records.")
@click.option("--catch-up", "catch_up", is_flag=True, help="Every untriaged paper, newest day first, grouped by day.")
@click.option("--unseen", is_flag=True, help="Only papers never highlighted in the app.")
@click.option("--stale", is_flag=True, help="Only stale papers: to-read for more than $READER_STALE_DAYS (30) days.")
@pass_context
@user_errors
def list_cmd(
    obj: Context,
    status_name: str,
    day: str | None,
    query: str | None,
    as_json: bool,
    catch_up: bool,
    unseen: bool,
    stale: bool,
) -> None:
    """List papers (all of them unless filtered). Reads without locking the library."""
    status = parse_status(status_name, allow_all=True)
    if catch_up and (status is not None or day):
        raise UserError("--catch-up lists the inbox of every day: it does not go with --status or --day")
    with obj.library(readonly=True) as library:
        headers: dict[int, str] = {}
        if catch_up:
            from reader.catchup import catch_up as catch_up_groups
            from reader.catchup import flatten

            ids, headers = flatten(catch_up_groups(library))
            if query:
                hits = set(select_ids(library, None, None, query))
                ids, headers = flatten_kept(library, hits)
        else:
            ids = select_ids(library, status, resolve_day(library, day), query)
        if unseen or stale:
            ids, headers = narrowed(library, ids, headers, unseen=unseen, stale=stale)
        if as_json:
            click.echo(_json([record(library.paper(pid), library.state(pid)) for pid in ids]))
            return
        if not ids:
            click.echo(
                "no papers" + (" match" if query or status or day else " yet: try `reader import FILE`"), err=True
            )
            return
        width = shutil.get_terminal_size((120, 24)).columns
        for n, pid in enumerate(ids):
            if n in headers:
                click.echo(terminal_safe(f"── {headers[n]}"))
            click.echo(terminal_safe(list_row(library.paper(pid), library.state(pid), width)))


def flatten_kept(library: Library, keep: set[str]) -> tuple[list[str], dict[int, str]]:
    """The catch-up groups with only the papers in `keep` (empty groups dropped)."""
    from reader.catchup import catch_up, flatten

    groups = catch_up(library)
    for group in groups:
        group.ids = [pid for pid in group.ids if pid in keep]
    return flatten([g for g in groups if g.ids])


def narrowed(
    library: Library, ids: list[str], headers: dict[int, str], *, unseen: bool, stale: bool
) -> tuple[list[str], dict[int, str]]:
    """`ids` without the papers seen in the app (`unseen`) or that are not stale (`stale`)."""
    from reader import backlog

    check = backlog.stale_predicate()
    states = library.states

    def wanted(pid: str) -> bool:
        state = states.get(pid)
        if unseen and state is not None and state.seen_at is not None:
            return False
        return not stale or check(state)

    if not headers:
        return [pid for pid in ids if wanted(pid)], {}
    keep = {pid for pid in ids if wanted(pid)}
    return flatten_kept(library, keep)


STATUS_MARK = {
    Status.INBOX: "·",
    Status.TO_READ: "○",
    Status.READING: "◐",
    Status.DONE: "●",
    Status.SKIPPED: "×",
    Status.SNOOZED: "z",
}


def list_row(paper: Paper, state: UserState, width: int) -> str:
    day = paper.days[-1] if paper.days else "          "
    votes = f"{paper.upvotes:>4}" if paper.upvotes is not None else "    "
    tags = " ".join(f"#{t}" for t in state.tags)
    head = f"{paper.id:<12} {state.status.value:<8} {day} {votes}  "
    room = max(width - len(head) - (len(tags) + 1 if tags else 0), 20)
    title = paper.title if len(paper.title) <= room else paper.title[: room - 1] + "…"
    return f"{head}{title}" + (f" {tags}" if tags else "")


def show_text(paper: Paper, state: UserState) -> str:
    lines = [paper.title, ""]
    fields: list[tuple[str, str | None]] = [
        ("id", paper.id),
        ("status", state.status.value),
        ("snoozed", snooze_note(state)),
        ("seen", state.seen_at),
        ("authors", ", ".join(paper.authors) or None),
        ("featured", ", ".join(paper.days) or None),
        ("published", paper.published),
        ("upvotes", str(paper.upvotes) if paper.upvotes is not None else None),
        ("tags", " ".join(f"#{t}" for t in state.tags) or None),
        ("arXiv", paper.abs_url),
        ("PDF", paper.pdf_url),
        ("HF", paper.hf_url),
        ("GitHub", paper.github_url),
        ("project", paper.project_url),
        ("summary", paper.ai_summary),
        ("keywords", ", ".join(paper.ai_keywords) or None),
    ]
    for name, value in fields:
        if value:
            lines.append(f"{name + ':':<11}{value}")
    if paper.abstract:
        lines += ["", paper.abstract]
    if state.notes:
        lines += ["", "notes:", state.notes]
    return "\n".join(lines)


@cli.command("show")
@click.argument("paper_id")
@click.option("--json", "as_json", is_flag=True, help="Print the full record as JSON.")
@pass_context
@user_errors
def show_cmd(obj: Context, paper_id: str, as_json: bool) -> None:
    """Show one paper: metadata, abstract, tags and notes."""
    with obj.library(readonly=True) as library:
        pid = library.resolve(paper_id)
        paper, state = library.paper(pid), library.state(pid)
        click.echo(_json(record(paper, state)) if as_json else terminal_safe(show_text(paper, state)))


# -- changing user state -------------------------------------------------------------------


@cli.command("mark")
@click.argument("args", nargs=-1, required=True, metavar="ID... STATUS")
@click.option(
    "--park", "park", metavar="ID", multiple=True, help="With a reading cap: move this reading paper to to-read."
)
@pass_context
@user_errors
def mark_cmd(obj: Context, args: Sequence[str], park: Sequence[str]) -> None:
    """Set the status of papers: inbox, to-read, reading, done or skipped (snooze: `reader snooze`)."""
    if len(args) < 2:
        raise UserError("give one or more paper ids and then a status, e.g. `reader mark 2507.12345 done`")
    status = parse_status(args[-1])
    assert status is not None
    if status is Status.SNOOZED:
        raise UserError("snoozing needs a day: `reader snooze ID... DATE` (e.g. tomorrow, next-week, +3d)")
    from reader import backlog

    cap = backlog.reading_cap()
    with obj.library() as library:
        ids = [library.resolve(ref) for ref in args[:-1]]
        parked = [library.resolve(ref) for ref in park]
        if parked and status is not Status.READING:
            raise UserError("--park makes room in reading: it goes with `reading`")
        for pid in parked:
            if library.status(pid) is not Status.READING:
                raise UserError(f"--park {pid}: that paper is not in reading")
        reading = [pid for pid in library.ids(status=Status.READING) if pid not in parked]
        if status is Status.READING and backlog.over_cap(reading, ids, cap):
            names = ", ".join(reading)
            raise UserError(f"reading is capped at {cap} ({names}): add --park ID to move one of them to to-read")
        if parked:
            library.set_status(parked, Status.TO_READ)
        changes = library.set_status(ids, status)
    unchanged = len(set(ids)) - len(changes)
    note = f" ({unchanged} already {status.value})" if unchanged else ""
    parked_note = f"; parked {', '.join(parked)} in to-read" if parked else ""
    click.echo(f"{len(changes)} marked {status.value}{note}{parked_note}")


@cli.command("note")
@click.argument("paper_id")
@click.argument("text", required=False)
@pass_context
@user_errors
def note_cmd(obj: Context, paper_id: str, text: str | None) -> None:
    """Print a paper's notes, set them to TEXT, or read them from standard input with `-`."""
    if text is None:
        with obj.library(readonly=True) as library:
            notes = library.state(library.resolve(paper_id)).notes
        if notes:
            click.echo(clean_block(notes))
        return
    if text == "-":
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("standard input: the notes are not valid UTF-8 text") from None
    with obj.library() as library:
        pid = library.resolve(paper_id)
        changed = library.set_notes(pid, text)
    click.echo("notes saved" if changed else "notes unchanged")


@cli.command("tag", context_settings={"ignore_unknown_options": True})
@click.argument("paper_id")
@click.argument("changes", nargs=-1, metavar="+NAME|-NAME...")
@pass_context
@user_errors
def tag_cmd(obj: Context, paper_id: str, changes: Sequence[str]) -> None:
    """Add (+name) or remove (-name) tags; with no changes, print the tags."""
    add = [c[1:] for c in changes if c.startswith("+")]
    remove = [c[1:] for c in changes if c.startswith("-")]
    bare = [c for c in changes if not c.startswith(("+", "-"))]
    if bare:
        raise UserError(f"tag changes start with + or -: {bare[0]!r} (e.g. `reader tag ID +rl -later`)")
    if not changes:
        with obj.library(readonly=True) as library:
            click.echo(" ".join(library.state(library.resolve(paper_id)).tags))
        return
    with obj.library() as library:
        pid = library.resolve(paper_id)
        library.edit_tags(pid, add=add, remove=remove)
        click.echo(" ".join(library.state(pid).tags) or "(no tags)")


def main() -> None:
    """Entry point of the `reader` console script."""
    cli(prog_name="reader")


cli.add_command(export_cmd)
for _command in backlog_commands:
    cli.add_command(_command)
for _command in fetch_commands:
    cli.add_command(_command)

__all__ = ["EXIT_FETCH", "EXIT_INPUT", "EXIT_LIBRARY", "Context", "UserError", "cli", "main", "user_errors"]
