"""Posture metrics, verdicts and calibration on hand-built landmarks (no model)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posturewatch import calibration, metrics
from posturewatch.calibration import CalibrationRefused, make_baseline
from posturewatch.model import Baseline, Landmarks, Metrics, Point, Sample, Verdict

NOW = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)


def person(
    *,
    shoulder_width: float = 200.0,
    neck: float = 0.65,
    nose: float = 0.59,
    head: float = 0.40,
    shoulder_tilt_deg: float = 0.0,
    head_tilt_deg: float = 0.0,
    cx: float = 320.0,
    shoulder_y: float = 400.0,
    visibility: float = 1.0,
    image_width: int = 640,
    image_height: int = 480,
) -> Landmarks:
    """Landmarks of a frontal person whose metrics are the given ratios.

    Heights are in shoulder widths above the shoulder midpoint; the person's
    left side is on the image's right (x grows), as MediaPipe labels a
    camera-facing person.
    """
    half = shoulder_width / 2
    t = math.radians(shoulder_tilt_deg)
    dx, dy = half * math.cos(t), half * math.sin(t)
    ear_y = shoulder_y - neck * shoulder_width
    ear_half = head * shoulder_width / 2
    h = math.radians(head_tilt_deg)
    ex, ey = ear_half * math.cos(h), ear_half * math.sin(h)
    nose_y = shoulder_y - nose * shoulder_width

    def p(x: float, y: float) -> Point:
        return Point(x, y, visibility)

    return Landmarks(
        nose=p(cx, nose_y),
        left_eye=p(cx + 0.3 * ear_half, nose_y - 0.1 * shoulder_width),
        right_eye=p(cx - 0.3 * ear_half, nose_y - 0.1 * shoulder_width),
        left_ear=p(cx + ex, ear_y + ey),
        right_ear=p(cx - ex, ear_y - ey),
        left_shoulder=p(cx + dx, shoulder_y + dy),
        right_shoulder=p(cx - dx, shoulder_y - dy),
        image_width=image_width,
        image_height=image_height,
    )


def with_visibility(landmarks: Landmarks, name: str, visibility: float) -> Landmarks:
    point = getattr(landmarks, name)
    return replace(landmarks, **{name: replace(point, visibility=visibility)})


def baseline_of(nose: float = 0.59, neck: float = 0.65, spread: float = 0.0) -> Baseline:
    median = metrics.compute(person(nose=nose, neck=neck))
    spread_m = Metrics(spread, spread, spread, spread, spread, spread)
    return Baseline(median=median, spread=spread_m, samples=10, created_at=NOW)


# -- compute: the arithmetic ---------------------------------------------------


def test_neck_height_is_ear_rise_over_shoulder_width() -> None:
    lm = person(shoulder_width=200, neck=0.5)
    assert lm.left_shoulder.x - lm.right_shoulder.x == pytest.approx(200)
    assert lm.left_shoulder.y - lm.left_ear.y == pytest.approx(100)
    assert metrics.compute(lm).neck_height == pytest.approx(0.5)


def test_nose_height_head_size_and_width_fraction() -> None:
    m = metrics.compute(person(shoulder_width=160, nose=0.3, head=0.45, image_width=640))
    assert m.nose_height == pytest.approx(0.3)
    assert m.head_size == pytest.approx(0.45)
    assert m.shoulder_width_frac == pytest.approx(0.25)


def test_tilts_in_degrees_positive_when_left_side_lower() -> None:
    m = metrics.compute(person(shoulder_tilt_deg=10.0, head_tilt_deg=-15.0))
    assert m.shoulder_tilt_deg == pytest.approx(10.0)
    assert m.head_tilt_deg == pytest.approx(-15.0)
    # The shoulders' tilt must not leak into the heights' normalisation.
    assert m.neck_height == pytest.approx(0.65)


def test_heights_are_negative_below_the_shoulders() -> None:
    assert metrics.compute(person(nose=-0.2)).nose_height == pytest.approx(-0.2)


def test_degenerate_shoulders_raise_and_measure_says_unknown() -> None:
    lm = person(shoulder_width=0.5)
    with pytest.raises(ValueError, match="shoulder width"):
        metrics.compute(lm)
    sample = metrics.measure(lm, None)
    assert sample.present and sample.verdict is Verdict.UNKNOWN and sample.confidence == 0.0


@given(
    scale=st.floats(0.05, 20.0),
    shift_x=st.floats(-2000, 2000),
    shift_y=st.floats(-2000, 2000),
    neck=st.floats(-0.5, 1.5),
    nose=st.floats(-0.5, 1.5),
    head=st.floats(0.1, 1.0),
    tilt=st.floats(-40, 40),
)
def test_metrics_do_not_depend_on_distance_or_position(
    scale: float, shift_x: float, shift_y: float, neck: float, nose: float, head: float,
    tilt: float,
) -> None:
    """Moving closer scales every coordinate (and, for the same field of view,
    the frame in pixels stays put, so we scale the image width along to keep
    shoulder_width_frac comparable); sliding sideways shifts them."""
    base = person(neck=neck, nose=nose, head=head, shoulder_tilt_deg=tilt, head_tilt_deg=-tilt)

    def move(p: Point) -> Point:
        return Point(p.x * scale + shift_x, p.y * scale + shift_y, p.visibility)

    names = ("nose", "left_eye", "right_eye", "left_ear", "right_ear",
             "left_shoulder", "right_shoulder")
    moved = replace(
        base,
        **{n: move(getattr(base, n)) for n in names},
        image_width=base.image_width * scale,
    )
    a, b = metrics.compute(base), metrics.compute(moved)
    for field in ("neck_height", "nose_height", "head_size", "shoulder_tilt_deg",
                  "head_tilt_deg", "shoulder_width_frac"):
        assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-6, abs=1e-6), field


# -- measure: verdicts ----------------------------------------------------------


def test_nobody_is_absent_and_unknown() -> None:
    sample = metrics.measure(None, None)
    assert sample == Sample(present=False, verdict=Verdict.UNKNOWN, confidence=0.0)


def test_faint_ghost_skeleton_is_not_a_person() -> None:
    ghost = person(visibility=0.1)
    assert not metrics.is_present(ghost)
    assert metrics.measure(ghost, None).present is False


def test_population_defaults_upright_and_slouched() -> None:
    upright = metrics.measure(person(nose=0.59, neck=0.65), None)
    assert upright.present and upright.verdict is Verdict.UPRIGHT
    assert upright.score == pytest.approx(0.0, abs=1e-9)
    assert upright.confidence == pytest.approx(1.0)
    slouched = metrics.measure(person(nose=0.19, neck=0.40), None)
    assert slouched.verdict is Verdict.SLOUCHED
    assert slouched.score >= 1.0
    assert 0.5 <= slouched.confidence <= 1.0


def test_sitting_taller_than_the_reference_scores_zero_not_negative() -> None:
    sample = metrics.measure(person(nose=0.8, neck=0.8), None)
    assert sample.verdict is Verdict.UPRIGHT and sample.score == 0.0


def test_confidence_is_lowest_near_the_threshold() -> None:
    limits = metrics.thresholds(None)
    at_threshold = person(nose=limits.nose_reference - limits.nose_tolerance,
                          neck=limits.neck_reference - limits.neck_tolerance)
    sample = metrics.measure(at_threshold, None)
    assert sample.score == pytest.approx(1.0)
    assert sample.confidence == pytest.approx(0.5)


@pytest.mark.parametrize("name", metrics.REQUIRED_POINTS)
def test_one_hidden_point_makes_a_clear_slouch_unknown(name: str) -> None:
    slouched = person(nose=0.1, neck=0.3)
    assert metrics.measure(slouched, None).verdict is Verdict.SLOUCHED
    hidden = with_visibility(slouched, name, 0.3)
    assert not metrics.visibility_ok(hidden)
    sample = metrics.measure(hidden, None)
    assert sample.present
    assert sample.verdict is Verdict.UNKNOWN
    assert sample.confidence == pytest.approx(0.3)
    assert sample.score == 0.0


@given(
    visibility=st.floats(0.0, metrics.VISIBILITY_MIN, exclude_max=True),
    which=st.sampled_from(metrics.REQUIRED_POINTS),
    neck=st.floats(-1.0, 2.0),
    nose=st.floats(-1.0, 2.0),
    head=st.floats(0.05, 2.0),
    width=st.floats(2.0, 600.0),
    sensitivity=st.floats(0.1, 10.0),
    with_baseline=st.booleans(),
)
def test_low_visibility_is_never_slouched(
    visibility: float, which: str, neck: float, nose: float, head: float, width: float,
    sensitivity: float, with_baseline: bool,
) -> None:
    lm = with_visibility(person(neck=neck, nose=nose, head=head, shoulder_width=width),
                         which, visibility)
    baseline = baseline_of() if with_baseline else None
    sample = metrics.measure(lm, baseline, sensitivity)
    assert sample.verdict is Verdict.UNKNOWN
    assert sample.confidence < metrics.VISIBILITY_MIN


def test_side_view_shoulders_collapse_to_unknown_with_low_confidence() -> None:
    # Like ../shared/data/side-view: shoulders 10 px apart in a 480 px frame,
    # MediaPipe still confident in every point; the ratios explode.
    side = person(shoulder_width=10, neck=5.0, nose=4.0, head=1.5, image_width=480)
    sample = metrics.measure(side, None)
    assert sample.present
    assert sample.verdict is Verdict.UNKNOWN
    assert sample.confidence <= 0.1
    assert metrics.view_problem(metrics.compute(side)) is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shoulder_width": 40, "image_width": 640},  # 6 % of the frame: far or sideways
        {"shoulder_tilt_deg": 45.0},
        {"shoulder_tilt_deg": 180.0},  # left/right swapped: seen from behind
        {"neck": 1.3},
        {"head": 0.05},
        {"head": 1.2},
    ],
)
def test_implausible_views_are_unknown_even_when_they_would_look_slouched(
    kwargs: dict[str, float],
) -> None:
    args = {"nose": 0.0, "neck": 0.2} | kwargs
    sample = metrics.measure(person(**args), None)
    assert sample.verdict is Verdict.UNKNOWN


def test_turned_head_within_frontal_ranges_is_still_judged() -> None:
    assert metrics.view_problem(metrics.compute(person(head=0.25, head_tilt_deg=12))) is None


@given(
    nose=st.floats(-0.5, 1.0), neck=st.floats(-0.4, 0.99), drop=st.floats(0.0, 0.5),
    calibrated=st.booleans(),
)
def test_a_lower_head_never_lowers_the_score(
    nose: float, neck: float, drop: float, calibrated: bool,
) -> None:
    baseline = baseline_of() if calibrated else None
    limits = metrics.thresholds(baseline)
    higher = metrics.compute(person(nose=nose, neck=neck))
    lower = metrics.compute(person(nose=nose - drop, neck=neck - drop))
    assert metrics.slouch_score(lower, limits) >= metrics.slouch_score(higher, limits) - 1e-9


# -- measure with a baseline ---------------------------------------------------------


def test_baseline_moves_the_reference() -> None:
    # This person sits "low" by population standards: upright for them is
    # nose 0.35, neck 0.50, which the population defaults call slouched.
    own = person(nose=0.35, neck=0.50)
    assert metrics.measure(own, None).verdict is Verdict.SLOUCHED
    baseline = baseline_of(nose=0.35, neck=0.50, spread=0.01)
    assert metrics.measure(own, baseline).verdict is Verdict.UPRIGHT
    assert metrics.measure(person(nose=0.10, neck=0.36), baseline).verdict is Verdict.SLOUCHED


def test_steady_calibration_hits_the_floor_not_a_hair_trigger() -> None:
    baseline = baseline_of(spread=0.0)
    limits = metrics.thresholds(baseline)
    assert limits.nose_tolerance == metrics.NOSE_TOLERANCE_FLOOR
    assert limits.neck_tolerance == metrics.NECK_TOLERANCE_FLOOR
    # A small nod (0.1 nose, 0.05 neck) stays upright despite a zero spread.
    assert metrics.measure(person(nose=0.49, neck=0.60), baseline).verdict is Verdict.UPRIGHT


def test_a_wide_spread_widens_the_tolerance() -> None:
    limits = metrics.thresholds(baseline_of(spread=0.1))
    assert limits.nose_tolerance == pytest.approx(metrics.SPREAD_K * 0.1)
    assert limits.neck_tolerance == pytest.approx(metrics.SPREAD_K * 0.1)


def test_higher_sensitivity_means_smaller_threshold() -> None:
    baseline = baseline_of(spread=0.0)
    drift = person(nose=0.59 - 0.75 * metrics.NOSE_TOLERANCE_FLOOR,
                   neck=0.65 - 0.75 * metrics.NECK_TOLERANCE_FLOOR)  # 3/4 of the floors
    assert metrics.measure(drift, baseline, 1.0).verdict is Verdict.UPRIGHT
    assert metrics.measure(drift, baseline, 2.0).verdict is Verdict.SLOUCHED
    assert metrics.measure(drift, baseline, 2.0).score == pytest.approx(1.5)
    relaxed = metrics.thresholds(baseline, 0.5)
    assert relaxed.nose_tolerance == pytest.approx(2 * metrics.NOSE_TOLERANCE_FLOOR)


def test_extreme_sensitivity_stops_at_the_minimum_tolerance() -> None:
    limits = metrics.thresholds(baseline_of(spread=0.0), sensitivity=100.0)
    assert limits.nose_tolerance == metrics.NOSE_TOLERANCE_MIN
    assert limits.neck_tolerance == metrics.NECK_TOLERANCE_MIN


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_sensitivity_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        metrics.measure(person(), None, bad)


# -- calibration -------------------------------------------------------------------


def steady_samples(n: int = 8, jitter: float = 0.01) -> list[Sample]:
    out = []
    for i in range(n):
        wobble = jitter * (-1) ** i * (i % 3)
        out.append(metrics.measure(person(nose=0.55 + wobble, neck=0.62 - wobble), None))
    return out


def test_calibration_accepts_steady_samples() -> None:
    result = make_baseline(steady_samples(), NOW)
    assert isinstance(result, Baseline)
    assert result.samples == 8
    assert result.created_at == NOW
    assert result.median.nose_height == pytest.approx(0.55, abs=0.011)
    assert result.median.neck_height == pytest.approx(0.62, abs=0.011)
    assert 0 < result.spread.nose_height < 0.05


def test_calibration_accepts_bare_metrics() -> None:
    items = [metrics.compute(person(nose=0.5 + 0.002 * i)) for i in range(5)]
    result = make_baseline(items, NOW)
    assert isinstance(result, Baseline)
    assert result.median.nose_height == pytest.approx(0.504)


def test_calibration_refuses_when_nobody_is_there() -> None:
    samples = [metrics.measure(None, None)] * 8 + steady_samples(2)
    result = make_baseline(samples, NOW)
    assert isinstance(result, CalibrationRefused)
    assert "Nobody was visible" in result.reason
    assert "2 of 10" in result.reason


def test_calibration_refuses_hidden_landmarks() -> None:
    hidden = with_visibility(person(), "left_shoulder", 0.2)
    samples = [metrics.measure(hidden, None)] * 6 + steady_samples(3)
    result = make_baseline(samples, NOW)
    assert isinstance(result, CalibrationRefused)
    assert "not clearly visible" in result.reason
    assert (result.samples_seen, result.samples_used) == (9, 3)


def test_calibration_refuses_unsteady_samples() -> None:
    samples = [metrics.measure(person(nose=n, neck=0.4 + n / 2), None)
               for n in (0.2, 0.6, 0.3, 0.7, 0.25, 0.65, 0.45)]
    result = make_baseline(samples, NOW)
    assert isinstance(result, CalibrationRefused)
    assert "moved too much" in result.reason


def test_calibration_ignores_the_population_verdict() -> None:
    # Upright for this person is "slouched" by population standards: still a baseline.
    samples = [metrics.measure(person(nose=0.30, neck=0.48), None) for _ in range(5)]
    assert all(s.verdict is Verdict.SLOUCHED for s in samples)
    assert isinstance(make_baseline(samples, NOW), Baseline)


def test_single_photo_baseline_needs_min_samples_one() -> None:
    one = steady_samples(1)
    assert isinstance(make_baseline(one, NOW), CalibrationRefused)
    result = make_baseline(one, NOW, min_samples=1)
    assert isinstance(result, Baseline)
    assert result.spread.nose_height == 0.0


finite = st.floats(-1e6, 1e6, allow_nan=False)
metrics_strategy = st.builds(Metrics, finite, finite, finite, finite, finite, finite)


@given(
    median=metrics_strategy,
    spread=metrics_strategy,
    samples=st.integers(1, 10_000),
    offset_s=st.integers(0, 10**9),
)
def test_baseline_json_round_trip(
    median: Metrics, spread: Metrics, samples: int, offset_s: int,
) -> None:
    baseline = Baseline(median, spread, samples, NOW + timedelta(seconds=offset_s))
    text = json.dumps(calibration.baseline_to_json(baseline))
    assert calibration.baseline_from_json(json.loads(text)) == baseline


def test_baseline_json_is_numbers_and_a_utc_timestamp() -> None:
    data = calibration.baseline_to_json(baseline_of())
    assert data["created_at"] == "2024-03-04T09:30:00+00:00"
    for part in ("median", "spread"):
        assert all(isinstance(v, float) for v in data[part].values())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=99),
        lambda d: d.pop("median"),
        lambda d: d["spread"].update(nose_height="0.1"),
        lambda d: d["spread"].update(nose_height=True),
        lambda d: d.update(samples=0),
        lambda d: d.update(created_at=12),
    ],
)
def test_baseline_json_rejects_bad_data(mutate: Callable[[dict], object]) -> None:
    data = json.loads(json.dumps(calibration.baseline_to_json(baseline_of())))
    mutate(data)
    with pytest.raises(ValueError):
        calibration.baseline_from_json(data)


def test_baseline_json_naive_timestamp_is_utc() -> None:
    data = calibration.baseline_to_json(baseline_of())
    data["created_at"] = "2024-03-04T09:30:00"
    assert calibration.baseline_from_json(data).created_at == NOW


# -- purity -----------------------------------------------------------------------


def test_pure_modules_import_no_adapters() -> None:
    code = (
        "import sys, posturewatch.metrics, posturewatch.calibration\n"
        "bad = [m for m in ('cv2', 'mediapipe', 'pystray', 'plyer', 'sqlite_utils')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
        "assert 'posturewatch.metrics' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
