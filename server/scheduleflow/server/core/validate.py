"""Validate a schedule: normalise every start to UTC, then check it.

Rules:

1. Input is a sequence of ``InputEvent`` whose start may be an instant or text
   (any spelling ``timeparse`` reads); output is a ``ValidationReport`` with
   findings, complete counts and the normalised events sorted by start.
2. Intervals are half-open: an event ending at 10:00 and one starting at 10:00
   neither overlap nor leave a gap.
3. Cost is O(n log n): one sort, then linear sweeps with dictionaries. Nothing
   compares all pairs, so a million events validate in seconds.
4. Output is bounded: at most ``max_findings`` findings are kept (the counts in
   the summary stay complete), and findings that would repeat once per event
   (timestamps normalised from an offset) are folded into one.
5. A cooldown or separation is measured start to start: an asset with a
   3-hour cooldown that starts at 09:00 may start again at 12:00, not before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import add, eq, itemgetter, lt
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from scheduleflow.server.core.conflicts import is_clump_pair
from scheduleflow.server.core.errors import quote
from scheduleflow.server.core.model import (
    Event,
    EventKind,
    Finding,
    FindingCode,
    Location,
    ProgrammeDetails,
    Severity,
    Window,
)
from scheduleflow.server.core.table import EventTable
from scheduleflow.server.core.timeparse import TimestampError, format_duration, format_rfc3339, parse_instant

DEFAULT_MAX_FINDINGS = 1000
#: How many event ids a folded finding lists before "...and N more".
_FOLDED_IDS = 10

SEVERITY_OF: Mapping[FindingCode, Severity] = {
    FindingCode.DUPLICATE_ID: Severity.ERROR,
    FindingCode.DUPLICATE_ENTRY: Severity.WARNING,
    FindingCode.INVALID_TIMESTAMP: Severity.ERROR,
    FindingCode.NONEXISTENT_LOCAL_TIME: Severity.ERROR,
    FindingCode.AMBIGUOUS_LOCAL_TIME: Severity.ERROR,
    FindingCode.OVERLAP: Severity.ERROR,
    FindingCode.GAP: Severity.WARNING,
    FindingCode.INVALID_DURATION: Severity.ERROR,
    FindingCode.OUTSIDE_WINDOW: Severity.WARNING,
    FindingCode.COOLDOWN_BREACH: Severity.WARNING,
    FindingCode.SEPARATION_BREACH: Severity.WARNING,
    FindingCode.MISSING_FIELD: Severity.ERROR,
    FindingCode.NORMALISED_TIMESTAMP: Severity.INFO,
    FindingCode.NONSTANDARD_CHANNEL_ID: Severity.INFO,
    FindingCode.EXTENSION_NOT_STORED: Severity.WARNING,
    FindingCode.CONFLICT_RESOLVED: Severity.WARNING,
}


class InputEvent(NamedTuple):
    """An event as a caller wrote it: the start may still be text.

    A NamedTuple, like ``Event``, because one is made per event (model rule 3).
    """

    id: str
    start: int | str | None
    duration_us: int | None
    asset_id: str = ""
    title: str = ""
    kind: EventKind = EventKind.PROGRAM
    fixed_start: bool = False
    metadata: Mapping[str, str] = {}
    location: Location | None = None
    details: ProgrammeDetails | None = None
    #: The start (an instant) or the duration had digits below a microsecond,
    #: truncated on the way in (a text start says so itself when parsed).
    finer: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    """What to check beyond structure. A zero span turns a rule off."""

    gap_threshold_us: int = 0
    ignore_gaps: bool = False
    asset_cooldown_us: int = 0
    artist_separation_us: int = 0
    category_separation_us: int = 0
    max_findings: int = DEFAULT_MAX_FINDINGS


@dataclass(frozen=True, slots=True)
class Summary:
    event_count: int
    error_count: int
    warning_count: int
    info_count: int
    span: Window | None
    gap_total_us: int
    overlap_total_us: int
    unique_items: tuple[tuple[str, int], ...]
    findings_truncated: bool


@dataclass(frozen=True, slots=True)
class ValidationReport:
    findings: tuple[Finding, ...]
    summary: Summary
    #: Sorted by start; an EventTable when the events came as one, in order.
    events: Sequence[Event]

    @property
    def valid(self) -> bool:
        return self.summary.error_count == 0


class _Collector:
    """Keeps the first ``limit`` findings and counts all of them."""

    def __init__(self, limit: int, prefix: str = "events") -> None:
        #: The field path of the event list, for findings about event i.
        self.prefix = prefix
        self.limit = limit if limit > 0 else DEFAULT_MAX_FINDINGS
        self.kept: list[Finding] = []
        self.counts: Counter[Severity] = Counter()

    def add(
        self,
        code: FindingCode,
        message: str,
        event_ids: Iterable[str] = (),
        *,
        location: Location | None = None,
        span: Window | None = None,
        severity: Severity | None = None,
    ) -> None:
        sev = severity if severity is not None else SEVERITY_OF[code]
        self.counts[sev] += 1
        if len(self.kept) < self.limit:
            self.kept.append(Finding(code, sev, message, tuple(event_ids), location, span))

    @property
    def full(self) -> bool:
        """No more findings will be kept: callers may skip building messages."""
        return len(self.kept) >= self.limit

    def count(self, code: FindingCode) -> None:
        """Count a finding that would not be kept anyway."""
        self.counts[SEVERITY_OF[code]] += 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f.code, f.message, f.event_ids, location=f.location, span=f.span, severity=f.severity)


def _t(us: int) -> str:
    return format_rfc3339(us)


def _d(us: int) -> str:
    return format_duration(us)


#: Where an event was written: its Location, or its index in the request.
_Place = Location | int


def _where(location: Location | None, index: int, prefix: str) -> Location:
    return location if location is not None else Location(field=f"{prefix}[{index}]")


def _loc(place: _Place, prefix: str) -> Location:
    return place if isinstance(place, Location) else Location(field=f"{prefix}[{place}]")


def normalise(inputs: Sequence[InputEvent], tz: ZoneInfo | None, out: _Collector) -> tuple[list[Event], list[_Place]]:
    """Events with UTC starts; the ones that cannot be placed become findings.

    Locations stay ``None`` unless the caller gave one: building a field path
    for each of a million events costs more than the rest of normalisation,
    and only the few events with findings need one (``_where`` makes it then).
    """
    events: list[Event] = []
    locations: list[_Place] = []
    folded: dict[str, list[str]] = {"local": [], "offset": []}
    finer: list[str] = []
    append_event = events.append
    append_location = locations.append
    for i, raw in enumerate(inputs):
        start = raw.start
        if not raw.id or start is None or raw.duration_us is None:
            _missing(raw, i, out)
            continue
        if isinstance(start, str):
            try:
                parsed = parse_instant(start, tz)
            except TimestampError as exc:
                out.add(
                    exc.code, f"event {raw.id}: {exc.message}", [raw.id], location=_where(raw.location, i, out.prefix)
                )
                continue
            if parsed.spelling != "utc":
                folded[parsed.spelling].append(raw.id)
            if parsed.finer or raw.finer:
                finer.append(raw.id)
            start = parsed.us
        elif raw.finer:
            finer.append(raw.id)
        append_event(
            Event(
                raw.id,
                start,
                raw.duration_us,
                raw.asset_id,
                raw.title,
                raw.kind,
                raw.fixed_start,
                raw.metadata,
                raw.details,
            )
        )
        append_location(raw.location if raw.location is not None else i)
    for spelling, ids in folded.items():
        if ids:
            how = f"local time in {tz.key}" if spelling == "local" and tz is not None else "a UTC offset"
            more = f" and {len(ids) - _FOLDED_IDS} more" if len(ids) > _FOLDED_IDS else ""
            out.add(
                FindingCode.NORMALISED_TIMESTAMP,
                f"{len(ids)} start(s) given as {how} were normalised to UTC: {', '.join(ids[:_FOLDED_IDS])}{more}",
                ids[:_FOLDED_IDS],
            )
    if finer:
        finding = sub_microsecond_finding(finer)
        out.add(finding.code, finding.message, finding.event_ids)
    return events, locations


def sub_microsecond_finding(ids: Sequence[str], location: Location | None = None) -> Finding:
    """The INFO finding for events whose start or duration had digits below a
    microsecond: kept truncated (a start toward the past, a duration toward zero)."""
    more = f" and {len(ids) - _FOLDED_IDS} more" if len(ids) > _FOLDED_IDS else ""
    return Finding(
        FindingCode.NORMALISED_TIMESTAMP,
        Severity.INFO,
        f"{len(ids)} event(s) had digits below a microsecond in the start or the duration; schedules keep times "
        f"to the microsecond, so they were truncated: {', '.join(ids[:_FOLDED_IDS])}{more}",
        tuple(ids[:_FOLDED_IDS]),
        location,
    )


def _missing(raw: InputEvent, index: int, out: _Collector) -> None:
    where = _where(raw.location, index, out.prefix)
    missing = [
        name
        for name, absent in (("id", not raw.id), ("start", raw.start is None), ("duration", raw.duration_us is None))
        if absent
    ]
    label = raw.id or f"#{index}"
    out.add(
        FindingCode.MISSING_FIELD,
        f"event {label} has no {' and no '.join(missing)}: every event needs an id, a start and a duration",
        [raw.id] if raw.id else [],
        location=Location(where.line, where.column, f"{where.field}.{missing[0]}" if where.field else ""),
    )


def validate(
    inputs: Sequence[InputEvent],
    *,
    tz: ZoneInfo | None = None,
    window: Window | None = None,
    rules: Rules = Rules(),
    prior_findings: Sequence[Finding] = (),
    field_prefix: str = "events",
) -> ValidationReport:
    """Check a schedule and return every finding, its summary and the events in UTC.

    ``prior_findings`` are problems found before (e.g. by a document parser that
    could not place an event); they count like the rest. Findings about an
    input without a location name it as ``<field_prefix>[i]``.
    """
    out = _Collector(rules.max_findings, field_prefix)
    out.extend(prior_findings)
    events, locations = normalise(inputs, tz, out)
    return _check(events, locations, window, rules, out)


def validate_events(
    events: Sequence[Event],
    *,
    locations: Sequence[Location] = (),
    window: Window | None = None,
    rules: Rules = Rules(),
    prior_findings: Sequence[Finding] = (),
    field_prefix: str = "events",
) -> ValidationReport:
    """Check events whose starts are already in UTC (documents, stored channels)."""
    out = _Collector(rules.max_findings, field_prefix)
    out.extend(prior_findings)
    # A range stands for "event i was written at index i" without a list of a million ints.
    locs: Sequence[_Place] = locations if locations else range(len(events))
    return _check(events, locs, window, rules, out)


# The checks read columns, not events: one C-level pass per field instead of a
# NamedTuple property (a descriptor call) per field per check.
_ID = itemgetter(0)
_START = itemgetter(1)
_DURATION = itemgetter(2)
_ASSET = itemgetter(3)


def _check(
    events: Sequence[Event], locations: Sequence[_Place], window: Window | None, rules: Rules, out: _Collector
) -> ValidationReport:
    if isinstance(events, EventTable):  # columns already: no event made to read them
        ids, starts, durations = events.ids(), events.starts(), events.durations()
    else:
        ids = list(map(_ID, events))
        starts = list(map(_START, events))
        durations = list(map(_DURATION, events))
    if not _unique(ids):
        _duplicate_ids(ids, locations, out)
    ordered, order = _sort(events, starts, durations, ids)
    if order is not None:
        starts = list(map(starts.__getitem__, order))
        durations = list(map(durations.__getitem__, order))
    if durations and min(durations) > 0:
        placed = ordered
    else:
        # Where the ordered events were written, only built when some duration needs a finding.
        placed_at = locations if order is None else list(map(locations.__getitem__, order))
        placed = _durations(ordered, placed_at, out)
        starts = list(map(_START, placed))
        durations = list(map(_DURATION, placed))
    ends = list(map(add, starts, durations))
    _duplicate_entries(placed, starts, out)
    gap_total, overlap_total = _sweep(placed, starts, ends, window, rules, out)
    last_end = max(ends) if ends else None
    if window is not None and last_end is not None and (starts[0] < window.start_us or last_end > window.end_us):
        _outside_window(placed, window, out)
    if rules.asset_cooldown_us > 0:
        _spacing(placed, map(_ASSET, placed), rules.asset_cooldown_us, FindingCode.COOLDOWN_BREACH, "asset", out)
    if rules.artist_separation_us > 0:
        _spacing(
            placed,
            (e.metadata.get("artist", "") for e in placed),
            rules.artist_separation_us,
            FindingCode.SEPARATION_BREACH,
            "artist",
            out,
        )
    if rules.category_separation_us > 0:
        _spacing(
            placed,
            (e.metadata.get("category", "") for e in placed),
            rules.category_separation_us,
            FindingCode.SEPARATION_BREACH,
            "category",
            out,
        )
    # Counted in input order: the sort below is total, so the order counted in does not matter.
    items = Counter(map(_ASSET, events))
    del items[""]  # events without an asset; a Counter ignores a missing key
    # Most played first, ties by asset id: sort by id, then (stable) by count.
    unique_items = sorted(items.items())
    unique_items.sort(key=itemgetter(1), reverse=True)
    unique = tuple(unique_items)
    span = Window(starts[0], last_end) if last_end is not None else None
    findings = sorted(out.kept, key=_finding_order)
    summary = Summary(
        event_count=len(events),
        error_count=out.counts[Severity.ERROR],
        warning_count=out.counts[Severity.WARNING],
        info_count=out.counts[Severity.INFO],
        span=span,
        gap_total_us=gap_total,
        overlap_total_us=overlap_total,
        unique_items=unique,
        findings_truncated=sum(out.counts.values()) > len(out.kept),
    )
    # A table stays a table (a tuple of its events would undo it).
    kept = ordered if isinstance(ordered, EventTable) else tuple(ordered)
    return ValidationReport(tuple(findings), summary, kept)


def _increasing(values: list[Any]) -> bool:
    """Each value greater than the one before (stops at the first that is not)."""
    return all(map(lt, values, islice(values, 1, None)))


def _unique(ids: list[str]) -> bool:
    # Ids in increasing order (sequential ids, the usual case) are unique
    # without hashing every one into a set; at a million ids the set's random
    # memory access costs more than the rest of the check. Ids out of order stop
    # ``_increasing`` at the first step down, so they pay almost nothing extra.
    return _increasing(ids) or len(set(ids)) == len(ids)


def _sort(
    events: Sequence[Event], starts: list[int], durations: list[int], ids: list[str]
) -> tuple[Sequence[Event], list[int] | None]:
    """The events sorted by (start, duration, id), and the input index of each;
    no index list when the input is already in that order (strictly increasing
    starts, the usual case)."""
    if _increasing(starts):
        return events, None
    keys = list(zip(starts, durations, ids, strict=True))
    # Stable: events with equal keys (a repeated id) keep their input order.
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return list(map(events.__getitem__, order)), order


def _finding_order(f: Finding) -> tuple[int, int, str, tuple[str, ...]]:
    # Findings without a place on the timeline (ids, fields) come first, then by time.
    start = f.span.start_us if f.span is not None else -(2**63)
    return (start, -f.severity, f.code.value, f.event_ids)


def _duplicate_ids(ids: Sequence[str], locations: Sequence[_Place], out: _Collector) -> None:
    first: dict[str, int] = {}
    for i, event_id in enumerate(ids):
        j = first.setdefault(event_id, i)
        if j != i:
            out.add(
                FindingCode.DUPLICATE_ID,
                f"event id {quote(event_id)!r} is used again (first at {_describe(_loc(locations[j], out.prefix))}): ids must be unique within a channel",
                [event_id],
                location=_loc(locations[i], out.prefix),
            )


def _describe(loc: Location) -> str:
    if loc.line:
        return f"line {loc.line}"
    return loc.field or "an earlier event"


def _durations(ordered: Sequence[Event], locations: Sequence[_Place], out: _Collector) -> list[Event]:
    placed = []
    for e, loc in zip(ordered, locations, strict=True):
        if e.duration_us <= 0:
            out.add(
                FindingCode.INVALID_DURATION,
                f"event {e.id} has duration {_d(e.duration_us)}: a duration must be positive",
                [e.id],
                location=_loc(loc, out.prefix),
                span=Window(e.start_us, e.start_us),
            )
        else:
            placed.append(e)
    return placed


def _duplicate_entries(placed: Sequence[Event], starts: list[int], out: _Collector) -> None:
    # Sorted by start, so equal starts are adjacent; most schedules have none,
    # and one pass over neighbours finds the runs that need grouping by asset.
    if not any(map(eq, starts, islice(starts, 1, None))):
        return
    runs: list[tuple[int, int]] = []
    i, n = 0, len(starts)
    while i < n - 1:
        if starts[i] != starts[i + 1]:
            i += 1
            continue
        j = i + 1
        while j < n and starts[j] == starts[i]:
            j += 1
        runs.append((i, j))
        i = j
    for i, j in runs:
        by_asset: dict[str, list[str]] = {}
        for e in placed[i:j]:
            if e.asset_id:
                by_asset.setdefault(e.asset_id, []).append(e.id)
        for asset, ids in by_asset.items():
            if len(ids) > 1:
                out.add(
                    FindingCode.DUPLICATE_ENTRY,
                    f"asset {quote(asset)!r} is scheduled {len(ids)} times at {_t(starts[i])}: "
                    f"remove all but one of {', '.join(ids)}",
                    ids,
                    span=Window(starts[i], starts[i]),
                )


def _sweep(
    placed: Sequence[Event], starts: list[int], ends: list[int], window: Window | None, rules: Rules, out: _Collector
) -> tuple[int, int]:
    """Overlaps and gaps in one pass over events sorted by start.

    ``holder`` is the event whose end is the furthest so far; an event starting
    before that end overlaps it. Every event that overlaps any other appears in
    some finding (if a and b overlap and a starts first, either a overlapped an
    earlier event or a became the holder, and b then meets a or a later holder
    that itself overlaps a). ``starts`` and ``ends`` are the placed events'
    columns: the loop reads only ints until it has something to report.
    """
    gap_total = overlap_total = 0
    report_gaps = not rules.ignore_gaps
    threshold = rules.gap_threshold_us
    if not placed:
        if window is not None:
            # Dead air counts whether or not it is long enough to report, as below.
            gap_total = window.end_us - window.start_us
            if report_gaps and gap_total > threshold:
                _gap(window.start_us, window.end_us, (), out)
        return gap_total, 0
    if window is not None and starts[0] > window.start_us:
        g = starts[0] - window.start_us
        gap_total += g
        if report_gaps and g > threshold:
            _gap(window.start_us, starts[0], (placed[0].id,), out)
    if starts[1:] == ends[:-1]:
        # Back to back, the usual clean schedule: nothing overlaps, no dead air
        # between events, and each event ends after all the ones before it.
        holder, max_end = len(starts) - 1, ends[-1]
    else:
        holder = 0
        max_end = ends[0]
        double_until = -(2**63)
        for k in range(1, len(starts)):
            start = starts[k]
            if start < max_end:
                end = ends[k]
                if end == max_end and start == starts[holder] and is_clump_pair(placed[holder], placed[k]):
                    continue  # one slot shared by design (XMLTV clumpidx), not an overlap
                top = min(end, max_end)
                overlap_total += max(0, top - max(start, double_until))
                double_until = max(double_until, top)
                if out.full:
                    out.count(FindingCode.OVERLAP)
                else:
                    e, h = placed[k], placed[holder]
                    out.add(
                        FindingCode.OVERLAP,
                        f"event {e.id} ({_t(start)}-{_t(end)}) overlaps event {h.id} "
                        f"({_t(starts[holder])}-{_t(ends[holder])}) by {_d(top - start)}: move or shorten one of them",
                        [h.id, e.id],
                        span=Window(start, top),
                    )
            elif start > max_end:
                g = start - max_end
                gap_total += g
                if report_gaps and g > threshold:
                    _gap(max_end, start, (placed[holder].id, placed[k].id), out)
            if ends[k] > max_end:
                max_end = ends[k]
                holder = k
    if window is not None and window.end_us > max_end:
        g = window.end_us - max_end
        gap_total += g
        if report_gaps and g > threshold:
            _gap(max_end, window.end_us, (placed[holder].id,), out)
    return gap_total, overlap_total


def _gap(start: int, end: int, ids: Sequence[str], out: _Collector) -> None:
    around = f" between {ids[0]} and {ids[1]}" if len(ids) == 2 else ""
    out.add(
        FindingCode.GAP,
        f"{_d(end - start)} of dead air{around} from {_t(start)} to {_t(end)}: schedule something or filler",
        ids,
        span=Window(start, end),
    )


def _outside_window(placed: Sequence[Event], window: Window, out: _Collector) -> None:
    for e in placed:
        if e.start_us < window.start_us or e.end_us > window.end_us:
            out.add(
                FindingCode.OUTSIDE_WINDOW,
                f"event {e.id} ({_t(e.start_us)}-{_t(e.end_us)}) lies outside the window "
                f"{_t(window.start_us)}-{_t(window.end_us)}",
                [e.id],
                span=Window(e.start_us, e.end_us),
            )


def _spacing(
    placed: Sequence[Event],
    keys: Iterable[str],
    min_us: int,
    code: FindingCode,
    what: str,
    out: _Collector,
) -> None:
    """``keys`` holds each placed event's asset, artist or category ("" for none)."""
    last: dict[str, Event] = {}
    for e, key in zip(placed, keys, strict=True):
        if not key:
            continue
        prev = last.get(key)
        if prev is not None and e.start_us - prev.start_us < min_us:
            if out.full:
                out.count(code)
                last[key] = e
                continue
            since = e.start_us - prev.start_us
            out.add(
                code,
                f"{what} {quote(key)!r} airs again {_d(since)} after {prev.id} (event {e.id}); "
                f"the {'cooldown' if code is FindingCode.COOLDOWN_BREACH else 'separation'} is {_d(min_us)}, "
                f"so it may start at {_t(prev.start_us + min_us)} at the earliest",
                [prev.id, e.id],
                span=Window(prev.start_us, e.start_us),
            )
        last[key] = e
