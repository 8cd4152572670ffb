"""The commit planner on its own: no database, just the rules both adapters share.

The contract tests (test_store_contract.py) pin the same rules through both
adapters; these pin the planner's corners directly, so a regression names the
rule rather than a query.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from scheduleflow.server.core.errors import FailedPrecondition, NotFound, RevisionMismatch
from scheduleflow.server.core.model import ChannelInfo, Event
from scheduleflow.server.store import _plan
from scheduleflow.server.store._plan import ChannelRow, Commit
from scheduleflow.server.store.port import CommitResult, ImportMode
from tests.unit.store._store_helpers import MINUTE, ev, span

NOW = 1_000


def row(*, revision: int = 3, count: int = 2, max_min: int = 30, deleted: bool = False) -> ChannelRow:
    return ChannelRow("ch", "Channel", "Europe/Paris", revision, count, 10, max_min * MINUTE, 1, deleted)


def commit(events: Sequence[Event] = (), *, mode: ImportMode = ImportMode.MERGE, **kwargs: object) -> Commit:
    fields: dict[str, object] = {
        "window": None,
        "channel": None,
        "expected_revision": None,
        "dry_run": False,
        "idempotency_key": "",
        "fingerprint": "",
    }
    fields.update(kwargs)
    return Commit("ch", events, mode, **fields)  # type: ignore[arg-type]


def test_a_tombstone_counts_on_but_is_absent_for_expected_revision() -> None:
    tombstone = row(revision=7, deleted=True)
    assert _plan.start_commit(commit(expected_revision=0), tombstone) is None
    with pytest.raises(RevisionMismatch):
        _plan.start_commit(commit(expected_revision=7), tombstone)
    plan = _plan.plan_commit(commit([ev("a", 0)]), tombstone, NOW, added=[0], updated=[], unchanged=0, removed_ids=[])
    assert plan.result.channel.revision == 8
    assert plan.result.channel.display_name == "ch"  # a revived id does not keep its old name
    assert plan.after.log_floor == 1


def test_a_rename_alone_is_a_write_without_a_revision() -> None:
    request = commit(channel=ChannelInfo("ch", "New name"))
    plan = _plan.plan_commit(request, row(), NOW, added=[], updated=[], unchanged=2, removed_ids=[])
    assert plan.touched
    assert plan.result.channel.revision == 3
    assert plan.result.change is None
    untouched = _plan.plan_commit(commit(), row(), NOW, added=[], updated=[], unchanged=2, removed_ids=[])
    assert not untouched.touched
    assert untouched.after.update_time_us == 10


def test_max_duration_only_grows_until_it_can_be_exact_again() -> None:
    events = [ev("a", 0, 10), ev("b", 20, 45)]
    merged = _plan.plan_commit(commit(events), row(max_min=30), NOW, added=[0], updated=[], unchanged=1, removed_ids=[])
    assert merged.after.max_duration_us == 30 * MINUTE  # "b" did not move: not counted
    grown = _plan.plan_commit(commit(events), row(max_min=30), NOW, added=[0], updated=[1], unchanged=0, removed_ids=[])
    assert grown.after.max_duration_us == 45 * MINUTE
    exact = _plan.plan_commit(
        commit([ev("a", 0, 10)], mode=ImportMode.REPLACE_ALL),
        row(max_min=90),
        NOW,
        added=[0],
        updated=[],
        unchanged=0,
        removed_ids=["x", "y"],
    )
    assert exact.after.max_duration_us == 10 * MINUTE
    emptied = _plan.plan_commit(
        commit([], mode=ImportMode.REPLACE_ALL), row(), NOW, added=[], updated=[], unchanged=0, removed_ids=["x", "y"]
    )
    assert (emptied.after.event_count, emptied.after.max_duration_us) == (0, 0)


def test_a_dry_run_has_no_change_record_and_no_key() -> None:
    request = commit([ev("a", 0)], dry_run=True, idempotency_key="k")
    assert request.key == ""
    plan = _plan.plan_commit(request, None, NOW, added=[0], updated=[], unchanged=0, removed_ids=[])
    assert plan.result.dry_run and plan.result.change is None
    assert plan.result.channel.revision == 1


def test_a_replay_returns_the_first_result_and_refuses_another_request() -> None:
    first = CommitResult(row().channel(), 1, 2, 3, 4, False, False, None)
    stored = _plan.result_json(first)
    replayed = _plan.replay(commit(fingerprint="f"), "f", stored)
    assert replayed.replayed and (replayed.added, replayed.updated, replayed.removed, replayed.unchanged) == (
        1,
        2,
        3,
        4,
    )
    assert replayed.channel == first.channel
    with pytest.raises(FailedPrecondition, match="reused"):
        _plan.replay(commit(fingerprint="g"), "f", stored)


def test_only_replace_window_removes_inside_a_window() -> None:
    window = span(0, 60)
    assert commit(mode=ImportMode.REPLACE_WINDOW, window=window).removal_window == window
    assert commit(mode=ImportMode.REPLACE_ALL, window=window).removal_window is None


def test_merge_conflicts_are_named_in_order_and_capped() -> None:
    assert _plan.merge_conflicts([]) is None
    pairs = [(f"n{i}", f"o{i}") for i in range(6, 0, -1)]
    error = _plan.merge_conflicts(pairs)
    assert error is not None
    assert str(error).startswith("merge conflicts with stored events: 'n1' overlaps 'o1', 'n2'")
    assert "'n6'" not in str(error) and str(error).endswith("(and more)")


def test_saved_channel_creates_revives_renames_or_leaves_alone() -> None:
    created, write = _plan.saved_channel(None, ChannelInfo("ch"), NOW)
    assert write and (created.display_name, created.time_zone, created.revision) == ("ch", "UTC", 0)
    revived, write = _plan.saved_channel(row(revision=5, deleted=True), ChannelInfo("ch"), NOW)
    assert write and revived.revision == 5 and revived.event_count == 0 and not revived.deleted
    same, write = _plan.saved_channel(row(), ChannelInfo("ch", "Channel"), NOW)
    assert not write and same == row()
    renamed, write = _plan.saved_channel(row(), ChannelInfo("ch", time_zone="UTC"), NOW)
    assert write and renamed.time_zone == "UTC" and renamed.update_time_us == NOW


def test_deletion_and_log_rules() -> None:
    with pytest.raises(NotFound):
        _plan.deletion_revision(row(deleted=True), "ch", None)
    with pytest.raises(RevisionMismatch):
        _plan.deletion_revision(row(), "ch", 2)
    assert _plan.deletion_revision(row(), "ch", 3) == 4
    assert _plan.log_continues(row(), 1) and _plan.log_continues(row(), 3)
    assert not _plan.log_continues(row(), 0) and not _plan.log_continues(row(), 4)
    assert _plan.prune_floor(row(), keep_last=2) is None  # floor 1 already
    assert _plan.prune_floor(row(), keep_last=0) == 3
    with pytest.raises(NotFound):
        _plan.existing(None, "ch")
