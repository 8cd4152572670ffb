"""The compiled Validate fast path, through real servers: a server with it and
one started ``--native off`` give the same answer to every request, and the
clean ones are answered by the fast path (counted in the metrics)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stderr
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduleflow.client import Client, ScheduleFlowError, make_event
from scheduleflow.server import app
from scheduleflow.server.dispatch import native
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("validate_fast_path")

T0 = datetime(2025, 11, 22, 6, tzinfo=UTC)


def back_to_back(n: int, *, assets: int = 7, start: datetime = T0) -> list[pb.Event]:
    return [
        make_event(f"ev-{i:05d}", start + timedelta(minutes=3 * i), timedelta(minutes=3), asset_id=f"a{i % assets}")
        for i in range(n)
    ]


@dataclass(frozen=True)
class Case:
    name: str
    events: list[pb.Event]
    options: dict[str, Any]
    #: Small and clean: the server's event loop answers it with the fast path.
    fast: bool


def cases() -> list[Case]:
    clean = back_to_back(100)
    overlapping = back_to_back(10)
    overlapping[4].start_time.FromDatetime(T0 + timedelta(minutes=10))
    gappy = back_to_back(10)
    del gappy[3]
    duplicated = back_to_back(10)
    duplicated[7].id = duplicated[2].id
    local = [make_event("loc", "2025-03-30T01:30:00", timedelta(minutes=30))]  # in Europe/London's DST gap
    window = (T0 - timedelta(minutes=2), T0 + timedelta(minutes=30))
    return [
        Case("a clean hundred", clean, {}, fast=True),
        Case("clean, with every rule the fast path keeps", clean, {"asset_cooldown": timedelta(minutes=20)}, fast=True),
        Case(
            "clean in a window, edges under the threshold",
            back_to_back(10),
            {"window": window, "gap_threshold": timedelta(minutes=5)},
            fast=True,
        ),
        Case("clean but too big for the event loop (a worker's fast path)", back_to_back(2000), {}, fast=False),
        Case("clean, naming a time zone", back_to_back(10), {"time_zone": "Europe/Paris"}, fast=True),
        Case("clean, naming a zone that does not exist", back_to_back(10), {"time_zone": "Nowhere/Else"}, fast=False),
        Case("a cooldown breach", clean, {"asset_cooldown": timedelta(hours=1)}, fast=False),
        Case("an edge gap worth reporting", back_to_back(10), {"window": window}, fast=False),
        Case("an overlap", overlapping, {}, fast=False),
        Case("a gap", gappy, {}, fast=False),
        Case("a duplicate id", duplicated, {}, fast=False),
        Case("a local time in a DST gap", local, {"time_zone": "Europe/London"}, fast=False),
        Case("returning the events", back_to_back(5), {"return_events": True}, fast=False),
    ]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    tmp = tmp_path_factory.mktemp("fast-path")
    metrics = ("--metrics-listen", "127.0.0.1:0")
    with (
        start_server(tmp / "compiled", *metrics, "--native", "on") as compiled,
        start_server(tmp / "python", *metrics, "--native", "off") as python,
    ):
        yield compiled, python


def answer(server: ServerProcess, case: Case) -> bytes | str:
    """The response's bytes, or the error's code and message."""
    with Client(server.address, timeout=60) as client:
        try:
            response = client.validate(case.events, **case.options)
        except ScheduleFlowError as exc:
            return f"{exc.code.name}: {exc.message}"
    return bytes(response.SerializeToString(deterministic=True))


def test_both_servers_give_the_same_answer_and_the_clean_small_ones_take_the_fast_path(
    servers: tuple[ServerProcess, ServerProcess],
) -> None:
    compiled, python = servers
    every = cases()
    for case in every:
        assert answer(compiled, case) == answer(python, case), case.name
    fast = "scheduleflow_validate_fast_calls_total{}"
    assert compiled.metrics()[fast] == sum(case.fast for case in every)
    assert python.metrics()[fast] == 0


def test_the_server_log_says_which_path_serves(servers: tuple[ServerProcess, ServerProcess]) -> None:
    compiled, python = servers
    assert "Validate fast path compiled" in compiled.log()
    assert "Validate fast path off (Python only)" in python.log()


def test_native_on_refuses_to_start_when_the_extension_was_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "validate_clean", None)
    said = io.StringIO()
    with redirect_stderr(said):
        code = app.main(["--native", "on", "--listen", "127.0.0.1:0", "--store", "unused.db"])
    assert code == 2
    assert "not built" in said.getvalue()
    assert "C compiler" in said.getvalue()
    assert native.select("auto") is None
    assert native.select("off") is None
