"""`reader sync`: merge this library with the other machines' through a shared folder."""

from __future__ import annotations

from pathlib import Path

import click

from reader.cli_common import EXIT_LIBRARY, Context, UserError, pass_context, user_errors
from reader.text import clean_line

EXIT_SYNC = 4
"""The sync folder or its git remote could not be used (the library itself is fine)."""


@click.command("sync")
@click.option(
    "--folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Set the sync folder (a git working copy, or a Syncthing/Dropbox/network folder), then sync.",
)
@pass_context
@user_errors
def sync_cmd(obj: Context, folder: Path | None) -> None:
    """Send this library's changes to the sync folder and merge in the other machines'.

    Prints: sent N, applied M from K machines, conflicts C.
    """
    from reader.sync import SyncError, set_folder, sync_now

    with obj.library() as library:
        try:
            if folder is not None:
                set_folder(library, folder)
            result = sync_now(library)
        except SyncError as exc:
            raise UserError(str(exc), EXIT_SYNC) from None
        except OSError as exc:
            raise UserError(f"sync failed: {exc.strerror or exc} ({exc.filename})", EXIT_LIBRARY) from None
    for warning in result.warnings:
        click.echo(f"reader: warning: {clean_line(warning)}", err=True)
    click.echo(result.summary())


sync_commands = [sync_cmd]
