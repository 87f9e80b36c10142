"""How often live calibration's "looks slouched" check refuses, on real photos.

For each photo of ``../shared/data/posture-dev`` (one person: 26 upright, 26
slouched) the population slouch score of its metrics, at several
sensitivities; a photo "would be refused" when its score is >= 1 (the check
``calibration.looks_slouched`` applies to a calibration's median at
``calibration.REFUSE_SENSITIVITY``). Needs the shared photos and the model.

    .venv/bin/python bench/calibration_bench.py [--data ../shared/data/posture-dev]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402

from posturewatch import metrics  # noqa: E402
from posturewatch.calibration import REFUSE_SENSITIVITY  # noqa: E402
from posturewatch.pose import open_estimator  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "posture-dev"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no photos at {args.data}")
        return 1
    found: dict[str, list[metrics.Metrics]] = {}
    with open_estimator() as estimator:
        for label in ("upright", "slouched"):
            found[label] = []
            for photo in sorted((args.data / label).iterdir()):
                frame = cv2.imread(str(photo))
                landmarks = estimator.estimate(frame) if frame is not None else None
                if landmarks is not None:
                    found[label].append(metrics.compute(landmarks))
    for sensitivity in sorted({1.0, 0.75, REFUSE_SENSITIVITY, 0.4}, reverse=True):
        limits = metrics.thresholds(None, sensitivity)
        mark = "  <- REFUSE_SENSITIVITY" if sensitivity == REFUSE_SENSITIVITY else ""
        for label, items in found.items():
            scores = [metrics.slouch_score(m, limits) for m in items]
            refused = sum(s >= 1.0 for s in scores)
            print(f"sensitivity {sensitivity:4}: {label:8} {refused:2}/{len(scores)} would be "
                  f"refused, highest score {max(scores):.2f}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
