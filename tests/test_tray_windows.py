"""The tray's new items on the fake pystray backend (no display): Settings and
Calibrate open our windows as processes (through a recording stand-in), the
first run with a webcam opens the welcome, and the report items follow the
report day and list the other weeks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_tray_desktop import FAKE_PYSTRAY, EndedSource, item, visible_items

from posturewatch import onboarding, tray
from posturewatch.app import Calibrate, Monitor
from posturewatch.camera import WebcamSource
from posturewatch.clock import SimulatedClock
from posturewatch.config import load
from posturewatch.launch import window_command
from posturewatch.notify import RecordingNotifier

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Windows:
    """Records which windows the tray asked for; they 'open' when ``works``."""

    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.asked: list[tuple[str, ...]] = []
        self.problem: str | None = None if works else "no Tk"

    def open(self, name: str, *args: str) -> bool:
        self.asked.append((name, *args))
        return self.works

    def close_all(self) -> None:
        pass


@pytest.fixture
def webcam_app(tmp_path: Path) -> Iterator[tuple[tray.TrayApp, Monitor, Windows]]:
    from posturewatch.store import Store

    resolved = load(tmp_path / "config.toml", None, {})
    with Store(tmp_path / "pw.db") as store:
        monitor = Monitor(resolved.settings, WebcamSource(3), None, store,  # type: ignore[arg-type]
                          RecordingNotifier(), SimulatedClock(MONDAY), tz=UTC)
        windows = Windows()
        app = tray.TrayApp(monitor, resolved, FAKE_PYSTRAY, opener=lambda p: True,
                           windows=windows)  # type: ignore[arg-type]
        yield app, monitor, windows


def test_settings_and_calibrate_open_windows_for_a_webcam(webcam_app) -> None:  # noqa: ANN001
    app, monitor, windows = webcam_app
    item(app.icon.menu, "Settings").click()
    item(app.icon.menu, "Calibrate posture").click()
    config = str(tray.paths.user_config_path())  # no --config: the usual file
    assert windows.asked == [("settings", "--config", config),
                             ("welcome", "--start-at", "calibrate", "--source", "3")]
    assert monitor.commands.empty()
    windows.works = False  # no Tk: the loop calibrates, telling the countdown
    item(app.icon.menu, "Calibrate posture").click()
    assert monitor.commands.get_nowait() == Calibrate()


def test_the_first_run_with_a_webcam_opens_the_welcome_once(webcam_app) -> None:  # noqa: ANN001
    app, monitor, windows = webcam_app
    assert app._welcome() is True
    assert windows.asked == [("welcome", "--source", "3")]
    onboarding.mark_welcomed()
    assert app._welcome() is False


def test_window_commands_use_this_python() -> None:
    import sys

    assert window_command("settings") == [sys.executable, "-m", "posturewatch", "settings"]
    assert window_command("welcome", "--source", "1", executable="/opt/py/python",
                          platform="linux")[-2:] == ["--source", "1"]


def write_minutes(db: Path, first: datetime, days: int) -> None:
    from posturewatch.model import MinuteSummary
    from posturewatch.store import Store

    with Store(db) as store:
        for day in range(days):
            minute = first + timedelta(days=day)
            store.write(MinuteSummary(minute, 60.0, 60.0, 0.0, 0.0, 0.0, 12))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from minutes").fetchone()[0] == days


def test_report_items_follow_the_report_day_and_list_other_weeks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from posturewatch.store import Store

    monkeypatch.setenv("POSTUREWATCH_HOME", str(tmp_path / "home"))
    db = tmp_path / "pw.db"
    write_minutes(db, MONDAY - timedelta(weeks=3), 21)  # weeks 7, 8 and 9
    resolved = load(None, None, {})
    with Store(db) as store:
        monitor = Monitor(resolved.settings, EndedSource(), None, store,  # type: ignore[arg-type]
                          RecordingNotifier(), SimulatedClock(MONDAY), tz=UTC)
        opened: list[Path] = []
        app = tray.TrayApp(monitor, resolved, FAKE_PYSTRAY,
                           opener=lambda p: opened.append(p) or True)
        app.on_state(monitor.tracker.state(MONDAY))
        weeks = item(app.icon.menu, "Other weeks").submenu
        assert weeks is not None and item(app.icon.menu, "Other weeks").enabled
        labels = [i.label for i in visible_items(weeks)]
        # Monday is the report day: the main item opens week 9, the others are listed.
        assert labels == ["This week so far", "Week 8 \u00b7 16\u201322 Feb",
                          "Week 7 \u00b7 9\u201315 Feb"]
        item(app.icon.menu, "Open weekly report").click()
        monitor.drain_commands(MONDAY)
        visible_items(weeks)[2].click()
        monitor.drain_commands(MONDAY)
        reports = tmp_path / "home" / "data" / "reports"
        assert opened == [reports / "posturewatch-2026-W09.html",
                          reports / "posturewatch-2026-W07.html"]
        assert sorted(p.name for p in reports.glob("*.html")) == [
            f"posturewatch-2026-W{n:02d}.html" for n in (7, 8, 9, 10)]
        # On Tuesday the main item opens this week, and week 9 joins the list.
        tuesday = MONDAY + timedelta(days=1)
        app.on_state(monitor.tracker.state(tuesday))
        assert [i.label for i in visible_items(weeks)][0] == "Week 9 \u00b7 23 Feb \u2013 1 Mar"
