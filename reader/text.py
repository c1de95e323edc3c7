"""Cleaning untrusted text: control bytes and escape sequences out, whitespace tidied.

Paper text comes from the internet and notes from the user; neither may ever steer the
terminal. Everything imported passes through `clean_line`/`clean_block`, and the UI passes
text through them again before drawing (see `reader.tui.safe`).
"""

from __future__ import annotations

import re
from datetime import date

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC (terminated by BEL or
# ST), and two-byte escapes. The 8-bit C1 forms (0x9b CSI, 0x9d OSC...) are covered too.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?               # CSI ... final byte
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])          # OSC, DCS, SOS, PM, APC ...
        [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?       # ... up to BEL or ST
  | \x1b[ -/]*[0-~]?                                 # other ESC sequences
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, C1 controls, and the bidi embedding, override and
# isolate controls that can reorder what the terminal shows.
_CONTROLS_BLOCK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\u00a0\u2028\u2029]+")


_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """A whole document made safe to print: escape sequences and control characters out,
    tabs and line endings (`\\n`, `\\r\\n`) kept as they are.

    The last line of defence for output: text is cleaned at import and on load, but a
    hand-edited or foreign library file must not steer the terminal either.
    """
    if text.isprintable():
        return text
    return _TERMINAL_UNSAFE.sub("", _ESCAPES.sub("", text))


def json_terminal_safe(text: str) -> str:
    """JSON text with C1 controls and bidi overrides written as `\\uXXXX` escapes.

    A JSON serialiser escapes C0 controls (ESC too) but writes C1 controls and bidi overrides
    raw; inside JSON strings they are the only characters that could act on a terminal.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters, keeping tabs and newlines."""
    if not text.isprintable():
        text = _ESCAPES.sub("", text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROLS_BLOCK.sub("", text)
    return text


_ESCAPE_STARTS = ("\x1b", "\x9b", "\x90", "\x98", "\x9d", "\x9e", "\x9f")
"""Where every match of `_ESCAPES` starts: text without any of them has no escape sequence."""
_SPACE_RUNS = re.compile("  +")


def clean_line(text: str) -> str:
    """One line of display text: controls out, all whitespace runs (newlines too) as one space.

    Each step is skipped when it can find nothing (an abstract hard-wrapped with newlines, the
    common case, is cleaned ~8x faster): escape sequences only start at the characters in
    `_ESCAPE_STARTS`; `_CONTROLS_LINE` removes only characters that are not printable; the
    only whitespace in printable text is the space, whose runs are found fast; and splitting on
    whitespace and joining with single spaces is `re.sub(r"\\s+", " ", text).strip()` (both
    know whitespace as `str.isspace` does), without a match per space.
    """
    if not text.isprintable():
        if any(start in text for start in _ESCAPE_STARTS):
            text = _ESCAPES.sub("", text)
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        if not text.isprintable():
            return " ".join(_CONTROLS_LINE.sub("", text).split())
    return _SPACE_RUNS.sub(" ", text).strip(" ")  # (printable: its only whitespace is " ")


def clean_block(text: str) -> str:
    """Multi-line text (notes): controls out, line endings as `\\n`, tabs and newlines kept."""
    return strip_controls(text)


def has_controls(text: str) -> bool:
    """True if the text holds anything `clean_block` would remove."""
    return strip_controls(text) != text.replace("\r\n", "\n").replace("\r", "\n")


# -- display cleaning of abstracts (raw text is kept; this is for reading) -------------------

_LATEX_QUOTES = re.compile(r"``(.+?)''", re.DOTALL)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_URL = re.compile(r"(?:https?://|www\.|github\.com/)[^\s)\]>\"']+")


def readable_abstract(text: str) -> str:
    """Abstract text with LaTeX residue turned into plain typography (bold markers kept).

    `\\%` becomes `%`, ``` ``x'' ``` becomes “x”, `~` a space, `\\&` `&`, `\\_` `_`.
    """
    text = _LATEX_QUOTES.sub(lambda m: f"\u201c{m.group(1)}\u201d", text)
    for raw, plain in (("\\%", "%"), ("\\&", "&"), ("\\_", "_"), ("\\#", "#"), ("\\$", "$")):
        text = text.replace(raw, plain)
    text = re.sub(r"(?<!\\)~", " ", text)
    return text


def bold_spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove `**x**` markers; return the text and the (start, end) spans that were bold."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    length = 0
    for match in _BOLD.finditer(text):
        before = text[pos : match.start()]
        out.append(before)
        length += len(before)
        inner = match.group(1)
        spans.append((length, length + len(inner)))
        out.append(inner)
        length += len(inner)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out), spans


def url_spans(text: str) -> list[tuple[int, int]]:
    """Where the URLs are in `text` (trailing punctuation excluded)."""
    spans = []
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:":
            end -= 1
        spans.append((match.start(), end))
    return spans


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month abbreviations, locale independent (`%b` follows the locale)."""


def day_label(day: str | date, *, year: bool = True, today: date | None = None, pad: bool = False) -> str | None:
    """A featured day as people say it: `Jul 31, 2025`, or `Jul 31` without the year.

    The one day formatter of reader (app, fetch reports). With `today` the year is shown only
    for another year than today's; `pad` right-aligns the day number (`Jul  1`) for columns.
    A string that is not an ISO date gives None (callers show it cleaned, as they see fit).
    """
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return None
    label = f"{MONTHS[day.month - 1]} {day.day:>2}" if pad else f"{MONTHS[day.month - 1]} {day.day}"
    if today is not None:
        year = day.year != today.year
    return f"{label}, {day.year}" if year else label
