"""``posturewatch replay``: the whole pipeline over a recording, on a simulated clock.

Real model, real tracker, real nudge policy, real store; consecutive frames
are ``interval_s`` apart and time moves only as frames are processed, so an
hour of video takes as long as the model needs, not an hour. Notifications are
recorded, not shown. Frame k (0-based) is taken at start + k * interval_s and
accounts for the interval that follows it, so N frames cover N * interval_s.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path

from posturewatch.app import Monitor
from posturewatch.camera import FrameSource
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.model import (
    Baseline,
    CameraState,
    Event,
    EventKind,
    MinuteSummary,
    Nudge,
    Record,
    Sample,
    Verdict,
)
from posturewatch.notify import RecordingNotifier
from posturewatch.pose import Estimator
from posturewatch.store import Store
from posturewatch.trace import TraceWriter
from posturewatch.trace import row as trace_row


@dataclass
class _ReplayTotals:
    frames: int = 0
    present_s: float = 0.0
    seated_s: float = 0.0
    slouched_s: float = 0.0
    away_s: float = 0.0
    unknown_s: float = 0.0
    longest_sitting_s: float = 0.0
    breaks: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {v.value: 0 for v in Verdict})
    nudges: list[dict[str, object]] = field(default_factory=list)

    def add(self, start: datetime, actions: list[object]) -> None:
        for action in actions:
            if isinstance(action, Nudge):
                at_s = (action.at - start).total_seconds()
                self.nudges.append({"kind": action.kind.value, "at_s": round(at_s, 3)})
            elif isinstance(action, Record) and isinstance(action.item, MinuteSummary):
                m = action.item
                self.present_s += m.present_s
                self.seated_s += m.seated_s
                self.slouched_s += m.slouched_s
                self.away_s += m.away_s
                self.unknown_s += m.unknown_s
            elif isinstance(action, Record) and isinstance(action.item, Event):
                if action.item.kind is EventKind.BREAK_TAKEN:
                    self.breaks += 1


def replay(
    source: FrameSource,
    estimator: Estimator,
    settings: Settings,
    start: datetime,
    interval_s: float,
    db_path: Path | None = None,
    baseline: Baseline | None = None,
    tz: tzinfo | None = None,
    trace: Path | None = None,
) -> dict[str, object]:
    """Run the pipeline over every frame of ``source``; returns the totals as a dict.

    The caller opened ``source`` and ``estimator`` and closes them; the
    database (``db_path``, or a scratch file) is opened and closed here.

    ``trace``: write one CSV row per frame there (``trace.FIELDS``): what the
    posture judge saw, the reference it judged by, and why a verdict was unknown.
    """
    settings = replace(settings, sample_interval_s=interval_s)
    clock = SimulatedClock(start)
    start = clock.now()
    notifier = RecordingNotifier()
    totals = _ReplayTotals()
    began = time.perf_counter()
    tracer = TraceWriter(trace) if trace is not None else None
    with tempfile.TemporaryDirectory(prefix="posturewatch-replay-") as scratch:
        store = Store(db_path or Path(scratch) / "replay.db")
        try:
            monitor = Monitor(settings, source, estimator, store, notifier, clock, baseline, tz)
            tracker = monitor.tracker

            def step(sample: Sample) -> None:
                now = clock.now()
                actions = tracker.step(now, sample)
                monitor.dispatch(now, actions)
                totals.add(start, actions)
                totals.longest_sitting_s = max(
                    totals.longest_sitting_s, tracker.state(now).sitting_s
                )

            while True:
                sample, camera = monitor.sample_once()
                if camera is CameraState.ENDED:
                    break
                if tracer is not None:
                    at_s = (clock.now() - start).total_seconds()
                    tracer.write(trace_row(at_s, sample, monitor.references.last))
                if totals.frames == 0:
                    step(sample)  # the origin: accounts for nothing
                totals.frames += 1
                totals.verdicts[sample.verdict.value] += 1
                # Frame k is taken at start + k * interval and covers the
                # interval after it: step at its end with its sample.
                clock.advance(interval_s)
                step(sample)
            end = clock.now()
            totals.add(start, monitor.finish(end))
        finally:
            store.close()  # opened here; the caller closes the source and the estimator
            if tracer is not None:
                tracer.close()
    wall_s = time.perf_counter() - began
    return {
        "frames": totals.frames,
        "interval_s": interval_s,
        "start": start.isoformat(),
        "elapsed_s": round((end - start).total_seconds(), 3),
        "present_s": round(totals.present_s, 3),
        "seated_s": round(totals.seated_s, 3),
        "away_s": round(totals.away_s, 3),
        "unknown_s": round(totals.unknown_s, 3),
        "longest_sitting_s": round(totals.longest_sitting_s, 3),
        "breaks": totals.breaks,
        "slouched_s": round(totals.slouched_s, 3),
        "verdicts": totals.verdicts,
        "nudges": totals.nudges,
        "notifications": [{"title": t, "body": b} for t, b in notifier.shown],
        "baseline": "calibrated" if baseline is not None else "population defaults",
        "db": str(db_path) if db_path else None,
        "trace": str(trace) if trace else None,
        "wall_s": round(wall_s, 3),
    }
