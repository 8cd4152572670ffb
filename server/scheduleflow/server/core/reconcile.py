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


@dataclass(frozen=True, slots=True)
class ReconcileFinding:
    """One outcome, with the ids on both sides (rule 5)."""

    outcome: Outcome
    planned_id: str
    asrun_id: str
    #: How much: late/early by, short/long by (positive); 0 otherwise.
    amount_us: int
    message: str
    planned_start_us: int | None = None
    aired_start_us: int | None = None
    planned_asset_id: str = ""
    aired_asset_id: str = ""


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

    def compare(event: Event, entry: AsRunEntry) -> None:
        nonlocal on_time, start_dev, duration_dev

        def add(outcome: Outcome, amount: int, message: str) -> None:
            findings.append(
                ReconcileFinding(
                    outcome,
                    event.id,
                    entry.id,
                    amount,
                    message,
                    event.start_us,
                    entry.start_us,
                    event.asset_id,
                    entry.asset_id,
                )
            )

        if entry.status.strip().lower() in NOT_AIRED_STATUSES:
            add(Outcome.MISSED, 0, f"{event.id!r} did not air ({entry.status})")
            return
        if entry.asset_id and event.asset_id and entry.asset_id != event.asset_id:
            add(
                Outcome.SUBSTITUTED,
                0,
                f"{event.id!r} was planned with {event.asset_id!r}; {entry.asset_id!r} aired instead",
            )
            return
        delta = entry.start_us - event.start_us
        length = entry.duration_us - event.duration_us
        start_dev += abs(delta)
        duration_dev += abs(length)
        before = len(findings)
        if delta > limits.on_time_tolerance_us:
            add(Outcome.LATE, delta, f"{event.id!r} aired {_fmt(delta)} late")
        elif -delta > limits.on_time_tolerance_us:
            add(Outcome.EARLY, -delta, f"{event.id!r} aired {_fmt(-delta)} early")
        else:
            on_time += 1
        if length > limits.duration_tolerance_us:
            add(Outcome.LONG, length, f"{event.id!r} ran {_fmt(length)} long")
        elif -length > limits.duration_tolerance_us:
            add(Outcome.SHORT, -length, f"{event.id!r} ran {_fmt(-length)} short")
        if len(findings) == before:
            add(Outcome.AS_PLANNED, 0, f"{event.id!r} aired as planned")

    for entry in asrun:
        if entry.status.strip().lower() not in NOT_AIRED_STATUSES:
            aired += 1
        index = by_id.get(entry.planned_id) if entry.planned_id else None
        if index is None or matched[index]:
            leftovers.append(entry)
            continue
        matched[index] = True
        compare(plan[index], entry)

    for entry in leftovers:
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
            compare(plan[best], entry)
            continue
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
        not_aired = entry.status.strip().lower() in NOT_AIRED_STATUSES
        if most is not None and not not_aired:
            matched[most] = True
            event = plan[most]
            findings.append(
                ReconcileFinding(
                    Outcome.SUBSTITUTED,
                    event.id,
                    entry.id,
                    entry.start_us - event.start_us,
                    f"{event.id!r} ({event.asset_id or event.title!r}) was replaced by "
                    f"{entry.asset_id or entry.title or entry.id!r}",
                    event.start_us,
                    entry.start_us,
                    event.asset_id,
                    entry.asset_id,
                )
            )
            continue
        if not_aired:
            continue  # reports a planned event we do not hold: nothing aired
        findings.append(
            ReconcileFinding(
                Outcome.UNSCHEDULED,
                "",
                entry.id,
                entry.duration_us,
                f"{entry.asset_id or entry.title or entry.id!r} aired for {_fmt(entry.duration_us)} but was never scheduled",
                None,
                entry.start_us,
                "",
                entry.asset_id,
            )
        )

    for i, event in enumerate(plan):
        if not matched[i]:
            findings.append(
                ReconcileFinding(
                    Outcome.MISSED,
                    event.id,
                    "",
                    event.duration_us,
                    f"{event.id!r} was scheduled but no as-run entry reports it",
                    event.start_us,
                    None,
                    event.asset_id,
                    "",
                )
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
