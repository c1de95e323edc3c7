"""The benchmark runs end to end on a small library and reports (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ROWS = (
    "start to first frame (app)",
    "  papers screen ready (keys work; a big library: after the first look)",
    "  of which: interpreter / imports / open / app / first paint",
    "Library.open (in process)",
    "`reader list --status reading` (process)",
    "`reader export -o FILE` done list (process)",
    "`reader mark ID done` (whole command)",
    "`reader note ID TEXT` (whole command)",
    "`reader list --day latest` (whole command)",
    "filter per key, titles (worst key)",
    "filter per key, full text (worst key)",
    "first search of a session, titles (builds the index)",
    "first full-text search of a session",
    "filter per key, full text via the cache (worst key)",
    "  first full-text search of a session via the cache",
    "  longest UI-thread stall while it builds (as the app: in a child process)",
    "full-text cache size on disk",
    "key→repaint work, cursor down (j)",
    "key→repaint work, triage to-read (t)",
    "key→repaint work, filter letter in the app",
    "  filter letter → frames settle (results shown)",
    "key→repaint work, clear the filter (escape)",
    "key→repaint work, board on/off (b)",
    "key→repaint work, switch view (6, 3, 1)",
    "key→repaint work, previous/next day ([, ])",
    "status change, durable (set_status)",
    "note save, durable (set_notes)",
    "import 1000 papers (import_files)",
    "import: longest UI-thread stall (import in a thread)",
    "stats: `reader.stats.compute` (in process)",
    "peak memory of the app (peak RSS, VmHWM)",
    "  peak RSS when the first frame is drawn",
    "settled memory of the app (RSS after the keys)",
)
"""Every row of a library's table (the export and catch-up rows name their counts, checked apart)."""


@pytest.mark.slow
def test_the_benchmark_prints_every_table_and_row_and_writes_json(tmp_path: Path) -> None:
    """A small library (200 papers) and few keys keep this quick; the code paths are the full run's."""
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if k != "READER_DB"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--sizes",
            "200",
            "--runs",
            "1",
            "--key-repeats",
            "2",
            "--cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for heading in ("Floors (this machine)", "200 papers", "start to first frame (app)", "status change, durable"):
        assert heading in table
    assert "| measure" in table and "| verdict" in table
    results = json.loads(out.read_text())
    assert set(results["sizes"]) == {"200"}
    names = [row["name"] for row in results["rows"] if row["size"] == 200]
    assert [name for name in names if name in ROWS] == list(ROWS)
    assert any(name.startswith("export done list, Markdown (") for name in names)
    assert any(name.startswith("catch-up groups (") for name in names)
    assert any(name.startswith("full-text cache build (") for name in names)
    assert any(name.startswith("import ") and "from one API file into an empty library" in name for name in names)
    floor_names = {row["name"] for row in results["rows"] if row["size"] == 0}
    assert floor_names >= {"python -c pass", "python: an empty loop of 10M steps (CPU speed)", "fsync of a small file"}
    assert results["floors"]["bytecode"] is True  # measured as installed: our modules' bytecode written first
    for name in ROWS:
        assert name.strip() in table, name
    assert all(row["value"] == row["value"] for row in results["rows"] if row["target"] is not None)  # no NaN
    keys = results["sizes"]["200"]["keys"]["keys"]
    assert len(keys["j"]) == 2 and len(keys["t"]) == 1 and len(keys["board"]) == 2
