"""Conflicting programmes in a document, and the rule that resolves them.

Scraped guides overlap: two sources disagree on when a film ends, a
correction is appended after the programme it corrects, a listing appears
twice. An import either refuses them (``ConflictPolicy.REFUSE``: validation
reports them as OVERLAP / DUPLICATE_ID errors) or resolves them by one rule
(``ConflictPolicy.LATER_WINS``):

1. Exact duplicates (same start, length and content; ids aside) are dropped:
   the copy written later in the document goes.
2. Of two events with the same start, the one written later in the document
   stays (a later line is the correction); the earlier goes.
3. An event overlapped by one that starts later is trimmed to end where the
   later one starts (the later one wins the contested time; what the earlier
   one held after that becomes dead air, which validation reports as a gap).
4. Members of one clump (XMLTV ``clumpidx``: programmes that share a slot by
   design) are never conflicts of each other.

Every resolution is a WARNING finding (CONFLICT_RESOLVED) naming both events
and pointing at the later one: nothing is dropped or changed silently.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from itertools import accumulate, islice
from operator import add, lt

from scheduleflow.server.core.model import Event, Finding, FindingCode, Location, Severity
from scheduleflow.server.core.table import EventTable
from scheduleflow.server.core.timeparse import format_rfc3339

__all__ = ["CLUMP_KEY", "ConflictPolicy", "is_clump_pair", "resolve_later_wins"]

#: The metadata key that marks a member of an XMLTV clump ("n/total").
CLUMP_KEY = "clumpidx"


class ConflictPolicy(enum.StrEnum):
    """What an import does with overlapping or duplicate events."""

    REFUSE = "REFUSE"
    LATER_WINS = "LATER_WINS"


def is_clump_pair(a: Event, b: Event) -> bool:
    """Whether ``a`` and ``b`` share one slot as members of a clump (rule 4)."""
    return (
        a.start_us == b.start_us
        and a.duration_us == b.duration_us
        and CLUMP_KEY in a.metadata
        and CLUMP_KEY in b.metadata
        and a.metadata[CLUMP_KEY] != b.metadata[CLUMP_KEY]
    )


def _same_content(a: Event, b: Event) -> bool:
    return a[1:] == b[1:]


def _t(us: int) -> str:
    return format_rfc3339(us)


def _line(where: Location) -> str:
    return f" (line {where.line})" if where.line else ""


def _any_conflict(events: Sequence[Event]) -> bool:
    """Whether two events share a start or overlap (clumps included): one
    pass over the start and duration columns, in C where it can be."""
    if isinstance(events, EventTable):
        starts, durations = events.starts(), events.durations()
    else:
        starts, durations = [e.start_us for e in events], [e.duration_us for e in events]
    if len(starts) < 2:
        return False
    if not all(map(lt, starts, islice(starts, 1, None))):
        if len(set(starts)) < len(starts):
            return True  # a shared start
        order = sorted(range(len(starts)), key=starts.__getitem__)
        starts, durations = [starts[i] for i in order], [durations[i] for i in order]
    # Sorted, distinct starts: a conflict is a start before the furthest end so far.
    furthest = accumulate(map(add, starts, durations), max)
    return any(map(lt, islice(starts, 1, None), furthest))


def resolve_later_wins(
    events: Sequence[Event], locations: Sequence[Location]
) -> tuple[Sequence[Event], Sequence[Location], list[Finding]]:
    """Resolve the conflicts of one channel's events by the module's rules.

    ``events`` are in document order (``locations`` beside them, or empty);
    the result is free of conflicts but for clumps, with one finding per
    resolution: sorted by start when there was something to resolve, else
    ``events`` and ``locations`` themselves.
    """
    if not _any_conflict(events):
        # The usual guide: nothing to resolve, and the parser's columns
        # (``EventTable``) stay columns instead of becoming 250,000 tuples.
        return events, locations, []
    order = sorted(range(len(events)), key=lambda i: (events[i].start_us, i))
    places = list(locations) if len(locations) == len(events) else [Location()] * len(events)
    kept: list[Event] = []
    where: list[Location] = []
    findings: list[Finding] = []

    def note(message: str, ids: tuple[str, ...], at: Location) -> None:
        findings.append(Finding(FindingCode.CONFLICT_RESOLVED, Severity.WARNING, message, ids, at))

    for i in order:
        e, at = events[i], places[i]
        dropped = False
        while kept:
            k, k_at = kept[-1], where[-1]
            k_end = k.start_us + k.duration_us
            if e.start_us >= k_end or is_clump_pair(k, e):
                break
            if e.start_us == k.start_us:
                if _same_content(k, e):
                    note(
                        f"event {e.id}{_line(at)} repeats event {k.id}{_line(k_at)} exactly: the repeat was dropped",
                        (k.id, e.id),
                        at,
                    )
                    dropped = True
                    break
                note(
                    f"events {k.id}{_line(k_at)} and {e.id}{_line(at)} both start at {_t(e.start_us)}: "
                    f"the later one in the document stays, {k.id}{_line(k_at)} was dropped",
                    (k.id, e.id),
                    at,
                )
                kept.pop()
                where.pop()
                continue
            # e starts inside k: trim k, with the clump members sharing its slot.
            j = len(kept) - 1
            while j >= 0 and (j == len(kept) - 1 or is_clump_pair(kept[j], k)):
                kept[j] = kept[j]._replace(duration_us=e.start_us - k.start_us)
                j -= 1
            note(
                f"event {e.id}{_line(at)} starts at {_t(e.start_us)}, inside event {k.id}{_line(k_at)} "
                f"({_t(k.start_us)}-{_t(k_end)}): {k.id} was trimmed to end at {_t(e.start_us)}",
                (k.id, e.id),
                at,
            )
            break
        if not dropped:
            kept.append(e)
            where.append(at)
    return kept, where, findings
