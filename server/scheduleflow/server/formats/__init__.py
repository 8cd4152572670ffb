"""Schedule documents: ScheduleFlow XML and JSON, and XMLTV, in and out.

Rules:

1. Bytes in, values out: no gRPC, protobuf, asyncio, database or network
   here, so parsing runs in pool workers and unit tests alike.
2. ``parse_document`` raises ``InvalidInput`` for anything structurally
   wrong (with line/column, or a JSON pointer in ``field``) and reports
   unreadable event starts as ``Finding``s in the document, leaving those
   events out; Validate reports them and Import refuses error findings.
3. ``render_document`` writes what ``parse_document`` reads back: exactly for
   XML and JSON; for XMLTV, everything XMLTV can carry (see ``xmltv``).
4. Hostile input (entities, XXE, oversize, deep nests) is refused before it
   costs anything; see ``_xml_safety`` and ``limits``.
5. Reading streams, so memory follows the events kept, not the document's
   tree; the cyclic garbage collector is held off while a document is read
   (it only re-traversed the new events, 40% of the time; see
   ``_common.gc_paused``).

Modules: ``detect`` (format sniffing), ``native_xml``, ``native_json``,
``xmltv``, ``bxf`` (SMPTE ST 2021), ``limits``; ``schemas/`` holds the published XSD and JSON Schema.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable

from scheduleflow.server.core.model import ChannelInfo, Event, ScheduleDocument
from scheduleflow.server.formats import bxf, native_json, native_xml, xmltv
from scheduleflow.server.formats._common import gc_paused
from scheduleflow.server.formats._xml_safety import check_size
from scheduleflow.server.formats._xmltv_details import details_problem as check_details
from scheduleflow.server.formats.detect import Format, detect_format
from scheduleflow.server.formats.limits import Limits
from scheduleflow.server.formats.xmltv import Guide, GuideChannel

__all__ = [
    "CONTENT_TYPES",
    "SCHEMA_FILES",
    "XML_NAMESPACE",
    "Format",
    "Guide",
    "GuideChannel",
    "Limits",
    "check_details",
    "detect_format",
    "parse_document",
    "parse_guide",
    "render_document",
    "render_document_parts",
    "schema_file",
]

#: Media types for Export responses. XMLTV has no registered type of its own.
CONTENT_TYPES: dict[Format, str] = {
    Format.XML: "application/xml",
    Format.JSON: "application/json",
    Format.XMLTV: "application/xml",
    Format.BXF: "application/xml",
}

XML_NAMESPACE = native_xml.NAMESPACE

#: The published schema of each native format, by file name in ``schemas/``.
SCHEMA_FILES: dict[Format, str] = {
    Format.XML: native_xml.XSD_NAME,
    Format.JSON: native_json.SCHEMA_NAME,
}

_DEFAULT_LIMITS = Limits()


def schema_file(fmt: Format) -> Traversable:
    """The schema of a native format, to publish or to validate against."""
    return resources.files(__name__).joinpath("schemas", SCHEMA_FILES[fmt])


def parse_document(
    content: bytes,
    fmt: Format | None = None,
    *,
    default_zone: str = "UTC",
    limits: Limits = _DEFAULT_LIMITS,
    channel_id: str = "",
) -> ScheduleDocument:
    """Read a schedule document; ``fmt=None`` detects the format.

    ``default_zone`` reads local start times of a native document whose
    channel names no zone. ``channel_id`` picks the channel of a multi-channel
    XMLTV document (it is ignored by the native formats, which hold one).
    """
    # Before anything looks at the bytes, detection included (rule 4).
    check_size(content, limits)
    # Format("xml") is Format.XML: a plain string from a config file works too.
    fmt = detect_format(content) if fmt is None else Format(fmt)
    with gc_paused():
        if fmt is Format.XML:
            return native_xml.parse(content, default_zone=default_zone, limits=limits)
        if fmt is Format.JSON:
            return native_json.parse(content, default_zone=default_zone, limits=limits)
        if fmt is Format.BXF:
            return bxf.parse(content, default_zone=default_zone, limits=limits)
        return xmltv.parse(content, limits=limits, channel_id=channel_id)


def parse_guide(
    content: bytes,
    fmt: Format | None = None,
    *,
    default_zone: str = "UTC",
    limits: Limits = _DEFAULT_LIMITS,
    select: Collection[str] = (),
    rename: Mapping[str, str] | None = None,
    end_us: int | None = None,
) -> Guide:
    """Read every channel of a document in one pass (or those in ``select``).

    XMLTV documents hold any number of channels (``xmltv.parse_guide``:
    ``rename`` maps their ids to stored ids, ``end_us`` ends a last programme
    without stop). A native document is a guide of its one channel, whose
    ``document_id`` is the id it names (or ""); ``select`` and ``rename`` do
    not apply to it: its channel is the one the caller imports into.
    """
    check_size(content, limits)
    fmt = detect_format(content) if fmt is None else Format(fmt)
    with gc_paused():
        if fmt is Format.XMLTV:
            return xmltv.parse_guide(content, limits=limits, select=select, rename=rename, end_us=end_us)
        doc = parse_document(content, fmt, default_zone=default_zone, limits=limits)
    return Guide((GuideChannel(doc.channels[0].id if doc.channels else "", doc),))


def render_document(
    fmt: Format,
    channel: ChannelInfo,
    events: Sequence[Event],
    *,
    revision: int = 0,
    pretty: bool = False,
    utc_times: bool = False,
) -> bytes:
    """Write ``events`` of ``channel`` as a document; ``InvalidInput`` if the
    format cannot carry them (an XMLTV channel id without a dot, text with
    characters XML cannot hold). XMLTV has no place for ``revision``;
    ``utc_times`` writes XMLTV times in UTC rather than the offsets the guide
    gave or the channel's zone has."""
    return b"".join(render_document_parts(fmt, channel, events, revision=revision, pretty=pretty, utc_times=utc_times))


def render_document_parts(
    fmt: Format,
    channel: ChannelInfo,
    events: Sequence[Event],
    *,
    revision: int = 0,
    pretty: bool = False,
    utc_times: bool = False,
) -> list[bytes]:
    """``render_document`` as parts that join to the document, so that a
    caller wrapping it (a response message) copies a 64 MB document once."""
    fmt = Format(fmt)
    if fmt is Format.XML:
        return native_xml.render_parts(channel, events, revision=revision, pretty=pretty)
    if fmt is Format.JSON:
        return native_json.render_parts(channel, events, revision=revision, pretty=pretty)
    if fmt is Format.BXF:
        return bxf.render_parts(channel, events, revision=revision, pretty=pretty)
    return xmltv.render_parts(channel, events, pretty=pretty, utc_times=utc_times)
