"""Calibration: a few upright samples -> a ``Baseline`` (or a refusal saying why).

Pure at import: standard library only. :func:`take_samples` asks the caller
(``app.Monitor.sample_once``: camera, pose, ``metrics.measure``) for a sample
a second apart; this module decides whether they make a trustworthy baseline,
converts baselines to and from JSON (numbers and one UTC timestamp, never an
image), and keeps the baseline file (:func:`save_baseline`,
:func:`load_baseline`; the file helpers are imported when called). The tray,
the welcome window and ``posturewatch calibrate`` all go through here.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from posturewatch import metrics as metrics_module
from posturewatch.i18n import N_, _
from posturewatch.model import Baseline, CameraState, Event, EventKind, Metrics, Sample, Verdict

if TYPE_CHECKING:
    from posturewatch.clock import Clock

log = logging.getLogger(__name__)

MIN_SAMPLES = 3
"""Usable samples a live calibration needs (``baseline_from_images`` may ask
for fewer: one photo is a valid, if noisy, reference)."""

MIN_USABLE_SHARE = 0.6
"""Of the frames where someone was present, this share must be usable."""

MAD_TO_SD = 1.4826
"""Scales the median absolute deviation to a standard deviation (normal data)."""

# Robust sd above which the person moved too much to call it one posture, in
# shoulder widths. posture-dev's 26 upright photos, taken over 25 minutes at
# different distances, have 0.044 (nose) and 0.020 (neck): a folder like that
# still passes; fidgeting through a few seconds of calibration does not.
MAX_SPREAD_NOSE = 0.06
MAX_SPREAD_NECK = 0.05

REFUSE_SENSITIVITY = 0.5
"""A live calibration is refused when its median posture scores as slouched
against the population reference (``metrics.thresholds(None)``) at this
sensitivity, i.e. when the head sits lower against the shoulders than *twice*
the drop that counts as a slouch for an uncalibrated user. The reference is
measured on one person, so the margin is wide: with the population tolerances
of 0.12 (nose) and 0.075 (neck) shoulder widths it refuses 20 of posture-dev's
26 slouched photos and none of its 26 upright ones, whose highest score is
0.44 of the refusal line (at sensitivity 1.0 it would be 0.88: too little room
for someone who sits, or places the camera, differently). A baseline from a
real slouch makes every later slouch look upright; a refused one can be
retried at once, and the welcome window lets the person keep it anyway
(``CalibrationRefused.baseline``)."""

SLOUCHED_REASON = N_(
    "This looks slouched: your head was low against your shoulders, much lower than "
    "most people sit upright, so it would make a poor reference. Sit tall with your "
    "shoulders back and down, look at the screen, and try again."
)

JSON_VERSION = 1
_METRIC_FIELDS = tuple(f.name for f in fields(Metrics))


CAMERA_REASONS = {
    CameraState.MISSING: N_("No picture: the camera was not found or could not be opened. "
                         "Check that it is connected (and allowed in the system's privacy "
                         "settings), then try again."),
    CameraState.BUSY: N_("No picture: another app is using the camera (a video call?), or access "
                      "to it is blocked in the system's privacy settings. Close that app or "
                      "allow access, then try again."),
    CameraState.COVERED: N_("The camera's picture is black: open the lens cover or privacy "
                         "shutter, or turn on a light, then try again."),
    CameraState.NO_PICTURE: N_("The camera sends no real picture (blank or frozen): unplug it and "
                            "plug it in again, or close other camera apps, then try again."),
}


@dataclass(frozen=True)
class CalibrationRefused:
    """Calibration did not produce a baseline. ``reason`` is one sentence for
    the user; the counts say how many frames were seen and usable; ``baseline``
    is set when the only fault was that it looks slouched."""

    reason: str
    samples_seen: int = 0
    samples_used: int = 0
    baseline: Baseline | None = None  # refused only for looking slouched: may be kept anyway


def make_baseline(
    samples: Sequence[Sample | Metrics],
    now: datetime,
    min_samples: int = MIN_SAMPLES,
) -> Baseline | CalibrationRefused:
    """A baseline from samples of the user sitting upright, or why not.

    ``samples``: ``Sample`` objects (from ``metrics.measure``) or bare
    ``Metrics``. A ``Sample`` is usable when someone was present and its
    verdict is not UNKNOWN (landmarks visible, frontal view); a bare ``Metrics``
    when it looks like a frontal view. The population verdict itself is
    ignored: the user may sit upright in a way the population defaults call
    slouched, and that is what calibration is for.

    ``now``: the calibration time (UTC), stored as ``created_at``.
    Refuses when the camera gave no picture in most frames (the reason says
    which way: missing, busy, covered, blank or frozen), when
    nobody was visible in at least ``min_samples`` frames, when
    too few frames were usable, or when the nose or neck height varied too
    much (the person moved).
    """
    if min_samples < 1:
        raise ValueError("min_samples must be at least 1")
    seen = len(samples)
    present = [s for s in samples if isinstance(s, Metrics) or s.present]
    blind = [s.camera for s in samples if isinstance(s, Sample) and s.camera in CAMERA_REASONS]
    if len(present) < min_samples and blind and len(blind) * 2 >= seen:
        # Most frames were no picture at all: say that, not "nobody visible".
        worst = max(CAMERA_REASONS, key=blind.count)
        return CalibrationRefused(_(CAMERA_REASONS[worst]), samples_seen=seen)
    if len(present) < min_samples:
        return CalibrationRefused(
            _("Nobody was visible in enough frames (found in {found} of {seen}, need "
              "{need}); sit facing the camera and try again.").format(
                found=len(present), seen=seen, need=min_samples),
            samples_seen=seen,
        )
    usable = [m for m in (_usable_metrics(s) for s in present) if m is not None]
    if len(usable) < min_samples or len(usable) < MIN_USABLE_SHARE * len(present):
        return CalibrationRefused(
            _("Your head and shoulders were not clearly visible ({usable} of {present} "
              "frames usable); face the camera with both shoulders in view and good light, "
              "then try again.").format(usable=len(usable), present=len(present)),
            samples_seen=seen,
            samples_used=len(usable),
        )
    median = Metrics(**{name: _median(usable, name) for name in _METRIC_FIELDS})
    spread = Metrics(**{name: _robust_sd(usable, name) for name in _METRIC_FIELDS})
    if spread.nose_height > MAX_SPREAD_NOSE or spread.neck_height > MAX_SPREAD_NECK:
        return CalibrationRefused(
            _("You moved too much during calibration (head height varied by about {amount} "
              "shoulder widths); sit still and upright, then try again.").format(
                amount=f"{max(spread.nose_height, spread.neck_height):.2f}"),
            samples_seen=seen,
            samples_used=len(usable),
        )
    return Baseline(median=median, spread=spread, samples=len(usable), created_at=now)


def looks_slouched(baseline: Baseline) -> bool:
    """True when the baseline's median posture is clearly slouched against the
    population reference (``metrics.thresholds(None)``; see REFUSE_SENSITIVITY)."""
    limits = metrics_module.thresholds(None, REFUSE_SENSITIVITY)
    return metrics_module.slouch_score(baseline.median, limits) >= 1.0


def make_live_baseline(
    samples: Sequence[Sample | Metrics],
    now: datetime,
    min_samples: int = MIN_SAMPLES,
) -> Baseline | CalibrationRefused:
    """:func:`make_baseline` for a person calibrating now (tray, onboarding,
    ``posturewatch calibrate``), which also refuses a baseline that
    :func:`looks_slouched`, saying why."""
    result = make_baseline(samples, now, min_samples)
    if isinstance(result, Baseline) and looks_slouched(result):
        return CalibrationRefused(_(SLOUCHED_REASON), samples_seen=len(samples),
                                  samples_used=result.samples, baseline=result)
    return result


def baseline_to_json(baseline: Baseline) -> dict[str, object]:
    """A JSON-ready dict: medians and spreads (floats), sample count, and the
    creation time as ISO 8601 UTC."""
    created = baseline.created_at
    if created.tzinfo is not None:
        created = created.astimezone(UTC)
    return {
        "version": JSON_VERSION,
        "median": {name: float(getattr(baseline.median, name)) for name in _METRIC_FIELDS},
        "spread": {name: float(getattr(baseline.spread, name)) for name in _METRIC_FIELDS},
        "samples": int(baseline.samples),
        "created_at": created.isoformat(),
    }


def baseline_from_json(data: dict[str, object]) -> Baseline:
    """The ``Baseline`` stored by ``baseline_to_json``.

    Raises ``ValueError`` with a plain message when the data is not a baseline
    this version understands (unknown version, missing or non-numeric fields).
    A timestamp without a zone is taken as UTC.
    """
    if not isinstance(data, dict):
        raise ValueError("baseline JSON must be an object")
    if data.get("version") != JSON_VERSION:
        raise ValueError(f"unsupported baseline version {data.get('version')!r}")
    try:
        median = _metrics_from_json(data["median"])
        spread = _metrics_from_json(data["spread"])
        samples = data["samples"]
        created_raw = data["created_at"]
    except KeyError as missing:
        raise ValueError(f"baseline JSON lacks {missing}") from None
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise ValueError(f"baseline samples must be a positive integer, not {samples!r}")
    if not isinstance(created_raw, str):
        raise ValueError("baseline created_at must be an ISO 8601 string")
    created = datetime.fromisoformat(created_raw)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return Baseline(median=median, spread=spread, samples=samples, created_at=created)


def _usable_metrics(item: Sample | Metrics) -> Metrics | None:
    if isinstance(item, Metrics):
        if not all(math.isfinite(getattr(item, name)) for name in _METRIC_FIELDS):
            return None
        return item if metrics_module.view_problem(item) is None else None
    if item.verdict is Verdict.UNKNOWN or item.metrics is None:
        return None
    return item.metrics


def _median(items: Sequence[Metrics], name: str) -> float:
    return float(statistics.median(getattr(m, name) for m in items))


def _robust_sd(items: Sequence[Metrics], name: str) -> float:
    values = [getattr(m, name) for m in items]
    centre = statistics.median(values)
    return float(MAD_TO_SD * statistics.median(abs(v - centre) for v in values))


def _metrics_from_json(raw: object) -> Metrics:
    if not isinstance(raw, dict):
        raise ValueError("baseline median/spread must be objects")
    values: dict[str, float] = {}
    for name in _METRIC_FIELDS:
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"baseline {name} must be a number, not {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"baseline {name} must be finite")
        values[name] = float(value)
    return Metrics(**values)


# -- taking the samples, and what is kept --------------------------------------
def take_samples(sample: Callable[[], Sample], frames: int, spacing_s: float, clock: Clock,
                 stop: threading.Event) -> Baseline | CalibrationRefused:
    """Call ``sample`` ``frames`` times, ``spacing_s`` apart on ``clock`` (a
    set ``stop`` ends the wait early), and make a live baseline of what came
    (:func:`make_live_baseline`, dated ``clock.now()``)."""
    samples: list[Sample] = []
    for i in range(frames):
        samples.append(sample())
        if i < frames - 1 and clock.wait(stop, spacing_s):
            break
    return make_live_baseline(samples, clock.now())


def calibration_event(result: Baseline | CalibrationRefused, now: datetime) -> Event:
    """The ``CALIBRATION`` event the store keeps for a calibration at ``now``."""
    if isinstance(result, Baseline):
        return Event(EventKind.CALIBRATION, now, {"ok": True, "samples": result.samples})
    return Event(EventKind.CALIBRATION, now, {"ok": False, "reason": result.reason})


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write ``baseline`` to ``path`` as JSON, atomically and private to the user."""
    from posturewatch.paths import write_private_text

    write_private_text(path, json.dumps(baseline_to_json(baseline), indent=1))


def load_baseline(path: Path) -> Baseline | None:
    """The saved baseline, or None when there is none or it cannot be read
    (bounded: a huge or deeply nested file is refused, see ``bounded_read``)."""
    from posturewatch.bounded_read import read_json

    try:
        return baseline_from_json(read_json(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable baseline %s (%s); run `posturewatch calibrate`", path, exc)
        return None
