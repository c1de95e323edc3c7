"""The benchmark runs end to end on a small library and reports (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if k != "READER_DB"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--runs",
            "1",
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
    for heading in ("Floors (this machine)", "1,000 papers", "start to first frame (app)", "status change, durable"):
        assert heading in table
    assert "| measure" in table and "| verdict" in table
    results = json.loads(out.read_text())
    assert set(results["sizes"]) == {"1000"}
    names = {row["name"] for row in results["rows"] if row["size"] == 1000}
    assert any(name.startswith("filter per key, titles") for name in names)
    assert any(name.startswith("peak memory") for name in names)
    assert all(row["value"] == row["value"] for row in results["rows"] if row["target"] is not None)  # no NaN
