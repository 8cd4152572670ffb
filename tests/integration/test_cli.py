"""The ``scheduleflow`` command against the real server: output, --json and exit status."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from scheduleflow.client import cli
from tests.serverproc import ServerProcess

CLEAN = {
    "scheduleflow": 1,
    "channel": {"id": "c.example", "time_zone": "Europe/London"},
    "events": [
        {"id": "e1", "start": "2025-11-22T09:30:00Z", "duration": "PT30M", "asset_id": "A1", "title": "News"},
        {"id": "e2", "start": "2025-11-22T10:00:00Z", "duration": "PT30M", "asset_id": "A2", "title": "Weather"},
    ],
}

# e1 twice, and the second overlaps the first.
BROKEN = {
    **CLEAN,
    "events": [
        {"id": "e1", "start": "2025-11-22T09:30:00Z", "duration": "PT30M", "asset_id": "A1", "title": "News"},
        {"id": "e1", "start": "2025-11-22T09:45:00Z", "duration": "PT30M", "asset_id": "A2", "title": "Weather"},
    ],
}


class Run:
    """Runs the CLI in this process against the shared server; returns (status, stdout, stderr)."""

    def __init__(self, server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
        self.server = server
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = cli.main(["--server", self.server.address, *argv])
        out, err = self.capsys.readouterr()
        return status, out, err


@pytest.fixture
def run(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(server, capsys)


@pytest.fixture
def clean_file(tmp_path: Path) -> Path:
    path = tmp_path / "clean.json"
    path.write_text(json.dumps(CLEAN, indent=1))
    return path


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(BROKEN, indent=1))
    return path


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_health(run: Run) -> None:
    assert run("health") == (0, "SERVING\n", "")
    status, out, _ = run("health", "--json")
    assert status == 0 and json.loads(out) == {"status": "SERVING"}


def test_validate_a_clean_file_exits_0(run: Run, clean_file: Path) -> None:
    status, out, err = run("validate", str(clean_file), "--format", "json", "--gap-threshold", "5s")
    assert status == 0, err
    assert "summary: 2 events, 0 errors" in out
    assert out.rstrip().endswith(f"VALID: {clean_file}")


def test_validate_with_errors_prints_findings_and_exits_1(run: Run, broken_file: Path) -> None:
    status, out, err = run("validate", str(broken_file))
    assert status == 1, err
    assert out.startswith("errors (")
    assert "DUPLICATE_ID  e1" in out
    assert "OVERLAP  e1,e1" in out
    # The duplicate points into the document: line:column and the JSON pointer.
    duplicate = next(line for line in out.splitlines() if "DUPLICATE_ID" in line)
    assert "/events/1" in duplicate
    assert out.rstrip().endswith(f"INVALID: {broken_file}")


def test_validate_reads_stdin(run: Run, broken_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(broken_file.read_bytes())))
    status, out, _ = run("validate", "-")
    assert status == 1
    assert out.rstrip().endswith("INVALID: stdin")


def test_validate_json_output_parses(run: Run, broken_file: Path) -> None:
    status, out, _ = run("validate", str(broken_file), "--json")
    assert status == 1
    doc = json.loads(out)
    assert doc["valid"] is False
    assert {f["code"] for f in doc["findings"]} >= {"FINDING_CODE_DUPLICATE_ID", "FINDING_CODE_OVERLAP"}


def test_an_invalid_argument_prints_the_violations_and_exits_2(run: Run, clean_file: Path) -> None:
    status, out, err = run("validate", str(clean_file), "--time-zone", "Mars/Olympus")
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("error: INVALID_ARGUMENT: ")
    assert lines[1].startswith("  - time_zone: ")


def test_stats_show_the_validate_calls(run: Run, clean_file: Path) -> None:
    run("validate", str(clean_file))
    status, out, _ = run("stats")
    assert status == 0
    row = next(line for line in out.splitlines() if line.startswith("Validate "))
    assert int(row.split()[1]) >= 1
    status, out, _ = run("stats", "--json")
    doc = json.loads(out)
    assert any(r["method"].endswith("/Validate") and int(r["calls"]) >= 1 for r in doc["rpcs"])


def test_channel_commands(run: Run) -> None:
    channel_id = unique("cli")
    status, out, _ = run("upsert-channel", channel_id, "--name", "CLI One", "--time-zone", "Europe/Paris")
    assert status == 0 and channel_id in out
    status, out, _ = run("channels")
    assert status == 0
    assert out.splitlines()[0].split() == ["ID", "NAME", "ZONE", "REVISION", "EVENTS"]
    assert any(line.startswith(channel_id) and "Europe/Paris" in line for line in out.splitlines())
    status, out, _ = run("channels", "--json")
    assert channel_id in [c["id"] for c in json.loads(out)["channels"]]
    assert run("events", "--channel", channel_id) == (0, "no events\n", "")
    status, out, _ = run("delete-channel", channel_id)
    assert status == 0 and f"deleted channel {channel_id}" in out
    status, _, err = run("delete-channel", channel_id)
    assert status == 2 and err.startswith("error: NOT_FOUND: ")


def test_import_events_export(run: Run, clean_file: Path, tmp_path: Path) -> None:
    channel_id = unique("imp")
    status, out, err = run("import", str(clean_file), "--channel", channel_id, "--dry-run")
    assert status == 0, err
    assert out.startswith("dry run: nothing written")
    status, out, err = run("import", str(clean_file), "--channel", channel_id, "--expect-revision", "0", "--progress")
    assert status == 0, err
    assert f"imported into {channel_id}" in out and "added      2" in out
    assert "reading " in err and "server importing..." in err  # --progress, on a stderr that is no terminal
    status, out, _ = run(
        "events", "--channel", channel_id, "--from", "2025-11-22T00:00:00Z", "--to", "2025-11-23T00:00:00Z"
    )
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["e1", "e2"]
    exported = tmp_path / "out.json"
    status, _, err = run("export", "--channel", channel_id, "--format", "json", "--pretty", "-o", str(exported))
    assert status == 0
    assert "wrote 2 events" in err
    assert [e["id"] for e in json.loads(exported.read_text())["events"]] == ["e1", "e2"]
    # A stale revision: ABORTED, printed, exit 2.
    status, _, err = run("import", str(clean_file), "--channel", channel_id, "--expect-revision", "0")
    assert status == 2 and err.startswith("error: ABORTED: ")
    run("delete-channel", channel_id)


def test_schedule_prints_a_report_or_the_servers_refusal(run: Run, tmp_path: Path) -> None:
    playlist = tmp_path / "playlist.json"
    playlist.write_text(
        json.dumps(
            {
                "items": [{"id": f"s{i}", "duration": "PT3M", "artist": f"A{i % 3}"} for i in range(10)],
                "filler": [{"id": "jingle", "duration": "10s"}],
                "order": "shuffle",
                "rules": {"item_cooldown": "20m"},
            }
        )
    )
    channel_id = unique("sched")
    status, out, err = run(
        "schedule", "--channel", channel_id, "--playlist", str(playlist),
        "--from", "2025-11-22T00:00:00Z", "--to", "2025-11-22T01:00:00Z", "--seed", "7",
        "--artist-separation", "6m",
    )  # fmt: skip
    if status == 2:
        # Schedule is not built in this server version yet: the CLI says so and exits 2.
        assert err.startswith("error: UNIMPLEMENTED: "), err
    else:
        assert status == 0, err
        assert out.startswith("preview (not committed)")
        assert "fill ratio" in out


def test_the_installed_entry_point(server: ServerProcess) -> None:
    # The console script and `python -m` run the same main(); exit status passes through.
    done = subprocess.run(
        [sys.executable, "-m", "scheduleflow.client.cli", "--server", server.address, "health"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "SERVING\n")
