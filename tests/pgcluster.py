"""A throwaway PostgreSQL cluster for the tests: its own data directory in a
temporary folder, its own free port on 127.0.0.1, removed when the session ends.

Rules:

1. The machine's own PostgreSQL (its service, its cluster, port 5432) is never
   started, stopped or connected to: a test run must leave the host as it found
   it, and must pass whether or not that cluster is up.
2. The binaries are found through ``tests.tools.need`` (``initdb``, ``pg_ctl``,
   declared in ``scripts/tools.txt``), so a machine without them skips these
   tests locally and fails them under ``CI=true``.
3. PostgreSQL refuses to run as root, and CI runs as root: the cluster then
   runs as the ``postgres`` account (``nobody`` without one), in a folder that
   account owns.
4. Each pytest-xdist worker starts its own cluster: nothing is shared between
   workers, so nothing needs locking.

Durability settings are off (``fsync``, ``synchronous_commit``): the tests cut
connections and kill backends, never the machine, so they measure nothing a
crash-safe disk would change, and initdb and commits run several times faster.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.tools import need

#: The database every URL names; initdb makes it, so no createdb is needed.
DATABASE = "postgres"
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Several servers with pools and listeners each (the replica tests).
    "max_connections": "200",
    # A fast stop waits for every child, and a connection that has not sent
    # its startup packet keeps one for up to authentication_timeout (60 s by
    # default). The outage drill saw a stop take exactly 60 s, after its
    # checkpoint, now and then: the database was then away for a minute
    # instead of the 0.5-2 s the drill means, and calls reached their
    # deadlines. The drill tests our outage handling, not that minute.
    "authentication_timeout": "3s",
}


@dataclass(frozen=True)
class Cluster:
    port: int
    data_dir: Path

    def url(self, database: str = DATABASE) -> str:
        """A URL with host and port spelled out: libpq's defaults (PGHOST, port 5432) never apply."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run_as() -> dict[str, object] | None:
    """The ``user``/``group`` ids to run the binaries as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for account in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(account)
            return {"user": entry.pw_uid, "group": entry.pw_gid}
    raise RuntimeError("running as root with neither a postgres nor a nobody account: PostgreSQL refuses root")


def _env() -> dict[str, str]:
    # PG* variables (PGPORT, PGDATA, PGHOST...) would steer the binaries elsewhere.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")} | {"LC_ALL": "C"}


def _run(argv: list[str], cwd: Path, run_as: dict[str, object] | None) -> None:
    if run_as is not None:
        # setpriv changes the account in the program it execs. subprocess's
        # own user=/group= would make it fork() instead of vfork(), and a
        # fork() of a test process whose gRPC threads are busy runs gRPC's
        # fork handlers in the child, which crashed it (SIGSEGV) in drills
        # that stop the cluster under load.
        argv = [
            need("setpriv"),
            f"--reuid={run_as['user']}",
            f"--regid={run_as['group']}",
            "--clear-groups",
            *argv,
        ]
    result = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


@contextlib.contextmanager
def throwaway_cluster(attempts: int = 3) -> Iterator[Cluster]:
    """initdb + pg_ctl start on a free loopback port; pg_ctl stop and the folder removed at the end."""
    initdb, pg_ctl = need("initdb"), need("pg_ctl")
    run_as = _run_as()
    # Not under pytest's tmp_path: that is private to root (0700), and the
    # cluster's account must reach its folder. A short path, too: the socket's
    # path must fit in 107 bytes.
    base = Path(tempfile.mkdtemp(prefix="sf-pg-"))
    try:
        if run_as is not None:
            os.chown(base, int(run_as["user"]), int(run_as["group"]))  # type: ignore[call-overload]
        data = base / "data"
        _run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"], base, run_as)
        options = " ".join(f"-c {key}={value}" for key, value in _SETTINGS.items())
        for attempt in range(attempts):
            # Another worker may take the port between our probe and the
            # server's bind: then pg_ctl fails, and we try another one.
            port = _free_port()
            try:
                _run(
                    [pg_ctl, "start", "-D", str(data), "-w", "-t", "60", "-l", str(base / "server.log"),
                     "-o", f"-p {port} -k {base} {options}"],
                    base,
                    run_as,
                )  # fmt: skip
                break
            except RuntimeError:
                if attempt == attempts - 1:
                    log = base / "server.log"
                    raise RuntimeError(
                        f"PostgreSQL did not start:\n{log.read_text() if log.exists() else ''}"
                    ) from None
        try:
            yield Cluster(port, data)
        finally:
            # immediate: the session is over, nothing in it needs a checkpoint.
            _run([pg_ctl, "stop", "-D", str(data), "-m", "immediate", "-w", "-t", "60"], base, run_as)
    finally:
        shutil.rmtree(base, ignore_errors=True)
