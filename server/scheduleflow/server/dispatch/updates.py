"""Apply a BXF update (``core.updates``) to a store: read, plan, commit.

The commit is the store's ordinary window replacement, guarded by the
revision the plan was made from, so a concurrent change cannot slip in
between the read and the write: the caller's ``expected_revision`` when it
gave one (a mismatch is the caller's ABORTED), else the revision read, retried
a few times when another writer got there first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduleflow.server.core.errors import NotFound, RevisionMismatch
from scheduleflow.server.core.model import Event
from scheduleflow.server.core.updates import plan_update
from scheduleflow.server.store.port import CommitResult, ImportMode, Store

if TYPE_CHECKING:
    from scheduleflow.server.dispatch.jobs import PreparedImport

#: Tries when the caller named no revision and other writers keep winning.
_ATTEMPTS = 5


async def commit_update(store: Store, prepared: PreparedImport) -> CommitResult:
    """Commit ``prepared`` (an update) to ``store``; its findings gain the plan's."""
    for attempt in range(_ATTEMPTS):
        stored: list[Event]
        try:
            channel, stored = await store.read_events(prepared.channel_id, None)
            revision = channel.revision
        except NotFound:
            revision, stored = 0, []
        plan = plan_update(stored, prepared.events, prepared.deleted_ids, prepared.window)
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
