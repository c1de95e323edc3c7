"""Keys that terminals merge: escape typed quickly before a key arrives as `alt+key`.

A terminal sends escape as the byte ESC and alt+t as ESC t, so escape followed quickly by `t`
(within Textual's ESCDELAY, or tmux's escape-time) reaches the app as `alt+t`. The app binds
no alt keys, so such a key means "escape, then the key": the text widgets leave as escape
would and hand the key on, and the list runs escape's action before the key's.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable

from textual import events
from textual._xterm_parser import XTermParser

_PRINTABLE_NAMES = frozenset(
    {
        "number_sign",
        "slash",
        "question_mark",
        "left_square_bracket",
        "right_square_bracket",
        "space",
        "exclamation_mark",
        "full_stop",
        "comma",
        "minus",
        "plus",
        "equals_sign",
        "colon",
        "semicolon",
    }
)
"""Key names of printable characters the app may bind, besides letters and digits."""


def after_escape(event: events.Key) -> str | None:
    """The key typed right after escape when the terminal merged the two into `alt+key`.

    `alt+t` gives `t`, `alt+shift+t` gives `T`, `alt+number_sign` gives `number_sign`; keys
    that are not typed characters (`alt+up`, `alt+ctrl+x`) give None.
    """
    key = event.key
    if not key.startswith("alt+"):
        return None
    rest = key[4:]
    if rest.startswith("shift+") and len(rest) == 7 and rest[6].isalpha():
        return rest[6].upper()
    if len(rest) == 1 or rest in _PRINTABLE_NAMES:
        return rest
    return None


class EscapeAwareParser(XTermParser):
    """Textual's terminal parser, but ESC + a punctuation key is `alt+<key>` as for letters.

    Textual turns ESC t into `alt+t` but ESC # into a plain `#`: the escape is dropped and a
    note gets the `#` (and the tag typed after it). With this parser both carry the `alt+`
    that `after_escape` recognises.
    """

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        for event in super()._sequence_to_key_events(sequence, alt=alt):
            if alt and len(sequence) == 1 and sequence.isprintable() and not event.key.startswith(("alt+", "shift+")):
                event = events.Key(f"alt+{event.key}", event.character)
            yield event


def install_escape_aware_parser() -> None:
    """Make the terminal drivers read keys with `EscapeAwareParser` (for `App.run`, not tests).

    Textual offers no hook for its parser; the drivers look the class up in their module, so
    it is replaced there. If a future Textual moves it, nothing is replaced.
    """
    for module_name in ("textual.drivers.linux_driver", "textual.drivers.linux_inline_driver"):
        with contextlib.suppress(ImportError):
            module = importlib.import_module(module_name)
            if getattr(module, "XTermParser", None) is XTermParser:
                module.XTermParser = EscapeAwareParser  # type: ignore[attr-defined]
