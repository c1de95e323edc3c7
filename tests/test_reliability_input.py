"""Reliability: hostile import input ends in a clean import or a clean refusal, never worse.

Never a hang (every test runs under an alarm), a traceback, or a partial import: after a refusal
the library is byte-for-byte as it was, even when good files were given alongside the bad one.
Decisions pinned here:
- An input over `MAX_INPUT_BYTES` (256 MiB) is refused before it is read; a large page or JSON
  array (32 MB here; 100 MB takes about 6 s and half a gigabyte on a small machine) imports in
  full. One input holds
  at most `MAX_PAPERS_PER_INPUT` (200,000) papers, and JSON at most `MAX_JSON_OBJECTS` objects
  (counted before parsing): millions of tiny papers would take minutes and gigabytes.
- A title longer than `TITLE_MAX_CHARS` (400) is not a title: the page parser takes such a line
  for an abstract (so a page whose "title" is 10,000 characters is refused as an abstract
  without a title), the JSON parser refuses the file naming the paper.
- A title without a letter or digit (only zero-width characters, `***`) is decoration on a page
  (skipped) and an error in JSON (refused): it would give every such paper the same id.
- Lone surrogates (`\\ud800` in JSON) are refused as invalid JSON; bidi overrides and control
  characters are stripped; zero-width characters inside a title and every Unicode plane are kept.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import orjson
import pytest

from reader import importers
from reader.importers import MAX_INPUT_BYTES, MAX_JSON_OBJECTS, MAX_PAPERS_PER_INPUT, TITLE_MAX_CHARS
from reader.library import Library
from tests.conftest import SEED, Cli, snapshot

ABSTRACT = "We study how hostile input is handled by a paper reader, and we find that it is handled well. " * 3


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the suite) if one test takes more than a minute."""

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("hostile input test took over 60 s: a hang?")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def page(*titles: str, day: str = "Jul 31") -> bytes:
    """A Daily Papers page: a day line, then each title with an abstract."""
    return (day + "\n\n" + "".join(f"{t}\n\n{ABSTRACT}\n\n" for t in titles)).encode("utf-8")


def api(*items: dict[str, object]) -> bytes:
    return orjson.dumps([{"paper": item} for item in items])


def paper(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"2509.{n:05d}", "title": f"Hostile paper {n}", "summary": ABSTRACT, **fields}


REFUSED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "the file is empty"),
    "whitespace": (b" \n\t\r\n \xc2\xa0"[:5], "the file is empty"),
    "binary-with-nul": (bytes(range(256)) * 64, "binary file"),
    "binary-without-nul": (bytes(range(1, 256)) * 64, "not valid UTF-8"),
    "utf-16": ("Jul 31\n\nA title\n\n".encode("utf-16"), "binary file"),
    "invalid-utf8-late": (page("Fine title") + b"\n\nBad \xc3\x28 title\n\n" + ABSTRACT.encode(), "not valid UTF-8"),
    "overlong-utf8": (page("Title") + b"\xc0\xaf", "not valid UTF-8"),
    "encoded-surrogate-utf8": (page("Title") + b"Title \xed\xa0\x80\n", "not valid UTF-8"),
    "deep-arrays": (b"[" * 200_000 + b"]" * 200_000, "not valid JSON"),
    "deep-objects": (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "not valid JSON"),
    "deep-inside-a-paper": (
        b'[{"paper": {"id": "2509.00001", "title": "T", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}}]",
        "not valid JSON",
    ),
    "lone-high-surrogate": (b'[{"paper": {"id": "2509.00001", "title": "T \\ud800 x"}}]', "not valid JSON"),
    "lone-low-surrogate": (b'[{"paper": {"id": "2509.00001", "title": "T \\udc00"}}]', "not valid JSON"),
    "surrogate-in-author": (
        b'[{"paper": {"id": "2509.00001", "title": "T", "authors": [{"name": "\\udfff"}]}}]',
        "not valid JSON",
    ),
    "nan": (b'[{"paper": {"id": "2509.00001", "title": "T", "upvotes": NaN}}]', "not valid JSON"),
    "infinite-number": (b'[{"paper": {"id": "2509.00001", "title": "T", "upvotes": 1e400}}]', "not valid JSON"),
    "huge-integer": (b'[{"paper": {"id": "2509.00001", "title": "T", "upvotes": 1' + b"0" * 30 + b"}}]", "upvotes"),
    "float-upvotes": (api(paper(1, upvotes=1.5)), "upvotes should be a whole number, found 1.5"),
    "long-api-title": (api(paper(1, title="T" * 10_000)), f"a title has at most {TITLE_MAX_CHARS}"),
    "long-page-title": (b"Jul 31\n\n" + b"T" * 10_000 + b"\n\n" + ABSTRACT.encode(), "an abstract without a title"),
    "zero-width-api-title": (api(paper(1, title="\u200b\u200d\ufeff\u2060")), "has no letter or digit"),
    "symbol-api-title": (api(paper(1, title="*** — ***")), "has no letter or digit"),
    "bidi-only-api-title": (api(paper(1, title="\u202e\u2066\u2069")), "title is missing"),
    "one-20-mb-line": (b"Jul 31\n" + b"x" * 20_000_000, "an abstract without a title"),
    "markup-looks-like-json": (b"[/]\n[b]\n[@click=app.quit]\n", "not valid JSON"),
    "zero-width-page-title": (page("Fine title", "\u200b\u200d\u2060"), "a title without a letter or digit"),
    "xml-bomb": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&lol2;</title></entry></feed>',
        "declares a DTD or entities",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_hostile_input_is_refused_in_one_line_and_changes_nothing(
    case: str, cli: Cli, lib_path: Path, tmp_path: Path
) -> None:
    assert cli("import", str(SEED), "--date", "2025-07-31").exit_code == 0
    with Library.open(lib_path) as lib:
        lib.set_notes(lib.ids()[0], "precious")
    before = snapshot(lib_path)
    data, message = REFUSED[case]
    bad = tmp_path / f"{case}.input"
    bad.write_bytes(data)
    good = tmp_path / "good.json"
    good.write_bytes(api(paper(77)))
    started = time.monotonic()
    result = cli("import", str(good), str(bad))  # good files first: all or nothing
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.stderr
    assert result.stderr.startswith(f"reader: error: {bad}: ") and message in result.stderr, result.stderr
    assert snapshot(lib_path) == before
    assert elapsed < 20, f"{case}: {elapsed:.1f}s"


def _imported(cli: Cli, data: bytes, tmp_path: Path, name: str = "in.txt") -> Library:
    path = tmp_path / name
    path.write_bytes(data)
    result = cli("import", str(path), "--date", "2025-07-31")
    assert result.exit_code == 0 and result.stderr == "", result.output
    return Library.open(cli.db, readonly=True)


def every_plane_title(plane: int) -> str:
    """A title with letters from one Unicode plane (assigned or not, never a surrogate)."""
    base = plane * 0x10000
    chars = "".join(chr(base + offset) for offset in (0x100, 0x4E2D, 0xA000, 0xE000, 0xFFFD))
    return f"Plane {plane} title {chars}"


def test_every_unicode_plane_round_trips(cli: Cli, tmp_path: Path) -> None:
    titles = [every_plane_title(plane) for plane in range(17)]
    titles += ["Noncharacters \ufffe\uffff\U0010ffff kept", "Emoji 😀 and 👩🏽‍🔬 and 🇺🇳 kept"]
    for fmt, data in (
        ("page", page(*titles)),
        ("api", api(*(paper(n, title=t) for n, t in enumerate(titles)))),
    ):
        lib_dir = tmp_path / fmt
        runner = Cli(lib_dir)
        with _imported(runner, data, tmp_path, f"{fmt}.in") as lib:
            assert sorted(p.title for p in lib) == sorted(titles)
        listed = runner("list", "--json")
        assert listed.exit_code == 0
        assert sorted(r["title"] for r in json.loads(listed.stdout)) == sorted(titles)
        assert all(runner("show", pid).exit_code == 0 for pid in (r["id"] for r in json.loads(listed.stdout)))


def test_bidi_controls_are_stripped_zero_width_kept_decoration_skipped(cli: Cli, tmp_path: Path) -> None:
    data = (
        page(
            "Evil \u202egnp.exe\u202c title",
            "Isolate \u2066inside\u2069 title",
            "Zero\u200bwidth\u200d join\u2060 title",
        )
        + "\u200b\u200b\n\n***\n\n[/]\n".encode()
    )  # letterless lines without an abstract: decoration
    with _imported(cli, data, tmp_path) as lib:
        titles = sorted(p.title for p in lib)
    assert titles == ["Evil gnp.exe title", "Isolate inside title", "Zero\u200bwidth\u200d join\u2060 title"]


def test_markup_and_escapes_in_titles_are_kept_literally_or_stripped(cli: Cli, tmp_path: Path) -> None:
    titles = ["[@click=app.quit]Quit[/] now", "a [/] b [link=https://x]y[/link]", "$var and [b]bold"]
    data = page(*titles, "Clear \x1b[2J screen \x1b]52;c;SGVsbG8=\x07 title")
    with _imported(cli, data, tmp_path) as lib:
        assert sorted(p.title for p in lib) == sorted([*titles, "Clear screen title"])


def test_a_page_with_ten_thousand_papers_imports_all_of_them(cli: Cli, tmp_path: Path) -> None:
    data = page(*(f"Paper number {n} on hostile input" for n in range(10_000)))
    with _imported(cli, data, tmp_path) as lib:
        assert len(lib) == 10_000
        assert all(p.abstract == ABSTRACT.strip() for p in lib)


def test_ten_thousand_copies_of_one_paper_are_one_paper(cli: Cli, tmp_path: Path) -> None:
    with _imported(cli, api(*[paper(1)] * 10_000), tmp_path, "same.json") as lib:
        assert len(lib) == 1


def test_a_hard_wrapped_abstract_of_100k_lines_is_linear(cli: Cli, tmp_path: Path) -> None:
    """Joining continuation lines one by one used to be quadratic: 100 MB of lines never finished."""
    data = b"Jul 31\n\nA title\n\n" + (b"y" * 299 + b"\n") * 100_000
    started = time.monotonic()
    with _imported(cli, data, tmp_path) as lib:
        (only,) = lib
        assert len(only.abstract) == 300 * 100_000 - 1
    assert time.monotonic() - started < 20


def test_titles_at_the_limit(cli: Cli, tmp_path: Path) -> None:
    longest = "T" * (TITLE_MAX_CHARS - 5) + " end."
    with _imported(cli, api(paper(1, title=longest)), tmp_path, "limit.json") as lib:
        assert lib.paper("2509.00001").title == longest
    assert importers.BadInput  # the same refusal above one more character: see REFUSED["long-api-title"]


def test_an_input_over_the_size_limit_is_refused_before_it_is_read(
    cli: Cli, lib_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "MAX_INPUT_BYTES", 1 << 20)
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(5 << 20)  # sparse: 5 MiB of zeros, never read
    result = cli("import", str(big))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "is larger than 1 MiB, the most reader imports" in result.stderr, result.stderr
    # standard input has no size: the read itself is capped
    result = cli("import", "-", input=b"\0" * (2 << 20))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "is larger than 1 MiB, the most reader imports" in result.stderr, result.stderr
    result = cli("import", "/dev/zero")  # a device is refused without being read
    assert result.exit_code == 2 and "is a device, not a file" in result.stderr
    assert not lib_path.exists() or snapshot(lib_path) == {}
    assert MAX_INPUT_BYTES == 256 << 20


@pytest.mark.parametrize(
    ("fmt", "data", "what"),
    [
        ("page", page(*(f"Tiny {n}" for n in range(1001))), "papers"),
        ("api", api(*(paper(n) for n in range(1001))), "papers"),
        ("json-objects", b"[" + b",".join([b"{}"] * 3001) + b"]", "JSON objects"),
    ],
)
def test_too_many_papers_in_one_input_are_refused(
    fmt: str, data: bytes, what: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "MAX_PAPERS_PER_INPUT", 1000)
    monkeypatch.setattr(importers, "MAX_JSON_OBJECTS", 3000)
    path = tmp_path / f"many.{fmt}"
    path.write_bytes(data)
    result = cli("import", str(path))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert f"too many {what} in one file (reader imports up to 1,000 papers at a time" in result.stderr
    assert MAX_PAPERS_PER_INPUT == 200_000 and MAX_JSON_OBJECTS == 4_000_000


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["page", "api"])
def test_a_large_input_imports_in_full(fmt: str, cli: Cli, tmp_path: Path) -> None:
    """8 MB (~5k papers; past the 2 MB the page sniffing reads): every paper arrives. How fast is
    the benchmark's business, not a test's: a timed assertion here failed on a loaded machine and
    tested nothing the size did not."""
    path = tmp_path / f"big.{fmt}"
    count = 0
    with open(path, "wb") as handle:
        if fmt == "page":
            handle.write(b"Jul 31\n\n")
        else:
            handle.write(b"[")
        while handle.tell() < 8_000_000:
            if fmt == "page":
                handle.write(f"Paper number {count} about things\n\n{ABSTRACT * 5}\n\n".encode())
            else:
                arxiv_id = f"25{count // 99_999:02d}.{count % 99_999:05d}"
                item = {"paper": paper(count, id=arxiv_id, title=f"Hostile paper number {count}", summary=ABSTRACT * 4)}
                handle.write((b"," if count else b"") + orjson.dumps(item))
            count += 1
        if fmt == "api":
            handle.write(b"]")
    started = time.monotonic()
    result = cli("import", str(path), "--date", "2025-07-31")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{count} new, 0 updated")
    print(f"\n8 MB {fmt}: {count} papers imported in {elapsed:.1f}s")


@pytest.mark.slow
def test_hostile_files_through_the_real_command(tmp_path: Path) -> None:
    """As a user would run it: `reader import` on hostile files prints one line, no traceback."""
    lib = tmp_path / "lib"
    for case in ("binary-with-nul", "lone-high-surrogate", "deep-arrays", "long-page-title", "xml-bomb"):
        bad = tmp_path / f"{case}.in"
        bad.write_bytes(REFUSED[case][0])
        run = subprocess.run(
            [sys.executable, "-m", "reader", "--db", str(lib), "import", str(bad)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2 and run.stdout == "", (case, run.stderr)
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("reader: error: "), (case, run.stderr)
    weird = tmp_path / "\udcff-name.txt"  # a file name that is not UTF-8
    weird.write_bytes(page("A title from a badly named file"))
    run = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(lib), "import", str(weird)], capture_output=True, timeout=60
    )
    assert run.returncode == 0 and b"1 new" in run.stdout, run.stderr
