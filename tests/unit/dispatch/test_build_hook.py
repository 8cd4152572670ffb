"""hatch_build.py: no compiler means the Python path (a warning); a compile
error with a compiler present fails the install, warnings included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hatch_build  # at the repository's root (pytest's pythonpath); hatchling comes with the dev extra
from tests.tools import need

ROOT = Path(__file__).resolve().parents[3]

SOURCE = ROOT / hatch_build.SOURCE


def _tree(tmp_path: Path, extra_c: str = "") -> Path:
    """A copy of the repository's C source under ``tmp_path``, with ``extra_c`` appended."""
    target = tmp_path / hatch_build.SOURCE
    target.parent.mkdir(parents=True)
    target.write_text(SOURCE.read_text() + extra_c)
    return tmp_path


def _hook(root: Path, tmp_path: Path) -> Any:
    return hatch_build.CustomBuildHook(str(root), {}, None, None, str(tmp_path / "out"), "wheel")


def _need_compiler() -> None:
    need("gcc")  # skipped locally without it, a failure under CI
    assert not hatch_build.missing_toolchain(), hatch_build.missing_toolchain()


def test_the_source_compiles_with_warnings_as_errors(tmp_path: Path) -> None:
    _need_compiler()
    built = hatch_build.compile_extension(_tree(tmp_path), tmp_path / "work")
    assert built.exists()
    assert {"-Wall", "-Wextra", "-Werror"} <= set(hatch_build.WARNINGS)


def test_a_warning_fails_the_install_loudly(tmp_path: Path) -> None:
    _need_compiler()
    root = _tree(tmp_path, "\nstatic int unused_helper(void) { return 0; }\n")  # -Wunused-function
    with pytest.raises(RuntimeError, match=r"compiling .*_cvalidate\.c failed"):
        _hook(root, tmp_path).initialize("editable", {})
    assert not list((root / "server").rglob("*.so")), "nothing may be installed from a failed compile"


def test_without_a_compiler_the_install_warns_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    root = _tree(tmp_path)
    _hook(root, tmp_path).initialize("editable", {})  # no exception
    assert "the Validate fast path was not built: no C compiler" in capsys.readouterr().err
    assert not list((root / "server").rglob("*.so"))


def test_the_compiler_named_by_cc_is_the_one_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    gcc = need("gcc")
    monkeypatch.setenv("CC", f"{gcc} -pthread")
    assert "no C compiler" not in hatch_build.missing_toolchain()
