"""Count the nudges an ignored working day gets, through the real Tracker.

Three scripted days, each 08:00-17:00 with the default settings and every
nudge ignored (no Done, no water logged): (a) unbroken sitting, (b) sitting
with a 2-minute walk every 90 minutes and lunch away, (c) like (b) but
slouched half of every hour. Prints the nudges per kind and day. Pure
Python, no camera: run it from any checkout to compare versions.

    .venv/bin/python bench/nudge_bench.py
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posturewatch.config import Settings  # noqa: E402
from posturewatch.model import Metrics, Nudge, Sample, Verdict  # noqa: E402
from posturewatch.session import Tracker  # noqa: E402

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
M = Metrics(0.65, 0.59, 0.4, 0.0, 0.0, 0.3)
UPRIGHT = Sample(True, Verdict.UPRIGHT, 0.9, M, score=0.2)
SLOUCHED = Sample(True, Verdict.SLOUCHED, 0.9, M, score=1.5)
AWAY = Sample(False, Verdict.UNKNOWN)


def day(kind: str) -> Counter[str]:
    settings = Settings()
    tracker = Tracker(settings)
    step = timedelta(seconds=settings.sample_interval_s)
    now, end = START, START + timedelta(hours=9)
    counts: Counter[str] = Counter()
    while now <= end:
        minute = int((now - START).total_seconds() // 60)
        sample = UPRIGHT
        if kind != "unbroken":
            if 240 <= minute < 285 or minute % 90 in (88, 89):  # lunch, a walk every 90 min
                sample = AWAY
            elif kind == "slouchy" and minute % 60 >= 30:
                sample = SLOUCHED
        for action in tracker.step(now, sample):
            if isinstance(action, Nudge):
                counts[action.kind.value] += 1
        now += step
    return counts


if __name__ == "__main__":
    for kind in ("unbroken", "walks", "slouchy"):
        counts = day(kind)
        parts = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("break", "posture", "water"))
        print(f"{kind:9} 9 h: {sum(counts.values()):3} nudges ({parts})")
