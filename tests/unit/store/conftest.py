"""Fixtures of the store contract suite.

Every test that takes ``store`` runs once per adapter in ``STORE_FACTORIES``.
A new adapter (PostgreSQL) joins the suite by adding one factory here; a
factory may call ``pytest.skip`` when its database is not reachable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from scheduleflow.server.store import SqliteStore, Store

#: Builds a fresh, unopened store whose data lives under the given directory.
StoreFactory = Callable[[Path], Store]


def _sqlite(tmp_path: Path) -> Store:
    return SqliteStore(str(tmp_path / "store.db"))


STORE_FACTORIES = [
    pytest.param(_sqlite, id="sqlite"),
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
