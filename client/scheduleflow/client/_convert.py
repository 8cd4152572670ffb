"""From Python values to the protobuf messages the service takes.

Both clients build their requests here, so the sync and the asyncio client
cannot drift apart. Rules:

1. Instants are aware ``datetime``s. A naive one is refused: the API speaks
   UTC instants, and guessing a zone is how schedules air an hour late.
   Local wall-clock times go to the server as text (``Event.start_text``),
   where the channel's zone reads them and reports DST gaps and overlaps.
2. Spans are ``timedelta``s and must not be negative.
3. Enums are given by their short name in any spelling (``"replace-window"``,
   ``"REPLACE_WINDOW"``) or by the generated enum value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

#: Where the server listens unless told otherwise (its own default).
DEFAULT_TARGET = "127.0.0.1:50051"

#: The deadline of a call that gives none, in seconds.
DEFAULT_TIMEOUT = 30.0

#: A time window: ``(start, end)`` aware datetimes, half-open, or the message itself.
Window: TypeAlias = "tuple[datetime, datetime] | pb.TimeWindow"

#: An enum given by name (``"xml"``, ``"replace-all"``) or by value.
EnumName: TypeAlias = "str | int"

# Short names that read better than the enum's own on a command line.
_ALIASES: dict[str, str] = {
    "AUTO": "UNSPECIFIED",
    "WEIGHTED": "WEIGHTED_RANDOM",
    "RANDOM": "WEIGHTED_RANDOM",
    "WAIT": "WAIT_WITH_FILLER",
}


def to_timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A Timestamp for an aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone: give an aware datetime (e.g. tzinfo=UTC)")
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def to_duration(value: timedelta) -> duration_pb2.Duration:
    """A Duration for a non-negative timedelta."""
    if value < timedelta(0):
        raise ValueError(f"a span must not be negative, got {value}")
    d = duration_pb2.Duration()
    d.FromTimedelta(value)
    return d


def to_window(value: Window) -> pb.TimeWindow:
    """A TimeWindow from ``(start, end)``; the message passes through."""
    if isinstance(value, pb.TimeWindow):
        return value
    start, end = value
    if end < start:
        raise ValueError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return pb.TimeWindow(start_time=to_timestamp(start), end_time=to_timestamp(end))


def enum_value(enum: EnumTypeWrapper, value: EnumName, prefix: str) -> int:
    """The value of ``enum`` named ``value``, with or without its ``prefix``."""
    label = prefix.rstrip("_").lower().replace("_", " ")
    known = [n for n in enum.DESCRIPTOR.values_by_name if not n.endswith("_UNSPECIFIED")]
    if isinstance(value, int):
        if value not in enum.DESCRIPTOR.values_by_number:
            raise ValueError(f"unknown {label} value {value}")
        return value
    key = value.strip().upper().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if not key.startswith(prefix):
        key = prefix + key
    if key not in enum.DESCRIPTOR.values_by_name:
        names = ", ".join(n.removeprefix(prefix).lower().replace("_", "-") for n in known)
        raise ValueError(f"unknown {label} {value!r}; one of: {names}")
    return int(enum.Value(key))


def document_format(value: EnumName | None) -> int:
    """A DocumentFormat: ``"json"``, ``"xml"``, ``"xmltv"``; ``None`` or ``"auto"``: detect."""
    if value is None:
        return pb.DOCUMENT_FORMAT_UNSPECIFIED
    return enum_value(pb.DocumentFormat, value, "DOCUMENT_FORMAT_")


def import_mode(value: EnumName) -> int:
    """An ImportMode: ``"replace-window"``, ``"replace-all"`` or ``"merge"``."""
    return enum_value(spb.ImportMode, value, "IMPORT_MODE_")


def conflict_policy(value: EnumName | None) -> int:
    """A ConflictPolicy: ``"refuse"`` or ``"later-wins"``; ``None`` or ``"auto"``: the format's default."""
    if value is None:
        return spb.CONFLICT_POLICY_UNSPECIFIED
    return enum_value(spb.ConflictPolicy, value, "CONFLICT_POLICY_")


def import_atomicity(value: EnumName | None) -> int:
    """An ImportAtomicity: ``"all-channels"`` (default) or ``"per-channel"``."""
    if value is None:
        return spb.IMPORT_ATOMICITY_UNSPECIFIED
    return enum_value(spb.ImportAtomicity, value, "IMPORT_ATOMICITY_")


def playback_order(value: EnumName) -> int:
    """A PlaybackOrder: ``"sequential"``, ``"shuffle"``, ``"weighted"``, ``"shuffle-groups"``."""
    return enum_value(pb.PlaybackOrder, value, "PLAYBACK_ORDER_")


def event_kind(value: EnumName) -> int:
    """An EventKind: ``"program"``, ``"commercial"``, ``"music"``..."""
    return enum_value(pb.EventKind, value, "EVENT_KIND_")


def blocked_policy(value: EnumName) -> int:
    """A BlockedPolicy: ``"relax"`` or ``"wait-with-filler"``."""
    return enum_value(pb.BlockedPolicy, value, "BLOCKED_POLICY_")


def make_event(
    id: str,
    start: datetime | str,
    duration: timedelta,
    *,
    asset_id: str = "",
    title: str = "",
    kind: EnumName = 0,
    fixed_start: bool = False,
    metadata: Mapping[str, str] | None = None,
) -> pb.Event:
    """An Event from Python values.

    ``start`` is an aware datetime, or text the server reads: RFC 3339, XMLTV
    ``"20251122093000 +0100"``, or a local time read in the channel's zone.
    """
    event = pb.Event(
        id=id,
        duration=to_duration(duration),
        asset_id=asset_id,
        title=title,
        kind=event_kind(kind),  # type: ignore[arg-type]  # the .pyi wants the enum type; values are ints
        fixed_start=fixed_start,
        metadata=dict(metadata or {}),
    )
    if isinstance(start, datetime):
        event.start_time.CopyFrom(to_timestamp(start))
    else:
        event.start_text = start
    return event


def validation_rules(
    rules: pb.ValidationRules | None,
    *,
    gap_threshold: timedelta | None = None,
    asset_cooldown: timedelta | None = None,
    artist_separation: timedelta | None = None,
    category_separation: timedelta | None = None,
    max_findings: int | None = None,
    ignore_gaps: bool | None = None,
) -> pb.ValidationRules | None:
    """``rules`` (or empty rules) with the given options set on a copy; None when nothing is set."""
    spans = {
        "gap_threshold": gap_threshold,
        "asset_cooldown": asset_cooldown,
        "artist_separation": artist_separation,
        "category_separation": category_separation,
    }
    if rules is None and all(v is None for v in (*spans.values(), max_findings, ignore_gaps)):
        return None
    out = pb.ValidationRules()
    if rules is not None:
        out.CopyFrom(rules)
    for name, span in spans.items():
        if span is not None:
            getattr(out, name).CopyFrom(to_duration(span))
    if max_findings is not None:
        out.max_findings = max_findings
    if ignore_gaps is not None:
        out.ignore_gaps = ignore_gaps
    return out


def schedule_rules(
    rules: pb.ScheduleRules | None,
    *,
    item_cooldown: timedelta | None = None,
    artist_separation: timedelta | None = None,
    category_separation: timedelta | None = None,
    show_separation: timedelta | None = None,
) -> pb.ScheduleRules | None:
    """``rules`` (or empty rules) with the given spans set on a copy; None when nothing is set."""
    spans = {
        "item_cooldown": item_cooldown,
        "artist_separation": artist_separation,
        "category_separation": category_separation,
        "show_separation": show_separation,
    }
    if rules is None and all(v is None for v in spans.values()):
        return None
    out = pb.ScheduleRules()
    if rules is not None:
        out.CopyFrom(rules)
    for name, span in spans.items():
        if span is not None:
            getattr(out, name).CopyFrom(to_duration(span))
    return out


# -- requests ---------------------------------------------------------------


def validate_request(
    events: Iterable[pb.Event] | None,
    *,
    document: bytes | None,
    format: EnumName | None,
    stored: bool,
    channel_id: str,
    time_zone: str,
    window: Window | None,
    rules: pb.ValidationRules | None,
    return_events: bool,
    channel_ids: Sequence[str] = (),
    conflict: EnumName | None = None,
) -> spb.ValidateRequest:
    """A ValidateRequest for exactly one source: events, a document, or the stored schedule."""
    given = [
        name
        for name, on in (("events", events is not None), ("document", document is not None), ("stored", stored))
        if on
    ]
    if len(given) != 1:
        raise ValueError(f"validate exactly one of events, document or stored=True (got {', '.join(given) or 'none'})")
    req = spb.ValidateRequest(
        channel_id=channel_id,
        time_zone=time_zone,
        return_events=return_events,
        channel_ids=channel_ids,
        conflict_policy=conflict_policy(conflict),  # type: ignore[arg-type]
    )
    if events is not None:
        req.events.events.extend(events)
        # An empty list still names the source; without this the oneof stays unset.
        req.events.SetInParent()
    elif document is not None:
        req.document.format = document_format(format)  # type: ignore[assignment]
        req.document.content = document
    else:
        req.stored = True
    if window is not None:
        req.window.CopyFrom(to_window(window))
    if rules is not None:
        req.rules.CopyFrom(rules)
    return req


def import_request(
    channel_id: str,
    content: bytes,
    *,
    format: EnumName | None,
    mode: EnumName,
    dry_run: bool,
    expected_revision: int | None,
    idempotency_key: str,
    rules: pb.ValidationRules | None,
    channel_ids: Sequence[str] = (),
    channel_map: Mapping[str, str] | None = None,
    conflict: EnumName | None = None,
    atomicity: EnumName | None = None,
    last_stop: datetime | None = None,
) -> spb.ImportRequest:
    """An ImportRequest."""
    req = spb.ImportRequest(
        channel_id=channel_id,
        document=pb.Document(format=document_format(format), content=content),  # type: ignore[arg-type]
        mode=import_mode(mode),  # type: ignore[arg-type]
        dry_run=dry_run,
        idempotency_key=idempotency_key,
        channel_ids=channel_ids,
        channel_map=channel_map or {},
        conflict_policy=conflict_policy(conflict),  # type: ignore[arg-type]
        atomicity=import_atomicity(atomicity),  # type: ignore[arg-type]
    )
    if last_stop is not None:
        req.last_stop_time.CopyFrom(to_timestamp(last_stop))
    if expected_revision is not None:
        req.expected_revision = expected_revision
    if rules is not None:
        req.rules.CopyFrom(rules)
    return req


def export_request(channel_id: str, *, format: EnumName, window: Window | None, pretty: bool) -> spb.ExportRequest:
    """An ExportRequest."""
    req = spb.ExportRequest(channel_id=channel_id, format=document_format(format), pretty=pretty)  # type: ignore[arg-type]
    if window is not None:
        req.window.CopyFrom(to_window(window))
    return req


def reconcile_request(
    channel_id: str,
    content: bytes,
    *,
    format: EnumName | None,
    window: Window | None,
    on_time_tolerance: timedelta | None,
    duration_tolerance: timedelta | None,
    match_window: timedelta | None,
    dry_run: bool,
) -> spb.ReconcileAsRunRequest:
    """A ReconcileAsRunRequest; unset tolerances take the server's defaults."""
    req = spb.ReconcileAsRunRequest(
        channel_id=channel_id,
        document=pb.Document(format=document_format(format), content=content),  # type: ignore[arg-type]
        dry_run=dry_run,
    )
    if window is not None:
        req.window.CopyFrom(to_window(window))
    for name, value in (
        ("on_time_tolerance", on_time_tolerance),
        ("duration_tolerance", duration_tolerance),
        ("match_window", match_window),
    ):
        if value is not None:
            getattr(req.thresholds, name).CopyFrom(to_duration(value))
    return req


def export_asrun_request(
    channel_id: str, *, format: EnumName, window: Window | None, pretty: bool
) -> spb.ExportAsRunRequest:
    """An ExportAsRunRequest."""
    req = spb.ExportAsRunRequest(channel_id=channel_id, format=document_format(format), pretty=pretty)  # type: ignore[arg-type]
    if window is not None:
        req.window.CopyFrom(to_window(window))
    return req


def schedule_request(
    channel_id: str,
    playlist: pb.Playlist,
    *,
    window: Window,
    rules: pb.ScheduleRules | None,
    time_zone: str,
    seed: int,
    commit: bool,
    expected_revision: int | None,
    fixed_events: Iterable[pb.Event],
    use_stored_fixed: bool,
    lookback: timedelta | None = None,
    fresh_state: bool = False,
) -> spb.ScheduleRequest:
    """A ScheduleRequest."""
    req = spb.ScheduleRequest(
        channel_id=channel_id,
        window=to_window(window),
        time_zone=time_zone,
        playlist=playlist,
        seed=seed,
        commit=commit,
        fixed_events=list(fixed_events),
        use_stored_fixed=use_stored_fixed,
        fresh_state=fresh_state,
    )
    if rules is not None:
        req.rules.CopyFrom(rules)
    if expected_revision is not None:
        req.expected_revision = expected_revision
    if lookback is not None:
        req.lookback.CopyFrom(to_duration(lookback))
    return req


def watch_request(
    channel_ids: str | Iterable[str],
    *,
    from_revisions: Mapping[str, int] | None,
    window: Window | None,
    heartbeat_interval: timedelta | None,
) -> spb.WatchScheduleRequest:
    """A WatchScheduleRequest; one channel id may be given as a plain string."""
    ids = [channel_ids] if isinstance(channel_ids, str) else list(channel_ids)
    req = spb.WatchScheduleRequest(channel_ids=ids, from_revisions=dict(from_revisions or {}))
    if window is not None:
        req.window.CopyFrom(to_window(window))
    if heartbeat_interval is not None:
        req.heartbeat_interval.CopyFrom(to_duration(heartbeat_interval))
    return req


def list_events_request(
    channel_id: str, *, window: Window | None, page_size: int, page_token: str
) -> spb.ListEventsRequest:
    """A ListEventsRequest."""
    req = spb.ListEventsRequest(channel_id=channel_id, page_size=page_size, page_token=page_token)
    if window is not None:
        req.window.CopyFrom(to_window(window))
    return req


def delete_channel_request(channel_id: str, *, expected_revision: int | None) -> spb.DeleteChannelRequest:
    """A DeleteChannelRequest."""
    req = spb.DeleteChannelRequest(channel_id=channel_id)
    if expected_revision is not None:
        req.expected_revision = expected_revision
    return req


def upsert_channel_request(channel_id: str, *, display_name: str, time_zone: str) -> spb.UpsertChannelRequest:
    """An UpsertChannelRequest."""
    return spb.UpsertChannelRequest(channel=pb.Channel(id=channel_id, display_name=display_name, time_zone=time_zone))


def grpc_options(max_message_mib: int, options: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Channel options: message size limits first, so the caller's own options win."""
    limit = max_message_mib * 1024 * 1024
    return [
        ("grpc.max_send_message_length", limit),
        ("grpc.max_receive_message_length", limit),
        *options,
    ]
