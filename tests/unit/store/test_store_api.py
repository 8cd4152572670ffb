"""The store package's public names: exported once, and on purpose."""

from __future__ import annotations

import inspect

import scheduleflow.server.store as store_package
from scheduleflow.server.store import SqliteStore, Store


def test_the_public_names_are_pinned() -> None:
    assert store_package.__all__ == [
        "DEFAULT_PAGE_SIZE",
        "MAX_PAGE_SIZE",
        "ChangeRecord",
        "ChannelCommit",
        "CommitResult",
        "ImportMode",
        "PostgresStore",
        "SavedPlayoutState",
        "SqliteStore",
        "Store",
    ]


def test_the_sqlite_adapter_has_every_method_of_the_port_with_its_signature() -> None:
    port_methods = {name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")}

    assert port_methods == {
        "open",
        "close",
        "ping",
        "upsert_channel",
        "get_channel",
        "list_channels",
        "delete_channel",
        "list_events",
        "read_events",
        "commit_events",
        "commit_channels",
        "changes_since",
        "prune_changes",
        "read_playout_state",
        "read_continuation",
        "save_playout_state",
        "reset_playout_state",
        "save_asrun",
        "read_asruns",
    }
    for name in port_methods:
        adapter_method = getattr(SqliteStore, name)
        assert inspect.iscoroutinefunction(adapter_method), name
        assert inspect.signature(adapter_method) == inspect.signature(getattr(Store, name)), name
