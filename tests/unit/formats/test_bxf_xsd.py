"""BXF exports validate against the SMPTE ST 2021 schemas (the 2017 release).

The schemas are SMPTE's and are not in this repository: the test reads them
from the folder named by ``SCHEDULEFLOW_BXF_XSD_DIR`` (the release's ``*.xsd``,
``bxfschema.xsd`` at the top) and is skipped, saying so, without it. They
import two schemas nobody can have offline: ATSC A/76 PMCP 3.1 (no longer
published) and W3C's ``xml.xsd`` (which a validator would fetch). A resolver
answers both with stand-ins of our own: ``xml.xsd`` declares the ``xml:``
attributes, and the PMCP stand-in declares, permissively, exactly the PMCP
types the release's files refer to (as a simple type where they are used as
one, else as a complex type taking any content), so the check is the SMPTE
schema's own for everything that is BXF. Nothing is fetched from the network.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from scheduleflow.server.core.model import ChannelInfo, Event, EventKind
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.core.timecode import RATES, frames_to_us
from scheduleflow.server.formats import Format, parse_document, render_document
from scheduleflow.server.formats.asrun import parse_asrun, render_asrun

ENV = "SCHEDULEFLOW_BXF_XSD_DIR"
CORPUS = Path(__file__).parent / "corpus_bxf"
PMCP = "http://www.atsc.org/XMLSchemas/pmcp/2007/3.1"

_XML_XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:language"/>
  <xs:attribute name="space" type="xs:NCName"/>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
  <xs:attributeGroup name="specialAttrs">
    <xs:attribute ref="xml:lang"/><xs:attribute ref="xml:space"/><xs:attribute ref="xml:base"/><xs:attribute ref="xml:id"/>
  </xs:attributeGroup>
</xs:schema>"""

#: Where a reference to a PMCP type says it must be simple.
_SIMPLE_USES = (
    re.compile(r'<xs:attribute\b[^>]*\btype="pmcp:(\w+)"'),
    re.compile(r'<xs:simpleContent>\s*<xs:(?:extension|restriction)\b[^>]*\bbase="pmcp:(\w+)"'),
    re.compile(r'<xs:simpleType\b[^>]*>\s*<xs:restriction\b[^>]*\bbase="pmcp:(\w+)"'),
    re.compile(r'<xs:list\b[^>]*\bitemType="pmcp:(\w+)"'),
)
_UNION = re.compile(r'memberTypes="([^"]*)"')
_ANY_USE = re.compile(r'"pmcp:(\w+)"')
_ELEMENT_REF = re.compile(r'<xs:element\b[^>]*\bref="pmcp:(\w+)"')


def pmcp_stand_in(schema_dir: Path) -> bytes:
    """A permissive PMCP 3.1 schema declaring every PMCP name the release uses."""
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(schema_dir.glob("*.xsd")))
    simple: set[str] = set()
    for pattern in _SIMPLE_USES:
        simple.update(pattern.findall(text))
    for members in _UNION.findall(text):
        simple.update(m.removeprefix("pmcp:") for m in members.split() if m.startswith("pmcp:"))
    elements = set(_ELEMENT_REF.findall(text))
    types = (set(_ANY_USE.findall(text)) | simple) - elements
    parts = [f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{PMCP}">']
    for name in sorted(types):
        if name in simple:
            parts.append(f'<xs:simpleType name="{name}"><xs:restriction base="xs:string"/></xs:simpleType>')
        else:
            parts.append(
                f'<xs:complexType name="{name}" mixed="true"><xs:sequence>'
                '<xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>'
                '</xs:sequence><xs:anyAttribute namespace="##any" processContents="lax"/></xs:complexType>'
            )
    for name in sorted(elements):
        parts.append(f'<xs:element name="{name}"/>')
    parts.append("</xs:schema>")
    return "\n".join(parts).encode()


#: The schemas import PMCP from a Windows path (``c:\\pmcp\\pmcp31.xsd``), which
#: libxml2 cannot even parse as a URI (it skips the import without asking a
#: resolver); the files are read through the resolver with it renamed.
_PMCP_LOCATION = re.compile(r'schemaLocation="[^"]*pmcp[^"]*"', re.IGNORECASE)
_STAND_IN = "scheduleflow-stand-in-pmcp31.xsd"


def _schema_text(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8")
    return _PMCP_LOCATION.sub(f'schemaLocation="{_STAND_IN}"', text).encode()


class _StandIns(etree.Resolver):
    """PMCP and xml.xsd from memory; the release's files from the folder."""

    def __init__(self, schema_dir: Path) -> None:
        super().__init__()
        self.dir = schema_dir
        self.pmcp = pmcp_stand_in(schema_dir)

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        url = system_url or ""
        if url.endswith(_STAND_IN):
            return self.resolve_string(self.pmcp, context)
        if url.endswith("xml.xsd"):
            return self.resolve_string(_XML_XSD, context)
        if url.startswith(("http:", "https:", "ftp:")):
            raise AssertionError(f"the schemas asked for {url}: nothing may be fetched")
        local = self.dir / Path(url).name
        if local.is_file():
            return self.resolve_string(_schema_text(local), context, base_url=str(local))
        return None


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    folder = os.environ.get(ENV, "")
    if not folder:
        pytest.skip(f"{ENV} is not set: point it at the ST 2021 bxf-5.0 (2017) schema folder to validate BXF exports")
    root = Path(folder) / "bxfschema.xsd"
    if not root.is_file():
        pytest.skip(f"{ENV}={folder} holds no bxfschema.xsd: it must be the ST 2021 release's schema folder")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_StandIns(root.parent))
    return etree.XMLSchema(etree.fromstring(_schema_text(root), parser, base_url=str(root)).getroottree())


def _valid(schema: etree.XMLSchema, document: bytes) -> None:
    tree = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    if not schema.validate(tree):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:10])
        raise AssertionError(f"the export does not validate against ST 2021:\n{errors}")


@pytest.mark.parametrize("name", [*sorted(p.name for p in CORPUS.glob("schedule_*.xml")), "asrun_plan.xml"])
def test_the_export_of_every_corpus_schedule_validates(schema: etree.XMLSchema, name: str) -> None:
    doc = parse_document((CORPUS / name).read_bytes())
    channel = doc.channels[0] if doc.channels[0].id else ChannelInfo("corpus.tv", doc.channels[0].display_name)
    for pretty in (False, True):
        _valid(schema, render_document(Format.BXF, channel, doc.events, pretty=pretty))


def test_a_generated_day_at_every_rate_and_kind_validates(schema: etree.XMLSchema) -> None:
    events = []
    start = 1_748_822_400_000_000
    for i, rate in enumerate(sorted(RATES)):
        for kind in EventKind:
            length = frames_to_us(RATES[rate].nominal * 30 + 7, RATES[rate])
            metadata = {"bxf.frame_rate": rate, "isci": f"IS{i}", "ad_id": f"AD{i}", "note": "<&>"}
            events.append(
                Event(f"ev {i} {kind.value}", start, length, f"H{i}", "Title & co", kind, i % 2 == 0, metadata)
            )
            start += length
    events.append(Event("plain", start, 1_234_567, "", "", EventKind.PROGRAM))
    _valid(schema, render_document(Format.BXF, ChannelInfo("gen.tv", "Generated", "Europe/London"), events))


def test_the_as_run_export_validates(schema: etree.XMLSchema) -> None:
    log = parse_asrun((CORPUS / "asrun_all_outcomes.xml").read_bytes())
    _valid(schema, render_asrun(Format.BXF, log.channel, log.entries, pretty=True))
    odd = [AsRunEntry("x", "not-a-uuid", 0, 1_000_000, "", "t", "Custom status")]
    _valid(schema, render_asrun(Format.BXF, ChannelInfo("odd.tv"), odd))


def test_the_check_bites(schema: etree.XMLSchema) -> None:
    """The validation is not vacuous: what ST 2021 forbids is refused."""
    good = render_document(Format.BXF, ChannelInfo("bite.tv"), [Event("e", 0, 1_000_000, "H", "T")])
    _valid(schema, good)
    for broken in (
        good.replace(b"<EventId><EventId>urn:uuid:", b"<EventId><EventId>uuid:"),  # not a Uuid
        good.replace(b"<StartMode>Follow</StartMode>", b"<StartMode>Whenever</StartMode>"),  # not an enumeration value
        good.replace(b'type="Primary"', b'type="Main"', 1),  # not a ScheduleType
        good.replace(b"<EndMode>Duration</EndMode>", b""),  # a required element missing
    ):
        assert broken != good
        with pytest.raises(AssertionError, match="does not validate"):
            _valid(schema, broken)
