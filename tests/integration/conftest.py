"""Fixtures shared by the integration tests: one real server on a loopback port per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from scheduleflow.client import AsyncClient
from tests.serverproc import ServerProcess, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server every test that does not disturb it shares (SQLite store in a temp dir)."""
    with start_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[AsyncClient]:
    """An asyncio client of the shared server, closed after the test."""
    async with AsyncClient(server.address, timeout=30) as connected:
        yield connected
