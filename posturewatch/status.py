"""The status file: the running monitor writes it (:func:`write_status`, about
once a minute and on every change), ``posturewatch status`` reads it
(:func:`read_status`) and says it in words (:func:`describe_status`), and a
restarted monitor reads its sitting bout back (:func:`read_bout`). Numbers
and words only, never an image.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, tzinfo
from pathlib import Path

from posturewatch.bounded_read import finite_number, read_json
from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import N_, _
from posturewatch.instance import running_pid
from posturewatch.messages import format_minutes
from posturewatch.model import State

CAMERA_WORDS = {
    "ok": N_("working"),
    "missing": N_("not found (check the connection; see the log)"),
    "busy": N_("in use by another app (nudges held)"),
    "covered": N_("covered: its picture is black (open the lens cover or shutter)"),
    "no_picture": N_("sends no picture: blank or frozen (unplug it and plug it in again)"),
    "off": N_("off (not needed now)"),
    "ended": N_("source ended"),
}
NO_PICTURE_STATES = ("missing", "busy", "covered", "no_picture")


MAX_STATUS_BYTES = 64 * 1024  # the monitor writes about 500 bytes

# The fields the monitor writes (:func:`status_data`), by the type they must have.
_TEXT_FIELDS = ("at", "presence", "verdict", "camera", "paused_until", "next_nudge_kind",
                "next_nudge_at")
_SECONDS_FIELDS = ("sitting_s", "slouched_s")
_FLAG_FIELDS = ("break_due", "in_working_hours", "baseline", "camera_moved_since_calibration")
_LONGEST_S = 366 * 86400.0  # no sitting bout or slouch lasts longer


def clean_status(data: object) -> dict[str, object]:
    """The fields ``describe_status`` knows, each of the right type: text (at
    most 64 characters), finite seconds in 0..a year, true/false; a field of
    the wrong type is dropped, never trusted. Other fields (added by a later
    version) are kept only as plain values (text, finite numbers, true/false,
    null), at most 100 of them, for ``status --json``."""
    if not isinstance(data, dict):
        return {}
    clean: dict[str, object] = {}
    for key in _TEXT_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and len(value) <= 64:
            clean[key] = value
    for key in _SECONDS_FIELDS:
        number = finite_number(data.get(key))
        if number is not None:
            clean[key] = min(max(number, 0.0), _LONGEST_S)
    for key in _FLAG_FIELDS:
        if isinstance(data.get(key), bool):
            clean[key] = data[key]
    known = {*_TEXT_FIELDS, *_SECONDS_FIELDS, *_FLAG_FIELDS, "running", "pid"}
    for key, value in list(data.items())[:100]:  # fields added later: plain values only
        if not isinstance(key, str) or key in known or len(key) > 64:
            continue
        if isinstance(value, bool) or value is None or (
                isinstance(value, str) and len(value) <= 256):
            clean[key] = value
        elif (number := finite_number(value)) is not None:
            clean[key] = value if isinstance(value, int) and abs(value) < 2**53 else number
    return clean


# -- writing (the monitor's sampling thread) -------------------------------------
def status_data(state: State, running: bool,
                extra: Mapping[str, object] | None = None) -> dict[str, object]:
    """A JSON-able view of ``state`` (times ISO 8601, enums their values),
    with ``running``, this process's ``pid`` and the monitor's ``extra``
    fields (baseline, desktop signals, the open sitting ``bout`` ...)."""
    data: dict[str, object] = {}
    for key, value in asdict(state).items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif hasattr(value, "value"):
            data[key] = value.value
        else:
            data[key] = value
    data["running"] = running
    data["pid"] = os.getpid()
    data.update(extra or {})
    return data


def write_status(path: Path, data: Mapping[str, object]) -> None:
    """Write ``data`` to the status file, atomically and private to the user;
    raises OSError."""
    from posturewatch.paths import write_private_text

    write_private_text(path, json.dumps(data, indent=1))


def read_bout(path: Path) -> dict[str, object] | None:
    """The open sitting bout the last run wrote (``Tracker.bout_snapshot``;
    its values still to be checked), or None when there is none to read."""
    try:
        bout = read_json(path, MAX_STATUS_BYTES).get("bout")
    except (OSError, ValueError, AttributeError):
        return None
    return bout if isinstance(bout, dict) else None


# -- reading (``posturewatch status``) ---------------------------------------------
def read_status(status_path: Path, lock_path: Path) -> dict[str, object]:
    """The last status the monitor wrote, with ``running`` from the instance lock.

    Bounded and validated (:func:`clean_status`): a missing, huge, deeply
    nested or malformed file reads as "no status yet", never as a crash."""
    try:
        data = clean_status(read_json(status_path, MAX_STATUS_BYTES))
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
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 in another zone
        return None


def describe_status(data: dict[str, object], now: datetime, tz: tzinfo) -> str:
    """Plain sentences for the terminal. ``now`` is UTC."""
    lines: list[str] = []
    at = _time(data.get("at"), tz)
    if data.get("running"):
        lines.append(_("PostureWatch is running (pid {pid}).").format(pid=data.get("pid")))
    else:
        lines.append(_("PostureWatch is not running. Start it with `posturewatch run`."))
    if at is None:
        lines.append(_("No status yet: the monitor has not taken a sample."))
        return "\n".join(lines)
    age_s = max(0.0, (now.astimezone(tz) - at).total_seconds())
    lines.append(_("Last sample: {time} ({age} ago).").format(
                     time=f"{at:%H:%M:%S}", age=format_minutes(age_s))
                 if age_s >= 60 else _("Last sample: {time}.").format(time=f"{at:%H:%M:%S}"))
    paused = _time(data.get("paused_until"), tz)
    presence = data.get("presence")
    if data.get("paused_until") and paused is not None and paused > now.astimezone(tz):
        if paused.year >= 9999:  # session.PAUSED_INDEFINITELY
            lines.append(_("Paused until you resume: the camera stays off."))
        else:
            lines.append(_("Paused until {time}: the camera stays off.").format(
                time=f"{weekday_name(paused, short=True)} {paused:%H:%M}"))
    elif data.get("screen_locked"):
        lines.append(_("Screen locked: the camera stays off, and the time counts as away."))
    sitting = float(data.get("sitting_s") or 0.0)  # type: ignore[arg-type]
    if presence == "present" and data.get("running"):
        sitting += age_s  # still sitting since the last write
    camera = str(data.get("camera", "ok"))
    source = data.get("presence_source")
    if presence == "present":
        lines.append(_("Sitting for {time}.").format(time=format_minutes(sitting)))
        if source == "input":
            lines.append(_("Sitting is counted from keyboard and mouse activity: the camera "
                           "cannot see you now."))
    elif presence == "away" and source == "input":
        lines.append(_("Nothing counts as sitting now: {camera}, and {input}.").format(
            camera=_no_picture(camera), input=_idle_words(data)))
    elif presence == "away":
        lines.append(_("Away from the desk."))
    elif camera in NO_PICTURE_STATES and data.get("running"):
        lines.append(_("Not tracking sitting: {camera}, and {input}.").format(
            camera=_no_picture(camera), input=_idle_words(data)))
    else:
        lines.append(_("Presence unknown."))
    verdict = str(data.get("verdict", "unknown"))
    lines.append(_("Last verdict: {verdict}.").format(verdict=_verdict_word(verdict)))
    words = CAMERA_WORDS.get(camera)
    lines.append(_("Camera: {state}.").format(state=_(words) if words else camera))
    if data.get("break_due"):
        lines.append(_("A break is due: stand up and move for two minutes."))
    kind, nxt = data.get("next_nudge_kind"), _time(data.get("next_nudge_at"), tz)
    if kind and nxt is not None:
        lines.append(_("Next nudge: {kind} at {time}.").format(
            kind=_nudge_word(str(kind)), time=f"{nxt:%H:%M}"))
    if not data.get("in_working_hours", True):
        lines.append(_("Outside working hours: no nudges now, and the camera stays off."))
    elif data.get("quiet"):
        lines.append(_("Reminders wait while this lasts: {reason}.").format(
            reason=data.get("quiet")))
    if data.get("camera_moved_since_calibration"):
        lines.append(_("The camera seems to have moved since you calibrated: run "
                       "`posturewatch calibrate` again while sitting upright."))
    if data.get("baseline") is False:
        lines.append(_("Not calibrated: run `posturewatch calibrate` while sitting upright."))
    return "\n".join(lines)


def _verdict_word(verdict: str) -> str:
    return {"upright": _("upright"), "slouched": _("slouched"),
            "unknown": _("unknown")}.get(verdict, verdict)


def _nudge_word(kind: str) -> str:
    return {"break": _("break"), "water": _("water"), "posture": _("posture")}.get(kind, kind)


def _no_picture(camera: str) -> str:
    return {
        "missing": _("the camera is not found"),
        "busy": _("the camera is in use by another app"),
        "covered": _("the camera is covered (its picture is black)"),
        "no_picture": _("the camera sends no picture (blank or frozen)"),
    }.get(camera, _("the camera gives no picture"))


def _idle_words(data: dict[str, object]) -> str:
    """Why keyboard and mouse do not say "present" either."""
    if data.get("input_presence") is False:
        return _("keyboard and mouse activity is switched off (input_presence = false)")
    idle = data.get("input_idle_s")
    if not isinstance(idle, int | float):
        return _("this desktop tells no keyboard or mouse activity")
    return _("there was no keyboard or mouse input for {time}").format(
        time=format_minutes(float(idle)))
