"""Builders shared by the store tests (schedules in minutes from one instant)."""

from __future__ import annotations

from collections.abc import Mapping

from scheduleflow.server.core.model import Event, EventKind, Window

#: Every test schedule starts here: 2025-11-22T00:00:00Z, in microseconds.
T0 = 1_763_769_600_000_000
MINUTE = 60_000_000


def at(minutes: float) -> int:
    """The instant ``minutes`` after ``T0``."""
    return T0 + int(minutes * MINUTE)


def span(start_min: float, end_min: float) -> Window:
    """The window ``[start, end)`` in minutes after ``T0``."""
    return Window(at(start_min), at(end_min))


def ev(
    event_id: str,
    start_min: float,
    duration_min: float = 30,
    *,
    title: str = "",
    kind: EventKind = EventKind.PROGRAM,
    fixed_start: bool = False,
    metadata: Mapping[str, str] | None = None,
    asset_id: str = "",
) -> Event:
    """An event ``duration_min`` long, ``start_min`` minutes after ``T0``."""
    return Event(
        id=event_id,
        start_us=at(start_min),
        duration_us=int(duration_min * MINUTE),
        asset_id=asset_id or f"asset-{event_id}",
        title=title or f"Title {event_id}",
        kind=kind,
        fixed_start=fixed_start,
        metadata=dict(metadata or {}),
    )


def ids(events: list[Event] | tuple[Event, ...]) -> list[str]:
    return [event.id for event in events]
