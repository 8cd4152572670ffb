"""How the server's processes use the C heap (glibc malloc).

Why this exists: documents of tens of megabytes pass through the server and
its workers. glibc raises its mmap threshold each time it frees a large
mmapped block (up to 32 MiB), so after the first big message, buffers of
megabytes come from the heap instead; freed, they leave holes between small
live blocks that no trim can return. Measured with bench/bench_import.py,
the server process sat 50-100 MiB above its start after big imports and
exports. A fixed threshold keeps every block of 256 KiB or more in its own
mapping, returned to the system when it is freed.

Both functions do nothing where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import functools

#: mallopt's parameter number for the mmap threshold (malloc.h: M_MMAP_THRESHOLD).
_M_MMAP_THRESHOLD = -3
#: Blocks at least this large get a mapping of their own.
MMAP_THRESHOLD_BYTES = 256 * 1024


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018  # glibc has it; musl and others do not
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def configure_malloc() -> None:
    """Fix the mmap threshold (see the module); call once, early, in each process."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def release_memory() -> None:
    """Return free heap pages to the system (after a big job or message)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
