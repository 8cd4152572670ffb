"""Apply a BXF update (``core.updates``) to a store: read, plan, commit.

The commit is the store's ordinary window replacement, guarded by the
revision the plan was made from, so a concurrent change cannot slip in
between the read and the write: the caller's ``expected_revision`` when it
gave one (a mismatch is the caller's ABORTED), else the revision read, retried
a few times when another writer got there first.

It reads the window the update names (and its new events' span), not the
whole channel: replaced events are matched by id by the store wherever they
were. Only when a deleted id is not in that window, or the plan reaches past
what was read (an event overlapping its edge), is more read: the whole
channel, or the wider window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduleflow.server.core.errors import NotFound, RevisionMismatch
from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.core.updates import UpdatePlan, plan_update
from scheduleflow.server.store.port import CommitResult, ImportMode, Store

if TYPE_CHECKING:
    from scheduleflow.server.dispatch.jobs import PreparedImport

#: Tries when the caller named no revision and other writers keep winning.
_ATTEMPTS = 5


async def commit_update(store: Store, prepared: PreparedImport) -> CommitResult:
    """Commit ``prepared`` (an update) to ``store``; its findings gain the plan's."""
    for attempt in range(_ATTEMPTS):
        plan, revision = await _plan(store, prepared)
        expected = prepared.expected_revision if prepared.expected_revision is not None else revision
        try:
            result = await store.commit_events(
                prepared.channel_id,
                plan.events,
                mode=ImportMode.REPLACE_WINDOW if plan.window is not None else ImportMode.MERGE,
                window=plan.window,
                channel=prepared.channel,
                expected_revision=expected,
                dry_run=prepared.dry_run,
                idempotency_key=prepared.idempotency_key,
                fingerprint=prepared.fingerprint,
            )
        except RevisionMismatch:
            if prepared.expected_revision is not None or attempt == _ATTEMPTS - 1:
                raise
            continue
        prepared.later_findings.extend(plan.findings)
        return result
    raise AssertionError("unreachable")


async def _read(store: Store, channel_id: str, window: Window | None) -> tuple[int, list[Event]]:
    try:
        channel, stored = await store.read_events(channel_id, window)
    except NotFound:
        return 0, []
    return channel.revision, stored


async def _plan(store: Store, prepared: PreparedImport) -> tuple[UpdatePlan, int]:
    """The plan from a read that covers it, and the revision read."""
    spans = [(e.start_us, e.end_us) for e in prepared.events]
    if prepared.window is not None:
        spans.append((prepared.window.start_us, prepared.window.end_us))
    read: Window | None = Window(min(s for s, _ in spans), max(e for _, e in spans)) if spans else None
    while True:
        revision, stored = await _read(store, prepared.channel_id, read)
        if read is not None and not set(prepared.deleted_ids) <= {e.id for e in stored}:
            read = None  # a deleted id lies elsewhere (or nowhere): read it all
            continue
        plan = plan_update(stored, prepared.events, prepared.deleted_ids, prepared.window)
        window = plan.window
        if read is None or window is None or (window.start_us >= read.start_us and window.end_us <= read.end_us):
            return plan, revision
        read = Window(min(read.start_us, window.start_us), max(read.end_us, window.end_us))
