"""Scoring posture detection on a folder of labelled photos (``posturewatch eval``).

Layout (``../shared/data/README.md``): ``FOLDER/upright/``, ``FOLDER/slouched/``
and optionally ``FOLDER/absent/``, each holding images. Every image is judged
on its own, exactly as one tick of the monitor would judge a webcam frame:
pose -> ``metrics.measure`` with the given baseline (population defaults when
None). Images are read here and never written anywhere.

Measured with ``posturewatch eval ../shared/data/posture-dev`` (issue 9's
tolerances, uncalibrated): n=52, detection rate 1.0, balanced accuracy 0.962,
no false alarm, 2 of 26 slouched judged upright, with either landmark model
(``--model ../shared/models/pose_landmarker_lite.task`` or ``..._full.task``).
With ``--stream`` (one session, the reference learning from the first 17
upright photos, taken farther from the camera than the next 9): full 0.923 with
3 of 26 upright photos flagged, lite 0.885 with 5 (the leaning-in ones). With
``--baseline-from`` the ``upright/`` folder itself: 0.962 / 0.0. The side-view
photos are all judged present with an UNKNOWN verdict at confidence 0.1 (no
false alarm).

``eval --stream`` judges the images as one session instead: every labelled
image in natural order of the file names (``img2`` before ``img10``), 5 s
apart, by the upright reference that follows the user (``reference.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2

from posturewatch import calibration, metrics
from posturewatch.calibration import CalibrationRefused
from posturewatch.camera import iter_image_paths
from posturewatch.model import Baseline, Sample
from posturewatch.pose import Estimator
from posturewatch.reference import UprightReference
from posturewatch.trace import TraceWriter
from posturewatch.trace import row as trace_row

LABELS = ("upright", "slouched", "absent")
JUDGEMENTS = ("upright", "slouched", "unknown", "absent")


def judge(sample: Sample) -> str:
    """One of JUDGEMENTS: 'absent' when nobody was found, else the verdict."""
    if not sample.present:
        return "absent"
    return sample.verdict.value


def evaluate(
    folder: Path,
    estimator: Estimator,
    baseline: Baseline | None,
    sensitivity: float = 1.0,
) -> dict[str, object]:
    """Score every image of ``folder``'s label sub-folders; a JSON-ready dict.

    Keys: ``n`` (images scored), ``n_upright``, ``n_slouched``, ``n_absent``,
    ``unreadable`` (files OpenCV could not decode, skipped),
    ``detection_rate`` (upright and slouched images where a person was
    found), ``balanced_accuracy`` (mean of upright recall and slouched recall;
    unknown and absent count as wrong), ``false_alarm_rate`` (upright judged
    slouched), ``miss_rate`` (slouched judged anything but slouched),
    ``unknown_rate`` (upright and slouched images with a present person and an
    UNKNOWN verdict), ``absent_accuracy`` (absent images judged not present;
    only when ``absent/`` has images), ``confusion`` (label -> judgement ->
    count), ``mean_confidence`` per label, ``errors`` (file, label, judged,
    score), ``baseline`` ('population' or 'calibrated') and ``sensitivity``.
    A rate whose denominator is 0 is None. Raises ``FileNotFoundError`` when
    no labelled image exists.
    """
    folder = Path(folder)
    images = _labelled_images(folder)
    judged: list[tuple[str, Path, Sample | None]] = []
    for label in LABELS:
        for path in images[label]:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            sample = (None if frame is None
                      else metrics.measure(estimator.estimate(frame), baseline, sensitivity))
            judged.append((label, path, sample))
    return _score(folder, judged, baseline, sensitivity)


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key putting ``img2`` before ``img10`` (digit runs compare as numbers)."""
    return tuple(int(part) if part.isdigit() else part.lower()
                 for part in re.split(r"(\d+)", name))


def stream_order(folder: Path) -> list[tuple[str, Path]]:
    """Every labelled image of ``folder`` as one session: (label, path) in
    natural order of the file names across the label folders (ties: upright,
    slouched, absent). Raises ``FileNotFoundError`` when there is none."""
    images = _labelled_images(Path(folder))
    rank = {label: i for i, label in enumerate(LABELS)}
    items = [(label, path) for label in LABELS for path in images[label]]
    return sorted(items, key=lambda item: (natural_key(item[1].name), rank[item[0]]))


def evaluate_stream(
    folder: Path,
    estimator: Estimator,
    baseline: Baseline | None,
    sensitivity: float = 1.0,
    interval_s: float = 5.0,
    trace: Path | None = None,
) -> dict[str, object]:
    """Score the images as ONE session (``eval --stream``): in ``stream_order``,
    ``interval_s`` apart, judged by the upright reference that follows the
    user (``reference.py``), seeded by ``baseline`` or the population defaults,
    learning as it goes. The result has :func:`evaluate`'s keys plus
    ``stream: True``, ``interval_s`` and the final ``reference`` (nose, neck,
    camera moves). ``trace``: one CSV row per image (``trace.FIELDS`` + file).
    """
    folder = Path(folder)
    order = stream_order(folder)
    follower = UprightReference.seeded(baseline, sensitivity)
    start = datetime(2000, 1, 3, 9, 0, tzinfo=UTC)  # a Monday morning; only differences matter
    judged: list[tuple[str, Path, Sample | None]] = []
    tracer = TraceWriter(trace, with_file=True) if trace is not None else None
    try:
        for k, (label, path) in enumerate(order):
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                judged.append((label, path, None))
                continue
            now = start + timedelta(seconds=k * interval_s)
            sample, status = follower.measure(now, estimator.estimate(frame))
            judged.append((label, path, sample))
            if tracer is not None:
                tracer.write(trace_row(k * interval_s, sample, status, f"{label}/{path.name}"))
    finally:
        if tracer is not None:
            tracer.close()
    result = _score(folder, judged, baseline, sensitivity)
    result["stream"] = True
    result["interval_s"] = interval_s
    result["reference"] = {"nose": round(follower.nose, 4), "neck": round(follower.neck, 4),
                           "camera_moves": follower.epoch}
    return result


def _labelled_images(folder: Path) -> dict[str, list[Path]]:
    images = {label: iter_image_paths(folder / label) for label in LABELS}
    if not any(images.values()):
        raise FileNotFoundError(
            f"no images in {folder}/upright, {folder}/slouched or {folder}/absent"
        )
    return images


def _score(folder: Path, judged: list[tuple[str, Path, Sample | None]],
           baseline: Baseline | None, sensitivity: float) -> dict[str, object]:
    """The scores of judged images (sample None: unreadable)."""
    confusion = {label: dict.fromkeys(JUDGEMENTS, 0) for label in LABELS}
    confidences: dict[str, list[float]] = {label: [] for label in LABELS}
    errors: list[dict[str, object]] = []
    unreadable: list[str] = []
    for label, path, sample in judged:
        if sample is None:
            unreadable.append(f"{label}/{path.name}")
            continue
        judgement = judge(sample)
        confusion[label][judgement] += 1
        confidences[label].append(sample.confidence)
        if judgement != label:
            errors.append(
                {
                    "file": f"{label}/{path.name}",
                    "label": label,
                    "judged": judgement,
                    "score": round(sample.score, 3),
                    "confidence": round(sample.confidence, 3),
                }
            )
    counts = {label: sum(confusion[label].values()) for label in LABELS}
    n_up, n_sl, n_ab = counts["upright"], counts["slouched"], counts["absent"]
    up, sl = confusion["upright"], confusion["slouched"]
    upright_recall = _rate(up["upright"], n_up)
    slouched_recall = _rate(sl["slouched"], n_sl)
    found = n_up + n_sl - up["absent"] - sl["absent"]
    result: dict[str, object] = {
        "folder": str(folder),
        "baseline": "population" if baseline is None else "calibrated",
        "sensitivity": sensitivity,
        "n": n_up + n_sl + n_ab,
        "n_upright": n_up,
        "n_slouched": n_sl,
        "n_absent": n_ab,
        "unreadable": unreadable,
        "detection_rate": _rate(found, n_up + n_sl),
        "balanced_accuracy": (
            None
            if upright_recall is None or slouched_recall is None
            else (upright_recall + slouched_recall) / 2.0
        ),
        "upright_recall": upright_recall,
        "slouched_recall": slouched_recall,
        "false_alarm_rate": _rate(up["slouched"], n_up),
        "miss_rate": _rate(n_sl - sl["slouched"], n_sl),
        "unknown_rate": _rate(up["unknown"] + sl["unknown"], n_up + n_sl),
        "confusion": confusion,
        "mean_confidence": {
            label: (sum(values) / len(values) if values else None)
            for label, values in confidences.items()
        },
        "errors": errors,
    }
    if n_ab:
        result["absent_accuracy"] = _rate(confusion["absent"]["absent"], n_ab)
    return result


def baseline_from_images(
    path: Path,
    estimator: Estimator,
    now: datetime,
) -> Baseline | CalibrationRefused:
    """A baseline from one photo, or a folder of photos, of the person upright.

    ``now``: the creation time (UTC) stored in the baseline. One readable
    photo is enough here (its spread is 0, so the tolerance floors apply);
    otherwise the live calibration rules hold (visibility, steadiness).
    """
    path = Path(path)
    files = iter_image_paths(path) if path.is_dir() else [path] if path.is_file() else []
    samples = list(_measure_all(files, estimator))
    if not samples:
        return CalibrationRefused(f"No readable images at {path}.")
    return calibration.make_baseline(samples, now, min_samples=1)


def _measure_all(files: Iterable[Path], estimator: Estimator) -> Iterable[Sample]:
    for path in files:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is not None:
            yield metrics.measure(estimator.estimate(frame), None)


def _rate(count: int, total: int) -> float | None:
    return count / total if total else None
