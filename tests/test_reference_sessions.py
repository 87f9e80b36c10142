"""Working sessions from ../shared/data/posture-dev through the real model,
tracker and store, judged per minute from the stored minute rows (issue 9).

Both landmark models: the full one (the ``pose_estimator`` fixture) and the
lite one (``../shared/models/pose_landmarker_lite.task``); each is skipped with
the reason when its files or the photos are absent. Uncalibrated, with a fresh
install's settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sessions import MemoEstimator, replay_session, session

from posturewatch.config import Settings

SHARED_MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def lite() -> Iterator[MemoEstimator]:
    path = SHARED_MODELS / "pose_landmarker_lite.task"
    if not path.is_file():
        pytest.skip(f"the lite model is not at {path} (it is not in the repo)")
    from posturewatch.pose import open_estimator

    estimator = open_estimator(str(path))
    try:
        yield MemoEstimator(estimator)
    finally:
        estimator.close()


_full_memo: dict[int, MemoEstimator] = {}


@pytest.fixture(params=["full", "lite"])
def estimator(request: pytest.FixtureRequest) -> MemoEstimator:
    if request.param == "lite":
        return request.getfixturevalue("lite")
    real = request.getfixturevalue("pose_estimator")
    return _full_memo.setdefault(id(real), MemoEstimator(real))


@pytest.fixture
def dev(shared_data: Path) -> Path:
    return shared_data / "posture-dev"


def test_alternating_blocks_from_an_upright_start(dev: Path, estimator: MemoEstimator) -> None:
    judged = replay_session(session(dev, "USUSUSUSUSUSUSU", seed=1), estimator)
    assert len(judged.minutes) == 30
    assert judged.balanced_accuracy >= 0.9
    assert judged.false_alarm_rate <= 0.05


def test_alternating_blocks_from_a_slouched_start(dev: Path, estimator: MemoEstimator) -> None:
    judged = replay_session(session(dev, "SUSUSUSUSUSUSUS", seed=2), estimator)
    assert judged.balanced_accuracy >= 0.9
    assert judged.false_alarm_rate <= 0.05


def test_an_hour_long_slouch_is_flagged_to_its_end(dev: Path, estimator: MemoEstimator) -> None:
    ticks = session(dev, "UUU" + "S" * 30 + "UU", seed=3)
    judged = replay_session(ticks, estimator)
    slouched = [flag for label, flag in judged.minutes if label == "slouched"]
    assert len(slouched) == 60
    assert all(slouched[-10:])  # the last ten minutes as much as the first
    assert sum(slouched) >= 57
    assert judged.false_alarm_rate == 0.0


def test_a_camera_moved_back_and_aside_mid_session(dev: Path, estimator: MemoEstimator) -> None:
    views = ["orig"] * 8 + ["moved"] * 8
    judged = replay_session(session(dev, "USUSUSUSUSUSUSUS", views, seed=4), estimator)
    assert judged.balanced_accuracy >= 0.9
    assert judged.false_alarm_rate <= 0.1


def test_another_framing_and_a_taller_sitter(dev: Path, estimator: MemoEstimator) -> None:
    for view in ("webcam", "taller"):
        judged = replay_session(session(dev, "USUSUSUSUS", view, seed=5), estimator)
        assert judged.balanced_accuracy >= 0.9, view
        assert judged.false_alarm_rate <= 0.05, view


def test_a_75_minute_working_morning(dev: Path, pose_estimator: object) -> None:
    """Upright for 40 minutes, slouched for 10, upright for 25, a frame every
    5 s, a fresh install's settings: a break nudge at 30 minutes, posture
    nudges only in the slouched stretch."""
    ticks = session(dev, "U" * 8 + "S" * 2 + "U" * 5, minutes_per_block=5.0, seed=6)
    assert len(ticks) * 5 == 75 * 60
    judged = replay_session(ticks, MemoEstimator(pose_estimator), Settings())
    nudges = judged.nudges
    breaks = [n["at_s"] for n in nudges if n["kind"] == "break"]
    posture = [n["at_s"] for n in nudges if n["kind"] == "posture"]
    assert breaks and breaks[0] == pytest.approx(30 * 60)
    assert posture, nudges
    assert all(40 * 60 < at <= 50 * 60 + 5 for at in posture), nudges
