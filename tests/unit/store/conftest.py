"""Fixtures of the store contract suite.

Every test that takes ``store`` runs once per adapter in ``STORE_FACTORIES``.
A new adapter joins the suite by adding one factory here. PostgreSQL runs in
the session's throwaway cluster (``postgres_url`` in tests/conftest.py).
"""

from __future__ import annotations

import functools
import itertools
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from scheduleflow.server.store import SqliteStore, Store

#: Builds a fresh, unopened store whose data lives under the given directory.
StoreFactory = Callable[[Path], Store]


def _sqlite(tmp_path: Path) -> Store:
    return SqliteStore(str(tmp_path / "store.db"))


_SCHEMA_PREFIX = f"sf_test_{secrets.token_hex(4)}_"
_schema_numbers = itertools.count()


def _postgres(tmp_path: Path, url: str) -> Store:
    """A store in a schema of its own, dropped when the store closes: tests on
    the session's throwaway cluster never see each other's data."""
    import asyncpg

    from scheduleflow.server.store.postgres import PostgresStore

    class ThrowawayPostgresStore(PostgresStore):
        async def close(self) -> None:
            await super().close()
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            finally:
                await conn.close()

    schema = f"{_SCHEMA_PREFIX}{next(_schema_numbers)}"
    return ThrowawayPostgresStore(url, schema=schema, notify_channel=schema, max_size=4)


STORE_FACTORIES = [
    pytest.param(_sqlite, id="sqlite"),
    pytest.param(_postgres, id="postgresql"),
]


@pytest.fixture(params=STORE_FACTORIES)
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    if request.param is _postgres:
        # Asked for here, not as an argument: a run of the SQLite half alone
        # starts no PostgreSQL. A contract that silently skips half its adapters
        # proves nothing, so a missing PostgreSQL fails under CI=true (tests.tools.need).
        url: str = request.getfixturevalue("postgres_url")
        return functools.partial(_postgres, url=url)
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
