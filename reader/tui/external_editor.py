"""Write a note in the user's own editor: `$VISUAL`, else `$EDITOR`, on a temporary file.

The app is suspended while the editor runs (`ReaderApp.editor_session`, which tests replace
because a headless test driver cannot suspend) and the text comes back through the notes
editor's normal save path.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

FALLBACK_EDITORS = ("nano", "vi")
"""Tried in this order when neither $VISUAL nor $EDITOR is set."""


class EditorError(Exception):
    """The editor could not run or did not finish well; the note is unchanged."""


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """The editor to run, as an argument list (`$VISUAL`, `$EDITOR`, else nano or vi)."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                command = shlex.split(value)
            except ValueError as exc:
                raise EditorError(f"${name} cannot be read as a command ({exc}): {value}") from None
            if command:
                return command
    for fallback in FALLBACK_EDITORS:
        if shutil.which(fallback):
            return [fallback]
    raise EditorError("No editor: set $EDITOR (for example EDITOR=nano)")


def edit_externally(app: object, text: str) -> str:
    """Let the user edit `text` in their editor; return what they saved."""
    command = editor_command()
    factory = getattr(app, "editor_session", None)
    session: AbstractContextManager[object] = factory() if callable(factory) else nullcontext()
    with tempfile.TemporaryDirectory(prefix="reader-notes-") as folder:
        path = Path(folder) / "notes.md"
        path.write_text(text, encoding="utf-8")
        failure: OSError | None = None
        returncode = 0
        with session:  # nothing may raise in here: the terminal must come back (suspend has no finally)
            try:
                returncode = subprocess.run([*command, str(path)], check=False).returncode
            except OSError as exc:
                failure = exc
        if failure is not None:
            raise EditorError(f"Could not run {command[0]}: {failure.strerror or failure}; the notes are unchanged")
        if returncode != 0:
            raise EditorError(f"{command[0]} exited with status {returncode}; the notes are unchanged")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EditorError(f"Could not read the edited notes back: {exc}") from None
