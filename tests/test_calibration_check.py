"""A live calibration refuses a baseline that looks slouched against the
population reference, with a wide margin, and says why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_metrics import person

from posturewatch import metrics
from posturewatch.calibration import (
    REFUSE_SENSITIVITY,
    SLOUCHED_REASON,
    CalibrationRefused,
    make_baseline,
    make_live_baseline,
)
from posturewatch.model import Baseline, Verdict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def posture(drop: float) -> list:
    """Five steady samples whose nose and neck sit ``drop`` population
    tolerances below the population's upright reference."""
    limits = metrics.thresholds(None)
    nose = limits.nose_reference - drop * limits.nose_tolerance
    neck = limits.neck_reference - drop * limits.neck_tolerance
    return [metrics.measure(person(nose=nose, neck=neck), None) for _ in range(5)]


def test_a_posture_somewhat_below_the_population_is_still_accepted() -> None:
    # Slouched by the population's own threshold, but people and cameras differ:
    # within twice the tolerance it is this person's upright.
    samples = posture(1.5)
    assert all(s.verdict is Verdict.SLOUCHED for s in samples)
    assert isinstance(make_live_baseline(samples, NOW), Baseline)


def test_a_clearly_slouched_posture_is_refused_with_the_reason() -> None:
    samples = posture(2.5)
    result = make_live_baseline(samples, NOW)
    assert isinstance(result, CalibrationRefused)
    assert result.reason == SLOUCHED_REASON
    assert "looks slouched" in result.reason and "try again" in result.reason
    assert (result.samples_seen, result.samples_used) == (5, 5)
    assert isinstance(result.baseline, Baseline)  # the welcome lets the person keep it
    # The plain baseline (eval, replay from photos) does not judge the posture.
    assert isinstance(make_baseline(samples, NOW), Baseline)


def test_the_other_refusals_still_come_first() -> None:
    result = make_live_baseline([metrics.measure(None, None)] * 5, NOW)
    assert isinstance(result, CalibrationRefused)
    assert "Nobody was visible" in result.reason


@pytest.mark.model
def test_posture_dev_uprights_are_never_refused(shared_data: Path, pose_estimator) -> None:
    """Every run of five consecutive upright photos calibrates; slouched runs
    are refused more often than not. (One person: the margin is wide on purpose.)"""
    import cv2

    def samples(label: str) -> list:
        folder = shared_data / "posture-dev" / label
        frames = [cv2.imread(str(p)) for p in sorted(folder.iterdir())]
        return [metrics.measure(pose_estimator.estimate(f), None) for f in frames if f is not None]

    upright, slouched = samples("upright"), samples("slouched")
    windows = [upright[i:i + 5] for i in range(len(upright) - 4)]
    results = [make_live_baseline(w, NOW) for w in windows]
    refused = [r.reason for r in results if isinstance(r, CalibrationRefused)]
    assert SLOUCHED_REASON not in refused
    slouched_results = [make_live_baseline(slouched[i:i + 5], NOW)
                        for i in range(len(slouched) - 4)]
    share = sum(isinstance(r, CalibrationRefused) for r in slouched_results) / len(slouched_results)
    print(f"sensitivity {REFUSE_SENSITIVITY}: {share:.2f} of slouched 5-photo runs refused")
    assert share > 0.5
