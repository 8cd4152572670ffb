"""Whole XMLTV guides through the real server: one Import of every channel,
selection and renaming, all-or-nothing or per-channel commits, Validate of a
guide, the CLI's table, and one change per channel for watchers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from scheduleflow.client import AsyncClient, cli
from scheduleflow.client.errors import ScheduleFlowError
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from tests.serverproc import ServerProcess, start_server

# One worker runs this module: its module-scoped server starts once.
pytestmark = pytest.mark.xdist_group("xmltv_guides")


def guide(tag: str, *, broken: str = "") -> bytes:
    """Three channels as published guides write them: ids outside RFC 2838, an
    x-* extension, a last programme without stop, two overlapping programmes
    and a clump. ``broken`` names a channel whose second start is unreadable."""
    cnn, one, dns = f"CNN{tag}", f"1{tag}", f"bbc1.{tag}.example"

    def programme(channel: str, start: str, stop: str | None, title: str, extra: str = "") -> str:
        if channel == broken and start == "1000":
            start = "tomorrow"
        stop_attr = f' stop="20251122{stop} +0000"' if stop else ""
        return (
            f'  <programme start="20251122{start}00 +0000"{stop_attr} channel="{channel}"{extra}>'
            f'<title lang="en">{title}</title></programme>\n'
        )

    body = [
        f'  <channel id="{cnn}"><display-name>CNN</display-name></channel>\n',
        f'  <channel id="{one}"><display-name>Channel One</display-name></channel>\n',
        f'  <channel id="{dns}"><display-name>BBC One</display-name></channel>\n',
        '  <x-grabber-state last-run="20251122"><x-note>kept aside</x-note></x-grabber-state>\n',
        # CNN: the last programme has no stop.
        programme(cnn, "0900", "1000", "News"),
        programme(cnn, "1000", None, "Markets"),
        programme(cnn, "1100", None, "Late"),
        # One: 09:00-10:30 is overlapped by 10:00 (later wins: trimmed).
        programme(one, "0900", "1030", "Film"),
        programme(one, "1000", "1100", "Sport"),
        # BBC: a clump of two sharing 09:00-10:00, then 10:00-11:00.
        programme(dns, "0900", "1000", "News", ' clumpidx="0/2"'),
        programme(dns, "0900", "1000", "Weather", ' clumpidx="1/2"'),
        programme(dns, "1000", "1100", "Quiz"),
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tv generator-info-name="test">\n' + "".join(body) + "</tv>\n"
    ).encode()


def new_tag() -> str:
    return uuid.uuid4().hex[:8]


def codes(findings: object) -> set[str]:
    return {pb.FindingCode.Name(f.code) for f in findings}  # type: ignore[attr-defined]


async def test_one_import_takes_every_channel_with_its_own_revision_and_findings(client: AsyncClient) -> None:
    tag = new_tag()
    reply = await client.import_document("", guide(tag), format="xmltv")

    by_id = {c.channel_id: c for c in reply.channels}
    assert list(by_id) == [f"CNN{tag}", f"1{tag}", f"bbc1.{tag}.example"]
    assert all(c.committed and c.revision == 1 and not c.error_code for c in reply.channels)
    # CNN: the stop-less last programme is left out with a warning naming it.
    cnn = by_id[f"CNN{tag}"]
    assert cnn.added == 2
    missing = [f for f in cnn.findings if f.code == pb.FINDING_CODE_MISSING_FIELD]
    assert len(missing) == 1 and "'Late'" in missing[0].message and missing[0].severity == pb.SEVERITY_WARNING
    assert "FINDING_CODE_NONSTANDARD_CHANNEL_ID" in codes(cnn.findings)
    # One: the overlap resolved by the later programme, reported naming both.
    one = by_id[f"1{tag}"]
    (resolved,) = [f for f in one.findings if f.code == pb.FINDING_CODE_CONFLICT_RESOLVED]
    assert sorted(resolved.event_ids) == sorted([f"1{tag}@20251122T090000Z", f"1{tag}@20251122T100000Z"])
    # The clump is two programmes in one slot, not an overlap.
    bbc = by_id[f"bbc1.{tag}.example"]
    assert bbc.added == 3 and "FINDING_CODE_OVERLAP" not in codes(bbc.findings)
    # The response's own fields sum the channels up.
    assert (reply.channel_id, reply.added) == ("", 2 + 2 + 3)
    # What the guide says of itself (<tv generator-info-name>, the x-* element)
    # is kept with every channel: nothing to report.
    assert not reply.findings

    stored = await client.list_events(f"1{tag}")
    assert [(e.title, e.duration.seconds) for e in stored.events] == [("Film", 3600), ("Sport", 3600)]
    for channel_id in by_id:
        details = (await client.get_channel(channel_id)).details
        assert [(a.name, a.value) for a in details.document_attributes] == [("generator-info-name", "test")]
        assert [f.xml for f in details.document_verbatim] == [
            '<x-grabber-state last-run="20251122"><x-note>kept aside</x-note></x-grabber-state>'
        ]
    # Exported where it was: after the channel's <channel>, before its programmes.
    exported = (await client.export(f"bbc1.{tag}.example", format="xmltv")).content.decode()
    assert exported.index('<tv generator-info-name="test">') < exported.index(f'<channel id="bbc1.{tag}.example">')
    assert exported.index("</channel>") < exported.index("<x-grabber-state") < exported.index("<programme")


async def test_a_selected_channel_is_renamed_on_the_way_in_and_others_do_not_matter(client: AsyncClient) -> None:
    tag = new_tag()
    target = f"cnn.{tag}.example"
    # The broken channel is not selected: its unreadable start blocks nothing.
    reply = await client.import_document(
        "", guide(tag, broken=f"1{tag}"), format="xmltv", channel_ids=[f"CNN{tag}"], channel_map={f"CNN{tag}": target}
    )

    (only,) = reply.channels
    assert (only.channel_id, only.document_channel_id, reply.channel_id, reply.revision) == (
        target,
        f"CNN{tag}",
        target,
        1,
    )
    events = await client.list_events(target)
    assert [e.id for e in events.events] == [f"{target}@20251122T090000Z", f"{target}@20251122T100000Z"]
    with pytest.raises(ScheduleFlowError):
        await client.get_channel(f"CNN{tag}")


async def test_all_channels_or_none_and_per_channel_commits(client: AsyncClient) -> None:
    tag = new_tag()
    broken = guide(tag, broken=f"1{tag}")
    with pytest.raises(ScheduleFlowError) as refused:
        await client.import_document("", broken, format="xmltv")
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"channel '1{tag}'" in refused.value.message
    for channel in (f"CNN{tag}", f"bbc1.{tag}.example"):
        with pytest.raises(ScheduleFlowError):
            await client.get_channel(channel)

    reply = await client.import_document("", broken, format="xmltv", atomicity="per-channel")
    status = {c.channel_id: (c.committed, c.error_code) for c in reply.channels}
    assert status == {
        f"CNN{tag}": (True, 0),
        f"1{tag}": (False, grpc.StatusCode.INVALID_ARGUMENT.value[0]),
        f"bbc1.{tag}.example": (True, 0),
    }
    assert (await client.get_channel(f"CNN{tag}")).revision == 1


async def test_the_caller_can_end_the_last_programme_and_refuse_conflicts(client: AsyncClient) -> None:
    tag = new_tag()
    reply = await client.import_document(
        "", guide(tag), format="xmltv", channel_ids=[f"CNN{tag}"], last_stop=datetime(2025, 11, 22, 12, tzinfo=UTC)
    )
    assert reply.added == 3
    assert "FINDING_CODE_MISSING_FIELD" not in codes(reply.findings)

    with pytest.raises(ScheduleFlowError) as refused:
        await client.import_document("", guide(tag), format="xmltv", channel_ids=[f"1{tag}"], conflict_policy="refuse")
    assert "OVERLAP" in refused.value.message


async def test_validate_reads_a_guide_whole_or_the_channel_it_is_asked_for(client: AsyncClient) -> None:
    tag = new_tag()
    whole = await client.validate(document=guide(tag, broken=f"1{tag}"), format="xmltv")
    assert [(c.channel_id, c.valid) for c in whole.channels] == [
        (f"CNN{tag}", True),
        (f"1{tag}", False),
        (f"bbc1.{tag}.example", True),
    ]
    assert not whole.valid and whole.summary.event_count == sum(c.summary.event_count for c in whole.channels)

    # channel_id reaches the parser: a guide of several channels is not "say which one".
    one = await client.validate(document=guide(tag), format="xmltv", channel_id=f"bbc1.{tag}.example")
    assert one.valid and [c.channel_id for c in one.channels] == [f"bbc1.{tag}.example"]
    assert one.summary.event_count == 3


async def test_hostile_and_broken_guides_are_still_refused_with_their_place(client: AsyncClient) -> None:
    tag = new_tag()
    not_well_formed = guide(tag).replace(b"</tv>", b"</tvx>")
    with pytest.raises(ScheduleFlowError) as bad_xml:
        await client.import_document("", not_well_formed, format="xmltv")
    assert bad_xml.value.code == grpc.StatusCode.INVALID_ARGUMENT

    # CNN's first programme (line 7) stops before it starts.
    backwards = guide(tag).replace(b'stop="202511221000 +0000"', b'stop="202511220800 +0000"', 1)
    with pytest.raises(ScheduleFlowError) as reversed_stop:
        await client.import_document("", backwards, format="xmltv")
    assert "line 7, column 43: INVALID_DURATION" in reversed_stop.value.message

    entity = b'<?xml version="1.0"?>\n<!DOCTYPE tv [<!ENTITY x "y">]>\n<tv><channel id="a">&x;</channel></tv>'
    with pytest.raises(ScheduleFlowError) as hostile:
        await client.import_document("", entity, format="xmltv")
    assert hostile.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_the_cli_imports_a_guide_and_prints_a_row_per_channel(
    server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tag = new_tag()
    path = tmp_path / "guide.xml"
    path.write_bytes(guide(tag))

    capsys.readouterr()
    status = cli.main(["--server", server.address, "import", str(path), "--rename", f"CNN{tag}=cnn.{tag}.tv"])
    out = capsys.readouterr().out
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["CHANNEL", "STATUS", "REVISION"]
    assert [line.split()[0] for line in lines[1:4]] == [f"cnn.{tag}.tv", f"1{tag}", f"bbc1.{tag}.example"]
    assert "3 of 3 channels imported" in out

    status = cli.main(["--server", server.address, "validate", str(path), "--channels", f"1{tag},CNN{tag}"])
    out = capsys.readouterr().out
    assert status == 0 and "VALID" in out and f"1{tag}" in out and f"bbc1.{tag}" not in out


@pytest.fixture(scope="module")
def pooled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Every import goes to a worker, which commits; watchers learn of it through the change log."""
    with start_server(tmp_path_factory.mktemp("guides"), "--inline-max-bytes", "0") as running:
        yield running


async def test_watchers_see_one_change_per_channel(pooled_server: ServerProcess) -> None:
    tag = new_tag()
    channels = [f"CNN{tag}", f"1{tag}", f"bbc1.{tag}.example"]
    async with AsyncClient(pooled_server.address, timeout=30) as client:
        await client.import_document("", guide(tag), format="xmltv")
        changes: list[spb.ChannelChange] = []

        async def watch() -> None:
            async for update in client.watch_schedule(channels, from_revisions=dict.fromkeys(channels, 1)):
                if update.WhichOneof("update") == "change":
                    changes.append(update.change)
                    if len(changes) == 2:  # "News" is on two of the three channels
                        return

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.5)  # subscribed before the second import
        later = guide(tag).replace(b">News<", b">Headlines<")
        reply = await client.import_document("", later, format="xmltv")
        await asyncio.wait_for(watcher, 20)
    assert sorted((c.channel_id, c.revision) for c in changes) == sorted(
        (c.channel_id, c.revision) for c in reply.channels if c.updated
    )
    assert {c.channel_id for c in changes} == {f"CNN{tag}", f"bbc1.{tag}.example"}
