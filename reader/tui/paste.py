"""Bracketed paste that keeps its order: escape sequences inside a paste are removed, not typed.

Textual's input parser treats an ESC inside a bracketed paste as the start of a key sequence: what
follows it is sent as key presses at once, ahead of the paste (which arrives when the paste ends),
so pasted text with an escape sequence in it came out scrambled, sometimes without its tail. This
parser cleans the pasted text (`reader.text.clean_block`: escape sequences and control bytes out)
before Textual's parser sees it, so the paste arrives whole, in order, as one `Paste` event.
`install()` makes Textual's terminal drivers use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser

from reader.text import clean_block


class PasteSafeParser(XTermParser):
    """An `XTermParser` that hands it bracketed pastes without escape sequences in them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_paste = False
        self._pasted: list[str] = []
        self._held = ""
        """The end of the data while in a paste that may be the start of the end marker."""
        self._tail = ""
        """The last characters passed on outside a paste (the start marker may span two reads)."""

    def feed(self, data: str) -> Iterable[Any]:
        if not data:  # end of input
            return super().feed(data)
        filtered = self._filter(data)
        return super().feed(filtered) if filtered else ()  # all of it held: part of a paste

    def _filter(self, data: str) -> str:
        out: list[str] = []
        buffer = self._held + data
        self._held = ""
        while buffer:
            if not self._in_paste:
                # Keys pass at once, untouched (a lone ESC is the escape key): the start marker
                # may be split across reads, so it is looked for in what passed last, too.
                seen = self._tail + buffer
                start = seen.find(BRACKETED_PASTE_START)
                if start < 0:
                    out.append(buffer)
                    self._tail = seen[-(len(BRACKETED_PASTE_START) - 1) :]
                    break
                cut = start + len(BRACKETED_PASTE_START) - len(self._tail)
                out.append(buffer[:cut])
                buffer = buffer[cut:]
                self._tail = ""
                self._in_paste = True
                continue
            end = buffer.find(BRACKETED_PASTE_END)
            if end < 0:
                keep = _partial_suffix(buffer, BRACKETED_PASTE_END)
                self._pasted.append(buffer[: len(buffer) - keep])
                self._held = buffer[len(buffer) - keep :]
                break
            self._pasted.append(buffer[:end])
            out.append(clean_block("".join(self._pasted)) + BRACKETED_PASTE_END)
            self._pasted.clear()
            self._in_paste = False
            buffer = buffer[end + len(BRACKETED_PASTE_END) :]
        return "".join(out)


def _partial_suffix(text: str, marker: str) -> int:
    """The length of the longest end of `text` that is a beginning of `marker`."""
    for size in range(min(len(text), len(marker) - 1), 0, -1):
        if text.endswith(marker[:size]):
            return size
    return 0


def install() -> None:
    """Make Textual's Linux drivers parse input with `PasteSafeParser`."""
    from textual.drivers import linux_driver, linux_inline_driver

    linux_driver.XTermParser = PasteSafeParser  # type: ignore[misc]
    linux_inline_driver.XTermParser = PasteSafeParser  # type: ignore[misc]
