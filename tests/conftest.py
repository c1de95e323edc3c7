"""Shared fixtures: every test runs on its own library folder, never the real home directory."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import textual._wait
from click.testing import CliRunner, Result

from reader import store
from reader.library import Library
from reader.models import HEAD_FIELDS
from reader.resources import SAMPLE_DAY, sample_files

SEED = Path(__file__).resolve().parent.parent / "sample_data" / "hf_daily_papers_2025-07-31.txt"


# Textual's pilot waits for the app to go idle after every key press and click: it sleeps in steps
# of 20 ms until a step in which the process used under 1 ms of CPU. That is at least 40 ms per key
# and was most of the suite's time (the workers slept while the cores idled). Steps of 5 ms with the
# same 1 ms bound still tell a working app (a core busy the whole step) from an idle one (an
# asyncio loop at rest uses ~0.2 ms per step here), four times sooner.
textual._wait.SLEEP_GRANULARITY = 0.005
textual._wait.SLEEP_IDLE = 0.001


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (`@pytest.mark.slow`) first, the rest in their order: with `-n auto`,
    xdist hands the first tests out one at a time to each worker in turn, so the long ones
    run side by side from the start instead of one of them ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the real home directory or a library from the environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("READER_DB", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATION", "none")
    return home


@pytest.fixture(autouse=True)
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer waits up to 2 s for another command's lock; tests that hold a library open in this
    process and see a second writer refused need not wait that long (the wait itself is tested
    with the real bound in test_hardening.py)."""
    monkeypatch.setattr(store, "LOCK_WAIT", 0.1)


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    return tmp_path / "lib"


@pytest.fixture
def library(lib_path: Path) -> Iterator[Library]:
    lib = Library.open(lib_path)
    try:
        yield lib
    finally:
        lib.close()


@pytest.fixture(scope="session")
def sample_day_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample day imported once per test process; each test gets its own copy (a copy costs
    a tenth of an import, and the import itself is tested where it is the subject)."""
    path = tmp_path_factory.mktemp("template") / "lib"
    with Library.open(path) as library:
        library.import_files(sample_files(), day=date.fromisoformat(SAMPLE_DAY))
    return path


@pytest.fixture
def sample_library(lib_path: Path, sample_day_template: Path) -> Iterator[Library]:
    """A library holding the bundled sample day (86 papers, 4 enriched from the API sample)."""
    shutil.copytree(sample_day_template, lib_path)
    lib = Library.open(lib_path)
    try:
        yield lib
    finally:
        lib.close()


@pytest.fixture
def lib(tmp_path: Path, sample_day_template: Path) -> Iterator[Library]:
    """The sample day in a library of its own (the app tests' usual start)."""
    shutil.copytree(sample_day_template, tmp_path / "lib")
    library = Library.open(tmp_path / "lib")
    try:
        yield library
    finally:
        library.close()


class Cli:
    """Runs `reader --db LIB ...` in-process, as a user would type it."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        from reader.cli import cli

        return self.runner.invoke(cli, ["--db", str(self.db), *args], input=input, catch_exceptions=False)


@pytest.fixture
def cli(lib_path: Path) -> Cli:
    return Cli(lib_path)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (the lock file's pid aside)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def env_without_home(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    return env


def write_foreign_paper(root: Path, pid: str, doc: dict[str, object]) -> None:
    """Add a paper record to a closed library as another program could: a line appended to the
    index's journal and one to its shard's journal, with nothing checked or cleaned."""
    import orjson

    days = doc.get("days")
    shard = store.shard_of(days if isinstance(days, list) and all(isinstance(d, str) for d in days) else ())
    head = {name: doc[name] for name in HEAD_FIELDS if name in doc} | {"shard": shard}
    (root / store.SHARD_DIR).mkdir(exist_ok=True)
    for path, record in ((root / store.SHARD_DIR / f"{shard}.journal", doc), (root / "index.journal", head)):
        with path.open("ab") as handle:
            handle.write(orjson.dumps({"put": {pid: record}}) + b"\n")


def edit_record(path: Path, table: str, pid: str, **fields: object) -> None:
    """Change fields of one stored record in a library file (as a hand edit would), in place."""
    import orjson

    data = orjson.loads(path.read_bytes())
    data[table][pid].update(fields)
    path.write_bytes(orjson.dumps(data))
