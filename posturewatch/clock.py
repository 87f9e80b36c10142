"""Clocks: the wall clock for the real loop, a simulated one for replays and tests;
and the user's local time zone.

The sampling loop asks its clock for ``now()`` and waits with
``wait(stop, seconds)``; nothing else in PostureWatch reads the time, so a
simulated clock drives hours of monitoring in milliseconds. ``local_zone()``
is the zone working hours and reports are cut in.
"""

from __future__ import annotations

import os
import threading
import time as _time
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.is_set():
            return True
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


class _SystemLocalZone(tzinfo):
    """The OS's local zone through ``time.localtime``: correct across DST where
    no IANA name is available (Windows without the tzdata package)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=-_time.timezone)
        stamp = _time.mktime((*dt.timetuple()[:8], -1))
        return timedelta(seconds=_time.localtime(stamp).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return _time.tzname[0] if dt is None else _time.strftime("%Z", dt.timetuple())

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
        local = _time.localtime(stamp)
        return dt + timedelta(seconds=local.tm_gmtoff)

    def __repr__(self) -> str:
        return "local time"

    __str__ = __repr__


def local_zone() -> tzinfo:
    """The user's local time zone, DST-aware: $TZ if it names an IANA zone,
    else /etc/localtime (Linux, macOS), else the OS clock's rules."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
        if "zoneinfo/" in target:
            try:
                return ZoneInfo(target.split("zoneinfo/", 1)[1])
            except (ZoneInfoNotFoundError, ValueError):
                pass
        with link.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="local time")
    except OSError:
        return _SystemLocalZone()
