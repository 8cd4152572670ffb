"""The public API of scheduleflow.server.formats: names, limits, detection."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import scheduleflow.server.formats as formats
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.formats import CONTENT_TYPES, Format, Limits, detect_format, schema_file


def test_public_names_are_pinned() -> None:
    assert sorted(formats.__all__) == [
        "CONTENT_TYPES",
        "Format",
        "Guide",
        "GuideChannel",
        "Limits",
        "SCHEMA_FILES",
        "XML_NAMESPACE",
        "check_details",
        "detect_format",
        "parse_document",
        "parse_guide",
        "render_document",
        "render_document_parts",
        "schema_file",
    ]
    assert [f.value for f in Format] == ["xml", "json", "xmltv", "bxf"]
    assert set(CONTENT_TYPES) == set(Format)


def test_the_package_imports_no_io_or_rpc_machinery() -> None:
    """Rule 1 of the package: bytes in, values out."""
    forbidden = {
        "grpc",
        "google",
        "asyncio",
        "sqlite3",
        "psycopg",
        "socket",
        "urllib",
        "http",
        "requests",
        "jsonschema",
    }
    root = Path(formats.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


def test_schema_files_are_published_and_the_root_symlink_points_at_them() -> None:
    for fmt in (Format.XML, Format.JSON):
        assert schema_file(fmt).read_bytes()
    repo_schemas = Path(__file__).parents[3] / "schemas"
    if repo_schemas.exists():
        assert (repo_schemas / "scheduleflow-v1.xsd").read_bytes() == schema_file(Format.XML).read_bytes()


# ---- Limits


def test_limits_defaults() -> None:
    limits = Limits()
    assert limits.max_bytes == 80 * 1024 * 1024
    assert limits.max_events == 1_000_000
    assert limits.max_depth == 64
    assert limits.max_text == 64 * 1024
    assert limits.max_metadata_entries == 64


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_limits_are_validated(bad: object) -> None:
    with pytest.raises(ValueError, match="max_events must be a positive int"):
        Limits(max_events=bad)  # type: ignore[arg-type]


def test_limits_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        Limits(1000)  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        Limits().max_events = 5  # type: ignore[misc]


# ---- detection


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"scheduleflow": 1, "events": []}', Format.JSON),
        (b'\xef\xbb\xbf \r\n\t{"scheduleflow": 1}', Format.JSON),
        (b"[]", Format.JSON),
        (b'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1"/>', Format.XML),
        (
            b'<?xml version="1.0"?>\n<!-- a comment -->\n<sf:schedule xmlns:sf="https://scheduleflow.dev/schema/v1"/>',
            Format.XML,
        ),
        # No namespace: still ours to read, so the parser can say what is missing.
        (b'<schedule version="1"/>', Format.XML),
        (b"<tv/>", Format.XMLTV),
        (
            b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<?pi x?><tv>',
            Format.XMLTV,
        ),
    ],
)
def test_detect_format(content: bytes, expected: Format) -> None:
    assert detect_format(content) is expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the document is empty; accepted formats"),
        (b" \n ", "the document is empty; accepted formats"),
        (b"scheduleflow: 1\n", "not a schedule document; accepted formats: ScheduleFlow JSON"),
        (b"<html><body/></html>", "the root element <html> is not one we read; accepted formats"),
        (b"\xff\xfe<\x00t\x00v\x00>\x00", "UTF-16 or UTF-32: send it encoded as UTF-8"),
        (b"<!-- never closed", "a comment is not closed"),
        (b'<!DOCTYPE tv [<!ENTITY a "b">]><tv/>', "internal subset"),
    ],
)
def test_detect_format_refuses_what_it_cannot_name(content: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        detect_format(content)


def test_detection_reports_where_the_unknown_root_is() -> None:
    with pytest.raises(InvalidInput) as info:
        detect_format(b'<?xml version="1.0"?>\n\n  <rss/>')
    where = info.value.violations[0].where
    assert (where.line, where.column) == (3, 3)


def test_parse_document_detects_when_no_format_is_given() -> None:
    doc = formats.parse_document(
        b'{"scheduleflow": 1, "events": [{"id": "a", "start": "2025-01-01T00:00:00Z", "duration": 60}]}'
    )
    assert [e.id for e in doc.events] == ["a"]


def test_parsing_restores_the_garbage_collector_state() -> None:
    import gc

    content = b'{"scheduleflow": 1, "events": []}'
    assert gc.isenabled()
    formats.parse_document(content)
    assert gc.isenabled()
    with pytest.raises(InvalidInput):
        formats.parse_document(b"{")
    assert gc.isenabled()
    gc.disable()
    try:
        formats.parse_document(content)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("fmt", list(Format))
def test_the_parts_of_a_rendered_document_join_to_a_document_that_reads_back(fmt: Format) -> None:
    from scheduleflow.server.core.model import ChannelInfo, Event

    channel = ChannelInfo("parts.example", "Parts", "UTC")
    events = [Event(f"e{i}", i * 60_000_000, 60_000_000, f"a{i % 3}", f"T {i}") for i in range(3000)]

    parts = formats.render_document_parts(fmt, channel, events, revision=4, pretty=True)

    assert len(parts) > 1  # big enough for several batches
    parsed = formats.parse_document(b"".join(parts), fmt)
    assert [(e.id, e.start_us, e.title) for e in parsed.events] == [(e.id, e.start_us, e.title) for e in events]
