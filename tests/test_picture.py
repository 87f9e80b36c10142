"""A covered or dead camera is its own state, never "away": the picture check
on frames, then the whole loop on a black and on a frozen video (the real
model, a real SQLite file, a recording notifier, a simulated clock)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import empty_scene, sensor_noise

from posturewatch.app import Monitor
from posturewatch.calibration import CalibrationRefused
from posturewatch.camera import VideoFileSource, iter_image_paths
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.messages import status_line
from posturewatch.model import CameraState
from posturewatch.notify import RecordingNotifier
from posturewatch.picture import DARK_MEAN, FLAT_STD, FROZEN_REPEATS, PictureCheck, luminance_stats
from posturewatch.status import describe_status
from posturewatch.store import Store

START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_black_flat_and_real_frames(astronaut_frame: np.ndarray) -> None:
    check = PictureCheck()
    assert check.check(sensor_noise(np.zeros((480, 640, 3), np.uint8), 1)) is CameraState.COVERED
    assert check.check(np.full((480, 640, 3), 200, np.uint8)) is CameraState.NO_PICTURE
    assert check.check(np.full((480, 640, 3), 90, np.uint8)) is CameraState.NO_PICTURE
    assert check.check(astronaut_frame) is CameraState.OK
    assert check.check(empty_scene()) is CameraState.OK  # an empty room is a picture
    dim = (empty_scene().astype(np.float32) * 0.25).astype(np.uint8)  # a dim room: mean ~31
    assert luminance_stats(dim)[0] > DARK_MEAN and check.check(dim) is CameraState.OK


def test_frozen_means_the_very_same_frame_again_and_again(astronaut_frame: np.ndarray) -> None:
    check = PictureCheck()
    states = [check.check(astronaut_frame) for _ in range(FROZEN_REPEATS + 3)]
    assert states[:FROZEN_REPEATS] == [CameraState.OK] * FROZEN_REPEATS
    assert set(states[FROZEN_REPEATS:]) == {CameraState.NO_PICTURE}
    # A frame that differs (sensor noise is enough) brings the picture back.
    assert check.check(sensor_noise(astronaut_frame, 3)) is CameraState.OK
    noisy = PictureCheck()
    assert {noisy.check(sensor_noise(astronaut_frame, i)) for i in range(20)} == {CameraState.OK}


def test_every_real_photo_is_a_picture(shared_data: Path) -> None:
    """No real desk photo (posture-dev and the side views) is called covered or flat."""
    photos = [p for folder in shared_data.rglob("*") if folder.is_dir()
              for p in iter_image_paths(folder)]
    assert len(photos) > 20
    for path in photos:
        frame = cv2.imread(str(path))
        mean, std = luminance_stats(frame)
        assert mean > 2 * DARK_MEAN and std > 4 * FLAT_STD, path
        assert PictureCheck().check(frame) is CameraState.OK, path


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (width, height))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi files here")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def run_video(tmp_path: Path, video: Path, estimator: object, ticks: int | None = None
              ) -> tuple[Monitor, Path]:
    db = tmp_path / "pw.db"
    monitor = Monitor(Settings(sample_interval_s=30, sit_limit_min=5, break_min_s=60),
                      VideoFileSource(video), estimator, Store(db), RecordingNotifier(),
                      SimulatedClock(START), status_path=tmp_path / "status.json")
    monitor.run(max_ticks=ticks)
    monitor.store.close()
    return monitor, db


@pytest.mark.model
@pytest.mark.parametrize("kind", ["black", "frozen"])
def test_a_black_or_frozen_video_is_never_away_and_never_a_break(
    tmp_path: Path, astronaut_frame: np.ndarray, pose_estimator: object, kind: str
) -> None:
    # Three minutes of a person at the desk, then an hour of no picture.
    person = [sensor_noise(astronaut_frame, i) for i in range(6)]
    if kind == "black":
        rest = [sensor_noise(np.zeros_like(astronaut_frame), 100 + i, 1) for i in range(120)]
        expected, words = CameraState.COVERED, "Camera covered: its picture is black"
    else:
        rest = [person[-1]] * 120  # the camera hangs on its last frame
        expected, words = CameraState.NO_PICTURE, "No picture from the camera (blank or frozen)"
    monitor, db = run_video(tmp_path, write_video(tmp_path / f"{kind}.avi", person + rest),
                            pose_estimator)
    state = monitor.tracker.state(monitor.clock.now())
    assert state.camera is expected
    assert status_line(state, UTC) == words
    with sqlite3.connect(db) as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY id")]
        away = conn.execute("SELECT sum(away_s) FROM minutes").fetchone()[0]
        cameras = [json.loads(d)["state"] for (d,) in conn.execute(
            "SELECT detail FROM events WHERE kind = 'camera'")]
    assert "break_taken" not in kinds and away == 0.0
    assert cameras == [expected.value]
    # Sitting waits at what it was; no break nudge comes in the hour of no picture.
    titles = [t for t, _b in monitor.notifier.shown]
    assert "Time to stand up" not in titles
    # The user is told once, with what to try.
    problem = {CameraState.COVERED: "The camera seems covered",
               CameraState.NO_PICTURE: "The camera sends no picture"}[expected]
    assert titles.count(problem) == 1
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["camera"] == expected.value
    text = describe_status(status, monitor.clock.now(), UTC)
    assert {"black": "covered: its picture is black",
            "frozen": "sends no picture: blank or frozen"}[kind] in text


@pytest.mark.model
def test_calibration_names_a_covered_camera(tmp_path: Path, pose_estimator: object) -> None:
    black = [sensor_noise(np.zeros((240, 320, 3), np.uint8), i, 1) for i in range(8)]
    video = write_video(tmp_path / "black.avi", black)
    monitor = Monitor(Settings(), VideoFileSource(video), pose_estimator, Store(tmp_path / "p.db"),
                      RecordingNotifier(), SimulatedClock(START))
    result = monitor.calibrate()
    monitor.store.close()
    assert isinstance(result, CalibrationRefused)
    assert result.reason.startswith("The camera's picture is black")
    assert "Nobody was visible" not in result.reason


@pytest.mark.model
def test_a_person_found_in_a_dark_frame_still_counts(
    tmp_path: Path, astronaut_frame: np.ndarray, pose_estimator: object
) -> None:
    """Dark is "covered" only when the model finds nobody in it."""
    dim = [sensor_noise((astronaut_frame.astype(np.float32) * 0.1).astype(np.uint8), i, 1)
           for i in range(6)]
    assert luminance_stats(dim[0])[0] < DARK_MEAN
    monitor, _db = run_video(tmp_path, write_video(tmp_path / "dim.avi", dim), pose_estimator)
    state = monitor.tracker.state(monitor.clock.now())
    assert state.camera is CameraState.OK and state.sitting_s == 150
