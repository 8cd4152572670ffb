"""``python -m scheduleflow.server`` and the ``scheduleflow-server`` command.

A module of its own, light on purpose: every pool worker (forkserver or
spawn) imports the parent's main module again as ``__mp_main__`` before it
runs a job. With ``scheduleflow.server.app`` as the main module, each worker
loaded gRPC, aiohttp and the whole RPC layer it never uses: about 17 MiB more
resident per worker (measured idle, 2 workers: 63 MiB each against 46 MiB).
Here the server is imported only when ``main`` runs, which workers never do;
``-m scheduleflow.server`` (a ``__main__`` module) is not even re-imported.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from scheduleflow.server import app

    return app.main(argv)


if __name__ == "__main__":
    sys.exit(main())
