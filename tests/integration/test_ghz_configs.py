"""The ghz configs in deploy/ghz work, tested the way ghz uses them.

ghz is in no registry reachable here, so this does what it does: find the
method either by compiling the config's .proto with its import paths or by
asking reflection for ``file_containing_symbol(<call>)``, build the request
from the config's JSON ``data`` with protojson rules, and call the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.serverproc import ServerProcess, start_server

# One worker runs this module: its module-scoped server starts once (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("ghz_configs")

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "deploy" / "ghz").glob("*.json"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    from scheduleflow.client import Client

    with start_server(tmp_path_factory.mktemp("ghz")) as running:
        # The channels the configs name, as an operator would have them.
        doc = json.dumps(
            {"scheduleflow": 1, "events": [{"id": "e0", "start": "2025-11-22T00:00:00Z", "duration": "PT1H"}]}
        ).encode()
        with Client(running.address, timeout=30) as client:
            client.import_document("ghz.example", doc)
            client.import_document("ghz-delete.example", doc)
        yield running


def _files_from_proto(config: dict[str, object], tmp: Path) -> list[descriptor_pb2.FileDescriptorProto]:
    includes = [f"-I{REPO / str(p)}" for p in config.get("import-paths", [])]  # type: ignore[union-attr]
    out = tmp / "set.pb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            *includes,
            f"--descriptor_set_out={out}",
            "--include_imports",
            str(Path(str(config["proto"])).relative_to(str(config["import-paths"][0]))),
        ],  # type: ignore[index]
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)


def _files_from_reflection(address: str, symbol: str) -> list[descriptor_pb2.FileDescriptorProto]:
    with grpc.insecure_channel(address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        wanted = [reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)]
        while wanted:
            reply = next(iter(stub.ServerReflectionInfo(iter([wanted.pop()]), timeout=5)))
            assert reply.WhichOneof("message_response") == "file_descriptor_response", reply.error_response
            for raw in reply.file_descriptor_response.file_descriptor_proto:
                f = descriptor_pb2.FileDescriptorProto.FromString(raw)
                files[f.name] = f
            missing = {d for f in files.values() for d in f.dependency} - files.keys()
            wanted = [reflection_pb2.ServerReflectionRequest(file_by_filename=m) for m in missing]
        return list(files.values())


def _pool_of(files: list[descriptor_pb2.FileDescriptorProto]) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()
    while len(added) < len(files):
        for f in files:
            if f.name not in added and set(f.dependency) <= added:
                pool.Add(f)
                added.add(f.name)
    return pool


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_ghz_config_resolves_its_method_builds_its_request_and_gets_ok(
    path: Path, server: ServerProcess, tmp_path: Path
) -> None:
    config = json.loads(path.read_text())
    call = config["call"]
    service_name, _, method_name = call.rpartition(".")
    files = _files_from_proto(config, tmp_path) if "proto" in config else _files_from_reflection(server.address, call)
    pool = _pool_of(files)
    method = pool.FindServiceByName(service_name).methods_by_name[method_name]
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    request = json_format.ParseDict(config.get("data", {}), request_cls())
    assert config["host"].startswith("127.0.0.1:")
    with grpc.insecure_channel(server.address) as channel:
        if method.server_streaming:
            stream = channel.unary_stream(
                f"/{service_name}/{method_name}",
                request_serializer=request_cls.SerializeToString,
                response_deserializer=response_cls.FromString,
            )
            call = stream(request, timeout=10)
            reply = next(iter(call))
            call.cancel()
        else:
            rpc = channel.unary_unary(
                f"/{service_name}/{method_name}",
                request_serializer=request_cls.SerializeToString,
                response_deserializer=response_cls.FromString,
            )
            reply = rpc(request, timeout=30)
    assert reply is not None
    if method_name == "Validate":
        assert reply.summary.event_count == len(config["data"]["events"]["events"])
    if method_name == "WatchSchedule":
        assert reply.snapshot.channel_id == "ghz.example"


def test_there_is_a_ghz_config_for_every_rpc() -> None:
    from scheduleflow.v1 import service_pb2

    covered = {json.loads(p.read_text())["call"].rpartition(".")[2] for p in CONFIGS}
    methods = {m.name for m in service_pb2.DESCRIPTOR.services_by_name["ScheduleFlowService"].methods}
    assert methods <= covered, sorted(methods - covered)
