"""tests/pgcluster.py: PostgreSQL tests run on a cluster of their own, never the machine's."""

from __future__ import annotations

import asyncpg
import pytest

from tests.pgcluster import Cluster, throwaway_cluster


async def _settings(url: str) -> tuple[str, str, str]:
    conn = await asyncpg.connect(url)
    try:
        port = await conn.fetchval("SHOW port")
        data = await conn.fetchval("SHOW data_directory")
        listen = await conn.fetchval("SHOW listen_addresses")
    finally:
        await conn.close()
    return str(port), str(data), str(listen)


async def test_the_session_cluster_is_ours_on_a_loopback_port_of_its_own(postgres_cluster: Cluster) -> None:
    port, data, listen = await _settings(postgres_cluster.url())

    assert int(port) == postgres_cluster.port != 5432  # the machine's cluster listens on 5432
    assert data == str(postgres_cluster.data_dir)
    assert listen == "127.0.0.1"
    assert postgres_cluster.url().startswith(f"postgresql://postgres@127.0.0.1:{postgres_cluster.port}/")


@pytest.mark.slow  # a cluster of its own: initdb and a start, a few seconds
async def test_a_throwaway_cluster_stops_and_leaves_no_folder_behind() -> None:
    with throwaway_cluster() as cluster:
        port, _, _ = await _settings(cluster.url())
        folder = cluster.data_dir.parent
        assert folder.is_dir()

    assert int(port) == cluster.port
    assert not folder.exists()
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(cluster.url(), timeout=5)
