"""Which adapter a store setting names, opened for the server or for a pool worker."""

from __future__ import annotations

from scheduleflow.server.store.port import Store
from scheduleflow.server.store.postgres import PostgresStore
from scheduleflow.server.store.sqlite import SqliteStore

#: A worker writes while the server's own writer may hold the SQLite lock for
#: a big commit of its own (seconds); it waits that long rather than failing.
WORKER_BUSY_TIMEOUT_S = 60.0
#: A worker's page cache, KiB. Its memory adds to the document's while a big
#: import commits; in key order, 250,000 events commit as fast with 16 MiB as
#: with the server's 64 (measured: 3.8 s and 3.4 s, 40 MiB less at the peak).
WORKER_CACHE_KIB = 16 * 1024


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
        return SqliteStore(spec, readers=1, busy_timeout_s=WORKER_BUSY_TIMEOUT_S, writer_cache_kib=WORKER_CACHE_KIB)
    return SqliteStore(spec)
