"""As-run reconciliation: what aired against the schedule that was in force.

Rules:

1. An as-run entry names the scheduled event it reports (``planned_id``), or
   none when the operator put it on air by hand. Entries are matched to
   planned events by that id first; an entry without a usable id is matched
   to an unmatched planned event of the same asset starting within
   ``match_window``, nearest first.
2. A matched entry that aired is compared on start (LATE / EARLY beyond
   ``on_time_tolerance``) and duration (SHORT / LONG beyond
   ``duration_tolerance``), each its own finding with its amount; within both
   it is AS_PLANNED. A matched entry with another asset than the plan is
   SUBSTITUTED.
3. An entry that matches nothing but covers an unmatched planned event is a
   SUBSTITUTED of the planned event it overlaps most; one that covers none is
   UNSCHEDULED. An entry whose status says it did not air (``Did not air``,
   ``Preempted``, ``Missing Content``) reports its planned event MISSED.
4. Every planned event in the window that no entry reports is MISSED.
5. Every finding names the ids on both sides it concerns (an empty string on
   the side that has none).
6. One pass over the entries with dictionary and bisect lookups: the cost
   grows as n log n, like Validate's, so a day of 2,000 events reconciles in
   about the time Validate takes on them (``bench/bench_reconcile.py``).
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from scheduleflow.server.core.model import MICROS_PER_SECOND, Event, Window

__all__ = [
    "NOT_AIRED_STATUSES",
    "AsRunEntry",
    "Outcome",
    "ReconcileFinding",
    "ReconcileReport",
    "ReconcileSummary",
    "Thresholds",
    "reconcile",
]


class AsRunEntry(NamedTuple):
    """One line of an as-run log: what automation says aired."""

    #: The line's own id (the log's, or ``asrun-<n>`` by position).
    id: str
    #: The scheduled event it reports; "" for an event put on air by hand.
    planned_id: str
    start_us: int
    duration_us: int
    asset_id: str = ""
    title: str = ""
    #: BXF AsRunStatusType ("Aired Without Discrepancy", "Did not air", ...).
    status: str = ""

    @property
    def end_us(self) -> int:
        return self.start_us + self.duration_us


#: Statuses that say the entry did not go to air (rule 3).
NOT_AIRED_STATUSES = frozenset({"did not air", "preempted", "missing content"})


def _not_aired(status: str) -> bool:
    """Whether a status (several joined by "; ") says the entry did not air."""
    return any(part.strip().lower() in NOT_AIRED_STATUSES for part in status.split(";"))


class Outcome(enum.StrEnum):
    """What happened to one planned or aired event; the proto enum's suffixes."""

    AS_PLANNED = "AS_PLANNED"
    LATE = "LATE"
    EARLY = "EARLY"
    SHORT = "SHORT"
    LONG = "LONG"
    SUBSTITUTED = "SUBSTITUTED"
    MISSED = "MISSED"
    UNSCHEDULED = "UNSCHEDULED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """What counts as on time. Spans in microseconds."""

    #: A start this far from the plan, either way, is still on time.
    on_time_tolerance_us: int = MICROS_PER_SECOND
    #: A duration this far from the plan, either way, is still as planned.
    duration_tolerance_us: int = MICROS_PER_SECOND
    #: How far from a planned start an entry without an id may be matched by asset.
    match_window_us: int = 15 * 60 * MICROS_PER_SECOND

    def __post_init__(self) -> None:
        for name in ("on_time_tolerance_us", "duration_tolerance_us", "match_window_us"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


class ReconcileFinding(NamedTuple):
    """One outcome, with the ids on both sides (rule 5).

    A NamedTuple with its message made on demand: a day's reconciliation makes
    one per event, and a frozen dataclass costs several times as much to make
    (see ``core.model``'s rule 3)."""

    outcome: Outcome
    planned_id: str
    asrun_id: str
    #: How much: late/early by, short/long by (positive); the length of a
    #: missed or unscheduled event; 0 otherwise.
    amount_us: int
    planned_start_us: int | None = None
    aired_start_us: int | None = None
    planned_asset_id: str = ""
    aired_asset_id: str = ""
    #: The as-run status that made an event MISSED, if one did.
    status: str = ""

    @property
    def message(self) -> str:
        """What happened, for people."""
        planned, amount = repr(self.planned_id), _fmt(self.amount_us)
        outcome = self.outcome
        if outcome is Outcome.AS_PLANNED:
            return f"{planned} aired as planned"
        if outcome is Outcome.LATE:
            return f"{planned} aired {amount} late"
        if outcome is Outcome.EARLY:
            return f"{planned} aired {amount} early"
        if outcome is Outcome.SHORT:
            return f"{planned} ran {amount} short"
        if outcome is Outcome.LONG:
            return f"{planned} ran {amount} long"
        if outcome is Outcome.MISSED:
            if self.status:
                return f"{planned} did not air ({self.status})"
            return f"{planned} was scheduled but no as-run entry reports it"
        aired = repr(self.aired_asset_id or self.asrun_id)
        if outcome is Outcome.SUBSTITUTED:
            return f"{planned} was planned with {self.planned_asset_id!r}; {aired} aired instead"
        return f"{aired} aired for {amount} but was never scheduled"


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    planned: int
    aired: int
    #: Planned events that aired (matched) with their start within tolerance.
    on_time: int
    #: on_time / planned, as a percentage (100 when nothing was planned).
    on_time_percent: float
    #: Sum of |start deviation| over matched events that aired.
    start_deviation_us: int
    #: Sum of |duration deviation| over the same.
    duration_deviation_us: int
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def total_deviation_us(self) -> int:
        return self.start_deviation_us + self.duration_deviation_us


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    findings: tuple[ReconcileFinding, ...]
    summary: ReconcileSummary


def _fmt(us: int) -> str:
    seconds = us / MICROS_PER_SECOND
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + " s"


def _paired(outcome: Outcome, event: Event, entry: AsRunEntry, amount: int, status: str = "") -> ReconcileFinding:
    return ReconcileFinding(
        outcome, event.id, entry.id, amount, event.start_us, entry.start_us, event.asset_id, entry.asset_id, status
    )


def reconcile(
    planned: Sequence[Event],
    asrun: Sequence[AsRunEntry],
    *,
    window: Window | None = None,
    thresholds: Thresholds | None = None,
) -> ReconcileReport:
    """Reconcile ``asrun`` against ``planned`` (see the module rules)."""
    limits = thresholds or Thresholds()
    plan = sorted(
        (e for e in planned if window is None or window.overlaps(e.start_us, e.end_us)),
        key=lambda e: (e.start_us, e.id),
    )
    starts = [e.start_us for e in plan]
    by_id = {e.id: i for i, e in enumerate(plan)}
    longest = max((e.duration_us for e in plan), default=0)
    matched = [False] * len(plan)
    findings: list[ReconcileFinding] = []
    aired = on_time = start_dev = duration_dev = 0
    leftovers: list[AsRunEntry] = []

    on_time_us, duration_us = limits.on_time_tolerance_us, limits.duration_tolerance_us

    def compare(event: Event, entry: AsRunEntry, not_aired: bool) -> None:
        nonlocal on_time, start_dev, duration_dev
        if not_aired:
            findings.append(_paired(Outcome.MISSED, event, entry, 0, entry.status))
            return
        if entry.asset_id and event.asset_id and entry.asset_id != event.asset_id:
            findings.append(_paired(Outcome.SUBSTITUTED, event, entry, 0))
            return
        delta = entry.start_us - event.start_us
        length = entry.duration_us - event.duration_us
        start_dev += abs(delta)
        duration_dev += abs(length)
        before = len(findings)
        if delta > on_time_us:
            findings.append(_paired(Outcome.LATE, event, entry, delta))
        elif -delta > on_time_us:
            findings.append(_paired(Outcome.EARLY, event, entry, -delta))
        else:
            on_time += 1
        if length > duration_us:
            findings.append(_paired(Outcome.LONG, event, entry, length))
        elif -length > duration_us:
            findings.append(_paired(Outcome.SHORT, event, entry, -length))
        if len(findings) == before:
            findings.append(_paired(Outcome.AS_PLANNED, event, entry, 0))

    for entry in asrun:
        not_aired = bool(entry.status) and _not_aired(entry.status)
        if not not_aired:
            aired += 1
        index = by_id.get(entry.planned_id) if entry.planned_id else None
        if index is None or matched[index]:
            leftovers.append(entry)
            continue
        matched[index] = True
        compare(plan[index], entry, not_aired)

    for entry in leftovers:
        not_aired = bool(entry.status) and _not_aired(entry.status)
        # Rule 1: the same asset, near the same start, not yet reported.
        lo = bisect.bisect_left(starts, entry.start_us - limits.match_window_us)
        hi = bisect.bisect_right(starts, entry.start_us + limits.match_window_us)
        best: int | None = None
        for i in range(lo, hi):
            candidate = not matched[i] and entry.asset_id and plan[i].asset_id == entry.asset_id
            if candidate and (best is None or abs(starts[i] - entry.start_us) < abs(starts[best] - entry.start_us)):
                best = i
        if best is not None:
            matched[best] = True
            compare(plan[best], entry, not_aired)
            continue
        if not_aired:
            continue  # reports a planned event we do not hold: nothing aired
        # Rule 3: whatever unmatched planned event it covers most.
        end = bisect.bisect_left(starts, entry.end_us)
        first = bisect.bisect_left(starts, entry.start_us - longest)
        most, cover = None, 0
        for i in range(first, end):
            if matched[i]:
                continue
            overlap = min(plan[i].end_us, entry.end_us) - max(plan[i].start_us, entry.start_us)
            if overlap > cover:
                most, cover = i, overlap
        if most is not None:
            matched[most] = True
            event = plan[most]
            findings.append(
                ReconcileFinding(
                    Outcome.SUBSTITUTED,
                    event.id,
                    entry.id,
                    0,
                    event.start_us,
                    entry.start_us,
                    event.asset_id,
                    entry.asset_id or entry.title,
                )
            )
            continue
        findings.append(
            ReconcileFinding(
                Outcome.UNSCHEDULED,
                "",
                entry.id,
                entry.duration_us,
                None,
                entry.start_us,
                "",
                entry.asset_id or entry.title,
            )
        )

    for i, event in enumerate(plan):
        if not matched[i]:
            findings.append(
                ReconcileFinding(Outcome.MISSED, event.id, "", event.duration_us, event.start_us, None, event.asset_id)
            )

    findings.sort(
        key=lambda f: (
            f.planned_start_us if f.planned_start_us is not None else f.aired_start_us or 0,
            f.planned_id,
            f.asrun_id,
        )
    )
    outcomes: dict[str, int] = {o.value: 0 for o in Outcome}
    for f in findings:
        outcomes[f.outcome.value] += 1
    summary = ReconcileSummary(
        planned=len(plan),
        aired=aired,
        on_time=on_time,
        on_time_percent=100.0 * on_time / len(plan) if plan else 100.0,
        start_deviation_us=start_dev,
        duration_deviation_us=duration_dev,
        outcomes=outcomes,
    )
    return ReconcileReport(tuple(findings), summary)
