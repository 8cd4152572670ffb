"""OpenTelemetry tracing through the standard gRPC instrumentation, when configured.

``--tracing otlp`` exports spans with OTLP/gRPC to the collector named by the
standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (and the other ``OTEL_*`` variables);
``--tracing console`` writes them to stderr, for a quick look. The packages
are the ``otel`` extra (``pip install 'scheduleflow[otel]'``); asking for
tracing without them is a start-up error that says so.

The instrumentation patches ``grpc.aio.server``, so it must be set up before
the server is made: ``app`` calls ``setup`` first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.version import VERSION


def setup(kind: str) -> Callable[[], None] | None:
    """Install tracing of every RPC; returns the function that flushes and stops it."""
    if not kind:
        return None
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorServer
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    except ImportError as exc:
        raise InvalidInput.at(
            "tracing needs the OpenTelemetry packages: pip install 'scheduleflow[otel]'", field="tracing"
        ) from exc
    exporter: SpanExporter
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = ConsoleSpanExporter(out=sys.stderr)
    provider = TracerProvider(resource=Resource.create({"service.name": "scheduleflow", "service.version": VERSION}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrumentor = GrpcAioInstrumentorServer()  # type: ignore[no-untyped-call]
    instrumentor.instrument()

    def stop() -> None:
        instrumentor.uninstrument()
        provider.shutdown()

    return stop
