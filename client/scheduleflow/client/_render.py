"""Responses as text for people: tables, grouped findings, summaries.

Pure functions from messages to strings, so the CLI's output is tested
without a terminal. Times print in UTC as RFC 3339 (what the API stores);
spans print the way they are typed on the command line (``1h30m``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from google.protobuf import duration_pb2, timestamp_pb2

from scheduleflow.client.errors import ScheduleFlowError
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

_SERVICE_PREFIX = "/scheduleflow.v1.ScheduleFlowService/"


def seconds(value: float) -> str:
    """A span for people: ``0.42ms``, ``12.3ms``, ``1.25s``, ``1h30m``, ``2d3h``."""
    if value < 0:
        return "-" + seconds(-value)
    if value == 0:
        return "0s"
    if value < 1:
        ms = value * 1000
        return f"{ms:.2f}ms" if ms < 10 else f"{ms:.1f}ms"
    if value < 60 and value != int(value):
        return f"{value:.2f}s"
    whole = round(value)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def span(value: duration_pb2.Duration) -> str:
    """A Duration for people."""
    return seconds(value.seconds + value.nanos / 1e9)


def instant(value: timestamp_pb2.Timestamp) -> str:
    """A Timestamp as RFC 3339 in UTC, with fractions only when there are any."""
    return value.ToDatetime().isoformat(timespec="microseconds" if value.nanos else "seconds") + "Z"


def window(value: pb.TimeWindow) -> str:
    """``start .. end`` of a window."""
    return f"{instant(value.start_time)} .. {instant(value.end_time)}"


def mib(size: int) -> str:
    """A byte count in the unit people read for files."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, indent: str = "") -> str:
    """Columns padded to their widest cell; numbers aligned right."""
    cells = [[str(c) for c in row] for row in rows]
    numeric = [all(_is_number(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        out = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric, strict=True)]
        return (indent + "  ".join(out)).rstrip()

    return "\n".join([line(list(headers)), *(line(r) for r in cells)])


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("%", "").isdigit()


def _finding_code(value: int) -> str:
    try:
        return pb.FindingCode.Name(value).removeprefix("FINDING_CODE_")
    except ValueError:
        # Codes are open: a newer server may send one this client does not know.
        return f"CODE_{value}"


def _location(loc: pb.Location) -> str:
    place = ""
    if loc.line:
        place = f"{loc.line}:{loc.column}" if loc.column else f"{loc.line}"
    if loc.field:
        place = f"{place} {loc.field}".strip()
    return place


_SEVERITIES = [
    (pb.SEVERITY_ERROR, "errors"),
    (pb.SEVERITY_WARNING, "warnings"),
    (pb.SEVERITY_INFO, "info"),
    (pb.SEVERITY_UNSPECIFIED, "other"),
]


def validation(response: spb.ValidateResponse, *, source: str = "") -> str:
    """Findings grouped by severity (errors first), then the summary and the verdict."""
    out: list[str] = []
    for severity, title in _SEVERITIES:
        group = [f for f in response.findings if f.severity == severity]
        if not group:
            continue
        out.append(f"{title} ({len(group)}):")
        for f in group:
            head = "  ".join(
                part
                for part in (
                    _finding_code(f.code),
                    ",".join(f.event_ids),
                    _location(f.location),
                )
                if part
            )
            out.append(f"  {head}")
            out.append(f"      {f.message}")
        out.append("")
    s = response.summary
    counts = f"{s.event_count} events, {s.error_count} errors, {s.warning_count} warnings, {s.info_count} info"
    out.append(f"summary: {counts}")
    if s.HasField("span"):
        out.append(f"  span:     {window(s.span)}")
    out.append(f"  dead air: {span(s.gap_total)}    overlap: {span(s.overlap_total)}")
    if s.unique_items:
        top = ", ".join(f"{i.asset_id} x{i.count}" for i in s.unique_items[:5])
        more = f" (+{len(s.unique_items) - 5} more)" if len(s.unique_items) > 5 else ""
        out.append(f"  items:    {len(s.unique_items)} unique; most aired: {top}{more}")
    if s.findings_truncated:
        out.append(f"  (only {len(response.findings)} findings shown; the counts above are complete)")
    if len(response.channels) > 1:
        rows = [
            (
                c.channel_id,
                "valid" if c.valid else "INVALID",
                c.summary.event_count,
                c.summary.error_count,
                c.summary.warning_count,
                c.summary.info_count,
            )
            for c in response.channels
        ]
        out.append(table(("CHANNEL", "VERDICT", "EVENTS", "ERRORS", "WARNINGS", "INFO"), rows, indent="  "))
    verdict = "VALID" if response.valid else "INVALID"
    out.append(f"{verdict}{': ' + source if source else ''}")
    return "\n".join(out)


def stats(response: spb.GetStatsResponse) -> str:
    """Server, pool and per-RPC figures as two blocks."""
    p = response.pool
    lines = [
        f"version        {response.version}",
        f"uptime         {span(response.uptime)} (since {instant(response.start_time)})",
        f"store          {response.store}",
        f"open streams   {response.open_streams}",
        f"pool           {p.size} workers, {p.busy} busy, {p.queued}/{p.queue_capacity} queued",
        f"  jobs         {p.completed} completed, {p.failed} failed, {p.rejected} rejected, "
        f"{p.dropped} dropped, {p.inline} inline",
        f"  workers      {p.worker_restarts} restarts, {p.worker_retirements} retired;"
        f" pids {', '.join(map(str, p.worker_pids)) or '-'}",
        "",
    ]
    if not response.rpcs:
        return "\n".join([*lines, "no calls yet"])
    rows = [
        (
            r.method.removeprefix(_SERVICE_PREFIX).lstrip("/"),
            r.calls,
            r.errors,
            span(r.latency_p50),
            span(r.latency_p90),
            span(r.latency_p99),
            span(r.latency_max),
            " ".join(f"{k}={v}" for k, v in sorted(r.codes.items())),
        )
        for r in response.rpcs
    ]
    return "\n".join(lines) + table(("RPC", "CALLS", "ERRORS", "P50", "P90", "P99", "MAX", "CODES"), rows)


def import_result(response: spb.ImportResponse) -> str:
    """What an import changed (or would change, for a dry run)."""
    head = "dry run: nothing written" if response.dry_run else f"imported into {response.channel_id}"
    if response.replayed:
        head += " (replayed: the answer to an earlier import with this idempotency key)"
    lines = [
        head,
        f"  channel    {response.channel_id}",
        f"  revision   {response.revision}",
        f"  added      {response.added}",
        f"  updated    {response.updated}",
        f"  removed    {response.removed}",
        f"  unchanged  {response.unchanged}",
    ]
    if response.findings:
        lines.append(f"  findings   {len(response.findings)}:")
        for f in response.findings:
            where = _location(f.location)
            ids = ",".join(f.event_ids)
            lines.append(f"    {_finding_code(f.code)} {ids} {where}".rstrip() + f": {f.message}")
    return "\n".join(lines)


def import_channels(response: spb.ImportResponse) -> str:
    """An import of several channels: one row a channel, then what went wrong."""
    rows = []
    for c in response.channels:
        if c.error_code:
            status = "FAILED"
        elif c.replayed:
            status = "replayed"
        else:
            status = "dry run" if c.dry_run else "imported"
        name = c.channel_id if not c.document_channel_id else f"{c.channel_id} (from {c.document_channel_id})"
        warnings = sum(f.severity == pb.SEVERITY_WARNING for f in c.findings)
        rows.append((name, status, c.revision, c.added, c.updated, c.removed, c.unchanged, warnings))
    headers = ("CHANNEL", "STATUS", "REVISION", "ADDED", "UPDATED", "REMOVED", "UNCHANGED", "WARNINGS")
    lines = [table(headers, rows)]
    failed = [c for c in response.channels if c.error_code]
    lines.append(
        f"{len(response.channels) - len(failed)} of {len(response.channels)} channels "
        + ("checked (dry run: nothing written)" if response.dry_run else "imported")
        + f"; {response.added} added, {response.updated} updated, {response.removed} removed"
    )
    for c in failed:
        lines.append(f"  {c.channel_id}: {c.error_message}")
    for f in response.findings:
        lines.append(f"  {_finding_code(f.code)} {_location(f.location)}".rstrip() + f": {f.message}")
    return "\n".join(lines)


def channels(items: Iterable[pb.Channel]) -> str:
    """Channels as a table."""
    rows = [(c.id, c.display_name, c.time_zone, c.revision, c.event_count) for c in items]
    if not rows:
        return "no channels"
    return table(("ID", "NAME", "ZONE", "REVISION", "EVENTS"), rows)


def events(items: Iterable[pb.Event]) -> str:
    """Events as a table, in the order given (the server sorts by start)."""
    rows = [
        (
            e.id,
            instant(e.start_time) if e.HasField("start_time") else e.start_text,
            span(e.duration),
            pb.EventKind.Name(e.kind).removeprefix("EVENT_KIND_").lower() if e.kind else "",
            "fixed" if e.fixed_start else "",
            e.asset_id,
            e.title,
        )
        for e in items
    ]
    if not rows:
        return "no events"
    return table(("ID", "START", "DURATION", "KIND", "", "ASSET", "TITLE"), rows)


def schedule(response: spb.ScheduleResponse, *, show_events: bool = False) -> str:
    """The report of a Schedule call: fill, relaxations, plays (and the events on request)."""
    r = response.report
    if response.committed:
        head = f"committed as revision {response.revision}: {len(response.events)} events"
    else:
        head = f"preview (not committed): {len(response.events)} events"
    lines = [
        head,
        f"  fill ratio     {r.fill_ratio * 100:.1f}%",
        f"  filler events  {r.filler_events}",
        f"  repeats        {r.repeats}",
    ]
    for w in r.unfilled:
        lines.append(f"  unfilled       {window(w)}")
    lines.extend(f"  note: {n}" for n in r.notes)
    lines.extend(f"  local time: {f.message}" for f in r.findings)
    if r.relaxations:
        lines += ["", f"relaxations ({len(r.relaxations)}):"]
        lines.append(
            table(
                ("RULE", "EVENT", "ITEM", "SHORT BY", "WHY"),
                ((x.rule, x.event_id, x.item_id, span(x.shortfall), x.message) for x in r.relaxations),
                indent="  ",
            )
        )
    if r.plays:
        lines += ["", "plays:"]
        lines.append(
            table(
                ("ITEM", "PLAYS", "MIN SPACING", "MAX SPACING"),
                ((p.item_id, p.count, span(p.min_spacing), span(p.max_spacing)) for p in r.plays),
                indent="  ",
            )
        )
    if show_events:
        lines += ["", events(response.events)]
    return "\n".join(lines)


def reconciliation(response: spb.ReconcileAsRunResponse, *, show_all: bool = False) -> str:
    """A reconciliation: its summary, then a table of what did not go as planned."""
    s = response.summary
    stored = f"stored as as-run {response.asrun_id}" if response.asrun_id else "not stored (dry run)"
    counts = ", ".join(f"{name.lower().replace('_', ' ')} {n}" for name, n in sorted(s.outcomes.items()) if n)
    lines = [
        f"channel {response.channel_id} at revision {response.revision}, {window(response.window)}: {stored}",
        f"planned {s.planned}, aired {s.aired}, on time {s.on_time} ({s.on_time_percent:.1f}%)",
        f"deviation {span(s.total_deviation)} (starts {span(s.start_deviation)}, durations {span(s.duration_deviation)})",
        counts or "no findings",
    ]
    rows = [
        (
            spb.ReconcileOutcome.Name(f.outcome).removeprefix("RECONCILE_OUTCOME_"),
            span(f.amount) if f.amount.seconds or f.amount.nanos else "",
            f.planned_event_id or "-",
            f.asrun_entry_id or "-",
            f.message,
        )
        for f in response.findings
        if show_all or f.outcome != spb.RECONCILE_OUTCOME_AS_PLANNED
    ]
    if rows:
        lines.append("")
        lines.append(table(("outcome", "by", "planned", "as-run", "what"), rows))
    for note in response.notes:
        lines.append(f"note: {note.message}")
    return "\n".join(lines)


def error(exc: ScheduleFlowError) -> str:
    """``error: CODE: message`` and one line per field violation."""
    lines = [f"error: {exc.code.name}: {exc.message}"]
    lines.extend(f"  - {field}: {description}" for field, description in exc.field_violations)
    if exc.retry_after is not None:
        lines.append(f"  (retry after {seconds(exc.retry_after)})")
    return "\n".join(lines)


def playout_state(state: pb.PlayoutState) -> str:
    """A stored playout state: where each order and show stands."""
    lines = [
        f"playout state at {instant(state.at_time)} (revision {state.revision})",
        f"  last item      {state.last_item_id or '-'}",
    ]
    for show, episode in sorted(state.last_episodes.items()):
        lines.append(f"  show {show!r}: last aired {episode}")
    for context, item in sorted(state.next_items.items()):
        lines.append(f"  next in {context or 'the default context'}: {item}")
    for deck in state.decks:
        rest = ", ".join(u.replace("\x00", "") for u in deck.units[:12]) + (" ..." if len(deck.units) > 12 else "")
        lines.append(f"  deck of {deck.context or 'the default context'}: {len(deck.units)} left: {rest}")
    if state.plays:
        lines += ["", "plays so far:"]
        lines.append(table(("ITEM", "PLAYS"), sorted(state.plays.items()), indent="  "))
    return "\n".join(lines)
