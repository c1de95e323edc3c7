"""Importers: one module per input format, each turning a file's bytes into papers.

`parse_bytes` decodes and checks the input, detects its format and hands it to the right
parser. Every problem is raised as `BadInput` with a one-line message naming the file.

Limits: an input larger than `MAX_INPUT_BYTES` (256 MiB) is refused before it is read (a
220 MB API file of 100,000 papers imports into an empty library in 4.5 to 8 seconds, by the
machine (the benchmark's import row), the process peaking at ~650 MB: a big array is decoded
a piece at a time, `array_chunks`); one input holds at most `MAX_PAPERS_PER_INPUT` (200,000)
papers, and a JSON input at most `MAX_JSON_OBJECTS` objects (checked before it is parsed:
millions of tiny objects would take gigabytes); a title longer than `TITLE_MAX_CHARS` is not
a title (the page parser takes such a line for an abstract, the JSON parser refuses the file).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from reader.models import Paper, title_key
from reader.text import clean_line

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Inputs above this size are refused (a day's page is ~150 KB, a year of API JSON ~100 MB)."""
MAX_PAPERS_PER_INPUT = 200_000
"""More papers than this in one input are refused: twice the design's largest library."""
MAX_JSON_OBJECTS = 4_000_000
"""A JSON input with more `{` than this is refused before parsing (a paper is a few objects)."""
TITLE_MAX_CHARS = 400
"""Paper titles are under 300 characters; a longer 'title' is an abstract or garbage."""


MAX_COUNT = 1_000_000_000
"""The largest count (upvotes, comments, stars) taken from an input: real ones are far below."""


def count_problem(value: object) -> str | None:
    """What is wrong with a count read from an input (negative, absurdly large, a fraction), or
    None. Only numbers are judged: a string or null is the type check's business. A JSON parser
    reads an integer too big for 64 bits as a float, so a float is judged as the number it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return f"is not a number ({value})"
    if value < 0:
        return f"should be 0 or more, found {value:g}"
    if value > MAX_COUNT:
        digits = len(str(int(value)))
        shown = f"{int(value)}" if digits <= 15 else f"a {digits}-digit number"
        return f"is too large ({shown}; a count is at most {MAX_COUNT:,})"
    if isinstance(value, float) and not value.is_integer():
        return f"should be a whole number, found {value:g}"
    return None


class BadInput(ValueError):
    """An input that cannot be imported; the message is one line naming the file."""


class NoAnnouncements(Exception):
    """A well-formed arXiv feed without items: arXiv announced nothing that day (weekends,
    holidays). Not an error: the message is one line naming the file; nothing is imported."""


@dataclass(slots=True)
class ImportContext:
    """What a parser may need besides the text."""

    name: str
    """The file's name as the user gave it, for messages."""
    day: date | None
    """The day given with `--date`, if any."""
    today: date
    warnings: list[str] = field(default_factory=list)
    """What the parser skipped or doubted, one line each, for the user (stderr)."""


Parser = Callable[[str, ImportContext], list[Paper]]


def valid_unicode(text: str) -> str:
    """The text with lone surrogates (from `\\ud800` escapes or undecodable bytes) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_field(text: str) -> str:
    """`clean_line` on valid Unicode, with a fast path for text that is already clean."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # printable text has no whitespace but " ": clean_line would not change it
    return clean_line(valid_unicode(text))


_ASCII_CONTROLS = bytes(0 if c < 0x20 or c == 0x7F else c for c in range(256))
"""A byte table that turns ASCII's non-printable characters into NUL and keeps the others."""


def all_clean(texts: list[str]) -> bool:
    """True when `clean_field` would change none of the texts (a few C calls for all of them).

    The texts must not be empty (an empty one makes it say False). Joined with single spaces
    they pass `clean_field`'s fast check together exactly when each does: a space at a
    text's edge or a run of them becomes a double space or an edge space of the whole.
    ASCII text (most of it) is checked on its bytes, four times faster than `isprintable`.
    Raises `TypeError` when one of them is not a string.
    """
    joined = " ".join(texts)
    if joined[:1] == " " or joined[-1:] == " ":
        return False
    if joined.isascii():  # printable ASCII is 0x20-0x7e
        data = joined.encode()
        return _double_space(data) is None and b"\x00" not in data.translate(_ASCII_CONTROLS)
    return joined.isprintable() and "  " not in joined


def printable_json(data: bytes) -> bool:
    """True when every string in this JSON text, which orjson read, is printable
    (`str.isprintable`; some that are may make it say False: it is for the common case).

    A few fast scans of all the bytes at once, instead of `all_clean`'s copies for each item:
    without a backslash, a string is the bytes between its quotes, and orjson refuses control
    characters there, so what could be unprintable is DEL or a non-ASCII character."""
    if b"\\" in data or b"\x7f" in data:
        return False
    return data.isascii() or data.translate(None, _ASCII).decode("utf-8", "replace").isprintable()


_ASCII = bytes(range(128))
_double_space = re.compile(b"  ").search
"""`b"  " in data`, faster on text with a space every few letters (~1.3 against ~2.1 µs on a
1.9 KB abstract: `bytes.find` stops at each space, the regular expression engine does less)."""


def clean_paper(paper: Paper) -> Paper:
    """The paper with control bytes (and lone surrogates) out of every text field, empty
    names, keywords and sources dropped, an empty AI summary as none. Clean papers (nearly
    all) are returned as they are after one check of all their text (`all_clean`)."""
    summary = paper.ai_summary
    try:
        texts = [text for text in (paper.title, paper.abstract) if text != ""]
        if summary is not None:
            texts.append(summary)
        if (
            summary != ""
            and "" not in paper.authors
            and "" not in paper.ai_keywords
            and "" not in paper.sources
            and all_clean([*texts, *paper.authors, *paper.ai_keywords, *paper.sources])
        ):
            return paper
    except TypeError:
        pass  # not all strings: cleaned one by one below, which fails as it always did
    paper.title = clean_field(paper.title)
    paper.abstract = clean_field(paper.abstract)
    paper.authors = [a for a in (clean_field(x) for x in paper.authors) if a]
    paper.ai_summary = clean_field(summary) if summary else None
    paper.ai_keywords = [k for k in (clean_field(x) for x in paper.ai_keywords) if k]
    paper.sources = [s for s in (clean_field(x) for x in paper.sources) if s]
    return paper


class Parsed(list[Paper]):
    """Papers as `parse_bytes` gives them: every one clean already (`clean_paper` would change
    nothing) and, when `distinct`, no two of them the same paper (`dedupe` would change
    nothing: it merged none). `Library.import_papers` trusts this and skips both passes.

    Only the parsing functions make one; `add` appends another input's papers.
    """

    distinct: bool
    title_keys: dict[str, str]
    """Title -> `normalise_title(title)` for the titles the parsing met (each computed once)."""

    def __init__(
        self, papers: Iterable[Paper] = (), *, distinct: bool = False, title_keys: dict[str, str] | None = None
    ) -> None:
        super().__init__(papers)
        self.distinct = distinct
        self.title_keys = {} if title_keys is None else title_keys

    def add(self, part: Parsed) -> None:
        """Append the papers of another input: still clean, distinct only while one input
        gave papers (two inputs may hold the same paper)."""
        if part:
            self.distinct = part.distinct and not self
            self.extend(part)
            if self.title_keys:
                self.title_keys.update(part.title_keys)
            else:
                self.title_keys = part.title_keys


def too_big(name: str) -> BadInput:
    """The error for an input over `MAX_INPUT_BYTES`."""
    limit = MAX_INPUT_BYTES // 1024 // 1024
    return BadInput(
        f"{name}: the file is larger than {limit} MiB, the most reader imports (split it into smaller files)"
    )


def too_many(name: str, what: str = "papers") -> BadInput:
    """The error for an input over `MAX_PAPERS_PER_INPUT` papers (or `MAX_JSON_OBJECTS`)."""
    return BadInput(
        f"{name}: too many {what} in one file (reader imports up to {MAX_PAPERS_PER_INPUT:,} papers "
        "at a time; split it into smaller files)"
    )


def decode(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), refusing empty and binary input."""
    if not data.strip():
        raise BadInput(f"{name}: the file is empty")
    if b"\x00" in data[:65536]:
        raise BadInput(f"{name}: this is a binary file, not a page copied as text or a JSON file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: not valid UTF-8 text (bad byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def detect(text: str) -> str:
    """The format of a decoded input: `hf-api` (JSON), `arxiv-feed` (an RSS or Atom feed of
    arXiv's daily announcements), `arxiv-atom` (other XML: the arXiv API), `arxiv-listing`
    (an arXiv listing page copied as text) or `hf-page` (other text)."""
    from reader.importers.arxiv_listing import looks_like_listing

    head = text.lstrip()[:1]
    if head in "[{":
        return "arxiv-listing" if head == "[" and looks_like_listing(text[:200]) else "hf-api"
    if head == "<":
        from reader.importers.arxiv_feed import looks_like_feed

        return "arxiv-feed" if looks_like_feed(text) else "arxiv-atom"
    if looks_like_listing(text):
        return "arxiv-listing"
    return "hf-page"


def parse_bytes(data: bytes, ctx: ImportContext) -> Parsed:
    """Parse one input completely, or raise `BadInput` (or `NoAnnouncements` for an arXiv
    feed without items); never returns an empty list. The papers are clean and deduplicated."""
    if len(data) > MAX_INPUT_BYTES:
        raise too_big(ctx.name)
    keys: dict[str, str] = {}
    papers = _json_fast(data, ctx, keys)
    if papers is None:
        text = decode(data, ctx.name)
        kind = detect(text)
        parser = _parser(kind)
        papers = parser(text, ctx)
        if kind != "hf-api":  # the API parser cleans what it makes (most of it checked at once)
            papers = [clean_paper(paper) for paper in papers]
    if _distinct(papers, keys):
        unique, merged = papers, False  # what `_dedupe` gives for these, found at once
    else:
        unique, merged = _dedupe(papers, keys)
    if not unique:
        raise BadInput(f"{ctx.name}: no papers found in it")
    return Parsed(unique, distinct=not merged, title_keys=keys)


def _json_fast(data: bytes, ctx: ImportContext, keys: dict[str, str]) -> list[Paper] | None:
    """An API JSON input parsed straight from its bytes (orjson checks the UTF-8 itself), or
    None when the input is anything else or anything is wrong with it: then `parse_bytes`
    takes the long way (decode, detect, parse), which says what is wrong. Saves decoding the
    whole text and orjson encoding it back to UTF-8 (a fifth of a large import)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    head = body[:64].lstrip()[:1]
    if head not in (b"{", b"[") or b"\x00" in data[:65536]:
        return None
    if head == b"[":
        from reader.importers.arxiv_listing import looks_like_listing

        if looks_like_listing(body[:800].decode("utf-8", "ignore")[:200]):
            return None
    if body.count(b"{") > MAX_JSON_OBJECTS:
        return None
    import orjson

    from reader.importers.hf_api import parse_chunks, parse_items

    chunks = array_chunks(body) if head == b"[" else None
    if chunks is not None:
        papers = parse_chunks(chunks, ctx, keys)
        if papers is not None:
            return papers
        keys.clear()  # (what the pieces read before the one that failed)
    try:
        data_ = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return parse_items(data_, ctx, keys)


CHUNK_BYTES = 1 << 20
"""About how much of a big JSON array `array_chunks` gives at a time."""
ITEM_BREAK = b'},{"paper":{'
"""Where one item of an API answer ends and the next starts, as a compact answer has it. Only
there: inside a string every `"` is escaped, so these bytes are never in one."""
_JSON_SPACE = b" \t\n\r"


def array_chunks(body: bytes) -> Iterator[bytes] | None:
    """A big JSON array of API items as pieces of about `CHUNK_BYTES`, each a JSON array of the
    next items: cut where one item ends and the next starts (`ITEM_BREAK`). None for a small
    input, or one that is not `[...]` with JSON whitespace around it.

    A cut is only ever made between two items of the array itself: a cut inside an item (one
    that holds these bytes deeper down) leaves a piece whose brackets do not balance, which is
    not valid JSON; then the caller decodes the whole input instead. So when every piece is
    valid, their items are the array's items, in order.
    """
    if len(body) < 2 * CHUNK_BYTES:
        return None
    first = body.find(b"[")
    last = body.rfind(b"]")
    if first < 0 or last < first or body[:first].strip(_JSON_SPACE) or body[last + 1 :].strip(_JSON_SPACE):
        return None

    def pieces() -> Iterator[bytes]:
        view = memoryview(body)
        start = first + 1
        while True:
            cut = body.find(ITEM_BREAK, start + CHUNK_BYTES, last)
            if cut < 0:
                yield b"".join((b"[", view[start:last], b"]"))
                return
            yield b"".join((b"[", view[start : cut + 1], b"]"))
            start = cut + 2  # the next item's `{`

    return pieces()


def _not_a_file(name: str, mode: int) -> BadInput | None:
    """The error for something that is not a regular file (it could block or never end), or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        what = "a folder"
    elif stat.S_ISFIFO(mode):
        what = "a named pipe (FIFO)"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        what = "not a regular file"
    return BadInput(f"{name}: is {what}, not a file (to import from a pipe, give - and pipe it in)")


def parse_file(path: Path, ctx: ImportContext) -> Parsed:
    """Read and parse one regular file. Anything else (a FIFO, a device, a socket, a folder) is
    refused without being opened, so it can never block."""
    try:
        info = os.stat(path)
        refused = _not_a_file(ctx.name, info.st_mode)
        if refused is not None:
            raise refused
        if info.st_size > MAX_INPUT_BYTES:
            raise too_big(ctx.name)
        # O_NONBLOCK: should the file have been swapped for a FIFO since, opening it cannot hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            refused = _not_a_file(ctx.name, os.fstat(fd).st_mode)
            if refused is not None:
                raise refused
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise BadInput(f"{ctx.name}: no such file") from None
    except PermissionError:
        raise BadInput(f"{ctx.name}: cannot read it (permission denied)") from None
    except OSError as exc:
        raise BadInput(f"{ctx.name}: cannot read it ({exc.strerror or exc})") from None
    return parse_bytes(data, ctx)


def parse_stream(stream: BinaryIO, ctx: ImportContext) -> Parsed:
    """Read and parse an input from a stream (standard input), capped at `MAX_INPUT_BYTES`."""
    try:
        data = stream.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"{ctx.name}: cannot read it ({exc.strerror or exc})") from None
    return parse_bytes(data, ctx)


def _parser(kind: str) -> Parser:
    if kind == "hf-api":
        from reader.importers.hf_api import parse
    elif kind == "arxiv-atom":
        from reader.importers.arxiv_atom import parse
    elif kind == "arxiv-feed":
        from reader.importers.arxiv_feed import parse
    elif kind == "arxiv-listing":
        from reader.importers.arxiv_listing import parse
    else:
        from reader.importers.hf_page import parse
    return parse


def dedupe(papers: list[Paper]) -> list[Paper]:
    """Merge papers that appear twice in one input (same id, or same normalised title unless
    their arXiv ids differ)."""
    return _dedupe(papers)[0]


def _distinct(papers: list[Paper], title_keys: dict[str, str]) -> bool:
    """Whether `_dedupe` would merge none of the papers (then it gives them as they are), known
    from a few sets instead of its loop (a tenth of its time): it merges a paper into one met
    before only when one of the keys it files a paper under (its id, `t:` and its title key,
    its arXiv id) was met before. False as well when a title's key is not in `title_keys`."""
    try:
        tkeys = ["t:" + title_keys[paper.title] for paper in papers]
    except KeyError:
        return False
    ids = [paper.id for paper in papers]
    others = [arxiv_id for paper in papers if (arxiv_id := paper.arxiv_id) and arxiv_id != paper.id]
    return len({*ids, *tkeys, *others}) == len(ids) + len(tkeys) + len(others)


def _dedupe(papers: list[Paper], title_keys: dict[str, str] | None = None) -> tuple[list[Paper], bool]:
    """`dedupe`, and whether it merged any papers (when it did not, it would not on the
    result either: the result's keys are the ones it looked at, in the same order).
    `title_keys` (title -> key) is used and completed when given."""
    by_key: dict[str, Paper] = {}
    out: list[Paper] = []
    merged = False
    known = {} if title_keys is None else title_keys
    get = by_key.get
    setdefault = by_key.setdefault
    for paper in papers:
        title = paper.title
        tkey = known.get(title)
        if tkey is None:
            tkey = known[title] = title_key(title)
        pid = paper.id
        tkey = "t:" + tkey
        arxiv_id = paper.arxiv_id
        # the paper met before under its id, else its title, else its arXiv id
        existing = get(pid)
        if existing is None:
            existing = get(tkey)
            if existing is None and arxiv_id:
                existing = get(arxiv_id)
        if existing is not None and arxiv_id and existing.arxiv_id not in (None, arxiv_id):
            existing = None  # the same title on two arXiv ids: two papers
        if existing is None:
            out.append(paper)
            existing = paper
        else:
            existing.merge(paper)
            merged = True
        setdefault(pid, existing)
        setdefault(tkey, existing)
        if arxiv_id:
            setdefault(arxiv_id, existing)
    return out, merged
