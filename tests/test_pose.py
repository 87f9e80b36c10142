"""The real MediaPipe pose model on real frames."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch import metrics
from posturewatch.model import Landmarks, Verdict
from posturewatch.pose import Estimator, open_estimator

pytestmark = pytest.mark.model


def test_astronaut_has_head_and_shoulders(
    pose_estimator: Estimator, astronaut_bgr: np.ndarray,
) -> None:
    lm = pose_estimator.estimate(astronaut_bgr)
    assert isinstance(lm, Landmarks)
    assert (lm.image_width, lm.image_height) == (512, 512)
    assert metrics.visibility_ok(lm)
    # Pixels, not normalised coordinates; camera-facing: her left on the image right.
    assert 100 < lm.nose.x < 400 and 50 < lm.nose.y < 300
    assert lm.left_shoulder.x > lm.nose.x > lm.right_shoulder.x
    assert lm.left_shoulder.y > lm.left_ear.y > 0
    assert lm.nose.y < min(lm.left_shoulder.y, lm.right_shoulder.y)


def test_astronaut_metrics_are_plausible_and_upright(
    pose_estimator: Estimator, astronaut_bgr: np.ndarray,
) -> None:
    sample = metrics.measure(pose_estimator.estimate(astronaut_bgr), None)
    assert sample.present and sample.verdict is Verdict.UPRIGHT
    assert sample.confidence > 0.7
    m = sample.metrics
    assert m is not None
    assert 0.4 < m.neck_height < 0.9
    assert 0.4 < m.nose_height < 0.9
    assert 0.25 < m.head_size < 0.6
    assert abs(m.shoulder_tilt_deg) < 15
    assert 0.2 < m.shoulder_width_frac < 0.7


def test_blank_frame_has_nobody(pose_estimator: Estimator, blank_bgr: np.ndarray) -> None:
    assert pose_estimator.estimate(blank_bgr) is None


def test_x_scales_by_width_and_y_by_height(
    pose_estimator: Estimator, astronaut_bgr: np.ndarray, astronaut_frame: np.ndarray,
) -> None:
    """The astronaut shrunk to 480x480 and centred in a 640x480 frame: each
    landmark moves where the geometry says, so x was scaled by the width."""
    original = pose_estimator.estimate(astronaut_bgr)
    padded = pose_estimator.estimate(astronaut_frame)
    assert original is not None and padded is not None
    assert (padded.image_width, padded.image_height) == (640, 480)
    k = 480 / 512
    # Head points land within a few pixels; shoulders (under a bulky suit)
    # wander more. Scaling x by the height instead would be ~70 px off.
    for name, tolerance in (("nose", 8), ("left_ear", 8), ("right_ear", 8),
                            ("left_shoulder", 25), ("right_shoulder", 25)):
        a, b = getattr(original, name), getattr(padded, name)
        assert b.x == pytest.approx(80 + a.x * k, abs=tolerance), name
        assert b.y == pytest.approx(a.y * k, abs=tolerance), name
    # And the ratios survive the change of distance.
    ma, mb = metrics.compute(original), metrics.compute(padded)
    assert mb.neck_height == pytest.approx(ma.neck_height, abs=0.05)
    assert mb.nose_height == pytest.approx(ma.nose_height, abs=0.05)


def test_mirrored_frame_mirrors_the_landmarks(
    pose_estimator: Estimator, astronaut_bgr: np.ndarray,
) -> None:
    lm = pose_estimator.estimate(astronaut_bgr)
    flipped = pose_estimator.estimate(np.ascontiguousarray(astronaut_bgr[:, ::-1]))
    assert lm is not None and flipped is not None
    assert flipped.nose.x == pytest.approx(512 - lm.nose.x, abs=8)
    # MediaPipe names sides by the body it sees, so the labels stay frontal.
    assert flipped.left_shoulder.x > flipped.right_shoulder.x


def test_grey_and_bgra_frames_are_accepted(
    pose_estimator: Estimator, astronaut_bgr: np.ndarray,
) -> None:
    grey = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2BGRA)
    assert pose_estimator.estimate(grey) is not None
    assert pose_estimator.estimate(bgra) is not None


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((48, 64, 3), dtype=np.float32),
        np.zeros((48, 64, 2), dtype=np.uint8),
        np.zeros((48,), dtype=np.uint8),
    ],
)
def test_bad_frames_are_refused(pose_estimator: Estimator, frame: np.ndarray) -> None:
    with pytest.raises(ValueError, match="frame"):
        pose_estimator.estimate(frame)


def test_closed_estimator_refuses_frames(blank_bgr: np.ndarray, full_model: str) -> None:
    with open_estimator(full_model) as estimator:
        assert estimator.estimate(blank_bgr) is None
    with pytest.raises(RuntimeError, match="closed"):
        estimator.estimate(blank_bgr)
    estimator.close()  # closing twice is harmless


def test_video_of_person_then_empty_room(
    pose_estimator: Estimator, astronaut_video: Callable[..., Path],
) -> None:
    path = astronaut_video(n_astronaut=3, n_blank=2)
    capture = cv2.VideoCapture(str(path))
    found = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            assert frame.shape == (480, 640, 3)
            found.append(metrics.measure(pose_estimator.estimate(frame), None).present)
    finally:
        capture.release()
    assert found == [True, True, True, False, False]


# -- the two backends ----------------------------------------------------------------
def test_tasks_backend_with_the_full_file_matches_the_legacy_backend(
    shared_models: Path, astronaut_bgr: np.ndarray, astronaut_frame: np.ndarray,
) -> None:
    """Issue 8: the same network through either API gives the same landmarks."""
    from posturewatch.model_files import mediapipe_info
    from posturewatch.pose import LegacyPose, TasksPose

    if not mediapipe_info().legacy:
        pytest.skip("this mediapipe has no mp.solutions to compare with")
    with LegacyPose() as legacy, TasksPose(shared_models / "pose_landmarker_full.task") as tasks:
        for frame in (astronaut_bgr, astronaut_frame):
            a, b = legacy.estimate(frame), tasks.estimate(frame)
            assert a is not None and b is not None
            for name in ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder"):
                pa, pb = getattr(a, name), getattr(b, name)
                assert (pb.x, pb.y) == pytest.approx((pa.x, pa.y), abs=1.0), name
                assert pb.visibility == pytest.approx(pa.visibility, abs=0.01), name


def test_the_lite_model_finds_the_astronaut_and_nobody_in_a_blank_frame(
    shared_models: Path, astronaut_bgr: np.ndarray, blank_bgr: np.ndarray,
) -> None:
    with open_estimator(str(shared_models / "pose_landmarker_lite.task")) as lite:
        sample = metrics.measure(lite.estimate(astronaut_bgr), None)
        assert sample.present and sample.verdict is Verdict.UPRIGHT
        assert lite.estimate(blank_bgr) is None


def test_loading_a_model_does_not_import_matplotlib(full_model: str) -> None:
    """``import mediapipe`` pulls matplotlib.pyplot (1.2 s, 30 MB) unless kept
    out; a real matplotlib still imports afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from posturewatch.pose import open_estimator\n"
        f"e = open_estimator({full_model!r})\n"
        "print('mediapipe' in sys.modules, any(m.startswith('matplotlib') for m in sys.modules))\n"
        "import matplotlib.pyplot\n"
        "print(callable(matplotlib.pyplot.plot))\n"
        "e.close()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "POSTUREWATCH_DEBUG_MEDIAPIPE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "True"]


def test_a_lazy_estimator_loads_on_first_use_and_a_failure_stops_the_monitor_clearly(
    tmp_path: Path, astronaut_video: Callable[..., Path],
) -> None:
    from datetime import UTC, datetime

    from posturewatch.app import Monitor
    from posturewatch.camera import VideoFileSource
    from posturewatch.clock import SimulatedClock
    from posturewatch.config import Settings
    from posturewatch.model_files import ModelError
    from posturewatch.notify import RecordingNotifier
    from posturewatch.pose import LazyEstimator
    from posturewatch.store import Store

    calls: list[str] = []

    def broken() -> Estimator:
        calls.append("load")
        raise ModelError("the pose model file /x.task does not exist; fix the path.")

    lazy = LazyEstimator(broken)
    assert not lazy.loaded and calls == []
    notifier = RecordingNotifier()
    source = VideoFileSource(astronaut_video(n_astronaut=2, n_blank=0))
    with Store(tmp_path / "pw.db") as store:
        monitor = Monitor(Settings(), source, lazy, store, notifier,
                          SimulatedClock(datetime(2026, 11, 16, 9, tzinfo=UTC)))
        monitor.run()
    assert calls == ["load"]
    assert monitor.fatal == "the pose model file /x.task does not exist; fix the path."
    assert notifier.shown == [("PostureWatch cannot start", monitor.fatal)]
    left = 0  # no frame was read: both are still there
    while source.grab().frame is not None:
        left += 1
    assert left == 2
