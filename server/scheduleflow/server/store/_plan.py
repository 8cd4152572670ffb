"""What a write does to a channel, decided without a database.

Both adapters call this module and differ only in I/O: they read what it asks
for (the channel row, a stored idempotency key, which incoming events are new,
changed or identical, which stored ones leave), hand the facts over, and write
what it decided. Nothing here touches a connection, a thread or the clock, so
the rules of the port (``port``'s module docstring) live in one place:

1. **A commit reads its channel row first**, locked or in the writer thread:
   ``None`` or a tombstone is an absent channel (revision 0 for
   ``expected_revision``), but a tombstone's revision and log floor count on
   (port rule 2).
2. **A replay comes before the revision check.** A retried commit whose first
   try went through finds its key and gets its first result back, even though
   the revision has moved on since.
3. **The revision moves only when an event does.** A rename that rides along
   with a commit (or an upsert) is a write, but spends no revision (port
   rule 3).
4. **``max_duration_us`` bounds every window scan** (an event overlapping a
   window starts at most that long before it), so it may only grow, except
   when it can be made exact again: a replace-all, or an empty channel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from scheduleflow.server.core.errors import FailedPrecondition, InvalidInput, NotFound, RevisionMismatch
from scheduleflow.server.core.model import (
    MAX_INSTANT_US,
    MIN_INSTANT_US,
    Channel,
    ChannelDetails,
    ChannelInfo,
    Event,
    Window,
)
from scheduleflow.server.core.table import Picked
from scheduleflow.server.store.port import ChangeRecord, ChannelCommit, CommitResult, ImportMode

#: How many conflicting pairs a merge error names.
CONFLICTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A row of the ``channels`` table, tombstones included."""

    id: str
    display_name: str
    time_zone: str
    revision: int
    event_count: int
    update_time_us: int
    max_duration_us: int
    log_floor: int
    deleted: bool
    #: What the channel's last guide (XMLTV) said about it; None if none did.
    details: ChannelDetails | None = None

    def channel(self) -> Channel:
        return Channel(
            self.id,
            self.display_name,
            self.time_zone,
            self.revision,
            self.event_count,
            self.update_time_us,
            self.details,
        )


@dataclass(frozen=True, slots=True)
class Commit:
    """The arguments of one ``commit_events`` call."""

    channel_id: str
    events: Sequence[Event]
    mode: ImportMode
    window: Window | None
    channel: ChannelInfo | None
    expected_revision: int | None
    dry_run: bool
    idempotency_key: str
    fingerprint: str

    @property
    def key(self) -> str:
        """The idempotency key to look up and record: none for a dry run."""
        return "" if self.dry_run else self.idempotency_key

    @property
    def removal_window(self) -> Window | None:
        """Where stored events absent from the commit leave (outside MERGE): the
        commit's window, or everywhere (``None``)."""
        return self.window if self.mode is ImportMode.REPLACE_WINDOW else None


def batch(commits: Sequence[ChannelCommit]) -> tuple[list[int], list[Commit]]:
    """A ``commit_channels`` batch as single commits, in the order to lock
    their channels in (by id: two batches sharing channels wait for each
    other, never deadlock), and that order as indexes into ``commits``.
    Each channel may appear once; ``dry_run`` is the same for all."""
    channel_ids = [c.channel_id for c in commits]
    if len(set(channel_ids)) != len(channel_ids):
        raise InvalidInput.at("a channel appears twice in one commit", field="channel_id")
    if len({c.dry_run for c in commits}) > 1:
        raise InvalidInput.at("a commit of several channels is a dry run for all or for none", field="dry_run")
    order = sorted(range(len(commits)), key=channel_ids.__getitem__)
    return order, [
        Commit(
            c.channel_id,
            c.events,
            ImportMode(c.mode),
            c.window,
            c.channel,
            c.expected_revision,
            c.dry_run,
            c.idempotency_key,
            c.fingerprint,
        )
        for c in (commits[i] for i in order)
    ]


def in_request_order(order: Sequence[int], results: Sequence[CommitResult]) -> list[CommitResult]:
    """Results of ``batch``'s commits, back in the order of the request."""
    placed: list[CommitResult] = list(results)
    for i, result in zip(order, results, strict=True):
        placed[i] = result
    return placed


def live(row: ChannelRow | None) -> ChannelRow | None:
    """The row if it is a channel, ``None`` if absent or a tombstone."""
    return None if row is None or row.deleted else row


def existing(row: ChannelRow | None, channel_id: str) -> ChannelRow:
    """The row, tombstones included (change logs outlive a deletion); ``NotFound`` if none."""
    if row is None:
        raise NotFound(f"channel {channel_id!r} not found")
    return row


def require_live(row: ChannelRow | None, channel_id: str) -> ChannelRow:
    """The live channel's row; ``NotFound`` if absent or deleted."""
    found = live(row)
    if found is None:
        raise NotFound(f"channel {channel_id!r} not found")
    return found


def mismatch(expected: int, actual: int) -> RevisionMismatch:
    return RevisionMismatch(
        f"expected revision {expected}, the channel is at revision {actual}", expected=expected, actual=actual
    )


def check_expected(expected_revision: int | None, actual: int) -> None:
    if expected_revision is not None and expected_revision != actual:
        raise mismatch(expected_revision, actual)


def check_page_revision(token_revision: int, revision: int) -> None:
    """A later page must come from the revision its token was issued at (port rule 5)."""
    if token_revision != revision:
        raise RevisionMismatch(
            f"the schedule changed from revision {token_revision} to {revision} while paging;"
            " start again from the first page",
            expected=token_revision,
            actual=revision,
        )


def window_bounds(window: Window, max_duration_us: int) -> tuple[int, int, int]:
    """``(lowest start, start below, end above)`` of the events overlapping ``window``.

    ``start_us`` carries the range scan on the (channel, start) key; the lower
    bound ``window.start - max_duration`` is what keeps that scan short,
    ``end_us > window.start`` is the exact test.
    """
    return window.start_us - max_duration_us, window.end_us, window.start_us


def continuation_spans(
    window: Window, lookback_us: int, reach_us: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """What ``read_continuation`` reads: ``(ends after, ends at or before)``
    of the events before ``window`` and ``(starts at or after, starts
    before)`` of those after it; ``None`` for a side it does not read."""
    before = (max(window.start_us - lookback_us, MIN_INSTANT_US), window.start_us) if lookback_us > 0 else None
    after = (window.end_us, min(window.end_us + reach_us, MAX_INSTANT_US)) if reach_us > 0 else None
    return before, after


#: Bounds of "at or before any instant" and "after any instant" for the
#: playout-state queries: past either end of the instants a store accepts.
EVER_AFTER_US = 1 << 62
EVER_BEFORE_US = -(1 << 62)

# -- idempotency -------------------------------------------------------------


def key_cutoff_us(now_us: int, ttl_us: int) -> int:
    """Keys recorded before this instant are forgotten."""
    return now_us - ttl_us


def replay(request: Commit, seen_fingerprint: str, seen_result: str) -> CommitResult:
    """The first result of a commit whose key was seen (rule 2); a key reused
    for another request is refused."""
    if seen_fingerprint != request.fingerprint:
        raise FailedPrecondition("idempotency key reused with a different request")
    document = json.loads(seen_result)
    added, updated, removed, unchanged = document["counts"]
    return CommitResult(Channel(*document["channel"]), added, updated, removed, unchanged, False, True, None)


def result_json(result: CommitResult) -> str:
    """What an idempotency key remembers of its commit, for :func:`replay`."""
    c = result.channel
    return json.dumps(
        {
            "channel": [c.id, c.display_name, c.time_zone, c.revision, c.event_count, c.update_time_us],
            "counts": [result.added, result.updated, result.removed, result.unchanged],
        }
    )


# -- the commit ---------------------------------------------------------------


def start_commit(request: Commit, row: ChannelRow | None) -> ChannelRow | None:
    """The live channel the commit applies to, once ``expected_revision`` holds
    (absent is revision 0); call after the replay lookup (rule 2)."""
    current = live(row)
    check_expected(request.expected_revision, current.revision if current is not None else 0)
    return current


def merge_conflicts(pairs: Sequence[tuple[str, str]]) -> FailedPrecondition | None:
    """The error for (incoming id, stored id) pairs that overlap, given at most
    ``CONFLICTS_SHOWN + 1`` of them; ``None`` when there are none."""
    if not pairs:
        return None
    shown = ", ".join(f"{new!r} overlaps {old!r}" for new, old in sorted(pairs)[:CONFLICTS_SHOWN])
    more = " (and more)" if len(pairs) > CONFLICTS_SHOWN else ""
    return FailedPrecondition(f"merge conflicts with stored events: {shown}{more}")


@dataclass(frozen=True, slots=True)
class CommitPlan:
    """What a commit writes: ``after`` (only if ``touched``), the change record
    in ``result.change`` (``None`` when no event changed or for a dry run)."""

    after: ChannelRow
    touched: bool
    result: CommitResult


def plan_commit(
    request: Commit,
    row: ChannelRow | None,
    now_us: int,
    *,
    added: Sequence[int],
    updated: Sequence[int],
    unchanged: int,
    removed_ids: Sequence[str],
) -> CommitPlan:
    """The channel after a commit and its result, from what the adapter found.

    ``added`` and ``updated`` are positions in ``request.events``, in their
    order; ``removed_ids`` the stored events that leave, by (start, id).
    """
    current = live(row)
    events = request.events
    changed = bool(added or updated or removed_ids)
    event_count = (current.event_count if current is not None else 0) + len(added) - len(removed_ids)
    if event_count == 0:
        max_duration = 0
    elif request.mode is ImportMode.REPLACE_ALL:
        max_duration = max((e.duration_us for e in events), default=0)  # exact again (rule 4)
    else:
        max_duration = max(
            [
                current.max_duration_us if current is not None else 0,
                *(events[seq].duration_us for seq in added),
                *(events[seq].duration_us for seq in updated),
            ]
        )

    info = request.channel or ChannelInfo(request.channel_id)
    # A tombstone's revision counts on (port rule 2); its name does not.
    revision = row.revision if row is not None else 0
    name = info.display_name or (current.display_name if current is not None else request.channel_id)
    zone = info.time_zone or (current.time_zone if current is not None else "UTC")
    details = info.details if info.details is not None else (current.details if current is not None else None)
    # A rename rides along without a revision (rule 3), but it is a write.
    touched = (
        changed
        or current is None
        or (name, zone, details) != (current.display_name, current.time_zone, current.details)
    )
    after = ChannelRow(
        id=request.channel_id,
        display_name=name,
        time_zone=zone,
        revision=revision + 1 if changed else revision,
        event_count=event_count,
        update_time_us=now_us if touched or current is None else current.update_time_us,
        max_duration_us=max_duration,
        log_floor=row.log_floor if row is not None else 0,
        deleted=False,
        details=details,
    )
    change = None
    if changed and not request.dry_run:
        change = ChangeRecord(
            request.channel_id,
            after.revision,
            now_us,
            Picked(events, added),
            Picked(events, updated),
            tuple(removed_ids),
        )
    result = CommitResult(
        channel=after.channel(),
        added=len(added),
        updated=len(updated),
        removed=len(removed_ids),
        unchanged=unchanged,
        dry_run=request.dry_run,
        replayed=False,
        change=change,
    )
    return CommitPlan(after, touched, result)


# -- the other writes ------------------------------------------------------------


def saved_channel(row: ChannelRow | None, info: ChannelInfo, now_us: int) -> tuple[ChannelRow, bool]:
    """The row after creating, reviving or renaming a channel in place (no
    revision: rule 3), and whether it must be written."""
    current = live(row)
    if current is None:
        # A revived id keeps its revision counter and log (port rule 2) but
        # not its old name: it is a new channel as far as people can tell.
        revived = ChannelRow(
            info.id,
            info.display_name or info.id,
            info.time_zone or "UTC",
            row.revision if row is not None else 0,
            0,
            now_us,
            0,
            row.log_floor if row is not None else 0,
            False,
            info.details,
        )
        return revived, True
    name, zone = info.display_name or current.display_name, info.time_zone or current.time_zone
    details = info.details if info.details is not None else current.details
    if (name, zone, details) == (current.display_name, current.time_zone, current.details):
        return current, False
    renamed = ChannelRow(
        current.id,
        name,
        zone,
        current.revision,
        current.event_count,
        now_us,
        current.max_duration_us,
        current.log_floor,
        False,
        details,
    )
    return renamed, True


def deletion_revision(row: ChannelRow | None, channel_id: str, expected_revision: int | None) -> int:
    """The revision a deletion spends; ``NotFound`` or ``RevisionMismatch`` if it may not."""
    current = require_live(row, channel_id)
    check_expected(expected_revision, current.revision)
    return current.revision + 1


def log_continues(row: ChannelRow, revision: int) -> bool:
    """Whether the change log holds every record after ``revision``."""
    return row.log_floor <= revision <= row.revision


def prune_floor(row: ChannelRow, keep_last: int) -> int | None:
    """The new log floor (records up to it go) when pruning to ``keep_last``; ``None`` if none go."""
    floor = row.revision - keep_last
    return floor if floor > row.log_floor else None
