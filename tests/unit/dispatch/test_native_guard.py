"""The compiled fast path's guard against proto drift (dispatch/native.py).

_cvalidate.c reads and writes wire bytes by field number; its
PROTO_FINGERPRINT names every field it touches as the descriptors spell it.
If a proto change moves one of them, these tests fail and the server runs
Validate in Python (with an ERROR in its log) rather than misread requests.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from scheduleflow.server.dispatch import native

NOT_BUILT = "the C extension was not built: install gcc and the Python headers, then run scripts/setup again"


def _fingerprint() -> str:
    try:
        from scheduleflow.server.dispatch import _cvalidate
    except ImportError:  # fail, not skip, as test_cvalidate.py does: a missing fast path is a slower server
        pytest.fail(NOT_BUILT)
    return _cvalidate.PROTO_FINGERPRINT


def test_the_c_matches_the_protos_it_reads() -> None:
    fingerprint = _fingerprint()
    drift = native.fingerprint_drift(fingerprint)
    assert not drift, "_cvalidate.c was written for other protos:\n" + "\n".join(
        f"C:      {c}\nprotos: {live}" for c, live in drift
    )
    assert native.validate_clean is not None  # and so it is on


def test_the_fingerprint_names_the_fields_the_c_relies_on() -> None:
    lines = _fingerprint().splitlines()
    # A few that the reader's switch statements use by number, and the enum bound (kind <= 7).
    assert "scheduleflow.v1.ValidateRequest.time_zone = 5 string" in lines
    assert "scheduleflow.v1.Event.duration = 3 message google.protobuf.Duration" in lines
    assert "scheduleflow.v1.EventKind.EVENT_KIND_JINGLE = 7" in lines
    assert "scheduleflow.v1.ValidationSummary.unique_items = 8 repeated message scheduleflow.v1.ItemCount" in lines


@pytest.mark.parametrize(
    ("line", "live"),
    [
        (  # renumbered
            "scheduleflow.v1.ValidateRequest.time_zone = 9 string",
            "scheduleflow.v1.ValidateRequest.time_zone = 5 string",
        ),
        (  # retyped
            "scheduleflow.v1.Event.kind = 6 int32",
            "scheduleflow.v1.Event.kind = 6 enum scheduleflow.v1.EventKind",
        ),
        (  # no longer repeated
            "scheduleflow.v1.EventList.events = 1 message scheduleflow.v1.Event",
            "scheduleflow.v1.EventList.events = 1 repeated message scheduleflow.v1.Event",
        ),
        ("scheduleflow.v1.Event.renamed = 1 string", "scheduleflow.v1.Event.renamed missing"),
        ("scheduleflow.v1.EventKind.EVENT_KIND_JINGLE = 8", "scheduleflow.v1.EventKind.EVENT_KIND_JINGLE = 7"),
        ("scheduleflow.v1.NoSuchMessage.id = 1 string", "scheduleflow.v1.NoSuchMessage.id missing"),
    ],
)
def test_any_drift_is_found_and_named(line: str, live: str) -> None:
    assert native.fingerprint_drift(f"{line}\nscheduleflow.v1.Event.id = 1 string\n") == [(line, live)]


def test_a_drifted_extension_is_turned_off_loudly(caplog: pytest.LogCaptureFixture) -> None:
    def must_not_run(*args: object) -> object:
        raise AssertionError("a drifted extension must not be used")

    drifted = SimpleNamespace(
        PROTO_FINGERPRINT=_fingerprint().replace("time_zone = 5 string", "time_zone = 6 string"),
        set_limits=must_not_run,
        validate_clean=must_not_run,
    )
    with caplog.at_level(logging.ERROR, logger=native.__name__):
        assert native._load(drifted) is None  # type: ignore[arg-type]
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "time_zone = 6 string" in record.getMessage() and "time_zone = 5 string" in record.getMessage()


def test_an_extension_without_a_fingerprint_is_turned_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger=native.__name__):
        assert native._load(SimpleNamespace()) is None  # type: ignore[arg-type]
    assert "PROTO_FINGERPRINT" in caplog.text
