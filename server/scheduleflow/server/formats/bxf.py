"""BXF (SMPTE ST 2021) Schedule messages: import, export and incremental updates.

Rules:

1. Import reads a ``<BxfMessage>`` in any BXF namespace from 2008 to 2023
   (``http://smpte-ra.org/schemas/2021/<year>/BXF``): the Schedule, ScheduledEvent
   and EventData structures a schedule uses have kept their shape since 2008.
   Export writes the 2017 release (bxf-5.0, ``.../2021/2017/BXF``): the one
   the published use cases are written in and that most automation reads.
2. One ``<Schedule type="Primary">`` per message (ScheduleFlow keeps one
   timeline per channel); an Alternate schedule is refused, not merged.
3. An event is one primary EventData: a ScheduledEvent's own, or each of its
   ScheduleElements'. Non-primary (secondary) events, macros and comments
   have no place on a ScheduleFlow timeline: they are left out and one INFO
   finding lists them.
4. Times: ``UtcDateTime`` is read like any instant (no offset: local time in
   the channel's zone, a finding); ``SmpteDateTime`` is the timecode's
   time-of-day as a wall clock in the channel's zone on ``broadcastDate``,
   its frames added exactly (``core.timecode``). Durations are exact frame
   counts or ``xs:duration``; an ``xs:duration`` that is not a whole number of
   frames at the channel's rate (its first ``frameRate``) is a WARNING.
   The rate an event's timecodes used is kept in metadata ``bxf.frame_rate``.
5. Lossless: whatever an event's BXF carries beyond the fields ScheduleFlow
   models is kept verbatim in metadata ``bxf.xml`` (the event's ScheduledEvent,
   reduced to that event), and export writes it back with the modelled fields
   taken from the event. Nothing is kept when a fresh export would write the
   same XML, so ScheduleFlow -> BXF -> ScheduleFlow adds nothing.
6. Ids: EventId is a ``urn:uuid``. An event id that is one is written as is;
   any other is written as a name-based UUID and travels in
   ``PrivateInformation`` (``<sf:event id=...>``), with the kind when BXF has
   no equivalent and metadata BXF has no element for.
7. Updates: an ``action`` on an event (``add``, ``modify``/``replace``/``update``,
   ``delete``), or a ``modify``/``delete`` on BxfData or Schedule, makes the
   message an update to the window ``scheduleStart``-``scheduleEnd`` (else
   the span of its events): deletions need only the EventId.
8. Hostile input is refused as in every XML format (``_xml_safety``): no
   DOCTYPE, no entities, no network, bounded depth and size; every error
   names its line and column.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from lxml import etree

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    MAX_DURATION_US,
    MICROS_PER_SECOND,
    ChannelInfo,
    Event,
    EventKind,
    Finding,
    FindingCode,
    Location,
    ScheduleDocument,
    Severity,
    Window,
)
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.core.timecode import (
    RATES,
    FrameRate,
    Timecode,
    TimecodeError,
    frames_of,
    frames_to_us,
    parse_rate,
    parse_timecode,
)
from scheduleflow.server.core.timeparse import (
    TimestampError,
    format_duration,
    format_rfc3339,
    local_to_us,
    parse_duration,
    to_datetime,
    zone,
)
from scheduleflow.server.formats import _xml_safety as safety
from scheduleflow.server.formats._common import Collector, check_exportable, check_text, end_problem, read_instant
from scheduleflow.server.formats.limits import Limits

#: The release export writes (rule 1).
NAMESPACE = "http://smpte-ra.org/schemas/2021/2017/BXF"
RELEASE = "bxf-5.0 (SMPTE ST 2021-1:2017)"
_NAMESPACE_RE = re.compile(r"http://smpte-ra\.org/schemas/2021/(20(0[89]|1[0-9]|2[0-3]))/BXF")
PMCP_NAMESPACE = "http://www.atsc.org/XMLSchemas/pmcp/2007/3.1"
#: Our own PrivateInformation (rule 6).
SF_NAMESPACE = "https://scheduleflow.dev/schema/bxf/v1"
_SF = f"{{{SF_NAMESPACE}}}"
#: Names our ids map to; fixed forever, or exported EventIds would change.
_UUID_NAMESPACE = uuid.UUID("6f0e3a52-8d0c-5b1e-9a55-5c4b7d2a1f00")
_UUID_URN = re.compile(r"urn:uuid:[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

#: Metadata keys this module reads and writes.
META_FRAME_RATE = "bxf.frame_rate"
META_XML = "bxf.xml"
META_ISCI = "isci"
META_AD_ID = "ad_id"
_ALT_IDS = {"isci": META_ISCI, "ad-id": META_AD_ID, "adid": META_AD_ID, "ad_id": META_AD_ID}
_ALT_ID_NAMES = {META_ISCI: "ISCI", META_AD_ID: "Ad-ID"}

#: NonProgramDetail AdType -> kind, and the AdType export writes for a kind.
_AD_TYPES = {
    "General": EventKind.COMMERCIAL,
    "Direct Response": EventKind.COMMERCIAL,
    "Paid Program": EventKind.COMMERCIAL,
    "Trade/Barter": EventKind.COMMERCIAL,
    "Promo": EventKind.PROMO,
    "PSA": EventKind.FILLER,
    "Other": EventKind.FILLER,
}
_KIND_AD_TYPE = {EventKind.COMMERCIAL: "General", EventKind.PROMO: "Promo", EventKind.FILLER: "PSA"}
#: Kinds BXF has no element for: written as this and named in sf:event.
_KIND_FALLBACK = {
    EventKind.LIVE: None,  # a ProgramEvent
    EventKind.MUSIC: None,
    EventKind.JINGLE: "Other",
}
_UPDATE_ACTIONS = {"modify": "modify", "replace": "modify", "update": "modify", "delete": "delete", "add": "add"}


def is_bxf_namespace(uri: str) -> bool:
    return _NAMESPACE_RE.fullmatch(uri) is not None


def event_uuid(channel_id: str, event_id: str) -> str:
    """The EventId an event is exported with (rule 6)."""
    if _UUID_URN.fullmatch(event_id):
        return event_id
    return "urn:uuid:" + str(uuid.uuid5(_UUID_NAMESPACE, f"{channel_id}\0{event_id}"))


@dataclass(frozen=True, slots=True)
class BxfSchedule(ScheduleDocument):
    """A parsed BXF Schedule: a ScheduleDocument, and for an update (rule 7)
    the ids to delete and the window it updates."""

    update: bool = False
    deleted_ids: tuple[str, ...] = ()
    #: scheduleStart-scheduleEnd, when the message gives both.
    window: Window | None = None
    #: The frame rate the document's timecodes use, when it names one.
    frame_rate: str = ""


# ------------------------------------------------------------------ parsing


@dataclass(slots=True)
class _Unit:
    """One primary event as found: its EventData, Content, and the
    ScheduledEvent it belongs to (for the verbatim copy)."""

    event_data: etree._Element
    contents: list[etree._Element]
    scheduled: etree._Element
    #: The ScheduleElements holding it, or None for the ScheduledEvent's own.
    element: etree._Element | None
    action: str


@dataclass(slots=True)
class _Reader:
    content: bytes
    limits: Limits
    default_zone: str
    lines: safety.LineIndex
    collector: Collector
    ns: str = ""
    tz: ZoneInfo | None = None
    rate: FrameRate | None = None
    channel: ChannelInfo = field(default_factory=ChannelInfo)
    schedule_action: str = ""
    update: bool = False
    deleted: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)
    window: Window | None = None
    schedules: int = 0
    #: How the last UtcDateTime read was spelled ("utc", "offset", "local").
    spelling: str = "utc"
    #: Reading an AsRun message: its entries, instead of events.
    entries: list[AsRunEntry] | None = None
    #: Findings given a column so far (``where``).
    located: int = 0

    # -- errors

    def fail(self, message: str, el: etree._Element | None, attribute: str = "") -> InvalidInput:
        if el is None:
            return InvalidInput.at(message)
        line = safety.line_of(el)
        tag = safety.local_name(el.tag) if isinstance(el.tag, str) else ""
        line, column = self.lines.locate(line, tag, attribute) if tag else (line, 0)
        return InvalidInput.at(message, line=line, column=column)

    def where(self, el: etree._Element, *, precise: bool = True) -> Location:
        """Where ``el`` starts. Its column only when ``precise``, and for the
        first ``_LOCATED_FINDINGS`` findings: a column is found by scanning
        the line, an export writes the whole message on one, and a column
        for every event (or every finding) would make reading quadratic."""
        line = safety.line_of(el)
        if precise:
            self.located += 1
        if not precise or self.located > _LOCATED_FINDINGS:
            return Location(line, 0)
        tag = safety.local_name(el.tag) if isinstance(el.tag, str) else ""
        line, column = self.lines.locate(line, tag) if tag else (line, 0)
        return Location(line, column)

    # -- navigation in the document's namespace

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def child(self, el: etree._Element, *path: str) -> etree._Element | None:
        node: etree._Element | None = el
        for name in path:
            if node is None:
                return None
            node = node.find(self.q(name))
        return node

    def children(self, el: etree._Element, name: str) -> list[etree._Element]:
        return el.findall(self.q(name))

    def text(self, el: etree._Element | None, what: str, *, raw: bool = False) -> str:
        """The element's text, stripped unless ``raw`` (xs:string keeps its spaces)."""
        if el is None:
            return ""
        value = el.text or ""
        if not raw:
            value = value.strip()
        problem = check_text(value, what, self.limits)
        if problem:
            raise self.fail(problem, el)
        return value

    # -- the walk

    def run(self) -> None:
        root: etree._Element | None = None
        tags = ("{*}BxfMessage", "{*}Schedule", "{*}ScheduledEvent", "{*}AsRun")
        for action, el in safety.iterparse(self.content, tags):
            name = safety.local_name(el.tag)
            if action == "start":
                if root is None:
                    root = el
                    self.begin(el)
                elif name == "Schedule" and _parent_name(el) == "BxfData":
                    self.schedule_start(el)
                continue
            if name == "ScheduledEvent" and _parent_name(el) == "Schedule":
                if self.entries is not None:
                    raise self.fail("an as-run log holds <AsRun> entries, not <ScheduledEvent>s", el)
                self.scheduled_event(el)
                _release(el)
            elif name == "AsRun" and _parent_name(el) == "Schedule":
                if self.entries is None:
                    raise self.fail("this is an as-run log: send it to ReconcileAsRun, not Import", el)
                self.asrun(el)
                _release(el)
            elif name == "Schedule" and _parent_name(el) == "BxfData":
                self.schedule_end(el)

    def begin(self, root: etree._Element) -> None:
        tag = root.tag if isinstance(root.tag, str) else ""
        ns = tag[1:].partition("}")[0] if tag.startswith("{") else ""
        if safety.local_name(tag) != "BxfMessage" or not is_bxf_namespace(ns):
            raise self.fail(
                f"the root element must be <BxfMessage> in a BXF namespace such as {NAMESPACE!r}, not {tag!r}", root
            )
        self.ns = ns

    def schedule_start(self, el: etree._Element) -> None:
        self.schedules += 1
        if self.schedules > 1:
            raise self.fail("one <Schedule> per message: ScheduleFlow imports one channel's timeline at a time", el)
        kind = el.get("type", "Primary")
        if kind != "Primary":
            raise self.fail(
                f'<Schedule type="{kind}">: only Primary schedules are imported (an alternate schedule is not a '
                "channel's timeline)",
                el,
                "type",
            )
        channel_id = el.get(f"{_SF}channelId") or ""
        zone_name = el.get(f"{_SF}timeZone") or ""
        if zone_name:
            try:
                self.tz = zone(zone_name)
            except TimestampError as exc:
                raise self.fail(exc.message, el, "sf:timeZone") from None
        self.channel = ChannelInfo(id=channel_id, time_zone=zone_name)
        data = el.getparent()
        actions = [(el.get("action") or "").strip().lower()]
        if data is not None:
            actions.append((data.get("action") or "").strip().lower())
        self.schedule_action = next((a for a in actions if a), "")
        if self.schedule_action and self.schedule_action not in _UPDATE_ACTIONS:
            raise self.fail(f"unknown action {self.schedule_action!r}: use add, modify or delete", el, "action")
        if _UPDATE_ACTIONS.get(self.schedule_action, "add") != "add":
            self.update = True

    def schedule_end(self, el: etree._Element) -> None:
        # Children that follow the events (ScheduleName, PrivateInformation) are
        # only complete now; the channel they name applies to events read before.
        name = (
            self.text(self.child(el, "ScheduleName"), "ScheduleName", raw=True)
            or (el.get("scheduleName") or "").strip()
        )
        channel_el = self.child(el, "Channel")
        short = (channel_el.get("shortName") or "").strip() if channel_el is not None else ""
        self.channel = ChannelInfo(id=self.channel.id or short, display_name=name, time_zone=self.channel.time_zone)
        start, end = el.get("scheduleStart"), el.get("scheduleEnd")
        if start and end:
            tz = self.zone()
            try:
                a = read_instant(start.strip(), tz).us
                b = read_instant(end.strip(), tz).us
            except TimestampError as exc:
                raise self.fail(f"scheduleStart/scheduleEnd: {exc.message}", el, "scheduleStart") from None
            if b > a:
                self.window = Window(a, b)

    def zone(self) -> ZoneInfo:
        if self.tz is None:
            self.tz = zone(self.default_zone or "UTC")
        return self.tz

    def scheduled_event(self, el: etree._Element) -> None:
        if len(el):
            self.check_tree(el, 4)
        scheduled_action = (el.get("action") or "").strip().lower()
        own = self.child(el, "EventData")
        units: list[_Unit] = []
        if own is not None:
            contents = self.children(el, "Content")
            units.append(_Unit(own, contents, el, None, (own.get("action") or scheduled_action).strip().lower()))
        for element in self.children(el, "ScheduleElements"):
            data = self.child(element, "EventData")
            if data is None:
                continue
            contents = self.children(element, "Content") + self.children(element, "MultiContent")
            action = (data.get("action") or element.get("action") or scheduled_action).strip().lower()
            units.append(_Unit(data, contents, el, element, action))
        for unit in units:
            self.unit(unit)

    def check_tree(self, el: etree._Element, depth: int) -> None:
        if depth + safety.subtree_depth(el) > self.limits.max_depth:
            raise self.fail(f"elements are nested more than {self.limits.max_depth} levels deep", el)
        for node in el.iter():
            if node.tag is etree.Entity:
                raise self.fail(
                    "entity references are not accepted: only &amp; &lt; &gt; &quot; &apos; and character references",
                    el,
                )

    def unit(self, unit: _Unit) -> None:
        data = unit.event_data
        where = self.where(data, precise=False)
        self.collector.count(line=where.line, column=where.column)
        action = unit.action or self.schedule_action
        if action and action not in _UPDATE_ACTIONS:
            raise self.fail(f"unknown action {action!r}: use add, modify or delete", data, "action")
        if unit.action:
            self.update = True
        action = _UPDATE_ACTIONS.get(action, "add")
        if action != "add":
            self.update = True
        private = _sf_child(self.child(data, "PrivateInformation"), "event")
        id_el = self.child(data, "EventId", "EventId")
        event_id = (private.get("id") or "") if private is not None else ""
        if not event_id:
            event_id = self.text(id_el, "EventId")
        if not event_id:
            raise self.fail("the event has no EventId: a scheduled event needs <EventId><EventId>urn:uuid:...", data)
        if action == "delete":
            self.deleted.append(event_id)
            return
        primary = self.child(data, "PrimaryEvent")
        event_type = (data.get("eventType") or "").strip()
        if primary is None or event_type in ("NonPrimary", "Comment", "Macro"):
            self.secondary.append(event_id)
            return
        try:
            event = self.event(unit, event_id, private, primary)
        except TimestampError as exc:
            self.collector.bad_timestamp(exc, event_id, self.where(data))
            return
        self.collector.add(event, where)

    def event(self, unit: _Unit, event_id: str, private: etree._Element | None, primary: etree._Element) -> Event:
        data = unit.event_data
        program = self.child(primary, "ProgramEvent")
        title = self.text(self.child(data, "EventTitle"), "EventTitle", raw=True)
        if not title and program is not None:
            title = self.text(self.child(program, "ProgramName"), "ProgramName", raw=True)
        if not title:
            for content in unit.contents:
                title = self.text(self.child(content, "Name"), "Content Name", raw=True)
                if title:
                    break
        kind = EventKind.PROGRAM
        if program is None:
            ad_type = self.text(self.child(primary, "NonProgramEvent", "Details", "AdType"), "AdType")
            kind = _AD_TYPES.get(ad_type, EventKind.COMMERCIAL)
        metadata: dict[str, str] = {}
        if private is not None:
            named = private.get("kind")
            if named:
                try:
                    kind = EventKind(named)
                except ValueError:
                    raise self.fail(f"sf:event kind {named!r} is not an event kind", private, "kind") from None
            for meta in private.iterfind(f"{_SF}meta"):
                key = meta.get("key") or ""
                if not key or key in (META_XML, META_FRAME_RATE):
                    raise self.fail(f"sf:meta key {key!r} is empty or reserved", meta, "key")
                metadata[key] = meta.text or ""
        asset = ""
        for content in unit.contents:
            content_id = self.child(content, "ContentId")
            if content_id is None:
                continue
            asset = asset or self.text(self.child(content_id, "HouseNumber"), "HouseNumber", raw=True)
            for alt in self.children(content_id, "AlternateId"):
                alt_key = _ALT_IDS.get((alt.get("idType") or "").strip().lower())
                value = self.text(alt, "AlternateId", raw=True)
                if alt_key and value and alt_key not in metadata:
                    metadata[alt_key] = value
            if not asset:
                first = self.child(content_id, "AlternateId")
                asset = self.text(first, "AlternateId", raw=True)
        start_el = self.child(data, "StartDateTime")
        if start_el is None:
            raise self.fail(f"event {event_id!r} has no <StartDateTime>", data)
        self.spelling = "utc"
        start_us, start_rate = self.instant(start_el)
        if self.spelling != "utc":
            self.collector.normalised(self.spelling, event_id, self.where(start_el, precise=False))
        length = self.child(data, "LengthOption")
        duration_el = self.child(length, "Duration") if length is not None else None
        end_el = self.child(length, "EndDateTime") if length is not None else None
        rate: FrameRate | None = start_rate
        if duration_el is not None:
            duration_us, duration_rate = self.duration(duration_el, event_id)
            rate = duration_rate or rate
        elif end_el is not None:
            end_us, end_rate = self.instant(end_el)
            duration_us = end_us - start_us
            rate = rate or end_rate
        else:
            raise self.fail(f"event {event_id!r} has no <LengthOption> with a Duration or EndDateTime", data)
        if not 0 < duration_us <= MAX_DURATION_US:
            self.collector.error(
                FindingCode.INVALID_DURATION,
                f"event {event_id!r}: the duration must be positive and at most 366 days",
                event_id,
                self.where(data),
            )
        problem = end_problem(start_us, duration_us)
        if problem:
            raise self.fail(f"event {event_id!r}: {problem}", data)
        if rate is not None:
            metadata[META_FRAME_RATE] = rate.name
        start_mode = self.text(self.child(data, "StartMode"), "StartMode")
        event = Event(
            id=event_id,
            start_us=start_us,
            duration_us=duration_us,
            asset_id=asset,
            title=title,
            kind=kind,
            fixed_start=start_mode == "Fixed",
            metadata=metadata,
        )
        verbatim = self.verbatim(unit, event)
        if verbatim:
            event = event._replace(metadata={**metadata, META_XML: verbatim})
        return event

    def verbatim(self, unit: _Unit, event: Event) -> str:
        """The unit as XML when a fresh export would lose something (rule 5)."""
        kept = _reduced_copy(unit)
        for node in (kept, *kept.iter(self.q("ScheduleElements"), self.q("EventData"))):
            # The action was this message's (an update); the event it leaves is plain.
            if "action" in node.attrib:
                del node.attrib["action"]
        fresh = _canonical(render_scheduled_event(self.channel.id, event, self.zone()))
        if _canonical(kept) == fresh:
            return ""  # the usual case for a message we wrote: nothing to keep
        # What export would write from this copy: the modelled fields (times,
        # ids, title, house number) come from the event, so the copy keeps only
        # the rest, and a re-import of the export keeps the same text.
        patched = _patched(self.channel.id, event, etree.tostring(kept, encoding="unicode"), self.zone())
        canonical = _canonical(patched)
        if canonical == fresh:
            return ""
        # Canonical, so that the same BXF is kept as the same text whatever
        # the indentation or namespace prefixes of the message it came in.
        text = canonical.decode()
        problem = check_text(text, "the event's BXF", self.limits)
        if problem:
            raise self.fail(problem, unit.event_data)
        return text

    def rate_of(self, el: etree._Element, drop_frame: bool) -> FrameRate:
        attribute = el.get("frameRate")
        try:
            if attribute:
                rate = parse_rate(attribute, drop_frame=drop_frame)
                if self.rate is None:
                    self.rate = rate
                return rate
            if self.rate is not None:
                if drop_frame and not self.rate.drop_frame:
                    return parse_rate(self.rate.attribute, drop_frame=True)
                return self.rate
            # No rate anywhere: a drop-frame label means 29.97 (what DF exists
            # for); otherwise 25, the rate of the rest of the world.
            return RATES["29.97DF"] if drop_frame else RATES["25"]
        except TimecodeError as exc:
            raise self.fail(str(exc), el, "frameRate") from None

    def timecode(self, smpte: etree._Element) -> tuple[int, FrameRate]:
        code_el = self.child(smpte, "SmpteTimeCode")
        if code_el is None:
            raise self.fail(f"<{safety.local_name(smpte.tag)}> needs a <SmpteTimeCode>", smpte)
        try:
            code = parse_timecode(code_el.text or "")
            rate = self.rate_of(smpte, code.drop_frame)
            return code.frame_count(rate), rate
        except TimecodeError as exc:
            raise self.fail(str(exc), code_el) from None

    def instant(self, el: etree._Element) -> tuple[int, FrameRate | None]:
        utc = self.child(el, "UtcDateTime")
        if utc is not None:
            text = self.text(utc, "UtcDateTime")
            parsed = read_instant(text, self.zone())
            self.spelling = parsed.spelling
            return parsed.us, None
        smpte = self.child(el, "SmpteDateTime")
        if smpte is None:
            raise self.fail("a date-time needs <SmpteDateTime> or <UtcDateTime>", el)
        code_el = self.child(smpte, "SmpteTimeCode")
        try:
            code = parse_timecode((code_el.text or "") if code_el is not None else "")
            rate = self.rate_of(smpte, code.drop_frame)
            code.frame_count(rate)  # refuses impossible and dropped labels
        except TimecodeError as exc:
            raise self.fail(str(exc), code_el if code_el is not None else smpte) from None
        if code.hours > 23:
            raise self.fail("a time-of-day timecode runs 00:00:00:00-23:59:59", code_el)
        base = smpte.get("utcStartofBroadcastDay")
        frame_us = frames_to_us(code.frames, rate)
        if base:
            # The broadcast day's 00:00:00:00 given as an instant: elapsed time from it.
            origin = read_instant(base.strip(), self.zone()).us
            seconds = (code.hours * 60 + code.minutes) * 60 + code.seconds
            return origin + seconds * MICROS_PER_SECOND + frame_us, rate
        day_text = (smpte.get("broadcastDate") or "").strip()
        try:
            day = date.fromisoformat(day_text[:10])
        except ValueError:
            raise self.fail(f"broadcastDate {day_text!r} is not a date (YYYY-MM-DD)", smpte, "broadcastDate") from None
        wall = datetime(day.year, day.month, day.day, code.hours, code.minutes, code.seconds)
        tz = self.zone()
        label = f"{day.isoformat()} {code.text()}"
        if tz.key == "UTC":
            us = int((wall.replace(tzinfo=UTC) - _EPOCH).total_seconds()) * MICROS_PER_SECOND
        else:
            us = local_to_us(wall, tz, label)
        return us + frame_us, rate

    def duration(self, el: etree._Element, event_id: str) -> tuple[int, FrameRate | None]:
        smpte = self.child(el, "SmpteDuration")
        if smpte is not None:
            count, rate = self.timecode(smpte)
            return frames_to_us(count, rate), rate
        utc = self.child(el, "UtcDuration")
        if utc is None:
            raise self.fail("a duration needs <SmpteDuration> or <UtcDuration>", el)
        text = self.text(utc, "UtcDuration")
        try:
            span = parse_duration(text)
        except TimestampError as exc:
            raise self.fail(f"UtcDuration: {exc.message}", utc) from None
        if self.rate is not None and frames_of(span, self.rate) is None:
            self.collector.findings.append(
                Finding(
                    FindingCode.NOT_WHOLE_FRAMES,
                    Severity.WARNING,
                    f"event {event_id!r}: duration {text} is not a whole number of frames at the channel's "
                    f"{self.rate.name} frames per second; automation will round it",
                    (event_id,),
                    self.where(utc),
                )
            )
        return span, None

    def asrun(self, el: etree._Element) -> None:
        """One <AsRun>: a BasicAsRun or a CompleteAsRun (a ScheduledEvent with its AsRunDetail)."""
        assert self.entries is not None
        if len(el):
            self.check_tree(el, 4)
        where = self.where(el, precise=False)
        self.collector.count(line=where.line, column=where.column)
        basic = self.child(el, "BasicAsRun")
        complete = self.child(el, "CompleteAsRun")
        item = basic if basic is not None else complete
        if item is None:
            raise self.fail("<AsRun> needs a <BasicAsRun> or a <CompleteAsRun>", el)
        if basic is not None:
            id_holder = self.child(basic, "AsRunEventId")
            contents = self.children(basic, "Content")
        else:
            data = self.child(item, "EventData")
            if data is None:
                elements = self.child(item, "ScheduleElements")
                data = self.child(elements, "EventData") if elements is not None else None
            id_holder = self.child(data, "EventId") if data is not None else None
            contents = self.children(item, "Content")
        private = _sf_child(self.child(item, "PrivateInformation"), "asrun")
        planned = (private.get("plannedId") or "") if private is not None else ""
        if not planned and id_holder is not None:
            planned = self.text(self.child(id_holder, "EventId"), "EventId")
        own = (private.get("id") or "") if private is not None else ""
        detail = self.child(item, "AsRunDetail")
        if detail is None:
            raise self.fail("an as-run entry needs its <AsRunDetail> (what aired, when, how long)", item)
        statuses = [self.text(s, "Status") for s in self.children(detail, "Status")]
        start_el = self.child(detail, "StartDateTime")
        duration_el = self.child(detail, "Duration")
        if start_el is None or duration_el is None:
            raise self.fail("<AsRunDetail> needs a <StartDateTime> and a <Duration>", detail)
        label = own or planned or f"asrun-{len(self.entries) + 1}"
        try:
            start_us, _ = self.instant(start_el)
        except TimestampError as exc:
            raise self.fail(f"as-run entry {label!r}: {exc.message}", start_el) from None
        duration_us, _ = self.duration(duration_el, label)
        asset = title = ""
        for content in contents:
            content_id = self.child(content, "ContentId")
            if content_id is not None:
                asset = asset or self.text(self.child(content_id, "HouseNumber"), "HouseNumber", raw=True)
                if not asset:
                    asset = self.text(self.child(content_id, "AlternateId"), "AlternateId", raw=True)
            title = title or self.text(self.child(content, "Name"), "Name", raw=True)
        status = "; ".join(s for s in statuses if s)
        if private is not None:
            # What BXF could not carry as written (a status outside its list).
            status = private.get("status", status)
            title = title or private.get("title", "")
        self.entries.append(
            AsRunEntry(
                id=own or f"asrun-{len(self.entries) + 1}",
                planned_id=planned,
                start_us=start_us,
                duration_us=duration_us,
                asset_id=asset,
                title=title,
                status=status,
            )
        )

    def finish(self) -> BxfSchedule:
        if not self.ns:
            raise InvalidInput.at("the document has no <BxfMessage>")
        if self.secondary:
            shown = ", ".join(self.secondary[:10])
            self.collector.findings.append(
                Finding(
                    FindingCode.MISSING_FIELD,
                    Severity.INFO,
                    f"{len(self.secondary)} non-primary, macro or comment event(s) were not imported "
                    f"(a ScheduleFlow timeline holds primary events): {shown}",
                    tuple(self.secondary[:20]),
                )
            )
        doc = self.collector.document((self.channel,), self.zone().key)
        return BxfSchedule(
            channels=doc.channels,
            events=doc.events,
            locations=doc.locations,
            findings=doc.findings,
            update=self.update,
            deleted_ids=tuple(self.deleted),
            window=self.window,
            frame_rate=self.rate.name if self.rate is not None else "",
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Findings that get a column (``_Reader.where``); the rest their line.
_LOCATED_FINDINGS = 50


def _parent_name(el: etree._Element) -> str:
    parent = el.getparent()
    return safety.local_name(parent.tag) if parent is not None and isinstance(parent.tag, str) else ""


def _release(el: etree._Element) -> None:
    cast(Any, el).clear(keep_tail=True)
    parent = el.getparent()
    if parent is None:
        return
    # Earlier events go; the Schedule's other children (ScheduleName,
    # Channel) stay for the end of the Schedule.
    previous = el.getprevious()
    while previous is not None and isinstance(previous.tag, str) and previous.tag.endswith("}ScheduledEvent"):
        before = previous.getprevious()
        parent.remove(previous)
        previous = before


def _sf_child(private: etree._Element | None, name: str) -> etree._Element | None:
    if private is None:
        return None
    return private.find(f"{_SF}{name}")


def _reduced_copy(unit: _Unit) -> etree._Element:
    """The unit's ScheduledEvent holding only this event, without our own
    PrivateInformation (it is written afresh from the event)."""
    scheduled = unit.scheduled
    clone = etree.Element(scheduled.tag, attrib=cast(Any, scheduled.attrib), nsmap=cast(Any, scheduled.nsmap))
    for child in scheduled:
        name = safety.local_name(str(child.tag))
        if name == "ScheduleElements":
            if child is unit.element:
                clone.append(_copy(child))
            continue
        if name in ("EventData", "Content") and unit.element is not None:
            continue  # the ScheduledEvent's own event, not this one
        clone.append(_copy(child))
    _strip_ours(clone)
    return clone


def _strip_ours(el: etree._Element) -> None:
    """Remove our PrivateInformation entries (and PrivateInformation left empty)."""
    for private in list(el.iter(f"{{{_ns(el)}}}PrivateInformation")):
        for ours in private.findall(f"{_SF}*"):
            private.remove(ours)
        if not len(private) and not (private.text or "").strip():
            parent = private.getparent()
            if parent is not None:
                parent.remove(private)


def _copy(el: etree._Element) -> etree._Element:
    return copy.deepcopy(el)


def _ns(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _canonical(el: etree._Element) -> bytes:
    """The element's XML with insignificant whitespace dropped, for comparing."""
    clone = _copy(el)
    _strip_ours(clone)
    for node in clone.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(clone, method="c14n", exclusive=True)


_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
)


def _read(content: bytes, default_zone: str, limits: Limits, *, as_run: bool) -> _Reader:
    """Run the hardened reader over a message: a schedule's, or an as-run's."""
    safety.check_size(content, limits)
    safety.scan_prolog(content, allow_doctype=False, encodings=safety.UTF8_ONLY)
    entries: list[AsRunEntry] | None = [] if as_run else None
    reader = _Reader(content, limits, default_zone, safety.LineIndex(content), Collector(limits), entries=entries)
    try:
        reader.run()
    except etree.XMLSyntaxError as exc:
        raise safety.syntax_error(exc, limits) from None
    except TimestampError as exc:
        raise InvalidInput.at(exc.message) from None
    return reader


def parse(content: bytes, *, default_zone: str = "UTC", limits: Limits) -> BxfSchedule:
    """Read a BXF Schedule message (see the module rules)."""
    return _read(content, default_zone, limits, as_run=False).finish()


def parse_asrun(
    content: bytes, *, default_zone: str = "UTC", limits: Limits
) -> tuple[ChannelInfo, list[AsRunEntry], tuple[Finding, ...]]:
    """Read a BXF as-run log: a Schedule of ``<AsRun>`` entries."""
    reader = _read(content, default_zone, limits, as_run=True)
    doc = reader.finish()
    assert reader.entries is not None
    return doc.channels[0], reader.entries, doc.findings


_STATUSES = frozenset(
    {
        "Aired Without Discrepancy",
        "Technical Difficulty",
        "Did not air",
        "Aired with Duration Discrepancy",
        "Aired with Content Discrepancy",
        "Preempted",
        "Joined in Progress",
        "Inserted by Operator",
        "Unknown",
        "Missing Content",
    }
)


def render_asrun_parts(channel: ChannelInfo, entries: Sequence[AsRunEntry], *, pretty: bool = False) -> list[bytes]:
    """A BXF as-run log of ``entries`` (BasicAsRun each), as parts."""
    spans = [Event(e.id, e.start_us, e.duration_us) for e in entries]
    return render_message(channel, (_asrun_element(channel.id, e) for e in entries), spans, 0, pretty, as_run=True)


def _asrun_element(channel_id: str, entry: AsRunEntry) -> etree._Element:
    holder = etree.Element(f"{{{NAMESPACE}}}AsRun", nsmap=cast(Any, {None: NAMESPACE}))
    basic = _e(holder, "BasicAsRun")
    ids = _e(basic, "AsRunEventId")
    if entry.planned_id:
        _e(ids, "EventId", event_uuid(channel_id, entry.planned_id))
    else:
        _e(ids, "Null")
    if entry.asset_id:
        content = _e(basic, "Content")
        _e(_e(content, "ContentId"), "HouseNumber", entry.asset_id)
        if entry.title:
            _e(content, "Name", entry.title)
    detail = _e(basic, "AsRunDetail")
    statuses = [s.strip() for s in entry.status.split(";") if s.strip()]
    written = [s for s in statuses if s in _STATUSES] or ["Unknown"]
    for status in written:
        _e(detail, "Status", status)
    _e(detail, "Type", "Primary")
    _start_element(detail, "StartDateTime", entry.start_us, None, None)
    holder_duration = _e(detail, "Duration")
    _e(holder_duration, "UtcDuration", format_duration(entry.duration_us))
    private = etree.SubElement(_e(basic, "PrivateInformation"), f"{_SF}asrun", nsmap=cast(Any, {"sf": SF_NAMESPACE}))
    private.set("id", entry.id)
    if entry.planned_id:
        private.set("plannedId", entry.planned_id)
    if written != statuses:
        private.set("status", entry.status)
    if entry.title and not entry.asset_id:
        private.set("title", entry.title)
    return holder


# ------------------------------------------------------------------ rendering


def _e(parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}", attrib=attrib)
    if text is not None:
        el.text = text
    return el


def _kind_parts(kind: EventKind) -> tuple[str | None, bool]:
    """(AdType or None for a ProgramEvent, whether sf:event must name the kind)."""
    if kind is EventKind.PROGRAM:
        return None, False
    if kind in _KIND_AD_TYPE:
        return _KIND_AD_TYPE[kind], False
    return _KIND_FALLBACK[kind], True


def _event_rate(event: Event) -> FrameRate | None:
    name = event.metadata.get(META_FRAME_RATE, "")
    return RATES.get(name)


def _start_element(parent: etree._Element, name: str, us: int, rate: FrameRate | None, tz: ZoneInfo | None) -> None:
    holder = _e(parent, name)
    if rate is not None:
        smpte = _smpte_time_of_day(us, rate, tz)
        if smpte is not None:
            day, code = smpte
            el = _e(holder, "SmpteDateTime", broadcastDate=day, frameRate=rate.attribute)
            _e(el, "SmpteTimeCode", code)
            return
    _e(holder, "UtcDateTime", format_rfc3339(us))


def _smpte_time_of_day(us: int, rate: FrameRate, tz: ZoneInfo | None) -> tuple[str, str] | None:
    """(broadcastDate, timecode) that the importer reads back as ``us``, or None."""
    local = to_datetime(us, tz)
    whole = local.replace(microsecond=0)
    frames = frames_of(local.microsecond, rate)
    if frames is None or frames >= rate.nominal:
        return None
    code = Timecode(whole.hour, whole.minute, whole.second, frames, rate.drop_frame)
    try:
        code.frame_count(rate)
    except TimecodeError:
        return None  # a label drop-frame skips
    naive = whole.replace(tzinfo=None)
    try:
        back = local_to_us(naive, tz) if tz is not None and tz.key != "UTC" else None
    except TimestampError:
        return None  # in a DST overlap: only an instant says which
    if back is not None and back + frames_to_us(frames, rate) != us:
        return None
    return naive.date().isoformat(), code.text()


def _duration_element(parent: etree._Element, us: int, rate: FrameRate | None) -> None:
    holder = _e(parent, "Duration")
    if rate is not None and us < 24 * 3600 * MICROS_PER_SECOND:
        frames = frames_of(us, rate)
        if frames is not None:
            code = Timecode.from_frames(frames, rate)
            if code.hours < 24:
                el = _e(holder, "SmpteDuration", frameRate=rate.attribute)
                _e(el, "SmpteTimeCode", code.text())
                return
    _e(holder, "UtcDuration", format_duration(us))


def _private_event(channel_id: str, event: Event) -> etree._Element | None:
    _, name_kind = _kind_parts(event.kind)
    extra = {k: v for k, v in event.metadata.items() if k not in (META_XML, META_FRAME_RATE) and k not in _ALT_ID_NAMES}
    own_id = event_uuid(channel_id, event.id) != event.id
    if not (own_id or name_kind or extra):
        return None
    el = etree.Element(f"{_SF}event", nsmap={"sf": SF_NAMESPACE})
    if own_id:
        el.set("id", event.id)
    if name_kind:
        el.set("kind", event.kind.value)
    for key in sorted(extra):
        meta = etree.SubElement(el, f"{_SF}meta", key=key)
        meta.text = extra[key]
    return el


def render_scheduled_event(channel_id: str, event: Event, tz: ZoneInfo | None) -> etree._Element:
    """One event as a ``<ScheduledEvent>`` in the export namespace: its kept
    BXF with the modelled fields replaced, or a fresh one (rule 5)."""
    kept = event.metadata.get(META_XML)
    if kept:
        return _patched(channel_id, event, kept, tz)
    scheduled = etree.Element(f"{{{NAMESPACE}}}ScheduledEvent", nsmap=cast(Any, {None: NAMESPACE}))
    data = _e(scheduled, "EventData", eventType="Primary")
    _fill_event_data(data, channel_id, event, tz)
    content = _content(event)
    if content is not None:
        scheduled.append(content)
    return scheduled


def _content(event: Event) -> etree._Element | None:
    alternates = [(key, event.metadata[key]) for key in _ALT_ID_NAMES if event.metadata.get(key)]
    if not event.asset_id and not alternates:
        return None
    content = etree.Element(f"{{{NAMESPACE}}}Content")
    ids = _e(content, "ContentId")
    if event.asset_id:
        _e(ids, "HouseNumber", event.asset_id)
    for key, value in alternates:
        _e(ids, "AlternateId", value, idType=_ALT_ID_NAMES[key])
    return content


def _fill_event_data(data: etree._Element, channel_id: str, event: Event, tz: ZoneInfo | None) -> None:
    rate = _event_rate(event)
    ids = _e(data, "EventId")
    _e(ids, "EventId", event_uuid(channel_id, event.id))
    if event.title:
        _e(data, "EventTitle", event.title)
    primary = _e(data, "PrimaryEvent")
    ad_type, _ = _kind_parts(event.kind)
    if ad_type is None:
        program = _e(primary, "ProgramEvent")
        _e(program, "SegmentNumber", "1")
    else:
        details = _e(_e(primary, "NonProgramEvent"), "Details")
        _e(details, "AdType", ad_type)
        _e(details, "SpotType", "Standard")
    _start_element(data, "StartDateTime", event.start_us, rate, tz)
    _duration_element(_e(data, "LengthOption"), event.duration_us, rate)
    _e(data, "StartMode", "Fixed" if event.fixed_start else "Follow")
    _e(data, "EndMode", "Duration")
    private = _private_event(channel_id, event)
    if private is not None:
        _e(data, "PrivateInformation").append(private)


def _patched(channel_id: str, event: Event, kept: str, tz: ZoneInfo | None) -> etree._Element:
    try:
        scheduled = etree.fromstring(kept.encode(), parser=_SAFE_PARSER)
    except etree.XMLSyntaxError:
        raise InvalidInput.at(
            f"event {event.id!r}: metadata {META_XML!r} is not the XML of a ScheduledEvent; remove it to export afresh",
            field=f"metadata[{META_XML!r}]",
        ) from None
    old_ns = _ns(scheduled)
    if old_ns != NAMESPACE:
        # Another release's message: the same elements in the export's namespace.
        for node in scheduled.iter():
            if isinstance(node.tag, str) and node.tag.startswith(f"{{{old_ns}}}"):
                node.tag = f"{{{NAMESPACE}}}" + safety.local_name(node.tag)
        root = etree.Element(scheduled.tag, attrib=cast(Any, scheduled.attrib), nsmap=cast(Any, {None: NAMESPACE}))
        root.extend(list(scheduled))
        etree.cleanup_namespaces(root)
        scheduled = root

    def q(name: str) -> str:
        return f"{{{NAMESPACE}}}{name}"

    data = scheduled.find(q("EventData"))
    holder = scheduled
    if data is None:
        holder = scheduled.find(q("ScheduleElements"))
        data = holder.find(q("EventData")) if holder is not None else None
    if data is None or holder is None:
        raise InvalidInput.at(f"event {event.id!r}: metadata {META_XML!r} holds no EventData", field="metadata")
    rate = _event_rate(event)
    id_el = data.find(f"{q('EventId')}/{q('EventId')}")
    if id_el is not None:
        id_el.text = event_uuid(channel_id, event.id)
    _replace(data, q("StartDateTime"), lambda parent: _start_element(parent, "StartDateTime", event.start_us, rate, tz))
    _replace(
        data, q("LengthOption"), lambda parent: _duration_element(_e(parent, "LengthOption"), event.duration_us, rate)
    )
    mode = data.find(q("StartMode"))
    if mode is not None and (mode.text == "Fixed") != event.fixed_start:
        mode.text = "Fixed" if event.fixed_start else "Follow"
    # The title where the importer found it (EventTitle, ProgramName, Content Name).
    title_el = data.find(q("EventTitle"))
    if title_el is None:
        title_el = data.find(f"{q('PrimaryEvent')}/{q('ProgramEvent')}/{q('ProgramName')}")
    contents = holder.findall(q("Content")) + holder.findall(q("MultiContent"))
    if title_el is None:
        title_el = next((c.find(q("Name")) for c in contents if c.find(q("Name")) is not None), None)
    if title_el is not None:
        title_el.text = event.title
    house = next((c.find(f"{q('ContentId')}/{q('HouseNumber')}") for c in contents), None)
    if house is not None:
        house.text = event.asset_id
    private = _private_event(channel_id, event)
    if private is not None:
        existing = data.find(q("PrivateInformation"))
        if existing is None:
            existing = _e(data, "PrivateInformation")
        existing.append(private)
    return scheduled


def _replace(data: etree._Element, tag: str, make: Any) -> None:
    old = data.find(tag)
    if old is None:
        return
    index = list(data).index(old)
    tail = old.tail
    scratch = etree.Element("scratch")
    make(scratch)
    new = scratch[0]
    new.tail = tail
    data.remove(old)
    data.insert(index, new)


def render_parts(
    channel: ChannelInfo, events: Sequence[Event], *, revision: int = 0, pretty: bool = False
) -> list[bytes]:
    """A BXF Schedule message of ``events`` (rule 1), as parts that join to it."""
    check_exportable(channel, events)
    tz = zone(channel.time_zone) if channel.time_zone else None
    return render_message(
        channel, (render_scheduled_event(channel.id, e, tz) for e in events), events, revision, pretty
    )


_MARK = "scheduleflow-events"
#: Events serialized per part, so that a large export is not one huge string.
_BATCH = 1024


def render_message(
    channel: ChannelInfo,
    elements: Iterable[etree._Element],
    events: Sequence[Event],
    revision: int,
    pretty: bool,
    *,
    as_run: bool = False,
) -> list[bytes]:
    """The BxfMessage around ScheduledEvent (or AsRun) elements, as parts."""
    nsmap = cast(Any, {None: NAMESPACE, "pmcp": PMCP_NAMESPACE, "sf": SF_NAMESPACE})
    first = min((e.start_us for e in events), default=0)
    last = max((e.end_us for e in events), default=0)
    message = etree.Element(
        f"{{{NAMESPACE}}}BxfMessage",
        nsmap=nsmap,
        attrib={
            "id": "urn:uuid:" + str(uuid.uuid5(_UUID_NAMESPACE, f"{channel.id}\0{revision}\0{first}\0{last}")),
            "dateTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "messageType": "Information",
            "origin": "ScheduleFlow",
            "originType": "Automation" if as_run else "Traffic",
            "userName": "scheduleflow",
        },
    )
    data = _e(message, "BxfData", action="add")
    attrib = {"type": "Primary", "scheduleId": event_uuid(channel.id, "\0schedule")}
    if events:
        attrib["scheduleStart"] = format_rfc3339(first)
        attrib["scheduleEnd"] = format_rfc3339(last)
    schedule = _e(data, "Schedule", **attrib)
    # Our channel on the Schedule itself (its attribute group takes any
    # namespaced attribute): read before the events, which need its zone.
    schedule.set(f"{_SF}channelId", channel.id)
    if channel.time_zone:
        schedule.set(f"{_SF}timeZone", channel.time_zone)
    schedule.set(f"{_SF}revision", str(revision))
    if channel.display_name:
        _e(schedule, "ScheduleName", channel.display_name)
    schedule.append(etree.Comment(_MARK))
    if pretty:
        etree.indent(message, space="  ")
    head, _, tail = etree.tostring(message, xml_declaration=True, encoding="UTF-8").partition(
        f"<!--{_MARK}-->".encode()
    )
    parts = [head]
    batch: list[bytes] = []
    for el in elements:
        if pretty:
            etree.indent(el, space="  ", level=3)
            batch.append(b"\n      ")
        batch.append(etree.tostring(el, encoding="UTF-8", xml_declaration=False))
        if len(batch) >= _BATCH:
            parts.append(b"".join(batch))
            batch = []
    parts.append(b"".join(batch))
    parts.append(tail)
    return parts


__all__ = [
    "NAMESPACE",
    "RELEASE",
    "SF_NAMESPACE",
    "BxfSchedule",
    "event_uuid",
    "is_bxf_namespace",
    "parse",
    "render_parts",
    "render_scheduled_event",
]
