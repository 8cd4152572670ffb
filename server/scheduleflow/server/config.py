"""The server's configuration: one frozen dataclass, from flags and environment.

Every setting is a flag (``--listen``) with an environment twin
(``SCHEDULEFLOW_LISTEN``); a flag wins over the environment, the environment
over the default. Values are checked once, here, so the rest of the server can
trust them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from scheduleflow.server.core.errors import InvalidInput

MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Config:
    """How one server process runs. See ``scheduleflow-server --help``."""

    listen: str = field(default="127.0.0.1:50051", metadata={"help": "HOST:PORT to serve gRPC on (port 0 picks one)"})
    workers: int = field(
        default_factory=lambda: os.cpu_count() or 1,
        metadata={"help": "processes in the pool that runs CPU work (default: CPU count)"},
    )
    queue_capacity: int = field(
        default=0,
        metadata={"help": "jobs waiting for a worker before calls are shed with RESOURCE_EXHAUSTED (0: 64 per worker)"},
    )
    inline_max_bytes: int = field(
        default=16 * 1024,
        metadata={"help": "requests up to this size run on the event loop instead of the pool (0: always the pool)"},
    )
    store: str = field(
        default="scheduleflow.db",
        metadata={"help": "SQLite file path, or a postgresql:// URL for several replicas"},
    )
    grace_s: float = field(
        default=10.0, metadata={"help": "seconds in-flight calls get to finish after SIGTERM before they are cut"}
    )
    max_message_mib: int = field(
        default=80, metadata={"help": "largest request or response in MiB (documents up to 64 MiB fit)"}
    )
    max_concurrent_rpcs: int = field(
        default=20_000, metadata={"help": "calls in progress at once before gRPC itself refuses new ones"}
    )
    watch_buffer: int = field(
        default=256,
        metadata={"help": "changes a WatchSchedule stream may fall behind before it is resynchronised with a snapshot"},
    )
    watch_buffer_bytes: int = field(
        default=4 << 20,
        metadata={
            "help": "bytes of changes one WatchSchedule stream may hold unsent before it is resynchronised "
            "with a snapshot (its buffer is dropped at once)"
        },
    )
    watch_buffer_total_bytes: int = field(
        default=64 << 20,
        metadata={
            "help": "bytes of unsent changes all WatchSchedule streams together may hold; past it the fullest "
            "stream is resynchronised"
        },
    )
    max_connection_age_s: float = field(
        default=0.0,
        metadata={
            "help": "close client connections after this many seconds (GOAWAY) so long-lived clients "
            "rebalance across replicas; streams end with UNAVAILABLE and resume elsewhere (0: never)"
        },
    )
    native: str = field(
        default="auto",
        metadata={
            "help": "the compiled fast path for clean Validates: auto (use it when it was built), "
            "on (refuse to start without it), off (the Python path only)"
        },
    )
    max_job_seconds: float = field(
        default=60.0,
        metadata={
            "help": "seconds any one job may run in a worker before it is stopped and its call fails with "
            "RESOURCE_EXHAUSTED (a runaway guard far above what the size limits allow)"
        },
    )
    max_findings: int = field(default=1000, metadata={"help": "findings returned when a request does not say"})
    metrics_listen: str = field(
        default="",
        metadata={"help": "HOST:PORT to serve Prometheus metrics on at /metrics (empty: no metrics endpoint)"},
    )
    http_listen: str = field(
        default="",
        metadata={
            "help": "HOST:PORT to serve the schedule page and its read-only JSON and live endpoints on "
            "(port 0 picks one; same TLS and tokens as gRPC); empty: no HTTP port"
        },
    )
    http_metrics: str = field(
        default="off",
        metadata={"help": "on: also serve Prometheus metrics at /metrics on the HTTP port (needs --http-listen)"},
    )
    tracing: str = field(
        default="",
        metadata={
            "help": "OpenTelemetry tracing of every RPC: otlp (to OTEL_EXPORTER_OTLP_ENDPOINT) or console "
            "(stderr); empty: off. Needs the otel extra"
        },
    )
    log_format: str = field(default="text", metadata={"help": "text or json (one JSON object per line)"})
    log_level: str = field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING or ERROR"})
    tls_cert: str = field(
        default="", metadata={"help": "PEM file of the server's certificate chain; with --tls-key turns TLS on"}
    )
    tls_key: str = field(default="", metadata={"help": "PEM file of the server's private key (unencrypted)"})
    tls_client_ca: str = field(
        default="",
        metadata={"help": "PEM file of the CA that signs client certificates: clients must present one (mutual TLS)"},
    )
    tokens_file: str = field(
        default="",
        metadata={
            "help": "file of 'ROLE TOKEN' lines (role read or write), read at start: calls then need "
            "'authorization: Bearer TOKEN' (unset: no authentication, for trusted networks only)"
        },
    )

    def __post_init__(self) -> None:
        problems = []
        if not _is_host_port(self.listen):
            problems.append(f"listen {self.listen!r}: give HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:0")
        if self.workers < 1:
            problems.append(f"workers {self.workers}: need at least 1")
        if self.queue_capacity < 0:
            problems.append(f"queue_capacity {self.queue_capacity}: must be 0 (automatic) or more")
        if self.inline_max_bytes < 0:
            problems.append("inline_max_bytes must be 0 or more")
        if self.grace_s < 0:
            problems.append("grace_s must be 0 or more")
        if not 1 <= self.max_message_mib <= 1024:
            problems.append("max_message_mib must be 1..1024")
        if self.max_connection_age_s < 0:
            problems.append("max_connection_age_s must be 0 (never) or more")
        if not self.max_job_seconds > 0:
            problems.append("max_job_seconds must be more than 0")
        if self.watch_buffer < 1:
            problems.append("watch_buffer must be at least 1")
        if self.watch_buffer_bytes < 1:
            problems.append("watch_buffer_bytes must be at least 1")
        if self.watch_buffer_total_bytes < self.watch_buffer_bytes:
            problems.append("watch_buffer_total_bytes must be at least watch_buffer_bytes")
        if self.max_concurrent_rpcs < 1:
            problems.append("max_concurrent_rpcs must be at least 1")
        if self.metrics_listen and not _is_host_port(self.metrics_listen):
            problems.append(f"metrics_listen {self.metrics_listen!r}: give HOST:PORT, e.g. 127.0.0.1:9090")
        if self.http_listen and not _is_host_port(self.http_listen):
            problems.append(f"http_listen {self.http_listen!r}: give HOST:PORT, e.g. 127.0.0.1:8080")
        if self.http_metrics not in ("on", "off"):
            problems.append(f"http_metrics {self.http_metrics!r}: use on or off")
        elif self.http_metrics == "on" and not self.http_listen:
            problems.append("http_metrics on needs an HTTP port: give http_listen too")
        if self.tracing not in ("", "otlp", "console"):
            problems.append(f"tracing {self.tracing!r}: use otlp, console, or leave it empty")
        if self.native not in ("auto", "on", "off"):
            problems.append(f"native {self.native!r}: use auto, on or off")
        if self.log_format not in ("text", "json"):
            problems.append(f"log_format {self.log_format!r}: use text or json")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problems.append(f"log_level {self.log_level!r}: use DEBUG, INFO, WARNING or ERROR")
        if not self.store:
            problems.append("store must name an SQLite file or a postgresql:// URL")
        if bool(self.tls_cert) != bool(self.tls_key):
            problems.append(
                "tls_cert and tls_key go together: give both (certificate chain and private key) or neither"
            )
        if self.tls_client_ca and not self.tls_cert:
            problems.append("tls_client_ca (mutual TLS) needs TLS: give tls_cert and tls_key too")
        for name in ("tls_cert", "tls_key", "tls_client_ca", "tokens_file"):
            path = getattr(self, name)
            if path and not os.path.isfile(path):
                problems.append(f"{name} {path!r}: no such file")
        if problems:
            raise InvalidInput("invalid configuration: " + "; ".join(problems))

    @property
    def effective_queue_capacity(self) -> int:
        return self.queue_capacity or 64 * self.workers

    @property
    def metrics_on(self) -> bool:
        """Whether any endpoint serves Prometheus metrics (their own port, or the HTTP port)."""
        return bool(self.metrics_listen) or self.http_metrics == "on"

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_mib * MIB


def _is_host_port(address: str) -> bool:
    host, sep, port = address.rpartition(":")
    return bool(sep and host and port.isdigit() and 0 <= int(port) <= 65535)


def _env_name(name: str) -> str:
    return "SCHEDULEFLOW_" + name.upper()


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scheduleflow-server",
        description="Serve the ScheduleFlow gRPC API (and, with --http-listen, the schedule page). Every flag can also be set as the environment "
        "variable shown beside it; a flag wins over the environment.",
    )
    defaults = Config(workers=1)
    for f in fields(Config):
        default = getattr(defaults, f.name) if f.name != "workers" else "CPU count"
        parser.add_argument(
            _flag(f.name),
            dest=f.name,
            default=None,
            metavar=f.name.upper(),
            type=_parser_type(f),
            help=f"{f.metadata['help']} [{_env_name(f.name)}] (default: {default})",
        )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def _parser_type(f: dataclasses.Field[Any]) -> Any:
    return {"int": int, "float": float}.get(str(f.type), str)


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> tuple[Config, bool]:
    """Configuration from flags and environment; the bool asks for --version."""
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    values: dict[str, Any] = {}
    for f in fields(Config):
        given = getattr(args, f.name)
        if given is None and _env_name(f.name) in env:
            raw = env[_env_name(f.name)]
            try:
                given = _parser_type(f)(raw)
            except ValueError as exc:
                raise InvalidInput(f"invalid configuration: {_env_name(f.name)}={raw!r} is not a {f.type}") from exc
        if given is not None:
            values[f.name] = given
    return Config(**values), bool(args.version)
