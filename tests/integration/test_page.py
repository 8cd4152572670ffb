"""The schedule page in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven by selenium against a real server.

One server and one browser for the whole story, in order: a schedule imported
over gRPC shows on the page with its overlap highlighted; a commit made over
gRPC shows without a reload; local time on the spring-forward day is a
23-hour day; a restart of the server is announced as a lost and a regained
stream. A screenshot is saved (to ``SCHEDULEFLOW_SCREENSHOT_DIR`` too, which
is how ``docs/page.png`` is made).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduleflow.client import Client, make_event
from scheduleflow.v1 import schedule_pb2 as pb
from tests.serverproc import ServerProcess, launch
from tests.tools import need

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# One browser for the module's tests: one worker runs them. The browser tier:
# headless Chromium starts and renders for half a minute of a 2-core machine,
# so .ci/run runs it (--slow) and scripts/test by default does not.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("page_browser")]

CHANNEL = "paris-1"
ZONE = "Europe/Paris"
#: The spring-forward day in Paris: 02:00 local does not exist.
DST_DAY = "2025-03-30"
UTC = dt.UTC


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium, driver_path = need("chromium"), need("chromedriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1500,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _doc(events: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "scheduleflow": 1,
            "channel": {"id": CHANNEL, "time_zone": ZONE, "display_name": "Paris One"},
            "events": events,
        }
    ).encode()


def _schedule_events() -> list[dict[str, Any]]:
    """Half-hour programmes over the UTC day of the change, with an hour of
    dead air at 06:00Z; metadata the details panel must show."""
    start = dt.datetime(2025, 3, 29, 22, tzinfo=UTC)
    events = []
    for n in range(40):
        at = start + dt.timedelta(minutes=30 * n)
        if dt.datetime(2025, 3, 30, 6, tzinfo=UTC) <= at < dt.datetime(2025, 3, 30, 7, tzinfo=UTC):
            continue
        events.append(
            {
                "id": f"p{n:02d}",
                "start": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": 1800,
                "asset_id": f"show-{n % 7}",
                "title": f"Morning show part {n}",
                "metadata": {"episode": f"S01E{n:02d}", "category": "news"},
            }
        )
    return events


def _collide(client: Client) -> None:
    """Commit two hard starts that overlap (Schedule honours fixed events as
    given): the overlap the page must show, between f1 and f2."""
    playlist = pb.Playlist(items=[pb.PlaylistItem(id="song", asset_id="song", title="Song", duration={"seconds": 600})])
    client.schedule(
        CHANNEL,
        playlist,
        window=(dt.datetime(2025, 3, 30, 14, tzinfo=UTC), dt.datetime(2025, 3, 30, 17, tzinfo=UTC)),
        commit=True,
        fixed_events=[
            make_event(
                "f1", dt.datetime(2025, 3, 30, 15, tzinfo=UTC), dt.timedelta(hours=1), title="Match", fixed_start=True
            ),
            make_event(
                "f2",
                dt.datetime(2025, 3, 30, 15, 30, tzinfo=UTC),
                dt.timedelta(hours=1),
                title="News flash",
                fixed_start=True,
            ),
        ],
    )


def _wait(driver: Any, condition: Any, timeout: float = 10) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.02).until(condition)


def _click(driver: Any, element: Any) -> None:
    """Click as a person would: the element scrolled to the middle first (the
    day's sticky heading covers whatever sits at the top of the timeline)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});", element)
    element.click()


def _css(driver: Any, selector: str) -> list[Any]:
    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def test_the_page_shows_the_schedule_its_overlap_live_changes_and_dst(browser: Any, tmp_path: Path) -> None:
    server = launch(tmp_path, "--http-listen", "127.0.0.1:0")
    try:
        _story(browser, server, tmp_path)
    finally:
        server.terminate()


def _story(driver: Any, server: ServerProcess, tmp_path: Path) -> None:
    page = server.page_url()
    with Client(server.address, timeout=30) as client:
        client.import_document(CHANNEL, _doc(_schedule_events()), format="json")
        _collide(client)

        # The UTC day: the events, the gap and the overlap, with its event ids.
        driver.get(f"{page}#/channel/{CHANNEL}?date={DST_DAY}&days=1&zone=utc")
        _wait(driver, lambda d: _css(d, '.ev[data-id="f2"]'))
        assert _css(driver, '.ev[data-id="p04"]'), "the imported programmes are drawn"
        overlap = _css(driver, '#findings li.finding[data-code="OVERLAP"]')
        assert len(overlap) == 1
        assert overlap[0].get_attribute("data-event-ids") == "f1 f2"
        for event_id in ("f1", "f2"):
            block = _css(driver, f'.ev[data-id="{event_id}"]')[0]
            assert "flagged" in block.get_attribute("class") and "sev-ERROR" in block.get_attribute("class")
        assert _css(driver, ".band.OVERLAP"), "the overlap is drawn on the timeline"
        assert _css(driver, '#findings li.finding[data-code="GAP"]'), "the hour of dead air is listed"
        assert "02:00" in [t.text for t in _css(driver, ".tick span")], "UTC has a 02:00"

        # A finding links to its events; an event's details show what is stored.
        _click(driver, overlap[0].find_element(By.CSS_SELECTOR, 'button[data-goto="f1"]'))
        _wait(driver, lambda d: not d.find_element(By.ID, "details").get_attribute("hidden"))
        _click(driver, _css(driver, '.ev[data-id="p20"]')[0])
        details = driver.find_element(By.ID, "details-body").text
        assert "S01E20" in details and "episode" in details and "show-6" in details

        # A commit over gRPC shows without a reload, within a second.
        driver.execute_script("window.__notReloaded = true;")
        _wait(driver, lambda d: "Live" in d.find_element(By.ID, "live-status").text)
        late = {
            "id": "late-1",
            "start": "2025-03-30T20:00:00Z",
            "duration": 2700,
            "title": "Late film",
            "asset_id": "film",
        }
        client.import_document(CHANNEL, _doc([late]), format="json", mode="merge")
        acknowledged = time.perf_counter()
        _wait(driver, lambda d: _css(d, '.ev[data-id="late-1"]'), timeout=1.0)
        print(f"commit acknowledged -> drawn on the page: {(time.perf_counter() - acknowledged) * 1e3:.0f} ms")
        assert driver.execute_script("return window.__notReloaded === true;"), "the page was reloaded"

    # Local time on the change day: a 23-hour day, 01:00 then 03:00.
    _click(driver, driver.find_element(By.ID, "zone-local"))
    _wait(driver, lambda d: _css(d, '.day[data-date="2025-03-30"][data-hours="23"]'))
    labels = [t.text for t in _css(driver, ".tick span")]
    assert len(labels) == 23
    assert labels[1] == "01:00" and labels[2].startswith("03:00"), labels[:4]
    assert "02:00" not in labels
    overlap = _css(driver, '#findings li.finding[data-code="OVERLAP"]')[0]
    _click(driver, overlap.find_element(By.CSS_SELECTOR, 'button[data-goto="f2"]'))
    _save_screenshot(driver, tmp_path)

    # Keyboard: w shows the week (Monday to Sunday, the short Sunday last).
    driver.find_element(By.TAG_NAME, "body").send_keys("w")
    _wait(driver, lambda d: len(_css(d, ".day")) == 7)
    assert [d.get_attribute("data-hours") for d in _css(driver, ".day")] == ["24"] * 6 + ["23"]

    # The stream is lost when the server stops, and regained when it is back.
    http_port = page.rstrip("/").rsplit(":", 1)[1]
    server.terminate()
    _wait(driver, lambda d: "lost" in d.find_element(By.ID, "live-status").text)
    again = launch(tmp_path, "--http-listen", f"127.0.0.1:{http_port}", "--store", str(tmp_path / "store.db"))
    try:
        _wait(driver, lambda d: "regained" in d.find_element(By.ID, "live-status").text, timeout=20)
    finally:
        again.terminate()


def _save_screenshot(driver: Any, tmp_path: Path) -> None:
    """The whole local day in one picture: a tall window, scrolled to the top."""
    shot = tmp_path / "page.png"
    size = driver.get_window_size()
    driver.set_window_size(1500, 1760)
    driver.execute_script("window.scrollTo(0, 0); document.getElementById('timeline').scrollTop = 0;")
    driver.save_screenshot(str(shot))
    driver.set_window_size(size["width"], size["height"])
    assert shot.stat().st_size > 10_000
    target = os.environ.get("SCHEDULEFLOW_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / "page.png")


def test_with_tokens_the_page_asks_for_one_and_keeps_it_in_a_cookie(browser: Any, tmp_path: Path) -> None:
    token = "read-" + "x" * 24
    tokens = tmp_path / "tokens"
    tokens.write_text(f"read {token}\n")
    tokens.chmod(0o600)
    server = launch(tmp_path, "--http-listen", "127.0.0.1:0", "--tokens-file", str(tokens))
    try:
        driver = browser
        driver.delete_all_cookies()
        driver.get(f"{server.page_url()}#/channel/{CHANNEL}")
        _wait(driver, lambda d: "/login" in d.current_url)
        field = driver.find_element(By.ID, "token")
        field.send_keys("not-the-token-at-all")
        field.submit()
        _wait(driver, lambda d: "not valid" in d.find_element(By.CSS_SELECTOR, ".problem").text)
        field = driver.find_element(By.ID, "token")
        field.send_keys(token)
        field.submit()
        _wait(driver, lambda d: "store: sqlite healthy" in d.find_element(By.ID, "store-health").text)
        cookie = driver.get_cookie("scheduleflow_token")
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    finally:
        server.terminate()
