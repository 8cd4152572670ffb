"""Which adapter a store setting names, opened for the server or for a pool worker."""

from __future__ import annotations

from scheduleflow.server.store.port import Store
from scheduleflow.server.store.postgres import PostgresStore
from scheduleflow.server.store.sqlite import SqliteStore

#: A worker writes while the server's own writer may hold the SQLite lock for
#: a big commit of its own (seconds); it waits that long rather than failing.
WORKER_BUSY_TIMEOUT_S = 60.0


def is_postgres(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://"))


def open_store(spec: str, *, worker: bool = False) -> Store:
    """The store ``spec`` names: an SQLite file, or PostgreSQL by URL (not yet opened).

    ``worker=True`` sizes it for one pool worker, which runs one job at a
    time: one connection each way instead of a server's pool of them.
    """
    if is_postgres(spec):
        return PostgresStore(spec, min_size=1, max_size=1) if worker else PostgresStore(spec)
    if worker:
        return SqliteStore(spec, readers=1, busy_timeout_s=WORKER_BUSY_TIMEOUT_S)
    return SqliteStore(spec)
