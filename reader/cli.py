"""The `reader` command line: parses arguments, calls the library, prints.

Textual is imported only when the app is opened, so scripted commands start fast.
Every user mistake ends in one line on standard error and a non-zero exit code:
2 for bad input or usage, 1 for a library that cannot be used (locked, unreadable).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from reader.cli_foryou import foryou_commands
from reader.cli_sync import sync_commands
from reader.importers import ImportContext, NoAnnouncements, Parsed, parse_stream
from reader.library import Library, parse_files
from reader.marks import row_mark, source_line
from reader.models import Paper, PaperHead, Status, UserState, record
from reader.text import clean_block, clean_line, json_terminal_safe, terminal_safe

if TYPE_CHECKING:
    from reader.foryou import Ranked


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
    import shutil
    import tempfile

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
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The featured day (year) for pages that show only `Jul 31`.")
@pass_context
@user_errors
def import_cmd(obj: Context, files: Sequence[str], day: str | None) -> None:
    """Import papers from files: the Daily Papers page copied as text, API JSON, arXiv's
    announcement feeds (RSS or Atom) or an arXiv listing page copied as text (`-`: standard input).

    All files are read and checked before anything is written: one bad file and nothing is
    imported. Re-importing a paper merges its metadata and never touches notes, tags or status.
    """
    featured = parse_date(day)
    papers = Parsed()  # clean, and said to be distinct when one file gave papers: see `Parsed`
    notes: list[str] = []
    warnings: list[str] = []
    for name in files:  # all read and checked before the library is even opened (or created)
        if name == "-":
            ctx = ImportContext(name="standard input", day=featured, today=date.today())
            try:
                papers.add(parse_stream(sys.stdin.buffer, ctx))
            except NoAnnouncements as exc:
                notes.append(str(exc))
            warnings += ctx.warnings
        else:
            found, said, warned = parse_files([Path(name).expanduser()], day=featured)
            papers.add(found)
            notes += said
            warnings += warned
    for note in notes:  # an arXiv feed on a day without announcements: said, not an error
        click.echo(note)
    if not papers:
        return
    with obj.library() as library:
        result = library.import_papers(papers)
    for warning in warnings:
        click.echo(f"reader: warning: {clean_line(warning)}", err=True)
    days = ", ".join(result.days)
    click.echo(f"{result.summary()}" + (f" (featured {days})" if days else ""))


@cli.command("redate")
@click.option("--from", "old", required=True, metavar="YYYY-MM-DD", help="The featured day the papers are on now.")
@click.option("--to", "new", required=True, metavar="YYYY-MM-DD", help="The day they belong to.")
@pass_context
@user_errors
def redate_cmd(obj: Context, old: str, new: str) -> None:
    """Move the papers featured on one day to another (a page imported with the wrong year).

    Only the featured day changes: statuses, notes and tags stay as they are.
    """
    old_day, new_day = parse_date(old, "--from"), parse_date(new, "--to")
    assert old_day is not None and new_day is not None
    if old_day == new_day:
        raise UserError("--from and --to are the same day")
    with obj.library() as library:
        moved = library.redate(old_day.isoformat(), new_day.isoformat())
    click.echo(f"{moved} paper{'s' if moved != 1 else ''} moved from {old_day} to {new_day}")


# -- list and show -------------------------------------------------------------------------


def select_ids(library: Library, status: Status | None, day: str | None, query: str | None) -> list[str]:
    ids = library.ids(status=status, day=day)
    if query:
        return library.search_index().find(query, ids=ids).ids
    return ids


SORT_NAMES = ("page", "upvotes", "published", "title", "for-you")
"""The orders of `reader list --sort` (`reader.browse.SORTS`, named here so that a command that
does not list imports neither the browse model nor the search package; a test checks they agree)."""


def _json(data: Any) -> str:
    return json_terminal_safe(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@cli.command("list")
@click.option("--status", "status_name", default="all", show_default=True, help="A status, or all.")
@click.option("--day", metavar="YYYY-MM-DD|latest", help="Only papers featured on that day.")
@click.option("--query", "-q", metavar="TEXT", help="A filter in the search language (see README).")
@click.option(
    "--sort",
    "sort_name",
    type=click.Choice(SORT_NAMES),
    default="page",
    show_default=True,
    help="The order: page (newest day, then most upvoted; best match with --query), upvotes, "
    "published (newest first), title, or for-you (learned from your decisions; see `reader why`).",
)
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
    sort_name: str,
    as_json: bool,
    catch_up: bool,
    unseen: bool,
    stale: bool,
) -> None:
    """List papers (all of them unless filtered). Reads without locking the library."""
    status = parse_status(status_name, allow_all=True)
    if catch_up and (status is not None or day):
        raise UserError("--catch-up lists the inbox of every day: it does not go with --status or --day")
    # one day's papers need the index and their own states only (fast at any library size)
    lazy = bool(day) and not (catch_up or query or unseen or stale or sort_name == "for-you")
    with obj.library(readonly=True, lazy=lazy) as library:
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
        ranked: dict[str, Ranked] = {}
        if headers or sort_name == "page":
            pass  # catch-up keeps its own order (newest day first, grouped by day); the page's is ids'
        elif sort_name == "for-you":
            from reader import foryou  # (NumPy and the search package: only when ranking)

            ranked = {r.id: r for r in foryou.rank_ids(library, foryou.ranker(library), ids, reasons=as_json)}
            ids = list(ranked)
        else:
            from reader.browse import sort_by_name, sorted_ids

            ids = list(sorted_ids(library, ids, sort_by_name(sort_name)))
        if as_json:
            if lazy:
                library.read_papers(ids)  # only these papers' records, not their whole shards
                library.read_states(ids)
            records = [record(library.paper(pid), library.state(pid)) for pid in ids]
            for item in records if ranked else ():
                item["score"] = round(ranked[item["id"]].score, 4)
                item["reason"] = ranked[item["id"]].reason
            click.echo(_json(records))
            return
        if not ids:
            click.echo(
                "no papers" + (" match" if query or status or day else " yet: try `reader import FILE`"), err=True
            )
            return
        import shutil

        width = shutil.get_terminal_size((120, 24)).columns
        library.read_states(ids)
        for n, pid in enumerate(ids):
            if n in headers:
                click.echo(terminal_safe(f"── {headers[n]}"))
            row = list_row(library.head(pid), library.state(pid), width)
            if ranked:
                from reader.foryou import score_bar

                row = f"{score_bar(ranked[pid].score)} {row}"
            click.echo(terminal_safe(row))


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


def list_row(paper: Paper | PaperHead, state: UserState, width: int) -> str:
    day = paper.days[-1] if paper.days else "          "
    votes = f"{paper.upvotes:>4}" if paper.upvotes is not None else "    "
    tags = " ".join(f"#{t}" for t in state.tags)
    head = f"{paper.id:<12} {state.status.value:<8} {day} {votes}  "
    room = max(width - len(head) - (len(tags) + 1 if tags else 0), 20)
    mark = row_mark(paper)
    if mark and room - len(mark) - 3 >= 20:
        room -= len(mark) + 3
        mark = f" [{mark}]"
    else:
        mark = ""
    title = f"[withdrawn] {paper.title}" if paper.withdrawn_at else paper.title
    title = title if len(title) <= room else title[: room - 1] + "…"
    return f"{head}{title}{mark}" + (f" {tags}" if tags else "")


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
        ("withdrawn", paper.withdrawn_at),
        ("upvotes", str(paper.upvotes) if paper.upvotes is not None else None),
        ("tags", " ".join(f"#{t}" for t in state.tags) or None),
        ("source", source_line(paper) or None),
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
    with obj.library(readonly=True, lazy=True) as library:
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
    with obj.library(lazy=True) as library:
        ids = [library.resolve(ref) for ref in args[:-1]]
        parked = [library.resolve(ref) for ref in park]
        if parked and status is not Status.READING:
            raise UserError("--park makes room in reading: it goes with `reading`")
        for pid in parked:
            if library.status(pid) is not Status.READING:
                raise UserError(f"--park {pid}: that paper is not in reading")
        over, reading = False, []
        if status is Status.READING and cap is not None:  # only then are all states read
            reading = [pid for pid in library.ids(status=Status.READING) if pid not in parked]
            over = backlog.over_cap(reading, ids, cap)
        if over:
            names = ", ".join(reading)
            raise UserError(f"reading is capped at {cap} ({names}): add --park ID to move one of them to to-read")
        if parked:
            library.set_status(parked, Status.TO_READ)
        changes = library.set_status(ids, status)
    unchanged = len(set(ids)) - len(changes)
    note = f" ({unchanged} already {status.value})" if unchanged else ""
    parked_note = f"; parked {', '.join(parked)} in to-read" if parked else ""
    click.echo(f"{len(changes)} marked {status.value}{note}{parked_note}")


NOTES_MAX_BYTES = 1024 * 1024
"""The most `reader note ID -` reads from standard input (1 MiB: a long paper's notes are ~50 KB)."""


def _after_separator(args: Sequence[str]) -> list[str]:
    """The arguments after the paper id, without a leading `--` (the usual end-of-options mark)."""
    rest = list(args)
    return rest[1:] if rest[:1] == ["--"] else rest


@cli.command("note", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})
@click.argument("paper_id")
@click.argument("text", nargs=-1, type=click.UNPROCESSED, metavar="[TEXT|-]")
@pass_context
@user_errors
def note_cmd(obj: Context, paper_id: str, text: Sequence[str]) -> None:
    """Print a paper's notes, set them to TEXT, or read them from standard input with `-`.

    TEXT may start with a dash (`reader note ID "- first point"`).
    """
    given = _after_separator(text)
    if len(given) > 1:
        raise UserError("give the notes as one argument (in quotes), or `-` to read them from standard input")
    if not given:
        with obj.library(readonly=True, lazy=True) as library:
            notes = library.state(library.resolve(paper_id)).notes
        if notes:
            click.echo(clean_block(notes))
        return
    value = given[0]
    if value == "-":
        raw = sys.stdin.buffer.read(NOTES_MAX_BYTES + 1)
        if len(raw) > NOTES_MAX_BYTES:
            raise UserError(
                f"standard input: the notes are larger than {NOTES_MAX_BYTES // 1024 // 1024} MiB, "
                "the most reader keeps for one paper; nothing was changed"
            )
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("standard input: the notes are not valid UTF-8 text") from None
    with obj.library(lazy=True) as library:
        pid = library.resolve(paper_id)
        changed = library.set_notes(pid, value)
    click.echo("notes saved" if changed else "notes unchanged")


@cli.command("tag", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})
@click.argument("paper_id")
@click.argument("changes", nargs=-1, type=click.UNPROCESSED, metavar="+NAME|-NAME...")
@pass_context
@user_errors
def tag_cmd(obj: Context, paper_id: str, changes: Sequence[str]) -> None:
    """Add (+name) or remove (-name) tags; with no changes, print the tags."""
    changes = _after_separator(changes)
    add = [c[1:] for c in changes if c.startswith("+")]
    remove = [c[1:] for c in changes if c.startswith("-")]
    bare = [c for c in changes if not c.startswith(("+", "-"))]
    if bare:
        raise UserError(f"tag changes start with + or -: {bare[0]!r} (e.g. `reader tag ID +rl -later`)")
    if not changes:
        with obj.library(readonly=True, lazy=True) as library:
            click.echo(" ".join(library.state(library.resolve(paper_id)).tags))
        return
    with obj.library(lazy=True) as library:
        pid = library.resolve(paper_id)
        library.edit_tags(pid, add=add, remove=remove)
        click.echo(" ".join(library.state(pid).tags) or "(no tags)")


def main() -> None:
    """Entry point of the `reader` console script."""
    cli(prog_name="reader")


cli.add_command(export_cmd)
for _command in [*backlog_commands, *fetch_commands, *foryou_commands, *sync_commands]:
    cli.add_command(_command)

__all__ = ["EXIT_FETCH", "EXIT_INPUT", "EXIT_LIBRARY", "Context", "UserError", "cli", "main", "user_errors"]
