"""BibTeX: one entry per paper, with arXiv fields, a DOI, stable citation keys and safe text.

An entry:

    @misc{lovelace2025graph,
      title = {{Graph Notes on 50\\% of the \\{Engine\\}}},
      author = {Ada Lovelace and {Research and Development Team}},
      year = {2025},
      eprint = {2507.12345},
      eprinttype = {arxiv},
      archivePrefix = {arXiv},
      primaryClass = {cs.LG},
      doi = {10.48550/arXiv.2507.12345},
      url = {https://arxiv.org/abs/2507.12345},
      keywords = {rl, agents},
      annote = {The user's notes.}
    }

- `@article` with `journal = {<the journal reference>}` when arXiv knows one, `@misc` otherwise.
- `eprinttype = {arxiv}` is what biblatex and Zotero read the arXiv id by; `archivePrefix` and
  `primaryClass` are the BibTeX (natbib, arXiv) spelling of the same.
- `doi`: the journal DOI when known, else arXiv's own DOI (`10.48550/arXiv.<id>`); none for a
  paper without an arXiv id or a DOI.
- The reading notes go in `annote`, which standard BibTeX and biblatex styles never print (a
  `note` would appear in the reference list); Zotero and JabRef import `annote` as a note.

Text encoding (every field except `url`), chosen so that BibTeX, LaTeX and bibtexparser agree:
- `% & # _ $` become `\\% \\& \\# \\_ \\$`; `\\ ~ ^` become `\\textbackslash{}`,
  `\\textasciitilde{}`, `\\textasciicircum{}`; `< > |` become `\\textless{}`, `\\textgreater{}`,
  `\\textbar{}` (LaTeX's default font would print other glyphs);
- braces that pair up become `\\{` `\\}`; a brace without a partner becomes `\\textbraceleft{}`
  or `\\textbraceright{}`, so the entry's braces always balance (BibTeX counts `\\{` too);
- an `@` that starts a line (after spaces of any kind; notes are multi-line) becomes `{@}`, so no parser takes it for a
  new entry;
- the title is wrapped in a second pair of braces so styles keep its capitals (`LLM`);
- an author name containing a comma or the word `and` is wrapped in braces, so it stays one
  name. Names are joined with ` and `.
Non-ASCII text is written as UTF-8 (biber/biblatex and bibtexparser read it as is).

The `url` and `doi` fields are left verbatim (URL packages read it literally) except that `{ } \\` and
whitespace are percent-encoded, which names the same resource.

Citation keys: first author's surname + year + first significant word of the title, folded
to ASCII lower case (`lovelace2025graph`); keys that collide get `a`, `b`, `c`... in the
order of the papers' ids, so the same selection always yields the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from reader.exporters.fields import doi_of

if TYPE_CHECKING:
    from reader.exporters import Entry
    from reader.models import Paper

_SIMPLE = {
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # Not special to BibTeX, but LaTeX's default (OT1) font prints them as other glyphs.
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_SIMPLE_CHARS = re.compile("[" + re.escape("".join(_SIMPLE)) + "]")
_ANY_SPECIAL = re.compile("[" + re.escape("".join(_SIMPLE) + "{}@") + "]")
_LINE_START_AT = re.compile(r"(\n[^\S\n]*)@")
"""An `@` that only (Unicode) spaces separate from the start of a line: parsers may take it for an entry."""
_AND_WORD = re.compile(r"\sand\s", re.IGNORECASE)
_URL_UNSAFE = re.compile(r"[{}\\\s]")

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_STOP_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "a an the and or of on in into for to with without via by from at as is are be do does can how what when "
        "where which why who whose toward towards beyond under over not no its it this that these those we our "
        "your their through"
    ).split()
)
"""Title words skipped when choosing the word of a citation key."""
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd"})


def escape_text(text: str) -> str:
    """A text field's value for a braced BibTeX field (see the module docstring)."""
    if not _ANY_SPECIAL.search(text):
        return text
    if "{" not in text and "}" not in text:
        out = _SIMPLE_CHARS.sub(lambda m: _SIMPLE[m.group(0)], text)
    else:
        out = _escape_with_braces(text)
    return _LINE_START_AT.sub(r"\1{@}", out) if "@" in out else out


def _escape_with_braces(text: str) -> str:
    partner: dict[int, int] = {}
    stack: list[int] = []
    for i, char in enumerate(text):
        if char == "{":
            stack.append(i)
        elif char == "}" and stack:
            partner[stack.pop()] = i
    closing = set(partner.values())
    out: list[str] = []
    for i, char in enumerate(text):
        if char == "{":
            out.append(r"\{" if i in partner else r"\textbraceleft{}")
        elif char == "}":
            out.append(r"\}" if i in closing else r"\textbraceright{}")
        else:
            out.append(_SIMPLE.get(char, char))
    return "".join(out)


def escape_name(name: str) -> str:
    """One author name; braced when BibTeX would otherwise split or reorder it."""
    text = escape_text(" ".join(name.split()))
    if "," in name or _AND_WORD.search(f" {name} "):
        return "{" + text + "}"
    return text


def escape_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), url)


# -- citation keys -------------------------------------------------------------------------


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: `Łukasz Müller` -> `lukaszmuller`."""
    if text.isascii():
        return _NOT_ALNUM.sub("", text.lower())
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_ALNUM.sub("", decomposed.encode("ascii", "ignore").decode("ascii").lower())


def surname(name: str) -> str:
    """The family name in `First Last`, `Last, First` or `First Last Jr.` forms, ASCII-folded."""
    if "," in name:
        return ascii_fold(name.split(",", 1)[0])
    words = [w for w in name.split() if ascii_fold(w) not in _NAME_SUFFIXES]
    for word in reversed(words):
        folded = ascii_fold(word)
        if folded:
            return folded
    return ""


def year_of(paper: Paper) -> str | None:
    """The year: from the arXiv publication date, else the earliest featured day."""
    for value in (paper.published, *paper.days):
        if value and re.match(r"^\d{4}", value):
            return value[:4]
    return None


def base_key(paper: Paper) -> str:
    """The citation key before collisions are resolved."""
    author = next((s for s in (surname(a) for a in paper.authors) if s), "anon")
    words = re.findall(r"[a-z0-9]+", ascii_fold_words(paper.title))
    word = next((w for w in words if w not in _STOP_WORDS), words[0] if words else "paper")
    return f"{author}{year_of(paper) or 'nd'}{word}"


def ascii_fold_words(text: str) -> str:
    """Like `ascii_fold`, but keeping word boundaries as spaces."""
    return " ".join(ascii_fold(w) for w in re.split(r"[\W_]+", text) if w)


def _suffixes() -> Iterator[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    size = 2
    while True:
        for n in range(len(letters) ** size):
            word = ""
            for _ in range(size):
                n, r = divmod(n, len(letters))
                word = letters[r] + word
            yield word
        size += 1


def citation_keys(papers: Sequence[Paper]) -> list[str]:
    """Unique keys for these papers, the same for the same papers in any order."""
    bases = [base_key(p) for p in papers]
    counts = Counter(bases)
    keys = [base if counts[base] == 1 else "" for base in bases]
    taken = set(counts)
    groups: dict[str, list[int]] = {}
    for i, base in enumerate(bases):
        if counts[base] > 1:
            groups.setdefault(base, []).append(i)
    for base in sorted(groups):
        suffixes = _suffixes()
        for i in sorted(groups[base], key=lambda i: papers[i].id):
            key = base + next(suffixes)
            while key in taken:
                key = base + next(suffixes)
            taken.add(key)
            keys[i] = key
    return keys


# -- entries -------------------------------------------------------------------------------


def entry_type(paper: Paper) -> str:
    """`article` when a journal reference is known, `misc` otherwise (a preprint)."""
    return "article" if paper.journal_ref and paper.journal_ref.strip() else "misc"


def entry_fields(entry: Entry) -> list[tuple[str, str]]:
    """The fields of one entry, encoded, in the order they are written."""
    paper, state = entry.paper, entry.state
    fields: list[tuple[str, str]] = [("title", "{" + escape_text(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(escape_name(a) for a in paper.authors)))
    if entry_type(paper) == "article":
        fields.append(("journal", escape_text(" ".join((paper.journal_ref or "").split()))))
    year = year_of(paper)
    if year:
        fields.append(("year", year))
    if paper.arxiv_id:
        fields += [
            ("eprint", escape_text(paper.arxiv_id)),
            ("eprinttype", "arxiv"),
            ("archivePrefix", "arXiv"),
        ]
        if paper.primary_category:
            fields.append(("primaryClass", escape_text(paper.primary_category)))
    doi = doi_of(paper)
    if doi:
        fields.append(("doi", escape_url(doi)))
    if paper.url:
        fields.append(("url", escape_url(paper.url)))
    if state.tags:
        fields.append(("keywords", escape_text(", ".join(state.tags))))
    if state.notes:
        fields.append(("annote", escape_text(state.notes)))
    return fields


def render_bibtex(items: Sequence[Entry]) -> str:
    """The BibTeX file for these entries, in the order given (empty text for none)."""
    keys = citation_keys([e.paper for e in items])
    blocks = []
    for key, entry in zip(keys, items, strict=True):
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entry_fields(entry))
        blocks.append(f"@{entry_type(entry.paper)}{{{key},\n{body}\n}}\n")
    return "\n".join(blocks)
