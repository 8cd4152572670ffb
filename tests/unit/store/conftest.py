"""Fixtures of the store contract suite.

Every test that takes ``store`` runs once per adapter in ``STORE_FACTORIES``.
A new adapter (PostgreSQL) joins the suite by adding one factory here; a
factory fails when its database is not reachable.
"""

from __future__ import annotations

import functools
import itertools
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scheduleflow.server.store import SqliteStore, Store

#: Builds a fresh, unopened store whose data lives under the given directory.
StoreFactory = Callable[[Path], Store]


def _sqlite(tmp_path: Path) -> Store:
    return SqliteStore(str(tmp_path / "store.db"))


#: The PostgreSQL the suite also runs on.
POSTGRES_URL = os.environ.get("SCHEDULEFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_SCHEMA_PREFIX = f"sf_test_{secrets.token_hex(4)}_"
_schema_numbers = itertools.count()


@functools.cache
def _postgres_listens() -> bool:
    address = urlsplit(POSTGRES_URL)
    try:
        socket.create_connection((address.hostname or "localhost", address.port or 5432), timeout=1).close()
    except OSError:
        return False
    return True


def _postgres(tmp_path: Path) -> Store:
    """A store in a schema of its own, dropped when the store closes: tests and
    concurrent runs on one database never see each other's data."""
    import asyncpg

    # A contract that silently skips half its adapters proves nothing: PostgreSQL
    # must be there (scripts/test starts it when it is installed but down).
    assert _postgres_listens(), f"no PostgreSQL at {POSTGRES_URL}: start it or set SCHEDULEFLOW_TEST_POSTGRES_URL"
    from scheduleflow.server.store.postgres import PostgresStore

    class ThrowawayPostgresStore(PostgresStore):
        async def close(self) -> None:
            await super().close()
            conn = await asyncpg.connect(POSTGRES_URL)
            try:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            finally:
                await conn.close()

    schema = f"{_SCHEMA_PREFIX}{next(_schema_numbers)}"
    return ThrowawayPostgresStore(POSTGRES_URL, schema=schema, notify_channel=schema, max_size=4)


STORE_FACTORIES = [
    pytest.param(_sqlite, id="sqlite"),
    pytest.param(_postgres, id="postgresql"),
]


@pytest.fixture(params=STORE_FACTORIES)
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    factory: StoreFactory = request.param
    return factory


@pytest.fixture
async def store(store_factory: StoreFactory, tmp_path: Path) -> AsyncIterator[Store]:
    """An open, empty store, closed after the test."""
    opened = store_factory(tmp_path)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
