"""What several export formats derive from a paper in the same way: its DOI, its date, and
its authors' names split into parts.

- `doi_of`: the journal DOI when arXiv knows one, else arXiv's own DOI (`10.48550/arXiv.<id>`,
  which DataCite registers for every arXiv paper); None for a paper without either.
- `date_parts`: the arXiv publication date, else the first featured day, as `[y, m, d]`.
- `split_name`: a name as `family`/`given` (plus a particle such as `van` or `du` and a suffix
  such as `Jr.`), or as a `literal` when it is one word or looks like a group
  (`Research and Development Team`). Names written `Family, Given` (or `Family, Jr., Given`)
  keep that split. A name with a word that has no letter (`- x`, `R2 D2`... `2`) is kept whole
  too. This is what CSL JSON `author` and RIS `AU  - Family, Given` need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.models import Paper

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

_PARTICLES = frozenset(
    "van von der den de del della di da du dos das des la le ter ten zu vom bin ibn al el st".split()  # noqa: SIM905
)
"""Lower-case words that belong to the family name when they come before it (`Ludwig van Beethoven`)."""
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"})
_GROUP_WORDS = frozenset(
    (  # noqa: SIM905
        "team teams group lab labs laboratory consortium collaboration project institute university "
        "inc inc. ltd ltd. llc corp corp. corporation company foundation committee center centre "
        "initiative association society council community organization organisation"
    ).split()
)
"""A word that makes a name a group's name (kept whole, never split into family/given)."""


def arxiv_doi(arxiv_id: str) -> str:
    """arXiv's DataCite DOI for a paper: `10.48550/arXiv.2507.12345`."""
    return f"10.48550/arXiv.{arxiv_id}"


def doi_of(paper: Paper) -> str | None:
    """The journal DOI when known, else arXiv's DOI for papers with an arXiv id, else None."""
    if paper.doi:
        return paper.doi.strip()
    return arxiv_doi(paper.arxiv_id) if paper.arxiv_id else None


def date_text(paper: Paper) -> str | None:
    """The paper's date as `YYYY-MM-DD` (or shorter): arXiv's date, else the first featured day."""
    for value in (paper.published, *paper.days):
        if value and _DATE.match(value):
            return value[:10]
    return None


def date_parts(paper: Paper) -> list[int] | None:
    """The paper's date as `[year, month, day]` (as far as known), or None."""
    text = date_text(paper)
    match = _DATE.match(text or "")
    if not match:
        return None
    return [int(part) for part in match.groups() if part]


@dataclass(frozen=True, slots=True)
class Name:
    """A person's name in parts, or a literal name (one word, or a group)."""

    family: str = ""
    given: str = ""
    particle: str = ""
    """A lower-case particle written before the family name (`van`, `du`): CSL's `non-dropping-particle`."""
    suffix: str = ""
    literal: str = ""

    @property
    def full_family(self) -> str:
        """The family name with its particle: `van Beethoven`."""
        return f"{self.particle} {self.family}".strip()


def split_name(name: str) -> Name:
    """The parts of an author name (see the module docstring)."""
    text = " ".join(name.split())
    if not text:
        return Name(literal="")
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) == 2 and parts[0] and parts[1]:
            return _with_particle(parts[0], parts[1], "")
        if len(parts) == 3 and parts[0] and parts[2] and parts[1].lower() in _SUFFIXES:
            return _with_particle(parts[0], parts[2], parts[1])
        return Name(literal=text)
    words = text.split(" ")
    if (
        len(words) == 1
        or any(w.lower().strip("().,") in _GROUP_WORDS for w in words)
        or " and " in f" {text} "
        or not all(any(c.isalpha() for c in w) for w in words)  # `- dash`, `R2 D2`: not a person's parts
    ):
        return Name(literal=text)
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    # The family name starts at the first particle after the first word, else it is the last word.
    start = len(words) - 1
    for i in range(1, len(words) - 1):
        if words[i] in _PARTICLES:
            start = i
            break
    particle_words = []
    while start < len(words) - 1 and words[start] in _PARTICLES:
        particle_words.append(words[start])
        start += 1
    return Name(
        family=" ".join(words[start:]),
        given=" ".join(words[: start - len(particle_words)]),
        particle=" ".join(particle_words),
        suffix=suffix,
    )


def _with_particle(family: str, given: str, suffix: str) -> Name:
    """`van Beethoven, Ludwig`: a leading lower-case particle of the family part kept apart."""
    words = family.split(" ")
    particle = []
    while len(words) > 1 and words[0] in _PARTICLES:
        particle.append(words.pop(0))
    return Name(family=" ".join(words), given=given, particle=" ".join(particle), suffix=suffix)
