"""Ask the C allocator to give freed memory back to the system (the app, on Linux with glibc).

A session over a big library makes large temporary blocks: a "for you" fit's arrays, the
search index's joined texts, the parsed files of the library. Two glibc defaults keep that
memory resident after it is freed (measured with `bench/app_probe.py` at 100,000 papers:
settled RSS 447 -> 376 MB with both settings changed):

- The mmap threshold rises to the size of the largest block freed (up to 32 MB), so later big
  blocks come from the heap, where a freed block between live ones is never returned. Fixed at
  its default (128 KiB), every big block is mapped on its own and unmapped when freed.
- Every thread that allocates gets an arena of its own (up to 8 per core): a worker's freed
  memory stays in its arena. The interpreter lock serialises most allocations anyway, so one
  arena costs no waiting to speak of.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""`mallopt` parameters (glibc's malloc.h)."""
MMAP_THRESHOLD = 128 * 1024
"""glibc's default threshold, kept fixed (setting it turns off its dynamic rise)."""


def tune_allocator() -> bool:
    """Set the allocator up to return freed memory; False where it is not glibc's (no change)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl's mallopt does nothing)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    arenas = mallopt(M_ARENA_MAX, 1)
    threshold = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return arenas == 1 and threshold == 1
