"""Landmarks (+ an optional calibrated baseline) -> posture metrics and a verdict.

Pure: standard library only. No cv2, no mediapipe (DESIGN section 2).

How a verdict is reached
------------------------
1. ``compute`` turns pixel landmarks into ``Metrics``, each normalised by the
   shoulder width so the distance to the camera cancels (DESIGN section 3).
2. ``visibility_confidence`` is the lowest MediaPipe visibility of the five
   points the verdict uses (nose, both ears, both shoulders). Below
   ``VISIBILITY_MIN`` the verdict is UNKNOWN: a false alarm costs more trust
   than a missed slouch, so what we cannot see is never "slouched".
3. ``view_problem`` checks that the metrics look like a person facing the
   camera. From the side (or turned away, or far across the room) the
   shoulders collapse to a few pixels and every ratio explodes; such frames are
   "present" (sitting time still counts) but their posture verdict is UNKNOWN.
4. The slouch score compares two metrics with the upright reference (the
   calibrated baseline, or the population defaults below when there is none):

       score = mean(drop_nose / tol_nose, drop_neck / tol_neck), clipped at 0

   where ``drop = reference - value`` (both heights fall when the head bows,
   juts forward or the trunk slumps) and ``tol`` is the drop that counts as a
   slouch. ``score >= 1`` is SLOUCHED. Two metrics averaged ride out a single
   misplaced landmark better than one alone.

Population defaults (no calibration)
------------------------------------
Measured on ``../shared/data/posture-dev`` (52 frontal 480x640 photos of one
person at a desk, 26 upright, 26 slouched), MediaPipe pose
``model_complexity=1``, ``static_image_mode=True``:

====================  ===============================  ===============================
metric                upright (n=26)                   slouched (n=26)
====================  ===============================  ===============================
nose_height           median 0.590, IQR 0.539-0.614,    median 0.188, IQR 0.150-0.346,
                      min 0.499, robust sd 0.044        max 0.580
neck_height           median 0.651, IQR 0.625-0.661,    median 0.403, IQR 0.363-0.485,
                      min 0.570, robust sd 0.020        max 0.645
head_size             median 0.395, IQR 0.372-0.407     median 0.409, IQR 0.360-0.433
shoulder_width_frac   median 0.429, range 0.349-0.610   median 0.422, range 0.358-0.651
====================  ===============================  ===============================

The reference is the upright median and the tolerance is half the gap between
the class medians (the threshold sits midway): nose 0.59 / 0.20, neck
0.65 / 0.125. On posture-dev that gives balanced accuracy 0.942, false alarms
0/26, misses 3/26 (two of them look upright in the photo: the whole body sank
in the frame, which head-to-shoulder ratios cannot see); the highest upright
score is 0.53, so the nearest upright photo is far from the threshold. Leave-
one-out (refitting both medians without the held-out photo) gives the same
0.942 and 0 false alarms. Nose height alone scores the same, neck height alone
0.962 with the upright photos closer to the threshold (0.65); head size and
the tilts do not separate the classes and stay out of the verdict.

This is one person and one camera: calibrate for anything better.

With a baseline
---------------
``tol = max(SPREAD_K * spread, TOLERANCE_FLOOR) / sensitivity``, then never
below ``TOLERANCE_MIN``. ``spread`` is the calibration's robust standard
deviation (1.4826 * MAD). A few seconds of calibration cannot see how much an
upright person drifts over a working day (posture-dev's upright photos span
25 minutes: robust sd 0.044 nose, 0.020 neck), so the floor is about 4 times
that: 0.16 nose, 0.08 neck. Simulated on posture-dev (baseline from every run of
5 consecutive upright photos, scored on the other 47): at sensitivity 1,
false alarms 0 for every window and mean hit rate 0.91 (worst 0.81); at 0.5,
no false alarms and hit rate 0.65; at 2.0 (strict), hit rate 0.96 with false
alarms 0.19 on average: "strict" is strict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posturewatch.model import Baseline, Landmarks, Metrics, Sample, Verdict

# Points the verdict depends on; their lowest visibility is the confidence.
REQUIRED_POINTS = ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder")
HEAD_POINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")

VISIBILITY_MIN = 0.5
"""Below this (lowest visibility of REQUIRED_POINTS) the verdict is UNKNOWN."""

PRESENCE_VISIBILITY_MIN = 0.5
"""A detection counts as a person when some head or shoulder point is at least
this visible; MediaPipe can return a faint skeleton on an empty chair."""

MIN_SHOULDER_WIDTH_PX = 1.0

# Population defaults, see the module docstring for the figures.
POPULATION_NOSE_HEIGHT = 0.59
POPULATION_NECK_HEIGHT = 0.65
POPULATION_NOSE_TOLERANCE = 0.12
POPULATION_NECK_TOLERANCE = 0.075

# Calibrated thresholds, see "With a baseline" above.
SPREAD_K = 3.0
NOSE_TOLERANCE_FLOOR = POPULATION_NOSE_TOLERANCE
NECK_TOLERANCE_FLOOR = POPULATION_NECK_TOLERANCE
NOSE_TOLERANCE_MIN = 0.06  # even at high sensitivity: never hair-trigger
NECK_TOLERANCE_MIN = 0.0375

# A frontal view: posture-dev ranges with wide margins. Side-view photos
# (../shared/data/side-view) give shoulder_width_frac 0.01-0.11 and
# neck_height 1.1-12 with MediaPipe still reporting visibility ~1.0.
SHOULDER_WIDTH_FRAC_MIN = 0.10  # about 2 m from a 70 degree webcam
NECK_HEIGHT_RANGE = (-0.5, 1.0)  # upright posture-dev max 0.69
HEAD_SIZE_RANGE = (0.15, 0.8)  # posture-dev 0.23-0.50
SHOULDER_TILT_MAX_DEG = 30.0  # posture-dev within +-10
CONFIDENCE_WRONG_VIEW = 0.1


@dataclass(frozen=True)
class Thresholds:
    """The upright reference and the drop that counts as a slouch, in shoulder
    widths, for nose_height and neck_height."""

    nose_reference: float
    neck_reference: float
    nose_tolerance: float
    neck_tolerance: float


def compute(landmarks: Landmarks) -> Metrics:
    """Posture metrics of one frame's landmarks (pixels in, ratios out).

    Heights are positive when the point is above the shoulder midpoint (image
    y grows downward). Tilts are in degrees, positive when the person's left
    shoulder (or ear) is lower in the image than the right one; a frontal view
    gives values within +-90. Raises ``ValueError`` when the shoulders are less
    than a pixel apart (no width to normalise by).
    """
    ls, rs = landmarks.left_shoulder, landmarks.right_shoulder
    le, re = landmarks.left_ear, landmarks.right_ear
    shoulder_width = math.hypot(ls.x - rs.x, ls.y - rs.y)
    if shoulder_width < MIN_SHOULDER_WIDTH_PX:
        raise ValueError(f"shoulder width {shoulder_width:.2f} px is too small to measure")
    shoulder_mid_y = (ls.y + rs.y) / 2.0
    ear_mid_y = (le.y + re.y) / 2.0
    return Metrics(
        neck_height=(shoulder_mid_y - ear_mid_y) / shoulder_width,
        nose_height=(shoulder_mid_y - landmarks.nose.y) / shoulder_width,
        head_size=math.hypot(le.x - re.x, le.y - re.y) / shoulder_width,
        shoulder_tilt_deg=math.degrees(math.atan2(ls.y - rs.y, ls.x - rs.x)),
        head_tilt_deg=math.degrees(math.atan2(le.y - re.y, le.x - re.x)),
        shoulder_width_frac=shoulder_width / landmarks.image_width,
    )


def visibility_confidence(landmarks: Landmarks) -> float:
    """The lowest visibility (0..1) of the points the verdict uses."""
    return min(getattr(landmarks, name).visibility for name in REQUIRED_POINTS)


def visibility_ok(landmarks: Landmarks) -> bool:
    """True when every point the verdict uses is visible enough to judge."""
    return visibility_confidence(landmarks) >= VISIBILITY_MIN


def is_present(landmarks: Landmarks | None) -> bool:
    """True when the detection looks like a person (some head or shoulder
    point visible), False for no detection or a faint ghost skeleton."""
    if landmarks is None:
        return False
    names = HEAD_POINTS + ("left_shoulder", "right_shoulder")
    return max(getattr(landmarks, name).visibility for name in names) >= PRESENCE_VISIBILITY_MIN


def view_problem(metrics: Metrics) -> str | None:
    """Why these metrics do not look like a frontal view at a desk, or None.

    Side views, a person turned away or someone far across the room give
    ratios no seated, camera-facing person produces; judging posture from them
    would be guesswork.
    """
    if metrics.shoulder_width_frac < SHOULDER_WIDTH_FRAC_MIN:
        return "shoulders too narrow in the frame (side view or far away)"
    if abs(metrics.shoulder_tilt_deg) > SHOULDER_TILT_MAX_DEG:
        return "shoulders not level (side view, turned away or lying)"
    low, high = NECK_HEIGHT_RANGE
    if not low <= metrics.neck_height <= high:
        return "head too far above or below the shoulders for a frontal view"
    low, high = HEAD_SIZE_RANGE
    if not low <= metrics.head_size <= high:
        return "head size out of proportion with the shoulders (side view)"
    return None


def thresholds(baseline: Baseline | None, sensitivity: float = 1.0) -> Thresholds:
    """The reference and tolerances ``measure`` uses for this baseline.

    ``sensitivity`` > 0: 1 is the default, 2 halves the tolerated drop
    (strict), 0.5 doubles it (relaxed). Without a baseline: the population
    defaults. With one: see the module docstring.
    """
    if not sensitivity > 0:
        raise ValueError(f"sensitivity must be positive, not {sensitivity}")
    if baseline is None:
        nose_ref, neck_ref = POPULATION_NOSE_HEIGHT, POPULATION_NECK_HEIGHT
        nose_tol, neck_tol = POPULATION_NOSE_TOLERANCE, POPULATION_NECK_TOLERANCE
    else:
        nose_ref, neck_ref = baseline.median.nose_height, baseline.median.neck_height
        nose_tol = max(SPREAD_K * baseline.spread.nose_height, NOSE_TOLERANCE_FLOOR)
        neck_tol = max(SPREAD_K * baseline.spread.neck_height, NECK_TOLERANCE_FLOOR)
    return Thresholds(
        nose_reference=nose_ref,
        neck_reference=neck_ref,
        nose_tolerance=max(nose_tol / sensitivity, NOSE_TOLERANCE_MIN),
        neck_tolerance=max(neck_tol / sensitivity, NECK_TOLERANCE_MIN),
    )


def slouch_score(metrics: Metrics, limits: Thresholds) -> float:
    """Unclipped slouch score: 0 at the reference, 1 at the threshold,
    negative when sitting taller than the reference."""
    nose = (limits.nose_reference - metrics.nose_height) / limits.nose_tolerance
    neck = (limits.neck_reference - metrics.neck_height) / limits.neck_tolerance
    return (nose + neck) / 2.0


def measure(
    landmarks: Landmarks | None,
    baseline: Baseline | None,
    sensitivity: float = 1.0,
    limits: Thresholds | None = None,
) -> Sample:
    """One frame's ``Sample``: presence, verdict, confidence, metrics, score.

    ``landmarks`` None means nobody was found. ``baseline`` None uses the
    population defaults. ``confidence`` (0..1) is the landmarks' visibility,
    lowered near the threshold (halved right at it) and cut to 0.1 for views
    that are not frontal. UNKNOWN verdicts carry score 0. ``limits``, when
    given, is the reference to judge by (``reference.UprightReference``'s
    learned one) instead of ``thresholds(baseline, sensitivity)``.
    """
    if limits is None:
        limits = thresholds(baseline, sensitivity)
    if not is_present(landmarks):
        return Sample(present=False, verdict=Verdict.UNKNOWN, confidence=0.0)
    assert landmarks is not None
    visibility = visibility_confidence(landmarks)
    try:
        metrics = compute(landmarks)
    except ValueError:
        return Sample(present=True, verdict=Verdict.UNKNOWN, confidence=0.0)
    if not _finite(metrics):
        return Sample(present=True, verdict=Verdict.UNKNOWN, confidence=0.0)
    if visibility < VISIBILITY_MIN:
        return Sample(present=True, verdict=Verdict.UNKNOWN, confidence=visibility, metrics=metrics)
    if view_problem(metrics) is not None:
        return Sample(
            present=True,
            verdict=Verdict.UNKNOWN,
            confidence=CONFIDENCE_WRONG_VIEW * visibility,
            metrics=metrics,
        )
    raw = slouch_score(metrics, limits)
    verdict = Verdict.SLOUCHED if raw >= 1.0 else Verdict.UPRIGHT
    margin = min(1.0, abs(raw - 1.0))
    return Sample(
        present=True,
        verdict=verdict,
        confidence=visibility * (0.5 + 0.5 * margin),
        metrics=metrics,
        score=max(0.0, raw),
    )


def why_unknown(sample: Sample) -> str:
    """Why ``sample`` has an UNKNOWN verdict, in a few words ("" when it has
    another verdict). Derived from the sample alone, as ``measure`` made it."""
    if sample.verdict is not Verdict.UNKNOWN:
        return ""
    if sample.camera.value != "ok":
        return f"no frame (camera {sample.camera.value})"
    if not sample.present:
        return "nobody in view"
    if sample.metrics is None or not _finite(sample.metrics):
        return "shoulders too close together to measure"
    problem = view_problem(sample.metrics)
    if problem is not None:
        return problem
    return f"landmarks not visible enough (confidence {sample.confidence:.2f})"


def _finite(metrics: Metrics) -> bool:
    return all(
        math.isfinite(value)
        for value in (
            metrics.neck_height,
            metrics.nose_height,
            metrics.head_size,
            metrics.shoulder_tilt_deg,
            metrics.head_tilt_deg,
            metrics.shoulder_width_frac,
        )
    )
