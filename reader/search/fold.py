"""Folding: how the search compares text (case, accents, compatibility forms).

`fold` is the one rule; `fold_mapped` also says where each folded character came from, so
highlights found in folded text map back to the original. The `*_text` functions build the
folded texts the index keeps per paper.
"""

from __future__ import annotations

import re
import unicodedata

from reader.models import Paper

__all__ = ["author_text", "body_text", "fold", "fold_mapped", "spaced_title"]

# Combining marks (accents) dropped after NFKD decomposition, so `müller` matches `muller`.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Text as the search compares it: compatibility-decomposed, accents dropped, lower case."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed is not text:  # only a decomposition can have produced combining marks
        decomposed = _COMBINING.sub("", decomposed)
    return decomposed.lower().replace("ς", "σ")


def fold_mapped(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)` and, when it differs in length, each folded character's index in `text`."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            out.append(char.lower())
            where.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if _COMBINING.match(part):
                continue
            for low in part.lower().replace("ς", "σ"):
                out.append(low)
                where.append(index)
    folded = "".join(out)
    return folded, (None if len(folded) == len(text) and where == list(range(len(text))) else where)


def author_text(paper: Paper) -> str:
    """The folded author names, one per line."""
    return "\n".join(fold(name) for name in paper.authors)


_NON_WORD = re.compile(r"[\W_]")
_ASCII_SPACES = bytes(c if chr(c).isalnum() else 32 for c in range(256))


def spaced_title(folded_title: str) -> str:
    """The title with a space in front and every non-word character a space (same offsets + 1)."""
    if folded_title.isascii():
        return " " + folded_title.encode("ascii").translate(_ASCII_SPACES).decode("ascii")
    return " " + _NON_WORD.sub(" ", folded_title)


def body_text(paper: Paper) -> str:
    """The folded full text of a paper but its notes: title, abstract, authors, summary, keywords.

    The same text as `fold` of the parts joined by newlines, folded part by part: an ASCII
    abstract (the usual case) is only lower-cased even when an author's name has an accent,
    which made the first full-text search at 100k papers spend ~1.4 s in `unicodedata`.
    A newline is a starter, so decomposition, mark removal and case mapping never reach
    across it: joining the folded parts gives exactly the folded whole.
    """
    parts = [
        p
        for p in (
            paper.title,
            paper.abstract,
            "\n".join(paper.authors),
            paper.ai_summary or "",
            "\n".join(paper.ai_keywords),
        )
        if p
    ]
    text = "\n".join(parts)
    if text.isascii():
        return text.lower()
    decomposed = [p if p.isascii() else unicodedata.normalize("NFKD", p) for p in parts]
    if any(d is not p for d, p in zip(decomposed, parts, strict=True)):  # as `fold` decides for the whole
        decomposed = [d if d.isascii() else _COMBINING.sub("", d) for d in decomposed]
    return "\n".join(decomposed).lower().replace("ς", "σ")
