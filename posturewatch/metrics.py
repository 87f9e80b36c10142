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
4. The slouch score compares two metrics with the upright reference:

       score = mean(drop_nose / tol_nose, drop_neck / tol_neck), clipped at 0

   where ``drop = reference - value`` (both heights fall when the head bows,
   juts forward or the trunk slumps) and ``tol`` is the drop that counts as a
   slouch. ``score >= 1`` is SLOUCHED. Two metrics averaged ride out a single
   misplaced landmark better than one alone.
5. Where the reference comes from: frame by frame (``posturewatch eval``)
   it is the calibrated baseline or the population defaults below; in the
   monitor, ``replay`` and ``eval --stream`` it is the upright reference that
   follows the user (``reference.py``), *seeded* by those and learned from the
   person's own samples.

Population defaults (no calibration) and tolerances
----------------------------------------------------
Measured on ``../shared/data/posture-dev`` (52 frontal 480x640 photos of one
person at a desk, 26 upright, 26 slouched), both landmark models, static image
mode (legacy ``mp.solutions`` full and the Tasks API full model give the same
figures to 3 decimals):

==============  =================================  =================================
metric          upright, full (lite)               slouched, full (lite)
==============  =================================  =================================
nose_height     median 0.590 (0.599), robust sd     median 0.188 (0.210),
                0.043 (0.049), min 0.499 (0.485)    p90 0.400 (0.406)
neck_height     median 0.651 (0.668), robust sd     median 0.403 (0.424),
                0.019 (0.030), min 0.570 (0.600)    p90 0.525 (0.544)
==============  =================================  =================================

The reference is the upright median (0.59 nose, 0.65 neck; lite's are within
0.02 and one set serves both models). The tolerance was re-chosen for issue 9:
on 1,588 frames of three other people the old one (0.20 / 0.125, half the gap
to posture-dev's very deep slouches) was about twice too lax: 73 % of their
slouches were judged upright. Method: the tightest round tolerance for which
posture-dev's upright photos keep a margin to the threshold with *both* models
(highest upright score at most 0.9), checked on framings that change no posture
(the photos letterboxed into 640x480, zoomed 0.8x and 1.25x, shifted, rotated
5 degrees: false alarms 0-8 %) and on synthetic subtle slouches (the slouched
landmarks moved only 45 % of the way from an upright photo: balanced
accuracy 0.84-0.85 against 0.62-0.69 with the old tolerance). 0.12 / 0.075
(0.6 of the old one):

==========================  =======================  =======================
posturewatch eval ...       full                     lite
==========================  =======================  =======================
old 0.20 / 0.125            0.942, 0 false alarms     0.923, 0 false alarms
**0.12 / 0.075**            **0.962, 0**, top 0.89    **0.962, 0**, top 0.75
0.10 / 0.0625 (half)        0.962, 1 of 26            0.981, 0
==========================  =======================  =======================

(``top``: the highest score of an upright photo.) The two slouched photos
still judged upright look upright from the front: the whole body sank in the
frame, which head-to-shoulder ratios cannot see. A camera tilted so every
height reads 12 % shorter gives 15-23 % false alarms frame by frame: that is
what the following reference is for (it learns the new level), and why a
calibration or the learned reference beats any fixed one.

Frame by frame, this is still one person and one camera: the following
reference (``reference.py``) is where accuracy for other people comes from;
see ``bench/reference_bench.py`` for its figures on synthetic sessions.

With a baseline
---------------
``tol = max(SPREAD_K * spread, TOLERANCE_FLOOR) / sensitivity``, then never
below ``TOLERANCE_MIN``. ``spread`` is the calibration's robust standard
deviation (1.4826 * MAD). A few seconds of calibration cannot see how much an
upright person drifts over a working day, so the floor is the population
tolerance (0.12 nose, 0.075 neck; before issue 9 the floors were 0.16 / 0.08
against population tolerances of 0.20 / 0.125). With ``--baseline-from`` the
posture-dev ``upright/`` folder: spread 0.043 / 0.019, tolerances 0.13 / 0.075.
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
