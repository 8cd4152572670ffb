"""Session-wide test settings: hypothesis profiles, the slow tier, the missing-tool summary."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests import profiles
from tests.pgcluster import Cluster, throwaway_cluster
from tests.tools import MISSING

profiles.load()  # hypothesis: quick by default, thorough under HYPOTHESIS_PROFILE=ci (.ci/run)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (the drills and long tiers; .ci/run passes it)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow") or config.getoption("-m"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow (.ci/run does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per missing external tool, however many tests it skipped."""
    missing: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        if found := re.search(rf"{MISSING} (.*?): run scripts/setup", reason):
            missing[found.group(1)] = missing.get(found.group(1), 0) + 1
    if missing:
        terminalreporter.section("missing external tools")
        for tool, count in sorted(missing.items()):
            terminalreporter.line(f"{tool}: {count} test(s) skipped; scripts/setup installs it")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test session (of this xdist worker) alone; see tests/pgcluster.py."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: Cluster) -> str:
    """The throwaway cluster's ``postgres`` database; tests keep apart by schema or database of their own."""
    return postgres_cluster.url()
