"""The upright reference that follows the user (pure core), on hand-built landmarks."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturewatch import metrics, reference
from posturewatch.model import Baseline, Landmarks, Metrics, Point, Verdict
from posturewatch.reference import UprightReference
from posturewatch.reference_store import META_KEY, ReferenceKeeper
from posturewatch.store import Store
from posturewatch.store_protocol import MemoryStore

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
POP_NOSE, POP_NECK = metrics.POPULATION_NOSE_HEIGHT, metrics.POPULATION_NECK_HEIGHT
TOL_NOSE, TOL_NECK = metrics.POPULATION_NOSE_TOLERANCE, metrics.POPULATION_NECK_TOLERANCE


def person(nose: float, neck: float, width: float = 0.4, centre: float = 0.5,
           image: tuple[int, int] = (640, 480)) -> Landmarks:
    """A camera-facing person with these heights (shoulder widths); ``width``
    and ``centre``: the shoulders' width and centre as shares of the image width."""
    iw, ih = image
    sw = width * iw
    cx, sy = centre * iw, 0.8 * ih

    def p(x: float, y: float) -> Point:
        return Point(x, y, 1.0)

    ear_y, nose_y = sy - neck * sw, sy - nose * sw
    return Landmarks(
        nose=p(cx, nose_y), left_eye=p(cx + 0.06 * sw, nose_y - 0.1 * sw),
        right_eye=p(cx - 0.06 * sw, nose_y - 0.1 * sw),
        left_ear=p(cx + 0.2 * sw, ear_y), right_ear=p(cx - 0.2 * sw, ear_y),
        left_shoulder=p(cx + sw / 2, sy), right_shoulder=p(cx - sw / 2, sy),
        image_width=iw, image_height=ih,
    )


def feed(ref: UprightReference, values: list[tuple[float, float]], start_s: float = 0.0,
         interval_s: float = 5.0, **view: object) -> list[Verdict]:
    verdicts = []
    for k, (nose, neck) in enumerate(values):
        sample, _ = ref.measure(T0 + timedelta(seconds=start_s + k * interval_s),
                                person(nose, neck, **view))  # type: ignore[arg-type]
        verdicts.append(sample.verdict)
    return verdicts


def steady(nose: float, neck: float, minutes: float, interval_s: float = 5.0,
           wobble: float = 0.0) -> list[tuple[float, float]]:
    """A stream at (nose, neck) with a deterministic wobble of +-``wobble``
    tolerances."""
    n = round(minutes * 60 / interval_s)
    return [(nose + wobble * TOL_NOSE * math.sin(1.7 * k),
             neck + wobble * TOL_NECK * math.cos(2.3 * k)) for k in range(n)]


def population() -> UprightReference:
    return UprightReference.seeded(None)


def calibrated(nose: float = 0.62, neck: float = 0.68) -> UprightReference:
    zero = Metrics(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    median = Metrics(neck, nose, 0.4, 0.0, 0.0, 0.4)
    return UprightReference.seeded(Baseline(median, zero, 5, T0))


# -- the examples the issue names -------------------------------------------------------


def test_starts_at_the_population_defaults() -> None:
    ref = population()
    assert (ref.nose, ref.neck) == (POP_NOSE, POP_NECK)
    assert ref.learning_phase and not ref.calibrated


def test_a_taller_sitter_is_found_and_her_slouch_to_the_population_upright_is_caught() -> None:
    ref = population()
    tall = feed(ref, steady(POP_NOSE + 0.2, POP_NECK + 0.13, minutes=2, wobble=0.2))
    assert Verdict.SLOUCHED not in tall
    assert ref.nose > POP_NOSE + 0.15 and ref.neck > POP_NECK + 0.1
    slouch = feed(ref, steady(POP_NOSE, POP_NECK, minutes=5), start_s=120)
    assert set(slouch) == {Verdict.SLOUCHED}  # where a fixed reference calls it upright


def test_a_lower_sitter_stops_being_called_slouched_after_the_learning_phase() -> None:
    ref = population()
    low = feed(ref, steady(POP_NOSE - 0.14, POP_NECK - 0.09, minutes=10))
    assert low[0] is Verdict.SLOUCHED  # judged by the defaults at first
    settled = round(reference.LEARN_PHASE_S / 5) + reference.MIN_SAMPLES
    assert set(low[settled:]) == {Verdict.UPRIGHT}
    assert ref.nose == pytest.approx(POP_NOSE - 0.14)


def test_a_long_slouch_after_the_learning_phase_is_never_learned() -> None:
    ref = population()
    feed(ref, steady(0.62, 0.68, minutes=10, wobble=0.3))
    before = (ref.nose, ref.neck)
    slouch = feed(ref, steady(0.62 - 2 * TOL_NOSE, 0.68 - 2 * TOL_NECK, minutes=150),
                  start_s=600)
    assert set(slouch) == {Verdict.SLOUCHED}
    assert (ref.nose, ref.neck) == before


def test_a_session_that_starts_slouched_recovers_at_the_first_upright_minute() -> None:
    ref = population()
    feed(ref, steady(POP_NOSE - 0.3, POP_NECK - 0.2, minutes=4))  # learnt, but bounded
    (nose_low, _), (neck_low, _) = ref.bounds
    assert ref.nose == pytest.approx(nose_low) and ref.neck == pytest.approx(neck_low)
    feed(ref, steady(POP_NOSE, POP_NECK, minutes=1), start_s=240)
    assert ref.nose == pytest.approx(POP_NOSE) and ref.neck == pytest.approx(POP_NECK)
    again = feed(ref, steady(POP_NOSE - 0.3, POP_NECK - 0.2, minutes=2), start_s=300)
    assert set(again) == {Verdict.SLOUCHED}


def test_a_camera_move_restarts_learning_quickly() -> None:
    ref = calibrated()
    feed(ref, steady(0.62, 0.68, minutes=10, wobble=0.2))
    assert ref.epoch == 0 and not ref.moved_since_calibration
    # Moved back and down: the shoulders are 30 % narrower, upright reads 0.14 lower.
    after = feed(ref, steady(0.48, 0.59, minutes=6), start_s=600, width=0.28, centre=0.55)
    assert ref.epoch == 1 and ref.moved_since_calibration
    first_ok = after.index(Verdict.UPRIGHT)
    assert first_ok * 5 <= reference.LEARN_PHASE_S + 60
    assert set(after[first_ok:]) == {Verdict.UPRIGHT}


def test_leaning_in_and_out_is_not_a_camera_move() -> None:
    ref = population()
    for k in range(12 * 30):
        width = 0.4 * (1.0 + 0.2 * math.sin(k / 7))  # +-20 % as posture-dev's person does
        ref.measure(T0 + timedelta(seconds=5 * k), person(0.6, 0.66, width=width))
    assert ref.epoch == 0


def test_another_image_size_is_a_camera_move() -> None:
    ref = population()
    feed(ref, steady(0.6, 0.66, minutes=1))
    feed(ref, steady(0.6, 0.66, minutes=1), start_s=60, image=(1280, 720))
    assert ref.epoch == 1


def test_unknown_and_absent_samples_teach_nothing() -> None:
    ref = population()
    sample, status = ref.measure(T0, None)
    assert not sample.present and status.learned == 0
    side = person(0.6, 0.66, width=0.05)  # a side view: shoulders too narrow
    sample, status = ref.measure(T0, side)
    assert sample.verdict is Verdict.UNKNOWN and status.learned == 0


def test_the_clock_stepping_back_forgets_the_window_not_the_reference() -> None:
    ref = population()
    feed(ref, steady(0.7, 0.75, minutes=2))
    level = (ref.nose, ref.neck)
    feed(ref, steady(0.7, 0.75, minutes=0.1), start_s=-3600)
    assert (ref.nose, ref.neck) == level


# -- properties -------------------------------------------------------------------------

SLOW = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(minutes=st.floats(1, 120), interval_s=st.sampled_from([1.0, 5.0, 15.0, 30.0]),
       wobble=st.floats(0, 0.45), offset=st.floats(0, 1), seeded=st.booleans())
def test_a_steady_upright_stream_never_alarms(minutes: float, interval_s: float, wobble: float,
                                              offset: float, seeded: bool) -> None:
    """Upright at the seed or anywhere up to ABOVE over it, wobbling by up to
    0.45 tolerances: never slouched, however long, at any sample interval."""
    ref = calibrated() if seeded else population()
    nose = ref.seed[0] + offset * reference.NOSE_ABOVE
    neck = ref.seed[1] + offset * reference.NECK_ABOVE
    verdicts = feed(ref, steady(nose, neck, minutes, interval_s, wobble), interval_s=interval_s)
    assert Verdict.SLOUCHED not in verdicts


@SLOW
@given(upright_min=st.floats(4, 30), slouch_min=st.floats(1, 120),
       depth=st.floats(1.5, 4.0), wobble=st.floats(0, 0.2), level=st.floats(-0.5, 0.5),
       seeded=st.booleans())
def test_a_held_slouch_is_flagged_through_its_whole_length(
        upright_min: float, slouch_min: float, depth: float, wobble: float, level: float,
        seeded: bool) -> None:
    """Up to two hours of slouching (``depth`` tolerances below the person's
    upright, wherever that is within the bounds), after a few upright minutes:
    every sample is slouched, the last one as much as the first."""
    ref = calibrated() if seeded else population()
    nose = ref.seed[0] + level * (reference.NOSE_BELOW if level < 0 else reference.NOSE_ABOVE)
    neck = ref.seed[1] + level * (reference.NECK_BELOW if level < 0 else reference.NECK_ABOVE)
    feed(ref, steady(nose, neck, upright_min, wobble=wobble))
    slouch = steady(nose - depth * TOL_NOSE, neck - depth * TOL_NECK, slouch_min, wobble=wobble)
    verdicts = feed(ref, slouch, start_s=upright_min * 60)
    assert set(verdicts) == {Verdict.SLOUCHED}


heights = st.tuples(st.floats(-0.4, 0.99), st.floats(-0.45, 0.99))
views = st.tuples(st.floats(0.11, 0.9), st.floats(0.1, 0.9))


@SLOW
@given(steps=st.lists(st.tuples(heights, views, st.floats(0.5, 900)), min_size=1,
                      max_size=400),
       seeded=st.booleans())
def test_the_reference_never_leaves_its_bounds(
        steps: list[tuple[tuple[float, float], tuple[float, float], float]],
        seeded: bool) -> None:
    ref = calibrated() if seeded else population()
    (nose_low, nose_high), (neck_low, neck_high) = ref.bounds
    t = 0.0
    for (nose, neck), (width, centre), gap in steps:
        t += gap
        ref.measure(T0 + timedelta(seconds=t), person(nose, neck, width, centre))
        assert nose_low <= ref.nose <= nose_high
        assert neck_low <= ref.neck <= neck_high


# -- state that survives a restart ---------------------------------------------------------


def test_state_round_trips_through_json_numbers_only() -> None:
    ref = population()
    feed(ref, steady(0.66, 0.7, minutes=5, wobble=0.3))
    text = json.dumps(ref.to_json())
    again = population()
    assert again.restore(json.loads(text))
    assert (again.nose, again.neck, again.epoch) == (ref.nose, ref.neck, ref.epoch)
    assert not again.learning_phase
    # Both go on the same way.
    tail = steady(0.5, 0.6, minutes=2)
    assert feed(ref, tail, start_s=300) == feed(again, tail, start_s=300)

    def leaves(value: object) -> list[object]:
        if isinstance(value, dict):
            return [x for v in value.values() for x in leaves(v)]
        if isinstance(value, list):
            return [x for v in value for x in leaves(v)]
        return [value]

    assert all(isinstance(x, int | float | bool) or x is None for x in leaves(ref.to_json()))


def test_a_state_from_another_seed_or_garbage_is_not_taken() -> None:
    ref = population()
    feed(ref, steady(0.7, 0.75, minutes=5))
    state = ref.to_json()
    assert not calibrated().restore(state)
    fresh = population()
    for bad in (None, [], {"version": 99}, {**state, "window": [[1, "x", 2]]},
                {**state, "reference": [float("nan"), 0.6]}, {**state, "epoch": -1}):
        assert not fresh.restore(bad)
    assert (fresh.nose, fresh.neck) == (POP_NOSE, POP_NECK)


def test_the_keeper_saves_to_the_store_and_a_restart_takes_it_up(tmp_path: Path) -> None:
    with Store(tmp_path / "pw.db") as store:
        keeper = ReferenceKeeper(store, None, 1.0)
        for k, (nose, neck) in enumerate(steady(0.7, 0.76, minutes=5)):
            keeper.measure(T0 + timedelta(seconds=5 * k), person(nose, neck))
        keeper.save(T0 + timedelta(minutes=5))
        learned = (keeper.reference.nose, keeper.reference.neck)
        assert json.loads(store.get_meta(META_KEY))["reference"] == list(learned)
    with Store(tmp_path / "pw.db") as store:
        again = ReferenceKeeper(store, None, 1.0)
        assert (again.reference.nose, again.reference.neck) == learned
        again.reseed(None)  # a new calibration (or none) starts over
        assert (again.reference.nose, again.reference.neck) == (POP_NOSE, POP_NECK)


def test_the_keeper_tells_listeners_when_the_camera_moved() -> None:
    zero = Metrics(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    seed = Baseline(Metrics(0.68, 0.62, 0.4, 0, 0, 0.4), zero, 5, T0)
    keeper = ReferenceKeeper(MemoryStore(), seed, 1.0)
    heard: list[str] = []
    keeper.camera_listeners.append(heard.append)
    for k in range(12 * 6):
        keeper.measure(T0 + timedelta(seconds=5 * k), person(0.62, 0.68))
    for k in range(12):
        keeper.measure(T0 + timedelta(seconds=360 + 5 * k), person(0.62, 0.68, width=0.25))
    assert keeper.camera_moved_since_calibration
    assert len(heard) == 1 and "calibrate" in heard[0].lower()
