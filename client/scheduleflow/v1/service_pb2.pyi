import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from scheduleflow.v1 import schedule_pb2 as _schedule_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConflictPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFLICT_POLICY_UNSPECIFIED: _ClassVar[ConflictPolicy]
    CONFLICT_POLICY_REFUSE: _ClassVar[ConflictPolicy]
    CONFLICT_POLICY_LATER_WINS: _ClassVar[ConflictPolicy]

class ImportAtomicity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_ATOMICITY_UNSPECIFIED: _ClassVar[ImportAtomicity]
    IMPORT_ATOMICITY_ALL_CHANNELS: _ClassVar[ImportAtomicity]
    IMPORT_ATOMICITY_PER_CHANNEL: _ClassVar[ImportAtomicity]

class ImportMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_MODE_UNSPECIFIED: _ClassVar[ImportMode]
    IMPORT_MODE_REPLACE_WINDOW: _ClassVar[ImportMode]
    IMPORT_MODE_REPLACE_ALL: _ClassVar[ImportMode]
    IMPORT_MODE_MERGE: _ClassVar[ImportMode]

class ReconcileOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILE_OUTCOME_UNSPECIFIED: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_AS_PLANNED: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_LATE: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_EARLY: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_SHORT: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_LONG: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_SUBSTITUTED: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_MISSED: _ClassVar[ReconcileOutcome]
    RECONCILE_OUTCOME_UNSCHEDULED: _ClassVar[ReconcileOutcome]
CONFLICT_POLICY_UNSPECIFIED: ConflictPolicy
CONFLICT_POLICY_REFUSE: ConflictPolicy
CONFLICT_POLICY_LATER_WINS: ConflictPolicy
IMPORT_ATOMICITY_UNSPECIFIED: ImportAtomicity
IMPORT_ATOMICITY_ALL_CHANNELS: ImportAtomicity
IMPORT_ATOMICITY_PER_CHANNEL: ImportAtomicity
IMPORT_MODE_UNSPECIFIED: ImportMode
IMPORT_MODE_REPLACE_WINDOW: ImportMode
IMPORT_MODE_REPLACE_ALL: ImportMode
IMPORT_MODE_MERGE: ImportMode
RECONCILE_OUTCOME_UNSPECIFIED: ReconcileOutcome
RECONCILE_OUTCOME_AS_PLANNED: ReconcileOutcome
RECONCILE_OUTCOME_LATE: ReconcileOutcome
RECONCILE_OUTCOME_EARLY: ReconcileOutcome
RECONCILE_OUTCOME_SHORT: ReconcileOutcome
RECONCILE_OUTCOME_LONG: ReconcileOutcome
RECONCILE_OUTCOME_SUBSTITUTED: ReconcileOutcome
RECONCILE_OUTCOME_MISSED: ReconcileOutcome
RECONCILE_OUTCOME_UNSCHEDULED: ReconcileOutcome

class EventList(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Event]
    def __init__(self, events: _Optional[_Iterable[_Union[_schedule_pb2.Event, _Mapping]]] = ...) -> None: ...

class ValidateRequest(_message.Message):
    __slots__ = ("events", "document", "stored", "channel_id", "time_zone", "window", "rules", "return_events", "channel_ids", "conflict_policy")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    RETURN_EVENTS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_IDS_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_POLICY_FIELD_NUMBER: _ClassVar[int]
    events: EventList
    document: _schedule_pb2.Document
    stored: bool
    channel_id: str
    time_zone: str
    window: _schedule_pb2.TimeWindow
    rules: _schedule_pb2.ValidationRules
    return_events: bool
    channel_ids: _containers.RepeatedScalarFieldContainer[str]
    conflict_policy: ConflictPolicy
    def __init__(self, events: _Optional[_Union[EventList, _Mapping]] = ..., document: _Optional[_Union[_schedule_pb2.Document, _Mapping]] = ..., stored: _Optional[bool] = ..., channel_id: _Optional[str] = ..., time_zone: _Optional[str] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., rules: _Optional[_Union[_schedule_pb2.ValidationRules, _Mapping]] = ..., return_events: _Optional[bool] = ..., channel_ids: _Optional[_Iterable[str]] = ..., conflict_policy: _Optional[_Union[ConflictPolicy, str]] = ...) -> None: ...

class ValidateResponse(_message.Message):
    __slots__ = ("valid", "findings", "summary", "events", "channels")
    VALID_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    findings: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Finding]
    summary: _schedule_pb2.ValidationSummary
    events: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Event]
    channels: _containers.RepeatedCompositeFieldContainer[ValidateChannelResult]
    def __init__(self, valid: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[_schedule_pb2.Finding, _Mapping]]] = ..., summary: _Optional[_Union[_schedule_pb2.ValidationSummary, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_schedule_pb2.Event, _Mapping]]] = ..., channels: _Optional[_Iterable[_Union[ValidateChannelResult, _Mapping]]] = ...) -> None: ...

class ValidateChannelResult(_message.Message):
    __slots__ = ("channel_id", "valid", "findings", "summary")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    valid: bool
    findings: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Finding]
    summary: _schedule_pb2.ValidationSummary
    def __init__(self, channel_id: _Optional[str] = ..., valid: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[_schedule_pb2.Finding, _Mapping]]] = ..., summary: _Optional[_Union[_schedule_pb2.ValidationSummary, _Mapping]] = ...) -> None: ...

class ImportRequest(_message.Message):
    __slots__ = ("channel_id", "document", "mode", "dry_run", "expected_revision", "idempotency_key", "rules", "channel_ids", "channel_map", "conflict_policy", "atomicity", "last_stop_time")
    class ChannelMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_MAP_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_POLICY_FIELD_NUMBER: _ClassVar[int]
    ATOMICITY_FIELD_NUMBER: _ClassVar[int]
    LAST_STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    document: _schedule_pb2.Document
    mode: ImportMode
    dry_run: bool
    expected_revision: int
    idempotency_key: str
    rules: _schedule_pb2.ValidationRules
    channel_ids: _containers.RepeatedScalarFieldContainer[str]
    channel_map: _containers.ScalarMap[str, str]
    conflict_policy: ConflictPolicy
    atomicity: ImportAtomicity
    last_stop_time: _timestamp_pb2.Timestamp
    def __init__(self, channel_id: _Optional[str] = ..., document: _Optional[_Union[_schedule_pb2.Document, _Mapping]] = ..., mode: _Optional[_Union[ImportMode, str]] = ..., dry_run: _Optional[bool] = ..., expected_revision: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., rules: _Optional[_Union[_schedule_pb2.ValidationRules, _Mapping]] = ..., channel_ids: _Optional[_Iterable[str]] = ..., channel_map: _Optional[_Mapping[str, str]] = ..., conflict_policy: _Optional[_Union[ConflictPolicy, str]] = ..., atomicity: _Optional[_Union[ImportAtomicity, str]] = ..., last_stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ImportResponse(_message.Message):
    __slots__ = ("channel_id", "revision", "added", "updated", "removed", "unchanged", "findings", "dry_run", "replayed", "dry_run_revision", "channels")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    revision: int
    added: int
    updated: int
    removed: int
    unchanged: int
    findings: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Finding]
    dry_run: bool
    replayed: bool
    dry_run_revision: int
    channels: _containers.RepeatedCompositeFieldContainer[ImportChannelResult]
    def __init__(self, channel_id: _Optional[str] = ..., revision: _Optional[int] = ..., added: _Optional[int] = ..., updated: _Optional[int] = ..., removed: _Optional[int] = ..., unchanged: _Optional[int] = ..., findings: _Optional[_Iterable[_Union[_schedule_pb2.Finding, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., replayed: _Optional[bool] = ..., dry_run_revision: _Optional[int] = ..., channels: _Optional[_Iterable[_Union[ImportChannelResult, _Mapping]]] = ...) -> None: ...

class ImportChannelResult(_message.Message):
    __slots__ = ("channel_id", "document_channel_id", "revision", "added", "updated", "removed", "unchanged", "findings", "dry_run", "replayed", "committed", "error_code", "error_message", "dry_run_revision")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_REVISION_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    document_channel_id: str
    revision: int
    added: int
    updated: int
    removed: int
    unchanged: int
    findings: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Finding]
    dry_run: bool
    replayed: bool
    committed: bool
    error_code: int
    error_message: str
    dry_run_revision: int
    def __init__(self, channel_id: _Optional[str] = ..., document_channel_id: _Optional[str] = ..., revision: _Optional[int] = ..., added: _Optional[int] = ..., updated: _Optional[int] = ..., removed: _Optional[int] = ..., unchanged: _Optional[int] = ..., findings: _Optional[_Iterable[_Union[_schedule_pb2.Finding, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., replayed: _Optional[bool] = ..., committed: _Optional[bool] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ..., dry_run_revision: _Optional[int] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("channel_id", "format", "window", "pretty", "utc_times")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PRETTY_FIELD_NUMBER: _ClassVar[int]
    UTC_TIMES_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    format: _schedule_pb2.DocumentFormat
    window: _schedule_pb2.TimeWindow
    pretty: bool
    utc_times: bool
    def __init__(self, channel_id: _Optional[str] = ..., format: _Optional[_Union[_schedule_pb2.DocumentFormat, str]] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., pretty: _Optional[bool] = ..., utc_times: _Optional[bool] = ...) -> None: ...

class ExportResponse(_message.Message):
    __slots__ = ("format", "content", "revision", "event_count", "content_type")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    format: _schedule_pb2.DocumentFormat
    content: bytes
    revision: int
    event_count: int
    content_type: str
    def __init__(self, format: _Optional[_Union[_schedule_pb2.DocumentFormat, str]] = ..., content: _Optional[bytes] = ..., revision: _Optional[int] = ..., event_count: _Optional[int] = ..., content_type: _Optional[str] = ...) -> None: ...

class ScheduleRequest(_message.Message):
    __slots__ = ("channel_id", "window", "time_zone", "playlist", "rules", "seed", "commit", "expected_revision", "fixed_events", "use_stored_fixed", "lookback", "fresh_state")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    FIXED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    USE_STORED_FIXED_FIELD_NUMBER: _ClassVar[int]
    LOOKBACK_FIELD_NUMBER: _ClassVar[int]
    FRESH_STATE_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    window: _schedule_pb2.TimeWindow
    time_zone: str
    playlist: _schedule_pb2.Playlist
    rules: _schedule_pb2.ScheduleRules
    seed: int
    commit: bool
    expected_revision: int
    fixed_events: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Event]
    use_stored_fixed: bool
    lookback: _duration_pb2.Duration
    fresh_state: bool
    def __init__(self, channel_id: _Optional[str] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., time_zone: _Optional[str] = ..., playlist: _Optional[_Union[_schedule_pb2.Playlist, _Mapping]] = ..., rules: _Optional[_Union[_schedule_pb2.ScheduleRules, _Mapping]] = ..., seed: _Optional[int] = ..., commit: _Optional[bool] = ..., expected_revision: _Optional[int] = ..., fixed_events: _Optional[_Iterable[_Union[_schedule_pb2.Event, _Mapping]]] = ..., use_stored_fixed: _Optional[bool] = ..., lookback: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., fresh_state: _Optional[bool] = ...) -> None: ...

class ScheduleResponse(_message.Message):
    __slots__ = ("events", "report", "committed", "revision", "state", "resumed_from")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FROM_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Event]
    report: _schedule_pb2.ScheduleReport
    committed: bool
    revision: int
    state: _schedule_pb2.PlayoutState
    resumed_from: _schedule_pb2.PlayoutState
    def __init__(self, events: _Optional[_Iterable[_Union[_schedule_pb2.Event, _Mapping]]] = ..., report: _Optional[_Union[_schedule_pb2.ScheduleReport, _Mapping]] = ..., committed: _Optional[bool] = ..., revision: _Optional[int] = ..., state: _Optional[_Union[_schedule_pb2.PlayoutState, _Mapping]] = ..., resumed_from: _Optional[_Union[_schedule_pb2.PlayoutState, _Mapping]] = ...) -> None: ...

class WatchScheduleRequest(_message.Message):
    __slots__ = ("channel_ids", "from_revisions", "window", "heartbeat_interval")
    class FromRevisionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CHANNEL_IDS_FIELD_NUMBER: _ClassVar[int]
    FROM_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    channel_ids: _containers.RepeatedScalarFieldContainer[str]
    from_revisions: _containers.ScalarMap[str, int]
    window: _schedule_pb2.TimeWindow
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, channel_ids: _Optional[_Iterable[str]] = ..., from_revisions: _Optional[_Mapping[str, int]] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WatchScheduleResponse(_message.Message):
    __slots__ = ("snapshot", "change", "heartbeat")
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    snapshot: _schedule_pb2.Snapshot
    change: _schedule_pb2.ChannelChange
    heartbeat: _schedule_pb2.Heartbeat
    def __init__(self, snapshot: _Optional[_Union[_schedule_pb2.Snapshot, _Mapping]] = ..., change: _Optional[_Union[_schedule_pb2.ChannelChange, _Mapping]] = ..., heartbeat: _Optional[_Union[_schedule_pb2.Heartbeat, _Mapping]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PoolStats(_message.Message):
    __slots__ = ("size", "busy", "queued", "queue_capacity", "completed", "failed", "rejected", "worker_restarts", "inline", "dropped", "worker_pids", "worker_retirements", "jobs_stopped_cancelled", "jobs_stopped_deadline", "jobs_stopped_budget")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    WORKER_RESTARTS_FIELD_NUMBER: _ClassVar[int]
    INLINE_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    WORKER_PIDS_FIELD_NUMBER: _ClassVar[int]
    WORKER_RETIREMENTS_FIELD_NUMBER: _ClassVar[int]
    JOBS_STOPPED_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    JOBS_STOPPED_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    JOBS_STOPPED_BUDGET_FIELD_NUMBER: _ClassVar[int]
    size: int
    busy: int
    queued: int
    queue_capacity: int
    completed: int
    failed: int
    rejected: int
    worker_restarts: int
    inline: int
    dropped: int
    worker_pids: _containers.RepeatedScalarFieldContainer[int]
    worker_retirements: int
    jobs_stopped_cancelled: int
    jobs_stopped_deadline: int
    jobs_stopped_budget: int
    def __init__(self, size: _Optional[int] = ..., busy: _Optional[int] = ..., queued: _Optional[int] = ..., queue_capacity: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., rejected: _Optional[int] = ..., worker_restarts: _Optional[int] = ..., inline: _Optional[int] = ..., dropped: _Optional[int] = ..., worker_pids: _Optional[_Iterable[int]] = ..., worker_retirements: _Optional[int] = ..., jobs_stopped_cancelled: _Optional[int] = ..., jobs_stopped_deadline: _Optional[int] = ..., jobs_stopped_budget: _Optional[int] = ...) -> None: ...

class RpcStats(_message.Message):
    __slots__ = ("method", "calls", "errors", "latency_p50", "latency_p90", "latency_p99", "latency_max", "codes")
    class CodesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P90_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MAX_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    method: str
    calls: int
    errors: int
    latency_p50: _duration_pb2.Duration
    latency_p90: _duration_pb2.Duration
    latency_p99: _duration_pb2.Duration
    latency_max: _duration_pb2.Duration
    codes: _containers.ScalarMap[str, int]
    def __init__(self, method: _Optional[str] = ..., calls: _Optional[int] = ..., errors: _Optional[int] = ..., latency_p50: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p90: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p99: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_max: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., codes: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("version", "uptime", "pool", "rpcs", "open_streams", "start_time", "store", "watch_buffered_bytes", "watch_overflows")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    RPCS_FIELD_NUMBER: _ClassVar[int]
    OPEN_STREAMS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    WATCH_BUFFERED_BYTES_FIELD_NUMBER: _ClassVar[int]
    WATCH_OVERFLOWS_FIELD_NUMBER: _ClassVar[int]
    version: str
    uptime: _duration_pb2.Duration
    pool: PoolStats
    rpcs: _containers.RepeatedCompositeFieldContainer[RpcStats]
    open_streams: int
    start_time: _timestamp_pb2.Timestamp
    store: str
    watch_buffered_bytes: int
    watch_overflows: int
    def __init__(self, version: _Optional[str] = ..., uptime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., pool: _Optional[_Union[PoolStats, _Mapping]] = ..., rpcs: _Optional[_Iterable[_Union[RpcStats, _Mapping]]] = ..., open_streams: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., store: _Optional[str] = ..., watch_buffered_bytes: _Optional[int] = ..., watch_overflows: _Optional[int] = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ("channels", "next_page_token")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Channel]
    next_page_token: str
    def __init__(self, channels: _Optional[_Iterable[_Union[_schedule_pb2.Channel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetChannelRequest(_message.Message):
    __slots__ = ("channel_id",)
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class UpsertChannelRequest(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _schedule_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_schedule_pb2.Channel, _Mapping]] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ("channel_id", "expected_revision")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    expected_revision: int
    def __init__(self, channel_id: _Optional[str] = ..., expected_revision: _Optional[int] = ...) -> None: ...

class DeleteChannelResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("channel_id", "window", "page_size", "page_token")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    window: _schedule_pb2.TimeWindow
    page_size: int
    page_token: str
    def __init__(self, channel_id: _Optional[str] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token", "revision")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Event]
    next_page_token: str
    revision: int
    def __init__(self, events: _Optional[_Iterable[_Union[_schedule_pb2.Event, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetPlayoutStateRequest(_message.Message):
    __slots__ = ("channel_id", "at_time")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    AT_TIME_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    at_time: _timestamp_pb2.Timestamp
    def __init__(self, channel_id: _Optional[str] = ..., at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPlayoutStateResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _schedule_pb2.PlayoutState
    def __init__(self, state: _Optional[_Union[_schedule_pb2.PlayoutState, _Mapping]] = ...) -> None: ...

class ResetPlayoutStateRequest(_message.Message):
    __slots__ = ("channel_id", "after_time")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_TIME_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    after_time: _timestamp_pb2.Timestamp
    def __init__(self, channel_id: _Optional[str] = ..., after_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResetPlayoutStateResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class ReconcileThresholds(_message.Message):
    __slots__ = ("on_time_tolerance", "duration_tolerance", "match_window")
    ON_TIME_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    DURATION_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    MATCH_WINDOW_FIELD_NUMBER: _ClassVar[int]
    on_time_tolerance: _duration_pb2.Duration
    duration_tolerance: _duration_pb2.Duration
    match_window: _duration_pb2.Duration
    def __init__(self, on_time_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., duration_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., match_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ReconcileAsRunRequest(_message.Message):
    __slots__ = ("channel_id", "document", "window", "thresholds", "dry_run")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    document: _schedule_pb2.Document
    window: _schedule_pb2.TimeWindow
    thresholds: ReconcileThresholds
    dry_run: bool
    def __init__(self, channel_id: _Optional[str] = ..., document: _Optional[_Union[_schedule_pb2.Document, _Mapping]] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., thresholds: _Optional[_Union[ReconcileThresholds, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class ReconcileFinding(_message.Message):
    __slots__ = ("outcome", "planned_event_id", "asrun_entry_id", "amount", "message", "planned_start_time", "aired_start_time", "planned_asset_id", "aired_asset_id")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASRUN_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    AIRED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    AIRED_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    outcome: ReconcileOutcome
    planned_event_id: str
    asrun_entry_id: str
    amount: _duration_pb2.Duration
    message: str
    planned_start_time: _timestamp_pb2.Timestamp
    aired_start_time: _timestamp_pb2.Timestamp
    planned_asset_id: str
    aired_asset_id: str
    def __init__(self, outcome: _Optional[_Union[ReconcileOutcome, str]] = ..., planned_event_id: _Optional[str] = ..., asrun_entry_id: _Optional[str] = ..., amount: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., aired_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_asset_id: _Optional[str] = ..., aired_asset_id: _Optional[str] = ...) -> None: ...

class ReconcileSummary(_message.Message):
    __slots__ = ("planned", "aired", "on_time", "on_time_percent", "total_deviation", "start_deviation", "duration_deviation", "outcomes")
    class OutcomesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    AIRED_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_PERCENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEVIATION_FIELD_NUMBER: _ClassVar[int]
    START_DEVIATION_FIELD_NUMBER: _ClassVar[int]
    DURATION_DEVIATION_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    planned: int
    aired: int
    on_time: int
    on_time_percent: float
    total_deviation: _duration_pb2.Duration
    start_deviation: _duration_pb2.Duration
    duration_deviation: _duration_pb2.Duration
    outcomes: _containers.ScalarMap[str, int]
    def __init__(self, planned: _Optional[int] = ..., aired: _Optional[int] = ..., on_time: _Optional[int] = ..., on_time_percent: _Optional[float] = ..., total_deviation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., start_deviation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., duration_deviation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., outcomes: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ReconcileAsRunResponse(_message.Message):
    __slots__ = ("channel_id", "asrun_id", "revision", "window", "findings", "summary", "notes")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    ASRUN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    asrun_id: int
    revision: int
    window: _schedule_pb2.TimeWindow
    findings: _containers.RepeatedCompositeFieldContainer[ReconcileFinding]
    summary: ReconcileSummary
    notes: _containers.RepeatedCompositeFieldContainer[_schedule_pb2.Finding]
    def __init__(self, channel_id: _Optional[str] = ..., asrun_id: _Optional[int] = ..., revision: _Optional[int] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[ReconcileFinding, _Mapping]]] = ..., summary: _Optional[_Union[ReconcileSummary, _Mapping]] = ..., notes: _Optional[_Iterable[_Union[_schedule_pb2.Finding, _Mapping]]] = ...) -> None: ...

class ExportAsRunRequest(_message.Message):
    __slots__ = ("channel_id", "window", "format", "pretty")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PRETTY_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    window: _schedule_pb2.TimeWindow
    format: _schedule_pb2.DocumentFormat
    pretty: bool
    def __init__(self, channel_id: _Optional[str] = ..., window: _Optional[_Union[_schedule_pb2.TimeWindow, _Mapping]] = ..., format: _Optional[_Union[_schedule_pb2.DocumentFormat, str]] = ..., pretty: _Optional[bool] = ...) -> None: ...

class ExportAsRunResponse(_message.Message):
    __slots__ = ("format", "content", "entry_count", "content_type")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    format: _schedule_pb2.DocumentFormat
    content: bytes
    entry_count: int
    content_type: str
    def __init__(self, format: _Optional[_Union[_schedule_pb2.DocumentFormat, str]] = ..., content: _Optional[bytes] = ..., entry_count: _Optional[int] = ..., content_type: _Optional[str] = ...) -> None: ...
