"""Where a watcher is in each channel's history, so a new stream can resume there."""

from __future__ import annotations

import random
from collections.abc import Mapping

from scheduleflow.v1 import service_pb2 as spb

#: Waits between reconnects grow from this, doubling, up to the caller's maximum.
FIRST_BACKOFF_S = 0.1


class ResumePoint:
    """The newest revision fully held per channel.

    A snapshot counts only once its last chunk has arrived: a stream cut in the
    middle of one must start that channel over, not resume from a revision
    whose events the watcher only partly has.
    """

    def __init__(self, start: Mapping[str, int] | None = None) -> None:
        self.revisions: dict[str, int] = dict(start or {})

    def observe(self, update: spb.WatchScheduleResponse) -> None:
        kind = update.WhichOneof("update")
        if kind == "snapshot":
            if update.snapshot.last_chunk:
                self.revisions[update.snapshot.channel_id] = update.snapshot.revision
            else:
                self.revisions.pop(update.snapshot.channel_id, None)
        elif kind == "change":
            self.revisions[update.change.channel_id] = update.change.revision


#: How many times a client retries an idempotent call that got UNAVAILABLE.
DEFAULT_RETRIES = 3
#: The first retry's wait at most, and the longest.
_RETRY_BASE_S = 0.1
_RETRY_MAX_S = 2.0


def retry_delay(attempt: int, hint: float | None) -> float:
    """Seconds before retry number ``attempt`` (1-based) of a call: exponential,
    with jitter on the upper half (clients refused together do not come back
    together), never sooner than the server's hint."""
    delay = min(_RETRY_MAX_S, _RETRY_BASE_S * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
    return float(max(delay, hint or 0.0))


def backoff(attempt: int, max_backoff_s: float, hint: float | None) -> float:
    """Seconds to wait before reconnect number ``attempt`` (1-based)."""
    delay = min(max_backoff_s, FIRST_BACKOFF_S * 2 ** (attempt - 1))
    return float(max(delay, hint or 0.0))
