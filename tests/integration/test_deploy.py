"""deploy/: what can be checked without a container engine or a cluster.

- The Dockerfile is parsed; its runtime command line is then run for real (the
  venv's ``scheduleflow-server`` with the image's ENV, on loopback), answers
  health, passes the image's HEALTHCHECK command and drains to exit 0 on
  SIGTERM. The build context (/.dockerignore) holds what the wheel is made of.
- compose.yaml, envoy.yaml and every Kubernetes manifest parse; the settings
  they give the server are ones it knows and accepts; the objects fit together
  (selectors, ports, names, grace periods). The manifests are validated against
  the Kubernetes OpenAPI schemas (kubernetes-validate) and envoy.yaml against
  Envoy's own protobuf messages (xds-protos) when those packages are installed.
- The Deployment's probes and Envoy's health check are performed the way the
  kubelet and Envoy do, against a real server started with the ConfigMap's
  settings; after SIGTERM the readiness probe fails while the server drains.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pkgutil
import re
import select
import shlex
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scheduleflow.server.config import Config, load
from scheduleflow.server.rpc.service import SERVICE_NAME
from tests.serverproc import start_server
from tests.tools import need

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
READY_PREFIX = "scheduleflow-server listening on "
SETTINGS = {"SCHEDULEFLOW_" + f.name.upper() for f in dataclasses.fields(Config)}
# The oldest Kubernetes the manifests claim (native gRPC probes are GA in 1.27).
OLDEST_KUBERNETES = "1.27.0"
FROM_REFERENCE = "<valueFrom>"


# -- Dockerfile ---------------------------------------------------------------


@dataclasses.dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} in stage {self.name or self.base}"
        return found[-1]

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for rest in self.all("ENV"):
            words = shlex.split(rest)
            if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
                out[words[0]] = rest.split(None, 1)[1]
                continue
            for word in words:
                key, _, value = word.partition("=")
                out[key] = value
        return out


def parse_dockerfile(path: Path) -> list[Stage]:
    """Instructions per stage: comments dropped, continuation lines joined, global ARGs substituted in FROM."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # comment lines inside a continuation are skipped
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continuation line"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m.group(1), ""), rest).split()
            stages.append(Stage(base=words[0], name=words[2] if len(words) > 2 and words[1].upper() == "AS" else ""))
        elif not stages:
            assert keyword == "ARG", f"{keyword} before the first FROM"
            name, _, default = rest.partition("=")
            global_args[name] = default.strip('"')
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def healthcheck_command(stage: Stage) -> str:
    """The shell command of HEALTHCHECK [options] CMD command."""
    words = stage.last("HEALTHCHECK").split()
    while words[0].startswith("--"):
        words.pop(0)
    assert words[0] == "CMD", "HEALTHCHECK must run a command"
    return " ".join(words[1:])


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(/.dockerignore) patterns as Docker reads them: in order, `!` re-includes, the last match wins."""
    rules = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex + "$")))
    return rules


def excluded_from_context(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = relative.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]  # a path or any of its parents
    excluded = False
    for negate, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DEPLOY / "Dockerfile")


def test_the_dockerfile_builds_a_wheel_and_installs_it_in_a_slim_non_root_runtime(stages: list[Stage]) -> None:
    assert len(stages) >= 2, "multi-stage: a builder and a runtime"
    builder, runtime = stages[0], stages[-1]
    assert builder.name == "builder"
    assert {builder.base, runtime.base} == {"python:3.11-slim"}
    assert any("pip wheel" in run for run in builder.all("RUN"))
    assert any(re.search(r"\bgcc\b", run) for run in builder.all("RUN")), "the builder compiles the Validate fast path"
    installs = [run for run in runtime.all("RUN") if "pip install" in run]
    assert installs, "the runtime stage installs the wheel"
    assert all("--no-index" in run and "from=builder" in run for run in installs), installs
    assert not runtime.all("COPY"), "the runtime stage gets nothing but the builder's wheels"
    runtime_text = " ".join(rest for _, rest in runtime.instructions)
    assert not re.search(r"\b(gcc|g\+\+|build-essential|python3-dev)\b", runtime_text), "no compilers at runtime"

    user = runtime.last("USER").split(":")
    assert user[0].isdigit(), "a numeric USER, so Kubernetes' runAsNonRoot can verify it"
    assert int(user[0]) != 0
    assert "50051" in runtime.last("EXPOSE").split()
    assert runtime.last("STOPSIGNAL") == "SIGTERM"
    assert json.loads(runtime.last("ENTRYPOINT")) == ["tini", "--", "scheduleflow-server"]
    assert "tini" in " ".join(runtime.all("RUN")), "tini is installed in the runtime stage"
    env = runtime.env()
    assert env["SCHEDULEFLOW_LISTEN"] == "0.0.0.0:50051"
    assert env["SCHEDULEFLOW_LOG_FORMAT"] == "json"
    assert env["SCHEDULEFLOW_STORE"] == "/data/scheduleflow.db"
    assert env["SCHEDULEFLOW_NATIVE"] == "on", "an image built without its fast path refuses to start"
    assert {key for key in env if key.startswith("SCHEDULEFLOW_")} <= SETTINGS
    assert "/data" in json.loads(runtime.last("VOLUME"))
    assert any("install -d -o " + user[0] in run and "/data" in run for run in runtime.all("RUN")), (
        "/data is the user's"
    )


def test_the_build_context_holds_what_the_wheel_is_made_of(stages: list[Stage]) -> None:
    rules = dockerignore_rules()
    sources = [word for rest in stages[0].all("COPY") for word in rest.split()[:-1] if not word.startswith("--")]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    packages = wheel["packages"]
    build_hook = wheel["hooks"]["custom"].get("path", "hatch_build.py")
    for needed in ["pyproject.toml", pyproject["project"]["readme"], build_hook, *packages]:
        assert any(needed == source or needed.startswith(source + "/") for source in sources), f"{needed} not COPYed"
    for source in sources:
        assert (REPO / source).exists(), source
        assert not excluded_from_context(source, rules), f"/.dockerignore leaves out {source}"
    package_files = [
        path.relative_to(REPO).as_posix()
        for package in packages
        for path in (REPO / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".db", ".so")
    ]
    assert len(package_files) > 20
    assert [path for path in package_files if excluded_from_context(path, rules)] == []
    for local in [
        ".venv/bin/python",
        ".git/HEAD",
        "tests/serverproc.py",
        "client/scheduleflow/__pycache__/x.pyc",
        "server/scheduleflow/server/dispatch/_cvalidate.cpython-311-x86_64-linux-gnu.so",  # built here, for this machine
    ]:
        assert excluded_from_context(local, rules), f"{local} would be sent to the builder"


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def _wait_ready(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line.startswith(READY_PREFIX):
                return line.removeprefix(READY_PREFIX).strip()
    raise AssertionError(f"the image's command did not start (exit code {process.poll()})")


def _health(address: str, service: str, *, timeout: float = 5, user_agent: str = "") -> str:
    """One Health/Check on a fresh connection: the status name, or the error code's name."""
    options = [("grpc.primary_user_agent", user_agent)] if user_agent else []
    with grpc.insecure_channel(address, options=options) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as exc:
            return str(exc.code().name)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def test_the_image_command_line_serves_passes_its_healthcheck_and_drains_on_sigterm(
    stages: list[Stage], tmp_path: Path
) -> None:
    runtime = stages[-1]
    argv = json.loads(runtime.last("ENTRYPOINT")) + (json.loads(runtime.last("CMD")) if runtime.all("CMD") else [])
    if argv[:2] == ["tini", "--"]:
        argv[0] = need("tini")
    server_script = _venv_bin() / "scheduleflow-server"
    assert server_script.exists(), f"{server_script}: the project is not installed in this environment"
    argv[argv.index("scheduleflow-server")] = str(server_script)

    image_env = runtime.env()
    data = tmp_path / "data"  # the image's WORKDIR and VOLUME
    data.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHEDULEFLOW_")}
    env.update(image_env)
    env["PATH"] = f"{_venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    # Tests bind loopback only, on a port of the system's choosing.
    env["SCHEDULEFLOW_LISTEN"] = image_env["SCHEDULEFLOW_LISTEN"].replace("0.0.0.0:50051", "127.0.0.1:0")
    env["SCHEDULEFLOW_STORE"] = str(data / Path(image_env["SCHEDULEFLOW_STORE"]).name)
    env["SCHEDULEFLOW_WORKERS"] = "1"

    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, cwd=data, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        address = _wait_ready(process)
        assert address.startswith("127.0.0.1:")
        assert _health(address, "") == "SERVING"
        assert _health(address, SERVICE_NAME) == "SERVING"

        command = healthcheck_command(runtime)
        assert "127.0.0.1:50051" in command
        check = subprocess.run(
            ["/bin/sh", "-c", command.replace("127.0.0.1:50051", address)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert check.returncode == 0, check.stderr

        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()
    # The image logs JSON, one object a line (tini, when present, may add a plain warning).
    entries = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    messages = " ".join(entry["message"] for entry in entries)
    assert "serving version" in messages
    assert "draining" in messages
    assert (data / Path(image_env["SCHEDULEFLOW_STORE"]).name).exists()
    # The HEALTHCHECK fails once the server is gone (exit 1, never Docker's reserved 2).
    gone = subprocess.run(
        ["/bin/sh", "-c", command.replace("127.0.0.1:50051", address).replace("--timeout 3", "--timeout 1")],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert gone.returncode == 1


# -- compose and Envoy --------------------------------------------------------


def _interpolate(text: str) -> str:
    """compose's ${VAR:-default} and ${VAR-default}, as with the variables unset."""
    return re.sub(r"\$\{(\w+):?-([^}]*)\}", lambda m: m.group(2), text)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(_interpolate((DEPLOY / "compose.yaml").read_text()))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def envoy() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "envoy.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _envoy_cluster(envoy: dict[str, Any]) -> dict[str, Any]:
    (cluster,) = envoy["static_resources"]["clusters"]
    assert isinstance(cluster, dict)
    return cluster


def test_compose_runs_two_replicas_on_a_healthy_postgres_behind_envoy(
    compose: dict[str, Any], envoy: dict[str, Any]
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "scheduleflow", "envoy"}
    postgres, server, proxy = services["postgres"], services["scheduleflow"], services["envoy"]

    assert postgres["image"].split(":")[1].startswith("16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    assert server["deploy"]["replicas"] == 2
    assert (DEPLOY / server["build"]["context"] / server["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "ports" not in server, "replicas are reached through Envoy only"
    env = {key: str(value) for key, value in server["environment"].items()}
    assert set(env) <= SETTINGS
    url = urlsplit(env["SCHEDULEFLOW_STORE"])
    pg_env = postgres["environment"]
    assert url.scheme == "postgresql"
    assert url.hostname == "postgres"
    assert url.port == 5432
    assert url.path == "/" + pg_env["POSTGRES_DB"]
    assert (url.username, url.password) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"])
    config, _ = load([], environ=env)  # the real server accepts these settings
    assert config.workers <= float(server["deploy"]["resources"]["limits"]["cpus"])
    stop_grace = int(server["stop_grace_period"].removesuffix("s"))
    assert stop_grace > config.grace_s

    assert proxy["depends_on"]["scheduleflow"]["condition"] == "service_healthy"
    (mount,) = proxy["volumes"]
    source, target = mount.split(":")[:2]
    assert (DEPLOY / source).resolve() == DEPLOY / "envoy.yaml"
    assert target == "/etc/envoy/envoy.yaml"
    (listener,) = envoy["static_resources"]["listeners"]
    listen_port = listener["address"]["socket_address"]["port_value"]
    assert listen_port == 8080
    assert any(str(port).endswith(f":{listen_port}") for port in proxy["ports"])
    # Envoy's upstream is the compose service, i.e. every replica.
    (endpoints,) = _envoy_cluster(envoy)["load_assignment"]["endpoints"]
    (endpoint,) = endpoints["lb_endpoints"]
    socket = endpoint["endpoint"]["address"]["socket_address"]
    assert (socket["address"], socket["port_value"]) == ("scheduleflow", 50051)


def test_envoy_balances_per_call_over_http2_with_grpc_health_checks(envoy: dict[str, Any]) -> None:
    cluster = _envoy_cluster(envoy)
    assert cluster["type"] == "STRICT_DNS"
    assert cluster["lb_policy"] == "ROUND_ROBIN"
    options = cluster["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert "http2_protocol_options" in options["explicit_http_config"]
    (check,) = cluster["health_checks"]
    assert check["grpc_health_check"]["service_name"] == SERVICE_NAME
    (listener,) = envoy["static_resources"]["listeners"]
    (chain,) = listener["filter_chains"]
    (manager,) = chain["filters"]
    hcm = manager["typed_config"]
    assert hcm["http_filters"][-1]["name"] == "envoy.filters.http.router"
    assert hcm["stream_idle_timeout"] == "0s", "WatchSchedule streams may be quiet for hours"
    routes = [route for host in hcm["route_config"]["virtual_hosts"] for route in host["routes"]]
    assert {route["route"]["cluster"] for route in routes} == {cluster["name"]}
    assert all(route["route"]["timeout"] == "0s" for route in routes), "the grpc-timeout header is the deadline"


def _import_envoy_types(node: object) -> None:
    """Import the generated modules of every `@type` used, so that Any fields can be parsed."""
    if isinstance(node, dict):
        if "@type" in node:
            package = node["@type"].rsplit("/", 1)[1].rsplit(".", 1)[0]
            module = importlib.import_module(package)
            for info in pkgutil.iter_modules(module.__path__):
                if info.name.endswith("_pb2"):
                    importlib.import_module(f"{package}.{info.name}")
        for value in node.values():
            _import_envoy_types(value)
    elif isinstance(node, list):
        for value in node:
            _import_envoy_types(value)


def test_envoy_yaml_is_a_valid_bootstrap_for_envoys_own_messages(envoy: dict[str, Any]) -> None:
    from envoy.config.bootstrap.v3 import bootstrap_pb2
    from google.protobuf import json_format

    _import_envoy_types(envoy)
    # Envoy reads YAML as JSON into these messages: a misspelt field or a wrong type fails here as it would there.
    bootstrap = json_format.ParseDict(envoy, bootstrap_pb2.Bootstrap())
    (cluster,) = bootstrap.static_resources.clusters
    assert cluster.health_checks[0].grpc_health_check.service_name == SERVICE_NAME


# -- Kubernetes ---------------------------------------------------------------


def _manifest_files() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def objects() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object of deploy/k8s by kind (one of each kind, Services by name)."""
    out: dict[str, dict[str, Any]] = {}
    for path in _manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            key = f"Service/{doc['metadata']['name']}" if doc["kind"] == "Service" else doc["kind"]
            assert key not in out, f"two objects {key}"
            out[key] = doc
    return out


def _pod_spec(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec = objects["Deployment"]["spec"]["template"]["spec"]
    assert isinstance(spec, dict)
    return spec


def _container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = _pod_spec(objects)["containers"]
    assert isinstance(container, dict)
    return container


def _server_env(objects: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The SCHEDULEFLOW_* environment the Deployment gives the server (ConfigMap, then env)."""
    container = _container(objects)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == objects["ConfigMap"]["metadata"]["name"]
        env.update(objects["ConfigMap"]["data"])
    for item in container.get("env", []):
        env[item["name"]] = item.get("value", FROM_REFERENCE)
    return env


def _pre_stop_seconds(container: dict[str, Any]) -> int:
    pre_stop = container["lifecycle"]["preStop"]
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"]["seconds"])
    command = pre_stop["exec"]["command"]
    assert command[0] == "sleep"
    return int(command[1])


def test_the_manifests_hold_the_expected_objects(objects: dict[str, dict[str, Any]]) -> None:
    assert set(objects) >= {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service/scheduleflow",
        "Service/scheduleflow-headless",
        "PodDisruptionBudget",
    }
    namespaces = {doc["metadata"].get("namespace") for kind, doc in objects.items() if kind != "Namespace"}
    assert namespaces == {objects["Namespace"]["metadata"]["name"]}
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert all((K8S / name).exists() for name in listed)
    # Everything but the placeholder Secret, which must never overwrite the real one on `apply -k`.
    secret_files = {path.name for path in _manifest_files() if "kind: Secret" in path.read_text()}
    assert listed == {path.name for path in _manifest_files()} - secret_files
    assert "CHANGE-ME" in objects["Secret"]["stringData"]["url"], "a placeholder, no real secret"


def test_the_deployment_runs_the_server_as_the_image_expects(objects: dict[str, dict[str, Any]]) -> None:
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] >= 2
    pod = _pod_spec(objects)
    container = _container(objects)
    assert "command" not in container and "args" not in container, "the image's tini ENTRYPOINT runs"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"grpc": 50051, "http": 8080}

    env = _server_env(objects)
    assert env["SCHEDULEFLOW_LISTEN"] == "0.0.0.0:50051"
    # The schedule page and /metrics for Prometheus (deploy/prometheus, deploy/grafana).
    assert env["SCHEDULEFLOW_HTTP_LISTEN"] == "0.0.0.0:8080" and env["SCHEDULEFLOW_HTTP_METRICS"] == "on"
    assert set(env) <= SETTINGS, "every variable is a setting the server knows"
    settings = {key: value for key, value in env.items() if value != FROM_REFERENCE}
    config, _ = load([], environ=settings)  # ...and accepts
    assert config.max_connection_age_s > 0, "GOAWAY so long-lived clients rebalance"
    store = next(item for item in container["env"] if item["name"] == "SCHEDULEFLOW_STORE")
    secret_ref = store["valueFrom"]["secretKeyRef"]
    assert secret_ref["name"] == objects["Secret"]["metadata"]["name"]
    assert urlsplit(objects["Secret"]["stringData"][secret_ref["key"]]).scheme == "postgresql"
    assert pod["enableServiceLinks"] is False, "Service env links would inject SCHEDULEFLOW_* variables"

    limits = container["resources"]["limits"]
    assert container["resources"]["requests"]
    assert config.workers <= float(limits["cpu"])

    # Drain timeline: preStop, then SIGTERM and the grace, all inside the termination grace period.
    pre_stop = _pre_stop_seconds(container)
    assert pre_stop >= 3
    assert pod["terminationGracePeriodSeconds"] > pre_stop + config.grace_s
    # A draining server reports NOT_SERVING for "" too: liveness must not kill it before the drain ends
    # (the first failing check may come right at SIGTERM, the last one failureThreshold - 1 periods later).
    liveness = container["livenessProbe"]
    assert (liveness["failureThreshold"] - 1) * liveness["periodSeconds"] > config.grace_s

    security = {**pod["securityContext"], **container["securityContext"]}
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] != 0
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    tmp_mount = next(mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp")
    assert "emptyDir" in volumes[tmp_mount["name"]]
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} >= {"kubernetes.io/hostname"}


def test_the_probes_are_grpc_health_checks_of_the_right_services(objects: dict[str, dict[str, Any]]) -> None:
    container = _container(objects)
    expected = {"startupProbe": "", "livenessProbe": "", "readinessProbe": SERVICE_NAME}
    for name, service in expected.items():
        probe = container[name]
        assert set(probe) & {"grpc", "httpGet", "tcpSocket", "exec"} == {"grpc"}, name
        assert probe["grpc"]["port"] == container["ports"][0]["containerPort"], "gRPC probes need the port number"
        assert probe["grpc"].get("service", "") == service, name


def test_services_pdb_and_hpa_select_the_deployments_pods(objects: dict[str, dict[str, Any]]) -> None:
    deployment = objects["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    port_names = {port["name"]: port["containerPort"] for port in _container(objects)["ports"]}

    headless = objects["Service/scheduleflow-headless"]["spec"]
    cluster_ip = objects["Service/scheduleflow"]["spec"]
    assert headless["clusterIP"] == "None"
    assert cluster_ip.get("type", "ClusterIP") == "ClusterIP"
    assert cluster_ip.get("clusterIP") != "None"
    for spec in (headless, cluster_ip):
        assert spec["selector"].items() <= pod_labels.items()
        (port,) = spec["ports"]
        assert (port["name"], port["appProtocol"], port["port"]) == ("grpc", "grpc", 50051)
        target = port.get("targetPort", port["port"])
        assert port_names.get(target, target) == 50051

    pdb = objects["PodDisruptionBudget"]["spec"]
    assert pdb["minAvailable"] == 1
    assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["minAvailable"] < deployment["spec"]["replicas"], "a drain can always evict one pod"

    if "HorizontalPodAutoscaler" in objects:
        hpa = objects["HorizontalPodAutoscaler"]["spec"]
        target_ref = hpa["scaleTargetRef"]
        assert (target_ref["kind"], target_ref["name"]) == ("Deployment", deployment["metadata"]["name"])
        assert hpa["minReplicas"] >= 2


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, "latest"])
def test_the_manifests_validate_against_the_kubernetes_schemas(version: str) -> None:
    import kubernetes_validate

    wanted = kubernetes_validate.latest_version() if version == "latest" else version
    problems = []
    for path in _manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            try:
                kubernetes_validate.validate(doc, wanted, strict=True)
            except kubernetes_validate.ValidationError as exc:
                problems.append(f"{path.name} {doc['kind']}: {exc.message} at {list(exc.path)}")
    assert problems == []


def test_kustomize_renders_the_manifests() -> None:
    kubectl = need("kubectl")
    rendered = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False)
    assert rendered.returncode == 0, rendered.stderr
    docs = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    kinds = sorted(doc["kind"] for doc in docs)
    assert "Deployment" in kinds and "Secret" not in kinds
    deployment = next(doc for doc in docs if doc["kind"] == "Deployment")
    assert deployment["metadata"]["namespace"] == "scheduleflow"
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("scheduleflow:")


# -- the probes against a real server -----------------------------------------


def kubelet_grpc_probe(address: str, probe: dict[str, Any]) -> str:
    """What the kubelet does for a `grpc` probe: a new connection, Health/Check(service) within
    timeoutSeconds; only SERVING is a success."""
    return _health(
        address,
        probe["grpc"].get("service", ""),
        timeout=float(probe.get("timeoutSeconds", 1)),
        user_agent="kube-probe/1.32",
    )


@pytest.fixture
def configured_server(objects: dict[str, dict[str, Any]], tmp_path: Path) -> Iterator[Any]:
    """A server with the Deployment's settings (SQLite in place of the Secret's PostgreSQL, loopback listen)."""
    env = {key: value for key, value in _server_env(objects).items() if key not in ("SCHEDULEFLOW_STORE",)}
    with start_server(tmp_path, env=env) as server:
        yield server


def test_the_deployments_probes_and_envoys_health_check_pass_then_readiness_fails_while_draining(
    objects: dict[str, dict[str, Any]], envoy: dict[str, Any], configured_server: Any
) -> None:
    server = configured_server
    container = _container(objects)
    probes = {name: container[name] for name in ("startupProbe", "livenessProbe", "readinessProbe")}
    for name, probe in probes.items():
        assert kubelet_grpc_probe(server.address, probe) == "SERVING", name
    envoy_check = _envoy_cluster(envoy)["health_checks"][0]["grpc_health_check"]
    assert _health(server.address, envoy_check["service_name"]) == "SERVING"

    # A long-lived call (as a playout client's) keeps the server in its drain after SIGTERM.
    with grpc.insecure_channel(server.address) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        server.process.send_signal(signal.SIGTERM)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        deadline = time.monotonic() + 10
        while (status := kubelet_grpc_probe(server.address, probes["readinessProbe"])) == "SERVING":
            assert time.monotonic() < deadline, "readiness still SERVING 10 s after SIGTERM"
            time.sleep(0.05)
        assert server.process.poll() is None, f"readiness turned {status} only after the server exited"
        assert _health(server.address, envoy_check["service_name"], timeout=2) != "SERVING"
        watch.cancel()
    assert server.process.wait(30) == 0
    entries = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    assert any("draining" in entry["message"] for entry in entries), "the ConfigMap's JSON logs"
