"""Where the bundled files are: the sample day and the stylesheets.

In an installed wheel they sit inside the package (`reader/sample_data`, `reader/styles`);
in a source checkout they are the top-level folders next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The folder `name` (`styles` or `sample_data`), installed location first."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled folder {name!r} is missing from this installation")


SAMPLE_DAY = "2025-07-31"
"""The day of the bundled sample page (the page itself shows only `Jul 31`)."""


def sample_files() -> list[Path]:
    """The sample day: the page copied as text, then the API sample that enriches some papers."""
    folder = bundled("sample_data")
    return [folder / "hf_daily_papers_2025-07-31.txt", folder / "hf_api_2025-07-31.json"]
