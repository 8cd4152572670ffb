"""Per-RPC figures for GetStats: calls, errors by status code, latency percentiles.

Latencies go into a fixed log-scale histogram (about 4 % per bucket from 10 µs
to ~100 s), so recording is O(1), memory is constant however long the server
runs, and percentiles are read from the buckets on request.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

_MIN_S = 1e-5
_GROWTH = 1.04
_BUCKETS = int(math.log(1e7) / math.log(_GROWTH)) + 2


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * _BUCKETS)
    total: int = 0
    max_s: float = 0.0

    def record(self, seconds: float) -> None:
        index = 0 if seconds <= _MIN_S else min(_BUCKETS - 1, 1 + int(math.log(seconds / _MIN_S) / math.log(_GROWTH)))
        self.counts[index] += 1
        self.total += 1
        self.max_s = max(self.max_s, seconds)

    def percentile(self, p: float) -> float:
        """The upper edge of the bucket holding the p-th percentile (0 < p <= 100)."""
        if not self.total:
            return 0.0
        rank = math.ceil(self.total * p / 100)
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return min(self.max_s, _MIN_S * _GROWTH**index)
        return self.max_s


@dataclass
class MethodStats:
    calls: int = 0
    errors: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    latency: _Histogram = field(default_factory=_Histogram)


class Stats:
    """Counts every call by method and status code."""

    def __init__(self) -> None:
        self.methods: dict[str, MethodStats] = {}
        self.inline = 0
        #: Validates the compiled fast path answered on the event loop (a subset of ``inline``).
        self.validate_fast = 0
        self.open_streams = 0
        #: Snapshots sent to replace what a stream missed (it fell behind, or
        #: the change log no longer reached back to its revision).
        self.resyncs = 0
        #: Schedule pages following a channel live (server-sent events).
        self.open_pages = 0
        #: Called with (method, code, seconds) for every call: metrics exporters.
        self.observers: list[Callable[[str, str, float], None]] = []

    def record(self, method: str, code: str, seconds: float) -> None:
        m = self.methods.get(method)
        if m is None:
            m = self.methods[method] = MethodStats()
        m.calls += 1
        if code != "OK":
            m.errors += 1
        m.codes[code] += 1
        m.latency.record(seconds)
        for observe in self.observers:
            observe(method, code, seconds)
