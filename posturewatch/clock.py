"""Clocks: the wall clock for the real loop, a simulated one for replays and tests.

The sampling loop asks its clock for ``now()`` and waits with
``wait(stop, seconds)``; nothing else in PostureWatch reads the time, so a
simulated clock drives hours of monitoring in milliseconds.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; True when stopped."""
        ...


class WallClock:
    """Real time. ``wait`` returns at once when ``stop`` is set, so Quit is instant."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(seconds)


class SimulatedClock:
    """Time that moves only when waited on (or advanced): never sleeps."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self.waits = 0

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.is_set():
            return True
        self.waits += 1
        self.advance(seconds)
        return stop.is_set()


class PacedClock:
    """Simulated time that moves ``speed`` times faster than real time.

    Each ``wait(stop, s)`` really waits ``s / speed`` seconds (so the program
    paces like the real one, only faster, and Quit still wakes it at once)
    and then moves the simulated time on by exactly ``s``. The time spent
    working between waits does not count, so a tick is never late and the
    tracker never sees a gap. Only the sampling thread reads it.
    """

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self.speed = speed
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.wait(seconds / self.speed):
            return True
        self._now += timedelta(seconds=seconds)
        return False
