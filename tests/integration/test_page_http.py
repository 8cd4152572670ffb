"""The HTTP port without a browser: the JSON endpoints' answers and refusals,
the live stream's frames, /metrics, and the same TLS and tokens as gRPC."""

from __future__ import annotations

import http.client
import json
import signal
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scheduleflow.client import Client
from tests.integration.test_security import READ_TOKEN, WRITE_TOKEN, Pki, pki, tokens_file  # noqa: F401
from tests.serverproc import ServerProcess, launch, start_server

# The module's two servers serve every test here: one worker runs them all.
pytestmark = pytest.mark.xdist_group("page_http")

CHANNEL = "http-1"


def _doc(events: list[tuple[str, str, int]], zone: str = "Europe/Paris") -> bytes:
    return json.dumps(
        {
            "scheduleflow": 1,
            "channel": {"id": CHANNEL, "time_zone": zone},
            "events": [
                {"id": i, "start": s, "duration": d, "asset_id": f"a-{i}", "title": f"T {i}"} for i, s, d in events
            ],
        }
    ).encode()


def _days(first_day: int, days: int) -> list[tuple[str, str, int]]:
    """Hourly events from 2025-03-{first_day} for ``days`` days (UTC)."""
    return [
        (f"d{d:02d}h{h:02d}", f"2025-03-{d:02d}T{h:02d}:00:00Z", 3600)
        for d in range(first_day, first_day + days)
        for h in range(24)
    ]


class Http:
    """A small client that does not follow redirects (they are part of what is tested)."""

    def __init__(self, base: str, context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.context = context

    def connect(self) -> http.client.HTTPConnection:
        if self.context is not None:
            return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(
        self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            reply = conn.getresponse()
            return reply.status, reply.headers, reply.read()
        finally:
            conn.close()

    def json(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, _, body = self.request(path, **kwargs)
        return status, json.loads(body)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with start_server(
        tmp_path_factory.mktemp("http"), "--workers", "1", "--http-listen", "127.0.0.1:0", "--http-metrics", "on"
    ) as server:
        with Client(server.address, timeout=30) as client:
            client.import_document(CHANNEL, _doc(_days(1, 21)), format="json")
        yield server


@pytest.fixture(scope="module")
def web(open_server: ServerProcess) -> Http:
    return Http(open_server.page_url())


def _metrics(server: ServerProcess) -> dict[str, float]:
    return server.metrics(url=server.page_url() + "metrics")


# -- answers --------------------------------------------------------------------------------


def test_channels_list_the_channel_and_the_store_health(web: Http) -> None:
    status, body = web.json("/api/channels")
    assert status == 200
    (channel,) = [c for c in body["channels"] if c["id"] == CHANNEL]
    assert channel["time_zone"] == "Europe/Paris"
    assert channel["event_count"] == 21 * 24
    assert body["store"] == {"kind": "sqlite", "healthy": True}


def test_a_week_view_carries_only_that_week(web: Http) -> None:
    status, body = web.json(f"/api/channels/{CHANNEL}/view?date=2025-03-03&days=7&zone=utc")
    assert status == 200
    ids = [e["id"] for e in body["validation"]["events"]]
    assert len(ids) == 7 * 24
    assert ids[0] == "d03h00" and ids[-1] == "d09h23"
    assert body["revision"] == 1
    assert len(body["days"]) == 7 and len(body["ticks"]) == 7 * 24


def test_a_week_goes_gzipped_to_a_browser_that_accepts_it(web: Http) -> None:
    import gzip

    path = f"/api/channels/{CHANNEL}/view?date=2025-03-03&days=7&zone=utc"
    status, headers, body = web.request(path, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    plain_size = len(web.request(path)[2])
    assert len(body) * 4 < plain_size
    assert len(json.loads(gzip.decompress(body))["validation"]["events"]) == 7 * 24


def test_pages_asking_for_the_same_view_share_one_validation(open_server: ServerProcess, web: Http) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = f"/api/channels/{CHANNEL}/view?date=2025-03-10&days=7&zone=utc&cooldown=60"
    jobs = "scheduleflow_pool_completed_total{}"  # the week is big enough for a worker
    before = _metrics(open_server)[jobs]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: web.json(path), range(8)))
    assert all(status == 200 for status, _ in answers)
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert _metrics(open_server)[jobs] == before + 1


def test_the_local_change_day_is_23_hours_with_its_events(web: Http) -> None:
    status, body = web.json(f"/api/channels/{CHANNEL}/view?date=2025-03-30")
    assert status == 200
    assert body["zone"] == "Europe/Paris"
    assert [d["hours"] for d in body["days"]] == [23]
    # 23:00Z on the 29th is local midnight; the schedule ends at the 21st's last hour.
    assert body["validation"].get("events", []) == []


def test_findings_of_the_window_come_with_their_event_ids(open_server: ServerProcess, web: Http) -> None:
    with Client(open_server.address, timeout=30) as client:
        client.import_document(
            "gappy",
            json.dumps(
                {
                    "scheduleflow": 1,
                    "channel": {"id": "gappy", "time_zone": "UTC"},
                    "events": [
                        {"id": "a", "start": "2025-05-01T10:00:00Z", "duration": 1800, "asset_id": "x"},
                        {"id": "b", "start": "2025-05-01T11:00:00Z", "duration": 1800, "asset_id": "x"},
                    ],
                }
            ).encode(),
            format="json",
        )
    status, body = web.json("/api/channels/gappy/view?date=2025-05-01&cooldown=7200")
    assert status == 200
    codes = {f["code"]: f.get("event_ids", []) for f in body["validation"]["findings"]}
    assert codes["COOLDOWN_BREACH"] == ["a", "b"]
    assert "GAP" in codes


# -- refusals: 4xx with a message, never 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "field", "words"),
    [
        ("/api/channels/nope", 404, "", "nope"),
        ("/api/channels/nope/view", 404, "", "nope"),
        ("/api/channels/nope/live", 404, "", "nope"),
        (f"/api/channels/{CHANNEL}/view?date=2025-02-30", 400, "date", "day is out of range"),
        (f"/api/channels/{CHANNEL}/view?date=30/03/2025", 400, "date", "YYYY-MM-DD"),
        (f"/api/channels/{CHANNEL}/view?days=31", 400, "days", "too large"),
        (
            f"/api/channels/{CHANNEL}/view?start=2025-01-01T00:00:00Z&end=2025-06-01T00:00:00Z",
            400,
            "end",
            "at most 8 days",
        ),
        (f"/api/channels/{CHANNEL}/view?start=2025-01-01T00:00:00Z", 400, "end", "both start and end"),
        (f"/api/channels/{CHANNEL}/view?start=noon&end=2025-06-01T00:00:00Z", 400, "start", "noon"),
        (f"/api/channels/{CHANNEL}/view?zone=mars", 400, "zone", "local"),
        (f"/api/channels/{CHANNEL}/view?cooldown=-5", 400, "cooldown", ""),
        (f"/api/channels/{CHANNEL}/live?revision=first", 400, "revision", "whole number"),
        ("/api/nothing-here", 404, "", "Not Found"),
    ],
)
def test_bad_requests_get_a_4xx_naming_what_to_fix(web: Http, path: str, status: int, field: str, words: str) -> None:
    got, body = web.json(path)
    assert got == status, body
    assert words in body["error"]
    assert body["field"] == field


# -- live -------------------------------------------------------------------------------------------


class Stream:
    """A server-sent-events stream read frame by frame."""

    def __init__(self, web: Http, path: str, headers: dict[str, str] | None = None) -> None:
        self.conn = web.connect()
        self.conn.request("GET", path, headers=headers or {})
        self.reply = self.conn.getresponse()
        assert self.reply.status == 200
        assert self.reply.headers["Content-Type"].startswith("text/event-stream")

    def frame(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            line = self.reply.readline().decode().rstrip("\n")
            if not line:
                if fields:
                    return fields
                continue
            name, _, value = line.partition(": ")
            fields[name] = value

    def next_event(self, kind: str) -> dict[str, Any]:
        while True:
            fields = self.frame()
            if fields.get("event") == kind:
                return {"id": fields.get("id"), **json.loads(fields["data"])}

    def close(self) -> None:
        self.conn.close()


def test_the_live_stream_announces_commits_and_resumes_from_last_event_id(tmp_path: Path) -> None:
    with start_server(tmp_path, "--workers", "1", "--http-listen", "127.0.0.1:0") as server:
        web = Http(server.page_url())
        with Client(server.address, timeout=30) as client:
            client.import_document(CHANNEL, _doc(_days(1, 1)), format="json")
            stream = Stream(web, f"/api/channels/{CHANNEL}/live?revision=1")
            assert stream.frame() == {"retry": "1000"}
            client.import_document(CHANNEL, _doc([("x1", "2025-03-05T10:00:00Z", 600)]), format="json", mode="merge")
            change = stream.next_event("change")
            assert change["id"] == "2" and change["revision"] == 2 and change["added"] == 1
            assert change["span_ms"] == [1741168800000, 1741169400000]
            stream.close()
            client.import_document(CHANNEL, _doc([("x2", "2025-03-06T10:00:00Z", 600)]), format="json", mode="merge")
            # A browser reconnecting says where it was: it gets what it missed.
            again = Stream(web, f"/api/channels/{CHANNEL}/live?revision=99", headers={"Last-Event-ID": "2"})
            missed = again.next_event("change")
            assert missed["revision"] == 3 and missed["span_ms"][0] == 1741255200000
            # SIGTERM ends the stream with a frame saying so (the browser reconnects).
            server.process.send_signal(signal.SIGTERM)
            assert "shutting down" in again.next_event("end")["message"]
            again.close()


def test_a_page_left_open_costs_one_subscription_and_closing_it_frees_it(open_server: ServerProcess, web: Http) -> None:
    before = _metrics(open_server)
    streams = [Stream(web, f"/api/channels/{CHANNEL}/live") for _ in range(3)]
    for s in streams:
        s.frame()
    during = _metrics(open_server)
    assert during["scheduleflow_open_pages{}"] == before["scheduleflow_open_pages{}"] + 3
    for s in streams:
        s.close()
    deadline = time.monotonic() + 10
    while _metrics(open_server)["scheduleflow_open_pages{}"] != before["scheduleflow_open_pages{}"]:
        assert time.monotonic() < deadline, "closed pages were not let go"
        time.sleep(0.05)


# -- metrics on the same port -------------------------------------------------------------------------


def test_metrics_on_the_http_port_count_its_requests(open_server: ServerProcess, web: Http) -> None:
    web.json("/api/channels/nope")
    values = _metrics(open_server)
    assert values["scheduleflow_http_requests_total{code=404,route=/api/channels/{channel_id}}"] >= 1
    assert values["scheduleflow_store_up{}"] == 1
    assert values["scheduleflow_ready{}"] == 1


def test_the_page_loads_nothing_from_elsewhere(web: Http) -> None:
    for path in ("/", "/static/app.js", "/static/app.css", "/login"):
        status, headers, body = web.request(path)
        assert status == 200, path
        assert b"http://" not in body and b"https://" not in body, f"{path} names another site"
        assert "default-src 'self'" in headers["Content-Security-Policy"]


# -- the same TLS and tokens as gRPC -------------------------------------------------------------------


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory, pki: Pki, tokens_file: Path) -> Iterator[Http]:  # noqa: F811
    args = ["--workers", "1", "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    args += ["--tokens-file", str(tokens_file), "--http-listen", "127.0.0.1:0", "--http-metrics", "on"]
    server = launch(tmp_path_factory.mktemp("https"), *args)
    try:
        url = server.page_url()
        assert url.startswith("https://")
        yield Http(url, ssl.create_default_context(cafile=str(pki.ca)))
    finally:
        server.terminate()


def test_without_a_token_the_json_is_401_and_says_how_to_sign_in(secure: Http) -> None:
    status, body = secure.json("/api/channels")
    assert status == 401
    assert "/login" in body["error"] and "?token=" in body["error"]
    assert secure.json("/api/channels", headers={"Authorization": "Bearer not-a-token-at-all"})[0] == 401
    assert secure.request("/metrics")[0] == 401


def test_a_read_or_write_bearer_token_reads(secure: Http) -> None:
    for token in (READ_TOKEN, WRITE_TOKEN):
        assert secure.json("/api/channels", headers={"Authorization": f"Bearer {token}"})[0] == 200
    assert secure.request("/metrics", headers={"Authorization": f"Bearer {READ_TOKEN}"})[0] == 200


def test_a_page_without_a_token_goes_to_the_sign_in_form(secure: Http) -> None:
    status, headers, _ = secure.request("/")
    assert status == 303 and headers["Location"].startswith("/login?next=")
    status, _, body = secure.request("/login?next=//elsewhere.example/")
    assert status == 200 and b'name="next" value="/"' in body


def test_token_once_in_the_address_moves_into_a_cookie(secure: Http) -> None:
    status, headers, _ = secure.request(f"/?token={READ_TOKEN}")
    assert status == 303 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
        assert attribute in cookie
    value = cookie.split(";")[0]
    assert secure.json("/api/channels", headers={"Cookie": value})[0] == 200


def test_the_sign_in_form_sets_the_cookie_for_a_valid_token_only(secure: Http) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = secure.request("/login", method="POST", headers=form, body=b"token=wrong-token-123456&next=/")
    assert status == 401 and b"not valid" in body
    status, headers, _ = secure.request(
        "/login", method="POST", headers=form, body=f"token={READ_TOKEN}&next=/%23/channel/x".encode()
    )
    assert status == 303 and headers["Location"] == "/#/channel/x"
    assert headers["Set-Cookie"].startswith("scheduleflow_token=")
