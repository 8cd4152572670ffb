"""Per-RPC statistics: latency percentiles from the histogram, errors by status code."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.observe.stats import MethodStats, Stats
from tests.profiles import examples

#: The histogram's buckets grow by 4 %: an estimate may exceed the truth by that much.
RESOLUTION = 1.04


def _latencies(method_stats: Stats, method: str, seconds: list[float]) -> None:
    for s in seconds:
        method_stats.record(method, "OK", s)


@pytest.mark.parametrize(("p", "true_s"), [(50, 0.500), (90, 0.900), (99, 0.990), (99.9, 0.999)])
def test_percentiles_of_a_uniform_distribution_are_within_one_bucket(p: float, true_s: float) -> None:
    stats = Stats()
    _latencies(stats, "Validate", [ms / 1000 for ms in range(1, 1001)])  # 1 ms .. 1 s
    estimate = stats.methods["Validate"].latency.percentile(p)
    assert true_s <= estimate <= true_s * RESOLUTION


def test_the_100th_percentile_is_the_maximum_seen() -> None:
    stats = Stats()
    _latencies(stats, "Validate", [0.002, 0.010, 0.1234])
    assert stats.methods["Validate"].latency.percentile(100) == 0.1234


def test_a_constant_latency_is_reported_exactly() -> None:
    stats = Stats()
    _latencies(stats, "Export", [0.25] * 100)
    assert stats.methods["Export"].latency.percentile(50) == 0.25


def test_a_skewed_distribution_keeps_its_tail() -> None:
    stats = Stats()
    _latencies(stats, "Import", [0.001] * 95 + [2.0] * 5)
    latency = stats.methods["Import"].latency
    assert 0.001 <= latency.percentile(95) <= 0.001 * RESOLUTION
    assert 2.0 <= latency.percentile(96) <= 2.0 * RESOLUTION


def test_no_calls_give_zero_percentiles() -> None:
    assert MethodStats().latency.percentile(99) == 0.0


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.floats(1e-5, 50.0), min_size=1, max_size=300), st.floats(0.1, 100.0))
def test_any_percentile_is_at_least_the_true_value_and_within_4_percent(latencies: list[float], p: float) -> None:
    stats = Stats()
    _latencies(stats, "M", latencies)
    ordered = sorted(latencies)
    true = ordered[math.ceil(len(ordered) * p / 100) - 1]  # nearest rank
    estimate = stats.methods["M"].latency.percentile(p)
    assert true * (1 - 1e-9) <= estimate <= true * RESOLUTION * (1 + 1e-9)


def test_calls_and_errors_are_counted_by_method_and_status_code() -> None:
    stats = Stats()
    for method, code in [
        ("Validate", "OK"),
        ("Validate", "OK"),
        ("Validate", "INVALID_ARGUMENT"),
        ("Validate", "INVALID_ARGUMENT"),
        ("Validate", "RESOURCE_EXHAUSTED"),
        ("Export", "NOT_FOUND"),
    ]:
        stats.record(method, code, 0.01)
    validate = stats.methods["Validate"]
    assert (validate.calls, validate.errors) == (5, 3)
    assert dict(validate.codes) == {"OK": 2, "INVALID_ARGUMENT": 2, "RESOURCE_EXHAUSTED": 1}
    export = stats.methods["Export"]
    assert (export.calls, export.errors) == (1, 1)
    assert dict(export.codes) == {"NOT_FOUND": 1}
