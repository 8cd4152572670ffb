"""Incremental schedule updates (BXF add / replace / delete by id), planned sans-IO.

Rules:

1. An update names events to add or replace (by id) and ids to delete; the
   rest of the channel stays as it is.
2. The plan is a window and the complete set of events that overlap it
   afterwards, so that a store's ordinary window replacement applies it in one
   transaction, and its change log lists exactly what was added, updated and
   removed (unchanged events are not changes).
3. The window covers the update's own window, the new events, and where the
   deleted and replaced events were, so that nothing the update touches lies
   outside it.
4. A delete of an id the channel does not hold is not an error (a retried or
   reordered update must not fail for it): it is a WARNING finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scheduleflow.server.core.model import Event, Finding, FindingCode, Severity, Window


@dataclass(frozen=True, slots=True)
class UpdatePlan:
    """What to commit: ``events`` replace the channel's events overlapping ``window``."""

    window: Window | None
    events: tuple[Event, ...]
    findings: tuple[Finding, ...]


def _hull(spans: Iterable[tuple[int, int]]) -> Window | None:
    lo = hi = None
    for start, end in spans:
        lo = start if lo is None else min(lo, start)
        hi = end if hi is None else max(hi, end)
    return None if lo is None or hi is None else Window(lo, max(hi, lo + 1))


def plan_update(
    stored: Sequence[Event], events: Sequence[Event], deleted_ids: Sequence[str], window: Window | None
) -> UpdatePlan:
    """Plan an update of ``stored`` (every event of the channel; see the rules)."""
    by_id = {e.id: e for e in stored}
    findings: list[Finding] = []
    touched: list[tuple[int, int]] = [(w.start_us, w.end_us) for w in (window,) if w is not None]
    gone: set[str] = set()
    for event_id in deleted_ids:
        old = by_id.get(event_id)
        if old is None:
            findings.append(
                Finding(
                    FindingCode.MISSING_FIELD,
                    Severity.WARNING,
                    f"event {event_id!r} was to be deleted but the channel does not hold it",
                    (event_id,),
                )
            )
            continue
        gone.add(event_id)
        touched.append((old.start_us, old.end_us))
    new_ids = set()
    for event in events:
        old = by_id.get(event.id)
        if old is not None:
            touched.append((old.start_us, old.end_us))
        touched.append((event.start_us, event.end_us))
        new_ids.add(event.id)
    hull = _hull(touched)
    if hull is None:
        return UpdatePlan(None, (), tuple(findings))
    kept = [e for e in stored if e.id not in gone and e.id not in new_ids and hull.overlaps(e.start_us, e.end_us)]
    final = sorted([*kept, *events], key=lambda e: (e.start_us, e.id))
    return UpdatePlan(hull, tuple(final), tuple(findings))
