"""Time PostureWatch cannot trust: a clock set years ahead, a clock set back
across a restart, and a restart that should not cost the sitting bout.

Real video as the camera, the real model, real SQLite files, a simulated clock.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posturewatch.app import Monitor
from posturewatch.camera import VideoFileSource
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.notify import RecordingNotifier
from posturewatch.store import Store

START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday


def history(path: Path, n: int = 220) -> None:
    """``n`` minute rows and a few events in the last days before START."""
    with Store(path) as store:
        store.write_many([MinuteSummary(START - timedelta(minutes=n - i), 60.0, 60.0, 0.0,
                                        0.0, 0.0, 12) for i in range(n)])
        store.write(Event(EventKind.WATER_LOGGED, START - timedelta(hours=1), {}))


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(sql).fetchone()[0])


# --- retention ----------------------------------------------------------------


def test_a_clock_years_ahead_deletes_no_history(tmp_path: Path,
                                               astronaut_video: Callable[..., Path]) -> None:
    # The probe of the issue: `run` with the clock at 2036 over a real history.
    home = tmp_path / "home"
    db = home / "data" / "posturewatch.db"
    history(db)
    env = dict(os.environ, POSTUREWATCH_HOME=str(home), TZ="UTC",
               POSTUREWATCH_FAKE_CLOCK="600@2036-01-07T09:00:00+00:00")
    done = subprocess.run([sys.executable, "-m", "posturewatch", "run", "--headless",
                           "--source", str(astronaut_video(n_astronaut=2, n_blank=1))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert count(db, "SELECT count(*) FROM minutes WHERE minute < '2027'") == 220
    assert count(db, "SELECT count(*) FROM events WHERE at < '2027'") == 1


def test_retention_is_judged_by_the_newest_row_and_warns_on_a_large_share(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "pw.db"
    history(path)
    with Store(path) as store:
        assert store.apply_retention(datetime(2036, 1, 7, tzinfo=UTC), 365) == 0
        # A row the wrong clock wrote: now the data says 2036, and deleting
        # nearly everything is said loudly, not as an INFO line.
        store.write(MinuteSummary(datetime(2036, 1, 7, 9, 0, tzinfo=UTC), 60, 60, 0, 0, 0, 1))
        caplog.set_level(logging.INFO, logger="posturewatch.store")
        assert store.apply_retention(datetime(2036, 1, 8, tzinfo=UTC), 365) == 221
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "retention removed 221 of 222 rows" in warning.getMessage()
    assert "If the clock is wrong, fix it" in warning.getMessage()


# --- a clock set back across a restart -----------------------------------------


def make_monitor(home: Path, video: Path, estimator: object, start: datetime,
                 **settings: object) -> Monitor:
    return Monitor(Settings(**settings), VideoFileSource(video), estimator,  # type: ignore[arg-type]
                   Store(home / "pw.db"), RecordingNotifier(), SimulatedClock(start),
                   status_path=home / "status.json")


@pytest.mark.model
def test_a_clock_set_back_across_a_restart_neither_double_counts_nor_repeats(
        tmp_path: Path, astronaut_video: Callable[..., Path], pose_estimator: object) -> None:
    video = astronaut_video(n_astronaut=12, n_blank=0)
    for _run in range(2):  # the second run starts at the same time: the clock went back
        monitor = make_monitor(tmp_path, video, pose_estimator, START, sample_interval_s=20)
        monitor.run()
        monitor.store.close()
    db = tmp_path / "pw.db"
    fullest = count(db, "SELECT max(present_s + away_s + unknown_s) FROM minutes")
    assert fullest <= 60.0
    assert count(db, "SELECT sum(present_s) FROM minutes") == pytest.approx(220.0)
    assert count(db, "SELECT count(*) FROM events WHERE kind = 'sitting_started'") == 1


# --- a short restart -----------------------------------------------------------


@pytest.mark.model
@pytest.mark.parametrize(("restart_s", "carried"), [(30, True), (600, False)])
def test_a_restart_within_the_break_time_continues_the_bout(
        tmp_path: Path, astronaut_video: Callable[..., Path], pose_estimator: object,
        restart_s: int, carried: bool) -> None:
    video = astronaut_video(n_astronaut=12, n_blank=0)
    first = make_monitor(tmp_path, video, pose_estimator, START, sample_interval_s=60)
    first.run()
    first.store.close()
    stopped = first.clock.now()
    sat = first.tracker.state(stopped).sitting_s
    assert sat == pytest.approx(11 * 60)
    saved = json.loads((tmp_path / "status.json").read_text())["bout"]
    assert saved["sitting_s"] == pytest.approx(sat)

    second = make_monitor(tmp_path, video, pose_estimator,
                          stopped + timedelta(seconds=restart_s), sample_interval_s=60)
    second.run(max_ticks=3)
    second.store.close()
    now = second.clock.now()
    expected = sat + 2 * 60 if carried else 2 * 60
    assert second.tracker.state(now).sitting_s == pytest.approx(expected)
    started = count(tmp_path / "pw.db",
                    "SELECT count(*) FROM events WHERE kind = 'sitting_started'")
    assert started == (1 if carried else 2)
