"""A published-style XMLTV guide through the real server, nothing lost.

Import -> store (SQLite) -> Export gives back every element and attribute of
xmltv.dtd (``tests/unit/formats/xmltv_guides``, compared as the unit tests
compare them), what the guide said of itself (``<tv>``'s attributes and
extensions) included; the export passes ``tv_validate_file`` (the guides
without extensions, which the DTD has no place for); the JSON export
carries all of it (importing it again changes nothing); what the API types
is there to read.
"""

from __future__ import annotations

from pathlib import Path

from scheduleflow.client import AsyncClient
from tests.unit.formats.test_xmltv_lossless import GUIDES, VALID, channels_of, validate


async def test_a_guide_comes_back_whole_through_the_server(client: AsyncClient, tmp_path: Path) -> None:
    for name in (*VALID, "document_level.xml"):
        content = (GUIDES / name).read_bytes()
        reply = await client.import_document("", content, format="xmltv")
        assert all(c.committed and not c.error_code for c in reply.channels), reply
        for channel_id, expected in channels_of(content).items():
            exported = await client.export(channel_id, format="xmltv", pretty=True)
            assert channels_of(exported.content)[channel_id] == expected, name
            if name in VALID:
                validate(exported.content, tmp_path)

            # JSON carries all of it: importing the JSON export again is a no-op.
            as_json = await client.export(channel_id, format="json")
            again = await client.import_document(channel_id, as_json.content, format="json", mode="replace-all")
            assert (again.added, again.updated, again.removed) == (0, 0, 0), name
            assert again.unchanged == len(expected[1])


async def test_what_the_api_types_can_be_read(client: AsyncClient) -> None:
    content = (GUIDES / "every_element.xml").read_bytes()
    await client.import_document("", content, format="xmltv", channel_map={"one.example": "typed.example"})
    channel = await client.get_channel("typed.example")
    assert [(t.value, t.lang) for t in channel.details.display_names] == [
        ("Channel One", "en"),
        ("Chaîne Un", "fr"),
        ("1", ""),
    ]
    assert [(a.name, a.value) for a in channel.details.document_attributes][:2] == [
        ("date", "20251122"),
        ("source-info-url", "http://guide.example/about"),
    ]
    first = (await client.list_events("typed.example")).events[0]
    assert first.title == "The Phil Silvers Show"
    assert [(t.value, t.lang) for t in first.details.titles] == [
        ("The Phil Silvers Show", "en"),
        ("Le Sergent Bilko", "fr"),
    ]
    actors = [c for c in first.details.credits if c.role == "actor"]
    assert (actors[0].name, actors[0].character, actors[0].guest) == ("Phil Silvers", "Sgt. Ernest G. Bilko", "no")
    assert [(e.system, e.value) for e in first.details.episode_nums][:2] == [
        ("xmltv_ns", "0.3.0/1"),
        ("onscreen", "S1E4"),
    ]
    assert first.details.start_offset == 3600

    utc = await client.export("typed.example", format="xmltv", utc_times=True)
    assert b'start="20251122083000 +0000"' in utc.content
