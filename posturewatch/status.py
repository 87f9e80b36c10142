"""``posturewatch status``: read the running monitor's status file and say it in words."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from pathlib import Path

from posturewatch.instance import running_pid
from posturewatch.messages import format_minutes


def read_status(status_path: Path, lock_path: Path) -> dict[str, object]:
    """The last status the monitor wrote, with ``running`` from the instance lock."""
    try:
        data: dict[str, object] = json.loads(status_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    pid = running_pid(lock_path)
    data["running"] = pid is not None
    if pid is not None:
        data["pid"] = pid
    return data


def _time(value: object, tz: tzinfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(tz)
    except ValueError:
        return None


def describe_status(data: dict[str, object], now: datetime, tz: tzinfo) -> str:
    """Plain sentences for the terminal. ``now`` is UTC."""
    lines: list[str] = []
    at = _time(data.get("at"), tz)
    if data.get("running"):
        lines.append(f"PostureWatch is running (pid {data.get('pid')}).")
    else:
        lines.append("PostureWatch is not running. Start it with `posturewatch run`.")
    if at is None:
        lines.append("No status yet: the monitor has not taken a sample.")
        return "\n".join(lines)
    age_s = max(0.0, (now.astimezone(tz) - at).total_seconds())
    lines.append(f"Last sample: {at:%H:%M:%S} ({format_minutes(age_s)} ago)."
                 if age_s >= 60 else f"Last sample: {at:%H:%M:%S}.")
    paused = _time(data.get("paused_until"), tz)
    presence = data.get("presence")
    if data.get("paused_until") and paused is not None and paused > now.astimezone(tz):
        if paused.year >= 9999:  # session.PAUSED_INDEFINITELY
            lines.append("Paused until you resume.")
        else:
            lines.append(f"Paused until {paused:%a %H:%M}.")
    sitting = float(data.get("sitting_s") or 0.0)  # type: ignore[arg-type]
    if presence == "present" and data.get("running"):
        sitting += age_s  # still sitting since the last write
    if presence == "present":
        lines.append(f"Sitting for {format_minutes(sitting)}.")
    elif presence == "away":
        lines.append("Away from the desk.")
    else:
        lines.append("Presence unknown.")
    lines.append(f"Last verdict: {data.get('verdict', 'unknown')}.")
    camera = data.get("camera", "ok")
    camera_words = {
        "ok": "working", "missing": "not found (check the connection; see the log)",
        "busy": "in use by another app (nudges held)", "ended": "source ended",
    }
    lines.append(f"Camera: {camera_words.get(str(camera), camera)}.")
    if data.get("break_due"):
        lines.append("A break is due: stand up and move for two minutes.")
    kind, nxt = data.get("next_nudge_kind"), _time(data.get("next_nudge_at"), tz)
    if kind and nxt is not None:
        lines.append(f"Next nudge: {kind} at {nxt:%H:%M}.")
    if not data.get("in_working_hours", True):
        lines.append("Outside working hours: no nudges now.")
    if data.get("camera_moved_since_calibration"):
        lines.append("The camera seems to have moved since you calibrated: run "
                     "`posturewatch calibrate` again while sitting upright.")
    if data.get("baseline") is False:
        lines.append("Not calibrated: run `posturewatch calibrate` while sitting upright.")
    return "\n".join(lines)
