"""The PostgreSQL schema, as numbered migrations kept in code.

Rules:

1. ``schema_version`` holds the number of steps applied (one row). A step is
   never edited once released: a change is a new step at the end.
2. All missing steps run in one transaction together with the version bump
   (PostgreSQL's DDL is transactional): a crash mid-upgrade leaves the
   previous version, and the next start resumes.
3. That transaction first takes ``pg_advisory_xact_lock`` on a key derived
   from the schema name, so replicas starting at once queue up instead of
   racing on ``CREATE ... IF NOT EXISTS`` (which is not safe under
   concurrency: both can pass the check and one then fails on the catalog's
   unique index). The second replica finds the work done and applies nothing.
4. A database newer than this code is refused, not "upgraded".

Layout decisions (the why; compare ``_sqlite_schema``):

- Identifier columns are ``COLLATE "C"``: byte order of UTF-8 is code point
  order, which is how SQLite and Python sort, so paging by ``(start, id)`` and
  listing channels by id give the same order on both adapters whatever the
  database's default collation (``en_US.UTF-8`` would sort ``"B" < "a"``
  differently and make ``>`` comparisons locale-dependent).
- ``events`` is a heap: PostgreSQL has no clustered tables. The primary key
  ``(channel_id, event_id)`` serves updates, deletes and the id join; the
  ``(channel_id, start_us, event_id)`` index carries window reads in paging
  order. Commits insert in ``(start, id)`` order, so a channel's rows land
  roughly in that order in the heap and a window read touches few pages.
- Overlap reads bound ``start_us`` below by ``window.start -
  channels.max_duration_us`` exactly as the SQLite adapter does (see there);
  a GiST range index would serve overlaps directly but costs far more per
  insert than a b-tree, and 250,000-event commits are the common write.
- ``events`` has no foreign key to ``channels``: PostgreSQL checks one with a
  per-row trigger, a measurable share of a 250,000-row COPY, and channel rows
  are never deleted (tombstones), so the key could only ever hold anyway.
  The small tables keep theirs.
- ``metadata`` is ``text`` holding the canonical JSON of ``_rows``, not
  ``jsonb``: the stored text is what commits compare (``_rows`` rule 1), and
  ``jsonb`` rejects ``\\u0000``, which JSON and our metadata allow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduleflow.server.core.errors import FailedPrecondition

if TYPE_CHECKING:
    from typing import TypeAlias

    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy

#: Step N (1-based) takes a database from version N-1 to N.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: channels, events, change log, idempotency keys.
    (
        """
        CREATE TABLE channels (
            id              text COLLATE "C" NOT NULL PRIMARY KEY,
            display_name    text    NOT NULL,
            time_zone       text    NOT NULL,
            revision        bigint  NOT NULL DEFAULT 0,
            event_count     bigint  NOT NULL DEFAULT 0,
            update_time_us  bigint  NOT NULL DEFAULT 0,
            max_duration_us bigint  NOT NULL DEFAULT 0,
            log_floor       bigint  NOT NULL DEFAULT 0,  -- the log is complete after this revision
            deleted         boolean NOT NULL DEFAULT false
        )
        """,
        """
        CREATE TABLE events (
            channel_id  text COLLATE "C" NOT NULL,
            event_id    text COLLATE "C" NOT NULL,
            start_us    bigint  NOT NULL,
            duration_us bigint  NOT NULL,
            end_us      bigint  NOT NULL,
            asset_id    text    NOT NULL,
            title       text    NOT NULL,
            kind        text    NOT NULL,
            fixed_start boolean NOT NULL,
            metadata    text    NOT NULL,  -- canonical JSON (sorted keys)
            PRIMARY KEY (channel_id, event_id)
        )
        """,
        "CREATE INDEX events_by_start ON events (channel_id, start_us, event_id)",
        """
        CREATE TABLE changes (
            channel_id      text COLLATE "C" NOT NULL REFERENCES channels (id),
            revision        bigint  NOT NULL,
            commit_time_us  bigint  NOT NULL,
            channel_deleted boolean NOT NULL DEFAULT false,
            payload         bytea   NOT NULL,
            PRIMARY KEY (channel_id, revision)
        )
        """,
        """
        CREATE TABLE idempotency_keys (
            channel_id     text COLLATE "C" NOT NULL REFERENCES channels (id),
            key            text   NOT NULL,
            fingerprint    text   NOT NULL,
            create_time_us bigint NOT NULL,
            result         text   NOT NULL,  -- JSON of the first CommitResult
            PRIMARY KEY (channel_id, key)
        )
        """,
    ),
    # 2: playout state, by the instant it was reached (the end of a window).
    (
        """
        CREATE TABLE playout_states (
            channel_id   text COLLATE "C" NOT NULL REFERENCES channels (id),
            at_us        bigint NOT NULL,
            revision     bigint NOT NULL,  -- the commit that saved it
            save_time_us bigint NOT NULL,
            state        text   NOT NULL,  -- canonical JSON (core.playout_state)
            PRIMARY KEY (channel_id, at_us)
        )
        """,
    ),
    # 3: guide details (XMLTV) of events and channels, as compact JSON; ''
    # for none. A constant default: no rewrite of existing rows (PG 11+).
    (
        "ALTER TABLE events ADD COLUMN details text NOT NULL DEFAULT ''",
        "ALTER TABLE channels ADD COLUMN details text NOT NULL DEFAULT ''",
    ),
    # 4: as-run logs (store._asruns).
    (
        """
        CREATE TABLE asruns (
            id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            channel_id        text COLLATE "C" NOT NULL REFERENCES channels (id),
            window_start_us   bigint NOT NULL,
            window_end_us     bigint NOT NULL,
            receive_time_us   bigint NOT NULL,
            schedule_revision bigint NOT NULL,
            entry_count       integer NOT NULL,
            entries           text   NOT NULL  -- JSON, store._asruns
        )
        """,
        "CREATE INDEX asruns_by_window ON asruns (channel_id, window_start_us)",
    ),
)

LATEST_VERSION = len(MIGRATIONS)

# First half of the two-int advisory lock key ("SF" + "mg"); the second half
# is a hash of the schema, so two schemas in one database migrate independently.
_LOCK_CLASS = 0x5346_6D67


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


async def schema_version(conn: Connection) -> int:
    """The number of steps applied to the schema first on ``conn``'s search_path (0 if none)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    version = await conn.fetchval("SELECT version FROM schema_version")
    return int(version or 0)


async def migrate(conn: Connection, schema: str | None, target: int = LATEST_VERSION) -> int:
    """Create ``schema`` if needed and apply the missing steps up to ``target``;
    return the version reached. ``conn``'s search_path must name ``schema``
    first (``None``: the connection's current schema, which must exist)."""
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"no schema version {target}")
    async with conn.transaction():
        key = schema if schema is not None else await conn.fetchval("SELECT current_schema()")
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_CLASS, str(key))
        # Looked up first: CREATE SCHEMA checks the CREATE privilege on the
        # database even when IF NOT EXISTS would skip it, and a least-privilege
        # role given a ready-made schema has no such privilege.
        if schema is not None and not await conn.fetchval(
            "SELECT to_regnamespace($1) IS NOT NULL", quote_ident(schema)
        ):
            await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}")
        current = await schema_version(conn)
        if current > LATEST_VERSION:
            raise FailedPrecondition(
                f"the database schema is at version {current}, newer than this server's {LATEST_VERSION};"
                " upgrade the server"
            )
        if current >= target:
            return current
        if current == 0:
            await conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
            await conn.execute("INSERT INTO schema_version VALUES (0)")
        for step in range(current, target):
            for statement in MIGRATIONS[step]:
                await conn.execute(statement)
        await conn.execute("UPDATE schema_version SET version = $1", target)
        return target
