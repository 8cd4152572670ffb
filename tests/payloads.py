"""Requests that the benchmarks send and the tests pin down, made in one place."""

from __future__ import annotations

from scheduleflow.v1 import service_pb2 as spb


def validate_request(n: int) -> bytes:
    """A Validate of ``n`` back-to-back one-minute events (about 54 bytes each), serialized.

    A realistic clean schedule: unique ids, 97 assets in rotation, no gaps or
    overlaps, so the validator runs every check and reports nothing (the
    compiled fast path answers it).
    """
    req = spb.ValidateRequest()
    events = req.events.events
    base = 1_763_800_000  # 2025-11-22T08:26:40Z
    for i in range(n):
        event = events.add(id=f"evt-{i:07d}", title=f"Programme {i}", asset_id=f"asset-{i % 97:04d}")
        event.start_time.seconds = base + 60 * i
        event.duration.seconds = 60
    return bytes(req.SerializeToString())
