"""ScheduleFlow XML (``schemas/scheduleflow-v1.xsd``): parse and render.

Rules:

1. Reading streams: ``iterparse`` hands over one ``<channel>`` or ``<event>``
   at a time, each is validated against the XSD on its own (they are global
   elements for this reason) and then cleared and unlinked, so memory is
   bounded by the events kept, not by the tree. The root's own attributes
   are validated against the XSD through an empty copy of it; the order and
   kinds of the root's children are checked by hand as they stream past.
   Measured (2 shared cores): a whole tree of a 36 MB / 250,000-event
   document took 550 MB (15x the document) before the first event was
   read; streaming a 75 MB / 250,000-event document peaks at about 3x its
   size, the document's own bytes and the events included
   (bench/bench_formats.py).
   The per-element XSD check costs ~8 us of the ~40 us an event takes.
   ``iterparse(schema=...)`` was tried and rejected: its errors carry no line
   numbers and only surface at the end of the document.
2. XSD errors are reported with their line and the column of the offending
   attribute or element, namespaces stripped, and hints where the XSD's own
   words are cryptic (the duration pattern).
3. Rendering writes text directly (no tree): one element per line, or
   indented with ``pretty``; the output validates against the XSD (tested).
   Starts are written in UTC with 'Z' and only the fraction they need.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar, cast

from lxml import etree

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    ChannelDetails,
    ChannelInfo,
    Event,
    EventKind,
    Location,
    ProgrammeDetails,
    ScheduleDocument,
)
from scheduleflow.server.core.sharing import TextPool
from scheduleflow.server.core.timeparse import TimestampError, format_duration, format_rfc3339, zone
from scheduleflow.server.formats import _details_xml
from scheduleflow.server.formats import _xml_safety as safety
from scheduleflow.server.formats._common import (
    DURATION_HINT,
    KIND_BY_NAME,
    Encoder,
    check_exportable,
    check_text,
    check_zone,
    duration_is_finer,
    end_problem,
    escape_attr,
    escape_text,
    illegal_char,
    read_duration,
    read_instant,
)
from scheduleflow.server.formats._xml_reader import ElementReader
from scheduleflow.server.formats._xmltv_details import details_problem
from scheduleflow.server.formats.limits import Limits

NAMESPACE = "https://scheduleflow.dev/schema/v1"
XSD_NAME = "scheduleflow-v1.xsd"

_NS = "{" + NAMESPACE + "}"
_SCHEDULE = _NS + "schedule"
_CHANNEL = _NS + "channel"
_EVENT = _NS + "event"
_TITLE = _NS + "title"
_DISPLAY_NAME = _NS + "display-name"
_DETAILS = _NS + "details"
_D = TypeVar("_D", ProgrammeDetails, ChannelDetails)
_TAGS = ("{*}schedule", "{*}channel", "{*}event")
# Namespaces in XSD messages ("{https://...}event"), not the "{'a', 'b'}" sets
# that enumeration errors list.
_NS_RE = re.compile(r"\{(?:https?|urn):[^}]*\}")
_ATTR_IN_MESSAGE = re.compile(r"attribute '([^']+)'")
_ELEMENT_IN_MESSAGE = re.compile(r"Element '([^']+)'")


_local = threading.local()


@lru_cache(maxsize=1)
def _xsd_source() -> bytes:
    return resources.files("scheduleflow.server.formats").joinpath("schemas", XSD_NAME).read_bytes()


def xml_schema() -> etree.XMLSchema:
    """The XSD, parsed once per thread: an lxml validator keeps its error log
    in itself, so two threads validating at once would mix their errors."""
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        schema = _local.schema = etree.XMLSchema(etree.fromstring(_xsd_source(), parser))
    return schema


# ---------------------------------------------------------------- parsing


def parse(content: bytes, *, default_zone: str, limits: Limits) -> ScheduleDocument:
    """Read a ScheduleFlow XML document (see the module rules)."""
    safety.check_size(content, limits)
    prolog = safety.scan_prolog(content, allow_doctype=False, encodings=safety.UTF8_ONLY)
    if prolog.root_local_name != "schedule":
        raise InvalidInput.at(
            f"the root element is <{prolog.root_name}>: ScheduleFlow XML starts with "
            f'<schedule xmlns="{NAMESPACE}" version="1">',
            line=prolog.root_line,
            column=prolog.root_column,
        )
    check_zone(default_zone, field="time_zone")
    reader = _Reader(content, default_zone, limits)
    reader.run(_TAGS)
    return reader.collector.document(reader.channels, reader.zone_name)


class _Reader(ElementReader):
    """One pass over one document."""

    def __init__(self, content: bytes, default_zone: str, limits: Limits) -> None:
        super().__init__(content, limits)
        self.schema = xml_schema()
        self.channels: tuple[ChannelInfo, ...] = ()
        self.zone_name = default_zone
        self.zone = zone(default_zone)
        self.events_seen = False
        self.texts = TextPool()

    def on_element(self, el: etree._Element) -> None:
        if el.tag == _EVENT:
            self.event(el)
        elif el.tag == _CHANNEL:
            self.channel(el)
        else:
            name = safety.local_name(el.tag)
            raise self.fail(
                f'<{name}> is not in the ScheduleFlow namespace: declare xmlns="{NAMESPACE}" on <schedule>',
                safety.line_of(el),
                name,
            )

    def on_root_start(self, root: etree._Element) -> None:
        line = safety.line_of(root)
        if root.tag != _SCHEDULE:
            raise self.fail(
                f'<schedule> must be in the ScheduleFlow namespace: write <schedule xmlns="{NAMESPACE}" version="1">',
                line,
                "schedule",
            )
        # The attributes are complete at the start event; an empty copy of the
        # root lets the XSD judge them without waiting for the children.
        shell = etree.Element(root.tag, {str(k): str(v) for k, v in root.attrib.items()})
        if not self.schema.validate(shell):
            raise self.schema_error(root, line)

    def on_root_end(self, root: etree._Element) -> None:
        if root.text is not None and not root.text.isspace():
            raise self.fail("text is not allowed directly inside <schedule>", safety.line_of(root), "schedule")
        super().on_root_end(root)

    def check_sibling(self, node: etree._Element) -> None:
        """A child of <schedule> other than the channel and events, or stray text."""
        tag = node.tag
        if isinstance(tag, str) and tag not in (_EVENT, _CHANNEL):
            name = safety.local_name(tag)
            raise self.fail(
                f"unknown element <{name}>: <schedule> holds one <channel> and then <event> elements",
                safety.line_of(node),
                name,
            )
        if node.tail is not None and not node.tail.isspace():
            raise self.fail(
                f"text {node.tail.strip()[:40]!r} is not allowed between elements", safety.line_of(node), "event"
            )

    def schema_error(self, el: etree._Element, line: int) -> InvalidInput:
        entries = list(cast(Any, self.schema.error_log))
        entry = entries[0] if entries else None
        message = _NS_RE.sub("", str(entry.message)) if entry is not None else "does not match the schema"
        if entry is not None and entry.line:
            line = int(entry.line)
        attr = _ATTR_IN_MESSAGE.search(message)
        elem = _ELEMENT_IN_MESSAGE.search(message)
        tag = elem.group(1) if elem else safety.local_name(el.tag)
        if attr is not None and attr.group(1) == "duration" and "[facet 'pattern']" in message:
            value = el.get("duration", "")
            message = f"Element '{tag}', attribute 'duration': {value!r} is not a duration: {DURATION_HINT}"
        attribute = attr.group(1) if attr else ""
        # el is at depth 2 (schedule is 1); a hostile nest inside it fails the
        # schema anyway, but "nested too deep" tells the sender what happened.
        if safety.subtree_depth(el) + 2 > self.limits.max_depth:
            message = f"elements are nested more than {self.limits.max_depth} levels deep"
        return self.fail(f"schema: {message}", line, tag, attribute)

    def channel(self, el: etree._Element) -> None:
        line = safety.line_of(el)
        if self.channels:
            raise self.fail("only one <channel> is allowed per document", line, "channel")
        if self.events_seen:
            raise self.fail("<channel> must come before the first <event>", line, "channel")
        if not self.schema.validate(el):
            raise self.schema_error(el, line)
        channel_id = el.get("id", "")
        time_zone = el.get("time-zone", "")
        display_name = ""
        channel_details: ChannelDetails | None = None
        for child in el:
            if child.tag == _DISPLAY_NAME:
                display_name = child.text or ""
            elif child.tag == _DETAILS:
                channel_details = self.details(child, ChannelDetails, line, "channel")
        for what, value in (("channel id", channel_id), ("display-name", display_name), ("time-zone", time_zone)):
            problem = check_text(value, what, self.limits) or _illegal(value, what)
            if problem:
                raise self.fail(problem, line, "channel")
        if time_zone:
            column = self.lines.locate(line, "channel", "time-zone")
            check_zone(time_zone, line=column[0], column=column[1])
            self.zone_name = time_zone
            self.zone = zone(time_zone)
        self.channels = (
            ChannelInfo(id=channel_id, display_name=display_name, time_zone=time_zone, details=channel_details),
        )

    def details(self, el: etree._Element, cls: type[_D], line: int, parent: str) -> _D:
        """The guide details in ``el`` (already valid against the XSD), with their text checked."""
        details = cast(_D, self.texts.share_value(_details_xml.read(el, cls)))
        problem_at = details_problem(details, self.limits)
        if problem_at is not None:
            where, message = problem_at
            raise self.fail(f"<{parent}> details{where}: {message}", safety.line_of(el) or line, "details")
        return details

    def event(self, el: etree._Element) -> None:
        self.events_seen = True
        line = safety.line_of(el)
        self.collector.count(line=line)
        if not self.schema.validate(el):
            raise self.schema_error(el, line)
        attrib = el.attrib
        event_id = cast(str, attrib["id"])
        title = ""
        metadata: dict[str, str] = {}
        share = self.texts.share
        details: ProgrammeDetails | None = None
        for child in el:
            if child.tag == _TITLE:
                title = share(child.text or "")
            elif child.tag == _DETAILS:
                details = self.details(child, ProgrammeDetails, line, "event")
            else:
                metadata[share(cast(str, child.get("key")))] = share(child.text or "")
        asset = share(cast(str, attrib.get("asset", "")))
        limits = self.limits
        if len(metadata) > limits.max_metadata_entries:
            raise self.fail(
                f"event {event_id!r} has {len(metadata)} meta entries; at most {limits.max_metadata_entries} are allowed",
                line,
                "event",
            )
        max_text = limits.max_text
        if max(len(event_id), len(title), len(asset)) > max_text:
            for what, value in (("id", event_id), ("title", title), ("asset", asset)):
                problem = check_text(value, f"event {what}", limits)
                if problem:
                    raise self.fail(problem, line, "event", what if what != "title" else "")
        for key, value in metadata.items():
            # The message is built only for the entry that fails.
            if len(key) > max_text or len(value) > max_text:
                problem = check_text(key, "meta key", limits) or check_text(value, f"meta {key[:40]!r}", limits)
                raise self.fail(str(problem), line, "meta")
        try:
            duration_us = read_duration(cast(str, attrib["duration"]))
        except ValueError as exc:
            raise self.fail(f"event {event_id!r}: {exc}", line, "event", "duration") from None
        kind_text = attrib.get("kind")
        kind = KIND_BY_NAME[kind_text] if kind_text is not None else EventKind.PROGRAM
        fixed_text = attrib.get("fixed-start")
        fixed = fixed_text is not None and fixed_text.strip() in ("true", "1")
        where = Location(line=line)
        try:
            parsed = read_instant(cast(str, attrib["start"]), self.zone)
        except TimestampError as exc:
            line_col = self.lines.locate(line, "event", "start")
            self.collector.bad_timestamp(exc, event_id, Location(line=line_col[0], column=line_col[1]))
            return
        problem = end_problem(parsed.us, duration_us)
        if problem:
            raise self.fail(f"event {event_id!r}: {problem}", line, "event", "duration")
        finer = parsed.finer or duration_is_finer(cast(str, attrib["duration"]))
        self.collector.normalised(parsed.spelling, event_id, where, finer=finer)
        self.collector.add(
            Event(
                id=event_id,
                start_us=parsed.us,
                duration_us=self.texts.share_int(duration_us),
                asset_id=asset,
                title=title,
                kind=kind,
                fixed_start=fixed,
                metadata=self.texts.share_metadata(metadata),
                details=details,
            ),
            where,
        )


def _illegal(value: str, what: str) -> str | None:
    bad = illegal_char(value)
    return None if bad is None else f"{what} holds {bad}, which XML cannot carry"


# ---------------------------------------------------------------- rendering


def render_parts(channel: ChannelInfo, events: Sequence[Event], *, revision: int, pretty: bool) -> list[bytes]:
    """ScheduleFlow XML for ``events`` of ``channel``., in parts that join to it."""
    ind1, ind2, nl = ("  ", "    ", "\n") if pretty else ("", "", "")
    out = Encoder(lambda: check_exportable(channel, events))
    append = out.write
    append('<?xml version="1.0" encoding="UTF-8"?>\n')
    append(f'<schedule xmlns="{NAMESPACE}" version="1" revision="{int(revision)}">\n')
    if channel.id or channel.display_name or channel.time_zone or channel.details is not None:
        attrs = ""
        if channel.id:
            attrs += f' id="{escape_attr(channel.id)}"'
        if channel.time_zone:
            attrs += f' time-zone="{escape_attr(channel.time_zone)}"'
        inner = ""
        if channel.display_name:
            inner += f"{ind2}<display-name>{escape_text(channel.display_name)}</display-name>{nl}"
        if channel.details is not None:
            inner += f"{ind2}{_details_xml.render(channel.details)}{nl}"
        if inner:
            append(f"{ind1}<channel{attrs}>{nl}{inner}{ind1}</channel>\n")
        else:
            append(f"{ind1}<channel{attrs}/>\n")
    for event in events:
        head = (
            f'{ind1}<event id="{escape_attr(event.id)}" start="{format_rfc3339(event.start_us)}" '
            f'duration="{format_duration(event.duration_us)}" kind="{event.kind.value.lower()}"'
        )
        if event.fixed_start:
            head += ' fixed-start="true"'
        if event.asset_id:
            head += f' asset="{escape_attr(event.asset_id)}"'
        if not event.title and not event.metadata and event.details is None:
            append(head + "/>\n")
            continue
        body = [head, ">", nl]
        if event.title:
            body += [ind2, "<title>", escape_text(event.title), "</title>", nl]
        for key in sorted(event.metadata):
            body += [ind2, '<meta key="', escape_attr(key), '">', escape_text(event.metadata[key]), "</meta>", nl]
        if event.details is not None:
            body += [ind2, _details_xml.render(event.details), nl]
        body += [ind1, "</event>\n"]
        append("".join(body))
    append("</schedule>\n")
    return out.parts()
