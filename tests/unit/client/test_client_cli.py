"""The CLI without a server: argument parsing, the playlist file, and the human output."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduleflow.client import _render, cli
from scheduleflow.client._playlist import PlaylistError, load_playlist
from scheduleflow.client.errors import InvalidArgument
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb


def parse(*argv: str) -> object:
    return cli.build_parser().parse_args(argv)


def test_global_options_go_before_or_after_the_command() -> None:
    before = parse("--server", "h:1", "--timeout", "2m", "--json", "stats")
    after = parse("stats", "--server", "h:1", "--timeout", "2m", "--json")
    for args in (before, after):
        assert (args.server, args.timeout, args.json) == ("h:1", 120.0, True)  # type: ignore[attr-defined]


def test_server_defaults_to_the_environment_then_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.SERVER_ENV, raising=False)
    assert parse("health").server == "127.0.0.1:50051"  # type: ignore[attr-defined]
    monkeypatch.setenv(cli.SERVER_ENV, "sched.internal:443")
    assert parse("health").server == "sched.internal:443"  # type: ignore[attr-defined]
    assert parse("health", "--server", "x:1").server == "x:1"  # type: ignore[attr-defined]


def test_validate_options() -> None:
    args = parse(
        "validate",
        "day.json",
        "--format",
        "json",
        "--gap-threshold",
        "5s",
        "--cooldown",
        "3h",
        "--artist-separation",
        "PT30M",
        "--from",
        "2025-11-22T00:00:00Z",
        "--to",
        "2025-11-23T00:00:00+01:00",
    )
    assert args.file == "day.json"  # type: ignore[attr-defined]
    assert args.gap_threshold == timedelta(seconds=5)  # type: ignore[attr-defined]
    assert args.cooldown == timedelta(hours=3)  # type: ignore[attr-defined]
    assert args.artist_separation == timedelta(minutes=30)  # type: ignore[attr-defined]
    assert args.start == datetime(2025, 11, 22, tzinfo=UTC)  # type: ignore[attr-defined]


def test_import_and_schedule_options() -> None:
    args = parse("import", "-", "--channel", "c", "--mode", "merge", "--dry-run", "--expect-revision", "0")
    assert (args.file, args.mode, args.dry_run, args.expect_revision) == ("-", "merge", True, 0)  # type: ignore[attr-defined]
    args = parse(
        "schedule", "--channel", "c", "--playlist", "p.json", "--from", "2025-11-22T00:00:00Z",
        "--to", "2025-11-23T00:00:00Z", "--seed", "7", "--order", "shuffle-groups", "--item-cooldown", "1h30m",
    )  # fmt: skip
    assert (args.seed, args.order, args.item_cooldown) == (7, "shuffle-groups", timedelta(hours=1, minutes=30))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "f.json", "--gap-threshold", "soon"], "not a duration: 'soon'"),
        (["validate", "f.json", "--from", "2025-11-22T00:00:00"], "has no offset"),
        (["validate", "f.json", "--format", "csv"], "invalid choice"),
        (["--timeout", "0", "stats"], "a timeout must be positive"),
        (["export"], "--channel"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate"], "give the FILE to validate"),
        (["validate", "f.json", "--stored", "--channel", "c"], "FILE or --stored, not both"),
        (["validate", "--stored"], "--stored needs --channel"),
        (["validate", "f.json", "--from", "2025-11-22T00:00:00Z"], "--from and --to go together"),
        (
            ["validate", "f.json", "--from", "2025-11-22T00:00:00Z", "--to", "2025-11-21T00:00:00Z"],
            "--to must be after --from",
        ),
    ],
)
def test_inconsistent_command_lines_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--server", "127.0.0.1:1", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--server", "127.0.0.1:1", "validate", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_an_unreachable_server_exits_2_with_the_status(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    assert cli.main(["--server", "127.0.0.1:1", "--timeout", "5", "health"]) == 2
    assert capsys.readouterr().err.startswith("error: UNAVAILABLE: ")


# -- playlist.json --------------------------------------------------------------


def test_playlist_file_maps_onto_the_messages() -> None:
    playlist, rules = load_playlist(
        {
            "items": [
                {"id": "s1", "duration": "PT3M", "title": "Song", "artist": "A", "category": "pop", "weight": 2},
                {"id": "s2", "duration": 200, "show": "Quiz", "episode": 3, "tags": ["x"], "kind": "music"},
                {"id": "s3", "duration": "3m30s", "cooldown": "6h", "metadata": {"isrc": "X1"}},
            ],
            "filler": [{"id": "f1", "duration": "30s"}],
            "order": "weighted",
            "rules": {
                "item_cooldown": "3h",
                "artist_separation": "30m",
                "when_blocked": "wait-with-filler",
                "gap_filler_asset_id": "tone",
                "dayparts": [{"start_local": "06:00", "end_local": "10:00", "days_of_week": [1, 2], "tags": ["am"]}],
            },
        }
    )
    assert [i.id for i in playlist.items] == ["s1", "s2", "s3"]
    s1, s2, s3 = playlist.items
    assert (s1.duration.seconds, s1.weight, s1.artist, s1.category) == (180, 2.0, "A", "pop")
    assert (s2.duration.seconds, s2.show, s2.episode, list(s2.tags), s2.kind) == (
        200, "Quiz", 3, ["x"], pb.EVENT_KIND_MUSIC,
    )  # fmt: skip
    assert (s3.duration.seconds, s3.cooldown.seconds, dict(s3.metadata)) == (210, 6 * 3600, {"isrc": "X1"})
    assert playlist.filler[0].duration.seconds == 30
    assert playlist.order == pb.PLAYBACK_ORDER_WEIGHTED_RANDOM
    assert (rules.item_cooldown.seconds, rules.artist_separation.seconds) == (3 * 3600, 1800)
    assert rules.when_blocked == pb.BLOCKED_POLICY_WAIT_WITH_FILLER
    assert rules.gap_filler_asset_id == "tone"
    assert list(rules.dayparts[0].days_of_week) == [1, 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "playlist: expected an object"),
        ({"itmes": []}, "playlist: unknown key 'itmes'"),
        ({"items": [{"id": "a"}]}, "items[0]: an item needs an id and a duration"),
        ({"items": [{"id": "a", "duration": "soon"}]}, "items[0].duration: not a duration"),
        ({"items": [{"id": "a", "duration": "1m", "cooldwon": "1h"}]}, "items[0]: unknown key 'cooldwon'"),
        ({"items": [{"id": "a", "duration": "1m", "weight": "heavy"}]}, "items[0].weight"),
        ({"order": "random-ish"}, "order: unknown playback order"),
        ({"rules": {"item_cooldown": True}}, "rules.item_cooldown: expected a duration"),
    ],
)
def test_playlist_errors_name_the_path(data: object, message: str) -> None:
    with pytest.raises(PlaylistError) as caught:
        load_playlist(data)
    assert message in str(caught.value)


def test_schedule_reports_a_bad_playlist_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "playlist.json"
    bad.write_text(json.dumps({"items": [{"id": "a", "duration": "x"}]}))
    argv = ["--server", "127.0.0.1:1", "schedule", "--channel", "c", "--playlist", str(bad)]
    window = ["--from", "2025-11-22T00:00:00Z", "--to", "2025-11-23T00:00:00Z"]
    assert cli.main([*argv, *window]) == 2
    assert "items[0].duration: not a duration" in capsys.readouterr().err


# -- human output -----------------------------------------------------------------


def test_findings_are_grouped_by_severity_errors_first() -> None:
    response = spb.ValidateResponse(
        valid=False,
        findings=[
            pb.Finding(
                code=pb.FINDING_CODE_GAP, severity=pb.SEVERITY_WARNING, message="dead air", event_ids=["a", "b"]
            ),
            pb.Finding(
                code=pb.FINDING_CODE_OVERLAP,
                severity=pb.SEVERITY_ERROR,
                message="they overlap",
                event_ids=["c", "d"],
                location=pb.Location(line=3, column=7, field="/events/2"),
            ),
            pb.Finding(code=99, severity=pb.SEVERITY_INFO, message="from a newer server"),
        ],
        summary=pb.ValidationSummary(event_count=4, error_count=1, warning_count=1, info_count=1),
    )
    text = _render.validation(response, source="day.json")
    assert text.index("errors (1):") < text.index("warnings (1):") < text.index("info (1):")
    assert "OVERLAP  c,d  3:7 /events/2" in text
    assert "GAP  a,b" in text
    assert "CODE_99" in text
    assert "summary: 4 events, 1 errors, 1 warnings, 1 info" in text
    assert text.endswith("INVALID: day.json")


def test_error_lines() -> None:
    exc = InvalidArgument("bad input", field_violations=[("time_zone", "unknown zone"), ("line 2", "bad start")])
    assert _render.error(exc) == (
        "error: INVALID_ARGUMENT: bad input\n  - time_zone: unknown zone\n  - line 2: bad start"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0s"),
        (0.00042, "0.42ms"),
        (0.0123, "12.3ms"),
        (1.25, "1.25s"),
        (90, "1m30s"),
        (5400, "1h30m"),
        (97200, "1d3h"),
    ],
)
def test_spans_for_people(value: float, text: str) -> None:
    assert _render.seconds(value) == text


def test_tables_align_numbers_right() -> None:
    text = _render.table(("ID", "EVENTS"), [("a", 5), ("long-id", 120)])
    assert text.splitlines() == ["ID       EVENTS", "a             5", "long-id     120"]


def test_stats_table() -> None:
    response = spb.GetStatsResponse(
        version="1.2.3",
        store="sqlite",
        pool=spb.PoolStats(size=2, queue_capacity=64, worker_pids=[10, 11]),
        rpcs=[
            spb.RpcStats(
                method="/scheduleflow.v1.ScheduleFlowService/Validate",
                calls=3,
                errors=1,
                latency_p50={"nanos": 1_500_000},
                codes={"OK": 2, "INVALID_ARGUMENT": 1},
            )
        ],
    )
    text = _render.stats(response)
    assert "version        1.2.3" in text
    assert "2 workers, 0 busy, 0/64 queued" in text
    row = next(line for line in text.splitlines() if line.startswith("Validate"))
    assert row.split()[:4] == ["Validate", "3", "1", "1.50ms"]
    assert "INVALID_ARGUMENT=1 OK=2" in row


def test_json_output_prints_fields_at_their_default() -> None:
    # "valid": false would vanish under the default proto3 JSON mapping.
    doc = json.loads(cli.to_json(spb.ValidateResponse(valid=False)))
    assert doc["valid"] is False


def test_schedule_report() -> None:
    response = spb.ScheduleResponse(
        committed=True,
        revision=4,
        events=[pb.Event(id="x1", start_time={"seconds": 1763803800}, duration={"seconds": 180}, asset_id="s1")],
        report=pb.ScheduleReport(
            fill_ratio=0.987,
            filler_events=2,
            relaxations=[
                pb.Relaxation(rule="artist_separation", event_id="x9", item_id="s3", shortfall={"seconds": 120})
            ],
            plays=[pb.ItemPlays(item_id="s1", count=5, min_spacing={"seconds": 3600}, max_spacing={"seconds": 5400})],
            notes=["window ends mid-item"],
        ),
    )
    text = _render.schedule(response, show_events=True)
    assert text.startswith("committed as revision 4: 1 events")
    assert "fill ratio     98.7%" in text
    assert "artist_separation  x9     s3    2m" in text
    assert "s1        5  1h           1h30m" in text
    assert "note: window ends mid-item" in text
    assert "x1  2025-11-22T09:30:00Z  3m" in text


def test_import_summary() -> None:
    response = spb.ImportResponse(
        channel_id="c", revision=3, added=2, updated=1, removed=0, unchanged=7,
        findings=[pb.Finding(code=pb.FINDING_CODE_GAP, severity=pb.SEVERITY_WARNING, message="gap", event_ids=["a"])],
    )  # fmt: skip
    text = _render.import_result(response)
    assert text.splitlines()[:3] == ["imported into c", "  channel    c", "  revision   3"]
    assert "  unchanged  7" in text
    assert "GAP a: gap" in text
