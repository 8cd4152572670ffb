"""Observability: per-RPC stats, Prometheus metrics, OpenTelemetry tracing."""
