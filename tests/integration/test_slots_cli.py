"""The README's time-slot example, run with the CLI against the real server as printed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.serverproc import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[list[str]]:
    """The ``scheduleflow`` lines of the README's time-slot example, comments dropped."""
    text = (ROOT / "README.md").read_text()
    block = text.split("scheduleflow upsert-channel grid.example", 1)[1].split("```", 1)[0]
    block = "scheduleflow upsert-channel grid.example" + block
    lines = block.replace("\\\n", " ").splitlines()
    return [re.sub(r"\s+#.*$", "", line).split()[1:] for line in lines if line.startswith("scheduleflow")]


def _cli(server: ServerProcess, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scheduleflow.client.cli", "--server", server.address, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_readme_slot_example_runs_as_printed(server: ServerProcess) -> None:
    commands = _commands()
    assert [c[0] for c in commands] == ["upsert-channel", "schedule", "schedule", "playout-state"]
    outputs = [_cli(server, *c) for c in commands]
    week, monday, state = outputs[1], outputs[2], outputs[3]
    assert "fill ratio     100.0%" in week
    assert "01:30 does not exist on 2025-03-30 in Europe/London" in week
    assert "2025-03-30T01:00:00Z" in week
    assert "continued from" in monday
    assert "show 'Evening News': last aired news-06" in state
    events = json.loads(
        _cli(
            server,
            "--json",
            "events",
            "--channel",
            "grid.example",
            "--from",
            "2025-03-31T00:00:00Z",
            "--to",
            "2025-04-01T00:00:00Z",
        )
    )
    news = [e for e in events["events"] if e["assetId"].startswith("news")]
    assert [(e["assetId"], e["startTime"]) for e in news] == [("news-06", "2025-03-31T17:00:00Z")]
