"""XMLTV as published guides write it: whole guides in one parse, odd channel
ids, selection before any per-channel check, renaming, extensions under <tv>,
a last programme without stop, clumps. Each tolerance has a test; what XMLTV
itself forbids is still refused with its place."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import FindingCode, Fragment, Severity
from scheduleflow.server.formats import Format, parse_document, parse_guide

T = "20251122"


def prog(channel: str, start: str, stop: str | None = None, title: str = "t", attrs: str = "") -> str:
    stop_attr = f' stop="{T}{stop}00 +0000"' if stop else ""
    return f'<programme start="{T}{start}00 +0000"{stop_attr} channel="{channel}"{attrs}><title>{title}</title></programme>\n'


def tv(*parts: str) -> bytes:
    return ("<tv>\n" + "".join(parts) + "</tv>\n").encode()


def codes(findings: object) -> list[FindingCode]:
    return [f.code for f in findings]  # type: ignore[attr-defined]


def test_every_channel_of_a_guide_is_read_in_one_parse_in_document_order() -> None:
    content = tv(
        '<channel id="CNN"><display-name>CNN</display-name></channel>\n',
        '<channel id="Game One"><display-name>G1</display-name></channel>\n',
        prog("CNN", "0900", "1000"),
        prog("Game One", "0900", "0930"),
        prog("1", "0900", "1000"),
    )

    guide = parse_guide(content)

    assert [c.document_id for c in guide.channels] == ["CNN", "Game One", "1"]
    assert [len(c.document.events) for c in guide.channels] == [1, 1, 1]
    assert guide.channels[1].document.channels[0].display_name == "G1"


@pytest.mark.parametrize("channel_id", ["CNN", "1", "Game One", "Alwan1_sport", "bbc1"])
def test_any_non_empty_channel_id_is_read_with_an_info_finding(channel_id: str) -> None:
    content = tv(
        f'<channel id="{channel_id}"><display-name>x</display-name></channel>\n', prog(channel_id, "0900", "1000")
    )

    doc = parse_document(content, Format.XMLTV)

    assert doc.channels[0].id == channel_id and len(doc.events) == 1
    (finding,) = [f for f in doc.findings if f.code is FindingCode.NONSTANDARD_CHANNEL_ID]
    assert finding.severity is Severity.INFO
    assert finding.location is not None and (finding.location.line, finding.location.column) == (2, 10)


def test_an_rfc_2838_id_gets_no_finding() -> None:
    doc = parse_document(tv(prog("bbc1.example", "0900", "1000")), Format.XMLTV)
    assert FindingCode.NONSTANDARD_CHANNEL_ID not in codes(doc.findings)


def test_the_selection_comes_before_any_check_of_another_channel() -> None:
    content = tv(
        '<channel id="good.example"><display-name>G</display-name></channel>\n',
        '<channel id="odd"><display-name>O</display-name></channel>\n',
        '<channel id="odd"><display-name>described twice</display-name></channel>\n',
        prog("odd", "0900", "1000", attrs=' clumpidx="9/2"'),
        prog("good.example", "0900", "1000"),
    )
    with pytest.raises(InvalidInput):
        parse_guide(content)

    guide = parse_guide(content, select=["good.example"])

    assert [c.document_id for c in guide.channels] == ["good.example"]


def test_a_selected_channel_that_is_not_there_is_named() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_guide(tv(prog("a.example", "0900", "1000")), select=["a.example", "b.example"])
    assert "'b.example' is not in this XMLTV document; it has: a.example" in info.value.message


def test_channels_are_renamed_on_the_way_in_and_ids_follow() -> None:
    guide = parse_guide(tv(prog("CNN", "0900", "1000")), rename={"CNN": "cnn.us"})

    (channel,) = guide.channels
    assert channel.document_id == "CNN" and channel.document.channels[0].id == "cnn.us"
    assert [e.id for e in channel.document.events] == ["cnn.us@20251122T090000Z"]


def test_two_channels_renamed_to_one_id_are_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_guide(tv(prog("a", "0900", "1000"), prog("b", "0900", "1000")), rename={"a": "x", "b": "x"})
    assert info.value.violations[0].where.field == "channel_map"


def test_a_missing_stop_is_the_next_start_of_the_same_channel_in_start_order() -> None:
    content = tv(prog("a", "1000"), prog("b", "0930", "1100"), prog("a", "0900"), prog("a", "1030", "1100"))

    doc = parse_guide(content, select=["a"]).channels[0].document

    spans = sorted((e.start_us, e.duration_us // 60_000_000) for e in doc.events)
    assert [m for _, m in spans] == [60, 30, 30]


def test_the_last_programme_without_stop_is_left_out_with_a_warning_or_ends_where_the_caller_says() -> None:
    content = tv(prog("a", "0900", "1000"), prog("a", "1000", title="Late"))

    left_out = parse_guide(content).channels[0].document
    assert len(left_out.events) == 1
    (warning,) = [f for f in left_out.findings if f.code is FindingCode.MISSING_FIELD]
    assert warning.severity is Severity.WARNING and "'Late'" in warning.message

    end_us = left_out.events[0].start_us + 3 * 3600 * 10**6  # 12:00
    ended = parse_guide(content, end_us=end_us).channels[0].document
    assert [e.duration_us // 60_000_000 for e in ended.events] == [60, 120]
    assert FindingCode.MISSING_FIELD not in codes(ended.findings)


@pytest.mark.parametrize(
    "extension",
    [
        "<x-grabber-state run='1'><x-note>kept aside</x-note></x-grabber-state>",
        "<listing><programme start='20251122090000' channel='a'><title>in a wrapper</title></programme></listing>",
        '<x-ns:meta xmlns:x-ns="urn:example">text</x-ns:meta>',
    ],
)
def test_unknown_and_x_elements_under_tv_are_kept_verbatim_in_place(extension: str) -> None:
    guide = parse_guide(tv(prog("a", "0900", "1000"), extension + "\n", prog("a", "1000", "1100")))

    assert [len(c.document.events) for c in guide.channels] == [2]
    assert guide.findings == ()
    details = guide.channels[0].document.channels[0].details
    assert details is not None
    # After the one programme before it and the <channel> an export writes
    # first; as XML serialises it (attribute values in double quotes).
    assert details.document_verbatim == (Fragment(2, extension.replace("'", '"')),)


def test_each_channel_keeps_the_guide_s_own_data_at_its_place_among_its_elements() -> None:
    content = (
        '<tv date="20251122" generator-info-name="grab/2" x-run="7">\n'
        + '<x-head/><channel id="a.example"/><channel id="b.example"/>'
        + prog("a.example", "0900", "1000")
        + "<x-middle>m</x-middle>"
        + prog("b.example", "0900", "1000")
        + prog("a.example", "1000", "1100")
        + "<x-tail/></tv>"
    ).encode()

    guide = parse_guide(content)

    a, b = (c.document.channels[0].details for c in guide.channels)
    assert a is not None and b is not None
    assert (
        a.document_attributes
        == b.document_attributes
        == (
            ("date", "20251122"),
            ("generator-info-name", "grab/2"),
            ("x-run", "7"),
        )
    )
    # a: x-head, <channel>, a programme, x-middle, a programme, x-tail.
    assert [(f.position, f.xml) for f in a.document_verbatim] == [
        (0, "<x-head/>"),
        (3, "<x-middle>m</x-middle>"),
        (5, "<x-tail/>"),
    ]
    # b: x-head, <channel>, x-middle, a programme, x-tail.
    assert [f.position for f in b.document_verbatim] == [0, 2, 4]
    assert guide.findings == ()


def test_what_a_guide_says_of_itself_is_bounded_and_the_rest_reported() -> None:
    big = "<x-big>" + "x" * (40 * 1024) + "</x-big>"
    long_value = "v" * (40 * 1024)
    content = f'<tv date="1" x-long="{long_value}" x-after="2">{big}<x-small/>'.encode()
    guide = parse_guide(content + prog("a", "0900", "1000").encode() + b"</tv>")

    details = guide.channels[0].document.channels[0].details
    assert details is not None
    # In document order: once an attribute is over, so are the later ones.
    assert details.document_attributes == (("date", "1"),)
    assert [f.xml for f in details.document_verbatim] == ["<x-small/>"]
    warnings = {f.message.split(" (")[0]: f for f in guide.findings}
    assert set(warnings) == {"attribute 'x-long' of <tv>", "attribute 'x-after' of <tv>", "<x-big> under <tv>"}
    for finding in warnings.values():
        assert (finding.code, finding.severity) == (FindingCode.EXTENSION_NOT_STORED, Severity.WARNING)
        assert "32 KiB" in finding.message
    where = warnings["attribute 'x-after' of <tv>"].location
    assert where is not None and (where.line, where.column) == (1, len(f'<tv date="1" x-long="{long_value}" ') + 1)


def test_an_attribute_of_tv_in_a_namespace_is_kept_with_its_declaration() -> None:
    content = b'<tv xmlns:g="urn:grabber" g:run="7" xml:lang="en">' + prog("a", "0900", "1000").encode() + b"</tv>"

    details = parse_guide(content).channels[0].document.channels[0].details

    assert details is not None
    assert details.document_attributes == (("xmlns:g", "urn:grabber"), ("g:run", "7"), ("xml:lang", "en"))


def test_an_extension_is_held_to_the_same_limits() -> None:
    deep = "<x-deep>" + "<x>" * 70 + "</x>" * 70 + "</x-deep>"
    with pytest.raises(InvalidInput) as info:
        parse_guide(tv(prog("a", "0900", "1000"), deep))
    assert "nested more than" in info.value.message


def test_a_programme_inside_a_programme_is_still_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_guide(
            tv('<programme start="20251122090000" channel="a"><title>t</title>' + prog("a", "1000") + "</programme>")
        )
    assert "not allowed inside another element" in info.value.message


def test_a_clump_keeps_its_index_and_its_members_are_not_overlaps() -> None:
    from scheduleflow.server.core.validate import validate_events

    content = tv(
        prog("a", "0900", "1000", "News", ' clumpidx="0/2"'),
        prog("a", "0900", "1000", "Weather", ' clumpidx="1/2"'),
        prog("a", "1000", "1100"),
    )

    doc = parse_guide(content).channels[0].document

    assert [e.metadata.get("clumpidx") for e in doc.events] == ["0/2", "1/2", None]
    assert validate_events(doc.events).summary.error_count == 0


def test_channels_without_an_id_are_left_out_with_a_warning() -> None:
    guide = parse_guide(
        tv(
            '<channel id=""><display-name>x</display-name></channel>\n',
            prog("", "0900", "1000"),
            prog("a", "0900", "1000"),
        )
    )

    assert [c.document_id for c in guide.channels] == ["a"]
    (finding,) = guide.findings
    assert finding.severity is Severity.WARNING and "2 <channel>/<programme>" in finding.message


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"<tv>\n<programme start='20251122090000' channel='a'>\n</tv>", "mismatch", 3),
        (b"<tv>\n<programme channel='a'><title>t</title></programme></tv>", "needs a start attribute", 2),
        (b"<tv>\n<programme start='2025' stop='x' channel='a'></programme></tv>", "", 0),
        (b"<tv>\n<programme start='20251122100000' stop='20251122090000' channel='a'></programme></tv>", "", 1),
    ],
)
def test_what_xmltv_forbids_is_still_refused_with_its_place(content: bytes, message: str, line: int) -> None:
    if not message:
        # An unreadable start, or a stop before the start, is an error finding
        # at the attribute (Import refuses it); the programme is left out.
        doc = parse_guide(content).channels[0].document
        (error,) = [f for f in doc.findings if f.severity is Severity.ERROR]
        assert error.location is not None and not doc.events
        if line:
            assert error.code is FindingCode.INVALID_DURATION
            assert (error.location.line, error.location.column) == (2, 35)
        else:
            assert error.code is FindingCode.INVALID_TIMESTAMP
            assert (error.location.line, error.location.column) == (2, 12)
        return
    with pytest.raises(InvalidInput) as info:
        parse_guide(content)
    assert message in info.value.message
    assert info.value.violations[0].where.line == line
