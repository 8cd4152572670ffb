"""Store outages: classified once, UNAVAILABLE wherever they surface, two log lines each."""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
import grpc
import pytest

from scheduleflow.server.core.errors import Unavailable
from scheduleflow.server.dispatch import jobs
from scheduleflow.server.rpc.status import to_status
from scheduleflow.server.store.outages import OutageLog, unavailable


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        # The server's goodbye read before its close (issue 12's INTERNAL).
        asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("disk I/O error"),
    ],
    ids=type,
)
def test_an_outage_is_unavailable_wherever_it_surfaces(exc: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(unavailable(exc), Unavailable)
    # Raised raw in the server: the status translator's net.
    status = to_status(exc)
    assert status.code is grpc.StatusCode.UNAVAILABLE
    # Raised raw in a worker's job: the job runner's net.

    def job() -> None:
        raise exc

    monkeypatch.setitem(jobs.JOBS, "outage", job)
    with pytest.raises(Unavailable):
        jobs.run("outage")


@pytest.mark.parametrize(
    "exc",
    [sqlite3.OperationalError("no such table: events"), asyncpg.exceptions.UndefinedTableError("x"), KeyError("k")],
)
def test_a_bug_is_not_an_outage(exc: BaseException) -> None:
    assert unavailable(exc) is None
    assert to_status(exc).code is grpc.StatusCode.INTERNAL


def test_an_outage_is_two_lines_in_the_log_with_counts(caplog: pytest.LogCaptureFixture) -> None:
    outages = OutageLog(logging.getLogger("test.outages"))
    caplog.set_level(logging.DEBUG, "test.outages")
    outages.succeeded()  # nothing to say while all is well
    for _ in range(50):
        outages.failed(ConnectionRefusedError(111, "refused"), "a reconnect")
    outages.succeeded()
    outages.succeeded()
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.levelname for r in loud] == ["WARNING", "INFO"]
    assert "unreachable" in loud[0].getMessage()
    assert "50 operations failed" in loud[1].getMessage()
    assert all(r.exc_info is None for r in loud)  # tracebacks only at DEBUG
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.DEBUG)
    assert outages.outages == 1
