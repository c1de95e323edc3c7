"""The app asks glibc to give freed memory back (`reader.tui.allocator`)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.library import Library
from reader.models import Paper

ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """
import re, sys
from pathlib import Path
from reader.tui.app import open_for_app

def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) // 1024

library = open_for_app(Path(sys.argv[1]))
big = bytearray(16 << 20)  # freed, a block this big raises glibc's own mmap threshold to its size
del big
before = rss_mb()
blocks, kept = [], []
for _ in range(64):  # 64 MB in blocks of 1 MB, each followed by a smaller block that stays
    blocks.append(bytearray(1 << 20))
    kept.append(bytearray(100_000))
del blocks
print(rss_mb() - before)
library.close()
"""


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


@pytest.mark.skipif(not _glibc(), reason="glibc's allocator only")
def test_the_app_gives_big_freed_blocks_back_to_the_system(lib_path: Path) -> None:
    """Opened as the app opens it, the process returns a big block's memory once it is freed,
    even between blocks still in use (glibc's default keeps those 64 MB resident)."""
    with Library.open(lib_path) as lib:
        lib.import_papers([Paper(id="2507.00001", title="A paper", days=["2025-07-31"])])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(lib_path)], env=env, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.split()[-1]) < 16, done.stdout
