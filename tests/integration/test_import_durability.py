"""kill -9 of the server during imports: every acknowledged import is there
after a restart, and an import that was not acknowledged left no trace."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from scheduleflow.client import Client, ScheduleFlowError
from tests.serverproc import launch


def document(n: int, tag: str) -> bytes:
    import datetime as dt

    base = dt.datetime(2025, 11, 22, tzinfo=dt.UTC)
    events = [
        {
            "id": f"{tag}-{i}",
            "start": (base + dt.timedelta(minutes=3 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": "PT3M",
            "title": tag,
        }
        for i in range(n)
    ]
    return json.dumps({"scheduleflow": 1, "events": events}).encode()


@pytest.mark.slow  # a drill: a kill -9 amid imports of 60,000 events
def test_kill_9_during_imports_loses_no_acknowledged_import_and_leaves_no_partial_one(tmp_path: Path) -> None:
    store = tmp_path / "durable.db"
    server = launch(tmp_path, "--store", str(store))
    acknowledged: dict[str, int] = {}
    failed: list[str] = []
    big = {f"big{k}.example": document(60_000, f"big{k}") for k in range(3)}

    def import_all() -> None:
        with Client(server.address, timeout=60) as client:
            for channel, content in big.items():
                try:
                    reply = client.import_document(channel, content, mode="replace-all")
                    acknowledged[channel] = reply.revision
                except ScheduleFlowError:
                    failed.append(channel)
                    return

    with Client(server.address, timeout=30) as client:
        small = client.import_document("small.example", document(50, "small"), mode="replace-all")
    worker = threading.Thread(target=import_all)
    worker.start()
    # Kill once a big import is acknowledged: the next one is then in flight.
    deadline = time.monotonic() + 120
    while not acknowledged and not failed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert acknowledged, f"no big import was acknowledged ({failed=})"
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    worker.join(60)
    if server.process.stdout is not None:
        server.process.stdout.close()

    restarted = launch(tmp_path, "--store", str(store))
    try:
        with Client(restarted.address, timeout=60) as client:
            assert client.get_channel("small.example").revision == small.revision
            assert client.get_channel("small.example").event_count == 50
            for channel in big:
                events = list(client.iter_events(channel, page_size=10_000)) if _exists(client, channel) else []
                if channel in acknowledged:
                    # Acknowledged: all of it, at the acknowledged revision.
                    assert client.get_channel(channel).revision == acknowledged[channel]
                    assert len(events) == 60_000
                else:
                    # Not acknowledged: all of it or nothing, never a part.
                    assert len(events) in (0, 60_000), f"{channel} has a partial import: {len(events)} events"
    finally:
        restarted.terminate()
    assert failed or len(acknowledged) == len(big), "the kill came after every import: the test proved nothing"


def _exists(client: Client, channel: str) -> bool:
    try:
        client.get_channel(channel)
    except ScheduleFlowError:
        return False
    return True
