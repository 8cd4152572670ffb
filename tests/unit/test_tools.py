"""tests/tools.py: one declaration of the external tools, one way to ask for them."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from tests import tools
from tests.tools import ROOT, Tool, need


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Tool]:
    """A declaration of our own: a tool on PATH, one in a versioned folder, one nowhere."""
    for version in ("9", "15"):
        folder = tmp_path / "lib" / version / "bin"
        folder.mkdir(parents=True)
        tool = folder / "fake-initdb"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    fake = {
        "sh": Tool("sh", "dash", None, "a shell"),
        "fake-initdb": Tool("fake-initdb", "fake-postgresql", str(tmp_path / "lib" / "*" / "bin"), ""),
        "no-such-tool-here": Tool("no-such-tool-here", "nothing", None, ""),
    }
    monkeypatch.setattr(tools, "declared", lambda: fake)
    return fake


def test_a_tool_on_path_is_found(declared: dict[str, Tool]) -> None:
    assert Path(need("sh")).name == "sh"


def test_a_tool_outside_path_is_found_in_its_newest_declared_folder(declared: dict[str, Tool], tmp_path: Path) -> None:
    # 15 after 9: folders compare by version number, not as text.
    assert need("fake-initdb") == str(tmp_path / "lib" / "15" / "bin" / "fake-initdb")


def test_a_missing_tool_is_skipped_locally_naming_the_tool_its_package_and_the_setup_script(
    declared: dict[str, Tool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        need("no-such-tool-here")
    assert str(skipped.value) == "missing external tool no-such-tool-here (Debian package nothing): run scripts/setup"


def test_a_missing_tool_fails_under_ci(declared: dict[str, Tool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no-such-tool-here .*scripts/setup"):
        need("no-such-tool-here")


def test_an_undeclared_tool_is_an_error_in_the_test(declared: dict[str, Tool]) -> None:
    with pytest.raises(KeyError, match=r"scripts/tools\.txt"):
        need("grep")


def test_the_declaration_names_a_package_for_each_tool() -> None:
    declared = tools.declared()
    assert {"tv_validate_file", "tini", "kubectl", "initdb", "pg_ctl"} <= set(declared)
    for tool in declared.values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", tool.package), tool


def test_every_tool_a_test_asks_for_is_declared() -> None:
    asked = {
        name
        for path in (ROOT / "tests").rglob("*.py")
        for name in re.findall(r"""\bneed\(\s*["']([^"']+)["']""", path.read_text())
    }
    asked -= {"sh", "fake-initdb", "no-such-tool-here", "grep"}  # this module's own
    assert asked, "no test asks for a tool: the pattern is stale"
    assert asked <= set(tools.declared()), asked - set(tools.declared())


def test_the_test_command_installs_nothing_and_leaves_services_alone() -> None:
    """scripts/test and every file it sources: installing is scripts/setup's job."""
    scripts = [ROOT / "scripts" / "test"]
    for script in scripts:
        code = "\n".join(line for line in script.read_text().splitlines() if not line.lstrip().startswith("#"))
        scripts += [ROOT / "scripts" / name for name in re.findall(r"^source .*/([\w.]+)\"$", code, re.M)]
        for forbidden in ("apt-get", "apt ", "pip install", "pg_ctlcluster", "systemctl", "service ", "pg_ctl", "sudo"):
            assert forbidden not in code, (script.name, forbidden)
    assert [s.name for s in scripts] == ["test", "_env.sh"], "the pattern that finds sourced files is stale"
