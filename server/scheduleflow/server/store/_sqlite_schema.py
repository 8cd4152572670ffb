"""The SQLite schema, as numbered migrations kept in code.

Rules:

1. ``PRAGMA user_version`` is the number of steps applied. A step is never
   edited once released: a change is a new step at the end.
2. Each step runs in its own transaction together with its ``user_version``
   bump (both live in the database file, so they commit or vanish together):
   a crash mid-upgrade leaves the previous version, and the next open resumes.
3. A database newer than this code is refused, not "upgraded".

Layout decisions (the why):

- ``events`` is a WITHOUT ROWID table clustered on ``(channel_id, start_us,
  event_id)``: a window read is one contiguous range scan of the table itself,
  already in the ``(start, id)`` order paging needs, with no per-row lookup.
  Imports arrive roughly in start order, so inserts append to the same few
  pages. The by-id unique index serves updates, deletes and the id join.
- Overlap reads use a stored ``end_us`` but scan by ``start_us``, bounded
  below by ``window.start - channels.max_duration_us`` (an event that ends
  after the window starts cannot start before that). An index on ``end_us``
  would cost a third b-tree on every one of 250,000 inserts and still leave
  the planner one range condition per index; SQLite's R*Tree stores 32-bit
  floats or ints, too narrow for microsecond instants. ``max_duration_us`` is
  an upper bound kept cheaply: raised by every commit, reset exactly only by
  REPLACE_ALL (and when a channel empties), so a one-off day-long event
  widens scans until the next full replace, never makes them wrong.
- ``channels`` rows are never deleted: ``deleted`` marks a tombstone, which
  keeps the revision counter and the change log of an id going forward
  across delete and re-create (see the port's rule 2).
- ``changes.payload`` can be megabytes, so ``changes`` keeps its rowid
  (WITHOUT ROWID suits small rows only).
"""

from __future__ import annotations

import sqlite3

from scheduleflow.server.core.errors import FailedPrecondition

#: Step N (1-based) takes a database from user_version N-1 to N.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: channels, events, change log.
    (
        """
        CREATE TABLE channels (
            id              TEXT    NOT NULL PRIMARY KEY,
            display_name    TEXT    NOT NULL,
            time_zone       TEXT    NOT NULL,
            revision        INTEGER NOT NULL DEFAULT 0,
            event_count     INTEGER NOT NULL DEFAULT 0,
            update_time_us  INTEGER NOT NULL DEFAULT 0,
            max_duration_us INTEGER NOT NULL DEFAULT 0,
            log_floor       INTEGER NOT NULL DEFAULT 0,  -- the log is complete after this revision
            deleted         INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE events (
            channel_id  TEXT    NOT NULL REFERENCES channels (id),
            start_us    INTEGER NOT NULL,
            event_id    TEXT    NOT NULL,
            duration_us INTEGER NOT NULL,
            end_us      INTEGER NOT NULL,
            asset_id    TEXT    NOT NULL,
            title       TEXT    NOT NULL,
            kind        TEXT    NOT NULL,
            fixed_start INTEGER NOT NULL,
            metadata    TEXT    NOT NULL,  -- canonical JSON (sorted keys)
            PRIMARY KEY (channel_id, start_us, event_id)
        ) WITHOUT ROWID
        """,
        "CREATE UNIQUE INDEX events_by_id ON events (channel_id, event_id)",
        """
        CREATE TABLE changes (
            channel_id      TEXT    NOT NULL REFERENCES channels (id),
            revision        INTEGER NOT NULL,
            commit_time_us  INTEGER NOT NULL,
            channel_deleted INTEGER NOT NULL DEFAULT 0,
            payload         BLOB    NOT NULL,
            PRIMARY KEY (channel_id, revision)
        )
        """,
    ),
    # 2: idempotency keys, scoped per channel.
    (
        """
        CREATE TABLE idempotency_keys (
            channel_id     TEXT    NOT NULL REFERENCES channels (id),
            key            TEXT    NOT NULL,
            fingerprint    TEXT    NOT NULL,
            create_time_us INTEGER NOT NULL,
            result         TEXT    NOT NULL,  -- JSON of the first CommitResult
            PRIMARY KEY (channel_id, key)
        ) WITHOUT ROWID
        """,
    ),
    # 3: playout state, by the instant it was reached (the end of a window).
    (
        """
        CREATE TABLE playout_states (
            channel_id   TEXT    NOT NULL REFERENCES channels (id),
            at_us        INTEGER NOT NULL,
            revision     INTEGER NOT NULL,  -- the commit that saved it
            save_time_us INTEGER NOT NULL,
            state        TEXT    NOT NULL,  -- canonical JSON (core.playout_state)
            PRIMARY KEY (channel_id, at_us)
        ) WITHOUT ROWID
        """,
    ),
    # 4: guide details (XMLTV) of events and channels, as compact JSON; ""
    # for none, which is every row written before (no rewrite of old rows).
    (
        "ALTER TABLE events ADD COLUMN details TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE channels ADD COLUMN details TEXT NOT NULL DEFAULT ''",
    ),
    # 5: as-run logs (store._asruns).
    (
        """
        CREATE TABLE asruns (
            id                INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id        TEXT    NOT NULL REFERENCES channels (id),
            window_start_us   INTEGER NOT NULL,
            window_end_us     INTEGER NOT NULL,
            receive_time_us   INTEGER NOT NULL,
            schedule_revision INTEGER NOT NULL,
            entry_count       INTEGER NOT NULL,
            entries           TEXT    NOT NULL  -- JSON, store._asruns
        )
        """,
        "CREATE INDEX asruns_by_window ON asruns (channel_id, window_start_us)",
    ),
)

LATEST_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migration steps applied to the database behind ``conn``."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Apply the missing steps up to ``target``; return the version reached.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so that the
    explicit transactions here are the only ones.
    """
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"no schema version {target}")
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise FailedPrecondition(
            f"the database schema is at version {current}, newer than this server's {LATEST_VERSION}; upgrade the server"
        )
    while current < target:
        # IMMEDIATE takes the write lock before reading user_version again, so
        # two processes opening one new file cannot both apply a step.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == current:
                for statement in MIGRATIONS[current]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = schema_version(conn)
    return current
