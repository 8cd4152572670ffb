"""Python values into request messages: aware instants, spans, windows, enum names, one source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scheduleflow.client import _convert, make_event
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

T0 = datetime(2025, 11, 22, 9, 30, tzinfo=UTC)


def test_aware_datetimes_become_utc_timestamps() -> None:
    paris = datetime(2025, 11, 22, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert _convert.to_timestamp(paris) == _convert.to_timestamp(T0)
    assert _convert.to_timestamp(T0).seconds == int(T0.timestamp())


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        _convert.to_timestamp(datetime(2025, 11, 22, 9, 30))


def test_spans() -> None:
    assert _convert.to_duration(timedelta(minutes=1, milliseconds=500)).ToTimedelta() == timedelta(seconds=60.5)
    with pytest.raises(ValueError, match="negative"):
        _convert.to_duration(timedelta(seconds=-1))


def test_windows() -> None:
    w = _convert.to_window((T0, T0 + timedelta(hours=1)))
    assert w.end_time.seconds - w.start_time.seconds == 3600
    assert _convert.to_window(w) is w
    with pytest.raises(ValueError, match="before it starts"):
        _convert.to_window((T0, T0 - timedelta(seconds=1)))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("replace-window", spb.IMPORT_MODE_REPLACE_WINDOW),
        ("REPLACE_ALL", spb.IMPORT_MODE_REPLACE_ALL),
        ("merge", spb.IMPORT_MODE_MERGE),
        ("IMPORT_MODE_MERGE", spb.IMPORT_MODE_MERGE),
        (spb.IMPORT_MODE_MERGE, spb.IMPORT_MODE_MERGE),
    ],
)
def test_import_modes_by_name(given: str | int, expected: int) -> None:
    assert _convert.import_mode(given) == expected


def test_enum_aliases_and_unknown_names() -> None:
    assert _convert.document_format("auto") == pb.DOCUMENT_FORMAT_UNSPECIFIED
    assert _convert.document_format(None) == pb.DOCUMENT_FORMAT_UNSPECIFIED
    assert _convert.document_format("xmltv") == pb.DOCUMENT_FORMAT_XMLTV
    assert _convert.playback_order("weighted") == pb.PLAYBACK_ORDER_WEIGHTED_RANDOM
    assert _convert.playback_order("shuffle-groups") == pb.PLAYBACK_ORDER_SHUFFLE_GROUPS
    with pytest.raises(ValueError, match=r"unknown document format 'csv'; one of: xml, json, xmltv"):
        _convert.document_format("csv")
    with pytest.raises(ValueError, match="unknown import mode value 99"):
        _convert.import_mode(99)


def test_make_event() -> None:
    e = make_event("e1", T0, timedelta(minutes=30), asset_id="A1", title="News", kind="live", metadata={"k": "v"})
    assert e.WhichOneof("start") == "start_time"
    assert e.start_time.ToDatetime(tzinfo=UTC) == T0
    assert e.duration.seconds == 1800
    assert e.kind == pb.EVENT_KIND_LIVE
    assert dict(e.metadata) == {"k": "v"}
    local = make_event("e2", "2025-11-22T09:30:00", timedelta(minutes=5))
    assert local.WhichOneof("start") == "start_text"


def _validate(**overrides: object) -> spb.ValidateRequest:
    kwargs: dict[str, object] = {
        "events": None,
        "document": None,
        "format": None,
        "stored": False,
        "channel_id": "",
        "time_zone": "",
        "window": None,
        "rules": None,
        "return_events": False,
    }
    kwargs.update(overrides)
    events = kwargs.pop("events")
    return _convert.validate_request(events, **kwargs)  # type: ignore[arg-type]


def test_validate_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="got none"):
        _validate()
    with pytest.raises(ValueError, match="got events, document"):
        _validate(events=[], document=b"{}")


def test_an_empty_event_list_still_names_its_source() -> None:
    assert _validate(events=[]).WhichOneof("source") == "events"
    assert _validate(stored=True, channel_id="c").WhichOneof("source") == "stored"
    doc = _validate(document=b"<schedule/>", format="xml")
    assert doc.document.format == pb.DOCUMENT_FORMAT_XML


def test_rule_keywords_override_a_copy_of_the_rules() -> None:
    base = pb.ValidationRules(max_findings=10)
    merged = _convert.validation_rules(base, gap_threshold=timedelta(seconds=5), ignore_gaps=True)
    assert merged is not None and merged is not base
    assert (merged.max_findings, merged.gap_threshold.seconds, merged.ignore_gaps) == (10, 5, True)
    assert not base.HasField("gap_threshold")
    assert _convert.validation_rules(None) is None
    sched = _convert.schedule_rules(None, item_cooldown=timedelta(hours=3))
    assert sched is not None and sched.item_cooldown.seconds == 3 * 3600


def test_optional_revisions_are_sent_only_when_given() -> None:
    assert not _convert.delete_channel_request("c", expected_revision=None).HasField("expected_revision")
    zero = _convert.delete_channel_request("c", expected_revision=0)
    assert zero.HasField("expected_revision") and zero.expected_revision == 0
    imp = _convert.import_request(
        "c",
        b"{}",
        format="json",
        mode="merge",
        dry_run=True,
        expected_revision=None,
        idempotency_key="k",
        rules=None,
    )
    assert not imp.HasField("expected_revision")
    assert (imp.mode, imp.dry_run, imp.idempotency_key) == (spb.IMPORT_MODE_MERGE, True, "k")


def test_watch_request_takes_one_id_or_many() -> None:
    assert list(
        _convert.watch_request("c1", from_revisions=None, window=None, heartbeat_interval=None).channel_ids
    ) == ["c1"]
    req = _convert.watch_request(
        ["a", "b"], from_revisions={"a": 3}, window=None, heartbeat_interval=timedelta(seconds=5)
    )
    assert list(req.channel_ids) == ["a", "b"]
    assert dict(req.from_revisions) == {"a": 3}
    assert req.heartbeat_interval.seconds == 5


def test_channel_options_put_size_limits_first() -> None:
    options = _convert.grpc_options(80, [("grpc.max_receive_message_length", 1)])
    assert options[0] == ("grpc.max_send_message_length", 80 << 20)
    # Later options win in gRPC: the caller's own come last.
    assert options[-1] == ("grpc.max_receive_message_length", 1)
