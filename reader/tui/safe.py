"""The one place where untrusted text becomes something Textual draws.

Paper titles, abstracts, authors, notes and tags come from the internet or the user. Textual
parses a plain `str` as markup in many places (`[@click=app.quit]x[/]` runs an action, `a [/] b`
raises `MarkupError`), and escape sequences (`ESC[2J`, OSC 52 clipboard writes) reach the
terminal through every widget, markup or not. So every widget in the app builds its text here:

- `plain` / `block` remove control bytes, escape sequences and bidi overrides (one line, or
  several lines keeping newlines and tabs);
- `literal`, `assemble` and `highlighted` return `Content`, which Textual never parses as
  markup. Pass that `Content` to `Static`, `Label`, `OptionList`, `notify` and so on.

Styles given to these functions are ours (trusted): they may name theme variables such as
`$accent`, which Textual resolves from the running app's theme when the content is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content, Span
from textual.style import Style

from reader.text import clean_block, clean_line

__all__ = ["MATCH_STYLE", "assemble", "block", "highlighted", "literal", "plain"]

MATCH_STYLE = "bold $accent"
"""The default style of matched text in `highlighted`."""


def plain(text: str) -> str:
    """One line of display text: control bytes and escapes removed, whitespace runs as one space."""
    return clean_line(text)


def block(text: str) -> str:
    """Multi-line display text: control bytes and escapes removed, newlines and tabs kept."""
    return clean_block(text)


def literal(text: str, style: str = "") -> Content:
    """Cleaned text as `Content` that is always drawn literally, optionally in one style.

    Newlines are kept (the text is cleaned with `block`); use `literal(plain(text))` for a
    single line.
    """
    return Content.styled(block(text), style)


def assemble(*parts: str | tuple[str, str | Style] | Content) -> Content:
    """Join parts into one literal `Content`, like `Content.assemble`.

    A `str` part is cleaned and drawn literally; a `(text, style)` tuple is cleaned text in a
    (trusted) style; a `Content` part is taken as it is (it is already markup-free by
    construction; build it with this module).
    """
    pieces: list[str | tuple[str, str | Style] | Content] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(block(part))
        elif isinstance(part, tuple):
            text, style = part
            pieces.append((block(text), style))
        else:
            pieces.append(part)
    return Content.assemble(*pieces)


def highlighted(text: str, spans: Sequence[tuple[int, int]], style: str = MATCH_STYLE) -> Content:
    """One line of cleaned, literal text with the `(start, end)` character spans styled.

    Offsets count characters of the cleaned text; spans are clamped to it and empty or
    inverted spans are ignored, so stale offsets never raise.
    """
    line = plain(text)
    length = len(line)
    marks = [Span(start, end, style) for start, end in ((max(0, s), min(length, e)) for s, e in spans) if start < end]
    return Content(line, marks or None)
