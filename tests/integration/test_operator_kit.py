"""The operators' kit in deploy/: the Grafana dashboard and the Prometheus rules
name only metrics a running server exports, and promtool accepts the rules
(and their unit tests)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from scheduleflow.client import Client, make_event
from tests.serverproc import start_server
from tests.tools import need

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "scheduleflow.json"
RULES = ROOT / "deploy" / "prometheus" / "scheduleflow-rules.yaml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "scheduleflow-rules.test.yaml"
_METRIC = re.compile(r"\bscheduleflow_[a-z0-9_]+\b")
_LE = re.compile(r'le="([^"]+)"')


def _dashboard_exprs() -> list[str]:
    def walk(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["expr"]] if isinstance(node.get("expr"), str) else []
            return found + [e for value in node.values() for e in walk(value)]
        if isinstance(node, list):
            return [e for item in node for e in walk(item)]
        return []

    return walk(json.loads(DASHBOARD.read_text()))


def _rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_the_kit_names_the_metrics_it_promises() -> None:
    names = {n for e in _dashboard_exprs() + _rule_exprs() for n in _METRIC.findall(e)}
    for wanted in (
        "scheduleflow_rpc_calls_total",
        "scheduleflow_rpc_latency_seconds_bucket",
        "scheduleflow_pool_busy",
        "scheduleflow_pool_queued",
        "scheduleflow_pool_rejected_total",
        "scheduleflow_pool_worker_restarts_total",
        "scheduleflow_pool_worker_retirements_total",
        "scheduleflow_validate_fast_calls_total",
        "scheduleflow_watchers",
        "scheduleflow_watch_resyncs_total",
        "scheduleflow_store_latency_seconds_bucket",
        "scheduleflow_store_up",
        "scheduleflow_ready",
    ):
        assert wanted in names, f"{wanted} is on neither the dashboard nor in the rules"
    alerts = {r.get("alert") for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    assert {
        "ScheduleFlowErrorRatioHigh",
        "ScheduleFlowLatencyBudgetBurnFast",
        "ScheduleFlowPoolSaturated",
        "ScheduleFlowShedding",
        "ScheduleFlowStoreDown",
        "ScheduleFlowWatchersResyncing",
        "ScheduleFlowReplicaNotReady",
    } <= alerts


def test_every_metric_the_dashboard_and_rules_name_exists_on_a_running_server(tmp_path: Path) -> None:
    exprs = _dashboard_exprs() + _rule_exprs()
    named = {n for e in exprs for n in _METRIC.findall(e)}
    args = ["--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--http-metrics", "on"]
    with start_server(tmp_path, *args) as server:
        with Client(server.address, timeout=30) as client:
            # One of each kind of traffic, so that labelled series exist.
            start = dt.datetime(2025, 11, 22, 9, tzinfo=dt.UTC)
            client.validate([make_event("a", start, dt.timedelta(minutes=30))])
            client.list_channels()
        with urllib.request.urlopen(server.page_url() + "api/channels", timeout=10) as reply:
            reply.read()
        own_port = server.metrics()
        with urllib.request.urlopen(server.page_url() + "metrics", timeout=10) as reply:
            same_port_text = reply.read().decode()
    exported = {key.split("{", 1)[0] for key in own_port}
    missing = sorted(named - exported)
    assert not missing, f"named by deploy/ but not exported: {missing}"
    # The objective's bucket bound is spelled as the client library spells it.
    les = {le for e in exprs for le in _LE.findall(e)}
    for le in les:
        assert f'le="{le}"' in same_port_text, f"no bucket le={le!r} on /metrics"
    # The HTTP port serves the same registry.
    assert {n for n in exported if n.startswith("scheduleflow_")} <= set(_METRIC.findall(same_port_text))


def test_promtool_accepts_the_rules_and_their_tests() -> None:
    promtool = need("promtool")
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", str(RULE_TESTS)], capture_output=True, text=True, check=False, cwd=RULES.parent
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
