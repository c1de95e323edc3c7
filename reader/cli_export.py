"""`reader export`: write the done list (or any selection) as Markdown, BibTeX, CSV, JSON, RIS,
CSL JSON, or a folder of Markdown notes.

It reads the library without locking it, so it works while the app is open, and never
imports Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from reader import backlog
from reader.cli_common import (
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
from reader.library import Library


@click.command("export")
@click.option("--status", "status_name", default="done", show_default=True, help="A status, or all.")
@click.option("--since", metavar="YYYY-MM-DD", help="Finished (entered the status) on or after this day (UTC).")
@click.option("--until", metavar="YYYY-MM-DD", help="Finished (entered the status) on or before this day (UTC).")
@click.option("--tag", "tags", metavar="NAME", multiple=True, help="Only papers with this tag (repeat: all of them).")
@click.option("--day", metavar="YYYY-MM-DD|latest", help="Only papers featured on that day.")
@click.option(
    "--format",
    "-f",
    "fmt",
    metavar="FORMAT",
    help=(
        "markdown (default), bibtex, csv, json, ris, csl-json or notes; with -o, taken from the extension"
        " when not given (.md .bib .csv .json .ris .csl.json)."
    ),
)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write to FILE (atomically) instead of standard output; for -f notes, the FOLDER of notes.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (-f notes: update existing notes).")
@pass_context
@user_errors
def export_cmd(
    obj: Context,
    status_name: str,
    since: str | None,
    until: str | None,
    tags: Sequence[str],
    day: str | None,
    fmt: str | None,
    output: str | None,
    force: bool,
) -> None:
    """Export papers: by default the done list, as a Markdown reading log, to standard output.

    Select with --status (any status, or all), --since/--until (the UTC day the paper was
    finished, or entered its status; both inclusive), --tag and --day (featured day). Formats:
    markdown (grouped by day, newest first), bibtex (@misc/@article with arXiv fields and DOI),
    csv (one row per paper, spreadsheet-safe), json (the records of `reader list --json`), ris
    and csl-json (for Zotero and pandoc), and notes (-o FOLDER: one Markdown note per paper, for
    Obsidian). An existing file is replaced only with --force. Reads without locking the library.
    """
    from reader import exporters  # imported when used: not at every command's start

    status = parse_status(status_name, allow_all=True)
    low = parse_date(since, "--since")
    high = parse_date(until, "--until")
    if low and high and low > high:
        raise UserError(f"--since {low} is after --until {high}: nothing could match")
    to_stdout = output is None or output == "-"
    name = _choose_format(fmt, None if to_stdout else output)
    spec = exporters.FORMATS[name]

    if spec.folder and to_stdout:
        raise UserError(f"--format {name} writes one file per paper: give a folder with -o FOLDER")

    with obj.library(readonly=True) as library:
        featured = resolve_day(library, day)
        ids = exporters.select(library, status, low, high, list(tags), featured)
        if spec.folder:
            assert output is not None
            _export_folder(library, ids, Path(output).expanduser(), force)
            return
        period = exporters.period_text(exporters.entries(library, ids), low, high)
        text = exporters.render(library, ids, name, title_period=period, title=exporters.document_title(status))

    if to_stdout:
        click.echo(text.encode("utf-8"), nl=False)
        if not ids:
            click.echo(f"reader: no papers match: wrote {spec.empty} to standard output", err=True)
        return
    assert output is not None
    path = Path(output).expanduser()
    if path.is_dir():
        path = path / exporters.default_filename(
            name,
            backlog.today(),
            status=status,
            since=low,
            until=high,
            tags=list(tags),
            day=featured,
        )
    try:
        exporters.write(path, text, force=force, library_root=library.root)
    except (exporters.DestinationExists, exporters.BadDestination) as exc:
        raise UserError(str(exc), EXIT_INPUT) from None
    except exporters.ExportError as exc:
        raise UserError(str(exc), EXIT_LIBRARY) from None
    if ids:
        noun = "paper" if len(ids) == 1 else "papers"
        click.echo(f"wrote {len(ids)} {noun} to {path} ({spec.label})")
    else:
        click.echo(f"reader: no papers match: wrote {spec.empty} to {path}", err=True)


def _export_folder(library: Library, ids: list[str], folder: Path, force: bool) -> None:
    """The notes format: one Markdown note per paper in `folder`."""
    from reader import exporters  # imported when used: not at every command's start

    try:
        report = exporters.write_notes(library, ids, folder, force=force)
    except (exporters.DestinationExists, exporters.BadDestination) as exc:
        raise UserError(str(exc), EXIT_INPUT) from None
    except exporters.ExportError as exc:
        raise UserError(str(exc), EXIT_LIBRARY) from None
    if ids:
        noun = "note" if len(ids) == 1 else "notes"
        click.echo(f"wrote {len(ids)} {noun} to {folder} ({report.describe()})")
    else:
        click.echo(f"reader: no papers match: wrote no notes to {folder}", err=True)


def _choose_format(fmt: str | None, output: str | None) -> str:
    from reader import exporters  # imported when used: not at every command's start

    if fmt is not None:
        try:
            return exporters.parse_format(fmt)
        except ValueError as exc:
            raise UserError(f"--format: {exc}") from None
    if output is not None:
        return exporters.format_for_path(output) or "markdown"
    return "markdown"
