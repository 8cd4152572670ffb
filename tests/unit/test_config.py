"""Server configuration: defaults, environment, flags, validation, --help."""

from __future__ import annotations

import dataclasses
import os

import pytest

from scheduleflow.server.config import Config, load
from scheduleflow.server.core.errors import InvalidInput

FIELDS = [f.name for f in dataclasses.fields(Config)]


def test_defaults_without_flags_or_environment() -> None:
    config, version = load([], {})
    assert config.listen == "127.0.0.1:50051"
    assert config.workers == (os.cpu_count() or 1)
    assert config.store == "scheduleflow.db"
    assert config.log_format == "text"
    assert config.max_findings == 1000
    assert not version


def test_automatic_queue_capacity_is_64_jobs_per_worker() -> None:
    config, _ = load(["--workers", "3"], {})
    assert config.queue_capacity == 0
    assert config.effective_queue_capacity == 192


def test_environment_sets_workers() -> None:
    config, _ = load([], {"SCHEDULEFLOW_WORKERS": "3"})
    assert config.workers == 3


def test_environment_sets_strings_and_floats() -> None:
    config, _ = load([], {"SCHEDULEFLOW_LISTEN": "0.0.0.0:7000", "SCHEDULEFLOW_GRACE_S": "2.5"})
    assert config.listen == "0.0.0.0:7000"
    assert config.grace_s == 2.5


def test_a_flag_wins_over_the_environment() -> None:
    config, _ = load(["--workers", "2", "--log-format", "json"], {"SCHEDULEFLOW_WORKERS": "3"})
    assert config.workers == 2
    assert config.log_format == "json"


def test_unrelated_environment_variables_are_ignored() -> None:
    config, _ = load([], {"WORKERS": "7", "SCHEDULEFLOW_UNKNOWN": "x"})
    assert config == load([], {})[0]


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        (["--listen", "127.0.0.1"], {}, "listen '127.0.0.1'"),
        (["--listen", ":50051"], {}, "listen ':50051'"),
        (["--listen", "localhost:70000"], {}, "listen 'localhost:70000'"),
        (["--workers", "0"], {}, "workers 0"),
        ([], {"SCHEDULEFLOW_WORKERS": "0"}, "workers 0"),
        (["--log-format", "xml"], {}, "log_format 'xml'"),
        (["--log-level", "LOUD"], {}, "log_level 'LOUD'"),
        (["--queue-capacity", "-1"], {}, "queue_capacity -1"),
        (["--max-message-mib", "0"], {}, "max_message_mib"),
        (["--native", "fast"], {}, "native 'fast'"),
        ([], {"SCHEDULEFLOW_WORKERS": "many"}, "SCHEDULEFLOW_WORKERS='many'"),
    ],
)
def test_invalid_setting_is_refused_naming_it(argv: list[str], environ: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidInput, match="invalid configuration") as caught:
        load(argv, environ)
    assert named in caught.value.message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        Config(listen="nowhere", workers=0, log_format="xml")
    for named in ("listen", "workers", "log_format"):
        assert named in caught.value.message


def test_config_is_frozen() -> None:
    config = Config(workers=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.workers = 2  # type: ignore[misc]


def test_version_flag_is_reported() -> None:
    _, version = load(["--version"], {})
    assert version


def _help(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        load(["--help"], {})
    assert caught.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


@pytest.mark.parametrize("name", FIELDS)
def test_help_lists_every_setting_with_its_flag_and_environment_name(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(capsys)
    assert "--" + name.replace("_", "-") in text
    assert f"[SCHEDULEFLOW_{name.upper()}]" in text


def test_help_states_the_real_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    assert "(default: 127.0.0.1:50051)" in text
    assert "(default: scheduleflow.db)" in text
    # Flags default to None only so that the environment can fill them in.
    assert "(default: None)" not in text


def test_the_http_port_has_a_flag_an_environment_twin_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    config, _ = load([], {"SCHEDULEFLOW_HTTP_LISTEN": "127.0.0.1:8080"})
    assert config.http_listen == "127.0.0.1:8080"
    assert load(["--http-listen", "[::1]:0", "--http-metrics", "on"], {})[0].metrics_on
    with pytest.raises(SystemExit):
        load(["--help"], {})
    shown = capsys.readouterr().out
    assert "--http-listen" in shown and "SCHEDULEFLOW_HTTP_LISTEN" in shown and "--http-metrics" in shown


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--http-listen", "8080"], "http_listen '8080': give HOST:PORT"),
        (["--http-metrics", "yes"], "http_metrics 'yes': use on or off"),
        (["--http-metrics", "on"], "needs an HTTP port"),
    ],
)
def test_bad_http_settings_are_refused_with_the_fix(argv: list[str], words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        load(argv, {})
