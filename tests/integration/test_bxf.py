"""BXF against the real server: import/export round trips, updates that reach
watchers, and as-run reconciliation stored and exported again (RPC and CLI)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from scheduleflow.client import AsyncClient, ScheduleFlowError, cli
from scheduleflow.v1 import service_pb2 as spb
from tests.serverproc import ServerProcess

CORPUS = Path(__file__).parents[1] / "unit" / "formats" / "corpus_bxf"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}.tv"


async def _events(client: AsyncClient, channel: str) -> list[tuple[str, int, int, str, str]]:
    page = await client.list_events(channel)
    return [(e.id, e.start_time.seconds, e.duration.ToMicroseconds(), e.asset_id, e.title) for e in page.events]


async def test_import_export_import_gives_back_the_schedule(client: AsyncClient) -> None:
    first, second = unique("bxf"), unique("bxf-again")
    content = (CORPUS / "schedule_2017_program_and_spots.xml").read_bytes()
    imported = await client.import_document(first, content)
    assert imported.added == 4 and imported.revision == 1
    assert any("non-primary" in f.message for f in imported.findings)
    exported = await client.export(first, format="bxf", pretty=True)
    assert exported.content_type == "application/xml" and exported.event_count == 4
    assert b"http://smpte-ra.org/schemas/2021/2017/BXF" in exported.content
    again = await client.import_document(second, exported.content)
    assert again.added == 4
    assert await _events(client, second) == await _events(client, first)
    # The kept BXF (the advertiser, the series) travels through the store.
    assert b"Seaside Bakery" in (await client.export(second, format="bxf")).content


async def test_an_update_is_one_revision_that_watchers_see(client: AsyncClient) -> None:
    channel = unique("upd")
    await client.import_document(channel, (CORPUS / "schedule_2017_program_and_spots.xml").read_bytes())
    stream = client.watch_schedule(channel, timeout=30)
    first = await anext(stream)
    assert first.snapshot.revision == 1 and len(first.snapshot.events) == 4
    with pytest.raises(ScheduleFlowError):
        await client.import_document(
            channel, (CORPUS / "update_add_replace_delete.xml").read_bytes(), expected_revision=9
        )
    result = await client.import_document(
        channel, (CORPUS / "update_add_replace_delete.xml").read_bytes(), expected_revision=1
    )
    assert (result.added, result.updated, result.removed, result.revision) == (1, 1, 1, 2)
    change = (await asyncio.wait_for(anext(stream), 10)).change
    assert change.revision == 2
    assert [e.title for e in change.added] == ["Weather"]
    assert [e.title for e in change.updated] == ["Coming up: Film Club"]
    assert [i[-4:] for i in change.removed_event_ids] == ["00a2"]
    await stream.aclose()


@pytest.mark.parametrize("log", ["asrun_all_outcomes.xml", "asrun_all_outcomes.json"])
async def test_reconcile_reports_every_outcome_stores_the_log_and_exports_it(client: AsyncClient, log: str) -> None:
    channel = unique("air")
    await client.import_document(channel, (CORPUS / "asrun_plan.xml").read_bytes())
    content = (CORPUS / log).read_bytes()
    response = await client.reconcile_as_run(channel, content)
    outcomes = [spb.ReconcileOutcome.Name(f.outcome).removeprefix("RECONCILE_OUTCOME_") for f in response.findings]
    assert outcomes == [
        "AS_PLANNED",
        "LATE",
        "EARLY",
        "SHORT",
        "LONG",
        "SUBSTITUTED",
        "MISSED",
        "MISSED",
        "UNSCHEDULED",
    ]
    late = response.findings[1]
    assert late.amount.seconds == 2 and late.planned_event_id.endswith("0002") and late.asrun_entry_id
    summary = response.summary
    assert (summary.planned, summary.aired, summary.on_time) == (8, 7, 3)
    assert summary.on_time_percent == pytest.approx(37.5)
    assert summary.total_deviation.seconds == 19
    assert response.asrun_id > 0 and response.revision == 1
    for fmt in ("bxf", "json"):
        exported = await client.export_as_run(channel, format=fmt)
        assert exported.entry_count == 8
        again = await client.reconcile_as_run(channel, exported.content, dry_run=True)
        assert [f.outcome for f in again.findings] == [f.outcome for f in response.findings]
        assert again.asrun_id == 0


async def test_reconcile_refuses_a_hostile_log_with_its_line(client: AsyncClient) -> None:
    channel = unique("hostile")
    await client.import_document(channel, (CORPUS / "asrun_plan.xml").read_bytes())
    hostile = b'<?xml version="1.0"?>\n<!DOCTYPE BxfMessage [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<BxfMessage/>'
    with pytest.raises(ScheduleFlowError) as info:
        await client.reconcile_as_run(channel, hostile)
    assert "line 2" in str(info.value)
    assert (await client.export_as_run(channel, format="json")).entry_count == 0


def test_cli_import_export_reconcile(server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    channel = unique("cli")

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        status = cli.main(["--server", server.address, *argv])
        return status, capsys.readouterr().out

    status, out = run("import", str(CORPUS / "asrun_plan.xml"), "--channel", channel)
    assert status == 0
    out_file = tmp_path / "plan.bxf.xml"
    assert run("export", "--channel", channel, "--format", "bxf", "-o", str(out_file))[0] == 0
    assert out_file.read_bytes().startswith(b"<?xml")
    status, out = run("reconcile", str(CORPUS / "asrun_all_outcomes.xml"), "--channel", channel, "--on-time", "3s")
    assert status == 0
    assert "planned 8, aired 7, on time 5 (62.5%)" in out
    assert "UNSCHEDULED" in out and "AS_PLANNED" not in out
    status, out = run("reconcile", str(CORPUS / "asrun_all_outcomes.json"), "--channel", channel, "--json", "--dry-run")
    assert status == 0 and json.loads(out)["summary"]["planned"] == "8"
    status, out = run("export-asrun", "--channel", channel, "--format", "json")
    assert status == 0 and len(json.loads(out)["entries"]) == 8


async def test_the_pool_path_imports_updates_and_reconciles(tmp_path: Path) -> None:
    """Every request through the workers (nothing inline): the worker that
    parses an update commits it from its own store connection."""
    from tests.serverproc import start_server

    with start_server(tmp_path, "--inline-max-bytes", "0") as running:
        async with AsyncClient(running.address, timeout=60) as pooled:
            channel = unique("pool")
            await pooled.import_document(channel, (CORPUS / "schedule_2017_program_and_spots.xml").read_bytes())
            result = await pooled.import_document(channel, (CORPUS / "update_add_replace_delete.xml").read_bytes())
            assert (result.added, result.updated, result.removed, result.revision) == (1, 1, 1, 2)
            plan = unique("pool-plan")
            await pooled.import_document(plan, (CORPUS / "asrun_plan.xml").read_bytes())
            report = await pooled.reconcile_as_run(plan, (CORPUS / "asrun_all_outcomes.xml").read_bytes())
            assert report.summary.outcomes["MISSED"] == 2 and report.asrun_id > 0
            exported = await pooled.export_as_run(plan, format="json")
            assert exported.entry_count == 8
