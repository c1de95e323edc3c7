"""CSL JSON: an array of citation items, the format Zotero, pandoc, Quarto and citeproc read.

An item:

    {
      "id": "lovelace2025graph",
      "type": "article",
      "title": "Graph Notes",
      "author": [{"family": "Lovelace", "given": "Ada"}, {"literal": "Research Team"}],
      "issued": {"date-parts": [[2025, 7, 29]]},
      "DOI": "10.48550/arXiv.2507.12345",
      "URL": "https://arxiv.org/abs/2507.12345",
      "number": "arXiv:2507.12345",
      "publisher": "arXiv",
      "abstract": "...",
      "keyword": "rl, to_cite",
      "note": "The user's notes."
    }

- `id` is the BibTeX citation key, so `[@lovelace2025graph]` cites the same paper in pandoc
  whichever of the two files it is given.
- `type`: `article-journal` with `container-title` (the journal reference) when arXiv knows
  one; else `article`, CSL's type for a preprint (Zotero's preprint item maps to it, with the
  arXiv id in `number` and the repository in `publisher`, as here).
- `author`: `family`/`given` (and `non-dropping-particle`, `suffix`), or `literal` for one-word
  and group names (see `reader.exporters.fields.split_name`).
- `note` holds the reading notes (Zotero imports it into the item's Extra field); text is
  written as is (JSON needs no escaping beyond its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from reader.exporters.bibtex import citation_keys
from reader.exporters.fields import date_parts, doi_of, split_name

if TYPE_CHECKING:
    from reader.exporters import Entry


def name_item(name: str) -> dict[str, str]:
    """A CSL name object for an author name."""
    parts = split_name(name)
    if parts.literal or not parts.given:
        return {"literal": parts.literal or parts.full_family}
    out = {"family": parts.family, "given": parts.given}
    if parts.particle:
        out["non-dropping-particle"] = parts.particle
    if parts.suffix:
        out["suffix"] = parts.suffix
    return out


def item(entry: Entry, key: str) -> dict[str, Any]:
    """The CSL item of one paper."""
    paper, state = entry.paper, entry.state
    journal = " ".join((paper.journal_ref or "").split())
    data: dict[str, Any] = {"id": key, "type": "article-journal" if journal else "article", "title": paper.title}
    authors = [name_item(a) for a in paper.authors if a.strip()]
    if authors:
        data["author"] = authors
    when = date_parts(paper)
    if when:
        data["issued"] = {"date-parts": [when]}
    if journal:
        data["container-title"] = journal
    doi = doi_of(paper)
    if doi:
        data["DOI"] = doi
    if paper.url:
        data["URL"] = paper.url
    if paper.arxiv_id:
        data["number"] = f"arXiv:{paper.arxiv_id}"
        if not journal:
            data["publisher"] = "arXiv"
    if paper.abstract:
        data["abstract"] = paper.abstract
    if state.tags:
        data["keyword"] = ", ".join(state.tags)
    if state.notes:
        data["note"] = state.notes
    return data


def render_csl_json(items: Sequence[Entry]) -> str:
    """The CSL JSON array of these entries, in the order given (`[]` for none)."""
    keys = citation_keys([e.paper for e in items])
    data = [item(entry, key) for entry, key in zip(items, keys, strict=True)]
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
