"""The notes folder: one Markdown file per paper, for Obsidian, Logseq, Zettlr and friends.

A note:

    ---
    title: "Graph Notes: 50% of the {Engine}"
    authors:
      - "Ada Lovelace"
    arxiv: "2507.12345"
    doi: "10.48550/arXiv.2507.12345"
    url: "https://arxiv.org/abs/2507.12345"
    status: "done"
    tags:
      - "rl"
    finished: 2025-07-31
    reader_id: "2507.12345"
    ---

    # Graph Notes: 50% of the \\{Engine\\}

    Ada Lovelace

    [arXiv](https://arxiv.org/abs/2507.12345) · [PDF](https://arxiv.org/pdf/2507.12345)

    ## Abstract

    The abstract, escaped so it shows literally.

    ## Notes

    The reading notes, as written (they are the user's Markdown).

    <!-- reader: your notes below this line are kept -->

- Front matter: YAML whose strings are all double-quoted (escapes for `"`, `\\`, control and
  line-break characters), so no title, author or tag can end it, start a comment or turn into
  another type (`null`, `yes`, `2024`); `finished` is a plain date (an Obsidian date property);
  unknown values are empty (null). `reader_id` is how the note is found again.
- File name: `<title> (<id>).md`, made safe: no path separators, no characters that Windows,
  macOS or Obsidian refuse (`\\ / : * ? " < > | # ^ [ ]`) or control characters, runs of dots
  become `…`, no leading or trailing dot or space, a Windows device name (`CON`, `NUL`, `COM1`…)
  gets a `_` in front, and the whole name is at most 200 bytes of UTF-8 (the title is cut, the
  id never). The id makes names unique, even for papers with the same title.
- Updating: a paper's note is found again by `reader_id` in the front matter of the folder's
  `.md` files (else by its file name), so a renamed paper or a renamed file is never written
  twice; the note keeps its file name, so links to it keep working. An existing note is
  rewritten only with `force`, and then only the front matter and the generated part: the
  marker line and everything below it are kept byte for byte. A note without the marker line
  is refused (put the line back, or delete the note). A note whose text would not change is not
  touched. Every file is written atomically.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.exporters.fields import doi_of
from reader.exporters.markdown import escape_inline, link_target
from reader.text import terminal_safe

if TYPE_CHECKING:
    from reader.exporters import Entry

MARKER = "<!-- reader: your notes below this line are kept -->"
"""The line below which a note's text is the user's and is never rewritten."""
NAME_BYTES = 200
"""The longest file name written, in bytes of UTF-8 (file systems allow 255; the atomic write's
temporary file adds about 15)."""
HEAD_BYTES = 64 * 1024
"""How much of a `.md` file is read to find its front matter's `reader_id`."""

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|#^\[\]\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]')
_DOTS = re.compile(r"\.{2,}")
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in "0123456789¹²³"]
    + [f"LPT{i}" for i in "0123456789¹²³"]
)
"""Windows device names: a file called `NUL.md` (any case, any extension) cannot be made there."""
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_YAML_UNSAFE = re.compile('[\\\\"\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\ufffe\\uffff\\ud800-\\udfff]')
_FRONT_ID = re.compile(r"^reader_id:[ \t]*(.*?)[ \t]*$")


class NoteProblem(Exception):
    """An existing note that cannot be updated safely (worded for the user, naming the file)."""


# -- names ---------------------------------------------------------------------------------


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit, 0)].decode("utf-8", "ignore")


def safe_part(text: str) -> str:
    """Text made fit for a file name: unsafe characters to spaces, dots and spaces tidied."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE_NAME.sub(" ", text)
    text = _DOTS.sub("…", text)
    return " ".join(text.split()).strip(" .")


def note_filename(paper_id: str, title: str) -> str:
    """The file name of a paper's note: `<safe title> (<safe id>).md`, at most NAME_BYTES bytes."""
    ident = safe_part(paper_id).replace(" ", "_") or "paper"
    tail = f" ({ident}).md"
    room = NAME_BYTES - len(tail.encode("utf-8"))
    stem = safe_part(_cut_bytes(safe_part(title), room)) or "Untitled"
    if stem.split(".")[0].split(" ")[0].upper() in _RESERVED:
        stem = _cut_bytes("_" + stem, room)
    return stem + tail


# -- text ----------------------------------------------------------------------------------


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `text` in any YAML 1.1/1.2 parser."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in _YAML_ESCAPES:
            return _YAML_ESCAPES[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return '"' + _YAML_UNSAFE.sub(escape, text) + '"'


def _yaml_list(key: str, values: Sequence[str]) -> list[str]:
    if not values:
        return [f"{key}: []"]
    return [f"{key}:", *(f"  - {yaml_string(v)}" for v in values)]


def front_matter(entry: Entry) -> str:
    """The YAML front matter of a paper's note, between `---` lines."""
    from reader.exporters import stamp_day

    paper, state = entry.paper, entry.state

    def scalar(value: str | None) -> str:
        return "" if value is None else " " + yaml_string(value)

    finished = stamp_day(state.finished_at)
    lines = [
        "---",
        f"title:{scalar(paper.title)}",
        *_yaml_list("authors", paper.authors),
        f"arxiv:{scalar(paper.arxiv_id)}",
        f"doi:{scalar(doi_of(paper))}",
        f"url:{scalar(paper.url)}",
        f"status:{scalar(state.status.value)}",
        *_yaml_list("tags", state.tags),
        f"finished:{' ' + finished if finished else ''}",
        f"reader_id:{scalar(paper.id)}",
        "---",
    ]
    return "\n".join(lines) + "\n"


def _paragraphs(text: str) -> list[str]:
    """Paper text as escaped Markdown paragraphs (blank lines separate them)."""
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")) if b.strip()]
    return [escape_inline(b, line_start=True) for b in blocks]


def _user_lines(notes: str) -> list[str]:
    """The user's notes as written, except that a copy of the marker line is shown escaped."""
    lines = notes.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    return ["\\" + line.lstrip() if line.strip() == MARKER else line for line in lines]


def generated_part(entry: Entry) -> str:
    """Everything above the marker line."""
    paper, state = entry.paper, entry.state
    out = [front_matter(entry).rstrip("\n"), "", f"# {escape_inline(paper.title or '(untitled)', line_start=True)}"]
    if paper.authors:
        out += ["", escape_inline(", ".join(paper.authors), line_start=True)]
    links = [
        f"[{label}]({href})"
        for label, url in (
            ("arXiv", paper.abs_url),
            ("PDF", paper.pdf_url),
            ("Hugging Face", paper.hf_url),
            ("Project", paper.project_url),
            ("Code", paper.github_url),
        )
        if (href := link_target(url))
    ]
    if links:
        out += ["", " · ".join(links)]
    if paper.abstract.strip():
        out += ["", "## Abstract", ""]
        out += "\n\n".join(_paragraphs(paper.abstract)).split("\n")
    if state.notes.strip():
        out += ["", "## Notes", "", *_user_lines(state.notes)]
    return "\n".join(out) + "\n\n"


def render_note(entry: Entry, kept: str = "") -> str:
    """A note's full text: the generated part, the marker line, then the kept text.

    The generated part passes the terminal-safety filter (as every export does); the kept text
    is the user's and stays byte for byte.
    """
    return terminal_safe(generated_part(entry)) + MARKER + "\n" + kept


def split_kept(text: str) -> str | None:
    """The text below the marker line (the user's), or None when there is no marker line."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == MARKER:
            return "\n".join(lines[i + 1 :])
    return None


# -- the folder ----------------------------------------------------------------------------


def front_id(head: str) -> str | None:
    """The `reader_id` in a note's front matter (the text must start with `---`), or None."""
    lines = head.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:]:
        if line.strip() == "---":
            return None
        match = _FRONT_ID.match(line)
        if match:
            value = match.group(1)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            return value or None
    return None


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def index_folder(folder: Path) -> dict[str, Path]:
    """`reader_id` -> the note that has it, for the regular `.md` files of a folder (first by name)."""
    found: dict[str, Path] = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        path = folder / name
        if not name.lower().endswith(".md") or not _is_regular(path):
            continue
        try:
            with open(path, "rb") as handle:
                head = handle.read(HEAD_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        pid = front_id(head.replace("\r\n", "\n"))
        if pid is not None and pid not in found:
            found[pid] = path
    return found


@dataclass(slots=True)
class NoteWrite:
    """One note to write: where, what, and what was there."""

    path: Path
    text: str
    existed: bool
    unchanged: bool = False


@dataclass(slots=True)
class NotesPlan:
    """The notes an export would write, checked before anything is written."""

    folder: Path
    writes: list[NoteWrite] = field(default_factory=list)

    @property
    def existing(self) -> list[NoteWrite]:
        return [w for w in self.writes if w.existed]


def plan_notes(items: Sequence[Entry], folder: Path) -> NotesPlan:
    """Which file each paper's note goes to and its new text; reads existing notes.

    Raises `NoteProblem` for an existing note that cannot be updated safely.
    """
    plan = NotesPlan(folder)
    index = index_folder(folder) if folder.is_dir() else {}
    taken: set[str] = set()
    for entry in items:
        path = index.get(entry.paper.id)
        if path is None:
            name = note_filename(entry.paper.id, entry.paper.title)
            stem, n = name[: -len(".md")], 2
            # Taken by another paper in this export, or by another paper's note (its reader_id says so).
            while name.casefold() in taken or front_id(_head(folder / name)) is not None:
                name, n = f"{stem} {n}.md", n + 1
            path = folder / name
        taken.add(path.name.casefold())
        if not (os.path.lexists(path)):
            plan.writes.append(NoteWrite(path, render_note(entry), existed=False))
            continue
        if not _is_regular(path):
            raise NoteProblem(f"{path} is not a regular file; move it away to export this note")
        try:
            old = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise NoteProblem(f"{path} is not UTF-8 text; move it away to export this note") from None
        except OSError as exc:
            raise NoteProblem(f"cannot read {path}: {exc.strerror or exc}") from None
        kept = split_kept(old)
        if kept is None:
            raise NoteProblem(
                f"{path} has no line {MARKER!r}: put it back above your own text (which is kept) or delete the note"
            )
        text = render_note(entry, kept)
        plan.writes.append(NoteWrite(path, text, existed=True, unchanged=text == old))
    return plan


def _head(path: Path) -> str:
    if not _is_regular(path):
        return ""
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES).decode("utf-8", "replace").replace("\r\n", "\n")
    except OSError:
        return ""
