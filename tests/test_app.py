"""The sampling loop end to end: a real video as the camera, the real model,
the real tracker, a real SQLite file, a recording notifier and a simulated clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from posturewatch.app import LogWater, Monitor, Pause
from posturewatch.calibration import CalibrationRefused, load_baseline, save_baseline
from posturewatch.camera import VideoFileSource, WebcamSource
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.model import Baseline, CameraState, Presence
from posturewatch.notify import RecordingNotifier
from posturewatch.store import Store

pytestmark = pytest.mark.model
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday


def make_monitor(tmp_path: Path, source, estimator, **settings: object) -> Monitor:
    store = Store(tmp_path / "pw.db")
    return Monitor(
        Settings(**settings),  # type: ignore[arg-type]
        source,
        estimator,
        store,
        RecordingNotifier(),
        SimulatedClock(START),
        status_path=tmp_path / "status.json",
        baseline_path=tmp_path / "baseline.json",
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_loop_runs_a_video_to_the_end_and_stores_only_numbers(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    video = astronaut_video(n_astronaut=8, n_blank=4)
    work = tmp_path / "home"
    work.mkdir()
    monitor = make_monitor(work, VideoFileSource(video), pose_estimator, sample_interval_s=20)
    monitor.run()
    monitor.store.close()
    assert monitor.clock.now() > START
    # 8 present frames then 4 blank, 20 s apart: 7 intervals seated, 4 away.
    seated, away = rows(work / "pw.db", "select sum(seated_s), sum(away_s) from minutes")[0]
    assert seated == pytest.approx(140.0)
    assert away == pytest.approx(80.0)
    assert monitor.state is not None and monitor.state.presence is Presence.AWAY
    # privacy: the working folder holds the database, status and nothing else
    kept = sorted(p.name for p in work.iterdir())
    assert all(n.startswith("pw.db") or n == "status.json" for n in kept), kept
    assert not any(p.suffix.lower() in (".jpg", ".png", ".avi", ".npy") for p in work.rglob("*"))


def test_pause_command_holds_every_nudge_and_never_opens_the_camera(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    import cv2

    video = astronaut_video(n_astronaut=40, n_blank=0)
    source = VideoFileSource(video)
    monitor = make_monitor(tmp_path, source, pose_estimator,
                           sample_interval_s=60, sit_limit_min=5, hydration_interval_min=15)
    monitor.commands.put(Pause(minutes=120))
    monitor.commands.put(LogWater())
    monitor.run(max_ticks=120)  # the whole pause, a tick a minute
    assert monitor.notifier.shown == []
    assert monitor.camera_grabs == 0
    assert source._cap.get(cv2.CAP_PROP_POS_FRAMES) == 0  # not one frame read
    kinds = [k for (k,) in rows(tmp_path / "pw.db", "select kind from events order by at")]
    assert "pause" in kinds and "water_logged" in kinds
    assert "nudge_shown" not in kinds
    assert rows(tmp_path / "pw.db", "select coalesce(sum(samples), 0) from minutes") == [(0,)]
    # The pause ends by itself and monitoring picks up where the video was.
    monitor.stop.clear()
    monitor.run()
    monitor.store.close()
    assert monitor.camera_grabs == 41  # 40 frames, then the end of the video
    assert "Time to stand up" in [title for title, _body in monitor.notifier.shown]
    assert rows(tmp_path / "pw.db", "select sum(samples) from minutes") == [(40,)]


def test_unpaused_the_same_video_nudges_and_records_it(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    video = astronaut_video(n_astronaut=40, n_blank=0)
    monitor = make_monitor(tmp_path, VideoFileSource(video), pose_estimator,
                           sample_interval_s=60, sit_limit_min=5, hydration_interval_min=15)
    monitor.run()
    monitor.store.close()
    titles = [title for title, _body in monitor.notifier.shown]
    assert "Time to stand up" in titles
    shown = rows(tmp_path / "pw.db", "select detail from events where kind = 'nudge_shown'")
    assert len(shown) == len(monitor.notifier.shown)


def test_calibration_from_the_camera_saves_a_baseline(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    video = astronaut_video(n_astronaut=6, n_blank=0)
    monitor = make_monitor(tmp_path, VideoFileSource(video), pose_estimator)
    result = monitor.calibrate()
    monitor.store.close()
    assert isinstance(result, Baseline), getattr(result, "reason", "")
    assert load_baseline(tmp_path / "baseline.json") == result
    titles = [t for t, _b in monitor.notifier.shown]
    assert titles == ["Calibration starts in 3 seconds", "Calibrating posture",
                      "Posture calibrated"]
    # They replace one another: one calibration message on screen at a time.
    assert [s.replaced for s in monitor.notifier.log] == [None, 0, 1]
    assert [s.icon for s in monitor.notifier.log] == ["info", "info", "upright"]
    # The three-second countdown comes before the first sample.
    assert result.created_at >= START.replace(second=3 + 4)


def test_calibration_with_nobody_there_refuses_and_says_why(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    video = astronaut_video(n_astronaut=0, n_blank=6)
    monitor = make_monitor(tmp_path, VideoFileSource(video), pose_estimator)
    result = monitor.calibrate()
    monitor.store.close()
    assert isinstance(result, CalibrationRefused)
    assert monitor.notifier.shown[-1] == ("Calibration did not work", result.reason)
    assert not (tmp_path / "baseline.json").exists()
    calibrations = "select count(*) from events where kind = 'calibration'"
    assert rows(tmp_path / "pw.db", calibrations) == [(1,)]


def test_a_baseline_saved_by_another_process_is_picked_up(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    calibrating = make_monitor(tmp_path / "a", VideoFileSource(astronaut_video(6, 0, "a.avi")),
                               pose_estimator)
    baseline = calibrating.calibrate()
    calibrating.store.close()
    assert isinstance(baseline, Baseline)
    monitor = make_monitor(tmp_path, VideoFileSource(astronaut_video(3, 0, "b.avi")),
                           pose_estimator)
    assert monitor.baseline is None
    save_baseline(tmp_path / "baseline.json", baseline)
    monitor.tick()
    monitor.store.close()
    assert monitor.baseline == baseline


def test_no_camera_is_unknown_time_never_a_nudge_and_told_once(
    tmp_path: Path, pose_estimator
) -> None:
    monitor = make_monitor(tmp_path, WebcamSource(index=63, warmup_frames=0), pose_estimator,
                           sample_interval_s=60, sit_limit_min=5)
    monitor.run(max_ticks=30)
    monitor.store.close()
    # One notification in 30 ticks: the camera cannot be seen, with what to try.
    [(title, body)] = monitor.notifier.shown
    assert title == "PostureWatch cannot see the camera"
    assert "No frame from camera 63" in body and "--source 1" in body
    assert "cannot tell whether you are at the desk" in body  # no input signal here
    state = monitor.tracker.state(monitor.clock.now())
    assert state.camera in (CameraState.MISSING, CameraState.BUSY)
    totals = "select sum(seated_s), sum(unknown_s) from minutes"
    seated, unknown = rows(tmp_path / "pw.db", totals)[0]
    assert (seated or 0) == 0 and unknown == pytest.approx(29 * 60)


def test_weekly_report_is_announced_once_on_the_day(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    from datetime import timedelta

    store = Store(tmp_path / "pw.db")
    clock = SimulatedClock(datetime(2026, 11, 15, 9, 0, tzinfo=UTC))  # a Sunday
    monitor = Monitor(Settings(sample_interval_s=3600), VideoFileSource(astronaut_video(40, 0)),
                      pose_estimator, store, RecordingNotifier(), clock)
    monitor.tick()  # first run ever: remembers W45 as done, says nothing
    assert monitor.notifier.shown == []
    for _ in range(30):  # Sunday 10:00 .. Monday 15:00
        clock.advance(3600)
        monitor.tick()
    store.close()
    ready = [t for t, _b in monitor.notifier.shown if t == "Your weekly report is ready"]
    assert ready == ["Your weekly report is ready"]
    assert any("2026-W47" in b for _t, b in monitor.notifier.shown) is False
    assert any("2026-W46" in b for _t, b in monitor.notifier.shown)
    assert clock.now() - datetime(2026, 11, 15, 9, 0, tzinfo=UTC) == timedelta(hours=30)


class FailingOnce:
    """An estimator whose first call raises, as a corrupt frame might."""

    def __init__(self, real) -> None:
        self.real = real
        self.calls = 0

    def estimate(self, frame):
        self.calls += 1
        if self.calls == 1:
            raise ValueError("unexpected frame layout")
        return self.real.estimate(frame)


def test_a_failing_tick_is_logged_and_monitoring_goes_on(
    tmp_path: Path, astronaut_video, pose_estimator, caplog
) -> None:
    estimator = FailingOnce(pose_estimator)
    monitor = make_monitor(tmp_path, VideoFileSource(astronaut_video(5, 0)), estimator,
                           sample_interval_s=10)
    monitor.run()
    monitor.store.close()
    assert estimator.calls == 5
    assert "a sampling tick failed (1 so far)" in caplog.text
    seated = rows(tmp_path / "pw.db", "select sum(seated_s) from minutes")[0][0]
    assert seated == pytest.approx(30.0)  # ticks 2..5: three intervals after the first success


def test_a_command_on_the_last_tick_is_stored_once(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    monitor = make_monitor(tmp_path, VideoFileSource(astronaut_video(0, 0)), pose_estimator)
    monitor.commands.put(LogWater())
    monitor.run()  # the source has no frame: the only tick ends the loop
    monitor.store.close()
    assert rows(tmp_path / "pw.db", "select count(*) from events where kind='water_logged'") \
        == [(1,)]


def test_the_learned_reference_survives_a_restart_and_calibration_reseeds_it(
    tmp_path: Path, astronaut_video, pose_estimator
) -> None:
    from posturewatch.metrics import POPULATION_NECK_HEIGHT, POPULATION_NOSE_HEIGHT

    video = astronaut_video(n_astronaut=12, n_blank=0)
    monitor = make_monitor(tmp_path, VideoFileSource(video), pose_estimator)
    monitor.run()
    monitor.store.close()
    learned = (monitor.references.reference.nose, monitor.references.reference.neck)
    assert learned != (POPULATION_NOSE_HEIGHT, POPULATION_NECK_HEIGHT)  # it learned the astronaut
    status = (tmp_path / "status.json").read_text()
    assert '"camera_moved_since_calibration": false' in status
    again = make_monitor(tmp_path, VideoFileSource(astronaut_video(n_astronaut=6, n_blank=0,
                                                                   name="b.avi")),
                         pose_estimator)
    assert (again.references.reference.nose, again.references.reference.neck) == learned
    result = again.calibrate()
    again.store.close()
    assert isinstance(result, Baseline)
    assert again.references.reference.calibrated
    assert again.references.reference.seed == (result.median.nose_height,
                                                result.median.neck_height)
