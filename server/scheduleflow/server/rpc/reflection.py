"""Server reflection that resolves every symbol ghz and grpcurl ask for.

The stock ``grpc_reflection`` service answers ``file_containing_symbol`` with
``DescriptorPool.FindFileContainingSymbol``, which knows services, messages
and enums but not methods ("scheduleflow.v1.ScheduleFlowService.Validate") or
enum values: ghz asks for exactly the method, and fails with "Symbol not
found". Rather than subclass the servicer's private base, we hand the public
``enable_server_reflection`` a pool whose lookup also tries the symbol's
parent (service for a method, enum for a value, message for a field).

The same servicer is also served under ``grpc.reflection.v1``, whose messages
are wire-identical to ``v1alpha``: newer clients ask for v1 first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1_SERVICE = "grpc.reflection.v1.ServerReflection"


class SymbolResolvingPool:
    """A descriptor pool view whose symbol lookup also finds methods and values."""

    def __init__(self, pool: descriptor_pool.DescriptorPool | None = None) -> None:
        self._pool = pool or descriptor_pool.Default()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    def FindFileContainingSymbol(self, symbol: str) -> Any:
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            parent, _, member = symbol.rpartition(".")
            if not parent:
                raise
            try:
                service = self._pool.FindServiceByName(parent)
            except KeyError:
                pass
            else:
                if member in service.methods_by_name:
                    return service.file
                raise
            # An enum value or a field: its enum or message's file.
            return self._pool.FindFileContainingSymbol(parent)


def enable(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    names = [*service_names, reflection.SERVICE_NAME, V1_SERVICE]
    reflection.enable_server_reflection(names, server, pool=SymbolResolvingPool())
    # v1 has the same messages as v1alpha: route it to the same servicer.
    servicer = reflection.aio.ReflectionServicer(names, pool=SymbolResolvingPool())
    handler = grpc.method_handlers_generic_handler(
        V1_SERVICE,
        {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
