"""One CSV row per tick saying what the posture judge decided and why
(``posturewatch replay --trace``, ``posturewatch eval --stream --trace``).

Numbers and words only: no image, no landmark position.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from posturewatch.metrics import why_unknown
from posturewatch.model import Sample
from posturewatch.reference import Status

FIELDS = (
    "at_s", "present", "verdict", "score", "confidence", "nose_height", "neck_height",
    "nose_reference", "neck_reference", "learned", "learning_phase", "epoch", "camera_moved",
    "unknown_reason",
)
"""The columns, in order. ``at_s``: seconds from the start of the session;
``score``: the slouch score (>= 1 is slouched); ``*_reference``: the upright
reference the sample was judged against (shoulder widths); ``learned``:
samples in the reference's window; ``epoch``: camera moves so far;
``unknown_reason``: why the verdict is unknown (empty otherwise)."""


def row(at_s: float, sample: Sample, status: Status | None, file: str = "") -> dict[str, object]:
    """The trace row of one sample judged at ``at_s`` (``file``: the image, if any)."""
    metrics = sample.metrics
    data: dict[str, object] = {
        "at_s": round(at_s, 3),
        "present": int(sample.present),
        "verdict": sample.verdict.value,
        "score": round(sample.score, 4),
        "confidence": round(sample.confidence, 4),
        "nose_height": "" if metrics is None else round(metrics.nose_height, 4),
        "neck_height": "" if metrics is None else round(metrics.neck_height, 4),
        "nose_reference": "" if status is None else round(status.nose, 4),
        "neck_reference": "" if status is None else round(status.neck, 4),
        "learned": "" if status is None else status.learned,
        "learning_phase": "" if status is None else int(status.learning_phase),
        "epoch": "" if status is None else status.epoch,
        "camera_moved": "" if status is None else int(status.camera_moved),
        "unknown_reason": why_unknown(sample),
    }
    if file:
        data["file"] = file
    return data


class TraceWriter:
    """Writes trace rows to a CSV file as they come (the header first)."""

    def __init__(self, path: Path, with_file: bool = False) -> None:
        self.path = Path(path)
        self._handle: IO[str] = self.path.open("w", newline="", encoding="utf-8")
        fields = FIELDS + (("file",) if with_file else ())
        self._writer = csv.DictWriter(self._handle, fieldnames=fields)
        self._writer.writeheader()
        self.rows = 0

    def write(self, data: dict[str, object]) -> None:
        self._writer.writerow(data)
        self.rows += 1

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
