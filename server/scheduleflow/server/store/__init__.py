"""Storage: the :class:`Store` port and its adapters.

``port`` holds the protocol and its value types; ``sqlite`` the embedded
adapter. A PostgreSQL adapter joins them and passes the same contract tests
(``tests/unit/store``).
"""

from scheduleflow.server.store.port import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ChangeRecord,
    ChannelCommit,
    CommitResult,
    ImportMode,
    SavedPlayoutState,
    Store,
)
from scheduleflow.server.store.postgres import PostgresStore
from scheduleflow.server.store.sqlite import SqliteStore

__all__ = [
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
