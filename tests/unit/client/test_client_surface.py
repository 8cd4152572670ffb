"""The client's public surface: every RPC has a wrapper method, the exports are pinned,
and the client never pulls in the server."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
from google.protobuf.descriptor import MethodDescriptor

import scheduleflow.client
from scheduleflow.client import AsyncClient, Client
from scheduleflow.v1 import service_pb2

SERVICE = service_pb2.DESCRIPTOR.services_by_name["ScheduleFlowService"]
METHODS = list(SERVICE.methods)

# RPCs whose snake_case name is a Python keyword or reads badly.
RENAMED = {"Import": "import_document"}


def wrapper_name(rpc: str) -> str:
    return RENAMED.get(rpc, "".join("_" + c.lower() if c.isupper() else c for c in rpc).lstrip("_"))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_async_client_wraps_every_rpc(method: MethodDescriptor) -> None:
    name = wrapper_name(method.name)
    fn = getattr(AsyncClient, name, None)
    assert fn is not None, f"AsyncClient has no method {name} for the {method.name} RPC"
    if method.server_streaming:
        assert inspect.isasyncgenfunction(fn), f"AsyncClient.{name} should be an async iterator"
    else:
        assert inspect.iscoroutinefunction(fn), f"AsyncClient.{name} should be a coroutine"
    assert "timeout" in inspect.signature(fn).parameters, f"AsyncClient.{name} takes no per-call timeout"


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_sync_client_wraps_every_rpc(method: MethodDescriptor) -> None:
    name = wrapper_name(method.name)
    fn = getattr(Client, name, None)
    assert fn is not None, f"Client has no method {name} for the {method.name} RPC"
    if method.server_streaming:
        assert inspect.isgeneratorfunction(fn), f"Client.{name} should be an iterator"
    else:
        assert not inspect.iscoroutinefunction(fn) and not inspect.isgeneratorfunction(fn)
    assert "timeout" in inspect.signature(fn).parameters, f"Client.{name} takes no per-call timeout"


def test_both_clients_have_the_same_methods_and_signatures() -> None:
    # Parameters only: the return types differ (Awaitable and AsyncIterator vs plain).
    def public(cls: type) -> dict[str, list[inspect.Parameter]]:
        return {
            n: list(inspect.signature(f).parameters.values())
            for n, f in vars(cls).items()
            if callable(f) and not n.startswith("_")
        }

    assert public(AsyncClient) == public(Client)
    assert inspect.signature(AsyncClient.__init__) == inspect.signature(Client.__init__)


def test_public_names_are_pinned() -> None:
    assert scheduleflow.client.__all__ == [
        "Aborted",
        "AlreadyExists",
        "AsyncClient",
        "Client",
        "DeadlineExceeded",
        "FailedPrecondition",
        "Internal",
        "InvalidArgument",
        "NotFound",
        "PermissionDenied",
        "ResourceExhausted",
        "ScheduleFlowError",
        "Unauthenticated",
        "Unavailable",
        "Unimplemented",
        "make_event",
    ]
    for name in scheduleflow.client.__all__:
        assert getattr(scheduleflow.client, name).__module__.startswith("scheduleflow.client")


def test_the_client_never_imports_the_server() -> None:
    # A fresh interpreter: in this one the server may already be imported by other tests.
    code = (
        "import json, sys\n"
        "import scheduleflow.client, scheduleflow.client.cli, scheduleflow.client.errors\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('scheduleflow'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = json.loads(out.stdout)
    assert "scheduleflow.client.cli" in loaded
    assert [m for m in loaded if m.startswith("scheduleflow.server")] == []
