"""The store as a pool worker uses it: opened on first use, kept for the worker's life.

Why workers touch the store at all: a 250,000-event import used to come back
from the worker to the server process as pickled Python objects to be
committed there, and an export's events went the other way. The pickles, and
the same events alive in two processes at once, put the peak memory of the
server's processes at 20x the document (``bench/bench_import.py``). Now the
worker that parsed a document commits it, and the worker that renders an
export reads the events; only the small answer crosses the pipe.

The adapters are asyncio code and stay the only code that talks to the
database: a worker drives its store with an event loop of its own. SQLite
serialises the server's writer and the workers' with its file lock (each
commit is one ``BEGIN IMMEDIATE`` transaction); PostgreSQL with its row
locks, and a worker's commit rings ``pg_notify`` like any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from scheduleflow.server.store.factory import open_store
from scheduleflow.server.store.port import Store

_T = TypeVar("_T")

#: One (loop, opened store) per store setting; a worker serves one server, so
#: in practice one entry.
_opened: dict[str, tuple[asyncio.AbstractEventLoop, Store]] = {}


def run_with_store(spec: str, work: Callable[[Store], Coroutine[Any, Any, _T]]) -> _T:
    """Run ``work(store)`` to completion on this worker's store for ``spec``."""
    entry = _opened.get(spec)
    if entry is None:
        loop = asyncio.new_event_loop()
        store = open_store(spec, worker=True)
        try:
            loop.run_until_complete(store.open())
        except BaseException:
            loop.close()
            raise
        entry = _opened[spec] = (loop, store)
    loop, store = entry
    return loop.run_until_complete(work(store))


def close_all() -> None:
    """Close every store this process opened (a worker stopping)."""
    while _opened:
        _, (loop, store) = _opened.popitem()
        try:
            loop.run_until_complete(store.close())
        finally:
            loop.close()
