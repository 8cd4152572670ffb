"""CPU work: top-level functions that run in a pool worker or inline.

Each job takes plain data (usually the raw bytes of a request, which the
server never parses itself) and returns plain data (usually the serialized
response). The server decides per call whether a job runs on the event loop
(small requests: the hop to a worker costs more than the work) or in the pool.
The jobs that take a store setting (``import_document``, ``export_stored``,
``validate_from_store``) open the store in the worker (``worker_store``), so
big event sets never cross the pipe.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.protobuf.message import DecodeError
from google.rpc import code_pb2

from scheduleflow.server.core.conflicts import ConflictPolicy, resolve_later_wins
from scheduleflow.server.core.errors import (
    FailedPrecondition,
    InvalidInput,
    NotFound,
    RevisionMismatch,
    ScheduleFlowError,
    Violation,
)
from scheduleflow.server.core.model import (
    Channel,
    ChannelInfo,
    Event,
    Finding,
    Location,
    ScheduleDocument,
    Severity,
    Window,
)
from scheduleflow.server.core.validate import (
    Rules,
    Summary,
    ValidationReport,
    sub_microsecond_finding,
    validate,
    validate_events,
)
from scheduleflow.server.dispatch import native
from scheduleflow.server.messages import convert, wire
from scheduleflow.server.store import outages
from scheduleflow.server.store.port import ChannelCommit, CommitResult, ImportMode, SavedPlayoutState, Store
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

if TYPE_CHECKING:
    from scheduleflow.server.core.generate import GenerateRequest
    from scheduleflow.server.formats import Format


def _parse(message_type: type[Any], raw: bytes) -> Any:
    try:
        return message_type.FromString(raw)
    except DecodeError as exc:
        raise InvalidInput.at(f"the request is not a valid {message_type.DESCRIPTOR.full_name}: {exc}") from exc


def validate_inline(raw: bytes, default_max_findings: int, channel_zone: str = "", fast: bool = False) -> bytes:
    """Validate a request whose events (or JSON document) it carries itself.

    With ``fast``, a clean schedule is answered by the compiled fast path
    (``native``) when it was built; the rest, and every finding, by Python.
    """
    if fast and native.validate_clean is not None:
        answer = native.validate_clean(raw)
        if answer is not None:
            return answer
    return validate_general(raw, default_max_findings, channel_zone)


def validate_general(raw: bytes, default_max_findings: int, channel_zone: str = "") -> bytes:
    """Validate in Python: any request, any finding (the reference for the fast path)."""
    req: spb.ValidateRequest = _parse(spb.ValidateRequest, raw)
    tz = convert.check_zone(req.time_zone, "time_zone") or convert.check_zone(channel_zone, "channel_id")
    window = convert.window_from_pb(req.window, "window") if req.HasField("window") else None
    rules = convert.rules_from_pb(req.rules, default_max_findings)
    source = req.WhichOneof("source")
    if source == "events":
        placed = convert.placed_events_from_pb(req.events.events)
        if placed is not None:
            report = validate_events(placed, window=window, rules=rules, field_prefix="events.events")
        else:
            inputs = convert.input_events_from_pb(req.events.events, "events.events")
            report = validate(inputs, tz=tz, window=window, rules=rules, field_prefix="events.events")
    elif source == "document":
        return _validate_document(req, tz.key if tz is not None else "UTC", window, rules)
    else:
        raise InvalidInput.at("say what to validate: events, document or stored", field="source")
    return convert.validate_response(
        report.findings, report.summary, report.events if req.return_events else None
    ).SerializeToString()


def _validate_document(req: spb.ValidateRequest, zone_name: str, window: Window | None, rules: Rules) -> bytes:
    """Validate every selected channel of a document, read once: one result
    per channel, and the response's own fields summing them up."""
    from scheduleflow.server.formats import Format, detect_format, parse_guide

    content = req.document.content
    fmt = convert.format_from_pb(req.document.format) or detect_format(content)
    select = list(req.channel_ids) or ([req.channel_id] if req.channel_id else [])
    policy = _conflict_policy(req.conflict_policy, fmt)
    guide = parse_guide(content, fmt, default_zone=zone_name, select=select if fmt is Format.XMLTV else ())
    del content
    reports = [(entry.document_id, _check_channel(entry.document, policy, rules, window)) for entry in guide.channels]
    # The guide's own findings (extensions...) count in the response's summary.
    if len(reports) == 1:
        report = reports[0][1]
        response = convert.validate_response(
            guide.findings + report.findings,
            _counting(report.summary, guide.findings),
            report.events if req.return_events else None,
        )
    else:
        findings = guide.findings + tuple(f for _, r in reports for f in r.findings)
        summary = _counting(_summed([r.summary for _, r in reports]), guide.findings)
        response = convert.validate_response(findings, summary, None)
        if req.return_events:
            response.events.extend(convert.events_to_pb(e for _, r in reports for e in r.events))
    for document_id, report in reports:
        response.channels.add(
            channel_id=document_id,
            valid=report.summary.error_count == 0,
            findings=[convert.finding_to_pb(f) for f in report.findings],
            summary=convert.summary_to_pb(report.summary),
        )
    return response.SerializeToString()


def _summed(summaries: Sequence[Summary]) -> Summary:
    """The channels' summaries as one: counts added, spans joined (assets are per channel)."""
    spans = [s.span for s in summaries if s.span is not None]
    return Summary(
        event_count=sum(s.event_count for s in summaries),
        error_count=sum(s.error_count for s in summaries),
        warning_count=sum(s.warning_count for s in summaries),
        info_count=sum(s.info_count for s in summaries),
        span=Window(min(w.start_us for w in spans), max(w.end_us for w in spans)) if spans else None,
        gap_total_us=sum(s.gap_total_us for s in summaries),
        overlap_total_us=sum(s.overlap_total_us for s in summaries),
        unique_items=(),
        findings_truncated=any(s.findings_truncated for s in summaries),
    )


def _counting(summary: Summary, findings: Sequence[Finding]) -> Summary:
    """``summary`` with ``findings`` (the guide's own, of no channel) counted in."""
    severities = [f.severity for f in findings]
    return dataclasses.replace(
        summary,
        error_count=summary.error_count + severities.count(Severity.ERROR),
        warning_count=summary.warning_count + severities.count(Severity.WARNING),
        info_count=summary.info_count + severities.count(Severity.INFO),
    )


def _conflict_policy(value: int, fmt: Format) -> ConflictPolicy:
    """A request's conflict policy; unspecified: LATER_WINS for XMLTV (whose
    published guides overlap routinely), REFUSE for the other formats."""
    from scheduleflow.server.formats import Format

    if value == spb.CONFLICT_POLICY_UNSPECIFIED:
        return ConflictPolicy.LATER_WINS if fmt is Format.XMLTV else ConflictPolicy.REFUSE
    try:
        return _CONFLICT_POLICIES[value]
    except KeyError:
        raise InvalidInput.at(f"unknown conflict policy {value}", field="conflict_policy") from None


def _check_channel(
    doc: ScheduleDocument, policy: ConflictPolicy, rules: Rules, window: Window | None = None
) -> ValidationReport:
    """One channel's events, conflicts resolved by ``policy``, validated."""
    events: Sequence[Event] = doc.events
    locations: Sequence[Location] = doc.locations
    findings = doc.findings
    if policy is ConflictPolicy.LATER_WINS:
        events, locations, resolved = resolve_later_wins(events, locations)
        findings += tuple(resolved)
    return validate_events(events, locations=locations, window=window, rules=rules, prior_findings=findings)


def validate_stored(events: list[Event], window: Window | None, rules: Rules, return_events: bool) -> bytes:
    """Validate events read from the store (already in UTC)."""
    report = validate_events(events, window=window, rules=rules)
    return convert.validate_response(
        report.findings, report.summary, report.events if return_events else None
    ).SerializeToString()


@dataclass(frozen=True, slots=True)
class PreparedImport:
    """A parsed, validated import of one channel, ready for the store to commit."""

    channel_id: str
    channel: ChannelInfo
    events: Sequence[Event]
    #: The document's span (None when it has no events: nothing to replace).
    window: Window | None
    mode: ImportMode
    dry_run: bool
    expected_revision: int | None
    idempotency_key: str
    fingerprint: str
    findings: tuple[Finding, ...]
    #: A BXF update (``formats.bxf`` rule 7): ``events`` are added or replace
    #: the stored events of the same id, ``deleted_ids`` are removed, and
    #: ``window`` is the span the message says it updates (or None).
    update: bool = False
    deleted_ids: tuple[str, ...] = ()
    #: Findings of the commit itself (an update's deletes of absent ids).
    later_findings: list[Finding] = dataclasses.field(default_factory=list)
    #: The channel's id in the document, when ``channel_map`` renamed it.
    document_channel_id: str = ""
    #: Why this channel is not committed (per-channel imports: the others are).
    error: ScheduleFlowError | None = None

    def commit(self) -> ChannelCommit:
        """What the store commits for this channel."""
        mode = self.mode
        if self.window is None and mode is ImportMode.REPLACE_WINDOW:
            # An empty document spans no time, so it replaces nothing; merging
            # nothing is the same no-op, and still creates the channel if new.
            mode = ImportMode.MERGE
        return ChannelCommit(
            self.channel_id,
            self.events,
            mode=mode,
            window=self.window,
            channel=self.channel,
            expected_revision=self.expected_revision,
            dry_run=self.dry_run,
            idempotency_key=self.idempotency_key,
            fingerprint=self.fingerprint,
        )


@dataclass(frozen=True, slots=True)
class PreparedGuide:
    """A whole document's import: one ``PreparedImport`` per channel."""

    channels: tuple[PreparedImport, ...]
    #: Each channel commits on its own (IMPORT_ATOMICITY_PER_CHANNEL).
    per_channel: bool
    #: Findings about the document itself (accepted extensions...).
    findings: tuple[Finding, ...] = ()


_IMPORT_MODES = {
    spb.IMPORT_MODE_UNSPECIFIED: ImportMode.REPLACE_WINDOW,
    spb.IMPORT_MODE_REPLACE_WINDOW: ImportMode.REPLACE_WINDOW,
    spb.IMPORT_MODE_REPLACE_ALL: ImportMode.REPLACE_ALL,
    spb.IMPORT_MODE_MERGE: ImportMode.MERGE,
}
_CONFLICT_POLICIES: dict[int, ConflictPolicy] = {
    spb.CONFLICT_POLICY_REFUSE: ConflictPolicy.REFUSE,
    spb.CONFLICT_POLICY_LATER_WINS: ConflictPolicy.LATER_WINS,
}


def prepare_import(
    raw: bytes, channel_zone: str, default_max_findings: int, document: list[bytes] | None = None
) -> PreparedGuide:
    """Parse an ImportRequest and its document, validate it, and say what to commit.

    ``document``, when given, holds the document's bytes, cut out of ``raw``
    by the server (``wire.cut_bytes_field``); this function empties it, so
    that the bytes are freed once parsed instead of living through the
    commit. The document is read once, every selected channel at a time. A
    channel with error findings is refused (``InvalidInput`` listing them with
    their places), the whole import with it unless each channel commits on
    its own; warnings travel with the result.
    """
    from scheduleflow.server.formats import Format, detect_format, parse_guide

    req: spb.ImportRequest = _parse(spb.ImportRequest, raw)
    # Each read of a bytes field from a parsed message is a new copy: once.
    content = document.pop() if document else req.document.content
    if not content:
        raise InvalidInput.at("the document is empty: send its bytes in document.content", field="document.content")
    try:
        mode = _IMPORT_MODES[req.mode]
    except KeyError:
        raise InvalidInput.at(f"unknown import mode {req.mode}", field="mode") from None
    rules = convert.rules_from_pb(req.rules, default_max_findings)
    format_value = req.document.format
    fmt = convert.format_from_pb(format_value) or detect_format(content)
    requested_channel = req.channel_id
    select = list(req.channel_ids) or ([requested_channel] if requested_channel else [])
    rename = dict(req.channel_map)
    policy = _conflict_policy(req.conflict_policy, fmt)
    if req.atomicity not in (
        spb.IMPORT_ATOMICITY_UNSPECIFIED,
        spb.IMPORT_ATOMICITY_ALL_CHANNELS,
        spb.IMPORT_ATOMICITY_PER_CHANNEL,
    ):
        raise InvalidInput.at(f"unknown atomicity {req.atomicity}", field="atomicity")
    per_channel = req.atomicity == spb.IMPORT_ATOMICITY_PER_CHANNEL
    end_us = convert.instant_from_pb(req.last_stop_time, "last_stop_time") if req.HasField("last_stop_time") else None
    dry_run = req.dry_run
    expected_revision = req.expected_revision if req.HasField("expected_revision") else None
    idempotency_key = req.idempotency_key
    del req  # its arena may hold a second copy of the document
    digest = hashlib.sha256(content)  # the fingerprint's first part, before the bytes go
    digest.update(b"\0".join([b"", repr(sorted(rename.items())).encode(), str(policy).encode(), repr(end_us).encode()]))
    guide = parse_guide(
        content,
        fmt,
        default_zone=channel_zone or "UTC",
        select=select if fmt is Format.XMLTV else (),
        rename=rename,
        end_us=end_us,
    )
    del content
    parsed, document_findings = list(guide.channels), guide.findings
    del guide  # the channels' parse lists go one by one below
    if not parsed:
        raise InvalidInput.at("name the channel to import into: the document does not", field="channel_id")
    several = len(parsed) > 1
    if expected_revision is not None and several:
        raise InvalidInput.at(
            f"expected_revision names one channel's revision, and this import has {len(parsed)} channels: "
            "import one channel (channel_id) or leave expected_revision out",
            field="expected_revision",
        )
    prepared: list[PreparedImport] = []
    parsed.reverse()
    while parsed:
        # Popped, so that each channel's parse lists go once it is validated.
        entry = parsed.pop()
        document_id, doc = entry.document_id, entry.document
        named = doc.channels[0] if doc.channels else ChannelInfo()
        # XMLTV: the selected (and renamed) id; native: the one asked for.
        channel_id = named.id if fmt is Format.XMLTV else requested_channel or rename.get(named.id, named.id)
        if not channel_id:
            raise InvalidInput.at("name the channel to import into: the document does not", field="channel_id")
        from scheduleflow.server.formats.bxf import BxfSchedule

        update = isinstance(doc, BxfSchedule) and doc.update
        deleted_ids = doc.deleted_ids if isinstance(doc, BxfSchedule) else ()
        update_window = doc.window if isinstance(doc, BxfSchedule) else None
        del entry
        report = _check_channel(doc, policy, rules)
        del doc  # the report holds the events, sorted; the parse's lists can go
        error: ScheduleFlowError | None = None
        if report.summary.error_count:
            error = _refusal(report.findings, report.summary.error_count, channel_id if several else "")
            if not per_channel:
                raise error
        channel_digest = digest.copy()
        channel_digest.update(b"\0".join([b"", channel_id.encode(), str(mode).encode(), str(format_value).encode()]))
        prepared.append(
            PreparedImport(
                channel_id=channel_id,
                channel=ChannelInfo(
                    id=channel_id, display_name=named.display_name, time_zone=named.time_zone, details=named.details
                ),
                events=report.events if error is None else (),
                # The events' span (None without events), or the update's.
                window=update_window if update else report.summary.span,
                mode=mode,
                dry_run=dry_run,
                expected_revision=expected_revision,
                idempotency_key=idempotency_key,
                fingerprint=channel_digest.hexdigest(),
                findings=report.findings,
                document_channel_id=document_id if fmt is Format.XMLTV and document_id != channel_id else "",
                error=error,
                update=update,
                deleted_ids=deleted_ids,
            )
        )
    return PreparedGuide(tuple(prepared), per_channel, document_findings)


def _refusal(findings: Sequence[Finding], error_count: int, channel_id: str) -> InvalidInput:
    """The error that refuses a channel with error findings, listing them."""
    violations = [
        Violation(f.location or Location(field=f"event {', '.join(f.event_ids)}"), f"{f.code.value}: {f.message}")
        for f in findings
        if f.severity is Severity.ERROR
    ]
    first = violations[0].describe() if violations else ""
    which = f"channel {channel_id!r} of " if channel_id else ""
    return InvalidInput(
        f"{which}the document has {error_count} error(s) and was not imported; first: {first}", violations
    )


#: google.rpc.Code of each domain error, for per-channel failures (the RPC's
#: own status goes through ``rpc.status``).
_ERROR_CODES: tuple[tuple[type[ScheduleFlowError], int], ...] = (
    (InvalidInput, code_pb2.INVALID_ARGUMENT),
    (RevisionMismatch, code_pb2.ABORTED),
    (FailedPrecondition, code_pb2.FAILED_PRECONDITION),
    (NotFound, code_pb2.NOT_FOUND),
)


def _error_code(exc: ScheduleFlowError) -> int:
    return next((code for cls, code in _ERROR_CODES if isinstance(exc, cls)), code_pb2.UNKNOWN)


#: A channel's outcome: its commit, or why it was not committed.
Outcome = CommitResult | ScheduleFlowError


async def commit_import(store: Store, prepared: PreparedGuide) -> list[Outcome]:
    """Commit a prepared import to ``store`` (the server's own, or a worker's):
    every channel in one transaction, or each on its own (``per_channel``)."""
    channels = prepared.channels
    if not prepared.per_channel:
        if len(channels) == 1:
            return [await _commit_one(store, channels[0])]
        return list(await store.commit_channels([c.commit() for c in channels]))
    outcomes: list[Outcome] = []
    for channel in channels:
        if channel.error is not None:
            outcomes.append(channel.error)
            continue
        try:
            outcomes.append(await _commit_one(store, channel))
        except (InvalidInput, RevisionMismatch, FailedPrecondition, NotFound) as exc:
            # This channel's own problem; Unavailable and the like stop the import.
            outcomes.append(exc)
    return outcomes


async def _commit_one(store: Store, prepared: PreparedImport) -> CommitResult:
    if prepared.update:
        from scheduleflow.server.dispatch.updates import commit_update

        return await commit_update(store, prepared)
    c = prepared.commit()
    return await store.commit_events(
        c.channel_id,
        c.events,
        mode=c.mode,
        window=c.window,
        channel=c.channel,
        expected_revision=c.expected_revision,
        dry_run=c.dry_run,
        idempotency_key=c.idempotency_key,
        fingerprint=c.fingerprint,
    )


def import_response(prepared: PreparedGuide, outcomes: Sequence[Outcome]) -> bytes:
    """The ImportResponse: one result per channel, and the one-channel fields
    (that channel's, or the totals of several)."""
    results: list[spb.ImportChannelResult] = []
    for channel, outcome in zip(prepared.channels, outcomes, strict=True):
        item = spb.ImportChannelResult(
            channel_id=channel.channel_id,
            document_channel_id=channel.document_channel_id,
            findings=[convert.finding_to_pb(f) for f in (*channel.findings, *channel.later_findings)],
            dry_run=channel.dry_run,
        )
        if isinstance(outcome, ScheduleFlowError):
            item.error_code = _error_code(outcome)
            item.error_message = outcome.message
        else:
            item.revision = outcome.channel.revision
            if outcome.dry_run:
                # A dry run's result is the channel as it would be. The
                # revision moves by one exactly when an event changes (store
                # rule 3), so the revision it leaves in place is one less
                # then; the caller gets both, apart.
                item.dry_run_revision = item.revision
                if outcome.added or outcome.updated or outcome.removed:
                    item.revision -= 1
            item.added, item.updated = outcome.added, outcome.updated
            item.removed, item.unchanged = outcome.removed, outcome.unchanged
            item.replayed = outcome.replayed
            item.committed = not outcome.dry_run
        results.append(item)
    own = [convert.finding_to_pb(f) for f in prepared.findings]
    if len(results) == 1:
        only = results[0]
        response = spb.ImportResponse(
            channel_id=only.channel_id,
            revision=only.revision,
            dry_run_revision=only.dry_run_revision,
            added=only.added,
            updated=only.updated,
            removed=only.removed,
            unchanged=only.unchanged,
            findings=own + list(only.findings),
            dry_run=only.dry_run,
            replayed=only.replayed,
        )
    else:
        response = spb.ImportResponse(
            added=sum(r.added for r in results),
            updated=sum(r.updated for r in results),
            removed=sum(r.removed for r in results),
            unchanged=sum(r.unchanged for r in results),
            findings=own,
            dry_run=any(r.dry_run for r in results),
            replayed=bool(results) and all(r.replayed for r in results),
        )
    response.channels.extend(results)
    return response.SerializeToString()


@dataclass(frozen=True, slots=True)
class ImportDone:
    """An import a worker committed: the response, and the results without
    their change records (the events stay in the worker; watchers read the
    change log)."""

    response: bytes
    results: tuple[CommitResult, ...]


def import_document(
    raw: bytes, channel_zone: str, default_max_findings: int, store: str, document: list[bytes] | None = None
) -> ImportDone:
    """Parse, validate and commit an ImportRequest in this worker, to the store
    named ``store`` (``document`` as for ``prepare_import``)."""
    from scheduleflow.server.dispatch.worker_store import run_with_store

    prepared = prepare_import(raw, channel_zone, default_max_findings, document)
    outcomes = run_with_store(store, lambda s: commit_import(s, prepared))
    results = tuple(dataclasses.replace(r, change=None) for r in outcomes if isinstance(r, CommitResult))
    return ImportDone(import_response(prepared, outcomes), results)


def export_stored(
    store: str,
    channel_id: str,
    window: Window | None,
    fmt_value: int,
    pretty: bool,
    max_bytes: int,
    utc_times: bool = False,
) -> bytes:
    """Read a channel's events from the store named ``store`` and render them (``render_export``)."""
    from scheduleflow.server.dispatch.worker_store import run_with_store

    channel, events = run_with_store(store, lambda s: s.read_events(channel_id, window))
    return render_export(fmt_value, channel, events, pretty, max_bytes, utc_times)


def validate_from_store(
    store: str, channel_id: str, window: Window | None, rules: Rules, return_events: bool, as_json: bool = False
) -> bytes:
    """Read a channel's events from the store named ``store`` and validate them
    (``validate_stored``, or with ``as_json`` ``validate_stored_json``)."""
    from scheduleflow.server.dispatch.worker_store import run_with_store

    _, events = run_with_store(store, lambda s: s.read_events(channel_id, window))
    if as_json:
        return validate_stored_json(events, window, rules)
    return validate_stored(events, window, rules, return_events)


def validate_stored_json(events: list[Event], window: Window | None, rules: Rules) -> bytes:
    """Validate events read from the store, for the schedule page: the findings,
    the summary and the events as JSON (``messages.plain``: every field of the
    model, with no list of names to keep up to date)."""
    from scheduleflow.server.messages import plain

    report = validate_events(events, window=window, rules=rules)
    return plain.dumps({"findings": report.findings, "summary": report.summary, "events": list(report.events)})


_EXPORT_CONTENT = spb.ExportResponse.DESCRIPTOR.fields_by_name["content"].number


def _fits(size: int, max_bytes: int, what: str) -> None:
    """Refuse a response the server could not send (gRPC would fail it after all the work)."""
    if size > max_bytes:
        raise InvalidInput.at(
            f"{what} would be {size / 2**20:.1f} MiB, more than the server's message limit of "
            f"{max_bytes / 2**20:.0f} MiB: ask for a smaller window",
            field="window",
        )


def render_export(
    fmt_value: int, channel: Channel, events: list[Event], pretty: bool, max_bytes: int, utc_times: bool = False
) -> bytes:
    """An ExportResponse, serialized, for ``events`` of ``channel``.

    Empties ``events`` once they are rendered, so that they are freed before
    the response is assembled (250,000 events are about 100 MB).
    """
    from scheduleflow.server.formats import CONTENT_TYPES, Format, render_document_parts

    fmt = convert.format_from_pb(fmt_value) or Format.XML
    parts = render_document_parts(
        fmt,
        ChannelInfo(
            id=channel.id, display_name=channel.display_name, time_zone=channel.time_zone, details=channel.details
        ),
        events,
        revision=channel.revision,
        pretty=pretty,
        utc_times=utc_times,
    )
    event_count = len(events)
    events.clear()
    _fits(sum(map(len, parts)) + 1024, max_bytes, "the export")
    head = spb.ExportResponse(
        format=convert.format_to_pb(fmt),
        revision=channel.revision,
        event_count=event_count,
        content_type=CONTENT_TYPES[fmt],
    ).SerializeToString()
    return wire.with_bytes_field(head, _EXPORT_CONTENT, parts)


@dataclass(frozen=True, slots=True)
class GeneratedSchedule:
    """A generated window: the serialized ScheduleResponse (not yet committed),
    and the events again when the caller will commit them."""

    response: bytes
    #: The playout state at the window's end, as the store keeps it.
    state: str
    events: tuple[Event, ...] | None
    window: Window
    channel_id: str
    expected_revision: int | None


#: A generated event serializes to about this many bytes (ids, times, metadata).
_EVENT_WIRE_BYTES = 80


@dataclass(frozen=True, slots=True)
class StoredContext:
    """What a Schedule continues from: the stored events around its window and
    the stored playout state in effect at its start."""

    history: list[Event]
    state: SavedPlayoutState | None


async def read_context(store: Store, prepared: ScheduleInput) -> StoredContext:
    """What the prepared Schedule continues from (``read_stored_context``)."""
    return await read_stored_context(
        store,
        prepared.request.channel_id,
        prepared.generate.window,
        prepared.lookback_us,
        prepared.reach_us,
        with_state=not prepared.request.fresh_state,
    )


async def read_stored_context(
    store: Store, channel_id: str, window: Window, lookback_us: int, reach_us: int, *, with_state: bool = True
) -> StoredContext:
    """The channel's stored events in ``lookback_us`` before ``window`` (those
    that end by its start) and in ``reach_us`` after it (those that start at
    its end or later), and, with ``with_state`` (unless the request asks for
    a fresh start), the playout state in effect at its start: what a Schedule
    of ``window`` continues from. Nothing for an absent channel.

    One store call, one snapshot (``Store.read_continuation``), reading only
    what the rules look at. Bounded by the rules, not by the channel's age:
    day 365 of a channel reads as much as day 2, and costs at most 1.5x an
    empty channel's day 1 (``bench/bench_generate.py --continuation``).
    """
    if lookback_us <= 0 and reach_us <= 0 and not with_state:
        return StoredContext([], None)
    try:
        found = await store.read_continuation(
            channel_id, window, lookback_us=lookback_us, reach_us=reach_us, with_state=with_state
        )
    except NotFound:
        return StoredContext([], None)
    return StoredContext(found.plays, found.state)


@dataclass(frozen=True, slots=True)
class ScheduleInput:
    """A parsed ScheduleRequest: the engine's request, and how far around the
    window the stored history must be read before it runs."""

    request: spb.ScheduleRequest
    generate: GenerateRequest
    lookback_us: int
    reach_us: int
    #: Fixed events whose times had digits below a microsecond (truncated).
    finer_fixed: tuple[str, ...] = ()


def prepare_schedule(raw: bytes, channel_zone: str, stored_fixed: list[Event], max_bytes: int) -> ScheduleInput:
    """Parse and check a ScheduleRequest, refusing a window too big before any work."""
    from scheduleflow.server.core.generate import DEFAULT_MAX_RELAXATIONS, GenerateRequest
    from scheduleflow.server.core.generate_items import rule_reach

    req: spb.ScheduleRequest = _parse(spb.ScheduleRequest, raw)
    if not req.channel_id:
        raise InvalidInput.at("name the channel to schedule", field="channel_id")
    if not req.HasField("window"):
        raise InvalidInput.at("give the window to fill (start_time and end_time)", field="window")
    window = convert.window_from_pb(req.window, "window")
    zone = req.time_zone or channel_zone or "UTC"
    tz = convert.check_zone(zone, "time_zone")

    def shortest(items: Sequence[pb.PlaylistItem]) -> int:
        spans = [convert.span_from_pb(i.duration, "playlist") for i in items if i.HasField("duration")]
        return min((d for d in spans if d > 0), default=0)

    # Refuse before the work, not after: a year of 10-second items would take
    # minutes and still not fit in one message. The items set the pace; the
    # filler only closes gaps between them, so it counts as one more event an
    # item rather than as the event size (a 5-second jingle beside 3-minute
    # songs made a year look like 481 MiB).
    pace = shortest(req.playlist.items) or shortest(req.playlist.filler)
    if pace:
        per_item = 2 if req.playlist.filler else 1
        _fits((window.end_us - window.start_us) // pace * per_item * _EVENT_WIRE_BYTES, max_bytes, "the schedule")
    fixed = list(stored_fixed)
    finer: list[str] = []
    fixed.extend(convert.events_from_pb(req.fixed_events, "fixed_events", tz, finer))
    playlist = convert.playlist_from_pb(req.playlist)
    rules = convert.schedule_rules_from_pb(req.rules)
    reach = rule_reach(playlist, rules)
    lookback = reach
    if req.HasField("lookback"):
        lookback = convert.span_from_pb(req.lookback, "lookback")
        if lookback < 0:
            raise InvalidInput.at("must not be negative (0 reads nothing before the window)", field="lookback")
    request = GenerateRequest(
        window=window,
        playlist=playlist,
        time_zone=zone,
        rules=rules,
        seed=req.seed,
        fixed_events=tuple(fixed),
        channel_id=req.channel_id,
        max_relaxations=req.rules.max_relaxations or DEFAULT_MAX_RELAXATIONS,
    )
    return ScheduleInput(req, request, lookback, reach, tuple(finer))


def generate_schedule(
    prepared: ScheduleInput, max_bytes: int, context: StoredContext | None = None
) -> GeneratedSchedule:
    """Run the generation engine for a prepared ScheduleRequest."""
    from scheduleflow.server.core.generate import generate
    from scheduleflow.server.core.playout_state import PlayoutState

    req = prepared.request
    window = prepared.generate.window
    context = context or StoredContext([], None)
    saved = context.state
    resumed = PlayoutState.from_json(saved.state) if saved is not None else None
    result = generate(dataclasses.replace(prepared.generate, history=tuple(context.history), state=resumed))
    message = spb.ScheduleResponse(
        events=convert.events_to_pb(result.events),
        report=convert.schedule_report_to_pb(result.report),
        state=convert.playout_state_to_pb(result.state, window.end_us, 0),
    )
    if prepared.finer_fixed:
        message.report.findings.append(
            convert.finding_to_pb(sub_microsecond_finding(prepared.finer_fixed, Location(field="fixed_events")))
        )
    if saved is not None and resumed is not None:
        message.resumed_from.CopyFrom(convert.playout_state_to_pb(resumed, saved.at_us, saved.revision))
    response = message.SerializeToString()
    _fits(len(response), max_bytes, "the schedule")
    return GeneratedSchedule(
        response=response,
        state=result.state.to_json(),
        events=result.events if req.commit else None,
        window=window,
        channel_id=req.channel_id,
        expected_revision=req.expected_revision if req.HasField("expected_revision") else None,
    )


@dataclass(frozen=True, slots=True)
class ScheduleDone:
    """A Schedule a worker ran: the serialized response, and when it committed,
    the commit's result without its change record (see ``ImportDone``)."""

    response: bytes
    result: CommitResult | None


def schedule(raw: bytes, channel_zone: str, stored_fixed: list[Event], max_bytes: int, store: str) -> ScheduleDone:
    """Generate a ScheduleRequest's window and, with ``commit``, commit it to the
    store named ``store`` from this worker: a year of events never crosses
    the pipe. The commit replaces the window and keeps what reaches outside it."""
    from scheduleflow.server.dispatch.worker_store import run_with_store

    prepared = prepare_schedule(raw, channel_zone, stored_fixed, max_bytes)
    context = run_with_store(store, lambda s: read_context(s, prepared))
    generated = generate_schedule(prepared, max_bytes, context)
    if generated.events is None:
        return ScheduleDone(generated.response, None)
    events = generated.events
    window = generated.window

    async def commit(s: Store) -> CommitResult:
        result = await s.commit_events(
            generated.channel_id,
            events,
            mode=ImportMode.REPLACE_WINDOW,
            window=window,
            expected_revision=generated.expected_revision,
        )
        # After the events, in a transaction of its own: a crash between the
        # two leaves the events without their state (and the call without its
        # answer); the next window then resumes from the state before, its
        # decks start over, and no rule breaks: the history holds every play.
        await s.save_playout_state(
            generated.channel_id,
            from_us=window.start_us,
            at_us=window.end_us,
            revision=result.channel.revision,
            state=generated.state,
        )
        return result

    result = run_with_store(store, commit)
    # Serialized messages concatenate as a merge: the commit's fields join the
    # (possibly large) generated response without parsing it again.
    tail = spb.ScheduleResponse(
        committed=True, revision=result.channel.revision, state=pb.PlayoutState(revision=result.channel.revision)
    ).SerializeToString()
    return ScheduleDone(generated.response + tail, dataclasses.replace(result, change=None))


def parse_asrun_document(content: bytes, fmt_value: int, channel_zone: str) -> tuple[list[Any], tuple[Finding, ...]]:
    """Read an as-run log (BXF or ScheduleFlow JSON): its entries and notes."""
    from scheduleflow.server.formats.asrun import parse_asrun

    log = parse_asrun(content, convert.format_from_pb(fmt_value), default_zone=channel_zone or "UTC")
    return log.entries, log.findings


def reconcile_entries(
    channel_id: str, planned: list[Event], entries: list[Any], window: Window, thresholds: Any
) -> tuple[Any, list[Any]]:
    """Reconcile ``entries`` against ``planned``; returns the report and the
    entries with the EventIds an export gave our events mapped back to our ids."""
    from scheduleflow.server.core.reconcile import reconcile
    from scheduleflow.server.formats.bxf import event_uuid

    ours = {event_uuid(channel_id, e.id).lower(): e.id for e in planned}
    mapped = [
        e._replace(planned_id=ours.get(e.planned_id.lower(), e.planned_id)) if e.planned_id else e for e in entries
    ]
    return reconcile(planned, mapped, window=window, thresholds=thresholds), mapped


def render_asrun(fmt_value: int, channel: ChannelInfo, entries: list[Any], pretty: bool, max_bytes: int) -> bytes:
    """An ExportAsRunResponse, serialized, for stored as-run ``entries``."""
    from scheduleflow.server.formats import CONTENT_TYPES, Format
    from scheduleflow.server.formats.asrun import render_asrun as render

    fmt = convert.format_from_pb(fmt_value) or Format.BXF
    content = render(fmt, channel, entries, pretty=pretty)
    _fits(len(content) + 1024, max_bytes, "the as-run export")
    return spb.ExportAsRunResponse(
        format=convert.format_to_pb(fmt),
        content=content,
        entry_count=len(entries),
        content_type=CONTENT_TYPES[fmt],
    ).SerializeToString()


def echo(value: Any) -> Any:
    """Returns its argument: lets tests and the benchmark measure the pool hop alone."""
    return value


def sleep(seconds: float) -> float:
    """Holds a worker for ``seconds``: lets tests fill the queue deterministically."""
    import time

    time.sleep(seconds)
    return seconds


_held: list[bytes] = []


def grow(size: int) -> int:
    """Keeps ``size`` more bytes alive in this worker: lets tests see a grown
    worker retired."""
    _held.append(b"x" * size)  # written, so resident (bytes(size) may stay untouched zero pages)
    return sum(map(len, _held))


JOBS: dict[str, Callable[..., Any]] = {
    "validate_inline": validate_inline,
    "validate_stored": validate_stored,
    "prepare_import": prepare_import,
    "import_document": import_document,
    "render_export": render_export,
    "export_stored": export_stored,
    "validate_from_store": validate_from_store,
    "schedule": schedule,
    "parse_asrun_document": parse_asrun_document,
    "reconcile_entries": reconcile_entries,
    "render_asrun": render_asrun,
    "echo": echo,
    "sleep": sleep,
    "grow": grow,
}


def run(name: str, *args: Any) -> Any:
    """Run job ``name``; the pool's workers call this.

    A store outage the job met (at connect, mid-transaction, at commit) leaves
    as ``Unavailable``, whatever raised it: never as a crash, which the
    caller would see as INTERNAL (``store.outages`` rule 1).
    """
    try:
        return JOBS[name](*args)
    except ScheduleFlowError:
        raise
    except Exception as exc:
        mapped = outages.unavailable(exc)
        if mapped is None:
            raise
        outages.OUTAGES.failed(exc, f"job {name}")
        raise mapped from exc
