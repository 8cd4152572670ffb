"""The README's quick tour runs as printed, from ``examples/``, against a real server.

The commands are read out of README.md (the first ``sh`` block under "A quick
tour"), so the tour and this test cannot drift apart: a line added to the
tour is run here, and a file it names must exist. Each line runs in bash,
exactly as printed, in a scratch folder holding the repository's
``examples/`` and a ``.venv`` link to this interpreter's environment; the CLI
finds the server through ``SCHEDULEFLOW_SERVER``, as the README says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from tests.serverproc import ServerProcess, start_server
from tests.tools import ROOT, need

README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"


def tour_commands(readme: str) -> list[str]:
    """The tour's command lines: comments dropped, continuation lines joined."""
    section = readme.split("## A quick tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "no sh block in the README's quick tour"
    commands: list[str] = []
    pending = ""
    for raw in block.group(1).splitlines():
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        line = re.sub(r"\s+#.*$", "", line).strip()  # the README's trailing comments
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


COMMANDS = tour_commands(README.read_text())


def test_the_tour_is_found_and_uses_the_shipped_examples() -> None:
    assert COMMANDS[0] == "source .venv/bin/activate"
    named = {m for command in COMMANDS for m in re.findall(r"examples/[\w./-]+", command)}
    assert {"examples/schedule.json", "examples/day.xml", "examples/listings.xml", "examples/playlist.json"} <= named
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert not missing, f"the tour names files that are not shipped: {missing}"


def test_the_readmes_json_sample_is_the_shipped_schedule_json() -> None:
    sample = re.search(r"A JSON schedule document.*?```json\n(.*?)```", README.read_text(), re.S)
    assert sample, "no JSON sample after the tour"
    assert json.loads(sample.group(1)) == json.loads((EXAMPLES / "schedule.json").read_text())


@pytest.mark.parametrize("name", ["listings.xml", "guide.xml"])
def test_the_xmltv_examples_pass_the_reference_validator(name: str) -> None:
    validator = need("tv_validate_file")
    result = subprocess.run(
        [validator, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "XMLTV_SUPPLEMENT": "/usr/share/xmltv"},  # the DTD from the package, not the web
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def tour_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # A server of its own: the tour creates channels, and expects them not to exist yet.
    with start_server(tmp_path_factory.mktemp("tour-server")) as running:
        yield running


def test_the_tour_runs_as_printed(tour_server: ServerProcess, tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file(), f"{venv}: the tests run outside a virtualenv"
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(venv)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHEDULEFLOW_")}
    env["SCHEDULEFLOW_SERVER"] = tour_server.address

    outputs: list[str] = []
    for command in COMMANDS[1:]:
        # Each line in a fresh bash, after the tour's first line (the activation).
        script = f"{COMMANDS[0]}\n{command}\n"
        result = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, f"$ {command}\nexit {result.returncode}\n{result.stdout}{result.stderr}"
        outputs.append(result.stdout)
    by_command = dict(zip(COMMANDS[1:], outputs, strict=True))

    assert by_command["scheduleflow health"].strip() == "SERVING"
    # What the tour's lines left behind is what they say they do.
    exported = etree.fromstring((tmp_path / "one.xml").read_bytes())
    assert exported.tag == "tv"
    assert [c.get("id") for c in exported.iter("channel")] == ["one.example"]
    assert len(exported.findall("programme")) == 13  # examples/day.xml's events
    channels = by_command["scheduleflow channels"]
    assert "one.example" in channels
    stats = json.loads(by_command["scheduleflow --json stats"])
    assert stats, "--json stats printed an empty object"
    listing = next(out for cmd, out in by_command.items() if "examples/listings.xml" in cmd)
    assert "COOLDOWN_BREACH" in listing and "GAP" in listing, listing
