"""XMLTV (xmltv.dtd): import real-world listings, export files that the
reference validator ``tv_validate_file`` accepts.

Rules:

1. One parse, every channel. ``parse_guide`` reads a whole guide and gives
   each channel (or each one in ``select``, by its id in the document) a
   ``ScheduleDocument`` of its own. The filter runs before any check of a
   channel's own content, so one odd channel never blocks the others.
   ``rename`` maps document ids to stored ids. ``parse`` is the one-channel
   view: ``channel_id`` picks one; without it a document that names several
   is ``InvalidInput`` listing them.
2. Any non-empty channel id is read: xmltv.dtd only says ids *should*
   follow RFC 2838, and published guides use ``CNN``, ``1`` or ``Game One``.
   An id outside RFC 2838 form is an INFO finding (NONSTANDARD_CHANNEL_ID).
   Export still writes only DNS-like ids (``tv_validate_file`` rejects others).
3. Times are XMLTV's ``YYYYMMDDhhmmss +zzzz``; no offset means UTC (the DTD
   says so). Export writes a time with the offset the guide wrote it with
   (kept in the event's details), else with the offset the channel's zone
   has at that instant, or in UTC when asked (``utc_times``), in whole
   seconds (XMLTV's precision).
4. A programme without ``stop`` ends where the next later programme of its
   channel starts. The last one has no end anyone can know: it ends at the
   caller's ``end_us`` when given, else it is left out with a WARNING
   (MISSING_FIELD) naming it, rather than getting a guessed length. A start
   or stop that cannot be read, and a stop before its start, are ERROR
   findings at the attribute (the programme is left out; Import refuses).
5. XMLTV has no event ids. Export writes ours in ``<episode-num
   system="scheduleflow-id">`` (``system`` is free text in the DTD and the
   validator checks only ``xmltv_ns`` numbers) and the asset id likewise in
   ``system="scheduleflow-asset"``, the way grabbers carry programme ids
   (``dd_progid``). Import uses them, or derives the id
   ``<channel>@<UTC start as YYYYMMDDThhmmssZ>`` (``#n`` added for the n-th
   programme of a clump), stable across re-imports of the same listing. An
   event read from a guide (with details) gets the id number only when its
   id is not the one import would derive again, so a guide comes back
   without numbers it never had.
6. Nothing of a programme or a channel is lost: every child and attribute
   is kept in the event's (channel's) ``details``, typed where a user would
   query it, verbatim otherwise (``_xmltv_details``), and export writes them
   back as they came. ``title`` is the first title, stripped, and
   ``metadata`` a flat summary (table ``_TEXT`` and friends below: repeated
   elements joined with "; ", text stripped) for callers that read only
   those; an event without details (from a native format or the API) is
   written from them. ``kind`` and ``fixed_start`` have no place in XMLTV.
   What cannot be kept is an INFO finding (NOT_KEPT): comments and
   processing instructions (the hardened parser drops them).
7. Nor is what the guide says of itself. The attributes of ``<tv>`` (date,
   source-info-*, source-data-url, generator-info-*, any other) and the
   ``x-*`` and other unknown elements under it (with what they hold,
   ``<programme>`` look-alikes included) are kept with every channel the
   guide brings in (``ChannelDetails.document_attributes``/
   ``document_verbatim``), in document order, each element at its index
   among the ``<tv>`` children an export of that channel writes: its
   ``<channel>``, its programmes and these elements. Export writes them back
   there (an export of a window writes what falls past its last programme
   after it), and the attributes on ``<tv>`` as the guide wrote them,
   ``generator-info-name`` included: a guide comes back as it came, and the
   file still names the tool that made its content. ScheduleFlow's own
   ``generator-info-name`` is written only when the channel's guide named no
   generator (or the channel comes from no guide). xmltv.dtd has no place
   for extensions (``<tv>`` holds ``channel*, programme*``), so an export of
   a guide that had them is as DTD-valid as that guide was: not, and every
   other export passes ``tv_validate_file``. Real guides say a few hundred
   characters of themselves, but each channel stores it again, so it is
   bounded: ``_DOCUMENT_ELEMENTS`` elements and ``_DOCUMENT_CHARS``
   characters of attributes and XML, in document order; what is over is
   accepted, not stored, and a WARNING (EXTENSION_NOT_STORED) once per
   element or attribute name. Unknown children and attributes of
   ``<channel>``/``<programme>`` are kept by rule 6; ``start`` and
   ``channel`` are required.
8. Clumps (``clumpidx="n/total"``: programmes that share one slot because
   the source could not split it) keep ``clumpidx`` in their metadata, so
   that validation does not call the members of one clump overlaps.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from scheduleflow.server.core.conflicts import CLUMP_KEY
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    CREDIT_ROLES,
    MAX_DURATION_US,
    ChannelDetails,
    ChannelInfo,
    Event,
    Finding,
    FindingCode,
    Fragment,
    Location,
    ProgrammeDetails,
    ScheduleDocument,
    Severity,
)
from scheduleflow.server.core.sharing import TextPool
from scheduleflow.server.core.timeparse import (
    TimestampError,
    format_xmltv,
    format_xmltv_offset,
    to_datetime,
    zone,
)
from scheduleflow.server.formats import _xml_safety as safety
from scheduleflow.server.formats._common import (
    Collector,
    Encoder,
    check_exportable,
    check_text,
    escape_attr,
    escape_text,
    read_instant,
)
from scheduleflow.server.formats._xml_reader import ElementReader
from scheduleflow.server.formats._xmltv_details import (
    ProgrammeDetailsReader,
    attribute_pairs,
    channel_attributes,
    channel_children,
    programme_attributes,
    programme_children,
    read_channel_details,
    tv_attributes,
    unkept_findings,
    verbatim,
)
from scheduleflow.server.formats.limits import Limits

#: tv_validate_file's test for a channel id (XMLTV::ValidateFile).
CHANNEL_ID = re.compile(r"[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+")
#: tv_validate_file's test for an xmltv_ns episode number, in Perl's byte
#: semantics: ASCII digits and ASCII white space only.
_XMLTV_NS = re.compile(
    r"[ \t\n\r\f\v]*[0-9]*([ \t\n\r\f\v]*/[ \t\n\r\f\v]*[0-9]+)?[ \t\n\r\f\v]*\."
    r"[ \t\n\r\f\v]*[0-9]*([ \t\n\r\f\v]*/[ \t\n\r\f\v]*[0-9]+)?[ \t\n\r\f\v]*\."
    r"[ \t\n\r\f\v]*[0-9]*([ \t\n\r\f\v]*/[ \t\n\r\f\v]*[0-9]+)?[ \t\n\r\f\v]*"
)
#: Text tv_validate_file takes for mis-encoding (it greps the file's bytes):
#: C1 controls (UTF-8 C2 80-9F, "windows-1252?"), U+FFFD before "]" and the
#: double-encoded replacement character "ï¿½". All are valid XML text, so the
#: export writes them as character references, which the check does not see
#: and every XML parser reads back as the same characters.
_VALIDATOR_SUSPECT = re.compile("[\x80-\x9f\ufffd]|\u00ef\u00bf")
#: A single character class scans ~5x faster than the pattern above (which
#: has no first character to look for): checked first, over the whole output.
_MAYBE_VALIDATOR_SUSPECT = re.compile("[\x80-\x9f\ufffd\u00ef]")


def _reference(match: re.Match[str]) -> str:
    text = match.group()
    return "\u00ef&#191;" if text == "\u00ef\u00bf" else f"&#{ord(text)};"


ID_SYSTEM = "scheduleflow-id"
ASSET_SYSTEM = "scheduleflow-asset"
#: An "episode" value that is not a valid xmltv_ns number travels under this
#: system so that it still comes back as "episode".
EPISODE_SYSTEM = "scheduleflow-episode"
_RESERVED_SYSTEMS = frozenset({"xmltv_ns", "onscreen", ID_SYSTEM, ASSET_SYSTEM, EPISODE_SYSTEM})

#: Text elements -> metadata keys, in xmltv.dtd's order.
_TEXT_BEFORE_CREDITS = (("sub-title", "sub_title"), ("desc", "description"))
_CREDITS = CREDIT_ROLES
_TEXT_AFTER_CREDITS = (
    ("date", "date"),
    ("category", "category"),
    ("keyword", "keyword"),
    ("language", "language"),
    ("orig-language", "orig_language"),
    ("url", "url"),
    ("country", "country"),
)
_TEXT = dict(_TEXT_BEFORE_CREDITS + _TEXT_AFTER_CREDITS)
#: EMPTY elements: present means "true".
_FLAGS = (("previously-shown", "previously_shown"), ("new", "new"))
#: Text that may be empty (then it means "true").
_MAYBE_EMPTY = (("premiere", "premiere"), ("last-chance", "last_chance"))
#: Elements with a <value> child and an optional system attribute.
_VALUED = (("rating", "rating"), ("star-rating", "star_rating"))
_JOIN = "; "


@dataclass(slots=True)
class _Row:
    """A programme as read, before its times are resolved."""

    explicit_id: str
    start: str
    stop: str
    clump: int
    title: str
    asset: str
    metadata: dict[str, str]
    line: int
    #: The clumpidx attribute as written ("0/2"); "" outside a clump.
    clumpidx: str = ""
    details: ProgrammeDetails | None = None
    # Filled in once the channel is chosen and the times are read.
    event_id: str = ""
    start_us: int = 0
    stop_us: int | None = None


@dataclass(frozen=True, slots=True)
class GuideChannel:
    """One channel of a guide: its id in the document and what was read for it.

    ``document.channels`` holds the one stored channel (``rename`` applied);
    ``document.findings`` the findings about this channel's programmes.
    """

    document_id: str
    document: ScheduleDocument


@dataclass(frozen=True, slots=True)
class Guide:
    """A whole XMLTV document, read once: its channels in document order, and
    the findings that belong to no channel (document-level content over
    rule 7's budget, skipped channels without an id)."""

    channels: tuple[GuideChannel, ...]
    findings: tuple[Finding, ...] = ()


# ---------------------------------------------------------------- parsing


def parse(content: bytes, *, limits: Limits, channel_id: str = "") -> ScheduleDocument:
    """Read one channel of an XMLTV document (see the module rules)."""
    guide = parse_guide(content, limits=limits, select=(channel_id,) if channel_id else ())
    if not guide.channels:
        return ScheduleDocument(channels=(), events=(), findings=guide.findings)
    if len(guide.channels) > 1:
        known = [c.document_id for c in guide.channels]
        raise InvalidInput.at(
            f"this XMLTV document has {len(known)} channels ({', '.join(known[:50])}): "
            "say which one to read with channel_id",
            field="channel_id",
        )
    doc = guide.channels[0].document
    if guide.findings:
        doc = dataclasses.replace(doc, findings=guide.findings + doc.findings)
    return doc


def parse_guide(
    content: bytes,
    *,
    limits: Limits,
    select: Collection[str] = (),
    rename: Mapping[str, str] | None = None,
    end_us: int | None = None,
) -> Guide:
    """Read every channel of an XMLTV document in one pass (module rule 1).

    ``select`` names the channels to read by their document ids (empty: all);
    ``rename`` maps document ids to stored ids; ``end_us`` ends a last
    programme that has no stop (rule 4).
    """
    safety.check_size(content, limits)
    prolog = safety.scan_prolog(content, allow_doctype=True, encodings=safety.ASCII_COMPATIBLE)
    if prolog.root_name != "tv":
        raise InvalidInput.at(
            f"the root element is <{prolog.root_name}>: an XMLTV document starts with <tv>",
            line=prolog.root_line,
            column=prolog.root_column,
        )
    reader = _Reader(content, limits, frozenset(select), dict(rename or {}), end_us)
    reader.run(("{*}tv", "{*}channel", "{*}programme"))
    return reader.finish()


class _Reader(ElementReader):
    def __init__(
        self, content: bytes, limits: Limits, select: frozenset[str], rename: dict[str, str], end_us: int | None
    ) -> None:
        # The base's collector counts programmes, all channels: the document's
        # max_events limit. Each channel's events go to a collector of its own.
        super().__init__(content, limits)
        self.select = select
        self.rename = rename
        self.end_us = end_us
        #: Channel ids in order of appearance -> display name.
        self.channels: dict[str, str] = {}
        self.rows: dict[str, list[_Row]] = {}
        #: Every channel id named, selected or not, in order of appearance.
        self.all_ids: dict[str, None] = {}
        #: Where each channel id was first seen: line, element, attribute.
        self.first_seen: dict[str, tuple[int, str, str]] = {}
        #: The attributes of <tv> as kept (rule 7).
        self.document_attributes: tuple[tuple[str, str], ...] = ()
        #: The x-*/unknown elements under <tv> kept (rule 7), in document order:
        #: each one's XML and how many elements of each channel came before it.
        self.document_kept: list[tuple[str, dict[str, int]]] = []
        #: Characters of document-level content kept so far (rule 7's budget).
        self.document_chars = 0
        #: What the budget left out: what -> [count, first line, tag, attribute].
        self.not_stored: dict[str, list[Any]] = {}
        #: Channels and programmes with an empty channel id: first line, count.
        self.nameless: list[int] = []
        self.texts = TextPool()
        #: Findings given a column so far (``where``).
        self.located = 0
        self.details_reader = ProgrammeDetailsReader(self.texts)
        #: Channel ids -> what their <channel> said beyond the display name.
        self.channel_details: dict[str, ChannelDetails] = {}

    def where(self, line: int, tag: str, attribute: str = "") -> Location:
        """Where a finding points: with its column for the first few, the line
        alone after that. A column costs a scan of the line (``locate``), and
        a guide written on one line with thousands of odd channel ids would
        pay it once per channel: quadratic."""
        self.located += 1
        if self.located > _LOCATED_FINDINGS:
            return Location(line=line)
        return Location(*self.lines.locate(line, tag, attribute))

    def wanted(self, channel_id: str) -> bool:
        return not self.select or channel_id in self.select

    def on_root_start(self, root: etree._Element) -> None:
        self.check_namespace(root)
        kept: list[tuple[str, str]] = []
        line = safety.line_of(root)
        for name, value in attribute_pairs(root):
            # Once one is over the budget, so are the rest: a prefix's xmlns
            # pair (which comes first) is never left out while an attribute
            # that needs it is kept.
            if not self.not_stored and self.budget(len(name) + len(value)):
                kept.append((name, value))
                continue
            self.not_kept(f"attribute {name!r} of <tv>", line, "tv", name)
        self.document_attributes = tuple(kept)

    def on_start(self, el: etree._Element) -> None:
        self.check_namespace(el)
        # The extensions since the last channel or programme are complete now:
        # kept before this element counts (rule 7).
        previous = el.getprevious()
        if previous is not None and previous.tag not in _LISTED:
            pending = []
            while previous is not None and previous.tag not in _LISTED:
                pending.append(previous)
                previous = previous.getprevious()
            for node in reversed(pending):
                self.extension(node)

    def budget(self, size: int) -> bool:
        """Whether ``size`` more characters of document-level content fit (rule 7), taking them if so."""
        if self.document_chars + size > _DOCUMENT_CHARS:
            return False
        self.document_chars += size
        return True

    def not_kept(self, what: str, line: int, tag: str, attribute: str = "") -> None:
        seen = self.not_stored.setdefault(what, [0, line, tag, attribute])
        seen[0] += 1

    def extension(self, node: etree._Element) -> None:
        """An x-* or unknown element under <tv> (rule 7): checked, then kept if the budget allows."""
        tag: object = node.tag
        if not isinstance(tag, str):
            return  # an entity reference: check_sibling refuses it
        line = safety.line_of(node)
        self.check_tree(node, 2)
        if len(self.document_kept) < _DOCUMENT_ELEMENTS:
            xml = verbatim(node)
            if self.budget(len(xml)):
                # Each channel's elements so far: its programmes read, and its <channel>.
                before = {channel: len(rows) for channel, rows in self.rows.items()}
                for channel in self.channels:
                    before[channel] = before.get(channel, 0) + 1
                self.document_kept.append((xml, before))
                return
        name = safety.local_name(tag)
        self.not_kept(f"<{name}> under <tv>", line, name)

    def in_extension(self, el: etree._Element, root: etree._Element | None) -> bool:
        # Rule 7: inside <x-listing> or any element <tv> does not define.
        top = el
        while (parent := top.getparent()) is not None and parent is not root:
            top = parent
        return top is not el and top.tag not in ("channel", "programme")

    def check_namespace(self, el: etree._Element) -> None:
        if el.tag not in ("tv", "channel", "programme"):
            name = safety.local_name(el.tag)
            raise self.fail(f"<{name}> is in a namespace: XMLTV elements have none", safety.line_of(el), name)

    def on_root_end(self, root: etree._Element) -> None:
        if root.text is not None and not root.text.isspace():
            raise self.fail("text is not allowed directly inside <tv>", safety.line_of(root), "tv")
        # Those after the last channel or programme (the others are gone).
        for child in root:
            if child.tag not in _LISTED:
                self.extension(child)
        super().on_root_end(root)

    def on_element(self, el: etree._Element) -> None:
        if el.tag == "programme":
            self.programme(el)
        else:
            self.channel(el)

    def check_sibling(self, node: etree._Element) -> None:
        tag = node.tag
        if tag is etree.Entity:
            raise self.entity_error(node, safety.line_of(node))
        # An extension (rule 7) was read by ``extension`` already.
        if node.tail is not None and not node.tail.isspace():
            raise self.fail(f"text {node.tail.strip()[:40]!r} is not allowed between elements", safety.line_of(node))

    def entity_error(self, node: etree._Element, line: int, tag: str = "") -> InvalidInput:
        # Only possible after a DOCTYPE (which stops libxml2 from calling an
        # undeclared entity an error): the DTD is never loaded, so no entity
        # but the five predefined ones can have a value.
        name = cast(Any, node).name
        return self.fail(
            f"undefined entity &{name};: only &amp; &lt; &gt; &quot; &apos; and character references are allowed",
            line,
            tag,
        )

    def channel_id_of(self, el: etree._Element, attribute: str) -> str | None:
        """The channel id ``el`` names, or None when it is not selected.

        The selection comes first (rule 1): an unselected channel's content is
        held to the document's limits only. An empty id cannot be stored: its
        channel is left out with a warning (``nameless``) unless selected by
        name, which it cannot be.
        """
        line = safety.line_of(el)
        value = el.get(attribute)
        if value is None:
            if attribute == "id":
                raise self.fail('<channel> needs an id attribute, such as id="bbc1.example"', line, "channel")
            raise self.fail(
                '<programme> needs a channel attribute: <programme start="20251122093000 +0000" channel="bbc1.example">',
                line,
                "programme",
            )
        self.all_ids[value] = None
        if not self.wanted(value):
            self.check_tree(el, 2)
            return None
        if not value.strip():
            self.check_tree(el, 2)
            self.nameless.append(line)
            return None
        if value not in self.first_seen:
            self.first_seen[value] = (line, "channel" if attribute == "id" else "programme", attribute)
        return value

    def text_of(self, el: etree._Element, depth: int) -> str:
        """The stripped text of an element at ``depth`` (tv is 1), whose
        subtree is checked for entity references and the depth limit."""
        if len(el):
            self.check_tree(el, depth)
        return (el.text or "").strip()

    def check_tree(self, el: etree._Element, depth: int) -> None:
        """Refuse entity references and deep nests anywhere below ``el``
        (elements we ignore may hold anything else)."""
        tag = el.tag if isinstance(el.tag, str) else ""
        if depth + safety.subtree_depth(el) > self.limits.max_depth:
            raise self.fail(
                f"elements are nested more than {self.limits.max_depth} levels deep", safety.line_of(el), tag
            )
        for node in el.iter():
            if node.tag is etree.Entity:
                raise self.entity_error(node, safety.line_of(el), tag)

    def channel(self, el: etree._Element) -> None:
        line = safety.line_of(el)
        channel_id = self.channel_id_of(el, "id")
        if channel_id is None:
            return
        if channel_id in self.channels:
            raise self.fail(f"channel {channel_id!r} is described twice", line, "channel")
        display_name = ""
        for child in el:
            if child.tag is etree.Entity:
                raise self.entity_error(child, line)
            text = self.text_of(child, 3)
            if child.tag == "display-name" and not display_name:
                display_name = text
        problem = check_text(display_name, "display-name", self.limits)
        if problem:
            raise self.fail(problem, line, "channel")
        self.channels[channel_id] = display_name
        details = read_channel_details(el, self.texts)
        self.check_details(details.verbatim, line, "channel")
        self.channel_details[channel_id] = details

    def check_details(self, kept: Sequence[Fragment], line: int, tag: str) -> None:
        """Verbatim children are held to the text limit like any other text."""
        for fragment in kept:
            problem = check_text(fragment.xml, f"<{tag}> child {fragment.position + 1}", self.limits)
            if problem:
                raise self.fail(problem, line, tag)

    def programme(self, el: etree._Element) -> None:
        line = safety.line_of(el)
        # Every programme counts toward the document's limit, selected or not.
        self.collector.count(line=line)
        channel = self.channel_id_of(el, "channel")
        if channel is None:
            return
        start = el.get("start")
        if start is None:
            raise self.fail(
                '<programme> needs a start attribute: <programme start="20251122093000 +0000" channel="CNN">',
                line,
                "programme",
            )
        stop = el.get("stop") or ""
        clump = 0
        clumpidx = el.get("clumpidx")
        if clumpidx:
            m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", clumpidx)
            if m is None or int(m.group(1)) >= int(m.group(2)):
                raise self.fail(
                    f"clumpidx {clumpidx[:40]!r} must be 'n/total' with n < total, such as '0/2'",
                    line,
                    "programme",
                    "clumpidx",
                )
            clump = int(m.group(1))
        title = ""
        explicit_id = ""
        asset = ""
        values: dict[str, list[str]] = {}
        title_seen = False
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                raise self.entity_error(child, line)
            if tag == "title":
                text = self.text_of(child, 3)
                if not title_seen:
                    title, title_seen = text, True
            elif tag in _TEXT:
                text = self.text_of(child, 3)
                if text:
                    values.setdefault(_TEXT[tag], []).append(text)
            elif tag == "credits":
                self.check_tree(child, 3)
                for person in child:
                    text = (person.text or "").strip()
                    if isinstance(person.tag, str) and person.tag in _CREDITS and text:
                        values.setdefault(person.tag, []).append(text)
            elif tag == "episode-num":
                text = self.text_of(child, 3)
                system = child.get("system", "onscreen")
                if system == ID_SYSTEM:
                    explicit_id = text
                elif system == ASSET_SYSTEM:
                    asset = text
                elif text:
                    key = _EPISODE_KEYS.get(system, f"episode.{system}")
                    values.setdefault(key, []).append(text)
            elif tag in _FLAG_KEYS:
                self.check_tree(child, 3)
                values[_FLAG_KEYS[tag]] = ["true"]
            elif tag in _MAYBE_EMPTY_KEYS:
                text = self.text_of(child, 3)
                values.setdefault(_MAYBE_EMPTY_KEYS[tag], []).append(text or "true")
            elif tag in _VALUED_KEYS:
                self.check_tree(child, 3)
                rating_system = child.get("system")
                key = _VALUED_KEYS[tag] if rating_system is None else f"{_VALUED_KEYS[tag]}.{rating_system}"
                for item in child:
                    text = (item.text or "").strip()
                    if item.tag == "value" and text:
                        values.setdefault(key, []).append(text)
            else:
                # Not mapped (rule 6), but held to the same limits.
                self.check_tree(child, 3)
        details = self.details_reader.read(el, title, consumed=_timeline_episode)
        self.check_details(details.verbatim, line, "programme")
        share = self.texts.share
        metadata = self.texts.share_metadata({share(key): share(_JOIN.join(texts)) for key, texts in values.items()})
        limits = self.limits
        if len(metadata) > limits.max_metadata_entries:
            raise self.fail(
                f"programme has {len(metadata)} metadata entries; at most {limits.max_metadata_entries} are allowed",
                line,
                "programme",
            )
        for what, field_text in [("title", title), ("id", explicit_id), ("asset", asset), *metadata.items()]:
            problem = check_text(field_text, what, limits)
            if problem:
                raise self.fail(problem, line, "programme")
        self.rows.setdefault(channel, []).append(
            _Row(explicit_id, start, stop, clump, share(title), share(asset), metadata, line, clumpidx or "", details)
        )

    def selected(self) -> list[str]:
        """The channels to give back, in document order (rule 1)."""
        known = list(self.channels)
        known += [c for c in self.rows if c not in self.channels]
        if not self.select:
            return known
        missing = sorted(self.select.difference(known))
        if missing and (self.all_ids or len(self.select) > 1):
            listed = ", ".join(list(self.all_ids)[:50]) or "none"
            raise InvalidInput.at(
                f"channel {missing[0]!r} is not in this XMLTV document; it has: {listed}",
                field="channel_id",
            )
        # A document without channels gives the one channel asked for, empty.
        return known or list(self.select)

    def stored_ids(self, chosen: list[str]) -> dict[str, str]:
        stored: dict[str, str] = {}
        for document_id in chosen:
            target = self.rename.get(document_id, document_id)
            if not target.strip():
                raise InvalidInput.at(f"channel {document_id!r} is renamed to an empty id", field="channel_map")
            if target in stored.values():
                other = next(k for k, v in stored.items() if v == target)
                raise InvalidInput.at(
                    f"channels {other!r} and {document_id!r} would both be stored as {target!r}: rename one of them",
                    field="channel_map",
                )
            stored[document_id] = target
        return stored

    def finish(self) -> Guide:
        chosen = self.selected()
        stored = self.stored_ids(chosen)
        findings: list[Finding] = []
        if self.nameless:
            findings.append(
                Finding(
                    FindingCode.MISSING_FIELD,
                    Severity.WARNING,
                    f"{len(self.nameless)} <channel>/<programme> element(s) have an empty channel id and were left "
                    "out: a channel needs an id to be stored",
                    (),
                    Location(line=self.nameless[0]),
                )
            )
        findings += unkept_findings(self.content)
        for what, (count, line, tag, attribute) in self.not_stored.items():
            findings.append(
                Finding(
                    FindingCode.EXTENSION_NOT_STORED,
                    Severity.WARNING,
                    f"{what} ({count}x) was accepted but not stored: what a guide says of itself is kept with each "
                    f"of its channels up to {_DOCUMENT_ELEMENTS} elements and {_DOCUMENT_CHARS // 1024} KiB of "
                    "attributes and XML, in document order",
                    (),
                    Location(*self.lines.locate(line, tag, attribute)),
                )
            )
        channels = tuple(GuideChannel(c, self.channel_document(c, stored[c])) for c in chosen)
        return Guide(channels, tuple(findings))

    def channel_document(self, document_id: str, channel_id: str) -> ScheduleDocument:
        """The events of one channel, times resolved (rules 3, 4, 8)."""
        collector = Collector(self.limits)
        seen = self.first_seen.get(document_id)
        if seen is not None and CHANNEL_ID.fullmatch(document_id) is None:
            collector.findings.append(
                Finding(
                    FindingCode.NONSTANDARD_CHANNEL_ID,
                    Severity.INFO,
                    f"channel id {document_id[:80]!r} is not in RFC 2838 form ('bbc1.example'), as XMLTV recommends; "
                    "it is kept as written",
                    (),
                    self.where(*seen),
                )
            )
        utc = zone("UTC")
        good: list[_Row] = []
        stops_missing = False
        for row in self.rows.pop(document_id, []):
            try:
                instant = read_instant(row.start, utc)
            except TimestampError as exc:
                # Columns are found on demand: scanning for them is an error
                # path's cost, not every programme's.
                start_where = Location(*self.lines.locate(row.line, "programme", "start"))
                collector.bad_timestamp(exc, row.explicit_id or f"{channel_id}@{row.start.strip()}", start_where)
                continue
            row.event_id = row.explicit_id or _derived_id(channel_id, instant.us, row.clump)
            if row.stop:
                try:
                    row.stop_us = read_instant(row.stop, utc).us
                except TimestampError as exc:
                    stop_where = Location(*self.lines.locate(row.line, "programme", "stop"))
                    collector.bad_timestamp(exc, row.event_id, stop_where, "stop")
                    continue
            else:
                stops_missing = True
            row.start_us = instant.us
            if instant.spelling != "utc":
                collector.normalised(instant.spelling, row.event_id, Location(line=row.line))
            good.append(row)
        # Rule 4: a missing stop is the next later start of the channel.
        starts = sorted({row.start_us for row in good}) if stops_missing else []
        for row in good:
            stop_us = row.stop_us
            if stop_us is None:
                following = bisect.bisect_right(starts, row.start_us)
                if following < len(starts):
                    stop_us = starts[following]
                elif self.end_us is not None and self.end_us > row.start_us:
                    stop_us = self.end_us
                else:
                    given = "" if self.end_us is None else " and the end given for it is not after its start"
                    collector.findings.append(
                        Finding(
                            FindingCode.MISSING_FIELD,
                            Severity.WARNING,
                            f"event {row.event_id!r} ({row.title[:60]!r}), the last programme of {document_id!r}, has "
                            f'no stop time{given}, so its end is unknown: it was left out (add stop="..." or give '
                            "the import an end for it)",
                            (row.event_id,),
                            self.where(row.line, "programme"),
                        )
                    )
                    continue
            duration_us = stop_us - row.start_us
            if abs(duration_us) > MAX_DURATION_US:
                raise self.fail(
                    f"programme {row.event_id!r} lasts longer than the longest event allowed (366 days): check its stop",
                    row.line,
                    "programme",
                    "stop",
                )
            if duration_us < 0:
                # XMLTV forbids it (rule 4): an error at the stop attribute,
                # which refuses the channel's import; the event is left out.
                collector.findings.append(
                    Finding(
                        FindingCode.INVALID_DURATION,
                        Severity.ERROR,
                        f"event {row.event_id!r} stops before it starts: check its stop",
                        (row.event_id,),
                        self.where(row.line, "programme", "stop"),
                    )
                )
                continue
            metadata = row.metadata
            if row.clumpidx:
                metadata = {**metadata, CLUMP_KEY: row.clumpidx.strip()}
            collector.add(
                Event(
                    id=row.event_id,
                    start_us=row.start_us,
                    duration_us=self.texts.share_int(duration_us),
                    asset_id=row.asset,
                    title=row.title,
                    metadata=metadata,
                    details=row.details,
                ),
                Location(line=row.line),
            )
        info = ChannelInfo(
            id=channel_id,
            display_name=self.channels.get(document_id, ""),
            details=self.with_document(document_id, self.channel_details.get(document_id)),
        )
        return collector.document((info,))

    def with_document(self, document_id: str, details: ChannelDetails | None) -> ChannelDetails | None:
        """A channel's details with the document's own data (rule 7): each kept
        extension at its index among the <tv> children this channel's export
        writes: its <channel> (written even when the guide had none), its
        programmes, and the extensions before it."""
        if not self.document_attributes and not self.document_kept:
            return details
        described = document_id in self.channels
        fragments = []
        for index, (xml, before) in enumerate(self.document_kept):
            count = before.get(document_id, 0)
            if count and not described:
                count += 1
            fragments.append(Fragment(count + index, xml))
        return (details or ChannelDetails())._replace(
            document_attributes=self.document_attributes, document_verbatim=tuple(fragments)
        )


#: Findings about channels (not errors) that get a column (``_Reader.where``).
_LOCATED_FINDINGS = 50
#: The elements under <tv> that are read; any other is an extension (rule 7).
_LISTED = ("channel", "programme")
#: Rule 7's budget for what a guide says of itself, kept with each of its
#: channels: real guides carry a few hundred characters (the six attributes
#: of <tv>, a grabber's state element); a guide of 200 channels stores this
#: 200 times.
_DOCUMENT_ELEMENTS = 64
_DOCUMENT_CHARS = 32 * 1024
_FLAG_KEYS = dict(_FLAGS)
_EPISODE_KEYS = {"xmltv_ns": "episode", EPISODE_SYSTEM: "episode", "onscreen": "episode_onscreen"}
_MAYBE_EMPTY_KEYS = dict(_MAYBE_EMPTY)
_VALUED_KEYS = dict(_VALUED)


def _timeline_episode(child: etree._Element) -> bool:
    """Our own id and asset episode numbers (rule 5): read into the event, not kept as details."""
    return child.tag == "episode-num" and child.get("system") in (ID_SYSTEM, ASSET_SYSTEM)


def _derived_id(channel: str, start_us: int, clump: int) -> str:
    stamp = to_datetime(start_us).strftime("%Y%m%dT%H%M%SZ")
    return f"{channel}@{stamp}" + (f"#{clump}" if clump else "")


# ---------------------------------------------------------------- rendering


def _programme_children(event: Event) -> list[str]:
    """The children of one <programme>, in xmltv.dtd's order (rule 6)."""
    # Import strips text (rule 6), so blank values are not carried; the
    # validator also rejects an empty title or desc. A blank title falls back
    # to the event id, as <title> is required.
    meta = {key: value for key, value in event.metadata.items() if value.strip()}
    out = [f"<title>{escape_text(event.title if event.title.strip() else event.id)}</title>"]

    def text(element: str, key: str) -> None:
        value = meta.get(key, "")
        if value:
            out.append(f"<{element}>{escape_text(value)}</{element}>")

    for element, key in _TEXT_BEFORE_CREDITS:
        text(element, key)
    credits = "".join(f"<{role}>{escape_text(meta[role])}</{role}>" for role in _CREDITS if meta.get(role, ""))
    if credits:
        out.append(f"<credits>{credits}</credits>")
    for element, key in _TEXT_AFTER_CREDITS:
        text(element, key)
    episode = meta.get("episode", "")
    if episode:
        system = "xmltv_ns" if _XMLTV_NS.fullmatch(episode) else EPISODE_SYSTEM
        out.append(f'<episode-num system="{system}">{escape_text(episode)}</episode-num>')
    if meta.get("episode_onscreen", ""):
        out.append(f'<episode-num system="onscreen">{escape_text(meta["episode_onscreen"])}</episode-num>')
    keys = sorted(meta)
    for key in keys:
        system = key[len("episode.") :]
        if key.startswith("episode.") and system not in _RESERVED_SYSTEMS and meta[key]:
            out.append(f'<episode-num system="{escape_attr(system)}">{escape_text(meta[key])}</episode-num>')
    if event.asset_id:
        out.append(f'<episode-num system="{ASSET_SYSTEM}">{escape_text(event.asset_id)}</episode-num>')
    out.append(f'<episode-num system="{ID_SYSTEM}">{escape_text(event.id)}</episode-num>')
    if meta.get("previously_shown") == "true":
        out.append("<previously-shown/>")
    for element, key in _MAYBE_EMPTY:
        value = meta.get(key, "")
        if value == "true":
            out.append(f"<{element}/>")
        elif value:
            out.append(f"<{element}>{escape_text(value)}</{element}>")
    if meta.get("new") == "true":
        out.append("<new/>")
    for element, base in _VALUED:
        for key in keys:
            if not meta[key]:
                continue
            if key == base:
                out.append(f"<{element}><value>{escape_text(meta[key])}</value></{element}>")
            elif key.startswith(base + "."):
                system = escape_attr(key[len(base) + 1 :])
                out.append(f'<{element} system="{system}"><value>{escape_text(meta[key])}</value></{element}>')
    return out


def render_parts(
    channel: ChannelInfo, events: Sequence[Event], *, pretty: bool, utc_times: bool = False
) -> list[bytes]:
    """An XMLTV document for ``events`` of ``channel`` (rules 2, 3, 5, 6, 8), in parts that join to it."""
    if CHANNEL_ID.fullmatch(channel.id) is None:
        raise InvalidInput.at(
            f"channel id {channel.id!r} cannot be written as XMLTV, whose ids look like DNS names "
            "('bbc1.example'); export as XML or JSON",
            field="channel_id",
        )
    try:
        tz = zone("UTC" if utc_times else channel.time_zone or "UTC")
    except TimestampError as exc:
        raise InvalidInput.at(exc.message, field="time_zone") from None
    ind1, ind2, nl = ("  ", "    ", "\n") if pretty else ("", "", "")
    channel_attr = escape_attr(channel.id)
    out = Encoder(lambda: check_exportable(channel, events), fix=_for_the_validator)
    append = out.write
    append('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n')
    append(f"<tv{tv_attributes(channel.details)}>\n")
    # Rule 7: the guide's own elements go back at their index among the <tv>
    # children; ``due[j]`` is how many channels and programmes precede the j-th.
    kept = sorted(channel.details.document_verbatim, key=lambda f: f.position) if channel.details else []
    due = list(itertools.accumulate((f.position - j for j, f in enumerate(kept)), max))
    written = next_kept = 0

    def extensions_due() -> None:
        nonlocal next_kept
        while next_kept < len(kept) and due[next_kept] <= written:
            append(f"{ind1}{kept[next_kept].xml}\n")
            next_kept += 1

    extensions_due()
    channel_inner = "".join(
        f"{ind2}{child}{nl}" for child in channel_children(channel.details, channel.display_name or channel.id)
    )
    append(
        f'{ind1}<channel id="{channel_attr}"{channel_attributes(channel.details)}>{nl}{channel_inner}{ind1}</channel>\n'
    )
    written = 1
    for event in events:
        if next_kept < len(kept):
            extensions_due()
        details = event.details
        try:
            if details is not None and details.start_offset is not None and not utc_times:
                # Rule 8: the offsets the guide was written with, when known.
                start = format_xmltv_offset(event.start_us, details.start_offset)
                stop_offset = details.start_offset if details.stop_offset is None else details.stop_offset
                stop = format_xmltv_offset(event.start_us + event.duration_us, stop_offset)
            else:
                start = format_xmltv(event.start_us, tz)
                stop = format_xmltv(event.start_us + event.duration_us, tz)
        except OverflowError:
            # The local time in the channel's zone falls outside years 1-9999.
            raise InvalidInput.at(
                f"event {event.id!r} cannot be written as XMLTV: in {tz.key} its times fall outside years 0001-9999",
                field="events",
            ) from None
        if details is None:
            children = _programme_children(event)
            attributes = ""
        else:
            children = programme_children(details, event.title, _timeline_children(channel.id, event, details))
            attributes = programme_attributes(details)
        inner = "".join(f"{ind2}{child}{nl}" for child in children)
        append(
            f'{ind1}<programme start="{start}" stop="{stop}" channel="{channel_attr}"{attributes}>{nl}'
            f"{inner}{ind1}</programme>\n"
        )
        written += 1
    for fragment in kept[next_kept:]:  # past the last programme written (a window, or positions beyond)
        append(f"{ind1}{fragment.xml}\n")
    append("</tv>\n")
    return out.parts()


def _timeline_children(channel_id: str, event: Event, details: ProgrammeDetails) -> list[str]:
    """Our asset and id episode numbers for an event with details: the id only
    when import would not derive the same one (rule 5), so a guide without
    ids comes back without them."""
    out = []
    if event.asset_id:
        out.append(f'<episode-num system="{ASSET_SYSTEM}">{escape_text(event.asset_id)}</episode-num>')
    clump = 0
    for name, value in details.attributes:
        m = re.fullmatch(r"\s*(\d+)\s*/\s*\d+\s*", value) if name == "clumpidx" else None
        if m is not None:
            clump = int(m.group(1))
    if event.id != _derived_id(channel_id, event.start_us, clump):
        out.append(f'<episode-num system="{ID_SYSTEM}">{escape_text(event.id)}</episode-num>')
    return out


def _for_the_validator(text: str) -> str:
    # Markup is ASCII, so this touches text and attribute values only.
    if _MAYBE_VALIDATOR_SUSPECT.search(text) is None:
        return text
    return _VALIDATOR_SUSPECT.sub(_reference, text)
