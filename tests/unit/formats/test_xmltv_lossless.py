"""XMLTV in, XMLTV out, nothing lost: every element and attribute of xmltv.dtd.

The guides in ``xmltv_guides/`` are our own and exercise every element and
attribute of the DTD (``extensions.xml`` adds ``x-*`` and unknown content,
``document_level.xml`` the same under ``<tv>`` and odd attributes on it).
Each must come back from Import -> Export, and from XMLTV -> JSON/XML ->
XMLTV, equal after canonical ordering (``canonical`` below); what a user
queries is typed; every export passes ``tv_validate_file``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from scheduleflow.server.core.model import (
    ChannelDetails,
    ChannelInfo,
    Credit,
    EpisodeNum,
    FindingCode,
    Icon,
    Image,
    LangText,
    Link,
    ProgrammeDetails,
    Rating,
    ScheduleDocument,
    Severity,
)
from scheduleflow.server.core.timeparse import parse_instant
from scheduleflow.server.formats import Format, Limits, check_details, parse_document, render_document
from scheduleflow.server.formats._xmltv_details import offset_of
from tests.profiles import examples
from tests.tools import need

GUIDES = Path(__file__).parent / "xmltv_guides"
#: Guides the reference validator accepts (extensions.xml holds x-* content the DTD does not declare).
VALID = ("every_element.xml", "languages.xml", "offsets_and_clumps.xml")
#: The attributes xmltv.dtd gives <tv>.
_TV_ATTRIBUTES = (
    "date",
    "source-info-url",
    "source-info-name",
    "source-data-url",
    "generator-info-name",
    "generator-info-url",
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)

Canonical = tuple[object, ...]


def _time(text: str) -> tuple[int, int]:
    """An XMLTV time as (instant, offset): "202511221000 +1030" equals "20251122100000 +1030"."""
    return parse_instant(text).us, offset_of(text)


def canonical(el: etree._Element) -> Canonical:
    """An element as (tag, attributes, stripped text, children in order): equal
    for the same content whatever the indentation, attribute order or time spelling."""
    attrs = []
    for name, value in el.attrib.items():
        if el.tag == "programme" and name in ("start", "stop"):
            attrs.append((str(name), _time(str(value))))
        else:
            attrs.append((str(name), str(value)))
    children = tuple(canonical(child) for child in el if isinstance(child.tag, str))
    return (str(el.tag), tuple(sorted(attrs)), (el.text or "").strip(), children)


Channel = tuple[Canonical | None, list[Canonical], Canonical]
#: What an export writes on <tv> when the guide named no generator.
_OURS = ("generator-info-name", "ScheduleFlow")


def channels_of(content: bytes) -> dict[str, Channel]:
    """Each channel of a guide: its <channel>, its programmes, and what the
    guide says of itself as that channel's export writes it: the attributes
    of <tv>, and its children in order with this channel's elements as
    markers and anything else (x-*, unknown) whole."""
    root = etree.fromstring(content, _PARSER)
    found: dict[str, tuple[Canonical | None, list[Canonical]]] = {}
    for el in root:
        if el.tag == "channel":
            found[str(el.get("id"))] = (canonical(el), found.get(str(el.get("id")), (None, []))[1])
    for el in root:
        if el.tag == "programme":
            found.setdefault(str(el.get("channel")), (None, []))[1].append(canonical(el))
    attributes = sorted((str(name), str(value)) for name, value in root.attrib.items())
    if [name for name, _ in attributes if name.startswith("generator-info-")] == [_OURS[0]] and _OURS in attributes:
        attributes.remove(_OURS)  # the export's own, for a guide that named no generator
    out: dict[str, Channel] = {}
    for channel_id, (channel, programmes) in found.items():
        # Canonical order: a store gives a channel's programmes back by start.
        programmes.sort(key=_slot)
        layout: list[object] = []
        for el in root:
            if el.tag in ("channel", "programme"):
                if channel_id in (el.get("id"), el.get("channel")):
                    layout.append(el.tag)
            elif isinstance(el.tag, str):
                layout.append(canonical(el))
        out[channel_id] = (channel, programmes, (tuple(attributes), tuple(layout)))
    return out


def _slot(programme: Canonical) -> tuple[int, str]:
    attrs = dict(programme[1])  # type: ignore[arg-type]
    start: tuple[int, int] = attrs["start"]
    return start[0], str(attrs.get("clumpidx", ""))


def _read(content: bytes, channel_id: str, fmt: Format = Format.XMLTV) -> ScheduleDocument:
    return parse_document(content, fmt, channel_id=channel_id if fmt is Format.XMLTV else "")


def _export(doc: ScheduleDocument, fmt: Format = Format.XMLTV, *, pretty: bool = True) -> bytes:
    return render_document(fmt, doc.channels[0], doc.events, pretty=pretty)


def validate(content: bytes, tmp_path: Path) -> None:
    """``tv_validate_file`` accepts the document (xmltv.dtd from the package, not the web)."""
    validator = need("tv_validate_file")
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    env = {**os.environ, "XMLTV_SUPPLEMENT": "/usr/share/xmltv"}
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr + content.decode()
    assert "Validated ok" in result.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in GUIDES.glob("*.xml")))
@pytest.mark.parametrize("pretty", [True, False])
def test_import_export_keeps_every_element_and_attribute(name: str, pretty: bool, tmp_path: Path) -> None:
    content = (GUIDES / name).read_bytes()
    source = channels_of(content)
    for channel_id, (channel, programmes, document) in source.items():
        doc = _read(content, channel_id)
        assert not [f for f in doc.findings if f.severity >= Severity.WARNING], doc.findings
        out = _export(doc, pretty=pretty)
        (exported_channel, exported, exported_document) = channels_of(out)[channel_id]
        assert exported == programmes
        assert exported_channel == channel
        assert exported_document == document
        if name in VALID:
            validate(out, tmp_path)


@pytest.mark.parametrize("name", sorted(p.name for p in GUIDES.glob("*.xml")))
@pytest.mark.parametrize("via", [Format.JSON, Format.XML])
def test_xmltv_through_the_native_formats_is_lossless(name: str, via: Format) -> None:
    content = (GUIDES / name).read_bytes()
    source = channels_of(content)
    for channel_id in source:
        doc = _read(content, channel_id)
        native = parse_document(_export(doc, via), via)
        assert list(native.events) == list(doc.events)
        assert native.channels == tuple(ChannelInfo(c.id, c.display_name, "", c.details) for c in doc.channels)
        assert channels_of(_export(native))[channel_id] == source[channel_id]


def test_what_a_user_queries_is_typed() -> None:
    doc = _read((GUIDES / "every_element.xml").read_bytes(), "one.example")
    details = doc.events[0].details
    assert details is not None
    assert doc.events[0].title == "The Phil Silvers Show"
    assert details.titles == (LangText("The Phil Silvers Show", "en"), LangText("Le Sergent Bilko", "fr"))
    assert [t.lang for t in details.sub_titles] == ["en", "fr"]
    assert details.descriptions[1] == LangText("Bilko défend un chimpanzé.", "fr")
    assert [c.role for c in details.credits].count("actor") == 3
    assert details.credits[2] == Credit(
        "actor",
        "Phil Silvers",
        "Sgt. Ernest G. Bilko",
        "no",
        (Image("http://img.example/phil.jpg", "person", "2", "P", "tmdb"),),
        (Link("http://imdb.example/phil", "imdb"),),
    )
    assert {c.role for c in details.credits} == {
        "director",
        "actor",
        "writer",
        "adapter",
        "producer",
        "composer",
        "editor",
        "presenter",
        "commentator",
        "guest",
    }
    assert details.categories == (LangText("Comedy", "en"), LangText("Sitcom", "en"), LangText("Comédie", "fr"))
    assert details.keywords == (LangText("army", "en"), LangText("sergeant", "en"))
    assert details.episode_nums == (
        EpisodeNum("0.3.0/1", "xmltv_ns"),
        EpisodeNum("S1E4", "onscreen"),
        EpisodeNum("104", ""),
        EpisodeNum("EP00012345.0004", "dd_progid"),
    )
    assert details.icons[0] == Icon("http://img.example/bilko.png", "100", "75")
    assert details.ratings[0] == Rating("PG", "MPAA", (Icon("http://img.example/pg.png", "20", "20"),))
    assert details.star_ratings[0].system == "TV Guide"
    assert [i.type for i in details.images] == ["poster", "backdrop", ""]
    assert dict(details.attributes) == {
        "pdc-start": "20251122093000 +0100",
        "vps-start": "20251122093000 +0100",
        "showview": "12345",
        "videoplus": "67890",
        "clumpidx": "0/1",
    }
    assert (details.start_offset, details.stop_offset) == (3600, 3600)
    # What is not typed is kept verbatim, in place.
    kept = [fragment.xml.split(">")[0].split()[0] for fragment in details.verbatim]
    assert kept == [
        "<date",
        "<language",
        "<orig-language",
        "<length",
        "<url",
        "<url",
        "<country",
        "<country",
        "<video",
        "<audio",
        "<previously-shown",
        "<premiere",
        "<last-chance",
        "<new/",
        "<subtitles",
        "<subtitles",
        "<subtitles",
        "<review",
        "<review",
    ]
    channel = doc.channels[0].details
    assert channel is not None
    assert channel.display_names == (LangText("Channel One", "en"), LangText("Chaîne Un", "fr"), LangText("1"))
    assert [i.src for i in channel.icons] == ["http://guide.example/one.png", "http://guide.example/one-large.png"]
    assert channel.urls == (Link("http://one.example/", "home"), Link("http://one.example/schedule"))


def test_text_is_kept_as_written_and_the_flat_view_stays() -> None:
    doc = _read((GUIDES / "languages.xml").read_bytes(), "multi.example")
    details = doc.events[0].details
    assert details is not None
    assert details.descriptions[3].value.startswith("\n       Leading and trailing white space,\n")
    # The flat view of before: first title, joined and stripped metadata.
    assert doc.events[0].title == "Tatort"
    assert doc.events[0].metadata["category"] == "Krimi; Crime; Drama"


def test_the_guide_s_own_data_is_kept_and_only_comments_and_pis_are_not() -> None:
    doc = _read((GUIDES / "every_element.xml").read_bytes(), "one.example")
    assert not [f for f in doc.findings if f.code is FindingCode.NOT_KEPT]
    details = doc.channels[0].details
    assert details is not None
    assert tuple(name for name, _ in details.document_attributes) == _TV_ATTRIBUTES
    commented = b"<!-- made by hand --><tv><?pi x?><programme start='20250101000000' stop='20250101010000' channel='a.b'><title>T</title></programme></tv>"
    messages = [f.message for f in parse_document(commented).findings if f.code is FindingCode.NOT_KEPT]
    assert len(messages) == 2
    assert "comments" in messages[0]
    assert "processing instructions" in messages[1]


def test_export_offsets_the_guide_s_own_then_the_zone_s_or_utc_on_request() -> None:
    content = (GUIDES / "offsets_and_clumps.xml").read_bytes()
    doc = _read(content, "east.example")
    kept = render_document(Format.XMLTV, ChannelInfo("east.example", "East", "Europe/Paris"), doc.events).decode()
    assert 'start="20251122060000 -0500"' in kept
    utc = render_document(Format.XMLTV, doc.channels[0], doc.events, utc_times=True).decode()
    assert 'start="20251122110000 +0000"' in utc
    plain = [event._replace(details=None) for event in doc.events]
    zoned = render_document(Format.XMLTV, ChannelInfo("east.example", "East", "Europe/Paris"), plain).decode()
    assert 'start="20251122120000 +0100"' in zoned


def test_a_retitled_event_exports_its_new_title() -> None:
    doc = _read((GUIDES / "languages.xml").read_bytes(), "multi.example")
    events = [doc.events[0]._replace(title="Tatort (neu)"), *doc.events[1:]]
    out = render_document(Format.XMLTV, doc.channels[0], events).decode()
    assert '<title lang="de">Tatort (neu)</title><title lang="en">Crime Scene</title>' in out


# ---- the property: generated DTD-valid programmes

_WORD = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 éßøΩ&<>\"'🎬"), min_size=1, max_size=12
).filter(lambda t: t.strip() != "")
_LANG = st.sampled_from(["", "en", "fr", "de", "cy", "fr_FR"])
_URL = st.sampled_from(["http://a.example/x", "http://b.example/y?z=1&w=2"])


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _attrs(**values: str) -> str:
    return "".join(f' {name.replace("_", "-")}="{_esc(v)}"' for name, v in values.items() if v)


@st.composite
def _lang_elements(draw: st.DrawFn, tag: str, low: int, high: int) -> str:
    items = draw(st.lists(st.tuples(_WORD, _LANG), min_size=low, max_size=high))
    return "".join(f"<{tag}{_attrs(lang=lang)}>{_esc(text)}</{tag}>" for text, lang in items)


@st.composite
def _person(draw: st.DrawFn, role: str) -> str:
    attrs = ""
    if role == "actor":
        attrs = _attrs(role=draw(st.one_of(st.just(""), _WORD)), guest=draw(st.sampled_from(["", "yes", "no"])))
    inner = _esc(draw(_WORD))
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["", "person", "character"]))
            inner += f"<image{_attrs(type=kind)}>{_esc(draw(_URL))}</image>"
        else:
            inner += f"<url{_attrs(system=draw(st.sampled_from(['', 'imdb'])))}>{_esc(draw(_URL))}</url>"
    return f"<{role}{attrs}>{inner}</{role}>"


@st.composite
def _icons(draw: st.DrawFn, high: int) -> str:
    out = ""
    for _ in range(draw(st.integers(0, high))):
        size = draw(st.sampled_from([("", ""), ("16", "9")]))
        out += f"<icon{_attrs(src=draw(_URL), width=size[0], height=size[1])}/>"
    return out


@st.composite
def programmes(draw: st.DrawFn, start: int) -> str:
    """One DTD-valid <programme> of channel a.example, starting ``start`` hours after 2025-11-22."""
    offset = draw(st.sampled_from(["+0000", "+0100", "-0500", "+0530"]))
    hours = 24 + start
    day, hour = divmod(hours, 24)
    start_text = f"202511{21 + day:02d}{hour:02d}0000 {offset}"
    stop_text = f"202511{21 + day:02d}{hour:02d}3000 {offset}"
    extra = _attrs(
        pdc_start=draw(st.sampled_from(["", start_text])),
        showview=draw(st.sampled_from(["", "123"])),
        videoplus=draw(st.sampled_from(["", "456"])),
    )
    parts = [
        draw(_lang_elements("title", 1, 3)),
        draw(_lang_elements("sub-title", 0, 2)),
        draw(_lang_elements("desc", 0, 2)),
    ]
    roles = draw(st.lists(st.sampled_from(["director", "actor", "writer", "presenter", "guest"]), max_size=4))
    order = ["director", "actor", "writer", "presenter", "guest"]
    if roles:
        people = "".join(draw(_person(role)) for role in sorted(roles, key=order.index))
        parts.append(f"<credits>{people}</credits>")
    if draw(st.booleans()):
        parts.append("<date>2001</date>")
    parts += [draw(_lang_elements("category", 0, 3)), draw(_lang_elements("keyword", 0, 2))]
    if draw(st.booleans()):
        parts.append('<length units="minutes">30</length>')
    parts.append(draw(_icons(2)))
    # One number per system: the validator reads them into one value per system.
    systems = draw(st.lists(st.sampled_from(["xmltv_ns", "onscreen", "", "dd_progid"]), max_size=3, unique=True))
    for system in systems:
        value = "1.2.0/1" if system == "xmltv_ns" else draw(_WORD)
        parts.append(f"<episode-num{_attrs(system=system)}>{_esc(value)}</episode-num>")
    if draw(st.booleans()):
        parts.append("<video><aspect>16:9</aspect></video>")
    if draw(st.booleans()):
        parts.append("<previously-shown/>")
    if draw(st.booleans()):
        parts.append("<new/>")
    for tag in ("rating", "star-rating"):
        for _ in range(draw(st.integers(0, 2))):
            system = draw(st.sampled_from(["", "MPAA", "VCHIP"]))
            parts.append(f"<{tag}{_attrs(system=system)}><value>{_esc(draw(_WORD))}</value>{draw(_icons(1))}</{tag}>")
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["", "poster", "still"]))
        parts.append(f"<image{_attrs(type=kind, orient=draw(st.sampled_from(['', 'L'])))}>{_esc(draw(_URL))}</image>")
    inner = "".join(parts)
    return f'<programme start="{start_text}" stop="{stop_text}" channel="a.example"{extra}>{inner}</programme>'


_EXTENSION = st.sampled_from(
    [
        "<x-grabber-state/>",
        '<x-note lang="en">kept &amp; aside</x-note>',
        '<x-listing id="7"><programme start="20251122000000" channel="a.example"><title>x</title></programme></x-listing>',
        "<unknown>text</unknown>",
    ]
)


@st.composite
def guides(draw: st.DrawFn) -> bytes:
    """A guide of one channel; the attributes of <tv> DTD-valid, and maybe
    x-*/unknown elements between any two of its children (not DTD-valid)."""
    names = draw(_lang_elements("display-name", 1, 3))
    children = [f'<channel id="a.example">{names}{draw(_icons(1))}</channel>']
    children += [draw(programmes(index)) for index in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 3))):
        children.insert(draw(st.integers(0, len(children))), draw(_EXTENSION))
    names = draw(st.lists(st.sampled_from(_TV_ATTRIBUTES), unique=True, max_size=len(_TV_ATTRIBUTES)))
    attributes = _attrs(**{name.replace("-", "_"): draw(_WORD) for name in names})
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<tv{attributes}>{"".join(children)}</tv>\n'.encode()


def _without_extensions(content: bytes) -> bytes:
    """The document less the elements xmltv.dtd has no place for (<tv> holds channel*, programme*)."""
    root = etree.fromstring(content, _PARSER)
    for el in list(root):
        if el.tag not in ("channel", "programme"):
            root.remove(el)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guide=guides(), pretty=st.booleans())
def test_generated_guides_come_back_equal_and_valid(guide: bytes, pretty: bool, tmp_path: Path) -> None:
    doc = parse_document(guide)
    out = _export(doc, pretty=pretty)
    assert channels_of(out) == channels_of(guide)
    for via in (Format.JSON, Format.XML):
        native = parse_document(_export(doc, via), via)
        assert channels_of(_export(native, pretty=pretty)) == channels_of(guide)
    # An export is as DTD-valid as its guide: all of it but the extensions
    # (rule 7 of formats.xmltv), which come back verbatim, in place, above.
    validate(_without_extensions(out), tmp_path)


def test_equal_looking_parts_of_different_kinds_are_not_shared() -> None:
    """NamedTuples compare as tuples; sharing must still keep their types."""
    guide = (
        b'<tv><programme start="20250101000000" stop="20250101010000" channel="a.b"><title lang="x">2</title>'
        b'<episode-num system="x">2</episode-num></programme></tv>'
    )
    details = parse_document(guide).events[0].details
    assert details is not None
    assert type(details.titles[0]) is LangText
    assert type(details.episode_nums[0]) is EpisodeNum


def test_a_lone_title_in_no_language_is_the_event_s_title() -> None:
    guide = b'<tv><programme start="20250101000000" stop="20250101010000" channel="a.b"><title>News</title></programme></tv>'
    (event,) = parse_document(guide).events
    assert event.title == "News"
    assert event.details is not None
    assert event.details.titles == ()
    assert b"<title>News</title>" in render_document(Format.XMLTV, ChannelInfo("a.b"), [event])


@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        ((("xmlns", "urn:x"),), "would put the guide's elements in a namespace"),
        ((("g:run", "7"),), "the prefix of 'g:run' is not declared"),
        ((("date", "1"), ("date", "2")), "appears twice"),
        (tuple((f"x-{n}", "v") for n in range(65)), "65 attributes; at most 64"),
        ((("bad name", "v"),), "is not an XML attribute name"),
    ],
)
def test_document_attributes_from_elsewhere_are_held_to_what_tv_can_carry(
    pairs: tuple[tuple[str, str], ...], problem: str
) -> None:
    found = check_details(ChannelDetails(document_attributes=pairs), Limits())
    assert found is not None and problem in found[1], found
    fine = (("xmlns:g", "urn:g"), ("g:run", "7"), ("xml:lang", "en"), *((f"x-{n}", "v") for n in range(62)))
    assert check_details(ChannelDetails(document_attributes=fine), Limits()) is None


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ((), ' generator-info-name="ScheduleFlow"'),
        ((("date", "2025"),), ' generator-info-name="ScheduleFlow" date="2025"'),
        ((("generator-info-name", "grab/1"), ("date", "2025")), ' generator-info-name="grab/1" date="2025"'),
        # The guide's generator URL alone: ScheduleFlow's name beside it would misname the tool.
        ((("generator-info-url", "http://g.example/"),), ' generator-info-url="http://g.example/"'),
    ],
)
def test_tv_says_what_the_guide_said_of_itself_or_names_scheduleflow(
    said: tuple[tuple[str, str], ...], written: str
) -> None:
    channel = ChannelInfo("a.example", "A", details=ChannelDetails(document_attributes=said))
    out = render_document(Format.XMLTV, channel, []).decode()
    assert f"<tv{written}>" in out


def test_extensions_past_the_programmes_exported_come_at_the_end_in_order() -> None:
    content = (GUIDES / "document_level.xml").read_bytes()
    doc = _read(content, "north.example")
    # A window with the first programme only: what followed the second still comes, after it.
    out = render_document(Format.XMLTV, doc.channels[0], doc.events[:1], pretty=True)
    tags = [el.tag for el in etree.fromstring(out, _PARSER)]
    assert tags == [
        "x-grabber-state",
        "channel",
        "{urn:example:grabber}checksum",
        "programme",
        "x-listing-break",
        "unknown-trailer",
    ]


_NAMESPACED = b"""<tv xmlns:r="urn:r">
<channel id="a.example" r:c="2"><display-name>A</display-name></channel>
<programme start="20251122090000 +0000" stop="20251122100000 +0000" channel="a.example" r:x="1"><title>T</title></programme>
</tv>"""


@pytest.mark.parametrize("through", [Format.XMLTV, Format.JSON, Format.XML])
def test_namespaced_attributes_of_channels_and_programmes_come_back_as_xml(through: Format) -> None:
    first = parse_document(_NAMESPACED)
    (channel,), (event,) = first.channels, first.events
    assert event.details is not None and channel.details is not None
    assert event.details.attributes == (("xmlns:r", "urn:r"), ("r:x", "1"))
    assert channel.details.attributes == (("xmlns:r", "urn:r"), ("r:c", "2"))

    again = parse_document(render_document(through, channel, [event]), through)
    exported = render_document(Format.XMLTV, again.channels[0], again.events)

    assert b' xmlns:r="urn:r" r:x="1"' in exported and b' xmlns:r="urn:r" r:c="2"' in exported
    assert parse_document(exported).events[0].details == event.details


@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        ((("xmlns", "urn:x"),), "would put the guide's elements in a namespace"),
        ((("r:x", "1"),), "the prefix of 'r:x' is not declared"),
    ],
)
def test_programme_and_channel_attributes_from_elsewhere_are_held_to_what_xml_can_carry(
    pairs: tuple[tuple[str, str], ...], problem: str
) -> None:
    for details in (ProgrammeDetails(attributes=pairs), ChannelDetails(attributes=pairs)):
        found = check_details(details, Limits())
        assert found is not None and problem in found[1], found
    fine = (("xmlns:r", "urn:r"), ("r:x", "1"))
    assert check_details(ProgrammeDetails(attributes=fine), Limits()) is None
