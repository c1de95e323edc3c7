"""The export dialog: pick a format and which papers, confirm the file, write it.

Opened with `e` on the papers screen as `ExportDialog(library, filter_ids, today, query)`. It
offers the done list, the papers the current filter shows (when there is a filter) or the whole
library; the destination starts as a name that says what the choice holds
(`exporters.default_filename`: `done-as-of-<today>.md`, `filter-<query>-as-of-<today>.md`,
`all-papers-as-of-<today>.md`) in the working folder, and follows the choice until the user
edits it. Every
export format is offered. Format and file name keep in step: choosing a format changes the
extension, typing a known extension (`.md`, `.bib`, `.csv`, `.json`, `.ris`, `.csl.json`) chooses
the format. The notes format writes a folder (`paper-notes` to start with) of one Markdown note per
paper. An existing file is replaced, or existing notes updated, only after a yes in
`ConfirmOverwrite`. Rendering and writing run in a thread (a large library takes a moment);
the dialog then reports where it wrote with a notification and dismisses with the `Path`
written, or with None when cancelled.

Every text shown is literal: paths and counts are given as `Content`, notifications use
`markup=False`, so a path such as `a [/] b.md` shows as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Select, Static

from reader import backlog, exporters
from reader.library import Library
from reader.models import Status
from reader.tui import safe

SELECTIONS: tuple[str, ...] = ("done", "filter", "all")
"""The choices of papers, in the order shown."""


@dataclass(frozen=True, slots=True)
class ExportJob:
    """What to write where: taken from the dialog on the UI thread, done in a worker."""

    ids: list[str]
    fmt: str
    path: Path
    force: bool
    title: str | None


class ConfirmOverwrite(ModalScreen[bool]):
    """Ask before replacing a file: `y` replaces, `n` or escape keeps it (the default)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Replace", tooltip="Replace the file"),
        Binding("n,escape", "answer(False)", "Keep", tooltip="Keep the file and go back"),
    ]

    DEFAULT_CSS = """
    ConfirmOverwrite { align: center middle; }
    #confirm-box {
        width: 64; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    #confirm-buttons { height: auto; margin-top: 1; }
    #confirm-buttons Button { margin-right: 2; }
    """

    def __init__(self, path: Path, question: str | None = None) -> None:
        super().__init__(id="confirm-overwrite")
        self.path = path
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(
                safe.literal(safe.plain(self.question))
                if self.question is not None
                else safe.assemble((safe.plain(str(self.path)), "bold"), " exists. Replace it?"),
                id="confirm-question",
                markup=False,
            )
            with Horizontal(id="confirm-buttons"):
                yield Button(Content("Replace (y)"), id="confirm-yes", variant="warning")
                yield Button(Content("Keep (n)"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-box").border_title = Content("replace file?")
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, replace: bool) -> None:
        """Close with the answer."""
        self.dismiss(replace)


class ExportDialog(ModalScreen[Path | None]):
    """Export papers to a file; dismisses with the path written, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without exporting"),
    ]

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    #export-box {
        width: 72; max-width: 95%; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    .export-label { color: $text-muted; }
    #export-selection { width: 100%; }
    #export-error { color: $error; height: auto; }
    #export-error.-empty { display: none; }
    #export-buttons { height: auto; }
    #export-buttons Button { margin-right: 2; }
    #export-help { color: $text-muted; }
    """

    def __init__(
        self, library: Library, filter_ids: list[str] | None, today: str | None = None, query: str | None = None
    ) -> None:
        super().__init__(id="export-dialog")
        self.library = library
        self.filter_ids = list(filter_ids) if filter_ids is not None else None
        self.today = today or backlog.today().isoformat()
        self.filter_query = query
        self.fmt = "markdown"
        self.busy = False
        self._choice = "done"

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        done = self.library.counts()[Status.DONE]
        with Vertical(id="export-box"):
            yield Static(Content("Format"), classes="export-label", markup=False)
            yield Select(
                [
                    (Content(f"{f.label} ({'a folder' if f.folder else f.extension})"), f.name)
                    for f in exporters.FORMATS.values()
                ],
                value=self.fmt,
                allow_blank=False,
                id="export-format",
            )
            yield Static(Content("Papers"), classes="export-label", markup=False)
            with RadioSet(id="export-selection"):
                yield RadioButton(Content(f"Done list ({_count(done)})"), value=True, id="export-done")
                yield RadioButton(
                    Content(
                        f"Current filter ({_count(len(self.filter_ids))})"
                        if self.filter_ids is not None
                        else "Current filter (no filter)"
                    ),
                    id="export-filter",
                    disabled=self.filter_ids is None,
                )
                yield RadioButton(Content(f"All papers ({_count(len(self.library))})"), id="export-all")
            yield Static(Content("Save to"), classes="export-label", markup=False)
            yield Input(self.default_name(), id="export-path", select_on_focus=False)
            yield Static(Content(""), id="export-error", classes="-empty", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(Content("Export"), id="export-ok", variant="primary")
                yield Button(Content("Cancel"), id="export-cancel")
            yield Static(
                Content("tab moves · enter in the file name exports · escape cancels"), id="export-help", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#export-box").border_title = Content("export")
        self.query_one("#export-path", Input).focus()

    # -- reading the form ----------------------------------------------------------------------

    @property
    def selection(self) -> str:
        """`done`, `filter` or `all`: the papers chosen."""
        radio = self.query_one("#export-selection", RadioSet)
        pressed = radio.pressed_button
        return (pressed.id or "export-done").removeprefix("export-") if pressed else "done"

    def default_name(self, fmt: str | None = None, choice: str | None = None) -> str:
        """The file name that says what `choice` (default: the current one) holds, in `fmt`."""
        choice = choice or self._choice
        return exporters.default_filename(
            fmt or self.fmt,
            self.today,
            status=Status.DONE if choice == "done" else None,
            query=(self.filter_query or "") if choice == "filter" else None,
        )

    def selected_ids(self) -> list[str]:
        """The ids to export for the current choice, in export order."""
        choice = self.selection
        if choice == "filter" and self.filter_ids is not None:
            return [pid for pid in self.filter_ids if pid in self.library]
        if choice == "all":
            return exporters.select(self.library, None)
        return exporters.select(self.library, Status.DONE)

    def destination(self) -> Path | None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else Path.cwd() / path

    # -- events --------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str) or event.value == self.fmt:
            return
        old, self.fmt = self.fmt, event.value
        field = self.query_one("#export-path", Input)
        if field.value == self.default_name(old) or (exporters.FORMATS[old].folder and field.value == ""):
            renamed = self.default_name()
        else:
            renamed = exporters.with_format(field.value, old, self.fmt)
        if renamed != field.value:
            field.value = renamed
        self.show_error("")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """Another choice of papers: the file name follows it, unless the user typed their own."""
        event.stop()
        old, self._choice = self._choice, self.selection
        field = self.query_one("#export-path", Input)
        if old != self._choice and field.value == self.default_name(choice=old):
            field.value = self.default_name()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A file name with a known extension (`log.bib`) selects that format."""
        event.stop()
        fmt = exporters.format_for_path(event.value.strip())
        if fmt is not None and fmt != self.fmt:
            self.query_one("#export-format", Select).value = fmt

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-ok":
            self.start_export()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without exporting."""
        if not self.busy:
            self.dismiss(None)

    # -- exporting -----------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(safe.literal(safe.plain(message)))
        error.set_class(not message, "-empty")

    def start_export(self) -> None:
        """Check the destination, ask before replacing a file, then write in a worker."""
        if self.busy:
            return
        path = self.destination()
        if path is None:
            self.show_error("Type a file name to save to.")
            return
        title = "Reading log" if self.selection == "done" else None
        if exporters.FORMATS[self.fmt].folder:
            if path.exists() and not path.is_dir():
                self.show_error(f"{path} is a file; the notes format needs a folder.")
            elif not path.parent.is_dir():
                self.show_error(f"The folder {path.parent} does not exist.")
            else:
                self.run_job(ExportJob(self.selected_ids(), self.fmt, path, False, title))
            return
        if path.is_dir():
            path = path / self.default_name()
        if not path.parent.is_dir():
            self.show_error(f"The folder {path.parent} does not exist.")
            return
        job = ExportJob(self.selected_ids(), self.fmt, path, False, title)
        if path.exists() or path.is_symlink():

            def answered(replace: bool | None) -> None:
                if replace:
                    self.run_job(ExportJob(job.ids, job.fmt, job.path, True, job.title))
                else:
                    self.query_one("#export-path", Input).focus()

            self.app.push_screen(ConfirmOverwrite(path), answered)
            return
        self.run_job(job)

    def run_job(self, job: ExportJob) -> None:
        self.busy = True
        self.show_error("")
        self.query_one("#export-ok", Button).disabled = True
        self.export_worker(job)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="export")
    def export_worker(self, job: ExportJob) -> None:
        """Render and write off the UI thread; report back on it."""
        report: exporters.NotesReport | None = None
        try:
            if exporters.FORMATS[job.fmt].folder:
                report = exporters.write_notes(self.library, job.ids, job.path, force=job.force)
            else:
                text = exporters.render(self.library, job.ids, job.fmt, title=job.title)
                exporters.write(job.path, text, force=job.force, library_root=self.library.root)
        except exporters.DestinationExists as exc:
            if isinstance(exc, exporters.NotesExist) and not job.force:
                self.app.call_from_thread(self.ask_update, job, exc.count)
            else:
                self.app.call_from_thread(
                    self.finish, job, f"{job.path} appeared meanwhile; export again to replace it."
                )
        except exporters.ExportError as exc:
            self.app.call_from_thread(self.finish, job, str(exc))
        except Exception as exc:  # any failure is reported in the dialog, never a crash
            self.app.call_from_thread(self.finish, job, f"Export failed: {exc}")
        else:
            self.app.call_from_thread(self.finish, job, None, report)

    def ask_update(self, job: ExportJob, count: int) -> None:
        """Notes exist in the folder: ask before updating them (text below their marker is kept)."""
        self.busy = False
        self.query_one("#export-ok", Button).disabled = False
        existing = "1 note exists" if count == 1 else f"{count} notes exist"

        def answered(update: bool | None) -> None:
            if update:
                self.run_job(ExportJob(job.ids, job.fmt, job.path, True, job.title))
            else:
                self.query_one("#export-path", Input).focus()

        question = f"{existing} in {job.path}. Update them? Text below each note's marker line is kept."
        self.app.push_screen(ConfirmOverwrite(job.path, question), answered)

    def finish(self, job: ExportJob, error: str | None, report: exporters.NotesReport | None = None) -> None:
        """Back on the UI thread: report, and close on success."""
        self.busy = False
        self.query_one("#export-ok", Button).disabled = False
        if error is not None:
            self.show_error(error)
            return
        spec = exporters.FORMATS[job.fmt]
        if report is not None:
            noun = "note" if len(job.ids) == 1 else "notes"
            message = f"Wrote {len(job.ids)} {noun} to {job.path} ({report.describe()})"
            self.app.notify(safe.plain(message), title="Exported", severity="information", markup=False)
        elif job.ids:
            message = f"Wrote {_count(len(job.ids))} to {job.path} ({spec.label})"
            self.app.notify(safe.plain(message), title="Exported", markup=False)
        else:
            message = f"No papers match: wrote {spec.empty} to {job.path}"
            self.app.notify(safe.plain(message), title="Exported", severity="warning", markup=False)
        self.dismiss(job.path)


def _count(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"
