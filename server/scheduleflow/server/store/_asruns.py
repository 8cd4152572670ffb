"""Stored as-run logs: the encoding and the read planning both adapters share.

Rules:

1. An as-run log is stored as received (its entries, in log order) with the
   window it was reconciled for and the schedule revision it was reconciled
   against; it is not a schedule change and spends no revision.
2. Entries are one compact JSON array per log (a list per entry, field order
   of ``AsRunEntry``): written once, read whole, never queried inside.
3. A read of a window returns the entries of every stored log whose window
   overlaps it, that overlap it themselves, by (start, id), each distinct
   entry once (a log reconciled twice is not two airings).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import Window
from scheduleflow.server.core.reconcile import AsRunEntry

#: Entries one stored log may hold (a day is a few thousand; a month of a busy
#: channel some hundred thousand).
MAX_ENTRIES = 1_000_000


def encode(entries: Sequence[AsRunEntry]) -> str:
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput.at(f"an as-run log holds at most {MAX_ENTRIES} entries: split it", field="document")
    return json.dumps([list(e) for e in entries], ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> list[AsRunEntry]:
    return [AsRunEntry(*row) for row in json.loads(text)]


def merged(logs: Iterable[str], window: Window | None) -> list[AsRunEntry]:
    """The distinct entries of ``logs`` that overlap ``window``, by (start, id) (rule 3)."""
    seen: set[AsRunEntry] = set()
    for text in logs:
        for entry in decode(text):
            if window is None or window.overlaps(entry.start_us, entry.end_us):
                seen.add(entry)
    return sorted(seen, key=lambda e: (e.start_us, e.id, e.planned_id))
