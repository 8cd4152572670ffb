"""The ``scheduleflow`` command: the service from a shell, for operators and scripts.

Exit status, so scripts can branch on it:

- 0: done (``health``: SERVING; ``validate``: no error findings);
- 1: the server answered "no" (``validate``: error findings; ``health``: not SERVING);
- 2: usage errors, unreadable files, and every failed call (connection
  refused, INVALID_ARGUMENT, UNIMPLEMENTED...), printed as
  ``error: CODE: message`` with one line per field violation.

Output is for people by default; ``--json`` prints the response message as
one JSON document (proto3 JSON mapping, every field present) for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from scheduleflow.client import _render
from scheduleflow.client._convert import DEFAULT_TARGET, DEFAULT_TIMEOUT, playback_order
from scheduleflow.client._playlist import PlaylistError, load_playlist
from scheduleflow.client._progress import Progress
from scheduleflow.client._sync import Client
from scheduleflow.client._timetext import parse_duration, parse_time
from scheduleflow.client.errors import ScheduleFlowError
from scheduleflow.v1 import service_pb2 as spb

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_ERROR = 2

SERVER_ENV = "SCHEDULEFLOW_SERVER"
TLS_CA_ENV = "SCHEDULEFLOW_TLS_CA"
TLS_CERT_ENV = "SCHEDULEFLOW_TLS_CERT"
TLS_KEY_ENV = "SCHEDULEFLOW_TLS_KEY"
TOKEN_ENV = "SCHEDULEFLOW_TOKEN"

_FORMATS = ("auto", "json", "xml", "xmltv", "bxf")
_MODES = ("replace-window", "replace-all", "merge")
_ORDERS = ("sequential", "shuffle", "weighted", "shuffle-groups")


class UsageError(Exception):
    """The command line is inconsistent in a way argparse cannot see (e.g. --from without --to)."""


# -- argument types -----------------------------------------------------------


def duration_arg(text: str) -> timedelta:
    """argparse type: ``90s``, ``5m``, ``1h30m``, ``PT3M`` or seconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def time_arg(text: str) -> datetime:
    """argparse type: an RFC 3339 time with ``Z`` or an offset."""
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds_arg(text: str) -> float:
    """argparse type: a timeout, as seconds or a duration (``2m``)."""
    value = duration_arg(text).total_seconds()
    if value <= 0:
        raise argparse.ArgumentTypeError("a timeout must be positive")
    return value


# -- the parser -----------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, server_default: str, on_subcommand: bool) -> None:
    # The same options are accepted before and after the subcommand; after it
    # they default to SUPPRESS so they do not overwrite what came before.
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if on_subcommand else value

    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=default(server_default),
        help=f"the server to call (env {SERVER_ENV}; default {DEFAULT_TARGET})",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=seconds_arg,
        default=default(None),
        help=f"deadline of each call, in seconds or as a duration like 2m (default {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--json", action="store_true", default=default(False), help="print the response as one JSON document"
    )
    security = parser.add_argument_group("security (TLS is on when any --tls-* option is given)")
    security.add_argument(
        "--tls-ca",
        metavar="FILE",
        default=default(os.environ.get(TLS_CA_ENV) or None),
        help=f"PEM CA certificate(s) that signed the server's certificate (env {TLS_CA_ENV}; default: system roots)",
    )
    security.add_argument(
        "--tls-cert",
        metavar="FILE",
        default=default(os.environ.get(TLS_CERT_ENV) or None),
        help=f"PEM client certificate chain, for servers that require mutual TLS (env {TLS_CERT_ENV})",
    )
    security.add_argument(
        "--tls-key",
        metavar="FILE",
        default=default(os.environ.get(TLS_KEY_ENV) or None),
        help=f"PEM private key of --tls-cert (env {TLS_KEY_ENV})",
    )
    security.add_argument(
        "--token",
        metavar="TOKEN",
        default=default(os.environ.get(TOKEN_ENV) or None),
        help=f"bearer token sent as 'authorization: Bearer TOKEN' (env {TOKEN_ENV}, which keeps it out of ps)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options and one subparser per command."""
    server_default = os.environ.get(SERVER_ENV) or DEFAULT_TARGET
    parser = argparse.ArgumentParser(
        prog="scheduleflow",
        description="Call a ScheduleFlow server: check health, validate, import, export and schedule channels.",
        epilog="Durations: 90s, 5m, 3h, 1h30m or ISO 8601 (PT3M). Times: RFC 3339 (2025-11-22T09:30:00Z). "
        "Exit status: 0 ok, 1 the server found errors (validate) or is not serving (health), 2 failure.",
    )
    _global_options(parser, server_default=server_default, on_subcommand=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run: Callable[[Client, argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        _global_options(sub, server_default=server_default, on_subcommand=True)
        sub.set_defaults(run=run, command_parser=sub)
        return sub

    sub = command("health", _health, "ask whether the server is SERVING (exit 0) or not (exit 1)")
    sub.add_argument("--service", default="", help="the service to ask about (default: the whole server)")

    command("stats", _stats, "show the server's version, uptime, store, pool and per-RPC figures")

    sub = command("validate", _validate, "check a schedule document (or a stored schedule) and print the findings")
    sub.add_argument("file", nargs="?", metavar="FILE", help="the schedule document; - reads stdin")
    _format_option(sub, _FORMATS, "auto")
    sub.add_argument("--time-zone", default="", metavar="ZONE", help="IANA zone for local times (default UTC)")
    sub.add_argument("--channel", default="", metavar="ID", help="the channel whose zone reads local times")
    sub.add_argument("--stored", action="store_true", help="validate the stored schedule of --channel instead")
    sub.add_argument("--gap-threshold", type=duration_arg, metavar="SPAN", help="report dead air longer than this")
    sub.add_argument("--ignore-gaps", action="store_true", help="do not report dead air at all")
    sub.add_argument("--cooldown", type=duration_arg, metavar="SPAN", help="the same asset not again within this")
    sub.add_argument("--artist-separation", type=duration_arg, metavar="SPAN")
    sub.add_argument("--category-separation", type=duration_arg, metavar="SPAN")
    sub.add_argument("--max-findings", type=int, metavar="N", help="return at most N findings")
    _guide_options(sub)
    _window_options(sub, "report events outside this window (with --stored: the window to read)")
    _progress_option(sub)

    sub = command("import", _import, "import a schedule document (an XMLTV guide: every channel) into its channels")
    sub.add_argument("file", metavar="FILE", help="the schedule document; - reads stdin")
    sub.add_argument(
        "--channel",
        default="",
        metavar="ID",
        help="the channel (default: the one the document names; for XMLTV, its id in the guide)",
    )
    _format_option(sub, _FORMATS, "auto")
    _guide_options(sub)
    sub.add_argument(
        "--rename",
        action="append",
        default=[],
        type=rename_arg,
        metavar="DOC=STORED",
        help="store the guide's channel DOC as STORED (repeatable)",
    )
    sub.add_argument(
        "--per-channel",
        action="store_true",
        help="commit each channel on its own: one that fails does not stop the others (default: all or none)",
    )
    sub.add_argument(
        "--last-stop",
        type=time_arg,
        metavar="TIME",
        help="the end of a last programme without stop (default: it is left out, with a warning)",
    )
    sub.add_argument("--mode", choices=_MODES, default="replace-window", help="what happens to stored events")
    sub.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    sub.add_argument("--expect-revision", type=int, metavar="N", help="fail unless the channel is at revision N")
    sub.add_argument("--idempotency-key", default="", metavar="KEY", help="a retry with the same key writes nothing")
    _progress_option(sub)

    sub = command("export", _export, "write a channel's schedule as a document")
    sub.add_argument("--channel", required=True, metavar="ID")
    _format_option(sub, _FORMATS[1:], "xml")
    _window_options(sub, "only events overlapping this window")
    sub.add_argument("--pretty", action="store_true", help="indented, human-readable output")
    sub.add_argument(
        "--utc", action="store_true", help="XMLTV: write times in UTC, not the guide's offsets or the channel zone's"
    )
    sub.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    sub = command(
        "reconcile", _reconcile, "reconcile an as-run log (BXF or JSON) against a channel's schedule and store it"
    )
    sub.add_argument("file", metavar="FILE", help="the as-run log; - reads stdin")
    sub.add_argument("--channel", required=True, metavar="ID")
    _format_option(sub, ("auto", "bxf", "json"), "auto")
    _window_options(sub, "the window to reconcile (default: the log's span)")
    sub.add_argument("--on-time", type=duration_arg, metavar="SPAN", help="a start this far off is on time (1s)")
    sub.add_argument(
        "--duration-tolerance", type=duration_arg, metavar="SPAN", help="a length this far off is fine (1s)"
    )
    sub.add_argument(
        "--match-window", type=duration_arg, metavar="SPAN", help="match entries without ids by asset (15m)"
    )
    sub.add_argument("--dry-run", action="store_true", help="report only, store nothing")
    sub.add_argument("--all", action="store_true", help="also list the events that aired as planned")
    _progress_option(sub)

    sub = command("export-asrun", _export_asrun, "write a channel's stored as-run entries (BXF or JSON)")
    sub.add_argument("--channel", required=True, metavar="ID")
    _format_option(sub, ("bxf", "json"), "bxf")
    _window_options(sub, "only entries overlapping this window")
    sub.add_argument("--pretty", action="store_true", help="indented, human-readable output")
    sub.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    sub = command("schedule", _schedule, "fill a window of a channel from a playlist (a preview unless --commit)")
    sub.add_argument("--channel", required=True, metavar="ID")
    sub.add_argument("--playlist", required=True, metavar="FILE", help="playlist.json (items, filler, order, rules)")
    _window_options(sub, "the window to fill", required=True)
    sub.add_argument("--seed", type=int, default=0, help="same seed, same schedule (default 0)")
    sub.add_argument("--order", choices=_ORDERS, help="overrides the playlist's order")
    sub.add_argument("--item-cooldown", type=duration_arg, metavar="SPAN")
    sub.add_argument("--artist-separation", type=duration_arg, metavar="SPAN")
    sub.add_argument("--category-separation", type=duration_arg, metavar="SPAN")
    sub.add_argument("--show-separation", type=duration_arg, metavar="SPAN")
    sub.add_argument("--time-zone", default="", metavar="ZONE", help="zone of dayparts (default: the channel's)")
    sub.add_argument("--use-stored-fixed", action="store_true", help="keep the channel's stored hard-start events")
    sub.add_argument("--commit", action="store_true", help="store the result as a new revision")
    sub.add_argument("--expect-revision", type=int, metavar="N", help="with --commit: fail unless at revision N")
    sub.add_argument("--show-events", action="store_true", help="also print the scheduled events")
    sub.add_argument(
        "--lookback",
        type=duration_arg,
        metavar="SPAN",
        help="how far before the window stored events count for the rules (default: the longest rule; 0: none)",
    )
    sub.add_argument(
        "--fresh-state", action="store_true", help="start every order afresh instead of resuming the stored state"
    )

    sub = command(
        "playout-state", _playout_state, "show where a channel's playback orders stand (what the next Schedule resumes)"
    )
    sub.add_argument("--channel", required=True, metavar="ID")
    sub.add_argument("--at", type=time_arg, metavar="TIME", help="the state in effect at TIME (default: the latest)")
    sub.add_argument(
        "--reset", action="store_true", help="forget the stored state (with --at: only what was saved after TIME)"
    )

    command("channels", _channels, "list the channels")

    sub = command("events", _events, "list a channel's events")
    sub.add_argument("--channel", required=True, metavar="ID")
    _window_options(sub, "only events overlapping this window")

    sub = command("upsert-channel", _upsert_channel, "create a channel, or change its name and time zone")
    sub.add_argument("channel", metavar="ID")
    sub.add_argument("--name", default="", help="the name shown to people")
    sub.add_argument("--time-zone", default="", metavar="ZONE", help="IANA zone, e.g. Europe/London")

    sub = command("delete-channel", _delete_channel, "delete a channel and its schedule")
    sub.add_argument("channel", metavar="ID")
    sub.add_argument("--expect-revision", type=int, metavar="N", help="fail unless the channel is at revision N")

    return parser


def _format_option(sub: argparse.ArgumentParser, choices: Sequence[str], default: str) -> None:
    sub.add_argument("--format", choices=choices, default=default, help=f"document format (default {default})")


def _window_options(sub: argparse.ArgumentParser, help: str, *, required: bool = False) -> None:
    sub.add_argument("--from", dest="start", type=time_arg, metavar="TIME", required=required, help=help)
    sub.add_argument("--to", dest="end", type=time_arg, metavar="TIME", required=required)


def _progress_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="report progress on stderr (default: when stderr is a terminal)",
    )


# -- main -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        credentials, metadata = _security(args)
        with Client(
            args.server, timeout=args.timeout or DEFAULT_TIMEOUT, credentials=credentials, metadata=metadata
        ) as client:
            status: int = args.run(client, args)
            return status
    except UsageError as exc:
        args.command_parser.error(str(exc))  # exits with 2
        raise  # pragma: no cover - error() does not return
    except ScheduleFlowError as exc:
        print(_render.error(exc), file=sys.stderr)
        return EXIT_ERROR
    except (OSError, PlaylistError) as exc:
        if isinstance(exc, BrokenPipeError):
            # The reader (head, less) went away: not worth a message. Point stdout
            # at devnull so the interpreter's final flush does not fail again
            # (the recipe in the signal module's documentation).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_ERROR
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _security(args: argparse.Namespace) -> tuple[grpc.ChannelCredentials | None, list[tuple[str, str]]]:
    """TLS credentials (None: plaintext) and the authorization metadata the options ask for."""
    if args.token is not None and not (args.token and all("!" <= ch <= "~" for ch in args.token)):
        raise UsageError("--token must be printable ASCII without spaces")
    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    if args.tls_ca is None and args.tls_cert is None:
        return None, metadata
    credentials = grpc.ssl_channel_credentials(
        root_certificates=Path(args.tls_ca).read_bytes() if args.tls_ca else None,
        private_key=Path(args.tls_key).read_bytes() if args.tls_key else None,
        certificate_chain=Path(args.tls_cert).read_bytes() if args.tls_cert else None,
    )
    return credentials, metadata


def _emit(args: argparse.Namespace, message: Message, human: Callable[[], str]) -> None:
    if args.json:
        print(to_json(message))
    else:
        print(human())


def to_json(message: Message) -> str:
    """A message as one JSON document; fields at their default are printed too,
    so ``"valid": false`` is there for scripts to read."""
    return json_format.MessageToJson(message, always_print_fields_with_no_presence=True)


def _window(args: argparse.Namespace) -> tuple[datetime, datetime] | None:
    if args.start is None and args.end is None:
        return None
    if args.start is None or args.end is None:
        raise UsageError("--from and --to go together")
    if args.end <= args.start:
        raise UsageError("--to must be after --from")
    return args.start, args.end


def _read(path: str, progress: Progress) -> bytes:
    if path == "-":
        progress.step("reading stdin...")
        data = sys.stdin.buffer.read()
    else:
        progress.step(f"reading {path} ({_render.mib(Path(path).stat().st_size)})...")
        data = Path(path).read_bytes()
    return data


def _progress(args: argparse.Namespace) -> Progress:
    enabled = args.progress if args.progress is not None else sys.stderr.isatty()
    return Progress(sys.stderr, enabled=enabled)


# -- the commands -----------------------------------------------------------------


def _health(client: Client, args: argparse.Namespace) -> int:
    status = client.health(args.service)
    if args.json:
        print(json.dumps({"status": status}))
    else:
        print(status)
    return EXIT_OK if status == "SERVING" else EXIT_NEGATIVE


def _stats(client: Client, args: argparse.Namespace) -> int:
    response = client.get_stats()
    _emit(args, response, lambda: _render.stats(response))
    return EXIT_OK


def _validate(client: Client, args: argparse.Namespace) -> int:
    if args.stored:
        if args.file is not None:
            raise UsageError("give FILE or --stored, not both")
        if not args.channel:
            raise UsageError("--stored needs --channel")
    elif args.file is None:
        raise UsageError("give the FILE to validate (- for stdin), or --stored --channel ID")
    window = _window(args)
    progress = _progress(args)
    path: str = args.file or ""
    document = None if args.stored else _read(path, progress)
    waiting = "validating" if document is None else f"sending {_render.mib(len(document))}, server validating"
    with progress.waiting(waiting):
        response = client.validate(
            document=document,
            stored=args.stored,
            format=args.format,
            channel_id=args.channel,
            time_zone=args.time_zone,
            window=window,
            gap_threshold=args.gap_threshold,
            ignore_gaps=args.ignore_gaps or None,
            asset_cooldown=args.cooldown,
            artist_separation=args.artist_separation,
            category_separation=args.category_separation,
            max_findings=args.max_findings,
            channel_ids=_channel_list(args.channels),
            conflict_policy=_conflicts(args.conflicts),
        )
    source = f"stored schedule of {args.channel}" if args.stored else ("stdin" if path == "-" else path)
    _emit(args, response, lambda: _render.validation(response, source=source))
    return EXIT_OK if response.valid else EXIT_NEGATIVE


def _guide_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--channels",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="an XMLTV guide's channels to take, by their ids in it (default: all; repeatable)",
    )
    sub.add_argument(
        "--conflicts",
        choices=("auto", "refuse", "later-wins"),
        default="auto",
        help="overlaps and duplicate starts: refuse, or the later programme wins "
        "(default auto: later-wins for XMLTV, refuse otherwise)",
    )


def rename_arg(text: str) -> tuple[str, str]:
    document_id, sep, stored_id = text.partition("=")
    if not sep or not document_id or not stored_id:
        raise argparse.ArgumentTypeError(f"{text!r} is not DOC=STORED")
    return document_id, stored_id


def _channel_list(values: Sequence[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part]


def _conflicts(value: str) -> str | None:
    return None if value == "auto" else value


def _import(client: Client, args: argparse.Namespace) -> int:
    progress = _progress(args)
    content = _read(args.file, progress)
    with progress.waiting(f"sending {_render.mib(len(content))}, server importing"):
        response = client.import_document(
            args.channel,
            content,
            format=args.format,
            mode=args.mode,
            dry_run=args.dry_run,
            expected_revision=args.expect_revision,
            idempotency_key=args.idempotency_key,
            channel_ids=_channel_list(args.channels),
            channel_map=dict(args.rename),
            conflict_policy=_conflicts(args.conflicts),
            atomicity="per-channel" if args.per_channel else None,
            last_stop=args.last_stop,
        )
    if len(response.channels) > 1:
        _emit(args, response, lambda: _render.import_channels(response))
    else:
        _emit(args, response, lambda: _render.import_result(response))
    return EXIT_NEGATIVE if any(c.error_code for c in response.channels) else EXIT_OK


def _export(client: Client, args: argparse.Namespace) -> int:
    response = client.export(
        args.channel, format=args.format, window=_window(args), pretty=args.pretty, utc_times=args.utc
    )
    _write_document(args, response, f"{response.event_count} events at revision {response.revision}")
    return EXIT_OK


def _write_document(args: argparse.Namespace, response: Any, what: str) -> None:
    """An exported document to --output (saying so on stderr) or to stdout; --json prints the response."""
    if args.output:
        Path(args.output).write_bytes(response.content)
        print(f"wrote {what} to {args.output}", file=sys.stderr)
    if args.json:
        print(to_json(response))
    elif not args.output:
        sys.stdout.flush()
        sys.stdout.buffer.write(response.content)
        sys.stdout.buffer.flush()


def _reconcile(client: Client, args: argparse.Namespace) -> int:
    content = _read(args.file, _progress(args))
    response = client.reconcile_as_run(
        args.channel,
        content,
        format=args.format,
        window=_window(args),
        on_time_tolerance=args.on_time,
        duration_tolerance=args.duration_tolerance,
        match_window=args.match_window,
        dry_run=args.dry_run,
    )
    _emit(args, response, lambda: _render.reconciliation(response, show_all=args.all))
    return EXIT_OK


def _export_asrun(client: Client, args: argparse.Namespace) -> int:
    response = client.export_as_run(args.channel, format=args.format, window=_window(args), pretty=args.pretty)
    _write_document(args, response, f"{response.entry_count} as-run entries")
    return EXIT_OK


def _schedule(client: Client, args: argparse.Namespace) -> int:
    try:
        data = json.loads(Path(args.playlist).read_bytes())
    except json.JSONDecodeError as exc:
        raise PlaylistError(f"{args.playlist}: not JSON: {exc}") from None
    try:
        playlist, rules = load_playlist(data)
    except PlaylistError as exc:
        raise PlaylistError(f"{args.playlist}: {exc}") from None
    if args.order:
        playlist.order = playback_order(args.order)  # type: ignore[assignment]
    window = _window(args)
    assert window is not None  # --from and --to are required here
    response = client.schedule(
        args.channel,
        playlist,
        window=window,
        rules=rules,
        item_cooldown=args.item_cooldown,
        artist_separation=args.artist_separation,
        category_separation=args.category_separation,
        show_separation=args.show_separation,
        time_zone=args.time_zone,
        seed=args.seed,
        commit=args.commit,
        expected_revision=args.expect_revision,
        use_stored_fixed=args.use_stored_fixed,
        lookback=args.lookback,
        fresh_state=args.fresh_state,
    )
    _emit(args, response, lambda: _render.schedule(response, show_events=args.show_events))
    return EXIT_OK


def _playout_state(client: Client, args: argparse.Namespace) -> int:
    if args.reset:
        removed = client.reset_playout_state(args.channel, after=args.at)
        print(f"forgot {removed} stored playout state(s) of {args.channel}")
        return EXIT_OK
    state = client.get_playout_state(args.channel, at=args.at)
    if state is None:
        print(f"{args.channel} has no stored playout state: the next Schedule starts every order afresh")
        return EXIT_OK
    _emit(args, state, lambda: _render.playout_state(state))
    return EXIT_OK


def _channels(client: Client, args: argparse.Namespace) -> int:
    # Read every page first: --json prints one document, not one per page.
    response = spb.ListChannelsResponse(channels=list(client.iter_channels()))
    _emit(args, response, lambda: _render.channels(response.channels))
    return EXIT_OK


def _events(client: Client, args: argparse.Namespace) -> int:
    window = _window(args)
    response = spb.ListEventsResponse()
    token = ""
    while True:
        page = client.list_events(args.channel, window=window, page_token=token)
        response.events.extend(page.events)
        response.revision = page.revision
        token = page.next_page_token
        if not token:
            break
    _emit(args, response, lambda: _render.events(response.events))
    return EXIT_OK


def _upsert_channel(client: Client, args: argparse.Namespace) -> int:
    channel = client.upsert_channel(args.channel, display_name=args.name, time_zone=args.time_zone)
    _emit(args, channel, lambda: _render.channels([channel]))
    return EXIT_OK


def _delete_channel(client: Client, args: argparse.Namespace) -> int:
    response = client.delete_channel(args.channel, expected_revision=args.expect_revision)
    _emit(args, response, lambda: f"deleted channel {args.channel} (deletion recorded as revision {response.revision})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
