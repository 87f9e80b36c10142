"""Benchmark, run by hand (not in CI): how often the camera is opened, per hour
of a simulated working day.

    .venv/bin/python bench/camera_bench.py [--interval-s 5]

The day (Monday, 08:00-18:00 local = UTC here), default settings except
``work_hours = "09:00-17:00"`` on weekdays:

- 08:00-09:00 and 17:00-18:00 outside working hours;
- 12:00-13:00 lunch with the screen locked (the desktop says so, as logind would);
- 15:00-15:30 paused from the command line (``posturewatch pause --for 30m``).

The camera is a counting stand-in that opens, gives one frame and closes at
each grab (the default ``camera_keep_open = false``), so grabs are opens. The
pose model is stood in for by one that finds nobody: what is counted does not
depend on what the frames show. The loop, the tracker, the store, the spool
and the clock are the real ones.

Run it against another checkout to compare (``PYTHONPATH=../main``); where
that code has no ``desktop`` seam, the lock goes unnoticed, as it did.
Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import inspect
import json
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from posturewatch.app import Monitor, Pause
from posturewatch.camera import Grab
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.model import CameraState
from posturewatch.notify import RecordingNotifier
from posturewatch.store import Store

DAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
HOURS = 10


class CountingCamera:
    """A camera that counts how often it is opened (one open per grab)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.opens: Counter[int] = Counter()
        self.rng = np.random.default_rng(1)

    def grab(self) -> Grab:
        self.opens[self.clock.now().hour] += 1
        frame = self.rng.integers(60, 200, size=(48, 64, 3), dtype=np.uint8)  # noisy, not flat
        return Grab(frame, CameraState.OK)

    def close(self) -> None:
        pass


class NobodyThere:
    def estimate(self, frame: object) -> None:
        return None


class LunchLock:
    """The desktop: locked 12:00-13:00, nothing else known."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock

    def read(self) -> object:
        from posturewatch.desktop_state import DesktopState

        return DesktopState(locked=self.clock.now().hour == 12)

    def signals(self) -> dict[str, str | None]:
        return {"lock": "bench", "input": None, "dnd": None, "fullscreen": None}

    def close(self) -> None:
        pass


def run_day(interval_s: float, scratch: Path) -> tuple[Counter[int], bool]:
    settings = Settings(sample_interval_s=interval_s, work_hours="09:00-17:00",
                        work_days=("mon", "tue", "wed", "thu", "fri"))
    clock = SimulatedClock(DAY)
    camera = CountingCamera(clock)
    kwargs = {}
    lock_seam = "desktop" in inspect.signature(Monitor).parameters
    if lock_seam:
        kwargs["desktop"] = LunchLock(clock)
    monitor = Monitor(settings, camera, NobodyThere(), Store(scratch / "day.db"),
                      RecordingNotifier(), clock, tz=UTC, **kwargs)
    end = DAY + timedelta(hours=HOURS)
    paused = False
    while clock.now() < end:
        if not paused and clock.now() >= DAY.replace(hour=15):
            monitor.commands.put(Pause(minutes=30))
            paused = True
        monitor.tick()
        clock.advance(interval_s)
    monitor.finish()
    monitor.store.close()
    return camera.opens, lock_seam


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval-s", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posturewatch-bench-") as tmp:
        opens, lock_seam = run_day(args.interval_s, Path(tmp))
    what = {8: "outside working hours", 12: "screen locked (lunch)",
            15: "paused 30 min from the CLI", 17: "outside working hours"}
    print(f"camera opens per hour, one sample every {args.interval_s:g} s "
          f"({'with' if lock_seam else 'without'} the screen-lock seam)")
    for hour in range(DAY.hour, DAY.hour + HOURS):
        print(f"  {hour:02d}:00  {opens.get(hour, 0):5d}  {what.get(hour, '')}")
    total = sum(opens.values())
    full = int(HOURS * 3600 / args.interval_s)
    print(f"  day    {total:5d} of {full} ticks ({100 * total / full:.0f} %)")
    print(json.dumps({"interval_s": args.interval_s, "lock_seam": lock_seam,
                      "opens_per_hour": {f"{h:02d}": opens.get(h, 0)
                                         for h in range(DAY.hour, DAY.hour + HOURS)},
                      "opens_per_day": total, "ticks_per_day": full}))


if __name__ == "__main__":
    main()
