"""Commands from outside the running monitor, through a spool folder: no port.

``posturewatch pause|resume|water|break`` (any process of the same user: a
script, a keyboard shortcut) writes one small JSON file per command into
``paths.control_dir()``, the user's runtime folder, made private (0700). The
running monitor reads that folder at each tick, deletes every file it reads,
and applies each command on the sampling thread exactly as the tray menu
would. Nothing listens on a socket; a file the loop cannot read is logged and
dropped, never applied half. Files left over from a monitor that ended are
cleared when the next one starts, so yesterday's "pause" never applies today.

A file holds ``{"command": "pause", "minutes": 30}`` (or ``"until": "14:00"``,
a local clock time or an ISO 8601 moment, resolved with the loop's own clock;
neither: until resumed), ``{"command": "resume"}``, ``{"command": "water"}``
or ``{"command": "break"}``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from posturewatch.app import Command, Custom, LogBreak, LogWater, Monitor, Pause, Resume
from posturewatch.atomic_files import write_atomic
from posturewatch.paths import make_private_dir, tighten

log = logging.getLogger(__name__)

COMMANDS = ("pause", "resume", "water", "break")
SUFFIX = ".json"
MAX_BYTES = 4096
MAX_PAUSE_MIN = 7 * 24 * 60.0

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?"
                       r"\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """``--for``: "30m", "1h", "1h30m", "90s", "2.5h", or plain minutes ("45").
    Returns minutes; ValueError says what is accepted."""
    value = text.strip()
    try:
        minutes = float(value)
    except ValueError:
        match = _DURATION.match(value)
        if not value or match is None or not any(match.groups()):
            raise ValueError(f"{text!r} is not a duration; use e.g. 30m, 1h, 1h30m or 90s") \
                from None
        hours, mins, secs = (float(g) if g else 0.0 for g in match.groups())
        minutes = hours * 60 + mins + secs / 60
    if not 0 < minutes <= MAX_PAUSE_MIN:
        raise ValueError(f"{text!r}: a pause lasts more than 0 and at most 7 days")
    return minutes


def parse_until(text: str, now: datetime, tz: tzinfo) -> datetime:
    """``--until``: "14:00" is the next 14:00 in ``tz`` after ``now`` (today, or
    tomorrow when it has passed); an ISO 8601 moment is itself (a naive one in
    ``tz``). Returns aware UTC-comparable datetime; ValueError when it is not
    a time or not after ``now``."""
    value = text.strip()
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} is not a clock time (00:00 to 23:59)")
        local = now.astimezone(tz)
        moment = datetime(local.year, local.month, local.day, hour, minute, tzinfo=tz)
        if moment <= local:
            day = local.date() + timedelta(days=1)
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
        return moment.astimezone(now.tzinfo)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time; use HH:MM (like 14:00) or an ISO 8601 "
                         "date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if moment <= now:
        raise ValueError(f"{text!r} has already passed")
    return moment.astimezone(now.tzinfo)


def to_command(data: object) -> Command:
    """The loop command for one spooled request; ValueError for a bad one."""
    if not isinstance(data, dict) or data.get("command") not in COMMANDS:
        raise ValueError(f"not a PostureWatch command: {data!r}")
    name = data["command"]
    if name == "resume":
        return Resume()
    if name == "water":
        return LogWater()
    if name == "break":
        return LogBreak()
    minutes, until = data.get("minutes"), data.get("until")
    if until is not None:
        if not isinstance(until, str):
            raise ValueError(f"pause until {until!r}: expected a time as text")
        text = until

        def pause_until(monitor: Monitor, now: datetime) -> None:
            try:
                end = parse_until(text, now, monitor.tz)
            except ValueError as exc:
                log.warning("control: ignoring pause: %s", exc)
                return
            monitor.dispatch(now, monitor.handle(Pause(until=end), now))

        return Custom(pause_until)
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) \
                or not 0 < minutes <= MAX_PAUSE_MIN:
            raise ValueError(f"pause for {minutes!r} minutes: expected more than 0, at most 7 days")
        return Pause(minutes=float(minutes))
    return Pause()


class Spool:
    """The command folder. ``send`` is for the command line, ``take`` and
    ``clear`` for the monitor's sampling thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _make(self) -> None:
        make_private_dir(self.folder)  # new folders 0700
        tighten(self.folder)  # and an existing one of ours made private

    def send(self, request: dict[str, Any]) -> Path:
        """Write one request atomically; returns its file (gone once read).
        OSError when the folder cannot be written."""
        to_command(request)  # never spool what the loop would refuse
        self._make()
        name = f"{time.time_ns():020d}-{os.getpid()}"
        path = self.folder / f"{name}{SUFFIX}"
        write_atomic(path, json.dumps(request))  # the loop skips the hidden .tmp file
        return path

    def pending(self) -> list[Path]:
        """The waiting request files, oldest first."""
        try:
            return sorted(p for p in self.folder.iterdir()
                          if p.suffix == SUFFIX and not p.name.startswith("."))
        except FileNotFoundError:
            return []

    def take(self) -> list[Command]:
        """Read and delete every waiting request; their commands, in order."""
        out: list[Command] = []
        for path in self.pending():
            try:
                if path.stat().st_size > MAX_BYTES:
                    raise ValueError(f"larger than {MAX_BYTES} bytes")
                command = to_command(json.loads(path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                log.warning("control: dropping %s: %s", path.name, exc)
                command = None
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:  # cannot delete: do not apply it at every tick
                log.warning("control: cannot delete %s (%s); ignoring it", path.name, exc)
                continue
            if command is not None:
                log.info("control: %s", type(command).__name__)
                out.append(command)
        return out

    def clear(self) -> int:
        """Delete requests left from a monitor that ended; how many. Makes the
        folder (private) so senders find it."""
        self._make()
        removed = 0
        for path in self.folder.iterdir():
            if path.suffix in (SUFFIX, ".tmp"):
                try:
                    path.unlink()
                    removed += 1
                except OSError:
                    pass
        if removed:
            log.info("control: cleared %d command(s) left from before", removed)
        return removed
